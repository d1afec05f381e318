//! `vrrp_instance NAME { ... }` and its `authentication { }` sub-block (keepalived's
//! `vrrp_handler()` and the instance keyword handlers of `vrrp_parser.c`).

use super::{InstanceState, bool_opt};
use crate::config::diag::Level;
use crate::config::model::Origin;
use crate::config::model::vrrp::{AuthType, ChecksumCompat, Family, VrrpInstance, VrrpState};
use crate::config::parser::{Block, HResult, Keyword, Parser, Words, kw, kw_block};
use crate::config::values::{self, TIMER_HZ};

/// A fresh instance with keepalived's `alloc_vrrp()` defaults (the GARP settings come from the
/// global settings read so far, as in keepalived).
#[path = "vrrp_instance_net.rs"]
mod net;
#[path = "vrrp_instance_track.rs"]
mod track;
use net::*;
use track::*;

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
