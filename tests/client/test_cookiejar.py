"""The client cookie jar: RFC 6265 storage and retrieval, limits, persistence.

Catalogue rows CLI-11 (domain, Secure and host-only rules, CVE-2026-54279), CLI-12 (IP
origins) and CLI-13 (malformed ``Set-Cookie`` floods) have tests named after them.
"""

from __future__ import annotations

import json
import logging
import os
import pickle
from collections.abc import Iterator
from http.cookies import BaseCookie, Morsel, SimpleCookie
from pathlib import Path

import pytest
from yarl import URL

from aioweb._client.cookiejar import (
    MAX_COOKIE_SIZE,
    MAX_COOKIES_PER_DOMAIN,
    MAX_COOKIES_PER_RESPONSE,
    MAX_COOKIES_TOTAL,
    AbstractCookieJar,
    ClearCookiePredicate,
    CookieJar,
    DummyCookieJar,
    LooseCookies,
)

# 2026-01-01T00:00:00Z: far from any edge, and before the dates used below.
T0 = 1767225600.0
HTTPS = URL("https://www.example.com/")
HTTP = URL("http://www.example.com/")


class FakeClockJar(CookieJar):
    """A jar whose clock only moves when the test says so."""

    def __init__(self, *, now: float = T0, **kwargs: bool) -> None:
        super().__init__(**kwargs)
        self.now = now

    def _now(self) -> float:
        return self.now


def sent(jar: AbstractCookieJar, url: str | URL) -> dict[str, str]:
    """What would go in the Cookie header, in order: name -> coded value."""
    return {name: morsel.coded_value for name, morsel in jar.filter_cookies(URL(url)).items()}


def receive(jar: AbstractCookieJar, url: str | URL, *lines: str) -> None:
    jar.update_cookies_from_headers(list(lines), URL(url))


def client_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "aioweb.client"]


# ---------------------------------------------------------------------------- CLI-11


def test_cli11_domain_attribute_that_is_a_public_suffix_is_rejected() -> None:
    jar = CookieJar()
    receive(jar, "https://www.example.co.uk/", "a=1; Domain=co.uk")
    receive(jar, "https://www.example.com/", "b=1; Domain=com")
    receive(jar, "https://alice.github.io/", "c=1; Domain=github.io")
    assert len(jar) == 0
    assert sent(jar, "https://victim.co.uk/") == {}
    assert sent(jar, "https://bob.github.io/") == {}


def test_cli11_public_suffix_domain_equal_to_the_host_becomes_host_only() -> None:
    # RFC 6265 s5.3 step 5: the suffix's own host may set it, but only for itself.
    jar = CookieJar()
    receive(jar, "https://co.uk/", "a=1; Domain=co.uk")
    assert sent(jar, "https://co.uk/") == {"a": "1"}
    assert sent(jar, "https://www.co.uk/") == {}
    assert jar.host_only_cookies == {("co.uk", "/", "a")}


def test_cli11_domain_attribute_not_matching_the_host_is_rejected() -> None:
    jar = CookieJar()
    receive(jar, "https://www.example.com/", "a=1; Domain=other.example")
    receive(jar, "https://www.example.com/", "b=1; Domain=ample.com")  # not on a dot
    receive(jar, "https://example.com/", "c=1; Domain=www.example.com")  # a subdomain
    assert len(jar) == 0
    assert sent(jar, "https://other.example/") == {}


def test_cli11_secure_cookie_set_over_plain_http_is_not_stored() -> None:
    jar = CookieJar()
    receive(jar, HTTP, "sid=1; Secure")
    assert len(jar) == 0
    assert sent(jar, HTTPS) == {}


def test_cli11_secure_cookie_is_sent_over_https_and_wss_only() -> None:
    jar = CookieJar()
    receive(jar, HTTPS, "sid=1; Secure", "plain=2")
    assert sent(jar, HTTP) == {"plain": "2"}
    assert sent(jar, "ws://www.example.com/") == {"plain": "2"}
    assert sent(jar, HTTPS) == {"sid": "1", "plain": "2"}
    assert sent(jar, "wss://www.example.com/") == {"sid": "1", "plain": "2"}


