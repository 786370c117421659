"""In-memory asyncio transports: run real protocol code over a fake, deterministic socket.

Theory of operation
-------------------
:func:`create_memory_pair` builds two :class:`MemoryTransport` objects that are each other's
peer and connects one ``asyncio.Protocol`` (or ``asyncio.BufferedProtocol``) to each end. The
server protocol's ``connection_made()`` runs first, then the client's, both before the function
returns, so every byte either side writes is delivered to a protocol that is already connected.

Each direction belongs to the sending transport. ``write()`` only copies the bytes into the
sender's queue and schedules a *pump* with ``loop.call_soon``; it never calls into the peer, so
a protocol can write from inside its own callbacks without being re-entered. Each pump hands
the receiver one read, like a selector loop waking once per readable socket:

* everything queued so far, coalesced across writes like a TCP stream, up to 256 KiB (asyncio's
  ``selector_events.max_size``) or the receiver's ``max_chunk``;
* then, once the queue is empty and the sender called ``write_eof()`` or ``close()``, the EOF
  (``eof_received()``; a falsy return closes the receiver, as in asyncio).

Bytes that are queued but not yet handed to the receiver are the sender's write buffer. They
drive ``pause_writing()`` above the high-water mark and ``resume_writing()`` at or below the
low-water mark, with asyncio's defaults (64 KiB, a quarter of that). A receiver that called
``pause_reading()``, or whose reads a test stalled with :meth:`MemoryTransport.stall_reads`,
gets nothing, so the sender's buffer grows: that is the back-pressure path a test can watch.

Differences from a kernel socket, chosen for determinism:

* There is no kernel buffer between the two ends. A single write above the high-water mark
  pauses the writer until the next loop iteration, and ``close()`` completes only once the
  peer has read every queued byte, so closing towards a peer that never resumes reading never
  completes (the per-test timeout reports it).
* Resets (``abort()``, a protocol callback raising, :meth:`MemoryTransport.inject_reset`) are
  reported to both ends on the next loop iteration even if a receiver is paused or stalled.
* Bytes sent to a peer that has closed are discarded. If the peer's ``connection_lost()`` has
  already been scheduled and the sender is not closing itself, the sender loses the connection
  with ``BrokenPipeError``, as a write to a socket answered with RST would.
"""

from __future__ import annotations

import asyncio
import collections
import errno
import itertools
import ssl
import warnings
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar, cast

__all__ = [
    "MemoryPair",
    "MemorySSLObject",
    "MemoryTransport",
    "create_memory_pair",
    "open_memory_transports",
]

_ClientT = TypeVar("_ClientT", bound=asyncio.BaseProtocol)
_ServerT = TypeVar("_ServerT", bound=asyncio.BaseProtocol)

# asyncio's selector loop reads at most this much per recv() (selector_events.max_size).
_READ_SIZE = 256 * 1024
# asyncio's default high-water mark (transports._FlowControlMixin); low defaults to high // 4.
_DEFAULT_HIGH_WATER = 64 * 1024
# Fake ports come from the IANA dynamic range (RFC 6335 s6) so that logs look like real ones;
# distinct pairs get distinct ports, which keeps per-connection log lines tellable apart.
_FIRST_PORT = 49152
_PORT_COUNT = 65536 - _FIRST_PORT
_port_numbers = itertools.count()

_open_transports: weakref.WeakSet[MemoryTransport] = weakref.WeakSet()


def _next_port() -> int:
    return _FIRST_PORT + next(_port_numbers) % _PORT_COUNT


def _reset_error() -> ConnectionResetError:
    # The same errno and text a real socket reset produces, so log assertions carry over.
    return ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")


def _check_max_chunk(max_chunk: int | None) -> None:
    if max_chunk is not None and max_chunk < 1:
        raise ValueError(f"max_chunk must be None or >= 1, not {max_chunk!r}")


