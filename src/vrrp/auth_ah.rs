//! IPsec AH (RFC 2402) as keepalived 2.2.7 uses it for VRRPv2 `auth_type AH`
//! (`vrrp_build_ipsecah()`, `vrrp_update_pkt()`, `vrrp_in_chk_ipsecah()`, `vrrp_ipsecah.c`).
//!
//! The AH header sits between the IPv4 header and the VRRP message. The ICV is HMAC-MD5
//! truncated to 96 bits, keyed with the 8-byte zero-padded `auth_pass`, over the IP header with
//! its mutable fields zeroed (TOS, fragment offset, header checksum, and TTL for unicast
//! instances), the AH header with a zero ICV, and the VRRP message.

use hmac::{Hmac, KeyInit, Mac};
use md5::Md5;

use super::packet::IPPROTO_VRRP;

/// Length of the AH header keepalived sends (`sizeof(ipsec_ah_t)`).
pub const AH_LEN: usize = 24;
/// Length of the truncated ICV (`HMAC_MD5_TRUNC`).
pub const ICV_LEN: usize = 12;
/// The AH "payload length" field: header length in 32-bit words minus 2 (`IPSEC_AH_PLEN`).
pub const AH_PAYLOAD_LEN: u8 = 4;
/// Length of keepalived's `auth_data` (`VRRP_AUTH_LEN`): the password, zero padded or truncated.
pub const AUTH_DATA_LEN: usize = 8;

/// Offset of the ICV inside the AH header.
const ICV_OFFSET: usize = 12;

/// A parsed AH header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AhHeader {
    /// Protocol of what follows (112 for VRRP).
    pub next_header: u8,
    /// Length in 32-bit words minus 2.
    pub payload_len: u8,
    /// Security parameter index: keepalived puts the source IPv4 address here, as its raw
    /// (network order) bytes.
    pub spi: [u8; 4],
    /// Sequence number.
    pub seq: u32,
    /// Integrity check value.
    pub icv: [u8; ICV_LEN],
}

impl AhHeader {
    /// The header keepalived sends: next header VRRP, SPI = source address, ICV still zero.
    pub fn for_vrrp(spi: [u8; 4], seq: u32) -> Self {
        AhHeader {
            next_header: IPPROTO_VRRP,
            payload_len: AH_PAYLOAD_LEN,
            spi,
            seq,
            icv: [0; ICV_LEN],
        }
    }

    /// Reads the first [`AH_LEN`] bytes of `data`, if there are that many.
    pub fn parse(data: &[u8]) -> Option<Self> {
        let b = data.get(..AH_LEN)?;
        let mut icv = [0; ICV_LEN];
        icv.copy_from_slice(&b[ICV_OFFSET..AH_LEN]);
        Some(AhHeader {
            next_header: b[0],
            payload_len: b[1],
            spi: [b[4], b[5], b[6], b[7]],
            seq: u32::from_be_bytes([b[8], b[9], b[10], b[11]]),
            icv,
        })
    }

    /// The wire form (the reserved field is zero).
    pub fn to_bytes(&self) -> [u8; AH_LEN] {
        let mut b = [0; AH_LEN];
        b[0] = self.next_header;
        b[1] = self.payload_len;
        b[4..8].copy_from_slice(&self.spi);
        b[8..12].copy_from_slice(&self.seq.to_be_bytes());
        b[ICV_OFFSET..].copy_from_slice(&self.icv);
        b
    }
}

/// keepalived's `auth_data`: `auth_pass` truncated or zero padded to 8 bytes (the PASS password
/// on the wire and the AH key).
pub fn auth_data(password: &[u8]) -> [u8; AUTH_DATA_LEN] {
    let mut d = [0; AUTH_DATA_LEN];
    let n = password.len().min(AUTH_DATA_LEN);
    d[..n].copy_from_slice(&password[..n]);
    d
}

