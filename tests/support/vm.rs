//! A QEMU guest running Debian's kernel with IPVS, for real-kernel tests: one VM per test
//! binary, booted on first use and shared by its tests one at a time.
//!
//! The image comes from `scripts/vm/build-image.sh` (kernel, busybox, bash, ipvsadm, iproute2,
//! IPVS and network modules). The guest's `/init` starts `scripts/vm/agent.sh`, which serves
//! requests on a virtio serial port: run a bash script (status, stdout, stderr), or write a file.
//! QEMU is a child that dies with the test process (`PR_SET_PDEATHSIG`), so the VM never
//! outlives it. Everything the guest has is a throwaway RAM disk.
//!
//! ```ignore
//! let Some(mut vm) = vm::shared_or_skip("ipvs_vm::boot") else { return };
//! vm.reset();
//! let kad = vm.install_ours();
//! let out = vm.run(&format!("{kad} -v"));
//! assert!(out.success(), "{out}");
//! ```
#![allow(dead_code)]

use std::collections::HashSet;
use std::fmt;
use std::io::{Read, Write};
use std::ops::{Deref, DerefMut};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError, mpsc};
use std::time::{Duration, Instant};

/// Size of a request header (host to guest), ASCII words padded with spaces.
const REQUEST_HEADER: usize = 256;
/// Size of an answer header (guest to host).
const ANSWER_HEADER: usize = 64;
/// Default time limit of [`Vm::run`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// Extra time the host waits beyond a command's limit (the guest enforces the limit itself).
const HOST_MARGIN: Duration = Duration::from_secs(30);

/// What a guest command did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Its exit status (128 + signal if killed, as bash reports it).
    pub code: i32,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
    /// Whether the guest killed it at its time limit.
    pub timed_out: bool,
}

impl Output {
    /// Whether it exited with status 0 in time.
    pub fn success(&self) -> bool {
        self.code == 0 && !self.timed_out
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "exit {}{}\n--- stdout\n{}--- stderr\n{}",
            self.code,
            if self.timed_out { " (timed out)" } else { "" },
            self.stdout,
            self.stderr
        )
    }
}

/// Why no VM could be booted.
#[derive(Debug)]
pub enum BootError {
    /// QEMU or the image cannot exist on this machine (tests skip, unless `KARS_VM_REQUIRED=1`).
    Unavailable(String),
    /// QEMU ran but the guest did not come up: a real failure.
    Failed(String),
}

/// A running guest. Get it with [`Vm::shared`] or [`shared_or_skip`].
pub struct Vm {
    stream: UnixStream,
    qemu_pid: libc::pid_t,
    dir: PathBuf,
    base_files: HashSet<String>,
    put_done: HashSet<String>,
    broken: bool,
    /// Wall time from starting QEMU to the agent's first word.
    pub boot_time: Duration,
    /// `kvm` or `tcg`.
    pub accel: &'static str,
    /// The guest kernel release (`uname -r`).
    pub kernel: String,
}

static SHARED: Mutex<Option<Vm>> = Mutex::new(None);
/// Why the shared VM could not boot, so later tests fail at once instead of waiting again.
static BOOT_FAILURE: Mutex<Option<String>> = Mutex::new(None);

