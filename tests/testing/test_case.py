"""AioHTTPTestCase (and its alias AiowebTestCase), run by pytest as a user runs it."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""


def test_a_test_case_gets_an_app_a_server_and_a_client(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(
        test_case="""
        import asyncio
        from aioweb import web
        from aioweb.test_utils import AioHTTPTestCase, AiowebTestCase, TestServer


        NAME = web.AppKey("name", str)


        async def hello(request):
            return web.Response(text="hello " + request.app[NAME])


        class TestHello(AioHTTPTestCase):
            async def get_application(self):
                app = web.Application()
                app[NAME] = "case"
                app.router.add_get("/", hello)
                return app

            async def test_get(self):
                async with self.client.get("/") as resp:
                    self.assertEqual(resp.status, 200)
                    self.assertEqual(await resp.text(), "hello case")

            async def test_attributes(self):
                self.assertIs(self.client.app, self.app)
                self.assertIs(self.client.server, self.server)
                self.assertIs(self.loop, asyncio.get_running_loop())
                self.assertEqual(self.server.transport, "tcp")


        class TestInMemory(AiowebTestCase):
            async def get_application(self):
                app = web.Application()
                app[NAME] = "memory"
                app.router.add_get("/", hello)
                return app

            async def get_server(self, app):
                return TestServer(app, transport="memory")

            async def test_get(self):
                resp = await self.client.get("/")
                self.assertEqual(await resp.text(), "hello memory")
                self.assertEqual(self.server.runner.addresses, [])


        class TestForgotten(AioHTTPTestCase):
            async def test_nothing(self):
                pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*RuntimeError: Did you forget to define get_application()?*"])


def test_the_alias_is_the_same_class() -> None:
    from aioweb.test_utils import AioHTTPTestCase, AiowebTestCase

    assert AiowebTestCase is AioHTTPTestCase
