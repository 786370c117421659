#!/usr/bin/env python3
"""Check the built docs: every page exists in every language, and the switcher works.

``scripts/docs.sh`` builds one HTML tree per language side by side (``_build/html/en``,
``_build/html/zh_CN``). Each page carries a language switcher in its sidebar
(``docs/_templates/sidebar/lang-switch.html``) with relative links into the other trees.
This checker reads the built HTML and fails when:

* a page exists in one tree but not in another;
* a page's ``<html lang>`` is not its tree's language;
* a page lacks the switcher, does not mark its own language as the current one, or links
  to a page that does not exist;
* with ``--cjk LANG``: the article text of a page of LANG holds no CJK character at all,
  which is what an untranslated page looks like (generated source listings excepted).

Usage: ``python tools/check_lang_links.py _build/html en zh_CN --cjk zh_CN``.
Exits 0 and prints one summary line when all is well; prints every problem and exits 1
otherwise.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath

# Directories of a Sphinx HTML tree that hold assets, not pages.
ASSET_DIRS = frozenset({"_static", "_sources", "_images", "_downloads"})
# Generated pages whose text is source code in every language.
NO_PROSE_PREFIXES = ("_modules/",)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


@dataclass
class PageInfo:
    """What the checker needs from one HTML page."""

    html_lang: str | None = None
    switch_links: list[tuple[str, str]] = field(default_factory=list)  # (hreflang, href)
    current: list[str] = field(default_factory=list)
    has_switcher: bool = False
    article_text: list[str] = field(default_factory=list)


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.info = PageInfo()
        self._switch_depth = 0  # >0 while inside the switcher <div>
        self._article_depth = 0  # >0 while inside <article>
        self._skip_depth = 0  # >0 inside <script>/<style>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "html":
            self.info.html_lang = attributes.get("lang")
        if tag in ("script", "style"):
            self._skip_depth += 1
        if tag == "article" or (self._article_depth and tag not in _VOID):
            self._article_depth += 1
        if tag == "div" and "sidebar-lang-switch" in classes:
            self.info.has_switcher = True
            self._switch_depth = 1
            return
        if self._switch_depth:
            if tag not in _VOID:
                self._switch_depth += 1
            if tag == "a" and attributes.get("href"):
                lang = attributes.get("hreflang") or ""
                self.info.switch_links.append((lang, attributes["href"] or ""))
            if "lang-current" in classes:
                self.info.current.append(attributes.get("lang") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip_depth:
            self._skip_depth -= 1
        if self._article_depth and tag not in _VOID:
            self._article_depth -= 1
        if self._switch_depth and tag not in _VOID:
            self._switch_depth -= 1

    def handle_data(self, data: str) -> None:
        if self._article_depth and not self._skip_depth:
            self.info.article_text.append(data)


_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    ]
)


def parse_page(path: Path) -> PageInfo:
    """Read one HTML page and collect the facts the checks need."""
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser.info


def list_pages(tree: Path) -> set[str]:
    """Return every HTML page of a language tree, as POSIX paths relative to it."""
    pages = set()
    for path in tree.rglob("*.html"):
        relative = path.relative_to(tree)
        if relative.parts[0] not in ASSET_DIRS:
            pages.add(relative.as_posix())
    return pages


def _bcp47(code: str) -> str:
    return code.replace("_", "-")


def check(root: Path, languages: Sequence[str], cjk: Sequence[str]) -> list[str]:
    """Run every check; return the problems found (empty when all is well)."""
    problems: list[str] = []
    pages = {}
    for lang in languages:
        tree = root / lang
        if not tree.is_dir():
            problems.append(f"{tree}: no such directory")
            continue
        pages[lang] = list_pages(tree)
    if problems:
        return problems

    everything = set().union(*pages.values())
    for lang in languages:
        for missing in sorted(everything - pages[lang]):
            problems.append(f"{lang}/{missing}: missing (exists in another language)")

    for lang in languages:
        for page in sorted(pages[lang]):
            where = f"{lang}/{page}"
            info = parse_page(root / lang / page)
            if (info.html_lang or "").lower() != _bcp47(lang).lower():
                problems.append(f"{where}: <html lang={info.html_lang!r}>, expected {lang}")
            if not info.has_switcher:
                problems.append(f"{where}: no language switcher")
                continue
            if [c.lower() for c in info.current] != [_bcp47(lang).lower()]:
                problems.append(f"{where}: switcher marks {info.current} as current")
            linked = {hreflang.lower() for hreflang, _ in info.switch_links}
            for other in languages:
                if other != lang and _bcp47(other).lower() not in linked:
                    problems.append(f"{where}: switcher has no link to {other}")
            page_dir = PurePosixPath(lang, page).parent
            for _, href in info.switch_links:
                target = (root / page_dir / href.split("#", 1)[0]).resolve()
                if not target.is_file():
                    problems.append(f"{where}: switcher link {href} does not exist")
                elif target.relative_to(root.resolve()).as_posix().split("/", 1)[1] != page:
                    problems.append(f"{where}: switcher link {href} is not the same page")
            prose = lang in cjk and not page.startswith(NO_PROSE_PREFIXES)
            if prose and not _CJK.search("".join(info.article_text)):
                problems.append(f"{where}: no CJK text in the article (untranslated?)")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Run the checks; return the process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("root", type=Path, help="directory holding one tree per language")
    parser.add_argument("languages", nargs="+", help="language codes, e.g. en zh_CN")
    parser.add_argument(
        "--cjk",
        action="append",
        default=[],
        metavar="LANG",
        help="require CJK text in every page of LANG; repeatable",
    )
    args = parser.parse_args(argv)

    problems = check(args.root, args.languages, args.cjk)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"{len(problems)} problem(s) in the language trees", file=sys.stderr)
        return 1
    count = len(list_pages(args.root / args.languages[0]))
    print(f"{count} pages in each of {', '.join(args.languages)}; every switcher link resolves")
    return 0


if __name__ == "__main__":
    sys.exit(main())
