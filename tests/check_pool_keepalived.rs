//! Compared with Debian's keepalived 2.2.7 in the QEMU guest (shared/vmtest): three
//! TCP_CHECKs against closed ports fail in turn (the first inhibited), the quorum of 2 is
//! lost and the sorry server comes in; then keepalived stops. The log lines (the pool's, not
//! the checkers' "TCP_CHECK on service ... failed.") and `ipvsadm -S -n` before and after the
//! stop are keepalived's, captured once with `run-in-vm.sh --file /usr/sbin/keepalived ...`;
//! likewise a reload (SIGHUP) with its lines and table, and MISC_CHECKs driven by files
//! (failure, recovery through the sorry server, `misc_dynamic`).

mod support;

use keepalived_rs::check::pool::{Pool, PoolEvent};
use keepalived_rs::ipvs::model::Table;
use keepalived_rs::ipvs::reconcile;
use support::pool::*;

const CONF: &str = r#"global_defs {
    router_id VMQ
}
virtual_server 10.0.0.1 80 {
    delay_loop 2
    lb_algo rr
    lb_kind NAT
    protocol TCP
    quorum 2
    sorry_server 127.0.0.1 9999
    real_server 127.0.0.1 8001 {
        inhibit_on_failure
        TCP_CHECK {
            connect_timeout 1
            retry 0
            warmup 0
        }
    }
    real_server 127.0.0.1 8002 {
        TCP_CHECK {
            connect_timeout 1
            retry 0
            warmup 0
        }
    }
    real_server 127.0.0.1 8003 {
        TCP_CHECK {
            connect_timeout 1
            retry 0
            warmup 0
        }
    }
}
"#;

/// keepalived's checker child, in order (its TCP_CHECK lines left out).
const KEEPALIVED_LOGS: &[&str] = &[
    "Gained quorum 2+0=2 <= 3 for VS [10.0.0.1]:tcp:80",
    "Activating healthchecker for service [127.0.0.1]:tcp:8001 for VS [10.0.0.1]:tcp:80",
    "Activating healthchecker for service [127.0.0.1]:tcp:8002 for VS [10.0.0.1]:tcp:80",
    "Activating healthchecker for service [127.0.0.1]:tcp:8003 for VS [10.0.0.1]:tcp:80",
    "Disabling service [127.0.0.1]:tcp:8001 of VS [10.0.0.1]:tcp:80",
    "Removing service [127.0.0.1]:tcp:8002 from VS [10.0.0.1]:tcp:80",
    "Lost quorum 2-0=2 > 1 for VS [10.0.0.1]:tcp:80",
    "Adding sorry server [127.0.0.1]:tcp:9999 to VS [10.0.0.1]:tcp:80",
    "Removing alive servers from the pool for VS [10.0.0.1]:tcp:80",
    "Removing service [127.0.0.1]:tcp:8003 from VS [10.0.0.1]:tcp:80",
    "Shutting down (inhibited) service [127.0.0.1]:tcp:8001 from VS [10.0.0.1]:tcp:80",
    "Shutting down service [127.0.0.1]:tcp:8002 from VS [10.0.0.1]:tcp:80",
    "Shutting down service [127.0.0.1]:tcp:8003 from VS [10.0.0.1]:tcp:80",
];

/// `ipvsadm -S -n` after the three failures.
const KEEPALIVED_TABLE: &[&str] = &[
    "-A -t 10.0.0.1:80 -s rr",
    "-a -t 10.0.0.1:80 -r 127.0.0.1:8001 -m -w 0",
    "-a -t 10.0.0.1:80 -r 127.0.0.1:9999 -m -w 1",
];

#[test]
fn failures_to_sorry_server_match_keepalived() {
    let (mut p, a) = Pool::start(load(CONF), &Table::default());
    let mut k = Table::default();
    reconcile::apply(&mut k, &cmds(&a));
    let mut lines = logs(&a);
    for rs in 0..3 {
        let a = p.handle(PoolEvent::Checker {
            id: id(0, rs, 0),
            up: false,
            alert: None,
        });
        reconcile::apply(&mut k, &cmds(&a));
        lines.extend(logs(&a));
    }
    assert_eq!(ipvsadm_save(&k), KEEPALIVED_TABLE);
    let a = p.handle(PoolEvent::Stop { keep_ipvs: false });
    reconcile::apply(&mut k, &cmds(&a));
    lines.extend(logs(&a));
    assert_eq!(lines, KEEPALIVED_LOGS);
    assert!(k.services.is_empty(), "keepalived left the table empty");
}

