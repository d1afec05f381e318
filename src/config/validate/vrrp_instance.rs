//! keepalived's `vrrp_complete_instance()`: the defaults an instance takes from its other
//! settings and from the global ones, and the checks between them.

use std::net::IpAddr;

use super::Reporter;
use crate::config::builder::Builder;
use crate::config::diag::Level;
use crate::config::model::net::IpAddress;
use crate::config::model::vrrp::{
    ADVERT_DEFAULT_US, AuthType, DOWN_TIMER_ADVERTS, Family, IP_TTL, PRIO_DEFAULT, PRIO_OWNER, VrrpState,
};
use crate::config::system::System;
use crate::config::values::TIMER_HZ;

/// keepalived's `TIMER_CENTI_HZ`.
const CENTI_HZ: u64 = TIMER_HZ / 100;
/// keepalived's `DEFAULT_MTU` (we do not read interface MTUs).
const DEFAULT_MTU: usize = 1500;

/// keepalived's `ipaddresstos()`: the address, with the prefix unless it is a host prefix.
pub fn ipaddresstos(a: &IpAddress) -> String {
    let full = if a.addr.is_ipv4() { 32 } else { 128 };
    if a.prefix_len == full {
        a.addr.to_string()
    } else {
        format!("{}/{}", a.addr, a.prefix_len)
    }
}

fn is_link_local6(a: &IpAddr) -> bool {
    matches!(a, IpAddr::V6(v) if v.segments()[0] & 0xffc0 == 0xfe80)
}

