#!/bin/bash
# Drop-in operation benchmark: Debian's keepalived 2.2.7 and keepalived-rs (watchdog parent with
# VRRP child) on the same namespace topology, in one run. VRRPv2, advert_int 1; VI_1 has three
# VIPs 10.0.1.1-3, VI_k (k > 1) has 10.0.k.1.
#
#   crash     kill -9 of node1's VRRP child (the -r pid, not the parent) while node1 (priority 150)
#             is MASTER and node2 (priority 100) BACKUP, 0.5 s after one of node1's adverts (so
#             node2's master-down timer, 3.61 s after that advert, runs out before a child that
#             starts from scratch can become MASTER, 3.41 s after the kill).
#             From `ip monitor address` on node1: how long the VIPs were gone (Deleted -> added
#             again; 0 if never deleted). From the observer's capture: whether node2 took over
#             (sent an advert or a gratuitous ARP), node1's longest silence on the wire (last
#             advert before the kill -> first after) and the time from the kill until node1 is
#             MASTER again with its VIPs (first advert after the kill, VIPs back).
#   reload    kill -HUP of the parent -> its "Reload complete" line, with 1 and 100 instances
#             (all MASTER), file unchanged and with one of VI_1's three VIPs replaced
#             (10.0.1.3 -> 10.0.1.4); for that change also the time until eth0 shows it and the
#             VIP deletions `ip monitor` sees. keepalived logs "Reload complete" as soon as its
#             child has read the file (notify_config_read() before clear_diff_vrrp()); ours once
#             the child has applied it.
#   startup   exec -> the parent's "Startup complete" line with 1 and 100 instances, and the RSS
#             sum of the parent and its children once every instance is MASTER.
#
# Log lines are timestamped with $EPOCHREALTIME as they are read (-l console output, -G: no
# syslog), the capture with tcpdump -tt; all three use the same realtime clock.
#
# Usage: scripts/bench-ops.sh [REPEATS (default 5)]; OURS_BIN=path to measure another binary
# instead of the release build. Needs root, bash 5, iproute2, tcpdump and /usr/sbin/keepalived.
# Everything it creates (namespaces, processes, temp dir) is removed on exit.
set -eu
shopt -s inherit_errexit  # a failed measurement inside $(...) ends the run
export LC_ALL=C  # $EPOCHREALTIME and awk with a '.' decimal separator
cd "$(dirname "$0")/.."
repeats=${1:-5}
[ "$(id -u)" = 0 ] || { echo "bench-ops: needs root" >&2; exit 1; }
command -v tcpdump >/dev/null || { echo "bench-ops: needs tcpdump" >&2; exit 1; }
[ -n "${EPOCHREALTIME:-}" ] || { echo "bench-ops: needs bash 5 (\$EPOCHREALTIME)" >&2; exit 1; }
theirs=/usr/sbin/keepalived
[ -x "$theirs" ] || { echo "bench-ops: needs Debian's keepalived at $theirs" >&2; exit 1; }
if [ -z "${OURS_BIN:-}" ]; then
    cargo build --release --quiet
    sync  # a freshly written binary's pages are dirty and stay resident; measure it as installed
fi
ours=${OURS_BIN:-$PWD/target/release/keepalived}

. scripts/lab.sh
lab_up "kops$$"
mac2=$(ip -n "$n2" -br link show dev eth0 | awk '{print $3}')

