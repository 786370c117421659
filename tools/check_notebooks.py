#!/usr/bin/env python3
"""Check the lesson notebooks before nbval runs them.

``pytest --nbval`` compares the outputs stored in a notebook with the outputs of a fresh
run, but only for cells whose stored ``execution_count`` is set: a notebook saved without
running it passes strict nbval with nothing compared at all. nbval also accepts a stored
stderr output as long as the new run prints the same thing, so an ``Unclosed client
session`` warning saved in a notebook would be "expected". This checker closes those gaps.
It fails when, in any notebook:

* a code cell has no ``execution_count``, or the counts are not 1, 2, 3... in cell order
  (what *Restart & Run All* and then saving produces);
* a code cell is empty, or calls ``asyncio.run()`` or ``nest_asyncio`` (the kernel's event
  loop is already running: notebooks ``await`` at the top level);
* an output is a ``stderr`` stream, or an error that the cell does not declare with the
  ``raises-exception`` tag;
* the notebook records execution timings (``metadata.execution`` or ``ExecuteTime``),
  which change on every run and bury the real changes in diffs;
* its kernel is not ``python3``, or it does not open with a markdown cell holding a
  ``# title`` (the title of its docs page);

and across the language folders given on the command line, when:

* a notebook exists in one folder but not in another;
* the code cells of ``<folder>/<name>.ipynb`` differ between folders, in number, source or
  nbval tags. The prose (markdown cells) is written for each language; the code is one.

Usage: ``python tools/check_notebooks.py notebooks/en notebooks/zh``. The first folder is
the reference. Exits 0 with a summary line when all is well, 1 with every problem listed
otherwise.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

#: Cell tags that change what nbval does with a cell; they must match across languages.
NBVAL_TAGS = frozenset(
    {"nbval-ignore-output", "nbval-skip", "raises-exception", "nbval-check-output"}
)
#: Code that cannot work in a kernel whose event loop is already running.
FORBIDDEN_CODE = (
    (re.compile(r"\basyncio\.run\("), "asyncio.run() (use top-level await)"),
    (re.compile(r"\bnest_asyncio\b"), "nest_asyncio (use top-level await)"),
)
_TITLE = re.compile(r"^# \S", re.MULTILINE)

Notebook = dict[str, Any]


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _tags(cell: dict[str, Any]) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def load(path: Path) -> tuple[Notebook | None, list[str]]:
    """Read a notebook as JSON; return it, or ``None`` and the reason it is unreadable."""
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, [f"{path}: not a readable notebook: {exc}"]
    if not isinstance(notebook, dict) or notebook.get("nbformat") != 4:
        return None, [f"{path}: not an nbformat 4 notebook"]
    return notebook, []


def check_notebook(path: Path, notebook: Notebook) -> list[str]:
    """Check one notebook on its own; return the problems found."""
    problems: list[str] = []
    metadata = notebook.get("metadata", {})
    kernelspec = metadata.get("kernelspec", {})
    if kernelspec.get("name") != "python3" or kernelspec.get("language", "python") != "python":
        problems.append(f"{path}: kernelspec is {kernelspec!r}, expected the python3 kernel")
    if "execution" in metadata:
        problems.append(f"{path}: notebook metadata records execution timings")

    cells = notebook.get("cells", [])
    if (
        not cells
        or cells[0].get("cell_type") != "markdown"
        or not _TITLE.search(_source(cells[0]))
    ):
        problems.append(f"{path}: the first cell must be markdown with a '# title'")

    expected_count = 0
    for index, cell in enumerate(cells, start=1):
        where = f"{path}: cell {index}"
        cell_metadata = cell.get("metadata", {})
        if "execution" in cell_metadata or "ExecuteTime" in cell_metadata:
            problems.append(f"{where}: records execution timings")
        if cell.get("cell_type") != "code":
            continue
        expected_count += 1
        source = _source(cell)
        if not source.strip():
            problems.append(f"{where}: empty code cell")
        for pattern, what in FORBIDDEN_CODE:
            if pattern.search(source):
                problems.append(f"{where}: calls {what}")
        count = cell.get("execution_count")
        if count is None:
            problems.append(f"{where}: never executed (save after Restart & Run All)")
        elif count != expected_count:
            problems.append(
                f"{where}: execution_count {count}, expected {expected_count}"
                " (cells ran out of order or more than once: Restart & Run All, then save)"
            )
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream" and output.get("name") == "stderr":
                text = "".join(output.get("text", "")).strip().splitlines()
                first = text[0] if text else ""
                problems.append(f"{where}: stderr output: {first[:100]}")
            elif kind == "error" and "raises-exception" not in _tags(cell):
                problems.append(
                    f"{where}: raised {output.get('ename')}: {output.get('evalue', '')[:100]}"
                    " (tag the cell raises-exception if that is the lesson)"
                )
    return problems


def _code_cells(notebook: Notebook) -> list[tuple[str, set[str]]]:
    return [
        (_source(cell), _tags(cell) & NBVAL_TAGS)
        for cell in notebook.get("cells", [])
        if cell.get("cell_type") == "code"
    ]


def compare_code(
    reference_path: Path, reference: Notebook, other_path: Path, other: Notebook
) -> list[str]:
    """Compare the code cells of two language versions of one lesson."""
    ours, theirs = _code_cells(reference), _code_cells(other)
    if len(ours) != len(theirs):
        return [f"{other_path}: {len(theirs)} code cells, {reference_path} has {len(ours)}"]
    problems = []
    for number, ((source, tags), (other_source, other_tags)) in enumerate(
        zip(ours, theirs, strict=True), start=1
    ):
        if source != other_source:
            problems.append(
                f"{other_path}: code cell {number} differs from {reference_path}"
                f" (first line: {other_source.strip().splitlines()[:1]})"
            )
        if tags != other_tags:
            problems.append(
                f"{other_path}: code cell {number} has tags {sorted(other_tags)},"
                f" {reference_path} has {sorted(tags)}"
            )
    return problems


def check(folders: Sequence[Path]) -> tuple[list[str], int]:
    """Check every notebook of every folder; return the problems and the notebook count."""
    problems: list[str] = []
    names: dict[Path, set[str]] = {}
    for folder in folders:
        if not folder.is_dir():
            problems.append(f"{folder}: no such directory")
            continue
        names[folder] = {path.name for path in folder.glob("*.ipynb")}
        if not names[folder]:
            problems.append(f"{folder}: no notebooks")
    if problems:
        return problems, 0

    everything = set().union(*names.values())
    for folder in folders:
        for missing in sorted(everything - names[folder]):
            problems.append(f"{folder / missing}: missing (exists in another language)")

    checked = 0
    for name in sorted(everything):
        reference_path: Path | None = None
        reference: Notebook | None = None
        for folder in folders:
            path = folder / name
            if not path.is_file():
                continue
            notebook, unreadable = load(path)
            problems += unreadable
            if notebook is None:
                continue
            checked += 1
            problems += check_notebook(path, notebook)
            if reference is None or reference_path is None:
                reference_path, reference = path, notebook
            else:
                problems += compare_code(reference_path, reference, path, notebook)
    return problems, checked


def main(argv: Sequence[str] | None = None) -> int:
    """Run the checks; return the process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "folders",
        nargs="+",
        type=Path,
        help="one folder per language, e.g. notebooks/en notebooks/zh; the first is the reference",
    )
    args = parser.parse_args(argv)
    problems, checked = check(args.folders)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"{len(problems)} problem(s) in the notebooks", file=sys.stderr)
        return 1
    folders = ", ".join(str(folder) for folder in args.folders)
    print(f"{checked} notebooks in {folders}: executed in order, no stderr, same code")
    return 0


if __name__ == "__main__":
    sys.exit(main())
