"""BaseRequest / Request: every property, the body and form limits at their edges, clone().

Requests are built directly from a ``RequestHead``, a real ``StreamReader`` the test feeds,
and a tiny fake protocol (``transport``, ``keep_alive()``) over a fake transport that only
answers ``get_extra_info()``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import io
import itertools
import socket
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from multidict import CIMultiDictProxy, MultiDictProxy
from yarl import URL

from aioweb._sansio.events import RequestHead
from aioweb._sansio.limits import MAX_FORM_FIELDS, H1Limits
from aioweb._server import forms
from aioweb._server.app import NotAppKeyWarning
from aioweb._server.etag import ETag
from aioweb._server.exceptions import HTTPBadRequest, HTTPRequestEntityTooLarge
from aioweb._server.request import (
    BaseRequest,
    ChainMapProxy,
    FileField,
    Request,
    RequestKey,
)
from aioweb._server.request_fields import (
    parse_etags,
    parse_forwarded,
    parse_http_date,
    parse_range,
)
from aioweb._shared.http_version import HttpVersion, HttpVersion10, HttpVersion11
from aioweb._shared.multipart import MultipartError
from aioweb._shared.streams import EMPTY_PAYLOAD, StreamReader

# ---------------------------------------------------------------------------- harness


class FakeTransport:
    """Answers ``get_extra_info()`` from a dict, like an asyncio transport."""

    def __init__(self, extra: dict[str, object]) -> None:
        self.extra = extra

    def get_extra_info(self, name: str, default: object = None) -> object:
        return self.extra.get(name, default)


class FakeProtocol:
    """What a request needs of the connection's protocol."""

    def __init__(self, transport: FakeTransport | None, limits: H1Limits | None = None) -> None:
        self.transport = transport
        self.keep_alive_calls: list[bool] = []
        if limits is not None:
            self._limits = limits

    def keep_alive(self, val: bool) -> None:
        self.keep_alive_calls.append(val)


PEER = ("203.0.113.7", 50000)
LOCAL = ("192.0.2.1", 8080)
WRITER = object()
TASK = object()


def make_request(
    method: str = "GET",
    target: str = "/",
    headers: Iterable[tuple[str, str]] = (("Host", "example.com"),),
    body: bytes | None = None,
    *,
    eof: bool = True,
    cls: type[BaseRequest] = BaseRequest,
    extra: dict[str, object] | None = None,
    transport: bool = True,
    limits: H1Limits | None = None,
    version: tuple[int, int] = (1, 1),
    keep_alive: bool = True,
    content_length: int | None = None,
    raw_headers: tuple[tuple[bytes, bytes], ...] | None = None,
    **kwargs: object,
) -> BaseRequest:
    """A request over a fake connection; ``body`` is fed to a real StreamReader."""
    if raw_headers is None:
        raw_headers = tuple((n.encode("latin-1"), v.encode("utf-8")) for n, v in headers)
    if body is None:
        payload: StreamReader = EMPTY_PAYLOAD
    else:
        payload = StreamReader(None, 2**16)
        if body:
            payload.feed_data(body)
        if eof:
            payload.feed_eof()
        if content_length is None and eof:
            content_length = len(body)
    message = RequestHead(
        method,
        target,
        raw_headers,
        http_version=version,
        keep_alive=keep_alive,
        content_length=content_length,
    )
    info = {"peername": PEER, "sockname": LOCAL} if extra is None else extra
    protocol = FakeProtocol(FakeTransport(info) if transport else None, limits)
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    return cls(message, payload, protocol, WRITER, TASK, loop, **kwargs)  # type: ignore[arg-type]  # fakes


def form_request(
    body: bytes,
    content_type: str = "application/x-www-form-urlencoded",
    *,
    eof: bool = True,
    **kwargs: object,
) -> BaseRequest:
    return make_request(
        "POST",
        "/form",
        [("Host", "example.com"), ("Content-Type", content_type)],
        body,
        eof=eof,
        **kwargs,
    )


BOUNDARY = "xYzZY"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def part(
    name: str | None,
    data: bytes,
    *,
    filename: str | None = None,
    content_type: str | None = None,
    extra: Iterable[str] = (),
) -> bytes:
    """One form-data part, delimiter included."""
    disposition = "form-data"
    if name is not None:
        disposition += f'; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    lines = [f"--{BOUNDARY}", f"Content-Disposition: {disposition}"]
    if content_type is not None:
        lines.append(f"Content-Type: {content_type}")
    lines.extend(extra)
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data + b"\r\n"


