//! keepalived's `-d` layout of the VRRP data (`vrrp_data.c: dump_vrrp_data()`): the
//! `VRRP Topology`, `VRRP Sync groups` and `VRRP Scripts` sections, with the lines that come from
//! the configuration (no run-time state: sockets, timers, interface addresses).

use crate::config::cnum::fmt_g;
use crate::config::model::Config;
use crate::config::model::Script;
use crate::config::model::net::IpAddress;
use crate::config::model::vrrp::{
    AuthType, ChecksumCompat, Family, SyncGroup, Tracked, TrackedRef, VrrpInstance, VrrpScript,
};

/// Appends the VRRP lines of keepalived's `-d` dump.
pub fn layout(cfg: &Config, out: &mut Vec<String>) {
    layout_with(cfg, &Static, out);
}

// ---- Hook for the SIGUSR1 `keepalived.data` (src/vrrp/data.rs): run-time lines. ----

/// Where a running VRRP child adds lines (keepalived's `dump_vrrp()`, `dump_vscript()` and
/// `dump_data_vrrp()` writing to a file). Indices are those of the configuration's lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum At {
    /// After "Using Native IPv6": `State`, and a backup's master router and priority.
    InstanceState(usize),
    /// After "Number of config faults": fault counts, last transition, timers.
    InstanceTimers(usize),
    /// After "Gratuitous ARP for each secondary": its next time.
    InstanceGarpExtra(usize),
    /// After "Priority": effective and total priority.
    InstancePriority(usize),
    /// After "Advert interval": a v3 backup's master advert interval.
    InstanceAdvert(usize),
    /// Between the topology and the sync groups: the sockpool section.
    Sockpool,
    /// After a GARP delay group's "GARP interval" (index in `garp_groups`): its next time.
    GarpNext(usize),
    /// After a GARP delay group's "GNA interval": its next time.
    GnaNext(usize),
    /// After a script's "Fall": result and insecure.
    ScriptResult(usize),
    /// After a script's "Init state": its status.
    ScriptStatus(usize),
    /// After a script's tracking list: its process state.
    ScriptEnd(usize),
}

/// A line a running VRRP child prints in place of the configuration's (`None`: keep it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Line {
    /// "Wantstate = ...": the state wanted now, not the configured one.
    Wantstate(usize),
    /// "Using src_ip = ...", printed always (the configuration prints it only when set).
    SrcIp(usize),
    /// "Multicast address ...", with the ifindex for IPv6.
    Multicast(usize),
    /// Text appended to each VIP and eVIP line (" set").
    VipSuffix(usize),
    /// "fd_in N, fd_out M" instead of "No sockets allocated".
    Sockets(usize),
    /// " VRRP Sync Group = NAME, STATE".
    SyncGroup(usize),
    /// "Num member fault N, num member init M".
    SyncGroupCounts(usize),
    /// "Init state = ..." of a script.
    ScriptInitState(usize),
    /// "Status = N" of a track file (index in `track.files`): the value last read.
    TrackFileStatus(usize),
}

/// Run-time values for [`layout_with`].
pub trait Runtime {
    /// Appends the lines for `at`.
    fn lines(&self, at: At, out: &mut Vec<String>);
    /// The line to print instead of the configuration's.
    fn line(&self, l: Line) -> Option<String>;
}

/// No run-time values: the `-d` layout.
pub struct Static;

impl Runtime for Static {
    fn lines(&self, _: At, _: &mut Vec<String>) {}
    fn line(&self, _: Line) -> Option<String> {
        None
    }
}

/// keepalived's `format_ipaddress()` text of a VIP or eVIP of `i` (the JSON `vips`), on the
/// interface the dump names.
pub fn address_text(a: &IpAddress, i: &VrrpInstance) -> String {
    let (dev, base) = address_dev(a, i);
    a.dump_text_on(dev, base)
}

