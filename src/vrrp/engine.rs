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
pub mod inspect;
mod reload;
mod resume;
mod startup;

use std::sync::Arc;
use std::time::Duration;

use adverts::Wire;
pub(crate) use adverts::address_interface;

use super::event::{Action, Event, IfState, NotifyTarget, State, Time, vmac_name};
use super::fsm::{TIMER_HZ, Vrrp};
use super::reload::{InstanceState, Resume};
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

/// Resume entries handed over by the parent, and the engine time their gaps refer to.
#[derive(Clone, Debug)]
struct ResumeInfo {
    entries: Vec<Resume>,
    at: u64,
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
#[derive(Clone)]
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
    /// FIFO-only state lines of a reload (`fifo_write_vrrp_states_on_reload`), each with the
    /// length `out` had when it was written.
    fifo_only: Vec<(usize, NotifyTarget, State, u8)>,
    oneshots: Vec<OneShot>,
    oneshot_seq: u64,
    wire: Vec<Wire>,
    /// States handed over from a VRRP child that died (see [`Engine::set_resume`]).
    resume: Option<ResumeInfo>,
    started: bool,
    stopped: bool,
}

/// The sans-IO VRRP engine.
pub struct Engine {
    core: Core,
    transitions: Transitions,
}

/// When each instance last changed state (keepalived's `last_transition`, shown in the dump
/// files), noted after every call that can change one.
#[derive(Default)]
struct Transitions {
    seen: Vec<State>,
    at: Vec<Option<u64>>,
}

impl Transitions {
    fn note(&mut self, states: impl ExactSizeIterator<Item = State>, now: u64) {
        if self.seen.len() != states.len() {
            self.seen = vec![State::Init; states.len()];
            self.at = vec![None; states.len()];
        }
        for (i, s) in states.enumerate() {
            if self.seen[i] != s {
                self.seen[i] = s;
                self.at[i] = Some(now);
            }
        }
    }

    /// After a reload: each new instance keeps the time of the old one it continues.
    fn remap(&mut self, old_of: &[Option<usize>], states: &[State]) {
        let at = old_of
            .iter()
            .map(|o| o.and_then(|o| self.at.get(o).copied().flatten()))
            .collect();
        self.at = at;
        self.seen = states.to_vec();
    }
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
            transitions: Transitions::default(),
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
                fifo_only: Vec::new(),
                oneshots: Vec::new(),
                oneshot_seq: 0,
                wire,
                resume: None,
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
        self.note_transitions();
        std::mem::take(&mut self.core.out)
    }

    fn note_transitions(&mut self) {
        let now = self.core.now;
        self.transitions.note(self.core.vrrps.iter().map(|v| v.state), now);
    }

    /// When instance `instance` last changed state, on the engine's clock.
    pub(crate) fn transition_time(&self, instance: usize) -> Option<Time> {
        self.transitions
            .at
            .get(instance)
            .copied()
            .flatten()
            .map(Duration::from_micros)
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
        self.note_transitions();
        std::mem::take(&mut self.core.out)
    }

    /// Fires every timer due at `now`.
    pub fn poll(&mut self, now: Time) -> Vec<Action> {
        let c = &mut self.core;
        if !c.started || c.stopped {
            return Vec::new();
        }
        c.now = c.now.max(us(now));
        c.fire_timers();
        self.note_transitions();
        std::mem::take(&mut self.core.out)
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

    /// Zeroes every instance's counters (SIGRTMAX-1, after the stats file is written:
    /// `vrrp_print_stats(true)`).
    pub fn clear_stats(&mut self) {
        for v in &mut self.core.vrrps {
            v.stats = Stats::default();
        }
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

    /// Every instance's identity and state, in configuration order: what the parent records
    /// after each batch of actions, to hand over to a respawned child as
    /// [`Resume`] entries.
    pub fn states(&self) -> Vec<InstanceState> {
        let c = &self.core;
        c.cfg
            .vrrp
            .instances
            .iter()
            .zip(&c.vrrps)
            .map(|(inst, v)| InstanceState {
                name: inst.name.clone(),
                vrid: inst.vrid,
                interface: inst.interface.clone(),
                family: inst.family,
                advert_int: Duration::from_micros(v.adver_int),
                state: v.state,
            })
            .collect()
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
