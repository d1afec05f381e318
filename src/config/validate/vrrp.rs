//! Completion and validation of the VRRP configuration after parsing, in the order of
//! keepalived's `start_vrrp()` under `-t`: the "Non-existent interface" stop, then
//! `vrrp_complete_init()` (`check_vrrp_script_security()`, `chk_min_cfg()`, sync group
//! membership, [`instance::complete_instance`], VRID conflicts, `sync_group_tracking_init()`).
//!
//! Where keepalived stops (its VRRP process would exit), we keep completing the model so that it
//! holds resolved values, but report nothing further: [`Reporter::stop`].

#[path = "vrrp_instance.rs"]
pub mod instance;
#[path = "vrrp_lvs.rs"]
mod lvs_syncd;
#[path = "vrrp_tracking.rs"]
mod tracking;

use crate::config::LoadOptions;
use crate::config::builder::Builder;
use crate::config::diag::{Diagnostics, Level, Loc};
use crate::config::keywords::global;
use crate::config::model::net::MissingInterfaceLine;
use crate::config::model::vrrp::{PRIO_OWNER, SyncGroup, VrrpState};
use crate::config::script_security::{self, flags};
use crate::config::system::System;

/// Sends validation messages to the diagnostics until keepalived would have stopped.
pub struct Reporter<'d> {
    diags: &'d mut Diagnostics,
    live: bool,
}

impl<'d> Reporter<'d> {
    /// A reporter writing to `diags`.
    pub fn new(diags: &'d mut Diagnostics) -> Self {
        Reporter { diags, live: true }
    }

    /// Records a message (nothing once stopped).
    pub fn report(&mut self, level: Level, loc: Option<Loc>, msg: impl Into<String>) {
        if self.live {
            self.diags.report(level, loc, msg);
        }
    }

    /// keepalived's validation returns here: later checks run silently.
    pub fn stop(&mut self) {
        self.live = false;
    }

    /// Whether messages are still reported.
    pub fn live(&self) -> bool {
        self.live
    }
}

/// Fills computed defaults and cross-checks the VRRP configuration.
pub fn complete(b: &mut Builder, sys: &dyn System, _opts: &LoadOptions, diags: &mut Diagnostics) {
    // Messages of keepalived's VRRP parse, settled now that global_defs is known.
    lvs_syncd::settle_interfaces(b, diags);
    final_script_users(b);
    let mut rep = Reporter::new(diags);
    // One flag for every family's interface lookups (netsyntax::interface_lookup), reported
    // once: keepalived's VRRP process stops here.
    b.cfg.vrrp.nonexistent_interface = b.net.non_existent_interface;
    for i in &mut b.cfg.vrrp.instances {
        // The resolved form writes them block by block.
        MissingInterfaceLine::sort(
            &mut i.missing_interface_lines,
            &[
                "virtual_ipaddress",
                "virtual_ipaddress_excluded",
                "virtual_routes",
                "virtual_rules",
                "track_interface",
            ],
        );
    }
    if b.net.non_existent_interface {
        rep.report(Level::BadIf, None, "Non-existent interface specified in configuration");
        rep.stop();
    }
    check_script_security(b, sys, &mut rep);
    // chk_min_cfg()
    for i in &b.cfg.vrrp.instances {
        if !rep.live() {
            break;
        }
        let loc = i.origin.0.clone();
        if i.vrid == 0 {
            rep.report(
                Level::GeneralError,
                loc,
                format!("({}) the virtual router id must be set", i.name),
            );
            rep.stop();
        } else if i.interface.is_none() {
            // keepalived tests its unicast flag here, which is only set later.
            rep.report(Level::GeneralError, loc, format!("({}) Unknown interface!", i.name));
            rep.stop();
        }
    }
    set_sync_groups(b, &mut rep);
    let mut ok = true;
    for idx in 0..b.cfg.vrrp.instances.len() {
        if instance::complete_instance(b, idx, sys, &mut rep) {
            tracking::add_instance(b, idx, &mut rep);
        } else if ok {
            ok = false;
            rep.stop();
        }
    }
    if check_vrid_conflicts(b, &mut rep) {
        rep.stop();
    }
    sync_group_tracking_init(b, &mut rep);
    // `-t` stops here; keepalived's start-up goes on with the following.
    rep.stop();
    settle_sync_group_states(b);
    lvs_syncd::resolve(b, rep.diags);
    remove_unused_scripts(b, rep.diags);
}

