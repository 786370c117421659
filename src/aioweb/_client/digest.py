"""HTTP Digest authentication as a client middleware (RFC 7616, RFC 2617, RFC 2069).

Theory of operation:

1. The request goes out, with credentials only when ``preemptive`` is on and an earlier
   challenge from the same origin covers its path (RFC 7616 s3.3 ``domain``; without
   ``domain`` the whole origin is one protection space).
2. A ``401`` whose ``WWW-Authenticate`` carries a Digest challenge (RFC 7235 s4.1) that
   can be answered is read, released, and the request is sent once more with an
   ``Authorization: Digest`` answer (RFC 7616 s3.4). A second ``401`` is returned to the
   caller, unless it says ``stale=true`` (s3.3: the credentials were right but the nonce
   expired), which earns one more try with the new nonce.
3. Anything else, including a challenge this module cannot answer (an unknown
   algorithm or qop, a missing nonce, a stream body that cannot be sent twice), comes
   back to the caller untouched: the 401 is the honest answer then, not an exception.

Credentials are pinned to the origin (scheme, host, port) of the first request the
middleware sees (CLI-21, the aiohttp 3.14.1 advisory): requests to any other origin,
including redirect hops the session follows, pass through without an ``Authorization``
and their challenges are not answered, so a digest computed from the password never
reaches a server the caller did not aim at. aiohttp also trusts other origins listed in
the challenge's ``domain``; aioweb ignores them, since they are named by the server,
not by the caller.

The challenge parser is a single forward scan with no regular expression (CLI-13,
CVE-2025-69225: aiohttp's regex backtracked on crafted headers): every character is
looked at a bounded number of times, so a hostile 100 KB header costs microseconds and
a malformed one is simply not answered.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final
from urllib.parse import quote

from yarl import URL

from aioweb import hdrs
from aioweb._client.exceptions import ClientError
from aioweb._shared.payloads import BytesPayload

if TYPE_CHECKING:
    from aioweb._client.middlewares import ClientHandlerType
    from aioweb._client.request import ClientRequest
    from aioweb._client.response import ClientResponse

__all__ = ["DigestAuthMiddleware"]

#: A 401 body up to this size is read so its keep-alive connection can serve the retry
#: (the session drains redirect bodies with the same bound).
_DRAIN_LIMIT: Final = 64 * 1024

# RFC 9110 s5.6.2 token characters.
_TCHAR: Final = frozenset("!#$%&'*+-.^_`|~" + string.ascii_letters + string.digits)
# RFC 7235 s2.1 token68 adds "/" to what a token may hold ("=" padding is handled apart).
_TOKEN68: Final = _TCHAR | frozenset("/")
_SPACE: Final = frozenset(" \t")
_SEPARATOR: Final = _SPACE | frozenset(",")
_PADDING: Final = frozenset("=")


def _hash_for(name: str) -> Callable[[bytes], str] | None:
    try:
        # FIPS builds refuse MD5 and SHA-1 unless told they are not for security; here
        # the server picked them and the protocol fixes their use, so say so.
        hashlib.new(name, b"", usedforsecurity=False)
    except ValueError:
        return None

    def digest(data: bytes) -> str:
        return hashlib.new(name, data, usedforsecurity=False).hexdigest()

    return digest


def _algorithms() -> dict[str, Callable[[bytes], str]]:
    # RFC 7616 s6.1 registers MD5, SHA-256 and SHA-512-256; the other spellings are what
    # aiohttp accepts and servers in the field send.
    names = {
        "MD5": "md5",
        "SHA": "sha1",
        "SHA-256": "sha256",
        "SHA256": "sha256",
        "SHA-512": "sha512",
        "SHA512": "sha512",
        "SHA-512-256": "sha512_256",
    }
    table: dict[str, Callable[[bytes], str]] = {}
    for name, hash_name in names.items():
        digest = _hash_for(hash_name)
        if digest is not None:
            table[name] = digest
    return table


#: Upper-cased algorithm name (without ``-sess``) -> hex digest function.
_ALGORITHMS: Final = _algorithms()


# ---------------------------------------------------------------- parsing


@dataclass(slots=True)
class _RawChallenge:
    """One challenge of a ``WWW-Authenticate`` value: a scheme and its parameters."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)
    token68: str | None = None


def _skip(value: str, pos: int, chars: frozenset[str]) -> int:
    end = len(value)
    while pos < end and value[pos] in chars:
        pos += 1
    return pos