/// Appends the VRRP lines with the run-time values of `rt`.
pub fn layout_with(cfg: &Config, rt: &dyn Runtime, out: &mut Vec<String>) {
    let v = &cfg.vrrp;
    if !v.instances.is_empty() {
        out.push("------< VRRP Topology >------".into());
        for (k, i) in v.instances.iter().enumerate() {
            instance(k, i, rt, out);
        }
    }
    rt.lines(At::Sockpool, out);
    if !v.sync_groups.is_empty() {
        out.push("------< VRRP Sync groups >------".into());
        for (k, g) in v.sync_groups.iter().enumerate() {
            sync_group(cfg, k, g, rt, out);
        }
    }
    if !v.scripts.is_empty() {
        out.push("------< VRRP Scripts >------".into());
        for (k, s) in v.scripts.iter().enumerate() {
            script(cfg, k, s, rt, out);
        }
    }
}

fn notify(out: &mut Vec<String>, s: &Option<Script>, kind: &str) {
    if let Some(s) = s {
        out.push(format!(
            "   {kind} state transition script = {}, uid:gid {}:{}",
            s.cmd_str(),
            s.uid,
            s.gid
        ));
    }
}

/// The interface an address of instance `i` lives on, and its base when that is a VMAC or
/// ipvlan: addresses of the instance's family on its configured interface use the instance's
/// VMAC (keepalived's `vrrp_complete_instance()`).
fn address_dev<'a>(a: &'a IpAddress, i: &'a VrrpInstance) -> (&'a str, Option<&'a str>) {
    let dev = a.dev.as_deref().or(i.interface.as_deref()).unwrap_or("(null)");
    let own = i.interface.as_deref() == Some(dev) && Family::of(&a.addr) == i.family;
    let virt = i
        .vmac
        .as_ref()
        .and_then(|v| v.ifname.as_deref())
        .or_else(|| i.ipvlan.as_ref().and_then(|v| v.ifname.as_deref()));
    match virt {
        Some(v) if own && i.vmac.is_some() => (v, Some(dev)),
        _ => (dev, None),
    }
}

/// keepalived's VMAC/ipvlan lines and the interface line of `dump_vrrp()`.
fn interface_lines(i: &VrrpInstance, out: &mut Vec<String>) {
    let tf = |b: bool| if b { "true" } else { "false" };
    // The interfaces exist once keepalived has started (`is_up` is then true).
    if let Some(v) = &i.vmac {
        out.push(format!(
            "   Use VMAC, i/f name {}, is_up = true, xmit_base = {}",
            v.ifname.as_deref().unwrap_or(""),
            tf(i.vmac_xmit_base)
        ));
        if let Some(m) = v.mac {
            out.push(format!(
                "     MAC = {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}{}",
                m[0],
                m[1],
                m[2],
                m[3],
                m[4],
                m[5],
                if v.mac_use_vrid { " (using VRID)" } else { "" }
            ));
        }
    }
    if i.use_vmac_addr {
        out.push("   Use VMAC for VIPs on other interfaces".into());
    } else if let Some(v) = &i.ipvlan {
        let addr = v
            .addr
            .map(|(a, p)| format!(", i/f address = {}", crate::config::netsyntax::prefix_text(&a, p)))
            .unwrap_or_default();
        out.push(format!(
            "   Use IPVLAN, i/f {}, is_up = true{addr}, type {}",
            v.ifname.as_deref().unwrap_or(""),
            v.mode
        ));
    }
    let virt = i
        .vmac
        .as_ref()
        .and_then(|v| v.ifname.as_deref())
        .map(|n| (n, "vmac"))
        .or_else(|| {
            i.ipvlan
                .as_ref()
                .and_then(|v| v.ifname.as_deref())
                .map(|n| (n, "ipvlan"))
        });
    match (&i.interface, virt) {
        (Some(base), Some((n, kind))) => out.push(format!(
            "   Interface = {n}, {kind} on {base}{}",
            if i.vmac_xmit_base { ", xmit base i/f" } else { "" }
        )),
        (Some(n), None) => out.push(format!("   Interface = {n}")),
        (None, _) => out.push("   Interface = not configured".into()),
    }
}

