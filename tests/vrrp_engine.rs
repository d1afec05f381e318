//! The VRRP engine on a simulated segment: election, timers, receive rules, GARP timing, stop.
//! Times are exact: the clock is simulated and adverts take `DELAY` to arrive.

mod support;

use keepalived_rs::vrrp::event::{Action, InstanceEvent, State};
use support::engine::{DELAY, Sim, instance, micros, secs};

/// vrrp_init_state() + vrrp_dispatcher_read_timeout() (RFC 3768 6.4.1/6.4.2): alone, a
/// priority 100 backup becomes master after Master_Down_Interval = 3 × 1 s + (256-100)/256 s.
#[test]
fn lone_backup_becomes_master_after_master_down_interval() {
    let mut sim = Sim::new(&[&instance("VI_1", 51, 100, "")]);
    sim.start_all();
    sim.run_until(secs(10.0));
    let t = micros(3_609_375);
    assert_eq!(sim.first(0, "(VI_1) Entering BACKUP STATE (init)"), Some(secs(0.0)));
    assert_eq!(sim.first(0, "(VI_1) Receive advertisement timeout"), Some(t));
    assert_eq!(sim.first(0, "(VI_1) Entering MASTER STATE"), Some(t));
    assert_eq!(sim.inotifies(0, 0), [(secs(0.0), State::Backup), (t, State::Master)]);
    // Adverts every second from the takeover on.
    let adv: Vec<_> = sim.adverts(0, 51).into_iter().map(|a| (a.0, a.1)).collect();
    let want: Vec<_> = (0..7).map(|k| (t + secs(k as f64), 100)).collect();
    assert_eq!(adv, want);
    assert_eq!(sim.state(0, 0), State::Master);
}