def test_cli11_plain_http_cannot_overwrite_or_delete_a_secure_cookie() -> None:
    # RFC 6265bis s5.7 step 16: "leave secure cookies alone".
    jar = CookieJar()
    receive(jar, HTTPS, "sid=good; Secure; Domain=example.com")
    receive(jar, HTTP, "sid=evil; Domain=example.com")
    receive(jar, HTTP, "sid=evil")
    receive(jar, HTTP, "sid=; Max-Age=0; Domain=example.com")
    assert sent(jar, HTTPS) == {"sid": "good"}
    assert len(jar) == 1


def test_cli11_treat_as_secure_origin_allows_secure_cookies_over_http() -> None:
    jar = CookieJar(treat_as_secure_origin=["http://localhost:8080", URL("http://dev.test")])
    receive(jar, "http://localhost:8080/login", "sid=1; Secure; Path=/")
    receive(jar, "http://dev.test:80/", "other=2; Secure")
    assert sent(jar, "http://localhost:8080/") == {"sid": "1"}
    assert sent(jar, "http://localhost:9090/") == {}
    assert sent(jar, "http://dev.test/") == {"other": "2"}
    assert jar.treat_as_secure_origin == {
        URL("http://localhost:8080"),
        URL("http://dev.test"),
    }


def test_cli11_treat_as_secure_origin_accepts_a_single_string() -> None:
    jar = CookieJar(treat_as_secure_origin="http://localhost:8080/ignored/path")
    receive(jar, "http://localhost:8080/", "sid=1; Secure")
    assert sent(jar, "http://localhost:8080/") == {"sid": "1"}


def test_cli11_host_only_cookie_stays_host_only_after_save_and_load(tmp_path: Path) -> None:
    # CVE-2026-54279: the reloaded cookie must not start going to subdomains.
    jar = CookieJar()
    receive(jar, "https://example.com/", "sid=secret")
    jar.save(tmp_path / "jar.json")
    reloaded = CookieJar()
    reloaded.load(tmp_path / "jar.json")
    assert reloaded.host_only_cookies == {("example.com", "/", "sid")}
    assert sent(reloaded, "https://example.com/") == {"sid": "secret"}
    assert sent(reloaded, "https://evil.example.com/") == {}


def test_cli11_domain_cookie_stays_a_domain_cookie_after_save_and_load(
    tmp_path: Path,
) -> None:
    jar = CookieJar()
    receive(jar, "https://www.example.com/", "pref=1; Domain=example.com")
    jar.save(tmp_path / "jar.json")
    reloaded = CookieJar()
    reloaded.load(tmp_path / "jar.json")
    assert reloaded.host_only_cookies == frozenset()
    assert sent(reloaded, "https://api.example.com/") == {"pref": "1"}


# ---------------------------------------------------------------------------- CLI-12


@pytest.mark.parametrize("origin", ["http://127.0.0.1:8080/", "http://[::1]/", "http://10.0.0.1/"])
def test_cli12_cookies_from_an_ip_address_are_ignored_by_default(origin: str) -> None:
    jar = CookieJar()
    receive(jar, origin, "a=1")
    jar.update_cookies({"b": "2"}, URL(origin))
    assert len(jar) == 0
    assert sent(jar, origin) == {}


def test_cli12_unsafe_jar_stores_ip_cookies_and_sends_them_to_that_ip_only() -> None:
    jar = CookieJar(unsafe=True)
    assert jar.unsafe
    receive(jar, "http://127.0.0.1:8080/", "a=1")
    assert sent(jar, "http://127.0.0.1:9000/") == {"a": "1"}  # cookies ignore ports
    assert sent(jar, "http://127.0.0.2/") == {}


def test_cli12_ip_address_never_domain_matches_by_suffix() -> None:
    jar = CookieJar(unsafe=True)
    receive(jar, "http://10.0.0.1/", "a=1; Domain=0.0.1")
    assert len(jar) == 0


def test_user_given_cookies_without_url_are_sent_to_every_host_including_ips() -> None:
    jar = CookieJar()
    jar.update_cookies({"token": "t"})
    assert sent(jar, "http://127.0.0.1/") == {"token": "t"}
    assert sent(jar, "https://anything.example/deep/path") == {"token": "t"}
    assert jar.cookies.keys() == {("", "/")}


# ---------------------------------------------------------------------------- CLI-13


