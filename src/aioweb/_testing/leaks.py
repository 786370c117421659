"""Find the sessions, connectors, responses, WebSockets and servers a test leaves open.

Theory of operation
-------------------
:func:`install` wraps the constructors of the tracked classes (the table ``_KINDS``) once
per process. While a :class:`LeakTracker` is active (the pytest plugin activates one from
the setup of each test to the end of its teardown), each new instance is recorded before its
constructor runs, together with

* where it was created: the first caller outside the aioweb package (and outside the
  constructors of subclasses), such as ``test_api.py:12``;
* the loop that was running, to close it on later;
* its owner: the nearest aioweb object of a tracked kind whose method created it (a session
  owns the connector it made and the responses it returns, a ``TestClient`` its session, a
  ``MockConnector`` its runner). Some objects also take over others when they are built
  (``parts``): a session the connector it was given, a WebSocket its handshake response.

An open object is reported unless its owner is still open, since closing the owner closes
it: one forgotten ``ClientSession`` gives one line, not three. Responses and WebSockets are
the exception (``per_use``): a session shared by many tests stays open, yet each test must
release what it took from it, so they are reported unless their owner is one of this test's
own leaks.

The tracker holds strong references until the end, so an object the test dropped without
closing is still found: detection depends neither on when the garbage collector runs nor on
``ResourceWarning`` filters. What leaked is then closed: by :meth:`LeakTracker.collect`,
which the plugin calls just before pytest-asyncio closes the test's loop, or by
:meth:`LeakTracker.finish` on a loop that can still run. Objects whose loop is gone are
dropped with their warnings silenced, since they are reported already; without that they
would warn in some later test.

Trackers nest (pytest's own ``pytester`` runs tests inside a test): only the innermost
active tracker records.
"""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import warnings
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import wraps
from types import FrameType
from typing import Any, Final

import aioweb
from aioweb._client.connector import BaseConnector
from aioweb._client.response import ClientResponse
from aioweb._client.session import ClientSession
from aioweb._client.websocket import ClientWebSocketResponse
from aioweb._server.runner import BaseRunner
from aioweb._testing.client import TestClient
from aioweb._testing.servers import BaseTestServer

__all__ = ["Leak", "LeakTracker", "active_tracker", "install", "uninstall"]

_PACKAGE_DIR: Final = os.path.dirname(os.path.abspath(aioweb.__file__)) + os.sep


def _connector_holds_sockets(connector: BaseConnector) -> bool:
    # Like BaseConnector.__del__: an unclosed connector that holds no socket leaks nothing
    # (it still counts as open when it owns something, such as MockConnector's runner).
    return not connector.closed and connector.open_connections > 0


def _response_open(response: ClientResponse) -> bool:
    connection = response.connection
    return connection is not None and not connection.closed


def _server_open(server: BaseTestServer) -> bool:
    return server.started and not server.closed


def _no_parts(obj: object) -> tuple[object, ...]:
    return ()


def _owned_connector(session: ClientSession) -> tuple[object, ...]:
    # ClientSession(connector=...) closes the connector it was given unless told not to.
    connector = session.connector
    return (connector,) if connector is not None and session.connector_owner else ()


@dataclass(frozen=True, slots=True)
class _Kind:
    """A tracked class and how to tell whether an instance of it is still open.

    Attributes:
        cls: The class (subclasses are tracked through its constructor).
        is_open: Whether the object still holds resources, so that what it owns is its
            business.
        problem: The end of the message for a leak.
        close: Closes the object; returns a coroutine when closing is asynchronous.
        leaks: Whether an open object is worth reporting; ``is_open`` unless given.
        parts: Objects made before this one that it takes over (a WebSocket takes the
            handshake's response, whose connection it now uses; a session the connector
            it was given).
        per_use: Made for one use by a longer-lived owner (a response by its session):
            reported unless the owner itself was created in this test, because a shared
            session outliving the test does not release it.
    """

    cls: type[Any]
    is_open: Callable[[Any], bool]
    problem: str
    close: Callable[[Any], Coroutine[Any, Any, object] | None]
    leaks: Callable[[Any], bool] | None = None
    parts: Callable[[Any], tuple[object, ...]] = _no_parts
    per_use: bool = False


