//! VRRPv2/v3 advertisements for IPv4 and IPv6: building and strict receive checks, as keepalived
//! 2.2.7's `vrrp_build_pkt()` and `vrrp_check_packet()` (reference section 7.1-7.3).
//!
//! - [`build`]: the bytes to send (IPv4: the whole datagram for `IP_HDRINCL`; IPv6: the VRRP
//!   message, checksum filled in as the kernel would with `IPV6_CHECKSUM`).
//! - [`peek`] / [`peek_vrid`]: version and VRID of a received packet, for dispatching it.
//! - [`check`]: every receive check in keepalived's order, giving the decoded [`Advert`] or an
//!   [`RxError`] that knows keepalived's log line and MIB counter.

mod error;
mod fuzz;
mod rx;

use std::cell::Cell;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::auth_ah::{self, AH_LEN, AhHeader};
use super::checksum;
use crate::config::model::vrrp::{AuthType, ChecksumCompat, Family};
use crate::log::LogLine;

pub use error::{RxError, RxErrorKind};
pub use fuzz::fuzz_one;
pub use rx::check;

/// IP protocol number of VRRP.
pub const IPPROTO_VRRP: u8 = 112;
/// IP protocol number of IPsec AH.
pub const IPPROTO_AH: u8 = 51;
/// The TTL / hop limit adverts must carry (`VRRP_IP_TTL`).
pub const VRRP_IP_TTL: u8 = 255;
/// VRRP packet type ADVERTISEMENT (`VRRP_PKT_ADVERT`).
pub const VRRP_PKT_ADVERT: u8 = 1;
/// Length of the fixed VRRP header (`sizeof(vrrphdr_t)`).
pub const VRRP_HDR_LEN: usize = 8;
/// Length of the VRRPv2 authentication data after the IPv4 addresses (`VRRP_AUTH_LEN`).
pub const VRRP_AUTH_LEN: usize = 8;
/// Length of the IPv4 header keepalived sends (no options).
pub const IPV4_HDR_LEN: usize = 20;
/// TOS / traffic class of adverts: internetwork control.
pub const VRRP_TOS: u8 = 0xc0;
/// Most addresses one advert carries (`naddr` is 8 bits).
pub const VRRP_MAX_ADDR: usize = 255;

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
    /// Destination (multicast group or unicast peer). A unicast destination also means a unicast
    /// instance, whose AH ICV leaves out the TTL.
    pub dst: IpAddr,
    /// IPv4 TTL (IPv6 hop limit is set on the socket).
    pub ttl: u8,
    /// IPv4 identification (keepalived increments it per packet, never 0).
    pub ip_id: u16,
    /// Authentication (v2 IPv4 only).
    pub auth: AuthType,
    /// `auth_pass` (PASS: up to 8 bytes, zero padded; AH: the HMAC key, likewise cut to 8).
    pub password: &'a [u8],
    /// AH sequence number (keepalived increments its counter before each advert and sends the
    /// new value, so the first advert carries 1).
    pub ah_seq: u32,
    /// VRRPv3 over IPv4 with keepalived's pre-1.3.6 unicast checksum: the pseudo-header uses
    /// this multicast group (`vrrp_mcast_group4`) as destination instead of `dst`. Set it for
    /// `old_unicast_checksum`, and once [`RxState::old_unicast_checksum`] turned on.
    pub old_unicast_checksum: Option<Ipv4Addr>,
}

/// Receive state that [`check`] updates whatever its verdict, as `vrrp_check_packet()` updates
/// `vrrp_t`. The engine keeps one per instance, passes a copy in [`RxExpect::rx_state`] and
/// stores it back after the check.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RxState {
    /// AH anti-replay counter (keepalived's `ipsecah_counter.seq_number`, which sending also
    /// increments): an AH advert must carry a higher sequence number, which then replaces it.
    pub ah_seq: u32,
    /// A unicast VRRPv3/IPv4 advert verified only with the old checksum (multicast group in the
    /// pseudo-header) while `old_unicast_checksum` was not configured: keepalived switches the
    /// instance to old checksums for good (`CHKSUM_COMPATIBILITY_AUTO`), both ways, and logs
    /// [`checksum_switch_log`].
    pub old_unicast_checksum: bool,
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
    /// `check_unicast_src` (the instance's or global `vrrp_check_unicast_src`).
    pub check_unicast_src: bool,
    /// Skip the address checks (VIP count, every VIP present, unicast source): keepalived's
    /// `check_addr` is false for a backup with `skip_check_adv_addr` receiving from the same
    /// master as before.
    pub skip_addr_check: bool,
    /// `old_unicast_checksum` as configured.
    pub old_unicast_checksum: ChecksumCompat,
    /// `vrrp_mcast_group4` (the pseudo-header destination of old unicast checksums).
    pub mcast_group4: Ipv4Addr,
    /// State the check reads and updates; read it back afterwards.
    pub rx_state: Cell<RxState>,
}