/// keepalived's VRRP process reads its scripts after all of `global_defs`: those without a user
/// run as the final default script user (a `script_user` written after them included).
fn final_script_users(b: &mut Builder) {
    let Some(ids) = global::final_default_ids(&b.global.script_user) else {
        return;
    };
    let v = &mut b.cfg.vrrp;
    for s in &mut v.scripts {
        global::apply_final_default(&mut s.script, ids);
    }
    for i in &mut v.instances {
        for s in [
            &mut i.notify_backup,
            &mut i.notify_master,
            &mut i.notify_fault,
            &mut i.notify_stop,
            &mut i.notify_deleted_script,
            &mut i.notify,
            &mut i.notify_master_rx_lower_pri,
        ]
        .into_iter()
        .flatten()
        {
            global::apply_final_default(s, ids);
        }
    }
    for g in &mut v.sync_groups {
        for s in [
            &mut g.notify_backup,
            &mut g.notify_master,
            &mut g.notify_fault,
            &mut g.notify_stop,
            &mut g.notify,
        ]
        .into_iter()
        .flatten()
        {
            global::apply_final_default(s, ids);
        }
    }
}

/// keepalived drops scripts no instance tracks ("Warning - script %s is not used", logged at
/// start-up only, so `Level::Info` here).
fn remove_unused_scripts(b: &mut Builder, diags: &mut Diagnostics) {
    let v = &b.cfg.vrrp;
    let used = |name: &str| {
        v.instances
            .iter()
            .any(|i| i.track_scripts.iter().any(|t| t.name == name))
            || v.sync_groups
                .iter()
                .any(|g| g.track_scripts.iter().any(|t| t.name == name))
    };
    let unused: Vec<(String, Option<Loc>)> = v
        .scripts
        .iter()
        .filter(|s| !used(&s.name))
        .map(|s| (s.name.clone(), s.origin.0.clone()))
        .collect();
    for (name, loc) in &unused {
        diags.report(Level::Info, loc.clone(), format!("Warning - script {name} is not used"));
    }
    b.cfg.vrrp.scripts.retain(|s| !unused.iter().any(|(n, _)| n == &s.name));
}

