"""Fixtures: the polls application on a free port of 127.0.0.1, and a client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aioweb import ClientSession, ClientTimeout, web

from polls.main import create_app


class Server:
    """Serve an application over real sockets; stop it and start it again if needed."""

    def __init__(self, make_app: Callable[[], web.Application]) -> None:
        self.make_app = make_app
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Serve a new application from ``make_app()`` on a free port."""
        self._runner = web.AppRunner(self.make_app())
        await self._runner.setup()  # enters cleanup_ctx: opens the database
        site = web.TCPSite(self._runner, "127.0.0.1", 0)  # port 0: the OS picks a free one
        await site.start()
        self.url = f"http://127.0.0.1:{site.port}"

    async def stop(self) -> None:
        """Shut down gracefully; leaves cleanup_ctx, which closes the database."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


StartServer = Callable[[Callable[[], web.Application]], Awaitable[Server]]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "polls.sqlite3"


@pytest.fixture
async def start_server() -> AsyncIterator[StartServer]:
    """Start servers for one test; each of them is stopped when the test ends."""
    servers: list[Server] = []

    async def start(make_app: Callable[[], web.Application]) -> Server:
        server = Server(make_app)
        servers.append(server)
        await server.start()
        return server

    yield start
    for server in reversed(servers):
        await server.stop()


@pytest.fixture
async def server(start_server: StartServer, db_path: Path) -> Server:
    return await start_server(lambda: create_app(db_path))


@pytest.fixture
async def client(server: Server) -> AsyncIterator[ClientSession]:
    async with ClientSession(server.url, timeout=ClientTimeout(total=10)) as session:
        yield session
