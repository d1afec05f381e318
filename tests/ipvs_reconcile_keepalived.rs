//! Compared with Debian's keepalived 2.2.7 in the QEMU guest (shared/vmtest): the table
//! `ipvsadm -S -n` showed after keepalived started on this configuration (real servers
//! without checkers, so all stay in), its "Gained quorum" lines at start and its
//! "Shutting down" lines at stop (after which the table was empty). Captured once with
//! `run-in-vm.sh --file /usr/sbin/keepalived ...`; the expectations below are that output.

mod support;

use keepalived_rs::check::pool::{Pool, PoolEvent};
use keepalived_rs::ipvs::model::Table;
use keepalived_rs::ipvs::reconcile;
use support::pool::*;

const CONF: &str = r#"global_defs { router_id VMT }
virtual_server_group G4 {
    10.1.0.1-3 80
    fwmark 7
}
virtual_server_group G6 {
    2001:db8::fffe-ffff 443
}
virtual_server 10.0.0.1 80 {
    lb_algo wrr
    lb_kind NAT
    protocol TCP
    real_server 192.168.1.1 8080 {
        weight 3
        uthreshold 100
        lthreshold 10
    }
    real_server 192.168.1.2 8080 {
        weight 2
        lvs_method DR
    }
    real_server 192.168.1.3 80 {
        lvs_method TUN type gue port 6080 csum
    }
}
virtual_server 10.0.0.2 0 {
    lb_algo sh
    lb_kind DR
    protocol UDP
    persistence_timeout 600
    persistence_granularity 255.255.255.0
    real_server 192.168.2.1 0 {
    }
}
virtual_server fwmark 9 {
    lb_algo rr
    lb_kind TUN
    persistence_timeout 30
    real_server 192.168.3.1 0 {
    }
    real_server 192.168.3.2 0 {
        lvs_method NAT
    }
}
virtual_server 2001:db8::1 443 {
    lb_algo lc
    lb_kind NAT
    protocol TCP
    persistence_timeout 100
    persistence_granularity 64
    real_server 2001:db8::10 8443 {
        weight 5
    }
}
virtual_server group G4 {
    lb_algo rr
    lb_kind DR
    protocol TCP
    persistence_timeout 60
    persistence_granularity 255.255.0.0
    real_server 192.168.4.1 80 {
    }
}
virtual_server group G6 {
    lb_algo wlc
    lb_kind NAT
    protocol TCP
    real_server 2001:db8::20 443 {
        weight 4
    }
}
virtual_server 10.0.0.5 25 {
    lb_algo mh
    lb_kind NAT
    protocol TCP
    mh-port
    ops
    quorum 1
    sorry_server 192.168.9.9 25
    sorry_server_inhibit
    real_server 192.168.5.1 25 {
    }
}
"#;

/// `ipvsadm -S -n` after keepalived started (ipvsadm's order; thresholds checked apart:
/// `ipvsadm -Ln --thresholds` showed 100/10 on 192.168.1.1:8080).
const KEEPALIVED_TABLE: &str = "-A -t 10.0.0.1:80 -s wrr
-a -t 10.0.0.1:80 -r 192.168.1.1:8080 -m -w 3
-a -t 10.0.0.1:80 -r 192.168.1.2:80 -g -w 2
-a -t 10.0.0.1:80 -r 192.168.1.3:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum
-A -t 10.0.0.5:25 -s mh -b mh-port
-a -t 10.0.0.5:25 -r 192.168.5.1:25 -m -w 1
-a -t 10.0.0.5:25 -r 192.168.9.9:25 -m -w 0
-A -t 10.1.0.1:80 -s rr -p 60
-a -t 10.1.0.1:80 -r 192.168.4.1:80 -g -w 1
-A -t 10.1.0.2:80 -s rr -p 60
-a -t 10.1.0.2:80 -r 192.168.4.1:80 -g -w 1
-A -t 10.1.0.3:80 -s rr -p 60
-a -t 10.1.0.3:80 -r 192.168.4.1:80 -g -w 1
-A -u 10.0.0.2:0 -s sh -p 600 -M 255.255.255.0
-a -u 10.0.0.2:0 -r 192.168.2.1:0 -g -w 1
-A -t [2001:db8::1]:443 -s lc -p 100 -M 64
-a -t [2001:db8::1]:443 -r [2001:db8::10]:8443 -m -w 5
-A -t [2001:db8::fffe]:443 -s wlc
-a -t [2001:db8::fffe]:443 -r [2001:db8::20]:443 -m -w 4
-A -t [2001:db8::ffff]:443 -s wlc
-a -t [2001:db8::ffff]:443 -r [2001:db8::20]:443 -m -w 4
-A -f 7 -s rr -p 60
-a -f 7 -r 192.168.4.1:0 -g -w 1
-A -f 9 -s rr -p 30
-a -f 9 -r 192.168.3.1:0 -i -w 1 --tun-type ipip
-a -f 9 -r 192.168.3.2:0 -m -w 1";

