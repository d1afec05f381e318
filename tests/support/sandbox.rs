//! End-to-end sandboxes: a daemon (ours, or any keepalived-compatible binary named by
//! `KARS_E2E_DAEMON`) runs in a network namespace of its own, a private mount namespace (its own
//! `/run`, `/etc/keepalived`, `/etc/default` and a tmpfs `/dev` whose `/dev/log` is the test's
//! syslog listener) and a pid namespace whose pid 1 is a shell named `systemd`. The last makes a
//! daemon started as pid 1's child see what keepalived checks before it talks to systemd
//! (`check_parent_systemd()`: parent pid 1, `/proc/1/stat` "1 (systemd) ", `NOTIFY_SOCKET`), so
//! the notify socket is exercised with keepalived itself as well as ours.
//!
//! Pids: the daemon's pid files, syslog records and MAINPID carry pids inside the sandbox's pid
//! namespace ([`Proc::ns_pid`]); signals from the test go to host pids ([`Proc::pid`]).
//! [`Sandbox::signal`] maps one to the other.
//!
//! Nothing outside the namespaces changes: mounts are private to the sandbox, the namespace is
//! deleted on drop and every process in it is killed first (SIGKILL to its pid 1 ends them all).

pub mod listen;
pub mod monitor;
pub mod ops;
pub mod procs;
pub mod recorder;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

#[allow(unused_imports)]
pub use listen::{LOG_ALERT, LOG_DAEMON, LOG_INFO, LOG_LOCAL0, Notice, Notify, Syslog, SyslogMsg};
pub use monitor::AddrMonitor;
pub use procs::Proc;
#[allow(unused_imports)]
pub use recorder::{Line, Recorder, Stamp, wait_until};

/// The binary under test: `KARS_E2E_DAEMON` (e.g. `/usr/sbin/keepalived`, which checks that a
/// test asserts keepalived's behaviour) or ours.
pub fn daemon_bin() -> &'static str {
    static BIN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BIN.get_or_init(|| std::env::var("KARS_E2E_DAEMON").unwrap_or_else(|_| super::ours().to_string()))
}

/// Whether the binary under test is not ours (keepalived itself, as the reference).
pub fn is_keepalived() -> bool {
    daemon_bin() != super::ours()
}

/// Why sandboxes cannot run here, if they cannot.
pub fn unavailable() -> Option<String> {
    if !super::is_root() {
        return Some("needs root (network, mount and pid namespaces)".into());
    }
    if !super::can_netns() {
        return Some("`ip netns` does not work here".into());
    }
    for tool in ["nsenter", "unshare"] {
        let ok = Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !ok {
            return Some(format!("`{tool}` (util-linux) is missing"));
        }
    }
    for d in ["/etc/keepalived", "/etc/default"] {
        // Bind-mount targets: the sandbox never creates anything outside its namespaces.
        if !Path::new(d).is_dir() {
            return Some(format!("{d} does not exist (a private copy is mounted over it)"));
        }
    }
    if !Path::new(daemon_bin()).exists() {
        return Some(format!("{} does not exist", daemon_bin()));
    }
    None
}

/// Prints `SKIP` and returns true when sandboxes cannot run.
pub fn skip_unavailable(test: &str) -> bool {
    match unavailable() {
        Some(why) => {
            super::skip(test, &why);
            true
        }
        None => false,
    }
}

/// Whether `KARS_E2E_BEYOND=1` asks to assert behaviour beyond keepalived even when the binary
/// under test is keepalived.
pub fn beyond_forced() -> bool {
    std::env::var("KARS_E2E_BEYOND").as_deref() == Ok("1")
}

/// For tests of behaviour beyond keepalived: prints `SKIP` and returns true when the binary
/// under test is keepalived, unless `KARS_E2E_BEYOND=1` asks to run them anyway (to see them
/// fail against keepalived, which shows that they detect keepalived's behaviour).
pub fn skip_beyond_keepalived(test: &str, what: &str) -> bool {
    if is_keepalived() && !beyond_forced() {
        super::skip(test, &format!("beyond keepalived ({what}); ours only"));
        return true;
    }
    false
}

/// At most this many sandbox units at once (a pair is two): the daemons' timing is observed
/// and test machines have two cores.
const SLOTS: usize = 4;
static RUNNING: (Mutex<usize>, Condvar) = (Mutex::new(0), Condvar::new());

