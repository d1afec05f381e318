//! Keeping VRRP state across a configuration reload (SIGHUP) and across a restart of the VRRP
//! child: the data the sans-IO [`Engine`] hands to its I/O shell and to the parent.
//!
//! # Reload
//!
//! [`Engine::reload`] replaces the engine's configuration in place, as keepalived 2.2.7's
//! `reload_vrrp_thread()` does (`sigreload_vrrp()`, `clear_diff_script()`,
//! `vrrp_complete_init()`, `clear_diff_vrrp()`, `restore_vrrp_state()`,
//! `set_previous_sync_group_states()`, `vrrp_init_state()`): instances of the new
//! configuration that keepalived's `vrrp_exist()` matches with an old one (same VRID, family,
//! configured interface, unicast or not, same unicast source, same VMAC flags, same multicast
//! group; *not* the name) keep their state, counters and AH sequence number. A MASTER stays
//! MASTER without a transition, log line or notify; a BACKUP stays BACKUP and restarts its
//! Master_Down timer. Script results carry over by script name.
//!
//! It returns a [`ReloadPlan`]: [`ReloadStep`]s to carry out in order. Instance indexes in its
//! actions are those of the NEW configuration; what belongs to the OLD one (kernel entries to
//! delete, notifies of deleted instances) is given as plain data, so the shell needs no old
//! index. The shell:
//!
//! 1. logs "Reloading" (keepalived's `reload_vrrp_thread()`), reads the new configuration, ends
//!    running scripts, re-reads the interfaces;
//! 2. calls [`Engine::reload`] with them;
//! 3. switches its own configuration-derived parts (notifier, script runner, track files,
//!    announcer indexes, VMACs to create) to the new configuration, but keeps the OLD socket
//!    pool until step 4 is done: every [`Action::Send`] of a plan is an advert of an old
//!    instance (keepalived's advert of each master at SIGHUP, and the priority 0 advert of a
//!    deleted master), which the new pool may have no socket for;
//! 4. carries out the steps in order: [`ReloadStep::Act`] like any engine action,
//!    [`ReloadStep::Remove`] by deleting the entries (rules, then routes, then addresses),
//!    [`ReloadStep::Deleted`] as described on [`DeletedNotify`], [`ReloadStep::FifoState`] by
//!    a line to the notify FIFOs;
//! 5. opens the new socket pool, (re-)adds the static addresses, routes and rules of the new
//!    configuration (keepalived re-adds them all after `clear_diff_vrrp()`; existing ones are
//!    left alone) and deletes VMACs no instance uses any more.
//!
//! Addresses that stay are never removed: a plan only re-adds them ([`Action::Addresses`] with
//! `up`, where an existing address is success), and no [`NetRemoval`] holds an entry that a
//! MASTER of the new configuration or a static block still has.
//!
//! # Resume after a restart of the VRRP child (beyond keepalived)
//!
//! keepalived's respawned VRRP child removes the VIPs and elects from scratch, so a crash of a
//! master costs the VIPs for Master_Down_Interval. Here the parent records each instance's
//! state ([`Engine::states`], reported by the child after each batch of actions) and hands the
//! list to the next child as [`Resume`] entries with the time since the old child died. An
//! entry counts for the instance with the same name, VRID, interface, family and advert
//! interval (the respawned child reads the configuration file again, which may have changed).
//!
//! Before [`Engine::start`], the child calls [`Engine::set_resume`]; an instance that was
//! MASTER then resumes MASTER at once (advert sent at once, addresses re-added, GARPs; no
//! notify; logged as "(VI_1) Resuming MASTER STATE after VRRP child restart") when no peer can
//! have taken over: the gap plus one advert interval (the last advert can be that old) is
//! shorter than `min(3, down_timer_adverts)` advert intervals, the shortest
//! Master_Down_Interval a peer with the same `down_timer_adverts` can have (its skew is
//! positive, which covers the advert's trip). It must also not be in FAULT now, and every
//! member of its sync group must resume too. The scripts it tracks start as keepalived's
//! INIT_RELOAD (they do not hold the master until their first result; a failure then takes it
//! to FAULT). Everything else starts as keepalived does, with a line saying why ("(VI_1) Not
//! resuming MASTER STATE after VRRP child restart: ..."). [`Engine::resuming`] tells
//! beforehand which instances will resume, so that the shell does not remove their addresses
//! as stale.
//!
//! [`Engine`]: super::engine::Engine
//! [`Engine::reload`]: super::engine::Engine::reload
//! [`Engine::states`]: super::engine::Engine::states
//! [`Engine::set_resume`]: super::engine::Engine::set_resume
//! [`Engine::resuming`]: super::engine::Engine::resuming
//! [`Engine::start`]: super::engine::Engine::start

