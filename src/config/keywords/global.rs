//! Keyword tables and handlers for `global_defs` and the other top-level keywords
//! (keepalived 2.2.7 `keepalived/core/global_parser.c`, `init_global_keywords()`).
//!
//! The keyword set is Debian's build: VRRP, LVS, BFD, SNMP, DBus, nftables (no iptables, so
//! `vrrp_iptables` falls back to nftables and `vrrp_ipsets` is unknown), VMAC, track_process and
//! linkbeat. keepalived parses `global_defs` in its parent process only (children see it again
//! only on reload); we parse once and report once.
//!
//! The handlers are split by subject: [`mail`] (SMTP, scripts, FIFOs, script user), [`vrrp`]
//! (VRRP defaults, gratuitous ARP, firewall, buffers), [`process`] (process names, scheduling,
//! SNMP, DBus, reload and files) and [`lvs`] (LVS timeouts, flushing, sync daemon).

#[path = "global_lvs.rs"]
mod lvs;
#[path = "global_mail.rs"]
mod mail;
#[path = "global_process.rs"]
mod process;
#[path = "global_script_user.rs"]
mod script_user;
#[path = "global_vrrp.rs"]
mod vrrp;

use std::net::IpAddr;

use crate::config::diag::Level;
use crate::config::model::Origin;
use crate::config::model::global::GlobalDefs;
use crate::config::parser::{Block, HResult, Keyword, Parser, Words, kw, kw_block};
use crate::config::values;

pub use script_user::{
    ScriptPass, ScriptUserState, apply_final_default, default_script_user, default_script_user_in, final_default_ids,
    forget_later_pass_decision, notify_script_init_default, notify_script_init_in, take_decision_messages,
};

/// Handler state while `global_defs` is open.
#[derive(Debug, Default)]
pub struct State {
    /// The default script user, decided lazily as keepalived does.
    pub script_user: ScriptUserState,
    /// `reload_file` was given without a path (keepalived's `DEFAULT_RELOAD_FILE` marker): the
    /// path is decided at validation from `instance` and `use_pid_dir`.
    pub reload_file_default: bool,
    /// `vmac_prefix` has been given (keepalived accepts it once).
    pub vmac_prefix_set: bool,
}

/// The `[BOOL]` argument of a flag keyword (keepalived's `check_true_false()` pattern): `true`
/// without an argument, `None` after reporting `msg(word)` for an invalid one.
fn bool_arg(p: &mut Parser<'_>, w: &Words, msg: impl FnOnce(&str) -> String) -> Option<bool> {
    let Some(word) = w.opt(1) else { return Some(true) };
    match values::check_true_false(word) {
        Some(b) => Some(b),
        None => {
            p.report(Level::GeneralError, msg(word));
            None
        }
    }
}

/// Reports a general configuration error at the current line.
fn error(p: &mut Parser<'_>, msg: String) {
    p.report(Level::GeneralError, msg);
}

/// keepalived's `inet_stosockaddr()`: an IPv4 or IPv6 literal (the family is chosen by the
/// presence of ':'; anything from the first '-' or '/' on is ignored) and an optional port read
/// with keepalived's number messages. `None` on failure.
fn inet_stosockaddr(p: &mut Parser<'_>, ip: &str, port: Option<&str>) -> Option<(IpAddr, u16)> {
    let port_num = match port {
        Some(ps) => values::read_unsigned(p, ps, 1, 65535, true)? as u16,
        None => 0,
    };
    let cut = ip.find('-').or_else(|| ip.find('/')).unwrap_or(ip.len());
    let text = &ip[..cut];
    let addr: IpAddr = if ip.contains(':') {
        IpAddr::V6(text.parse().ok()?)
    } else {
        IpAddr::V4(text.parse().ok()?)
    };
    Some((addr, port_num))
}

/// keepalived's `domain_stosockaddr()`: a host name resolved with `getaddrinfo()`.
fn domain_stosockaddr(p: &mut Parser<'_>, name: &str, port: Option<&str>) -> Option<(IpAddr, u16)> {
    let port_num = match port {
        Some(ps) => values::read_unsigned(p, ps, 1, 65535, true)? as u16,
        None => 0,
    };
    let addr = p.sys.resolve_host(name)?;
    Some((addr, port_num))
}

/// C's `strtol(s, NULL, 10)` truncated to `int`, as keepalived prints a value `read_int()`
/// rejected.
fn c_atoi(s: &str) -> i32 {
    crate::config::cnum::strtol(s, 10).value as i32
}

// --- top-level keywords ---

fn linkbeat_use_polling(p: &mut Parser<'_>, _w: &Words) -> HResult {
    p.b.cfg.global.linkbeat_use_polling = true;
    Ok(())
}

