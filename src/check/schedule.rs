//! keepalived's checker scheduling, sans-IO: when each checker runs, how failures are counted
//! against `retry`, when a checker goes up or down, and which log lines that produces.
//!
//! keepalived 2.2.7 sources followed: `register_checkers_thread()` (check_api.c: first run at
//! `BOOTSTRAP_DELAY` + a random part of `warmup`), `check_check_data()` (check_data.c: defaults
//! taken from the real and virtual server; alpha checkers start down; `retry_it = retry` so one
//! failure is enough initially), `update_svr_checker_state()` (ipwrapper.c) and each checker's
//! epilog, which differ in small ways this module keeps: `tcp_epilog()` (TCP, HTTP),
//! `udp_epilog()`/`icmp_epilog()`, `misc_check_child_thread()`, `smtp_final()`, `dns_final()`.
//!
//! Time is a [`Duration`] since any fixed origin (the daemon uses the time it started), so the
//! tests drive it with a simulated clock.

use std::sync::Arc;
use std::time::Duration;

use crate::check::event::{CheckerId, Outcome, Probe};
use crate::config::model::check::{Checker, CheckerKind, RealServer, VirtualServer, defaults};
use crate::log::LogLine;

mod migrate;
mod table;
pub use migrate::{Carry, RsIndex, rs_iseq, vs_iseq};
use table::{Checkers, Timers};

/// keepalived's `BOOTSTRAP_DELAY`: every checker's first run is at least this far from start.
pub const BOOTSTRAP_DELAY: Duration = Duration::from_secs(1);

/// `RAND_MAX` of glibc's `random()`: the random source returns values in `0..=RAND_MAX`.
pub const RAND_MAX: u32 = i32::MAX as u32;

/// Which of keepalived's epilogs a checker follows (they count retries differently).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Epilog {
    /// `tcp_epilog()` (TCP_CHECK).
    Tcp,
    /// check_http.c's `epilog()` and `timeout_epilog()` (HTTP_GET, SSL_GET): one URL per run,
    /// `urls` of them, `fast_recovery` runs again at once while the state is unknown.
    Http {
        /// Number of `url` blocks.
        urls: usize,
        /// `fast_recovery`.
        fast_recovery: bool,
    },
    /// `udp_epilog()`: retries only while up.
    Udp,
    /// `icmp_epilog()` (PING_CHECK): as UDP, with the virtual server in the retry line.
    Icmp,
    /// `misc_check_child_thread()`: the next run is timed from the start of the last one.
    Misc,
    /// `smtp_final()`.
    Smtp,
    /// `dns_final()`.
    Dns,
}

impl Epilog {
    /// The epilog keepalived uses for a checker kind (`None`: BFD, not run on a timer).
    pub fn of(kind: &CheckerKind) -> Option<Epilog> {
        Some(match kind {
            CheckerKind::Tcp => Epilog::Tcp,
            CheckerKind::Http(h) => Epilog::Http {
                urls: h.urls.len(),
                fast_recovery: h.fast_recovery,
            },
            CheckerKind::Udp(_) => Epilog::Udp,
            CheckerKind::Ping => Epilog::Icmp,
            CheckerKind::Misc(_) => Epilog::Misc,
            CheckerKind::Smtp(_) => Epilog::Smtp,
            CheckerKind::Dns(_) => Epilog::Dns,
            CheckerKind::Bfd(_) => return None,
        })
    }
}

/// A checker's resolved timing, as `check_check_data()` fills it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Params {
    /// How it counts retries and logs.
    pub epilog: Epilog,
    /// `alpha`: starts down.
    pub alpha: bool,
    /// `delay_loop`.
    pub delay_loop: Duration,
    /// `warmup` (the first run is `BOOTSTRAP_DELAY` + a random part of it).
    pub warmup: Duration,
    /// `retry`.
    pub retry: u32,
    /// `delay_before_retry`.
    pub delay_before_retry: Duration,
    /// How long one probe may take: `connect_timeout`, or for MISC_CHECK `misc_timeout`
    /// (the virtual server's `delay_loop` when 0).
    pub timeout: Duration,
    /// `log_all_failures` of the checker or `checker_log_all_failures` globally.
    pub log_all_failures: bool,
}

