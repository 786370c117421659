"""Request and response bodies as ``Payload`` objects, and the registry that makes them.

Theory of operation
-------------------
A ``Payload`` (``aioweb._shared.payload_base``) is a body that knows its own headers, its
size when that is known up front, and how to ``write()`` itself to anything with an
``async write(bytes)`` method. The client and the server never look inside: they take the
headers, use ``size`` for ``Content-Length`` (or fall back to chunked transfer coding when it
is ``None``) and await ``write()``.

``get_payload(data)`` turns a plain Python object into the right payload by asking
``PAYLOAD_REGISTRY``, which tries the factories registered with ``Order.try_first``, then
``Order.normal``, then ``Order.try_last``, and picks the first whose type matches.

This module holds the in-memory payloads (bytes, text, JSON), the streaming ones that are
not files (async iterables, ``StreamReader``, ``@streamer``) and the registry; the file
payloads are in ``aioweb._shared.payload_io``. Every payload name is importable from here.
Streaming payloads never hold the whole body in memory.
"""

from __future__ import annotations

import builtins
import enum
import io
import json
import warnings
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from typing import IO, Final, Protocol, TypeVar, runtime_checkable

from aioweb._shared.disposition import build_content_disposition
from aioweb._shared.disposition import is_token as is_token
from aioweb._shared.payload_base import HeadersArg as HeadersArg
from aioweb._shared.payload_base import (
    Payload,
    PayloadWriter,
    guess_filename,
    text_encoding,
    validate_header,
)
from aioweb._shared.payload_io import READ_CHUNK_SIZE as READ_CHUNK_SIZE
from aioweb._shared.payload_io import (
    BufferedReaderPayload,
    BytesIOPayload,
    IOBasePayload,
    TextIOPayload,
)

__all__ = [
    "PAYLOAD_REGISTRY",
    "AsyncIterablePayload",
    "BufferedReaderPayload",
    "BytesIOPayload",
    "BytesPayload",
    "IOBasePayload",
    "JsonPayload",
    "LookupError",
    "Order",
    "Payload",
    "PayloadRegistry",
    "PayloadWriter",
    "StreamReaderPayload",
    "StreamWrapperPayload",
    "StringIOPayload",
    "StringPayload",
    "TextIOPayload",
    "build_content_disposition",
    "get_payload",
    "guess_filename",
    "payload_type",
    "register_payload",
    "streamer",
    "validate_header",
]


class LookupError(builtins.LookupError):
    """Raised by ``get_payload()`` when no registered factory accepts the data."""


class Order(enum.StrEnum):
    """When a payload factory is tried relative to the others."""

    #: Registered factories with no preference.
    normal = "normal"
    #: Tried before every ``normal`` factory.
    try_first = "try_first"
    #: Tried after every ``normal`` factory; the catch-alls such as async iterables.
    try_last = "try_last"


class BytesPayload(Payload):
    """A body held in memory as bytes.

    Args:
        value: ``bytes``, ``bytearray`` or ``memoryview``.
        headers: Extra headers.
        content_type: ``Content-Type``; ``application/octet-stream`` when omitted.
        filename: Name the body is sent as.
        encoding: Charset, when the bytes are text.
        **kwargs: Ignored (see ``Payload``).

    Raises:
        TypeError: If ``value`` is not bytes-like.
    """

    _value: bytes

    def __init__(
        self,
        value: bytes | bytearray | memoryview,
        headers: HeadersArg | None = None,
        content_type: str | None = None,
        filename: str | None = None,
        encoding: str | None = None,
        **kwargs: object,
    ) -> None:
        if not isinstance(value, bytes | bytearray | memoryview):
            raise TypeError(f"value must be bytes, bytearray or memoryview, not {type(value)!r}")
        # A snapshot: later changes to a bytearray must not change a body whose
        # Content-Length was already announced.
        data = bytes(value)
        super().__init__(data, headers, content_type, filename, encoding)
        self._size = len(data)

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        """Return the bytes decoded as text.

        Args:
            encoding: Charset.
            errors: Codec error handler.

        Returns:
            The text.
        """
        return self._value.decode(encoding, errors)

    async def write(self, writer: PayloadWriter) -> None:
        """Write the bytes.

        Args:
            writer: Destination of the bytes.
        """
        await writer.write(self._value)

    async def as_bytes(self) -> bytes:
        """Return the bytes.

        Returns:
            The body.
        """
        return self._value


