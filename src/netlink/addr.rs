//! Adding and deleting addresses as keepalived's `netlink_ipaddress()` does
//! (`keepalived/vrrp/vrrp_ipaddress.c`), and the start-up removal of VIPs left over from a
//! previous run (`vrrp_restore_interfaces_startup()`).

use std::net::{IpAddr, Ipv4Addr};

use netlink_packet_core::{NLM_F_CREATE, NLM_F_EXCL};
use netlink_packet_route::AddressFamily;
use netlink_packet_route::RouteNetlinkMessage;
use netlink_packet_route::address::{AddressAttribute, AddressFlags, AddressMessage, AddressScope, CacheInfo};

use super::{EADDRNOTAVAIL, EEXIST, ENODEV, Error, Netlink, Result};
use crate::config::model::net::{Broadcast, IFA_F_NODAD, INFINITY_LIFE_TIME, IpAddress};
use crate::config::model::vrrp::{Family, VrrpInstance};
use crate::vrrp::event::vmac_name;

/// The broadcast address keepalived gives an IPv4 address, if any: an explicit one (0.0.0.0
/// meaning none), or `brd +` / `brd -` computed from the peer (else the address) for prefixes
/// up to /30, as keepalived's `parse_ipaddress()` does. IPv6 addresses have none.
pub fn broadcast(a: &IpAddress) -> Option<Ipv4Addr> {
    let IpAddr::V4(addr) = a.addr else { return None };
    let computed = |plus: bool| {
        if a.prefix_len > 30 {
            return None;
        }
        let base = match a.peer {
            Some(IpAddr::V4(p)) => p,
            _ => addr,
        };
        let host = u32::MAX >> a.prefix_len;
        let b = u32::from(base);
        Some(Ipv4Addr::from(if plus { b | host } else { b & !host }))
    };
    match a.broadcast {
        Broadcast::None => None,
        Broadcast::Addr(b) if b.is_unspecified() => None,
        Broadcast::Addr(b) => Some(b),
        Broadcast::Plus => computed(true),
        Broadcast::Minus => computed(false),
    }
}

/// The IFA_F_* flags keepalived adds an address with: the configured ones, plus IFA_F_NODAD on
/// IPv6 unless `-nodad` was given.
pub fn add_flags(a: &IpAddress) -> u32 {
    let mut flags = a.flags;
    if a.is_ipv6() && a.flagmask & IFA_F_NODAD == 0 {
        flags |= IFA_F_NODAD;
    }
    flags
}

fn header(a: &IpAddress, ifindex: u32) -> AddressMessage {
    let mut m = AddressMessage::default();
    m.header.family = if a.is_ipv6() {
        AddressFamily::Inet6
    } else {
        AddressFamily::Inet
    };
    m.header.prefix_len = a.prefix_len;
    m.header.scope = AddressScope::from(a.scope.number());
    m.header.index = ifindex;
    m
}

/// The RTM_NEWADDR message keepalived sends for `a` on `ifindex`.
pub fn add_message(a: &IpAddress, ifindex: u32) -> AddressMessage {
    let mut m = header(a, ifindex);
    let attrs = &mut m.attributes;
    if a.is_ipv6() {
        // A preferred_lft of 0 deprecates the address, so it is not picked as a source.
        let lft = a.preferred_lft.unwrap_or(INFINITY_LIFE_TIME);
        if lft != INFINITY_LIFE_TIME {
            let mut ci = CacheInfo::default();
            ci.ifa_preferred = lft;
            ci.ifa_valid = INFINITY_LIFE_TIME;
            attrs.push(AddressAttribute::CacheInfo(ci));
        }
        attrs.push(AddressAttribute::Local(a.addr));
    } else {
        attrs.push(AddressAttribute::Local(a.addr));
        if let Some(b) = broadcast(a) {
            attrs.push(AddressAttribute::Broadcast(b));
        }
    }
    let flags = add_flags(a);
    if flags != 0 {
        attrs.push(AddressAttribute::Flags(AddressFlags::from_bits_retain(flags)));
    }
    if let (Some(label), false) = (&a.label, a.is_ipv6()) {
        attrs.push(AddressAttribute::Label(label.clone()));
    }
    if let Some(peer) = a.peer {
        attrs.push(AddressAttribute::Address(peer));
    }
    m
}