/// keepalived's checker log lines about quorum at start, then at stop.
const KEEPALIVED_LOGS: &[&str] = &[
    "Gained quorum 1+0=1 <= 6 for VS [10.0.0.1]:tcp:80",
    "Gained quorum 1+0=1 <= 1 for VS [10.0.0.2]:udp:0",
    "Gained quorum 1+0=1 <= 2 for VS FWM 9",
    "Gained quorum 1+0=1 <= 5 for VS [2001:db8::1]:tcp:443",
    "Gained quorum 1+0=1 <= 1 for VS [G4]:0",
    "Gained quorum 1+0=1 <= 4 for VS [G6]:0",
    "Gained quorum 1+0=1 <= 1 for VS [10.0.0.5]:tcp:25",
    "Shutting down service [192.168.1.1]:tcp:8080 from VS [10.0.0.1]:tcp:80",
    "Shutting down service [192.168.1.2]:tcp:80 from VS [10.0.0.1]:tcp:80",
    "Shutting down service [192.168.1.3]:tcp:80 from VS [10.0.0.1]:tcp:80",
    "Shutting down service [192.168.2.1]:udp:0 from VS [10.0.0.2]:udp:0",
    "Shutting down service [192.168.3.1]:none:0 from VS FWM 9",
    "Shutting down service [192.168.3.2]:none:0 from VS FWM 9",
    "Shutting down service [2001:db8::10]:tcp:8443 from VS [2001:db8::1]:tcp:443",
    "Shutting down service [192.168.4.1]:tcp:80 from VS [G4]:0",
    "Shutting down service [2001:db8::20]:tcp:443 from VS [G6]:0",
    "Shutting down service [192.168.5.1]:tcp:25 from VS [10.0.0.5]:tcp:25",
];

#[test]
fn start_table_matches_keepalived() {
    let cfg = load(CONF);
    let (mut p, a) = Pool::start(cfg, &Table::default());
    let mut k = Table::default();
    reconcile::apply(&mut k, &cmds(&a));
    let mut ours = ipvsadm_save(&k);
    ours.sort();
    let mut theirs: Vec<String> = KEEPALIVED_TABLE.lines().map(str::to_string).collect();
    theirs.sort();
    assert_eq!(ours, theirs);
    let d = k
        .services
        .iter()
        .flat_map(|e| &e.dests)
        .find(|d| d.key.port == 8080)
        .unwrap();
    assert_eq!((d.u_threshold, d.l_threshold), (100, 10));

    let a2 = p.handle(PoolEvent::Stop { keep_ipvs: false });
    reconcile::apply(&mut k, &cmds(&a2));
    assert!(k.services.is_empty());
    let mut lines = pool_logs(&a);
    lines.extend(pool_logs(&a2));
    assert_eq!(lines, KEEPALIVED_LOGS);
}
