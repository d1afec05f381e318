//! The health checker blocks of a `real_server` (keepalived's `check_tcp.c`, `check_ping.c`,
//! `check_udp.c`, `check_dns.c`, `check_smtp.c` with its deprecated `host {}` blocks,
//! `check_misc.c`, `check_file.c`, `check_bfd.c`); `HTTP_GET`/`SSL_GET` are in `check_http.rs`,
//! the keywords they share in `check_common.rs`.

use super::common::{
    COMMON_KEYWORDS, CONN_KEYWORDS, check_conn_opts, close_checker, end_conn_check, queue, with_checker,
};
use super::http;
use super::{BfdEvent, Deferred, cur_checker, cur_indices, cur_rs, cur_vs, dequeue_checker};
use crate::config::diag::Level;
use crate::config::model::check::{
    Checker, CheckerKind, ConnOpts, DNS_TYPES, DnsCheck, FileCheck, MiscCheck, SMTP_DEFAULT_HELO, SmtpCheck, UdpCheck,
};
use crate::config::model::{Origin, Script};
use crate::config::parser::{Block, HResult, Keyword, Parser, Words, kw, kw_block};
use crate::config::script;
use crate::config::values;

// ---- TCP_CHECK, PING_CHECK ----

fn tcp_check(p: &mut Parser<'_>, w: &Words) -> HResult {
    queue(p, w, CheckerKind::Tcp, true);
    Ok(())
}

fn ping_check(p: &mut Parser<'_>, w: &Words) -> HResult {
    queue(p, w, CheckerKind::Ping, true);
    Ok(())
}

static TCP_CHECK: Block = Block::new("TCP_CHECK", &[CONN_KEYWORDS, COMMON_KEYWORDS], Some(close_checker));
static PING_CHECK: Block = Block::new("PING_CHECK", &[CONN_KEYWORDS, COMMON_KEYWORDS], Some(close_checker));

// ---- UDP_CHECK ----

fn with_udp(p: &mut Parser<'_>, f: impl FnOnce(&mut UdpCheck)) {
    if let Some(Checker {
        kind: CheckerKind::Udp(u),
        ..
    }) = cur_checker(p)
    {
        f(u);
    }
}

/// keepalived's `read_hex_str()`, including its quirk of rejecting a string whose last byte is
/// 0xff (it tests the last value read against its error marker).
fn hex(s: &str, wildcard: bool) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    let (d, m) = values::read_hex_str(s, wildcard)?;
    (d.last() != Some(&0xff)).then_some((d, m))
}

fn udp_check(p: &mut Parser<'_>, w: &Words) -> HResult {
    let kind = CheckerKind::Udp(Box::new(UdpCheck {
        payload: None,
        require_reply: false,
        reply_data: None,
        reply_mask: None,
        min_reply_len: 0,
        max_reply_len: 255,
    }));
    queue(p, w, kind, true);
    Ok(())
}

fn payload(p: &mut Parser<'_>, w: &Words) -> HResult {
    if w.len() == 1 {
        p.report(Level::GeneralError, "UDP_CHECK payload requires a payload");
        return Ok(());
    }
    let text = w.from(1).join(" ");
    let data = hex(&text, false).map(|(d, _)| d);
    if data.is_none() {
        p.report(Level::GeneralError, "Invalid hex string for UDP_CHECK payload");
    }
    with_udp(p, |u| u.payload = data);
    Ok(())
}

fn require_reply(p: &mut Parser<'_>, w: &Words) -> HResult {
    with_udp(p, |u| u.require_reply = true);
    if w.len() == 1 {
        return Ok(());
    }
    let text = w.from(1).join(" ");
    match hex(&text, true) {
        Some((d, m)) => with_udp(p, |u| {
            u.reply_data = Some(d);
            u.reply_mask = m;
        }),
        None => p.report(Level::GeneralError, "Invalid hex string for UDP_CHECK reply"),
    }
    Ok(())
}

