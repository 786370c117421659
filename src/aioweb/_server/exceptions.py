"""HTTP exceptions: raise one from a handler to answer with its status.

Each class stands for one status code (RFC 9110 s15) and, as in aiohttp 3.x, is both an
``Exception`` and a :class:`~aioweb.web.Response`: ``raise web.HTTPNotFound()`` answers
``404 Not Found`` with the body ``"404: Not Found"``. The hierarchy groups codes the way
handlers catch them::

    HTTPException
      HTTPSuccessful         2xx
      HTTPRedirection        3xx
        HTTPMove             3xx that carry a Location
      HTTPError
        HTTPClientError      4xx
        HTTPServerError      5xx

Returning an exception instead of raising it still works but is deprecated (aiohttp 4
stops making them responses); raise them.
"""

# The class names are aiohttp's public API, so they keep its spelling (no "Error" suffix).
# ruff: noqa: N818

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import ClassVar

from yarl import URL

from aioweb import hdrs
from aioweb._server.response import LooseHeaders, Response
from aioweb._shared.payloads import Payload

__all__ = [
    "HTTPAccepted",
    "HTTPBadGateway",
    "HTTPBadRequest",
    "HTTPClientError",
    "HTTPConflict",
    "HTTPCreated",
    "HTTPError",
    "HTTPException",
    "HTTPExpectationFailed",
    "HTTPFailedDependency",
    "HTTPForbidden",
    "HTTPFound",
    "HTTPGatewayTimeout",
    "HTTPGone",
    "HTTPInsufficientStorage",
    "HTTPInternalServerError",
    "HTTPLengthRequired",
    "HTTPMethodNotAllowed",
    "HTTPMisdirectedRequest",
    "HTTPMove",
    "HTTPMovedPermanently",
    "HTTPMultipleChoices",
    "HTTPNetworkAuthenticationRequired",
    "HTTPNoContent",
    "HTTPNonAuthoritativeInformation",
    "HTTPNotAcceptable",
    "HTTPNotExtended",
    "HTTPNotFound",
    "HTTPNotImplemented",
    "HTTPNotModified",
    "HTTPOk",
    "HTTPPartialContent",
    "HTTPPaymentRequired",
    "HTTPPermanentRedirect",
    "HTTPPreconditionFailed",
    "HTTPPreconditionRequired",
    "HTTPProxyAuthenticationRequired",
    "HTTPRedirection",
    "HTTPRequestEntityTooLarge",
    "HTTPRequestHeaderFieldsTooLarge",
    "HTTPRequestRangeNotSatisfiable",
    "HTTPRequestTimeout",
    "HTTPRequestURITooLong",
    "HTTPResetContent",
    "HTTPSeeOther",
    "HTTPServerError",
    "HTTPServiceUnavailable",
    "HTTPSuccessful",
    "HTTPTemporaryRedirect",
    "HTTPTooManyRequests",
    "HTTPUnauthorized",
    "HTTPUnavailableForLegalReasons",
    "HTTPUnprocessableEntity",
    "HTTPUnsupportedMediaType",
    "HTTPUpgradeRequired",
    "HTTPUseProxy",
    "HTTPVariantAlsoNegotiates",
    "HTTPVersionNotSupported",
]

_Body = bytes | bytearray | memoryview | Payload | None


def _header_value(name: str, value: str | URL) -> str:
    """Return ``value`` as a header value, refusing what would split or end the header."""
    if not isinstance(value, str | URL):
        raise TypeError(f"{name} must be a str or yarl.URL, got {type(value).__name__}")
    text = str(value)
    # A CR or LF here would let whoever controls the value inject headers or a body
    # (response splitting, CWE-113); NUL is refused by every strict HTTP parser.
    if "\r" in text or "\n" in text or "\x00" in text:
        raise ValueError(f"{name} cannot contain CR, LF or NUL: {text!r}")
    return text


