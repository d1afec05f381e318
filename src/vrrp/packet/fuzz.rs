//! The fuzzing entry point (`fuzz/fuzz_targets/vrrp_packet.rs`, replayed by
//! `tests/vrrp_wire.rs`): arbitrary bytes through [`check`] and [`peek`], and a build/check
//! round trip that must succeed.

use std::cell::Cell;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{Advert, RxExpect, RxState, TxParams, build, check, peek};
use crate::config::model::vrrp::{AuthType, ChecksumCompat, Family};
use crate::vrrp::event::RxPacket;
use crate::vrrp::stats::Stats;

/// Runs one fuzz input. The first two bytes choose the instance configuration (family, version,
/// auth, unicast, the address checks, TTL); the rest is the packet. Panics only on a bug: a
/// panic inside the checks, or a packet we built that our own checks reject.
pub fn fuzz_one(data: &[u8]) {
    let [knobs, ttl, packet @ ..] = data else {
        return;
    };
    let family = if knobs & 1 == 0 { Family::V4 } else { Family::V6 };
    let version = if knobs & 2 == 0 { 2 } else { 3 };
    let auth = match (knobs >> 2) & 3 {
        1 => AuthType::Pass,
        2 => AuthType::Ah,
        _ => AuthType::None,
    };
    let unicast = knobs & 0x10 != 0;
    let (src, dst) = endpoints(family, unicast);
    let vips = addrs_from(family, packet, usize::from(*ttl % 4));
    let peers = [(src, 1, 254)];
    let e = RxExpect {
        name: "VI_FUZZ",
        version,
        family,
        auth,
        password: b"secret",
        adver_int_secs: u16::from(*ttl % 3),
        vips: &vips,
        unicast,
        peers: &peers,
        check_unicast_src: knobs & 0x20 != 0,
        skip_addr_check: knobs & 0x40 != 0,
        old_unicast_checksum: if knobs & 0x80 != 0 {
            ChecksumCompat::Config
        } else {
            ChecksumCompat::None
        },
        mcast_group4: Ipv4Addr::new(224, 0, 0, 18),
        rx_state: Cell::new(RxState::default()),
    };
    let rx = RxPacket {
        ifname: "eth0".into(),
        family,
        src,
        dst,
        ttl: *ttl,
        data: packet.to_vec(),
    };

    let _ = peek(family, packet);
    let result = check(&rx, &e);
    if let Err(err) = &result {
        let _ = (err.log_line(), err.counter(), err.to_string());
    }
    Stats::default().record_rx(&result);

    round_trip(&e, src, dst, packet);
}

/// Builds an advert for the same instance from the fuzz bytes and checks it: it must pass.
fn round_trip(e: &RxExpect, src: IpAddr, dst: IpAddr, packet: &[u8]) {
    // PASS and AH exist only for VRRPv2 over IPv4 (vrrp_complete_instance() clears them).
    let auth = if e.version == 2 && e.family == Family::V4 {
        e.auth
    } else {
        AuthType::None
    };
    let adver_int = match e.version {
        2 => e.adver_int_secs,
        _ => packet.first().map_or(100, |b| u16::from(*b) * 16),
    };
    let advert = Advert {
        version: e.version,
        vrid: packet.get(1).copied().unwrap_or(1),
        priority: packet.get(2).copied().unwrap_or(100),
        adver_int,
        addrs: e.vips.to_vec(),
    };
    let seq = packet.get(3).map_or(1, |b| u32::from(*b) + 1);
    let p = TxParams {
        family: e.family,
        src,
        dst,
        ttl: if e.unicast { 64 } else { 255 },
        ip_id: 1,
        auth,
        password: e.password,
        ah_seq: seq,
        old_unicast_checksum: (e.old_unicast_checksum == ChecksumCompat::Config).then_some(e.mcast_group4),
    };
    let rx = RxPacket {
        ifname: "eth0".into(),
        family: e.family,
        src,
        dst,
        ttl: p.ttl,
        data: build(&advert, &p),
    };
    let expect = RxExpect {
        auth,
        rx_state: Cell::new(RxState::default()),
        ..e.clone()
    };
    match check(&rx, &expect) {
        Ok(got) => assert_eq!(got, advert, "round trip changed the advert"),
        Err(err) => panic!("own advert rejected: {err} ({:?})", err.kind),
    }
}

fn endpoints(family: Family, unicast: bool) -> (IpAddr, IpAddr) {
    match (family, unicast) {
        (Family::V4, false) => (Ipv4Addr::new(10, 0, 0, 1).into(), Ipv4Addr::new(224, 0, 0, 18).into()),
        (Family::V4, true) => (Ipv4Addr::new(10, 0, 0, 1).into(), Ipv4Addr::new(10, 0, 0, 2).into()),
        (Family::V6, false) => (
            Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1).into(),
            Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12).into(),
        ),
        (Family::V6, true) => (
            Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1).into(),
            Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2).into(),
        ),
    }
}

/// `n` addresses of the family, taken from the tail of the input (so some inputs carry the
/// VIPs the checks want).
fn addrs_from(family: Family, bytes: &[u8], n: usize) -> Vec<IpAddr> {
    let size = if family == Family::V4 { 4 } else { 16 };
    bytes
        .rchunks_exact(size)
        .take(n)
        .map(|c| match family {
            Family::V4 => IpAddr::V4(Ipv4Addr::new(c[0], c[1], c[2], c[3])),
            Family::V6 => {
                let mut o = [0; 16];
                o.copy_from_slice(c);
                IpAddr::V6(Ipv6Addr::from(o))
            }
        })
        .collect()
}