fn tracked(out: &mut Vec<String>, title: &str, list: &[Tracked], sep: &str) {
    if list.is_empty() {
        return;
    }
    out.push(format!("   {title} :"));
    for t in list {
        let r = if t.reverse { " reverse" } else { "" };
        out.push(format!("     {}{sep} weight {}{r}", t.name, t.weight));
    }
}

fn tracked_ref(out: &mut Vec<String>, title: &str, list: &[TrackedRef], sep: &str) {
    if list.is_empty() {
        return;
    }
    out.push(format!("   {title} :"));
    for t in list {
        let r = if t.reverse { " reverse" } else { "" };
        out.push(format!("     {}{sep} weight {}{r}", t.name, t.weight));
    }
}

fn instance(k: usize, i: &VrrpInstance, rt: &dyn Runtime, out: &mut Vec<String>) {
    out.push(format!(" VRRP Instance = {}", i.name));
    out.push(format!("   VRRP Version = {}", i.version));
    if let Some(g) = &i.sync_group {
        out.push(format!("   Sync group = {g}"));
    }
    if i.family == Family::V6 {
        out.push("   Using Native IPv6".into());
    }
    rt.lines(At::InstanceState(k), out);
    let unicast = !i.unicast_peers.is_empty();
    let any_flag = unicast
        || i.unicast_configured
        || i.unicast_fault_no_peer
        || i.nopreempt
        || i.dont_track_primary
        || i.skip_check_adv_addr
        || i.promote_secondaries
        || i.src_ip.is_some()
        || i.vmac.is_some()
        || i.check_unicast_src
        || i.track_src_ip;
    if any_flag {
        out.push("   Flags:".into());
        if unicast {
            out.push("     Using unicast".into());
        } else if i.unicast_configured {
            out.push("     Unicast config option specified but using multicast".into());
        }
        if i.unicast_fault_no_peer {
            out.push("     If unicast go to fault state if no peers".into());
        }
    } else {
        out.push("   Flags: none".into());
    }
    out.push(
        rt.line(Line::Wantstate(k))
            .unwrap_or_else(|| format!("   Wantstate = {}", i.state.as_str())),
    );
    out.push(format!("   Number of config faults = {}", i.config_faults));
    rt.lines(At::InstanceTimers(k), out);
    interface_lines(i, out);
    if let Some(v) = &i.vrf {
        out.push(format!("   VRF = {v}"));
    }
    if i.dont_track_primary {
        out.push("   VRRP interface tracking disabled".into());
    }
    if i.skip_check_adv_addr {
        out.push("   Skip checking advert IP addresses".into());
    }
    if i.strict_mode {
        out.push("   Enforcing strict VRRP compliance".into());
    }
    if let Some(l) = rt.line(Line::SrcIp(k)) {
        out.push(l);
    } else if let Some(s) = &i.src_ip {
        out.push(format!("   Using src_ip = {s} (from configuration)"));
    }
    if let Some(l) = rt.line(Line::Multicast(k)) {
        out.push(l);
    } else if !unicast {
        if let Some(m) = &i.mcast_dst_ip {
            if i.family == Family::V4 {
                out.push(format!("   Multicast address {m}"));
            }
        }
    }
    out.push(format!("   Gratuitous ARP delay = {}", i.garp_master_delay));
    out.push(format!("   Gratuitous ARP repeat = {}", i.garp_master_repeat));
    out.push(format!("   Gratuitous ARP refresh = {}", i.garp_master_refresh));
    out.push(format!(
        "   Gratuitous ARP refresh repeat = {}",
        i.garp_master_refresh_repeat
    ));
    out.push(format!(
        "   Gratuitous ARP lower priority delay = {}",
        i.garp_lower_prio_delay
    ));
    out.push(format!(
        "   Gratuitous ARP lower priority repeat = {}",
        i.garp_lower_prio_repeat
    ));
    out.push(format!("   Down timer adverts = {}", i.down_timer_adverts));
    if i.garp_extra_if != 0 {
        // The "Next gratuitous ARP for such secondary" timer line is run time.
        out.push(format!(
            "   Gratuitous ARP for each secondary {} = {}",
            if i.garp_extra_if_all { "i/f" } else { "VMAC" },
            i.garp_extra_if
        ));
        rt.lines(At::InstanceGarpExtra(k), out);
    }
    out.push(format!(
        "   Send advert after receive lower priority advert = {}",
        !i.lower_prio_no_advert
    ));
    out.push(format!(
        "   Send advert after receive higher priority advert = {}",
        i.higher_prio_send_advert
    ));
    out.push(format!("   Virtual Router ID = {}", i.vrid));
    out.push(format!("   Priority = {}", i.priority));
    rt.lines(At::InstancePriority(k), out);
    if i.version == 2 {
        out.push(format!("   Advert interval = {} sec", i.advert_int / 1_000_000));
    } else {
        out.push(format!("   Advert interval = {} milli-sec", i.advert_int / 1000));
    }
    rt.lines(At::InstanceAdvert(k), out);
    out.push(format!("   Accept = {}", if i.accept { "enabled" } else { "disabled" }));
    out.push(format!(
        "   Preempt = {}",
        if i.nopreempt { "disabled" } else { "enabled" }
    ));
    if i.preempt_delay != 0 {
        out.push(format!("   Preempt delay = {} secs", i.preempt_delay as f64 / 1e6));
    }
    out.push(format!(
        "   Promote_secondaries = {}",
        if i.promote_secondaries { "enabled" } else { "disabled" }
    ));
    match i.auth_type {
        AuthType::Ah => out.push("   Authentication type = IPSEC_AH".into()),
        AuthType::Pass => {
            out.push("   Authentication type = SIMPLE_PASSWORD".into());
            out.push(format!("   Password = {}", i.auth_pass.clone().unwrap_or_default()));
        }
        AuthType::None if i.version == 2 => out.push("   Authentication type = none".into()),
        AuthType::None => {}
    }
    if i.kernel_rx_buf_size != 0 {
        out.push(format!("   Kernel rx buffer size = {}", i.kernel_rx_buf_size));
    }
    if i.debug != 0 {
        out.push(format!("   Debug level = {}", i.debug));
    }
    let suffix = rt.line(Line::VipSuffix(k)).unwrap_or_default();
    if !i.vips.is_empty() {
        out.push(format!("   Virtual IP ({}):", i.vips.len()));
        for a in &i.vips {
            let (dev, base) = address_dev(a, i);
            out.push(a.dump_line_on(dev, base) + &suffix);
        }
    }
    if !i.evips.is_empty() {
        out.push("   Virtual IP Excluded :".into());
        for a in &i.evips {
            let (dev, base) = address_dev(a, i);
            out.push(a.dump_line_on(dev, base) + &suffix);
        }
    }
    if unicast {
        if let Some(t) = i.unicast_ttl {
            out.push(format!("   Unicast TTL = {t}"));
        }
        out.push(format!(
            "   Check unicast src : {}",
            if i.check_unicast_src { "yes" } else { "no" }
        ));
        out.push("   Unicast Peer :".into());
        for p in &i.unicast_peers {
            out.push(format!("     {} min_ttl {} max_ttl {}", p.addr, p.min_ttl, p.max_ttl));
        }
        out.push(format!(
            "   Unicast checksum compatibility = {}",
            match i.old_unicast_checksum {
                ChecksumCompat::None => "no",
                ChecksumCompat::Never => "never",
                ChecksumCompat::Config => "config",
            }
        ));
    }
    out.push(
        rt.line(Line::Sockets(k))
            .unwrap_or_else(|| "   No sockets allocated".into()),
    );
    if !i.vroutes.is_empty() {
        out.push("   Virtual Routes :".into());
        for r in &i.vroutes {
            out.extend(r.dump_lines());
        }
    }
    if !i.vrules.is_empty() {
        out.push("   Virtual Rules :".into());
        out.extend(i.vrules.iter().map(|r| r.dump_line()));
    }
    tracked(out, "Tracked interfaces", &i.track_interfaces, "");
    tracked(out, "Tracked scripts", &i.track_scripts, "");
    tracked_ref(out, "Tracked files", &i.track_files, ",");
    tracked_ref(out, "Tracked processes", &i.track_processes, ",");
    tracked_ref(out, "Tracked BFDs", &i.track_bfds, ":");
    out.push(format!(
        "   Using smtp notification = {}",
        if i.smtp_alert { "yes" } else { "no" }
    ));
    out.push(format!(
        "   Notify deleted = {}",
        if i.notify_deleted { "Deleted" } else { "Fault" }
    ));
    notify(out, &i.notify_backup, "Backup");
    notify(out, &i.notify_master, "Master");
    notify(out, &i.notify_fault, "Fault");
    notify(out, &i.notify_stop, "Stop");
    notify(out, &i.notify_deleted_script, "Deleted");
    notify(out, &i.notify, "Generic");
    notify(out, &i.notify_master_rx_lower_pri, "Master rx lower pri");
    out.push(format!("   Notify priority changes = {}", i.notify_priority_changes));
}

