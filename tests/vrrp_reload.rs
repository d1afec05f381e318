//! Reload (SIGHUP) in the sans-IO engine, as keepalived 2.2.7's `reload_vrrp_thread()` does it:
//! state kept for instances `vrrp_exist()` matches, differences removed as explicit data,
//! deleted instances released. Simulated clock: times are exact.
//!
//! The expectations were checked against Debian's keepalived 2.2.7 in a network namespace
//! (instances kept, changed, renamed, deleted with and without `notify_deleted`, a weighted
//! script; its log, notify script arguments, `ip monitor address` and captured adverts).

mod support;

use keepalived_rs::vrrp::event::{Action, State};
use keepalived_rs::vrrp::packet;
use keepalived_rs::vrrp::reload::{ReloadPlan, ReloadStep};
use support::engine::{DELAY, Sim, micros, secs};
use support::reload::{deleted, notifies_after, plan_texts, reload, removed_addresses};

/// An instance on eth0, advert_int 1, with these VIPs.
fn inst(name: &str, vrid: u8, prio: u8, vips: &[&str], extra: &str) -> String {
    let vips: String = vips.iter().map(|v| format!("  {v}\n")).collect();
    format!(
        "vrrp_instance {name} {{\n interface eth0\n virtual_router_id {vrid}\n priority {prio}\n advert_int 1\n virtual_ipaddress {{\n{vips} }}\n{extra}}}\n"
    )
}

/// The steps of a plan as short strings ("D " marks detail lines).
fn render(plan: &ReloadPlan) -> Vec<String> {
    plan.steps
        .iter()
        .map(|s| match s {
            ReloadStep::Act(a) => match a {
                Action::Send(tx) => format!(
                    "send vrid {} prio {}",
                    tx.data[if tx.data[0] >> 4 == 4 { 21 } else { 1 }],
                    packet::priority(tx.family, &tx.data).unwrap()
                ),
                Action::Log(l) => format!("{}{}", if l.detail { "D " } else { "" }, l.text),
                Action::Addresses { instance, up } => {
                    format!("addresses {instance} {}", if *up { "up" } else { "down" })
                }
                Action::Announce { instance, count } => format!("announce {instance} {count}"),
                Action::Notify {
                    target,
                    state,
                    priority,
                } => format!("notify {target:?} {} {priority}", state.as_str()),
                Action::Event { instance, event, .. } => format!("event {instance} {event:?}"),
            },
            ReloadStep::Remove(r) => {
                let mut w: Vec<String> = r.rules.iter().map(|x| format!("rule {:?}", x.from)).collect();
                w.extend(r.routes.iter().map(|x| format!("route {:?}", x.dst)));
                w.extend(
                    r.addresses
                        .iter()
                        .map(|(a, d)| format!("{}/{} {d}", a.addr, a.prefix_len)),
                );
                format!("remove {}", w.join(", "))
            }
            ReloadStep::Deleted(d) => format!("deleted {} {} {}", d.name, d.state_word, d.priority),
            ReloadStep::FifoState {
                target,
                state,
                priority,
            } => format!("fifo {target:?} {} {priority}", state.as_str()),
        })
        .collect()
}

/// The moment a lone priority 100 instance becomes master.
const MASTER_AT: u64 = 3_609_375;

/// A lone node started and run until 10 s (every instance MASTER by then).
fn lone(conf: &str) -> Sim {
    let mut sim = Sim::new(&[conf]);
    sim.start_all();
    sim.run_until(secs(10.0));
    sim
}

