//! Dumps of the VRRP configuration: the resolved keepalived.conf text (every value explicit, so
//! that it reads back to an equal model) and keepalived's `-d` layout ([`layout`], in
//! `vrrp_layout.rs`).

#[path = "vrrp_layout.rs"]
mod layout_impl;

use super::writer::ConfWriter;
use crate::config::model::Config;
use crate::config::model::Script;
use crate::config::model::net::{IpAddress, MissingInterfaceLine, Route, Rule};
use crate::config::model::vrrp::{
    AuthType, ChecksumCompat, LinkbeatType, SyncGroup, Tracked, TrackedRef, VrrpInstance, VrrpScript,
};
use crate::config::values::format_secs;

pub use layout_impl::{
    At, Line, Runtime, Static, address_text, garp_delays, garp_delays_with, layout, layout_with, static_track_groups,
};

/// Writes the VRRP part of the resolved configuration.
pub fn write_resolved(cfg: &Config, w: &mut ConfWriter) {
    let v = &cfg.vrrp;
    for s in &v.scripts {
        write_script(s, w);
    }
    for g in &v.track_groups {
        w.open(format!("track_group {}", crate::config::tokens::quote_word(&g.name)));
        if !g.instances.is_empty() {
            w.open("group");
            for i in &g.instances {
                w.line(&[i]);
            }
            w.close();
        }
        w.close();
    }
    for g in &v.garp_groups {
        w.open("garp_group");
        if let Some(i) = g.garp_interval {
            w.line(&["garp_interval", &format_secs(i)]);
        }
        if let Some(i) = g.gna_interval {
            w.line(&["gna_interval", &format_secs(i)]);
        }
        for i in &g.interface {
            w.line(&["interface", i]);
        }
        // Missing interfaces give the same message as `interface NAME`.
        for i in &g.missing_interfaces {
            w.line(&["interface", i]);
        }
        if !g.interfaces.is_empty() {
            w.open("interfaces");
            for i in &g.interfaces {
                w.line(&[i]);
            }
            w.close();
        }
        w.close();
    }
    if !v.linkbeat_interfaces.is_empty() {
        w.open("linkbeat_interfaces");
        for l in &v.linkbeat_interfaces {
            match l.kind {
                LinkbeatType::Default => w.line(&[&l.name]),
                LinkbeatType::Mii => w.line(&[&l.name, "MII"]),
                LinkbeatType::Ethtool => w.line(&[&l.name, "ETHTOOL"]),
                LinkbeatType::Ioctl => w.line(&[&l.name, "IOCTL"]),
            }
        }
        w.close();
    }
    if !v.interface_up_down_delays.is_empty() {
        w.open("interface_up_down_delays");
        for d in &v.interface_up_down_delays {
            w.line(&[&d.name, &format_secs(d.down), &format_secs(d.up)]);
        }
        w.close();
    }
    for i in &v.instances {
        write_instance(i, w);
    }
    for g in &v.sync_groups {
        write_sync_group(g, w);
    }
}

fn write_script(s: &VrrpScript, w: &mut ConfWriter) {
    w.open(format!("vrrp_script {}", crate::config::tokens::quote_word(&s.name)));
    if !s.script.args.is_empty() {
        w.script_line("script", &s.script.args, &[]);
    }
    w.line(&["interval", &(s.interval / 1_000_000).to_string()]);
    if s.timeout != 0 {
        w.line(&["timeout", &(s.timeout / 1_000_000).to_string()]);
    }
    let weight = s.weight.to_string();
    if s.weight_reverse {
        w.line(&["weight", &weight, "reverse"]);
    } else {
        w.line(&["weight", &weight]);
    }
    w.line(&["rise", &s.rise.to_string()]);
    w.line(&["fall", &s.fall.to_string()]);
    if let Some(u) = &s.script.user {
        let mut l = vec!["user".to_string(), u.clone()];
        l.extend(s.script.group.clone());
        w.line(&l);
    }
    if s.init_fail {
        w.line(&["init_fail"]);
    }
    w.close();
}

