//! `global_defs` handlers for the VRRP defaults: interfaces, multicast groups, gratuitous ARP,
//! advert behaviour, nftables, netlink and receive buffers, VMAC prefixes.

use std::net::IpAddr;

use super::{bool_arg, error, inet_stosockaddr};
use crate::config::diag::Level;
use crate::config::model::global::{GlobalDefs, RcvBufs, RxBufsPolicy, defaults};
use crate::config::parser::{HResult, Parser, Words};
use crate::config::values::{self, TIMER_HZ, TIMER_HZ_DIGITS};

/// The sysctl `disable_local_igmp` needs (keepalived's `igmp_link_local_mcast_reports`).
pub(super) const IGMP_LINK_LOCAL_MCAST_REPORTS: &str = "/proc/sys/net/ipv4/igmp_link_local_mcast_reports";
/// keepalived's `NFT_TABLE_MAXNAMELEN` (the kernel's `NFT_NAME_MAXLEN` in Debian's build).
pub(super) const NFT_TABLE_MAXNAMELEN: usize = 256;
/// Largest whole number of seconds keepalived accepts for second-valued GARP settings.
const MAX_SECS: u32 = u32::MAX / TIMER_HZ as u32;

pub(super) fn dynamic_interfaces(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.b.cfg.global.dynamic_interfaces = true;
    if let Some(opt) = w.opt(1) {
        if opt == "allow_if_changes" {
            p.b.cfg.global.allow_if_changes = true;
        } else {
            error(p, format!("Unknown dynamic_interfaces option '{opt}'"));
        }
    }
    Ok(())
}

pub(super) fn default_interface(p: &mut Parser<'_>, w: &Words) -> HResult {
    match w.opt(1) {
        Some(i) => p.b.cfg.global.default_interface = Some(i.to_string()),
        None => error(p, "default_interface requires interface name".into()),
    }
    Ok(())
}

pub(super) fn disable_local_igmp(p: &mut Parser<'_>, _w: &Words) -> HResult {
    if p.sys.stat(IGMP_LINK_LOCAL_MCAST_REPORTS).is_none() {
        error(p, format!("kernel does not support {IGMP_LINK_LOCAL_MCAST_REPORTS}"));
        return Ok(());
    }
    p.b.cfg.global.disable_local_igmp = true;
    Ok(())
}

pub(super) fn vrrp_mcast_group4(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?.to_string();
    let Some((addr, _)) = inet_stosockaddr(p, &s, None) else {
        error(p, format!("Can't parse vrrp_mcast_group4 [{s}]. Skipping"));
        return Ok(());
    };
    let IpAddr::V4(a) = addr else {
        error(p, format!("vrrp_mcast_group4 [{s}] is not IPv4. Skipping"));
        return Ok(());
    };
    if !a.is_multicast() {
        error(p, format!("vrrp_mcast_group4 [{s}] is not multicast. Skipping"));
        return Ok(());
    }
    p.b.cfg.global.vrrp_mcast_group4 = a;
    Ok(())
}

pub(super) fn vrrp_mcast_group6(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?.to_string();
    let Some((addr, _)) = inet_stosockaddr(p, &s, None) else {
        error(p, format!("Can't parse vrrp_mcast_group6 [{s}]. Skipping"));
        return Ok(());
    };
    let IpAddr::V6(a) = addr else {
        error(p, format!("vrrp_mcast_group6 [{s}] is not IPv6. Skipping"));
        return Ok(());
    };
    if !a.is_multicast() {
        error(p, format!("vrrp_mcast_group6 [{s}] is not multicast. Skipping"));
        return Ok(());
    }
    // IN6_IS_ADDR_MC_LINKLOCAL: scope nibble 2.
    if a.octets()[1] & 0x0f != 0x02 {
        p.report(
            Level::Warning,
            format!("vrrp_mcast_group6 [{s}] should be link-local multicast."),
        );
    }
    p.b.cfg.global.vrrp_mcast_group6 = a;
    Ok(())
}

pub(super) fn vrrp_garp_master_delay(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    match values::read_unsigned(p, s, 0, MAX_SECS, true) {
        Some(v) => p.b.cfg.global.vrrp_garp_master_delay = v,
        None => error(p, format!("vrrp_garp_master_delay '{s}' invalid - ignoring")),
    }
    Ok(())
}

