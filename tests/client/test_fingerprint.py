"""Fingerprint pinning against a real TLS handshake on loopback."""

from __future__ import annotations

import asyncio
import hashlib
import pickle
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest
import trustme

from aioweb._client.exceptions import ServerFingerprintMismatch
from aioweb._client.fingerprint import Fingerprint
from aioweb._client.request_info import ConnectionKey

Connect = Callable[[bool], AbstractAsyncContextManager[asyncio.StreamWriter]]


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def server_cert(ca: trustme.CA) -> trustme.LeafCert:
    return ca.issue_cert("127.0.0.1", "localhost")


@pytest.fixture
def cert_digest(server_cert: trustme.LeafCert) -> bytes:
    der = ssl.PEM_cert_to_DER_cert(server_cert.cert_chain_pems[0].bytes().decode())
    return hashlib.sha256(der).digest()


async def _drain_then_close(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.read()
    writer.close()
    await writer.wait_closed()


@pytest.fixture
async def connect(ca: trustme.CA, server_cert: trustme.LeafCert) -> AsyncIterator[Connect]:
    """Yield ``connect(tls)``: a client stream to a loopback server, TLS or plain TCP."""
    server_ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(server_ctx)
    client_ctx = ssl.create_default_context()
    ca.configure_trust(client_ctx)
    servers: list[asyncio.Server] = []

    @asynccontextmanager
    async def _connect(tls: bool) -> AsyncIterator[asyncio.StreamWriter]:
        server = await asyncio.start_server(
            _drain_then_close, "127.0.0.1", 0, ssl=server_ctx if tls else None
        )
        servers.append(server)
        port = server.sockets[0].getsockname()[1]
        _, writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=client_ctx if tls else None
        )
        try:
            yield writer
        finally:
            writer.close()
            await writer.wait_closed()

    yield _connect
    for server in servers:
        server.close()
        await server.wait_closed()


def _port(writer: asyncio.StreamWriter) -> int:
    port: int = writer.get_extra_info("peername")[1]
    return port


async def test_matching_digest_accepts_the_tls_peer(connect: Connect, cert_digest: bytes) -> None:
    async with connect(True) as writer:
        Fingerprint(cert_digest).check(writer.transport)


async def test_other_digest_raises_mismatch_naming_peer_and_both_digests(
    connect: Connect, cert_digest: bytes
) -> None:
    pinned = hashlib.sha256(b"some other certificate").digest()
    async with connect(True) as writer:
        with pytest.raises(ServerFingerprintMismatch) as info:
            Fingerprint(pinned).check(writer.transport)
        port = _port(writer)
    err = info.value
    assert err.expected == pinned
    assert err.got == cert_digest
    assert (err.host, err.port) == ("127.0.0.1", port)


async def test_plain_tcp_transport_is_not_checked(connect: Connect) -> None:
    async with connect(False) as writer:
        Fingerprint(b"\0" * 32).check(writer.transport)


@pytest.mark.parametrize("length", [16, 20])
def test_md5_and_sha1_sized_digests_are_refused(length: int) -> None:
    with pytest.raises(
        ValueError, match=r"md5 and sha1 are insecure and not supported\. Use sha256\."
    ):
        Fingerprint(b"\1" * length)


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_digest_of_another_length_is_refused(length: int) -> None:
    with pytest.raises(ValueError, match="invalid length"):
        Fingerprint(b"\1" * length)


def test_fingerprint_exposes_the_digest_and_shows_it_in_repr() -> None:
    digest = hashlib.sha256(b"cert").digest()
    pin = Fingerprint(digest)
    assert pin.fingerprint == digest
    assert repr(pin) == f"<Fingerprint sha256={digest.hex()}>"


def test_equal_digests_share_one_pool_key() -> None:
    digest = hashlib.sha256(b"cert").digest()
    first = ConnectionKey("h", 443, True, Fingerprint(digest), None, None, None)
    second = ConnectionKey("h", 443, True, Fingerprint(bytearray(digest)), None, None, None)
    other = ConnectionKey("h", 443, True, Fingerprint(b"\0" * 32), None, None, None)
    assert first == second
    assert hash(first) == hash(second)
    assert first != other
    assert Fingerprint(digest) != digest


def test_fingerprint_survives_pickling() -> None:
    pin = Fingerprint(hashlib.sha256(b"cert").digest())
    assert pickle.loads(pickle.dumps(pin)) == pin
