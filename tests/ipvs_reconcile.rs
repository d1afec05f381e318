//! The wanted IPVS table (ipvswrapper.c's `ipvs_set_srule()` / `ipvs_set_drule()` /
//! `ipvs_group_cmd()`) and the reconciler: golden tables, properties (applying the commands
//! gives the wanted table; equal tables need nothing), and every sample configuration.

mod support;

use keepalived_rs::config::model::global::LvsFlushOnStop;
use keepalived_rs::ipvs::desired::{self, Presence};
use keepalived_rs::ipvs::model::*;
use keepalived_rs::ipvs::reconcile;
use proptest::prelude::*;
use support::pool::*;

fn table_of(text: &str) -> Table {
    desired::table_all_up(&load(text))
}

/// `ipvs_set_srule()`: persistence sets the flag, the timeout and the granularity; the
/// default netmask is the family's.
#[test]
fn persistence_and_netmask_defaults() {
    let t = table_of(
        r#"
virtual_server 10.0.0.1 0 {
    lb_algo sh
    lb_kind DR
    protocol UDP
    persistence_timeout 600
    persistence_granularity 255.255.255.0
    real_server 192.168.1.1 0 { weight 3 }
}
virtual_server 2001:db8::1 443 {
    lb_algo wlc
    lb_kind NAT
    protocol TCP
    real_server 2001:db8::10 8443 {
        uthreshold 100
        lthreshold 10
    }
}
"#,
    );
    assert_eq!(t.services.len(), 2);
    let s = &t.services[0].service;
    assert_eq!(
        s.key,
        ServiceKey::Addr {
            proto: Proto::Udp,
            addr: "10.0.0.1".parse().unwrap(),
            port: 0
        }
    );
    assert_eq!(
        (s.flags & 1, s.timeout, s.netmask, s.scheduler.as_str()),
        (1, 600, 0xffff_ff00, "sh")
    );
    assert_eq!(t.services[0].dests[0].weight, 3);
    assert_eq!(t.services[0].dests[0].forward, Forward::Route);
    let s6 = &t.services[1];
    assert_eq!((s6.service.netmask, s6.service.timeout, s6.service.flags), (128, 0, 0));
    let d = s6.dests[0];
    assert_eq!(
        (d.key.port, d.u_threshold, d.l_threshold, d.forward),
        (8443, 100, 10, Forward::Masq)
    );
}

/// `ipvs_cmd()`: DR/TUN destinations take the service's port; fwmark services give them 0;
/// tunnels carry type, port and checksum flags.
#[test]
fn forwarding_ports_and_tunnels() {
    let t = table_of(
        r#"
virtual_server 10.0.0.1 80 {
    lb_kind DR
    protocol TCP
    real_server 192.168.1.1 80 { }
    real_server 192.168.1.2 8080 { lvs_method NAT }
    real_server 192.168.1.3 80 { lvs_method TUN type gue port 6080 csum }
}
virtual_server fwmark 9 {
    lb_kind TUN
    real_server 192.168.1.4 0 { }
}
"#,
    );
    let d = &t.services[0].dests;
    assert_eq!((d[0].key.port, d[0].forward), (80, Forward::Route));
    assert_eq!((d[1].key.port, d[1].forward), (8080, Forward::Masq));
    assert_eq!(
        d[2].forward,
        Forward::Tunnel {
            tun: Tunnel::Gue { port: 6080, flags: 1 }
        }
    );
    assert_eq!(t.services[1].service.key, ServiceKey::Fwmark { af: Af::Inet, mark: 9 });
    assert_eq!(t.services[1].dests[0].key.port, 0);
    assert_eq!(t.services[1].dests[0].forward, Forward::Tunnel { tun: Tunnel::Ipip });
}

