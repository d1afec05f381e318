//! The scheduler against keepalived's timing and retry rules, on a simulated clock.

use super::*;

const S: Duration = Duration::from_secs(1);

fn id(n: usize) -> CheckerId {
    CheckerId {
        vs: 0,
        rs: n,
        checker: 0,
    }
}

fn params(epilog: Epilog, retry: u32) -> Params {
    Params {
        epilog,
        alpha: false,
        delay_loop: 10 * S,
        warmup: Duration::ZERO,
        retry,
        delay_before_retry: 2 * S,
        timeout: 5 * S,
        log_all_failures: false,
    }
}

fn spec(n: usize, p: Params) -> Spec {
    Spec {
        id: id(n),
        params: p,
        chk: "[10.0.0.2]:tcp:80".into(),
        vs: "[10.0.0.1]:tcp:80".into(),
        script: "/bin/check".into(),
    }
}

fn sched(p: Params) -> Scheduler {
    Scheduler::new(vec![spec(0, p)], Duration::ZERO, &mut || 0)
}

fn fail(reason: &str) -> Outcome {
    Outcome {
        id: id(0),
        probe: Probe::Failure { reason: reason.into() },
    }
}

fn ok() -> Outcome {
    Outcome {
        id: id(0),
        probe: Probe::Success,
    }
}

fn texts(step: &Step) -> Vec<String> {
    step.logs.iter().map(|l| l.text.clone()).collect()
}

/// Runs the checker when due (asserting the time) and applies `outcome` at once.
fn run(s: &mut Scheduler, at: Duration, outcome: Outcome) -> Step {
    assert_eq!(s.next_deadline(), Some(at), "next run");
    assert!(s.due(at - Duration::from_micros(1)).is_empty());
    assert_eq!(s.due(at), vec![outcome.id]);
    assert_eq!(s.next_deadline(), None, "nothing scheduled while the probe is out");
    s.result(at, outcome)
}

fn up(step: &Step) -> Option<(bool, bool)> {
    step.transition.as_ref().map(|t| (t.up, t.changed))
}

#[test]
fn register_checkers_thread_bootstrap_and_warmup() {
    let mut p = params(Epilog::Tcp, 1);
    p.warmup = 8 * S;
    let specs = vec![spec(0, p.clone()), spec(1, p.clone()), spec(2, p)];
    let mut r = [0, RAND_MAX / 2, RAND_MAX].into_iter();
    let mut s = Scheduler::new(specs, 5 * S, &mut || r.next().unwrap());
    assert_eq!(s.next_deadline(), Some(6 * S));
    assert_eq!(s.due(6 * S), vec![id(0)]);
    // 8 s × (2^31-1)/2 / (2^31-1), truncated to microseconds as keepalived's integer maths.
    let half = Duration::from_micros(8_000_000u64 * u64::from(RAND_MAX / 2) / u64::from(RAND_MAX));
    assert_eq!(s.next_deadline(), Some(6 * S + half));
    assert_eq!(s.due(10 * S), vec![id(1)]);
    assert_eq!(s.next_deadline(), Some(14 * S));
    assert_eq!(s.due(14 * S), vec![id(2)]);
}

#[test]
fn check_check_data_alpha_starts_down_others_up() {
    let mut p = params(Epilog::Tcp, 1);
    assert_eq!(sched(p.clone()).is_up(id(0)), Some(true));
    p.alpha = true;
    let mut s = sched(p);
    assert_eq!(s.is_up(id(0)), Some(false));
    // The first success brings it up.
    let st = run(&mut s, S, ok());
    assert_eq!(up(&st), Some((true, true)));
    assert_eq!(texts(&st), ["TCP connection to [10.0.0.2]:tcp:80 success."]);
}

#[test]
fn update_svr_checker_state_first_result_confirms_without_change() {
    let mut s = sched(params(Epilog::Tcp, 1));
    let st = run(&mut s, S, ok());
    assert_eq!(up(&st), Some((true, false)));
    // Later successes say nothing.
    let st = run(&mut s, 11 * S, ok());
    assert_eq!(st, Step::default());
}

