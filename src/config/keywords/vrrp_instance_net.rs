//! `vrrp_instance` keywords about interfaces and addresses: `interface`, `vrf`, VMAC and ipvlan,
//! unicast peers and source addresses, and the address/route/rule lists.

use super::super::{if_get_dynamic, parse_sockaddr};
use super::track::{keep_missing, keep_missing_entry};
use super::{iname, inst, ist};
use crate::config::diag::Level;
use crate::config::model::vrrp::{ChecksumCompat, Family, Ipvlan, UnicastPeer};
use crate::config::netsyntax::{self, ListKind};
use crate::config::parser::{HResult, Parser, Words};
use crate::config::values::{self};
use std::net::IpAddr;

/// keepalived's `dev_name_valid()` (from the kernel).
pub(super) fn dev_name_valid(name: &str) -> bool {
    !name.is_empty()
        && name.len() < 16
        && name != "."
        && name != ".."
        && !name.bytes().any(|c| c == b'/' || c == b':' || c.is_ascii_whitespace())
}

/// Parses a `use_vmac` MAC address as keepalived does: 6 octets, or 5 (the VRID is the sixth).
pub(super) fn parse_vmac_mac(s: &str) -> Option<([u8; 6], bool)> {
    let mut mac = [0u8; 6];
    let parts: Vec<&str> = s.split(':').collect();
    let n = if parts.len() == 6 && parts[5].is_empty() {
        5
    } else {
        parts.len()
    };
    if !(n == 5 || n == 6) || parts.len() > 6 {
        return None;
    }
    for (j, part) in parts.iter().take(n).enumerate() {
        if part.is_empty() || part.len() > 2 {
            return None;
        }
        mac[j] = u8::from_str_radix(part, 16).ok()?;
    }
    Some((mac, n == 5))
}

pub(super) fn use_vmac(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = iname(p);
    let mut vmac = inst(p).vmac.take().unwrap_or_default();
    let mut mac_specified = vmac.mac.is_some();
    for i in 1..w.len().min(3) {
        let word = w.words[i].clone();
        if word.contains(':') {
            if mac_specified {
                p.report(Level::GeneralError, "VMAC interface address already specified");
                continue;
            }
            if word.bytes().any(|c| !(c.is_ascii_hexdigit() || c == b':')) {
                p.report(Level::GeneralError, format!("VMAC invalid MAC address {word}"));
                continue;
            }
            match parse_vmac_mac(&word) {
                None => p.report(
                    Level::GeneralError,
                    format!("VMAC invalid MAC address {word} - ignored"),
                ),
                Some((mac, _)) if mac[0] & 1 != 0 => p.report(
                    Level::GeneralError,
                    format!("VMAC MAC address is multicast {word} - ignoring"),
                ),
                Some((mac, _)) if mac[..4] == [0, 0, 0x5e, 0] && (mac[4] == 1 || mac[4] == 2) => p.report(
                    Level::GeneralError,
                    format!("VMAC MAC address not allowed to be RFC5798 address ({word}) - ignoring"),
                ),
                Some((mac, use_vrid)) => {
                    vmac.mac = Some(mac);
                    vmac.mac_use_vrid = use_vrid;
                    mac_specified = true;
                }
            }
        } else {
            if vmac.ifname.is_some() {
                p.report(Level::GeneralError, "VMAC interface name already specified");
                continue;
            }
            if !dev_name_valid(&word) {
                p.report(
                    Level::GeneralError,
                    format!("VMAC interface name '{word}' too long or invalid characters - ignoring"),
                );
                continue;
            }
            if name_taken(p, &name, &word) {
                continue;
            }
            // An existing interface of that name must be a private macvlan: we cannot tell the
            // type of a host interface, so we accept it (see doc/compatibility.md).
            vmac.ifname = Some(word);
        }
    }
    inst(p).vmac = Some(vmac);
    Ok(())
}

pub(super) fn use_vmac_addr(p: &mut Parser<'_>, _w: &Words) -> HResult {
    inst(p).use_vmac_addr = true;
    Ok(())
}

