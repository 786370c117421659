"""aioweb behind a real nginx reverse proxy (Debian's nginx-light), as the deployment docs
describe: HTTP/1.1 keep-alive to the upstream, forwarded headers, request bodies."""

from __future__ import annotations

import asyncio
import shutil
import signal
from pathlib import Path

from aioweb import web
from procutil import free_port
from serverutil import serve

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
if not Path(NGINX).exists():  # pragma: no cover - install-peers.sh provides it
    raise RuntimeError("nginx is required by the interop tests: run scripts/install-peers.sh")

CONF = """
daemon off;
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    upstream aioweb {{
        server 127.0.0.1:{upstream};
        keepalive 8;
    }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://aioweb;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


def app() -> tuple[web.Application, list[tuple[str, int]]]:
    peers: list[tuple[str, int]] = []

    async def who(request: web.Request) -> web.Response:
        transport = request.transport
        assert transport is not None
        peers.append(transport.get_extra_info("peername")[:2])
        return web.json_response(
            {
                "host": request.host,
                "forwarded_for": request.headers.get("X-Forwarded-For"),
                "body": len(await request.read()),
            }
        )

    application = web.Application()
    application.router.add_route("*", "/who", who)
    return application, peers


async def wait_for_port(port: int) -> None:
    for _ in range(100):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)  # nginx is another process: poll until it listens
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise TimeoutError(f"nginx did not listen on {port}")


async def request(port: int, data: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    body = await reader.read()
    writer.close()
    await writer.wait_closed()
    return body


async def test_requests_through_nginx_reuse_upstream_connections(tmp_path: Path) -> None:
    application, peers = app()
    async with serve(application) as server:
        port = free_port()
        conf = tmp_path / "nginx.conf"
        conf.write_text(CONF.format(prefix=tmp_path, upstream=server.port, port=port))
        proc = await asyncio.create_subprocess_exec(
            NGINX, "-p", str(tmp_path), "-c", str(conf),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            await wait_for_port(port)
            replies = []
            for body in (b"", b"x" * 100_000):
                replies.append(
                    await request(
                        port,
                        b"POST /who HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n"
                        b"Content-Length: %d\r\n\r\n" % len(body) + body,
                    )
                )
        finally:
            proc.send_signal(signal.SIGQUIT)
            _, err = await asyncio.wait_for(proc.communicate(), 10)
    assert b'"host": "example.test"' in replies[0]
    assert b'"forwarded_for": "127.0.0.1"' in replies[0]
    assert b'"body": 100000' in replies[1]
    assert all(r.startswith(b"HTTP/1.1 200 OK") for r in replies)
    # Both requests came over one kept-alive upstream connection.
    assert len(set(peers)) == 1, peers
    assert b"[error]" not in err
