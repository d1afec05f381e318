//! The Internet checksum (RFC 1071) and the IPv4/IPv6 pseudo-headers VRRP uses.
//!
//! Partial sums are kept unfolded in a `u64`, so any amount of data can be added before the
//! final fold (keepalived's `in_csum()` does the same with an accumulator).

use std::net::{Ipv4Addr, Ipv6Addr};

/// Adds `data` to a partial sum, as big-endian 16-bit words (an odd last byte is the high half
/// of a word, RFC 1071 section 4.1).
pub fn add(mut acc: u64, data: &[u8]) -> u64 {
    let mut words = data.chunks_exact(2);
    for w in &mut words {
        acc += u64::from(u16::from_be_bytes([w[0], w[1]]));
    }
    if let [last] = words.remainder() {
        acc += u64::from(*last) << 8;
    }
    acc
}

/// Folds a partial sum into the one's complement checksum to put on the wire.
pub fn finish(mut acc: u64) -> u16 {
    while acc > 0xffff {
        acc = (acc >> 16) + (acc & 0xffff);
    }
    !(acc as u16)
}

/// The checksum of `data` alone (IPv4 header, VRRPv2).
pub fn checksum(data: &[u8]) -> u16 {
    finish(add(0, data))
}

/// Whether `data` (checksum field included) sums to zero after `acc`: a received packet is intact.
pub fn verifies(acc: u64, data: &[u8]) -> bool {
    finish(add(acc, data)) == 0
}

/// The partial sum of the IPv4 pseudo-header `src, dst, 0, proto, len` (RFC 5798 section 5.2.8).
pub fn pseudo_v4(src: Ipv4Addr, dst: Ipv4Addr, proto: u8, len: u16) -> u64 {
    let mut acc = add(0, &src.octets());
    acc = add(acc, &dst.octets());
    acc += u64::from(proto);
    acc + u64::from(len)
}

/// The partial sum of the IPv6 pseudo-header `src, dst, len (32 bits), 0, next header`
/// (RFC 8200 section 8.1), as the kernel adds for raw sockets with `IPV6_CHECKSUM`.
pub fn pseudo_v6(src: &Ipv6Addr, dst: &Ipv6Addr, next_header: u8, len: u32) -> u64 {
    let mut acc = add(0, &src.octets());
    acc = add(acc, &dst.octets());
    acc = add(acc, &len.to_be_bytes());
    acc + u64::from(next_header)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 1071 section 3 worked example: the words 0001 f203 f4f5 f6f7 sum to ddf2 (folded), so
    /// the checksum is its complement 220d.
    #[test]
    fn rfc1071_example() {
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(checksum(&data), 0x220d);
        let mut with = data.to_vec();
        with.extend_from_slice(&0x220du16.to_be_bytes());
        assert!(verifies(0, &with));
    }

    /// An odd trailing byte counts as the high half of a word.
    #[test]
    fn odd_length_pads_low_byte() {
        assert_eq!(checksum(&[0x12]), !0x1200);
        assert_eq!(checksum(&[0x12, 0x34, 0x56]), checksum(&[0x12, 0x34, 0x56, 0x00]));
    }

    /// The IPv4 header of the lab capture (reference 7.1) has checksum d024.
    #[test]
    fn ipv4_header_of_lab_capture() {
        let hdr = [
            0x45, 0xc0, 0x00, 0x30, 0x00, 0x03, 0x00, 0x00, 0xff, 0x70, 0x00, 0x00, 0x0a, 0x63, 0x00, 0x01, 0xe0, 0x00,
            0x00, 0x12,
        ];
        assert_eq!(checksum(&hdr), 0xd024);
    }

    /// Large inputs keep carrying correctly: 0xffff words sum to negative zero.
    #[test]
    fn many_carries() {
        let data = vec![0xff; 200_000];
        assert_eq!(checksum(&data), 0x0000);
        assert_eq!(checksum(&[0u8; 10]), 0xffff);
    }

    /// The pseudo-headers add up the same words as their byte layouts would.
    #[test]
    fn pseudo_headers_match_byte_layouts() {
        let s = Ipv4Addr::new(10, 99, 0, 1);
        let d = Ipv4Addr::new(224, 0, 0, 18);
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&s.octets());
        bytes.extend_from_slice(&d.octets());
        bytes.extend_from_slice(&[0, 112, 0, 16]);
        assert_eq!(finish(pseudo_v4(s, d, 112, 16)), checksum(&bytes));

        let s6: Ipv6Addr = "fe80::1".parse().unwrap();
        let d6: Ipv6Addr = "ff02::12".parse().unwrap();
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&s6.octets());
        bytes.extend_from_slice(&d6.octets());
        bytes.extend_from_slice(&40u32.to_be_bytes());
        bytes.extend_from_slice(&[0, 0, 0, 112]);
        assert_eq!(finish(pseudo_v6(&s6, &d6, 112, 40)), checksum(&bytes));
    }
}
