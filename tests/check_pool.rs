//! Golden scenarios for the real-server pool (keepalived's ipwrapper.c): each rule with
//! keepalived's exact log lines and the IPVS commands it sends.

mod support;

use keepalived_rs::check::pool::{Pool, PoolEvent, StartInfo};
use keepalived_rs::ipvs::model::{Command, Dest, DestKey, Forward, Proto, ServiceKey, Table};
use keepalived_rs::ipvs::reconcile;
use support::pool::*;

fn vs80() -> ServiceKey {
    ServiceKey::Addr {
        proto: Proto::Tcp,
        addr: "10.0.0.1".parse().unwrap(),
        port: 80,
    }
}

fn dk(ip: &str, port: u16) -> DestKey {
    DestKey {
        addr: ip.parse().unwrap(),
        port,
    }
}

fn nat(ip: &str, port: u16, weight: i32) -> Dest {
    Dest {
        key: dk(ip, port),
        forward: Forward::Masq,
        weight,
        u_threshold: 0,
        l_threshold: 0,
    }
}

fn down(p: &mut Pool, vs: usize, rs: usize) -> Vec<keepalived_rs::check::pool::PoolAction> {
    p.handle(PoolEvent::Checker {
        id: id(vs, rs, 0),
        up: false,
        alert: None,
    })
}

fn up(p: &mut Pool, vs: usize, rs: usize) -> Vec<keepalived_rs::check::pool::PoolAction> {
    p.handle(PoolEvent::Checker {
        id: id(vs, rs, 0),
        up: true,
        alert: None,
    })
}

fn vs_conf(extra: &str, rs_extra: &str, n: usize) -> String {
    let mut s = String::from(
        "global_defs { router_id R1 }\nvirtual_server 10.0.0.1 80 {\n lb_algo rr\n lb_kind NAT\n protocol TCP\n",
    );
    s.push_str(extra);
    for i in 1..=n {
        s.push_str(&format!(
            " real_server 192.168.1.{i} 8080 {{\n  weight 1\n {rs_extra}\n  TCP_CHECK {{ connect_timeout 3 }}\n }}\n"
        ));
    }
    s.push_str("}\n");
    s
}

const RS1: &str = "[192.168.1.1]:tcp:8080";
const RS2: &str = "[192.168.1.2]:tcp:8080";
const VS: &str = "[10.0.0.1]:tcp:80";

/// `init_services()` / `init_service_vs()`: the service, every non-alpha real server, and
/// "Gained quorum" as keepalived logs it at start.
#[test]
fn start_programs_service_and_servers_and_gains_quorum() {
    let (p, a) = Pool::start(load(&vs_conf("", "", 2)), &Table::default());
    let c = cmds(&a);
    assert_eq!(c.len(), 3, "{c:?}");
    assert!(
        matches!(&c[0], Command::NewService(s) if s.key == vs80() && s.scheduler == "rr" && s.netmask == 0xffff_ffff && s.flags == 0)
    );
    assert_eq!(c[1], Command::NewDest(vs80(), nat("192.168.1.1", 8080, 1)));
    assert_eq!(c[2], Command::NewDest(vs80(), nat("192.168.1.2", 8080, 1)));
    assert_eq!(
        logs(&a),
        vec![
            format!("Gained quorum 1+0=1 <= 2 for VS {VS}"),
            format!("Activating healthchecker for service {RS1} for VS {VS}"),
            format!("Activating healthchecker for service {RS2} for VS {VS}"),
        ]
    );
    assert!(p.quorum_up(0));
}

/// `perform_svr_state()`: a failed real server leaves the pool, and comes back.
#[test]
fn down_removes_and_up_adds() {
    let (mut p, _) = Pool::start(load(&vs_conf("", "", 2)), &Table::default());
    let a = down(&mut p, 0, 0);
    assert_eq!(pool_logs(&a), vec![format!("Removing service {RS1} from VS {VS}")]);
    assert_eq!(cmds(&a), vec![Command::DelDest(vs80(), dk("192.168.1.1", 8080))]);
    assert!(!p.rs_alive(0, 0));
    let a = up(&mut p, 0, 0);
    assert_eq!(pool_logs(&a), vec![format!("Adding service {RS1} to VS {VS}")]);
    assert_eq!(cmds(&a), vec![Command::NewDest(vs80(), nat("192.168.1.1", 8080, 1))]);
    // A repeated result changes nothing.
    assert!(up(&mut p, 0, 0).is_empty());
}