/// A repeat count where 0 is accepted with a complaint and made 1 (compatibility with
/// keepalived before 2.0.7).
fn repeat(p: &mut Parser<'_>, w: &Words, name: &str) -> Option<u32> {
    let s = w.get(1).ok()?;
    let Some(mut v) = values::read_unsigned(p, s, 0, u32::MAX, true) else {
        error(p, format!("{name} '{s}' invalid - ignoring"));
        return None;
    };
    if v == 0 {
        error(p, format!("{name} must be greater than 0, setting to 1"));
        v = 1;
    }
    Some(v)
}

pub(super) fn vrrp_garp_master_repeat(p: &mut Parser<'_>, w: &Words) -> HResult {
    w.get(1)?;
    if let Some(v) = repeat(p, w, "vrrp_garp_master_repeat") {
        p.b.cfg.global.vrrp_garp_master_repeat = v;
    }
    Ok(())
}

pub(super) fn vrrp_garp_master_refresh(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    // An invalid value turns refreshing off rather than leaving the previous value.
    let v = values::read_unsigned(p, s, 0, u32::MAX, true).unwrap_or_else(|| {
        error(p, format!("Invalid vrrp_garp_master_refresh '{s}' - ignoring"));
        0
    });
    p.b.cfg.global.vrrp_garp_master_refresh = v;
    Ok(())
}

pub(super) fn vrrp_garp_master_refresh_repeat(p: &mut Parser<'_>, w: &Words) -> HResult {
    w.get(1)?;
    if let Some(v) = repeat(p, w, "vrrp_garp_master_refresh_repeat") {
        p.b.cfg.global.vrrp_garp_master_refresh_repeat = v;
    }
    Ok(())
}

pub(super) fn vrrp_garp_lower_prio_delay(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    match values::read_unsigned(p, s, 0, MAX_SECS, true) {
        Some(v) => p.b.cfg.global.vrrp_garp_lower_prio_delay = Some(v),
        None => error(p, format!("vrrp_garp_lower_prio_delay '{s}' invalid - ignoring")),
    }
    Ok(())
}

pub(super) fn vrrp_garp_lower_prio_repeat(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    match values::read_unsigned(p, s, 0, i32::MAX as u32, true) {
        Some(v) => p.b.cfg.global.vrrp_garp_lower_prio_repeat = Some(v),
        None => error(p, format!("Invalid vrrp_garp_lower_prio_repeat '{s}'")),
    }
    Ok(())
}

pub(super) fn vrrp_down_timer_adverts(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    match values::read_unsigned(p, s, 1, 100, true) {
        Some(v) => p.b.cfg.global.vrrp_down_timer_adverts = v,
        None => error(p, format!("Invalid vrrp_down_timer_adverts [1:100] '{s}'")),
    }
    Ok(())
}

/// `vrrp_garp_interval` / `vrrp_gna_interval`: decimal seconds, at least 1 µs. keepalived 2.2.7
/// rejects 0, which its own sample configuration uses.
fn garp_interval(p: &mut Parser<'_>, w: &Words, name: &str, field: fn(&mut GlobalDefs) -> &mut u64) -> HResult {
    let s = w.get(1)?;
    match values::read_decimal(p, s, 1, u32::MAX as u64, TIMER_HZ_DIGITS, true) {
        Some(v) => *field(&mut p.b.cfg.global) = v,
        None => error(p, format!("{name} '{s}' is invalid")),
    }
    if *field(&mut p.b.cfg.global) >= TIMER_HZ {
        p.report(Level::Info, format!("The {name} is very large - {s} seconds"));
    }
    Ok(())
}

pub(super) fn vrrp_garp_interval(p: &mut Parser<'_>, w: &Words) -> HResult {
    garp_interval(p, w, "vrrp_garp_interval", |g| &mut g.vrrp_garp_interval)
}

pub(super) fn vrrp_gna_interval(p: &mut Parser<'_>, w: &Words) -> HResult {
    garp_interval(p, w, "vrrp_gna_interval", |g| &mut g.vrrp_gna_interval)
}

