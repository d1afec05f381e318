//! `vrrp_instance NAME { ... }` (keepalived's `vrrp_t`).

use std::net::IpAddr;

use serde::Serialize;

use super::super::net::{IpAddress, MissingInterfaceLine, Route, Rule};
use super::super::{Origin, Script};

/// keepalived's `VRRP_PRIO_OWNER`: the address owner's priority.
pub const PRIO_OWNER: u8 = 255;
/// keepalived's `VRRP_PRIO_DFL`.
pub const PRIO_DEFAULT: u8 = 100;
/// keepalived's `VRRP_ADVER_DFL` in microseconds.
pub const ADVERT_DEFAULT_US: u64 = 1_000_000;
/// keepalived's `VRRP_IP_TTL`: default `unicast_ttl` for IPv4.
pub const IP_TTL: u8 = 255;
/// keepalived's `VRRP_DOWN_TIMER_ADVERTS` (the only value strict mode allows).
pub const DOWN_TIMER_ADVERTS: u32 = 3;

/// Initial state (`state`; keepalived's `wantstate`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum VrrpState {
    /// `BACKUP`.
    #[default]
    Backup,
    /// `MASTER`.
    Master,
}

impl VrrpState {
    /// The keyword value (and keepalived's `get_state_str()`).
    pub fn as_str(self) -> &'static str {
        match self {
            VrrpState::Backup => "BACKUP",
            VrrpState::Master => "MASTER",
        }
    }
}

/// Address family of an instance (`AF_INET`/`AF_INET6`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub enum Family {
    /// IPv4 (the default when nothing decides it).
    #[default]
    V4,
    /// IPv6.
    V6,
}

impl Family {
    /// The family of an address.
    pub fn of(a: &IpAddr) -> Family {
        if a.is_ipv4() { Family::V4 } else { Family::V6 }
    }
    /// 4 or 6.
    pub fn number(self) -> u8 {
        match self {
            Family::V4 => 4,
            Family::V6 => 6,
        }
    }
}

/// `authentication { auth_type ... }`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum AuthType {
    /// No authentication.
    #[default]
    None,
    /// `PASS`: simple password.
    Pass,
    /// `AH`: IPSEC AH.
    Ah,
}

/// `old_unicast_checksum [never]` (keepalived's `unicast_chksum_compat`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChecksumCompat {
    /// Not given.
    #[default]
    None,
    /// `old_unicast_checksum`.
    Config,
    /// `old_unicast_checksum never`.
    Never,
}

/// One `unicast_peer` entry.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnicastPeer {
    /// Peer address.
    pub addr: IpAddr,
    /// `min_ttl` (default 0).
    pub min_ttl: u8,
    /// `max_ttl` (default 255).
    pub max_ttl: u8,
}

/// A tracked interface or script with its resolved weight.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Tracked {
    /// Interface or `vrrp_script` name.
    pub name: String,
    /// Weight (0: a failure means FAULT).
    pub weight: i32,
    /// `reverse`.
    pub reverse: bool,
}

/// A tracked `track_file`, `vrrp_track_process` or `bfd_instance`. Without an explicit weight
/// the tracker's own weight and direction apply: keepalived copies them while parsing, and so
/// do we (the tracker must be defined above the reference).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrackedRef {
    /// Name of the tracker.
    pub name: String,
    /// The weight (given, or the tracker's).
    pub weight: i32,
    /// The weight applies in reverse (given, or the tracker's).
    pub reverse: bool,
}

/// `use_vmac [IFNAME] [MAC]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Vmac {
    /// Interface name: configured, or keepalived's generated `vrrp.VRID` (set at validation).
    pub ifname: Option<String>,
    /// The configured MAC address (`None`: 00:00:5e:00:01|02:VRID).
    pub mac: Option<[u8; 6]>,
    /// Only five octets given: the last one is the VRID.
    pub mac_use_vrid: bool,
}

/// `use_ipvlan [IFNAME] [ADDR[/PFX]] [bridge|private|vepa]`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Ipvlan {
    /// Interface name (generated like a VMAC's when not given).
    pub ifname: Option<String>,
    /// Address and prefix for the ipvlan interface.
    pub addr: Option<(IpAddr, u8)>,
    /// `bridge` (default), `private` or `vepa`.
    pub mode: String,
}