/// `ipvs_cmd()` with `inhibit_on_failure`: weight 0 instead of removal.
#[test]
fn inhibit_sets_weight_zero() {
    let (mut p, _) = Pool::start(load(&vs_conf("", "inhibit_on_failure", 2)), &Table::default());
    let a = down(&mut p, 0, 1);
    assert_eq!(pool_logs(&a), vec![format!("Disabling service {RS2} of VS {VS}")]);
    assert_eq!(cmds(&a), vec![Command::SetDest(vs80(), nat("192.168.1.2", 8080, 0))]);
    let a = up(&mut p, 0, 1);
    assert_eq!(pool_logs(&a), vec![format!("Enabling service {RS2} of VS {VS}")]);
    assert_eq!(cmds(&a), vec![Command::SetDest(vs80(), nat("192.168.1.2", 8080, 1))]);
    // At stop an inhibited server is removed all the same (clear_service_rs()).
    down(&mut p, 0, 1);
    let a = p.handle(PoolEvent::Stop { keep_ipvs: false });
    assert_eq!(
        pool_logs(&a),
        vec![
            format!("Shutting down service {RS1} from VS {VS}"),
            format!("Shutting down (inhibited) service {RS2} from VS {VS}"),
        ]
    );
    assert_eq!(cmds(&a), vec![Command::DelService(vs80())]);
}

/// `update_quorum_state()`: quorum lost brings the sorry server in (alive servers out), quorum
/// regained takes it out again, with keepalived's lines, scripts, FIFO lines and mail.
#[test]
fn quorum_lost_brings_sorry_server_with_keepalived_lines() {
    let text = vs_conf(
        " quorum 2\n sorry_server 192.168.9.9 8080\n quorum_up \"/bin/echo qup\"\n quorum_down \"/bin/echo qdown\"\n smtp_alert\n",
        "",
        2,
    )
    .replace(
        "global_defs { router_id R1 }",
        "global_defs { router_id R1\n notification_email { a@b.c }\n smtp_server 127.0.0.1\n lvs_notify_fifo /tmp/pool-fifo }",
    );
    let (mut p, a) = Pool::start(load(&text), &Table::default());
    assert_eq!(pool_logs(&a), vec![format!("Gained quorum 2+0=2 <= 2 for VS {VS}")]);
    assert_eq!(scripts(&a), vec!["qup"]);
    assert_eq!(fifo(&a), vec![format!("VS {VS} UP\n")]);
    assert_eq!(
        mails(&a),
        vec![(
            format!("[R1] Virtualserver {VS} - UP"),
            "=> Starting with quorum up 2+0=2 <= 2 <=".to_string()
        )]
    );

    let a = down(&mut p, 0, 0);
    assert_eq!(
        pool_logs(&a),
        vec![
            format!("Removing service {RS1} from VS {VS}"),
            format!("Lost quorum 2-0=2 > 1 for VS {VS}"),
            format!("Adding sorry server [192.168.9.9]:tcp:8080 to VS {VS}"),
            format!("Removing alive servers from the pool for VS {VS}"),
        ]
    );
    assert_eq!(
        cmds(&a),
        vec![
            Command::DelDest(vs80(), dk("192.168.1.1", 8080)),
            Command::DelDest(vs80(), dk("192.168.1.2", 8080)),
            Command::NewDest(vs80(), nat("192.168.9.9", 8080, 1)),
        ]
    );
    assert_eq!(scripts(&a), vec!["qdown"]);
    assert_eq!(
        fifo(&a),
        vec![format!("RS {RS1} {VS} DOWN\n"), format!("VS {VS} DOWN\n")]
    );
    assert_eq!(
        mails(&a),
        vec![(
            format!("[R1] Virtualserver {VS} - DOWN"),
            "=> Lost quorum 2+0=2 <= 1 <=".to_string()
        )]
    );
    assert!(!p.quorum_up(0));
    assert!(p.rs_alive(0, keepalived_rs::check::event::SORRY));

    // Back up: no IPVS change for the server itself while the sorry server serves, then the swap.
    let a = up(&mut p, 0, 0);
    assert_eq!(
        pool_logs(&a),
        vec![
            format!("Adding service {RS1} to VS {VS}"),
            format!("Gained quorum 2+0=2 <= 2 for VS {VS}"),
            format!("Removing sorry server [192.168.9.9]:tcp:8080 from VS {VS}"),
            format!("Adding alive servers to the pool for VS {VS}"),
        ]
    );
    assert_eq!(
        cmds(&a),
        vec![
            Command::DelDest(vs80(), dk("192.168.9.9", 8080)),
            Command::NewDest(vs80(), nat("192.168.1.1", 8080, 1)),
            Command::NewDest(vs80(), nat("192.168.1.2", 8080, 1)),
        ]
    );
    assert_eq!(scripts(&a), vec!["qup"]);
}