/// `ipvs_group_range_cmd()`: IPv4 ranges walk the address, IPv6 ranges the last 16 bits;
/// group services keep the family's default netmask even when persistent.
#[test]
fn group_ranges_expand() {
    let t = table_of(
        r#"
virtual_server_group V4 {
    10.0.0.1-10 80
    fwmark 5
}
virtual_server_group V6 {
    2001:db8::fffe-ffff 80
}
virtual_server group V4 {
    lb_kind NAT
    protocol TCP
    persistence_timeout 60
    persistence_granularity 255.255.0.0
    real_server 192.168.1.1 80 { }
}
virtual_server group V6 {
    lb_kind NAT
    protocol TCP
    real_server 2001:db8::10 80 { }
}
"#,
    );
    let keys: Vec<ServiceKey> = t.services.iter().map(|e| e.service.key).collect();
    assert_eq!(keys.len(), 13, "{keys:?}");
    assert_eq!(
        keys[0],
        ServiceKey::Addr {
            proto: Proto::Tcp,
            addr: "10.0.0.1".parse().unwrap(),
            port: 80
        }
    );
    assert_eq!(
        keys[9],
        ServiceKey::Addr {
            proto: Proto::Tcp,
            addr: "10.0.0.10".parse().unwrap(),
            port: 80
        }
    );
    assert_eq!(keys[10], ServiceKey::Fwmark { af: Af::Inet, mark: 5 });
    assert_eq!(
        keys[12],
        ServiceKey::Addr {
            proto: Proto::Tcp,
            addr: "2001:db8::ffff".parse().unwrap(),
            port: 80
        }
    );
    assert!(
        t.services[..11]
            .iter()
            .all(|e| e.service.netmask == 0xffff_ffff && e.service.timeout == 60 && e.service.flags & 1 == 1)
    );
    assert!(t.services.iter().all(|e| e.dests.len() == 1));
}

/// `check_daemon.c`: the sync daemon the checker child runs, and `lvs_timeouts`.
#[test]
fn sync_daemon_and_timeouts() {
    let cfg = load("global_defs {\n lvs_sync_daemon eth0 id 5\n lvs_timeouts tcp 100 udp 30\n}\n");
    let c = desired::sync_daemon_start(&cfg.global);
    assert_eq!(c.len(), 4);
    assert_eq!(c[0], Command::DelDaemon { master: true });
    assert!(matches!(&c[2], Command::NewDaemon(d) if d.master && d.ifname == "eth0" && d.syncid == 5));
    assert!(matches!(&c[3], Command::NewDaemon(d) if !d.master));
    let orig = Timeouts {
        tcp: 900,
        tcp_fin: 120,
        udp: 300,
    };
    assert_eq!(
        desired::timeouts_command(&cfg.global, false, Some(orig)),
        Some(Command::SetTimeouts(Timeouts {
            tcp: 100,
            tcp_fin: 120,
            udp: 30
        }))
    );
    let plain = load("global_defs { router_id X }\n");
    assert_eq!(
        desired::timeouts_command(&plain.global, true, Some(orig)),
        Some(Command::SetTimeouts(orig))
    );
    assert_eq!(desired::timeouts_command(&plain.global, false, Some(orig)), None);
    assert!(desired::sync_daemon_start(&plain.global).is_empty());
}

fn svc(n: u8) -> ServiceKey {
    ServiceKey::Addr {
        proto: Proto::Tcp,
        addr: std::net::IpAddr::from([10, 0, 0, n]),
        port: 80,
    }
}

fn entry(n: u8, dests: &[(u8, i32)]) -> ServiceEntry {
    ServiceEntry {
        service: Service {
            key: svc(n),
            scheduler: "wlc".into(),
            flags: 0,
            timeout: 0,
            netmask: 0xffff_ffff,
            pe_name: None,
        },
        dests: dests
            .iter()
            .map(|(d, w)| Dest {
                key: DestKey {
                    addr: std::net::IpAddr::from([192, 168, 0, *d]),
                    port: 80,
                },
                forward: Forward::Masq,
                weight: *w,
                u_threshold: 0,
                l_threshold: 0,
            })
            .collect(),
    }
}

