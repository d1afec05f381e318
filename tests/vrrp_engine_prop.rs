//! Property test of the VRRP engine on the simulated segment: random sequences of link
//! changes, script results, track file values, partitions, stray packets and stops never make
//! it panic, and once the segment is whole again (no loss, everything healthy) exactly one
//! master remains, stably (RFC 3768 6.4: one master per virtual router).

mod support;

use std::net::IpAddr;

use keepalived_rs::config::model::vrrp::Family;
use keepalived_rs::vrrp::event::{Event, RxPacket, ScriptOutcome, State};
use proptest::prelude::*;
use support::engine::{Sim, secs};

#[derive(Clone, Debug)]
enum Ev {
    Link { node: usize, iface: usize, up: bool },
    Script { node: usize, ok: bool },
    File { node: usize, value: i64 },
    Cut { node: usize, cut: bool },
    Garbage { node: usize, data: Vec<u8>, prio: u8 },
    Stop { node: usize },
}

fn ev() -> impl Strategy<Value = Ev> {
    prop_oneof![
        (0..3usize, 0..2usize, any::<bool>()).prop_map(|(node, iface, up)| Ev::Link { node, iface, up }),
        (0..3usize, any::<bool>()).prop_map(|(node, ok)| Ev::Script { node, ok }),
        (0..3usize, -3..4i64).prop_map(|(node, value)| Ev::File { node, value }),
        (0..3usize, any::<bool>()).prop_map(|(node, cut)| Ev::Cut { node, cut }),
        (0..3usize, proptest::collection::vec(any::<u8>(), 0..64), any::<u8>())
            .prop_map(|(node, data, prio)| Ev::Garbage { node, data, prio }),
        (0..3usize).prop_map(|node| Ev::Stop { node }),
    ]
}

#[derive(Clone, Debug)]
struct Node {
    prio: u8,
    extra: &'static str,
}

fn node() -> impl Strategy<Value = Node> {
    (
        prop_oneof![Just(255u8), 1..=254u8, Just(100u8)],
        prop_oneof![
            Just(""),
            Just(" nopreempt\n"),
            Just(" preempt_delay 2\n"),
            Just(" lower_prio_no_advert\n"),
            Just(" higher_prio_send_advert\n"),
        ],
    )
        .prop_map(|(prio, extra)| Node { prio, extra })
}

fn conf(n: &Node, v3: bool) -> String {
    let extra = if n.prio == 255 && n.extra.contains("preempt") {
        ""
    } else {
        n.extra
    };
    format!(
        "vrrp_script chk {{\n script /bin/true\n weight -30\n}}\n\
         track_file tf {{\n file /tmp/keepalived-rs-engine-prop\n weight 7\n}}\n\
         vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n priority {}\n advert_int 1\n{}{extra}\
          track_interface {{\n  eth1 weight 20\n }}\n track_script {{\n  chk\n }}\n track_file {{\n  tf\n }}\n\
          virtual_ipaddress {{\n  10.0.0.100\n }}\n}}\n",
        n.prio,
        if v3 { " version 3\n" } else { "" }
    )
}

fn stray(data: &[u8], prio: u8, v3: bool) -> Vec<u8> {
    // Half the time a well-formed advert from a stranger, else raw bytes.
    if data.len() % 2 == 0 {
        let mut v = vec![
            0x45, 0xc0, 0, 48, 0, 1, 0, 0, 255, 112, 0, 0, 10, 0, 0, 99, 224, 0, 0, 18,
        ];
        let ver = if v3 { 0x31 } else { 0x21 };
        v.extend_from_slice(&[ver, 51, prio, 1, 0, 1, 0, 0, 10, 0, 0, 100]);
        if !v3 {
            v.extend_from_slice(&[0; 8]);
        }
        let len = v.len() as u16;
        v[2..4].copy_from_slice(&len.to_be_bytes());
        v
    } else {
        data.to_vec()
    }
}