impl Params {
    /// Resolves a checker's settings: its own, else its real server's, else its virtual
    /// server's, else the checker's default (`check_check_data()`); `None` for BFD_CHECK.
    pub fn resolve(vs: &VirtualServer, rs: &RealServer, c: &Checker, checker_log_all_failures: bool) -> Option<Params> {
        let epilog = Epilog::of(&c.kind)?;
        let us = Duration::from_micros;
        let delay_loop = c.delay_loop.or(rs.delay_loop).unwrap_or(vs.delay_loop);
        let warmup = c.warmup.or(rs.warmup).or(vs.warmup).unwrap_or(delay_loop);
        let retry = c.retry.or(rs.retry).or(vs.retry).unwrap_or_else(|| c.default_retry());
        let dbr = c.delay_before_retry.or(rs.delay_before_retry).or(vs.delay_before_retry);
        let dbr = dbr.unwrap_or_else(|| match c.default_delay_before_retry() {
            0 => delay_loop,
            d => d,
        });
        let timeout = match &c.kind {
            CheckerKind::Misc(m) if m.timeout != 0 => m.timeout,
            CheckerKind::Misc(_) => vs.delay_loop,
            _ => {
                c.co.as_ref()
                    .and_then(|co| co.connect_timeout)
                    .or(rs.connect_timeout)
                    .unwrap_or(if vs.connect_timeout != 0 {
                        vs.connect_timeout
                    } else {
                        defaults::CONNECT_TIMEOUT
                    })
            }
        };
        Some(Params {
            epilog,
            alpha: c.alpha.or(rs.alpha).unwrap_or(vs.alpha),
            delay_loop: us(delay_loop),
            warmup: us(warmup),
            retry,
            delay_before_retry: us(dbr),
            timeout: us(timeout),
            log_all_failures: c.log_all_failures || checker_log_all_failures,
        })
    }
}

/// One checker to schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    /// Which checker.
    pub id: CheckerId,
    /// Its timing.
    pub params: Params,
    /// The real server as keepalived's `FMT_CHK` prints it, e.g. `[10.0.0.2]:tcp:80`
    /// (shared: every probe and log line of the checker uses the same text).
    pub chk: Arc<str>,
    /// The virtual server as `FMT_VS` prints it (shared by the virtual server's checkers).
    pub vs: Arc<str>,
    /// MISC_CHECK: the script's first word (`script.args[0]`), for its log lines.
    pub script: Arc<str>,
}

/// An up/down decision for the pool (keepalived's `update_svr_checker_state()` call).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    /// Which checker.
    pub id: CheckerId,
    /// The checker's new state.
    pub up: bool,
    /// Whether the state changed. `false` only on a first result that confirms the initial
    /// state: keepalived then runs the real server's notifies if the checker is `alpha` or
    /// down (`do_rs_notifies()`), and nothing else.
    pub changed: bool,
    /// The log text of the result that decided it.
    pub reason: String,
}

/// A MISC_CHECK `misc_dynamic` weight change (`update_svr_wgt()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Weight {
    /// Exit code 2..255: the real server's weight becomes code - 2.
    Dynamic(u32),
    /// Back to the configured weight (exit 0 after a dynamic weight or an exit-status failure).
    /// It may repeat the weight already in force: keepalived then changes and logs nothing.
    Configured,
}

/// What one result leads to. keepalived's order (`misc_check_child_thread()`): apply
/// `weight` first (its "Changing weight ..." line), then write `logs`, then apply `transition`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Step {
    /// Lines to log (keepalived's, at LOG_INFO), in order.
    pub logs: Vec<LogLine>,
    /// The up/down decision, if the epilog made one.
    pub transition: Option<Transition>,
    /// A new `misc_dynamic` weight.
    pub weight: Option<Weight>,
}

