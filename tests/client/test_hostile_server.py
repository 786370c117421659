"""SECURITY_CATALOGUE.md 8.7: the client against a hostile server scripted on loopback."""

from __future__ import annotations

import asyncio
import gzip
import zlib

import pytest

import aioweb
from clientutil import read_head, read_request, respond, scripted_server


async def test_cli_01_length_and_chunked_reads_chunked_and_never_reuses() -> None:
    async def script(reader, writer):
        await read_head(reader)
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"3\r\nabc\r\n0\r\n\r\n"
        )
        await read_head(reader)
        writer.write(respond(200, b"second"))
        await writer.drain()

    async with scripted_server(script) as srv, aioweb.ClientSession() as session:
        async with session.get(srv.url) as resp:
            assert await resp.read() == b"abc"
            assert resp.connection is None or resp.connection.closed
        async with session.get(srv.url) as resp:
            # A second connection (whose script starts over), never the first one again.
            assert await resp.read() == b"abc"
        assert srv.connections == 2


async def test_extra_bytes_after_a_body_never_become_the_next_response() -> None:
    async def script(reader, writer):
        await read_head(reader)
        writer.write(respond(200, b"real") + respond(200, b"smuggled"))
        await writer.drain()
        await read_head(reader)
        writer.write(respond(200, b"late"))
        await writer.drain()

    async with scripted_server(script) as srv, aioweb.ClientSession() as session:
        async with session.get(srv.url) as resp:
            assert await resp.read() == b"real"
        async with session.get(srv.url) as resp:
            # A new connection, whose script answers "real" again; never "smuggled".
            assert await resp.read() == b"real"
        assert srv.connections == 2


@pytest.mark.parametrize(
    "payload",
    [
        b"HTTP/1.1 200 OK\r\nX: a\x00b\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n",
        b"HTTX/1.1 200 OK\r\n\r\n",
    ],
    ids=["CLI-02-nul", "status", "obs-fold", "version"],
)
async def test_cli_02_malformed_response_raises_client_response_error(payload: bytes) -> None:
    async def script(reader, writer):
        await read_head(reader)
        writer.write(payload)
        await writer.drain()
        await reader.read()

    async with scripted_server(script) as srv, aioweb.ClientSession() as session:
        with pytest.raises(aioweb.ClientResponseError):
            await session.get(srv.url)


async def test_cli_03_ten_thousand_header_lines_stop_at_max_headers() -> None:
    async def script(reader, writer):
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 10_000 + b"\r\n")
        await writer.drain()
        await reader.read()

    async with scripted_server(script) as srv, aioweb.ClientSession() as session:
        with pytest.raises(aioweb.ClientResponseError):
            await session.get(srv.url)
        # A higher per-request cap accepts a response that the default refuses.

    async def script2(reader, writer):
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\n" + b"X-A: b\r\n" * 200 + b"Content-Length: 0\r\n\r\n")
        await writer.drain()
        await reader.read()

    async with scripted_server(script2) as srv, aioweb.ClientSession() as session:
        with pytest.raises(aioweb.ClientResponseError):
            await session.get(srv.url)
        async with session.get(srv.url, max_headers=300) as resp:
            assert len(resp.headers.getall("X-A")) == 200


async def test_cli_04_gzip_bomb_stops_at_the_cap() -> None:
    bomb = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)

    async def script(reader, writer):
        await read_head(reader)
        writer.write(respond(200, bomb, (("Content-Encoding", "gzip"),)))
        await writer.drain()
        await reader.read()

    async with scripted_server(script) as srv:
        async with aioweb.ClientSession(max_decompressed_size=1024 * 1024) as session:
            async with session.get(srv.url) as resp:
                with pytest.raises(aioweb.ClientPayloadError):
                    await resp.read()


@pytest.mark.parametrize(
    ("kwargs", "what"),
    [
        ({"method": "GET / HTTP/1.1\r\nX: y"}, "method"),
        ({"headers": {"X-A": "a\r\nX-Injected: 1"}}, "value"),
        ({"headers": {"X-A\r\nB": "1"}}, "name"),
        ({"headers": {"X-A": "a\x00b"}}, "nul"),
        ({"version": aioweb.HttpVersion(1, 2)}, "version"),
    ],
)
async def test_cli_10_injection_is_refused_before_any_byte(kwargs: dict, what: str) -> None:
    async def script(reader, writer):
        srv.requests.append(await reader.read())

    async with scripted_server(script) as srv:
        method = kwargs.pop("method", "GET")
        version = kwargs.pop("version", None)
        async with aioweb.ClientSession(**({"version": version} if version else {})) as session:
            with pytest.raises(ValueError, match=r"invalid|version|must"):
                await session.request(method, srv.url, **kwargs)
        assert srv.connections == 0


async def test_cli_10_url_with_decoded_crlf_is_refused() -> None:
    from yarl import URL

    async with aioweb.ClientSession() as session:
        with pytest.raises(ValueError, match="target"):
            await session.get(URL("http://127.0.0.1:9/a\r\nX: y", encoded=True))


async def test_cli_19_interim_responses_are_skipped() -> None:
    async def script(reader, writer):
        await read_head(reader)
        writer.write(
            b"HTTP/1.1 100 Continue\r\n\r\n"
            b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
            + respond(200, b"final")
        )
        await writer.drain()
        await reader.read()

    async with scripted_server(script) as srv, aioweb.ClientSession() as session:
        async with session.get(srv.url) as resp:
            assert resp.status == 200
            assert await resp.read() == b"final"


