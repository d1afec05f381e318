//! `vrrp_instance NAME { ... }` and its `authentication { }` sub-block (keepalived's
//! `vrrp_handler()` and the instance keyword handlers of `vrrp_parser.c`).

use std::net::IpAddr;

use super::{InstanceState, TrackKind, bool_opt, if_get_dynamic, notify_script, parse_sockaddr};
use crate::config::diag::Level;
use crate::config::model::vrrp::{AuthType, ChecksumCompat, Family, Ipvlan, UnicastPeer, VrrpInstance, VrrpState};
use crate::config::model::{Origin, Script};
use crate::config::netsyntax::{self, ListKind};
use crate::config::parser::{Block, HResult, Keyword, Parser, Words, kw, kw_block};
use crate::config::values::{self, TIMER_HZ};

/// A fresh instance with keepalived's `alloc_vrrp()` defaults (the GARP settings come from the
/// global settings read so far, as in keepalived).
fn new_instance(p: &Parser<'_>, name: &str) -> VrrpInstance {
    let g = &p.b.cfg.global;
    VrrpInstance {
        name: name.to_string(),
        state: VrrpState::Backup,
        interface: None,
        vrf: None,
        dont_track_primary: false,
        vrid: 0,
        priority: 0,
        advert_int: 0,
        version: 0,
        family: Family::V4,
        native_ipv6: false,
        auth_type: AuthType::None,
        auth_pass: None,
        vips: Vec::new(),
        evips: Vec::new(),
        vroutes: Vec::new(),
        vrules: Vec::new(),
        track_interfaces: Vec::new(),
        track_scripts: Vec::new(),
        track_files: Vec::new(),
        track_processes: Vec::new(),
        track_bfds: Vec::new(),
        src_ip: None,
        track_src_ip: false,
        unicast_configured: false,
        unicast_peers: Vec::new(),
        unicast_ttl: None,
        unicast_fault_no_peer: false,
        check_unicast_src: false,
        old_unicast_checksum: ChecksumCompat::None,
        mcast_dst_ip: None,
        nopreempt: false,
        preempt_delay: 0,
        accept: true,
        strict_mode: false,
        skip_check_adv_addr: g.vrrp_skip_check_adv_addr,
        garp_master_delay: g.vrrp_garp_master_delay,
        garp_master_repeat: g.vrrp_garp_master_repeat,
        garp_master_refresh: g.vrrp_garp_master_refresh,
        garp_master_refresh_repeat: g.vrrp_garp_master_refresh_repeat,
        garp_lower_prio_delay: 0,
        garp_lower_prio_repeat: 0,
        garp_extra_if: 0,
        garp_extra_if_all: false,
        down_timer_adverts: g.vrrp_down_timer_adverts,
        lower_prio_no_advert: false,
        higher_prio_send_advert: false,
        notify_backup: None,
        notify_master: None,
        notify_fault: None,
        notify_stop: None,
        notify_deleted: false,
        notify_deleted_script: None,
        notify: None,
        notify_master_rx_lower_pri: None,
        notify_priority_changes: false,
        smtp_alert: false,
        vmac: None,
        use_vmac_addr: false,
        vmac_xmit_base: false,
        ipvlan: None,
        promote_secondaries: false,
        linkbeat_use_polling: false,
        kernel_rx_buf_size: 0,
        debug: 0,
        sync_group: None,
        config_faults: 0,
        missing_interface_lines: Vec::new(),
        origin: Origin(p.loc()),
    }
}

/// The instance being configured (keepalived's `list_last_entry(&vrrp_data->vrrp)`).
fn inst<'a>(p: &'a mut Parser<'_>) -> &'a mut VrrpInstance {
    p.b.cfg
        .vrrp
        .instances
        .last_mut()
        .expect("instance keywords run only inside a vrrp_instance")
}

fn ist<'a>(p: &'a mut Parser<'_>) -> &'a mut InstanceState {
    p.b.vrrp.inst.last_mut().expect("instance state")
}

fn iname(p: &Parser<'_>) -> String {
    p.b.cfg
        .vrrp
        .instances
        .last()
        .map(|i| i.name.clone())
        .unwrap_or_default()
}