def test_cli13_ten_thousand_malformed_set_cookie_lines_log_at_most_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Shapes that cost a backtracking parser dearly or logged once per line in aiohttp
    # (CVE-2025-69225, CVE-2025-69230). The pytest timeout is the time budget.
    shapes = [
        "no-equals-sign" + "x" * 200,
        "=value-without-name",
        "bad\x00name=1",
        "a=" + "\t" * 100 + "\x01",
        " " * 300,
        ";" * 300,
        '"' * 301 + "=1",
    ]
    lines = [shapes[index % len(shapes)] for index in range(10_000)]
    jar = CookieJar()
    with caplog.at_level(logging.DEBUG, logger="aioweb.client"):
        receive(jar, HTTPS, *lines)
    assert len(jar) == 0
    records = client_records(caplog)
    assert len(records) == 1
    assert "10000 malformed" in records[0].getMessage()


def test_cli13_good_cookies_among_malformed_lines_are_kept_with_one_record(
    caplog: pytest.LogCaptureFixture,
) -> None:
    jar = CookieJar()
    with caplog.at_level(logging.DEBUG, logger="aioweb.client"):
        receive(jar, HTTPS, "junk", "a=1", "=x", "b=2; Domain=other.example", "c=3")
    assert sent(jar, HTTPS) == {"a": "1", "c": "3"}
    assert len(client_records(caplog)) == 1


def test_cli13_well_formed_cookies_log_nothing(caplog: pytest.LogCaptureFixture) -> None:
    jar = CookieJar()
    with caplog.at_level(logging.DEBUG, logger="aioweb.client"):
        receive(jar, HTTPS, "a=1", "b=2; Path=/x; HttpOnly")
    assert client_records(caplog) == []


def test_cli13_abstract_default_parses_lines_and_logs_at_most_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class RecordingJar(AbstractCookieJar):
        def __init__(self) -> None:
            super().__init__()
            self.received: list[tuple[str, str]] = []

        def __iter__(self) -> Iterator[Morsel[str]]:
            return iter(())

        def __len__(self) -> int:
            return len(self.received)

        @property
        def quote_cookie(self) -> bool:
            return True

        def clear(self, predicate: ClearCookiePredicate | None = None) -> None:
            self.received.clear()

        def clear_domain(self, domain: str) -> None:
            self.received.clear()

        def update_cookies(self, cookies: LooseCookies, response_url: URL = HTTPS) -> None:
            assert not isinstance(cookies, BaseCookie)
            pairs = cookies.items() if isinstance(cookies, dict) else cookies
            for name, value in pairs:
                assert isinstance(value, Morsel)
                self.received.append((name, value.value))

        def filter_cookies(self, request_url: URL) -> BaseCookie[str]:
            return BaseCookie()

    jar = RecordingJar()
    with caplog.at_level(logging.DEBUG, logger="aioweb.client"):
        jar.update_cookies_from_headers(["x"] * 5_000 + ["a=1"], HTTPS)
    assert jar.received == [("a", "1")]
    assert len(client_records(caplog)) == 1


def test_at_most_fifty_cookies_are_read_from_one_response() -> None:
    jar = CookieJar()
    receive(jar, HTTPS, *(f"c{index}=1" for index in range(MAX_COOKIES_PER_RESPONSE + 10)))
    assert len(jar) == MAX_COOKIES_PER_RESPONSE
    assert "c0" in sent(jar, HTTPS)
    assert f"c{MAX_COOKIES_PER_RESPONSE}" not in sent(jar, HTTPS)


# ---------------------------------------------------------------------------- domains


def test_domain_cookie_goes_to_the_domain_and_all_its_subdomains() -> None:
    jar = CookieJar()
    receive(jar, "https://www.example.com/", "a=1; Domain=.Example.COM")
    for url in ("https://example.com/", "https://www.example.com/", "https://a.b.example.com/"):
        assert sent(jar, url) == {"a": "1"}, url
    for url in ("https://notexample.com/", "https://example.org/", "https://com/"):
        assert sent(jar, url) == {}, url
    assert [morsel["domain"] for morsel in jar] == ["example.com"]


def test_host_only_cookie_goes_to_exactly_its_host() -> None:
    jar = CookieJar()
    receive(jar, "https://www.example.com/", "a=1")
    assert sent(jar, "https://www.example.com/") == {"a": "1"}
    assert sent(jar, "https://WWW.EXAMPLE.COM./") == {"a": "1"}
    assert sent(jar, "https://sub.www.example.com/") == {}
    assert sent(jar, "https://example.com/") == {}
    assert jar.host_only_cookies == {("www.example.com", "/", "a")}