const RELOAD_OLD: &str = r#"virtual_server 10.0.0.1 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.168.1.1 80 {
        weight 1
    }
    real_server 192.168.1.2 80 {
        weight 1
    }
    real_server 192.168.1.3 80 {
        weight 1
    }
}
virtual_server 10.0.0.2 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.168.2.1 80 {
    }
}
"#;
const RELOAD_NEW: &str = r#"virtual_server 10.0.0.1 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.168.1.1 80 {
        weight 5
    }
    real_server 192.168.1.2 80 {
        weight 1
    }
    real_server 192.168.1.4 80 {
        weight 1
    }
}
virtual_server 10.0.0.3 80 {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.168.2.1 80 {
    }
}
"#;

/// keepalived at SIGHUP from `RELOAD_OLD` to `RELOAD_NEW` (one real server replaced, one
/// weight changed, one virtual server replaced), and `ipvsadm -S -n` after it.
const KEEPALIVED_RELOAD_LOGS: &[&str] = &[
    "service [192.168.1.3]:tcp:80 no longer exist",
    "Removing service [192.168.1.3]:tcp:80 from VS [10.0.0.1]:tcp:80",
    "Removing Virtual Server [10.0.0.2]:tcp:80",
    "Removing service [192.168.2.1]:tcp:80 from VS [10.0.0.2]:tcp:80",
    "Changing weight from 1 to 5 for active service [192.168.1.1]:tcp:80 of VS [10.0.0.1]:tcp:80",
    "Gained quorum 1+0=1 <= 1 for VS [10.0.0.3]:tcp:80",
];
const KEEPALIVED_RELOAD_TABLE: &[&str] = &[
    "-A -t 10.0.0.1:80 -s rr",
    "-a -t 10.0.0.1:80 -r 192.168.1.1:80 -m -w 5",
    "-a -t 10.0.0.1:80 -r 192.168.1.2:80 -m -w 1",
    "-a -t 10.0.0.1:80 -r 192.168.1.4:80 -m -w 1",
    "-A -t 10.0.0.3:80 -s rr",
    "-a -t 10.0.0.3:80 -r 192.168.2.1:80 -m -w 1",
];

#[test]
fn reload_matches_keepalived() {
    let (mut p, a) = Pool::start(load(RELOAD_OLD), &Table::default());
    let mut k = Table::default();
    reconcile::apply(&mut k, &cmds(&a));
    let a = p.handle(PoolEvent::Reload(Box::new(load(RELOAD_NEW))));
    reconcile::apply(&mut k, &cmds(&a));
    assert_eq!(logs(&a), KEEPALIVED_RELOAD_LOGS);
    let mut ours = ipvsadm_save(&k);
    ours.sort();
    let mut theirs: Vec<String> = KEEPALIVED_RELOAD_TABLE.iter().map(|s| s.to_string()).collect();
    theirs.sort();
    assert_eq!(ours, theirs);
    // Only the differences: one server out and one in, one weight, one service out and one in.
    assert_eq!(cmds(&a).len(), 6, "{:?}", cmds(&a));
}

const MISC: &str = r#"global_defs {
    router_id VMM
}
virtual_server 10.0.0.1 80 {
    delay_loop 1
    lb_algo wrr
    lb_kind NAT
    protocol TCP
    quorum 2
    sorry_server 192.168.9.9 80
    real_server 192.168.1.1 80 {
        inhibit_on_failure
        MISC_CHECK {
            misc_path /root/m/c1.sh
            warmup 0
        }
    }
    real_server 192.168.1.2 80 {
        MISC_CHECK {
            misc_path /root/m/c2.sh
            warmup 0
        }
    }
    real_server 192.168.1.3 80 {
        MISC_CHECK {
            misc_path /root/m/c3.sh
            misc_dynamic
            warmup 0
        }
    }
}
"#;

