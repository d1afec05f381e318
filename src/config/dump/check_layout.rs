//! keepalived's `-d` dump of the checker process (`check_data.c`: `dump_check_data()`,
//! `dump_vsg()`, `dump_vs()`, `dump_rs()`; `check_api.c`: `dump_checker()`; each checker's dump
//! function), line for line.
//!
//! keepalived dumps once the checker process has started its services, so some runtime values
//! show: we give them as they are right after start-up with every tracked file at 0 (alpha-mode
//! checkers down, other real servers alive and in the IPVS table, nothing run yet).

use crate::config::keywords::check::cmd_str;
use crate::config::model::Config;
use crate::config::model::check::{
    CheckConfig, Checker, CheckerKind, ConnOpts, Family, Forwarding, FwdMethod, HttpProtocol, Protocol, REGEX_OPTIONS,
    RealServer, TunCsum, TunType, VirtualServer, VsKey, defaults, fmt_ip, pair, svc_flags,
};

/// IPVS version keepalived reports (`IP_VS_VERSION_CODE` 0x010201).
const LVS_VERSION: &str = "1.2.1";

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn on_off(b: bool) -> &'static str {
    if b { "ON" } else { "OFF" }
}

fn en_dis(b: bool) -> &'static str {
    if b { "en" } else { "dis" }
}

/// keepalived's `format_decimal(val, 6)`.
fn decimal(us: u64) -> String {
    format!("{}.{:06}", us / 1_000_000, us % 1_000_000)
}

/// keepalived's `real_weight()`.
fn real_weight(w: i64) -> i64 {
    w.clamp(0, defaults::WEIGHT_LIMIT as i64)
}

/// Appends the check lines of keepalived's `-d` dump (its section layout).
pub fn layout(cfg: &Config, out: &mut Vec<String>) {
    let check = &cfg.check;
    if let Some(ssl) = &check.ssl {
        out.push("------< SSL definitions >------".into());
        if ssl.password.is_none() && ssl.cafile.is_none() && ssl.certfile.is_none() && ssl.keyfile.is_none() {
            out.push(" Using autogen SSL context".into());
        }
        for (label, v) in [
            ("Password", &ssl.password),
            ("CA-file", &ssl.cafile),
            ("Certificate file", &ssl.certfile),
            ("Key file", &ssl.keyfile),
        ] {
            if let Some(v) = v {
                out.push(format!(" {label} : {v}"));
            }
        }
    }
    if !check.virtual_servers.is_empty() {
        out.push("------< LVS Topology >------".into());
        out.push(format!(" System is compiled with LVS v{LVS_VERSION}"));
        for g in &check.groups {
            group(check, g, out);
        }
        for vs in &check.virtual_servers {
            virtual_server(check, vs, out);
        }
    }
    checkers(check, out);
    track_files(cfg, out);
    track_bfds(cfg, out);
}

fn group(check: &CheckConfig, g: &crate::config::model::check::VirtualServerGroup, out: &mut Vec<String>) {
    out.push(" ------< Virtual server group >------".into());
    out.push(format!(
        " Virtual Server Group = {}, IPv4 = {}, IPv6 = {}",
        g.name,
        yes_no(g.have_ipv4),
        yes_no(g.have_ipv6)
    ));
    let users: Vec<&VirtualServer> = check
        .virtual_servers
        .iter()
        .filter(|v| v.group() == Some(g.name.as_str()))
        .collect();
    let count = |p: Protocol| users.iter().filter(|v| v.protocol == p).count();
    for r in &g.ranges {
        if r.start != r.end {
            out.push(format!(
                "   VIP Range = {}-{}, VPORT = {}",
                fmt_ip(&r.start),
                fmt_ip(&r.end),
                r.port
            ));
        } else {
            out.push(format!("   VIP = {}, VPORT = {}", fmt_ip(&r.start), r.port));
        }
        out.push(format!(
            "     Alive: {} tcp, {} udp, {} sctp",
            count(Protocol::Tcp),
            count(Protocol::Udp),
            count(Protocol::Sctp)
        ));
        out.push("     reloaded = False".into());
    }
    for f in &g.fwmarks {
        let fam = match f.family {
            Some(Family::Inet) => " IPv4",
            Some(Family::Inet6) => " IPv6",
            None => "",
        };
        out.push(format!("   FWMARK = {}{fam}", f.fwmark));
        let v4 = users.iter().filter(|v| v.family != Some(Family::Inet6)).count();
        out.push(format!("     Alive: {v4} IPv4, {} IPv6", users.len() - v4));
        out.push("     reloaded = False".into());
    }
}

