//! `vrrp_sync_group NAME { ... }` (keepalived's `vrrp_sgroup_t`).

use serde::Serialize;

use super::super::net::MissingInterfaceLine;
use super::super::{Origin, Script};
use super::vrrp_instance::{Tracked, TrackedRef};

/// `vrrp_sync_group NAME { ... }`, resolved.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SyncGroup {
    /// Group name.
    pub name: String,
    /// Member instances that exist and belong to no other group, in `group { }` order.
    pub members: Vec<String>,
    /// `track_interface`.
    pub track_interfaces: Vec<Tracked>,
    /// `track_script`.
    pub track_scripts: Vec<Tracked>,
    /// `track_file`.
    pub track_files: Vec<TrackedRef>,
    /// `track_process`.
    pub track_processes: Vec<TrackedRef>,
    /// `track_bfd`.
    pub track_bfds: Vec<TrackedRef>,
    /// `notify_backup`.
    pub notify_backup: Option<Script>,
    /// `notify_master`.
    pub notify_master: Option<Script>,
    /// `notify_fault`.
    pub notify_fault: Option<Script>,
    /// `notify_stop`.
    pub notify_stop: Option<Script>,
    /// `notify`.
    pub notify: Option<Script>,
    /// `smtp_alert` (default `smtp_alert_vrrp`, then `smtp_alert`, then off).
    pub smtp_alert: bool,
    /// `sync_group_tracking_weight` (or the deprecated `global_tracking`).
    pub sync_group_tracking_weight: bool,
    /// `notify_priority_changes` (keepalived keeps "unset").
    pub notify_priority_changes: Option<bool>,
    /// `track_interface` lines dropped because they name a missing interface.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_interface_lines: Vec<MissingInterfaceLine>,
    /// Where it was configured.
    pub origin: Origin,
}
