//! End to end: reload (SIGHUP to the parent, and the unit's `kill -HUP $MAINPID`), its log
//! lines and notify messages, a reload that changes one VIP of three, and reloads with broken
//! configurations. keepalived-compatible tests run against keepalived 2.2.7 with
//! `KARS_E2E_DAEMON=/usr/sbin/keepalived`. For the broken configurations keepalived's behaviour
//! is not the goal (it applies part of one and exits on the other, issue 4 item 4): against
//! keepalived those tests print what it did (`OBSERVED`) and assert nothing, unless
//! `KARS_E2E_BEYOND=1` (then they fail there, which shows they detect keepalived's behaviour).

mod support;

use support::sandbox::ops::{SEC, VIPS, said, signum, up_master, vrrp_conf};
use support::sandbox::{Sandbox, beyond_forced, is_keepalived, skip_unavailable, wait_until};

/// keepalived main.c `reload_config()` / `do_reload()`, vrrp_daemon.c `reload_vrrp_thread()`,
/// config_notify.c `child_reloaded_thread()`: "Reloading ..." from the parent, "Reloading"
/// from the VRRP child, "Reload complete" from the parent; RELOADING=1 then READY=1 on the
/// notify socket around it; the same processes afterwards. Twice: SIGHUP sent by the test, then
/// the unit's `ExecReload=/bin/kill -HUP $MAINPID` run inside with READY's MAINPID.
#[test]
fn reload_logs_and_notifies_in_order() {
    if skip_unavailable("reload_logs_and_notifies_in_order") {
        return;
    }
    let sb = Sandbox::new();
    let u = up_master(&sb, &vrrp_conf("MASTER", 150, &VIPS[..1]), &["-D"], &VIPS[..1]);
    let ready = sb
        .notify
        .wait_for("READY=1", 10 * SEC)
        .unwrap_or_else(|| panic!("no READY=1\n{}", sb.report()));
    let mainpid = ready
        .get("MAINPID")
        .unwrap_or_else(|| panic!("no MAINPID in {ready:?}"))
        .to_string();
    let before: Vec<i32> = sb.daemons().iter().map(|p| p.pid).collect();
    let kill = if std::path::Path::new("/bin/kill").exists() {
        "/bin/kill"
    } else {
        "kill"
    };
    for how in ["SIGHUP from the test", "kill -HUP $MAINPID"] {
        let (from, nfrom) = (sb.syslog.mark(), sb.notify.mark());
        if how.starts_with("kill") {
            let done = sb.exec(&[kill, "-HUP", &mainpid], 5 * SEC);
            assert_eq!(done.code, 0, "{done:?}");
        } else {
            assert!(sb.signal(u.parent, signum("RELOAD")));
        }
        let r = || format!("{how}\n{}", sb.report());
        let wait = |ident: &str, pid: i32, text: &str| {
            sb.syslog
                .wait_from(from, |m| m.from(ident, pid) && m.message == text, 10 * SEC)
                .unwrap_or_else(|| panic!("no {text:?} from {ident}[{pid}]\n{}", r()))
        };
        let parent_says = wait("Keepalived", u.parent, "Reloading ...");
        let child_says = wait("Keepalived_vrrp", u.vrrp, "Reloading");
        let complete = wait("Keepalived", u.parent, "Reload complete");
        let reloading = sb
            .notify
            .wait_from(nfrom, "RELOADING=1", 5 * SEC)
            .unwrap_or_else(|| panic!("no RELOADING=1\n{}", r()));
        let ready = sb
            .notify
            .wait_from(nfrom, "READY=1", 5 * SEC)
            .unwrap_or_else(|| panic!("no READY=1\n{}", r()));
        assert!(
            parent_says.stamp < child_says.stamp && child_says.stamp < complete.stamp,
            "{}",
            r()
        );
        assert!(
            reloading.stamp < complete.stamp && complete.stamp < ready.stamp,
            "{}",
            r()
        );
        let after: Vec<i32> = sb.daemons().iter().map(|p| p.pid).collect();
        assert_eq!(before, after, "a reload keeps the processes\n{}", r());
    }
}