pub(super) fn vrrp_min_garp(p: &mut Parser<'_>, w: &Words) -> HResult {
    let Some(on) = bool_arg(p, w, |_| "Invalid value for vrrp_min_garp specified".into()) else {
        return Ok(());
    };
    if !on {
        return Ok(());
    }
    // One gratuitous ARP/NA with no repeat, but settings already changed from their defaults
    // are kept.
    let g = &mut p.b.cfg.global;
    if g.vrrp_garp_master_repeat == defaults::GARP_REPEAT {
        g.vrrp_garp_master_repeat = 1;
    }
    if g.vrrp_garp_master_refresh_repeat == defaults::GARP_REFRESH_REPEAT {
        g.vrrp_garp_master_refresh_repeat = 0;
    }
    if g.vrrp_garp_master_delay == defaults::GARP_DELAY {
        g.vrrp_garp_master_delay = 0;
    }
    Ok(())
}

/// `vrrp_garp_extra_if [all] SECS` and its deprecated name `vrrp_vmac_garp_intvl`.
pub(super) fn vrrp_garp_extra_if(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = w.words[0].clone();
    if name == "vrrp_vmac_garp_intvl" {
        p.report(
            Level::Deprecated,
            "Keyword \"vrrp_vmac_garp_intvl\" is deprecated - please use \"vrrp_garp_extra_if\"",
        );
    }
    let mut delay = 0;
    for word in w.from(1) {
        if word == "all" {
            p.b.cfg.global.vrrp_garp_extra_if_all = true;
        } else {
            match values::read_unsigned(p, word, 1, 86400, true) {
                Some(v) => delay = v,
                None => {
                    error(p, format!("{name} '{word}' invalid - ignoring"));
                    return Ok(());
                }
            }
        }
    }
    if delay == 0 {
        error(p, format!("{name} specified without time - ignoring"));
        return Ok(());
    }
    p.b.cfg.global.vrrp_garp_extra_if = delay;
    Ok(())
}

/// `vrrp_lower_prio_no_advert` / `vrrp_higher_prio_send_advert` `[BOOL]`.
fn advert_flag(p: &mut Parser<'_>, w: &Words, name: &str, field: fn(&mut GlobalDefs) -> &mut bool) -> HResult {
    if let Some(b) = bool_arg(p, w, |_| format!("Invalid value for {name} specified")) {
        *field(&mut p.b.cfg.global) = b;
    }
    Ok(())
}

pub(super) fn vrrp_lower_prio_no_advert(p: &mut Parser<'_>, w: &Words) -> HResult {
    advert_flag(p, w, "vrrp_lower_prio_no_advert", |g| &mut g.vrrp_lower_prio_no_advert)
}

pub(super) fn vrrp_higher_prio_send_advert(p: &mut Parser<'_>, w: &Words) -> HResult {
    advert_flag(p, w, "vrrp_higher_prio_send_advert", |g| {
        &mut g.vrrp_higher_prio_send_advert
    })
}

pub(super) fn vrrp_version(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    match values::read_int(p, s, 2, 3, true) {
        Some(v) => p.b.cfg.global.vrrp_version = v as u8,
        None => error(p, "VRRP Error: Version must be either 2 or 3".into()),
    }
    Ok(())
}

/// keepalived built without iptables (Debian's build) keeps `vrrp_iptables` for old
/// configurations and uses nftables instead.
pub(super) fn vrrp_iptables(p: &mut Parser<'_>, _w: &Words) -> HResult {
    error(
        p,
        "iptables not supported, using nftables instead. Please replace 'vrrp_iptables and 'vrrp_ipsets' with 'nftables' config option".into(),
    );
    let g = &mut p.b.cfg.global;
    g.nftables = Some(defaults::NFTABLES_TABLE.to_string());
    g.nftables_priority = -1;
    Ok(())
}

pub(super) fn nftables(p: &mut Parser<'_>, w: &Words) -> HResult {
    if p.b.cfg.global.nftables.is_some() {
        error(p, "nftables already specified - ignoring".into());
        return Ok(());
    }
    let name = match w.opt(1) {
        Some(n) if n.len() >= NFT_TABLE_MAXNAMELEN => {
            error(p, "nftables table name too long - ignoring".into());
            return Ok(());
        }
        Some(n) => n,
        None => defaults::NFTABLES_TABLE,
    };
    let g = &mut p.b.cfg.global;
    g.nftables = Some(name.to_string());
    g.nftables_priority = -1;
    Ok(())
}