/// vrrp_state_master_tx(): the advert goes out first, then the addresses, GARPs and notify;
/// vrrp_restore_interfaces_startup() removes leftover VIPs before "Entering BACKUP STATE (init)".
#[test]
fn becoming_master_order_of_actions() {
    let mut sim = Sim::new(&[&instance("VI_1", 51, 100, "")]);
    sim.start_all();
    let start: Vec<_> = sim.actions_at(0, secs(0.0));
    let texts: Vec<String> = start
        .iter()
        .map(|a| match a {
            Action::Log(l) => l.text.clone(),
            Action::Addresses { up, .. } => format!("addresses {up}"),
            Action::Notify { state, .. } => format!("notify {}", state.as_str()),
            a => format!("{a:?}"),
        })
        .collect();
    assert_eq!(
        texts,
        [
            "(VI_1) removing VIPs.",
            "addresses false",
            "(VI_1) Entering BACKUP STATE (init)",
            "notify BACKUP"
        ]
    );
    sim.run_until(secs(4.0));
    let t = micros(3_609_375);
    let acts = sim.actions_at(0, t);
    let kinds: Vec<String> = acts
        .iter()
        .map(|a| match a {
            Action::Send(_) => "send".to_string(),
            Action::Log(l) => format!("{}{}", if l.detail { "D " } else { "" }, l.text),
            Action::Addresses { up, .. } => format!("addresses {up}"),
            Action::Announce { count, .. } => format!("announce {count}"),
            Action::Notify { state, priority, .. } => format!("notify {} {priority}", state.as_str()),
            Action::Event { event, priority, .. } => format!("event {event:?} {priority}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "D (VI_1) Receive advertisement timeout",
            "send",
            "(VI_1) Entering MASTER STATE",
            "D (VI_1) setting VIPs.",
            "addresses true",
            "D (VI_1) Sending/queueing gratuitous ARPs on eth0 for 10.0.0.100",
            "announce 5",
            "notify MASTER 100",
        ]
    );
}

/// RFC 3768 6.4.2, vrrp_state_backup(): the higher priority wins the election; the other stays
/// backup, refreshing its timer on every advert.
#[test]
fn two_nodes_elect_the_higher_priority() {
    let mut sim = Sim::new(&[&instance("VI_1", 51, 150, ""), &instance("VI_1", 51, 100, "")]);
    sim.start_all();
    sim.run_until(secs(30.0));
    // skew(150) = 106/256 s.
    assert_eq!(sim.first(0, "(VI_1) Entering MASTER STATE"), Some(micros(3_414_062)));
    assert_eq!(sim.state(0, 0), State::Master);
    assert_eq!(sim.state(1, 0), State::Backup);
    assert_eq!(sim.first(1, "(VI_1) Entering MASTER STATE"), None);
    assert_eq!(sim.nodes[1].engine.stats(0).advert_rcvd, 27);
    assert_eq!(sim.nodes[1].engine.stats(0).become_master, 0);
}

/// Adverts of node `n` (VRID 51) sent strictly before `t`: the time of the last one.
fn last_advert_before(sim: &Sim, n: usize, t: std::time::Duration) -> std::time::Duration {
    sim.adverts(n, 51).into_iter().rfind(|a| a.0 < t).expect("advert").0
}

/// RFC 3768 6.4.2 (Master_Down_Timer fires), vrrp_dispatcher_read_timeout(): when the master
/// falls silent the backup takes over exactly 3 × 1 s + 0.609375 s after the last advert it got.
#[test]
fn failover_on_silence() {
    let mut sim = Sim::new(&[&instance("VI_1", 51, 150, ""), &instance("VI_1", 51, 100, "")]);
    sim.start_all();
    sim.run_until(secs(10.0));
    sim.nodes[0].cut = true;
    sim.run_until(secs(20.0));
    let last_rx = last_advert_before(&sim, 0, secs(10.0)) + DELAY;
    assert_eq!(
        sim.first(1, "(VI_1) Entering MASTER STATE"),
        Some(last_rx + micros(3_609_375))
    );
    assert_eq!(sim.state(1, 0), State::Master);
}

/// vrrp_terminate_phase1() / vrrp_restore_interface(advF) and vrrp_state_backup() priority 0
/// (RFC 3768 6.4.2): a stopping master sends priority 0 and releases its addresses; the backup
/// takes over after only its skew time.
#[test]
fn stop_sends_priority_zero_and_backup_takes_over_after_skew() {
    let mut sim = Sim::new(&[&instance("VI_1", 51, 150, ""), &instance("VI_1", 51, 100, "")]);
    sim.start_all();
    sim.run_until(secs(10.0));
    sim.event(0, keepalived_rs::vrrp::event::Event::Stop);
    let t = secs(10.0);
    assert!(sim.nodes[0].engine.stopped());
    assert_eq!(sim.nodes[0].engine.next_deadline(), None);
    assert_eq!(sim.state(0, 0), State::Stop);
    assert_eq!(sim.adverts(0, 51).last().map(|a| (a.0, a.1)), Some((t, 0)));
    assert_eq!(sim.first(0, "(VI_1) sent 0 priority"), Some(t));
    assert_eq!(sim.addresses(0).last(), Some(&(t, 0, false)));
    assert_eq!(sim.inotifies(0, 0).last(), Some(&(t, State::Stop)));
    assert_eq!(sim.nodes[0].engine.stats(0).pri_zero_sent, 1);
    sim.run_until(secs(20.0));
    assert_eq!(
        sim.first(1, "(VI_1) Backup received priority 0 advertisement"),
        Some(t + DELAY)
    );
    assert_eq!(
        sim.first(1, "(VI_1) Entering MASTER STATE"),
        Some(t + DELAY + micros(609_375))
    );
    assert_eq!(sim.nodes[1].engine.stats(0).pri_zero_rcvd, 1);
    // Nothing more from the stopped node.
    assert_eq!(sim.adverts(0, 51).last().map(|a| a.0), Some(t));
}

/// vrrp_terminate_phase1() with -V (--dont-release-vrrp): no priority 0 advert, the addresses
/// stay; STOP is still notified. The backup waits for the full Master_Down_Interval.
#[test]
fn stop_without_releasing() {
    let opts = keepalived_rs::vrrp::engine::EngineOptions {
        log_detail: true,
        release_vips: false,
        release_vips_on_transition: false,
    };
    let mut sim = Sim::with_options(&[&instance("VI_1", 51, 150, ""), &instance("VI_1", 51, 100, "")], opts);
    sim.start_all();
    sim.run_until(secs(10.0));
    let before = sim.addresses(0).len();
    sim.event(0, keepalived_rs::vrrp::event::Event::Stop);
    assert_eq!(sim.addresses(0).len(), before);
    assert!(sim.adverts(0, 51).iter().all(|a| a.1 != 0));
    assert_eq!(sim.inotifies(0, 0).last(), Some(&(secs(10.0), State::Stop)));
    sim.run_until(secs(20.0));
    let last_rx = last_advert_before(&sim, 0, secs(10.0) + micros(1)) + DELAY;
    assert_eq!(
        sim.first(1, "(VI_1) Entering MASTER STATE"),
        Some(last_rx + micros(3_609_375))
    );
}

/// vrrp_state_backup() (RFC 3768 6.4.2 "Preempt_Mode is True"): a higher priority backup
/// discards the master's adverts, so its timer runs out and it preempts; the old master goes
/// back to BACKUP on the first higher priority advert (vrrp_state_master_rx()).
#[test]
fn higher_priority_preempts() {
    let mut sim = Sim::new(&[&instance("VI_1", 51, 150, ""), &instance("VI_1", 51, 100, "")]);
    sim.start(1);
    sim.start_at(secs(10.0), 0);
    sim.run_until(secs(20.0));
    let start = secs(10.0);
    assert_eq!(sim.first(0, "(VI_1) Entering BACKUP STATE (init)"), Some(start));
    let b_adv = sim.adverts(1, 51).into_iter().find(|a| a.0 > start).unwrap().0;
    assert_eq!(
        sim.first(
            0,
            "(VI_1) received lower priority (100) advert from 10.0.0.2 - discarding"
        ),
        Some(b_adv + DELAY)
    );
    let t = start + micros(3_414_062);
    assert_eq!(sim.first(0, "(VI_1) Entering MASTER STATE"), Some(t));
    assert_eq!(
        sim.first(
            1,
            "(VI_1) Master received advert from 10.0.0.1 with higher priority 150, ours 100"
        ),
        Some(t + DELAY)
    );
    assert_eq!(sim.first(1, "(VI_1) Entering BACKUP STATE"), Some(t + DELAY));
    assert_eq!(sim.addresses(1).last(), Some(&(t + DELAY, 0, false)));
    assert_eq!(sim.inotifies(1, 0).last(), Some(&(t + DELAY, State::Backup)));
    assert_eq!(sim.nodes[1].engine.stats(0).release_master, 1);
    assert_eq!(sim.state(1, 0), State::Backup);
}

/// vrrp_state_backup() with `nopreempt` (RFC 3768 6.4.2, Preempt_Mode False): a higher
/// priority backup accepts the lower priority master.
#[test]
fn nopreempt_keeps_the_lower_priority_master() {
    let mut sim = Sim::new(&[
        &instance("VI_1", 51, 150, " nopreempt\n"),
        &instance("VI_1", 51, 100, ""),
    ]);
    sim.start(1);
    sim.start_at(secs(10.0), 0);
    sim.run_until(secs(40.0));
    assert_eq!(sim.state(0, 0), State::Backup);
    assert_eq!(sim.state(1, 0), State::Master);
    assert!(sim.texts(0).iter().all(|l| !l.contains("discarding")));
}

/// vrrp_state_backup() with `preempt_delay`: the first lower priority advert starts the delay;
/// adverts are accepted until it ends, then discarded, and the timer of the last accepted one
/// runs out.
#[test]
fn preempt_delay_postpones_preemption() {
    let mut sim = Sim::new(&[
        &instance("VI_1", 51, 150, " preempt_delay 5\n"),
        &instance("VI_1", 51, 100, ""),
    ]);
    sim.start(1);
    sim.start_at(secs(10.0), 0);
    sim.run_until(secs(30.0));
    let arrivals: Vec<_> = sim
        .adverts(1, 51)
        .into_iter()
        .map(|a| a.0 + DELAY)
        .filter(|&t| t > secs(10.0))
        .collect();
    let first = arrivals[0];
    assert_eq!(sim.first(0, "(VI_1) start preempt delay (5.000000)"), Some(first));
    // Accepted while now < first + 5 s; the one arriving exactly then is discarded.
    assert_eq!(
        sim.first(
            0,
            "(VI_1) received lower priority (100) advert from 10.0.0.2 - discarding"
        ),
        Some(first + secs(5.0))
    );
    assert_eq!(
        sim.first(0, "(VI_1) Entering MASTER STATE"),
        Some(first + secs(4.0) + micros(3_414_062))
    );
}

/// vrrp_init_state(): an address owner (priority 255) becomes master 1 µs after start,
/// without passing through "Entering BACKUP STATE (init)"; it preempts a running master.
#[test]
fn owner_becomes_master_at_once_and_preempts() {
    let mut sim = Sim::new(&[&instance("VI_1", 51, 255, ""), &instance("VI_1", 51, 100, "")]);
    sim.start(1);
    sim.start_at(secs(10.0), 0);
    sim.run_until(secs(20.0));
    let t = secs(10.0) + micros(1);
    assert_eq!(sim.first(0, "(VI_1) Entering MASTER STATE"), Some(t));
    assert_eq!(sim.first(0, "(VI_1) Entering BACKUP STATE (init)"), None);
    assert_eq!(sim.inotifies(0, 0), [(t, State::Master)]);
    assert_eq!(sim.adverts(0, 51)[0].1, 255);
    assert_eq!(
        sim.first(
            1,
            "(VI_1) Master received advert from 10.0.0.1 with higher priority 255, ours 100"
        ),
        Some(t + DELAY)
    );
    assert_eq!(sim.state(1, 0), State::Backup);
}

/// vrrp_init_state(): `state MASTER` without being the owner only changes the wanted state; in
/// keepalived 2.2.7 a lone instance still starts as BACKUP with the full Master_Down_Interval.
#[test]
fn state_master_non_owner_starts_as_backup() {
    let mut sim = Sim::new(&[&instance("VI_1", 51, 150, " state MASTER\n")]);
    sim.start_all();
    sim.run_until(secs(5.0));
    assert_eq!(sim.first(0, "(VI_1) Entering BACKUP STATE (init)"), Some(secs(0.0)));
    assert_eq!(sim.first(0, "(VI_1) Entering MASTER STATE"), Some(micros(3_414_062)));
}

/// vrrp_state_master_rx() / vrrp_saddr_cmp() (RFC 3768 6.4.3): equal priorities are decided by
/// the primary address; the higher address stays master and forces a new election.
#[test]
fn equal_priority_tie_break_on_address() {
    let mut sim = Sim::new(&[&instance("VI_1", 51, 100, ""), &instance("VI_1", 51, 100, "")]);
    sim.start_all();
    sim.run_until(secs(10.0));
    let t = micros(3_609_375);
    assert_eq!(sim.first(0, "(VI_1) Entering MASTER STATE"), Some(t));
    assert_eq!(sim.first(1, "(VI_1) Entering MASTER STATE"), Some(t));
    assert_eq!(
        sim.first(
            0,
            "(VI_1) Master received advert from 10.0.0.2 with same priority 100 but higher IP address than ours"
        ),
        Some(t + DELAY)
    );
    assert_eq!(
        sim.first(
            1,
            "(VI_1) Received advert from 10.0.0.1 with lower priority 100, ours 100, forcing new election"
        ),
        Some(t + DELAY)
    );
    assert!(sim.adverts(1, 51).iter().any(|a| a.0 == t + DELAY));
    assert_eq!(sim.state(0, 0), State::Backup);
    assert_eq!(sim.state(1, 0), State::Master);
}

/// Two masters after a partition (node 1 cut from 1 s to 10.5 s).
fn split_then_heal(extra0: &str) -> Sim {
    let mut sim = Sim::new(&[&instance("VI_1", 51, 150, extra0), &instance("VI_1", 51, 100, "")]);
    sim.start_all();
    sim.run_until(secs(1.0));
    sim.nodes[1].cut = true;
    sim.run_until(secs(10.5));
    assert_eq!(sim.state(0, 0), State::Master);
    assert_eq!(sim.state(1, 0), State::Master);
    sim.nodes[1].cut = false;
    sim
}

/// vrrp_state_master_rx(): a master hearing a lower priority master logs it, sends its own
/// advert at once ("forcing new election"), restarts its advert timer and sends
/// garp_lower_prio_repeat GARPs (again after garp_lower_prio_delay).
#[test]
fn lower_priority_advert_forces_new_election() {
    let mut sim = split_then_heal("");
    sim.run_until(secs(30.0));
    let b = sim.adverts(1, 51).into_iter().find(|a| a.0 > secs(10.5)).unwrap().0;
    let t = b + DELAY;
    assert_eq!(
        sim.first(
            0,
            "(VI_1) Received advert from 10.0.0.2 with lower priority 100, ours 150, forcing new election"
        ),
        Some(t)
    );
    let adv0: Vec<_> = sim
        .adverts(0, 51)
        .into_iter()
        .map(|a| a.0)
        .filter(|&x| x >= t)
        .take(3)
        .collect();
    assert_eq!(adv0, [t, t + secs(1.0), t + secs(2.0)]);
    let ann: Vec<_> = sim.announces(0).into_iter().filter(|a| a.0 >= t).collect();
    assert_eq!(ann, [(t, 0, 5), (t + secs(5.0), 0, 5)]);
    // send_event_notify(VRRP_EVENT_MASTER_RX_LOWER_PRI) with our priority.
    assert!(sim.actions_at(0, t).contains(&Action::Event {
        instance: 0,
        event: InstanceEvent::MasterRxLowerPri,
        priority: 150
    }));
    assert_eq!(
        sim.first(
            1,
            "(VI_1) Master received advert from 10.0.0.1 with higher priority 150, ours 100"
        ),
        Some(t + DELAY)
    );
    assert_eq!(sim.state(1, 0), State::Backup);
}

/// vrrp_state_master_rx() with `lower_prio_no_advert` (RFC 9568 behaviour): no extra advert,
/// the advert timer keeps running, no ", forcing new election".
#[test]
fn lower_prio_no_advert() {
    let mut sim = split_then_heal(" lower_prio_no_advert\n garp_lower_prio_repeat 0\n");
    let before: Vec<_> = sim.adverts(0, 51).into_iter().map(|a| a.0).collect();
    let next_periodic = *before.last().unwrap() + secs(1.0);
    sim.run_until(secs(30.0));
    let b = sim.adverts(1, 51).into_iter().find(|a| a.0 > secs(10.5)).unwrap().0;
    assert_eq!(
        sim.first(
            0,
            "(VI_1) Received advert from 10.0.0.2 with lower priority 100, ours 150"
        ),
        Some(b + DELAY)
    );
    let after: Vec<_> = sim
        .adverts(0, 51)
        .into_iter()
        .map(|a| a.0)
        .filter(|&x| x > secs(10.5))
        .take(2)
        .collect();
    assert_eq!(after, [next_periodic, next_periodic + secs(1.0)]);
    assert!(sim.announces(0).iter().all(|a| a.0 < secs(10.5)));
    assert_eq!(
        sim.first(1, "(VI_1) Entering BACKUP STATE"),
        Some(next_periodic + DELAY)
    );
}

/// vrrp_state_master_rx() with `higher_prio_send_advert`: the master sends one more advert of
/// its own before yielding to a higher priority one.
#[test]
fn higher_prio_send_advert() {
    let mut sim = Sim::new(&[
        &instance("VI_1", 51, 150, ""),
        &instance("VI_1", 51, 100, " higher_prio_send_advert\n"),
    ]);
    sim.start(1);
    sim.start_at(secs(10.0), 0);
    sim.run_until(secs(20.0));
    let t = secs(10.0) + micros(3_414_062) + DELAY;
    assert_eq!(sim.first(1, "(VI_1) Entering BACKUP STATE"), Some(t));
    let at_t: Vec<_> = sim
        .adverts(1, 51)
        .into_iter()
        .filter(|a| a.0 == t)
        .map(|a| a.1)
        .collect();
    assert_eq!(at_t, [100]);
}

/// vrrp_state_master_rx(): two address owners; each logs keepalived's configuration error and
/// drops to 254, then the tie-break on addresses settles it.
#[test]
fn both_owners_reduce_priority() {
    let mut sim = Sim::new(&[&instance("VI_1", 51, 255, ""), &instance("VI_1", 51, 255, "")]);
    sim.start_all();
    sim.run_until(secs(20.0));
    let err = "(VI_1) CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority";
    let t = micros(1) + DELAY;
    assert_eq!(sim.first(0, err), Some(t));
    assert_eq!(sim.first(1, err), Some(t));
    assert_eq!(
        sim.first(
            0,
            "(VI_1) Master received advert from 10.0.0.2 with higher priority 255, ours 254"
        ),
        Some(t)
    );
    assert_eq!(sim.nodes[0].engine.effective_priority(0), 254);
    assert_eq!(sim.nodes[1].engine.effective_priority(0), 254);
    // Both back to master after 3 s + 2/256 s, then the higher address wins.
    let again = t + micros(3_007_812);
    assert_eq!(sim.log_times(0, "(VI_1) Entering MASTER STATE")[1], again);
    assert_eq!(sim.state(0, 0), State::Backup);
    assert_eq!(sim.state(1, 0), State::Master);
}

/// RFC 5798 6.4.2 / vrrp_state_backup(): a VRRPv3 backup adopts the master's advert interval,
/// so its Master_Down_Interval is 3 × 0.5 s + (256-100)/256 × 0.5 s; as master it goes back to
/// its own interval (with -D, as keepalived's vrrp_state_become_master()).
#[test]
fn v3_backup_adopts_master_interval() {
    let a = "vrrp_instance VI_1 {\n interface eth0\n version 3\n virtual_router_id 51\n priority 150\n advert_int 0.5\n virtual_ipaddress {\n  10.0.0.100\n }\n}\n";
    let b = "vrrp_instance VI_1 {\n interface eth0\n version 3\n virtual_router_id 51\n priority 100\n advert_int 1\n virtual_ipaddress {\n  10.0.0.100\n }\n}\n";
    let mut sim = Sim::new(&[a, b]);
    sim.start_all();
    sim.run_until(secs(10.0));
    // 3 × 0.5 s + 106 × 50 × 625 / 16 µs.
    assert_eq!(sim.first(0, "(VI_1) Entering MASTER STATE"), Some(micros(1_707_031)));
    assert_eq!(
        sim.first(
            1,
            "(VI_1) advertisement interval updated from 1000ms to 500ms by master"
        ),
        Some(micros(1_707_031) + DELAY)
    );
    sim.nodes[0].cut = true;
    sim.run_until(secs(20.0));
    let last_rx = last_advert_before(&sim, 0, secs(10.0) + micros(1)) + DELAY;
    let t = last_rx + micros(1_500_000 + 304_687);
    assert_eq!(sim.first(1, "(VI_1) Entering MASTER STATE"), Some(t));
    assert_eq!(
        sim.first(
            1,
            "(VI_1) changing advert interval from 500ms to locally configured 1000ms"
        ),
        Some(t)
    );
    let adv: Vec<_> = sim.adverts(1, 51).into_iter().map(|a| a.0).take(2).collect();
    assert_eq!(adv, [t, t + secs(1.0)]);
}

/// vrrp_check_packet() (RFC 3768 5.3.6): a wrong password is logged, counted and the packet
/// dropped, so both nodes end up master. vrrp_dispatcher_read() restarts a master's advert
/// timer after every advert it processed, rejected ones included: with both masters on the
/// same 1 s period, node 0's adverts are starved (real keepalived 2.2.7 shows the same gaps).
#[test]
fn auth_mismatch_is_dropped_and_counted() {
    let auth = |p: &str| format!(" authentication {{\n  auth_type PASS\n  auth_pass {p}\n }}\n");
    let mut sim = Sim::new(&[
        &instance("VI_1", 51, 150, &auth("secret1")),
        &instance("VI_1", 51, 100, &auth("secret2")),
    ]);
    sim.start_all();
    sim.run_until(secs(10.0));
    assert!(sim.first(1, "(VI_1) received an invalid passwd!").is_some());
    let st = sim.nodes[1].engine.stats(0);
    assert_eq!(st.auth_failure, 1);
    assert_eq!(st.advert_rcvd, 0);
    assert_eq!(sim.nodes[0].engine.stats(0).auth_failure, 7);
    assert_eq!(sim.state(0, 0), State::Master);
    assert_eq!(sim.state(1, 0), State::Master);
    assert_eq!(sim.adverts(0, 51).len(), 1);
}

/// vrrp_check_packet(): an advert with another number of VIPs is rejected ("split brain").
#[test]
fn vip_count_mismatch_is_dropped() {
    let two = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 150\n advert_int 1\n virtual_ipaddress {\n  10.0.0.100\n  10.0.0.101\n }\n}\n";
    let mut sim = Sim::new(&[two, &instance("VI_1", 51, 100, "")]);
    sim.start_all();
    sim.run_until(secs(10.0));
    assert!(
        sim.first(1, "(VI_1) received an unexpected ip number count 2, expected 1!")
            .is_some()
    );
    assert!(
        sim.first(0, "(VI_1) received an unexpected ip number count 1, expected 2!")
            .is_some()
    );
    assert!(sim.nodes[1].engine.stats(0).addr_list_err >= 1);
    assert_eq!(sim.state(1, 0), State::Master);
}

