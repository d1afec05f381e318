//! `virtual_server` blocks and their sorry server (keepalived's `check_parser.c`, `alloc_vs()`,
//! `vs_end_handler()`, `alloc_ssvr()`, `svr_forwarding_handler()`).

use super::addr::{self, nonzero_port};
use super::{cur_vs, opt_bool};
use crate::config::diag::Level;
use crate::config::model::Origin;
use crate::config::model::check::{
    Family, Forwarding, FwdMethod, Protocol, SCHEDULERS, SorryServer, TunCsum, TunType, VirtualServer, VsKey, defaults,
    svc_flags,
};
use crate::config::parser::{Block, HResult, Keyword, Parser, Words, kw, kw_block};
use crate::config::values;

/// Runs `f` on the current virtual server.
pub(super) fn with_vs(p: &mut Parser<'_>, f: impl FnOnce(&mut VirtualServer)) {
    if let Some(vs) = cur_vs(p) {
        f(vs);
    }
}

/// keepalived prints a virtual server's group name with `%s`, which is "(null)" for others.
pub(super) fn vsgname(p: &mut Parser<'_>) -> String {
    cur_vs(p)
        .and_then(|v| v.group().map(str::to_string))
        .unwrap_or_else(|| "(null)".to_string())
}

// ---- virtual_server ----

/// `virtual_server IP PORT | fwmark N | group NAME`.
pub fn vs_handler(p: &mut Parser<'_>, w: &Words) -> HResult {
    let Some(p1) = w.opt(1) else {
        p.skip_block(true);
        return w.get(1).map(|_| ());
    };
    let key = match p1 {
        // keepalived crashes when the name or mark is missing; we report it.
        "group" => {
            let Some(name) = w.opt(2) else {
                p.skip_block(true);
                return w.get(2).map(|_| ());
            };
            VsKey::Group {
                name: name.to_string(),
                member: 0,
            }
        }
        "fwmark" => {
            let Some(mark) = w.opt(2) else {
                p.skip_block(true);
                return w.get(2).map(|_| ());
            };
            match values::read_unsigned(p, mark, 0, u32::MAX, true) {
                Some(m) => VsKey::Fwmark(m),
                None => {
                    p.report(
                        Level::GeneralError,
                        format!("virtual server fwmark '{mark}' must be in [0, {}] - ignoring", u32::MAX),
                    );
                    p.skip_block(true);
                    return Ok(());
                }
            }
        }
        ip => {
            let port_str = nonzero_port(w.opt(2));
            match addr::stosockaddr(p, ip, port_str) {
                Some((ip, port)) => VsKey::Addr { ip, port },
                None => {
                    let (a, b, c) = match port_str {
                        Some(ps) => ("/port", "/", ps),
                        None => ("", "", ""),
                    };
                    p.report(
                        Level::GeneralError,
                        format!("Invalid virtual server IP address{a} {ip}{b}{c} - skipping"),
                    );
                    p.skip_block(true);
                    return Ok(());
                }
            }
        }
    };
    let vs = VirtualServer::new(key, Origin(w.loc.clone()));
    p.b.cfg.check.virtual_servers.push(vs);
    Ok(())
}

