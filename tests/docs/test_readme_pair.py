"""tools/check_readme_pair.py: the English and Chinese READMEs must not drift apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolutil import load_tool

REPO_ROOT = Path(__file__).resolve().parents[2]


checker = load_tool("check_readme_pair")

FENCE = "```"

EN = f"""# demo

**English** · [简体中文](README.zh.md)

An [example](https://example.org/docs) with a [licence](LICENSE).

## Quick start

{FENCE}bash
bash scripts/showcase.sh
{FENCE}

### Details

See <https://example.org/spec> and https://example.org/bare.

## License

Apache-2.0.
"""

ZH = f"""# demo

[English](README.md) · **简体中文**

一个[示例](https://example.org/docs)，以及[许可证](./LICENSE)。

## 快速上手

{FENCE}bash
bash scripts/showcase.sh
{FENCE}

### 细节

参见 <https://example.org/spec> 和 https://example.org/bare。

## 许可证

Apache-2.0。
"""


def write_pair(tmp_path: Path, en: str, zh: str) -> tuple[Path, Path]:
    en_path = tmp_path / "README.md"
    zh_path = tmp_path / "README.zh.md"
    en_path.write_text(en, encoding="utf-8")
    zh_path.write_text(zh, encoding="utf-8")
    return en_path, zh_path


def problems_for(tmp_path: Path, en: str = EN, zh: str = ZH) -> str:
    en_path, zh_path = write_pair(tmp_path, en, zh)
    return "\n".join(checker.check_files(en_path, zh_path))


def test_pair_in_step_has_no_problems(tmp_path: Path) -> None:
    assert problems_for(tmp_path) == ""


def test_parse_readme_finds_headings_blocks_and_links() -> None:
    doc = checker.parse_readme(EN)
    assert [(h.level, h.title) for h in doc.headings] == [
        (1, "demo"),
        (2, "Quick start"),
        (3, "Details"),
        (2, "License"),
    ]
    assert [(b.info, b.content) for b in doc.code_blocks] == [
        ("bash", "bash scripts/showcase.sh\n")
    ]
    assert set(doc.links) == {
        "README.zh.md",
        "https://example.org/docs",
        "LICENSE",
        "https://example.org/spec",
        "https://example.org/bare",
    }


def test_fences_follow_commonmark() -> None:
    text = (
        "~~~~text\n```\n# inside\n~~~\n~~~~\n"  # a shorter or other fence does not close
        "  ```python\nx = 1\n  ```\n"  # up to three spaces of indentation
        "``` not `a` fence\n"  # a backtick fence's info string has no backticks
        "```\nunclosed runs to the end\n"
    )
    doc = checker.parse_readme(text)
    assert [(b.info, b.content) for b in doc.code_blocks] == [
        ("text", "```\n# inside\n~~~\n"),
        ("python", "x = 1\n"),
        ("", "unclosed runs to the end\n"),
    ]
    assert doc.headings == []


def test_changed_code_block_is_reported(tmp_path: Path) -> None:
    zh = ZH.replace("bash scripts/showcase.sh", "bash scripts/showcase.sh --fast")
    report = problems_for(tmp_path, zh=zh)
    assert "code block 1 differs" in report
    assert "+bash scripts/showcase.sh --fast" in report


def test_changed_code_block_info_string_is_reported(tmp_path: Path) -> None:
    zh = ZH.replace(f"{FENCE}bash", f"{FENCE}sh")
    assert "code block 1 differs" in problems_for(tmp_path, zh=zh)


def test_missing_code_block_is_reported(tmp_path: Path) -> None:
    zh = ZH.replace(f"{FENCE}bash\nbash scripts/showcase.sh\n{FENCE}\n", "")
    report = problems_for(tmp_path, zh=zh)
    assert "fenced code blocks differ: README.md has 1, README.zh.md has 0" in report
    assert "code block only in README.md" in report


def test_missing_heading_is_reported(tmp_path: Path) -> None:
    zh = ZH.replace("### 细节\n", "")
    report = problems_for(tmp_path, zh=zh)
    assert "heading structure differs: README.md has 4 headings, README.zh.md has 3" in report
    assert "heading missing from README.zh.md: README.md has ### Details" in report


def test_missing_heading_is_named_among_headings_of_the_same_level(tmp_path: Path) -> None:
    """Links and code in each section show which of two ## headings went missing."""
    en = "# t\n[zh](README.zh.md)\n## A\n[a](https://a.example)\n## B\n[b](https://b.example)\n"
    zh = "# t\n[en](README.md)\n[a](https://a.example)\n## 乙\n[b](https://b.example)\n"
    report = problems_for(tmp_path, en=en, zh=zh)
    assert "heading missing from README.zh.md: README.md has ## A (line 3)" in report
    assert "## B" not in report


def test_heading_at_another_level_is_reported(tmp_path: Path) -> None:
    zh = ZH.replace("### 细节", "## 细节")
    report = problems_for(tmp_path, zh=zh)
    assert "heading structure differs" in report
    assert "### Details" in report
    assert "## 细节" in report


def test_missing_link_is_reported(tmp_path: Path) -> None:
    zh = ZH.replace("[示例](https://example.org/docs)", "示例")
    report = problems_for(tmp_path, zh=zh)
    assert "link targets differ" in report
    assert "link only in README.md: https://example.org/docs" in report


def test_changed_bare_url_is_reported(tmp_path: Path) -> None:
    zh = ZH.replace("https://example.org/bare", "https://example.org/other")
    report = problems_for(tmp_path, zh=zh)
    assert "link only in README.md: https://example.org/bare" in report
    assert "link only in README.zh.md: https://example.org/other" in report


def test_missing_cross_language_link_is_reported(tmp_path: Path) -> None:
    zh = ZH.replace("[English](README.md) · ", "")
    report = problems_for(tmp_path, zh=zh)
    assert "missing cross-language link: README.zh.md must link to README.md" in report


def test_cross_language_link_must_be_at_the_top(tmp_path: Path) -> None:
    en = EN.replace("**English** · [简体中文](README.zh.md)\n", "").replace(
        "Apache-2.0.", "Apache-2.0. [简体中文](README.zh.md)"
    )
    report = problems_for(tmp_path, en=en)
    assert "missing cross-language link: README.md must link to README.zh.md" in report


def test_links_and_headings_inside_code_do_not_count(tmp_path: Path) -> None:
    block = f"{FENCE}\n# not a heading\n[x](https://example.org/in-block)\n{FENCE}\n"
    en = EN + block + "Inline `[y](https://example.org/in-span)` code.\n"
    zh = ZH + block + "行内代码 `[y](https://example.org/other-span)`。\n"
    assert problems_for(tmp_path, en=en, zh=zh) == ""


def test_anchor_links_are_compared_by_count(tmp_path: Path) -> None:
    en = EN + "Back to [Quick start](#quick-start).\n"
    zh_same = ZH + "回到[快速上手](#快速上手)。\n"
    assert problems_for(tmp_path, en=en, zh=zh_same) == ""
    assert "in-page anchor links differ" in problems_for(tmp_path, en=en, zh=ZH)


def test_crlf_line_endings_in_a_code_block_are_reported(tmp_path: Path) -> None:
    en_path, zh_path = write_pair(tmp_path, EN, ZH)
    zh_path.write_bytes(ZH.replace("\n", "\r\n").encode())
    report = "\n".join(checker.check_files(en_path, zh_path))
    assert "code block 1 differs" in report
    assert "+bash scripts/showcase.sh\\r" in report


def test_missing_file_is_reported(tmp_path: Path) -> None:
    en_path = tmp_path / "README.md"
    en_path.write_text(EN, encoding="utf-8")
    problems = checker.check_files(en_path, tmp_path / "README.zh.md")
    assert problems == [f"{tmp_path / 'README.zh.md'} does not exist"]


def test_main_exit_status_and_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    en_path, zh_path = write_pair(tmp_path, EN, ZH)
    assert checker.main(["--en", str(en_path), "--zh", str(zh_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("README pair OK")
    assert out.count("\n") == 1

    zh_path.write_text(ZH.replace("### 细节\n", ""), encoding="utf-8")
    assert checker.main(["--en", str(en_path), "--zh", str(zh_path)]) == 1
    assert "heading missing from README.zh.md" in capsys.readouterr().err


def test_repository_readmes_are_in_step() -> None:
    problems = checker.check_files(REPO_ROOT / "README.md", REPO_ROOT / "README.zh.md")
    assert problems == []
