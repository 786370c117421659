"""unused_port, the listening-socket helpers and the loop helpers of aioweb.test_utils."""

from __future__ import annotations

import asyncio
import socket

import pytest

from aioweb.test_utils import (
    get_port_socket,
    get_unused_port_socket,
    loop_context,
    setup_test_loop,
    teardown_test_loop,
    unittest_run_loop,
)


def test_unused_port_is_free_to_bind(aioweb_unused_port: object) -> None:
    assert callable(aioweb_unused_port)
    port = aioweb_unused_port()
    assert 0 < port < 65536
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))


def test_get_port_socket_binds_the_given_address() -> None:
    with get_unused_port_socket("127.0.0.1") as first:
        host, port = first.getsockname()
        assert host == "127.0.0.1"
        assert port > 0
        first.listen()
        with pytest.raises(OSError, match="in use"), get_port_socket("127.0.0.1", port):
            pass  # `first` listens there: the second bind fails
    with get_port_socket("127.0.0.1", 0, socket.AF_INET) as again:
        assert again.family == socket.AF_INET


def test_loop_context_gives_a_current_loop_and_cleans_it_up() -> None:
    ran: list[str] = []

    async def forever() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            ran.append("cancelled")
            raise

    with loop_context() as loop:
        assert asyncio.get_event_loop() is loop
        task = loop.create_task(forever())
        loop.run_until_complete(asyncio.sleep(0))
    assert loop.is_closed()
    assert task.cancelled()
    assert ran == ["cancelled"]


def test_teardown_accepts_a_loop_that_is_closed_already() -> None:
    loop = setup_test_loop()
    loop.close()
    teardown_test_loop(loop, fast=True)
    assert loop.is_closed()


def test_loop_context_takes_a_factory() -> None:
    made: list[asyncio.AbstractEventLoop] = []

    def factory() -> asyncio.AbstractEventLoop:
        made.append(asyncio.new_event_loop())
        return made[-1]

    with loop_context(factory, fast=True) as loop:
        assert made == [loop]
    assert loop.is_closed()


def test_unittest_run_loop_is_a_deprecated_no_op() -> None:
    async def test_method() -> None:
        pass

    with pytest.warns(DeprecationWarning, match="unittest_run_loop"):
        assert unittest_run_loop(test_method) is test_method
