//! The contract types of [`crate::ipvs::model`] as IPVS messages and back.
//!
//! Requests carry the attributes in libipvs's order (`ipvs_nl_fill_service_attr`,
//! `ipvs_nl_fill_dest_attr`, `ipvs_start_daemon`, `ipvs_set_timeout`), so the bytes equal what
//! keepalived 2.2.7 sends. Where the model holds only a key (deleting a service or a
//! destination, zeroing one service) only the key attributes are sent: the kernel reads
//! nothing else for those commands (`ip_vs_genl_parse_service`/`_dest` with `full_entry`
//! false), whereas libipvs repeats the whole entry it happens to have.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use netlink_packet_core::DecodeError;

use super::IpvsMessage;
use super::command::{CmdAttr, IpvsCmd};
use super::daemon::{self, DaemonAttr};
use super::dest::{self, DestAttr};
use super::info::{InfoAttr, IpvsInfo};
use super::service::SvcAttr;
use super::stats;
use crate::ipvs::model::{
    Af, Command, Dest, DestKey, Forward, Proto, Service, ServiceKey, Stats, SyncDaemon, Timeouts, Tunnel,
};

/// `AF_INET`.
pub const AF_INET: u16 = 2;
/// `AF_INET6`.
pub const AF_INET6: u16 = 10;
/// `IPPROTO_TCP`.
pub const IPPROTO_TCP: u16 = 6;
/// `IPPROTO_UDP`.
pub const IPPROTO_UDP: u16 = 17;
/// `IPPROTO_SCTP`.
pub const IPPROTO_SCTP: u16 = 132;
/// `IP_VS_SVC_F_HASHED`: set by the kernel on every service in its table, never by us.
pub const SVC_F_HASHED: u32 = 0x2;

/// A service as the kernel reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceInfo {
    /// The service (flags without the kernel's `IP_VS_SVC_F_HASHED`).
    pub service: Service,
    /// Its counters (64-bit ones when the kernel sends them).
    pub stats: Stats,
}

/// A destination as the kernel reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DestInfo {
    /// The destination.
    pub dest: Dest,
    /// Active connections.
    pub active_conns: u32,
    /// Inactive connections.
    pub inact_conns: u32,
    /// Persistent connections (templates).
    pub persist_conns: u32,
    /// Its counters.
    pub stats: Stats,
}

fn af_code(af: Af) -> u16 {
    match af {
        Af::Inet => AF_INET,
        Af::Inet6 => AF_INET6,
    }
}

fn af_of(addr: &IpAddr) -> Af {
    match addr {
        IpAddr::V4(_) => Af::Inet,
        IpAddr::V6(_) => Af::Inet6,
    }
}

fn af_from(code: u16) -> Result<Af, DecodeError> {
    match code {
        AF_INET => Ok(Af::Inet),
        AF_INET6 => Ok(Af::Inet6),
        other => Err(format!("unknown address family {other}").into()),
    }
}

fn proto_code(p: Proto) -> u16 {
    match p {
        Proto::Tcp => IPPROTO_TCP,
        Proto::Udp => IPPROTO_UDP,
        Proto::Sctp => IPPROTO_SCTP,
    }
}

fn proto_from(code: u16) -> Result<Proto, DecodeError> {
    match code {
        IPPROTO_TCP => Ok(Proto::Tcp),
        IPPROTO_UDP => Ok(Proto::Udp),
        IPPROTO_SCTP => Ok(Proto::Sctp),
        other => Err(format!("unknown protocol {other}").into()),
    }
}

/// `union nf_inet_addr`: IPv4 in the first 4 bytes, the rest zero.
fn addr16(addr: &IpAddr) -> [u8; 16] {
    match addr {
        IpAddr::V4(a) => {
            let mut out = [0u8; 16];
            out[..4].copy_from_slice(&a.octets());
            out
        }
        IpAddr::V6(a) => a.octets(),
    }
}

fn addr_from(af: Af, bytes: &[u8; 16]) -> IpAddr {
    match af {
        Af::Inet => IpAddr::V4(Ipv4Addr::new(bytes[0], bytes[1], bytes[2], bytes[3])),
        Af::Inet6 => IpAddr::V6(Ipv6Addr::from(*bytes)),
    }
}