fn notify(w: &mut ConfWriter, key: &str, s: &Option<Script>) {
    if let Some(s) = s {
        let mut ug: Vec<&str> = Vec::new();
        if let Some(u) = &s.user {
            ug.push(u);
            if let Some(g) = &s.group {
                ug.push(g);
            }
        }
        w.script_line(key, &s.args, &ug);
    }
}

fn onoff(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// `track_interface { }`, with the interfaces refused as missing.
fn tracked(w: &mut ConfWriter, key: &str, list: &[Tracked], missing: &[MissingInterfaceLine]) {
    let missing: Vec<&MissingInterfaceLine> = missing.iter().filter(|l| l.block.as_deref() == Some(key)).collect();
    if list.is_empty() && missing.is_empty() {
        return;
    }
    w.open(key);
    for t in list {
        let wt = t.weight.to_string();
        if t.reverse {
            w.line(&[&t.name, "weight", &wt, "reverse"]);
        } else {
            w.line(&[&t.name, "weight", &wt]);
        }
    }
    for l in missing {
        w.line(&l.words);
    }
    w.close();
}

/// `track_script { }`: `noreverse` spelled out (the script's own direction is the default).
fn tracked_scripts(w: &mut ConfWriter, list: &[Tracked]) {
    if list.is_empty() {
        return;
    }
    w.open("track_script");
    for t in list {
        let wt = t.weight.to_string();
        let rev = if t.reverse { "reverse" } else { "noreverse" };
        w.line(&[&t.name, "weight", &wt, rev]);
    }
    w.close();
}

fn tracked_refs(w: &mut ConfWriter, key: &str, list: &[TrackedRef]) {
    if list.is_empty() {
        return;
    }
    w.open(key);
    for t in list {
        // Always explicit: the tracker's own weight was copied in when it was read.
        let rev = if t.reverse { "reverse" } else { "noreverse" };
        w.line(&[t.name.as_str(), "weight", &t.weight.to_string(), rev]);
    }
    w.close();
}

/// The words of one address line (`ip addr` syntax), from the net family.
pub fn address_words(a: &IpAddress) -> Vec<String> {
    a.conf_words()
}

/// The words of one route line (`ip route` syntax), from the net family.
pub fn route_words(r: &Route) -> Vec<String> {
    r.conf_words()
}

/// The words of one rule line (`ip rule` syntax), from the net family.
pub fn rule_words(r: &Rule) -> Vec<String> {
    r.conf_words()
}

/// A value block of entries, followed by the lines of that block refused for naming a missing
/// interface (written back so that re-reading refuses them again).
fn block_of<T>(
    w: &mut ConfWriter,
    key: &str,
    list: &[T],
    missing: &[MissingInterfaceLine],
    words: impl Fn(&T) -> Vec<String>,
) {
    let missing: Vec<&MissingInterfaceLine> = missing.iter().filter(|l| l.block.as_deref() == Some(key)).collect();
    if list.is_empty() && missing.is_empty() {
        return;
    }
    w.open(key);
    for x in list {
        w.line(&words(x));
    }
    for l in missing {
        w.line(&l.words);
    }
    w.close();
}

fn write_instance(i: &VrrpInstance, w: &mut ConfWriter) {
    w.open(format!("vrrp_instance {}", crate::config::tokens::quote_word(&i.name)));
    // `interface`/`vrf` lines refused for a missing interface, first: keepalived read them
    // before the instance's own interface took effect.
    for l in i.missing_interface_lines.iter().filter(|l| l.block.is_none()) {
        w.line(&l.words);
    }
    if i.native_ipv6 {
        w.line(&["native_ipv6"]);
    }
    w.line(&["state", i.state.as_str()]);
    if let Some(n) = &i.interface {
        w.line(&["interface", n]);
    }
    if let Some(n) = &i.vrf {
        w.line(&["vrf", n]);
    }
    if i.dont_track_primary {
        w.line(&["dont_track_primary"]);
    }
    if i.vrid != 0 {
        w.line(&["virtual_router_id", &i.vrid.to_string()]);
    }
    w.line(&["priority", &i.priority.to_string()]);
    w.line(&["version", &i.version.to_string()]);
    w.line(&["advert_int", &format_secs(i.advert_int)]);
    if i.auth_type != AuthType::None || i.auth_pass.is_some() {
        w.open("authentication");
        match i.auth_type {
            AuthType::None => {}
            AuthType::Pass => w.line(&["auth_type", "PASS"]),
            AuthType::Ah => w.line(&["auth_type", "AH"]),
        }
        if let Some(p) = &i.auth_pass {
            w.line(&["auth_pass", p]);
        }
        w.close();
    }
    if let Some(s) = &i.src_ip {
        let key = if i.unicast_configured {
            "unicast_src_ip"
        } else {
            "mcast_src_ip"
        };
        w.line(&[key, &s.to_string()]);
    }
    if i.track_src_ip {
        w.line(&["track_src_ip"]);
    }
    if i.unicast_configured {
        w.open("unicast_peer");
        for p in &i.unicast_peers {
            let mut l = vec![p.addr.to_string()];
            if p.min_ttl != 0 {
                l.extend(["min_ttl".into(), p.min_ttl.to_string()]);
            }
            if p.max_ttl != 255 {
                l.extend(["max_ttl".into(), p.max_ttl.to_string()]);
            }
            w.line(&l);
        }
        w.close();
        if !i.unicast_peers.is_empty() {
            if let Some(t) = i.unicast_ttl {
                w.line(&["unicast_ttl", &t.to_string()]);
            }
        }
    }
    if i.unicast_fault_no_peer {
        w.line(&["unicast_fault_no_peer"]);
    }
    if i.check_unicast_src {
        w.line(&["check_unicast_src"]);
    }
    match i.old_unicast_checksum {
        ChecksumCompat::None => {}
        ChecksumCompat::Config => w.line(&["old_unicast_checksum"]),
        ChecksumCompat::Never => w.line(&["old_unicast_checksum", "never"]),
    }
    if let Some(m) = &i.mcast_dst_ip {
        w.line(&["mcast_dst_ip", &m.to_string()]);
    }
    let m = &i.missing_interface_lines;
    block_of(w, "virtual_ipaddress", &i.vips, m, address_words);
    block_of(w, "virtual_ipaddress_excluded", &i.evips, m, address_words);
    block_of(w, "virtual_routes", &i.vroutes, m, route_words);
    block_of(w, "virtual_rules", &i.vrules, m, rule_words);
    tracked(w, "track_interface", &i.track_interfaces, m);
    tracked_scripts(w, &i.track_scripts);
    tracked_refs(w, "track_file", &i.track_files);
    tracked_refs(w, "track_process", &i.track_processes);
    tracked_refs(w, "track_bfd", &i.track_bfds);
    if i.nopreempt {
        w.line(&["nopreempt"]);
    }
    if i.preempt_delay != 0 {
        w.line(&["preempt_delay", &format_secs(i.preempt_delay)]);
    }
    w.line(&[if i.accept { "accept" } else { "no_accept" }]);
    w.line(&["strict_mode", onoff(i.strict_mode)]);
    if i.skip_check_adv_addr {
        w.line(&["skip_check_adv_addr"]);
    }
    w.line(&["garp_master_delay", &i.garp_master_delay.to_string()]);
    w.line(&["garp_master_repeat", &i.garp_master_repeat.to_string()]);
    w.line(&["garp_master_refresh", &i.garp_master_refresh.to_string()]);
    w.line(&["garp_master_refresh_repeat", &i.garp_master_refresh_repeat.to_string()]);
    w.line(&["garp_lower_prio_delay", &i.garp_lower_prio_delay.to_string()]);
    w.line(&["garp_lower_prio_repeat", &i.garp_lower_prio_repeat.to_string()]);
    if i.garp_extra_if_all {
        w.line(&["garp_extra_if", "all", &i.garp_extra_if.to_string()]);
    } else {
        w.line(&["garp_extra_if", &i.garp_extra_if.to_string()]);
    }
    w.line(&["down_timer_adverts", &i.down_timer_adverts.to_string()]);
    w.line(&["lower_prio_no_advert", onoff(i.lower_prio_no_advert)]);
    w.line(&["higher_prio_send_advert", onoff(i.higher_prio_send_advert)]);
    notify(w, "notify_backup", &i.notify_backup);
    notify(w, "notify_master", &i.notify_master);
    notify(w, "notify_fault", &i.notify_fault);
    notify(w, "notify_stop", &i.notify_stop);
    if i.notify_deleted {
        match &i.notify_deleted_script {
            Some(_) => notify(w, "notify_deleted", &i.notify_deleted_script),
            None => w.line(&["notify_deleted"]),
        }
    }
    notify(w, "notify", &i.notify);
    notify(w, "notify_master_rx_lower_pri", &i.notify_master_rx_lower_pri);
    w.line(&["notify_priority_changes", onoff(i.notify_priority_changes)]);
    w.line(&["smtp_alert", onoff(i.smtp_alert)]);
    if let Some(v) = &i.vmac {
        let mut l = vec!["use_vmac".to_string()];
        l.extend(v.ifname.clone());
        if let Some(m) = v.mac {
            let n = if v.mac_use_vrid { 5 } else { 6 };
            l.push(m[..n].iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":"));
        }
        w.line(&l);
    }
    if i.use_vmac_addr {
        w.line(&["use_vmac_addr"]);
    }
    if i.vmac_xmit_base {
        w.line(&["vmac_xmit_base"]);
    }
    if let Some(v) = &i.ipvlan {
        let mut l = vec!["use_ipvlan".to_string()];
        l.extend(v.ifname.clone());
        if let Some((a, p)) = v.addr {
            l.push(format!("{a}/{p}"));
        }
        l.push(v.mode.clone());
        w.line(&l);
    }
    if i.promote_secondaries {
        w.line(&["promote_secondaries"]);
    }
    if i.linkbeat_use_polling {
        w.line(&["linkbeat_use_polling"]);
    }
    if i.kernel_rx_buf_size != 0 {
        w.line(&["kernel_rx_buf_size", &i.kernel_rx_buf_size.to_string()]);
    }
    if i.debug != 0 {
        w.line(&["debug", &i.debug.to_string()]);
    }
    w.close();
}

fn write_sync_group(g: &SyncGroup, w: &mut ConfWriter) {
    w.open(format!(
        "vrrp_sync_group {}",
        crate::config::tokens::quote_word(&g.name)
    ));
    w.open("group");
    for m in &g.members {
        w.line(&[m]);
    }
    w.close();
    tracked(w, "track_interface", &g.track_interfaces, &g.missing_interface_lines);
    tracked_scripts(w, &g.track_scripts);
    tracked_refs(w, "track_file", &g.track_files);
    tracked_refs(w, "track_process", &g.track_processes);
    tracked_refs(w, "track_bfd", &g.track_bfds);
    notify(w, "notify_backup", &g.notify_backup);
    notify(w, "notify_master", &g.notify_master);
    notify(w, "notify_fault", &g.notify_fault);
    notify(w, "notify_stop", &g.notify_stop);
    notify(w, "notify", &g.notify);
    w.line(&["smtp_alert", onoff(g.smtp_alert)]);
    if g.sync_group_tracking_weight {
        w.line(&["sync_group_tracking_weight"]);
    }
    if let Some(b) = g.notify_priority_changes {
        w.line(&["notify_priority_changes", onoff(b)]);
    }
    w.close();
}
