//! The real-server pool, sans-IO: keepalived's `ipwrapper.c`. Checker results move real
//! servers in and out of the IPVS table (or to weight 0 with `inhibit_on_failure`), keep each
//! virtual server's quorum (with `hysteresis`, the `quorum_up`/`quorum_down` scripts and the
//! sorry server), run `notify_up`/`notify_down`, write `lvs_notify_fifo` lines, and compose
//! `smtp_alert` mails, all as [`PoolAction`]s with keepalived's exact log lines.
//!
//! Inputs are [`PoolEvent`]s: a checker's settled result (after its retries; the scheduler
//! decides that), a `misc_dynamic` weight, a `track_file` value (`FILE_CHECK`s, numbered after
//! the real server's other checkers: `CheckerId.checker = checkers.len() + i`), an address
//! appearing or going (`ha_suspend`), a reload and the stop. Start, reload and stop program the kernel through
//! [`reconcile`](crate::ipvs::reconcile); single events emit the commands keepalived's
//! `ipvs_cmd()` would send, expanded over a group's services.

mod files;
mod lifecycle;
mod notify;
mod state;

use std::sync::Arc;

use crate::check::event::{CheckerId, SORRY};
use crate::config::model::Config;
use crate::config::model::Script;
use crate::ipvs::desired::{self, Presence, VsPresence, weight_i32};
use crate::ipvs::model::{Command, Table};
use crate::log::LogLine;
use state::{RsState, VsState};

/// What the pool is told.
#[derive(Clone, Debug, PartialEq)]
pub enum PoolEvent {
    /// A checker's settled result: keepalived's `update_svr_checker_state()` (sent on a
    /// change of state and on a checker's first result). `alert` is the checker's mail body
    /// (e.g. "=> TCP CHECK succeed on service <="), mailed if the real server's
    /// `smtp_alert` is on and the checker changed state.
    Checker {
        /// Which checker.
        id: CheckerId,
        /// Up or down.
        up: bool,
        /// The checker's `smtp_alert` body.
        alert: Option<String>,
    },
    /// A `misc_dynamic` exit status changed: `Some(code - 2)` for 2..255, `None` for 0 (the
    /// configured weight). Send it before the checker's `Checker` result, as keepalived
    /// updates the weight first.
    Weight {
        /// Which checker.
        id: CheckerId,
        /// The new weight.
        weight: Option<u32>,
    },
    /// A local address appeared or went (`ha_suspend`: a virtual server's checkers run only
    /// while its address is configured, i.e. while VRRP is master for it).
    Address {
        /// The address.
        addr: std::net::IpAddr,
        /// Added (true) or removed.
        present: bool,
    },
    /// A `track_file`'s value changed (for `FILE_CHECK`s).
    TrackFile {
        /// The `track_file` name.
        name: String,
        /// The number read from the file.
        value: i64,
    },
    /// A new configuration (states carried over).
    Reload(Box<Config>),
    /// Stop: remove what we own unless `keep_ipvs` (`-I`).
    Stop {
        /// `--dont-release-ipvs`.
        keep_ipvs: bool,
    },
}

impl PoolEvent {
    /// The events of one scheduler step (`check::schedule::Step`) of checker `id`, in
    /// keepalived's order: the `misc_dynamic` weight first, then the up/down decision
    /// (`alert` is the checker's mail body for it, if any). The step's log lines are the
    /// scheduler's to write, before the transition's events are handled.
    pub fn from_step(id: CheckerId, step: &crate::check::schedule::Step, alert: Option<String>) -> Vec<PoolEvent> {
        let mut out = Vec::new();
        if let Some(w) = step.weight {
            let weight = match w {
                crate::check::schedule::Weight::Dynamic(w) => Some(w),
                crate::check::schedule::Weight::Configured => None,
            };
            out.push(PoolEvent::Weight { id, weight });
        }
        if let Some(t) = &step.transition {
            out.push(PoolEvent::Checker {
                id: t.id,
                up: t.up,
                alert,
            });
        }
        out
    }
}

/// What the pool wants done.
#[derive(Clone, Debug, PartialEq)]
pub enum PoolAction {
    /// Send this to the kernel.
    Ipvs(Command),
    /// Log this line.
    Log(LogLine),
    /// Run this script (a notify or quorum script); `wait` at stop, where keepalived runs it
    /// with a one-second limit before exiting.
    Script {
        /// The script.
        script: Script,
        /// Run to completion (at most one second) before going on.
        wait: bool,
    },
    /// Write this line (newline included) to `notify_fifo` and `lvs_notify_fifo`.
    Fifo(String),
    /// Mail this to the `notification_email` addresses through `smtp_server`.
    Smtp {
        /// Subject, keepalived's `[router_id] ...`.
        subject: String,
        /// Body.
        body: String,
    },
}

