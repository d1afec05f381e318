//! `IPVS_DEST_ATTR_*`: the attributes nested in `IPVS_CMD_ATTR_DEST`.

use netlink_packet_core::{
    DecodeError, DefaultNla, NLA_F_NESTED, Nla, NlaBuffer, Parseable, emit_u16, emit_u16_be, emit_u32, parse_u8,
    parse_u16, parse_u16_be, parse_u32,
};

use super::nla::{parse_addr16, parse_all};
use super::stats::{self, StatsAttr};

/// `IPVS_DEST_ATTR_ADDR` (16 bytes).
pub const ADDR: u16 = 1;
/// `IPVS_DEST_ATTR_PORT` (be16).
pub const PORT: u16 = 2;
/// `IPVS_DEST_ATTR_FWD_METHOD` (u32, `IP_VS_CONN_F_*` & `IP_VS_CONN_F_FWD_MASK`).
pub const FWD_METHOD: u16 = 3;
/// `IPVS_DEST_ATTR_WEIGHT` (u32 carrying an int).
pub const WEIGHT: u16 = 4;
/// `IPVS_DEST_ATTR_U_THRESH` (u32).
pub const U_THRESH: u16 = 5;
/// `IPVS_DEST_ATTR_L_THRESH` (u32).
pub const L_THRESH: u16 = 6;
/// `IPVS_DEST_ATTR_ACTIVE_CONNS` (u32, read only).
pub const ACTIVE_CONNS: u16 = 7;
/// `IPVS_DEST_ATTR_INACT_CONNS` (u32, read only).
pub const INACT_CONNS: u16 = 8;
/// `IPVS_DEST_ATTR_PERSIST_CONNS` (u32, read only).
pub const PERSIST_CONNS: u16 = 9;
/// `IPVS_DEST_ATTR_STATS` (nested, 32-bit).
pub const STATS: u16 = 10;
/// `IPVS_DEST_ATTR_ADDR_FAMILY` (u16).
pub const ADDR_FAMILY: u16 = 11;
/// `IPVS_DEST_ATTR_STATS64` (nested, 64-bit).
pub const STATS64: u16 = 12;
/// `IPVS_DEST_ATTR_TUN_TYPE` (u8: IPIP 0, GUE 1, GRE 2).
pub const TUN_TYPE: u16 = 13;
/// `IPVS_DEST_ATTR_TUN_PORT` (be16).
pub const TUN_PORT: u16 = 14;
/// `IPVS_DEST_ATTR_TUN_FLAGS` (u16, `IP_VS_TUNNEL_ENCAP_FLAG_*`).
pub const TUN_FLAGS: u16 = 15;

/// `IP_VS_CONN_F_MASQ`.
pub const FWD_MASQ: u32 = 0;
/// `IP_VS_CONN_F_LOCALNODE`.
pub const FWD_LOCALNODE: u32 = 1;
/// `IP_VS_CONN_F_TUNNEL`.
pub const FWD_TUNNEL: u32 = 2;
/// `IP_VS_CONN_F_DROUTE`.
pub const FWD_DROUTE: u32 = 3;
/// `IP_VS_CONN_F_BYPASS`.
pub const FWD_BYPASS: u32 = 4;
/// `IP_VS_CONN_F_TUNNEL_TYPE_IPIP`.
pub const TUN_IPIP: u8 = 0;
/// `IP_VS_CONN_F_TUNNEL_TYPE_GUE`.
pub const TUN_GUE: u8 = 1;
/// `IP_VS_CONN_F_TUNNEL_TYPE_GRE`.
pub const TUN_GRE: u8 = 2;

/// One destination attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DestAttr {
    /// Address, zero-padded to 16 bytes.
    Addr([u8; 16]),
    /// Port (host order here, network order on the wire).
    Port(u16),
    /// Forwarding method.
    FwdMethod(u32),
    /// Weight (an `int` sent as u32).
    Weight(i32),
    /// Upper connection threshold.
    UThresh(u32),
    /// Lower connection threshold.
    LThresh(u32),
    /// Active connections.
    ActiveConns(u32),
    /// Inactive connections.
    InactConns(u32),
    /// Persistent connections.
    PersistConns(u32),
    /// 32-bit counters.
    Stats(Vec<StatsAttr>),
    /// Address family of `Addr` (may differ from the service's with tunnels).
    AddrFamily(u16),
    /// 64-bit counters.
    Stats64(Vec<StatsAttr>),
    /// Tunnel type.
    TunType(u8),
    /// GUE port (host order here, network order on the wire).
    TunPort(u16),
    /// Tunnel checksum flags.
    TunFlags(u16),
    /// Anything else, kept as is.
    Other(DefaultNla),
}

