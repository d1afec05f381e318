//! Completion and validation of the check configuration after parsing, in keepalived's order:
//! the references to other families' objects (`FILE_CHECK`, `BFD_CHECK`, in [`refs`]),
//! `link_vsg_to_vs()`, `validate_check_config()` and `check_check_script_security()` (in
//! [`scripts`]).
//!
//! keepalived prints these messages without a line; we give them the line of the virtual or
//! real server they concern.

#[path = "check_refs.rs"]
mod refs;
#[path = "check_scripts.rs"]
mod scripts;

use crate::config::LoadOptions;
use crate::config::builder::Builder;
use crate::config::diag::{Diagnostics, Level, Loc};
use crate::config::keywords;
use crate::config::model::check::{
    CheckConfig, CheckerKind, Family, Forwarding, FwdMethod, Protocol, VirtualServer, VsKey, defaults, svc_flags,
};
use crate::config::model::global::GlobalDefs;
use crate::config::system::System;

/// Fills computed defaults and cross-checks the check configuration.
pub fn complete(b: &mut Builder, sys: &dyn System, _opts: &LoadOptions, diags: &mut Diagnostics) {
    final_script_users(b);
    let deferred = std::mem::take(&mut b.check.deferred);
    refs::resolve(&mut b.cfg, deferred, diags);
    link_vsg_to_vs(&mut b.cfg.check, diags);
    validate(&mut b.cfg.check, &b.cfg.global, diags);
    scripts::check_security(&mut b.cfg.check, &mut b.cfg.global, sys, diags);
    // keepalived sets this for every SSL_GET it reads, even one it drops later; an SSL context
    // nothing uses is not worth keeping (see doc/compatibility.md).
    let c = &mut b.cfg.check;
    c.ssl_required = c.virtual_servers.iter().any(|vs| {
        vs.real_servers.iter().any(|rs| {
            rs.checkers
                .iter()
                .any(|k| matches!(&k.kind, CheckerKind::Http(h) if h.ssl))
        })
    });
}

/// keepalived's checker process reads its scripts after all of `global_defs`: those without a
/// user run as the final default script user (a `script_user` written after them included).
fn final_script_users(b: &mut Builder) {
    let Some(ids) = keywords::global::final_default_ids(&b.global.script_user) else {
        return;
    };
    for vs in &mut b.cfg.check.virtual_servers {
        for s in [&mut vs.quorum_up, &mut vs.quorum_down].into_iter().flatten() {
            keywords::global::apply_final_default(s, ids);
        }
        for rs in &mut vs.real_servers {
            for s in [&mut rs.notify_up, &mut rs.notify_down].into_iter().flatten() {
                keywords::global::apply_final_default(s, ids);
            }
            for c in &mut rs.checkers {
                if let CheckerKind::Misc(m) = &mut c.kind {
                    keywords::global::apply_final_default(&mut m.script, ids);
                }
            }
        }
    }
}

fn loc(vs: &VirtualServer) -> Option<Loc> {
    vs.origin.0.clone()
}

