//! Resuming MASTER after a restart of the VRRP child (beyond keepalived): which instances may,
//! and what they do at start. See [`crate::vrrp::reload`] for the rules.

use super::{Core, Engine, ResumeInfo, us};
use crate::vrrp::event::{State, Time};
use crate::vrrp::fsm::TIMER_HZ;
use crate::vrrp::reload::{Resume, within_master_down};

/// Why an instance that was MASTER does not resume.
pub(super) enum Refusal {
    /// No advert for up to this long (µs): a backup may have taken over.
    Late(u64),
    /// A tracker holds it in FAULT (or in INIT).
    Fault,
    /// Another member of its sync group cannot resume.
    Group(String),
}

impl Engine {
    /// Hands over what the parent recorded about the instances of a VRRP child that died. Call
    /// before [`Engine::start`] (it is ignored afterwards), after the initial interface and
    /// track file events; `now` is the engine time at which each entry's `gap` was measured.
    /// Entries are matched with instances by name, VRID, interface, family and advert interval.
    pub fn set_resume(&mut self, entries: Vec<Resume>, now: Time) {
        if !self.core.started {
            self.core.resume = Some(ResumeInfo { entries, at: us(now) });
        }
    }

    /// The instances (indexes in `Config.vrrp.instances`) that [`Engine::start`] called at
    /// `now` resumes as MASTER: their addresses are still in the kernel and must not be removed
    /// as stale. Changes nothing. Should `start` come so late that the window has closed for
    /// some of them, `start` removes their addresses itself, as it does for every instance that
    /// does not resume.
    pub fn resuming(&self, now: Time) -> Vec<usize> {
        self.core.resume_verdicts(us(now)).0
    }
}

impl Core {
    /// The instances that resume at `now`, and why the others that were MASTER do not.
    fn resume_verdicts(&self, now: u64) -> (Vec<usize>, Vec<(usize, Refusal)>) {
        let Some(info) = &self.resume else {
            return (Vec::new(), Vec::new());
        };
        let mut candidates = Vec::new();
        let mut refused = Vec::new();
        for (i, inst) in self.cfg.vrrp.instances.iter().enumerate() {
            let Some(e) = info.entries.iter().find(|e| e.names(inst)) else {
                continue;
            };
            if e.state != State::Master {
                continue;
            }
            let gap = us(e.gap).saturating_add(now.saturating_sub(info.at));
            let v = &self.vrrps[i];
            if within_master_down(gap, v.adver_int, v.down_timer_adverts) {
                candidates.push(i);
            } else {
                refused.push((i, Refusal::Late(gap + v.adver_int)));
            }
        }
        // The tracking state they would start with.
        let mut probe = self.clone();
        probe.mark_scripts_reload(&candidates);
        probe.initialise_tracking();
        probe.propagate_initial_faults(&[]);
        let mut ok = Vec::new();
        for i in candidates {
            let v = &probe.vrrps[i];
            if v.state == State::Fault || v.num_script_init != 0 {
                refused.push((i, Refusal::Fault));
            } else {
                ok.push(i);
            }
        }
        // A sync group resumes as a whole or not at all.
        let whole = |g: usize| self.groups[g].members.iter().all(|m| ok.contains(m));
        let (ok, split): (Vec<usize>, Vec<usize>) = ok.iter().partition(|&&i| self.vrrps[i].sync.is_none_or(whole));
        for i in split {
            let g = self.vrrps[i]
                .sync
                .map(|g| self.groups[g].name.clone())
                .unwrap_or_default();
            refused.push((i, Refusal::Group(g)));
        }
        refused.sort_by_key(|r| r.0);
        (ok, refused)
    }

    /// Decides which instances resume (once: the hand-over is consumed). The second list, for
    /// [`Core::log_refusals`], says why the others that were MASTER do not.
    pub(super) fn decide_resume(&mut self) -> (Vec<usize>, Vec<(usize, Refusal)>) {
        let verdicts = self.resume_verdicts(self.now);
        self.resume = None;
        verdicts
    }

    /// "(VI_1) Not resuming MASTER STATE after VRRP child restart: <why>".
    pub(super) fn log_refusals(&mut self, refused: Vec<(usize, Refusal)>) {
        for (i, why) in refused {
            let why = match why {
                Refusal::Late(us) => format!(
                    "a backup may have taken over (no advert for up to {}.{:03}s)",
                    us / TIMER_HZ,
                    us % TIMER_HZ / 1000
                ),
                Refusal::Fault => "it is not up".to_string(),
                Refusal::Group(g) => format!("sync group {g} cannot resume as a whole"),
            };
            let line = format!(
                "({}) Not resuming MASTER STATE after VRRP child restart: {why}",
                self.vrrps[i].name
            );
            self.info(line);
        }
    }

    /// Scripts tracked by these instances start as keepalived's INIT_RELOAD: they neither hold
    /// nor fault the instances until their first result.
    pub(super) fn mark_scripts_reload(&mut self, instances: &[usize]) {
        for &i in instances {
            for &(s, _) in &self.inst_scripts[i] {
                let sc = &mut self.scripts[s];
                if sc.init {
                    sc.reload = true;
                }
            }
        }
    }

    /// Resuming instances are MASTER with their addresses in place, and so are their groups.
    pub(super) fn set_resumed_states(&mut self, resumed: &[usize]) {
        for &i in resumed {
            let v = &mut self.vrrps[i];
            v.state = State::Master;
            v.wantstate = State::Master;
            v.reload_master = true;
            v.vipset = true;
        }
        for g in &mut self.groups {
            if !g.members.is_empty() && g.members.iter().all(|m| resumed.contains(m)) {
                g.state = State::Master;
            }
        }
    }

    /// After `vrrp_init_state()`: each resumed master logs, advertises at once, re-adds its
    /// addresses (the kernel still has them: nothing changes) and sends GARPs, as a master
    /// kept across a reload does.
    pub(super) fn resume_masters(&mut self, resumed: &[usize]) {
        for &i in resumed {
            if self.vrrps[i].state != State::Master {
                continue;
            }
            let line = format!(
                "({}) Resuming MASTER STATE after VRRP child restart",
                self.vrrps[i].name
            );
            self.info(line);
            let prio = self.vrrps[i].effective_priority;
            self.send_adv(i, prio);
            self.set_addresses(i);
            let rep = self.vrrps[i].garp_rep;
            self.send_link_update(i, rep);
            let v = &mut self.vrrps[i];
            if v.garp_refresh != 0 {
                v.garp_refresh_timer = Some(self.now + v.garp_refresh);
            }
            // The advert went out: the next one is an interval away.
            v.reload_master = false;
        }
    }
}
