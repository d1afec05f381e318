//! keepalived's `-d` dump of the global definitions (`dump_global_data()` in
//! `keepalived/core/global_data.c`), for what the configuration determines: the same lines, labels
//! and number formats, in the same order. Lines about the running process (current realtime
//! priority and limit, the scheduled reload time) and about the build (libnftnl version) are
//! left out, and so are the start and shutdown scripts, which only the parent process keeps.

use crate::config::model::Config;
use crate::config::model::global::{GlobalDefs, LvsFlushOnStop, NotifyFifo, ProcessSettings, RxBufsPolicy, defaults};

/// keepalived's `DFLT_INT`.
const DEFAULT_INTERFACE: &str = "eth0";
/// keepalived's default umask (`S_IXUSR | S_IRWXG | S_IRWXO`).
const DEFAULT_UMASK: u32 = 0o177;

fn yes_no(b: bool, yes: &'static str, no: &'static str) -> &'static str {
    if b { yes } else { no }
}

fn tf(b: bool) -> &'static str {
    yes_no(b, "true", "false")
}

fn alert(v: Option<bool>) -> &'static str {
    match v {
        None => "unset",
        Some(true) => "on",
        Some(false) => "off",
    }
}

/// C's `%f` of a microsecond count in seconds.
fn secs_f(us: u64) -> String {
    format!("{:.6}", us as f64 / 1e6)
}