/// Completes instance `idx`. Returns false where keepalived's `vrrp_complete_instance()` does
/// (its VRRP process then stops).
pub fn complete_instance(b: &mut Builder, idx: usize, sys: &dyn System, rep: &mut Reporter<'_>) -> bool {
    let st = b.vrrp.inst[idx].clone();
    let g = b.cfg.global.clone();
    let sync_npc = {
        let i = &b.cfg.vrrp.instances[idx];
        i.sync_group
            .as_ref()
            .and_then(|n| b.cfg.vrrp.sync_group(n))
            .and_then(|s| s.notify_priority_changes)
    };
    let sync_tracking_weight = {
        let i = &b.cfg.vrrp.instances[idx];
        i.sync_group
            .as_ref()
            .and_then(|n| b.cfg.vrrp.sync_group(n))
            .map(|s| s.sync_group_tracking_weight)
    };
    // Only a VMAC/ipvlan instance needs the other instances' interface names.
    let virt = {
        let i = &b.cfg.vrrp.instances[idx];
        i.vmac.is_some() || i.ipvlan.is_some()
    };
    let other_vmac_names: Vec<String> = if !virt {
        Vec::new()
    } else {
        b.cfg
            .vrrp
            .instances
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != idx)
            .filter_map(|(_, o)| {
                o.vmac
                    .as_ref()
                    .and_then(|v| v.ifname.clone())
                    .or_else(|| o.ipvlan.as_ref().and_then(|v| v.ifname.clone()))
            })
            .collect()
    };
    let delays_idx = {
        let i = &b.cfg.vrrp.instances[idx];
        i.interface
            .as_ref()
            .and_then(|n| b.cfg.vrrp.interface_up_down_delays.iter().position(|d| &d.name == n))
    };
    let i = &mut b.cfg.vrrp.instances[idx];
    let name = i.name.clone();
    let loc = i.origin.0.clone();
    let err = |rep: &mut Reporter<'_>, m: String| rep.report(Level::GeneralError, loc.clone(), m);

    let strict = st.strict.unwrap_or(g.vrrp_strict);
    i.strict_mode = strict;
    let mut version = st.version;
    let family = st.family;
    if family == Some(Family::V6) {
        if version == 2 && strict {
            err(
                rep,
                format!("({name}) cannot use IPv6 with VRRP version 2; setting version 3"),
            );
            version = 3;
        } else if version == 0 {
            version = 3;
        }
    }
    let family = family.unwrap_or(Family::V4);
    i.family = family;
    if version == 0 {
        version = if family == Family::V6 { 3 } else { g.vrrp_version };
    }
    i.version = version;
    i.unicast_ttl = match (family, st.ttl) {
        (Family::V4, None) => Some(IP_TTL),
        (_, t) => t,
    };

    if i.vips.is_empty() {
        if version == 3 || strict {
            err(rep, format!("({name}) No VIP specified; at least one is required"));
            finish_defaults(i, &st, &g, sync_npc, strict);
            return false;
        }
        err(rep, format!("({name}) No VIP specified; at least one is sensible"));
    }

    i.priority = match st.priority {
        0 if st.wantstate == Some(VrrpState::Master) => PRIO_OWNER,
        0 => PRIO_DEFAULT,
        p => p,
    };
    let owner_state = if i.priority == PRIO_OWNER {
        VrrpState::Master
    } else {
        VrrpState::Backup
    };
    i.state = match st.wantstate {
        None => owner_state,
        Some(w) if strict && (w == VrrpState::Master) != (i.priority == PRIO_OWNER) => {
            err(rep, format!("({name}) State MASTER must match being address owner"));
            owner_state
        }
        Some(w) => w,
    };

    let has_pass = i
        .auth_pass
        .as_deref()
        .is_some_and(|p| !p.is_empty() && !p.starts_with('\0'));
    if strict && i.auth_type != AuthType::None {
        err(
            rep,
            format!("({name}) Strict mode does not support authentication. Ignoring."),
        );
        i.auth_type = AuthType::None;
    } else if version == 3 && i.auth_type != AuthType::None {
        err(
            rep,
            format!("({name}) VRRP version 3 does not support authentication. Ignoring."),
        );
        i.auth_type = AuthType::None;
    } else if i.auth_type != AuthType::None && !has_pass {
        err(
            rep,
            format!("({name}) Authentication specified but no password given. Ignoring"),
        );
        i.auth_type = AuthType::None;
    } else if family == Family::V6 && i.auth_type == AuthType::Ah {
        err(
            rep,
            format!("({name}) Cannot use AH authentication with IPv6. ignoring"),
        );
        i.auth_type = AuthType::None;
    } else if i.auth_type == AuthType::Ah && i.state == VrrpState::Master && i.priority != PRIO_OWNER {
        err(
            rep,
            format!("({name}) Initial state master is incompatible with AH authentication - clearing"),
        );
        i.state = VrrpState::Backup;
    }

    if i.interface.is_none() {
        if i.src_ip.is_none() {
            err(
                rep,
                format!("({name}): Unicast instances must have unicast_src_ip or interface"),
            );
            finish_defaults(i, &st, &g, sync_npc, strict);
            return false;
        }
        if family == Family::V6 && i.src_ip.as_ref().is_some_and(is_link_local6) {
            err(
                rep,
                format!("({name}) Non link-local address required if interface omitted"),
            );
            finish_defaults(i, &st, &g, sync_npc, strict);
            return false;
        }
    }

    let unicast = !i.unicast_peers.is_empty();
    if i.unicast_configured && !unicast {
        if i.unicast_fault_no_peer {
            rep.report(
                Level::Info,
                loc.clone(),
                format!("({name}) Cannot use unicast without any peers - going to fault state"),
            );
            i.config_faults += 1;
        } else {
            rep.report(
                Level::Deprecated,
                loc.clone(),
                format!("({name}) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration."),
            );
        }
    }

    if let Some(v) = i.vmac.as_mut() {
        if strict && v.mac.is_some() {
            err(
                rep,
                format!("({name}): cannot specify MAC address with strict mode - clearing"),
            );
            v.mac = None;
            v.mac_use_vrid = false;
        }
        if let Some(m) = v.mac.as_mut() {
            if v.mac_use_vrid {
                m[5] = i.vrid;
            }
        }
    }

    if family == Family::V6 && !unicast {
        if let Some(first) = i.vips.first() {
            if !is_link_local6(&first.addr) {
                if strict {
                    err(rep, format!("({name}) the first IPv6 VIP address must be link local"));
                } else {
                    rep.report(
                        Level::Info,
                        loc.clone(),
                        format!("({name}) the first IPv6 VIP address should be link local"),
                    );
                }
            }
        }
    }

    if i.vrf.is_some() && (i.interface.is_some() || !unicast) {
        let what = if i.interface.is_some() {
            "out interface"
        } else {
            " unicast"
        };
        err(rep, format!("({name}) vrf can only be specified with{what} - clearing"));
        i.vrf = None;
    }

    // Fit the VIPs in an advert (ether + IP + VRRP headers, plus v2 auth data).
    let max_addr = if family == Family::V4 {
        let mut hdr = 14 + 20 + 8;
        if version == 2 {
            hdr += 8;
            if i.auth_type == AuthType::Ah {
                hdr += 24;
            }
        }
        (DEFAULT_MTU - hdr) / 4
    } else {
        (DEFAULT_MTU - 14 - 40 - 8) / 16
    }
    .min(255);
    if i.vips.len() > max_addr {
        err(
            rep,
            format!(
                "({name}) Number of VIPs ({}) exceeds maximum/space available in packet (max {max_addr} addresses) - excess moved to eVIPs",
                i.vips.len()
            ),
        );
        let extra = i.vips.split_off(max_addr);
        i.evips.extend(extra);
    }

    if i.priority == PRIO_OWNER && i.nopreempt {
        err(
            rep,
            format!("({name}) nopreempt is incompatible with priority 255. resetting nopreempt"),
        );
        i.nopreempt = false;
    }
    if i.state == VrrpState::Master {
        if i.nopreempt {
            err(
                rep,
                format!("({name}) Warning - nopreempt will not work with initial state MASTER - clearing"),
            );
            i.nopreempt = false;
        }
        if i.preempt_delay != 0 {
            err(
                rep,
                format!("({name}) Warning - preempt delay will not work with initial state MASTER - clearing"),
            );
            i.preempt_delay = 0;
        }
    }
    if i.preempt_delay != 0 {
        if strict {
            err(
                rep,
                format!("({name}) preempt_delay is incompatible with strict mode - resetting"),
            );
            i.preempt_delay = 0;
        }
        if i.nopreempt {
            err(
                rep,
                format!("({name}) preempt_delay is incompatible with nopreempt mode - resetting"),
            );
            i.preempt_delay = 0;
        }
    }
    if i.down_timer_adverts != DOWN_TIMER_ADVERTS && strict {
        err(
            rep,
            format!("({name}) down_timer_adverts is incompatible with strict mode - resetting"),
        );
        i.down_timer_adverts = DOWN_TIMER_ADVERTS;
    }

    i.accept = st.accept.unwrap_or(i.priority == PRIO_OWNER || !strict);
    if i.accept && i.priority != PRIO_OWNER && strict && version == 2 {
        err(
            rep,
            format!("({name}) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting"),
        );
        i.accept = false;
    }

    if !unicast && i.mcast_dst_ip.is_none() {
        i.mcast_dst_ip = Some(match family {
            Family::V4 => IpAddr::V4(g.vrrp_mcast_group4),
            Family::V6 => IpAddr::V6(g.vrrp_mcast_group6),
        });
    } else if unicast && i.mcast_dst_ip.is_some() {
        err(
            rep,
            format!("({name}) multicast destination specified with unicast - ignoring"),
        );
        i.mcast_dst_ip = None;
    }

    match st.garp_lower_prio_repeat {
        None => i.garp_lower_prio_repeat = if strict { 0 } else { g.garp_lower_prio_repeat() },
        Some(v) if strict && v != 0 => {
            err(rep, format!("({name}) Strict mode requires no repeat garps. resetting"));
            i.garp_lower_prio_repeat = 0;
        }
        Some(v) => i.garp_lower_prio_repeat = v,
    }
    match st.garp_lower_prio_delay {
        None => i.garp_lower_prio_delay = if strict { 0 } else { g.garp_lower_prio_delay() },
        Some(v) if strict && v != 0 => {
            err(
                rep,
                format!("({name}) Strict mode requires no repeat garp delay. resetting"),
            );
            i.garp_lower_prio_delay = 0;
        }
        Some(v) => i.garp_lower_prio_delay = v,
    }
    match st.lower_prio_no_advert {
        None => i.lower_prio_no_advert = strict || g.vrrp_lower_prio_no_advert,
        Some(false) if strict => {
            err(
                rep,
                format!("({name}) Strict mode requires no lower priority advert. resetting"),
            );
            i.lower_prio_no_advert = true;
        }
        Some(v) => i.lower_prio_no_advert = v,
    }
    match st.higher_prio_send_advert {
        None => i.higher_prio_send_advert = !strict && g.vrrp_higher_prio_send_advert,
        Some(true) if strict => {
            err(
                rep,
                format!("({name}) strict mode requires higher_prio_send_advert to be clear. resetting"),
            );
            i.higher_prio_send_advert = false;
        }
        Some(v) => i.higher_prio_send_advert = v,
    }
    i.smtp_alert = st.smtp_alert.or(g.smtp_alert_vrrp).or(g.smtp_alert).unwrap_or(false);
    i.notify_priority_changes = st
        .notify_priority_changes
        .or(sync_npc)
        .unwrap_or(g.vrrp_notify_priority_changes);

    let mut adv = if st.advert_int == 0 {
        ADVERT_DEFAULT_US
    } else {
        st.advert_int
    };
    let secs = |v: u64| v as f64 / TIMER_HZ as f64;
    if version == 2 {
        if adv >= 256 * TIMER_HZ {
            err(
                rep,
                format!(
                    "({name}) VRRPv2 advertisement interval {:.2}s is out of range. Must be less than 256s. Setting to 255s",
                    secs(adv)
                ),
            );
            adv = 255 * TIMER_HZ;
        } else if adv % TIMER_HZ != 0 {
            err(
                rep,
                format!(
                    "({name}) VRRPv2 advertisement interval {:.6}s must be an integer. rounding",
                    secs(adv)
                ),
            );
            adv += TIMER_HZ / 2;
            adv -= adv % TIMER_HZ;
            if adv == 0 {
                adv = TIMER_HZ;
            }
        }
    } else if adv >= 4096 * CENTI_HZ {
        err(
            rep,
            format!(
                "({name}) VRRPv3 advertisement interval {:.2}s is out of range. Must be less than 40.96s. Setting to 40.95s",
                secs(adv)
            ),
        );
        adv = 4095 * CENTI_HZ;
    } else if adv % CENTI_HZ != 0 {
        err(
            rep,
            format!(
                "({name}) VRRPv3 advertisement interval {:.6}s must be in units of 10ms - rounding",
                secs(adv)
            ),
        );
        adv += CENTI_HZ / 2;
        adv -= adv % CENTI_HZ;
        if adv == 0 {
            adv = CENTI_HZ;
        }
    }
    i.advert_int = adv;

    if i.interface.is_some() && (i.linkbeat_use_polling || g.linkbeat_use_polling) {
        i.linkbeat_use_polling = true;
    }

    // Interface debounce timers must stay below (down_timer_adverts - 1) adverts.
    if let Some(d) = delays_idx {
        let delays = &mut b.cfg.vrrp.interface_up_down_delays[d];
        let i = &b.cfg.vrrp.instances[idx];
        if i.down_timer_adverts == 1 {
            if delays.up != 0 || delays.down != 0 {
                rep.report(
                    Level::Info,
                    loc.clone(),
                    format!("{name}: cannot use debounce timers with down_timer_adverts = 1 - resetting"),
                );
                delays.up = 0;
                delays.down = 0;
            }
        } else {
            let limit = (i.down_timer_adverts as u64 - 1) * adv;
            if delays.up >= limit || delays.down >= limit {
                if delays.up >= limit {
                    delays.up = limit - adv / 256;
                }
                if delays.down >= limit {
                    delays.down = limit - adv / 256;
                }
                rep.report(
                    Level::Info,
                    loc.clone(),
                    format!(
                        "{name}: interface {} debounce timer(s) not less that {} * advert_int - resetting",
                        delays.name,
                        i.down_timer_adverts - 1
                    ),
                );
            }
        }
    }
    let i = &mut b.cfg.vrrp.instances[idx];
    let err = |rep: &mut Reporter<'_>, m: String| rep.report(Level::GeneralError, loc.clone(), m);

    if i.src_ip.is_none() {
        i.track_src_ip = false;
    }

    let prefix = g.vmac_prefix.clone();
    if i.vmac.is_some() || i.ipvlan.is_some() {
        let (kind, configured) = if let Some(v) = &i.vmac {
            ("VMAC", v.ifname.clone())
        } else {
            ("IPVLAN", i.ipvlan.as_ref().and_then(|v| v.ifname.clone()))
        };
        let mut ifname = configured;
        if let Some(n) = ifname.clone() {
            if sys.interface_exists(&n) {
                err(
                    rep,
                    format!(
                        "({name}) {kind} interface name {n} already exists as a non {kind} interface. ignoring configured name"
                    ),
                );
                ifname = None;
            }
        }
        let ifname = ifname.unwrap_or_else(|| create_vmac_name(&prefix, i.vrid, family, &other_vmac_names, sys));
        if let Some(v) = i.vmac.as_mut() {
            v.ifname = Some(ifname);
            if strict && i.vmac_xmit_base {
                err(
                    rep,
                    format!("({name}) xmit_base is incompatible with strict mode - resetting"),
                );
                i.vmac_xmit_base = false;
            }
        } else if let Some(v) = i.ipvlan.as_mut() {
            v.ifname = Some(ifname);
        }
        if i.promote_secondaries {
            err(
                rep,
                format!("({name}) promote_secondaries is automatically set for vmacs - ignoring"),
            );
            i.promote_secondaries = false;
        }
    }

    if let Some(ipv) = &i.ipvlan {
        match ipv.addr {
            None if family == Family::V4 => {
                err(
                    rep,
                    format!(
                        "({name}) IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state"
                    ),
                );
                i.config_faults += 1;
            }
            Some((a, _)) if Family::of(&a) != family => {
                err(
                    rep,
                    format!(
                        "({name}) IPv4 ipvlan address family does not match instance. setting instance to fault state"
                    ),
                );
                i.config_faults += 1;
            }
            _ => {}
        }
    }

    if let Some(own) = i.interface.clone() {
        let before = i.track_interfaces.len();
        let mut removed = false;
        i.track_interfaces.retain(|t| {
            if t.name == own {
                removed = true;
                false
            } else {
                true
            }
        });
        if removed && before != i.track_interfaces.len() {
            err(
                rep,
                format!("({name}) Ignoring track_interface {own} since own interface"),
            );
        }
    }

    if i.vmac_xmit_base && i.vmac.is_none() {
        err(rep, format!("({name}) vmac_xmit_base is only valid with a vmac"));
        i.vmac_xmit_base = false;
    }

    // use_vmac on addresses; addresses need an interface.
    let mut use_extra_if = false;
    let mut use_extra_vmac = false;
    for excluded in [false, true] {
        let list = if excluded {
            std::mem::take(&mut i.evips)
        } else {
            std::mem::take(&mut i.vips)
        };
        let mut kept = Vec::with_capacity(list.len());
        for mut a in list {
            let fam = Family::of(&a.addr);
            let on_own = a.dev.is_none() || a.dev == i.interface;
            if a.use_vmac {
                a.use_vmac = false;
                if on_own && i.vmac.is_some() && fam == family {
                    err(
                        rep,
                        format!(
                            "({name}) use_vmac specified for VIP/eVIP {} and vrrp instance",
                            ipaddresstos(&a)
                        ),
                    );
                } else if (!on_own || fam != family) && i.use_vmac_addr {
                    err(
                        rep,
                        format!(
                            "({name}) use_vmac_addr specified and use_vmac specified for VIP/eVIP {}",
                            ipaddresstos(&a)
                        ),
                    );
                } else {
                    a.use_vmac = true;
                }
            }
            if a.dev.is_none() && i.interface.is_none() {
                let e = if excluded { "e" } else { "" };
                err(
                    rep,
                    format!("({name}): no interface for {e}vip {} - removing", ipaddresstos(&a)),
                );
                continue;
            }
            let vmac_here = on_own && i.vmac.is_some() && fam == family;
            if a.use_vmac || (i.use_vmac_addr && (!on_own || fam != family)) {
                use_extra_vmac = true;
            } else if !on_own || (i.vmac.is_some() && !vmac_here) {
                use_extra_if = true;
            }
            // keepalived gives an address without `dev` the instance's configured interface
            // (on a VMAC instance, addresses of its family then live on the VMAC, which the
            // `-d` layout shows as `vrrp.VRID@IF`).
            if a.dev.is_none() {
                a.dev = i.interface.clone();
            }
            kept.push(a);
        }
        if excluded {
            i.evips = kept;
        } else {
            i.vips = kept;
        }
    }

    match st.garp_extra_if {
        Some((d, all)) => {
            i.garp_extra_if = d;
            i.garp_extra_if_all = all;
        }
        None => {
            i.garp_extra_if = g.vrrp_garp_extra_if;
            i.garp_extra_if_all = g.vrrp_garp_extra_if_all;
        }
    }
    // Extra interfaces only get gratuitous ARPs through a VMAC, or with `all`.
    if i.garp_extra_if != 0 && !use_extra_vmac && (!use_extra_if || !i.garp_extra_if_all) {
        i.garp_extra_if = 0;
    }

    if i.vips.is_empty() {
        if version == 3 || family == Family::V6 || strict {
            err(rep, format!("({name}) No VIP specified; at least one is required"));
            return false;
        }
        rep.report(
            Level::Warning,
            loc.clone(),
            format!("({name}) No VIP specified; at least one is sensible"),
        );
    }

    let sync_no_weight = sync_tracking_weight == Some(false);
    if sync_no_weight || i.priority == PRIO_OWNER {
        let why = if sync_no_weight { "SYNC group" } else { "address owner" };
        let why2 = if sync_no_weight { "SYNC group" } else { "address_owner" };
        let wword = if sync_no_weight { "weight " } else { "" };
        let mut kept = Vec::new();
        for mut t in std::mem::take(&mut i.track_interfaces) {
            if t.weight != 0 {
                err(
                    rep,
                    format!("({name}) ignoring {} tracked interface {wword}due to {why}", t.name),
                );
                if sync_no_weight {
                    t.weight = 0;
                } else {
                    continue;
                }
            }
            kept.push(t);
        }
        i.track_interfaces = kept;
        let mut kept = Vec::new();
        for t in std::mem::take(&mut i.track_scripts) {
            if t.weight != 0 {
                err(
                    rep,
                    format!("({name}) ignoring tracked script {} with weights due to {why2}", t.name),
                );
                continue;
            }
            kept.push(t);
        }
        i.track_scripts = kept;
        let mut kept = Vec::new();
        for mut t in std::mem::take(&mut i.track_files) {
            // keepalived takes weight 1 (the track_file default) as "not given".
            match t.weight {
                1 => {
                    err(
                        rep,
                        format!(
                            "({name}) ignoring weight from tracked file {} due to {why2}. specify weight 0",
                            t.name
                        ),
                    );
                    t.weight = 0;
                }
                0 => {}
                w => {
                    err(
                        rep,
                        format!(
                            "({name}) ignoring tracked file {} with weight {w} due to {why2}",
                            t.name
                        ),
                    );
                    continue;
                }
            }
            kept.push(t);
        }
        i.track_files = kept;
        let mut kept = Vec::new();
        for t in std::mem::take(&mut i.track_bfds) {
            if t.weight != 0 {
                err(
                    rep,
                    format!(
                        "({name}) ignoring tracked bfd {} with weight {} due to {why2}",
                        t.name, t.weight
                    ),
                );
                continue;
            }
            kept.push(t);
        }
        i.track_bfds = kept;
    }
    true
}

