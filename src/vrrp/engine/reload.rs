//! A reload (SIGHUP) as keepalived 2.2.7 does it: `sigreload_vrrp()`, then
//! `reload_vrrp_thread()` → `start_vrrp()` with `clear_diff_static_*()`, `clear_diff_script()`,
//! `vrrp_complete_init()` (reload branch), `clear_diff_vrrp()`, `restore_vrrp_state()`,
//! `set_previous_sync_group_states()` and `vrrp_init_state()`. See [`crate::vrrp::reload`].

use std::sync::Arc;

use super::{Core, Engine, address_interface, us};
use crate::config::model::Config;
use crate::config::model::net::Rule;
use crate::vrrp::event::{Action, IfState, State, Time};
use crate::vrrp::reload::{
    DeletedNotify, NetRemoval, ReloadPlan, ReloadStep, carried_script_result, prefix_string, same_address,
    same_instance, same_route, same_rule,
};

impl Engine {
    /// Switches to a new configuration keeping the state of the instances keepalived matches
    /// (`vrrp_exist()`), and returns what the shell must do (see [`crate::vrrp::reload`]).
    /// `interfaces` are the interfaces as they are now (VMACs of the new configuration already
    /// created). Track files keep their last values by name: after the plan, send an
    /// [`Event::TrackFile`](crate::vrrp::event::Event::TrackFile) for each track file of the
    /// new configuration (unchanged values are ignored). Pending delayed GARPs are dropped, as
    /// keepalived cancels its timers. Before [`Engine::start`] this just replaces the
    /// configuration; after a stop it does nothing.
    pub fn reload(&mut self, cfg: Arc<Config>, interfaces: Vec<IfState>, now: Time) -> ReloadPlan {
        if self.core.stopped {
            return ReloadPlan::default();
        }
        let fresh = Engine::new(cfg, interfaces, self.core.opts).core;
        let mut old = std::mem::replace(&mut self.core, fresh);
        let new = &mut self.core;
        for f in &mut new.files {
            if let Some(o) = old.files.iter().find(|o| o.name == f.name) {
                f.last_status = o.last_status;
            }
        }
        if !old.started {
            return ReloadPlan {
                steps: Vec::new(),
                matched: vec![None; new.vrrps.len()],
            };
        }
        let now = us(now).max(old.now);
        old.now = now;
        new.now = now;
        new.started = true;
        new.delayed_start = old.delayed_start;
        new.sands_seq = old.sands_seq;
        let mut r = Reload {
            old,
            new,
            steps: Vec::new(),
            old_of: Vec::new(),
            new_of: Vec::new(),
        };
        r.run();
        let plan = ReloadPlan {
            steps: r.steps,
            matched: r.old_of,
        };
        self.transitions.remap(
            &plan.matched,
            &self.core.vrrps.iter().map(|v| v.state).collect::<Vec<_>>(),
        );
        plan
    }
}

/// The old engine, the new one, and the plan being built.
struct Reload<'a> {
    old: Core,
    new: &'a mut Core,
    steps: Vec<ReloadStep>,
    /// Per new instance, the old one it continues.
    old_of: Vec<Option<usize>>,
    /// Per old instance, the new one continuing it.
    new_of: Vec<Option<usize>>,
}

/// Every kernel entry instance `i` of `c` sets.
fn entries(c: &Core, i: usize) -> NetRemoval {
    let inst = &c.cfg.vrrp.instances[i];
    NetRemoval {
        addresses: inst
            .vips
            .iter()
            .chain(&inst.evips)
            .map(|a| (a.clone(), address_interface(inst, a)))
            .collect(),
        routes: inst.vroutes.clone(),
        rules: inst.vrules.clone(),
    }
}

/// keepalived's `clear_diff_rules()` detail line.
fn rule_removed_line(r: &Rule) -> String {
    let from = r.from.map_or("all".to_string(), |(a, p)| prefix_string(a, p));
    let to =
        r.to.map_or(String::new(), |(a, p)| format!(" to {}", prefix_string(a, p)));
    format!("ip rule from {from}{to} removed")
}

