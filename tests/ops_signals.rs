//! End to end: the dump signals and their files (keepalived-behaviour.md §2.3 and §6), sent to
//! the parent as exporters send them, with the numbers `--signum` gives. The daemon's TMPDIR
//! is the sandbox's `tmp/`. Runs against keepalived 2.2.7 with
//! `KARS_E2E_DAEMON=/usr/sbin/keepalived`.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use support::sandbox::ops::{SEC, VIPS, signum, up_master, vrrp_conf};
use support::sandbox::{Sandbox, daemon_bin, skip_unavailable, wait_until};

/// Waits up to `timeout` for `path` to exist with content satisfying `complete` (keepalived
/// writes in place, so a reader can see a file half written); its text.
fn wait_file(path: &Path, timeout: Duration, complete: impl Fn(&str) -> bool) -> Option<String> {
    let mut text = None;
    wait_until(timeout, || {
        text = std::fs::read_to_string(path).ok().filter(|t| complete(t));
        text.is_some()
    });
    text
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).expect("stat").permissions().mode() & 0o777
}

/// A stats file is complete once its last block ("Priority Zero:" then "Received:" and
/// "Sent:") is there (vrrp_print.c `vrrp_print_stats()`).
fn stats_complete(t: &str) -> bool {
    let lines: Vec<&str> = t.lines().collect();
    lines.len() >= 3
        && lines[lines.len() - 3].trim() == "Priority Zero:"
        && lines[lines.len() - 1].trim_start().starts_with("Sent:")
}

/// The number after `key` in a stats file ("Became master: 1").
fn stat(t: &str, key: &str) -> Option<u64> {
    t.lines().find_map(|l| l.trim().strip_prefix(key)?.trim().parse().ok())
}

/// keepalived signals.c `get_signum()`: `--signum=NAME` prints Debian's numbers and exits 0;
/// an unknown name exits 1 with "Unknown sigfunc NAME" on stderr.
#[test]
fn signum_prints_the_signal_numbers() {
    // SIGRTMAX-1 and SIGRTMIN+2 as glibc numbers them (the C library keeps two for itself).
    let rtmax = libc::SIGRTMAX();
    let rtmin = libc::SIGRTMIN();
    for (name, want) in [
        ("STOP", libc::SIGTERM),
        ("RELOAD", libc::SIGHUP),
        ("DATA", libc::SIGUSR1),
        ("STATS", libc::SIGUSR2),
        ("STATS_CLEAR", rtmax - 1),
        ("JSON", rtmin + 2),
    ] {
        assert_eq!(signum(name), want, "--signum={name}");
    }
    let o = std::process::Command::new(daemon_bin())
        .arg("--signum=FOO")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    assert_eq!(String::from_utf8_lossy(&o.stderr).trim(), "Unknown sigfunc FOO");
}

/// keepalived main.c `propagate_signal()` / global_data.c `dump_global_data()` and
/// vrrp_print.c `vrrp_print_data()`: DATA to the parent writes `$TMPDIR/keepalived_parent.data`
/// (the parent's global definitions) and `$TMPDIR/keepalived.data` (the VRRP child's view),
/// both mode 0600.
#[test]
fn data_signal_writes_data_files_in_tmpdir() {
    if skip_unavailable("data_signal_writes_data_files_in_tmpdir") {
        return;
    }
    let sb = Sandbox::new();
    let u = up_master(&sb, &vrrp_conf("MASTER", 150, &VIPS[..1]), &["-D"], &VIPS[..1]);
    assert!(sb.signal(u.parent, signum("DATA")));
    let data = sb.tmp().join("keepalived.data");
    let text = wait_file(&data, 5 * SEC, |t| t.contains("------< Interfaces >------"))
        .unwrap_or_else(|| panic!("no complete {}\n{}", data.display(), sb.report()));
    assert!(text.contains("------< VRRP Topology >------"), "{text}");
    assert!(text.contains(" VRRP Instance = VI_1"), "{text}");
    assert!(text.contains("State = MASTER"), "{text}");
    let parent = sb.tmp().join("keepalived_parent.data");
    let ptext = wait_file(&parent, 5 * SEC, |t| t.contains("------< Global definitions >------"))
        .unwrap_or_else(|| panic!("no {}\n{}", parent.display(), sb.report()));
    assert!(
        !ptext.contains("VRRP Topology"),
        "the parent has no VRRP state: {ptext}"
    );
    assert_eq!(mode(&data), 0o600);
    assert_eq!(mode(&parent), 0o600);
}

