//! Gratuitous ARP and unsolicited neighbour advertisement frames, byte for byte as keepalived
//! 2.2.7 builds them (`vrrp_arp.c send_gratuitous_arp_immediate()`, `vrrp_ndisc.c
//! ndisc_send_unsolicited_na_immediate()`). Whole Ethernet frames, sent on `AF_PACKET` sockets
//! by [`announce`](super::announce). Ethernet only (keepalived's InfiniBand framing is not
//! supported).

use std::net::{Ipv4Addr, Ipv6Addr};

/// Ethertype of ARP.
pub const ETH_P_ARP: u16 = 0x0806;
/// Ethertype of IPv6.
pub const ETH_P_IPV6: u16 = 0x86dd;
/// ARP hardware type of Ethernet.
pub const ARPHRD_ETHER: u16 = 1;
/// Length of a gratuitous ARP frame: 14-byte Ethernet header + 28-byte ARP message, no padding
/// (the driver pads to 60 bytes on real Ethernet).
pub const ARP_FRAME_LEN: usize = 42;
/// Length of an unsolicited NA frame: Ethernet 14 + IPv6 40 + NA 24 + target link-layer
/// address option 8.
pub const NA_FRAME_LEN: usize = 86;

const BROADCAST: [u8; 6] = [0xff; 6];
/// All-nodes multicast, the NA destination (RFC 4861 4.4).
const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);
/// Its Ethernet mapping (RFC 2464 7).
const ALL_NODES_MAC: [u8; 6] = [0x33, 0x33, 0, 0, 0, 1];
const IPPROTO_ICMPV6: u8 = 58;
const ND_NEIGHBOR_ADVERT: u8 = 136;
const ND_OPT_TARGET_LINKADDR: u8 = 2;
const ND_NA_FLAG_ROUTER: u8 = 0x80;
const ND_NA_FLAG_OVERRIDE: u8 = 0x20;

/// A gratuitous ARP for `vip` from `mac`: broadcast ARP *request* (op 1) "who-has VIP tell VIP"
/// with sender MAC/IP = ours/VIP and target MAC ff:ff:ff:ff:ff:ff (the interface's broadcast
/// address), target IP = VIP.
pub fn gratuitous_arp(mac: [u8; 6], vip: Ipv4Addr) -> [u8; ARP_FRAME_LEN] {
    let mut f = [0u8; ARP_FRAME_LEN];
    f[0..6].copy_from_slice(&BROADCAST);
    f[6..12].copy_from_slice(&mac);
    f[12..14].copy_from_slice(&ETH_P_ARP.to_be_bytes());
    f[14..16].copy_from_slice(&ARPHRD_ETHER.to_be_bytes());
    f[16..18].copy_from_slice(&0x0800u16.to_be_bytes()); // protocol: IPv4
    f[18] = 6; // hardware address length
    f[19] = 4; // protocol address length
    f[20..22].copy_from_slice(&1u16.to_be_bytes()); // ARPOP_REQUEST
    f[22..28].copy_from_slice(&mac);
    f[28..32].copy_from_slice(&vip.octets());
    f[32..38].copy_from_slice(&BROADCAST);
    f[38..42].copy_from_slice(&vip.octets());
    f
}

/// An unsolicited neighbour advertisement for `vip` from `mac` (RFC 4861 4.4, 7.2.6): from
/// the VIP itself to ff02::1 (33:33:00:00:00:01), hop limit 255, traffic class and flow label 0,
/// flags Override plus Router when `router` (keepalived: the interface's IPv6 `forwarding`
/// sysctl), Solicited clear, and a target link-layer address option with `mac`.
pub fn unsolicited_na(mac: [u8; 6], vip: Ipv6Addr, router: bool) -> [u8; NA_FRAME_LEN] {
    let mut f = [0u8; NA_FRAME_LEN];
    f[0..6].copy_from_slice(&ALL_NODES_MAC);
    f[6..12].copy_from_slice(&mac);
    f[12..14].copy_from_slice(&ETH_P_IPV6.to_be_bytes());
    let ip = &mut f[14..54];
    ip[0] = 0x60; // version 6
    ip[4..6].copy_from_slice(&32u16.to_be_bytes()); // payload length
    ip[6] = IPPROTO_ICMPV6;
    ip[7] = 255; // NDISC_HOPLIMIT
    ip[8..24].copy_from_slice(&vip.octets());
    ip[24..40].copy_from_slice(&ALL_NODES.octets());
    let na = &mut f[54..86];
    na[0] = ND_NEIGHBOR_ADVERT;
    na[4] = ND_NA_FLAG_OVERRIDE | if router { ND_NA_FLAG_ROUTER } else { 0 };
    na[8..24].copy_from_slice(&vip.octets());
    na[24] = ND_OPT_TARGET_LINKADDR;
    na[25] = 1; // option length in units of 8 bytes
    na[26..32].copy_from_slice(&mac);
    let sum = icmpv6_checksum(&vip, &ALL_NODES, na);
    na[2..4].copy_from_slice(&sum.to_be_bytes());
    f
}

