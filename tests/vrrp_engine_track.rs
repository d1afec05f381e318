//! Trackers on the simulated segment (keepalived's vrrp_track.c, track_file.c,
//! process_if_status_change()): FAULT and effective priority from interfaces, scripts and
//! files.

mod support;

use keepalived_rs::vrrp::event::{Action, Event, IfState, InstanceEvent, ScriptOutcome, State};
use support::engine::{DELAY, Sim, instance, micros, secs};

fn tf_event(value: i64) -> Event {
    Event::TrackFile {
        name: "tf".into(),
        value,
    }
}

/// down_instance() / try_up_instance() / process_script_update_priority() /
/// process_update_vrrp_track_file_status() / process_if_status_change(): the log of a real
/// keepalived 2.2.7 run (`-D`) with an unweighted script, an unweighted track file and a
/// weighted tracked interface, line for line: file FAULT and back, script FAULT and back, the
/// interface down and up changing the priority.
#[test]
fn matches_recorded_keepalived_run() {
    let conf = "vrrp_script chk {\n script /bin/true\n interval 1\n}\n\
                track_file tf {\n file /tmp/keepalived-rs-engine-tf\n weight 0\n}\n"
        .to_string()
        + &instance(
            "VI_1",
            51,
            100,
            " track_script {\n  chk\n }\n track_file {\n  tf\n }\n track_interface {\n  eth1 weight 10\n }\n",
        );
    let mut sim = Sim::new(&[&conf]);
    sim.start_all();
    for k in 0..20 {
        let status = if (13..15).contains(&k) { 1 } else { 0 };
        sim.at(
            secs(k as f64 + 0.05),
            0,
            Event::ScriptResult {
                name: "chk".into(),
                outcome: ScriptOutcome::Exited(status),
            },
        );
    }
    sim.at(secs(5.5), 0, tf_event(1));
    sim.at(secs(7.5), 0, tf_event(0));
    sim.run_until(secs(17.2));
    sim.set_link(0, "eth1", false);
    sim.run_until(secs(18.2));
    sim.set_link(0, "eth1", true);
    sim.run_until(secs(20.0));
    sim.event(0, Event::Stop);
    let want = [
        "(VI_1) Changing effective priority from 100 to 110",
        "(VI_1) removing VIPs.",
        "VRRP_Script(chk) succeeded",
        "(VI_1) Entering BACKUP STATE",
        "(VI_1) Receive advertisement timeout",
        "(VI_1) Entering MASTER STATE",
        "(VI_1) setting VIPs.",
        "(VI_1) Sending/queueing gratuitous ARPs on eth0 for 10.0.0.100",
        "(VI_1): tracked file tf now FAULT state",
        "(VI_1) Entering FAULT STATE",
        "(VI_1) sent 0 priority",
        "(VI_1) removing VIPs.",
        "(VI_1): tracked file tf leaving FAULT state",
        "(VI_1) Entering BACKUP STATE",
        "(VI_1) Receive advertisement timeout",
        "(VI_1) Entering MASTER STATE",
        "(VI_1) setting VIPs.",
        "(VI_1) Sending/queueing gratuitous ARPs on eth0 for 10.0.0.100",
        "Script `chk` now returning 1",
        "VRRP_Script(chk) failed (exited with status 1)",
        "(VI_1) Entering FAULT STATE",
        "(VI_1) sent 0 priority",
        "(VI_1) removing VIPs.",
        "Script `chk` now returning 0",
        "VRRP_Script(chk) succeeded",
        "(VI_1) Entering BACKUP STATE",
        "(VI_1) Changing effective priority from 110 to 100",
        "(VI_1) Changing effective priority from 100 to 110",
        "(VI_1) Receive advertisement timeout",
        "(VI_1) Entering MASTER STATE",
        "(VI_1) setting VIPs.",
        "(VI_1) Sending/queueing gratuitous ARPs on eth0 for 10.0.0.100",
        "(VI_1) sent 0 priority",
        "(VI_1) removing VIPs.",
    ];
    assert_eq!(sim.texts(0), want);
    // Timer arithmetic: backup at 15.05 s with priority 110 (3 s + 146/256 s); the priority
    // dip to 100 and back moves the timer there and back again.
    assert_eq!(
        sim.log_times(0, "(VI_1) Entering MASTER STATE")[2],
        secs(15.05) + micros(3_570_312)
    );
}

