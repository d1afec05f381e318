//! The watchdog parent's event loop (ident `Keepalived`): starts the children, relays
//! signals, validates and distributes reloads, respawns dead children with keepalived's
//! back-off, tells systemd what it is doing, and stops everything in keepalived's order.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use super::control::{self, Handover, ToChild, ToParent};
use super::pidfile::PidPaths;
use super::respawn::{self, Backoff, Death};
use super::{sd, spawn, validate};
use crate::cli::{Options, Role};
use crate::config::model::Config;
use crate::config::system::RealSystem;
use crate::config::{self, LoadOptions};
use crate::log::{self, LogLine};

/// What the parent needs to run.
pub struct ParentSetup {
    /// argv[0] as the parent was started.
    pub argv0: String,
    /// The parent's arguments (passed on to each child with `--role`).
    pub args: Vec<String>,
    /// The parsed options.
    pub opts: Options,
    /// How to re-read the configuration at reload.
    pub load: LoadOptions,
    /// The validated configuration.
    pub config: Config,
    /// The transcript of the lines read for it (`config::load_recording`), handed to the
    /// children instead of the resolved text: a third of the size, parsed the same.
    pub transcript: Option<String>,
    /// Pid file paths.
    pub pids: PidPaths,
}

/// One child the parent supervises.
struct Kid {
    role: Role,
    /// keepalived's name in "VRRP child process(%d) died".
    kind: &'static str,
    /// keepalived's `PROG_*`, used in reports at stop.
    prog: &'static str,
    /// keepalived's short name in "%s process failed to die".
    short: &'static str,
    pid: Option<u32>,
    /// Messages to the child, written in order by its writer task.
    tx: Option<mpsc::UnboundedSender<ToChild>>,
    backoff: Backoff,
    restart_at: Option<Instant>,
    /// CLOCK_MONOTONIC µs of the last death (for the hand-over).
    died_at: Option<u64>,
    /// The VRRP child's last reported instance states.
    states: Vec<String>,
}

impl Kid {
    fn new(role: Role) -> Kid {
        let (kind, prog, short) = match role {
            Role::Vrrp => ("VRRP", "Keepalived_vrrp", "vrrp"),
            Role::Checker => ("Healthcheck", "Keepalived_healthcheckers", "checker"),
        };
        Kid {
            role,
            kind,
            prog,
            short,
            pid: None,
            tx: None,
            backoff: Backoff::new(Instant::now()),
            restart_at: None,
            died_at: None,
            states: Vec::new(),
        }
    }
}

/// Events the per-child tasks send to the loop.
enum FromKid {
    Msg(Role, u32, ToParent),
    Exit(Role, u32, Death),
}

/// Whether `cfg` gives the VRRP child something to do (keepalived's `running_vrrp()`).
pub fn has_vrrp(cfg: &Config) -> bool {
    !cfg.vrrp.instances.is_empty()
        || !cfg.vrrp.sync_groups.is_empty()
        || !cfg.statics.addresses.is_empty()
        || !cfg.statics.routes.is_empty()
        || !cfg.statics.rules.is_empty()
}

/// Whether `cfg` gives the checker child something to do (`running_checker()`).
pub fn has_checker(cfg: &Config) -> bool {
    !cfg.check.virtual_servers.is_empty()
}

struct Parent {
    setup: ParentSetup,
    cfg: Arc<Config>,
    /// What the children load: the transcript, or the resolved configuration.
    text: String,
    /// `text` is a transcript.
    transcript: bool,
    generation: u64,
    kids: Vec<Kid>,
    events: mpsc::UnboundedSender<FromKid>,
    /// Children that have not yet reported the current generation loaded.
    pending: HashSet<Role>,
    /// "Startup" or "Reload", for the "%s complete" line.
    pending_what: &'static str,
    queued_reload: bool,
    exit_code: i32,
}

fn log(l: LogLine) {
    log::write(&l);
}

/// What the children load: the transcript when there is one, else the resolved text; and
/// whether it is a transcript.
fn child_text(cfg: &Config, transcript: Option<String>) -> (String, bool) {
    match transcript {
        Some(t) => (t, true),
        None => (config::dump::resolved(cfg), false),
    }
}

/// Runs the parent until it stops; returns the exit code.
pub fn run(setup: ParentSetup) -> i32 {
    match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt.block_on(run_async(setup)),
        Err(e) => {
            log(LogLine::info(format!("Unable to start the event loop: {e}")));
            1
        }
    }
}