/// vrrp.c clear_diff_vrrp_vip() + restore_vrrp_state(), vrrp_daemon.c sigreload_vrrp(): a
/// master stays master; the VIP that left is removed, the one that stays is only re-added
/// (existing addresses are left alone), GARPs because one VIP is new. No transition, no notify.
#[test]
fn master_stays_master_across_a_vip_change() {
    let v1 = inst("VI_1", 51, 100, &["10.0.0.100", "10.0.0.101"], "");
    let v2 = inst("VI_1", 51, 100, &["10.0.0.100", "10.0.0.104"], "");
    let mut sim = lone(&v1);
    assert_eq!(sim.state(0, 0), State::Master);
    let plan = reload(&mut sim, 0, &v2);
    assert_eq!(
        render(&plan),
        [
            "send vrid 51 prio 100",
            "(VI_1) ip address 10.0.0.101/32 dev eth0, no longer exist",
            "remove 10.0.0.101/32 eth0",
            "D (VI_1) setting VIPs.",
            "addresses 0 up",
            "D (VI_1) Sending/queueing gratuitous ARPs on eth0 for 10.0.0.100",
            "D (VI_1) Sending/queueing gratuitous ARPs on eth0 for 10.0.0.104",
            "announce 0 5",
        ]
    );
    assert_eq!(plan.matched, [Some(0)]);
    sim.run_until(secs(13.5));
    assert_eq!(sim.state(0, 0), State::Master);
    // The advert at SIGHUP, one at once after the reload, then every second from the reload.
    let adv: Vec<_> = sim
        .adverts(0, 51)
        .into_iter()
        .filter(|a| a.0 >= secs(10.0))
        .map(|a| a.0)
        .collect();
    assert_eq!(adv, [secs(10.0), secs(10.0), secs(11.0), secs(12.0), secs(13.0)]);
    assert!(notifies_after(&sim, 0, 0, secs(9.9)).is_empty());
    let entering: Vec<_> = sim
        .logs(0)
        .into_iter()
        .filter(|(t, l)| *t >= secs(10.0) && l.text.contains("Entering"))
        .collect();
    assert!(entering.is_empty(), "{entering:?}");
}

/// keepalived copies the old VIPs' "set" flag (address_exist()), so an unchanged master
/// re-adds nothing and sends no GARP; "setting VIPs." is still logged.
#[test]
fn unchanged_master_sends_no_garps_and_removes_nothing() {
    let v1 = inst("VI_1", 51, 100, &["10.0.0.100", "10.0.0.101"], "");
    let mut sim = lone(&v1);
    let plan = reload(&mut sim, 0, &v1);
    assert_eq!(
        render(&plan),
        ["send vrid 51 prio 100", "D (VI_1) setting VIPs.", "addresses 0 up"]
    );
}

/// vrrp_init_state() on reload: a backup stays backup without a log line or notify, and its
/// Master_Down timer restarts at the reload.
#[test]
fn backup_stays_backup_and_restarts_its_timer() {
    let m = inst("VI_1", 51, 200, &["10.0.0.100"], "");
    let b1 = inst("VI_1", 51, 100, &["10.0.0.100"], "");
    // What adverts do not carry may change (changed VIPs would make the master's adverts fail
    // the backup's checks).
    let b2 = inst(
        "VI_1",
        51,
        110,
        &["10.0.0.100"],
        " virtual_ipaddress_excluded {\n  10.0.0.150\n }\n",
    );
    let mut sim = Sim::new(&[&m, &b1]);
    sim.start_all();
    sim.run_until(secs(10.0));
    assert_eq!(sim.state(1, 0), State::Backup);
    let plan = reload(&mut sim, 1, &b2);
    // A backup sends nothing at SIGHUP and has nothing set.
    assert!(render(&plan).is_empty(), "{:?}", render(&plan));
    // Master_Down_Interval at the new priority: 3 s + (256 - 110) / 256 s.
    assert_eq!(
        sim.nodes[1].engine.next_deadline(),
        Some(secs(10.0) + micros(3_570_312))
    );
    sim.run_until(secs(20.0));
    assert_eq!(sim.state(1, 0), State::Backup);
    assert!(notifies_after(&sim, 1, 0, secs(9.9)).is_empty());
    // The master still counts: the backup takes over Master_Down_Interval after its last advert.
    sim.nodes[0].cut = true;
    sim.run_until(secs(30.0));
    let last = sim
        .adverts(0, 51)
        .iter()
        .map(|a| a.0)
        .filter(|t| *t <= secs(20.0))
        .max()
        .unwrap();
    assert_eq!(
        sim.first(1, "(VI_1) Entering MASTER STATE"),
        Some(last + DELAY + micros(3_570_312))
    );
}

