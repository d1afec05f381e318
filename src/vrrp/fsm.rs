//! One instance's state machine: keepalived 2.2.7's `vrrp.c` transitions
//! (`vrrp_state_backup()`, `vrrp_state_master_rx()`, `vrrp_state_master_tx()`,
//! `vrrp_state_goto_master()`, `vrrp_state_leave_master()`, `vrrp_state_leave_fault()`,
//! `vrrp_restore_interface()`) and the timer arithmetic of `vrrp.h` (`VRRP_TIMER_SKEW`,
//! `VRRP_MS_DOWN_TIMER`) and `vrrp_scheduler.c` (`vrrp_init_instance_sands()`).
//!
//! Times are microseconds (keepalived's `TIMER_HZ`), as keepalived computes them; the engine
//! converts at its boundary.

use std::net::IpAddr;

use super::engine::Core;
use super::event::{Action, InstanceEvent, NotifyTarget, State};
use super::packet::Advert;
use super::stats::{Counter, Stats};
use crate::config::model::vrrp::{AuthType, Family, PRIO_OWNER, VrrpInstance, VrrpState};

/// keepalived's `TIMER_HZ`: microseconds per second.
pub(crate) const TIMER_HZ: u64 = 1_000_000;
/// keepalived's `TIMER_CENTI_HZ`: microseconds per centisecond.
pub(crate) const TIMER_CENTI_HZ: u64 = 10_000;
/// keepalived's `VRRP_PRIO_STOP`.
pub(crate) const PRIO_STOP: u8 = 0;

/// Run-time data of one instance (the dynamic half of keepalived's `vrrp_t`).
#[derive(Clone, Debug)]
pub(crate) struct Vrrp {
    /// `iname`.
    pub name: String,
    /// 2 or 3.
    pub version: u8,
    /// Address family.
    pub family: Family,
    /// Current state.
    pub state: State,
    /// The state it would be in disregarding its sync group.
    pub wantstate: State,
    /// Configured priority (254 after an owner conflict).
    pub base_priority: u8,
    /// Priority advertised.
    pub effective_priority: u8,
    /// Base priority plus tracker weights, unclamped.
    pub total_priority: i32,
    /// Configured advert interval (µs).
    pub adver_int: u64,
    /// Master's advert interval (µs; v3 adopts the master's).
    pub master_adver_int: u64,
    /// `down_timer_adverts`.
    pub down_timer_adverts: u64,
    /// Current master-down timer (µs).
    pub ms_down_timer: u64,
    /// When the instance's timer fires (`sands`), `None` when disabled.
    pub sands: Option<u64>,
    /// Order in which `sands` were set: equal times fire in that order, as keepalived's
    /// timer tree (whose clock also moves between two settings) would.
    pub sands_seq: u64,
    /// `preempt_delay` (µs).
    pub preempt_delay: u64,
    /// End of a running preempt delay.
    pub preempt_time: Option<u64>,
    /// `nopreempt`.
    pub nopreempt: bool,
    /// `lower_prio_no_advert`.
    pub lower_prio_no_advert: bool,
    /// `higher_prio_send_advert`.
    pub higher_prio_send_advert: bool,
    /// The VIPs are (believed to be) installed.
    pub vipset: bool,
    /// Count of trackers holding the instance in FAULT.
    pub num_script_if_fault: u32,
    /// Count of unweighted scripts that have not reported yet.
    pub num_script_init: u32,
    /// Some notify was sent (keepalived's `notifies_sent`).
    pub notifies_sent: bool,
    /// Source of the current master's adverts.
    pub master_saddr: Option<IpAddr>,
    /// Priority of the current master.
    pub master_priority: u8,
    /// Our source address (`saddr`): configured, or the interface's.
    pub saddr: Option<IpAddr>,
    /// The source address was configured.
    pub saddr_from_config: bool,
    /// `track_src_ip`.
    pub track_saddr: bool,
    /// Next GARP refresh (µs), while master.
    pub garp_refresh_timer: Option<u64>,
    /// `garp_master_delay` (µs).
    pub garp_delay: u64,
    /// `garp_master_repeat`.
    pub garp_rep: u32,
    /// `garp_master_refresh` (µs, 0 = off).
    pub garp_refresh: u64,
    /// `garp_master_refresh_repeat`.
    pub garp_refresh_rep: u32,
    /// `garp_lower_prio_delay` (µs).
    pub garp_lower_prio_delay: u64,
    /// `garp_lower_prio_repeat`.
    pub garp_lower_prio_rep: u32,
    /// Sync group index.
    pub sync: Option<usize>,
    /// Counters.
    pub stats: Stats,
    /// Last IPv4 identification sent.
    pub ip_id: u16,
    /// Unicast instance.
    pub unicast: bool,
    /// Has VIPs / eVIPs / virtual routes / virtual rules (for keepalived's log lines).
    pub has_vips: bool,
    /// See `has_vips`.
    pub has_evips: bool,
    /// See `has_vips`.
    pub has_vroutes: bool,
    /// See `has_vips`.
    pub has_vrules: bool,
    /// Not owner and not `accept`: keepalived installs a firewall drop rule with the VIPs.
    pub firewall: bool,
    /// MASTER kept across a reload or resumed after a restart (keepalived's `reload_master`):
    /// `vrrp_init_state()` leaves it MASTER. Only set while starting.
    pub reload_master: bool,
}

