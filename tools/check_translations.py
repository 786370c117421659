#!/usr/bin/env python3
"""Check that the gettext catalogues of the docs translate every English message.

The English pages are the source; ``sphinx-build -b gettext`` extracts their messages into
one ``.pot`` file per page, and translators keep ``docs/locale/<lang>/LC_MESSAGES/*.po``
in step with ``sphinx-intl update``. Sphinx itself never complains about a missing
translation: an untranslated or ``#, fuzzy`` entry simply shows English in the translated
build. ``sphinx-intl stat`` counts fuzzy entries as translated and always exits 0, and
``msgfmt --statistics`` may not be installed, so this checker does the counting with babel
(which Sphinx already depends on) and fails when a page is not fully translated.

For every ``.pot`` under ``--pot-dir`` it reads the matching ``.po`` and reports:

* **untranslated**: a message of the ``.pot`` that the ``.po`` lacks or leaves empty,
  including messages whose English changed since the last ``sphinx-intl update``;
* **fuzzy**: an entry marked ``#, fuzzy`` (Sphinx does not use those);
* **English**: an entry whose English is prose (``PROSE_MIN_WORDS`` = 3 or more words of
  three or more letters outside inline code, roles, link targets and URLs) but whose
  translation holds no Chinese, Japanese or Korean letter: a sentence, heading or link text
  copied over untranslated, which the two checks above cannot see because the msgstr is
  neither empty nor fuzzy. Names, identifiers, commands, numbers and units are not prose
  (an all-capital acronym, a ``CamelCase`` or ``snake_case`` name, a dotted, slashed or
  hyphenated token never counts as a word), so they may stay as they are; the rare prose
  that must stay English goes into ``ENGLISH_ALLOWED`` with the reason. Only catalogues
  that must be complete are held to this (not those matching ``--allow-partial``);
* **stale**: an entry of the ``.po`` whose English is no longer in the ``.pot`` (the page
  changed or lost the text), dead weight that misleads the next translator;
  ``sphinx-intl update --no-obsolete`` (``scripts/docs.sh --update-po``) removes it.

Catalogues whose name matches an ``--allow-partial`` pattern (for example ``'api*'``, whose
messages are docstrings) may be incomplete: their numbers are printed, but they never fail
the check. ``sphinx.po`` (Sphinx and theme UI strings, which have no ``.pot``) is skipped.

Usage::

    python tools/check_translations.py --pot-dir _build/gettext --locale-dir docs/locale \\
        --lang zh_CN --allow-partial 'api*'

Prints one line per catalogue and exits 0 when every checked catalogue is complete, 1
otherwise (2 for bad arguments or unreadable files).
"""

from __future__ import annotations

import argparse
import fnmatch
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

#: Catalogues that have no .pot of their own and are never checked.
SKIPPED = frozenset({"sphinx"})

#: ``(catalogue, msgid)`` pairs whose English prose is meant to stay English in the
#: translation, each with the reason. Names, identifiers, code, commands and numbers need no
#: entry here: they never count as prose (see ``prose_words``). Keep this list short; an
#: entry that is merely untranslated belongs in the .po, not here.
ENGLISH_ALLOWED: dict[tuple[str, str], str] = {}

#: Parts of a message that are not prose: inline code and the content of a role (both in
#: backticks), the role name before it, a Markdown link target, an autolink or HTML tag, a
#: bare URL, a substitution and inline math.
_NOT_PROSE = re.compile(
    r"""
      ``.+?``                   # reST inline literal
    | `[^`]*`                   # MyST inline code, or the content of a role
    | \{[\w:.+-]+\}              # the role name, e.g. {func}
    | \]\([^)]*\)                # the target of a Markdown link (its text stays)
    | <[^<>\s]+>                # an autolink or an HTML tag
    | \b(?:https?|ftp)://\S+     # a bare URL
    | \{\{[^}]*\}\}              # a MyST substitution
    | \$[^$]+\$                  # inline math
    """,
    re.VERBOSE,
)