/// vrrp.c clear_diff_vrrp(): a deleted master sends priority 0 and removes its VIPs; without
/// `notify_deleted` it notifies FAULT (generic notify only), with it DELETED (and its script).
/// A deleted backup only notifies. Measured with keepalived: "INSTANCE VI_2 FAULT 100",
/// "INSTANCE VI_5 DELETED 100".
#[test]
fn deleted_instances_are_released_and_notified() {
    let notify = " notify /bin/true\n";
    let a = inst("VI_1", 51, 100, &["10.0.0.100"], notify);
    let b = inst("VI_2", 52, 100, &["10.0.0.102"], notify);
    let c = inst(
        "VI_5",
        55,
        100,
        &["10.0.0.105"],
        &format!("{notify} notify_deleted /bin/echo\n"),
    );
    let mut sim = lone(&format!("{a}{b}{c}"));
    let plan = reload(&mut sim, 0, &a);
    assert_eq!(
        render(&plan),
        [
            "send vrid 51 prio 100",
            "send vrid 52 prio 100",
            "send vrid 55 prio 100",
            "send vrid 52 prio 0",
            "D (VI_2) sent 0 priority",
            "D (VI_2) removing VIPs.",
            "remove 10.0.0.102/32 eth0",
            "deleted VI_2 FAULT 100",
            "send vrid 55 prio 0",
            "D (VI_5) sent 0 priority",
            "D (VI_5) removing VIPs.",
            "remove 10.0.0.105/32 eth0",
            "deleted VI_5 DELETED 100",
            "D (VI_1) setting VIPs.",
            "addresses 0 up",
        ]
    );
    let d = deleted(&plan);
    assert_eq!(d[0].script, None);
    assert!(d[0].generic.is_some());
    assert!(d[1].script.as_ref().is_some_and(|s| s.args[0].ends_with("/echo")));
    assert_eq!((d[0].instance, d[1].instance), (1, 2));
}

/// clear_diff_vrrp(): a deleted BACKUP sends nothing and removes nothing; a deleted FAULT
/// instance notifies only with `notify_deleted`.
#[test]
fn deleted_backup_and_fault_instances() {
    let keep = inst("VI_1", 51, 100, &["10.0.0.100"], "");
    let backup = inst("VI_2", 52, 100, &["10.0.0.102"], "");
    let fault = inst("VI_3", 53, 100, &["10.0.0.103"], " track_interface {\n  eth1\n }\n");
    let fault_nd = inst(
        "VI_4",
        54,
        100,
        &["10.0.0.104"],
        " track_interface {\n  eth1\n }\n notify_deleted\n",
    );
    let mut sim = Sim::new(&[&format!("{keep}{backup}{fault}{fault_nd}")]);
    sim.start_all();
    sim.set_link(0, "eth1", false);
    sim.run_until(secs(1.0));
    assert_eq!(sim.state(0, 1), State::Backup);
    assert_eq!(sim.state(0, 2), State::Fault);
    let plan = reload(&mut sim, 0, &keep);
    assert_eq!(render(&plan), ["deleted VI_2 FAULT 100", "deleted VI_4 DELETED 100"]);
}

/// vrrp_exist() matches on VRID, family, interface, unicast and multicast group, not on the
/// name: a renamed instance keeps its state (measured: "(VI_3b) setting VIPs.", no notify). A
/// new VRID is a deleted instance and a new one.
#[test]
fn renamed_instance_is_kept_new_vrid_is_deleted_and_new() {
    let n = " notify /bin/true\n";
    let old = format!(
        "{}{}",
        inst("VI_1", 51, 100, &["10.0.0.100"], n),
        inst("VI_3", 53, 100, &["10.0.0.103"], n)
    );
    let new = format!(
        "{}{}",
        inst("VI_1", 61, 100, &["10.0.0.100"], n),
        inst("VI_3b", 53, 100, &["10.0.0.103"], n)
    );
    let mut sim = lone(&old);
    let plan = reload(&mut sim, 0, &new);
    assert_eq!(plan.matched, [None, Some(1)]);
    assert_eq!(
        render(&plan),
        [
            "send vrid 51 prio 100",
            "send vrid 53 prio 100",
            "send vrid 51 prio 0",
            "D (VI_1) sent 0 priority",
            "D (VI_1) removing VIPs.",
            "remove 10.0.0.100/32 eth0",
            "deleted VI_1 FAULT 100",
            "D (VI_3b) setting VIPs.",
            "addresses 1 up",
            "(VI_1) Entering BACKUP STATE (init)",
            "notify Instance(0) BACKUP 100",
        ]
    );
    sim.run_until(secs(20.0));
    assert_eq!(sim.state(0, 1), State::Master);
    assert_eq!(sim.first(0, "(VI_3b) Entering MASTER STATE"), None);
    assert_eq!(sim.state(0, 0), State::Master);
}

