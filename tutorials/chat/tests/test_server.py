"""The chat server, driven over real sockets by aioweb's WebSocket client."""

from __future__ import annotations

import asyncio
import json

import pytest
from aioweb import ClientSession, ClientWebSocketResponse, WSCloseCode, WSMsgType

from chat.messages import MAX_FRAME, MAX_NAME, MAX_TEXT, joined, left, said
from chat.server import Settings, sockets_key
from chattest import (
    NO_HEARTBEAT,
    PATIENCE,
    Room,
    StartRoom,
    expect,
    expect_close,
    join_raw,
    next_event,
)

# ---------------------------------------------------------------- the page


async def test_the_page_and_its_script_are_served(room: Room, session: ClientSession) -> None:
    async with session.get(f"{room.url}/") as resp:
        assert resp.status == 200
        assert resp.content_type == "text/html"
        assert '<script src="/static/chat.js" defer></script>' in await resp.text()
    async with session.get(f"{room.url}/static/chat.js") as resp:
        assert resp.status == 200
        assert "new WebSocket(url)" in await resp.text()


# ---------------------------------------------------------------- broadcasting


async def test_everybody_sees_everybody_s_messages_and_comings_and_goings(
    room: Room, session: ClientSession
) -> None:
    async with session.ws_connect(room.ws_url("alice")) as alice:
        await expect(alice, joined("alice"))
        async with session.ws_connect(room.ws_url("bob")) as bob:
            await expect(bob, joined("bob"))
            await expect(alice, joined("bob"))
            async with session.ws_connect(room.ws_url("carol")) as carol:
                await expect(carol, joined("carol"))
                await expect(alice, joined("carol"))
                await expect(bob, joined("carol"))

                await alice.send_json({"text": "hello, room"})
                for ws in (alice, bob, carol):  # the sender too: it sees what was sent
                    await expect(ws, said("alice", "hello, room"))
                await carol.send_json({"text": "hi alice 你好"})
                for ws in (alice, bob, carol):
                    await expect(ws, said("carol", "hi alice 你好"))

            for ws in (alice, bob):
                await expect(ws, left("carol"))
        await expect(alice, left("bob"))


async def test_a_dropped_connection_is_announced_and_forgotten(
    room: Room, session: ClientSession
) -> None:
    """No close handshake at all: the handler's ``finally`` still cleans up."""
    async with session.ws_connect(room.ws_url("alice")) as alice:
        await expect(alice, joined("alice"))
        _, ghost = await join_raw(room.port, "ghost")
        await expect(alice, joined("ghost"))
        ghost.transport.abort()  # the network cable is cut
        await expect(alice, left("ghost"))
        assert len(room.app[sockets_key]) == 1  # alice's socket, and no dead one
        await alice.send_json({"text": "still here"})
        await expect(alice, said("alice", "still here"))


# ---------------------------------------------------------------- the rules


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        pytest.param("hello", "messages are JSON", id="not-json"),
        pytest.param('["hello"]', 'messages are {"text": "..."}', id="not-an-object"),
        pytest.param('{"msg": "hello"}', 'messages are {"text": "..."}', id="wrong-key"),
        pytest.param(
            '{"text": "hi", "user": "admin"}', 'messages are {"text": "..."}', id="extra-key"
        ),
        pytest.param('{"text": 42}', "text must be a non-empty string", id="not-a-string"),
        pytest.param('{"text": "   "}', "text must be a non-empty string", id="blank"),
        pytest.param(
            json.dumps({"text": "x" * (MAX_TEXT + 1)}),
            f"messages have at most {MAX_TEXT} characters",
            id="too-long",
        ),
        pytest.param(
            json.dumps({"text": "one\nline"}),
            "messages cannot contain control characters",
            id="line-break",
        ),
        pytest.param(
            json.dumps({"text": "\x1b[2J"}),
            "messages cannot contain control characters",
            id="terminal-escape",
        ),
    ],
)
async def test_a_message_breaking_the_rules_closes_its_sender_with_1008(
    room: Room, session: ClientSession, payload: str, reason: str
) -> None:
    async with session.ws_connect(room.ws_url("alice")) as alice:
        await expect(alice, joined("alice"))
        async with session.ws_connect(room.ws_url("mallory")) as mallory:
            await expect(mallory, joined("mallory"))
            await expect(alice, joined("mallory"))
            await mallory.send_str(payload)
            assert await expect_close(mallory) == (WSCloseCode.POLICY_VIOLATION, reason)
        # Nobody else saw the message, only mallory leaving.
        await expect(alice, left("mallory"))


async def test_the_longest_message_is_fine(room: Room, session: ClientSession) -> None:
    """MAX_FRAME leaves room for MAX_TEXT characters that JSON spells with 12 bytes."""
    text = "😀" * MAX_TEXT
    assert len(json.dumps({"text": text})) < MAX_FRAME
    async with session.ws_connect(room.ws_url("alice")) as alice:
        await expect(alice, joined("alice"))
        await alice.send_json({"text": text})
        await expect(alice, said("alice", text))


async def test_a_binary_message_closes_its_sender_with_1008(
    room: Room, session: ClientSession
) -> None:
    async with session.ws_connect(room.ws_url("alice")) as alice:
        await expect(alice, joined("alice"))
        await alice.send_bytes(b'{"text": "hello"}')
        assert await expect_close(alice) == (
            WSCloseCode.POLICY_VIOLATION,
            "messages are JSON text, not binary",
        )


