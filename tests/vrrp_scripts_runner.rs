//! The `vrrp_script` runner (keepalived's `vrrp_scheduler.c`: `vrrp_init_script()`,
//! `vrrp_script_thread()`, `vrrp_script_child_thread()`), with real scripts.

mod support;

use std::time::{Duration, Instant};

use keepalived_rs::config::model::Config;
use keepalived_rs::config::system::HostWithInterfaces;
use keepalived_rs::config::{LoadOptions, load_str};
use keepalived_rs::vrrp::event::{Event, ScriptOutcome};
use keepalived_rs::vrrp::scripts::{Schedule, ScriptRunner, skip_line, tracked_scripts};
use support::scripts::{ScriptDir, log_lines, logged, read_pid_async, reaped};
use tokio::sync::mpsc;

const SEC: Duration = Duration::from_secs(1);

/// A configuration with one instance tracking the scripts `tracked` (name, path); every
/// script gets `interval` (the configuration says 1 s; tests need shorter).
fn config(tracked: &[(&str, &str)], interval: Duration, timeout: Duration) -> Config {
    let mut text = String::new();
    for (name, path) in tracked {
        text.push_str(&format!("vrrp_script {name} {{\n script \"{path}\"\n interval 1\n}}\n"));
    }
    let track: String = tracked.iter().map(|(n, _)| format!("  {n}\n")).collect();
    text.push_str(&format!(
        "vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 1\n priority 100\n \
         virtual_ipaddress {{\n  10.0.0.1\n }}\n track_script {{\n{track} }}\n}}\n"
    ));
    let mut cfg = load_str(&text, &LoadOptions::default(), &HostWithInterfaces::eth0_to_eth3()).config;
    assert_eq!(
        cfg.vrrp.scripts.len(),
        tracked.len(),
        "scripts not loaded from:\n{text}"
    );
    for s in &mut cfg.vrrp.scripts {
        s.interval = interval.as_micros() as u64;
        s.timeout = timeout.as_micros() as u64;
    }
    cfg
}

async fn next_result(rx: &mut mpsc::Receiver<Event>, within: Duration) -> (String, ScriptOutcome) {
    match tokio::time::timeout(within, rx.recv()).await {
        Ok(Some(Event::ScriptResult { name, outcome })) => (name, outcome),
        other => panic!("no script result within {within:?}: {other:?}"),
    }
}

#[test]
fn timeout_defaults_to_the_interval() {
    // vrrp_script_thread: `vscript->timeout ? vscript->timeout : vscript->interval`.
    let d = ScriptDir::new();
    let s = d.script("ok", "exit 0");
    let cfg = config(&[("chk", &s)], Duration::from_millis(1500), Duration::ZERO);
    let sched = Schedule::of(&cfg.vrrp.scripts[0]);
    assert_eq!(sched.timeout, Duration::from_millis(1500));
    let cfg = config(&[("chk", &s)], Duration::from_millis(1500), Duration::from_millis(700));
    assert_eq!(Schedule::of(&cfg.vrrp.scripts[0]).timeout, Duration::from_millis(700));
}

#[tokio::test]
async fn runs_at_once_then_every_interval() {
    // vrrp_init_script: the first run is an event at start-up; each run schedules the next one
    // an interval later.
    let d = ScriptDir::new();
    let s = d.script("fail", "exit 1");
    let cfg = config(&[("chk", &s)], Duration::from_millis(300), Duration::ZERO);
    let (tx, mut rx) = mpsc::channel(16);
    let t0 = Instant::now();
    let runner = ScriptRunner::start(&cfg, tx);
    assert_eq!(
        next_result(&mut rx, SEC).await,
        ("chk".to_string(), ScriptOutcome::Exited(1))
    );
    let first = t0.elapsed();
    assert!(
        first < Duration::from_millis(250),
        "first run not at start-up: {first:?}"
    );
    next_result(&mut rx, SEC).await;
    let second = t0.elapsed();
    assert!(
        second >= Duration::from_millis(300),
        "second run before the interval: {second:?}"
    );
    runner.shutdown().await;
}