impl Vrrp {
    /// The run-time data of a configured instance before `vrrp_init_state()`.
    pub(crate) fn new(inst: &VrrpInstance, vipset: bool, sync: Option<usize>) -> Vrrp {
        let adver_int = inst.advert_int.max(1);
        let mut v = Vrrp {
            name: inst.name.clone(),
            version: inst.version,
            family: inst.family,
            state: State::Init,
            wantstate: match inst.state {
                VrrpState::Master => State::Master,
                VrrpState::Backup => State::Backup,
            },
            base_priority: inst.priority,
            effective_priority: inst.priority,
            total_priority: i32::from(inst.priority),
            adver_int,
            master_adver_int: adver_int,
            down_timer_adverts: u64::from(inst.down_timer_adverts.max(1)),
            ms_down_timer: 0,
            sands: None,
            sands_seq: 0,
            preempt_delay: inst.preempt_delay,
            preempt_time: None,
            nopreempt: inst.nopreempt,
            lower_prio_no_advert: inst.lower_prio_no_advert,
            higher_prio_send_advert: inst.higher_prio_send_advert,
            vipset,
            num_script_if_fault: inst.config_faults,
            num_script_init: 0,
            notifies_sent: false,
            master_saddr: None,
            master_priority: 0,
            saddr: inst.src_ip,
            saddr_from_config: inst.src_ip.is_some(),
            track_saddr: inst.track_src_ip,
            garp_refresh_timer: None,
            garp_delay: u64::from(inst.garp_master_delay) * TIMER_HZ,
            garp_rep: inst.garp_master_repeat,
            garp_refresh: u64::from(inst.garp_master_refresh) * TIMER_HZ,
            garp_refresh_rep: inst.garp_master_refresh_repeat,
            garp_lower_prio_delay: u64::from(inst.garp_lower_prio_delay) * TIMER_HZ,
            garp_lower_prio_rep: inst.garp_lower_prio_repeat,
            sync,
            stats: Stats::default(),
            ip_id: 0,
            unicast: !inst.unicast_peers.is_empty(),
            has_vips: !inst.vips.is_empty(),
            has_evips: !inst.evips.is_empty(),
            has_vroutes: !inst.vroutes.is_empty(),
            has_vrules: !inst.vrules.is_empty(),
            firewall: inst.priority != PRIO_OWNER && !inst.accept,
            reload_master: false,
        };
        v.ms_down_timer = v.ms_down();
        v
    }