/// A `vrrp_script` block.
fn script(name: &str, weight: i32) -> String {
    format!("vrrp_script {name} {{\n script /bin/true\n interval 1\n weight {weight}\n}}\n")
}

/// Tracks these scripts.
fn tracking(names: &[&str]) -> String {
    let l: String = names.iter().map(|n| format!("  {n}\n")).collect();
    format!(" track_script {{\n{l} }}\n")
}

/// vrrp.c clear_diff_script() and vrrp_track.c initialise_track_script_state(): the script's
/// result carries over ("considered successful on reload"), its weight counts at once, so the
/// new configured priority 120 becomes 130 with keepalived's line (measured: the same two lines
/// in this order). The advert at SIGHUP has the old priority, the next one the new.
#[test]
fn weighted_script_carried_and_priority_lines() {
    let v1 = format!(
        "{}{}",
        script("chk", 10),
        inst("VI_1", 51, 100, &["10.0.0.100"], &tracking(&["chk"]))
    );
    let v2 = format!(
        "{}{}",
        script("chk", 10),
        inst("VI_1", 51, 120, &["10.0.0.100"], &tracking(&["chk"]))
    );
    let mut sim = Sim::new(&[&v1]);
    sim.start_all();
    sim.script(0, "chk", 0);
    assert!(
        sim.texts(0)
            .contains(&"(VI_1) Changing effective priority from 100 to 110".to_string())
    );
    sim.run_until(secs(10.0));
    let plan = reload(&mut sim, 0, &v2);
    assert_eq!(
        render(&plan),
        [
            "send vrid 51 prio 110",
            "VRRP_Script(chk) considered successful on reload",
            "(VI_1) Changing effective priority from 120 to 130",
            "D (VI_1) setting VIPs.",
            "addresses 0 up",
        ]
    );
    sim.run_until(secs(10.5));
    let after: Vec<_> = sim
        .adverts(0, 51)
        .into_iter()
        .filter(|a| a.0 >= secs(10.0))
        .map(|a| a.1)
        .collect();
    assert_eq!(after, [110, 130]);
    assert_eq!(sim.nodes[0].engine.effective_priority(0), 130);
}

/// keepalived logs no priority change for a new configured priority alone (the new instance
/// starts at it); adverts carry it from the reload on.
#[test]
fn configured_priority_change_is_silent() {
    let v1 = inst("VI_1", 51, 100, &["10.0.0.100"], "");
    let v2 = inst("VI_1", 51, 150, &["10.0.0.100"], "");
    let mut sim = lone(&v1);
    let plan = reload(&mut sim, 0, &v2);
    assert!(
        !plan_texts(&plan).iter().any(|t| t.contains("priority")),
        "{:?}",
        plan_texts(&plan)
    );
    sim.run_until(secs(10.5));
    let after: Vec<_> = sim
        .adverts(0, 51)
        .into_iter()
        .filter(|a| a.0 >= secs(10.0))
        .map(|a| a.1)
        .collect();
    assert_eq!(after, [100, 150]);
}

/// clear_diff_script() "considered unsuccessful on reload": an instance FAULT through its
/// script stays FAULT ("entering FAULT state due to script", but no second "entering FAULT
/// state" and no notify: vrrp_complete_init() skips instances already FAULT), and comes up on
/// the script's next success.
#[test]
fn failed_script_keeps_instance_in_fault() {
    let conf = format!(
        "{}{}",
        script("chk", 0),
        inst("VI_1", 51, 100, &["10.0.0.100"], &tracking(&["chk"]))
    );
    let mut sim = Sim::new(&[&conf]);
    sim.start_all();
    sim.script(0, "chk", 1);
    sim.run_until(secs(10.0));
    assert_eq!(sim.state(0, 0), State::Fault);
    let plan = reload(&mut sim, 0, &conf);
    assert_eq!(
        render(&plan),
        [
            "VRRP_Script(chk) considered unsuccessful on reload",
            "(VI_1): entering FAULT state due to script chk",
        ]
    );
    assert_eq!(sim.state(0, 0), State::Fault);
    sim.script(0, "chk", 0);
    assert_eq!(sim.state(0, 0), State::Backup);
    sim.run_until(secs(20.0));
    assert_eq!(sim.state(0, 0), State::Master);
}

