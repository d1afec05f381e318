//! Notify scripts and notify FIFOs (keepalived's `vrrp_notify.c`: `send_instance_notifies()`,
//! `send_group_notifies()`, `notify_fifo()`; `lib/notify.c`: `notify_fifo_open()`).
//!
//! On a state change keepalived runs, in this order:
//! 1. the state's script (`notify_master`, `notify_backup`, `notify_fault`, `notify_stop`),
//!    with no extra arguments;
//! 2. the generic `notify` script with four more arguments: `INSTANCE`|`GROUP`, the name, the
//!    state word and the priority (the instance's effective priority; always `0` for a group);
//! 3. a line `INSTANCE "NAME" STATE PRIO` / `GROUP "NAME" STATE 0` to each open notify FIFO
//!    (the global `notify_fifo` and `vrrp_notify_fifo`).
//!
//! Scripts run detached and are reaped in the background, except for STOP: those get 1 s, then
//! SIGKILL to their process group, and [`Notifier::finish`] waits for them (keepalived runs
//! them as children it waits for before exiting).
//!
//! keepalived's rule that a sync-group member does not notify a state its group has already
//! notified (`notifies_sent && sync && state == sync->state`) is the engine's: it only emits
//! the [`Action::Notify`](super::event::Action::Notify) actions to carry out.

use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::config::model::global::{GlobalDefs, NotifyFifo};
use crate::config::model::{Config, Script};
use crate::exec::{self, OnTimeout, RunHandle};
use crate::log::{LogLine, write as log};
use crate::vrrp::event::{NotifyTarget, ScriptOutcome, State};

/// How long STOP notify scripts may run before their process group gets SIGKILL (keepalived's
/// `TIMER_HZ` with `child_killed_thread`).
pub const STOP_SCRIPT_TIMEOUT: Duration = Duration::from_secs(1);

/// How long FIFO scripts have after SIGTERM at shutdown before SIGKILL.
pub const FIFO_SCRIPT_GRACE: Duration = Duration::from_secs(1);

/// Instance or sync group: the first word of generic-notify arguments and FIFO lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `INSTANCE`.
    Instance,
    /// `GROUP`.
    Group,
}

impl Kind {
    /// The word keepalived writes.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Instance => "INSTANCE",
            Kind::Group => "GROUP",
        }
    }
}

/// The state word in notify arguments and FIFO lines; INIT has none (`{UNKNOWN}`).
pub fn state_word(state: State) -> &'static str {
    match state {
        State::Init => "{UNKNOWN}",
        s => s.as_str(),
    }
}

/// The four arguments keepalived appends for the generic `notify` script
/// (`notify_script_exec()`).
pub fn generic_args(kind: Kind, name: &str, word: &str, priority: u8) -> Vec<String> {
    vec![
        kind.as_str().to_string(),
        name.to_string(),
        word.to_string(),
        priority.to_string(),
    ]
}

/// A notify FIFO line (`notify_fifo()`: `"%s \"%s\" %s %d\n"`).
pub fn fifo_line(kind: Kind, name: &str, word: &str, priority: u8) -> String {
    format!("{} \"{name}\" {word} {priority}\n", kind.as_str())
}

/// The notify scripts of one instance or sync group.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NotifyScripts {
    /// `notify_master`.
    pub master: Option<Script>,
    /// `notify_backup`.
    pub backup: Option<Script>,
    /// `notify_fault`.
    pub fault: Option<Script>,
    /// `notify_stop`.
    pub stop: Option<Script>,
    /// `notify` (generic).
    pub generic: Option<Script>,
    /// `notify_master_rx_lower_pri` (instances only).
    pub master_rx_lower_pri: Option<Script>,
}

impl NotifyScripts {
    /// The script for a state (`get_iscript()` / `get_gscript()`): none for INIT.
    pub fn for_state(&self, state: State) -> Option<&Script> {
        match state {
            State::Master => self.master.as_ref(),
            State::Backup => self.backup.as_ref(),
            State::Fault => self.fault.as_ref(),
            State::Stop => self.stop.as_ref(),
            State::Init => None,
        }
    }
}