impl Nla for DestAttr {
    fn value_len(&self) -> usize {
        match self {
            Self::Addr(_) => 16,
            Self::Port(_) | Self::AddrFamily(_) | Self::TunPort(_) | Self::TunFlags(_) => 2,
            Self::TunType(_) => 1,
            Self::FwdMethod(_)
            | Self::Weight(_)
            | Self::UThresh(_)
            | Self::LThresh(_)
            | Self::ActiveConns(_)
            | Self::InactConns(_)
            | Self::PersistConns(_) => 4,
            Self::Stats(a) => stats::inner_len(a, false),
            Self::Stats64(a) => stats::inner_len(a, true),
            Self::Other(nla) => nla.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self {
            Self::Addr(_) => ADDR,
            Self::Port(_) => PORT,
            Self::FwdMethod(_) => FWD_METHOD,
            Self::Weight(_) => WEIGHT,
            Self::UThresh(_) => U_THRESH,
            Self::LThresh(_) => L_THRESH,
            Self::ActiveConns(_) => ACTIVE_CONNS,
            Self::InactConns(_) => INACT_CONNS,
            Self::PersistConns(_) => PERSIST_CONNS,
            Self::Stats(_) => STATS | NLA_F_NESTED,
            Self::AddrFamily(_) => ADDR_FAMILY,
            Self::Stats64(_) => STATS64 | NLA_F_NESTED,
            Self::TunType(_) => TUN_TYPE,
            Self::TunPort(_) => TUN_PORT,
            Self::TunFlags(_) => TUN_FLAGS,
            Self::Other(nla) => nla.kind(),
        }
    }

    fn emit_value(&self, buf: &mut [u8]) {
        match self {
            Self::Addr(a) => buf.copy_from_slice(a),
            Self::Port(v) | Self::TunPort(v) => emit_u16_be(buf, *v).expect("2 bytes"),
            Self::AddrFamily(v) | Self::TunFlags(v) => emit_u16(buf, *v).expect("2 bytes"),
            Self::TunType(v) => buf[0] = *v,
            Self::Weight(v) => emit_u32(buf, *v as u32).expect("4 bytes"),
            Self::FwdMethod(v)
            | Self::UThresh(v)
            | Self::LThresh(v)
            | Self::ActiveConns(v)
            | Self::InactConns(v)
            | Self::PersistConns(v) => emit_u32(buf, *v).expect("4 bytes"),
            Self::Stats(a) => stats::emit_inner(a, false, buf),
            Self::Stats64(a) => stats::emit_inner(a, true, buf),
            Self::Other(nla) => nla.emit_value(buf),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for DestAttr {
    fn parse(nla: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        let v = nla.value();
        Ok(match nla.kind() {
            ADDR => Self::Addr(parse_addr16(v)?),
            PORT => Self::Port(parse_u16_be(v)?),
            FWD_METHOD => Self::FwdMethod(parse_u32(v)?),
            WEIGHT => Self::Weight(parse_u32(v)? as i32),
            U_THRESH => Self::UThresh(parse_u32(v)?),
            L_THRESH => Self::LThresh(parse_u32(v)?),
            ACTIVE_CONNS => Self::ActiveConns(parse_u32(v)?),
            INACT_CONNS => Self::InactConns(parse_u32(v)?),
            PERSIST_CONNS => Self::PersistConns(parse_u32(v)?),
            STATS => Self::Stats(stats::parse_nest(v)?),
            ADDR_FAMILY => Self::AddrFamily(parse_u16(v)?),
            STATS64 => Self::Stats64(stats::parse_nest(v)?),
            TUN_TYPE => Self::TunType(parse_u8(v)?),
            TUN_PORT => Self::TunPort(parse_u16_be(v)?),
            TUN_FLAGS => Self::TunFlags(parse_u16(v)?),
            _ => Self::Other(DefaultNla::parse(nla)?),
        })
    }
}

/// Parses the inside of an `IPVS_CMD_ATTR_DEST` nest.
pub(crate) fn parse_nest(buf: &[u8]) -> Result<Vec<DestAttr>, DecodeError> {
    parse_all(buf, |nla| DestAttr::parse(nla))
}
