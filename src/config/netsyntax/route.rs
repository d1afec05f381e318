//! keepalived's `alloc_route()` and `parse_nexthops()`: one line of `virtual_routes` or
//! `static_routes` in `ip route` syntax.

use std::net::IpAddr;

use super::encap::parse_encap;
use super::helpers::{Prefix, family_of, get_realms, get_time_rtt, get_unsigned, parse_ipaddress, parse_route};
use super::nexthop::parse_nexthops;
use super::rttables::{RtKind, find_rtntype};
use super::{Abort, error, interface_lookup, report_abort, rt_find, static_track_group_find};
use crate::config::model::Origin;
use crate::config::model::net::{
    Metric, Nexthop, RT_TABLE_MAIN, RTPROT_KEEPALIVED, Route, RouteMode, RouteType, Scope,
};
use crate::config::parser::{Parser, Words};

/// keepalived's `alloc_route()`: parses one line of a route list and appends the route to
/// `list`. `allow_track_group` is true for `static_routes`.
pub fn alloc_route(p: &mut Parser<'_>, list: &mut Vec<Route>, words: &Words, allow_track_group: bool) {
    p.b.net.last_missing = None;
    match parse(p, words, allow_track_group) {
        Ok(r) => list.push(r),
        Err(a) => report_abort(p, a),
    }
}

/// A route while its line is read: the family may still be unknown (0) and the destination a
/// family-less default.
pub(super) struct Building {
    /// The route so far.
    pub(super) r: Route,
    /// Its family so far (0: unknown).
    pub(super) family: u8,
    dst: Option<Prefix>,
    src: Option<Prefix>,
    route_type: u8,
}

fn mix(p: &mut Parser<'_>) -> Abort {
    error(p, "Cannot mix IPv4 and IPv6 addresses for route");
    Abort::Dropped
}

/// `OPTION [lock] VALUE`: returns whether `lock` was given and moves `*i` to the value.
fn lock_word(w: &Words, i: &mut usize) -> Result<bool, Abort> {
    *i += 1;
    if w.get(*i)? == "lock" {
        *i += 1;
        return Ok(true);
    }
    Ok(false)
}

/// Sets a lockable metric: the lock bit stays once given (keepalived ORs it into `lock`).
fn set_metric(m: &mut Option<Metric>, value: u32, lock: bool) {
    let lock = lock || m.is_some_and(|o| o.lock);
    *m = Some(Metric { value, lock });
}

