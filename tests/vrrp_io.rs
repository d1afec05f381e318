//! The VRRP sockpool (`keepalived_rs::vrrp::socket`) on real sockets between two network
//! namespaces made by each test: what keepalived 2.2.7's `open_vrrp_send_socket()`,
//! `open_vrrp_read_socket()` and `vrrp_send_pkt()` give on the wire and on receipt. Skips,
//! saying why, without root.

mod support;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use keepalived_rs::config::model::vrrp::Family;
use keepalived_rs::vrrp::event::{RxPacket, TxPacket};
use keepalived_rs::vrrp::socket::{SlotStatus, SockPool, SockSpec};
use support::io::{Capture, ETH_P_ALL, Pair, enter, inet_checksum, link_info, runtime};

const GROUP4: Ipv4Addr = Ipv4Addr::new(224, 0, 0, 18);
const GROUP6: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12);
const LL_A: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1);
const LL_B: Ipv6Addr = Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 2);
const WAIT: Duration = Duration::from_secs(5);

/// A VRRPv2 advert with its IPv4 header (RFC 3768 5.1, keepalived's `vrrp_build_ip4()` +
/// `vrrp_build_vrrp_v2()`): TOS 0xc0, checksums filled, no authentication.
fn v2_advert(src: Ipv4Addr, dst: Ipv4Addr, ttl: u8, proto: u8, vrid: u8, vips: &[Ipv4Addr]) -> Vec<u8> {
    let mut vrrp = vec![0x21, vrid, 100, vips.len() as u8, 0, 1, 0, 0];
    for v in vips {
        vrrp.extend_from_slice(&v.octets());
    }
    vrrp.extend_from_slice(&[0; 8]);
    let sum = inet_checksum(&[&vrrp]);
    vrrp[6..8].copy_from_slice(&sum.to_be_bytes());
    let total = (20 + vrrp.len()) as u16;
    let mut ip = vec![0x45, 0xc0];
    ip.extend_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&[0x12, 0x34, 0, 0, ttl, proto, 0, 0]);
    ip.extend_from_slice(&src.octets());
    ip.extend_from_slice(&dst.octets());
    let sum = inet_checksum(&[&ip]);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    ip.extend_from_slice(&vrrp);
    ip
}

/// A VRRPv3 IPv6 advert (RFC 9568 5.1) with the pseudo-header checksum (5.2.8).
fn v3_advert6(src: Ipv6Addr, dst: Ipv6Addr, vrid: u8, vips: &[Ipv6Addr]) -> Vec<u8> {
    let mut vrrp = vec![0x31, vrid, 100, vips.len() as u8, 0, 100, 0, 0];
    for v in vips {
        vrrp.extend_from_slice(&v.octets());
    }
    let len = (vrrp.len() as u32).to_be_bytes();
    let sum = inet_checksum(&[&src.octets(), &dst.octets(), &len, &[0, 0, 0, 112], &vrrp]);
    vrrp[6..8].copy_from_slice(&sum.to_be_bytes());
    vrrp
}

fn spec(ns: &str, ifname: &str, family: Family, group: Option<IpAddr>, unicast_src: Option<IpAddr>) -> SockSpec {
    SockSpec {
        ifname: ifname.into(),
        ifindex: link_info(ns, ifname).0,
        family,
        group,
        unicast_src,
        ah: false,
        rx_buf_size: 0,
    }
}

fn mcast4(ns: &str, ifname: &str) -> SockSpec {
    spec(ns, ifname, Family::V4, Some(GROUP4.into()), None)
}

fn mcast6(ns: &str, ifname: &str) -> SockSpec {
    spec(ns, ifname, Family::V6, Some(GROUP6.into()), None)
}

/// Opens a pool inside a namespace; every entry must be open.
fn open_in(ns: &str, specs: &[SockSpec]) -> SockPool {
    let _in = enter(ns);
    let (pool, lines) = SockPool::open(specs);
    for (s, st) in pool.status() {
        assert_eq!(st, SlotStatus::Open, "{s:?}: {lines:?}");
    }
    pool
}

async fn recv(pool: &SockPool) -> RxPacket {
    tokio::time::timeout(WAIT, pool.recv())
        .await
        .expect("no packet within 5 s")
}

fn tx(ifname: &str, family: Family, src: IpAddr, dst: IpAddr, ttl: u8, data: Vec<u8>) -> TxPacket {
    TxPacket {
        ifname: ifname.into(),
        family,
        src,
        dst,
        ttl,
        data,
    }
}

