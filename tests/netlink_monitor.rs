//! The interface table and monitor (`keepalived_rs::netlink::link`) in a network namespace the
//! test creates: the dump against `ip -j`, link and address changes seen within a bounded wait,
//! and the resync after a receive buffer overrun.

mod support;

use std::net::IpAddr;
use std::time::Duration;

use support::netlink::{NlNs, sh_in};

use keepalived_rs::netlink::Netlink;
use keepalived_rs::netlink::link::{Monitor, MonitorEvent, MonitorUpdate, RcvBuf};
use keepalived_rs::vrrp::event::IfState;

const WAIT: Duration = Duration::from_secs(5);

/// Reads updates until one satisfies `done`, failing after [`WAIT`]. Returns all updates read.
async fn wait_for(mon: &mut Monitor, what: &str, done: impl Fn(&MonitorUpdate) -> bool) -> Vec<MonitorUpdate> {
    let mut seen = Vec::new();
    let r = tokio::time::timeout(WAIT, async {
        while let Some(u) = mon.next().await {
            let ok = done(&u);
            seen.push(u);
            if ok {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(r, Ok(true), "no update with {what} within {WAIT:?}; saw {seen:#?}");
    seen
}

fn iface<'a>(u: &'a MonitorUpdate, name: &str) -> Option<&'a IfState> {
    u.events.iter().find_map(|e| match e {
        MonitorEvent::Interface(s) if s.name == name => Some(s),
        _ => None,
    })
}

fn logged(seen: &[MonitorUpdate], text: &str) -> bool {
    seen.iter().flat_map(|u| &u.logs).any(|l| l.text == text)
}

/// netlink_if_link_filter() / netlink_if_address_filter(): `ip link set down/up`, address
/// add/delete and link deletion each reach the monitor with keepalived's log lines.
#[test]
fn monitor_sees_link_and_address_changes() {
    let Some(ns) = NlNs::new("monitor_sees_link_and_address_changes", &["eth0", "eth1"]) else {
        return;
    };
    let name = ns.ns.name.clone();
    ns.run(move || async move {
        let sh = |c: &str| sh_in(&name, c);
        let mut mon = Monitor::new(None).unwrap();
        mon.set_tracked(["eth0".to_string()]);
        let initial = mon.initial().await.unwrap();
        assert!(initial.iter().any(|s| s.name == "eth0"));

        sh("ip link set eth0 down");
        let seen = wait_for(&mut mon, "eth0 down", |u| iface(u, "eth0").is_some_and(|s| !s.up)).await;
        assert!(logged(&seen, "Netlink reports eth0 down"), "{seen:#?}");

        sh("ip link set eth0 up");
        let seen = wait_for(&mut mon, "eth0 up with a link-local address", |u| {
            iface(u, "eth0").is_some_and(|s| s.up && s.ipv6_ll.is_some())
        })
        .await;
        assert!(logged(&seen, "Netlink reports eth0 up"), "{seen:#?}");

        sh("ip addr add 10.0.0.1/24 dev eth0");
        let want: IpAddr = "10.0.0.1".parse().unwrap();
        let seen = wait_for(&mut mon, "eth0 10.0.0.1", |u| {
            iface(u, "eth0").is_some_and(|s| s.ipv4.map(IpAddr::V4) == Some(want))
        })
        .await;
        let line = seen
            .iter()
            .flat_map(|u| &u.logs)
            .find(|l| l.text == "Assigned address 10.0.0.1 for interface eth0");
        assert!(line.is_some_and(|l| l.detail), "{seen:#?}");

        sh("ip addr del 10.0.0.1/24 dev eth0");
        let seen = wait_for(&mut mon, "eth0 without IPv4", |u| {
            iface(u, "eth0").is_some_and(|s| s.ipv4.is_none())
        })
        .await;
        assert!(
            logged(&seen, "Deassigned address 10.0.0.1 from interface eth0"),
            "{seen:#?}"
        );

        // eth1 is not tracked: its changes are events without keepalived's lines.
        sh("ip link set eth1 down");
        let seen = wait_for(&mut mon, "eth1 down", |u| iface(u, "eth1").is_some_and(|s| !s.up)).await;
        assert!(!logged(&seen, "Netlink reports eth1 down"), "{seen:#?}");

        sh("ip link del eth0");
        let seen = wait_for(&mut mon, "eth0 gone", |u| {
            u.events.contains(&MonitorEvent::Gone("eth0".into()))
        })
        .await;
        assert!(logged(&seen, "Interface eth0 deleted"), "{seen:#?}");
    });
}

/// dump_interfaces(): name, index, MAC, up (IFF_UP and IFF_RUNNING), first IPv4 address and
/// first link-local IPv6 address agree with `ip -j addr show`.
#[test]
fn dump_interfaces_matches_ip() {
    let Some(ns) = NlNs::new("dump_interfaces_matches_ip", &["eth0", "eth1", "eth2"]) else {
        return;
    };
    ns.sh(
        "ip addr add 10.0.0.1/24 dev eth0 && ip addr add 10.0.0.2/24 dev eth0 && \
         ip addr add 10.2.0.1/16 dev eth0 && ip addr add 2001:db8::1/64 dev eth0 nodad && \
         ip link set kp1 down && ip link set eth2 down && ip addr add 10.3.0.1/24 dev eth2",
    );
    // Wait (bounded) for eth0's link-local address, which comes with the carrier.
    let mut json = String::new();
    for _ in 0..50 {
        json = ns.sh("ip -j addr show");
        if json.contains("\"fe80::") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let got = ns.run(|| async { Netlink::new().unwrap().dump_interfaces().await.unwrap() });
    let ifaces: serde_json::Value = serde_json::from_str(&json).unwrap();
    let ifaces = ifaces.as_array().unwrap();
    assert_eq!(got.len(), ifaces.len());
    for j in ifaces {
        let name = j["ifname"].as_str().unwrap();
        let s = got
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(u64::from(s.index), j["ifindex"].as_u64().unwrap(), "{name}");
        let mac: Vec<String> = s.mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(mac.join(":"), j["address"].as_str().unwrap(), "{name}");
        let flags: Vec<&str> = j["flags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f.as_str().unwrap())
            .collect();
        let oper = j["operstate"].as_str().unwrap();
        let up = flags.contains(&"UP") && (oper == "UP" || oper == "UNKNOWN");
        assert_eq!(s.up, up, "{name}: {flags:?} {oper}");
        let addrs = j["addr_info"].as_array().unwrap();
        let first = |fam: &str, scope: Option<&str>| {
            addrs
                .iter()
                .find(|a| a["family"] == fam && scope.is_none_or(|sc| a["scope"] == sc))
                .map(|a| a["local"].as_str().unwrap().to_string())
        };
        assert_eq!(s.ipv4.map(|a| a.to_string()), first("inet", None), "{name}");
        assert_eq!(s.ipv6_ll.map(|a| a.to_string()), first("inet6", Some("link")), "{name}");
    }
    let eth0 = got.iter().find(|s| s.name == "eth0").unwrap();
    assert_eq!(eth0.ipv4, Some("10.0.0.1".parse().unwrap()));
    assert!(eth0.up && eth0.ipv6_ll.is_some());
    assert!(!got.iter().find(|s| s.name == "eth1").unwrap().up, "no carrier");
    assert!(!got.iter().find(|s| s.name == "eth2").unwrap().up, "admin down");
}

/// A monitor socket with a tiny receive buffer that is not read while 300 addresses are added
/// overruns (ENOBUFS): the monitor logs keepalived's overrun lines, re-reads everything and
/// reports Resync with the current states, then keeps working.
#[test]
fn overrun_resyncs() {
    let Some(ns) = NlNs::new("overrun_resyncs", &["eth0"]) else {
        return;
    };
    let name = ns.ns.name.clone();
    ns.run(move || async move {
        let sh = |c: &str| sh_in(&name, c);
        let mut mon = Monitor::new(Some(RcvBuf { size: 1, force: false })).unwrap();
        mon.initial().await.unwrap();
        // `ip` runs while this runtime is blocked, so nobody drains the monitor socket.
        let batch: String = (0..300)
            .map(|i| format!("addr add 10.1.{}.{}/32 dev eth0\n", i / 200, i % 200 + 1))
            .collect();
        let path = std::env::temp_dir().join(format!("kars-nl-batch-{}", std::process::id()));
        std::fs::write(&path, batch).unwrap();
        sh(&format!("ip -batch {}", path.display()));
        let _ = std::fs::remove_file(&path);
        let seen = wait_for(&mut mon, "Resync", |u| u.events.first() == Some(&MonitorEvent::Resync)).await;
        let u = seen.last().unwrap();
        assert_eq!(
            u.logs[0].text,
            "Netlink: Receive buffer overrun on monitor socket - (No buffer space available)"
        );
        let eth0 = iface(u, "eth0").expect("eth0 in the resync");
        assert_eq!(eth0.ipv4, Some("10.1.0.1".parse().unwrap()));
        assert!(iface(u, "lo").is_some(), "every interface is reported");

        sh("ip link set eth0 down");
        wait_for(&mut mon, "eth0 down after the resync", |u| {
            iface(u, "eth0").is_some_and(|s| !s.up)
        })
        .await;
    });
}