/// keepalived's `link_vsg_to_vs()`: every `virtual_server group NAME` must name a group of a
/// compatible address family; each gets its number within the group.
fn link_vsg_to_vs(check: &mut CheckConfig, diags: &mut Diagnostics) {
    let groups = &check.groups;
    let mut keep = Vec::with_capacity(check.virtual_servers.len());
    for mut vs in std::mem::take(&mut check.virtual_servers) {
        let Some(name) = vs.group().map(str::to_string) else {
            keep.push(vs);
            continue;
        };
        let l = loc(&vs);
        let Some(g) = groups.iter().find(|g| g.name == name) else {
            diags.report(
                Level::Info,
                l,
                format!(
                    "Virtual server group {name} specified but not configured - ignoring virtual server {}",
                    vs.fmt()
                ),
            );
            continue;
        };
        let vsg_af = match (g.have_ipv4, g.have_ipv6) {
            (true, false) => Some(Family::Inet),
            (false, true) => Some(Family::Inet6),
            _ => None,
        };
        if g.have_ipv4 && g.have_ipv6 && vs.family.is_some() {
            diags.report(
                Level::Info,
                l,
                format!(
                    "{name}: virtual server group with IPv4 & IPv6 doesn't match virtual server {} - ignoring",
                    vs.fmt()
                ),
            );
            continue;
        }
        if (g.have_ipv4 && vs.family == Some(Family::Inet6)) || (g.have_ipv6 && vs.family == Some(Family::Inet)) {
            diags.report(
                Level::Info,
                l,
                format!(
                    "{name}: address family doesn't match virtual server {} - ignoring",
                    vs.fmt()
                ),
            );
            continue;
        }
        if let Some(af) = vsg_af {
            if vs.family.is_none() {
                vs.family = Some(af);
            }
        } else if vs.family.is_none() && g.fwmark_no_family {
            diags.report(
                Level::Info,
                l,
                format!(
                    "{name}: Virtual server {} address family cannot be determined, defaulting to IPv4",
                    vs.fmt()
                ),
            );
        }
        keep.push(vs);
    }
    // keepalived keeps the number of each virtual server within its group in the port field.
    let mut counters: std::collections::HashMap<String, u16> = std::collections::HashMap::new();
    for vs in keep.iter_mut() {
        if let VsKey::Group { name, member } = &mut vs.key {
            if groups.iter().any(|g| &g.name == name) {
                let n = counters.entry(name.clone()).or_insert(0);
                *member = *n;
                *n = n.wrapping_add(1);
            }
        }
    }
    check.virtual_servers = keep;
}