def test_domain_attribute_with_trailing_dot_is_ignored_making_a_host_only_cookie() -> None:
    jar = CookieJar()
    receive(jar, "https://www.example.com/", "a=1; Domain=example.com.")
    assert sent(jar, "https://www.example.com/") == {"a": "1"}
    assert sent(jar, "https://api.example.com/") == {}


def test_internationalised_domain_attribute_matches_the_punycode_host() -> None:
    jar = CookieJar()
    morsel = _morsel("a", "1", domain="bücher.example")
    jar.update_cookies({"a": morsel}, URL("https://www.bücher.example/"))
    assert sent(jar, "https://shop.bücher.example/") == {"a": "1"}


def test_host_only_and_domain_cookie_with_one_name_send_the_more_specific() -> None:
    jar = CookieJar()
    receive(jar, "https://www.example.com/", "a=domain; Domain=example.com", "a=host")
    assert len(jar) == 2
    assert sent(jar, "https://www.example.com/") == {"a": "host"}
    assert sent(jar, "https://api.example.com/") == {"a": "domain"}


# ---------------------------------------------------------------------------- paths


def test_default_path_is_the_request_directory() -> None:
    jar = CookieJar()
    receive(jar, "https://example.com/docs/page.html", "a=1")
    receive(jar, "https://example.com/top", "b=1")
    receive(jar, "https://example.com/docs/page", "c=1; Path=relative")
    assert sorted((m.key, m["path"]) for m in jar) == [("a", "/docs"), ("b", "/"), ("c", "/docs")]


@pytest.mark.parametrize(
    ("cookie_path", "request_path", "matches"),
    [
        ("/docs", "/docs", True),
        ("/docs", "/docs/", True),
        ("/docs", "/docs/x/y", True),
        ("/docs", "/docsx", False),
        ("/docs", "/doc", False),
        ("/docs", "/", False),
        ("/docs/", "/docs/x", True),
        ("/docs/", "/docs", False),
        ("/", "/anything", True),
    ],
)
def test_path_match_follows_rfc6265_section_5_1_4(
    cookie_path: str, request_path: str, matches: bool
) -> None:
    jar = CookieJar()
    receive(jar, "https://example.com/", f"a=1; Path={cookie_path}")
    assert (sent(jar, f"https://example.com{request_path}") == {"a": "1"}) is matches


def test_longer_paths_come_first_then_earlier_creation() -> None:
    jar = CookieJar()
    receive(
        jar,
        "https://example.com/",
        "root1=1; Path=/",
        "mid=1; Path=/a",
        "root2=1; Path=/",
        "deep=1; Path=/a/b",
    )
    assert list(sent(jar, "https://example.com/a/b/c")) == ["deep", "mid", "root1", "root2"]


def test_same_name_on_two_paths_sends_the_longer_path() -> None:
    jar = CookieJar()
    receive(jar, "https://example.com/", "a=root; Path=/", "a=deep; Path=/app")
    assert sent(jar, "https://example.com/app/x") == {"a": "deep"}
    assert sent(jar, "https://example.com/other") == {"a": "root"}


# ---------------------------------------------------------------------------- expiry


def test_max_age_expires_with_the_clock() -> None:
    jar = FakeClockJar()
    receive(jar, HTTPS, "a=1; Max-Age=10")
    jar.now = T0 + 9
    assert sent(jar, HTTPS) == {"a": "1"}
    assert len(jar) == 1
    jar.now = T0 + 10
    assert sent(jar, HTTPS) == {}
    assert len(jar) == 0
    assert list(jar) == []


def test_expires_date_expires_with_the_clock() -> None:
    jar = FakeClockJar()
    receive(jar, HTTPS, "a=1; Expires=Thu, 01 Jan 2026 00:01:00 GMT")
    jar.now = T0 + 59
    assert sent(jar, HTTPS) == {"a": "1"}
    jar.now = T0 + 60
    assert sent(jar, HTTPS) == {}


def test_cookie_with_expires_in_the_past_is_not_stored() -> None:
    jar = FakeClockJar()
    receive(jar, HTTPS, "a=1; Expires=Wed, 31 Dec 2025 23:59:59 GMT")
    assert len(jar) == 0


def test_max_age_wins_over_expires() -> None:
    jar = FakeClockJar()
    receive(
        jar,
        HTTPS,
        "kept=1; Expires=Wed, 31 Dec 2025 00:00:00 GMT; Max-Age=100",
        "gone=1; Max-Age=0; Expires=Fri, 01 Jan 2100 00:00:00 GMT",
    )
    assert sent(jar, HTTPS) == {"kept": "1"}
    jar.now = T0 + 100
    assert sent(jar, HTTPS) == {}