async def test_cli_19_unsolicited_101_is_an_error() -> None:
    async def script(reader, writer):
        await read_head(reader)
        writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: upgrade\r\n\r\n"
        )
        await writer.drain()
        await reader.read()

    async with scripted_server(script) as srv, aioweb.ClientSession() as session:
        with pytest.raises(aioweb.ClientError):
            await session.get(srv.url)


async def test_cli_20_head_with_content_length_returns_at_once_and_reuses() -> None:
    async def script(reader, writer):
        for _ in range(2):
            await read_head(reader)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            await writer.drain()

    async with scripted_server(script) as srv, aioweb.ClientSession() as session:
        for _ in range(2):
            async with session.head(srv.url) as resp:
                assert resp.content_length == 1000
                assert await resp.read() == b""
        assert srv.connections == 1


async def test_cli_16_sock_read_fires_on_a_trickling_server() -> None:
    async def script(reader, writer):
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nab")
        await writer.drain()
        await reader.read()

    timeout = aioweb.ClientTimeout(sock_read=0.3)
    async with scripted_server(script) as srv, aioweb.ClientSession(timeout=timeout) as session:
        async with session.get(srv.url) as resp:
            with pytest.raises(aioweb.SocketTimeoutError):
                await resp.read()


async def test_cli_17_server_that_never_answers_hits_the_read_timeout() -> None:
    async def script(reader, writer):
        await reader.read()

    timeout = aioweb.ClientTimeout(sock_read=0.3)
    async with scripted_server(script) as srv, aioweb.ClientSession(timeout=timeout) as session:
        with pytest.raises(aioweb.ServerTimeoutError):
            await session.get(srv.url)


async def test_total_timeout_covers_the_body_read() -> None:
    async def script(reader, writer):
        await read_head(reader)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        for _ in range(50):
            writer.write(b"x")
            await writer.drain()
            await asyncio.sleep(0.05)

    async with scripted_server(script) as srv:
        async with aioweb.ClientSession(timeout=aioweb.ClientTimeout(total=0.5)) as session:
            with pytest.raises(TimeoutError):
                async with session.get(srv.url) as resp:
                    await resp.read()


async def test_cli_08_redirect_loop_raises_too_many_redirects() -> None:
    async def script(reader, writer):
        while await read_head(reader):
            writer.write(respond(302, b"", (("Location", "/again"),)))
            await writer.drain()

    async with scripted_server(script) as srv, aioweb.ClientSession() as session:
        with pytest.raises(aioweb.TooManyRedirects) as info:
            await session.get(srv.url)
        assert len(info.value.history) == 10
        assert session.connector is not None
        assert session.connector.open_connections <= 1


async def test_cli_05_06_credentials_are_dropped_on_another_origin() -> None:
    seen: list[bytes] = []

    async def target(reader, writer):
        seen.append(await read_head(reader))
        writer.write(respond(200, b"ok"))
        await writer.drain()

    async with scripted_server(target) as dest:

        async def origin(reader, writer):
            await read_head(reader)
            writer.write(respond(302, b"", (("Location", str(dest.url / "x")),)))
            await writer.drain()

        async with scripted_server(origin) as src, aioweb.ClientSession() as session:
            headers = {
                "Authorization": "Bearer s3cret",
                "Cookie": "a=b",
                "Proxy-Authorization": "p",
            }
            async with session.get(src.url, headers=headers) as resp:
                assert await resp.read() == b"ok"
    head = seen[0].lower()
    assert b"authorization" not in head
    assert b"cookie" not in head


async def test_cli_07_redirect_to_a_non_http_scheme_is_refused() -> None:
    async def script(reader, writer):
        await read_head(reader)
        writer.write(respond(302, b"", (("Location", "file:///etc/passwd"),)))
        await writer.drain()

    async with scripted_server(script) as srv, aioweb.ClientSession() as session:
        with pytest.raises(aioweb.NonHttpUrlRedirectClientError):
            await session.get(srv.url)


async def test_stale_keep_alive_connection_is_retried_once_for_get() -> None:
    async def script(reader, writer):
        await read_head(reader)
        writer.write(respond(200, b"first"))
        await writer.drain()
        # Close the kept-alive connection as the second request is on its way.
        writer.close()

    async with scripted_server(script) as srv, aioweb.ClientSession() as session:
        async with session.get(srv.url) as resp:
            assert await resp.read() == b"first"
        await asyncio.sleep(0)  # the FIN may or may not have arrived: both must work
        async with session.get(srv.url) as resp:
            assert await resp.read() == b"first"
        assert srv.connections == 2


async def test_stale_connection_is_not_retried_for_post() -> None:
    async def script(reader, writer):
        request = await read_request(reader)
        if srv.connections == 1:
            writer.write(respond(200, b"first"))
            await writer.drain()
            # Wait for the next request, then drop it without answering.
            await read_request(reader)
            writer.transport.abort()
            return
        srv.requests.append(request)
        writer.write(respond(200, b"again"))
        await writer.drain()

    async with scripted_server(script) as srv, aioweb.ClientSession() as session:
        async with session.get(srv.url) as resp:
            await resp.read()
        with pytest.raises(aioweb.ServerDisconnectedError):
            await session.post(srv.url, data=b"not twice")
        assert srv.requests == []


async def test_deflate_body_is_decoded() -> None:
    body = zlib.compress(b"deflated!" * 100)

    async def script(reader, writer):
        await read_head(reader)
        writer.write(respond(200, body, (("Content-Encoding", "deflate"),)))
        await writer.drain()

    async with scripted_server(script) as srv, aioweb.ClientSession() as session:
        async with session.get(srv.url) as resp:
            assert await resp.read() == b"deflated!" * 100
