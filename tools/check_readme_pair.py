#!/usr/bin/env python3
"""Check that README.md and README.zh.md are still in step.

The two READMEs are parallel translations: GitHub renders them as they are, so they cannot
go through the gettext workflow the Sphinx docs use. What can be compared mechanically is
compared here:

* heading structure: the same number of ATX headings (``#`` .. ``######``), with the same
  levels, in the same order (the titles themselves are translated);
* fenced code blocks: the same blocks in the same order, info string and content byte for byte;
* link targets: the same set of targets (inline links, images, reference definitions,
  ``<autolinks>`` and bare URLs), apart from in-page ``#anchor`` links, whose slugs follow each
  language's headings and are compared by number only;
* the cross-language link: each README links to the other one before its first ``##`` heading.

Headings and links inside fenced code blocks or inline code spans do not count. Setext
headings (a title underlined with ``===``/``---``) are not recognised: the READMEs use ATX.

Usage: ``python3 tools/check_readme_pair.py [--en README.md] [--zh README.zh.md]``.
Prints one OK line and exits 0 when the pair is in step; otherwise prints every problem found
to stderr and exits 1.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

# CommonMark: up to three spaces of indentation, then at least three backticks or tildes.
_FENCE_OPEN = re.compile(r"^ {0,3}(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_ATX_HEADING = re.compile(r"^ {0,3}(?P<hashes>#{1,6})(?:[ \t]+(?P<title>.*?))?[ \t]*$")
_INLINE_CODE = re.compile(r"(?P<ticks>`+)(?!`).*?(?<!`)(?P=ticks)(?!`)")
# [text](target "title") and ![alt](target); the target may be wrapped in <...>.
_INLINE_LINK = re.compile(r"\]\(\s*(?:<(?P<angled>[^>\n]*)>|(?P<bare>[^()\s]+))(?:\s+[^)]*)?\)")
_REFERENCE_DEF = re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]*(?:<(?P<angled>[^>\n]*)>|(?P<bare>\S+))")
_AUTOLINK = re.compile(r"<(?P<url>[A-Za-z][A-Za-z0-9+.\-]{1,31}:[^<>\s]*)>")
# GitHub also links bare URLs. ASCII only, so that Chinese punctuation right after a URL
# ("见 https://example.org。") is not taken as part of it.
_BARE_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+")
_BARE_URL_TRAILING = ".,;:!?'*"


@dataclass(frozen=True)
class Heading:
    """An ATX heading: its level (1-6), its title and its 1-based line number."""

    level: int
    title: str
    line: int

    def __str__(self) -> str:
        return f"{'#' * self.level} {self.title} (line {self.line})"


@dataclass(frozen=True)
class CodeBlock:
    """A fenced code block: info string, exact content and the line of its opening fence."""

    info: str
    content: str
    line: int

    @property
    def summary(self) -> str:
        """Return the info string and first line, enough to recognise the block."""
        first = self.content.split("\n", 1)[0]
        return f"```{self.info} {first!r} (line {self.line})"


@dataclass
class Readme:
    """What the checker compares, parsed from one README."""

    headings: list[Heading] = field(default_factory=list)
    code_blocks: list[CodeBlock] = field(default_factory=list)
    #: every link target with the line it first appears on, anchors included
    links: dict[str, int] = field(default_factory=dict)
    #: link targets that appear before the first level-2 heading
    preamble_links: set[str] = field(default_factory=set)

    @property
    def anchor_links(self) -> list[str]:
        """Return the in-page ``#anchor`` link targets."""
        return [target for target in self.links if target.startswith("#")]

    @property
    def external_links(self) -> dict[str, int]:
        """Return the link targets other than in-page anchors."""
        return {t: n for t, n in self.links.items() if not t.startswith("#")}


def normalise_target(target: str) -> str:
    """Return a link target in the form used for comparison (``./x`` and ``x`` are equal)."""
    target = target.strip()
    while target.startswith("./"):
        target = target[2:]
    return target


def _links_in_line(line: str) -> list[str]:
    line = _INLINE_CODE.sub(" ", line)
    found: list[str] = []
    for pattern in (_REFERENCE_DEF, _INLINE_LINK):
        for match in pattern.finditer(line):
            found.append(match.group("angled") or match.group("bare") or "")
        line = pattern.sub(" ", line)
    for match in _AUTOLINK.finditer(line):
        found.append(match.group("url"))
    line = _AUTOLINK.sub(" ", line)
    for match in _BARE_URL.finditer(line):
        found.append(match.group(0).rstrip(_BARE_URL_TRAILING))
    return [normalise_target(t) for t in found if t.strip()]


