//! The scheduler's timer heap against the linear scans it replaced (the reference below is
//! the former `next_deadline()`/`due()`, kept as it was over the checkers' own `next`): random
//! runs of registrations, due calls, results, reschedulings, `ha_suspend` switches and
//! reloads must give the same due checkers, in the same order, and the same deadlines as
//! keepalived's `thread_add_timer()` queue would.

use std::collections::BTreeSet;

use proptest::prelude::*;

use super::*;

/// The former `next_deadline()`: the earliest `next` of all checkers.
fn reference_next_deadline(s: &Scheduler) -> Option<Duration> {
    s.checkers.iter().filter_map(|(_, st)| st.next).min()
}

/// The former `due()`: every checker in id order; the due ones run, the disabled ones wait
/// another `delay_loop`.
fn reference_due(s: &mut Scheduler, now: Duration) -> Vec<CheckerId> {
    let mut out = Vec::new();
    let ids: Vec<CheckerId> = s.checkers.keys().copied().collect();
    for id in &ids {
        let st = s.checkers.get_mut(id).expect("listed above");
        match st.next {
            Some(t) if t <= now => {
                if st.enabled {
                    st.next = None;
                    st.last_ran = now;
                    out.push(*id);
                } else {
                    st.next = Some(now + st.shared.params.delay_loop);
                }
            }
            _ => {}
        }
    }
    out
}

/// A checker's id, next run, last run, up, has run, retry count and enabled.
type Snapshot = (CheckerId, Option<Duration>, Duration, bool, bool, u32, bool);

/// The per-checker state the scheduler exposes or decides with, for comparing two runs.
fn states(s: &Scheduler) -> Vec<Snapshot> {
    s.checkers
        .iter()
        .map(|(id, st)| (*id, st.next, st.last_ran, st.is_up, st.has_run, st.retry_it, st.enabled))
        .collect()
}

/// The heap holds every waiting checker's deadline, and its top is the earliest one.
fn assert_index_true(s: &Scheduler) {
    let entries: BTreeSet<(Duration, usize)> = s.timers.entries().collect();
    for (i, (_, st)) in s.checkers.iter().enumerate() {
        if let Some(t) = st.next {
            assert!(entries.contains(&(t, i)), "no timer for a waiting checker");
        }
    }
    assert_eq!(
        s.timers.first(),
        reference_next_deadline(s),
        "the top is not the next deadline"
    );
}

#[derive(Clone, Debug)]
enum Op {
    /// Let time pass (ms), then take the due checkers.
    Due(u64),
    /// Take the due checkers without moving time (several due at once).
    DueNow,
    /// Report on the n-th checker that is out: 0 success, 1 failure, 2 rescheduled.
    Report(usize, u8),
    /// Report on any checker, out or not (a stale result).
    Stray(usize, u8),
    /// `ha_suspend` switch of the n-th checker.
    Enable(usize, bool),
    /// Reload with the checkers whose bit is set, all carried from the same ids.
    Reload(u16),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u64..1500).prop_map(Op::Due),
        1 => Just(Op::DueNow),
        5 => (0usize..16, 0u8..3).prop_map(|(n, k)| Op::Report(n, k)),
        1 => (0usize..16, 0u8..3).prop_map(|(n, k)| Op::Stray(n, k)),
        1 => (0usize..16, any::<bool>()).prop_map(|(n, e)| Op::Enable(n, e)),
        1 => any::<u16>().prop_map(Op::Reload),
    ]
}

const MS: Duration = Duration::from_millis(1);

/// Checker n: TCP/UDP/MISC/HTTP epilogs, short delays (some 0, so that deadlines tie and
/// repeat), several per real server.
fn spec(n: usize) -> Spec {
    let epilog = match n % 4 {
        0 => Epilog::Tcp,
        1 => Epilog::Udp,
        2 => Epilog::Misc,
        _ => Epilog::Http {
            urls: 2,
            fast_recovery: n % 8 == 3,
        },
    };
    Spec {
        id: CheckerId {
            vs: n / 8,
            rs: (n / 2) % 4,
            checker: n % 2,
        },
        params: Params {
            epilog,
            alpha: n % 3 == 0,
            delay_loop: MS * (100 * (n as u32 % 5)),
            warmup: MS * (300 * (n as u32 % 3)),
            retry: n as u32 % 3,
            delay_before_retry: MS * (50 * (n as u32 % 4)),
            timeout: MS * 500,
            log_all_failures: n % 2 == 0,
        },
        chk: format!("[10.0.0.{n}]:tcp:80").into(),
        vs: "[10.0.0.1]:tcp:80".into(),
        script: "/bin/check".into(),
    }
}

