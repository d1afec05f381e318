//! What every checker shares (keepalived's `check_api.c`): queueing a checker on the current
//! real server, the connection options (`connect_ip`, `connect_port`, `bindto`, `bind_port`,
//! `bind_if`, `connect_timeout`, `fwmark`; `install_checker_common_keywords(true)`) and the
//! timer keywords (`retry`, `delay_before_retry`, `warmup`, `delay_loop`, `alpha`,
//! `log_all_failures`).

use super::{cur_checker, cur_rs, dequeue_checker, opt_bool};
use crate::config::diag::Level;
use crate::config::model::Origin;
use crate::config::model::check::{Checker, CheckerKind, ConnOpts, RealServer, fmt_ip};
use crate::config::parser::{HResult, Keyword, Parser, Words, kw};
use crate::config::values;

const UINT_MAX_US: u64 = u32::MAX as u64;

/// New connection options aimed at the real server (keepalived's `queue_checker()`).
fn new_co(rs: &RealServer) -> ConnOpts {
    ConnOpts::to(rs.ip, rs.port)
}

/// Queues a new checker on the current real server (keepalived's `queue_checker()`).
pub(super) fn queue(p: &mut Parser<'_>, w: &Words, kind: CheckerKind, with_co: bool) {
    let origin = Origin(w.loc.clone());
    let Some(rs) = cur_rs(p) else { return };
    let co = with_co.then(|| new_co(rs));
    // Real servers usually have one checker: grow by one, not to Vec's minimum of four.
    rs.checkers.reserve_exact(1);
    rs.checkers.push(Checker::new(kind, co, origin));
    p.b.check.in_checker = true;
}

/// Runs `f` on the current checker.
pub(super) fn with_checker(p: &mut Parser<'_>, f: impl FnOnce(&mut Checker)) {
    if let Some(c) = cur_checker(p) {
        f(c);
    }
}

fn with_co(p: &mut Parser<'_>, f: impl FnOnce(&mut ConnOpts)) {
    if let Some(co) = cur_checker(p).and_then(|c| c.co.as_mut()) {
        f(co);
    }
}

/// keepalived's `check_conn_opts()`: an IPv6 link-local destination needs `bind_if`.
pub(super) fn check_conn_opts(p: &mut Parser<'_>, co: &ConnOpts) -> bool {
    if let Some(std::net::IpAddr::V6(a)) = co.dst {
        if a.segments()[0] & 0xffc0 == 0xfe80 && co.bind_if().is_none() {
            p.report(
                Level::GeneralError,
                format!(
                    "Checker link local address {} requires a bind_if",
                    fmt_ip(&co.dst.unwrap())
                ),
            );
            return false;
        }
    }
    true
}

/// The end of a checker block whose only check is [`check_conn_opts`]; `false` if dequeued.
pub(super) fn end_conn_check(p: &mut Parser<'_>) -> bool {
    let Some(co) = cur_checker(p).and_then(|c| c.co.clone()) else {
        return true;
    };
    if !check_conn_opts(p, &co) {
        dequeue_checker(p);
        return false;
    }
    true
}

/// The end of a checker block with no checks of its own.
pub(super) fn close_checker(p: &mut Parser<'_>) {
    end_conn_check(p);
    p.b.check.in_checker = false;
}

// ---- connection keywords ----

fn connect_ip(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    let ip = super::addr::pton(s);
    let bind_family = cur_checker(p)
        .and_then(|c| c.co.as_ref())
        .and_then(|co| co.bindto().map(|b| b.is_ipv4()));
    match ip {
        None => {
            p.report(
                Level::GeneralError,
                format!("Invalid connect_ip address {s} - ignoring"),
            );
            let s = s.to_string();
            with_co(p, |co| {
                co.dst = None;
                co.local_mut().dst_refused = Some(s);
            });
        }
        Some(ip) if bind_family.is_some_and(|v4| v4 != ip.is_ipv4()) => {
            p.report(
                Level::GeneralError,
                format!("connect_ip address {s} does not match address family of bindto - skipping"),
            );
            let s = s.to_string();
            with_co(p, |co| {
                co.dst = None;
                co.local_mut().dst_refused = Some(s);
            });
        }
        Some(ip) => with_co(p, |co| {
            co.dst = Some(ip);
            co.clear_dst_refused();
        }),
    }
    Ok(())
}

fn connect_port(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    match values::read_unsigned(p, s, 1, 65535, true) {
        Some(v) => with_co(p, |co| co.dst_port = v as u16),
        None => p.report(Level::GeneralError, format!("Invalid checker connect_port '{s}'")),
    }
    Ok(())
}