/// What a probe reports back to the scheduler.
///
/// A new type beside the contract's [`Probe`]: keepalived has a third outcome, where the
/// probe could not even start (no socket, or a bind that failed): it logs "... Rescheduling."
/// and runs the checker again after `delay_loop` without counting anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Report {
    /// The probe ran: apply its result through the epilog.
    Done(Probe),
    /// keepalived's "Rescheduling." path: no result, next run after `delay_loop`.
    Rescheduled,
}

/// What checkers have in common: their timing, their virtual server's name and, for
/// MISC_CHECKs, the script's. Shared, so that the ten checkers of a virtual server (or every
/// checker of a configuration where they are alike) keep one copy.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Shared {
    params: Params,
    vs: Arc<str>,
    script: Arc<str>,
}

/// Hands out one [`Shared`] per distinct value.
struct Interner(std::collections::HashSet<Arc<Shared>>);

impl Interner {
    /// Sized at once for `n` checkers: no rehashing between the checkers' allocations.
    fn with_capacity(n: usize) -> Interner {
        Interner(std::collections::HashSet::with_capacity(n))
    }

    fn get(&mut self, shared: Shared) -> Arc<Shared> {
        if let Some(s) = self.0.get(&shared) {
            return Arc::clone(s);
        }
        let s = Arc::new(shared);
        self.0.insert(Arc::clone(&s));
        s
    }
}

/// A checker's scheduling state (the `checker_t` fields that matter here). Kept small: a
/// load balancer has tens of thousands of them (its id is in [`Checkers`]' id list).
#[derive(Clone, Debug)]
struct State {
    shared: Arc<Shared>,
    /// The real server as `FMT_CHK` prints it ([`Spec::chk`]).
    chk: Arc<str>,
    is_up: bool,
    has_run: bool,
    enabled: bool,
    retry_it: u32,
    /// When it runs next; `None` while a probe is out.
    next: Option<Duration>,
    /// When the last run started (MISC_CHECK's `last_ran`).
    last_ran: Duration,
    /// MISC_CHECK's `last_exit_code`, as the weight it gave (0 = configured).
    last_code: u32,
    /// HTTP: the URL to check next (`url_it`; `None` once all passed).
    url_it: Option<u32>,
    /// HTTP: the URL that failed (`failed_url`).
    failed_url: Option<u32>,
}

impl State {
    /// A checker as registered at `now`, before its initial state is set: up, not run, no
    /// retry counted, first run at `BOOTSTRAP_DELAY` + a random part of `warmup`
    /// (`register_checkers_thread()`). Returns its id too.
    fn registered(
        spec: Spec,
        shared: &mut Interner,
        now: Duration,
        random: &mut dyn FnMut() -> u32,
    ) -> (CheckerId, State) {
        let warmup = spec.params.warmup.as_micros();
        let part = if warmup == 0 {
            0
        } else {
            warmup * u128::from(random().min(RAND_MAX)) / u128::from(RAND_MAX)
        };
        let Spec {
            id,
            params,
            chk,
            vs,
            script,
        } = spec;
        let st = State {
            shared: shared.get(Shared { params, vs, script }),
            chk,
            is_up: true,
            has_run: false,
            retry_it: 0,
            enabled: true,
            next: Some(now + BOOTSTRAP_DELAY + Duration::from_micros(part as u64)),
            last_ran: now,
            last_code: 0,
            url_it: Some(0),
            failed_url: None,
        };
        (id, st)
    }
}

/// Registers every checker of `specs` at `now` ([`State::registered`]), each then adjusted by
/// `adjust`; what they have in common is shared.
fn register(
    specs: Vec<Spec>,
    now: Duration,
    random: &mut dyn FnMut() -> u32,
    mut adjust: impl FnMut(CheckerId, &mut State),
) -> Checkers {
    let mut shared = Interner::with_capacity(specs.len());
    let mut list = Vec::with_capacity(specs.len());
    for spec in specs {
        let (id, mut st) = State::registered(spec, &mut shared, now, random);
        adjust(id, &mut st);
        list.push((id, st));
    }
    Checkers::from_list(list)
}