#[tokio::test]
async fn only_tracked_scripts_run() {
    // vrrp_complete_init frees scripts no instance tracks ("Warning - script %s is not used"),
    // and check_vrrp_script_security the insecure ones it untracked.
    let d = ScriptDir::new();
    let marker = d.file("orphan-ran");
    let s = d.script("ok", "exit 0");
    let orphan = d.script("orphan", &format!("touch {marker}"));
    let mut cfg = config(&[("chk", &s)], Duration::from_millis(100), Duration::ZERO);
    let mut extra = cfg.vrrp.scripts[0].clone();
    extra.name = "orphan".into();
    extra.script.args = vec![orphan];
    cfg.vrrp.scripts.push(extra);
    let names: Vec<&str> = tracked_scripts(&cfg).iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["chk"]);
    let (tx, mut rx) = mpsc::channel(16);
    let runner = ScriptRunner::start(&cfg, tx);
    for _ in 0..3 {
        assert_eq!(next_result(&mut rx, SEC).await.0, "chk");
    }
    runner.shutdown().await;
    assert!(!std::path::Path::new(&marker).exists(), "an untracked script ran");
}

#[tokio::test]
async fn a_run_still_going_is_not_started_again() {
    // vrrp_script_thread: "Track script %s is already running, expect idle - skipping run".
    log_lines();
    let d = ScriptDir::new();
    let starts = d.file("starts");
    let s = d.script("slow", &format!("echo start >> {starts}\nsleep 0.6"));
    let cfg = config(&[("slowchk", &s)], Duration::from_millis(100), Duration::from_secs(5));
    let (tx, mut rx) = mpsc::channel(16);
    let runner = ScriptRunner::start(&cfg, tx);
    assert_eq!(next_result(&mut rx, 2 * SEC).await.1, ScriptOutcome::Exited(0));
    let count = std::fs::read_to_string(&starts).unwrap().lines().count();
    assert_eq!(count, 1, "started again while running");
    let want = skip_line("slowchk", false).text;
    assert_eq!(
        want,
        "Track script slowchk is already running, expect idle - skipping run"
    );
    assert!(logged(SEC, |l| l == want), "no skip line");
    assert_eq!(next_result(&mut rx, 2 * SEC).await.1, ScriptOutcome::Exited(0));
    runner.shutdown().await;
}

#[tokio::test]
async fn a_hanging_script_times_out_at_the_interval() {
    let d = ScriptDir::new();
    let s = d.script("hang", "sleep 100 &\nwait");
    let cfg = config(&[("hang", &s)], Duration::from_millis(300), Duration::ZERO);
    let (tx, mut rx) = mpsc::channel(16);
    let t0 = Instant::now();
    let runner = ScriptRunner::start(&cfg, tx);
    assert_eq!(next_result(&mut rx, 2 * SEC).await.1, ScriptOutcome::TimedOut);
    let took = t0.elapsed();
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_millis(1300),
        "{took:?}"
    );
    runner.shutdown().await;
}

#[tokio::test]
async fn shutdown_terminates_running_scripts_and_reaps_them() {
    // vrrp_terminate_phase1: script_killall(SIGTERM), SIGKILL a second later for those left;
    // their results are no longer processed.
    let d = ScriptDir::new();
    let (p1, p2) = (d.file("p1"), d.file("p2"));
    let polite = d.script("polite", &format!("echo $$ > {p1}\nsleep 100 &\nwait"));
    let stubborn = d.script(
        "stubborn",
        &format!("trap '' TERM\necho $$ > {p2}\nwhile :; do sleep 0.05; done"),
    );
    let cfg = config(
        &[("polite", &polite), ("stubborn", &stubborn)],
        Duration::from_secs(10),
        Duration::ZERO,
    );
    let (tx, mut rx) = mpsc::channel(16);
    let runner = ScriptRunner::start(&cfg, tx);
    let (pid1, pid2) = (read_pid_async(&p1).await, read_pid_async(&p2).await);
    let t0 = Instant::now();
    runner.shutdown().await;
    let took = t0.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_millis(2000),
        "{took:?}"
    );
    assert!(reaped(pid1) && reaped(pid2), "scripts left after shutdown");
    assert!(rx.recv().await.is_none(), "results reported after shutdown");
}
