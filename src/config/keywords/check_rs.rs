//! `real_server` blocks (keepalived's `check_parser.c` real server handlers, `alloc_rs()`,
//! `rs_end_handler()`).

use super::addr::{self, nonzero_port};
use super::checkers::CHECKERS;
use super::vs::{UINT_MAX_US, parse_forwarding, timer, vsgname, with_vs};
use super::{Deferred, cur_rs, opt_bool};
use crate::config::diag::Level;
use crate::config::model::check::{Family, FwdMethod, RealServer, defaults};
use crate::config::model::{Origin, Script};
use crate::config::parser::{Block, HResult, Keyword, Parser, Words, kw};
use crate::config::values;

fn with_rs(p: &mut Parser<'_>, f: impl FnOnce(&mut RealServer)) {
    if let Some(rs) = cur_rs(p) {
        f(rs);
    }
}

pub(super) fn rs_handler(p: &mut Parser<'_>, w: &Words) -> HResult {
    let Some(ip) = w.opt(1) else {
        p.skip_block(true);
        return w.get(1).map(|_| ());
    };
    let port = w.opt(2);
    let Some((addr, port_num)) = addr::stosockaddr(p, ip, nonzero_port(port)) else {
        p.report(
            Level::GeneralError,
            format!(
                "Invalid real server ip address/port {ip}/{} - skipping",
                port.unwrap_or("(null)")
            ),
        );
        p.skip_block(true);
        return Ok(());
    };
    let loc = w.loc.clone();
    p.b.check.rs_seq += 1;
    with_vs(p, |vs| {
        let rs = RealServer::new(addr, port_num, vs.forwarding, Origin(loc));
        vs.real_servers.push(rs);
    });
    Ok(())
}

/// keepalived's `rs_end_handler()`: a non-tunnelled real server must match the virtual
/// server's address family.
fn rs_end(p: &mut Parser<'_>) {
    let Some((vs_i, rs_i)) = super::cur_indices(p) else {
        return;
    };
    let vs = &mut p.b.cfg.check.virtual_servers[vs_i];
    let rs = &vs.real_servers[rs_i];
    if rs.forwarding.map(|f| f.method) == Some(FwdMethod::Tun) {
        return;
    }
    let fam = Family::of(&rs.ip);
    match vs.family {
        None => vs.family = Some(fam),
        Some(f) if f != fam => {
            let m = format!(
                "Address family of virtual server and real server {} don't match - skipping real server.",
                crate::config::model::check::fmt_ip(&rs.ip)
            );
            vs.real_servers.pop();
            let id = p.b.check.rs_seq;
            for d in p.b.check.deferred.iter_mut() {
                match d {
                    Deferred::File { rs_id, dropped, .. } | Deferred::Bfd { rs_id, dropped, .. } if *rs_id == id => {
                        *dropped = true
                    }
                    _ => {}
                }
            }
            p.report(Level::GeneralError, m);
        }
        _ => {}
    }
}

fn rs_weight(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    match values::read_unsigned(p, s, 0, defaults::WEIGHT_LIMIT, true) {
        Some(v) => with_rs(p, |rs| rs.weight = Some(v)),
        None => p.report(
            Level::GeneralError,
            format!("Real server weight {s} is outside range 0-{}", defaults::WEIGHT_LIMIT),
        ),
    }
    Ok(())
}

fn rs_forwarding(p: &mut Parser<'_>, w: &Words) -> HResult {
    let cur = cur_rs(p).and_then(|r| r.forwarding);
    if let Some(f) = parse_forwarding(p, w, "real", cur)? {
        with_rs(p, |rs| rs.forwarding = Some(f));
    }
    Ok(())
}

fn threshold(p: &mut Parser<'_>, w: &Words, upper: bool) -> HResult {
    let s = w.get(1)?;
    match values::read_unsigned(p, s, 0, u32::MAX, true) {
        Some(v) => with_rs(p, |rs| {
            if upper {
                rs.u_threshold = v;
            } else {
                rs.l_threshold = v;
            }
        }),
        None => {
            let which = if upper { "uthreshold" } else { "lthreshold" };
            p.report(
                Level::GeneralError,
                format!("Invalid real_server {which} '{s}' - ignoring"),
            );
        }
    }
    Ok(())
}
fn uthreshold(p: &mut Parser<'_>, w: &Words) -> HResult {
    threshold(p, w, true)
}
fn lthreshold(p: &mut Parser<'_>, w: &Words) -> HResult {
    threshold(p, w, false)
}

