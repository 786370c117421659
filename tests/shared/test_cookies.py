"""Cookie parsing and Set-Cookie writing: leniency, strictness, and no log storms."""

from __future__ import annotations

import logging
import string
from datetime import UTC, datetime, timedelta
from http.cookies import Morsel, SimpleCookie

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aioweb._shared.cookies import (
    CookieMorsel,
    format_morsel,
    format_set_cookie,
    parse_cookie_date,
    parse_cookie_header,
    parse_set_cookie,
    quote_cookie_value,
    unquote_cookie_value,
)

TOKEN = string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~:"
C0_AND_DEL = "".join(chr(code) for code in range(0x20)) + "\x7f"

# ---------------------------------------------------------------------------- Cookie header


def test_cookie_header_keeps_order_and_duplicates() -> None:
    """The most specific cookie comes first (RFC 6265 s5.4); both copies reach the app."""
    assert parse_cookie_header("sid=inner; theme=dark; sid=outer") == [
        ("sid", "inner"),
        ("theme", "dark"),
        ("sid", "outer"),
    ]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("a=1;b=2", [("a", "1"), ("b", "2")]),
        ("  a = 1 ;\tb=2  ", [("a", "1"), ("b", "2")]),
        ("token=abc==", [("token", "abc==")]),
        ('q="hello world"', [("q", "hello world")]),
        ('q="say \\"hi\\" \\073 ok"', [("q", 'say "hi" ; ok')]),
        ('half="open', [("half", '"open')]),
        ("empty=", [("empty", "")]),
        ("a[b]=1; x/y=2", [("a[b]", "1"), ("x/y", "2")]),
        ("$Version=1; a=1; $Path=/", [("a", "1")]),
        ("a=1;;; ;b=2;", [("a", "1"), ("b", "2")]),
        ("name=\u00e9t\u00e9", [("name", "\u00e9t\u00e9")]),
    ],
)
def test_cookie_header_tolerates_what_browsers_send(
    header: str, expected: list[tuple[str, str]]
) -> None:
    """Blanks, empty pieces, quoting and non-token names parse as browsers mean them."""
    assert parse_cookie_header(header) == expected


@pytest.mark.parametrize(
    "piece",
    ["flag", "=anonymous", "bad name=1", 'q"uote=1', "ctl=a\x00b", "nl=a\nb", "tab=a\tb", ""],
)
def test_cookie_header_skips_malformed_pairs_and_keeps_the_rest(piece: str) -> None:
    """A bad piece is dropped on its own; its neighbours survive."""
    assert parse_cookie_header(f"before=1; {piece}; after=2") == [("before", "1"), ("after", "2")]


def test_eight_kib_of_pairs_all_parse() -> None:
    """LIM-14: 8 KiB of ``a=1;`` is 2,048 cookies, every one returned."""
    header = "a=1;" * 2048
    assert len(header) == 8192
    assert parse_cookie_header(header) == [("a", "1")] * 2048


@pytest.mark.parametrize(
    "header",
    [
        "a=" + '"' * 100_000,
        "a=" + "\\" * 100_000,
        'a="' + "\\0" * 50_000 + '"',
        "=" * 100_000,
        ";" * 100_000,
        "a" * 100_000,
    ],
    ids=["quotes", "backslashes", "half-escapes", "equals", "semicolons", "one-long-name"],
)
def test_backtracking_shaped_headers_parse_in_one_pass(header: str) -> None:
    """Inputs that make backtracking regexes explode give a plain answer (CVE-2025-69225)."""
    result = parse_cookie_header(header)
    assert len(result) <= 1
    if result:
        assert result[0][0] == "a"


def test_malformed_pairs_do_not_log(caplog: pytest.LogCaptureFixture) -> None:
    """BOD-07: 5,000 malformed pairs produce no log records (CVE-2025-69230 log storm)."""
    caplog.set_level(logging.DEBUG)
    header = "; ".join(["novalue", "=x", "sp ace=1", "c=\x01"] * 1250)
    assert parse_cookie_header(header) == []
    assert caplog.records == []


def test_malformed_set_cookie_lines_do_not_log(caplog: pytest.LogCaptureFixture) -> None:
    """CLI-13: 10,000 garbage Set-Cookie values are all rejected without a log record."""
    caplog.set_level(logging.DEBUG)
    lines = ["", "noequals", "=value", "a=b\x00", "\x7f=1"] * 2000
    assert [parse_set_cookie(line) for line in lines] == [None] * 10_000
    assert caplog.records == []


@settings(max_examples=200)
@given(st.text(max_size=200))
def test_cookie_header_never_raises_and_returns_clean_pairs(header: str) -> None:
    """Arbitrary text parses to pairs whose names are non-empty and carry no CTL."""
    for name, _value in parse_cookie_header(header):
        assert name
        assert not set(name) & set(C0_AND_DEL + ' ",;=\\')