/// vrrp_check_packet() (RFC 3768 7.1): a v2 advert with another interval is dropped.
#[test]
fn advert_interval_mismatch_is_dropped() {
    let mut sim = Sim::new(&[
        &instance("VI_1", 51, 150, "").replace("advert_int 1", "advert_int 2"),
        &instance("VI_1", 51, 100, ""),
    ]);
    sim.start_all();
    sim.run_until(secs(10.0));
    assert!(
        sim.first(1, "(VI_1) advertisement interval mismatch mine=1 sec rcv'd=2 sec")
            .is_some()
    );
    assert_eq!(sim.state(1, 0), State::Master);
}

/// vrrp_state_master_tx(), vrrp_gratuitous_arp_thread: garp_master_repeat GARPs at the
/// transition and again after garp_master_delay; garp_master_refresh with its own repeat.
#[test]
fn garp_repeat_delay_and_refresh() {
    let mut sim = Sim::new(&[&instance(
        "VI_1",
        51,
        100,
        " garp_master_repeat 3\n garp_master_delay 2\n garp_master_refresh 4\n garp_master_refresh_repeat 2\n",
    )]);
    sim.start_all();
    sim.run_until(secs(16.0));
    let t = micros(3_609_375);
    assert_eq!(
        sim.announces(0),
        [
            (t, 0, 3),
            (t + secs(2.0), 0, 3),
            (t + secs(4.0), 0, 2),
            (t + secs(8.0), 0, 2),
            (t + secs(12.0), 0, 2)
        ]
    );
}