#[test]
fn tcp_epilog_one_failure_is_enough_initially() {
    let mut s = sched(params(Epilog::Tcp, 1));
    let st = run(&mut s, S, fail("TCP connection to [10.0.0.2]:tcp:80 timeout."));
    assert_eq!(up(&st), Some((false, true)));
    assert_eq!(texts(&st), ["TCP_CHECK on service [10.0.0.2]:tcp:80 failed."]);
    assert_eq!(s.next_deadline(), Some(11 * S));
}

#[test]
fn tcp_epilog_retry_then_down_after_retries() {
    let mut s = sched(params(Epilog::Tcp, 2));
    run(&mut s, S, ok());
    // Failure while up: two retries spaced delay_before_retry, then down.
    let st = run(&mut s, 11 * S, fail("TCP connection to [10.0.0.2]:tcp:80 timeout."));
    assert_eq!(st, Step::default(), "no log without log_all_failures");
    let st = run(&mut s, 13 * S, fail("x"));
    assert_eq!(st, Step::default());
    let st = run(&mut s, 15 * S, fail("x"));
    assert_eq!(up(&st), Some((false, true)));
    assert_eq!(
        texts(&st),
        ["TCP_CHECK on service [10.0.0.2]:tcp:80 failed after 2 retries."]
    );
    // Down: tcp_epilog keeps retrying, silently.
    assert_eq!(run(&mut s, 25 * S, fail("x")), Step::default());
    assert_eq!(run(&mut s, 27 * S, fail("x")), Step::default());
    assert_eq!(run(&mut s, 29 * S, fail("x")), Step::default());
    let st = run(&mut s, 39 * S, ok());
    assert_eq!(up(&st), Some((true, true)));
}

#[test]
fn tcp_epilog_success_during_retries_resets_count() {
    let mut s = sched(params(Epilog::Tcp, 1));
    run(&mut s, S, ok());
    run(&mut s, 11 * S, fail("x"));
    assert_eq!(run(&mut s, 13 * S, ok()), Step::default());
    // A fresh failure gets its retry again.
    assert_eq!(run(&mut s, 23 * S, fail("x")), Step::default());
    assert_eq!(s.next_deadline(), Some(25 * S));
}

#[test]
fn tcp_check_thread_log_all_failures_logs_reason_while_up() {
    let mut p = params(Epilog::Tcp, 1);
    p.log_all_failures = true;
    let mut s = sched(p);
    run(&mut s, S, ok());
    let st = run(&mut s, 11 * S, fail("TCP connection to [10.0.0.2]:tcp:80 timeout."));
    assert_eq!(texts(&st), ["TCP connection to [10.0.0.2]:tcp:80 timeout."]);
    let st = run(&mut s, 13 * S, fail("TCP connection to [10.0.0.2]:tcp:80 timeout."));
    assert_eq!(
        texts(&st),
        [
            "TCP connection to [10.0.0.2]:tcp:80 timeout.",
            "TCP_CHECK on service [10.0.0.2]:tcp:80 failed after 1 retries."
        ]
    );
    // Down: the reason is no longer logged.
    let st = run(&mut s, 23 * S, fail("TCP connection to [10.0.0.2]:tcp:80 timeout."));
    assert!(st.logs.is_empty());
}

#[test]
fn udp_epilog_no_retries_while_down() {
    let mut s = sched(params(Epilog::Udp, 1));
    let st = run(&mut s, S, fail("UDP connection to [10.0.0.2]:tcp:80 failed."));
    assert_eq!(texts(&st), ["UDP_CHECK on service [10.0.0.2]:tcp:80 failed."]);
    // Down: every failure waits a full delay_loop.
    assert_eq!(run(&mut s, 11 * S, fail("x")), Step::default());
    assert_eq!(s.next_deadline(), Some(21 * S));
    let st = run(&mut s, 21 * S, ok());
    assert_eq!(texts(&st), ["UDP connection to [10.0.0.2]:tcp:80 success."]);
    // Up: retry, then down after retries.
    run(&mut s, 31 * S, fail("x"));
    let st = run(&mut s, 33 * S, fail("x"));
    assert_eq!(
        texts(&st),
        ["UDP_CHECK on service [10.0.0.2]:tcp:80 failed after 1 retries."]
    );
}

