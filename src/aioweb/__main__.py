"""``python -m aioweb``: serve the showcase app, or run the protocol self-check.

``python -m aioweb`` serves the showcase app on http://127.0.0.1:8080 (``--host`` and
``--port`` change that). ``python -m aioweb --self-check`` pushes real HTTP/1.1 exchanges
through the sans-IO core, a client connection and a server connection talking through
memory, and prints what each side sees; it exits non-zero if any step does not behave as
described, so it doubles as a smoke test of an installation.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from aioweb import __version__
from aioweb._sansio.errors import RemoteProtocolError
from aioweb._sansio.events import (
    NEED_DATA,
    PAUSED,
    Data,
    EndOfMessage,
    Event,
    RequestHead,
    ResponseHead,
    Sentinel,
    Trailers,
)
from aioweb._sansio.h1 import H1Connection, Role

HOST = ((b"Host", b"localhost"),)


def _events(conn: H1Connection) -> list[Event | Sentinel]:
    out: list[Event | Sentinel] = []
    while (event := conn.next_event()) is not NEED_DATA and event is not PAUSED:
        out.append(event)
    return out


def _show(label: str, items: list[Event | Sentinel]) -> None:
    for item in items:
        if isinstance(item, RequestHead):
            major, minor = item.http_version
            text = f"{item.method} {item.target} HTTP/{major}.{minor}"
        elif isinstance(item, ResponseHead):
            text = f"{item.status} {item.reason}"
        elif isinstance(item, Data):
            text = f"Data {item.data!r}" + (" (end of chunk)" if item.chunk_end else "")
        else:
            text = repr(item)
        print(f"    {label} <- {text}")


def pipelining() -> None:
    """Two requests in one packet are answered one after the other."""
    client, server = H1Connection(Role.CLIENT), H1Connection(Role.SERVER)
    wire = client.send(RequestHead("GET", "/first", HOST)) + client.send(EndOfMessage())
    second = H1Connection(Role.CLIENT)
    wire += second.send(RequestHead("GET", "/second", HOST)) + second.send(EndOfMessage())
    server.receive_data(wire)
    for _ in range(2):
        got = _events(server)
        _show("server", got)
        server.send(ResponseHead(200, "OK", ((b"Content-Length", b"2"),)))
        server.send(Data(b"ok"))
        server.send(EndOfMessage())
        server.start_next_cycle()


def chunked_with_trailers() -> None:
    """A streamed upload with a checksum trailer."""
    client, server = H1Connection(Role.CLIENT), H1Connection(Role.SERVER)
    head = RequestHead("POST", "/upload", (*HOST, (b"Transfer-Encoding", b"chunked")))
    wire = client.send(head)
    for piece in (b"hello, ", b"world"):
        wire += client.send(Data(piece))
    wire += client.send(Trailers(((b"X-Checksum", b"sha256:..."),)))
    wire += client.send(EndOfMessage())
    print("    on the wire:", wire.split(b"\r\n\r\n", 1)[1])
    server.receive_data(wire)
    got = _events(server)
    _show("server", got)
    if not any(isinstance(e, Trailers) for e in got):
        raise AssertionError("the trailer did not arrive")


def smuggling_refused() -> None:
    """CL.TE request smuggling is answered 400 and the connection closes."""
    server = H1Connection(Role.SERVER)
    attack = (
        b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 6\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    server.receive_data(attack)
    try:
        _events(server)
    except RemoteProtocolError as exc:
        print(f"    server refuses: {exc.status_code} ({exc.message}); close={exc.must_close}")
    else:
        raise AssertionError("the smuggling attempt was accepted")


def injection_refused() -> None:
    """A header value with CR/LF never reaches the wire."""
    client = H1Connection(Role.CLIENT)
    try:
        client.send(RequestHead("GET", "/", (*HOST, (b"X-Name", b"a\r\nX-Injected: 1"))))
    except ValueError as exc:
        print(f"    client refuses: {exc}")
    else:
        raise AssertionError("the injected header was written")


STEPS: list[tuple[str, Callable[[], None]]] = [
    ("pipelined requests", pipelining),
    ("chunked body with trailers", chunked_with_trailers),
    ("request smuggling (CL.TE)", smuggling_refused),
    ("CRLF injection through the API", injection_refused),
]


def self_check() -> int:
    """Run every step; return the process exit status."""
    print(f"aioweb {__version__}: HTTP/1.1 protocol core self-check")
    failed = 0
    for title, step in STEPS:
        print(f"\n* {title}")
        try:
            step()
        except AssertionError as exc:
            failed += 1
            print(f"    FAILED: {exc}")
    print("\nall checks passed" if not failed else f"\n{failed} check(s) failed")
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and serve the showcase (or run the self-check)."""
    parser = argparse.ArgumentParser(prog="python -m aioweb", description=__doc__.split("\n")[0])
    parser.add_argument("--self-check", action="store_true", help="run the protocol self-check")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port to bind (8080)")
    args = parser.parse_args(argv)
    if args.self_check:
        return self_check()
    from aioweb import web
    from aioweb._showcase import make_app

    web.run_app(make_app(), host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
