#!/usr/bin/env bash
# The one benchmark command. Installs what the benchmarks need, then runs them:
#   - ./.venv (created if missing) with aioweb and the peers of bench/requirements.txt;
#   - Debian's wrk, nghttp2-client (h2load), nginx-light and util-linux (taskset), with
#     apt-get, only if missing (apt-get update runs once, and only then; sudo only when
#     not root).
# Usage: scripts/bench.sh [server|client|h2|ws|all] [ARGS...]
#   server (the default): bench/run.py ARGS     e.g. --quick, --loop uvloop, --conns 5000
#                         (every scenario, the HTTP/2 ones included)
#   client:               bench/client.py ARGS  e.g. --quick, --rounds 5
#   h2:                   HTTP/2 only: bench/run.py's h2 scenarios (aioweb, hypercorn,
#                         nginx), then bench/client_h2.py, each with ARGS (--quick,
#                         --rounds N)
#   ws:                   bench/ws.py ARGS      e.g. --quick
#   all:                  run.py, client.py, client_h2.py and ws.py, each with ARGS (use
#                         the options they share: --quick, --rounds N)
# Everything runs on 127.0.0.1 only, bounded in time, and stops its own processes.
# See bench/README.md for what each scenario measures.
set -euo pipefail
cd "$(dirname "$0")/.."

what=server
case "${1:-}" in
    server | client | h2 | ws | all)
        what=$1
        shift
        ;;
esac

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
fi
# shellcheck disable=SC1091
. .venv/bin/activate
if ! python -c 'import aioweb' >/dev/null 2>&1; then
    python -m pip install --quiet -e .
fi
# Already-satisfied requirements need no index: a second run installs nothing.
python -m pip install --quiet -r bench/requirements.txt

need=()
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v h2load >/dev/null 2>&1 || need+=(nghttp2-client)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v taskset >/dev/null 2>&1 || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "bench: please install: ${need[*]} (Debian/Ubuntu package names)" >&2
        exit 1
    fi
    sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo)
    echo "bench: apt-get install ${need[*]}" >&2
    "${sudo[@]}" apt-get update -qq
    # Debian 13 folded nginx-light into nginx: take whichever the archive has.
    if [[ " ${need[*]} " == *" nginx-light "* ]] && ! apt-cache show nginx-light >/dev/null 2>&1; then
        need=("${need[@]/nginx-light/nginx}")
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

run() {
    echo "==> python bench/$1 ${*:2}" >&2
    python "bench/$1" "${@:2}"
}
case $what in
    server) run run.py "$@" ;;
    client) run client.py "$@" ;;
    h2)
        run run.py --scenarios h2,h2json --servers aioweb,hypercorn,nginx "$@"
        run client_h2.py "$@"
        ;;
    ws) run ws.py "$@" ;;
    all)
        run run.py "$@"
        run client.py "$@"
        run client_h2.py "$@"
        run ws.py "$@"
        ;;
esac