/// keepalived's `vs_end_handler()`: settles the address family from the sorry and real servers.
fn vs_end(p: &mut Parser<'_>) {
    let Some(vs) = cur_vs(p) else { return };
    // Large configurations hold thousands of these: drop the Vec growth slack.
    vs.real_servers.shrink_to_fit();
    let mut msg = None;
    if let Some(ss) = &vs.sorry_server {
        if ss.forwarding.map(|f| f.method) != Some(FwdMethod::Tun) {
            let fam = Family::of(&ss.ip);
            match vs.family {
                None => vs.family = Some(fam),
                Some(f) if f != fam => {
                    msg = Some(format!(
                        "Address family of virtual server and sorry server {} don't match - skipping sorry server.",
                        crate::config::model::check::fmt_ip(&ss.ip)
                    ));
                    vs.sorry_server = None;
                }
                _ => {}
            }
        }
    }
    if vs.family.is_none() && vs.group().is_none() {
        let mut mixed = false;
        if let Some(ss) = &vs.sorry_server {
            vs.family = Some(Family::of(&ss.ip));
        }
        for rs in &vs.real_servers {
            let f = Family::of(&rs.ip);
            match vs.family {
                None => vs.family = Some(f),
                Some(v) if v != f => {
                    mixed = true;
                    break;
                }
                _ => {}
            }
        }
        if mixed || vs.family.is_none() {
            vs.family = Some(Family::Inet);
        }
    }
    if let Some(m) = msg {
        p.report(Level::GeneralError, m);
    }
}

fn ip_family(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    let af = match s {
        "inet" => Family::Inet,
        "inet6" => Family::Inet6,
        _ => {
            p.report(Level::GeneralError, format!("unknown address family {s}"));
            return Ok(());
        }
    };
    let cur = cur_vs(p).and_then(|v| v.family);
    if cur.is_some_and(|f| f != af) {
        p.report(
            Level::GeneralError,
            format!("Virtual server specified family {s} conflicts with server family"),
        );
        return Ok(());
    }
    with_vs(p, |v| v.family = Some(af));
    Ok(())
}

/// A timer keyword: `Some(µs)` or keepalived's message.
pub(super) fn timer(
    p: &mut Parser<'_>,
    w: &Words,
    min: u64,
    max: u64,
    msg: impl FnOnce(&str) -> String,
) -> Result<Option<u64>, crate::config::parser::MissingParam> {
    let s = w.get(1)?;
    match values::read_timer(p, s, min, max, true) {
        Some(v) => Ok(Some(v)),
        None => {
            let m = msg(s);
            p.report(Level::GeneralError, m);
            Ok(None)
        }
    }
}

/// keepalived's `UINT_MAX` timer limit, microseconds.
pub(super) const UINT_MAX_US: u64 = u32::MAX as u64;

fn vs_retry(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    match values::read_unsigned(p, s, 1, u32::MAX, false) {
        // keepalived's "unset" value is UINT_MAX, so `retry 4294967295` means unset.
        Some(v) => with_vs(p, |vs| vs.retry = (v != u32::MAX).then_some(v)),
        None => p.report(Level::GeneralError, format!("retry value invalid - {s}")),
    }
    Ok(())
}
fn vs_delay_before_retry(p: &mut Parser<'_>, w: &Words) -> HResult {
    if let Some(v) = timer(p, w, 0, 0, |s| {
        format!("virtual server delay before retry '{s}' invalid - ignoring")
    })? {
        with_vs(p, |vs| vs.delay_before_retry = Some(v));
    }
    Ok(())
}
fn vs_warmup(p: &mut Parser<'_>, w: &Words) -> HResult {
    if let Some(v) = timer(p, w, 0, 0, |s| {
        format!("virtual server warmup '{s}' invalid - ignoring")
    })? {
        with_vs(p, |vs| vs.warmup = Some(v));
    }
    Ok(())
}
fn vs_connect_timeout(p: &mut Parser<'_>, w: &Words) -> HResult {
    if let Some(v) = timer(p, w, 1, UINT_MAX_US, |s| {
        format!("virtual server connect_timeout {s} invalid - ignoring")
    })? {
        with_vs(p, |vs| vs.connect_timeout = v);
    }
    Ok(())
}
fn vs_delay_loop(p: &mut Parser<'_>, w: &Words) -> HResult {
    if let Some(v) = timer(p, w, 1, 0, |s| {
        format!("virtual server delay loop '{s}' invalid - ignoring")
    })? {
        with_vs(p, |vs| vs.delay_loop = v);
    }
    Ok(())
}
fn vs_inhibit(p: &mut Parser<'_>, _w: &Words) -> HResult {
    with_vs(p, |vs| vs.inhibit = true);
    Ok(())
}
fn lb_algo(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    if !SCHEDULERS.contains(&s) || s.len() >= defaults::SCHEDNAME_MAXLEN {
        p.report(Level::GeneralError, format!("Invalid lvs_scheduler '{s}' - ignoring"));
        return Ok(());
    }
    let s = s.to_string();
    with_vs(p, |vs| vs.scheduler = s);
    Ok(())
}

