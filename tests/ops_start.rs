//! End to end: starting the daemon as Debian's unit and SysV script do, each run in a sandbox
//! of its own (network, mount and pid namespaces; see tests/support/sandbox.rs). Runs against
//! ours by default and against keepalived 2.2.7 with `KARS_E2E_DAEMON=/usr/sbin/keepalived`.
//! The configurations are VRRP-only unless a test is about the checker child: this kernel has
//! no IPVS, so keepalived's checker child exits FATAL here.

mod support;

use std::os::unix::fs::PermissionsExt;

use support::sandbox::ops::{
    BANNER, SEC, VIPS, checker_unavailable, said, up, up_master, vrrp_conf, wait_up, with_virtual_server,
};
use support::sandbox::{LOG_DAEMON, LOG_INFO, LOG_LOCAL0, Sandbox, daemon_bin, skip_unavailable, wait_until};

/// keepalived main.c `keepalived_main()` / `start_keepalived()`, vrrp_daemon.c
/// `start_vrrp_child()`, pidfile.c `write_pidfile()`, config_notify.c `child_reloaded_thread()`
/// and systemd.c `systemd_notify_running()`: the Debian unit's command line gives a parent
/// and a VRRP child, their pid files, syslog records under both idents at facility daemon,
/// "Startup complete" and then READY=1 with the parent as MAINPID.
#[test]
fn unit_start_gives_parent_vrrp_child_pid_files_syslog_and_ready() {
    if skip_unavailable("unit_start_gives_parent_vrrp_child_pid_files_syslog_and_ready") {
        return;
    }
    let sb = Sandbox::new();
    let u = up_master(&sb, &vrrp_conf("MASTER", 150, &VIPS[..1]), &["-D"], &VIPS[..1]);
    let r = sb.report();

    // Processes: the parent is pid 1's child (systemd's), the VRRP child is the parent's.
    let ds = sb.daemons();
    assert_eq!(ds.len(), 2, "parent + VRRP child\n{r}");
    let parent = ds.iter().find(|p| p.ns_pid == u.parent).expect("parent running");
    let child = ds.iter().find(|p| p.ns_pid == u.vrrp).expect("VRRP child running");
    assert_eq!(parent.ppid, sb.init_pid(), "{r}");
    assert_eq!(child.ppid, parent.pid, "{r}");

    // Pid files: "%d\n", mode 0644; no checker pid file without a checker child.
    for (f, pid) in [("keepalived.pid", u.parent), ("vrrp.pid", u.vrrp)] {
        let text = std::fs::read_to_string(sb.run_path(f)).expect("pid file");
        assert_eq!(text, format!("{pid}\n"), "/run/{f}");
        let mode = std::fs::metadata(sb.run_path(f)).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode, 0o644, "/run/{f} mode {mode:o}");
    }
    assert!(
        !sb.run_path("checkers.pid").exists(),
        "no checker child, no checkers.pid\n{r}"
    );

    // Syslog: the banner first, at daemon.info, from Keepalived[parent].
    let all = sb.syslog.all();
    let first = all.first().expect("some syslog record");
    assert!(first.from("Keepalived", u.parent), "{first}\n{r}");
    assert!(first.message.starts_with(&format!("Starting {BANNER}")), "{first}");
    assert_eq!((first.facility, first.severity), (LOG_DAEMON, LOG_INFO), "{first}");
    let started = format!("Starting VRRP child process, pid={}", u.vrrp);
    assert!(
        all.iter()
            .any(|m| m.from("Keepalived", u.parent) && m.message == started),
        "{started}\n{r}"
    );
    assert!(
        all.iter().any(|m| m.from("Keepalived_vrrp", u.vrrp)),
        "no Keepalived_vrrp[{}] record\n{r}",
        u.vrrp
    );
    for m in &all {
        assert!(m.ident == "Keepalived" || m.ident == "Keepalived_vrrp", "ident of {m}");
        assert_eq!(m.facility, LOG_DAEMON, "facility of {m}");
    }

    // READY=1 (with MAINPID = the parent), after "Startup complete" was logged.
    let complete = sb
        .syslog
        .wait_for(said("Keepalived", Some(u.parent), "Startup complete"), SEC)
        .expect("logged");
    let ready = sb
        .notify
        .wait_for("READY=1", 10 * SEC)
        .unwrap_or_else(|| panic!("no READY=1\n{r}"));
    assert!(ready.stamp > complete.stamp, "READY=1 before \"Startup complete\"\n{r}");
    assert_eq!(ready.get("MAINPID"), Some(u.parent.to_string().as_str()), "{ready:?}");
}

/// keepalived main.c (`-S`, `open_syslog()`): every process logs at the facility given,
/// here local2.
#[test]
fn log_facility_option_applies_to_every_process() {
    if skip_unavailable("log_facility_option_applies_to_every_process") {
        return;
    }
    let sb = Sandbox::new();
    let u = up(&sb, &vrrp_conf("MASTER", 150, &VIPS[..1]), &["-D", "-S", "2"]);
    let r = sb.report();
    let all = sb.syslog.all();
    assert!(all.iter().any(|m| m.from("Keepalived_vrrp", u.vrrp)), "{r}");
    for m in &all {
        assert_eq!(m.facility, LOG_LOCAL0 + 2, "facility of {m}");
    }
}

