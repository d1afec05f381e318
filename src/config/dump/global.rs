//! Dumps of the global configuration: the resolved `global_defs` (every value explicit, so
//! that reading it back gives an equal [`GlobalDefs`]) and keepalived's `-d` layout.

#[path = "global_layout.rs"]
mod layout;

pub use layout::{Process, layout, layout_for};

use super::writer::ConfWriter;
use crate::config::model::Config;
use crate::config::model::Script;
use crate::config::model::global::{GlobalDefs, LvsFlushOnStop, NotifyFifo, ProcessSettings, RcvBufs, RxBufsPolicy};
use crate::config::values::format_secs;

fn on_off(b: bool) -> &'static str {
    if b { "true" } else { "false" }
}

/// A script line with its explicit user and group, if any.
fn script(w: &mut ConfWriter, keyword: &str, s: &Script) {
    let mut ug: Vec<&str> = Vec::new();
    if let Some(u) = &s.user {
        ug.push(u);
        if let Some(g) = &s.group {
            ug.push(g);
        }
    }
    w.script_line(keyword, &s.args, &ug);
}

fn fifo(w: &mut ConfWriter, prefix: &str, f: &NotifyFifo) {
    if let Some(name) = &f.name {
        let mut words = vec![format!("{prefix}notify_fifo"), name.clone()];
        if let Some(u) = &f.user {
            words.push(u.clone());
            words.extend(f.group.clone());
        }
        w.line(&words);
    }
    if let Some(s) = &f.script {
        script(w, &format!("{prefix}notify_fifo_script"), s);
    }
}

fn process(w: &mut ConfWriter, name: &str, p: &ProcessSettings) {
    w.line(&[format!("{name}_priority"), p.priority.to_string()]);
    if p.no_swap {
        w.line(&[format!("{name}_no_swap")]);
    }
    if p.rt_priority != 0 {
        w.line(&[format!("{name}_rt_priority"), p.rt_priority.to_string()]);
    }
    if !p.cpu_affinity.is_empty() {
        let mut words = vec![format!("{name}_cpu_affinity")];
        words.extend(p.cpu_affinity.iter().map(u32::to_string));
        w.line(&words);
    }
    // A refused value left no limit (0), which only a refused value gives again.
    match &p.rlimit_rttime_refused {
        Some(s) => w.line(&[format!("{name}_rlimit_rttime"), s.clone()]),
        None => w.line(&[format!("{name}_rlimit_rttime"), p.rlimit_rttime.to_string()]),
    }
}

fn rcv_bufs(w: &mut ConfWriter, name: &str, b: &RcvBufs) {
    // 0 is "not set": keepalived ignores it.
    if b.size != 0 {
        w.line(&[format!("{name}_rcv_bufs"), b.size.to_string()]);
    }
    w.line(&[format!("{name}_rcv_bufs_force"), on_off(b.force).to_string()]);
}

fn opt_line(w: &mut ConfWriter, keyword: &str, v: &Option<String>) {
    if let Some(v) = v {
        w.line(&[keyword, v.as_str()]);
    }
}

fn flag(w: &mut ConfWriter, keyword: &str, on: bool) {
    if on {
        w.line(&[keyword]);
    }
}

fn top_level(g: &GlobalDefs, w: &mut ConfWriter) {
    flag(w, "linkbeat_use_polling", g.linkbeat_use_polling);
    opt_line(w, "net_namespace", &g.net_namespace);
    match g.net_namespace_ipvs.as_deref() {
        Some("") => w.line(&["net_namespace_ipvs"]),
        Some(n) => w.line(&["net_namespace_ipvs", n]),
        None => {}
    }
    flag(w, "namespace_with_ipsets", g.namespace_with_ipsets);
    opt_line(w, "instance", &g.instance);
    flag(w, "use_pid_dir", g.use_pid_dir);
    w.line(&["child_wait_time".to_string(), g.child_wait_time.to_string()]);
}

