//! End to end: stopping (SIGTERM to the parent) and logging across a restart of the syslog
//! daemon. Runs against keepalived 2.2.7 with `KARS_E2E_DAEMON=/usr/sbin/keepalived`.

mod support;

use support::sandbox::ops::{BANNER, SEC, VIPS, said, signum, up_master, vrrp_conf};
use support::sandbox::{Sandbox, skip_unavailable, wait_until};

/// keepalived main.c `sigend()` / `stop_keepalived()`, vrrp_daemon.c `stop_vrrp()`,
/// systemd.c `systemd_notify_stopping()`: `sig` to the parent removes the VIPs, stops both
/// processes, removes the pid files, logs "Stopped" from the child and the "Stopped" banner
/// from the parent, and sends STOPPING=1.
fn stop_with(test: &str, sig: impl Fn() -> i32) {
    if skip_unavailable(test) {
        return;
    }
    let sb = Sandbox::new();
    let u = up_master(&sb, &vrrp_conf("MASTER", 150, &VIPS), &["-D"], &VIPS);
    let mon = sb.monitor();
    let (from, nfrom) = (sb.syslog.mark(), sb.notify.mark());
    assert!(sb.signal(u.parent, sig()));
    let r = || format!("{}monitor:\n{}", sb.report(), mon.text_from(0));
    let banner = format!("Stopped {BANNER}");
    let stopped = sb
        .syslog
        .wait_from(from, said("Keepalived", Some(u.parent), &banner), 15 * SEC)
        .unwrap_or_else(|| panic!("no {banner:?}\n{}", r()));
    let child = sb
        .syslog
        .wait_from(from, said("Keepalived_vrrp", Some(u.vrrp), "Stopped"), SEC)
        .unwrap_or_else(|| panic!("no \"Stopped\" from the VRRP child\n{}", r()));
    assert!(child.stamp < stopped.stamp, "{}", r());
    let stopping = sb
        .notify
        .wait_from(nfrom, "STOPPING=1", 5 * SEC)
        .unwrap_or_else(|| panic!("no STOPPING=1\n{}", r()));
    assert!(stopping.stamp < stopped.stamp, "{}", r());
    assert!(wait_until(10 * SEC, || sb.daemons().is_empty()), "{}", r());
    for v in VIPS {
        assert!(!sb.has_addr(v), "{v} left behind\n{}", r());
        assert_eq!(mon.deleted(0, v).len(), 1, "{v}\n{}", r());
    }
    for f in ["keepalived.pid", "vrrp.pid"] {
        assert!(!sb.run_path(f).exists(), "/run/{f} left behind\n{}", r());
    }
}

/// SIGTERM (`--signum=STOP`, what systemd and start-stop-daemon send).
#[test]
fn sigterm_removes_vips_pid_files_and_processes() {
    stop_with("sigterm_removes_vips_pid_files_and_processes", || signum("STOP"));
}

/// SIGINT stops the same way (keepalived `signal_init()` gives both to `sigend()`).
#[test]
fn sigint_removes_vips_pid_files_and_processes() {
    stop_with("sigint_removes_vips_pid_files_and_processes", || libc::SIGINT);
}

/// Logging survives a restart of the syslog daemon (glibc's syslog(3) reconnects when a send
/// fails): with `/dev/log` gone and back at the same path, records from both the parent and
/// the VRRP child arrive again. A reload while syslog is down, seen on the console (`-l`),
/// makes both processes log into the void first.
#[test]
fn logging_survives_a_syslog_restart() {
    if skip_unavailable("logging_survives_a_syslog_restart") {
        return;
    }
    let mut sb = Sandbox::new();
    sb.write_conf(&vrrp_conf("MASTER", 150, &VIPS[..1]));
    let run = sb.start_unit(&["-D", "-l"]);
    let u = support::sandbox::ops::wait_up(&sb, 0);
    let console_done = |from: usize| {
        run.stderr
            .wait_from(from, |l| l.text.ends_with(": Reload complete"), 10 * SEC)
            .is_some()
    };
    sb.syslog.stop();
    let down = sb.syslog.mark();
    let cfrom = run.stderr.len();
    assert!(sb.signal(u.parent, signum("RELOAD")));
    assert!(console_done(cfrom), "no reload while syslog was down\n{}", sb.report());
    assert_eq!(
        sb.syslog.mark(),
        down,
        "records arrived while syslog was down\n{}",
        sb.report()
    );
    sb.syslog.restart();
    let from = sb.syslog.mark();
    assert!(sb.signal(u.parent, signum("RELOAD")));
    let r = || sb.report();
    assert!(
        sb.syslog
            .wait_from(
                from,
                |m| m.from("Keepalived", u.parent) && m.message == "Reloading ...",
                10 * SEC
            )
            .is_some(),
        "the parent's records are lost\n{}",
        r()
    );
    assert!(
        sb.syslog
            .wait_from(
                from,
                |m| m.from("Keepalived_vrrp", u.vrrp) && m.message == "Reloading",
                10 * SEC
            )
            .is_some(),
        "the VRRP child's records are lost\n{}",
        r()
    );
    assert!(
        sb.syslog
            .wait_from(from, said("Keepalived", Some(u.parent), "Reload complete"), 10 * SEC)
            .is_some(),
        "{}",
        r()
    );
}

/// keepalived `-V` / `--dont-release-vrrp` (vrrp_daemon.c `stop_vrrp()` skips
/// `vrrp_restore_interfaces()`): at stop the VIPs stay on the interface, while the processes
/// and pid files go.
#[test]
fn dont_release_vrrp_keeps_the_vips_at_stop() {
    if skip_unavailable("dont_release_vrrp_keeps_the_vips_at_stop") {
        return;
    }
    let sb = Sandbox::new();
    let u = up_master(&sb, &vrrp_conf("MASTER", 150, &VIPS), &["-D", "-V"], &VIPS);
    let mon = sb.monitor();
    let from = sb.syslog.mark();
    assert!(sb.signal(u.parent, signum("STOP")));
    let banner = format!("Stopped {BANNER}");
    let r = || format!("{}monitor:\n{}", sb.report(), mon.text_from(0));
    sb.syslog
        .wait_from(from, said("Keepalived", Some(u.parent), &banner), 15 * SEC)
        .unwrap_or_else(|| panic!("no {banner:?}\n{}", r()));
    assert!(wait_until(10 * SEC, || sb.daemons().is_empty()), "{}", r());
    for v in VIPS {
        assert!(sb.has_addr(v), "{v} removed despite -V\n{}", r());
        assert!(mon.deleted(0, v).is_empty(), "{v}\n{}", r());
    }
    for f in ["keepalived.pid", "vrrp.pid"] {
        assert!(!sb.run_path(f).exists(), "/run/{f} left behind\n{}", r());
    }
}