def test_max_age_zero_deletes_the_stored_cookie_of_that_identity_only() -> None:
    jar = FakeClockJar()
    receive(jar, "https://example.com/", "a=1; Path=/", "a=2; Path=/x")
    receive(jar, "https://example.com/", "a=; Max-Age=0; Path=/")
    assert [(m.key, m["path"], m.value) for m in jar] == [("a", "/x", "2")]
    receive(jar, "https://example.com/", "a=; Max-Age=-5; Path=/x")
    assert len(jar) == 0


def test_replacing_a_cookie_without_max_age_makes_it_a_session_cookie() -> None:
    # RFC 6265 s5.3 step 11: the new cookie does not inherit the old expiry.
    jar = FakeClockJar()
    receive(jar, HTTPS, "a=1; Max-Age=10")
    receive(jar, HTTPS, "a=2")
    jar.now = T0 + 1000
    assert sent(jar, HTTPS) == {"a": "2"}


def test_refreshing_an_expiring_cookie_many_times_keeps_memory_bounded() -> None:
    # White-box: the expiry heap drops stale deadlines instead of growing per response.
    jar = FakeClockJar()
    for step in range(2_000):
        jar.now = T0 + step
        receive(jar, HTTPS, "a=1; Max-Age=1000000")
    assert len(jar) == 1
    assert len(jar._expiry_heap) < 200


def test_huge_max_age_is_clamped_and_huge_numbers_do_not_crash() -> None:
    jar = FakeClockJar()
    jar.update_cookies({"a": _morsel("a", "1", **{"max-age": "9" * 5000})}, HTTPS)
    receive(jar, HTTPS, "b=1; Max-Age=" + "9" * 40)
    assert sent(jar, HTTPS) == {"a": "1", "b": "1"}


# ---------------------------------------------------------------------------- updating


def test_cookie_from_a_response_overrides_the_stored_one_and_keeps_its_place() -> None:
    jar = CookieJar()
    receive(jar, HTTPS, "a=1", "b=2")
    receive(jar, HTTPS, "a=3; HttpOnly")
    # RFC 6265 s5.3 step 11: the replacement keeps the old creation time, so a stays first.
    assert list(sent(jar, HTTPS).items()) == [("a", "3"), ("b", "2")]
    assert len(jar) == 2
    assert [m["httponly"] for m in jar if m.key == "a"] == [True]


def test_update_cookies_accepts_mapping_pairs_and_simplecookie() -> None:
    jar = CookieJar()
    jar.update_cookies({"a": "1"}, HTTPS)
    jar.update_cookies([("b", "2")], HTTPS)
    jar.update_cookies(SimpleCookie("c=3; Path=/; Secure"), HTTPS)
    assert sent(jar, HTTPS) == {"a": "1", "b": "2", "c": "3"}
    assert sent(jar, HTTP) == {"a": "1", "b": "2"}


def test_update_cookies_does_not_modify_the_callers_morsel() -> None:
    morsel = _morsel("a", "1")
    CookieJar().update_cookies({"a": morsel}, URL("https://example.com/x/y"))
    assert morsel["domain"] == ""
    assert morsel["path"] == ""


def test_update_cookies_refuses_values_that_could_split_the_cookie_header(
    caplog: pytest.LogCaptureFixture,
) -> None:
    jar = CookieJar(quote_cookie=False)
    with caplog.at_level(logging.DEBUG, logger="aioweb.client"):
        jar.update_cookies({"a": "x\r\nInjected: 1", "bad name": "1", "ok": "1"}, HTTPS)
    assert sent(jar, HTTPS) == {"ok": "1"}
    assert len(client_records(caplog)) == 1


def test_oversized_cookie_is_refused() -> None:
    jar = CookieJar()
    receive(jar, HTTPS, "a=" + "x" * MAX_COOKIE_SIZE, "b=" + "x" * (MAX_COOKIE_SIZE - 1))
    assert list(sent(jar, HTTPS)) == ["b"]


