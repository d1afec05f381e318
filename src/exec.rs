//! Running external scripts as keepalived 2.2.7 does (`lib/notify.c`: `system_call_script()`,
//! `set_script_env()`, `notify_exec()`; `vrrp_scheduler.c`: `vrrp_script_child_thread()`).
//!
//! The child:
//! - sets its gid (if not ours), its supplementary groups to just that gid, and its uid (if not
//!   ours); if any of these fails keepalived's child logs and exits 0, so the run reads as a
//!   success ([`ScriptOutcome::Exited`]`(0)`);
//! - gets default signal dispositions, an empty signal mask and normal (not realtime)
//!   scheduling, and stdin/stdout/stderr on `/dev/null`;
//! - runs in its own process group, so that a timeout kills everything it started;
//! - is exec'd directly with its arguments (`execve`, keeping our environment), with
//!   `PR_SET_PDEATHSIG` = SIGTERM. Only a `</path` "script" (keepalived's `SC_SYSTEM` file test)
//!   goes through `/bin/sh -c` (`system()`), where exit codes 126 and 127 read as 0. Debian's
//!   keepalived is built without libmagic, so a script without `#!` is not run by a shell: its
//!   exec fails and the run reads as exit 0, as in keepalived.
//!
//! Every child is waited for, so none is left a zombie.

use std::ffi::CString;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::Duration;

use crate::config::model::Script;
use crate::vrrp::event::ScriptOutcome;

/// How long a script killed with SIGTERM at its timeout has before it gets SIGKILL
/// (keepalived's `vrrp_script_child_thread`: 2 s).
pub const TERM_GRACE: Duration = Duration::from_secs(2);

/// What happens at the timeout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnTimeout {
    /// `vrrp_script`: SIGTERM to the process group, SIGKILL [`TERM_GRACE`] later if it is still
    /// running. A script that then exits normally reports its status; one killed by our
    /// signal is [`ScriptOutcome::TimedOut`].
    TermThenKill,
    /// Notify scripts at shutdown (keepalived's `child_killed_thread`): SIGKILL to the process
    /// group at once.
    Kill,
}

/// A run's state shared with whoever supervises it from outside (e.g. to signal every running
/// script at shutdown).
#[derive(Debug, Default)]
pub struct RunHandle {
    pgid: AtomicI32,
    timing_out: AtomicBool,
}

impl RunHandle {
    /// A handle for a run that has not started.
    pub fn new() -> RunHandle {
        RunHandle::default()
    }

    /// The process group of the running script (its pid), if one is running.
    pub fn pgid(&self) -> Option<i32> {
        match self.pgid.load(Ordering::SeqCst) {
            0 => None,
            p => Some(p),
        }
    }

    /// Whether it is past its timeout and being killed (keepalived's
    /// `SCRIPT_STATE_REQUESTING_TERMINATION` / `FORCING_TERMINATION`).
    pub fn is_timing_out(&self) -> bool {
        self.timing_out.load(Ordering::SeqCst)
    }

    /// Sends `signal` to the running script's process group; false if none is running.
    pub fn signal_group(&self, signal: i32) -> bool {
        match self.pgid() {
            Some(p) => killpg(p, signal),
            None => false,
        }
    }
}

/// Runs `script` with `extra_args` appended and waits for it, as keepalived runs a
/// `vrrp_script`: at `timeout` the process group gets SIGTERM, and SIGKILL [`TERM_GRACE`] later
/// (see [`OnTimeout::TermThenKill`]). `None`: no timeout.
pub async fn run(script: &Script, extra_args: &[String], timeout: Option<Duration>) -> ScriptOutcome {
    run_with(script, extra_args, timeout, OnTimeout::TermThenKill, None).await
}

/// [`run`] with a choice of what happens at the timeout, and an optional [`RunHandle`] that
/// follows the run.
pub async fn run_with(
    script: &Script,
    extra_args: &[String],
    timeout: Option<Duration>,
    on_timeout: OnTimeout,
    handle: Option<&RunHandle>,
) -> ScriptOutcome {
    let Some(mut child) = launch(script, extra_args, spawn_tokio) else {
        return ScriptOutcome::Exited(0);
    };
    let pid = child.id().map_or(0, |p| p as i32);
    if let Some(h) = handle {
        h.timing_out.store(false, Ordering::SeqCst);
        h.pgid.store(pid, Ordering::SeqCst);
    }
    let status = supervise(&mut child, pid, timeout, on_timeout, handle).await;
    if let Some(h) = handle {
        h.pgid.store(0, Ordering::SeqCst);
        h.timing_out.store(false, Ordering::SeqCst);
    }
    outcome(script, extra_args, pid, status)
}

