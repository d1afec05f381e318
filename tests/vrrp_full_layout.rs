//! The whole `-d` dump of keepalived's VRRP child (`dump_data_vrrp()`), section order and glue
//! lines included, against Debian's keepalived 2.2.7 run with `-d` in a namespace made for it:
//! global definitions, gratuitous ARP delays, static addresses/routes/rules and track groups,
//! VRRP topology, sync groups, scripts, track files, processes and BFDs. Lines that depend on
//! the host or the run (interface addresses, timers, the libnftnl version) are left out on both
//! sides, and so is the run-time "Interfaces" section. Skips loudly when it cannot run.

mod support;

use keepalived_rs::config::system::HostWithInterfaces;
use keepalived_rs::config::{LoadOptions, dump, load_str};

const CONF: &str = r#"
global_defs {
    router_id lb-full
    enable_script_security
    script_user root
    vrrp_garp_master_repeat 3
    notification_email {
        ops@example.com
    }
}
garp_group {
    garp_interval 0.25
    interface eth2
}
garp_group {
    gna_interval 1.5
    interfaces {
        eth3
    }
}
track_group TG {
    group {
        VI_1
        NOSUCH
    }
}
static_ipaddress {
    192.168.200.1/24 dev eth0 scope link
    10.9.0.1/32 dev eth1 track_group TG
}
static_routes {
    10.20.0.0/16 via 10.100.0.2 dev eth0
    blackhole 10.21.0.0/16
}
static_rules {
    from 10.22.0.0/16 table 100 priority 50
}
track_file tf1 {
    file @DIR@/tf1
    weight 0
}
vrrp_track_process p1 {
    process keepalived-rs-no-such-process
}
vrrp_script chk {
    script "/bin/true"
    interval 2
    weight 10
}
vrrp_script chk2 {
    script "/bin/true two"
    fall 3
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 150
    virtual_ipaddress {
        10.100.0.100/24
        10.101.0.1 dev eth1
    }
    virtual_routes {
        10.50.0.0/16 via 10.100.0.1
    }
    track_script {
        chk2
    }
    track_file {
        tf1
    }
    notify_master "/bin/echo master"
    smtp_alert
}
vrrp_instance VI_2 {
    interface eth1
    virtual_router_id 52
    unicast_peer {
        10.100.1.2
    }
    virtual_ipaddress {
        10.100.1.100/24
    }
    track_process {
        p1 weight 0
    }
}
vrrp_sync_group G {
    group {
        VI_1
        VI_2
    }
    sync_group_tracking_weight
    track_script {
        chk weight 0
    }
    notify_backup "/bin/echo backup"
}
"#;

/// keepalived's VRRP child dump, from "Global definitions" to "Interfaces" (excluded).
fn keepalived_vrrp_dump(text: &str) -> Vec<String> {
    let lines = support::keepalived_dump(text, &["-P", "-G"], |l| {
        l.last().is_some_and(|x| x == "------< Interfaces >------")
    });
    let mut out = Vec::new();
    let mut on = false;
    for text in lines {
        if text == "------< Global definitions >------" {
            on = true;
        }
        if text == "------< Interfaces >------" {
            break;
        }
        // Dump lines are indented or headings; other processes' log lines may come between.
        if on && (text.starts_with(' ') || text.starts_with("------<")) {
            out.push(text);
        }
    }
    out
}

/// Lines that depend on the host, the build or the run rather than on the configuration.
fn runtime(l: &str) -> bool {
    l.starts_with(" libnftnl version")
        || l.starts_with(" current realtime")
        || (l.starts_with("   Using src_ip = ") && !l.ends_with("(from configuration)"))
        || l.starts_with(" GARP next time ")
        || l.starts_with(" GNA next time ")
        || l.starts_with("   Result = ")
        || l.starts_with("   Insecure = ")
        || l.starts_with("   Status = ")
        || l.starts_with("   State = ")
        || l.starts_with("   Current processes = ")
        || l.starts_with("   Have quorum = ")
        || l.starts_with(" VRRP Sync Group = ")
        || l.starts_with("   Num member fault ")
}

#[test]
fn vrrp_child_dump_matches_keepalived() {
    if let Some(why) = support::dump_unavailable() {
        eprintln!("SKIP vrrp_child_dump_matches_keepalived: {why}");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let text = CONF.replace("@DIR@", &dir.path().display().to_string());
    // " set" and " [installed ifindex N]": the address or route is installed (run-time state).
    let theirs: Vec<String> = keepalived_vrrp_dump(&text)
        .into_iter()
        .filter(|l| !runtime(l))
        .map(|l| match l.find(" [installed ifindex ") {
            Some(i) if l.ends_with(']') => l[..i].to_string(),
            _ => l,
        })
        .map(|l| match l.strip_suffix(" set") {
            Some(s) if l.starts_with("     ") => s.to_string(),
            _ => l,
        })
        .collect();
    assert!(
        theirs.iter().any(|l| l == "------< VRRP Topology >------"),
        "keepalived printed no VRRP dump:\n{}",
        theirs.join("\n")
    );
    let opts = LoadOptions {
        config_test: true,
        ..LoadOptions::default()
    };
    let loaded = load_str(&text, &opts, &HostWithInterfaces::eth0_to_eth3());
    let ours: Vec<String> = dump::vrrp_layout(&loaded.config)
        .into_iter()
        .filter(|l| !runtime(l))
        .collect();
    if ours != theirs {
        let n = ours.iter().zip(&theirs).take_while(|(a, b)| a == b).count();
        panic!(
            "first difference at line {n}:\n  ours:       {:?}\n  keepalived: {:?}\n\nours:\n{}\n\nkeepalived:\n{}",
            ours.get(n),
            theirs.get(n),
            ours.join("\n"),
            theirs.join("\n")
        );
    }
}
