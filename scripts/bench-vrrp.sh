#!/bin/bash
# VRRP benchmark: Debian's keepalived 2.2.7 and keepalived-rs on the same topology, in one run.
#
#   failover   time from the master's death to the backup's first gratuitous ARP seen on the
#              wire, counted from the master's last advert (kill -9) or from its priority-0
#              advert (SIGTERM); VRRPv2 with advert_int 1 and VRRPv3 with advert_int 0.1.
#              Protocol bound: 3 x advert + skew after a crash, skew after priority 0
#              (backup priority 100: skew = 156/256 x advert).
#   memory     RSS of the VRRP process with 1 and with 100 instances.
#   cpu        CPU time used by the VRRP process over CPU_SECS (default 60) s with 100 instances
#              as master.
#
# Usage: scripts/bench-vrrp.sh [REPEATS (default 5)]; CPU_SECS=10 for a quicker run,
# SKIP_FAILOVER=1 to measure only memory and CPU.
# Needs root, iproute2, tcpdump and /usr/sbin/keepalived. Everything it creates is removed on exit.
set -eu
cd "$(dirname "$0")/.."
repeats=${1:-5}
cpu_secs=${CPU_SECS:-60}
[ "$(id -u)" = 0 ] || { echo "bench-vrrp: needs root" >&2; exit 1; }
command -v tcpdump >/dev/null || { echo "bench-vrrp: needs tcpdump" >&2; exit 1; }
theirs=/usr/sbin/keepalived
[ -x "$theirs" ] || { echo "bench-vrrp: needs Debian's keepalived at $theirs" >&2; exit 1; }
cargo build --release --quiet
sync  # a freshly written binary's pages are dirty and stay resident; measure it as installed
ours=${OURS_BIN:-$PWD/target/release/keepalived}

. scripts/lab.sh
lab_up "kbench$$"
mac2=$(ip -n "$n2" -br link show dev eth0 | awk '{print $3}')

conf() { # priority version advert_int [instances]
    local n=${4:-1} k
    for k in $(seq 1 "$n"); do
        cat <<EOF
vrrp_instance VI_$k {
    state BACKUP
    interface eth0
    virtual_router_id $k
    priority $1
    version $2
    advert_int $3
    virtual_ipaddress {
        10.$((k / 250)).$((k % 250)).1/32
    }
}
EOF
    done
}

start() { # ns prog tag conf-file
    rm -f "$dir/$3".*pid "$dir/$3".pid
    ip netns exec "$1" "$2" -n -P -f "$4" -p "$dir/$3.pid" -r "$dir/$3.vrrp.pid" -c "$dir/$3.check.pid" \
        -l -D >"$dir/$3.log" 2>&1 &
    bg+=($!)
    disown
}
vrrp_pid() { # tag: keepalived's VRRP child, or our main process while VRRP runs in it
    local p
    for _ in $(seq 100); do
        p=$(cat "$dir/$1.vrrp.pid" 2>/dev/null || true)
        [ -n "$p" ] && [ -d "/proc/$p" ] && { echo "$p"; return; }
        sleep 0.05
    done
    cat "$dir/$1.pid"
}
# wait_line FILE PATTERN TIMEOUT_S
wait_line() {
    local end=$(( $(date +%s) + $3 ))
    until tail -n +"${from:-1}" "$1" 2>/dev/null | grep -aq -- "$2"; do
        [ "$(date +%s)" -le "$end" ] || return 1
        sleep 0.02
    done
}

