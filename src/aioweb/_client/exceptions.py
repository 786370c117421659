"""The client's exception hierarchy, with aiohttp 3.14's names, bases and constructors.

Everything the client raises derives from ``ClientError`` except the two WebSocket
protocol errors, which aiohttp keeps outside it. The shape of the tree is what user code
relies on, so it follows aiohttp exactly::

    ClientError
    ├── ClientConnectionError
    │   ├── ClientConnectionResetError (+ ConnectionResetError)
    │   ├── ClientOSError (+ OSError)
    │   │   └── ClientConnectorError
    │   │       ├── ClientConnectorDNSError
    │   │       ├── ClientProxyConnectionError
    │   │       ├── UnixClientConnectorError
    │   │       └── ClientSSLError
    │   │           ├── ClientConnectorSSLError (+ ssl.SSLError)
    │   │           └── ClientConnectorCertificateError (+ ssl.CertificateError)
    │   └── ServerConnectionError
    │       ├── ServerDisconnectedError
    │       ├── ServerTimeoutError (+ asyncio.TimeoutError, i.e. TimeoutError)
    │       │   ├── ConnectionTimeoutError
    │       │   └── SocketTimeoutError
    │       └── ServerFingerprintMismatch
    ├── ClientResponseError
    │   ├── ContentTypeError, WSServerHandshakeError, ClientHttpProxyError
    │   └── TooManyRedirects
    ├── ClientPayloadError
    ├── UploadAbortedError
    ├── InvalidURL (+ ValueError)
    │   └── InvalidUrlClientError
    │       └── InvalidUrlRedirectClientError (+ RedirectClientError)
    ├── NonHttpUrlClientError
    │   └── NonHttpUrlRedirectClientError (+ RedirectClientError)
    └── RedirectClientError
    WebSocketError, WSMessageTypeError (TypeError)

Exceptions cross process boundaries (``concurrent.futures``, task queues), so every class
survives ``pickle``; those whose constructor does not take ``self.args`` back define
``__reduce__``.
"""

from __future__ import annotations

import asyncio
import ssl
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Final, TypeAlias

from multidict import CIMultiDict, CIMultiDictProxy, MultiDict, MultiDictProxy, MultiMapping
from yarl import URL

from aioweb._client.request_info import ConnectionKey, RequestInfo
from aioweb._sansio.ws.models import WebSocketError, WSMessageTypeError

if TYPE_CHECKING:
    from aioweb._client.fingerprint import Fingerprint
    from aioweb._client.response import ClientResponse

__all__ = [
    "ClientConnectionError",
    "ClientConnectionResetError",
    "ClientConnectorCertificateError",
    "ClientConnectorDNSError",
    "ClientConnectorError",
    "ClientConnectorSSLError",
    "ClientError",
    "ClientHttpProxyError",
    "ClientOSError",
    "ClientPayloadError",
    "ClientProxyConnectionError",
    "ClientResponseError",
    "ClientSSLError",
    "ConnectionTimeoutError",
    "ContentTypeError",
    "InvalidURL",
    "InvalidUrlClientError",
    "InvalidUrlRedirectClientError",
    "NonHttpUrlClientError",
    "NonHttpUrlRedirectClientError",
    "RedirectClientError",
    "ServerConnectionError",
    "ServerDisconnectedError",
    "ServerFingerprintMismatch",
    "ServerTimeoutError",
    "SocketTimeoutError",
    "TooManyRedirects",
    "UnixClientConnectorError",
    "UploadAbortedError",
    "WSMessageTypeError",
    "WSServerHandshakeError",
    "WebSocketError",
]


class ClientError(Exception):
    """Base class of every error the client raises (except the WebSocket protocol ones)."""


# ---------------------------------------------------------------- response errors

# Multidict proxies refuse to pickle; a pickled error carries the underlying dict plus a
# flag saying whether to wrap it again, so the unpickled error has the same types.
_HeadersState: TypeAlias = "tuple[MultiMapping[str] | None, bool]"
_InfoState: TypeAlias = "tuple[URL, str, _HeadersState, URL]"


def _pack_headers(headers: MultiMapping[str] | None) -> _HeadersState:
    if isinstance(headers, MultiDictProxy):
        return headers.copy(), True
    return headers, False