#: A word of prose: three or more letters, all lower case after an optional capital, not
#: glued to a digit, an underscore, a dot, a slash or a hyphen (so ``HTTP``, ``GOAWAY``,
#: ``ClientSession``, ``max_size``, ``web.Response``, ``text/plain``, ``keep-alive`` and
#: ``h2c`` are names, not words), and not a call such as ``read(``.
_WORD = re.compile(r"(?<![\w./\\-])[A-Za-z][a-z]{2,}(?:'[a-z]+)?(?![\w(]|[./\\-]\w)")

#: Chinese, Japanese and Korean letters: ideographs, kana, bopomofo and hangul. CJK
#: punctuation alone does not count: an English sentence with a full-width comma is still
#: English.
_CJK = re.compile(
    "[\u2e80-\u2fdf\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)

#: How many prose words make a message a sentence that must be translated.
PROSE_MIN_WORDS = 3


@dataclass
class Report:
    """What was found in one catalogue."""

    name: str
    total: int = 0
    untranslated: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)
    english: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    missing_file: bool = False

    @property
    def translated(self) -> int:
        """Messages of the .pot with a usable translation."""
        return self.total - len(self.untranslated) - len(self.fuzzy) - len(self.english)

    @property
    def complete(self) -> bool:
        """Whether every message of the .pot is translated, none fuzzy, none left English,
        and the .po holds nothing the .pot no longer has."""
        return (
            not self.missing_file
            and not self.untranslated
            and not self.fuzzy
            and not self.english
            and not self.stale
        )


def _key(message: Message) -> tuple[str, str | None]:
    msgid = message.id
    text = msgid[0] if isinstance(msgid, tuple) else msgid
    return str(text), message.context


def _is_translated(message: Message) -> bool:
    string = message.string
    if isinstance(string, tuple | list):
        return all(string)
    return bool(string)