fn bindto(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    let ip = super::addr::pton(s);
    let dst_family = cur_checker(p)
        .and_then(|c| c.co.as_ref())
        .and_then(|co| co.dst.map(|d| d.is_ipv4()));
    match ip {
        None => {
            p.report(Level::GeneralError, format!("Invalid bindto address {s} - ignoring"));
            with_co(p, |co| co.local_mut().bindto = None);
        }
        Some(ip) if dst_family.is_some_and(|v4| v4 != ip.is_ipv4()) => {
            p.report(
                Level::GeneralError,
                format!("bindto address {s} does not match address family of connect_ip - skipping"),
            );
            with_co(p, |co| co.local_mut().bindto = None);
        }
        Some(ip) => with_co(p, |co| co.local_mut().bindto = Some(ip)),
    }
    Ok(())
}

fn bind_port(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    match values::read_unsigned(p, s, 1, 65535, true) {
        Some(v) => with_co(p, |co| co.local_mut().bind_port = v as u16),
        None => p.report(Level::GeneralError, format!("Invalid checker bind_port '{s}'")),
    }
    Ok(())
}

fn bind_if(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    if s.len() > 15 {
        p.report(
            Level::GeneralError,
            format!("Interface name {s} is too long - ignoring"),
        );
        return Ok(());
    }
    let s = s.to_string();
    with_co(p, |co| co.local_mut().bind_if = Some(s));
    Ok(())
}

fn co_connect_timeout(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    match values::read_timer(p, s, 1, UINT_MAX_US, true) {
        // UINT_MAX is keepalived's "unset".
        Some(v) => with_co(p, |co| co.connect_timeout = (v != UINT_MAX_US).then_some(v)),
        None => p.report(Level::GeneralError, format!("connect_timeout {s} invalid - ignoring")),
    }
    Ok(())
}

fn co_fwmark(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    match values::read_unsigned(p, s, 0, u32::MAX, true) {
        Some(v) => with_co(p, |co| co.local_mut().fwmark = v),
        None => p.report(Level::GeneralError, format!("Invalid fwmark connection value '{s}'")),
    }
    Ok(())
}

// ---- common keywords ----

fn retry(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    match values::read_unsigned(p, s, 0, u32::MAX, true) {
        Some(v) => with_checker(p, |c| c.retry = (v != u32::MAX).then_some(v)),
        None => p.report(Level::GeneralError, format!("Invalid retry connection value '{s}'")),
    }
    Ok(())
}

fn delay_before_retry(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    match values::read_timer(p, s, 0, 0, true) {
        Some(v) => with_checker(p, |c| c.delay_before_retry = Some(v)),
        None => p.report(
            Level::GeneralError,
            format!("Invalid delay_before_retry connection value '{s}'"),
        ),
    }
    Ok(())
}

fn warmup(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    match values::read_timer(p, s, 0, 0, true) {
        Some(v) => with_checker(p, |c| c.warmup = Some(v)),
        None => p.report(Level::GeneralError, format!("Invalid warmup connection value '{s}'")),
    }
    Ok(())
}

fn delay_loop(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    match values::read_timer(p, s, 1, 0, true) {
        Some(v) => with_checker(p, |c| c.delay_loop = Some(v)),
        None => p.report(Level::GeneralError, format!("delay_loop '{s}' is invalid - ignoring")),
    }
    Ok(())
}

fn alpha(p: &mut Parser<'_>, w: &Words) -> HResult {
    match opt_bool(w) {
        Ok(v) => with_checker(p, |c| c.alpha = Some(v)),
        Err(()) => p.report(Level::GeneralError, format!("Invalid alpha parameter {}", w.words[1])),
    }
    Ok(())
}

fn log_all_failures(p: &mut Parser<'_>, w: &Words) -> HResult {
    match opt_bool(w) {
        Ok(v) => with_checker(p, |c| c.log_all_failures = v),
        Err(()) => p.report(
            Level::GeneralError,
            format!("Invalid log_all_failures parameter {}", w.words[1]),
        ),
    }
    Ok(())
}

/// The connection keywords.
pub(super) static CONN_KEYWORDS: &[Keyword] = &[
    kw("connect_ip", connect_ip),
    kw("connect_port", connect_port),
    kw("bindto", bindto),
    kw("bind_port", bind_port),
    kw("bind_if", bind_if),
    kw("connect_timeout", co_connect_timeout),
    kw("fwmark", co_fwmark),
];

/// The keywords every checker with a timer has.
pub(super) static COMMON_KEYWORDS: &[Keyword] = &[
    kw("retry", retry),
    kw("delay_before_retry", delay_before_retry),
    kw("warmup", warmup),
    kw("delay_loop", delay_loop),
    kw("alpha", alpha),
    kw("log_all_failures", log_all_failures),
];
