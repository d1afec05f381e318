//! The VRRP wire format against keepalived 2.2.7: golden packets captured from the real daemon,
//! every receive check of `vrrp_check_packet()` with its log line and counter, build/check
//! round trips, and robustness against arbitrary bytes.
//!
//! How the golden packets were captured (Debian's keepalived 2.2.7, `/usr/sbin/keepalived`):
//! two network namespaces A and B joined by a veth pair `wa` (02:00:00:00:00:01, 10.99.0.1/24,
//! link-local fe80::ff:fe00:1) <-> `wb` (10.99.0.2/24); in A
//! `keepalived -n -l -D -P -f X.conf -p X.pid -r X.vpid -c X.cpid` with one `vrrp_instance` on
//! `wa` (`state MASTER`, the settings given with each packet), in B
//! `tcpdump -i wb -U -w X.pcap 'ip proto 112 or ip proto 51 or ip6 proto 112'`, then
//! `tcpdump -r X.pcap -n -v -x`. Priority 0 adverts were captured after SIGTERM with a filter on
//! the priority byte. IPv6 packets are shown without their IPv6 header (the kernel adds it); its
//! source, destination and hop limit are given.

use std::cell::Cell;
use std::net::{IpAddr, Ipv4Addr};

use keepalived_rs::config::model::vrrp::{AuthType, ChecksumCompat, Family};
use keepalived_rs::log::Priority;
use keepalived_rs::vrrp::auth_ah;
use keepalived_rs::vrrp::event::RxPacket;
use keepalived_rs::vrrp::packet::{
    self, Advert, RxError, RxErrorKind, RxExpect, RxState, TxParams, build, check, peek_vrid,
};
use keepalived_rs::vrrp::stats::{Counter, Stats};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Golden data.

/// Reference section 7.1 (the lab capture), reproduced with `v2pass.conf`: VI_1, vrid 51,
/// priority 160, advert_int 1, `auth_type PASS`, `auth_pass s3cret`, VIPs 10.99.0.100-102/24.
/// The third advert (IP id 3).
const V2_PASS_ID3: &str = "45c0 0030 0003 0000 ff70 d024 0a63 0001 e000 0012
    2133 a003 0101 e155 0a63 0064 0a63 0065 0a63 0066 7333 6372 6574 0000";

/// `v2none.conf` (the configuration of `keepalived-2.2.7-wire-capture.txt`): vrid 51, priority
/// 150, advert_int 1, no authentication, VIP 10.99.0.100/24. First advert (IP id 1).
const V2_NONE_ID1: &str = "45c0 0028 0001 0000 ff70 d02e 0a63 0001 e000 0012
    2133 9601 0001 3e03 0a63 0064 0000 0000 0000 0000";

/// `v3v4.conf`: `version 3`, vrid 51, priority 150, advert_int 1, VIPs 10.99.0.100/24 and
/// 10.99.0.101/24. First advert (IP id 1).
const V3_V4_ID1: &str = "45c0 0024 0001 0000 ff70 d032 0a63 0001 e000 0012
    3133 9602 0064 37e0 0a63 0064 0a63 0065";

/// The same instance's priority 0 advert on SIGTERM (IP id 5): keepalived patches the checksum
/// incrementally, we compute it afresh; the bytes must agree.
const V3_V4_PRIO0_ID5: &str = "45c0 0024 0005 0000 ff70 d02e 0a63 0001 e000 0012
    3133 0002 0064 cde0 0a63 0064 0a63 0065";

/// `v3v6.conf`: vrid 61, priority 200, advert_int 0.5 (50 cs), VIPs 2001:db8:99::100/64 and
/// 2001:db8:99::101/64 (so IPv6 and VRRPv3). fe80::ff:fe00:1 -> ff02::12, hop limit 255,
/// traffic class 0xc0. The checksum was filled in by the kernel (IPV6_CHECKSUM).
const V3_V6: &str = "313d c802 0032 aab9
    2001 0db8 0099 0000 0000 0000 0000 0100 2001 0db8 0099 0000 0000 0000 0000 0101";

/// `v2v6.conf`: as `v3v6.conf` with `version 2`, vrid 62, advert_int 1. The kernel computes the
/// checksum with the IPv6 pseudo-header for VRRPv2 too (tcpdump calls it bad).
const V2_V6: &str = "213e c802 0001 bae9
    2001 0db8 0099 0000 0000 0000 0000 0100 2001 0db8 0099 0000 0000 0000 0000 0101";

/// `v2ah.conf`: vrid 52, priority 120, advert_int 1, `auth_type AH`, `auth_pass s3cret`, VIP
/// 10.99.0.110/24. First advert: IP id 1, AH sequence 1.
const V2_AH_ID1: &str = "45c0 0040 0001 0000 ff33 d053 0a63 0001 e000 0012
    7004 0000 0a63 0001 0000 0001 371d c8a8 e2b4 20d3 a455 3371
    2134 7801 0201 59f8 0a63 006e 0000 0000 0000 0000";

/// Its second advert: IP id 2, sequence 2.
const V2_AH_ID2: &str = "45c0 0040 0002 0000 ff33 d052 0a63 0001 e000 0012
    7004 0000 0a63 0001 0000 0002 a262 05a0 34cf 598f 6bdf 8ba6
    2134 7801 0201 59f8 0a63 006e 0000 0000 0000 0000";

/// Its priority 0 advert on SIGTERM: IP id 5, sequence 5.
const V2_AH_PRIO0_ID5: &str = "45c0 0040 0005 0000 ff33 d04f 0a63 0001 e000 0012
    7004 0000 0a63 0001 0000 0005 99f6 d812 9e55 3b30 0b6d 015b
    2134 0001 0201 d1f8 0a63 006e 0000 0000 0000 0000";

/// `v2ahu.conf`: unicast AH (the ICV leaves out the TTL): vrid 53, priority 130, advert_int 2,
/// `unicast_src_ip 10.99.0.1`, `unicast_peer { 10.99.0.2 }`, `auth_pass longpassword`
/// (truncated to "longpass"), VIPs 10.99.0.120/24 and 10.99.0.121/24. IP id 1, sequence 1.
const V2_AH_UNICAST_ID1: &str = "45c0 0044 0001 0000 ff33 a5fd 0a63 0001 0a63 0002
    7004 0000 0a63 0001 0000 0001 69c4 5aa9 88bd d908 7ab9 79ff
    2135 8202 0202 450f 0a63 0078 0a63 0079 0000 0000 0000 0000";

/// `v3u.conf`: unicast VRRPv3 (pseudo-header destination = the peer): vrid 54, priority 140,
/// advert_int 1, `unicast_src_ip 10.99.0.1`, `unicast_peer { 10.99.0.2 }`, VIP 10.99.0.130/24.
const V3_UNICAST_ID1: &str = "45c0 0020 0001 0000 ff70 a5e4 0a63 0001 0a63 0002
    3136 8c01 0064 223a 0a63 0082";

/// `v3uold.conf`: the same with `old_unicast_checksum` (pseudo-header destination 224.0.0.18).
const V3_UNICAST_OLD_ID1: &str = "45c0 0020 0001 0000 ff70 a5e4 0a63 0001 0a63 0002
    3136 8c01 0064 4c8c 0a63 0082";

// ---------------------------------------------------------------------------------------------
// Helpers.

fn hex(s: &str) -> Vec<u8> {
    let h: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
        .collect()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn ips(v: &[&str]) -> Vec<IpAddr> {
    v.iter().map(|s| ip(s)).collect()
}

fn advert(version: u8, vrid: u8, priority: u8, adver_int: u16, addrs: &[&str]) -> Advert {
    Advert {
        version,
        vrid,
        priority,
        adver_int,
        addrs: ips(addrs),
    }
}

fn tx<'a>(src: &str, dst: &str, ip_id: u16, auth: AuthType, password: &'a [u8]) -> TxParams<'a> {
    let src = ip(src);
    TxParams {
        family: Family::of(&src),
        src,
        dst: ip(dst),
        ttl: 255,
        ip_id,
        auth,
        password,
        ah_seq: u32::from(ip_id),
        old_unicast_checksum: None,
    }
}