fn key_af(key: &ServiceKey) -> Af {
    match key {
        ServiceKey::Addr { addr, .. } => af_of(addr),
        ServiceKey::Fwmark { af, .. } => *af,
    }
}

/// The attributes naming a service: `AF`, then `FWMARK` or `PROTOCOL`, `ADDR`, `PORT`.
pub fn key_attrs(key: &ServiceKey) -> Vec<SvcAttr> {
    let mut out = vec![SvcAttr::Af(af_code(key_af(key)))];
    match key {
        ServiceKey::Fwmark { mark, .. } => out.push(SvcAttr::Fwmark(*mark)),
        ServiceKey::Addr { proto, addr, port } => {
            out.push(SvcAttr::Protocol(proto_code(*proto)));
            out.push(SvcAttr::Addr(addr16(addr)));
            out.push(SvcAttr::Port(*port));
        }
    }
    out
}

/// The netmask's wire bytes: a be32 mask for IPv4, a host-order prefix length for IPv6.
fn netmask_bytes(af: Af, netmask: u32) -> [u8; 4] {
    match af {
        Af::Inet => netmask.to_be_bytes(),
        Af::Inet6 => netmask.to_ne_bytes(),
    }
}

fn netmask_from(af: Af, bytes: [u8; 4]) -> u32 {
    match af {
        Af::Inet => u32::from_be_bytes(bytes),
        Af::Inet6 => u32::from_ne_bytes(bytes),
    }
}

/// A whole service, as `ipvs_nl_fill_service_attr` lays it out.
pub fn service_attrs(svc: &Service) -> Vec<SvcAttr> {
    let mut out = key_attrs(&svc.key);
    out.push(SvcAttr::SchedName(svc.scheduler.clone()));
    if let Some(pe) = &svc.pe_name {
        out.push(SvcAttr::PeName(pe.clone()));
    }
    out.push(SvcAttr::Flags {
        flags: svc.flags,
        mask: u32::MAX,
    });
    out.push(SvcAttr::Timeout(svc.timeout));
    out.push(SvcAttr::Netmask(netmask_bytes(key_af(&svc.key), svc.netmask)));
    out
}

/// The attributes naming a destination: `ADDR_FAMILY`, `ADDR`, `PORT`.
pub fn dest_key_attrs(key: &DestKey) -> Vec<DestAttr> {
    vec![
        DestAttr::AddrFamily(af_code(af_of(&key.addr))),
        DestAttr::Addr(addr16(&key.addr)),
        DestAttr::Port(key.port),
    ]
}

/// A whole destination, as `ipvs_nl_fill_dest_attr` lays it out.
pub fn dest_attrs(d: &Dest) -> Vec<DestAttr> {
    let mut out = dest_key_attrs(&d.key);
    let fwd = match d.forward {
        Forward::Masq => dest::FWD_MASQ,
        Forward::Route => dest::FWD_DROUTE,
        Forward::Tunnel { .. } => dest::FWD_TUNNEL,
    };
    out.push(DestAttr::FwdMethod(fwd));
    out.push(DestAttr::Weight(d.weight));
    if let Forward::Tunnel { tun } = d.forward {
        match tun {
            Tunnel::Ipip => out.push(DestAttr::TunType(dest::TUN_IPIP)),
            Tunnel::Gue { port, flags } => {
                out.push(DestAttr::TunType(dest::TUN_GUE));
                out.push(DestAttr::TunPort(port));
                out.push(DestAttr::TunFlags(flags));
            }
            Tunnel::Gre { flags } => {
                out.push(DestAttr::TunType(dest::TUN_GRE));
                out.push(DestAttr::TunFlags(flags));
            }
        }
    }
    out.push(DestAttr::UThresh(d.u_threshold));
    out.push(DestAttr::LThresh(d.l_threshold));
    out
}

