//! Model of the LVS / health-checker configuration (keepalived's `check_data_t`): the `SSL`
//! block, virtual server groups, virtual servers with their real and sorry servers, and the
//! health checkers of each real server (in [`checker`]).
//!
//! Fields keepalived keeps as "unset" until validation (`-1`, `UINT_MAX`, `ULONG_MAX`) are
//! `Option`s; validation fills those that keepalived fills (`alpha`, `inhibit`, `weight`,
//! `connect_timeout`, `delay_loop`, `smtp_alert`, forwarding methods) and leaves `None` where
//! keepalived keeps the unset value (`retry`, `warmup`, `delay_before_retry` of a virtual
//! or real server).

#[path = "check_checker.rs"]
pub mod checker;

pub use checker::*;

use std::net::{IpAddr, Ipv6Addr};

use serde::Serialize;

use super::{Origin, Script};

/// keepalived's defaults for virtual and real servers.
pub mod defaults {
    /// `delay_loop` (`KEEPALIVED_DEFAULT_DELAY`), microseconds.
    pub const DELAY_LOOP: u64 = 60_000_000;
    /// Virtual server `connect_timeout`, microseconds.
    pub const CONNECT_TIMEOUT: u64 = 5_000_000;
    /// `persistence_timeout` without a value, and when keepalived forces persistence
    /// (`IPVS_SVC_PERSISTENT_TIMEOUT`), seconds.
    pub const PERSISTENCE_TIMEOUT: u32 = 360;
    /// Largest `persistence_timeout` (`LVS_MAX_TIMEOUT`, 31 days).
    pub const LVS_MAX_TIMEOUT: u32 = 86_400 * 31;
    /// Scheduler when none is set (`IPVS_DEF_SCHED`).
    pub const SCHEDULER: &str = "wlc";
    /// Largest weight (`IPVS_WEIGHT_LIMIT`).
    pub const WEIGHT_LIMIT: u32 = i32::MAX as u32;
    /// Longest persistence engine name (`IP_VS_PENAME_MAXLEN`).
    pub const PENAME_MAXLEN: usize = 16;
    /// Longest scheduler name plus its NUL (`IP_VS_SCHEDNAME_MAXLEN`).
    pub const SCHEDNAME_MAXLEN: usize = 16;
}

/// The schedulers keepalived accepts for `lb_algo` / `lvs_sched`.
pub const SCHEDULERS: &[&str] = &[
    "rr", "wrr", "lc", "wlc", "lblc", "sh", "mh", "dh", "fo", "ovf", "lblcr", "sed", "nq", "twos",
];

/// IPVS service flags (`IP_VS_SVC_F_*`), as keepalived stores them in `vs->flags`.
pub mod svc_flags {
    /// `hashed` (never set by a keyword: keepalived's handler has no case for it).
    pub const HASHED: u32 = 0x0002;
    /// `ops`: one-packet scheduling.
    pub const ONEPACKET: u32 = 0x0004;
    /// `flag-1`, also `sh-fallback` / `mh-fallback`.
    pub const SCHED1: u32 = 0x0008;
    /// `flag-2`, also `sh-port` / `mh-port`.
    pub const SCHED2: u32 = 0x0010;
    /// `flag-3`.
    pub const SCHED3: u32 = 0x0020;
}

/// An address family (`AF_INET` / `AF_INET6`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// IPv4.
    Inet,
    /// IPv6.
    Inet6,
}

impl Family {
    /// The family of an address.
    pub fn of(ip: &IpAddr) -> Family {
        if ip.is_ipv4() { Family::Inet } else { Family::Inet6 }
    }
    /// The keyword word (`inet` / `inet6`).
    pub fn word(self) -> &'static str {
        match self {
            Family::Inet => "inet",
            Family::Inet6 => "inet6",
        }
    }
}

/// A virtual server's protocol (keepalived's `service_type`; `None` is 0).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    /// Not set (keepalived's 0): fwmark services, or before validation.
    #[default]
    None,
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// SCTP.
    Sctp,
}

