"""Build the application, and serve it from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path

from aioweb import web

from polls.db import Database, database_ctx, db_key
from polls.middlewares import error_pages
from polls.routes import setup_routes
from polls.templating import setup_templates


def create_app(db_path: str | Path = "polls.sqlite3") -> web.Application:
    """Return the polls application, storing its data in ``db_path``."""
    app = web.Application(middlewares=[error_pages])
    app[db_key] = Database(db_path)
    app.cleanup_ctx.append(database_ctx)
    setup_templates(app)
    setup_routes(app)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m polls", description="Serve the polls.")
    parser.add_argument("--db", default="polls.sqlite3", help="SQLite file (%(default)s)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    parser.add_argument("--port", type=int, default=8080, help="port to listen on (%(default)s)")
    args = parser.parse_args(argv)
    web.run_app(create_app(args.db), host=args.host, port=args.port)