/// `hashed`, `ops`, `flag-1..3`, `sh-port`, `sh-fallback`, `mh-port`, `mh-fallback`
/// (keepalived's `lbflags_handler()`, which has no case for `hashed`).
fn lb_flags(p: &mut Parser<'_>, w: &Words) -> HResult {
    let word = w.words[0].as_str();
    let sched = cur_vs(p).map(|v| v.scheduler.clone()).unwrap_or_default();
    let bit = match word {
        "ops" => svc_flags::ONEPACKET,
        "flag-1" => svc_flags::SCHED1,
        "flag-2" => svc_flags::SCHED2,
        "flag-3" => svc_flags::SCHED3,
        _ if sched == "sh" => match word {
            "sh-port" => svc_flags::SCHED2,
            "sh-fallback" => svc_flags::SCHED1,
            _ => 0,
        },
        _ if sched == "mh" => match word {
            "mh-port" => svc_flags::SCHED2,
            "mh-fallback" => svc_flags::SCHED1,
            _ => 0,
        },
        _ => {
            p.report(
                Level::GeneralError,
                format!("{word} only applies to sh scheduler - ignoring"),
            );
            0
        }
    };
    with_vs(p, |vs| vs.flags |= bit);
    Ok(())
}

/// keepalived's `svr_forwarding_handler()`: `METHOD [type ipip|gue|gre] [port N]
/// [csum|nocsum|remcsum]`. Returns the new forwarding, `None` if unchanged. The method is taken
/// even when a tunnel option is wrong (the tunnel settings then stay as they were).
pub(super) fn parse_forwarding(
    p: &mut Parser<'_>,
    w: &Words,
    s_type: &str,
    current: Option<Forwarding>,
) -> Result<Option<Forwarding>, crate::config::parser::MissingParam> {
    let s = w.get(1)?;
    let method = match s {
        "NAT" => FwdMethod::Nat,
        "DR" => FwdMethod::Dr,
        "TUN" => FwdMethod::Tun,
        _ => {
            p.report(
                Level::GeneralError,
                format!("PARSER : unknown [{s}] routing method for {s_type} server."),
            );
            return Ok(None);
        }
    };
    let mut fwd = current.unwrap_or_default();
    fwd.method = method;
    let mut tun_type = TunType::Ipip;
    let mut port: u32 = 0;
    let mut csum = TunCsum::NoCsum;
    let n = w.len();
    let mut i = 2;
    let fail = |p: &mut Parser<'_>, m: String| {
        p.report(Level::GeneralError, m);
    };
    while i < n {
        match w.words[i].as_str() {
            "type" => {
                let Some(t) = w.opt(i + 1) else {
                    fail(p, format!("Missing tunnel type for {s_type} server."));
                    return Ok(Some(fwd));
                };
                tun_type = match t {
                    "ipip" => TunType::Ipip,
                    "gue" => TunType::Gue,
                    "gre" => TunType::Gre,
                    _ => {
                        fail(p, format!("Unknown tunnel type {t} for {s_type} server."));
                        return Ok(Some(fwd));
                    }
                };
                i += 1;
            }
            "port" => {
                let Some(ps) = w.opt(i + 1) else {
                    fail(p, format!("Missing port for {s_type} server gue tunnel."));
                    return Ok(Some(fwd));
                };
                match values::read_unsigned(p, ps, 1, 65535, false) {
                    Some(v) => port = v,
                    None => {
                        fail(p, format!("Invalid gue tunnel port {ps} for {s_type} server."));
                        return Ok(Some(fwd));
                    }
                }
                i += 1;
            }
            "nocsum" => csum = TunCsum::NoCsum,
            "csum" => csum = TunCsum::Csum,
            "remcsum" => csum = TunCsum::RemCsum,
            o => {
                fail(p, format!("Invalid tunnel option {o} for {s_type} server."));
                return Ok(Some(fwd));
            }
        }
        i += 1;
    }
    if (tun_type == TunType::Gue) != (port != 0) {
        fail(p, "gue tunnels require port, otherwise cannot have port.".to_string());
        return Ok(Some(fwd));
    }
    if tun_type == TunType::Ipip && csum != TunCsum::NoCsum {
        fail(p, "ipip tunnels do not support checksum option.".to_string());
        return Ok(Some(fwd));
    }
    if tun_type == TunType::Gre && csum == TunCsum::RemCsum {
        fail(p, "gre tunnels do not support remote checksum option.".to_string());
        return Ok(Some(fwd));
    }
    fwd.tun_type = tun_type;
    fwd.tun_port = port as u16;
    fwd.tun_csum = csum;
    Ok(Some(fwd))
}

