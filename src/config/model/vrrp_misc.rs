//! The smaller VRRP root blocks: `track_group`, `garp_group`, `linkbeat_interfaces` and
//! `interface_up_down_delays`.

use serde::Serialize;

use super::super::Origin;

/// `track_group NAME { group { VI ... } }`: instances whose state static addresses, routes
/// and rules with `track_group NAME` follow.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrackGroup {
    /// Group name.
    pub name: String,
    /// The instances of `group { }`, as written.
    pub instances: Vec<String>,
    /// Where it was configured.
    pub origin: Origin,
}

/// `garp_group { ... }`: gratuitous ARP/NA pacing for a set of interfaces.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GarpGroup {
    /// `garp_interval` in microseconds.
    pub garp_interval: Option<u64>,
    /// `gna_interval` in microseconds.
    pub gna_interval: Option<u64>,
    /// Interfaces given with `interface IF`.
    pub interface: Vec<String>,
    /// Interfaces given in `interfaces { ... }` (an aggregation group).
    pub interfaces: Vec<String>,
    /// keepalived's aggregation group number (0 without `interfaces`).
    pub aggregation_group: u32,
    /// Interfaces named in the group that do not exist (written back as `interface NAME`, which
    /// gives the same message).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_interfaces: Vec<String>,
    /// Where it was configured.
    pub origin: Origin,
}

/// How `linkbeat_interfaces` polls an interface.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LinkbeatType {
    /// Not given: keepalived chooses.
    #[default]
    Default,
    /// `MII`.
    Mii,
    /// `ETHTOOL`.
    Ethtool,
    /// `IOCTL`.
    Ioctl,
}

/// One line of `linkbeat_interfaces { IF [MII|ETHTOOL|IOCTL] }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkbeatInterface {
    /// Interface name.
    pub name: String,
    /// Polling method.
    pub kind: LinkbeatType,
}

/// One line of `interface_up_down_delays { IF DOWN [UP] }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UpDownDelay {
    /// Interface name.
    pub name: String,
    /// Delay before acting on a link down, microseconds.
    pub down: u64,
    /// Delay before acting on a link up, microseconds.
    pub up: u64,
}