def test_samesite_is_stored_and_saved_but_does_not_stop_sending(tmp_path: Path) -> None:
    jar = CookieJar()
    receive(jar, HTTPS, "a=1; SameSite=Strict", "b=2; SameSite=None; Secure")
    assert sent(jar, HTTPS) == {"a": "1", "b": "2"}
    jar.save(tmp_path / "jar.json")
    reloaded = CookieJar()
    reloaded.load(tmp_path / "jar.json")
    assert {m.key: m["samesite"] for m in reloaded} == {"a": "Strict", "b": "None"}


# ---------------------------------------------------------------------------- quoting


def test_quote_cookie_true_quotes_values_that_are_not_tokens() -> None:
    jar = CookieJar()
    assert jar.quote_cookie
    jar.update_cookies({"plain": "abc", "spaced": "a b"}, HTTPS)
    receive(jar, HTTPS, 'server="x y"', 'token="xy"')
    assert sent(jar, HTTPS) == {
        "plain": "abc",
        "spaced": '"a b"',
        "server": '"x y"',
        "token": '"xy"',  # the server's own quoting is kept
    }


def test_quote_cookie_false_sends_plain_values() -> None:
    jar = CookieJar(quote_cookie=False)
    assert not jar.quote_cookie
    jar.update_cookies({"spaced": "a b"}, HTTPS)
    receive(jar, HTTPS, 'server="x y"')
    cookies = jar.filter_cookies(HTTPS)
    assert {name: m.coded_value for name, m in cookies.items()} == {
        "spaced": "a b",
        "server": "x y",
    }
    assert {name: m.value for name, m in cookies.items()} == {"spaced": "a b", "server": "x y"}


# ---------------------------------------------------------------------------- clearing


def test_clear_without_predicate_removes_everything() -> None:
    jar = CookieJar()
    receive(jar, HTTPS, "a=1", "b=2")
    jar.clear()
    assert len(jar) == 0
    assert sent(jar, HTTPS) == {}


def test_clear_with_predicate_removes_only_matching_cookies() -> None:
    jar = CookieJar()
    receive(jar, HTTPS, "a=1", "b=2", "c=3; Domain=example.com")
    jar.clear(lambda morsel: morsel.key in {"a", "c"})
    assert sent(jar, HTTPS) == {"b": "2"}


def test_clear_domain_removes_the_domain_and_its_subdomains() -> None:
    jar = CookieJar()
    receive(jar, "https://example.com/", "a=1")
    receive(jar, "https://www.example.com/", "b=1", "c=1; Domain=example.com")
    receive(jar, "https://notexample.com/", "d=1")
    receive(jar, "https://example.org/", "e=1")
    jar.clear_domain(".Example.com")
    assert sorted(m.key for m in jar) == ["d", "e"]


# ---------------------------------------------------------------------------- limits


def test_per_domain_cap_evicts_the_least_recently_used_cookie() -> None:
    jar = CookieJar()
    for index in range(MAX_COOKIES_PER_DOMAIN):
        jar.update_cookies({f"c{index}": "1"}, HTTPS)
    jar.update_cookies({"c0": "2"}, HTTPS)  # c0 is now the most recently used
    jar.update_cookies({"new": "1"}, HTTPS)
    names = {m.key for m in jar}
    assert len(names) == MAX_COOKIES_PER_DOMAIN
    assert "new" in names
    assert "c0" in names
    assert "c1" not in names


def test_sending_a_cookie_counts_as_using_it() -> None:
    jar = CookieJar()
    receive(jar, HTTPS, "first=1; Path=/special")
    for index in range(MAX_COOKIES_PER_DOMAIN - 1):
        receive(jar, HTTPS, f"c{index}=1; Path=/other")
    assert sent(jar, "https://www.example.com/special") == {"first": "1"}
    receive(jar, HTTPS, "new=1")
    names = {m.key for m in jar}
    assert len(names) == MAX_COOKIES_PER_DOMAIN
    assert "first" in names
    assert "c0" not in names


def test_total_cap_evicts_the_least_recently_used_cookie_of_any_domain() -> None:
    jar = CookieJar()
    per_domain = 150
    domains = MAX_COOKIES_TOTAL // per_domain
    for domain in range(domains):
        url = URL(f"https://d{domain}.example/")
        jar.update_cookies({f"c{index}": "1" for index in range(per_domain)}, url)
    assert len(jar) == MAX_COOKIES_TOTAL
    jar.filter_cookies(URL("https://d0.example/"))  # d0's cookies are now fresh
    jar.update_cookies({"new": "1"}, URL("https://late.example/"))
    assert len(jar) == MAX_COOKIES_TOTAL
    assert sent(jar, "https://late.example/") == {"new": "1"}
    assert len(sent(jar, "https://d0.example/")) == per_domain
    assert len(sent(jar, "https://d1.example/")) == per_domain - 1


