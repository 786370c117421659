"""The READMEs show the code that is in the files, and the failure they show is real."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

TUTORIAL = Path(__file__).parent
CAPTIONED = re.compile(r"^\*\*`(?P<path>[^`]+)`\*\*\n\n```[^\n]*\n(?P<code>.*?)^```$", re.M | re.S)
READMES = ["README.md", "README.zh.md"]


def captioned_blocks(readme: str) -> list[tuple[str, str]]:
    text = (TUTORIAL / readme).read_text(encoding="utf-8")
    return [(m["path"], m["code"]) for m in CAPTIONED.finditer(text)]


@pytest.mark.parametrize("readme", READMES)
def test_every_block_is_part_of_the_file_it_names(readme: str) -> None:
    blocks = captioned_blocks(readme)
    assert len(blocks) >= 8
    for path, code in blocks:
        assert code in (TUTORIAL / path).read_text(encoding="utf-8"), f"{readme}: {path}"


def test_both_readmes_show_the_same_code() -> None:
    assert captioned_blocks("README.md") == captioned_blocks("README.zh.md")


@pytest.mark.parametrize("readme", READMES)
def test_the_leak_report_shown_is_what_pytest_prints(
    readme: str, pytester: pytest.Pytester
) -> None:
    text = (TUTORIAL / readme).read_text(encoding="utf-8")
    shown = re.search(r"```text\n(1 aioweb object left open.*?)```", text, re.S)
    assert shown is not None
    tests = (TUTORIAL / "test_app.py").read_text(encoding="utf-8")
    session = "aioweb.ClientSession(connector=MockConnector(unavailable))"
    closed = f"    async with {session} as session:"
    assert tests.count(closed) == 1
    # The edit the README describes: an assignment instead of the block, body dedented.
    lines = tests.splitlines()
    start = lines.index(closed)
    lines[start] = f"    session = {session}"
    end = start + 1
    while end < len(lines) and lines[end].startswith("        "):
        lines[end] = lines[end][4:]
        end += 1
    leaky = "\n".join(lines) + "\n"
    pytester.makefile(".py", app=(TUTORIAL / "app.py").read_text(encoding="utf-8"))
    pytester.makefile(".py", test_app=leaky)
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-k", "failing_service")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(shown[1].splitlines())
