//! The values keepalived would run with, for the `global_defs` quirks the messages alone do not
//! show (the oracle compares messages; these check the model).

use std::net::IpAddr;

use keepalived_rs::config::model::global::{GlobalDefs, LvsFlushOnStop, RxBufsPolicy};
use keepalived_rs::config::system::RealSystem;
use keepalived_rs::config::{LoadOptions, load_str};

fn global(body: &str) -> GlobalDefs {
    let text = format!("global_defs {{\n{body}\n}}\n");
    let opts = LoadOptions {
        config_test: true,
        ..LoadOptions::default()
    };
    load_str(&text, &opts, &RealSystem).config.global
}

#[test]
fn defaults_are_keepalived_s() {
    let g = global("");
    assert_eq!(g.vrrp_garp_master_delay, 5);
    assert_eq!(g.vrrp_garp_master_repeat, 5);
    assert_eq!(g.vrrp_garp_master_refresh_repeat, 1);
    assert_eq!(g.garp_lower_prio_delay(), 5);
    assert_eq!(g.vrrp_down_timer_adverts, 3);
    assert_eq!(g.vrrp_mcast_group4.to_string(), "224.0.0.18");
    assert_eq!(g.vrrp_mcast_group6.to_string(), "ff02::12");
    assert_eq!(g.vrrp_version, 2);
    assert_eq!(g.nftables_priority, -1);
    assert_eq!(g.vrrp_process.rlimit_rttime, 10_000);
    assert_eq!(g.min_auto_priority_delay, 1_000_000);
    assert_eq!(g.child_wait_time, 5);
    assert_eq!(g.smtp_connect_timeout, 0, "only defaulted with an SMTP server");
    assert!(g.router_id.is_some(), "defaulted from the host name");
    assert!(g.reload_file.is_none());
}

#[test]
fn min_garp_keeps_changed_settings() {
    let g = global("vrrp_garp_master_repeat 3\nvrrp_min_garp");
    assert_eq!(g.vrrp_garp_master_repeat, 3);
    assert_eq!(g.vrrp_garp_master_refresh_repeat, 0);
    assert_eq!(g.vrrp_garp_master_delay, 0);
    let g = global("vrrp_min_garp off");
    assert_eq!(g.vrrp_garp_master_repeat, 5);
}

#[test]
fn invalid_values_reset_what_keepalived_resets() {
    let g = global("vrrp_garp_master_refresh 10\nvrrp_garp_master_refresh x");
    assert_eq!(g.vrrp_garp_master_refresh, 0, "an invalid refresh turns it off");
    let g = global("vrrp_priority 5\nvrrp_priority 50");
    assert_eq!(g.vrrp_process.priority, 0, "an invalid priority sets 0");
    let g = global("bfd_rlimit_rttime x");
    assert_eq!(g.bfd_process.rlimit_rttime, 0, "an invalid limit sets 0");
    let g = global("checker_rlimit_rtime 1");
    assert_eq!(g.checker_process.rlimit_rttime, 2);
    let g = global("vrrp_rt_priority 150");
    assert_eq!(g.vrrp_process.rt_priority, 99);
    let g = global("vrrp_cpu_affinity 0\nvrrp_cpu_affinity 0 100000");
    assert!(
        g.vrrp_process.cpu_affinity.is_empty(),
        "the first bad CPU clears the set"
    );
    let g = global("smtp_connect_timeout 0");
    assert_eq!(g.smtp_connect_timeout, 1);
    let g = global("smtp_server 127.0.0.1\nsmtp_server 1.2.3.4 x");
    assert!(g.smtp_server.is_none(), "a bad smtp_server clears the previous one");
}

#[test]
fn rx_bufs_policy_accumulates() {
    assert_eq!(
        global("vrrp_rx_bufs_policy advert").vrrp_rx_bufs_policy,
        RxBufsPolicy::Advert
    );
    assert_eq!(
        global("vrrp_rx_bufs_policy ADVERT\nvrrp_rx_bufs_policy MTU").vrrp_rx_bufs_policy,
        RxBufsPolicy::Mtu
    );
    assert_eq!(
        global("vrrp_rx_bufs_policy MTU\nvrrp_rx_bufs_policy 4096").vrrp_rx_bufs_policy,
        RxBufsPolicy::Size(4096)
    );
}