    /// `VRRP_TIMER_SKEW_CALC(vrrp, pri_val)`: v2 ignores the interval, v3 scales it.
    pub(crate) fn skew_calc(&self, pri_val: u64) -> u64 {
        if self.version == 3 {
            (pri_val * (self.master_adver_int / TIMER_CENTI_HZ) * 625) / 16
        } else {
            pri_val * TIMER_HZ / 256
        }
    }

    /// `VRRP_TIMER_SKEW`: (256 - priority) / 256 of a (master) interval.
    pub(crate) fn skew(&self) -> u64 {
        self.skew_calc(256 - u64::from(self.effective_priority))
    }

    /// `VRRP_TIMER_SKEW_MIN`.
    pub(crate) fn skew_min(&self) -> u64 {
        self.skew_calc(1)
    }

    /// `VRRP_MS_DOWN_TIMER`: Master_Down_Interval.
    pub(crate) fn ms_down(&self) -> u64 {
        self.down_timer_adverts * self.master_adver_int + self.skew()
    }

    /// Has anything for [`Action::Addresses`] to do.
    pub(crate) fn has_addresses(&self) -> bool {
        self.has_vips || self.has_evips || self.has_vroutes || self.has_vrules || self.firewall
    }

    /// The address owner.
    pub(crate) fn is_owner(&self) -> bool {
        self.base_priority == PRIO_OWNER
    }
}

/// The number keepalived prints for a state in "invalid wantstate" messages.
fn state_num(s: State) -> u32 {
    match s {
        State::Init => 0,
        State::Backup => 1,
        State::Master => 2,
        State::Fault => 3,
        State::Stop => 98,
    }
}

/// keepalived's `inet_sockaddrcmp()`/`inet_inaddrcmp()`: addresses compared as numbers.
pub(crate) fn addr_cmp(a: &IpAddr, b: &IpAddr) -> i32 {
    let o = match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => u32::from(*a).cmp(&u32::from(*b)),
        (IpAddr::V6(a), IpAddr::V6(b)) => u128::from(*a).cmp(&u128::from(*b)),
        _ => return -2,
    };
    o as i32
}

impl Core {
    /// `vrrp_init_instance_sands()`: the next firing of the instance's timer.
    pub(crate) fn init_instance_sands(&mut self, i: usize) {
        let now = self.now;
        let delayed = self.delayed_start;
        self.sands_seq += 1;
        let v = &mut self.vrrps[i];
        v.sands_seq = self.sands_seq;
        v.sands = match v.state {
            State::Master => Some(now + v.adver_int),
            State::Backup => match delayed {
                Some(d) if now < d => Some(d + v.ms_down_timer),
                _ => Some(now + v.ms_down_timer),
            },
            _ => None,
        };
        if delayed.is_some_and(|d| now >= d) {
            self.delayed_start = None;
        }
    }

    /// `vrrp_send_adv()`: one advert (one per unicast peer) with this priority.
    pub(crate) fn send_adv(&mut self, i: usize, prio: u8) {
        self.emit_advert(i, prio);
        self.vrrps[i].stats.bump(Counter::AdvertSent);
    }

    /// `send_instance_notifies()`: notify scripts, FIFO (and SNMP/SMTP) for the new state.
    pub(crate) fn send_instance_notifies(&mut self, i: usize) {
        let v = &self.vrrps[i];
        if v.notifies_sent && v.sync.is_some_and(|g| self.groups[g].state == v.state) {
            // Already in that state through the sync group.
            return;
        }
        let (state, priority) = (v.state, v.effective_priority);
        self.vrrps[i].notifies_sent = true;
        self.out.push(Action::Notify {
            target: NotifyTarget::Instance(i),
            state,
            priority,
        });
    }

