//! Helpers for the script tests: script files in a temporary directory anyone can read, `Script`
//! values, bounded waits on observable conditions, and `/proc` checks for reaped children.

use std::path::Path;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use keepalived_rs::config::model::{Origin, Script};

/// A temporary directory (mode 0777, so scripts running as `nobody` can write there) holding
/// script files.
pub struct ScriptDir {
    dir: tempfile::TempDir,
}

impl ScriptDir {
    /// A new, empty directory.
    pub fn new() -> ScriptDir {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::Builder::new()
            .prefix("kars-scripts-")
            .tempdir()
            .expect("temp dir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).expect("chmod");
        ScriptDir { dir }
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `name` inside it, as a string.
    pub fn file(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// Writes an executable (0755) `/bin/sh` script `name` with `body`; returns its path.
    pub fn script(&self, name: &str, body: &str) -> String {
        self.raw(name, &format!("#!/bin/sh\n{body}\n"))
    }

    /// Writes an executable (0755) file with exactly `text`; returns its path.
    ///
    /// `install` writes the executable, not this process: a child another test thread forks
    /// while we held the file open for writing would keep it open until its exec, and exec'ing
    /// the script then fails with ETXTBSY.
    pub fn raw(&self, name: &str, text: &str) -> String {
        let p = self.dir.path().join(name);
        let src = self.dir.path().join(format!(".{name}.src"));
        std::fs::write(&src, text).expect("write script");
        let st = std::process::Command::new("install")
            .arg("-m0755")
            .arg(&src)
            .arg(&p)
            .status()
            .expect("run install");
        assert!(st.success(), "install {}", p.display());
        let _ = std::fs::remove_file(&src);
        p.display().to_string()
    }
}

/// A `Script` running `args` as our own user.
pub fn script(args: &[&str]) -> Script {
    // SAFETY: these calls cannot fail.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    script_as(args, uid, gid)
}

/// A `Script` running `args` as `uid`:`gid`.
pub fn script_as(args: &[&str], uid: u32, gid: u32) -> Script {
    Script {
        args: args.iter().map(|s| s.to_string()).collect(),
        user: None,
        group: None,
        uid,
        gid,
        origin: Origin::default(),
    }
}

/// Polls `cond` every 10 ms until it holds or `limit` passes; whether it held.
pub fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The contents of `path` once it exists and satisfies `done`, within `limit`.
pub fn wait_file(path: &str, limit: Duration, done: impl Fn(&str) -> bool) -> Option<String> {
    let mut out = None;
    wait_until(limit, || match std::fs::read_to_string(path) {
        Ok(t) if done(&t) => {
            out = Some(t);
            true
        }
        _ => false,
    });
    out
}

/// A pid written by a script (`echo $$ > FILE`), once the file is complete.
pub fn read_pid(path: &str) -> i32 {
    let t =
        wait_file(path, Duration::from_secs(5), |t| t.ends_with('\n')).unwrap_or_else(|| panic!("no pid in {path}"));
    t.trim().parse().expect("pid")
}

/// The state letter of a process (`R`, `S`, `Z`, ...), or `None` if it no longer exists.
pub fn proc_state(pid: i32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) S ppid ...": the state follows the last ')'.
    stat.rsplit_once(')')
        .and_then(|(_, rest)| rest.trim_start().chars().next())
}

/// The parent pid of a process, if it exists.
pub fn proc_ppid(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?.1.split_whitespace().nth(1)?.parse().ok()
}

/// Whether `pid`, a child of this process, has been reaped: gone from `/proc`, or (after a pid
/// reuse) no longer our child.
pub fn reaped(pid: i32) -> bool {
    proc_ppid(pid) != Some(std::process::id() as i32)
}

/// Whether a process is dead: gone, or a zombie waiting for a parent that is not us (e.g. a
/// grandchild reparented to an init that has not reaped it yet).
pub fn dead(pid: i32) -> bool {
    matches!(proc_state(pid), None | Some('Z') | Some('X'))
}

/// Zombie children of this process.
pub fn zombie_children() -> Vec<i32> {
    let me = std::process::id() as i32;
    let mut v = Vec::new();
    for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        if let Ok(pid) = e.file_name().to_string_lossy().parse::<i32>() {
            if proc_ppid(pid) == Some(me) && proc_state(pid) == Some('Z') {
                v.push(pid);
            }
        }
    }
    v
}

/// Every line keepalived-rs's logger writes in this test process, from the first call on.
pub fn log_lines() -> &'static Mutex<Vec<String>> {
    static LINES: OnceLock<&'static Mutex<Vec<String>>> = OnceLock::new();
    LINES.get_or_init(|| {
        let lines: &'static Mutex<Vec<String>> = Box::leak(Box::new(Mutex::new(Vec::new())));
        keepalived_rs::log::set_observer(Some(Box::new(move |_prio, text| {
            lines.lock().unwrap_or_else(|e| e.into_inner()).push(text.to_string());
        })));
        lines
    })
}

