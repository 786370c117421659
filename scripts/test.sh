#!/usr/bin/env bash
# Install everything the tests need into ./.venv and run the whole check suite.
# This is the README's test command and what .ci/run calls; it needs only
# python3 (>= 3.11) with venv and the package registry.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
python -m pip install --quiet --compile -e ".[dev]"
bash scripts/install-peers.sh
exec bash scripts/check.sh "$@"