# One failover: prints the seconds from the reference advert to the backup's first GARP.
failover() { # prog version advert_int kill|term
    local prog=$1 cap="$dir/cap" t_ref t_garp
    kill_ns "$n1"; kill_ns "$n2"
    conf 150 "$2" "$3" >"$dir/m.conf"
    conf 100 "$2" "$3" >"$dir/b.conf"
    start "$n2" "$prog" b "$dir/b.conf"
    start "$n1" "$prog" m "$dir/m.conf"
    ip netns exec "$obs" tcpdump -l -n -e -tt -i eth0 'vrrp or arp' >"$cap" 2>"$dir/cap.err" &
    local tpid=$!
    wait_line "$dir/cap.err" "listening on" 10
    # Settled: the master's adverts flow and the backup has seen a few.
    wait_line "$cap" "192.0.2.1 > 224.0.0.18.*prio 150" 15
    sleep 2
    local from=$(( $(wc -l <"$cap") + 1 ))
    wait_line "$cap" "prio 150" 5
    if [ "$4" = kill ]; then
        kill_ns "$n1"
    else
        kill -TERM "$(cat "$dir/m.pid")"
    fi
    wait_line "$cap" "$mac2 > ff:ff:ff:ff:ff:ff.*Request who-has" 15 || { echo "no takeover (mac2=$mac2, from=$from)" >&2; wc -l "$cap" >&2; tail -n 5 "$cap" >&2; tail -n 8 "$dir"/b.log >&2; kill "$tpid"; return 1; }
    kill "$tpid" 2>/dev/null || true
    wait "$tpid" 2>/dev/null || true
    if [ "$4" = kill ]; then
        t_ref=$(tail -n +"$from" "$cap" | grep -a "192.0.2.1 > 224.0.0.18.*prio 150" | tail -n 1 | awk '{print $1}')
    else
        t_ref=$(tail -n +"$from" "$cap" | grep -a "192.0.2.1 > 224.0.0.18.*prio 0," | head -n 1 | awk '{print $1}')
    fi
    t_garp=$(tail -n +"$from" "$cap" | grep -a "$mac2 > ff:ff:ff:ff:ff:ff.*Request who-has" | head -n 1 | awk '{print $1}')
    kill_ns "$n1"; kill_ns "$n2"
    awk -v a="$t_ref" -v b="$t_garp" 'BEGIN { printf "%.4f\n", b - a }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.4f", m }'; }

echo "VRRP benchmark: keepalived 2.2.7 vs keepalived-rs, $repeats runs each, median"
echo
printf '%-28s %12s %12s %12s\n' "failover (s)" "bound" "keepalived" "ours"
cases=("2 1 kill 3.609375" "2 1 term 0.609375" "3 0.1 kill 0.3609375" "3 0.1 term 0.0609375")
[ -z "${SKIP_FAILOVER:-}" ] || cases=()
for case in "${cases[@]}"; do
    set -- $case
    row=()
    for prog in "$theirs" "$ours"; do
        vals=()
        for _ in $(seq "$repeats"); do vals+=("$(failover "$prog" "$1" "$2" "$3")"); done
        row+=("$(printf '%s\n' "${vals[@]}" | median)")
    done
    printf '%-28s %12s %12s %12s\n' "VRRPv$1 advert $2 s, $3" "$4" "${row[0]}" "${row[1]}"
done

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
echo
printf '%-28s %12s %12s\n' "VRRP process" "keepalived" "ours"
for n in 1 100; do
    row=()
    for prog in "$theirs" "$ours"; do
        kill_ns "$n1"
        conf 150 2 1 "$n" >"$dir/r.conf"
        start "$n1" "$prog" r "$dir/r.conf"
        sleep 6  # every instance master (3.6 s), its VIPs set and GARPs sent
        row+=("$(rss "$(vrrp_pid r)") kB")
        kill_ns "$n1"
        rm -f "$dir"/r*.pid
    done
    printf '%-28s %12s %12s\n' "RSS, $n instance(s)" "${row[0]}" "${row[1]}"
done
row=()
hz=$(getconf CLK_TCK)
for prog in "$theirs" "$ours"; do
    kill_ns "$n1"
    conf 150 2 1 100 >"$dir/c.conf"
    start "$n1" "$prog" c "$dir/c.conf"
    sleep 15  # steady state: every instance master, the delayed GARP batch sent
    p=$(vrrp_pid c)
    a=$(cpu_ticks "$p")
    sleep "$cpu_secs"
    b=$(cpu_ticks "$p")
    row+=("$(awk -v a="$a" -v b="$b" -v hz="$hz" 'BEGIN { printf "%.2f s", (b - a) / hz }')")
    kill_ns "$n1"
    rm -f "$dir"/c*.pid
done
printf '%-28s %12s %12s\n' "CPU, 100 masters, ${cpu_secs} s" "${row[0]}" "${row[1]}"