fn sync_group(cfg: &Config, k: usize, g: &SyncGroup, rt: &dyn Runtime, out: &mut Vec<String>) {
    // keepalived's initial group state: MASTER only if every member is an owner wanting MASTER.
    let all_master = g.members.iter().all(|m| {
        cfg.vrrp
            .instance(m)
            .is_some_and(|i| i.priority == 255 && i.state.as_str() == "MASTER")
    });
    let state = if all_master { "MASTER" } else { "BACKUP" };
    out.push(
        rt.line(Line::SyncGroup(k))
            .unwrap_or_else(|| format!(" VRRP Sync Group = {}, {state}", g.name)),
    );
    out.push(
        rt.line(Line::SyncGroupCounts(k))
            .unwrap_or_else(|| "   Num member fault 0, num member init 0".into()),
    );
    if !g.members.is_empty() {
        out.push("   VRRP member instances :".into());
        for m in &g.members {
            out.push(format!("     {m}"));
        }
    }
    if g.sync_group_tracking_weight {
        out.push("   sync group tracking weight set".into());
    }
    out.push(format!(
        "   Using smtp notification = {}",
        if g.smtp_alert { "yes" } else { "no" }
    ));
    if let Some(b) = g.notify_priority_changes {
        out.push(format!("   Notify priority changes = {}", if b { "yes" } else { "no" }));
    }
    tracked(out, "Tracked interfaces", &g.track_interfaces, "");
    tracked(out, "Tracked scripts", &g.track_scripts, "");
    tracked_ref(out, "Tracked files", &g.track_files, ",");
    tracked_ref(out, "Tracked process", &g.track_processes, ",");
    tracked_ref(out, "Tracked BFDs", &g.track_bfds, ":");
    notify(out, &g.notify_backup, "Backup");
    notify(out, &g.notify_master, "Master");
    notify(out, &g.notify_fault, "Fault");
    notify(out, &g.notify_stop, "Stop");
    notify(out, &g.notify, "Generic");
}

