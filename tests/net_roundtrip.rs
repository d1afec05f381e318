//! Round trip of the static addresses, routes and rules: load a configuration, write its resolved
//! form, load that again: the `static_*` parts must be equal, and the resolved form must load
//! without any message of this family (explicit rule preferences, `no_track` where keepalived
//! cannot track, every default written out).

use std::path::{Path, PathBuf};

use keepalived_rs::config::dump;
use keepalived_rs::config::model::net::StaticNet;
use keepalived_rs::config::system::FixedSystem;
use keepalived_rs::config::{LoadOptions, load_str};

/// eth0..eth3 exist; the name files are fixed so keepalived's built-in names cover the tests.
fn host() -> FixedSystem {
    FixedSystem::with_host_files(&[
        ("/etc/protocols", "tcp 6 TCP\nudp 17 UDP\n"),
        ("/etc/iproute2/rt_dsfield", "0x28 AF11\n"),
    ])
}

fn opts() -> LoadOptions {
    LoadOptions {
        config_test: true,
        ..LoadOptions::default()
    }
}

/// Loads, dumps, reloads; returns both static parts and the messages of the reload that the
/// first load did not give (a line refused for a missing interface is written back, and refused
/// again with the same message).
fn round_trip(text: &str) -> (StaticNet, StaticNet, Vec<String>, String) {
    let first = load_str(text, &opts(), &host());
    let before: Vec<&str> = first.diags.reported().map(|d| d.message.as_str()).collect();
    let resolved = dump::resolved(&first.config);
    let second = load_str(&resolved, &opts(), &host());
    let msgs = second
        .diags
        .reported()
        .filter(|d| !before.contains(&d.message.as_str()))
        .map(|d| d.to_string())
        .collect();
    (first.config.statics, second.config.statics, msgs, resolved)
}

fn check(name: &str, text: &str) -> usize {
    let (a, b, msgs, resolved) = round_trip(text);
    assert_eq!(a, b, "{name}: statics differ after re-reading:\n{resolved}");
    // An `encap` keepalived kept after an error (no address, no labels) is written as it is
    // and draws the same complaint again.
    let ours: Vec<&String> = msgs
        .iter()
        .filter(|m| !m.contains("Unknown keyword") && !m.contains("Unexpected '{'"))
        .filter(|m| !(name.contains("encap-errors") && m.contains("encapsulation")))
        .collect();
    assert!(
        ours.is_empty(),
        "{name}: the resolved form gives messages {ours:?}:\n{resolved}"
    );
    a.addresses.len() + a.routes.len() + a.rules.len()
}

fn confs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "conf"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_net_config_round_trips() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/configs/net");
    let mut items = 0;
    for p in confs(&dir) {
        let text = std::fs::read_to_string(&p).unwrap();
        items += check(&p.display().to_string(), &text);
    }
    assert!(items > 150, "only {items} addresses/routes/rules were loaded");
}

#[test]
fn shared_samples_round_trip() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples/upstream");
    if !dir.is_dir() {
        eprintln!("SKIP shared_samples_round_trip: ../shared is absent");
        return;
    }
    for name in [
        "keepalived.conf.vrrp.routes",
        "keepalived.conf.vrrp.rules",
        "keepalived.conf.vrrp.static_ipaddress",
        "keepalived.conf.track_interface",
    ] {
        let text = String::from_utf8_lossy(&std::fs::read(dir.join(name)).unwrap()).into_owned();
        let n = check(name, &text);
        assert!(n > 0, "{name}: no static entries");
    }
}

#[test]
fn quirky_forms_round_trip() {
    let text = r#"
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
    assert_eq!(check("quirky", text), 19);
}

mod generated {
    //! Random option mixes (valid or not): whatever keepalived keeps must re-read equal.
    use super::*;
    use proptest::prelude::*;

    fn pick(options: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
        proptest::collection::vec(proptest::sample::select(options), 0..max).prop_map(|v| v.join(" "))
    }