#[test]
fn lvs_settings() {
    // The sync daemon's instance must exist (keepalived clears the setting otherwise).
    let g = global(
        "lvs_sync_daemon eth1 VI_2 42\nlvs_flush_onstop\nlvs_timeouts udp 9\n}\nvrrp_instance VI_2 {\ninterface eth0\nvirtual_router_id 2",
    );
    let d = g.lvs_sync_daemon.expect("sync daemon");
    assert_eq!(d.ifname, "eth1");
    assert_eq!(d.vrrp_instance.as_deref(), Some("VI_2"));
    assert_eq!(d.syncid, Some(42));
    assert_eq!(g.lvs_flush_on_stop, LvsFlushOnStop::Full);
    assert_eq!(g.lvs_timeouts.udp, 9);
    let g = global("lvs_sync_daemon eth0 group 224.0.0.81 port 1\nlvs_sync_daemon eth1");
    let d = g.lvs_sync_daemon.unwrap();
    assert_eq!(d.ifname, "eth0", "only the first is kept");
    assert_eq!(d.mcast_group, Some("224.0.0.81".parse::<IpAddr>().unwrap()));
    let g = global("nftables_ipvs_priority 9\nnftables_ipvs_start_fwmark 5\nnftables_ipvs");
    assert_eq!(g.nftables_ipvs.as_deref(), Some("keepalived_ipvs"));
    assert_eq!(g.nftables_ipvs_priority, -1, "the table resets the priority");
    assert_eq!(g.nftables_ipvs_start_fwmark, 1000, "and the first fwmark");
}

#[test]
fn iptables_falls_back_to_nftables() {
    let g = global("vrrp_iptables IN OUT");
    assert_eq!(g.nftables.as_deref(), Some("keepalived"));
    assert!(g.vrrp_iptables.is_none());
}

#[test]
fn names_and_prefixes() {
    let g = global("process_names\nvrrp_process_name abcdefghijklmnopqrst\nvmac_prefix a\nvmac_prefix b");
    assert_eq!(g.vrrp_process.process_name.as_deref(), Some("abcdefghijklmno"));
    assert_eq!(g.checker_process.process_name.as_deref(), Some("keepalived_lvs"));
    assert_eq!(g.vmac_prefix, "a", "the first vmac_prefix wins");
    let g = global("max_auto_priority");
    assert_eq!(g.max_auto_priority, 99);
    let g = global("umask 0x3f");
    assert_eq!(g.umask, Some(0o77));
}

#[test]
fn script_users() {
    let g = global("script_user root\nstartup_script /bin/true\nenable_script_security");
    assert_eq!((g.default_script_uid, g.default_script_gid), (0, 0));
    assert!(!g.default_script_user_failed);
    let s = g.startup_script.expect("kept: security enabled, root-owned path");
    assert_eq!(s.args, ["/usr/bin/true"], "resolved by the security check");
    let g = global("script_user no-such-user-ka\nnotify_fifo /tmp/x");
    assert!(g.default_script_user_failed);
    assert!(g.notify_fifo.name.is_none(), "a FIFO without a user needs the default");
    let g = global("notify_fifo /tmp/x root\nvrrp_notify_fifo /tmp/x\nlvs_notify_fifo /tmp/y");
    assert!(g.vrrp_notify_fifo.name.is_none(), "same as the global FIFO");
    assert_eq!(g.lvs_notify_fifo.name.as_deref(), Some("/tmp/y"));
}

#[test]
fn top_level_keywords() {
    let text = "instance i9\nnet_namespace_ipvs\nglobal_defs {\n reload_file\n}\n";
    let l = load_str(text, &LoadOptions::default(), &RealSystem);
    let g = l.config.global;
    assert_eq!(g.instance.as_deref(), Some("i9"));
    assert!(g.use_pid_dir);
    assert_eq!(g.net_namespace_ipvs.as_deref(), Some(""));
    assert_eq!(g.reload_file.as_deref(), Some("/run/keepalived/keepalived_i9.reload"));
}