async fn run_async(mut setup: ParentSetup) -> i32 {
    let (tx, mut rx) = mpsc::unbounded_channel();
    // Moved, not cloned: with thousands of servers a copy of the model is megabytes.
    let cfg = Arc::new(std::mem::take(&mut setup.config));
    let (text, transcript) = child_text(&cfg, setup.transcript.take());
    let mut p = Parent {
        setup,
        cfg,
        text,
        transcript,
        generation: 1,
        kids: vec![Kid::new(Role::Checker), Kid::new(Role::Vrrp)],
        events: tx,
        pending: HashSet::new(),
        pending_what: "Startup",
        queued_reload: false,
        exit_code: 0,
    };
    let sig = |k: SignalKind| signal(k).ok();
    let (Some(mut term), Some(mut int), Some(mut hup), Some(mut usr1), Some(mut usr2), Some(mut clear), Some(mut json)) = (
        sig(SignalKind::terminate()),
        sig(SignalKind::interrupt()),
        sig(SignalKind::hangup()),
        sig(SignalKind::user_defined1()),
        sig(SignalKind::user_defined2()),
        sig(SignalKind::from_raw(libc::SIGRTMAX() - 1)),
        sig(SignalKind::from_raw(libc::SIGRTMIN() + 2)),
    ) else {
        log(LogLine::info("Unable to install signal handlers"));
        return 1;
    };

    if let Some(s) = p.cfg.global.startup_script.clone() {
        p.run_hook("Startup", &s, p.cfg.global.startup_script_timeout).await;
    }
    p.start_children();

    loop {
        let restart_at = p.kids.iter().filter_map(|k| k.restart_at).min();
        tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = hup.recv() => p.reload(),
            _ = usr1.recv() => {
                p.write_parent_data();
                p.signal_kids(libc::SIGUSR1, &[Role::Vrrp, Role::Checker]);
            }
            _ = usr2.recv() => p.signal_kids(libc::SIGUSR2, &[Role::Vrrp]),
            _ = clear.recv() => p.signal_kids(libc::SIGRTMAX() - 1, &[Role::Vrrp]),
            _ = json.recv() => p.signal_kids(libc::SIGRTMIN() + 2, &[Role::Vrrp]),
            Some(ev) = rx.recv() => {
                if !p.event(ev) {
                    break;
                }
            }
            _ = async {
                match restart_at {
                    Some(t) => tokio::time::sleep_until(t.into()).await,
                    None => std::future::pending().await,
                }
            } => p.restart_due(),
        }
    }
    p.stop(&mut rx).await;
    p.exit_code
}

impl Parent {
    fn kid(&mut self, role: Role) -> &mut Kid {
        self.kids.iter_mut().find(|k| k.role == role).expect("both kids exist")
    }

    fn wants(&self, role: Role) -> bool {
        let o = &self.setup.opts.children;
        match role {
            Role::Vrrp => o.vrrp && (o.all || has_vrrp(&self.cfg)),
            Role::Checker => o.checkers && (o.all || has_checker(&self.cfg)),
        }
    }

    /// keepalived's `start_keepalived()`: the checker child first, then VRRP.
    fn start_children(&mut self) {
        let mut any = false;
        for role in [Role::Checker, Role::Vrrp] {
            if self.wants(role) {
                any = true;
                if self.start_kid(role, None) {
                    self.pending.insert(role);
                }
            }
        }
        if !any {
            log(LogLine::info("Warning - keepalived has no configuration to run"));
        }
        if self.pending.is_empty() {
            self.complete();
        }
    }

