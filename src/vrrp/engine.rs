//! The sans-IO VRRP engine: every instance, sync group and tracker of a configuration behind
//! one `handle()`. Events go in (packets, interface changes, script results, track file
//! values, stop), actions come out (packets to send, addresses to set, GARPs, notifies, log
//! lines), timers are read with [`Engine::next_deadline`] and fired with [`Engine::poll`].
//!
//! It follows keepalived 2.2.7's `vrrp_scheduler.c` (`vrrp_init_state()`,
//! `vrrp_dispatcher_read()`, `vrrp_dispatcher_read_timeout()`), `vrrp_daemon.c`
//! (start and stop sequences) and the modules [`fsm`](super::fsm), [`track`] and
//! [`sync_group`](super::sync_group).

mod adverts;
mod startup;

use std::sync::Arc;
use std::time::Duration;

use super::event::{Action, Event, IfState, NotifyTarget, RxPacket, State, Time, TxPacket, vmac_name, xmit_interface};
use super::fsm::{TIMER_CENTI_HZ, TIMER_HZ, Vrrp};
use super::packet::{self, Advert, IPPROTO_AH, RxExpect, RxState, TxParams};
use adverts::Wire;
pub(crate) use adverts::address_interface;

use super::event::{Action, Event, IfState, NotifyTarget, State, Time, vmac_name};
use super::fsm::{TIMER_HZ, Vrrp};
use super::stats::Stats;
use super::sync_group::Group;
use super::track::{self, FileRt, IfRt, ScriptRt};
use crate::config::model::Config;
use crate::log::LogLine;

/// How the engine was started (command-line options that change VRRP behaviour).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EngineOptions {
    /// `-D` / `--log-detail`. Detail lines are produced either way (marked
    /// [`LogLine::detail`]); keepalived also only resets a v3 master's adopted interval when
    /// this is set, and so does the engine.
    pub log_detail: bool,
    /// Give up the addresses with a priority 0 advert on stop (false with `-V` /
    /// `--dont-release-vrrp`, which also makes every transition try to remove the VIPs).
    pub release_vips: bool,
    /// `-X` / `--release-vips`: every transition out of MASTER removes the VIPs, even if this
    /// run did not add them.
    pub release_vips_on_transition: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            log_detail: false,
            release_vips: true,
            release_vips_on_transition: false,
        }
    }
}

/// A delayed block of GARPs (`vrrp_gratuitous_arp_thread`,
/// `vrrp_lower_prio_gratuitous_arp_thread`).
#[derive(Clone, Copy, Debug)]
struct OneShot {
    at: u64,
    seq: u64,
    inst: usize,
    count: u32,
}

/// The engine's state, shared by the `fsm`, `track` and `sync_group` modules.
pub(crate) struct Core {
    pub(crate) cfg: Arc<Config>,
    pub(crate) opts: EngineOptions,
    /// Current time, µs.
    pub(crate) now: u64,
    pub(crate) vrrps: Vec<Vrrp>,
    pub(crate) groups: Vec<Group>,
    pub(crate) scripts: Vec<ScriptRt>,
    pub(crate) inst_scripts: Vec<Vec<(usize, i32)>>,
    pub(crate) files: Vec<FileRt>,
    pub(crate) ifs: Vec<IfRt>,
    /// End of `vrrp_startup_delay`, µs.
    pub(crate) delayed_start: Option<u64>,
    /// Counter behind [`Vrrp::sands_seq`].
    pub(crate) sands_seq: u64,
    pub(crate) out: Vec<Action>,
    oneshots: Vec<OneShot>,
    oneshot_seq: u64,
    wire: Vec<Wire>,
    started: bool,
    stopped: bool,
}

/// The sans-IO VRRP engine.
pub struct Engine {
    core: Core,
}

fn us(t: Time) -> u64 {
    u64::try_from(t.as_micros()).unwrap_or(u64::MAX)
}