/// Whether a logged line satisfies `pred`, waiting up to `limit`.
pub fn logged(limit: Duration, pred: impl Fn(&str) -> bool) -> bool {
    let lines = log_lines();
    wait_until(limit, || {
        lines.lock().unwrap_or_else(|e| e.into_inner()).iter().any(|l| pred(l))
    })
}

/// [`wait_until`] for async tests: sleeps on the runtime's timer, so that the runtime keeps
/// running other tasks (e.g. the ones reaping children) meanwhile.
pub async fn wait_until_async(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// [`read_pid`] for async tests.
pub async fn read_pid_async(path: &str) -> i32 {
    let mut pid = None;
    wait_until_async(Duration::from_secs(5), || {
        pid = std::fs::read_to_string(path)
            .ok()
            .filter(|t| t.ends_with('\n'))
            .and_then(|t| t.trim().parse().ok());
        pid.is_some()
    })
    .await;
    pid.unwrap_or_else(|| panic!("no pid in {path}"))
}

/// Debian's keepalived (`-n -l -D -P`) running on `config` inside a namespace of its own with
/// an UP `veth0`; stopped (SIGTERM, then SIGKILL) on drop. Console output goes to
/// `DIR/keepalived.log`.
pub struct Oracle {
    child: std::process::Child,
    _ns: super::Netns,
}

impl Oracle {
    /// Starts it; `dir` holds the configuration, pid files and log.
    pub fn start(dir: &Path, config: &str) -> Oracle {
        let ka = super::oracle_keepalived().expect("keepalived installed");
        let ns = super::Netns::with_interfaces(&["veth0".to_string()]);
        let conf = dir.join("keepalived.conf");
        std::fs::write(&conf, config).expect("write config");
        let f = |n: &str| dir.join(n).display().to_string();
        let log = std::fs::File::create(dir.join("keepalived.log")).expect("log file");
        // `ip netns exec` execs keepalived, so the child's pid is keepalived's.
        let child = std::process::Command::new("ip")
            .args(["netns", "exec", &ns.name])
            .arg(ka)
            .args([
                "-n",
                "-l",
                "-D",
                "-P",
                "-f",
                &f("keepalived.conf"),
                "-p",
                &f("k.pid"),
                "-r",
                &f("v.pid"),
            ])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start keepalived");
        Oracle { child, _ns: ns }
    }

    /// Stops it (SIGTERM) and waits up to 10 s for it to exit, then SIGKILL.
    pub fn stop(&mut self) {
        // SAFETY: kill() on the pid of the process we started.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let exited = wait_until(Duration::from_secs(10), || matches!(self.child.try_wait(), Ok(Some(_))));
        if !exited {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        if !matches!(self.child.try_wait(), Ok(Some(_))) {
            self.stop();
        }
    }
}
