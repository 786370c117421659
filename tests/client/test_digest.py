"""DigestAuthMiddleware against an aioweb server that checks every digest itself.

The server below recomputes RFC 7616's response hash from its own copy of the password,
so a test passes only if what crossed the wire is a correct answer, not merely a header
of the right shape. It also refuses a repeated ``nc`` for a nonce, as real servers do.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import re
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import unquote

import pytest
from yarl import URL

import aioweb
from aioweb import web
from aioweb._client.digest import parse_challenges
from clientutil import read_request, respond, scripted_server
from serverutil import serve

USER = "alice"
PASSWORD = "s3cret"
REALM = "test@aioweb"
OPAQUE = "0p4que"

_HASHES = {"MD5": "md5", "SHA-256": "sha256", "SHA-512-256": "sha512_256"}
_FIELD = re.compile(r'([\w*-]+)=("(?:[^"\\]|\\.)*"|[^,\s]+)')


def H(algorithm: str, data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    name = _HASHES[algorithm.upper().removesuffix("-SESS")]
    return hashlib.new(name, raw).hexdigest()


def parse_authorization(value: str) -> dict[str, str]:
    scheme, _, rest = value.partition(" ")
    assert scheme == "Digest"
    fields = {}
    for name, raw in _FIELD.findall(rest):
        if raw.startswith('"'):
            raw = re.sub(r"\\(.)", r"\1", raw[1:-1])
        fields[name] = raw
    return fields


@dataclass
class DigestServer:
    """A Digest-protected app; every request it sees is recorded in ``seen``."""

    algorithm: str | None = "MD5"
    qop: str | None = "auth"
    password: str = PASSWORD
    domain: str | None = None
    userhash: bool = False
    #: This many correct answers are refused with ``stale=true`` before one is accepted.
    stale_answers: int = 0
    #: Paths that answer without authentication.
    public: tuple[str, ...] = ()
    #: A correct answer gets this redirect instead of 200.
    redirect_to: str | None = None
    #: Issue this nonce in every challenge instead of a new one each time.
    fixed_nonce: str | None = None
    user: str = USER
    seen: list[tuple[str, str | None]] = field(default_factory=list)
    nonces: dict[str, int] = field(default_factory=dict)
    expired: set[str] = field(default_factory=set)

    def challenge(self, *, stale: bool = False) -> str:
        nonce = self.fixed_nonce or secrets.token_hex(8)
        self.nonces.setdefault(nonce, 0)
        parts = [f'realm="{REALM}"', f'nonce="{nonce}"', f'opaque="{OPAQUE}"']
        if self.qop is not None:
            parts.append(f'qop="{self.qop}"')
        if self.algorithm is not None:
            parts.append(f"algorithm={self.algorithm}")
        if self.domain is not None:
            parts.append(f'domain="{self.domain}"')
        if self.userhash:
            parts.append("userhash=true")
        if stale:
            parts.append("stale=true")
        return "Digest " + ", ".join(parts)

    def unauthorized(self, *, stale: bool = False) -> web.Response:
        return web.Response(
            status=401,
            text="who are you?",
            headers={"WWW-Authenticate": self.challenge(stale=stale)},
        )

    def verdict(self, request: web.Request, header: str, body: bytes) -> str:
        fields = parse_authorization(header)
        algorithm = self.algorithm or "MD5"
        nonce = fields.get("nonce", "")
        if nonce not in self.nonces:
            return "bad nonce"
        if self.userhash:
            if fields.get("userhash") != "true" or fields["username"] != H(
                algorithm, f"{self.user}:{REALM}"
            ):
                return "bad username"
        elif "username*" in fields:
            charset, _, encoded = fields["username*"].partition("''")
            if charset != "UTF-8" or unquote(encoded) != self.user:
                return "bad username"
        elif fields.get("username") != self.user:
            return "bad username"
        if fields.get("realm") != REALM or fields.get("opaque") != OPAQUE:
            return "bad realm or opaque"
        if fields.get("uri") != request.raw_path:
            return "bad uri"
        if fields.get("algorithm") != self.algorithm:
            return "bad algorithm"
        ha1 = H(algorithm, f"{self.user}:{REALM}:{self.password}")
        if algorithm.upper().endswith("-SESS"):
            ha1 = H(algorithm, f"{ha1}:{nonce}:{fields['cnonce']}")
        qop = fields.get("qop")
        a2 = f"{request.method}:{fields['uri']}"
        if qop == "auth-int":
            a2 += ":" + H(algorithm, body)
        ha2 = H(algorithm, a2)
        if self.qop is None:
            expected = H(algorithm, f"{ha1}:{nonce}:{ha2}")
        else:
            if qop not in [q.strip() for q in self.qop.split(",")]:
                return "bad qop"
            nc = int(fields["nc"], 16)
            if nc <= self.nonces[nonce]:
                return "replayed nc"
            self.nonces[nonce] = nc
            expected = H(algorithm, f"{ha1}:{nonce}:{fields['nc']}:{fields['cnonce']}:{qop}:{ha2}")
        if not secrets.compare_digest(fields.get("response", ""), expected):
            return "bad response"
        if nonce in self.expired:
            return "stale"
        if self.stale_answers:
            self.stale_answers -= 1
            self.expired.add(nonce)
            return "stale"
        return "ok"

    def app(self) -> web.Application:
        async def handle(request: web.Request) -> web.StreamResponse:
            header = request.headers.get("Authorization")
            self.seen.append((request.path, header))
            body = await request.read()
            if request.path in self.public:
                return web.json_response({"public": True})
            if header is None:
                return self.unauthorized()
            verdict = self.verdict(request, header, body)
            if verdict == "stale":
                return self.unauthorized(stale=True)
            if verdict != "ok":
                return self.unauthorized()
            if self.redirect_to is not None:
                raise web.HTTPFound(self.redirect_to)
            return web.json_response({"path": request.path, "body": body.decode()})

        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handle)
        return app

    @property
    def authorizations(self) -> list[str | None]:
        return [header for _, header in self.seen]

    def qops(self) -> list[str | None]:
        return [parse_authorization(h).get("qop") if h else None for h in self.authorizations]


async def fetch(
    url: URL, middleware: aioweb.DigestAuthMiddleware, method: str = "GET", **kwargs: object
) -> tuple[int, bytes]:
    async with aioweb.ClientSession(middlewares=(middleware,)) as session:
        async with session.request(method, url, **kwargs) as resp:
            return resp.status, await resp.read()


# ---------------------------------------------------------------- the handshake


async def test_md5_qop_auth_answers_the_challenge_with_one_retry() -> None:
    server = DigestServer()
    async with serve(server.app()) as served:
        status, body = await fetch(
            URL(served.url) / "private", aioweb.DigestAuthMiddleware(USER, PASSWORD)
        )
    assert status == 200
    assert b'"path": "/private"' in body
    first, second = server.authorizations
    assert first is None
    assert second is not None
    fields = parse_authorization(second)
    assert fields["qop"] == "auth"
    assert fields["nc"] == "00000001"
    assert fields["uri"] == "/private"
    assert len(fields["cnonce"]) >= 16


@pytest.mark.parametrize(
    "algorithm", ["MD5", "MD5-sess", "SHA-256", "SHA-256-sess", "SHA-512-256", "SHA-512-256-sess"]
)
async def test_each_rfc_7616_algorithm_computes_the_response_the_server_expects(
    algorithm: str,
) -> None:
    if "sha512_256" not in hashlib.algorithms_available and algorithm.startswith("SHA-512-256"):
        pytest.skip("this hashlib has no SHA-512/256")
    server = DigestServer(algorithm=algorithm)
    async with serve(server.app()) as served:
        status, _ = await fetch(URL(served.url) / "x", aioweb.DigestAuthMiddleware(USER, PASSWORD))
    assert status == 200
    assert parse_authorization(server.authorizations[-1] or "")["algorithm"] == algorithm


async def test_rfc_2069_challenge_without_qop_is_answered_without_nc_or_cnonce() -> None:
    server = DigestServer(qop=None, algorithm=None)
    async with serve(server.app()) as served:
        status, _ = await fetch(URL(served.url) / "x", aioweb.DigestAuthMiddleware(USER, PASSWORD))
    assert status == 200
    fields = parse_authorization(server.authorizations[-1] or "")
    assert "nc" not in fields
    assert "cnonce" not in fields
    assert "algorithm" not in fields


async def test_uri_is_the_request_target_with_its_query() -> None:
    server = DigestServer()
    async with serve(server.app()) as served:
        url = URL(served.url) / "search"
        status, _ = await fetch(
            url, aioweb.DigestAuthMiddleware(USER, PASSWORD), params={"q": "a b", "n": "1"}
        )
    assert status == 200
    assert parse_authorization(server.authorizations[-1] or "")["uri"] == "/search?q=a+b&n=1"


async def test_auth_int_hashes_a_bytes_body_and_resends_it() -> None:
    server = DigestServer(qop="auth-int,auth")
    async with serve(server.app()) as served:
        status, body = await fetch(
            URL(served.url) / "upload",
            aioweb.DigestAuthMiddleware(USER, PASSWORD),
            "POST",
            data=b"payload bytes",
        )
    assert status == 200
    assert b"payload bytes" in body
    assert server.qops() == [None, "auth-int"]


async def test_auth_int_with_a_file_body_falls_back_to_auth_and_rewinds_it() -> None:
    server = DigestServer(qop="auth-int, auth")
    async with serve(server.app()) as served:
        status, body = await fetch(
            URL(served.url) / "upload",
            aioweb.DigestAuthMiddleware(USER, PASSWORD),
            "PUT",
            data=io.BytesIO(b"from a file"),
        )
    assert status == 200
    assert b"from a file" in body
    assert server.qops() == [None, "auth"]


async def test_auth_int_only_with_a_file_body_returns_the_401() -> None:
    server = DigestServer(qop="auth-int")
    async with serve(server.app()) as served:
        status, _ = await fetch(
            URL(served.url) / "upload",
            aioweb.DigestAuthMiddleware(USER, PASSWORD),
            "PUT",
            data=io.BytesIO(b"from a file"),
        )
    assert status == 401
    assert server.authorizations == [None]


async def test_a_streamed_body_that_cannot_be_resent_returns_the_401() -> None:
    async def produce():
        yield b"once"

    server = DigestServer()
    async with serve(server.app()) as served:
        status, _ = await fetch(
            URL(served.url) / "upload",
            aioweb.DigestAuthMiddleware(USER, PASSWORD),
            "POST",
            data=produce(),
        )
    assert status == 401
    assert server.authorizations == [None]


async def test_userhash_sends_the_hashed_user_name() -> None:
    server = DigestServer(algorithm="SHA-256", userhash=True)
    async with serve(server.app()) as served:
        status, _ = await fetch(URL(served.url) / "x", aioweb.DigestAuthMiddleware(USER, PASSWORD))
    assert status == 200
    assert USER not in (server.authorizations[-1] or "")


async def test_non_ascii_login_goes_as_rfc_8187_username_star() -> None:
    server = DigestServer(user="jürgen")
    async with serve(server.app()) as served:
        status, _ = await fetch(
            URL(served.url) / "x", aioweb.DigestAuthMiddleware("jürgen", PASSWORD)
        )
    assert status == 200
    assert "username*=UTF-8''j%C3%BCrgen" in (server.authorizations[-1] or "")


async def test_quotes_in_the_login_and_realm_values_are_escaped() -> None:
    server = DigestServer(user='say "hi"')
    async with serve(server.app()) as served:
        status, _ = await fetch(
            URL(served.url) / "x", aioweb.DigestAuthMiddleware('say "hi"', PASSWORD)
        )
    assert status == 200
    assert 'username="say \\"hi\\""' in (server.authorizations[-1] or "")


# ---------------------------------------------------------------- refusals


async def test_wrong_password_returns_the_second_401_to_the_caller() -> None:
    server = DigestServer(password="the real one")
    async with serve(server.app()) as served:
        status, body = await fetch(
            URL(served.url) / "x", aioweb.DigestAuthMiddleware(USER, "a wrong one")
        )
    assert status == 401
    assert body == b"who are you?"
    assert len(server.seen) == 2  # one answer, no retry loop


async def test_unknown_algorithm_returns_the_401_without_raising() -> None:
    server = DigestServer(algorithm="SHA-3-FANCY")
    async with serve(server.app()) as served:
        status, _ = await fetch(URL(served.url) / "x", aioweb.DigestAuthMiddleware(USER, PASSWORD))
    assert status == 401
    assert server.authorizations == [None]


async def test_unknown_qop_returns_the_401_without_raising() -> None:
    server = DigestServer(qop="auth-conf")
    async with serve(server.app()) as served:
        status, _ = await fetch(URL(served.url) / "x", aioweb.DigestAuthMiddleware(USER, PASSWORD))
    assert status == 401
    assert server.authorizations == [None]


async def test_first_answerable_challenge_of_several_is_used() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while request := await read_request(reader):
            srv.requests.append(request)
            if b"Authorization" in request:
                writer.write(respond(200, b"in"))
            else:
                challenge = (
                    'Basic realm="x", Digest realm="r", nonce="n1", algorithm=UNKNOWN, '
                    'Digest realm="r", nonce="n2", algorithm=SHA-256, qop="auth"'
                )
                writer.write(respond(401, headers=(("WWW-Authenticate", challenge),)))
            await writer.drain()

    async with scripted_server(script) as srv:
        status, _ = await fetch(srv.url, aioweb.DigestAuthMiddleware(USER, PASSWORD))
    assert status == 200
    answer = srv.requests[-1].split(b"Authorization: ")[1].split(b"\r\n")[0].decode()
    fields = parse_authorization(answer)
    assert (fields["nonce"], fields["algorithm"]) == ("n2", "SHA-256")


async def test_a_basic_challenge_is_left_to_the_caller() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while request := await read_request(reader):
            srv.requests.append(request)
            writer.write(respond(401, headers=(("WWW-Authenticate", 'Basic realm="x"'),)))
            await writer.drain()

    async with scripted_server(script) as srv:
        status, _ = await fetch(srv.url, aioweb.DigestAuthMiddleware(USER, PASSWORD))
    assert status == 401
    assert len(srv.requests) == 1


def test_a_login_with_a_colon_is_refused() -> None:
    with pytest.raises(ValueError, match=":"):
        aioweb.DigestAuthMiddleware("a:b", PASSWORD)


# ---------------------------------------------------------------- stale nonces


async def test_stale_answer_is_retried_once_with_the_new_nonce() -> None:
    server = DigestServer(stale_answers=1)
    async with serve(server.app()) as served:
        status, _ = await fetch(URL(served.url) / "x", aioweb.DigestAuthMiddleware(USER, PASSWORD))
    assert status == 200
    none, stale, fresh = server.authorizations
    assert none is None
    assert parse_authorization(stale or "")["nonce"] != parse_authorization(fresh or "")["nonce"]


async def test_a_server_that_is_always_stale_gets_three_requests_then_the_401() -> None:
    server = DigestServer(stale_answers=1000)
    async with serve(server.app()) as served:
        status, _ = await fetch(URL(served.url) / "x", aioweb.DigestAuthMiddleware(USER, PASSWORD))
    assert status == 401
    assert len(server.seen) == 3


async def test_preemptive_answer_with_an_expired_nonce_gets_the_new_one() -> None:
    server = DigestServer()
    middleware = aioweb.DigestAuthMiddleware(USER, PASSWORD)
    async with (
        serve(server.app()) as served,
        aioweb.ClientSession(middlewares=(middleware,)) as session,
    ):
        async with session.get(URL(served.url) / "a") as resp:
            assert resp.status == 200
        server.expired.update(server.nonces)
        async with session.get(URL(served.url) / "b") as resp:
            assert resp.status == 200
    nonces = [parse_authorization(h)["nonce"] if h else None for h in server.authorizations]
    assert nonces[0] is None
    assert nonces[1] == nonces[2]  # the preemptive answer reused the stored nonce
    assert nonces[3] not in (None, nonces[1])


# ---------------------------------------------------------------- preemptive


async def test_preemptive_second_request_skips_the_401_round_trip() -> None:
    server = DigestServer()
    middleware = aioweb.DigestAuthMiddleware(USER, PASSWORD)
    async with (
        serve(server.app()) as served,
        aioweb.ClientSession(middlewares=(middleware,)) as session,
    ):
        for path in ("one", "two", "three"):
            async with session.get(URL(served.url) / path) as resp:
                assert resp.status == 200
    assert [path for path, _ in server.seen] == ["/one", "/one", "/two", "/three"]
    answers = [parse_authorization(h) for h in server.authorizations[1:] if h]
    assert [a["nc"] for a in answers] == ["00000001", "00000002", "00000003"]
    assert len({a["nonce"] for a in answers}) == 1
    assert len({a["cnonce"] for a in answers}) == 3


async def test_preemptive_false_waits_for_a_challenge_every_time() -> None:
    server = DigestServer()
    middleware = aioweb.DigestAuthMiddleware(USER, PASSWORD, preemptive=False)
    async with (
        serve(server.app()) as served,
        aioweb.ClientSession(middlewares=(middleware,)) as session,
    ):
        for path in ("one", "two"):
            async with session.get(URL(served.url) / path) as resp:
                assert resp.status == 200
    assert server.authorizations[0] is None
    assert server.authorizations[2] is None
    assert len(server.seen) == 4


async def test_a_reissued_nonce_keeps_counting_instead_of_replaying_nc() -> None:
    server = DigestServer(fixed_nonce="same-every-time")
    middleware = aioweb.DigestAuthMiddleware(USER, PASSWORD, preemptive=False)
    async with (
        serve(server.app()) as served,
        aioweb.ClientSession(middlewares=(middleware,)) as session,
    ):
        for path in ("one", "two"):
            async with session.get(URL(served.url) / path) as resp:
                assert resp.status == 200
    counts = [parse_authorization(h)["nc"] for h in server.authorizations if h]
    assert counts == ["00000001", "00000002"]


async def test_preemptive_credentials_stay_inside_the_challenge_domain() -> None:
    server = DigestServer(domain="/private", public=("/public", "/privateer"))
    middleware = aioweb.DigestAuthMiddleware(USER, PASSWORD)
    async with (
        serve(server.app()) as served,
        aioweb.ClientSession(middlewares=(middleware,)) as session,
    ):
        for path in ("private/a", "private/b", "public", "privateer"):
            async with session.get(URL(served.url) / path) as resp:
                assert resp.status == 200
    sent = {path: header is not None for path, header in server.seen[1:]}
    assert sent == {"/private/a": True, "/private/b": True, "/public": False, "/privateer": False}


# ---------------------------------------------------------------- CLI-21


async def test_cli_21_redirect_to_another_origin_never_receives_credentials() -> None:
    """Origin A challenges and then redirects to origin B, which challenges too."""
    other = DigestServer()
    async with serve(other.app()) as served_b:
        origin = DigestServer(redirect_to=f"{served_b.url}/landing")
        async with serve(origin.app()) as served_a:
            middleware = aioweb.DigestAuthMiddleware(USER, PASSWORD)
            async with aioweb.ClientSession(middlewares=(middleware,)) as session:
                async with session.get(URL(served_a.url) / "start") as resp:
                    assert resp.status == 401  # B's challenge, returned unanswered
                    assert resp.url.port == served_b.port
                    assert [h.status for h in resp.history] == [302]
                # A later direct request to B is not answered either.
                async with session.get(URL(served_b.url) / "direct") as resp:
                    assert resp.status == 401
                # A is still answered preemptively.
                origin.redirect_to = None
                async with session.get(URL(served_a.url) / "again") as resp:
                    assert resp.status == 200
    assert origin.authorizations[0] is None
    assert origin.authorizations[1] is not None
    assert origin.authorizations[2] is not None
    assert other.seen == [("/landing", None), ("/direct", None)]


async def test_cli_21_same_host_on_another_port_is_another_origin() -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while request := await read_request(reader):
            srv.requests.append(request)
            challenge = 'Digest realm="r", nonce="n", qop="auth"'
            writer.write(respond(401, headers=(("WWW-Authenticate", challenge),)))
            await writer.drain()

    server = DigestServer()
    middleware = aioweb.DigestAuthMiddleware(USER, PASSWORD)
    async with serve(server.app()) as served, scripted_server(script) as srv:
        async with aioweb.ClientSession(middlewares=(middleware,)) as session:
            async with session.get(URL(served.url) / "a") as resp:
                assert resp.status == 200
            async with session.get(srv.url / "b") as resp:
                assert resp.status == 401
    assert len(srv.requests) == 1
    assert b"Authorization" not in srv.requests[0]


async def test_cli_21_domain_naming_another_origin_is_ignored() -> None:
    other = DigestServer(public=("/",))
    async with serve(other.app()) as served_b:
        server = DigestServer(domain=f"/ {served_b.url}/")
        async with serve(server.app()) as served_a:
            middleware = aioweb.DigestAuthMiddleware(USER, PASSWORD)
            async with aioweb.ClientSession(middlewares=(middleware,)) as session:
                async with session.get(URL(served_a.url) / "a") as resp:
                    assert resp.status == 200
                async with session.get(served_b.url + "/") as resp:
                    assert resp.status == 200
    assert other.seen == [("/", None)]


# ---------------------------------------------------------------- CLI-13


REDOS_SHAPES = [
    'Digest realm="' + "a," * 50_000,
    'Digest realm="' + '\\"' * 50_000,
    "Digest " + "a=b, " * 20_000,
    "Digest " + "a" * 100_000,
    "Digest " + " " * 100_000 + "x",
    "Digest " + "a= " * 33_000,
    'Digest realm="x", ' + "a " * 50_000,
    "," * 100_000,
    "Digest " + 'a="", ' * 16_000 + '"',
]


@pytest.mark.parametrize("value", REDOS_SHAPES, ids=range(len(REDOS_SHAPES)))
def test_cli_13_challenge_parser_is_linear_on_hostile_headers(value: str) -> None:
    # A backtracking parser needs minutes or more on these; a linear one milliseconds.
    start = time.perf_counter()
    challenges = parse_challenges(value)
    assert time.perf_counter() - start < 1.0
    assert all(c.params.get("nonce") is None for c in challenges)


async def test_cli_13_hostile_www_authenticate_returns_the_401_quickly() -> None:
    hostile = 'Digest realm="' + "a," * 50_000

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while request := await read_request(reader):
            srv.requests.append(request)
            writer.write(respond(401, headers=(("WWW-Authenticate", hostile),)))
            await writer.drain()

    async with scripted_server(script) as srv:
        async with aioweb.ClientSession(
            middlewares=(aioweb.DigestAuthMiddleware(USER, PASSWORD),),
            max_line_size=200_000,
            max_field_size=200_000,
        ) as session:
            async with asyncio.timeout(10):
                async with session.get(srv.url) as resp:
                    assert resp.status == 401
                    assert len(resp.headers["WWW-Authenticate"]) > 100_000
    assert len(srv.requests) == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('Digest realm="r", nonce="n"', [("digest", {"realm": "r", "nonce": "n"})]),
        ('DIGEST Realm="a\\"b", NONCE=n1', [("digest", {"realm": 'a"b', "nonce": "n1"})]),
        (
            'Basic realm="x", Digest realm="y"',
            [("basic", {"realm": "x"}), ("digest", {"realm": "y"})],
        ),
        ("Negotiate a/b+c==, Digest realm=y", [("negotiate", {}), ("digest", {"realm": "y"})]),
        ('Digest realm = "r" , nonce = n ,', [("digest", {"realm": "r", "nonce": "n"})]),
        ('Digest realm="r", realm="s"', []),
        ('Digest realm="unterminated', []),
        ('Basic realm="x", Digest realm="y', [("basic", {"realm": "x"})]),
        ('Digest realm="r" trailing', []),
        ('Digest realm="ctl\x01"', []),
        ('realm="no scheme"', []),
    ],
)
def test_challenge_parser_splits_schemes_and_parameters(
    value: str, expected: list[tuple[str, dict[str, str]]]
) -> None:
    assert [(c.scheme, c.params) for c in parse_challenges(value)] == expected
