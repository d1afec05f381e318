#!/bin/sh
# Installs what the test suite needs on Debian (as root), then runs the whole suite.
# Privileged tests (network namespaces, real keepalived as the oracle and as a VRRP peer,
# tcpdump as the observer) run when this runs as root; otherwise they print SKIP with the reason.
set -eu
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    need=""
    command -v keepalived >/dev/null 2>&1 || need="$need keepalived"
    command -v ip >/dev/null 2>&1 || need="$need iproute2"
    command -v tcpdump >/dev/null 2>&1 || need="$need tcpdump"
    if [ -n "$need" ]; then
        echo "== installing:$need"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
    fi
    # Debian starts the keepalived service on install; the tests only use the binary.
    if command -v systemctl >/dev/null 2>&1; then systemctl stop keepalived 2>/dev/null || true; fi
else
    echo "NOTE: not root or no apt-get: test prerequisites not installed; privileged tests will SKIP"
fi

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --all-targets -- -D warnings
echo "== cargo test"
cargo test --all-targets