/// garp_master_delay 0: no second block.
#[test]
fn garp_without_delay() {
    let mut sim = Sim::new(&[&instance("VI_1", 51, 100, " garp_master_delay 0\n")]);
    sim.start_all();
    sim.run_until(secs(20.0));
    assert_eq!(sim.announces(0), [(micros(3_609_375), 0, 5)]);
}

/// vrrp_gratuitous_arp_thread → vrrp_send_link_update(): the delayed block is skipped when the
/// instance no longer has its addresses.
#[test]
fn delayed_garp_skipped_after_losing_master() {
    let mut sim = Sim::new(&[&instance("VI_1", 51, 100, ""), &instance("VI_1", 51, 150, "")]);
    sim.start(0);
    sim.start_at(secs(4.0), 1);
    sim.run_until(secs(20.0));
    assert_eq!(sim.state(0, 0), State::Backup);
    assert_eq!(sim.announces(0), [(micros(3_609_375), 0, 5)]);
}

/// vrrp_send_adv(): unicast instances send one advert per peer, to the peer's address.
#[test]
fn unicast_peers() {
    let uc = |me: &str, peer: &str, prio: u8| {
        instance(
            "VI_1",
            51,
            prio,
            &format!(" unicast_src_ip {me}\n unicast_peer {{\n  {peer}\n }}\n"),
        )
    };
    let mut sim = Sim::new(&[&uc("10.0.0.1", "10.0.0.2", 150), &uc("10.0.0.2", "10.0.0.1", 100)]);
    sim.start_all();
    sim.run_until(secs(10.0));
    assert_eq!(sim.state(0, 0), State::Master);
    assert_eq!(sim.state(1, 0), State::Backup);
    let sends = sim.sends(0);
    assert!(
        sends
            .iter()
            .all(|(_, tx)| tx.dst.to_string() == "10.0.0.2" && tx.src.to_string() == "10.0.0.1")
    );
    assert!(sim.nodes[1].engine.stats(0).advert_rcvd >= 6);
}