/// A script added at the reload is keepalived's SCRIPT_INIT_STATE_INIT_RELOAD: it neither holds
/// nor faults the master until it reports; its first success changes nothing, a failure takes
/// the instance to FAULT.
#[test]
fn script_added_at_reload_does_not_hold_the_master() {
    let v1 = inst("VI_1", 51, 100, &["10.0.0.100"], "");
    let v2 = format!(
        "{}{}",
        script("chk", 0),
        inst("VI_1", 51, 100, &["10.0.0.100"], &tracking(&["chk"]))
    );
    let mut sim = lone(&v1);
    let plan = reload(&mut sim, 0, &v2);
    assert_eq!(
        render(&plan),
        ["send vrid 51 prio 100", "D (VI_1) setting VIPs.", "addresses 0 up"]
    );
    sim.run_until(secs(11.0));
    sim.script(0, "chk", 0);
    assert_eq!(sim.state(0, 0), State::Master);
    sim.run_until(secs(12.0));
    sim.script(0, "chk", 1);
    assert_eq!(sim.state(0, 0), State::Fault);
    assert!(sim.texts(0).contains(&"(VI_1) Entering FAULT STATE".to_string()));
}

/// A script that never reported before the reload is still in INIT afterwards: it holds its
/// instance as at start-up.
#[test]
fn script_without_result_still_holds_after_reload() {
    let conf = format!(
        "{}{}",
        script("chk", 0),
        inst("VI_1", 51, 100, &["10.0.0.100"], &tracking(&["chk"]))
    );
    let mut sim = lone(&conf);
    assert_eq!(sim.state(0, 0), State::Fault);
    let plan = reload(&mut sim, 0, &conf);
    assert!(render(&plan).is_empty(), "{:?}", render(&plan));
    sim.run_until(secs(20.0));
    assert_eq!(sim.state(0, 0), State::Fault);
    sim.script(0, "chk", 0);
    assert_eq!(sim.state(0, 0), State::Backup);
}

/// A sync group.
fn group(name: &str, members: &[&str]) -> String {
    let m: String = members.iter().map(|n| format!("  {n}\n")).collect();
    format!("vrrp_sync_group {name} {{\n group {{\n{m} }}\n notify /bin/true\n}}\n")
}

/// vrrp_complete_init() on reload makes a group MASTER when all its members are, and
/// set_previous_sync_group_states() suppresses group notifies for an unchanged state: neither
/// the members nor the group notify again.
#[test]
fn sync_groups_keep_their_state_without_notifies() {
    let a = inst("VI_1", 51, 100, &["10.0.0.100"], "");
    let b = inst("VI_2", 52, 100, &["10.0.0.102"], "");
    let c = inst("VI_3", 53, 100, &["10.0.0.103"], "");
    let d = inst("VI_4", 54, 100, &["10.0.0.104"], "");
    let peer_c = inst("VI_3", 53, 200, &["10.0.0.103"], "");
    let peer_d = inst("VI_4", 54, 200, &["10.0.0.104"], "");
    let conf = format!(
        "{}{}{a}{b}{c}{d}",
        group("G1", &["VI_1", "VI_2"]),
        group("G2", &["VI_3", "VI_4"])
    );
    let mut sim = Sim::new(&[&conf, &format!("{}{peer_c}{peer_d}", group("G2", &["VI_3", "VI_4"]))]);
    sim.start_all();
    sim.run_until(secs(10.0));
    let e = &sim.nodes[0].engine;
    assert_eq!((e.group_state(0), e.group_state(1)), (State::Master, State::Backup));
    let before = sim.notifies(0).len();
    let plan = reload(&mut sim, 0, &conf);
    assert_eq!(
        render(&plan),
        [
            "send vrid 51 prio 100",
            "send vrid 52 prio 100",
            "D (VI_1) setting VIPs.",
            "addresses 0 up",
            "D (VI_2) setting VIPs.",
            "addresses 1 up",
        ]
    );
    sim.run_until(secs(20.0));
    assert_eq!(sim.notifies(0).len(), before);
    let e = &sim.nodes[0].engine;
    assert_eq!((e.group_state(0), e.group_state(1)), (State::Master, State::Backup));
    // A renamed group is a new one to set_previous_sync_group_states(): BACKUP is notified.
    let renamed = conf.replace("G2", "G3");
    let plan = reload(&mut sim, 0, &renamed);
    assert_eq!(
        render(&plan)[2..],
        [
            "D (VI_1) setting VIPs.",
            "addresses 0 up",
            "D (VI_2) setting VIPs.",
            "addresses 1 up",
            "notify Group(1) BACKUP 0",
        ]
    );
}