/// Starts `script` with `extra_args` and does not wait for it (keepalived's `notify_exec()`);
/// it is reaped in the background: by a tokio task inside a runtime, else by a thread.
/// Returns its pid, or `None` if it could not be started (already logged).
///
/// Like every function here, call it from a long-lived thread (a runtime worker or the main
/// thread, not `spawn_blocking`): the script's `PR_SET_PDEATHSIG` fires when the thread that
/// started it ends, not only when the process does.
pub fn spawn_detached(script: &Script, extra_args: &[String]) -> Option<u32> {
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        let _guard = rt.enter();
        let mut child = launch(script, extra_args, spawn_tokio)?;
        let pid = child.id();
        rt.spawn(async move {
            let _ = child.wait().await;
        });
        pid
    } else {
        let mut child = launch(script, extra_args, |c| c.spawn())?;
        let pid = child.id();
        std::thread::spawn(move || {
            let _ = child.wait();
        });
        Some(pid)
    }
}

fn spawn_tokio(cmd: &mut std::process::Command) -> std::io::Result<tokio::process::Child> {
    let mut cmd = tokio::process::Command::from(std::mem::replace(cmd, std::process::Command::new("")));
    cmd.kill_on_drop(false).spawn()
}

/// Waits for the child, enforcing the timeout.
async fn supervise(
    child: &mut tokio::process::Child,
    pid: i32,
    timeout: Option<Duration>,
    on_timeout: OnTimeout,
    handle: Option<&RunHandle>,
) -> Waited {
    let Some(limit) = timeout else {
        return Waited::Normal(child.wait().await);
    };
    if let Ok(st) = tokio::time::timeout(limit, child.wait()).await {
        return Waited::Normal(st);
    }
    if let Some(h) = handle {
        h.timing_out.store(true, Ordering::SeqCst);
    }
    match on_timeout {
        OnTimeout::Kill => {
            killpg(pid, libc::SIGKILL);
            Waited::AfterKill(child.wait().await)
        }
        OnTimeout::TermThenKill => {
            killpg(pid, libc::SIGTERM);
            match tokio::time::timeout(TERM_GRACE, child.wait()).await {
                Ok(st) => Waited::AfterTerm(st),
                Err(_) => {
                    killpg(pid, libc::SIGKILL);
                    Waited::AfterKill(child.wait().await)
                }
            }
        }
    }
}

/// How the wait ended, relative to our signals.
enum Waited {
    /// Before the timeout.
    Normal(std::io::Result<ExitStatus>),
    /// After we sent SIGTERM.
    AfterTerm(std::io::Result<ExitStatus>),
    /// After we sent SIGKILL.
    AfterKill(std::io::Result<ExitStatus>),
}

/// keepalived's reading of the wait status (`vrrp_script_child_thread`), plus `system()`'s
/// exit codes 126/127 reading as 0 for `</path` scripts.
fn outcome(script: &Script, extra_args: &[String], pid: i32, waited: Waited) -> ScriptOutcome {
    let (st, term_sent, kill_sent) = match waited {
        Waited::Normal(st) => (st, false, false),
        Waited::AfterTerm(st) => (st, true, false),
        Waited::AfterKill(st) => (st, true, true),
    };
    let Ok(st) = st else {
        // Someone else reaped it (keepalived: "child lost"): there is no status to report, and
        // a run that cannot be accounted for must not read as a success.
        return ScriptOutcome::TimedOut;
    };
    if let Some(code) = st.code() {
        if is_system(&script.args) && (code == 126 || code == 127) {
            let what = if code == 127 {
                "Couldn't find command"
            } else {
                "Couldn't execute command"
            };
            crate::log::write_at(
                libc::LOG_ALERT,
                &format!("{what}: {}", cmd_str(&script.args, extra_args)),
            );
            return ScriptOutcome::Exited(0);
        }
        return ScriptOutcome::Exited(code);
    }
    let sig = st.signal().unwrap_or(libc::SIGKILL);
    if term_sent && !kill_sent && sig == libc::SIGTERM {
        // Make sure anything it started dies too.
        killpg(pid, libc::SIGKILL);
        return ScriptOutcome::TimedOut;
    }
    if kill_sent && (sig == libc::SIGKILL || sig == libc::SIGTERM) {
        return ScriptOutcome::TimedOut;
    }
    ScriptOutcome::Signalled(sig)
}