@dataclass(frozen=True, slots=True)
class MemorySSLObject:
    """Stand in for ``ssl.SSLObject`` in ``get_extra_info("ssl_object")`` of a TLS pair.

    No handshake happens and no bytes are encrypted; the object only answers the questions
    that code above the transport asks of a TLS connection (ALPN result, version, cipher).

    Attributes:
        server_side: True on the server end, as ``ssl.SSLObject.server_side``.
        alpn_protocol: The protocol ``selected_alpn_protocol()`` reports, e.g. ``"h2"``.
        server_hostname: The SNI name the client "sent", as ``ssl.SSLObject.server_hostname``.
        tls_version: What ``version()`` reports.
    """

    server_side: bool
    alpn_protocol: str | None = None
    server_hostname: str | None = None
    tls_version: str = "TLSv1.3"

    def selected_alpn_protocol(self) -> str | None:
        """Return the ALPN protocol agreed in the simulated handshake.

        Returns:
            The protocol name, or None when no ALPN protocol was configured.
        """
        return self.alpn_protocol

    def version(self) -> str:
        """Return the simulated TLS version.

        Returns:
            A version string such as ``"TLSv1.3"``.
        """
        return self.tls_version

    def cipher(self) -> tuple[str, str, int]:
        """Return the simulated cipher suite.

        Returns:
            ``(name, protocol version, secret bits)``, as ``ssl.SSLObject.cipher()``.
        """
        return ("TLS_AES_128_GCM_SHA256", self.tls_version, 128)

    def compression(self) -> None:
        """Return the compression algorithm; TLS compression is never used.

        Returns:
            None.
        """
        return None

    def getpeercert(self, binary_form: bool = False) -> None:
        """Return the peer certificate; an in-memory connection has none.

        Args:
            binary_form: Accepted for signature compatibility with ``ssl.SSLObject``.

        Returns:
            None, as ``ssl.SSLObject.getpeercert()`` when the peer sent no certificate.
        """
        return None