/// keepalived's `check_vrrp_script_security()`: disables scripts that cannot or must not run
/// and reports running scripts without `enable_script_security`.
fn check_script_security(b: &mut Builder, sys: &dyn System, rep: &mut Reporter<'_>) {
    if b.cfg.vrrp.instances.is_empty() {
        return;
    }
    let security = b.cfg.global.enable_script_security;
    let mut log = script_security::Log::new();
    let mut all = 0u32;
    let mut insecure: Vec<String> = Vec::new();
    for s in &mut b.cfg.vrrp.scripts {
        let f = script_security::check_script_secure(&mut s.script, security, sys, &mut log);
        flush(&mut log, rep);
        let loc = s.origin.0.clone();
        if f & flags::INHIBIT != 0 {
            rep.report(
                Level::GeneralError,
                loc,
                format!("Disabling track script {} due to insecure", s.name),
            );
            insecure.push(s.name.clone());
        } else if f & flags::NOTFOUND != 0 {
            rep.report(
                Level::GeneralError,
                loc,
                format!("Disabling track script {} since not found/accessible", s.name),
            );
            insecure.push(s.name.clone());
        } else if f & (flags::EXECUTABLE | flags::SYSTEM) == 0 {
            insecure.push(s.name.clone());
        }
        all |= f;
    }
    for i in &mut b.cfg.vrrp.instances {
        for slot in [
            &mut i.notify_backup,
            &mut i.notify_master,
            &mut i.notify_fault,
            &mut i.notify_stop,
            &mut i.notify_deleted_script,
            &mut i.notify,
            &mut i.notify_master_rx_lower_pri,
        ] {
            all |= script_security::check_notify_script_secure(slot, security, sys, &mut log);
            flush(&mut log, rep);
        }
        i.track_scripts.retain(|t| !insecure.contains(&t.name));
    }
    for g in &mut b.cfg.vrrp.sync_groups {
        for slot in [
            &mut g.notify_backup,
            &mut g.notify_master,
            &mut g.notify_fault,
            &mut g.notify_stop,
            &mut g.notify,
        ] {
            all |= script_security::check_notify_script_secure(slot, security, sys, &mut log);
            flush(&mut log, rep);
        }
        g.track_scripts.retain(|t| !insecure.contains(&t.name));
    }
    // The global FIFO scripts count too, and are dropped if they cannot or must not run (the
    // checker's validation, before, may already have dropped the global one).
    let g = &mut b.cfg.global;
    for f in [&mut g.notify_fifo, &mut g.vrrp_notify_fifo] {
        all |= script_security::check_notify_script_secure(&mut f.script, security, sys, &mut log);
        flush(&mut log, rep);
    }
    if !security && all & flags::ISSCRIPT != 0 {
        let extra = if all & flags::INSECURE != 0 {
            " There are insecure scripts."
        } else {
            ""
        };
        rep.report(
            Level::SecurityError,
            None,
            format!("SECURITY VIOLATION - scripts are being executed but script_security not enabled.{extra}"),
        );
    }
    b.cfg.vrrp.scripts.retain(|s| !insecure.contains(&s.name));
}

fn flush(log: &mut script_security::Log, rep: &mut Reporter<'_>) {
    for (l, m) in log.drain(..) {
        rep.report(l, None, m);
    }
}

/// keepalived's sync group pass of `vrrp_complete_init()` and `vrrp_sync_set_group()`.
fn set_sync_groups(b: &mut Builder, rep: &mut Reporter<'_>) {
    let groups = std::mem::take(&mut b.cfg.vrrp.sync_groups);
    let states = std::mem::take(&mut b.vrrp.groups);
    let smtp = std::mem::take(&mut b.vrrp.group_smtp);
    let mut kept_smtp = Vec::new();
    let mut kept = Vec::new();
    for (idx, mut g) in groups.into_iter().enumerate() {
        let loc = g.origin.0.clone();
        let Some(iname) = states.get(idx).and_then(|s| s.iname.clone()) else {
            rep.report(
                Level::GeneralError,
                loc,
                format!("Sync group {} has no virtual router(s). removing", g.name),
            );
            continue;
        };
        // keepalived's sgroup->state: None = INIT.
        let mut state: Option<VrrpState> = None;
        for name in &iname {
            let Some(pos) = b.cfg.vrrp.instances.iter().position(|i| &i.name == name) else {
                rep.report(
                    Level::GeneralError,
                    loc.clone(),
                    format!(
                        "Virtual router {name} specified in sync group {} doesn't exist - ignoring",
                        g.name
                    ),
                );
                continue;
            };
            if b.cfg.vrrp.instances[pos].sync_group.is_some() {
                rep.report(
                    Level::GeneralError,
                    loc.clone(),
                    format!(
                        "Virtual router {name} cannot exist in more than one sync group; ignoring {}",
                        g.name
                    ),
                );
                continue;
            }
            b.cfg.vrrp.instances[pos].sync_group = Some(g.name.clone());
            g.members.push(name.clone());
            let st = &b.vrrp.inst[pos];
            if state == Some(VrrpState::Master) && st.wantstate == Some(VrrpState::Backup) {
                rep.report(
                    Level::GeneralError,
                    loc.clone(),
                    format!(
                        "Sync group {} has some member(s) as address owner and some not as address owner. This won't work.",
                        g.name
                    ),
                );
            }
            if state != Some(VrrpState::Backup) {
                state = Some(
                    if st.wantstate == Some(VrrpState::Master) && st.priority == PRIO_OWNER {
                        VrrpState::Master
                    } else {
                        VrrpState::Backup
                    },
                );
            }
        }
        if g.members.is_empty() {
            rep.report(
                Level::GeneralError,
                loc,
                format!(
                    "Sync group {}, no matching virtual router found in group declaration - removing",
                    g.name
                ),
            );
            continue;
        }
        if g.members.len() == 1 {
            rep.report(
                Level::GeneralError,
                loc,
                format!(
                    "Sync group {} has only 1 virtual router(s) - this probably isn't what you want",
                    g.name
                ),
            );
        }
        kept.push(g);
        kept_smtp.push(smtp.get(idx).copied().flatten());
    }
    b.cfg.vrrp.sync_groups = kept;
    b.vrrp.group_smtp = kept_smtp;
}

