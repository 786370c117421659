"""Keep a page's heading anchors when its translation has an admonition title.

MyST records the heading anchors ("slugs") of a page in ``env.metadata[docname]
["myst_slugs"]``, and resolves links such as ``[text](client-advanced.md#timeouts)`` from
other pages with it. In a translated build, Sphinx's i18n transform parses each translated
title as a small document of its own; for the title of an ``{admonition}`` that small
document holds a heading, and MyST then overwrites the page's slugs with that one heading.
Every link into the page by anchor then fails with ``myst.xref_missing``, in the translated
build only. (Seen with Sphinx 9.0 and myst-parser 4/myst-nb 1.3 on ``client-advanced``,
whose note "aioweb differs from aiohttp here" is such an admonition.)

The page's own doctree still carries the slugs of its full parse (``document.myst_slugs``),
so once the page has been read, this puts them back.
"""

from __future__ import annotations

from typing import Any


def _restore_slugs(app: Any, doctree: Any) -> None:
    slugs = getattr(doctree, "myst_slugs", None)
    if slugs:
        app.env.metadata[app.env.docname]["myst_slugs"] = slugs


def setup(app: Any) -> dict[str, Any]:
    """Register the hook (Sphinx extension entry point)."""
    app.connect("doctree-read", _restore_slugs)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