/// The RTM_DELADDR message for `a` on `ifindex`. keepalived puts the address itself in
/// IFA_ADDRESS for IPv4, which the kernel never matches against an address with a /32 peer
/// (its IFA_ADDRESS is the peer), leaving such addresses behind; the peer is sent instead.
pub fn del_message(a: &IpAddress, ifindex: u32) -> AddressMessage {
    let mut m = header(a, ifindex);
    m.attributes.push(AddressAttribute::Local(a.addr));
    if !a.is_ipv6() {
        m.attributes.push(AddressAttribute::Address(a.peer.unwrap_or(a.addr)));
    }
    m
}

impl Netlink {
    /// Adds `a` to the interface `ifindex`. An address already there is success, as in
    /// keepalived (`netlink_parse_info()` treats EEXIST on RTM_NEWADDR as done).
    pub async fn add_address(&self, a: &IpAddress, ifindex: u32) -> Result<()> {
        if a.peer.is_some_and(|p| p.is_ipv6() != a.is_ipv6()) {
            return Err(Error::Unsupported(format!("peer of another family for {}", a.addr)));
        }
        let msg = RouteNetlinkMessage::NewAddress(add_message(a, ifindex));
        match self.request(msg, NLM_F_CREATE | NLM_F_EXCL).await {
            Err(e) if e.errno() == Some(EEXIST) => Ok(()),
            r => r,
        }
    }

    /// Deletes `a` from the interface `ifindex`. An address that is not there (EADDRNOTAVAIL)
    /// or an interface that has gone (ENODEV) is success.
    pub async fn del_address(&self, a: &IpAddress, ifindex: u32) -> Result<()> {
        let msg = RouteNetlinkMessage::DelAddress(del_message(a, ifindex));
        match self.request(msg, 0).await {
            Err(e) if matches!(e.errno(), Some(EADDRNOTAVAIL | ENODEV)) => Ok(()),
            r => r,
        }
    }

    /// Removes addresses a previous run may have left: keepalived deletes every VIP and eVIP of
    /// each instance whose interface already existed at start (`vrrp_restore_interface(vrrp,
    /// false, true)` from `vrrp_restore_interfaces_startup()`), ignoring absent ones.
    /// `resolve` gives the ifindex an address lives on (see [`vip_device`]); addresses whose
    /// interface does not exist are skipped. Returns the unexpected failures.
    pub async fn remove_stale(&self, addrs: &[IpAddress], resolve: impl Fn(&IpAddress) -> Option<u32>) -> Vec<Error> {
        let mut errors = Vec::new();
        for a in addrs {
            let Some(ifindex) = resolve(a) else { continue };
            if let Err(e) = self.del_address(a, ifindex).await {
                errors.push(e);
            }
        }
        errors
    }
}

