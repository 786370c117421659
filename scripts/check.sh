#!/usr/bin/env bash
# The one check script: what every commit must pass and what CI runs.
# Usage: scripts/check.sh [extra pytest args]   (expects the dev environment active)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "ruff lint"
ruff check src tests tools tutorials bench
step "ruff format --check"
ruff format --check src tests tools tutorials bench
step "mypy --strict (src/)"
mypy
step "import-linter (layer contracts)"
lint-imports --no-cache
step "README pair in step"
python tools/check_readme_pair.py
step "docs (en + zh_CN, -W, translations complete)"
bash scripts/docs.sh
step "notebooks: hygiene check"
# nbval compares nothing in a cell saved without an execution count, and accepts stderr
# that the new run repeats: the checker refuses both before nbval runs.
python tools/check_notebooks.py notebooks/en notebooks/zh
step "notebooks: strict nbval (en + zh)"
# Strict mode, not --nbval-lax: every output must match the stored one, except for what
# notebooks/nbval_sanitize.cfg masks (the port the OS picks). --nbval-current-env runs the
# kernel of this environment; the cell timeout replaces nbval's default of 2000 s. The
# project's pytest settings apply here too (filterwarnings=error, --timeout per cell); a
# warning raised inside the kernel is a stderr output, which fails the comparison.
# Explicit paths, so the final pytest step (its testpaths hold no notebooks) never collects them.
(
    JUPYTER_RUNTIME_DIR="$(mktemp -d)"  # kernel connection files, thrown away afterwards
    export JUPYTER_RUNTIME_DIR
    trap 'rm -rf "$JUPYTER_RUNTIME_DIR"' EXIT
    python -m pytest --nbval notebooks/en notebooks/zh --nbval-current-env \
        --nbval-sanitize-with notebooks/nbval_sanitize.cfg --nbval-cell-timeout=60 \
        -p no:cacheprovider -q
)
# pytest last, so its summary is the closing line CI reads.
step "pytest"
python -m pytest "$@"