pub(super) fn vmac_xmit_base(p: &mut Parser<'_>, _w: &Words) -> HResult {
    inst(p).vmac_xmit_base = true;
    Ok(())
}

pub(super) fn use_ipvlan(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = iname(p);
    if inst(p).ipvlan.is_some() {
        p.report(Level::GeneralError, format!("({name}) use_ipvlan already specified"));
        return Ok(());
    }
    let mut ipv = Ipvlan {
        ifname: None,
        addr: None,
        mode: "bridge".to_string(),
    };
    let mut had_flags = false;
    for word in w.from(1).to_vec() {
        if matches!(word.as_str(), "bridge" | "private" | "vepa") {
            if had_flags {
                p.report(
                    Level::GeneralError,
                    format!("({name}) ipvlan type already specified - ignoring '{word}'"),
                );
            } else {
                ipv.mode = word.clone();
                had_flags = true;
            }
            continue;
        }
        if let Some((addr, pfx)) = parse_addr_prefix(p, &word) {
            if ipv.addr.is_some() {
                p.report(
                    Level::GeneralError,
                    format!("({name}) ipvlan address already specified - ignoring '{word}'"),
                );
                continue;
            }
            let fam = Family::of(&addr);
            let cur = ist(p).family;
            match cur {
                None => ist(p).family = Some(fam),
                Some(f) if f != fam => {
                    p.report(
                        Level::GeneralError,
                        format!("({name}) ipvlan address[{word}] MUST match vrrp instance family !!! Skipping..."),
                    );
                    continue;
                }
                _ => {}
            }
            ipv.addr = Some((addr, pfx));
            if inst(p).src_ip.is_none() {
                inst(p).src_ip = Some(addr);
            }
            continue;
        }
        if ipv.ifname.is_some() {
            p.report(
                Level::GeneralError,
                format!("({name}) IPVLAN interface already specified - ignoring '{word}'"),
            );
            continue;
        }
        if word.len() >= 16 {
            p.report(
                Level::GeneralError,
                format!("({name}) IPVLAN interface name '{word}' too long - ignoring"),
            );
            continue;
        }
        if name_taken(p, &name, &word) {
            continue;
        }
        ipv.ifname = Some(word);
    }
    inst(p).ipvlan = Some(ipv);
    Ok(())
}

/// keepalived's `check_valid_ipaddress(s, true)` + `parse_ipaddress(s, true)`: `ADDR[/PFX]`.
pub(super) fn parse_addr_prefix(p: &mut Parser<'_>, s: &str) -> Option<(IpAddr, u8)> {
    let (a, pfx) = match s.split_once('/') {
        Some((a, pfx)) => (a, Some(pfx)),
        None => (s, None),
    };
    let addr: IpAddr = if s.contains(':') {
        IpAddr::V6(a.parse().ok()?)
    } else {
        IpAddr::V4(a.parse().ok()?)
    };
    let max: u32 = if addr.is_ipv4() { 32 } else { 128 };
    let mut len = max as u8;
    if let Some(pf) = pfx {
        match values::read_unsigned(p, pf, 0, max, true) {
            Some(v) => len = v as u8,
            None => p.report(
                Level::GeneralError,
                format!("Invalid address prefix len {pf} for address {s} - using {max}"),
            ),
        }
    }
    Some((addr, len))
}

pub(super) fn unicast_peer(p: &mut Parser<'_>, w: &Words) -> HResult {
    inst(p).unicast_configured = true;
    p.value_block(w, alloc_unicast_peer);
    Ok(())
}