    /// Starts one child with the current configuration; false if it could not be started.
    fn start_kid(&mut self, role: Role, handover: Option<Handover>) -> bool {
        let spawned = match spawn::spawn(role, &self.setup.argv0, &self.setup.args) {
            Ok(s) => s,
            Err(e) => {
                log(LogLine::info(format!(
                    "Unable to start {} child process - {e}",
                    self.kid(role).kind
                )));
                return false;
            }
        };
        let pid = spawned.pid;
        let what = match role {
            Role::Vrrp => "VRRP",
            Role::Checker => "Healthcheck",
        };
        log(LogLine::info(format!("Starting {what} child process, pid={pid}")));
        let (mut rx, mut tx) = control::split(spawned.control);
        let start = ToChild::Start {
            generation: self.generation,
            text: self.text.clone(),
            transcript: self.transcript,
            handover,
        };
        let events = self.events.clone();
        let mut child = spawned.child;
        tokio::spawn(async move {
            while let Some(m) = rx.recv::<ToParent>().await {
                if events.send(FromKid::Msg(role, pid, m)).is_err() {
                    return;
                }
            }
        });
        let events = self.events.clone();
        tokio::spawn(async move {
            let death = match child.wait().await {
                Ok(s) => Death::from_status(s),
                Err(_) => Death::Exited(0),
            };
            let _ = events.send(FromKid::Exit(role, pid, death));
        });
        // A writer task per child: a large configuration never blocks the loop.
        let (mtx, mut mrx) = mpsc::unbounded_channel::<ToChild>();
        tokio::spawn(async move {
            while let Some(m) = mrx.recv().await {
                if tx.send(&m).await.is_err() {
                    return;
                }
            }
        });
        let _ = mtx.send(start);
        let kid = self.kid(role);
        kid.pid = Some(pid);
        kid.backoff.started(Instant::now());
        kid.restart_at = None;
        kid.tx = Some(mtx);
        true
    }

    /// Handles one event; false when the daemon must stop.
    fn event(&mut self, ev: FromKid) -> bool {
        match ev {
            FromKid::Msg(role, pid, m) => {
                if self.kid(role).pid != Some(pid) {
                    return true;
                }
                match m {
                    ToParent::Loaded { generation } => {
                        if generation == self.generation && self.pending.remove(&role) && self.pending.is_empty() {
                            self.complete();
                        }
                    }
                    ToParent::Rejected { generation, reason } => {
                        let kind = self.kid(role).kind;
                        log(LogLine::info(format!(
                            "{kind} child kept its previous configuration: {reason}"
                        )));
                        if generation == self.generation && self.pending.remove(&role) && self.pending.is_empty() {
                            self.complete();
                        }
                    }
                    ToParent::States(s) => self.kid(role).states = s,
                    ToParent::ReloadRequest => self.reload(),
                }
                true
            }
            FromKid::Exit(role, pid, death) => self.child_died(role, pid, death),
        }
    }

    /// keepalived's `vrrp_respawn_thread()` / `check_respawn_thread()`.
    fn child_died(&mut self, role: Role, pid: u32, death: Death) -> bool {
        let now = Instant::now();
        let respawn = !self.setup.opts.dont_respawn;
        {
            let kid = self.kid(role);
            if kid.pid != Some(pid) {
                return true;
            }
            kid.pid = None;
            kid.tx = None;
            kid.died_at = Some(control::monotonic_us());
        }
        let (lines, permanent) = respawn::report(death, &format!("pid {pid}"));
        lines.into_iter().for_each(log);
        if let Some(code) = permanent {
            sd::error(if code == respawn::exit::MISSING_PERMISSION {
                libc::EPERM
            } else {
                libc::EINVAL
            });
            self.exit_code = code;
            return false;
        }
        let kind = self.kid(role).kind;
        respawn::child_died_lines(kind, pid, respawn).into_iter().for_each(log);
        if !respawn {
            return false;
        }
        let (delay, line) = self.kid(role).backoff.delay(now, kind);
        line.into_iter().for_each(log);
        self.kid(role).restart_at = Some(now + delay);
        if delay.is_zero() {
            self.restart_due();
        }
        // A child that dies while loading cannot report; do not wait for it forever.
        if self.pending.remove(&role) && self.pending.is_empty() {
            self.complete();
        }
        true
    }

    fn restart_due(&mut self) {
        let now = Instant::now();
        for role in [Role::Checker, Role::Vrrp] {
            let kid = self.kid(role);
            if kid.restart_at.is_none_or(|t| t > now) || kid.pid.is_some() {
                continue;
            }
            kid.restart_at = None;
            let handover = match (role, kid.died_at) {
                (Role::Vrrp, Some(died_at_us)) if !kid.states.is_empty() => Some(Handover {
                    instances: kid.states.clone(),
                    died_at_us,
                }),
                _ => None,
            };
            self.start_kid(role, handover);
        }
    }

