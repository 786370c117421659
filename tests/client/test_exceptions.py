"""Client exceptions: the aiohttp hierarchy users catch, their messages, and pickling."""

from __future__ import annotations

import asyncio
import errno
import pickle
import ssl
from collections.abc import Callable

import pytest
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from aioweb._client import exceptions as exc_mod
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
    UnixClientConnectorError,
    UploadAbortedError,
    WebSocketError,
    WSMessageTypeError,
    WSServerHandshakeError,
)
from aioweb._client.fingerprint import Fingerprint
from aioweb._client.request_info import ConnectionKey, RequestInfo

# The 31 client exception names aiohttp 3.14 exports at top level (API_TARGET.md).
AIOHTTP_NAMES = {
    "ClientError", "ClientResponseError", "ContentTypeError", "WSServerHandshakeError",
    "ClientHttpProxyError", "TooManyRedirects", "ClientConnectionError",
    "ClientConnectionResetError", "ClientOSError", "ClientConnectorError",
    "ClientConnectorDNSError", "ClientProxyConnectionError", "ClientSSLError",
    "ClientConnectorSSLError", "ClientConnectorCertificateError", "ServerConnectionError",
    "ServerDisconnectedError", "ServerTimeoutError", "ConnectionTimeoutError",
    "SocketTimeoutError", "ServerFingerprintMismatch", "ClientPayloadError",
    "UploadAbortedError", "InvalidURL", "InvalidUrlClientError",
    "InvalidUrlRedirectClientError", "NonHttpUrlClientError",
    "NonHttpUrlRedirectClientError", "RedirectClientError", "WebSocketError",
    "WSMessageTypeError",
}  # fmt: skip

PIN = bytes(range(32))


def make_key(
    host: str = "example.com",
    port: int = 443,
    *,
    is_ssl: bool = True,
    ssl_value: ssl.SSLContext | Fingerprint | bool = True,
) -> ConnectionKey:
    return ConnectionKey(host, port, is_ssl, ssl_value, None, None, None)


def make_info(url: str = "http://example.com/missing") -> RequestInfo:
    headers = CIMultiDictProxy(CIMultiDict({"Accept": "*/*"}))
    return RequestInfo(URL(url), "GET", headers, URL(url + "#frag"))


def refused() -> OSError:
    return ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")


def test_all_lists_every_aiohttp_client_exception_name() -> None:
    assert set(exc_mod.__all__) == AIOHTTP_NAMES | {"UnixClientConnectorError"}
    for name in exc_mod.__all__:
        assert isinstance(getattr(exc_mod, name), type)


@pytest.mark.parametrize(
    ("cls", "base"),
    [
        (ServerTimeoutError, asyncio.TimeoutError),
        (ServerTimeoutError, TimeoutError),
        (ConnectionTimeoutError, TimeoutError),
        (SocketTimeoutError, TimeoutError),
        (ConnectionTimeoutError, ClientConnectionError),
        (SocketTimeoutError, ServerConnectionError),
        (ClientConnectionResetError, ConnectionResetError),
        (ClientOSError, OSError),
        (ClientConnectorError, OSError),
        (ClientConnectorDNSError, ClientConnectorError),
        (ClientProxyConnectionError, ClientConnectorError),
        (ClientConnectorSSLError, ssl.SSLError),
        (ClientConnectorSSLError, ClientSSLError),
        (ClientConnectorCertificateError, ssl.CertificateError),
        (ClientConnectorCertificateError, ClientSSLError),
        (ClientSSLError, ClientConnectorError),
        (ServerDisconnectedError, ClientConnectionError),
        (ServerFingerprintMismatch, ServerConnectionError),
        (ClientPayloadError, ClientError),
        (UploadAbortedError, ClientError),
        (ContentTypeError, ClientResponseError),
        (WSServerHandshakeError, ClientResponseError),
        (ClientHttpProxyError, ClientResponseError),
        (TooManyRedirects, ClientResponseError),
        (InvalidURL, ValueError),
        (InvalidUrlClientError, InvalidURL),
        (InvalidUrlRedirectClientError, InvalidUrlClientError),
        (InvalidUrlRedirectClientError, RedirectClientError),
        (NonHttpUrlRedirectClientError, NonHttpUrlClientError),
        (NonHttpUrlRedirectClientError, RedirectClientError),
        (WSMessageTypeError, TypeError),
    ],
)
def test_exception_is_catchable_as_its_documented_base(
    cls: type[BaseException], base: type[BaseException]
) -> None:
    assert issubclass(cls, base)