def _unpack_headers(state: _HeadersState) -> MultiMapping[str] | None:
    headers, was_proxy = state
    if was_proxy and isinstance(headers, CIMultiDict):
        return CIMultiDictProxy(headers)
    if was_proxy and isinstance(headers, MultiDict):
        return MultiDictProxy(headers)
    return headers


def _rebuild_response_error(
    cls: type[ClientResponseError],
    info: RequestInfo | _InfoState,
    history: tuple[ClientResponse, ...],
    status: int,
    message: str,
    headers_state: _HeadersState,
) -> ClientResponseError:
    if isinstance(info, tuple):
        url, method, info_headers, real_url = info
        restored = _unpack_headers(info_headers)
        if not isinstance(restored, CIMultiDictProxy):
            restored = CIMultiDictProxy(CIMultiDict(restored or ()))
        info = RequestInfo(url, method, restored, real_url)
    return cls(
        info,
        history,
        status=status,
        message=message,
        headers=_unpack_headers(headers_state),
    )


class ClientResponseError(ClientError):
    """A response arrived but cannot be used: an error status, a bad body type, etc.

    Args:
        request_info: What was sent (``response.request_info``).
        history: The redirect responses that led here, oldest first.
        status: The HTTP status code; ``None`` is stored as ``0``.
        message: The reason phrase or a description of the problem.
        headers: The response headers, if any.
        code: Deprecated alias of ``status``.

    Raises:
        ValueError: Both ``status`` and the deprecated ``code`` are given.

    Attributes:
        request_info: What was sent.
        history: The redirect responses, oldest first.
        status: The HTTP status code (``0`` when unknown).
        message: The reason phrase or description.
        headers: The response headers, or ``None``.
    """

    def __init__(
        self,
        request_info: RequestInfo,
        history: tuple[ClientResponse, ...],
        *,
        code: int | None = None,
        status: int | None = None,
        message: str = "",
        headers: MultiMapping[str] | None = None,
    ) -> None:
        self.request_info = request_info
        if code is not None:
            if status is not None:
                raise ValueError(
                    "Both code and status arguments are provided; "
                    "code is deprecated, use status instead"
                )
            warnings.warn(
                "code argument is deprecated, use status instead",
                DeprecationWarning,
                stacklevel=2,
            )
            status = code
        self.status: int = status if status is not None else 0
        self.message = message
        self.headers = headers
        self.history = history
        super().__init__(request_info, history)

    @property
    def code(self) -> int:
        """Return the status code (deprecated alias of ``status``).

        Returns:
            The HTTP status code.
        """
        warnings.warn(
            "code property is deprecated, use status instead", DeprecationWarning, stacklevel=2
        )
        return self.status

    @code.setter
    def code(self, value: int) -> None:
        warnings.warn(
            "code property is deprecated, use status instead", DeprecationWarning, stacklevel=2
        )
        self.status = value

    def __str__(self) -> str:
        url = str(self.request_info.real_url)
        return f"{self.status}, message={self.message!r}, url={url!r}"

    def __repr__(self) -> str:
        parts = [repr(self.request_info), repr(self.history)]
        if self.status:
            parts.append(f"status={self.status!r}")
        if self.message:
            parts.append(f"message={self.message!r}")
        if self.headers is not None:
            parts.append(f"headers={self.headers!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def __reduce__(
        self,
    ) -> tuple[Callable[..., ClientResponseError], tuple[object, ...]]:
        info: RequestInfo | _InfoState = self.request_info
        if type(info) is RequestInfo:
            info = (info.url, info.method, _pack_headers(info.headers), info.real_url)
        return (
            _rebuild_response_error,
            (
                type(self),
                info,
                self.history,
                self.status,
                self.message,
                _pack_headers(self.headers),
            ),
        )


class ContentTypeError(ClientResponseError):
    """``response.json()`` found a Content-Type that is not JSON."""


class WSServerHandshakeError(ClientResponseError):
    """The server refused or botched the WebSocket handshake."""


class ClientHttpProxyError(ClientResponseError):
    """The proxy answered ``CONNECT`` (or a proxied request) with an error status."""


class TooManyRedirects(ClientResponseError):  # noqa: N818 (aiohttp's public name)
    """The response chain exceeded ``max_redirects``."""