/// Builds one advert. IPv4: the whole datagram as `vrrp_build_ip4()` + `vrrp_build_ipsecah()` +
/// `vrrp_build_vrrp()` make it (IHL 5, TOS 0xc0, no fragment bits, header checksum filled in
/// although the kernel redoes it). IPv6: the VRRP message alone.
///
/// Only addresses of `p.family` are written, at most 255. v2 writes the interval in whole
/// seconds (at most 255) and, over IPv4, 8 bytes of authentication data; v3 the low 12 bits of
/// the interval in centiseconds.
pub fn build(advert: &Advert, p: &TxParams) -> Vec<u8> {
    let v4 = p.family == Family::V4;
    let addrs: Vec<&IpAddr> = advert
        .addrs
        .iter()
        .filter(|a| Family::of(a) == p.family)
        .take(VRRP_MAX_ADDR)
        .collect();

    let mut vrrp = Vec::with_capacity(VRRP_HDR_LEN + addrs.len() * 16 + VRRP_AUTH_LEN);
    vrrp.extend_from_slice(&[
        (advert.version << 4) | VRRP_PKT_ADVERT,
        advert.vrid,
        advert.priority,
        addrs.len() as u8,
    ]);
    if advert.version == 2 {
        vrrp.push(auth_type_code(p.auth));
        vrrp.push(advert.adver_int.min(255) as u8);
    } else {
        vrrp.extend_from_slice(&(advert.adver_int & 0x0fff).to_be_bytes());
    }
    vrrp.extend_from_slice(&[0, 0]);
    for a in &addrs {
        match a {
            IpAddr::V4(a) => vrrp.extend_from_slice(&a.octets()),
            IpAddr::V6(a) => vrrp.extend_from_slice(&a.octets()),
        }
    }
    if v4 && advert.version == 2 {
        let auth = match p.auth {
            AuthType::Pass => auth_ah::auth_data(p.password),
            AuthType::None | AuthType::Ah => [0; VRRP_AUTH_LEN],
        };
        vrrp.extend_from_slice(&auth);
    }

    let pseudo = if !v4 {
        // The kernel's IPV6_CHECKSUM sum, whatever the version.
        checksum::pseudo_v6(&v6(p.src), &v6(p.dst), IPPROTO_VRRP, vrrp.len() as u32)
    } else if advert.version == 2 {
        0
    } else {
        let dst = p.old_unicast_checksum.unwrap_or(v4_of(p.dst));
        checksum::pseudo_v4(v4_of(p.src), dst, IPPROTO_VRRP, vrrp.len() as u16)
    };
    let sum = checksum::finish(checksum::add(pseudo, &vrrp));
    vrrp[6..8].copy_from_slice(&sum.to_be_bytes());

    if !v4 {
        return vrrp;
    }

    let ah = p.auth == AuthType::Ah;
    let tot_len = IPV4_HDR_LEN + if ah { AH_LEN } else { 0 } + vrrp.len();
    let (src, dst) = (v4_of(p.src).octets(), v4_of(p.dst).octets());
    let mut out = Vec::with_capacity(tot_len);
    out.extend_from_slice(&[0x45, VRRP_TOS]);
    out.extend_from_slice(&(tot_len as u16).to_be_bytes());
    out.extend_from_slice(&p.ip_id.to_be_bytes());
    out.extend_from_slice(&[0, 0, p.ttl, if ah { IPPROTO_AH } else { IPPROTO_VRRP }, 0, 0]);
    out.extend_from_slice(&src);
    out.extend_from_slice(&dst);
    if ah {
        out.extend_from_slice(&AhHeader::for_vrrp(src, p.ah_seq).to_bytes());
        let icv = auth_ah::icv(p.password, &out, &vrrp, !p.dst.is_multicast());
        out[IPV4_HDR_LEN + 12..].copy_from_slice(&icv);
    }
    let hsum = checksum::checksum(&out[..IPV4_HDR_LEN]);
    out[10..12].copy_from_slice(&hsum.to_be_bytes());
    out.extend_from_slice(&vrrp);
    out
}