/// restore_vrrp_state() copies the counters; the advert at SIGHUP counts in them.
#[test]
fn stats_are_carried() {
    let conf = inst("VI_1", 51, 100, &["10.0.0.100"], "");
    let mut sim = lone(&conf);
    let before = sim.nodes[0].engine.stats(0).clone();
    assert_eq!(before.become_master, 1);
    reload(&mut sim, 0, &conf);
    let after = sim.nodes[0].engine.stats(0).clone();
    assert_eq!(after.advert_sent, before.advert_sent + 1);
    assert_eq!(after.become_master, 1);
    sim.run_until(secs(12.5));
    assert_eq!(sim.nodes[0].engine.stats(0).advert_sent, before.advert_sent + 4);
}

/// restore_vrrp_state() keeps the AH sequence number: were it reset, the backup would drop the
/// master's adverts as replays and take over.
#[test]
fn ah_sequence_number_is_carried() {
    let ah = " authentication {\n  auth_type AH\n  auth_pass secret\n }\n";
    let m = inst("VI_1", 51, 200, &["10.0.0.100"], ah);
    let m2 = inst(
        "VI_1",
        51,
        200,
        &["10.0.0.100"],
        &format!("{ah} virtual_ipaddress_excluded {{\n  10.0.0.150\n }}\n"),
    );
    let b = inst("VI_1", 51, 100, &["10.0.0.100"], ah);
    let mut sim = Sim::new(&[&m, &b]);
    sim.start_all();
    sim.run_until(secs(10.0));
    assert_eq!((sim.state(0, 0), sim.state(1, 0)), (State::Master, State::Backup));
    reload(&mut sim, 0, &m2);
    sim.run_until(secs(30.0));
    assert_eq!((sim.state(0, 0), sim.state(1, 0)), (State::Master, State::Backup));
    assert!(
        !sim.texts(1).iter().any(|t| t.contains("already processed")),
        "{:?}",
        sim.texts(1)
    );
}

/// keepalived removes a VIP that left an instance even when another master takes it in the
/// same reload (and whether it then survives depends on the order of the instances). Here an
/// address a master of the new configuration has is never removed.
#[test]
fn vip_moving_to_another_master_is_not_removed() {
    let v1 = format!(
        "{}{}",
        inst("VI_1", 51, 100, &["10.0.0.100", "10.0.0.101"], ""),
        inst("VI_2", 52, 100, &["10.0.0.102"], "")
    );
    let v2 = format!(
        "{}{}",
        inst("VI_1", 51, 100, &["10.0.0.100"], ""),
        inst("VI_2", 52, 100, &["10.0.0.102", "10.0.0.101"], "")
    );
    let mut sim = lone(&v1);
    let plan = reload(&mut sim, 0, &v2);
    assert!(removed_addresses(&plan).is_empty(), "{:?}", render(&plan));
    // keepalived's line is still logged.
    assert!(plan_texts(&plan).contains(&"(VI_1) ip address 10.0.0.101/32 dev eth0, no longer exist".to_string()));
    assert!(plan.actions().any(|a| *a == Action::Announce { instance: 1, count: 5 }));
    // A deleted master's addresses that a kept master now has stay too.
    let v3 = inst("VI_1", 51, 100, &["10.0.0.100", "10.0.0.101", "10.0.0.102"], "");
    let plan = reload(&mut sim, 0, &v3);
    assert!(removed_addresses(&plan).is_empty(), "{:?}", render(&plan));
}

/// clear_diff_static_addresses() / _routes() / _rules(): static entries that left are removed
/// first, as the old configuration had them; an address that became a VIP of a master stays.
#[test]
fn static_entries_that_left_are_removed() {
    let statics = "static_ipaddress {\n 10.0.5.1/24 dev eth1\n 10.0.0.101/32 dev eth0\n}\nstatic_routes {\n 10.60.0.0/16 via 10.0.5.254\n}\nstatic_rules {\n from 10.61.0.0/16 table 100\n}\n";
    let v1 = format!("{statics}{}", inst("VI_1", 51, 100, &["10.0.0.100"], ""));
    let v2 = inst("VI_1", 51, 100, &["10.0.0.100", "10.0.0.101"], "");
    let mut sim = lone(&v1);
    let plan = reload(&mut sim, 0, &v2);
    let r = render(&plan);
    assert_eq!(
        r[1],
        "remove rule Some((10.61.0.0, 16)), route Some((10.60.0.0, 16)), 10.0.5.1/24 eth1"
    );
    assert!(!r.iter().skip(2).any(|s| s.starts_with("remove")), "{r:?}");
}

