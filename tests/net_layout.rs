//! keepalived's `-d` dump of static addresses, routes and rules: the lines keepalived 2.2.7 logged
//! for this configuration (timestamps and the runtime-only ` set` / `[installed ifindex N]`
//! removed) must be what `dump::vrrp_layout()` gives.

use keepalived_rs::config::dump;
use keepalived_rs::config::system::FixedSystem;
use keepalived_rs::config::{LoadOptions, load_str};

/// eth0..eth3 exist; the name files are fixed so keepalived's built-in names cover the tests.
fn host() -> FixedSystem {
    FixedSystem::with_host_files(&[
        ("/etc/protocols", "tcp 6 TCP\n"),
        ("/etc/iproute2/rt_dsfield", "0x28 AF11\n"),
    ])
}

const CONF: &str = r#"static_ipaddress {
  192.168.200.16/24 dev eth0 scope global label eth0:1
  192.168.200.17/24 brd + dev eth1 scope link home -nodad mngtmpaddr noprefixroute autojoin no_track
  192.168.200.18 peer 192.168.200.19 dev eth1
  fe80::1/64 dev eth0 preferred_lft 100
  fe80::2 dev eth0
  fe80::3/64 dev eth0
  192.168.5.5
}
static_routes {
  192.168.110.0/24 via 192.168.200.254 dev eth0
  default via 192.168.200.254 dev eth0 table 100 metric 5 mtu lock 1400 rtt 3s rttvar 100ms rto_min 500 advmss 1000 window 5 cwnd lock 6 ssthresh 7 reordering 8 hoplimit 9 initcwnd 10 initrwnd 11 features ecn quickack 1 congctl lock cubic
  blackhole 10.0.0.0/8 no_track protocol static
  10.1.0.0/16 src 192.168.200.16 tos 0x10 dev eth0 realms 5/6 onlink scope link
  inet6 2001:db8::/32 dev eth0 expires 100 pref high fastopen_no_cookie 1 ttl-propagate enabled
  10.2.0.0/16 dev eth0 encap ip id 5 dst 1.2.3.4 src 1.2.3.5 tos 0x10 ttl 5 flags 1
  10.3.0.0/16 dev eth0 nexthop via 1.1.1.1 dev eth1 weight 3 onlink nexthop via 1.1.1.2 dev eth2 realms 3 encap mpls 100/200
  10.4.0.0/16 via 192.168.200.254 or 192.168.200.253 dev eth0
  2001:db9::/32 from 2001:db8::/64 dev eth0 encap ip6 id 7 dst 2001::1 tc 0x10 hoplimit 4
  10.5.0.0/16 dev eth0 append
  10.6.0.0/16 dev eth0 add
  any dev eth0
  default6 dev eth0
  10.7.0.0/16 dev eth0 encap ila 1:2:3:4
}
static_rules {
  from 10.0.0.1 table 100 priority 5
  not to 10.1.1.1 fwmark 0x10/0xff table 100
  from all iif eth0 oif eth1 tos 0x10 realms 1/2 suppress_prefixlength 3 suppress_ifgroup 4 table 7 priority 6
  inet6 goto 100 priority 50 tunnel-id 99 uidrange 5-10 protocol 4 ipproto tcp sport 5-10 dport 80
  from 10.0.0.0/8 blackhole preference 77 no_track
  l3mdev priority 88
  to 10.0.0.0/8 type unreachable priority 99
  nop priority 100
  fwmark 5 table 5 priority 101
}
static_ipaddress {
    10.0.0.1/24 brd + dev eth0 label eth0:9 home
    10.0.0.2 peer 10.0.0.3 dev eth1 scope 7 preferred_lft 9
    fe80::9/64 dev eth2 -nodad
    10.0.0.4
}
static_routes {
    default6 dev eth0
    any via 10.0.0.1 dev eth0
    10.0.0.0/8 via 10.0.0.1 or 10.0.0.2
    10.1.0.0/16 dev eth0 encap ip id 5 src 1.2.3.4 tos 8 ttl 9 flags 3 rtt 1600 rttvar lock 1s
    2001:db8::/32 dev eth0 encap ip6 dst 2001::1 tc 8 hoplimit 9 expires 5
    10.2.0.0/16 dev eth0 nexthop via 1.1.1.1 encap mpls 5/6 nexthop dev eth1 weight 256 realms 3/4
    10.3.0.0/16 dev eth0 realms 1/2 nexthop via 1.1.1.1 realms 9 encap ila 1:ff:0:ffff
    unreachable 10.4.0.0/16 no_track protocol 4 dev eth0
    10.5.0.0/16 dev eth0 tos AF11 congctl lock cubic ttl-propagate foo
}
static_rules {
    inet6 not table 6
    from all to default table 7
    fwmark 1/2 fwmark 3 table 8 priority 9
    l3mdev priority 10 realms 1/2
    from default6 goto 100 priority 11
    to 10.0.0.0/8 prohibit
}
"#;

/// `keepalived -n -l -D -d` (Debian 2.2.7), the static sections.
const KEEPALIVED: &str = r#"------< Static Addresses >------
     192.168.200.16/24 dev eth0 scope global label eth0:1
     192.168.200.17/24 brd 192.168.200.255 dev eth1 scope link home -nodad mngtmpaddr noprefixroute autojoin no_track
     192.168.200.18 dev eth1 scope global peer 192.168.200.19/32
     fe80::1/64 dev eth0 scope global preferred_lft 100
     fe80::2 dev eth0 scope global deprecated
     fe80::3/64 dev eth0 scope global preferred_lft forever
     192.168.5.5 dev eth0 scope global
     10.0.0.1/24 brd 10.0.0.255 dev eth0 scope global label eth0:9 home
     10.0.0.2 dev eth1 scope 7 peer 10.0.0.3/32
     fe80::9/64 dev eth2 scope global -nodad preferred_lft forever
     10.0.0.4 dev eth0 scope global
