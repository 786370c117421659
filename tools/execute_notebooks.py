#!/usr/bin/env python3
"""Run notebooks top to bottom in a fresh kernel and save them with their outputs.

This is Jupyter's *Restart & Run All* followed by *Save*, from the command line, with three
differences that keep diffs small: no execution timings are recorded, the Python patch
version is left out of the notebook metadata, and consecutive pieces of printed output are
joined into one. Run it after editing a lesson, then check:

    python tools/execute_notebooks.py notebooks/en/*.ipynb notebooks/zh/*.ipynb
    python tools/check_notebooks.py notebooks/en notebooks/zh

Each notebook runs with its own folder as the working directory, in the ``python3`` kernel
of the current environment, as nbval runs it. A cell that raises stops the run unless it is
tagged ``raises-exception``; the notebook is then not saved.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient


def merge_streams(outputs: list[Any]) -> list[Any]:
    """Join consecutive stdout (or stderr) outputs into one, as Jupyter shows them.

    How a cell's printing is split into messages depends on timing, so the same cell can
    store one stream output on one run and three on the next.
    """
    merged: list[Any] = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            output.output_type == "stream"
            and previous is not None
            and previous.output_type == "stream"
            and previous.name == output.name
        ):
            previous.text += output.text
        else:
            merged.append(output)
    return merged


def execute(path: Path, timeout: int) -> None:
    """Execute one notebook in place."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    notebook.metadata.pop("execution", None)
    notebook.metadata.get("language_info", {}).pop("version", None)
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = merge_streams(cell.outputs)
    nbformat.validate(notebook)
    nbformat.write(notebook, path)


def main(argv: Sequence[str] | None = None) -> int:
    """Execute every notebook named on the command line; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=60, help="seconds per cell (60)")
    args = parser.parse_args(argv)
    # Kernel connection files go to a throw-away directory, not the user's runtime dir.
    with tempfile.TemporaryDirectory() as runtime_dir:
        os.environ["JUPYTER_RUNTIME_DIR"] = runtime_dir
        for path in args.notebooks:
            print(f"executing {path}", flush=True)
            execute(path, args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
