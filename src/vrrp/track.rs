//! Trackers and effective priority: `track_interface`, `track_script` (`vrrp_script` with
//! rise/fall), `track_file`, the instance's own interface and source address, as keepalived
//! 2.2.7's `vrrp_track.c` (`down_instance()`, `vrrp_set_effective_priority()`,
//! `process_script_update_priority()`, `initialise_tracking_priorities()`),
//! `vrrp_scheduler.c` (`try_up_instance()`, `vrrp_script_child_thread()`),
//! `trackers/track_file.c` (`update_track_file_status()`) and `keepalived_netlink.c`
//! (`process_if_status_change()`) do it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::engine::{Core, address_interface};
use super::event::{Action, IfState, InstanceEvent, ScriptOutcome, State, vmac_name};
use crate::config::model::Config;
use crate::config::model::vrrp::{Family, PRIO_OWNER};

/// keepalived's `VRRP_NOT_TRACK_IF`: the instance's interface with `dont_track_primary`.
pub(crate) const NOT_TRACK_IF: i32 = 255;

/// keepalived's lowest tracked-file status: FAULT.
const FILE_FAULT: i32 = -254;

/// An instance tracking an object (keepalived's `tracking_obj_t`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TrackObj {
    /// Instance index.
    pub inst: usize,
    /// Weight (0: FAULT on failure; [`NOT_TRACK_IF`] for an untracked own interface).
    pub weight: i32,
    /// -1 with `reverse`, else 1.
    pub mult: i32,
}

/// Adds `inst` to a tracking list, merging as keepalived's `add_vrrp_to_interface()` and
/// `add_vrrp_to_track_script()` do: an instance is listed once, and a later (sync group)
/// weight replaces a nonzero earlier one.
fn add_tracking(list: &mut Vec<TrackObj>, inst: usize, weight: i32, reverse: bool, interface: bool) {
    let mult = if reverse { -1 } else { 1 };
    if let Some(top) = list.iter_mut().find(|t| t.inst == inst) {
        if top.weight != 0 && (!interface || weight != NOT_TRACK_IF) {
            top.weight = weight;
            top.mult = mult;
        }
        return;
    }
    list.push(TrackObj { inst, weight, mult });
}

/// A `vrrp_script`'s run-time state (`vrrp_script_t`).
#[derive(Clone, Debug)]
pub(crate) struct ScriptRt {
    /// Script name.
    pub name: String,
    /// `rise`.
    pub rise: i64,
    /// `fall`.
    pub fall: i64,
    /// keepalived's `result`: 0..rise-1 failed, rise..rise+fall-1 succeeded (64 bits, so
    /// that `rise + fall` cannot overflow).
    pub result: i64,
    /// Last exit status (keepalived starts from 0).
    pub last_status: i32,
    /// No result seen yet (`SCRIPT_INIT_STATE_INIT`). keepalived 2.2.7 sets this for every
    /// tracked script when parsing `track_script`, which also overrides `init_fail`.
    pub init: bool,
    /// With `init`, keepalived's `SCRIPT_INIT_STATE_INIT_RELOAD`: a script new at a reload (or
    /// tracked by an instance resumed after a restart of the child) neither holds nor faults
    /// its instances until its first result.
    pub reload: bool,
    /// Instances tracking it.
    pub tracking: Vec<TrackObj>,
}

impl ScriptRt {
    /// `vrrp_script_child_thread()`: logs of one result, and `Some(ok)` when the script's
    /// state flips (then `update_script_priorities()` runs).
    pub(crate) fn on_result(&mut self, outcome: ScriptOutcome) -> (Vec<String>, Option<bool>) {
        let mut logs = Vec::new();
        let name = &self.name;
        let (exit_type, ok, reason) = match outcome {
            ScriptOutcome::Exited(status) => {
                if status != self.last_status {
                    logs.push(format!("Script `{name}` now returning {status}"));
                }
                self.last_status = status;
                if status == 0 {
                    ("succeeded", true, None)
                } else {
                    ("failed", false, Some(("exited with status", status)))
                }
            }
            ScriptOutcome::Signalled(sig) => ("failed", false, Some(("due to signal", sig))),
            ScriptOutcome::TimedOut => ("timed_out", false, None),
        };
        let mut flip = None;
        if ok {
            if self.result < self.rise - 1 {
                self.result += 1;
            } else if self.result != self.rise + self.fall - 1 {
                if self.result < self.rise {
                    logs.push(format!("VRRP_Script({name}) {exit_type}"));
                    flip = Some(true);
                }
                self.result = self.rise + self.fall - 1;
            }
        } else if self.result > self.rise {
            self.result -= 1;
        } else {
            if self.result == self.rise || self.init {
                logs.push(match reason {
                    Some((r, code)) => format!("VRRP_Script({name}) {exit_type} ({r} {code})"),
                    None => format!("VRRP_Script({name}) {exit_type}"),
                });
                flip = Some(false);
            }
            self.result = 0;
        }
        (logs, flip)
    }
}

