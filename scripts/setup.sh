#!/usr/bin/env bash
# Installs what Ferry needs on a fresh Debian 12 machine with the Swift toolchain:
# the C libraries (Lua 5.4, libcurl, SQLite), osmem-server (the embedded test cluster),
# nginx and openssl (the TLS tests' server and certificates), botocore (the SigV4 tests'
# reference signer), then builds ferry. Safe to run again: it skips what is already there.
#   scripts/setup.sh            # deps + release build
#   scripts/setup.sh --deps     # deps only
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
for pkg in liblua5.4-dev libcurl4-openssl-dev libsqlite3-dev pkg-config nginx openssl; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if ((${#need_apt[@]})); then
    echo "setup: installing ${need_apt[*]}" >&2
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! python3 -c 'import osmem_server' >/dev/null 2>&1; then
    echo "setup: installing osmem-server (pip)" >&2
    # A distribution's own Python refuses pip installs (PEP 668) unless told otherwise.
    python3 -m pip install --quiet --disable-pip-version-check osmem-server 2>/dev/null \
        || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages osmem-server
fi

# The test harness runs nginx itself (own prefix, non-daemon): the distribution's service
# that the package starts is not needed and would hold port 80.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
    systemctl stop nginx >/dev/null 2>&1 || true
fi

if ! python3 -c 'import botocore' >/dev/null 2>&1; then
    echo "setup: installing botocore (pip; the SigV4 tests' reference signer)" >&2
    python3 -m pip install --quiet --disable-pip-version-check botocore 2>/dev/null \
        || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages botocore
fi

if [ "${1:-}" != "--deps" ]; then
    echo "setup: building ferry (release)" >&2
    swift build -c release --product ferry 2>&1 | grep -Ev '^\[[0-9]+/[0-9]+\]' >&2 || true
    test -x .build/release/ferry || { echo "setup: build failed" >&2; exit 1; }
    echo "setup: ferry is at $(pwd)/.build/release/ferry" >&2
fi