/// The ICV for `headers` (the IP header, options included, followed by the AH header) and
/// `payload` (the VRRP message). Mutable fields and the ICV are zeroed on a copy first; the TTL
/// only for unicast instances, as keepalived does. `headers` must be at least 20 + [`AH_LEN`]
/// bytes and end with the AH header.
pub fn icv(key: &[u8], headers: &[u8], payload: &[u8], unicast: bool) -> [u8; ICV_LEN] {
    let mut h = headers.to_vec();
    // tos, frag_off and check: mutable in transit (RFC 2402 section 3.3.3.1.1.1).
    h[1] = 0;
    h[6..8].fill(0);
    h[10..12].fill(0);
    if unicast {
        h[8] = 0;
    }
    let ah = h.len() - AH_LEN;
    h[ah + ICV_OFFSET..].fill(0);

    let key = auth_data(key);
    let mut mac = <Hmac<Md5> as KeyInit>::new_from_slice(&key).expect("HMAC takes any key length");
    mac.update(&h);
    mac.update(payload);
    let digest = mac.finalize().into_bytes();
    let mut out = [0; ICV_LEN];
    out.copy_from_slice(&digest[..ICV_LEN]);
    out
}

/// Compares two ICVs in constant time (`memcmp_constant_time`).
pub fn icv_matches(a: &[u8; ICV_LEN], b: &[u8; ICV_LEN]) -> bool {
    ct_eq(a, b)
}

/// Constant-time equality of two equally long byte strings.
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 2202 section 2, test case 2: HMAC-MD5 with key "Jefe" — checks the crate pairing.
    #[test]
    fn hmac_md5_rfc2202_case2() {
        let mut mac = <Hmac<Md5> as KeyInit>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        let d = mac.finalize().into_bytes();
        assert_eq!(
            d.iter().map(|b| format!("{b:02x}")).collect::<String>(),
            "750c783e6ab0b503eaa86e310a5db738"
        );
    }

    /// Zero padding the key to 8 bytes changes nothing for HMAC (keys are padded to 64 bytes),
    /// and longer passwords are cut at 8 bytes as keepalived's parser does.
    #[test]
    fn auth_data_pads_and_truncates() {
        assert_eq!(&auth_data(b"s3cret"), b"s3cret\0\0");
        assert_eq!(&auth_data(b"longpassword"), b"longpass");
    }

    #[test]
    fn header_round_trip() {
        let h = AhHeader {
            icv: [7; ICV_LEN],
            ..AhHeader::for_vrrp([10, 99, 0, 1], 0x0102_0304)
        };
        let b = h.to_bytes();
        assert_eq!(&b[..12], &[112, 4, 0, 0, 10, 99, 0, 1, 1, 2, 3, 4]);
        assert_eq!(AhHeader::parse(&b), Some(h));
        assert_eq!(AhHeader::parse(&b[..23]), None);
    }

    /// Mutable fields do not change the ICV; the TTL only counts for multicast.
    #[test]
    fn icv_ignores_mutable_fields() {
        let mut hdr = vec![0x45, 0xc0, 0, 64, 0, 1, 0, 0, 255, 51, 0x12, 0x34];
        hdr.extend_from_slice(&[10, 99, 0, 1, 224, 0, 0, 18]);
        hdr.extend_from_slice(&AhHeader::for_vrrp([10, 99, 0, 1], 1).to_bytes());
        let payload = [0x21, 52, 120, 1, 2, 1, 0, 0];
        let base = icv(b"k", &hdr, &payload, false);
        let mut m = hdr.clone();
        m[1] = 0;
        m[6] = 0x40;
        m[10] = 0;
        m[hdr.len() - 1] = 0xff;
        assert_eq!(icv(b"k", &m, &payload, false), base);
        m[8] = 64;
        assert_ne!(icv(b"k", &m, &payload, false), base);
        assert_eq!(icv(b"k", &m, &payload, true), icv(b"k", &hdr, &payload, true));
        assert_ne!(icv(b"other", &hdr, &payload, false), base);
    }

    #[test]
    fn constant_time_compare() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"ab"));
    }
}
