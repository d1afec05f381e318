//! Adding and deleting routes as keepalived's `netlink_route()` does
//! (`keepalived/vrrp/vrrp_iproute.c`): every option of the model's [`Route`].

use std::net::IpAddr;

use netlink_packet_core::{DefaultNla, NLM_F_APPEND, NLM_F_CREATE, NLM_F_EXCL};
use netlink_packet_route::route::{
    MplsLabel, RouteAddress, RouteAttribute, RouteFlags, RouteHeader, RouteIp6Tunnel, RouteIpTunnel, RouteLwEnCapType,
    RouteLwTunnelEncap, RouteMessage, RouteMetric, RouteMplsIpTunnel, RouteMplsTtlPropagation, RouteNextHop,
    RouteNextHopFlags, RoutePreference, RouteProtocol, RouteRealm, RouteScope, RouteType, RouteVia,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};

use super::{Error, Netlink, Result};
use crate::config::model::net::{
    Encap, EncapKind, Metric, RT_TABLE_MAIN, RTPROT_KEEPALIVED, Route, RouteMode, RouteType as ModelRouteType,
};

/// `RTNH_F_ONLINK`.
const RTNH_F_ONLINK: u32 = 4;
/// `RTAX_FEATURE_ECN`.
const RTAX_FEATURE_ECN: u32 = 1;
/// `RT_SCOPE_UNIVERSE` / `RT_SCOPE_NOWHERE`.
const RT_SCOPE_UNIVERSE: u8 = 0;
const RT_SCOPE_NOWHERE: u8 = 255;
/// `LWTUNNEL_IP_FLAGS` / `LWTUNNEL_IP6_FLAGS` (both 6), sent in host order as keepalived does.
const LWTUNNEL_IP_FLAGS: u16 = 6;
/// `ILA_ATTR_LOCATOR`.
const ILA_ATTR_LOCATOR: u16 = 1;
/// `RTAX_*` numbers, for the lock bits.
const RTAX_MTU: u32 = 2;
const RTAX_RTT: u32 = 4;
const RTAX_RTTVAR: u32 = 5;
const RTAX_SSTHRESH: u32 = 6;
const RTAX_CWND: u32 = 7;
const RTAX_ADVMSS: u32 = 8;
const RTAX_REORDERING: u32 = 9;
const RTAX_RTO_MIN: u32 = 13;
const RTAX_CC_ALGO: u32 = 16;

/// Whether a route message adds or deletes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteCmd {
    /// RTM_NEWROUTE with the route's `add`/`append`/`prepend` flags.
    Add,
    /// RTM_NEWROUTE with NLM_F_REPLACE.
    Replace,
    /// RTM_DELROUTE.
    Del,
}

fn family_of(r: &Route) -> AddressFamily {
    if r.family == 6 {
        AddressFamily::Inet6
    } else {
        AddressFamily::Inet
    }
}

fn check_family(r: &Route, a: &IpAddr, what: &str) -> Result<()> {
    if (r.family == 6) != a.is_ipv6() {
        return Err(Error::Unsupported(format!(
            "{what} {a} of another family than the route"
        )));
    }
    Ok(())
}

/// A gateway of the route's family is RTA_GATEWAY; of the other family RTA_VIA (IPv4 routes
/// via an IPv6 next hop), as keepalived's `add_addr_fam2req()`.
fn gateway(r: &Route, via: IpAddr) -> RouteAttribute {
    if (r.family == 6) == via.is_ipv6() {
        RouteAttribute::Gateway(RouteAddress::from(via))
    } else {
        RouteAttribute::Via(match via {
            IpAddr::V4(a) => RouteVia::Inet(a),
            IpAddr::V6(a) => RouteVia::Inet6(a),
        })
    }
}

fn realm(packed: u32) -> RouteRealm {
    RouteRealm {
        source: (packed >> 16) as u16,
        destination: packed as u16,
    }
}