impl Protocol {
    /// The name keepalived puts in `[ip]:proto:port` (`inet_sockaddrtotrio()`).
    pub fn trio_name(self) -> &'static str {
        match self {
            Protocol::None => "none",
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
        }
    }
}

/// An LVS forwarding method.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FwdMethod {
    /// Masquerading.
    #[default]
    Nat,
    /// Direct routing.
    Dr,
    /// Tunnelling.
    Tun,
}

/// The tunnel type of `lvs_method TUN type ...`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TunType {
    /// IP in IP (the default).
    #[default]
    Ipip,
    /// Generic UDP encapsulation (needs a port).
    Gue,
    /// GRE.
    Gre,
}

/// The tunnel checksum option.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TunCsum {
    /// `nocsum` (the default).
    #[default]
    NoCsum,
    /// `csum`.
    Csum,
    /// `remcsum`.
    RemCsum,
}

/// `lb_kind` / `lvs_method METHOD [type T] [port P] [csum|nocsum|remcsum]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Forwarding {
    /// NAT, DR or TUN.
    pub method: FwdMethod,
    /// Tunnel type.
    pub tun_type: TunType,
    /// GUE tunnel port (0 = none).
    pub tun_port: u16,
    /// Tunnel checksum option.
    pub tun_csum: TunCsum,
}

/// The top-level `SSL { ... }` block.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SslConfig {
    /// `password`.
    pub password: Option<String>,
    /// `ca`.
    pub cafile: Option<String>,
    /// `certificate`.
    pub certfile: Option<String>,
    /// `key`.
    pub keyfile: Option<String>,
    /// Where it was configured.
    pub origin: Origin,
}

/// One address entry of a virtual server group: `IP[-LAST|/PFX] [PORT]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VsgRange {
    /// First address.
    pub start: IpAddr,
    /// Last address (equal to `start` for a single address).
    pub end: IpAddr,
    /// Port (0 = none).
    pub port: u16,
}

/// One `fwmark N [inet|inet6]` entry of a virtual server group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VsgFwmark {
    /// The mark.
    pub fwmark: u32,
    /// The family, if given.
    pub family: Option<Family>,
}

/// `virtual_server_group NAME { ... }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VirtualServerGroup {
    /// Name referenced by `virtual_server group NAME`.
    pub name: String,
    /// Address entries, in order.
    pub ranges: Vec<VsgRange>,
    /// Firewall mark entries, in order.
    pub fwmarks: Vec<VsgFwmark>,
    /// Some entry is IPv4.
    pub have_ipv4: bool,
    /// Some entry is IPv6.
    pub have_ipv6: bool,
    /// Some fwmark entry has no family.
    pub fwmark_no_family: bool,
    /// Where it was configured.
    pub origin: Origin,
}

/// What a `virtual_server` line names.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VsKey {
    /// `virtual_server IP PORT`.
    Addr {
        /// Address.
        ip: IpAddr,
        /// Port (0 = none).
        port: u16,
    },
    /// `virtual_server fwmark N`.
    Fwmark(u32),
    /// `virtual_server group NAME`.
    Group {
        /// The group's name.
        name: String,
        /// keepalived numbers the virtual servers of a group (it keeps the number in the
        /// unused port field, so it shows in `[NAME]:N`).
        member: u16,
    },
}

/// `sorry_server IP [PORT]` with `sorry_server_inhibit` and `sorry_server_lvs_method`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SorryServer {
    /// Address.
    pub ip: IpAddr,
    /// Port (0 = none).
    pub port: u16,
    /// Forwarding; `None` until validation gives it the virtual server's.
    pub forwarding: Option<Forwarding>,
    /// `sorry_server_inhibit`.
    pub inhibit: bool,
    /// Where it was configured.
    pub origin: Origin,
}

