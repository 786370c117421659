"""The access logger, with aiohttp's format language.

``%a`` remote address, ``%t`` start time, ``%P`` process id, ``%r`` request line, ``%s``
status, ``%b`` body bytes, ``%T`` seconds, ``%Tf`` seconds with fraction, ``%D``
microseconds, ``%{Name}i`` request header, ``%{Name}o`` response header, ``%%`` a
percent sign. The format is compiled once into a list of small functions, so logging a
request costs one pass over them, and nothing at all when the logger is disabled.
"""

from __future__ import annotations

import datetime
import logging
import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from aioweb.abc import AbstractAccessLogger

if TYPE_CHECKING:
    from aioweb._server.request import BaseRequest
    from aioweb._server.response import StreamResponse

__all__ = ["AccessLogger", "access_logger"]

access_logger: Final = logging.getLogger("aioweb.access")

_Part = Callable[["BaseRequest", "StreamResponse", float], str]
_TOKEN: Final = re.compile(r"%(\{([A-Za-z0-9\-_]+)\}([ioe])|Tf|[atPrsbTD%])")


def _remote(req: BaseRequest, resp: StreamResponse, t: float) -> str:
    return req.remote or "-"


def _start_time(req: BaseRequest, resp: StreamResponse, t: float) -> str:
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=t)
    return start.strftime("[%d/%b/%Y:%H:%M:%S +0000]")


def _pid(req: BaseRequest, resp: StreamResponse, t: float) -> str:
    return f"<{os.getpid()}>"


def _request_line(req: BaseRequest, resp: StreamResponse, t: float) -> str:
    version = req.version
    return f"{req.method} {req.path_qs} HTTP/{version.major}.{version.minor}"


def _status(req: BaseRequest, resp: StreamResponse, t: float) -> str:
    return str(resp.status)


def _body_bytes(req: BaseRequest, resp: StreamResponse, t: float) -> str:
    return str(resp.body_length)


def _seconds(req: BaseRequest, resp: StreamResponse, t: float) -> str:
    return str(round(t))


def _seconds_fraction(req: BaseRequest, resp: StreamResponse, t: float) -> str:
    return f"{t:.6f}"


def _microseconds(req: BaseRequest, resp: StreamResponse, t: float) -> str:
    return str(round(t * 1_000_000))


_SIMPLE: Final[dict[str, _Part]] = {
    "a": _remote,
    "t": _start_time,
    "P": _pid,
    "r": _request_line,
    "s": _status,
    "b": _body_bytes,
    "T": _seconds,
    "Tf": _seconds_fraction,
    "D": _microseconds,
}


def _literal(text: str) -> _Part:
    return lambda req, resp, t: text


def _request_header(name: str) -> _Part:
    return lambda req, resp, t: req.headers.get(name, "-")


def _response_header(name: str) -> _Part:
    return lambda req, resp, t: resp.headers.get(name, "-")


def _environ(name: str) -> _Part:
    return lambda req, resp, t: os.environ.get(name, "-")


def compile_format(log_format: str) -> list[_Part]:
    """Compile an access-log format string.

    Raises:
        ValueError: An unknown ``%`` directive.
    """
    parts: list[_Part] = []
    position = 0
    for match in _TOKEN.finditer(log_format):
        if match.start() > position:
            parts.append(_literal(log_format[position : match.start()]))
        position = match.end()
        directive = match.group(1)
        if directive == "%":
            parts.append(_literal("%"))
        elif match.group(2):
            kind = match.group(3)
            maker = {"i": _request_header, "o": _response_header, "e": _environ}[kind]
            parts.append(maker(match.group(2)))
        else:
            parts.append(_SIMPLE[directive])
    tail = log_format[position:]
    if re.search(r"%(?!%)", tail):
        raise ValueError(f"unknown access log directive in {tail!r}")
    if tail:
        parts.append(_literal(tail))
    return parts


class AccessLogger(AbstractAccessLogger):
    """Logs one line per request through ``logger`` at INFO level.

    Args:
        logger: Where records go (``aioweb.access`` by default in runners).
        log_format: The format, aiohttp's default unless given.
    """

    LOG_FORMAT: Final = '%a %t "%r" %s %b "%{Referer}i" "%{User-Agent}i"'

    def __init__(self, logger: logging.Logger, log_format: str = LOG_FORMAT) -> None:
        super().__init__(logger, log_format)
        self._parts = compile_format(log_format)

    @property
    def enabled(self) -> bool:
        """Whether the logger would emit an INFO record."""
        return self.logger.isEnabledFor(logging.INFO)

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        """Format and emit the record for one request."""
        try:
            line = "".join(part(request, response, time) for part in self._parts)
            self.logger.info(line)
        except Exception:
            self.logger.exception("error in access log formatting")