/// vrrp_state_leave_master(wantstate FAULT) + vrrp_restore_interface(advF): the instance's own
/// interface going down faults a master: two priority 0 adverts, the addresses go, FAULT is
/// notified; up again it is BACKUP and takes over a Master_Down_Interval later.
#[test]
fn own_interface_down_and_up() {
    let mut sim = Sim::new(&[&instance("VI_1", 51, 100, "")]);
    sim.start_all();
    sim.run_until(secs(10.0));
    sim.set_link(0, "eth0", false);
    let t = secs(10.0);
    let z: Vec<_> = sim
        .adverts(0, 51)
        .into_iter()
        .filter(|a| a.0 == t)
        .map(|a| a.1)
        .collect();
    assert_eq!(z, [0, 0]);
    assert_eq!(sim.addresses(0).last(), Some(&(t, 0, false)));
    assert_eq!(sim.inotifies(0, 0).last(), Some(&(t, State::Fault)));
    assert_eq!(sim.nodes[0].engine.next_deadline(), None);
    let st = sim.nodes[0].engine.stats(0);
    assert_eq!((st.pri_zero_sent, st.release_master), (1, 1));
    sim.run_until(secs(12.0));
    sim.set_link(0, "eth0", true);
    assert_eq!(sim.first(0, "(VI_1) Entering BACKUP STATE"), Some(secs(12.0)));
    assert_eq!(sim.inotifies(0, 0).last(), Some(&(secs(12.0), State::Backup)));
    sim.run_until(secs(20.0));
    assert_eq!(
        sim.log_times(0, "(VI_1) Entering MASTER STATE")[1],
        secs(12.0) + micros(3_609_375)
    );
}

/// initialise_interface_tracking_priorities() / vrrp_complete_init(): an interface down at
/// startup; no "(init)" line (keepalived 2.2.7 never logs "Entering FAULT STATE (init)").
#[test]
fn interface_down_at_startup() {
    let mut sim = Sim::new(&[&instance("VI_1", 51, 100, "")]);
    sim.set_link(0, "eth0", false);
    sim.start_all();
    assert_eq!(
        sim.texts(0),
        [
            "(VI_1): entering FAULT state (interface eth0 down)",
            "(VI_1) entering FAULT state",
            "(VI_1) removing VIPs."
        ]
    );
    assert_eq!(sim.inotifies(0, 0), [(secs(0.0), State::Fault)]);
    sim.run_until(secs(1.0));
    sim.set_link(0, "eth0", true);
    sim.run_until(secs(10.0));
    assert_eq!(sim.first(0, "(VI_1) Entering BACKUP STATE"), Some(secs(1.0)));
    assert_eq!(
        sim.first(0, "(VI_1) Entering MASTER STATE"),
        Some(secs(1.0) + micros(3_609_375))
    );
}

/// add_vrrp_to_interface(VRRP_NOT_TRACK_IF): with dont_track_primary the instance ignores its
/// own interface's link state.
#[test]
fn dont_track_primary() {
    let mut sim = Sim::new(&[&instance("VI_1", 51, 100, " dont_track_primary\n")]);
    sim.start_all();
    sim.run_until(secs(5.0));
    sim.set_link(0, "eth0", false);
    assert_eq!(sim.state(0, 0), State::Master);
    assert!(sim.texts(0).iter().all(|l| !l.contains("FAULT")));
}