/// keepalived's `alloc_vrrp_unicast_peer()`.
pub(super) fn alloc_unicast_peer(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = iname(p);
    let first = w.get(0)?.to_string();
    let Some(addr) = parse_sockaddr(&first) else {
        p.report(
            Level::GeneralError,
            format!("Configuration error: VRRP instance[{name}] malformed unicast peer address[{first}]. Skipping..."),
        );
        return Ok(());
    };
    let fam = Family::of(&addr);
    match ist(p).family {
        None => ist(p).family = Some(fam),
        Some(f) if f != fam => {
            p.report(
                Level::GeneralError,
                format!(
                    "Configuration error: VRRP instance[{name}] and unicast peer address[{first}] MUST be of the same family !!! Skipping..."
                ),
            );
            return Ok(());
        }
        _ => {}
    }
    let mut peer = UnicastPeer {
        addr,
        min_ttl: 0,
        max_ttl: 255,
    };
    let mut i = 1;
    while i < w.len() {
        if i + 1 >= w.len() {
            p.report(
                Level::GeneralError,
                format!("({name}) {} is missing a value", w.words[i]),
            );
            break;
        }
        if let Some(ttl) = values::read_unsigned(p, &w.words[i + 1], 0, 255, false) {
            match w.words[i].as_str() {
                "min_ttl" => peer.min_ttl = ttl as u8,
                "max_ttl" => peer.max_ttl = ttl as u8,
                o => {
                    p.report(Level::GeneralError, format!("({name}) unknown unicast_peer option {o}"));
                    break;
                }
            }
            inst(p).check_unicast_src = true;
        }
        i += 2;
    }
    if peer.min_ttl > peer.max_ttl {
        p.report(
            Level::GeneralError,
            format!(
                "({name}) min_ttl {} > max_ttl {} - all packets will be discarded",
                peer.min_ttl, peer.max_ttl
            ),
        );
    }
    inst(p).unicast_peers.push(peer);
    Ok(())
}

pub(super) fn unicast_fault_no_peer(p: &mut Parser<'_>, _w: &Words) -> HResult {
    let i = inst(p);
    i.unicast_configured = true;
    i.unicast_fault_no_peer = true;
    Ok(())
}

pub(super) fn check_unicast_src(p: &mut Parser<'_>, _w: &Words) -> HResult {
    let i = inst(p);
    i.unicast_configured = true;
    i.check_unicast_src = true;
    Ok(())
}

pub(super) fn old_unicast_checksum(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = iname(p);
    inst(p).unicast_configured = true;
    match w.opt(1) {
        Some("never") => inst(p).old_unicast_checksum = ChecksumCompat::Never,
        Some(o) => p.report(
            Level::GeneralError,
            format!("({name}) Unknown old_unicast_chksum mode {o} - ignoring"),
        ),
        None => inst(p).old_unicast_checksum = ChecksumCompat::Config,
    }
    Ok(())
}

pub(super) fn native_ipv6(p: &mut Parser<'_>, _w: &Words) -> HResult {
    let name = iname(p);
    if ist(p).family == Some(Family::V4) {
        p.report(
            Level::GeneralError,
            format!("({name}) Cannot specify native_ipv6 with IPv4 addresses"),
        );
        return Ok(());
    }
    ist(p).family = Some(Family::V6);
    ist(p).version = 3;
    inst(p).native_ipv6 = true;
    Ok(())
}

pub(super) fn interface(p: &mut Parser<'_>, w: &Words) -> HResult {
    let ifname = w.get(1)?.to_string();
    let name = iname(p);
    if ifname.len() >= 16 {
        p.report(
            Level::GeneralError,
            format!("Interface name '{ifname}' too long - ignoring"),
        );
        return Ok(());
    }
    let exists = p.sys.interface_exists(&ifname);
    if !if_get_dynamic(p, &ifname) {
        p.report(
            Level::GeneralError,
            format!("WARNING - interface {ifname} for vrrp_instance {name} doesn't exist"),
        );
        keep_missing(p, None, vec!["interface".into(), ifname]);
        inst(p).interface = None;
        ist(p).if_exists = false;
        return Ok(());
    }
    if ifname == "lo" {
        p.report(
            Level::GeneralError,
            format!("({name}) cannot use a loopback interface ({ifname}) for vrrp - ignoring"),
        );
        inst(p).interface = None;
        ist(p).if_exists = false;
        return Ok(());
    }
    inst(p).interface = Some(ifname);
    ist(p).if_exists = exists;
    Ok(())
}

