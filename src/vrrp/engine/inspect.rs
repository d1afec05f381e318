//! Read-only views of the engine's run-time data, for keepalived's dump files (SIGUSR1
//! `keepalived.data`, SIGRTMIN+2 `keepalived.json`): the `vrrp_t`, `vrrp_script_t`,
//! `vrrp_sgroup_t` and interface tracking fields those dumps print.

use std::net::IpAddr;
use std::time::Duration;

use super::Engine;
use crate::vrrp::event::{State, Time};

/// One instance's run-time values (keepalived's `vrrp_t`). Times are engine times
/// (the `now` given to [`Engine::handle`]); durations are microseconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceView {
    /// `state`.
    pub state: State,
    /// `wantstate`.
    pub wantstate: State,
    /// `master_saddr`: source of the current master's adverts.
    pub master_saddr: Option<IpAddr>,
    /// `master_priority`.
    pub master_priority: u8,
    /// `adver_int`, µs.
    pub adver_int: u64,
    /// `master_adver_int`, µs.
    pub master_adver_int: u64,
    /// `num_script_if_fault`.
    pub num_script_if_fault: u32,
    /// `num_script_init`.
    pub num_script_init: u32,
    /// `last_transition`; `None` until the engine records it (see
    /// [`Engine::last_transition`]).
    pub last_transition: Option<Time>,
    /// `sands` (the "Read timeout"); `None` when the timer is disabled.
    pub sands: Option<Time>,
    /// `ms_down_timer`, µs.
    pub ms_down_timer: u64,
    /// `saddr`: our advert source.
    pub saddr: Option<IpAddr>,
    /// The source address was configured (`VRRP_FLAG_SADDR_FROM_CONFIG`).
    pub saddr_from_config: bool,
    /// `base_priority`.
    pub base_priority: u8,
    /// `effective_priority`.
    pub effective_priority: u8,
    /// `total_priority`.
    pub total_priority: i32,
    /// `vipset`.
    pub vipset: bool,
}

/// One `vrrp_script`'s run-time values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScriptView {
    /// keepalived's `result` (`rise..` is good).
    pub result: i64,
    /// `rise` as the engine uses it.
    pub rise: i64,
    /// No result seen yet (`SCRIPT_INIT_STATE_INIT`).
    pub init: bool,
    /// Some instance tracks it (keepalived drops the others at start).
    pub tracked: bool,
}

/// One sync group's run-time values (`vrrp_sgroup_t`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GroupView {
    /// `state`.
    pub state: State,
    /// `num_member_fault`.
    pub num_member_fault: u32,
    /// `num_member_init`.
    pub num_member_init: u32,
}

/// One entry of an interface's `tracking_vrrp` list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tracking {
    /// Instance index.
    pub instance: usize,
    /// Weight (255, keepalived's `VRRP_NOT_TRACK_IF`, for an untracked own interface).
    pub weight: i32,
    /// `reverse`.
    pub reverse: bool,
}

fn time(us: u64) -> Time {
    Duration::from_micros(us)
}

impl Engine {
    /// Number of instances (the configuration's).
    pub fn instance_count(&self) -> usize {
        self.core.vrrps.len()
    }

    /// An instance's run-time values (index in `Config.vrrp.instances`; panics when out of
    /// range, as the other per-instance accessors).
    pub fn instance_view(&self, instance: usize) -> InstanceView {
        let v = &self.core.vrrps[instance];
        InstanceView {
            state: v.state,
            wantstate: v.wantstate,
            master_saddr: v.master_saddr,
            master_priority: v.master_priority,
            adver_int: v.adver_int,
            master_adver_int: v.master_adver_int,
            num_script_if_fault: v.num_script_if_fault,
            num_script_init: v.num_script_init,
            last_transition: self.last_transition(instance),
            sands: v.sands.map(time),
            ms_down_timer: v.ms_down_timer,
            saddr: v.saddr,
            saddr_from_config: v.saddr_from_config,
            base_priority: v.base_priority,
            effective_priority: v.effective_priority,
            total_priority: v.total_priority,
            vipset: v.vipset,
        }
    }

    /// When the instance last changed state (keepalived's `last_transition`), on the engine's
    /// clock; `None` before its first state.
    pub fn last_transition(&self, instance: usize) -> Option<Time> {
        self.transition_time(instance)
    }

    /// A `vrrp_script`'s run-time values (index in `Config.vrrp.scripts`).
    pub fn script_view(&self, script: usize) -> ScriptView {
        let s = &self.core.scripts[script];
        ScriptView {
            result: s.result,
            rise: s.rise,
            init: s.init,
            tracked: !s.tracking.is_empty(),
        }
    }

    /// A sync group's run-time values (index in `Config.vrrp.sync_groups`).
    pub fn group_view(&self, group: usize) -> GroupView {
        let g = &self.core.groups[group];
        GroupView {
            state: g.state,
            num_member_fault: g.num_member_fault,
            num_member_init: g.num_member_init,
        }
    }

    /// The value last read from track file `name` (keepalived's `last_status`).
    pub fn track_file_value(&self, name: &str) -> Option<i64> {
        self.core.files.iter().find(|f| f.name == name).map(|f| f.last_status)
    }

    /// The instances tracking interface `name` (its `tracking_vrrp` list), empty when none.
    pub fn interface_tracking(&self, name: &str) -> Vec<Tracking> {
        self.core
            .ifs
            .iter()
            .find(|f| f.name == name)
            .map(|f| {
                f.tracking
                    .iter()
                    .map(|t| Tracking {
                        instance: t.inst,
                        weight: t.weight,
                        reverse: t.mult < 0,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}