def test_every_client_exception_except_websocket_ones_is_a_client_error() -> None:
    outside = {
        name for name in exc_mod.__all__ if not issubclass(getattr(exc_mod, name), ClientError)
    }
    assert outside == {"WebSocketError", "WSMessageTypeError"}


def test_connection_timeout_is_caught_by_except_timeouterror() -> None:
    with pytest.raises(TimeoutError):
        raise ConnectionTimeoutError("Connection timeout to host http://example.com")


def test_non_http_url_error_is_not_an_invalid_url_as_in_aiohttp() -> None:
    assert not issubclass(NonHttpUrlClientError, InvalidURL)
    assert not issubclass(NonHttpUrlClientError, ValueError)


def test_connector_error_message_names_host_port_and_default_ssl() -> None:
    err = ClientConnectorError(make_key("example.com", 443), refused())
    assert str(err) == "Cannot connect to host example.com:443 ssl:default [Connection refused]"
    assert err.host == "example.com"
    assert err.port == 443
    assert err.ssl is True
    assert err.errno == errno.ECONNREFUSED
    assert err.strerror == "Connection refused"
    assert isinstance(err.os_error, ConnectionRefusedError)


def test_connector_error_message_shows_disabled_ssl_and_pinned_fingerprint() -> None:
    plain = ClientConnectorError(make_key("h", 80, is_ssl=False, ssl_value=False), refused())
    assert "ssl:False" in str(plain)
    pinned = ClientConnectorError(make_key(ssl_value=Fingerprint(PIN)), refused())
    assert f"ssl:<Fingerprint sha256={PIN.hex()}>" in str(pinned)


def test_connector_error_without_strerror_shows_the_os_error_text() -> None:
    err = ClientConnectorDNSError(make_key("nowhere.invalid", 80), OSError("no such host"))
    assert str(err) == "Cannot connect to host nowhere.invalid:80 ssl:default [no such host]"
    assert err.errno is None


def test_connector_error_repr_shows_key_and_cause() -> None:
    err = ClientConnectorError(make_key(), refused())
    assert repr(err).startswith("ClientConnectorError(ConnectionKey(host='example.com'")
    assert "ConnectionRefusedError" in repr(err)


def test_unix_connector_error_message_names_the_socket_path() -> None:
    err = UnixClientConnectorError("/run/app.sock", make_key("localhost", 80), refused())
    assert (
        str(err) == "Cannot connect to unix socket /run/app.sock ssl:default [Connection refused]"
    )
    assert err.path == "/run/app.sock"


def test_certificate_error_message_names_the_verification_failure() -> None:
    cause = ssl.SSLCertVerificationError(1, "certificate verify failed: self-signed")
    err = ClientConnectorCertificateError(make_key("example.com", 443), cause)
    assert str(err) == (
        f"Cannot connect to host example.com:443 ssl:True [SSLCertVerificationError: {cause}]"
    )
    assert err.certificate_error is cause
    assert err.ssl is True
    with pytest.raises(ssl.CertificateError):
        raise err


def test_certificate_error_accepts_a_non_os_error() -> None:
    err = ClientConnectorCertificateError(make_key(), ValueError("hostname mismatch"))
    assert str(err).endswith("[ValueError: hostname mismatch]")
    assert err.errno is None


def test_ssl_error_is_caught_by_except_ssl_error() -> None:
    with pytest.raises(ssl.SSLError):
        raise ClientConnectorSSLError(make_key(), ssl.SSLError(1, "handshake failure"))


def test_response_error_str_shows_status_message_and_real_url() -> None:
    err = ClientResponseError(make_info(), (), status=404, message="Not Found")
    assert str(err) == "404, message='Not Found', url='http://example.com/missing#frag'"


def test_response_error_without_status_reports_zero_and_no_headers() -> None:
    err = ContentTypeError(make_info(), ())
    assert err.status == 0
    assert err.message == ""
    assert err.headers is None
    assert err.history == ()
    assert repr(err).startswith("ContentTypeError(RequestInfo(")