/// The ICMPv6 checksum (RFC 4443 2.3) of `msg` (its checksum field zero, or it verifies to 0)
/// with the IPv6 pseudo-header.
pub fn icmpv6_checksum(src: &Ipv6Addr, dst: &Ipv6Addr, msg: &[u8]) -> u16 {
    let len = msg.len() as u32;
    let mut sum: u32 = 0;
    let mut add = |bytes: &[u8]| {
        for pair in bytes.chunks(2) {
            let hi = u32::from(pair[0]) << 8;
            sum += hi | pair.get(1).map_or(0, |&lo| u32::from(lo));
        }
    };
    add(&src.octets());
    add(&dst.octets());
    add(&len.to_be_bytes());
    add(&[0, 0, 0, IPPROTO_ICMPV6]);
    add(msg);
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    const MAC: [u8; 6] = [0x92, 0xef, 0x37, 0xbf, 0x1c, 0x3a];

    /// A frame keepalived 2.2.7 sent (tcpdump -xx in a test namespace, MAC 92:ef:37:bf:1c:3a,
    /// VIP 10.9.0.100), shaped as in the reference capture: 42 bytes, "Request who-has
    /// 10.9.0.100 (ff:ff:ff:ff:ff:ff) tell 10.9.0.100".
    #[test]
    fn gratuitous_arp_is_keepalived_bytes() {
        let expected = hex("ffff ffff ffff 92ef 37bf 1c3a 0806
             0001 0800 0604 0001 92ef 37bf 1c3a 0a09 0064 ffff ffff ffff 0a09 0064");
        assert_eq!(gratuitous_arp(MAC, Ipv4Addr::new(10, 9, 0, 100)).to_vec(), expected);
    }

    /// keepalived 2.2.7's NA for fd00::100 (forwarding off: Override only), checksum 0x73b5.
    #[test]
    fn unsolicited_na_is_keepalived_bytes() {
        let expected = hex("3333 0000 0001 92ef 37bf 1c3a 86dd
             6000 0000 0020 3aff fd00 0000 0000 0000
             0000 0000 0000 0100 ff02 0000 0000 0000
             0000 0000 0000 0001 8800 73b5 2000 0000
             fd00 0000 0000 0000 0000 0000 0000 0100
             0201 92ef 37bf 1c3a");
        let vip: Ipv6Addr = "fd00::100".parse().unwrap();
        assert_eq!(unsolicited_na(MAC, vip, false).to_vec(), expected);
    }

    /// RFC 4861 4.4: R flag with forwarding on; the checksum still verifies.
    #[test]
    fn router_flag_and_checksum_verify() {
        let vip: Ipv6Addr = "2001:db8::7".parse().unwrap();
        let f = unsolicited_na(MAC, vip, true);
        assert_eq!(f[54 + 4], 0xa0);
        assert_eq!(icmpv6_checksum(&vip, &ALL_NODES, &f[54..]), 0);
        let plain = unsolicited_na(MAC, vip, false);
        assert_ne!(plain[56..58], f[56..58]);
        assert_eq!(icmpv6_checksum(&vip, &ALL_NODES, &plain[54..]), 0);
    }

    /// A neighbour solicitation the kernel sent (same capture): its checksum verifies with ours.
    #[test]
    fn checksum_agrees_with_the_kernel() {
        let msg = hex("8700 2c6c 0000 0000 fe80 0000 0000 0000 90ef 37ff febf 1c3a 0e01 3720 67e3 a1cc");
        let dst: Ipv6Addr = "ff02::1:ffbf:1c3a".parse().unwrap();
        assert_eq!(icmpv6_checksum(&Ipv6Addr::UNSPECIFIED, &dst, &msg), 0);
        let mut zeroed = msg.clone();
        zeroed[2..4].fill(0);
        assert_eq!(icmpv6_checksum(&Ipv6Addr::UNSPECIFIED, &dst, &zeroed), 0x2c6c);
    }
}
