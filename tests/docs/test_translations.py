"""tools/check_translations.py: every guide page must be translated, none left in English."""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

from toolutil import load_tool

REPO_ROOT = Path(__file__).resolve().parents[2]
LOCALE_DIR = REPO_ROOT / "docs" / "locale" / "zh_CN" / "LC_MESSAGES"
#: The catalogues scripts/docs.sh lets be partial (--allow-partial 'api*'): docstrings.
ALLOW_PARTIAL = ("api*",)


checker = load_tool("check_translations")

HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'


def _entry(msgid: str, msgstr: str = "", *, fuzzy: bool = False) -> str:
    flag = "#, fuzzy\n" if fuzzy else ""
    return f'{flag}msgid "{msgid}"\nmsgstr "{msgstr}"\n\n'


def write_catalogues(
    tmp_path: Path, entries: list[tuple[str, str]], *, name: str = "page", fuzzy: bool = False
) -> tuple[Path, Path, Path]:
    """Write ``name.pot`` and its zh_CN ``name.po``; return the pot dir, locale dir, po path."""
    pot_dir = tmp_path / "gettext"
    po_dir = tmp_path / "locale" / "zh_CN" / "LC_MESSAGES"
    pot_dir.mkdir(parents=True, exist_ok=True)
    po_dir.mkdir(parents=True, exist_ok=True)
    pot = HEADER + "".join(_entry(msgid) for msgid, _ in entries)
    po = HEADER + "".join(_entry(msgid, msgstr, fuzzy=fuzzy) for msgid, msgstr in entries)
    (pot_dir / f"{name}.pot").write_text(pot, encoding="utf-8")
    po_path = po_dir / f"{name}.po"
    po_path.write_text(po, encoding="utf-8")
    return pot_dir, tmp_path / "locale", po_path


def report_for(tmp_path: Path, entries: list[tuple[str, str]], *, fuzzy: bool = False) -> Any:
    """The checker's report for one page whose .po holds ``entries``."""
    pot_dir, _, po_path = write_catalogues(tmp_path, entries, fuzzy=fuzzy)
    return checker.check_catalogue("page", pot_dir / "page.pot", po_path)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Frequently asked questions", ["Frequently", "asked", "questions"]),
        ("The server answers with a redirect.", ["The", "server", "answers", "with", "redirect"]),
        ("**middlewares** run around every handler", ["middlewares", "run", "around", "every"]),
        ("Call {func}`aioweb.web.run_app` with the app", ["Call", "with", "the", "app"]),
        ("See [the static files guide](server-static-files.md).", ["See", "the", "static"]),
        ("asyncio's transport default", ["asyncio's", "transport", "default"]),
    ],
)
def test_prose_words_counts_the_words_of_sentences(text: str, words: list[str]) -> None:
    found = checker.prose_words(text)
    assert found[: len(words)] == words


@pytest.mark.parametrize(
    "text",
    [
        # names, acronyms, units and numbers
        "Happy Eyeballs",
        "HTTP/2",
        "GOAWAY ENHANCE_YOUR_CALM",
        "RST_STREAM, HPACK, ALPN, TLS",
        "64 KiB",
        "SIGINT, SIGTERM",
        # identifiers and code
        "`await ws.send_json(obj, dumps=json.dumps)`",
        "ClientSession TraceConfig StreamResponse",
        "request.match_info.get max_field_size http_version",
        "text/plain application/octet-stream keep-alive permessage-deflate sans-IO",
        "{func}`aioweb.web.run_app` {class}`aioweb.ClientSession`",
        "`431 Request Header Fields Too Large`",
        "``python -m aioweb --self-check``",
        # links and URLs
        "<https://github.com/example/project/issues/new>",
        "https://docs.python.org/3/library/asyncio-eventloop.html",
        "[`client_max_size`](https://example.org/docs/reference/settings)",
    ],
)
def test_names_code_and_links_are_not_prose(text: str) -> None:
    assert len(checker.prose_words(text)) < checker.PROSE_MIN_WORDS, checker.prose_words(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("中文", True),
        ("ウェブ", True),
        ("한국어", True),
        ("plain English", False),
        # full-width punctuation alone does not make English Chinese
        ("read the body，then close it。", False),
    ],
)
def test_has_cjk(text: str, expected: bool) -> None:
    assert checker.has_cjk(text) is expected


def test_translated_catalogue_is_complete(tmp_path: Path) -> None:
    report = report_for(
        tmp_path,
        [
            ("Frequently asked questions", "常见问题"),
            ("Happy Eyeballs", "Happy Eyeballs"),  # a name may stay English
            ("`431 Request Header Fields Too Large`", "`431 Request Header Fields Too Large`"),
            ("64 KiB", "64 KiB"),
        ],
    )
    assert report.complete
    assert report.translated == report.total == 4