class MemoryTransport(asyncio.Transport):
    """One end of an in-memory connection; create pairs with :func:`create_memory_pair`.

    Implements the whole ``asyncio.Transport`` interface with asyncio's semantics:
    ``write()`` after ``write_eof()`` raises ``RuntimeError``; ``write()`` after ``close()`` or
    ``abort()`` is silently ignored, as on asyncio's selector loop and on uvloop once the
    connection is going away; ``close()`` delivers queued bytes, then the EOF, then
    ``connection_lost(None)``; ``abort()`` drops queued bytes in both directions and resets the
    peer (``connection_lost(ConnectionResetError)``). A transport garbage-collected before its
    protocol's ``connection_lost()`` was scheduled emits ``ResourceWarning``.

    The extra methods (:meth:`stall_reads`, :meth:`inject_reset`, :attr:`max_chunk`) act on
    the bytes this end *receives*.
    """

    # Set by create_memory_pair right after both ends exist, before any use.
    _peer: MemoryTransport

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        protocol: asyncio.BaseProtocol,
        *,
        role: str,
        extra: dict[str, object],
        max_chunk: int | None,
    ) -> None:
        """Create one end; private to :func:`create_memory_pair`, which links the two ends.

        Args:
            loop: The event loop that runs every delivery.
            protocol: The protocol this end reports to.
            role: ``"client"`` or ``"server"``, shown in ``repr()``.
            extra: What ``get_extra_info()`` answers.
            max_chunk: Largest read handed to ``protocol``; None for 256 KiB.
        """
        # First, so that __del__ of a half-built transport never warns about it.
        self._lost_scheduled = True
        super().__init__()
        _check_max_chunk(max_chunk)
        self._loop = loop
        self._role = role
        self._info = extra
        self._protocol = protocol
        self._buffered = isinstance(protocol, asyncio.BufferedProtocol)
        # Outgoing direction: bytes written but not yet handed to the peer's protocol.
        # memoryviews make taking a prefix O(1), which keeps max_chunk=1 linear.
        self._outbuf: collections.deque[memoryview] = collections.deque()
        self._outsize = 0
        self._pump_scheduled = False
        self._eof_called = False
        self._eof_delivered = False
        self._high = _DEFAULT_HIGH_WATER
        self._low = _DEFAULT_HIGH_WATER // 4
        self._protocol_paused = False
        # Incoming direction: what governs reads handed to our own protocol.
        self._paused_reading = False
        self._stalled = False
        self._max_chunk = max_chunk
        self._reset_budget: int | None = None
        # Lifecycle.
        self._closing = False
        self._lost = False
        self._closed_waiter: asyncio.Future[None] | None = None
        self._lost_scheduled = False

    def __repr__(self) -> str:
        """Describe the end, its state and its write buffer, for failure messages."""
        state = "closed" if self._lost else "closing" if self._closing else "open"
        sockname = self._info.get("sockname")
        peername = self._info.get("peername")
        return (
            f"<MemoryTransport {self._role} {state} {sockname}->{peername}"
            f" write_buffer={self._outsize}>"
        )

    def __del__(self) -> None:
        """Warn like asyncio's socket transports when collected without being closed."""
        if not self._lost_scheduled:
            warnings.warn(
                f"unclosed transport {self!r}", ResourceWarning, stacklevel=1, source=self
            )

    # ------------------------------------------------------------------ BaseTransport

    def get_extra_info(self, name: str, default: object = None) -> object:
        """Return transport information, as a socket transport would.

        Known names: ``peername`` and ``sockname`` (``(host, port)`` tuples), ``socket`` and
        ``sslcontext`` (None unless TLS is simulated), and on a TLS pair ``ssl_object``
        (a :class:`MemorySSLObject`), ``peercert``, ``cipher`` and ``compression``, plus
        whatever ``client_extra``/``server_extra`` of :func:`create_memory_pair` set.

        Args:
            name: The name of the information, as for ``asyncio.BaseTransport``.
            default: Returned when the name is unknown.

        Returns:
            The value, or ``default``.
        """
        return self._info.get(name, default)

    def is_closing(self) -> bool:
        """Return True once ``close()`` or ``abort()`` was called or the connection was lost.

        Returns:
            Whether the transport is closing or closed.
        """
        return self._closing

    def close(self) -> None:
        """Close gracefully: deliver queued bytes and the EOF, then report connection lost.

        Reading stops at once; bytes the peer sends from now on are discarded. The protocol's
        ``connection_lost(None)`` runs once the peer has read every queued byte.
        """
        if self._closing:
            return
        self._closing = True
        # The peer's queued bytes now have no reader; its pump discards them.
        self._peer._schedule_pump()
        self._maybe_finish_close()
        self._schedule_pump()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        """Hand later callbacks to another protocol, e.g. after an HTTP Upgrade.

        Args:
            protocol: The new protocol; its ``connection_made()`` is not called, as in asyncio.
        """
        self._protocol = protocol
        self._buffered = isinstance(protocol, asyncio.BufferedProtocol)

    def get_protocol(self) -> asyncio.BaseProtocol:
        """Return the protocol this end reports to.

        Returns:
            The current protocol.
        """
        return self._protocol

    # ------------------------------------------------------------------ ReadTransport

    def is_reading(self) -> bool:
        """Return True unless reading is paused or the transport is closing.

        A test stall (:meth:`stall_reads`) is invisible here, as network latency would be.

        Returns:
            Whether the protocol may receive data.
        """
        return not self._paused_reading and not self._closing

    def pause_reading(self) -> None:
        """Stop handing data to the protocol; the peer's writes queue up on the peer's side."""
        if self._closing or self._paused_reading:
            return
        self._paused_reading = True

    def resume_reading(self) -> None:
        """Resume handing data to the protocol, from the next loop iteration on."""
        if self._closing or not self._paused_reading:
            return
        self._paused_reading = False
        self._peer._schedule_pump()

    # ------------------------------------------------------------------ WriteTransport

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        """Set the water marks that drive ``pause_writing()``/``resume_writing()``.

        Args:
            high: Pause the protocol when more than this many bytes are queued. Defaults to
                64 KiB, or to ``4 * low`` when only ``low`` is given.
            low: Resume the protocol once at most this many bytes are queued. Defaults to
                ``high // 4``.

        Raises:
            ValueError: Unless ``high >= low >= 0``.
        """
        if high is None:
            high = _DEFAULT_HIGH_WATER if low is None else 4 * low
        if low is None:
            low = high // 4
        if not high >= low >= 0:
            raise ValueError(f"high ({high!r}) must be >= low ({low!r}) must be >= 0")
        self._high = high
        self._low = low
        self._maybe_pause_protocol()

    def get_write_buffer_size(self) -> int:
        """Return how many written bytes the peer's protocol has not received yet.

        Returns:
            The number of queued bytes.
        """
        return self._outsize

    def get_write_buffer_limits(self) -> tuple[int, int]:
        """Return the water marks.

        Returns:
            ``(low, high)``, as asyncio returns them.
        """
        return (self._low, self._high)

    def write(self, data: bytes | bytearray | memoryview[int]) -> None:
        """Queue bytes for the peer; they are delivered on later loop iterations.

        Args:
            data: The bytes; copied, so a bytearray may be reused at once.

        Raises:
            TypeError: If ``data`` is not a bytes-like object.
            RuntimeError: If ``write_eof()`` was called before.
        """
        # memoryview() raises the TypeError asyncio raises for str and other non-buffers.
        view = memoryview(data)
        if self._eof_called:
            raise RuntimeError("Cannot call write() after write_eof()")
        if not view.nbytes or self._closing:
            return
        self._outbuf.append(memoryview(view.tobytes()))
        self._outsize += view.nbytes
        self._schedule_pump()
        self._maybe_pause_protocol()

    def writelines(self, list_of_data: Iterable[bytes | bytearray | memoryview[int]]) -> None:
        """Queue several byte strings as one write.

        Args:
            list_of_data: The byte strings, in order.

        Raises:
            TypeError: If an item is not a bytes-like object.
            RuntimeError: If ``write_eof()`` was called before.
        """
        self.write(b"".join(list_of_data))

    def write_eof(self) -> None:
        """Half-close: the peer gets ``eof_received()`` after every byte queued so far."""
        if self._closing or self._eof_called:
            return
        self._eof_called = True
        self._schedule_pump()

    def can_write_eof(self) -> bool:
        """Return True: an in-memory stream supports half-close like TCP.

        Returns:
            True.
        """
        return True

    def abort(self) -> None:
        """Close at once: drop queued bytes both ways and reset the peer.

        The protocol gets ``connection_lost(None)`` and the peer's protocol
        ``connection_lost(ConnectionResetError)``, both on the next loop iteration.
        """
        if self._lost_scheduled:
            return
        self._force_close(None)
        self._peer._force_close(_reset_error())

    # ------------------------------------------------------------------ test controls

    @property
    def closed(self) -> bool:
        """Whether the protocol's ``connection_lost()`` has run."""
        return self._lost

    @property
    def reads_stalled(self) -> bool:
        """Whether :meth:`stall_reads` is holding back incoming data."""
        return self._stalled

    @property
    def max_chunk(self) -> int | None:
        """Largest read handed to this end's protocol; None means 256 KiB like asyncio.

        Set it to 1 to feed a parser one byte at a time. Reads still coalesce writes, so a
        chunk may span the end of one write and the start of the next.

        Raises:
            ValueError: When set to a value below 1.
        """
        return self._max_chunk

    @max_chunk.setter
    def max_chunk(self, value: int | None) -> None:
        _check_max_chunk(value)
        self._max_chunk = value

    def stall_reads(self) -> None:
        """Hold back data and EOF for this end, without the protocol knowing (a slow network).

        Unlike ``pause_reading()`` this is invisible to ``is_reading()``; the peer's writes
        still queue on the peer's side and so still apply back-pressure to it.
        """
        self._stalled = True

    def release_reads(self) -> None:
        """Undo :meth:`stall_reads`; held data flows again from the next loop iteration."""
        if not self._stalled:
            return
        self._stalled = False
        self._peer._schedule_pump()

    def inject_reset(self, after: int) -> None:
        """Break the connection once this end has received ``after`` more bytes.

        Reads are cut so that exactly ``after`` bytes reach the protocol; then both protocols
        get ``connection_lost(ConnectionResetError)``, as if a middlebox reset the connection.

        Args:
            after: Bytes to let through first; 0 resets on the next loop iteration.

        Raises:
            ValueError: If ``after`` is negative.
        """
        if after < 0:
            raise ValueError(f"after must be >= 0, not {after!r}")
        if after == 0:
            self._loop.call_soon(self._reset_both)
        else:
            self._reset_budget = after

    async def wait_closed(self) -> None:
        """Wait until the protocol's ``connection_lost()`` has run."""
        if self._lost:
            return
        if self._closed_waiter is None:
            self._closed_waiter = self._loop.create_future()
        # Shielded: one cancelled waiter must not cancel the future the others share.
        await asyncio.shield(self._closed_waiter)

    # ------------------------------------------------------------------ sending side

    def _schedule_pump(self) -> None:
        if not self._pump_scheduled:
            self._pump_scheduled = True
            self._loop.call_soon(self._pump)

    def _eof_owed(self) -> bool:
        return (self._eof_called or self._closing) and not self._eof_delivered

    def _pump(self) -> None:
        """Hand one read of queued bytes, or the EOF, to the peer's protocol."""
        self._pump_scheduled = False
        if not self._outsize and not self._eof_owed():
            return
        peer = self._peer
        if peer._closing:
            self._drop_outgoing()
            return
        if peer._paused_reading or peer._stalled:
            # peer.resume_reading() / release_reads() schedules this pump again.
            return
        if self._outsize:
            self._deliver_data(peer)
        else:
            self._eof_delivered = True
            peer._receive_eof()
        if self._outsize or self._eof_owed():
            self._schedule_pump()

    def _deliver_data(self, peer: MemoryTransport) -> None:
        limit = peer._max_chunk or _READ_SIZE
        if peer._reset_budget is not None:
            limit = min(limit, peer._reset_budget)
        protocol = peer._protocol
        callback = "buffer_updated" if peer._buffered else "data_received"
        try:
            if peer._buffered:
                receiver = cast(asyncio.BufferedProtocol, protocol)
                # -1 like asyncio's selector loop: the protocol picks the size.
                buffer = memoryview(receiver.get_buffer(-1)).cast("B")
                if not buffer.nbytes:
                    raise RuntimeError("get_buffer() returned an empty buffer")
                size = min(buffer.nbytes, limit, self._outsize)
                buffer[:size] = self._take(size, peer)
                receiver.buffer_updated(size)
            else:
                data = self._take(min(limit, self._outsize), peer)
                cast(asyncio.Protocol, protocol).data_received(data)
        except Exception as exc:
            # A protocol bug closes its connection instead of escaping into the loop, as on
            # asyncio. Other BaseExceptions (KeyboardInterrupt...) still propagate.
            peer._fatal_error(exc, f"Fatal error: protocol.{callback}() call failed.")
            return
        if peer._reset_budget == 0:
            self._reset_both()
            return
        self._maybe_resume_protocol()
        self._maybe_finish_close()

    def _take(self, size: int, peer: MemoryTransport) -> bytes:
        """Remove the first ``size`` queued bytes and charge them to the peer's reset budget."""
        parts: list[memoryview] = []
        need = size
        queue = self._outbuf
        while need:
            head = queue[0]
            if len(head) <= need:
                parts.append(queue.popleft())
                need -= len(head)
            else:
                parts.append(head[:need])
                queue[0] = head[need:]
                need = 0
        self._outsize -= size
        if peer._reset_budget is not None:
            peer._reset_budget -= size
        return b"".join(parts)

    def _drop_outgoing(self) -> None:
        """Discard queued bytes and the EOF because the peer no longer reads."""
        had_data = self._outsize > 0
        self._outbuf.clear()
        self._outsize = 0
        self._eof_delivered = True
        if had_data and self._peer._lost_scheduled and not self._closing:
            # TCP answers bytes sent to a closed socket with RST; the next send() says EPIPE.
            self._force_close(BrokenPipeError(errno.EPIPE, "Broken pipe"))
            return
        self._maybe_resume_protocol()
        self._maybe_finish_close()

    def _maybe_pause_protocol(self) -> None:
        if self._outsize <= self._high or self._protocol_paused:
            return
        self._protocol_paused = True
        try:
            self._protocol.pause_writing()
        except Exception as exc:
            self._report(exc, "protocol.pause_writing() failed")

    def _maybe_resume_protocol(self) -> None:
        if not self._protocol_paused or self._outsize > self._low or self._lost_scheduled:
            return
        self._protocol_paused = False
        try:
            self._protocol.resume_writing()
        except Exception as exc:
            self._report(exc, "protocol.resume_writing() failed")

    # ------------------------------------------------------------------ receiving side

    def _receive_eof(self) -> None:
        protocol = cast("asyncio.Protocol | asyncio.BufferedProtocol", self._protocol)
        try:
            keep_open = protocol.eof_received()
        except Exception as exc:
            self._fatal_error(exc, "Fatal error: protocol.eof_received() call failed.")
            return
        if not keep_open:
            self.close()

    # ------------------------------------------------------------------ lifecycle

    def _maybe_finish_close(self) -> None:
        if self._closing and not self._lost_scheduled and not self._outsize:
            self._schedule_lost(None)

    def _force_close(self, exc: Exception | None) -> None:
        """Drop everything queued and report ``connection_lost(exc)`` to this end only."""
        if self._lost_scheduled:
            return
        self._closing = True
        self._outbuf.clear()
        self._outsize = 0
        self._eof_delivered = True
        self._schedule_lost(exc)

    def _reset_both(self) -> None:
        self._force_close(_reset_error())
        self._peer._force_close(_reset_error())

    def _fatal_error(self, exc: Exception, message: str) -> None:
        # Like asyncio: OSErrors are the network's doing and not worth a log entry.
        if not isinstance(exc, OSError):
            self._report(exc, message)
        self._force_close(exc)
        self._peer._force_close(_reset_error())

    def _report(self, exc: Exception, message: str) -> None:
        self._loop.call_exception_handler(
            {"message": message, "exception": exc, "transport": self, "protocol": self._protocol}
        )

    def _schedule_lost(self, exc: Exception | None) -> None:
        self._lost_scheduled = True
        self._loop.call_soon(self._call_connection_lost, exc)

    def _call_connection_lost(self, exc: Exception | None) -> None:
        try:
            self._protocol.connection_lost(exc)
        finally:
            self._lost = True
            _open_transports.discard(self)
            waiter = self._closed_waiter
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

    def _retire(self) -> None:
        """Mark a never-connected end as gone, without any callback."""
        self._closing = self._lost = self._lost_scheduled = True
        self._eof_delivered = True
        self._outbuf.clear()
        self._outsize = 0