/// `net_namespace NAME` and `instance NAME`: set once; either moves the pid files to
/// /run/keepalived.
fn set_name_once(
    p: &mut Parser<'_>,
    w: &Words,
    key: &str,
    slot: fn(&mut GlobalDefs) -> &mut Option<String>,
) -> HResult {
    let Some(name) = w.opt(1) else {
        error(p, format!("{key} name missing - ignoring"));
        return Ok(());
    };
    let g = &mut p.b.cfg.global;
    if slot(g).is_none() {
        *slot(g) = Some(name.to_string());
        g.use_pid_dir = true;
    } else {
        error(p, format!("Duplicate {key} definition {name} - ignoring"));
    }
    Ok(())
}

fn net_namespace(p: &mut Parser<'_>, w: &Words) -> HResult {
    set_name_once(p, w, "net_namespace", |g| &mut g.net_namespace)
}

fn net_namespace_ipvs(p: &mut Parser<'_>, w: &Words) -> HResult {
    if p.b.cfg.global.net_namespace_ipvs.is_some() {
        let name = w.get(1)?;
        error(p, format!("Duplicate net_namespace_ipvs definition {name} - ignoring"));
        return Ok(());
    }
    // No name means the default namespace.
    p.b.cfg.global.net_namespace_ipvs = Some(w.opt(1).unwrap_or("").to_string());
    Ok(())
}

fn namespace_with_ipsets(p: &mut Parser<'_>, _w: &Words) -> HResult {
    p.b.cfg.global.namespace_with_ipsets = true;
    Ok(())
}

fn use_pid_dir(p: &mut Parser<'_>, _w: &Words) -> HResult {
    p.b.cfg.global.use_pid_dir = true;
    Ok(())
}

fn instance(p: &mut Parser<'_>, w: &Words) -> HResult {
    set_name_once(p, w, "instance", |g| &mut g.instance)
}

fn child_wait_time(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    match values::read_unsigned(p, s, 0, u32::MAX, false) {
        Some(v) => p.b.cfg.global.child_wait_time = v,
        None => error(p, format!("Invalid child_wait_time {s}")),
    }
    Ok(())
}

fn global_defs(p: &mut Parser<'_>, _w: &Words) -> HResult {
    if p.b.cfg.global.origin.0.is_none() {
        p.b.cfg.global.origin = Origin(p.loc());
    }
    Ok(())
}

fn router_id(p: &mut Parser<'_>, w: &Words) -> HResult {
    match w.opt(1) {
        Some(id) => p.b.cfg.global.router_id = Some(id.to_string()),
        None => error(p, "routerid name missing - ignoring".into()),
    }
    Ok(())
}

fn include_check(p: &mut Parser<'_>, w: &Words) -> HResult {
    let words = w.words.clone();
    let mut diags = std::mem::take(&mut p.diags);
    p.reader_mut().include_check_set(&words, &mut diags);
    p.diags = diags;
    Ok(())
}

