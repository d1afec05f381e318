//! `IPVS_CMD_*` and the top-level `IPVS_CMD_ATTR_*` attributes.

use netlink_packet_core::{
    DecodeError, DefaultNla, Emitable, NLA_F_NESTED, Nla, NlaBuffer, Parseable, emit_u32, parse_u32,
};

use super::daemon::{self, DaemonAttr};
use super::dest::{self, DestAttr};
use super::info::InfoAttr;
use super::nla::parse_all;
use super::service::{self, SvcAttr};

/// A generic-netlink command of the family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IpvsCmd {
    /// `IPVS_CMD_NEW_SERVICE` (1); also the reply to `GET_SERVICE`.
    NewService,
    /// `IPVS_CMD_SET_SERVICE` (2).
    SetService,
    /// `IPVS_CMD_DEL_SERVICE` (3).
    DelService,
    /// `IPVS_CMD_GET_SERVICE` (4).
    GetService,
    /// `IPVS_CMD_NEW_DEST` (5); also the reply to `GET_DEST`.
    NewDest,
    /// `IPVS_CMD_SET_DEST` (6).
    SetDest,
    /// `IPVS_CMD_DEL_DEST` (7).
    DelDest,
    /// `IPVS_CMD_GET_DEST` (8, dump only).
    GetDest,
    /// `IPVS_CMD_NEW_DAEMON` (9); also the reply to `GET_DAEMON`.
    NewDaemon,
    /// `IPVS_CMD_DEL_DAEMON` (10).
    DelDaemon,
    /// `IPVS_CMD_GET_DAEMON` (11, dump only).
    GetDaemon,
    /// `IPVS_CMD_SET_CONFIG` (12); also the reply to `GET_CONFIG`.
    SetConfig,
    /// `IPVS_CMD_GET_CONFIG` (13).
    GetConfig,
    /// `IPVS_CMD_SET_INFO` (14, only the reply to `GET_INFO`).
    SetInfo,
    /// `IPVS_CMD_GET_INFO` (15).
    GetInfo,
    /// `IPVS_CMD_ZERO` (16).
    Zero,
    /// `IPVS_CMD_FLUSH` (17).
    Flush,
    /// Any other value (`IPVS_CMD_UNSPEC` or a newer kernel's).
    Other(u8),
}

const CMDS: [IpvsCmd; 17] = [
    IpvsCmd::NewService,
    IpvsCmd::SetService,
    IpvsCmd::DelService,
    IpvsCmd::GetService,
    IpvsCmd::NewDest,
    IpvsCmd::SetDest,
    IpvsCmd::DelDest,
    IpvsCmd::GetDest,
    IpvsCmd::NewDaemon,
    IpvsCmd::DelDaemon,
    IpvsCmd::GetDaemon,
    IpvsCmd::SetConfig,
    IpvsCmd::GetConfig,
    IpvsCmd::SetInfo,
    IpvsCmd::GetInfo,
    IpvsCmd::Zero,
    IpvsCmd::Flush,
];

impl From<u8> for IpvsCmd {
    fn from(v: u8) -> Self {
        match v {
            1..=17 => CMDS[usize::from(v) - 1],
            _ => Self::Other(v),
        }
    }
}

impl From<IpvsCmd> for u8 {
    fn from(c: IpvsCmd) -> u8 {
        match c {
            IpvsCmd::Other(v) => v,
            known => CMDS.iter().position(|&k| k == known).map_or(0, |i| i as u8 + 1),
        }
    }
}

/// `IPVS_CMD_ATTR_SERVICE`.
pub const CMD_ATTR_SERVICE: u16 = 1;
/// `IPVS_CMD_ATTR_DEST`.
pub const CMD_ATTR_DEST: u16 = 2;
/// `IPVS_CMD_ATTR_DAEMON`.
pub const CMD_ATTR_DAEMON: u16 = 3;
/// `IPVS_CMD_ATTR_TIMEOUT_TCP` (u32 seconds).
pub const CMD_ATTR_TIMEOUT_TCP: u16 = 4;
/// `IPVS_CMD_ATTR_TIMEOUT_TCP_FIN` (u32 seconds).
pub const CMD_ATTR_TIMEOUT_TCP_FIN: u16 = 5;
/// `IPVS_CMD_ATTR_TIMEOUT_UDP` (u32 seconds).
pub const CMD_ATTR_TIMEOUT_UDP: u16 = 6;