/// keepalived's `vrrp_smtp_notifier()` / `vrrp_sync_smtp_notifier()` texts for a state: the
/// subject's end and the body; `None` for a state that is never mailed (INIT).
pub fn mail_text(kind: Kind, state: State) -> Option<(&'static str, &'static str)> {
    let instance = kind == Kind::Instance;
    Some(match state {
        State::Master if instance => ("Entering MASTER state", "=> VRRP Instance is now owning VRRP VIPs <="),
        State::Master => (
            "Entering MASTER state",
            "=> All VRRP group instances are now in MASTER state <=",
        ),
        State::Backup if instance => (
            "Entering BACKUP state",
            "=> VRRP Instance is no longer owning VRRP VIPs <=",
        ),
        State::Backup => (
            "Entering BACKUP state",
            "=> All VRRP group instances are now in BACKUP state <=",
        ),
        State::Fault if instance => (
            "Entering FAULT state",
            "=> VRRP Instance is no longer owning VRRP VIPs <=",
        ),
        State::Fault => (
            "Entering FAULT state",
            "=> All VRRP group instances are now in FAULT state <=",
        ),
        State::Stop if instance => ("Stopping", "=> VRRP Instance stopping <="),
        State::Stop => ("Stopping", "=> All VRRP group instances are now stopping <="),
        State::Init => return None,
    })
}

/// A VRRP alert mail (`smtp_alert(SMTP_MSG_VRRP / SMTP_MSG_VGROUP, ...)`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VrrpMail {
    /// Instance or group.
    pub kind: Kind,
    /// Its name.
    pub name: String,
    /// The subject's end, e.g. `Entering MASTER state`.
    pub what: &'static str,
    /// The body.
    pub body: &'static str,
}

impl VrrpMail {
    /// The subject with `m`'s router id.
    pub fn subject(&self, m: &crate::alert::Mailer) -> String {
        match self.kind {
            Kind::Instance => m.vrrp_subject(&self.name, self.what),
            Kind::Group => m.vgroup_subject(&self.name, self.what),
        }
    }
}

/// Name and scripts of one instance or group.
#[derive(Clone, Debug, PartialEq)]
struct Target {
    name: String,
    scripts: NotifyScripts,
    /// `smtp_alert` (resolved).
    smtp_alert: bool,
    /// keepalived's `last_email_state`: the last state mailed (INIT for a new instance or
    /// group, including at reload).
    last_email: State,
}

/// A FIFO keepalived writes to, once opened.
struct Fifo {
    name: String,
    fd: OwnedFd,
    /// We made it, so we remove it when done.
    created: bool,
}

/// A running FIFO script.
struct FifoScript {
    task: JoinHandle<()>,
    run: Arc<RunHandle>,
}

/// Runs notify scripts and writes the notify FIFOs for the VRRP process.
pub struct Notifier {
    instances: Vec<Target>,
    /// The instances before the last reload: a deleted one's `smtp_alert` and last mailed
    /// state decide its mail.
    previous: Vec<Target>,
    groups: Vec<Target>,
    fifos: Vec<Fifo>,
    fifo_scripts: Vec<FifoScript>,
    stop_runs: Vec<JoinHandle<ScriptOutcome>>,
    shutting_down: Arc<AtomicBool>,
    /// `no_email_faults`.
    no_email_faults: bool,
}

impl Notifier {
    /// The notify scripts of `config`'s instances and groups (no I/O; FIFOs are opened by
    /// [`open_fifos`](Self::open_fifos)).
    pub fn new(config: &Config) -> Notifier {
        let instances = config
            .vrrp
            .instances
            .iter()
            .map(|i| Target {
                name: i.name.clone(),
                scripts: NotifyScripts {
                    master: i.notify_master.clone(),
                    backup: i.notify_backup.clone(),
                    fault: i.notify_fault.clone(),
                    stop: i.notify_stop.clone(),
                    generic: i.notify.clone(),
                    master_rx_lower_pri: i.notify_master_rx_lower_pri.clone(),
                },
                smtp_alert: i.smtp_alert,
                last_email: State::Init,
            })
            .collect();
        let groups = config
            .vrrp
            .sync_groups
            .iter()
            .map(|g| Target {
                name: g.name.clone(),
                scripts: NotifyScripts {
                    master: g.notify_master.clone(),
                    backup: g.notify_backup.clone(),
                    fault: g.notify_fault.clone(),
                    stop: g.notify_stop.clone(),
                    generic: g.notify.clone(),
                    master_rx_lower_pri: None,
                },
                smtp_alert: g.smtp_alert,
                last_email: State::Init,
            })
            .collect();
        Notifier {
            instances,
            previous: Vec::new(),
            groups,
            fifos: Vec::new(),
            fifo_scripts: Vec::new(),
            stop_runs: Vec::new(),
            shutting_down: Arc::new(AtomicBool::new(false)),
            no_email_faults: config.global.no_email_faults,
        }
    }

