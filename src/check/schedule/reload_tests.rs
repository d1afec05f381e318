//! [`Scheduler::reload`] and [`Carry::between`] against keepalived's `migrate_checkers()`,
//! `check_new_rs_state()` and `register_checkers_thread()` at reload, on a simulated clock.

use super::*;
use crate::config::model::check::CheckConfig;
use crate::config::{LoadOptions, load_text, system::FixedSystem};

const S: Duration = Duration::from_secs(1);

fn cid(vs: usize, rs: usize, checker: usize) -> CheckerId {
    CheckerId { vs, rs, checker }
}

fn params(retry: u32, alpha: bool) -> Params {
    Params {
        epilog: Epilog::Tcp,
        alpha,
        delay_loop: 10 * S,
        warmup: Duration::ZERO,
        retry,
        delay_before_retry: 2 * S,
        timeout: 5 * S,
        log_all_failures: false,
    }
}

fn spec(id: CheckerId, p: Params) -> Spec {
    Spec {
        id,
        params: p,
        chk: format!("[10.0.0.{}]:tcp:80", id.rs + 2).into(),
        vs: "[10.0.0.1]:tcp:80".into(),
        script: "".into(),
    }
}

fn ok(id: CheckerId) -> Outcome {
    Outcome {
        id,
        probe: Probe::Success,
    }
}

fn fail(id: CheckerId) -> Outcome {
    Outcome {
        id,
        probe: Probe::Failure { reason: "x".into() },
    }
}

/// Runs `id` at `at` (asserting it is due exactly then) and applies `outcome`.
fn run(s: &mut Scheduler, at: Duration, outcome: Outcome) -> Step {
    assert!(
        !s.due(at - Duration::from_micros(1)).contains(&outcome.id),
        "not due before {at:?}"
    );
    assert_eq!(s.due(at), vec![outcome.id], "due at {at:?}");
    s.result(at, outcome)
}

fn up(step: &Step) -> Option<(bool, bool)> {
    step.transition.as_ref().map(|t| (t.up, t.changed))
}

/// The same real servers and checkers before and after.
fn same(ids: &[CheckerId]) -> Carry {
    Carry {
        real_servers: ids.iter().map(|i| ((i.vs, i.rs), (i.vs, i.rs))).collect(),
        checkers: ids.iter().map(|i| (*i, *i)).collect(),
    }
}

#[test]
fn migrate_checkers_kept_up_checker_needs_no_new_success() {
    let a = cid(0, 0, 0);
    let mut s = Scheduler::new(vec![spec(a, params(1, false))], Duration::ZERO, &mut || 0);
    assert_eq!(up(&run(&mut s, S, ok(a))), Some((true, false)));
    s.reload(vec![spec(a, params(1, false))], 5 * S, &same(&[a]), &mut || 0);
    assert_eq!(s.is_up(a), Some(true));
    // register_checkers_thread() schedules it again as at start (BOOTSTRAP_DELAY + warmup).
    assert_eq!(s.next_deadline(), Some(6 * S));
    // has_run is carried: a success says and decides nothing.
    assert_eq!(run(&mut s, 6 * S, ok(a)), Step::default());
}

#[test]
fn migrate_checkers_down_checker_stays_down() {
    let a = cid(0, 0, 0);
    let mut s = Scheduler::new(vec![spec(a, params(1, false))], Duration::ZERO, &mut || 0);
    assert_eq!(up(&run(&mut s, S, fail(a))), Some((false, true)));
    s.reload(vec![spec(a, params(1, false))], 5 * S, &same(&[a]), &mut || 0);
    assert_eq!(s.is_up(a), Some(false));
    // Still failing: no decision at all (no "Adding service" from a fresh "up" state).
    let st = run(&mut s, 6 * S, fail(a));
    assert_eq!(st.transition, None);
    // Recovering is a real change.
    // (tcp_epilog() retries even while down, after delay_before_retry.)
    let st = run(&mut s, 8 * S, ok(a));
    assert_eq!(up(&st), Some((true, true)));
    assert_eq!(st.logs[0].text, "TCP connection to [10.0.0.2]:tcp:80 success.");
}

