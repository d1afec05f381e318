//! Pid files as keepalived keeps them (`keepalived/core/pidfile.c`): `"%d\n"`, mode 0644, one
//! per process, removed at stop; a second start finds live pids in them and logs "daemon is
//! already running".
//!
//! Beyond keepalived 2.2.7 (as in its HEAD): each file is written to a temporary name and
//! renamed into place, so a reader never sees a half-written file, and the writer holds an
//! `fcntl` write lock on it for as long as it runs, so "is it running?" does not depend on pid
//! reuse. A file nobody holds a lock on and whose pid is not a live keepalived is stale and is
//! removed ("Remove a zombie pid file").

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::cli::Options;
use crate::config::model::global::GlobalDefs as Global;

/// keepalived's pid directory with `use_pid_dir`, `instance` or `net_namespace`.
pub const PID_DIR: &str = "/run/keepalived";

/// The pid file paths of one run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PidPaths {
    /// The parent's (`-p`).
    pub main: String,
    /// The VRRP child's (`-r`).
    pub vrrp: String,
    /// The checker child's (`-c`).
    pub checkers: String,
    /// Whether [`PID_DIR`] is in use (created at start, removed at stop if empty).
    pub use_pid_dir: bool,
}

impl PidPaths {
    /// keepalived's rules (`main.c`): command-line paths win; with `instance NAME` the defaults
    /// become `/run/keepalived/keepalived_NAME.pid` etc.; with `use_pid_dir` or `net_namespace`
    /// they move to `/run/keepalived/`; otherwise `/run/keepalived.pid`, `/run/vrrp.pid`,
    /// `/run/checkers.pid`.
    pub fn resolve(o: &Options, g: &Global) -> PidPaths {
        let use_pid_dir = g.use_pid_dir || g.instance.is_some() || g.net_namespace.is_some() || o.namespace.is_some();
        let default = |cli: &Option<String>, base: &str| -> String {
            if let Some(p) = cli {
                return p.clone();
            }
            match (&g.instance, use_pid_dir) {
                (Some(i), _) => format!("{PID_DIR}/{base}_{i}.pid"),
                (None, true) => format!("{PID_DIR}/{base}.pid"),
                (None, false) => format!("/run/{base}.pid"),
            }
        };
        PidPaths {
            main: default(&o.pid_file, "keepalived"),
            vrrp: default(&o.vrrp_pid_file, "vrrp"),
            checkers: default(&o.checkers_pid_file, "checkers"),
            use_pid_dir,
        }
    }
}

/// A pid file this process wrote and holds locked; [`PidFile::remove`] at stop.
#[derive(Debug)]
pub struct PidFile {
    path: PathBuf,
    _file: File,
}

