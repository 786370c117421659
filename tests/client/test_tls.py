"""HTTPS against aioweb's own server with a throwaway trustme CA: certificate verification,
``ssl=False``, fingerprint pinning, the ``server_hostname`` override (CLI-22), keep-alive
over TLS and a clean close (REL-10)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import ssl
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import trustme

import aioweb
from aioweb import web
from tlsutil import cert_sha256, serve_tls, server_context, trusting_context


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def cert(ca: trustme.CA) -> trustme.LeafCert:
    return ca.issue_cert("127.0.0.1", "localhost")


@pytest.fixture
def ca_ctx(ca: trustme.CA) -> ssl.SSLContext:
    return trusting_context(ca)


def hello_app() -> web.Application:
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text=f"hello {request.host}")

    app = web.Application()
    app.router.add_get("/", hello)
    return app


class SNIRecorder:
    """Wraps a server context to record the SNI name of every handshake (None: no SNI)."""

    def __init__(self, cert: trustme.LeafCert) -> None:
        self.context = server_context(cert)
        self.names: list[str | None] = []
        self.context.sni_callback = self._record

    def _record(self, _sock: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        self.names.append(name)


@pytest.fixture
async def tls_port(cert: trustme.LeafCert) -> AsyncIterator[int]:
    async with serve_tls(hello_app(), server_context(cert)) as port:
        yield port


async def test_context_trusting_the_ca_verifies_the_server(
    tls_port: int, ca_ctx: ssl.SSLContext
) -> None:
    async with aioweb.ClientSession() as session:
        async with session.get(f"https://127.0.0.1:{tls_port}/", ssl=ca_ctx) as resp:
            assert resp.status == 200
            assert await resp.text() == f"hello 127.0.0.1:{tls_port}"


async def test_connector_ssl_context_applies_to_every_request(
    tls_port: int, ca_ctx: ssl.SSLContext
) -> None:
    async with aioweb.ClientSession(connector=aioweb.TCPConnector(ssl=ca_ctx)) as session:
        async with session.get(f"https://localhost:{tls_port}/") as resp:
            assert resp.status == 200


async def test_default_verification_rejects_a_certificate_from_an_unknown_ca(
    tls_port: int,
) -> None:
    async with aioweb.ClientSession() as session:
        with pytest.raises(aioweb.ClientConnectorCertificateError) as info:
            await session.get(f"https://127.0.0.1:{tls_port}/")
        assert isinstance(info.value.certificate_error, ssl.SSLCertVerificationError)
        assert info.value.host == "127.0.0.1"
        assert info.value.port == tls_port
        assert session.connector is not None
        assert session.connector.open_connections == 0


async def test_ssl_false_accepts_an_unverifiable_certificate(tls_port: int) -> None:
    async with aioweb.ClientSession() as session:
        async with session.get(f"https://127.0.0.1:{tls_port}/", ssl=False) as resp:
            assert resp.status == 200


async def test_fingerprint_of_the_server_certificate_is_accepted(
    tls_port: int, cert: trustme.LeafCert
) -> None:
    pin = aioweb.Fingerprint(cert_sha256(cert))
    async with aioweb.ClientSession() as session:
        async with session.get(f"https://127.0.0.1:{tls_port}/", ssl=pin) as resp:
            assert resp.status == 200


async def test_wrong_fingerprint_raises_server_fingerprint_mismatch(
    tls_port: int, cert: trustme.LeafCert
) -> None:
    wrong = bytes(b ^ 0xFF for b in cert_sha256(cert))
    async with aioweb.ClientSession() as session:
        with pytest.raises(aioweb.ServerFingerprintMismatch) as info:
            await session.get(f"https://127.0.0.1:{tls_port}/", ssl=aioweb.Fingerprint(wrong))
        assert info.value.expected == wrong
        assert info.value.got == cert_sha256(cert)
        assert session.connector is not None
        assert session.connector.open_connections == 0


async def test_connector_level_wrong_fingerprint_raises_server_fingerprint_mismatch(
    tls_port: int, cert: trustme.LeafCert
) -> None:
    wrong = aioweb.Fingerprint(bytes(b ^ 0xFF for b in cert_sha256(cert)))
    async with aioweb.ClientSession(connector=aioweb.TCPConnector(ssl=wrong)) as session:
        try:
            async with session.get(f"https://127.0.0.1:{tls_port}/") as resp:
                status = resp.status
        except aioweb.ServerFingerprintMismatch:
            return
    raise AssertionError(f"the pinned fingerprint was not checked (status {status})")


# ---------------------------------------------------------------- CLI-22: names


@pytest.fixture
async def other_name_server(ca: trustme.CA) -> AsyncIterator[tuple[int, SNIRecorder]]:
    """A server whose certificate names only "other.example" (not 127.0.0.1)."""
    recorder = SNIRecorder(ca.issue_cert("other.example"))
    async with serve_tls(hello_app(), recorder.context) as port:
        yield port, recorder


async def test_certificate_for_another_name_fails_default_verification(
    other_name_server: tuple[int, SNIRecorder],
) -> None:
    port, _ = other_name_server
    async with aioweb.ClientSession() as session:
        with pytest.raises(aioweb.ClientConnectorCertificateError):
            await session.get(f"https://127.0.0.1:{port}/")


async def test_certificate_for_another_name_fails_even_with_a_trusted_ca(
    other_name_server: tuple[int, SNIRecorder], ca_ctx: ssl.SSLContext
) -> None:
    port, _ = other_name_server
    async with aioweb.ClientSession() as session:
        with pytest.raises(aioweb.ClientConnectorCertificateError) as info:
            await session.get(f"https://127.0.0.1:{port}/", ssl=ca_ctx)
    error = info.value.certificate_error
    assert isinstance(error, ssl.SSLCertVerificationError)
    assert "mismatch" in str(error)


async def test_host_header_does_not_choose_the_name_that_is_verified(
    other_name_server: tuple[int, SNIRecorder], ca_ctx: ssl.SSLContext
) -> None:
    port, recorder = other_name_server
    async with aioweb.ClientSession() as session:
        with pytest.raises(aioweb.ClientConnectorCertificateError):
            await session.get(
                f"https://127.0.0.1:{port}/", ssl=ca_ctx, headers={"Host": "other.example"}
            )
    # An IP literal is never sent as SNI (RFC 6066 s3), whatever the Host header says.
    assert recorder.names == [None]


async def test_explicit_server_hostname_verifies_against_that_name(
    other_name_server: tuple[int, SNIRecorder], ca_ctx: ssl.SSLContext
) -> None:
    port, recorder = other_name_server
    async with aioweb.ClientSession() as session:
        async with session.get(
            f"https://127.0.0.1:{port}/", ssl=ca_ctx, server_hostname="other.example"
        ) as resp:
            assert resp.status == 200
            # The Host header still names the URL's host: only TLS uses the override.
            assert await resp.text() == f"hello 127.0.0.1:{port}"
    assert recorder.names == ["other.example"]


async def test_explicit_server_hostname_is_still_verified(
    cert: trustme.LeafCert, ca_ctx: ssl.SSLContext
) -> None:
    """The override names what to verify; it does not switch verification off."""
    async with serve_tls(hello_app(), server_context(cert)) as port:
        async with aioweb.ClientSession() as session:
            with pytest.raises(aioweb.ClientConnectorCertificateError):
                await session.get(
                    f"https://127.0.0.1:{port}/", ssl=ca_ctx, server_hostname="other.example"
                )


async def test_sni_carries_the_url_host_name(
    cert: trustme.LeafCert, ca_ctx: ssl.SSLContext
) -> None:
    recorder = SNIRecorder(cert)
    async with serve_tls(hello_app(), recorder.context) as port:
        async with aioweb.ClientSession() as session:
            async with session.get(f"https://localhost:{port}/", ssl=ca_ctx) as resp:
                assert resp.status == 200
    assert recorder.names == ["localhost"]


# ---------------------------------------------------------------- server_hostname and the pool


@pytest.fixture
async def two_name_server(ca: trustme.CA) -> AsyncIterator[tuple[int, SNIRecorder]]:
    """A server whose certificate names "a.example" and "b.example" (not 127.0.0.1)."""
    recorder = SNIRecorder(ca.issue_cert("a.example", "b.example"))
    async with serve_tls(hello_app(), recorder.context) as port:
        yield port, recorder


async def test_requests_with_different_server_hostname_get_their_own_connections(
    two_name_server: tuple[int, SNIRecorder], ca_ctx: ssl.SSLContext
) -> None:
    """The pool key includes ``server_hostname`` (aiohttp 3.14.5's ConnectionKey): each
    name gets a handshake of its own, and a connection is reused only for its own name."""
    port, recorder = two_name_server
    url = f"https://127.0.0.1:{port}/"
    async with aioweb.ClientSession() as session:
        for name in ("a.example", "b.example", "a.example", "b.example"):
            async with session.get(url, ssl=ca_ctx, server_hostname=name) as resp:
                assert resp.status == 200
        assert session.connector is not None
        assert session.connector.open_connections == 2
    assert recorder.names == ["a.example", "b.example"]


async def test_a_connection_verified_for_one_name_does_not_serve_another(
    other_name_server: tuple[int, SNIRecorder], ca_ctx: ssl.SSLContext
) -> None:
    """Reusing the "other.example" connection would skip the verification that
    "wrong.example" must fail: the second request gets its own, failing, handshake."""
    port, recorder = other_name_server
    url = f"https://127.0.0.1:{port}/"
    async with aioweb.ClientSession() as session:
        async with session.get(url, ssl=ca_ctx, server_hostname="other.example") as resp:
            assert resp.status == 200
        with pytest.raises(aioweb.ClientConnectorCertificateError):
            await session.get(url, ssl=ca_ctx, server_hostname="wrong.example")
    assert recorder.names == ["other.example", "wrong.example"]


def test_connection_key_fields_match_aiohttp_3_14() -> None:
    from aioweb._client.request_info import ConnectionKey

    assert ConnectionKey._fields == (
        "host", "port", "is_ssl", "ssl", "proxy", "proxy_auth", "proxy_headers_hash",
        "server_hostname",
    )  # fmt: skip
    # Seven positional fields still build a key, as before aiohttp added the eighth.
    assert ConnectionKey("h", 443, True, True, None, None, None).server_hostname is None


# ---------------------------------------------------------------- keep-alive and close


async def test_two_requests_over_tls_share_one_kept_alive_connection(
    tls_port: int, ca_ctx: ssl.SSLContext
) -> None:
    created: list[object] = []

    async def on_create(_s: object, _ctx: SimpleNamespace, _params: object) -> None:
        created.append(_params)

    trace = aioweb.TraceConfig()
    trace.on_connection_create_end.append(on_create)
    async with aioweb.ClientSession(trace_configs=[trace]) as session:
        for _ in range(2):
            async with session.get(f"https://127.0.0.1:{tls_port}/", ssl=ca_ctx) as resp:
                assert await resp.text() == f"hello 127.0.0.1:{tls_port}"
        assert session.connector is not None
        assert session.connector.open_connections == 1
    assert len(created) == 1


async def test_closing_the_session_closes_tls_connections_without_resource_warnings(
    tls_port: int, ca_ctx: ssl.SSLContext
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        session = aioweb.ClientSession()
        connector = session.connector
        assert connector is not None
        async with session.get(f"https://127.0.0.1:{tls_port}/", ssl=ca_ctx) as resp:
            await resp.read()
        assert connector.idle_connections == 1
        await session.close()
        assert connector.open_connections == 0
        del session, connector, resp
        gc.collect()
    resource = [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert resource == [], [str(w.message) for w in resource]


async def test_closing_after_a_failed_handshake_returns_at_once(tls_port: int) -> None:
    """The protocol of a failed handshake never gets a socket: close() must not wait
    for it to close (it did, for 2 s, while the caller held the exception)."""
    session = aioweb.ClientSession()
    try:
        with pytest.raises(aioweb.ClientConnectorCertificateError) as info:
            await session.get(f"https://127.0.0.1:{tls_port}/")
    finally:
        async with asyncio.timeout(1.0):
            await session.close()
    assert info.value.port == tls_port


def open_sockets() -> int:
    """Sockets this process holds (pipes are left out: pycares 5, behind the default
    resolver, closes its own pipes from a background thread some time after close())."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):  # the listing's own fd is gone by now
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
    return count


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts fds through /proc")
async def test_closing_the_session_and_server_gives_back_every_socket(
    cert: trustme.LeafCert, ca_ctx: ssl.SSLContext
) -> None:
    """REL-10: once both ends are closed, the process holds the sockets it held before."""
    baseline = open_sockets()
    async with serve_tls(hello_app(), server_context(cert)) as port:
        async with aioweb.ClientSession() as session:
            for _ in range(3):
                async with session.get(f"https://127.0.0.1:{port}/", ssl=ca_ctx) as resp:
                    await resp.read()
            # The listener, the kept-alive connection and the server's end of it.
            assert open_sockets() == baseline + 3
    assert open_sockets() == baseline


async def test_pool_limit_holds_for_one_hundred_concurrent_tls_requests(
    tls_port: int, ca_ctx: ssl.SSLContext
) -> None:
    """REL-07 over TLS: limit=10 caps the sockets; every request completes."""
    connector = aioweb.TCPConnector(limit=10, ssl=ca_ctx)
    peak = 0
    created = 0

    async def on_create(_s: object, _ctx: SimpleNamespace, _params: object) -> None:
        nonlocal peak, created
        created += 1
        peak = max(peak, connector.open_connections)

    trace = aioweb.TraceConfig()
    trace.on_connection_create_end.append(on_create)
    url = f"https://127.0.0.1:{tls_port}/"

    async with aioweb.ClientSession(connector=connector, trace_configs=[trace]) as session:

        async def fetch() -> str:
            async with session.get(url) as resp:
                return await resp.text()

        results = await asyncio.gather(*(fetch() for _ in range(100)))
        assert results == [f"hello 127.0.0.1:{tls_port}"] * 100
        assert connector.open_connections == connector.idle_connections <= 10
    assert 1 <= created <= 10
    assert peak <= 10
    assert connector.open_connections == 0