/// A sync daemon, as `ipvs_start_daemon` lays it out (optional attributes only when set).
pub fn daemon_attrs(d: &SyncDaemon) -> Vec<DaemonAttr> {
    let mut out = vec![
        DaemonAttr::State(state_code(d.master)),
        DaemonAttr::McastIfn(d.ifname.clone()),
        DaemonAttr::SyncId(d.syncid),
    ];
    if d.maxlen != 0 {
        out.push(DaemonAttr::SyncMaxlen(d.maxlen));
    }
    if d.port != 0 {
        out.push(DaemonAttr::McastPort(d.port));
    }
    if d.ttl != 0 {
        out.push(DaemonAttr::McastTtl(d.ttl));
    }
    match d.group {
        Some(IpAddr::V6(g)) => out.push(DaemonAttr::McastGroup6(g.octets())),
        Some(IpAddr::V4(g)) => out.push(DaemonAttr::McastGroup(g.octets())),
        None => {}
    }
    out
}

fn state_code(master: bool) -> u32 {
    if master {
        daemon::STATE_MASTER
    } else {
        daemon::STATE_BACKUP
    }
}

impl From<&Command> for IpvsMessage {
    fn from(c: &Command) -> Self {
        let svc = |attrs| CmdAttr::Service(attrs);
        let (cmd, attrs) = match c {
            Command::NewService(s) => (IpvsCmd::NewService, vec![svc(service_attrs(s))]),
            Command::SetService(s) => (IpvsCmd::SetService, vec![svc(service_attrs(s))]),
            Command::DelService(k) => (IpvsCmd::DelService, vec![svc(key_attrs(k))]),
            Command::NewDest(k, d) => (IpvsCmd::NewDest, vec![svc(key_attrs(k)), CmdAttr::Dest(dest_attrs(d))]),
            Command::SetDest(k, d) => (IpvsCmd::SetDest, vec![svc(key_attrs(k)), CmdAttr::Dest(dest_attrs(d))]),
            Command::DelDest(k, d) => (
                IpvsCmd::DelDest,
                vec![svc(key_attrs(k)), CmdAttr::Dest(dest_key_attrs(d))],
            ),
            Command::Flush => (IpvsCmd::Flush, vec![]),
            Command::NewDaemon(d) => (IpvsCmd::NewDaemon, vec![CmdAttr::Daemon(daemon_attrs(d))]),
            // The kernel reads only the state (`ip_vs_genl_del_daemon`).
            Command::DelDaemon { master } => (
                IpvsCmd::DelDaemon,
                vec![CmdAttr::Daemon(vec![DaemonAttr::State(state_code(*master))])],
            ),
            Command::SetTimeouts(t) => (
                IpvsCmd::SetConfig,
                vec![
                    CmdAttr::TimeoutTcp(t.tcp),
                    CmdAttr::TimeoutTcpFin(t.tcp_fin),
                    CmdAttr::TimeoutUdp(t.udp),
                ],
            ),
            Command::Zero(None) => (IpvsCmd::Zero, vec![]),
            Command::Zero(Some(k)) => (IpvsCmd::Zero, vec![svc(key_attrs(k))]),
        };
        Self { cmd, attrs }
    }
}

impl IpvsMessage {
    /// `IPVS_CMD_GET_SERVICE` as a dump of every service.
    pub fn get_services() -> Self {
        Self::bare(IpvsCmd::GetService)
    }

    /// `IPVS_CMD_GET_DEST`: a dump of one service's destinations.
    pub fn get_dests(key: &ServiceKey) -> Self {
        Self {
            cmd: IpvsCmd::GetDest,
            attrs: vec![CmdAttr::Service(key_attrs(key))],
        }
    }

    /// `IPVS_CMD_GET_DAEMON` (dump).
    pub fn get_daemons() -> Self {
        Self::bare(IpvsCmd::GetDaemon)
    }

    /// `IPVS_CMD_GET_CONFIG`: the timeouts.
    pub fn get_config() -> Self {
        Self::bare(IpvsCmd::GetConfig)
    }

    /// `IPVS_CMD_GET_INFO`: version and connection table size.
    pub fn get_info() -> Self {
        Self::bare(IpvsCmd::GetInfo)
    }

    /// The service nest, if any.
    pub fn service(&self) -> Option<&[SvcAttr]> {
        self.attrs.iter().find_map(|a| match a {
            CmdAttr::Service(s) => Some(s.as_slice()),
            _ => None,
        })
    }

    /// The destination nest, if any.
    pub fn dest(&self) -> Option<&[DestAttr]> {
        self.attrs.iter().find_map(|a| match a {
            CmdAttr::Dest(d) => Some(d.as_slice()),
            _ => None,
        })
    }