def _quoted(value: str, pos: int) -> tuple[str, int] | None:
    """Read the quoted-string starting at ``value[pos] == '"'``; None if malformed."""
    out: list[str] = []
    end = len(value)
    pos += 1
    while pos < end:
        char = value[pos]
        if char == '"':
            return "".join(out), pos + 1
        if char == "\\":
            pos += 1
            if pos == end:
                return None
            char = value[pos]
        # RFC 9110 s5.6.4 allows HTAB, SP and visible characters only; a control byte
        # would also make the Authorization header we echo it into unsendable.
        if (char < " " and char != "\t") or char == "\x7f":
            return None
        out.append(char)
        pos += 1
    return None  # unterminated


def parse_challenges(value: str) -> list[_RawChallenge]:
    """Split a ``WWW-Authenticate`` value into challenges (RFC 7235 s4.1, s2.1).

    One forward scan: each position is examined at most twice (a failed token68 guess
    is re-read as parameters), so the cost is linear in the length whatever the input.
    A challenge is dropped from the first syntax error on, and so are the ones after
    it, since the list can no longer be split reliably; parameter names are
    lower-cased and a repeated name (forbidden by s2.2) drops its challenge.

    Args:
        value: The header value.

    Returns:
        The well-formed challenges before any error, in order.
    """
    challenges: list[_RawChallenge] = []
    current: _RawChallenge | None = None
    broken = False
    need_param = False
    end = len(value)
    pos = 0
    while True:
        pos = _skip(value, pos, _SEPARATOR)
        if pos >= end:
            break
        start = pos
        pos = _skip(value, pos, _TCHAR)
        if pos == start:
            broken = True
            break
        name = value[start:pos]
        after = _skip(value, pos, _SPACE)
        if after < end and value[after] == "=":
            need_param = False
            if current is None:
                broken = True
                break
            pos = _skip(value, after + 1, _SPACE)
            if pos < end and value[pos] == '"':
                read = _quoted(value, pos)
                if read is None:
                    broken = True
                    break
                param, pos = read
            else:
                start = pos
                pos = _skip(value, pos, _TCHAR)
                if pos == start:
                    broken = True
                    break
                param = value[start:pos]
            key = name.lower()
            if key in current.params:
                broken = True
                break
            current.params[key] = param
            # Parameters are separated by commas; anything else here is garbage.
            pos = _skip(value, pos, _SPACE)
            if pos < end and value[pos] != ",":
                broken = True
                break
            continue
        if need_param:
            # "scheme a b": after a scheme and a space come a token68 or parameters.
            broken = True
            break
        # A name not followed by "=" starts a new challenge; a token68 may follow it.
        current = _RawChallenge(name.lower())
        challenges.append(current)
        if after == pos or after >= end or value[after] == ",":
            pos = after
            continue
        probe = _skip(value, after, _TOKEN68)
        if probe > after:
            probe = _skip(value, probe, _PADDING)
            tail = _skip(value, probe, _SPACE)
            if tail >= end or value[tail] == ",":
                current.token68 = value[after:probe]
                pos = tail
                continue
        pos = after  # not a token68: parameters follow
        need_param = True
    if broken and current is not None:
        challenges.pop()  # the challenge being read is always the last one
    return challenges


# ---------------------------------------------------------------- challenges


@dataclass(slots=True)
class _Challenge:
    """A Digest challenge this module can answer, and where it applies."""

    origin: URL
    realm: str
    nonce: str
    #: The algorithm as the server spelled it (echoed back), or None when it sent none.
    algorithm: str | None
    digest: Callable[[bytes], str]
    session: bool
    #: Offered qop values, lower-cased; empty for an RFC 2069 challenge without qop.
    qops: frozenset[str]
    opaque: str | None
    userhash: bool
    stale: bool
    #: Path prefixes of the protection space on ``origin`` (RFC 7616 s3.3 ``domain``).
    spaces: tuple[str, ...]
    #: Requests made with ``nonce`` so far (the ``nc`` of the last one).
    count: int = 0

    def covers(self, url: URL) -> bool:
        """Whether ``url`` is inside this challenge's protection space."""
        if url.origin() != self.origin:
            return False
        path = url.raw_path or "/"
        for prefix in self.spaces:
            # A prefix matches at a segment boundary only: "/api" covers "/api" and
            # "/api/x", not "/apix".
            if path.startswith(prefix) and (
                len(path) == len(prefix) or prefix.endswith("/") or path[len(prefix)] == "/"
            ):
                return True
        return False


def _protection_space(domain: str | None, base: URL) -> tuple[str, ...]:
    if not domain:
        return ("/",)
    origin = base.origin()
    spaces: list[str] = []
    for item in domain.split():
        try:
            target = base.join(URL(item))
        except ValueError:
            continue
        # Other origins named in ``domain`` are ignored: credentials stay on the
        # origin that challenged (CLI-21).
        if target.origin() == origin:
            spaces.append(target.raw_path or "/")
    # A domain naming only foreign URIs still leaves the challenged URL covered.
    return tuple(spaces) or ("/",)