/// The pool of every virtual server.
#[derive(Clone, Debug)]
pub struct Pool {
    /// Shared with the checker child's probes: never deep-cloned.
    cfg: Arc<Config>,
    st: Vec<VsState>,
    out: Vec<PoolAction>,
    /// Whether `ipvs_cmd()` emulation emits commands (off at start and reload, where the
    /// reconciler computes them from the tables instead).
    record_ipvs: bool,
    /// The last value of each tracked file.
    file_values: std::collections::HashMap<String, i64>,
}

/// What the pool needs to know at start besides the configuration and the kernel's table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StartInfo {
    /// Local addresses present (one entry per interface holding it): `ha_suspend` checkers
    /// of a virtual server whose address is absent start suspended.
    pub local_addrs: Vec<std::net::IpAddr>,
    /// The `track_file` values as read at start (missing: 0).
    pub track_files: Vec<(String, i64)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Add,
    Del,
    Edit,
}

impl Pool {
    /// Starts the pool (keepalived's `init_services()`): alpha checkers start down, the other
    /// real servers in; quorum and sorry server settled. The actions begin with the commands
    /// that turn `kernel` (as read back) into the wanted table (`lvs_flush` first flushes it)
    /// and the sync daemon's; then the logs and notifications.
    pub fn start(cfg: Config, kernel: &Table) -> (Pool, Vec<PoolAction>) {
        Pool::start_with(cfg, kernel, &StartInfo::default())
    }

    /// [`Pool::start`] knowing the local addresses and tracked files' values at start.
    pub fn start_with(cfg: impl Into<Arc<Config>>, kernel: &Table, info: &StartInfo) -> (Pool, Vec<PoolAction>) {
        let cfg = cfg.into();
        let st = state::fresh(&cfg.check, false);
        let local_addrs = &info.local_addrs;
        let mut pool = Pool {
            cfg,
            st,
            out: Vec::new(),
            record_ipvs: false,
            file_values: Default::default(),
        };
        pool.init_files(&info.track_files);
        for (vi, vs) in pool.cfg.check.virtual_servers.iter().enumerate() {
            if let crate::config::model::check::VsKey::Addr { ip, .. } = vs.key
                && vs.ha_suspend
            {
                pool.st[vi].ha_count = local_addrs.iter().filter(|a| **a == ip).count() as u32;
            }
        }
        for vi in 0..pool.st.len() {
            pool.init_service_vs(vi);
        }
        pool.register_checkers();
        let mut cmds = desired::sync_daemon_start(&pool.cfg.global);
        cmds.extend(crate::ipvs::reconcile::start(
            &pool.wanted(),
            kernel,
            pool.cfg.global.lvs_flush,
        ));
        pool.record_ipvs = true;
        let rest = std::mem::take(&mut pool.out);
        let mut out: Vec<PoolAction> = cmds.into_iter().map(PoolAction::Ipvs).collect();
        out.extend(rest);
        (pool, out)
    }

