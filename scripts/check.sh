#!/usr/bin/env bash
# The one check script: what every commit must pass and what CI runs.
# Usage: scripts/check.sh [extra pytest args]   (expects the dev environment active)
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "ruff lint"
ruff check src tests tools
step "ruff format --check"
ruff format --check src tests tools
step "mypy --strict (src/)"
mypy
step "import-linter (layer contracts)"
lint-imports --no-cache
step "README pair in step"
python tools/check_readme_pair.py
step "docs (en + zh_CN, -W, translations complete)"
bash scripts/docs.sh
# pytest last, so its summary is the closing line CI reads.
step "pytest"
python -m pytest "$@"