fn reply_length(p: &mut Parser<'_>, w: &Words, min: bool) -> HResult {
    let s = w.get(1)?;
    match values::read_unsigned(p, s, 0, u16::MAX as u32, false) {
        Some(v) => with_udp(p, |u| {
            if min {
                u.min_reply_len = v;
            } else {
                u.max_reply_len = v;
            }
        }),
        None => {
            let which = if min { "min" } else { "max" };
            p.report(
                Level::GeneralError,
                format!(
                    "UDP_CHECK {which} length {s} not valid - must be between 0 & {}",
                    u16::MAX
                ),
            );
        }
    }
    Ok(())
}
fn min_reply_length(p: &mut Parser<'_>, w: &Words) -> HResult {
    reply_length(p, w, true)
}
fn max_reply_length(p: &mut Parser<'_>, w: &Words) -> HResult {
    reply_length(p, w, false)
}

fn udp_end(p: &mut Parser<'_>) {
    if end_conn_check(p) {
        let lens = match cur_checker(p) {
            Some(Checker {
                kind: CheckerKind::Udp(u),
                ..
            }) => Some((u.min_reply_len, u.max_reply_len)),
            _ => None,
        };
        if let Some((min, max)) = lens.filter(|(a, b)| a > b) {
            p.report(
                Level::GeneralError,
                format!("UDP_CHECK min_reply length {min} > max_reply_length {max} - will always fail"),
            );
        }
    }
    p.b.check.in_checker = false;
}

static UDP_KEYWORDS: &[Keyword] = &[
    kw("payload", payload),
    kw("require_reply", require_reply),
    kw("min_reply_length", min_reply_length),
    kw("max_reply_length", max_reply_length),
];
static UDP_CHECK: Block = Block::new(
    "UDP_CHECK",
    &[CONN_KEYWORDS, COMMON_KEYWORDS, UDP_KEYWORDS],
    Some(udp_end),
);

// ---- DNS_CHECK ----

fn with_dns(p: &mut Parser<'_>, f: impl FnOnce(&mut DnsCheck)) {
    if let Some(Checker {
        kind: CheckerKind::Dns(d),
        ..
    }) = cur_checker(p)
    {
        f(d);
    }
}

fn dns_check(p: &mut Parser<'_>, w: &Words) -> HResult {
    let kind = CheckerKind::Dns(Box::new(DnsCheck {
        qtype: "SOA",
        name: String::new(),
    }));
    queue(p, w, kind, true);
    p.b.check.dns_name_set = false;
    Ok(())
}

fn dns_type(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    match DNS_TYPES.iter().find(|(n, _)| n.eq_ignore_ascii_case(s)) {
        Some((n, _)) => with_dns(p, |d| d.qtype = n),
        None => p.report(Level::GeneralError, format!("Unknown DNS check type {s} - ignoring")),
    }
    Ok(())
}

/// keepalived's empty-label test, bug for bug: it looks at the character after the start of
/// the name and after each dot, so any name whose second character is a dot is refused.
fn dns_name_invalid(name: &str) -> bool {
    let b = name.as_bytes();
    if b.first() == Some(&b'.') && b.len() > 1 {
        return true;
    }
    let mut i = 0;
    loop {
        if b.get(i + 1) == Some(&b'.') {
            return true;
        }
        match b.iter().skip(i + 1).position(|c| *c == b'.') {
            Some(j) => i = i + 1 + j,
            None => return false,
        }
    }
}

fn dns_name(p: &mut Parser<'_>, w: &Words) -> HResult {
    if p.b.check.dns_name_set && p.b.check.in_checker {
        p.report(Level::GeneralError, "DNS_CHECK name already specified - ignoring");
        return Ok(());
    }
    let name = w.get(1)?;
    if dns_name_invalid(name) {
        p.report(
            Level::GeneralError,
            format!("DNS_CHECK name '{name}' has empty label - ignoring"),
        );
        return Ok(());
    }
    let name = name.to_string();
    with_dns(p, |d| d.name = name);
    p.b.check.dns_name_set = true;
    Ok(())
}

static DNS_KEYWORDS: &[Keyword] = &[kw("type", dns_type), kw("name", dns_name)];
static DNS_CHECK: Block = Block::new(
    "DNS_CHECK",
    &[CONN_KEYWORDS, COMMON_KEYWORDS, DNS_KEYWORDS],
    Some(close_checker),
);