/// vrrp_dispatcher_read(): with log_unknown_vrids, an advert for a VRID we do not run is logged.
#[test]
fn unknown_vrid_logged() {
    let mut sim = Sim::new(&[
        &format!(
            "global_defs {{\n log_unknown_vrids\n}}\n{}",
            instance("VI_1", 51, 100, "")
        ),
        &instance("VI_2", 52, 100, "").replace("10.0.0.100", "10.0.0.200"),
    ]);
    sim.start_all();
    sim.run_until(secs(5.0));
    assert!(
        sim.first(0, "Unknown VRID(52) received on interface(eth0). ignoring...")
            .is_some()
    );
    assert!(
        sim.first(1, "Unknown VRID(51) received on interface(eth0). ignoring...")
            .is_none()
    );
}

/// vrrp_daemon.c start_vrrp() / vrrp_init_instance_sands(): vrrp_startup_delay postpones the
/// backup timers.
#[test]
fn startup_delay() {
    let mut sim = Sim::new(&[&format!(
        "global_defs {{\n vrrp_startup_delay 2\n}}\n{}",
        instance("VI_1", 51, 100, "")
    )]);
    sim.start_all();
    sim.run_until(secs(10.0));
    assert_eq!(sim.first(0, "Delaying startup for 2 seconds"), Some(secs(0.0)));
    assert_eq!(
        sim.first(0, "(VI_1) Entering MASTER STATE"),
        Some(secs(2.0) + micros(3_609_375))
    );
}

