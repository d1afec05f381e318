//! Addresses, routes and rules through `keepalived_rs::netlink`, inside a network namespace the
//! test creates, checked against what `ip` shows. Configurations are real keepalived.conf text,
//! so the model objects are what the daemon will hand over.

mod support;

use support::netlink::{NlNs, indices, load};

use keepalived_rs::netlink::route::RouteCmd;
use keepalived_rs::netlink::{ENOENT, ESRCH, Netlink, addr::vip_device};

/// `ip -o addr show dev DEV` lines, without link-local IPv6, the index/name prefix, the `\`
/// separators and repeated blanks.
fn addr_lines(ns: &NlNs, dev: &str) -> Vec<String> {
    ns.sh(&format!("ip -o addr show dev {dev}"))
        .lines()
        .map(|l| {
            let l = l.replace('\\', " ");
            let words: Vec<&str> = l.split_whitespace().skip(2).collect();
            words.join(" ")
        })
        .filter(|l| !l.starts_with("inet6 fe80::"))
        .collect()
}

const ADDRESSES: &str = r#"
static_ipaddress {
  192.168.200.16/24 dev eth0 scope link label eth0:vip brd +
  192.168.201.17/24 dev eth0 brd 192.168.201.99 noprefixroute
  192.168.202.18/24 dev eth0 brd -
  10.9.9.1 peer 10.9.9.2 dev eth1
  2001:db8:1::1/64 dev eth1
  2001:db8:2::1 dev eth1
  2001:db8:3::1/64 dev eth1 -nodad preferred_lft 100
  2001:db8:4::1/64 dev eth1 home mngtmpaddr
  239.1.1.1 dev eth1 autojoin
}
"#;

/// netlink_ipaddress(): every IpAddress option shows in `ip addr` as iproute2 would set it
/// (label, scope, computed and explicit brd, peer, noprefixroute, IPv6 nodad unless -nodad,
/// preferred_lft via IFA_CACHEINFO with /128 deprecated by default, home, mngtmpaddr,
/// autojoin); adding twice is fine; deleting leaves nothing and deleting again is fine.
#[test]
fn address_options_show_in_ip_addr() {
    let Some(ns) = NlNs::new("address_options_show_in_ip_addr", &["eth0", "eth1"]) else {
        return;
    };
    let addrs = load(ADDRESSES).statics.addresses;
    assert_eq!(addrs.len(), 9, "all addresses parsed");
    let add = addrs.clone();
    ns.run(move || async move {
        let nl = Netlink::new().unwrap();
        let idx = indices(&nl.dump_interfaces().await.unwrap());
        for a in &add {
            let i = idx[a.dev.as_deref().unwrap()];
            nl.add_address(a, i).await.unwrap();
            nl.add_address(a, i)
                .await
                .expect("adding an existing address is not an error");
        }
    });
    assert_eq!(
        addr_lines(&ns, "eth0"),
        [
            "inet 192.168.200.16/24 brd 192.168.200.255 scope link eth0:vip valid_lft forever preferred_lft forever",
            "inet 192.168.201.17/24 brd 192.168.201.99 scope global noprefixroute eth0 valid_lft forever preferred_lft forever",
            "inet 192.168.202.18/24 brd 192.168.202.0 scope global eth0 valid_lft forever preferred_lft forever",
        ]
    );
    let eth1 = addr_lines(&ns, "eth1");
    let has = |l: &str| eth1.iter().any(|x| x == l);
    for l in [
        "inet 10.9.9.1 peer 10.9.9.2/32 scope global eth1 valid_lft forever preferred_lft forever",
        "inet 239.1.1.1/32 scope global autojoin eth1 valid_lft forever preferred_lft forever",
        "inet6 2001:db8:1::1/64 scope global nodad valid_lft forever preferred_lft forever",
        "inet6 2001:db8:2::1/128 scope global nodad deprecated valid_lft forever preferred_lft 0sec",
        "inet6 2001:db8:4::1/64 scope global nodad home mngtmpaddr valid_lft forever preferred_lft forever",
    ] {
        assert!(has(l), "missing `{l}` in {eth1:#?}");
    }
    let dad = eth1
        .iter()
        .find(|l| l.starts_with("inet6 2001:db8:3::1/64 "))
        .expect("-nodad address");
    assert!(!dad.contains("nodad"), "{dad}");
    assert!(dad.ends_with("valid_lft forever preferred_lft 100sec"), "{dad}");
    assert_eq!(eth1.len(), 6);

    ns.run(move || async move {
        let nl = Netlink::new().unwrap();
        let idx = indices(&nl.dump_interfaces().await.unwrap());
        for a in &addrs {
            let i = idx[a.dev.as_deref().unwrap()];
            nl.del_address(a, i).await.unwrap();
            nl.del_address(a, i)
                .await
                .expect("deleting an absent address is not an error");
        }
    });
    assert_eq!(addr_lines(&ns, "eth0"), Vec::<String>::new());
    assert_eq!(addr_lines(&ns, "eth1"), Vec::<String>::new());
}

