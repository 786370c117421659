"""Sphinx configuration for the aioweb docs (English source, Simplified Chinese by gettext).

Build with ``bash scripts/docs.sh``; it runs the gettext, translation-check, English and
Chinese builds with ``-W --keep-going``. The decisions behind each setting, with the
measurements, are in the project's DOCS_NOTEBOOKS notes:

* Sphinx 9.0.x (9.1 needs Python 3.12), furo, and myst-nb, which parses MyST Markdown too
  (listing ``myst_parser`` as well would register the parser twice).
* One English source tree; ``-D language=zh_CN`` builds the Chinese tree from
  ``locale/zh_CN/LC_MESSAGES/*.po``. ``gettext_location = False`` keeps line numbers out of
  the catalogues, so moving English text does not churn them.
* No intersphinx: the build machines cannot reach the internet.
* Two small extensions of our own, in ``_ext/``: ``changelog_fragments`` renders
  ``CHANGES/`` into ``changelog.md`` at every build, and ``myst_slugs_i18n`` keeps links to
  a page's headings working in the Chinese build.
"""

from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path
from typing import Any

DOCS_DIR = Path(__file__).resolve().parent
REPO_ROOT = DOCS_DIR.parent
# Document the checkout being built, even where an older aioweb is installed.
sys.path.insert(0, str(REPO_ROOT / "src"))
# The project's own Sphinx extensions (docs/_ext/).
sys.path.insert(0, str(DOCS_DIR / "_ext"))

import aioweb  # noqa: E402  (needs the path above)

# ---------------------------------------------------------------- project

project = "aioweb"
author = "aioweb contributors"
copyright = "aioweb contributors"
release = aioweb.__version__
version = ".".join(release.split(".")[:2])

# ---------------------------------------------------------------- general

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    # changelog.md shows the fragments of CHANGES/, read at every build.
    "changelog_fragments",
    # Links to a page's headings keep working in the Chinese build (see the module).
    "myst_slugs_i18n",
]
source_suffix = {".md": "myst-nb", ".ipynb": "myst-nb"}
root_doc = "index"
exclude_patterns = ["_build", "locale", "requirements.txt", "**/.ipynb_checkpoints"]
templates_path = ["_templates"]

# English is the source language; scripts/docs.sh passes -D language=zh_CN for Chinese.
language = "en"
locale_dirs = ["locale/"]
gettext_compact = False  # one catalogue per page, so translators work page by page
gettext_location = False  # no "#: file:line" comments: they churn whenever English moves
gettext_uuid = False

# ---------------------------------------------------------------- MyST and myst-nb

myst_enable_extensions = ["colon_fence", "deflist"]
# Anchors for headings down to h3: "[text](#slug)" links work, and the slugs are made from
# the English headings, so both languages share the same deep links.
myst_heading_anchors = 3

# Pages written as MyST notebooks (``file_format: mystnb``) run their code cells at every
# build, so the outputs shown are what the code really prints today. Notebooks (.ipynb) are
# never run here: nbval already ran and checked their stored outputs.
nb_execution_mode = "force"
nb_execution_excludepatterns = ["*.ipynb", "**/*.ipynb"]
nb_execution_timeout = 60
# An exception in a code cell is a warning (with the cell and its traceback, thanks to
# show_tb), so -W fails the build on it. raise_on_error=True would fail too, but with an
# internal-error banner asking to report a Sphinx bug.
nb_execution_raise_on_error = False
nb_execution_show_tb = True
nb_output_stderr = "warn"  # stderr in an output is a warning, so -W fails on it
nb_merge_streams = True
# nbclient logs "Executing notebook with kernel: python3" at INFO for every page; the pages
# are listed by Sphinx already.
logging.getLogger("traitlets").setLevel(logging.WARNING)

# ---------------------------------------------------------------- notebooks

# The lessons live at the top of the repository, one folder per language (notebooks/en,
# notebooks/zh), with prose written for each language rather than translated by gettext.
# Each build shows its own language's lessons under the same page names
# (notebooks/01-client-requests...), so the language switcher pairs them like any other
# page. At config-inited, once ``-D language`` is known, that language's folder is copied
# to docs/notebooks/ (ignored by git, rewritten by every build; the builds of
# scripts/docs.sh run one after another, never at the same time).
NOTEBOOK_FOLDERS = {"en": "en", "zh_CN": "zh"}
NOTEBOOKS_SOURCE = REPO_ROOT / "notebooks"
NOTEBOOKS_IN_DOCS = DOCS_DIR / "notebooks"