/// `init_service_vs()` with `sorry_server_inhibit`: the sorry server sits at weight 0 and is
/// enabled / disabled rather than added / removed.
#[test]
fn sorry_server_inhibit_is_weight_zero_until_needed() {
    let text = vs_conf(
        " quorum 2\n sorry_server 192.168.9.9 8080\n sorry_server_inhibit\n",
        "",
        2,
    );
    let (mut p, a) = Pool::start(load(&text), &Table::default());
    assert!(
        cmds(&a).contains(&Command::NewDest(vs80(), nat("192.168.9.9", 8080, 0))),
        "{:?}",
        cmds(&a)
    );
    let a = down(&mut p, 0, 1);
    assert!(pool_logs(&a).contains(&format!("Enabling sorry server [192.168.9.9]:tcp:8080 to VS {VS}")));
    assert!(cmds(&a).contains(&Command::SetDest(vs80(), nat("192.168.9.9", 8080, 1))));
    let a = up(&mut p, 0, 1);
    assert!(pool_logs(&a).contains(&format!("Disabling sorry server [192.168.9.9]:tcp:8080 from VS {VS}")));
    assert!(cmds(&a).contains(&Command::SetDest(vs80(), nat("192.168.9.9", 8080, 0))));
}

/// `update_quorum_state()` with `hysteresis`: quorum 3, hysteresis 1, four servers of weight 1.
#[test]
fn hysteresis_delays_loss_and_gain() {
    let (mut p, a) = Pool::start(load(&vs_conf(" quorum 3\n hysteresis 1\n", "", 4)), &Table::default());
    assert_eq!(pool_logs(&a), vec![format!("Gained quorum 3+1=4 <= 4 for VS {VS}")]);
    down(&mut p, 0, 0);
    let a = down(&mut p, 0, 1);
    assert_eq!(
        pool_logs(&a),
        vec![format!("Removing service {RS2} from VS {VS}")],
        "2 >= 3-1 keeps the quorum"
    );
    let a = down(&mut p, 0, 2);
    assert_eq!(
        pool_logs(&a),
        vec![
            "Removing service [192.168.1.3]:tcp:8080 from VS [10.0.0.1]:tcp:80".to_string(),
            format!("Lost quorum 3-1=2 > 1 for VS {VS}"),
        ]
    );
    up(&mut p, 0, 2);
    let a = up(&mut p, 0, 1);
    assert_eq!(
        pool_logs(&a).len(),
        1,
        "3 < 3+1 does not regain it: {:?}",
        pool_logs(&a)
    );
    let a = up(&mut p, 0, 0);
    assert_eq!(pool_logs(&a)[1], format!("Gained quorum 3+1=4 <= 4 for VS {VS}"));
}

/// Alpha mode (`validate_check_config()`): the server starts out of the pool and enters on
/// its first success; with a sorry server the start says "Starting with quorum down".
#[test]
fn alpha_starts_down_and_quorum_down_at_start() {
    let text = vs_conf(" alpha\n sorry_server 192.168.9.9 8080\n", "", 1);
    let (mut p, a) = Pool::start(load(&text), &Table::default());
    assert_eq!(
        pool_logs(&a),
        vec![
            format!("Starting with quorum down 1-0=1 > 0 for VS {VS}"),
            format!("Adding sorry server [192.168.9.9]:tcp:8080 to VS {VS}"),
            format!("Removing alive servers from the pool for VS {VS}"),
        ]
    );
    let c = cmds(&a);
    assert_eq!(c.len(), 2, "{c:?}");
    assert_eq!(c[1], Command::NewDest(vs80(), nat("192.168.9.9", 8080, 1)));
    let a = up(&mut p, 0, 0);
    assert_eq!(
        cmds(&a),
        vec![
            Command::DelDest(vs80(), dk("192.168.9.9", 8080)),
            Command::NewDest(vs80(), nat("192.168.1.1", 8080, 1))
        ]
    );
}

