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
///
/// TEMPORARY SHIM (engine helper) until feat/wire lands; feat/wire's version wins.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RxError {
    /// Too short to hold the headers.
    Malformed,
    /// Length does not match.
    Length(usize, usize),
    /// TTL not 255.
    Ttl(u8),
    /// Wrong version.
    Version(u8, u8),
    /// Auth type differs.
    AuthType(u8, u8),
    /// Password differs.
    Password,
    /// v2 interval differs (seconds: mine, received).
    Interval(u16, u16),
    /// Address count differs.
    Count(usize, usize),
    /// A VIP is missing.
    MissingVip(u8, IpAddr),
    /// Checksum.
    Checksum(u8),
}

impl RxError {
    /// keepalived's log line for this error.
    pub fn log_line(&self, name: &str) -> crate::log::LogLine {
        crate::log::LogLine::info(match self {
            RxError::Malformed => format!("({name}) vrrp packet too short"),
            RxError::Length(got, exp) => format!(
                "({name}) vrrp packet too {}, length {got} and expect {exp}",
                if got > exp { "long" } else { "short" }
            ),
            RxError::Ttl(t) => format!("({name}) invalid TTL/HL. Received {t} and expect 255"),
            RxError::Version(r, e) => format!("({name}) wrong version. Received {r} and expect {e}"),
            RxError::AuthType(r, e) => format!("({name}) received a {r} auth, expecting {e}!"),
            RxError::Password => format!("({name}) received an invalid passwd!"),
            RxError::Interval(m, r) => {
                format!("({name}) advertisement interval mismatch mine={m} sec rcv'd={r} sec")
            }
            RxError::Count(r, e) => {
                format!("({name}) received an unexpected ip number count {r}, expected {e}!")
            }
            RxError::MissingVip(vrid, a) => format!(
                "({name}) ip address associated with VRID {vrid} not present in MASTER advert: {a}"
            ),
            RxError::Checksum(v) => format!("({name}) Invalid VRRPv{v} checksum"),
        })
    }
    /// The counter keepalived bumps.
    pub fn counter(&self) -> Option<crate::vrrp::stats::Counter> {
        use crate::vrrp::stats::Counter;
        match self {
            RxError::Length(..) | RxError::Malformed => Some(Counter::PacketLenErr),
            RxError::Ttl(_) => Some(Counter::IpTtlErr),
            RxError::AuthType(..) => Some(Counter::AuthtypeMismatch),
            RxError::Password => Some(Counter::AuthFailure),
            RxError::Count(..) | RxError::MissingVip(..) => Some(Counter::AddrListErr),
            _ => None,
        }
    }
}

fn csum(data: &[u8], init: u32) -> u16 {
    let mut sum = init;
    for c in data.chunks(2) {
        let w = if c.len() == 2 { u16::from_be_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], 0]) };
        sum += u32::from(w);
    }
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

fn pseudo(src: IpAddr, dst: IpAddr, len: usize) -> u32 {
    let mut v = Vec::new();
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            v.extend_from_slice(&s.octets());
            v.extend_from_slice(&d.octets());
            v.extend_from_slice(&[0, IPPROTO_VRRP]);
            v.extend_from_slice(&(len as u16).to_be_bytes());
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            v.extend_from_slice(&s.octets());
            v.extend_from_slice(&d.octets());
            v.extend_from_slice(&(len as u32).to_be_bytes());
            v.extend_from_slice(&[0, 0, 0, IPPROTO_VRRP]);
        }
        _ => {}
    }
    u32::from(!csum(&v, 0))
}