def _copy_notebooks(app: Any, config: Any) -> None:
    folder = NOTEBOOKS_SOURCE / NOTEBOOK_FOLDERS.get(config.language, "en")
    NOTEBOOKS_IN_DOCS.mkdir(exist_ok=True)
    for stale in NOTEBOOKS_IN_DOCS.glob("*.ipynb"):
        stale.unlink()
    for notebook in sorted(folder.glob("*.ipynb")):
        shutil.copyfile(notebook, NOTEBOOKS_IN_DOCS / notebook.name)


def _drop_notebook_catalogues(app: Any, exception: BaseException | None) -> None:
    # The gettext build reads the English notebooks like any page, but their prose is not
    # translated through the catalogues: the Chinese lessons are written, not translated.
    if exception is None and app.builder.name == "gettext":
        shutil.rmtree(Path(app.outdir) / "notebooks", ignore_errors=True)


# napoleon reads the first line of an attribute's or a property's docstring as
# "type: description", Google style's ``"""int: The port."""``. aioweb's docstrings never
# open with a type, but many open with prose such as "The close code: the peer's, ours,
# or 1006...", which came out as "Type: The close code". The first line is remembered
# before napoleon runs and put back after it, dropping the type napoleon made of it.
_ATTRIBUTE_KINDS = {"attribute", "property", "data"}
_first_lines: dict[str, str] = {}


def _remember_first_line(
    app: Any, what: str, name: str, obj: object, options: object, lines: list[str]
) -> None:
    if what in _ATTRIBUTE_KINDS:
        first = next((line for line in lines if line.strip()), None)
        if first is not None:
            _first_lines[name] = first


def _restore_first_line(
    app: Any, what: str, name: str, obj: object, options: object, lines: list[str]
) -> None:
    first = _first_lines.pop(name, None)
    if first is None or len(lines) < 3 or lines[-2] or not lines[-1].startswith(":type: "):
        return
    head = lines[-1].removeprefix(":type: ")
    if not first.strip().startswith(f"{head}:"):
        return  # a type napoleon did not take from the first line
    del lines[-2:]
    index = next(i for i, line in enumerate(lines) if line.strip())
    if first.rstrip().endswith(lines[index].strip()):
        lines[index] = first


def setup(app: Any) -> None:
    """Hook the notebook copy into the build (Sphinx calls this for conf.py too)."""
    app.connect("config-inited", _copy_notebooks)
    app.connect("build-finished", _drop_notebook_catalogues)
    # napoleon listens at the default priority, 500: one hook runs before it, one after.
    app.connect("autodoc-process-docstring", _remember_first_line, priority=400)
    app.connect("autodoc-process-docstring", _restore_first_line, priority=600)


# ---------------------------------------------------------------- autodoc

autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_preserve_defaults = True
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False

# ---------------------------------------------------------------- HTML

html_theme = "furo"
html_title = f"aioweb {release}"
html_static_path = ["_static"]  # holds custom.css, so the directory exists in a clone
html_css_files = ["custom.css"]
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None
html_sidebars = {
    "**": [
        "sidebar/brand.html",
        "sidebar/lang-switch.html",
        "sidebar/search.html",
        "sidebar/scroll-start.html",
        "sidebar/navigation.html",
        "sidebar/scroll-end.html",
    ]
}
# Languages of the switcher, in display order: (Sphinx language code, name in that language).
html_context = {"aioweb_languages": [("en", "English"), ("zh_CN", "简体中文")]}

# The zh_CN search index is built with jieba (Sphinx falls back from "zh_CN" to its "zh"
# indexer). Without jieba it would hold no Chinese terms at all. jieba logs its dictionary
# loading at DEBUG level to stderr; keep the build output clean.
try:
    import jieba
except ImportError:  # the English build does not need it
    pass
else:
    jieba.setLogLevel(logging.WARNING)