pub(super) fn vrf(p: &mut Parser<'_>, w: &Words) -> HResult {
    let ifname = w.get(1)?.to_string();
    let name = iname(p);
    if ifname.len() >= 16 {
        p.report(
            Level::GeneralError,
            format!("({name}) VRF interface name '{ifname}' too long - ignoring"),
        );
        return Ok(());
    }
    if inst(p).interface.is_some() {
        p.report(
            Level::GeneralError,
            format!("({name}) Cannot specify VRF interface and interface - ignoring"),
        );
        return Ok(());
    }
    if let Some(v) = inst(p).vrf.clone() {
        p.report(
            Level::GeneralError,
            format!("({name}) VRF interface already specified as '{v}' - ignoring"),
        );
        return Ok(());
    }
    if !if_get_dynamic(p, &ifname) {
        p.report(
            Level::GeneralError,
            format!("({name}) WARNING - VRF interface {ifname} doesn't exist"),
        );
        keep_missing(p, None, vec!["vrf".into(), ifname]);
        return Ok(());
    }
    if ifname == "lo" {
        p.report(
            Level::GeneralError,
            format!("({name}) cannot use a loopback interface ({ifname}) for VRF - ignoring"),
        );
        return Ok(());
    }
    inst(p).vrf = Some(ifname);
    Ok(())
}

pub(super) fn linkbeat_use_polling(p: &mut Parser<'_>, _w: &Words) -> HResult {
    let name = iname(p);
    inst(p).linkbeat_use_polling = true;
    p.report(
        Level::GeneralError,
        format!("({name}) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block"),
    );
    Ok(())
}

/// keepalived's `vrrp_srcip_handler()` (`mcast_src_ip`, and `unicast_src_ip` after it marks
/// unicast).
pub(super) fn srcip(p: &mut Parser<'_>, w: &Words) -> HResult {
    let word = w.get(1)?.to_string();
    let name = iname(p);
    let Some(addr) = parse_sockaddr(&word) else {
        p.report(
            Level::GeneralError,
            format!("Configuration error: VRRP instance[{name}] malformed src address[{word}]. Skipping..."),
        );
        return Ok(());
    };
    let fam = Family::of(&addr);
    match ist(p).family {
        None => ist(p).family = Some(fam),
        Some(f) if f != fam => {
            p.report(
                Level::GeneralError,
                format!(
                    "Configuration error: VRRP instance[{name}] and src address[{word}] MUST be of the same family !!! Skipping..."
                ),
            );
            inst(p).src_ip = None;
            return Ok(());
        }
        _ => {}
    }
    inst(p).src_ip = Some(addr);
    Ok(())
}

pub(super) fn unicast_src_ip(p: &mut Parser<'_>, w: &Words) -> HResult {
    inst(p).unicast_configured = true;
    srcip(p, w)
}

pub(super) fn mcast_dst_ip(p: &mut Parser<'_>, w: &Words) -> HResult {
    let word = w.get(1)?.to_string();
    let name = iname(p);
    let Some(addr) = parse_sockaddr(&word) else {
        p.report(
            Level::GeneralError,
            format!("({name}) malformed mcast dest address {word}. Skipping..."),
        );
        return Ok(());
    };
    let fam = Family::of(&addr);
    let mut keep = true;
    match ist(p).family {
        None => ist(p).family = Some(fam),
        Some(f) if f != fam => {
            p.report(
                Level::GeneralError,
                format!("({name}) mcast dest address {word} MUST match VRRP instance family. Skipping..."),
            );
            keep = false;
        }
        _ => {}
    }
    if keep {
        let multicast = match addr {
            IpAddr::V4(a) => a.is_multicast(),
            IpAddr::V6(a) => a.segments()[0] & 0xff0f == 0xff02,
        };
        if !multicast {
            let ll = if addr.is_ipv6() { " link-local" } else { "" };
            p.report(
                Level::GeneralError,
                format!("({name}) mcast_dst_ip {word} not{ll} multicast. Skipping..."),
            );
            keep = false;
        }
    }
    inst(p).mcast_dst_ip = if keep { Some(addr) } else { None };
    Ok(())
}