fn script(cfg: &Config, k: usize, s: &VrrpScript, rt: &dyn Runtime, out: &mut Vec<String>) {
    out.push(format!(" VRRP Script = {}", s.name));
    out.push(format!("   Command = {}", s.script.cmd_str()));
    out.push(format!("   Interval = {} sec", s.interval / 1_000_000));
    out.push(format!("   Timeout = {} sec", s.timeout / 1_000_000));
    let r = if s.weight_reverse { " reverse" } else { "" };
    out.push(format!("   Weight = {}{r}", s.weight));
    out.push(format!("   Rise = {}", s.rise));
    out.push(format!("   Fall = {}", s.fall));
    rt.lines(At::ScriptResult(k), out);
    let init = if s.init_fail { "INIT/FAILED" } else { "INIT" };
    out.push(
        rt.line(Line::ScriptInitState(k))
            .unwrap_or_else(|| format!("   Init state = {init}")),
    );
    rt.lines(At::ScriptStatus(k), out);
    out.push(format!("   Script uid:gid = {}:{}", s.script.uid, s.script.gid));
    out.push("   VRRP instances :".into());
    // keepalived's dump_tracking_obj_list() adds its own heading.
    let tracking = script_tracking(cfg, &s.name);
    if !tracking.is_empty() {
        out.push("   Tracking instances :".into());
    }
    for (name, weight, reverse) in tracking {
        let r = if reverse { " reverse" } else { "" };
        out.push(format!("     {name}, weight {weight}{r}"));
    }
    rt.lines(At::ScriptEnd(k), out);
}