#[test]
fn icmp_epilog_names_the_virtual_server_after_retries() {
    let mut s = sched(params(Epilog::Icmp, 1));
    run(&mut s, S, ok());
    run(&mut s, 11 * S, fail("x"));
    let st = run(&mut s, 13 * S, fail("x"));
    assert_eq!(
        texts(&st),
        ["ICMP CHECK on service [10.0.0.2]:tcp:80 of [10.0.0.1]:tcp:80 failed after 1 retries."]
    );
    let st = run(&mut s, 23 * S, ok());
    assert_eq!(texts(&st), ["ICMP connection to [10.0.0.2]:tcp:80 success."]);
}

fn misc_line(tail: &str) -> String {
    format!("Misc check for [[10.0.0.2]:tcp:80 VS [10.0.0.1]:tcp:80] by [/bin/check] {tail}")
}

#[test]
fn misc_check_child_thread_retry_disabled() {
    let mut s = sched(params(Epilog::Misc, 0));
    let st = run(&mut s, S, fail("exited with status 1"));
    assert_eq!(
        texts(&st),
        [misc_line("failed with retry disabled (exited with status 1).")]
    );
    assert_eq!(up(&st), Some((false, true)));
    // Down: failures are silent.
    assert_eq!(run(&mut s, 11 * S, fail("exited with status 1")), Step::default());
    let st = run(&mut s, 21 * S, ok());
    assert_eq!(texts(&st), [misc_line("succeeded.")]);
    assert_eq!(up(&st), Some((true, true)));
    let st = run(&mut s, 31 * S, fail("timed out"));
    assert_eq!(texts(&st), [misc_line("timed out with retry disabled.")]);
    run(&mut s, 41 * S, ok());
    let st = run(&mut s, 51 * S, fail("due to signal 9"));
    assert_eq!(texts(&st), [misc_line("failed with retry disabled (due to signal 9).")]);
}

#[test]
fn misc_check_child_thread_retry_messages() {
    let mut p = params(Epilog::Misc, 2);
    p.log_all_failures = true;
    let mut s = sched(p);
    // retry_it starts at retry: the first failure is final, "after" the retries.
    let st = run(&mut s, S, fail("exited with status 1"));
    assert_eq!(
        texts(&st),
        [misc_line("failed after 2 retries (exited with status 1).")]
    );
    run(&mut s, 11 * S, ok());
    let st = run(&mut s, 21 * S, fail("exited with status 1"));
    assert_eq!(
        texts(&st),
        [misc_line("failed, will do 2 retries (exited with status 1).")]
    );
    assert_eq!(st.transition, None, "message only");
    let st = run(&mut s, 23 * S, fail("exited with status 3"));
    assert_eq!(texts(&st), [misc_line("failed on retry 1/2 (exited with status 3).")]);
    let st = run(&mut s, 25 * S, fail("timed out"));
    assert_eq!(texts(&st), [misc_line("timed out after 2 retries.")]);
    assert_eq!(up(&st), Some((false, true)));
}

#[test]
fn misc_check_child_thread_silent_retries_without_log_all_failures() {
    let mut s = sched(params(Epilog::Misc, 1));
    run(&mut s, S, ok());
    assert_eq!(run(&mut s, 11 * S, fail("exited with status 1")), Step::default());
    let st = run(&mut s, 13 * S, fail("exited with status 1"));
    assert_eq!(texts(&st), [misc_line("failed after 1 retry (exited with status 1).")]);
}

