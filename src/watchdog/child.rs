//! A child's start: it finds its control socket, waits for the configuration the parent
//! validated, opens syslog under its own ident, writes its pid file and runs its daemon.

use std::sync::Arc;

use super::control::{self, Handover, Receiver, Sender, ToChild, ToParent};
use super::pidfile::{PidFile, PidPaths};
use crate::cli::{Options, Role};
use crate::config::model::Config;
use crate::config::system::RealSystem;
use crate::config::{self, LoadOptions};
use crate::log::{self, LogLine};

/// A child's link to the parent.
pub struct Link {
    /// Messages from the parent.
    pub rx: Receiver,
    /// Messages to the parent.
    pub tx: Sender,
    /// The generation the child runs.
    pub generation: u64,
}

impl Link {
    /// Tells the parent a generation is loaded.
    pub async fn loaded(&mut self, generation: u64) {
        self.generation = generation;
        let _ = self.tx.send(&ToParent::Loaded { generation }).await;
    }

    /// Tells the parent a generation could not be applied.
    pub async fn rejected(&mut self, generation: u64, reason: String) {
        let _ = self.tx.send(&ToParent::Rejected { generation, reason }).await;
    }
}

/// keepalived's `make_syslog_ident()`: `_NETNS` and `_INSTANCE` appended.
pub fn syslog_ident(base: &str, cfg: &Config) -> String {
    let mut s = base.to_string();
    for part in [&cfg.global.net_namespace, &cfg.global.instance].into_iter().flatten() {
        s.push('_');
        s.push_str(part);
    }
    s
}

/// Loads a configuration the parent sent: its transcript (`transcript`), or the resolved text;
/// either way there are no includes to follow.
pub fn load_sent(text: &str, transcript: bool, config_id: Option<&str>) -> Result<Config, String> {
    let lo = LoadOptions {
        config_file: "keepalived.conf".to_string(),
        config_id: config_id.map(String::from),
        all_config: false,
        config_test: false,
        cwd: None,
        random_seed: None,
    };
    let loaded = if transcript {
        config::load_transcript(text, &lo, &RealSystem)
    } else {
        config::load_text(text, &lo, &RealSystem, false)
    };
    // The parent validated this text; a child applies the start-up rule (only what would stop
    // keepalived at start stops it), so warnings meant for the other child (a missing VRRP
    // interface seen by the checker child) never take a child down.
    if loaded.startup_exit_code().is_some() {
        let first = loaded.diags.items.iter().find(|d| d.level.is_reported());
        return Err(first
            .map(|d| d.to_string())
            .unwrap_or_else(|| "configuration does not load".into()));
    }
    Ok(loaded.config)
}

/// What a child starts with.
pub struct Started {
    /// The configuration.
    pub config: Arc<Config>,
    /// The link to the parent.
    pub link: Link,
    /// The predecessor's state, for a respawned VRRP child.
    pub handover: Option<Handover>,
    /// This child's pid file.
    pub pid_file: Option<PidFile>,
}

/// Runs the child side of `role`: returns the process exit code.
pub fn main(role: Role, opts: &Options, run: impl AsyncFnOnce(Started) -> i32) -> i32 {
    let base = match role {
        Role::Vrrp => "Keepalived_vrrp",
        Role::Checker => "Keepalived_healthcheckers",
    };
    log::init(
        base,
        opts.log_facility,
        opts.log_console && opts.dont_fork,
        opts.log_detail > 0,
        opts.no_syslog,
    );
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            log::write(&LogLine::info(format!("Unable to start the event loop: {e}")));
            return 1;
        }
    };
    rt.block_on(async move {
        let Some(sock) = control::child_socket() else {
            eprintln!("keepalived: --role is internal to the watchdog parent");
            return 1;
        };
        let (mut rx, tx) = control::split(sock);
        let Some(ToChild::Start {
            generation,
            text,
            transcript,
            handover,
        }) = rx.recv::<ToChild>().await
        else {
            return 0;
        };
        let cfg = load_sent(&text, transcript, opts.config_id.as_deref());
        // The text (megabytes with thousands of servers) is not needed once loaded.
        drop(text);
        let cfg = match cfg {
            Ok(c) => c,
            Err(e) => {
                log::write(&LogLine::info(format!(
                    "Configuration from the parent does not load: {e}"
                )));
                return super::respawn::exit::CONFIG;
            }
        };
        let ident = syslog_ident(base, &cfg);
        if ident != base {
            log::init(
                &ident,
                opts.log_facility,
                opts.log_console && opts.dont_fork,
                opts.log_detail > 0,
                opts.no_syslog,
            );
        }
        let pids = PidPaths::resolve(opts, &cfg.global);
        let path = match role {
            Role::Vrrp => &pids.vrrp,
            Role::Checker => &pids.checkers,
        };
        let pid_file = match PidFile::write(path, std::process::id()) {
            Ok(f) => Some(f),
            Err(e) => {
                log::write(&LogLine::info(format!("Unable to write pid file {path} - {e}")));
                None
            }
        };
        let started = Started {
            config: Arc::new(cfg),
            link: Link { rx, tx, generation },
            handover,
            pid_file,
        };
        run(started).await
    })
}

/// keepalived's closing line of a child: "Stopped", or with `-D` the CPU it used.
pub fn stopped_line() -> LogLine {
    if !log::detail_enabled() {
        return LogLine::info("Stopped");
    }
    let (u, s) = rusage(libc::RUSAGE_SELF);
    LogLine::info(format!("Stopped - used {u} user time, {s} system time"))
}

/// User and system CPU time of `who`, formatted `sec.usec`.
pub fn rusage(who: libc::c_int) -> (String, String) {
    // SAFETY: getrusage fills the struct we own.
    let r = unsafe {
        let mut r: libc::rusage = std::mem::zeroed();
        libc::getrusage(who, &mut r);
        r
    };
    let f = |t: libc::timeval| format!("{}.{:06}", t.tv_sec, t.tv_usec);
    (f(r.ru_utime), f(r.ru_stime))
}