/// `real_server IP [PORT] { ... }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RealServer {
    /// Address.
    pub ip: IpAddr,
    /// Port (0 = none; validation gives it the virtual server's where keepalived does).
    pub port: u16,
    /// `weight` (0..2147483647); the virtual server's `weight` when unset.
    pub weight: Option<u32>,
    /// `lvs_method`; the virtual server's when unset.
    pub forwarding: Option<Forwarding>,
    /// `uthreshold` (0 = none).
    pub u_threshold: u32,
    /// `lthreshold` (0 = none).
    pub l_threshold: u32,
    /// `inhibit_on_failure [BOOL]`; the virtual server's when unset.
    pub inhibit: Option<bool>,
    /// `notify_up` (boxed: most real servers have none, and there can be tens of thousands).
    pub notify_up: Option<Box<Script>>,
    /// `notify_down`.
    pub notify_down: Option<Box<Script>>,
    /// `alpha [BOOL]`; the virtual server's when unset.
    pub alpha: Option<bool>,
    /// `connect_timeout`, microseconds; the virtual server's when unset.
    pub connect_timeout: Option<u64>,
    /// `delay_loop`, microseconds; the virtual server's when unset.
    pub delay_loop: Option<u64>,
    /// `warmup`, microseconds.
    pub warmup: Option<u64>,
    /// `retry`.
    pub retry: Option<u32>,
    /// `delay_before_retry`, microseconds.
    pub delay_before_retry: Option<u64>,
    /// `smtp_alert [BOOL]`; defaults to on (unlike every other `smtp_alert`).
    pub smtp_alert: Option<bool>,
    /// `virtualhost`: default virtual host of its HTTP/SSL checkers.
    pub virtualhost: Option<String>,
    /// `snmp_name`.
    pub snmp_name: Option<String>,
    /// Health checkers, in order.
    pub checkers: Vec<Checker>,
    /// `FILE_CHECK` blocks (keepalived keeps them as tracked files of the real server).
    pub file_checks: Vec<FileCheck>,
    /// Where it was configured.
    pub origin: Origin,
}

/// `virtual_server IP PORT | fwmark N | group NAME { ... }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VirtualServer {
    /// Address and port, fwmark or group.
    pub key: VsKey,
    /// Address family (`ip_family`, or from the address, the real servers or the group).
    pub family: Option<Family>,
    /// `protocol`.
    pub protocol: Protocol,
    /// `lb_algo` / `lvs_sched` (empty until validation sets `wlc`).
    pub scheduler: String,
    /// IPVS service flags ([`svc_flags`]): `ops`, `flag-1..3`, `sh-*`, `mh-*`.
    pub flags: u32,
    /// `persistence_timeout` in seconds (0 = not persistent).
    pub persistence_timeout: u32,
    /// `persistence_engine`.
    pub persistence_engine: Option<String>,
    /// `persistence_granularity`: an IPv4 netmask as a number (`0xffffff00` for
    /// 255.255.255.0), or an IPv6 prefix length, depending on the family.
    pub persistence_granularity: Option<u32>,
    /// `lb_kind` / `lvs_method`; validation sets NAT when a server needs it and none is set.
    pub forwarding: Option<Forwarding>,
    /// `sorry_server`.
    pub sorry_server: Option<SorryServer>,
    /// The sorry server is also one of the real servers.
    pub sorry_server_duplicates_rs: bool,
    /// `ha_suspend`.
    pub ha_suspend: bool,
    /// `virtualhost`.
    pub virtualhost: Option<String>,
    /// `snmp_name`.
    pub snmp_name: Option<String>,
    /// `weight`: default weight of the real servers (1..2147483647, default 1).
    pub weight: u32,
    /// `alpha`.
    pub alpha: bool,
    /// `omega`.
    pub omega: bool,
    /// `inhibit_on_failure`.
    pub inhibit: bool,
    /// `connect_timeout`, microseconds (default 5 s).
    pub connect_timeout: u64,
    /// `delay_loop`, microseconds (default 60 s).
    pub delay_loop: u64,
    /// `warmup`, microseconds.
    pub warmup: Option<u64>,
    /// `retry`.
    pub retry: Option<u32>,
    /// `delay_before_retry`, microseconds.
    pub delay_before_retry: Option<u64>,
    /// `quorum_up`.
    pub quorum_up: Option<Script>,
    /// `quorum_down`.
    pub quorum_down: Option<Script>,
    /// `quorum` (default 1).
    pub quorum: u32,
    /// `hysteresis` (default 0).
    pub hysteresis: u32,
    /// When validation reduced the quorum to 0 (the real servers weigh nothing): the quorum and
    /// hysteresis as configured. A quorum of 0 cannot be written, so the resolved form writes
    /// these and re-reading reduces them again with the same messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quorum_given: Option<(u32, u32)>,
    /// `smtp_alert [BOOL]`; from `smtp_alert_checker`/`smtp_alert`, else off, when unset.
    pub smtp_alert: Option<bool>,
    /// Real servers, in order.
    pub real_servers: Vec<RealServer>,
    /// Where it was configured.
    pub origin: Origin,
}

