//! Our `------< Global definitions >------` layout against keepalived's own `-d` output.
//!
//! keepalived prints the section from its VRRP child once the configuration is loaded, so each
//! configuration here has a VRRP instance and nothing that needs IPVS. keepalived runs in a
//! fresh network namespace and is stopped as soon as the section has been printed. Without root,
//! `ip netns` or Debian's keepalived the test says so and only checks our own output.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use keepalived_rs::config::system::RealSystem;
use keepalived_rs::config::{LoadOptions, dump, load_str};

/// keepalived's lines that are not about the configuration (build and process facts).
fn process_fact(line: &str) -> bool {
    line.starts_with(" libnftnl version")
        || line.starts_with(" current realtime")
        || line.starts_with(" Reload scheduled")
}

const MINIMAL: &str = r#"
global_defs {
    router_id R_MIN
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    virtual_ipaddress {
        10.0.0.1/24
    }
}
"#;

const RICH: &str = r#"
global_defs {
    router_id R_RICH
    process_name kaparent
    vrrp_process_name kavrrp
    checker_process_name kachk
    notification_email {
        a@example.com
        b@example.com
    }
    notification_email_from ka@example.com
    smtp_server 127.0.0.1 2525
    smtp_helo_name helo.example
    smtp_connect_timeout 12
    smtp_alert off
    smtp_alert_vrrp on
    checker_log_all_failures
    reload_check_config @TMP@/check.log
    data_use_instance
    dynamic_interfaces allow_if_changes
    no_email_faults
    lvs_timeouts tcp 100 tcpfin 20 udp 30
    lvs_flush
    lvs_flush_on_stop VS
    vrrp_notify_priority_changes
    vrrp_mcast_group4 224.0.0.100
    vrrp_garp_master_delay 3
    vrrp_garp_master_repeat 2
    vrrp_garp_master_refresh 60
    vrrp_garp_master_refresh_repeat 4
    vrrp_garp_lower_prio_repeat 7
    vrrp_down_timer_adverts 5
    vrrp_garp_extra_if all 30
    vrrp_lower_prio_no_advert
    vrrp_higher_prio_send_advert
    vrrp_garp_interval 0.25
    vrrp_gna_interval 1.5
    vrrp_version 3
    nftables_counters
    vrrp_check_unicast_src
    vrrp_skip_check_adv_addr
    max_auto_priority -1
    min_auto_priority_delay 2000
    vrrp_priority -3
    vrrp_no_swap
    vrrp_rlimit_rttime 20000
    checker_priority 4
    bfd_rt_priority 5
    bfd_cpu_affinity 0
    enable_snmp_rfcv3
    enable_traps
    snmp_socket tcp:localhost:705
    dbus_service_name org.example.Test
    script_user root
    vrrp_netlink_cmd_rcv_bufs 1048576
    vrrp_netlink_cmd_rcv_bufs_force
    lvs_netlink_monitor_rcv_bufs 65536
    rs_init_notifies
    vrrp_rx_bufs_policy MTU
    vrrp_rx_bufs_multiplier 5
    umask 022
    vrrp_startup_delay 1.25
    log_unknown_vrids
    vmac_prefix vmx
    vmac_addr_prefix 02
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 52
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.0.0.2/24
    }
}
"#;

const SCRIPTS: &str = r#"
global_defs {
    router_id R_SCRIPTS
    default_interface eth1
    startup_script "/bin/echo start" root
    startup_script_timeout 20
    shutdown_script /bin/true root root
    enable_script_security
    notify_fifo @TMP@/fifo root
    notify_fifo_script "/usr/bin/echo fifo" root
    vrrp_notify_fifo @TMP@/vfifo root root
    nftables layout_t
    nftables_priority 3
    nftables_ifindex
    nftables_ipvs
    nftables_ipvs_start_fwmark 3000
    reload_check_config
    reload_time_file @TMP@/no-such-time-file
    reload_repeat
    reload_file @TMP@/reload
    tmp_config_directory /tmp
    vrrp_garp_lower_prio_delay 9
    vrrp_min_garp
    vrrp_garp_extra_if 40
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 53
    priority 100
    virtual_ipaddress {
        10.0.0.3/24
    }
}
"#;

