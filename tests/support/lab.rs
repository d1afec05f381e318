//! A VRRP test lab: node namespaces joined by a bridge in a switch namespace, an observer
//! namespace that captures frames with tcpdump, and daemons (ours or Debian's keepalived) whose
//! log lines are collected with arrival times so tests can wait for events with a bound.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

static LAB: AtomicU32 = AtomicU32::new(0);

/// At most this many labs run at once: each runs several daemons whose timing the tests
/// observe, and CI machines have two cores.
const MAX_LABS: usize = 4;
static RUNNING: (Mutex<usize>, Condvar) = (Mutex::new(0), Condvar::new());

/// One of the [`MAX_LABS`] places, given back on drop (also when a lab fails to build).
struct Slot;

impl Slot {
    fn acquire() -> Slot {
        let (m, c) = &RUNNING;
        let mut n = m.lock().unwrap_or_else(|e| e.into_inner());
        while *n >= MAX_LABS {
            n = c.wait(n).unwrap_or_else(|e| e.into_inner());
        }
        *n += 1;
        Slot
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let (m, c) = &RUNNING;
        let mut n = m.lock().unwrap_or_else(|e| e.into_inner());
        *n -= 1;
        c.notify_one();
    }
}

/// Whether the lab can run here; `Some(reason)` when it cannot.
pub fn unavailable() -> Option<String> {
    if !super::is_root() {
        return Some("needs root for network namespaces".into());
    }
    if !super::can_netns() {
        return Some("`ip netns` does not work here".into());
    }
    None
}