def multipart_body(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def close_files(form: MultiDictProxy[str | bytes | FileField]) -> None:
    for value in form.values():
        if isinstance(value, FileField):
            value.file.close()


# ---------------------------------------------------------------------------- request line


def test_method_version_and_target_pieces() -> None:
    request = make_request("PATCH", "/a%20b/c?x=1&x=2&y=%C3%A9#frag")
    assert request.method == "PATCH"
    assert request.version == HttpVersion11
    assert request.path == "/a b/c"
    assert request.raw_path == "/a%20b/c?x=1&x=2&y=%C3%A9#frag"
    assert request.path_qs == "/a%20b/c?x=1&x=2&y=%C3%A9"
    assert request.query.getall("x") == ["1", "2"]
    assert request.query["y"] == "é"
    assert request.query_string == "x=1&x=2&y=é"
    assert request.rel_url == URL("/a%20b/c?x=1&x=2&y=%C3%A9#frag", encoded=True)
    assert request.url == URL("http://example.com/a%20b/c?x=1&x=2&y=%C3%A9#frag", encoded=True)


@pytest.mark.parametrize(
    ("raw", "expected"), [((1, 0), HttpVersion10), ((2, 0), HttpVersion(2, 0)), ((1, 2), (1, 2))]
)
def test_version(raw: tuple[int, int], expected: tuple[int, int]) -> None:
    version = make_request(version=raw).version
    assert version == expected
    assert isinstance(version, HttpVersion)


def test_double_slash_path_is_never_an_authority() -> None:
    """``//evil.example/x`` is a path: the host stays the one from Host."""
    request = make_request(target="//evil.example/x?q=1")
    assert request.path == "//evil.example/x"
    assert request.host == "example.com"
    assert request.url.host == "example.com"
    assert request.url.path == "//evil.example/x"
    assert request.path_qs == "//evil.example/x?q=1"


def test_absolute_form_target_supplies_the_host() -> None:
    """RFC 9112 s3.2.2: the target's authority wins over Host."""
    request = make_request(target="http://other.example:8080/p?q=1", headers=[("Host", "x")])
    assert request.host == "other.example:8080"
    assert request.path == "/p"
    assert request.query_string == "q=1"
    assert str(request.url) == "http://other.example:8080/p?q=1"
    assert make_request(target="http://h.example?x=1").path == "/"


def test_asterisk_and_connect_targets() -> None:
    star = make_request("OPTIONS", "*")
    assert star.raw_path == "*"
    assert star.path == "*"
    assert str(star.url) == "http://example.com/*"
    connect = make_request("CONNECT", "proxy.example:443", headers=[])
    assert connect.host == "proxy.example:443"
    assert connect.path == "/"


def test_scheme_secure_and_tls() -> None:
    plain = make_request()
    assert (plain.scheme, plain.secure) == ("http", False)
    tls = make_request(extra={"sslcontext": object(), "peername": PEER})
    assert (tls.scheme, tls.secure) == ("https", True)
    assert tls.url.scheme == "https"
    assert make_request(scheme="https").secure


def test_host_falls_back_to_the_local_address() -> None:
    assert make_request(headers=[]).host == "192.0.2.1:8080"
    assert make_request(headers=[("Host", "")]).host == "192.0.2.1:8080"
    v6 = make_request(headers=[], extra={"sockname": ("::1", 8443, 0, 0)})
    assert v6.host == "[::1]:8443"
    assert v6.url.host == "::1"
    unix = make_request(headers=[], extra={"sockname": "/run/app.sock"})
    assert unix.host == socket.gethostname()
    assert make_request(headers=[], transport=False).host == socket.gethostname()
    assert make_request(host="override.example").host == "override.example"


def test_invalid_host_makes_url_a_400() -> None:
    request = make_request(headers=[("Host", "bad:port:x")])
    assert request.host == "bad:port:x"
    with pytest.raises(HTTPBadRequest):
        _ = request.url


def test_remote() -> None:
    assert make_request().remote == "203.0.113.7"
    assert make_request(extra={"peername": ("2001:db8::1", 1, 0, 0)}).remote == "2001:db8::1"
    assert make_request(extra={"peername": "/tmp/sock"}).remote == "/tmp/sock"
    assert make_request(extra={}).remote is None
    assert make_request(transport=False).remote is None
    assert make_request(remote="10.0.0.1").remote == "10.0.0.1"


def test_repr() -> None:
    assert repr(make_request("GET", "/caf%C3%A9")) == "<BaseRequest GET /caf\\xe9>"
    assert repr(make_request(cls=Request, target="/x")) == "<Request GET /x>"


# ---------------------------------------------------------------------------- headers


def test_headers_are_case_insensitive_and_keep_raw_pairs() -> None:
    raw = ((b"X-Multi", b"1"), (b"x-multi", b"2"), (b"X-Bin", b"\xff\xfe"), (b"Host", b"h"))
    request = make_request(raw_headers=raw)
    assert isinstance(request.headers, CIMultiDictProxy)
    assert request.headers.getall("X-MULTI") == ["1", "2"]
    # Bytes that are not UTF-8 survive as surrogates and encode back exactly.
    assert request.headers["x-bin"].encode("utf-8", "surrogateescape") == b"\xff\xfe"
    assert request.raw_headers is raw


def test_keep_alive_comes_from_the_message() -> None:
    assert make_request().keep_alive is True
    assert make_request(keep_alive=False).keep_alive is False


def test_content_type_charset_and_length() -> None:
    bare = make_request(body=b"")
    assert bare.content_type == "application/octet-stream"
    assert bare.charset is None
    typed = make_request(
        headers=[("Content-Type", 'Text/HTML; Charset="latin-1"'), ("Content-Length", "12")]
    )
    assert typed.content_type == "text/html"
    assert typed.charset == "latin-1"
    assert typed.content_length == 12
    assert make_request(headers=[]).content_length is None
    assert make_request(headers=[("Content-Length", "1x")]).content_length is None
    assert make_request(headers=[("Content-Length", "٣")]).content_length is None
    assert make_request(headers=[("Content-Type", "")]).content_type == ""


# ---------------------------------------------------------------------------- cookies


def test_cookies() -> None:
    request = make_request(
        headers=[("Cookie", 'a=1; b="two words"; junk; c=3'), ("Cookie", "d=4; a=shadowed")]
    )
    assert dict(request.cookies) == {"a": "1", "b": "two words", "c": "3", "d": "4"}
    with pytest.raises(TypeError):
        request.cookies["x"] = "y"  # type: ignore[index]  # read-only on purpose
    assert dict(make_request().cookies) == {}


def test_8kb_of_cookie_pairs_parse_fast() -> None:
    """A Cookie header at the 8190-byte field limit, all of it name=value pairs."""
    pieces: list[str] = []
    while len("; ".join([*pieces, f"c{len(pieces)}=v"])) <= 8190:
        pieces.append(f"c{len(pieces)}=v")
    header = "; ".join(pieces)
    request = make_request(headers=[("Cookie", header)])
    started = time.perf_counter()
    cookies = request.cookies
    assert time.perf_counter() - started < 0.5
    assert len(cookies) == len(pieces) > 700
    assert cookies[f"c{len(pieces) - 1}"] == "v"


# ---------------------------------------------------------------------------- Range


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, slice(None, None, 1)),
        ("bytes=0-499", slice(0, 500, 1)),
        ("bytes=500-", slice(500, None, 1)),
        ("bytes=-500", slice(-500, None, 1)),
        ("BYTES= 7-7 ", slice(7, 8, 1)),
    ],
)
def test_http_range(header: str | None, expected: slice) -> None:
    headers = [] if header is None else [("Range", header)]
    assert make_request(headers=headers).http_range == expected