    /// "Startup complete" / "Reload complete", READY=1, then any queued reload.
    fn complete(&mut self) {
        log(LogLine::info(format!("{} complete", self.pending_what)));
        sd::ready();
        // The reader's garbage and code are not needed until the next reload.
        crate::memory::trim_after_startup();
        if std::mem::take(&mut self.queued_reload) {
            log(LogLine::info("Processing queued reload"));
            self.reload();
        }
    }

    /// SIGHUP: validate the file, then hand the new configuration to every child.
    fn reload(&mut self) {
        if !self.pending.is_empty() {
            self.queued_reload = true;
            log(LogLine::detail("Reload already in progress, request queued"));
            return;
        }
        log(LogLine::info("Reloading ..."));
        sd::reloading();
        let loaded = config::load_recording(&self.setup.load, &RealSystem);
        for d in loaded
            .diags
            .items
            .iter()
            .filter(|d| d.level.is_reported() || log::detail_enabled())
        {
            log(LogLine::info(d.to_string()));
        }
        let blockers = validate::reload_blockers(&loaded);
        // `reload_check_config LOGFILE`: keepalived writes its config-test output there.
        if let Some(f) = self.cfg.global.reload_check_config.as_deref().filter(|f| !f.is_empty()) {
            let text: String = loaded
                .diags
                .items
                .iter()
                .filter(|d| d.level.is_reported())
                .map(|d| format!("{d}\n"))
                .collect();
            let _ = std::fs::write(f, text);
            if !blockers.is_empty() {
                log(LogLine::info(format!(
                    "New config failed validation, see {f} for details"
                )));
            }
        }
        if !blockers.is_empty() {
            log(LogLine::info(format!(
                "Reload of {} failed validation ({} error{}) - still running the previous configuration",
                self.setup.load.config_file,
                blockers.len(),
                if blockers.len() == 1 { "" } else { "s" }
            )));
            sd::ready();
            return;
        }
        log(LogLine::info(format!(
            "Configuration file {}",
            self.setup.load.config_file
        )));
        let mut new = loaded.config;
        let kept = validate::keep_unchangeable(&self.cfg, &mut new);
        // A setting kept from the old configuration is not in the new file's lines: the
        // children then get the resolved configuration instead of the transcript.
        let transcript = loaded.transcript.filter(|_| kept.is_empty());
        for l in kept {
            log(LogLine::info(l));
        }
        self.cfg = Arc::new(new);
        (self.text, self.transcript) = child_text(&self.cfg, transcript);
        self.generation += 1;
        self.pending_what = "Reload";
        let msg = ToChild::Reload {
            generation: self.generation,
            text: self.text.clone(),
            transcript: self.transcript,
        };
        for role in [Role::Checker, Role::Vrrp] {
            let running = self.kid(role).pid.is_some();
            if running {
                let ok = self
                    .kid(role)
                    .tx
                    .as_ref()
                    .is_some_and(|tx| tx.send(msg.clone()).is_ok());
                if ok {
                    self.pending.insert(role);
                }
            } else if self.wants(role) && self.kid(role).restart_at.is_none() {
                // keepalived starts a child that the new configuration gives work to.
                if self.start_kid(role, None) {
                    self.pending.insert(role);
                }
            }
        }
        if self.pending.is_empty() {
            self.complete();
        }
    }

    fn signal_kids(&self, sig: i32, roles: &[Role]) {
        for k in self.kids.iter().filter(|k| roles.contains(&k.role)) {
            if let Some(pid) = k.pid {
                // SAFETY: kill on a pid we started and have not reaped.
                unsafe { libc::kill(pid as i32, sig) };
            }
        }
    }

    /// SIGUSR1: `keepalived_parent.data` (the global definitions).
    fn write_parent_data(&self) {
        for l in crate::dumpfile::write_parent_data(&self.cfg) {
            log(l);
        }
    }

    async fn run_hook(&self, what: &str, s: &crate::config::model::Script, timeout: u32) {
        log(LogLine::detail(format!(
            "Running {} script {}",
            what.to_lowercase(),
            s.args[0]
        )));
        let outcome = crate::exec::run(s, &[], Some(Duration::from_secs(timeout.into()))).await;
        use crate::vrrp::event::ScriptOutcome;
        match outcome {
            ScriptOutcome::Exited(0) => log(LogLine::detail(format!("{what} script succeeded"))),
            ScriptOutcome::Exited(c) => log(LogLine::info(format!("{what} script failed, status {c}"))),
            ScriptOutcome::TimedOut => log(LogLine::info(format!("{what} script timed out"))),
            other => log(LogLine::info(format!("{what} script failed, {other:?}"))),
        }
    }

