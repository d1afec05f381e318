#!/bin/sh
# The main job for now (until the VRRP daemon lands): build keepalived-rs, check every sample
# configuration exactly as `keepalived -t` would, then print the fully resolved configuration of
# one of them. The checks run in a throwaway network namespace that has the interface the
# samples name (eth0), so the verdicts do not depend on this machine's interfaces.
set -eu
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$PWD/target/release/keepalived

run() { "$@"; }
if [ "$(id -u)" = 0 ] && ip netns list >/dev/null 2>&1; then
    ns="kars-demo-$$"
    ip netns add "$ns"
    trap 'ip netns del "$ns" 2>/dev/null' EXIT
    trap 'exit 130' INT TERM HUP PIPE
    ip -n "$ns" link add eth0 type veth peer name eth0-peer
    ip -n "$ns" link set lo up
    ip -n "$ns" link set eth0 up
    ip -n "$ns" addr add 192.0.2.2/24 dev eth0
    run() { ip netns exec "$ns" "$@"; }
else
    echo "(not root: checking against this machine's interfaces)"
fi

for f in samples/*.conf; do
    echo "== keepalived -t -f $f"
    set +e
    run "$bin" -t -f "$f"
    rc=$?
    set -e
    echo "   verdict: exit code $rc"
done
echo
echo "== keepalived -t -d -f samples/lvs-dr-master.conf   (resolved: includes, definitions, defaults)"
run "$bin" -t -d -f samples/lvs-dr-master.conf