impl Engine {
    /// An engine for this configuration and these interfaces (their state at startup).
    pub fn new(cfg: Arc<Config>, interfaces: Vec<IfState>, opts: EngineOptions) -> Engine {
        let v = &cfg.vrrp;
        let groups: Vec<Group> = v.sync_groups.iter().map(|g| Group::new(g, v)).collect();
        let sync_of = |i: usize| groups.iter().position(|g| g.members.contains(&i));
        let vrrps = v
            .instances
            .iter()
            .enumerate()
            .map(|(i, inst)| {
                // keepalived removes the VIPs of a physical interface (or an existing VMAC)
                // at startup, in case a previous run left them.
                let vipset = inst.vmac.is_none() || interfaces.iter().any(|f| f.name == vmac_name(inst));
                Vrrp::new(inst, vipset, sync_of(i))
            })
            .collect();
        let wire = v.instances.iter().map(Wire::new).collect();
        let t = track::build(&cfg, &interfaces);
        Engine {
            core: Core {
                opts,
                now: 0,
                vrrps,
                groups,
                scripts: t.scripts,
                inst_scripts: t.inst_scripts,
                files: t.files,
                ifs: t.ifs,
                delayed_start: None,
                sands_seq: 0,
                out: Vec::new(),
                oneshots: Vec::new(),
                oneshot_seq: 0,
                wire,
                started: false,
                stopped: false,
                cfg,
            },
        }
    }

    /// Starts every instance (`vrrp_complete_init()`, `vrrp_restore_interfaces_startup()`,
    /// `vrrp_init_state()`): "(VI_1) Entering BACKUP STATE (init)", or FAULT; an address
    /// owner becomes MASTER 1 µs later.
    pub fn start(&mut self, now: Time) -> Vec<Action> {
        let c = &mut self.core;
        if c.started || c.stopped {
            return Vec::new();
        }
        c.now = us(now);
        c.started = true;
        c.start();
        std::mem::take(&mut c.out)
    }

    /// Handles one event. Before [`Engine::start`], interface and track file events only set
    /// the initial state.
    pub fn handle(&mut self, now: Time, ev: Event) -> Vec<Action> {
        let c = &mut self.core;
        if c.stopped {
            return Vec::new();
        }
        if !c.started {
            c.prestart(ev);
            return Vec::new();
        }
        c.now = c.now.max(us(now));
        match ev {
            Event::Packet(rx) => c.dispatch(&rx),
            Event::Interface(s) => c.interface(s),
            Event::InterfaceGone(name) => c.interface(IfState {
                name,
                index: 0,
                up: false,
                mac: [0; 6],
                ipv4: None,
                ipv6_ll: None,
            }),
            Event::ScriptResult { name, outcome } => c.script_result(&name, outcome),
            Event::TrackFile { name, value } => {
                if let Some(f) = c.files.iter().position(|f| f.name == name) {
                    c.track_file_update(f, value);
                }
            }
            Event::Stop => c.stop(),
        }
        std::mem::take(&mut c.out)
    }

    /// Fires every timer due at `now`.
    pub fn poll(&mut self, now: Time) -> Vec<Action> {
        let c = &mut self.core;
        if !c.started || c.stopped {
            return Vec::new();
        }
        c.now = c.now.max(us(now));
        c.fire_timers();
        std::mem::take(&mut c.out)
    }

    /// When [`Engine::poll`] next has something to do.
    pub fn next_deadline(&self) -> Option<Time> {
        let c = &self.core;
        if !c.started || c.stopped {
            return None;
        }
        let a = c.vrrps.iter().filter_map(|v| v.sands);
        let b = c.oneshots.iter().map(|o| o.at);
        a.chain(b).min().map(Duration::from_micros)
    }

    /// An instance's state (index in `Config.vrrp.instances`; panics when out of range, as
    /// the other per-instance accessors).
    pub fn state(&self, instance: usize) -> State {
        self.core.vrrps[instance].state
    }

    /// An instance's effective (advertised) priority.
    pub fn effective_priority(&self, instance: usize) -> u8 {
        self.core.vrrps[instance].effective_priority
    }

    /// An instance's counters.
    pub fn stats(&self, instance: usize) -> &Stats {
        &self.core.vrrps[instance].stats
    }