#[test]
fn misc_check_child_thread_times_from_the_start_of_the_run() {
    let mut s = sched(params(Epilog::Misc, 1));
    assert_eq!(s.due(S), vec![id(0)]);
    // The script took 3 s: the next run is still delay_loop after it started.
    s.result(4 * S, ok());
    assert_eq!(s.next_deadline(), Some(11 * S));
    assert_eq!(s.due(11 * S), vec![id(0)]);
    s.result(12 * S, fail("exited with status 1"));
    assert_eq!(s.next_deadline(), Some(13 * S), "delay_before_retry from the start");
    // A run longer than the delay: next run 1 µs later.
    assert_eq!(s.due(13 * S), vec![id(0)]);
    s.result(30 * S, ok());
    assert_eq!(s.next_deadline(), Some(30 * S + Duration::from_micros(1)));
}

#[test]
fn misc_check_child_thread_dynamic_weight() {
    let mut s = sched(params(Epilog::Misc, 0));
    let o = |w| Outcome {
        id: id(0),
        probe: Probe::SuccessWeight(w),
    };
    let st = run(&mut s, S, o(5));
    assert_eq!(st.weight, Some(Weight::Dynamic(5)));
    assert_eq!(up(&st), Some((true, false)));
    assert_eq!(texts(&st), [misc_line("succeeded.")]);
    // Same code: no change, no log.
    assert_eq!(run(&mut s, 11 * S, o(5)), Step::default());
    let st = run(&mut s, 21 * S, o(0));
    assert_eq!(st.weight, Some(Weight::Dynamic(0)));
    let st = run(&mut s, 31 * S, ok());
    assert_eq!(st.weight, Some(Weight::Configured));
    run(&mut s, 41 * S, o(7));
    // A failing exit status drops the dynamic weight.
    let st = run(&mut s, 51 * S, fail("exited with status 1"));
    assert_eq!(st.weight, Some(Weight::Configured));
    let st = run(&mut s, 61 * S, ok());
    assert_eq!(st.weight, Some(Weight::Configured));
    assert_eq!(up(&st), Some((true, true)));
}

#[test]
fn smtp_final_and_smtp_start_check_thread() {
    let mut s = sched(params(Epilog::Smtp, 1));
    // smtp_start_check_thread() zeroed retry_it: the first failure is retried, silently.
    assert_eq!(
        run(&mut s, S, fail("Error connecting to server [10.0.0.2]:25")),
        Step::default()
    );
    let st = run(&mut s, 3 * S, fail("Read timeout from server [10.0.0.2]:25"));
    assert_eq!(texts(&st), ["SMTP_CHECK Read timeout from server [10.0.0.2]:25"]);
    assert_eq!(up(&st), Some((false, true)));
    assert_eq!(s.next_deadline(), Some(13 * S));
    // Down: still retried, silently.
    assert_eq!(run(&mut s, 13 * S, fail("x")), Step::default());
    assert_eq!(run(&mut s, 15 * S, fail("x")), Step::default());
    let st = run(&mut s, 25 * S, ok());
    assert_eq!(texts(&st), ["Remote SMTP server [10.0.0.2]:tcp:80 succeed on service."]);
    assert_eq!(up(&st), Some((true, true)));
    // A success during the retries ends them.
    assert_eq!(run(&mut s, 35 * S, fail("x")), Step::default());
    assert_eq!(run(&mut s, 37 * S, ok()), Step::default());
    assert_eq!(s.next_deadline(), Some(47 * S));
}

#[test]
fn smtp_final_log_all_failures() {
    let mut p = params(Epilog::Smtp, 2);
    p.log_all_failures = true;
    let mut s = sched(p);
    run(&mut s, S, ok());
    assert_eq!(texts(&run(&mut s, 11 * S, fail("a"))), ["SMTP_CHECK a"]);
    assert_eq!(texts(&run(&mut s, 13 * S, fail("b"))), ["SMTP_CHECK b"]);
    let st = run(&mut s, 15 * S, fail("c"));
    assert_eq!(texts(&st), ["SMTP_CHECK c"]);
    assert_eq!(up(&st), Some((false, true)));
    // Down: nothing is logged even with log_all_failures.
    assert!(run(&mut s, 25 * S, fail("d")).logs.is_empty());
}

