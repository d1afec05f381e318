//! The IPVS table as plain values (the kernel's `ip_vs_service_user` / `ip_vs_dest_user`, in
//! the form `include/uapi/linux/ip_vs.h` gives them over generic netlink), and the commands
//! that change it. Pure data: the codec (`ipvs::family`), the reconciler and the checker pool
//! all speak it.

use std::net::IpAddr;

/// `AF_INET` / `AF_INET6`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Af {
    /// IPv4.
    Inet,
    /// IPv6.
    Inet6,
}

/// A virtual service's protocol (`IPPROTO_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Proto {
    /// TCP (6).
    Tcp,
    /// UDP (17).
    Udp,
    /// SCTP (132).
    Sctp,
}

/// What identifies a virtual service in the kernel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ServiceKey {
    /// `IP PORT` with a protocol.
    Addr {
        /// Protocol.
        proto: Proto,
        /// Virtual address.
        addr: IpAddr,
        /// Virtual port (0 for "all ports" with persistence).
        port: u16,
    },
    /// `fwmark N` (with its address family).
    Fwmark {
        /// Family.
        af: Af,
        /// Firewall mark.
        mark: u32,
    },
}

/// A virtual service's settings (`IPVS_SVC_ATTR_*`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Service {
    /// Key.
    pub key: ServiceKey,
    /// Scheduler name: rr wrr lc wlc lblc lblcr dh sh sed nq fo ovf mh twos.
    pub scheduler: String,
    /// `IP_VS_SVC_F_*` flags (persistent, hashed, one-packet, sched flags 1-3).
    pub flags: u32,
    /// Persistence timeout in seconds (0 = not persistent).
    pub timeout: u32,
    /// Persistence granularity: an IPv4 netmask (e.g. 0xffffffff) or an IPv6 prefix length.
    pub netmask: u32,
    /// Persistence engine (e.g. "sip").
    pub pe_name: Option<String>,
}

/// How packets reach a real server (`IP_VS_CONN_F_*` forwarding).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Forward {
    /// Masquerading (NAT).
    Masq,
    /// Direct routing.
    Route,
    /// IP tunnel, with its encapsulation.
    Tunnel {
        /// Encapsulation.
        tun: Tunnel,
    },
}

/// A tunnel's encapsulation (`IPVS_DEST_ATTR_TUN_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tunnel {
    /// IP in IP.
    Ipip,
    /// Generic UDP encapsulation to this port, with checksum flags.
    Gue {
        /// UDP port.
        port: u16,
        /// `IP_VS_TUNNEL_ENCAP_FLAG_*`.
        flags: u16,
    },
    /// GRE, with checksum flags.
    Gre {
        /// `IP_VS_TUNNEL_ENCAP_FLAG_*`.
        flags: u16,
    },
}

/// What identifies a real server within a service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DestKey {
    /// Address.
    pub addr: IpAddr,
    /// Port.
    pub port: u16,
}

/// A real server's settings (`IPVS_DEST_ATTR_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Dest {
    /// Key.
    pub key: DestKey,
    /// Forwarding method.
    pub forward: Forward,
    /// Weight (0 = no new connections: keepalived's `inhibit_on_failure`).
    pub weight: i32,
    /// Upper connection threshold (0 = none).
    pub u_threshold: u32,
    /// Lower connection threshold (0 = none).
    pub l_threshold: u32,
}

/// Counters the kernel keeps per service and destination (`IPVS_STATS_ATTR_*`, 64-bit form).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Connections scheduled.
    pub conns: u64,
    /// Incoming packets.
    pub inpkts: u64,
    /// Outgoing packets.
    pub outpkts: u64,
    /// Incoming bytes.
    pub inbytes: u64,
    /// Outgoing bytes.
    pub outbytes: u64,
    /// Current connection rate.
    pub cps: u64,
    /// Current in packet rate.
    pub inpps: u64,
    /// Current out packet rate.
    pub outpps: u64,
    /// Current in byte rate.
    pub inbps: u64,
    /// Current out byte rate.
    pub outbps: u64,
}

/// A service with its destinations, as wanted or as read back from the kernel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceEntry {
    /// The service.
    pub service: Service,
    /// Its destinations, in order.
    pub dests: Vec<Dest>,
}

/// A whole table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    /// Services, in order.
    pub services: Vec<ServiceEntry>,
}

/// `lvs_sync_daemon INTERFACE [master|backup] [id N] [maxlen N] [port N] [ttl N] [group IP]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SyncDaemon {
    /// `IP_VS_STATE_MASTER` or `IP_VS_STATE_BACKUP`.
    pub master: bool,
    /// Multicast interface.
    pub ifname: String,
    /// Sync id.
    pub syncid: u32,
    /// Maximum sync message length (0 = default).
    pub maxlen: u16,
    /// UDP port (0 = default 8848).
    pub port: u16,
    /// TTL (0 = default).
    pub ttl: u8,
    /// Multicast group (`None` = default 224.0.0.81 / ff02::8100).
    pub group: Option<IpAddr>,
}

/// `lvs_timeouts tcp N tcpfin N udp N` (seconds; 0 = leave unchanged).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Timeouts {
    /// TCP established.
    pub tcp: u32,
    /// TCP after FIN.
    pub tcp_fin: u32,
    /// UDP.
    pub udp: u32,
}

/// One change to the kernel's table (`IPVS_CMD_*`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `IPVS_CMD_NEW_SERVICE`.
    NewService(Service),
    /// `IPVS_CMD_SET_SERVICE`.
    SetService(Service),
    /// `IPVS_CMD_DEL_SERVICE`.
    DelService(ServiceKey),
    /// `IPVS_CMD_NEW_DEST`.
    NewDest(ServiceKey, Dest),
    /// `IPVS_CMD_SET_DEST`.
    SetDest(ServiceKey, Dest),
    /// `IPVS_CMD_DEL_DEST`.
    DelDest(ServiceKey, DestKey),
    /// `IPVS_CMD_FLUSH`: every service and destination.
    Flush,
    /// `IPVS_CMD_NEW_DAEMON`.
    NewDaemon(SyncDaemon),
    /// `IPVS_CMD_DEL_DAEMON` (master or backup).
    DelDaemon {
        /// Which one.
        master: bool,
    },
    /// `IPVS_CMD_SET_CONFIG`.
    SetTimeouts(Timeouts),
    /// `IPVS_CMD_ZERO` of one service, or of all with `None`.
    Zero(Option<ServiceKey>),
}