fn vs_forwarding(p: &mut Parser<'_>, w: &Words) -> HResult {
    let cur = cur_vs(p).and_then(|v| v.forwarding);
    if let Some(f) = parse_forwarding(p, w, "virtual", cur)? {
        with_vs(p, |vs| vs.forwarding = Some(f));
    }
    Ok(())
}

fn persistence_engine(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    let max = defaults::PENAME_MAXLEN;
    let name = if s.len() > max {
        p.report(
            Level::GeneralError,
            format!("persistence_name too long, truncating - {s}"),
        );
        String::from_utf8_lossy(&s.as_bytes()[..max]).into_owned()
    } else {
        s.to_string()
    };
    with_vs(p, |vs| vs.persistence_engine = Some(name));
    Ok(())
}

fn persistence_timeout(p: &mut Parser<'_>, w: &Words) -> HResult {
    let Some(s) = w.opt(1) else {
        with_vs(p, |vs| vs.persistence_timeout = defaults::PERSISTENCE_TIMEOUT);
        return Ok(());
    };
    match values::read_unsigned(p, s, 1, defaults::LVS_MAX_TIMEOUT, false) {
        Some(v) => with_vs(p, |vs| vs.persistence_timeout = v),
        None => p.report(Level::GeneralError, "persistence_timeout invalid"),
    }
    Ok(())
}

fn persistence_granularity(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    let af = cur_vs(p)
        .and_then(|v| v.family)
        .unwrap_or(if s.contains('.') { Family::Inet } else { Family::Inet6 });
    let gran = match af {
        Family::Inet6 => match values::read_unsigned(p, s, 1, 128, false) {
            Some(v) => v,
            None => {
                p.report(
                    Level::GeneralError,
                    format!("Invalid IPv6 persistence_granularity specified - {s}"),
                );
                return Ok(());
            }
        },
        Family::Inet => match addr::inet_aton(s) {
            Some(a) => u32::from(a),
            None => {
                p.report(
                    Level::GeneralError,
                    format!("Invalid IPv4 persistence_granularity specified - {s}"),
                );
                return Ok(());
            }
        },
    };
    with_vs(p, |vs| {
        vs.persistence_granularity = Some(gran);
        if vs.family.is_none() {
            vs.family = Some(af);
        }
        if vs.persistence_timeout == 0 {
            vs.persistence_timeout = defaults::PERSISTENCE_TIMEOUT;
        }
    });
    Ok(())
}

