"""Progress bars: tqdm on a terminal, nothing at all otherwise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TextIO

from tqdm import tqdm


class Bar(Protocol):
    """What the downloader needs from a progress bar; a ``tqdm`` is one."""

    def reset(self, total: int | None = None) -> object: ...
    def update(self, n: int) -> object: ...
    def close(self) -> object: ...


#: Makes the bar of one file, given the file's name.
BarFactory = Callable[[str], Bar]


def tqdm_bars(enabled: bool | None = None, file: TextIO | None = None) -> BarFactory:
    """Return a factory of tqdm bars, one line per file.

    Args:
        enabled: True or False to force the bars on or off; None shows them only when
            ``file`` is a terminal, so a log file or a pipe never fills with bar redraws.
        file: Where to draw; standard error by default, which keeps standard output for
            the results.
    """

    def make(name: str) -> Bar:
        return tqdm(
            desc=name,
            file=file,
            disable=None if enabled is None else not enabled,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            dynamic_ncols=True,
        )

    return make