def parse_readme(text: str) -> Readme:
    """Parse one README's headings, fenced code blocks and link targets.

    Args:
        text: the Markdown source.

    Returns:
        The parsed structure. An unclosed fence runs to the end of the text, as in CommonMark.
    """
    readme = Readme()
    # Split on "\n" only: str.splitlines() would also split on form feeds and U+2028 and
    # drop the "\r" of CRLF endings, and code blocks are compared byte for byte.
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    seen_level2 = False
    index = 0
    while index < len(lines):
        line = lines[index]
        lineno = index + 1
        opening = _FENCE_OPEN.match(line)
        if opening and not (opening["fence"][0] == "`" and "`" in opening["info"]):
            fence = opening["fence"]
            closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t\r]*$")
            body: list[str] = []
            index += 1
            while index < len(lines) and not closing.match(lines[index]):
                body.append(lines[index])
                index += 1
            index += 1  # the closing fence (or past the end)
            content = "\n".join(body) + ("\n" if body else "")
            readme.code_blocks.append(CodeBlock(opening["info"].strip(), content, lineno))
            continue
        heading = _ATX_HEADING.match(line)
        if heading:
            title = re.sub(r"[ \t]+#+$", "", heading["title"] or "").strip()
            level = len(heading["hashes"])
            readme.headings.append(Heading(level, title, lineno))
            seen_level2 = seen_level2 or level == 2
        for target in _links_in_line(line):
            readme.links.setdefault(target, lineno)
            if not seen_level2:
                readme.preamble_links.add(target)
        index += 1
    return readme


_Opcode = tuple[str, int, int, int, int]
_SectionKey = tuple[int, frozenset[str], tuple[str, ...]]


def _section_keys(doc: Readme, ignore: str) -> list[_SectionKey]:
    """Key each heading by its level and the links and code blocks of its section.

    Titles are translated, but links and code are not, so these keys line the two heading
    lists up far better than levels alone when a heading is missing.
    """
    starts = [h.line for h in doc.headings] + [sys.maxsize]
    keys: list[_SectionKey] = []
    for heading, start, end in zip(doc.headings, starts, starts[1:], strict=False):
        links = frozenset(
            t for t, line in doc.external_links.items() if start <= line < end and t != ignore
        )
        code = tuple(b.content for b in doc.code_blocks if start <= b.line < end)
        keys.append((heading.level, links, code))
    return keys


def _align_headings(en_keys: list[_SectionKey], zh_keys: list[_SectionKey]) -> list[_Opcode]:
    """Align two heading lists: by section keys first, then by level inside each gap."""
    aligned: list[_Opcode] = []
    top = difflib.SequenceMatcher(a=en_keys, b=zh_keys, autojunk=False).get_opcodes()
    for tag, i1, i2, j1, j2 in top:
        if tag == "equal":
            aligned.append((tag, i1, i2, j1, j2))
        elif i2 - i1 == j2 - j1:
            # Same number on both sides: position is the best guess (levels alone would pair
            # "## a, ### b" with "## a, ## b" as one deletion plus one insertion).
            aligned.append(("replace", i1, i2, j1, j2))
        else:
            en_levels = [k[0] for k in en_keys[i1:i2]]
            zh_levels = [k[0] for k in zh_keys[j1:j2]]
            inner = difflib.SequenceMatcher(a=en_levels, b=zh_levels, autojunk=False)
            aligned.extend(
                (t, i1 + a1, i1 + a2, j1 + b1, j1 + b2)
                for t, a1, a2, b1, b2 in inner.get_opcodes()
            )
    return aligned


def _compare_headings(
    en: Readme, zh: Readme, en_name: str, zh_name: str, en_target: str, zh_target: str
) -> list[str]:
    if [h.level for h in en.headings] == [h.level for h in zh.headings]:
        return []
    problems = [
        f"heading structure differs: {en_name} has {len(en.headings)} headings, "
        f"{zh_name} has {len(zh.headings)}"
    ]
    opcodes = _align_headings(_section_keys(en, zh_target), _section_keys(zh, en_target))
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            pairs = zip(en.headings[i1:i2], zh.headings[j1:j2], strict=True)
            problems.extend(
                f"  heading level differs: {en_name} has {a}, {zh_name} has {b}"
                for a, b in pairs
                if a.level != b.level
            )
            continue
        problems.extend(
            f"  heading missing from {zh_name}: {en_name} has {h}" for h in en.headings[i1:i2]
        )
        problems.extend(
            f"  heading missing from {en_name}: {zh_name} has {h}" for h in zh.headings[j1:j2]
        )
    return problems


def _block_diff(a: CodeBlock, b: CodeBlock, en_name: str, zh_name: str) -> list[str]:
    diff = difflib.unified_diff(
        [f"```{a.info}\n", *a.content.splitlines(keepends=True)],
        [f"```{b.info}\n", *b.content.splitlines(keepends=True)],
        fromfile=f"{en_name}:{a.line}",
        tofile=f"{zh_name}:{b.line}",
        lineterm="",
    )
    return ["    " + line.rstrip("\n").replace("\r", "\\r") for line in diff]