/// keepalived's `validate_check_config()`.
fn validate(check: &mut CheckConfig, global: &GlobalDefs, diags: &mut Diagnostics) {
    let groups = check.groups.clone();
    let mut keep = Vec::with_capacity(check.virtual_servers.len());
    for mut vs in std::mem::take(&mut check.virtual_servers) {
        let l = loc(&vs);
        if vs.real_servers.is_empty() {
            diags.report(
                Level::GeneralError,
                l,
                format!("Virtual server {} has no real servers - ignoring", vs.fmt()),
            );
            continue;
        }
        let vsg = vs.group().and_then(|n| groups.iter().find(|g| g.name == n));
        let vsg_fwmarks = vsg.is_some_and(|g| !g.fwmarks.is_empty());
        let vsg_ranges = vsg.is_some_and(|g| !g.ranges.is_empty());
        let fwmark = vs.fwmark().is_some();

        if vs.ha_suspend && (fwmark || vsg_fwmarks) {
            diags.report(
                Level::GeneralError,
                l.clone(),
                format!(
                    "Virtual server {}: cannot use ha_suspend with fwmarks - clearing ha_suspend",
                    vs.fmt()
                ),
            );
            vs.ha_suspend = false;
        }

        if vsg_ranges || (vsg.is_none() && !fwmark) {
            if vs.protocol == Protocol::None {
                diags.report(
                    Level::GeneralError,
                    l.clone(),
                    format!("Virtual server {}: no protocol set - defaulting to UDP", vs.fmt()),
                );
                vs.protocol = Protocol::Udp;
            }
            if vs.flags & svc_flags::ONEPACKET != 0 && vs.protocol != Protocol::Udp {
                diags.report(
                    Level::GeneralError,
                    l.clone(),
                    format!(
                        "Virtual server {}: one packet scheduling requires UDP - resetting",
                        vs.fmt()
                    ),
                );
                vs.flags &= !svc_flags::ONEPACKET;
            }
            if vs.persistence_timeout == 0 && vsg.is_none() && !fwmark && vs.port() == 0 {
                diags.report(
                    Level::GeneralError,
                    l.clone(),
                    format!(
                        "Virtual server {}: zero port only valid for persistent services - setting",
                        vs.fmt()
                    ),
                );
                vs.persistence_timeout = defaults::PERSISTENCE_TIMEOUT;
            }
        }

        if vs.persistence_timeout == 0 {
            if let Some(g) = vsg {
                if g.ranges.iter().any(|r| r.port == 0) {
                    diags.report(
                        Level::GeneralError,
                        l.clone(),
                        format!(
                            "Virtual server {}: zero port only valid for persistent services - setting",
                            vs.fmt()
                        ),
                    );
                    vs.persistence_timeout = defaults::PERSISTENCE_TIMEOUT;
                }
            }
        }

        if vs.protocol != Protocol::None && ((vsg.is_some() && !vsg_ranges && vsg_fwmarks) || (vsg.is_none() && fwmark))
        {
            diags.report(
                Level::GeneralError,
                l.clone(),
                format!(
                    "Warning: Virtual server {}: protocol specified for fwmark - protocol will be ignored",
                    vs.fmt()
                ),
            );
            vs.protocol = Protocol::None;
        }

        if vs.scheduler.is_empty() {
            diags.report(
                Level::GeneralError,
                l.clone(),
                format!(
                    "Virtual server {}: no scheduler set, setting default '{}'",
                    vs.fmt(),
                    defaults::SCHEDULER
                ),
            );
            vs.scheduler = defaults::SCHEDULER.to_string();
        }

        if vs.smtp_alert.is_none() {
            vs.smtp_alert = Some(global.smtp_alert_checker.or(global.smtp_alert).unwrap_or(false));
        }

        validate_real_servers(&mut vs, global, diags);
        check_ports(&mut vs, vsg, diags);
        keep.push(vs);
    }
    check.virtual_servers = keep;

    for vs in check.virtual_servers.iter_mut() {
        for rs in vs.real_servers.iter_mut() {
            for c in rs.checkers.iter_mut() {
                if c.alpha.is_none() {
                    c.alpha = rs.alpha;
                }
                if !c.has_launch() {
                    continue;
                }
                if c.retry.is_none() {
                    c.retry = Some(rs.retry.unwrap_or(c.default_retry()));
                }
                if let Some(co) = c.co.as_mut() {
                    if co.connect_timeout.is_none() {
                        co.connect_timeout = rs.connect_timeout;
                    }
                }
                if c.delay_loop.is_none() {
                    c.delay_loop = rs.delay_loop;
                }
                let delay_loop = c.delay_loop.unwrap_or(defaults::DELAY_LOOP);
                if c.warmup.is_none() {
                    c.warmup = Some(rs.warmup.unwrap_or(delay_loop));
                }
                if c.delay_before_retry.is_none() {
                    let d = c.default_delay_before_retry();
                    c.delay_before_retry = Some(rs.delay_before_retry.unwrap_or(if d != 0 { d } else { delay_loop }));
                }
            }
        }
    }
}