/// vrrp_restore_interfaces_startup(): VIPs and eVIPs left on the interfaces by a previous run
/// are removed (absent ones are no error); the interface's own addresses stay.
#[test]
fn stale_vips_are_removed() {
    let Some(ns) = NlNs::new("stale_vips_are_removed", &["eth0", "eth1"]) else {
        return;
    };
    let cfg = load(
        r#"
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  virtual_ipaddress {
    10.0.0.100/24
    10.0.0.101/24 label eth0:1
    10.5.0.1/24 dev eth1
  }
  virtual_ipaddress_excluded {
    2001:db8::100/64
    10.0.0.102
  }
}
"#,
    );
    let inst = cfg.vrrp.instances[0].clone();
    ns.sh(
        "ip addr add 10.0.0.1/24 dev eth0 && ip addr add 10.0.0.100/24 dev eth0 && \
         ip addr add 10.0.0.101/24 dev eth0 label eth0:1 && ip addr add 10.5.0.1/24 dev eth1 && \
         ip addr add 2001:db8::100/64 dev eth0 nodad",
    );
    ns.run(move || async move {
        let nl = Netlink::new().unwrap();
        let idx = indices(&nl.dump_interfaces().await.unwrap());
        let all: Vec<_> = inst.vips.iter().chain(&inst.evips).cloned().collect();
        let errors = nl
            .remove_stale(&all, |a| vip_device(&inst, a).and_then(|d| idx.get(&d).copied()))
            .await;
        assert_eq!(errors, vec![]);
    });
    assert_eq!(
        addr_lines(&ns, "eth0"),
        ["inet 10.0.0.1/24 scope global eth0 valid_lft forever preferred_lft forever"]
    );
    assert_eq!(addr_lines(&ns, "eth1"), Vec::<String>::new());
}

const ROUTES: &str = r#"
static_routes {
  192.168.110.0/24 via 10.0.0.254 dev eth0
  192.168.111.0/24 dev eth0 table 100 metric 5 src 10.0.0.1 scope link
  blackhole 10.20.0.0/16
  unreachable 10.21.0.0/16 table 200
  prohibit 10.22.0.0/16 metric 7
  10.30.0.0/16 table 100 nexthop via 10.0.0.254 dev eth0 weight 2 nexthop via 10.1.0.254 dev eth1 weight 3
  2001:db8:50::/48 via 2001:db8:1::fe dev eth1 metric 1024
  2001:db8:60::/48 dev eth1 pref high
  10.40.0.0/16 via 10.0.0.254 dev eth0 mtu lock 1400 advmss 1000 initcwnd 10 rtt 3s congctl lock cubic features ecn
  default via 10.0.0.254 dev eth0 table 300
  10.44.0.0/16 via 10.0.0.254 dev eth0 table 1000 protocol static no_track
  10.45.0.0/16 via 10.0.0.254 dev eth0 onlink tos 0x10
}
"#;

/// Routes needing kernel features that may be missing (lightweight tunnels, route classids).
const OPTIONAL_ROUTES: &str = r#"
static_routes {
  10.41.0.0/16 dev eth0 encap ip id 5 dst 1.2.3.4 ttl 3
  10.42.0.0/16 dev eth0 realms 5/6
}
"#;

