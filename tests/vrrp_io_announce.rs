//! Gratuitous ARPs and unsolicited neighbour advertisements (`keepalived_rs::vrrp::announce`,
//! `garp`) sent on real `AF_PACKET` sockets in a network namespace and captured on the other
//! end of a veth pair, and compared with what Debian's keepalived 2.2.7 sends on the same
//! interface. Skips, saying why, without root (or without keepalived for the comparison).

mod support;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use keepalived_rs::config::model::vrrp::Family;
use keepalived_rs::log::LogLine;
use keepalived_rs::vrrp::announce::{AnnounceAddr, AnnounceIf, AnnounceRequest, Announcer, Channels, Pacing};
use keepalived_rs::vrrp::garp::{self, ETH_P_ARP, ETH_P_IPV6};
use keepalived_rs::vrrp::socket::{SockPool, SockSpec};
use support::io::{Capture, ETH_P_ALL, Frame, Keepalived, Pair, enter, inet_checksum, link_info, runtime, sysctl};

const WAIT: Duration = Duration::from_secs(10);

fn iface(ns: &str, ifname: &str, interval: Duration) -> AnnounceIf {
    let (index, mac) = link_info(ns, ifname);
    AnnounceIf {
        name: ifname.into(),
        index,
        mac,
        base_name: ifname.into(),
        noarp: false,
        pacing: Pacing {
            key: ifname.into(),
            garp_interval: interval,
            gna_interval: interval,
        },
    }
}

fn request(instance: usize, owner: &str, count: u32, addrs: &[IpAddr], iface: &AnnounceIf) -> AnnounceRequest {
    AnnounceRequest {
        instance,
        owner: owner.into(),
        count,
        addrs: addrs
            .iter()
            .map(|&addr| AnnounceAddr {
                addr,
                iface: iface.clone(),
            })
            .collect(),
    }
}

/// Opens both channels inside the namespace.
fn channels(ns: &str) -> Channels {
    let _in = enter(ns);
    let opened = Channels::open(true, true);
    assert!(!opened.missing_permission);
    let texts: Vec<(bool, &str)> = opened.lines.iter().map(|l| (l.detail, l.text.as_str())).collect();
    assert_eq!(
        texts,
        [
            (true, "Registering gratuitous ARP shared channel"),
            (true, "Registering gratuitous NDISC shared channel")
        ]
    );
    opened.channels
}

/// An ARP frame announcing one of `vips`.
fn is_garp_for(f: &[u8], vips: &[Ipv4Addr]) -> bool {
    f.len() >= 42 && f[12..14] == ETH_P_ARP.to_be_bytes() && vips.iter().any(|v| f[28..32] == v.octets())
}

/// A neighbour advertisement whose target is one of `vips`.
fn is_na_for(f: &[u8], vips: &[Ipv6Addr]) -> bool {
    f.len() >= 78
        && f[12..14] == ETH_P_IPV6.to_be_bytes()
        && f[20] == 58
        && f[54] == 136
        && vips.iter().any(|v| f[62..78] == v.octets())
}

/// Lines shared between a callback and the test.
fn collector() -> (Arc<Mutex<Vec<LogLine>>>, impl FnMut(LogLine) + Send + 'static) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    (lines, move |l| sink.lock().unwrap().push(l))
}