def test_prose_left_in_english_is_reported(tmp_path: Path) -> None:
    sentence = "The server closes an idle connection after the timeout."
    report = report_for(tmp_path, [(sentence, sentence), ("Cookies", "Cookie")])
    assert report.english == [sentence]
    assert not report.untranslated
    assert not report.fuzzy
    assert not report.complete
    assert report.translated == 1


def test_english_with_only_chinese_punctuation_is_reported(tmp_path: Path) -> None:
    report = report_for(
        tmp_path, [("Read the body, then close it.", "Read the body，then close it。")]
    )
    assert len(report.english) == 1


def test_english_prose_mixed_into_chinese_is_not_this_check(tmp_path: Path) -> None:
    """An English term inside a Chinese sentence is normal; only CJK-free msgstrs fail."""
    report = report_for(
        tmp_path,
        [
            (
                "Choose *Kernel → Restart Kernel and Run All Cells* to run it again.",
                "选择 *Kernel → Restart Kernel and Run All Cells* 重新运行。",
            )
        ],
    )
    assert report.complete


def test_allowlisted_english_is_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sentence = "The quick brown fox jumps over the lazy dog."
    monkeypatch.setattr(
        checker, "ENGLISH_ALLOWED", {("page", sentence): "a pangram shown as a font sample"}
    )
    assert report_for(tmp_path, [(sentence, sentence)]).complete


def test_empty_and_fuzzy_entries_are_reported(tmp_path: Path) -> None:
    report = report_for(tmp_path, [("Static files", "")])
    assert report.untranslated == ["Static files"]
    report = report_for(tmp_path / "fuzzy", [("Static files", "静态文件")], fuzzy=True)
    assert report.fuzzy == ["Static files"]
    assert not report.english


def test_a_stale_entry_fails_the_catalogue(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A translation of English the page no longer has is dead weight: it fails too."""
    pot_dir, locale_dir, po_path = write_catalogues(tmp_path, [("Static files", "静态文件")])
    po_path.write_text(
        po_path.read_text(encoding="utf-8") + _entry("A removed sentence.", "已删除的句子。"),
        encoding="utf-8",
    )
    report = checker.check_catalogue("page", pot_dir / "page.pot", po_path)
    assert report.stale == ["A removed sentence."]
    assert not report.complete

    args = ["--pot-dir", str(pot_dir), "--locale-dir", str(locale_dir), "--lang", "zh_CN"]
    assert checker.main(args) == 1
    assert "stale: A removed sentence." in capsys.readouterr().out


def test_main_fails_on_english_and_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sentence = "Every handler runs in its own task."
    pot_dir, locale_dir, _ = write_catalogues(tmp_path, [(sentence, sentence)])
    args = ["--pot-dir", str(pot_dir), "--locale-dir", str(locale_dir), "--lang", "zh_CN"]
    assert checker.main(args) == 1
    out = capsys.readouterr().out
    assert "FAIL    page: 0/1 translated, 1 left in English" in out
    assert f"English: {sentence}" in out


def test_main_lets_partial_catalogues_keep_english(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sentence = "Return the response for this request."
    pot_dir, locale_dir, _ = write_catalogues(tmp_path, [(sentence, sentence)], name="api")
    args = ["--pot-dir", str(pot_dir), "--locale-dir", str(locale_dir), "--lang", "zh_CN"]
    assert checker.main([*args, "--allow-partial", "api*"]) == 0
    assert "partial api" in capsys.readouterr().out


def _guide_catalogues() -> list[Path]:
    return [
        path
        for path in sorted(LOCALE_DIR.glob("*.po"))
        if path.stem not in checker.SKIPPED
        and not any(fnmatch.fnmatch(path.stem, pattern) for pattern in ALLOW_PARTIAL)
    ]


def test_guide_catalogues_exist() -> None:
    names = {path.stem for path in _guide_catalogues()}
    assert {"index", "getting-started", "faq", "websockets"} <= names


@pytest.mark.parametrize("po_path", _guide_catalogues(), ids=lambda path: path.stem)
def test_no_guide_entry_is_left_in_english(po_path: Path) -> None:
    """The committed Chinese catalogues: no prose msgid with a CJK-free msgstr.

    scripts/docs.sh runs the whole checker against freshly extracted .pot files; this test
    looks at the committed .po files alone, so it needs no Sphinx build.
    """
    with po_path.open("rb") as handle:
        catalogue = read_po(handle)
    left = [
        message.id
        for message in catalogue
        if message.id
        and message.string
        and not message.fuzzy
        and checker.left_in_english(po_path.stem, message)
    ]
    assert left == [], f"{po_path.name}: translate these (or allowlist them, with a reason)"


def test_allowlist_entries_are_real_and_explained() -> None:
    for (name, msgid), reason in checker.ENGLISH_ALLOWED.items():
        assert reason.strip(), f"{name}: {msgid!r} needs a reason"
        with (LOCALE_DIR / f"{name}.po").open("rb") as handle:
            catalogue = read_po(handle)
        assert catalogue.get(msgid) is not None, f"{name}: {msgid!r} is no longer in the .po"
