"""The client through a real forward proxy (tinyproxy): absolute-form HTTP, CONNECT tunnels
with TLS to the origin inside, proxy authentication (CLI-14), tunnel reuse, proxies from
the environment; plus an in-process HTTPS proxy for TLS in TLS, and scripted proxies that
misbehave after opening a tunnel."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import trustme
from multidict import CIMultiDict
from yarl import URL

import aioweb
from aioweb import web
from clientutil import read_head, read_request, respond, scripted_server
from peerutil import require, running
from procutil import free_port
from serverutil import serve
from tlsutil import cert_sha256, serve_tls, server_context, trusting_context

TINYPROXY = require("tinyproxy", "/usr/bin/tinyproxy", "/usr/sbin/tinyproxy")

# No ConnectPort line: tinyproxy then allows CONNECT to every port (the test origins listen
# on ephemeral ones). "ConnectPort 0" would switch CONNECT off altogether.
TINYPROXY_CONF = """\
Port {port}
Listen 127.0.0.1
Timeout 30
MaxClients 20
Allow 127.0.0.1
LogFile "{dir}/tinyproxy.log"
LogLevel Connect
PidFile "{dir}/tinyproxy.pid"
{auth}
"""

USER, PASSWORD = "user", "pass"


@dataclass
class Proxy:
    url: URL
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@asynccontextmanager
async def tinyproxy(tmp_path: Path, *, basic_auth: bool = False) -> AsyncIterator[Proxy]:
    """Run tinyproxy in the foreground (``-d``) on a free loopback port."""
    port = free_port()
    conf = tmp_path / "tinyproxy.conf"
    auth = f"BasicAuth {USER} {PASSWORD}" if basic_auth else ""
    conf.write_text(TINYPROXY_CONF.format(port=port, dir=tmp_path, auth=auth))
    log = tmp_path / "tinyproxy.log"
    args = [TINYPROXY, "-d", "-c", str(conf)]
    async with running(args, port, tmp_path / "stdout.log") as proc:
        # The one process we started is the proxy (it did not fork into the background),
        # so stopping it by this PID stops tinyproxy.
        # tinyproxy writes its pid file just after it starts listening: poll briefly.
        pid_file = tmp_path / "tinyproxy.pid"
        for _ in range(200):
            if pid_file.exists() and pid_file.read_text().strip():
                break
            await asyncio.sleep(0.01)
        assert pid_file.read_text().strip() == str(proc.pid)
        yield Proxy(URL(f"http://127.0.0.1:{port}"), log)


@pytest.fixture
async def proxy(tmp_path: Path) -> AsyncIterator[Proxy]:
    async with tinyproxy(tmp_path) as running_proxy:
        yield running_proxy


@pytest.fixture
async def auth_proxy(tmp_path: Path) -> AsyncIterator[Proxy]:
    async with tinyproxy(tmp_path, basic_auth=True) as running_proxy:
        yield running_proxy


# ---------------------------------------------------------------- origins


@dataclass
class Origin:
    """An aioweb origin that records the headers and peer of every request it gets."""

    url: URL
    headers: list[CIMultiDict[str]] = field(default_factory=list)
    peers: list[tuple[str, int]] = field(default_factory=list)


def recording_app(origin: Origin) -> web.Application:
    async def hello(request: web.Request) -> web.Response:
        origin.headers.append(CIMultiDict(request.headers))
        transport = request.transport
        assert transport is not None
        origin.peers.append(transport.get_extra_info("peername")[:2])
        return web.Response(text=f"hello from {request.path}")

    app = web.Application()
    app.router.add_get("/{tail:.*}", hello)
    return app


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_ctx(ca: trustme.CA) -> ssl.SSLContext:
    return trusting_context(ca)


@pytest.fixture
async def http_origin() -> AsyncIterator[Origin]:
    origin = Origin(URL())
    async with serve(recording_app(origin)) as served:
        origin.url = URL(served.url)
        yield origin


@pytest.fixture(scope="module")
def origin_cert(ca: trustme.CA) -> trustme.LeafCert:
    return ca.issue_cert("127.0.0.1", "localhost")


@pytest.fixture
async def https_origin(origin_cert: trustme.LeafCert) -> AsyncIterator[Origin]:
    origin = Origin(URL())
    context = server_context(origin_cert)
    async with serve_tls(recording_app(origin), context) as port:
        origin.url = URL(f"https://127.0.0.1:{port}")
        yield origin


def connections_created() -> tuple[aioweb.TraceConfig, list[object]]:
    created: list[object] = []

    async def on_create(_session: object, _ctx: object, params: object) -> None:
        created.append(params)

    trace = aioweb.TraceConfig()
    trace.on_connection_create_end.append(on_create)
    return trace, created


# ---------------------------------------------------------------- plain HTTP


async def test_http_origin_is_fetched_through_the_proxy(proxy: Proxy, http_origin: Origin) -> None:
    async with aioweb.ClientSession() as session:
        async with session.get(http_origin.url / "page", proxy=proxy.url) as resp:
            assert resp.status == 200
            assert await resp.text() == "hello from /page"
    [headers] = http_origin.headers
    assert "tinyproxy" in headers["Via"]  # it really went through the proxy
    assert headers["Host"] == http_origin.url.raw_authority
    assert f"GET {http_origin.url / 'page'} HTTP/1.1" in proxy.log_text()  # absolute form


async def test_http_proxy_credentials_go_on_the_request_the_proxy_reads(
    auth_proxy: Proxy, http_origin: Origin
) -> None:
    async with aioweb.ClientSession() as session:
        async with session.get(
            http_origin.url, proxy=auth_proxy.url, proxy_auth=aioweb.BasicAuth(USER, PASSWORD)
        ) as resp:
            assert resp.status == 200
    # tinyproxy consumes Proxy-Authorization: the origin never sees it.
    assert "Proxy-Authorization" not in http_origin.headers[0]


async def test_http_without_proxy_credentials_gets_407(
    auth_proxy: Proxy, http_origin: Origin
) -> None:
    async with aioweb.ClientSession() as session:
        async with session.get(http_origin.url, proxy=auth_proxy.url) as resp:
            assert resp.status == 407
            assert "Basic" in resp.headers["Proxy-Authenticate"]
    assert http_origin.headers == []


async def test_http_with_wrong_proxy_credentials_is_refused(
    auth_proxy: Proxy, http_origin: Origin
) -> None:
    async with aioweb.ClientSession() as session:
        async with session.get(
            http_origin.url, proxy=auth_proxy.url, proxy_auth=aioweb.BasicAuth(USER, "wrong")
        ) as resp:
            # RFC 9110 s15.5.8 says 407; tinyproxy 1.11 answers bad credentials with 401.
            assert resp.status in (401, 407)
    assert http_origin.headers == []


async def test_credentials_in_the_proxy_url_authenticate(
    auth_proxy: Proxy, http_origin: Origin
) -> None:
    proxy_url = auth_proxy.url.with_user(USER).with_password(PASSWORD)
    async with aioweb.ClientSession() as session:
        async with session.get(http_origin.url, proxy=proxy_url) as resp:
            assert resp.status == 200


async def test_http_proxy_credentials_are_sent_again_on_a_reused_connection() -> None:
    """CLI-14 for plain HTTP: the proxy reads credentials on every request, so a kept-alive
    connection must carry them each time (aiohttp #2596, #11777). tinyproxy closes after
    each response, so a scripted keep-alive proxy stands in for it."""

    async def keep_alive_proxy(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while request := await read_request(reader):
            proxy.requests.append(request)
            writer.write(respond(200, b"proxied"))

    auth = aioweb.BasicAuth(USER, PASSWORD)
    async with scripted_server(keep_alive_proxy) as proxy:
        async with aioweb.ClientSession() as session:
            for path in ("/a", "/b"):
                async with session.get(
                    f"http://origin.example{path}", proxy=proxy.url, proxy_auth=auth
                ) as resp:
                    assert await resp.read() == b"proxied"
    assert proxy.connections == 1
    assert [r.split(b"\r\n", 1)[0] for r in proxy.requests] == [
        b"GET http://origin.example/a HTTP/1.1",
        b"GET http://origin.example/b HTTP/1.1",
    ]
    assert all(f"Proxy-Authorization: {auth.encode()}".encode() in r for r in proxy.requests)


# ---------------------------------------------------------------- CONNECT tunnels


async def test_https_origin_is_reached_through_a_connect_tunnel(
    proxy: Proxy, https_origin: Origin, ca_ctx: ssl.SSLContext
) -> None:
    async with aioweb.ClientSession() as session:
        async with session.get(https_origin.url / "secret", proxy=proxy.url, ssl=ca_ctx) as resp:
            assert resp.status == 200
            assert await resp.text() == "hello from /secret"
    assert f"CONNECT 127.0.0.1:{https_origin.url.port} HTTP/1.1" in proxy.log_text()
    # Inside the tunnel the proxy sees only TLS: it could not add its Via header.
    assert "Via" not in https_origin.headers[0]


async def test_proxy_credentials_go_on_connect_only_never_to_the_origin(
    auth_proxy: Proxy, https_origin: Origin, ca_ctx: ssl.SSLContext
) -> None:
    """CLI-14: Proxy-Authorization and proxy_headers are for the proxy, on CONNECT."""
    async with aioweb.ClientSession() as session:
        async with session.get(
            https_origin.url,
            proxy=auth_proxy.url,
            proxy_auth=aioweb.BasicAuth(USER, PASSWORD),
            proxy_headers={"X-For-The-Proxy": "1"},
            ssl=ca_ctx,
        ) as resp:
            assert resp.status == 200  # the proxy accepted the credentials on CONNECT
    [headers] = https_origin.headers
    assert "Proxy-Authorization" not in headers
    assert "X-For-The-Proxy" not in headers


async def test_proxy_authorization_in_headers_moves_to_connect_for_https(
    auth_proxy: Proxy, https_origin: Origin, ca_ctx: ssl.SSLContext
) -> None:
    """CLI-14: a Proxy-Authorization header given in headers= authenticates the tunnel and
    is not forwarded to the origin inside it."""
    credentials = aioweb.BasicAuth(USER, PASSWORD).encode()
    async with aioweb.ClientSession() as session:
        async with session.get(
            https_origin.url,
            proxy=auth_proxy.url,
            headers={"Proxy-Authorization": credentials},
            ssl=ca_ctx,
        ) as resp:
            assert resp.status == 200
    [headers] = https_origin.headers
    assert "Proxy-Authorization" not in headers


async def test_two_https_requests_reuse_one_tunnel_and_keep_credentials_off_the_origin(
    auth_proxy: Proxy, https_origin: Origin, ca_ctx: ssl.SSLContext
) -> None:
    trace, created = connections_created()
    auth = aioweb.BasicAuth(USER, PASSWORD)
    async with aioweb.ClientSession(trace_configs=[trace]) as session:
        for _ in range(2):
            async with session.get(
                https_origin.url, proxy=auth_proxy.url, proxy_auth=auth, ssl=ca_ctx
            ) as resp:
                assert resp.status == 200
                await resp.read()
        assert session.connector is not None
        assert session.connector.open_connections == 1
    assert len(created) == 1
    assert auth_proxy.log_text().count("CONNECT 127.0.0.1") == 1
    # Both requests came from the proxy's one upstream socket, without proxy credentials.
    assert len(https_origin.peers) == 2
    assert len(set(https_origin.peers)) == 1
    assert all("Proxy-Authorization" not in h for h in https_origin.headers)


async def test_connect_without_proxy_credentials_raises_407(
    auth_proxy: Proxy, https_origin: Origin, ca_ctx: ssl.SSLContext
) -> None:
    async with aioweb.ClientSession() as session:
        with pytest.raises(aioweb.ClientHttpProxyError) as info:
            await session.get(https_origin.url, proxy=auth_proxy.url, ssl=ca_ctx)
        assert session.connector is not None
        assert session.connector.open_connections == 0
    assert info.value.status == 407
    assert info.value.request_info.method == "CONNECT"
    assert https_origin.headers == []


async def test_connect_with_wrong_proxy_credentials_raises(
    auth_proxy: Proxy, https_origin: Origin, ca_ctx: ssl.SSLContext
) -> None:
    async with aioweb.ClientSession() as session:
        with pytest.raises(aioweb.ClientHttpProxyError) as info:
            await session.get(
                https_origin.url,
                proxy=auth_proxy.url,
                proxy_auth=aioweb.BasicAuth(USER, "wrong"),
                ssl=ca_ctx,
            )
    # RFC 9110 s15.5.8 says 407; tinyproxy 1.11 answers bad credentials with 401.
    assert info.value.status in (401, 407)
    assert https_origin.headers == []


async def test_connect_to_an_unreachable_origin_raises_the_proxy_status(
    proxy: Proxy, ca_ctx: ssl.SSLContext
) -> None:
    async with aioweb.ClientSession() as session:
        with pytest.raises(aioweb.ClientHttpProxyError) as info:
            await session.get(f"https://127.0.0.1:{free_port()}/", proxy=proxy.url, ssl=ca_ctx)
    assert info.value.status in (500, 502, 503)


async def test_origin_certificate_is_verified_inside_the_tunnel(
    proxy: Proxy, https_origin: Origin
) -> None:
    async with aioweb.ClientSession() as session:
        with pytest.raises(aioweb.ClientConnectorCertificateError) as info:
            await session.get(https_origin.url, proxy=proxy.url)
    # The error names the origin whose certificate failed, not the proxy.
    assert info.value.port == https_origin.url.port


async def test_fingerprint_pins_the_origin_certificate_inside_the_tunnel(
    proxy: Proxy, https_origin: Origin, origin_cert: trustme.LeafCert
) -> None:
    pin = aioweb.Fingerprint(cert_sha256(origin_cert))
    async with aioweb.ClientSession() as session:
        async with session.get(https_origin.url, proxy=proxy.url, ssl=pin) as resp:
            assert resp.status == 200


async def test_wrong_fingerprint_inside_the_tunnel_raises_mismatch(
    proxy: Proxy, https_origin: Origin, origin_cert: trustme.LeafCert
) -> None:
    wrong = aioweb.Fingerprint(bytes(b ^ 0xFF for b in cert_sha256(origin_cert)))
    async with aioweb.ClientSession() as session:
        with pytest.raises(aioweb.ServerFingerprintMismatch):
            await session.get(https_origin.url, proxy=proxy.url, ssl=wrong)
        assert session.connector is not None
        assert session.connector.open_connections == 0
    assert https_origin.headers == []


async def test_connector_level_fingerprint_is_checked_inside_the_tunnel(
    proxy: Proxy, https_origin: Origin, origin_cert: trustme.LeafCert
) -> None:
    wrong = aioweb.Fingerprint(bytes(b ^ 0xFF for b in cert_sha256(origin_cert)))
    async with aioweb.ClientSession(connector=aioweb.TCPConnector(ssl=wrong)) as session:
        with pytest.raises(aioweb.ServerFingerprintMismatch):
            await session.get(https_origin.url, proxy=proxy.url)
    assert https_origin.headers == []


async def test_unreachable_proxy_raises_proxy_connection_error_naming_the_proxy(
    http_origin: Origin,
) -> None:
    port = free_port()
    async with aioweb.ClientSession() as session:
        with pytest.raises(aioweb.ClientProxyConnectionError) as info:
            await session.get(http_origin.url, proxy=f"http://127.0.0.1:{port}")
    assert (info.value.host, info.value.port) == ("127.0.0.1", port)


# ---------------------------------------------------------------- the environment


@pytest.fixture
def clean_proxy_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No proxy variables from the developer's shell; no ~/.netrc."""
    for scheme in ("http", "https", "ws", "wss", "all", "no"):
        for name in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("REQUEST_METHOD", raising=False)
    monkeypatch.setenv("NETRC", str(tmp_path / "no-netrc"))
    return monkeypatch


async def test_trust_env_sends_http_through_http_proxy_from_the_environment(
    clean_proxy_env: pytest.MonkeyPatch, proxy: Proxy, http_origin: Origin
) -> None:
    clean_proxy_env.setenv("HTTP_PROXY", str(proxy.url))
    async with aioweb.ClientSession(trust_env=True) as session:
        async with session.get(http_origin.url) as resp:
            assert resp.status == 200
    assert "tinyproxy" in http_origin.headers[0]["Via"]


async def test_trust_env_no_proxy_reaches_the_origin_directly(
    clean_proxy_env: pytest.MonkeyPatch, proxy: Proxy, http_origin: Origin
) -> None:
    clean_proxy_env.setenv("HTTP_PROXY", str(proxy.url))
    clean_proxy_env.setenv("NO_PROXY", "127.0.0.1")
    async with aioweb.ClientSession(trust_env=True) as session:
        async with session.get(http_origin.url) as resp:
            assert resp.status == 200
    assert "Via" not in http_origin.headers[0]
    assert "GET http://" not in proxy.log_text()


async def test_trust_env_tunnels_https_with_credentials_from_the_proxy_url(
    clean_proxy_env: pytest.MonkeyPatch,
    auth_proxy: Proxy,
    https_origin: Origin,
    ca_ctx: ssl.SSLContext,
) -> None:
    with_credentials = auth_proxy.url.with_user(USER).with_password(PASSWORD)
    clean_proxy_env.setenv("HTTPS_PROXY", str(with_credentials))
    async with aioweb.ClientSession(trust_env=True) as session:
        async with session.get(https_origin.url, ssl=ca_ctx) as resp:
            assert resp.status == 200
    assert "CONNECT" in auth_proxy.log_text()
    assert "Proxy-Authorization" not in https_origin.headers[0]


async def test_trust_env_off_ignores_proxy_variables(
    clean_proxy_env: pytest.MonkeyPatch, proxy: Proxy, http_origin: Origin
) -> None:
    clean_proxy_env.setenv("HTTP_PROXY", str(proxy.url))
    async with aioweb.ClientSession() as session:
        async with session.get(http_origin.url) as resp:
            assert resp.status == 200
    assert "Via" not in http_origin.headers[0]


# ---------------------------------------------------------------- SOCKS


async def test_socks5_proxy_is_refused_with_a_clear_error(http_origin: Origin) -> None:
    async with aioweb.ClientSession() as session:
        with pytest.raises(ValueError, match=r"(?i)socks"):
            await session.get(http_origin.url, proxy="socks5://127.0.0.1:1080")
    assert http_origin.headers == []


async def test_socks5_proxy_from_the_environment_is_refused_with_a_clear_error(
    clean_proxy_env: pytest.MonkeyPatch, http_origin: Origin
) -> None:
    clean_proxy_env.setenv("HTTP_PROXY", "socks5://127.0.0.1:1080")
    async with aioweb.ClientSession(trust_env=True) as session:
        with pytest.raises(ValueError, match=r"(?i)socks"):
            await session.get(http_origin.url)
    assert http_origin.headers == []


# ---------------------------------------------------------------- an https:// proxy


@dataclass
class TLSProxy:
    """A CONNECT-only proxy spoken to over TLS, in this process (tinyproxy has no TLS)."""

    url: URL
    heads: list[bytes] = field(default_factory=list)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError):
        pass
    finally:
        writer.close()


