"""``python -m aioweb.web package.module:factory``: serve an application from the shell."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from aioweb._server.app import Application
from aioweb._server.run_app import run_app

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> None:
    """Import ``module:factory``, call the factory with the extra arguments and serve it.

    Raises:
        SystemExit: Bad arguments, an unimportable module, or a factory that does not
            return a ``web.Application`` (with a message saying which).
    """
    parser = argparse.ArgumentParser(
        prog="python -m aioweb.web",
        description="Serve an aioweb application made by a factory function.",
        epilog="Arguments after the entry point are passed to the factory as a list of str.",
    )
    parser.add_argument("entry_func", metavar="entry-func", help="module:function, e.g. app:make")
    parser.add_argument("-H", "--hostname", default="localhost", help="TCP/IP hostname")
    parser.add_argument("-P", "--port", type=int, default=8080, help="TCP/IP port")
    parser.add_argument("-U", "--path", help="Unix socket path (overrides host and port)")
    args, extra = parser.parse_known_args(argv)
    module_name, sep, func_name = args.entry_func.partition(":")
    if not sep or not module_name or not func_name:
        parser.error("entry-func must look like 'package.module:function'")
    if module_name.startswith("."):
        parser.error("relative module names are not supported")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        parser.error(f"unable to import {module_name}: {exc}")
    factory = getattr(module, func_name, None)
    if factory is None:
        parser.error(f"module {module_name!r} has no attribute {func_name!r}")
    app = factory(extra)
    if not isinstance(app, Application):
        parser.error(f"{args.entry_func} returned {type(app).__name__}, not web.Application")
    if args.path:
        run_app(app, path=args.path)
    else:
        run_app(app, host=args.hostname, port=args.port)


if __name__ == "__main__":  # pragma: no cover - exercised through aioweb.web
    main(sys.argv[1:])