/// keepalived with MISC_CHECKs driven by files: all succeed; servers 1 (inhibited) and 2
/// fail; server 1 recovers; server 3's `misc_dynamic` script exits 7 (weight 5); stop. The
/// pool's lines (the checkers' "Misc check for ..." lines left out) and `ipvsadm -S -n`
/// after each step.
const KEEPALIVED_MISC_LOGS: &[&str] = &[
    "Gained quorum 2+0=2 <= 3 for VS [10.0.0.1]:tcp:80",
    "Activating healthchecker for service [192.168.1.1]:tcp:80 for VS [10.0.0.1]:tcp:80",
    "Activating healthchecker for service [192.168.1.2]:tcp:80 for VS [10.0.0.1]:tcp:80",
    "Activating healthchecker for service [192.168.1.3]:tcp:80 for VS [10.0.0.1]:tcp:80",
    "Disabling service [192.168.1.1]:tcp:80 of VS [10.0.0.1]:tcp:80",
    "Removing service [192.168.1.2]:tcp:80 from VS [10.0.0.1]:tcp:80",
    "Lost quorum 2-0=2 > 1 for VS [10.0.0.1]:tcp:80",
    "Adding sorry server [192.168.9.9]:tcp:80 to VS [10.0.0.1]:tcp:80",
    "Removing alive servers from the pool for VS [10.0.0.1]:tcp:80",
    "Enabling service [192.168.1.1]:tcp:80 of VS [10.0.0.1]:tcp:80",
    "Gained quorum 2+0=2 <= 2 for VS [10.0.0.1]:tcp:80",
    "Removing sorry server [192.168.9.9]:tcp:80 from VS [10.0.0.1]:tcp:80",
    "Adding alive servers to the pool for VS [10.0.0.1]:tcp:80",
    "Changing weight from 1 to 5 for active service [192.168.1.3]:tcp:80 of VS [10.0.0.1]:tcp:80",
    "Shutting down service [192.168.1.1]:tcp:80 from VS [10.0.0.1]:tcp:80",
    "Shutting down service [192.168.1.2]:tcp:80 from VS [10.0.0.1]:tcp:80",
    "Shutting down service [192.168.1.3]:tcp:80 from VS [10.0.0.1]:tcp:80",
];

#[test]
fn misc_failures_recovery_and_dynamic_weight_match_keepalived() {
    // The scripts must exist where the configuration reader looks (keepalived ran them from
    // /root/m in the guest); the pool's lines do not name them.
    let dir = tempfile::tempdir().unwrap();
    for i in 1..=3 {
        let path = dir.path().join(format!("c{i}.sh"));
        std::fs::write(&path, "#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    }
    let conf = MISC.replace("/root/m/", &format!("{}/", dir.path().display()));
    let cfg = load(&conf);
    assert!(
        cfg.check.virtual_servers[0]
            .real_servers
            .iter()
            .all(|r| r.checkers.len() == 1),
        "the MISC_CHECKs load"
    );
    let (mut p, a) = Pool::start(cfg, &Table::default());
    let mut k = Table::default();
    reconcile::apply(&mut k, &cmds(&a));
    let mut lines = logs(&a);
    let step = |p: &mut Pool, ev: PoolEvent, k: &mut Table, lines: &mut Vec<String>| {
        let a = p.handle(ev);
        reconcile::apply(k, &cmds(&a));
        lines.extend(logs(&a));
    };
    let chk = |rs: usize, up: bool| PoolEvent::Checker {
        id: id(0, rs, 0),
        up,
        alert: None,
    };
    for rs in 0..3 {
        step(&mut p, chk(rs, true), &mut k, &mut lines);
    }
    step(&mut p, chk(0, false), &mut k, &mut lines);
    step(&mut p, chk(1, false), &mut k, &mut lines);
    assert_eq!(
        ipvsadm_save(&k),
        [
            "-A -t 10.0.0.1:80 -s wrr",
            "-a -t 10.0.0.1:80 -r 192.168.1.1:80 -m -w 0",
            "-a -t 10.0.0.1:80 -r 192.168.9.9:80 -m -w 1"
        ]
    );
    step(&mut p, chk(0, true), &mut k, &mut lines);
    assert_eq!(
        ipvsadm_save(&k),
        [
            "-A -t 10.0.0.1:80 -s wrr",
            "-a -t 10.0.0.1:80 -r 192.168.1.1:80 -m -w 1",
            "-a -t 10.0.0.1:80 -r 192.168.1.3:80 -m -w 1"
        ]
    );
    step(
        &mut p,
        PoolEvent::Weight {
            id: id(0, 2, 0),
            weight: Some(5),
        },
        &mut k,
        &mut lines,
    );
    step(&mut p, chk(2, true), &mut k, &mut lines);
    assert_eq!(
        ipvsadm_save(&k),
        [
            "-A -t 10.0.0.1:80 -s wrr",
            "-a -t 10.0.0.1:80 -r 192.168.1.1:80 -m -w 1",
            "-a -t 10.0.0.1:80 -r 192.168.1.3:80 -m -w 5"
        ]
    );
    step(&mut p, PoolEvent::Stop { keep_ipvs: false }, &mut k, &mut lines);
    assert_eq!(lines, KEEPALIVED_MISC_LOGS);
    assert!(k.services.is_empty());
}

const GROUP_OLD: &str = r#"virtual_server_group G {
    10.1.0.1 80
    10.1.0.2-3 80
    fwmark 4
}
virtual_server group G {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.168.1.1 80 {
    }
}
virtual_server 10.0.0.1 80 {
    delay_loop 30
    lb_algo rr
    lb_kind NAT
    protocol TCP
    alpha
    sorry_server 192.168.9.9 80
    real_server 127.0.0.1 8001 {
        TCP_CHECK {
            connect_timeout 1
            warmup 30
        }
    }
}
"#;
const GROUP_NEW: &str = r#"virtual_server_group G {
    10.1.0.1 80
    10.1.0.9 80
    fwmark 4
    fwmark 5
}
virtual_server group G {
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.168.1.1 80 {
    }
}
virtual_server 10.0.0.1 80 {
    delay_loop 30
    lb_algo rr
    lb_kind NAT
    protocol TCP
    alpha
    sorry_server 192.168.9.9 80
    real_server 127.0.0.1 8001 {
        TCP_CHECK {
            connect_timeout 1
            warmup 30
        }
    }
}
"#;

