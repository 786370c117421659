"""HTTP Basic credentials (RFC 7617) for the client.

``BasicAuth`` is deprecated in aiohttp 3.14 in favour of ``encode_basic_auth`` plus a
plain ``Authorization`` header or a middleware; aioweb keeps it working (it is still the
type ``auth=`` and ``proxy_auth=`` take) and documents the same deprecation.
"""

from __future__ import annotations

import base64
import binascii
from typing import NamedTuple

__all__ = ["BasicAuth", "encode_basic_auth"]


def encode_basic_auth(login: str, password: str = "", encoding: str = "latin1") -> str:
    """Return the value of an ``Authorization: Basic ...`` header.

    Args:
        login: The user name; it may not contain ``:`` (RFC 7617 s2).
        password: The password.
        encoding: How the ``login:password`` text becomes bytes.

    Returns:
        ``"Basic "`` followed by the base64 of ``login:password``.

    Raises:
        ValueError: ``login`` contains a colon.
    """
    if ":" in login:
        raise ValueError('a Basic auth login may not contain ":" (RFC 7617 s2)')
    raw = f"{login}:{password}".encode(encoding)
    return "Basic " + base64.b64encode(raw).decode("ascii")


class _BasicAuthFields(NamedTuple):
    login: str
    password: str
    encoding: str


class BasicAuth(_BasicAuthFields):
    """A login and password for HTTP Basic authentication.

    Args:
        login: The user name (no ``:``).
        password: The password, empty by default.
        encoding: How the credentials are encoded; ``latin1`` as in aiohttp.

    Raises:
        ValueError: ``login`` is ``None`` or contains ``:``.
    """

    __slots__ = ()

    def __new__(cls, login: str, password: str = "", encoding: str = "latin1") -> BasicAuth:
        if login is None:
            raise ValueError("None is not allowed as login value")
        if password is None:
            raise ValueError("None is not allowed as password value")
        if ":" in login:
            raise ValueError('a Basic auth login may not contain ":" (RFC 7617 s2)')
        return super().__new__(cls, login, password, encoding)

    @classmethod
    def decode(cls, auth_header: str, encoding: str = "latin1") -> BasicAuth:
        """Parse an ``Authorization: Basic ...`` header value.

        Args:
            auth_header: The header value.
            encoding: How the decoded bytes become text.

        Returns:
            The credentials it carries.

        Raises:
            ValueError: The value is not Basic credentials or is not valid base64.
        """
        try:
            scheme, encoded = auth_header.split(" ", 1)
        except ValueError:
            raise ValueError("could not parse the authorization header") from None
        if scheme.lower() != "basic":
            raise ValueError(f"unknown authorization method {scheme!r}")
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode(encoding)
        except (binascii.Error, UnicodeDecodeError):
            raise ValueError("invalid base64 in the Basic credentials") from None
        login, sep, password = decoded.partition(":")
        if not sep:
            raise ValueError("Basic credentials must be 'login:password'")
        return cls(login, password, encoding)

    @classmethod
    def from_url(cls, url: object, *, encoding: str = "latin1") -> BasicAuth | None:
        """Return the credentials in a URL's user-info part, or ``None``.

        Args:
            url: A ``yarl.URL``.
            encoding: Stored on the result.

        Returns:
            ``BasicAuth`` or ``None`` when the URL carries no user name.

        Raises:
            TypeError: ``url`` is not a ``yarl.URL``.
        """
        from yarl import URL

        if not isinstance(url, URL):
            raise TypeError("url should be yarl.URL instance")
        if url.raw_user is None and url.raw_password is None:
            return None
        return cls(url.user or "", url.password or "", encoding=encoding)

    def encode(self) -> str:
        """Return the ``Authorization`` header value for these credentials."""
        return encode_basic_auth(self.login, self.password, self.encoding)