/// process_if_status_change() with weights: up adds |weight|·(±1), down takes it away; at
/// startup only the weight that applies to the current state counts
/// (initialise_interface_tracking_priorities()).
#[test]
fn weighted_track_interface() {
    for (spec, start, down) in [
        ("weight 10", 110, 100),
        ("weight -10", 100, 90),
        ("weight 10 reverse", 90, 100),
        ("weight -10 reverse", 100, 110),
    ] {
        let mut sim = Sim::new(&[&instance(
            "VI_1",
            51,
            100,
            &format!(" track_interface {{\n  eth1 {spec}\n }}\n"),
        )]);
        sim.start_all();
        assert_eq!(sim.nodes[0].engine.effective_priority(0), start, "{spec}");
        sim.run_until(secs(5.0));
        sim.set_link(0, "eth1", false);
        assert_eq!(sim.nodes[0].engine.effective_priority(0), down, "{spec}");
        sim.run_until(secs(6.5));
        // The master's next advert carries the new priority.
        assert_eq!(sim.adverts(0, 51).last().unwrap().1, down, "{spec}");
        sim.set_link(0, "eth1", true);
        assert_eq!(sim.nodes[0].engine.effective_priority(0), start, "{spec}");
        assert_eq!(sim.state(0, 0), State::Master);
    }
}

/// vrrp_set_effective_priority(): a backup's running timer moves by the change of its skew.
#[test]
fn priority_change_moves_backup_timer() {
    let mut sim = Sim::new(&[&instance("VI_1", 51, 100, " track_interface {\n  eth1 weight 50\n }\n")]);
    sim.start_all();
    assert_eq!(sim.nodes[0].engine.effective_priority(0), 150);
    sim.run_until(secs(1.0));
    sim.set_link(0, "eth1", false);
    assert_eq!(
        sim.first(0, "(VI_1) Changing effective priority from 150 to 100"),
        Some(secs(1.0))
    );
    sim.run_until(secs(10.0));
    assert_eq!(sim.first(0, "(VI_1) Entering MASTER STATE"), Some(micros(3_609_375)));
}

/// Priorities are clamped to 1..254 (vrrp_set_effective_priority()).
#[test]
fn priority_clamped() {
    let mut sim = Sim::new(&[&instance(
        "VI_1",
        51,
        200,
        " track_interface {\n  eth1 weight 100\n  eth2 weight -253\n }\n",
    )]);
    sim.start_all();
    assert_eq!(sim.nodes[0].engine.effective_priority(0), 254);
    sim.set_link(0, "eth1", false);
    sim.set_link(0, "eth2", false);
    assert_eq!(sim.nodes[0].engine.effective_priority(0), 1);
}

/// An unweighted track_interface faults the instance; `reverse` faults it while the interface
/// is up.
#[test]
fn unweighted_track_interface() {
    let mut sim = Sim::new(&[&instance("VI_1", 51, 100, " track_interface {\n  eth1\n }\n")]);
    sim.start_all();
    sim.run_until(secs(5.0));
    sim.set_link(0, "eth1", false);
    assert_eq!(sim.state(0, 0), State::Fault);
    assert_eq!(sim.first(0, "(VI_1) Entering FAULT STATE"), Some(secs(5.0)));
    sim.set_link(0, "eth1", true);
    assert_eq!(sim.state(0, 0), State::Backup);

    let mut sim = Sim::new(&[&instance(
        "VI_1",
        51,
        100,
        " track_interface {\n  eth1 weight 0 reverse\n }\n",
    )]);
    sim.start_all();
    assert_eq!(sim.state(0, 0), State::Fault);
    assert_eq!(sim.texts(0)[0], "(VI_1): entering FAULT state (interface eth1 down)");
    sim.set_link(0, "eth1", false);
    assert_eq!(sim.state(0, 0), State::Backup);
}

/// A VIP on another interface makes the instance track it (TRACK_ADDR, unweighted).
#[test]
fn vip_interface_is_tracked() {
    let conf = instance("VI_1", 51, 100, "").replace("  10.0.0.100\n", "  10.0.0.100\n  10.0.1.100 dev eth1\n");
    let mut sim = Sim::new(&[&conf]);
    sim.start_all();
    sim.run_until(secs(5.0));
    sim.set_link(0, "eth1", false);
    assert_eq!(sim.state(0, 0), State::Fault);
}