#[test]
fn rescheduling_counts_nothing() {
    let mut s = sched(params(Epilog::Udp, 1));
    assert_eq!(s.due(S), vec![id(0)]);
    assert_eq!(s.report(S, id(0), Report::Rescheduled), Step::default());
    assert_eq!(s.next_deadline(), Some(11 * S));
    assert_eq!(s.is_up(id(0)), Some(true));
    assert_eq!(s.due(11 * S), vec![id(0)]);
    let st = s.report(11 * S, id(0), Report::Done(Probe::Failure { reason: String::new() }));
    assert_eq!(texts(&st), ["UDP_CHECK on service [10.0.0.2]:tcp:80 failed."]);
}

#[test]
fn dns_final_retries_and_suffix() {
    let mut p = params(Epilog::Dns, 3);
    p.delay_before_retry = 10 * S;
    let mut s = sched(p);
    // Initially one failure is enough, without the suffix (has_run is false).
    let st = run(&mut s, S, fail("timeout"));
    assert_eq!(texts(&st), ["DNS_CHECK ([10.0.0.2]:tcp:80) timeout"]);
    assert_eq!(up(&st), Some((false, true)));
    // Success: up, no log line in dns_final().
    let st = run(&mut s, 11 * S, ok());
    assert!(st.logs.is_empty());
    assert_eq!(up(&st), Some((true, true)));
    for t in [21, 31, 41] {
        assert_eq!(run(&mut s, t * S, fail("timeout")), Step::default());
    }
    let st = run(&mut s, 51 * S, fail("timeout"));
    assert_eq!(texts(&st), ["DNS_CHECK ([10.0.0.2]:tcp:80) timeout after 3 retries"]);
    assert_eq!(up(&st), Some((false, true)));
}

#[test]
fn ha_suspend_disabled_checker_waits() {
    let mut s = sched(params(Epilog::Tcp, 1));
    s.set_enabled(id(0), false);
    assert!(s.due(S).is_empty());
    assert_eq!(s.next_deadline(), Some(11 * S));
    s.set_enabled(id(0), true);
    assert_eq!(s.due(11 * S), vec![id(0)]);
}

#[test]
fn check_check_data_resolves_defaults() {
    use crate::config::{LoadOptions, load_text, system::FixedSystem};
    let text = "virtual_server 10.0.0.1 80 {\n delay_loop 7\n retry 4\n \
        real_server 10.0.0.2 80 {\n  warmup 3\n  TCP_CHECK {\n   connect_timeout 2\n  }\n  \
        MISC_CHECK {\n   misc_path /bin/true\n   retry 0\n  }\n  DNS_CHECK {\n   alpha\n  }\n }\n}\n";
    let sys = FixedSystem::typical();
    let cfg = load_text(text, &LoadOptions::default(), &sys, false).config;
    let vs = &cfg.check.virtual_servers[0];
    let rs = &vs.real_servers[0];
    let p: Vec<Params> = rs
        .checkers
        .iter()
        .map(|c| Params::resolve(vs, rs, c, false).unwrap())
        .collect();
    assert_eq!(p[0].delay_loop, 7 * S);
    assert_eq!(p[0].warmup, 3 * S);
    assert_eq!(p[0].retry, 4);
    assert_eq!(p[0].delay_before_retry, S);
    assert_eq!(p[0].timeout, 2 * S);
    assert_eq!(p[1].retry, 0);
    assert_eq!(
        p[1].timeout,
        7 * S,
        "misc_timeout defaults to the virtual server's delay_loop"
    );
    assert_eq!(p[2].delay_before_retry, 7 * S, "DNS: delay_loop");
    assert!(p[2].alpha && !p[0].alpha);
}