// ---- SMTP_CHECK ----

fn smtp_check(p: &mut Parser<'_>, w: &Words) -> HResult {
    let kind = CheckerKind::Smtp(Box::new(SmtpCheck {
        helo_name: String::new(),
    }));
    queue(p, w, kind, true);
    // keepalived checks later whether any connection option was set.
    with_checker(p, |c| c.co = Some(ConnOpts::default()));
    p.b.check.smtp_helo_set = false;
    p.b.check.smtp_hosts.clear();
    p.b.check.smtp_saved_co = None;
    Ok(())
}

fn helo_name(p: &mut Parser<'_>, w: &Words) -> HResult {
    let Some(s) = w.opt(1) else {
        p.report(Level::GeneralError, "SMTP_CHECK helo name missing");
        return Ok(());
    };
    let s = s.to_string();
    if let Some(Checker {
        kind: CheckerKind::Smtp(sm),
        ..
    }) = cur_checker(p)
    {
        sm.helo_name = s;
        p.b.check.smtp_helo_set = true;
    }
    Ok(())
}

fn smtp_host(p: &mut Parser<'_>, _w: &Words) -> HResult {
    let rs_addr = cur_rs(p).map(|r| (r.ip, r.port));
    let Some(c) = cur_checker(p) else { return Ok(()) };
    let saved = c.co.take();
    // keepalived allocates the host's options zeroed, so a host without `connect_timeout`
    // times out at once; we let it inherit the timeout as the checker's own options do.
    c.co = rs_addr.map(|(ip, port)| ConnOpts::to(ip, port));
    p.b.check.smtp_saved_co = saved;
    Ok(())
}

fn smtp_host_end(p: &mut Parser<'_>) {
    let saved = p.b.check.smtp_saved_co.take();
    let Some(c) = cur_checker(p) else { return };
    let host = std::mem::replace(&mut c.co, saved);
    if let Some(host) = host {
        if check_conn_opts(p, &host) {
            p.b.check.smtp_hosts.push(host);
        }
    }
}

/// keepalived's `smtp_check_end_handler()`: defaults for the connection, and one extra checker
/// per remaining `host {}` block.
fn smtp_end(p: &mut Parser<'_>) {
    let hosts = std::mem::take(&mut p.b.check.smtp_hosts);
    if !p.b.check.in_checker {
        return;
    }
    let helo_set = p.b.check.smtp_helo_set;
    let Some((rs_ip, rs_port, rs_to)) = cur_rs(p).map(|r| (r.ip, r.port, r.connect_timeout)) else {
        return;
    };
    let vs_to = cur_vs(p).map(|v| v.connect_timeout).unwrap_or_default();
    if !hosts.is_empty() {
        p.report(
            Level::Info,
            "The SMTP_CHECK host block is deprecated. Please define additional checkers.",
        );
    }
    let Some(c) = cur_checker(p) else { return };
    if let CheckerKind::Smtp(sm) = &mut c.kind {
        if !helo_set {
            sm.helo_name = SMTP_DEFAULT_HELO.to_string();
        }
    }
    let mut hosts = hosts.into_iter();
    let co = c.co.clone().unwrap_or_default();
    let any_set = co.dst.is_some()
        || co.dst_port != 0
        || co.bindto().is_some()
        || co.bind_port() != 0
        || co.bind_if().is_some()
        || hosts.len() == 0
        || co.fwmark() != 0
        || co.connect_timeout.is_some();
    if any_set {
        let mut co = co;
        let saved_port = co.dst_port;
        if co.dst.is_none() {
            co.dst = Some(rs_ip);
            co.dst_port = rs_port;
            if saved_port != 0 {
                co.dst_port = saved_port;
            }
        }
        if saved_port == 0 {
            co.dst_port = rs_port;
        }
        c.co = Some(co.clone());
        if !check_conn_opts(p, &co) {
            dequeue_checker(p);
            return;
        }
    } else {
        c.co = hosts.next();
    }
    let conn_to = rs_to.unwrap_or(vs_to);
    let Some(c) = cur_checker(p) else { return };
    if let Some(co) = c.co.as_mut() {
        if co.connect_timeout.is_none() {
            co.connect_timeout = Some(conn_to);
        }
    }
    let template = c.clone();
    let extra: Vec<Checker> = hosts
        .map(|mut co| {
            if co.connect_timeout.is_none() {
                co.connect_timeout = Some(conn_to);
            }
            let mut n = template.clone();
            n.co = Some(co);
            n
        })
        .collect();
    if let Some(rs) = cur_rs(p) {
        rs.checkers.extend(extra);
    }
    p.b.check.in_checker = false;
}

