#!/usr/bin/env bash
# Install the real protocol peers the interop tests run against (Debian packages):
# curl, nginx (reverse-proxy and client tests), wrk (bounded load tests), tinyproxy
# (the forward proxy the client's proxy tests go through), chromium (the headless
# browser the chat tutorial's page is tested in), nghttp2-client (nghttp and h2load,
# the HTTP/2 peers of the server's h2 interop tests) and nghttp2-server (nghttpd, an
# HTTP/2 server for the client's). Skips what is present.
# Needs root and apt-get; elsewhere it says what to install and exits non-zero.
set -euo pipefail

need=()
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v tinyproxy >/dev/null 2>&1 || [ -x /usr/bin/tinyproxy ] || need+=(tinyproxy)
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || need+=(chromium)
command -v nghttp >/dev/null 2>&1 && command -v h2load >/dev/null 2>&1 || need+=(nghttp2-client)
command -v nghttpd >/dev/null 2>&1 || [ -x /usr/sbin/nghttpd ] || need+=(nghttp2-server)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "install-peers: please install: ${need[*]} (Debian/Ubuntu package names)" >&2
    exit 1
fi
echo "install-peers: apt-get install ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