/// vrrp_script_child_thread() rise/fall with a weight: `fall` failures to lose the weight,
/// `rise` successes to regain it; at start one success is enough and a negative weight only
/// applies on failure.
#[test]
fn script_rise_fall_weight() {
    let conf = "vrrp_script chk {\n script /bin/true\n rise 2\n fall 2\n weight -20\n}\n".to_string()
        + &instance("VI_1", 51, 100, " track_script {\n  chk\n }\n");
    let mut sim = Sim::new(&[&conf]);
    sim.start_all();
    let prio = |sim: &Sim| sim.nodes[0].engine.effective_priority(0);
    sim.script(0, "chk", 0);
    assert_eq!(prio(&sim), 100);
    sim.script(0, "chk", 1);
    assert_eq!(prio(&sim), 100);
    sim.script(0, "chk", 1);
    assert_eq!(prio(&sim), 80);
    sim.script(0, "chk", 0);
    assert_eq!(prio(&sim), 80);
    sim.script(0, "chk", 0);
    assert_eq!(prio(&sim), 100);
    assert_eq!(
        sim.texts(0)[2..],
        [
            "VRRP_Script(chk) succeeded",
            "Script `chk` now returning 1",
            "VRRP_Script(chk) failed (exited with status 1)",
            "(VI_1) Changing effective priority from 100 to 80",
            "Script `chk` now returning 0",
            "VRRP_Script(chk) succeeded",
            "(VI_1) Changing effective priority from 80 to 100",
        ]
    );
}

/// process_script_update_priority(): a positive weight is added on the first success;
/// `weight N reverse` subtracts it.
#[test]
fn script_positive_and_reverse_weight() {
    for (w, want) in [("weight 20", 120), ("weight 20 reverse", 80)] {
        let conf = format!("vrrp_script chk {{\n script /bin/true\n {w}\n}}\n")
            + &instance("VI_1", 51, 100, " track_script {\n  chk\n }\n");
        let mut sim = Sim::new(&[&conf]);
        sim.start_all();
        sim.script(0, "chk", 0);
        assert_eq!(sim.nodes[0].engine.effective_priority(0), want, "{w}");
    }
}

/// An unweighted script holds the instance (in FAULT, without "(init)" line or notify) until
/// its first result; failure then means FAULT.
#[test]
fn unweighted_script_gates_the_instance() {
    let conf = "vrrp_script chk {\n script /bin/true\n}\n".to_string()
        + &instance("VI_1", 51, 100, " track_script {\n  chk\n }\n");
    let mut sim = Sim::new(&[&conf]);
    sim.start_all();
    assert_eq!(sim.state(0, 0), State::Fault);
    assert_eq!(sim.texts(0), ["(VI_1) removing VIPs."]);
    assert!(sim.inotifies(0, 0).is_empty());
    sim.run_until(secs(1.0));
    sim.script(0, "chk", 0);
    assert_eq!(sim.first(0, "(VI_1) Entering BACKUP STATE"), Some(secs(1.0)));
    sim.run_until(secs(10.0));
    assert_eq!(
        sim.first(0, "(VI_1) Entering MASTER STATE"),
        Some(secs(1.0) + micros(3_609_375))
    );
    sim.script(0, "chk", 2);
    assert_eq!(sim.state(0, 0), State::Fault);
    assert!(
        sim.texts(0)
            .contains(&"VRRP_Script(chk) failed (exited with status 2)".to_string())
    );
}

/// A first result that fails: FAULT is notified (the state was already FAULT, so nothing is
/// logged for the instance).
#[test]
fn unweighted_script_first_failure() {
    let conf = "vrrp_script chk {\n script /bin/true\n}\n".to_string()
        + &instance("VI_1", 51, 100, " track_script {\n  chk\n }\n");
    let mut sim = Sim::new(&[&conf]);
    sim.start_all();
    sim.event(
        0,
        Event::ScriptResult {
            name: "chk".into(),
            outcome: ScriptOutcome::TimedOut,
        },
    );
    assert_eq!(sim.texts(0)[1..], ["VRRP_Script(chk) timed_out"]);
    assert_eq!(sim.inotifies(0, 0), [(secs(0.0), State::Fault)]);
    sim.script(0, "chk", 0);
    assert_eq!(sim.state(0, 0), State::Backup);
}