/// `update_svr_wgt()` from `misc_dynamic`: "Changing weight" and an edit.
#[test]
fn dynamic_weight_edits_the_destination() {
    let (mut p, _) = Pool::start(load(&vs_conf("", "", 2)), &Table::default());
    let a = p.handle(PoolEvent::Weight {
        id: id(0, 0, 0),
        weight: Some(5),
    });
    assert_eq!(
        pool_logs(&a),
        vec![format!(
            "Changing weight from 1 to 5 for active service {RS1} of VS {VS}"
        )]
    );
    assert_eq!(cmds(&a), vec![Command::SetDest(vs80(), nat("192.168.1.1", 8080, 5))]);
    let a = p.handle(PoolEvent::Weight {
        id: id(0, 0, 0),
        weight: None,
    });
    assert_eq!(cmds(&a), vec![Command::SetDest(vs80(), nat("192.168.1.1", 8080, 1))]);
}

/// `do_rs_notifies()`: notify_up / notify_down scripts and the FIFO line; a checker's mail.
#[test]
fn notify_scripts_fifo_and_checker_mail() {
    let text = vs_conf("", "notify_up \"/bin/echo up\"\n notify_down \"/bin/echo down\"", 1).replace(
        "global_defs { router_id R1 }",
        "global_defs { router_id R1\n notification_email { a@b.c }\n smtp_server 127.0.0.1\n lvs_notify_fifo /tmp/pool-fifo }",
    );
    let (mut p, _) = Pool::start(load(&text), &Table::default());
    let a = p.handle(PoolEvent::Checker {
        id: id(0, 0, 0),
        up: false,
        alert: Some("=> TCP CHECK failed on service <=".into()),
    });
    assert_eq!(scripts(&a), vec!["down"]);
    assert!(fifo(&a).contains(&format!("RS {RS1} {VS} DOWN\n")));
    assert_eq!(
        mails(&a),
        vec![(
            format!("[R1] Realserver {RS1} of virtual server {VS} - DOWN"),
            "=> TCP CHECK failed on service <=".to_string()
        )]
    );
    let a = up(&mut p, 0, 0);
    assert_eq!(scripts(&a), vec!["up"]);
}

/// `update_checker_activity()`: `ha_suspend` checkers follow the virtual address.
#[test]
fn ha_suspend_follows_the_address() {
    let (mut p, a) = Pool::start(load(&vs_conf(" ha_suspend\n", "", 1)), &Table::default());
    assert_eq!(
        logs(&a).last().unwrap(),
        &format!("Deactivating healthchecker for service {RS1} for VS {VS}")
    );
    assert!(!p.checker_enabled(id(0, 0, 0)));
    let (q, a) = Pool::start_with(
        load(&vs_conf(" ha_suspend\n", "", 1)),
        &Table::default(),
        &StartInfo {
            local_addrs: vec!["10.0.0.1".parse().unwrap()],
            ..StartInfo::default()
        },
    );
    assert_eq!(
        logs(&a).last().unwrap(),
        &format!("Activating healthchecker for service {RS1} for VS {VS}")
    );
    assert!(q.checker_enabled(id(0, 0, 0)));
    let a = p.handle(PoolEvent::Address {
        addr: "10.0.0.1".parse().unwrap(),
        present: true,
    });
    assert_eq!(
        logs(&a),
        vec![format!("Activating healthchecker for service {RS1} for VS {VS}")]
    );
    assert!(p.checker_enabled(id(0, 0, 0)));
    let a = p.handle(PoolEvent::Address {
        addr: "10.0.0.1".parse().unwrap(),
        present: false,
    });
    assert_eq!(
        logs(&a),
        vec![format!("Suspending healthchecker for service {RS1} for VS {VS}")]
    );
    assert!(
        p.handle(PoolEvent::Address {
            addr: "10.0.0.2".parse().unwrap(),
            present: true
        })
        .is_empty()
    );
}