/// C's `%g`: six significant digits, trailing zeros removed, exponent form for very small or
/// large values.
pub(crate) fn c_fmt_g(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let exp = v.abs().log10().floor() as i32;
    // Rounding may carry into the next power of ten (9.999995 -> 10): use the rounded form.
    let sci = format!("{v:.5e}");
    let (mant, e) = sci.split_once('e').unwrap_or((&sci, "0"));
    let e: i32 = e.parse().unwrap_or(exp);
    if !(-4..6).contains(&e) {
        let m = mant.trim_end_matches('0').trim_end_matches('.');
        let sign = if e < 0 { '-' } else { '+' };
        return format!("{m}e{sign}{:02}", e.abs());
    }
    let decimals = (5 - e).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn fifo(out: &mut Vec<String>, label: &str, f: &NotifyFifo) {
    let Some(name) = &f.name else { return };
    out.push(format!(" {label} notify fifo = {name}, uid:gid {}:{}", f.uid, f.gid));
    if let Some(s) = &f.script {
        // The children add the FIFO's name as the script's last argument when they open it.
        out.push(format!(
            " {label} notify fifo script = {} '{name}', uid:gid {}:{}",
            s.cmd_str(),
            s.uid,
            s.gid
        ));
    }
}

/// keepalived's `get_process_cpu_affinity_string()` into its 63-byte buffer: each CPU followed
/// by a space, CPU 0 as an empty string (its `integer_to_string()` writes no digit for 0), cut
/// before the first CPU that does not fit.
fn cpu_list(cpus: &[u32]) -> String {
    let mut s = String::new();
    let mut room = 63usize;
    for &c in cpus {
        let digits = if c == 0 { String::new() } else { c.to_string() };
        if room <= digits.len() + 1 {
            break;
        }
        room -= digits.len() + 1;
        s.push_str(&digits);
        s.push(' ');
    }
    s
}

fn process(out: &mut Vec<String>, label: &str, p: &ProcessSettings) {
    out.push(format!(" {label} process priority = {}", p.priority));
    out.push(format!(" {label} don't swap = {}", tf(p.no_swap)));
    out.push(format!(" {label} realtime priority = {}", p.rt_priority));
    if !p.cpu_affinity.is_empty() {
        out.push(format!(" {label} CPU Affinity = {}", cpu_list(&p.cpu_affinity)));
    }
    out.push(format!(" {label} realtime limit = {}", p.rlimit_rttime));
}

fn identity(g: &GlobalDefs, out: &mut Vec<String>) {
    if let Some(d) = &g.config_save_dir {
        out.push(format!(" Config save dir = {d}"));
    }
    out.push(format!(
        " Network namespace = {}",
        g.net_namespace.as_deref().unwrap_or("(default)")
    ));
    let ipvs_ns = match g.net_namespace_ipvs.as_deref() {
        None => "(main namespace)",
        Some("") => "(default)",
        Some(n) => n,
    };
    out.push(format!(" Network namespace ipvs = {ipvs_ns}"));
    let named = [
        ("Instance name", &g.instance),
        ("Parent process name", &g.process_name),
        ("VRRP process name", &g.vrrp_process.process_name),
        ("LVS process name", &g.checker_process.process_name),
        ("BFD process name", &g.bfd_process.process_name),
        ("Router ID", &g.router_id),
    ];
    for (label, v) in named {
        if let Some(v) = v {
            out.push(format!(" {label} = {v}"));
        }
    }
    if let Some((addr, port)) = g.smtp_server {
        out.push(format!(" Smtp server = {addr}"));
        out.push(format!(" Smtp server port = {port}"));
    }
    if let Some(h) = &g.smtp_helo_name {
        out.push(format!(" Smtp HELO name = {h}"));
    }
    if g.smtp_connect_timeout != 0 {
        out.push(format!(" Smtp server connection timeout = {}", g.smtp_connect_timeout));
    }
    if let Some(from) = &g.notification_email_from {
        out.push(format!(" Email notification from = {from}"));
        out.push(" Email notification to:".into());
        out.extend(g.notification_email.iter().map(|e| format!("   {e}")));
    }
    out.push(format!(" Default smtp_alert = {}", alert(g.smtp_alert)));
    out.push(format!(" Default smtp_alert_vrrp = {}", alert(g.smtp_alert_vrrp)));
    out.push(format!(" Default smtp_alert_checker = {}", alert(g.smtp_alert_checker)));
    out.push(format!(
        " Checkers log all failures = {}",
        tf(g.checker_log_all_failures)
    ));
}

fn reload(g: &GlobalDefs, out: &mut Vec<String>) {
    match g.reload_check_config.as_deref() {
        Some(f) => out.push(format!(
            " Test config before reload, log to {}",
            if f.is_empty() { "/dev/null" } else { f }
        )),
        None => out.push(" No test config before reload".into()),
    }
    if let Some(f) = &g.reload_time_file {
        out.push(format!(
            " Reload time file = {f}{}",
            if g.reload_repeat { " (repeat)" } else { "" }
        ));
        out.push(" No reload scheduled".into());
    }
    if let Some(f) = &g.reload_file {
        out.push(format!(" Reload_file = {f}"));
    }
    if let Some(d) = &g.tmp_config_directory {
        out.push(format!(" config save directory = {d}"));
    }
    if g.data_use_instance {
        out.push(" Use instance name in data dumps".into());
    }
    // The start and shutdown scripts belong to the parent: the children, whose dumps these are,
    // free them at startup (the parent's lines: `parent_scripts()`).
}

/// The parent's start and shutdown script lines (`keepalived_parent.data`).
fn parent_scripts(g: &GlobalDefs, out: &mut Vec<String>) {
    if let Some(s) = &g.startup_script {
        out.push(format!(
            " Startup script = {}, uid:gid {}:{}, timeout {}",
            s.cmd_str(),
            s.uid,
            s.gid,
            g.startup_script_timeout
        ));
    }
    if let Some(s) = &g.shutdown_script {
        out.push(format!(
            " Shutdown script = {}, uid:gid {}:{} timeout {}",
            s.cmd_str(),
            s.uid,
            s.gid,
            g.shutdown_script_timeout
        ));
    }
}

/// keepalived prints the default interface only once a static address without `dev` has looked
/// it up; until then it prints `eth0` whatever `default_interface` says.
fn default_interface(cfg: &Config) -> &str {
    let g = &cfg.global;
    let used = cfg
        .statics
        .addresses
        .iter()
        .any(|a| a.dev.is_none() || a.dev == g.default_interface);
    match &g.default_interface {
        Some(i) if used => i,
        _ => DEFAULT_INTERFACE,
    }
}

fn interfaces_and_lvs(cfg: &Config, p: Process, out: &mut Vec<String>) {
    let g = &cfg.global;
    out.push(format!(" Dynamic interfaces = {}", tf(g.dynamic_interfaces)));
    if g.dynamic_interfaces {
        out.push(format!(" Allow interface changes = {}", tf(g.allow_if_changes)));
    }
    if g.no_email_faults {
        out.push(" Send emails for fault transitions = off".into());
    }
    let t = &g.lvs_timeouts;
    if t.tcp != 0 {
        out.push(format!(" LVS TCP timeout = {}", t.tcp));
    }
    if t.tcp_fin != 0 {
        out.push(format!(" LVS TCP FIN timeout = {}", t.tcp_fin));
    }
    if t.udp != 0 {
        // keepalived labels the UDP timeout "TCP" too.
        out.push(format!(" LVS TCP timeout = {}", t.udp));
    }
    if p == Process::Vrrp {
        out.push(format!(" Default interface = {}", default_interface(cfg)));
    }
    out.push(format!(
        " Disable local IGMP = {}",
        yes_no(g.disable_local_igmp, "yes", "no")
    ));
    if let Some(d) = &g.lvs_sync_daemon {
        if let Some(i) = &d.vrrp_instance {
            out.push(format!(" LVS syncd vrrp instance = {i}"));
        }
        out.push(format!(" LVS syncd interface = {}", d.ifname));
        out.push(format!(" LVS syncd syncid = {}", d.syncid.unwrap_or(0)));
        if let Some(m) = d.sync_maxlen.filter(|m| *m != 0) {
            out.push(format!(" LVS syncd maxlen = {m}"));
        }
        if let Some(a) = d.mcast_group {
            out.push(format!(" LVS mcast group {a}"));
        }
        if let Some(p) = d.mcast_port.filter(|p| *p != 0) {
            out.push(format!(" LVS syncd mcast port = {p}"));
        }
        if let Some(t) = d.mcast_ttl.filter(|t| *t != 0) {
            out.push(format!(" LVS syncd mcast ttl = {t}"));
        }
    }
    out.push(format!(" LVS flush = {}", tf(g.lvs_flush)));
    let on_stop = match g.lvs_flush_on_stop {
        LvsFlushOnStop::Full => "full",
        LvsFlushOnStop::Vs => "VS",
        LvsFlushOnStop::Disabled => "disabled",
    };
    out.push(format!(" LVS flush on stop = {on_stop}"));
}

/// keepalived's VRRP child falls back to an nftables table named `keepalived` when an instance
/// needs the firewall (a VMAC, or no accept mode without owning the addresses:
/// `vrrp_complete_instance()`, "using nftables").
fn nftables_table(cfg: &Config, p: Process) -> Option<String> {
    let needs = cfg
        .vrrp
        .instances
        .iter()
        .any(|i| i.vmac.is_some() || (!i.accept && i.priority != 255));
    cfg.global
        .nftables
        .clone()
        .or_else(|| (p == Process::Vrrp && needs).then(|| defaults::NFTABLES_TABLE.to_string()))
}

fn vrrp(cfg: &Config, p: Process, out: &mut Vec<String>) {
    let g = &cfg.global;
    fifo(out, "Global", &g.notify_fifo);
    fifo(out, "VRRP", &g.vrrp_notify_fifo);
    fifo(out, "LVS", &g.lvs_notify_fifo);
    out.push(format!(
        " FIFO write vrrp states on reload = {}",
        tf(g.fifo_write_vrrp_states_on_reload)
    ));
    out.push(format!(
        " VRRP notify priority changes = {}",
        tf(g.vrrp_notify_priority_changes)
    ));
    out.push(format!(" VRRP IPv4 mcast group = {}", g.vrrp_mcast_group4));
    out.push(format!(" VRRP IPv6 mcast group = {}", g.vrrp_mcast_group6));
    out.push(format!(" Gratuitous ARP delay = {}", g.vrrp_garp_master_delay));
    out.push(format!(" Gratuitous ARP repeat = {}", g.vrrp_garp_master_repeat));
    out.push(format!(
        " Gratuitous ARP refresh timer = {}",
        g.vrrp_garp_master_refresh
    ));
    out.push(format!(
        " Gratuitous ARP refresh repeat = {}",
        g.vrrp_garp_master_refresh_repeat
    ));
    let (delay, repeat) = match p {
        Process::Vrrp => (g.garp_lower_prio_delay(), g.garp_lower_prio_repeat()),
        Process::Parent | Process::Checker => (
            g.vrrp_garp_lower_prio_delay.unwrap_or(PARAMETER_UNSET),
            g.vrrp_garp_lower_prio_repeat.unwrap_or(PARAMETER_UNSET),
        ),
    };
    out.push(format!(" Gratuitous ARP lower priority delay = {delay}"));
    out.push(format!(" Gratuitous ARP lower priority repeat = {repeat}"));
    out.push(format!(" Num adverts before down = {}", g.vrrp_down_timer_adverts));
    out.push(format!(
        " Gratuitous ARP for each secondary {} = {}s",
        yes_no(g.vrrp_garp_extra_if_all, "i/f", "VMAC"),
        g.vrrp_garp_extra_if
    ));
    out.push(format!(
        " Send advert after receive lower priority advert = {}",
        tf(!g.vrrp_lower_prio_no_advert)
    ));
    out.push(format!(
        " Send advert after receive higher priority advert = {}",
        tf(g.vrrp_higher_prio_send_advert)
    ));
    out.push(format!(" Gratuitous ARP interval = {}", secs_f(g.vrrp_garp_interval)));
    out.push(format!(" Gratuitous NA interval = {}", secs_f(g.vrrp_gna_interval)));
    out.push(format!(" VRRP default protocol version = {}", g.vrrp_version));
    if let Some(t) = nftables_table(cfg, p) {
        out.push(format!(" nftables table name = {t}"));
        out.push(format!(" nftables base chain priority = {}", g.nftables_priority));
        out.push(format!(
            " nftables {}force use ifindex for link local IPv6",
            yes_no(g.nftables_ifindex, "", "don't ")
        ));
    }
    if let Some(t) = &g.nftables_ipvs {
        out.push(format!(" ipvs nftables table name = {t}"));
        out.push(format!(
            " ipvs nftables base chain priority = {}",
            g.nftables_ipvs_priority
        ));
        out.push(format!(
            " ipvs nftables start fwmark = {}",
            g.nftables_ipvs_start_fwmark
        ));
    }
    out.push(format!(
        " nftables with{} counters",
        yes_no(g.nftables_counters, "", "out")
    ));
    out.push(format!(" VRRP check unicast_src = {}", tf(g.vrrp_check_unicast_src)));
    out.push(format!(
        " VRRP skip check advert addresses = {}",
        tf(g.vrrp_skip_check_adv_addr)
    ));
    out.push(format!(" VRRP strict mode = {}", tf(g.vrrp_strict)));
    if g.max_auto_priority == -1 {
        out.push(" Max auto priority = Disabled".into());
    } else {
        out.push(format!(" Max auto priority = {}", g.max_auto_priority));
    }
    out.push(format!(
        " Min auto priority delay = {} usecs",
        g.min_auto_priority_delay
    ));
}

fn tail(g: &GlobalDefs, out: &mut Vec<String>) {
    out.push(format!(
        " SNMP vrrp {}",
        yes_no(g.enable_snmp_vrrp, "enabled", "disabled")
    ));
    out.push(format!(
        " SNMP checker {}",
        yes_no(g.enable_snmp_checker, "enabled", "disabled")
    ));
    out.push(format!(
        " SNMP RFCv2 {}",
        yes_no(g.enable_snmp_rfcv2, "enabled", "disabled")
    ));
    out.push(format!(
        " SNMP RFCv3 {}",
        yes_no(g.enable_snmp_rfcv3, "enabled", "disabled")
    ));
    out.push(format!(" SNMP traps {}", yes_no(g.enable_traps, "enabled", "disabled")));
    match &g.snmp_socket {
        Some(s) => out.push(format!(" SNMP socket = {s}")),
        None => out.push(format!(" SNMP socket = default ({})", defaults::SNMP_SOCKET)),
    }
    out.push(format!(" DBus {}", yes_no(g.enable_dbus, "enabled", "disabled")));
    out.push(format!(
        " DBus service name = {}",
        g.dbus_service_name.as_deref().unwrap_or("")
    ));
    out.push(format!(
        " Script security {}",
        yes_no(g.enable_script_security, "enabled", "disabled")
    ));
    if !g.default_script_user_failed {
        out.push(format!(
            " Default script uid:gid {}:{}",
            g.default_script_uid, g.default_script_gid
        ));
    }
    let bufs = [
        ("vrrp_netlink_cmd", g.vrrp_netlink_cmd_rcv_bufs),
        ("vrrp_netlink_monitor", g.vrrp_netlink_monitor_rcv_bufs),
        ("process_monitor", g.process_monitor_rcv_bufs),
        ("lvs_netlink_cmd", g.lvs_netlink_cmd_rcv_bufs),
        ("lvs_netlink_monitor", g.lvs_netlink_monitor_rcv_bufs),
    ];
    for (name, b) in bufs {
        out.push(format!(" {name}_rcv_bufs = {}", b.size));
        out.push(format!(" {name}_rcv_bufs_force = {}", u8::from(b.force)));
    }
    out.push(format!(" rs_init_notifies = {}", u8::from(g.rs_init_notifies)));
    out.push(format!(" no_checker_emails = {}", u8::from(g.no_checker_emails)));
    match g.vrrp_rx_bufs_policy {
        RxBufsPolicy::Default => {}
        RxBufsPolicy::Mtu => out.push(" rx_bufs_policy = MTU".into()),
        RxBufsPolicy::Advert => out.push(" rx_bufs_policy = ADVERT".into()),
        RxBufsPolicy::Size(n) => out.push(format!(" rx_bufs_size = {n}")),
    }
    out.push(format!(" rx_bufs_multiples = {}", g.vrrp_rx_bufs_multiplier));
    out.push(format!(" umask = 0{:o}", g.umask.unwrap_or(DEFAULT_UMASK)));
    if g.vrrp_startup_delay != 0 {
        out.push(format!(
            " vrrp_startup_delay = {}",
            c_fmt_g(g.vrrp_startup_delay as f64 / 1e6)
        ));
    }
    if g.log_unknown_vrids {
        out.push(" log_unknown_vrids".into());
    }
    // keepalived prints the prefix only when configured; the model keeps its default instead.
    if g.vmac_prefix != defaults::VMAC_PREFIX {
        out.push(format!(" VMAC prefix = {}", g.vmac_prefix));
    }
    if let Some(pfx) = &g.vmac_addr_prefix {
        out.push(format!(" VMAC address prefix = {pfx}"));
    }
}

/// Appends the global lines of keepalived's `-d` dump (its section layout) as the VRRP child
/// prints them.
pub fn layout(cfg: &Config, out: &mut Vec<String>) {
    layout_for(cfg, Process::Vrrp, out);
}

// ---- Hook for the dump files (src/dumpfile.rs): which process prints the section. ----

/// The process printing the global definitions: `dump_global_data()` differs by process type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Process {
    /// The parent (`keepalived_parent.data`): its start/shutdown scripts, no default
    /// interface, and the lower priority GARP values as configured (`PARAMETER_UNSET`,
    /// 4294967295, when not), since only the VRRP child's `set_vrrp_defaults()` fills them.
    Parent,
    /// The VRRP child (`-d`, `keepalived.data`).
    Vrrp,
    /// The checker child (`keepalived_check.data`): as the parent, without the scripts.
    Checker,
}