/// `send_gratuitous_arp_immediate()`: each frame is the 42-byte broadcast ARP request "who-has
/// VIP tell VIP" with target MAC ff:ff:ff:ff:ff:ff and our MAC, as in the reference capture, and
/// keepalived's -D lines are logged.
#[test]
fn gratuitous_arps_are_keepalived_frames() {
    let Some(pair) = Pair::new("gratuitous_arps_are_keepalived_frames", 1) else {
        return;
    };
    let vip = Ipv4Addr::new(10, 77, 0, 100);
    let ifa = iface(&pair.a, "a0", Duration::ZERO);
    let cap = Capture::open(&pair.b, "b0", ETH_P_ARP);
    let mut ann = Announcer::new(channels(&pair.a));
    let mut lines = Vec::new();
    ann.announce(&request(0, "VI_1", 3, &[vip.into()], &ifa), &mut |l| lines.push(l));
    assert_eq!(ann.deadline(), None, "nothing queued without an interval");
    let frames = cap.collect(3, Instant::now() + WAIT, |f| is_garp_for(f, &[vip]));
    assert_eq!(frames.len(), 3);
    for f in &frames {
        let d = &f.data;
        assert_eq!(d.len(), garp::ARP_FRAME_LEN);
        assert_eq!(d[..], garp::gratuitous_arp(ifa.mac, vip));
        assert_eq!(
            (&d[0..6], &d[6..12]),
            (&[0xff; 6][..], &ifa.mac[..]),
            "broadcast from our MAC"
        );
        assert_eq!(d[14..22], [0, 1, 8, 0, 6, 4, 0, 1], "Ethernet/IPv4 ARP request");
        assert_eq!((&d[22..28], &d[28..32]), (&ifa.mac[..], &vip.octets()[..]), "tell VIP");
        assert_eq!(
            (&d[32..38], &d[38..42]),
            (&[0xff; 6][..], &vip.octets()[..]),
            "who-has VIP (ff:ff:ff:ff:ff:ff)"
        );
    }
    let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Sending gratuitous ARP on a0 for 10.77.0.100",
            "Sending gratuitous ARP on a0 for 10.77.0.100",
            "Sending gratuitous ARP on a0 for 10.77.0.100",
        ]
    );
    assert!(lines.iter().all(|l| l.detail));
}

/// `vrrp_garp_interval`: frames on one interface are at least the interval apart on the
/// receiver's clock (kernel timestamps), sent from the announcer's task while the caller never
/// waits.
#[test]
fn garp_interval_spaces_frames_on_the_wire() {
    let Some(pair) = Pair::new("garp_interval_spaces_frames_on_the_wire", 1) else {
        return;
    };
    let interval = Duration::from_millis(50);
    let vips: Vec<Ipv4Addr> = (100..104).map(|h| Ipv4Addr::new(10, 77, 0, h)).collect();
    let ifa = iface(&pair.a, "a0", interval);
    let cap = Capture::open(&pair.b, "b0", ETH_P_ARP);
    let ch = channels(&pair.a);
    let (lines, log) = collector();
    let frames = runtime().block_on(async {
        let handle = Announcer::new(ch).spawn(log);
        let addrs: Vec<IpAddr> = vips.iter().map(|&v| v.into()).collect();
        let t = Instant::now();
        handle.announce(request(0, "VI_1", 1, &addrs, &ifa));
        assert!(t.elapsed() < interval, "announce() does not wait");
        tokio::task::spawn_blocking(move || cap.collect(4, Instant::now() + WAIT, |f| is_garp_for(f, &vips)))
            .await
            .unwrap()
    });
    assert_eq!(frames.len(), 4);
    let vip_order: Vec<u8> = frames.iter().map(|f| f.data[31]).collect();
    assert_eq!(vip_order, [100, 101, 102, 103], "one frame per address, in order");
    for w in frames.windows(2) {
        let gap = w[1].stamp - w[0].stamp;
        assert!(gap >= interval, "frames {gap:?} apart, interval {interval:?}");
    }
    assert_eq!(
        lines
            .lock()
            .unwrap()
            .iter()
            .filter(|l| l.text.starts_with("Sending gratuitous ARP"))
            .count(),
        4
    );
}

