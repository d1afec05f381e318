#!/bin/bash
# The main job: a self-contained VRRP failover demo in network namespaces.
#
# Two nodes running keepalived-rs (node1 priority 150, node2 priority 100) share a bridge in a
# "switch" namespace; an observer namespace captures VRRP and ARP frames. The script prints the
# timeline: election, VIP up, gratuitous ARPs, master killed with kill -9, backup takes over.
# Everything it creates is removed on exit, whatever happens.
set -eu
cd "$(dirname "$0")/.."
if [ "$(id -u)" != 0 ]; then
    echo "demo: needs root (it creates network namespaces)" >&2
    exit 1
fi
for tool in ip tcpdump; do
    command -v "$tool" >/dev/null || { echo "demo: needs $tool (apt-get install -y iproute2 tcpdump)" >&2; exit 1; }
done
cargo build --release --quiet
bin=$PWD/target/release/keepalived

. scripts/lab.sh
lab_up "kdemo$$"
vip=192.0.2.100

conf() { # priority
    cat <<EOF
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority $1
    advert_int 1
    garp_master_delay 2
    virtual_ipaddress {
        $vip/24
    }
}
EOF
}
conf 150 >"$dir/node1.conf"
conf 100 >"$dir/node2.conf"

T0=$EPOCHREALTIME
stamp() { # prefix [strip]: prints "EPOCH prefix line" for each input line; with strip, drops
           # keepalived's console time stamp ("Sat Nov 21 01:14:14 2026: ")
    while IFS= read -r line; do
        [ -n "${2:-}" ] && [[ $line =~ ^[A-Z][a-z]{2}\ [A-Z][a-z]{2}\ [\ 0-9][0-9]\ [0-9:]{8}\ [0-9]{4}:\  ]] && line=${line:26}
        printf '%s %s %s\n' "$EPOCHREALTIME" "$1" "$line"
    done
}
events="$dir/events"
: >"$events"

ip netns exec "$obs" tcpdump -l -n -e -i eth0 'vrrp or arp' 2>"$dir/tcpdump.err" | stamp "observer:" >>"$events" &
bg+=($!)
disown
for _ in $(seq 100); do grep -q "listening on" "$dir/tcpdump.err" 2>/dev/null && break; sleep 0.05; done

start() { # node-ns name
    ip netns exec "$1" "$bin" -n -l -D -f "$dir/$2.conf" -p "$dir/$2.pid" -r "$dir/$2.vrrp.pid" \
        -c "$dir/$2.check.pid" 2>&1 | stamp "$2:" strip >>"$events" &
    bg+=($!)
    disown
}
start "$n1" node1
start "$n2" node2

# wait_for PATTERN TIMEOUT_S: blocks until a line matching PATTERN is in the event log.
wait_for() {
    local end=$(( $(date +%s) + $2 ))
    until grep -q -- "$1" "$events"; do
        [ "$(date +%s)" -le "$end" ] || { echo "demo: timed out waiting for: $1" >&2; cat "$events" >&2; exit 1; }
        sleep 0.05
    done
}
wait_for "node1: (VI_1) Entering MASTER STATE" 15
wait_for "observer:.*Request who-has $vip" 5
ip -n "$n1" -br addr show dev eth0 | grep -q "$vip" || { echo "demo: VIP not on node1" >&2; exit 1; }
echo "$EPOCHREALTIME demo: VIP $vip is on node1 ($(ip -n "$n1" -br addr show dev eth0 | awk '{print $3, $4}'))" >>"$events"
sleep 2.5   # let the delayed GARP batch and a few adverts show

pids=$(ip netns pids "$n1" | tr '\n' ' ')
echo "$EPOCHREALTIME demo: node1 crashes: kill -9 of its keepalived parent and VRRP child (pids $pids)" >>"$events"
kill -9 $pids
wait_for "node2: (VI_1) Entering MASTER STATE" 10
mac2=$(ip -n "$n2" -br link show dev eth0 | awk '{print $3}')
wait_for "observer:.*$mac2.*Request who-has $vip" 5
ip -n "$n2" -br addr show dev eth0 | grep -q "$vip" || { echo "demo: VIP not on node2" >&2; exit 1; }
echo "$EPOCHREALTIME demo: VIP $vip is on node2" >>"$events"

echo "Failover timeline (seconds since start): node logs, frames seen by the observer, demo steps"
echo "node1 = priority 150 on 192.0.2.1, node2 = priority 100 on 192.0.2.2, VIP $vip"
awk -v t0="$T0" -v mac1="$(ip -n "$n1" -br link show dev eth0 | awk '{print $3}')" '
    function flush() {
        if (garps) printf "  +%7.3f observer: %d gratuitous ARPs \"who-has %s tell %s\" from %s\n", gt, garps, gvip, gvip, gwho
        garps = 0
    }
    {
        t = $1 - t0; who = $2; $1 = ""; $2 = ""; text = substr($0, 3)
        if (who == "observer:") {
            if (text ~ /Request who-has/) {
                src = ($2 == "" ? "" : text); split(text, w, " "); mac = w[2]
                n = split(text, v, " "); vip = ""
                for (i = 1; i <= n; i++) if (v[i] == "who-has") vip = v[i + 1]
                if (!garps || mac != gmac) { flush(); gt = t; gmac = mac; gvip = vip; gwho = (mac == mac1 ? "node1" : "node2") }
                garps++
                next
            }
            flush()
            if (text ~ /VRRPv/) {
                match(text, /[0-9.]+ > 224\.0\.0\.18/); src = substr(text, RSTART, RLENGTH)
                match(text, /prio [0-9]+/); prio = substr(text, RSTART, RLENGTH)
                key = src " " prio
                if (key == last && !/prio 0,/) { adverts++; next }
                if (adverts) printf "  %8s observer:   ... %d more adverts like it, one per second\n", "", adverts
                adverts = 0; last = key
                printf "  +%7.3f observer: VRRP advert %s, %s\n", t, src, prio
            }
            next
        }
        flush()
        if (text ~ /Sending gratuitous ARP on|Sending\/queueing|Registering|sockpool|Opening file|\.conf/) next
        if (adverts) printf "  %8s observer:   ... %d more adverts like it, one per second\n", "", adverts
        adverts = 0; last = ""
        printf "  +%7.3f %-9s %s\n", t, who, text
    }
    END { flush(); if (adverts) printf "  %8s observer:   ... %d more adverts like it, one per second\n", "", adverts }
' "$events"
echo "demo: failover complete; cleaning up"