/// keepalived vrrp.c `clear_diff_vrrp_vip()` and `restore_vrrp_state()`: a reload that
/// replaces one VIP of three removes that one and adds the new one; `ip monitor address`
/// shows no removal of the other two.
#[test]
fn reload_changing_one_vip_of_three_leaves_the_others_alone() {
    if skip_unavailable("reload_changing_one_vip_of_three_leaves_the_others_alone") {
        return;
    }
    let sb = Sandbox::new();
    let u = up_master(&sb, &vrrp_conf("MASTER", 150, &VIPS), &["-D"], &VIPS);
    let mon = sb.monitor();
    let new_vip = "192.168.77.103";
    sb.write_conf(&vrrp_conf("MASTER", 150, &[VIPS[0], VIPS[1], new_vip]));
    let from = sb.syslog.mark();
    assert!(sb.signal(u.parent, signum("RELOAD")));
    let r = || format!("{}monitor:\n{}", sb.report(), mon.text_from(0));
    assert!(
        sb.syslog
            .wait_from(from, said("Keepalived", Some(u.parent), "Reload complete"), 10 * SEC)
            .is_some(),
        "{}",
        r()
    );
    assert!(sb.wait_addr(new_vip, true, 5 * SEC), "{}", r());
    assert!(sb.wait_addr(VIPS[2], false, 5 * SEC), "{}", r());
    assert!(!mon.deleted(0, VIPS[2]).is_empty(), "{}", r());
    assert!(!mon.added(0, new_vip).is_empty(), "{}", r());
    for v in &VIPS[..2] {
        assert!(mon.deleted(0, v).is_empty(), "{v} flapped\n{}", r());
        assert!(sb.has_addr(v), "{}", r());
    }
}

/// Whether a parent's record says the running configuration stays (wording is ours).
fn says_old_config_kept(msg: &str) -> bool {
    let m = msg.to_ascii_lowercase();
    m.contains("config")
        && ["keep", "old", "previous", "unchanged", "still"]
            .iter()
            .any(|w| m.contains(w))
}