    const ADDR_HEADS: &[&str] = &["10.0.0.1/24", "10.0.0.2", "fe80::1/64", "2001:db8::5", "10.1.2.3/30"];
    const ADDR_OPTS: &[&str] = &[
        "dev eth0",
        "dev eth1",
        "scope link",
        "scope 7",
        "scope host",
        "brd +",
        "brd -",
        "brd 10.0.0.255",
        "label eth0:1",
        "peer 10.0.0.9",
        "peer fe80::9",
        "home",
        "-nodad",
        "mngtmpaddr",
        "noprefixroute",
        "autojoin",
        "no_track",
        "preferred_lft 5",
        "preferred_lft forever",
    ];
    const ROUTE_HEADS: &[&str] = &[
        "10.0.0.0/8",
        "default",
        "blackhole 10.1.0.0/16",
        "2001:db8::/32",
        "to 10.2.0.0/16",
        "unreachable default6",
        "0.0.0.0/0",
        "12 10.3.0.0/16",
    ];
    const ROUTE_OPTS: &[&str] = &[
        "dev eth0",
        "oif eth1",
        "via 10.0.0.1",
        "via inet6 fe80::1",
        "src 10.0.0.5",
        "table 100",
        "table main",
        "metric 7",
        "protocol static",
        "protocol 18",
        "scope link",
        "tos 8",
        "onlink",
        "mtu lock 1400",
        "mtu 1500",
        "advmss 100",
        "rtt 3s",
        "rttvar lock 100ms",
        "rto_min 250",
        "reordering 3",
        "window 9",
        "cwnd lock 4",
        "ssthresh 5",
        "hoplimit 6",
        "initcwnd 7",
        "initrwnd 8",
        "features ecn",
        "quickack 1",
        "congctl lock cubic",
        "congctl reno",
        "realms 1/2",
        "realms 3",
        "expires 9",
        "pref high",
        "pref 7",
        "ttl-propagate enabled",
        "fastopen_no_cookie 1",
        "add",
        "append",
        "prepend",
        "no_track",
        "from 2001:db8::/64",
        "or 10.0.0.2",
        "encap ip id 5 dst 1.2.3.4 ttl 3",
        "encap ip6 dst 2001::1 tc 8 hoplimit 3",
        "encap mpls 5/6",
        "encap ila 1:2:3:4",
        "nexthop via 1.1.1.1 dev eth1 weight 3",
        "nexthop dev eth2 onlink realms 4",
        "nexthop via inet6 fe80::2 encap mpls 7",
    ];
    const RULE_OPTS: &[&str] = &[
        "from 10.0.0.1",
        "to 10.0.0.0/8",
        "from all",
        "to default6",
        "from 2001::/16",
        "not",
        "table 5",
        "lookup main",
        "priority 9",
        "preference 0x20",
        "tos 8",
        "fwmark 5",
        "fwmark 0x10/0xff",
        "realms 1/2",
        "sup_pl 3",
        "suppress_ifgroup 4",
        "iif eth0",
        "oif eth1",
        "tunnel-id 5",
        "uidrange 1-2",
        "l3mdev",
        "protocol 4",
        "ipproto tcp",
        "sport 1-2",
        "dport 3-4",
        "goto 100",
        "nop",
        "blackhole",
        "type prohibit",
        "no_track",
        "inet6 x",
    ];

    fn lines(
        head: impl Strategy<Value = String>,
        opts: impl Strategy<Value = String>,
    ) -> impl Strategy<Value = String> {
        proptest::collection::vec((head, opts).prop_map(|(h, o)| format!("{h} {o}")), 1..6).prop_map(|v| v.join("\n"))
    }

    proptest! {
        // A fixed seed keeps the test deterministic; raise `cases` locally to search further.
        #![proptest_config(ProptestConfig {
            cases: 300,
            rng_seed: proptest::test_runner::RngSeed::Fixed(0x6b61),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn generated_lists_round_trip(
            addrs in lines(proptest::sample::select(ADDR_HEADS).prop_map(String::from), pick(ADDR_OPTS, 5)),
            routes in lines(proptest::sample::select(ROUTE_HEADS).prop_map(String::from), pick(ROUTE_OPTS, 6)),
            rules in lines(Just(String::new()), pick(RULE_OPTS, 6)),
        ) {
            let text = format!(
                "static_ipaddress {{\n{addrs}\n}}\nstatic_routes {{\n{routes}\n}}\nstatic_rules {{\n{rules}\n}}\n"
            );
            let (a, b, _, resolved) = round_trip(&text);
            prop_assert_eq!(a, b, "input:\n{}\nresolved:\n{}", text, resolved);
        }
    }
}