/// Places taken from [`SLOTS`], given back on drop.
struct Slot(usize);

impl Slot {
    fn acquire(n: usize) -> Slot {
        let (m, c) = &RUNNING;
        let mut g = m.lock().unwrap_or_else(|e| e.into_inner());
        while *g + n > SLOTS {
            g = c.wait(g).unwrap_or_else(|e| e.into_inner());
        }
        *g += n;
        Slot(n)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let (m, c) = &RUNNING;
        *m.lock().unwrap_or_else(|e| e.into_inner()) -= self.0;
        c.notify_all();
    }
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique(tag: &str) -> String {
    format!(
        "kse{}-{}{tag}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn ip(args: &[&str]) {
    let o = Command::new("ip").args(args).output().expect("run ip");
    assert!(
        o.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Mounts that make the sandbox's private world, run by its pid 1 (in a new mount namespace
/// with private propagation, so none of it reaches the host), which then stays to reap orphans
/// until its stdin (a pipe from the test process) closes.
const INIT_SH: &str = r#"set -e
D=$1
mount -t tmpfs -o mode=0755,size=1m tmpfs /dev
mknod -m 666 /dev/null c 1 3
mknod -m 666 /dev/zero c 1 5
mknod -m 666 /dev/random c 1 8
mknod -m 666 /dev/urandom c 1 9
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
ln -s "$D/log.sock" /dev/log
mount --bind "$D/run" /run
mount --bind "$D/etc-keepalived" /etc/keepalived
mount --bind "$D/etc-default" /etc/default
echo ready
set +e
exec 3<&0
cat <&3 >/dev/null &
# wait reaps every child, orphans included (daemons reparented to pid 1), until cat ends.
wait
"#;

/// Starts "$@" as a child of the sandbox's pid 1, as systemd starts a unit's ExecStart: the
/// waiter is orphaned when this script exits, and execs the daemon once pid 1 has adopted it.
const UNIT_LAUNCH_SH: &str = r#"sh -c 'while :; do read -r _ _ _ pp _ < /proc/self/stat; [ "$pp" = 1 ] && break; done; exec "$@"' waiter "$@" &
"#;

/// A command started inside a sandbox (through `nsenter`, whose exit status is the command's).
pub struct Run {
    /// `nsenter` (it forks the command into the sandbox's pid namespace and waits for it).
    pub child: Child,
    /// Standard output lines.
    pub stdout: Recorder<Line>,
    /// Standard error lines.
    pub stderr: Recorder<Line>,
}

impl Run {
    /// Waits up to `timeout` for the command to exit.
    pub fn wait(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let end = Instant::now() + timeout;
        loop {
            if let Ok(Some(s)) = self.child.try_wait() {
                return Some(s);
            }
            if Instant::now() >= end {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits up to `timeout` for the exit code (128+N for a death by signal N).
    pub fn code(&mut self, timeout: Duration) -> Option<i32> {
        use std::os::unix::process::ExitStatusExt;
        self.wait(timeout)
            .map(|s| s.code().unwrap_or_else(|| 128 + s.signal().unwrap_or(0)))
    }

    /// Standard error so far.
    pub fn stderr_text(&self) -> String {
        self.stderr.all().iter().map(|l| format!("{}\n", l.text)).collect()
    }

    /// Standard output so far.
    pub fn stdout_text(&self) -> String {
        self.stdout.all().iter().map(|l| format!("{}\n", l.text)).collect()
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// The result of a command run to completion inside a sandbox.
#[derive(Debug)]
pub struct Done {
    /// Exit code (128+N for a death by signal N).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// One sandbox. See the module documentation.
pub struct Sandbox {
    /// Network namespace name (`ip -n NAME`).
    pub ns: String,
    /// This sandbox's IPv4 address on `eth0` (192.168.77.N/24).
    pub addr: String,
    /// Host-side files: `run/` (mounted on /run), `etc-keepalived/`, `etc-default/`, `tmp/`
    /// (the daemon's TMPDIR), `log.sock`, `notify.sock`, `bin/`.
    pub dir: tempfile::TempDir,
    /// The `/dev/log` listener.
    pub syslog: Syslog,
    /// The NOTIFY_SOCKET listener.
    pub notify: Notify,
    holder: Child,
    /// Host pid of the sandbox's pid 1.
    init_pid: i32,
    pid_ns: String,
    runs: Mutex<Vec<(String, Recorder<Line>)>>,
    // Last: released after Drop has removed the namespace.
    _slot: Option<Slot>,
}

impl Sandbox {
    /// A sandbox whose `eth0` (192.168.77.1/24) is one end of a veth pair; the other end
    /// (`eth0p`) is in the same namespace, so multicast adverts leave and nobody answers.
    pub fn new() -> Sandbox {
        let slot = Slot::acquire(1);
        let ns = unique("");
        ip(&["netns", "add", &ns]);
        // From here on, dropping the half-built sandbox deletes the namespace.
        let guard = NsGuard(vec![ns.clone()]);
        ip(&[
            "-n", &ns, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0p",
        ]);
        ip(&["-n", &ns, "link", "set", "eth0p", "up"]);
        let sb = Sandbox::enter(&ns, 1, Some(slot));
        guard.disarm();
        sb
    }

    /// Two sandboxes whose `eth0`s are the two ends of one veth pair (192.168.77.1 and .2):
    /// VRRP peers.
    pub fn pair() -> (Sandbox, Sandbox) {
        let slot = Slot::acquire(2);
        let (a, b) = (unique("a"), unique("b"));
        ip(&["netns", "add", &a]);
        let guard = NsGuard(vec![a.clone()]);
        ip(&["netns", "add", &b]);
        let guard2 = NsGuard(vec![b.clone()]);
        ip(&[
            "link", "add", "eth0", "netns", &a, "type", "veth", "peer", "name", "eth0", "netns", &b,
        ]);
        let sa = Sandbox::enter(&a, 1, Some(slot));
        guard.disarm();
        let sb = Sandbox::enter(&b, 2, None);
        guard2.disarm();
        (sa, sb)
    }

    /// Brings the namespace's links up and starts its pid 1 and listeners.
    fn enter(ns: &str, host: u8, slot: Option<Slot>) -> Sandbox {
        ip(&["-n", ns, "link", "set", "lo", "up"]);
        let addr = format!("192.168.77.{host}");
        ip(&["-n", ns, "addr", "add", &format!("{addr}/24"), "dev", "eth0"]);
        ip(&["-n", ns, "link", "set", "eth0", "up"]);
        let dir = tempfile::Builder::new().prefix("kse-").tempdir().expect("temp dir");
        let d = dir.path();
        for sub in ["run", "etc-keepalived", "etc-default", "tmp", "bin"] {
            std::fs::create_dir(d.join(sub)).expect("mkdir");
        }
        std::fs::write(d.join("bin/init.sh"), INIT_SH).expect("write init.sh");
        std::fs::write(d.join("bin/unit-launch.sh"), UNIT_LAUNCH_SH).expect("write unit-launch.sh");
        // pid 1's comm is the name it was executed under: "systemd".
        std::os::unix::fs::symlink("/bin/sh", d.join("bin/systemd")).expect("symlink");
        let syslog = Syslog::start(&d.join("log.sock"));
        let notify = Notify::start(&d.join("notify.sock"));
        let mut holder = Command::new("ip")
            .args(["netns", "exec", ns, "unshare", "--mount", "--propagation", "private"])
            .args(["--pid", "--fork", "--mount-proc"])
            .arg(d.join("bin/systemd"))
            .arg(d.join("bin/init.sh"))
            .arg(d)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the sandbox's pid 1");
        let out = recorder::record_lines(holder.stdout.take().expect("stdout"));
        let err = recorder::record_lines(holder.stderr.take().expect("stderr"));
        let mut sb = Sandbox {
            ns: ns.to_string(),
            addr,
            dir,
            syslog,
            notify,
            holder,
            init_pid: 0,
            pid_ns: String::new(),
            runs: Mutex::new(vec![("sandbox pid 1".into(), err.clone())]),
            _slot: slot,
        };
        let ready = out.wait_for(|l| l.text == "ready", Duration::from_secs(10));
        let unshare = sb.holder.id() as i32;
        let mut init = None;
        wait_until(Duration::from_secs(5), || {
            init = std::fs::read_dir("/proc").ok().and_then(|d| {
                d.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
                    .find(|&p| procs::read(p).is_some_and(|p| p.ppid == unshare))
            });
            init.is_some()
        });
        assert!(
            ready.is_some() && init.is_some(),
            "sandbox {ns} did not start: {:?}",
            err.all().iter().map(|l| &l.text).collect::<Vec<_>>()
        );
        sb.init_pid = init.unwrap_or_default();
        sb.pid_ns = procs::pid_ns(sb.init_pid).expect("pid namespace of the sandbox");
        sb
    }

    /// `nsenter` into every namespace of the sandbox, with a clean environment (PATH, and
    /// TMPDIR = the sandbox's `tmp/`).
    fn nsenter(&self) -> Command {
        let mut c = Command::new("nsenter");
        c.args(["-t", &self.init_pid.to_string(), "-p", "-m", "-n", "--wd=/", "--"])
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("TMPDIR", self.tmp())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    fn spawn_cmd(&self, label: &str, mut c: Command) -> Run {
        let mut child = c.spawn().expect("nsenter");
        let stdout = recorder::record_lines(child.stdout.take().expect("stdout"));
        let stderr = recorder::record_lines(child.stderr.take().expect("stderr"));
        self.runs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((label.to_string(), stderr.clone()));
        Run { child, stdout, stderr }
    }

    /// Starts `argv` inside the sandbox, with extra environment `env`.
    pub fn spawn_env(&self, argv: &[&str], env: &[(&str, &str)]) -> Run {
        let mut c = self.nsenter();
        c.args(argv);
        for (k, v) in env {
            c.env(k, v);
        }
        self.spawn_cmd(&argv.join(" "), c)
    }

    /// Starts `argv` inside the sandbox.
    pub fn spawn(&self, argv: &[&str]) -> Run {
        self.spawn_env(argv, &[])
    }

    /// Starts the daemon under test as systemd starts Debian's unit
    /// (`ExecStart=/usr/sbin/keepalived --dont-fork $DAEMON_ARGS`, Type=notify): as a child of
    /// pid 1, with NOTIFY_SOCKET. The returned [`Run`] is the launcher, which has exited; the
    /// daemon's standard output and error still arrive in it.
    pub fn start_unit(&self, daemon_args: &[&str]) -> Run {
        let launch = self.dir.path().join("bin/unit-launch.sh");
        let notify = self.notify.path().display().to_string();
        let mut argv = vec!["sh", launch.to_str().expect("utf-8 path"), daemon_bin(), "--dont-fork"];
        argv.extend_from_slice(daemon_args);
        let mut run = self.spawn_env(&argv, &[("NOTIFY_SOCKET", &notify)]);
        let code = run.code(Duration::from_secs(5));
        assert_eq!(code, Some(0), "unit launcher: {}", run.stderr_text());
        run
    }

    /// Runs `argv` inside the sandbox to completion (at most `timeout`, then it is killed and
    /// the test fails).
    pub fn exec(&self, argv: &[&str], timeout: Duration) -> Done {
        let mut r = self.spawn(argv);
        let code = r.code(timeout);
        // Output pipes may stay open in daemons the command started: wait a little for the
        // end of both streams, then take what is there.
        let grace = Duration::from_millis(if code.is_some() { 200 } else { 0 });
        r.stdout.wait_for(|_| false, grace);
        r.stderr.wait_for(|_| false, grace);
        let done = Done {
            code: code.unwrap_or(-1),
            stdout: r.stdout_text(),
            stderr: r.stderr_text(),
        };
        assert!(code.is_some(), "{argv:?} did not finish within {timeout:?}: {done:?}");
        done
    }

    /// Runs a shell script inside the sandbox (see [`Sandbox::exec`]).
    pub fn sh(&self, script: &str, timeout: Duration) -> Done {
        self.exec(&["sh", "-c", script], timeout)
    }

    /// The daemon's TMPDIR (host path; the same path inside).
    pub fn tmp(&self) -> PathBuf {
        self.dir.path().join("tmp")
    }

    /// The host path of `/run/NAME` inside.
    pub fn run_path(&self, name: &str) -> PathBuf {
        self.dir.path().join("run").join(name)
    }

    /// The pid in `/run/NAME` inside (keepalived's `"%d\n"`), if the file exists and parses.
    pub fn pid_file(&self, name: &str) -> Option<i32> {
        std::fs::read_to_string(self.run_path(name)).ok()?.trim().parse().ok()
    }

    /// Writes `/etc/keepalived/keepalived.conf` inside.
    pub fn write_conf(&self, text: &str) {
        std::fs::write(self.dir.path().join("etc-keepalived/keepalived.conf"), text).expect("write config");
    }

    /// Writes `/etc/default/NAME` inside.
    pub fn write_default(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join("etc-default").join(name), text).expect("write /etc/default file");
    }

    /// Every live process of the sandbox (its pid 1 included).
    pub fn procs(&self) -> Vec<Proc> {
        procs::in_pid_ns(&self.pid_ns)
    }

    /// The sandbox's processes running the binary under test (any name, argv or role).
    pub fn daemons(&self) -> Vec<Proc> {
        let exe = procs::file_id(Path::new(daemon_bin()));
        self.procs()
            .into_iter()
            .filter(|p| exe.is_some() && p.exe == exe)
            .collect()
    }

    /// The process with pid `ns_pid` inside the sandbox.
    pub fn by_ns_pid(&self, ns_pid: i32) -> Option<Proc> {
        self.procs().into_iter().find(|p| p.ns_pid == ns_pid)
    }

    /// Sends `sig` to the sandbox's process `ns_pid`; false if there is none.
    pub fn signal(&self, ns_pid: i32, sig: i32) -> bool {
        self.by_ns_pid(ns_pid).is_some_and(|p| procs::signal(p.pid, sig))
    }

    /// Host pid of the sandbox's pid 1 (the parent of unit-started daemons).
    pub fn init_pid(&self) -> i32 {
        self.init_pid
    }

    /// `ip -o addr` inside, one line per address.
    pub fn ip_addr(&self) -> Vec<String> {
        let o = Command::new("ip")
            .args(["-n", &self.ns, "-o", "addr", "show"])
            .output()
            .expect("ip addr");
        String::from_utf8_lossy(&o.stdout).lines().map(str::to_string).collect()
    }

    /// Whether `addr` (with or without its prefix length) is configured inside.
    pub fn has_addr(&self, addr: &str) -> bool {
        self.ip_addr().iter().any(|l| monitor::line_has_addr(l, addr))
    }

    /// Waits up to `timeout` for `addr` to be present (`want`) or absent.
    pub fn wait_addr(&self, addr: &str, want: bool, timeout: Duration) -> bool {
        wait_until(timeout, || self.has_addr(addr) == want)
    }

    /// Starts `ip monitor address` inside (armed when this returns).
    pub fn monitor(&self) -> AddrMonitor {
        AddrMonitor::start(&self.ns)
    }

    /// Everything observed, for failure messages.
    pub fn report(&self) -> String {
        let mut s = format!(
            "--- sandbox {} ({})\nsyslog:\n{}",
            self.ns,
            daemon_bin(),
            self.syslog.text()
        );
        s += &format!("notify:\n{}processes:\n", self.notify.text());
        for p in self.procs() {
            s += &format!("  {} (host {}) ppid {} {:?}\n", p.ns_pid, p.pid, p.ppid, p.cmdline);
        }
        for (label, err) in self.runs.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let lines = err.all();
            if !lines.is_empty() {
                s += &format!("stderr of {label}:\n");
                for l in lines {
                    s += &format!("  {}\n", l.text);
                }
            }
        }
        s
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // The pid namespace dies with its pid 1.
        if self.init_pid > 0 {
            procs::signal(self.init_pid, libc::SIGKILL);
        }
        let _ = self.holder.kill();
        let _ = self.holder.wait();
        kill_netns_pids(&self.ns);
        let _ = Command::new("ip").args(["netns", "del", &self.ns]).output();
    }
}

/// Kills whatever still runs in network namespace `ns` (processes the test put there).
fn kill_netns_pids(ns: &str) {
    if let Ok(o) = Command::new("ip").args(["netns", "pids", ns]).output() {
        for p in String::from_utf8_lossy(&o.stdout).split_whitespace() {
            if let Ok(p) = p.parse::<i32>() {
                procs::signal(p, libc::SIGKILL);
            }
        }
    }
}

/// Deletes namespaces if a sandbox fails half-way through its construction.
struct NsGuard(Vec<String>);

impl NsGuard {
    /// The sandbox owns the namespaces now.
    fn disarm(mut self) {
        self.0.clear();
    }
}

impl Drop for NsGuard {
    fn drop(&mut self) {
        for ns in &self.0 {
            kill_netns_pids(ns);
            let _ = Command::new("ip").args(["netns", "del", ns]).output();
        }
    }
}