/// `clear_diff_services()`: a reload that adds one real server and removes another sends
/// exactly those two commands, and keeps the others' states (a failed server stays out).
#[test]
fn reload_adds_and_removes_one_server_only() {
    let mut old = vs_conf("", "", 3);
    let (mut p, _) = Pool::start(load(&old), &Table::default());
    down(&mut p, 0, 1);
    let before = p.wanted();
    old = old.replace("real_server 192.168.1.3 8080", "real_server 192.168.1.4 8080");
    let a = p.handle(PoolEvent::Reload(Box::new(load(&old))));
    assert_eq!(
        cmds(&a),
        vec![
            Command::DelDest(vs80(), dk("192.168.1.3", 8080)),
            Command::NewDest(vs80(), nat("192.168.1.4", 8080, 1))
        ]
    );
    assert_eq!(
        logs(&a),
        vec![
            "service [192.168.1.3]:tcp:8080 no longer exist".to_string(),
            format!("Removing service [192.168.1.3]:tcp:8080 from VS {VS}"),
            format!("Activating healthchecker for service {RS1} for VS {VS}"),
            format!("Activating healthchecker for service {RS2} for VS {VS}"),
            format!("Activating healthchecker for service [192.168.1.4]:tcp:8080 for VS {VS}"),
        ]
    );
    assert!(!p.rs_alive(0, 1), "the failed server is still failed");
    let mut k = before;
    reconcile::apply(&mut k, &cmds(&a));
    assert!(reconcile::same_table(&k, &p.wanted()));
    // It comes back when its checker says so.
    assert_eq!(
        cmds(&up(&mut p, 0, 1)),
        vec![Command::NewDest(vs80(), nat("192.168.1.2", 8080, 1))]
    );
}

/// A reload that removes a whole virtual server deletes its service with keepalived's line.
#[test]
fn reload_removing_a_virtual_server() {
    let two = format!(
        "{}{}",
        vs_conf("", "", 1),
        vs_conf("", "", 1)
            .replace("global_defs { router_id R1 }", "")
            .replace("10.0.0.1 80", "10.0.0.2 80")
    );
    let (mut p, _) = Pool::start(load(&two), &Table::default());
    let a = p.handle(PoolEvent::Reload(Box::new(load(&vs_conf("", "", 1)))));
    let k2 = ServiceKey::Addr {
        proto: Proto::Tcp,
        addr: "10.0.0.2".parse().unwrap(),
        port: 80,
    };
    assert_eq!(cmds(&a), vec![Command::DelService(k2)]);
    assert_eq!(pool_logs(&a)[0], "Removing Virtual Server [10.0.0.2]:tcp:80");
}

/// `clear_services()`: -I keeps everything, `lvs_flush_on_stop` flushes, omega runs the down
/// scripts.
#[test]
fn stop_variants() {
    let (mut p, _) = Pool::start(load(&vs_conf("", "", 1)), &Table::default());
    assert!(p.handle(PoolEvent::Stop { keep_ipvs: true }).is_empty());

    let flush = vs_conf("", "", 1).replace(
        "global_defs { router_id R1 }",
        "global_defs { router_id R1\n lvs_flush_on_stop }",
    );
    let (mut p, _) = Pool::start(load(&flush), &Table::default());
    assert_eq!(
        cmds(&p.handle(PoolEvent::Stop { keep_ipvs: false })),
        vec![Command::Flush]
    );

    let omega = vs_conf(
        " omega\n quorum_down \"/bin/echo qdown\"\n",
        "notify_down \"/bin/echo down\"",
        1,
    );
    let (mut p, _) = Pool::start(load(&omega), &Table::default());
    let a = p.handle(PoolEvent::Stop { keep_ipvs: false });
    assert_eq!(scripts(&a), vec!["down", "qdown"]);
    assert!(
        a.iter()
            .any(|x| matches!(x, keepalived_rs::check::pool::PoolAction::Script { wait: true, .. }))
    );

    let no_omega = vs_conf(
        " quorum_down \"/bin/echo qdown\"\n",
        "notify_down \"/bin/echo down\"",
        1,
    );
    let (mut p, _) = Pool::start(load(&no_omega), &Table::default());
    assert!(scripts(&p.handle(PoolEvent::Stop { keep_ipvs: false })).is_empty());
}