_KINDS: Final = (
    _Kind(TestClient, lambda c: not c.closed, "was not closed", lambda c: c.close()),
    _Kind(BaseTestServer, _server_open, "was not closed", lambda s: s.close()),
    _Kind(
        BaseRunner,
        lambda r: r.server is not None,
        "was not cleaned up (await runner.cleanup())",
        lambda r: r.cleanup(),
    ),
    _Kind(
        ClientSession,
        lambda s: not s.closed,
        "was not closed",
        lambda s: s.close(),
        parts=_owned_connector,
    ),
    _Kind(
        BaseConnector,
        lambda c: not c.closed,
        "was not closed",
        lambda c: c.close(),
        leaks=_connector_holds_sockets,
    ),
    _Kind(
        ClientResponse,
        _response_open,
        "was not released (read its body, use async with, or call release())",
        lambda r: r.close(),
        per_use=True,
    ),
    _Kind(
        ClientWebSocketResponse,
        lambda w: not w.closed,
        "was not closed",
        lambda w: w.close(),
        parts=lambda w: (w._response,),
        per_use=True,
    ),
)


def _kind_of(obj: object) -> _Kind | None:
    for kind in _KINDS:
        if isinstance(obj, kind.cls):
            return kind
    return None


def _check(predicate: Callable[[Any], bool], obj: object) -> bool:
    try:
        return bool(predicate(obj))
    except Exception:  # a half-built object: nothing to report
        return False


def _is_open(obj: object) -> bool:
    kind = _kind_of(obj)
    return kind is not None and _check(kind.is_open, obj)


@dataclass(slots=True)
class _Record:
    obj: object
    kind: _Kind
    where: str
    owner: object | None
    loop: asyncio.AbstractEventLoop | None


@dataclass(frozen=True, slots=True)
class Leak:
    """One object left open.

    Attributes:
        obj: The object.
        message: What to tell the user, e.g. ``"ClientSession created at t.py:3 was not
            closed"``.
    """

    obj: object
    message: str