/// keepalived's `sync_group_tracking_init()`: weights of group trackers are cleared when a
/// member is the address owner; the group's `smtp_alert` default is decided.
fn sync_group_tracking_init(b: &mut Builder, rep: &mut Reporter<'_>) {
    let global_smtp = b.cfg.global.smtp_alert_vrrp.or(b.cfg.global.smtp_alert);
    for idx in 0..b.cfg.vrrp.sync_groups.len() {
        let g = &b.cfg.vrrp.sync_groups[idx];
        if g.members.is_empty() {
            continue;
        }
        let owner = g.members.iter().any(|m| {
            b.cfg
                .vrrp
                .instances
                .iter()
                .any(|i| &i.name == m && i.priority == PRIO_OWNER)
        });
        let loc = g.origin.0.clone();
        let g = &mut b.cfg.vrrp.sync_groups[idx];
        if owner {
            clear_group_weights(g, rep, loc);
        }
        let smtp = b.vrrp.group_smtp.get(idx).copied().flatten();
        g.smtp_alert = smtp.or(global_smtp).unwrap_or(false);
        tracking::add_group(b, idx, rep);
    }
}

fn clear_group_weights(g: &mut SyncGroup, rep: &mut Reporter<'_>, loc: Option<Loc>) {
    let gn = g.name.clone();
    // keepalived's wording differs per tracker ("clearing weight" / "setting weight 0").
    let mut clear = |kind: &str, verb: &str, name: &str, weight: &mut i32| {
        if *weight != 0 {
            rep.report(
                Level::GeneralError,
                loc.clone(),
                format!("({gn}) Cannot have weighted track {kind} '{name}' with member having priority 255 - {verb}"),
            );
            *weight = 0;
        }
    };
    for t in &mut g.track_scripts {
        clear("script", "clearing weight", &t.name, &mut t.weight);
    }
    for t in &mut g.track_files {
        clear("file", "setting weight 0", &t.name, &mut t.weight);
    }
    for t in &mut g.track_processes {
        clear("process", "setting weight 0", &t.name, &mut t.weight);
    }
    for t in &mut g.track_bfds {
        clear("bfd", "setting weight 0", &t.name, &mut t.weight);
    }
    for t in &mut g.track_interfaces {
        clear("interface", "clearing weight", &t.name, &mut t.weight);
    }
}