/// clear_diff_vrrp_vroutes() / _vrules(): a master's routes and rules that left are removed
/// (with keepalived's lines: "Removing route" under -D, "Removing a VirtualRule block" always
/// when all rules went), the others stay.
#[test]
fn virtual_routes_and_rules_diff() {
    let r1 = " virtual_routes {\n  10.50.0.0/16 via 10.0.0.254\n  10.51.0.0/16 via 10.0.0.254\n }\n virtual_rules {\n  from 10.53.0.0/16 table 100\n }\n";
    let r2 = " virtual_routes {\n  10.50.0.0/16 via 10.0.0.254\n }\n";
    let mut sim = lone(&inst("VI_1", 51, 100, &["10.0.0.100"], r1));
    let plan = reload(&mut sim, 0, &inst("VI_1", 51, 100, &["10.0.0.100"], r2));
    assert_eq!(
        render(&plan)[1..4],
        [
            "Removing a VirtualRule block",
            "D Removing route 10.51.0.0/16",
            "remove rule Some((10.53.0.0, 16)), route Some((10.51.0.0, 16))",
        ]
    );
    let removed = plan.removed();
    assert_eq!(removed.routes.len(), 1);
    assert_eq!(removed.rules.len(), 1);
}

/// vrrp_complete_init() on reload: a tracker now down puts a former master in FAULT ("entering
/// FAULT state", notified); vrrp_init_state() then removes its addresses. keepalived sends no
/// priority 0 advert here, so the peer takes over after Master_Down_Interval.
#[test]
fn master_faulty_after_reload_releases_its_addresses() {
    let m = inst("VI_1", 51, 200, &["10.0.0.100"], "");
    let m2 = inst("VI_1", 51, 200, &["10.0.0.100"], " track_interface {\n  eth1\n }\n");
    let b = inst("VI_1", 51, 100, &["10.0.0.100"], "");
    let mut sim = Sim::new(&[&m, &b]);
    sim.start_all();
    sim.run_until(secs(10.0));
    sim.nodes[0].ifs[1].up = false;
    let plan = reload(&mut sim, 0, &m2);
    assert_eq!(
        render(&plan),
        [
            "send vrid 51 prio 200",
            "(VI_1): entering FAULT state (interface eth1 down)",
            "(VI_1) entering FAULT state",
            "notify Instance(0) FAULT 200",
            "D (VI_1) removing VIPs.",
            "addresses 0 down",
        ]
    );
    sim.run_until(secs(20.0));
    assert_eq!((sim.state(0, 0), sim.state(1, 0)), (State::Fault, State::Master));
    assert_eq!(
        sim.first(1, "(VI_1) Entering MASTER STATE"),
        Some(secs(10.0) + DELAY + micros(MASTER_AT))
    );
}

/// Unicast instances match on their source address; multicast to unicast is a new instance.
#[test]
fn unicast_matching() {
    let uc = |peer: &str| format!(" unicast_peer {{\n  {peer}\n }}\n");
    let v1 = inst("VI_1", 51, 100, &["10.0.0.100"], &uc("10.0.0.9"));
    let v2 = inst("VI_1", 51, 100, &["10.0.0.100"], &uc("10.0.0.8"));
    let mut sim = lone(&v1);
    let plan = reload(&mut sim, 0, &v2);
    assert_eq!(plan.matched, [Some(0)]);
    let v3 = inst("VI_1", 51, 100, &["10.0.0.100"], "");
    let plan = reload(&mut sim, 0, &v3);
    assert_eq!(plan.matched, [None]);
    assert_eq!(deleted(&plan).len(), 1);
    assert_eq!(sim.state(0, 0), State::Backup);
    let v4 = inst(
        "VI_1",
        51,
        100,
        &["10.0.0.100"],
        &format!(" unicast_src_ip 10.0.0.50\n{}", uc("10.0.0.9")),
    );
    sim.run_until(secs(20.0));
    let plan = reload(&mut sim, 0, &v4);
    assert_eq!(plan.matched, [None]);
}