@pytest.mark.parametrize(
    "header", ["bytes=5-4", "bytes=-", "bytes=0-1,2-3", "items=0-1", "bytes=a-b", "bytes=١-٢"]
)
def test_http_range_malformed(header: str) -> None:
    request = make_request(headers=[("Range", header)])
    with pytest.raises(ValueError, match="Range"):
        _ = request.http_range


# ---------------------------------------------------------------------------- conditionals


def test_if_match_and_if_none_match() -> None:
    request = make_request(headers=[("If-Match", '"a", W/"b" ,, "c"'), ("If-None-Match", "*")])
    assert request.if_match == (ETag("a"), ETag("b", is_weak=True), ETag("c"))
    assert request.if_none_match == (ETag("*"),)
    assert make_request().if_match is None
    assert make_request(headers=[("If-None-Match", "")]).if_none_match is None


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('"a", garbage, "b"', (ETag("a"),)),
        ('"a""b"', ()),
        ("unquoted", ()),
        ('"a", "中"', (ETag("a"),)),
        ('"é"', (ETag("é"),)),
    ],
)
def test_etag_lists_stop_at_the_first_bad_element(header: str, expected: tuple[ETag, ...]) -> None:
    assert parse_etags(header) == expected


def test_conditional_dates() -> None:
    request = make_request(
        headers=[
            ("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"),
            ("If-Unmodified-Since", "Sunday, 06-Nov-94 08:49:37 GMT"),
            ("If-Range", "Sun Nov  6 08:49:37 1994"),
        ]
    )
    moment = datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)
    assert request.if_modified_since == moment
    assert request.if_unmodified_since == moment
    assert request.if_range == moment
    assert make_request().if_modified_since is None
    assert make_request(headers=[("If-Range", '"etag"')]).if_range is None


@pytest.mark.parametrize(
    "value", ["", "yesterday", "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 " + "9" * 500]
)
def test_bad_dates_are_none(value: str) -> None:
    assert parse_http_date(value) is None


def test_date_with_offset_is_converted_to_utc() -> None:
    parsed = parse_http_date("Sun, 06 Nov 1994 10:49:37 +0200")
    assert parsed == datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)


@given(st.text(max_size=80))
def test_date_parser_never_raises(value: str) -> None:
    result = parse_http_date(value)
    assert result is None or result.tzinfo is UTC


# ---------------------------------------------------------------------------- Forwarded


def test_forwarded_rfc7239_examples() -> None:
    request = make_request(
        headers=[
            ("Forwarded", 'for="_gazonk"'),
            ("Forwarded", 'For="[2001:db8:cafe::17]:4711"'),
            ("Forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43"),
            ("Forwarded", "for=192.0.2.43, for=198.51.100.17"),
        ]
    )
    assert [dict(e) for e in request.forwarded] == [
        {"for": "_gazonk"},
        {"for": "[2001:db8:cafe::17]:4711"},
        {"for": "192.0.2.60", "proto": "http", "by": "203.0.113.43"},
        {"for": "192.0.2.43"},
        {"for": "198.51.100.17"},
    ]
    with pytest.raises(TypeError):
        request.forwarded[0]["for"] = "x"  # type: ignore[index]  # read-only on purpose
    assert make_request().forwarded == ()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('for="a\\"b\\\\c"', [{"for": 'a"b\\c'}]),
        ("for=a;;by=b;", [{"for": "a", "by": "b"}]),
        (" for=a , , for=b ", [{"for": "a"}, {"for": "b"}]),
        ("for=a;for=b, for=c", [{"for": "c"}]),
        ("for=a b, for=c", [{"for": "c"}]),
        ("for=, for=c", [{"for": "c"}]),
        ('for="unterminated, for=c', [{"for": "c"}]),
        ("garbage", []),
        ("for=a,by", [{"for": "a"}]),
        ("for=\x00, for=c", [{"for": "c"}]),
    ],
)
def test_forwarded_skips_bad_elements(value: str, expected: list[dict[str, str]]) -> None:
    assert [dict(e) for e in parse_forwarded([value])] == expected