/// An IPv4 packet as the raw socket delivers it: addresses and TTL from its header.
fn rx4(data: Vec<u8>) -> RxPacket {
    let a = |o: usize| IpAddr::V4(Ipv4Addr::new(data[o], data[o + 1], data[o + 2], data[o + 3]));
    RxPacket {
        ifname: "wb".into(),
        family: Family::V4,
        src: a(12),
        dst: a(16),
        ttl: data[8],
        data,
    }
}

/// An IPv6 VRRP message with what recvmsg() reported.
fn rx6(data: Vec<u8>, src: &str, dst: &str, hop_limit: u8) -> RxPacket {
    RxPacket {
        ifname: "wb".into(),
        family: Family::V6,
        src: ip(src),
        dst: ip(dst),
        ttl: hop_limit,
        data,
    }
}

/// One instance's receive configuration, owning what [`RxExpect`] borrows.
#[derive(Clone)]
struct Inst {
    name: &'static str,
    version: u8,
    family: Family,
    auth: AuthType,
    password: Vec<u8>,
    adver_int_secs: u16,
    vips: Vec<IpAddr>,
    unicast: bool,
    peers: Vec<(IpAddr, u8, u8)>,
    check_unicast_src: bool,
    skip_addr_check: bool,
    compat: ChecksumCompat,
    state: RxState,
}

impl Inst {
    fn new(version: u8, vips: &[&str]) -> Inst {
        let vips = ips(vips);
        Inst {
            name: "VI_1",
            version,
            family: vips.first().map_or(Family::V4, Family::of),
            auth: AuthType::None,
            password: Vec::new(),
            adver_int_secs: 1,
            vips,
            unicast: false,
            peers: Vec::new(),
            check_unicast_src: false,
            skip_addr_check: false,
            compat: ChecksumCompat::None,
            state: RxState::default(),
        }
    }
    fn auth(mut self, auth: AuthType, password: &[u8]) -> Inst {
        self.auth = auth;
        self.password = password.to_vec();
        self
    }
    fn unicast(mut self, peers: &[(&str, u8, u8)], check_src: bool) -> Inst {
        self.unicast = true;
        self.peers = peers.iter().map(|(a, lo, hi)| (ip(a), *lo, *hi)).collect();
        self.check_unicast_src = check_src;
        self
    }
    fn expect(&self) -> RxExpect<'_> {
        RxExpect {
            name: self.name,
            version: self.version,
            family: self.family,
            auth: self.auth,
            password: &self.password,
            adver_int_secs: self.adver_int_secs,
            vips: &self.vips,
            unicast: self.unicast,
            peers: &self.peers,
            check_unicast_src: self.check_unicast_src,
            skip_addr_check: self.skip_addr_check,
            old_unicast_checksum: self.compat,
            mcast_group4: Ipv4Addr::new(224, 0, 0, 18),
            rx_state: Cell::new(self.state),
        }
    }
    /// Checks a packet and keeps the updated receive state, as the engine does.
    fn check(&mut self, rx: &RxPacket) -> Result<Advert, RxError> {
        let e = self.expect();
        let r = check(rx, &e);
        self.state = e.rx_state.get();
        r
    }
    fn kind(&mut self, rx: &RxPacket) -> RxErrorKind {
        self.check(rx).expect_err("packet must be rejected").kind
    }
}

// ---------------------------------------------------------------------------------------------
// Golden packets: build() reproduces keepalived byte for byte, check() accepts them.

/// vrrp_build_ip4() + vrrp_build_vrrp_v2(): reference 7.1's capture, IP header checksum d024
/// and VRRP checksum e155 included.
#[test]
fn golden_v2_pass_reference_capture() {
    let a = advert(2, 51, 160, 1, &["10.99.0.100", "10.99.0.101", "10.99.0.102"]);
    let pkt = build(&a, &tx("10.99.0.1", "224.0.0.18", 3, AuthType::Pass, b"s3cret"));
    assert_eq!(pkt, hex(V2_PASS_ID3));
    let mut inst = Inst::new(2, &["10.99.0.100", "10.99.0.101", "10.99.0.102"]).auth(AuthType::Pass, b"s3cret");
    assert_eq!(inst.check(&rx4(pkt)), Ok(a));
}

/// keepalived-2.2.7-wire-capture.txt's advert (vrid 51 prio 150, 10.99.0.100, authtype none).
#[test]
fn golden_v2_none_wire_capture() {
    let a = advert(2, 51, 150, 1, &["10.99.0.100"]);
    let pkt = build(&a, &tx("10.99.0.1", "224.0.0.18", 1, AuthType::None, b""));
    assert_eq!(pkt, hex(V2_NONE_ID1));
    assert_eq!(Inst::new(2, &["10.99.0.100"]).check(&rx4(pkt)), Ok(a));
}

/// vrrp_build_vrrp_v3(): IPv4 pseudo-header checksum, interval in centiseconds, no auth data.
#[test]
fn golden_v3_ipv4() {
    let a = advert(3, 51, 150, 100, &["10.99.0.100", "10.99.0.101"]);
    let pkt = build(&a, &tx("10.99.0.1", "224.0.0.18", 1, AuthType::None, b""));
    assert_eq!(pkt, hex(V3_V4_ID1));
    assert_eq!(Inst::new(3, &["10.99.0.100", "10.99.0.101"]).check(&rx4(pkt)), Ok(a));
}

/// vrrp_update_pkt()'s incremental checksum for priority 0 equals a fresh computation.
#[test]
fn golden_v3_ipv4_priority_zero() {
    let a = advert(3, 51, 0, 100, &["10.99.0.100", "10.99.0.101"]);
    let pkt = build(&a, &tx("10.99.0.1", "224.0.0.18", 5, AuthType::None, b""));
    assert_eq!(pkt, hex(V3_V4_PRIO0_ID5));
    let mut inst = Inst::new(3, &["10.99.0.100", "10.99.0.101"]);
    let r = inst.check(&rx4(pkt));
    assert_eq!(r, Ok(a));
    let mut stats = Stats::default();
    stats.record_rx(&r);
    assert_eq!((stats.advert_rcvd, stats.pri_zero_rcvd), (1, 1));
}

/// IPv6: the VRRP message only, checksummed with the IPv6 pseudo-header as the kernel does.
#[test]
fn golden_v3_ipv6() {
    let a = advert(3, 61, 200, 50, &["2001:db8:99::100", "2001:db8:99::101"]);
    let pkt = build(&a, &tx("fe80::ff:fe00:1", "ff02::12", 1, AuthType::None, b""));
    assert_eq!(pkt, hex(V3_V6));
    let mut inst = Inst::new(3, &["2001:db8:99::100", "2001:db8:99::101"]);
    assert_eq!(inst.check(&rx6(pkt, "fe80::ff:fe00:1", "ff02::12", 255)), Ok(a));
}

/// VRRPv2 over IPv6 (allowed without strict mode): no auth data, kernel checksum.
#[test]
fn golden_v2_ipv6() {
    let a = advert(2, 62, 200, 1, &["2001:db8:99::100", "2001:db8:99::101"]);
    let pkt = build(&a, &tx("fe80::ff:fe00:1", "ff02::12", 1, AuthType::None, b""));
    assert_eq!(pkt, hex(V2_V6));
    let mut inst = Inst::new(2, &["2001:db8:99::100", "2001:db8:99::101"]);
    assert_eq!(inst.check(&rx6(pkt, "fe80::ff:fe00:1", "ff02::12", 255)), Ok(a));
}