    /// `vrrp_send_link_update()`: `rep` gratuitous ARPs / NAs per VIP and eVIP, if the VIPs
    /// are set.
    pub(crate) fn send_link_update(&mut self, i: usize, rep: u32) {
        if !self.vrrps[i].vipset || rep == 0 {
            return;
        }
        let inst = &self.cfg.vrrp.instances[i];
        if inst.vips.is_empty() && inst.evips.is_empty() {
            return;
        }
        let mut lines = Vec::new();
        for a in inst.vips.iter().chain(&inst.evips) {
            let what = if a.addr.is_ipv4() {
                "gratuitous ARPs"
            } else {
                "Unsolicited Neighbour Adverts"
            };
            let ifname = super::engine::address_interface(inst, a);
            lines.push(format!(
                "({}) Sending/queueing {what} on {ifname} for {}",
                inst.name, a.addr
            ));
        }
        for l in lines {
            self.detail(l);
        }
        self.out.push(Action::Announce {
            instance: i,
            count: rep,
        });
    }

    /// `vrrp_state_become_master()`: add the addresses, announce them, notify.
    fn become_master(&mut self, i: usize) {
        let now = self.now;
        let log_detail = self.opts.log_detail;
        let v = &mut self.vrrps[i];
        v.stats.bump(Counter::BecomeMaster);
        if v.version == 3 && log_detail && v.master_adver_int != v.adver_int {
            // keepalived only resets the interval when logging in detail.
            let line = format!(
                "({}) changing advert interval from {}ms to locally configured {}ms",
                v.name,
                v.master_adver_int / 1000,
                v.adver_int / 1000
            );
            v.master_adver_int = v.adver_int;
            self.detail(line);
        }
        self.set_addresses(i);
        let rep = self.vrrps[i].garp_rep;
        self.send_link_update(i, rep);
        let v = &mut self.vrrps[i];
        if v.garp_refresh != 0 {
            v.garp_refresh_timer = Some(now + v.garp_refresh);
        }
        self.send_instance_notifies(i);
    }

    /// Adds the firewall rule, VIPs, eVIPs, virtual routes and rules (the middle of
    /// `vrrp_state_become_master()`, and `restore_vrrp_state()` on reload).
    pub(crate) fn set_addresses(&mut self, i: usize) {
        let v = &mut self.vrrps[i];
        let n = &v.name;
        let mut lines = Vec::new();
        if v.firewall {
            lines.push(format!("({n}) setting firewall drop rule"));
        }
        if v.has_vips {
            lines.push(format!("({n}) setting VIPs."));
        }
        if v.has_evips {
            lines.push(format!("({n}) setting E-VIPs."));
        }
        if v.has_vroutes {
            lines.push(format!("({n}) setting Virtual Routes"));
        }
        if v.has_vrules {
            lines.push(format!("({n}) setting Virtual Rules"));
        }
        v.vipset = true;
        for l in lines {
            self.detail(l);
        }
        if self.vrrps[i].has_addresses() {
            self.out.push(Action::Addresses { instance: i, up: true });
        }
    }

    /// `vrrp_state_goto_master()`.
    pub(crate) fn goto_master(&mut self, i: usize) {
        if self.vrrps[i].sync.is_some() && !self.sync_can_goto_master(i) {
            self.vrrps[i].wantstate = State::Master;
            return;
        }
        self.vrrps[i].state = State::Master;
        self.init_instance_sands(i);
        self.master_tx(i);
    }