/// Our routes in `ip route show table all` (IPv4 and IPv6): those with protocol keepalived or
/// static.
fn our_routes(ns: &NlNs) -> Vec<String> {
    let text = ns.sh("ip -4 route show table all; ip -6 route show table all");
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with('\t') {
            if let Some(last) = out.last_mut() {
                let last: &mut String = last;
                last.push_str(" | ");
                last.push_str(line.trim());
            }
            continue;
        }
        if line.contains("proto keepalived") || line.contains("proto static") {
            out.push(line.split_whitespace().collect::<Vec<_>>().join(" "));
        }
    }
    out.sort();
    out
}

/// netlink_route(): to/via/dev/table (header and RTA_TABLE)/metric/src/scope/type/multipath/
/// metrics with locks/onlink/tos/pref/protocol as `ip route show table all` shows them; then
/// every route deletes cleanly and a second delete reports ESRCH.
#[test]
fn routes_show_in_ip_route() {
    let Some(ns) = NlNs::new("routes_show_in_ip_route", &["eth0", "eth1"]) else {
        return;
    };
    ns.sh(
        "ip addr add 10.0.0.1/24 dev eth0 && ip addr add 10.1.0.1/24 dev eth1 && \
         ip addr add 2001:db8:1::1/64 dev eth1 nodad",
    );
    let mut routes = load(ROUTES).statics.routes;
    assert_eq!(routes.len(), 12, "all routes parsed");
    let mut expected = vec![
        "192.168.110.0/24 via 10.0.0.254 dev eth0 proto keepalived",
        "192.168.111.0/24 dev eth0 table 100 proto keepalived scope link src 10.0.0.1 metric 5",
        "blackhole 10.20.0.0/16 proto keepalived",
        "unreachable 10.21.0.0/16 table 200 proto keepalived",
        "prohibit 10.22.0.0/16 proto keepalived metric 7",
        "10.30.0.0/16 table 100 proto keepalived | nexthop via 10.0.0.254 dev eth0 weight 2 | nexthop via 10.1.0.254 dev eth1 weight 3",
        "2001:db8:50::/48 via 2001:db8:1::fe dev eth1 proto keepalived metric 1024 pref medium",
        "2001:db8:60::/48 dev eth1 proto keepalived metric 1024 pref high",
        "10.40.0.0/16 via 10.0.0.254 dev eth0 proto keepalived mtu lock 1400 rtt 3s advmss 1000 initcwnd 10 features ecn congctl lock cubic",
        "default via 10.0.0.254 dev eth0 table 300 proto keepalived",
        "10.44.0.0/16 via 10.0.0.254 dev eth0 table 1000 proto static",
        "10.45.0.0/16 tos 0x10 via 10.0.0.254 dev eth0 proto keepalived onlink",
    ];
    if ns.try_sh("ip route add 10.99.0.0/16 dev eth0 table 99 encap ip id 1 dst 1.1.1.1 realms 1/2") {
        routes.extend(load(OPTIONAL_ROUTES).statics.routes);
        expected.push("10.41.0.0/16 encap ip id 5 src 0.0.0.0 dst 1.2.3.4 ttl 3 tos 0 dev eth0 proto keepalived");
        expected.push("10.42.0.0/16 dev eth0 proto keepalived realms 5/6");
        ns.sh("ip route del 10.99.0.0/16 table 99");
    } else {
        support::skip(
            "routes_show_in_ip_route (encap, realms)",
            "kernel lacks lwtunnel ip or classid",
        );
    }
    let add = routes.clone();
    ns.run(move || async move {
        let nl = Netlink::new().unwrap();
        let idx = indices(&nl.dump_interfaces().await.unwrap());
        for r in &add {
            nl.add_route(r, |n| idx.get(n).copied())
                .await
                .unwrap_or_else(|e| panic!("{r:?}: {e}"));
        }
    });
    let mut expected: Vec<String> = expected.into_iter().map(String::from).collect();
    expected.sort();
    assert_eq!(our_routes(&ns), expected);

    ns.run(move || async move {
        let nl = Netlink::new().unwrap();
        let idx = indices(&nl.dump_interfaces().await.unwrap());
        for r in &routes {
            nl.del_route(r, |n| idx.get(n).copied())
                .await
                .unwrap_or_else(|e| panic!("{r:?}: {e}"));
            let again = nl.route(r, RouteCmd::Del, |n| idx.get(n).copied()).await;
            assert_eq!(again.unwrap_err().errno(), Some(ESRCH), "{r:?}");
        }
    });
    assert_eq!(our_routes(&ns), Vec::<String>::new());
}