fn http(urls: usize, fast_recovery: bool) -> Params {
    let mut p = params(Epilog::Http { urls, fast_recovery }, 1);
    p.delay_before_retry = 3 * S;
    p
}

#[test]
fn http_epilog_one_url_per_run_then_success() {
    let mut s = sched(http(2, false));
    assert_eq!(s.url(id(0)), Some(0));
    assert_eq!(run(&mut s, S, ok()), Step::default());
    assert_eq!(s.url(id(0)), Some(1), "the next URL, a delay_loop later");
    let st = run(&mut s, 11 * S, ok());
    assert_eq!(texts(&st), ["Remote Web server [10.0.0.2]:tcp:80 succeed on service."]);
    assert_eq!(up(&st), Some((true, false)));
    assert_eq!(s.url(id(0)), Some(0));
    assert_eq!(run(&mut s, 21 * S, ok()), Step::default());
    assert_eq!(run(&mut s, 31 * S, ok()), Step::default());
}

#[test]
fn http_timeout_epilog_retries_and_failed_url() {
    let mut p = http(2, false);
    p.log_all_failures = true;
    let mut s = sched(p);
    // retry_it starts at retry: the first failure is final, "after" the retries.
    let st = run(&mut s, S, fail("HTTP status code error to"));
    assert_eq!(
        texts(&st),
        [
            "HTTP status code error to server [10.0.0.2]:tcp:80.",
            "HTTP_CHECK on service [10.0.0.2]:tcp:80 failed after 1 retries."
        ]
    );
    assert_eq!(up(&st), Some((false, true)));
    // failed_url: the larger of delay_before_retry and delay_loop; known down: no log.
    assert_eq!(run(&mut s, 11 * S, fail("Timeout WEB read")), Step::default());
    assert_eq!(
        s.next_deadline(),
        Some(21 * S),
        "REGISTER_CHECKER_FAILED: failed_url stays set"
    );
    // The failed URL passes: every URL again from the first.
    assert_eq!(run(&mut s, 21 * S, ok()), Step::default());
    assert_eq!(s.url(id(0)), Some(0));
    assert_eq!(run(&mut s, 31 * S, ok()), Step::default());
    let st = run(&mut s, 41 * S, ok());
    assert_eq!(up(&st), Some((true, true)));
    // Up: one retry after delay_before_retry on the same URL, then down.
    let st = run(&mut s, 51 * S, fail("Timeout WEB read"));
    assert_eq!(texts(&st), ["Timeout WEB read server [10.0.0.2]:tcp:80."]);
    assert_eq!(s.url(id(0)), Some(0));
    let st = run(&mut s, 54 * S, fail("Timeout WEB read"));
    assert_eq!(up(&st), Some((false, true)));
    assert_eq!(
        texts(&st)[1],
        "HTTP_CHECK on service [10.0.0.2]:tcp:80 failed after 1 retries."
    );
}

#[test]
fn http_epilog_fast_recovery() {
    let mut p = http(2, true);
    p.alpha = true;
    let mut s = sched(p);
    // Not run yet: the next URL at once.
    run(&mut s, S, ok());
    assert_eq!(s.next_deadline(), Some(S));
    let st = run(&mut s, S, ok());
    assert_eq!(up(&st), Some((true, true)));
    assert_eq!(s.next_deadline(), Some(11 * S));
}

#[test]
fn http_epilog_without_urls_succeeds() {
    let mut s = sched(http(0, false));
    let st = run(&mut s, S, ok());
    assert_eq!(up(&st), Some((true, false)));
}

