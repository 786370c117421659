"""The code in the READMEs is the code in the files, so the two cannot drift apart.

A code block under a caption such as **`chat/server.py`** must appear, exactly and in one
piece, in that file; blocks without a caption (a first sketch, shell commands) are free.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TUTORIAL = Path(__file__).parent.parent
CAPTIONED = re.compile(r"^\*\*`(?P<path>[^`]+)`\*\*\n\n```[^\n]*\n(?P<code>.*?)^```$", re.M | re.S)
READMES = ["README.md", "README.zh.md"]


def captioned_blocks(readme: str) -> list[tuple[str, str]]:
    text = (TUTORIAL / readme).read_text(encoding="utf-8")
    return [(m["path"], m["code"]) for m in CAPTIONED.finditer(text)]


@pytest.mark.parametrize("readme", READMES)
def test_every_block_is_part_of_the_file_it_names(readme: str) -> None:
    blocks = captioned_blocks(readme)
    assert len(blocks) > 10
    for path, code in blocks:
        assert code in (TUTORIAL / path).read_text(encoding="utf-8"), f"{readme}: {path}"


@pytest.mark.parametrize("readme", READMES)
def test_every_file_of_the_application_is_shown(readme: str) -> None:
    shown = {path for path, _ in captioned_blocks(readme)}
    files = {
        path.relative_to(TUTORIAL).as_posix()
        for path in (TUTORIAL / "chat").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert files - shown == set()


def test_both_readmes_show_the_same_code() -> None:
    assert captioned_blocks("README.md") == captioned_blocks("README.zh.md")