fn probe(kind: u8) -> Report {
    match kind {
        0 => Report::Done(Probe::Success),
        1 => Report::Done(Probe::Failure { reason: "x".into() }),
        _ => Report::Rescheduled,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// `Scheduler::due()`/`next_deadline()` with the timer index give what the linear scans
    /// gave, after any sequence of operations (keepalived's `thread_add_timer()` ordering).
    #[test]
    fn timer_index_matches_linear_scans(count in 1usize..16, seeds in proptest::collection::vec(0u32..=RAND_MAX, 16), ops in proptest::collection::vec(op(), 1..80)) {
        let mut r = seeds.clone().into_iter().cycle();
        let mut s = Scheduler::new((0..count).map(spec).collect(), Duration::ZERO, &mut || r.next().unwrap());
        let mut now = Duration::ZERO;
        for op in ops {
            let mut reference = s.clone();
            match op {
                Op::Due(ms) => {
                    now += MS * ms as u32;
                    prop_assert_eq!(s.due(now), reference_due(&mut reference, now));
                }
                Op::DueNow => prop_assert_eq!(s.due(now), reference_due(&mut reference, now)),
                Op::Report(n, k) => {
                    let out: Vec<CheckerId> = s.checkers.iter().filter(|(_, st)| st.next.is_none()).map(|(id, _)| *id).collect();
                    if let Some(id) = out.get(n % out.len().max(1)) {
                        s.report(now, *id, probe(k));
                    }
                    continue;
                }
                Op::Stray(n, k) => {
                    s.report(now, spec(n).id, probe(k));
                    continue;
                }
                Op::Enable(n, e) => {
                    s.set_enabled(spec(n).id, e);
                    continue;
                }
                Op::Reload(bits) => {
                    let specs: Vec<Spec> = (0..16).filter(|n| bits & (1 << n) != 0).map(spec).collect();
                    let mut carry = Carry::default();
                    for sp in &specs {
                        carry.checkers.insert(sp.id, sp.id);
                        carry.real_servers.insert((sp.id.vs, sp.id.rs), (sp.id.vs, sp.id.rs));
                    }
                    s.reload(specs, now, &carry, &mut || r.next().unwrap());
                    continue;
                }
            }
            prop_assert_eq!(states(&s), states(&reference));
            assert_index_true(&s);
            prop_assert_eq!(s.next_deadline(), reference_next_deadline(&s));
        }
        assert_index_true(&s);
        prop_assert_eq!(s.next_deadline(), reference_next_deadline(&s));
    }
}

/// keepalived's timer queue runs due checkers in order of id when they share a deadline, and
/// a disabled checker with `delay_loop` 0 is not run again within the same call.
#[test]
fn due_orders_by_id_and_defers_disabled() {
    let mut specs: Vec<Spec> = (0..6).map(spec).collect();
    for sp in &mut specs {
        sp.params.warmup = Duration::ZERO;
        sp.params.delay_loop = Duration::ZERO;
    }
    let mut s = Scheduler::new(specs.into_iter().rev().collect(), Duration::ZERO, &mut || 0);
    s.set_enabled(spec(2).id, false);
    let want: Vec<CheckerId> = [0, 1, 3, 4, 5]
        .iter()
        .map(|&n| spec(n).id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(s.due(BOOTSTRAP_DELAY), want);
    assert_eq!(
        s.next_deadline(),
        Some(BOOTSTRAP_DELAY),
        "the disabled checker waits delay_loop (0)"
    );
    assert_eq!(s.due(BOOTSTRAP_DELAY), Vec::<CheckerId>::new());
    assert_index_true(&s);
}
