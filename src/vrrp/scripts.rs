//! The `vrrp_script` runner (keepalived's `vrrp_scheduler.c`: `vrrp_init_script()`,
//! `vrrp_script_thread()`, `vrrp_script_child_thread()`).
//!
//! Every `vrrp_script` that an instance or sync group tracks runs at start-up and then every
//! `interval`, each run in its own task so that nothing waits for a script. A run still going
//! when the next one is due is not started again (keepalived 2.2.7 logs "skipping run" but runs
//! it anyway; later versions, commit 94d40e3b, skip it as intended). At `timeout` (default: the
//! interval) the script's process group gets SIGTERM, and SIGKILL 2 s later. How each run ended
//! goes to the engine as [`Event::ScriptResult`]; rise/fall counting is the engine's.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::config::model::Config;
use crate::config::model::vrrp::VrrpScript;
use crate::exec::{self, OnTimeout, RunHandle};
use crate::log::LogLine;
use crate::vrrp::event::Event;

/// How long running scripts have after SIGTERM at shutdown before SIGKILL (keepalived's
/// `script_killall()` then `child_killed_thread` after `TIMER_HZ`).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// One script's schedule, as the runner uses it.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    /// The `vrrp_script` name.
    pub name: String,
    /// Time between starts.
    pub interval: Duration,
    /// Time a run may take before it is killed.
    pub timeout: Duration,
}

impl Schedule {
    /// A script's schedule: `timeout` 0 means the interval (keepalived's
    /// `vscript->timeout ? vscript->timeout : vscript->interval`).
    pub fn of(script: &VrrpScript) -> Schedule {
        let interval = Duration::from_micros(script.interval);
        let timeout = if script.timeout == 0 {
            interval
        } else {
            Duration::from_micros(script.timeout)
        };
        Schedule {
            name: script.name.clone(),
            interval,
            timeout,
        }
    }
}

/// The scripts that run: those some instance or sync group tracks (keepalived frees the others
/// at start-up, and never runs the insecure ones it removed from every tracker).
pub fn tracked_scripts(config: &Config) -> Vec<&VrrpScript> {
    let v = &config.vrrp;
    let tracked = |name: &str| {
        v.instances
            .iter()
            .any(|i| i.track_scripts.iter().any(|t| t.name == name))
            || v.sync_groups
                .iter()
                .any(|g| g.track_scripts.iter().any(|t| t.name == name))
    };
    v.scripts.iter().filter(|s| tracked(&s.name)).collect()
}

/// keepalived's line when a run is due while the previous one is still going.
pub fn skip_line(name: &str, timing_out: bool) -> LogLine {
    let what = if timing_out {
        "being timed out"
    } else {
        "already running"
    };
    LogLine::info(format!("Track script {name} is {what}, expect idle - skipping run"))
}

/// The running `vrrp_script` tasks.
pub struct ScriptRunner {
    stop: watch::Sender<bool>,
    loops: Vec<JoinHandle<()>>,
    runs: Vec<Arc<RunHandle>>,
}

impl ScriptRunner {
    /// Starts one task per tracked script of `config` (must be called inside a tokio runtime).
    /// Results go to `events`.
    pub fn start(config: &Config, events: mpsc::Sender<Event>) -> ScriptRunner {
        let (stop, stop_rx) = watch::channel(false);
        let mut loops = Vec::new();
        let mut runs = Vec::new();
        for s in tracked_scripts(config) {
            let handle = Arc::new(RunHandle::new());
            runs.push(handle.clone());
            let script = Arc::new(s.script.clone());
            let task = script_loop(Schedule::of(s), script, handle, events.clone(), stop_rx.clone());
            loops.push(tokio::spawn(task));
        }
        ScriptRunner { stop, loops, runs }
    }

    /// Stops scheduling runs and ends the running ones as keepalived does at shutdown: SIGTERM
    /// to each running script's process group, SIGKILL [`SHUTDOWN_GRACE`] later; returns when
    /// every script process has been reaped. Results of these runs are not reported.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for r in &self.runs {
            r.signal_group(libc::SIGTERM);
        }
        let mut all = futures::future::join_all(self.loops);
        if tokio::time::timeout(SHUTDOWN_GRACE, &mut all).await.is_err() {
            for r in &self.runs {
                r.signal_group(libc::SIGKILL);
            }
            all.await;
        }
    }
}

/// One script: a run at once and then every interval, never two at a time.
async fn script_loop(
    sched: Schedule,
    script: Arc<crate::config::model::Script>,
    handle: Arc<RunHandle>,
    events: mpsc::Sender<Event>,
    mut stop: watch::Receiver<bool>,
) {
    let mut ticker = tokio::time::interval(sched.interval.max(Duration::from_micros(1)));
    // keepalived schedules the next run an interval after this one started.
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut current: Option<JoinHandle<()>> = None;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stop.wait_for(|s| *s) => break,
        }
        if current.as_ref().is_some_and(|c| !c.is_finished()) {
            crate::log::write(&skip_line(&sched.name, handle.is_timing_out()));
            continue;
        }
        let (script, handle, events, stop) = (script.clone(), handle.clone(), events.clone(), stop.clone());
        let (name, timeout) = (sched.name.clone(), sched.timeout);
        current = Some(tokio::spawn(async move {
            let outcome = exec::run_with(&script, &[], Some(timeout), OnTimeout::TermThenKill, Some(&handle)).await;
            let mut stop = stop;
            if !*stop.borrow() {
                // A full channel must not hold up shutdown.
                tokio::select! {
                    _ = events.send(Event::ScriptResult { name, outcome }) => {}
                    _ = stop.wait_for(|s| *s) => {}
                }
            }
        }));
    }
    // Shutting down: the run (if any) is being killed by `shutdown`; wait until it is reaped.
    if let Some(c) = current {
        let _ = c.await;
    }
}
