"""The JSON file format of ``CookieJar.save()`` and ``CookieJar.load()``.

The layout is aiohttp 3.14's, so files move between the two libraries::

    {"<domain>|<path>": {"<name>": {"key": ..., "value": ..., "coded_value": ...,
                                    "path": "/", "secure": true, ...,
                                    "host_only": true, "expires_timestamp": 1767225600.0}}}

Only data is read: JSON cannot name code, unlike the pickle files older aiohttp versions
wrote (which aioweb refuses to read). ``Max-Age`` and ``Expires`` are relative or textual,
so the absolute ``expires_timestamp`` replaces them. ``host_only`` keeps a cookie set
without ``Domain`` from turning into a domain cookie on reload (CVE-2026-54279).

Reading validates the whole file before returning anything and raises :class:`ValueError`
naming the offending entry, so the jar can stay untouched when a file is bad.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

__all__ = ["CookieRecord", "read_cookie_file", "write_cookie_file"]

# Attributes written and read back. "expires" and "max-age" are deliberately absent.
_TEXT_ATTRIBUTES: Final = ("domain", "path", "comment", "samesite", "version")
_FLAG_ATTRIBUTES: Final = ("secure", "httponly", "partitioned")
_CTL: Final = re.compile(r"[\x00-\x1f\x7f]")
_BAD_NAME: Final = re.compile(r'[\x00-\x20\x7f",;=\\]')
_BAD_DOMAIN: Final = re.compile(r"[\x00-\x20\x7f/;|]")
# Owner read/write only: the file holds session tokens; set at creation, not after, so
# there is no moment when another user could open it.
_FILE_MODE: Final = 0o600


@dataclass(frozen=True, slots=True)
class CookieRecord:
    """One saved cookie.

    Attributes:
        domain: The effective domain (the host for host-only cookies, ``""`` if shared).
        path: The effective path.
        name: The cookie name.
        value: The plain value.
        coded_value: The value as written in headers.
        attributes: The other attributes (``secure``, ``samesite``...), by lower-case name.
        host_only: Whether the cookie goes to ``domain`` only, not to its subdomains.
        expires: The absolute expiry in seconds since the epoch, or ``None`` for a session
            cookie.
    """

    domain: str
    path: str
    name: str
    value: str
    coded_value: str
    attributes: Mapping[str, str | bool]
    host_only: bool
    expires: float | None


def write_cookie_file(file_path: str | os.PathLike[str], records: Iterable[CookieRecord]) -> None:
    """Write ``records`` to ``file_path`` as JSON, creating it owner-readable only.

    Args:
        file_path: Where to write; an existing file is truncated.
        records: The cookies.

    Raises:
        OSError: The file cannot be written.
    """
    data: dict[str, dict[str, dict[str, str | bool | float]]] = {}
    for record in records:
        entry: dict[str, str | bool | float] = {
            "key": record.name,
            "value": record.value,
            "coded_value": record.coded_value,
        }
        for attr in (*_TEXT_ATTRIBUTES, *_FLAG_ATTRIBUTES):
            value = record.attributes.get(attr)
            if value:
                entry[attr] = value
        entry["domain"] = record.domain
        entry["path"] = record.path
        if record.host_only:
            entry["host_only"] = True
        if record.expires is not None:
            entry["expires_timestamp"] = record.expires
        data.setdefault(f"{record.domain}|{record.path}", {})[record.name] = entry
    with open(file_path, "w", encoding="utf-8", opener=_owner_only) as stream:
        json.dump(data, stream, indent=2)


def _owner_only(path: str, flags: int) -> int:
    return os.open(path, flags, _FILE_MODE)


def read_cookie_file(file_path: str | os.PathLike[str]) -> list[CookieRecord]:
    """Read and validate a cookie file written by :func:`write_cookie_file`.

    Args:
        file_path: The file.

    Returns:
        The cookies, in file order.

    Raises:
        ValueError: The file is not UTF-8 JSON in the expected layout; the message names
            the file and the entry.
        OSError: The file cannot be read.
    """
    where = os.fspath(file_path)
    try:
        with open(file_path, encoding="utf-8") as stream:
            data: object = json.load(stream)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError
        raise ValueError(f"{where}: not a JSON cookie file ({exc})") from exc
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected a JSON object of cookies, got {type(data).__name__}")
    records: list[CookieRecord] = []
    for bucket_key, bucket in data.items():
        domain, sep, bucket_path = bucket_key.partition("|")
        if not sep or _BAD_DOMAIN.search(domain) is not None:
            raise ValueError(f"{where}: {bucket_key!r} is not a 'domain|path' key")
        if not isinstance(bucket, dict):
            raise ValueError(f"{where}: {bucket_key!r} must map cookie names to objects")
        for name, entry in bucket.items():
            context = f"{where}: cookie {name!r} in {bucket_key!r}"
            if not isinstance(entry, dict):
                raise ValueError(f"{context}: expected an object")
            records.append(_read_record(context, domain.lower(), bucket_path, name, entry))
    return records


def _read_record(
    context: str, domain: str, bucket_path: str, name: str, entry: dict[str, object]
) -> CookieRecord:
    if not name or _BAD_NAME.search(name) is not None:
        raise ValueError(f"{context}: invalid cookie name")
    key, value, coded_value = entry.get("key"), entry.get("value"), entry.get("coded_value")
    if key != name:
        raise ValueError(f"{context}: 'key' must repeat the cookie name")
    if not isinstance(value, str) or not isinstance(coded_value, str):
        raise ValueError(f"{context}: 'value' and 'coded_value' must be strings")
    if _CTL.search(value) is not None or _CTL.search(coded_value) is not None:
        raise ValueError(f"{context}: control characters in the value")
    attributes: dict[str, str | bool] = {}
    for attr in _TEXT_ATTRIBUTES:
        if attr in entry:
            text = entry[attr]
            if not isinstance(text, str) or _CTL.search(text) is not None:
                raise ValueError(f"{context}: {attr!r} must be a string without controls")
            attributes[attr] = text
    for attr in _FLAG_ATTRIBUTES:
        if attr in entry:
            flag = entry[attr]
            if not isinstance(flag, bool):
                raise ValueError(f"{context}: {attr!r} must be true or false")
            attributes[attr] = flag
    host_only = entry.get("host_only", False)
    if not isinstance(host_only, bool):
        raise ValueError(f"{context}: 'host_only' must be true or false")
    expires = entry.get("expires_timestamp")
    if expires is not None and (
        isinstance(expires, bool)
        or not isinstance(expires, int | float)
        or not math.isfinite(expires)
    ):
        raise ValueError(f"{context}: 'expires_timestamp' must be a finite number")
    # aiohttp strips the trailing "/" from the key's path; the attribute is exact.
    path = attributes.pop("path", "") or bucket_path or "/"
    if not isinstance(path, str) or not path.startswith("/") or ";" in path:
        raise ValueError(f"{context}: the path must start with '/'")
    attributes.pop("domain", None)  # the key's domain is the effective one
    return CookieRecord(
        domain=domain,
        path=path,
        name=name,
        value=value,
        coded_value=coded_value,
        attributes=attributes,
        host_only=host_only,
        expires=None if expires is None else float(expires),
    )