/// keepalived's `dump_forwarding_method()`; `None` is its "not set" value.
fn forwarding(prefix: &str, f: Option<&Forwarding>, out: &mut Vec<String>) {
    let fm = "forwarding method = ";
    let Some(f) = f else {
        out.push(format!("   {fm} 0x7"));
        return;
    };
    match f.method {
        FwdMethod::Nat => out.push(format!("   {prefix}{fm}NAT")),
        FwdMethod::Dr => out.push(format!("   {prefix}{fm}DR")),
        FwdMethod::Tun => {
            let csum = match f.tun_csum {
                TunCsum::NoCsum => ", no checksum",
                TunCsum::Csum => ", checksum",
                TunCsum::RemCsum => ", remote checksum",
            };
            // keepalived drops the prefix for GUE and GRE.
            match f.tun_type {
                TunType::Ipip => out.push(format!("   {prefix}{fm}TUN, type = IPIP")),
                TunType::Gue => out.push(format!("   {fm}TUN, type = GUE, port = {}{csum}", f.tun_port)),
                TunType::Gre => out.push(format!("   {fm}TUN, type = GRE{csum}")),
            }
        }
    }
}

/// The start-up state of a real server: failed checkers (alpha mode), alive, in IPVS.
fn rs_state(rs: &RealServer) -> (u32, bool, bool) {
    let failed = rs.checkers.iter().filter(|c| c.alpha == Some(true)).count() as u32;
    let alive = failed == 0;
    let set = alive || rs.inhibit == Some(true);
    (failed, alive, set)
}

