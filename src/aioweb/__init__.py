"""aioweb: asyncio HTTP client and server with the aiohttp 3.x API, plus HTTP/2.

The names here are the public API, imported explicitly and listed in ``__all__``;
everything under a leading-underscore package is private and may move. The server lives
in ``aioweb.web``; the client (``ClientSession`` and everything around it) is here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aioweb import hdrs
from aioweb._client.auth import BasicAuth, encode_basic_auth
from aioweb._client.connector import (
    AddrInfoType,
    BaseConnector,
    NamedPipeConnector,
    SocketFactoryType,
    TCPConnector,
    UnixConnector,
)
from aioweb._client.cookiejar import CookieJar, DummyCookieJar
from aioweb._client.digest import DigestAuthMiddleware
from aioweb._client.exceptions import (
    ClientConnectionError,
    ClientConnectionResetError,
    ClientConnectorCertificateError,
    ClientConnectorDNSError,
    ClientConnectorError,
    ClientConnectorSSLError,
    ClientError,
    ClientHttpProxyError,
    ClientOSError,
    ClientPayloadError,
    ClientProxyConnectionError,
    ClientResponseError,
    ClientSSLError,
    ConnectionTimeoutError,
    ContentTypeError,
    InvalidURL,
    InvalidUrlClientError,
    InvalidUrlRedirectClientError,
    NonHttpUrlClientError,
    NonHttpUrlRedirectClientError,
    RedirectClientError,
    ServerConnectionError,
    ServerDisconnectedError,
    ServerFingerprintMismatch,
    ServerTimeoutError,
    SocketTimeoutError,
    TooManyRedirects,
    UploadAbortedError,
    WebSocketError,
    WSMessageTypeError,
    WSServerHandshakeError,
)
from aioweb._client.fingerprint import Fingerprint
from aioweb._client.middlewares import ClientHandlerType, ClientMiddlewareType
from aioweb._client.request import ClientRequest, UploadTracker
from aioweb._client.request_info import RequestInfo
from aioweb._client.response import ClientResponse
from aioweb._client.session import ClientSession, request
from aioweb._client.timeouts import ClientTimeout
from aioweb._client.websocket import ClientWebSocketResponse, ClientWSTimeout
from aioweb._sansio.ws.models import WSCloseCode, WSMessage, WSMsgType
from aioweb._server.etag import ETag
from aioweb._server.storage import ChainMapProxy
from aioweb._shared.compression import set_zlib_backend
from aioweb._shared.http_version import HttpVersion, HttpVersion10, HttpVersion11
from aioweb.formdata import FormData
from aioweb.multipart import (
    BadContentDispositionHeader,
    BadContentDispositionParam,
    BodyPartReader,
    MultipartReader,
    MultipartWriter,
    content_disposition_filename,
    parse_content_disposition,
)
from aioweb.payload import (
    PAYLOAD_REGISTRY,
    AsyncIterablePayload,
    BufferedReaderPayload,
    BytesIOPayload,
    BytesPayload,
    IOBasePayload,
    JsonPayload,
    Payload,
    StringIOPayload,
    StringPayload,
    TextIOPayload,
    get_payload,
    payload_type,
)
from aioweb.payload_streamer import streamer
from aioweb.resolver import AsyncResolver, DefaultResolver, ThreadedResolver
from aioweb.streams import (
    EMPTY_PAYLOAD,
    DataQueue,
    EofStream,
    FlowControlDataQueue,
    StreamReader,
)
from aioweb.tracing import (
    TraceConfig,
    TraceConnectionCreateEndParams,
    TraceConnectionCreateStartParams,
    TraceConnectionQueuedEndParams,
    TraceConnectionQueuedStartParams,
    TraceConnectionReuseconnParams,
    TraceDnsCacheHitParams,
    TraceDnsCacheMissParams,
    TraceDnsResolveHostEndParams,
    TraceDnsResolveHostStartParams,
    TraceRequestChunkSentParams,
    TraceRequestEndParams,
    TraceRequestExceptionParams,
    TraceRequestHeadersSentParams,
    TraceRequestRedirectParams,
    TraceRequestStartParams,
    TraceResponseChunkReceivedParams,
)

if TYPE_CHECKING:
    from aioweb.worker import GunicornUVLoopWebWorker, GunicornWebWorker

__version__ = "0.1.0.dev0"


def __getattr__(name: str) -> object:
    # The gunicorn workers import gunicorn, which only deployments install: load them
    # on first use, as aiohttp does, so that "import aioweb" never needs it (importing
    # gunicorn takes ~100 ms).
    if name in ("GunicornWebWorker", "GunicornUVLoopWebWorker"):
        try:
            from aioweb import worker
        except ModuleNotFoundError as exc:
            if exc.name is None or exc.name.partition(".")[0] != "gunicorn":
                raise
            # Without gunicorn the names are None, as in aiohttp: they are in __all__, and
            # "from aioweb import *" must still work.
            return None
        return getattr(worker, name)
    raise AttributeError(f"module 'aioweb' has no attribute {name!r}")


__all__ = [
    "EMPTY_PAYLOAD",
    "PAYLOAD_REGISTRY",
    "AddrInfoType",
    "AsyncIterablePayload",
    "AsyncResolver",
    "BadContentDispositionHeader",
    "BadContentDispositionParam",
    "BaseConnector",
    "BasicAuth",
    "BodyPartReader",
    "BufferedReaderPayload",
    "BytesIOPayload",
    "BytesPayload",
    "ChainMapProxy",
    "ClientConnectionError",
    "ClientConnectionResetError",
    "ClientConnectorCertificateError",
    "ClientConnectorDNSError",
    "ClientConnectorError",
    "ClientConnectorSSLError",
    "ClientError",
    "ClientHandlerType",
    "ClientHttpProxyError",
    "ClientMiddlewareType",
    "ClientOSError",
    "ClientPayloadError",
    "ClientProxyConnectionError",
    "ClientRequest",
    "ClientResponse",
    "ClientResponseError",
    "ClientSSLError",
    "ClientSession",
    "ClientTimeout",
    "ClientWSTimeout",
    "ClientWebSocketResponse",
    "ConnectionTimeoutError",
    "ContentTypeError",
    "CookieJar",
    "DataQueue",
    "DefaultResolver",
    "DigestAuthMiddleware",
    "DummyCookieJar",
    "ETag",
    "EofStream",
    "Fingerprint",
    "FlowControlDataQueue",
    "FormData",
    "GunicornUVLoopWebWorker",
    "GunicornWebWorker",
    "HttpVersion",
    "HttpVersion10",
    "HttpVersion11",
    "IOBasePayload",
    "InvalidURL",
    "InvalidUrlClientError",
    "InvalidUrlRedirectClientError",
    "JsonPayload",
    "MultipartReader",
    "MultipartWriter",
    "NamedPipeConnector",
    "NonHttpUrlClientError",
    "NonHttpUrlRedirectClientError",
    "Payload",
    "RedirectClientError",
    "RequestInfo",
    "ServerConnectionError",
    "ServerDisconnectedError",
    "ServerFingerprintMismatch",
    "ServerTimeoutError",
    "SocketFactoryType",
    "SocketTimeoutError",
    "StreamReader",
    "StringIOPayload",
    "StringPayload",
    "TCPConnector",
    "TextIOPayload",
    "ThreadedResolver",
    "TooManyRedirects",
    "TraceConfig",
    "TraceConnectionCreateEndParams",
    "TraceConnectionCreateStartParams",
    "TraceConnectionQueuedEndParams",
    "TraceConnectionQueuedStartParams",
    "TraceConnectionReuseconnParams",
    "TraceDnsCacheHitParams",
    "TraceDnsCacheMissParams",
    "TraceDnsResolveHostEndParams",
    "TraceDnsResolveHostStartParams",
    "TraceRequestChunkSentParams",
    "TraceRequestEndParams",
    "TraceRequestExceptionParams",
    "TraceRequestHeadersSentParams",
    "TraceRequestRedirectParams",
    "TraceRequestStartParams",
    "TraceResponseChunkReceivedParams",
    "UnixConnector",
    "UploadAbortedError",
    "UploadTracker",
    "WSCloseCode",
    "WSMessage",
    "WSMessageTypeError",
    "WSMsgType",
    "WSServerHandshakeError",
    "WebSocketError",
    "__version__",
    "content_disposition_filename",
    "encode_basic_auth",
    "get_payload",
    "hdrs",
    "parse_content_disposition",
    "payload_type",
    "request",
    "set_zlib_backend",
    "streamer",
]