@pytest.mark.parametrize(
    "value",
    [
        "a" * 200_000,
        "for=" + '"' + "x" * 200_000,
        "for=a;" * 40_000,
        'x="\\",' * 40_000,
        "for=" + "," * 200_000,
        " " * 200_000 + "x",
    ],
)
def test_forwarded_is_linear(value: str) -> None:
    started = time.perf_counter()
    parse_forwarded([value])
    assert time.perf_counter() - started < 1.0


@given(st.text(alphabet=st.sampled_from('for=";,\\ \tab'), max_size=60))
def test_forwarded_never_raises(value: str) -> None:
    for element in parse_forwarded([value]):
        assert element


@given(st.text(alphabet=st.sampled_from('W/"a, *\t'), max_size=40))
def test_etags_never_raise(value: str) -> None:
    parse_etags(value)


@given(st.text(alphabet=st.sampled_from("bytes=0123-, "), max_size=30))
def test_range_raises_only_value_error(value: str) -> None:
    try:
        result = parse_range(value)
    except ValueError:
        return
    assert result.step == 1


# ---------------------------------------------------------------------------- connection


def test_connection_accessors() -> None:
    request = make_request(client_max_size=123)
    assert isinstance(request.transport, FakeTransport)
    assert isinstance(request.protocol, FakeProtocol)
    assert request.writer is WRITER
    assert request.task is TASK
    assert request.client_max_size == 123
    assert request.get_extra_info("peername") == PEER
    assert request.get_extra_info("missing", "dflt") == "dflt"
    closed = make_request(transport=False)
    assert closed.transport is None
    assert closed.get_extra_info("peername", "gone") == "gone"


def test_remote_and_scheme_survive_the_connection_closing() -> None:
    request = make_request(extra={"peername": PEER, "sslcontext": object()})
    request.protocol.transport = None
    assert request.remote == "203.0.113.7"
    assert request.scheme == "https"


# ---------------------------------------------------------------------------- storage


def test_typed_storage() -> None:
    count_key = RequestKey("count", int)
    request = make_request()
    assert not len(request)
    assert bool(request)
    request[count_key] = 3
    assert request[count_key] == 3
    assert list(request) == [count_key]
    del request[count_key]
    assert count_key not in request


def test_str_keys_work_but_warn() -> None:
    request = make_request()
    with pytest.warns(NotAppKeyWarning, match="web.RequestKey"):
        request["user"] = "alice"
    assert request["user"] == "alice"


def test_requests_compare_by_identity() -> None:
    a, b = make_request(), make_request()
    assert a == a
    assert a != b
    assert hash(a) == id(a)
    assert len({a, b}) == 2


def test_request_key_repr_and_order() -> None:
    class User:
        pass

    assert repr(RequestKey("n", int)) == "<RequestKey(n, type=int)>"
    assert repr(RequestKey("u", User)).endswith(f"type={User.__module__}.{User.__qualname__})>")
    assert repr(RequestKey[str]("s")) == "<RequestKey(s, type=str)>"
    assert repr(RequestKey("x")) == "<RequestKey(x, type=<<Unknown>>)>"
    optional: object = int | None
    assert repr(RequestKey("o", optional)) == "<RequestKey(o, type=int | None)>"  # type: ignore[arg-type]  # a union is no type
    assert RequestKey("x").name == "x"
    keys = [RequestKey("b"), RequestKey("a")]
    assert [k.name for k in sorted(keys)] == ["a", "b"]
    assert RequestKey("z") < "a"  # typed keys sort before str keys


def test_chain_map_proxy() -> None:
    inner: dict[str, object] = {"a": 1}
    outer: dict[str, object] = {"a": 0, "b": 2}
    chain = ChainMapProxy([inner, outer])
    assert chain["a"] == 1
    assert chain["b"] == 2
    assert chain.get("c") is None
    assert chain.get("c", 5) == 5
    assert list(chain) == ["a", "b"]
    assert len(chain) == 2
    assert "b" in chain
    assert "c" not in chain
    assert bool(chain)
    assert not ChainMapProxy([{}, {}])
    assert repr(chain) == "ChainMapProxy({'a': 1}, {'a': 0, 'b': 2})"
    with pytest.raises(KeyError):
        chain["c"]


# ---------------------------------------------------------------------------- Request


