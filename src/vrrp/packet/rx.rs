//! The receive checks of keepalived 2.2.7's `vrrp_check_packet()` (and `vrrp_in_chk_ipsecah()`),
//! in its order, on a packet as the socket delivered it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{
    Advert, IPPROTO_AH, IPPROTO_VRRP, RxError, RxErrorKind as K, RxExpect, VRRP_AUTH_LEN, VRRP_HDR_LEN, VRRP_IP_TTL,
    VRRP_PKT_ADVERT, auth_type_code, vrrp_offset,
};
use crate::config::model::vrrp::{AuthType, ChecksumCompat, Family};
use crate::vrrp::auth_ah::{self, AH_LEN, AhHeader};
use crate::vrrp::checksum;
use crate::vrrp::event::RxPacket;

/// Checks a received packet for one instance, as keepalived does, and decodes it.
///
/// The order is keepalived's: header lengths (`vrrp_get_header()`); IPv6 multicast/unicast
/// discard (dispatcher); AH presence; exact length; TTL 255 unless unicast; version; v2: auth
/// type, password or AH ICV/SPI/sequence, interval; type; address count; IPv4 total length;
/// checksum; multicast/unicast; every VIP present; unicast source and its TTL range.
///
/// IPv4 reads TTL, addresses and length from the IP header in `rx.data`; IPv6 uses `rx.ttl`,
/// `rx.src` and `rx.dst`. The IPv6 checksum (which the kernel verifies in keepalived, with
/// `IPV6_CHECKSUM`) is checked too. `e.rx_state` is updated (AH sequence number, old unicast
/// checksum switch) even when a later check fails, as in keepalived.
pub fn check(rx: &RxPacket, e: &RxExpect) -> Result<Advert, RxError> {
    check_kind(rx, e).map_err(|kind| RxError {
        name: e.name.to_string(),
        kind,
    })
}

fn check_kind(rx: &RxPacket, e: &RxExpect) -> Result<Advert, K> {
    let data = rx.data.as_slice();
    let v4 = e.family == Family::V4;
    let hd_off = vrrp_offset(e.family, data)?;
    let hd = &data[hd_off..];

    if !v4 {
        let multicast = rx.dst.is_multicast();
        if multicast == e.unicast {
            return Err(K::Ipv6CastDiscard {
                multicast,
                unicast: e.unicast,
            });
        }
    }

    // IPv4 header fields; IPv6 has none in `data` (ihl 0, as keepalived's variable).
    let ihl = if v4 { usize::from(data[0] & 0x0f) * 4 } else { 0 };
    let mut expected = ihl;
    if v4 {
        let has_ah = data[9] == IPPROTO_AH;
        let want_ah = e.auth == AuthType::Ah;
        if has_ah != want_ah {
            return Err(if has_ah { K::AhUnexpected } else { K::AhMissing });
        }
        if want_ah {
            expected += AH_LEN;
        }
    }

    let version = hd[0] >> 4;
    let naddr = hd[3];
    let addr_len = if v4 { 4 } else { 16 };
    let vrrp_len = VRRP_HDR_LEN + usize::from(naddr) * addr_len;
    // The auth data is counted by the packet's version, not ours (expected_vrrp_pkt_len()).
    expected += vrrp_len + if v4 && version == 2 { VRRP_AUTH_LEN } else { 0 };
    if data.len() != expected {
        return Err(K::Length {
            len: data.len(),
            expected,
        });
    }

    let ttl = if v4 { data[8] } else { rx.ttl };
    if !e.unicast && ttl != VRRP_IP_TTL {
        return Err(K::Ttl { ttl });
    }

    if version != e.version {
        return Err(K::Version {
            version,
            expected: e.version,
        });
    }

    if e.version == 2 {
        check_v2_auth(data, ihl, hd_off, e)?;
        if u16::from(hd[5]) != e.adver_int_secs {
            return Err(K::AdverIntMismatch {
                mine: e.adver_int_secs,
                received: hd[5],
            });
        }
    }

    let ptype = hd[0] & 0x0f;
    if ptype != VRRP_PKT_ADVERT {
        return Err(K::InvalidType { ptype });
    }

    let check_addr = !e.skip_addr_check;
    if check_addr && usize::from(naddr) != e.vips.len() {
        return Err(K::AddrCount {
            received: naddr,
            expected: e.vips.len(),
        });
    }

    if v4 {
        let tot_len = u16::from_be_bytes([data[2], data[3]]);
        if usize::from(tot_len) != data.len() {
            return Err(K::TotLen {
                tot_len,
                len: data.len(),
            });
        }
    }

    check_checksum(rx, hd, vrrp_len, version, e)?;

    let multicast = if v4 {
        ip4(&data[16..20]).is_multicast()
    } else {
        rx.dst.is_multicast()
    };
    if multicast == e.unicast {
        return Err(K::CastMismatch { unicast: e.unicast });
    }

    // From here on keepalived has counted the packet in advert_rcvd.
    let addrs: Vec<IpAddr> = hd[VRRP_HDR_LEN..vrrp_len]
        .chunks_exact(addr_len)
        .map(|c| if v4 { IpAddr::V4(ip4(c)) } else { IpAddr::V6(ip6(c)) })
        .collect();

    if check_addr {
        if let Some(missing) = e.vips.iter().find(|v| !addrs.contains(v)) {
            return Err(K::VipMissing {
                vrid: hd[1],
                addr: *missing,
            });
        }
        if e.unicast && e.check_unicast_src {
            let Some(&(_, min, max)) = e.peers.iter().find(|p| p.0 == rx.src) else {
                return Err(K::NotPeer { src: rx.src });
            };
            if ttl < min || ttl > max {
                return Err(K::PeerTtl { ttl, min, max });
            }
        }
    }

    let adver_int = if version == 2 {
        u16::from(hd[5])
    } else {
        u16::from_be_bytes([hd[4], hd[5]]) & 0x0fff
    };
    Ok(Advert {
        version,
        vrid: hd[1],
        priority: hd[2],
        adver_int,
        addrs,
    })
}