fn mail(g: &GlobalDefs, w: &mut ConfWriter) {
    opt_line(w, "router_id", &g.router_id);
    if !g.notification_email.is_empty() {
        w.open("notification_email");
        for a in &g.notification_email {
            w.line(&[a]);
        }
        w.close();
    }
    opt_line(w, "notification_email_from", &g.notification_email_from);
    if let Some((addr, port)) = g.smtp_server {
        w.line(&["smtp_server".to_string(), addr.to_string(), port.to_string()]);
    }
    opt_line(w, "smtp_helo_name", &g.smtp_helo_name);
    if g.smtp_connect_timeout != 0 {
        w.line(&["smtp_connect_timeout".to_string(), g.smtp_connect_timeout.to_string()]);
    }
    for (k, v) in [
        ("smtp_alert", g.smtp_alert),
        ("smtp_alert_vrrp", g.smtp_alert_vrrp),
        ("smtp_alert_checker", g.smtp_alert_checker),
    ] {
        if let Some(b) = v {
            w.line(&[k, on_off(b)]);
        }
    }
    flag(w, "no_email_faults", g.no_email_faults);
    w.line(&["checker_log_all_failures", on_off(g.checker_log_all_failures)]);
    w.line(&["no_checker_emails", on_off(g.no_checker_emails)]);
    w.line(&["rs_init_notifies", on_off(g.rs_init_notifies)]);
}

fn processes(g: &GlobalDefs, w: &mut ConfWriter) {
    flag(w, "process_names", g.process_names);
    opt_line(w, "process_name", &g.process_name);
    opt_line(w, "vrrp_process_name", &g.vrrp_process.process_name);
    opt_line(w, "checker_process_name", &g.checker_process.process_name);
    opt_line(w, "bfd_process_name", &g.bfd_process.process_name);
    if g.max_auto_priority != 0 {
        w.line(&["max_auto_priority".to_string(), g.max_auto_priority.to_string()]);
    }
    w.line(&[
        "min_auto_priority_delay".to_string(),
        g.min_auto_priority_delay.to_string(),
    ]);
    process(w, "vrrp", &g.vrrp_process);
    process(w, "checker", &g.checker_process);
    process(w, "bfd", &g.bfd_process);
    if let Some(m) = g.umask {
        w.line(&["umask".to_string(), format!("0{m:o}")]);
    }
    if let Some(s) = g.random_seed {
        w.line(&["random_seed".to_string(), s.to_string()]);
    }
}

fn reload(g: &GlobalDefs, w: &mut ConfWriter) {
    match g.reload_check_config.as_deref() {
        Some("") => w.line(&["reload_check_config"]),
        Some(f) => w.line(&["reload_check_config", f]),
        None => {}
    }
    opt_line(w, "reload_time_file", &g.reload_time_file);
    flag(w, "reload_repeat", g.reload_repeat);
    opt_line(w, "reload_file", &g.reload_file);
    opt_line(w, "config_save_dir", &g.config_save_dir);
    opt_line(w, "tmp_config_directory", &g.tmp_config_directory);
    w.line(&["data_use_instance", on_off(g.data_use_instance)]);
}

