"""Test utilities at aiohttp's module path: ``from aioweb.test_utils import TestClient``.

Serve an application or a bare handler for a test (over loopback TCP or in memory), talk to
it with a :class:`TestClient`, unit-test handlers with :func:`make_mocked_request`, and answer
a ``ClientSession``'s requests in memory with :class:`MockConnector`. The pytest fixtures
built on these live in ``aioweb.pytest_plugin``, which pytest loads by itself.
"""

from __future__ import annotations

from aioweb._testing.case import AioHTTPTestCase, AiowebTestCase
from aioweb._testing.client import TestClient
from aioweb._testing.connectors import MockConnector
from aioweb._testing.loops import (
    loop_context,
    setup_test_loop,
    teardown_test_loop,
    unittest_run_loop,
)
from aioweb._testing.mocked import make_mocked_coro, make_mocked_request
from aioweb._testing.ports import get_port_socket, get_unused_port_socket, unused_port
from aioweb._testing.servers import BaseTestServer, RawTestServer, TestServer

__all__ = [
    "AioHTTPTestCase",
    "AiowebTestCase",
    "BaseTestServer",
    "MockConnector",
    "RawTestServer",
    "TestClient",
    "TestServer",
    "get_port_socket",
    "get_unused_port_socket",
    "loop_context",
    "make_mocked_coro",
    "make_mocked_request",
    "setup_test_loop",
    "teardown_test_loop",
    "unittest_run_loop",
    "unused_port",
]
