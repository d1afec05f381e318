#!/usr/bin/env bash
# build-image.sh: build (or reuse) the kernel and initramfs that tests/support/vm.rs boots
# in QEMU for the real-kernel IPVS tests (tests/ipvs_vm*.rs).
#
# Everything comes from Debian's repositories: the stock kernel (`linux-image-amd64`, fetched
# with `apt-get download` and unpacked, never installed), which ships IPVS as modules, and
# busybox, bash, ipvsadm and iproute2 copied from the host with their shared libraries.
#
# Output in $KARS_VM_CACHE (default ~/.cache/keepalived-rs-vm):
#   vmlinux     the kernel as an ELF with a PVH entry (QEMU boots it directly: no real-mode
#               setup, no in-guest decompression, which is slow under emulation)
#   base.cpio   the initramfs, uncompressed newc (faster to unpack than a compressed one)
#   base.files  the paths in base.cpio (the host skips libraries the image already has)
#   stamp       what the image was built from; a run with nothing changed exits at once
# The kernel package stays pinned once cached; KARS_VM_REBUILD=1 re-resolves it.
# Prints nothing on success unless it builds; exits non-zero with a reason on failure.
set -euo pipefail

CACHE=${KARS_VM_CACHE:-$HOME/.cache/keepalived-rs-vm}
SELF=$(readlink -f "${BASH_SOURCE[0]}")
AGENT=$(dirname "$SELF")/agent.sh
log() { echo "build-image: $*" >&2; }
die() { log "error: $*"; exit 1; }

# Modules loaded by /init, in dependency order (computed below with modprobe). Debian 12's
# kernel (6.1) has every scheduler keepalived knows except twos (Linux 6.3).
MODULES="ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_lblc ip_vs_lblcr ip_vs_dh ip_vs_sh
 ip_vs_sed ip_vs_nq ip_vs_fo ip_vs_ovf ip_vs_mh ip_vs_ftp ip_vs_pe_sip
 veth bridge macvlan dummy virtio_pci virtio_console"
# Host programs copied into the image with their libraries (busybox provides the rest).
BINS="bash ipvsadm ip tc bridge"
# bash's loadable builtins the agent uses (package bash-builtins).
LOADABLES="stat tee rm sleep setpgid"
# Host packages: qemu to run the VM, the rest to build the image or copy programs from.
PKGS="qemu-system-x86 busybox-static ipvsadm iproute2 bash bash-builtins kmod cpio xz-utils binutils"