/// The RTA_ENCAP nest and RTA_ENCAP_TYPE of an `encap` (keepalived's `add_encap()`).
fn encap_attrs(e: &Encap) -> Result<[RouteAttribute; 2]> {
    let v4 = |a: Option<IpAddr>, what: &str| match a {
        None => Ok(None),
        Some(IpAddr::V4(x)) => Ok(Some(x)),
        Some(x) => Err(Error::Unsupported(format!("encap ip {what} {x} is not IPv4"))),
    };
    let v6 = |a: Option<IpAddr>, what: &str| match a {
        None => Ok(None),
        Some(IpAddr::V6(x)) => Ok(Some(x)),
        Some(x) => Err(Error::Unsupported(format!("encap ip6 {what} {x} is not IPv6"))),
    };
    let flags = |f: u16| DefaultNla::new(LWTUNNEL_IP_FLAGS, f.to_ne_bytes().to_vec());
    let (kind, nlas) = match e.kind {
        EncapKind::Mpls => {
            let n = e.labels.len();
            let labels = e
                .labels
                .iter()
                .enumerate()
                .map(|(i, &label)| MplsLabel {
                    label,
                    traffic_class: 0,
                    bottom_of_stack: i + 1 == n,
                    ttl: 0,
                })
                .collect();
            (
                RouteLwEnCapType::Mpls,
                vec![RouteLwTunnelEncap::Mpls(RouteMplsIpTunnel::Destination(labels))],
            )
        }
        EncapKind::Ip => {
            let mut v = Vec::new();
            if let Some(id) = e.id {
                v.push(RouteLwTunnelEncap::Ip(RouteIpTunnel::Id(id)));
            }
            if let Some(d) = v4(e.dst, "dst")? {
                v.push(RouteLwTunnelEncap::Ip(RouteIpTunnel::Destination(d)));
            }
            if let Some(s) = v4(e.src, "src")? {
                v.push(RouteLwTunnelEncap::Ip(RouteIpTunnel::Source(s)));
            }
            if let Some(t) = e.tos {
                v.push(RouteLwTunnelEncap::Ip(RouteIpTunnel::Tos(t)));
            }
            if let Some(t) = e.ttl {
                v.push(RouteLwTunnelEncap::Ip(RouteIpTunnel::Ttl(t)));
            }
            if let Some(f) = e.flags {
                v.push(RouteLwTunnelEncap::Ip(RouteIpTunnel::Other(flags(f))));
            }
            (RouteLwEnCapType::Ip, v)
        }
        EncapKind::Ip6 => {
            let mut v = Vec::new();
            if let Some(id) = e.id {
                v.push(RouteLwTunnelEncap::Ip6(RouteIp6Tunnel::Id(id)));
            }
            if let Some(d) = v6(e.dst, "dst")? {
                v.push(RouteLwTunnelEncap::Ip6(RouteIp6Tunnel::Destination(d)));
            }
            if let Some(s) = v6(e.src, "src")? {
                v.push(RouteLwTunnelEncap::Ip6(RouteIp6Tunnel::Source(s)));
            }
            if let Some(t) = e.tos {
                v.push(RouteLwTunnelEncap::Ip6(RouteIp6Tunnel::Tc(t)));
            }
            if let Some(t) = e.ttl {
                v.push(RouteLwTunnelEncap::Ip6(RouteIp6Tunnel::Hoplimit(t)));
            }
            if let Some(f) = e.flags {
                v.push(RouteLwTunnelEncap::Ip6(RouteIp6Tunnel::Other(flags(f))));
            }
            (RouteLwEnCapType::Ip6, v)
        }
        EncapKind::Ila => (
            RouteLwEnCapType::Ila,
            vec![RouteLwTunnelEncap::Other(DefaultNla::new(
                ILA_ATTR_LOCATOR,
                e.locator.to_ne_bytes().to_vec(),
            ))],
        ),
    };
    Ok([RouteAttribute::Encap(nlas), RouteAttribute::EncapType(kind)])
}