    /// The daemon nest, if any.
    pub fn daemon(&self) -> Option<&[DaemonAttr]> {
        self.attrs.iter().find_map(|a| match a {
            CmdAttr::Daemon(d) => Some(d.as_slice()),
            _ => None,
        })
    }

    /// The timeouts of a `SET_CONFIG` (absent ones are 0).
    pub fn timeouts(&self) -> Timeouts {
        let mut t = Timeouts::default();
        for a in &self.attrs {
            match a {
                CmdAttr::TimeoutTcp(v) => t.tcp = *v,
                CmdAttr::TimeoutTcpFin(v) => t.tcp_fin = *v,
                CmdAttr::TimeoutUdp(v) => t.udp = *v,
                _ => {}
            }
        }
        t
    }

    /// The info of a `SET_INFO` reply; both attributes are required (as libipvs requires).
    pub fn info(&self) -> Result<IpvsInfo, DecodeError> {
        let (mut version, mut size) = (None, None);
        for a in &self.attrs {
            match a {
                CmdAttr::Info(InfoAttr::Version(v)) => version = Some(*v),
                CmdAttr::Info(InfoAttr::ConnTabSize(v)) => size = Some(*v),
                _ => {}
            }
        }
        match (version, size) {
            (Some(version), Some(conn_tab_size)) => Ok(IpvsInfo { version, conn_tab_size }),
            _ => Err("GET_INFO reply without version or table size".into()),
        }
    }
}

/// The key of a service nest: `AF` and `FWMARK`, or `AF`, `PROTOCOL`, `ADDR` and `PORT`
/// (the same rule as `ip_vs_genl_parse_service`).
pub fn parse_key(attrs: &[SvcAttr]) -> Result<ServiceKey, DecodeError> {
    let (mut af, mut proto, mut addr, mut port, mut mark) = (None, None, None, None, None);
    for a in attrs {
        match a {
            SvcAttr::Af(v) => af = Some(*v),
            SvcAttr::Protocol(v) => proto = Some(*v),
            SvcAttr::Addr(v) => addr = Some(*v),
            SvcAttr::Port(v) => port = Some(*v),
            SvcAttr::Fwmark(v) => mark = Some(*v),
            _ => {}
        }
    }
    let af = af_from(af.ok_or("service without address family")?)?;
    match (mark, proto, addr, port) {
        (Some(mark), ..) if mark != 0 => Ok(ServiceKey::Fwmark { af, mark }),
        (_, Some(proto), Some(addr), Some(port)) => Ok(ServiceKey::Addr {
            proto: proto_from(proto)?,
            addr: addr_from(af, &addr),
            port,
        }),
        _ => Err("service without fwmark nor protocol, address and port".into()),
    }
}

/// A whole service from its nest; the scheduler is required, the rest defaults to 0/none.
/// Flags are taken as sent.
pub fn parse_service(attrs: &[SvcAttr]) -> Result<Service, DecodeError> {
    let key = parse_key(attrs)?;
    let af = key_af(&key);
    let mut svc = Service {
        key,
        scheduler: String::new(),
        flags: 0,
        timeout: 0,
        netmask: 0,
        pe_name: None,
    };
    let mut sched = false;
    for a in attrs {
        match a {
            SvcAttr::SchedName(s) => {
                svc.scheduler = s.clone();
                sched = true;
            }
            SvcAttr::Flags { flags, mask } => svc.flags = flags & mask,
            SvcAttr::Timeout(v) => svc.timeout = *v,
            SvcAttr::Netmask(b) => svc.netmask = netmask_from(af, *b),
            SvcAttr::PeName(s) => svc.pe_name = Some(s.clone()),
            _ => {}
        }
    }
    if !sched {
        return Err("service without scheduler".into());
    }
    Ok(svc)
}

/// A service dump entry: the service without `IP_VS_SVC_F_HASHED`, and its counters.
pub fn parse_service_reply(attrs: &[SvcAttr]) -> Result<ServiceInfo, DecodeError> {
    let mut service = parse_service(attrs)?;
    service.flags &= !SVC_F_HASHED;
    Ok(ServiceInfo {
        service,
        stats: pick_stats(attrs.iter().filter_map(|a| match a {
            SvcAttr::Stats(s) => Some((false, s.as_slice())),
            SvcAttr::Stats64(s) => Some((true, s.as_slice())),
            _ => None,
        })),
    })
}