/// Exclusive use of the test binary's VM; other tests wait until it is dropped.
pub struct VmGuard(MutexGuard<'static, Option<Vm>>);

impl Deref for VmGuard {
    type Target = Vm;
    fn deref(&self) -> &Vm {
        self.0.as_ref().expect("VM present while guarded")
    }
}

impl DerefMut for VmGuard {
    fn deref_mut(&mut self) -> &mut Vm {
        self.0.as_mut().expect("VM present while guarded")
    }
}

/// The shared VM, or `None` after printing `SKIP <test>: <why>` when QEMU cannot run here.
/// With `KARS_VM_REQUIRED=1` (scripts/test.sh as root) a missing QEMU fails the test instead.
/// A guest that does not boot always fails the test.
pub fn shared_or_skip(test: &str) -> Option<VmGuard> {
    match Vm::shared() {
        Ok(vm) => Some(vm),
        Err(BootError::Unavailable(why)) => {
            if std::env::var("KARS_VM_REQUIRED").is_ok_and(|v| v == "1") {
                panic!("{test}: KARS_VM_REQUIRED=1 but no VM: {why}");
            }
            super::skip(test, &why);
            None
        }
        Err(BootError::Failed(why)) => panic!("{test}: VM boot failed: {why}"),
    }
}

impl Vm {
    /// The test binary's VM, booted on first use (and again if a previous test left it
    /// unusable). Holding the guard serialises the tests that use it.
    pub fn shared() -> Result<VmGuard, BootError> {
        let mut slot = SHARED.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.as_ref().is_some_and(|vm| vm.broken) {
            *slot = None; // drops (kills) the old QEMU
        }
        if slot.is_none() {
            let mut failed = BOOT_FAILURE.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(why) = failed.as_ref() {
                return Err(BootError::Failed(format!("an earlier boot failed: {why}")));
            }
            // One retry: an emulated boot may stall once in a long while.
            let vm = match Vm::boot() {
                Err(BootError::Failed(why)) => {
                    eprintln!("vm: boot failed, retrying once: {why}");
                    Vm::boot()
                }
                other => other,
            };
            match vm {
                Ok(vm) => *slot = Some(vm),
                Err(BootError::Failed(why)) => {
                    *failed = Some(why.clone());
                    return Err(BootError::Failed(why));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(VmGuard(slot))
    }

    /// Builds the image if needed and boots a new VM (prefer [`Vm::shared`]).
    pub fn boot() -> Result<Vm, BootError> {
        let cache = cache_dir();
        build_image(&cache)?;
        if which("qemu-system-x86_64").is_none() {
            return Err(BootError::Unavailable("qemu-system-x86_64 not installed".into()));
        }
        let base_files = std::fs::read_to_string(cache.join("base.files"))
            .map_err(|e| BootError::Failed(format!("base.files: {e}")))?
            .lines()
            .map(str::to_string)
            .collect();
        let want_kvm = match std::env::var("KARS_VM_ACCEL").as_deref() {
            Ok("tcg") => false,
            Ok("kvm") => true,
            _ => kvm_usable(),
        };
        if want_kvm {
            match Vm::start(&cache, "kvm", &base_files, Duration::from_secs(20)) {
                Ok(vm) => return Ok(vm),
                Err(e) => eprintln!("vm: KVM boot failed, using TCG: {e}"),
            }
        }
        Vm::start(&cache, "tcg", &base_files, boot_timeout()).map_err(BootError::Failed)
    }

    fn start(cache: &Path, accel: &'static str, base_files: &HashSet<String>, timeout: Duration) -> Result<Vm, String> {
        let dir = run_dir(cache);
        let sock = dir.join("agent.sock");
        let console = dir.join("console.log");
        let env = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_string());
        let mut cmd = Command::new("qemu-system-x86_64");
        // The pc machine, not microvm: microvm lacks the HPET and ACPI PM timer and hangs
        // at TSC calibration in a few percent of emulated boots. qboot is faster than SeaBIOS.
        cmd.args(["-M", "pc"]);
        if Path::new("/usr/share/qemu/bios-microvm.bin").exists() {
            cmd.args(["-bios", "/usr/share/qemu/bios-microvm.bin"]);
        }
        cmd.args(["-accel", accel, "-cpu", if accel == "kvm" { "host" } else { "max" }])
            .args(["-m", &env("KARS_VM_MEM", "1024"), "-smp", &env("KARS_VM_SMP", "1")])
            .args(["-nodefaults", "-no-user-config", "-display", "none", "-no-reboot"])
            .arg("-serial")
            .arg(format!("file:{}", console.display()))
            .arg("-chardev")
            .arg(format!("socket,id=agent,path={},server=on,wait=on", sock.display()))
            .args(["-device", "virtio-serial-pci"])
            .args(["-device", "virtserialport,chardev=agent,name=kars.agent"])
            .arg("-kernel")
            .arg(cache.join("vmlinux"))
            .arg("-initrd")
            .arg(cache.join("base.cpio"))
            // No crypto self-tests, no W+X page scan: both cost time under emulation.
            .args(["-append", "console=ttyS0 panic=-1 quiet cryptomgr.notests rodata=off"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(dir.join("qemu.err")).map_err(|e| e.to_string())?,
            ));
        let t0 = Instant::now();
        let qemu_pid = spawn_tied(cmd).map_err(|e| format!("cannot start qemu: {e}"))?;
        let stream = connect(&sock, qemu_pid, t0 + timeout).map_err(|e| {
            // SAFETY: our own child, by pid.
            unsafe { libc::kill(qemu_pid, libc::SIGKILL) };
            failure(&dir, &e)
        })?;
        // From here on, dropping `vm` (also on error) kills QEMU.
        let mut vm = Vm {
            stream,
            qemu_pid,
            dir: dir.clone(),
            base_files: base_files.clone(),
            put_done: HashSet::new(),
            broken: false,
            boot_time: Duration::ZERO,
            accel,
            kernel: String::new(),
        };
        let left = (t0 + timeout).saturating_duration_since(Instant::now());
        let hello = vm.read_header(left).map_err(|e| failure(&dir, &e))?;
        let kernel = hello
            .strip_prefix("READY ")
            .ok_or_else(|| failure(&dir, &format!("unexpected greeting {hello:?}")))?;
        vm.kernel = kernel.trim().to_string();
        vm.boot_time = t0.elapsed();
        Ok(vm)
    }

    /// Runs a bash script in the guest (as root, cwd `/root`, stdin `/dev/null`, in its own
    /// process group) with [`DEFAULT_TIMEOUT`]. Background processes it starts keep running.
    /// The script runs in a forked subshell of the agent (fast under emulation): `$$` is the
    /// agent's pid, `$BASHPID` the script's; `exit N` ends the script with status N.
    pub fn run(&mut self, script: &str) -> Output {
        self.run_timeout(script, DEFAULT_TIMEOUT)
    }

    /// Like [`Vm::run`] with a time limit; at the limit the guest kills the script's session
    /// and the output has `timed_out`.
    pub fn run_timeout(&mut self, script: &str, limit: Duration) -> Output {
        let secs = limit.as_secs().max(1);
        let header = format!("RUN {} {secs}", script.len());
        self.request(&header, script.as_bytes(), limit + HOST_MARGIN)
    }

    /// Runs a script that must succeed; returns its stdout, or panics with its whole output.
    pub fn ok(&mut self, script: &str) -> String {
        let out = self.run(script);
        assert!(out.success(), "guest command failed: {script}\n{out}");
        out.stdout
    }

    /// Writes bytes to a guest file (parents created, replaced atomically) with `mode`.
    pub fn write(&mut self, guest_path: &str, data: &[u8], mode: u32) {
        assert!(
            guest_path.starts_with('/') && !guest_path.contains(char::is_whitespace),
            "guest path must be absolute, without spaces: {guest_path:?}"
        );
        let header = format!("PUT {} {mode:o} {guest_path}", data.len());
        assert!(header.len() <= REQUEST_HEADER, "guest path too long");
        let out = self.request(&header, data, Duration::from_secs(60) + HOST_MARGIN);
        assert!(out.success(), "writing {guest_path} in the guest: {out}");
    }

    /// Copies a host file to `guest_path` with its mode. An ELF file is copied without its
    /// debug sections (smaller, same code) and with the shared libraries (found with ldd) the
    /// image lacks, at the same paths.
    pub fn put(&mut self, host: &Path, guest_path: &str) {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(host).unwrap_or_else(|e| panic!("{}: {e}", host.display()));
        let mode = meta.permissions().mode() & 0o7777;
        let mut data = std::fs::read(host).unwrap_or_else(|e| panic!("{}: {e}", host.display()));
        if data.starts_with(b"\x7fELF") {
            for lib in shared_libs(host) {
                let norm = lib
                    .strip_prefix("/lib/")
                    .map(|r| format!("/usr/lib/{r}"))
                    .or_else(|| lib.strip_prefix("/lib64/").map(|r| format!("/usr/lib64/{r}")))
                    .unwrap_or_else(|| lib.clone());
                if !self.base_files.contains(&norm) && self.put_done.insert(norm) {
                    self.put(Path::new(&lib), &lib);
                }
            }
            if let Some(stripped) = strip_debug(host, &self.dir) {
                data = stripped;
            }
        }
        self.write(guest_path, &data, mode);
    }

    /// Copies our `keepalived` (this build's) to `/usr/sbin/keepalived` once; returns that path.
    pub fn install_ours(&mut self) -> &'static str {
        const GUEST: &str = "/usr/sbin/keepalived";
        if self.put_done.insert(GUEST.to_string()) {
            self.put(Path::new(super::ours()), GUEST);
        }
        GUEST
    }

    /// The kernel's IPVS table as `ipvsadm -Sn` prints it (`-S` sorts services and
    /// destinations, `-n` keeps addresses numeric): the form tests compare tables in.
    pub fn ipvs_save(&mut self) -> String {
        self.ok("ipvsadm -Sn")
    }

    /// Runs `script` (in a subshell) every 50 ms in the guest until it exits 0 or `limit`
    /// passes, in one round trip; returns the last attempt's output (stdout and stderr merged
    /// into `stdout`), with a non-zero `code` if it never succeeded.
    pub fn poll(&mut self, script: &str, limit: Duration) -> Output {
        let secs = limit.as_secs_f64().ceil() as u64;
        let wrapped = format!(
            "__end=$((EPOCHSECONDS + {secs}))
             while :; do
             ( {script}
) >/run/kars/poll 2>&1; __rc=$?
             [ $__rc = 0 ] || [ $EPOCHSECONDS -ge $__end ] && break
             sleep 0.05
             done
             cat /run/kars/poll; exit $__rc
"
        );
        self.run_timeout(&wrapped, limit + Duration::from_secs(10))
    }

    /// Waits (bounded by `limit`) until `ipvsadm -Sn` prints exactly `want`; on timeout
    /// returns the last table seen.
    pub fn wait_ipvs(&mut self, want: &str, limit: Duration) -> Result<(), String> {
        self.write("/run/kars/want-ipvs", want.as_bytes(), 0o644);
        let check = "ipvsadm -Sn >/run/kars/got-ipvs && cmp -s /run/kars/got-ipvs /run/kars/want-ipvs";
        if self.poll(check, limit).success() {
            Ok(())
        } else {
            Err(self.ipvs_save())
        }
    }

    /// QEMU's pid (our child).
    pub fn qemu_pid(&self) -> libc::pid_t {
        self.qemu_pid
    }

    /// Puts the guest back to a clean state: kills every process the tests started, deletes
    /// their network namespaces and extra links, clears IPVS (services, sync daemons) and
    /// empties `/tmp`. Files put with [`Vm::put`] stay.
    pub fn reset(&mut self) {
        self.ok(RESET);
    }

    /// The kernel's console log so far (for failure messages).
    pub fn console(&self) -> String {
        let raw = std::fs::read(self.dir.join("console.log")).unwrap_or_default();
        String::from_utf8_lossy(&raw).replace('\r', "")
    }

    /// Sends one request and reads its answer; any protocol failure marks the VM broken (the
    /// next [`Vm::shared`] boots a new one) and panics with the console log.
    fn request(&mut self, header: &str, payload: &[u8], limit: Duration) -> Output {
        assert!(!self.broken, "the VM broke in an earlier test");
        match self.exchange(header, payload, limit) {
            Ok(out) => out,
            Err(e) => {
                self.broken = true;
                panic!("VM request {header:?} failed: {e}\n{}", failure(&self.dir, ""));
            }
        }
    }

    fn exchange(&mut self, header: &str, payload: &[u8], limit: Duration) -> Result<Output, String> {
        let mut head = format!("{header:<REQUEST_HEADER$}").into_bytes();
        head.truncate(REQUEST_HEADER);
        self.stream.set_write_timeout(Some(limit)).map_err(|e| e.to_string())?;
        self.stream
            .write_all(&head)
            .and_then(|()| self.stream.write_all(payload))
            .map_err(|e| format!("send: {e}"))?;
        let answer = self.read_header(limit)?;
        let words: Vec<&str> = answer.split_whitespace().collect();
        let [ok, code, olen, elen, timed_out] = words[..] else {
            return Err(format!("bad answer {answer:?}"));
        };
        let num = |s: &str| s.parse::<usize>().map_err(|_| format!("bad answer {answer:?}"));
        if ok != "OK" {
            return Err(format!("bad answer {answer:?}"));
        }
        let mut body = vec![0; num(olen)? + num(elen)?];
        self.stream.read_exact(&mut body).map_err(|e| format!("receive: {e}"))?;
        let err = body.split_off(num(olen)?);
        Ok(Output {
            code: code.parse().map_err(|_| format!("bad answer {answer:?}"))?,
            stdout: String::from_utf8_lossy(&body).into_owned(),
            stderr: String::from_utf8_lossy(&err).into_owned(),
            timed_out: timed_out == "1",
        })
    }

    fn read_header(&mut self, limit: Duration) -> Result<String, String> {
        let mut buf = [0; ANSWER_HEADER];
        self.stream
            .set_read_timeout(Some(limit.max(Duration::from_millis(1))))
            .map_err(|e| e.to_string())?;
        self.stream.read_exact(&mut buf).map_err(|e| {
            if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) {
                format!("no answer within {limit:?}")
            } else {
                format!("receive: {e}")
            }
        })?;
        Ok(String::from_utf8_lossy(&buf).trim_end().to_string())
    }
}

impl Drop for Vm {
    fn drop(&mut self) {
        // Our own child, by pid; the thread that spawned it reaps it.
        // SAFETY: kill has no memory effects.
        unsafe { libc::kill(self.qemu_pid, libc::SIGKILL) };
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Kills every test process (not pid 1, this shell, or the agent and its watchdog listed in
/// `$KARS_KEEP`; kernel threads have no exe), then removes namespaces, extra links and IPVS
/// state.
const RESET: &str = r#"
for p in /proc/[0-9]*; do
  p=${p#/proc/}
  case " 1 $BASHPID $KARS_KEEP " in *" $p "*) continue ;; esac
  [ ! -e "/proc/$p/exe" ] || kill -KILL "$p" 2>/dev/null
done
for ns in $(ip netns list | cut -d' ' -f1); do ip netns delete "$ns"; done
for l in $(ip -o link show | cut -d: -f2 | cut -d@ -f1); do [ "$l" = lo ] || ip link delete "$l" 2>/dev/null; done
ipvsadm -C
ipvsadm --stop-daemon master 2>/dev/null
ipvsadm --stop-daemon backup 2>/dev/null
rm -rf /tmp/* /run/keepalived* /run/*.pid 2>/dev/null
ip addr flush dev lo; ip link set lo down; ip link set lo up   # up restores 127.0.0.1 and ::1
true
"#;

/// Spawns QEMU from a thread that lives as long as it does: `PR_SET_PDEATHSIG` fires when the
/// spawning *thread* ends, so a test thread must not be the parent. The thread reaps QEMU.
fn spawn_tied(mut cmd: Command) -> std::io::Result<libc::pid_t> {
    // SAFETY: prctl and getppid are async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            // The parent may have died before prctl took effect.
            if libc::getppid() == 1 {
                libc::_exit(1);
            }
            Ok(())
        });
    }
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("kars-vm-qemu".into())
        .spawn(move || match cmd.spawn() {
            Ok(mut child) => {
                let _ = tx.send(Ok(child.id() as libc::pid_t));
                let _ = child.wait();
            }
            Err(e) => {
                let _ = tx.send(Err(e));
            }
        })?;
    rx.recv().map_err(std::io::Error::other)?
}

/// Connects to QEMU's agent socket (QEMU waits for us before starting the guest).
fn connect(sock: &Path, qemu_pid: libc::pid_t, deadline: Instant) -> Result<UnixStream, String> {
    loop {
        match UnixStream::connect(sock) {
            Ok(s) => return Ok(s),
            Err(e) if Instant::now() > deadline => return Err(format!("agent socket: {e}")),
            Err(_) => {}
        }
        // SAFETY: signal 0 only checks that our child still exists.
        if unsafe { libc::kill(qemu_pid, 0) } != 0 {
            return Err("qemu exited".into());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A failure message with QEMU's stderr and the end of the kernel console.
fn failure(dir: &Path, what: &str) -> String {
    let read = |f: &str| {
        let t = String::from_utf8_lossy(&std::fs::read(dir.join(f)).unwrap_or_default()).replace('\r', "");
        let lines: Vec<&str> = t.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    };
    format!(
        "{what}\n--- qemu stderr\n{}\n--- guest console (end)\n{}",
        read("qemu.err"),
        read("console.log")
    )
}

/// `$KARS_VM_CACHE`, or `~/.cache/keepalived-rs-vm` (build-image.sh uses the same).
pub fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("KARS_VM_CACHE") {
        return PathBuf::from(d);
    }
    let home = std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into());
    Path::new(&home).join(".cache/keepalived-rs-vm")
}

/// A fresh per-process directory for the socket and logs; removes those of dead processes.
fn run_dir(cache: &Path) -> PathBuf {
    let runs = cache.join("run");
    let _ = std::fs::create_dir_all(&runs);
    for e in std::fs::read_dir(&runs).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let pid = name.split('-').next().unwrap_or("");
        if !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = runs.join(format!("{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("VM run directory");
    dir
}

/// Runs scripts/vm/build-image.sh (quick when the image is current).
fn build_image(cache: &Path) -> Result<(), BootError> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/vm/build-image.sh");
    let out = Command::new(&script)
        .env("KARS_VM_CACHE", cache)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| BootError::Unavailable(format!("{}: {e}", script.display())))?;
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let tail: Vec<&str> = err.lines().rev().take(5).collect();
    let why = tail.into_iter().rev().collect::<Vec<_>>().join(" / ");
    Err(BootError::Unavailable(format!("build-image.sh failed: {why}")))
}

/// Whether /dev/kvm can run a stock kernel: it must be usable and not PVM (which only runs
/// PVM guest kernels and hangs on Debian's).
fn kvm_usable() -> bool {
    let path = c"/dev/kvm";
    // SAFETY: access only reads the path.
    let rw = unsafe { libc::access(path.as_ptr(), libc::R_OK | libc::W_OK) } == 0;
    rw && !Path::new("/sys/module/kvm_pvm").exists()
}

fn boot_timeout() -> Duration {
    let secs = std::env::var("KARS_VM_BOOT_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    Duration::from_secs(secs)
}

fn which(prog: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/sbin")])
        .map(|d| d.join(prog))
        .find(|p| p.is_file())
}

/// The shared libraries ldd lists for an ELF file (absolute paths), empty if static.
fn shared_libs(file: &Path) -> Vec<String> {
    let Ok(out) = Command::new("ldd").arg(file).output() else {
        return Vec::new();
    };
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter(|w| w.starts_with('/'))
        .map(str::to_string)
        .collect()
}

/// The file without debug sections (objcopy from binutils), if objcopy works.
fn strip_debug(file: &Path, dir: &Path) -> Option<Vec<u8>> {
    let tmp = dir.join("stripped");
    let ok = Command::new("objcopy")
        .arg("--strip-debug")
        .arg(file)
        .arg(&tmp)
        .status()
        .is_ok_and(|s| s.success());
    let data = ok.then(|| std::fs::read(&tmp).ok()).flatten();
    let _ = std::fs::remove_file(&tmp);
    data
}