    /// At reload: the new configuration's notify scripts; the FIFOs and their scripts stay as
    /// they are (a FIFO renamed in the new file takes effect at the next restart).
    pub fn reconfigure(&mut self, config: &Config) {
        let mut fresh = Notifier::new(config);
        self.previous = std::mem::replace(&mut self.instances, std::mem::take(&mut fresh.instances));
        self.groups = std::mem::take(&mut fresh.groups);
        self.no_email_faults = fresh.no_email_faults;
    }

    /// The notify of an instance a reload deleted (keepalived's `clear_diff_vrrp()`): its
    /// `notify_deleted` script if any, the generic script, the FIFO line.
    pub fn deleted(&mut self, d: &super::reload::DeletedNotify) {
        if let Some(s) = &d.script {
            exec::spawn_detached(s, &[]);
        }
        if let Some(g) = &d.generic {
            exec::spawn_detached(g, &generic_args(Kind::Instance, &d.name, d.state_word, d.priority));
        }
        self.write_fifos(&fifo_line(Kind::Instance, &d.name, d.state_word, d.priority));
        if let Some(mail) = self.deleted_mail(d)
            && let Some(m) = crate::alert::mailer()
        {
            crate::alert::send::spawn(&m, &mail.subject(&m), mail.body);
        }
    }

    /// `vrrp_smtp_notifier()` for an instance a reload deleted: "Deleted" with
    /// `notify_deleted`, else the FAULT mail keepalived sends for backward compatibility.
    pub fn deleted_mail(&mut self, d: &super::reload::DeletedNotify) -> Option<VrrpMail> {
        let t = self.previous.get_mut(d.instance)?;
        let deleted = d.state_word == "DELETED";
        if !t.smtp_alert || (!deleted && (self.no_email_faults || t.last_email == State::Fault)) {
            return None;
        }
        let (what, body) = if deleted {
            ("Deleted", "=> VRRP Deleted at reload <=")
        } else {
            t.last_email = State::Fault;
            mail_text(Kind::Instance, State::Fault)?
        };
        Some(VrrpMail {
            kind: Kind::Instance,
            name: t.name.clone(),
            what,
            body,
        })
    }

    /// keepalived's `fifo_write_vrrp_states_on_reload`: the FIFO line of a state, no script.
    pub fn fifo_state(&mut self, target: NotifyTarget, state: State, priority: u8) {
        let (kind, t, priority) = match target {
            NotifyTarget::Instance(i) => (Kind::Instance, self.instances.get(i), priority),
            NotifyTarget::Group(g) => (Kind::Group, self.groups.get(g), 0),
        };
        if let Some(t) = t {
            let line = fifo_line(kind, &t.name, state_word(state), priority);
            self.write_fifos(&line);
        }
    }

    /// Creates (if missing) and opens the global `notify_fifo` and then `vrrp_notify_fifo`,
    /// starting each one's script first (keepalived's `notify_fifo_open()`). The global FIFO's
    /// script runs here only if `run_global_script`: keepalived leaves it to the checker
    /// process when that runs. Must be called inside a tokio runtime if a FIFO has a script.
    ///
    /// The FIFOs are opened read-write and non-blocking, so a write never blocks and never
    /// fails for want of a reader; a line that does not fit is dropped, as in keepalived.
    pub fn open_fifos(&mut self, global: &GlobalDefs, run_global_script: bool) {
        let specs = [
            (&global.notify_fifo, "", run_global_script),
            (&global.vrrp_notify_fifo, "vrrp_", true),
        ];
        for (spec, prefix, run_script) in specs {
            if let Some(name) = spec.name.as_deref() {
                self.open_fifo(name, spec, prefix, run_script);
            }
        }
    }