class MemoryPair(NamedTuple, Generic[_ClientT, _ServerT]):
    """The two ends of an in-memory connection, as returned by :func:`create_memory_pair`.

    A named tuple, so ``client_transport, client_protocol, server_transport, server_protocol
    = create_memory_pair(...)`` works as well as attribute access.

    Attributes:
        client_transport: The client's end.
        client_protocol: The protocol connected to the client's end.
        server_transport: The server's end.
        server_protocol: The protocol connected to the server's end.
    """

    client_transport: MemoryTransport
    client_protocol: _ClientT
    server_transport: MemoryTransport
    server_protocol: _ServerT

    def close(self) -> None:
        """Close both ends gracefully."""
        self.client_transport.close()
        self.server_transport.close()

    async def wait_closed(self) -> None:
        """Wait until both protocols' ``connection_lost()`` has run."""
        await self.client_transport.wait_closed()
        await self.server_transport.wait_closed()


def _extra_info(
    sockname: tuple[str, int],
    peername: tuple[str, int],
    *,
    tls: bool,
    alpn_protocol: str | None,
    server_side: bool,
    overrides: Mapping[str, object] | None,
) -> dict[str, object]:
    info: dict[str, object] = {
        "peername": peername,
        "sockname": sockname,
        "socket": None,
        "sslcontext": None,
    }
    if tls:
        # Real, unconfigured contexts: cheap to build (no certificates are loaded) and what
        # code that checks isinstance(..., ssl.SSLContext) expects.
        context_protocol = ssl.PROTOCOL_TLS_SERVER if server_side else ssl.PROTOCOL_TLS_CLIENT
        ssl_object = MemorySSLObject(server_side=server_side, alpn_protocol=alpn_protocol)
        info.update(
            sslcontext=ssl.SSLContext(context_protocol),
            ssl_object=ssl_object,
            peercert=None,
            cipher=ssl_object.cipher(),
            compression=None,
        )
    if overrides:
        info.update(overrides)
    return info