/// Whether keepalived runs this command through `system()`: a first word `<` then optional
/// blanks then `/` (`check_script_secure()`'s `SC_SYSTEM`, a file-openable test).
pub fn is_system(args: &[String]) -> bool {
    args.first().is_some_and(|a| {
        a.strip_prefix('<')
            .is_some_and(|rest| rest.trim_start_matches([' ', '\t']).starts_with('/'))
    })
}

/// keepalived's `cmd_str_r()`: the words in single quotes, joined by spaces, except a first word
/// starting with `<` or `>` (a shell redirection).
pub fn cmd_str(args: &[String], extra_args: &[String]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().chain(extra_args).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if i == 0 && (a.starts_with('<') || a.starts_with('>')) {
            out.push_str(a);
        } else {
            out.push('\'');
            out.push_str(a);
            out.push('\'');
        }
    }
    out
}

/// Error codes the child's set-up reports through the exec error pipe: the step times this base
/// plus errno, so that the parent can log keepalived's message for the step.
const STEP_BASE: i32 = 1 << 16;
const STEP_SETGID: i32 = 1;
const STEP_SETGROUPS: i32 = 2;
const STEP_SETUID: i32 = 3;

/// Builds the command and spawns it with `spawn`; logs and returns `None` where keepalived's
/// child would log and exit 0.
fn launch<C>(
    script: &Script,
    extra_args: &[String],
    spawn: impl FnOnce(&mut std::process::Command) -> std::io::Result<C>,
) -> Option<C> {
    let Some(program) = script.args.first() else {
        crate::log::write_at(
            libc::LOG_ALERT,
            "Error exec-ing command '', error 2: No such file or directory",
        );
        return None;
    };
    let system = is_system(&script.args);
    let mut cmd = if system {
        let mut c = std::process::Command::new("/bin/sh");
        c.arg0("sh").arg("-c").arg(cmd_str(&script.args, extra_args));
        c
    } else {
        let mut c = std::process::Command::new(program);
        c.args(&script.args[1..]).args(extra_args);
        c
    };
    // keepalived calls execve(2) itself: std's execvp(3) would run a script without "#!"
    // under /bin/sh, where keepalived's exec fails with ENOEXEC.
    let execve = if system {
        None
    } else {
        match Execve::new(script.args.iter().chain(extra_args)) {
            Some(e) => Some(e),
            None => {
                let msg = format!(
                    "Error exec-ing command '{program}', error {}: {}",
                    libc::EINVAL,
                    strerror(libc::EINVAL)
                );
                crate::log::write_at(libc::LOG_ALERT, &msg);
                return None;
            }
        }
    };
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0);
    let env = ChildEnv {
        uid: script.uid,
        gid: script.gid,
        // SAFETY: these calls cannot fail.
        our_uid: unsafe { libc::geteuid() },
        our_gid: unsafe { libc::getegid() },
        sigrtmax: libc::SIGRTMAX(),
        death_signal: !system,
    };
    // SAFETY: the closure only makes async-signal-safe system calls and allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            env.apply()?;
            match &execve {
                Some(e) => Err(e.exec()),
                None => Ok(()),
            }
        })
    };
    match spawn(&mut cmd) {
        Ok(c) => Some(c),
        Err(e) => {
            let code = e.raw_os_error().unwrap_or(0);
            let (step, errno) = (code / STEP_BASE, code % STEP_BASE);
            let err = strerror(errno);
            let msg = match step {
                STEP_SETGID => format!("Couldn't setgid: {} ({err})", script.gid),
                STEP_SETGROUPS => format!("Couldn't setgroups: {} ({err})", script.gid),
                STEP_SETUID => format!("Couldn't setuid: {} ({err})", script.uid),
                _ if system => format!("Error exec-ing command: {}", cmd_str(&script.args, extra_args)),
                _ => format!("Error exec-ing command '{program}', error {errno}: {}", strerror(errno)),
            };
            crate::log::write_at(libc::LOG_ALERT, &msg);
            None
        }
    }
}

unsafe extern "C" {
    static environ: *const *const libc::c_char;
}

