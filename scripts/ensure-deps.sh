#!/usr/bin/env bash
# Installs the system packages the hub builds against, when they are missing.
# As root it runs apt-get; otherwise it prints the one command to run.
# --no-python skips Python's cryptography (the demo does not need it).
set -euo pipefail

need=()
# sqlite3: the integration tests and the demo read the nodes' databases with it.
for pkg in libssl-dev libsqlite3-dev pkg-config sqlite3; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        need+=("$pkg")
    fi
done
# The openssl CLI and Python's `cryptography` are independent peers in the interop tests.
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# curl: the tests' and the demo's HTTP client (TLS to the nodes, /metrics).
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ "${1:-}" != --no-python ] && ! python3 -c 'import cryptography' >/dev/null 2>&1; then
    echo "Installing Python's cryptography from PyPI for the interop tests ..." >&2
    python3 -m pip install --quiet cryptography || {
        echo "Run: python3 -m pip install cryptography" >&2
        exit 1
    }
fi

if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "Missing system packages: ${need[*]}" >&2
    echo "Run: sudo apt-get update && sudo apt-get install -y ${need[*]}" >&2
    exit 1
fi
echo "Installing ${need[*]} ..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