    fn open_fifo(&mut self, name: &str, spec: &NotifyFifo, prefix: &str, run_script: bool) {
        let Ok(cname) = CString::new(name) else {
            log(&LogLine::info(format!("Unable to create {prefix}notify fifo {name}")));
            return;
        };
        // SAFETY: cname is a valid path string.
        let created = unsafe { libc::mkfifo(cname.as_ptr(), 0o644) } == 0;
        if created {
            chown_fifo(&cname, name, spec);
        } else if std::io::Error::last_os_error().raw_os_error() != Some(libc::EEXIST) {
            log(&LogLine::info(format!("Unable to create {prefix}notify fifo {name}")));
            return;
        }
        if let Some(script) = spec.script.as_ref().filter(|_| run_script) {
            self.start_fifo_script(script, name);
        }
        let flags = libc::O_RDWR | libc::O_CLOEXEC | libc::O_NONBLOCK | libc::O_NOFOLLOW;
        // SAFETY: cname is a valid path string.
        let fd = unsafe { libc::open(cname.as_ptr(), flags) };
        if fd < 0 {
            let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
            log(&LogLine::info(format!(
                "Unable to open {prefix}notify fifo {name} - errno {errno}"
            )));
            if created {
                // SAFETY: cname is a valid path string.
                unsafe { libc::unlink(cname.as_ptr()) };
            }
            return;
        }
        // SAFETY: fd was just opened and is owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        self.fifos.push(Fifo {
            name: name.to_string(),
            fd,
            created,
        });
    }

    /// Starts a FIFO script with the FIFO's name as its last argument; it runs until it exits
    /// or we shut down (keepalived: `TIMER_NEVER`).
    fn start_fifo_script(&mut self, script: &Script, fifo: &str) {
        let run = Arc::new(RunHandle::new());
        let (script, args, handle) = (script.clone(), vec![fifo.to_string()], run.clone());
        let shutting_down = self.shutting_down.clone();
        let task = tokio::spawn(async move {
            exec::run_with(&script, &args, None, OnTimeout::Kill, Some(&handle)).await;
            if !shutting_down.load(Ordering::SeqCst) {
                log(&LogLine::info("vrrp notify fifo script terminated"));
            }
        });
        self.fifo_scripts.push(FifoScript { task, run });
    }

    /// The FIFO paths that are open, in keepalived's order (global, then VRRP).
    pub fn open_fifo_names(&self) -> Vec<&str> {
        self.fifos.iter().map(|f| f.name.as_str()).collect()
    }

    /// Carries out [`Action::Notify`](super::event::Action::Notify): the state's script, the
    /// generic script, the FIFO line. Unknown indexes are ignored. STOP scripts are waited for
    /// by [`finish`](Self::finish), so call it inside a tokio runtime.
    pub fn notify(&mut self, target: NotifyTarget, state: State, priority: u8) {
        let (kind, t, priority) = match target {
            NotifyTarget::Instance(i) => (Kind::Instance, self.instances.get(i), priority),
            // keepalived always reports priority 0 for a group.
            NotifyTarget::Group(g) => (Kind::Group, self.groups.get(g), 0),
        };
        let Some(t) = t.cloned() else { return };
        let word = state_word(state);
        if let Some(s) = t.scripts.for_state(state) {
            self.run_script(s, &[], state);
        }
        if let Some(g) = &t.scripts.generic {
            self.run_script(g, &generic_args(kind, &t.name, word, priority), state);
        }
        self.write_fifos(&fifo_line(kind, &t.name, word, priority));
        if let Some(mail) = self.smtp_notifier(target, state)
            && let Some(m) = crate::alert::mailer()
        {
            crate::alert::send::spawn(&m, &mail.subject(&m), mail.body);
        }
    }

    /// keepalived's `vrrp_smtp_notifier()` / `vrrp_sync_smtp_notifier()`, the last step of a
    /// notify: the mail to send when `smtp_alert` is on, the state differs from the last one
    /// mailed and is not a FAULT under `no_email_faults`; remembers the state (also when mail
    /// is off globally, as keepalived does).
    pub fn smtp_notifier(&mut self, target: NotifyTarget, state: State) -> Option<VrrpMail> {
        let (kind, t) = match target {
            NotifyTarget::Instance(i) => (Kind::Instance, self.instances.get_mut(i)?),
            NotifyTarget::Group(g) => (Kind::Group, self.groups.get_mut(g)?),
        };
        if !t.smtp_alert || (self.no_email_faults && state == State::Fault) || t.last_email == state {
            return None;
        }
        let (what, body) = mail_text(kind, state)?;
        t.last_email = state;
        Some(VrrpMail {
            kind,
            name: t.name.clone(),
            what,
            body,
        })
    }

    /// keepalived's `send_instance_priority_notifies()` (with `notify_priority_changes`): a FIFO
    /// line `MASTER_PRIORITY` or `BACKUP_PRIORITY` with the new effective priority.
    pub fn priority_changed(&mut self, instance: usize, master: bool, priority: u8) {
        let Some(t) = self.instances.get(instance) else { return };
        let word = if master { "MASTER_PRIORITY" } else { "BACKUP_PRIORITY" };
        let line = fifo_line(Kind::Instance, &t.name, word, priority);
        self.write_fifos(&line);
    }

    /// keepalived's `send_event_notify(VRRP_EVENT_MASTER_RX_LOWER_PRI)`: the
    /// `notify_master_rx_lower_pri` script (no extra arguments) and a `MASTER_RX_LOWER_PRI`
    /// FIFO line.
    pub fn master_rx_lower_pri(&mut self, instance: usize, priority: u8) {
        let Some(t) = self.instances.get(instance).cloned() else {
            return;
        };
        if let Some(s) = &t.scripts.master_rx_lower_pri {
            exec::spawn_detached(s, &[]);
        }
        self.write_fifos(&fifo_line(Kind::Instance, &t.name, "MASTER_RX_LOWER_PRI", priority));
    }

    fn run_script(&mut self, script: &Script, args: &[String], state: State) {
        if state == State::Stop {
            let (script, args) = (script.clone(), args.to_vec());
            self.stop_runs.push(tokio::spawn(async move {
                exec::run_with(&script, &args, Some(STOP_SCRIPT_TIMEOUT), OnTimeout::Kill, None).await
            }));
        } else {
            exec::spawn_detached(script, args);
        }
    }

    /// Writes a line to every open FIFO; a full FIFO drops it (keepalived ignores the error).
    fn write_fifos(&self, line: &str) {
        for f in &self.fifos {
            // SAFETY: the fd is open and the buffer valid for its length.
            let _ = unsafe { libc::write(f.fd.as_raw_fd(), line.as_ptr().cast(), line.len()) };
        }
    }

    /// First step of shutdown, before the STOP notifies (keepalived's `script_killall()` in
    /// `vrrp_terminate_phase1`): SIGTERM to the FIFO scripts.
    pub fn begin_shutdown(&mut self) {
        self.shutting_down.store(true, Ordering::SeqCst);
        for s in &self.fifo_scripts {
            s.run.signal_group(libc::SIGTERM);
        }
    }

    /// Last step of shutdown: waits for the FIFO scripts (SIGKILL after
    /// [`FIFO_SCRIPT_GRACE`]) and the STOP notify scripts (SIGKILL after
    /// [`STOP_SCRIPT_TIMEOUT`]), then closes the FIFOs, removing those we created.
    pub async fn finish(&mut self) {
        self.begin_shutdown();
        let (tasks, runs): (Vec<_>, Vec<_>) = self.fifo_scripts.drain(..).map(|s| (s.task, s.run)).unzip();
        let mut all = futures::future::join_all(tasks);
        if tokio::time::timeout(FIFO_SCRIPT_GRACE, &mut all).await.is_err() {
            for r in &runs {
                r.signal_group(libc::SIGKILL);
            }
            all.await;
        }
        for r in self.stop_runs.drain(..) {
            let _ = r.await;
        }
        self.close_fifos();
    }

    /// keepalived's `fifo_close()`: unlink first (so a script that reopens the FIFO in a loop
    /// cannot), then close.
    fn close_fifos(&mut self) {
        for f in self.fifos.drain(..) {
            if f.created
                && let Ok(c) = CString::new(f.name.as_str())
            {
                // SAFETY: c is a valid path string.
                unsafe { libc::unlink(c.as_ptr()) };
            }
        }
    }
}

impl Drop for Notifier {
    /// Without [`finish`](Notifier::finish): FIFO scripts are killed (their tasks reap them)
    /// and created FIFOs removed, so nothing outlives the notifier.
    fn drop(&mut self) {
        self.shutting_down.store(true, Ordering::SeqCst);
        for s in &self.fifo_scripts {
            s.run.signal_group(libc::SIGKILL);
        }
        self.close_fifos();
    }
}

/// Gives a FIFO we created to its configured owner (keepalived's `chown` in `fifo_open()`).
fn chown_fifo(cname: &CString, name: &str, spec: &NotifyFifo) {
    // SAFETY: these calls cannot fail.
    let (our_uid, our_gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    if spec.uid == our_uid && spec.gid == our_gid {
        return;
    }
    let uid = if spec.uid != our_uid { spec.uid } else { u32::MAX };
    let gid = if spec.gid != our_gid { spec.gid } else { u32::MAX };
    // SAFETY: cname is a valid path string.
    if unsafe { libc::chown(cname.as_ptr(), uid, gid) } != 0 {
        log(&LogLine::info(format!("Failed to set uid:gid for fifo {name}")));
    }
}