/// `vrrp_instance NAME { ... }`, resolved.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VrrpInstance {
    /// Instance name.
    pub name: String,
    /// Initial state (derived from the priority when not given).
    pub state: VrrpState,
    /// `interface`.
    pub interface: Option<String>,
    /// `vrf`.
    pub vrf: Option<String>,
    /// `dont_track_primary`.
    pub dont_track_primary: bool,
    /// `virtual_router_id` (0 = not set: the configuration is rejected).
    pub vrid: u8,
    /// `priority` (default 100, or 255 with `state MASTER`).
    pub priority: u8,
    /// `advert_int` in microseconds, rounded per version.
    pub advert_int: u64,
    /// `version` (default `vrrp_version`, 3 for IPv6).
    pub version: u8,
    /// Address family (from the addresses; IPv4 when nothing decides).
    pub family: Family,
    /// `native_ipv6`.
    pub native_ipv6: bool,
    /// `auth_type`.
    pub auth_type: AuthType,
    /// `auth_pass` (at most 8 bytes).
    pub auth_pass: Option<String>,
    /// `virtual_ipaddress`.
    pub vips: Vec<IpAddress>,
    /// `virtual_ipaddress_excluded` (plus VIPs that did not fit in an advert).
    pub evips: Vec<IpAddress>,
    /// `virtual_routes`.
    pub vroutes: Vec<Route>,
    /// `virtual_rules`.
    pub vrules: Vec<Rule>,
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
    /// `mcast_src_ip` / `unicast_src_ip`.
    pub src_ip: Option<IpAddr>,
    /// `track_src_ip` (cleared without a configured source address).
    pub track_src_ip: bool,
    /// Some unicast keyword was given (`unicast_src_ip`, `unicast_peer`, ...).
    pub unicast_configured: bool,
    /// `unicast_peer { ... }`.
    pub unicast_peers: Vec<UnicastPeer>,
    /// `unicast_ttl` (`None`: the kernel's default, IPv6).
    pub unicast_ttl: Option<u8>,
    /// `unicast_fault_no_peer`.
    pub unicast_fault_no_peer: bool,
    /// `check_unicast_src` (also set by `min_ttl`/`max_ttl`).
    pub check_unicast_src: bool,
    /// `old_unicast_checksum`.
    pub old_unicast_checksum: ChecksumCompat,
    /// `mcast_dst_ip` (default the global group; `None` with unicast).
    pub mcast_dst_ip: Option<IpAddr>,
    /// `nopreempt` (`preempt` clears it).
    pub nopreempt: bool,
    /// `preempt_delay` in microseconds.
    pub preempt_delay: u64,
    /// `accept` / `no_accept` (default: on unless strict and not owner).
    pub accept: bool,
    /// `strict_mode` (default `vrrp_strict`).
    pub strict_mode: bool,
    /// `skip_check_adv_addr` (default `vrrp_skip_check_adv_addr`).
    pub skip_check_adv_addr: bool,
    /// `garp_master_delay` in seconds.
    pub garp_master_delay: u32,
    /// `garp_master_repeat`.
    pub garp_master_repeat: u32,
    /// `garp_master_refresh` in seconds (0 = off).
    pub garp_master_refresh: u32,
    /// `garp_master_refresh_repeat`.
    pub garp_master_refresh_repeat: u32,
    /// `garp_lower_prio_delay` in seconds.
    pub garp_lower_prio_delay: u32,
    /// `garp_lower_prio_repeat`.
    pub garp_lower_prio_repeat: u32,
    /// `garp_extra_if` seconds (0 = off; `vmac_garp_intvl` is its old name).
    pub garp_extra_if: u32,
    /// `garp_extra_if all`.
    pub garp_extra_if_all: bool,
    /// `down_timer_adverts` (1..100).
    pub down_timer_adverts: u32,
    /// `lower_prio_no_advert`.
    pub lower_prio_no_advert: bool,
    /// `higher_prio_send_advert`.
    pub higher_prio_send_advert: bool,
    /// `notify_backup`.
    pub notify_backup: Option<Script>,
    /// `notify_master`.
    pub notify_master: Option<Script>,
    /// `notify_fault`.
    pub notify_fault: Option<Script>,
    /// `notify_stop`.
    pub notify_stop: Option<Script>,
    /// `notify_deleted [CMD]`: notify "deleted" rather than "fault" on removal.
    pub notify_deleted: bool,
    /// The command of `notify_deleted CMD`.
    pub notify_deleted_script: Option<Script>,
    /// `notify` (generic, with 4 extra arguments).
    pub notify: Option<Script>,
    /// `notify_master_rx_lower_pri`.
    pub notify_master_rx_lower_pri: Option<Script>,
    /// `notify_priority_changes` (default from the sync group, then global).
    pub notify_priority_changes: bool,
    /// `smtp_alert` (default `smtp_alert_vrrp`, then `smtp_alert`, then off).
    pub smtp_alert: bool,
    /// `use_vmac`.
    pub vmac: Option<Vmac>,
    /// `use_vmac_addr`.
    pub use_vmac_addr: bool,
    /// `vmac_xmit_base`.
    pub vmac_xmit_base: bool,
    /// `use_ipvlan`.
    pub ipvlan: Option<Ipvlan>,
    /// `promote_secondaries`.
    pub promote_secondaries: bool,
    /// `linkbeat_use_polling` (deprecated).
    pub linkbeat_use_polling: bool,
    /// `kernel_rx_buf_size` (0 = default).
    pub kernel_rx_buf_size: u32,
    /// `debug` (0..4).
    pub debug: u32,
    /// The sync group this instance belongs to (set at validation).
    pub sync_group: Option<String>,
    /// Faults found at validation that stop the instance running (keepalived's
    /// `num_config_faults`).
    pub config_faults: u32,
    /// Lines of the instance dropped because they name a missing interface (`interface`, `vrf`,
    /// addresses, routes, rules, `track_interface`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_interface_lines: Vec<MissingInterfaceLine>,
    /// Where it was configured.
    pub origin: Origin,
}