use std::net::IpAddr;
use std::time::Duration;

use super::event::{Action, NotifyTarget, State};
use crate::config::model::Script;
use crate::config::model::net::{IpAddress, Route, Rule};
use crate::config::model::vrrp::{Family, VrrpInstance};

/// What a reload asks the I/O shell to do, in order (see the [module](self) documentation).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReloadPlan {
    /// The steps, in keepalived's order.
    pub steps: Vec<ReloadStep>,
    /// For each instance of the new configuration, its index in the old one (`None`: a new
    /// instance). Useful to carry per-instance shell state (e.g. pending GARPs) across.
    pub matched: Vec<Option<usize>>,
}

impl ReloadPlan {
    /// The engine actions of the plan, in order (tests and simple shells).
    pub fn actions(&self) -> impl Iterator<Item = &Action> {
        self.steps.iter().filter_map(|s| match s {
            ReloadStep::Act(a) => Some(a),
            _ => None,
        })
    }

    /// Every kernel entry the plan removes.
    pub fn removed(&self) -> NetRemoval {
        let mut all = NetRemoval::default();
        for s in &self.steps {
            if let ReloadStep::Remove(r) = s {
                all.addresses.extend(r.addresses.iter().cloned());
                all.routes.extend(r.routes.iter().cloned());
                all.rules.extend(r.rules.iter().cloned());
            }
        }
        all
    }
}

/// One step of a [`ReloadPlan`].
#[derive(Clone, Debug, PartialEq)]
pub enum ReloadStep {
    /// An engine action. Instance indexes are the new configuration's; [`Action::Send`]s go out
    /// through the old socket pool.
    Act(Action),
    /// Delete these kernel entries: rules first, then routes, then addresses (keepalived's
    /// `vrrp_restore_interface()` order). An entry that is already gone is not an error.
    Remove(NetRemoval),
    /// A deleted instance's notify.
    Deleted(DeletedNotify),
    /// With `fifo_write_vrrp_states_on_reload`: the state of an instance or group that did not
    /// notify at the reload, written to the notify FIFOs only (no script), as
    /// [`fifo_line`](super::notify::fifo_line)`(kind, name, state_word, priority)`.
    FifoState {
        /// Instance or group (new configuration).
        target: NotifyTarget,
        /// Its state.
        state: State,
        /// The instance's effective priority (0 for a group).
        priority: u8,
    },
}

/// Kernel entries to delete, taken from the OLD configuration.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NetRemoval {
    /// Addresses with the interface they are on (already resolved: `dev`, the VMAC, or the
    /// instance's interface).
    pub addresses: Vec<(IpAddress, String)>,
    /// Routes.
    pub routes: Vec<Route>,
    /// Rules.
    pub rules: Vec<Rule>,
}

impl NetRemoval {
    /// Nothing to delete.
    pub fn is_empty(&self) -> bool {
        self.addresses.is_empty() && self.routes.is_empty() && self.rules.is_empty()
    }

    /// Drops the entries `keep` still has.
    pub(crate) fn retain_not_in(&mut self, keep: &NetRemoval) {
        self.addresses
            .retain(|(a, d)| !keep.addresses.iter().any(|(b, e)| same_address(a, d, b, e)));
        self.routes.retain(|r| !keep.routes.iter().any(|k| same_route(r, k)));
        self.rules.retain(|r| !keep.rules.iter().any(|k| same_rule(r, k)));
    }
}

/// The notify of an instance the new configuration no longer has (keepalived's
/// `clear_diff_vrrp()` with `send_instance_notifies()`). Without `notify_deleted`, keepalived
/// reports FAULT but runs no `notify_fault` script: the state's script is looked up while the
/// state is still "deleted".
///
/// The shell runs [`script`](Self::script) (no extra arguments) if any, then the generic
/// [`generic`](Self::generic) script with `INSTANCE <name> <state_word> <priority>` (see
/// [`generic_args`](super::notify::generic_args)), then writes
/// [`fifo_line`](super::notify::fifo_line)`(Instance, name, state_word, priority)` to the notify
/// FIFOs (those of the new configuration: keepalived reopens them before this point).
#[derive(Clone, Debug, PartialEq)]
pub struct DeletedNotify {
    /// Index in the old configuration.
    pub instance: usize,
    /// Instance name.
    pub name: String,
    /// `DELETED` with `notify_deleted`, else `FAULT`.
    pub state_word: &'static str,
    /// The `notify_deleted` script, if given.
    pub script: Option<Script>,
    /// The generic `notify` script, if given.
    pub generic: Option<Script>,
    /// The instance's effective priority.
    pub priority: u8,
}