    /// `vrrp_state_master_tx()`: the periodic advert, and on the first one becoming master
    /// (advert first, so that the old master drops the addresses before our GARPs).
    pub(crate) fn master_tx(&mut self, i: usize) {
        let prio = self.vrrps[i].effective_priority;
        self.send_adv(i, prio);
        let now = self.now;
        if !self.vrrps[i].vipset {
            let line = format!("({}) Entering MASTER STATE", self.vrrps[i].name);
            self.info(line);
            self.become_master(i);
            let v = &self.vrrps[i];
            if v.garp_delay != 0 {
                let (at, rep) = (now + v.garp_delay, v.garp_rep);
                self.add_oneshot(at, i, rep);
            }
        } else {
            let v = &self.vrrps[i];
            // keepalived compares with ">" against a timer set a few µs before the advert
            // timer; on an exact clock that is the advert at (or after) the refresh time.
            if v.garp_refresh != 0 && v.garp_refresh_timer.is_some_and(|t| now >= t) {
                let rep = v.garp_refresh_rep;
                self.send_link_update(i, rep);
                let v = &mut self.vrrps[i];
                v.garp_refresh_timer = Some(now + v.garp_refresh);
            }
        }
    }

    /// `vrrp_restore_interface()`: optionally a priority 0 advert, then remove the virtual
    /// rules, routes and addresses.
    pub(crate) fn restore_interface(&mut self, i: usize, adv_f: bool, force: bool) {
        if adv_f {
            self.send_adv(i, PRIO_STOP);
            self.vrrps[i].stats.bump(Counter::PriZeroSent);
            let line = format!("({}) sent 0 priority", self.vrrps[i].name);
            self.detail(line);
        }
        let always = !self.opts.release_vips || self.opts.release_vips_on_transition;
        let v = &mut self.vrrps[i];
        let n = v.name.clone();
        let mut lines = Vec::new();
        if v.has_vrules {
            lines.push(format!("({n}) removing Virtual Rules"));
        }
        if v.has_vroutes {
            lines.push(format!("({n}) removing Virtual Routes"));
        }
        let remove = force || v.vipset || always;
        if remove {
            if v.has_vips {
                lines.push(format!("({n}) removing VIPs."));
            }
            if v.has_evips {
                lines.push(format!("({n}) removing E-VIPs."));
            }
            if v.firewall {
                lines.push(format!("({n}) removing firewall drop rule"));
            }
            v.vipset = false;
        }
        for l in lines {
            self.detail(l);
        }
        if remove && self.vrrps[i].has_addresses() {
            self.out.push(Action::Addresses { instance: i, up: false });
        }
    }

    /// `vrrp_state_leave_master()`: to BACKUP or FAULT as `wantstate` says.
    pub(crate) fn leave_master(&mut self, i: usize, adv_f: bool) {
        let v = &mut self.vrrps[i];
        match v.wantstate {
            State::Backup => {
                let line = format!("({}) Entering BACKUP STATE", v.name);
                v.preempt_time = None;
                self.info(line);
            }
            State::Fault => {
                let line = format!("({}) Entering FAULT STATE", v.name);
                self.info(line);
                self.send_adv(i, PRIO_STOP);
            }
            w => {
                let line = format!(
                    "({}) vrrp_state_leave_master called with invalid wantstate {}",
                    v.name,
                    state_num(w)
                );
                self.info(line);
                return;
            }
        }
        self.restore_interface(i, adv_f, false);
        let v = &mut self.vrrps[i];
        v.state = v.wantstate;
        self.send_instance_notifies(i);
        let v = &mut self.vrrps[i];
        v.ms_down_timer = v.ms_down();
        self.init_instance_sands(i);
        self.vrrps[i].stats.bump(Counter::ReleaseMaster);
    }