/// vrrp_build_ipsecah() / vrrp_update_pkt(): AH with SPI = source, sequence, HMAC-MD5-96 ICV.
#[test]
fn golden_v2_ah() {
    let vip = ["10.99.0.110"];
    for (golden, id, prio) in [(V2_AH_ID1, 1, 120), (V2_AH_ID2, 2, 120), (V2_AH_PRIO0_ID5, 5, 0)] {
        let a = advert(2, 52, prio, 1, &vip);
        let pkt = build(&a, &tx("10.99.0.1", "224.0.0.18", id, AuthType::Ah, b"s3cret"));
        assert_eq!(pkt, hex(golden), "IP id {id}");
    }
    // Received in order, each sequence number is new.
    let mut inst = Inst::new(2, &vip).auth(AuthType::Ah, b"s3cret");
    assert_eq!(inst.check(&rx4(hex(V2_AH_ID1))), Ok(advert(2, 52, 120, 1, &vip)));
    assert_eq!(inst.state.ah_seq, 1);
    assert_eq!(inst.check(&rx4(hex(V2_AH_ID2))), Ok(advert(2, 52, 120, 1, &vip)));
    assert_eq!(inst.check(&rx4(hex(V2_AH_PRIO0_ID5))), Ok(advert(2, 52, 0, 1, &vip)));
    assert_eq!(inst.state.ah_seq, 5);
}

/// Unicast AH: the TTL is zeroed for the ICV; the password is cut to 8 bytes.
#[test]
fn golden_v2_ah_unicast() {
    let vips = ["10.99.0.120", "10.99.0.121"];
    let a = advert(2, 53, 130, 2, &vips);
    let pkt = build(&a, &tx("10.99.0.1", "10.99.0.2", 1, AuthType::Ah, b"longpassword"));
    assert_eq!(pkt, hex(V2_AH_UNICAST_ID1));
    let mut inst = Inst::new(2, &vips)
        .auth(AuthType::Ah, b"longpass")
        .unicast(&[("10.99.0.1", 0, 255)], true);
    inst.adver_int_secs = 2;
    // A router on the way may lower the TTL: the ICV does not cover it for unicast.
    let mut routed = pkt.clone();
    routed[8] = 60;
    fix_ip_header_checksum(&mut routed);
    assert_eq!(inst.check(&rx4(routed)), Ok(a));
}

fn fix_ip_header_checksum(pkt: &mut [u8]) {
    pkt[10..12].fill(0);
    let sum = keepalived_rs::vrrp::checksum::checksum(&pkt[..20]);
    pkt[10..12].copy_from_slice(&sum.to_be_bytes());
}

/// Unicast VRRPv3: the pseudo-header carries the peer as destination.
#[test]
fn golden_v3_unicast() {
    let a = advert(3, 54, 140, 100, &["10.99.0.130"]);
    let pkt = build(&a, &tx("10.99.0.1", "10.99.0.2", 1, AuthType::None, b""));
    assert_eq!(pkt, hex(V3_UNICAST_ID1));
    let mut inst = Inst::new(3, &["10.99.0.130"]).unicast(&[("10.99.0.1", 0, 255)], true);
    assert_eq!(inst.check(&rx4(pkt)), Ok(a));
    assert!(!inst.state.old_unicast_checksum);
}

/// `old_unicast_checksum`: the pseudo-header destination is the multicast group.
#[test]
fn golden_v3_unicast_old_checksum() {
    let a = advert(3, 54, 140, 100, &["10.99.0.130"]);
    let mut p = tx("10.99.0.1", "10.99.0.2", 1, AuthType::None, b"");
    p.old_unicast_checksum = Some(Ipv4Addr::new(224, 0, 0, 18));
    let pkt = build(&a, &p);
    assert_eq!(pkt, hex(V3_UNICAST_OLD_ID1));

    let base = Inst::new(3, &["10.99.0.130"]).unicast(&[("10.99.0.1", 0, 255)], false);
    // Configured: accepted as is.
    let mut configured = Inst {
        compat: ChecksumCompat::Config,
        ..base.clone()
    };
    assert_eq!(configured.check(&rx4(pkt.clone())), Ok(a.clone()));
    // Not configured: keepalived detects the old form and switches for good (vrrp_check_packet,
    // CHKSUM_COMPATIBILITY_AUTO); the new form is then rejected.
    let mut auto = base.clone();
    assert_eq!(auto.check(&rx4(pkt.clone())), Ok(a.clone()));
    assert!(auto.state.old_unicast_checksum);
    assert_eq!(
        packet::checksum_switch_log("VI_1").text,
        "(VI_1) Setting unicast VRRPv3 checksum to old version"
    );
    assert_eq!(
        auto.kind(&rx4(hex(V3_UNICAST_ID1))),
        RxErrorKind::Checksum { version: 3 }
    );
    // `old_unicast_checksum never`: no switch.
    let mut never = Inst {
        compat: ChecksumCompat::Never,
        ..base
    };
    assert_eq!(never.kind(&rx4(pkt)), RxErrorKind::Checksum { version: 3 });
    assert!(!never.state.old_unicast_checksum);
}

/// Dispatch by VRID, with AH in front for IPv4 (vrrp_get_header()).
#[test]
fn peek_finds_vrid_behind_headers() {
    assert_eq!(peek_vrid(Family::V4, &hex(V2_PASS_ID3)), Some((2, 51)));
    assert_eq!(peek_vrid(Family::V4, &hex(V2_AH_ID1)), Some((2, 52)));
    assert_eq!(peek_vrid(Family::V4, &hex(V3_UNICAST_ID1)), Some((3, 54)));
    assert_eq!(peek_vrid(Family::V6, &hex(V3_V6)), Some((3, 61)));
    assert_eq!(peek_vrid(Family::V4, &hex(V2_AH_ID1)[..51]), None);
    assert_eq!(
        packet::unknown_vrid_log(77, "eth0").text,
        "Unknown VRID(77) received on interface(eth0). ignoring..."
    );
}

// ---------------------------------------------------------------------------------------------
// Every RxError: produced by a packet, with keepalived's log line and counter.

/// Checks one rejection: kind, exact log text (LOG_INFO), counter, advert_rcvd accounting.
fn assert_rejects(
    inst: &mut Inst,
    rx: &RxPacket,
    kind: RxErrorKind,
    log: Option<&str>,
    counter: Option<Counter>,
) -> RxError {
    let r = inst.check(rx);
    let err = r.clone().expect_err("must be rejected");
    assert_eq!(err.kind, kind);
    let line = err.log_line();
    assert_eq!(line.as_ref().map(|l| l.text.as_str()), log, "{kind:?}");
    if let Some(l) = &line {
        assert_eq!(l.priority, Priority::Info);
    }
    assert_eq!(err.counter(), counter, "{kind:?}");
    let mut stats = Stats::default();
    stats.record_rx(&r);
    let mut want = Stats::default();
    if let Some(c) = counter {
        want.bump(c);
    }
    if err.counted_as_advert() {
        want.bump(Counter::AdvertRcvd);
    }
    assert_eq!(stats, want, "{kind:?}");
    err
}

fn v2_none() -> (Inst, Vec<u8>) {
    let a = advert(2, 51, 100, 1, &["10.0.0.100"]);
    (
        Inst::new(2, &["10.0.0.100"]),
        build(&a, &tx("10.0.0.1", "224.0.0.18", 1, AuthType::None, b"")),
    )
}

/// vrrp_get_header(): too short for the headers (no instance name in the line).
#[test]
fn error_truncated() {
    let (mut inst, pkt) = v2_none();
    let short = rx4(pkt[..27].to_vec());
    assert_rejects(
        &mut inst,
        &short,
        RxErrorKind::Truncated {
            family: Family::V4,
            ah: false,
            len: 27,
        },
        Some("IPv4 VRRP packet too short - 27 bytes"),
        None,
    );
    let mut ah = Inst::new(2, &["10.99.0.110"]).auth(AuthType::Ah, b"s3cret");
    assert_rejects(
        &mut ah,
        &rx4(hex(V2_AH_ID1)[..40].to_vec()),
        RxErrorKind::Truncated {
            family: Family::V4,
            ah: true,
            len: 40,
        },
        Some("IPv4 VRRP packet with AH too short - 40 bytes"),
        None,
    );
    let mut six = Inst::new(3, &["2001:db8:99::100", "2001:db8:99::101"]);
    assert_rejects(
        &mut six,
        &rx6(hex(V3_V6)[..7].to_vec(), "fe80::1", "ff02::12", 255),
        RxErrorKind::Truncated {
            family: Family::V6,
            ah: false,
            len: 7,
        },
        Some("IPv6 VRRP packet too short - 7 bytes"),
        None,
    );
}