/// One instance's identity and state, as the parent records it for a later [`Resume`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceState {
    /// Instance name.
    pub name: String,
    /// VRID.
    pub vrid: u8,
    /// Configured interface (`None` for an interface-less unicast instance).
    pub interface: Option<String>,
    /// Address family.
    pub family: Family,
    /// Configured advert interval (what a VRRPv3 instance advertises, and what VRRPv2 peers
    /// must share): a respawned child whose configuration file now says otherwise does not
    /// resume.
    pub advert_int: Duration,
    /// State.
    pub state: State,
}

impl InstanceState {
    /// The entry to hand to the next child, `gap` after the previous one died.
    pub fn resume(self, gap: Duration) -> Resume {
        Resume {
            name: self.name,
            vrid: self.vrid,
            interface: self.interface,
            family: self.family,
            advert_int: self.advert_int,
            state: self.state,
            gap,
        }
    }

    /// One line for a text channel: `NAME VRID INTERFACE|- 4|6 ADVERT_INT_US STATE` (names and
    /// interfaces have no white space in keepalived's configuration).
    pub fn to_line(&self) -> String {
        format!(
            "{} {} {} {} {} {}",
            self.name,
            self.vrid,
            self.interface.as_deref().unwrap_or("-"),
            self.family.number(),
            self.advert_int.as_micros(),
            self.state.as_str()
        )
    }

    /// Parses [`to_line`](Self::to_line)'s format.
    pub fn from_line(line: &str) -> Option<InstanceState> {
        let w: Vec<&str> = line.split_whitespace().collect();
        let [name, vrid, ifname, family, advert_int, state] = w[..] else {
            return None;
        };
        let state = [State::Init, State::Backup, State::Master, State::Fault, State::Stop]
            .into_iter()
            .find(|s| s.as_str() == state)?;
        Some(InstanceState {
            name: name.to_string(),
            vrid: vrid.parse().ok()?,
            interface: (ifname != "-").then(|| ifname.to_string()),
            family: match family {
                "4" => Family::V4,
                "6" => Family::V6,
                _ => return None,
            },
            advert_int: Duration::from_micros(advert_int.parse().ok()?),
            state,
        })
    }
}

/// What the parent hands to a respawned VRRP child about one instance of the child that died.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resume {
    /// Instance name.
    pub name: String,
    /// VRID.
    pub vrid: u8,
    /// Configured interface.
    pub interface: Option<String>,
    /// Address family.
    pub family: Family,
    /// The dead child's configured advert interval.
    pub advert_int: Duration,
    /// Its last state reported by the dead child.
    pub state: State,
    /// Time from the old child's death to the moment given to
    /// [`Engine::set_resume`](super::engine::Engine::set_resume). Measure it on a clock both
    /// processes share (CLOCK_MONOTONIC): the parent passes the death time, the child subtracts
    /// it from its own reading. Do not add the advert interval: the engine does.
    pub gap: Duration,
}

impl Resume {
    /// The entry is about this configured instance: name, VRID, interface, family and advert
    /// interval all match.
    pub(crate) fn names(&self, inst: &VrrpInstance) -> bool {
        self.name == inst.name
            && self.vrid == inst.vrid
            && self.interface == inst.interface
            && self.family == inst.family
            && self.advert_int.as_micros() == u128::from(inst.advert_int.max(1))
    }
}

/// Whether no peer can have ended its Master_Down timer: `gap + advert_int` (µs) is shorter
/// than `min(3, down_timer_adverts) × advert_int`.
pub(crate) fn within_master_down(gap_us: u64, adver_int: u64, down_timer_adverts: u64) -> bool {
    let adverts = down_timer_adverts.clamp(1, 3);
    gap_us.saturating_add(adver_int) < adverts * adver_int
}

/// keepalived's `vrrp_exist()`: the old and new instance are the same virtual router.
/// `*_saddr` are the instances' source addresses (used for unicast ones).
pub(crate) fn same_instance(
    old: &VrrpInstance,
    old_saddr: Option<IpAddr>,
    new: &VrrpInstance,
    new_saddr: Option<IpAddr>,
) -> bool {
    if old.vrid != new.vrid || old.family != new.family || old.interface != new.interface {
        return false;
    }
    let unicast = !new.unicast_peers.is_empty();
    if unicast == old.unicast_peers.is_empty() {
        return false;
    }
    if unicast {
        return old_saddr == new_saddr;
    }
    old.vmac.is_some() == new.vmac.is_some()
        && old.use_vmac_addr == new.use_vmac_addr
        && old.mcast_dst_ip == new.mcast_dst_ip
}