fn virtual_server(check: &CheckConfig, vs: &VirtualServer, out: &mut Vec<String>) {
    out.push(" ------< Virtual server >------".into());
    match &vs.key {
        VsKey::Group { .. } => out.push(format!(" VS GROUP = {}", vs.fmt())),
        VsKey::Fwmark(m) => out.push(format!(" VS FWMARK = {m}")),
        VsKey::Addr { ip, port } => out.push(format!(" VS VIP = {}, VPORT = {port}", fmt_ip(ip))),
    }
    if let Some(h) = &vs.virtualhost {
        out.push(format!("   VirtualHost = {h}"));
    }
    if let Some(n) = &vs.snmp_name {
        out.push(format!("   SNMP name = '{n}'"));
    }
    out.push(match vs.family {
        Some(Family::Inet) => "   Address family = inet".into(),
        Some(Family::Inet6) => "   Address family = inet6".into(),
        None if vs
            .group()
            .and_then(|g| check.group(g))
            .is_some_and(|g| g.have_ipv4 && g.have_ipv6) =>
        {
            "   Address family = IPv4 & IPv6".into()
        }
        None => "   Address family = unknown".into(),
    });
    out.push(format!("   connection timeout = {}", decimal(vs.connect_timeout)));
    out.push(format!("   delay_loop = {}", decimal(vs.delay_loop)));
    out.push(format!("   lvs_sched = {}", vs.scheduler));
    let f = vs.flags;
    out.push(format!("   Hashed = {}abled", en_dis(f & svc_flags::HASHED != 0)));
    match vs.scheduler.as_str() {
        s @ ("sh" | "mh") => {
            out.push(format!("   {s}-port = {}abled", en_dis(f & svc_flags::SCHED2 != 0)));
            out.push(format!("   {s}-fallback = {}abled", en_dis(f & svc_flags::SCHED1 != 0)));
        }
        _ => {
            out.push(format!("   flag-1 = {}abled", en_dis(f & svc_flags::SCHED1 != 0)));
            out.push(format!("   flag-2 = {}abled", en_dis(f & svc_flags::SCHED2 != 0)));
            out.push(format!("   flag-3 = {}abled", en_dis(f & svc_flags::SCHED3 != 0)));
        }
    }
    let ops = f & svc_flags::ONEPACKET != 0;
    out.push(format!(
        "   One packet scheduling = {}abled{}",
        en_dis(ops),
        if ops && vs.protocol != Protocol::Udp {
            " (inactive due to not UDP)"
        } else {
            ""
        }
    ));
    if vs.persistence_timeout != 0 {
        out.push(format!("   persistence timeout = {}", vs.persistence_timeout));
    }
    if let Some(g) = vs.persistence_granularity.filter(|g| *g != u32::MAX) {
        if vs.family == Some(Family::Inet6) {
            out.push(format!("   persistence granularity = {g}"));
        } else {
            out.push(format!("   persistence granularity = {}", std::net::Ipv4Addr::from(g)));
        }
    }
    out.push(format!(
        "   protocol = {}",
        match vs.protocol {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
            Protocol::None => "none",
        }
    ));
    out.push(format!("   alpha is {}", on_off(vs.alpha)));
    out.push(format!("   omega is {}", on_off(vs.omega)));
    if let Some(r) = vs.retry {
        out.push(format!("   Retry count = {r}"));
    }
    if let Some(d) = vs.delay_before_retry {
        out.push(format!("   Retry delay = {}", decimal(d)));
    }
    if let Some(d) = vs.warmup {
        out.push(format!("   Warmup = {}", decimal(d)));
    }
    out.push(format!("   Inhibit on failure is {}", on_off(vs.inhibit)));
    out.push(format!("   quorum = {}, hysteresis = {}", vs.quorum, vs.hysteresis));
    if let Some(s) = &vs.quorum_up {
        out.push(format!(
            "   Quorum up notify script = {}, uid:gid {}:{}",
            cmd_str(s),
            s.uid,
            s.gid
        ));
    }
    if let Some(s) = &vs.quorum_down {
        out.push(format!(
            "   Quorum down notify script = {}, uid:gid {}:{}",
            cmd_str(s),
            s.uid,
            s.gid
        ));
    }
    if vs.ha_suspend {
        out.push("   Using HA suspend".into());
    }
    out.push(format!(
        "   Using smtp notification = {}",
        yes_no(vs.smtp_alert == Some(true))
    ));
    forwarding("default ", vs.forwarding.as_ref(), out);
    if let Some(ss) = &vs.sorry_server {
        out.push(format!(
            "   sorry server {}= {}",
            if vs.sorry_server_duplicates_rs {
                "(duplicates rs) "
            } else {
                ""
            },
            vs.fmt_server(&ss.ip, ss.port)
        ));
        forwarding("  ", ss.forwarding.as_ref(), out);
        out.push(format!("     Inhibit on failure is {}", on_off(ss.inhibit)));
    }
    // The quorum is met at start-up when the weight of the live real servers reaches it.
    let live: i64 = vs
        .real_servers
        .iter()
        .filter(|r| rs_state(r).1)
        .map(|r| real_weight(r.weight.unwrap_or(0) as i64))
        .sum();
    let quorum_up = live >= vs.quorum as i64 + vs.hysteresis as i64;
    out.push("   alive = 1".into());
    out.push(format!("   quorum_state_up = {}", quorum_up as u8));
    out.push("   reloaded = 0".into());
    for rs in &vs.real_servers {
        real_server(rs, out);
    }
}