/// vrrp_read_dispatcher_thread(): IPv6 multicast on a unicast instance is discarded (-D line).
#[test]
fn error_ipv6_cast_discard() {
    let mut inst =
        Inst::new(3, &["2001:db8:99::100", "2001:db8:99::101"]).unicast(&[("fe80::ff:fe00:1", 0, 255)], false);
    let rx = rx6(hex(V3_V6), "fe80::ff:fe00:1", "ff02::12", 255);
    let err = assert_rejects(
        &mut inst,
        &rx,
        RxErrorKind::Ipv6CastDiscard {
            multicast: true,
            unicast: true,
        },
        Some("(VI_1) discarding multicast packet on unicast instance"),
        None,
    );
    assert!(err.log_line().unwrap().detail);
    let mut mc = Inst::new(3, &["2001:db8:99::100", "2001:db8:99::101"]);
    let rx = rx6(hex(V3_V6), "fe80::ff:fe00:1", "fe80::2", 255);
    assert_rejects(
        &mut mc,
        &rx,
        RxErrorKind::Ipv6CastDiscard {
            multicast: false,
            unicast: false,
        },
        Some("(VI_1) discarding unicast packet on multicast instance"),
        None,
    );
}

/// vrrp_check_packet() step 1: AH presence must match the configuration.
#[test]
fn error_ah_presence() {
    let mut none = Inst::new(2, &["10.99.0.110"]);
    assert_rejects(
        &mut none,
        &rx4(hex(V2_AH_ID1)),
        RxErrorKind::AhUnexpected,
        Some("(VI_1) Received AH header but auth type not AH"),
        Some(Counter::AuthtypeMismatch),
    );
    let mut ah = Inst::new(2, &["10.99.0.100"]).auth(AuthType::Ah, b"s3cret");
    assert_rejects(
        &mut ah,
        &rx4(v2_none().1),
        RxErrorKind::AhMissing,
        Some("(VI_1) No AH header but auth type is AH"),
        Some(Counter::AuthtypeMismatch),
    );
}

/// Step 2: the length must be exactly what the header announces.
#[test]
fn error_length() {
    let (mut inst, mut pkt) = v2_none();
    pkt.push(0);
    assert_rejects(
        &mut inst,
        &rx4(pkt.clone()),
        RxErrorKind::Length { len: 41, expected: 40 },
        Some("(VI_1) vrrp packet too long, length 41 and expect 40"),
        Some(Counter::PacketLenErr),
    );
    pkt.truncate(36);
    assert_rejects(
        &mut inst,
        &rx4(pkt),
        RxErrorKind::Length { len: 36, expected: 40 },
        Some("(VI_1) vrrp packet too short, length 36 and expect 40"),
        Some(Counter::PacketLenErr),
    );
}

/// Step 3: TTL 255 on multicast instances.
#[test]
fn error_ttl() {
    let (mut inst, mut pkt) = v2_none();
    pkt[8] = 64;
    assert_rejects(
        &mut inst,
        &rx4(pkt),
        RxErrorKind::Ttl { ttl: 64 },
        Some("(VI_1) invalid TTL/HL. Received 64 and expect 255"),
        Some(Counter::IpTtlErr),
    );
    // IPv6: the hop limit recvmsg() reported.
    let mut six = Inst::new(3, &["2001:db8:99::100", "2001:db8:99::101"]);
    assert_rejects(
        &mut six,
        &rx6(hex(V3_V6), "fe80::ff:fe00:1", "ff02::12", 1),
        RxErrorKind::Ttl { ttl: 1 },
        Some("(VI_1) invalid TTL/HL. Received 1 and expect 255"),
        Some(Counter::IpTtlErr),
    );
}

/// Step 4: the version must be ours.
#[test]
fn error_version() {
    let mut v3 = Inst::new(3, &["10.0.0.100"]);
    assert_rejects(
        &mut v3,
        &rx4(v2_none().1),
        RxErrorKind::Version {
            version: 2,
            expected: 3,
        },
        Some("(VI_1) wrong version. Received 2 and expect 3"),
        Some(Counter::VersErr),
    );
}

/// Step 5: auth type valid, equal to ours, then the password.
#[test]
fn error_auth_type_and_password() {
    let (mut inst, mut pkt) = v2_none();
    pkt[24] = 3;
    assert_rejects(
        &mut inst,
        &rx4(pkt),
        RxErrorKind::InvalidAuthType { auth_type: 3 },
        Some("(VI_1) Invalid auth type: 3"),
        Some(Counter::InvalidAuthtype),
    );
    let mut pass = Inst::new(2, &["10.0.0.100"]).auth(AuthType::Pass, b"s3cret");
    assert_rejects(
        &mut pass,
        &rx4(v2_none().1),
        RxErrorKind::AuthTypeMismatch {
            received: 0,
            expected: 1,
        },
        Some("(VI_1) received a 0 auth, expecting 1!"),
        Some(Counter::AuthtypeMismatch),
    );
    let mut wrong = Inst::new(2, &["10.99.0.100", "10.99.0.101", "10.99.0.102"]).auth(AuthType::Pass, b"s3creT");
    assert_rejects(
        &mut wrong,
        &rx4(hex(V2_PASS_ID3)),
        RxErrorKind::BadPassword,
        Some("(VI_1) received an invalid passwd!"),
        Some(Counter::AuthFailure),
    );
}

/// Step 5, AH: next header, ICV, SPI, sequence number (vrrp_in_chk_ipsecah()).
#[test]
fn error_ah_checks() {
    let vip = ["10.99.0.110"];
    let mut inst = Inst::new(2, &vip).auth(AuthType::Ah, b"s3cret");

    let mut other = hex(V2_AH_ID1);
    other[20] = 6;
    assert_rejects(
        &mut inst,
        &rx4(other),
        RxErrorKind::AhNotVrrp { next_header: 6 },
        None,
        None,
    );

    assert_rejects(
        &mut Inst::new(2, &vip).auth(AuthType::Ah, b"wrong"),
        &rx4(hex(V2_AH_ID1)),
        RxErrorKind::AhIcv,
        Some("(VI_1) IPSEC-AH : invalid IPSEC HMAC-MD5 value. Due to fields mutation or bad password !"),
        Some(Counter::AuthFailure),
    );
    // Multicast: the TTL is covered.
    let mut ttl = hex(V2_AH_ID1);
    ttl[8] = 254;
    let mut any_ttl = Inst {
        unicast: false,
        ..inst.clone()
    };
    let r = any_ttl.check(&rx4(ttl));
    assert_eq!(r.unwrap_err().kind, RxErrorKind::Ttl { ttl: 254 });

    // A valid ICV over a packet whose SPI is not its source.
    let mut spi = hex(V2_AH_ID1);
    spi[27] = 9;
    let icv = auth_ah::icv(b"s3cret", &spi[..44], &spi[44..], false);
    spi[32..44].copy_from_slice(&icv);
    let saddr = u32::from_ne_bytes([10, 99, 0, 1]);
    let spi_v = u32::from_ne_bytes([10, 99, 0, 9]);
    assert_rejects(
        &mut inst,
        &rx4(spi),
        RxErrorKind::AhSpi { saddr, spi: spi_v },
        Some(&format!(
            "IPSEC AH : invalid IPSEC SPI value. {saddr} and expect {spi_v}"
        )),
        Some(Counter::AuthFailure),
    );
    assert_eq!(saddr, 16_802_570, "printed as the x86 host reads network order");

    // Replay: the same sequence number twice.
    assert!(inst.check(&rx4(hex(V2_AH_ID2))).is_ok());
    assert_rejects(
        &mut inst,
        &rx4(hex(V2_AH_ID1)),
        RxErrorKind::AhReplay { seq: 1, local: 2 },
        Some("(VI_1) IPSEC-AH : sequence number 1 already processed. Packet dropped. Local(2)"),
        Some(Counter::AuthFailure),
    );
    assert_eq!(inst.state.ah_seq, 2);
}