/// The scheduler of every checker.
#[derive(Clone, Debug, Default)]
pub struct Scheduler {
    checkers: Checkers,
    /// Every waiting checker's next run, so that the next deadline and the due checkers are
    /// found without walking every checker.
    timers: Timers,
}

impl Scheduler {
    /// Registers every checker at `now` (`register_checkers_thread()`): alpha checkers start
    /// down, the others up; each first runs at `BOOTSTRAP_DELAY` + `warmup` ×
    /// `random()` / `RAND_MAX`, with `random` returning values in `0..=RAND_MAX`.
    pub fn new(specs: Vec<Spec>, now: Duration, random: &mut dyn FnMut() -> u32) -> Scheduler {
        let checkers = register(specs, now, random, |_, st| {
            st.is_up = !st.shared.params.alpha;
            // check_check_data() sets retry_it = retry (one failure is enough at first),
            // but smtp_start_check_thread() zeroes it before every regular SMTP run.
            if st.shared.params.epilog != Epilog::Smtp {
                st.retry_it = st.shared.params.retry;
            }
        });
        Scheduler::with(checkers)
    }

    /// A scheduler of these checkers, their timers indexed.
    fn with(checkers: Checkers) -> Scheduler {
        let timers = Timers::of(&checkers);
        Scheduler { checkers, timers }
    }

    /// Sets when the checker at index `i` runs next (`None`: its probe is out).
    fn set_next(&mut self, i: usize, next: Option<Duration>) {
        if let Some(t) = next {
            self.timers.push(t, i);
        }
        self.checkers.at_mut(i).next = next;
        self.timers.settle(&self.checkers);
    }

    /// Replaces the checkers with those of a reloaded configuration at `now`, keeping the
    /// state of those `carry` pairs with an old one, as keepalived's reload does:
    /// `thread_cleanup_master()` drops every pending run and result, `check_check_data()`
    /// leaves new checkers up with no retry counted, `migrate_checkers()` gives a continued
    /// checker its old `is_up` (if it had run), `has_run` and `retry_it` (at most one short of
    /// the new `retry`), and, on a real server with a failed checker (or down with none run),
    /// puts its checkers that have not run down if alpha and one failure from down;
    /// `check_new_rs_state()` puts the alpha checkers of new real servers down. Then
    /// `register_checkers_thread()` schedules every checker, kept or not, as at start.
    pub fn reload(&mut self, specs: Vec<Spec>, now: Duration, carry: &Carry, random: &mut dyn FnMut() -> u32) {
        let old = std::mem::take(&mut self.checkers);
        self.timers = Timers::default();
        let mut checkers = register(specs, now, random, |id, st| {
            if let Some(o) = carry.checkers.get(&id).and_then(|oid| old.get(oid)) {
                if o.has_run {
                    st.is_up = o.is_up;
                }
                st.has_run = o.has_run;
                let retry = st.shared.params.retry;
                if o.retry_it != 0 && retry != 0 {
                    st.retry_it = o.retry_it.min(retry - 1);
                }
                // migrate_misc_check(): the last exit code (and so the dynamic weight) stays.
                st.last_code = o.last_code;
            }
        });
        // Each real server's checkers, a run of consecutive indices (ids sort by real server).
        let mut start = 0;
        while start < checkers.len() {
            let first = checkers.id_at(start);
            let rs = (first.vs, first.rs);
            let ids = checkers.rs_range(rs, start);
            start = ids.end;
            let Some(ors) = carry.real_servers.get(&rs) else {
                // check_new_rs_state().
                for i in ids {
                    let st = checkers.at_mut(i);
                    if st.shared.params.alpha {
                        st.is_up = false;
                    }
                }
                continue;
            };
            let failed = ids.clone().any(|i| !checkers.at(i).is_up && checkers.at(i).has_run);
            let any_run = ids.clone().any(|i| checkers.at(i).has_run);
            // The old real server's `alive`, as its checkers left it.
            let was_alive = old.rs_range(*ors, 0).all(|i| old.at(i).is_up);
            if failed || (!was_alive && !any_run) {
                for i in ids {
                    let st = checkers.at_mut(i);
                    if !st.has_run {
                        if st.shared.params.alpha {
                            st.is_up = false;
                        }
                        st.retry_it = st.shared.params.retry;
                    }
                }
            }
        }
        *self = Scheduler::with(checkers);
    }