/// The keywords of `global_defs`, in keepalived's installation order.
static GLOBAL_DEFS_KEYWORDS: &[Keyword] = &[
    kw("process_names", process::process_names),
    kw("process_name", process::process_name),
    kw("vrrp_process_name", process::vrrp_process_name),
    kw("checker_process_name", process::checker_process_name),
    kw("lvs_process_name", process::lvs_process_name),
    kw("bfd_process_name", process::bfd_process_name),
    kw("router_id", router_id),
    kw("notification_email_from", mail::notification_email_from),
    kw("smtp_server", mail::smtp_server),
    kw("smtp_helo_name", mail::smtp_helo_name),
    kw("smtp_connect_timeout", mail::smtp_connect_timeout),
    kw("notification_email", mail::notification_email),
    kw("smtp_alert", mail::smtp_alert),
    kw("startup_script", mail::startup_script),
    kw("startup_script_timeout", mail::startup_script_timeout),
    kw("shutdown_script", mail::shutdown_script),
    kw("shutdown_script_timeout", mail::shutdown_script_timeout),
    kw("max_auto_priority", process::max_auto_priority),
    kw("min_auto_priority_delay", process::min_auto_priority_delay),
    kw("smtp_alert_vrrp", mail::smtp_alert_vrrp),
    kw("smtp_alert_checker", mail::smtp_alert_checker),
    kw("checker_log_all_failures", mail::checker_log_all_failures),
    kw("dynamic_interfaces", vrrp::dynamic_interfaces),
    kw("no_email_faults", mail::no_email_faults),
    kw("default_interface", vrrp::default_interface),
    kw("disable_local_igmp", vrrp::disable_local_igmp),
    kw("lvs_timeouts", lvs::lvs_timeouts),
    kw("lvs_flush", lvs::lvs_flush),
    kw("lvs_flush_on_stop", lvs::lvs_flush_on_stop),
    kw("lvs_flush_onstop", lvs::lvs_flush_on_stop),
    kw("lvs_sync_daemon", lvs::lvs_sync_daemon),
    kw("vrrp_mcast_group4", vrrp::vrrp_mcast_group4),
    kw("vrrp_mcast_group6", vrrp::vrrp_mcast_group6),
    kw("vrrp_garp_master_delay", vrrp::vrrp_garp_master_delay),
    kw("vrrp_garp_master_repeat", vrrp::vrrp_garp_master_repeat),
    kw("vrrp_garp_master_refresh", vrrp::vrrp_garp_master_refresh),
    kw("vrrp_garp_master_refresh_repeat", vrrp::vrrp_garp_master_refresh_repeat),
    kw("vrrp_garp_lower_prio_delay", vrrp::vrrp_garp_lower_prio_delay),
    kw("vrrp_garp_lower_prio_repeat", vrrp::vrrp_garp_lower_prio_repeat),
    kw("vrrp_down_timer_adverts", vrrp::vrrp_down_timer_adverts),
    kw("vrrp_garp_interval", vrrp::vrrp_garp_interval),
    kw("vrrp_gna_interval", vrrp::vrrp_gna_interval),
    kw("vrrp_min_garp", vrrp::vrrp_min_garp),
    kw("vrrp_garp_extra_if", vrrp::vrrp_garp_extra_if),
    kw("vrrp_vmac_garp_intvl", vrrp::vrrp_garp_extra_if),
    kw("vrrp_lower_prio_no_advert", vrrp::vrrp_lower_prio_no_advert),
    kw("vrrp_higher_prio_send_advert", vrrp::vrrp_higher_prio_send_advert),
    kw("vrrp_version", vrrp::vrrp_version),
    kw("vrrp_iptables", vrrp::vrrp_iptables),
    kw("nftables", vrrp::nftables),
    kw("nftables_priority", vrrp::nftables_priority),
    kw("nftables_ifindex", vrrp::nftables_ifindex),
    kw("nftables_ipvs", lvs::nftables_ipvs),
    kw("nftables_ipvs_priority", lvs::nftables_ipvs_priority),
    kw("nftables_ipvs_start_fwmark", lvs::nftables_ipvs_start_fwmark),
    kw("nftables_counters", vrrp::nftables_counters),
    kw("vrrp_check_unicast_src", vrrp::vrrp_check_unicast_src),
    kw("vrrp_skip_check_adv_addr", vrrp::vrrp_skip_check_adv_addr),
    kw("vrrp_strict", vrrp::vrrp_strict),
    kw("vrrp_priority", process::vrrp_priority),
    kw("vrrp_no_swap", process::vrrp_no_swap),
    kw("vrrp_rt_priority", process::vrrp_rt_priority),
    kw("vrrp_cpu_affinity", process::vrrp_cpu_affinity),
    kw("vrrp_rlimit_rttime", process::vrrp_rlimit_rttime),
    kw("vrrp_rlimit_rtime", process::vrrp_rlimit_rttime),
    kw("notify_fifo", mail::notify_fifo),
    kw("notify_fifo_script", mail::notify_fifo_script),
    kw("vrrp_notify_fifo", mail::vrrp_notify_fifo),
    kw("vrrp_notify_fifo_script", mail::vrrp_notify_fifo_script),
    kw("vrrp_notify_priority_changes", mail::vrrp_notify_priority_changes),
    kw(
        "fifo_write_vrrp_states_on_reload",
        mail::fifo_write_vrrp_states_on_reload,
    ),
    kw("lvs_notify_fifo", mail::lvs_notify_fifo),
    kw("lvs_notify_fifo_script", mail::lvs_notify_fifo_script),
    kw("checker_priority", process::checker_priority),
    kw("checker_no_swap", process::checker_no_swap),
    kw("checker_rt_priority", process::checker_rt_priority),
    kw("checker_cpu_affinity", process::checker_cpu_affinity),
    kw("checker_rlimit_rttime", process::checker_rlimit_rttime),
    kw("checker_rlimit_rtime", process::checker_rlimit_rttime),
    kw("bfd_priority", process::bfd_priority),
    kw("bfd_no_swap", process::bfd_no_swap),
    kw("bfd_rt_priority", process::bfd_rt_priority),
    kw("bfd_cpu_affinity", process::bfd_cpu_affinity),
    kw("bfd_rlimit_rttime", process::bfd_rlimit_rttime),
    kw("bfd_rlimit_rtime", process::bfd_rlimit_rttime),
    kw("snmp_socket", process::snmp_socket),
    kw("enable_traps", process::enable_traps),
    kw("enable_snmp_vrrp", process::enable_snmp_vrrp),
    kw("enable_snmp_keepalived", process::enable_snmp_vrrp),
    kw("enable_snmp_rfc", process::enable_snmp_rfc),
    kw("enable_snmp_rfcv2", process::enable_snmp_rfcv2),
    kw("enable_snmp_rfcv3", process::enable_snmp_rfcv3),
    kw("enable_snmp_checker", process::enable_snmp_checker),
    kw("enable_dbus", process::enable_dbus),
    kw("dbus_service_name", process::dbus_service_name),
    kw("script_user", mail::script_user),
    kw("enable_script_security", mail::enable_script_security),
    kw("vrrp_netlink_cmd_rcv_bufs", vrrp::vrrp_netlink_cmd_rcv_bufs),
    kw("vrrp_netlink_cmd_rcv_bufs_force", vrrp::vrrp_netlink_cmd_rcv_bufs_force),
    kw("vrrp_netlink_monitor_rcv_bufs", vrrp::vrrp_netlink_monitor_rcv_bufs),
    kw(
        "vrrp_netlink_monitor_rcv_bufs_force",
        vrrp::vrrp_netlink_monitor_rcv_bufs_force,
    ),
    kw("process_monitor_rcv_bufs", vrrp::process_monitor_rcv_bufs),
    kw("process_monitor_rcv_bufs_force", vrrp::process_monitor_rcv_bufs_force),
    kw("lvs_netlink_cmd_rcv_bufs", lvs::lvs_netlink_cmd_rcv_bufs),
    kw("lvs_netlink_cmd_rcv_bufs_force", lvs::lvs_netlink_cmd_rcv_bufs_force),
    kw("lvs_netlink_monitor_rcv_bufs", lvs::lvs_netlink_monitor_rcv_bufs),
    kw(
        "lvs_netlink_monitor_rcv_bufs_force",
        lvs::lvs_netlink_monitor_rcv_bufs_force,
    ),
    kw("rs_init_notifies", mail::rs_init_notifies),
    kw("no_checker_emails", mail::no_checker_emails),
    kw("vrrp_rx_bufs_policy", vrrp::vrrp_rx_bufs_policy),
    kw("vrrp_rx_bufs_multiplier", vrrp::vrrp_rx_bufs_multiplier),
    kw("vrrp_startup_delay", vrrp::vrrp_startup_delay),
    kw("log_unknown_vrids", vrrp::log_unknown_vrids),
    kw("vmac_prefix", vrrp::vmac_prefix),
    kw("vmac_addr_prefix", vrrp::vmac_addr_prefix),
    kw("umask", process::umask),
    kw("random_seed", process::random_seed),
    kw("reload_check_config", process::reload_check_config),
    kw("reload_time_file", process::reload_time_file),
    kw("reload_repeat", process::reload_repeat),
    kw("reload_file", process::reload_file),
    kw("include_check", include_check),
    kw("config_save_dir", process::config_save_dir),
    kw("tmp_config_directory", process::tmp_config_directory),
    kw("data_use_instance", process::data_use_instance),
];

