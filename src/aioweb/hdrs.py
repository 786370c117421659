"""HTTP method and header-name constants, the same names as ``aiohttp.hdrs``.

Header names are :class:`multidict.istr` values: ``CIMultiDict`` recognises them as already
case-insensitive and skips folding them again on every lookup. Use them instead of string
literals: a typo in a constant is an ``AttributeError``, a typo in a literal is a header
that is silently never found.

Example:
    >>> from multidict import CIMultiDict
    >>> from aioweb import hdrs
    >>> CIMultiDict({"content-type": "text/plain"})[hdrs.CONTENT_TYPE]
    'text/plain'
    >>> hdrs.METH_GET in hdrs.METH_ALL
    True
"""

from __future__ import annotations

from itertools import product
from typing import Final

from multidict import istr

__all__ = [
    "ACCEPT",
    "ACCEPT_CH",
    "ACCEPT_CHARSET",
    "ACCEPT_ENCODING",
    "ACCEPT_LANGUAGE",
    "ACCEPT_RANGES",
    "ACCESS_CONTROL_ALLOW_CREDENTIALS",
    "ACCESS_CONTROL_ALLOW_HEADERS",
    "ACCESS_CONTROL_ALLOW_METHODS",
    "ACCESS_CONTROL_ALLOW_ORIGIN",
    "ACCESS_CONTROL_EXPOSE_HEADERS",
    "ACCESS_CONTROL_MAX_AGE",
    "ACCESS_CONTROL_REQUEST_HEADERS",
    "ACCESS_CONTROL_REQUEST_METHOD",
    "AGE",
    "ALLOW",
    "ALT_SVC",
    "ALT_USED",
    "AUTHENTICATION_INFO",
    "AUTHORIZATION",
    "BAGGAGE",
    "CACHE_CONTROL",
    "CACHE_STATUS",
    "CDN_CACHE_CONTROL",
    "CDN_LOOP",
    "CLEAR_SITE_DATA",
    "CONNECTION",
    "CONTENT_DIGEST",
    "CONTENT_DISPOSITION",
    "CONTENT_ENCODING",
    "CONTENT_ID",
    "CONTENT_LANGUAGE",
    "CONTENT_LENGTH",
    "CONTENT_LOCATION",
    "CONTENT_MD5",
    "CONTENT_RANGE",
    "CONTENT_SECURITY_POLICY",
    "CONTENT_SECURITY_POLICY_REPORT_ONLY",
    "CONTENT_TRANSFER_ENCODING",
    "CONTENT_TYPE",
    "COOKIE",
    "CROSS_ORIGIN_EMBEDDER_POLICY",
    "CROSS_ORIGIN_OPENER_POLICY",
    "CROSS_ORIGIN_RESOURCE_POLICY",
    "DATE",
    "DESTINATION",
    "DIGEST",
    "EARLY_DATA",
    "ETAG",
    "EXPECT",
    "EXPIRES",
    "FORWARDED",
    "FROM",
    "HOST",
    "HOST_ALL",
    "IF_MATCH",
    "IF_MODIFIED_SINCE",
    "IF_NONE_MATCH",
    "IF_RANGE",
    "IF_UNMODIFIED_SINCE",
    "KEEP_ALIVE",
    "LAST_EVENT_ID",
    "LAST_MODIFIED",
    "LINK",
    "LOCATION",
    "MAX_FORWARDS",
    "METH_ALL",
    "METH_ANY",
    "METH_CONNECT",
    "METH_DELETE",
    "METH_GET",
    "METH_HEAD",
    "METH_OPTIONS",
    "METH_PATCH",
    "METH_POST",
    "METH_PUT",
    "METH_TRACE",
    "NEL",
    "ORIGIN",
    "ORIGIN_AGENT_CLUSTER",
    "PERMISSIONS_POLICY",
    "PRAGMA",
    "PRIORITY",
    "PROXY_AUTHENTICATE",
    "PROXY_AUTHENTICATION_INFO",
    "PROXY_AUTHORIZATION",
    "RANGE",
    "REFERER",
    "REFERRER_POLICY",
    "REPORTING_ENDPOINTS",
    "REPORT_TO",
    "REPR_DIGEST",
    "RETRY_AFTER",
    "SEC_CH_UA",
    "SEC_CH_UA_MOBILE",
    "SEC_CH_UA_PLATFORM",
    "SEC_FETCH_DEST",
    "SEC_FETCH_MODE",
    "SEC_FETCH_SITE",
    "SEC_FETCH_USER",
    "SEC_GPC",
    "SEC_PURPOSE",
    "SEC_WEBSOCKET_ACCEPT",
    "SEC_WEBSOCKET_EXTENSIONS",
    "SEC_WEBSOCKET_KEY",
    "SEC_WEBSOCKET_KEY1",
    "SEC_WEBSOCKET_PROTOCOL",
    "SEC_WEBSOCKET_VERSION",
    "SERVER",
    "SERVER_TIMING",
    "SET_COOKIE",
    "STRICT_TRANSPORT_SECURITY",
    "TE",
    "TIMING_ALLOW_ORIGIN",
    "TRACEPARENT",
    "TRACESTATE",
    "TRAILER",
    "TRANSFER_ENCODING",
    "UPGRADE",
    "UPGRADE_INSECURE_REQUESTS",
    "URI",
    "USER_AGENT",
    "VARY",
    "VIA",
    "WANT_CONTENT_DIGEST",
    "WANT_DIGEST",
    "WANT_REPR_DIGEST",
    "WARNING",
    "WWW_AUTHENTICATE",
    "X_CONTENT_TYPE_OPTIONS",
    "X_CORRELATION_ID",
    "X_FORWARDED_FOR",
    "X_FORWARDED_HOST",
    "X_FORWARDED_PORT",
    "X_FORWARDED_PROTO",
    "X_FRAME_OPTIONS",
    "X_POWERED_BY",
    "X_RATELIMIT_LIMIT",
    "X_RATELIMIT_REMAINING",
    "X_RATELIMIT_RESET",
    "X_REAL_IP",
    "X_REQUESTED_WITH",
    "X_REQUEST_ID",
    "X_XSS_PROTECTION",
]