/// The defaults keepalived would still have filled had it not stopped early: keeps the model
/// resolved when completion ends with an error.
fn finish_defaults(
    i: &mut crate::config::model::vrrp::VrrpInstance,
    st: &crate::config::keywords::vrrp::InstanceState,
    g: &crate::config::model::global::GlobalDefs,
    sync_npc: Option<bool>,
    strict: bool,
) {
    i.priority = match st.priority {
        0 if st.wantstate == Some(VrrpState::Master) => PRIO_OWNER,
        0 => PRIO_DEFAULT,
        p => p,
    };
    i.state = st.wantstate.unwrap_or(if i.priority == PRIO_OWNER {
        VrrpState::Master
    } else {
        VrrpState::Backup
    });
    i.accept = st.accept.unwrap_or(i.priority == PRIO_OWNER || !strict);
    i.advert_int = if st.advert_int == 0 {
        ADVERT_DEFAULT_US
    } else {
        st.advert_int
    };
    i.garp_lower_prio_repeat = st
        .garp_lower_prio_repeat
        .unwrap_or(if strict { 0 } else { g.garp_lower_prio_repeat() });
    i.garp_lower_prio_delay = st
        .garp_lower_prio_delay
        .unwrap_or(if strict { 0 } else { g.garp_lower_prio_delay() });
    i.lower_prio_no_advert = st.lower_prio_no_advert.unwrap_or(strict || g.vrrp_lower_prio_no_advert);
    i.higher_prio_send_advert = st
        .higher_prio_send_advert
        .unwrap_or(!strict && g.vrrp_higher_prio_send_advert);
    i.smtp_alert = st.smtp_alert.or(g.smtp_alert_vrrp).or(g.smtp_alert).unwrap_or(false);
    i.notify_priority_changes = st
        .notify_priority_changes
        .or(sync_npc)
        .unwrap_or(g.vrrp_notify_priority_changes);
    if let Some((d, all)) = st.garp_extra_if {
        i.garp_extra_if = d;
        i.garp_extra_if_all = all;
    }
    if i.mcast_dst_ip.is_none() && i.unicast_peers.is_empty() {
        i.mcast_dst_ip = Some(match i.family {
            Family::V4 => IpAddr::V4(g.vrrp_mcast_group4),
            Family::V6 => IpAddr::V6(g.vrrp_mcast_group6),
        });
    }
}