/// `ipvs_group_cmd()`: a group's real server goes in and out of every service of the group.
#[test]
fn group_server_changes_every_service() {
    let text = r#"
virtual_server_group G {
    10.0.0.1-3 80
    fwmark 7
}
virtual_server group G {
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 192.168.1.1 80 { TCP_CHECK { connect_timeout 3 } }
}
"#;
    let (mut p, a) = Pool::start(load(text), &Table::default());
    let c = cmds(&a);
    assert_eq!(
        c.iter().filter(|c| matches!(c, Command::NewService(_))).count(),
        4,
        "{c:?}"
    );
    let a = down(&mut p, 0, 0);
    let c = cmds(&a);
    assert_eq!(c.len(), 4);
    assert!(c.contains(&Command::DelDest(
        ServiceKey::Fwmark {
            af: keepalived_rs::ipvs::model::Af::Inet,
            mark: 7
        },
        dk("192.168.1.1", 0)
    )));
    assert_eq!(
        pool_logs(&a),
        vec![
            "Removing service [192.168.1.1]:tcp:80 from VS [G]:0".to_string(),
            "Lost quorum 1-0=1 > 0 for VS [G]:0".to_string()
        ]
    );
}

/// The start against a kernel that already holds our table sends nothing for it.
#[test]
fn start_against_programmed_kernel_is_quiet() {
    let cfg = load(&vs_conf("", "", 2));
    let (p, _) = Pool::start(cfg.clone(), &Table::default());
    let (_, a) = Pool::start(cfg, &p.wanted());
    assert!(cmds(&a).is_empty());
}

/// `init_service_rs()` at a reload: a changed weight is logged and edited in place.
#[test]
fn reload_changing_a_weight_edits_it() {
    let old = vs_conf("", "", 2);
    let (mut p, _) = Pool::start(load(&old), &Table::default());
    let new = old.replacen("weight 1", "weight 4", 1);
    let a = p.handle(PoolEvent::Reload(Box::new(load(&new))));
    assert_eq!(cmds(&a), vec![Command::SetDest(vs80(), nat("192.168.1.1", 8080, 4))]);
    assert_eq!(
        pool_logs(&a),
        vec![format!(
            "Changing weight from 1 to 4 for active service {RS1} of VS {VS}"
        )]
    );
    // An unchanged reload sends nothing and logs nothing.
    let a = p.handle(PoolEvent::Reload(Box::new(load(&new))));
    assert!(cmds(&a).is_empty() && pool_logs(&a).is_empty(), "{a:?}");
}

/// `start_check()`: `lvs_flush` flushes first; without it a foreign service survives.
#[test]
fn lvs_flush_at_start() {
    let foreign = ServiceKey::Addr {
        proto: Proto::Udp,
        addr: "10.9.9.9".parse().unwrap(),
        port: 53,
    };
    let kernel = Table {
        services: vec![keepalived_rs::ipvs::model::ServiceEntry {
            service: keepalived_rs::ipvs::model::Service {
                key: foreign,
                scheduler: "rr".into(),
                flags: 0,
                timeout: 0,
                netmask: 0xffff_ffff,
                pe_name: None,
            },
            dests: vec![],
        }],
    };
    let plain = vs_conf("", "", 1);
    let (_, a) = Pool::start(load(&plain), &kernel);
    assert!(
        !cmds(&a)
            .iter()
            .any(|c| matches!(c, Command::Flush | Command::DelService(_)))
    );
    let flush = plain.replace(
        "global_defs { router_id R1 }",
        "global_defs { router_id R1\n lvs_flush }",
    );
    let (_, a) = Pool::start(load(&flush), &kernel);
    assert_eq!(cmds(&a)[0], Command::Flush);
}