impl Reload<'_> {
    fn run(&mut self) {
        // Only `restore_vrrp_state()` gives an instance addresses to remove: a new one has none
        // (keepalived's start-up removal of leftovers does not run on reload).
        for v in &mut self.new.vrrps {
            v.vipset = false;
        }
        self.sigreload_adverts();
        self.match_instances();
        self.clear_diff_statics();
        self.clear_diff_scripts();
        self.complete_init();
        self.clear_diff_deleted();
        self.clear_diff_kept();
        let same: Vec<bool> = (0..self.new.groups.len())
            .map(|g| {
                let ng = &self.new.groups[g];
                self.old
                    .groups
                    .iter()
                    .find(|og| og.name == ng.name)
                    .is_some_and(|og| og.state == ng.state)
            })
            .collect();
        self.new.init_state(Some(&same));
        self.new.init_all_sands();
        self.new.init_scripts();
        self.flush_new();
        self.keep_asserted_entries();
    }

    /// The new engine's actions so far become steps, with its FIFO-only lines in place.
    fn flush_new(&mut self) {
        let out = std::mem::take(&mut self.new.out);
        let mut fifo = std::mem::take(&mut self.new.fifo_only).into_iter().peekable();
        for (k, a) in out.into_iter().enumerate() {
            while let Some((_, target, state, priority)) = fifo.next_if(|f| f.0 <= k) {
                self.steps.push(ReloadStep::FifoState {
                    target,
                    state,
                    priority,
                });
            }
            self.steps.push(ReloadStep::Act(a));
        }
        self.steps
            .extend(fifo.map(|(_, target, state, priority)| ReloadStep::FifoState {
                target,
                state,
                priority,
            }));
    }

    /// The old engine's actions so far become steps; its address removals become data.
    fn flush_old(&mut self) {
        for a in std::mem::take(&mut self.old.out) {
            match a {
                Action::Addresses { instance, up: false } => {
                    self.steps.push(ReloadStep::Remove(entries(&self.old, instance)));
                }
                a @ (Action::Send(_) | Action::Log(_)) => self.steps.push(ReloadStep::Act(a)),
                // Nothing else comes out of what the old engine is asked to do here.
                _ => {}
            }
        }
    }

    /// `sigreload_vrrp()`: every master advertises before the reload.
    fn sigreload_adverts(&mut self) {
        for i in 0..self.old.vrrps.len() {
            if self.old.vrrps[i].state == State::Master {
                let prio = self.old.vrrps[i].effective_priority;
                self.old.send_adv(i, prio);
            }
        }
        self.flush_old();
    }

    /// `vrrp_exist()` for every old instance, in order.
    fn match_instances(&mut self) {
        let n = self.new.vrrps.len();
        self.old_of = vec![None; n];
        self.new_of = vec![None; self.old.vrrps.len()];
        let new_saddr: Vec<_> = (0..n)
            .map(|k| self.new.vrrps[k].saddr.or_else(|| self.new.interface_saddr(k)))
            .collect();
        for i in 0..self.old.vrrps.len() {
            let oi = &self.old.cfg.vrrp.instances[i];
            let found = (0..n).find(|&k| {
                self.old_of[k].is_none()
                    && same_instance(
                        oi,
                        self.old.vrrps[i].saddr,
                        &self.new.cfg.vrrp.instances[k],
                        new_saddr[k],
                    )
            });
            if let Some(k) = found {
                self.old_of[k] = Some(i);
                self.new_of[i] = Some(k);
            }
        }
    }

    /// `clear_diff_static_rules()`, `_routes()`, `_addresses()`: static entries the new
    /// configuration no longer has.
    fn clear_diff_statics(&mut self) {
        let (o, n) = (&self.old.cfg.statics, &self.new.cfg.statics);
        let dev = |a: &crate::config::model::net::IpAddress| a.dev.clone().unwrap_or_default();
        let rm = NetRemoval {
            addresses: o
                .addresses
                .iter()
                .filter(|a| !n.addresses.iter().any(|b| same_address(a, &dev(a), b, &dev(b))))
                .map(|a| (a.clone(), dev(a)))
                .collect(),
            routes: o
                .routes
                .iter()
                .filter(|r| !n.routes.iter().any(|x| same_route(r, x)))
                .cloned()
                .collect(),
            rules: o
                .rules
                .iter()
                .filter(|r| !n.rules.iter().any(|x| same_rule(r, x)))
                .cloned()
                .collect(),
        };
        if !rm.is_empty() {
            self.steps.push(ReloadStep::Remove(rm));
        }
    }

    /// `clear_diff_script()`: results carry over by script name. Scripts new at the reload
    /// are keepalived's INIT_RELOAD.
    fn clear_diff_scripts(&mut self) {
        for s in &mut self.new.scripts {
            s.reload = true;
        }
        for os in &self.old.scripts {
            let Some(k) = self.new.scripts.iter().position(|s| s.name == os.name) else {
                continue;
            };
            let ns = &mut self.new.scripts[k];
            if os.init {
                ns.reload = os.reload;
                continue;
            }
            let (result, ok) = carried_script_result(os.result, os.rise, os.fall, ns.rise, ns.fall);
            ns.result = result;
            ns.last_status = os.last_status;
            ns.init = false;
            ns.reload = false;
            let line = format!(
                "VRRP_Script({}) considered {}successful on reload",
                ns.name,
                if ok { "" } else { "un" }
            );
            self.new.info(line);
        }
    }

    /// `vrrp_complete_init()` on reload: trackers, initial FAULT states (not notified again
    /// when already FAULT), then the old states of matched instances and MASTER groups.
    fn complete_init(&mut self) {
        self.new.initialise_tracking();
        self.new.sync_group_initial_wantstates();
        let was_fault: Vec<bool> = self
            .old_of
            .iter()
            .map(|o| o.is_some_and(|i| self.old.vrrps[i].state == State::Fault))
            .collect();
        self.new.propagate_initial_faults(&was_fault);
        for (i, k) in self.new_of.iter().enumerate() {
            let (Some(k), old_state) = (*k, self.old.vrrps[i].state) else {
                continue;
            };
            let v = &mut self.new.vrrps[k];
            if old_state == State::Fault || v.state == State::Fault || v.num_script_init != 0 {
                continue;
            }
            v.state = old_state;
            v.wantstate = old_state;
        }
        for g in 0..self.new.groups.len() {
            let grp = &self.new.groups[g];
            if grp.num_member_fault != 0 || grp.num_member_init != 0 || grp.members.is_empty() {
                continue;
            }
            if grp.members.iter().all(|&m| self.new.vrrps[m].state == State::Master) {
                self.new.groups[g].state = State::Master;
            }
        }
        self.flush_new();
    }

    /// `clear_diff_vrrp()`, first loop: a deleted master sends priority 0 and removes its
    /// addresses; a deleted instance notifies DELETED (`notify_deleted`) or FAULT (unless it
    /// was FAULT).
    fn clear_diff_deleted(&mut self) {
        for i in 0..self.old.vrrps.len() {
            if self.new_of[i].is_some() {
                continue;
            }
            let state = self.old.vrrps[i].state;
            if state == State::Master {
                self.old.restore_interface(i, true, false);
                self.flush_old();
            }
            let inst = &self.old.cfg.vrrp.instances[i];
            if inst.notify_deleted || state != State::Fault {
                self.steps.push(ReloadStep::Deleted(DeletedNotify {
                    instance: i,
                    name: inst.name.clone(),
                    state_word: if inst.notify_deleted { "DELETED" } else { "FAULT" },
                    script: inst.notify_deleted_script.clone().filter(|_| inst.notify_deleted),
                    generic: inst.notify.clone(),
                    priority: self.old.vrrps[i].effective_priority,
                }));
            }
        }
    }

    /// `clear_diff_vrrp()`, second loop: per matched instance, the rules, routes and addresses
    /// that left it, then `restore_vrrp_state()`.
    fn clear_diff_kept(&mut self) {
        for i in 0..self.old.vrrps.len() {
            let Some(k) = self.new_of[i] else { continue };
            let rm = self.diff_removal(i, k);
            self.flush_new();
            if !rm.is_empty() {
                self.steps.push(ReloadStep::Remove(rm));
            }
            self.restore_state(i, k);
            self.flush_new();
        }
    }

    /// `clear_diff_vrrp_vrules()`, `_vroutes()` and `_vip()`, with their log lines. Only what
    /// the old instance had set (it was MASTER) is removed.
    fn diff_removal(&mut self, i: usize, k: usize) -> NetRemoval {
        let set = self.old.vrrps[i].vipset;
        let (oi, ni) = (&self.old.cfg.vrrp.instances[i], &self.new.cfg.vrrp.instances[k]);
        let mut rm = NetRemoval::default();
        let mut lines = Vec::new();
        if !oi.vrules.is_empty() {
            if ni.vrules.is_empty() {
                lines.push((false, "Removing a VirtualRule block".to_string()));
                if set {
                    rm.rules = oi.vrules.clone();
                }
            } else if set {
                for r in oi.vrules.iter().filter(|r| !ni.vrules.iter().any(|x| same_rule(r, x))) {
                    lines.push((true, rule_removed_line(r)));
                    rm.rules.push(r.clone());
                }
            }
        }
        if !oi.vroutes.is_empty() {
            if ni.vroutes.is_empty() {
                lines.push((true, "Removing a VirtualRoute block".to_string()));
                if set {
                    rm.routes = oi.vroutes.clone();
                }
            } else if set {
                for r in oi
                    .vroutes
                    .iter()
                    .filter(|r| !ni.vroutes.iter().any(|x| same_route(r, x)))
                {
                    let dst = r.dst.unwrap_or(if r.family == 6 {
                        (std::net::Ipv6Addr::UNSPECIFIED.into(), 0)
                    } else {
                        (std::net::Ipv4Addr::UNSPECIFIED.into(), 0)
                    });
                    lines.push((true, format!("Removing route {}", prefix_string(dst.0, dst.1))));
                    rm.routes.push(r.clone());
                }
            }
        }
        if set {
            let kept: Vec<_> = ni
                .vips
                .iter()
                .chain(&ni.evips)
                .map(|b| (b, address_interface(ni, b)))
                .collect();
            for a in oi.vips.iter().chain(&oi.evips) {
                let dev = address_interface(oi, a);
                if kept.iter().any(|(b, e)| same_address(a, &dev, b, e)) {
                    continue;
                }
                lines.push((
                    false,
                    format!(
                        "({}) ip address {}/{} dev {dev}, no longer exist",
                        ni.name, a.addr, a.prefix_len
                    ),
                ));
                rm.addresses.push((a.clone(), dev));
            }
        }
        for (detail, l) in lines {
            if detail {
                self.new.detail(l);
            } else {
                self.new.info(l);
            }
        }
        rm
    }

    /// `restore_vrrp_state()`: counters, AH sequence number, and for a MASTER that stays one
    /// its addresses re-added (existing ones are left as they are) with GARPs when one of its
    /// addresses is new. keepalived re-adds the addresses of a former master that
    /// `vrrp_init_state()` then demotes, and removes them again there; here they are only
    /// removed.
    fn restore_state(&mut self, i: usize, k: usize) {
        self.new.vrrps[k].stats = self.old.vrrps[i].stats.clone();
        self.new.wire[k].rx_state.ah_seq = self.old.wire[i].rx_state.ah_seq;
        let set = self.old.vrrps[i].vipset;
        let stays = self.stays_master(k);
        let v = &mut self.new.vrrps[k];
        v.reload_master = v.state == State::Master;
        v.vipset = set;
        if !(set && stays) {
            return;
        }
        self.new.set_addresses(k);
        let (oi, ni) = (&self.old.cfg.vrrp.instances[i], &self.new.cfg.vrrp.instances[k]);
        let had: Vec<_> = oi
            .vips
            .iter()
            .chain(&oi.evips)
            .map(|a| (a, address_interface(oi, a)))
            .collect();
        let present = |dev: &str| self.new.ifs.iter().any(|f| f.name == dev && f.index != 0);
        let added = ni.vips.iter().chain(&ni.evips).any(|b| {
            let dev = address_interface(ni, b);
            present(&dev) && !had.iter().any(|(a, d)| same_address(a, d, b, &dev))
        });
        let v = &mut self.new.vrrps[k];
        if v.garp_refresh != 0 {
            // keepalived's new instance has a zero refresh time: without new addresses its
            // first advert after the reload sends the refresh GARPs.
            v.garp_refresh_timer = Some(0);
        }
        if added {
            let rep = self.new.vrrps[k].garp_rep;
            self.new.send_link_update(k, rep);
            let v = &mut self.new.vrrps[k];
            if v.garp_refresh != 0 {
                v.garp_refresh_timer = Some(self.new.now + v.garp_refresh);
            }
        }
    }

    /// `vrrp_init_state()` will leave this instance MASTER (`reload_master`).
    fn stays_master(&self, k: usize) -> bool {
        let v = &self.new.vrrps[k];
        let (group_state, group_init) = match v.sync {
            Some(g) => (self.new.groups[g].state, self.new.groups[g].num_member_init != 0),
            None => (v.wantstate, false),
        };
        v.state == State::Master
            && v.wantstate == State::Master
            && group_state == State::Master
            && !group_init
            && v.num_script_if_fault == 0
            && v.num_script_init == 0
    }

    /// No removal takes an entry that a MASTER of the new configuration, or a static block,
    /// still has: keepalived's per-instance diffs (and the removal of a deleted master's
    /// addresses) would otherwise take an address that moved to another instance.
    fn keep_asserted_entries(&mut self) {
        let mut keep = NetRemoval::default();
        for k in 0..self.new.vrrps.len() {
            let v = &self.new.vrrps[k];
            if v.state == State::Master && v.vipset {
                let e = entries(self.new, k);
                keep.addresses.extend(e.addresses);
                keep.routes.extend(e.routes);
                keep.rules.extend(e.rules);
            }
        }
        let st = &self.new.cfg.statics;
        keep.addresses.extend(
            st.addresses
                .iter()
                .map(|a| (a.clone(), a.dev.clone().unwrap_or_default())),
        );
        keep.routes.extend(st.routes.iter().cloned());
        keep.rules.extend(st.rules.iter().cloned());
        for s in &mut self.steps {
            if let ReloadStep::Remove(r) = s {
                r.retain_not_in(&keep);
            }
        }
        self.steps
            .retain(|s| !matches!(s, ReloadStep::Remove(r) if r.is_empty()));
    }
}
