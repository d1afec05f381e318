#!/bin/bash
# agent.sh PORT: the guest side of tests/support/vm.rs, started by the image's /init.
#
# Serves requests from the host on the virtio serial port PORT until the host closes it.
# Every request is a 256-byte header (ASCII words, space padded), then a payload:
#   RUN <len> <timeout-secs>    payload: a bash script, run as root in /root, stdin /dev/null,
#                               in its own session; killed (the whole session) at the timeout
#   PUT <len> <octal-mode> <path>  payload: the file's bytes, written atomically to <path>
#   EXIT                        power off
# Every answer is a 64-byte header `OK <status> <out-len> <err-len> <timed-out 0|1>`, then
# the stdout bytes, then the stderr bytes. At start the agent sends `READY <kernel>`.
# Payloads are read with dd in whole blocks, so binary data passes unchanged.
set -u
exec 3<>"$1"
d=/run/kars
mkdir -p "$d" /kars/tmp

# readn N FILE: copy exactly N bytes from the port into FILE.
readn() {
  if [ "$1" = 0 ]; then : >"$2"; else
    dd bs=65536 count="$1" iflag=fullblock,count_bytes 2>/dev/null <&3 >"$2"
  fi
}

# answer STATUS TIMED-OUT: send the header, stdout and stderr of the last request.
answer() {
  local ol el
  ol=$(stat -c %s "$d/out") el=$(stat -c %s "$d/err")
  { printf '%-64s' "OK $1 $ol $el $2"; cat "$d/out" "$d/err"; } >&3
}

printf '%-64s' "READY $(uname -r)" >&3
while :; do
  hdr=$(dd bs=256 count=1 iflag=fullblock 2>/dev/null <&3) || break
  read -r verb len arg path <<<"$hdr"
  # New files each time: a daemon started earlier may still hold the previous ones open.
  rm -f "$d/out" "$d/err" "$d/timed-out"
  : >"$d/out"
  : >"$d/err"
  case ${verb:-} in
    RUN)
      readn "$len" "$d/cmd"
      setsid bash "$d/cmd" </dev/null >"$d/out" 2>"$d/err" &
      pid=$!
      (sleep "$arg" && : >"$d/timed-out" && kill -KILL -- "-$pid") 2>/dev/null &
      watch=$!
      wait "$pid"
      rc=$?
      kill "$watch" 2>/dev/null
      wait "$watch" 2>/dev/null
      answer "$rc" "$([ -e "$d/timed-out" ] && echo 1 || echo 0)"
      ;;
    PUT)
      tmp=/kars/tmp/put.$$
      readn "$len" "$tmp"
      if mkdir -p "$(dirname "$path")" 2>"$d/err" && chmod "$arg" "$tmp" 2>>"$d/err" &&
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