    /// The earliest time a checker is due, if any is waiting.
    pub fn next_deadline(&self) -> Option<Duration> {
        self.timers.first()
    }

    /// The checkers due at `now`, to run now, in [`CheckerId`] order; each is then out until
    /// its [`result`](Self::result). A disabled checker (`ha_suspend`) is not returned: it
    /// waits another `delay_loop`.
    pub fn due(&mut self, now: Duration) -> Vec<CheckerId> {
        let mut out = Vec::new();
        // The indices come in id order; a disabled checker's new timer goes in after the
        // popping, so it waits for a later call even at delay_loop 0.
        for i in self.timers.pop_due(now, &self.checkers) {
            let id = self.checkers.id_at(i);
            let st = self.checkers.at_mut(i);
            st.next = None;
            if st.enabled {
                st.last_ran = now;
                out.push(id);
            } else {
                let next = now + st.shared.params.delay_loop;
                self.timers.push(next, i);
                st.next = Some(next);
            }
        }
        self.timers.settle(&self.checkers);
        out
    }

    /// Every checker scheduled, in order.
    pub fn ids(&self) -> impl Iterator<Item = CheckerId> + '_ {
        self.checkers.keys().copied()
    }

    /// A checker's specification (timing and the names its probes and lines use).
    pub fn spec(&self, id: CheckerId) -> Option<Spec> {
        self.checkers.get(&id).map(|s| Spec {
            id,
            params: s.shared.params.clone(),
            chk: Arc::clone(&s.chk),
            vs: Arc::clone(&s.shared.vs),
            script: Arc::clone(&s.shared.script),
        })
    }

    /// Whether a checker is up now.
    pub fn is_up(&self, id: CheckerId) -> Option<bool> {
        self.checkers.get(&id).map(|s| s.is_up)
    }

    /// A checker's resolved timing.
    pub fn params(&self, id: CheckerId) -> Option<&Params> {
        self.checkers.get(&id).map(|s| &s.shared.params)
    }

    /// HTTP_GET/SSL_GET: the index of the `url` block the next run checks (`fetch_next_url()`).
    /// When `is_up` is false the probe logs "... success to ... url(...)" itself on success,
    /// as `http_handle_response()` does.
    pub fn url(&self, id: CheckerId) -> Option<usize> {
        self.checkers.get(&id).and_then(|s| s.url_it).map(|u| u as usize)
    }

    /// Enables or disables a checker (`ha_suspend` follows the virtual address).
    pub fn set_enabled(&mut self, id: CheckerId, enabled: bool) {
        if let Some(s) = self.checkers.get_mut(&id) {
            s.enabled = enabled;
        }
    }

    /// Applies a probe's [`Report`] at `now` ([`result`](Self::result) or, for
    /// [`Report::Rescheduled`], the next run one `delay_loop` later and nothing else).
    pub fn report(&mut self, now: Duration, id: CheckerId, report: Report) -> Step {
        match report {
            Report::Done(probe) => self.result(now, Outcome { id, probe }),
            Report::Rescheduled => {
                if let Some(i) = self.checkers.index_of(&id) {
                    let next = now + self.checkers.at(i).shared.params.delay_loop;
                    self.set_next(i, Some(next));
                }
                Step::default()
            }
        }
    }

    /// Applies a probe's result at `now` through the checker's epilog and schedules its next
    /// run. Results for unknown checkers are ignored.
    pub fn result(&mut self, now: Duration, outcome: Outcome) -> Step {
        let Some(i) = self.checkers.index_of(&outcome.id) else {
            return Step::default();
        };
        let id = outcome.id;
        let st = self.checkers.at_mut(i);
        let mut step = Step::default();
        let delay = match st.shared.params.epilog {
            Epilog::Tcp | Epilog::Udp | Epilog::Icmp => simple_epilog(st, id, &outcome.probe, &mut step),
            Epilog::Misc => misc_epilog(st, id, &outcome.probe, &mut step),
            Epilog::Smtp => smtp_epilog(st, id, &outcome.probe, &mut step),
            Epilog::Dns => dns_epilog(st, id, &outcome.probe, &mut step),
            Epilog::Http { .. } => http_epilog(st, id, &outcome.probe, &mut step),
        };
        let next = match st.shared.params.epilog {
            // misc_check_child_thread(): timed from the start of the run, at least 1 µs on.
            Epilog::Misc => (st.last_ran + delay).max(now + Duration::from_micros(1)),
            _ => now + delay,
        };
        self.set_next(i, Some(next));
        step
    }
}

