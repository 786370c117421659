"""HTTP exceptions: the 58 aiohttp 3.x names, their statuses, bodies and headers."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from yarl import URL

from aioweb._server import exceptions as exc_mod
from aioweb._server.exceptions import (
    HTTPClientError,
    HTTPError,
    HTTPException,
    HTTPFound,
    HTTPMethodNotAllowed,
    HTTPMove,
    HTTPNoContent,
    HTTPNotFound,
    HTTPRedirection,
    HTTPRequestEntityTooLarge,
    HTTPServerError,
    HTTPSuccessful,
    HTTPUnavailableForLegalReasons,
)
from aioweb._server.response import Response

# aiohttp 3.14: every class with its status (the bases have none).
STATUS = {
    "HTTPOk": 200, "HTTPCreated": 201, "HTTPAccepted": 202,
    "HTTPNonAuthoritativeInformation": 203, "HTTPNoContent": 204, "HTTPResetContent": 205,
    "HTTPPartialContent": 206,
    "HTTPMultipleChoices": 300, "HTTPMovedPermanently": 301, "HTTPFound": 302,
    "HTTPSeeOther": 303, "HTTPNotModified": 304, "HTTPUseProxy": 305,
    "HTTPTemporaryRedirect": 307, "HTTPPermanentRedirect": 308,
    "HTTPBadRequest": 400, "HTTPUnauthorized": 401, "HTTPPaymentRequired": 402,
    "HTTPForbidden": 403, "HTTPNotFound": 404, "HTTPMethodNotAllowed": 405,
    "HTTPNotAcceptable": 406, "HTTPProxyAuthenticationRequired": 407,
    "HTTPRequestTimeout": 408, "HTTPConflict": 409, "HTTPGone": 410,
    "HTTPLengthRequired": 411, "HTTPPreconditionFailed": 412,
    "HTTPRequestEntityTooLarge": 413, "HTTPRequestURITooLong": 414,
    "HTTPUnsupportedMediaType": 415, "HTTPRequestRangeNotSatisfiable": 416,
    "HTTPExpectationFailed": 417, "HTTPMisdirectedRequest": 421,
    "HTTPUnprocessableEntity": 422, "HTTPFailedDependency": 424, "HTTPUpgradeRequired": 426,
    "HTTPPreconditionRequired": 428, "HTTPTooManyRequests": 429,
    "HTTPRequestHeaderFieldsTooLarge": 431, "HTTPUnavailableForLegalReasons": 451,
    "HTTPInternalServerError": 500, "HTTPNotImplemented": 501, "HTTPBadGateway": 502,
    "HTTPServiceUnavailable": 503, "HTTPGatewayTimeout": 504, "HTTPVersionNotSupported": 505,
    "HTTPVariantAlsoNegotiates": 506, "HTTPInsufficientStorage": 507, "HTTPNotExtended": 510,
    "HTTPNetworkAuthenticationRequired": 511,
}  # fmt: skip
BASES = {
    "HTTPException", "HTTPError", "HTTPClientError", "HTTPServerError", "HTTPSuccessful",
    "HTTPRedirection", "HTTPMove",
}  # fmt: skip
EMPTY = {204, 205, 304}


def make(name: str) -> HTTPException:
    """Instantiate any status class with whatever positional arguments it needs."""
    cls = getattr(exc_mod, name)
    if issubclass(cls, HTTPMove):
        return cls("/elsewhere")
    if cls is HTTPMethodNotAllowed:
        return cls("GET", {"POST"})
    if cls is HTTPRequestEntityTooLarge:
        return cls(10, 20)
    if cls is HTTPUnavailableForLegalReasons:
        return cls(None)
    return cls()


def test_all_lists_exactly_the_58_aiohttp_names() -> None:
    assert set(exc_mod.__all__) == set(STATUS) | BASES
    assert len(exc_mod.__all__) == len(set(exc_mod.__all__)) == 58


@pytest.mark.parametrize("name", sorted(STATUS))
def test_each_class_answers_its_status_with_the_standard_reason(name: str) -> None:
    exc = make(name)
    code = STATUS[name]
    assert type(exc).status_code == exc.status == code
    assert exc.reason == HTTPStatus(code).phrase
    assert isinstance(exc, Exception)
    assert isinstance(exc, Response)


@pytest.mark.parametrize("name", sorted(STATUS))
def test_each_class_sits_under_the_base_of_its_status_class(name: str) -> None:
    exc = make(name)
    expected = {2: HTTPSuccessful, 3: HTTPRedirection, 4: HTTPClientError, 5: HTTPServerError}
    assert isinstance(exc, expected[exc.status // 100])
    assert isinstance(exc, HTTPError) == (exc.status >= 400)


# 413 states the sizes instead (its own test below).
@pytest.mark.parametrize(
    "name", sorted(n for n, c in STATUS.items() if c not in EMPTY and c != 413)
)
def test_default_body_is_status_and_reason_as_plain_text(name: str) -> None:
    exc = make(name)
    assert exc.text == f"{exc.status}: {exc.reason}"
    assert exc.content_type == "text/plain"
    assert exc.charset == "utf-8"


@pytest.mark.parametrize("code", sorted(EMPTY))
def test_bodyless_statuses_have_no_body_and_no_content_type(code: int) -> None:
    name = next(n for n, c in STATUS.items() if c == code)
    exc = make(name)
    assert exc.body is None
    assert "Content-Type" not in exc.headers


def test_text_reason_headers_and_content_type_are_honoured() -> None:
    exc = HTTPNotFound(
        text="<p>gone</p>", reason="Nope", headers={"X-A": "1"}, content_type="text/html"
    )
    assert exc.text == "<p>gone</p>"
    assert exc.reason == "Nope"
    assert exc.headers["X-A"] == "1"
    assert exc.content_type == "text/html"


def test_body_argument_is_deprecated_but_still_used() -> None:
    with pytest.warns(DeprecationWarning, match="body="):
        exc = HTTPNotFound(body=b"raw")
    assert exc.body == b"raw"


def test_raising_and_catching_gives_reason_as_message() -> None:
    with pytest.raises(HTTPClientError) as info:
        raise HTTPNotFound()
    assert str(info.value) == "Not Found"
    assert info.value.args == ("Not Found",)


def test_the_base_class_cannot_be_instantiated() -> None:
    with pytest.raises(TypeError, match="status code"):
        HTTPException()


def test_a_subclass_with_a_custom_status_works() -> None:
    class HTTPTeapot(HTTPClientError):  # noqa: N818 - aiohttp's naming
        status_code = 418

    exc = HTTPTeapot()
    assert exc.status == 418
    assert exc.text == f"418: {HTTPStatus(418).phrase}"


# ------------------------------------------------------------------ redirects


@pytest.mark.parametrize("location", ["/next", URL("https://example.com/a?b=1")])
def test_redirect_sets_location(location: str | URL) -> None:
    exc = HTTPFound(location)
    assert exc.headers["Location"] == str(location)
    assert exc.location == location


@pytest.mark.parametrize("bad", ["/a\r\nSet-Cookie: x=1", "/a\nb", "/a\rb", "/a\x00b"])
def test_redirect_location_with_cr_lf_or_nul_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        HTTPFound(bad)


def test_redirect_needs_a_location() -> None:
    with pytest.raises(ValueError, match="location"):
        HTTPFound("")


def test_redirect_location_must_be_str_or_url() -> None:
    with pytest.raises(TypeError):
        HTTPFound(b"/bytes")  # type: ignore[arg-type]


# ------------------------------------------------------------------ special cases


def test_method_not_allowed_lists_methods_sorted_in_allow() -> None:
    exc = HTTPMethodNotAllowed("delete", ["PUT", "GET", "POST"])
    assert exc.headers["Allow"] == "GET,POST,PUT"
    assert exc.method == "DELETE"
    assert exc.allowed_methods == {"GET", "POST", "PUT"}


def test_request_entity_too_large_states_both_sizes() -> None:
    exc = HTTPRequestEntityTooLarge(max_size=1024, actual_size=4096)
    assert exc.text == "Maximum request body size 1024 exceeded, actual body size 4096"
    assert (exc.max_size, exc.actual_size) == (1024, 4096)
    assert HTTPRequestEntityTooLarge(1, 2, text="too big").text == "too big"


def test_unavailable_for_legal_reasons_links_the_blocker() -> None:
    exc = HTTPUnavailableForLegalReasons("https://authority.example/order")
    assert exc.headers["Link"] == '<https://authority.example/order>; rel="blocked-by"'
    assert exc.link == URL("https://authority.example/order")
    bare = HTTPUnavailableForLegalReasons(None)
    assert "Link" not in bare.headers
    assert bare.link is None


def test_unavailable_for_legal_reasons_refuses_header_injection() -> None:
    with pytest.raises(ValueError, match="CR, LF or NUL"):
        HTTPUnavailableForLegalReasons("https://a.example/\r\nX: y")


def test_no_content_stays_empty_even_with_headers() -> None:
    exc = HTTPNoContent(headers={"X-Id": "7"})
    assert exc.body is None
    assert exc.headers["X-Id"] == "7"
