//! Property tests of the hand-over to a respawned VRRP child: a master's child is killed at an
//! arbitrary moment of its advert cycle and respawned after an arbitrary gap (VRRPv2 or v3,
//! random intervals and priorities), with a peer running alongside on the simulated segment.
//!
//! - Never two masters, beyond the ordinary transient of RFC 3768/5798: one advert's trip (the
//!   old master hears the new one `DELAY` later), or a round trip when the higher priority
//!   router learns of the other master from that one's advert.
//! - A resumed master never lets its VIP go, and no peer ever took over in the meantime: it
//!   resumes exactly when gap + advert interval < 3 × advert interval, else starts as
//!   keepalived's child does ("Entering BACKUP STATE (init)").

mod support;

use std::time::Duration;

use keepalived_rs::vrrp::event::State;
use proptest::prelude::*;
use support::engine::{DELAY, Sim, micros};
use support::reload::{kill, respawn};

/// One run's parameters.
#[derive(Clone, Debug)]
struct Case {
    version: u8,
    /// Advert interval, µs (whole seconds for v2, centiseconds for v3).
    adv: u64,
    ours: u8,
    peer: u8,
    /// When in the advert cycle the child dies, µs after settling.
    offset: u64,
    /// Death to respawn, µs.
    gap: u64,
}

fn conf(c: &Case, prio: u8) -> String {
    let adv = if c.version == 2 {
        format!("{}", c.adv / 1_000_000)
    } else {
        format!("{}.{:02}", c.adv / 1_000_000, c.adv % 1_000_000 / 10_000)
    };
    format!(
        "vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n version {}\n priority {prio}\n advert_int {adv}\n virtual_ipaddress {{\n  10.0.0.100\n }}\n}}\n",
        c.version
    )
}

fn case() -> impl Strategy<Value = Case> {
    let v2 = (1u64..=3).prop_map(|s| (2u8, s * 1_000_000));
    let v3 = (5u64..=300).prop_map(|cs| (3u8, cs * 10_000));
    (
        prop_oneof![v2, v3],
        2u8..=255,
        any::<u8>(),
        any::<u64>(),
        any::<u64>(),
        any::<bool>(),
    )
        .prop_map(|((version, adv), ours, peer, offset, gap, near)| {
            let peer = 1 + peer % (ours - 1);
            // Half the cases near the boundary (2 intervals), the others anywhere up to 4.
            let gap = if near {
                (2 * adv + gap % 4001).saturating_sub(2000)
            } else {
                gap % (4 * adv)
            };
            Case {
                version,
                adv,
                ours,
                peer,
                offset: offset % adv,
                gap,
            }
        })
}

/// Where the run is at the moments the checks need.
struct Run {
    sim: Sim,
    died: Duration,
    back: Duration,
    /// `(time, node 0 master (and alive), node 1 master)` after each moment something happened.
    samples: Vec<(Duration, bool, bool)>,
}

/// Runs a case. With `moments`, the clock stops at each of them to sample the states (the
/// simulation is deterministic, so a first run gives the moments of a second).
fn run(c: &Case, moments: &[Duration]) -> Run {
    let mut sim = Sim::new(&[&conf(c, c.ours), &conf(c, c.peer)]);
    let mut samples = Vec::new();
    let go = |sim: &mut Sim, until: Duration, alive: bool, samples: &mut Vec<_>| {
        let due: Vec<Duration> = moments.iter().copied().filter(|&t| t > sim.now && t <= until).collect();
        for t in due {
            sim.run_until(t);
            let m0 = alive && sim.state(0, 0) == State::Master;
            samples.push((t, m0, sim.state(1, 0) == State::Master));
        }
        sim.run_until(until);
    };
    sim.start_all();
    let settled = micros(5 * c.adv + 2_000_000);
    let died = settled + micros(c.offset);
    go(&mut sim, died, true, &mut samples);
    assert_eq!(sim.state(0, 0), State::Master, "{c:?}");
    let states = kill(&mut sim, 0);
    let back = died + micros(c.gap);
    go(&mut sim, back, false, &mut samples);
    respawn(&mut sim, 0, &states, died);
    samples.push((back, sim.state(0, 0) == State::Master, sim.state(1, 0) == State::Master));
    let end = back + micros(10 * c.adv + 3_000_000);
    go(&mut sim, end, true, &mut samples);
    Run {
        sim,
        died,
        back,
        samples,
    }
}

/// Every moment an engine acted.
fn moments(sim: &Sim) -> Vec<Duration> {
    let mut t: Vec<Duration> = sim.nodes.iter().flat_map(|n| n.record.iter().map(|r| r.0)).collect();
    t.sort();
    t.dedup();
    t
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn respawned_child_never_makes_two_masters(c in case()) {
        let first = run(&c, &[]);
        let r = run(&c, &moments(&first.sim));
        let texts = r.sim.texts(0);
        let resumed = texts.iter().any(|t| t == "(VI_1) Resuming MASTER STATE after VRRP child restart");
        prop_assert_eq!(resumed, c.gap + c.adv < 3 * c.adv, "{:?}", c);

        // Two masters only for the trip of one advert.
        let mut since: Option<Duration> = None;
        let mut longest = Duration::ZERO;
        for &(t, m0, m1) in &r.samples {
            match (m0 && m1, since) {
                (true, None) => since = Some(t),
                (false, Some(s)) => {
                    longest = longest.max(t - s);
                    since = None;
                }
                _ => {}
            }
        }
        prop_assert!(since.is_none(), "two masters at the end: {:?}", c);
        prop_assert!(longest <= DELAY, "two masters for {:?}: {:?}", longest, c);

        let peer_took_over = r.sim.logs(1).iter().any(|(t, l)| *t >= r.died && l.text == "(VI_1) Entering MASTER STATE");
        if resumed {
            // Nobody took over, and the VIP never left.
            prop_assert!(!peer_took_over, "{:?}", c);
            let down: Vec<_> = r.sim.addresses(0).into_iter().filter(|a| a.0 >= r.back && !a.2).collect();
            prop_assert!(down.is_empty(), "{:?} {:?}", down, c);
            prop_assert_eq!(r.sim.state(0, 0), State::Master);
        } else {
            // keepalived's start, then the ordinary election (our priority is higher).
            let init = r.sim.logs(0).iter().any(|(t, l)| *t == r.back && l.text == "(VI_1) Entering BACKUP STATE (init)");
            prop_assert!(init || c.ours == 255, "{:?}", c);
            // The peer took over while the child was away; taking the VIP back is the ordinary
            // transient (which shows the sampling sees one).
            if peer_took_over && c.ours < 255 {
                prop_assert_eq!(longest, DELAY, "{:?}", c);
            }
            prop_assert_eq!(r.sim.state(0, 0), State::Master, "{:?}", c);
        }
        prop_assert_eq!(r.sim.state(1, 0), State::Backup);
    }
}