def test_request_needs_routing_first() -> None:
    request = make_request(cls=Request)
    assert isinstance(request, Request)
    with pytest.raises(RuntimeError, match="routed"):
        _ = request.match_info


def test_request_app_and_config_dict() -> None:
    outer: dict[str, object] = {"db": "outer", "only_outer": 1}
    inner: dict[str, object] = {"db": "inner"}
    request = make_request(cls=Request)
    assert isinstance(request, Request)
    match_info = SimpleNamespace(apps=(outer, inner), current_app=inner)
    request._match_info = match_info  # type: ignore[assignment]  # a stand-in
    assert request.match_info is match_info
    assert request.app is inner
    assert request.config_dict["db"] == "inner"
    assert request.config_dict["only_outer"] == 1


# ---------------------------------------------------------------------------- body


async def test_body_accessors() -> None:
    empty = make_request()
    assert empty.content is EMPTY_PAYLOAD
    assert not empty.body_exists
    assert not empty.can_read_body
    assert await empty.read() == b""
    request = make_request("POST", body=b"hello")
    assert request.body_exists
    assert request.can_read_body
    assert await request.read() == b"hello"
    assert await request.read() == b"hello"  # cached
    assert request.body_exists
    assert not request.can_read_body


async def test_read_exactly_client_max_size_passes() -> None:
    request = make_request("POST", body=b"x" * 1000, client_max_size=1000)
    assert len(await request.read()) == 1000


async def test_read_one_byte_over_is_413_while_streaming() -> None:
    """The 413 comes as soon as the bytes pass the limit, before the body ends."""
    request = make_request("POST", body=b"x" * 1001, eof=False, client_max_size=1000)
    with pytest.raises(HTTPRequestEntityTooLarge) as info:
        await asyncio.wait_for(request.read(), 5)
    assert info.value.status == 413
    assert "1000" in (info.value.text or "")
    assert not request.content.is_eof()


async def test_read_declared_length_over_the_limit_fails_at_once() -> None:
    request = make_request("POST", body=b"", eof=False, content_length=10**9, client_max_size=1000)
    with pytest.raises(HTTPRequestEntityTooLarge):
        await asyncio.wait_for(request.read(), 5)


async def test_read_with_no_limit() -> None:
    request = make_request("POST", body=b"y" * 5000, client_max_size=0)
    assert len(await request.read()) == 5000


async def test_read_fed_in_pieces() -> None:
    request = make_request("POST", body=b"", eof=False)
    reading = asyncio.create_task(request.read())
    for piece in (b"ab", b"cd", b"e"):
        request.content.feed_data(piece)
        await asyncio.sleep(0)
    request.content.feed_eof()
    assert await reading == b"abcde"


async def test_text_and_json() -> None:
    latin = make_request(
        "POST", headers=[("Content-Type", "text/plain; charset=latin-1")], body=b"caf\xe9"
    )
    assert await latin.text() == "café"
    utf8 = make_request("POST", body="café".encode())
    assert await utf8.text() == "café"
    data = make_request("POST", body=b'{"a": [1, 2]}')
    assert await data.json() == {"a": [1, 2]}
    custom = make_request("POST", body=b"[1]")
    assert await custom.json(loads=lambda text: ("decoded", text)) == ("decoded", "[1]")
    with pytest.raises(UnicodeDecodeError):
        await make_request("POST", body=b"\xff").text()


async def test_release_drains_the_body() -> None:
    request = make_request("POST", body=b"z" * 300_000)
    await request.release()
    assert request.content.at_eof()
    await make_request().release()


# ---------------------------------------------------------------------------- urlencoded


async def test_post_urlencoded() -> None:
    request = form_request(b"a=1&b=two+words&a=%C3%A9&empty=&flag\r\n")
    form = await request.post()
    assert isinstance(form, MultiDictProxy)
    assert form.getall("a") == ["1", "é"]
    assert form["b"] == "two words"
    assert form["empty"] == ""
    assert form["flag"] == ""
    assert await request.post() is form  # cached


async def test_post_urlencoded_with_charset() -> None:
    request = form_request(b"name=caf%E9", "application/x-www-form-urlencoded; charset=latin-1")
    assert (await request.post())["name"] == "café"


async def test_post_without_a_form_is_empty() -> None:
    assert not await make_request("GET", body=b"a=1").post()
    assert not await form_request(b"a=1", "application/json").post()
    assert not await make_request("POST", body=b"a=1", headers=[]).post()
    assert not await form_request(b"").post()


async def test_post_with_empty_content_type_is_urlencoded() -> None:
    assert (await form_request(b"a=1", "").post())["a"] == "1"


def urlencoded_fields(count: int) -> bytes:
    return "&".join(f"f{i}=v" for i in range(count)).encode()


async def test_post_1000_urlencoded_fields_pass() -> None:
    form = await form_request(urlencoded_fields(MAX_FORM_FIELDS)).post()
    assert len(form) == 1000


async def test_post_1001_urlencoded_fields_is_413() -> None:
    with pytest.raises(HTTPRequestEntityTooLarge) as info:
        await form_request(urlencoded_fields(MAX_FORM_FIELDS + 1)).post()
    assert "Too many form fields" in (info.value.text or "")