impl VirtualServer {
    /// A virtual server with keepalived's defaults (`alloc_vs()`).
    pub fn new(key: VsKey, origin: Origin) -> Self {
        let family = match &key {
            VsKey::Addr { ip, .. } => Some(Family::of(ip)),
            _ => None,
        };
        VirtualServer {
            key,
            family,
            protocol: Protocol::None,
            scheduler: String::new(),
            flags: 0,
            persistence_timeout: 0,
            persistence_engine: None,
            persistence_granularity: None,
            forwarding: None,
            sorry_server: None,
            sorry_server_duplicates_rs: false,
            ha_suspend: false,
            virtualhost: None,
            snmp_name: None,
            weight: 1,
            alpha: false,
            omega: false,
            inhibit: false,
            connect_timeout: defaults::CONNECT_TIMEOUT,
            delay_loop: defaults::DELAY_LOOP,
            warmup: None,
            retry: None,
            delay_before_retry: None,
            quorum_up: None,
            quorum_down: None,
            quorum: 1,
            hysteresis: 0,
            quorum_given: None,
            smtp_alert: None,
            real_servers: Vec::new(),
            origin,
        }
    }

    /// The port keepalived keeps in `vs->addr` (the member number for a group).
    pub fn port(&self) -> u16 {
        match &self.key {
            VsKey::Addr { port, .. } => *port,
            VsKey::Fwmark(_) => 0,
            VsKey::Group { member, .. } => *member,
        }
    }

    /// The fwmark, if the virtual server is one.
    pub fn fwmark(&self) -> Option<u32> {
        match self.key {
            VsKey::Fwmark(m) => Some(m),
            _ => None,
        }
    }

    /// The group name, if the virtual server is one.
    pub fn group(&self) -> Option<&str> {
        match &self.key {
            VsKey::Group { name, .. } => Some(name),
            _ => None,
        }
    }

    /// keepalived's `FMT_VS()`: `[ip]:proto:port`, `FWM n` or `[group]:n`.
    pub fn fmt(&self) -> String {
        match &self.key {
            VsKey::Addr { ip, port } => trio(ip, self.protocol, *port),
            VsKey::Fwmark(m) => format!("FWM {m}"),
            VsKey::Group { name, member } => format!("[{name}]:{member}"),
        }
    }

    /// keepalived's `FMT_RS()` for one of its servers: `[ip]:proto:port`.
    pub fn fmt_server(&self, ip: &IpAddr, port: u16) -> String {
        trio(ip, self.protocol, port)
    }
}

impl RealServer {
    /// A real server with keepalived's initial values (`alloc_rs()`); it inherits the virtual
    /// server's forwarding as it is when the real server is read.
    pub fn new(ip: IpAddr, port: u16, forwarding: Option<Forwarding>, origin: Origin) -> Self {
        RealServer {
            ip,
            port,
            weight: None,
            forwarding,
            u_threshold: 0,
            l_threshold: 0,
            inhibit: None,
            notify_up: None,
            notify_down: None,
            alpha: None,
            connect_timeout: None,
            delay_loop: None,
            warmup: None,
            retry: None,
            delay_before_retry: None,
            smtp_alert: None,
            virtualhost: None,
            snmp_name: None,
            checkers: Vec::new(),
            file_checks: Vec::new(),
            origin,
        }
    }
}

