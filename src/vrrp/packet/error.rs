//! Why a received advert was dropped, with keepalived 2.2.7's log line and MIB counter for each
//! reason (`vrrp_get_header()`, `vrrp_check_packet()`, `vrrp_in_chk_ipsecah()`, and the IPv6
//! discard in `vrrp_scheduler.c:vrrp_read_dispatcher_thread()`).

use std::net::IpAddr;

use crate::config::model::vrrp::Family;
use crate::log::LogLine;
use crate::vrrp::stats::Counter;

/// A dropped packet: the instance it was checked for and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RxError {
    /// Instance name (empty for [`RxErrorKind::Truncated`] from [`peek`](super::peek)).
    pub name: String,
    /// The failed check.
    pub kind: RxErrorKind,
}

/// One variant per failed check, in the order keepalived makes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RxErrorKind {
    /// Too short for the IPv4 (+AH) and VRRP headers.
    Truncated {
        /// Socket family.
        family: Family,
        /// The IPv4 packet has an AH header.
        ah: bool,
        /// Bytes received.
        len: usize,
    },
    /// IPv6: a multicast advert on a unicast instance or the reverse, silently discarded before
    /// the checks (logged with `-D` only).
    Ipv6CastDiscard {
        /// The packet was multicast.
        multicast: bool,
        /// The instance is unicast.
        unicast: bool,
    },
    /// AH header present but auth type is not AH.
    AhUnexpected,
    /// No AH header but auth type is AH.
    AhMissing,
    /// Length differs from what the header announces.
    Length {
        /// Bytes received.
        len: usize,
        /// Bytes expected.
        expected: usize,
    },
    /// TTL / hop limit not 255 on a multicast instance.
    Ttl {
        /// Received TTL.
        ttl: u8,
    },
    /// VRRP version not ours.
    Version {
        /// Received version.
        version: u8,
        /// Ours.
        expected: u8,
    },
    /// v2 auth type not 0, 1 or 2.
    InvalidAuthType {
        /// Received auth type.
        auth_type: u8,
    },
    /// v2 auth type not ours.
    AuthTypeMismatch {
        /// Received auth type.
        received: u8,
        /// Ours.
        expected: u8,
    },
    /// PASS: wrong password.
    BadPassword,
    /// AH for another protocol than VRRP (dropped silently).
    AhNotVrrp {
        /// The AH next header.
        next_header: u8,
    },
    /// AH ICV does not verify.
    AhIcv,
    /// AH SPI is not the source address. Both as keepalived prints them: the network-order
    /// 32 bits read as a host integer.
    AhSpi {
        /// Source address.
        saddr: u32,
        /// SPI.
        spi: u32,
    },
    /// AH sequence number not above the last one (replay).
    AhReplay {
        /// Received.
        seq: u32,
        /// Ours.
        local: u32,
    },
    /// v2 advert interval not ours (dropped, not counted, as in keepalived 2.2.7).
    AdverIntMismatch {
        /// Ours, seconds.
        mine: u16,
        /// Received, seconds.
        received: u8,
    },
    /// VRRP type not ADVERTISEMENT.
    InvalidType {
        /// Received type.
        ptype: u8,
    },
    /// Address count not our VIP count.
    AddrCount {
        /// Received.
        received: u8,
        /// Ours.
        expected: usize,
    },
    /// IPv4 total length differs from the bytes received.
    TotLen {
        /// IP header total length.
        tot_len: u16,
        /// Bytes received.
        len: usize,
    },
    /// Checksum does not verify.
    Checksum {
        /// The instance's VRRP version (names the log line).
        version: u8,
    },
    /// Multicast advert on a unicast instance or the reverse.
    CastMismatch {
        /// The instance is unicast.
        unicast: bool,
    },
    /// One of our VIPs is missing from the advert.
    VipMissing {
        /// VRID.
        vrid: u8,
        /// The missing VIP.
        addr: IpAddr,
    },
    /// Unicast source is not a configured peer (`check_unicast_src`).
    NotPeer {
        /// The source.
        src: IpAddr,
    },
    /// TTL / hop limit outside the peer's `min_ttl`..`max_ttl`.
    PeerTtl {
        /// Received.
        ttl: u8,
        /// Peer's min_ttl.
        min: u8,
        /// Peer's max_ttl.
        max: u8,
    },
}

