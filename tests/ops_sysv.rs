//! End to end: the SysV init script `packaging/keepalived.init` (or the one named by
//! `KARS_E2E_INIT_SCRIPT`) drives the daemon under test through start-stop-daemon, with
//! DAEMON=/usr/sbin/keepalived and PIDFILE=/run/keepalived.pid: inside the sandbox's private
//! mount namespace the binary under test is bind-mounted over /usr/sbin/keepalived, and
//! /etc/default/keepalived and /etc/keepalived/keepalived.conf are the sandbox's own. Runs
//! against keepalived 2.2.7 with `KARS_E2E_DAEMON=/usr/sbin/keepalived`.

mod support;

use std::path::PathBuf;

use support::sandbox::ops::{SEC, VIPS, said, vrrp_conf, wait_up};
use support::sandbox::{Done, Sandbox, SyslogMsg, daemon_bin, skip_unavailable, wait_until};

fn script() -> PathBuf {
    std::env::var_os("KARS_E2E_INIT_SCRIPT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("packaging/keepalived.init"))
}

/// Every verb of the script, in an operator's order: configtest, status (stopped: 3), stop
/// while stopped (0), start (0; pid file names the daemon, "Startup complete"), status (0),
/// start again (0, nothing new), reload (0, "Reload complete", same processes), configtest of
/// a broken file (non-zero) and its reload (refused by the script, or signalled and settled by
/// the daemon: the same processes still serve the VIP), restart (0, a new daemon),
/// stop (0; processes, pid file and VIP gone), status (3).
#[test]
fn sysv_script_verbs() {
    let test = "sysv_script_verbs";
    if skip_unavailable(test) {
        return;
    }
    let script = script();
    if !script.exists() {
        support::skip(
            test,
            &format!(
                "{} is missing (the packaging branch writes it; KARS_E2E_INIT_SCRIPT names another)",
                script.display()
            ),
        );
        return;
    }
    if !std::path::Path::new("/usr/sbin/keepalived").exists() {
        support::skip(
            test,
            "/usr/sbin/keepalived does not exist to bind-mount the binary under test over",
        );
        return;
    }
    let sb = Sandbox::new();
    let good = vrrp_conf("MASTER", 150, &VIPS[..1]);
    sb.write_conf(&good);
    sb.write_default("keepalived", "DAEMON_ARGS=\"-D\"\n");
    let mount = sb.exec(&["mount", "--bind", daemon_bin(), "/usr/sbin/keepalived"], 5 * SEC);
    assert_eq!(mount.code, 0, "{mount:?}");
    let script = script.display().to_string();
    let verb = |v: &str| -> Done { sb.exec(&["sh", &script, v], 60 * SEC) };
    let check = |v: &str, want: i32| -> Done {
        let d = verb(v);
        assert_eq!(d.code, want, "{v}: {d:?}\n{}", sb.report());
        d
    };

    check("configtest", 0);
    check("status", 3);
    check("stop", 0);

    let from = sb.syslog.mark();
    check("start", 0);
    let u = wait_up(&sb, from);
    assert!(sb.wait_addr(VIPS[0], true, 15 * SEC), "{}", sb.report());
    let running: Vec<i32> = sb.daemons().iter().map(|p| p.pid).collect();
    assert_eq!(running.len(), 2, "{}", sb.report());
    check("status", 0);
    check("start", 0);
    assert_eq!(
        sb.daemons().iter().map(|p| p.pid).collect::<Vec<_>>(),
        running,
        "a second start changed things"
    );

    let from = sb.syslog.mark();
    check("reload", 0);
    assert!(
        sb.syslog
            .wait_from(from, said("Keepalived", Some(u.parent), "Reload complete"), 10 * SEC)
            .is_some(),
        "{}",
        sb.report()
    );
    assert_eq!(
        sb.daemons().iter().map(|p| p.pid).collect::<Vec<_>>(),
        running,
        "a reload restarted something"
    );

    sb.write_conf(&good.replacen("/32\n  }\n", "/32\n", 1));
    let from = sb.syslog.mark();
    assert_ne!(verb("configtest").code, 0, "a missing brace passed configtest");
    // The script may refuse (non-zero, the daemon is not signalled) or leave the verdict to
    // the daemon (0); either way the daemon keeps running and serving.
    if verb("reload").code != 0 {
        let reloading = sb.syslog.wait_from(from, said("Keepalived", None, "Reloading"), SEC);
        assert!(
            reloading.is_none(),
            "refused, yet the daemon was signalled: {reloading:?}"
        );
    } else {
        let settled = |m: &SyslogMsg| {
            m.from("Keepalived", u.parent)
                && (m.message == "Reload complete" || m.message.contains("still running the previous configuration"))
        };
        assert!(
            sb.syslog.wait_from(from, settled, 10 * SEC).is_some(),
            "{}",
            sb.report()
        );
    }
    assert_eq!(
        sb.daemons().iter().map(|p| p.pid).collect::<Vec<_>>(),
        running,
        "{}",
        sb.report()
    );
    assert!(sb.has_addr(VIPS[0]), "{}", sb.report());
    sb.write_conf(&good);

    let from = sb.syslog.mark();
    check("restart", 0);
    let u2 = wait_up(&sb, from);
    assert_ne!(u2.parent, u.parent, "restart started a new daemon");
    assert!(sb.by_ns_pid(u.parent).is_none(), "the old daemon is gone");

    check("stop", 0);
    let r = || sb.report();
    assert!(wait_until(10 * SEC, || sb.daemons().is_empty()), "{}", r());
    assert!(!sb.run_path("keepalived.pid").exists(), "{}", r());
    assert!(!sb.has_addr(VIPS[0]), "{}", r());
    check("status", 3);
}
