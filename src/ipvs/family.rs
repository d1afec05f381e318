//! The IPVS generic-netlink family: every command and attribute of the kernel's
//! `include/uapi/linux/ip_vs.h` (checked against Linux 6.1, the Debian 12 kernel the tests
//! boot, and identical in torvalds/linux master at 0a25540), on netlink-packet-generic.
//!
//! [`IpvsMessage`] is the genl payload: a command and its attributes, each attribute set in
//! its own module. Unknown attributes and commands are kept (`Other`), never a panic; a
//! malformed attribute (wrong length, truncated nest, bad UTF-8) is a [`DecodeError`].
//! [`convert`] turns the contract types of [`crate::ipvs::model`] into messages with the
//! attributes and order libipvs (keepalived 2.2.7 and ipvsadm) sends, and dump replies
//! back into them.

pub mod command;
pub mod convert;
pub mod daemon;
pub mod dest;
pub mod info;
mod nla;
pub mod service;
pub mod stats;

use netlink_packet_core::{
    DecodeError, Emitable, NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage, ParseableParametrized,
};
use netlink_packet_generic::{GenlFamily, GenlHeader, GenlMessage};

pub use command::{CmdAttr, IpvsCmd};
pub use convert::{DestInfo, ServiceInfo};
pub use daemon::DaemonAttr;
pub use dest::DestAttr;
pub use info::{InfoAttr, IpvsInfo};
pub use service::SvcAttr;
pub use stats::StatsAttr;

/// `IPVS_GENL_NAME`.
pub const FAMILY_NAME: &str = "IPVS";
/// `IPVS_GENL_VERSION`.
pub const FAMILY_VERSION: u8 = 1;

/// One IPVS generic-netlink payload: the command and its top-level attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpvsMessage {
    /// Command.
    pub cmd: IpvsCmd,
    /// Top-level attributes, in wire order.
    pub attrs: Vec<CmdAttr>,
}

impl IpvsMessage {
    /// A message with no attributes.
    pub fn bare(cmd: IpvsCmd) -> Self {
        Self { cmd, attrs: vec![] }
    }

    /// The netlink flags libipvs sends this command with: dumps for the GET commands that
    /// list (services, destinations, daemons), a plain request for the other GETs (their
    /// reply ends the exchange), request + ACK for every change.
    pub fn nlm_flags(&self) -> u16 {
        match self.cmd {
            IpvsCmd::GetService if self.attrs.is_empty() => NLM_F_REQUEST | NLM_F_DUMP,
            IpvsCmd::GetDest | IpvsCmd::GetDaemon => NLM_F_REQUEST | NLM_F_DUMP,
            IpvsCmd::GetService | IpvsCmd::GetConfig | IpvsCmd::GetInfo => NLM_F_REQUEST,
            _ => NLM_F_REQUEST | NLM_F_ACK,
        }
    }

    /// The whole netlink message for family id `family_id` (resolved per kernel), with the
    /// flags of [`Self::nlm_flags`] and the given sequence number; port id 0.
    pub fn into_netlink(self, family_id: u16, sequence_number: u32) -> NetlinkMessage<GenlMessage<IpvsMessage>> {
        let flags = self.nlm_flags();
        let mut genl = GenlMessage::from_payload(self);
        genl.set_resolved_family_id(family_id);
        let mut header = NetlinkHeader::default();
        header.flags = flags;
        header.sequence_number = sequence_number;
        let mut msg = NetlinkMessage::new(header, genl.into());
        msg.finalize();
        msg
    }

    /// The wire bytes of [`Self::into_netlink`].
    pub fn to_bytes(&self, family_id: u16, sequence_number: u32) -> Vec<u8> {
        let msg = self.clone().into_netlink(family_id, sequence_number);
        let mut buf = vec![0u8; msg.buffer_len()];
        msg.serialize(&mut buf);
        buf
    }

    /// Parses a whole netlink message carrying an IPVS payload (any family id). Netlink
    /// control messages (error, done) are an error here.
    pub fn from_bytes(buf: &[u8]) -> Result<Self, DecodeError> {
        let msg = NetlinkMessage::<GenlMessage<IpvsMessage>>::deserialize(buf)?;
        match msg.payload {
            netlink_packet_core::NetlinkPayload::InnerMessage(genl) => Ok(genl.payload),
            other => Err(DecodeError::from(format!(
                "not an IPVS message: {:?}",
                other.message_type()
            ))),
        }
    }
}

impl GenlFamily for IpvsMessage {
    fn family_name() -> &'static str {
        FAMILY_NAME
    }
    fn command(&self) -> u8 {
        self.cmd.into()
    }
    fn version(&self) -> u8 {
        FAMILY_VERSION
    }
}

impl Emitable for IpvsMessage {
    fn buffer_len(&self) -> usize {
        self.attrs.as_slice().buffer_len()
    }
    fn emit(&self, buffer: &mut [u8]) {
        self.attrs.as_slice().emit(buffer)
    }
}

impl ParseableParametrized<[u8], GenlHeader> for IpvsMessage {
    fn parse_with_param(buf: &[u8], header: GenlHeader) -> Result<Self, DecodeError> {
        let cmd = IpvsCmd::from(header.cmd);
        Ok(Self {
            cmd,
            attrs: command::parse_attrs(buf, cmd)?,
        })
    }
}

/// Fuzzing entry: parses arbitrary bytes as a netlink message and as a bare genl payload,
/// converts whatever parses into the model, and re-emits it. Must never panic.
pub fn fuzz_one(data: &[u8]) {
    if let Ok(msg) = IpvsMessage::from_bytes(data) {
        let _ = msg.to_bytes(0x20, 1);
        let _ = convert::inspect(&msg);
    }
    if data.len() >= 4 {
        let header = GenlHeader {
            cmd: data[0],
            version: data[1],
        };
        if let Ok(msg) = IpvsMessage::parse_with_param(&data[4..], header) {
            let mut out = vec![0u8; msg.buffer_len()];
            msg.emit(&mut out);
            let _ = convert::inspect(&msg);
        }
    }
}
