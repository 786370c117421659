"""The gunicorn workers are in ``aioweb.__all__``, as in aiohttp, yet load only when asked for.

Each check runs in a fresh interpreter, where ``sys.modules`` shows what was imported.
"""

from __future__ import annotations

import subprocess
import sys

import aioweb


def run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_worker_classes_are_listed_in_all() -> None:
    assert {"GunicornWebWorker", "GunicornUVLoopWebWorker"} <= set(aioweb.__all__)


def test_import_aioweb_does_not_import_gunicorn() -> None:
    assert run("import sys, aioweb; print('gunicorn' in sys.modules)") == "False"


def test_star_import_loads_the_workers() -> None:
    code = (
        "from aioweb import *\n"
        "from aioweb.worker import GunicornWebWorker as W\n"
        "print(GunicornWebWorker is W, GunicornUVLoopWebWorker.__name__)"
    )
    assert run(code) == "True GunicornUVLoopWebWorker"


def test_without_gunicorn_the_names_are_none_and_star_import_works() -> None:
    # None in sys.modules makes "import gunicorn" fail as if it were not installed.
    code = (
        "import sys\n"
        "sys.modules['gunicorn'] = None\n"
        "from aioweb import *\n"
        "import aioweb\n"
        "print(GunicornWebWorker, aioweb.GunicornUVLoopWebWorker, ClientSession.__name__)"
    )
    assert run(code) == "None None ClientSession"
