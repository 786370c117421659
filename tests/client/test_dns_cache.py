"""DNSCache: TTL on a fake clock, a hard size bound (CLI-15), LRU eviction, round-robin."""

from __future__ import annotations

import socket

import pytest

from aioweb._client.dns_cache import DNSCache
from aioweb._client.resolver import ResolveResult


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def addr(host: str, port: int = 80) -> ResolveResult:
    return {
        "hostname": "example.test",
        "host": host,
        "port": port,
        "family": socket.AF_INET6 if ":" in host else socket.AF_INET,
        "proto": socket.IPPROTO_TCP,
        "flags": socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
    }


def hosts(results: list[ResolveResult] | None) -> list[str]:
    assert results is not None
    return [r["host"] for r in results]


def test_a_missing_name_is_a_miss() -> None:
    cache = DNSCache()
    assert cache.get(("example.test", 80)) is None
    assert ("example.test", 80) not in cache
    assert len(cache) == 0


def test_an_entry_is_served_until_its_ttl_runs_out_then_removed() -> None:
    clock = FakeClock()
    cache = DNSCache(ttl=10, clock=clock)
    cache.add(("example.test", 80), [addr("192.0.2.1")])
    clock.now += 9.999
    assert hosts(cache.get(("example.test", 80))) == ["192.0.2.1"]
    assert ("example.test", 80) in cache
    clock.now += 0.001
    assert ("example.test", 80) not in cache
    assert cache.get(("example.test", 80)) is None
    assert len(cache) == 0


def test_adding_again_restarts_the_ttl() -> None:
    clock = FakeClock()
    cache = DNSCache(ttl=10, clock=clock)
    cache.add(("example.test", 80), [addr("192.0.2.1")])
    clock.now += 8
    cache.add(("example.test", 80), [addr("192.0.2.2")])
    clock.now += 8
    assert hosts(cache.get(("example.test", 80))) == ["192.0.2.2"]


def test_ttl_none_never_expires() -> None:
    clock = FakeClock()
    cache = DNSCache(ttl=None, clock=clock)
    cache.add(("example.test", 80), [addr("192.0.2.1")])
    clock.now += 10**9
    assert hosts(cache.get(("example.test", 80))) == ["192.0.2.1"]


def test_ttl_zero_never_serves_an_entry() -> None:
    cache = DNSCache(ttl=0, clock=FakeClock())
    cache.add(("example.test", 80), [addr("192.0.2.1")])
    assert cache.get(("example.test", 80)) is None


def test_the_port_is_part_of_the_key() -> None:
    cache = DNSCache()
    cache.add(("example.test", 80), [addr("192.0.2.1")])
    assert cache.get(("example.test", 443)) is None


def test_cli15_a_hundred_thousand_names_never_grow_the_cache_past_its_max_size() -> None:
    """CLI-15 (aiohttp #12106): a client resolving endless distinct names stays bounded."""
    cache = DNSCache(max_size=1000)
    for i in range(100_000):
        cache.add((f"host{i}.example.test", 80), [addr("192.0.2.1")])
        assert len(cache) <= 1000
    assert len(cache) == 1000
    # The newest names are the ones kept.
    assert ("host99999.example.test", 80) in cache
    assert ("host99000.example.test", 80) in cache
    assert ("host98999.example.test", 80) not in cache


def test_default_max_size_is_aiohttps_thousand() -> None:
    cache = DNSCache()
    for i in range(1500):
        cache.add((f"host{i}", 80), [addr("192.0.2.1")])
    assert len(cache) == 1000 == cache.max_size
    assert cache.ttl == 10


def test_the_least_recently_used_entry_is_evicted_first() -> None:
    cache = DNSCache(max_size=2)
    cache.add(("a", 80), [addr("192.0.2.1")])
    cache.add(("b", 80), [addr("192.0.2.2")])
    cache.get(("a", 80))  # "a" is now more recent than "b"
    cache.add(("c", 80), [addr("192.0.2.3")])
    assert ("a", 80) in cache
    assert ("b", 80) not in cache
    assert ("c", 80) in cache


def test_each_hit_rotates_the_addresses_so_connections_spread() -> None:
    cache = DNSCache()
    key = ("example.test", 80)
    cache.add(key, [addr("192.0.2.1"), addr("192.0.2.2"), addr("2001:db8::1")])
    assert hosts(cache.get(key)) == ["192.0.2.1", "192.0.2.2", "2001:db8::1"]
    assert hosts(cache.get(key)) == ["192.0.2.2", "2001:db8::1", "192.0.2.1"]
    assert hosts(cache.get(key)) == ["2001:db8::1", "192.0.2.1", "192.0.2.2"]
    assert hosts(cache.get(key)) == ["192.0.2.1", "192.0.2.2", "2001:db8::1"]


def test_containment_does_not_rotate() -> None:
    cache = DNSCache()
    key = ("example.test", 80)
    cache.add(key, [addr("192.0.2.1"), addr("192.0.2.2")])
    assert key in cache
    assert key in cache
    assert hosts(cache.get(key)) == ["192.0.2.1", "192.0.2.2"]
    assert "not a key" not in cache


def test_the_returned_list_is_the_callers_to_change() -> None:
    cache = DNSCache()
    key = ("example.test", 80)
    cache.add(key, [addr("192.0.2.1")])
    got = cache.get(key)
    assert got is not None
    got.clear()
    assert hosts(cache.get(key)) == ["192.0.2.1"]


def test_adding_an_empty_answer_forgets_the_name() -> None:
    cache = DNSCache()
    cache.add(("example.test", 80), [addr("192.0.2.1")])
    cache.add(("example.test", 80), [])
    assert cache.get(("example.test", 80)) is None
    assert len(cache) == 0


def test_remove_and_clear_forget_one_or_all() -> None:
    cache = DNSCache()
    cache.add(("a", 80), [addr("192.0.2.1")])
    cache.add(("b", 80), [addr("192.0.2.2")])
    cache.remove(("a", 80))
    cache.remove(("never-added", 80))
    assert len(cache) == 1
    cache.add(("a", 80), [addr("192.0.2.1")])
    cache.clear(("b", 80))
    assert ("b", 80) not in cache
    assert ("a", 80) in cache
    cache.clear()
    assert len(cache) == 0


@pytest.mark.parametrize(("ttl", "max_size"), [(-1, 10), (10, 0)])
def test_nonsense_limits_are_refused(ttl: float, max_size: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        DNSCache(ttl=ttl, max_size=max_size)