/// A `track_file`'s run-time state (`tracked_file_t`).
#[derive(Clone, Debug)]
pub(crate) struct FileRt {
    /// Name.
    pub name: String,
    /// The number last read.
    pub last_status: i64,
    /// Instances tracking it.
    pub tracking: Vec<TrackObj>,
}

/// What a file value means to one tracker: keepalived's status (weight 0: -254 = FAULT or 0;
/// else value × weight, clamped to -254..253).
fn file_status(value: i64, top: &TrackObj) -> i32 {
    if top.weight == 0 {
        if (value != 0) == (top.mult == 1) { FILE_FAULT } else { 0 }
    } else {
        let v = i128::from(value) * i128::from(top.weight) * i128::from(top.mult);
        v.clamp(i128::from(FILE_FAULT), 253) as i32
    }
}

/// An interface as the trackers see it.
#[derive(Clone, Debug)]
pub(crate) struct IfRt {
    /// Name.
    pub name: String,
    /// Kernel index (0: not present).
    pub index: u32,
    /// Up and running.
    pub up: bool,
    /// Primary IPv4 address.
    pub ipv4: Option<Ipv4Addr>,
    /// Link-local IPv6 address.
    pub ipv6_ll: Option<Ipv6Addr>,
    /// Instances tracking it.
    pub tracking: Vec<TrackObj>,
}

/// Trackers derived from the configuration.
pub(crate) struct Trackers {
    /// `vrrp_script`s.
    pub scripts: Vec<ScriptRt>,
    /// Per instance: (script, weight) of its own `track_script` then its group's, as
    /// `initialise_vrrp_tracking_priorities()` walks them.
    pub inst_scripts: Vec<Vec<(usize, i32)>>,
    /// `track_file`s.
    pub files: Vec<FileRt>,
    /// Interfaces.
    pub ifs: Vec<IfRt>,
}