/// `ndisc_send_unsolicited_na_immediate()` (RFC 4861 4.4, 7.2.6): from the VIP to ff02::1 /
/// 33:33:00:00:00:01, hop limit 255, Override, Router because the interface forwards, target
/// link-layer option with our MAC, and an ICMPv6 checksum that verifies independently.
#[test]
fn neighbour_adverts_are_valid_and_keepalived_shaped() {
    let Some(pair) = Pair::new("neighbour_adverts_are_valid_and_keepalived_shaped", 1) else {
        return;
    };
    sysctl(&pair.a, "net/ipv6/conf/a0/forwarding", "1");
    let vip: Ipv6Addr = "fd77::100".parse().unwrap();
    let ifa = iface(&pair.a, "a0", Duration::ZERO);
    let cap = Capture::open(&pair.b, "b0", ETH_P_IPV6);
    let mut ann = {
        // The router flag comes from this namespace's sysctl.
        let _in = enter(&pair.a);
        let mut ann = Announcer::new(channels(&pair.a));
        let mut lines = Vec::new();
        ann.announce(&request(0, "VI6", 2, &[vip.into()], &ifa), &mut |l| lines.push(l));
        let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "Sending unsolicited Neighbour Advert on a0 for fd77::100",
                "Sending unsolicited Neighbour Advert on a0 for fd77::100",
            ]
        );
        ann
    };
    ann.cancel(0);
    let frames = cap.collect(2, Instant::now() + WAIT, |f| is_na_for(f, &[vip]));
    assert_eq!(frames.len(), 2);
    let all_nodes: Ipv6Addr = "ff02::1".parse().unwrap();
    for Frame { data: d, .. } in &frames {
        assert_eq!(d.len(), garp::NA_FRAME_LEN);
        assert_eq!((&d[0..6], &d[6..12]), (&[0x33, 0x33, 0, 0, 0, 1][..], &ifa.mac[..]));
        assert_eq!(
            d[14..22],
            [0x60, 0, 0, 0, 0, 32, 58, 255],
            "IPv6: tclass 0, payload 32, ICMPv6, hop limit 255"
        );
        assert_eq!((&d[22..38], &d[38..54]), (&vip.octets()[..], &all_nodes.octets()[..]));
        let icmp = &d[54..];
        assert_eq!(
            (icmp[0], icmp[1], icmp[4]),
            (136, 0, 0xa0),
            "NA, code 0, Router|Override"
        );
        assert_eq!(icmp[5..8], [0, 0, 0]);
        assert_eq!(icmp[8..24], vip.octets());
        assert_eq!(icmp[24..26], [2, 1], "target link-layer address option");
        assert_eq!(icmp[26..32], ifa.mac);
        let len = (icmp.len() as u32).to_be_bytes();
        let sum = inet_checksum(&[&vip.octets(), &all_nodes.octets(), &len, &[0, 0, 0, 58], icmp]);
        assert_eq!(sum, 0, "ICMPv6 checksum verifies");
        assert_eq!(d[..], garp::unsolicited_na(ifa.mac, vip, true));
    }
}

