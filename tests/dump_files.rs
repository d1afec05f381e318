//! keepalived's dump files built from configurations and a simulated run: SIGUSR1
//! `keepalived.data` (`vrrp_data.c: dump_data_vrrp()`), SIGUSR2 `keepalived.stats`
//! (`vrrp_print.c: vrrp_print_stats()`), SIGRTMIN+2 `keepalived.json` (`vrrp_json.c:
//! vrrp_json_dump()`), the parent's and checker's `.data` (`main.c: print_parent_data()`,
//! `check_data.c: dump_data_check()`). Each format is read back the way the Prometheus
//! exporters read it (tests/support/dumps.rs), and snapshotted with run-dependent values
//! (times) masked.

mod support;

use std::time::Duration;

use keepalived_rs::config::model::vrrp::Family;
use keepalived_rs::dumpfile::{check_data, parent_data};
use keepalived_rs::vrrp::data::{Clock, Link, RunState, SockEntry, Sockets, data_text};
use keepalived_rs::vrrp::event::{IfState, State};
use keepalived_rs::vrrp::json::json_text;
use keepalived_rs::vrrp::socket::SockSpec;
use keepalived_rs::vrrp::stats::stats_text;
use support::dumps::{
    STATS_NAMES, exporters_parse_json, json_shape, mehdy_parse_data, mehdy_parse_scripts, mehdy_parse_stats,
    mehdy_parse_vip,
};
use support::engine::{Sim, secs};

/// Node 0: VI_1 master (150 + script weight 10), VI_2 backup to node 1's 200, in a sync
/// group-free setup with a tracked script, authentication and a notify script.
const NODE0: &str = r#"
global_defs {
    router_id DUMPS
}
vrrp_script chk {
    script "/bin/true"
    interval 1
    weight 10
    fall 2
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass s3cret
    }
    virtual_ipaddress {
        10.0.0.100/24 dev eth0 label eth0:vip
        10.0.0.101/24
    }
    virtual_ipaddress_excluded {
        10.0.9.1/32
    }
    track_script {
        chk
    }
    notify "/usr/bin/logger -t kanotify"
}
vrrp_instance VI_2 {
    state BACKUP
    interface eth0
    virtual_router_id 52
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.0.0.102/24
    }
}
"#;

const NODE1: &str = r#"
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass s3cret
    }
    virtual_ipaddress {
        10.0.0.100/24 dev eth0 label eth0:vip
        10.0.0.101/24
    }
    virtual_ipaddress_excluded {
        10.0.9.1/32
    }
}
vrrp_instance VI_2 {
    interface eth0
    virtual_router_id 52
    priority 200
    advert_int 1
    virtual_ipaddress {
        10.0.0.102/24
    }
}
"#;

/// 2026-11-21 01:13:22 UTC: where the simulated engine clock starts on the wall.
const ZERO: Duration = Duration::from_secs(1_795_223_602);

/// Both nodes after 10 s: node 0 is master of VI_1, backup of VI_2.
fn settled() -> Sim {
    let mut sim = Sim::new(&[NODE0, NODE1]);
    sim.start_all();
    sim.script(0, "chk", 0);
    sim.run_until(secs(10.0));
    assert_eq!(sim.nodes[0].engine.state(0), State::Master);
    assert_eq!(sim.nodes[0].engine.state(1), State::Backup);
    sim
}

fn links(sim: &Sim, n: usize) -> Vec<Link> {
    let lo = Link {
        state: IfState {
            name: "lo".into(),
            index: 1,
            up: true,
            mac: [0; 6],
            ipv4: Some("127.0.0.1".parse().unwrap()),
            ipv6_ll: None,
        },
        flags: (libc::IFF_UP | libc::IFF_RUNNING | libc::IFF_LOOPBACK) as u32,
        mtu: 65536,
        hw_type: libc::ARPHRD_LOOPBACK,
        vmac_sysctls: None,
        ipv6_forwarding: None,
    };
    let eth = sim.nodes[n].ifs.iter().map(|s| Link {
        state: s.clone(),
        flags: (libc::IFF_UP | libc::IFF_RUNNING | libc::IFF_BROADCAST | libc::IFF_MULTICAST) as u32,
        mtu: 1500,
        hw_type: libc::ARPHRD_ETHER,
        vmac_sysctls: None,
        ipv6_forwarding: None,
    });
    std::iter::once(lo).chain(eth).collect()
}

