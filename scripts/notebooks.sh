#!/usr/bin/env bash
# Install aioweb with Jupyter into ./.venv and open the lessons in JupyterLab.
# Usage: bash scripts/notebooks.sh [jupyter lab options]   (e.g. --no-browser)
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
python -m pip install --quiet --compile -e ".[notebooks]"
exec jupyter lab notebooks "$@"