async def test_an_oversized_frame_is_refused_by_the_websocket_layer_with_1009(
    room: Room, session: ClientSession
) -> None:
    async with session.ws_connect(room.ws_url("alice")) as alice:
        await expect(alice, joined("alice"))
        await alice.send_str(json.dumps({"text": "x" * MAX_FRAME}))
        code, _ = await expect_close(alice)
        assert code == WSCloseCode.MESSAGE_TOO_BIG


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        pytest.param("", "a name is required: /ws?name=...", id="missing"),
        pytest.param("?name=%20%20", "a name is required: /ws?name=...", id="blank"),
        pytest.param(
            f"?name={'n' * (MAX_NAME + 1)}",
            f"names have at most {MAX_NAME} characters",
            id="too-long",
        ),
        pytest.param("?name=a%0Ab", "names cannot contain control characters", id="line-break"),
    ],
)
async def test_a_bad_name_is_refused_with_1008_before_joining(
    room: Room, session: ClientSession, query: str, reason: str
) -> None:
    async with session.ws_connect(room.ws_url("alice")) as alice:
        await expect(alice, joined("alice"))
        async with session.ws_connect(f"{room.url}/ws{query}") as nobody:
            assert await expect_close(nobody) == (WSCloseCode.POLICY_VIOLATION, reason)
        # alice never heard of it: the next thing she hears is her own message.
        await alice.send_json({"text": "anyone?"})
        await expect(alice, said("alice", "anyone?"))


async def test_a_name_is_trimmed(room: Room, session: ClientSession) -> None:
    async with session.ws_connect(f"{room.url}/ws?name=%20bob%20") as bob:
        await expect(bob, joined("bob"))


# ---------------------------------------------------------------- heartbeat


async def test_the_heartbeat_drops_a_client_that_does_not_answer_pings(
    start_room: StartRoom, session: ClientSession
) -> None:
    room = await start_room(Settings(heartbeat=0.2, send_timeout=1.0, close_timeout=1.0))
    async with session.ws_connect(room.ws_url("alice")) as alice:
        await expect(alice, joined("alice"))
        # autoping=False: pings reach us as messages and nobody answers them, as with a
        # client whose network went away without a word.
        async with session.ws_connect(room.ws_url("zombie"), autoping=False) as zombie:
            await expect(alice, joined("zombie"))
            await expect(zombie, joined("zombie"))
            assert (await zombie.receive(timeout=PATIENCE)).type is WSMsgType.PING
            # The server gave up 0.1 s later and dropped the connection (no close frame).
            assert (await zombie.receive(timeout=PATIENCE)).type is WSMsgType.CLOSED
            await expect(alice, left("zombie"))
        # alice was silent too, but her client answered every ping: she is still in.
        await alice.send_json({"text": "still here"})
        await expect(alice, said("alice", "still here"))


# ---------------------------------------------------------------- back-pressure


async def flood_until_gone(alice: ClientWebSocketResponse, gone: str) -> int:
    """Have alice send big messages until she hears that ``gone`` left; return how many.

    An emoji is 12 bytes of JSON, so that the buffers on the way, several megabytes in
    all, fill in a few hundred messages. Alice reads her own messages back as she goes:
    she must not become a slow reader herself.
    """
    text = "😀" * MAX_TEXT
    for sent in range(1, 5000):
        await alice.send_json({"text": text})
        events = []
        while (event := await next_event(alice)) != said("alice", text):
            events.append(event)
        if events:
            assert events == [left(gone)]
            return sent
    raise AssertionError(f"{gone} was never dropped")


async def test_a_client_that_stops_reading_is_dropped_and_the_room_goes_on(
    start_room: StartRoom, session: ClientSession
) -> None:
    room = await start_room(NO_HEARTBEAT)
    async with session.ws_connect(room.ws_url("alice")) as alice:
        await expect(alice, joined("alice"))
        _, sleeper = await join_raw(room.port, "sleeper")
        try:
            await expect(alice, joined("sleeper"))
            sent = await flood_until_gone(alice, "sleeper")
            assert sent > 10  # it did take a flood to fill the buffers
            await alice.send_json({"text": "still here"})
            await expect(alice, said("alice", "still here"))
        finally:
            sleeper.transport.abort()


async def test_a_dropped_slow_client_does_not_delay_the_shutdown() -> None:
    """Ctrl+C right after the room dropped a slow client still stops the server quickly.

    The drop gave up on the close handshake half-way (the sleeper reads nothing, so it
    cannot answer); the handler's own final close then waits for at most close_timeout,
    not for the shutdown_timeout after which the server would cancel it.
    """
    room = Room(NO_HEARTBEAT, shutdown_timeout=PATIENCE)
    await room.start()
    _, sleeper = await join_raw(room.port, "sleeper")
    try:
        async with ClientSession() as session:
            async with session.ws_connect(room.ws_url("alice")) as alice:
                await expect(alice, joined("alice"))
                await flood_until_gone(alice, "sleeper")
        loop = asyncio.get_running_loop()
        started = loop.time()
        await room.stop()
        assert loop.time() - started < NO_HEARTBEAT.close_timeout + 1.0 < PATIENCE
    finally:
        sleeper.transport.abort()
        await room.stop()


# ---------------------------------------------------------------- shutdown


async def test_shutdown_closes_every_client_with_1001(room: Room, session: ClientSession) -> None:
    async with session.ws_connect(room.ws_url("alice")) as alice:
        await expect(alice, joined("alice"))
        async with session.ws_connect(room.ws_url("bob")) as bob:
            await expect(bob, joined("bob"))
            await expect(alice, joined("bob"))
            # Clients answer the close frame while they read, so they read meanwhile.
            stopping = asyncio.create_task(room.stop())
            for ws in (alice, bob):
                code, reason = await expect_close(ws)
                assert (code, reason) == (WSCloseCode.GOING_AWAY, "server shutting down")
            await asyncio.wait_for(stopping, PATIENCE)
            assert room.app[sockets_key] == set()