/// keepalived 2.2.7's alloc_track_script() resets a tracked script to its INIT state, so
/// `init_fail` has no effect (a recorded run: no priority change until the first failure).
#[test]
fn init_fail_is_overridden_as_in_keepalived() {
    let conf = "vrrp_script chk {\n script /bin/false\n weight -10\n init_fail\n}\n".to_string()
        + &instance("VI_1", 51, 150, " track_script {\n  chk\n }\n");
    let mut sim = Sim::new(&[&conf]);
    sim.start_all();
    assert_eq!(sim.nodes[0].engine.effective_priority(0), 150);
    sim.script(0, "chk", 1);
    assert_eq!(
        sim.texts(0)[2..],
        [
            "Script `chk` now returning 1",
            "VRRP_Script(chk) failed (exited with status 1)",
            "(VI_1) Changing effective priority from 150 to 140"
        ]
    );
}

/// Results of an unknown or untracked script change nothing.
#[test]
fn untracked_script_ignored() {
    let conf = "vrrp_script other {\n script /bin/true\n}\n".to_string() + &instance("VI_1", 51, 100, "");
    let mut sim = Sim::new(&[&conf]);
    sim.start_all();
    let n = sim.texts(0).len();
    sim.script(0, "other", 1);
    sim.script(0, "nosuch", 1);
    assert_eq!(sim.texts(0).len(), n);
}

/// track_file.c: weighted values change the priority (value × weight, reverse negates), the
/// value read before start applies at startup.
#[test]
fn weighted_track_file() {
    let conf = "track_file tf {\n file /tmp/keepalived-rs-engine-tf\n weight 5\n}\n".to_string()
        + &instance("VI_1", 51, 100, " track_file {\n  tf\n }\n");
    let mut sim = Sim::new(&[&conf]);
    sim.event(0, tf_event(2));
    sim.start_all();
    assert_eq!(sim.texts(0)[0], "(VI_1) Changing effective priority from 100 to 110");
    sim.event(0, tf_event(3));
    assert_eq!(sim.nodes[0].engine.effective_priority(0), 115);
    sim.event(0, tf_event(-4));
    assert_eq!(sim.nodes[0].engine.effective_priority(0), 80);
    // -60 × 5 is below -253: FAULT.
    sim.event(0, tf_event(-60));
    assert_eq!(sim.state(0, 0), State::Fault);
    sim.event(0, tf_event(0));
    assert_eq!(sim.state(0, 0), State::Backup);
    assert_eq!(sim.nodes[0].engine.effective_priority(0), 100);
}

/// track_file.c with weight 0 reverse: a zero value is the failure.
#[test]
fn reverse_unweighted_track_file() {
    let conf = "track_file tf {\n file /tmp/keepalived-rs-engine-tf\n weight 0 reverse\n}\n".to_string()
        + &instance("VI_1", 51, 100, " track_file {\n  tf\n }\n");
    let mut sim = Sim::new(&[&conf]);
    sim.start_all();
    assert_eq!(
        sim.texts(0)[0],
        "(VI_1): entering FAULT state (tracked file tf has status -254)"
    );
    sim.event(0, tf_event(1));
    assert_eq!(sim.state(0, 0), State::Backup);
}

/// An address owner's priority does not move (the weights are dropped), but an unweighted
/// tracker still faults it. try_up_instance() sees wantstate FAULT, not MASTER, so the owner
/// comes back as BACKUP and waits 3 s + 1/256 s (as a recorded keepalived 2.2.7 run does).
#[test]
fn owner_and_trackers() {
    let mut sim = Sim::new(&[&instance(
        "VI_1",
        51,
        255,
        " track_interface {\n  eth1\n  eth2 weight -50\n }\n",
    )]);
    sim.start_all();
    sim.run_until(secs(1.0));
    sim.set_link(0, "eth2", false);
    assert_eq!(sim.nodes[0].engine.effective_priority(0), 255);
    sim.set_link(0, "eth1", false);
    assert_eq!(sim.state(0, 0), State::Fault);
    sim.run_until(secs(2.0));
    sim.set_link(0, "eth1", true);
    assert_eq!(sim.state(0, 0), State::Backup);
    assert_eq!(sim.first(0, "(VI_1) Entering BACKUP STATE"), Some(secs(2.0)));
    sim.run_until(secs(10.0));
    assert_eq!(
        sim.log_times(0, "(VI_1) Entering MASTER STATE"),
        [micros(1), secs(2.0) + micros(3_003_906)]
    );
}