/// keepalived's `tracking_vrrp` list of a script: the instances tracking it, then the members
/// of sync groups tracking it (`add_vrrp_to_track_script()`: an instance already there keeps
/// one entry, with the group's weight unless its own is 0).
fn script_tracking(cfg: &Config, script: &str) -> Vec<(String, i32, bool)> {
    let mut list: Vec<(String, i32, bool)> = Vec::new();
    for i in &cfg.vrrp.instances {
        if let Some(t) = i.track_scripts.iter().find(|t| t.name == script) {
            list.push((i.name.clone(), t.weight, t.reverse));
        }
    }
    for g in &cfg.vrrp.sync_groups {
        let Some(t) = g.track_scripts.iter().find(|t| t.name == script) else {
            continue;
        };
        for m in &g.members {
            match list.iter_mut().find(|(n, _, _)| n == m) {
                Some(e) if e.1 != 0 => {
                    e.1 = t.weight;
                    e.2 = t.reverse;
                }
                Some(_) => {}
                None => list.push((m.clone(), t.weight, t.reverse)),
            }
        }
    }
    list
}

/// keepalived's "Gratuitous ARP delays" section (`dump_garp_delay_list()`), without the
/// run-time "next time" lines. keepalived lists a group's interfaces in the order of its
/// interface list; we list them as configured.
pub fn garp_delays(cfg: &Config, out: &mut Vec<String>) {
    garp_delays_with(cfg, &Static, out);
}

/// [`garp_delays`] with the run-time "next time" lines of `rt`.
pub fn garp_delays_with(cfg: &Config, rt: &dyn Runtime, out: &mut Vec<String>) {
    if cfg.vrrp.garp_groups.is_empty() {
        return;
    }
    out.push("------< Gratuitous ARP delays >------".into());
    for (k, g) in cfg.vrrp.garp_groups.iter().enumerate() {
        out.push(format!("------< GARP delay group {} >------", g.aggregation_group));
        if let Some(i) = g.garp_interval {
            out.push(format!(" GARP interval = {}", fmt_g(i as f64 / 1e6)));
            rt.lines(At::GarpNext(k), out);
        }
        if let Some(i) = g.gna_interval {
            out.push(format!(" GNA interval = {}", fmt_g(i as f64 / 1e6)));
            rt.lines(At::GnaNext(k), out);
        } else if g.garp_interval.is_none() {
            out.push(" No configuration".into());
        }
        out.push(" Interfaces".into());
        for i in g.interface.iter().chain(&g.interfaces) {
            out.push(format!("  {i}"));
        }
    }
}

/// keepalived's "Static Track groups" section (`dump_static_track_groups_list()`): the groups
/// left after `static_track_group_init()`, with their existing instances.
pub fn static_track_groups(cfg: &Config, out: &mut Vec<String>) {
    let groups: Vec<(&str, Vec<&str>)> = cfg
        .vrrp
        .track_groups
        .iter()
        .map(|g| {
            let members = g
                .instances
                .iter()
                .filter(|n| cfg.vrrp.instance(n).is_some())
                .map(String::as_str)
                .collect();
            (g.name.as_str(), members)
        })
        .filter(|(_, m): &(&str, Vec<&str>)| !m.is_empty())
        .collect();
    if groups.is_empty() {
        return;
    }
    out.push("------< Static Track groups >------".into());
    for (name, members) in groups {
        out.push(format!(" Static Track Group = {name}"));
        out.push("   VRRP member instances :".into());
        for m in members {
            out.push(format!("     {m}"));
        }
    }
}
