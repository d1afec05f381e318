//! Sync groups on the simulated segment (keepalived's vrrp_sync.c): members move to MASTER,
//! BACKUP and FAULT together, with group notifies.

mod support;

use keepalived_rs::vrrp::event::{Event, NotifyTarget, State};
use support::engine::{DELAY, Sim, micros, secs};

/// Two instances on eth0 (VRIDs 51 and 52) in group G; VI_2 tracks eth1.
fn group_conf(prio: u8, extra_group: &str) -> String {
    format!(
        "vrrp_sync_group G {{\n group {{\n  VI_1\n  VI_2\n }}\n{extra_group}}}\n\
         vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n priority {prio}\n advert_int 1\n virtual_ipaddress {{\n  10.0.0.100\n }}\n}}\n\
         vrrp_instance VI_2 {{\n interface eth0\n virtual_router_id 52\n priority {prio}\n advert_int 1\n track_interface {{\n  eth1\n }}\n virtual_ipaddress {{\n  10.0.0.101\n }}\n}}\n"
    )
}

/// vrrp_sync_can_goto_master() / vrrp_sync_master() / vrrp_sync_fault() / vrrp_sync_backup():
/// the log of a real keepalived 2.2.7 run (`-D`, same configuration, the tracked interface down
/// at 6 s and up at 8 s, SIGTERM at 12 s), line for line.
#[test]
fn matches_recorded_keepalived_run() {
    let mut sim = Sim::new(&[&group_conf(100, "")]);
    sim.start_all();
    sim.run_until(secs(6.0));
    sim.set_link(0, "eth1", false);
    sim.run_until(secs(8.0));
    sim.set_link(0, "eth1", true);
    sim.run_until(secs(12.0));
    sim.event(0, Event::Stop);
    let want = [
        "(VI_1) removing VIPs.",
        "(VI_2) removing VIPs.",
        "(VI_1) Entering BACKUP STATE (init)",
        "(VI_2) Entering BACKUP STATE (init)",
        "(VI_1) Receive advertisement timeout",
        "(VI_2) Receive advertisement timeout",
        "(VI_2) Entering MASTER STATE",
        "(VI_2) setting VIPs.",
        "(VI_2) Sending/queueing gratuitous ARPs on eth0 for 10.0.0.101",
        "VRRP_Group(G) Syncing instances to MASTER state",
        "(VI_1) Entering MASTER STATE",
        "(VI_1) setting VIPs.",
        "(VI_1) Sending/queueing gratuitous ARPs on eth0 for 10.0.0.100",
        "(VI_2) Entering FAULT STATE",
        "(VI_2) sent 0 priority",
        "(VI_2) removing VIPs.",
        "VRRP_Group(G) Syncing instances to FAULT state",
        "(VI_1) Entering FAULT STATE",
        "(VI_1) removing VIPs.",
        "(VI_2) Entering BACKUP STATE",
        "VRRP_Group(G) Syncing instances to BACKUP state",
        "(VI_1) Entering BACKUP STATE",
        "(VI_2) Receive advertisement timeout",
        "(VI_1) Receive advertisement timeout",
        "(VI_1) Entering MASTER STATE",
        "(VI_1) setting VIPs.",
        "(VI_1) Sending/queueing gratuitous ARPs on eth0 for 10.0.0.100",
        "VRRP_Group(G) Syncing instances to MASTER state",
        "(VI_2) Entering MASTER STATE",
        "(VI_2) setting VIPs.",
        "(VI_2) Sending/queueing gratuitous ARPs on eth0 for 10.0.0.101",
        "(VI_1) sent 0 priority",
        "(VI_1) removing VIPs.",
        "(VI_2) sent 0 priority",
        "(VI_2) removing VIPs.",
    ];
    assert_eq!(sim.texts(0), want);
    // Group notifies: BACKUP at start, then each transition, STOP at the end.
    let g: Vec<_> = sim
        .notifies(0)
        .into_iter()
        .filter(|n| n.1 == NotifyTarget::Group(0))
        .map(|n| (n.0, n.2))
        .collect();
    let m1 = micros(3_609_375);
    let m2 = secs(8.0) + micros(3_609_375);
    assert_eq!(
        g,
        [
            (secs(0.0), State::Backup),
            (m1, State::Master),
            (secs(6.0), State::Fault),
            (secs(8.0), State::Backup),
            (m2, State::Master),
            (secs(12.0), State::Stop)
        ]
    );
    assert_eq!(
        sim.inotifies(0, 0),
        [
            (secs(0.0), State::Backup),
            (m1, State::Master),
            (secs(6.0), State::Fault),
            (secs(8.0), State::Backup),
            (m2, State::Master),
            (secs(12.0), State::Stop)
        ]
    );
}