/// `update_svr_checker_state()`: records the state and says whether the pool hears of it.
fn update_state(st: &mut State, id: CheckerId, up: bool, reason: String, step: &mut Step) {
    if st.is_up == up {
        if !st.has_run {
            st.has_run = true;
            step.transition = Some(Transition {
                id,
                up,
                changed: false,
                reason,
            });
        }
        return;
    }
    st.has_run = true;
    st.is_up = up;
    step.transition = Some(Transition {
        id,
        up,
        changed: true,
        reason,
    });
}

fn info(step: &mut Step, text: String) {
    step.logs.push(LogLine::info(text));
}

fn failure_reason(probe: &Probe) -> Option<&str> {
    match probe {
        Probe::Failure { reason } => Some(reason),
        _ => None,
    }
}

/// `tcp_epilog()`, `udp_epilog()` and `icmp_epilog()`, with the probe's own failure line
/// (logged while up with `log_all_failures`).
fn simple_epilog(st: &mut State, id: CheckerId, probe: &Probe, step: &mut Step) -> Duration {
    let p = st.shared.params.clone();
    let ok = failure_reason(probe).is_none();
    if let Some(r) = failure_reason(probe)
        && st.is_up
        && p.log_all_failures
        && !r.is_empty()
    {
        info(step, r.to_string());
    }
    let (name, failed_name) = match p.epilog {
        Epilog::Tcp => ("TCP connection", "TCP_CHECK"),
        Epilog::Udp => ("UDP connection", "UDP_CHECK"),
        _ => ("ICMP connection", "ICMP CHECK"),
    };
    let chk = Arc::clone(&st.chk);
    // tcp_epilog() retries whatever the state; udp/icmp only while up (or before the first run).
    let settle = match p.epilog {
        Epilog::Tcp => ok || st.retry_it >= p.retry,
        _ => ok || ((st.is_up || !st.has_run) && st.retry_it >= p.retry),
    };
    let mut delay = p.delay_loop;
    if settle {
        st.retry_it = 0;
        if ok && (!st.is_up || !st.has_run) {
            let line = format!("{name} to {chk} success.");
            info(step, line.clone());
            update_state(st, id, true, line, step);
        } else if !ok && (st.is_up || !st.has_run) {
            let line = if p.retry != 0 && st.has_run {
                match p.epilog {
                    Epilog::Icmp => format!(
                        "{failed_name} on service {chk} of {} failed after {} retries.",
                        st.shared.vs, p.retry
                    ),
                    _ => format!("{failed_name} on service {chk} failed after {} retries.", p.retry),
                }
            } else {
                format!("{failed_name} on service {chk} failed.")
            };
            info(step, line.clone());
            update_state(st, id, false, line, step);
        }
    } else if p.epilog == Epilog::Tcp || st.is_up {
        delay = p.delay_before_retry;
        st.retry_it += 1;
    }
    st.has_run = true;
    delay
}

/// check_http.c's `epilog()` methods.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Register {
    /// `REGISTER_CHECKER_NEW`: the URL passed.
    New,
    /// `REGISTER_CHECKER_RETRY`: it failed while up (or before the first result).
    Retry,
    /// `REGISTER_CHECKER_FAILED`: it failed while known down.
    Failed,
}

