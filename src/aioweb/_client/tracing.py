"""Request tracing: ``TraceConfig`` signals and the parameters each one receives.

A ``TraceConfig`` holds one ``aiosignal.Signal`` per point of interest in a request's life
(start, connection pool, DNS, body chunks, end). ``ClientSession(trace_configs=[...])``
freezes each config and, per request, creates a context object with
``trace_config_ctx(trace_request_ctx=...)`` and a private ``Trace`` that fires the signals.
Every callback is called as ``await cb(session, trace_config_ctx, params)``, so one
request's callbacks can share state through the context object.

For one request: ``on_request_start``; then the connection, which is either
``on_connection_reuseconn`` or ``on_connection_create_start`` ... ``_end`` (preceded by
``on_connection_queued_start``/``_end`` when the pool is full, with the DNS signals in
between); ``on_request_headers_sent`` and one ``on_request_chunk_sent`` per body chunk;
``on_request_redirect`` for each redirect followed, after which the cycle repeats from the
connection; finally ``on_request_end`` once the final response's head has arrived, or
``on_request_exception``. ``on_response_chunk_received`` fires later, as the body is read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import TYPE_CHECKING, TypeAlias, TypeVar

from aiosignal import Signal
from multidict import CIMultiDict
from yarl import URL

if TYPE_CHECKING:
    from aioweb._client.response import ClientResponse
    from aioweb._client.session import ClientSession

__all__ = [
    "Trace",
    "TraceConfig",
    "TraceConnectionCreateEndParams",
    "TraceConnectionCreateStartParams",
    "TraceConnectionQueuedEndParams",
    "TraceConnectionQueuedStartParams",
    "TraceConnectionReuseconnParams",
    "TraceDnsCacheHitParams",
    "TraceDnsCacheMissParams",
    "TraceDnsResolveHostEndParams",
    "TraceDnsResolveHostStartParams",
    "TraceRequestChunkSentParams",
    "TraceRequestEndParams",
    "TraceRequestExceptionParams",
    "TraceRequestHeadersSentParams",
    "TraceRequestRedirectParams",
    "TraceRequestStartParams",
    "TraceResponseChunkReceivedParams",
]

_ParamT = TypeVar("_ParamT")
#: A tracing signal: callbacks take ``(session, trace_config_ctx, params)``.
_TracingSignal: TypeAlias = "Signal[ClientSession, SimpleNamespace, _ParamT]"


@dataclass(frozen=True, slots=True)
class TraceRequestStartParams:
    """What ``on_request_start`` receives.

    Attributes:
        method: The request method.
        url: The request URL.
        headers: The request headers.
    """

    method: str
    url: URL
    headers: CIMultiDict[str]


@dataclass(frozen=True, slots=True)
class TraceRequestChunkSentParams:
    """What ``on_request_chunk_sent`` receives.

    Attributes:
        method: The request method.
        url: The request URL.
        chunk: The bytes of this chunk.
    """

    method: str
    url: URL
    chunk: bytes


@dataclass(frozen=True, slots=True)
class TraceResponseChunkReceivedParams:
    """What ``on_response_chunk_received`` receives.

    Attributes:
        method: The request method.
        url: The request URL.
        chunk: The bytes of this chunk.
    """

    method: str
    url: URL
    chunk: bytes


@dataclass(frozen=True, slots=True)
class TraceRequestEndParams:
    """What ``on_request_end`` receives.

    Attributes:
        method: The request method.
        url: The request URL.
        headers: The request headers.
        response: The response.
    """

    method: str
    url: URL
    headers: CIMultiDict[str]
    response: ClientResponse


@dataclass(frozen=True, slots=True)
class TraceRequestExceptionParams:
    """What ``on_request_exception`` receives.

    Attributes:
        method: The request method.
        url: The request URL.
        headers: The request headers.
        exception: The exception raised.
    """

    method: str
    url: URL
    headers: CIMultiDict[str]
    exception: BaseException


@dataclass(frozen=True, slots=True)
class TraceRequestRedirectParams:
    """What ``on_request_redirect`` receives.

    Attributes:
        method: The request method.
        url: The request URL.
        headers: The request headers.
        response: The response.
    """

    method: str
    url: URL
    headers: CIMultiDict[str]
    response: ClientResponse


@dataclass(frozen=True, slots=True)
class TraceRequestHeadersSentParams:
    """What ``on_request_headers_sent`` receives.

    Attributes:
        method: The request method.
        url: The request URL.
        headers: The request headers.
    """

    method: str
    url: URL
    headers: CIMultiDict[str]


@dataclass(frozen=True, slots=True)
class TraceConnectionQueuedStartParams:
    """What ``on_connection_queued_start`` receives: the event itself is the information."""


@dataclass(frozen=True, slots=True)
class TraceConnectionQueuedEndParams:
    """What ``on_connection_queued_end`` receives: the event itself is the information."""


@dataclass(frozen=True, slots=True)
class TraceConnectionCreateStartParams:
    """What ``on_connection_create_start`` receives: the event itself is the information."""


@dataclass(frozen=True, slots=True)
class TraceConnectionCreateEndParams:
    """What ``on_connection_create_end`` receives: the event itself is the information."""


@dataclass(frozen=True, slots=True)
class TraceConnectionReuseconnParams:
    """What ``on_connection_reuseconn`` receives: the event itself is the information."""


@dataclass(frozen=True, slots=True)
class TraceDnsResolveHostStartParams:
    """What ``on_dns_resolvehost_start`` receives.

    Attributes:
        host: The host name being resolved.
    """

    host: str


@dataclass(frozen=True, slots=True)
class TraceDnsResolveHostEndParams:
    """What ``on_dns_resolvehost_end`` receives.

    Attributes:
        host: The host name being resolved.
    """

    host: str


@dataclass(frozen=True, slots=True)
class TraceDnsCacheHitParams:
    """What ``on_dns_cache_hit`` receives.

    Attributes:
        host: The host name being resolved.
    """

    host: str


@dataclass(frozen=True, slots=True)
class TraceDnsCacheMissParams:
    """What ``on_dns_cache_miss`` receives.

    Attributes:
        host: The host name being resolved.
    """

    host: str


class TraceConfig:
    """A set of tracing callbacks for ``ClientSession(trace_configs=[...])``.

    Append ``async def cb(session, trace_config_ctx, params)`` callbacks to the signal
    properties before the session is created; the session freezes the config.

    Args:
        trace_config_ctx_factory: Called as ``factory(trace_request_ctx=...)`` once per
            request to make the context object every callback of that request receives.
    """

    def __init__(
        self,
        trace_config_ctx_factory: Callable[..., SimpleNamespace] = SimpleNamespace,
    ) -> None:
        self._trace_config_ctx_factory = trace_config_ctx_factory
        self._on_request_start: _TracingSignal[TraceRequestStartParams] = Signal(self)
        self._on_request_chunk_sent: _TracingSignal[TraceRequestChunkSentParams] = Signal(self)
        self._on_response_chunk_received: _TracingSignal[TraceResponseChunkReceivedParams] = (
            Signal(self)
        )
        self._on_request_end: _TracingSignal[TraceRequestEndParams] = Signal(self)
        self._on_request_exception: _TracingSignal[TraceRequestExceptionParams] = Signal(self)
        self._on_request_redirect: _TracingSignal[TraceRequestRedirectParams] = Signal(self)
        self._on_request_headers_sent: _TracingSignal[TraceRequestHeadersSentParams] = Signal(self)
        self._on_connection_queued_start: _TracingSignal[TraceConnectionQueuedStartParams] = (
            Signal(self)
        )
        self._on_connection_queued_end: _TracingSignal[TraceConnectionQueuedEndParams] = Signal(
            self
        )
        self._on_connection_create_start: _TracingSignal[TraceConnectionCreateStartParams] = (
            Signal(self)
        )
        self._on_connection_create_end: _TracingSignal[TraceConnectionCreateEndParams] = Signal(
            self
        )
        self._on_connection_reuseconn: _TracingSignal[TraceConnectionReuseconnParams] = Signal(
            self
        )
        self._on_dns_resolvehost_start: _TracingSignal[TraceDnsResolveHostStartParams] = Signal(
            self
        )
        self._on_dns_resolvehost_end: _TracingSignal[TraceDnsResolveHostEndParams] = Signal(self)
        self._on_dns_cache_hit: _TracingSignal[TraceDnsCacheHitParams] = Signal(self)
        self._on_dns_cache_miss: _TracingSignal[TraceDnsCacheMissParams] = Signal(self)

    def trace_config_ctx(self, trace_request_ctx: object = None) -> SimpleNamespace:
        """Return a fresh context object for one request.

        Args:
            trace_request_ctx: The request's ``trace_request_ctx=`` argument.

        Returns:
            ``trace_config_ctx_factory(trace_request_ctx=trace_request_ctx)``.
        """
        return self._trace_config_ctx_factory(trace_request_ctx=trace_request_ctx)

    def freeze(self) -> None:
        """Freeze every signal: no more callbacks can be added, and they can be sent."""
        self._on_request_start.freeze()
        self._on_request_chunk_sent.freeze()
        self._on_response_chunk_received.freeze()
        self._on_request_end.freeze()
        self._on_request_exception.freeze()
        self._on_request_redirect.freeze()
        self._on_request_headers_sent.freeze()
        self._on_connection_queued_start.freeze()
        self._on_connection_queued_end.freeze()
        self._on_connection_create_start.freeze()
        self._on_connection_create_end.freeze()
        self._on_connection_reuseconn.freeze()
        self._on_dns_resolvehost_start.freeze()
        self._on_dns_resolvehost_end.freeze()
        self._on_dns_cache_hit.freeze()
        self._on_dns_cache_miss.freeze()

    @property
    def on_request_start(self) -> _TracingSignal[TraceRequestStartParams]:
        """Callbacks fired when a request starts, before a connection is taken."""
        return self._on_request_start

    @property
    def on_request_chunk_sent(self) -> _TracingSignal[TraceRequestChunkSentParams]:
        """Callbacks fired after each chunk of the request body is written."""
        return self._on_request_chunk_sent

    @property
    def on_response_chunk_received(self) -> _TracingSignal[TraceResponseChunkReceivedParams]:
        """Callbacks fired after each chunk of the response body is read."""
        return self._on_response_chunk_received

    @property
    def on_request_end(self) -> _TracingSignal[TraceRequestEndParams]:
        """Callbacks fired when the final response's head has arrived."""
        return self._on_request_end

    @property
    def on_request_exception(self) -> _TracingSignal[TraceRequestExceptionParams]:
        """Callbacks fired when the request fails with an exception."""
        return self._on_request_exception

    @property
    def on_request_redirect(self) -> _TracingSignal[TraceRequestRedirectParams]:
        """Callbacks fired when a redirect response is followed."""
        return self._on_request_redirect

    @property
    def on_request_headers_sent(self) -> _TracingSignal[TraceRequestHeadersSentParams]:
        """Callbacks fired after the request line and headers are written."""
        return self._on_request_headers_sent

    @property
    def on_connection_queued_start(self) -> _TracingSignal[TraceConnectionQueuedStartParams]:
        """Callbacks fired when the request starts waiting for a free pool slot."""
        return self._on_connection_queued_start

    @property
    def on_connection_queued_end(self) -> _TracingSignal[TraceConnectionQueuedEndParams]:
        """Callbacks fired when the request stops waiting for a pool slot."""
        return self._on_connection_queued_end

    @property
    def on_connection_create_start(self) -> _TracingSignal[TraceConnectionCreateStartParams]:
        """Callbacks fired before a new connection is opened."""
        return self._on_connection_create_start

    @property
    def on_connection_create_end(self) -> _TracingSignal[TraceConnectionCreateEndParams]:
        """Callbacks fired after a new connection is open (TLS included)."""
        return self._on_connection_create_end

    @property
    def on_connection_reuseconn(self) -> _TracingSignal[TraceConnectionReuseconnParams]:
        """Callbacks fired when an idle pooled connection is reused."""
        return self._on_connection_reuseconn

    @property
    def on_dns_resolvehost_start(self) -> _TracingSignal[TraceDnsResolveHostStartParams]:
        """Callbacks fired before the resolver is asked for a host."""
        return self._on_dns_resolvehost_start

    @property
    def on_dns_resolvehost_end(self) -> _TracingSignal[TraceDnsResolveHostEndParams]:
        """Callbacks fired after the resolver answered."""
        return self._on_dns_resolvehost_end

    @property
    def on_dns_cache_hit(self) -> _TracingSignal[TraceDnsCacheHitParams]:
        """Callbacks fired when the DNS cache already holds the host."""
        return self._on_dns_cache_hit

    @property
    def on_dns_cache_miss(self) -> _TracingSignal[TraceDnsCacheMissParams]:
        """Callbacks fired when the DNS cache does not hold the host."""
        return self._on_dns_cache_miss


