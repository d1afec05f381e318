//! Hand-over to a respawned VRRP child (beyond keepalived, whose respawned child removes the
//! VIPs and elects from scratch): a master resumes at once when no peer can have taken over,
//! otherwise the child starts as keepalived's does (`vrrp_init_state()`). Simulated clock.
//!
//! Two nodes: node 0 (priority 200) is master from 3.21875 s, advertising every second at
//! .21875; node 1 (priority 100) is backup, its Master_Down_Interval 3.609375 s.

mod support;

use std::time::Duration;

use keepalived_rs::vrrp::event::{Action, State};
use keepalived_rs::vrrp::reload::Resume;
use support::engine::{DELAY, Sim, micros, secs};
use support::reload::{kill, notifies_after, respawn, respawn_with};

/// An instance on eth0 with one VIP.
fn inst(name: &str, vrid: u8, prio: u8, extra: &str) -> String {
    format!(
        "vrrp_instance {name} {{\n interface eth0\n virtual_router_id {vrid}\n priority {prio}\n advert_int 1\n virtual_ipaddress {{\n  10.0.{vrid}.100\n }}\n{extra}}}\n"
    )
}

/// Node 0 master, node 1 backup, run until `t`.
fn pair(ours: &str, peer: &str, t: f64) -> Sim {
    let mut sim = Sim::new(&[ours, peer]);
    sim.start_all();
    sim.run_until(secs(t));
    assert_eq!((sim.state(0, 0), sim.state(1, 0)), (State::Master, State::Backup));
    sim
}

/// Node `n`'s log texts from time `t` on.
fn texts_from(sim: &Sim, n: usize, t: Duration) -> Vec<String> {
    sim.logs(n).into_iter().filter(|x| x.0 >= t).map(|x| x.1.text).collect()
}

/// Node `n`'s address actions for instance `i` from time `t` on: (time, up).
fn addresses_from(sim: &Sim, n: usize, i: usize, t: Duration) -> Vec<(Duration, bool)> {
    sim.addresses(n)
        .into_iter()
        .filter(|x| x.0 >= t && x.1 == i)
        .map(|x| (x.0, x.2))
        .collect()
}

