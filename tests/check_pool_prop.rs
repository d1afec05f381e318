//! Property tests of the pool: over random checker results, dynamic weights and reloads, the
//! commands the pool emits always take the kernel from one wanted table to the next, and the
//! table agrees with keepalived's rules (a live server is in unless the sorry server serves;
//! a dead one is out unless inhibited; the sorry server serves only without quorum).

mod support;

use keepalived_rs::check::event::SORRY;
use keepalived_rs::check::pool::{Pool, PoolEvent};
use keepalived_rs::config::model::Config;
use keepalived_rs::ipvs::model::{ServiceKey, Table};
use keepalived_rs::ipvs::reconcile;
use proptest::prelude::*;
use support::pool::*;

fn conf(variant: bool) -> String {
    let (last, w1, sorry) = if variant {
        ("192.168.1.5", 3, "192.168.9.8")
    } else {
        ("192.168.1.4", 1, "192.168.9.9")
    };
    let text = format!(
        r#"
global_defs {{ router_id P }}
virtual_server 10.0.0.1 80 {{
    lb_algo wrr
    lb_kind NAT
    protocol TCP
    quorum 2
    hysteresis 1
    sorry_server {sorry} 80
    real_server 192.168.1.1 80 {{
        weight {w1}
        TCP_CHECK {{ connect_timeout 3 }}
        TCP_CHECK {{ connect_port 81 }}
    }}
    real_server 192.168.1.2 80 {{
        inhibit_on_failure
        TCP_CHECK {{ connect_timeout 3 }}
    }}
    real_server 192.168.1.3 80 {{
        alpha
        TCP_CHECK {{ connect_timeout 3 }}
    }}
    real_server {last} 80 {{
        TCP_CHECK {{ connect_timeout 3 }}
    }}
}}
virtual_server_group G {{
    10.0.1.1-2 443
    fwmark 3
}}
virtual_server group G {{
    lb_kind DR
    protocol TCP
    sorry_server 192.168.9.7 443
    sorry_server_inhibit
    real_server 192.168.2.1 443 {{
        inhibit_on_failure
        TCP_CHECK {{ connect_timeout 3 }}
    }}
    real_server 192.168.2.2 443 {{
        TCP_CHECK {{ connect_timeout 3 }}
    }}
}}
"#
    );
    if !variant {
        return text;
    }
    // The variant lists the virtual servers the other way round: states follow the servers,
    // not their positions.
    let i = text.find("virtual_server_group G").unwrap();
    let j = text.find("virtual_server 10.0.0.1 80").unwrap();
    format!("{}{}{}", &text[..j], &text[i..], &text[j..i])
}

#[derive(Clone, Debug)]
enum Ev {
    Check(usize, usize, usize, bool),
    Weight(usize, usize, Option<u32>),
    Reload(bool),
}

fn ev() -> impl Strategy<Value = Ev> {
    prop_oneof![
        8 => (0usize..2, 0usize..4, 0usize..2, any::<bool>()).prop_map(|(v, r, c, u)| Ev::Check(v, r, c, u)),
        1 => (0usize..2, 0usize..4, prop::option::of(0u32..6)).prop_map(|(v, r, w)| Ev::Weight(v, r, w)),
        1 => any::<bool>().prop_map(Ev::Reload),
    ]
}

