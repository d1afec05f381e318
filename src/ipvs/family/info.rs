//! `IPVS_INFO_ATTR_*`: the top-level attributes of the `IPVS_CMD_SET_INFO` reply to
//! `IPVS_CMD_GET_INFO`.

use netlink_packet_core::{DecodeError, DefaultNla, Nla, NlaBuffer, Parseable, emit_u32, parse_u32};

/// `IPVS_INFO_ATTR_VERSION` (u32, e.g. 0x010201 for 1.2.1).
pub const VERSION: u16 = 1;
/// `IPVS_INFO_ATTR_CONN_TAB_SIZE` (u32).
pub const CONN_TAB_SIZE: u16 = 2;

/// One info attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InfoAttr {
    /// `IP_VS_VERSION_CODE`.
    Version(u32),
    /// Size of the connection hash table.
    ConnTabSize(u32),
    /// Anything else, kept as is.
    Other(DefaultNla),
}

impl Nla for InfoAttr {
    fn value_len(&self) -> usize {
        match self {
            Self::Version(_) | Self::ConnTabSize(_) => 4,
            Self::Other(nla) => nla.value_len(),
        }
    }
    fn kind(&self) -> u16 {
        match self {
            Self::Version(_) => VERSION,
            Self::ConnTabSize(_) => CONN_TAB_SIZE,
            Self::Other(nla) => nla.kind(),
        }
    }
    fn emit_value(&self, buf: &mut [u8]) {
        match self {
            Self::Version(v) | Self::ConnTabSize(v) => emit_u32(buf, *v).expect("4 bytes"),
            Self::Other(nla) => nla.emit_value(buf),
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Parseable<NlaBuffer<&'a T>> for InfoAttr {
    fn parse(nla: &NlaBuffer<&'a T>) -> Result<Self, DecodeError> {
        let v = nla.value();
        Ok(match nla.kind() {
            VERSION => Self::Version(parse_u32(v)?),
            CONN_TAB_SIZE => Self::ConnTabSize(parse_u32(v)?),
            _ => Self::Other(DefaultNla::parse(nla)?),
        })
    }
}

/// What `IPVS_CMD_GET_INFO` answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IpvsInfo {
    /// `IP_VS_VERSION_CODE` (0x010201).
    pub version: u32,
    /// Connection hash table size.
    pub conn_tab_size: u32,
}

impl IpvsInfo {
    /// The version as ipvsadm prints it ("1.2.1").
    pub fn version_string(&self) -> String {
        let v = self.version;
        format!("{}.{}.{}", (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff)
    }
}