/// Lines Debian's keepalived 2.2.7 logged (checker child, `-n -l -C -D`, in the QEMU guest of
/// `shared/vmtest` with IPVS) for one virtual server `[10.0.0.1]:tcp:80`, `delay_loop 3`:
/// MISC `/bin/false` retry 0; MISC timing out (`misc_timeout 1`, retry 1, log_all_failures);
/// MISC `misc_dynamic` alpha exiting 7; UDP_CHECK require_reply to a closed port, SMTP_CHECK
/// and DNS_CHECK to closed ports, all retry 0; PING_CHECK to 127.0.0.1; PING_CHECK with no
/// route (retry 0). The same first results through the scheduler give the same lines.
#[test]
fn first_results_as_keepalived_logged_them() {
    let rs = |n: usize| format!("[10.0.0.{n}]:tcp:80");
    let mk = |n: usize, epilog: Epilog, retry: u32, alpha: bool, log_all: bool, script: &str| {
        let mut p = params(epilog, retry);
        p.alpha = alpha;
        p.log_all_failures = log_all;
        p.delay_loop = 3 * S;
        Spec {
            id: id(n),
            params: p,
            chk: rs(n).into(),
            vs: "[10.0.0.1]:tcp:80".into(),
            script: script.into(),
        }
    };
    let specs = vec![
        mk(2, Epilog::Misc, 0, false, false, "/usr/bin/false"),
        mk(3, Epilog::Misc, 1, false, true, "/root/t.sh"),
        mk(4, Epilog::Misc, 0, true, false, "/root/d.sh"),
        mk(5, Epilog::Udp, 0, false, false, ""),
        mk(6, Epilog::Smtp, 0, false, false, ""),
        mk(7, Epilog::Dns, 0, false, false, ""),
        mk(8, Epilog::Icmp, 1, false, false, ""),
        mk(9, Epilog::Icmp, 0, false, false, ""),
    ];
    let mut s = Scheduler::new(specs, Duration::ZERO, &mut || 0);
    assert_eq!(s.due(S).len(), 8);
    let f = |r: &str| Probe::Failure { reason: r.into() };
    let results = [
        (2, f("exited with status 1")),
        (3, f("timed out")),
        (4, Probe::SuccessWeight(5)),
        (5, f("UDP connection to [10.0.0.5]:tcp:80 failed.")),
        (6, f("Could not connect to server [127.0.0.1]:25")),
        (7, f("failed to read socket; errno 111 (Connection refused)")),
        (8, Probe::Success),
        (9, f("")),
    ];
    let mut lines = Vec::new();
    for (n, probe) in results {
        let st = s.result(S, Outcome { id: id(n), probe });
        lines.extend(texts(&st));
        let t = st.transition.expect("a first result decides");
        assert_eq!(t.up, matches!(n, 4 | 8), "checker {n}");
    }
    assert_eq!(
        lines,
        [
            "Misc check for [[10.0.0.2]:tcp:80 VS [10.0.0.1]:tcp:80] by [/usr/bin/false] failed with retry disabled (exited with status 1).",
            "Misc check for [[10.0.0.3]:tcp:80 VS [10.0.0.1]:tcp:80] by [/root/t.sh] timed out after 1 retry.",
            "Misc check for [[10.0.0.4]:tcp:80 VS [10.0.0.1]:tcp:80] by [/root/d.sh] succeeded.",
            "UDP_CHECK on service [10.0.0.5]:tcp:80 failed.",
            "SMTP_CHECK Could not connect to server [127.0.0.1]:25",
            "DNS_CHECK ([10.0.0.7]:tcp:80) failed to read socket; errno 111 (Connection refused)",
            "ICMP connection to [10.0.0.8]:tcp:80 success.",
            "ICMP CHECK on service [10.0.0.9]:tcp:80 failed.",
        ]
    );
    // keepalived then logged "send ICMP packet fail" every delay_loop for checker 9, and
    // nothing else: down UDP/ICMP checkers do not retry.
    assert_eq!(s.next_deadline(), Some(4 * S));
    assert_eq!(s.due(4 * S).len(), 8);
    let st = s.result(
        4 * S,
        Outcome {
            id: id(9),
            probe: f(""),
        },
    );
    assert_eq!(st, Step::default());
    assert_eq!(s.params(id(9)).unwrap().delay_loop, 3 * S);
}