/// Our layout for a configuration.
fn ours(text: &str) -> Vec<String> {
    let l = load_str(text, &LoadOptions::default(), &RealSystem);
    let mut out = Vec::new();
    dump::global::layout(&l.config, &mut out);
    out
}

/// keepalived's global section for a configuration (`None` if it printed none).
fn keepalived(oracle: &std::path::Path, dir: &std::path::Path, text: &str) -> Option<Vec<String>> {
    std::fs::write(dir.join("keepalived.conf"), text).ok()?;
    let ns = support::Netns::with_interfaces(&support::interfaces_for(text));
    let d = dir.display();
    let cmd = format!(
        "exec timeout 10 {} -n -l -D -d -G -f keepalived.conf -p {d}/k.pid -r {d}/v.pid -c {d}/c.pid -b {d}/b.pid 2>&1",
        oracle.display()
    );
    let mut child = Command::new("ip")
        .args(["netns", "exec", &ns.name, "sh", "-c", &cmd])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut section: Option<Vec<String>> = None;
    let mut done = false;
    for line in BufReader::new(child.stdout.take()?).lines() {
        let Ok(line) = line else { break };
        // "Sat Nov 21 01:14:14 2026: TEXT"
        let text = line.split_once(": ").map(|(_, t)| t).unwrap_or(&line).to_string();
        if text == "------< Global definitions >------" {
            section = Some(vec![text]);
        } else if text.starts_with("------<") && section.is_some() {
            done = true;
            break;
        } else if let Some(s) = section.as_mut() {
            // Other processes log in between; the section's own lines start with a space.
            if text.starts_with(' ') {
                s.push(text);
            }
        }
    }
    // SAFETY: kill(2) on our own child's pid; timeout(1) passes SIGTERM on to keepalived.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let _ = child.wait();
    if done { section } else { None }
}

fn compare(name: &str, text: &str) {
    // Files keepalived creates (FIFOs) go to a directory of our own.
    let dir = tempfile::tempdir().expect("tempdir");
    let text = &text.replace("@TMP@", &dir.path().display().to_string());
    let mine = ours(text);
    assert_eq!(mine[0], "------< Global definitions >------");
    if !support::can_netns() {
        support::skip(name, "needs root and `ip netns` to run keepalived -d");
        return;
    }
    let Some(oracle) = support::oracle_keepalived() else {
        support::skip(name, "Debian's keepalived 2.2.7 is not installed");
        return;
    };
    let theirs =
        keepalived(&oracle, dir.path(), text).unwrap_or_else(|| panic!("{name}: keepalived printed no global section"));
    let theirs: Vec<String> = theirs.into_iter().filter(|l| !process_fact(l)).collect();
    assert_eq!(
        mine,
        theirs,
        "{name}: ours (left) and keepalived's (right) differ\nours:\n{}\nkeepalived:\n{}",
        mine.join("\n"),
        theirs.join("\n")
    );
}

#[test]
fn minimal_layout_matches_keepalived() {
    compare("global_layout minimal", MINIMAL);
}

#[test]
fn rich_layout_matches_keepalived() {
    compare("global_layout rich", RICH);
}

#[test]
fn scripts_fifos_and_tables_layout_matches_keepalived() {
    compare("global_layout scripts", SCRIPTS);
}

#[test]
fn layout_formats() {
    let l = ours(RICH);
    for want in [
        " Router ID = R_RICH",
        " Smtp server = 127.0.0.1",
        " Smtp server port = 2525",
        " Email notification to:",
        "   b@example.com",
        " LVS TCP timeout = 30",
        " Gratuitous ARP for each secondary i/f = 30s",
        " Gratuitous ARP interval = 0.250000",
        " Max auto priority = Disabled",
        " BFD CPU Affinity =  ",
        " umask = 022",
        " vrrp_startup_delay = 1.25",
        " rx_bufs_policy = MTU",
    ] {
        assert!(l.iter().any(|x| x == want), "missing {want:?} in\n{}", l.join("\n"));
    }
}
