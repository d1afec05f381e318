#!/bin/sh
# Issue 2 benchmark: `keepalived -t` (Debian's 2.2.7) against ours on a generated configuration
# of 255 VRRP instances and 1,000 virtual servers x 10 real servers (~115,000 lines), in one run
# with alternating invocations, inside a throwaway network namespace that has the interfaces
# the configuration names. Target: ours at most half of keepalived's time, peak RSS no higher.
# Usage: scripts/bench-config.sh [RUNS]   (root; needs Debian's keepalived installed)
set -eu
cd "$(dirname "$0")/.."
runs=${1:-20}
cargo build --release --quiet --bin keepalived --example bench_config --example bench_compare
dir=$(mktemp -d)
ns="kars-bench-$$"
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP PIPE
target/release/examples/bench_config 255 1000 10 > "$dir/bench.conf"
echo "configuration: $(wc -l < "$dir/bench.conf") lines"
ip netns add "$ns"
for i in 0 1 2 3; do
    ip -n "$ns" link add "eth$i" type veth peer name "peer$i"
    ip -n "$ns" link set "eth$i" up
    ip -n "$ns" addr add "10.250.$i.1/24" dev "eth$i"
done
ip netns exec "$ns" target/release/examples/bench_compare "$runs" "$dir/bench.conf" \
    /usr/sbin/keepalived "$PWD/target/release/keepalived"