/// Builds the tracking lists of every tracker (`vrrp_complete_instance()` then
/// `sync_group_tracking_init()`).
pub(crate) fn build(cfg: &Config, interfaces: &[IfState]) -> Trackers {
    let v = &cfg.vrrp;
    let mut scripts: Vec<ScriptRt> = v
        .scripts
        .iter()
        .map(|s| ScriptRt {
            name: s.name.clone(),
            rise: i64::from(s.rise.max(1)),
            fall: i64::from(s.fall.max(1)),
            result: 0,
            last_status: 0,
            init: true,
            reload: false,
            tracking: Vec::new(),
        })
        .collect();
    let mut inst_scripts = vec![Vec::new(); v.instances.len()];
    let group_of = |name: &str| v.sync_groups.iter().find(|g| g.members.iter().any(|m| m == name));

    // Scripts: instances first, then each group for each member.
    for (i, inst) in v.instances.iter().enumerate() {
        for t in &inst.track_scripts {
            if let Some(s) = scripts.iter().position(|s| s.name == t.name) {
                add_tracking(&mut scripts[s].tracking, i, t.weight, t.reverse, false);
                inst_scripts[i].push((s, t.weight));
            }
        }
    }
    for g in &v.sync_groups {
        for t in &g.track_scripts {
            let Some(s) = scripts.iter().position(|s| s.name == t.name) else {
                continue;
            };
            for m in &g.members {
                if let Some(i) = v.instances.iter().position(|x| &x.name == m) {
                    add_tracking(&mut scripts[s].tracking, i, t.weight, t.reverse, false);
                }
            }
        }
    }
    for (i, inst) in v.instances.iter().enumerate() {
        if let Some(g) = group_of(&inst.name) {
            for t in &g.track_scripts {
                if let Some(s) = scripts.iter().position(|s| s.name == t.name) {
                    inst_scripts[i].push((s, t.weight));
                }
            }
        }
    }

    // Files: the configuration already merged instance and group entries.
    let files = cfg
        .track
        .files
        .iter()
        .map(|f| FileRt {
            name: f.name.clone(),
            last_status: 0,
            tracking: f
                .tracking_vrrp
                .iter()
                .filter_map(|t| {
                    let inst = v.instances.iter().position(|i| i.name == t.name)?;
                    Some(TrackObj {
                        inst,
                        weight: t.weight,
                        mult: if t.reverse { -1 } else { 1 },
                    })
                })
                .collect(),
        })
        .collect();

    // Interfaces, in kernel index order (keepalived's interface queue).
    let mut ifs: Vec<IfRt> = interfaces
        .iter()
        .map(|s| IfRt {
            name: s.name.clone(),
            index: s.index,
            up: s.up,
            ipv4: s.ipv4,
            ipv6_ll: s.ipv6_ll,
            tracking: Vec::new(),
        })
        .collect();
    ifs.sort_by_key(|i| i.index);
    let track = |ifs: &mut Vec<IfRt>, name: &str, inst: usize, weight: i32, reverse: bool| {
        let k = match ifs.iter().position(|i| i.name == name) {
            Some(k) => k,
            None => {
                // Not present: down. A VMAC we create ourselves is taken as up.
                let ours = v.instances.iter().any(|x| x.vmac.is_some() && vmac_name(x) == name);
                ifs.push(IfRt {
                    name: name.to_string(),
                    index: 0,
                    up: ours,
                    ipv4: None,
                    ipv6_ll: None,
                    tracking: Vec::new(),
                });
                ifs.len() - 1
            }
        };
        add_tracking(&mut ifs[k].tracking, inst, weight, reverse, true);
    };
    for (i, inst) in v.instances.iter().enumerate() {
        for t in &inst.track_interfaces {
            track(&mut ifs, &t.name, i, t.weight, t.reverse);
        }
        let own = if inst.dont_track_primary { NOT_TRACK_IF } else { 0 };
        if let Some(ifname) = &inst.interface {
            track(&mut ifs, ifname, i, own, false);
        }
        if inst.vmac.is_some() {
            track(&mut ifs, &vmac_name(inst), i, own, false);
        }
        for a in inst.vips.iter().chain(&inst.evips) {
            if a.no_track {
                continue;
            }
            let ifname = address_interface(inst, a);
            let on_own = Some(&ifname) == inst.interface.as_ref() || (inst.vmac.is_some() && ifname == vmac_name(inst));
            if !inst.dont_track_primary || !on_own {
                track(&mut ifs, &ifname, i, 0, false);
            }
        }
        for r in &inst.vroutes {
            if let (false, Some(dev)) = (r.no_track, &r.dev) {
                track(&mut ifs, dev, i, 0, false);
            }
        }
        for r in &inst.vrules {
            if r.no_track {
                continue;
            }
            for dev in [&r.iif, &r.oif].into_iter().flatten() {
                track(&mut ifs, dev, i, 0, false);
            }
        }
    }
    for g in &v.sync_groups {
        for t in &g.track_interfaces {
            for m in &g.members {
                if let Some(i) = v.instances.iter().position(|x| &x.name == m) {
                    track(&mut ifs, &t.name, i, t.weight, t.reverse);
                }
            }
        }
    }
    Trackers {
        scripts,
        inst_scripts,
        files,
        ifs,
    }
}

impl Core {
    /// The source address an instance takes from its interface (`set_vrrp_src_addr()`).
    pub(crate) fn interface_saddr(&self, i: usize) -> Option<IpAddr> {
        let inst = &self.cfg.vrrp.instances[i];
        let ifname = inst.interface.as_ref()?;
        let ifp = self.ifs.iter().find(|f| &f.name == ifname && f.index != 0)?;
        match inst.family {
            Family::V4 => ifp.ipv4.map(IpAddr::V4),
            Family::V6 => ifp.ipv6_ll.map(IpAddr::V6),
        }
    }

