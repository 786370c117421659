"""``AioHTTPTestCase``: an ``IsolatedAsyncioTestCase`` with a server and a client per test.

``asyncSetUp`` builds the application with :meth:`AioHTTPTestCase.get_application`, serves
it with :meth:`~AioHTTPTestCase.get_server` and connects
:meth:`~AioHTTPTestCase.get_client` to it; ``asyncTearDown`` closes the client, which closes
the server. Override ``get_server`` to choose the in-memory transport::

    async def get_server(self, app):
        return TestServer(app, transport="memory")
"""

from __future__ import annotations

import asyncio
from unittest import IsolatedAsyncioTestCase

from aioweb._server.app import Application
from aioweb._testing.client import TestClient
from aioweb._testing.servers import BaseTestServer, TestServer

__all__ = ["AioHTTPTestCase", "AiowebTestCase"]


class AioHTTPTestCase(IsolatedAsyncioTestCase):
    """A ``unittest`` test case that serves an application for each test method.

    Write ``async def test_*`` methods and use ``self.client`` (a :class:`TestClient`),
    ``self.server`` and ``self.app``. If you override ``asyncSetUp`` or ``asyncTearDown``,
    call the parent's method.

    Attributes:
        app: The application of the running test.
        server: Its test server.
        client: The client connected to it.
        loop: The running event loop.
    """

    app: Application
    server: BaseTestServer
    client: TestClient
    loop: asyncio.AbstractEventLoop

    async def get_application(self) -> Application:
        """Return the application to test; every test case must override this.

        Raises:
            RuntimeError: When not overridden.
        """
        raise RuntimeError("Did you forget to define get_application()?")

    async def get_server(self, app: Application) -> BaseTestServer:
        """Return the server for ``app``; a loopback :class:`TestServer` by default."""
        return TestServer(app)

    async def get_client(self, server: BaseTestServer) -> TestClient:
        """Return the client for ``server``."""
        return TestClient(server)

    async def asyncSetUp(self) -> None:
        """Build the application, start its server and create the client."""
        self.loop = asyncio.get_running_loop()
        self.app = await self.get_application()
        self.server = await self.get_server(self.app)
        self.client = await self.get_client(self.server)
        await self.client.start_server()

    async def asyncTearDown(self) -> None:
        """Close the client and the server."""
        await self.client.close()


#: The same class under aioweb's own name.
AiowebTestCase = AioHTTPTestCase
