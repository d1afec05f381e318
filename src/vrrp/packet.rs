//! VRRPv2/v3 advertisements for IPv4 and IPv6: building and strict receive checks, as keepalived
//! 2.2.7's `vrrp_build_pkt()` and `vrrp_check_packet()` (reference section 7.1-7.3).
//!
//! CONTRACT (signatures fixed for the engine; bodies being written by the wire helper).

use std::net::IpAddr;

use crate::config::model::vrrp::{AuthType, Family};

/// IP protocol number of VRRP.
pub const IPPROTO_VRRP: u8 = 112;
/// IP protocol number of IPsec AH.
pub const IPPROTO_AH: u8 = 51;

/// A decoded advertisement (the fields the state machine uses).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advert {
    /// 2 or 3.
    pub version: u8,
    /// Virtual router id.
    pub vrid: u8,
    /// Priority (0: master stopping; 255: address owner).
    pub priority: u8,
    /// v2: advertisement interval in seconds. v3: max advert interval in centiseconds.
    pub adver_int: u16,
    /// The addresses carried.
    pub addrs: Vec<IpAddr>,
}

/// Everything needed to build one advert packet.
#[derive(Clone, Debug)]
pub struct TxParams<'a> {
    /// Address family.
    pub family: Family,
    /// Source address (IPv4: written in the IP header; both: v3 pseudo-header).
    pub src: IpAddr,
    /// Destination (multicast group or unicast peer).
    pub dst: IpAddr,
    /// IPv4 TTL (IPv6 hop limit is set on the socket).
    pub ttl: u8,
    /// IPv4 identification (keepalived increments it per packet, never 0).
    pub ip_id: u16,
    /// Authentication (v2 IPv4 only).
    pub auth: AuthType,
    /// `auth_pass` (PASS: up to 8 bytes, zero padded; AH: the HMAC key).
    pub password: &'a [u8],
    /// AH sequence number (incremented per advert).
    pub ah_seq: u32,
    /// VRRPv3 over IPv4: checksum without the pseudo-header (`v3_checksum_as_v2`, and unicast with
    /// `old_unicast_checksum`).
    pub v3_checksum_as_v2: bool,
}

/// What one instance expects of a received advert (the checks that need configuration).
#[derive(Clone, Debug)]
pub struct RxExpect<'a> {
    /// Instance name (for log lines).
    pub name: &'a str,
    /// 2 or 3.
    pub version: u8,
    /// Address family.
    pub family: Family,
    /// Configured authentication.
    pub auth: AuthType,
    /// `auth_pass`.
    pub password: &'a [u8],
    /// v2: our advert interval in seconds (must match exactly).
    pub adver_int_secs: u16,
    /// The instance's VIPs (not eVIPs), in order.
    pub vips: &'a [IpAddr],
    /// Unicast instance (TTL check skipped, unicast destination expected).
    pub unicast: bool,
    /// Unicast peers with their (min_ttl, max_ttl).
    pub peers: &'a [(IpAddr, u8, u8)],
    /// `check_unicast_src`.
    pub check_unicast_src: bool,
    /// Skip the "every VIP present" check (`skip_check_adv_addr` with the same master as before).
    pub skip_addr_check: bool,
    /// v3 over IPv4 checksum without pseudo-header.
    pub v3_checksum_as_v2: bool,
}

/// Why a received packet was dropped. Each maps to keepalived's log line and a MIB counter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RxError {
    /// Placeholder: the wire helper defines the real variants.
    Malformed,
}
