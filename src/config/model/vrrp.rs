//! Model of the VRRP configuration: `vrrp_instance`, `vrrp_sync_group`, `vrrp_script`,
//! `track_group`, `garp_group`, `linkbeat_interfaces` and `interface_up_down_delays`, with
//! keepalived 2.2.7's defaults (`vrrp_data.c: alloc_vrrp()`, `alloc_vrrp_script()`, ...) and the
//! values its completion (`vrrp.c: vrrp_complete_instance()`) derives.
//!
//! The types are split by block: [`vrrp_instance`], [`vrrp_sync`], [`vrrp_script`] and
//! [`vrrp_misc`], all re-exported here.

#[path = "vrrp_instance.rs"]
pub mod vrrp_instance;
#[path = "vrrp_misc.rs"]
pub mod vrrp_misc;
#[path = "vrrp_script.rs"]
pub mod vrrp_script;
#[path = "vrrp_sync.rs"]
pub mod vrrp_sync;

use serde::Serialize;

pub use vrrp_instance::*;
pub use vrrp_misc::*;
pub use vrrp_script::*;
pub use vrrp_sync::*;

/// The VRRP configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct VrrpConfig {
    /// `vrrp_instance` blocks, in order.
    pub instances: Vec<VrrpInstance>,
    /// `vrrp_sync_group` blocks that kept at least one member.
    pub sync_groups: Vec<SyncGroup>,
    /// `vrrp_script` blocks that have a usable script.
    pub scripts: Vec<VrrpScript>,
    /// `track_group` blocks (used by static addresses, routes and rules).
    pub track_groups: Vec<TrackGroup>,
    /// `garp_group` blocks.
    pub garp_groups: Vec<GarpGroup>,
    /// `linkbeat_interfaces { ... }` entries.
    pub linkbeat_interfaces: Vec<LinkbeatInterface>,
    /// `interface_up_down_delays { ... }` entries.
    pub interface_up_down_delays: Vec<UpDownDelay>,
    /// An interface named in the configuration does not exist and `dynamic_interfaces` is off
    /// (keepalived's `non_existent_interface_specified`): keepalived's VRRP process refuses to
    /// start ("Non-existent interface specified in configuration").
    pub nonexistent_interface: bool,
}

impl VrrpConfig {
    /// The `vrrp_instance` of that name.
    pub fn instance(&self, name: &str) -> Option<&VrrpInstance> {
        self.instances.iter().find(|i| i.name == name)
    }
    /// The `vrrp_script` of that name.
    pub fn script(&self, name: &str) -> Option<&VrrpScript> {
        self.scripts.iter().find(|s| s.name == name)
    }
    /// The `vrrp_sync_group` of that name.
    pub fn sync_group(&self, name: &str) -> Option<&SyncGroup> {
        self.sync_groups.iter().find(|g| g.name == name)
    }
    /// The `track_group` of that name.
    pub fn track_group(&self, name: &str) -> Option<&TrackGroup> {
        self.track_groups.iter().find(|g| g.name == name)
    }
}