/// RTA_METRICS (keepalived's order) with the RTAX_LOCK bits of locked metrics.
fn metrics(r: &Route) -> Vec<RouteMetric> {
    let o = &r.options;
    let mut v = Vec::new();
    let mut lock = 0u32;
    let mut locked = |m: &Metric, rtax: u32| {
        if m.lock {
            lock |= 1 << rtax;
        }
        m.value
    };
    if let Some(cc) = &o.congctl {
        v.push(RouteMetric::CcAlgo(cc.clone()));
    }
    if o.congctl_lock {
        locked(&Metric { value: 0, lock: true }, RTAX_CC_ALGO);
    }
    if let Some(m) = &o.rtt {
        v.push(RouteMetric::Rtt(locked(m, RTAX_RTT)));
    }
    if let Some(m) = &o.rttvar {
        v.push(RouteMetric::RttVar(locked(m, RTAX_RTTVAR)));
    }
    if let Some(m) = &o.rto_min {
        v.push(RouteMetric::RtoMin(locked(m, RTAX_RTO_MIN)));
    }
    if o.features_ecn {
        v.push(RouteMetric::Features(RTAX_FEATURE_ECN));
    }
    if let Some(m) = &o.mtu {
        v.push(RouteMetric::Mtu(locked(m, RTAX_MTU)));
    }
    if let Some(w) = o.window {
        v.push(RouteMetric::Window(w));
    }
    if let Some(m) = &o.ssthresh {
        v.push(RouteMetric::SsThresh(locked(m, RTAX_SSTHRESH)));
    }
    if let Some(m) = &o.cwnd {
        v.push(RouteMetric::Cwnd(locked(m, RTAX_CWND)));
    }
    if let Some(m) = &o.advmss {
        v.push(RouteMetric::Advmss(locked(m, RTAX_ADVMSS)));
    }
    if let Some(m) = &o.reordering {
        v.push(RouteMetric::Reordering(locked(m, RTAX_REORDERING)));
    }
    if let Some(h) = o.hoplimit {
        v.push(RouteMetric::Hoplimit(u32::from(h)));
    }
    if let Some(n) = o.initcwnd {
        v.push(RouteMetric::InitCwnd(n));
    }
    if let Some(n) = o.initrwnd {
        v.push(RouteMetric::InitRwnd(n));
    }
    if let Some(q) = o.quickack {
        v.push(RouteMetric::QuickAck(q));
    }
    if let Some(f) = o.fastopen_no_cookie {
        v.push(RouteMetric::FastopenNoCookie(u32::from(f)));
    }
    if !v.is_empty() && lock != 0 {
        v.push(RouteMetric::Lock(lock));
    }
    v
}

/// The message keepalived's `netlink_route()` sends for `r`, with interface names resolved by
/// `resolve`.
pub fn route_message(r: &Route, cmd: RouteCmd, resolve: &dyn Fn(&str) -> Option<u32>) -> Result<RouteMessage> {
    if r.family != 4 && r.family != 6 {
        return Err(Error::Unsupported(format!("route family {}", r.family)));
    }
    let ifindex = |name: &str| resolve(name).ok_or_else(|| Error::NoInterface(name.to_string()));
    let table = r.table.unwrap_or(RT_TABLE_MAIN);
    let mut m = RouteMessage::default();
    let mut h = RouteHeader {
        address_family: family_of(r),
        ..Default::default()
    };
    let attrs = &mut m.attributes;
    if table < 256 {
        h.table = table as u8;
    } else {
        h.table = RouteHeader::RT_TABLE_UNSPEC;
        attrs.push(RouteAttribute::Table(table));
    }
    let (scope, kind) = match cmd {
        RouteCmd::Del => (RT_SCOPE_NOWHERE, r.route_type.map(|t| t.0).unwrap_or(0)),
        _ => (
            RT_SCOPE_UNIVERSE,
            r.route_type.map(|t| t.0).unwrap_or(ModelRouteType::UNICAST),
        ),
    };
    h.kind = RouteType::from(kind);
    h.protocol = RouteProtocol::from(r.protocol.unwrap_or(RTPROT_KEEPALIVED));
    h.scope = RouteScope::from(r.scope.map(|s| s.number()).unwrap_or(scope));
    if let Some((dst, len)) = r.dst {
        check_family(r, &dst, "destination")?;
        h.destination_prefix_length = len;
        attrs.push(RouteAttribute::Destination(RouteAddress::from(dst)));
    }
    if let Some((src, len)) = r.src {
        check_family(r, &src, "from")?;
        h.source_prefix_length = len;
        attrs.push(RouteAttribute::Source(RouteAddress::from(src)));
    }
    if let Some(ps) = r.pref_src {
        check_family(r, &ps, "src")?;
        attrs.push(RouteAttribute::PrefSource(RouteAddress::from(ps)));
    }
    if let Some(via) = r.via {
        attrs.push(gateway(r, via));
    }
    if let Some(e) = &r.options.encap {
        attrs.extend(encap_attrs(e)?);
    }
    if let Some(tos) = r.options.tos {
        h.tos = tos;
    }
    if let Some(dev) = &r.dev {
        attrs.push(RouteAttribute::Oif(ifindex(dev)?));
    }
    if let Some(metric) = r.metric {
        attrs.push(RouteAttribute::Priority(metric));
    }
    if r.options.onlink {
        h.flags = RouteFlags::from_bits_retain(RTNH_F_ONLINK);
    }
    if r.options.realms != 0 {
        attrs.push(RouteAttribute::Realm(realm(r.options.realms)));
    }
    if let Some(exp) = r.options.expires {
        attrs.push(RouteAttribute::Expires(exp));
    }
    if let Some(p) = r.options.pref {
        attrs.push(RouteAttribute::Preference(RoutePreference::from(p)));
    }
    if let Some(t) = r.options.ttl_propagate {
        attrs.push(RouteAttribute::TtlPropagate(RouteMplsTtlPropagation::from(u8::from(t))));
    }
    let mx = metrics(r);
    if !mx.is_empty() {
        attrs.push(RouteAttribute::Metrics(mx));
    }
    if !r.nexthops.is_empty() {
        let mut hops = Vec::new();
        for nh in &r.nexthops {
            let mut hop = RouteNextHop::default();
            if let Some(via) = nh.via {
                hop.attributes.push(gateway(r, via));
            }
            if let Some(dev) = &nh.dev {
                hop.interface_index = ifindex(dev)?;
            }
            if let Some(w) = nh.weight {
                // keepalived stores weight - 1 in rtnh_hops (weights are 1..256).
                hop.hops = w.saturating_sub(1).min(255) as u8;
            }
            if nh.onlink {
                hop.flags = RouteNextHopFlags::from_bits_retain(RTNH_F_ONLINK as u8);
            }
            if nh.realms != 0 {
                hop.attributes.push(RouteAttribute::Realm(realm(nh.realms)));
            }
            if let Some(e) = &nh.encap {
                hop.attributes.extend(encap_attrs(e)?);
            }
            hops.push(hop);
        }
        attrs.push(RouteAttribute::MultiPath(hops));
    }
    m.header = h;
    Ok(m)
}