# ---------------------------------------------------------------------------- Set-Cookie parsing


def test_set_cookie_with_every_attribute() -> None:
    """All RFC 6265 attributes plus SameSite and Partitioned land in the morsel."""
    morsel = parse_set_cookie(
        'sid="a b"; Expires=Wed, 09 Jun 2021 10:18:14 GMT; Max-Age=3600; Domain=example.com; '
        "Path=/app; Secure; HttpOnly; SameSite=strict; Partitioned"
    )
    assert isinstance(morsel, Morsel)
    assert (morsel.key, morsel.value, morsel.coded_value) == ("sid", "a b", '"a b"')
    assert morsel["expires"] == "Wed, 09 Jun 2021 10:18:14 GMT"
    assert morsel["max-age"] == "3600"
    assert morsel["domain"] == "example.com"
    assert morsel["path"] == "/app"
    assert morsel["secure"] is True
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Strict"
    assert morsel["partitioned"] is True
    assert morsel.OutputString().endswith("Partitioned; Path=/app; SameSite=Strict; Secure")


def test_set_cookie_minimal_has_no_attributes() -> None:
    """A bare pair yields a morsel whose attributes are all unset."""
    morsel = parse_set_cookie("k=v")
    assert morsel is not None
    assert (morsel.key, morsel.value) == ("k", "v")
    assert morsel.OutputString() == "k=v"


@pytest.mark.parametrize(
    ("attributes", "key", "expected"),
    [
        ("Expires=not a date", "expires", ""),
        ("Expires=Sun, 31 Feb 2021 00:00:00 GMT", "expires", ""),
        ("Max-Age=soon", "max-age", ""),
        ("Max-Age=+5", "max-age", ""),
        ("Max-Age=\u0665", "max-age", ""),  # ARABIC-INDIC DIGIT FIVE is not a digit here
        ("Max-Age=-1", "max-age", "-1"),
        ("Max-Age=007", "max-age", "7"),
        ("Max-Age=" + "9" * 40, "max-age", str(400 * 24 * 3600)),
        ("Max-Age=-" + "9" * 40, "max-age", "0"),
        ("Path=relative", "path", ""),
        ("Domain=", "domain", ""),
        ("SameSite=Sometimes", "samesite", ""),
        ("sAmEsItE=NONE", "samesite", "None"),
        ("SECURE=yes-ignored", "secure", True),
        ("Path=/a; Path=/b", "path", "/b"),
        ("Path=/a; Path=oops", "path", "/a"),
    ],
)
def test_set_cookie_attribute_values_are_checked(
    attributes: str, key: str, expected: str | bool
) -> None:
    """Invalid values are ignored (RFC 6265 s5.2), names are case-insensitive, last wins."""
    morsel = parse_set_cookie(f"k=v; {attributes}")
    assert morsel is not None
    assert morsel[key] == expected


def test_commas_inside_expires_do_not_split_the_cookie() -> None:
    """The weekday comma in Expires belongs to the date; the cookie stays whole."""
    morsel = parse_set_cookie("a=1; Expires=Thu, 01 Jan 2099 00:00:00 GMT, b=2; Path=/")
    assert morsel is not None
    assert morsel.key == "a"
    assert morsel["path"] == "/"
    assert parse_cookie_date(morsel["expires"]) == datetime(2099, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "no-equals-sign",
        "=value-without-name",
        "; Path=/",
        "sp ace=1",
        "a=b\x00c",
        "a=b\r\nSet-Cookie: evil=1",
        "a=b; Path=/\n",
    ],
)
def test_garbage_set_cookie_returns_none(value: str) -> None:
    """No usable name=value pair, or a control character anywhere, rejects the header."""
    assert parse_set_cookie(value) is None


def test_set_cookie_accepts_names_stdlib_refuses() -> None:
    """Browsers store ``a[b]`` and a cookie called ``path``; so must a client."""
    bracket = parse_set_cookie("a[b]=1")
    reserved = parse_set_cookie("path=2; Path=/x")
    assert bracket is not None
    assert bracket.key == "a[b]"
    assert reserved is not None
    assert (reserved.key, reserved.value, reserved["path"]) == ("path", "2", "/x")