/// keepalived starting `GROUP_OLD` (an alpha server with a sorry server starts with the
/// quorum down) and reloading to `GROUP_NEW` (a range replaced, a fwmark added).
const KEEPALIVED_GROUP_LOGS: &[&str] = &[
    "Gained quorum 1+0=1 <= 1 for VS [G]:0",
    "Starting with quorum down 1-0=1 > 0 for VS [10.0.0.1]:tcp:80",
    "Adding sorry server [192.168.9.9]:tcp:80 to VS [10.0.0.1]:tcp:80",
    "Removing alive servers from the pool for VS [10.0.0.1]:tcp:80",
    "Activating healthchecker for service [127.0.0.1]:tcp:8001 for VS [10.0.0.1]:tcp:80",
    "VS [[10.1.0.2]:tcp:80-10.1.0.3] in group G no longer exists",
    "VS [[10.1.0.9]:tcp:80] added into group G",
    "VS [FWM 5] added into group G",
    "Activating healthchecker for service [127.0.0.1]:tcp:8001 for VS [10.0.0.1]:tcp:80",
];

/// `ipvsadm -S -n` after that reload, except that keepalived 2.2.7 also left the services
/// 10.1.0.2:80 and 10.1.0.3:80 behind, empty (`ipvs_group_remove_entry()` removes their
/// destinations only); the reconciler deletes them, as the entry no longer exists.
const KEEPALIVED_GROUP_TABLE: &[&str] = &[
    "-A -t 10.0.0.1:80 -s rr",
    "-a -t 10.0.0.1:80 -r 192.168.9.9:80 -m -w 1",
    "-A -t 10.1.0.1:80 -s rr",
    "-a -t 10.1.0.1:80 -r 192.168.1.1:80 -m -w 1",
    "-A -t 10.1.0.9:80 -s rr",
    "-a -t 10.1.0.9:80 -r 192.168.1.1:80 -m -w 1",
    "-A -f 4 -s rr",
    "-a -f 4 -r 192.168.1.1:80 -m -w 1",
    "-A -f 5 -s rr",
    "-a -f 5 -r 192.168.1.1:80 -m -w 1",
];

#[test]
fn group_reload_and_alpha_start_match_keepalived() {
    let (mut p, a) = Pool::start(load(GROUP_OLD), &Table::default());
    let mut k = Table::default();
    reconcile::apply(&mut k, &cmds(&a));
    let mut lines = logs(&a);
    let a = p.handle(PoolEvent::Reload(Box::new(load(GROUP_NEW))));
    reconcile::apply(&mut k, &cmds(&a));
    lines.extend(logs(&a));
    assert_eq!(lines, KEEPALIVED_GROUP_LOGS);
    let mut ours = ipvsadm_save(&k);
    ours.sort();
    let mut theirs: Vec<String> = KEEPALIVED_GROUP_TABLE.iter().map(|s| s.to_string()).collect();
    theirs.sort();
    assert_eq!(ours, theirs);
}