/// `vrrp_instance NAME`.
pub fn vrrp_instance(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.b.vrrp.have_vrrp_config = true;
    if w.len() != 2 {
        p.report(Level::GeneralError, "vrrp_instance must have a name");
        p.skip_block(true);
        return Ok(());
    }
    let name = w.words[1].clone();
    if !p.b.vrrp.instance_names.insert(name.clone()) {
        p.report(Level::GeneralError, format!("vrrp instance {name} already defined"));
        p.skip_block(true);
        return Ok(());
    }
    let i = new_instance(p, &name);
    p.b.cfg.vrrp.instances.push(i);
    let line = p.loc();
    p.b.vrrp.inst.push(InstanceState {
        line,
        ..InstanceState::default()
    });
    Ok(())
}

/// keepalived's `vrrp_end_handler()`.
fn vrrp_instance_end(p: &mut Parser<'_>) {
    let name = iname(p);
    let has_if = inst(p).interface.is_some();
    let i = inst(p);
    if i.unicast_configured && (i.vmac.is_some() || i.ipvlan.is_some()) {
        if !has_if {
            p.report(
                Level::GeneralError,
                format!("({name}): Cannot use VMAC/ipvlan with unicast and no interface - clearing use_vmac"),
            );
            let i = inst(p);
            i.vmac = None;
            i.ipvlan = None;
        } else if !i.vmac_xmit_base {
            p.report(
                Level::GeneralError,
                format!("({name}) unicast with use_vmac requires vmac_xmit_base - setting"),
            );
            inst(p).vmac_xmit_base = true;
        }
    }
    if inst(p).unicast_peers.is_empty() && ist(p).ttl.is_some() {
        p.report(
            Level::GeneralError,
            format!("({name}): Cannot use unicast_ttl without unicast peers - resetting"),
        );
        // keepalived sets 0 here; the TTL only matters with peers, so we drop it.
        ist(p).ttl = None;
    }
    if !has_if {
        inst(p).linkbeat_use_polling = false;
    }
}

/// keepalived's `dev_name_valid()` (from the kernel).
fn dev_name_valid(name: &str) -> bool {
    !name.is_empty()
        && name.len() < 16
        && name != "."
        && name != ".."
        && !name.bytes().any(|c| c == b'/' || c == b':' || c.is_ascii_whitespace())
}