/// keepalived's `create_vmac_name()`: `PREFIX.VRID`, or `PREFIXn.VRID` if that is taken (IPv6
/// tries 6 first).
fn create_vmac_name(prefix: &str, vrid: u8, family: Family, taken: &[String], sys: &dyn System) -> String {
    let fit = |num: Option<u32>| -> String {
        let tail = match num {
            Some(n) => format!("{n}.{vrid}"),
            None => format!(".{vrid}"),
        };
        let keep = 15usize.saturating_sub(tail.len()).min(prefix.len());
        format!("{}{tail}", &prefix[..keep])
    };
    let mut name = fit(None);
    let mut num = 0u32;
    loop {
        if !taken.contains(&name) && !sys.interface_exists(&name) {
            return name;
        }
        if family == Family::V6 {
            num = match num {
                0 => 6,
                6 => 1,
                n if n + 1 == 6 => 7,
                n => n + 1,
            };
        } else {
            num += 1;
        }
        name = fit(Some(num));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::system::RealSystem;

    #[test]
    fn vmac_names() {
        let s = RealSystem;
        assert_eq!(create_vmac_name("vrrp", 51, Family::V4, &[], &s), "vrrp.51");
        let taken = vec!["vrrp.51".to_string()];
        assert_eq!(create_vmac_name("vrrp", 51, Family::V4, &taken, &s), "vrrp1.51");
        assert_eq!(create_vmac_name("vrrp", 51, Family::V6, &taken, &s), "vrrp6.51");
        assert_eq!(
            create_vmac_name("averyveryverylongprefix", 200, Family::V4, &[], &s),
            "averyveryve.200"
        );
    }

    #[test]
    fn address_text() {
        let a = IpAddress::new("10.0.0.1".parse().unwrap(), 32, Default::default());
        assert_eq!(ipaddresstos(&a), "10.0.0.1");
        let a = IpAddress::new("10.0.0.1".parse().unwrap(), 24, Default::default());
        assert_eq!(ipaddresstos(&a), "10.0.0.1/24");
    }
}