/// VRRPv2 authentication: type, then the password or the AH header.
fn check_v2_auth(data: &[u8], ihl: usize, hd_off: usize, e: &RxExpect) -> Result<(), K> {
    let auth_type = data[hd_off + 4];
    if auth_type > 2 {
        return Err(K::InvalidAuthType { auth_type });
    }
    let ours = auth_type_code(e.auth);
    if auth_type != ours {
        return Err(K::AuthTypeMismatch {
            received: auth_type,
            expected: ours,
        });
    }
    match e.auth {
        AuthType::None => Ok(()),
        AuthType::Pass => {
            // keepalived reads the password at (IP header + tot_len - 8) before it checks
            // tot_len; out of the buffer it cannot match.
            let tot = usize::from(u16::from_be_bytes([data[2], data[3]]));
            let pw = tot.checked_sub(VRRP_AUTH_LEN).and_then(|s| data.get(s..tot));
            match pw {
                Some(pw) if auth_ah::ct_eq(pw, &auth_ah::auth_data(e.password)) => Ok(()),
                _ => Err(K::BadPassword),
            }
        }
        AuthType::Ah => {
            let next_header = data.get(ihl).copied().unwrap_or(0);
            if next_header != IPPROTO_VRRP {
                return Err(K::AhNotVrrp { next_header });
            }
            // IPv4 with protocol AH: vrrp_offset() made room for both headers.
            let (Some(ah), true) = (AhHeader::parse(&data[ihl..]), e.family == Family::V4) else {
                return Err(K::AhIcv);
            };
            let unicast = e.unicast;
            let icv = auth_ah::icv(e.password, &data[..hd_off], &data[hd_off..], unicast);
            if !auth_ah::icv_matches(&ah.icv, &icv) {
                return Err(K::AhIcv);
            }
            if ah.spi != data[12..16] {
                let saddr = u32::from_ne_bytes([data[12], data[13], data[14], data[15]]);
                return Err(K::AhSpi {
                    saddr,
                    spi: u32::from_ne_bytes(ah.spi),
                });
            }
            let mut st = e.rx_state.get();
            if ah.seq <= st.ah_seq {
                return Err(K::AhReplay {
                    seq: ah.seq,
                    local: st.ah_seq,
                });
            }
            st.ah_seq = ah.seq;
            e.rx_state.set(st);
            Ok(())
        }
    }
}

/// The checksum: v2/IPv4 without pseudo-header (auth data included); v3/IPv4 with the IPv4
/// pseudo-header, trying the old unicast form (multicast group as destination) when keepalived
/// would; IPv6 with the IPv6 pseudo-header.
fn check_checksum(rx: &RxPacket, hd: &[u8], vrrp_len: usize, version: u8, e: &RxExpect) -> Result<(), K> {
    let data = rx.data.as_slice();
    let ok = match e.family {
        Family::V6 => match (rx.src, rx.dst) {
            (IpAddr::V6(s), IpAddr::V6(d)) => {
                let pseudo = checksum::pseudo_v6(&s, &d, IPPROTO_VRRP, vrrp_len as u32);
                checksum::verifies(pseudo, &hd[..vrrp_len])
            }
            _ => false,
        },
        Family::V4 if version == 2 => checksum::verifies(0, &hd[..vrrp_len + VRRP_AUTH_LEN]),
        Family::V4 => {
            let src = ip4(&data[12..16]);
            let daddr = ip4(&data[16..20]);
            let mut st = e.rx_state.get();
            let old = e.old_unicast_checksum == ChecksumCompat::Config || st.old_unicast_checksum;
            let dst = if old { e.mcast_group4 } else { daddr };
            let v3_ok = |dst: Ipv4Addr| {
                let pseudo = checksum::pseudo_v4(src, dst, IPPROTO_VRRP, vrrp_len as u16);
                checksum::verifies(pseudo, &hd[..vrrp_len])
            };
            let mut ok = v3_ok(dst);
            if !ok
                && e.unicast
                && !old
                && e.old_unicast_checksum == ChecksumCompat::None
                && dst != e.mcast_group4
                && v3_ok(e.mcast_group4)
            {
                st.old_unicast_checksum = true;
                e.rx_state.set(st);
                ok = true;
            }
            ok
        }
    };
    if ok {
        Ok(())
    } else {
        Err(K::Checksum { version: e.version })
    }
}

fn ip4(b: &[u8]) -> Ipv4Addr {
    Ipv4Addr::new(b[0], b[1], b[2], b[3])
}

fn ip6(b: &[u8]) -> Ipv6Addr {
    let mut o = [0; 16];
    o.copy_from_slice(b);
    Ipv6Addr::from(o)
}