fn real_server(rs: &RealServer, out: &mut Vec<String>) {
    let w = rs.weight.unwrap_or(0) as i64;
    let (failed, alive, set) = rs_state(rs);
    out.push("   ------< Real server >------".into());
    out.push(format!(
        "   RIP = {}, RPORT = {}, WEIGHT = {} EFF WEIGHT = {w}",
        fmt_ip(&rs.ip),
        rs.port,
        real_weight(w)
    ));
    forwarding("", rs.forwarding.as_ref(), out);
    out.push(format!("   Alpha is {}", on_off(rs.alpha == Some(true))));
    out.push(format!(
        "   connection timeout = {}",
        decimal(rs.connect_timeout.unwrap_or(0))
    ));
    out.push(format!(
        "   connection limit range = {} -> {}",
        rs.l_threshold, rs.u_threshold
    ));
    out.push(format!("   Delay loop = {}", decimal(rs.delay_loop.unwrap_or(0))));
    if let Some(r) = rs.retry {
        out.push(format!("   Retry count = {r}"));
    }
    if let Some(d) = rs.delay_before_retry {
        out.push(format!("   Retry delay = {}", decimal(d)));
    }
    if let Some(d) = rs.warmup {
        out.push(format!("   Warmup = {}", decimal(d)));
    }
    out.push(format!("   Inhibit on failure is {}", on_off(rs.inhibit == Some(true))));
    if let Some(s) = &rs.notify_up {
        out.push(format!(
            "     RS up notify script = {}, uid:gid {}:{}",
            cmd_str(s),
            s.uid,
            s.gid
        ));
    }
    if let Some(s) = &rs.notify_down {
        out.push(format!(
            "     RS down notify script = {}, uid:gid {}:{}",
            cmd_str(s),
            s.uid,
            s.gid
        ));
    }
    if let Some(h) = &rs.virtualhost {
        out.push(format!("    VirtualHost = '{h}'"));
    }
    if let Some(n) = &rs.snmp_name {
        out.push(format!("   SNMP name = {n}"));
    }
    out.push(format!(
        "   Using smtp notification = {}",
        yes_no(rs.smtp_alert == Some(true))
    ));
    out.push(format!("   initial weight = {w}"));
    out.push(format!("   effective weight = {w}"));
    out.push("   previous effective_weight = 0".into());
    out.push(format!("   alive = {}", alive as u8));
    out.push(format!("   num failed checkers = {failed}"));
    out.push(format!("   RS set = {}", set as u8));
    out.push("   reloaded = 0".into());
    if !rs.file_checks.is_empty() {
        out.push("   Tracked Files".into());
        for f in &rs.file_checks {
            out.push(format!(
                "     {}, weight {}{}",
                f.track_file,
                f.weight.unwrap_or(1),
                if f.reverse { " reverse" } else { "" }
            ));
        }
    }
    let bfds: Vec<&str> = rs
        .checkers
        .iter()
        .filter_map(|c| match &c.kind {
            CheckerKind::Bfd(b) => Some(b.name.as_str()),
            _ => None,
        })
        .collect();
    if !bfds.is_empty() {
        out.push("   Tracked BFDs".into());
        for b in bfds {
            out.push(format!("     {b}"));
        }
    }
}

fn conn(co: &ConnOpts, out: &mut Vec<String>) {
    out.push("   Connection".into());
    let dst = co.dst.map(|ip| pair(&ip, co.dst_port)).unwrap_or_default();
    out.push(format!("     Dest = {dst}"));
    if let Some(b) = &co.bindto() {
        out.push(format!("     Bind to = {}", pair(b, co.bind_port())));
    }
    if let Some(i) = &co.bind_if() {
        out.push(format!("     Bind i/f = {i}"));
    }
    if co.fwmark() != 0 {
        out.push(format!("     Mark = {}", co.fwmark()));
    }
    out.push(format!(
        "     Timeout = {:.6}",
        co.connect_timeout.unwrap_or(0) as f64 / 1_000_000.0
    ));
}

/// Every url's regex, for keepalived's shared regex list (reference counts) and its global JIT
/// stack sizes.
fn regex_stats(check: &CheckConfig) -> RegexStats {
    let mut all = Vec::new();
    let mut stack = (0, 0);
    for vs in &check.virtual_servers {
        for rs in &vs.real_servers {
            for c in &rs.checkers {
                if let CheckerKind::Http(h) = &c.kind {
                    for u in &h.urls {
                        if let Some(r) = &u.regex {
                            all.push((r.pattern.clone(), r.options.clone()));
                            if let Some((s, m)) = r.stack {
                                stack = (stack.0.max(s), stack.1.max(m));
                            }
                        }
                    }
                }
            }
        }
    }
    (all, stack)
}