/// A wider run: the peer may have the higher priority with `nopreempt` and start later, and the
/// child dies at any moment, in whatever state.
#[derive(Clone, Debug)]
struct Wide {
    version: u8,
    adv: u64,
    ours: u8,
    peer: u8,
    nopreempt: bool,
    /// Peer start, µs.
    peer_start: u64,
    /// Death, µs from the start.
    died: u64,
    gap: u64,
}

fn wide() -> impl Strategy<Value = Wide> {
    let v2 = (1u64..=2).prop_map(|s| (2u8, s * 1_000_000));
    let v3 = (5u64..=200).prop_map(|cs| (3u8, cs * 10_000));
    (
        prop_oneof![v2, v3],
        1u8..=254,
        1u8..=254,
        any::<bool>(),
        0u64..5_000_000,
        0u64..20_000_000,
        any::<u64>(),
    )
        .prop_filter("distinct priorities", |t| t.1 != t.2)
        .prop_map(|((version, adv), ours, peer, nopreempt, peer_start, died, gap)| Wide {
            version,
            adv,
            ours,
            peer,
            nopreempt,
            peer_start,
            died,
            gap: gap % (4 * adv),
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn child_killed_at_any_moment(w in wide()) {
        let c = Case { version: w.version, adv: w.adv, ours: w.ours, peer: w.peer, offset: 0, gap: w.gap };
        let peer_conf = conf(&c, w.peer).replace(" priority", if w.nopreempt { " nopreempt\n priority" } else { " priority" });
        let peer_masters = |sim: &Sim| -> Vec<Duration> { sim.log_times(1, "(VI_1) Entering MASTER STATE") };
        let go = |moments: &[Duration], crash: bool| {
            let mut sim = Sim::new(&[&conf(&c, w.ours), &peer_conf]);
            let mut samples = Vec::new();
            let step = |sim: &mut Sim, until: Duration, alive: bool, samples: &mut Vec<(Duration, bool, bool)>| {
                let due: Vec<Duration> = moments.iter().copied().filter(|&t| t > sim.now && t <= until).collect();
                for t in due {
                    sim.run_until(t);
                    samples.push((t, alive && sim.state(0, 0) == State::Master, sim.nodes[1].started && sim.state(1, 0) == State::Master));
                }
                sim.run_until(until);
            };
            sim.start(0);
            step(&mut sim, micros(w.peer_start), true, &mut samples);
            sim.start(1);
            let died = micros(w.died.max(w.peer_start + 1));
            step(&mut sim, died, true, &mut samples);
            let states = sim.nodes[0].engine.states();
            let back = died + micros(w.gap);
            let mut announced = Vec::new();
            if crash {
                kill(&mut sim, 0);
                step(&mut sim, back, false, &mut samples);
                announced = respawn(&mut sim, 0, &states, died);
            }
            samples.push((back, sim.state(0, 0) == State::Master, sim.state(1, 0) == State::Master));
            step(&mut sim, back + micros(10 * w.adv + 3_000_000), true, &mut samples);
            (sim, samples, states[0].state, died, back, announced)
        };
        let first = go(&[], true);
        let (sim, samples, was, died, back, announced) = go(&moments(&first.0), true);
        let undisturbed = go(&[], false).0;
        let resumed = sim.texts(0).iter().any(|t| t == "(VI_1) Resuming MASTER STATE after VRRP child restart");
        prop_assert_eq!(resumed, was == State::Master && w.gap + w.adv < 3 * w.adv, "{:?}", w);
        prop_assert_eq!(resumed, announced == [0]);
        let mut since: Option<Duration> = None;
        for &(t, m0, m1) in &samples {
            match (m0 && m1, since) {
                (true, None) => since = Some(t),
                (false, Some(s)) => {
                    // At most a round trip: a peer that takes over by its own timer the
                    // moment the child comes back sent its first advert to a dead child.
                    prop_assert!(t - s <= 2 * DELAY, "two masters from {:?} to {:?}: {:?}", s, t, w);
                    since = None;
                }
                _ => {}
            }
        }
        prop_assert!(since.is_none(), "two masters at the end: {:?}", w);
        if resumed {
            // The peer cannot tell there was a crash: it becomes master exactly when it would
            // have without one (never, or by preempting with its higher priority).
            prop_assert_eq!(peer_masters(&sim), peer_masters(&undisturbed), "{:?}", w);
            let _ = died;
            let down = sim.addresses(0).into_iter().any(|a| a.0 >= back && !a.2);
            prop_assert!(!down || (w.peer > w.ours && !w.nopreempt), "{:?}", w);
        }
    }
}