/// Start: services the configuration does not declare are left alone unless `lvs_flush`;
/// ours are corrected with SET (scheduler, weight) rather than re-created.
#[test]
fn start_owns_only_declared_services() {
    let foreign = entry(99, &[(1, 1)]);
    let mut ours_in_kernel = entry(1, &[(1, 5), (7, 1)]);
    ours_in_kernel.service.scheduler = "rr".into();
    ours_in_kernel.service.flags = desired::SVC_F_HASHED;
    let kernel = Table {
        services: vec![foreign.clone(), ours_in_kernel],
    };
    let want = Table {
        services: vec![entry(1, &[(1, 1), (2, 1)])],
    };
    let c = reconcile::start(&want, &kernel, false);
    assert_eq!(
        c,
        vec![
            Command::SetService(want.services[0].service.clone()),
            Command::DelDest(
                svc(1),
                DestKey {
                    addr: [192, 168, 0, 7].into(),
                    port: 80
                }
            ),
            Command::SetDest(svc(1), want.services[0].dests[0]),
            Command::NewDest(svc(1), want.services[0].dests[1]),
        ]
    );
    let mut k = kernel.clone();
    reconcile::apply(&mut k, &c);
    assert!(k.services.contains(&foreign));
    let f = reconcile::start(&want, &kernel, true);
    assert_eq!(f[0], Command::Flush);
    assert_eq!(f.len(), 4);
    // The hashed flag alone is no difference.
    let mut hashed = want.clone();
    hashed.services[0].service.flags |= desired::SVC_F_HASHED;
    assert!(reconcile::start(&want, &hashed, false).is_empty());
}

/// Stop: our services go (one DEL each), FLUSH with lvs_flush_on_stop, nothing with -I.
#[test]
fn stop_commands() {
    let owned = Table {
        services: vec![entry(1, &[(1, 1)]), entry(2, &[])],
    };
    assert_eq!(
        reconcile::stop(&owned, LvsFlushOnStop::Disabled, false),
        vec![Command::DelService(svc(1)), Command::DelService(svc(2))]
    );
    assert_eq!(
        reconcile::stop(&owned, LvsFlushOnStop::Full, false),
        vec![Command::Flush]
    );
    assert!(reconcile::stop(&owned, LvsFlushOnStop::Full, true).is_empty());
}

fn arb_table() -> impl Strategy<Value = Table> {
    prop::collection::btree_map(
        1u8..8,
        (prop::collection::btree_map(1u8..8, 0i32..4, 0..5), 0u8..3),
        0..6,
    )
    .prop_map(|m| Table {
        services: m
            .into_iter()
            .map(|(n, (d, sched))| {
                let mut e = entry(n, &d.into_iter().collect::<Vec<_>>());
                e.service.scheduler = ["rr", "wlc", "sh"][sched as usize].into();
                e
            })
            .collect(),
    })
}

proptest! {
    /// Applying `diff(have, want)` to `have` gives `want`; a diff of equal tables is empty;
    /// no command is sent twice and no service is both deleted and re-created.
    #[test]
    fn diff_applied_gives_wanted(have in arb_table(), want in arb_table()) {
        let c = reconcile::diff(&have, &want);
        let mut k = have.clone();
        reconcile::apply(&mut k, &c);
        prop_assert!(reconcile::same_table(&k, &want), "{:?}\n{:?}", k, want);
        prop_assert!(reconcile::diff(&want, &want).is_empty());
        prop_assert!(reconcile::diff(&k, &want).is_empty(), "idempotent");
        // Services come before their destinations.
        for (i, cmd) in c.iter().enumerate() {
            if let Command::NewDest(key, _) = cmd {
                let made_at = c.iter().position(|x| matches!(x, Command::NewService(s) if s.key == *key));
                prop_assert!(made_at.is_none_or(|m| m < i));
            }
        }
    }

    /// Start without `lvs_flush`: every wanted service is exactly so, every other kernel
    /// service untouched.
    #[test]
    fn start_touches_only_owned(kernel in arb_table(), want in arb_table()) {
        let c = reconcile::start(&want, &kernel, false);
        let mut k = kernel.clone();
        reconcile::apply(&mut k, &c);
        for w in &want.services {
            let got = k.services.iter().find(|e| e.service.key == w.service.key).unwrap();
            let (g, w) = (Table { services: vec![got.clone()] }, Table { services: vec![w.clone()] });
            prop_assert!(reconcile::same_table(&g, &w));
        }
        for e in &kernel.services {
            if !want.services.iter().any(|w| w.service.key == e.service.key) {
                prop_assert!(k.services.contains(e));
            }
        }
        prop_assert!(reconcile::start(&want, &k, false).is_empty());
    }
}