# Request methods (RFC 9110 s9, RFC 5789 for PATCH). ``METH_ANY`` is the router's wildcard,
# not a method that can appear on the wire, so it is not in ``METH_ALL``.
METH_ANY: Final[str] = "*"
METH_CONNECT: Final[str] = "CONNECT"
METH_HEAD: Final[str] = "HEAD"
METH_GET: Final[str] = "GET"
METH_DELETE: Final[str] = "DELETE"
METH_OPTIONS: Final[str] = "OPTIONS"
METH_PATCH: Final[str] = "PATCH"
METH_POST: Final[str] = "POST"
METH_PUT: Final[str] = "PUT"
METH_TRACE: Final[str] = "TRACE"

#: Every method a request line may carry; handy for ``add_route`` checks.
METH_ALL: Final[set[str]] = {
    METH_CONNECT,
    METH_HEAD,
    METH_GET,
    METH_DELETE,
    METH_OPTIONS,
    METH_PATCH,
    METH_POST,
    METH_PUT,
    METH_TRACE,
}

# Defined by IETF RFCs (RFC 9110, 9111, 9112, 6265, 6455, 7239 and friends)

ACCEPT: Final[istr] = istr("Accept")
ACCEPT_CHARSET: Final[istr] = istr("Accept-Charset")
ACCEPT_ENCODING: Final[istr] = istr("Accept-Encoding")
ACCEPT_LANGUAGE: Final[istr] = istr("Accept-Language")
ACCEPT_RANGES: Final[istr] = istr("Accept-Ranges")
AGE: Final[istr] = istr("Age")
ALLOW: Final[istr] = istr("Allow")
ALT_SVC: Final[istr] = istr("Alt-Svc")
ALT_USED: Final[istr] = istr("Alt-Used")
AUTHENTICATION_INFO: Final[istr] = istr("Authentication-Info")
AUTHORIZATION: Final[istr] = istr("Authorization")
CACHE_CONTROL: Final[istr] = istr("Cache-Control")
CACHE_STATUS: Final[istr] = istr("Cache-Status")
CDN_CACHE_CONTROL: Final[istr] = istr("CDN-Cache-Control")
CDN_LOOP: Final[istr] = istr("CDN-Loop")
CONNECTION: Final[istr] = istr("Connection")
CONTENT_DIGEST: Final[istr] = istr("Content-Digest")
CONTENT_DISPOSITION: Final[istr] = istr("Content-Disposition")
CONTENT_ENCODING: Final[istr] = istr("Content-Encoding")
CONTENT_ID: Final[istr] = istr("Content-ID")
CONTENT_LANGUAGE: Final[istr] = istr("Content-Language")
CONTENT_LENGTH: Final[istr] = istr("Content-Length")
CONTENT_LOCATION: Final[istr] = istr("Content-Location")
CONTENT_MD5: Final[istr] = istr("Content-MD5")
CONTENT_RANGE: Final[istr] = istr("Content-Range")
CONTENT_TRANSFER_ENCODING: Final[istr] = istr("Content-Transfer-Encoding")
CONTENT_TYPE: Final[istr] = istr("Content-Type")
COOKIE: Final[istr] = istr("Cookie")
DATE: Final[istr] = istr("Date")
DESTINATION: Final[istr] = istr("Destination")
DIGEST: Final[istr] = istr("Digest")
EARLY_DATA: Final[istr] = istr("Early-Data")
ETAG: Final[istr] = istr("Etag")
EXPECT: Final[istr] = istr("Expect")
EXPIRES: Final[istr] = istr("Expires")
FORWARDED: Final[istr] = istr("Forwarded")
FROM: Final[istr] = istr("From")
HOST: Final[istr] = istr("Host")
IF_MATCH: Final[istr] = istr("If-Match")
IF_MODIFIED_SINCE: Final[istr] = istr("If-Modified-Since")
IF_NONE_MATCH: Final[istr] = istr("If-None-Match")
IF_RANGE: Final[istr] = istr("If-Range")
IF_UNMODIFIED_SINCE: Final[istr] = istr("If-Unmodified-Since")
KEEP_ALIVE: Final[istr] = istr("Keep-Alive")
LAST_MODIFIED: Final[istr] = istr("Last-Modified")
LINK: Final[istr] = istr("Link")
LOCATION: Final[istr] = istr("Location")
MAX_FORWARDS: Final[istr] = istr("Max-Forwards")
ORIGIN: Final[istr] = istr("Origin")
PRAGMA: Final[istr] = istr("Pragma")
PRIORITY: Final[istr] = istr("Priority")
PROXY_AUTHENTICATE: Final[istr] = istr("Proxy-Authenticate")
PROXY_AUTHENTICATION_INFO: Final[istr] = istr("Proxy-Authentication-Info")
PROXY_AUTHORIZATION: Final[istr] = istr("Proxy-Authorization")
RANGE: Final[istr] = istr("Range")
REFERER: Final[istr] = istr("Referer")
REPR_DIGEST: Final[istr] = istr("Repr-Digest")
RETRY_AFTER: Final[istr] = istr("Retry-After")
SEC_WEBSOCKET_ACCEPT: Final[istr] = istr("Sec-WebSocket-Accept")
SEC_WEBSOCKET_EXTENSIONS: Final[istr] = istr("Sec-WebSocket-Extensions")
SEC_WEBSOCKET_KEY: Final[istr] = istr("Sec-WebSocket-Key")
SEC_WEBSOCKET_KEY1: Final[istr] = istr("Sec-WebSocket-Key1")
SEC_WEBSOCKET_PROTOCOL: Final[istr] = istr("Sec-WebSocket-Protocol")
SEC_WEBSOCKET_VERSION: Final[istr] = istr("Sec-WebSocket-Version")
SERVER: Final[istr] = istr("Server")
SET_COOKIE: Final[istr] = istr("Set-Cookie")
STRICT_TRANSPORT_SECURITY: Final[istr] = istr("Strict-Transport-Security")
TE: Final[istr] = istr("TE")
TRAILER: Final[istr] = istr("Trailer")
TRANSFER_ENCODING: Final[istr] = istr("Transfer-Encoding")
UPGRADE: Final[istr] = istr("Upgrade")
URI: Final[istr] = istr("URI")
USER_AGENT: Final[istr] = istr("User-Agent")
VARY: Final[istr] = istr("Vary")
VIA: Final[istr] = istr("Via")
WANT_CONTENT_DIGEST: Final[istr] = istr("Want-Content-Digest")
WANT_DIGEST: Final[istr] = istr("Want-Digest")
WANT_REPR_DIGEST: Final[istr] = istr("Want-Repr-Digest")
WARNING: Final[istr] = istr("Warning")
WWW_AUTHENTICATE: Final[istr] = istr("WWW-Authenticate")