/// An `execve(2)` call prepared in the parent, so that the child allocates nothing.
struct Execve {
    _args: Vec<CString>,
    argv: Vec<*const libc::c_char>,
}

// SAFETY: the pointers point into `_args`, which the struct owns and never changes.
unsafe impl Send for Execve {}
// SAFETY: as above; the child only reads them.
unsafe impl Sync for Execve {}

impl Execve {
    /// The call for these arguments (the first is the program); `None` if one holds a NUL.
    fn new<'a>(args: impl Iterator<Item = &'a String>) -> Option<Execve> {
        let args: Vec<CString> = args.map(|a| CString::new(a.as_str()).ok()).collect::<Option<_>>()?;
        let mut argv: Vec<*const libc::c_char> = args.iter().map(|a| a.as_ptr()).collect();
        argv.push(std::ptr::null());
        Some(Execve { _args: args, argv })
    }

    /// Replaces the process with the program, keeping our environment; returns only on
    /// failure, with its error.
    fn exec(&self) -> std::io::Error {
        // SAFETY: argv is a NULL-terminated array of valid C strings; environ is the process's
        // environment.
        unsafe { libc::execve(self.argv[0], self.argv.as_ptr(), environ) };
        std::io::Error::last_os_error()
    }
}

/// What the child sets up between fork and exec.
#[derive(Clone, Copy)]
struct ChildEnv {
    uid: u32,
    gid: u32,
    our_uid: u32,
    our_gid: u32,
    sigrtmax: i32,
    death_signal: bool,
}

impl ChildEnv {
    /// keepalived's `set_script_env()`, `signal_handler_script()`, `reset_process_priorities()`
    /// and `prctl(PR_SET_PDEATHSIG)`. Runs in the forked child: system calls only.
    fn apply(self) -> std::io::Result<()> {
        let fail = |step: i32| {
            let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
            Err(std::io::Error::from_raw_os_error(step * STEP_BASE + errno))
        };
        // SAFETY (all blocks below): plain system calls on values we own.
        if self.gid != self.our_gid && unsafe { libc::setgid(self.gid) } < 0 {
            return fail(STEP_SETGID);
        }
        if unsafe { libc::setgroups(1, &self.gid) } < 0 {
            return fail(STEP_SETGROUPS);
        }
        if self.uid != self.our_uid && unsafe { libc::setuid(self.uid) } < 0 {
            return fail(STEP_SETUID);
        }
        unsafe {
            let mut dfl: libc::sigaction = std::mem::zeroed();
            dfl.sa_sigaction = libc::SIG_DFL;
            libc::sigemptyset(&mut dfl.sa_mask);
            for sig in 1..=self.sigrtmax {
                // SIGKILL, SIGSTOP and glibc's internal signals refuse: nothing to reset there.
                libc::sigaction(sig, &dfl, std::ptr::null_mut());
            }
            // The raw system call: glibc's sigprocmask leaves its internal signals (32, 33) as
            // they are, and a thread of ours may have them blocked.
            let empty: u64 = 0;
            libc::syscall(
                libc::SYS_rt_sigprocmask,
                libc::SIG_SETMASK,
                &empty,
                std::ptr::null_mut::<u64>(),
                8usize,
            );
            let policy = libc::sched_getscheduler(0);
            if policy == libc::SCHED_FIFO || policy == libc::SCHED_RR {
                let sp = libc::sched_param { sched_priority: 0 };
                libc::sched_setscheduler(0, libc::SCHED_OTHER, &sp);
            }
            // The daemon runs without transparent huge pages (crate::memory::set_up); a
            // script, or a service a notify script starts, gets the system's setting.
            libc::prctl(libc::PR_SET_THP_DISABLE, 0, 0, 0, 0);
            // After the credential changes, which clear it.
            if self.death_signal {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM as libc::c_ulong);
            }
        }
        Ok(())
    }
}

/// Sends `signal` to process group `pgid`; false if there is none.
fn killpg(pgid: i32, signal: i32) -> bool {
    // SAFETY: killpg has no memory-safety preconditions; pgid > 0 names one group.
    pgid > 0 && unsafe { libc::killpg(pgid, signal) } == 0
}

/// `strerror(errno)` as `%m` prints it.
fn strerror(errno: i32) -> String {
    let s = std::io::Error::from_raw_os_error(errno).to_string();
    // Rust appends " (os error N)".
    match s.rfind(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