/// keepalived vrrp_print.c `vrrp_print_stats()` and vrrp_daemon.c `sigusr2_vrrp()` /
/// `sigstatsclear_vrrp()`: STATS writes `$TMPDIR/keepalived.stats` (mode 0600); STATS_CLEAR
/// writes it and then zeroes the counters, so the next STATS shows "Became master: 0".
#[test]
fn stats_and_stats_clear_signals() {
    if skip_unavailable("stats_and_stats_clear_signals") {
        return;
    }
    let sb = Sandbox::new();
    let u = up_master(&sb, &vrrp_conf("MASTER", 150, &VIPS[..1]), &["-D"], &VIPS[..1]);
    let stats = sb.tmp().join("keepalived.stats");
    let round = |sig: &str| -> String {
        let _ = std::fs::remove_file(&stats);
        assert!(sb.signal(u.parent, signum(sig)));
        wait_file(&stats, 5 * SEC, stats_complete)
            .unwrap_or_else(|| panic!("no complete {} after {sig}\n{}", stats.display(), sb.report()))
    };
    let first = round("STATS");
    assert!(first.starts_with("VRRP Instance: VI_1\n"), "{first}");
    assert_eq!(stat(&first, "Became master:"), Some(1), "{first}");
    assert!(stat(&first, "Sent:").is_some_and(|n| n >= 1), "{first}");
    assert_eq!(mode(&stats), 0o600);
    let cleared = round("STATS_CLEAR");
    assert_eq!(
        stat(&cleared, "Became master:"),
        Some(1),
        "written before clearing: {cleared}"
    );
    let after = round("STATS");
    assert_eq!(stat(&after, "Became master:"), Some(0), "cleared: {after}");
}

/// keepalived vrrp_json.c `vrrp_print_json()`: JSON writes `$TMPDIR/keepalived.json`
/// (mode 0600), an array with one object per instance (`data`, `stats`).
#[test]
fn json_signal_writes_json() {
    if skip_unavailable("json_signal_writes_json") {
        return;
    }
    let sb = Sandbox::new();
    let u = up_master(&sb, &vrrp_conf("MASTER", 150, &VIPS[..1]), &["-D"], &VIPS[..1]);
    assert!(sb.signal(u.parent, signum("JSON")));
    let path = sb.tmp().join("keepalived.json");
    let text = wait_file(&path, 5 * SEC, |t| serde_json::from_str::<serde_json::Value>(t).is_ok())
        .unwrap_or_else(|| panic!("no JSON in {}\n{}", path.display(), sb.report()));
    let v: serde_json::Value = serde_json::from_str(&text).expect("parsed");
    let inst = &v.as_array().expect("an array")[0];
    assert_eq!(inst["data"]["iname"], "VI_1", "{text}");
    assert_eq!(inst["data"]["state"], 2, "MASTER: {text}");
    assert_eq!(inst["data"]["vrid"], 51, "{text}");
    assert!(inst["stats"]["become_master"].as_u64() == Some(1), "{text}");
    assert_eq!(mode(&path), 0o600);
}

/// keepalived check_daemon.c `sigusr1_check()` / check_data.c `dump_data_check()`: DATA to the
/// parent also reaches the checker child, which writes `$TMPDIR/keepalived_check.data` (its
/// global definitions and the LVS topology), mode 0600. Ours only here: without IPVS
/// keepalived's checker child exits FATAL.
#[test]
fn data_signal_reaches_the_checker_child() {
    let test = "data_signal_reaches_the_checker_child";
    if skip_unavailable(test) {
        return;
    }
    if let Some(why) = support::sandbox::ops::checker_unavailable() {
        support::skip(test, why);
        return;
    }
    let sb = Sandbox::new();
    let conf = support::sandbox::ops::with_virtual_server(&vrrp_conf("MASTER", 150, &VIPS[..1]));
    let u = up_master(&sb, &conf, &["-D"], &VIPS[..1]);
    assert!(sb.signal(u.parent, signum("DATA")));
    let path = sb.tmp().join("keepalived_check.data");
    let text = wait_file(&path, 5 * SEC, |t| t.contains("------< LVS Topology >------"))
        .unwrap_or_else(|| panic!("no complete {}\n{}", path.display(), sb.report()));
    assert!(text.contains("------< Global definitions >------"), "{text}");
    assert!(text.contains("VS VIP = 192.168.77.100, VPORT = 80"), "{text}");
    assert!(!text.contains("VRRP Topology"), "the checker has no VRRP state: {text}");
    assert_eq!(mode(&path), 0o600);
}
