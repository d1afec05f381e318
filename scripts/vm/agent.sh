#!/bin/bash
# agent.sh PORT: the guest side of tests/support/vm.rs, started by the image's /init.
#
# Serves requests from the host on the virtio serial port PORT until the host closes it.
# Every request is a 256-byte header (ASCII words, space padded), then a payload:
#   RUN <len> <timeout-secs>       payload: a bash script, run as root in /root with stdin
#                                  /dev/null, in its own process group, killed (the whole
#                                  group) at the timeout
#   PUT <len> <octal-mode> <path>  payload: the file's bytes, written atomically to <path>
#   EXIT                           power off
# Every answer is a 64-byte header `OK <status> <out-len> <err-len> <timed-out 0|1>`, then
# the stdout bytes, then the stderr bytes. At start the agent sends `READY <kernel>`.
#
# Speed matters under emulation, where a fork costs ~10 ms and an exec of bash ~50 ms: a
# script runs in a forked subshell (no exec), and the agent itself uses only builtins,
# including bash's loadable ones (stat, tee, rm, sleep, setpgid from bash-builtins).
set -u
REQUEST=256
for b in stat tee rm sleep setpgid; do enable -f "/usr/lib/bash/$b" "$b" || exit 1; done
exec 3<>"$1"
d=/run/kars
mkdir -p "$d" /kars/tmp
: >"$d/deadline"

# The watchdog: once a second, kills the running group whose deadline has passed. One
# long-lived loop of builtins costs less than a timer process per request.
(
  exec 3>&-
  while sleep 0.5; do
    read -r pid end <"$d/deadline" || continue
    if [ -n "${end:-}" ] && ((EPOCHSECONDS >= end)); then
      echo 1 >"$d/timed-out"
      : >"$d/deadline"
      kill -KILL -- "-$pid" 2>/dev/null
    fi
  done
) &
KARS_KEEP="$$ $!"   # the processes reset must spare (with pid 1 and itself)

# readn N FILE: copy exactly N bytes from the port into FILE.
readn() {
  if [ "$1" = 0 ]; then : >"$2"; else
    dd bs=65536 count="$1" iflag=fullblock,count_bytes 2>/dev/null <&3 >"$2"
  fi
}

# answer STATUS TIMED-OUT: send the header, stdout and stderr of the last request.
answer() {
  stat -A O "$d/out" && stat -A E "$d/err"
  printf '%-64s' "OK $1 ${O[size]} ${E[size]} $2" >&3
  tee <"$d/out" >&3 && tee <"$d/err" >&3
}

# run: the script, in a subshell rid of the agent's builtins, functions and port.
run() {
  exec 3>&- </dev/null >"$d/out" 2>"$d/err"
  setpgid "$BASHPID" "$BASHPID"
  enable -d stat tee rm sleep setpgid
  unset -f readn answer run
  unset hdr verb len arg path script pid rc O E
  set +u
  cd /root && . "$d/cmd"
}

printf '%-64s' "READY $(uname -r)" >&3
while :; do
  IFS= read -r -N "$REQUEST" -u 3 hdr 2>/dev/null || break
  read -r verb len arg path <<<"$hdr"
  # New files each time: a daemon started earlier may still hold the previous ones open.
  rm -f "$d/out" "$d/err"
  : >"$d/out"
  : >"$d/err"
  : >"$d/timed-out"
  case ${verb:-} in
    RUN)
      # Small scripts are read by the builtin (a byte per read call, no exec).
      if ((len <= 16384)); then
        IFS= read -r -N "$len" -u 3 script
        printf '%s' "$script" >"$d/cmd"
      else
        readn "$len" "$d/cmd"
      fi
      run &
      pid=$!
      echo "$pid $((EPOCHSECONDS + arg))" >"$d/deadline"
      wait "$pid"
      rc=$?
      : >"$d/deadline"
      read -r t <"$d/timed-out" || t=0
      answer "$rc" "${t:-0}"
      ;;
    PUT)
      tmp=/kars/tmp/put.$$
      readn "$len" "$tmp"
      if mkdir -p "${path%/*}/" 2>"$d/err" && chmod "$arg" "$tmp" 2>>"$d/err" &&
        mv -f "$tmp" "$path" 2>>"$d/err"; then
        answer 0 0
      else
        rm -f "$tmp"
        answer 1 0
      fi
      ;;
    EXIT | '') break ;;
    *)
      echo "agent: bad request: $hdr" >"$d/err"
      answer 2 0
      ;;
  esac
done
