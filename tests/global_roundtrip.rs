//! The resolved dump of `global_defs` and the top-level keywords reads back to the same model:
//! `load_str` -> `dump::resolved()` -> `load_str` -> equal `GlobalDefs`, for every config of
//! `tests/configs/global/` and every shared sample with a `global_defs` block.

mod support;

use std::path::{Path, PathBuf};

use keepalived_rs::config::diag::Level;
use keepalived_rs::config::system::RealSystem;
use keepalived_rs::config::{LoadOptions, dump, load_str};

fn opts() -> LoadOptions {
    LoadOptions {
        config_test: true,
        random_seed: Some(1),
        ..LoadOptions::default()
    }
}

/// The shared corpus: `../shared` beside the checkout, or `$KEEPALIVED_RS_SHARED`.
fn shared_dir() -> Option<PathBuf> {
    support::shared_dir().or_else(|| {
        std::env::var_os("KEEPALIVED_RS_SHARED")
            .map(PathBuf::from)
            .filter(|p| p.is_dir())
    })
}

fn conf_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

fn cases() -> Vec<(String, String)> {
    let own = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/configs/global");
    let mut out: Vec<(String, String)> = conf_files(&own)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|x| x == "conf"))
        .map(|p| (p.display().to_string(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    match shared_dir() {
        Some(shared) => {
            let samples = shared.join("samples");
            let mut dirs: Vec<PathBuf> = std::fs::read_dir(&samples)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect();
            dirs.sort();
            for d in dirs {
                for f in conf_files(&d) {
                    let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap_or_default()).into_owned();
                    if text.contains("global_defs") {
                        out.push((f.display().to_string(), text));
                    }
                }
            }
        }
        None => support::skip(
            "global_roundtrip (shared samples)",
            "../shared is absent and KEEPALIVED_RS_SHARED is not set",
        ),
    }
    out
}

#[test]
fn resolved_dump_reads_back_to_the_same_global_model() {
    let cases = cases();
    assert!(cases.len() > 50, "configs missing: {}", cases.len());
    let mut failures = Vec::new();
    for (name, text) in &cases {
        let first = load_str(text, &opts(), &RealSystem);
        let dumped = dump::resolved(&first.config);
        let second = load_str(&dumped, &opts(), &RealSystem);
        if first.config.global != second.config.global {
            failures.push(format!(
                "== {name}\n--- dump:\n{dumped}\n--- first: {:#?}\n--- second: {:#?}",
                first.config.global, second.config.global
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A configuration setting nearly everything: its dump re-reads without a single message.
#[test]
fn full_configuration_dump_is_clean() {
    let text = r#"
linkbeat_use_polling
net_namespace_ipvs
namespace_with_ipsets
instance i1
child_wait_time 9
global_defs {
    router_id R1
    notification_email {
        a@example.com
        "b c@example.com"
    }
    notification_email_from ka@example.com
    smtp_server 127.0.0.1 2525
    smtp_helo_name helo
    smtp_connect_timeout 12
    smtp_alert off
    smtp_alert_vrrp on
    no_email_faults
    checker_log_all_failures
    process_names
    process_name parent
    max_auto_priority -1
    min_auto_priority_delay 500
    vrrp_priority -5
    vrrp_no_swap
    vrrp_rt_priority 10
    vrrp_cpu_affinity 0
    checker_rlimit_rttime 1
    umask IRUSR|IWUSR
    random_seed 7
    reload_check_config
    reload_time_file /tmp/rt
    reload_repeat
    reload_file
    tmp_config_directory /tmp
    data_use_instance
    dynamic_interfaces allow_if_changes
    default_interface eth1
    vrrp_mcast_group4 224.0.0.100
    vrrp_mcast_group6 ff02::100
    vrrp_garp_master_refresh 30
    vrrp_garp_lower_prio_delay 2
    vrrp_garp_lower_prio_repeat 0
    vrrp_garp_interval 0.25
    vrrp_gna_interval 1.000001
    vrrp_garp_extra_if all 60
    vrrp_lower_prio_no_advert
    vrrp_version 3
    vrrp_strict
    nftables t1
    nftables_priority 5
    nftables_ifindex
    nftables_counters
    vrrp_netlink_cmd_rcv_bufs 100000
    vrrp_netlink_cmd_rcv_bufs_force
    vrrp_rx_bufs_policy 70000
    vrrp_rx_bufs_multiplier 2
    vrrp_startup_delay 2.5
    log_unknown_vrids
    vmac_prefix vm
    vmac_addr_prefix 0a
    lvs_timeouts tcp 10 udp 20
    lvs_flush
    lvs_flush_on_stop VS
    lvs_sync_daemon eth0 inst VI_9 id 4 group ff02::81 port 9000
    nftables_ipvs
    nftables_ipvs_start_fwmark 77
    snmp_socket udp:localhost:705
    enable_traps
    enable_snmp_rfc
    enable_dbus
    dbus_service_name a.b.c
    startup_script "/bin/echo start 'two words'" root
    startup_script_timeout 3
    notify_fifo /tmp/f1
    notify_fifo_script /bin/true root root
    vrrp_notify_fifo /tmp/f2 root
    vrrp_notify_priority_changes
    fifo_write_vrrp_states_on_reload
    script_user root
    enable_script_security
}
"#;
    let first = load_str(text, &opts(), &RealSystem);
    let msgs: Vec<String> = first.diags.reported().map(|d| d.to_string()).collect();
    assert!(msgs.is_empty(), "the input itself is clean: {msgs:?}");
    let g = &first.config.global;
    assert_eq!(g.reload_file.as_deref(), Some("/run/keepalived/keepalived_i1.reload"));
    assert_eq!(g.checker_process.rlimit_rttime, 2, "1 is raised to 2");
    assert_eq!(g.umask, Some(0o600));
    let dumped = dump::resolved(&first.config);
    let second = load_str(&dumped, &opts(), &RealSystem);
    let msgs: Vec<String> = second
        .diags
        .reported()
        .filter(|d| d.level != Level::Ok)
        .map(|d| d.to_string())
        .collect();
    assert!(msgs.is_empty(), "dump:\n{dumped}\nmessages: {msgs:?}");
    assert_eq!(first.config.global, second.config.global, "dump:\n{dumped}");
}

/// keepalived's completion: router id from the host name, SMTP defaults.
#[test]
fn smtp_and_router_id_defaults() {
    let text = "global_defs {\n smtp_server 127.0.0.1\n}\n";
    let l = load_str(text, &opts(), &RealSystem);
    let g = &l.config.global;
    let local = keepalived_rs::config::system::System::local_name(&RealSystem).unwrap_or_else(|| "[unknown]".into());
    assert_eq!(g.router_id.as_deref(), Some(local.as_str()));
    assert_eq!(g.smtp_connect_timeout, 30);
    assert_eq!(g.smtp_server.map(|s| s.1), Some(25));
    if local != "[unknown]" {
        assert_eq!(g.smtp_helo_name.as_deref(), Some(local.as_str()));
        let from = g.notification_email_from.clone().unwrap_or_default();
        assert!(from.ends_with(&format!("@{local}")), "{from}");
    }
}