/// keepalived's `check_vrid_conflicts()`: returns true on a conflict.
fn check_vrid_conflicts(b: &Builder, rep: &mut Reporter<'_>) -> bool {
    let v = &b.cfg.vrrp.instances;
    let mut had_error = false;
    // Only instances of the same family and VRID can conflict.
    let mut same: std::collections::HashMap<(u8, u8), Vec<usize>> = std::collections::HashMap::new();
    for (i, x) in v.iter().enumerate() {
        same.entry((x.family.number(), x.vrid)).or_default().push(i);
    }
    for a in 0..v.len() {
        for &c in same[&(v[a].family.number(), v[a].vrid)].iter().filter(|&&c| c > a) {
            let (x, y) = (&v[a], &v[c]);
            let xu = !x.unicast_peers.is_empty();
            let yu = !y.unicast_peers.is_empty();
            if xu != yu {
                continue;
            }
            if xu {
                if x.interface.is_some() && y.interface.is_some() && x.interface != y.interface {
                    continue;
                }
                // Without a configured source, keepalived uses the interface's address, which
                // is the same for two instances on the same interface.
                let same_src = match (x.src_ip, y.src_ip) {
                    (Some(s), Some(t)) => s == t,
                    (None, None) => x.interface.is_some() && x.interface == y.interface,
                    _ => false,
                };
                if !same_src {
                    continue;
                }
                let peer_matched = x
                    .unicast_peers
                    .iter()
                    .any(|p| y.unicast_peers.iter().any(|q| q.addr == p.addr));
                if !peer_matched {
                    continue;
                }
                rep.report(
                    Level::GeneralError,
                    x.origin.0.clone(),
                    format!("({}) duplicate VRID conflict with {} VRID {}", x.name, y.name, x.vrid),
                );
                had_error = true;
                continue;
            }
            if x.interface != y.interface || x.mcast_dst_ip != y.mcast_dst_ip {
                continue;
            }
            let exists = b.vrrp.inst.get(a).is_some_and(|s| s.if_exists);
            if exists {
                rep.report(
                    Level::GeneralError,
                    x.origin.0.clone(),
                    format!(
                        "{} and {} both use VRID {} with IPv{} on interface {}",
                        x.name,
                        y.name,
                        x.vrid,
                        x.family.number(),
                        x.interface.clone().unwrap_or_default()
                    ),
                );
                had_error = true;
            }
        }
    }
    had_error
}