/// `global_defs { ... }`.
pub static GLOBAL_DEFS: Block = Block::new("global_defs", &[GLOBAL_DEFS_KEYWORDS], None);

/// Top-level keywords of this family.
pub static ROOT: &[Keyword] = &[
    kw("linkbeat_use_polling", linkbeat_use_polling),
    kw("net_namespace", net_namespace),
    kw("net_namespace_ipvs", net_namespace_ipvs),
    kw("namespace_with_ipsets", namespace_with_ipsets),
    kw("use_pid_dir", use_pid_dir),
    kw("instance", instance),
    kw("child_wait_time", child_wait_time),
    kw_block("global_defs", Some(global_defs), &GLOBAL_DEFS),
];

/// Every keyword of this family (top level and `global_defs`), for documentation checks.
pub fn keyword_names() -> impl Iterator<Item = &'static str> {
    ROOT.iter().map(|k| k.name).chain(GLOBAL_DEFS.names())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atoi_as_c() {
        assert_eq!(c_atoi("7"), 7);
        assert_eq!(c_atoi("x"), 0);
        assert_eq!(c_atoi("-3abc"), -3);
        assert_eq!(c_atoi("4294967297"), 1, "long truncated to int");
    }

    #[test]
    fn no_duplicate_keywords() {
        let mut names: Vec<&str> = keyword_names().collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n);
    }
}