fn parse(p: &mut Parser<'_>, w: &Words, allow_track_group: bool) -> Result<Route, Abort> {
    let mut b = Building {
        r: Route {
            origin: Origin(w.loc.clone()),
            ..Route::default()
        },
        family: 0,
        dst: None,
        src: None,
        route_type: RouteType::UNICAST,
    };
    let n = w.len();
    let mut i = 0;
    let mut do_nexthop = false;
    let mut dest: Option<String> = None;
    let mut table = RT_TABLE_MAIN;
    while i < n {
        let s = w.words[i].as_str();
        match s {
            "inet6" | "inet" => {
                let f = if s == "inet6" { 6 } else { 4 };
                if b.family == 0 {
                    b.family = f;
                } else if b.family != f {
                    let other = if f == 6 { "IPv4" } else { "IPv6" };
                    error(p, format!("{s} specified for {other} route"));
                    return Err(Abort::Dropped);
                }
                // keepalived steps over the next word too (its loop adds 1 again).
                i += 1;
            }
            "src" => {
                i += 1;
                let v = w.get(i)?;
                let Some((a, _)) = parse_ipaddress(p, v, false) else {
                    error(p, format!("invalid route src address {v}"));
                    return Err(Abort::Dropped);
                };
                b.r.pref_src = Some(a);
                if b.family == 0 {
                    b.family = family_of(&a);
                } else if b.family != family_of(&a) {
                    return Err(mix(p));
                }
            }
            "as" => {
                i += 1;
                if w.get(i)? == "to" {
                    i += 1;
                }
                error(p, "\"as to\" for MPLS only - ignoring");
            }
            "via" | "gw" => {
                if s == "gw" {
                    error(p, "\"gw\" for routes is deprecated. Please use \"via\"");
                }
                i += 1;
                let mut v = w.get(i)?;
                let family = match v {
                    "inet" => {
                        i += 1;
                        v = w.get(i)?;
                        4
                    }
                    "inet6" => {
                        i += 1;
                        v = w.get(i)?;
                        6
                    }
                    _ => b.family,
                };
                if b.family == 0 {
                    b.family = family;
                } else if b.family != family {
                    return Err(mix(p));
                }
                let Some((a, _)) = parse_ipaddress(p, v, false) else {
                    error(p, format!("invalid route via address {v}"));
                    return Err(Abort::Dropped);
                };
                b.r.via = Some(a);
                if b.family == 0 {
                    b.family = family_of(&a);
                } else if b.family != family_of(&a) {
                    return Err(mix(p));
                }
            }
            "from" => {
                i += 1;
                let v = w.get(i)?;
                let Some(pfx) = parse_route(p, v) else {
                    error(p, format!("invalid route from address {v}"));
                    return Err(Abort::Dropped);
                };
                if pfx.family != 6 {
                    error(p, format!("route from address only supported with IPv6 ({v})"));
                    return Err(Abort::Dropped);
                }
                b.src = Some(pfx);
                if b.family == 0 {
                    b.family = 6;
                } else if b.family != 6 {
                    return Err(mix(p));
                }
            }
            "tos" | "dsfield" => {
                i += 1;
                let v = w.get(i)?;
                let Some(t) = rt_find(p, RtKind::Dsfield, v) else {
                    error(p, format!("TOS value {v} is invalid"));
                    return Err(Abort::Dropped);
                };
                b.r.options.tos = Some((t & 0xff) as u8);
            }
            "table" => {
                i += 1;
                let v = w.get(i)?;
                let Some(t) = rt_find(p, RtKind::Table, v) else {
                    error(p, format!("Routing table {v} not found for route"));
                    return Err(Abort::Dropped);
                };
                table = t;
            }
            "protocol" => {
                i += 1;
                let v = w.get(i)?;
                let Some(t) = rt_find(p, RtKind::Protos, v) else {
                    error(p, format!("Protocol {v} not found or invalid for route"));
                    return Err(Abort::Dropped);
                };
                b.r.protocol = Some((t & 0xff) as u8);
            }
            "scope" => {
                i += 1;
                let v = w.get(i)?;
                let Some(t) = rt_find(p, RtKind::Scopes, v) else {
                    error(p, format!("Scope {v} not found or invalid for route"));
                    return Err(Abort::Dropped);
                };
                b.r.scope = Some(Scope::from_number((t & 0xff) as u8));
            }
            "metric" | "priority" | "preference" => {
                i += 1;
                let v = w.get(i)?;
                let m = get_unsigned(p, v, u32::MAX, "Invalid metric %s specified for route");
                b.r.metric = Some(m.ok_or(Abort::Dropped)?);
            }
            "dev" | "oif" => {
                i += 1;
                let v = w.get(i)?;
                if !interface_lookup(p, v) {
                    error(p, format!("WARNING - interface {v} for VROUTE nexthop doesn't exist"));
                    return Err(Abort::Dropped);
                }
                b.r.dev = Some(v.to_string());
            }
            "onlink" => b.r.options.onlink = true,
            "encap" => parse_encap(p, w, &mut i, &mut b.r.options.encap),
            "expires" => {
                i += 1;
                if b.family == 4 {
                    error(p, "expires is only valid for IPv6");
                    return Err(Abort::Dropped);
                }
                b.family = 6;
                let v = w.get(i)?;
                let e = get_unsigned(p, v, u32::MAX, "Invalid expires time %s specified for route");
                b.r.options.expires = Some(e.ok_or(Abort::Dropped)?);
            }
            "mtu" | "advmss" | "reordering" | "cwnd" | "ssthresh" => {
                let lock = lock_word(w, &mut i)?;
                let v = w.get(i)?;
                let (msg, slot) = match s {
                    "mtu" => ("Invalid MTU %s specified for route", &mut b.r.options.mtu),
                    "advmss" => ("Invalid advmss %s specified for route", &mut b.r.options.advmss),
                    "reordering" => (
                        "Invalid reordering value %s specified for route",
                        &mut b.r.options.reordering,
                    ),
                    "cwnd" => ("Invalid cwnd value %s specified for route", &mut b.r.options.cwnd),
                    _ => (
                        "Invalid ssthresh value %s specified for route",
                        &mut b.r.options.ssthresh,
                    ),
                };
                // keepalived sets the lock bit before reading the value.
                let value = get_unsigned(p, v, u32::MAX, msg).ok_or(Abort::Dropped)?;
                set_metric(slot, value, lock);
            }
            "hoplimit" => {
                i += 1;
                let v = w.get(i)?;
                let h = get_unsigned(p, v, 255, "Invalid hoplimit %s specified for route");
                b.r.options.hoplimit = Some(h.ok_or(Abort::Dropped)? as u8);
            }
            "rtt" | "rttvar" | "rto_min" => {
                let lock = lock_word(w, &mut i)?;
                let v = w.get(i)?;
                let (unit, slot) = match s {
                    "rtt" => (8, &mut b.r.options.rtt),
                    "rttvar" => (4, &mut b.r.options.rttvar),
                    _ => (1, &mut b.r.options.rto_min),
                };
                let Some(value) = get_time_rtt(p, v, unit) else {
                    let msg = if s == "rto_min" {
                        format!("Invalid rto_min value {v} specified for route")
                    } else {
                        format!("Invalid {s} {v} for route")
                    };
                    error(p, msg);
                    return Err(Abort::Dropped);
                };
                set_metric(slot, value, lock);
            }
            "window" | "initcwnd" | "initrwnd" => {
                i += 1;
                let v = w.get(i)?;
                let msg = format!("Invalid {s} value %s specified for route");
                let value = get_unsigned(p, v, u32::MAX, &msg).ok_or(Abort::Dropped)?;
                let o = &mut b.r.options;
                *match s {
                    "window" => &mut o.window,
                    "initcwnd" => &mut o.initcwnd,
                    _ => &mut o.initrwnd,
                } = Some(value);
            }
            "realms" => {
                i += 1;
                let v = w.get(i)?;
                let Some(r) = get_realms(p, v) else {
                    error(p, format!("Invalid realms {v} for route"));
                    return Err(Abort::Dropped);
                };
                b.r.options.realms = r;
                if b.family == 6 {
                    error(p, "realms are only valid for IPv4");
                    return Err(Abort::Dropped);
                }
                b.family = 4;
            }
            "features" => {
                i += 1;
                let v = w.get(i)?;
                if v == "ecn" {
                    b.r.options.features_ecn = true;
                } else {
                    error(p, format!("feature {v} not supported"));
                }
            }
            "quickack" => {
                i += 1;
                let v = w.get(i)?;
                let q = get_unsigned(p, v, 1, "Invalid quickack value %s specified for route");
                b.r.options.quickack = Some(q.ok_or(Abort::Dropped)?);
            }
            "congctl" => {
                i += 1;
                if w.get(i)? == "lock" {
                    b.r.options.congctl_lock = true;
                    i += 1;
                }
                b.r.options.congctl = Some(w.get(i)?.to_string());
            }
            "pref" => {
                i += 1;
                if b.family == 4 {
                    error(p, "pref is only valid for IPv6");
                    return Err(Abort::Dropped);
                }
                b.family = 6;
                let v = w.get(i)?;
                let pref = match v {
                    // ICMPV6_ROUTER_PREF_LOW, _MEDIUM, _HIGH
                    "low" => 3,
                    "medium" => 0,
                    "high" => 1,
                    _ => get_unsigned(p, v, 255, "Invalid pref value %s specified for route").ok_or(Abort::Dropped)?
                        as u8,
                };
                b.r.options.pref = Some(pref);
            }
            "ttl-propagate" => {
                i += 1;
                let v = w.get(i)?;
                let on = match v {
                    "enabled" => true,
                    "disabled" => false,
                    _ => {
                        error(p, format!("ttl-propagate value {v} not recognised"));
                        b.r.options.ttl_propagate.unwrap_or(false)
                    }
                };
                b.r.options.ttl_propagate = Some(on);
            }
            "fastopen_no_cookie" => {
                i += 1;
                let v = w.get(i)?;
                let f = get_unsigned(p, v, 1, "Invalid fastopen_no_cookie value %s specified for route");
                b.r.options.fastopen_no_cookie = Some(f.ok_or(Abort::Dropped)? != 0);
            }
            "add" => b.r.options.mode = RouteMode::Add,
            "prepend" => b.r.options.mode = RouteMode::Prepend,
            "append" => b.r.options.mode = RouteMode::Append,
            "or" => {
                error(p, "\"or\" for routes is deprecated. Please use \"nexthop\"");
                if !b.r.nexthops.is_empty() {
                    error(p, "\"or\" route already specified - ignoring subsequent");
                    i += 2;
                    continue;
                }
                // The via address becomes the first next hop.
                b.r.nexthops.push(Nexthop {
                    via: b.r.via.take(),
                    ..Nexthop::default()
                });
                i += 1;
                let v = w.get(i)?;
                let Some((a, _)) = parse_ipaddress(p, v, false) else {
                    error(p, format!("Invalid \"or\" address {v}"));
                    return Err(Abort::Dropped);
                };
                b.r.nexthops.push(Nexthop {
                    via: Some(a),
                    ..Nexthop::default()
                });
            }
            "nexthop" => {
                if !b.r.nexthops.is_empty() {
                    error(p, "Cannot specify nexthops with \"or\" route");
                } else {
                    do_nexthop = true;
                }
                break;
            }
            "no_track" => b.r.no_track = true,
            "track_group" if allow_track_group => {
                i += 1;
                let v = w.get(i)?;
                if b.r.track_group.is_some() {
                    error(p, format!("track_group {v} is a duplicate"));
                    break;
                }
                if static_track_group_find(p, v) {
                    b.r.track_group = Some(v.to_string());
                } else {
                    error(p, format!("track_group {v} not found"));
                }
            }
            "vrf" => {
                i += 1;
                let v = w.get(i)?;
                // VRF devices cannot be told apart from others here: an existing interface is
                // taken as not being a VRF.
                if p.b.net.interfaces.get(v).copied().unwrap_or(false) || p.sys.interface_exists(v) {
                    error(p, format!("Route specified VRF {v} is not a VRF"));
                } else {
                    error(p, format!("VRF {v} not found for route"));
                }
                return Err(Abort::Dropped);
            }
            _ => {
                if s == "to" {
                    i += 1;
                }
                // keepalived tests the word before `to`'s argument for a route type.
                if let Some(t) = find_rtntype(s) {
                    b.route_type = t;
                    // Debian's 2.2.7 adds typed routes with NLM_F_EXCL: its dump shows "add".
                    b.r.options.mode = RouteMode::Add;
                    i += 1;
                }
                let v = w.get(i)?;
                dest = Some(v.to_string());
                let Some(pfx) = parse_route(p, v) else {
                    error(p, format!("unknown route keyword {v}"));
                    return Err(Abort::Dropped);
                };
                b.dst = Some(pfx);
                if b.family == 0 {
                    b.family = pfx.family;
                } else if b.family != pfx.family {
                    error(p, format!("Cannot mix IPv4 and IPv6 addresses for route ({v})"));
                    return Err(Abort::Dropped);
                }
            }
        }
        i += 1;
    }

    if do_nexthop {
        parse_nexthops(p, w, i, &mut b)?;
    } else if i < n {
        error(p, format!("Route has trailing nonsense - {}", w.words[i]));
        return Err(Abort::Dropped);
    }

    let Some(dst) = b.dst else {
        error(p, "Route must have a destination");
        return Err(Abort::Dropped);
    };

    if !b.r.no_track {
        if b.r.protocol.is_some_and(|pr| pr != RTPROT_KEEPALIVED) {
            error(
                p,
                format!(
                    "Route cannot be tracked if protocol is not RTPROT_KEEPALIVED({RTPROT_KEEPALIVED}), resetting protocol"
                ),
            );
        }
        b.r.protocol = Some(RTPROT_KEEPALIVED);
        if b.r.dev.is_none() {
            let d = dest.as_deref().unwrap_or("");
            error(
                p,
                format!("Warning - cannot track route {d} with no interface specified, not tracking"),
            );
            b.r.no_track = true;
        }
    }
    if b.r.track_group.is_some() && b.r.dev.is_none() {
        error(p, "Static route cannot have track group if no oif specified");
        b.r.track_group = None;
    }

    let family = if b.family == 0 { 4 } else { b.family };
    b.r.family = family;
    let (daddr, dlen) = dst.resolve(family);
    // A destination of all zeros /0 is the default route, however it was written.
    b.r.dst = (!(dlen == 0 && daddr.is_unspecified())).then_some((daddr, dlen));
    b.r.src = b.src.map(|s| s.resolve(family));
    b.r.table = (table != RT_TABLE_MAIN).then_some(table);
    b.r.route_type = (b.route_type != RouteType::UNICAST).then_some(RouteType(b.route_type));
    Ok(b.r)
}