pub(super) fn nftables_priority(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    match values::read_int(p, s, i32::MIN, i32::MAX, false) {
        Some(v) => p.b.cfg.global.nftables_priority = v,
        None => p.report(Level::InvalidNumber, format!("invalid nftables chain priority '{s}'")),
    }
    Ok(())
}

pub(super) fn nftables_ifindex(p: &mut Parser<'_>, _w: &Words) -> HResult {
    p.b.cfg.global.nftables_ifindex = true;
    Ok(())
}

pub(super) fn nftables_counters(p: &mut Parser<'_>, _w: &Words) -> HResult {
    p.b.cfg.global.nftables_counters = true;
    Ok(())
}

pub(super) fn vrrp_check_unicast_src(p: &mut Parser<'_>, _w: &Words) -> HResult {
    p.b.cfg.global.vrrp_check_unicast_src = true;
    Ok(())
}

/// keepalived ignores any argument here.
pub(super) fn vrrp_skip_check_adv_addr(p: &mut Parser<'_>, _w: &Words) -> HResult {
    p.b.cfg.global.vrrp_skip_check_adv_addr = true;
    Ok(())
}

pub(super) fn vrrp_strict(p: &mut Parser<'_>, _w: &Words) -> HResult {
    p.b.cfg.global.vrrp_strict = true;
    Ok(())
}

// --- netlink and receive buffers ---

/// keepalived's `get_netlink_rcv_bufs_size()`: 0 means "not changed".
pub(super) fn rcv_bufs_size(
    p: &mut Parser<'_>,
    w: &Words,
    ty: &str,
    field: fn(&mut GlobalDefs) -> &mut RcvBufs,
) -> HResult {
    let Some(s) = w.opt(1) else {
        error(p, format!("{ty}_rcv_bufs size missing"));
        return Ok(());
    };
    match values::read_unsigned(p, s, 0, u32::MAX, false) {
        Some(0) => {}
        Some(v) => field(&mut p.b.cfg.global).size = v,
        None => error(p, format!("{ty}_rcv_bufs size ({s}) invalid")),
    }
    Ok(())
}

/// `*_rcv_bufs_force [BOOL]`.
pub(super) fn rcv_bufs_force(
    p: &mut Parser<'_>,
    w: &Words,
    ty: &str,
    field: fn(&mut GlobalDefs) -> &mut RcvBufs,
) -> HResult {
    if let Some(b) = bool_arg(p, w, |v| {
        format!("Invalid value '{v}' for global {ty}_rcv_bufs_force specified")
    }) {
        field(&mut p.b.cfg.global).force = b;
    }
    Ok(())
}

pub(super) fn vrrp_netlink_cmd_rcv_bufs(p: &mut Parser<'_>, w: &Words) -> HResult {
    rcv_bufs_size(p, w, "vrrp_netlink_cmd", |g| &mut g.vrrp_netlink_cmd_rcv_bufs)
}

pub(super) fn vrrp_netlink_cmd_rcv_bufs_force(p: &mut Parser<'_>, w: &Words) -> HResult {
    rcv_bufs_force(p, w, "vrrp_netlink_cmd", |g| &mut g.vrrp_netlink_cmd_rcv_bufs)
}

pub(super) fn vrrp_netlink_monitor_rcv_bufs(p: &mut Parser<'_>, w: &Words) -> HResult {
    rcv_bufs_size(p, w, "vrrp_netlink_monitor", |g| &mut g.vrrp_netlink_monitor_rcv_bufs)
}

pub(super) fn vrrp_netlink_monitor_rcv_bufs_force(p: &mut Parser<'_>, w: &Words) -> HResult {
    rcv_bufs_force(p, w, "vrrp_netlink_monitor", |g| &mut g.vrrp_netlink_monitor_rcv_bufs)
}

pub(super) fn process_monitor_rcv_bufs(p: &mut Parser<'_>, w: &Words) -> HResult {
    rcv_bufs_size(p, w, "process_monitor", |g| &mut g.process_monitor_rcv_bufs)
}

pub(super) fn process_monitor_rcv_bufs_force(p: &mut Parser<'_>, w: &Words) -> HResult {
    rcv_bufs_force(p, w, "process_monitor", |g| &mut g.process_monitor_rcv_bufs)
}