# Web platform (W3C, WHATWG, WICG): CORS, fetch metadata, client hints, tracing

ACCEPT_CH: Final[istr] = istr("Accept-CH")
ACCESS_CONTROL_ALLOW_CREDENTIALS: Final[istr] = istr("Access-Control-Allow-Credentials")
ACCESS_CONTROL_ALLOW_HEADERS: Final[istr] = istr("Access-Control-Allow-Headers")
ACCESS_CONTROL_ALLOW_METHODS: Final[istr] = istr("Access-Control-Allow-Methods")
ACCESS_CONTROL_ALLOW_ORIGIN: Final[istr] = istr("Access-Control-Allow-Origin")
ACCESS_CONTROL_EXPOSE_HEADERS: Final[istr] = istr("Access-Control-Expose-Headers")
ACCESS_CONTROL_MAX_AGE: Final[istr] = istr("Access-Control-Max-Age")
ACCESS_CONTROL_REQUEST_HEADERS: Final[istr] = istr("Access-Control-Request-Headers")
ACCESS_CONTROL_REQUEST_METHOD: Final[istr] = istr("Access-Control-Request-Method")
BAGGAGE: Final[istr] = istr("baggage")
CLEAR_SITE_DATA: Final[istr] = istr("Clear-Site-Data")
CONTENT_SECURITY_POLICY: Final[istr] = istr("Content-Security-Policy")
CONTENT_SECURITY_POLICY_REPORT_ONLY: Final[istr] = istr("Content-Security-Policy-Report-Only")
CROSS_ORIGIN_EMBEDDER_POLICY: Final[istr] = istr("Cross-Origin-Embedder-Policy")
CROSS_ORIGIN_OPENER_POLICY: Final[istr] = istr("Cross-Origin-Opener-Policy")
CROSS_ORIGIN_RESOURCE_POLICY: Final[istr] = istr("Cross-Origin-Resource-Policy")
LAST_EVENT_ID: Final[istr] = istr("Last-Event-ID")
NEL: Final[istr] = istr("NEL")
ORIGIN_AGENT_CLUSTER: Final[istr] = istr("Origin-Agent-Cluster")
PERMISSIONS_POLICY: Final[istr] = istr("Permissions-Policy")
REFERRER_POLICY: Final[istr] = istr("Referrer-Policy")
REPORTING_ENDPOINTS: Final[istr] = istr("Reporting-Endpoints")
REPORT_TO: Final[istr] = istr("Report-To")
SEC_CH_UA: Final[istr] = istr("Sec-CH-UA")
SEC_CH_UA_MOBILE: Final[istr] = istr("Sec-CH-UA-Mobile")
SEC_CH_UA_PLATFORM: Final[istr] = istr("Sec-CH-UA-Platform")
SEC_FETCH_DEST: Final[istr] = istr("Sec-Fetch-Dest")
SEC_FETCH_MODE: Final[istr] = istr("Sec-Fetch-Mode")
SEC_FETCH_SITE: Final[istr] = istr("Sec-Fetch-Site")
SEC_FETCH_USER: Final[istr] = istr("Sec-Fetch-User")
SEC_GPC: Final[istr] = istr("Sec-GPC")
SEC_PURPOSE: Final[istr] = istr("Sec-Purpose")
SERVER_TIMING: Final[istr] = istr("Server-Timing")
TIMING_ALLOW_ORIGIN: Final[istr] = istr("Timing-Allow-Origin")
TRACEPARENT: Final[istr] = istr("traceparent")
TRACESTATE: Final[istr] = istr("tracestate")
UPGRADE_INSECURE_REQUESTS: Final[istr] = istr("Upgrade-Insecure-Requests")
X_CONTENT_TYPE_OPTIONS: Final[istr] = istr("X-Content-Type-Options")
X_FRAME_OPTIONS: Final[istr] = istr("X-Frame-Options")

