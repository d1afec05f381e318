//! Sync groups: members move to MASTER, BACKUP and FAULT together, as keepalived 2.2.7's
//! `vrrp_sync.c` (`vrrp_sync_can_goto_master()`, `vrrp_sync_master()`, `vrrp_sync_backup()`,
//! `vrrp_sync_fault()`) and `send_group_notifies()` do it.

use super::engine::Core;
use super::event::{Action, NotifyTarget, State};
use crate::config::model::vrrp::{PRIO_OWNER, SyncGroup, VrrpConfig, VrrpState};

/// Run-time data of one `vrrp_sync_group` (the dynamic half of keepalived's `vrrp_sgroup_t`).
#[derive(Clone, Debug)]
pub(crate) struct Group {
    /// Group name.
    pub name: String,
    /// Member instance indices, in `group { }` order.
    pub members: Vec<usize>,
    /// Group state.
    pub state: State,
    /// Members in FAULT through their own trackers.
    pub num_member_fault: u32,
    /// Members waiting for their first unweighted script result.
    pub num_member_init: u32,
}

impl Group {
    /// A group as `vrrp_sync_set_group()` leaves it: MASTER only when every member is an
    /// address owner starting as MASTER, else BACKUP.
    pub(crate) fn new(g: &SyncGroup, cfg: &VrrpConfig) -> Group {
        let members: Vec<usize> = g
            .members
            .iter()
            .filter_map(|m| cfg.instances.iter().position(|i| &i.name == m))
            .collect();
        let mut state = State::Init;
        for &m in &members {
            let i = &cfg.instances[m];
            if state != State::Backup {
                state = if i.state == VrrpState::Master && i.priority == PRIO_OWNER {
                    State::Master
                } else {
                    State::Backup
                };
            }
        }
        Group {
            name: g.name.clone(),
            members,
            state,
            num_member_fault: 0,
            num_member_init: 0,
        }
    }
}

impl Core {
    /// `send_group_notifies()`.
    pub(crate) fn send_group_notifies(&mut self, g: usize) {
        let state = self.groups[g].state;
        self.out.push(Action::Notify {
            target: NotifyTarget::Group(g),
            state,
            priority: 0,
        });
    }

    /// `vrrp_sync_can_goto_master()`: only when every other member wants MASTER too (to avoid
    /// thrashing); otherwise the instance waits another Master_Down_Interval.
    pub(crate) fn sync_can_goto_master(&mut self, i: usize) -> bool {
        let Some(g) = self.vrrps[i].sync else {
            return true;
        };
        if self.groups[g].state == State::Master {
            return true;
        }
        let blocked = self.groups[g]
            .members
            .iter()
            .any(|&m| m != i && self.vrrps[m].wantstate != State::Master);
        if blocked {
            let v = &mut self.vrrps[i];
            v.ms_down_timer = v.ms_down();
            self.init_instance_sands(i);
            return false;
        }
        true
    }

    /// `vrrp_sync_backup()`: the other members follow `i` to BACKUP.
    pub(crate) fn sync_backup(&mut self, i: usize) {
        let Some(g) = self.vrrps[i].sync else {
            return;
        };
        if self.groups[g].state == State::Backup {
            return;
        }
        let line = format!("VRRP_Group({}) Syncing instances to BACKUP state", self.groups[g].name);
        self.info(line);
        for m in self.groups[g].members.clone() {
            if m == i || self.vrrps[m].state == State::Backup {
                continue;
            }
            self.vrrps[m].wantstate = State::Backup;
            if matches!(self.vrrps[m].state, State::Fault | State::Init) {
                self.leave_fault(m);
            } else {
                self.leave_master(m, false);
            }
        }
        self.groups[g].state = State::Backup;
        self.send_group_notifies(g);
    }

    /// `vrrp_sync_master()`: once every member wants MASTER, all become MASTER.
    pub(crate) fn sync_master(&mut self, i: usize) {
        let Some(g) = self.vrrps[i].sync else {
            return;
        };
        if self.groups[g].state == State::Master || !self.sync_can_goto_master(i) {
            return;
        }
        let line = format!("VRRP_Group({}) Syncing instances to MASTER state", self.groups[g].name);
        self.info(line);
        for m in self.groups[g].members.clone() {
            if m != i && self.vrrps[m].state != State::Master {
                self.vrrps[m].wantstate = State::Master;
                self.goto_master(m);
            }
        }
        self.groups[g].state = State::Master;
        self.send_group_notifies(g);
    }

    /// `vrrp_sync_fault()`: the other members follow `i` to FAULT.
    pub(crate) fn sync_fault(&mut self, i: usize) {
        let Some(g) = self.vrrps[i].sync else {
            return;
        };
        if self.groups[g].state == State::Fault {
            return;
        }
        let line = format!("VRRP_Group({}) Syncing instances to FAULT state", self.groups[g].name);
        self.info(line);
        for m in self.groups[g].members.clone() {
            if m == i || self.vrrps[m].state == State::Fault {
                continue;
            }
            self.vrrps[m].wantstate = State::Fault;
            match self.vrrps[m].state {
                State::Master => self.leave_master(m, false),
                State::Backup | State::Init => {
                    // keepalived sets FAULT first, so no "Entering FAULT STATE" is logged.
                    self.vrrps[m].state = State::Fault;
                    self.leave_fault(m);
                }
                _ => {}
            }
        }
        self.groups[g].state = State::Fault;
        self.send_group_notifies(g);
    }
}