/// What keepalived does after `-t` stops: if a sync group has members wanting MASTER and
/// others not able to, all start as BACKUP.
fn settle_sync_group_states(b: &mut Builder) {
    for g in &b.cfg.vrrp.sync_groups {
        let members: Vec<usize> = g
            .members
            .iter()
            .filter_map(|m| b.cfg.vrrp.instances.iter().position(|i| &i.name == m))
            .collect();
        let insts = &b.cfg.vrrp.instances;
        let have_backup = members
            .iter()
            .any(|&i| insts[i].state == VrrpState::Backup || insts[i].priority != PRIO_OWNER);
        let have_master = members.iter().any(|&i| insts[i].state == VrrpState::Master);
        if have_master && have_backup {
            for &i in &members {
                b.cfg.vrrp.instances[i].state = VrrpState::Backup;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::diag::Diagnostics;
    use crate::config::keywords;
    use crate::config::model::Origin;
    use crate::config::model::net::IpAddress;
    use crate::config::model::vrrp::Family;
    use crate::config::parser::Parser;
    use crate::config::reader::{Reader, ReaderOptions};
    use crate::config::system::HostWithInterfaces;

    /// Parses `text`, lets `f` add what the address parser would have added, then validates.
    fn check(text: &str, f: impl FnOnce(&mut Builder)) -> (Builder, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("k.conf"), text).unwrap();
        let mut reader = Reader::new(ReaderOptions {
            cwd: dir.path().to_path_buf(),
            config_id: Some("x".into()),
            ..ReaderOptions::default()
        });
        let mut diags = Diagnostics::default();
        assert!(reader.check_conf_file("k.conf", &mut diags));
        reader.open_main("k.conf", &mut diags);
        let host = HostWithInterfaces::eth0_to_eth3();
        let mut p = Parser::new(reader, &host, true);
        p.diags = diags;
        p.run(&keywords::ROOT);
        let (_, mut b, mut diags) = p.into_parts();
        f(&mut b);
        complete(&mut b, &host, &LoadOptions::default(), &mut diags);
        let msgs = diags.reported().map(|d| d.message.clone()).collect();
        (b, msgs)
    }

    fn vip(s: &str, pfx: u8) -> IpAddress {
        IpAddress::new(s.parse().unwrap(), pfx, Origin::default())
    }

    fn add_vips(b: &mut Builder, idx: usize, vips: Vec<IpAddress>) {
        b.vrrp.inst[idx].family = Some(Family::of(&vips[0].addr));
        b.cfg.vrrp.instances[idx].vips = vips;
    }

    #[test]
    fn defaults_with_a_vip() {
        let text = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n}\n";
        let (b, msgs) = check(text, |b| add_vips(b, 0, vec![vip("10.0.0.1", 24)]));
        assert!(msgs.is_empty(), "{msgs:?}");
        let i = &b.cfg.vrrp.instances[0];
        assert_eq!(
            (i.priority, i.state, i.version, i.advert_int),
            (100, VrrpState::Backup, 2, 1_000_000)
        );
        assert!(i.accept && !i.strict_mode);
        assert_eq!(i.mcast_dst_ip, Some("224.0.0.18".parse().unwrap()));
        assert_eq!(i.unicast_ttl, Some(255));
    }

    #[test]
    fn too_many_vips_move_to_evips_and_families_are_checked() {
        // 90 IPv6 addresses: an advert holds 89.
        let text = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n}\n";
        let vips: Vec<IpAddress> = (0..90).map(|n| vip(&format!("fe80::{}", n + 1), 64)).collect();
        let (b, msgs) = check(text, |b| add_vips(b, 0, vips));
        assert!(
            msgs.iter().any(|m| m == "(VI_1) Number of VIPs (90) exceeds maximum/space available in packet (max 89 addresses) - excess moved to eVIPs"),
            "{msgs:?}"
        );
        let i = &b.cfg.vrrp.instances[0];
        assert_eq!(
            (i.vips.len(), i.evips.len(), i.version, i.family),
            (89, 1, 3, Family::V6)
        );
    }

    #[test]
    fn first_ipv6_vip_must_be_link_local_in_strict_mode() {
        let text = "vrrp_instance VI_1 {\n interface eth0\n strict_mode\n virtual_router_id 1\n}\n";
        let (_, msgs) = check(text, |b| add_vips(b, 0, vec![vip("2001:db8::1", 64)]));
        assert!(
            msgs.iter()
                .any(|m| m == "(VI_1) the first IPv6 VIP address must be link local"),
            "{msgs:?}"
        );
    }

    #[test]
    fn use_vmac_on_a_vip_of_the_vmac_instance_is_reported() {
        let text = "vrrp_instance VI_1 {\n interface eth0\n use_vmac\n virtual_router_id 7\n}\n";
        let mut a = vip("10.0.0.1", 24);
        a.use_vmac = true;
        let (b, msgs) = check(text, |b| add_vips(b, 0, vec![a]));
        assert!(
            msgs.iter()
                .any(|m| m == "(VI_1) use_vmac specified for VIP/eVIP 10.0.0.1/24 and vrrp instance"),
            "{msgs:?}"
        );
        let i = &b.cfg.vrrp.instances[0];
        assert_eq!(i.vmac.as_ref().and_then(|v| v.ifname.as_deref()), Some("vrrp.7"));
        assert!(!i.vips[0].use_vmac);
    }

    #[test]
    fn missing_vrid_stops_validation_but_completes_the_model() {
        let text = "vrrp_instance VI_1 {\n interface eth0\n state MASTER\n}\nvrrp_instance VI_2 {\n interface eth0\n virtual_router_id 300\n}\n";
        let (b, msgs) = check(text, |_| {});
        assert_eq!(
            msgs.iter()
                .filter(|m| m.contains("virtual router id must be set"))
                .count(),
            1,
            "keepalived stops at the first: {msgs:?}"
        );
        assert!(!msgs.iter().any(|m| m.contains("No VIP")), "{msgs:?}");
        assert_eq!(b.cfg.vrrp.instances[0].priority, 255);
    }
}