def prose_words(text: str) -> list[str]:
    """Return the words of English prose in a message, leaving out code, names and links.

    Args:
        text: A msgid (MyST or reST markup).

    Returns:
        The words of three or more letters outside inline code, roles, link targets and
        URLs that are not acronyms, identifiers or hyphenated terms, in order.
    """
    return _WORD.findall(_NOT_PROSE.sub(" ", text))


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds at least one Chinese, Japanese or Korean character."""
    return _CJK.search(text) is not None


def left_in_english(name: str, message: Message) -> bool:
    """Whether a translated message is English prose whose translation has no CJK at all.

    Args:
        name: The catalogue name, for ``ENGLISH_ALLOWED``.
        message: A translated entry of the .po.

    Returns:
        True for prose (``PROSE_MIN_WORDS`` words or more) that the translation leaves
        without a single CJK character and that ``ENGLISH_ALLOWED`` does not list.
    """
    msgid, _context = _key(message)
    string = message.string
    strings = string if isinstance(string, tuple | list) else (string,)
    if any(has_cjk(str(s)) for s in strings):
        return False
    if (name, msgid) in ENGLISH_ALLOWED:
        return False
    return len(prose_words(msgid)) >= PROSE_MIN_WORDS


def _excerpt(text: str, width: int = 72) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 3] + "..."


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, abort_invalid=True)


def check_catalogue(name: str, pot_path: Path, po_path: Path) -> Report:
    """Compare one .pot with its .po.

    Args:
        name: The catalogue name, e.g. ``protocol-core`` or ``notebooks/intro``.
        pot_path: The template extracted from the English pages.
        po_path: The translation, which may not exist yet.

    Returns:
        The report for this catalogue.
    """
    report = Report(name)
    template = _read(pot_path)
    wanted = {_key(m): m for m in template if m.id}
    report.total = len(wanted)
    if not po_path.is_file():
        report.missing_file = True
        report.untranslated = [_excerpt(key[0]) for key in wanted]
        return report
    catalogue = _read(po_path)
    have = {_key(m): m for m in catalogue if m.id}
    for key in wanted:
        message = have.get(key)
        if message is None or not _is_translated(message):
            report.untranslated.append(_excerpt(key[0]))
        elif message.fuzzy:
            report.fuzzy.append(_excerpt(key[0]))
        elif left_in_english(name, message):
            report.english.append(_excerpt(key[0]))
    report.stale = [_excerpt(key[0]) for key in have if key not in wanted]
    return report


def find_catalogues(pot_dir: Path) -> list[tuple[str, Path]]:
    """Return ``(name, path)`` for every .pot under ``pot_dir``, sorted by name."""
    found = []
    for path in sorted(pot_dir.rglob("*.pot")):
        name = path.relative_to(pot_dir).with_suffix("").as_posix()
        if name not in SKIPPED:
            found.append((name, path))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Run the check; return the process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--pot-dir", type=Path, default=Path("_build/gettext"))
    parser.add_argument("--locale-dir", type=Path, default=Path("docs/locale"))
    parser.add_argument("--lang", default="zh_CN")
    parser.add_argument(
        "--allow-partial",
        action="append",
        default=[],
        metavar="GLOB",
        help="catalogue names (fnmatch pattern) that may be incomplete; repeatable",
    )
    parser.add_argument(
        "--show", type=int, default=10, help="messages listed per problem and catalogue"
    )
    args = parser.parse_args(argv)

    if not args.pot_dir.is_dir():
        print(f"error: no directory {args.pot_dir}; run the gettext build first", file=sys.stderr)
        return 2
    catalogues = find_catalogues(args.pot_dir)
    if not catalogues:
        print(f"error: no .pot files under {args.pot_dir}", file=sys.stderr)
        return 2
    po_dir = args.locale_dir / args.lang / "LC_MESSAGES"

    failed = partial_count = 0
    for name, pot_path in catalogues:
        try:
            report = check_catalogue(name, pot_path, po_dir / f"{name}.po")
        except Exception as exc:  # babel raises several types for a malformed catalogue
            print(f"FAIL  {name}: cannot read catalogue: {exc}", file=sys.stderr)
            failed += 1
            continue
        partial = any(fnmatch.fnmatch(name, pattern) for pattern in args.allow_partial)
        status = "ok" if report.complete else ("partial" if partial else "FAIL")
        line = f"{status:<7} {name}: {report.translated}/{report.total} translated"
        if report.fuzzy:
            line += f", {len(report.fuzzy)} fuzzy"
        if report.english:
            line += f", {len(report.english)} left in English"
        if report.missing_file:
            line += f" (no {args.lang} catalogue)"
        if report.stale:
            line += f"; {len(report.stale)} stale (run sphinx-intl update)"
        print(line)
        if status == "partial":
            partial_count += 1
        if status != "FAIL":
            continue
        failed += 1
        problems = (
            ("untranslated", report.untranslated),
            ("fuzzy", report.fuzzy),
            ("English", report.english),
            ("stale", report.stale),
        )
        for label, items in problems:
            for text in items[: args.show]:
                print(f"        {label}: {text}")
            if len(items) > args.show:
                print(f"        ... and {len(items) - args.show} more {label}")

    if failed:
        print(
            f"\n{failed} catalogue(s) incomplete for {args.lang}. Update them with\n"
            f"  sphinx-intl update -p {args.pot_dir} -l {args.lang} -d {args.locale_dir}"
            " -w 0 --no-obsolete\n"
            "(which also drops the stale entries), then translate the empty entries and those\n"
            "left in English, and clear the fuzzy\n"
            "flags (English that must stay English goes into ENGLISH_ALLOWED, with the reason).",
            file=sys.stderr,
        )
        return 1
    summary = f"{len(catalogues) - partial_count} of {len(catalogues)} catalogues complete"
    if partial_count:
        summary += f", {partial_count} allowed to be partial"
    print(f"{summary} for {args.lang}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