/// The health-checker configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CheckConfig {
    /// The `SSL` block.
    pub ssl: Option<SslConfig>,
    /// Some `SSL_GET` checker needs an SSL context.
    pub ssl_required: bool,
    /// `virtual_server_group` blocks, in order.
    pub groups: Vec<VirtualServerGroup>,
    /// `virtual_server` blocks, in order.
    pub virtual_servers: Vec<VirtualServer>,
}

impl CheckConfig {
    /// The first group of that name (keepalived's `ipvs_get_group_by_name()`).
    pub fn group(&self, name: &str) -> Option<&VirtualServerGroup> {
        self.groups.iter().find(|g| g.name == name)
    }
}

/// An address as glibc's `inet_ntop()` writes it (IPv6 addresses whose first 96 bits are zero,
/// other than `::` and `::1`, and IPv4-mapped ones end in dotted IPv4).
pub fn fmt_ip(ip: &IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => fmt_ipv6(v6),
    }
}

fn fmt_ipv6(a: &Ipv6Addr) -> String {
    let w = a.segments();
    // The longest run (first on ties) of two or more zero words is written as "::".
    let (mut best, mut best_len) = (usize::MAX, 0);
    let mut i = 0;
    while i < 8 {
        if w[i] == 0 {
            let start = i;
            while i < 8 && w[i] == 0 {
                i += 1;
            }
            if i - start > best_len {
                best = start;
                best_len = i - start;
            }
        } else {
            i += 1;
        }
    }
    if best_len < 2 {
        best = usize::MAX;
    }
    let mut out = String::new();
    for i in 0..8 {
        if best != usize::MAX && i >= best && i < best + best_len {
            if i == best {
                out.push(':');
            }
            continue;
        }
        if i != 0 {
            out.push(':');
        }
        if i == 6 && best == 0 && (best_len == 6 || (best_len == 5 && w[5] == 0xffff)) {
            let o = a.octets();
            out.push_str(&format!("{}.{}.{}.{}", o[12], o[13], o[14], o[15]));
            return out;
        }
        out.push_str(&format!("{:x}", w[i]));
    }
    if best != usize::MAX && best + best_len == 8 {
        out.push(':');
    }
    out
}

/// keepalived's `inet_sockaddrtotrio()`: `[ip]:proto:port`.
pub fn trio(ip: &IpAddr, proto: Protocol, port: u16) -> String {
    format!("[{}]:{}:{}", fmt_ip(ip), proto.trio_name(), port)
}

/// keepalived's `inet_sockaddrtopair()`: `[ip]:port`.
pub fn pair(ip: &IpAddr, port: u16) -> String {
    format!("[{}]:{}", fmt_ip(ip), port)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_formatting_follows_glibc() {
        let f = |s: &str| fmt_ip(&s.parse().unwrap());
        assert_eq!(f("ae00::2"), "ae00::2");
        assert_eq!(f("::1"), "::1");
        assert_eq!(f("::"), "::");
        assert_eq!(f("::ffff:1.2.3.4"), "::ffff:1.2.3.4");
        assert_eq!(f("::2:3"), "::0.2.0.3");
        assert_eq!(f("1:0:0:1:0:0:0:1"), "1:0:0:1::1");
        assert_eq!(f("1:0:1:0:1:0:1:0"), "1:0:1:0:1:0:1:0");
        assert_eq!(f("fe80::1:0:0"), "fe80::1:0:0");
    }

    #[test]
    fn formats_servers_as_keepalived() {
        let vs = VirtualServer::new(
            VsKey::Addr {
                ip: "10.0.0.1".parse().unwrap(),
                port: 80,
            },
            Origin::default(),
        );
        assert_eq!(vs.fmt(), "[10.0.0.1]:none:80");
        let fw = VirtualServer::new(VsKey::Fwmark(7), Origin::default());
        assert_eq!(fw.fmt(), "FWM 7");
        let g = VirtualServer::new(
            VsKey::Group {
                name: "G".into(),
                member: 2,
            },
            Origin::default(),
        );
        assert_eq!(g.fmt(), "[G]:2");
    }
}
