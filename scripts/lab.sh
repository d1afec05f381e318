# Sourced by demo.sh and bench-vrrp.sh: a VRRP segment in network namespaces.
#
# lab_up TAG   creates $sw (a bridge without multicast snooping or MAC learning, so the
#              observer sees every frame) and nodes $n1, $n2, $obs with eth0 = 192.0.2.1-3/24
#              plugged into it; installs traps that remove everything on exit.
# kill_ns NS   kills every process in a namespace (daemons, tcpdump, keepalived's children).
# bg           array: extra pids (log pipelines) killed at exit.

kill_ns() { for p in $(ip netns pids "$1" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done; }

lab_cleanup() {
    for ns in "$n1" "$n2" "$obs" "$sw"; do kill_ns "$ns"; done
    for p in "${bg[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    for ns in "$n1" "$n2" "$obs" "$sw"; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$dir"
}

lab_up() {
    sw="$1-sw" n1="$1-n1" n2="$1-n2" obs="$1-obs"
    dir=$(mktemp -d)
    bg=()
    trap lab_cleanup EXIT
    trap 'exit 130' INT TERM HUP PIPE
    ip netns add "$sw"
    ip -n "$sw" link add br0 type bridge mcast_snooping 0 ageing_time 0
    ip -n "$sw" link set br0 up
    local i=0 ns
    for ns in "$n1" "$n2" "$obs"; do
        i=$((i + 1))
        ip netns add "$ns"
        ip -n "$ns" link add eth0 type veth peer name "p$i" netns "$sw"
        ip -n "$sw" link set "p$i" master br0 up
        ip -n "$ns" link set lo up
        ip -n "$ns" addr add "192.0.2.$i/24" dev eth0
        ip -n "$ns" link set eth0 up
    done
}
