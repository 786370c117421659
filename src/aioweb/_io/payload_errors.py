"""What a server handler meets when a request body cannot be read (aiohttp's two names).

Whatever goes wrong with the bytes of a request body once its head was accepted, on
HTTP/1.1 and HTTP/2 alike, reaches the handler's read as one type, ``RequestPayloadError``,
with the precise reason as its ``__cause__``: a malformed chunk, a body the client cut short
by closing its side, a ``Content-Encoding`` that does not decode or decodes to more than the
limit, or one that is unknown. A handler that does not catch it gets the 4xx that
``status`` names. A connection that is simply gone stays a ``ConnectionResetError``, and a
body deadline a ``TimeoutError`` (408), as before.

``PayloadAccessError`` is what the body stream raises once the response has been sent: the
connection has moved on, so a task that kept the request cannot read the rest of a body.
"""

from __future__ import annotations

from aioweb._sansio.errors import RemoteProtocolError
from aioweb._shared.decompression import DecompressionLimitError, UnsupportedEncodingError

__all__ = ["PayloadAccessError", "RequestPayloadError", "payload_error"]


class RequestPayloadError(Exception):
    """The request body is malformed, cut short, or its ``Content-Encoding`` fails.

    Raised by the reads of ``request.content``, ``read()``, ``text()``, ``json()``,
    ``post()`` and ``multipart()``. The underlying error is the ``__cause__``.

    Args:
        *args: The message, as for any exception.
        status: The status the server answers with if the handler lets the error escape.

    Attributes:
        status: 400, 413 when a compressed body decodes to more than ``client_max_size``,
            415 for an unknown ``Content-Encoding``.
    """

    def __init__(self, *args: object, status: int = 400) -> None:
        super().__init__(*args)
        self.status = status


class PayloadAccessError(Exception):
    """The request body was read after the response had been sent."""


def payload_error(exc: BaseException) -> RequestPayloadError:
    """Wrap a failure of a request body for the handler, with ``exc`` as its cause.

    Args:
        exc: What went wrong: a ``RemoteProtocolError`` of the framing, or a decoding error.

    Returns:
        The error the body stream is failed with.
    """
    if isinstance(exc, RemoteProtocolError):
        status = exc.status_code
    elif isinstance(exc, DecompressionLimitError):
        status = 413
    elif isinstance(exc, UnsupportedEncodingError):
        status = 415
    else:
        status = 400
    error = RequestPayloadError(str(exc), status=status)
    error.__cause__ = exc
    return error