/// netlink_route(): IPv6 `expires` is sent (the kernel counts it down), and deleting such a
/// route after it has gone is not an error.
#[test]
fn expiring_route() {
    let Some(ns) = NlNs::new("expiring_route", &["eth1"]) else {
        return;
    };
    ns.sh("ip addr add 2001:db8:1::1/64 dev eth1 nodad");
    let routes = load("static_routes {\n 2001:db8:70::/48 dev eth1 expires 100\n}\n")
        .statics
        .routes;
    ns.run(move || async move {
        let nl = Netlink::new().unwrap();
        let idx = indices(&nl.dump_interfaces().await.unwrap());
        nl.add_route(&routes[0], |n| idx.get(n).copied()).await.unwrap();
    });
    let shown = ns.sh("ip -6 route show 2001:db8:70::/48");
    assert!(shown.contains("expires"), "{shown}");
    ns.sh("ip -6 route del 2001:db8:70::/48");
    let routes = load("static_routes {\n 2001:db8:70::/48 dev eth1 expires 100\n}\n")
        .statics
        .routes;
    ns.run(move || async move {
        let nl = Netlink::new().unwrap();
        let idx = indices(&nl.dump_interfaces().await.unwrap());
        nl.del_route(&routes[0], |n| idx.get(n).copied())
            .await
            .expect("gone by itself");
    });
}

/// A route naming an interface that does not exist is refused before reaching the kernel.
#[test]
fn route_with_missing_interface_is_an_error() {
    let Some(ns) = NlNs::new("route_with_missing_interface_is_an_error", &["eth0"]) else {
        return;
    };
    let routes = load("static_routes {\n 10.50.0.0/16 dev eth3\n}\n").statics.routes;
    ns.run(move || async move {
        let nl = Netlink::new().unwrap();
        let idx = indices(&nl.dump_interfaces().await.unwrap());
        let e = nl.add_route(&routes[0], |n| idx.get(n).copied()).await.unwrap_err();
        assert_eq!(e, keepalived_rs::netlink::Error::NoInterface("eth3".into()));
    });
}

const RULES: &str = r#"
static_rules {
  from 192.168.2.0/24 table 100 priority 100
  to 10.5.0.0/16 lookup 200 priority 101
  from all fwmark 0x10/0xff table 100 priority 102
  iif eth0 table 100 priority 103
  oif eth1 table 100 priority 104
  from 10.6.0.0/16 goto 110 priority 105
  from 10.8.0.0/16 tos 0x10 table 1000 priority 106
  from 10.9.0.0/16 uidrange 100-200 sport 1000-2000 dport 80-90 ipproto tcp table 100 priority 107
  not from 10.10.0.0/16 table 100 priority 108
  from 10.11.0.0/16 suppress_prefixlength 8 table 100 priority 109
  from 10.7.0.0/16 blackhole priority 110
  from 10.12.0.0/16 realms 3/4 table 100 priority 111
  from 10.14.0.0/16 unreachable priority 112
  from 10.15.0.0/16 prohibit priority 113
  from 10.16.0.0/16 nop priority 114
  from 10.17.0.0/16 tunnel-id 9 table 5 priority 116 suppress_ifgroup 3 no_track
  from 10.13.0.0/16 table 100
  from 2001:db8::/32 table 100 priority 100
}
"#;

/// Our rules in `ip rule show` / `ip -6 rule show` (everything but the kernel's defaults).
fn our_rules(ns: &NlNs) -> Vec<String> {
    let text = ns.sh("ip rule show; echo v6; ip -6 rule show");
    let mut v6 = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line == "v6" {
            v6 = true;
            continue;
        }
        if line.starts_with("0:") || line.starts_with("32766:") || line.starts_with("32767:") {
            continue;
        }
        let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
        out.push(if v6 { format!("v6 {line}") } else { line });
    }
    out
}