fn checkers(check: &CheckConfig, out: &mut Vec<String>) {
    let any_file = check
        .virtual_servers
        .iter()
        .any(|v| v.real_servers.iter().any(|r| !r.file_checks.is_empty()));
    let any = check
        .virtual_servers
        .iter()
        .any(|v| v.real_servers.iter().any(|r| !r.checkers.is_empty()));
    if !any && !any_file {
        return;
    }
    let regexes = regex_stats(check);
    out.push("------< Health checkers >------".into());
    for vs in &check.virtual_servers {
        for rs in &vs.real_servers {
            for c in &rs.checkers {
                checker(vs, rs, c, &regexes, out);
            }
        }
    }
    // keepalived adds the FILE_CHECK checkers after validation, at the end of its queue.
    for vs in &check.virtual_servers {
        for rs in &vs.real_servers {
            for f in &rs.file_checks {
                out.push(format!(" {} -> {}", vs.fmt(), vs.fmt_server(&rs.ip, rs.port)));
                out.push("   Enabled = yes".into());
                out.push("   Up = yes".into());
                out.push("   Has run = yes".into());
                out.push("   Current weight = 0".into());
                out.push("   Log all failures = no".into());
                out.push("   Keepalive method = FILE_CHECK".into());
                out.push(format!("     Tracked file = {}", f.track_file));
                out.push("     Reloaded = No".into());
            }
        }
    }
}

