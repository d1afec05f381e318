#!/bin/bash
# IPVS benchmark: Debian's keepalived 2.2.7 and keepalived-rs in the same QEMU guest (the
# project's image, scripts/vm/build-image.sh), one boot running the whole benchmark.
#
#   first    time from the daemon's start to the first service in the kernel (start-up and
#            reading the config: the part of "program" before any programming)
#   program  time from the daemon's start to the kernel table holding all 1,000 virtual servers
#            x 10 real servers (TCP_CHECKs at blackholed real servers with a long
#            connect_timeout, so every real server stays in the pool as it starts: alpha off);
#            program_only: from the first service in the table to all of them (the
#            programming itself, without start-up and reading the config)
#   reload   time from SIGHUP to the table equal to a config where 1% of the real servers
#            changed (port 8080 -> 8081 of one real server in each of the first 100 services)
#   rss      RSS of the checker child with the 10,000 real servers programmed, in the steady
#            state (SETTLE_SECS, default 5, after the table is complete)
#   cpu      CPU time (utime + stime) of the checker child over CPU_SECS (default 60) s with
#            500 x 10 = 5,000 TCP_CHECKs at delay_loop 1 against listeners in the guest
#            (50 addresses on a dummy interface x 100 ports, scripts/vm/bench-listener.c),
#            and its RSS at the end
# Emulation (TCG) slows both daemons alike: compare the ratios, not the absolute times.
# Both daemons log through syslog (a small /dev/log reader, scripts/vm/bench-syslog.c), as in
# production; after each run the log's phases (first/last line of each kind, seconds after
# the start or the SIGHUP) are printed, which shows where each daemon spends its time.
#
# Usage: scripts/bench-ipvs.sh [REPEATS (default 3)]; medians over REPEATS.
# Environment: OURS_BIN (default: cargo build --release), THEIRS_BIN (default
# /usr/sbin/keepalived), CPU_SECS, KARS_VM_CACHE / KARS_VM_MEM / KARS_VM_SMP / KARS_VM_ACCEL
# as for the tests (scripts/vm/README.md), BENCH_TIMEOUT (whole guest run, default 3600 s),
# BENCH_KEEP=1 keeps the work directory (guest output in guest.out), BENCH_SMAPS=1 prints
# where each checker child's resident memory is (the largest mappings) where RSS is read.
# Needs qemu-system-x86, gcc (static libc) and /usr/sbin/keepalived on the host.
set -euo pipefail
cd "$(dirname "$0")/.."
repeats=${1:-3}
cpu_secs=${CPU_SECS:-60}
theirs=${THEIRS_BIN:-/usr/sbin/keepalived}
[ -x "$theirs" ] || { echo "bench-ipvs: needs Debian's keepalived at $theirs" >&2; exit 1; }
command -v gcc >/dev/null || { echo "bench-ipvs: needs gcc" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null || { echo "bench-ipvs: needs qemu-system-x86_64" >&2; exit 1; }
if [ -z "${OURS_BIN:-}" ]; then
  cargo build --release --quiet --bin keepalived
  OURS_BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/keepalived
fi
scripts/vm/build-image.sh
CACHE=${KARS_VM_CACHE:-$HOME/.cache/keepalived-rs-vm}

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-ipvs.XXXXXX")
[ "${BENCH_KEEP:-0}" = 1 ] && echo "bench-ipvs: work directory $work" >&2 || trap 'rm -rf "$work"' EXIT
X=$work/extra   # unpacked over the base image; same top-level links as the base
mkdir -p "$X/bench" "$X/usr/bin" "$X/usr/lib" "$X/usr/lib64"
ln -s usr/bin "$X/bin"; ln -s usr/bin "$X/sbin"; ln -s usr/lib "$X/lib"; ln -s usr/lib64 "$X/lib64"
ln -s bin "$X/usr/sbin"

# add_elf HOST GUEST: a program and the shared libraries the base image lacks.
add_elf() {
  cp -L "$1" "$X$2"
  ldd "$1" 2>/dev/null | grep -oE '/[^ ]+' | while read -r lib; do
    case $lib in /lib/* | /lib64/*) grep -qxF "/usr$lib" "$CACHE/base.files" && continue ;; esac
    grep -qxF "$lib" "$CACHE/base.files" && continue
    [ -e "$X$lib" ] || { mkdir -p "$X$(dirname "$lib")"; cp -L "$lib" "$X$lib"; }
  done || true
}
add_elf "$theirs" /bench/theirs
add_elf "$OURS_BIN" /bench/ours
gcc -static -O2 -o "$X/bench/listener" scripts/vm/bench-listener.c
gcc -static -O2 -o "$X/bench/syslog" scripts/vm/bench-syslog.c
gcc -static -O2 -o "$X/bench/wait" scripts/vm/bench-wait.c 2>/dev/null

# ------------------------------------------------------------------ configs
# conf VS RS DELAY_LOOP CONNECT_TIMEOUT CHANGED: VS services 10.1.x.y:80 (wrr, NAT) with RS
# real servers each; RS_ADDR/RS_PORT are awk expressions of v (service) and r (real server).
gen() {
  awk -v vs="$1" -v rs="$2" -v dl="$3" -v ct="$4" -v changed="$5" -v mode="$6" 'BEGIN {
    print "global_defs {\n    router_id BENCH\n}"
    for (v = 0; v < vs; v++) {
      printf "virtual_server 10.1.%d.%d 80 {\n    delay_loop %d\n    lb_algo wrr\n    lb_kind NAT\n    protocol TCP\n", int(v / 250), v % 250 + 1, dl
      for (r = 0; r < rs; r++) {
        if (mode == "cpu") { addr = sprintf("10.3.0.%d", v % 50 + 1); port = 10001 + int(v / 50) * 10 + r }
        else { addr = sprintf("10.2.%d.%d", int(v / 25), (v % 25) * 10 + r + 1); port = (v < changed && r == rs - 1) ? 8081 : 8080 }
        printf "    real_server %s %d {\n        weight 1\n        TCP_CHECK {\n            connect_timeout %d\n        }\n    }\n", addr, port, ct
      }
      print "}"
    }
  }'
}
VS=${BENCH_VS:-1000} CPU_VS=${BENCH_CPU_VS:-500}   # smaller for a smoke test
CHANGED=$((VS / 10))   # one real server of ten in as many services: 1% of them
gen "$VS" 10 60 600 0 big > "$X/bench/big.conf"
gen "$VS" 10 60 600 "$CHANGED" big > "$X/bench/big-reload.conf"
gen "$CPU_VS" 10 1 2 0 cpu > "$X/bench/cpu.conf"

# ------------------------------------------------------------------ guest side
cat > "$X/bench/init" <<'INIT'
#!/bin/sh
# rdinit of the benchmark boot: the base image's /init without the agent; runs
# /bench/run.sh with its output on the virtio port "bench.out", then powers off.
export PATH=/usr/bin HOME=/root TERM=dumb LC_ALL=C
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm; mount -t devpts devpts /dev/pts; mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run; mkdir -p /run/netns
while read -r mod args; do insmod "$mod" $args || echo "bench: insmod $mod failed"; done < /etc/kars-modules
ip link set lo up; hostname kars-vm
port=/dev/console
for d in /sys/class/virtio-ports/*; do
  [ "$(cat "$d/name" 2>/dev/null)" = bench.out ] && port=/dev/${d##*/}
done
bash /bench/run.sh > "$port" 2>&1
echo "@@BENCH-EXIT=$?@@" > "$port"
poweroff -f
INIT
chmod +x "$X/bench/init"

cat > "$X/bench/run.sh" <<RUNHEAD
REPEATS=$repeats
CPU_SECS=$cpu_secs
VS=$VS
CPU_VS=$CPU_VS
CHANGED=$CHANGED
SETTLE_SECS=${SETTLE_SECS:-5}
SMAPS=${BENCH_SMAPS:-0}
RUNHEAD
cat >> "$X/bench/run.sh" <<'RUN'
# Prints "RESULT <metric> <theirs|ours> <value>" lines for the host to tabulate.
set -u
enable -f /usr/lib/bash/sleep sleep
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)
log() { echo "bench: $*"; }
now() { echo "${EPOCHREALTIME/./}"; }   # microseconds
lines() { wc -l < /proc/net/ip_vs; }