/// keepalived daemon.c `xdaemon()`: without `-n` the process started exits 0 at once; the
/// daemon is a new session leader, and the pid file names it.
#[test]
fn daemonised_start_exits_zero_and_pid_file_names_the_daemon() {
    if skip_unavailable("daemonised_start_exits_zero_and_pid_file_names_the_daemon") {
        return;
    }
    let sb = Sandbox::new();
    sb.write_conf(&vrrp_conf("MASTER", 150, &VIPS[..1]));
    let mut first = sb.spawn(&[daemon_bin(), "-D"]);
    assert_eq!(first.code(10 * SEC), Some(0), "{}", sb.report());
    let u = wait_up(&sb, 0);
    let r = sb.report();
    let parent = sb.by_ns_pid(u.parent).expect("daemon running");
    assert_eq!(parent.sid, parent.pid, "the daemon leads its own session\n{r}");
    let child = sb.by_ns_pid(u.vrrp).expect("VRRP child running");
    assert_eq!(child.ppid, parent.pid, "{r}");
    assert_eq!(sb.daemons().len(), 2, "{r}");
}

/// keepalived main.c `keepalived_running()`: a second start while the pid files name live
/// processes logs "daemon is already running" and exits 0; the first daemon, its pid files
/// and its VIP are untouched.
#[test]
fn second_start_while_running_exits_zero_and_disturbs_nothing() {
    if skip_unavailable("second_start_while_running_exits_zero_and_disturbs_nothing") {
        return;
    }
    let sb = Sandbox::new();
    let u = up_master(&sb, &vrrp_conf("MASTER", 150, &VIPS[..1]), &["-D"], &VIPS[..1]);
    let before: Vec<i32> = sb.daemons().iter().map(|p| p.pid).collect();
    let mon = sb.monitor();
    let from = sb.syslog.mark();
    let mut second = sb.spawn(&[daemon_bin(), "--dont-fork", "-D"]);
    assert_eq!(second.code(10 * SEC), Some(0), "{}", sb.report());
    let r = sb.report();
    let msg = sb
        .syslog
        .wait_from(from, said("Keepalived", None, "daemon is already running"), 5 * SEC)
        .unwrap_or_else(|| panic!("no \"daemon is already running\"\n{r}"));
    assert_ne!(msg.pid, Some(u.parent), "logged by the second process: {msg}");
    let after: Vec<i32> = sb.daemons().iter().map(|p| p.pid).collect();
    assert_eq!(before, after, "{r}");
    assert_eq!(sb.pid_file("keepalived.pid"), Some(u.parent));
    assert_eq!(sb.pid_file("vrrp.pid"), Some(u.vrrp));
    assert!(sb.has_addr(VIPS[0]), "{r}");
    assert!(
        mon.deleted(0, VIPS[0]).is_empty(),
        "the VIP flapped:\n{}",
        mon.text_from(0)
    );
}

/// keepalived `start_check_child()` then `start_vrrp_child()` (checker first): with a
/// virtual_server as well, three processes and three pid files. Ours only here: without IPVS
/// keepalived's checker child exits FATAL.
#[test]
fn unit_start_with_virtual_server_gives_three_processes() {
    let test = "unit_start_with_virtual_server_gives_three_processes";
    if skip_unavailable(test) {
        return;
    }
    if let Some(why) = checker_unavailable() {
        support::skip(test, why);
        return;
    }
    let sb = Sandbox::new();
    let u = up(
        &sb,
        &with_virtual_server(&vrrp_conf("MASTER", 150, &VIPS[..1])),
        &["-D"],
    );
    let mut checker = None;
    let ok = wait_until(5 * SEC, || {
        checker = sb.pid_file("checkers.pid").filter(|p| sb.by_ns_pid(*p).is_some());
        checker.is_some()
    });
    let r = sb.report();
    assert!(ok, "no live checker in /run/checkers.pid\n{r}");
    let checker = checker.unwrap_or_default();
    let ds = sb.daemons();
    assert_eq!(ds.len(), 3, "{r}");
    let parent = ds.iter().find(|p| p.ns_pid == u.parent).expect("parent");
    for c in [u.vrrp, checker] {
        assert_eq!(
            ds.iter().find(|p| p.ns_pid == c).map(|p| p.ppid),
            Some(parent.pid),
            "{r}"
        );
    }
    // No transparent huge pages in any of the three (a heap of a few MiB in 2 MiB pages would
    // count whole huge pages in their RSS where THP is "always", as on Debian's kernels).
    for p in &ds {
        let status = std::fs::read_to_string(format!("/proc/{}/status", p.pid)).unwrap_or_default();
        if let Some(l) = status.lines().find(|l| l.starts_with("THP_enabled:")) {
            assert_eq!(
                l.split_whitespace().nth(1),
                Some("0"),
                "{} ({:?}): {l}\n{r}",
                p.pid,
                p.cmdline
            );
        } else {
            eprintln!("{test}: this kernel's /proc/PID/status has no THP_enabled line; not checked");
        }
    }
    let all = sb.syslog.all();
    let pos = |text: &str| {
        all.iter()
            .position(|m| m.from("Keepalived", u.parent) && m.message == text)
    };
    let check_at = pos(&format!("Starting Healthcheck child process, pid={checker}"));
    let vrrp_at = pos(&format!("Starting VRRP child process, pid={}", u.vrrp));
    assert!(
        check_at.is_some() && vrrp_at.is_some() && check_at < vrrp_at,
        "checker first\n{r}"
    );
    assert!(all.iter().any(|m| m.from("Keepalived_healthcheckers", checker)), "{r}");
}