type RegexStats = (Vec<(String, Vec<&'static str>)>, (u64, u64));

fn checker(vs: &VirtualServer, rs: &RealServer, c: &Checker, regexes: &RegexStats, out: &mut Vec<String>) {
    let alpha = c.alpha == Some(true);
    out.push(format!(" {} -> {}", vs.fmt(), vs.fmt_server(&rs.ip, rs.port)));
    out.push("   Enabled = yes".into());
    out.push(format!("   Up = {}", yes_no(!alpha)));
    out.push("   Has run = no".into());
    out.push("   Current weight = 0".into());
    // keepalived's unset values, as it prints them.
    let retry = c.retry.unwrap_or(u32::MAX);
    out.push(format!("   Alpha = {}", yes_no(alpha)));
    out.push(format!("   Delay loop = {} us", c.delay_loop.unwrap_or(u64::MAX)));
    out.push(format!("   Warmup = {} us", c.warmup.unwrap_or(u64::MAX)));
    out.push(format!("   Retries = {retry}"));
    if retry != 0 {
        out.push(format!(
            "   Delay before retry = {} us",
            c.delay_before_retry.unwrap_or(u64::MAX)
        ));
        out.push(format!("   Retries iterations = {retry}"));
    }
    out.push(format!(
        "   Default delay before retry = {} us",
        c.default_delay_before_retry()
    ));
    out.push(format!("   Log all failures = {}", yes_no(c.log_all_failures)));
    if let Some(co) = &c.co {
        conn(co, out);
    }
    match &c.kind {
        CheckerKind::Tcp => out.push("   Keepalive method = TCP_CHECK".into()),
        CheckerKind::Ping => out.push("   Keepalive method = PING_CHECK".into()),
        CheckerKind::Http(h) => {
            out.push(format!(
                "   Keepalive method = {}_GET, http protocol {}",
                if h.ssl { "SSL" } else { "HTTP" },
                match h.http_protocol {
                    HttpProtocol::V1_0C => "1.0C",
                    HttpProtocol::V1_1 => "1.1",
                    HttpProtocol::V1_0 => "1.0",
                }
            ));
            if let Some(v) = &h.virtualhost {
                out.push(format!("   Virtualhost = {v}"));
            }
            out.push(format!("   Enable SNI {}set", if h.enable_sni { "" } else { "un" }));
            out.push(format!(
                "   Fast recovery {}set",
                if h.fast_recovery { "" } else { "un" }
            ));
            for u in &h.urls {
                out.push(format!("   Checked url = {}", u.path));
                if let Some(d) = &u.digest {
                    out.push(format!("     digest = {d}"));
                }
                out.push("     HTTP Status Code(s)".into());
                for (a, b) in u.status_codes.ranges() {
                    if a == b {
                        out.push(format!("       {a}"));
                    } else {
                        out.push(format!("       {a}-{b}"));
                    }
                }
                if let Some(v) = &u.virtualhost {
                    out.push(format!("     Virtual host = {v}"));
                }
                if let Some(r) = &u.regex {
                    out.push(format!("     Regex = \"{}\"", r.pattern));
                    if r.no_match {
                        out.push("     Regex no match".into());
                    }
                    match r.max_offset {
                        Some(m) => out.push(format!("     Regex min offset = {}, max_offset = {m}", r.min_offset)),
                        None if r.min_offset != 0 => out.push(format!("     Regex min offset = {}", r.min_offset)),
                        None => {}
                    }
                    // keepalived lists every option name once any option is set.
                    let opts = if r.options.is_empty() {
                        String::new()
                    } else {
                        REGEX_OPTIONS.iter().map(|o| format!(" {o}")).collect()
                    };
                    out.push(format!("     Regex options:{opts}"));
                    let refs = regexes
                        .0
                        .iter()
                        .filter(|(p, o)| *p == r.pattern && *o == r.options)
                        .count();
                    out.push(format!("     Regex ref count = {refs}"));
                    if r.stack.is_some() {
                        out.push(format!("     Regex stack start {}, max {}", regexes.1.0, regexes.1.1));
                    }
                }
            }
        }
        CheckerKind::Misc(m) => {
            out.push("   Keepalive method = MISC_CHECK".into());
            out.push(format!("   script = {}", cmd_str(&m.script)));
            out.push(format!("   timeout = {}", m.timeout / 1_000_000));
            out.push(format!("   dynamic = {}", if m.dynamic { "YES" } else { "NO" }));
            out.push(format!("   uid:gid = {}:{}", m.script.uid, m.script.gid));
            out.push("   Last ran = 0.000000 (Thu Jan  1 00:00:00 1970.000000)".into());
            out.push("   Last status = 0".into());
        }
        CheckerKind::Smtp(s) => {
            out.push("   Keepalive method = SMTP_CHECK".into());
            out.push(format!("   helo = {}", s.helo_name));
        }
        CheckerKind::Dns(d) => {
            out.push("   Keepalive method = DNS_CHECK".into());
            out.push(format!("   Type = {}", d.qtype));
            out.push(format!("   Name = {}", d.name));
        }
        CheckerKind::Udp(u) => {
            out.push("   Keepalive method = UDP_CHECK".into());
            match &u.payload {
                Some(p) => out.push(format!("   Payload len = {}", p.len())),
                None => out.push("   Payload specified = no".into()),
            }
            out.push(format!("   Require reply = {}", yes_no(u.require_reply)));
            if u.require_reply {
                out.push(format!("     Min reply length = {}", u.min_reply_len));
                out.push(format!("     Max reply length = {}", u.max_reply_len));
                out.push(format!(
                    "     Reply data len = {}",
                    u.reply_data.as_ref().map_or(0, Vec::len)
                ));
                if u.reply_data.is_some() {
                    out.push(format!("     Reply data mask = {}", yes_no(u.reply_mask.is_some())));
                }
            }
        }
        CheckerKind::Bfd(b) => {
            out.push("   Keepalive method = BFD_CHECK".into());
            out.push(format!("   Name = {}", b.name));
            out.push(format!("   Alpha is {}", on_off(alpha)));
        }
    }
}

fn track_files(cfg: &Config, out: &mut Vec<String>) {
    if cfg.track.files.is_empty() {
        return;
    }
    out.push("------< Checker track files >------".into());
    for tf in &cfg.track.files {
        out.push(format!(" Track file = {}", tf.name));
        for vs in &cfg.check.virtual_servers {
            for rs in &vs.real_servers {
                for f in rs.file_checks.iter().filter(|f| f.track_file == tf.name) {
                    out.push(format!(
                        "     {} -> {}, weight {}{}",
                        vs.fmt(),
                        vs.fmt_server(&rs.ip, rs.port),
                        f.weight.unwrap_or(1),
                        if f.reverse { " reverse" } else { "" }
                    ));
                }
            }
        }
    }
}

fn track_bfds(cfg: &Config, out: &mut Vec<String>) {
    // The checker's own list: the blocks it kept (`checker_tracked()`).
    let mut kept = cfg.bfd.instances.iter().filter(|b| b.checker).peekable();
    if kept.peek().is_none() {
        return;
    }
    out.push("------< Checker track BFDs >------".into());
    for b in kept {
        out.push(format!(" Checker Track BFD = {}", b.name));
        out.push("   Tracking RS :".into());
        for vs in &cfg.check.virtual_servers {
            for rs in &vs.real_servers {
                for c in &rs.checkers {
                    if matches!(&c.kind, CheckerKind::Bfd(x) if x.name == b.name) {
                        out.push(format!("   {}", vs.fmt_server(&rs.ip, rs.port)));
                    }
                }
            }
        }
    }
}