@asynccontextmanager
async def tls_connect_proxy(context: ssl.SSLContext) -> AsyncIterator[TLSProxy]:
    tasks: set[asyncio.Task[None]] = set()
    writers: list[asyncio.StreamWriter] = []
    state = TLSProxy(URL())

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        writers.append(writer)
        head = await read_head(reader)
        state.heads.append(head)
        method, target, _ = head.split(b"\r\n", 1)[0].split(b" ", 2)
        if method != b"CONNECT":
            writer.write(b"HTTP/1.1 405 Only CONNECT\r\nContent-Length: 0\r\n\r\n")
            writer.close()
            return
        host, _, port = target.rpartition(b":")
        up_reader, up_writer = await asyncio.open_connection(host.decode(), int(port))
        writers.append(up_writer)
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    state.url = URL(f"https://localhost:{server.sockets[0].getsockname()[1]}")
    try:
        yield state
    finally:
        server.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for writer in writers:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        await server.wait_closed()


async def test_https_origin_through_an_https_proxy_runs_tls_in_tls(
    ca: trustme.CA, https_origin: Origin, ca_ctx: ssl.SSLContext
) -> None:
    """TLS to the proxy, CONNECT inside it, then the origin's TLS inside that; the
    request's ssl= context verifies both certificates (as in aiohttp)."""
    proxy_context = server_context(ca.issue_cert("localhost"))
    async with tls_connect_proxy(proxy_context) as tls_proxy:
        async with aioweb.ClientSession() as session:
            for _ in range(2):
                async with session.get(
                    https_origin.url / "inner",
                    proxy=tls_proxy.url,
                    proxy_auth=aioweb.BasicAuth(USER, PASSWORD),
                    proxy_headers={"X-For-The-Proxy": "1", "Host": "ignored.example"},
                    ssl=ca_ctx,
                ) as resp:
                    assert resp.status == 200
                    assert await resp.text() == "hello from /inner"
            assert session.connector is not None
            assert session.connector.open_connections == 1
    [head] = tls_proxy.heads  # one tunnel for both requests
    assert head.startswith(f"CONNECT 127.0.0.1:{https_origin.url.port} HTTP/1.1\r\n".encode())
    assert b"Proxy-Authorization: Basic " in head
    assert b"X-For-The-Proxy: 1\r\n" in head
    # One Host, the CONNECT target's: a second one would make the proxy answer 400.
    assert head.lower().count(b"\r\nhost:") == 1
    assert b"ignored.example" not in head
    assert all("Proxy-Authorization" not in h for h in https_origin.headers)
    assert all("X-For-The-Proxy" not in h for h in https_origin.headers)


