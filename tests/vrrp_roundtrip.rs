//! Round trip of the VRRP model: load a configuration, write its resolved dump, load that, and
//! compare the VRRP parts (instances, sync groups, scripts, groups, delays).

use keepalived_rs::config::system::RealSystem;
use keepalived_rs::config::{LoadOptions, dump, load_str};

fn round_trip(name: &str, text: &str) {
    let opts = LoadOptions::default();
    let first = load_str(text, &opts, &RealSystem);
    let resolved = dump::resolved(&first.config);
    let second = load_str(&resolved, &opts, &RealSystem);
    assert_eq!(
        first.config.vrrp, second.config.vrrp,
        "{name}: the resolved dump does not read back to the same VRRP model:\n{resolved}"
    );
}

const FULL: &str = r#"
vrrp_script chk_a {
    script "/bin/true -x 'a b'"
    interval 3
    timeout 2
    weight -20 reverse
    rise 2
    fall 3
    init_fail
}
vrrp_script chk_b {
    script "/bin/false"
    user root
}
track_group TG {
    group {
        VI_1
    }
}
garp_group {
    garp_interval 0.002
    gna_interval 0.5
    interfaces {
        eth0
    }
}
interface_up_down_delays {
    eth0 1.5 0.5
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 2
    authentication {
        auth_type PASS
        auth_pass secret123
    }
    track_script {
        chk_a
        chk_b weight 10 reverse
    }
    track_interface {
        eth1 weight -5 reverse
    }
    unicast_src_ip 10.0.0.1
    unicast_peer {
        10.0.0.2 min_ttl 3
        10.0.0.3
    }
    unicast_ttl 10
    garp_master_delay 3
    garp_master_refresh 60
    garp_extra_if all 10
    lower_prio_no_advert
    notify_master "/bin/echo master" root
    notify "/bin/echo"
    notify_deleted
    smtp_alert
    preempt_delay 2.5
    use_vmac
    vmac_xmit_base
    kernel_rx_buf_size 65536
    debug 2
}
vrrp_instance VI_2 {
    interface eth1
    virtual_router_id 52
    nopreempt
    strict_mode
    version 3
    advert_int 0.25
    no_accept
    use_ipvlan ipv1 10.9.9.9/24 private
    mcast_dst_ip 224.0.0.99
}
vrrp_instance VI_3 {
    interface eth2
    virtual_router_id 53
    native_ipv6
    unicast_fault_no_peer
}
vrrp_sync_group G1 {
    group {
        VI_2
        VI_3
    }
    track_script {
        chk_a weight 0
    }
    notify_backup "/bin/echo backup"
    sync_group_tracking_weight
    notify_priority_changes false
}
"#;

#[test]
fn full_featured_configuration_round_trips() {
    round_trip("full", FULL);
}

#[test]
fn defaults_round_trip() {
    round_trip(
        "minimal",
        "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 1\n}\n",
    );
    round_trip(
        "owner",
        "vrrp_instance VI_1 {\n interface eth0\n state MASTER\n virtual_router_id 1\n track_interface {\n eth1 weight 10\n }\n}\n",
    );
}

#[test]
fn shared_samples_round_trip() {
    let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(|d| std::path::PathBuf::from(d).join("../shared/samples"))
        .filter(|d| d.is_dir())
    else {
        eprintln!("SKIP shared_samples_round_trip: ../shared/samples is absent");
        return;
    };
    let mut n = 0;
    for sub in ["upstream", "seeds"] {
        let Ok(rd) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        let mut files: Vec<_> = rd.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let Ok(text) = std::fs::read_to_string(&f) else {
                continue;
            };
            if !text.contains("vrrp_instance") || f.ends_with("ORACLE.tsv") {
                continue;
            }
            round_trip(&f.display().to_string(), &text);
            n += 1;
        }
    }
    assert!(n > 5, "expected several VRRP samples, found {n}");
}