/// The real servers of a virtual server: duplicates, inherited settings, the sorry server,
/// quorum and hysteresis.
fn validate_real_servers(vs: &mut VirtualServer, global: &GlobalDefs, diags: &mut Diagnostics) {
    let l = loc(vs);
    let mut weight_sum: u32 = 0;
    let mut i = 0;
    while i < vs.real_servers.len() {
        let (ip, port) = (vs.real_servers[i].ip, vs.real_servers[i].port);
        if vs.real_servers[..i].iter().any(|r| r.ip == ip && r.port == port) {
            diags.report(
                Level::GeneralError,
                vs.real_servers[i].origin.0.clone(),
                format!(
                    "VS {}: real server {} is duplicated - removing second rs",
                    vs.fmt(),
                    vs.fmt_server(&ip, port)
                ),
            );
            vs.real_servers.remove(i);
            continue;
        }
        if vs.real_servers[i].forwarding.is_none() {
            let f = default_forwarding(vs, &l, diags);
            vs.real_servers[i].forwarding = Some(f);
        }
        let (alpha, inhibit, retry, to, delay, warmup, dbr, weight) = (
            vs.alpha,
            vs.inhibit,
            vs.retry,
            vs.connect_timeout,
            vs.delay_loop,
            vs.warmup,
            vs.delay_before_retry,
            vs.weight,
        );
        let rs = &mut vs.real_servers[i];
        rs.alpha.get_or_insert(alpha);
        rs.inhibit.get_or_insert(inhibit);
        if rs.retry.is_none() {
            rs.retry = retry;
        }
        rs.connect_timeout.get_or_insert(to);
        rs.delay_loop.get_or_insert(delay);
        if rs.warmup.is_none() {
            rs.warmup = warmup;
        }
        if rs.delay_before_retry.is_none() {
            rs.delay_before_retry = dbr;
        }
        let w = *rs.weight.get_or_insert(weight);
        if rs.smtp_alert.is_none() {
            // Unlike every other smtp_alert, a real server's defaults to on.
            rs.smtp_alert = Some(global.smtp_alert_checker.or(global.smtp_alert).unwrap_or(true));
        }
        weight_sum = weight_sum.wrapping_add(w);
        let rs_inhibit = rs.inhibit.unwrap_or(false);
        let matches_sorry = vs.sorry_server.as_ref().is_some_and(|s| s.ip == ip && s.port == port);
        if matches_sorry {
            let ss_inhibit = vs.sorry_server.as_ref().is_some_and(|s| s.inhibit);
            if ss_inhibit != rs_inhibit {
                diags.report(
                    Level::GeneralError,
                    l.clone(),
                    format!(
                        "Virtual server {}: real server {} matches sorry server, but inhibit setting differs, {}ing on sorry server",
                        vs.fmt(),
                        vs.fmt_server(&ip, port),
                        if rs_inhibit { "sett" } else { "clear" }
                    ),
                );
                if let Some(s) = vs.sorry_server.as_mut() {
                    s.inhibit = rs_inhibit;
                }
            }
            vs.sorry_server_duplicates_rs = true;
        }
        i += 1;
    }
    if vs.sorry_server.as_ref().is_some_and(|s| s.forwarding.is_none()) {
        let f = default_forwarding(vs, &l, diags);
        if let Some(s) = vs.sorry_server.as_mut() {
            s.forwarding = Some(f);
        }
    }
    let given = (vs.quorum, vs.hysteresis);
    if vs.quorum > weight_sum {
        diags.report(
            Level::GeneralError,
            l.clone(),
            format!(
                "Warning - quorum {} for {} exceeds total weight of real servers {weight_sum}, reducing quorum to {weight_sum}",
                vs.quorum,
                vs.fmt()
            ),
        );
        vs.quorum = weight_sum;
    }
    if vs.hysteresis >= vs.quorum {
        let h = vs.quorum.wrapping_sub(1);
        diags.report(
            Level::GeneralError,
            l,
            format!(
                "Virtual server {}: hysteresis {} >= quorum {}; setting hysteresis to {h}",
                vs.fmt(),
                vs.hysteresis,
                vs.quorum
            ),
        );
        vs.hysteresis = h;
    }
    vs.quorum_given = (vs.quorum == 0).then_some(given);
}

/// The virtual server's forwarding, set to NAT (with keepalived's message) if unset.
fn default_forwarding(vs: &mut VirtualServer, l: &Option<Loc>, diags: &mut Diagnostics) -> Forwarding {
    if vs.forwarding.is_none() {
        diags.report(
            Level::GeneralError,
            l.clone(),
            format!(
                "Virtual server {}: no forwarding method set, setting default NAT",
                vs.fmt()
            ),
        );
        vs.forwarding = Some(Forwarding::default());
    }
    vs.forwarding.unwrap_or_default()
}