async def test_post_25000_field_urlencoded_form_is_413() -> None:
    with pytest.raises(HTTPRequestEntityTooLarge):
        await form_request(urlencoded_fields(25_000)).post()


async def test_empty_pieces_are_not_fields() -> None:
    body = urlencoded_fields(MAX_FORM_FIELDS) + b"&" * 5000
    assert len(await form_request(body).post()) == 1000


async def test_custom_field_limit() -> None:
    assert len(await form_request(b"a=1&b=2", client_max_fields=2).post()) == 2
    with pytest.raises(HTTPRequestEntityTooLarge):
        await form_request(b"a=1&b=2&c=3", client_max_fields=2).post()


async def test_urlencoded_over_client_max_size_is_413() -> None:
    with pytest.raises(HTTPRequestEntityTooLarge):
        await form_request(b"a=" + b"x" * 2000, client_max_size=1000).post()


async def test_urlencoded_bad_charset_is_400() -> None:
    with pytest.raises(HTTPBadRequest):
        await form_request(b"a=\xff", "application/x-www-form-urlencoded; charset=nope").post()
    with pytest.raises(HTTPBadRequest):
        await form_request(b"a=\xff", "application/x-www-form-urlencoded; charset=utf-8").post()


# ---------------------------------------------------------------------------- multipart form


async def test_post_multipart_fields_and_files() -> None:
    body = multipart_body(
        part("title", "café".encode()),
        part("latin", b"caf\xe9", content_type="text/plain; charset=latin-1"),
        part("raw", b"\x00\x01", content_type="application/octet-stream"),
        part("upload", b"file contents\r\n", filename="a.txt", content_type="text/plain"),
        part("blob", b"\x89PNG", filename="../../etc/x.png"),
        part("empty_file_input", b"", filename=""),
    )
    request = form_request(body, MULTIPART)
    form = await request.post()
    try:
        assert form["title"] == "café"
        assert form["latin"] == "café"
        assert form["raw"] == b"\x00\x01"
        assert form["empty_file_input"] == ""
        upload = form["upload"]
        assert isinstance(upload, FileField)
        assert (upload.name, upload.filename, upload.content_type) == (
            "upload",
            "a.txt",
            "text/plain",
        )
        assert upload.file.read() == b"file contents\r\n"
        assert upload.headers["Content-Type"] == "text/plain"
        blob = form["blob"]
        assert isinstance(blob, FileField)
        assert blob.filename == "../../etc/x.png"  # the raw claim; safe_filename() is separate
        assert blob.content_type == "application/octet-stream"
        assert blob.file.read() == b"\x89PNG"
    finally:
        request._finish()
    assert upload.file.closed
    assert blob.file.closed


async def test_charset_field_sets_the_default() -> None:
    body = multipart_body(part("_charset_", b"latin-1"), part("name", b"caf\xe9"))
    form = await form_request(body, MULTIPART).post()
    assert dict(form) == {"name": "café"}


async def test_transfer_encodings_decode_across_chunks() -> None:
    data = bytes(range(256)) * 1200  # ~300 KiB: several read chunks
    encoded = base64.encodebytes(data)  # with line breaks, as MIME writes it
    qp = binascii.b2a_qp(data, quotetabs=True)
    body = multipart_body(
        part("b64", encoded, filename="b.bin", extra=["Content-Transfer-Encoding: base64"]),
        part("qp", qp, filename="q.bin", extra=["Content-Transfer-Encoding: quoted-printable"]),
        part("text", b"aGk=", extra=["Content-Transfer-Encoding: BASE64"]),
    )
    request = form_request(body, MULTIPART, client_max_size=len(data) * 3)
    form = await request.post()
    try:
        b64, quoted = form["b64"], form["qp"]
        assert isinstance(b64, FileField)
        assert isinstance(quoted, FileField)
        assert b64.file.read() == data
        assert quoted.file.read() == data
        assert form["text"] == "hi"
    finally:
        request._finish()


def sized_fields(sizes: Iterable[int]) -> bytes:
    return multipart_body(*(part(f"f{i}", b"a" * size) for i, size in enumerate(sizes)))


async def test_form_exactly_at_client_max_size_passes() -> None:
    form = await form_request(sized_fields([250] * 4), MULTIPART, client_max_size=1000).post()
    assert sum(len(v) for v in form.values() if isinstance(v, str)) == 1000


async def test_form_one_byte_over_client_max_size_is_413() -> None:
    with pytest.raises(HTTPRequestEntityTooLarge) as info:
        await form_request(
            sized_fields([250, 250, 250, 251]), MULTIPART, client_max_size=1000
        ).post()
    assert "1000" in (info.value.text or "")


async def test_budget_is_shared_by_all_fields() -> None:
    """CVE-2025-69228: many fields each below the limit still add up to a 413."""
    with pytest.raises(HTTPRequestEntityTooLarge):
        await form_request(sized_fields([900] * 50), MULTIPART, client_max_size=1000).post()


async def test_file_exactly_at_the_limit_passes_and_one_more_byte_fails() -> None:
    ok = form_request(
        multipart_body(part("f", b"q" * 4096, filename="f")), MULTIPART, client_max_size=4096
    )
    form = await ok.post()
    ok._finish()
    assert isinstance(form["f"], FileField)
    over = form_request(
        multipart_body(part("f", b"q" * 4097, filename="f")), MULTIPART, client_max_size=4096
    )
    with pytest.raises(HTTPRequestEntityTooLarge):
        await over.post()