/// IPv4 multicast (RFC 3768 5.1.1.3 TTL 255; keepalived's IP_HDRINCL send socket): the other
/// side receives the whole datagram as sent, with its interface, addresses and TTL 255, and on
/// the wire it is the IPv4 multicast frame keepalived sends (TOS 0xc0, proto 112, 01:00:5e:00:00:12).
#[test]
fn ipv4_multicast_advert_arrives_with_ttl_255() {
    let Some(pair) = Pair::new("ipv4_multicast_advert_arrives_with_ttl_255", 1) else {
        return;
    };
    runtime().block_on(async {
        let a = open_in(&pair.a, &[mcast4(&pair.a, "a0")]);
        let b = open_in(&pair.b, &[mcast4(&pair.b, "b0")]);
        let cap = Capture::open(&pair.b, "b0", ETH_P_ALL);
        let data = v2_advert(pair.v4(0, 1), GROUP4, 255, 112, 51, &[Ipv4Addr::new(10, 77, 0, 100)]);
        let pkt = tx("a0", Family::V4, pair.v4(0, 1).into(), GROUP4.into(), 255, data.clone());
        a.send(&pkt).expect("send");
        let rx = recv(&b).await;
        assert_eq!(
            rx,
            RxPacket {
                ifname: "b0".into(),
                family: Family::V4,
                src: pair.v4(0, 1).into(),
                dst: GROUP4.into(),
                ttl: 255,
                data: data.clone(),
            }
        );
        // IPv4 protocol 112 only: joining the group also sends IGMP reports (to 224.0.0.22).
        let frames = cap.collect(1, Instant::now() + WAIT, |f| {
            f.len() > 34 && f[12..14] == [8, 0] && f[23] == 112
        });
        let f = &frames.first().expect("frame on b0").data;
        assert_eq!(f[..6], [0x01, 0x00, 0x5e, 0x00, 0x00, 0x12]);
        assert_eq!(f[14..], data[..]);
        assert_eq!(a.stats().tx_packets, 1);
        assert_eq!(b.stats().rx_packets, 1);
    });
}

/// IPv6 multicast (RFC 9568 5.1.2.3 hop limit 255): the VRRP message arrives with hop limit 255,
/// source fe80::1 and destination ff02::12 from the control messages; on the wire the IPv6
/// header has traffic class 0xc0 (keepalived's `if_setsockopt_priority()`), next header 112,
/// and the checksum the kernel wrote (IPV6_CHECKSUM) equals ours.
#[test]
fn ipv6_multicast_advert_arrives_with_hop_limit_255() {
    let Some(pair) = Pair::new("ipv6_multicast_advert_arrives_with_hop_limit_255", 1) else {
        return;
    };
    runtime().block_on(async {
        let a = open_in(&pair.a, &[mcast6(&pair.a, "a0")]);
        let b = open_in(&pair.b, &[mcast6(&pair.b, "b0")]);
        let cap = Capture::open(&pair.b, "b0", ETH_P_ALL);
        let data = v3_advert6(LL_A, GROUP6, 52, &[Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x100)]);
        a.send(&tx("a0", Family::V6, LL_A.into(), GROUP6.into(), 255, data.clone()))
            .expect("send");
        let rx = recv(&b).await;
        assert_eq!(
            rx,
            RxPacket {
                ifname: "b0".into(),
                family: Family::V6,
                src: LL_A.into(),
                dst: GROUP6.into(),
                ttl: 255,
                data: data.clone(),
            }
        );
        let frames = cap.collect(1, Instant::now() + WAIT, |f| {
            f.len() > 54 && f[12..14] == [0x86, 0xdd] && f[20] == 112
        });
        let f = &frames.first().expect("frame on b0").data;
        assert_eq!(f[..6], [0x33, 0x33, 0, 0, 0, 0x12]);
        let ip = &f[14..54];
        assert_eq!((ip[0], ip[1] & 0xf0), (0x6c, 0), "traffic class 0xc0");
        assert_eq!(ip[7], 255, "hop limit");
        assert_eq!(ip[8..24], LL_A.octets());
        assert_eq!(f[54..], data[..]);
    });
}

