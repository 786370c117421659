"""Certificate pinning: accept a TLS peer only if its certificate has a known SHA-256.

The check runs after the handshake, on the DER bytes of the leaf certificate, so it
works whether or not the chain verifies (``ssl=Fingerprint(...)`` is typically used with
self-signed certificates). MD5 and SHA-1 digests are refused: both have practical
collision attacks, which is exactly what pinning has to withstand.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from typing import Final

from aioweb._client.exceptions import ServerFingerprintMismatch

__all__ = ["Fingerprint"]

_SHA256_LEN: Final = 32
# Digest lengths of the algorithms aiohttp once accepted, to give a pointed message.
_INSECURE_LENS: Final = frozenset({16, 20})  # md5, sha1


class Fingerprint:
    """A pinned SHA-256 digest of the server's DER-encoded certificate.

    Pass it as ``ssl=Fingerprint(digest)``; the connection fails with
    ``ServerFingerprintMismatch`` when the server presents another certificate.

    Args:
        fingerprint: The 32-byte SHA-256 digest, e.g.
            ``hashlib.sha256(der_cert).digest()``.

    Raises:
        ValueError: The digest is MD5 or SHA-1 sized, or not 32 bytes long.
    """

    __slots__ = ("_fingerprint",)

    def __init__(self, fingerprint: bytes) -> None:
        length = len(fingerprint)
        if length in _INSECURE_LENS:
            raise ValueError("md5 and sha1 are insecure and not supported. Use sha256.")
        if length != _SHA256_LEN:
            raise ValueError(
                f"fingerprint has invalid length {length}; a SHA-256 digest is 32 bytes"
            )
        self._fingerprint = bytes(fingerprint)

    @property
    def fingerprint(self) -> bytes:
        """The pinned SHA-256 digest."""
        return self._fingerprint

    def check(self, transport: asyncio.BaseTransport) -> None:
        """Verify the peer certificate on ``transport`` against the pinned digest.

        A transport without TLS is left alone: pinning only applies to TLS connections.

        Args:
            transport: The connected transport, after the TLS handshake.

        Raises:
            ServerFingerprintMismatch: The certificate's SHA-256 differs from the pin (or
                the server sent none).
        """
        ssl_object = transport.get_extra_info("ssl_object")
        if ssl_object is None:
            return
        der = ssl_object.getpeercert(binary_form=True)
        got = hashlib.sha256(der).digest() if der else b""
        if hmac.compare_digest(got, self._fingerprint):
            return
        host, port = _peer(transport)
        raise ServerFingerprintMismatch(self._fingerprint, got, host, port)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Fingerprint):
            return NotImplemented
        return self._fingerprint == other._fingerprint

    def __hash__(self) -> int:
        return hash((Fingerprint, self._fingerprint))

    def __repr__(self) -> str:
        return f"<Fingerprint sha256={self._fingerprint.hex()}>"

    def __reduce__(self) -> tuple[type[Fingerprint], tuple[bytes]]:
        return type(self), (self._fingerprint,)


def _peer(transport: asyncio.BaseTransport) -> tuple[str, int]:
    peername = transport.get_extra_info("peername")
    # IPv4 gives (host, port), IPv6 (host, port, flowinfo, scope_id); other families
    # (a Unix socket under TLS) give a path or nothing.
    if isinstance(peername, tuple) and len(peername) >= 2:
        return str(peername[0]), int(peername[1])
    return str(peername or ""), 0