/// One top-level attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CmdAttr {
    /// The service nest.
    Service(Vec<SvcAttr>),
    /// The destination nest.
    Dest(Vec<DestAttr>),
    /// The sync daemon nest.
    Daemon(Vec<DaemonAttr>),
    /// TCP established timeout.
    TimeoutTcp(u32),
    /// TCP FIN-wait timeout.
    TimeoutTcpFin(u32),
    /// UDP timeout.
    TimeoutUdp(u32),
    /// An `IPVS_INFO_ATTR_*`: only in `IPVS_CMD_SET_INFO`, whose top level uses that set.
    Info(InfoAttr),
    /// Anything else, kept as is.
    Other(DefaultNla),
}

impl Nla for CmdAttr {
    fn value_len(&self) -> usize {
        match self {
            Self::Service(a) => a.as_slice().buffer_len(),
            Self::Dest(a) => a.as_slice().buffer_len(),
            Self::Daemon(a) => a.as_slice().buffer_len(),
            Self::TimeoutTcp(_) | Self::TimeoutTcpFin(_) | Self::TimeoutUdp(_) => 4,
            Self::Info(a) => a.value_len(),
            Self::Other(nla) => nla.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self {
            Self::Service(_) => CMD_ATTR_SERVICE | NLA_F_NESTED,
            Self::Dest(_) => CMD_ATTR_DEST | NLA_F_NESTED,
            Self::Daemon(_) => CMD_ATTR_DAEMON | NLA_F_NESTED,
            Self::TimeoutTcp(_) => CMD_ATTR_TIMEOUT_TCP,
            Self::TimeoutTcpFin(_) => CMD_ATTR_TIMEOUT_TCP_FIN,
            Self::TimeoutUdp(_) => CMD_ATTR_TIMEOUT_UDP,
            Self::Info(a) => a.kind(),
            Self::Other(nla) => nla.kind(),
        }
    }

    fn emit_value(&self, buf: &mut [u8]) {
        match self {
            Self::Service(a) => a.as_slice().emit(buf),
            Self::Dest(a) => a.as_slice().emit(buf),
            Self::Daemon(a) => a.as_slice().emit(buf),
            Self::TimeoutTcp(v) | Self::TimeoutTcpFin(v) | Self::TimeoutUdp(v) => emit_u32(buf, *v).expect("4 bytes"),
            Self::Info(a) => a.emit_value(buf),
            Self::Other(nla) => nla.emit_value(buf),
        }
    }
}

/// Parses one top-level attribute of a command other than `SET_INFO`.
fn parse_cmd_attr(nla: &NlaBuffer<&[u8]>) -> Result<CmdAttr, DecodeError> {
    let v = nla.value();
    Ok(match nla.kind() {
        CMD_ATTR_SERVICE => CmdAttr::Service(service::parse_nest(v)?),
        CMD_ATTR_DEST => CmdAttr::Dest(dest::parse_nest(v)?),
        CMD_ATTR_DAEMON => CmdAttr::Daemon(daemon::parse_nest(v)?),
        CMD_ATTR_TIMEOUT_TCP => CmdAttr::TimeoutTcp(parse_u32(v)?),
        CMD_ATTR_TIMEOUT_TCP_FIN => CmdAttr::TimeoutTcpFin(parse_u32(v)?),
        CMD_ATTR_TIMEOUT_UDP => CmdAttr::TimeoutUdp(parse_u32(v)?),
        _ => CmdAttr::Other(DefaultNla::parse(nla)?),
    })
}

/// Parses the attributes after the genl header; which set the top level uses depends on
/// the command.
pub(crate) fn parse_attrs(buf: &[u8], cmd: IpvsCmd) -> Result<Vec<CmdAttr>, DecodeError> {
    if cmd == IpvsCmd::SetInfo {
        parse_all(buf, |nla| InfoAttr::parse(nla).map(CmdAttr::Info))
    } else {
        parse_all(buf, parse_cmd_attr)
    }
}