/// Parses a `use_vmac` MAC address as keepalived does: 6 octets, or 5 (the VRID is the sixth).
fn parse_vmac_mac(s: &str) -> Option<([u8; 6], bool)> {
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

fn use_vmac(p: &mut Parser<'_>, w: &Words) -> HResult {
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
            let other = p.b.cfg.vrrp.instances.iter().find(|o| {
                o.vmac.as_ref().and_then(|v| v.ifname.as_deref()) == Some(word.as_str())
                    || o.ipvlan.as_ref().and_then(|v| v.ifname.as_deref()) == Some(word.as_str())
            });
            if let Some(o) = other {
                let m = format!(
                    "({name}) VRRP instance {} is already using {word} - ignoring name",
                    o.name
                );
                p.report(Level::GeneralError, m);
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

fn use_vmac_addr(p: &mut Parser<'_>, _w: &Words) -> HResult {
    inst(p).use_vmac_addr = true;
    Ok(())
}

fn vmac_xmit_base(p: &mut Parser<'_>, _w: &Words) -> HResult {
    inst(p).vmac_xmit_base = true;
    Ok(())
}

fn use_ipvlan(p: &mut Parser<'_>, w: &Words) -> HResult {
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
        let other = p.b.cfg.vrrp.instances.iter().find(|o| {
            o.vmac.as_ref().and_then(|v| v.ifname.as_deref()) == Some(word.as_str())
                || o.ipvlan.as_ref().and_then(|v| v.ifname.as_deref()) == Some(word.as_str())
        });
        if let Some(o) = other {
            let m = format!(
                "({name}) VRRP instance {} is already using {word} - ignoring name",
                o.name
            );
            p.report(Level::GeneralError, m);
            continue;
        }
        ipv.ifname = Some(word);
    }
    inst(p).ipvlan = Some(ipv);
    Ok(())
}

/// keepalived's `check_valid_ipaddress(s, true)` + `parse_ipaddress(s, true)`: `ADDR[/PFX]`.
fn parse_addr_prefix(p: &mut Parser<'_>, s: &str) -> Option<(IpAddr, u8)> {
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

fn unicast_peer(p: &mut Parser<'_>, w: &Words) -> HResult {
    inst(p).unicast_configured = true;
    p.value_block(w, alloc_unicast_peer);
    Ok(())
}

/// keepalived's `alloc_vrrp_unicast_peer()`.
fn alloc_unicast_peer(p: &mut Parser<'_>, w: &Words) -> HResult {
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

fn unicast_fault_no_peer(p: &mut Parser<'_>, _w: &Words) -> HResult {
    let i = inst(p);
    i.unicast_configured = true;
    i.unicast_fault_no_peer = true;
    Ok(())
}

fn check_unicast_src(p: &mut Parser<'_>, _w: &Words) -> HResult {
    let i = inst(p);
    i.unicast_configured = true;
    i.check_unicast_src = true;
    Ok(())
}

fn old_unicast_checksum(p: &mut Parser<'_>, w: &Words) -> HResult {
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

fn native_ipv6(p: &mut Parser<'_>, _w: &Words) -> HResult {
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

fn state(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?.to_string();
    let name = iname(p);
    match s.as_str() {
        "MASTER" => ist(p).wantstate = Some(VrrpState::Master),
        "BACKUP" => {
            if ist(p).wantstate == Some(VrrpState::Master) {
                p.report(
                    Level::GeneralError,
                    format!("({name}) state previously set as MASTER - ignoring BACKUP"),
                );
            } else {
                ist(p).wantstate = Some(VrrpState::Backup);
            }
        }
        _ => {
            p.report(
                Level::GeneralError,
                format!("({name}) unknown state '{s}', defaulting to BACKUP"),
            );
            ist(p).wantstate = Some(VrrpState::Backup);
        }
    }
    Ok(())
}

fn interface(p: &mut Parser<'_>, w: &Words) -> HResult {
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

fn vrf(p: &mut Parser<'_>, w: &Words) -> HResult {
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

fn linkbeat_use_polling(p: &mut Parser<'_>, _w: &Words) -> HResult {
    let name = iname(p);
    inst(p).linkbeat_use_polling = true;
    p.report(
        Level::GeneralError,
        format!("({name}) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block"),
    );
    Ok(())
}

fn track_interface(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.value_block(w, |p, line| {
        let name = iname(p);
        let mut list = std::mem::take(&mut inst(p).track_interfaces);
        p.b.net.last_missing = None;
        let r = super::alloc_track_if(p, &name, &mut list, line);
        inst(p).track_interfaces = list;
        let words = line.words.first().cloned().into_iter().collect();
        keep_missing(p, Some("track_interface"), words);
        r
    });
    Ok(())
}

/// Keeps a line refused for naming a missing interface in the instance.
fn keep_missing(p: &mut Parser<'_>, block: Option<&str>, words: Vec<String>) {
    if let Some(l) = super::missing_if_line(p, block, words) {
        inst(p).missing_interface_lines.push(l);
    }
}

/// Keeps an address/route/rule line refused for naming a missing interface in the instance.
fn keep_missing_entry(p: &mut Parser<'_>, kind: ListKind, block: &str, line: &Words) {
    if let Some(l) = netsyntax::missing_line(p, kind, Some(block), line) {
        inst(p).missing_interface_lines.push(l);
    }
}

fn track_script(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.value_block(w, |p, line| {
        let name = iname(p);
        let mut list = std::mem::take(&mut inst(p).track_scripts);
        let r = super::alloc_track_script(p, &name, &mut list, line);
        inst(p).track_scripts = list;
        r
    });
    Ok(())
}

fn track_ref(p: &mut Parser<'_>, w: &Words, kind: TrackKind) {
    p.value_block(w, |p, line| {
        let name = iname(p);
        let i = inst(p);
        let slot = match kind {
            TrackKind::File => &mut i.track_files,
            TrackKind::Process => &mut i.track_processes,
            TrackKind::Bfd => &mut i.track_bfds,
        };
        let mut list = std::mem::take(slot);
        let r = super::alloc_track_ref(p, kind, &name, &mut list, line);
        let i = inst(p);
        match kind {
            TrackKind::File => i.track_files = list,
            TrackKind::Process => i.track_processes = list,
            TrackKind::Bfd => i.track_bfds = list,
        }
        r
    });
}

fn track_file(p: &mut Parser<'_>, w: &Words) -> HResult {
    track_ref(p, w, TrackKind::File);
    Ok(())
}

fn track_process(p: &mut Parser<'_>, w: &Words) -> HResult {
    track_ref(p, w, TrackKind::Process);
    Ok(())
}

fn track_bfd(p: &mut Parser<'_>, w: &Words) -> HResult {
    track_ref(p, w, TrackKind::Bfd);
    Ok(())
}

fn dont_track_primary(p: &mut Parser<'_>, _w: &Words) -> HResult {
    inst(p).dont_track_primary = true;
    Ok(())
}

/// keepalived's `vrrp_srcip_handler()` (`mcast_src_ip`, and `unicast_src_ip` after it marks
/// unicast).
fn srcip(p: &mut Parser<'_>, w: &Words) -> HResult {
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

fn unicast_src_ip(p: &mut Parser<'_>, w: &Words) -> HResult {
    inst(p).unicast_configured = true;
    srcip(p, w)
}

fn mcast_dst_ip(p: &mut Parser<'_>, w: &Words) -> HResult {
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

fn track_src_ip(p: &mut Parser<'_>, _w: &Words) -> HResult {
    inst(p).track_src_ip = true;
    Ok(())
}

fn virtual_router_id(p: &mut Parser<'_>, w: &Words) -> HResult {
    let word = w.get(1)?.to_string();
    let name = iname(p);
    match values::read_unsigned(p, &word, 1, 255, false) {
        Some(v) => inst(p).vrid = v as u8,
        None => p.report(
            Level::GeneralError,
            format!("({name}): VRID '{word}' not valid - must be between 1 & 255"),
        ),
    }
    Ok(())
}

fn unicast_ttl(p: &mut Parser<'_>, w: &Words) -> HResult {
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

fn version(p: &mut Parser<'_>, w: &Words) -> HResult {
    let word = w.get(1)?.to_string();
    let name = iname(p);
    let Some(v) = values::read_int(p, &word, 2, 3, true) else {
        p.report(Level::GeneralError, format!("({name}): Version must be either 2 or 3"));
        return Ok(());
    };
    let cur = ist(p).version;
    if (cur != 0 && cur as i32 != v) || (v == 2 && ist(p).family == Some(Family::V6)) {
        p.report(
            Level::GeneralError,
            format!("({name}) vrrp_version {v} conflicts with configured or deduced version {cur}; ignoring."),
        );
        return Ok(());
    }
    ist(p).version = v as u8;
    Ok(())
}

fn priority(p: &mut Parser<'_>, w: &Words) -> HResult {
    let word = w.get(1)?.to_string();
    let name = iname(p);
    match values::read_unsigned(p, &word, 1, 255, false) {
        Some(v) => ist(p).priority = v as u8,
        None => {
            p.report(
                Level::GeneralError,
                format!("({name}) Priority not valid! must be between 1 & 255. Using default 100"),
            );
            ist(p).priority = 100;
        }
    }
    Ok(())
}

fn advert_int(p: &mut Parser<'_>, w: &Words) -> HResult {
    let word = w.get(1)?.to_string();
    let name = iname(p);
    match values::read_decimal(p, &word, TIMER_HZ / 100, 255 * TIMER_HZ, 6, true) {
        Some(v) if v > 0 => ist(p).advert_int = v,
        _ => p.report(
            Level::GeneralError,
            format!("({name}) Advert interval ({word}) not valid! Must be > 0 - ignoring"),
        ),
    }
    Ok(())
}

fn debug(p: &mut Parser<'_>, w: &Words) -> HResult {
    let word = w.get(1)?.to_string();
    let name = iname(p);
    match values::read_unsigned(p, &word, 0, 4, true) {
        Some(v) => inst(p).debug = v,
        None => p.report(
            Level::GeneralError,
            format!("({name}) Debug value '{word}' not valid; must be between 0-4"),
        ),
    }
    Ok(())
}

fn skip_check_adv_addr(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = iname(p);
    // keepalived sets the flag for "false" too (it only checks that the value parses).
    if bool_opt(p, w, |v| format!("({name}) invalid skip_check_adv_addr {v} specified")).is_some() {
        inst(p).skip_check_adv_addr = true;
    }
    Ok(())
}

fn strict_mode(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = iname(p);
    if let Some(b) = bool_opt(p, w, |v| format!("({name}) invalid strict_mode {v} specified")) {
        ist(p).strict = Some(b);
    }
    Ok(())
}

fn nopreempt(p: &mut Parser<'_>, _w: &Words) -> HResult {
    inst(p).nopreempt = true;
    Ok(())
}

fn preempt(p: &mut Parser<'_>, _w: &Words) -> HResult {
    inst(p).nopreempt = false;
    Ok(())
}

fn preempt_delay(p: &mut Parser<'_>, w: &Words) -> HResult {
    let word = w.get(1)?.to_string();
    let name = iname(p);
    match values::read_decimal(p, &word, 0, 1000 * TIMER_HZ, 6, true) {
        Some(v) => inst(p).preempt_delay = v,
        None => {
            p.report(
                Level::GeneralError,
                format!("({name}) Preempt_delay not valid! must be between 0-1000"),
            );
            inst(p).preempt_delay = 0;
        }
    }
    Ok(())
}

/// Which notify script of an instance a keyword sets.
#[derive(Clone, Copy)]
enum Notify {
    Backup,
    Master,
    Fault,
    Stop,
    Generic,
    MasterRxLowerPri,
}

fn notify_slot(i: &mut VrrpInstance, n: Notify) -> &mut Option<Script> {
    match n {
        Notify::Backup => &mut i.notify_backup,
        Notify::Master => &mut i.notify_master,
        Notify::Fault => &mut i.notify_fault,
        Notify::Stop => &mut i.notify_stop,
        Notify::Generic => &mut i.notify,
        Notify::MasterRxLowerPri => &mut i.notify_master_rx_lower_pri,
    }
}

fn set_notify(p: &mut Parser<'_>, w: &Words, n: Notify, key: &str) -> HResult {
    let name = iname(p);
    if notify_slot(inst(p), n).is_some() {
        let arg = w.get(1)?.to_string();
        p.report(
            Level::GeneralError,
            format!("({name}) {key} script already specified - ignoring {arg}"),
        );
        return Ok(());
    }
    let s = notify_script(p, "notify");
    *notify_slot(inst(p), n) = s;
    Ok(())
}

fn notify_backup(p: &mut Parser<'_>, w: &Words) -> HResult {
    set_notify(p, w, Notify::Backup, "notify_backup")
}
fn notify_master(p: &mut Parser<'_>, w: &Words) -> HResult {
    set_notify(p, w, Notify::Master, "notify_master")
}
fn notify_fault(p: &mut Parser<'_>, w: &Words) -> HResult {
    set_notify(p, w, Notify::Fault, "notify_fault")
}
fn notify_stop(p: &mut Parser<'_>, w: &Words) -> HResult {
    set_notify(p, w, Notify::Stop, "notify_stop")
}
fn notify(p: &mut Parser<'_>, w: &Words) -> HResult {
    set_notify(p, w, Notify::Generic, "notify")
}
fn notify_master_rx_lower_pri(p: &mut Parser<'_>, w: &Words) -> HResult {
    set_notify(p, w, Notify::MasterRxLowerPri, "notify_master_rx_lower_pri")
}

fn notify_deleted(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = iname(p);
    if inst(p).notify_deleted {
        let arg = w.opt(1).unwrap_or("").to_string();
        p.report(
            Level::GeneralError,
            format!("({name}) notify_deleted already specified - ignoring {arg}"),
        );
        return Ok(());
    }
    if w.len() > 1 {
        let s = notify_script(p, "notify");
        inst(p).notify_deleted_script = s;
    }
    inst(p).notify_deleted = true;
    Ok(())
}

fn smtp_alert(p: &mut Parser<'_>, w: &Words) -> HResult {
    if let Some(b) = bool_opt(p, w, |v| format!("Invalid vrrp_instance smtp_alert parameter {v}")) {
        ist(p).smtp_alert = Some(b);
    }
    Ok(())
}

fn notify_priority_changes(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = iname(p);
    if let Some(b) = bool_opt(p, w, |v| {
        format!("({name}) Invalid value '{v}' for notify_priority_changes specified")
    }) {
        ist(p).notify_priority_changes = Some(b);
    }
    Ok(())
}

/// `lvs_sync_daemon_interface IF` (deprecated): the global `lvs_sync_daemon` for this instance,
/// unless one is already set (decided after parsing, see [`super::LvsSyncdInterface`]).
fn lvs_sync_daemon_interface(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = iname(p);
    p.report(
        Level::GeneralError,
        format!("({name}) Specifying lvs_sync_daemon_interface against a vrrp is deprecated."),
    );
    let pad = " ".repeat(name.len().saturating_sub(2));
    p.report(
        Level::GeneralError,
        format!("      {pad}Please use global lvs_sync_daemon"),
    );
    let ifname = w.get(1).map(str::to_string).map_err(|e| e.0);
    let loc = p.loc();
    p.b.vrrp.lvs_syncd_interfaces.push(super::LvsSyncdInterface {
        instance: name,
        ifname,
        loc,
    });
    Ok(())
}

fn garp_master_delay(p: &mut Parser<'_>, w: &Words) -> HResult {
    let word = w.get(1)?.to_string();
    let name = iname(p);
    match values::read_unsigned(p, &word, 0, u32::MAX / TIMER_HZ as u32, true) {
        Some(v) => inst(p).garp_master_delay = v,
        None => p.report(
            Level::GeneralError,
            format!("({name}): garp_master_delay '{word}' invalid - ignoring"),
        ),
    }
    Ok(())
}

fn garp_master_refresh(p: &mut Parser<'_>, w: &Words) -> HResult {
    let word = w.get(1)?.to_string();
    let name = iname(p);
    match values::read_unsigned(p, &word, 0, u32::MAX, true) {
        Some(v) => inst(p).garp_master_refresh = v,
        None => {
            p.report(
                Level::GeneralError,
                format!("({name}): Invalid garp_master_refresh '{word}' - ignoring"),
            );
            inst(p).garp_master_refresh = 0;
        }
    }
    Ok(())
}

/// `garp_master_repeat` / `garp_master_refresh_repeat`: 0 is accepted and made 1.
fn garp_repeat(p: &mut Parser<'_>, w: &Words, key: &str) -> Option<u32> {
    let word = w.words.get(1).cloned()?;
    let name = iname(p);
    let Some(v) = values::read_unsigned(p, &word, 0, u32::MAX, true) else {
        p.report(
            Level::GeneralError,
            format!("({name}): {key} '{word}' invalid - ignoring"),
        );
        return None;
    };
    if v == 0 {
        p.report(
            Level::GeneralError,
            format!("({name}): {key} must be greater than 0, setting to 1"),
        );
        return Some(1);
    }
    Some(v)
}

fn garp_master_repeat(p: &mut Parser<'_>, w: &Words) -> HResult {
    w.get(1)?;
    if let Some(v) = garp_repeat(p, w, "garp_master_repeat") {
        inst(p).garp_master_repeat = v;
    }
    Ok(())
}

fn garp_master_refresh_repeat(p: &mut Parser<'_>, w: &Words) -> HResult {
    w.get(1)?;
    if let Some(v) = garp_repeat(p, w, "garp_master_refresh_repeat") {
        inst(p).garp_master_refresh_repeat = v;
    }
    Ok(())
}

fn garp_lower_prio_delay(p: &mut Parser<'_>, w: &Words) -> HResult {
    let word = w.get(1)?.to_string();
    let name = iname(p);
    match values::read_unsigned(p, &word, 0, u32::MAX / TIMER_HZ as u32, true) {
        Some(v) => ist(p).garp_lower_prio_delay = Some(v),
        None => p.report(
            Level::GeneralError,
            format!("({name}): garp_lower_prio_delay '{word}' invalid - ignoring"),
        ),
    }
    Ok(())
}

fn garp_lower_prio_repeat(p: &mut Parser<'_>, w: &Words) -> HResult {
    let word = w.get(1)?.to_string();
    let name = iname(p);
    match values::read_unsigned(p, &word, 0, i32::MAX as u32, true) {
        Some(v) => ist(p).garp_lower_prio_repeat = Some(v),
        None => p.report(
            Level::GeneralError,
            format!("({name}): Invalid garp_lower_prio_repeat '{word}'"),
        ),
    }
    Ok(())
}

fn down_timer_adverts(p: &mut Parser<'_>, w: &Words) -> HResult {
    let word = w.get(1)?.to_string();
    let name = iname(p);
    match values::read_unsigned(p, &word, 1, 100, true) {
        Some(v) => inst(p).down_timer_adverts = v,
        None => p.report(
            Level::GeneralError,
            format!("({name}): Invalid down_timer_adverts [1:100] '{word}'"),
        ),
    }
    Ok(())
}

/// `garp_extra_if [all] SECS` and its deprecated spelling `vmac_garp_intvl`.
fn garp_extra_if(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = iname(p);
    let cmd = w.words[0].clone();
    if cmd == "vmac_garp_intvl" {
        p.report(
            Level::Deprecated,
            "Keyword \"vmac_garp_intvl\" is deprecated - please use \"garp_extra_if\"",
        );
    }
    let mut delay: Option<u32> = None;
    let mut all = ist(p).garp_extra_if.map(|(_, a)| a).unwrap_or(false);
    for word in w.from(1).to_vec() {
        if word == "all" {
            all = true;
        } else {
            match values::read_unsigned(p, &word, 0, 86400, true) {
                Some(v) => delay = Some(v),
                None => {
                    p.report(
                        Level::GeneralError,
                        format!("({name}): {cmd} '{word}' invalid - ignoring"),
                    );
                    if all {
                        // keepalived has already set the "all" flag.
                        let d = ist(p).garp_extra_if.map(|(d, _)| d);
                        ist(p).garp_extra_if = d.map(|d| (d, true));
                    }
                    return Ok(());
                }
            }
        }
    }
    let Some(d) = delay else {
        p.report(
            Level::GeneralError,
            format!("({name}): {cmd} specified without time - ignoring"),
        );
        return Ok(());
    };
    ist(p).garp_extra_if = Some((d, all));
    Ok(())
}

fn lower_prio_no_advert(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = iname(p);
    if let Some(b) = bool_opt(p, w, |v| format!("({name}) invalid lower_prio_no_advert {v} specified")) {
        ist(p).lower_prio_no_advert = Some(b);
    }
    Ok(())
}

fn higher_prio_send_advert(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = iname(p);
    if let Some(b) = bool_opt(p, w, |v| {
        format!("({name}) invalid higher_prio_send_advert {v} specified")
    }) {
        ist(p).higher_prio_send_advert = Some(b);
    }
    Ok(())
}

fn kernel_rx_buf_size(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = iname(p);
    if w.len() == 2 {
        if let Some(v) = values::read_unsigned(p, &w.words[1].clone(), 0, u32::MAX, false) {
            inst(p).kernel_rx_buf_size = v;
            return Ok(());
        }
    }
    p.report(
        Level::GeneralError,
        format!("({name}) invalid kernel_rx_buf_size specified"),
    );
    Ok(())
}

fn auth_type(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?.to_string();
    let name = iname(p);
    match s.as_str() {
        "AH" => inst(p).auth_type = AuthType::Ah,
        "PASS" => inst(p).auth_type = AuthType::Pass,
        _ => p.report(
            Level::GeneralError,
            format!("({name}) unknown authentication type '{s}'"),
        ),
    }
    Ok(())
}

fn auth_pass(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?.to_string();
    let mut bytes = s.as_bytes().to_vec();
    if bytes.len() > 8 {
        bytes.truncate(8);
        p.report(Level::GeneralError, "Truncating auth_pass to 8 characters");
    }
    // keepalived stops at the first NUL when it compares and prints the password.
    inst(p).auth_pass = Some(String::from_utf8_lossy(&bytes).into_owned());
    Ok(())
}

/// keepalived's `alloc_vrrp_vip()`: the address family of the list must match the instance's.
fn alloc_vip(p: &mut Parser<'_>, w: &Words) -> HResult {
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

fn virtual_ipaddress(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.value_block(w, alloc_vip);
    Ok(())
}

fn virtual_ipaddress_excluded(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.value_block(w, |p, line| {
        let mut list = std::mem::take(&mut inst(p).evips);
        netsyntax::alloc_ipaddress(p, &mut list, line, false);
        inst(p).evips = list;
        keep_missing_entry(p, ListKind::Address, "virtual_ipaddress_excluded", line);
        Ok(())
    });
    Ok(())
}

fn promote_secondaries(p: &mut Parser<'_>, _w: &Words) -> HResult {
    inst(p).promote_secondaries = true;
    Ok(())
}

fn virtual_routes(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.value_block(w, |p, line| {
        let mut list = std::mem::take(&mut inst(p).vroutes);
        netsyntax::alloc_route(p, &mut list, line, false);
        inst(p).vroutes = list;
        keep_missing_entry(p, ListKind::Route, "virtual_routes", line);
        Ok(())
    });
    Ok(())
}

fn virtual_rules(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.value_block(w, |p, line| {
        let mut list = std::mem::take(&mut inst(p).vrules);
        netsyntax::alloc_rule(p, &mut list, line, false);
        inst(p).vrules = list;
        keep_missing_entry(p, ListKind::Rule, "virtual_rules", line);
        Ok(())
    });
    Ok(())
}

fn accept(p: &mut Parser<'_>, _w: &Words) -> HResult {
    ist(p).accept = Some(true);
    Ok(())
}

fn no_accept(p: &mut Parser<'_>, _w: &Words) -> HResult {
    ist(p).accept = Some(false);
    Ok(())
}

static AUTH_KEYWORDS: &[Keyword] = &[kw("auth_type", auth_type), kw("auth_pass", auth_pass)];

/// `authentication { ... }`.
pub static AUTHENTICATION: Block = Block::new("authentication", &[AUTH_KEYWORDS], None);

static INSTANCE_KEYWORDS: &[Keyword] = &[
    kw("use_vmac", use_vmac),
    kw("use_vmac_addr", use_vmac_addr),
    kw("vmac_xmit_base", vmac_xmit_base),
    kw("use_ipvlan", use_ipvlan),
    kw("unicast_peer", unicast_peer),
    kw("unicast_fault_no_peer", unicast_fault_no_peer),
    kw("check_unicast_src", check_unicast_src),
    kw("old_unicast_checksum", old_unicast_checksum),
    kw("native_ipv6", native_ipv6),
    kw("state", state),
    kw("interface", interface),
    kw("vrf", vrf),
    kw("dont_track_primary", dont_track_primary),
    kw("track_interface", track_interface),
    kw("track_script", track_script),
    kw("track_file", track_file),
    kw("track_process", track_process),
    kw("track_bfd", track_bfd),
    kw("mcast_src_ip", srcip),
    kw("unicast_src_ip", unicast_src_ip),
    kw("mcast_dst_ip", mcast_dst_ip),
    kw("track_src_ip", track_src_ip),
    kw("virtual_router_id", virtual_router_id),
    kw("unicast_ttl", unicast_ttl),
    kw("version", version),
    kw("priority", priority),
    kw("advert_int", advert_int),
    kw("virtual_ipaddress", virtual_ipaddress),
    kw("virtual_ipaddress_excluded", virtual_ipaddress_excluded),
    kw("promote_secondaries", promote_secondaries),
    kw("linkbeat_use_polling", linkbeat_use_polling),
    kw("virtual_routes", virtual_routes),
    kw("virtual_rules", virtual_rules),
    kw("accept", accept),
    kw("no_accept", no_accept),
    kw("skip_check_adv_addr", skip_check_adv_addr),
    kw("strict_mode", strict_mode),
    kw("preempt", preempt),
    kw("nopreempt", nopreempt),
    kw("preempt_delay", preempt_delay),
    kw("debug", debug),
    kw("notify_backup", notify_backup),
    kw("notify_master", notify_master),
    kw("notify_fault", notify_fault),
    kw("notify_stop", notify_stop),
    kw("notify_deleted", notify_deleted),
    kw("notify", notify),
    kw("notify_master_rx_lower_pri", notify_master_rx_lower_pri),
    kw("smtp_alert", smtp_alert),
    kw("notify_priority_changes", notify_priority_changes),
    kw("lvs_sync_daemon_interface", lvs_sync_daemon_interface),
    kw("garp_master_delay", garp_master_delay),
    kw("garp_master_refresh", garp_master_refresh),
    kw("garp_master_repeat", garp_master_repeat),
    kw("garp_master_refresh_repeat", garp_master_refresh_repeat),
    kw("garp_lower_prio_delay", garp_lower_prio_delay),
    kw("garp_lower_prio_repeat", garp_lower_prio_repeat),
    kw("down_timer_adverts", down_timer_adverts),
    kw("garp_extra_if", garp_extra_if),
    kw("vmac_garp_intvl", garp_extra_if),
    kw("lower_prio_no_advert", lower_prio_no_advert),
    kw("higher_prio_send_advert", higher_prio_send_advert),
    kw("kernel_rx_buf_size", kernel_rx_buf_size),
    kw_block("authentication", None, &AUTHENTICATION),
];

/// `vrrp_instance NAME { ... }`.
pub static VRRP_INSTANCE: Block = Block::new("vrrp_instance", &[INSTANCE_KEYWORDS], Some(vrrp_instance_end));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vmac_mac_forms() {
        assert_eq!(
            parse_vmac_mac("02:11:22:33:44:55"),
            Some(([2, 0x11, 0x22, 0x33, 0x44, 0x55], false))
        );
        assert_eq!(
            parse_vmac_mac("02:11:22:33:44"),
            Some(([2, 0x11, 0x22, 0x33, 0x44, 0], true))
        );
        assert_eq!(
            parse_vmac_mac("02:11:22:33:44:"),
            Some(([2, 0x11, 0x22, 0x33, 0x44, 0], true))
        );
        assert_eq!(parse_vmac_mac("02:11:22"), None);
        assert_eq!(parse_vmac_mac("002:11:22:33:44:55"), None);
    }

    #[test]
    fn device_names() {
        assert!(dev_name_valid("vrrp.51"));
        assert!(!dev_name_valid("a:b"));
        assert!(!dev_name_valid("0123456789abcdef"));
        assert!(!dev_name_valid(".."));
    }
}