# wait_for SECONDS CONDITION...: poll the condition every 20 ms; fails at the deadline.
wait_for() {
  local end=$(( $(now) + $1 * 1000000 )); shift
  until "$@"; do
    (( $(now) < end )) || return 1
    sleep 0.02
  done
}
# vs_addr V: sets $addr to the address of the V-th virtual server (0-based) of the generated
# configs (no command substitution: under emulation every fork costs 50 to 100 ms).
vs_addr() { addr=10.1.$(( $1 / 250 )).$(( $1 % 250 + 1 )); }
# The table waits ask the kernel about one service over netlink (scripts/vm/bench-wait.c), from
# a waiter started before the event: polling /proc/net/ip_vs, let alone with wc in a shell
# loop, would take the guest's CPU from the daemon being timed. Both daemons program in the
# configuration's order, so the last service complete means the table is; that is then
# checked once on the whole table (and polled, should a daemon ever use another order).
# waiter NAME ARGS...: starts a waiter; its time of success lands in /run/NAME.
waiter() { local n=$1; shift; /bench/wait 900000 "$@" > "/run/$n" & eval "${n}_pid=$!"; }
# waited NAME: waits for that waiter; sets $at to its time (microseconds), fails if it failed.
waited() { local p; eval "p=\$${1}_pid"; wait "$p" || return 1; read -r at < "/run/$1"; }
# table_is CONDITION: checks the whole table; if it is not there yet, polls and moves $at to
# the time it is.
table_is() { eval "$1" || { wait_for 900 eval "$1" && at=${EPOCHREALTIME/./}; }; }
gone() { ! kill -0 "$main" 2>/dev/null; }