impl PidFile {
    /// Writes `pid` to `path` atomically and keeps it locked.
    pub fn write(path: &str, pid: u32) -> io::Result<PidFile> {
        let target = Path::new(path);
        let dir = target
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = target.file_name().ok_or_else(|| io::Error::other("no file name"))?;
        let tmp = dir.join(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(libc::O_CLOEXEC | libc::O_NOFOLLOW)
            .mode(0o644)
            .open(&tmp)?;
        let done = (|| {
            f.set_permissions(std::fs::Permissions::from_mode(0o644))?;
            lock(&f)?;
            f.write_all(format!("{pid}\n").as_bytes())?;
            f.sync_all()?;
            std::fs::rename(&tmp, target)
        })();
        if let Err(e) = done {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        Ok(PidFile {
            path: target.to_path_buf(),
            _file: f,
        })
    }

    /// Removes the file if it is still ours (a respawned child may have replaced it).
    pub fn remove(self) {
        let ours = std::fs::read_to_string(&self.path)
            .ok()
            .and_then(|t| t.trim().parse::<u32>().ok())
            == Some(std::process::id());
        if ours {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Takes the write lock on `f` (fails if another process holds it).
fn lock(f: &File) -> io::Result<()> {
    // SAFETY: fcntl(F_SETLK) with a fully initialised flock on an fd we own.
    let rc = unsafe {
        let mut fl: libc::flock = std::mem::zeroed();
        fl.l_type = libc::F_WRLCK as libc::c_short;
        fl.l_whence = libc::SEEK_SET as libc::c_short;
        libc::fcntl(f.as_raw_fd(), libc::F_SETLK, &fl)
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// The pid of the process holding a write lock on `f`, if another one does.
fn lock_holder(f: &File) -> Option<i32> {
    // SAFETY: fcntl(F_GETLK) fills in the flock we pass.
    unsafe {
        let mut fl: libc::flock = std::mem::zeroed();
        fl.l_type = libc::F_WRLCK as libc::c_short;
        fl.l_whence = libc::SEEK_SET as libc::c_short;
        if libc::fcntl(f.as_raw_fd(), libc::F_GETLK, &mut fl) != 0 {
            return None;
        }
        (fl.l_type != libc::F_UNLCK as libc::c_short).then_some(fl.l_pid)
    }
}

/// Whether `pid` is a live process that looks like a keepalived (ours or the C one).
fn is_live_keepalived(pid: i32) -> bool {
    if pid <= 0 || pid as u32 == std::process::id() {
        return false;
    }
    // SAFETY: kill with signal 0 only checks for existence.
    if unsafe { libc::kill(pid, 0) } != 0 && io::Error::last_os_error().raw_os_error() != Some(libc::EPERM) {
        return false;
    }
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|c| String::from_utf8_lossy(&c).contains("keepalived"))
        .unwrap_or(true)
}

/// What a start-up check found in one pid file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// No file.
    None,
    /// A live daemon owns it.
    Running(i32),
    /// A stale file, now removed.
    Stale,
}

/// keepalived's `keepalived_running()` for one file: locked or naming a live keepalived means
/// running; otherwise the file is stale and removed.
pub fn check(path: &str) -> Found {
    let Ok(mut f) = File::open(path) else {
        return Found::None;
    };
    if let Some(pid) = lock_holder(&f) {
        return Found::Running(pid);
    }
    let mut text = String::new();
    let _ = f.read_to_string(&mut text);
    match text.trim().parse::<i32>() {
        Ok(pid) if is_live_keepalived(pid) => Found::Running(pid),
        _ => {
            let _ = std::fs::remove_file(path);
            Found::Stale
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_atomically_with_mode_0644_and_removed_only_when_ours() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("keepalived.pid");
        let ps = p.to_str().unwrap();
        let f = PidFile::write(ps, std::process::id()).unwrap();
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            format!("{}\n", std::process::id())
        );
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
        assert_eq!(
            std::fs::read_dir(d.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
        // Our own lock does not make our own file "running" (fcntl locks are per process), and
        // a file naming our own pid is not another daemon.
        std::fs::write(&p, "999999999\n").unwrap();
        f.remove();
        assert!(p.exists(), "a file rewritten by someone else is left alone");
    }

    #[test]
    fn stale_and_missing_files() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("vrrp.pid");
        let ps = p.to_str().unwrap();
        assert_eq!(check(ps), Found::None);
        std::fs::write(&p, "999999999\n").unwrap();
        assert_eq!(check(ps), Found::Stale);
        assert!(!p.exists());
        std::fs::write(&p, "garbage").unwrap();
        assert_eq!(check(ps), Found::Stale);
    }

    #[test]
    fn paths_follow_keepalived_defaults() {
        let o = Options::default();
        let mut g = Global::default();
        let p = PidPaths::resolve(&o, &g);
        assert_eq!(
            (p.main.as_str(), p.vrrp.as_str(), p.checkers.as_str()),
            ("/run/keepalived.pid", "/run/vrrp.pid", "/run/checkers.pid")
        );
        g.instance = Some("a".into());
        let p = PidPaths::resolve(&o, &g);
        assert_eq!(p.vrrp, "/run/keepalived/vrrp_a.pid");
        g.instance = None;
        g.use_pid_dir = true;
        assert_eq!(PidPaths::resolve(&o, &g).main, "/run/keepalived/keepalived.pid");
        let o = Options {
            pid_file: Some("/tmp/x.pid".into()),
            ..Options::default()
        };
        assert_eq!(PidPaths::resolve(&o, &g).main, "/tmp/x.pid");
    }
}
