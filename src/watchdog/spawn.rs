//! Starting a child: the parent re-executes its own binary (`/proc/self/exe`) with its
//! original arguments plus `--role=vrrp|checker`, rather than forking a process that may
//! already run threads. The child's end of a fresh control socketpair becomes fd
//! [`CHILD_FD`]; the child gets `PR_SET_PDEATHSIG` = SIGTERM (kept across exec) so it stops
//! if the parent dies, and checks the parent did not die before that was set, as keepalived's
//! `start_vrrp_child()` does.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;

use tokio::net::UnixStream;

use super::control::{CHILD_FD, CHILD_FD_ENV};
use crate::cli::Role;

/// A started child: the process and the parent's end of its control socket.
pub struct Spawned {
    /// The child process (reaped by waiting on it).
    pub child: tokio::process::Child,
    /// Its pid.
    pub pid: u32,
    /// The parent's end of the control socket.
    pub control: UnixStream,
}

/// Starts `role` with `args` (the parent's own arguments, without argv[0]).
pub fn spawn(role: Role, argv0: &str, args: &[String]) -> io::Result<Spawned> {
    let (ours, theirs) = std::os::unix::net::UnixStream::pair()?;
    ours.set_nonblocking(true)?;
    let theirs: OwnedFd = theirs.into();
    let their_fd = theirs.as_raw_fd();
    let parent = std::process::id() as libc::pid_t;
    let exe = std::fs::read_link("/proc/self/exe").unwrap_or_else(|_| argv0.into());
    let mut cmd = std::process::Command::new(exe);
    cmd.arg0(argv0)
        .args(args)
        .arg(format!("--role={}", role.arg()))
        .env(CHILD_FD_ENV, CHILD_FD.to_string())
        // Only the parent talks to systemd.
        .env_remove("NOTIFY_SOCKET");
    // SAFETY: only async-signal-safe calls (dup2, fcntl, prctl, getppid, sigprocmask, _exit)
    // between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            if libc::dup2(their_fd, CHILD_FD) < 0 {
                return Err(io::Error::last_os_error());
            }
            let flags = libc::fcntl(CHILD_FD, libc::F_GETFD);
            libc::fcntl(CHILD_FD, libc::F_SETFD, flags & !libc::FD_CLOEXEC);
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM as libc::c_ulong, 0, 0, 0);
            if libc::getppid() != parent {
                libc::_exit(0);
            }
            let mut none: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut none);
            libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
            Ok(())
        });
    }
    let child = tokio::process::Command::from(cmd).kill_on_drop(false).spawn()?;
    drop(theirs);
    let pid = child.id().unwrap_or(0);
    Ok(Spawned {
        child,
        pid,
        control: UnixStream::from_std(ours)?,
    })
}