/// netlink address handling: an instance using its interface's address faults when the
/// address goes and comes back when one appears; with none at startup it starts in FAULT.
#[test]
fn source_address_tracking() {
    let mut sim = Sim::new(&[&instance("VI_1", 51, 100, "")]);
    sim.start_all();
    sim.run_until(secs(5.0));
    let mut s: IfState = sim.nodes[0].ifs[0].clone();
    s.ipv4 = None;
    sim.event(0, Event::Interface(s.clone()));
    assert_eq!(sim.state(0, 0), State::Fault);
    s.ipv4 = Some("10.0.0.77".parse().unwrap());
    sim.event(0, Event::Interface(s));
    assert_eq!(sim.state(0, 0), State::Backup);
    sim.run_until(secs(10.0));
    let (_, tx) = sim.sends(0).into_iter().last().unwrap();
    assert_eq!(tx.src.to_string(), "10.0.0.77");

    let mut sim = Sim::new(&[&instance("VI_1", 51, 100, "")]);
    let mut s = sim.nodes[0].ifs[0].clone();
    s.ipv4 = None;
    sim.event(0, Event::Interface(s));
    sim.start_all();
    assert_eq!(
        sim.texts(0)[0],
        "(VI_1) entering FAULT state (no IPv4 address for interface)"
    );
    assert_eq!(sim.state(0, 0), State::Fault);
}

/// A tracked interface going down on the master of two nodes: the backup takes over after its
/// skew time thanks to the priority 0 advert.
#[test]
fn fault_fails_over_quickly() {
    let mut sim = Sim::new(&[
        &instance("VI_1", 51, 150, " track_interface {\n  eth1\n }\n"),
        &instance("VI_1", 51, 100, ""),
    ]);
    sim.start_all();
    sim.run_until(secs(10.0));
    sim.set_link(0, "eth1", false);
    sim.run_until(secs(20.0));
    assert_eq!(
        sim.first(1, "(VI_1) Entering MASTER STATE"),
        Some(secs(10.0) + DELAY + micros(609_375))
    );
    let acts = sim.actions_at(0, secs(10.0));
    assert!(matches!(acts[0], Action::Log(ref l) if l.text == "(VI_1) Entering FAULT STATE"));
}

/// vrrp_set_effective_priority() → send_instance_priority_notifies(): with
/// `notify_priority_changes` every change of the effective priority is an event carrying the
/// new priority and whether the instance is master (FIFO MASTER_PRIORITY / BACKUP_PRIORITY);
/// without it, none.
#[test]
fn notify_priority_changes_events() {
    let events = |extra: &str| {
        let mut sim = Sim::new(&[&instance(
            "VI_1",
            51,
            100,
            &format!(" track_interface {{\n  eth1 weight 10\n }}\n{extra}"),
        )]);
        sim.start_all();
        sim.run_until(secs(5.0));
        sim.set_link(0, "eth1", false);
        sim.run_until(secs(6.0));
        sim.nodes[0]
            .record
            .iter()
            .filter_map(|(t, a)| match a {
                Action::Event { event, priority, .. } => Some((*t, *event, *priority)),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        events(" notify_priority_changes\n"),
        [
            // initialise_tracking_priorities() goes through vrrp_set_effective_priority() too.
            (secs(0.0), InstanceEvent::PriorityChange { master: false }, 110),
            (secs(5.0), InstanceEvent::PriorityChange { master: true }, 100)
        ]
    );
    assert!(events("").is_empty());
}
