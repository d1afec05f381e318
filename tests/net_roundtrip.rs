//! Round trip of the static addresses, routes and rules: load a configuration, write its resolved
//! form, load that again: the `static_*` parts must be equal, and the resolved form must load
//! without any message of this family (explicit rule preferences, `no_track` where keepalived
//! cannot track, every default written out).

use std::path::{Path, PathBuf};

use keepalived_rs::config::dump;
use keepalived_rs::config::model::net::StaticNet;
use keepalived_rs::config::system::{FileStat, System, UserInfo};
use keepalived_rs::config::{LoadOptions, load_str};

/// eth0..eth3 exist; name files are the host's (keepalived's built-in names cover the tests).
struct Host;

impl System for Host {
    fn interface_exists(&self, name: &str) -> bool {
        matches!(name, "eth0" | "eth1" | "eth2" | "eth3")
    }
    fn user(&self, _: &str) -> Option<UserInfo> {
        None
    }
    fn group(&self, _: &str) -> Option<u32> {
        None
    }
    fn nodename(&self) -> String {
        "host".into()
    }
    fn stat(&self, _: &str) -> Option<FileStat> {
        None
    }
    fn lstat(&self, _: &str) -> Option<FileStat> {
        None
    }
    fn realpath(&self, p: &str) -> Option<String> {
        Some(p.into())
    }
    fn path_env(&self) -> Option<String> {
        None
    }
    fn read_file(&self, path: &str) -> Option<String> {
        match path {
            "/etc/protocols" => Some("tcp 6 TCP\nudp 17 UDP\n".into()),
            "/etc/iproute2/rt_dsfield" => Some("0x28 AF11\n".into()),
            _ => None,
        }
    }
}

fn opts() -> LoadOptions {
    LoadOptions {
        config_test: true,
        ..LoadOptions::default()
    }
}

/// Loads, dumps, reloads; returns both static parts and the messages of the reload.
fn round_trip(text: &str) -> (StaticNet, StaticNet, Vec<String>, String) {
    let first = load_str(text, &opts(), &Host);
    let resolved = dump::resolved(&first.config);
    let second = load_str(&resolved, &opts(), &Host);
    let msgs = second.diags.reported().map(|d| d.to_string()).collect();
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