/// The version and VRID of a received packet, or `None` when it is too short to hold the IP
/// header (IPv4), the AH header (IPv4 protocol 51) and the VRRP header (`vrrp_get_header()`).
pub fn peek_vrid(family: Family, data: &[u8]) -> Option<(u8 /*version*/, u8 /*vrid*/)> {
    peek(family, data).ok()
}

/// [`peek_vrid`] with keepalived's log line for a short packet ("IPv4 VRRP packet too short -
/// %zu bytes", no instance name).
pub fn peek(family: Family, data: &[u8]) -> Result<(u8, u8), RxError> {
    let at = vrrp_offset(family, data).map_err(|kind| RxError {
        name: String::new(),
        kind,
    })?;
    Ok((data[at] >> 4, data[at + 1]))
}

/// keepalived's line for an advert whose VRID has no instance on the socket, written only with
/// `log_unknown_vrids` (`vrrp_scheduler.c`).
pub fn unknown_vrid_log(vrid: u8, ifname: &str) -> LogLine {
    LogLine::info(format!(
        "Unknown VRID({vrid}) received on interface({ifname}). ignoring..."
    ))
}

/// keepalived's line when an instance switches to old unicast VRRPv3 checksums
/// ([`RxState::old_unicast_checksum`] turned on).
pub fn checksum_switch_log(name: &str) -> LogLine {
    LogLine::info(format!("({name}) Setting unicast VRRPv3 checksum to old version"))
}

/// The offset of the VRRP header (`vrrp_get_header()`): after the IPv4 header and any AH header,
/// if the packet is long enough to hold it.
/// The priority field of a packet (ours to send, or received), if it is long enough.
pub fn priority(family: Family, data: &[u8]) -> Option<u8> {
    let at = vrrp_offset(family, data).ok()?;
    data.get(at + 2).copied()
}

fn vrrp_offset(family: Family, data: &[u8]) -> Result<usize, RxErrorKind> {
    let len = data.len();
    match family {
        Family::V4 => {
            let ihl = data.first().map_or(0, |b| usize::from(b & 0x0f) * 4);
            if len < IPV4_HDR_LEN || len < ihl + VRRP_HDR_LEN {
                return Err(RxErrorKind::Truncated { family, ah: false, len });
            }
            if data[9] == IPPROTO_AH {
                if len < ihl + AH_LEN + VRRP_HDR_LEN {
                    return Err(RxErrorKind::Truncated { family, ah: true, len });
                }
                return Ok(ihl + AH_LEN);
            }
            Ok(ihl)
        }
        Family::V6 => {
            if len < VRRP_HDR_LEN {
                return Err(RxErrorKind::Truncated { family, ah: false, len });
            }
            Ok(0)
        }
    }
}

/// The auth type number on the wire (`VRRP_AUTH_*`).
pub fn auth_type_code(auth: AuthType) -> u8 {
    match auth {
        AuthType::None => 0,
        AuthType::Pass => 1,
        AuthType::Ah => 2,
    }
}

/// An IPv4 address (unspecified if given IPv6 by mistake).
fn v4_of(a: IpAddr) -> Ipv4Addr {
    match a {
        IpAddr::V4(a) => a,
        IpAddr::V6(_) => Ipv4Addr::UNSPECIFIED,
    }
}