    /// `vrrp_set_effective_priority()`: clamp to 1..254, log, and move a backup's timer by the
    /// change of its skew.
    pub(crate) fn set_effective_priority(&mut self, i: usize) {
        let v = &mut self.vrrps[i];
        if v.base_priority == PRIO_OWNER {
            return;
        }
        let new = v.total_priority.clamp(1, i32::from(PRIO_OWNER) - 1) as u8;
        if v.effective_priority == new {
            return;
        }
        let line = format!(
            "({}) Changing effective priority from {} to {new}",
            v.name, v.effective_priority
        );
        v.effective_priority = new;
        let old = v.ms_down_timer;
        v.ms_down_timer = v.ms_down();
        if v.state == State::Backup {
            if let Some(s) = v.sands {
                v.sands = Some((s + v.ms_down_timer).saturating_sub(old));
                self.sands_seq += 1;
                v.sands_seq = self.sands_seq;
            }
        }
        let master = v.state == State::Master;
        self.info(line);
        // vrrp_set_effective_priority(): send_instance_priority_notifies().
        if self.cfg.vrrp.instances[i].notify_priority_changes {
            self.out.push(Action::Event {
                instance: i,
                event: InstanceEvent::PriorityChange { master },
                priority: new,
            });
        }
    }

    /// `down_instance()`: a tracker went bad; the first one takes the instance to FAULT.
    pub(crate) fn down_instance(&mut self, i: usize) {
        let v = &mut self.vrrps[i];
        let first = v.num_script_if_fault == 0;
        v.num_script_if_fault += 1;
        if !first && v.state != State::Init {
            return;
        }
        v.wantstate = State::Fault;
        if v.state == State::Master {
            self.leave_master(i, true);
        } else {
            self.leave_fault(i);
        }
        if let Some(g) = self.vrrps[i].sync {
            let first = self.groups[g].num_member_fault == 0;
            self.groups[g].num_member_fault += 1;
            if first {
                self.sync_fault(i);
            }
        }
    }

    /// `try_up_instance()`: a tracker recovered; the last one brings the instance (and its
    /// group) out of FAULT.
    pub(crate) fn try_up_instance(&mut self, i: usize, leaving_init: bool) {
        let v = &mut self.vrrps[i];
        if leaving_init {
            if v.num_script_if_fault != 0 {
                return;
            }
        } else {
            if v.num_script_if_fault == 0 {
                // Nothing held it down (keepalived would underflow here).
                return;
            }
            v.num_script_if_fault -= 1;
            if v.num_script_if_fault != 0 || v.num_script_init != 0 {
                if v.num_script_if_fault == 0 {
                    if let Some(g) = v.sync {
                        let g = &mut self.groups[g];
                        g.num_member_fault = g.num_member_fault.saturating_sub(1);
                        g.state = State::Init;
                    }
                    self.vrrps[i].wantstate = State::Backup;
                }
                return;
            }
        }
        let v = &mut self.vrrps[i];
        if !(v.wantstate == State::Master && v.is_owner()) {
            v.wantstate = State::Backup;
        }
        v.master_adver_int = v.adver_int;
        v.ms_down_timer = if v.wantstate == State::Master && v.is_owner() {
            v.master_adver_int + v.skew()
        } else {
            v.ms_down()
        };
        if let Some(g) = v.sync {
            let g = &mut self.groups[g];
            if leaving_init {
                if g.num_member_fault != 0 {
                    return;
                }
            } else {
                g.num_member_fault = g.num_member_fault.saturating_sub(1);
                if g.num_member_fault != 0 || g.num_member_init != 0 {
                    return;
                }
            }
        }
        let want = self.vrrps[i].wantstate;
        if self.vrrps[i].sync.is_some() && want == State::Master && !self.sync_can_goto_master(i) {
            self.vrrps[i].wantstate = State::Backup;
        }
        self.leave_fault(i);
        self.init_instance_sands(i);
        self.vrrps[i].wantstate = want;
        if self.vrrps[i].sync.is_some() {
            if self.vrrps[i].state == State::Master {
                self.sync_master(i);
            } else {
                self.sync_backup(i);
            }
        }
    }