/// The AH counter moves on a verified packet even when a later check drops it (keepalived
/// updates it inside vrrp_in_chk_ipsecah()).
#[test]
fn ah_sequence_advances_before_later_checks() {
    let mut inst = Inst::new(2, &["10.99.0.110"]).auth(AuthType::Ah, b"s3cret");
    inst.adver_int_secs = 3;
    let k = inst.kind(&rx4(hex(V2_AH_ID2)));
    assert_eq!(k, RxErrorKind::AdverIntMismatch { mine: 3, received: 1 });
    assert_eq!(inst.state.ah_seq, 2);
}

/// Step 6: v2 interval must equal ours; dropped uncounted (advert_interval_err stays 0 in
/// keepalived 2.2.7). v3 adopts the master's interval instead.
#[test]
fn error_adver_int() {
    let a = advert(2, 51, 100, 2, &["10.0.0.100"]);
    let pkt = build(&a, &tx("10.0.0.1", "224.0.0.18", 1, AuthType::None, b""));
    let mut inst = Inst::new(2, &["10.0.0.100"]);
    assert_rejects(
        &mut inst,
        &rx4(pkt),
        RxErrorKind::AdverIntMismatch { mine: 1, received: 2 },
        Some("(VI_1) advertisement interval mismatch mine=1 sec rcv'd=2 sec"),
        None,
    );
    let v3 = advert(3, 51, 100, 250, &["10.0.0.100"]);
    let pkt = build(&v3, &tx("10.0.0.1", "224.0.0.18", 1, AuthType::None, b""));
    assert_eq!(Inst::new(3, &["10.0.0.100"]).check(&rx4(pkt)), Ok(v3));
}

/// Step 7: the type must be ADVERTISEMENT.
#[test]
fn error_type() {
    let (mut inst, mut pkt) = v2_none();
    pkt[20] = 0x22;
    assert_rejects(
        &mut inst,
        &rx4(pkt),
        RxErrorKind::InvalidType { ptype: 2 },
        Some("(VI_1) Invalid packet type. 2 and expect 1"),
        Some(Counter::InvalidTypeRcvd),
    );
}

/// Step 8: naddr must equal our VIP count (a split-brain warning sign).
#[test]
fn error_addr_count() {
    let a = advert(2, 51, 100, 1, &["10.0.0.100", "10.0.0.101"]);
    let pkt = build(&a, &tx("10.0.0.1", "224.0.0.18", 1, AuthType::None, b""));
    let mut inst = Inst::new(2, &["10.0.0.100"]);
    assert_rejects(
        &mut inst,
        &rx4(pkt.clone()),
        RxErrorKind::AddrCount {
            received: 2,
            expected: 1,
        },
        Some("(VI_1) received an unexpected ip number count 2, expected 1!"),
        Some(Counter::AddrListErr),
    );
    // skip_check_adv_addr with the same master: no address checks.
    inst.skip_addr_check = true;
    assert_eq!(inst.check(&rx4(pkt)), Ok(a));
}

/// Step 9: the IP total length must match the bytes received.
#[test]
fn error_tot_len() {
    let (mut inst, mut pkt) = v2_none();
    pkt[3] = 44;
    assert_rejects(
        &mut inst,
        &rx4(pkt),
        RxErrorKind::TotLen { tot_len: 44, len: 40 },
        Some("(VI_1) ip_tot_len mismatch against received length. 44 and received 40"),
        Some(Counter::PacketLenErr),
    );
}

/// Step 10: checksums (v2 without, v3 with the IPv4 pseudo-header; IPv6 pseudo-header).
#[test]
fn error_checksum() {
    let (mut inst, mut pkt) = v2_none();
    pkt[26] ^= 1;
    assert_rejects(
        &mut inst,
        &rx4(pkt),
        RxErrorKind::Checksum { version: 2 },
        Some("(VI_1) Invalid VRRPv2 checksum"),
        Some(Counter::ChkErr),
    );
    // v3/IPv4: another source changes the pseudo-header.
    let mut pkt = hex(V3_V4_ID1);
    pkt[15] = 9;
    fix_ip_header_checksum(&mut pkt);
    assert_rejects(
        &mut Inst::new(3, &["10.99.0.100", "10.99.0.101"]),
        &rx4(pkt),
        RxErrorKind::Checksum { version: 3 },
        Some("(VI_1) Invalid VRRPv3 checksum"),
        Some(Counter::ChkErr),
    );
    // IPv6: the source recvmsg() reported is part of the sum.
    assert_rejects(
        &mut Inst::new(3, &["2001:db8:99::100", "2001:db8:99::101"]),
        &rx6(hex(V3_V6), "fe80::ff:fe00:2", "ff02::12", 255),
        RxErrorKind::Checksum { version: 3 },
        Some("(VI_1) Invalid VRRPv3 checksum"),
        Some(Counter::ChkErr),
    );
    // Multicast v3 never tries the old unicast form.
    let mut pkt = hex(V3_V4_ID1);
    pkt[27] ^= 0x10;
    let mut inst = Inst::new(3, &["10.99.0.100", "10.99.0.101"]);
    assert_eq!(inst.kind(&rx4(pkt)), RxErrorKind::Checksum { version: 3 });
    assert!(!inst.state.old_unicast_checksum);
}

/// Step 11: multicast destination on a multicast instance, unicast on a unicast one.
#[test]
fn error_cast_mismatch() {
    let mut uni = Inst::new(2, &["10.0.0.100"]).unicast(&[("10.0.0.1", 0, 255)], false);
    assert_rejects(
        &mut uni,
        &rx4(v2_none().1),
        RxErrorKind::CastMismatch { unicast: true },
        Some("(VI_1) Expected unicast packet but received multicast packet"),
        Some(Counter::AddrListErr),
    );
    let a = advert(2, 51, 100, 1, &["10.0.0.100"]);
    let pkt = build(&a, &tx("10.0.0.1", "10.0.0.2", 1, AuthType::None, b""));
    assert_rejects(
        &mut v2_none().0,
        &rx4(pkt),
        RxErrorKind::CastMismatch { unicast: false },
        Some("(VI_1) Expected multicast packet but received unicast packet"),
        Some(Counter::AddrListErr),
    );
}

/// Step 12: every VIP must be in the advert; the packet already counts as received.
#[test]
fn error_vip_missing() {
    let a = advert(2, 51, 100, 1, &["10.0.0.100"]);
    let pkt = build(&a, &tx("10.0.0.1", "224.0.0.18", 1, AuthType::None, b""));
    let mut inst = Inst::new(2, &["10.0.0.9"]);
    let err = assert_rejects(
        &mut inst,
        &rx4(pkt),
        RxErrorKind::VipMissing {
            vrid: 51,
            addr: ip("10.0.0.9"),
        },
        Some("(VI_1) ip address associated with VRID 51 not present in MASTER advert: 10.0.0.9"),
        Some(Counter::AddrListErr),
    );
    assert!(err.counted_as_advert());
    let mut six = Inst::new(3, &["2001:db8:99::100", "2001:db8:99::999"]);
    assert_rejects(
        &mut six,
        &rx6(hex(V3_V6), "fe80::ff:fe00:1", "ff02::12", 255),
        RxErrorKind::VipMissing {
            vrid: 61,
            addr: ip("2001:db8:99::999"),
        },
        Some("(VI_1) ip address associated with VRID 61 not present in MASTER advert: 2001:db8:99::999"),
        Some(Counter::AddrListErr),
    );
}