class LeakTracker:
    """Record tracked objects created while active; report those left open.

    Args:
        root: Locations are shown relative to this directory when they are inside it.
    """

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self._root = os.path.abspath(root) + os.sep if root is not None else None
        self._records: list[_Record] = []
        self._by_id: dict[int, _Record] = {}
        self._found: list[str] = []
        self._reported: set[int] = set()
        #: Recording is suspended while above zero (shared fixtures being set up).
        self.paused = 0

    # ------------------------------------------------------------------ activation

    def activate(self) -> None:
        """Start recording (nested trackers: the innermost active one records)."""
        _active.append(self)

    def deactivate(self) -> None:
        """Stop recording."""
        if self in _active:
            _active.remove(self)

    # ------------------------------------------------------------------ recording

    def _record(self, obj: object, kind: _Kind, frame: FrameType | None) -> _Record:
        where, owner = self._origin(obj, frame)
        try:
            loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        record = _Record(obj, kind, where, owner, loop)
        self._records.append(record)
        self._by_id[id(obj)] = record
        return record

    def _forget(self, record: _Record) -> None:
        self._records.remove(record)
        self._by_id.pop(id(record.obj), None)

    def _origin(self, obj: object, frame: FrameType | None) -> tuple[str, object | None]:
        """Return where ``obj`` was created and which tracked object created it."""
        owner: object | None = None
        last_inside = "<unknown>"
        while frame is not None:
            code = frame.f_code
            inside = code.co_filename.startswith(_PACKAGE_DIR)
            # Constructors of subclasses (also the user's) run before ours: skip them.
            if inside or code.co_name == "__init__":
                this = frame.f_locals.get("self")
                if this is obj:
                    frame = frame.f_back
                    continue
                if inside and owner is None and _kind_of(this) is not None:
                    owner = this
            location = f"{self._relative(code.co_filename)}:{frame.f_lineno}"
            if not inside:
                return location, owner
            last_inside = location
            frame = frame.f_back
        return last_inside, owner

    def _relative(self, filename: str) -> str:
        if self._root is not None and filename.startswith(self._root):
            return filename[len(self._root) :]
        return filename

    # ------------------------------------------------------------------ checking

    def leaks(self, loop: asyncio.AbstractEventLoop | None = None) -> list[Leak]:
        """Return the objects still open whose owner, if any, is not open itself.

        Args:
            loop: Only consider objects created while this loop was running.

        Returns:
            The leaks, in the order the objects were created.
        """
        owners = {id(r.obj): r.owner for r in self._records}
        for record in self._records:
            for part in record.kind.parts(record.obj):
                owners[id(part)] = record.obj
        found = []
        for record in self._records:
            kind = record.kind
            if loop is not None and record.loop is not loop:
                continue
            if not _check(kind.leaks or kind.is_open, record.obj):
                continue
            owner = owners[id(record.obj)]
            if kind.per_use and owner is not None and id(owner) not in self._by_id:
                owner = None
            if owner is not None and _is_open(owner):
                continue
            name = type(record.obj).__name__
            found.append(
                Leak(record.obj, f"{name} created at {record.where} {record.kind.problem}")
            )
        return found

    def collect(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Note the current leaks for :meth:`finish` and close them where possible.

        Call it with the test's loop just before that loop closes: the leaks can then be
        closed properly on it, which no later moment allows.

        Args:
            loop: Only collect objects created while this loop was running.
        """
        records = {id(r.obj): r for r in self._records}
        current = self.leaks(loop)
        for leak in current:
            if id(leak.obj) not in self._reported:
                self._reported.add(id(leak.obj))
                self._found.append(leak.message)
        for leak in reversed(current):  # the newest first, like exiting nested blocks
            _close_quietly(records[id(leak.obj)])

    def finish(self) -> list[str]:
        """Collect what is still open, forget every record and describe all the leaks.

        Objects whose loop can no longer run are dropped with ``ResourceWarning`` silenced,
        since their leak is reported already; only their descriptions are kept, so that
        nothing the test created outlives this call through the tracker.

        Returns:
            The messages of the leaks found by this call and by earlier :meth:`collect`
            calls, such as ``"ClientSession created at test_api.py:12 was not closed"``.
        """
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            self.collect()
            found, self._found = self._found, []
            leaked = bool(self._reported)
            self._records.clear()
            self._by_id.clear()
            self._reported.clear()
            if leaked:
                gc.collect()
        return found


def _close_quietly(record: _Record) -> None:
    loop = record.loop
    usable = loop is not None and not loop.is_closed() and not loop.is_running()
    if not usable and record.kind.cls is not ClientResponse:
        # Closing needs the loop; the garbage collector frees the sockets. The leak is
        # reported already: mark a session or connector closed so that its __del__ does
        # not report it a second time through the (dead) loop's exception handler.
        if isinstance(record.obj, ClientSession | BaseConnector):
            record.obj._closed = True
        return
    try:
        result = record.kind.close(record.obj)
        if result is not None and loop is not None:
            loop.run_until_complete(asyncio.wait_for(result, 5))
    except Exception:  # best effort: the leak is reported already
        return


# ---------------------------------------------------------------------- constructors

_active: list[LeakTracker] = []
_installed: list[tuple[type[Any], Callable[..., None]]] = []
_install_count = 0


def active_tracker() -> LeakTracker | None:
    """Return the innermost active tracker, if any."""
    return _active[-1] if _active else None


def _wrap(kind: _Kind, init: Callable[..., None]) -> Callable[..., None]:
    @wraps(init)
    def init_and_record(self: object, *args: object, **kwargs: object) -> None:
        tracker = _active[-1] if _active else None
        if tracker is None or tracker.paused or id(self) in tracker._by_id:
            init(self, *args, **kwargs)
            return
        record = tracker._record(self, kind, sys._getframe(1))
        try:
            init(self, *args, **kwargs)
        except BaseException:
            tracker._forget(record)
            raise

    return init_and_record


def install() -> None:
    """Wrap the tracked constructors (counted: each call needs one :func:`uninstall`)."""
    global _install_count
    _install_count += 1
    if _install_count > 1:
        return
    for kind in _KINDS:
        init = kind.cls.__dict__["__init__"]
        _installed.append((kind.cls, init))
        setattr(kind.cls, "__init__", _wrap(kind, init))  # noqa: B010 - replacing a method


def uninstall() -> None:
    """Undo :func:`install` once the last user is done."""
    global _install_count
    _install_count = max(0, _install_count - 1)
    if _install_count:
        return
    while _installed:
        cls, init = _installed.pop()
        setattr(cls, "__init__", init)  # noqa: B010 - restoring the original method