/// vrrp_sync_can_goto_master(): a member whose timer runs out first waits (another
/// Master_Down_Interval) until every member wants MASTER; they then change together.
#[test]
fn member_waits_for_the_others() {
    let conf = group_conf(100, "").replace(
        "priority 100\n advert_int 1\n track_interface",
        "priority 50\n advert_int 1\n track_interface",
    );
    let mut sim = Sim::new(&[&conf]);
    sim.start_all();
    sim.run_until(secs(10.0));
    // VI_1 (priority 100) times out at 3.609375 s but VI_2 (priority 50) only at 3.8046875 s.
    assert_eq!(
        sim.first(0, "(VI_1) Receive advertisement timeout"),
        Some(micros(3_609_375))
    );
    let t = micros(3_804_687);
    assert_eq!(sim.first(0, "(VI_2) Entering MASTER STATE"), Some(t));
    assert_eq!(sim.first(0, "(VI_1) Entering MASTER STATE"), Some(t));
    assert_eq!(sim.nodes[0].engine.group_state(0), State::Master);
}

/// Two nodes with a group each: a fault of one member on the master moves the whole group to
/// FAULT with priority 0 adverts, and the other node's group takes over after the skew time.
#[test]
fn fault_of_one_member_fails_over_the_group() {
    let mut sim = Sim::new(&[&group_conf(150, ""), &group_conf(100, "")]);
    sim.start_all();
    sim.run_until(secs(10.0));
    assert_eq!(sim.nodes[0].engine.group_state(0), State::Master);
    assert_eq!(sim.nodes[1].engine.group_state(0), State::Backup);
    sim.set_link(0, "eth1", false);
    let t = secs(10.0);
    // VI_2: one priority 0 advert leaving MASTER for FAULT, one from vrrp_restore_interface().
    let z2: Vec<_> = sim
        .adverts(0, 52)
        .into_iter()
        .filter(|a| a.0 == t)
        .map(|a| a.1)
        .collect();
    assert_eq!(z2, [0, 0]);
    let z1: Vec<_> = sim
        .adverts(0, 51)
        .into_iter()
        .filter(|a| a.0 == t)
        .map(|a| a.1)
        .collect();
    assert_eq!(z1, [0]);
    assert_eq!(sim.nodes[0].engine.stats(1).pri_zero_sent, 1);
    assert_eq!(sim.nodes[0].engine.stats(0).pri_zero_sent, 0);
    sim.run_until(secs(20.0));
    let m = t + DELAY + micros(609_375);
    assert_eq!(sim.first(1, "(VI_2) Entering MASTER STATE"), Some(m));
    assert_eq!(sim.first(1, "(VI_1) Entering MASTER STATE"), Some(m));
    assert_eq!(sim.nodes[1].engine.group_state(0), State::Master);
    assert_eq!(sim.state(0, 0), State::Fault);
    assert_eq!(sim.state(0, 1), State::Fault);
    assert_eq!(sim.nodes[0].engine.group_state(0), State::Fault);
}

/// vrrp_state_master_rx() through vrrp_sync_backup(): when one member of a master group hears a
/// higher priority master, the whole group goes BACKUP.
#[test]
fn preempted_member_takes_the_group_to_backup() {
    let low = group_conf(100, "");
    let high = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 200\n advert_int 1\n virtual_ipaddress {\n  10.0.0.100\n }\n}\n";
    let mut sim = Sim::new(&[&low, high]);
    sim.start(0);
    sim.start_at(secs(10.0), 1);
    sim.run_until(secs(20.0));
    let t = secs(10.0) + micros(3_218_750) + DELAY;
    assert_eq!(sim.first(0, "(VI_1) Entering BACKUP STATE"), Some(t));
    assert_eq!(sim.first(0, "VRRP_Group(G) Syncing instances to BACKUP state"), Some(t));
    assert_eq!(sim.first(0, "(VI_2) Entering BACKUP STATE"), Some(t));
    assert_eq!(sim.nodes[0].engine.group_state(0), State::Backup);
}

