"""Proxy settings and credentials from the environment, for ``ClientSession(trust_env=True)``.

Everything here is a pure function of ``os.environ`` and the files it names, read at call
time, so a change of the environment takes effect on the next request.

- ``<scheme>_proxy`` for ``http``, ``https``, ``ws`` and ``wss`` URLs, lower case first as in
  curl and ``urllib``: a set but empty lower-case variable turns the proxy off even when
  the upper-case one is set. Under CGI (``REQUEST_METHOD`` set) ``HTTP_PROXY`` is ignored
  because a client's ``Proxy:`` request header arrives as that variable ("httpoxy",
  CVE-2016-5385); the lower-case ``http_proxy`` still works.
- Proxies must be ``http://`` or ``https://`` URLs; a value without a scheme means
  ``http://`` (as in curl). SOCKS is refused with a clear error (aiohttp #10147, #12919):
  speaking HTTP to a SOCKS proxy only fails later with a baffling parse error.
- Credentials in the proxy URL become ``proxy_auth``; otherwise ``.netrc`` may supply them.
- ``no_proxy``/``NO_PROXY``: see ``should_bypass_proxy``.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import netrc
import os
from pathlib import Path
from typing import Final, NamedTuple

from yarl import URL

from aioweb._client.auth import BasicAuth

__all__ = [
    "ProxyInfo",
    "basicauth_from_netrc",
    "get_env_proxy_for_url",
    "netrc_from_env",
    "proxies_from_env",
    "should_bypass_proxy",
]

client_logger: Final = logging.getLogger("aioweb.client")

#: URL schemes that may be proxied, each read from ``<scheme>_proxy``.
PROXIED_SCHEMES: Final = ("http", "https", "ws", "wss")
#: Schemes a proxy URL may have; the client speaks HTTP (over TLS for https) to the proxy.
_PROXY_SCHEMES: Final = frozenset({"http", "https"})


class ProxyInfo(NamedTuple):
    """A proxy to use and the credentials to send it.

    Attributes:
        proxy: The proxy URL, without credentials.
        proxy_auth: Credentials for ``Proxy-Authorization``, or ``None``.
    """

    proxy: URL
    proxy_auth: BasicAuth | None


def proxies_from_env() -> dict[str, ProxyInfo]:
    """Return the proxy configured for each URL scheme in the environment.

    Returns:
        A mapping from ``"http"``, ``"https"``, ``"ws"`` and ``"wss"`` (those that are set)
        to the proxy for URLs of that scheme.

    Raises:
        ValueError: A variable names a proxy this client cannot use (SOCKS, or another
            scheme than http/https), or a URL without a host.
    """
    found: dict[str, ProxyInfo] = {}
    netrc_obj: netrc.netrc | None = None
    netrc_read = False
    for scheme in PROXIED_SCHEMES:
        value = _proxy_variable(scheme)
        if value is None:
            continue
        proxy, auth = _parse_proxy(scheme, value)
        if auth is None and proxy.host is not None:
            # Read .netrc once per call, and only if a proxy actually needs credentials.
            if not netrc_read:
                netrc_obj, netrc_read = netrc_from_env(), True
            with contextlib.suppress(LookupError):
                auth = basicauth_from_netrc(netrc_obj, proxy.host)
        found[scheme] = ProxyInfo(proxy, auth)
    return found


def get_env_proxy_for_url(url: URL) -> tuple[URL, BasicAuth | None]:
    """Return the proxy the environment configures for ``url``.

    Only the variable for ``url``'s own scheme is read, so an unusable proxy configured for
    another scheme does not break requests that would never use it.

    Args:
        url: The URL about to be requested.

    Returns:
        The proxy URL (without credentials) and its credentials, or ``None`` for them.

    Raises:
        LookupError: No proxy is configured for the scheme, or ``NO_PROXY`` excludes the host.
        ValueError: The configured proxy cannot be used (SOCKS, another scheme, no host).
    """
    if should_bypass_proxy(url):
        raise LookupError(f"NO_PROXY excludes {url.host!r} from proxying")
    scheme = url.scheme.lower()
    value = _proxy_variable(scheme) if scheme in PROXIED_SCHEMES else None
    if value is None:
        raise LookupError(f"no proxy configured in the environment for {scheme!r} URLs")
    proxy, auth = _parse_proxy(scheme, value)
    if auth is None and proxy.host is not None:
        with contextlib.suppress(LookupError):
            auth = basicauth_from_netrc(netrc_from_env(), proxy.host)
    return proxy, auth


def should_bypass_proxy(url: URL) -> bool:
    """Return whether ``no_proxy``/``NO_PROXY`` says to reach ``url`` directly.

    The variable is a comma-separated list; each entry is one of:

    - ``*``: no host is proxied;
    - a host name, matching itself and every name under it (``example.com`` and
      ``.example.com`` both match ``example.com`` and ``api.example.com``, as in curl
      and ``urllib``; a leading ``*.`` is read the same way);
    - an IP address or a CIDR network (``10.0.0.0/8``, ``fd00::/8``), matching URLs
      whose host is an address inside it; names are never resolved to compare;
    - any of those followed by ``:port`` (IPv6 in brackets: ``[::1]:8080``), matching only
      that port.

    Args:
        url: The URL about to be requested.

    Returns:
        ``True`` when the request must not go through a proxy.
    """
    entries = _env_value("no_proxy")
    host = url.raw_host
    if not entries or not host:
        return False
    host = host.lower().rstrip(".")
    address = _ip_address(host)
    for raw_entry in entries.split(","):
        entry = raw_entry.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        pattern, port = _split_port(entry)
        if port is not None and port != url.port:
            continue
        if address is not None:
            if _address_matches(address, pattern):
                return True
            continue
        pattern = pattern.rstrip(".")
        pattern = pattern.removeprefix("*").lstrip(".")
        if pattern and (host == pattern or host.endswith("." + pattern)):
            return True
    return False


def netrc_from_env() -> netrc.netrc | None:
    """Load the ``.netrc`` file named by ``NETRC``, or the user's ``~/.netrc`` / ``~/_netrc``.

    Returns:
        The parsed file, or ``None`` when there is none or it cannot be read or parsed
        (logged on the ``aioweb.client`` logger).
    """
    explicit = os.environ.get("NETRC")
    if explicit:
        path = Path(explicit).expanduser()
    else:
        try:
            home = Path.home()
        except RuntimeError as exc:
            client_logger.debug("no home directory to look for .netrc in: %s", exc)
            return None
        # ``_netrc`` is the Windows spelling; curl looks for both everywhere.
        candidates = [home / ".netrc", home / "_netrc"]
        path = next((p for p in candidates if p.is_file()), candidates[0])
    try:
        return netrc.netrc(os.fspath(path))
    except netrc.NetrcParseError as exc:
        client_logger.warning("ignoring .netrc file %s: %s", path, exc)
    except OSError as exc:
        client_logger.debug("cannot read .netrc file %s: %s", path, exc)
    return None


def basicauth_from_netrc(netrc_obj: netrc.netrc | None, host: str) -> BasicAuth:
    """Return the credentials ``netrc_obj`` holds for ``host``.

    A ``default`` entry in the file applies to hosts without their own ``machine`` entry.

    Args:
        netrc_obj: A parsed ``.netrc`` file, e.g. from ``netrc_from_env()``.
        host: The host name to look up.

    Returns:
        The entry's login (or account, when the login is empty) and password.

    Raises:
        LookupError: ``netrc_obj`` is ``None`` or has no entry for ``host``.
    """
    if netrc_obj is None:
        raise LookupError("no .netrc file")
    entry = netrc_obj.authenticators(host)
    if entry is None:
        raise LookupError(f"no .netrc entry for {host!r}")
    login, account, password = entry
    return BasicAuth(login or account or "", password or "")


def _env_value(name: str) -> str | None:
    # Lower case wins, and an empty lower-case value switches the setting off.
    lower = os.environ.get(name.lower())
    if lower is not None:
        return lower.strip() or None
    upper = os.environ.get(name.upper())
    return (upper.strip() or None) if upper is not None else None


def _proxy_variable(scheme: str) -> str | None:
    name = f"{scheme}_proxy"
    if scheme == "http" and "REQUEST_METHOD" in os.environ:
        # httpoxy: under CGI, HTTP_PROXY may come from the client's "Proxy:" header.
        lower = os.environ.get(name)
        return (lower.strip() or None) if lower is not None else None
    return _env_value(name)


def _parse_proxy(scheme: str, value: str) -> tuple[URL, BasicAuth | None]:
    variable = f"{scheme}_proxy"
    if "://" not in value:
        value = "http://" + value
    try:
        proxy = URL(value)
    except ValueError as exc:
        raise ValueError(f"{variable} is not a valid URL: {exc}") from None
    kind = proxy.scheme.lower()
    if kind.startswith("socks"):
        raise ValueError(
            f"{variable} names a {kind}:// proxy; SOCKS proxies are not supported, "
            "use a third-party SOCKS connector instead of trust_env"
        )
    if kind not in _PROXY_SCHEMES:
        raise ValueError(
            f"{variable} names a {kind}:// proxy; only http:// and https:// proxies are supported"
        )
    if not proxy.host:
        raise ValueError(f"{variable} has no host")
    if proxy.raw_user is None and proxy.raw_password is None:
        return proxy, None
    auth = BasicAuth(proxy.user or "", proxy.password or "")
    return proxy.with_user(None), auth


def _split_port(entry: str) -> tuple[str, int | None]:
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
        return host, int(port) if port.isdigit() else None
    # Exactly one colon is host:port; more are an IPv6 address or network.
    if entry.count(":") == 1:
        host, _, port = entry.partition(":")
        if port.isdigit():
            return host, int(port)
    return entry, None


def _ip_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        # A zone id ("fe80::1%eth0") does not take part in the comparison.
        return ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        return None


def _address_matches(address: ipaddress.IPv4Address | ipaddress.IPv6Address, pattern: str) -> bool:
    try:
        network = ipaddress.ip_network(pattern, strict=False)
    except ValueError:
        return False
    return address.version == network.version and address in network