/// `vrrp_rx_bufs_policy MTU|ADVERT|SIZE ...`. keepalived keeps the policy as bits that
/// accumulate over several lines, then resolves conflicts (a size beats a policy, MTU beats
/// ADVERT), so the result is always a single policy.
pub(super) fn vrrp_rx_bufs_policy(p: &mut Parser<'_>, w: &Words) -> HResult {
    if w.len() < 2 {
        error(p, "vrrp_rx_bufs_policy missing".into());
        return Ok(());
    }
    let cur = p.b.cfg.global.vrrp_rx_bufs_policy;
    let mut mtu = cur == RxBufsPolicy::Mtu;
    let mut advert = cur == RxBufsPolicy::Advert;
    let mut size = match cur {
        RxBufsPolicy::Size(n) => Some(n),
        _ => None,
    };
    let first = w.words[1].clone();
    for word in w.from(1) {
        if word.eq_ignore_ascii_case("MTU") {
            mtu = true;
        } else if word.eq_ignore_ascii_case("ADVERT") {
            advert = true;
        } else {
            // keepalived reads the size from the first word whichever word is not a policy.
            match values::read_unsigned(p, &first, 0, u32::MAX, false) {
                Some(v) => size = Some(v as u64),
                None => error(p, format!("Invalid vrrp_rx_bufs_policy {word}")),
            }
        }
    }
    if size.is_some() && (mtu || advert) {
        error(
            p,
            "Cannot set vrrp_rx_bufs_policy size and policy, ignoring policy".into(),
        );
        mtu = false;
        advert = false;
    } else if mtu && advert {
        error(
            p,
            "Cannot set both vrrp_rx_bufs_policy MTU and ADVERT, ignoring ADVERT".into(),
        );
        advert = false;
    }
    p.b.cfg.global.vrrp_rx_bufs_policy = match (size, mtu, advert) {
        (Some(n), _, _) => RxBufsPolicy::Size(n),
        (None, true, _) => RxBufsPolicy::Mtu,
        (None, false, true) => RxBufsPolicy::Advert,
        _ => RxBufsPolicy::Default,
    };
    Ok(())
}

pub(super) fn vrrp_rx_bufs_multiplier(p: &mut Parser<'_>, w: &Words) -> HResult {
    if w.len() != 2 {
        error(p, "Invalid vrrp_rx_bufs_multiplier".into());
        return Ok(());
    }
    let s = w.words[1].clone();
    match values::read_unsigned(p, &s, 1, u32::MAX, false) {
        Some(v) => p.b.cfg.global.vrrp_rx_bufs_multiplier = v,
        None => error(p, format!("Invalid vrrp_rx_bufs_multiplier {s}")),
    }
    Ok(())
}

pub(super) fn vrrp_startup_delay(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    match values::read_decimal(p, s, TIMER_HZ / 1000, u32::MAX as u64, TIMER_HZ_DIGITS, true) {
        Some(v) => p.b.cfg.global.vrrp_startup_delay = v,
        None => error(p, format!("vrrp_startup_delay '{s}' is invalid")),
    }
    if p.b.cfg.global.vrrp_startup_delay >= 60 * TIMER_HZ {
        p.report(
            Level::Info,
            format!("The vrrp_startup_delay is very large - {s} seconds"),
        );
    }
    Ok(())
}

pub(super) fn log_unknown_vrids(p: &mut Parser<'_>, _w: &Words) -> HResult {
    p.b.cfg.global.log_unknown_vrids = true;
    Ok(())
}

pub(super) fn vmac_prefix(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    if p.b.global.vmac_prefix_set {
        error(p, format!("vmac prefix has already been specified - ignoring {s}"));
        return Ok(());
    }
    p.b.cfg.global.vmac_prefix = s.to_string();
    p.b.global.vmac_prefix_set = true;
    Ok(())
}

pub(super) fn vmac_addr_prefix(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    if p.b.cfg.global.vmac_addr_prefix.is_some() {
        error(p, format!("vmac_addr prefix has already been specified - ignoring {s}"));
        return Ok(());
    }
    p.b.cfg.global.vmac_addr_prefix = Some(s.to_string());
    Ok(())
}