fn protocol(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    let proto = match s.to_ascii_uppercase().as_str() {
        "TCP" => Protocol::Tcp,
        "SCTP" => Protocol::Sctp,
        "UDP" => Protocol::Udp,
        _ => {
            p.report(Level::GeneralError, format!("Unknown protocol {s} - ignoring"));
            return Ok(());
        }
    };
    with_vs(p, |vs| vs.protocol = proto);
    Ok(())
}

fn ha_suspend(p: &mut Parser<'_>, _w: &Words) -> HResult {
    with_vs(p, |vs| vs.ha_suspend = true);
    Ok(())
}

fn vs_smtp_alert(p: &mut Parser<'_>, w: &Words) -> HResult {
    match opt_bool(w) {
        Ok(v) => with_vs(p, |vs| vs.smtp_alert = Some(v)),
        Err(()) => p.report(
            Level::GeneralError,
            format!("Invalid virtual_server smtp_alert parameter {}", w.words[1]),
        ),
    }
    Ok(())
}

fn vs_virtualhost(p: &mut Parser<'_>, w: &Words) -> HResult {
    match w.opt(1) {
        Some(s) => {
            let s = s.to_string();
            with_vs(p, |vs| vs.virtualhost = Some(s));
        }
        None => p.report(Level::GeneralError, "virtual server virtualhost missing"),
    }
    Ok(())
}

fn vs_snmp_name(p: &mut Parser<'_>, w: &Words) -> HResult {
    if w.len() != 2 {
        p.report(
            Level::GeneralError,
            "virtual server snmp_name missing or extra parameters",
        );
        return Ok(());
    }
    let s = w.words[1].clone();
    with_vs(p, |vs| vs.snmp_name = Some(s));
    Ok(())
}

fn vs_alpha(p: &mut Parser<'_>, _w: &Words) -> HResult {
    with_vs(p, |vs| vs.alpha = true);
    Ok(())
}
fn omega(p: &mut Parser<'_>, _w: &Words) -> HResult {
    with_vs(p, |vs| vs.omega = true);
    Ok(())
}

fn quorum_script(p: &mut Parser<'_>, w: &Words, up: bool) -> HResult {
    let set = cur_vs(p).is_some_and(|v| {
        if up {
            v.quorum_up.is_some()
        } else {
            v.quorum_down.is_some()
        }
    });
    if set {
        let g = vsgname(p);
        let which = if up { "quorum_up" } else { "quorum_down" };
        let arg = w.get(1)?;
        p.report(
            Level::GeneralError,
            format!("({g}) {which} script already specified - ignoring {arg}"),
        );
        return Ok(());
    }
    let s = super::notify_script(p, w, "quorum")?;
    with_vs(p, |vs| {
        if up {
            vs.quorum_up = s;
        } else {
            vs.quorum_down = s;
        }
    });
    Ok(())
}
fn quorum_up(p: &mut Parser<'_>, w: &Words) -> HResult {
    quorum_script(p, w, true)
}
fn quorum_down(p: &mut Parser<'_>, w: &Words) -> HResult {
    quorum_script(p, w, false)
}

fn quorum(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    let q = match values::read_unsigned(p, s, 1, u32::MAX, true) {
        Some(v) => v,
        None => {
            p.report(
                Level::GeneralError,
                format!("Quorum {s} must be in [1, {}]. Setting to 1.", u32::MAX),
            );
            1
        }
    };
    with_vs(p, |vs| vs.quorum = q);
    Ok(())
}

fn hysteresis(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    match values::read_unsigned(p, s, 0, u32::MAX, true) {
        Some(v) => with_vs(p, |vs| vs.hysteresis = v),
        None => p.report(
            Level::GeneralError,
            format!("Hysteresis {s} must be in [0, {}] - ignoring", u32::MAX),
        ),
    }
    Ok(())
}

fn vs_weight(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    match values::read_unsigned(p, s, 1, defaults::WEIGHT_LIMIT, true) {
        Some(v) => with_vs(p, |vs| vs.weight = v),
        None => p.report(
            Level::GeneralError,
            format!(
                "Virtual server weight {s} is outside range 1-{}",
                defaults::WEIGHT_LIMIT
            ),
        ),
    }
    Ok(())
}