/// Whether tcpdump is installed (the observer needs it).
pub fn have_tcpdump() -> bool {
    Command::new("tcpdump")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn ip(args: &[&str]) {
    let o = Command::new("ip").args(args).output().expect("run ip");
    assert!(
        o.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// One host on the segment: a namespace with `eth0` on the bridge.
#[derive(Clone, Debug)]
pub struct Node {
    /// Namespace name.
    pub ns: String,
    /// Its IPv4 address on eth0 (10.<lab>.0.<n>/24).
    pub ipv4: String,
    /// Its IPv6 address on eth0 (fd00:<lab>::<n>/64).
    pub ipv6: String,
}

impl Node {
    /// Runs a command in the node's namespace and returns stdout (panics on failure).
    pub fn sh(&self, cmd: &str) -> String {
        let o = Command::new("ip")
            .args(["netns", "exec", &self.ns, "sh", "-c", cmd])
            .output()
            .expect("ip netns exec");
        assert!(
            o.status.success(),
            "{cmd} in {}: {}",
            self.ns,
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// `ip addr show dev eth0` (or another interface).
    pub fn addrs(&self, dev: &str) -> String {
        self.sh(&format!("ip addr show dev {dev}"))
    }

    /// Whether `addr` (e.g. "10.1.0.100/32") is on `dev`.
    pub fn has_addr(&self, dev: &str, addr: &str) -> bool {
        self.addrs(dev).contains(&format!(" {addr} ")) || self.addrs(dev).contains(&format!(" {addr}\n"))
    }

    /// Waits up to `timeout` for `addr` to be present (`want`) or absent on `dev`.
    pub fn wait_addr(&self, dev: &str, addr: &str, want: bool, timeout: Duration) -> bool {
        let end = Instant::now() + timeout;
        loop {
            if self.has_addr(dev, addr) == want {
                return true;
            }
            if Instant::now() > end {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The lab: a switch namespace with bridge `br0`, nodes, and optionally an observer.
pub struct Lab {
    /// Lab number (distinct per test in this process; with the pid it makes unique names).
    pub id: u32,
    /// The switch namespace.
    pub switch: String,
    /// The nodes, in creation order.
    pub nodes: Vec<Node>,
    /// The observer node (captures only).
    pub observer: Node,
    /// Scratch directory for configs, pid files and captures.
    pub dir: tempfile::TempDir,
    daemons: Vec<u32>,
    // Last field: released after Drop has removed the namespaces.
    _slot: Slot,
}

impl Lab {
    /// A lab with `n` nodes plus an observer, all with eth0 up on one bridge.
    pub fn new(n: usize) -> Lab {
        let slot = Slot::acquire();
        let id = LAB.fetch_add(1, Ordering::Relaxed);
        let base = format!("kl{}-{}", std::process::id(), id);
        let switch = format!("{base}-sw");
        ip(&["netns", "add", &switch]);
        let mut lab = Lab {
            id,
            switch: switch.clone(),
            nodes: Vec::new(),
            observer: Node {
                ns: String::new(),
                ipv4: String::new(),
                ipv6: String::new(),
            },
            dir: tempfile::tempdir().expect("temp dir"),
            daemons: Vec::new(),
            _slot: slot,
        };
        ip(&["-n", &switch, "link", "set", "lo", "up"]);
        // No multicast snooping (VRRP multicast must reach every port without IGMP) and no MAC
        // learning (ageing 0: the bridge floods like a hub, so the observer sees unicast too).
        ip(&[
            "-n",
            &switch,
            "link",
            "add",
            "br0",
            "type",
            "bridge",
            "mcast_snooping",
            "0",
            "ageing_time",
            "0",
        ]);
        ip(&["-n", &switch, "link", "set", "br0", "up"]);
        let net = 1 + id % 250;
        for i in 0..=n {
            let ns = if i == n {
                format!("{base}-obs")
            } else {
                format!("{base}-n{}", i + 1)
            };
            ip(&["netns", "add", &ns]);
            // No duplicate address detection on the lab's links (a namespace-local sysctl): a
            // link-local address still tentative would delay the first IPv6 adverts.
            let o = Command::new("ip")
                .args([
                    "netns",
                    "exec",
                    &ns,
                    "sysctl",
                    "-qw",
                    "net.ipv6.conf.default.accept_dad=0",
                ])
                .output()
                .expect("sysctl");
            assert!(
                o.status.success(),
                "sysctl in {ns}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            let port = format!("p{i}");
            ip(&[
                "-n", &ns, "link", "add", "eth0", "type", "veth", "peer", "name", &port, "netns", &switch,
            ]);
            ip(&["-n", &switch, "link", "set", &port, "master", "br0", "up"]);
            ip(&["-n", &ns, "link", "set", "lo", "up"]);
            let ipv4 = format!("10.{net}.0.{}", i + 1);
            let ipv6 = format!("fd00:{net}::{}", i + 1);
            ip(&["-n", &ns, "addr", "add", &format!("{ipv4}/24"), "dev", "eth0"]);
            ip(&["-n", &ns, "addr", "add", &format!("{ipv6}/64"), "dev", "eth0", "nodad"]);
            ip(&["-n", &ns, "link", "set", "eth0", "up"]);
            let node = Node { ns, ipv4, ipv6 };
            if i == n {
                lab.observer = node;
            } else {
                lab.nodes.push(node);
            }
        }
        lab
    }

    /// The lab's IPv4 /24 prefix, e.g. "10.3.0".
    pub fn net4(&self) -> String {
        format!("10.{}.0", 1 + self.id % 250)
    }

    /// The lab's IPv6 /64 prefix, e.g. "fd00:3:".
    pub fn net6(&self) -> String {
        format!("fd00:{}:", 1 + self.id % 250)
    }

    /// Writes `text` to the lab directory as `name` and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).expect("write file");
        p
    }

    /// Starts a daemon (`program` is ours or Debian's keepalived) on `node` with `config` text,
    /// in the foreground with console logging and detail.
    pub fn start(&mut self, node: usize, program: &str, tag: &str, config: &str) -> Daemon {
        let conf = self.write(&format!("{tag}.conf"), config);
        let pid = |n: &str| self.dir.path().join(format!("{tag}.{n}.pid")).display().to_string();
        let mut child = Command::new("ip")
            .args(["netns", "exec", &self.nodes[node].ns, program])
            .args(["-n", "-l", "-D", "-f"])
            .arg(&conf)
            .args([
                "-p",
                &pid("main"),
                "-r",
                &pid("vrrp"),
                "-c",
                &pid("check"),
                "-b",
                &pid("bfd"),
            ])
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start daemon");
        let log = Log::default();
        let stderr = child.stderr.take().expect("stderr");
        let l = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                l.push(strip_stamp(&line));
            }
            l.close();
        });
        self.daemons.push(child.id());
        Daemon {
            child,
            log,
            vrrp_pid_file: PathBuf::from(pid("vrrp")),
        }
    }

    /// Starts tcpdump on the observer's eth0 with `filter`; frames are collected as text lines.
    pub fn capture(&mut self, filter: &str) -> Capture {
        self.capture_with(&[], filter)
    }

    /// Like [`Lab::capture`] with extra tcpdump options (e.g. `-x` for the packets' bytes).
    pub fn capture_with(&mut self, extra: &[&str], filter: &str) -> Capture {
        let mut child = Command::new("ip")
            .args(["netns", "exec", &self.observer.ns, "tcpdump", "-l", "-n", "-e", "-tt"])
            .args(extra)
            .args(["-i", "eth0"])
            .arg(filter)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start tcpdump");
        let log = Log::default();
        // tcpdump says "listening on" on stderr once the capture is armed.
        let armed = Log::default();
        let (out, err) = (
            child.stdout.take().expect("stdout"),
            child.stderr.take().expect("stderr"),
        );
        let l = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                l.push(line);
            }
            l.close();
        });
        let a = armed.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines() {
                let Ok(line) = line else { break };
                a.push(line);
            }
            a.close();
        });
        assert!(
            armed
                .wait(|l| l.contains("listening on"), Duration::from_secs(10))
                .is_some(),
            "tcpdump did not start: {:?}",
            armed.lines()
        );
        self.daemons.push(child.id());
        Capture { child, log }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for &pid in &self.daemons {
            // SAFETY: kill() on a pid this lab started (it may have exited already).
            unsafe {
                libc::kill(pid as libc::pid_t, libc::SIGKILL);
            }
        }
        // Namespaces go last, so no daemon re-adds an address meanwhile.
        for n in self.nodes.iter().chain(std::iter::once(&self.observer)) {
            if !n.ns.is_empty() {
                // Daemons started with `ip netns exec` may have children (keepalived's VRRP
                // child): kill whatever still runs in the namespace.
                let _ = Command::new("ip").args(["netns", "pids", &n.ns]).output().map(|o| {
                    for p in String::from_utf8_lossy(&o.stdout).split_whitespace() {
                        if let Ok(p) = p.parse::<i32>() {
                            // SAFETY: a process inside a namespace this lab created.
                            unsafe {
                                libc::kill(p, libc::SIGKILL);
                            }
                        }
                    }
                });
                let _ = Command::new("ip").args(["netns", "del", &n.ns]).output();
            }
        }
        let _ = Command::new("ip").args(["netns", "del", &self.switch]).output();
    }
}

/// "Sat Nov 21 01:14:14 2026: text" -> "text" (keepalived's console format).
pub fn strip_stamp(line: &str) -> String {
    if line.len() >= 26 && line.is_char_boundary(24) && &line[24..26] == ": " {
        line[26..].to_string()
    } else {
        line.to_string()
    }
}

/// Lines with arrival times, and whether the stream has ended.
type Lines = (Vec<(Instant, String)>, bool);

/// Lines collected from a process with their arrival times.
#[derive(Clone, Default)]
pub struct Log {
    inner: Arc<(Mutex<Lines>, Condvar)>,
}

impl Log {
    fn push(&self, line: String) {
        let (m, c) = &*self.inner;
        m.lock().unwrap().0.push((Instant::now(), line));
        c.notify_all();
    }

    fn close(&self) {
        let (m, c) = &*self.inner;
        m.lock().unwrap().1 = true;
        c.notify_all();
    }

    /// Every line so far.
    pub fn lines(&self) -> Vec<String> {
        self.inner.0.lock().unwrap().0.iter().map(|(_, l)| l.clone()).collect()
    }

    /// Every line so far with its arrival time.
    pub fn stamped(&self) -> Vec<(Instant, String)> {
        self.inner.0.lock().unwrap().0.clone()
    }

    /// Number of lines so far.
    pub fn len(&self) -> usize {
        self.inner.0.lock().unwrap().0.len()
    }

    /// Waits up to `timeout` for a line matching `pred` (already received ones count); returns
    /// its arrival time and text.
    pub fn wait(&self, pred: impl Fn(&str) -> bool, timeout: Duration) -> Option<(Instant, String)> {
        self.wait_from(0, pred, timeout)
    }

    /// Like [`Log::wait`], looking only at lines from index `from` on.
    pub fn wait_from(&self, from: usize, pred: impl Fn(&str) -> bool, timeout: Duration) -> Option<(Instant, String)> {
        let end = Instant::now() + timeout;
        let (m, c) = &*self.inner;
        let mut g = m.lock().unwrap();
        loop {
            if let Some((t, l)) = g.0.iter().skip(from).find(|(_, l)| pred(l)) {
                return Some((*t, l.clone()));
            }
            let now = Instant::now();
            if g.1 || now >= end {
                return None;
            }
            g = c.wait_timeout(g, end - now).unwrap().0;
        }
    }
}

/// A running daemon.
pub struct Daemon {
    /// The process (`ip netns exec` execs the daemon, so this is the daemon's main pid).
    pub child: Child,
    /// Its console log (timestamps stripped).
    pub log: Log,
    /// Where keepalived writes its VRRP child's pid.
    pub vrrp_pid_file: PathBuf,
}

impl Daemon {
    /// The main pid.
    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// The pid of the VRRP process: keepalived's VRRP child (from its pid file) or, while ours
    /// runs VRRP in its main process, the main pid.
    pub fn vrrp_pid(&self) -> i32 {
        std::fs::read_to_string(&self.vrrp_pid_file)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or_else(|| self.pid())
    }

    /// Sends `sig` to the VRRP process.
    pub fn signal_vrrp(&self, sig: i32) {
        // SAFETY: kill() on a pid this test started (or its VRRP child).
        unsafe {
            libc::kill(self.vrrp_pid(), sig);
        }
    }

    /// Sends `sig` to the main process.
    pub fn signal(&self, sig: i32) {
        // SAFETY: kill() on a pid this test started.
        unsafe {
            libc::kill(self.pid(), sig);
        }
    }

    /// kill -9 of the VRRP process and the main process (keepalived's VRRP child, or ours),
    /// then waits up to 5 s for the main process to exit.
    pub fn kill9(&mut self) {
        self.signal_vrrp(libc::SIGKILL);
        self.signal(libc::SIGKILL);
        self.wait_exit(Duration::from_secs(5));
    }

    /// Waits up to `timeout` for the process to exit; its status, if it did.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let end = Instant::now() + timeout;
        loop {
            if let Ok(Some(s)) = self.child.try_wait() {
                return Some(s);
            }
            if Instant::now() > end {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// A tcpdump capture on the observer.
pub struct Capture {
    /// tcpdump.
    pub child: Child,
    /// Its output lines ("1700000000.123456 aa:bb:.. > ..").
    pub log: Log,
}

impl Capture {
    /// The capture timestamp (seconds since the epoch) of a tcpdump -tt line.
    pub fn time(line: &str) -> f64 {
        line.split_whitespace()
            .next()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0.0)
    }
}

/// Our binary; `KARS_LAB_DAEMON=/usr/sbin/keepalived` runs the lab tests against keepalived
/// itself, which checks that the tests assert keepalived's behaviour.
pub fn ours() -> &'static str {
    static BIN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BIN.get_or_init(|| std::env::var("KARS_LAB_DAEMON").unwrap_or_else(|_| super::ours().to_string()))
}

/// Whether the lab's "ours" is really keepalived (KARS_LAB_DAEMON), for its known differences.
pub fn is_keepalived() -> bool {
    ours() != super::ours()
}

/// Debian's keepalived 2.2.7, if installed.
pub fn theirs() -> Option<String> {
    super::oracle_keepalived().map(|p| p.display().to_string())
}

/// Whether a path exists (for pid files).
pub fn exists(p: &Path) -> bool {
    p.exists()
}