/// The bytes, pacing and log lines of keepalived 2.2.7 itself: run as MASTER of two VIPs and
/// an IPv6 VIP with `vrrp_garp_interval`/`vrrp_gna_interval` 0.1 on a0, captured on b0; then
/// ours on the same interface with the same request. The frames are byte-identical (same
/// interface, so same MAC), keepalived's collapsing of paced repeats is the same (2 frames for
/// the first VIP, 1 for the second, 2 NAs), the -D lines match, and so do the "VRRP sockpool"
/// lines (fds aside).
#[test]
fn frames_and_lines_match_keepalived() {
    let Some(pair) = Pair::new("frames_and_lines_match_keepalived", 1) else {
        return;
    };
    let conf = "global_defs {
  vrrp_garp_interval 0.1
  vrrp_gna_interval 0.1
  vrrp_garp_master_delay 0
}
vrrp_instance VI {
  state MASTER
  interface a0
  virtual_router_id 51
  priority 255
  advert_int 1
  virtual_ipaddress {
    10.77.0.100
    10.77.0.101
  }
}
vrrp_instance VI6 {
  state MASTER
  interface a0
  virtual_router_id 52
  priority 255
  advert_int 1
  virtual_ipaddress {
    fd77::100
  }
}
vrrp_instance VU {
  state BACKUP
  interface a0
  virtual_router_id 53
  priority 50
  unicast_src_ip 10.77.0.1
  unicast_peer {
    10.77.0.2
  }
  virtual_ipaddress {
    10.77.0.200
  }
}
";
    let v4 = [Ipv4Addr::new(10, 77, 0, 100), Ipv4Addr::new(10, 77, 0, 101)];
    let v6: [Ipv6Addr; 1] = ["fd77::100".parse().unwrap()];
    let wanted = move |f: &[u8]| is_garp_for(f, &v4) || is_na_for(f, &v6);
    // keepalived's 5 repeats collapse to 3 ARPs and 2 NAs; a short grace period catches extras.
    let capture = move |cap: &Capture| {
        let mut frames = cap.collect(5, Instant::now() + WAIT, wanted);
        frames.extend(cap.collect(1, Instant::now() + Duration::from_millis(400), wanted));
        frames
    };

    let cap = Capture::open(&pair.b, "b0", ETH_P_ALL);
    let Some(mut ka) = Keepalived::start("frames_and_lines_match_keepalived", &pair.a, conf) else {
        return;
    };
    let theirs = capture(&cap);
    ka.stop();
    let ka_log = ka.log();
    drop(cap);

    let ifa = iface(&pair.a, "a0", Duration::from_millis(100));
    let cap = Capture::open(&pair.b, "b0", ETH_P_ALL);
    let ch = channels(&pair.a);
    let (lines, log) = collector();
    // The runtime thread stays in the namespace: the NA router flag reads its sysctl there.
    let in_a = enter(&pair.a);
    let (ours, pool_lines) = runtime().block_on(async {
        let handle = Announcer::new(ch).spawn(log);
        handle.announce(request(0, "VI", 5, &[v4[0].into(), v4[1].into()], &ifa));
        handle.announce(request(1, "VI6", 5, &[v6[0].into()], &ifa));
        let frames = tokio::task::spawn_blocking(move || capture(&cap)).await.unwrap();
        let spec = |family, group: Option<IpAddr>, unicast_src: Option<IpAddr>| SockSpec {
            ifname: "a0".into(),
            ifindex: ifa.index,
            family,
            group,
            unicast_src,
            ah: false,
            rx_buf_size: 0,
        };
        let (_pool, pool_lines) = SockPool::open(&[
            spec(Family::V4, Some(Ipv4Addr::new(224, 0, 0, 18).into()), None),
            spec(Family::V6, Some("ff02::12".parse().unwrap()), None),
            spec(Family::V4, None, Some(Ipv4Addr::new(10, 77, 0, 1).into())),
        ]);
        (frames, pool_lines)
    });
    drop(in_a);

    let kinds = |frames: &[Frame], arp: bool| -> Vec<Vec<u8>> {
        frames
            .iter()
            .filter(|f| is_garp_for(&f.data, &v4) == arp)
            .map(|f| f.data.clone())
            .collect()
    };
    let their_arps = kinds(&theirs, true);
    assert_eq!(
        their_arps.iter().map(|f| f[31]).collect::<Vec<_>>(),
        [100, 100, 101],
        "keepalived's ARPs"
    );
    assert_eq!(kinds(&theirs, false).len(), 2, "keepalived's NAs");
    assert_eq!(kinds(&ours, true), their_arps, "ARP frames byte for byte");
    assert_eq!(kinds(&ours, false), kinds(&theirs, false), "NA frames byte for byte");
    for frames in [&theirs, &ours] {
        for arp in [true, false] {
            let stamps: Vec<Duration> = frames
                .iter()
                .filter(|f| is_garp_for(&f.data, &v4) == arp)
                .map(|f| f.stamp)
                .collect();
            assert!(
                stamps.windows(2).all(|w| w[1] - w[0] >= Duration::from_millis(99)),
                "{stamps:?}"
            );
        }
    }

    let strip = |l: &str| l.split_once(": ").map_or(l.to_string(), |(_, t)| t.to_string());
    let announce_line = |t: &str| {
        // "Sending/queueing" is the engine's line (tests/vrrp_engine*.rs compare it).
        (t.starts_with("Sending gratuitous") || t.starts_with("Sending unsolicited")) && !t.contains("10.77.0.200")
    };
    let mut their_lines: Vec<String> = ka_log.lines().map(strip).filter(|t| announce_line(t)).collect();
    let mut our_lines: Vec<String> = lines.lock().unwrap().iter().map(|l| l.text.clone()).collect();
    their_lines.sort();
    our_lines.sort();
    assert_eq!(our_lines, their_lines);

    let no_fds = |t: &str| match t.find(" fd(").and_then(|a| Some((a, a + t[a..].find(')')?))) {
        Some((a, b)) => format!("{}{}", &t[..a], &t[b + 1..]),
        None => t.to_string(),
    };
    let their_pool: Vec<String> = ka_log
        .lines()
        .map(strip)
        .filter(|t| t.starts_with("VRRP sockpool:"))
        .map(|t| no_fds(&t))
        .collect();
    let our_pool: Vec<String> = pool_lines.iter().map(|l| no_fds(&l.text)).collect();
    assert_eq!(their_pool.len(), 3, "{ka_log}");
    assert_eq!(our_pool, their_pool);
}