/// vrrp_update_pkt(): the IPv4 identification goes up by one per advert and skips 0.
#[test]
fn ip_id_increments() {
    let mut sim = Sim::new(&[&instance("VI_1", 51, 100, "")]);
    sim.start_all();
    sim.run_until(secs(8.0));
    let ids: Vec<u16> = sim
        .sends(0)
        .iter()
        .map(|(_, tx)| u16::from_be_bytes([tx.data[4], tx.data[5]]))
        .collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    assert_eq!(sim.sends(0)[0].1.ttl, 255);
}

/// VRRPv3 over IPv6 (RFC 5798 5.1.2): link-local source, ff02::12, election as for IPv4.
#[test]
fn ipv6_election() {
    let v6 = |prio: u8| {
        format!(
            "vrrp_instance VI_6 {{\n interface eth0\n virtual_router_id 61\n priority {prio}\n advert_int 1\n virtual_ipaddress {{\n  2001:db8::100\n }}\n}}\n"
        )
    };
    let mut sim = Sim::new(&[&v6(150), &v6(100)]);
    sim.start_all();
    sim.run_until(secs(10.0));
    assert_eq!(sim.state(0, 0), State::Master);
    assert_eq!(sim.state(1, 0), State::Backup);
    let (_, tx) = &sim.sends(0)[0];
    assert_eq!(tx.dst.to_string(), "ff02::12");
    assert_eq!(tx.src.to_string(), "fe80::1");
    assert!(sim.nodes[1].engine.stats(0).advert_rcvd >= 6);
    assert!(
        sim.texts(0)
            .contains(&"(VI_6) Sending/queueing Unsolicited Neighbour Adverts on eth0 for 2001:db8::100".to_string())
    );
}