fn rs_bool(p: &mut Parser<'_>, w: &Words, msg: &str, set: fn(&mut RealServer, bool)) {
    match opt_bool(w) {
        Ok(v) => with_rs(p, |rs| set(rs, v)),
        Err(()) => p.report(Level::GeneralError, format!("{msg} {}", w.words[1])),
    }
}
fn rs_inhibit(p: &mut Parser<'_>, w: &Words) -> HResult {
    rs_bool(p, w, "Invalid inhibit_on_failure parameter", |rs, v| {
        rs.inhibit = Some(v)
    });
    Ok(())
}
fn rs_alpha(p: &mut Parser<'_>, w: &Words) -> HResult {
    rs_bool(p, w, "Invalid alpha parameter", |rs, v| rs.alpha = Some(v));
    Ok(())
}
fn rs_smtp_alert(p: &mut Parser<'_>, w: &Words) -> HResult {
    rs_bool(p, w, "Invalid real_server smtp_alert parameter", |rs, v| {
        rs.smtp_alert = Some(v)
    });
    Ok(())
}

fn notify(p: &mut Parser<'_>, w: &Words, up: bool) -> HResult {
    let set = cur_rs(p).is_some_and(|r| {
        if up {
            r.notify_up.is_some()
        } else {
            r.notify_down.is_some()
        }
    });
    if set {
        let g = vsgname(p);
        let which = if up { "notify_up" } else { "notify_down" };
        let arg = w.get(1)?;
        p.report(
            Level::GeneralError,
            format!("({g}) {which} script already specified - ignoring {arg}"),
        );
        return Ok(());
    }
    let s: Option<Script> = super::notify_script(p, w, "notify")?;
    with_rs(p, |rs| {
        if up {
            rs.notify_up = s.map(Box::new);
        } else {
            rs.notify_down = s.map(Box::new);
        }
    });
    Ok(())
}
fn notify_up(p: &mut Parser<'_>, w: &Words) -> HResult {
    notify(p, w, true)
}
fn notify_down(p: &mut Parser<'_>, w: &Words) -> HResult {
    notify(p, w, false)
}

fn rs_connect_timeout(p: &mut Parser<'_>, w: &Words) -> HResult {
    if let Some(v) = timer(p, w, 1, UINT_MAX_US, |s| {
        format!("real server connect_timeout {s} invalid - ignoring")
    })? {
        with_rs(p, |rs| rs.connect_timeout = (v != UINT_MAX_US).then_some(v));
    }
    Ok(())
}
fn rs_delay_loop(p: &mut Parser<'_>, w: &Words) -> HResult {
    if let Some(v) = timer(p, w, 1, 0, |s| {
        format!("real server delay_loop '{s}' invalid - ignoring")
    })? {
        with_rs(p, |rs| rs.delay_loop = Some(v));
    }
    Ok(())
}
fn rs_delay_before_retry(p: &mut Parser<'_>, w: &Words) -> HResult {
    if let Some(v) = timer(p, w, 0, 0, |s| {
        format!("real server delay_before_retry '{s}' invalid - ignoring")
    })? {
        with_rs(p, |rs| rs.delay_before_retry = Some(v));
    }
    Ok(())
}
fn rs_warmup(p: &mut Parser<'_>, w: &Words) -> HResult {
    if let Some(v) = timer(p, w, 0, 0, |s| format!("real server warmup '{s}' invalid - ignoring"))? {
        with_rs(p, |rs| rs.warmup = Some(v));
    }
    Ok(())
}
fn rs_retry(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    match values::read_unsigned(p, s, 1, u32::MAX, false) {
        Some(v) => with_rs(p, |rs| rs.retry = (v != u32::MAX).then_some(v)),
        None => p.report(Level::GeneralError, format!("retry value invalid - {s}")),
    }
    Ok(())
}
fn rs_virtualhost(p: &mut Parser<'_>, w: &Words) -> HResult {
    match w.opt(1) {
        Some(s) => {
            let s = s.to_string();
            with_rs(p, |rs| rs.virtualhost = Some(s));
        }
        None => p.report(Level::GeneralError, "real server virtualhost missing"),
    }
    Ok(())
}
fn rs_snmp_name(p: &mut Parser<'_>, w: &Words) -> HResult {
    if w.len() != 2 {
        p.report(Level::GeneralError, "real server snmp_name missing or extra parameters");
        return Ok(());
    }
    let s = w.words[1].clone();
    with_rs(p, |rs| rs.snmp_name = Some(s));
    Ok(())
}

static RS_KEYWORDS: &[Keyword] = &[
    kw("weight", rs_weight),
    kw("lvs_method", rs_forwarding),
    kw("uthreshold", uthreshold),
    kw("lthreshold", lthreshold),
    kw("inhibit_on_failure", rs_inhibit),
    kw("notify_up", notify_up),
    kw("notify_down", notify_down),
    kw("alpha", rs_alpha),
    kw("retry", rs_retry),
    kw("delay_before_retry", rs_delay_before_retry),
    kw("warmup", rs_warmup),
    kw("connect_timeout", rs_connect_timeout),
    kw("delay_loop", rs_delay_loop),
    kw("smtp_alert", rs_smtp_alert),
    kw("virtualhost", rs_virtualhost),
    kw("snmp_name", rs_snmp_name),
];

/// `real_server IP [PORT] { ... }`.
pub static REAL_SERVER: Block = Block::new("real_server", &[RS_KEYWORDS, CHECKERS], Some(rs_end));