def test_response_error_repr_shows_status_message_and_headers() -> None:
    headers = CIMultiDict({"Content-Type": "text/html"})
    err = ClientResponseError(make_info(), (), status=500, message="Oops", headers=headers)
    assert repr(err).endswith(
        "(), status=500, message='Oops', headers=<CIMultiDict('Content-Type': 'text/html')>)"
    )


def test_response_error_code_argument_is_deprecated_alias_of_status() -> None:
    with pytest.warns(DeprecationWarning, match="use status instead"):
        err = ClientResponseError(make_info(), (), code=503)
    assert err.status == 503
    with pytest.warns(DeprecationWarning, match="use status instead"):
        assert err.code == 503


def test_response_error_rejects_both_code_and_status() -> None:
    with pytest.raises(ValueError, match="Both code and status"):
        ClientResponseError(make_info(), (), code=500, status=500)


def test_server_disconnected_has_a_default_message() -> None:
    assert str(ServerDisconnectedError()) == "Server disconnected"
    assert ServerDisconnectedError().message == "Server disconnected"
    assert str(ServerDisconnectedError("peer closed mid-body")) == "peer closed mid-body"


def test_fingerprint_mismatch_reports_both_digests_and_the_peer() -> None:
    err = ServerFingerprintMismatch(b"\x01" * 32, b"\x02" * 32, "127.0.0.1", 8443)
    assert err.expected == b"\x01" * 32
    assert err.got == b"\x02" * 32
    assert (err.host, err.port) == ("127.0.0.1", 8443)
    assert "127.0.0.1:8443" in str(err)
    assert "01" * 32 in str(err)
    assert repr(err).startswith("<ServerFingerprintMismatch expected=b'\\x01")


@pytest.mark.parametrize(
    ("error", "text"),
    [
        (InvalidURL("http://[::1"), "http://[::1"),
        (InvalidURL(URL("/relative"), "the URL has no host"), "/relative - the URL has no host"),
        (InvalidUrlRedirectClientError("ftp:", "bad redirect"), "ftp: - bad redirect"),
    ],
)
def test_invalid_url_str_is_url_then_description(error: InvalidURL, text: str) -> None:
    assert str(error) == text


def test_invalid_url_exposes_url_and_description() -> None:
    err = InvalidUrlClientError(URL("http:/nohost"), "the URL has no host")
    assert err.url == URL("http:/nohost")
    assert err.description == "the URL has no host"
    assert InvalidURL("x").description is None


def test_websocket_error_str_is_the_message_and_code_is_kept() -> None:
    err = WebSocketError(1002, "Received frame with non-zero reserved bits")
    assert str(err) == "Received frame with non-zero reserved bits"
    assert err.code == 1002


def test_upload_aborted_reports_bytes_written() -> None:
    err = UploadAbortedError("server closed the connection mid-upload", 4096)
    assert str(err) == "server closed the connection mid-upload"
    assert err.bytes_written == 4096
    assert str(UploadAbortedError()) == "The request body was not fully sent"