    /// `vrrp_state_leave_fault()`: to `wantstate` (MASTER through `goto_master`).
    pub(crate) fn leave_fault(&mut self, i: usize) {
        if self.vrrps[i].wantstate == State::Master {
            self.goto_master(i);
        } else {
            let v = &self.vrrps[i];
            if v.state != v.wantstate {
                let w = if v.wantstate == State::Backup {
                    "BACKUP"
                } else {
                    "FAULT"
                };
                let line = format!("({}) Entering {w} STATE", v.name);
                self.info(line);
            }
            let v = &self.vrrps[i];
            if v.wantstate == State::Fault && v.state == State::Master {
                self.send_adv(i, PRIO_STOP);
                self.restore_interface(i, false, false);
            }
            let v = &mut self.vrrps[i];
            v.state = v.wantstate;
            self.send_instance_notifies(i);
            let v = &mut self.vrrps[i];
            if v.state == State::Backup {
                v.preempt_time = None;
                v.master_adver_int = v.adver_int;
            }
        }
        let v = &mut self.vrrps[i];
        v.master_adver_int = v.adver_int;
        v.ms_down_timer = v.ms_down();
        self.init_instance_sands(i);
    }

    /// `update_master_adver_int()`: a v3 backup adopts the master's interval.
    fn update_master_adver_int(&mut self, i: usize, master_adver_int: u64) {
        let v = &mut self.vrrps[i];
        let line = format!(
            "({}) advertisement interval updated from {}ms to {}ms by master",
            v.name,
            v.master_adver_int / 1000,
            master_adver_int / 1000
        );
        v.master_adver_int = master_adver_int;
        self.detail(line);
    }

    /// `vrrp_state_backup()`: a backup processes an advert (`None`: it failed the checks).
    pub(crate) fn backup_rx(&mut self, i: usize, adv: Option<&Advert>, src: IpAddr) {
        let now = self.now;
        let mut ignore = adv.is_none();
        if let Some(adv) = adv {
            let v = &self.vrrps[i];
            let eff = v.effective_priority;
            if adv.priority == 0 {
                let line = format!("({}) Backup received priority 0 advertisement", v.name);
                self.detail(line);
                let v = &mut self.vrrps[i];
                v.ms_down_timer = v.skew();
            } else if v.nopreempt
                || adv.priority >= eff
                || (v.preempt_delay != 0 && v.preempt_time.is_none_or(|t| t > now))
            {
                if v.version == 3 {
                    let mai = u64::from(adv.adver_int & 0x0fff) * TIMER_CENTI_HZ;
                    if v.master_adver_int != mai {
                        self.update_master_adver_int(i, mai);
                    }
                }
                let v = &mut self.vrrps[i];
                v.ms_down_timer = v.ms_down();
                v.master_saddr = Some(src);
                v.master_priority = adv.priority;
                if v.preempt_delay != 0 {
                    if adv.priority >= eff {
                        if v.preempt_time.take().is_some() {
                            let line = format!("({}) stop preempt delay", v.name);
                            self.detail(line);
                        }
                    } else if v.preempt_time.is_none() {
                        let line = format!(
                            "({}) start preempt delay ({}.{:06})",
                            v.name,
                            v.preempt_delay / TIMER_HZ,
                            v.preempt_delay % TIMER_HZ
                        );
                        v.preempt_time = Some(now + v.preempt_delay);
                        self.detail(line);
                    }
                }
                self.vrrps[i].wantstate = State::Backup;
            } else {
                let line = format!(
                    "({}) received lower priority ({}) advert from {src} - discarding",
                    v.name, adv.priority
                );
                self.info(line);
                ignore = true;
                self.vrrps[i].master_saddr = Some(src);
            }
        }
        if ignore {
            // The timer keeps running: what is left of it becomes the down timer.
            let v = &mut self.vrrps[i];
            v.ms_down_timer = v.sands.map_or(0, |s| s.saturating_sub(now));
        }
    }

    /// `vrrp_saddr_cmp()`: the advert's source against ours.
    fn saddr_cmp(&self, i: usize, addr: &IpAddr) -> i32 {
        let v = &self.vrrps[i];
        match v.saddr {
            Some(s) if Family::of(&s) != Family::of(addr) => 0,
            Some(s) => addr_cmp(addr, &s),
            None => 0,
        }
    }