def _compare_code_blocks(en: Readme, zh: Readme, en_name: str, zh_name: str) -> list[str]:
    en_blocks = [(b.info, b.content) for b in en.code_blocks]
    zh_blocks = [(b.info, b.content) for b in zh.code_blocks]
    if en_blocks == zh_blocks:
        return []
    problems: list[str] = []
    if len(en_blocks) != len(zh_blocks):
        problems.append(
            f"fenced code blocks differ: {en_name} has {len(en_blocks)}, "
            f"{zh_name} has {len(zh_blocks)}"
        )
    matcher = difflib.SequenceMatcher(a=en_blocks, b=zh_blocks, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:
            pairs = zip(en.code_blocks[i1:i2], zh.code_blocks[j1:j2], strict=True)
            for number, (a, b) in enumerate(pairs, start=i1 + 1):
                problems.append(
                    f"code block {number} differs: {en_name} line {a.line}, "
                    f"{zh_name} line {b.line}"
                )
                problems.extend(_block_diff(a, b, en_name, zh_name))
            continue
        for block in en.code_blocks[i1:i2]:
            problems.append(f"  code block only in {en_name}: {block.summary}")
        for block in zh.code_blocks[j1:j2]:
            problems.append(f"  code block only in {zh_name}: {block.summary}")
    return problems


def _compare_links(
    en: Readme, zh: Readme, en_name: str, zh_name: str, en_target: str, zh_target: str
) -> list[str]:
    problems: list[str] = []
    # Each README's link to the other language is the one link that must differ.
    en_links = {t: n for t, n in en.external_links.items() if t != zh_target}
    zh_links = {t: n for t, n in zh.external_links.items() if t != en_target}
    only_en = sorted(set(en_links) - set(zh_links))
    only_zh = sorted(set(zh_links) - set(en_links))
    if only_en or only_zh:
        problems.append("link targets differ:")
        problems.extend(f"  link only in {en_name}: {t} (line {en_links[t]})" for t in only_en)
        problems.extend(f"  link only in {zh_name}: {t} (line {zh_links[t]})" for t in only_zh)
    if len(en.anchor_links) != len(zh.anchor_links):
        problems.append(
            f"in-page anchor links differ: {en_name} has {len(en.anchor_links)}, "
            f"{zh_name} has {len(zh.anchor_links)}"
        )
    return problems


def _cross_link_target(source: Path, target: Path) -> str:
    try:
        return target.resolve().relative_to(source.resolve().parent).as_posix()
    except ValueError:
        return target.name


def compare(
    en_text: str,
    zh_text: str,
    en_name: str = "README.md",
    zh_name: str = "README.zh.md",
    *,
    en_target: str | None = None,
    zh_target: str | None = None,
) -> list[str]:
    """Compare an English and a Chinese README and list every way they drifted apart.

    Args:
        en_text: the English README's Markdown.
        zh_text: the Chinese README's Markdown.
        en_name: how the English README is named in messages.
        zh_name: how the Chinese README is named in messages.
        en_target: the link target by which the Chinese README reaches the English one
            (defaults to ``en_name``).
        zh_target: the link target by which the English README reaches the Chinese one
            (defaults to ``zh_name``).

    Returns:
        One message per problem (indented lines detail the one before); empty when in step.
    """
    en_target = normalise_target(en_target or en_name)
    zh_target = normalise_target(zh_target or zh_name)
    en = parse_readme(en_text)
    zh = parse_readme(zh_text)
    problems = _compare_headings(en, zh, en_name, zh_name, en_target, zh_target)
    problems += _compare_code_blocks(en, zh, en_name, zh_name)
    problems += _compare_links(en, zh, en_name, zh_name, en_target, zh_target)
    for source, doc, other in ((en_name, en, zh_target), (zh_name, zh, en_target)):
        if other not in doc.preamble_links:
            problems.append(
                f"missing cross-language link: {source} must link to {other} "
                "before its first ## heading"
            )
    return problems


def _read(path: Path) -> str:
    # read_bytes: read_text would turn CRLF into LF before the byte-for-byte comparison.
    return path.read_bytes().decode("utf-8")


def check_files(en_path: Path, zh_path: Path) -> list[str]:
    """Read both READMEs from disk and compare them; an unreadable file is a problem too."""
    texts: list[str] = []
    problems: list[str] = []
    for path in (en_path, zh_path):
        try:
            texts.append(_read(path))
        except FileNotFoundError:
            problems.append(f"{path} does not exist")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{path} cannot be read as UTF-8 text: {exc}")
    if problems:
        return problems
    en_text, zh_text = texts
    return compare(
        en_text,
        zh_text,
        en_path.name,
        zh_path.name,
        en_target=_cross_link_target(zh_path, en_path),
        zh_target=_cross_link_target(en_path, zh_path),
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the check from the command line; return the exit status."""
    parser = argparse.ArgumentParser(
        description="Check that README.md and README.zh.md are still in step."
    )
    parser.add_argument("--en", type=Path, default=REPO_ROOT / "README.md")
    parser.add_argument("--zh", type=Path, default=REPO_ROOT / "README.zh.md")
    args = parser.parse_args(argv)
    en_path: Path = args.en
    zh_path: Path = args.zh
    problems = check_files(en_path, zh_path)
    if problems:
        print(f"README pair out of step ({en_path.name} / {zh_path.name}):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        print(
            "Change README.md and README.zh.md together: same headings, code blocks and links.",
            file=sys.stderr,
        )
        return 1
    print(f"README pair OK: {en_path.name} and {zh_path.name} are in step")
    return 0


if __name__ == "__main__":
    sys.exit(main())