pub(super) fn track_src_ip(p: &mut Parser<'_>, _w: &Words) -> HResult {
    inst(p).track_src_ip = true;
    Ok(())
}

pub(super) fn unicast_ttl(p: &mut Parser<'_>, w: &Words) -> HResult {
    let word = w.get(1)?.to_string();
    let name = iname(p);
    match values::read_unsigned(p, &word, 0, 255, false) {
        Some(v) => ist(p).ttl = Some(v as u8),
        None => p.report(
            Level::GeneralError,
            format!("({name}): TTL '{word}' not valid - must be between 0 & 255"),
        ),
    }
    Ok(())
}

/// keepalived's `alloc_vrrp_vip()`: the address family of the list must match the instance's.
pub(super) fn alloc_vip(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = iname(p);
    let mut list = std::mem::take(&mut inst(p).vips);
    let before = list.len();
    netsyntax::alloc_ipaddress(p, &mut list, w, false);
    if list.len() > before {
        // keepalived looks at the last address added (a line adds at most one here).
        let fam = Family::of(&list[list.len() - 1].addr);
        match ist(p).family {
            None => ist(p).family = Some(fam),
            Some(f) if f != fam => {
                p.report(
                    Level::GeneralError,
                    format!(
                        "({name}): address family must match VRRP instance [{}] - ignoring",
                        w.words.first().cloned().unwrap_or_default()
                    ),
                );
                list.pop();
            }
            _ => {}
        }
    }
    inst(p).vips = list;
    keep_missing_entry(p, ListKind::Address, "virtual_ipaddress", w);
    Ok(())
}

pub(super) fn virtual_ipaddress(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.value_block(w, alloc_vip);
    Ok(())
}

pub(super) fn virtual_ipaddress_excluded(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.value_block(w, |p, line| {
        let mut list = std::mem::take(&mut inst(p).evips);
        netsyntax::alloc_ipaddress(p, &mut list, line, false);
        inst(p).evips = list;
        keep_missing_entry(p, ListKind::Address, "virtual_ipaddress_excluded", line);
        Ok(())
    });
    Ok(())
}

pub(super) fn promote_secondaries(p: &mut Parser<'_>, _w: &Words) -> HResult {
    inst(p).promote_secondaries = true;
    Ok(())
}

pub(super) fn virtual_routes(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.value_block(w, |p, line| {
        let mut list = std::mem::take(&mut inst(p).vroutes);
        netsyntax::alloc_route(p, &mut list, line, false);
        inst(p).vroutes = list;
        keep_missing_entry(p, ListKind::Route, "virtual_routes", line);
        Ok(())
    });
    Ok(())
}

pub(super) fn virtual_rules(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.value_block(w, |p, line| {
        let mut list = std::mem::take(&mut inst(p).vrules);
        netsyntax::alloc_rule(p, &mut list, line, false);
        inst(p).vrules = list;
        keep_missing_entry(p, ListKind::Rule, "virtual_rules", line);
        Ok(())
    });
    Ok(())
}

/// Whether another instance already uses `word` as its VMAC or ipvlan name (reported as
/// keepalived reports it).
fn name_taken(p: &mut Parser<'_>, name: &str, word: &str) -> bool {
    let other = p.b.cfg.vrrp.instances.iter().find(|o| {
        o.vmac.as_ref().and_then(|v| v.ifname.as_deref()) == Some(word)
            || o.ipvlan.as_ref().and_then(|v| v.ifname.as_deref()) == Some(word)
    });
    let Some(o) = other else { return false };
    let m = format!(
        "({name}) VRRP instance {} is already using {word} - ignoring name",
        o.name
    );
    p.report(Level::GeneralError, m);
    true
}