/// `timeout_epilog()` then `epilog()` (check_http.c). The probe's failure reason is the
/// `debug_msg` ("HTTP status code error to", "Timeout WEB read", ...); with
/// `log_all_failures` it is logged as "<reason> server <chk>.".
fn http_epilog(st: &mut State, id: CheckerId, probe: &Probe, step: &mut Step) -> Duration {
    let p = st.shared.params.clone();
    let Epilog::Http { urls, fast_recovery } = p.epilog else {
        return p.delay_loop;
    };
    let chk = st.chk.clone();
    let method = match failure_reason(probe) {
        None => Register::New,
        Some(reason) if st.is_up || !st.has_run => {
            if p.log_all_failures {
                info(step, format!("{reason} server {chk}."));
            }
            st.has_run = true;
            Register::Retry
        }
        Some(_) => Register::Failed,
    };
    match method {
        Register::New => {
            st.url_it = st.url_it.map(|u| u + 1).filter(|u| (*u as usize) < urls);
            st.retry_it = 0;
        }
        Register::Retry => st.retry_it += 1,
        Register::Failed => {}
    }
    if method == Register::New && st.url_it.is_none() && st.failed_url.is_none() {
        if !st.is_up || !st.has_run {
            let line = format!("Remote Web server {chk} succeed on service.");
            info(step, line.clone());
            update_state(st, id, true, line, step);
            st.has_run = true;
        }
        st.url_it = Some(0);
        st.retry_it = 0;
    } else if method == Register::Retry && st.retry_it > p.retry {
        if st.is_up || !st.has_run {
            let line = if st.has_run && p.retry != 0 {
                format!("HTTP_CHECK on service {chk} failed after {} retries.", st.retry_it - 1)
            } else {
                format!("HTTP_CHECK on service {chk} failed.")
            };
            info(step, line.clone());
            update_state(st, id, false, line, step);
        }
        st.failed_url = st.url_it;
    } else if method == Register::New && st.failed_url.is_some() {
        st.failed_url = None;
        st.url_it = Some(0);
        st.retry_it = 0;
    }
    let delay = if method == Register::New {
        if !st.has_run {
            st.retry_it = p.retry;
        }
        p.delay_loop
    } else if st.failed_url.is_some() {
        p.delay_before_retry.max(p.delay_loop)
    } else {
        p.delay_before_retry
    };
    if fast_recovery && (!st.has_run || (!st.is_up && st.failed_url.is_none())) {
        Duration::ZERO
    } else {
        delay
    }
}