/// Unicast (keepalived 7.8): IPv4 to the peer with `unicast_ttl` 64 and IPv6 link-local with
/// hop limit 64 (IPV6_HOPLIMIT control message), each received once, by the socket bound to
/// the unicast source, not by the multicast socket on the same interface.
#[test]
fn unicast_adverts_reach_the_peer_once() {
    let Some(pair) = Pair::new("unicast_adverts_reach_the_peer_once", 1) else {
        return;
    };
    runtime().block_on(async {
        let (a4, b4) = (IpAddr::from(pair.v4(0, 1)), IpAddr::from(pair.v4(0, 2)));
        let a = open_in(
            &pair.a,
            &[
                spec(&pair.a, "a0", Family::V4, None, Some(a4)),
                spec(&pair.a, "a0", Family::V6, None, Some(LL_A.into())),
                mcast4(&pair.a, "a0"),
            ],
        );
        let b = open_in(
            &pair.b,
            &[
                mcast4(&pair.b, "b0"),
                spec(&pair.b, "b0", Family::V4, None, Some(b4)),
                spec(&pair.b, "b0", Family::V6, None, Some(LL_B.into())),
            ],
        );
        let d4 = v2_advert(
            pair.v4(0, 1),
            pair.v4(0, 2),
            64,
            112,
            7,
            &[Ipv4Addr::new(10, 77, 0, 100)],
        );
        a.send(&tx("a0", Family::V4, a4, b4, 64, d4.clone())).expect("send v4");
        let rx = recv(&b).await;
        assert_eq!((rx.dst, rx.ttl, &rx.data), (b4, 64, &d4));
        let d6 = v3_advert6(LL_A, LL_B, 8, &[Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0x100)]);
        a.send(&tx("a0", Family::V6, LL_A.into(), LL_B.into(), 64, d6.clone()))
            .expect("send v6");
        let rx = recv(&b).await;
        assert_eq!((rx.src, rx.dst, rx.ttl, &rx.data), (LL_A.into(), LL_B.into(), 64, &d6));
        // A multicast marker comes next: the unicast advert was not also queued elsewhere.
        let m = v2_advert(pair.v4(0, 1), GROUP4, 255, 112, 9, &[]);
        a.send(&tx("a0", Family::V4, a4, GROUP4.into(), 255, m.clone()))
            .expect("send marker");
        assert_eq!(recv(&b).await.data, m);
        assert_eq!(b.stats().rx_packets, 3);
    });
}

/// SO_BINDTODEVICE and the per-interface group join (`open_vrrp_read_socket()`): an advert that
/// arrives on b1 is not received by the b0 socket, while a b1 socket does receive it.
#[test]
fn adverts_from_another_interface_are_not_received() {
    let Some(pair) = Pair::new("adverts_from_another_interface_are_not_received", 2) else {
        return;
    };
    runtime().block_on(async {
        let a = open_in(&pair.a, &[mcast4(&pair.a, "a0"), mcast4(&pair.a, "a1")]);
        let b0 = open_in(&pair.b, &[mcast4(&pair.b, "b0")]);
        let b1 = open_in(&pair.b, &[mcast4(&pair.b, "b1")]);
        let on1 = v2_advert(pair.v4(1, 1), GROUP4, 255, 112, 1, &[]);
        let on0 = v2_advert(pair.v4(0, 1), GROUP4, 255, 112, 2, &[]);
        a.send(&tx(
            "a1",
            Family::V4,
            pair.v4(1, 1).into(),
            GROUP4.into(),
            255,
            on1.clone(),
        ))
        .expect("send a1");
        assert_eq!(recv(&b1).await.data, on1, "the b1 socket sees link 1");
        a.send(&tx(
            "a0",
            Family::V4,
            pair.v4(0, 1).into(),
            GROUP4.into(),
            255,
            on0.clone(),
        ))
        .expect("send a0");
        let rx = recv(&b0).await;
        assert_eq!(
            (rx.ifname.as_str(), rx.data),
            ("b0", on0),
            "b0's first packet is link 0's"
        );
    });
}