/// An IPv6 address (IPv4-mapped if given IPv4 by mistake).
fn v6(a: IpAddr) -> Ipv6Addr {
    match a {
        IpAddr::V4(a) => a.to_ipv6_mapped(),
        IpAddr::V6(a) => a,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(src: &str, dst: &str) -> TxParams<'static> {
        let src: IpAddr = src.parse().unwrap();
        TxParams {
            family: Family::of(&src),
            src,
            dst: dst.parse().unwrap(),
            ttl: 255,
            ip_id: 1,
            auth: AuthType::None,
            password: b"",
            ah_seq: 1,
            old_unicast_checksum: None,
        }
    }

    /// naddr counts only the family's addresses, capped at 255 (vrrp_build_vrrp_v2/v3).
    #[test]
    fn build_filters_and_caps_addresses() {
        let mut addrs: Vec<IpAddr> = (0..300u32).map(|i| IpAddr::V4(Ipv4Addr::from(i))).collect();
        addrs.push("2001:db8::1".parse().unwrap());
        let a = Advert {
            version: 3,
            vrid: 1,
            priority: 100,
            adver_int: 100,
            addrs,
        };
        let pkt = build(&a, &params("10.0.0.1", "224.0.0.18"));
        assert_eq!(pkt[IPV4_HDR_LEN + 3], 255);
        assert_eq!(pkt.len(), IPV4_HDR_LEN + VRRP_HDR_LEN + 255 * 4);
        let six = build(&a, &params("fe80::1", "ff02::12"));
        assert_eq!(six[3], 1);
        assert_eq!(six.len(), VRRP_HDR_LEN + 16);
    }

    /// priority() finds the field behind the IPv4 header, behind AH, and at the start of an
    /// IPv6 message; short data gives None.
    #[test]
    fn priority_is_read_where_build_puts_it() {
        let a = Advert {
            version: 2,
            vrid: 7,
            priority: 150,
            adver_int: 1,
            addrs: vec!["10.0.0.9".parse().unwrap()],
        };
        assert_eq!(
            priority(Family::V4, &build(&a, &params("10.0.0.1", "224.0.0.18"))),
            Some(150)
        );
        let ah = TxParams {
            auth: AuthType::Ah,
            password: b"key",
            ..params("10.0.0.1", "224.0.0.18")
        };
        let pkt = build(&a, &ah);
        assert_eq!(pkt[9], IPPROTO_AH);
        assert_eq!(priority(Family::V4, &pkt), Some(150));
        let v6 = Advert {
            version: 3,
            addrs: vec!["fe80::9".parse().unwrap()],
            ..a
        };
        assert_eq!(
            priority(Family::V6, &build(&v6, &params("fe80::1", "ff02::12"))),
            Some(150)
        );
        assert_eq!(priority(Family::V4, &[0x45, 0, 0]), None);
    }

    /// v3 keeps the low 12 bits of the interval; v2 saturates at 255 seconds.
    #[test]
    fn interval_fields() {
        let a = Advert {
            version: 3,
            vrid: 1,
            priority: 1,
            adver_int: 0xf123,
            addrs: vec![],
        };
        let pkt = build(&a, &params("fe80::1", "ff02::12"));
        assert_eq!(&pkt[4..6], &[0x01, 0x23]);
        let a = Advert {
            version: 2,
            adver_int: 300,
            ..a
        };
        let pkt = build(&a, &params("fe80::1", "ff02::12"));
        assert_eq!(pkt[5], 255);
    }

    /// vrrp_get_header(): the minimum lengths, with and without AH.
    #[test]
    fn peek_needs_whole_headers() {
        let mut d = vec![0u8; 27];
        d[0] = 0x45;
        d[9] = IPPROTO_VRRP;
        assert_eq!(peek_vrid(Family::V4, &d), None);
        d.push(0);
        d[20] = 0x21;
        d[21] = 9;
        assert_eq!(peek_vrid(Family::V4, &d), Some((2, 9)));
        d[9] = IPPROTO_AH;
        assert_eq!(peek_vrid(Family::V4, &d), None);
        let e = peek(Family::V4, &d).unwrap_err();
        assert_eq!(
            e.log_line().unwrap().text,
            "IPv4 VRRP packet with AH too short - 28 bytes"
        );
        d.resize(52, 0);
        d[44] = 0x31;
        d[45] = 7;
        assert_eq!(peek_vrid(Family::V4, &d), Some((3, 7)));
        assert_eq!(peek_vrid(Family::V6, &[0x31, 5, 0, 0, 0, 0, 0]), None);
        assert_eq!(peek_vrid(Family::V6, &[0x31, 5, 0, 0, 0, 0, 0, 0]), Some((3, 5)));
        assert_eq!(peek_vrid(Family::V4, &[]), None);
    }
}