fn vrrp(g: &GlobalDefs, w: &mut ConfWriter) {
    if g.dynamic_interfaces {
        if g.allow_if_changes {
            w.line(&["dynamic_interfaces", "allow_if_changes"]);
        } else {
            w.line(&["dynamic_interfaces"]);
        }
    }
    opt_line(w, "default_interface", &g.default_interface);
    flag(w, "disable_local_igmp", g.disable_local_igmp);
    w.line(&["vrrp_mcast_group4".to_string(), g.vrrp_mcast_group4.to_string()]);
    w.line(&["vrrp_mcast_group6".to_string(), g.vrrp_mcast_group6.to_string()]);
    // A refresh repeat of 0 can only come from vrrp_min_garp, which must come first.
    if g.vrrp_garp_master_refresh_repeat == 0 {
        w.line(&["vrrp_min_garp"]);
    }
    let num = |w: &mut ConfWriter, k: &str, v: u64| w.line(&[k.to_string(), v.to_string()]);
    num(w, "vrrp_garp_master_delay", g.vrrp_garp_master_delay.into());
    num(w, "vrrp_garp_master_repeat", g.vrrp_garp_master_repeat.into());
    num(w, "vrrp_garp_master_refresh", g.vrrp_garp_master_refresh.into());
    if g.vrrp_garp_master_refresh_repeat != 0 {
        num(
            w,
            "vrrp_garp_master_refresh_repeat",
            g.vrrp_garp_master_refresh_repeat.into(),
        );
    }
    if let Some(d) = g.vrrp_garp_lower_prio_delay {
        num(w, "vrrp_garp_lower_prio_delay", d.into());
    }
    if let Some(r) = g.vrrp_garp_lower_prio_repeat {
        num(w, "vrrp_garp_lower_prio_repeat", r.into());
    }
    num(w, "vrrp_down_timer_adverts", g.vrrp_down_timer_adverts.into());
    // 0 (the default) cannot be written: keepalived 2.2.7 rejects it.
    if g.vrrp_garp_interval != 0 {
        w.line(&["vrrp_garp_interval".to_string(), format_secs(g.vrrp_garp_interval)]);
    }
    if g.vrrp_gna_interval != 0 {
        w.line(&["vrrp_gna_interval".to_string(), format_secs(g.vrrp_gna_interval)]);
    }
    let mut extra = vec!["vrrp_garp_extra_if".to_string()];
    if g.vrrp_garp_extra_if_all {
        extra.push("all".into());
    }
    if g.vrrp_garp_extra_if != 0 {
        extra.push(g.vrrp_garp_extra_if.to_string());
    }
    if extra.len() > 1 {
        w.line(&extra);
    }
    w.line(&["vrrp_lower_prio_no_advert", on_off(g.vrrp_lower_prio_no_advert)]);
    w.line(&["vrrp_higher_prio_send_advert", on_off(g.vrrp_higher_prio_send_advert)]);
    num(w, "vrrp_version", g.vrrp_version.into());
    flag(w, "vrrp_check_unicast_src", g.vrrp_check_unicast_src);
    flag(w, "vrrp_skip_check_adv_addr", g.vrrp_skip_check_adv_addr);
    flag(w, "vrrp_strict", g.vrrp_strict);
    // Setting a table resets its chain priority: the table comes first.
    opt_line(w, "nftables", &g.nftables);
    w.line(&["nftables_priority".to_string(), g.nftables_priority.to_string()]);
    flag(w, "nftables_ifindex", g.nftables_ifindex);
    flag(w, "nftables_counters", g.nftables_counters);
    rcv_bufs(w, "vrrp_netlink_cmd", &g.vrrp_netlink_cmd_rcv_bufs);
    rcv_bufs(w, "vrrp_netlink_monitor", &g.vrrp_netlink_monitor_rcv_bufs);
    rcv_bufs(w, "process_monitor", &g.process_monitor_rcv_bufs);
    match g.vrrp_rx_bufs_policy {
        RxBufsPolicy::Default => {}
        RxBufsPolicy::Mtu => w.line(&["vrrp_rx_bufs_policy", "MTU"]),
        RxBufsPolicy::Advert => w.line(&["vrrp_rx_bufs_policy", "ADVERT"]),
        RxBufsPolicy::Size(n) => w.line(&["vrrp_rx_bufs_policy".to_string(), n.to_string()]),
    }
    num(w, "vrrp_rx_bufs_multiplier", g.vrrp_rx_bufs_multiplier.into());
    if g.vrrp_startup_delay != 0 {
        w.line(&["vrrp_startup_delay".to_string(), format_secs(g.vrrp_startup_delay)]);
    }
    flag(w, "log_unknown_vrids", g.log_unknown_vrids);
    w.line(&["vmac_prefix", g.vmac_prefix.as_str()]);
    opt_line(w, "vmac_addr_prefix", &g.vmac_addr_prefix);
    flag(w, "vrrp_notify_priority_changes", g.vrrp_notify_priority_changes);
    flag(
        w,
        "fifo_write_vrrp_states_on_reload",
        g.fifo_write_vrrp_states_on_reload,
    );
}