# ---------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    "text",
    [
        "Sun, 06 Nov 1994 08:49:37 GMT",  # RFC 1123 / IMF-fixdate
        "Sunday, 06-Nov-94 08:49:37 GMT",  # RFC 850
        "Sun Nov  6 08:49:37 1994",  # asctime
        "Sun, 06-Nov-1994 08:49:37 GMT",  # Netscape
        "6 nov 1994 8:49:37",  # no weekday, lower case, one-digit fields
        "Sun, 06 Nov 1994 08:49:37 UTC+0900",  # zones are ignored by the algorithm
    ],
)
def test_cookie_dates_in_every_server_format(text: str) -> None:
    """RFC 6265 s5.1.1 reads all the historic formats to the same moment."""
    assert parse_cookie_date(text) == datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "year"),
    [("Thu, 01-Jan-70 00:00:00 GMT", 1970), ("Thu, 01-Jan-69 00:00:00 GMT", 2069)],
)
def test_two_digit_years_pivot_at_70(text: str, year: int) -> None:
    """Years 70-99 are 19xx and 00-69 are 20xx."""
    parsed = parse_cookie_date(text)
    assert parsed is not None
    assert parsed.year == year


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Sun, 06 Nov 1994",  # no time
        "Sun, 06 1994 08:49:37 GMT",  # no month
        "Sun, 30 Feb 2021 08:49:37 GMT",  # no such day
        "Sun, 06 Nov 1600 08:49:37 GMT",  # before 1601
        "Sun, 06 Nov 1994 24:00:00 GMT",  # hour out of range
        "Sun, 06 Nov 1994 08:60:00 GMT",  # minute out of range
        "Sun, 06 Nov 1994 123:49:37 GMT",  # three-digit hour
        "Sun, \u0660\u0666 Nov 1994 08:49:37 GMT",  # non-ASCII digits (CVE-2025-69224 class)
    ],
)
def test_invalid_cookie_dates_are_none(text: str) -> None:
    """Missing parts, impossible dates and non-ASCII digits are not dates."""
    assert parse_cookie_date(text) is None


# ---------------------------------------------------------------------------- writing


def test_format_matches_http_cookies_output() -> None:
    """Quoting and attribute order are those of http.cookies, hence of aiohttp."""
    reference = SimpleCookie()
    reference["sid"] = "a b"
    reference["sid"].update(
        {
            "domain": "example.com",
            "expires": "Thu, 01 Jan 1970 00:00:00 GMT",
            "httponly": True,
            "max-age": 10,
            "path": "/",
            "samesite": "Lax",
            "secure": True,
        }
    )
    ours = format_set_cookie(
        "sid",
        "a b",
        domain="example.com",
        expires="Thu, 01 Jan 1970 00:00:00 GMT",
        httponly=True,
        max_age=10,
        samesite="lax",
        secure=True,
    )
    assert ours == reference["sid"].OutputString()


def test_format_defaults_to_root_path_and_quotes_empty_values() -> None:
    """``path="/"`` by default as in aiohttp; an empty value is written ``""``."""
    assert format_set_cookie("gone", "") == 'gone=""; Path=/'
    assert format_set_cookie("k", "v", path=None) == "k=v"


def test_format_writes_datetimes_as_imf_fixdate() -> None:
    """A datetime becomes a GMT date; a naive one is taken as UTC."""
    aware = datetime(2030, 5, 6, 9, 8, 7, tzinfo=UTC) + timedelta(hours=0)
    header = format_set_cookie("k", "v", expires=aware.replace(tzinfo=None), path=None)
    assert header == "k=v; expires=Mon, 06 May 2030 09:08:07 GMT"


@pytest.mark.parametrize("bad", ["\r", "\n", "\x00", ";", "\r\nSet-Cookie: evil=1", "\x7f"])
@pytest.mark.parametrize("field", ["name", "value", "domain", "path", "expires"])
def test_format_refuses_header_splitting_characters(field: str, bad: str) -> None:
    """REL-13: CR, LF, NUL, DEL and ';' anywhere raise before a byte is written."""
    arguments: dict[str, str] = {"name": "k", "value": "v", "domain": "example.com"}
    arguments["path"] = "/"
    arguments["expires"] = "Thu, 01 Jan 2099 00:00:00 GMT"
    arguments[field] = f"x{bad}y"
    with pytest.raises(ValueError, match="cookie"):
        format_set_cookie(
            arguments["name"],
            arguments["value"],
            domain=arguments["domain"],
            path=arguments["path"],
            expires=arguments["expires"],
        )


@pytest.mark.parametrize(
    ("keyword", "value"),
    [
        ("samesite", "Sometimes"),
        ("max_age", "ten"),
        ("max_age", "1.5"),
        ("max_age", True),
        ("domain", ""),
        ("domain", "exa mple.com"),
    ],
)
def test_format_refuses_malformed_attributes(keyword: str, value: str | bool) -> None:
    """Attributes with values browsers would misread are refused with ValueError."""
    with pytest.raises(ValueError, match=keyword.replace("_", "[_-]?")):
        format_set_cookie("k", "v", **{keyword: value})  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["", "a b", "a=b", "a,b", 'a"b', "caf\u00e9", "a[b]"])
