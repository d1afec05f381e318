//! `IPVS_DAEMON_ATTR_*`: the attributes nested in `IPVS_CMD_ATTR_DAEMON` (the connection
//! synchronisation daemon, keepalived's `lvs_sync_daemon`).

use netlink_packet_core::{
    DecodeError, DefaultNla, Nla, NlaBuffer, Parseable, emit_u16, emit_u32, parse_u8, parse_u16, parse_u32,
};

use super::nla::{emit_cstr, parse_all, parse_array, parse_cstr};

/// `IPVS_DAEMON_ATTR_STATE` (u32: `IP_VS_STATE_MASTER` 1, `IP_VS_STATE_BACKUP` 2).
pub const STATE: u16 = 1;
/// `IPVS_DAEMON_ATTR_MCAST_IFN` (NUL-terminated, < 16).
pub const MCAST_IFN: u16 = 2;
/// `IPVS_DAEMON_ATTR_SYNC_ID` (u32).
pub const SYNC_ID: u16 = 3;
/// `IPVS_DAEMON_ATTR_SYNC_MAXLEN` (u16).
pub const SYNC_MAXLEN: u16 = 4;
/// `IPVS_DAEMON_ATTR_MCAST_GROUP` (be32 IPv4 address).
pub const MCAST_GROUP: u16 = 5;
/// `IPVS_DAEMON_ATTR_MCAST_GROUP6` (`struct in6_addr`).
pub const MCAST_GROUP6: u16 = 6;
/// `IPVS_DAEMON_ATTR_MCAST_PORT` (u16, host order: the kernel reads it with `nla_get_u16`).
pub const MCAST_PORT: u16 = 7;
/// `IPVS_DAEMON_ATTR_MCAST_TTL` (u8).
pub const MCAST_TTL: u16 = 8;

/// `IP_VS_STATE_MASTER`.
pub const STATE_MASTER: u32 = 1;
/// `IP_VS_STATE_BACKUP`.
pub const STATE_BACKUP: u32 = 2;

/// One sync daemon attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DaemonAttr {
    /// Master or backup.
    State(u32),
    /// Multicast interface name.
    McastIfn(String),
    /// Sync id.
    SyncId(u32),
    /// Maximum sync message length.
    SyncMaxlen(u16),
    /// IPv4 multicast group, in wire (network) order.
    McastGroup([u8; 4]),
    /// IPv6 multicast group.
    McastGroup6([u8; 16]),
    /// UDP port.
    McastPort(u16),
    /// TTL.
    McastTtl(u8),
    /// Anything else, kept as is.
    Other(DefaultNla),
}

impl Nla for DaemonAttr {
    fn value_len(&self) -> usize {
        match self {
            Self::State(_) | Self::SyncId(_) | Self::McastGroup(_) => 4,
            Self::McastIfn(s) => s.len() + 1,
            Self::SyncMaxlen(_) | Self::McastPort(_) => 2,
            Self::McastGroup6(_) => 16,
            Self::McastTtl(_) => 1,
            Self::Other(nla) => nla.value_len(),
        }
    }

    fn kind(&self) -> u16 {
        match self {
            Self::State(_) => STATE,
            Self::McastIfn(_) => MCAST_IFN,
            Self::SyncId(_) => SYNC_ID,
            Self::SyncMaxlen(_) => SYNC_MAXLEN,
            Self::McastGroup(_) => MCAST_GROUP,
            Self::McastGroup6(_) => MCAST_GROUP6,
            Self::McastPort(_) => MCAST_PORT,
            Self::McastTtl(_) => MCAST_TTL,
            Self::Other(nla) => nla.kind(),
        }
    }

    fn emit_value(&self, buf: &mut [u8]) {
        match self {
            Self::State(v) | Self::SyncId(v) => emit_u32(buf, *v).expect("4 bytes"),
            Self::McastIfn(s) => emit_cstr(buf, s),
            Self::SyncMaxlen(v) | Self::McastPort(v) => emit_u16(buf, *v).expect("2 bytes"),
            Self::McastGroup(a) => buf.copy_from_slice(a),
            Self::McastGroup6(a) => buf.copy_from_slice(a),
            Self::McastTtl(v) => buf[0] = *v,
            Self::Other(nla) => nla.emit_value(buf),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for DaemonAttr {
    fn parse(nla: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        let v = nla.value();
        Ok(match nla.kind() {
            STATE => Self::State(parse_u32(v)?),
            MCAST_IFN => Self::McastIfn(parse_cstr(v)?),
            SYNC_ID => Self::SyncId(parse_u32(v)?),
            SYNC_MAXLEN => Self::SyncMaxlen(parse_u16(v)?),
            MCAST_GROUP => Self::McastGroup(parse_array(v)?),
            MCAST_GROUP6 => Self::McastGroup6(parse_array(v)?),
            MCAST_PORT => Self::McastPort(parse_u16(v)?),
            MCAST_TTL => Self::McastTtl(parse_u8(v)?),
            _ => Self::Other(DefaultNla::parse(nla)?),
        })
    }
}

/// Parses the inside of an `IPVS_CMD_ATTR_DAEMON` nest.
pub(crate) fn parse_nest(buf: &[u8]) -> Result<Vec<DaemonAttr>, DecodeError> {
    parse_all(buf, |nla| DaemonAttr::parse(nla))
}