# ---------------------------------------------------------------- connection errors


class ClientConnectionError(ClientError):
    """Base class for errors on the socket: connecting, sending or reading."""


class ClientConnectionResetError(ClientConnectionError, ConnectionResetError):
    """The connection was reset (or closed) while the client was using it."""


class ClientOSError(ClientConnectionError, OSError):
    """An ``OSError`` from the socket layer, e.g. ``ECONNRESET`` while reading."""


class ClientConnectorError(ClientOSError):
    """Opening a connection to the origin (or proxy) failed.

    ``errno`` and ``strerror`` are copied from the underlying error.

    Args:
        connection_key: The pool slot the connection was for (host, port, ssl...).
        os_error: The error that stopped the connection attempt.
    """

    def __init__(self, connection_key: ConnectionKey, os_error: OSError) -> None:
        self._conn_key = connection_key
        self._os_error = os_error
        super().__init__(os_error.errno, os_error.strerror)
        self.args = (connection_key, os_error)

    @property
    def os_error(self) -> OSError:
        """The error that stopped the connection attempt."""
        return self._os_error

    @property
    def host(self) -> str:
        """The host the client tried to reach."""
        return self._conn_key.host

    @property
    def port(self) -> int | None:
        """The port the client tried to reach."""
        return self._conn_key.port

    @property
    def ssl(self) -> ssl.SSLContext | Fingerprint | bool:
        """The request's ``ssl=`` setting (``True`` means default verification)."""
        return self._conn_key.ssl

    def _ssl_text(self) -> str:
        return "default" if self.ssl is True else str(self.ssl)

    def _reason(self) -> str:
        # A bare OSError("text") has no strerror; show its text rather than "None".
        return str(self._os_error.strerror or self._os_error)

    def __str__(self) -> str:
        return (
            f"Cannot connect to host {self.host}:{self.port} "
            f"ssl:{self._ssl_text()} [{self._reason()}]"
        )

    def __reduce__(self) -> tuple[type[ClientConnectorError], tuple[object, ...]]:
        return type(self), self.args


class ClientConnectorDNSError(ClientConnectorError):
    """Resolving the host name failed."""


class ClientProxyConnectionError(ClientConnectorError):
    """Connecting to the proxy failed."""


class UnixClientConnectorError(ClientConnectorError):
    """``UnixConnector`` could not connect to its socket path.

    Args:
        path: The Unix socket path.
        connection_key: The pool slot the connection was for.
        os_error: The error that stopped the connection attempt.
    """

    def __init__(self, path: str, connection_key: ConnectionKey, os_error: OSError) -> None:
        self._path = path
        super().__init__(connection_key, os_error)
        self.args = (path, connection_key, os_error)

    @property
    def path(self) -> str:
        """The Unix socket path."""
        return self._path

    def __str__(self) -> str:
        return (
            f"Cannot connect to unix socket {self.path} ssl:{self._ssl_text()} [{self._reason()}]"
        )


class ClientSSLError(ClientConnectorError):
    """Base class for TLS failures while connecting."""


class ClientConnectorSSLError(ClientSSLError, ssl.SSLError):
    """The TLS handshake failed for a reason other than certificate verification."""


class ClientConnectorCertificateError(ClientSSLError, ssl.CertificateError):
    """The server's certificate failed verification.

    Args:
        connection_key: The pool slot the connection was for.
        certificate_error: The verification error (usually ``ssl.SSLCertVerificationError``).
    """

    def __init__(self, connection_key: ConnectionKey, certificate_error: Exception) -> None:
        self._certificate_error = certificate_error
        os_error = certificate_error if isinstance(certificate_error, OSError) else OSError()
        super().__init__(connection_key, os_error)
        self.args = (connection_key, certificate_error)

    @property
    def certificate_error(self) -> Exception:
        """The verification error."""
        return self._certificate_error

    @property
    def ssl(self) -> bool:
        """Whether the connection used TLS (always true here), as in aiohttp."""
        return self._conn_key.is_ssl

    def __str__(self) -> str:
        error = self._certificate_error
        return (
            f"Cannot connect to host {self.host}:{self.port} ssl:{self.ssl} "
            f"[{type(error).__name__}: {error}]"
        )