/// `auth_type AH` instances get a protocol-51 socket pair of their own
/// (`vrrp_create_sockpool()`); an AH datagram goes to it, not to the VRRP socket.
#[test]
fn ah_packets_use_their_own_socket() {
    let Some(pair) = Pair::new("ah_packets_use_their_own_socket", 1) else {
        return;
    };
    runtime().block_on(async {
        let ah = |ns: &str, ifname: &str| SockSpec {
            ah: true,
            ..mcast4(ns, ifname)
        };
        let a = open_in(&pair.a, &[mcast4(&pair.a, "a0"), ah(&pair.a, "a0")]);
        let b_vrrp = open_in(&pair.b, &[mcast4(&pair.b, "b0")]);
        let b_ah = open_in(&pair.b, &[ah(&pair.b, "b0")]);
        let d_ah = v2_advert(pair.v4(0, 1), GROUP4, 255, 51, 3, &[]);
        let d_vrrp = v2_advert(pair.v4(0, 1), GROUP4, 255, 112, 4, &[]);
        let src = IpAddr::from(pair.v4(0, 1));
        a.send(&tx("a0", Family::V4, src, GROUP4.into(), 255, d_ah.clone()))
            .expect("send AH");
        a.send(&tx("a0", Family::V4, src, GROUP4.into(), 255, d_vrrp.clone()))
            .expect("send VRRP");
        assert_eq!(recv(&b_ah).await.data, d_ah);
        assert_eq!(
            recv(&b_vrrp).await.data,
            d_vrrp,
            "the VRRP socket's first packet is the VRRP one"
        );
    });
}

/// `open_sockpool_socket()` failures: an unconfigured unicast source (keepalived puts the
/// instance in FAULT), an absent interface (fd -1, "fd(-1,-1)" in the dump); sending where no
/// socket is open fails with EBADF as keepalived's send on fd -1 does, and is counted.
#[test]
fn failures_are_reported_like_keepalived() {
    let Some(pair) = Pair::new("failures_are_reported_like_keepalived", 1) else {
        return;
    };
    runtime().block_on(async {
        let _in = enter(&pair.a);
        let bad_src = spec(&pair.a, "a0", Family::V4, None, Some(Ipv4Addr::new(10, 99, 99, 99).into()));
        let gone = SockSpec { ifname: "nosuch0".into(), ifindex: 0, ..mcast4(&pair.a, "a0") };
        let (pool, lines) = SockPool::open(&[bad_src.clone(), gone.clone()]);
        let status: Vec<SlotStatus> = pool.status().map(|(_, s)| s).collect();
        assert_eq!(status, [SlotStatus::SrcNotConfigured, SlotStatus::Closed]);
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, [
            "bind unicast_src 10.99.99.99 failed 99 - Cannot assign requested address",
            &format!("VRRP sockpool: [ifindex({:3}), family(IPv4), proto(112), fd(-1,-1) , unicast, address(10.99.99.99)]", bad_src.ifindex),
            "VRRP sockpool: [ifindex(  0), family(IPv4), proto(112), fd(-1,-1) multicast, address(224.0.0.18)]",
        ]);
        let pkt = tx("a0", Family::V4, Ipv4Addr::new(10, 99, 99, 99).into(), pair.v4(0, 2).into(), 255, vec![0; 40]);
        let err = pool.send(&pkt).expect_err("no socket");
        assert_eq!(err.raw_os_error(), Some(libc::EBADF));
        assert_eq!(pool.stats().tx_errors, 1);
    });
}

/// keepalived's `setup_interface()` / `cleanup_lost_interface()`: sockets close when the
/// interface goes and reopen on its new ifindex.
#[test]
fn sockets_reopen_when_the_interface_returns() {
    let Some(pair) = Pair::new("sockets_reopen_when_the_interface_returns", 1) else {
        return;
    };
    runtime().block_on(async {
        let mut a = open_in(&pair.a, &[mcast4(&pair.a, "a0")]);
        let b = open_in(&pair.b, &[mcast4(&pair.b, "b0")]);
        a.close_interface("a0");
        assert_eq!(a.status().next().map(|(_, s)| s), Some(SlotStatus::Closed));
        let pkt = tx(
            "a0",
            Family::V4,
            pair.v4(0, 1).into(),
            GROUP4.into(),
            255,
            v2_advert(pair.v4(0, 1), GROUP4, 255, 112, 5, &[]),
        );
        assert!(a.send(&pkt).is_err());
        let lines = {
            let _in = enter(&pair.a);
            a.reopen_interface("a0", link_info(&pair.a, "a0").0)
        };
        assert!(lines.is_empty(), "{lines:?}");
        a.send(&pkt).expect("send after reopen");
        assert_eq!(recv(&b).await.data, pkt.data);
    });
}
