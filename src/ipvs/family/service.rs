//! `IPVS_SVC_ATTR_*`: the attributes nested in `IPVS_CMD_ATTR_SERVICE`.

use netlink_packet_core::{
    DecodeError, DefaultNla, NLA_F_NESTED, Nla, NlaBuffer, Parseable, emit_u16, emit_u16_be, emit_u32, parse_u16,
    parse_u16_be, parse_u32,
};

use super::nla::{emit_cstr, parse_addr16, parse_all, parse_array, parse_cstr};
use super::stats::{self, StatsAttr};

/// `IPVS_SVC_ATTR_AF` (u16).
pub const AF: u16 = 1;
/// `IPVS_SVC_ATTR_PROTOCOL` (u16).
pub const PROTOCOL: u16 = 2;
/// `IPVS_SVC_ATTR_ADDR` (`union nf_inet_addr`, 16 bytes).
pub const ADDR: u16 = 3;
/// `IPVS_SVC_ATTR_PORT` (be16).
pub const PORT: u16 = 4;
/// `IPVS_SVC_ATTR_FWMARK` (u32).
pub const FWMARK: u16 = 5;
/// `IPVS_SVC_ATTR_SCHED_NAME` (NUL-terminated, < 16).
pub const SCHED_NAME: u16 = 6;
/// `IPVS_SVC_ATTR_FLAGS` (`struct ip_vs_flags`).
pub const FLAGS: u16 = 7;
/// `IPVS_SVC_ATTR_TIMEOUT` (u32 seconds).
pub const TIMEOUT: u16 = 8;
/// `IPVS_SVC_ATTR_NETMASK` (be32 mask for IPv4, prefix length for IPv6).
pub const NETMASK: u16 = 9;
/// `IPVS_SVC_ATTR_STATS` (nested, 32-bit).
pub const STATS: u16 = 10;
/// `IPVS_SVC_ATTR_PE_NAME` (NUL-terminated, < 16).
pub const PE_NAME: u16 = 11;
/// `IPVS_SVC_ATTR_STATS64` (nested, 64-bit).
pub const STATS64: u16 = 12;

/// One service attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SvcAttr {
    /// Address family (`AF_INET` 2, `AF_INET6` 10).
    Af(u16),
    /// `IPPROTO_*`.
    Protocol(u16),
    /// Address, zero-padded to 16 bytes (an IPv4 address fills the first 4).
    Addr([u8; 16]),
    /// Port (host order here, network order on the wire).
    Port(u16),
    /// Firewall mark.
    Fwmark(u32),
    /// Scheduler name.
    SchedName(String),
    /// `struct ip_vs_flags`: the flags and which of them to change.
    Flags {
        /// `IP_VS_SVC_F_*`.
        flags: u32,
        /// Bits of `flags` that apply (libipvs sends all ones).
        mask: u32,
    },
    /// Persistence timeout, seconds.
    Timeout(u32),
    /// The netmask's 4 wire bytes: a be32 mask for IPv4, a host-order prefix length for IPv6
    /// (the kernel compares it with 1..=128 as an integer).
    Netmask([u8; 4]),
    /// 32-bit counters.
    Stats(Vec<StatsAttr>),
    /// Persistence engine name.
    PeName(String),
    /// 64-bit counters.
    Stats64(Vec<StatsAttr>),
    /// Anything else, kept as is.
    Other(DefaultNla),
}

impl Nla for SvcAttr {
    fn value_len(&self) -> usize {
        match self {
            Self::Af(_) | Self::Protocol(_) | Self::Port(_) => 2,
            Self::Addr(_) => 16,
            Self::Fwmark(_) | Self::Timeout(_) | Self::Netmask(_) => 4,
            Self::SchedName(s) | Self::PeName(s) => s.len() + 1,
            Self::Flags { .. } => 8,
            Self::Stats(a) => stats::inner_len(a, false),
            Self::Stats64(a) => stats::inner_len(a, true),
            Self::Other(nla) => nla.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self {
            Self::Af(_) => AF,
            Self::Protocol(_) => PROTOCOL,
            Self::Addr(_) => ADDR,
            Self::Port(_) => PORT,
            Self::Fwmark(_) => FWMARK,
            Self::SchedName(_) => SCHED_NAME,
            Self::Flags { .. } => FLAGS,
            Self::Timeout(_) => TIMEOUT,
            Self::Netmask(_) => NETMASK,
            Self::Stats(_) => STATS | NLA_F_NESTED,
            Self::PeName(_) => PE_NAME,
            Self::Stats64(_) => STATS64 | NLA_F_NESTED,
            Self::Other(nla) => nla.kind(),
        }
    }

    fn emit_value(&self, buf: &mut [u8]) {
        match self {
            Self::Af(v) | Self::Protocol(v) => emit_u16(buf, *v).expect("2 bytes"),
            Self::Port(v) => emit_u16_be(buf, *v).expect("2 bytes"),
            Self::Addr(a) => buf.copy_from_slice(a),
            Self::Fwmark(v) | Self::Timeout(v) => emit_u32(buf, *v).expect("4 bytes"),
            Self::Netmask(b) => buf.copy_from_slice(b),
            Self::SchedName(s) | Self::PeName(s) => emit_cstr(buf, s),
            Self::Flags { flags, mask } => {
                emit_u32(&mut buf[..4], *flags).expect("4 bytes");
                emit_u32(&mut buf[4..], *mask).expect("4 bytes");
            }
            Self::Stats(a) => stats::emit_inner(a, false, buf),
            Self::Stats64(a) => stats::emit_inner(a, true, buf),
            Self::Other(nla) => nla.emit_value(buf),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for SvcAttr {
    fn parse(nla: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        let v = nla.value();
        Ok(match nla.kind() {
            AF => Self::Af(parse_u16(v)?),
            PROTOCOL => Self::Protocol(parse_u16(v)?),
            ADDR => Self::Addr(parse_addr16(v)?),
            PORT => Self::Port(parse_u16_be(v)?),
            FWMARK => Self::Fwmark(parse_u32(v)?),
            SCHED_NAME => Self::SchedName(parse_cstr(v)?),
            FLAGS => {
                let b: [u8; 8] = parse_array(v)?;
                Self::Flags {
                    flags: parse_u32(&b[..4])?,
                    mask: parse_u32(&b[4..])?,
                }
            }
            TIMEOUT => Self::Timeout(parse_u32(v)?),
            NETMASK => Self::Netmask(parse_array(v)?),
            STATS => Self::Stats(stats::parse_nest(v)?),
            PE_NAME => Self::PeName(parse_cstr(v)?),
            STATS64 => Self::Stats64(stats::parse_nest(v)?),
            _ => Self::Other(DefaultNla::parse(nla)?),
        })
    }
}

/// Parses the inside of an `IPVS_CMD_ATTR_SERVICE` nest.
pub(crate) fn parse_nest(buf: &[u8]) -> Result<Vec<SvcAttr>, DecodeError> {
    parse_all(buf, |nla| SvcAttr::parse(nla))
}