/// The 64-bit counters when present, else the 32-bit ones.
fn pick_stats<'a>(nests: impl Iterator<Item = (bool, &'a [stats::StatsAttr])>) -> Stats {
    let mut best: Option<(bool, &[stats::StatsAttr])> = None;
    for (wide, s) in nests {
        if best.is_none_or(|(w, _)| wide && !w) {
            best = Some((wide, s));
        }
    }
    best.map(|(_, s)| stats::to_stats(s)).unwrap_or_default()
}

/// The key of a destination nest; its family is `ADDR_FAMILY`, else the service's.
pub fn parse_dest_key(attrs: &[DestAttr], svc_af: Af) -> Result<DestKey, DecodeError> {
    let (mut af, mut addr, mut port) = (None, None, None);
    for a in attrs {
        match a {
            DestAttr::AddrFamily(v) => af = Some(af_from(*v)?),
            DestAttr::Addr(v) => addr = Some(*v),
            DestAttr::Port(v) => port = Some(*v),
            _ => {}
        }
    }
    match (addr, port) {
        (Some(addr), Some(port)) => Ok(DestKey {
            addr: addr_from(af.unwrap_or(svc_af), &addr),
            port,
        }),
        _ => Err("destination without address or port".into()),
    }
}

/// A whole destination from its nest (forwarding method required).
pub fn parse_dest(attrs: &[DestAttr], svc_af: Af) -> Result<Dest, DecodeError> {
    let key = parse_dest_key(attrs, svc_af)?;
    let (mut fwd, mut tun_type, mut tun_port, mut tun_flags) = (None, 0, 0, 0);
    let mut d = Dest {
        key,
        forward: Forward::Masq,
        weight: 0,
        u_threshold: 0,
        l_threshold: 0,
    };
    for a in attrs {
        match a {
            DestAttr::FwdMethod(v) => fwd = Some(*v),
            DestAttr::Weight(v) => d.weight = *v,
            DestAttr::UThresh(v) => d.u_threshold = *v,
            DestAttr::LThresh(v) => d.l_threshold = *v,
            DestAttr::TunType(v) => tun_type = *v,
            DestAttr::TunPort(v) => tun_port = *v,
            DestAttr::TunFlags(v) => tun_flags = *v,
            _ => {}
        }
    }
    d.forward = match fwd.ok_or("destination without forwarding method")? & 0x7 {
        dest::FWD_MASQ => Forward::Masq,
        dest::FWD_DROUTE => Forward::Route,
        dest::FWD_TUNNEL => Forward::Tunnel {
            tun: match tun_type {
                dest::TUN_IPIP => Tunnel::Ipip,
                dest::TUN_GUE => Tunnel::Gue {
                    port: tun_port,
                    flags: tun_flags,
                },
                dest::TUN_GRE => Tunnel::Gre { flags: tun_flags },
                other => return Err(format!("unknown tunnel type {other}").into()),
            },
        },
        other => return Err(format!("forwarding method {other} is not in the model").into()),
    };
    Ok(d)
}

/// A destination dump entry.
pub fn parse_dest_reply(attrs: &[DestAttr], svc_af: Af) -> Result<DestInfo, DecodeError> {
    let mut info = DestInfo {
        dest: parse_dest(attrs, svc_af)?,
        active_conns: 0,
        inact_conns: 0,
        persist_conns: 0,
        stats: Stats::default(),
    };
    for a in attrs {
        match a {
            DestAttr::ActiveConns(v) => info.active_conns = *v,
            DestAttr::InactConns(v) => info.inact_conns = *v,
            DestAttr::PersistConns(v) => info.persist_conns = *v,
            _ => {}
        }
    }
    info.stats = pick_stats(attrs.iter().filter_map(|a| match a {
        DestAttr::Stats(s) => Some((false, s.as_slice())),
        DestAttr::Stats64(s) => Some((true, s.as_slice())),
        _ => None,
    }));
    Ok(info)
}