/// initialise_tracking_priorities() / vrrp_complete_init() / vrrp_init_state(): a group whose
/// member is down at startup starts in FAULT, every member logging "entering FAULT state";
/// when the interface comes up the group goes BACKUP then MASTER. The log of a real keepalived
/// 2.2.7 run (`-D`, tracked interface up at 2 s, SIGTERM at 8 s), line for line.
#[test]
fn group_fault_at_startup_matches_recorded_run() {
    let mut sim = Sim::new(&[&group_conf(100, "")]);
    sim.set_link(0, "eth1", false);
    sim.start_all();
    assert_eq!(sim.state(0, 0), State::Fault);
    assert_eq!(sim.nodes[0].engine.group_state(0), State::Fault);
    assert_eq!(sim.nodes[0].engine.next_deadline(), None);
    assert_eq!(sim.inotifies(0, 0), [(secs(0.0), State::Fault)]);
    sim.run_until(secs(2.0));
    sim.set_link(0, "eth1", true);
    sim.run_until(secs(8.0));
    sim.event(0, Event::Stop);
    let want = [
        "(VI_2): entering FAULT state (interface eth1 down)",
        "VRRP_Group(G): Syncing VI_2 to FAULT state",
        "(VI_1) entering FAULT state",
        "(VI_2) entering FAULT state",
        "(VI_1) removing VIPs.",
        "(VI_2) removing VIPs.",
        "(VI_2) Entering BACKUP STATE",
        "VRRP_Group(G) Syncing instances to BACKUP state",
        "(VI_1) Entering BACKUP STATE",
        "(VI_2) Receive advertisement timeout",
        "(VI_1) Receive advertisement timeout",
        "(VI_1) Entering MASTER STATE",
        "(VI_1) setting VIPs.",
        "(VI_1) Sending/queueing gratuitous ARPs on eth0 for 10.0.0.100",
        "VRRP_Group(G) Syncing instances to MASTER state",
        "(VI_2) Entering MASTER STATE",
        "(VI_2) setting VIPs.",
        "(VI_2) Sending/queueing gratuitous ARPs on eth0 for 10.0.0.101",
        "(VI_1) sent 0 priority",
        "(VI_1) removing VIPs.",
        "(VI_2) sent 0 priority",
        "(VI_2) removing VIPs.",
    ];
    assert_eq!(sim.texts(0), want);
    assert_eq!(
        sim.first(0, "(VI_1) Entering MASTER STATE"),
        Some(secs(2.0) + micros(3_609_375))
    );
}

/// sync_group_tracking_init(): a group's track_script applies to every member; unweighted, its
/// failure faults the group.
#[test]
fn group_track_script() {
    let conf = format!(
        "vrrp_script chk {{\n script /bin/true\n}}\n{}",
        group_conf(100, " track_script {\n  chk\n }\n")
    );
    let mut sim = Sim::new(&[&conf]);
    sim.start_all();
    assert_eq!(sim.state(0, 0), State::Fault);
    sim.run_until(secs(0.5));
    sim.script(0, "chk", 0);
    sim.run_until(secs(5.0));
    assert_eq!(sim.nodes[0].engine.group_state(0), State::Master);
    sim.script(0, "chk", 1);
    assert_eq!(sim.nodes[0].engine.group_state(0), State::Fault);
    assert_eq!(sim.state(0, 0), State::Fault);
    assert_eq!(sim.state(0, 1), State::Fault);
}

/// `sync_group_tracking_weight`: weighted trackers of the group change each member's priority.
#[test]
fn group_tracking_weight() {
    let conf = format!(
        "vrrp_script chk {{\n script /bin/true\n weight 20\n}}\n{}",
        group_conf(100, " track_script {\n  chk\n }\n sync_group_tracking_weight\n")
    );
    let mut sim = Sim::new(&[&conf]);
    sim.start_all();
    sim.run_until(secs(0.5));
    sim.script(0, "chk", 0);
    assert_eq!(sim.nodes[0].engine.effective_priority(0), 120);
    assert_eq!(sim.nodes[0].engine.effective_priority(1), 120);
    assert!(
        sim.texts(0)
            .contains(&"(VI_2) Changing effective priority from 100 to 120".to_string())
    );
}