/// The NLM_F_* flags of an add: keepalived adds with NLM_F_CREATE only (`ip route prepend`)
/// unless the route says `add` (NLM_F_EXCL) or `append` (NLM_F_APPEND).
pub fn add_flags(r: &Route, cmd: RouteCmd) -> u16 {
    match cmd {
        RouteCmd::Del => 0,
        RouteCmd::Replace => NLM_F_CREATE | netlink_packet_core::NLM_F_REPLACE,
        RouteCmd::Add => match r.options.mode {
            RouteMode::Prepend => NLM_F_CREATE,
            RouteMode::Add => NLM_F_CREATE | NLM_F_EXCL,
            RouteMode::Append => NLM_F_CREATE | NLM_F_APPEND,
        },
    }
}

impl Netlink {
    /// Runs `cmd` for `r`. EEXIST on an add is success, as in keepalived's
    /// `netlink_parse_info()`.
    pub async fn route(&self, r: &Route, cmd: RouteCmd, resolve: impl Fn(&str) -> Option<u32>) -> Result<()> {
        let m = route_message(r, cmd, &resolve)?;
        let msg = match cmd {
            RouteCmd::Del => RouteNetlinkMessage::DelRoute(m),
            _ => RouteNetlinkMessage::NewRoute(m),
        };
        match self.request(msg, add_flags(r, cmd)).await {
            Err(e) if cmd != RouteCmd::Del && e.errno() == Some(super::EEXIST) => Ok(()),
            // A route with an expiry may have gone by itself (netlink_route()).
            Err(_) if cmd == RouteCmd::Del && r.options.expires.is_some() => Ok(()),
            res => res,
        }
    }

    /// Adds `r` (see [`Netlink::route`]).
    pub async fn add_route(&self, r: &Route, resolve: impl Fn(&str) -> Option<u32>) -> Result<()> {
        self.route(r, RouteCmd::Add, resolve).await
    }