#[test]
fn migrate_checkers_retry_it_at_most_one_short_of_new_retry() {
    let a = cid(0, 0, 0);
    let mut s = Scheduler::new(vec![spec(a, params(3, false))], Duration::ZERO, &mut || 0);
    run(&mut s, S, ok(a));
    // Two failures while up: retry_it = 2 of 3.
    assert_eq!(run(&mut s, 11 * S, fail(a)), Step::default());
    assert_eq!(run(&mut s, 13 * S, fail(a)), Step::default());
    // The new retry is 2: retry_it becomes 1, so one more failure retries, the next decides.
    s.reload(vec![spec(a, params(2, false))], 14 * S, &same(&[a]), &mut || 0);
    assert_eq!(run(&mut s, 15 * S, fail(a)).transition, None);
    let st = run(&mut s, 17 * S, fail(a));
    assert_eq!(up(&st), Some((false, true)));
    assert_eq!(
        st.logs[0].text,
        "TCP_CHECK on service [10.0.0.2]:tcp:80 failed after 2 retries."
    );
}

#[test]
fn check_new_rs_state_new_real_server_alpha_down_others_up_without_retry_counted() {
    let a = cid(0, 0, 0);
    let mut s = Scheduler::new(vec![spec(a, params(1, false))], Duration::ZERO, &mut || 0);
    run(&mut s, S, ok(a));
    let (b, c) = (cid(0, 1, 0), cid(0, 2, 0));
    let mut warm = params(1, true);
    warm.warmup = 4 * S;
    let specs = vec![spec(a, params(1, false)), spec(b, warm), spec(c, params(1, false))];
    let mut r = [RAND_MAX].into_iter();
    s.reload(specs, 20 * S, &same(&[a]), &mut || r.next().unwrap());
    assert_eq!((s.is_up(b), s.is_up(c)), (Some(false), Some(true)));
    // The new alpha checker starts per alpha: its first success brings it up.
    assert_eq!(s.due(21 * S), vec![a, c]);
    let st = run(&mut s, 25 * S, ok(b));
    assert_eq!(up(&st), Some((true, true)));
    // check_check_data() does not count retries at reload: the new non-alpha checker needs
    // retry + 1 failures.
    assert_eq!(s.result(21 * S, fail(c)).transition, None);
    assert_eq!(up(&run(&mut s, 23 * S, fail(c))), Some((false, true)));
}

#[test]
fn migrate_checkers_new_checker_on_failed_real_server_is_one_failure_from_down() {
    let a = cid(0, 0, 0);
    let mut s = Scheduler::new(vec![spec(a, params(1, false))], Duration::ZERO, &mut || 0);
    run(&mut s, S, fail(a));
    let (b, c) = (cid(0, 0, 1), cid(0, 0, 2));
    let specs = vec![
        spec(a, params(1, false)),
        spec(b, params(1, true)),
        spec(c, params(1, false)),
    ];
    let mut carry = same(&[a]);
    carry.real_servers.insert((0, 0), (0, 0));
    s.reload(specs, 5 * S, &carry, &mut || 0);
    assert_eq!(
        (s.is_up(a), s.is_up(b), s.is_up(c)),
        (Some(false), Some(false), Some(true))
    );
    assert_eq!(s.due(6 * S), vec![a, b, c]);
    // One failure is enough for the new non-alpha checker.
    assert_eq!(up(&s.result(6 * S, fail(c))), Some((false, true)));
}