# child_of: the checker child of the watchdog parent $PARENT.
child_of() {
  local f s pid
  for f in /proc/[0-9]*/stat; do
    read -r s < "$f" 2>/dev/null || continue
    pid=${s%% *}; s=${s##*) }; set -- $s
    [ "$2" = "$PARENT" ] && { echo "$pid"; return; }
  done
}
cpu_ticks() { local s; read -r s < "/proc/$1/stat"; s=${s##*) }; set -- $s; echo $(( ${12} + ${13} )); }
rss_kb() {
  [ "$SMAPS" = 1 ] && awk -v who="$impl" '/^[0-9a-f]+-[0-9a-f]+ / { name = $6 " " $2 }
    /^(Rss|Anonymous):/ { v[name] += $2; k[name] = k[name] " " $1 $2 }
    END { for (n in v) if (v[n] >= 64) print "SMAPS " who " " n k[n] }' "/proc/$1/smaps" | sort -t: -k2 -rn >&2
  awk '/^VmRSS/ { print $2 }' "/proc/$1/status"
}

# The syslog daemon: both daemons log as in production, through /dev/log, to
# /run/IMPL.log (restarted for each daemon), each line stamped with its arrival time.
syslogd_pid=
syslog_to() {
  [ -n "$syslogd_pid" ] && { kill "$syslogd_pid"; wait "$syslogd_pid" 2>/dev/null; }
  # Not on the output port: the virtio port opens once, and /bench/init writes the exit code.
  /bench/syslog /dev/log "/run/$1.log" < /dev/null > /dev/null 2>&1 &
  syslogd_pid=$!
  wait_for 10 test -S /dev/log
}
mark() { logger "MARK $*"; }
# prepare IMPL CONF, then launch IMPL: the daemon (checker child only). Timings start between
# the two, so that copying the file is not timed.
prepare() {
  cp "$2" /run/active.conf
  mark "start $2"
}
launch() {
  "/bench/$1" -f /run/active.conf -C -n -p "/run/$1.pid" -c "/run/$1-check.pid" >> "/run/$1.out" 2>&1 &
  main=$!
}
stop() {
  kill -TERM "$main" 2>/dev/null
  wait_for 600 gone || { log "$impl did not stop: kill -9"; kill -KILL "$main"; }
  wait "$main" 2>/dev/null
  ipvsadm -C
}
result() { echo "RESULT $1 $impl $2"; }
# phases IMPL: where the time went, from the syslog stamps (first and last line of each kind
# of message after each MARK), so that a slow phase shows without a profiler in the guest.
phases() {
  log "$1: log phases (seconds after the mark; count, first, last)"
  awk '
    function flush(   i, k) { for (i = 1; i <= n; i++) { k = order[i]; printf "    %-70.70s %6d %8.3f %8.3f\n", k, cnt[k], first[k], last[k] } }
    { t = $1; m = $0; sub(/^[^ ]+ <[0-9]+>[A-Z][a-z]+ +[0-9]+ [0-9:]+ /, "", m)
      if (m ~ /MARK /) { flush(); base = t; sub(/.*MARK /, "", m); print "  MARK " m; split("", seen); split("", cnt); n = 0; next }
      sub(/\[[0-9]+\]: /, ": ", m); k = m; sub(/[[(0-9].*/, "", k)
      if (!(k in seen)) { seen[k] = 1; order[++n] = k; first[k] = t - base }
      cnt[k]++; last[k] = t - base }
    END { flush() }' "/run/$1.log"
}
ms() { echo $(( ($2 - $1) / 1000 )); }

# One run, in a network namespace of its own (run.sh one MODE IMPL): IPVS keeps deleted
# destinations in a trash list for minutes, and every later addition walks that list, so a
# run after another one in the same namespace would pay for the earlier run's table.
if [ "${1:-}" = one ]; then
  mode=$2 impl=$3
  ip link set lo up
  if [ "$mode" = big ]; then
    # Real servers: blackholed (a SYN into a dummy device is dropped), so a check neither
    # succeeds nor fails within connect_timeout 600.
    ip link add bh type dummy && ip link set bh up && ip route add 10.2.0.0/16 dev bh
    want=$((3 + VS * 11))
    prepare "$impl" /bench/big.conf
    vs_addr 0; waiter first "$addr" 80 1
    vs_addr $(( VS - 1 )); waiter last "$addr" 80 10
    sleep 0.5   # the waiters' own start-up is not timed
    t0=${EPOCHREALTIME/./}; launch "$impl"
    # the first real server in the kernel: start-up and config reading, before programming
    waited first && { tf=$at; result first "$(ms "$t0" "$tf")"; }
    if waited last && table_is '[ "$(lines)" -ge "$want" ]'; then
      result program "$(ms "$t0" "$at")"; result program_only "$(ms "$tf" "$at")"
    else
      log "$impl: table incomplete ($(lines) lines)"
    fi
    # The steady state: start-up's transient memory (the reader, the commands) is not what a
    # load balancer keeps, and neither daemon gives it back at once.
    sleep "$SETTLE_SECS"
    PARENT=$main; kid=$(child_of)
    [ -n "$kid" ] && result rss10k "$(rss_kb "$kid")"
    cp /bench/big-reload.conf /run/active.conf
    mark "reload"
    vs_addr $(( CHANGED - 1 )); waiter changed "$addr" 80 10 8081
    sleep 0.5
    t0=${EPOCHREALTIME/./}; kill -HUP "$main"
    if waited changed && table_is '[ "$(lines)" -eq "$want" ] && [ "$(grep -c ":1F91 " /proc/net/ip_vs)" -eq "$CHANGED" ]'; then
      result reload "$(ms "$t0" "$at")"
    else
      log "$impl: reload not applied ($(lines) lines)"
    fi
    mark "reloaded"
    stop
  else
    # Real servers: 50 local addresses, 100 listening ports.
    ip link add rs type dummy && ip link set rs up
    for i in $(seq 1 50); do ip addr add "10.3.0.$i/32" dev rs; done
    /bench/listener 10001 100 &
    listener=$!
    want=$((3 + CPU_VS * 11))
    prepare "$impl" /bench/cpu.conf
    vs_addr $(( CPU_VS - 1 )); waiter last "$addr" 80 10
    launch "$impl"
    waited last || log "$impl: cpu table incomplete ($(lines) lines)"
    sleep 5   # past the first round of checks
    PARENT=$main; kid=$(child_of)
    if [ -n "$kid" ]; then
      a=$(cpu_ticks "$kid"); sleep "$CPU_SECS"; b=$(cpu_ticks "$kid")
      result cpu "$(( (b - a) * 1000 / HZ ))"
      result rss5k "$(rss_kb "$kid")"
      result cpu_pool "$(( $(lines) - 3 - CPU_VS ))"
    else
      log "$impl: no checker child"
    fi
    stop
    kill "$listener"
  fi
  exit 0
fi

log "kernel $(uname -r), $(nproc) CPU(s), HZ $HZ"
# idle: the share of idle CPU time over the last second, in percent.
idle() {
  local a b
  read -r a < /proc/stat; sleep 1; read -r b < /proc/stat
  set -- $a; local t1=$(( $2 + $3 + $4 + $5 + $6 + $7 + $8 )) i1=$5
  set -- $b; local t2=$(( $2 + $3 + $4 + $5 + $6 + $7 + $8 )) i2=$5
  echo $(( (i2 - i1) * 100 / (t2 - t1 + 1) ))
}
# quiet: before each run, until the guest is idle (the previous namespace's cleanup and its
# TIME_WAIT sockets done, at most 120 s), so that no run pays for another's leftovers.
quiet() { wait_for 120 eval '[ "$(idle)" -ge 90 ]' || log "guest still busy before the next run"; }
# order REP: the two daemons, in turns first (so that neither always runs after the other).
order() { if (( $1 % 2 )); then echo theirs ours; else echo ours theirs; fi; }
# run MODE IMPL REP: one run in a fresh namespace.
run() {
  local ns="bench-$1-$2-$3"
  quiet
  log "repeat $3: $2, $1"
  syslog_to "$2"
  ip netns add "$ns"
  IMPL=$2 ip netns exec "$ns" bash /bench/run.sh one "$1" "$2"
  ip netns del "$ns"
}

# Programming and reload: every repeat of both daemons, before any CPU run.
for rep in $(seq 1 "$REPEATS"); do
  for impl in $(order "$rep"); do run big "$impl" "$rep"; phases "$impl"; done
done
# Checker CPU and memory.
for rep in $(seq 1 "$REPEATS"); do
  for impl in $(order "$rep"); do run cpu "$impl" "$rep"; done
done
kill "$syslogd_pid"
for impl in theirs ours; do log "--- $impl log (tail)"; tail -n 5 "/run/$impl.log"; done
RUN

# ------------------------------------------------------------------ boot
(cd "$X" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$work/extra.cpio"
cat "$CACHE/base.cpio" "$work/extra.cpio" > "$work/initrd.cpio"
accel=${KARS_VM_ACCEL:-}
if [ -z "$accel" ]; then
  accel=tcg
  [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ ! -d /sys/module/kvm_pvm ] && accel=kvm
fi
cpu=max; [ "$accel" = kvm ] && cpu=host
bios=(); [ -f /usr/share/qemu/bios-microvm.bin ] && bios=(-bios /usr/share/qemu/bios-microvm.bin)
echo "bench-ipvs: booting ($accel, $repeats repeat(s), cpu ${cpu_secs} s)" >&2
: > "$work/guest.out"
# shellcheck disable=SC2054  # commas belong to qemu option values
timeout -k 5 "${BENCH_TIMEOUT:-3600}" qemu-system-x86_64 -M pc "${bios[@]}" -accel "$accel" -cpu "$cpu" \
  -m "${KARS_VM_MEM:-2048}" -smp "${KARS_VM_SMP:-1}" -nodefaults -no-user-config -display none -no-reboot \
  -serial "file:$work/console.log" \
  -chardev "file,id=out,path=$work/guest.out" \
  -device virtio-serial-pci -device virtserialport,chardev=out,name=bench.out \
  -kernel "$CACHE/vmlinux" -initrd "$work/initrd.cpio" \
  -append "console=ttyS0 panic=-1 quiet cryptomgr.notests rodata=off rdinit=/bench/init" \
  </dev/null >/dev/null 2>"$work/qemu.err" || true
grep -v '^RESULT ' "$work/guest.out" | grep -v '^@@BENCH-EXIT' >&2 || true
grep -q '^@@BENCH-EXIT=0@@' "$work/guest.out" ||
  { echo "bench-ipvs: the guest run failed"; tail -20 "$work/console.log" "$work/qemu.err"; exit 1; } >&2

# ------------------------------------------------------------------ tables
median() { sort -n | awk '{ v[NR] = $1 } END { if (!NR) { print "-"; exit } m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%g", m }'; }
val() { awk -v m="$1" -v i="$2" '$1 == "RESULT" && $2 == m && $3 == i { print $4 }' "$work/guest.out" | median; }
row() { # label metric unit divisor
  local a b
  a=$(val "$2" theirs); b=$(val "$2" ours)
  awk -v l="$1" -v a="$a" -v b="$b" -v u="$3" -v d="$4" 'BEGIN {
    r = (a != "-" && b != "-" && b > 0) ? sprintf("%.2f", a / b) : "-"
    f = (u == "") ? "%d%s" : "%.2f %s"
    fa = (a == "-") ? "-" : sprintf(f, a / d, u); fb = (b == "-") ? "-" : sprintf(f, b / d, u)
    printf "| %-44s | %14s | %14s | %12s |\n", l, fa, fb, r }'
}
echo
echo "IPVS benchmark, QEMU guest ($accel), median of $repeats; ratio = keepalived / ours (> 1: ours better)"
echo
printf '| %-44s | %14s | %14s | %12s |\n' "measure" "keepalived" "ours" "ratio"
printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..46})" "$(printf -- '-%.0s' {1..16})" "$(printf -- '-%.0s' {1..16})" "$(printf -- '-%.0s' {1..14})"
row "first real server in the table after start" first s 1000
row "program $VS x 10 at start (from exec)" program s 1000
row "program $VS x 10 (first service to all)" program_only s 1000
row "reload changing 1% of real servers" reload s 1000
row "checker RSS, $VS x 10" rss10k MiB 1024
row "checker CPU, $((CPU_VS * 10)) TCP_CHECK, ${cpu_secs} s" cpu s 1000
row "checker RSS, $((CPU_VS * 10)) TCP_CHECK" rss5k MiB 1024
row "real servers up at the end (of $((CPU_VS * 10)))" cpu_pool "" 1