class HTTPException(Response, Exception):
    """Base class of every HTTP exception: a response that can be raised.

    Subclasses set :attr:`status_code`; instantiate those, not this class. The body
    defaults to ``"{status}: {reason}"`` as ``text/plain`` unless the status never has a
    body (:attr:`empty_body`: 204, 205, 304).

    Args:
        headers: Extra header fields.
        reason: The reason phrase; the standard one by default.
        body: Deprecated: the body as bytes; pass ``text`` instead.
        text: The body as text.
        content_type: The media type of the body.

    Raises:
        TypeError: The class has no status code (``HTTPException`` itself).
    """

    #: The status code this class answers with.
    status_code: ClassVar[int] = -1
    #: Whether the status forbids a body (RFC 9110 s15.3.5, s15.4.5).
    empty_body: ClassVar[bool] = False
    #: Marks aiohttp-style HTTP exceptions for duck-typed checks.
    __http_exception__: ClassVar[bool] = True

    def __init__(
        self,
        *,
        headers: LooseHeaders = None,
        reason: str | None = None,
        body: _Body = None,
        text: str | None = None,
        content_type: str | None = None,
    ) -> None:
        if self.status_code < 100:
            raise TypeError(f"{type(self).__name__} has no status code; raise a subclass")
        if body is not None:
            warnings.warn(
                "body= of HTTP exceptions is deprecated, pass text= instead",
                DeprecationWarning,
                stacklevel=2,
            )
        Response.__init__(
            self,
            status=self.status_code,
            headers=headers,
            reason=reason,
            body=body,
            text=text,
            content_type=content_type,
        )
        Exception.__init__(self, self.reason)
        if self.body is None and not self.empty_body:
            self.text = f"{self.status}: {self.reason}"

    def __str__(self) -> str:
        return self.reason


class HTTPError(HTTPException):
    """Base class of the error statuses (4xx and 5xx)."""


class HTTPRedirection(HTTPException):
    """Base class of the redirection statuses (3xx)."""


class HTTPSuccessful(HTTPException):
    """Base class of the success statuses (2xx)."""


class HTTPClientError(HTTPError):
    """Base class of the client error statuses (4xx)."""


class HTTPServerError(HTTPError):
    """Base class of the server error statuses (5xx)."""


# ---------------------------------------------------------------------------------- 2xx


class HTTPOk(HTTPSuccessful):
    """Answer ``200 OK``."""

    status_code = 200


class HTTPCreated(HTTPSuccessful):
    """Answer ``201 Created``."""

    status_code = 201


class HTTPAccepted(HTTPSuccessful):
    """Answer ``202 Accepted``."""

    status_code = 202


class HTTPNonAuthoritativeInformation(HTTPSuccessful):
    """Answer ``203 Non-Authoritative Information``."""

    status_code = 203


class HTTPNoContent(HTTPSuccessful):
    """Answer ``204 No Content`` (never has a body)."""

    status_code = 204
    empty_body = True


class HTTPResetContent(HTTPSuccessful):
    """Answer ``205 Reset Content`` (never has a body)."""

    status_code = 205
    empty_body = True


class HTTPPartialContent(HTTPSuccessful):
    """Answer ``206 Partial Content``."""

    status_code = 206


# ---------------------------------------------------------------------------------- 3xx


class HTTPMove(HTTPRedirection):
    """Base class of the redirections that send the client to ``location``.

    Args:
        location: Where to go: a path or an absolute URL, sent as the ``Location`` header.
        headers: Extra header fields.
        reason: The reason phrase; the standard one by default.
        body: Deprecated: the body as bytes; pass ``text`` instead.
        text: The body as text.
        content_type: The media type of the body.

    Raises:
        TypeError: ``location`` is not a str or URL.
        ValueError: ``location`` is empty or contains CR, LF or NUL.
    """

    def __init__(
        self,
        location: str | URL,
        *,
        headers: LooseHeaders = None,
        reason: str | None = None,
        body: _Body = None,
        text: str | None = None,
        content_type: str | None = None,
    ) -> None:
        value = _header_value("location", location)
        if not value:
            raise ValueError("HTTP redirects need a location to redirect to")
        super().__init__(
            headers=headers, reason=reason, body=body, text=text, content_type=content_type
        )
        self.headers[hdrs.LOCATION] = value
        #: The redirect target as given.
        self.location = location


class HTTPMultipleChoices(HTTPMove):
    """Answer ``300 Multiple Choices`` pointing at the preferred choice."""

    status_code = 300


class HTTPMovedPermanently(HTTPMove):
    """Answer ``301 Moved Permanently`` (clients may turn POST into GET)."""

    status_code = 301


class HTTPFound(HTTPMove):
    """Answer ``302 Found`` (clients may turn POST into GET)."""

    status_code = 302


class HTTPSeeOther(HTTPMove):
    """Answer ``303 See Other``: fetch ``location`` with GET (the usual answer to a POST)."""

    status_code = 303


