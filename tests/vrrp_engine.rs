//! The VRRP engine on a simulated segment: election, timers, receive rules, GARP timing, stop.
//! Times are exact: the clock is simulated and adverts take `DELAY` to arrive.

mod support;

use keepalived_rs::vrrp::event::{Action, State};
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