    /// `vrrp_state_master_rx()`: a master processes an advert (`None`: it failed the
    /// checks). True when it must leave MASTER.
    pub(crate) fn master_rx(&mut self, i: usize, adv: Option<&Advert>, src: IpAddr) -> bool {
        let Some(adv) = adv else {
            return false;
        };
        let cmp = self.saddr_cmp(i, &src);
        let v = &self.vrrps[i];
        let eff = v.effective_priority;
        if adv.priority == 0 || (v.higher_prio_send_advert && (adv.priority > eff || (adv.priority == eff && cmp > 0)))
        {
            self.send_adv(i, eff);
            if adv.priority == 0 {
                let line = format!("({}) Master received priority 0 message", self.vrrps[i].name);
                self.detail(line);
                return false;
            }
        }
        let v = &mut self.vrrps[i];
        if adv.priority == v.effective_priority {
            if cmp == 0 {
                let line = format!(
                    "({}) WARNING - equal priority advert received from remote host with our IP address.",
                    v.name
                );
                self.info(line);
            } else if v.effective_priority == PRIO_OWNER {
                let line = format!(
                    "({}) CONFIGURATION ERROR: local instance and a remote instance are both configured as address owner, please fix - reducing local priority",
                    v.name
                );
                v.effective_priority = PRIO_OWNER - 1;
                v.base_priority = PRIO_OWNER - 1;
                self.info(line);
            }
        }
        let v = &self.vrrps[i];
        let eff = v.effective_priority;
        if adv.priority < eff || (adv.priority == eff && cmp < 0) {
            let line = format!(
                "({}) Received advert from {src} with lower priority {}, ours {eff}{}",
                v.name,
                adv.priority,
                if v.lower_prio_no_advert {
                    ""
                } else {
                    ", forcing new election"
                }
            );
            self.info(line);
            if self.cfg.vrrp.instances[i].auth_type == AuthType::Ah {
                let line = format!("({}) IPSEC-AH : Syncing seq_num - Increment seq", self.vrrps[i].name);
                self.info(line);
                self.ah_resync(i);
            }
            if !self.vrrps[i].lower_prio_no_advert {
                self.send_adv(i, eff);
            }
            self.lower_prio_garps(i);
            if let Some(g) = self.vrrps[i].sync {
                for m in self.groups[g].members.clone() {
                    if m != i {
                        self.lower_prio_garps(m);
                    }
                }
            }
            // vrrp_state_master_rx(): send_event_notify(VRRP_EVENT_MASTER_RX_LOWER_PRI).
            self.out.push(Action::Event {
                instance: i,
                event: InstanceEvent::MasterRxLowerPri,
                priority: eff,
            });
            return false;
        }
        if adv.priority > eff || (adv.priority == eff && cmp > 0) {
            let line = if adv.priority > eff {
                format!(
                    "({}) Master received advert from {src} with higher priority {}, ours {eff}",
                    v.name, adv.priority
                )
            } else {
                format!(
                    "({}) Master received advert from {src} with same priority {} but higher IP address than ours",
                    v.name, adv.priority
                )
            };
            self.info(line);
            let v = &self.vrrps[i];
            if v.version == 3 {
                let mai = u64::from(adv.adver_int & 0x0fff) * TIMER_CENTI_HZ;
                if v.master_adver_int != mai {
                    self.update_master_adver_int(i, mai);
                }
            }
            let v = &mut self.vrrps[i];
            v.ms_down_timer = v.ms_down();
            v.master_priority = adv.priority;
            v.wantstate = State::Backup;
            v.state = State::Backup;
            return true;
        }
        false
    }

    /// The GARPs a master sends after a lower-priority advert (`garp_lower_prio_repeat`, and
    /// again after `garp_lower_prio_delay`).
    fn lower_prio_garps(&mut self, i: usize) {
        let v = &self.vrrps[i];
        let (rep, delay) = (v.garp_lower_prio_rep, v.garp_lower_prio_delay);
        if rep == 0 {
            return;
        }
        self.send_link_update(i, rep);
        if delay != 0 {
            let at = self.now + delay;
            self.add_oneshot(at, i, rep);
        }
    }