def _to_challenge(raw: _RawChallenge, url: URL) -> _Challenge | None:
    params = raw.params
    realm = params.get("realm")
    nonce = params.get("nonce")
    # The nonce is the server's replay defence; an empty one makes the answer reusable.
    if realm is None or not nonce:
        return None
    algorithm = params.get("algorithm")
    name = (algorithm or "MD5").upper()
    session = name.endswith("-SESS")
    if session:
        name = name[: -len("-SESS")]
    digest = _ALGORITHMS.get(name)
    if digest is None:
        return None
    qop_value = params.get("qop")
    qops = frozenset(q.strip().lower() for q in qop_value.split(",")) if qop_value else frozenset()
    qops &= {"auth", "auth-int"}
    if qop_value is not None and not qops:
        return None  # only qop values we do not know (RFC 7616 s3.3 reserves others)
    if session and not qops:
        # RFC 2617 s3.2.2: cnonce, which -sess hashes in, is only sent with a qop.
        return None
    return _Challenge(
        origin=url.origin(),
        realm=realm,
        nonce=nonce,
        algorithm=algorithm,
        digest=digest,
        session=session,
        qops=qops,
        opaque=params.get("opaque"),
        userhash=params.get("userhash", "").lower() == "true",
        stale=params.get("stale", "").lower() == "true",
        spaces=_protection_space(params.get("domain"), url),
    )


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ---------------------------------------------------------------- the middleware


