//! Shared helpers for integration tests: privilege checks that skip loudly, network namespaces
//! the test creates and removes, and running keepalived (Debian's, as the oracle) and ours.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// Path of our binary.
pub fn ours() -> &'static str {
    env!("CARGO_BIN_EXE_keepalived")
}

/// The shared corpora (`../shared` beside the checkout), if present.
pub fn shared_dir() -> Option<PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    d.is_dir().then(|| d.canonicalize().unwrap_or(d))
}

/// Prints a loud skip notice (tests that cannot run must say why).
pub fn skip(test: &str, why: &str) {
    eprintln!("SKIP {test}: {why}");
}

/// Whether we are root.
pub fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Debian's keepalived, if installed (the oracle).
pub fn oracle_keepalived() -> Option<PathBuf> {
    for p in ["/usr/sbin/keepalived", "/sbin/keepalived"] {
        let p = Path::new(p);
        if p.exists() {
            let v = Command::new(p).arg("-v").output().ok()?;
            let text = String::from_utf8_lossy(&v.stderr);
            if text.starts_with("Keepalived v2.2.7") && !text.contains("keepalived-rs") {
                return Some(p.to_path_buf());
            }
        }
    }
    None
}

/// Whether `ip netns` works here.
pub fn can_netns() -> bool {
    is_root()
        && Command::new("ip")
            .args(["netns", "list"])
            .output()
            .is_ok_and(|o| o.status.success())
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A network namespace created for a test and deleted on drop.
pub struct Netns {
    /// Its name.
    pub name: String,
}

impl Netns {
    /// Creates a namespace with loopback up and, for each name, an UP veth interface with an IPv4
    /// address (the ORACLE.tsv conditions).
    pub fn with_interfaces(names: &[String]) -> Netns {
        let name = format!(
            "kars-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        run_ok("ip", &["netns", "add", &name]);
        let ns = Netns { name };
        ns.exec_ok("ip", &["link", "set", "lo", "up"]);
        for (i, ifname) in names.iter().enumerate() {
            let peer = format!("kpeer{i}");
            ns.exec_ok("ip", &["link", "add", ifname, "type", "veth", "peer", "name", &peer]);
            ns.exec_ok("ip", &["link", "set", ifname, "up"]);
            ns.exec_ok("ip", &["link", "set", &peer, "up"]);
            let addr = format!("10.{}.{}.1/24", 100 + i / 250, i % 250);
            ns.exec_ok("ip", &["addr", "add", &addr, "dev", ifname]);
        }
        ns
    }

    /// Runs a command in the namespace and returns its output.
    pub fn exec(&self, cwd: &Path, prog: &str, args: &[&str]) -> std::process::Output {
        Command::new("ip")
            .args(["netns", "exec", &self.name, prog])
            .args(args)
            .current_dir(cwd)
            .output()
            .expect("ip netns exec")
    }

    fn exec_ok(&self, prog: &str, args: &[&str]) {
        let o = self.exec(Path::new("/"), prog, args);
        assert!(
            o.status.success(),
            "{prog} {args:?} failed in {}: {}",
            self.name,
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.name]).output();
    }
}

fn run_ok(prog: &str, args: &[&str]) {
    let o = Command::new(prog).args(args).output().expect(prog);
    assert!(
        o.status.success(),
        "{prog} {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The interfaces the ORACLE.tsv conditions require for a configuration text: eth0..eth3 and
/// every name given after `interface`, `dev` or `bind_if`, plus `# oracle-interfaces:` names.
pub fn interfaces_for(text: &str) -> Vec<String> {
    let mut v: Vec<String> = (0..4).map(|i| format!("eth{i}")).collect();
    for line in text.lines() {
        if let Some(rest) = line.trim().strip_prefix("# oracle-interfaces:") {
            v.extend(rest.split_whitespace().map(str::to_string));
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        for w in words.windows(2) {
            let key = w[0];
            if key == "interface" || key == "dev" || key == "bind_if" || key.ends_with("interface") {
                let n = w[1].trim_matches(['{', '}', '"']);
                if !n.is_empty() && n.len() <= 15 && !n.contains('/') {
                    v.push(n.to_string());
                }
            }
        }
    }
    let absent: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("# oracle-absent-interfaces:"))
        .flat_map(|r| r.split_whitespace().map(str::to_string))
        .collect();
    v.retain(|n| !absent.contains(n));
    v.sort();
    v.dedup();
    v
}

/// One message of `-t` output, normalised for comparison.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Msg {
    /// File and line, if the message names them.
    pub loc: Option<(String, u32)>,
    /// The message text without location and without our hint.
    pub text: String,
}

impl std::fmt::Display for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.loc {
            Some((file, line)) => write!(f, "({file}: Line {line}) {}", self.text),
            None => f.write_str(&self.text),
        }
    }
}