/// An advert as another router would send it (node-independent), for feeding the engine.
fn foreign_advert(src: &str, prio: u8, vips: &[&str]) -> keepalived_rs::vrrp::event::RxPacket {
    use keepalived_rs::config::model::vrrp::{AuthType, Family};
    use keepalived_rs::vrrp::packet::{Advert, TxParams, build};
    let src: std::net::IpAddr = src.parse().unwrap();
    let dst: std::net::IpAddr = "224.0.0.18".parse().unwrap();
    let adv = Advert {
        version: 2,
        vrid: 51,
        priority: prio,
        adver_int: 1,
        addrs: vips.iter().map(|a| a.parse().unwrap()).collect(),
    };
    let tx = TxParams {
        family: Family::V4,
        src,
        dst,
        ttl: 255,
        ip_id: 1,
        auth: AuthType::None,
        password: b"",
        ah_seq: 0,
        old_unicast_checksum: None,
    };
    keepalived_rs::vrrp::event::RxPacket {
        ifname: "eth0".into(),
        family: Family::V4,
        src,
        dst,
        ttl: 255,
        data: build(&adv, &tx),
    }
}

/// vrrp_state_backup() with `skip_check_adv_addr`: the address list is only checked for an
/// advert from a new master.
#[test]
fn skip_check_adv_addr_only_for_the_same_master() {
    use keepalived_rs::vrrp::event::Event;
    let mut sim = Sim::new(&[&instance("VI_1", 51, 100, " skip_check_adv_addr\n")]);
    sim.start_all();
    sim.event(0, Event::Packet(foreign_advert("10.0.0.9", 200, &["10.0.0.100"])));
    sim.event(0, Event::Packet(foreign_advert("10.0.0.9", 200, &["10.0.0.55"])));
    assert_eq!(sim.nodes[0].engine.stats(0).addr_list_err, 0);
    assert_eq!(sim.nodes[0].engine.stats(0).advert_rcvd, 2);
    sim.event(0, Event::Packet(foreign_advert("10.0.0.8", 200, &["10.0.0.55"])));
    assert_eq!(sim.nodes[0].engine.stats(0).addr_list_err, 1);
    assert!(
        sim.texts(0).contains(
            &"(VI_1) ip address associated with VRID 51 not present in MASTER advert: 10.0.0.100".to_string()
        )
    );
    // Without the option every advert is checked.
    let mut sim = Sim::new(&[&instance("VI_1", 51, 100, "")]);
    sim.start_all();
    sim.event(0, Event::Packet(foreign_advert("10.0.0.9", 200, &["10.0.0.100"])));
    sim.event(0, Event::Packet(foreign_advert("10.0.0.9", 200, &["10.0.0.55"])));
    assert_eq!(sim.nodes[0].engine.stats(0).addr_list_err, 1);
}