------< Static Routes >------
     prepend 192.168.110.0/24 via inet 192.168.200.254 dev eth0 proto 18
     prepend 0.0.0.0/0 via inet 192.168.200.254 dev eth0 table 100 proto 18 metric 5 congctl cubiclock  rtt 3s rttvar 200ms rto_min 500ms features ecn mtu lock 1400 window 5 ssthresh 7 cwnd lock 6 advmss 1000 reordering 8 hoplimit 9 initcwnd 10 initrwnd 11 quickack 1
      1 quickack 1
     add blackhole 10.0.0.0/8 proto 4 no_track
     prepend 10.1.0.0/16 src 192.168.200.16 tos 16 dev eth0 proto 18 scope 253 onlink realms 5/6
     prepend 10.2.0.0/16 encap ip id 5 dst 1.2.3.4 src 1.2.3.5 tos 16 ttl 5 flags 0x1 dev eth0 proto 18
     prepend 10.3.0.0/16 dev eth0 proto 18 nexthop via inet 1.1.1.1 dev eth1 weight 3 onlink nexthop via inet 1.1.1.2 dev eth2 realm 3 encap mpls 64000/c8100
     prepend 10.4.0.0/16 dev eth0 proto 18 nexthop via inet 192.168.200.254 nexthop via inet 192.168.200.253
     prepend 2001:db9::/32 from 2001:db8::/64 encap ip6 id 7 dst 2001::1 tc 16 hoplimit 4 dev eth0 proto 18
     append 10.5.0.0/16 dev eth0 proto 18
     add 10.6.0.0/16 dev eth0 proto 18
     prepend 0.0.0.0/0 dev eth0 proto 18
     prepend ::/0 dev eth0 proto 18
     prepend 10.7.0.0/16 encap ila 288233674720149760 dev eth0 proto 18
     prepend ::/0 dev eth0 proto 18
     prepend 0.0.0.0/0 via inet 10.0.0.1 dev eth0 proto 18
     prepend 10.0.0.0/8 proto 18 nexthop via inet 10.0.0.1 nexthop via inet 10.0.0.2 no_track
     prepend 10.1.0.0/16 encap ip id 5 src 1.2.3.4 tos 8 ttl 9 flags 0x3 dev eth0 proto 18 rtt 200ms rttvar lock 1s
     prepend 2001:db8::/32 encap ip6 dst 2001::1 tc 8 hoplimit 9 dev eth0 proto 18 expires 5sec
     prepend 10.2.0.0/16 dev eth0 proto 18 nexthop via inet 1.1.1.1 encap mpls 5000/6100 nexthop dev eth1 weight 256 realm 4
     prepend 10.3.0.0/16 dev eth0 proto 18 realms 1/2 nexthop via inet 1.1.1.1 realms 0/9 encap ila 18446462603011031296
     add unreachable 10.4.0.0/16 dev eth0 proto 4 no_track
     prepend 10.5.0.0/16 tos 40 dev eth0 proto 18 congctl cubiclock  ttl-propagate disabled
------< Static Rules >------
     from 10.0.0.1 priority 5 tos 0x0 protocol 18 lookup 100
     not from all to 10.1.1.1 priority 16384 tos 0x0 fwmark 0x10/0xff protocol 18 lookup 100
     from 0.0.0.0/0 priority 6 tos 0x10 iif eth0 oif eth1 suppress_prefixlen 3 suppress_ifgroup 4 protocol 18 realms 1/2 lookup 7
     from 10.0.0.0/8 priority 77 tos 0x0 type blackhole no_track
     from all priority 88 tos 0x0 l3mdev protocol 18 lookup 0
     from all to 10.0.0.0/8 priority 99 tos 0x0 protocol 18 type unreachable
     from all priority 100 tos 0x0 protocol 18 nop
     from all priority 101 tos 0x0 fwmark 0x5 protocol 18 lookup 5
     inet6 from all priority 16384 tos 0x0 protocol 18 lookup 6
     from 0.0.0.0/0 to 0.0.0.0/0 priority 16383 tos 0x0 protocol 18 lookup 7
     from all priority 9 tos 0x0 fwmark 0x3/0x0 protocol 18 lookup 8
     from all priority 10 tos 0x0 l3mdev protocol 18 realms 1/2 lookup 0
     from ::/0 priority 11 tos 0x0 protocol 18 goto 100
     from all to 10.0.0.0/8 priority 16382 tos 0x0 protocol 18 type prohibit
"#;

#[test]
fn static_sections_match_keepalived_dump() {
    let opts = LoadOptions {
        config_test: true,
        ..LoadOptions::default()
    };
    let loaded = load_str(CONF, &opts, &host());
    let ours: Vec<String> = dump::vrrp_layout(&loaded.config)
        .into_iter()
        .skip_while(|l| l != "------< Static Addresses >------")
        .take_while(|l| !l.starts_with("------<") || l.contains("Static"))
        .collect();
    let want: Vec<&str> = KEEPALIVED.lines().collect();
    for (i, (o, w)) in ours.iter().zip(want.iter()).enumerate() {
        assert_eq!(o, w, "line {i}");
    }
    assert_eq!(ours.len(), want.len());
}