/// Every `virtual_server` of the shared samples becomes a table without panicking, the pool
/// starts, fails every checker and stops on it, and the table is sane: schedulers set,
/// netmasks per family, no duplicate keys, fwmark DR/TUN destinations on port 0, and the
/// pool's commands always lead from one wanted table to the next.
#[test]
fn samples_turn_into_sane_tables() {
    let Some(dir) = samples_dir() else {
        support::skip("samples_turn_into_sane_tables", "no shared samples directory");
        return;
    };
    let mut seen = 0;
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    files.sort();
    for sub in files {
        let mut confs: Vec<_> = std::fs::read_dir(&sub).unwrap().flatten().map(|e| e.path()).collect();
        confs.sort();
        for f in confs {
            let Ok(text) = std::fs::read_to_string(&f) else {
                continue;
            };
            if !text.contains("virtual_server") {
                continue;
            }
            let cfg = load(&text);
            if cfg.check.virtual_servers.is_empty() {
                continue;
            }
            seen += 1;
            let t = desired::table(&cfg.check, &Presence::all_up(&cfg.check));
            sane(&t, &f);
            let (mut p, a) = keepalived_rs::check::pool::Pool::start(cfg.clone(), &Table::default());
            let mut k = Table::default();
            reconcile::apply(&mut k, &cmds(&a));
            assert!(reconcile::same_table(&k, &p.wanted()), "{}", f.display());
            sane(&k, &f);
            for (vi, vs) in cfg.check.virtual_servers.iter().enumerate() {
                for (ri, rs) in vs.real_servers.iter().enumerate() {
                    for ci in 0..rs.checkers.len() {
                        for up in [false, true, false] {
                            let a = p.handle(keepalived_rs::check::pool::PoolEvent::Checker {
                                id: id(vi, ri, ci),
                                up,
                                alert: None,
                            });
                            reconcile::apply(&mut k, &cmds(&a));
                            assert!(
                                reconcile::same_table(&k, &p.wanted()),
                                "{} after {vi}/{ri}/{ci} {up}",
                                f.display()
                            );
                        }
                    }
                }
            }
            let a = p.handle(keepalived_rs::check::pool::PoolEvent::Stop { keep_ipvs: false });
            reconcile::apply(&mut k, &cmds(&a));
            if cfg.global.lvs_flush_on_stop == LvsFlushOnStop::Disabled {
                assert!(k.services.is_empty(), "{}", f.display());
            }
        }
    }
    eprintln!("checked {seen} sample configurations with virtual servers");
    assert!(seen > 0, "the samples have virtual servers");
}

fn sane(t: &Table, f: &std::path::Path) {
    let mut keys = std::collections::HashSet::new();
    for e in &t.services {
        let s = &e.service;
        assert!(keys.insert(s.key), "{}: duplicate {:?}", f.display(), s.key);
        assert!(!s.scheduler.is_empty());
        let v6 = match s.key {
            ServiceKey::Addr { addr, .. } => addr.is_ipv6(),
            ServiceKey::Fwmark { af, .. } => af == Af::Inet6,
        };
        if s.flags & 1 == 0 {
            assert_eq!(s.netmask, if v6 { 128 } else { 0xffff_ffff }, "{}", f.display());
            assert_eq!(s.timeout, 0);
        } else {
            assert!(s.timeout > 0);
        }
        let mut dk = std::collections::HashSet::new();
        for d in &e.dests {
            assert!(dk.insert(d.key), "{}: duplicate dest {:?}", f.display(), d.key);
            assert!(d.weight >= 0);
            if matches!(s.key, ServiceKey::Fwmark { .. }) && d.forward != Forward::Masq {
                assert_eq!(d.key.port, 0);
            }
        }
    }
}