/// `clear_service_rs()` with omega and `smtp_alert`: the shutdown mail of each live server,
/// and the virtual server's.
#[test]
fn omega_stop_mails() {
    let text = vs_conf(" omega\n smtp_alert\n", "", 1).replace(
        "global_defs { router_id R1 }",
        "global_defs { router_id R1\n notification_email { a@b.c }\n smtp_server 127.0.0.1 }",
    );
    let (mut p, _) = Pool::start(load(&text), &Table::default());
    let a = p.handle(PoolEvent::Stop { keep_ipvs: false });
    assert_eq!(
        mails(&a),
        vec![
            (
                format!("[R1] Realserver {RS1} of virtual server {VS} - DOWN"),
                "=> Shutting down <=".to_string()
            ),
            (
                format!("[R1] Virtualserver {VS} - DOWN"),
                "=> Shutting down <=".to_string()
            ),
        ]
    );
}

/// `clear_diff_vsge()` / `sync_service_vsg_entry()`: a reload that changes a group's entries
/// deletes and creates only those services, with keepalived's lines; the real servers'
/// states carry into the new entries.
#[test]
fn reload_changing_group_entries() {
    let group = |entries: &str| {
        format!(
            "virtual_server_group G {{\n{entries}\n}}\nvirtual_server group G {{\n lb_kind NAT\n protocol TCP\n real_server 192.168.1.1 80 {{ TCP_CHECK {{ connect_timeout 3 }} }}\n real_server 192.168.1.2 80 {{ TCP_CHECK {{ connect_timeout 3 }} }}\n}}\n"
        )
    };
    let (mut p, _) = Pool::start(
        load(&group(" 10.0.0.1 80\n 10.0.0.2-3 80\n fwmark 4")),
        &Table::default(),
    );
    down(&mut p, 0, 1);
    let a = p.handle(PoolEvent::Reload(Box::new(load(&group(
        " 10.0.0.1 80\n fwmark 4\n 10.0.0.9 80",
    )))));
    assert_eq!(
        pool_logs(&a),
        vec![
            "VS [[10.0.0.2]:tcp:80-10.0.0.3] in group G no longer exists".to_string(),
            "VS [[10.0.0.9]:tcp:80] added into group G".to_string(),
        ]
    );
    let k = |n: u8| ServiceKey::Addr {
        proto: Proto::Tcp,
        addr: std::net::IpAddr::from([10, 0, 0, n]),
        port: 80,
    };
    let c = cmds(&a);
    assert_eq!(c.len(), 4, "{c:?}");
    assert_eq!(c[0], Command::DelService(k(2)));
    assert_eq!(c[1], Command::DelService(k(3)));
    assert!(matches!(&c[2], Command::NewService(s) if s.key == k(9)));
    assert_eq!(
        c[3],
        Command::NewDest(k(9), nat("192.168.1.1", 80, 1)),
        "only the live server joins the new entry"
    );
}

/// `FILE_CHECK` (`process_update_checker_track_file_status()`): a tracked file's value moves
/// the weight, and a fault takes the server out; the file's value at start counts.
#[test]
fn file_check_weights_and_faults() {
    let text = r#"
track_file F {
    file /tmp/pool-track-file
    weight 2
}
virtual_server 10.0.0.1 80 {
    lb_kind NAT
    protocol TCP
    real_server 192.168.1.1 8080 {
        weight 10
        FILE_CHECK {
            track_file F
        }
    }
    real_server 192.168.1.2 8080 {
        weight 1
        TCP_CHECK { connect_timeout 3 }
    }
}
"#;
    let cfg = load(text);
    assert_eq!(
        cfg.check.virtual_servers[0].real_servers[0].file_checks.len(),
        1,
        "the sample loads its FILE_CHECK"
    );
    let (mut p, _) = Pool::start(cfg.clone(), &Table::default());
    let a = p.handle(PoolEvent::TrackFile {
        name: "F".into(),
        value: 3,
    });
    assert_eq!(
        pool_logs(&a),
        vec![format!(
            "Changing weight from 10 to 16 for active service {RS1} of VS {VS}"
        )]
    );
    assert_eq!(cmds(&a), vec![Command::SetDest(vs80(), nat("192.168.1.1", 8080, 16))]);
    // A value whose product reaches the fault weight takes the server out.
    let a = p.handle(PoolEvent::TrackFile {
        name: "F".into(),
        value: -2_000_000_000,
    });
    assert_eq!(pool_logs(&a), vec![format!("Removing service {RS1} from VS {VS}")]);
    assert_eq!(cmds(&a), vec![Command::DelDest(vs80(), dk("192.168.1.1", 8080))]);
    let a = p.handle(PoolEvent::TrackFile {
        name: "F".into(),
        value: 0,
    });
    assert_eq!(cmds(&a), vec![Command::NewDest(vs80(), nat("192.168.1.1", 8080, 10))]);

    // At start a file in fault keeps the server out, with no log of a change.
    let info = StartInfo {
        track_files: vec![("F".into(), -2_000_000_000)],
        ..StartInfo::default()
    };
    let (p, a) = Pool::start_with(cfg, &Table::default(), &info);
    assert!(!p.rs_alive(0, 0));
    assert!(
        !cmds(&a)
            .iter()
            .any(|c| matches!(c, Command::NewDest(_, d) if d.key == dk("192.168.1.1", 8080)))
    );
}