/// `misc_check_child_thread()`. The probe's failure reason is `timed out`, `exited with
/// status N` or `due to signal N` (see [`crate::check::misc`]).
fn misc_epilog(st: &mut State, id: CheckerId, probe: &Probe, step: &mut Step) -> Duration {
    let p = st.shared.params.clone();
    let mut exit_type: Option<&str> = None;
    let mut success = false;
    let mut paren: Option<&str> = None;
    let mut message_only = false;
    match probe {
        Probe::Success | Probe::SuccessWeight(_) => {
            let w = match probe {
                Probe::SuccessWeight(w) => *w + 2,
                _ => 0,
            };
            if w != st.last_code {
                step.weight = Some(if w == 0 {
                    Weight::Configured
                } else {
                    Weight::Dynamic(w - 2)
                });
                st.last_code = w;
            }
            if !st.is_up || !st.has_run {
                exit_type = Some("succeeded");
                success = true;
            }
            st.retry_it = 0;
        }
        Probe::Failure { reason } => {
            if st.is_up || !st.has_run {
                if reason == "timed out" {
                    exit_type = Some("timed out");
                } else {
                    exit_type = Some("failed");
                    paren = Some(reason);
                }
                if st.retry_it < p.retry {
                    st.retry_it += 1;
                    if p.log_all_failures {
                        message_only = true;
                    } else {
                        exit_type = None;
                    }
                } else {
                    st.retry_it = 0;
                    // Only an exit status resets the dynamic weight (and is remembered, so any
                    // later success sets a weight again); a timeout or signal leaves both.
                    if reason.starts_with("exited with status") {
                        if st.last_code != 0 {
                            step.weight = Some(Weight::Configured);
                        }
                        st.last_code = u32::MAX;
                    }
                }
            }
        }
    }
    if let Some(kind) = exit_type {
        let message = if success {
            String::new()
        } else if p.retry == 0 {
            " with retry disabled".to_string()
        } else if st.retry_it == 1 {
            format!(", will do {} {}", p.retry, plural(p.retry))
        } else if st.retry_it > 1 {
            format!(" on retry {}/{}", st.retry_it - 1, p.retry)
        } else {
            format!(" after {} {}", p.retry, plural(p.retry))
        };
        let head = format!(
            "Misc check for [{} VS {}] by [{}] {kind}{message}",
            st.chk, st.shared.vs, st.shared.script
        );
        let line = match paren {
            Some(r) => format!("{head} ({r})."),
            None => format!("{head}."),
        };
        info(step, line.clone());
        if !message_only {
            update_state(st, id, success, line, step);
        }
    }
    st.has_run = true;
    if st.retry_it != 0 {
        p.delay_before_retry
    } else {
        p.delay_loop
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "retry" } else { "retries" }
}

/// `smtp_final()`, with `smtp_start_check_thread()` zeroing `retry_it` before each regular run:
/// unlike the other checkers, a first failure is retried. The probe's failure reason is the
/// text after "SMTP_CHECK ".
fn smtp_epilog(st: &mut State, id: CheckerId, probe: &Probe, step: &mut Step) -> Duration {
    let p = st.shared.params.clone();
    match failure_reason(probe) {
        Some(reason) => {
            let line = format!("SMTP_CHECK {reason}");
            if (st.is_up || !st.has_run) && (p.log_all_failures || st.retry_it >= p.retry) {
                info(step, line.clone());
            }
            st.retry_it = st.retry_it.saturating_add(1);
            if st.retry_it <= p.retry {
                return p.delay_before_retry;
            }
            if st.is_up || !st.has_run {
                update_state(st, id, false, line, step);
            }
            // The next regular run goes through smtp_start_check_thread(), which zeroes it.
            st.retry_it = 0;
            p.delay_loop
        }
        None => {
            st.retry_it = 0;
            if !st.is_up || !st.has_run {
                let line = format!("Remote SMTP server {} succeed on service.", st.chk);
                info(step, line.clone());
                update_state(st, id, true, line, step);
            }
            st.has_run = true;
            p.delay_loop
        }
    }
}

/// `dns_final()`: the probe's failure reason is the text after "DNS_CHECK (chk) ".
fn dns_epilog(st: &mut State, id: CheckerId, probe: &Probe, step: &mut Step) -> Duration {
    let p = st.shared.params.clone();
    match failure_reason(probe) {
        Some(reason) => {
            if st.is_up || !st.has_run {
                let mut line = format!("DNS_CHECK ({}) {reason}", st.chk);
                if !reason.is_empty() && (p.log_all_failures || st.retry_it >= p.retry) {
                    if st.has_run && st.retry_it >= p.retry {
                        line.push_str(&format!(" after {} retries", p.retry));
                    }
                    info(step, line.clone());
                }
                if st.retry_it < p.retry {
                    st.retry_it += 1;
                    st.has_run = true;
                    return p.delay_before_retry;
                }
                update_state(st, id, false, line, step);
            }
        }
        None => {
            if !st.is_up || !st.has_run {
                let line = format!("DNS_CHECK ({}) succeeded", st.chk);
                update_state(st, id, true, line, step);
            }
        }
    }
    st.retry_it = 0;
    p.delay_loop
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "schedule/reload_tests.rs"]
mod reload_tests;

#[cfg(test)]
#[path = "schedule/timer_tests.rs"]
mod timer_tests;