    /// keepalived's `sigend()`: SIGTERM to every child, `child_wait_time` for them to go,
    /// SIGKILL to the rest, then the shutdown script and the closing lines.
    async fn stop(&mut self, rx: &mut mpsc::UnboundedReceiver<FromKid>) {
        log(LogLine::info("Stopping"));
        sd::stopping();
        for k in &mut self.kids {
            k.restart_at = None;
        }
        self.signal_kids(libc::SIGTERM, &[Role::Vrrp, Role::Checker]);
        let deadline = Instant::now() + Duration::from_secs(self.cfg.global.child_wait_time.into());
        while self.kids.iter().any(|k| k.pid.is_some()) {
            let ev = tokio::time::timeout_at(deadline.into(), rx.recv()).await;
            match ev {
                Ok(Some(FromKid::Exit(role, pid, death))) => {
                    let kid = self.kid(role);
                    if kid.pid == Some(pid) {
                        kid.pid = None;
                        let prog = kid.prog;
                        respawn::report(death, prog).0.into_iter().for_each(log);
                    }
                }
                Ok(Some(FromKid::Msg(..))) => {}
                Ok(None) | Err(_) => break,
            }
        }
        for k in &mut self.kids {
            if let Some(pid) = k.pid.take() {
                log(LogLine::info(format!(
                    "{} process failed to die - forcing termination",
                    k.short
                )));
                // SAFETY: kill on a pid we started.
                unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            }
        }
        if let Some(s) = self.cfg.global.shutdown_script.clone() {
            self.run_hook("Shutdown", &s, self.cfg.global.shutdown_script_timeout)
                .await;
        }
        for f in [&self.setup.pids.vrrp, &self.setup.pids.checkers] {
            // A child killed with SIGKILL cannot remove its own file.
            let _ = std::fs::remove_file(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// keepalived's `process_reload_signal()` / `queue_reload()`: SIGHUPs arriving while the
    /// children are still loading are queued and coalesce into one reload, run once every child
    /// reported the configuration loaded ("Processing queued reload").
    #[test]
    fn reloads_during_a_reload_coalesce_into_one() {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("keepalived.conf");
        std::fs::write(&conf, "global_defs {\n    router_id coalesce\n}\n").unwrap();
        static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
        log::set_observer(Some(Box::new(|_, t| SEEN.lock().unwrap().push(t.to_string()))));
        let mut opts = Options::default();
        // No child may really be started by the test.
        opts.children.vrrp = false;
        opts.children.checkers = false;
        let load = LoadOptions {
            config_file: conf.to_string_lossy().into_owned(),
            ..LoadOptions::default()
        };
        let config = config::load(&load, &RealSystem).config;
        let (tx, _rx) = mpsc::unbounded_channel();
        let mut p = Parent {
            cfg: Arc::new(config.clone()),
            text: String::new(),
            transcript: false,
            setup: ParentSetup {
                argv0: "keepalived".into(),
                args: Vec::new(),
                pids: PidPaths::resolve(&opts, &config.global),
                opts,
                load,
                config,
                transcript: None,
            },
            generation: 1,
            kids: vec![Kid::new(Role::Checker), Kid::new(Role::Vrrp)],
            events: tx,
            pending: HashSet::from([Role::Vrrp]),
            pending_what: "Startup",
            queued_reload: false,
            exit_code: 0,
        };
        p.kid(Role::Vrrp).pid = Some(4242);
        for _ in 0..3 {
            p.reload();
        }
        assert!(p.queued_reload);
        assert_eq!(p.generation, 1, "no reload while the child is loading");
        assert!(p.event(FromKid::Msg(Role::Vrrp, 4242, ToParent::Loaded { generation: 1 })));
        assert_eq!(p.generation, 2, "exactly one queued reload ran");
        assert!(!p.queued_reload);
        log::set_observer(None);
        let seen: Vec<String> = SEEN
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.contains("complete") || l.contains("Reload") || l.contains("queued"))
            .cloned()
            .collect();
        assert_eq!(
            seen,
            [
                "Startup complete",
                "Processing queued reload",
                "Reloading ...",
                "Reload complete"
            ]
        );
    }
}
