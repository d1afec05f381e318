//! Compared with Debian's keepalived 2.2.7 in the QEMU guest (shared/vmtest): three
//! TCP_CHECKs against closed ports fail in turn (the first inhibited), the quorum of 2 is
//! lost and the sorry server comes in; then keepalived stops. The log lines (the pool's, not
//! the checkers' "TCP_CHECK on service ... failed.") and `ipvsadm -S -n` before and after the
//! stop are keepalived's, captured once with `run-in-vm.sh --file /usr/sbin/keepalived ...`;
//! likewise a reload (SIGHUP) with its lines and table.

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
