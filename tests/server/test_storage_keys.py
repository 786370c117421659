"""``str`` keys in application, request and response storage: they work, and warn.

The warning is aiohttp 3.14's ``NotAppKeyWarning``, with aiohttp's first line, and no link
to aiohttp's documentation. As in aiohttp it is hidden unless warnings are turned on
(``-W default``, ``-X dev``, or pytest, which shows every warning).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, MutableMapping

import pytest

from aioweb import web
from aioweb.test_utils import make_mocked_request


def application() -> MutableMapping[str, object]:
    return web.Application()  # type: ignore[return-value]


def request() -> MutableMapping[str, object]:
    return make_mocked_request("GET", "/")  # type: ignore[return-value]


def response() -> MutableMapping[str, object]:
    return web.StreamResponse()  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("make", "key_class"),
    [(application, "AppKey"), (request, "RequestKey"), (response, "ResponseKey")],
    ids=["application", "request", "response"],
)
def test_str_keys_work_and_warn_without_pointing_to_aiohttp(
    make: Callable[[], MutableMapping[str, object]], key_class: str
) -> None:
    storage = make()
    with pytest.warns(web.NotAppKeyWarning) as caught:
        storage["name"] = "value"
    assert storage["name"] == "value"
    (warning,) = caught
    message = str(warning.message)
    assert message == f"It is recommended to use web.{key_class} instances for keys."
    assert "aiohttp" not in message
    assert warning.filename == __file__  # reported at the line that stored it


def test_response_keys_store_without_warning() -> None:
    key = web.ResponseKey("user", str)
    resp = web.StreamResponse()
    resp[key] = "alice"  # filterwarnings=error: any warning would fail here
    assert resp[key] == "alice"
    assert list(resp) == [key]
    del resp[key]
    assert key not in resp


CODE = """
from aioweb import web
app = web.Application()
app["db"] = 1
web.StreamResponse()["x"] = 1
print("stored")
"""


@pytest.mark.parametrize(
    ("options", "shown"), [([], False), (["-W", "default"], True), (["-X", "dev"], True)]
)
def test_the_warning_is_hidden_unless_warnings_are_turned_on(
    options: list[str], shown: bool
) -> None:
    done = subprocess.run(
        [sys.executable, *options, "-c", CODE],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "stored\n"
    assert ("NotAppKeyWarning" in done.stderr) is shown, done.stderr
    if shown:
        assert "web.AppKey" in done.stderr
        assert "web.ResponseKey" in done.stderr