impl RxError {
    /// keepalived's log line (all LOG_INFO), or `None` where it drops the packet silently.
    pub fn log_line(&self) -> Option<LogLine> {
        use RxErrorKind as K;
        let n = &self.name;
        let text = match &self.kind {
            K::Truncated {
                family: Family::V6,
                len,
                ..
            } => {
                format!("IPv6 VRRP packet too short - {len} bytes")
            }
            K::Truncated { ah: true, len, .. } => {
                format!("IPv4 VRRP packet with AH too short - {len} bytes")
            }
            K::Truncated { len, .. } => format!("IPv4 VRRP packet too short - {len} bytes"),
            K::Ipv6CastDiscard { multicast, unicast } => {
                return Some(LogLine::detail(format!(
                    "({n}) discarding {}icast packet on {}icast instance",
                    if *multicast { "mult" } else { "un" },
                    if *unicast { "un" } else { "mult" }
                )));
            }
            K::AhUnexpected => format!("({n}) Received AH header but auth type not AH"),
            K::AhMissing => format!("({n}) No AH header but auth type is AH"),
            K::Length { len, expected } => format!(
                "({n}) vrrp packet too {}, length {len} and expect {expected}",
                if len > expected { "long" } else { "short" }
            ),
            K::Ttl { ttl } => format!("({n}) invalid TTL/HL. Received {ttl} and expect 255"),
            K::Version { version, expected } => {
                format!("({n}) wrong version. Received {version} and expect {expected}")
            }
            K::InvalidAuthType { auth_type } => format!("({n}) Invalid auth type: {auth_type}"),
            K::AuthTypeMismatch { received, expected } => {
                format!("({n}) received a {received} auth, expecting {expected}!")
            }
            K::BadPassword => format!("({n}) received an invalid passwd!"),
            K::AhNotVrrp { .. } => return None,
            K::AhIcv => {
                format!("({n}) IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !")
            }
            K::AhSpi { saddr, spi } => {
                format!("IPSEC AH : invalid IPSEC SPI value. {saddr} and expect {spi}")
            }
            K::AhReplay { seq, local } => {
                format!("({n}) IPSEC-AH : sequence number {seq} already processed. Packet dropped. Local({local})")
            }
            K::AdverIntMismatch { mine, received } => {
                format!("({n}) advertisement interval mismatch mine={mine} sec rcv'd={received} sec")
            }
            K::InvalidType { ptype } => {
                format!("({n}) Invalid packet type. {ptype} and expect 1")
            }
            K::AddrCount { received, expected } => {
                format!("({n}) received an unexpected ip number count {received}, expected {expected}!")
            }
            K::TotLen { tot_len, len } => {
                format!("({n}) ip_tot_len mismatch against received length. {tot_len} and received {len}")
            }
            K::Checksum { version } => format!("({n}) Invalid VRRPv{version} checksum"),
            K::CastMismatch { unicast } => format!(
                "({n}) Expected {}icast packet but received {}icast packet",
                if *unicast { "un" } else { "mult" },
                if *unicast { "mult" } else { "un" }
            ),
            K::VipMissing { vrid, addr } => {
                format!("({n}) ip address associated with VRID {vrid} not present in MASTER advert: {addr}")
            }
            K::NotPeer { src } => format!("({n}) unicast source address {src} not a unicast peer"),
            K::PeerTtl { ttl, min, max } => {
                format!("({n}) TTL/HL {ttl} not in range {min} - {max}")
            }
        };
        Some(LogLine::info(text))
    }

    /// The MIB counter keepalived bumps, or `None` where it counts nothing (short packets, the
    /// IPv6 discard, AH for another protocol, the v2 interval mismatch, a non-peer source).
    pub fn counter(&self) -> Option<Counter> {
        use RxErrorKind as K;
        Some(match self.kind {
            K::Truncated { .. }
            | K::Ipv6CastDiscard { .. }
            | K::AhNotVrrp { .. }
            | K::AdverIntMismatch { .. }
            | K::NotPeer { .. } => return None,
            K::AhUnexpected | K::AhMissing | K::AuthTypeMismatch { .. } => Counter::AuthtypeMismatch,
            K::Length { .. } | K::TotLen { .. } => Counter::PacketLenErr,
            K::Ttl { .. } | K::PeerTtl { .. } => Counter::IpTtlErr,
            K::Version { .. } => Counter::VersErr,
            K::InvalidAuthType { .. } => Counter::InvalidAuthtype,
            K::BadPassword | K::AhIcv | K::AhSpi { .. } | K::AhReplay { .. } => Counter::AuthFailure,
            K::InvalidType { .. } => Counter::InvalidTypeRcvd,
            K::AddrCount { .. } | K::CastMismatch { .. } | K::VipMissing { .. } => Counter::AddrListErr,
            K::Checksum { .. } => Counter::ChkErr,
        })
    }

    /// Whether keepalived had already counted the packet in `advert_rcvd` (it does so once the
    /// type, version, length, auth, checksum and cast checks passed).
    pub fn counted_as_advert(&self) -> bool {
        matches!(
            self.kind,
            RxErrorKind::VipMissing { .. } | RxErrorKind::NotPeer { .. } | RxErrorKind::PeerTtl { .. }
        )
    }
}

impl std::fmt::Display for RxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.log_line() {
            Some(l) => f.write_str(&l.text),
            None => write!(f, "({}) {:?}", self.name, self.kind),
        }
    }
}

impl std::error::Error for RxError {}