/// The interface a VIP or eVIP of `inst` is put on: the instance's VMAC for an address of the
/// instance's family on its own interface, otherwise the address's `dev` (which validation
/// fills with the instance interface). Addresses with their own `use_vmac` live on a VMAC the
/// daemon creates for them and are not resolved here.
pub fn vip_device(inst: &VrrpInstance, a: &IpAddress) -> Option<String> {
    let on_own = a.dev.is_none() || a.dev == inst.interface;
    if on_own && inst.vmac.is_some() && Family::of(&a.addr) == inst.family {
        return Some(vmac_name(inst));
    }
    a.dev.clone().or_else(|| inst.interface.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::Origin;
    use crate::config::model::net::{IFA_F_NOPREFIXROUTE, Scope};

    fn v4(s: &str, p: u8) -> IpAddress {
        IpAddress::new(s.parse().unwrap(), p, Origin::default())
    }

    /// `brd +` / `brd -` as parse_ipaddress() computes them: from the peer when there is one,
    /// only up to /30.
    #[test]
    fn broadcast_forms() {
        let mut a = v4("192.168.1.10", 24);
        assert_eq!(broadcast(&a), None);
        a.broadcast = Broadcast::Plus;
        assert_eq!(broadcast(&a), Some("192.168.1.255".parse().unwrap()));
        a.broadcast = Broadcast::Minus;
        assert_eq!(broadcast(&a), Some("192.168.1.0".parse().unwrap()));
        a.peer = Some("10.0.0.5".parse().unwrap());
        a.broadcast = Broadcast::Plus;
        assert_eq!(broadcast(&a), Some("10.0.0.255".parse().unwrap()));
        let mut b = v4("192.168.1.10", 31);
        b.broadcast = Broadcast::Plus;
        assert_eq!(broadcast(&b), None);
        b.broadcast = Broadcast::Addr(Ipv4Addr::UNSPECIFIED);
        assert_eq!(broadcast(&b), None);
        b.broadcast = Broadcast::Addr("1.2.3.4".parse().unwrap());
        assert_eq!(broadcast(&b), Some("1.2.3.4".parse().unwrap()));
    }

    /// netlink_ipaddress(): IPv6 gets IFA_F_NODAD unless `-nodad` is in the flagmask; IPv4
    /// never does.
    #[test]
    fn nodad_rule() {
        let mut a = IpAddress::new("2001:db8::1".parse().unwrap(), 64, Origin::default());
        assert_eq!(add_flags(&a), IFA_F_NODAD);
        a.flagmask = IFA_F_NODAD;
        assert_eq!(add_flags(&a), 0);
        let mut b = v4("10.0.0.1", 32);
        b.flags = IFA_F_NOPREFIXROUTE;
        b.flagmask = IFA_F_NOPREFIXROUTE;
        assert_eq!(add_flags(&b), IFA_F_NOPREFIXROUTE);
    }

    /// No automatic IFA_BROADCAST (rtnetlink's builder adds one), IFA_LOCAL = address,
    /// IFA_ADDRESS = peer, label for IPv4 only.
    #[test]
    fn add_message_attributes() {
        let mut a = v4("10.1.1.1", 24);
        a.label = Some("eth0:1".into());
        a.scope = Scope::Link;
        let m = add_message(&a, 3);
        assert_eq!(m.header.index, 3);
        assert_eq!(m.header.scope, AddressScope::Link);
        assert_eq!(
            m.attributes,
            vec![
                AddressAttribute::Local("10.1.1.1".parse().unwrap()),
                AddressAttribute::Label("eth0:1".into())
            ]
        );
        a.peer = Some("10.9.9.9".parse().unwrap());
        let m = add_message(&a, 3);
        assert!(
            m.attributes
                .contains(&AddressAttribute::Address("10.9.9.9".parse().unwrap()))
        );
        let d = del_message(&a, 3);
        assert_eq!(
            d.attributes,
            vec![
                AddressAttribute::Local("10.1.1.1".parse().unwrap()),
                AddressAttribute::Address("10.9.9.9".parse().unwrap())
            ]
        );
    }

    /// IPv6 preferred_lft: a finite value becomes IFA_CACHEINFO with an infinite valid time.
    #[test]
    fn preferred_lft_cacheinfo() {
        let mut a = IpAddress::new("2001:db8::5".parse().unwrap(), 128, Origin::default());
        a.preferred_lft = Some(0);
        let m = add_message(&a, 1);
        let ci = m.attributes.iter().find_map(|x| match x {
            AddressAttribute::CacheInfo(c) => Some(*c),
            _ => None,
        });
        let ci = ci.expect("cacheinfo");
        assert_eq!((ci.ifa_preferred, ci.ifa_valid), (0, INFINITY_LIFE_TIME));
        a.preferred_lft = Some(INFINITY_LIFE_TIME);
        let m = add_message(&a, 1);
        assert!(!m.attributes.iter().any(|x| matches!(x, AddressAttribute::CacheInfo(_))));
    }
}
