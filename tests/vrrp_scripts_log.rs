//! The logging shell (keepalived's `lib/logger.c`: `vlog_message()`, `open_log_file()`;
//! `lib/utils.c`: `make_file_name()`).

mod support;

use std::ffi::CStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use keepalived_rs::log::{self, LocalTime, LogLine, Priority, console_line, log_file_line, make_file_name};
use support::scripts::{Oracle, ScriptDir, wait_until};

/// libc's strftime for the same instant, in this process's (C) locale.
fn strftime(secs: i64, fmt: &CStr) -> String {
    let t = secs as libc::time_t;
    // SAFETY: plain data filled by localtime_r; strftime writes at most buf.len() bytes.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&t, &mut tm);
        let mut buf = [0u8; 128];
        let n = libc::strftime(buf.as_mut_ptr().cast(), buf.len(), fmt.as_ptr(), &tm);
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }
}

fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

#[test]
fn console_timestamp_is_strftime_c() {
    // vlog_message: strftime(timestamp, ..., "%c", &tm); fprintf(stderr, "%s: %s\n", ...).
    // Every hour of two years covers single-digit days (space-padded by %c) and each weekday.
    let start = 1_767_225_600; // 2026-01-01
    for h in 0..(2 * 366 * 24) {
        let t = start + h * 3600 + 61;
        let want = format!("{}: text\n", strftime(t, c"%c"));
        assert_eq!(console_line(&LocalTime::from_unix(t, 0), "text"), want, "at {t}");
    }
}

#[test]
fn log_file_timestamp_has_nanoseconds() {
    // vlog_message with a log file: "%a %b %d %T" ".%9.9ld" " %Y".
    let t = 1_780_000_000 + 86_400 * 3;
    let want = format!("{}.000001234{}: x\n", strftime(t, c"%a %b %d %T"), strftime(t, c" %Y"));
    assert_eq!(log_file_line(&LocalTime::from_unix(t, 1234), "x"), want);
}

#[test]
fn long_messages_are_cut_like_keepalived() {
    // vsnprintf into buf[2 * MAX_LOG_MSG + 1].
    let long = "é".repeat(400);
    let line = console_line(&LocalTime::from_unix(0, 0), &long);
    let text = line.split_once(": ").unwrap().1.trim_end_matches('\n');
    assert_eq!(text.len(), 510);
}

#[test]
fn log_file_names() {
    // make_file_name: "_prog", "_namespace", "_instance" go before the extension; relative
    // names go under tmp_dir.
    assert_eq!(
        make_file_name("/var/log/ka.log", Some("vrrp"), None, None, "/tmp"),
        "/var/log/ka_vrrp.log"
    );
    assert_eq!(
        make_file_name("keepalived.log", Some("vrrp"), Some("ns1"), Some("i1"), "/tmp"),
        "/tmp/keepalived_vrrp_ns1_i1.log"
    );
    assert_eq!(
        make_file_name("/a.b/log", Some("vrrp"), None, None, "/tmp"),
        "/a.b/log_vrrp"
    );
    assert_eq!(make_file_name("/x/k.log", None, None, None, "/tmp"), "/x/k.log");
}

#[test]
fn keepalived_prints_the_same_console_prefix() {
    let name = "keepalived_prints_the_same_console_prefix";
    if !support::can_netns() {
        return support::skip(name, "needs root and `ip netns` to run keepalived in a namespace");
    }
    if support::oracle_keepalived().is_none() {
        return support::skip(name, "Debian's keepalived 2.2.7 is not installed");
    }
    let d = ScriptDir::new();
    let config = "vrrp_instance VI_1 {\n interface veth0\n virtual_router_id 9\n priority 50\n \
                  virtual_ipaddress {\n  10.9.9.8\n }\n}\n";
    let before = now_secs();
    let mut ka = Oracle::start(d.path(), config);
    let log = d.path().join("keepalived.log");
    let read = || std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        wait_until(Duration::from_secs(10), || read().contains("Starting Keepalived")),
        "{}",
        read()
    );
    let after = now_secs();
    ka.stop();
    let first = read().lines().next().unwrap().to_string() + "\n";
    let text = "Starting Keepalived v2.2.7 (01/16,2022)";
    assert!(
        (before..=after).any(|t| console_line(&LocalTime::from_unix(t, 0), text) == first),
        "keepalived wrote {first:?}"
    );
}

/// Set by the parent test: where the child process writes its log file.
const CHILD_ENV: &str = "KARS_LOG_CHILD";

/// Runs only as a child of `write_honours_console_detail_and_log_file`: sets the logger up as
/// the VRRP process would under `-l -n -G` and writes some lines.
#[test]
fn log_child() {
    let Ok(file) = std::env::var(CHILD_ENV) else { return };
    log::init("Keepalived_vrrp", libc::LOG_DAEMON, true, false, true);
    log::set_log_file(Some(&file), true).expect("open log file");
    log::write(&LogLine::info("first line"));
    log::write(&LogLine::detail("hidden detail"));
    log::write_at(libc::LOG_ALERT, "alert line");
    log::init("Keepalived_vrrp", libc::LOG_DAEMON, true, true, true);
    assert!(log::detail_enabled());
    log::write(&LogLine::detail("shown detail"));
    log::write(&LogLine::at(Priority::Error, "error line"));
}

#[test]
fn write_honours_console_detail_and_log_file() {
    // vlog_message: stderr copy under -l (with -n), file copy under -g, detail lines only
    // with -D (the callers' LOG_DETAIL_BIT test).
    let d = ScriptDir::new();
    let file = d.file("ka.log");
    let before = now_secs();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "log_child", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, &file)
        .output()
        .expect("run child");
    let after = now_secs();
    assert!(
        out.status.success(),
        "child failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = ["first line", "alert line", "shown detail", "error line"];
    let stderr = String::from_utf8_lossy(&out.stderr);
    let ours: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains(" line") || l.contains(" detail"))
        .collect();
    assert_eq!(ours.len(), want.len(), "stderr: {stderr}");
    for (line, text) in ours.iter().zip(want) {
        let line = format!("{line}\n");
        let ok = (before..=after).any(|t| console_line(&LocalTime::from_unix(t, 0), text) == line);
        assert!(ok, "{line:?} is not the console line of {text:?}");
    }
    let logged = std::fs::read_to_string(&file).expect("log file");
    let lines: Vec<&str> = logged.lines().collect();
    assert_eq!(lines.len(), want.len(), "{logged}");
    for (line, text) in lines.iter().zip(want) {
        // "Sat Nov 21 05:03:17.123456789 2026: text"
        let nsec: u32 = line
            .get(20..29)
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{line:?}"));
        let line = format!("{line}\n");
        let ok = (before..=after).any(|t| log_file_line(&LocalTime::from_unix(t, nsec), text) == line);
        assert!(ok, "{line:?} is not the log-file line of {text:?}");
    }
}