fn run(nodes: &[Node], v3: bool, events: &[(u32, Ev)]) -> Result<(), TestCaseError> {
    let confs: Vec<String> = nodes.iter().map(|n| conf(n, v3)).collect();
    let refs: Vec<&str> = confs.iter().map(String::as_str).collect();
    let mut sim = Sim::new(&refs);
    sim.start_all();
    let mut stopped = vec![false; nodes.len()];
    let mut evs = events.to_vec();
    evs.sort_by_key(|e| e.0);
    for (ms, e) in evs {
        sim.run_until(secs(f64::from(ms) / 1000.0));
        match e {
            Ev::Link { node, iface, up } => sim.set_link(node, &format!("eth{iface}"), up),
            Ev::Script { node, ok } => sim.event(
                node,
                Event::ScriptResult {
                    name: "chk".into(),
                    outcome: ScriptOutcome::Exited(if ok { 0 } else { 1 }),
                },
            ),
            Ev::File { node, value } => sim.event(
                node,
                Event::TrackFile {
                    name: "tf".into(),
                    value,
                },
            ),
            Ev::Cut { node, cut } => sim.nodes[node].cut = cut,
            Ev::Garbage { node, data, prio } => sim.event(
                node,
                Event::Packet(RxPacket {
                    ifname: "eth0".into(),
                    family: Family::V4,
                    src: IpAddr::from([10, 0, 0, 99]),
                    dst: IpAddr::from([224, 0, 0, 18]),
                    ttl: 255,
                    data: stray(&data, prio, v3),
                }),
            ),
            Ev::Stop { node } => {
                sim.event(node, Event::Stop);
                stopped[node] = true;
            }
        }
    }
    // Heal: no loss, links up, scripts and files healthy.
    let t = sim.now;
    for n in 0..nodes.len() {
        sim.nodes[n].cut = false;
        for k in 0..2 {
            sim.set_link(n, &format!("eth{k}"), true);
        }
        sim.event(
            n,
            Event::TrackFile {
                name: "tf".into(),
                value: 0,
            },
        );
        for _ in 0..3 {
            sim.script(n, "chk", 0);
        }
    }
    sim.run_until(t + secs(30.0));
    let masters = |sim: &Sim| {
        (0..nodes.len())
            .filter(|&n| !stopped[n] && sim.state(n, 0) == State::Master)
            .count()
    };
    let alive = stopped.iter().filter(|s| !**s).count();
    let before: Vec<State> = (0..nodes.len()).map(|n| sim.state(n, 0)).collect();
    prop_assert_eq!(masters(&sim), usize::from(alive > 0), "states {:?}", before);
    sim.run_until(t + secs(45.0));
    let after: Vec<State> = (0..nodes.len()).map(|n| sim.state(n, 0)).collect();
    prop_assert_eq!(&before, &after, "not stable");
    for (n, gone) in stopped.iter().enumerate() {
        if !gone {
            prop_assert!(sim.state(n, 0) != State::Fault);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(96), .. ProptestConfig::default() })]

    /// RFC 3768 6.4 / keepalived's state machine: no panic, and a single stable master once
    /// the segment is healthy and loss-free.
    #[test]
    fn random_events_settle_on_one_master(
        nodes in proptest::collection::vec(node(), 2..=3),
        v3 in any::<bool>(),
        events in proptest::collection::vec((0..30_000u32, ev()), 0..40),
    ) {
        let events: Vec<_> = events.into_iter().filter(|(_, e)| match e {
            Ev::Link { node, .. } | Ev::Script { node, .. } | Ev::File { node, .. }
            | Ev::Cut { node, .. } | Ev::Garbage { node, .. } | Ev::Stop { node } => *node < nodes.len(),
        }).collect();
        run(&nodes, v3, &events)?;
    }
}

/// Number of cases: `PROPTEST_CASES` if set (for long runs), else `n`.
fn cases(n: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(n)
}

fn group_conf(prio: u8) -> String {
    format!(
        "vrrp_sync_group G {{\n group {{\n  VI_1\n  VI_2\n }}\n}}\n\
         vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n priority {prio}\n advert_int 1\n virtual_ipaddress {{\n  10.0.0.100\n }}\n}}\n\
         vrrp_instance VI_2 {{\n interface eth0\n virtual_router_id 52\n priority {prio}\n advert_int 1\n track_interface {{\n  eth1\n }}\n virtual_ipaddress {{\n  10.0.0.101\n }}\n}}\n"
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(64), .. ProptestConfig::default() })]

    /// vrrp_sync.c: whatever happened, once healthy and loss-free each VRID has one master and
    /// each node's members share their group's state.
    #[test]
    fn sync_groups_settle_together(
        prios in proptest::collection::vec(1..=254u8, 2..=3),
        events in proptest::collection::vec((0..30_000u32, 0..3usize, 0..3u8, any::<bool>()), 0..30),
    ) {
        let confs: Vec<String> = prios.iter().map(|p| group_conf(*p)).collect();
        let refs: Vec<&str> = confs.iter().map(String::as_str).collect();
        let mut sim = Sim::new(&refs);
        sim.start_all();
        let mut evs: Vec<_> = events.into_iter().filter(|e| e.1 < prios.len()).collect();
        evs.sort_by_key(|e| e.0);
        for (ms, node, what, flag) in evs {
            sim.run_until(secs(f64::from(ms) / 1000.0));
            match what {
                0 => sim.set_link(node, "eth1", flag),
                1 => sim.set_link(node, "eth0", flag),
                _ => sim.nodes[node].cut = flag,
            }
        }
        let t = sim.now;
        for n in 0..prios.len() {
            sim.nodes[n].cut = false;
            sim.set_link(n, "eth0", true);
            sim.set_link(n, "eth1", true);
        }
        sim.run_until(t + secs(40.0));
        for i in 0..2 {
            let masters = (0..prios.len()).filter(|&n| sim.state(n, i) == State::Master).count();
            prop_assert_eq!(masters, 1);
        }
        for n in 0..prios.len() {
            let g = sim.nodes[n].engine.group_state(0);
            prop_assert_eq!(sim.state(n, 0), g);
            prop_assert_eq!(sim.state(n, 1), g);
        }
    }
}