/// Step 13: with check_unicast_src the source must be a peer, within its TTL range.
#[test]
fn error_unicast_source_and_ttl_range() {
    let vip = ["10.99.0.130"];
    let pkt = hex(V3_UNICAST_ID1);
    let mut stranger = Inst::new(3, &vip).unicast(&[("10.99.0.3", 0, 255)], true);
    let err = assert_rejects(
        &mut stranger,
        &rx4(pkt.clone()),
        RxErrorKind::NotPeer { src: ip("10.99.0.1") },
        Some("(VI_1) unicast source address 10.99.0.1 not a unicast peer"),
        None,
    );
    assert!(err.counted_as_advert());
    // Without check_unicast_src nothing is checked.
    let mut lax = Inst::new(3, &vip).unicast(&[("10.99.0.3", 0, 255)], false);
    assert!(lax.check(&rx4(pkt.clone())).is_ok());

    let mut ranged = Inst::new(3, &vip).unicast(&[("10.99.0.3", 0, 255), ("10.99.0.1", 250, 254)], true);
    assert_rejects(
        &mut ranged,
        &rx4(pkt.clone()),
        RxErrorKind::PeerTtl {
            ttl: 255,
            min: 250,
            max: 254,
        },
        Some("(VI_1) TTL/HL 255 not in range 250 - 254"),
        Some(Counter::IpTtlErr),
    );
    // Unicast skips the TTL 255 rule: a routed advert with TTL 252 is fine.
    let mut routed = pkt;
    routed[8] = 252;
    fix_ip_header_checksum(&mut routed);
    assert!(ranged.check(&rx4(routed)).is_ok());
}

/// The checks run in keepalived's order: a packet wrong in several ways reports the first.
#[test]
fn first_failure_wins() {
    let (mut inst, mut pkt) = v2_none();
    pkt[8] = 1; // TTL (step 3)
    pkt[25] = 9; // interval (step 6)
    pkt[20] = 0x22; // type (step 7)
    pkt[26] ^= 0xff; // checksum (step 10)
    assert_eq!(inst.kind(&rx4(pkt.clone())), RxErrorKind::Ttl { ttl: 1 });
    pkt[8] = 255;
    assert_eq!(
        inst.kind(&rx4(pkt.clone())),
        RxErrorKind::AdverIntMismatch { mine: 1, received: 9 }
    );
    pkt[25] = 1;
    assert_eq!(inst.kind(&rx4(pkt.clone())), RxErrorKind::InvalidType { ptype: 2 });
    pkt[20] = 0x21;
    assert_eq!(inst.kind(&rx4(pkt.clone())), RxErrorKind::Checksum { version: 2 });
    // The expected length follows the packet's version (expected_vrrp_pkt_len()), so a v3
    // header on a v2-sized packet fails on length before the version check.
    pkt[20] = 0x31;
    assert_eq!(inst.kind(&rx4(pkt)), RxErrorKind::Length { len: 40, expected: 32 });
}

// ---------------------------------------------------------------------------------------------
// Properties.

/// A random valid instance + advert: (instance, advert, tx params' src/dst/ttl).
#[derive(Debug, Clone)]
struct Case {
    v6: bool,
    version: u8,
    auth: AuthType,
    password: Vec<u8>,
    unicast: bool,
    check_src: bool,
    ttl: u8,
    vrid: u8,
    priority: u8,
    adver_int: u16,
    addrs: Vec<IpAddr>,
    seq: u32,
    old_checksum: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        any::<bool>(),
        prop_oneof![Just(2u8), Just(3u8)],
        0u8..3,
        proptest::collection::vec(1u8..=255, 1..12),
        any::<bool>(),
        any::<bool>(),
        1u8..=255,
        (1u8..=255, any::<u8>(), 1u16..=0x0fff),
        proptest::collection::vec(any::<[u8; 16]>(), 0..20),
        1u32..,
        any::<bool>(),
    )
        .prop_map(
            |(v6, version, auth, password, unicast, check_src, ttl, (vrid, priority, adv), raw, seq, old)| {
                let v4_only = !v6 && version == 2;
                let auth = match (auth, v4_only) {
                    (1, true) => AuthType::Pass,
                    (2, true) => AuthType::Ah,
                    _ => AuthType::None,
                };
                let addrs = raw
                    .iter()
                    .map(|b| {
                        if v6 {
                            IpAddr::from(*b)
                        } else {
                            IpAddr::from([b[0], b[1], b[2], b[3]])
                        }
                    })
                    .collect();
                Case {
                    v6,
                    version,
                    auth,
                    password,
                    unicast,
                    check_src,
                    ttl: if unicast { ttl } else { 255 },
                    vrid,
                    priority,
                    adver_int: if version == 2 { adv % 256 } else { adv },
                    addrs,
                    seq,
                    old_checksum: old && unicast,
                }
            },
        )
}

impl Case {
    fn endpoints(&self) -> (IpAddr, IpAddr) {
        match (self.v6, self.unicast) {
            (false, false) => (ip("192.0.2.7"), ip("224.0.0.18")),
            (false, true) => (ip("192.0.2.7"), ip("192.0.2.8")),
            (true, false) => (ip("fe80::7"), ip("ff02::12")),
            (true, true) => (ip("2001:db8::7"), ip("2001:db8::8")),
        }
    }
    fn advert(&self) -> Advert {
        Advert {
            version: self.version,
            vrid: self.vrid,
            priority: self.priority,
            adver_int: self.adver_int,
            addrs: self.addrs.clone(),
        }
    }
    fn packet(&self) -> RxPacket {
        let (src, dst) = self.endpoints();
        let p = TxParams {
            family: Family::of(&src),
            src,
            dst,
            ttl: self.ttl,
            ip_id: 1,
            auth: self.auth,
            password: &self.password,
            ah_seq: self.seq,
            old_unicast_checksum: self.old_checksum.then_some(Ipv4Addr::new(224, 0, 0, 18)),
        };
        RxPacket {
            ifname: "x".into(),
            family: p.family,
            src,
            dst,
            ttl: self.ttl,
            data: build(&self.advert(), &p),
        }
    }
    fn inst(&self) -> Inst {
        let (src, _) = self.endpoints();
        Inst {
            name: "VI_1",
            version: self.version,
            family: if self.v6 { Family::V6 } else { Family::V4 },
            auth: self.auth,
            password: self.password.clone(),
            adver_int_secs: if self.version == 2 { self.adver_int } else { 1 },
            vips: self.addrs.clone(),
            unicast: self.unicast,
            peers: vec![(src, self.ttl, self.ttl)],
            check_unicast_src: self.check_src,
            skip_addr_check: false,
            compat: if self.old_checksum {
                ChecksumCompat::Config
            } else {
                ChecksumCompat::None
            },
            state: RxState::default(),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// build() then check() gives the advert back (v2/v3, IPv4/IPv6, none/PASS/AH, multicast
    /// and unicast).
    #[test]
    fn build_check_round_trip(c in case()) {
        let mut inst = c.inst();
        prop_assert_eq!(inst.check(&c.packet()), Ok(c.advert()));
        if c.auth == AuthType::Ah {
            prop_assert_eq!(inst.state.ah_seq, c.seq);
        }
    }

    /// Any single bit flipped in the VRRP message (or AH header) is rejected: the checksum, the
    /// ICV or an earlier check catches it.
    #[test]
    fn single_bit_flips_in_vrrp_are_rejected(c in case(), at in any::<prop::sample::Index>(), bit in 0u8..8) {
        let mut rx = c.packet();
        let start = if c.v6 { 0 } else { 20 };
        let i = start + at.index(rx.data.len() - start);
        rx.data[i] ^= 1 << bit;
        prop_assert!(c.inst().check(&rx).is_err(), "flip at {} bit {} accepted", i, bit);
    }

    /// Arbitrary bytes never panic check() or peek_vrid(), whatever the configuration.
    #[test]
    fn random_bytes_never_panic(c in case(), data in proptest::collection::vec(any::<u8>(), 0..200), ttl in any::<u8>()) {
        let (src, dst) = c.endpoints();
        let rx = RxPacket { ifname: "x".into(), family: Family::of(&src), src, dst, ttl, data };
        let _ = peek_vrid(rx.family, &rx.data);
        if let Err(e) = c.inst().check(&rx) {
            let _ = (e.log_line(), e.counter());
        }
    }

    /// Valid packets with random bytes overwritten (deeper than pure noise) never panic, and
    /// the fuzz entry point holds for any input.
    #[test]
    fn mutated_packets_never_panic(c in case(), edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6), cut in any::<prop::sample::Index>()) {
        let mut rx = c.packet();
        for (at, b) in &edits {
            let i = at.index(rx.data.len());
            rx.data[i] = *b;
        }
        let keep = cut.index(rx.data.len() + 1);
        rx.data.truncate(keep.max(rx.data.len() / 2));
        let _ = c.inst().check(&rx);
        let mut input = vec![edits[0].1, c.ttl];
        input.extend_from_slice(&rx.data);
        packet::fuzz_one(&input);
    }
}

/// The fuzz corpus (fuzz/corpus/vrrp_packet) replays through the fuzz entry point.
#[test]
fn fuzz_corpus_replays() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/vrrp_packet");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let data = std::fs::read(e.path()).unwrap();
        packet::fuzz_one(&data);
        n += 1;
    }
    // The golden packets under every configuration byte.
    for g in [
        V2_PASS_ID3,
        V2_NONE_ID1,
        V3_V4_ID1,
        V3_V6,
        V2_V6,
        V2_AH_ID1,
        V2_AH_UNICAST_ID1,
        V3_UNICAST_OLD_ID1,
    ] {
        for knobs in 0..=255u8 {
            let mut input = vec![knobs, 255];
            input.extend_from_slice(&hex(g));
            packet::fuzz_one(&input);
        }
    }
    eprintln!("replayed {n} corpus files");
}

