"""Proxy settings from the environment (trust_env=True): *_proxy, NO_PROXY and .netrc."""

from __future__ import annotations

import logging
import netrc
from pathlib import Path

import pytest
from yarl import URL

from aioweb._client.auth import BasicAuth
from aioweb._client.proxy_env import (
    ProxyInfo,
    basicauth_from_netrc,
    get_env_proxy_for_url,
    netrc_from_env,
    proxies_from_env,
    should_bypass_proxy,
)

PROXY_VARIABLES = [f"{scheme}_proxy" for scheme in ("http", "https", "ws", "wss", "no", "all")] + [
    "NETRC",
    "REQUEST_METHOD",
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Start every test from an environment without proxies and without a .netrc."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no ~/.netrc of the real user


def write_netrc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    path = tmp_path / "netrc"
    path.write_text(text)
    monkeypatch.setenv("NETRC", str(path))
    return path


# ---------------------------------------------------------------- *_proxy


def test_no_variables_means_no_proxies() -> None:
    assert proxies_from_env() == {}
    with pytest.raises(LookupError, match="no proxy configured"):
        get_env_proxy_for_url(URL("http://example.test/"))


def test_each_scheme_reads_its_own_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("http_proxy", "http://plain.proxy:3128")
    monkeypatch.setenv("https_proxy", "http://tls.proxy:3128")
    monkeypatch.setenv("ws_proxy", "http://ws.proxy:3128")
    monkeypatch.setenv("wss_proxy", "https://wss.proxy:443")
    assert proxies_from_env() == {
        "http": ProxyInfo(URL("http://plain.proxy:3128"), None),
        "https": ProxyInfo(URL("http://tls.proxy:3128"), None),
        "ws": ProxyInfo(URL("http://ws.proxy:3128"), None),
        "wss": ProxyInfo(URL("https://wss.proxy:443"), None),
    }
    assert get_env_proxy_for_url(URL("https://example.test/")) == (
        URL("http://tls.proxy:3128"),
        None,
    )
    assert get_env_proxy_for_url(URL("wss://example.test/")) == (
        URL("https://wss.proxy:443"),
        None,
    )


def test_upper_case_variables_work_and_lower_case_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://upper.proxy:3128")
    assert get_env_proxy_for_url(URL("https://example.test/"))[0] == URL("http://upper.proxy:3128")
    monkeypatch.setenv("https_proxy", "http://lower.proxy:3128")
    assert get_env_proxy_for_url(URL("https://example.test/"))[0] == URL("http://lower.proxy:3128")


def test_an_empty_lower_case_variable_turns_the_upper_case_one_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://upper.proxy:3128")
    monkeypatch.setenv("http_proxy", "")
    assert proxies_from_env() == {}


def test_under_cgi_upper_case_http_proxy_is_ignored_httpoxy(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """CVE-2016-5385: a client's ``Proxy:`` header reaches a CGI script as HTTP_PROXY."""
    monkeypatch.setenv("REQUEST_METHOD", "GET")
    monkeypatch.setenv("HTTP_PROXY", "http://attacker.example:8080")
    assert "http" not in proxies_from_env()
    monkeypatch.setenv("http_proxy", "http://trusted.proxy:3128")
    assert get_env_proxy_for_url(URL("http://example.test/"))[0] == URL(
        "http://trusted.proxy:3128"
    )


def test_a_proxy_without_a_scheme_means_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("http_proxy", "proxy.example:3128")
    assert get_env_proxy_for_url(URL("http://example.test/"))[0] == URL(
        "http://proxy.example:3128"
    )


def test_credentials_in_the_proxy_url_become_proxy_auth(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("http_proxy", "http://user:p%40ss@proxy.example:3128")
    proxy, auth = get_env_proxy_for_url(URL("http://example.test/"))
    assert proxy == URL("http://proxy.example:3128")
    assert proxy.user is None
    assert auth == BasicAuth("user", "p@ss")


def test_an_unproxied_scheme_has_no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("http_proxy", "http://proxy.example:3128")
    monkeypatch.setenv("ftp_proxy", "http://proxy.example:3128")
    with pytest.raises(LookupError):
        get_env_proxy_for_url(URL("ftp://example.test/"))
    with pytest.raises(LookupError):
        get_env_proxy_for_url(URL("https://example.test/"))


@pytest.mark.parametrize("scheme", ["socks5", "socks5h", "socks4", "SOCKS5"])
def test_a_socks_proxy_is_refused_with_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, scheme: str
) -> None:
    monkeypatch.setenv("https_proxy", f"{scheme}://user:secret@127.0.0.1:1080")
    with pytest.raises(ValueError, match="SOCKS proxies are not supported") as raised:
        get_env_proxy_for_url(URL("https://example.test/"))
    assert "third-party" in str(raised.value)
    assert "secret" not in str(raised.value)
    with pytest.raises(ValueError, match="SOCKS"):
        proxies_from_env()


def test_a_socks_proxy_for_another_scheme_does_not_break_this_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("https_proxy", "socks5://127.0.0.1:1080")
    monkeypatch.setenv("http_proxy", "http://proxy.example:3128")
    assert get_env_proxy_for_url(URL("http://example.test/"))[0] == URL(
        "http://proxy.example:3128"
    )


def test_another_proxy_scheme_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("http_proxy", "ftp://proxy.example:21")
    with pytest.raises(ValueError, match=r"only http:// and https://"):
        get_env_proxy_for_url(URL("http://example.test/"))


def test_environment_changes_apply_on_the_next_call(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("http_proxy", "http://first.proxy:3128")
    assert get_env_proxy_for_url(URL("http://example.test/"))[0].host == "first.proxy"
    monkeypatch.setenv("http_proxy", "http://second.proxy:3128")
    assert get_env_proxy_for_url(URL("http://example.test/"))[0].host == "second.proxy"


# ---------------------------------------------------------------- NO_PROXY


@pytest.mark.parametrize(
    ("no_proxy", "url", "bypass"),
    [
        ("*", "http://anything.example/", True),
        ("example.com", "http://example.com/", True),
        ("example.com", "http://api.example.com/", True),
        ("example.com", "http://notexample.com/", False),
        (".example.com", "http://api.example.com/", True),
        (".example.com", "http://example.com/", True),
        ("*.example.com", "http://api.example.com/", True),
        ("EXAMPLE.com", "http://Api.Example.COM/", True),
        ("example.com.", "http://example.com/", True),
        ("example.com", "http://example.com./", True),
        ("other.test, example.com ,", "http://example.com/", True),
        ("other.test", "http://example.com/", False),
        ("example.com:8080", "http://example.com:8080/", True),
        ("example.com:8080", "http://example.com/", False),
        ("example.com:443", "https://example.com/", True),
        ("localhost", "http://localhost:8080/", True),
        ("localhost", "http://127.0.0.1/", False),
        ("127.0.0.1", "http://127.0.0.1:8080/", True),
        ("127.0.0.1:8080", "http://127.0.0.1:8080/", True),
        ("127.0.0.1:8080", "http://127.0.0.1:9090/", False),
        ("10.0.0.0/8", "http://10.20.30.40/", True),
        ("10.0.0.0/8", "http://11.0.0.1/", False),
        ("192.168.1.0/24", "http://192.168.1.77:8080/", True),
        ("::1", "http://[::1]:8080/", True),
        ("[::1]", "http://[::1]/", True),
        ("[::1]:8080", "http://[::1]:8080/", True),
        ("[::1]:8080", "http://[::1]:9090/", False),
        ("fd00::/8", "http://[fd12:3456::1]/", True),
        ("fd00::/8", "http://[2001:db8::1]/", False),
        ("10.0.0.0/8", "http://[::ffff:10.0.0.1]/", False),
        ("10.0.0.0/8", "http://ten.example/", False),
        ("", "http://example.com/", False),
    ],
)
def test_no_proxy_forms(
    monkeypatch: pytest.MonkeyPatch, no_proxy: str, url: str, bypass: bool
) -> None:
    monkeypatch.setenv("NO_PROXY", no_proxy)
    assert should_bypass_proxy(URL(url)) is bypass


def test_no_proxy_makes_get_env_proxy_for_url_raise_lookup_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("http_proxy", "http://proxy.example:3128")
    monkeypatch.setenv("no_proxy", "internal.example")
    with pytest.raises(LookupError, match="NO_PROXY"):
        get_env_proxy_for_url(URL("http://svc.internal.example/"))
    assert get_env_proxy_for_url(URL("http://public.example/"))[0].host == "proxy.example"


def test_lower_case_no_proxy_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "example.com")
    monkeypatch.setenv("no_proxy", "other.test")
    assert should_bypass_proxy(URL("http://example.com/")) is False


# ---------------------------------------------------------------- .netrc


def test_netrc_supplies_proxy_credentials_when_the_url_has_none(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_netrc(tmp_path, monkeypatch, "machine proxy.example login alice password s3cret\n")
    monkeypatch.setenv("http_proxy", "http://proxy.example:3128")
    assert get_env_proxy_for_url(URL("http://example.test/")) == (
        URL("http://proxy.example:3128"),
        BasicAuth("alice", "s3cret"),
    )
    assert proxies_from_env()["http"].proxy_auth == BasicAuth("alice", "s3cret")


def test_credentials_in_the_url_win_over_netrc(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_netrc(tmp_path, monkeypatch, "machine proxy.example login alice password s3cret\n")
    monkeypatch.setenv("http_proxy", "http://bob:pw@proxy.example:3128")
    assert get_env_proxy_for_url(URL("http://example.test/"))[1] == BasicAuth("bob", "pw")


def test_a_proxy_host_without_a_netrc_entry_gets_no_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_netrc(tmp_path, monkeypatch, "machine other.example login alice password s3cret\n")
    monkeypatch.setenv("http_proxy", "http://proxy.example:3128")
    assert get_env_proxy_for_url(URL("http://example.test/"))[1] is None


def test_netrc_default_entry_applies_to_other_hosts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_netrc(
        tmp_path,
        monkeypatch,
        "machine a.example login a password pa\ndefault login anyone password pd\n",
    )
    parsed = netrc_from_env()
    assert basicauth_from_netrc(parsed, "a.example") == BasicAuth("a", "pa")
    assert basicauth_from_netrc(parsed, "b.example") == BasicAuth("anyone", "pd")


def test_netrc_entry_without_a_login_uses_its_account(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_netrc(tmp_path, monkeypatch, "machine a.example account acct password pw\n")
    assert basicauth_from_netrc(netrc_from_env(), "a.example") == BasicAuth("acct", "pw")


def test_basicauth_from_netrc_raises_lookup_error_without_an_entry_or_a_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_netrc(tmp_path, monkeypatch, "machine a.example login a password pa\n")
    with pytest.raises(LookupError, match=r"b\.example"):
        basicauth_from_netrc(netrc_from_env(), "b.example")
    with pytest.raises(LookupError):
        basicauth_from_netrc(None, "a.example")


def test_the_default_netrc_is_read_from_the_home_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".netrc").write_text("machine h.example login u password p\n")
    parsed = netrc_from_env()
    assert isinstance(parsed, netrc.netrc)
    assert basicauth_from_netrc(parsed, "h.example") == BasicAuth("u", "p")


def test_the_windows_spelling_underscore_netrc_is_found_too(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "_netrc").write_text("machine h.example login u password p\n")
    assert basicauth_from_netrc(netrc_from_env(), "h.example") == BasicAuth("u", "p")


def test_no_netrc_file_gives_none() -> None:
    assert netrc_from_env() is None


def test_an_unreadable_netrc_gives_none_and_a_debug_log(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("NETRC", str(tmp_path / "missing" / "netrc"))
    with caplog.at_level(logging.DEBUG, logger="aioweb.client"):
        assert netrc_from_env() is None
    assert [r.levelno for r in caplog.records] == [logging.DEBUG]
    assert "cannot read .netrc" in caplog.text


def test_a_malformed_netrc_gives_none_and_a_warning(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_netrc(tmp_path, monkeypatch, "nonsense a.example\n")
    with caplog.at_level(logging.DEBUG, logger="aioweb.client"):
        assert netrc_from_env() is None
    assert [r.levelno for r in caplog.records] == [logging.WARNING]


# ---------------------------------------------------------------- .netrc for the target host


async def test_trust_env_sends_netrc_credentials_for_the_target_host(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import aioweb
    from aioweb import web
    from serverutil import serve

    write_netrc(tmp_path, monkeypatch, "machine 127.0.0.1 login alice password s3cret\n")

    async def echo_auth(request: web.Request) -> web.Response:
        return web.Response(text=request.headers.get("Authorization", "none"))

    app = web.Application()
    app.router.add_get("/", echo_auth)
    async with serve(app, "tcp") as served:
        async with aioweb.ClientSession(trust_env=True) as session:
            async with session.get(f"{served.url}/") as resp:
                assert await resp.text() == BasicAuth("alice", "s3cret").encode()
            # An explicit header wins, and never raises "cannot combine".
            async with session.get(f"{served.url}/", headers={"Authorization": "Bearer t"}) as r:
                assert await r.text() == "Bearer t"
        async with aioweb.ClientSession() as session:  # trust_env off: .netrc is ignored
            async with session.get(f"{served.url}/") as resp:
                assert await resp.text() == "none"
