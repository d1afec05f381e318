//! Starting the engine: keepalived's `initialise_tracking_priorities()` and
//! `vrrp_complete_init()` (initial FAULT states), `vrrp_restore_interfaces_startup()` (leftover
//! VIPs), `vrrp_init_state()` and `vrrp_init_sands()`, and the state set by events that come
//! before the start.

use super::{Core, IfRt, TIMER_HZ};
use crate::vrrp::event::{Event, NotifyTarget, State};

/// keepalived's `%g` for a number of seconds.
fn fmt_g(secs: f64) -> String {
    let s = format!("{secs:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

impl Core {
    /// An event before the start: it only sets the initial state of interfaces and files.
    pub(super) fn prestart(&mut self, ev: Event) {
        match ev {
            Event::Interface(s) => {
                let k = self.if_slot(&s.name);
                let f = &mut self.ifs[k];
                f.index = s.index;
                f.up = s.up;
                f.ipv4 = s.ipv4;
                f.ipv6_ll = s.ipv6_ll;
                self.ifs.sort_by_key(|i| i.index);
            }
            Event::InterfaceGone(name) => {
                let k = self.if_slot(&name);
                let f = &mut self.ifs[k];
                f.index = 0;
                f.up = false;
                f.ipv4 = None;
                f.ipv6_ll = None;
            }
            Event::TrackFile { name, value } => {
                if let Some(f) = self.files.iter_mut().find(|f| f.name == name) {
                    f.last_status = value;
                }
            }
            Event::Stop => self.stopped = true,
            Event::Packet(_) | Event::ScriptResult { .. } => {}
        }
    }

    /// The interface's entry, created (absent, down) if new.
    pub(super) fn if_slot(&mut self, name: &str) -> usize {
        if let Some(k) = self.ifs.iter().position(|f| f.name == name) {
            return k;
        }
        self.ifs.push(IfRt {
            name: name.to_string(),
            index: 0,
            up: false,
            ipv4: None,
            ipv6_ll: None,
            tracking: Vec::new(),
        });
        self.ifs.len() - 1
    }

    /// The start sequence, in keepalived's order, with instances handed over by a dead child
    /// resuming MASTER (see [`Engine::set_resume`](super::Engine::set_resume)).
    pub(super) fn start(&mut self) {
        let delay = self.cfg.global.vrrp_startup_delay;
        if delay != 0 {
            self.delayed_start = Some(self.now + delay);
            self.info(format!(
                "Delaying startup for {} seconds",
                fmt_g(delay as f64 / TIMER_HZ as f64)
            ));
        }
        let (resumed, refused) = self.decide_resume();
        self.mark_scripts_reload(&resumed);
        self.initialise_tracking();
        self.sync_group_initial_wantstates();
        self.propagate_initial_faults(&[]);
        self.log_refusals(refused);
        self.set_resumed_states(&resumed);
        // vrrp_restore_interfaces_startup().
        for i in 0..self.vrrps.len() {
            if self.vrrps[i].vipset && !self.vrrps[i].reload_master {
                self.restore_interface(i, false, true);
            }
        }
        self.init_state(None);
        self.resume_masters(&resumed);
        self.init_all_sands();
        self.init_scripts();
    }

    /// `vrrp_complete_init()`: members of a faulty group are faulty too; "entering FAULT
    /// state" and its notify, unless `was_fault[i]` (already FAULT before a reload).
    pub(super) fn propagate_initial_faults(&mut self, was_fault: &[bool]) {
        for i in 0..self.vrrps.len() {
            let group_fault = self.vrrps[i].sync.is_some_and(|g| self.groups[g].state == State::Fault);
            if self.vrrps[i].state == State::Fault || group_fault {
                self.vrrps[i].state = State::Fault;
                if was_fault.get(i).copied().unwrap_or(false) {
                    continue;
                }
                let line = format!("({}) entering FAULT state", self.vrrps[i].name);
                self.info(line);
                self.send_instance_notifies(i);
            }
        }
    }

    /// `vrrp_init_sands()`: every instance's timer; a MASTER kept across a reload sends its
    /// next advert at once.
    pub(super) fn init_all_sands(&mut self) {
        for i in 0..self.vrrps.len() {
            self.vrrps[i].sands = None;
            self.init_instance_sands(i);
            let v = &mut self.vrrps[i];
            if v.reload_master && v.state == State::Master {
                v.sands = Some(self.now);
            }
            v.reload_master = false;
        }
    }

    /// `vrrp_init_script()`: one success is enough for a script that has not run yet.
    pub(super) fn init_scripts(&mut self) {
        for s in &mut self.scripts {
            if s.init {
                s.result = s.rise - 1;
            }
        }
    }

    /// `vrrp_complete_init()`: a group with members wanting MASTER and others not starts with
    /// all of them as BACKUP.
    pub(super) fn sync_group_initial_wantstates(&mut self) {
        for g in 0..self.groups.len() {
            let members = self.groups[g].members.clone();
            let have_backup = members
                .iter()
                .any(|&m| self.vrrps[m].wantstate == State::Backup || !self.vrrps[m].is_owner());
            let have_master = members.iter().any(|&m| self.vrrps[m].wantstate == State::Master);
            if have_master && have_backup {
                for m in members {
                    if self.vrrps[m].wantstate == State::Master {
                        self.vrrps[m].wantstate = State::Backup;
                    }
                }
            }
        }
    }

    /// `vrrp_init_state()`. On a reload, `Some(same_at_reload)`: a group whose state is the one
    /// it had before (`same_at_reload[g]`) does not notify again, and with
    /// `fifo_write_vrrp_states_on_reload` what does not notify gets a FIFO line. An instance
    /// with `reload_master` stays MASTER without a transition.
    pub(super) fn init_state(&mut self, reload: Option<&[bool]>) {
        let fifo = reload.is_some() && self.cfg.global.fifo_write_vrrp_states_on_reload;
        for g in 0..self.groups.len() {
            let same = reload.and_then(|r| r.get(g)).copied().unwrap_or(false);
            let state = self.groups[g].state;
            if matches!(state, State::Fault | State::Backup) && !same {
                self.send_group_notifies(g);
            } else if fifo {
                self.fifo_only.push((self.out.len(), NotifyTarget::Group(g), state, 0));
            }
        }
        for i in 0..self.vrrps.len() {
            let begin = self.vrrps[i].state;
            let v = &mut self.vrrps[i];
            if v.state == State::Fault {
                v.wantstate = State::Fault;
            }
            let (new_state, group_init) = match v.sync {
                Some(g) => (self.groups[g].state, self.groups[g].num_member_init != 0),
                None => (v.wantstate, false),
            };
            let is_up = v.num_script_if_fault == 0;
            if is_up
                && new_state == State::Master
                && v.num_script_init == 0
                && !group_init
                && (v.is_owner() || v.reload_master)
                && v.wantstate == State::Master
            {
                if !v.reload_master {
                    // "The simplest way to become master is to timeout from the backup state
                    // very quickly (1usec)".
                    v.state = State::Backup;
                    v.ms_down_timer = 1;
                }
                continue;
            }
            v.ms_down_timer = if new_state == State::Backup && v.wantstate == State::Master {
                v.master_adver_int + v.skew_min()
            } else {
                v.ms_down()
            };
            self.restore_interface(i, false, false);
            let v = &mut self.vrrps[i];
            if is_up && new_state != State::Fault && v.num_script_init == 0 && !group_init {
                if v.state != State::Backup {
                    let line = format!("({}) Entering BACKUP STATE (init)", v.name);
                    v.state = State::Backup;
                    self.info(line);
                }
            } else {
                // keepalived compares with the state it has not changed yet, so "Entering
                // FAULT STATE (init)" is never logged.
                v.state = State::Fault;
            }
            let v = &self.vrrps[i];
            if begin != v.state && (v.state != State::Fault || v.num_script_if_fault != 0) {
                self.send_instance_notifies(i);
            } else if fifo {
                let line = (self.out.len(), NotifyTarget::Instance(i), v.state, v.effective_priority);
                self.fifo_only.push(line);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// vrrp_daemon.c start_vrrp(): "Delaying startup for %g seconds".
    #[test]
    fn g_format() {
        assert_eq!(fmt_g(5.0), "5");
        assert_eq!(fmt_g(0.5), "0.5");
        assert_eq!(fmt_g(1.25), "1.25");
    }
}