#[test]
fn migrate_checkers_real_server_down_before_with_only_new_checkers_starts_them_from_down() {
    // Before: real server 0 up, real server 1 down. The reload swaps their places and gives
    // both new checkers only: the one now at 0 (was 1, not alive, none run) has its alpha
    // checker down and its other one failure from down; the one now at 1 (was 0) starts up.
    let (a0, a1) = (cid(0, 0, 0), cid(0, 1, 0));
    let mut s = Scheduler::new(
        vec![spec(a0, params(1, false)), spec(a1, params(1, false))],
        Duration::ZERO,
        &mut || 0,
    );
    assert_eq!(s.due(S), vec![a0, a1]);
    s.result(S, ok(a0));
    assert_eq!(up(&s.result(S, fail(a1))), Some((false, true)));
    let (b0, b1, c1) = (cid(0, 0, 0), cid(0, 0, 1), cid(0, 1, 0));
    let carry = Carry {
        real_servers: [((0, 0), (0, 1)), ((0, 1), (0, 0))].into_iter().collect(),
        checkers: Default::default(),
    };
    let specs = vec![
        spec(b0, params(2, true)),
        spec(b1, params(2, false)),
        spec(c1, params(2, true)),
    ];
    s.reload(specs, 5 * S, &carry, &mut || 0);
    assert_eq!(
        (s.is_up(b0), s.is_up(b1), s.is_up(c1)),
        (Some(false), Some(true), Some(true))
    );
    assert_eq!(s.due(6 * S), vec![b0, b1, c1]);
    // retry_it = retry: the first failure decides.
    assert_eq!(up(&s.result(6 * S, fail(b1))), Some((false, true)));
    assert_eq!(s.result(6 * S, fail(c1)).transition, None);
}

#[test]
fn migrate_checkers_new_alpha_checker_on_healthy_real_server_starts_up() {
    let a = cid(0, 0, 0);
    let mut s = Scheduler::new(vec![spec(a, params(1, false))], Duration::ZERO, &mut || 0);
    run(&mut s, S, ok(a));
    let b = cid(0, 0, 1);
    s.reload(
        vec![spec(a, params(1, false)), spec(b, params(1, true))],
        5 * S,
        &same(&[a]),
        &mut || 0,
    );
    assert_eq!(s.is_up(b), Some(true));
}

#[test]
fn migrate_misc_check_keeps_last_exit_code() {
    let a = cid(0, 0, 0);
    let mut p = params(0, false);
    p.epilog = Epilog::Misc;
    let mut s = Scheduler::new(vec![spec(a, p.clone())], Duration::ZERO, &mut || 0);
    let st = run(
        &mut s,
        S,
        Outcome {
            id: a,
            probe: Probe::SuccessWeight(5),
        },
    );
    assert_eq!(st.weight, Some(Weight::Dynamic(5)));
    s.reload(vec![spec(a, p)], 5 * S, &same(&[a]), &mut || 0);
    // The same weight again changes nothing.
    let st = run(
        &mut s,
        6 * S,
        Outcome {
            id: a,
            probe: Probe::SuccessWeight(5),
        },
    );
    assert_eq!(st, Step::default());
}

fn check(text: &str) -> CheckConfig {
    load_text(text, &LoadOptions::default(), &FixedSystem::typical(), false)
        .config
        .check
}

#[test]
fn clear_diff_services_pairs_by_vs_iseq_rs_iseq_and_compare() {
    let old = check(
        "virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n  TCP_CHECK {\n  }\n  \
         HTTP_GET {\n   url {\n    path /\n    status_code 200\n   }\n  }\n }\n \
         real_server 10.0.0.3 80 {\n  TCP_CHECK {\n  }\n }\n}\n\
         virtual_server 10.0.0.9 80 {\n real_server 10.0.0.2 80 {\n  TCP_CHECK {\n  }\n }\n}\n",
    );
    // The first virtual server moves to second place; its first real server loses the HTTP
    // checker and gets a TCP_CHECK on another port; 10.0.0.3 goes, 10.0.0.4 comes; the
    // virtual server 10.0.0.9 moves to port 81 (another service).
    let new = check(
        "virtual_server 10.0.0.9 81 {\n real_server 10.0.0.2 80 {\n  TCP_CHECK {\n  }\n }\n}\n\
         virtual_server 10.0.0.1 80 {\n real_server 10.0.0.4 80 {\n  TCP_CHECK {\n  }\n }\n \
         real_server 10.0.0.2 80 {\n  TCP_CHECK {\n   connect_port 81\n  }\n  TCP_CHECK {\n  }\n }\n}\n",
    );
    let c = Carry::between(&old, &new);
    assert_eq!(c.real_servers.into_iter().collect::<Vec<_>>(), [((1, 1), (0, 0))]);
    assert_eq!(
        c.checkers.into_iter().collect::<Vec<_>>(),
        [(cid(1, 1, 1), cid(0, 0, 0))]
    );
}