    /// `update_script_priorities()` / `process_script_update_priority()`: a script flipped.
    pub(crate) fn update_script_priorities(&mut self, s: usize, ok: bool) {
        let init = self.scripts[s].init;
        let init_reload = init && self.scripts[s].reload;
        for top in self.scripts[s].tracking.clone() {
            let i = top.inst;
            if top.weight == 0 {
                let mut left_init = false;
                if init && !init_reload {
                    let v = &mut self.vrrps[i];
                    v.num_script_init = v.num_script_init.saturating_sub(1);
                    if v.num_script_init == 0 {
                        left_init = true;
                        if let Some(g) = v.sync {
                            let g = &mut self.groups[g];
                            g.num_member_init = g.num_member_init.saturating_sub(1);
                        }
                    }
                }
                let v = &self.vrrps[i];
                if ok != (top.mult == 1) {
                    self.down_instance(i);
                } else if v.num_script_init == 0
                    && !init_reload
                    && v.sync.is_none_or(|g| self.groups[g].num_member_init == 0)
                {
                    self.try_up_instance(i, left_init);
                }
                continue;
            }
            let v = &mut self.vrrps[i];
            if init {
                if ok == (top.weight > 0) {
                    v.total_priority += top.weight * top.mult;
                }
            } else if ok {
                v.total_priority += top.weight.abs() * top.mult;
            } else {
                v.total_priority -= top.weight.abs() * top.mult;
            }
            self.set_effective_priority(i);
        }
    }

    /// `update_track_file_status()` / `process_update_vrrp_track_file_status()`: a tracked
    /// file now holds `value`.
    pub(crate) fn track_file_update(&mut self, f: usize, value: i64) {
        let last = self.files[f].last_status;
        if value == last {
            return;
        }
        for top in self.files[f].tracking.clone() {
            let i = top.inst;
            let new = file_status(value, &top);
            let prev = file_status(last, &top);
            if prev == new {
                continue;
            }
            if new == FILE_FAULT {
                let line = format!(
                    "({}): tracked file {} now FAULT state",
                    self.vrrps[i].name, self.files[f].name
                );
                self.detail(line);
                if top.weight != 0 {
                    self.vrrps[i].total_priority -= prev;
                }
                self.down_instance(i);
            } else if prev == FILE_FAULT {
                let v = &mut self.vrrps[i];
                if top.weight != 0 {
                    v.total_priority += new;
                    // keepalived sets it directly here, without the usual message.
                    v.effective_priority = v.total_priority.clamp(1, 254) as u8;
                }
                let mut lines = vec![format!(
                    "({}): tracked file {} leaving FAULT state",
                    v.name, self.files[f].name
                )];
                if new != 0 {
                    lines.push(format!(
                        "({}) Setting effective priority to {}",
                        v.name, v.effective_priority
                    ));
                }
                for l in lines {
                    self.detail(l);
                }
                self.try_up_instance(i, false);
            } else {
                self.vrrps[i].total_priority += new - prev;
                self.set_effective_priority(i);
            }
        }
        self.files[f].last_status = value;
    }

    /// `process_if_status_change()`: a tracked interface went up or down.
    pub(crate) fn if_status_change(&mut self, k: usize, now_up: bool) {
        for top in self.ifs[k].tracking.clone() {
            let i = top.inst;
            if top.weight == NOT_TRACK_IF {
                continue;
            }
            if top.weight != 0 {
                let d = top.weight.abs() * top.mult;
                self.vrrps[i].total_priority += if now_up { d } else { -d };
                self.set_effective_priority(i);
                continue;
            }
            if now_up == (top.mult == 1) {
                self.try_up_instance(i, false);
            } else {
                self.down_instance(i);
            }
        }
    }

    /// The addresses of a tracked interface changed: instances taking their source address
    /// from it lose or regain it (`netlink_if_address_filter()`).
    pub(crate) fn if_address_change(&mut self, k: usize, old4: Option<Ipv4Addr>, old6: Option<Ipv6Addr>) {
        let ifp = self.ifs[k].clone();
        for i in 0..self.vrrps.len() {
            let inst = &self.cfg.vrrp.instances[i];
            if inst.interface.as_deref() != Some(ifp.name.as_str()) {
                continue;
            }
            let (old, new) = match inst.family {
                Family::V4 => (old4.map(IpAddr::V4), ifp.ipv4.map(IpAddr::V4)),
                Family::V6 => (old6.map(IpAddr::V6), ifp.ipv6_ll.map(IpAddr::V6)),
            };
            if old == new {
                continue;
            }
            let v = &self.vrrps[i];
            let tracking_saddr = |a: Option<IpAddr>| v.track_saddr && a.is_some() && a == v.saddr;
            match (v.saddr, new) {
                // Lost the address in use.
                (Some(s), _) if old == Some(s) && (!v.saddr_from_config || tracking_saddr(old)) => match new {
                    Some(n) if !v.saddr_from_config => self.vrrps[i].saddr = Some(n),
                    _ => {
                        self.down_instance(i);
                        self.vrrps[i].saddr = None;
                    }
                },
                // Gained one while waiting for it.
                (None, Some(n)) if v.num_script_if_fault != 0 => {
                    let cfg_src = inst.src_ip;
                    if !v.saddr_from_config || (v.track_saddr && cfg_src == Some(n)) {
                        self.vrrps[i].saddr = Some(n);
                        self.try_up_instance(i, false);
                    }
                }
                _ => {}
            }
        }
    }