class ServerConnectionError(ClientConnectionError):
    """Base class for failures on an established connection to the server."""


_DISCONNECTED: Final = "Server disconnected"


class ServerDisconnectedError(ServerConnectionError):
    """The server closed the connection before a complete response arrived.

    Args:
        message: What happened; ``"Server disconnected"`` by default.

    Attributes:
        message: What happened.
    """

    def __init__(self, message: str | None = None) -> None:
        self.message = _DISCONNECTED if message is None else message
        super().__init__(self.message)


class ServerTimeoutError(ServerConnectionError, asyncio.TimeoutError):
    """A connect or read timeout expired; catchable as the built-in ``TimeoutError``."""


class ConnectionTimeoutError(ServerTimeoutError):
    """``ClientTimeout.connect`` or ``sock_connect`` expired."""


class SocketTimeoutError(ServerTimeoutError):
    """``ClientTimeout.sock_read`` expired between two reads."""


class ServerFingerprintMismatch(ServerConnectionError):  # noqa: N818 (aiohttp's public name)
    """The server's certificate does not match the pinned ``Fingerprint``.

    Args:
        expected: The pinned SHA-256 digest.
        got: The digest of the certificate the server presented.
        host: The peer's address.
        port: The peer's port.
    """

    def __init__(self, expected: bytes, got: bytes, host: str, port: int) -> None:
        self.expected = expected
        self.got = got
        self.host = host
        self.port = port
        super().__init__(expected, got, host, port)

    def __str__(self) -> str:
        return (
            f"certificate fingerprint mismatch for {self.host}:{self.port}: "
            f"expected sha256 {self.expected.hex()}, got {self.got.hex()}"
        )

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} expected={self.expected!r} got={self.got!r} "
            f"host={self.host!r} port={self.port!r}>"
        )


# ---------------------------------------------------------------- body errors


class ClientPayloadError(ClientError):
    """The response body could not be read completely (truncated, bad chunking, ...)."""


_NOT_SENT: Final = "The request body was not fully sent"


class UploadAbortedError(ClientError):
    """The request body was never fully sent.

    Set on ``UploadTracker.upload_complete`` when the server stopped reading or closed the
    connection mid-upload, the request was cancelled, or a middleware answered without
    sending it.

    Args:
        message: What happened.
        bytes_written: How many body bytes reached the socket before the upload stopped.

    Attributes:
        bytes_written: How many body bytes reached the socket.
    """

    def __init__(self, message: str = _NOT_SENT, bytes_written: int = 0) -> None:
        self.bytes_written = bytes_written
        super().__init__(message, bytes_written)

    def __str__(self) -> str:
        return str(self.args[0])


# ---------------------------------------------------------------- URL errors


class InvalidURL(ClientError, ValueError):  # noqa: N818 (aiohttp's public name)
    """The URL cannot be requested: no host, a bad port, unparsable...

    Args:
        url: The offending URL.
        description: Why it is invalid, if known.
    """

    def __init__(self, url: str | URL, description: str | None = None) -> None:
        self._url = url
        self._description = description
        if description is None:
            super().__init__(url)
        else:
            super().__init__(url, description)

    @property
    def url(self) -> str | URL:
        """The offending URL."""
        return self._url

    @property
    def description(self) -> str | None:
        """Why the URL is invalid, or ``None``."""
        return self._description

    def __str__(self) -> str:
        if self._description:
            return f"{self._url} - {self._description}"
        return str(self._url)


class InvalidUrlClientError(InvalidURL):
    """The URL given to a request is invalid."""


class RedirectClientError(ClientError):
    """Base class for problems with a redirect's target."""


class InvalidUrlRedirectClientError(InvalidUrlClientError, RedirectClientError):
    """A redirect pointed to an invalid URL."""


class NonHttpUrlClientError(ClientError):
    """The URL's scheme is not http, https, ws or wss."""


class NonHttpUrlRedirectClientError(NonHttpUrlClientError, RedirectClientError):
    """A redirect pointed to a URL whose scheme is not HTTP."""


# ---------------------------------------------------------------- WebSocket errors
# WebSocketError and WSMessageTypeError are defined with the framing core (imported above):
# the server raises the same classes, so one ``except`` catches both sides.
