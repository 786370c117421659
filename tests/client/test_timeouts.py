"""ClientTimeout: defaults, validation, and the deadline rounding aiohttp documents."""

from __future__ import annotations

import asyncio
import dataclasses
import math
import pickle

import pytest

from aioweb._client.timeouts import DEFAULT_TIMEOUT, ClientTimeout, ceil_deadline, ceil_timeout

FIELDS = ["total", "connect", "sock_read", "sock_connect", "ceil_threshold"]


def test_every_timeout_is_off_by_default_and_threshold_is_five_seconds() -> None:
    timeout = ClientTimeout()
    assert (timeout.total, timeout.connect, timeout.sock_read, timeout.sock_connect) == (
        None,
        None,
        None,
        None,
    )
    assert timeout.ceil_threshold == 5


def test_session_default_is_five_minutes_total_and_thirty_seconds_per_connect() -> None:
    assert DEFAULT_TIMEOUT.total == 300
    assert DEFAULT_TIMEOUT.sock_connect == 30
    assert DEFAULT_TIMEOUT.connect is None
    assert DEFAULT_TIMEOUT.sock_read is None


def test_positional_arguments_follow_aiohttp_field_order() -> None:
    assert ClientTimeout(1, 2, 3, 4, 6) == ClientTimeout(
        total=1, connect=2, sock_read=3, sock_connect=4, ceil_threshold=6
    )


def test_timeout_is_immutable_and_replace_derives_a_variant() -> None:
    timeout = ClientTimeout(total=10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        timeout.total = 20  # type: ignore[misc]
    longer = dataclasses.replace(timeout, total=20, sock_read=5)
    assert (longer.total, longer.sock_read, timeout.total) == (20, 5, 10)


def test_equal_timeouts_hash_equal_and_pickle() -> None:
    timeout = ClientTimeout(total=1.5, sock_read=0.25)
    assert {timeout, ClientTimeout(total=1.5, sock_read=0.25)} == {timeout}
    assert pickle.loads(pickle.dumps(timeout)) == timeout
    assert not hasattr(timeout, "__dict__")


def test_zero_is_accepted_and_means_no_timeout() -> None:
    timeout = ClientTimeout(total=0, connect=0, sock_read=0, sock_connect=0)
    assert timeout.total == 0
    assert ceil_deadline(100.0, timeout.total, timeout.ceil_threshold) is None


@pytest.mark.parametrize("field", FIELDS)
def test_negative_value_is_refused_naming_the_field(field: str) -> None:
    with pytest.raises(ValueError, match=rf"ClientTimeout\.{field} must be >= 0"):
        ClientTimeout(**{field: -1})


@pytest.mark.parametrize("field", FIELDS)
def test_nan_is_refused_naming_the_field(field: str) -> None:
    with pytest.raises(ValueError, match=rf"ClientTimeout\.{field}"):
        ClientTimeout(**{field: math.nan})


@pytest.mark.parametrize("value", ["5", True, [5]])
def test_non_number_is_refused_with_type_error(value: object) -> None:
    with pytest.raises(TypeError, match=r"ClientTimeout\.total must be a number"):
        ClientTimeout(total=value)  # type: ignore[arg-type]


def test_ceil_threshold_may_not_be_none() -> None:
    with pytest.raises(TypeError, match="ceil_threshold"):
        ClientTimeout(ceil_threshold=None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("now", "delay", "threshold", "expected"),
    [
        # At or under the threshold the deadline is exact, for easy debugging.
        (12345.67, 1, 5, 12346.67),
        (12345.67, 5, 5, 12350.67),
        # aiohttp's documented example: 10 s from 12345.67 fires at 12356.
        (12345.67, 10, 5, 12356.0),
        (100.0, 10, 5, 110.0),
        (100.25, 0.5, 0, 101.0),
        # Raising the threshold keeps longer timeouts exact.
        (12345.67, 10, 60, 12355.67),
    ],
)
def test_deadline_beyond_threshold_is_rounded_up_to_a_whole_second(
    now: float, delay: float, threshold: float, expected: float
) -> None:
    assert ceil_deadline(now, delay, threshold) == pytest.approx(expected)


@pytest.mark.parametrize("delay", [None, 0, -3, math.inf])
def test_no_deadline_for_disabled_or_infinite_delay(delay: float | None) -> None:
    assert ceil_deadline(100.0, delay, 5) is None


async def test_ceil_timeout_schedules_long_deadlines_on_a_second_boundary() -> None:
    loop = asyncio.get_running_loop()
    before = loop.time()
    async with ceil_timeout(30) as cm:
        when = cm.when()
        assert when is not None
        assert when == math.floor(when)
        assert before + 30 <= when <= loop.time() + 31


async def test_ceil_timeout_without_delay_never_expires() -> None:
    async with ceil_timeout(None) as cm:
        assert cm.when() is None
    async with ceil_timeout(0) as cm:
        assert cm.when() is None


async def test_ceil_timeout_raises_timeouterror_when_the_deadline_passes() -> None:
    never = asyncio.Event()
    with pytest.raises(TimeoutError):
        async with ceil_timeout(0.001):
            await never.wait()