// ---------------------------------------------------------------------------------------------
// Oracle: Debian's keepalived 2.2.7 receives the same malformed packets and must log exactly the
// lines our RxError gives.

mod support;

/// The instances keepalived runs for the oracle (all BACKUP with long intervals, so none turns
/// master and starts sending AH sequence numbers during the test).
const ORACLE_CONF: &str = "
vrrp_instance VI_1 {
    state BACKUP
    interface ka0
    virtual_router_id 51
    priority 100
    advert_int 100
    virtual_ipaddress {
        10.99.0.100/24
    }
}
vrrp_instance VI_PASS {
    state BACKUP
    interface ka0
    virtual_router_id 52
    priority 100
    advert_int 100
    authentication {
        auth_type PASS
        auth_pass s3cret
    }
    virtual_ipaddress {
        10.99.0.110/24
    }
}
vrrp_instance VI_AH {
    state BACKUP
    interface ka0
    virtual_router_id 53
    priority 100
    advert_int 100
    authentication {
        auth_type AH
        auth_pass s3cret
    }
    virtual_ipaddress {
        10.99.0.120/24
    }
}
vrrp_instance VI_3 {
    state BACKUP
    interface ka0
    version 3
    virtual_router_id 54
    priority 100
    advert_int 40
    virtual_ipaddress {
        10.99.0.130/24
        10.99.0.131/24
    }
}
vrrp_instance VI_U {
    state BACKUP
    interface ka0
    version 3
    virtual_router_id 55
    priority 100
    advert_int 40
    unicast_src_ip 10.100.0.1
    unicast_peer {
        10.100.0.3 min_ttl 10 max_ttl 20
    }
    check_unicast_src
    virtual_ipaddress {
        10.99.0.140/24
    }
}
";

/// keepalived under `ip netns exec`, stopped with SIGTERM (by pid) on drop.
struct Daemon {
    child: std::process::Child,
    log: std::path::PathBuf,
}

