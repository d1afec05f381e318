//! Dumps of the check configuration: the resolved configuration (keepalived.conf syntax, every
//! value explicit, re-reading to the same model) and keepalived's `-d` layout (in [`layout`]).

#[path = "check_layout.rs"]
mod layout_impl;

use super::writer::ConfWriter;
use crate::config::model::Config;
use crate::config::model::Script;
use crate::config::model::check::{
    Checker, CheckerKind, ConnOpts, Forwarding, FwdMethod, HttpCheck, Protocol, RealServer, SslConfig, TunCsum,
    TunType, VirtualServer, VirtualServerGroup, VsKey, fmt_ip, svc_flags,
};
use crate::config::tokens::quote_command_word;
use crate::config::values::format_secs;

pub use layout_impl::layout;

fn onoff(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

/// Writes the check part of the resolved configuration (keepalived.conf syntax, every value explicit).
pub fn write_resolved(cfg: &Config, w: &mut ConfWriter) {
    let check = &cfg.check;
    if let Some(ssl) = &check.ssl {
        write_ssl(ssl, w);
    }
    for g in &check.groups {
        write_group(g, w);
    }
    for vs in &check.virtual_servers {
        write_vs(vs, w);
    }
}

fn write_ssl(ssl: &SslConfig, w: &mut ConfWriter) {
    w.open("SSL");
    for (k, v) in [
        ("password", &ssl.password),
        ("ca", &ssl.cafile),
        ("certificate", &ssl.certfile),
        ("key", &ssl.keyfile),
    ] {
        if let Some(v) = v {
            w.line(&[k, v]);
        }
    }
    w.close();
}

fn write_group(g: &VirtualServerGroup, w: &mut ConfWriter) {
    w.open(format!(
        "virtual_server_group {}",
        crate::config::tokens::quote_word(&g.name)
    ));
    for r in &g.ranges {
        let addr = if r.start == r.end {
            fmt_ip(&r.start)
        } else {
            format!("{}-{}", fmt_ip(&r.start), fmt_ip(&r.end))
        };
        if r.port != 0 {
            w.line(&[addr, r.port.to_string()]);
        } else {
            w.line(&[addr]);
        }
    }
    for f in &g.fwmarks {
        let mut words = vec!["fwmark".to_string(), f.fwmark.to_string()];
        if let Some(fam) = f.family {
            words.push(fam.word().to_string());
        }
        w.line(&words);
    }
    w.close();
}

/// `METHOD [type T] [port P] [csum|remcsum]` for `lb_kind`/`lvs_method`.
fn forwarding_words(keyword: &str, f: &Forwarding) -> Vec<String> {
    let mut v = vec![
        keyword.to_string(),
        match f.method {
            FwdMethod::Nat => "NAT",
            FwdMethod::Dr => "DR",
            FwdMethod::Tun => "TUN",
        }
        .to_string(),
    ];
    match f.tun_type {
        TunType::Ipip => {}
        TunType::Gue => v.extend(["type".to_string(), "gue".to_string()]),
        TunType::Gre => v.extend(["type".to_string(), "gre".to_string()]),
    }
    if f.tun_port != 0 {
        v.extend(["port".to_string(), f.tun_port.to_string()]);
    }
    match f.tun_csum {
        TunCsum::NoCsum => {}
        TunCsum::Csum => v.push("csum".to_string()),
        TunCsum::RemCsum => v.push("remcsum".to_string()),
    }
    v
}

fn write_script(w: &mut ConfWriter, keyword: &str, s: &Script) {
    let mut ug: Vec<&str> = Vec::new();
    if let Some(u) = &s.user {
        ug.push(u);
        if let Some(g) = &s.group {
            ug.push(g);
        }
    }
    w.script_line(keyword, &s.args, &ug);
}

fn timer(w: &mut ConfWriter, keyword: &str, us: u64) {
    w.line(&[keyword.to_string(), format_secs(us)]);
}

fn write_vs(vs: &VirtualServer, w: &mut ConfWriter) {
    let header = match &vs.key {
        VsKey::Addr { ip, port } => {
            if *port != 0 {
                format!("virtual_server {} {port}", fmt_ip(ip))
            } else {
                format!("virtual_server {}", fmt_ip(ip))
            }
        }
        VsKey::Fwmark(m) => format!("virtual_server fwmark {m}"),
        VsKey::Group { name, .. } => format!("virtual_server group {}", crate::config::tokens::quote_word(name)),
    };
    w.open(header);
    if let Some(f) = vs.family {
        w.line(&["ip_family", f.word()]);
    }
    match vs.protocol {
        Protocol::None => {}
        Protocol::Tcp => w.line(&["protocol", "TCP"]),
        Protocol::Udp => w.line(&["protocol", "UDP"]),
        Protocol::Sctp => w.line(&["protocol", "SCTP"]),
    }
    if !vs.scheduler.is_empty() {
        w.line(&["lb_algo", vs.scheduler.as_str()]);
    }
    write_flags(vs, w);
    if let Some(f) = &vs.forwarding {
        w.line(&forwarding_words("lb_kind", f));
    }
    if vs.persistence_timeout != 0 {
        w.line(&["persistence_timeout".to_string(), vs.persistence_timeout.to_string()]);
    }
    if let Some(e) = &vs.persistence_engine {
        w.line(&["persistence_engine", e.as_str()]);
    }
    if let Some(g) = vs.persistence_granularity {
        let v = if vs.family == Some(crate::config::model::check::Family::Inet6) {
            g.to_string()
        } else {
            std::net::Ipv4Addr::from(g).to_string()
        };
        w.line(&["persistence_granularity".to_string(), v]);
    }
    timer(w, "delay_loop", vs.delay_loop);
    timer(w, "connect_timeout", vs.connect_timeout);
    if let Some(r) = vs.retry {
        w.line(&["retry".to_string(), r.to_string()]);
    }
    if let Some(d) = vs.delay_before_retry {
        timer(w, "delay_before_retry", d);
    }
    if let Some(d) = vs.warmup {
        timer(w, "warmup", d);
    }
    w.line(&["weight".to_string(), vs.weight.to_string()]);
    // A quorum of 0 (reduced by validation) cannot be written: the configured values, which
    // validation reduces again.
    let (quorum, hysteresis) = vs.quorum_given.unwrap_or((vs.quorum, vs.hysteresis));
    w.line(&["quorum".to_string(), quorum.to_string()]);
    w.line(&["hysteresis".to_string(), hysteresis.to_string()]);
    for (set, k) in [
        (vs.alpha, "alpha"),
        (vs.omega, "omega"),
        (vs.inhibit, "inhibit_on_failure"),
        (vs.ha_suspend, "ha_suspend"),
    ] {
        if set {
            w.line(&[k]);
        }
    }
    if let Some(a) = vs.smtp_alert {
        w.line(&["smtp_alert", onoff(a)]);
    }
    if let Some(h) = &vs.virtualhost {
        w.line(&["virtualhost", h.as_str()]);
    }
    if let Some(n) = &vs.snmp_name {
        w.line(&["snmp_name", n.as_str()]);
    }
    if let Some(s) = &vs.quorum_up {
        write_script(w, "quorum_up", s);
    }
    if let Some(s) = &vs.quorum_down {
        write_script(w, "quorum_down", s);
    }
    if let Some(ss) = &vs.sorry_server {
        let mut words = vec!["sorry_server".to_string(), fmt_ip(&ss.ip)];
        if ss.port != 0 {
            words.push(ss.port.to_string());
        }
        w.line(&words);
        if ss.inhibit {
            w.line(&["sorry_server_inhibit"]);
        }
        if let Some(f) = &ss.forwarding {
            w.line(&forwarding_words("sorry_server_lvs_method", f));
        }
    }
    // A real server given without a port gets the virtual server's port in validation, but
    // its checkers keep aiming at port 0 (keepalived copies the address before); and it is no
    // duplicate of one given with that port. Writing it without the port keeps both.
    let mut written: Vec<(std::net::IpAddr, u16)> = Vec::new();
    for rs in &vs.real_servers {
        let omit = matches!(vs.key, VsKey::Addr { .. })
            && rs.port == vs.port()
            && (rs
                .checkers
                .iter()
                .any(|c| c.co.as_ref().is_some_and(|co| co.dst_port == 0))
                || written.contains(&(rs.ip, rs.port)));
        let port = if omit { 0 } else { rs.port };
        written.push((rs.ip, port));
        write_rs(rs, port, w);
    }
    w.close();
}

fn write_flags(vs: &VirtualServer, w: &mut ConfWriter) {
    let f = vs.flags;
    let (n1, n2) = match vs.scheduler.as_str() {
        "sh" => ("sh-fallback", "sh-port"),
        "mh" => ("mh-fallback", "mh-port"),
        _ => ("flag-1", "flag-2"),
    };
    for (bit, name) in [
        (svc_flags::ONEPACKET, "ops"),
        (svc_flags::SCHED1, n1),
        (svc_flags::SCHED2, n2),
        (svc_flags::SCHED3, "flag-3"),
    ] {
        if f & bit != 0 {
            w.line(&[name]);
        }
    }
}

fn write_rs(rs: &RealServer, port: u16, w: &mut ConfWriter) {
    if port != 0 {
        w.open(format!("real_server {} {port}", fmt_ip(&rs.ip)));
    } else {
        w.open(format!("real_server {}", fmt_ip(&rs.ip)));
    }
    if let Some(wt) = rs.weight {
        w.line(&["weight".to_string(), wt.to_string()]);
    }
    if let Some(f) = &rs.forwarding {
        w.line(&forwarding_words("lvs_method", f));
    }
    if rs.u_threshold != 0 {
        w.line(&["uthreshold".to_string(), rs.u_threshold.to_string()]);
    }
    if rs.l_threshold != 0 {
        w.line(&["lthreshold".to_string(), rs.l_threshold.to_string()]);
    }
    if let Some(v) = rs.inhibit {
        w.line(&["inhibit_on_failure", onoff(v)]);
    }
    if let Some(v) = rs.alpha {
        w.line(&["alpha", onoff(v)]);
    }
    if let Some(v) = rs.connect_timeout {
        timer(w, "connect_timeout", v);
    }
    if let Some(v) = rs.delay_loop {
        timer(w, "delay_loop", v);
    }
    if let Some(v) = rs.retry {
        w.line(&["retry".to_string(), v.to_string()]);
    }
    if let Some(v) = rs.delay_before_retry {
        timer(w, "delay_before_retry", v);
    }
    if let Some(v) = rs.warmup {
        timer(w, "warmup", v);
    }
    if let Some(v) = rs.smtp_alert {
        w.line(&["smtp_alert", onoff(v)]);
    }
    if let Some(h) = &rs.virtualhost {
        w.line(&["virtualhost", h.as_str()]);
    }
    if let Some(n) = &rs.snmp_name {
        w.line(&["snmp_name", n.as_str()]);
    }
    if let Some(s) = &rs.notify_up {
        write_script(w, "notify_up", s);
    }
    if let Some(s) = &rs.notify_down {
        write_script(w, "notify_down", s);
    }
    for c in &rs.checkers {
        write_checker(c, w);
    }
    for f in &rs.file_checks {
        w.open("FILE_CHECK");
        w.line(&["track_file", f.track_file.as_str()]);
        if let Some(wt) = f.weight {
            let mut words = vec!["weight".to_string(), wt.to_string()];
            if f.reverse {
                words.push("reverse".to_string());
            }
            w.line(&words);
        }
        w.close();
    }
    w.close();
}

fn write_co(co: &ConnOpts, w: &mut ConfWriter) {
    if let Some(ip) = &co.dst {
        w.line(&["connect_ip".to_string(), fmt_ip(ip)]);
    }
    if co.dst_port != 0 {
        w.line(&["connect_port".to_string(), co.dst_port.to_string()]);
    }
    if let Some(ip) = &co.bindto() {
        w.line(&["bindto".to_string(), fmt_ip(ip)]);
    }
    if co.bind_port() != 0 {
        w.line(&["bind_port".to_string(), co.bind_port().to_string()]);
    }
    if let Some(i) = &co.bind_if() {
        w.line(&["bind_if", i]);
    }
    if let Some(t) = co.connect_timeout {
        timer(w, "connect_timeout", t);
    }
    if co.fwmark() != 0 {
        w.line(&["fwmark".to_string(), co.fwmark().to_string()]);
    }
    // After `bindto`: refused again for the same reason.
    if let Some(s) = &co.dst_refused() {
        w.line(&["connect_ip", s]);
    }
}

fn write_common(c: &Checker, w: &mut ConfWriter) {
    if let Some(v) = c.retry {
        w.line(&["retry".to_string(), v.to_string()]);
    }
    if let Some(v) = c.delay_before_retry {
        timer(w, "delay_before_retry", v);
    }
    if let Some(v) = c.warmup {
        timer(w, "warmup", v);
    }
    if let Some(v) = c.delay_loop {
        timer(w, "delay_loop", v);
    }
    if let Some(v) = c.alpha {
        w.line(&["alpha", onoff(v)]);
    }
    w.line(&["log_all_failures", onoff(c.log_all_failures)]);
}

fn hex(data: &[u8], mask: Option<&[u8]>) -> String {
    data.iter()
        .enumerate()
        .map(|(i, b)| {
            let m = mask.and_then(|m| m.get(i)).copied().unwrap_or(0);
            let hi = if m & 0xf0 != 0 {
                'x'
            } else {
                char::from_digit((b >> 4) as u32, 16).unwrap_or('0')
            };
            let lo = if m & 0x0f != 0 {
                'x'
            } else {
                char::from_digit((b & 0xf) as u32, 16).unwrap_or('0')
            };
            format!("{hi}{lo}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn write_checker(c: &Checker, w: &mut ConfWriter) {
    w.open(c.kind.keyword());
    match &c.kind {
        CheckerKind::Tcp | CheckerKind::Ping => {}
        CheckerKind::Http(h) => write_http(h, w),
        CheckerKind::Misc(m) => {
            w.script_line("misc_path", &m.script.args, &[]);
            if let Some(u) = &m.script.user {
                let mut words = vec!["user", u.as_str()];
                if let Some(g) = &m.script.group {
                    words.push(g);
                }
                w.line(&words);
            }
            if m.timeout != 0 {
                w.line(&["misc_timeout".to_string(), (m.timeout / 1_000_000).to_string()]);
            }
            if m.dynamic {
                w.line(&["misc_dynamic"]);
            }
        }
        CheckerKind::Smtp(s) => w.line(&["helo_name", s.helo_name.as_str()]),
        CheckerKind::Dns(d) => {
            w.line(&["type", d.qtype]);
            if !d.name.is_empty() {
                w.line(&["name", d.name.as_str()]);
            }
        }
        CheckerKind::Udp(u) => {
            if let Some(p) = &u.payload {
                w.raw(&format!("payload {}", hex(p, None)));
            }
            if u.require_reply {
                match &u.reply_data {
                    Some(d) => w.raw(&format!("require_reply {}", hex(d, u.reply_mask.as_deref()))),
                    None => w.line(&["require_reply"]),
                }
            }
            w.line(&["min_reply_length".to_string(), u.min_reply_len.to_string()]);
            w.line(&["max_reply_length".to_string(), u.max_reply_len.to_string()]);
        }
        CheckerKind::Bfd(b) => {
            w.line(&["name", b.name.as_str()]);
            if let Some(a) = c.alpha {
                w.line(&["alpha", onoff(a)]);
            }
            w.close();
            return;
        }
    }
    if let Some(co) = &c.co {
        write_co(co, w);
    }
    write_common(c, w);
    w.close();
}

fn write_http(h: &HttpCheck, w: &mut ConfWriter) {
    w.line(&["http_protocol", h.http_protocol.word()]);
    if let Some(v) = &h.virtualhost {
        w.line(&["virtualhost", v.as_str()]);
    }
    w.line(&["enable_sni", onoff(h.enable_sni)]);
    w.line(&["fast_recovery", onoff(h.fast_recovery)]);
    for u in &h.urls {
        w.open("url");
        w.line(&["path", u.path.as_str()]);
        if let Some(d) = &u.digest {
            w.line(&["digest", d.as_str()]);
        }
        let mut sc = vec!["status_code".to_string()];
        for (a, b) in u.status_codes.ranges() {
            sc.push(if a == b { a.to_string() } else { format!("{a}-{b}") });
        }
        w.line(&sc);
        if let Some(v) = &u.virtualhost {
            w.line(&["virtualhost", v.as_str()]);
        }
        if let Some(r) = &u.regex {
            w.raw(&format!("regex {}", quote_command_word(&r.pattern)));
            if !r.options.is_empty() {
                let mut words = vec!["regex_options"];
                words.extend(r.options.iter().copied());
                w.line(&words);
            }
            if r.no_match {
                w.line(&["regex_no_match"]);
            }
            if r.min_offset != 0 {
                w.line(&["regex_min_offset".to_string(), r.min_offset.to_string()]);
            }
            if let Some(m) = r.max_offset {
                w.line(&["regex_max_offset".to_string(), m.to_string()]);
            }
            if let Some((s, m)) = r.stack {
                w.line(&["regex_stack".to_string(), s.to_string(), m.to_string()]);
            }
        }
        w.close();
    }
}