@pytest.mark.parametrize("filename", [None, "big.bin"])
async def test_large_field_is_refused_while_streaming(filename: str | None) -> None:
    """CVE-2026-34517: the check runs per chunk, not after the field is buffered."""
    head = part("big", b"", filename=filename)[:-2]  # headers only: the body follows
    request = form_request(head + b"x" * 300_000, MULTIPART, eof=False, client_max_size=100_000)
    with pytest.raises(HTTPRequestEntityTooLarge):
        await asyncio.wait_for(request.post(), 5)
    assert not request.content.is_eof()


async def test_files_are_closed_when_the_form_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[io.BufferedIOBase] = []
    original = tempfile.TemporaryFile

    def recording_temporary_file() -> io.BufferedIOBase:
        file = original()
        made.append(file)
        return file

    monkeypatch.setattr(forms.tempfile, "TemporaryFile", recording_temporary_file)
    body = multipart_body(part("a", b"1" * 600, filename="a"), part("b", b"2" * 600, filename="b"))
    with pytest.raises(HTTPRequestEntityTooLarge):
        await form_request(body, MULTIPART, client_max_size=1000).post()
    assert len(made) == 2
    assert all(file.closed for file in made)


def many_parts(count: int) -> bytes:
    return multipart_body(*(part(f"f{i}", b"v") for i in range(count)))


async def test_1000_multipart_fields_pass() -> None:
    form = await form_request(many_parts(MAX_FORM_FIELDS), MULTIPART).post()
    assert len(form) == 1000


async def test_1001_multipart_fields_is_413() -> None:
    with pytest.raises(HTTPRequestEntityTooLarge) as info:
        await form_request(many_parts(MAX_FORM_FIELDS + 1), MULTIPART).post()
    assert "Too many form fields" in (info.value.text or "")


async def test_25000_field_multipart_form_is_413_quickly() -> None:
    request = form_request(many_parts(25_000), MULTIPART)
    started = time.perf_counter()
    with pytest.raises(HTTPRequestEntityTooLarge):
        await request.post()
    assert time.perf_counter() - started < 5


async def test_raw_body_is_capped_too() -> None:
    """A preamble the field budget never sees still cannot run on forever."""
    body = b"p" * 50_000 + multipart_body(part("a", b"1"))
    request = form_request(body, MULTIPART, client_max_size=1000, client_max_fields=1)
    with pytest.raises(HTTPRequestEntityTooLarge):
        await request.post()


async def test_unterminated_multipart_is_400_quickly() -> None:
    """BOD-03: a body that ends inside a part is a 400, not a hang or a 500."""
    body = part("a", b"x" * 500_000)[:-2]
    request = form_request(body, MULTIPART, client_max_size=10**6)
    started = time.perf_counter()
    with pytest.raises(HTTPBadRequest):
        await asyncio.wait_for(request.post(), 5)
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"no boundary anywhere", MULTIPART),
        (b"", MULTIPART),
        (multipart_body(part("a", b"1")), "multipart/form-data"),
        (multipart_body(part("a", b"1")), "multipart/form-data; boundary="),
        (multipart_body(part(None, b"1")), MULTIPART),
        (
            multipart_body(part("a", b"1", extra=["Content-Transfer-Encoding: uuencode"])),
            MULTIPART,
        ),
        (multipart_body(part("a", b"\xff\xfe")), MULTIPART),
        (multipart_body(part("a", b"1", content_type="text/plain; charset=nope")), MULTIPART),
        (
            multipart_body(part("a", b"!!!", extra=["Content-Transfer-Encoding: base64"])),
            MULTIPART,
        ),
        (
            multipart_body(
                part(
                    "nested",
                    b"--in\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--in--\r\n",
                    content_type="multipart/mixed; boundary=in",
                )
            ),
            MULTIPART,
        ),
        (
            (f"--{BOUNDARY}\r\n" + "X-H: v\r\n" * 200 + "\r\n").encode(),
            MULTIPART,
        ),
    ],
    ids=[
        "no-delimiter",
        "empty",
        "no-boundary-param",
        "empty-boundary",
        "no-name",
        "unknown-transfer-encoding",
        "bad-utf8",
        "unknown-charset",
        "bad-base64",
        "nested",
        "too-many-part-headers",
    ],
)
async def test_malformed_multipart_is_400(body: bytes, content_type: str) -> None:
    with pytest.raises(HTTPBadRequest):
        await form_request(body, content_type).post()


async def test_part_header_limits_come_from_the_protocol() -> None:
    body = multipart_body(part("a", b"1", extra=["X-One: 1", "X-Two: 2"]))
    assert (await form_request(body, MULTIPART).post())["a"] == "1"
    strict = form_request(body, MULTIPART, limits=H1Limits(max_headers=2))
    with pytest.raises(HTTPBadRequest):
        await strict.post()


async def test_finish_without_a_form_is_harmless() -> None:
    request = make_request()
    request._finish()
    await form_request(b"a=1").post()


