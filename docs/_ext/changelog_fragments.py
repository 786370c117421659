"""Render the changelog fragments of ``CHANGES/`` into the changelog page at build time.

The page ``changelog.md`` holds one marker line; when Sphinx reads that page, the marker is
replaced by the fragments as Markdown: one section per type, in the order of
``CHANGES/README.md``, one bullet per fragment, sorted by issue number. The text is read
from the fragments on every build, so the page cannot drift from them. Because the
replacement happens before parsing (the ``source-read`` event), the gettext build extracts
each fragment as one message of ``changelog.pot``, and ``tools/check_translations.py``
fails until the Chinese catalogue translates a new or changed fragment.

A file in ``CHANGES/`` whose name does not follow the README's rules
(``<issue>.<type>[.<counter>].md`` or ``+<name>.<type>[.<counter>].md``) fails the build,
so a misnamed fragment is noticed instead of silently left out.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sphinx.errors import ExtensionError

#: The page that receives the fragments, and the line in it that they replace.
DOCNAME = "changelog"
MARKER = "% changelog-fragments: replaced by docs/_ext/changelog_fragments.py"

#: Fragment types and their section titles, in the order of CHANGES/README.md.
SECTIONS: dict[str, str] = {
    "feature": "Features",
    "bugfix": "Bug fixes",
    "doc": "Documentation",
    "removal": "Removals and deprecations",
    "misc": "Miscellaneous",
}

_NAME = re.compile(
    r"^(?:(?P<issue>[0-9]+)|\+(?P<slug>[A-Za-z0-9][A-Za-z0-9_-]*))"
    r"\.(?P<type>[a-z]+)(?:\.(?P<counter>[0-9]+))?\.md$"
)
_NOT_FRAGMENTS = frozenset({"README.md"})


def _changes_dir(app: Any) -> Path:
    return Path(app.confdir).parent / "CHANGES"


def _fragments(changes: Path) -> dict[str, list[tuple[tuple[int, str, int], str]]]:
    """Return the fragments by type, each as (sort key, Markdown text)."""
    found: dict[str, list[tuple[tuple[int, str, int], str]]] = {kind: [] for kind in SECTIONS}
    for path in sorted(changes.glob("*")):
        if path.name in _NOT_FRAGMENTS or path.name.startswith("."):
            continue
        match = _NAME.match(path.name)
        if match is None or match["type"] not in SECTIONS:
            raise ExtensionError(
                f"CHANGES/{path.name}: not a fragment name (see CHANGES/README.md): "
                f"<issue>.<type>.md or +<name>.<type>.md, type one of {', '.join(SECTIONS)}"
            )
        text = path.read_text(encoding="utf-8").strip()
        if not text:
            raise ExtensionError(f"CHANGES/{path.name} is empty")
        issue = int(match["issue"]) if match["issue"] else 0
        key = (
            0 if issue else 1,
            f"{issue:09d}" if issue else match["slug"],
            int(match["counter"] or 0),
        )
        suffix = f" (issue {issue})" if issue else ""
        found[match["type"]].append((key, _bullet(text, suffix)))
    return found


def _bullet(text: str, suffix: str) -> str:
    """One list item: the paragraphs of the fragment, the issue after the last one."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    paragraphs[-1] += suffix
    return "- " + "\n\n  ".join(paragraphs)


def render(changes: Path) -> str:
    """Return the Markdown for the fragments in ``changes``."""
    blocks: list[str] = []
    for kind, entries in _fragments(changes).items():
        if entries:
            blocks.append(f"### {SECTIONS[kind]}")
            blocks.extend(text for _, text in sorted(entries))
    if not blocks:
        blocks.append("No changes are waiting for a release.")
    return "\n\n".join(blocks)


def _on_source_read(app: Any, docname: str, source: list[str]) -> None:
    if docname != DOCNAME:
        return
    if MARKER not in source[0]:
        raise ExtensionError(f"{docname}: the line {MARKER!r} is missing")
    source[0] = source[0].replace(MARKER, render(_changes_dir(app)), 1)


def _always_read_changelog(
    app: Any, env: Any, added: set[str], changed: set[str], removed: set[str]
) -> list[str]:
    # A fragment added or deleted changes the page although changelog.md did not change.
    return [DOCNAME] if DOCNAME in env.found_docs else []


def setup(app: Any) -> dict[str, Any]:
    """Register the hooks (Sphinx extension entry point)."""
    app.connect("source-read", _on_source_read)
    app.connect("env-get-outdated", _always_read_changelog)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
