"""h2spec's server test cases, ported to Python, against aioweb over h2c prior knowledge.

Each case below is one h2spec test case (github.com/summerwind/h2spec, the ``generic``,
``http2`` and ``hpack`` groups), named by h2spec's own identifier: ``http2/6.9.1/2`` is the
second case of section 6.9.1. The frames sent are h2spec's, byte for byte where h2spec
writes raw bytes; they are built with ``hyperframe`` and ``hpack`` otherwise (h2util.py).
A case passes under h2spec's rules, which h2util.py describes: a stream error may be
answered with a connection error, and the connection closing is accepted wherever an error
is expected.

Cases covered, per h2spec section (h2spec's default run is 146 cases; ``--strict`` adds
``http2/5.4.1/2``, included here too):

=========  =====================================  =====  =======
group      section                                cases  covered
=========  =====================================  =====  =======
generic    1 Starting HTTP/2                          1        1
generic    2 Streams and Multiplexing                 5        5
generic    3.1 DATA                                   3        3
generic    3.2 HEADERS                                3        3
generic    3.3 PRIORITY                               5        5
generic    3.4 RST_STREAM                             1        1
generic    3.5 SETTINGS                               1        1
generic    3.7 PING                                   1        1
generic    3.8 GOAWAY                                 1        1
generic    3.9 WINDOW_UPDATE                          2        2
generic    3.10 CONTINUATION                          2        2
generic    4 HTTP Message Exchanges                   4        4
generic    5 HPACK                                   15       15
http2      3.5 Connection Preface                     2        2
http2      4.1 Frame Format                           3        3
http2      4.2 Frame Size                             3        3
http2      4.3 Header Compression                     3        3
http2      5.1 Stream States                         13       13
http2      5.1.1 Stream Identifiers                   2        2
http2      5.1.2 Stream Concurrency                   1        1
http2      5.3.1 Stream Dependencies                  2        2
http2      5.4.1 Connection Error Handling            1        1  (+1 strict)
http2      5.5 Extending HTTP/2                       2        2
http2      6.1 DATA                                   3        3
http2      6.2 HEADERS                                4        4
http2      6.3 PRIORITY                               2        2
http2      6.4 RST_STREAM                             3        3
http2      6.5 SETTINGS                               3        3
http2      6.5.2 Defined SETTINGS Parameters          5        5
http2      6.5.3 Settings Synchronization             2        2
http2      6.7 PING                                   4        4
http2      6.8 GOAWAY                                 1        1
http2      6.9 WINDOW_UPDATE                          3        3
http2      6.9.1 The Flow-Control Window              3        3
http2      6.9.2 Initial Flow-Control Window Size     3        3
http2      6.10 CONTINUATION                          6        6
http2      7 Error Codes                              2        2
http2      8.1 HTTP Request/Response Exchange         1        1
http2      8.1.2 HTTP Header Fields                   1        1
http2      8.1.2.1 Pseudo-Header Fields               4        4
http2      8.1.2.2 Connection-Specific Header Fields  2        2
http2      8.1.2.3 Request Pseudo-Header Fields       7        7
http2      8.1.2.6 Malformed Requests and Responses   2        2
http2      8.2 Server Push                            1        1
hpack      2.3.3 Index Address Space                  2        2
hpack      4.2 Maximum Table Size                     1        1
hpack      5.2 String Literal Representation          3        3
hpack      6.1 Indexed Header Field Representation    1        1
hpack      6.3 Dynamic Table Size Update              1        1
total                                               146  146 (+1 strict)
=========  =====================================  =====  =======

Where a case depends on the server's answer to ``GET /`` having a body (h2spec skips it
otherwise), the application below answers with one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest
from hyperframe.frame import (
    DataFrame,
    GoAwayFrame,
    HeadersFrame,
    PingFrame,
    RstStreamFrame,
    SettingsFrame,
)

from aioweb import web
from h2util import ErrorCodes, H2Conn, Setting, connect, raw_frame
from serverutil import Served, serve

PROTOCOL = ErrorCodes.PROTOCOL_ERROR
STREAM_CLOSED = ErrorCodes.STREAM_CLOSED
FRAME_SIZE = ErrorCodes.FRAME_SIZE_ERROR
FLOW_CONTROL = ErrorCodes.FLOW_CONTROL_ERROR
COMPRESSION = ErrorCodes.COMPRESSION_ERROR

#: The body of ``GET /``: long enough for h2spec's flow-control cases (they need >= 5 bytes).
BODY = b"aioweb h2spec conformance\n"

Run = Callable[[H2Conn], Awaitable[None]]


@dataclass(frozen=True)
class Case:
    """One h2spec test case."""

    id: str
    description: str
    run: Run
    handshake: bool = True


CASES: list[Case] = []


def case(case_id: str, description: str, *, handshake: bool = True) -> Callable[[Run], Run]:
    """Register an h2spec case under its h2spec identifier."""

    def register(run: Run) -> Run:
        CASES.append(Case(case_id, description, run, handshake))
        return run

    return register


def app() -> web.Application:
    async def index(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=BODY, content_type="text/plain")

    application = web.Application()
    application.router.add_route("*", "/", index)
    return application


@pytest.fixture
async def server() -> AsyncIterator[Served]:
    async with serve(app()) as served:
        yield served


# ====================================================================== generic


@case("generic/1/1", "Sends a client connection preface", handshake=False)
async def generic_1_1(conn: H2Conn) -> None:
    conn.send(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
    conn.write_settings((Setting.INITIAL_WINDOW_SIZE, 65_535))
    event = await conn.next_event()
    assert isinstance(event, SettingsFrame), conn.describe()
    assert "ACK" not in event.flags


@case("generic/2/1", "Sends a PRIORITY frame on idle stream")
async def generic_2_1(conn: H2Conn) -> None:
    conn.write_priority(1, depends_on=0, weight=255)
    conn.write_ping()
    await conn.verify_ping_ack(b"")


@case("generic/2/2", "Sends a WINDOW_UPDATE frame on half-closed (remote) stream")
async def generic_2_2(conn: H2Conn) -> None:
    conn.write_settings((Setting.INITIAL_WINDOW_SIZE, 0))
    conn.write_headers(1, conn.common_headers())
    conn.write_window_update(1, 1)
    await conn.verify_event_type(DataFrame)


@case("generic/2/3", "Sends a PRIORITY frame on half-closed (remote) stream")
async def generic_2_3(conn: H2Conn) -> None:
    conn.write_settings((Setting.INITIAL_WINDOW_SIZE, 0))
    conn.write_headers(1, conn.common_headers())
    conn.write_priority(1, depends_on=0, weight=255)
    conn.write_window_update(1, 1)
    await conn.verify_event_type(DataFrame)


@case("generic/2/4", "Sends a RST_STREAM frame on half-closed (remote) stream")
async def generic_2_4(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers())
    conn.write_rst_stream(1, ErrorCodes.CANCEL)
    conn.write_ping()
    await conn.verify_ping_ack(b"")


@case("generic/2/5", "Sends a PRIORITY frame on closed stream")
async def generic_2_5(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers())
    await conn.verify_stream_close()
    conn.write_priority(1, depends_on=0, weight=255)
    conn.write_ping()
    await conn.verify_ping_ack(b"")


@case("generic/3.1/1", "Sends a DATA frame")
async def generic_3_1_1(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers("POST"), end_stream=False)
    conn.write_data(1, b"test", end_stream=True)
    await conn.verify_headers(1)


@case("generic/3.1/2", "Sends multiple DATA frames")
async def generic_3_1_2(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers("POST"), end_stream=False)
    conn.write_data(1, b"test", end_stream=False)
    conn.write_data(1, b"test", end_stream=True)
    await conn.verify_headers(1)


@case("generic/3.1/3", "Sends a DATA frame with padding")
async def generic_3_1_3(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers("POST"), end_stream=False)
    conn.write_data(1, b"test", end_stream=True, pad_length=5)
    await conn.verify_headers(1)


@case("generic/3.2/1", "Sends a HEADERS frame")
async def generic_3_2_1(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers())
    await conn.verify_headers(1)


@case("generic/3.2/2", "Sends a HEADERS frame with padding")
async def generic_3_2_2(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers(), pad_length=8)
    await conn.verify_headers(1)


@case("generic/3.2/3", "Sends a HEADERS frame with priority")
async def generic_3_2_3(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers(), priority=(0, 255, False))
    await conn.verify_headers(1)


@case("generic/3.3/1", "Sends a PRIORITY frame with priority 1")
async def generic_3_3_1(conn: H2Conn) -> None:
    conn.write_priority(1, depends_on=0, weight=0)
    conn.write_headers(1, conn.common_headers())
    await conn.verify_headers(1)


@case("generic/3.3/2", "Sends a PRIORITY frame with priority 256")
async def generic_3_3_2(conn: H2Conn) -> None:
    conn.write_priority(1, depends_on=0, weight=255)
    conn.write_headers(1, conn.common_headers())
    await conn.verify_headers(1)


@case("generic/3.3/3", "Sends a PRIORITY frame with stream dependency")
async def generic_3_3_3(conn: H2Conn) -> None:
    conn.write_priority(3, depends_on=1, weight=0)
    conn.write_headers(1, conn.common_headers())
    await conn.verify_headers(1)


@case("generic/3.3/4", "Sends a PRIORITY frame with exclusive")
async def generic_3_3_4(conn: H2Conn) -> None:
    conn.write_priority(1, depends_on=0, weight=0, exclusive=True)
    conn.write_headers(1, conn.common_headers())
    await conn.verify_headers(1)


@case(
    "generic/3.3/5",
    "Sends a PRIORITY frame for an idle stream, then send a HEADER frame for a lower stream ID",
)
async def generic_3_3_5(conn: H2Conn) -> None:
    conn.write_priority(3, depends_on=0, weight=255)
    conn.write_headers(1, conn.common_headers())
    await conn.verify_headers(1)


@case("generic/3.4/1", "Sends a RST_STREAM frame")
async def generic_3_4_1(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers(), end_stream=False)
    conn.write_rst_stream(1, ErrorCodes.CANCEL)
    conn.write_ping()
    await conn.verify_ping_ack_or_close(b"")


@case("generic/3.5/1", "Sends a SETTINGS frame")
async def generic_3_5_1(conn: H2Conn) -> None:
    conn.write_settings(
        (Setting.HEADER_TABLE_SIZE, 4096),
        (Setting.ENABLE_PUSH, 1),
        (Setting.MAX_CONCURRENT_STREAMS, 100),
        (Setting.INITIAL_WINDOW_SIZE, 65_535),
        (Setting.MAX_FRAME_SIZE, 16_384),
        (Setting.MAX_HEADER_LIST_SIZE, 100),
    )
    await conn.verify_settings_ack()


@case("generic/3.7/1", "Sends a PING frame")
async def generic_3_7_1(conn: H2Conn) -> None:
    conn.write_ping(b"h2spec")
    await conn.verify_ping_ack(b"h2spec")


@case("generic/3.8/1", "Sends a GOAWAY frame")
async def generic_3_8_1(conn: H2Conn) -> None:
    conn.write_goaway(0, ErrorCodes.NO_ERROR, b"h2spec")
    await conn.verify_connection_close()


@case("generic/3.9/1", "Sends a WINDOW_UPDATE frame with stream ID 0")
async def generic_3_9_1(conn: H2Conn) -> None:
    conn.write_window_update(0, 1)
    conn.write_ping()
    await conn.verify_event_type(PingFrame)


@case("generic/3.9/2", "Sends a WINDOW_UPDATE frame with stream ID 1")
async def generic_3_9_2(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers())
    conn.write_window_update(1, 1)
    await conn.verify_event_type(HeadersFrame)


@case("generic/3.10/1", "Sends a CONTINUATION frame")
async def generic_3_10_1(conn: H2Conn) -> None:
    block = conn.encode_headers(conn.common_headers())
    conn.write_headers(1, block[:5], end_headers=False)
    conn.write_continuation(1, block[5:], end_headers=True)
    await conn.verify_headers(1)


@case("generic/3.10/2", "Sends multiple CONTINUATION frames")
async def generic_3_10_2(conn: H2Conn) -> None:
    block = conn.encode_headers(conn.common_headers())
    conn.write_headers(1, block[:5], end_headers=False)
    conn.write_continuation(1, block[5:10], end_headers=False)
    conn.write_continuation(1, block[10:], end_headers=True)
    await conn.verify_headers(1)


@case("generic/4/1", "Sends a GET request")
async def generic_4_1(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers())
    await conn.verify_headers(1)


@case("generic/4/2", "Sends a HEAD request")
async def generic_4_2(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers("HEAD"))
    await conn.verify_headers(1)


@case("generic/4/3", "Sends a POST request")
async def generic_4_3(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers("POST"), end_stream=False)
    conn.write_data(1, b"test", end_stream=True)
    await conn.verify_headers(1)


@case("generic/4/4", "Sends a POST request with trailers")
async def generic_4_4(conn: H2Conn) -> None:
    conn.write_headers(1, [*conn.common_headers("POST"), ("trailer", "x-test")], end_stream=False)
    conn.write_data(1, b"test", end_stream=False)
    conn.write_headers(1, [("x-test", "ok")], end_stream=True)
    await conn.verify_headers(1)


#: generic/5: one header representation (RFC 7541 s6) appended to (or put before) the
#: common request header block; the server must accept each (h2spec's bytes).
HPACK_ACCEPTED = [
    ("generic/5/1", "indexed header field representation", b"\xba", False),
    (
        "generic/5/2",
        "literal header field with incremental indexing - indexed name",
        b"\x40\x87\xb5\x05\xb1\x61\xcc\x5a\x93\x84\x9c\x48\xac\xa4",
        False,
    ),
    (
        "generic/5/3",
        "literal header field with incremental indexing - indexed name (with Huffman coding)",
        b"\x40\x0a\x75\x73\x65\x72\x2d\x61\x67\x65\x6e\x74\x06\x68\x32\x73\x70\x65\x63",
        False,
    ),
    (
        "generic/5/4",
        "literal header field with incremental indexing - new name",
        b"\x40\x06\x78\x2d\x74\x65\x73\x74\x06\x68\x32\x73\x70\x65\x63",
        False,
    ),
    (
        "generic/5/5",
        "literal header field with incremental indexing - new name (with Huffman coding)",
        b"\x40\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4",
        False,
    ),
    (
        "generic/5/6",
        "literal header field without indexing - indexed name",
        b"\x00\x0a\x75\x73\x65\x72\x2d\x61\x67\x65\x6e\x74\x06\x68\x32\x73\x70\x65\x63",
        False,
    ),
    (
        "generic/5/7",
        "literal header field without indexing - indexed name (with Huffman coding)",
        b"\x00\x87\xb5\x05\xb1\x61\xcc\x5a\x93\x84\x9c\x48\xac\xa4",
        False,
    ),
    (
        "generic/5/8",
        "literal header field without indexing - new name",
        b"\x00\x06\x78\x2d\x74\x65\x73\x74\x06\x68\x32\x73\x70\x65\x63",
        False,
    ),
    (
        "generic/5/9",
        "literal header field without indexing - new name (huffman encoded)",
        b"\x00\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4",
        False,
    ),
    (
        "generic/5/10",
        "literal header field never indexed - indexed name",
        b"\x10\x0a\x75\x73\x65\x72\x2d\x61\x67\x65\x6e\x74\x06\x68\x32\x73\x70\x65\x63",
        False,
    ),
    (
        "generic/5/11",
        "literal header field never indexed - indexed name (huffman encoded)",
        b"\x10\x87\xb5\x05\xb1\x61\xcc\x5a\x93\x84\x9c\x48\xac\xa4",
        False,
    ),
    (
        "generic/5/12",
        "literal header field never indexed - new name",
        b"\x10\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4",
        False,
    ),
    (
        "generic/5/13",
        "literal header field never indexed - new name (huffman encoded)",
        b"\x10\x85\xf2\xb2\x4a\x84\xff\x84\x9c\x48\xac\xa4",
        False,
    ),
    ("generic/5/14", "dynamic table size update", b"\x20", True),
    ("generic/5/15", "multiple dynamic table size update", b"\x20\x3f\xe1\x1f", True),
]


def _hpack_accepted(representation: bytes, first: bool) -> Run:
    async def run(conn: H2Conn) -> None:
        block = conn.encode_headers(conn.common_headers())
        block = representation + block if first else block + representation
        conn.write_headers(1, block)
        await conn.verify_headers(1)

    return run


for _id, _what, _rep, _first in HPACK_ACCEPTED:
    case(_id, f"Sends a {_what}")(_hpack_accepted(_rep, _first))


# ====================================================================== http2


@case("http2/3.5/1", "Sends client connection preface", handshake=False)
async def http2_3_5_1(conn: H2Conn) -> None:
    conn.send(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
    conn.write_settings((Setting.INITIAL_WINDOW_SIZE, 65_535))
    event, passed = await conn.wait_for(SettingsFrame)
    assert passed, conn.describe()
    assert isinstance(event, SettingsFrame)
    assert "ACK" not in event.flags


@case("http2/3.5/2", "Sends invalid connection preface", handshake=False)
async def http2_3_5_2(conn: H2Conn) -> None:
    conn.send(b"INVALID CONNECTION PREFACE\r\n\r\n")
    await conn.verify_connection_close()


UNKNOWN_FRAME = raw_frame(0x16, 0, 0, b"\0" * 8)


@case("http2/4.1/1", "Sends a frame with unknown type")
async def http2_4_1_1(conn: H2Conn) -> None:
    conn.send(UNKNOWN_FRAME)
    conn.write_ping()
    await conn.verify_event_type(PingFrame)


@case("http2/4.1/2", "Sends a frame with undefined flag")
async def http2_4_1_2(conn: H2Conn) -> None:
    conn.send(raw_frame(0x6, 0x16, 0, b"\0" * 8))
    await conn.verify_event_type(PingFrame)


@case("http2/4.1/3", "Sends a frame with reserved field bit")
async def http2_4_1_3(conn: H2Conn) -> None:
    conn.send(raw_frame(0x6, 0x16, 0x80000000, b"\0" * 8))
    await conn.verify_event_type(PingFrame)


@case("http2/4.2/1", "Sends a DATA frame with 2^14 octets in length")
async def http2_4_2_1(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers("POST"), end_stream=False)
    conn.write_data(1, b"x" * conn.settings.get(Setting.MAX_FRAME_SIZE, 16_384))
    await conn.verify_event_type(HeadersFrame)


@case("http2/4.2/2", "Sends a large size DATA frame that exceeds the SETTINGS_MAX_FRAME_SIZE")
async def http2_4_2_2(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers("POST"), end_stream=False)
    conn.write_data(1, b"x" * (conn.settings.get(Setting.MAX_FRAME_SIZE, 16_384) + 1))
    await conn.verify_stream_error(FRAME_SIZE)


@case("http2/4.2/3", "Sends a large size HEADERS frame that exceeds the SETTINGS_MAX_FRAME_SIZE")
async def http2_4_2_3(conn: H2Conn) -> None:
    conn.write_headers(1, [*conn.common_headers(), *conn.dummy_headers(5)])
    await conn.verify_connection_error(FRAME_SIZE)


@case("http2/4.3/1", "Sends invalid header block fragment")
async def http2_4_3_1(conn: H2Conn) -> None:
    # Literal Header Field with Incremental Indexing without Length and String segment.
    conn.send(raw_frame(0x1, 0x5, 1, b"\x40"))
    await conn.verify_connection_error(COMPRESSION)


@case("http2/4.3/2", "Sends a PRIORITY frame while sending the header blocks")
async def http2_4_3_2(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers(), end_stream=False, end_headers=False)
    conn.write_priority(1, depends_on=0, weight=255)
    conn.write_continuation(1, conn.encode_headers(conn.dummy_headers(1)), end_headers=True)
    await conn.verify_connection_error(PROTOCOL)


@case("http2/4.3/3", "Sends a HEADERS frame to another stream while sending the header blocks")
async def http2_4_3_3(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers(), end_stream=False, end_headers=False)
    conn.write_headers(3, conn.common_headers())
    conn.write_continuation(1, conn.encode_headers(conn.dummy_headers(1)), end_headers=True)
    await conn.verify_connection_error(PROTOCOL)


@case("http2/5.1/1", "idle: Sends a DATA frame")
async def http2_5_1_1(conn: H2Conn) -> None:
    conn.write_data(1, b"test")
    await conn.verify_connection_error(PROTOCOL)


@case("http2/5.1/2", "idle: Sends a RST_STREAM frame")
async def http2_5_1_2(conn: H2Conn) -> None:
    conn.write_rst_stream(1, ErrorCodes.CANCEL)
    await conn.verify_connection_error(PROTOCOL)


@case("http2/5.1/3", "idle: Sends a WINDOW_UPDATE frame")
async def http2_5_1_3(conn: H2Conn) -> None:
    conn.write_window_update(1, 100)
    await conn.verify_connection_error(PROTOCOL)


@case("http2/5.1/4", "idle: Sends a CONTINUATION frame")
async def http2_5_1_4(conn: H2Conn) -> None:
    conn.write_continuation(1, conn.encode_headers(conn.common_headers()), end_headers=True)
    await conn.verify_connection_error(PROTOCOL)


@case("http2/5.1/5", "half closed (remote): Sends a DATA frame")
async def http2_5_1_5(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers())
    conn.write_data(1, b"test")
    await conn.verify_stream_error(STREAM_CLOSED)


@case("http2/5.1/6", "half closed (remote): Sends a HEADERS frame")
async def http2_5_1_6(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers())
    conn.write_headers(1, conn.common_headers())
    await conn.verify_stream_error(STREAM_CLOSED)


@case("http2/5.1/7", "half closed (remote): Sends a CONTINUATION frame")
async def http2_5_1_7(conn: H2Conn) -> None:
    block = conn.encode_headers(conn.common_headers())
    conn.write_headers(1, block)
    conn.write_continuation(1, block, end_headers=True)
    await conn.verify_stream_error(STREAM_CLOSED, PROTOCOL)


@case("http2/5.1/8", "closed: Sends a DATA frame after sending RST_STREAM frame")
async def http2_5_1_8(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers(), end_stream=False)
    conn.write_rst_stream(1, ErrorCodes.CANCEL)
    conn.write_data(1, b"test")
    await conn.verify_stream_error(STREAM_CLOSED)


@case("http2/5.1/9", "closed: Sends a HEADERS frame after sending RST_STREAM frame")
async def http2_5_1_9(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers(), end_stream=False)
    conn.write_rst_stream(1, ErrorCodes.CANCEL)
    conn.write_headers(1, conn.common_headers())
    await conn.verify_stream_error(STREAM_CLOSED)


@case("http2/5.1/10", "closed: Sends a CONTINUATION frame after sending RST_STREAM frame")
async def http2_5_1_10(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers(), end_stream=False)
    conn.write_rst_stream(1, ErrorCodes.CANCEL)
    conn.write_continuation(1, conn.encode_headers(conn.dummy_headers(1)), end_headers=True)
    await conn.verify_stream_error(STREAM_CLOSED, PROTOCOL)


@case("http2/5.1/11", "closed: Sends a DATA frame")
async def http2_5_1_11(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers())
    await conn.verify_stream_close()
    conn.write_data(1, b"test")
    await conn.verify_connection_error(STREAM_CLOSED)


@case("http2/5.1/12", "closed: Sends a HEADERS frame")
async def http2_5_1_12(conn: H2Conn) -> None:
    block = conn.encode_headers(conn.common_headers())
    conn.write_headers(1, block)
    await conn.verify_stream_close()
    conn.write_headers(1, block)
    await conn.verify_connection_error(STREAM_CLOSED)


@case("http2/5.1/13", "closed: Sends a CONTINUATION frame")
async def http2_5_1_13(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers())
    await conn.verify_stream_close()
    conn.write_continuation(1, conn.encode_headers(conn.dummy_headers(1)), end_headers=True)
    await conn.verify_connection_error(STREAM_CLOSED, PROTOCOL)


@case("http2/5.1.1/1", "Sends even-numbered stream identifier")
async def http2_5_1_1_1(conn: H2Conn) -> None:
    conn.write_headers(2, conn.common_headers())
    await conn.verify_connection_error(PROTOCOL)


@case("http2/5.1.1/2", "Sends stream identifier that is numerically smaller than previous")
async def http2_5_1_1_2(conn: H2Conn) -> None:
    conn.write_headers(5, conn.common_headers())
    conn.write_headers(3, conn.common_headers())
    await conn.verify_connection_error(PROTOCOL)


@case(
    "http2/5.1.2/1",
    "Sends HEADERS frames that causes their advertised concurrent stream limit to be exceeded",
)
async def http2_5_1_2_1(conn: H2Conn) -> None:
    limit = conn.settings.get(Setting.MAX_CONCURRENT_STREAMS)
    assert limit is not None, "the server must advertise SETTINGS_MAX_CONCURRENT_STREAMS"
    # A zero window keeps every response open, so the streams stay concurrent.
    conn.write_settings((Setting.INITIAL_WINDOW_SIZE, 0))
    block = conn.encode_headers(conn.common_headers())
    for stream_id in range(1, 2 * (limit + 1), 2):
        conn.write_headers(stream_id, block)
    await conn.verify_stream_error(PROTOCOL, ErrorCodes.REFUSED_STREAM)


@case("http2/5.3.1/1", "Sends HEADERS frame that depends on itself")
async def http2_5_3_1_1(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers(), priority=(1, 255, False))
    await conn.verify_stream_error(PROTOCOL)


@case("http2/5.3.1/2", "Sends PRIORITY frame that depend on itself")
async def http2_5_3_1_2(conn: H2Conn) -> None:
    conn.write_priority(1, depends_on=1, weight=255)
    await conn.verify_stream_error(PROTOCOL)


INVALID_PING = raw_frame(0x6, 0, 3, b"\0" * 8)  # PING on stream 3


@case("http2/5.4.1/1", "Sends an invalid PING frame for connection close")
async def http2_5_4_1_1(conn: H2Conn) -> None:
    conn.send(INVALID_PING)
    await conn.verify_connection_close()


@case("http2/5.4.1/2", "Sends an invalid PING frame to receive GOAWAY frame (strict)")
async def http2_5_4_1_2(conn: H2Conn) -> None:
    conn.send(INVALID_PING)
    event, passed = await conn.wait_for(GoAwayFrame)
    assert passed, conn.describe()
    assert isinstance(event, GoAwayFrame)


@case("http2/5.5/1", "Sends an unknown extension frame")
async def http2_5_5_1(conn: H2Conn) -> None:
    conn.send(UNKNOWN_FRAME)
    conn.write_ping()
    await conn.verify_event_type(PingFrame)


@case("http2/5.5/2", "Sends an unknown extension frame in the middle of a header block")
async def http2_5_5_2(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers(), end_headers=False)
    conn.send(UNKNOWN_FRAME)
    await conn.verify_connection_error(PROTOCOL)


@case("http2/6.1/1", "Sends a DATA frame with 0x0 stream identifier")
async def http2_6_1_1(conn: H2Conn) -> None:
    conn.write_data(0, b"test")
    await conn.verify_connection_error(PROTOCOL)


@case(
    "http2/6.1/2",
    'Sends a DATA frame on the stream that is not in "open" or "half-closed (local)" state',
)
async def http2_6_1_2(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers("POST"))
    conn.write_data(1, b"test")
    await conn.verify_stream_error(STREAM_CLOSED)


@case("http2/6.1/3", "Sends a DATA frame with invalid pad length")
async def http2_6_1_3(conn: H2Conn) -> None:
    headers = [*conn.common_headers("POST"), ("content-length", "4")]
    conn.write_headers(1, headers, end_stream=False)
    # Frame length 5, pad length 6.
    conn.send(raw_frame(0x0, 0x9, 1, b"\x06Test"))
    await conn.verify_connection_error(PROTOCOL)


@case("http2/6.2/1", "Sends a HEADERS frame without the END_HEADERS flag, and a PRIORITY frame")
async def http2_6_2_1(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers(), end_stream=False, end_headers=False)
    conn.write_priority(1, depends_on=0, weight=255)
    conn.write_continuation(1, conn.encode_headers(conn.dummy_headers(1)), end_headers=True)
    await conn.verify_connection_error(PROTOCOL)


@case("http2/6.2/2", "Sends a HEADERS frame to another stream while sending a HEADERS frame")
async def http2_6_2_2(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers(), end_stream=False, end_headers=False)
    conn.write_headers(3, conn.common_headers())
    conn.write_continuation(1, conn.encode_headers(conn.dummy_headers(1)), end_headers=True)
    await conn.verify_connection_error(PROTOCOL)


@case("http2/6.2/3", "Sends a HEADERS frame with 0x0 stream identifier")
async def http2_6_2_3(conn: H2Conn) -> None:
    conn.write_headers(0, conn.common_headers())
    await conn.verify_connection_error(PROTOCOL)


@case("http2/6.2/4", "Sends a HEADERS frame with invalid pad length")
async def http2_6_2_4(conn: H2Conn) -> None:
    block = conn.encode_headers(conn.common_headers())
    # The pad length is larger than what follows it.
    conn.send(raw_frame(0x1, 0x0D, 1, bytes([len(block) + 2]) + block))
    await conn.verify_stream_error(PROTOCOL)


@case("http2/6.3/1", "Sends a PRIORITY frame with 0x0 stream identifier")
async def http2_6_3_1(conn: H2Conn) -> None:
    conn.write_priority(0, depends_on=0, weight=255)
    await conn.verify_connection_error(PROTOCOL)


@case("http2/6.3/2", "Sends a PRIORITY frame with a length other than 5 octets")
async def http2_6_3_2(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers())
    conn.send(raw_frame(0x2, 0, 1, b"\x80\x00\x00\x01"))
    await conn.verify_stream_error(FRAME_SIZE)


@case("http2/6.4/1", "Sends a RST_STREAM frame with 0x0 stream identifier")
async def http2_6_4_1(conn: H2Conn) -> None:
    conn.write_rst_stream(0, ErrorCodes.CANCEL)
    await conn.verify_connection_error(PROTOCOL)


@case("http2/6.4/2", "Sends a RST_STREAM frame on a idle stream")
async def http2_6_4_2(conn: H2Conn) -> None:
    conn.write_rst_stream(1, ErrorCodes.CANCEL)
    await conn.verify_connection_error(PROTOCOL)


@case("http2/6.4/3", "Sends a RST_STREAM frame with a length other than 4 octets")
async def http2_6_4_3(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers())
    conn.send(raw_frame(0x3, 0, 1, b"\0\0\0"))
    await conn.verify_stream_error(FRAME_SIZE)


@case("http2/6.5/1", "Sends a SETTINGS frame with ACK flag and payload")
async def http2_6_5_1(conn: H2Conn) -> None:
    conn.send(raw_frame(0x4, 0x1, 0, b"\0"))
    await conn.verify_connection_error(FRAME_SIZE)


@case("http2/6.5/2", "Sends a SETTINGS frame with a stream identifier other than 0x0")
async def http2_6_5_2(conn: H2Conn) -> None:
    conn.send(raw_frame(0x4, 0, 1, b"\x00\x03\x00\x00\x00\x64"))
    await conn.verify_connection_error(PROTOCOL)


@case("http2/6.5/3", "Sends a SETTINGS frame with a length other than a multiple of 6 octets")
async def http2_6_5_3(conn: H2Conn) -> None:
    conn.send(raw_frame(0x4, 0, 0, b"\x00\x03\x00"))
    await conn.verify_stream_error(PROTOCOL, FRAME_SIZE)


@case("http2/6.5.2/1", "SETTINGS_ENABLE_PUSH (0x2): Sends the value other than 0 or 1")
async def http2_6_5_2_1(conn: H2Conn) -> None:
    conn.write_settings((Setting.ENABLE_PUSH, 2))
    await conn.verify_connection_error(PROTOCOL)


@case(
    "http2/6.5.2/2",
    "SETTINGS_INITIAL_WINDOW_SIZE (0x4): Sends the value above the maximum flow control "
    "window size",
)
async def http2_6_5_2_2(conn: H2Conn) -> None:
    conn.write_settings((Setting.INITIAL_WINDOW_SIZE, 2**31))
    await conn.verify_connection_error(FLOW_CONTROL)


@case("http2/6.5.2/3", "SETTINGS_MAX_FRAME_SIZE (0x5): Sends the value below the initial value")
async def http2_6_5_2_3(conn: H2Conn) -> None:
    conn.write_settings((Setting.MAX_FRAME_SIZE, 16_383))
    await conn.verify_connection_error(PROTOCOL)


@case(
    "http2/6.5.2/4",
    "SETTINGS_MAX_FRAME_SIZE (0x5): Sends the value above the maximum allowed frame size",
)
async def http2_6_5_2_4(conn: H2Conn) -> None:
    conn.write_settings((Setting.MAX_FRAME_SIZE, 2**24))
    await conn.verify_connection_error(PROTOCOL)


@case("http2/6.5.2/5", "Sends a SETTINGS frame with unknown identifier")
async def http2_6_5_2_5(conn: H2Conn) -> None:
    conn.write_settings((0xFF, 1))
    conn.write_ping()
    await conn.verify_ping_ack(b"")


@case("http2/6.5.3/1", "Sends multiple values of SETTINGS_INITIAL_WINDOW_SIZE")
async def http2_6_5_3_1(conn: H2Conn) -> None:
    conn.write_settings((Setting.INITIAL_WINDOW_SIZE, 100), (Setting.INITIAL_WINDOW_SIZE, 1))
    await conn.verify_settings_ack()
    conn.write_headers(1, conn.common_headers())
    event = await conn.verify_event_type(DataFrame)
    assert event.body_len == 1, conn.describe()


@case("http2/6.5.3/2", "Sends a SETTINGS frame without ACK flag")
async def http2_6_5_3_2(conn: H2Conn) -> None:
    conn.write_settings((Setting.ENABLE_PUSH, 0))
    await conn.verify_settings_ack()


@case("http2/6.7/1", "Sends a PING frame")
async def http2_6_7_1(conn: H2Conn) -> None:
    conn.write_ping(b"h2spec")
    await conn.verify_ping_ack(b"h2spec")


@case("http2/6.7/2", "Sends a PING frame with ACK")
async def http2_6_7_2(conn: H2Conn) -> None:
    conn.write_ping(b"invalid", ack=True)
    conn.write_ping(b"h2spec")
    await conn.verify_ping_ack(b"h2spec")


@case("http2/6.7/3", "Sends a PING frame with a stream identifier field value other than 0x0")
async def http2_6_7_3(conn: H2Conn) -> None:
    conn.send(raw_frame(0x6, 0, 1, b"\0" * 8))
    await conn.verify_connection_error(PROTOCOL)


@case("http2/6.7/4", "Sends a PING frame with a length field value other than 8")
async def http2_6_7_4(conn: H2Conn) -> None:
    conn.send(raw_frame(0x6, 0, 0, b"\0" * 6))
    await conn.verify_connection_error(FRAME_SIZE)


@case("http2/6.8/1", "Sends a GOAWAY frame with a stream identifier other than 0x0")
async def http2_6_8_1(conn: H2Conn) -> None:
    conn.send(raw_frame(0x7, 0, 1, b"\0" * 8))
    await conn.verify_connection_error(PROTOCOL)


@case("http2/6.9/1", "Sends a WINDOW_UPDATE frame with a flow control window increment of 0")
async def http2_6_9_1(conn: H2Conn) -> None:
    conn.write_window_update(0, 0)
    await conn.verify_connection_error(PROTOCOL)


@case(
    "http2/6.9/2",
    "Sends a WINDOW_UPDATE frame with a flow control window increment of 0 on a stream",
)
async def http2_6_9_2(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers(), end_stream=False)
    conn.write_window_update(1, 0)
    await conn.verify_stream_error(PROTOCOL)


@case("http2/6.9/3", "Sends a WINDOW_UPDATE frame with a length other than 4 octets")
async def http2_6_9_3(conn: H2Conn) -> None:
    conn.send(raw_frame(0x8, 0, 0, b"\0\0\x01"))
    await conn.verify_connection_error(FRAME_SIZE)


@case(
    "http2/6.9.1/1",
    "Sends SETTINGS frame to set the initial window size to 1 and sends HEADERS frame",
)
async def http2_6_9_1_1(conn: H2Conn) -> None:
    conn.write_settings((Setting.INITIAL_WINDOW_SIZE, 1))
    await conn.verify_settings_ack()
    conn.write_headers(1, conn.common_headers())
    event = await conn.verify_event_type(DataFrame)
    assert event.body_len == 1, conn.describe()


@case(
    "http2/6.9.1/2",
    "Sends multiple WINDOW_UPDATE frames increasing the flow control window to above 2^31-1",
)
async def http2_6_9_1_2(conn: H2Conn) -> None:
    conn.write_window_update(0, 2**31 - 1)
    conn.write_window_update(0, 2**31 - 1)
    event = await conn.verify_event_type(GoAwayFrame)
    assert event.error_code == FLOW_CONTROL, conn.describe()


@case(
    "http2/6.9.1/3",
    "Sends multiple WINDOW_UPDATE frames increasing the flow control window to above 2^31-1 "
    "on a stream",
)
async def http2_6_9_1_3(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers(), end_stream=False)
    conn.write_window_update(1, 2**31 - 1)
    conn.write_window_update(1, 2**31 - 1)
    event = await conn.verify_event_type(RstStreamFrame)
    assert (event.stream_id, event.error_code) == (1, FLOW_CONTROL), conn.describe()


@case("http2/6.9.2/1", "Changes SETTINGS_INITIAL_WINDOW_SIZE after sending HEADERS frame")
async def http2_6_9_2_1(conn: H2Conn) -> None:
    conn.write_settings((Setting.INITIAL_WINDOW_SIZE, 0))
    await conn.verify_settings_ack()
    conn.write_headers(1, conn.common_headers())
    conn.write_settings((Setting.INITIAL_WINDOW_SIZE, 1))
    event = await conn.verify_event_type(DataFrame)
    assert event.body_len == 1, conn.describe()


@case("http2/6.9.2/2", "Sends a SETTINGS frame for window size to be negative")
async def http2_6_9_2_2(conn: H2Conn) -> None:
    conn.write_settings((Setting.INITIAL_WINDOW_SIZE, 3))
    await conn.verify_settings_ack()
    conn.write_headers(1, conn.common_headers())
    await conn.verify_event_type(DataFrame)
    conn.write_settings((Setting.INITIAL_WINDOW_SIZE, 2))
    await conn.verify_settings_ack()
    conn.write_window_update(1, 2)
    event = await conn.verify_event_type(DataFrame)
    assert event.body_len == 1, conn.describe()


@case(
    "http2/6.9.2/3",
    "Sends a SETTINGS_INITIAL_WINDOW_SIZE settings with an exceeded maximum window size value",
)
async def http2_6_9_2_3(conn: H2Conn) -> None:
    conn.send(raw_frame(0x4, 0, 0, b"\x00\x04\x80\x00\x00\x00"))
    await conn.verify_connection_error(FLOW_CONTROL)


@case("http2/6.10/1", "Sends multiple CONTINUATION frames preceded by a HEADERS frame")
async def http2_6_10_1(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers(), end_headers=False)
    dummy = conn.dummy_headers(1)
    conn.write_continuation(1, conn.encode_headers(dummy), end_headers=False)
    conn.write_continuation(1, conn.encode_headers(dummy), end_headers=True)
    await conn.verify_headers(1)


@case("http2/6.10/2", "Sends a CONTINUATION frame followed by any frame other than CONTINUATION")
async def http2_6_10_2(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers("POST"), end_stream=False, end_headers=False)
    conn.write_continuation(1, conn.encode_headers(conn.dummy_headers(1)), end_headers=False)
    conn.write_data(1, b"test")
    await conn.verify_connection_error(PROTOCOL)


@case("http2/6.10/3", "Sends a CONTINUATION frame with 0x0 stream identifier")
async def http2_6_10_3(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers(), end_headers=False)
    conn.write_continuation(0, conn.encode_headers(conn.dummy_headers(1)), end_headers=True)
    await conn.verify_connection_error(PROTOCOL)


@case(
    "http2/6.10/4",
    "Sends a CONTINUATION frame preceded by a HEADERS frame with END_HEADERS flag",
)
async def http2_6_10_4(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers())
    conn.write_continuation(1, conn.encode_headers(conn.dummy_headers(1)), end_headers=True)
    await conn.verify_connection_error(PROTOCOL)


@case(
    "http2/6.10/5",
    "Sends a CONTINUATION frame preceded by a CONTINUATION frame with END_HEADERS flag",
)
async def http2_6_10_5(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers(), end_headers=False)
    dummy = conn.dummy_headers(1)
    conn.write_continuation(1, conn.encode_headers(dummy), end_headers=True)
    conn.write_continuation(1, conn.encode_headers(dummy), end_headers=True)
    await conn.verify_connection_error(PROTOCOL)


@case("http2/6.10/6", "Sends a CONTINUATION frame preceded by a DATA frame")
async def http2_6_10_6(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers("POST"), end_stream=False, end_headers=False)
    conn.write_data(1, b"test")
    dummy = conn.dummy_headers(1)
    conn.write_continuation(1, conn.encode_headers(dummy), end_headers=False)
    conn.write_continuation(0, conn.encode_headers(dummy), end_headers=True)
    await conn.verify_connection_error(PROTOCOL)


@case("http2/7/1", "Sends a GOAWAY frame with unknown error code")
async def http2_7_1(conn: H2Conn) -> None:
    conn.write_goaway(0, 0xFF)
    conn.write_ping(b"h2spec")
    await conn.verify_ping_ack_or_close(b"h2spec")


@case("http2/7/2", "Sends a RST_STREAM frame with unknown error code")
async def http2_7_2(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers("POST"), end_stream=False)
    conn.write_rst_stream(1, 0xFF)
    conn.write_ping()
    await conn.verify_ping_ack(b"")


@case("http2/8.1/1", "Sends a second HEADERS frame without the END_STREAM flag")
async def http2_8_1_1(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers("POST"), end_stream=False)
    conn.write_data(1, b"test", end_stream=False)
    conn.write_headers(1, [("x-test", "ok")], end_stream=False)
    await conn.verify_stream_error(PROTOCOL)


@case(
    "http2/8.1.2/1",
    "Sends a HEADERS frame that contains the header field name in uppercase letters",
)
async def http2_8_1_2_1(conn: H2Conn) -> None:
    conn.write_headers(1, [*conn.common_headers(), ("X-TEST", "ok")])
    await conn.verify_stream_error(PROTOCOL)


@case("http2/8.1.2.1/1", "Sends a HEADERS frame that contains a unknown pseudo-header field")
async def http2_8_1_2_1_1(conn: H2Conn) -> None:
    conn.write_headers(1, [*conn.common_headers(), (":test", "ok")])
    await conn.verify_stream_error(PROTOCOL)


@case(
    "http2/8.1.2.1/2",
    "Sends a HEADERS frame that contains the pseudo-header field defined for response",
)
async def http2_8_1_2_1_2(conn: H2Conn) -> None:
    conn.write_headers(1, [*conn.common_headers(), (":status", "200")])
    await conn.verify_stream_error(PROTOCOL)


@case("http2/8.1.2.1/3", "Sends a HEADERS frame that contains a pseudo-header field as trailers")
async def http2_8_1_2_1_3(conn: H2Conn) -> None:
    conn.write_headers(1, conn.common_headers("POST"), end_stream=False)
    conn.write_data(1, b"test", end_stream=False)
    conn.write_headers(1, [(":method", "POST")], end_stream=False)
    await conn.verify_stream_error(PROTOCOL)


@case(
    "http2/8.1.2.1/4",
    "Sends a HEADERS frame that contains a pseudo-header field that appears in a header block "
    "after a regular header field",
)
async def http2_8_1_2_1_4(conn: H2Conn) -> None:
    conn.write_headers(1, [("x-test", "ok"), *conn.common_headers()])
    await conn.verify_stream_error(PROTOCOL)


@case(
    "http2/8.1.2.2/1",
    "Sends a HEADERS frame that contains the connection-specific header field",
)
async def http2_8_1_2_2_1(conn: H2Conn) -> None:
    conn.write_headers(1, [*conn.common_headers(), ("connection", "keep-alive")])
    await conn.verify_stream_error(PROTOCOL)


@case(
    "http2/8.1.2.2/2",
    'Sends a HEADERS frame that contains the TE header field with any value other than "trailers"',
)
async def http2_8_1_2_2_2(conn: H2Conn) -> None:
    headers = [*conn.common_headers(), ("trailers", "test"), ("te", "trailers, deflate")]
    conn.write_headers(1, headers)
    await conn.verify_stream_error(PROTOCOL)


def _without(conn: H2Conn, name: str) -> list[tuple[str | bytes, str | bytes]]:
    return [(k, v) for k, v in conn.common_headers() if k != name]


def _twice(conn: H2Conn, name: str) -> list[tuple[str | bytes, str | bytes]]:
    headers = conn.common_headers()
    return [*headers, *[(k, v) for k, v in headers if k == name]]


@case("http2/8.1.2.3/1", 'Sends a HEADERS frame with empty ":path" pseudo-header field')
async def http2_8_1_2_3_1(conn: H2Conn) -> None:
    conn.write_headers(1, [*_without(conn, ":path"), (":path", "")])
    await conn.verify_stream_error(PROTOCOL)


@case("http2/8.1.2.3/2", 'Sends a HEADERS frame that omits ":method" pseudo-header field')
async def http2_8_1_2_3_2(conn: H2Conn) -> None:
    conn.write_headers(1, _without(conn, ":method"))
    await conn.verify_stream_error(PROTOCOL)


@case("http2/8.1.2.3/3", 'Sends a HEADERS frame that omits ":scheme" pseudo-header field')
async def http2_8_1_2_3_3(conn: H2Conn) -> None:
    conn.write_headers(1, _without(conn, ":scheme"))
    await conn.verify_stream_error(PROTOCOL)


@case("http2/8.1.2.3/4", 'Sends a HEADERS frame that omits ":path" pseudo-header field')
async def http2_8_1_2_3_4(conn: H2Conn) -> None:
    conn.write_headers(1, _without(conn, ":path"))
    await conn.verify_stream_error(PROTOCOL)


@case("http2/8.1.2.3/5", 'Sends a HEADERS frame with duplicated ":method" pseudo-header field')
async def http2_8_1_2_3_5(conn: H2Conn) -> None:
    conn.write_headers(1, _twice(conn, ":method"))
    await conn.verify_stream_error(PROTOCOL)


@case("http2/8.1.2.3/6", 'Sends a HEADERS frame with duplicated ":scheme" pseudo-header field')
async def http2_8_1_2_3_6(conn: H2Conn) -> None:
    conn.write_headers(1, _twice(conn, ":scheme"))
    await conn.verify_stream_error(PROTOCOL)


@case("http2/8.1.2.3/7", 'Sends a HEADERS frame with duplicated ":path" pseudo-header field')
async def http2_8_1_2_3_7(conn: H2Conn) -> None:
    conn.write_headers(1, _twice(conn, ":path"))
    await conn.verify_stream_error(PROTOCOL)


@case(
    "http2/8.1.2.6/1",
    'Sends a HEADERS frame with the "content-length" header field which does not equal the '
    "DATA frame payload length",
)
async def http2_8_1_2_6_1(conn: H2Conn) -> None:
    conn.write_headers(
        1, [*conn.common_headers("POST"), ("content-length", "1")], end_stream=False
    )
    conn.write_data(1, b"test")
    await conn.verify_stream_error(PROTOCOL)


@case(
    "http2/8.1.2.6/2",
    'Sends a HEADERS frame with the "content-length" header field which does not equal the '
    "sum of the multiple DATA frames payload length",
)
async def http2_8_1_2_6_2(conn: H2Conn) -> None:
    conn.write_headers(
        1, [*conn.common_headers("POST"), ("content-length", "1")], end_stream=False
    )
    conn.write_data(1, b"test", end_stream=False)
    conn.write_data(1, b"test")
    await conn.verify_stream_error(PROTOCOL)


@case("http2/8.2/1", "Sends a PUSH_PROMISE frame")
async def http2_8_2_1(conn: H2Conn) -> None:
    conn.write_push_promise(1, 3, conn.common_headers())
    await conn.verify_connection_error(PROTOCOL)


# ====================================================================== hpack


def _hpack_rejected(representation: bytes, *, first: bool = False) -> Run:
    async def run(conn: H2Conn) -> None:
        block = conn.encode_headers(conn.common_headers())
        block = representation + block if first else block + representation
        conn.write_headers(1, block)
        await conn.verify_connection_error(COMPRESSION)

    return run


case("hpack/2.3.3/1", "Sends a indexed header field representation with invalid index")(
    # Index 70: past the static table (61) and the one entry our :authority added.
    _hpack_rejected(b"\xc6")
)
case("hpack/2.3.3/2", "Sends a literal header field representation with invalid index")(
    # Literal with incremental indexing, name index 70, empty value.
    _hpack_rejected(b"\x7f\x07\x00")
)
case("hpack/4.2/1", "Sends a dynamic table size update at the end of header block")(
    _hpack_rejected(b"\x21")
)
case(
    "hpack/5.2/1",
    "Sends a Huffman-encoded string literal representation with padding longer than 7 bits",
)(_hpack_rejected(b"\x00\x85\xf2\xb2\x4a\x84\xff\x84\x49\x50\x9f\xff"))
case("hpack/5.2/2", "Sends a Huffman-encoded string literal representation padded by zero")(
    _hpack_rejected(b"\x00\x85\xf2\xb2\x4a\x84\xff\x83\x49\x50\x90")
)
case(
    "hpack/5.2/3",
    "Sends a Huffman-encoded string literal representation containing the EOS symbol",
)(_hpack_rejected(b"\x00\x85\xf2\xb2\x4a\x84\xff\x87\x49\x51\xff\xff\xff\xfa\x7f"))
case("hpack/6.1/1", "Sends a indexed header field representation with index 0")(
    _hpack_rejected(b"\x80")
)


def _table_size_update(size: int) -> bytes:
    # RFC 7541 s5.1 integer with a 5-bit prefix, then the 001 pattern (s6.3).
    if size < 31:
        return bytes([0x20 | size])
    out = bytearray([0x20 | 31])
    size -= 31
    while size >= 128:
        out.append(0x80 | (size & 0x7F))
        size >>= 7
    out.append(size)
    return bytes(out)


@case(
    "hpack/6.3/1",
    "Sends a dynamic table size update larger than the value of SETTINGS_HEADER_TABLE_SIZE",
)
async def hpack_6_3_1(conn: H2Conn) -> None:
    limit = conn.settings.get(Setting.HEADER_TABLE_SIZE, 4096)
    await _hpack_rejected(_table_size_update(limit + 1), first=True)(conn)


# ====================================================================== the test


def test_every_default_h2spec_case_is_ported() -> None:
    """146 default cases plus the strict one, each once, grouped as h2spec counts them."""
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))
    groups = {g: sum(i.startswith(g + "/") for i in ids) for g in ("generic", "http2", "hpack")}
    assert groups == {"generic": 44, "http2": 95, "hpack": 8}


@pytest.mark.parametrize("spec", CASES, ids=[c.id for c in CASES])
async def test_h2spec(spec: Case, server: Served) -> None:
    async with connect(server.host, server.port, handshake=spec.handshake) as conn:
        await spec.run(conn)