/// Unless NAT, real and virtual server ports must match; fwmark services ignore real server
/// ports. keepalived corrects what it can.
fn check_ports(
    vs: &mut VirtualServer,
    vsg: Option<&crate::config::model::check::VirtualServerGroup>,
    diags: &mut Diagnostics,
) {
    let l = loc(vs);
    let nat = |f: Option<Forwarding>| f.map(|f| f.method) == Some(FwdMethod::Nat);
    if let Some(g) = vsg {
        if !g.fwmarks.is_empty() {
            for rs in vs.real_servers.iter().filter(|r| !nat(r.forwarding) && r.port != 0) {
                diags.report(
                    Level::GeneralError,
                    rs.origin.0.clone(),
                    format!(
                        "WARNING - fwmark virtual server {}, real server {} has port specified - port will be ignored",
                        vs.fmt(),
                        vs.fmt_server(&rs.ip, rs.port)
                    ),
                );
            }
            if vs
                .sorry_server
                .as_ref()
                .is_some_and(|s| !nat(s.forwarding) && s.port != 0)
            {
                diags.report(
                    Level::GeneralError,
                    l.clone(),
                    format!(
                        "WARNING - fwmark virtual server {}, sorry server has port specified - port will be ignored",
                        vs.fmt()
                    ),
                );
            }
        }
        for r in &g.ranges {
            for rs in vs.real_servers.iter().filter(|x| !nat(x.forwarding)) {
                if rs.port != 0 && r.port != rs.port {
                    diags.report(
                        Level::GeneralError,
                        rs.origin.0.clone(),
                        format!(
                            "virtual server {}:[{}] and real server {} ports don't match",
                            vs.fmt(),
                            fmt_vsge(r),
                            vs.fmt_server(&rs.ip, rs.port)
                        ),
                    );
                }
            }
            if vs
                .sorry_server
                .as_ref()
                .is_some_and(|s| !nat(s.forwarding) && s.port != 0 && r.port != s.port)
            {
                diags.report(
                    Level::GeneralError,
                    l.clone(),
                    format!(
                        "WARNING - virtual server {}, sorry server has port specified - port will be ignored",
                        vs.fmt()
                    ),
                );
            }
        }
        return;
    }
    let fwmark = vs.fwmark().is_some();
    let vport = vs.port();
    let vs_fmt = vs.fmt();
    let proto = vs.protocol;
    for rs in vs.real_servers.iter_mut() {
        if nat(rs.forwarding) {
            if !fwmark && rs.port == 0 {
                rs.port = vport;
            }
            continue;
        }
        if fwmark {
            if rs.port != 0 {
                diags.report(
                    Level::GeneralError,
                    rs.origin.0.clone(),
                    format!(
                        "WARNING - fwmark virtual server {vs_fmt}, real server {} has port specified - clearing",
                        crate::config::model::check::trio(&rs.ip, proto, rs.port)
                    ),
                );
                rs.port = 0;
            }
        } else if rs.port == 0 {
            rs.port = vport;
        } else if rs.port != vport {
            diags.report(
                Level::GeneralError,
                rs.origin.0.clone(),
                format!(
                    "WARNING - virtual server {vs_fmt} and real server {} ports don't match - resetting",
                    crate::config::model::check::trio(&rs.ip, proto, rs.port)
                ),
            );
            rs.port = vport;
        }
    }
    if let Some(ss) = vs.sorry_server.as_mut() {
        if !nat(ss.forwarding) {
            if fwmark {
                if ss.port != 0 {
                    diags.report(
                        Level::GeneralError,
                        l,
                        format!("WARNING - virtual server {vs_fmt}, sorry server has port specified - clearing"),
                    );
                    ss.port = 0;
                }
            } else if ss.port == 0 {
                ss.port = vport;
            } else if ss.port != vport {
                diags.report(
                    Level::GeneralError,
                    l,
                    format!("WARNING - virtual server {vs_fmt} and sorry server ports don't match - resetting"),
                );
                ss.port = vport;
            }
        }
    }
}

/// keepalived's `format_vsge()`: `ip,port` or `first-last,port`.
pub fn fmt_vsge(r: &crate::config::model::check::VsgRange) -> String {
    use crate::config::model::check::fmt_ip;
    if r.start == r.end {
        format!("{},{}", fmt_ip(&r.start), r.port)
    } else {
        format!("{}-{},{}", fmt_ip(&r.start), fmt_ip(&r.end), r.port)
    }
}