fn lvs(g: &GlobalDefs, w: &mut ConfWriter) {
    let t = &g.lvs_timeouts;
    w.line(&[
        "lvs_timeouts".to_string(),
        "tcp".into(),
        t.tcp.to_string(),
        "tcpfin".into(),
        t.tcp_fin.to_string(),
        "udp".into(),
        t.udp.to_string(),
    ]);
    flag(w, "lvs_flush", g.lvs_flush);
    match g.lvs_flush_on_stop {
        LvsFlushOnStop::Disabled => {}
        LvsFlushOnStop::Full => w.line(&["lvs_flush_on_stop"]),
        LvsFlushOnStop::Vs => w.line(&["lvs_flush_on_stop", "VS"]),
    }
    if let Some(d) = &g.lvs_sync_daemon {
        let mut words = vec!["lvs_sync_daemon".to_string(), d.ifname.clone()];
        if let Some(i) = &d.vrrp_instance {
            words.extend(["inst".to_string(), i.clone()]);
        }
        let mut opt = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                words.extend([k.to_string(), v]);
            }
        };
        opt("id", d.syncid.map(|v| v.to_string()));
        opt("maxlen", d.sync_maxlen.map(|v| v.to_string()));
        opt("port", d.mcast_port.map(|v| v.to_string()));
        opt("ttl", d.mcast_ttl.map(|v| v.to_string()));
        opt("group", d.mcast_group.map(|v| v.to_string()));
        w.line(&words);
    }
    rcv_bufs(w, "lvs_netlink_cmd", &g.lvs_netlink_cmd_rcv_bufs);
    rcv_bufs(w, "lvs_netlink_monitor", &g.lvs_netlink_monitor_rcv_bufs);
    opt_line(w, "nftables_ipvs", &g.nftables_ipvs);
    w.line(&[
        "nftables_ipvs_priority".to_string(),
        g.nftables_ipvs_priority.to_string(),
    ]);
    w.line(&[
        "nftables_ipvs_start_fwmark".to_string(),
        g.nftables_ipvs_start_fwmark.to_string(),
    ]);
}

fn snmp_dbus(g: &GlobalDefs, w: &mut ConfWriter) {
    opt_line(w, "snmp_socket", &g.snmp_socket);
    flag(w, "enable_traps", g.enable_traps);
    flag(w, "enable_snmp_vrrp", g.enable_snmp_vrrp);
    flag(w, "enable_snmp_rfcv2", g.enable_snmp_rfcv2);
    flag(w, "enable_snmp_rfcv3", g.enable_snmp_rfcv3);
    flag(w, "enable_snmp_checker", g.enable_snmp_checker);
    flag(w, "enable_dbus", g.enable_dbus);
    opt_line(w, "dbus_service_name", &g.dbus_service_name);
}

/// Scripts and FIFOs, then the script user, then script security: this order gives back the
/// same scripts whatever order the original used (keepalived decides the default script user
/// the first time a script needs it).
fn scripts(g: &GlobalDefs, w: &mut ConfWriter) {
    if let Some(s) = &g.startup_script {
        script(w, "startup_script", s);
    }
    w.line(&[
        "startup_script_timeout".to_string(),
        g.startup_script_timeout.to_string(),
    ]);
    if let Some(s) = &g.shutdown_script {
        script(w, "shutdown_script", s);
    }
    w.line(&[
        "shutdown_script_timeout".to_string(),
        g.shutdown_script_timeout.to_string(),
    ]);
    fifo(w, "", &g.notify_fifo);
    fifo(w, "vrrp_", &g.vrrp_notify_fifo);
    fifo(w, "lvs_", &g.lvs_notify_fifo);
    if let Some((u, grp)) = &g.script_user {
        let mut words = vec!["script_user".to_string(), u.clone()];
        words.extend(grp.clone());
        w.line(&words);
    }
    flag(w, "enable_script_security", g.enable_script_security);
}

/// Writes the global part of the resolved configuration (keepalived.conf syntax, every value explicit).
pub fn write_resolved(cfg: &Config, w: &mut ConfWriter) {
    let g = &cfg.global;
    top_level(g, w);
    w.open("global_defs");
    mail(g, w);
    processes(g, w);
    reload(g, w);
    vrrp(g, w);
    lvs(g, w);
    snmp_dbus(g, w);
    scripts(g, w);
    w.close();
}