def test_expired_cookies_are_evicted_before_live_ones() -> None:
    jar = FakeClockJar()
    for index in range(MAX_COOKIES_PER_DOMAIN - 1):
        jar.update_cookies({f"c{index}": "1"}, HTTPS)
    receive(jar, HTTPS, "short=1; Max-Age=5")  # the most recently used, but expired
    jar.now = T0 + 10
    jar.update_cookies({"new": "1"}, HTTPS)
    assert len(jar) == MAX_COOKIES_PER_DOMAIN
    assert "c0" in sent(jar, HTTPS)
    assert "short" not in sent(jar, HTTPS)


# ---------------------------------------------------------------------------- persistence


def test_save_and_load_keep_every_attribute_and_the_expiry(tmp_path: Path) -> None:
    jar = FakeClockJar()
    receive(
        jar,
        "https://www.example.com/app/page",
        "s=1; Secure; HttpOnly; SameSite=Lax; Max-Age=60",
        "d=2; Domain=example.com; Path=/",
        'q="a b"',
    )
    jar.update_cookies({"shared": "x"})
    path = tmp_path / "jar.json"
    jar.save(path)
    reloaded = FakeClockJar()
    reloaded.load(path)
    stored = {m.key: m for m in reloaded}
    assert stored["s"]["secure"] is True
    assert stored["s"]["httponly"] is True
    assert stored["s"]["samesite"] == "Lax"
    assert stored["s"]["path"] == "/app"
    assert stored["d"]["domain"] == "example.com"
    assert stored["q"].coded_value == '"a b"'
    url = "https://www.example.com/app/x"
    assert sent(reloaded, url) == sent(jar, url)
    assert sent(reloaded, "https://elsewhere.example/") == {"shared": "x"}
    reloaded.now = T0 + 60
    assert "s" not in sent(reloaded, url)


def test_save_writes_json_readable_only_by_the_owner(tmp_path: Path) -> None:
    jar = CookieJar()
    receive(jar, HTTPS, "a=1")
    path = tmp_path / "jar.json"
    jar.save(str(path))
    assert isinstance(json.loads(path.read_text(encoding="utf-8")), dict)
    if os.name == "posix":
        assert path.stat().st_mode & 0o777 == 0o600


def test_load_drops_cookies_that_expired_while_on_disk(tmp_path: Path) -> None:
    jar = FakeClockJar()
    receive(jar, HTTPS, "a=1; Max-Age=10", "b=2")
    jar.save(tmp_path / "jar.json")
    later = FakeClockJar(now=T0 + 11)
    later.load(tmp_path / "jar.json")
    assert sent(later, HTTPS) == {"b": "2"}


def test_load_replaces_the_current_contents(tmp_path: Path) -> None:
    source = CookieJar()
    receive(source, HTTPS, "new=1")
    source.save(tmp_path / "jar.json")
    jar = CookieJar()
    receive(jar, HTTPS, "old=1")
    jar.load(tmp_path / "jar.json")
    assert sent(jar, HTTPS) == {"new": "1"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json at all", "not a JSON cookie file"),
        (b"\xff\xfe\x00garbage", "not a JSON cookie file"),
        (b"[1, 2]", "expected a JSON object"),
        (b'{"no-pipe": {}}', "'domain|path'"),
        (b'{"example.com|/": []}', "must map cookie names"),
        (b'{"example.com|/": {"a": "1"}}', "expected an object"),
        (b'{"example.com|/": {"a": {"key": "a", "value": 1, "coded_value": "1"}}}', "strings"),
        (b'{"example.com|/": {"a": {"key": "b", "value": "1", "coded_value": "1"}}}', "key"),
        (
            b'{"example.com|/": {"a": {"key": "a", "value": "1\\r\\nX: y", "coded_value": "1"}}}',
            "control characters",
        ),
        (
            b'{"example.com|/": {"a": {"key": "a", "value": "1", "coded_value": "1",'
            b' "secure": "yes"}}}',
            "'secure'",
        ),
        (
            b'{"example.com|/": {"a": {"key": "a", "value": "1", "coded_value": "1",'
            b' "expires_timestamp": NaN}}}',
            "finite number",
        ),
        (
            b'{"example.com|/": {"a": {"key": "a", "value": "1", "coded_value": "1",'
            b' "host_only": 1}}}',
            "'host_only'",
        ),
        (
            b'{"example.com|/": {"a": {"key": "a", "value": "1", "coded_value": "1",'
            b' "path": "relative"}}}',
            "path",
        ),
        (b"[" * 100_000, "not a JSON cookie file"),
    ],
)
def test_load_of_a_malformed_file_raises_value_error_and_keeps_the_jar(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "jar.json"
    path.write_bytes(content)
    jar = CookieJar()
    receive(jar, HTTPS, "kept=1")
    with pytest.raises(ValueError, match=r"jar\.json") as info:
        jar.load(path)
    assert message in str(info.value)
    assert sent(jar, HTTPS) == {"kept": "1"}


class _TouchOnUnpickle:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[Path]]:
        return (Path.touch, (self.marker,))


