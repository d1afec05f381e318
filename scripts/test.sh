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
    # tests/packaging.rs: man page checks, and the .deb's automatic libc dependency.
    command -v groff >/dev/null 2>&1 || need="$need groff-base"
    command -v man >/dev/null 2>&1 || need="$need man-db"
    command -v dpkg-shlibdeps >/dev/null 2>&1 || need="$need dpkg-dev"
    if [ -n "$need" ]; then
        echo "== installing:$need"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
    fi
    # tests/packaging.rs builds the .deb with cargo-deb (about a minute to install).
    if ! cargo deb --version >/dev/null 2>&1; then
        echo "== installing cargo-deb"
        cargo install cargo-deb --version 3.8.0 --locked --quiet
    fi
    # checkbashisms alone, taken from the devscripts package without installing devscripts
    # (which would pull in about 45 packages); only perl-base is needed to run it.
    tools="${CARGO_TARGET_DIR:-$PWD/target}/tools"
    case "$tools" in /*) ;; *) tools="$PWD/$tools" ;; esac
    if ! command -v checkbashisms >/dev/null 2>&1 && [ ! -x "$tools/checkbashisms" ]; then
        mkdir -p "$tools"
        if (cd "$tools" && apt-get download devscripts >/dev/null 2>&1); then
            dpkg-deb --fsys-tarfile "$tools"/devscripts_*.deb |
                tar -x -O ./usr/bin/checkbashisms >"$tools/checkbashisms" &&
                chmod 755 "$tools/checkbashisms" || rm -f "$tools/checkbashisms"
            rm -f "$tools"/devscripts_*.deb
        fi
    fi
    [ -x "$tools/checkbashisms" ] && PATH="$tools:$PATH" && export PATH
    # tests/ipvs_vm*.rs boot Debian's kernel in QEMU (this kernel may lack IPVS):
    # build-image.sh installs qemu-system-x86, busybox-static, bash-builtins & co, fetches the
    # kernel .deb (about 70 MB, once) and caches the image. As root the VM tests must run.
    echo "== VM image for the real-kernel IPVS tests"
    ./scripts/vm/build-image.sh
    KARS_VM_REQUIRED=1
    export KARS_VM_REQUIRED
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
