"""ThreadedResolver, AsyncResolver and DefaultResolver, without touching the network."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from typing import Any

import aiodns
import pytest

import aioweb
from aioweb import resolver as resolver_facade
from aioweb._client import resolver as resolver_module
from aioweb._client.resolver import (
    AbstractResolver,
    AsyncResolver,
    DefaultResolver,
    ResolveResult,
    ThreadedResolver,
)

NUMERIC = socket.AI_NUMERICHOST | socket.AI_NUMERICSERV


@pytest.fixture
async def async_resolver() -> AsyncIterator[AsyncResolver]:
    resolver = AsyncResolver()
    yield resolver
    await resolver.close()


def ipv6_loopback_works() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


# ---------------------------------------------------------------- ThreadedResolver


async def test_threaded_resolver_resolves_localhost_to_loopback() -> None:
    results = await ThreadedResolver().resolve("localhost", 8080, family=socket.AF_INET)
    assert {r["host"] for r in results} == {"127.0.0.1"}
    for r in results:
        assert r["hostname"] == "localhost"
        assert r["port"] == 8080
        assert r["family"] == socket.AF_INET
        assert r["flags"] == NUMERIC


async def test_threaded_resolver_passes_a_numeric_address_through() -> None:
    results = await ThreadedResolver().resolve("127.0.0.1", 443)
    assert results == [
        {
            "hostname": "127.0.0.1",
            "host": "127.0.0.1",
            "port": 443,
            "family": socket.AF_INET,
            "proto": socket.IPPROTO_TCP,
            "flags": NUMERIC,
        }
    ]


async def test_threaded_resolver_keeps_the_scope_of_a_link_local_address() -> None:
    if not ipv6_loopback_works():
        pytest.skip("no IPv6 on this host")
    results = await ThreadedResolver().resolve("fe80::1%lo", 80, family=socket.AF_INET6)
    assert [(r["host"], r["port"]) for r in results] == [("fe80::1%lo", 80)]


async def test_threaded_resolver_passes_the_getaddrinfo_error_on_unchanged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    error = socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    async def failing(*args: Any, **kwargs: Any) -> Any:
        raise error

    loop = asyncio.get_running_loop()
    monkeypatch.setattr(loop, "getaddrinfo", failing)
    with pytest.raises(socket.gaierror) as info:
        await ThreadedResolver().resolve("nothing.invalid", 80)
    assert info.value is error


async def test_threaded_resolver_reports_an_empty_answer_as_dns_lookup_failed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def empty(*args: Any, **kwargs: Any) -> list[Any]:
        return []

    loop = asyncio.get_running_loop()
    monkeypatch.setattr(loop, "getaddrinfo", empty)
    with pytest.raises(OSError, match="DNS lookup failed"):
        await ThreadedResolver(loop).resolve("example.test", 80)


async def test_threaded_resolver_skips_ipv6_results_a_non_ipv6_python_cannot_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def answer(*args: Any, **kwargs: Any) -> list[Any]:
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", 80)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 80)),
        ]

    loop = asyncio.get_running_loop()
    monkeypatch.setattr(loop, "getaddrinfo", answer)
    results = await ThreadedResolver().resolve("example.test", 80, socket.AF_UNSPEC)
    assert [r["host"] for r in results] == ["127.0.0.1"]


# ---------------------------------------------------------------- AsyncResolver


async def test_async_resolver_resolves_a_numeric_address_without_the_network(
    async_resolver: AsyncResolver,
) -> None:
    results = await async_resolver.resolve("127.0.0.1", 8443)
    assert [(r["hostname"], r["host"], r["port"], r["family"]) for r in results] == [
        ("127.0.0.1", "127.0.0.1", 8443, socket.AF_INET)
    ]
    assert results[0]["flags"] == NUMERIC


async def test_async_resolver_resolves_ipv6_loopback_to_a_str_host(
    async_resolver: AsyncResolver,
) -> None:
    if not ipv6_loopback_works():
        pytest.skip("no IPv6 on this host")
    results = await async_resolver.resolve("::1", 80, family=socket.AF_INET6)
    assert [(r["host"], r["family"]) for r in results] == [("::1", socket.AF_INET6)]


async def test_async_resolver_turns_a_dns_error_into_an_oserror_with_its_message(
    async_resolver: AsyncResolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    dns = async_resolver._channel()

    def not_found(*args: Any, **kwargs: Any) -> Any:
        future = asyncio.get_running_loop().create_future()
        future.set_exception(aiodns.error.DNSError(4, "Domain name not found"))
        return future

    monkeypatch.setattr(dns, "getaddrinfo", not_found)
    with pytest.raises(OSError, match="Domain name not found") as info:
        await async_resolver.resolve("nothing.invalid", 80)
    assert info.value.strerror == "Domain name not found"
    assert info.value.errno is None
    assert isinstance(info.value.__cause__, aiodns.error.DNSError)


async def test_async_resolver_reports_an_empty_answer_as_dns_lookup_failed(
    async_resolver: AsyncResolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    dns = async_resolver._channel()

    class Answer:
        nodes: tuple[Any, ...] = ()

    def empty(*args: Any, **kwargs: Any) -> Any:
        future = asyncio.get_running_loop().create_future()
        future.set_result(Answer())
        return future

    monkeypatch.setattr(dns, "getaddrinfo", empty)
    with pytest.raises(OSError, match="DNS lookup failed"):
        await async_resolver.resolve("example.test", 80)


async def test_async_resolver_sends_mdns_names_to_the_operating_system(
    async_resolver: AsyncResolver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """aiohttp #10111: c-ares cannot resolve ``.local`` names, getaddrinfo can."""
    seen: list[str] = []

    async def system(host: str, *args: Any, **kwargs: Any) -> list[Any]:
        seen.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.0.2.7", 80))]

    def c_ares(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("c-ares must not be asked about .local names")

    monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", system)
    monkeypatch.setattr(async_resolver._channel(), "getaddrinfo", c_ares)
    results = await async_resolver.resolve("printer.local.", 80)
    assert seen == ["printer.local."]
    assert [r["host"] for r in results] == ["192.0.2.7"]


async def test_async_resolver_passes_keyword_arguments_to_aiodns() -> None:
    resolver = AsyncResolver(nameservers=["127.0.0.1"], timeout=1.5)
    try:
        assert list(resolver._channel().nameservers) == ["127.0.0.1"]
    finally:
        await resolver.close()


def test_async_resolver_built_outside_a_loop_creates_its_channel_on_first_use() -> None:
    resolver = AsyncResolver()

    async def use() -> list[ResolveResult]:
        try:
            return await resolver.resolve("127.0.0.1", 80)
        finally:
            await resolver.close()

    assert [r["host"] for r in asyncio.run(use())] == ["127.0.0.1"]


async def test_async_resolver_close_twice_is_harmless(async_resolver: AsyncResolver) -> None:
    await async_resolver.close()
    await async_resolver.close()


def test_async_resolver_without_aiodns_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(resolver_module, "_AIODNS_USABLE", False)
    with pytest.raises(RuntimeError, match=r"aiodns.*aioweb\[speedups\]"):
        AsyncResolver()


# ---------------------------------------------------------------- DefaultResolver and facade


def test_default_resolver_is_the_aiodns_one_when_aiodns_is_installed() -> None:
    assert DefaultResolver is AsyncResolver


def test_default_resolver_falls_back_to_threads_without_aiodns() -> None:
    code = (
        "import sys; sys.modules['aiodns'] = None\n"
        "from aioweb.resolver import DefaultResolver, ThreadedResolver\n"
        "assert DefaultResolver is ThreadedResolver, DefaultResolver\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_facade_exports_the_resolvers_and_the_interface() -> None:
    assert resolver_facade.__all__ == ["AsyncResolver", "DefaultResolver", "ThreadedResolver"]
    assert resolver_facade.AbstractResolver is AbstractResolver
    assert resolver_facade.ResolveResult is ResolveResult
    assert aioweb.ThreadedResolver is ThreadedResolver
    for name in resolver_facade.__all__:
        assert getattr(resolver_facade, name).__doc__


async def test_a_custom_resolver_only_needs_resolve_and_close() -> None:
    class Fixed(AbstractResolver):
        async def resolve(
            self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
        ) -> list[ResolveResult]:
            return [
                {
                    "hostname": host,
                    "host": "127.0.0.1",
                    "port": port,
                    "family": socket.AF_INET,
                    "proto": 0,
                    "flags": NUMERIC,
                }
            ]

        async def close(self) -> None:
            return None

    assert (await Fixed().resolve("anything", 1))[0]["host"] == "127.0.0.1"
    with pytest.raises(TypeError):
        AbstractResolver()  # type: ignore[abstract]