static SMTP_HOST: Block = Block::new("host", &[CONN_KEYWORDS, COMMON_KEYWORDS], Some(smtp_host_end));
static SMTP_KEYWORDS: &[Keyword] = &[kw("helo_name", helo_name)];
static SMTP_HOST_KEYWORD: &[Keyword] = &[kw_block("host", Some(smtp_host), &SMTP_HOST)];
static SMTP_CHECK: Block = Block::new(
    "SMTP_CHECK",
    &[SMTP_KEYWORDS, CONN_KEYWORDS, COMMON_KEYWORDS, SMTP_HOST_KEYWORD],
    Some(smtp_end_close),
);

fn smtp_end_close(p: &mut Parser<'_>) {
    smtp_end(p);
    p.b.check.in_checker = false;
}

// ---- MISC_CHECK ----

fn with_misc(p: &mut Parser<'_>, f: impl FnOnce(&mut MiscCheck)) {
    if let Some(Checker {
        kind: CheckerKind::Misc(m),
        ..
    }) = cur_checker(p)
    {
        f(m);
    }
}

/// keepalived's `cmd_str()`: each word in single quotes, except a first word starting with
/// `<` or `>` (a shell file test).
pub fn cmd_str(s: &Script) -> String {
    s.args
        .iter()
        .enumerate()
        .map(|(i, a)| {
            if i == 0 && (a.starts_with('<') || a.starts_with('>')) {
                a.clone()
            } else {
                format!("'{a}'")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn misc_check(p: &mut Parser<'_>, w: &Words) -> HResult {
    let kind = CheckerKind::Misc(Box::new(MiscCheck {
        script: Script {
            args: Vec::new(),
            user: None,
            group: None,
            uid: 0,
            gid: 0,
            origin: Origin(w.loc.clone()),
        },
        timeout: 0,
        dynamic: false,
    }));
    queue(p, w, kind, false);
    p.b.check.misc_user_set = false;
    Ok(())
}

fn misc_path(p: &mut Parser<'_>, w: &Words) -> HResult {
    if cur_checker(p).is_none() {
        return Ok(());
    }
    if let Some(args) = script::command_from_line(p) {
        let loc = w.loc.clone();
        with_misc(p, |m| {
            m.script.args = args;
            m.script.origin = Origin(loc);
        });
    }
    Ok(())
}

fn misc_timeout(p: &mut Parser<'_>, w: &Words) -> HResult {
    if cur_checker(p).is_none() {
        return Ok(());
    }
    let s = w.get(1)?;
    match values::read_unsigned(p, s, 0, u32::MAX / 1_000_000, true) {
        Some(v) => with_misc(p, |m| m.timeout = v as u64 * 1_000_000),
        None => p.report(Level::GeneralError, format!("Invalid misc_timeout value '{s}'")),
    }
    Ok(())
}

fn misc_dynamic(p: &mut Parser<'_>, _w: &Words) -> HResult {
    with_misc(p, |m| m.dynamic = true);
    Ok(())
}

fn misc_user(p: &mut Parser<'_>, w: &Words) -> HResult {
    let cmd = match cur_checker(p) {
        Some(Checker {
            kind: CheckerKind::Misc(m),
            ..
        }) => cmd_str(&m.script),
        _ => return Ok(()),
    };
    let Some(user) = w.opt(1) else {
        p.report(
            Level::GeneralError,
            format!("No user specified for misc checker script {cmd}"),
        );
        return Ok(());
    };
    let group = w.opt(2);
    match script::lookup_user(p, user, group) {
        Some((uid, gid)) => {
            let (user, group) = (user.to_string(), group.map(str::to_string));
            with_misc(p, |m| {
                m.script.user = Some(user);
                m.script.group = group;
                m.script.uid = uid;
                m.script.gid = gid;
            });
            p.b.check.misc_user_set = true;
        }
        None => {
            p.report(
                Level::GeneralError,
                format!("Failed to set uid/gid for misc checker script {cmd} - removing"),
            );
            dequeue_checker(p);
        }
    }
    Ok(())
}

fn misc_end(p: &mut Parser<'_>) {
    if !p.b.check.in_checker {
        return;
    }
    let no_path =
        matches!(cur_checker(p), Some(Checker { kind: CheckerKind::Misc(m), .. }) if m.script.args.is_empty());
    if no_path {
        p.report(
            Level::GeneralError,
            "No script path has been specified for MISC_CHECKER - skipping",
        );
        dequeue_checker(p);
    }
    if p.b.check.in_checker && !no_path && !p.b.check.misc_user_set {
        match super::default_script_user(p) {
            Some((uid, gid)) => with_misc(p, |m| {
                m.script.uid = uid;
                m.script.gid = gid;
            }),
            None => {
                let cmd = match cur_checker(p) {
                    Some(Checker {
                        kind: CheckerKind::Misc(m),
                        ..
                    }) => cmd_str(&m.script),
                    _ => String::new(),
                };
                p.report(
                    Level::GeneralError,
                    format!("Unable to set default user for misc script {cmd} - removing"),
                );
                dequeue_checker(p);
            }
        }
    }
    p.b.check.in_checker = false;
}

static MISC_KEYWORDS: &[Keyword] = &[
    kw("misc_path", misc_path),
    kw("misc_timeout", misc_timeout),
    kw("misc_dynamic", misc_dynamic),
    kw("user", misc_user),
];
static MISC_CHECK: Block = Block::new("MISC_CHECK", &[COMMON_KEYWORDS, MISC_KEYWORDS], Some(misc_end));

// ---- FILE_CHECK ----

fn file_check(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.b.check.file = Some(super::OpenFileCheck {
        names: Vec::new(),
        weight: None,
        origin: Origin(w.loc.clone()),
    });
    Ok(())
}

fn file_track_file(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = w.get(1)?.to_string();
    if let Some(f) = p.b.check.file.as_mut() {
        f.names.push((name, w.loc.clone()));
    }
    Ok(())
}

fn file_weight(p: &mut Parser<'_>, w: &Words) -> HResult {
    let Some(s) = w.opt(1) else {
        p.report(Level::GeneralError, "track file weight missing");
        return Ok(());
    };
    let lim = i32::MAX;
    let Some(weight) = values::read_int(p, s, -lim, lim, true) else {
        p.report(
            Level::GeneralError,
            format!(
                "weight for track file must be in [{}..{lim}] inclusive. Ignoring...",
                -lim
            ),
        );
        return Ok(());
    };
    let reverse = match w.opt(2) {
        None | Some("noreverse") => false,
        Some("reverse") => true,
        Some(o) => {
            p.report(
                Level::GeneralError,
                format!("unknown track file weight option {o} - ignoring"),
            );
            return Ok(());
        }
    };
    if let Some(f) = p.b.check.file.as_mut() {
        f.weight = Some((weight, reverse));
    }
    Ok(())
}

fn file_end(p: &mut Parser<'_>) {
    let Some(super::OpenFileCheck { names, weight, origin }) = p.b.check.file.take() else {
        return;
    };
    let Some((vs, rs)) = cur_indices(p) else { return };
    let Some(last) = names.last() else {
        p.report(Level::GeneralError, "FILE_CHECK has no track_file specified - ignoring");
        return;
    };
    let fc = FileCheck {
        track_file: last.0.clone(),
        weight: weight.map(|w| w.0),
        reverse: weight.is_some_and(|w| w.1),
        origin,
    };
    let list = &mut p.b.cfg.check.virtual_servers[vs].real_servers[rs].file_checks;
    list.push(fc);
    let idx = list.len() - 1;
    let close = p.loc();
    let rs_id = p.b.check.rs_seq;
    p.b.check.deferred.push(Deferred::File {
        rs_id,
        dropped: false,
        vs,
        rs,
        idx,
        names,
        close,
    });
}

static FILE_KEYWORDS: &[Keyword] = &[kw("track_file", file_track_file), kw("weight", file_weight)];
static FILE_CHECK: Block = Block::new("FILE_CHECK", &[FILE_KEYWORDS], Some(file_end));

// ---- BFD_CHECK ----

fn bfd_check(p: &mut Parser<'_>, w: &Words) -> HResult {
    let fmt_rs = match cur_indices(p) {
        Some((vs, rs)) => {
            let vs = &p.b.cfg.check.virtual_servers[vs];
            let r = &vs.real_servers[rs];
            vs.fmt_server(&r.ip, r.port)
        }
        None => String::new(),
    };
    let kind = CheckerKind::Bfd(Box::new(crate::config::model::check::BfdCheck { name: String::new() }));
    queue(p, w, kind, false);
    p.b.check.bfd = Some((fmt_rs, Vec::new()));
    Ok(())
}

fn bfd_name(p: &mut Parser<'_>, w: &Words) -> HResult {
    let ev = BfdEvent::Name {
        one: w.len() == 2,
        name: w.opt(1).unwrap_or("").to_string(),
        loc: w.loc.clone(),
    };
    if let Some(b) = p.b.check.bfd.as_mut() {
        b.1.push(ev);
    }
    Ok(())
}

fn bfd_alpha(p: &mut Parser<'_>, w: &Words) -> HResult {
    let ev = BfdEvent::Alpha {
        word: w.opt(1).map(str::to_string),
        loc: w.loc.clone(),
    };
    if let Some(b) = p.b.check.bfd.as_mut() {
        b.1.push(ev);
    }
    Ok(())
}

fn bfd_end(p: &mut Parser<'_>) {
    let Some((fmt_rs, events)) = p.b.check.bfd.take() else {
        return;
    };
    let Some((vs, rs)) = cur_indices(p) else { return };
    let idx = p.b.cfg.check.virtual_servers[vs].real_servers[rs]
        .checkers
        .len()
        .saturating_sub(1);
    let close = p.loc();
    let rs_id = p.b.check.rs_seq;
    p.b.check.deferred.push(Deferred::Bfd {
        rs_id,
        dropped: false,
        vs,
        rs,
        idx,
        fmt_rs,
        events,
        close,
    });
    p.b.check.in_checker = false;
}

static BFD_KEYWORDS: &[Keyword] = &[kw("name", bfd_name), kw("alpha", bfd_alpha)];
static BFD_CHECK: Block = Block::new("BFD_CHECK", &[BFD_KEYWORDS], Some(bfd_end));

/// The checker keywords of a `real_server` block, in keepalived's order.
pub static CHECKERS: &[Keyword] = &[
    kw_block("MISC_CHECK", Some(misc_check), &MISC_CHECK),
    kw_block("SMTP_CHECK", Some(smtp_check), &SMTP_CHECK),
    kw_block("TCP_CHECK", Some(tcp_check), &TCP_CHECK),
    kw_block("PING_CHECK", Some(ping_check), &PING_CHECK),
    kw_block("UDP_CHECK", Some(udp_check), &UDP_CHECK),
    kw_block("HTTP_GET", Some(http::http_get), &http::HTTP_GET),
    kw_block("SSL_GET", Some(http::ssl_get), &http::SSL_GET),
    kw_block("DNS_CHECK", Some(dns_check), &DNS_CHECK),
    kw_block("FILE_CHECK", Some(file_check), &FILE_CHECK),
    kw_block("BFD_CHECK", Some(bfd_check), &BFD_CHECK),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_name_quirk() {
        assert!(!dns_name_invalid("example"));
        assert!(dns_name_invalid("a.example"), "second character is a dot");
        assert!(!dns_name_invalid("ab.example.com"));
        assert!(dns_name_invalid("ab..com"));
        assert!(dns_name_invalid(".com"));
        assert!(!dns_name_invalid("."));
        assert!(!dns_name_invalid("com."));
    }
}