    /// Deletes `r`. A route that is not there (ESRCH) is an error, except for routes with an
    /// `expires`, which may have gone by themselves (as in keepalived).
    pub async fn del_route(&self, r: &Route, resolve: impl Fn(&str) -> Option<u32>) -> Result<()> {
        self.route(r, RouteCmd::Del, resolve).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::net::{Nexthop, RouteType as RT};

    fn none(_: &str) -> Option<u32> {
        None
    }

    fn eth0(n: &str) -> Option<u32> {
        (n == "eth0").then_some(7)
    }

    /// netlink_route(): protocol keepalived by default; table >= 256 goes in RTA_TABLE; delete
    /// uses scope nowhere and sends the type only when configured.
    #[test]
    fn header_defaults() {
        let r = Route {
            family: 4,
            dst: Some(("10.0.0.0".parse().unwrap(), 8)),
            table: Some(1000),
            ..Route::default()
        };
        let m = route_message(&r, RouteCmd::Add, &none).unwrap();
        assert_eq!(m.header.protocol, RouteProtocol::from(RTPROT_KEEPALIVED));
        assert_eq!(m.header.table, 0);
        assert!(m.attributes.contains(&RouteAttribute::Table(1000)));
        assert_eq!(m.header.kind, RouteType::Unicast);
        assert_eq!(m.header.scope, RouteScope::Universe);
        let d = route_message(&r, RouteCmd::Del, &none).unwrap();
        assert_eq!(d.header.scope, RouteScope::NoWhere);
        assert_eq!(u8::from(d.header.kind), 0);
        let b = Route {
            route_type: Some(RT(RT::BLACKHOLE)),
            ..r
        };
        let d = route_message(&b, RouteCmd::Del, &none).unwrap();
        assert_eq!(d.header.kind, RouteType::BlackHole);
    }

    /// An interface that does not exist is an error naming it, not a panic.
    #[test]
    fn missing_interface() {
        let r = Route {
            family: 4,
            dev: Some("nope0".into()),
            ..Route::default()
        };
        assert_eq!(
            route_message(&r, RouteCmd::Add, &none).unwrap_err(),
            Error::NoInterface("nope0".into())
        );
    }

    /// add_nexthop(): weight - 1 in rtnh_hops, RTA_VIA for a gateway of the other family.
    #[test]
    fn nexthops() {
        let r = Route {
            family: 4,
            dst: Some(("10.3.0.0".parse().unwrap(), 16)),
            nexthops: vec![
                Nexthop {
                    via: Some("1.1.1.1".parse().unwrap()),
                    dev: Some("eth0".into()),
                    weight: Some(3),
                    onlink: true,
                    ..Nexthop::default()
                },
                Nexthop {
                    via: Some("fe80::1".parse().unwrap()),
                    ..Nexthop::default()
                },
            ],
            ..Route::default()
        };
        let m = route_message(&r, RouteCmd::Add, &eth0).unwrap();
        let hops = m
            .attributes
            .iter()
            .find_map(|a| match a {
                RouteAttribute::MultiPath(h) => Some(h.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(hops[0].hops, 2);
        assert_eq!(hops[0].interface_index, 7);
        assert!(hops[0].flags.contains(RouteNextHopFlags::Onlink));
        assert!(matches!(hops[1].attributes[0], RouteAttribute::Via(RouteVia::Inet6(_))));
    }

    /// Metrics carry the lock bits of locked ones (`mtu lock 1400`).
    #[test]
    fn metric_locks() {
        let mut r = Route {
            family: 4,
            ..Route::default()
        };
        r.options.mtu = Some(Metric {
            value: 1400,
            lock: true,
        });
        r.options.window = Some(5);
        let m = metrics(&r);
        assert_eq!(
            m,
            vec![
                RouteMetric::Mtu(1400),
                RouteMetric::Window(5),
                RouteMetric::Lock(1 << 2)
            ]
        );
    }

    /// The add flags: prepend (default) is NLM_F_CREATE alone.
    #[test]
    fn mode_flags() {
        let mut r = Route::default();
        assert_eq!(add_flags(&r, RouteCmd::Add), NLM_F_CREATE);
        r.options.mode = RouteMode::Add;
        assert_eq!(add_flags(&r, RouteCmd::Add), NLM_F_CREATE | NLM_F_EXCL);
        r.options.mode = RouteMode::Append;
        assert_eq!(add_flags(&r, RouteCmd::Add), NLM_F_CREATE | NLM_F_APPEND);
        assert_eq!(add_flags(&r, RouteCmd::Del), 0);
    }

    /// encap ip6 with an IPv4 destination is refused cleanly.
    #[test]
    fn encap_family_mismatch() {
        let e = Encap {
            kind: EncapKind::Ip6,
            dst: Some("1.2.3.4".parse().unwrap()),
            ..Encap::default()
        };
        assert!(matches!(encap_attrs(&e), Err(Error::Unsupported(_))));
    }
}