fn check_rules(p: &Pool, k: &Table) {
    let cfg: &Config = p.config();
    for (vi, vs) in cfg.check.virtual_servers.iter().enumerate() {
        let sorry_serving = vs.sorry_server.is_some() && p.rs_alive(vi, SORRY);
        if sorry_serving {
            assert!(!p.quorum_up(vi), "the sorry server serves only without quorum");
        }
        let keys: Vec<ServiceKey> = keepalived_rs::ipvs::desired::services(&cfg.check, vs)
            .iter()
            .map(|s| s.service.key)
            .collect();
        for key in keys {
            let e = k
                .services
                .iter()
                .find(|e| e.service.key == key)
                .expect("service installed");
            for (ri, rs) in vs.real_servers.iter().enumerate() {
                let d = e.dests.iter().find(|d| d.key.addr == rs.ip);
                let alive = p.rs_alive(vi, ri);
                let inhibit = rs.inhibit.unwrap_or(vs.inhibit);
                if alive && !sorry_serving {
                    assert!(d.is_some(), "live {} is in: {e:?}", rs.ip);
                }
                if !inhibit && (!alive || sorry_serving) {
                    assert!(d.is_none(), "{} is out (alive {alive}, sorry {sorry_serving})", rs.ip);
                }
                if inhibit && (!alive || sorry_serving) {
                    assert!(d.is_none_or(|d| d.weight == 0), "inhibited {} has weight 0", rs.ip);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
    #[test]
    fn pool_commands_track_the_wanted_table(evs in prop::collection::vec(ev(), 0..40)) {
        let configs = [load(&conf(false)), load(&conf(true))];
        let (mut p, a) = Pool::start(configs[0].clone(), &Table::default());
        let mut k = Table::default();
        reconcile::apply(&mut k, &cmds(&a));
        prop_assert!(reconcile::same_table(&k, &p.wanted()));
        check_rules(&p, &k);
        for e in evs {
            let a = match e {
                Ev::Check(v, r, c, up) => p.handle(PoolEvent::Checker { id: id(v, r, c), up, alert: None }),
                Ev::Weight(v, r, w) => p.handle(PoolEvent::Weight { id: id(v, r, 0), weight: w }),
                Ev::Reload(b) => p.handle(PoolEvent::Reload(Box::new(configs[b as usize].clone()))),
            };
            reconcile::apply(&mut k, &cmds(&a));
            prop_assert!(reconcile::same_table(&k, &p.wanted()), "{:?}\n{:?}", k, p.wanted());
            check_rules(&p, &k);
        }
        let a = p.handle(PoolEvent::Stop { keep_ipvs: false });
        reconcile::apply(&mut k, &cmds(&a));
        prop_assert!(k.services.is_empty());
    }
}

/// Found by the property above: a reload that replaces the sorry server while it serves
/// puts the live real servers back (keepalived 2.2.7 would leave them out; see
/// `Pool::restore_alive`).
#[test]
fn reload_replacing_serving_sorry_server_restores_live_servers() {
    // The variant in the same order as the original.
    let b = conf(false)
        .replace("sorry_server 192.168.9.9 80", "sorry_server 192.168.9.8 80")
        .replace("192.168.1.4", "192.168.1.5")
        .replacen("weight 1", "weight 3", 1);
    let configs = [load(&conf(false)), load(&b)];
    let (mut p, _) = Pool::start(configs[0].clone(), &Table::default());
    let evs = [
        Ev::Check(0, 1, 0, false),
        Ev::Reload(true),
        Ev::Check(0, 0, 1, false),
        Ev::Reload(false),
        Ev::Check(0, 0, 1, true),
    ];
    let mut k = p.wanted();
    for e in evs {
        let a = match e {
            Ev::Check(v, r, c, up) => p.handle(PoolEvent::Checker {
                id: id(v, r, c),
                up,
                alert: None,
            }),
            Ev::Weight(v, r, w) => p.handle(PoolEvent::Weight {
                id: id(v, r, 0),
                weight: w,
            }),
            Ev::Reload(b) => p.handle(PoolEvent::Reload(Box::new(configs[b as usize].clone()))),
        };
        reconcile::apply(&mut k, &cmds(&a));
    }
    assert!(p.rs_alive(0, SORRY), "the old sorry server serves");
    let a = p.handle(PoolEvent::Reload(Box::new(configs[1].clone())));
    reconcile::apply(&mut k, &cmds(&a));
    let e = &k.services[0];
    assert!(
        e.dests
            .iter()
            .any(|d| d.key.addr.to_string() == "192.168.1.1" && d.weight == 3),
        "{e:?}"
    );
    assert!(!e.dests.iter().any(|d| d.key.addr.to_string() == "192.168.9.9"));
    check_rules(&p, &k);
}

/// Scale: 1,000 virtual servers of 10 real servers start, take a checker change and reload a
/// 1% change in well under the time keepalived needs (a loose bound, unoptimised build).
#[test]
fn thousand_services_scale() {
    let mut text = String::new();
    for v in 0..1000u32 {
        text.push_str(&format!(
            "virtual_server 10.{}.{}.1 80 {{\n lb_kind NAT\n protocol TCP\n",
            v / 250,
            v % 250
        ));
        for r in 1..=10 {
            text.push_str(&format!(
                " real_server 192.168.{}.{r} 80 {{\n  TCP_CHECK {{ connect_timeout 3 }}\n }}\n",
                v % 250
            ));
        }
        text.push_str("}\n");
    }
    let cfg = load(&text);
    assert_eq!(cfg.check.virtual_servers.len(), 1000);
    let t = std::time::Instant::now();
    let (mut p, a) = Pool::start(cfg, &Table::default());
    let started = t.elapsed();
    assert_eq!(cmds(&a).len(), 11_000);
    let t = std::time::Instant::now();
    p.handle(PoolEvent::Checker {
        id: id(500, 3, 0),
        up: false,
        alert: None,
    });
    let event = t.elapsed();
    let mut changed = text.clone();
    for x in 0..10 {
        changed = changed.replacen(&format!("192.168.{x}.10 80"), &format!("192.168.{x}.11 80"), 1);
    }
    let new = load(&changed);
    let t = std::time::Instant::now();
    let a = p.handle(PoolEvent::Reload(Box::new(new)));
    let reloaded = t.elapsed();
    assert_eq!(cmds(&a).len(), 20, "10 servers replaced: {:?}", cmds(&a).len());
    eprintln!("start {started:?}, event {event:?}, reload {reloaded:?}");
    assert!(started.as_secs() < 20 && reloaded.as_secs() < 20);
}