/// A reload before the start only replaces the configuration; after a stop it does nothing.
#[test]
fn reload_before_start_and_after_stop() {
    let v1 = inst("VI_1", 51, 100, &["10.0.0.100"], "");
    let v2 = format!("{v1}{}", inst("VI_2", 52, 100, &["10.0.0.102"], ""));
    let mut sim = Sim::new(&[&v1]);
    let plan = reload(&mut sim, 0, &v2);
    assert!(plan.steps.is_empty());
    assert_eq!(plan.matched, [None, None]);
    sim.start_all();
    assert_eq!(sim.state(0, 1), State::Backup);
    sim.run_until(secs(10.0));
    sim.event(0, keepalived_rs::vrrp::event::Event::Stop);
    let plan = reload(&mut sim, 0, &v1);
    assert!(plan.steps.is_empty());
    assert!(sim.nodes[0].engine.stopped());
}

/// Engine::states() is what the parent records; a reload changes the identities it reports.
#[test]
fn states_snapshot() {
    let v1 = inst("VI_1", 51, 100, &["10.0.0.100"], "");
    let mut sim = lone(&format!(
        "{v1}{}",
        inst("VI_2", 52, 100, &["10.0.0.102"], " nopreempt\n")
    ));
    let s = sim.nodes[0].engine.states();
    assert_eq!(
        s.iter().map(|x| x.to_line()).collect::<Vec<_>>(),
        ["VI_1 51 eth0 4 1000000 MASTER", "VI_2 52 eth0 4 1000000 MASTER"]
    );
    reload(&mut sim, 0, &v1.replace("VI_1", "VI_A"));
    let s = sim.nodes[0].engine.states();
    assert_eq!(
        s.iter().map(|x| x.to_line()).collect::<Vec<_>>(),
        ["VI_A 51 eth0 4 1000000 MASTER"]
    );
    assert_eq!(s[0].state, State::Master);
}

/// With `garp_master_refresh`, keepalived's instance after a reload has no refresh time yet, so
/// the first advert after the reload sends the refresh GARPs (unless new addresses already
/// did), then every refresh interval again.
#[test]
fn garp_refresh_continues_after_reload() {
    let conf = inst(
        "VI_1",
        51,
        100,
        &["10.0.0.100"],
        " garp_master_refresh 10\n garp_master_refresh_repeat 2\n",
    );
    let mut sim = lone(&conf);
    reload(&mut sim, 0, &conf);
    sim.run_until(secs(25.0));
    let after: Vec<_> = sim.announces(0).into_iter().filter(|a| a.0 >= secs(10.0)).collect();
    assert_eq!(after, [(secs(10.0), 0, 2), (secs(20.0), 0, 2)]);
}

/// vrrp_init_state() with `fifo_write_vrrp_states_on_reload`: groups and instances that do not
/// notify at the reload write their state to the FIFO (a kept master does not: keepalived's
/// reload_master path skips it).
#[test]
fn fifo_states_on_reload() {
    let g = "global_defs {\n fifo_write_vrrp_states_on_reload\n}\nvrrp_sync_group G {\n group {\n  VI_2\n }\n}\n";
    let conf = format!(
        "{g}{}{}{}",
        inst("VI_1", 51, 200, &["10.0.0.100"], ""),
        inst("VI_2", 52, 100, &["10.0.0.102"], ""),
        inst("VI_3", 53, 100, &["10.0.0.103"], "")
    );
    let peer = format!("{g}{}", inst("VI_2", 52, 200, &["10.0.0.102"], ""));
    let mut sim = Sim::new(&[&conf, &peer]);
    sim.start_all();
    sim.run_until(secs(10.0));
    assert_eq!(sim.state(0, 1), State::Backup);
    let plan = reload(&mut sim, 0, &conf);
    let r = render(&plan);
    let fifo: Vec<_> = r.iter().filter(|s| s.starts_with("fifo")).collect();
    assert_eq!(fifo, ["fifo Group(0) BACKUP 0", "fifo Instance(1) BACKUP 100"], "{r:?}");
    // Without the option, nothing of the kind.
    let plain = conf.replace(" fifo_write_vrrp_states_on_reload\n", "");
    let plan = reload(&mut sim, 0, &plain);
    assert!(!render(&plan).iter().any(|s| s.starts_with("fifo")));
}