def test_load_never_unpickles_a_pickle_file(tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    path = tmp_path / "jar.pickle"
    path.write_bytes(pickle.dumps(_TouchOnUnpickle(marker)))
    with pytest.raises(ValueError, match="not a JSON cookie file"):
        CookieJar().load(path)
    assert not marker.exists()


def test_load_applies_the_storage_rules_to_saved_cookies(tmp_path: Path) -> None:
    entry = {"key": "a", "value": "1", "coded_value": "1"}
    path = tmp_path / "jar.json"
    path.write_text(
        json.dumps({"co.uk|/": {"a": entry}, "127.0.0.1|/": {"a": entry}}), encoding="utf-8"
    )
    jar = CookieJar()
    jar.load(path)
    # The public suffix can only hold a host-only cookie; the IP cookie needs unsafe=True.
    assert jar.host_only_cookies == {("co.uk", "/", "a")}
    assert sent(jar, "https://victim.co.uk/") == {}
    assert sent(jar, "http://127.0.0.1/") == {}
    unsafe = CookieJar(unsafe=True)
    unsafe.load(path)
    assert sent(unsafe, "http://127.0.0.1/") == {"a": "1"}


# ---------------------------------------------------------------------------- misc


def test_dummy_cookie_jar_accepts_and_stores_nothing() -> None:
    jar = DummyCookieJar()
    jar.update_cookies({"a": "1"}, HTTPS)
    jar.update_cookies_from_headers(["b=2"], HTTPS)
    assert len(jar) == 0
    assert list(jar) == []
    assert jar.filter_cookies(HTTPS) == BaseCookie()
    assert jar.quote_cookie
    assert not jar.unsafe
    assert jar.cookies == {}
    assert jar.host_only_cookies == frozenset()
    jar.clear()
    jar.clear(lambda morsel: True)
    jar.clear_domain("example.com")


def test_abstract_cookie_jar_cannot_be_instantiated_without_its_methods() -> None:
    with pytest.raises(TypeError, match="abstract"):
        AbstractCookieJar()  # type: ignore[abstract]


def test_loop_argument_is_accepted_and_ignored() -> None:
    assert len(CookieJar(loop=None)) == 0
    assert len(DummyCookieJar(loop=None)) == 0


def test_filter_cookies_returns_bare_morsels_in_a_basecookie() -> None:
    jar = CookieJar()
    receive(jar, HTTPS, "a=1; Path=/; HttpOnly; Secure")
    cookies = jar.filter_cookies(HTTPS)
    assert isinstance(cookies, BaseCookie)
    assert cookies["a"]["path"] == ""
    assert cookies["a"]["httponly"] == ""
    assert cookies.output(header="Cookie:") == "Cookie: a=1"


def test_cookies_property_is_a_read_only_view_by_domain_and_path() -> None:
    jar = CookieJar()
    receive(jar, "https://www.example.com/x/y", "a=1")
    assert list(jar.cookies) == [("www.example.com", "/x")]
    assert jar.cookies["www.example.com", "/x"]["a"].value == "1"
    with pytest.raises(TypeError):
        jar.cookies[("x", "/")] = SimpleCookie()  # type: ignore[index]


def _morsel(name: str, value: str, **attributes: str) -> Morsel[str]:
    morsel: Morsel[str] = Morsel()
    morsel.set(name, value, value)
    for attr, attr_value in attributes.items():
        morsel[attr] = attr_value
    return morsel