class HTTPNotModified(HTTPRedirection):
    """Answer ``304 Not Modified`` (never has a body)."""

    status_code = 304
    empty_body = True


class HTTPUseProxy(HTTPMove):
    """Answer ``305 Use Proxy`` (deprecated by RFC 9110 s15.4.6; kept for aiohttp parity)."""

    status_code = 305


class HTTPTemporaryRedirect(HTTPMove):
    """Answer ``307 Temporary Redirect`` (the client keeps the method and body)."""

    status_code = 307


class HTTPPermanentRedirect(HTTPMove):
    """Answer ``308 Permanent Redirect`` (the client keeps the method and body)."""

    status_code = 308


# ---------------------------------------------------------------------------------- 4xx


class HTTPBadRequest(HTTPClientError):
    """Answer ``400 Bad Request``."""

    status_code = 400


class HTTPUnauthorized(HTTPClientError):
    """Answer ``401 Unauthorized`` (add a ``WWW-Authenticate`` header)."""

    status_code = 401


class HTTPPaymentRequired(HTTPClientError):
    """Answer ``402 Payment Required``."""

    status_code = 402


class HTTPForbidden(HTTPClientError):
    """Answer ``403 Forbidden``."""

    status_code = 403


class HTTPNotFound(HTTPClientError):
    """Answer ``404 Not Found``."""

    status_code = 404


class HTTPMethodNotAllowed(HTTPClientError):
    """Answer ``405 Method Not Allowed`` with an ``Allow`` header.

    Args:
        method: The request method that was refused.
        allowed_methods: The methods the resource accepts (listed sorted in ``Allow``).
        headers: Extra header fields.
        reason: The reason phrase; the standard one by default.
        body: Deprecated: the body as bytes; pass ``text`` instead.
        text: The body as text.
        content_type: The media type of the body.
    """

    status_code = 405

    def __init__(
        self,
        method: str,
        allowed_methods: Iterable[str],
        *,
        headers: LooseHeaders = None,
        reason: str | None = None,
        body: _Body = None,
        text: str | None = None,
        content_type: str | None = None,
    ) -> None:
        allowed = set(allowed_methods)
        super().__init__(
            headers=headers, reason=reason, body=body, text=text, content_type=content_type
        )
        # Sorted so that the header is the same on every run (sets have no order); comma
        # without a space is what aiohttp sends and what its users' tests compare against.
        self.headers[hdrs.ALLOW] = _header_value("allowed_methods", ",".join(sorted(allowed)))
        #: The methods the resource accepts.
        self.allowed_methods: set[str] = allowed
        #: The refused request method, upper-cased.
        self.method = method.upper()


class HTTPNotAcceptable(HTTPClientError):
    """Answer ``406 Not Acceptable``."""

    status_code = 406


class HTTPProxyAuthenticationRequired(HTTPClientError):
    """Answer ``407 Proxy Authentication Required``."""

    status_code = 407


class HTTPRequestTimeout(HTTPClientError):
    """Answer ``408 Request Timeout``."""

    status_code = 408


class HTTPConflict(HTTPClientError):
    """Answer ``409 Conflict``."""

    status_code = 409


class HTTPGone(HTTPClientError):
    """Answer ``410 Gone``."""

    status_code = 410


class HTTPLengthRequired(HTTPClientError):
    """Answer ``411 Length Required``."""

    status_code = 411


class HTTPPreconditionFailed(HTTPClientError):
    """Answer ``412 Precondition Failed``."""

    status_code = 412


class HTTPRequestEntityTooLarge(HTTPClientError):
    """Answer ``413 Content Too Large`` naming the limit and the size seen.

    Args:
        max_size: The largest body accepted, in bytes.
        actual_size: The size of the body received (so far), in bytes.
        headers: Extra header fields.
        reason: The reason phrase; the standard one by default.
        body: Deprecated: the body as bytes; pass ``text`` instead.
        text: The body as text; by default it states both sizes.
        content_type: The media type of the body.
    """

    status_code = 413

    def __init__(
        self,
        max_size: float,
        actual_size: float,
        *,
        headers: LooseHeaders = None,
        reason: str | None = None,
        body: _Body = None,
        text: str | None = None,
        content_type: str | None = None,
    ) -> None:
        if text is None and body is None:
            text = f"Maximum request body size {max_size} exceeded, actual body size {actual_size}"
        super().__init__(
            headers=headers, reason=reason, body=body, text=text, content_type=content_type
        )
        #: The largest body accepted, in bytes.
        self.max_size = max_size
        #: The size of the body received, in bytes.
        self.actual_size = actual_size


