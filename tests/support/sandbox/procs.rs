//! The processes of a sandbox, read from /proc: host pid, pid inside the sandbox's pid
//! namespace, parent, session, state and command line.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// One process.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proc {
    /// Host pid (what kill(2) from the test takes).
    pub pid: i32,
    /// Pid inside the sandbox's pid namespace (what pid files, syslog and MAINPID say).
    pub ns_pid: i32,
    /// Host pid of the parent.
    pub ppid: i32,
    /// Host pid of the session leader.
    pub sid: i32,
    /// State letter (R, S, D, Z, ...).
    pub state: char,
    /// `Name:` (comm).
    pub name: String,
    /// argv.
    pub cmdline: Vec<String>,
    /// (device, inode) of the executable, if readable.
    pub exe: Option<(u64, u64)>,
}

/// (device, inode) of a file, following symlinks (so of `/proc/PID/exe`, the program run).
pub fn file_id(p: &Path) -> Option<(u64, u64)> {
    std::fs::metadata(p).ok().map(|m| (m.dev(), m.ino()))
}

/// The pid namespace of host pid `pid` ("pid:[4026532...]").
pub fn pid_ns(pid: i32) -> Option<String> {
    std::fs::read_link(format!("/proc/{pid}/ns/pid"))
        .ok()
        .map(|l| l.display().to_string())
}

/// Reads one process; None if it is gone.
pub fn read(pid: i32) -> Option<Proc> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |k: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(k))
            .map(|v| v.trim().to_string())
    };
    let ns_pid = field("NSpid:")?.split_whitespace().last()?.parse().ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised comm: state ppid pgrp session ...
    let after: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    Some(Proc {
        pid,
        ns_pid,
        ppid: after.get(1)?.parse().ok()?,
        sid: after.get(3)?.parse().ok()?,
        state: after.first()?.chars().next()?,
        name: field("Name:").unwrap_or_default(),
        cmdline: cmdline
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect(),
        exe: file_id(Path::new(&format!("/proc/{pid}/exe"))),
    })
}

/// Every live (not zombie) process in pid namespace `ns`, by host pid.
pub fn in_pid_ns(ns: &str) -> Vec<Proc> {
    let mut v: Vec<Proc> = std::fs::read_dir("/proc")
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
                .filter(|&p| pid_ns(p).as_deref() == Some(ns))
                .filter_map(read)
                .filter(|p| p.state != 'Z' && p.state != 'X')
                .collect()
        })
        .unwrap_or_default();
    v.sort_by_key(|p| p.ns_pid);
    v
}

/// Sends `sig` to host pid `pid` (a process of a sandbox this test made).
pub fn signal(pid: i32, sig: i32) -> bool {
    // SAFETY: kill(2) on a pid the caller got from its own sandbox.
    unsafe { libc::kill(pid, sig) == 0 }
}