/// Builds one advert (shim: no AH).
pub fn build(adv: &Advert, tx: &TxParams<'_>) -> Vec<u8> {
    let mut v = vec![(adv.version << 4) | 1, adv.vrid, adv.priority, adv.addrs.len() as u8];
    if adv.version == 2 {
        let at = match tx.auth {
            AuthType::None => 0,
            AuthType::Pass => 1,
            AuthType::Ah => 2,
        };
        v.extend_from_slice(&[at, adv.adver_int as u8, 0, 0]);
    } else {
        v.extend_from_slice(&(adv.adver_int & 0x0fff).to_be_bytes());
        v.extend_from_slice(&[0, 0]);
    }
    for a in &adv.addrs {
        match a {
            IpAddr::V4(a) => v.extend_from_slice(&a.octets()),
            IpAddr::V6(a) => v.extend_from_slice(&a.octets()),
        }
    }
    if adv.version == 2 && tx.family == Family::V4 {
        let mut pw = [0u8; 8];
        if tx.auth == AuthType::Pass {
            let n = tx.password.len().min(8);
            pw[..n].copy_from_slice(&tx.password[..n]);
        }
        v.extend_from_slice(&pw);
    }
    let init = if adv.version == 3 { pseudo(tx.src, tx.dst, v.len()) } else { 0 };
    let c = csum(&v, init);
    v[6..8].copy_from_slice(&c.to_be_bytes());
    if tx.family == Family::V6 {
        return v;
    }
    let (IpAddr::V4(s), IpAddr::V4(d)) = (tx.src, tx.dst) else { return v };
    let tot = 20 + v.len();
    let mut ip = vec![0x45, 0xc0];
    ip.extend_from_slice(&(tot as u16).to_be_bytes());
    ip.extend_from_slice(&tx.ip_id.to_be_bytes());
    ip.extend_from_slice(&[0, 0, tx.ttl, IPPROTO_VRRP, 0, 0]);
    ip.extend_from_slice(&s.octets());
    ip.extend_from_slice(&d.octets());
    let c = csum(&ip, 0);
    ip[10..12].copy_from_slice(&c.to_be_bytes());
    ip.extend_from_slice(&v);
    ip
}

/// (version, vrid) of a packet, if it is long enough (shim).
pub fn peek_vrid(family: Family, data: &[u8]) -> Option<(u8, u8)> {
    let off = if family == Family::V4 { usize::from(data.first()? & 0x0f) * 4 } else { 0 };
    let h = data.get(off..off + 8)?;
    Some((h[0] >> 4, h[1]))
}

/// Receive checks (shim: the common subset).
pub fn check(rx: &crate::vrrp::event::RxPacket, exp: &RxExpect<'_>) -> Result<Advert, RxError> {
    let off = if exp.family == Family::V4 { 20 } else { 0 };
    let h = rx.data.get(off..off + 8).ok_or(RxError::Malformed)?;
    let naddr = usize::from(h[3]);
    let alen = if exp.family == Family::V4 { 4 } else { 16 };
    let auth = if h[0] >> 4 == 2 && exp.family == Family::V4 { 8 } else { 0 };
    let want = off + 8 + naddr * alen + auth;
    if rx.data.len() != want {
        return Err(RxError::Length(rx.data.len(), want));
    }
    if !exp.unicast && rx.ttl != 255 {
        return Err(RxError::Ttl(rx.ttl));
    }
    if h[0] >> 4 != exp.version {
        return Err(RxError::Version(h[0] >> 4, exp.version));
    }
    let adver_int;
    if exp.version == 2 {
        let want_at = match exp.auth {
            AuthType::None => 0,
            AuthType::Pass => 1,
            AuthType::Ah => 2,
        };
        if h[4] != want_at {
            return Err(RxError::AuthType(h[4], want_at));
        }
        if exp.auth == AuthType::Pass {
            let mut pw = [0u8; 8];
            let n = exp.password.len().min(8);
            pw[..n].copy_from_slice(&exp.password[..n]);
            if rx.data[rx.data.len() - 8..] != pw {
                return Err(RxError::Password);
            }
        }
        if u16::from(h[5]) != exp.adver_int_secs {
            return Err(RxError::Interval(exp.adver_int_secs, u16::from(h[5])));
        }
        adver_int = u16::from(h[5]);
    } else {
        adver_int = u16::from_be_bytes([h[4], h[5]]) & 0x0fff;
    }
    if !exp.skip_addr_check && naddr != exp.vips.len() {
        return Err(RxError::Count(naddr, exp.vips.len()));
    }
    let body = &rx.data[off..];
    let init = if exp.version == 3 { pseudo(rx.src, rx.dst, body.len()) } else { 0 };
    if csum(body, init) != 0 {
        return Err(RxError::Checksum(exp.version));
    }
    let mut addrs = Vec::new();
    for k in 0..naddr {
        let b = &body[8 + k * alen..8 + (k + 1) * alen];
        addrs.push(if alen == 4 {
            IpAddr::from(<[u8; 4]>::try_from(b).unwrap_or_default())
        } else {
            IpAddr::from(<[u8; 16]>::try_from(b).unwrap_or_default())
        });
    }
    if !exp.skip_addr_check {
        for v in exp.vips {
            if !addrs.contains(v) {
                return Err(RxError::MissingVip(h[1], *v));
            }
        }
    }
    Ok(Advert { version: h[0] >> 4, vrid: h[1], priority: h[2], adver_int, addrs })
}