/// `init_service_rs()` with `rs_init_notifies`: every real server's notify_up at start; and
/// `clear_service_rs()` at a reload mails "=> Removing <=" for a live server that went.
#[test]
fn init_notifies_and_removal_mail() {
    let text = vs_conf("", "notify_up \"/bin/echo up\"", 2).replace(
        "global_defs { router_id R1 }",
        "global_defs { router_id R1\n rs_init_notifies\n notification_email { a@b.c }\n smtp_server 127.0.0.1 }",
    );
    let (mut p, a) = Pool::start(load(&text), &Table::default());
    assert_eq!(scripts(&a), vec!["up", "up"]);
    let fewer = text.replace("real_server 192.168.1.2 8080", "real_server 192.168.1.3 8080");
    let a = p.handle(PoolEvent::Reload(Box::new(load(&fewer))));
    assert!(
        mails(&a).contains(&(
            format!("[R1] Realserver {RS2} of virtual server {VS} - DOWN"),
            "=> Removing <=".to_string()
        )),
        "{:?}",
        mails(&a)
    );
}

/// The glue from the scheduler: a MISC_CHECK step with a dynamic weight and a transition
/// becomes the weight change first, then the up/down.
#[test]
fn events_from_a_scheduler_step() {
    use keepalived_rs::check::schedule::{Step, Transition, Weight};
    let step = Step {
        logs: vec![],
        transition: Some(Transition {
            id: id(0, 0, 0),
            up: false,
            changed: true,
            reason: String::new(),
        }),
        weight: Some(Weight::Dynamic(5)),
    };
    let evs = PoolEvent::from_step(id(0, 0, 0), &step, None);
    assert_eq!(
        evs,
        vec![
            PoolEvent::Weight {
                id: id(0, 0, 0),
                weight: Some(5)
            },
            PoolEvent::Checker {
                id: id(0, 0, 0),
                up: false,
                alert: None
            },
        ]
    );
}

/// `misc_check_child_thread()` mails the first result even when it confirms the initial
/// state (no `checker_was_up` test, unlike `tcp_epilog()`).
#[test]
fn misc_check_first_result_mails() {
    let mail_conf = |checker: &str| {
        vs_conf("", "", 1)
            .replace(
                "global_defs { router_id R1 }",
                "global_defs { router_id R1\n notification_email { a@b.c }\n smtp_server 127.0.0.1 }",
            )
            .replace("TCP_CHECK { connect_timeout 3 }", checker)
    };
    let first_up = |text: &str, body: &str| {
        let (mut p, _) = Pool::start(load(text), &Table::default());
        let a = p.handle(PoolEvent::Checker {
            id: id(0, 0, 0),
            up: true,
            alert: Some(body.into()),
        });
        mails(&a)
    };
    let misc = first_up(
        &mail_conf("MISC_CHECK { misc_path /bin/true }"),
        "=> MISC CHECK succeeded on service <=",
    );
    assert_eq!(
        misc,
        vec![(
            format!("[R1] Realserver {RS1} of virtual server {VS} - UP"),
            "=> MISC CHECK succeeded on service <=".to_string()
        )]
    );
    let tcp = first_up(
        &mail_conf("TCP_CHECK { connect_timeout 3 }"),
        "=> TCP CHECK succeed on service <=",
    );
    assert!(tcp.is_empty(), "{tcp:?}");
}