    /// `VRRP_TSM_HANDLE`: sync group transitions after a state change of a member.
    pub(crate) fn tsm_handle(&mut self, i: usize, prev: State) {
        if self.vrrps[i].sync.is_none() {
            return;
        }
        match (prev, self.vrrps[i].state) {
            (State::Backup | State::Master | State::Fault, State::Master) => self.sync_master(i),
            (State::Master, State::Backup) => self.sync_backup(i),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vrrp(version: u8, prio: u8, adver_int: u64) -> Vrrp {
        let mut v = Vrrp {
            name: "VI".into(),
            version,
            family: Family::V4,
            state: State::Init,
            wantstate: State::Backup,
            base_priority: prio,
            effective_priority: prio,
            total_priority: i32::from(prio),
            adver_int,
            master_adver_int: adver_int,
            down_timer_adverts: 3,
            ms_down_timer: 0,
            sands: None,
            sands_seq: 0,
            preempt_delay: 0,
            preempt_time: None,
            nopreempt: false,
            lower_prio_no_advert: false,
            higher_prio_send_advert: false,
            vipset: false,
            num_script_if_fault: 0,
            num_script_init: 0,
            notifies_sent: false,
            master_saddr: None,
            master_priority: 0,
            saddr: None,
            saddr_from_config: false,
            track_saddr: false,
            garp_refresh_timer: None,
            garp_delay: 0,
            garp_rep: 0,
            garp_refresh: 0,
            garp_refresh_rep: 0,
            garp_lower_prio_delay: 0,
            garp_lower_prio_rep: 0,
            sync: None,
            stats: Stats::default(),
            ip_id: 0,
            unicast: false,
            has_vips: true,
            has_evips: false,
            has_vroutes: false,
            has_vrules: false,
            firewall: false,
            reload_master: false,
        };
        v.ms_down_timer = v.ms_down();
        v
    }

    /// vrrp.h VRRP_TIMER_SKEW / VRRP_MS_DOWN_TIMER, v2: (256-100)/256 s = 609375 µs, whatever
    /// the interval.
    #[test]
    fn v2_skew_and_down_timer() {
        let v = vrrp(2, 100, TIMER_HZ);
        assert_eq!(v.skew(), 609_375);
        assert_eq!(v.ms_down(), 3_609_375);
        let v = vrrp(2, 100, 2 * TIMER_HZ);
        assert_eq!(v.skew(), 609_375);
        assert_eq!(v.ms_down(), 6_609_375);
        assert_eq!(v.skew_min(), 3906);
    }

    /// vrrp.h VRRP_TIMER_SKEW, v3 (RFC 5798 6.1): ((256-prio) * Master_Adver_Interval) / 256.
    #[test]
    fn v3_skew_scales_with_interval() {
        let v = vrrp(3, 100, 50 * TIMER_CENTI_HZ);
        assert_eq!(v.skew(), 156 * 50 * 625 / 16);
        assert_eq!(v.ms_down(), 3 * 500_000 + 304_687);
        let v = vrrp(3, 254, TIMER_HZ);
        assert_eq!(v.skew(), 7812);
    }

    /// lib/utils.c inet_inaddrcmp(): numeric comparison in host order.
    #[test]
    fn address_comparison_is_numeric() {
        let a: IpAddr = "10.0.0.2".parse().unwrap();
        let b: IpAddr = "10.0.0.10".parse().unwrap();
        assert_eq!(addr_cmp(&a, &b), -1);
        assert_eq!(addr_cmp(&b, &a), 1);
        assert_eq!(addr_cmp(&a, &a), 0);
        let c: IpAddr = "fe80::1".parse().unwrap();
        assert_eq!(addr_cmp(&a, &c), -2);
    }
}