/// The address of a next hop or gateway as keepalived prints it (`via inet ADDR`).
pub fn inet_word(a: &IpAddr) -> &'static str {
    if a.is_ipv6() { "inet6" } else { "inet" }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{load, texts};
    use crate::config::model::net::*;
    use std::net::IpAddr;

    fn one(line: &str) -> (Option<Route>, Vec<String>) {
        let (cfg, msgs) = load(&format!("static_routes {{\n{line}\n}}\n"));
        (cfg.statics.routes.into_iter().next(), texts(&msgs))
    }

    fn ok(line: &str) -> Route {
        let (r, m) = one(line);
        assert!(m.is_empty(), "{line}: {m:?}");
        r.unwrap_or_else(|| panic!("{line}: dropped"))
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn common_fields() {
        let r = ok("10.1.0.0/16 src 192.168.200.16 via 192.168.200.254 dev eth0 table 100 metric 5 scope link");
        assert_eq!(r.family, 4);
        assert_eq!(r.dst, Some((ip("10.1.0.0"), 16)));
        assert_eq!(r.pref_src, Some(ip("192.168.200.16")));
        assert_eq!(r.via, Some(ip("192.168.200.254")));
        assert_eq!(r.dev.as_deref(), Some("eth0"));
        assert_eq!(r.table, Some(100));
        assert_eq!(r.metric, Some(5));
        assert_eq!(r.scope, Some(Scope::Link));
        assert_eq!(r.protocol, Some(RTPROT_KEEPALIVED));
        assert!(!r.no_track);
        let r = ok("default dev eth0 table main");
        assert_eq!((r.dst, r.table, r.family), (None, None, 4));
        let r = ok("0.0.0.0/0 dev eth0");
        assert_eq!(r.dst, None, "an all-zero /0 is the default route");
        let r = ok("2001:db9::/32 from 2001:db8::/64 dev eth0");
        assert_eq!((r.family, r.src), (6, Some((ip("2001:db8::"), 64))));
        let r = ok("to 10.8.0.0/16 oif eth1 dsfield 8 priority 7 table local");
        assert_eq!((r.options.tos, r.metric, r.table), (Some(8), Some(7), Some(255)));
    }

    #[test]
    fn types_and_modes() {
        let r = ok("blackhole 10.0.0.0/8 dev eth0");
        assert_eq!(r.route_type, Some(RouteType(RouteType::BLACKHOLE)));
        assert_eq!(r.options.mode, RouteMode::Add);
        let r = ok("unreachable 10.0.0.0/8 dev eth0 prepend");
        assert_eq!(r.options.mode, RouteMode::Prepend);
        let r = ok("unicast 10.0.0.0/8 dev eth0");
        assert_eq!((r.route_type, r.options.mode), (None, RouteMode::Add));
        let r = ok("10.0.0.0/8 dev eth0 append");
        assert_eq!(r.options.mode, RouteMode::Append);
        let r = ok("12 10.0.0.0/8 dev eth0");
        assert_eq!(r.route_type, Some(RouteType(12)));
    }

    #[test]
    fn metrics_and_locks() {
        let r = ok(
            "10.0.0.0/8 dev eth0 mtu lock 1400 mtu 1500 advmss 1000 rtt 3s rttvar lock 1s rto_min 500 reordering 8 window 5 cwnd lock 6 ssthresh 7 hoplimit 9 initcwnd 10 initrwnd 11 features ecn quickack 1 congctl lock cubic realms 5/6 onlink",
        );
        let o = &r.options;
        assert_eq!(
            o.mtu,
            Some(Metric {
                value: 1500,
                lock: true
            }),
            "the lock stays"
        );
        assert_eq!(
            o.advmss,
            Some(Metric {
                value: 1000,
                lock: false
            })
        );
        assert_eq!(
            o.rtt,
            Some(Metric {
                value: 24000,
                lock: false
            })
        );
        assert_eq!(
            o.rttvar,
            Some(Metric {
                value: 4000,
                lock: true
            })
        );
        assert_eq!(
            o.rto_min,
            Some(Metric {
                value: 500,
                lock: false
            })
        );
        assert_eq!(o.reordering.map(|m| m.value), Some(8));
        assert_eq!(o.window, Some(5));
        assert_eq!(o.cwnd, Some(Metric { value: 6, lock: true }));
        assert_eq!(o.ssthresh.map(|m| m.value), Some(7));
        assert_eq!((o.hoplimit, o.initcwnd, o.initrwnd), (Some(9), Some(10), Some(11)));
        assert!(o.features_ecn && o.onlink && o.congctl_lock);
        assert_eq!(o.quickack, Some(1));
        assert_eq!(o.congctl.as_deref(), Some("cubic"));
        assert_eq!(o.realms, 5 << 16 | 6);
        // Too small round-trip times are raised to 200 ms (a log message only).
        let r = ok("10.0.0.0/8 dev eth0 rtt 100ms rttvar 10 rto_min 0.1s");
        assert_eq!(r.options.rtt.map(|m| m.value), Some(1600));
        assert_eq!(r.options.rttvar.map(|m| m.value), Some(800));
        assert_eq!(r.options.rto_min.map(|m| m.value), Some(200));
    }

    #[test]
    fn ipv6_only_options() {
        let r = ok("2001:db8::/32 dev eth0 expires 100 pref low fastopen_no_cookie 1 ttl-propagate enabled");
        assert_eq!(r.options.expires, Some(100));
        assert_eq!(r.options.pref, Some(3));
        assert_eq!(r.options.fastopen_no_cookie, Some(true));
        assert_eq!(r.options.ttl_propagate, Some(true));
        let r = ok("default dev eth0 expires 5");
        assert_eq!((r.family, r.dst), (6, None), "expires makes the route IPv6");
        let (r, m) = one("2001:db8::/32 dev eth0 ttl-propagate maybe");
        assert_eq!(m, ["ttl-propagate value maybe not recognised"]);
        assert_eq!(r.unwrap().options.ttl_propagate, Some(false));
    }

    #[test]
    fn encaps() {
        let r = ok("10.2.0.0/16 dev eth0 encap ip id 5 dst 1.2.3.4 src 1.2.3.5 tos 0x10 ttl 5 flags 1");
        let e = r.options.encap.unwrap();
        assert_eq!(e.kind, EncapKind::Ip);
        assert_eq!(
            (e.id, e.dst, e.src),
            (Some(5), Some(ip("1.2.3.4")), Some(ip("1.2.3.5")))
        );
        assert_eq!((e.tos, e.ttl, e.flags), (Some(16), Some(5), Some(1)));
        let r = ok("2001:db9::/32 dev eth0 encap ip6 id 7 dst 2001::1 tc 0x10 hoplimit 4");
        let e = r.options.encap.unwrap();
        assert_eq!((e.kind, e.tos, e.ttl), (EncapKind::Ip6, Some(16), Some(4)));
        let r = ok("10.0.0.0/8 dev eth0 encap mpls 100/200");
        assert_eq!(r.options.encap.unwrap().labels, [100, 200]);
        let r = ok("10.0.0.0/8 dev eth0 encap ila 1:2:3:4");
        assert_eq!(r.options.encap.unwrap().kind, EncapKind::Ila);
        // A bad encap value is reported and the words after it are read as route options.
        let (r, m) = one("10.0.0.0/8 dev eth0 encap ip id x");
        assert!(r.is_none());
        assert_eq!(
            m,
            [
                "invalid number 'x'",
                "encap id x value is invalid",
                "VRRP parsed invalid IP id. skipping IP...",
                "unknown route keyword id"
            ]
        );
        let (r, m) = one("10.0.0.0/8 dev eth0 encap ip tos 5");
        assert_eq!(m, ["address or id missing for ip encapsulation"]);
        assert_eq!(
            r.unwrap().options.encap.unwrap().tos,
            Some(5),
            "kept as keepalived keeps it"
        );
    }

    #[test]
    fn nexthops_and_or() {
        let r = ok(
            "10.3.0.0/16 dev eth0 nexthop via 1.1.1.1 dev eth1 weight 3 onlink nexthop via inet 1.1.1.2 dev eth2 realms 3 encap mpls 100",
        );
        assert_eq!(r.nexthops.len(), 2);
        assert_eq!(r.nexthops[0].via, Some(ip("1.1.1.1")));
        assert_eq!(r.nexthops[0].weight, Some(3));
        assert!(r.nexthops[0].onlink);
        assert_eq!(r.nexthops[1].realms, 3);
        assert_eq!(r.nexthops[1].encap.as_ref().unwrap().labels, [100]);
        let (r, m) = one("10.0.0.0/8 via 10.0.0.1 or 10.0.0.2 dev eth0");
        assert_eq!(m, ["\"or\" for routes is deprecated. Please use \"nexthop\""]);
        let r = r.unwrap();
        assert_eq!(r.via, None);
        let vias: Vec<_> = r.nexthops.iter().map(|n| n.via).collect();
        assert_eq!(vias, [Some(ip("10.0.0.1")), Some(ip("10.0.0.2"))]);
        // A bad next hop is dropped, the route kept.
        let (r, m) = one("10.0.0.0/8 dev eth0 nexthop via 1.1.1.1 nexthop via 1.1.1.2 weight 0");
        assert_eq!(m, ["Invalid weight 0 specified for route"]);
        assert_eq!(r.unwrap().nexthops.len(), 1);
    }

    #[test]
    fn tracking() {
        let (r, m) = one("10.0.0.0/8 via 10.0.0.1");
        assert_eq!(
            m,
            ["Warning - cannot track route 10.0.0.0/8 with no interface specified, not tracking"]
        );
        let r = r.unwrap();
        assert!(r.no_track);
        assert_eq!(r.protocol, Some(RTPROT_KEEPALIVED));
        let r = ok("10.0.0.0/8 via 10.0.0.1 no_track");
        assert_eq!(r.protocol, None);
        let r = ok("10.0.0.0/8 dev eth0 no_track protocol boot");
        assert_eq!(r.protocol, Some(3));
        let (r, m) = one("10.0.0.0/8 dev eth0 protocol static");
        assert_eq!(
            m,
            ["Route cannot be tracked if protocol is not RTPROT_KEEPALIVED(18), resetting protocol"]
        );
        assert_eq!(r.unwrap().protocol, Some(RTPROT_KEEPALIVED));
    }

    #[test]
    fn quirks() {
        let (r, m) = one("inet6 2001:db8::/32 dev eth0");
        assert!(r.is_none());
        assert_eq!(m, ["Route must have a destination"], "inet6 steps over the next word");
        let (r, m) = one("via 1.2.3.4 default dev eth0");
        assert!(r.is_none());
        assert_eq!(m, ["Cannot mix IPv4 and IPv6 addresses for route (default)"]);
        let (r, m) = one("to blackhole 10.0.0.0/8");
        assert!(r.is_none());
        assert_eq!(
            m,
            [
                "VRRP parsed invalid IP blackhole. skipping IP...",
                "unknown route keyword blackhole"
            ]
        );
        let (_, m) = one("10.0.0.0/8 dev eth0 table");
        assert_eq!(
            m,
            [
                "*** Configuration line starting `10.0.0.0/8` is missing a parameter after keyword `table` at word position 5"
            ]
        );
    }
}