    /// `initialise_track_script_state()`. At start every tracked script is in keepalived's
    /// INIT state: unweighted ones hold the instance until they report, weighted ones change
    /// nothing yet. After a reload a script can have a result (keepalived's DONE), which
    /// counts at once (keepalived adds a weight without its `reverse`); a script new at the
    /// reload (INIT_RELOAD) does neither.
    fn initialise_track_script(&mut self, i: usize, s: usize, weight: i32) {
        let sc = &self.scripts[s];
        let (init, reload, ok) = (sc.init, sc.reload, sc.result >= sc.rise);
        let v = &mut self.vrrps[i];
        if weight == 0 {
            if init && !reload {
                v.num_script_init += 1;
            } else if !init && !ok {
                v.num_script_if_fault += 1;
                v.state = State::Fault;
                let line = format!("({}): entering FAULT state due to script {}", v.name, sc.name);
                self.info(line);
            }
        } else if !v.is_owner() && !init && (ok == (weight > 0)) {
            v.total_priority += weight;
        }
    }

    /// `initialise_tracking_priorities()` and the FAULT part of `vrrp_complete_init()`:
    /// initial FAULT states and effective priorities, with keepalived's log lines.
    pub(crate) fn initialise_tracking(&mut self) {
        // Interfaces.
        for k in 0..self.ifs.len() {
            let ifp = self.ifs[k].clone();
            let up = ifp.up;
            for top in &ifp.tracking {
                let i = top.inst;
                if top.weight == NOT_TRACK_IF {
                    continue;
                }
                if top.weight == 0 {
                    if up != (top.mult == 1) {
                        let line = format!(
                            "({}): entering FAULT state (interface {} down)",
                            self.vrrps[i].name, ifp.name
                        );
                        self.info(line);
                        self.vrrps[i].state = State::Fault;
                        self.vrrps[i].num_script_if_fault += 1;
                    }
                } else if up == (top.weight > 0) {
                    self.vrrps[i].total_priority += top.weight * top.mult;
                }
            }
        }
        // Files.
        for f in 0..self.files.len() {
            let file = self.files[f].clone();
            for top in &file.tracking {
                let i = top.inst;
                let status = file_status(file.last_status, top);
                if status <= FILE_FAULT {
                    let line = format!(
                        "({}): entering FAULT state (tracked file {} has status {status})",
                        self.vrrps[i].name, file.name
                    );
                    self.info(line);
                    self.vrrps[i].state = State::Fault;
                    self.vrrps[i].num_script_if_fault += 1;
                } else {
                    self.vrrps[i].total_priority += status.min(253);
                }
            }
        }
        // Per instance: source address, scripts, effective priority, sync group.
        for i in 0..self.vrrps.len() {
            if self.vrrps[i].saddr.is_none() {
                self.vrrps[i].saddr = self.interface_saddr(i);
            }
            if self.vrrps[i].saddr.is_none() {
                let v = &mut self.vrrps[i];
                let line = format!(
                    "({}) entering FAULT state (no IPv{} address for interface)",
                    v.name,
                    v.family.number()
                );
                v.state = State::Fault;
                v.num_script_if_fault += 1;
                self.info(line);
            }
            for &(s, weight) in &self.inst_scripts[i].clone() {
                self.initialise_track_script(i, s, weight);
            }
            self.set_effective_priority(i);
            if let Some(g) = self.vrrps[i].sync {
                if self.vrrps[i].state == State::Fault {
                    if self.groups[g].state != State::Fault {
                        self.groups[g].state = State::Fault;
                        let line = format!(
                            "VRRP_Group({}): Syncing {} to FAULT state",
                            self.groups[g].name, self.vrrps[i].name
                        );
                        self.info(line);
                    }
                    self.groups[g].num_member_fault += 1;
                }
                if self.vrrps[i].num_script_init != 0 {
                    self.groups[g].num_member_init += 1;
                    if self.groups[g].state != State::Fault {
                        self.groups[g].state = State::Init;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(rise: i64, fall: i64) -> ScriptRt {
        ScriptRt {
            name: "chk".into(),
            rise,
            fall,
            result: rise - 1,
            last_status: 0,
            init: true,
            reload: false,
            tracking: Vec::new(),
        }
    }

    /// vrrp_script_child_thread(): one success is enough at start (result = rise - 1).
    #[test]
    fn first_success_flips_at_start() {
        let mut s = script(3, 2);
        let (logs, flip) = s.on_result(ScriptOutcome::Exited(0));
        assert_eq!(logs, ["VRRP_Script(chk) succeeded"]);
        assert_eq!(flip, Some(true));
        assert_eq!(s.result, 4);
    }

    /// vrrp_script_child_thread(): `fall` failures in a row to fail, `rise` successes to
    /// recover, "now returning" only when the exit status changes.
    #[test]
    fn rise_and_fall_counting() {
        let mut s = script(2, 2);
        s.on_result(ScriptOutcome::Exited(0));
        s.init = false;
        let (logs, flip) = s.on_result(ScriptOutcome::Exited(1));
        assert_eq!(logs, ["Script `chk` now returning 1"]);
        assert_eq!(flip, None);
        let (logs, flip) = s.on_result(ScriptOutcome::Exited(1));
        assert_eq!(logs, ["VRRP_Script(chk) failed (exited with status 1)"]);
        assert_eq!(flip, Some(false));
        let (logs, flip) = s.on_result(ScriptOutcome::Exited(0));
        assert_eq!(logs, ["Script `chk` now returning 0"]);
        assert_eq!(flip, None);
        let (logs, flip) = s.on_result(ScriptOutcome::Exited(0));
        assert_eq!(logs, ["VRRP_Script(chk) succeeded"]);
        assert_eq!(flip, Some(true));
    }

    /// vrrp_script_child_thread(): signals and timeouts count as failures, worded apart.
    #[test]
    fn signal_and_timeout_wording() {
        let mut s = script(1, 1);
        s.on_result(ScriptOutcome::Exited(0));
        s.init = false;
        let (logs, _) = s.on_result(ScriptOutcome::Signalled(9));
        assert_eq!(logs, ["VRRP_Script(chk) failed (due to signal 9)"]);
        s.on_result(ScriptOutcome::Exited(0));
        let (logs, flip) = s.on_result(ScriptOutcome::TimedOut);
        assert_eq!(logs, ["VRRP_Script(chk) timed_out"]);
        assert_eq!(flip, Some(false));
    }

    /// track_file.c: weight 0 means FAULT on a nonzero value (zero with reverse), weighted
    /// values are clamped to -254..253 and -254 is FAULT too.
    #[test]
    fn file_status_rules() {
        let t = |weight, mult| TrackObj { inst: 0, weight, mult };
        assert_eq!(file_status(0, &t(0, 1)), 0);
        assert_eq!(file_status(7, &t(0, 1)), FILE_FAULT);
        assert_eq!(file_status(0, &t(0, -1)), FILE_FAULT);
        assert_eq!(file_status(3, &t(5, 1)), 15);
        assert_eq!(file_status(3, &t(5, -1)), -15);
        assert_eq!(file_status(1000, &t(5, 1)), 253);
        assert_eq!(file_status(-1000, &t(5, 1)), FILE_FAULT);
    }

    /// add_vrrp_to_interface(): one entry per instance; a later weight replaces a nonzero
    /// one, an unweighted entry stays unweighted.
    #[test]
    fn tracking_merge() {
        let mut l = Vec::new();
        add_tracking(&mut l, 0, 10, false, true);
        add_tracking(&mut l, 0, 0, false, true);
        assert_eq!(
            l,
            [TrackObj {
                inst: 0,
                weight: 0,
                mult: 1
            }]
        );
        add_tracking(&mut l, 0, 5, true, true);
        assert_eq!(l[0].weight, 0);
        add_tracking(&mut l, 1, NOT_TRACK_IF, false, true);
        add_tracking(&mut l, 1, NOT_TRACK_IF, false, true);
        assert_eq!(l[1].weight, NOT_TRACK_IF);
        add_tracking(&mut l, 1, -7, true, true);
        assert_eq!(
            l[1],
            TrackObj {
                inst: 1,
                weight: -7,
                mult: -1
            }
        );
    }
}
