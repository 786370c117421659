"""TLS for client tests: a throwaway trustme CA, certificates and an aioweb HTTPS server."""

from __future__ import annotations

import hashlib
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import trustme

from aioweb import web


def server_context(cert: trustme.LeafCert) -> ssl.SSLContext:
    """A server-side context presenting ``cert``."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    return context


def trusting_context(ca: trustme.CA) -> ssl.SSLContext:
    """A verifying client context that trusts ``ca`` (and nothing else)."""
    return ssl.create_default_context(cadata=ca.cert_pem.bytes().decode())


def cert_sha256(cert: trustme.LeafCert) -> bytes:
    """The SHA-256 of ``cert``'s DER encoding: what ``aioweb.Fingerprint`` pins."""
    der = ssl.PEM_cert_to_DER_cert(cert.cert_chain_pems[0].bytes().decode())
    return hashlib.sha256(der).digest()


@asynccontextmanager
async def serve_tls(app: web.Application, context: ssl.SSLContext) -> AsyncIterator[int]:
    """Serve ``app`` over TLS on 127.0.0.1 with an OS-chosen port; yield the port."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context)
        await site.start()
        yield site.port
    finally:
        await runner.cleanup()