class HTTPRequestURITooLong(HTTPClientError):
    """Answer ``414 URI Too Long``."""

    status_code = 414


class HTTPUnsupportedMediaType(HTTPClientError):
    """Answer ``415 Unsupported Media Type``."""

    status_code = 415


class HTTPRequestRangeNotSatisfiable(HTTPClientError):
    """Answer ``416 Range Not Satisfiable``."""

    status_code = 416


class HTTPExpectationFailed(HTTPClientError):
    """Answer ``417 Expectation Failed`` (an ``Expect`` value the server does not know)."""

    status_code = 417


class HTTPMisdirectedRequest(HTTPClientError):
    """Answer ``421 Misdirected Request``."""

    status_code = 421


class HTTPUnprocessableEntity(HTTPClientError):
    """Answer ``422 Unprocessable Content``."""

    status_code = 422


class HTTPFailedDependency(HTTPClientError):
    """Answer ``424 Failed Dependency``."""

    status_code = 424


class HTTPUpgradeRequired(HTTPClientError):
    """Answer ``426 Upgrade Required``."""

    status_code = 426


class HTTPPreconditionRequired(HTTPClientError):
    """Answer ``428 Precondition Required``."""

    status_code = 428


class HTTPTooManyRequests(HTTPClientError):
    """Answer ``429 Too Many Requests`` (add a ``Retry-After`` header)."""

    status_code = 429


class HTTPRequestHeaderFieldsTooLarge(HTTPClientError):
    """Answer ``431 Request Header Fields Too Large``."""

    status_code = 431


class HTTPUnavailableForLegalReasons(HTTPClientError):
    """Answer ``451 Unavailable For Legal Reasons``, naming who blocks it (RFC 7725).

    Args:
        link: The URL of the blocking entity, sent as ``Link: <...>; rel="blocked-by"``;
            None sends no ``Link`` header.
        headers: Extra header fields.
        reason: The reason phrase; the standard one by default.
        body: Deprecated: the body as bytes; pass ``text`` instead.
        text: The body as text.
        content_type: The media type of the body.

    Raises:
        ValueError: ``link`` contains CR, LF or NUL.
    """

    status_code = 451

    def __init__(
        self,
        link: str | URL | None,
        *,
        headers: LooseHeaders = None,
        reason: str | None = None,
        body: _Body = None,
        text: str | None = None,
        content_type: str | None = None,
    ) -> None:
        value = _header_value("link", link) if link is not None else ""
        super().__init__(
            headers=headers, reason=reason, body=body, text=text, content_type=content_type
        )
        self._link = URL(value) if value else None
        if self._link is not None:
            self.headers[hdrs.LINK] = f'<{self._link}>; rel="blocked-by"'

    @property
    def link(self) -> URL | None:
        """The URL of the blocking entity, if one was given."""
        return self._link


# ---------------------------------------------------------------------------------- 5xx


class HTTPInternalServerError(HTTPServerError):
    """Answer ``500 Internal Server Error``."""

    status_code = 500


class HTTPNotImplemented(HTTPServerError):
    """Answer ``501 Not Implemented``."""

    status_code = 501


class HTTPBadGateway(HTTPServerError):
    """Answer ``502 Bad Gateway``."""

    status_code = 502


class HTTPServiceUnavailable(HTTPServerError):
    """Answer ``503 Service Unavailable`` (add a ``Retry-After`` header)."""

    status_code = 503


class HTTPGatewayTimeout(HTTPServerError):
    """Answer ``504 Gateway Timeout``."""

    status_code = 504


class HTTPVersionNotSupported(HTTPServerError):
    """Answer ``505 HTTP Version Not Supported``."""

    status_code = 505


class HTTPVariantAlsoNegotiates(HTTPServerError):
    """Answer ``506 Variant Also Negotiates``."""

    status_code = 506


class HTTPInsufficientStorage(HTTPServerError):
    """Answer ``507 Insufficient Storage``."""

    status_code = 507


class HTTPNotExtended(HTTPServerError):
    """Answer ``510 Not Extended``."""

    status_code = 510


class HTTPNetworkAuthenticationRequired(HTTPServerError):
    """Answer ``511 Network Authentication Required``."""

    status_code = 511
