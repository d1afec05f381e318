//! What goes into the sans-IO VRRP [`engine`](super::engine) and what comes out of it.
//!
//! Time is a [`Duration`] since an arbitrary origin (the daemon's start, or zero in tests), so
//! a simulated clock is just a number.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use crate::config::model::vrrp::{Family, VrrpInstance};
use crate::log::LogLine;

/// Monotonic time since the engine's origin.
pub type Time = Duration;

/// Run-time state of an instance or sync group (keepalived's `VRRP_STATE_*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum State {
    /// Not started yet.
    #[default]
    Init,
    /// Backup.
    Backup,
    /// Master.
    Master,
    /// Fault (a tracked object is down).
    Fault,
    /// Stopped (shutdown).
    Stop,
}

impl State {
    /// The word keepalived uses in logs, notify arguments and dumps.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Init => "INIT",
            State::Backup => "BACKUP",
            State::Master => "MASTER",
            State::Fault => "FAULT",
            State::Stop => "STOP",
        }
    }
}

/// What the engine needs to know about one interface.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IfState {
    /// Interface name.
    pub name: String,
    /// Kernel ifindex.
    pub index: u32,
    /// Administratively up and running (IFF_UP and IFF_RUNNING): a tracked interface that is not
    /// is down.
    pub up: bool,
    /// Hardware address (all zero for interfaces without one).
    pub mac: [u8; 6],
    /// Primary IPv4 address: the source of IPv4 adverts and the tie-break address.
    pub ipv4: Option<Ipv4Addr>,
    /// First link-local IPv6 address: the source of IPv6 adverts.
    pub ipv6_ll: Option<Ipv6Addr>,
}

/// How a script run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScriptOutcome {
    /// Exited with this status.
    Exited(i32),
    /// Killed by this signal (not by us at the timeout).
    Signalled(i32),
    /// Still running at its timeout, so it was killed.
    TimedOut,
}

/// A received VRRP (or AH) packet with what the socket reported about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RxPacket {
    /// Interface it arrived on.
    pub ifname: String,
    /// Address family of the socket.
    pub family: Family,
    /// Source address.
    pub src: IpAddr,
    /// Destination address (multicast group or our unicast address).
    pub dst: IpAddr,
    /// IPv4 TTL / IPv6 hop limit.
    pub ttl: u8,
    /// IPv4: the whole datagram from the IP header on. IPv6: the VRRP message (the kernel strips
    /// the IPv6 header).
    pub data: Vec<u8>,
}

/// A packet the engine wants sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxPacket {
    /// Interface to send on.
    pub ifname: String,
    /// Address family.
    pub family: Family,
    /// Source address (already in `data` for IPv4).
    pub src: IpAddr,
    /// Destination: the multicast group or one unicast peer.
    pub dst: IpAddr,
    /// TTL / hop limit (already in `data` for IPv4).
    pub ttl: u8,
    /// IPv4: the whole datagram including the IP header (sent with IP_HDRINCL), protocol 112, or
    /// 51 with AH. IPv6: the VRRP message, checksum included.
    pub data: Vec<u8>,
}

/// Input to the engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A packet arrived on a VRRP socket.
    Packet(RxPacket),
    /// An interface appeared or changed (link state or addresses).
    Interface(IfState),
    /// An interface was deleted.
    InterfaceGone(String),
    /// A `vrrp_script` run finished (rise/fall are the engine's business).
    ScriptResult {
        /// The vrrp_script name.
        name: String,
        /// How it ended.
        outcome: ScriptOutcome,
    },
    /// A `track_file` now holds this value (unreadable or non-numeric files read as 0, as in
    /// keepalived).
    TrackFile {
        /// The track_file name.
        name: String,
        /// The value read.
        value: i64,
    },
    /// Graceful stop (SIGTERM/SIGINT): masters send priority 0 and give up their addresses.
    Stop,
}

/// Whose notify scripts to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotifyTarget {
    /// `vrrp_instance` by index in `Config.vrrp.instances`.
    Instance(usize),
    /// `vrrp_sync_group` by index in `Config.vrrp.sync_groups`.
    Group(usize),
}

/// Output of the engine, to be carried out in order by the I/O shell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Send this packet.
    Send(TxPacket),
    /// Add (`up`) or remove the instance's VIPs, eVIPs, virtual routes and virtual rules. The
    /// engine has already logged keepalived's "(VI) setting VIPs." lines.
    Addresses {
        /// Instance index.
        instance: usize,
        /// Add (true) or remove (false).
        up: bool,
    },
    /// Send `count` gratuitous ARPs / unsolicited NAs for each VIP and eVIP of the instance
    /// (paced per interface by `vrrp_garp_interval` / `vrrp_gna_interval`).
    Announce {
        /// Instance index.
        instance: usize,
        /// Frames per address.
        count: u32,
    },
    /// Run notify scripts and write the notify FIFO.
    Notify {
        /// Instance or group.
        target: NotifyTarget,
        /// The new state (STOP on shutdown).
        state: State,
        /// The instance's effective priority (groups: 0).
        priority: u8,
    },
    /// An event keepalived notifies without a state change (FIFO line, and the
    /// `notify_master_rx_lower_pri` script).
    Event {
        /// Instance index.
        instance: usize,
        /// What happened.
        event: InstanceEvent,
        /// The instance's effective priority.
        priority: u8,
    },
    /// Write a log line.
    Log(LogLine),
}

/// Instance events without a state change (keepalived's `VRRP_EVENT_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstanceEvent {
    /// A master received an advert with a lower priority (`notify_master_rx_lower_pri`).
    MasterRxLowerPri,
    /// The effective priority changed (with `notify_priority_changes`); `master` tells
    /// MASTER_PRIORITY from BACKUP_PRIORITY.
    PriorityChange {
        /// The instance is master.
        master: bool,
    },
}

/// The interface an instance sends adverts on: its VMAC unless `vmac_xmit_base`, else its
/// interface.
pub fn xmit_interface(inst: &VrrpInstance) -> Option<String> {
    match (&inst.vmac, inst.vmac_xmit_base) {
        (Some(_), false) => Some(vmac_name(inst)),
        _ => inst.interface.clone(),
    }
}

/// The interface an instance's VIPs go on by default: its VMAC if any, else its interface.
pub fn vip_interface(inst: &VrrpInstance) -> Option<String> {
    match &inst.vmac {
        Some(_) => Some(vmac_name(inst)),
        None => inst.interface.clone(),
    }
}

/// The VMAC interface name: the configured one, else keepalived's `vrrp.<VRID>`
/// (`vrrp6.<VRID>` is not used by keepalived 2.2.7; both families use `vrrp.`).
pub fn vmac_name(inst: &VrrpInstance) -> String {
    inst.vmac
        .as_ref()
        .and_then(|v| v.ifname.clone())
        .unwrap_or_else(|| format!("vrrp.{}", inst.vrid))
}