/// A rejected advert does not refresh a backup's timer (vrrp_state_backup() keeps what is
/// left of it).
#[test]
fn rejected_advert_does_not_refresh_backup_timer() {
    use keepalived_rs::vrrp::event::Event;
    let mut sim = Sim::new(&[&instance("VI_1", 51, 100, "")]);
    sim.start_all();
    sim.run_until(secs(1.0));
    sim.event(0, Event::Packet(foreign_advert("10.0.0.9", 200, &["10.0.0.100"])));
    sim.run_until(secs(2.0));
    sim.event(0, Event::Packet(foreign_advert("10.0.0.9", 200, &["10.0.0.55"])));
    sim.run_until(secs(10.0));
    assert_eq!(
        sim.first(0, "(VI_1) Entering MASTER STATE"),
        Some(secs(1.0) + micros(3_609_375))
    );
}

/// IPsec AH (RFC 2402, keepalived's vrrp_build_ipsecah()/vrrp_in_chk_ipsecah()): both nodes
/// authenticate each other's adverts and elect one master.
#[test]
fn ah_authentication_election() {
    let ah = " authentication {\n  auth_type AH\n  auth_pass s3cret\n }\n";
    let mut sim = Sim::new(&[&instance("VI_1", 51, 150, ah), &instance("VI_1", 51, 100, ah)]);
    sim.start_all();
    sim.run_until(secs(10.0));
    assert_eq!(sim.state(0, 0), State::Master);
    assert_eq!(sim.state(1, 0), State::Backup);
    let st = sim.nodes[1].engine.stats(0);
    assert_eq!((st.auth_failure, st.authtype_mismatch), (0, 0));
    assert!(st.advert_rcvd >= 6);
    // Protocol 51 on the wire.
    assert_eq!(sim.sends(0)[0].1.data[9], 51);
}

/// Events after a stop change nothing; a stop before start prevents it.
#[test]
fn nothing_after_stop() {
    use keepalived_rs::vrrp::event::Event;
    let mut sim = Sim::new(&[&instance("VI_1", 51, 100, "")]);
    sim.event(0, Event::Stop);
    sim.start_all();
    assert!(sim.nodes[0].record.is_empty());
    let mut sim = Sim::new(&[&instance("VI_1", 51, 100, "")]);
    sim.start_all();
    sim.event(0, Event::Stop);
    let n = sim.nodes[0].record.len();
    sim.set_link(0, "eth0", false);
    sim.event(0, Event::Packet(foreign_advert("10.0.0.9", 200, &["10.0.0.100"])));
    sim.run_until(secs(10.0));
    assert_eq!(sim.nodes[0].record.len(), n);
}

/// Netlink's "Netlink reports" line is only for interfaces some instance tracks.
#[test]
fn tracked_interfaces() {
    let sim = Sim::new(&[&instance("VI_1", 51, 100, " track_interface {\n  eth2 weight 5\n }\n")]);
    let e = &sim.nodes[0].engine;
    assert!(e.is_tracked_interface("eth0"));
    assert!(e.is_tracked_interface("eth2"));
    assert!(!e.is_tracked_interface("eth1"));
}

/// Unicast without `interface` (vrrp_dispatcher_read(): the socket is bound to no device):
/// adverts arriving on any interface reach the instance.
#[test]
fn unicast_without_interface() {
    let uc = |me: &str, peer: &str, prio: u8| {
        instance(
            "VI_1",
            51,
            prio,
            &format!(" unicast_src_ip {me}\n unicast_peer {{\n  {peer}\n }}\n"),
        )
        .replace(" interface eth0\n", "")
    };
    let mut sim = Sim::new(&[&uc("10.0.0.1", "10.0.0.2", 150), &uc("10.0.0.2", "10.0.0.1", 100)]);
    sim.start_all();
    sim.run_until(secs(10.0));
    assert_eq!(sim.state(0, 0), State::Master);
    assert_eq!(sim.state(1, 0), State::Backup);
    assert!(sim.nodes[1].engine.stats(0).advert_rcvd >= 6);
}