    /// Handles one event.
    pub fn handle(&mut self, ev: PoolEvent) -> Vec<PoolAction> {
        match ev {
            PoolEvent::Checker { id, up, alert } => self.on_checker(id, up, alert),
            PoolEvent::Weight { id, weight } => self.on_weight(id, weight),
            PoolEvent::Address { addr, present } => self.on_address(addr, present),
            PoolEvent::TrackFile { name, value } => self.on_track_file(&name, value),
            PoolEvent::Reload(cfg) => return self.reload(Arc::new(*cfg)),
            PoolEvent::Stop { keep_ipvs } => return self.stop(keep_ipvs),
        }
        std::mem::take(&mut self.out)
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The configuration in force, shared (the checker child's probes read it).
    pub fn shared_config(&self) -> &Arc<Config> {
        &self.cfg
    }

    /// Which servers are destinations, at which weight.
    pub fn presence(&self) -> Presence {
        Presence {
            vs: self
                .st
                .iter()
                .map(|v| VsPresence {
                    installed: v.alive,
                    rs: v.rs.iter().map(|r| r.kweight).collect(),
                    sorry: v.sorry.as_ref().and_then(|s| s.kweight),
                })
                .collect(),
        }
    }

    /// The table the pool has programmed (or wants programmed).
    pub fn wanted(&self) -> Table {
        desired::table(&self.cfg.check, &self.presence())
    }

    /// Whether a real server is alive (`ISALIVE(rs)`); `rs == SORRY` for the sorry server.
    pub fn rs_alive(&self, vs: usize, rs: usize) -> bool {
        self.st
            .get(vs)
            .and_then(|v| if rs == SORRY { v.sorry.as_ref() } else { v.rs.get(rs) })
            .is_some_and(|r| r.alive)
    }

    /// Whether a virtual server has its quorum.
    pub fn quorum_up(&self, vs: usize) -> bool {
        self.st.get(vs).is_some_and(|v| v.quorum_up)
    }

    /// Whether a checker runs (false while `ha_suspend` suspends it).
    pub fn checker_enabled(&self, id: CheckerId) -> bool {
        self.st
            .get(id.vs)
            .and_then(|v| v.rs.get(id.rs))
            .and_then(|r| r.checkers.get(id.checker))
            .is_some_and(|c| c.enabled)
    }

    fn log(&mut self, text: String) {
        self.out.push(PoolAction::Log(LogLine::info(text)));
    }

    fn rs_mut(&mut self, vi: usize, ri: Option<usize>) -> &mut RsState {
        match ri {
            Some(i) => &mut self.st[vi].rs[i],
            None => self.st[vi].sorry.as_mut().expect("sorry server"),
        }
    }

    fn has_sorry(&self, vi: usize) -> bool {
        self.st[vi].sorry.is_some()
    }

    fn sorry_alive(&self, vi: usize) -> bool {
        self.st[vi].sorry.as_ref().is_some_and(|s| s.alive)
    }

    /// keepalived's `ipvs_cmd()` for a destination: inhibit turns a delete into weight 0 and
    /// an add of a set server into an edit; a first add of a failed inhibited server uses
    /// weight 0. The kernel's answer is modelled (EEXIST and ENOENT ignored, an edit of an
    /// absent destination adds it), so only real changes are emitted.
    fn ipvs_cmd(&mut self, op: Op, vi: usize, ri: Option<usize>) {
        let r = self.rs_mut(vi, ri);
        let mut weight = weight_i32(r.eff);
        let mut op = op;
        if op == Op::Del && r.inhibit {
            weight = 0;
            op = Op::Edit;
        } else if op == Op::Add && r.inhibit && r.set {
            op = Op::Edit;
        } else if op == Op::Add && !r.set {
            r.set = true;
            if r.inhibit && r.num_failed > 0 {
                weight = 0;
            }
        } else if op == Op::Del && r.set {
            r.set = false;
        }
        let before = r.kweight;
        let after = match op {
            Op::Add => before.or(Some(weight)),
            Op::Edit => Some(weight),
            Op::Del => None,
        };
        r.kweight = after;
        if before == after || !self.record_ipvs {
            return;
        }
        let vs = &self.cfg.check.virtual_servers[vi];
        for (key, d) in desired::dests_of(&self.cfg.check, vs, ri, after.unwrap_or(0)) {
            let c = match (before, after) {
                (None, Some(_)) => Command::NewDest(key, d),
                (Some(_), Some(_)) => Command::SetDest(key, d),
                _ => Command::DelDest(key, d.key),
            };
            self.out.push(PoolAction::Ipvs(c));
        }
    }

    /// `ipvs_cmd(LVS_CMD_ADD / LVS_CMD_DEL, vs, NULL)`: the virtual server's services.
    fn ipvs_service(&mut self, add: bool, vi: usize) {
        if self.st[vi].alive == add {
            return;
        }
        self.st[vi].alive = add;
        if !self.record_ipvs {
            return;
        }
        let vs = &self.cfg.check.virtual_servers[vi];
        for s in desired::services(&self.cfg.check, vs) {
            let c = if add {
                Command::NewService(s.service)
            } else {
                Command::DelService(s.service.key)
            };
            self.out.push(PoolAction::Ipvs(c));
        }
    }

    /// `weigh_live_realservers()`.
    fn weigh_live(&self, vi: usize) -> i64 {
        self.st[vi]
            .rs
            .iter()
            .filter(|r| r.alive)
            .map(|r| weight_i32(r.eff) as i64)
            .sum()
    }

    /// `perform_quorum_state()`: the alive real servers in or out around the sorry server.
    fn perform_quorum_state(&mut self, vi: usize, add: bool) {
        let what = if add {
            "Adding alive servers to"
        } else {
            "Removing alive servers from"
        };
        self.log(format!("{what} the pool for VS {}", self.fmt_vs(vi)));
        for ri in 0..self.st[vi].rs.len() {
            if self.st[vi].rs[ri].alive {
                self.ipvs_cmd(if add { Op::Add } else { Op::Del }, vi, Some(ri));
            }
        }
    }

    /// `update_quorum_state()`.
    fn update_quorum_state(&mut self, vi: usize, init: bool) {
        let sum = self.weigh_live(vi);
        let vs = &self.cfg.check.virtual_servers[vi];
        let (q, h) = (vs.quorum, vs.hysteresis);
        let up = self.st[vi].quorum_up;
        let threshold = q as i64 + if up { -(h as i64) } else { h as i64 };
        if !up && sum >= threshold {
            self.st[vi].quorum_up = true;
            self.log(format!(
                "Gained quorum {q}+{h}={threshold} <= {sum} for VS {}",
                self.fmt_vs(vi)
            ));
            if self.sorry_alive(vi) {
                let inhibit = self.st[vi].sorry.as_ref().is_some_and(|s| s.inhibit);
                self.log(format!(
                    "{} sorry server {} from VS {}",
                    if inhibit { "Disabling" } else { "Removing" },
                    self.fmt_rs(vi, None),
                    self.fmt_vs(vi)
                ));
                self.ipvs_cmd(Op::Del, vi, None);
                self.rs_mut(vi, None).alive = false;
                self.perform_quorum_state(vi, true);
            }
            self.vs_notifies(vi, init, threshold, sum, false);
        } else if (up && (sum == 0 || sum < threshold)) || (init && !up && self.has_sorry(vi) && !self.sorry_alive(vi))
        {
            self.st[vi].quorum_up = false;
            self.log(format!(
                "{} {q}-{h}={threshold} > {sum} for VS {}",
                if init {
                    "Starting with quorum down"
                } else {
                    "Lost quorum"
                },
                self.fmt_vs(vi)
            ));
            if self.has_sorry(vi) && !self.sorry_alive(vi) {
                let inhibit = self.st[vi].sorry.as_ref().is_some_and(|s| s.inhibit);
                self.log(format!(
                    "{} sorry server {} to VS {}",
                    if inhibit { "Enabling" } else { "Adding" },
                    self.fmt_rs(vi, None),
                    self.fmt_vs(vi)
                ));
                self.perform_quorum_state(vi, false);
                self.ipvs_cmd(Op::Add, vi, None);
                self.rs_mut(vi, None).alive = true;
            }
            self.vs_notifies(vi, init, threshold, sum, false);
        }
    }

    /// `perform_svr_state()`: a real server in or out of the pool.
    fn perform_svr_state(&mut self, alive: bool, vi: usize, ri: usize) {
        let r = &self.st[vi].rs[ri];
        if r.alive == alive {
            return;
        }
        let verb = match (alive, r.inhibit) {
            (true, true) => "Enabl",
            (true, false) => "Add",
            (false, true) => "Disabl",
            (false, false) => "Remov",
        };
        let prep = if r.inhibit {
            "of"
        } else if alive {
            "to"
        } else {
            "from"
        };
        self.log(format!(
            "{verb}ing service {} {prep} VS {}",
            self.fmt_rs(vi, Some(ri)),
            self.fmt_vs(vi)
        ));
        if self.st[vi].quorum_up || !self.has_sorry(vi) || !self.sorry_alive(vi) {
            self.ipvs_cmd(if alive { Op::Add } else { Op::Del }, vi, Some(ri));
        }
        self.st[vi].rs[ri].alive = alive;
        self.rs_notifies(vi, ri, false);
        self.update_quorum_state(vi, false);
    }

    /// `set_checker_state()`.
    fn set_checker_state(&mut self, id: CheckerId, up: bool) {
        let r = &mut self.st[id.vs].rs[id.rs];
        let c = &mut r.checkers[id.checker];
        if c.is_up == up {
            return;
        }
        c.is_up = up;
        if !up {
            r.num_failed += 1;
        } else if r.num_failed > 0 {
            r.num_failed -= 1;
        }
    }

    /// `update_svr_checker_state()`.
    fn update_svr_checker_state(&mut self, alive: bool, id: CheckerId) {
        let c = &self.st[id.vs].rs[id.rs].checkers[id.checker];
        if c.is_up == alive {
            if !c.has_run {
                if c.alpha || !alive {
                    self.rs_notifies(id.vs, id.rs, false);
                }
                self.st[id.vs].rs[id.rs].checkers[id.checker].has_run = true;
            }
            return;
        }
        self.st[id.vs].rs[id.rs].checkers[id.checker].has_run = true;
        let failed = self.st[id.vs].rs[id.rs].num_failed;
        if alive && failed <= 1 {
            self.perform_svr_state(true, id.vs, id.rs);
        } else if !alive && failed == 0 {
            self.perform_svr_state(false, id.vs, id.rs);
        }
        self.set_checker_state(id, alive);
    }

    /// `update_svr_wgt()`.
    fn update_svr_wgt(&mut self, weight: i64, vi: usize, ri: usize, update_quorum: bool) {
        let r = &mut self.st[vi].rs[ri];
        let (new, old) = (weight_i32(weight), weight_i32(r.eff));
        r.eff = weight;
        if new == old {
            return;
        }
        let (set, alive) = (r.set, r.alive);
        self.log(format!(
            "Changing weight from {old} to {new} for {}active service {} of VS {}",
            if alive { "" } else { "in" },
            self.fmt_rs(vi, Some(ri)),
            self.fmt_vs(vi)
        ));
        if set && alive && (self.st[vi].quorum_up || !self.has_sorry(vi) || !self.sorry_alive(vi)) {
            self.ipvs_cmd(Op::Edit, vi, Some(ri));
        }
        if update_quorum {
            self.update_quorum_state(vi, false);
        }
    }

    fn valid(&self, id: CheckerId) -> bool {
        self.st
            .get(id.vs)
            .and_then(|v| v.rs.get(id.rs))
            .is_some_and(|r| id.checker < r.checkers.len())
    }

    fn on_checker(&mut self, id: CheckerId, up: bool, alert: Option<String>) {
        if !self.valid(id) {
            return;
        }
        let (was_up, rs_was_alive) = {
            let r = &mut self.st[id.vs].rs[id.rs];
            // A failing misc_dynamic script drops its weight offset without an IPVS change.
            let c = &mut r.checkers[id.checker];
            if !up && c.cur_weight != 0 {
                r.eff -= c.cur_weight;
                c.cur_weight = 0;
            }
            (r.checkers[id.checker].is_up, r.alive)
        };
        self.update_svr_checker_state(up, id);
        let rs_alive = self.st[id.vs].rs[id.rs].alive;
        let rs_cfg = &self.cfg.check.virtual_servers[id.vs].real_servers[id.rs];
        let changed = if up { !was_up } else { was_up };
        // MISC_CHECK mails every result it reports (misc_check_child_thread() does not look
        // at checker_was_up), so also a first result that confirms the initial state.
        let misc = matches!(
            rs_cfg.checkers.get(id.checker).map(|c| &c.kind),
            Some(crate::config::model::check::CheckerKind::Misc(_))
        );
        if let Some(body) = alert
            && rs_cfg.smtp_alert.unwrap_or(true)
            && (changed || misc)
            && (rs_was_alive != rs_alive || !self.cfg.global.no_checker_emails)
        {
            self.smtp_rs(id.vs, id.rs, if rs_alive { "UP" } else { "DOWN" }, body);
        }
    }

    fn on_weight(&mut self, id: CheckerId, weight: Option<u32>) {
        if !self.valid(id) {
            return;
        }
        let r = &mut self.st[id.vs].rs[id.rs];
        let cur = match weight {
            Some(w) => w as i64 - r.iweight,
            None => 0,
        };
        let c = &mut r.checkers[id.checker];
        if c.cur_weight == cur {
            return;
        }
        let eff = r.eff - c.cur_weight + cur;
        c.cur_weight = cur;
        self.update_svr_wgt(eff, id.vs, id.rs, true);
    }

    /// `update_checker_activity()`: `ha_suspend` checkers follow their virtual address.
    fn on_address(&mut self, addr: std::net::IpAddr, present: bool) {
        for vi in 0..self.st.len() {
            let vs = &self.cfg.check.virtual_servers[vi];
            let matches =
                vs.ha_suspend && matches!(vs.key, crate::config::model::check::VsKey::Addr { ip, .. } if ip == addr);
            if !matches {
                continue;
            }
            let v = &mut self.st[vi];
            if present {
                v.ha_count += 1;
            } else {
                v.ha_count = v.ha_count.saturating_sub(1);
            }
            let count = v.ha_count;
            for ri in 0..self.st[vi].rs.len() {
                for ci in 0..self.st[vi].rs[ri].checkers.len() {
                    let enabled = self.st[vi].rs[ri].checkers[ci].enabled;
                    if present != enabled && (present || count == 0) {
                        self.log(format!(
                            "{}ing healthchecker for service {} for VS {}",
                            if !enabled { "Activat" } else { "Suspend" },
                            self.fmt_rs(vi, Some(ri)),
                            self.fmt_vs(vi)
                        ));
                        self.st[vi].rs[ri].checkers[ci].enabled = present;
                    }
                }
            }
        }
    }
}
