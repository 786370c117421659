"""The public facades export exactly the intended names (ARCHITECTURE.md)."""

from __future__ import annotations

import importlib
import inspect

import pytest

import aioweb

# aiohttp 3.14's top-level names (NamedPipeConnector included: it works on Windows and
# raises RuntimeError elsewhere). The gunicorn workers load lazily (module __getattr__).
EXPECTED_CLIENT = {
    "AddrInfoType", "AsyncResolver", "BaseConnector", "BasicAuth", "ChainMapProxy",
    "ClientConnectionError", "ClientConnectionResetError", "ClientConnectorCertificateError",
    "ClientConnectorDNSError", "ClientConnectorError", "ClientConnectorSSLError", "ClientError",
    "ClientHandlerType", "ClientHttpProxyError", "ClientMiddlewareType", "ClientOSError",
    "ClientPayloadError", "ClientProxyConnectionError", "ClientRequest", "ClientResponse",
    "ClientResponseError", "ClientSSLError", "ClientSession", "ClientTimeout",
    "ConnectionTimeoutError", "ContentTypeError", "CookieJar", "DefaultResolver",
    "DigestAuthMiddleware", "DummyCookieJar", "ETag", "Fingerprint", "InvalidURL",
    "InvalidUrlClientError",
    "InvalidUrlRedirectClientError", "NamedPipeConnector", "NonHttpUrlClientError",
    "NonHttpUrlRedirectClientError",
    "RedirectClientError", "RequestInfo", "ServerConnectionError", "ServerDisconnectedError",
    "ServerFingerprintMismatch", "ServerTimeoutError", "SocketFactoryType", "SocketTimeoutError",
    "TCPConnector", "ThreadedResolver", "TooManyRedirects", "TraceConfig",
    "TraceConnectionCreateEndParams", "TraceConnectionCreateStartParams",
    "TraceConnectionQueuedEndParams", "TraceConnectionQueuedStartParams",
    "TraceConnectionReuseconnParams", "TraceDnsCacheHitParams", "TraceDnsCacheMissParams",
    "TraceDnsResolveHostEndParams", "TraceDnsResolveHostStartParams",
    "TraceRequestChunkSentParams", "TraceRequestEndParams", "TraceRequestExceptionParams",
    "TraceRequestHeadersSentParams", "TraceRequestRedirectParams", "TraceRequestStartParams",
    "TraceResponseChunkReceivedParams", "UnixConnector", "UploadAbortedError", "UploadTracker",
    "WSMessageTypeError", "WSServerHandshakeError", "WebSocketError", "encode_basic_auth",
    "request", "ClientWSTimeout", "ClientWebSocketResponse", "WSCloseCode", "WSMessage",
    "WSMsgType",
}  # fmt: skip
EXPECTED_TOP_LEVEL = EXPECTED_CLIENT | {
    "EMPTY_PAYLOAD", "PAYLOAD_REGISTRY", "AsyncIterablePayload", "BadContentDispositionHeader",
    "BadContentDispositionParam", "BodyPartReader", "BufferedReaderPayload", "BytesIOPayload",
    "BytesPayload", "DataQueue", "EofStream", "FlowControlDataQueue", "FormData",
    "HttpVersion", "HttpVersion10", "HttpVersion11", "IOBasePayload", "JsonPayload",
    "MultipartReader", "MultipartWriter", "Payload", "StreamReader", "StringIOPayload",
    "StringPayload", "TextIOPayload", "content_disposition_filename", "get_payload", "hdrs",
    "parse_content_disposition", "payload_type", "set_zlib_backend", "streamer",
    "__version__",
    # Listed in aiohttp.__all__ as well, and loaded on first access (see test_gunicorn.py).
    "GunicornUVLoopWebWorker", "GunicornWebWorker",
}  # fmt: skip


def test_top_level_all_is_exactly_the_intended_names() -> None:
    assert set(aioweb.__all__) == EXPECTED_TOP_LEVEL
    assert len(aioweb.__all__) == len(set(aioweb.__all__))


@pytest.mark.parametrize(
    "module",
    ["aioweb", "aioweb.hdrs", "aioweb.streams", "aioweb.payload", "aioweb.multipart",
     "aioweb.formdata", "aioweb.payload_streamer", "aioweb.tracing", "aioweb.resolver"],
)  # fmt: skip
def test_every_exported_name_exists_and_has_a_docstring(module: str) -> None:
    mod = importlib.import_module(module)
    for name in mod.__all__:
        value = getattr(mod, name)
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), f"{module}.{name} has no docstring"


def test_no_private_name_leaks_into_a_facade() -> None:
    for module in ["aioweb", "aioweb.streams", "aioweb.payload", "aioweb.multipart"]:
        mod = importlib.import_module(module)
        assert not [n for n in mod.__all__ if n.startswith("_") and n != "__version__"]


def test_http_version_compares_like_a_tuple() -> None:
    assert aioweb.HttpVersion11 == (1, 1)
    assert aioweb.HttpVersion10 < aioweb.HttpVersion11
    assert aioweb.HttpVersion11.minor == 1


def test_streamer_is_deprecated_but_works() -> None:
    with pytest.warns(DeprecationWarning, match="streamer"):

        @aioweb.streamer
        async def gen(writer: object) -> None:
            return None

    assert gen is not None


# aiohttp 3.14's web.__all__ (NamedPipeSite included: Windows only, RuntimeError elsewhere),
# plus H2Limits (aioweb's own: the HTTP/2 limits, AppRunner(app, h2_limits=...)).
EXPECTED_WEB = {
    "H2Limits",
    "NamedPipeSite", "PayloadAccessError", "RequestPayloadError",
    "AbstractResource", "AbstractRoute", "AbstractRouteDef", "AppKey", "AppRunner",
    "Application", "BaseRequest", "BaseRunner", "BaseSite", "CleanupError", "ContentCoding",
    "DynamicResource", "FileField", "FileResponse", "StaticResource", "GracefulExit",
    "NotAppKeyWarning", "PlainResource",
    "PrefixedSubAppResource", "Request", "RequestHandler", "RequestKey", "Resource",
    "ResourceRoute", "Response", "ResponseKey", "RouteDef", "RouteTableDef", "Server",
    "ServerRunner", "SockSite", "StaticDef", "StreamResponse", "TCPSite", "UnixSite",
    "UrlDispatcher", "UrlMappingMatchInfo", "View", "WSMsgType", "WebSocketReady",
    "WebSocketResponse", "delete", "get", "head",
    "json_bytes_response", "json_response", "middleware", "normalize_path_middleware",
    "options", "patch", "post", "put", "route", "run_app", "static", "view",
}  # fmt: skip


def test_web_all_is_the_intended_names_plus_all_58_http_exceptions() -> None:
    from aioweb import web

    exceptions = {name for name in web.__all__ if name.startswith("HTTP")}
    assert len(exceptions) == 58
    assert set(web.__all__) - exceptions == EXPECTED_WEB
    for name in exceptions:
        cls = getattr(web, name)
        assert issubclass(cls, web.HTTPException)