def test_format_refuses_non_token_names(name: str) -> None:
    """Names are written only when they are tokens, as http.cookies requires."""
    with pytest.raises(ValueError, match="invalid cookie name"):
        format_set_cookie(name, "v")


def test_format_morsel_applies_the_same_checks() -> None:
    """Cookies placed in ``response.cookies`` directly are validated too."""
    jar = SimpleCookie()
    jar["ok"] = "v"
    jar["ok"]["path"] = "/p"
    jar["ok"]["max-age"] = 5
    assert format_morsel(jar["ok"]) == "ok=v; Max-Age=5; Path=/p"
    jar["evil"] = "v"
    jar["evil"]["path"] = "/\r\nX-Injected: 1"
    with pytest.raises(ValueError, match="control characters"):
        format_morsel(jar["evil"])


def test_format_morsel_integer_expires_counts_from_now() -> None:
    """As in http.cookies, ``morsel["expires"] = 3600`` means one hour from now."""
    jar = SimpleCookie()
    jar["k"] = "v"
    jar["k"]["expires"] = 3600
    header = format_morsel(jar["k"])
    written = parse_cookie_date(header.split("expires=", 1)[1].split(";", 1)[0])
    assert written is not None
    assert abs((written - datetime.now(UTC)) - timedelta(hours=1)) < timedelta(minutes=1)


def test_cookie_morsel_partitioned_survives_copy() -> None:
    """The Partitioned flag can be set by key, is written, and is kept by copy()."""
    morsel = CookieMorsel()
    morsel.set("k", "v", "v")
    morsel["partitioned"] = True
    clone = morsel.copy()
    assert isinstance(clone, CookieMorsel)
    assert clone.OutputString() == "k=v; Partitioned"


@given(st.text(max_size=40))
def test_quoting_matches_http_cookies_and_reverses(value: str) -> None:
    """Our quoting equals SimpleCookie's for any text, and unquoting restores the value."""
    assert quote_cookie_value(value) == SimpleCookie().value_encode(value)[1]
    assert unquote_cookie_value(quote_cookie_value(value)) == value


# ---------------------------------------------------------------------------- round trip

cookie_values = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters=C0_AND_DEL + ";"),
    max_size=30,
)
path_values = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E, exclude_characters=";"),
    max_size=20,
).map(lambda tail: "/" + tail)


@settings(max_examples=300)
@given(
    # "$Path" and friends are legacy RFC 2965 attributes in a Cookie header, not cookies.
    name=st.text(alphabet=TOKEN, min_size=1, max_size=20).filter(
        lambda name: name.lower() not in {"$version", "$path", "$domain", "$port"}
    ),
    value=cookie_values,
    domain=st.none() | st.text(alphabet=string.ascii_lowercase + ".-", min_size=1, max_size=20),
    path=st.none() | path_values,
    max_age=st.none() | st.integers(min_value=-(10**6), max_value=10**12),
    expires=st.none()
    | st.datetimes(min_value=datetime(1601, 1, 1), max_value=datetime(9999, 12, 31)),
    samesite=st.none() | st.sampled_from(["Strict", "lax", "NONE"]),
    secure=st.booleans(),
    httponly=st.booleans(),
    partitioned=st.booleans(),
)
def test_format_then_parse_round_trip(
    name: str,
    value: str,
    domain: str | None,
    path: str | None,
    max_age: int | None,
    expires: datetime | None,
    samesite: str | None,
    secure: bool,
    httponly: bool,
    partitioned: bool,
) -> None:
    """Whatever format_set_cookie writes, parse_set_cookie reads back unchanged."""
    header = format_set_cookie(
        name,
        value,
        domain=domain,
        path=path,
        max_age=max_age,
        expires=expires,
        samesite=samesite,
        secure=secure,
        httponly=httponly,
        partitioned=partitioned,
    )
    morsel = parse_set_cookie(header)
    assert morsel is not None
    assert (morsel.key, morsel.value) == (name, value)
    assert morsel["domain"] == (domain or "")
    assert morsel["path"] == (path or "")
    assert morsel["max-age"] == ("" if max_age is None else str(max_age))
    if expires is None:
        assert morsel["expires"] == ""
    else:
        expected = expires.replace(microsecond=0, tzinfo=UTC)
        assert parse_cookie_date(morsel["expires"]) == expected
    assert morsel["samesite"] == ("" if samesite is None else samesite.capitalize())
    assert bool(morsel["secure"]) is secure
    assert bool(morsel["httponly"]) is httponly
    assert bool(morsel["partitioned"]) is partitioned
    # What the client later sends back in a Cookie header decodes to the same value.
    assert parse_cookie_header(f"{name}={morsel.coded_value}") == [(name, value)]