/// keepalived's `clear_diff_script()`: the new `result` of a script that had `old` with
/// `old_rise`/`old_fall`, and whether it counts as successful.
pub(crate) fn carried_script_result(old: i64, old_rise: i64, old_fall: i64, rise: i64, fall: i64) -> (i64, bool) {
    if old < old_rise {
        let r = if old == 0 { 0 } else { (rise - (old_rise - old)).max(0) };
        (r, false)
    } else if old == old_rise + old_fall - 1 {
        (rise + fall - 1, true)
    } else {
        ((rise + (old - old_rise)).min(rise + fall - 1), true)
    }
}

/// keepalived's `compare_ipaddress()` with the resolved interface: the same kernel address.
pub(crate) fn same_address(a: &IpAddress, a_dev: &str, b: &IpAddress, b_dev: &str) -> bool {
    a.addr == b.addr && a.prefix_len == b.prefix_len && a.scope == b.scope && a.label == b.label && a_dev == b_dev
}

/// Routes equal in everything the kernel sees (tracking options aside).
pub(crate) fn same_route(a: &Route, b: &Route) -> bool {
    let strip = |r: &Route| Route {
        no_track: false,
        track_group: None,
        ..r.clone()
    };
    strip(a) == strip(b)
}

/// Rules equal in everything the kernel sees (tracking options aside).
pub(crate) fn same_rule(a: &Rule, b: &Rule) -> bool {
    let strip = |r: &Rule| Rule {
        no_track: false,
        track_group: None,
        ..r.clone()
    };
    strip(a) == strip(b)
}

/// keepalived's `ipaddresstos()`: the address, with `/prefix` unless a host prefix.
pub(crate) fn prefix_string(addr: IpAddr, prefix: u8) -> String {
    let host = if addr.is_ipv4() { 32 } else { 128 };
    if prefix == host {
        addr.to_string()
    } else {
        format!("{addr}/{prefix}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// vrrp.c clear_diff_script(): failed scripts keep their distance from `rise`, successful
    /// ones their distance above it; fully up stays fully up; clamped to the new bounds.
    #[test]
    fn script_result_carry_over() {
        // Old rise 3 fall 2: 0..2 failed, 3..4 succeeded.
        assert_eq!(carried_script_result(0, 3, 2, 3, 2), (0, false));
        assert_eq!(carried_script_result(2, 3, 2, 3, 2), (2, false));
        assert_eq!(carried_script_result(2, 3, 2, 5, 1), (4, false));
        assert_eq!(carried_script_result(1, 3, 2, 1, 1), (0, false));
        assert_eq!(carried_script_result(4, 3, 2, 2, 4), (5, true));
        assert_eq!(carried_script_result(3, 3, 2, 2, 4), (2, true));
        assert_eq!(carried_script_result(3, 3, 3, 1, 1), (1, true));
    }

    /// The resume window: gap + one interval must be shorter than three intervals.
    #[test]
    fn master_down_window() {
        let s = 1_000_000;
        assert!(within_master_down(0, s, 3));
        assert!(within_master_down(2 * s - 1, s, 3));
        assert!(!within_master_down(2 * s, s, 3));
        // A longer down_timer_adverts of ours says nothing about the peers'.
        assert!(!within_master_down(2 * s, s, 10));
        assert!(!within_master_down(0, s, 1));
        assert!(within_master_down(s - 1, s, 2));
    }

    /// ipaddresstos(): host prefixes are not printed.
    #[test]
    fn address_strings() {
        assert_eq!(prefix_string("10.0.0.1".parse().unwrap(), 32), "10.0.0.1");
        assert_eq!(prefix_string("10.0.0.0".parse().unwrap(), 24), "10.0.0.0/24");
        assert_eq!(prefix_string("fe80::1".parse().unwrap(), 64), "fe80::1/64");
    }

    /// The parent's record survives a text channel.
    #[test]
    fn instance_state_lines() {
        let s = InstanceState {
            name: "VI_1".into(),
            vrid: 51,
            interface: Some("eth0".into()),
            family: Family::V6,
            advert_int: Duration::from_millis(1500),
            state: State::Master,
        };
        assert_eq!(s.to_line(), "VI_1 51 eth0 6 1500000 MASTER");
        assert_eq!(InstanceState::from_line(&s.to_line()), Some(s.clone()));
        let u = InstanceState {
            interface: None,
            state: State::Backup,
            family: Family::V4,
            ..s
        };
        assert_eq!(InstanceState::from_line(&u.to_line()), Some(u));
        assert_eq!(InstanceState::from_line("VI_1 51 eth0 5 1000000 MASTER"), None);
        assert_eq!(InstanceState::from_line("VI_1 51 eth0 4 1000000"), None);
        assert_eq!(InstanceState::from_line("VI_1 51 eth0 4 1s MASTER"), None);
    }
}