class Trace:
    """Fires one ``TraceConfig``'s signals for one request (internal).

    Args:
        session: The session making the request; passed to every callback.
        trace_config: The config whose signals fire.
        trace_config_ctx: The request's context object from ``trace_config_ctx()``.
    """

    __slots__ = ("_session", "_trace_config", "_trace_config_ctx")

    def __init__(
        self,
        session: ClientSession,
        trace_config: TraceConfig,
        trace_config_ctx: SimpleNamespace,
    ) -> None:
        self._session = session
        self._trace_config = trace_config
        self._trace_config_ctx = trace_config_ctx

    async def send_request_start(self, method: str, url: URL, headers: CIMultiDict[str]) -> None:
        """Fire ``on_request_start``.

        Args:
            method: The request method.
            url: The request URL.
            headers: The request headers.
        """
        await self._trace_config.on_request_start.send(
            self._session, self._trace_config_ctx, TraceRequestStartParams(method, url, headers)
        )

    async def send_request_chunk_sent(self, method: str, url: URL, chunk: bytes) -> None:
        """Fire ``on_request_chunk_sent``.

        Args:
            method: The request method.
            url: The request URL.
            chunk: The bytes of this chunk.
        """
        await self._trace_config.on_request_chunk_sent.send(
            self._session, self._trace_config_ctx, TraceRequestChunkSentParams(method, url, chunk)
        )

    async def send_response_chunk_received(self, method: str, url: URL, chunk: bytes) -> None:
        """Fire ``on_response_chunk_received``.

        Args:
            method: The request method.
            url: The request URL.
            chunk: The bytes of this chunk.
        """
        await self._trace_config.on_response_chunk_received.send(
            self._session,
            self._trace_config_ctx,
            TraceResponseChunkReceivedParams(method, url, chunk),
        )

    async def send_request_end(
        self, method: str, url: URL, headers: CIMultiDict[str], response: ClientResponse
    ) -> None:
        """Fire ``on_request_end``.

        Args:
            method: The request method.
            url: The request URL.
            headers: The request headers.
            response: The response.
        """
        await self._trace_config.on_request_end.send(
            self._session,
            self._trace_config_ctx,
            TraceRequestEndParams(method, url, headers, response),
        )

    async def send_request_exception(
        self, method: str, url: URL, headers: CIMultiDict[str], exception: BaseException
    ) -> None:
        """Fire ``on_request_exception``.

        Args:
            method: The request method.
            url: The request URL.
            headers: The request headers.
            exception: The exception raised.
        """
        await self._trace_config.on_request_exception.send(
            self._session,
            self._trace_config_ctx,
            TraceRequestExceptionParams(method, url, headers, exception),
        )

    async def send_request_redirect(
        self, method: str, url: URL, headers: CIMultiDict[str], response: ClientResponse
    ) -> None:
        """Fire ``on_request_redirect``.

        Args:
            method: The request method.
            url: The request URL.
            headers: The request headers.
            response: The response.
        """
        await self._trace_config.on_request_redirect.send(
            self._session,
            self._trace_config_ctx,
            TraceRequestRedirectParams(method, url, headers, response),
        )

    async def send_request_headers(self, method: str, url: URL, headers: CIMultiDict[str]) -> None:
        """Fire ``on_request_headers_sent``.

        Args:
            method: The request method.
            url: The request URL.
            headers: The request headers.
        """
        await self._trace_config.on_request_headers_sent.send(
            self._session,
            self._trace_config_ctx,
            TraceRequestHeadersSentParams(method, url, headers),
        )

    async def send_connection_queued_start(self) -> None:
        """Fire ``on_connection_queued_start``."""
        await self._trace_config.on_connection_queued_start.send(
            self._session, self._trace_config_ctx, TraceConnectionQueuedStartParams()
        )

    async def send_connection_queued_end(self) -> None:
        """Fire ``on_connection_queued_end``."""
        await self._trace_config.on_connection_queued_end.send(
            self._session, self._trace_config_ctx, TraceConnectionQueuedEndParams()
        )

    async def send_connection_create_start(self) -> None:
        """Fire ``on_connection_create_start``."""
        await self._trace_config.on_connection_create_start.send(
            self._session, self._trace_config_ctx, TraceConnectionCreateStartParams()
        )

    async def send_connection_create_end(self) -> None:
        """Fire ``on_connection_create_end``."""
        await self._trace_config.on_connection_create_end.send(
            self._session, self._trace_config_ctx, TraceConnectionCreateEndParams()
        )

    async def send_connection_reuseconn(self) -> None:
        """Fire ``on_connection_reuseconn``."""
        await self._trace_config.on_connection_reuseconn.send(
            self._session, self._trace_config_ctx, TraceConnectionReuseconnParams()
        )

    async def send_dns_resolvehost_start(self, host: str) -> None:
        """Fire ``on_dns_resolvehost_start``.

        Args:
            host: The host name being resolved.
        """
        await self._trace_config.on_dns_resolvehost_start.send(
            self._session, self._trace_config_ctx, TraceDnsResolveHostStartParams(host)
        )

    async def send_dns_resolvehost_end(self, host: str) -> None:
        """Fire ``on_dns_resolvehost_end``.

        Args:
            host: The host name being resolved.
        """
        await self._trace_config.on_dns_resolvehost_end.send(
            self._session, self._trace_config_ctx, TraceDnsResolveHostEndParams(host)
        )

    async def send_dns_cache_hit(self, host: str) -> None:
        """Fire ``on_dns_cache_hit``.

        Args:
            host: The host name being resolved.
        """
        await self._trace_config.on_dns_cache_hit.send(
            self._session, self._trace_config_ctx, TraceDnsCacheHitParams(host)
        )

    async def send_dns_cache_miss(self, host: str) -> None:
        """Fire ``on_dns_cache_miss``.

        Args:
            host: The host name being resolved.
        """
        await self._trace_config.on_dns_cache_miss.send(
            self._session, self._trace_config_ctx, TraceDnsCacheMissParams(host)
        )