class DigestAuthMiddleware:
    """Answer HTTP Digest challenges (RFC 7616) for the requests it wraps.

    Pass it in ``middlewares=`` of ``ClientSession`` or of one request. On a ``401``
    carrying a Digest challenge it sends the request once more with an
    ``Authorization: Digest`` header; ``stale=true`` earns one more retry with the new
    nonce. Supported algorithms are MD5, SHA-256 and SHA-512-256 (when ``hashlib`` has
    it), their ``-sess`` variants, and the SHA-1 and SHA-512 spellings aiohttp accepts;
    qop ``auth`` and ``auth-int`` (the latter needs the body in memory; a file or
    stream body falls back to ``auth`` when the server offers it). A challenge it cannot
    answer returns the ``401`` to the caller instead of raising.

    Credentials are pinned to the origin of the first request the instance sees:
    requests to other origins, redirect hops included, pass through untouched. Use one
    instance per server.

    Args:
        login: The user name; it may not contain ``:``.
        password: The password.
        preemptive: Send credentials up front on later requests to a protection space
            that has already challenged (RFC 7616 s3.6), saving a round trip.

    Raises:
        ValueError: ``login`` or ``password`` is None, or ``login`` contains ``:``.
    """

    def __init__(self, login: str, password: str, preemptive: bool = True) -> None:
        if login is None:
            raise ValueError("None is not allowed as login value")
        if password is None:
            raise ValueError("None is not allowed as password value")
        if ":" in login:
            # A1 is "user:realm:password", so a colon would make it ambiguous.
            raise ValueError('a Digest auth login may not contain ":" (RFC 7616 s3.4.2)')
        self._login = login
        self._password = password
        self._preemptive = preemptive
        self._origin: URL | None = None
        self._challenge: _Challenge | None = None

    def __repr__(self) -> str:
        """Show the login and the origin the credentials are pinned to (never the password)."""
        return f"<DigestAuthMiddleware login={self._login!r} origin={self._origin}>"

    async def __call__(self, request: ClientRequest, handler: ClientHandlerType) -> ClientResponse:
        """Send ``request`` through ``handler``, answering a Digest challenge if one comes.

        Args:
            request: The request; its ``Authorization`` header is set when answering.
            handler: The rest of the middleware chain.

        Returns:
            The final response: the server's answer to the authenticated request, or the
            ``401`` when the challenge cannot be answered or the credentials are refused.
        """
        origin = request.url.origin()
        if self._origin is None:
            self._origin = origin
        elif origin != self._origin:
            return await handler(request)
        stored = self._challenge
        if self._preemptive and stored is not None and stored.covers(request.url):
            header = await self._answer(stored, request)
            if header is not None:
                request.headers[hdrs.AUTHORIZATION] = header
        answered = False
        stale_retried = False
        while True:
            response = await handler(request)
            challenge = await self._challenge_in(response, request)
            if challenge is None:
                return response
            previous = self._challenge
            if previous is not None and previous.nonce == challenge.nonce:
                # The same nonce again: keep counting, a server rejects a repeated nc.
                challenge.count = previous.count
            self._challenge = challenge
            if answered:
                # Our own answer to a fresh challenge was refused: wrong credentials,
                # unless the server says only the nonce had expired.
                if not challenge.stale or stale_retried:
                    return response
                stale_retried = True
            if not request.can_replay_body():
                return response
            header = await self._answer(challenge, request)
            if header is None:
                return response
            await self._discard(response, request)
            request.rewind_body()
            request.headers[hdrs.AUTHORIZATION] = header
            answered = True

    # ------------------------------------------------------------ internals

    async def _challenge_in(
        self, response: ClientResponse, request: ClientRequest
    ) -> _Challenge | None:
        """The first Digest challenge of a 401 that this request can answer."""
        if response.status != 401 or response.url.origin() != self._origin:
            return None
        for value in response.headers.getall(hdrs.WWW_AUTHENTICATE, ()):
            for raw in parse_challenges(value):
                if raw.scheme != "digest":
                    continue
                # RFC 7616 s3.7: a server lists its preferred algorithms first.
                challenge = _to_challenge(raw, response.url)
                if challenge is not None and self._qop_for(challenge, request) is not None:
                    return challenge
        return None

    @staticmethod
    def _qop_for(challenge: _Challenge, request: ClientRequest) -> str | None:
        """The qop to answer with: "" for none (RFC 2069), or None if it cannot be met."""
        if not challenge.qops:
            return ""
        if "auth-int" in challenge.qops and _body_in_memory(request):
            return "auth-int"
        if "auth" in challenge.qops:
            return "auth"
        return None

    async def _answer(self, challenge: _Challenge, request: ClientRequest) -> str | None:
        """Build the ``Authorization`` value for ``request`` (RFC 7616 s3.4)."""
        qop = self._qop_for(challenge, request)
        if qop is None:
            return None
        digest = challenge.digest
        realm = challenge.realm
        nonce = challenge.nonce
        uri = request.url.raw_path_qs or "/"
        challenge.count += 1
        nc = f"{challenge.count:08x}"
        cnonce = secrets.token_hex(16)

        ha1 = digest(f"{self._login}:{realm}:{self._password}".encode())
        if challenge.session:
            ha1 = digest(f"{ha1}:{nonce}:{cnonce}".encode())
        a2 = f"{request.method}:{uri}"
        if qop == "auth-int":
            body = request.body
            data = await body.as_bytes() if body is not None else b""
            a2 = f"{a2}:{digest(data)}"
        ha2 = digest(a2.encode())
        if qop:
            response = digest(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}".encode())
        else:
            response = digest(f"{ha1}:{nonce}:{ha2}".encode())

        fields = [self._username_field(challenge)]
        fields += [
            f"realm={_quote(realm)}",
            f"nonce={_quote(nonce)}",
            f"uri={_quote(uri)}",
        ]
        if challenge.algorithm is not None:
            fields.append(f"algorithm={challenge.algorithm}")
        fields.append(f'response="{response}"')
        if challenge.opaque is not None:
            fields.append(f"opaque={_quote(challenge.opaque)}")
        if qop:
            fields += [f"qop={qop}", f"nc={nc}", f'cnonce="{cnonce}"']
        if challenge.userhash:
            fields.append("userhash=true")
        return "Digest " + ", ".join(fields)

    def _username_field(self, challenge: _Challenge) -> str:
        login = self._login
        if challenge.userhash:
            # RFC 7616 s3.4.4: hide the user name from eavesdroppers.
            return f'username="{challenge.digest(f"{login}:{challenge.realm}".encode())}"'
        if login.isascii() and login.isprintable():
            return f"username={_quote(login)}"
        # RFC 7616 s3.4.4: a name a quoted-string cannot carry goes as RFC 8187 UTF-8.
        return "username*=UTF-8''" + quote(login, safe="")

    @staticmethod
    async def _discard(response: ClientResponse, request: ClientRequest) -> None:
        """Release the 401 so its connection can be reused or closed before the retry."""
        length = response.content_length
        if length is not None and length <= _DRAIN_LIMIT:
            with contextlib.suppress(ClientError):
                await response.read()
        response.release()
        if not _body_in_memory(request):
            # A file body is rewound for the retry; the first upload must have stopped
            # reading it by then. Its failure (the server answered early and closed)
            # is expected and was already reported with the 401.
            with contextlib.suppress(Exception):
                await response.wait_for_close()


def _body_in_memory(request: ClientRequest) -> bool:
    # auth-int hashes the body as sent; a compressed body differs from the payload.
    body = request.body
    return body is None or (isinstance(body, BytesPayload) and not request.compress)