// ---- sorry server ----

fn sorry_server(p: &mut Parser<'_>, w: &Words) -> HResult {
    let ip = w.get(1)?;
    let port_str = nonzero_port(w.opt(2));
    let Some((addr, port)) = addr::stosockaddr(p, ip, port_str) else {
        p.report(
            Level::GeneralError,
            format!("Invalid sorry server IP address {ip} - skipping"),
        );
        return Ok(());
    };
    let loc = w.loc.clone();
    with_vs(p, |vs| {
        vs.sorry_server = Some(SorryServer {
            ip: addr,
            port,
            forwarding: vs.forwarding,
            inhibit: false,
            origin: Origin(loc),
        })
    });
    Ok(())
}

fn sorry_server_inhibit(p: &mut Parser<'_>, _w: &Words) -> HResult {
    match cur_vs(p).and_then(|v| v.sorry_server.as_mut()) {
        Some(ss) => ss.inhibit = true,
        None => p.report(
            Level::GeneralError,
            "Ignoring sorry_server inhibit used before or without sorry_server",
        ),
    }
    Ok(())
}

fn sorry_server_lvs_method(p: &mut Parser<'_>, w: &Words) -> HResult {
    let Some(cur) = cur_vs(p).and_then(|v| v.sorry_server.as_ref()).map(|s| s.forwarding) else {
        p.report(Level::GeneralError, "sorry_server forwarding used without sorry_server");
        return Ok(());
    };
    if let Some(f) = parse_forwarding(p, w, "sorry", cur)? {
        if let Some(ss) = cur_vs(p).and_then(|v| v.sorry_server.as_mut()) {
            ss.forwarding = Some(f);
        }
    }
    Ok(())
}

static VS_KEYWORDS: &[Keyword] = &[
    kw("ip_family", ip_family),
    kw("retry", vs_retry),
    kw("delay_before_retry", vs_delay_before_retry),
    kw("warmup", vs_warmup),
    kw("connect_timeout", vs_connect_timeout),
    kw("delay_loop", vs_delay_loop),
    kw("inhibit_on_failure", vs_inhibit),
    kw("lb_algo", lb_algo),
    kw("lvs_sched", lb_algo),
    kw("hashed", lb_flags),
    kw("ops", lb_flags),
    kw("flag-1", lb_flags),
    kw("flag-2", lb_flags),
    kw("flag-3", lb_flags),
    kw("sh-port", lb_flags),
    kw("sh-fallback", lb_flags),
    kw("mh-port", lb_flags),
    kw("mh-fallback", lb_flags),
    kw("lb_kind", vs_forwarding),
    kw("lvs_method", vs_forwarding),
    kw("persistence_engine", persistence_engine),
    kw("persistence_timeout", persistence_timeout),
    kw("persistence_granularity", persistence_granularity),
    kw("protocol", protocol),
    kw("ha_suspend", ha_suspend),
    kw("smtp_alert", vs_smtp_alert),
    kw("virtualhost", vs_virtualhost),
    kw("snmp_name", vs_snmp_name),
    kw("alpha", vs_alpha),
    kw("omega", omega),
    kw("quorum_up", quorum_up),
    kw("quorum_down", quorum_down),
    kw("quorum", quorum),
    kw("hysteresis", hysteresis),
    kw("weight", vs_weight),
    kw("sorry_server", sorry_server),
    kw("sorry_server_inhibit", sorry_server_inhibit),
    kw("sorry_server_lvs_method", sorry_server_lvs_method),
    kw_block("real_server", Some(super::rs::rs_handler), &super::rs::REAL_SERVER),
];

/// `virtual_server ... { ... }`.
pub static VIRTUAL_SERVER: Block = Block::new("virtual_server", &[VS_KEYWORDS], Some(vs_end));