/// Parses `-t` output lines. `main_file` names the file for keepalived's `(Line N)` form.
pub fn parse_messages(out: &str, main_file: &str) -> Vec<Msg> {
    let mut v = Vec::new();
    for line in out.lines() {
        if line.trim().is_empty() {
            continue;
        }
        let mut text = line.to_string();
        if let Some(i) = text.rfind(" [hint: ") {
            if text.ends_with(']') {
                text.truncate(i);
            }
        }
        let mut loc = None;
        if let Some(rest) = text.strip_prefix('(') {
            if let Some(close) = rest.find(") ") {
                let inside = &rest[..close];
                let parsed = if let Some(n) = inside.strip_prefix("Line ") {
                    n.parse().ok().map(|n| (main_file.to_string(), n))
                } else if let Some(i) = inside.rfind(": Line ") {
                    inside[i + 7..].parse().ok().map(|n| (inside[..i].to_string(), n))
                } else {
                    None
                };
                if let Some(p) = parsed {
                    loc = Some(p);
                    text = rest[close + 2..].to_string();
                }
            }
        }
        v.push(Msg { loc, text });
    }
    v
}

/// The result of one `-t` run.
#[derive(Debug)]
pub struct TestRun {
    /// Exit code (signal deaths as 128+N).
    pub rc: i32,
    /// Raw stderr.
    pub stderr: String,
}

/// Runs `prog -t -f file` inside `ns` with working directory `dir`.
pub fn run_t(ns: &Netns, dir: &Path, prog: &str, file: &str, extra: &[&str]) -> TestRun {
    let mut args = vec!["-t", "-f", file];
    args.extend_from_slice(extra);
    let o = ns.exec(dir, prog, &args);
    use std::os::unix::process::ExitStatusExt;
    let rc = o.status.code().unwrap_or_else(|| 128 + o.status.signal().unwrap_or(0));
    TestRun {
        rc,
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// Why keepalived's `-d` output cannot be captured here, if it cannot.
pub fn dump_unavailable() -> Option<&'static str> {
    if !can_netns() {
        return Some("needs root and `ip netns` to run keepalived -d in a namespace of its own");
    }
    if oracle_keepalived().is_none() {
        return Some("Debian's keepalived 2.2.7 is not installed");
    }
    None
}

/// Runs Debian's keepalived with `-n -l -D -d` (plus `extra`) on `text`, inside a namespace
/// made for it with the interfaces the text names, and returns its console lines with the
/// timestamps removed, up to the line after which `stop` says enough. The keepalived started
/// (by pid) is then stopped; pid and FIFO files go to a temporary directory.
pub fn keepalived_dump(text: &str, extra: &[&str], stop: impl Fn(&[String]) -> bool) -> Vec<String> {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let oracle = oracle_keepalived().expect("keepalived installed");
    let ns = Netns::with_interfaces(&interfaces_for(text));
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("keepalived.conf"), text).expect("write config");
    let pid = |n: &str| dir.path().join(n).display().to_string();
    let mut child = Command::new("ip")
        .args(["netns", "exec", &ns.name, "timeout", "10"])
        .arg(&oracle)
        .args(["-n", "-l", "-D", "-d"])
        .args(extra)
        .args(["-f", "keepalived.conf", "-p", &pid("k.pid"), "-r", &pid("v.pid")])
        .args(["-c", &pid("c.pid"), "-b", &pid("b.pid")])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run keepalived");
    let mut lines = Vec::new();
    for line in BufReader::new(child.stderr.take().expect("stderr")).lines() {
        let Ok(line) = line else { break };
        // "Sat Nov 21 01:14:14 2026: text"
        let text = if line.len() >= 26 && line.is_char_boundary(24) && &line[24..26] == ": " {
            line[26..].to_string()
        } else {
            line
        };
        lines.push(text);
        if stop(&lines) {
            break;
        }
    }
    // `timeout` passes SIGTERM on to keepalived, which stops its children.
    // SAFETY: kill() on the pid of the process this function started.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    let _ = child.wait();
    lines
}
/// Makes a file executable (mode 0755).
pub fn chmod_x(p: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

pub mod check_http;
pub mod check_misc;
pub mod dumps;
pub mod engine;
pub mod io;
pub mod lab;
pub mod netlink;
pub mod packaging;
pub mod pool;
pub mod reload;
pub mod sandbox;
pub mod scripts;
pub mod smtp;
pub mod vm;
pub mod vmscen;
