"""aioweb's pytest plugin: fixtures for test servers and clients, and leak checks.

pytest loads it by itself once aioweb is installed (the ``pytest11`` entry point), next to
pytest-asyncio, which runs the async tests and fixtures. The fixtures are named
``aioweb_client``, ``aioweb_server``, ``aioweb_raw_server``, ``aioweb_unused_port`` and
``aioweb_transport``, so aiohttp's plugin can be loaded in the same run. See the "Testing"
page of the documentation.
"""

from __future__ import annotations

from aioweb._testing.plugin import (
    AiowebClient,
    AiowebRawServer,
    AiowebServer,
    aioweb_client,
    aioweb_raw_server,
    aioweb_server,
    aioweb_transport,
    aioweb_unused_port,
    pytest_addoption,
    pytest_configure,
    pytest_fixture_setup,
    pytest_generate_tests,
    pytest_runtest_makereport,
    pytest_runtest_setup,
    pytest_runtest_teardown,
    pytest_unconfigure,
)

__all__ = [
    "AiowebClient",
    "AiowebRawServer",
    "AiowebServer",
    "aioweb_client",
    "aioweb_raw_server",
    "aioweb_server",
    "aioweb_transport",
    "aioweb_unused_port",
    "pytest_addoption",
    "pytest_configure",
    "pytest_fixture_setup",
    "pytest_generate_tests",
    "pytest_runtest_makereport",
    "pytest_runtest_setup",
    "pytest_runtest_teardown",
    "pytest_unconfigure",
]