impl Daemon {
    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
    /// Waits (bounded) until `line` has been logged more than `seen` times.
    fn wait_for(&self, line: &str, seen: usize, timeout: std::time::Duration) -> bool {
        let end = std::time::Instant::now() + timeout;
        while std::time::Instant::now() < end {
            if count_lines(&self.log_text(), line) > seen {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        false
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // SAFETY: kill(2) on the pid of a child we spawned.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let end = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::time::Instant::now() < end {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Lines (after keepalived's "date: " prefix) equal to `line`.
fn count_lines(log: &str, line: &str) -> usize {
    log.lines()
        .filter(|l| l.split_once(": ").is_some_and(|(_, t)| t == line))
        .count()
}

/// A raw IPv4 socket (IP_HDRINCL) in namespace `ns`, sending out `ifname`. The socket is made on
/// a thread that entered the namespace; it stays in that namespace wherever it is used.
fn raw_sender(ns: &str, ifname: &'static str) -> socket2::Socket {
    let path = format!("/run/netns/{ns}");
    std::thread::spawn(move || {
        use std::os::fd::AsRawFd;
        let f = std::fs::File::open(&path).expect("netns file");
        // SAFETY: setns(2) on this thread only, with a valid namespace fd.
        let rc = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(rc, 0, "setns: {}", std::io::Error::last_os_error());
        let s = socket2::Socket::new(
            socket2::Domain::IPV4,
            socket2::Type::RAW,
            Some(socket2::Protocol::from(libc::IPPROTO_RAW)),
        )
        .expect("raw socket");
        s.bind_device(Some(ifname.as_bytes())).expect("SO_BINDTODEVICE");
        s.set_multicast_if_v4(&Ipv4Addr::new(10, 100, 0, 2))
            .expect("IP_MULTICAST_IF");
        s.set_multicast_loop_v4(false).expect("IP_MULTICAST_LOOP");
        s
    })
    .join()
    .expect("sender thread")
}

/// Sets the source, destination and TTL of an IPv4 packet as a router/sender would, and the
/// total length and header checksum as the kernel does for IP_HDRINCL.
fn readdress(pkt: &mut [u8], src: [u8; 4], dst: [u8; 4], ttl: u8) {
    pkt[12..16].copy_from_slice(&src);
    pkt[16..20].copy_from_slice(&dst);
    pkt[8] = ttl;
    let len = pkt.len() as u16;
    pkt[2..4].copy_from_slice(&len.to_be_bytes());
    pkt[10..12].fill(0);
    let sum = keepalived_rs::vrrp::checksum::checksum(&pkt[..20]);
    pkt[10..12].copy_from_slice(&sum.to_be_bytes());
}

/// Our log line for a packet sent to one of the oracle's instances (or the header check's).
fn our_line(inst: &mut Inst, pkt: &[u8]) -> String {
    let rx = rx4(pkt.to_vec());
    let err = match packet::peek(Family::V4, pkt) {
        Err(e) => e,
        Ok(_) => inst.check(&rx).expect_err("oracle packets are all bad"),
    };
    err.log_line().expect("a logged error").text
}

/// vrrp_check_packet()'s log lines, compared with the real keepalived 2.2.7 receiving the same
/// packets in a namespace pair (ka0 in A with keepalived, kb0 in B sending raw packets).
#[test]
fn oracle_log_lines_match_keepalived() {
    const T: &str = "oracle_log_lines_match_keepalived";
    let Some(keepalived) = support::oracle_keepalived() else {
        return support::skip(T, "Debian's keepalived 2.2.7 is not installed");
    };
    if !support::can_netns() {
        return support::skip(T, "needs root and ip netns");
    }
    let a = support::Netns::with_interfaces(&[]);
    let b = support::Netns::with_interfaces(&[]);
    for args in [
        vec![
            "-n", &a.name, "link", "add", "ka0", "type", "veth", "peer", "name", "kb0", "netns", &b.name,
        ],
        vec!["-n", &a.name, "addr", "add", "10.100.0.1/24", "dev", "ka0"],
        vec!["-n", &b.name, "addr", "add", "10.100.0.2/24", "dev", "kb0"],
        vec!["-n", &a.name, "link", "set", "ka0", "up"],
        vec!["-n", &b.name, "link", "set", "kb0", "up"],
    ] {
        let o = std::process::Command::new("ip").args(&args).output().unwrap();
        assert!(
            o.status.success(),
            "ip {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("keepalived.conf");
    std::fs::write(&conf, ORACLE_CONF).unwrap();
    let log = dir.path().join("keepalived.log");
    let out = std::fs::File::create(&log).unwrap();
    let p = |n: &str| dir.path().join(n).to_string_lossy().into_owned();
    let child = std::process::Command::new("ip")
        .args(["netns", "exec", &a.name])
        .arg(&keepalived)
        .args(["-n", "-l", "-D", "-P", "-f", &p("keepalived.conf"), "-p", &p("k.pid")])
        .args(["-r", &p("v.pid"), "-c", &p("c.pid")])
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .expect("keepalived");
    let daemon = Daemon { child, log };
    let ready = std::time::Duration::from_secs(10);
    for name in ["VI_1", "VI_PASS", "VI_AH", "VI_3", "VI_U"] {
        let line = format!("({name}) Entering BACKUP STATE (init)");
        assert!(
            daemon.wait_for(&line, 0, ready),
            "{name} not started:\n{}",
            daemon.log_text()
        );
    }
    // The three sockets (multicast VRRP, multicast AH, unicast VRRP) are logged once open.
    let end = std::time::Instant::now() + ready;
    while daemon.log_text().matches("VRRP sockpool: [").count() < 3 {
        assert!(
            std::time::Instant::now() < end,
            "sockets not open:\n{}",
            daemon.log_text()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }

    let sender = raw_sender(&b.name, "kb0");
    let group = [224, 0, 0, 18];
    let peer_b = [10, 100, 0, 2];
    let (vi1, pass, ah, vi3, uni) = (0, 1, 2, 3, 4);
    let v2i = |name, vip: &str| Inst {
        name,
        adver_int_secs: 100,
        ..Inst::new(2, &[vip])
    };
    let mut insts = [
        v2i("VI_1", "10.99.0.100"),
        v2i("VI_PASS", "10.99.0.110").auth(AuthType::Pass, b"s3cret"),
        v2i("VI_AH", "10.99.0.120").auth(AuthType::Ah, b"s3cret"),
        Inst {
            name: "VI_3",
            ..Inst::new(3, &["10.99.0.130", "10.99.0.131"])
        },
        Inst {
            name: "VI_U",
            ..Inst::new(3, &["10.99.0.140"]).unicast(&[("10.100.0.3", 10, 20)], true)
        },
    ];

    let v2 = |vrid: u8, int: u16, addrs: &[&str], auth: AuthType, pw: &[u8], seq: u32| {
        let mut p = tx("10.100.0.2", "224.0.0.18", 7, auth, pw);
        p.ah_seq = seq;
        build(&advert(2, vrid, 50, int, addrs), &p)
    };
    let good1 = v2(51, 100, &["10.99.0.100"], AuthType::None, b"", 0);
    let edit = |at: usize, f: &dyn Fn(u8) -> u8| {
        let mut p = good1.clone();
        p[at] = f(p[at]);
        p
    };
    let mut ttl = good1.clone();
    ttl[8] = 64;
    let mut long = good1.clone();
    long.push(0);
    let v3_51 = build(
        &advert(3, 51, 50, 100, &["10.99.0.100"]),
        &tx("10.100.0.2", "224.0.0.18", 7, AuthType::None, b""),
    );
    let mut spi = v2(53, 100, &["10.99.0.120"], AuthType::Ah, b"s3cret", 1);
    spi[27] = 9;
    let icv = auth_ah::icv(b"s3cret", &spi[..44], &spi[44..], false);
    spi[32..44].copy_from_slice(&icv);
    let mut bad3 = build(
        &advert(3, 54, 50, 4000, &["10.99.0.130", "10.99.0.131"]),
        &tx("10.100.0.2", "224.0.0.18", 7, AuthType::None, b""),
    );
    bad3[27] ^= 1;
    let to_u = |src: &str, ttl: u8| {
        let mut p = tx(src, "10.100.0.1", 7, AuthType::None, b"");
        p.ttl = ttl;
        build(&advert(3, 55, 50, 4000, &["10.99.0.140"]), &p)
    };
    let one = &["10.99.0.100"];
    let cases: Vec<(&str, Vec<u8>, [u8; 4], usize)> = vec![
        ("TTL", ttl, group, vi1),
        ("interval", v2(51, 2, one, AuthType::None, b"", 0), group, vi1),
        (
            "count",
            v2(51, 100, &["10.99.0.100", "10.99.0.9"], AuthType::None, b"", 0),
            group,
            vi1,
        ),
        ("vip", v2(51, 100, &["10.0.0.9"], AuthType::None, b"", 0), group, vi1),
        ("version", v3_51, group, vi1),
        ("auth mismatch", v2(51, 100, one, AuthType::Pass, b"x", 0), group, vi1),
        ("auth type", edit(24, &|_| 5), group, vi1),
        ("type", edit(20, &|_| 0x22), group, vi1),
        ("checksum v2", edit(27, &|b| b ^ 0x40), group, vi1),
        ("length", long, group, vi1),
        ("short", good1[..27].to_vec(), group, vi1),
        (
            "password",
            v2(52, 100, &["10.99.0.110"], AuthType::Pass, b"guess", 0),
            group,
            pass,
        ),
        (
            "icv",
            v2(53, 100, &["10.99.0.120"], AuthType::Ah, b"wrong", 1),
            group,
            ah,
        ),
        ("spi", spi, group, ah),
        ("checksum v3", bad3, group, vi3),
        ("not a peer", to_u("10.100.0.2", 15), [10, 100, 0, 1], uni),
        ("peer ttl", to_u("10.100.0.3", 30), [10, 100, 0, 1], uni),
    ];

    let wait = std::time::Duration::from_secs(5);
    for (what, mut pkt, dst, i) in cases {
        if pkt.len() >= 20 {
            let (src, ttl) = ([pkt[12], pkt[13], pkt[14], pkt[15]], pkt[8]);
            readdress(&mut pkt, src, dst, ttl);
        }
        let ours = our_line(&mut insts[i], &pkt);
        let seen = count_lines(&daemon.log_text(), &ours);
        let to = socket2::SockAddr::from(std::net::SocketAddrV4::new(Ipv4Addr::from(dst), 0));
        sender.send_to(&pkt, &to).expect("send");
        assert!(
            daemon.wait_for(&ours, seen, wait),
            "{what}: keepalived did not log our line {ours:?}; its log:\n{}",
            daemon.log_text()
        );
    }

    // AH anti-replay: a valid advert with sequence 5 (lower priority: discarded by a backup, but
    // its sequence number is taken), then sequence 3.
    let mut ok5 = v2(53, 100, &["10.99.0.120"], AuthType::Ah, b"s3cret", 5);
    readdress(&mut ok5, peer_b, group, 255);
    assert!(insts[ah].check(&rx4(ok5.clone())).is_ok());
    let to = socket2::SockAddr::from(std::net::SocketAddrV4::new(Ipv4Addr::from(group), 0));
    sender.send_to(&ok5, &to).expect("send");
    let lower = "(VI_AH) received lower priority (50) advert from 10.100.0.2 - discarding";
    assert!(daemon.wait_for(lower, 0, wait), "{}", daemon.log_text());
    let mut replay = v2(53, 100, &["10.99.0.120"], AuthType::Ah, b"s3cret", 3);
    readdress(&mut replay, peer_b, group, 255);
    let ours = our_line(&mut insts[ah], &replay);
    sender.send_to(&replay, &to).expect("send");
    assert!(
        daemon.wait_for(&ours, 0, wait),
        "replay: {ours:?} not in\n{}",
        daemon.log_text()
    );
}