/// Real server number, retry, log_all_failures, exit codes, expected (second, line) pairs.
type Case = (usize, u32, bool, &'static [u32], Vec<(u64, String)>);

/// Debian's keepalived 2.2.7 in the IPVS guest again (`delay_loop 2`, `delay_before_retry 1`,
/// `warmup 0`), with a script exiting with a given sequence of codes, one per run:
/// `[10.0.0.2]` retry 2 + log_all_failures, codes 0 1 1 1 0; `[10.0.0.3]` retry 1 +
/// misc_dynamic, codes 0 1 0 1 1 0; `[10.0.0.4]` misc_dynamic (retry 0), codes 4 4 9 0 1 0.
/// Per checker, keepalived logged these lines at these times (and "Changing weight from 1 to
/// 2", "2 to 7", "7 to 1" for `[10.0.0.4]` before its lines at 1 s, 5 s and 7 s).
#[test]
fn misc_sequences_as_keepalived_logged_them() {
    let head = |n: usize| format!("Misc check for [[10.0.0.{n}]:tcp:80 VS [10.0.0.1]:tcp:80] by [/root/seq.sh]");
    let cases: [Case; 3] = [
        (
            2,
            2,
            true,
            &[0, 1, 1, 1, 0],
            vec![
                (1, format!("{} succeeded.", head(2))),
                (
                    3,
                    format!("{} failed, will do 2 retries (exited with status 1).", head(2)),
                ),
                (4, format!("{} failed on retry 1/2 (exited with status 1).", head(2))),
                (5, format!("{} failed after 2 retries (exited with status 1).", head(2))),
                (7, format!("{} succeeded.", head(2))),
            ],
        ),
        (
            3,
            1,
            false,
            &[0, 1, 0, 1, 1, 0],
            vec![
                (1, format!("{} succeeded.", head(3))),
                (7, format!("{} failed after 1 retry (exited with status 1).", head(3))),
                (9, format!("{} succeeded.", head(3))),
            ],
        ),
        (
            4,
            0,
            false,
            &[4, 4, 9, 0, 1, 0],
            vec![
                (1, format!("{} succeeded.", head(4))),
                (
                    9,
                    format!("{} failed with retry disabled (exited with status 1).", head(4)),
                ),
                (11, format!("{} succeeded.", head(4))),
            ],
        ),
    ];
    for (n, retry, log_all, codes, want) in cases {
        let mut p = params(Epilog::Misc, retry);
        p.delay_loop = 2 * S;
        p.delay_before_retry = S;
        p.log_all_failures = log_all;
        let spec = Spec {
            id: id(0),
            params: p,
            chk: format!("[10.0.0.{n}]:tcp:80").into(),
            vs: "[10.0.0.1]:tcp:80".into(),
            script: "/root/seq.sh".into(),
        };
        let mut s = Scheduler::new(vec![spec], Duration::ZERO, &mut || 0);
        let mut got = Vec::new();
        let mut weights = Vec::new();
        for &code in codes {
            let at = s.next_deadline().unwrap();
            assert_eq!(s.due(at), vec![id(0)]);
            let probe = match code {
                0 => Probe::Success,
                c if n != 2 && c >= 2 => Probe::SuccessWeight(c - 2),
                c => Probe::Failure {
                    reason: format!("exited with status {c}"),
                },
            };
            let st = s.result(at, Outcome { id: id(0), probe });
            got.extend(st.logs.iter().map(|l| (at.as_secs(), l.text.clone())));
            weights.extend(st.weight.map(|w| (at.as_secs(), w)));
        }
        assert_eq!(got, want, "checker {n}");
        if n == 4 {
            // Weight events where keepalived changed the weight (1 s, 5 s, 7 s); the last one
            // restores the configured weight it already had, which keepalived does silently.
            assert_eq!(
                weights,
                [
                    (1, Weight::Dynamic(2)),
                    (5, Weight::Dynamic(7)),
                    (7, Weight::Configured),
                    (11, Weight::Configured)
                ]
            );
        }
    }
}