class StringPayload(BytesPayload):
    """A text body, encoded once up front.

    The charset is ``encoding``, else the ``charset`` of ``content_type``, else UTF-8; the
    default ``Content-Type`` is ``text/plain; charset=<charset>``.

    Args:
        value: The text.
        headers: Extra headers.
        content_type: ``Content-Type``.
        filename: Name the body is sent as.
        encoding: Charset used to encode the text.
        **kwargs: Ignored (see ``Payload``).
    """

    def __init__(
        self,
        value: str,
        headers: HeadersArg | None = None,
        content_type: str | None = None,
        filename: str | None = None,
        encoding: str | None = None,
        **kwargs: object,
    ) -> None:
        real_encoding, real_type = text_encoding(encoding, content_type)
        super().__init__(value.encode(real_encoding), headers, real_type, filename, real_encoding)


class StringIOPayload(StringPayload):
    """A text body read from an ``io.StringIO`` (read whole: it is in memory anyway).

    Args:
        value: The in-memory text file; read from its current position.
        headers: Extra headers.
        content_type: ``Content-Type``.
        filename: Name the body is sent as.
        encoding: Charset used to encode the text.
        **kwargs: Ignored (see ``Payload``).
    """

    def __init__(
        self,
        value: IO[str],
        headers: HeadersArg | None = None,
        content_type: str | None = None,
        filename: str | None = None,
        encoding: str | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(value.read(), headers, content_type, filename, encoding)


class JsonPayload(BytesPayload):
    """A body holding ``dumps(value)`` encoded with ``encoding``.

    Args:
        value: Any object ``dumps`` accepts.
        encoding: Charset of the encoded JSON text.
        content_type: ``Content-Type``.
        dumps: The serializer; ``json.dumps`` by default.
        headers: Extra headers.
        filename: Name the body is sent as.
        **kwargs: Ignored (see ``Payload``).
    """

    def __init__(
        self,
        value: object,
        encoding: str = "utf-8",
        content_type: str = "application/json",
        dumps: Callable[[object], str] = json.dumps,
        headers: HeadersArg | None = None,
        filename: str | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(dumps(value).encode(encoding), headers, content_type, filename, encoding)


class AsyncIterablePayload(Payload):
    """A body produced by an async iterable of bytes, sent as it is produced.

    It can be written once only: the iterable cannot be rewound.

    Args:
        value: An async iterable (e.g. an async generator) of bytes-like chunks.
        headers: Extra headers.
        content_type: ``Content-Type``.
        filename: Name the body is sent as.
        encoding: Charset, when the chunks are text.
        **kwargs: Ignored (see ``Payload``).

    Raises:
        TypeError: If ``value`` is not an async iterable.
    """

    _value: AsyncIterable[bytes]

    def __init__(
        self,
        value: AsyncIterable[bytes],
        headers: HeadersArg | None = None,
        content_type: str | None = None,
        filename: str | None = None,
        encoding: str | None = None,
        **kwargs: object,
    ) -> None:
        if not isinstance(value, AsyncIterable):
            raise TypeError(f"value must be an async iterable, not {type(value)!r}")
        super().__init__(value, headers, content_type, filename, encoding)
        self._iterator: AsyncIterator[bytes] | None = None

    async def write(self, writer: PayloadWriter) -> None:
        """Write every chunk the iterable yields.

        Args:
            writer: Destination of the bytes.

        Raises:
            RuntimeError: If the payload was already written.
        """
        if self._iterator is not None:
            raise RuntimeError("an async iterable payload can be written only once")
        self._iterator = aiter(self._value)
        async for chunk in self._iterator:
            await writer.write(bytes(chunk))

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        """Refuse: a stream cannot be decoded without consuming it.

        Args:
            encoding: Unused.
            errors: Unused.

        Raises:
            TypeError: Always.
        """
        raise TypeError("an async iterable payload cannot be decoded; use await as_bytes()")


@runtime_checkable
class _IterAnyStream(Protocol):
    def iter_any(self) -> AsyncIterable[bytes]: ...


class StreamReaderPayload(AsyncIterablePayload):
    """A body copied from a ``StreamReader`` (e.g. proxying a request body).

    Args:
        value: Any stream with ``iter_any()``, such as ``aioweb.StreamReader``.
        headers: Extra headers.
        content_type: ``Content-Type``.
        filename: Name the body is sent as.
        encoding: Charset, when the data is text.
        **kwargs: Ignored (see ``Payload``).
    """

    def __init__(
        self,
        value: _IterAnyStream,
        headers: HeadersArg | None = None,
        content_type: str | None = None,
        filename: str | None = None,
        encoding: str | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(value.iter_any(), headers, content_type, filename, encoding)


# ---------------------------------------------------------------------------- registry

PayloadFactory = Callable[..., Payload]
_FactoryT = TypeVar("_FactoryT", bound=PayloadFactory)
_TypeSpec = type | tuple[type, ...]


class PayloadRegistry:
    """Map Python types to the payload factories that wrap them."""

    def __init__(self) -> None:
        self._by_order: dict[Order, list[tuple[PayloadFactory, _TypeSpec]]] = {
            Order.try_first: [],
            Order.normal: [],
            Order.try_last: [],
        }

    def get(self, data: object, *args: object, **kwargs: object) -> Payload:
        """Wrap ``data`` in the first matching payload type.

        Args:
            data: The body; a ``Payload`` is returned as is.
            *args: Passed to the factory.
            **kwargs: Passed to the factory (``headers``, ``content_type``...).

        Returns:
            The payload.

        Raises:
            LookupError: If no registered type matches.
        """
        if isinstance(data, Payload):
            return data
        for order in (Order.try_first, Order.normal, Order.try_last):
            for factory, types in self._by_order[order]:
                if isinstance(data, types):
                    return factory(data, *args, **kwargs)
        raise LookupError(f"no payload factory for {type(data)!r}")

    def register(
        self, factory: PayloadFactory, type: _TypeSpec, *, order: Order = Order.normal
    ) -> None:
        """Register ``factory`` for instances of ``type``.

        Args:
            factory: Called as ``factory(data, *args, **kwargs)``.
            type: A class or a tuple of classes (runtime-checkable Protocols work too).
            order: When to try it relative to the others.

        Raises:
            ValueError: If ``order`` is not an ``Order``.
        """
        if not isinstance(order, Order):
            raise ValueError(f"unsupported order {order!r}")
        self._by_order[order].append((factory, type))


#: The registry ``get_payload()`` consults.
PAYLOAD_REGISTRY: Final = PayloadRegistry()


def get_payload(data: object, *args: object, **kwargs: object) -> Payload:
    """Wrap ``data`` in a payload chosen by ``PAYLOAD_REGISTRY``.

    Args:
        data: The body: bytes, str, a file, an async iterable, a ``Payload``...
        *args: Passed to the payload constructor.
        **kwargs: Passed to the payload constructor.

    Returns:
        The payload.

    Raises:
        LookupError: If no registered type matches.
    """
    return PAYLOAD_REGISTRY.get(data, *args, **kwargs)


def register_payload(
    factory: PayloadFactory, type: _TypeSpec, *, order: Order = Order.normal
) -> None:
    """Register ``factory`` in ``PAYLOAD_REGISTRY`` for instances of ``type``.

    Args:
        factory: Called as ``factory(data, *args, **kwargs)``.
        type: A class or tuple of classes.
        order: When to try it relative to the others.
    """
    PAYLOAD_REGISTRY.register(factory, type, order=order)


class payload_type:  # noqa: N801 - aiohttp's public decorator name
    """Class decorator registering a payload class for a data type.

    Example: ``@payload_type(MyData)`` above ``class MyDataPayload(Payload)``.

    Args:
        type: The data class (or tuple of classes) the decorated factory handles.
        order: When to try it relative to the others.
    """

    def __init__(self, type: _TypeSpec, *, order: Order = Order.normal) -> None:
        self.type = type
        self.order = order

    def __call__(self, factory: _FactoryT) -> _FactoryT:
        """Register ``factory`` and return it unchanged.

        Args:
            factory: The payload class or factory.

        Returns:
            ``factory``.
        """
        register_payload(factory, self.type, order=self.order)
        return factory


# ---------------------------------------------------------------------------- streamer

StreamerFunc = Callable[..., Awaitable[None]]


class _StreamWrapper:
    def __init__(self, func: StreamerFunc, args: tuple[object, ...], kwargs: dict[str, object]):
        self._func = func
        self._args = args
        self._kwargs = kwargs

    async def __call__(self, writer: PayloadWriter) -> None:
        await self._func(writer, *self._args, **self._kwargs)


class _Streamer:
    def __init__(self, func: StreamerFunc) -> None:
        self._func = func

    def __call__(self, *args: object, **kwargs: object) -> _StreamWrapper:
        return _StreamWrapper(self._func, args, kwargs)


def streamer(func: StreamerFunc) -> _Streamer:
    """Turn ``async def f(writer, *args)`` into a body factory (deprecated).

    ``f(*args)`` then returns an object usable as ``data=``; when the body is sent,
    ``f(writer, *args)`` runs and writes with ``await writer.write(chunk)``. Prefer an
    async generator, which needs no decorator.

    Args:
        func: The coroutine function producing the body.

    Returns:
        A callable building the body object.
    """
    warnings.warn(
        "@streamer is deprecated; pass an async generator as the body instead",
        DeprecationWarning,
        stacklevel=2,
    )
    return _Streamer(func)


class StreamWrapperPayload(Payload):
    """A body produced by a ``@streamer`` function.

    Args:
        value: What calling the decorated function returned (or the decorated function
            itself, which is then called with no arguments).
        headers: Extra headers.
        content_type: ``Content-Type``.
        filename: Name the body is sent as.
        encoding: Charset, when the data is text.
        **kwargs: Ignored (see ``Payload``).
    """

    _value: _StreamWrapper

    def __init__(
        self,
        value: _StreamWrapper | _Streamer,
        headers: HeadersArg | None = None,
        content_type: str | None = None,
        filename: str | None = None,
        encoding: str | None = None,
        **kwargs: object,
    ) -> None:
        if isinstance(value, _Streamer):
            value = value()
        super().__init__(value, headers, content_type, filename, encoding)

    async def write(self, writer: PayloadWriter) -> None:
        """Run the streamer function against ``writer``.

        Args:
            writer: Destination of the bytes.
        """
        await self._value(writer)

    def decode(self, encoding: str = "utf-8", errors: str = "strict") -> str:
        """Refuse: the body exists only while it is being written.

        Args:
            encoding: Unused.
            errors: Unused.

        Raises:
            TypeError: Always.
        """
        raise TypeError("a streamer payload cannot be decoded; use await as_bytes()")


register_payload(BytesPayload, (bytes, bytearray, memoryview))
register_payload(StringPayload, str)
register_payload(StringIOPayload, io.StringIO)
register_payload(TextIOPayload, io.TextIOBase)
register_payload(BytesIOPayload, io.BytesIO)
register_payload(BufferedReaderPayload, (io.BufferedReader, io.BufferedRandom))
register_payload(IOBasePayload, io.IOBase)
register_payload(StreamWrapperPayload, (_StreamWrapper, _Streamer))
# Before the async-iterable catch-all: a StreamReader is async-iterable by *lines*, while
# iter_any() hands over whatever arrived, which is what copying a body wants.
register_payload(StreamReaderPayload, _IterAnyStream)
register_payload(AsyncIterablePayload, AsyncIterable, order=Order.try_last)