# conf PRIORITY INSTANCES [VI_1's third VIP]
conf() {
    local k
    for k in $(seq 1 "$2"); do
        cat <<EOF
vrrp_instance VI_$k {
    state BACKUP
    interface eth0
    virtual_router_id $k
    priority $1
    advert_int 1
    virtual_ipaddress {
        10.0.$k.1/32
EOF
        [ "$k" != 1 ] || printf '        10.0.1.2/32\n        %s/32\n' "${3:-10.0.1.3}"
        printf '    }\n}\n'
    done
}

# Prefixes every line read with the time it was read.
stamp() { local l; while IFS= read -r l; do printf '%s %s\n' "$EPOCHREALTIME" "$l"; done; }

start() { # ns prog tag conf-file
    rm -f "$dir/$3".*pid "$dir/$3.pid"
    ip netns exec "$1" "$2" -n -l -G -f "$4" -p "$dir/$3.pid" -r "$dir/$3.vrrp.pid" \
        -c "$dir/$3.check.pid" 2>&1 | stamp >"$dir/$3.log" &
    bg+=($!)
    disown
}
monitor() { # ns file: timestamped `ip monitor address`
    ip netns exec "$1" ip monitor address 2>&1 | stamp >"$2" &
    bg+=($!)
    disown
}
pidof_file() { # file: its pid once written (10 s)
    local p
    for _ in $(seq 500); do
        p=$(cat "$1" 2>/dev/null || true)
        [ -n "$p" ] && [ -d "/proc/$p" ] && { echo "$p"; return; }
        sleep 0.02
    done
    echo "bench-ops: no pid in $1" >&2
    return 1
}
# wait_stamp FILE REGEX AFTER TIMEOUT_S: prints the stamp of the first stamped line at or after
# AFTER that matches REGEX.
wait_stamp() {
    local end=$(( ${EPOCHREALTIME%.*} + $4 )) t
    while :; do
        t=$(awk -v a="$3" -v re="$2" '$1 >= a && $0 ~ re { print $1; exit }' "$1" 2>/dev/null)
        [ -z "$t" ] || { echo "$t"; return; }
        [ "${EPOCHREALTIME%.*}" -lt "$end" ] || { echo "bench-ops: no /$2/ in $1" >&2; tail -n 5 "$1" >&2; return 1; }
        sleep 0.01
    done
}
vips_on() { ip -n "$1" -4 -o addr show dev eth0 | grep -c ' 10\.0\.' || true; }
wait_vips() { # ns count timeout_s
    local end=$(( ${EPOCHREALTIME%.*} + $3 ))
    until [ "$(vips_on "$1")" = "$2" ]; do
        [ "${EPOCHREALTIME%.*}" -lt "$end" ] || { echo "bench-ops: $1 has $(vips_on "$1") VIPs, not $2" >&2; return 1; }
        sleep 0.02
    done
}
tree_rss() { # pid: kB of it and every descendant
    local sum c
    sum=$(awk '/^VmRSS/ { print $2 }' "/proc/$1/status")
    for c in $(ps -o pid= --ppid "$1"); do sum=$((sum + $(tree_rss "$c"))); done
    echo "$sum"
}
tree_count() { echo $((1 + $(ps -o pid= --ppid "$1" | wc -l))); }
sub() { awk -v a="$1" -v b="$2" -v f="${3:-1}" 'BEGIN { printf "%.3f\n", (a - b) * f }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f", m }'; }
stop_all() { # kill -9 leaves the VIPs behind: remove them too
    local ns
    for ns in "$n1" "$n2" "$obs"; do kill_ns "$ns"; done
    for ns in "$n1" "$n2"; do ip -n "$ns" -4 addr flush dev eth0 to 10.0.0.0/16; done
}

# One crash of node1's VRRP child: prints "vip_gap takeover(0|1) silence back" in seconds.
crash() { # prog
    local cap="$dir/cap" mon="$dir/mon" t_kill t_end from
    stop_all
    conf 150 1 >"$dir/m.conf"
    conf 100 1 >"$dir/b.conf"
    : >"$cap"
    ip netns exec "$obs" tcpdump -l -n -e -tt -i eth0 'vrrp or arp' >"$cap" 2>"$dir/cap.err" &
    bg+=($!)
    disown
    monitor "$n1" "$mon"
    for _ in $(seq 500); do grep -q "listening on" "$dir/cap.err" 2>/dev/null && break; sleep 0.02; done
    start "$n2" "$1" b "$dir/b.conf"
    start "$n1" "$1" m "$dir/m.conf"
    # Settled: node1 MASTER with its VIPs, node2 has seen its adverts for a while.
    wait_vips "$n1" 3 15
    sleep 1.5
    from=$(( $(wc -l <"$cap") + 1 ))
    until tail -n +"$from" "$cap" | grep -aq "192.0.2.1 > 224.0.0.18.*prio 150"; do sleep 0.01; done
    sleep 0.5
    local vrrp
    vrrp=$(pidof_file "$dir/m.vrrp.pid")
    t_kill=$EPOCHREALTIME
    kill -9 "$vrrp"
    # node2 takes over by 3 x 1 + 156/256 s after node1's last advert; watch past that, then
    # until node1 adverts again with its three VIPs.
    sleep 4.2
    t_end=$(( ${EPOCHREALTIME%.*} + 15 ))
    until [ "$(vips_on "$n1")" = 3 ] && awk -v k="$t_kill" '$1 > k && /192.0.2.1 > 224.0.0.18.*prio 150/ { f = 1 } END { exit !f }' "$cap"; do
        [ "${EPOCHREALTIME%.*}" -lt "$t_end" ] || { echo "bench-ops: node1 not MASTER again" >&2; tail -n 8 "$dir/m.log" >&2; return 1; }
        sleep 0.02
    done
    sleep 0.3  # the stamper's last lines
    stop_all
    # VIP gap: per VIP, first Deleted after the kill -> next add; the longest.
    local gap back_vip
    read -r gap back_vip < <(awk -v k="$t_kill" '$1 > k && / inet 10\.0\./ {
            for (i = 1; i <= NF; i++) if ($i == "inet") a = $(i + 1)
            if ($2 == "Deleted") { if (!(a in del)) del[a] = $1 }
            else if ((a in del) && !(a in add)) add[a] = $1
        } END {
            g = 0; b = 0
            for (a in del) { if (!(a in add)) { g = -1; break } if (add[a] - del[a] > g) g = add[a] - del[a]; if (add[a] > b) b = add[a] }
            printf "%.3f %s\n", g, b
        }' "$mon")
    [ "$gap" != "-1.000" ] || { echo "bench-ops: a VIP deleted and never re-added" >&2; return 1; }
    local takeover last first
    takeover=$(awk -v k="$t_kill" -v m="$mac2" '$1 > k && (/192.0.2.2 > 224.0.0.18/ || index($0, m " > ff:ff:ff:ff:ff:ff") && /who-has/) { n++ } END { print n ? 1 : 0 }' "$cap")
    last=$(awk -v k="$t_kill" '$1 <= k && /192.0.2.1 > 224.0.0.18.*prio 150/ { t = $1 } END { print t }' "$cap")
    first=$(awk -v k="$t_kill" '$1 > k && /192.0.2.1 > 224.0.0.18.*prio 150/ { print $1; exit }' "$cap")
    awk -v g="$gap" -v o="$takeover" -v l="$last" -v f="$first" -v b="$back_vip" -v k="$t_kill" \
        'BEGIN { back = (b > f ? b : f) - k; printf "%s %d %.3f %.3f\n", g, o, f - l, back }'
}

# One start of node1 alone with N instances: prints
# "startup_ms rss_kB processes reload_ms changed_reload_ms deletions applied_ms".
lifecycle() { # prog instances
    local mon="$dir/mon" t0 t parent rss procs r1 r2 dels
    stop_all
    conf 150 "$2" >"$dir/l.conf"
    monitor "$n1" "$mon"
    sleep 0.2  # ip monitor subscribed
    t0=$EPOCHREALTIME
    start "$n1" "$1" l "$dir/l.conf"
    t=$(wait_stamp "$dir/l.log" "Startup complete" "$t0" 20)
    local startup
    startup=$(sub "$t" "$t0" 1000)
    parent=$(pidof_file "$dir/l.pid")
    wait_vips "$n1" $(($2 + 2)) 20
    sleep 0.5
    rss=$(tree_rss "$parent")
    procs=$(tree_count "$parent")
    t0=$EPOCHREALTIME
    kill -HUP "$parent"
    t=$(wait_stamp "$dir/l.log" "Reload complete" "$t0" 20)
    r1=$(sub "$t" "$t0" 1000)
    sleep 0.3
    conf 150 "$2" 10.0.1.4 >"$dir/l.conf"
    t0=$EPOCHREALTIME
    kill -HUP "$parent"
    t=$(wait_stamp "$dir/l.log" "Reload complete" "$t0" 20)
    r2=$(sub "$t" "$t0" 1000)
    wait_stamp "$mon" " inet 10\\.0\\.1\\.4/" "$t0" 10 >/dev/null
    sleep 1  # late removals
    dels=$(awk -v k="$t0" '$1 >= k && $2 == "Deleted" && / inet 10\.0\./' "$mon" | wc -l)
    # Applied: 10.0.1.3 gone and 10.0.1.4 present (keepalived reports "Reload complete" once
    # the file is read, before it removes what the new configuration dropped).
    local applied
    applied=$(awk -v k="$t0" '$1 >= k && / inet 10\.0\.1\.4\// && $2 != "Deleted" && !a { a = $1 }
        $1 >= k && / inet 10\.0\.1\.3\// && $2 == "Deleted" && !d { d = $1 }
        END { if (!d) d = a; printf "%.3f\n", ((a > d ? a : d) - k) * 1000 }' "$mon")
    stop_all
    echo "$startup $rss $procs $r1 $r2 $dels $applied"
}

col() { # values... column: median of that column
    local c=$1; shift
    printf '%s\n' "$@" | awk -v c="$c" '{ print $c }' | median
}
fmt0() { printf '%.0f' "$1"; }
fmt1() { printf '%.1f' "$1"; }

echo "Drop-in operation benchmark: keepalived 2.2.7 vs keepalived-rs, $repeats runs each, median"
echo "(ours: $ours)"
echo

declare -A res
for prog in "$theirs" "$ours"; do
    vals=()
    for _ in $(seq "$repeats"); do vals+=("$(crash "$prog")"); done
    res[crash,$prog]=$(printf '%s\n' "${vals[@]}")
done
echo "VRRP child kill -9 on the MASTER (node1 150 / node2 100, VRRPv2 advert 1 s, 3 VIPs)"
echo
echo "| metric | keepalived | ours |"
echo "|---|---|---|"
row() { # label column [count]
    local a b
    mapfile -t A <<<"${res[crash,$theirs]}"
    mapfile -t B <<<"${res[crash,$ours]}"
    if [ "${3:-}" = count ]; then
        a="$(printf '%s\n' "${A[@]}" | awk -v c="$2" '{ n += $c } END { printf "%d/%d", n, NR }')"
        b="$(printf '%s\n' "${B[@]}" | awk -v c="$2" '{ n += $c } END { printf "%d/%d", n, NR }')"
    else
        a="$(col "$2" "${A[@]}")"
        b="$(col "$2" "${B[@]}")"
    fi
    echo "| $1 | $a | $b |"
}
row "VIPs absent from node1 (s)" 1
row "runs where node2 took over" 2 count
row "node1 silent on the wire (s, last advert -> next)" 3
row "kill -> node1 MASTER with VIPs again (s)" 4
echo

for n in 1 100; do
    for prog in "$theirs" "$ours"; do
        vals=()
        for _ in $(seq "$repeats"); do vals+=("$(lifecycle "$prog" "$n")"); done
        res[life,$n,$prog]=$(printf '%s\n' "${vals[@]}")
    done
done
life() { # n prog column
    local -a V
    mapfile -t V <<<"${res[life,$1,$2]}"
    col "$3" "${V[@]}"
}
echo "Reload (SIGHUP to the parent -> \"Reload complete\"), instances all MASTER"
echo
echo "| metric | keepalived | ours |"
echo "|---|---|---|"
for n in 1 100; do
    echo "| $n instance(s), file unchanged (ms) | $(fmt1 "$(life "$n" "$theirs" 4)") | $(fmt1 "$(life "$n" "$ours" 4)") |"
done
for n in 1 100; do
    echo "| $n instance(s), one of VI_1's 3 VIPs changed (ms) | $(fmt1 "$(life "$n" "$theirs" 5)") | $(fmt1 "$(life "$n" "$ours" 5)") |"
done
for n in 1 100; do
    echo "| $n instance(s), SIGHUP -> that VIP change on eth0 (ms) | $(fmt1 "$(life "$n" "$theirs" 7)") | $(fmt1 "$(life "$n" "$ours" 7)") |"
done
for n in 1 100; do
    echo "| $n instance(s), VIP deletions for that change | $(fmt0 "$(life "$n" "$theirs" 6)") | $(fmt0 "$(life "$n" "$ours" 6)") |"
done
echo
echo "Startup (exec -> \"Startup complete\") and memory once every instance is MASTER"
echo
echo "| metric | keepalived | ours |"
echo "|---|---|---|"
for n in 1 100; do
    echo "| $n instance(s), startup (ms) | $(fmt1 "$(life "$n" "$theirs" 1)") | $(fmt1 "$(life "$n" "$ours" 1)") |"
done
for n in 1 100; do
    echo "| $n instance(s), RSS of all processes (kB) | $(fmt0 "$(life "$n" "$theirs" 2)") | $(fmt0 "$(life "$n" "$ours" 2)") |"
    echo "| $n instance(s), processes | $(fmt0 "$(life "$n" "$theirs" 3)") | $(fmt0 "$(life "$n" "$ours" 3)") |"
done