fn sockets() -> Sockets {
    Sockets {
        entries: vec![SockEntry {
            spec: SockSpec {
                ifname: "eth0".into(),
                ifindex: 2,
                family: Family::V4,
                group: Some("224.0.0.18".parse().unwrap()),
                unicast_src: None,
                ah: false,
                rx_buf_size: 0,
            },
            fd_in: 13,
            fd_out: 14,
        }],
        of_instance: vec![Some(0), Some(0)],
    }
}

fn node0_data(sim: &Sim) -> String {
    let socks = sockets();
    let links = links(sim, 0);
    let rs = RunState {
        engine: &sim.nodes[0].engine,
        clock: Clock::fixed(ZERO),
        sockets: &socks,
        links: &links,
        now: sim.now,
    };
    data_text(&sim.nodes[0].cfg, &rs)
}

/// The lines of one instance's block.
fn instance_block<'a>(text: &'a str, name: &str) -> Vec<&'a str> {
    let head = format!(" VRRP Instance = {name}");
    text.lines()
        .skip_while(|l| *l != head)
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect()
}

/// Masks the local-time and clock values (they depend on the time zone and the run).
fn mask_times(text: &str) -> String {
    text.lines()
        .map(|l| {
            for key in ["   Last transition = ", "   Read timeout = "] {
                if l.starts_with(key) && !l.ends_with("DISABLED") {
                    return format!("{key}<time>");
                }
            }
            l.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// dump_vrrp() with a file: a master's and a backup's run-time lines, VIPs " set" only on the
/// master, the instance's sockets, and the sections in dump_data_vrrp()'s order.
#[test]
fn data_file_has_dump_vrrp_runtime_lines() {
    let sim = settled();
    let text = node0_data(&sim);
    let vi1 = instance_block(&text, "VI_1");
    for want in [
        "   State = MASTER",
        "   Wantstate = MASTER",
        "   Number of interface and track script faults = 0",
        "   Number of track scripts init = 0",
        "   Master down timer = 3375000 usecs",
        "   Using src_ip = 10.0.0.1",
        "   Multicast address 224.0.0.18",
        "   Effective priority = 160",
        "   Total priority = 160",
        "     10.0.0.100/24 dev eth0 scope global label eth0:vip set",
        "     10.0.0.101/24 dev eth0 scope global set",
        "     10.0.9.1 dev eth0 scope global set",
        "   fd_in 13, fd_out 14",
    ] {
        assert!(vi1.contains(&want), "VI_1 lacks {want:?}:\n{}", vi1.join("\n"));
    }
    // The state lines come right after the version, the timers right after the faults.
    let pos = |b: &[&str], p: &str| b.iter().position(|l| l.starts_with(p)).unwrap_or(usize::MAX);
    assert_eq!(pos(&vi1, "   State = "), pos(&vi1, "   VRRP Version = ") + 1);
    assert_eq!(
        pos(&vi1, "   Number of interface and track script faults"),
        pos(&vi1, "   Number of config faults") + 1
    );
    assert_eq!(pos(&vi1, "   Effective priority"), pos(&vi1, "   Priority = ") + 1);
    let lt = vi1.iter().find(|l| l.starts_with("   Last transition = ")).unwrap();
    // Entered BACKUP at the start, MASTER after its master-down interval: 3 × 1 s + skew
    // (256 - 160) / 256 s with its effective priority 160.
    assert!(lt.starts_with("   Last transition = 1795223605.375000 ("), "{lt}");
    // A master's timer is its next advert, within one interval of the simulated now (10 s).
    let rt = vi1.iter().find(|l| l.starts_with("   Read timeout = ")).unwrap();
    let secs: f64 = rt["   Read timeout = ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let now = ZERO.as_secs_f64() + 10.0;
    assert!(secs > now - 0.01 && secs <= now + 1.0, "{rt}");

    let vi2 = instance_block(&text, "VI_2");
    for want in [
        "   State = BACKUP",
        "   Master router = 10.0.0.2",
        "   Master priority = 200",
        "   Wantstate = BACKUP",
        "     10.0.0.102/24 dev eth0 scope global",
    ] {
        assert!(vi2.contains(&want), "VI_2 lacks {want:?}:\n{}", vi2.join("\n"));
    }

    let heads: Vec<&str> = text.lines().filter(|l| l.starts_with("------<")).collect();
    assert_eq!(
        heads,
        [
            "------< Global definitions >------",
            "------< VRRP Topology >------",
            "------< VRRP Sockpool >------",
            "------< VRRP Scripts >------",
            "------< Interfaces >------",
        ]
    );
    let pool: Vec<&str> = text
        .lines()
        .skip_while(|l| *l != "------< VRRP Sockpool >------")
        .skip(1)
        .take_while(|l| !l.starts_with("------<"))
        .collect();
    assert_eq!(
        pool,
        [
            " fd_in 13 fd_out = 14",
            "   Interface = eth0",
            "   Family = IPv4",
            "   Protocol = VRRP",
            "   Type = Multicast",
            "   Rx buf size = 0",
            "   VRRP instances",
            "     VI_1 vrid 51",
            "     VI_2 vrid 52",
        ]
    );
    insta::assert_snapshot!("keepalived.data", mask_times(&text));
}

/// The script section of dump_vscript() with a file: result, status GOOD once the script
/// succeeded, init state DONE (printed "unknown"), process state.
#[test]
fn data_file_script_status_as_dump_vscript() {
    let sim = settled();
    let text = node0_data(&sim);
    let script: Vec<&str> = text
        .lines()
        .skip_while(|l| *l != " VRRP Script = chk")
        .take_while(|l| !l.starts_with("------<"))
        .collect();
    let pos = |p: &str| script.iter().position(|l| l.starts_with(p)).unwrap_or(usize::MAX);
    assert_eq!(script[pos("   Result = ")], "   Result = 2");
    assert_eq!(pos("   Result = "), pos("   Fall = ") + 1);
    assert_eq!(script[pos("   Init state = ")], "   Init state = unknown");
    assert_eq!(script[pos("   Status = ")], "   Status = GOOD");
    assert_eq!(script.last(), Some(&"   State = idle"));

    // A failing script turns BAD once it has failed `fall` times.
    let mut sim = settled();
    sim.script(0, "chk", 1);
    sim.script(0, "chk", 1);
    let text = node0_data(&sim);
    assert!(text.contains("\n   Status = BAD\n"), "{text}");
    assert!(text.contains("\n   Effective priority = 150\n"));
}

/// mehdy/keepalived-exporter reads keepalived.data: every instance with its state, wanted
/// state, interface, an integer GARP delay, VRID and VIPs (address, interface); every script
/// with a known status and state.
#[test]
fn data_file_reads_as_mehdy_exporter_parses_it() {
    let sim = settled();
    let text = node0_data(&sim);
    let data = mehdy_parse_data(&text).expect("parses");
    assert_eq!(data.keys().collect::<Vec<_>>(), ["VI_1", "VI_2"]);
    let vi1 = &data["VI_1"];
    assert_eq!((vi1.state, vi1.wantstate, vi1.vrid, vi1.garp_delay), (2, 2, 51, 5));
    assert_eq!(vi1.intf, "eth0");
    assert_eq!(
        vi1.vips,
        [
            "10.0.0.100/24 dev eth0 scope global label eth0:vip set",
            "10.0.0.101/24 dev eth0 scope global set"
        ]
    );
    assert_eq!(vi1.excluded, ["10.0.9.1 dev eth0 scope global set"]);
    assert_eq!(
        mehdy_parse_vip(&vi1.vips[0]),
        Some(("10.0.0.100/24".into(), "eth0".into()))
    );
    let vi2 = &data["VI_2"];
    assert_eq!((vi2.state, vi2.wantstate, vi2.vrid), (1, 1, 52));
    assert_eq!(vi2.vips, ["10.0.0.102/24 dev eth0 scope global"]);
    assert_eq!(
        mehdy_parse_scripts(&text),
        [("chk".to_string(), "GOOD".to_string(), "idle".to_string())]
    );
    // The exporter pairs keepalived.data with keepalived.stats by instance name.
    let stats = mehdy_parse_stats(&stats_text(&sim.nodes[0].cfg, &sim.nodes[0].engine)).unwrap();
    assert_eq!(stats.keys().collect::<Vec<_>>(), data.keys().collect::<Vec<_>>());
}

/// vrrp_print_stats(): every counter in its line, readable by the exporter; clear_stats()
/// (SIGRTMAX-1) zeroes them and the next file says so.
#[test]
fn stats_file_and_clear() {
    let mut sim = settled();
    let text = stats_text(&sim.nodes[0].cfg, &sim.nodes[0].engine);
    let stats = mehdy_parse_stats(&text).expect("parses");
    for (name, c) in &stats {
        assert_eq!(c.len(), STATS_NAMES.len(), "{name}: {c:?}");
    }
    assert!(stats["VI_1"]["advert_sent"] >= 6, "{text}");
    assert_eq!(stats["VI_1"]["become_master"], 1);
    assert!(stats["VI_2"]["advert_rcvd"] >= 6, "{text}");
    insta::assert_snapshot!("keepalived.stats", text);

    sim.nodes[0].engine.clear_stats();
    let cleared = mehdy_parse_stats(&stats_text(&sim.nodes[0].cfg, &sim.nodes[0].engine)).unwrap();
    for (name, c) in &cleared {
        assert!(c.values().all(|v| *v == 0), "{name}: {c:?}");
    }
    // Counting goes on from zero.
    sim.run_for(secs(3.0));
    let later = mehdy_parse_stats(&stats_text(&sim.nodes[0].cfg, &sim.nodes[0].engine)).unwrap();
    assert!((2..=4).contains(&later["VI_1"]["advert_sent"]), "{later:?}");
    assert_eq!(later["VI_1"]["become_master"], 0);
}

/// keepalived 2.2.7's `data` keys for this VI_1 and VI_2, in vrrp_json_data_dump()'s order,
/// with the kinds its writer gives them (captured from Debian's keepalived for this shape of
/// configuration).
const VI1_DATA: &[&str] = &[
    "iname: string",
    "dont_track_primary: integer",
    "skip_check_adv_addr: integer",
    "strict_mode: integer",
    "vmac_ifname: string",
    "ifp_ifname: string",
    "master_priority: integer",
    "last_transition: float",
    "garp_delay: integer",
    "garp_refresh: integer",
    "garp_rep: integer",
    "garp_refresh_rep: integer",
    "garp_lower_prio_delay: integer",
    "garp_lower_prio_rep: integer",
    "lower_prio_no_advert: integer",
    "higher_prio_send_advert: integer",
    "vrid: integer",
    "base_priority: integer",
    "effective_priority: integer",
    "vipset: bool",
    "promote_secondaries: bool",
    "adver_int: integer",
    "master_adver_int: integer",
    "accept: integer",
    "nopreempt: bool",
    "preempt_delay: integer",
    "state: integer",
    "wantstate: integer",
    "version: integer",
    "smtp_alert: bool",
    "notify_deleted: bool",
    "script: string",
    "vips: array",
    "evips: array",
    "track_script: array",
    "auth_type: integer",
    "auth_data: string",
];

const STATS_KEYS: &[&str] = &[
    "advert_rcvd: integer",
    "advert_sent: integer",
    "become_master: integer",
    "release_master: integer",
    "packet_len_err: integer",
    "advert_interval_err: integer",
    "ip_ttl_err: integer",
    "invalid_type_rcvd: integer",
    "addr_list_err: integer",
    "invalid_authtype: integer",
    "authtype_mismatch: integer",
    "auth_failure: integer",
    "pri_zero_rcvd: integer",
    "pri_zero_sent: integer",
];

/// vrrp_json_dump(): one line, `[{"data":{...},"stats":{...}},...]`, keepalived's keys in its
/// order and kinds, optional keys only when set, `/` escaped, states numbered as vrrp.h;
/// both exporters decode it.
#[test]
fn json_file_has_vrrp_json_c_shape() {
    let sim = settled();
    let text = json_text(&sim.nodes[0].cfg, &sim.nodes[0].engine, Clock::fixed(ZERO));
    assert!(text.ends_with("]\n") && text.lines().count() == 1, "{text}");
    let shape = json_shape(&text);
    assert_eq!(shape.len(), 6);
    assert_eq!(shape[0], ["data: object", "stats: object"]);
    assert_eq!(shape[1], VI1_DATA);
    assert_eq!(shape[2], STATS_KEYS);
    let vi2: Vec<&str> = VI1_DATA
        .iter()
        .copied()
        .filter(|k| {
            ![
                "script: string",
                "evips: array",
                "track_script: array",
                "auth_data: string",
            ]
            .contains(k)
        })
        .collect();
    assert_eq!(shape[4], vi2);
    assert!(text.contains(r#""vips":["10.0.0.100\/24 dev eth0 scope global label eth0:vip set","#));
    assert!(
        text.contains(r#""script":"'\/usr\/bin\/logger' '-t' 'kanotify'""#),
        "{text}"
    );
    assert!(text.contains(r#""last_transition":1795223602.000000,"#), "{text}");

    let parsed = exporters_parse_json(&text).expect("both exporters decode it");
    assert_eq!(
        parsed
            .iter()
            .map(|e| (e.data.iname.as_str(), e.data.state, e.data.wantstate))
            .collect::<Vec<_>>(),
        [("VI_1", 2, 2), ("VI_2", 1, 1)]
    );
    assert_eq!(parsed[0].data.garp_delay, 5);
    assert_eq!(parsed[0].data.ifp_ifname, "eth0");
    assert_eq!(parsed[1].data.vips, ["10.0.0.102/24 dev eth0 scope global"]);
    assert!(parsed[0].stats["advert_sent"] >= 6);
    insta::assert_snapshot!("keepalived.json", text);
}

/// print_parent_data(): the parent's global definitions have its start/shutdown scripts, no
/// default interface, and the lower priority GARP values unresolved (PARAMETER_UNSET) unless
/// configured; the checker's (dump_data_check()) are the same without the scripts, followed by
/// the LVS topology.
#[test]
fn parent_and_checker_data() {
    let cfg = support::engine::config(
        "global_defs {\n router_id P\n startup_script /bin/true\n vrrp_garp_lower_prio_repeat 3\n}\n\
         virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 10.0.0.2 80 {\n  TCP_CHECK {\n  }\n }\n}\n",
    );
    let parent = parent_data(&cfg);
    assert!(parent.starts_with("------< Global definitions >------\n"));
    assert!(parent.contains("\n Router ID = P\n"));
    assert!(
        parent.contains("\n Startup script = '/usr/bin/true', uid:gid 0:0, timeout 10\n"),
        "{parent}"
    );
    assert!(!parent.contains("Default interface"));
    assert!(parent.contains("\n Gratuitous ARP lower priority delay = 4294967295\n"));
    assert!(parent.contains("\n Gratuitous ARP lower priority repeat = 3\n"));
    assert!(!parent.contains("------< VRRP") && !parent.contains("LVS Topology"));

    let check = check_data(&cfg);
    let second = check[1..].find("------< ").map_or(check.len(), |i| i + 1);
    let (global, rest) = check.split_at(second);
    assert_eq!(
        global,
        parent.replace(" Startup script = '/usr/bin/true', uid:gid 0:0, timeout 10\n", "")
    );
    assert!(rest.contains("------< LVS Topology >------"), "{rest}");
    assert!(rest.contains(" VS VIP = 10.0.0.1, VPORT = 80"), "{rest}");
}

/// dump_track_file() at run time: "Status" is the value last read from the file.
#[test]
fn data_file_track_file_status_is_the_value_read() {
    use keepalived_rs::vrrp::event::Event;
    let conf = format!(
        "track_file tf {{\n file /nonexistent/kars-track\n weight 1\n}}\n{}",
        support::engine::instance("VI_1", 51, 100, " track_file {\n  tf\n }\n")
    );
    let mut sim = Sim::new(&[&conf]);
    sim.start_all();
    sim.event(
        0,
        Event::TrackFile {
            name: "tf".into(),
            value: 7,
        },
    );
    let links = links(&sim, 0);
    let socks = Sockets::default();
    let rs = RunState {
        engine: &sim.nodes[0].engine,
        clock: Clock::fixed(ZERO),
        sockets: &socks,
        links: &links,
        now: sim.now,
    };
    let text = data_text(&sim.nodes[0].cfg, &rs);
    let section: Vec<&str> = text
        .lines()
        .skip_while(|l| *l != "------< VRRP Track files >------")
        .take_while(|l| !l.starts_with("------< Interfaces"))
        .collect();
    assert!(section.contains(&" Track file = tf"), "{text}");
    assert!(section.contains(&"   Status = 7"), "{}", section.join("\n"));
    // Without sockets, keepalived's "No sockets allocated".
    assert!(instance_block(&text, "VI_1").contains(&"   No sockets allocated"));
    assert!(!text.contains("VRRP Sockpool"));
}