/// Beyond keepalived (issue 4 item 4): a reload with a broken configuration is refused by
/// the parent, which logs the error with file:line and says the old configuration keeps
/// running; the processes, pid files and VIP stay, nothing is applied (the broken text also
/// moves the VIP), a systemd reload ends (READY=1 after RELOADING=1), and a later good reload
/// works. Against keepalived: prints what it does instead (asserts with `KARS_E2E_BEYOND=1`).
fn broken_reload(test: &str, broken: &str) {
    if skip_unavailable(test) {
        return;
    }
    let sb = Sandbox::new();
    let u = up_master(&sb, &vrrp_conf("MASTER", 150, &VIPS[..1]), &["-D"], &VIPS[..1]);
    let mon = sb.monitor();
    let before: Vec<i32> = sb.daemons().iter().map(|p| p.pid).collect();
    let (from, nfrom) = (sb.syslog.mark(), sb.notify.mark());
    sb.write_conf(broken);
    assert!(sb.signal(u.parent, signum("RELOAD")));
    if is_keepalived() && !beyond_forced() {
        // Record, do not judge: wait until it finished reloading or died, then describe.
        wait_until(10 * SEC, || {
            sb.daemons().is_empty()
                || sb
                    .syslog
                    .rec()
                    .matching_from(from, |m| m.message == "Reload complete")
                    .len()
                    == 1
        });
        let _ = sb.syslog.wait_from(from, |_| false, 2 * SEC);
        eprintln!("OBSERVED {test} (keepalived):");
        for m in sb.syslog.rec().matching_from(from, |_| true) {
            eprintln!("  log: {m}");
        }
        for n in sb.notify.all().iter().skip(nfrom) {
            eprintln!("  notify: {:?}", n.raw);
        }
        eprintln!(
            "  processes: {:?}",
            sb.daemons().iter().map(|p| p.ns_pid).collect::<Vec<_>>()
        );
        eprintln!(
            "  pid files: {:?} {:?}",
            sb.pid_file("keepalived.pid"),
            sb.pid_file("vrrp.pid")
        );
        eprintln!(
            "  {} present: {}; {} present: {}",
            VIPS[0],
            sb.has_addr(VIPS[0]),
            VIPS[1],
            sb.has_addr(VIPS[1])
        );
        eprintln!("  monitor:\n{}", mon.text_from(0));
        return;
    }
    let r = || format!("{}monitor:\n{}", sb.report(), mon.text_from(0));
    let located = |m: &support::sandbox::SyslogMsg| {
        m.from("Keepalived", u.parent) && m.message.contains("keepalived.conf") && m.message.contains("Line")
    };
    assert!(
        sb.syslog.wait_from(from, located, 10 * SEC).is_some(),
        "no error with file:line\n{}",
        r()
    );
    let kept = |m: &support::sandbox::SyslogMsg| m.from("Keepalived", u.parent) && says_old_config_kept(&m.message);
    assert!(
        sb.syslog.wait_from(from, kept, 10 * SEC).is_some(),
        "not said that the old config stays\n{}",
        r()
    );
    if let Some(reloading) = sb.notify.wait_from(nfrom, "RELOADING=1", std::time::Duration::ZERO) {
        let ready = sb.notify.wait_from(nfrom, "READY=1", 5 * SEC);
        assert!(
            ready.is_some_and(|n| n.stamp > reloading.stamp),
            "RELOADING=1 never ended\n{}",
            r()
        );
    }
    let after: Vec<i32> = sb.daemons().iter().map(|p| p.pid).collect();
    assert_eq!(before, after, "{}", r());
    assert_eq!(sb.pid_file("keepalived.pid"), Some(u.parent));
    assert_eq!(sb.pid_file("vrrp.pid"), Some(u.vrrp));
    assert!(sb.has_addr(VIPS[0]) && !sb.has_addr(VIPS[1]), "{}", r());
    assert!(mon.deleted(0, VIPS[0]).is_empty(), "{}", r());
    // Still alive and well: a good reload applies.
    sb.write_conf(&vrrp_conf("MASTER", 150, &VIPS[1..2]));
    let from = sb.syslog.mark();
    assert!(sb.signal(u.parent, signum("RELOAD")));
    assert!(
        sb.syslog
            .wait_from(from, said("Keepalived", Some(u.parent), "Reload complete"), 10 * SEC)
            .is_some(),
        "{}",
        r()
    );
    assert!(
        sb.wait_addr(VIPS[1], true, 5 * SEC) && sb.wait_addr(VIPS[0], false, 5 * SEC),
        "{}",
        r()
    );
}

/// A missing '}' (keepalived 2.2.7 applies such a file in part).
#[test]
fn reload_with_missing_brace_keeps_the_old_config() {
    let text = vrrp_conf("MASTER", 150, &VIPS[1..2]);
    // Drop the brace that closes virtual_ipaddress.
    let broken = text.replacen("/32\n  }\n", "/32\n", 1);
    assert_ne!(broken, text);
    broken_reload("reload_with_missing_brace_keeps_the_old_config", &broken);
}

/// An interface that does not exist (keepalived 2.2.7 exits and leaves the VIP behind).
#[test]
fn reload_with_unknown_interface_keeps_the_old_config() {
    let broken = vrrp_conf("MASTER", 150, &VIPS[1..2]).replace("interface eth0", "interface nosuch0");
    broken_reload("reload_with_unknown_interface_keeps_the_old_config", &broken);
}
