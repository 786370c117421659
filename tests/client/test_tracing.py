"""Tracing: each TraceConfig signal fires through Trace with the documented parameters."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from types import SimpleNamespace

import pytest
from multidict import CIMultiDict
from yarl import URL

import aioweb.tracing as public_tracing
from aioweb._client import tracing
from aioweb._client.tracing import (
    Trace,
    TraceConfig,
    TraceConnectionCreateEndParams,
    TraceConnectionCreateStartParams,
    TraceConnectionQueuedEndParams,
    TraceConnectionQueuedStartParams,
    TraceConnectionReuseconnParams,
    TraceDnsCacheHitParams,
    TraceDnsCacheMissParams,
    TraceDnsResolveHostEndParams,
    TraceDnsResolveHostStartParams,
    TraceRequestChunkSentParams,
    TraceRequestEndParams,
    TraceRequestExceptionParams,
    TraceRequestHeadersSentParams,
    TraceRequestRedirectParams,
    TraceRequestStartParams,
    TraceResponseChunkReceivedParams,
)

URL_ = URL("http://example.com/path?q=1")
HEADERS = CIMultiDict({"Accept": "*/*", "X-Trace": "1"})
# Trace only passes the response and the session through; stand-ins are enough.
RESPONSE = object()
ERROR = ConnectionResetError("reset by peer")

# (signal, Trace method, its arguments, the params the callback must receive)
CASES = [
    ("on_request_start", "send_request_start", ("GET", URL_, HEADERS),
     TraceRequestStartParams("GET", URL_, HEADERS)),
    ("on_request_chunk_sent", "send_request_chunk_sent", ("POST", URL_, b"part"),
     TraceRequestChunkSentParams("POST", URL_, b"part")),
    ("on_response_chunk_received", "send_response_chunk_received", ("GET", URL_, b"body"),
     TraceResponseChunkReceivedParams("GET", URL_, b"body")),
    ("on_request_end", "send_request_end", ("GET", URL_, HEADERS, RESPONSE),
     TraceRequestEndParams("GET", URL_, HEADERS, RESPONSE)),  # type: ignore[arg-type]
    ("on_request_exception", "send_request_exception", ("GET", URL_, HEADERS, ERROR),
     TraceRequestExceptionParams("GET", URL_, HEADERS, ERROR)),
    ("on_request_redirect", "send_request_redirect", ("GET", URL_, HEADERS, RESPONSE),
     TraceRequestRedirectParams("GET", URL_, HEADERS, RESPONSE)),  # type: ignore[arg-type]
    ("on_request_headers_sent", "send_request_headers", ("PUT", URL_, HEADERS),
     TraceRequestHeadersSentParams("PUT", URL_, HEADERS)),
    ("on_connection_queued_start", "send_connection_queued_start", (),
     TraceConnectionQueuedStartParams()),
    ("on_connection_queued_end", "send_connection_queued_end", (),
     TraceConnectionQueuedEndParams()),
    ("on_connection_create_start", "send_connection_create_start", (),
     TraceConnectionCreateStartParams()),
    ("on_connection_create_end", "send_connection_create_end", (),
     TraceConnectionCreateEndParams()),
    ("on_connection_reuseconn", "send_connection_reuseconn", (),
     TraceConnectionReuseconnParams()),
    ("on_dns_resolvehost_start", "send_dns_resolvehost_start", ("example.com",),
     TraceDnsResolveHostStartParams("example.com")),
    ("on_dns_resolvehost_end", "send_dns_resolvehost_end", ("example.com",),
     TraceDnsResolveHostEndParams("example.com")),
    ("on_dns_cache_hit", "send_dns_cache_hit", ("example.com",),
     TraceDnsCacheHitParams("example.com")),
    ("on_dns_cache_miss", "send_dns_cache_miss", ("example.com",),
     TraceDnsCacheMissParams("example.com")),
]  # fmt: skip
SIGNALS = [case[0] for case in CASES]

Call = tuple[object, SimpleNamespace, object]


def recorder(calls: list[Call]) -> Callable[[object, SimpleNamespace, object], Awaitable[None]]:
    async def on_signal(session: object, ctx: SimpleNamespace, params: object) -> None:
        calls.append((session, ctx, params))

    return on_signal


def test_there_are_sixteen_signals_and_sixteen_param_classes() -> None:
    assert len(set(SIGNALS)) == 16
    params = {n for n in tracing.__all__ if n.startswith("Trace") and n.endswith("Params")}
    assert params == {type(case[3]).__name__ for case in CASES}


@pytest.mark.parametrize(
    ("signal", "method", "args", "expected"), CASES, ids=[case[0] for case in CASES]
)
async def test_trace_method_fires_its_signal_with_session_ctx_and_params(
    signal: str, method: str, args: tuple[object, ...], expected: object
) -> None:
    config = TraceConfig()
    calls: list[Call] = []
    getattr(config, signal).append(recorder(calls))
    config.freeze()
    session = object()
    ctx = config.trace_config_ctx(trace_request_ctx={"request": 1})
    trace = Trace(session, config, ctx)  # type: ignore[arg-type]

    await getattr(trace, method)(*args)

    assert calls == [(session, ctx, expected)]
    assert type(calls[0][2]) is type(expected)
    for field in dataclasses.fields(expected):  # type: ignore[arg-type]
        assert getattr(calls[0][2], field.name) is getattr(expected, field.name)


@pytest.mark.parametrize(("signal", "method", "args", "expected"), CASES, ids=SIGNALS)
async def test_trace_method_fires_only_its_own_signal(
    signal: str, method: str, args: tuple[object, ...], expected: object
) -> None:
    config = TraceConfig()
    fired: dict[str, list[Call]] = {name: [] for name in SIGNALS}
    for name in SIGNALS:
        getattr(config, name).append(recorder(fired[name]))
    config.freeze()
    trace = Trace(object(), config, config.trace_config_ctx())  # type: ignore[arg-type]

    await getattr(trace, method)(*args)

    assert [name for name, calls in fired.items() if calls] == [signal]


async def test_callbacks_run_in_order_and_share_the_request_context() -> None:
    config = TraceConfig()
    seen: list[str] = []

    async def first(session: object, ctx: SimpleNamespace, params: object) -> None:
        ctx.started = True
        seen.append("first")

    async def second(session: object, ctx: SimpleNamespace, params: object) -> None:
        seen.append(f"second started={ctx.started}")

    async def at_end(session: object, ctx: SimpleNamespace, params: object) -> None:
        seen.append(f"end started={ctx.started} req={ctx.trace_request_ctx}")

    config.on_request_start.append(first)
    config.on_request_start.append(second)
    config.on_request_end.append(at_end)
    config.freeze()
    trace = Trace(object(), config, config.trace_config_ctx("r1"))  # type: ignore[arg-type]

    await trace.send_request_start("GET", URL_, HEADERS)
    await trace.send_request_end("GET", URL_, HEADERS, RESPONSE)  # type: ignore[arg-type]

    assert seen == ["first", "second started=True", "end started=True req=r1"]


def test_freeze_freezes_every_signal() -> None:
    config = TraceConfig()
    assert not any(getattr(config, name).frozen for name in SIGNALS)
    config.freeze()
    for name in SIGNALS:
        signal = getattr(config, name)
        assert signal.frozen, name
        with pytest.raises(RuntimeError):
            signal.append(recorder([]))


async def test_sending_before_freeze_is_an_error() -> None:
    config = TraceConfig()
    trace = Trace(object(), config, config.trace_config_ctx())  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="non-frozen"):
        await trace.send_dns_cache_hit("example.com")


def test_default_context_is_a_simplenamespace_holding_trace_request_ctx() -> None:
    config = TraceConfig()
    ctx = config.trace_config_ctx()
    assert type(ctx) is SimpleNamespace
    assert ctx.trace_request_ctx is None
    assert config.trace_config_ctx(trace_request_ctx="tag").trace_request_ctx == "tag"
    assert config.trace_config_ctx() is not ctx


def test_custom_context_factory_is_called_once_per_request() -> None:
    class TimingContext(SimpleNamespace):
        started: float | None = None

    config = TraceConfig(trace_config_ctx_factory=TimingContext)
    ctx = config.trace_config_ctx(trace_request_ctx={"id": 7})
    assert isinstance(ctx, TimingContext)
    assert ctx.trace_request_ctx == {"id": 7}
    assert ctx.started is None


def test_params_are_frozen_and_slotted() -> None:
    params = TraceDnsCacheMissParams("example.com")
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.host = "other"  # type: ignore[misc]
    assert not hasattr(params, "__dict__")
    assert params == TraceDnsCacheMissParams("example.com")
    assert repr(params) == "TraceDnsCacheMissParams(host='example.com')"


def test_public_module_exports_config_and_params_but_not_trace() -> None:
    assert "Trace" not in public_tracing.__all__
    assert set(public_tracing.__all__) == set(tracing.__all__) - {"Trace"}
    for name in public_tracing.__all__:
        assert getattr(public_tracing, name) is getattr(tracing, name)