# De facto: added by reverse proxies and load balancers

X_FORWARDED_FOR: Final[istr] = istr("X-Forwarded-For")
X_FORWARDED_HOST: Final[istr] = istr("X-Forwarded-Host")
X_FORWARDED_PORT: Final[istr] = istr("X-Forwarded-Port")
X_FORWARDED_PROTO: Final[istr] = istr("X-Forwarded-Proto")
X_REAL_IP: Final[istr] = istr("X-Real-IP")
X_REQUEST_ID: Final[istr] = istr("X-Request-ID")

# De facto: set by applications and frameworks

X_CORRELATION_ID: Final[istr] = istr("X-Correlation-ID")
X_POWERED_BY: Final[istr] = istr("X-Powered-By")
X_RATELIMIT_LIMIT: Final[istr] = istr("X-RateLimit-Limit")
X_RATELIMIT_REMAINING: Final[istr] = istr("X-RateLimit-Remaining")
X_RATELIMIT_RESET: Final[istr] = istr("X-RateLimit-Reset")
X_REQUESTED_WITH: Final[istr] = istr("X-Requested-With")
X_XSS_PROTECTION: Final[istr] = istr("X-XSS-Protection")


#: Every upper/lower-case spelling of ``Host`` (16 of them), for code that compares raw
#: header names before they are folded into a ``CIMultiDict``.
HOST_ALL: Final[frozenset[str]] = frozenset(
    "".join(letters) for letters in product(*((c.lower(), c.upper()) for c in "host"))
)