# ---------------------------------------------------------------- host packages
mkdir -p "$CACHE"
missing=()
for p in $PKGS; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q ' installed$' || missing+=("$p")
done
if ((${#missing[@]})); then
  [ "$(id -u)" = 0 ] || die "missing host packages (run as root to install): ${missing[*]}"
  log "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt_get() { apt-get -o DPkg::Lock::Timeout=300 -qq "$@" >"$CACHE/apt.log" 2>&1 || { tail -20 "$CACHE/apt.log" >&2; return 1; }; }
  apt_get install -y --no-install-recommends "${missing[@]}" ||
    { apt_get update && apt_get install -y --no-install-recommends "${missing[@]}"; } ||
    die "apt-get install ${missing[*]} failed"
fi
paths=
for b in $BINS; do paths+=" $(PATH=/usr/sbin:/usr/bin:/sbin:/bin command -v "$b")" || die "no $b"; done
BINS=$paths

# ---------------------------------------------------------------- up to date?
exec 9>"$CACHE/.lock"
flock 9   # one builder at a time; concurrent callers wait, then see a current stamp
[ "${KARS_VM_REBUILD:-0}" = 1 ] && rm -f "$CACHE/kernel.pkg" "$CACHE/stamp"
KPKG=$(cat "$CACHE/kernel.pkg" 2>/dev/null || true)
if [ -z "$KPKG" ]; then
  resolve() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}'; }
  KPKG=$(resolve)
  [ -n "$KPKG" ] || { apt-get -qq update >&2 || true; KPKG=$(resolve); }
  [ -n "$KPKG" ] || die "cannot resolve the kernel package behind linux-image-amd64"
fi
stamp=$( { sha256sum "$SELF" "$AGENT"; echo "$KPKG $MODULES";
           for b in $BINS /bin/busybox; do sha256sum "$b"; done; for b in $LOADABLES; do sha256sum "/usr/lib/bash/$b"; done; } | sha256sum | cut -c1-16)
if [ "$(cat "$CACHE/stamp" 2>/dev/null)" = "$stamp" ] && [ -f "$CACHE/vmlinux" ] &&
   [ -f "$CACHE/base.cpio" ]; then
  exit 0
fi
log "building the image for $KPKG in $CACHE"
t0=$EPOCHREALTIME

# ---------------------------------------------------------------- kernel
deb=$(ls "$CACHE/debs/${KPKG}_"*.deb 2>/dev/null | head -n1 || true)
if [ -z "$deb" ]; then
  mkdir -p "$CACHE/debs"
  # As root into a directory _apt cannot write, apt warns "unsandboxed": harmless.
  get() { (cd "$CACHE/debs" && apt-get -qq download "$KPKG" >&2 2>/dev/null); }
  get || { apt-get -qq update >&2 && get; } || die "apt-get download $KPKG failed"
  deb=$(ls "$CACHE/debs/${KPKG}_"*.deb | head -n1)
fi
work=$(mktemp -d "$CACHE/work.XXXXXX")
trap 'rm -rf "$work"' EXIT
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$work" --wildcards './boot/vmlinuz-*' './lib/modules' './usr/lib/modules' 2>/dev/null || true
kroot=$work; [ -d "$work/lib/modules" ] || kroot=$work/usr
KVER=$(ls "$kroot/lib/modules" 2>/dev/null | head -n1)
[ -n "$KVER" ] || die "no modules in $deb"
depmod -b "$kroot" "$KVER"   # the .deb ships no modules.dep: its postinst makes it

# The bzImage carries a compressed ELF vmlinux with a PVH note: find the xz stream whose
# output is an ELF file.
for off in $(LC_ALL=C grep -a -b -o -F "$(printf '\3757zXZ')" "$work/boot/vmlinuz-$KVER" | cut -d: -f1); do
  tail -c +$((off + 1)) "$work/boot/vmlinuz-$KVER" | xz -dc --single-stream > "$work/vmlinux" 2>/dev/null || true
  [ "$(head -c4 "$work/vmlinux")" = $'\x7fELF' ] && break
done
[ "$(head -c4 "$work/vmlinux" 2>/dev/null)" = $'\x7fELF' ] || die "no ELF vmlinux inside vmlinuz-$KVER"

# ---------------------------------------------------------------- initramfs tree
R=$work/root
mkdir -p "$R"/{usr/bin,usr/lib,usr/lib64,proc,sys,dev,run,root,etc,var,kars}
install -d -m 1777 "$R/tmp"
# Debian's merged /usr: /bin, /sbin, /usr/sbin are usr/bin; /lib is usr/lib.
ln -s usr/bin "$R/bin"; ln -s usr/bin "$R/sbin"; ln -s bin "$R/usr/sbin"
ln -s usr/lib "$R/lib"; ln -s usr/lib64 "$R/lib64"; ln -s ../run "$R/var/run"
cp /bin/busybox "$R/usr/bin/busybox"
for a in $(/bin/busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$R/usr/bin/$a"; done
for b in $BINS; do
  rm -f "$R/usr/bin/${b##*/}"       # the real program wins over the busybox applet
  cp -L "$b" "$R/usr/bin/${b##*/}"
  # Libraries go to the path ldd names; the image's /lib and /lib64 links lead into /usr.
  ldd "$b" | grep -oE '/[^ ]+' | while read -r lib; do
    [ -e "$R$lib" ] || { mkdir -p "$R$(dirname "$lib")"; cp -L "$lib" "$R$lib"; }
  done
done
printf '%s\n' 'root:x:0:0:root:/root:/bin/bash' 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false' > "$R/etc/passwd"
printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' > "$R/etc/group"
printf '%s\n' '127.0.0.1 localhost kars-vm' '::1 localhost' > "$R/etc/hosts"
for f in /etc/protocols /etc/services; do [ -f "$f" ] && cp "$f" "$R$f"; done

# Modules in load order (with soft dependencies, e.g. crc32c for libcrc32c), decompressed
# so /init can insmod them directly; depmod makes modprobe work inside too.
for m in $MODULES; do
  modprobe -d "$kroot" -S "$KVER" --show-depends "$m" 2>/dev/null | awk '$1=="insmod"' ||
    die "unknown module $m"
done | awk '!seen[$2]++' | while read -r _ path args; do
  rel=${path#"$kroot"/}
  mkdir -p "$R/$(dirname "$rel")"; cp "$path" "$R/$rel"
  case $rel in *.xz) xz -d "$R/$rel"; rel=${rel%.xz} ;; *.zst) zstd -qd --rm "$R/$rel"; rel=${rel%.zst} ;; esac
  echo "/$rel $args"
done > "$R/etc/kars-modules"
cp "$kroot/lib/modules/$KVER/"modules.{order,builtin,builtin.modinfo} "$R/lib/modules/$KVER/"
depmod -b "$R" "$KVER"
cp "$AGENT" "$R/kars/agent.sh"
mkdir -p "$R/usr/lib/bash"   # the agent's loadable builtins
for b in $LOADABLES; do cp "/usr/lib/bash/$b" "$R/usr/lib/bash/"; done

cat > "$R/init" <<'INIT'
#!/bin/sh
# Mount the usual filesystems, load the modules, start the agent on the virtio port
# "kars.agent"; power off when it ends (the host closed the port or asked for it).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/bin HOME=/root TERM=dumb LC_ALL=C
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mkdir -p /dev/pts /dev/shm; mount -t devpts devpts /dev/pts; mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /run; mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
while read -r mod args; do insmod "$mod" $args || echo "kars-vm: insmod $mod failed"; done < /etc/kars-modules
ip link set lo up; hostname kars-vm; mkdir -p /run/netns
port=
for d in /sys/class/virtio-ports/*; do
  [ "$(cat "$d/name" 2>/dev/null)" = kars.agent ] && port=/dev/${d##*/}
done
if [ -n "$port" ]; then cd /root && bash /kars/agent.sh "$port"; else echo "kars-vm: no agent port"; fi
poweroff -f
INIT
chmod +x "$R/init"

# ---------------------------------------------------------------- pack and publish
(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) > "$work/base.cpio"
(cd "$R" && find . ! -type d | sed 's|^\.||') > "$work/base.files"
mv -f "$work/vmlinux" "$work/base.cpio" "$work/base.files" "$CACHE/"
echo "$KPKG" > "$CACHE/kernel.pkg"
echo "$KVER" > "$CACHE/kernel.version"
echo "$stamp" > "$CACHE/stamp"
log "done in $(( (${EPOCHREALTIME/./} - ${t0/./}) / 1000 )) ms: kernel $KVER, $(wc -l < "$R/etc/kars-modules") modules, base.cpio $(du -h "$CACHE/base.cpio" | cut -f1)"