    /// A sync group's state (index in `Config.vrrp.sync_groups`; panics when out of range).
    pub fn group_state(&self, group: usize) -> State {
        self.core.groups[group].state
    }

    /// Whether some instance tracks this interface (keepalived only logs "Netlink reports IF
    /// up/down" for those).
    pub fn is_tracked_interface(&self, name: &str) -> bool {
        self.core.ifs.iter().any(|f| f.name == name && !f.tracking.is_empty())
    }

    /// True once [`Event::Stop`] was handled: every instance is done.
    pub fn stopped(&self) -> bool {
        self.core.stopped
    }
}

impl Core {
    /// A log line written always.
    pub(crate) fn info(&mut self, text: String) {
        self.out.push(Action::Log(LogLine::info(text)));
    }

    /// A `-D` log line.
    pub(crate) fn detail(&mut self, text: String) {
        self.out.push(Action::Log(LogLine::detail(text)));
    }

    /// Schedules a block of `count` GARPs for instance `inst` at `at`.
    pub(crate) fn add_oneshot(&mut self, at: u64, inst: usize, count: u32) {
        self.oneshot_seq += 1;
        self.oneshots.push(OneShot {
            at,
            seq: self.oneshot_seq,
            inst,
            count,
        });
    }

    /// `vrrp_dispatcher_read_timeout()` and the delayed GARP threads, in time order.
    fn fire_timers(&mut self) {
        let now = self.now;
        for _ in 0..100_000 {
            let inst = self
                .vrrps
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.sands.filter(|&s| s <= now).map(|s| (s, v.sands_seq, i)))
                .min();
            let shot = self
                .oneshots
                .iter()
                .enumerate()
                .filter(|(_, o)| o.at <= now)
                .min_by_key(|(_, o)| (o.at, o.seq))
                .map(|(k, o)| (o.at, k));
            match (inst, shot) {
                (Some((s, _, i)), shot) if shot.is_none_or(|(a, _)| s <= a) => self.instance_timeout(i),
                (_, Some((_, k))) => {
                    let o = self.oneshots.remove(k);
                    self.send_link_update(o.inst, o.count);
                }
                _ => return,
            }
        }
    }

    /// One instance's timer fired: a backup's master-down timer or a master's advert timer.
    fn instance_timeout(&mut self, i: usize) {
        let prev = self.vrrps[i].state;
        match prev {
            State::Backup => {
                let line = format!("({}) Receive advertisement timeout", self.vrrps[i].name);
                self.detail(line);
                self.vrrps[i].wantstate = State::Master;
                self.goto_master(i);
            }
            State::Master => self.master_tx(i),
            _ => {}
        }
        self.tsm_handle(i, prev);
        self.init_instance_sands(i);
    }

    /// `vrrp_dispatcher_read()`: find the instance and hand it the advert.
    fn dispatch(&mut self, rx: &RxPacket) {
        let ah = rx.family == Family::V4 && rx.data.get(9) == Some(&IPPROTO_AH);
        let on_socket: Vec<usize> = (0..self.vrrps.len())
            .filter(|&i| {
                let inst = &self.cfg.vrrp.instances[i];
                self.wire[i].ifname == rx.ifname && inst.family == rx.family && (inst.auth_type == AuthType::Ah) == ah
            })
            .collect();
        if on_socket.is_empty() {
            return;
        }
        let vrid = match packet::peek(rx.family, &rx.data) {
            Ok((_, vrid)) => vrid,
            Err(e) => {
                if let Some(l) = e.log_line() {
                    self.out.push(Action::Log(l));
                }
                return;
            }
        };
        let matching: Vec<usize> = on_socket
            .into_iter()
            .filter(|&i| self.cfg.vrrp.instances[i].vrid == vrid)
            .collect();
        let Some(&first) = matching.first() else {
            if self.cfg.global.log_unknown_vrids {
                self.out.push(Action::Log(packet::unknown_vrid_log(vrid, &rx.ifname)));
            }
            return;
        };
        // Several instances share the VRID on this interface: the unicast one whose peer sent it.
        let i = matching
            .iter()
            .copied()
            .find(|&i| self.wire[i].peers.iter().any(|p| p.0 == rx.src))
            .unwrap_or(first);
        if matches!(self.vrrps[i].state, State::Fault | State::Init) {
            return;
        }
        let v = &self.vrrps[i];
        if rx.family == Family::V6 && rx.dst.is_multicast() == v.unicast {
            let line = format!(
                "({}) discarding {}icast packet on {}icast instance",
                v.name,
                if rx.dst.is_multicast() { "mult" } else { "un" },
                if v.unicast { "un" } else { "mult" }
            );
            self.detail(line);
            return;
        }
        let prev = v.state;
        if prev == State::Backup {
            let skip = self.cfg.vrrp.instances[i].skip_check_adv_addr && v.master_saddr == Some(rx.src);
            let adv = self.check_packet(i, rx, skip);
            self.backup_rx(i, adv.as_ref(), rx.src);
        } else if v.wantstate == State::Fault {
            // vrrp_state_master_rx() "return on link failure".
            let v = &mut self.vrrps[i];
            v.master_adver_int = v.adver_int;
            v.ms_down_timer = v.ms_down();
            v.state = State::Fault;
            self.send_instance_notifies(i);
            self.leave_master(i, false);
        } else {
            let adv = self.check_packet(i, rx, false);
            if self.master_rx(i, adv.as_ref(), rx.src) {
                self.leave_master(i, false);
            }
        }
        self.tsm_handle(i, prev);
        let v = &self.vrrps[i];
        if v.state != State::Master || !v.lower_prio_no_advert {
            self.init_instance_sands(i);
        }
    }

    /// `vrrp_check_packet()` through the packet layer: log and count a bad packet.
    fn check_packet(&mut self, i: usize, rx: &RxPacket, skip_addr_check: bool) -> Option<Advert> {
        let inst = &self.cfg.vrrp.instances[i];
        let w = &self.wire[i];
        let v = &self.vrrps[i];
        let before = w.rx_state;
        let exp = RxExpect {
            name: &inst.name,
            version: v.version,
            family: v.family,
            auth: inst.auth_type,
            password: &w.password,
            adver_int_secs: u16::try_from(v.adver_int / TIMER_HZ).unwrap_or(u16::MAX),
            vips: &w.vips,
            unicast: v.unicast,
            peers: &w.peers,
            check_unicast_src: inst.check_unicast_src || self.cfg.global.vrrp_check_unicast_src,
            skip_addr_check,
            old_unicast_checksum: inst.old_unicast_checksum,
            mcast_group4: self.cfg.global.vrrp_mcast_group4,
            rx_state: Cell::new(before),
        };
        let res = packet::check(rx, &exp);
        let after = exp.rx_state.get();
        self.wire[i].rx_state = after;
        if after.old_unicast_checksum && !before.old_unicast_checksum {
            self.out.push(Action::Log(packet::checksum_switch_log(&inst.name)));
        }
        self.vrrps[i].stats.record_rx(&res);
        match res {
            Ok(adv) => Some(adv),
            Err(e) => {
                if let Some(l) = e.log_line() {
                    self.out.push(Action::Log(l));
                }
                None
            }
        }
    }

    /// A master takes the AH sequence number of a lower priority advert, plus one.
    pub(crate) fn ah_resync(&mut self, i: usize) {
        let st = &mut self.wire[i].rx_state;
        st.ah_seq = st.ah_seq.wrapping_add(1);
    }

    /// Builds the advert(s) of `vrrp_send_adv()`: one to the group, or one per unicast peer
    /// (sharing the IPv4 identification, as keepalived does).
    pub(crate) fn emit_advert(&mut self, i: usize, prio: u8) {
        let inst = &self.cfg.vrrp.instances[i];
        let w = &mut self.wire[i];
        let v = &mut self.vrrps[i];
        v.ip_id = v.ip_id.wrapping_add(1);
        if v.ip_id == 0 {
            v.ip_id = 1;
        }
        if inst.auth_type == AuthType::Ah && w.rx_state.ah_seq <= 0xFFFF_FFFD {
            // One counter for sending and anti-replay, as keepalived's ipsecah_counter.
            w.rx_state.ah_seq += 1;
        }
        let w = &self.wire[i];
        let Some(src) = v.saddr else {
            return;
        };
        let adv = Advert {
            version: v.version,
            vrid: inst.vrid,
            priority: prio,
            adver_int: if v.version == 2 {
                u16::try_from(v.adver_int / TIMER_HZ).unwrap_or(u16::MAX)
            } else {
                u16::try_from(v.adver_int / TIMER_CENTI_HZ).unwrap_or(0x0fff)
            },
            addrs: w.vips.clone(),
        };
        let (dsts, ttl): (Vec<IpAddr>, u8) = if v.unicast {
            let dflt = if v.family == Family::V4 { 255 } else { 64 };
            (
                w.peers
                    .iter()
                    .map(|p| p.0)
                    .filter(|a| Family::of(a) == v.family)
                    .collect(),
                inst.unicast_ttl.unwrap_or(dflt),
            )
        } else {
            (inst.mcast_dst_ip.into_iter().collect(), 255)
        };
        let mut sends = Vec::new();
        for dst in dsts {
            let tx = TxParams {
                family: v.family,
                src,
                dst,
                ttl,
                ip_id: v.ip_id,
                auth: inst.auth_type,
                password: &w.password,
                ah_seq: w.rx_state.ah_seq,
                old_unicast_checksum: (v.version == 3
                    && v.unicast
                    && (inst.old_unicast_checksum == ChecksumCompat::Config || w.rx_state.old_unicast_checksum))
                    .then_some(self.cfg.global.vrrp_mcast_group4),
            };
            let data = packet::build(&adv, &tx);
            sends.push(Action::Send(TxPacket {
                ifname: w.ifname.clone(),
                family: v.family,
                src,
                dst,
                ttl,
                data,
            }));
        }
        self.out.extend(sends);
    }

    /// An interface changed: link state first (`process_if_status_change()`), then addresses.
    fn interface(&mut self, s: IfState) {
        let k = self.if_slot(&s.name);
        let f = &mut self.ifs[k];
        let (was_up, old4, old6) = (f.up, f.ipv4, f.ipv6_ll);
        f.index = s.index;
        f.up = s.up;
        f.ipv4 = s.ipv4;
        f.ipv6_ll = s.ipv6_ll;
        if was_up != s.up && !self.ifs[k].tracking.is_empty() {
            self.if_status_change(k, s.up);
        }
        if old4 != s.ipv4 || old6 != s.ipv6_ll {
            self.if_address_change(k, old4, old6);
        }
    }

    /// A `vrrp_script` run finished.
    fn script_result(&mut self, name: &str, outcome: super::event::ScriptOutcome) {
        let Some(s) = self.scripts.iter().position(|s| s.name == name) else {
            return;
        };
        if self.scripts[s].tracking.is_empty() {
            // keepalived drops scripts nobody tracks.
            return;
        }
        let (logs, flip) = self.scripts[s].on_result(outcome);
        for l in logs {
            self.info(l);
        }
        if let Some(ok) = flip {
            self.update_script_priorities(s, ok);
        }
        self.scripts[s].init = false;
    }

    /// `vrrp_terminate_phase1()`: masters send priority 0 and release their addresses (unless
    /// `-V`), then every instance and group notifies STOP (`notify_shutdown()`).
    fn stop(&mut self) {
        if self.opts.release_vips {
            for i in 0..self.vrrps.len() {
                if self.vrrps[i].state == State::Master {
                    self.restore_interface(i, true, false);
                }
            }
        }
        for i in 0..self.vrrps.len() {
            self.vrrps[i].state = State::Stop;
            self.send_instance_notifies(i);
        }
        for g in 0..self.groups.len() {
            self.groups[g].state = State::Stop;
            self.out.push(Action::Notify {
                target: NotifyTarget::Group(g),
                state: State::Stop,
                priority: 0,
            });
        }
        for v in &mut self.vrrps {
            v.sands = None;
        }
        self.oneshots.clear();
        self.stopped = true;
    }
}