/// A sync daemon from its nest (state, interface and sync id required, as the kernel
/// requires them for `NEW_DAEMON`).
pub fn parse_daemon(attrs: &[DaemonAttr]) -> Result<SyncDaemon, DecodeError> {
    let (mut state, mut ifname, mut syncid) = (None, None, None);
    let mut d = SyncDaemon {
        master: false,
        ifname: String::new(),
        syncid: 0,
        maxlen: 0,
        port: 0,
        ttl: 0,
        group: None,
    };
    for a in attrs {
        match a {
            DaemonAttr::State(v) => state = Some(*v),
            DaemonAttr::McastIfn(v) => ifname = Some(v.clone()),
            DaemonAttr::SyncId(v) => syncid = Some(*v),
            DaemonAttr::SyncMaxlen(v) => d.maxlen = *v,
            DaemonAttr::McastPort(v) => d.port = *v,
            DaemonAttr::McastTtl(v) => d.ttl = *v,
            DaemonAttr::McastGroup(g) => d.group = Some(IpAddr::V4(Ipv4Addr::from(*g))),
            DaemonAttr::McastGroup6(g) => d.group = Some(IpAddr::V6(Ipv6Addr::from(*g))),
            DaemonAttr::Other(_) => {}
        }
    }
    d.master = parse_state(state.ok_or("daemon without state")?)?;
    d.ifname = ifname.ok_or("daemon without interface")?;
    d.syncid = syncid.ok_or("daemon without sync id")?;
    Ok(d)
}

fn parse_state(v: u32) -> Result<bool, DecodeError> {
    match v {
        daemon::STATE_MASTER => Ok(true),
        daemon::STATE_BACKUP => Ok(false),
        other => Err(format!("unknown daemon state {other}").into()),
    }
}

impl TryFrom<&IpvsMessage> for Command {
    type Error = DecodeError;

    /// The model's command a request message carries (the inverse of `From<&Command>`).
    fn try_from(m: &IpvsMessage) -> Result<Self, DecodeError> {
        let svc = || m.service().ok_or(DecodeError::from("no service attribute"));
        let dst = || m.dest().ok_or(DecodeError::from("no destination attribute"));
        Ok(match m.cmd {
            IpvsCmd::NewService => Command::NewService(parse_service(svc()?)?),
            IpvsCmd::SetService => Command::SetService(parse_service(svc()?)?),
            IpvsCmd::DelService => Command::DelService(parse_key(svc()?)?),
            IpvsCmd::NewDest | IpvsCmd::SetDest | IpvsCmd::DelDest => {
                let key = parse_key(svc()?)?;
                let af = key_af(&key);
                match m.cmd {
                    IpvsCmd::NewDest => Command::NewDest(key, parse_dest(dst()?, af)?),
                    IpvsCmd::SetDest => Command::SetDest(key, parse_dest(dst()?, af)?),
                    _ => Command::DelDest(key, parse_dest_key(dst()?, af)?),
                }
            }
            IpvsCmd::Flush => Command::Flush,
            IpvsCmd::NewDaemon => Command::NewDaemon(parse_daemon(
                m.daemon().ok_or(DecodeError::from("no daemon attribute"))?,
            )?),
            IpvsCmd::DelDaemon => {
                let state = m
                    .daemon()
                    .and_then(|d| {
                        d.iter().find_map(|a| match a {
                            DaemonAttr::State(v) => Some(*v),
                            _ => None,
                        })
                    })
                    .ok_or(DecodeError::from("no daemon state"))?;
                Command::DelDaemon {
                    master: parse_state(state)?,
                }
            }
            IpvsCmd::SetConfig => Command::SetTimeouts(m.timeouts()),
            IpvsCmd::Zero => Command::Zero(m.service().map(parse_key).transpose()?),
            other => return Err(format!("{other:?} is not a change command").into()),
        })
    }
}

/// Every interpretation of a message the client may ask for (fuzzing: none may panic).
pub fn inspect(m: &IpvsMessage) -> Result<(), DecodeError> {
    let _ = Command::try_from(m);
    let _ = m.info();
    let _ = m.timeouts();
    if let Some(s) = m.service() {
        let info = parse_service_reply(s)?;
        if let Some(d) = m.dest() {
            parse_dest_reply(d, key_af(&info.service.key))?;
        }
    }
    if let Some(d) = m.daemon() {
        parse_daemon(d)?;
    }
    Ok(())
}