def create_memory_pair(
    client_protocol_factory: Callable[[], _ClientT],
    server_protocol_factory: Callable[[], _ServerT],
    *,
    loop: asyncio.AbstractEventLoop | None = None,
    max_chunk: int | None = None,
    tls: bool = False,
    alpn_protocol: str | None = None,
    client_address: tuple[str, int] | None = None,
    server_address: tuple[str, int] | None = None,
    client_extra: Mapping[str, object] | None = None,
    server_extra: Mapping[str, object] | None = None,
) -> MemoryPair[_ClientT, _ServerT]:
    """Connect a client protocol and a server protocol through in-memory transports.

    Both protocols are connected when this returns: the server's ``connection_made()`` runs
    first, then the client's. Nothing is delivered before the next loop iteration.

    Args:
        client_protocol_factory: Builds the client's ``asyncio.Protocol`` or
            ``asyncio.BufferedProtocol``.
        server_protocol_factory: Builds the server's protocol.
        loop: The loop that runs the deliveries; defaults to the running loop.
        max_chunk: Largest read handed to either protocol (see
            :attr:`MemoryTransport.max_chunk`); None for 256 KiB as on asyncio.
        tls: Report a TLS connection in ``get_extra_info()`` (``sslcontext``, ``ssl_object``
            ...); the bytes still travel in clear.
        alpn_protocol: The ALPN protocol ``ssl_object.selected_alpn_protocol()`` reports on
            both ends, e.g. ``"h2"``; implies ``tls``.
        client_address: The client's ``sockname``; defaults to 127.0.0.1 and a fresh port.
        server_address: The server's ``sockname``; defaults to 127.0.0.1 and a fresh port.
        client_extra: Entries that replace or add to the client end's ``get_extra_info()``.
        server_extra: Entries that replace or add to the server end's ``get_extra_info()``.

    Returns:
        The two transports and the two protocols.

    Raises:
        RuntimeError: If no loop is given and none is running.
        ValueError: If ``max_chunk`` is below 1.
    """
    if loop is None:
        loop = asyncio.get_running_loop()
    _check_max_chunk(max_chunk)
    tls = tls or alpn_protocol is not None
    client_address = client_address or ("127.0.0.1", _next_port())
    server_address = server_address or ("127.0.0.1", _next_port())
    client_info = _extra_info(
        client_address,
        server_address,
        tls=tls,
        alpn_protocol=alpn_protocol,
        server_side=False,
        overrides=client_extra,
    )
    server_info = _extra_info(
        server_address,
        client_address,
        tls=tls,
        alpn_protocol=alpn_protocol,
        server_side=True,
        overrides=server_extra,
    )
    client_protocol = client_protocol_factory()
    server_protocol = server_protocol_factory()
    client = MemoryTransport(
        loop, client_protocol, role="client", extra=client_info, max_chunk=max_chunk
    )
    server = MemoryTransport(
        loop, server_protocol, role="server", extra=server_info, max_chunk=max_chunk
    )
    client._peer = server
    server._peer = client
    try:
        server_protocol.connection_made(server)
        client_protocol.connection_made(client)
    except BaseException:
        # The caller sees its own error; the half-made ends must not add ResourceWarnings.
        client._retire()
        server._retire()
        raise
    _open_transports.add(client)
    _open_transports.add(server)
    return MemoryPair(client, client_protocol, server, server_protocol)


def open_memory_transports() -> list[MemoryTransport]:
    """List the memory transports whose protocol has not yet seen ``connection_lost()``.

    A test fixture can assert that this is empty after a test to catch leaked connections.

    Returns:
        The open transports, in no particular order.
    """
    return list(_open_transports)