/// keepalived's `PARAMETER_UNSET`.
const PARAMETER_UNSET: u32 = u32::MAX;

/// Appends the global lines as process `p` prints them.
pub fn layout_for(cfg: &Config, p: Process, out: &mut Vec<String>) {
    let g = &cfg.global;
    out.push("------< Global definitions >------".into());
    identity(g, out);
    reload(g, out);
    if p == Process::Parent {
        parent_scripts(g, out);
    }
    interfaces_and_lvs(cfg, p, out);
    vrrp(cfg, p, out);
    process(out, "VRRP", &g.vrrp_process);
    process(out, "Checker", &g.checker_process);
    process(out, "BFD", &g.bfd_process);
    tail(g, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printf_g() {
        assert_eq!(c_fmt_g(5.5), "5.5");
        assert_eq!(c_fmt_g(0.001), "0.001");
        assert_eq!(c_fmt_g(60.0), "60");
        assert_eq!(c_fmt_g(4294.967295), "4294.97");
        assert_eq!(c_fmt_g(1234567.0), "1.23457e+06");
        assert_eq!(c_fmt_g(0.00001), "1e-05");
        assert_eq!(c_fmt_g(999999.5), "1e+06");
    }

    #[test]
    fn cpu_affinity_string_as_keepalived() {
        assert_eq!(cpu_list(&[0, 1, 12]), " 1 12 ");
        let many: Vec<u32> = (10..40).collect();
        assert_eq!(cpu_list(&many).len(), 60, "20 CPUs of 3 bytes fit in 62 bytes");
    }

    #[test]
    fn printf_f() {
        assert_eq!(secs_f(0), "0.000000");
        assert_eq!(secs_f(1_500), "0.001500");
    }
}