/// Killed at 10.5 s (last advert 10.21875 s) and back 0.5 s later: gap + 1 s < 3 s, so no
/// backup can have taken over. The master resumes at once: one line, an advert, its addresses
/// re-added, GARPs; no notify, no transition; the backup never moves.
#[test]
fn master_resumes_when_no_peer_can_have_taken_over() {
    let mut sim = pair(&inst("VI_1", 51, 200, ""), &inst("VI_1", 51, 100, ""), 10.5);
    let states = kill(&mut sim, 0);
    assert_eq!(states[0].state, State::Master);
    sim.run_until(secs(11.0));
    let announced = respawn(&mut sim, 0, &states, secs(10.5));
    assert_eq!(announced, [0]);
    let at = sim.actions_at(0, secs(11.0));
    let kinds: Vec<String> = at
        .iter()
        .map(|a| match a {
            Action::Send(_) => "send".into(),
            Action::Log(l) => l.text.clone(),
            Action::Addresses { up, .. } => format!("addresses {up}"),
            Action::Announce { count, .. } => format!("announce {count}"),
            a => format!("{a:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "(VI_1) Resuming MASTER STATE after VRRP child restart",
            "send",
            "(VI_1) setting VIPs.",
            "addresses true",
            "(VI_1) Sending/queueing gratuitous ARPs on eth0 for 10.0.51.100",
            "announce 5",
        ]
    );
    sim.run_until(secs(30.0));
    assert_eq!((sim.state(0, 0), sim.state(1, 0)), (State::Master, State::Backup));
    assert!(notifies_after(&sim, 0, 0, secs(10.5)).is_empty());
    assert_eq!(addresses_from(&sim, 0, 0, secs(10.5)), [(secs(11.0), true)]);
    assert!(!texts_from(&sim, 1, secs(10.0)).iter().any(|t| t.contains("Entering")));
    // Adverts every second from the resumption.
    let adv: Vec<_> = sim
        .adverts(0, 51)
        .into_iter()
        .filter(|a| a.0 >= secs(10.5))
        .take(3)
        .map(|a| a.0)
        .collect();
    assert_eq!(adv, [secs(11.0), secs(12.0), secs(13.0)]);
}

/// Back 2.5 s after the death: a backup may have taken over (it does, at 13.828225 s), so the
/// child starts as keepalived's: addresses removed, "Entering BACKUP STATE (init)" and its
/// notify, then the ordinary preemption.
#[test]
fn too_late_starts_as_keepalived() {
    let mut sim = pair(&inst("VI_1", 51, 200, ""), &inst("VI_1", 51, 100, ""), 10.5);
    let states = kill(&mut sim, 0);
    sim.run_until(secs(13.0));
    assert!(respawn(&mut sim, 0, &states, secs(10.5)).is_empty());
    assert_eq!(
        texts_from(&sim, 0, secs(13.0))[..3],
        [
            "(VI_1) Not resuming MASTER STATE after VRRP child restart: a backup may have taken over (no advert for up to 3.500s)",
            "(VI_1) removing VIPs.",
            "(VI_1) Entering BACKUP STATE (init)",
        ]
    );
    assert_eq!(notifies_after(&sim, 0, 0, secs(12.9)), [(secs(13.0), State::Backup)]);
    sim.run_until(secs(30.0));
    assert_eq!(
        sim.first(1, "(VI_1) Entering MASTER STATE"),
        Some(secs(10.21875) + DELAY + micros(3_609_375))
    );
    // Node 0 preempts when its Master_Down timer ends: 3 s + 56/256 s after its start.
    assert_eq!(
        sim.log_times(0, "(VI_1) Entering MASTER STATE").last(),
        Some(&(secs(13.0) + micros(3_218_750)))
    );
    assert_eq!((sim.state(0, 0), sim.state(1, 0)), (State::Master, State::Backup));
}

/// The window is strict: gap + one interval must be below three intervals.
#[test]
fn window_boundary() {
    for (gap_us, resumes) in [(1_999_999, true), (2_000_000, false)] {
        let mut sim = pair(&inst("VI_1", 51, 200, ""), &inst("VI_1", 51, 100, ""), 10.5);
        let states = kill(&mut sim, 0);
        sim.run_until(secs(10.5) + micros(gap_us));
        let announced = respawn(&mut sim, 0, &states, secs(10.5));
        assert_eq!(announced == [0], resumes, "gap {gap_us}");
        sim.run_until(secs(30.0));
        // Too late, the backup took over (at 13.828225 s) before node 0 preempted again.
        assert_eq!(sim.nodes[1].engine.stats(0).become_master == 0, resumes, "gap {gap_us}");
    }
}

/// VRRPv3 uses the instance's configured interval, which is what it advertised: 0.5 s, so the
/// gap must stay under 1 s.
#[test]
fn v3_uses_the_configured_interval() {
    let v3 = |p| inst("VI_1", 51, p, " version 3\n").replace("advert_int 1", "advert_int 0.5");
    for (gap_ms, resumes) in [(990, true), (1000, false)] {
        let mut sim = pair(&v3(200), &v3(100), 10.3);
        let states = kill(&mut sim, 0);
        sim.run_until(secs(10.3) + Duration::from_millis(gap_ms));
        assert_eq!(
            respawn(&mut sim, 0, &states, secs(10.3)) == [0],
            resumes,
            "gap {gap_ms} ms"
        );
    }
}

/// A tracker down at the restart: the instance is not up, so it starts (in FAULT) as
/// keepalived's does and releases its addresses.
#[test]
fn fault_now_does_not_resume() {
    let track = " track_interface {\n  eth1\n }\n";
    let mut sim = pair(&inst("VI_1", 51, 200, track), &inst("VI_1", 51, 100, ""), 10.5);
    let states = kill(&mut sim, 0);
    sim.run_until(secs(10.6));
    sim.nodes[0].ifs[1].up = false;
    assert!(respawn(&mut sim, 0, &states, secs(10.5)).is_empty());
    let t = texts_from(&sim, 0, secs(10.6));
    assert_eq!(t[0], "(VI_1): entering FAULT state (interface eth1 down)");
    assert!(t.contains(&"(VI_1) Not resuming MASTER STATE after VRRP child restart: it is not up".to_string()));
    assert_eq!(addresses_from(&sim, 0, 0, secs(10.6)), [(secs(10.6), false)]);
    assert_eq!(sim.state(0, 0), State::Fault);
}

/// A sync group resumes whole: with every member MASTER all resume and the group stays
/// MASTER without notifies; if one member cannot, none does.
#[test]
fn sync_group_resumes_whole_or_not_at_all() {
    let group = "vrrp_sync_group G {\n group {\n  VI_1\n  VI_2\n }\n notify /bin/true\n}\n";
    let ours = format!("{group}{}{}", inst("VI_1", 51, 200, ""), inst("VI_2", 52, 200, ""));
    let peer = format!("{group}{}{}", inst("VI_1", 51, 100, ""), inst("VI_2", 52, 100, ""));
    let mut sim = pair(&ours, &peer, 10.5);
    let states = kill(&mut sim, 0);
    sim.run_until(secs(11.0));
    assert_eq!(respawn(&mut sim, 0, &states, secs(10.5)), [0, 1]);
    assert_eq!(sim.nodes[0].engine.group_state(0), State::Master);
    sim.run_until(secs(20.0));
    assert!(sim.notifies(0).iter().all(|n| n.0 < secs(10.5)));
    assert_eq!(sim.state(1, 1), State::Backup);

    // Once more, with the parent's record saying VI_2 was BACKUP.
    let mut states = kill(&mut sim, 0);
    states[1].state = State::Backup;
    sim.run_until(secs(20.5));
    assert!(respawn(&mut sim, 0, &states, secs(20.0)).is_empty());
    let t = texts_from(&sim, 0, secs(20.5));
    assert!(
        t.contains(
            &"(VI_1) Not resuming MASTER STATE after VRRP child restart: sync group G cannot resume as a whole"
                .to_string()
        ),
        "{t:?}"
    );
    assert!(t.contains(&"(VI_1) Entering BACKUP STATE (init)".to_string()));
}

/// Only MASTER entries that name the instance (name, VRID, interface, family, advert interval)
/// count; a BACKUP entry or a changed instance starts as keepalived's.
#[test]
fn only_matching_master_entries_count() {
    let mut sim = pair(&inst("VI_1", 51, 200, ""), &inst("VI_1", 51, 100, ""), 10.5);
    let states = kill(&mut sim, 0);
    let gap = Duration::from_millis(100);
    let variants: Vec<Resume> = vec![
        Resume {
            state: State::Backup,
            ..states[0].clone().resume(gap)
        },
        Resume {
            vrid: 52,
            ..states[0].clone().resume(gap)
        },
        Resume {
            name: "VI_9".into(),
            ..states[0].clone().resume(gap)
        },
        Resume {
            interface: Some("eth1".into()),
            ..states[0].clone().resume(gap)
        },
        Resume {
            advert_int: secs(2.0),
            ..states[0].clone().resume(gap)
        },
    ];
    sim.run_until(secs(10.6));
    for v in variants {
        let mut s = Sim::new(&[&inst("VI_1", 51, 200, "")]);
        s.run_until(secs(10.6));
        assert!(respawn_with(&mut s, 0, vec![v.clone()]).is_empty(), "{v:?}");
        assert!(
            s.texts(0).contains(&"(VI_1) Entering BACKUP STATE (init)".to_string()),
            "{v:?}"
        );
    }
}

/// An address owner (priority 255) resumes the same way; too late, it becomes MASTER 1 µs after
/// the start, as keepalived's owner does.
#[test]
fn owner_resumes_or_takes_over_at_once() {
    let owner = inst("VI_1", 51, 255, "");
    let mut sim = pair(&owner, &inst("VI_1", 51, 100, ""), 10.5);
    let states = kill(&mut sim, 0);
    sim.run_until(secs(11.0));
    assert_eq!(respawn(&mut sim, 0, &states, secs(10.5)), [0]);
    assert!(notifies_after(&sim, 0, 0, secs(10.5)).is_empty());

    let states = kill(&mut sim, 0);
    sim.run_until(secs(15.0));
    assert!(respawn(&mut sim, 0, &states, secs(11.0)).is_empty());
    sim.run_until(secs(16.0));
    assert_eq!(
        sim.log_times(0, "(VI_1) Entering MASTER STATE").last(),
        Some(&(secs(15.0) + micros(1)))
    );
}

/// Engine::resuming() is what start() does at the same moment; if start() comes after the
/// window closed, it does not resume and removes the addresses itself.
#[test]
fn resuming_then_late_start_removes_the_addresses() {
    use support::reload::opts;
    let mut sim = pair(&inst("VI_1", 51, 200, ""), &inst("VI_1", 51, 100, ""), 10.5);
    let states = kill(&mut sim, 0);
    sim.run_until(secs(11.0));
    let node = &mut sim.nodes[0];
    let mut e = keepalived_rs::vrrp::engine::Engine::new(node.cfg.clone(), node.ifs.clone(), opts());
    let entries: Vec<Resume> = states.iter().cloned().map(|s| s.resume(secs(0.5))).collect();
    e.set_resume(entries, secs(11.0));
    assert_eq!(e.resuming(secs(11.0)), [0]);
    assert_eq!(e.resuming(secs(12.5) - micros(1)), [0]);
    assert!(e.resuming(secs(12.5)).is_empty());
    node.engine = e;
    sim.run_until(secs(12.6));
    sim.start(0);
    assert_eq!(addresses_from(&sim, 0, 0, secs(12.6)), [(secs(12.6), false)]);
    assert_eq!(sim.state(0, 0), State::Backup);
}

/// Scripts of a resumed instance start as keepalived's INIT_RELOAD: the master does not wait
/// for them; a first failure takes it to FAULT, a first success changes nothing.
#[test]
fn tracked_scripts_do_not_hold_a_resumed_master() {
    let chk = "vrrp_script chk {\n script /bin/true\n interval 1\n}\n";
    let ours = format!("{chk}{}", inst("VI_1", 51, 200, " track_script {\n  chk\n }\n"));
    let mut sim = Sim::new(&[&ours, &inst("VI_1", 51, 100, "")]);
    sim.start_all();
    sim.script(0, "chk", 0);
    sim.run_until(secs(10.5));
    assert_eq!(sim.state(0, 0), State::Master);
    let states = kill(&mut sim, 0);
    sim.run_until(secs(11.0));
    assert_eq!(respawn(&mut sim, 0, &states, secs(10.5)), [0]);
    sim.run_until(secs(12.0));
    sim.script(0, "chk", 0);
    assert_eq!(sim.state(0, 0), State::Master);
    sim.run_until(secs(13.0));
    sim.script(0, "chk", 1);
    assert_eq!(sim.state(0, 0), State::Fault);
}