# One representative instance per class, built the way the client builds it.
INSTANCES: dict[str, Callable[[], BaseException]] = {
    "ClientError": lambda: ClientError("boom"),
    "ClientResponseError": lambda: ClientResponseError(
        make_info(), (), status=404, message="Not Found", headers=CIMultiDict(A="1")
    ),
    "ContentTypeError": lambda: ContentTypeError(
        make_info(),
        (),
        status=200,
        message="Attempt to decode JSON with unexpected mimetype",
        headers=CIMultiDictProxy(CIMultiDict({"Content-Type": "text/html"})),
    ),
    "WSServerHandshakeError": lambda: WSServerHandshakeError(make_info(), (), status=400),
    "ClientHttpProxyError": lambda: ClientHttpProxyError(make_info(), (), status=407),
    "TooManyRedirects": lambda: TooManyRedirects(make_info(), (), status=302),
    "ClientConnectionError": lambda: ClientConnectionError("Connector is closed."),
    "ClientConnectionResetError": lambda: ClientConnectionResetError("Cannot write"),
    "ClientOSError": lambda: ClientOSError(errno.ECONNRESET, "Connection reset by peer"),
    "ClientConnectorError": lambda: ClientConnectorError(make_key(), refused()),
    "ClientConnectorDNSError": lambda: ClientConnectorDNSError(make_key(), OSError("no host")),
    "ClientProxyConnectionError": lambda: ClientProxyConnectionError(make_key(), refused()),
    "UnixClientConnectorError": lambda: UnixClientConnectorError("/s", make_key(), refused()),
    "ClientSSLError": lambda: ClientSSLError(make_key(), ssl.SSLError(1, "x")),
    "ClientConnectorSSLError": lambda: ClientConnectorSSLError(make_key(), ssl.SSLError(1, "x")),
    "ClientConnectorCertificateError": lambda: ClientConnectorCertificateError(
        make_key(ssl_value=Fingerprint(PIN)), ssl.SSLCertVerificationError(1, "bad cert")
    ),
    "ServerConnectionError": lambda: ServerConnectionError("lost"),
    "ServerDisconnectedError": lambda: ServerDisconnectedError(),
    "ServerTimeoutError": lambda: ServerTimeoutError("Timeout on reading data from socket"),
    "ConnectionTimeoutError": lambda: ConnectionTimeoutError("Connection timeout"),
    "SocketTimeoutError": lambda: SocketTimeoutError("Timeout on reading data from socket"),
    "ServerFingerprintMismatch": lambda: ServerFingerprintMismatch(PIN, b"\0" * 32, "h", 1),
    "ClientPayloadError": lambda: ClientPayloadError("Response payload is not completed"),
    "UploadAbortedError": lambda: UploadAbortedError("server stopped reading", 10),
    "InvalidURL": lambda: InvalidURL("http://[::1", "bad IPv6"),
    "InvalidUrlClientError": lambda: InvalidUrlClientError(URL("http:/x")),
    "InvalidUrlRedirectClientError": lambda: InvalidUrlRedirectClientError("x", "bad"),
    "NonHttpUrlClientError": lambda: NonHttpUrlClientError(URL("ftp://example.com")),
    "NonHttpUrlRedirectClientError": lambda: NonHttpUrlRedirectClientError(URL("ftp://x")),
    "RedirectClientError": lambda: RedirectClientError("redirect without Location"),
    "WebSocketError": lambda: WebSocketError(1009, "Message too big"),
    "WSMessageTypeError": lambda: WSMessageTypeError("Received message 2 is not str"),
}


def test_pickling_table_covers_every_exported_class() -> None:
    assert set(INSTANCES) == set(exc_mod.__all__)


@pytest.mark.parametrize("name", sorted(INSTANCES))
@pytest.mark.parametrize("protocol", [2, pickle.HIGHEST_PROTOCOL])
def test_exception_survives_a_pickle_round_trip(name: str, protocol: int) -> None:
    original = INSTANCES[name]()
    restored = pickle.loads(pickle.dumps(original, protocol=protocol))
    assert type(restored) is type(original)
    assert str(restored) == str(original)
    assert repr(restored) == repr(original)


def test_pickled_response_error_keeps_request_and_response_headers() -> None:
    original = INSTANCES["ContentTypeError"]()
    assert isinstance(original, ClientResponseError)
    restored = pickle.loads(pickle.dumps(original))
    assert restored.request_info == original.request_info
    assert isinstance(restored.request_info.headers, CIMultiDictProxy)
    assert isinstance(restored.headers, CIMultiDictProxy)
    assert restored.headers == original.headers
    assert (restored.status, restored.message) == (200, original.message)


def test_pickled_connector_error_keeps_its_properties() -> None:
    original = ClientConnectorCertificateError(
        make_key("example.com", 8443, ssl_value=Fingerprint(PIN)),
        ssl.SSLCertVerificationError(1, "x"),
    )
    restored = pickle.loads(pickle.dumps(original))
    assert (restored.host, restored.port, restored.ssl) == ("example.com", 8443, True)
    assert isinstance(restored.certificate_error, ssl.SSLCertVerificationError)
    assert restored.errno == 1


def test_pickled_upload_aborted_keeps_bytes_written() -> None:
    restored = pickle.loads(pickle.dumps(UploadAbortedError("stopped", 123)))
    assert restored.bytes_written == 123
    assert str(restored) == "stopped"
