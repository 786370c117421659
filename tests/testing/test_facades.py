"""aioweb.test_utils and aioweb.pytest_plugin export the intended, documented names."""

from __future__ import annotations

import importlib
import inspect

import pytest

import aioweb.pytest_plugin
import aioweb.test_utils

# aiohttp 3.14's aiohttp.test_utils names users import, plus aioweb's additions.
EXPECTED_TEST_UTILS = {
    "AioHTTPTestCase", "BaseTestServer", "RawTestServer", "TestClient", "TestServer",
    "get_port_socket", "get_unused_port_socket", "loop_context", "make_mocked_coro",
    "make_mocked_request", "setup_test_loop", "teardown_test_loop", "unittest_run_loop",
    "unused_port",
    # aioweb's own
    "AiowebTestCase", "MockConnector",
}  # fmt: skip
FIXTURES = {
    "aioweb_client", "aioweb_raw_server", "aioweb_server", "aioweb_transport",
    "aioweb_unused_port",
}  # fmt: skip


def test_test_utils_exports_exactly_the_intended_names() -> None:
    assert set(aioweb.test_utils.__all__) == EXPECTED_TEST_UTILS


def test_the_plugin_exports_its_fixtures_hooks_and_fixture_types() -> None:
    names = set(aioweb.pytest_plugin.__all__)
    assert names >= FIXTURES | {"AiowebClient", "AiowebServer", "AiowebRawServer"}
    assert {n for n in names if n.startswith("pytest_")} >= {
        "pytest_addoption",
        "pytest_configure",
        "pytest_runtest_teardown",
    }


@pytest.mark.parametrize("module", ["aioweb.test_utils", "aioweb.pytest_plugin"])
def test_every_public_name_has_a_docstring(module: str) -> None:
    mod = importlib.import_module(module)
    assert inspect.getdoc(mod)
    for name in mod.__all__:
        value = getattr(mod, name)
        if inspect.isclass(value) or callable(value):
            assert inspect.getdoc(value), f"{module}.{name} has no docstring"
        if inspect.isclass(value):
            for attr, member in vars(value).items():
                if not attr.startswith("_") and callable(member):
                    assert inspect.getdoc(member), f"{module}.{name}.{attr} has no docstring"


def test_the_plugin_is_registered_for_pytest(pytestconfig: pytest.Config) -> None:
    # Under its module name, so `pytest_plugins = ["aioweb.pytest_plugin"]` left over from
    # a conftest (or `-p aioweb.pytest_plugin`) finds it loaded instead of failing with
    # "Plugin already registered under a different name".
    plugin = pytestconfig.pluginmanager.get_plugin("aioweb.pytest_plugin")
    assert plugin is aioweb.pytest_plugin