/// netlink_rule(): from/to/fwmark+mask/iif/oif/goto/tos/table>255/uidrange/ports/ipproto/not/
/// suppress_*/realms/tunnel-id/actions/automatic priority/protocol as `ip rule` shows them;
/// adding again reports EEXIST (keepalived does not ignore it for rules); all delete cleanly;
/// a second delete gives ENOENT, which remove_stale_rules() ignores.
#[test]
fn rules_show_in_ip_rule() {
    let Some(ns) = NlNs::new("rules_show_in_ip_rule", &["eth0", "eth1"]) else {
        return;
    };
    let rules = load(RULES).statics.rules;
    assert_eq!(rules.len(), 18, "all rules parsed");
    let add = rules.clone();
    ns.run(move || async move {
        let nl = Netlink::new().unwrap();
        for r in &add {
            nl.add_rule(r).await.unwrap_or_else(|e| panic!("{r:?}: {e}"));
        }
        let again = nl.add_rule(&add[0]).await.unwrap_err();
        assert_eq!(again.errno(), Some(keepalived_rs::netlink::EEXIST));
    });
    assert_eq!(
        our_rules(&ns),
        [
            "100: from 192.168.2.0/24 lookup 100 proto keepalived",
            "101: from all to 10.5.0.0/16 lookup 200 proto keepalived",
            "102: from all fwmark 0x10/0xff lookup 100 proto keepalived",
            "103: from all iif eth0 lookup 100 proto keepalived",
            "104: from all oif eth1 lookup 100 proto keepalived",
            "105: from 10.6.0.0/16 goto 110 proto keepalived",
            "106: from 10.8.0.0/16 tos 0x10 lookup 1000 proto keepalived",
            "107: from 10.9.0.0/16 uidrange 100-200 ipproto tcp sport 1000-2000 dport 80-90 lookup 100 proto keepalived",
            "108: not from 10.10.0.0/16 lookup 100 proto keepalived",
            "109: from 10.11.0.0/16 lookup 100 suppress_prefixlength 8 proto keepalived",
            "110: from 10.7.0.0/16 blackhole proto keepalived",
            "111: from 10.12.0.0/16 lookup 100 realms 3/4 proto keepalived",
            "112: from 10.14.0.0/16 unreachable proto keepalived",
            "113: from 10.15.0.0/16 prohibit proto keepalived",
            "114: from 10.16.0.0/16 nop proto keepalived",
            "116: from 10.17.0.0/16 tun_id 9 lookup 5 suppress_ifgroup 3",
            "16384: from 10.13.0.0/16 lookup 100 proto keepalived",
            "v6 100: from 2001:db8::/32 lookup 100 proto keepalived",
        ]
    );
    ns.run(move || async move {
        let nl = Netlink::new().unwrap();
        for r in &rules {
            nl.del_rule(r).await.unwrap_or_else(|e| panic!("{r:?}: {e}"));
            assert_eq!(nl.del_rule(r).await.unwrap_err().errno(), Some(ENOENT));
        }
        assert_eq!(nl.remove_stale_rules(&rules).await, vec![]);
    });
    assert_eq!(our_rules(&ns), Vec::<String>::new());
}

/// An l3mdev rule (FRA_L3MDEV, no table), where the kernel has l3mdev support.
#[test]
fn l3mdev_rule() {
    let Some(ns) = NlNs::new("l3mdev_rule", &[]) else {
        return;
    };
    if !ns.try_sh("ip rule add l3mdev priority 999 && ip rule del priority 999") {
        support::skip("l3mdev_rule", "kernel without CONFIG_NET_L3_MASTER_DEV");
        return;
    }
    let rules = load("static_rules {\n l3mdev priority 115\n}\n").statics.rules;
    ns.run(move || async move {
        Netlink::new().unwrap().add_rule(&rules[0]).await.unwrap();
    });
    assert_eq!(our_rules(&ns), ["115: from all lookup [l3mdev-table] proto keepalived"]);
}