# ---------------------------------------------------------------------------- multipart()


async def test_multipart_reader_streams_parts() -> None:
    body = multipart_body(part("a", b"1"), part("b", b"x" * 200_000, filename="b"))
    request = form_request(body, MULTIPART, client_max_size=10)  # not bounded: streaming
    reader = await request.multipart()
    first = await reader.next()
    assert first is not None
    assert await first.read() == b"1"
    second = await reader.next()
    assert second is not None
    assert len(await second.read()) == 200_000
    assert await reader.next() is None


async def test_multipart_reader_gets_the_protocol_header_limits() -> None:
    body = multipart_body(part("a", b"1", extra=["X-One: 1", "X-Two: 2"]))
    reader = await form_request(body, MULTIPART, limits=H1Limits(max_headers=2)).multipart()
    with pytest.raises(MultipartError):
        await reader.next()


async def test_multipart_on_a_non_multipart_body_is_400() -> None:
    with pytest.raises(HTTPBadRequest):
        await form_request(b"a=1").multipart()


# ---------------------------------------------------------------------------- clone()


def test_clone_replaces_what_it_is_given() -> None:
    key = RequestKey("k", str)
    request = make_request("GET", "/old?x=1", client_max_size=10)
    request[key] = "v"
    clone = request.clone(
        method="POST",
        rel_url="/new?y=2",
        headers={"Host": "new.example", "X-Extra": "é"},
        scheme="https",
        remote="10.1.1.1",
        client_max_size=99,
    )
    assert type(clone) is BaseRequest
    assert clone.method == "POST"
    assert clone.path_qs == "/new?y=2"
    assert clone.headers["X-Extra"] == "é"
    assert (b"X-Extra", "é".encode()) in clone.raw_headers
    assert str(clone.url) == "https://new.example/new?y=2"
    assert clone.remote == "10.1.1.1"
    assert clone.client_max_size == 99
    assert clone[key] == "v"
    clone[key] = "changed"
    assert request[key] == "v"  # storage is copied, not shared
    assert request.method == "GET"
    assert request.path_qs == "/old?x=1"
    assert clone.content is request.content
    assert clone.writer is request.writer


def test_clone_keeps_everything_else_and_earlier_overrides() -> None:
    request = make_request(target="/p", host="first.example", scheme="https")
    clone = request.clone(rel_url=URL("/q"))
    assert clone.host == "first.example"
    assert clone.scheme == "https"
    assert clone.path == "/q"
    assert clone.remote == request.remote
    assert clone.client_max_size == request.client_max_size
    assert clone.clone(host="second.example").host == "second.example"
    assert request.clone(host="h").url.host == "h"


async def test_clone_after_read_is_refused() -> None:
    request = make_request("POST", body=b"data")
    await request.read()
    with pytest.raises(RuntimeError, match="clone"):
        request.clone()


def test_request_clone_keeps_match_info_and_field_limit() -> None:
    request = make_request(cls=Request, client_max_fields=3)
    assert isinstance(request, Request)
    match_info = SimpleNamespace(apps=(), current_app=None)
    request._match_info = match_info  # type: ignore[assignment]  # a stand-in
    clone = request.clone(method="PUT")
    assert isinstance(clone, Request)
    assert clone.match_info is match_info
    assert clone._client_max_fields == 3


# ---------------------------------------------------------------------------- split invariance

SPLIT_DATA = bytes(range(256)) * 4
SPLIT_BODY = multipart_body(
    part("text", "naïve".encode()),
    part(
        "b64",
        base64.encodebytes(SPLIT_DATA),
        filename="b",
        extra=["Content-Transfer-Encoding: base64"],
    ),
    part(
        "qp",
        binascii.b2a_qp(SPLIT_DATA),
        filename="q",
        extra=["Content-Transfer-Encoding: quoted-printable"],
    ),
)


async def post_trickled(cuts: list[int]) -> dict[str, object]:
    """Feed SPLIT_BODY in pieces cut at ``cuts``, one piece per loop turn, and post() it."""
    request = form_request(b"", MULTIPART, eof=False)
    bounds = [0, *sorted(set(cuts)), len(SPLIT_BODY)]

    async def feed() -> None:
        for start, end in itertools.pairwise(bounds):
            request.content.feed_data(SPLIT_BODY[start:end])
            await asyncio.sleep(0)
        request.content.feed_eof()

    feeder = asyncio.create_task(feed())
    form = await request.post()
    await feeder
    result: dict[str, object] = {}
    for name, value in form.items():
        result[name] = value.file.read() if isinstance(value, FileField) else value
    request._finish()
    return result


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=len(SPLIT_BODY) - 1), max_size=12))
def test_form_is_the_same_however_the_body_is_split(cuts: list[int]) -> None:
    result = asyncio.run(post_trickled(cuts))
    assert result == {"text": "naïve", "b64": SPLIT_DATA, "qp": SPLIT_DATA}


async def test_form_fed_one_byte_at_a_time() -> None:
    result = await post_trickled(list(range(1, len(SPLIT_BODY))))
    assert result == {"text": "naïve", "b64": SPLIT_DATA, "qp": SPLIT_DATA}
