//! keepalived's `-d` layout of the VRRP data, compared with Debian's keepalived 2.2.7 run with
//! `-d` in a network namespace made for it (the configuration-derived lines of the `VRRP
//! Topology`, `VRRP Sync groups` and `VRRP Scripts` sections). Skips, saying why, when it cannot
//! run keepalived.

mod support;

use keepalived_rs::config::system::HostWithInterfaces;
use keepalived_rs::config::{LoadOptions, dump, load_str};

const CONF: &str = r#"
vrrp_script chk {
    script "/bin/true"
    interval 2
    weight 10
    fall 2
}
vrrp_script unused {
    script "/bin/true"
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 1
    track_interface {
        eth1 weight 5
    }
    track_script {
        chk
    }
    authentication {
        auth_type PASS
        auth_pass s3cret
    }
    notify_master "/bin/echo master"
    notify_priority_changes
}
vrrp_instance VI_2 {
    interface eth1
    virtual_router_id 52
    unicast_src_ip 10.100.1.1
    unicast_peer {
        10.100.1.2 max_ttl 20
    }
    nopreempt
    garp_master_delay 3
    smtp_alert
}
vrrp_instance VI_3 {
    interface eth2
    virtual_router_id 53
    state MASTER
    advert_int 2
    track_script {
        chk weight -5 reverse
    }
}
vrrp_instance VI_4 {
    interface eth0
    use_vmac
    virtual_router_id 54
    virtual_ipaddress {
        10.100.4.100/24
        10.101.4.1 dev eth1 label eth1:4
        10.101.4.2/24 brd + dev eth1 scope link
    }
    virtual_ipaddress_excluded {
        10.102.4.1/32
    }
    virtual_routes {
        10.50.0.0/16 via 10.100.4.1 dev eth0
        10.51.0.0/16 via 10.100.4.1
        blackhole 10.52.0.0/16
    }
    virtual_rules {
        from 10.53.0.0/16 table 100 priority 10
        to 10.54.0.0/16 iif eth1 table 101 priority 11
    }
    garp_extra_if all 7
}
vrrp_instance VI_5 {
    interface eth1
    use_vmac vrrp55 02:11:22:33:44
    vmac_xmit_base
    virtual_router_id 55
    virtual_ipaddress {
        10.100.5.100/24
    }
}
vrrp_instance VI_6 {
    interface eth2
    virtual_router_id 56
    virtual_ipaddress {
        fe80::56/64
        2001:db8::56/64 dev eth3
    }
}
vrrp_sync_group G {
    group {
        VI_1
        VI_2
    }
    notify_master "/bin/echo sg"
}
"#;

/// The VRRP sections of keepalived's `-d` log, timestamps removed, without run-time lines.
fn keepalived_layout(out: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut on = false;
    for l in out.lines() {
        // "Sat Nov 21 01:14:14 2026: text"
        let text = match l.find(": ") {
            Some(i) if l[..i].len() == 24 => &l[i + 2..],
            _ => continue,
        };
        if text.starts_with("------<") {
            on = matches!(
                text,
                "------< VRRP Topology >------" | "------< VRRP Sync groups >------" | "------< VRRP Scripts >------"
            );
        }
        // Dump lines are indented or headings; other processes' log lines may come between.
        if on && (text.starts_with(' ') || text.starts_with("------<")) {
            lines.push(text.to_string());
        }
    }
    lines
}

/// Lines that depend on the host or the run, not on the configuration.
fn runtime(l: &str) -> bool {
    (l.starts_with("   Using src_ip = ") && !l.ends_with("(from configuration)"))
        || l.starts_with("   Result = ")
        || l.starts_with("   Insecure = ")
        || l.starts_with("   Status = ")
        || l.starts_with("   State = ")
        || l.starts_with("   Multicast address ff02::12, ifindex ")
        || l.starts_with("   Next gratuitous ARP for such secondary = ")
}

#[test]
fn vrrp_layout_matches_keepalived() {
    if let Some(why) = support::dump_unavailable() {
        eprintln!("SKIP vrrp_layout_matches_keepalived: {why}");
        return;
    }
    let lines = support::keepalived_dump(CONF, &["-G"], |l| {
        l.last().is_some_and(|x| x == "------< Interfaces >------")
    });
    let text = lines.join("\n");
    let theirs: Vec<String> = keepalived_layout(&text).into_iter().filter(|l| !runtime(l)).collect();
    if theirs.is_empty() {
        eprintln!("SKIP vrrp_layout_matches_keepalived: keepalived printed no VRRP dump:\n{text}");
        return;
    }
    let loaded = load_str(CONF, &LoadOptions::default(), &HostWithInterfaces::eth0_to_eth3());
    let mut ours = Vec::new();
    dump::vrrp::layout(&loaded.config, &mut ours);
    let ours: Vec<String> = ours.into_iter().filter(|l| !runtime(l)).collect();
    assert!(
        theirs.iter().any(|l| l == "   Virtual Routes :"),
        "keepalived dumped no routes"
    );
    assert_eq!(
        ours,
        theirs,
        "ours:\n{}\n\nkeepalived:\n{}",
        ours.join("\n"),
        theirs.join("\n")
    );
}