async def test_https_proxy_certificate_is_verified(ca: trustme.CA, https_origin: Origin) -> None:
    proxy_context = server_context(ca.issue_cert("localhost"))
    async with tls_connect_proxy(proxy_context) as tls_proxy:
        async with aioweb.ClientSession() as session:
            with pytest.raises(aioweb.ClientConnectorCertificateError) as info:
                await session.get(https_origin.url, proxy=tls_proxy.url)
    assert (info.value.host, info.value.port) == ("localhost", tls_proxy.url.port)
    assert tls_proxy.heads == []


# ---------------------------------------------------------------- proxies that misbehave


async def test_proxy_sending_bytes_into_the_tunnel_before_tls_is_an_error(
    https_origin: Origin, ca_ctx: ssl.SSLContext
) -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\nnot TLS")
        await reader.read()

    async with scripted_server(script) as bad_proxy:
        async with aioweb.ClientSession() as session:
            with pytest.raises(aioweb.ClientProxyConnectionError, match="before the TLS"):
                await session.get(https_origin.url, proxy=bad_proxy.url, ssl=ca_ctx)
            assert session.connector is not None
            assert session.connector.open_connections == 0


async def test_proxy_closing_the_tunnel_right_after_opening_it_is_a_connection_error(
    https_origin: Origin, ca_ctx: ssl.SSLContext
) -> None:
    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        writer.close()

    async with scripted_server(script) as bad_proxy:
        async with aioweb.ClientSession() as session:
            with pytest.raises(aioweb.ClientConnectorError):
                await session.get(https_origin.url, proxy=bad_proxy.url, ssl=ca_ctx)
    assert https_origin.headers == []
