//! Model of `global_defs` and the other top-level settings (keepalived's `data_t` plus the
//! process-wide settings its global parser sets), with keepalived 2.2.7's defaults
//! (`alloc_global_data()`, `set_vrrp_defaults()`, `init_global_data()`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use super::{Origin, Script};

/// keepalived's `VRRP_GARP_DELAY` etc.
pub mod defaults {
    /// `vrrp_garp_master_delay`, seconds.
    pub const GARP_DELAY: u32 = 5;
    /// `vrrp_garp_master_repeat`.
    pub const GARP_REPEAT: u32 = 5;
    /// `vrrp_garp_master_refresh_repeat`.
    pub const GARP_REFRESH_REPEAT: u32 = 1;
    /// `vrrp_down_timer_adverts`.
    pub const DOWN_TIMER_ADVERTS: u32 = 3;
    /// `smtp_connect_timeout`, seconds.
    pub const SMTP_CONNECT_TIMEOUT: u32 = 30;
    /// `child_wait_time`, seconds.
    pub const CHILD_WAIT_TIME: u32 = 5;
    /// `startup_script_timeout` / `shutdown_script_timeout`, seconds.
    pub const SCRIPT_TIMEOUT: u32 = 10;
    /// `*_rlimit_rttime`, microseconds (`RT_RLIMIT_DEFAULT`).
    pub const RLIMIT_RTTIME: u64 = 10_000;
    /// `min_auto_priority_delay`, microseconds.
    pub const MIN_AUTO_PRIORITY_DELAY: u64 = 1_000_000;
    /// `vrrp_rx_bufs_multiplier`.
    pub const RX_BUFS_MULTIPLIER: u32 = 3;
    /// `vmac_prefix`.
    pub const VMAC_PREFIX: &str = "vrrp";
    /// `reload_file`.
    pub const RELOAD_FILE: &str = "/run/keepalived.reload";
    /// `snmp_socket`.
    pub const SNMP_SOCKET: &str = "unix:/var/agentx/master";
    /// `dbus_service_name`.
    pub const DBUS_SERVICE_NAME: &str = "org.keepalived.Vrrp1";
    /// `nftables` table name when given without one.
    pub const NFTABLES_TABLE: &str = "keepalived";
    /// `nftables_ipvs` table name when given without one.
    pub const NFTABLES_IPVS_TABLE: &str = "keepalived_ipvs";
    /// `nftables_ipvs_start_fwmark`.
    pub const NFTABLES_IPVS_START_FWMARK: u32 = 1000;
    /// `lvs_sync_daemon` multicast port.
    pub const LVS_SYNCD_PORT: u16 = 8848;
}

/// A FIFO keepalived writes state changes to (`notify_fifo`, `vrrp_notify_fifo`, `lvs_notify_fifo`).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct NotifyFifo {
    /// Path of the FIFO.
    pub name: Option<String>,
    /// User owning the FIFO if keepalived creates it.
    pub user: Option<String>,
    /// Group owning the FIFO.
    pub group: Option<String>,
    /// Resolved uid (default: keepalived's).
    pub uid: u32,
    /// Resolved gid.
    pub gid: u32,
    /// Script keepalived starts to read the FIFO (`*_notify_fifo_script`).
    pub script: Option<Script>,
}

/// `lvs_sync_daemon IF [inst] VI [id N] [maxlen N] [port N] [ttl N] [group ADDR]`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LvsSyncDaemon {
    /// Interface the sync daemon uses.
    pub ifname: String,
    /// VRRP instance whose state drives the sync daemon.
    pub vrrp_instance: Option<String>,
    /// Sync id 0..255; `None` until validation sets it (keepalived: the instance's VRID).
    pub syncid: Option<u32>,
    /// `maxlen`.
    pub sync_maxlen: Option<u16>,
    /// `group`.
    pub mcast_group: Option<IpAddr>,
    /// `port` (default 8848 when a group is set).
    pub mcast_port: Option<u16>,
    /// `ttl`.
    pub mcast_ttl: Option<u8>,
    /// Where it was configured.
    pub origin: Origin,
}

/// `lvs_timeouts [tcp N] [tcpfin N] [udp N]` (seconds; 0 = unchanged).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct LvsTimeouts {
    /// TCP established timeout.
    pub tcp: u32,
    /// TCP FIN_WAIT timeout.
    pub tcp_fin: u32,
    /// UDP timeout.
    pub udp: u32,
}

/// `lvs_flush_on_stop [VS]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LvsFlushOnStop {
    /// Remove only what keepalived configured (default).
    #[default]
    Disabled,
    /// Flush the whole IPVS table.
    Full,
    /// Flush only the virtual servers keepalived configured.
    Vs,
}

/// Realtime/scheduling settings of one child process (`vrrp_*`, `checker_*`, `bfd_*`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProcessSettings {
    /// `*_priority` (nice value, -20..19).
    pub priority: i32,
    /// `*_no_swap`.
    pub no_swap: bool,
    /// `*_rt_priority` (0 = not realtime).
    pub rt_priority: u32,
    /// `*_cpu_affinity` CPU list.
    pub cpu_affinity: Vec<u32>,
    /// `*_rlimit_rttime` in microseconds.
    pub rlimit_rttime: u64,
    /// The `*_rlimit_rttime` value keepalived refused (it then sets no limit, 0): no valid value
    /// means 0, so the resolved form writes this and re-reading refuses it again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rlimit_rttime_refused: Option<String>,
    /// `*_process_name`.
    pub process_name: Option<String>,
}

impl Default for ProcessSettings {
    fn default() -> Self {
        ProcessSettings {
            priority: 0,
            no_swap: false,
            rt_priority: 0,
            cpu_affinity: Vec::new(),
            rlimit_rttime: defaults::RLIMIT_RTTIME,
            rlimit_rttime_refused: None,
            process_name: None,
        }
    }
}

/// Netlink socket buffer sizes (`*_rcv_bufs`, `*_rcv_bufs_force`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RcvBufs {
    /// Size in bytes (0 = kernel default).
    pub size: u32,
    /// Use SO_RCVBUFFORCE.
    pub force: bool,
}

/// `vrrp_rx_bufs_policy`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RxBufsPolicy {
    /// Not set: kernel default.
    #[default]
    Default,
    /// Size from the interface MTU.
    Mtu,
    /// Size from the largest advert.
    Advert,
    /// A fixed size in bytes.
    Size(u64),
}

/// `global_defs` and top-level settings.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GlobalDefs {
    // --- top-level keywords (outside global_defs) ---
    /// `net_namespace NAME`.
    pub net_namespace: Option<String>,
    /// `net_namespace_ipvs [NAME]` (`Some("")` = the default namespace).
    pub net_namespace_ipvs: Option<String>,
    /// `namespace_with_ipsets`.
    pub namespace_with_ipsets: bool,
    /// `instance NAME`.
    pub instance: Option<String>,
    /// `use_pid_dir`.
    pub use_pid_dir: bool,
    /// `child_wait_time SECS`.
    pub child_wait_time: u32,
    /// `linkbeat_use_polling`.
    pub linkbeat_use_polling: bool,

    // --- identification and mail ---
    /// `router_id`; default the local host name (filled at validation).
    pub router_id: Option<String>,
    /// `notification_email { ... }`.
    pub notification_email: Vec<String>,
    /// `notification_email_from`; default `keepalived@LOCALNAME` when `smtp_server` is set.
    pub notification_email_from: Option<String>,
    /// `smtp_server ADDR [PORT]`.
    pub smtp_server: Option<(IpAddr, u16)>,
    /// `smtp_helo_name`; default the local name when `smtp_server` is set.
    pub smtp_helo_name: Option<String>,
    /// `smtp_connect_timeout` in seconds (30 when `smtp_server` is set).
    pub smtp_connect_timeout: u32,
    /// `smtp_alert [BOOL]` (unset = keepalived's -1).
    pub smtp_alert: Option<bool>,
    /// `smtp_alert_vrrp [BOOL]`.
    pub smtp_alert_vrrp: Option<bool>,
    /// `smtp_alert_checker [BOOL]`.
    pub smtp_alert_checker: Option<bool>,
    /// `no_email_faults`.
    pub no_email_faults: bool,
    /// `checker_log_all_failures [BOOL]`.
    pub checker_log_all_failures: bool,
    /// `no_checker_emails`.
    pub no_checker_emails: bool,
    /// `rs_init_notifies`.
    pub rs_init_notifies: bool,

    // --- scripts ---
    /// `startup_script CMD [USER [GROUP]]`.
    pub startup_script: Option<Script>,
    /// `startup_script_timeout` (1..1000 s).
    pub startup_script_timeout: u32,
    /// `shutdown_script CMD [USER [GROUP]]`.
    pub shutdown_script: Option<Script>,
    /// `shutdown_script_timeout` (1..1000 s).
    pub shutdown_script_timeout: u32,
    /// `script_user USER [GROUP]`.
    pub script_user: Option<(String, Option<String>)>,
    /// `enable_script_security`.
    pub enable_script_security: bool,
    /// The default script uid:gid decided at validation (`keepalived_script` or ours).
    pub default_script_uid: u32,
    /// See [`GlobalDefs::default_script_uid`].
    pub default_script_gid: u32,
    /// No usable default script user (keepalived's `default_user_fail`: `script_user` names an
    /// unknown user, or `enable_script_security` is set and `keepalived_script` does not exist):
    /// scripts without an explicit user are dropped.
    pub default_script_user_failed: bool,

    // --- process control ---
    /// `process_names`.
    pub process_names: bool,
    /// `process_name` (parent).
    pub process_name: Option<String>,
    /// `max_auto_priority [-1..99]` (0 = not set).
    pub max_auto_priority: i32,
    /// `min_auto_priority_delay` in microseconds.
    pub min_auto_priority_delay: u64,
    /// VRRP child settings.
    pub vrrp_process: ProcessSettings,
    /// Checker child settings (`checker_*`, `lvs_process_name`).
    pub checker_process: ProcessSettings,
    /// BFD child settings.
    pub bfd_process: ProcessSettings,
    /// `umask` (keepalived's default 0177, as octal value).
    pub umask: Option<u32>,

    // --- reload and files ---
    /// `reload_check_config [LOGFILE]` (`Some("")` without a file).
    pub reload_check_config: Option<String>,
    /// `reload_time_file PATH`.
    pub reload_time_file: Option<String>,
    /// `reload_repeat`.
    pub reload_repeat: bool,
    /// `reload_file [PATH]`.
    pub reload_file: Option<String>,
    /// `config_save_dir`.
    pub config_save_dir: Option<String>,
    /// `tmp_config_directory`.
    pub tmp_config_directory: Option<String>,
    /// `data_use_instance [BOOL]`.
    pub data_use_instance: bool,
    /// `random_seed N`.
    pub random_seed: Option<u32>,

    // --- notify FIFOs ---
    /// `notify_fifo` / `notify_fifo_script`.
    pub notify_fifo: NotifyFifo,
    /// `vrrp_notify_fifo` / `vrrp_notify_fifo_script`.
    pub vrrp_notify_fifo: NotifyFifo,
    /// `lvs_notify_fifo` / `lvs_notify_fifo_script`.
    pub lvs_notify_fifo: NotifyFifo,
    /// `vrrp_notify_priority_changes [BOOL]`.
    pub vrrp_notify_priority_changes: bool,
    /// `fifo_write_vrrp_states_on_reload`.
    pub fifo_write_vrrp_states_on_reload: bool,

    // --- VRRP defaults ---
    /// `dynamic_interfaces`.
    pub dynamic_interfaces: bool,
    /// `dynamic_interfaces allow_if_changes`.
    pub allow_if_changes: bool,
    /// `default_interface` for static addresses (keepalived's default `eth0`).
    pub default_interface: Option<String>,
    /// `disable_local_igmp`.
    pub disable_local_igmp: bool,
    /// `vrrp_mcast_group4`.
    pub vrrp_mcast_group4: Ipv4Addr,
    /// `vrrp_mcast_group6`.
    pub vrrp_mcast_group6: Ipv6Addr,
    /// `vrrp_garp_master_delay` in seconds.
    pub vrrp_garp_master_delay: u32,
    /// `vrrp_garp_master_repeat`.
    pub vrrp_garp_master_repeat: u32,
    /// `vrrp_garp_master_refresh` in seconds (0 = off).
    pub vrrp_garp_master_refresh: u32,
    /// `vrrp_garp_master_refresh_repeat`.
    pub vrrp_garp_master_refresh_repeat: u32,
    /// `vrrp_garp_lower_prio_delay` (unset = master delay).
    pub vrrp_garp_lower_prio_delay: Option<u32>,
    /// `vrrp_garp_lower_prio_repeat` (unset = master repeat).
    pub vrrp_garp_lower_prio_repeat: Option<u32>,
    /// `vrrp_down_timer_adverts` (1..100).
    pub vrrp_down_timer_adverts: u32,
    /// `vrrp_garp_interval` in microseconds.
    pub vrrp_garp_interval: u64,
    /// `vrrp_gna_interval` in microseconds.
    pub vrrp_gna_interval: u64,
    /// `vrrp_garp_extra_if [all] SECS` (seconds; `vrrp_vmac_garp_intvl` is its old name).
    pub vrrp_garp_extra_if: u32,
    /// `vrrp_garp_extra_if all`.
    pub vrrp_garp_extra_if_all: bool,
    /// `vrrp_lower_prio_no_advert [BOOL]`.
    pub vrrp_lower_prio_no_advert: bool,
    /// `vrrp_higher_prio_send_advert [BOOL]`.
    pub vrrp_higher_prio_send_advert: bool,
    /// `vrrp_version 2|3`.
    pub vrrp_version: u8,
    /// `vrrp_check_unicast_src`.
    pub vrrp_check_unicast_src: bool,
    /// `vrrp_skip_check_adv_addr [BOOL]`.
    pub vrrp_skip_check_adv_addr: bool,
    /// `vrrp_strict`.
    pub vrrp_strict: bool,
    /// `vrrp_iptables [IN [OUT]]`: input and output chain.
    pub vrrp_iptables: Option<(String, Option<String>)>,
    /// `vrrp_ipsets [...]` names (address, address6, address_iface6, igmp, mld); empty list = disabled.
    pub vrrp_ipsets: Option<Vec<String>>,
    /// `nftables [TABLE]`.
    pub nftables: Option<String>,
    /// `nftables_priority`.
    pub nftables_priority: i32,
    /// `nftables_ifindex`.
    pub nftables_ifindex: bool,
    /// `nftables_counters`.
    pub nftables_counters: bool,
    /// `vrrp_netlink_cmd_rcv_bufs[_force]`.
    pub vrrp_netlink_cmd_rcv_bufs: RcvBufs,
    /// `vrrp_netlink_monitor_rcv_bufs[_force]`.
    pub vrrp_netlink_monitor_rcv_bufs: RcvBufs,
    /// `process_monitor_rcv_bufs[_force]`.
    pub process_monitor_rcv_bufs: RcvBufs,
    /// `vrrp_rx_bufs_policy`.
    pub vrrp_rx_bufs_policy: RxBufsPolicy,
    /// `vrrp_rx_bufs_multiplier`.
    pub vrrp_rx_bufs_multiplier: u32,
    /// `vrrp_startup_delay` in microseconds.
    pub vrrp_startup_delay: u64,
    /// `log_unknown_vrids`.
    pub log_unknown_vrids: bool,
    /// `vmac_prefix`.
    pub vmac_prefix: String,
    /// `vmac_addr_prefix`.
    pub vmac_addr_prefix: Option<String>,

    // --- LVS ---
    /// `lvs_timeouts`.
    pub lvs_timeouts: LvsTimeouts,
    /// `lvs_flush`.
    pub lvs_flush: bool,
    /// `lvs_flush_on_stop`.
    pub lvs_flush_on_stop: LvsFlushOnStop,
    /// `lvs_sync_daemon` (also set by the deprecated per-instance `lvs_sync_daemon_interface`).
    pub lvs_sync_daemon: Option<LvsSyncDaemon>,
    /// `lvs_netlink_cmd_rcv_bufs[_force]`.
    pub lvs_netlink_cmd_rcv_bufs: RcvBufs,
    /// `lvs_netlink_monitor_rcv_bufs[_force]`.
    pub lvs_netlink_monitor_rcv_bufs: RcvBufs,
    /// `nftables_ipvs [TABLE]`.
    pub nftables_ipvs: Option<String>,
    /// `nftables_ipvs_priority`.
    pub nftables_ipvs_priority: i32,
    /// `nftables_ipvs_start_fwmark`.
    pub nftables_ipvs_start_fwmark: u32,

    // --- SNMP / DBus ---
    /// `snmp_socket`.
    pub snmp_socket: Option<String>,
    /// `enable_traps`.
    pub enable_traps: bool,
    /// `enable_snmp_vrrp` (`enable_snmp_keepalived` is deprecated).
    pub enable_snmp_vrrp: bool,
    /// `enable_snmp_rfcv2` (or `enable_snmp_rfc`).
    pub enable_snmp_rfcv2: bool,
    /// `enable_snmp_rfcv3` (or `enable_snmp_rfc`).
    pub enable_snmp_rfcv3: bool,
    /// `enable_snmp_checker`.
    pub enable_snmp_checker: bool,
    /// `enable_dbus`.
    pub enable_dbus: bool,
    /// `dbus_service_name`.
    pub dbus_service_name: Option<String>,

    /// Where `global_defs` was opened (the first one).
    pub origin: Origin,
}

impl Default for GlobalDefs {
    fn default() -> Self {
        GlobalDefs {
            net_namespace: None,
            net_namespace_ipvs: None,
            namespace_with_ipsets: false,
            instance: None,
            use_pid_dir: false,
            child_wait_time: defaults::CHILD_WAIT_TIME,
            linkbeat_use_polling: false,
            router_id: None,
            notification_email: Vec::new(),
            notification_email_from: None,
            smtp_server: None,
            smtp_helo_name: None,
            smtp_connect_timeout: 0,
            smtp_alert: None,
            smtp_alert_vrrp: None,
            smtp_alert_checker: None,
            no_email_faults: false,
            checker_log_all_failures: false,
            no_checker_emails: false,
            rs_init_notifies: false,
            startup_script: None,
            startup_script_timeout: defaults::SCRIPT_TIMEOUT,
            shutdown_script: None,
            shutdown_script_timeout: defaults::SCRIPT_TIMEOUT,
            script_user: None,
            enable_script_security: false,
            default_script_uid: 0,
            default_script_gid: 0,
            default_script_user_failed: false,
            process_names: false,
            process_name: None,
            max_auto_priority: 0,
            min_auto_priority_delay: defaults::MIN_AUTO_PRIORITY_DELAY,
            vrrp_process: ProcessSettings::default(),
            checker_process: ProcessSettings::default(),
            bfd_process: ProcessSettings::default(),
            umask: None,
            reload_check_config: None,
            reload_time_file: None,
            reload_repeat: false,
            reload_file: None,
            config_save_dir: None,
            tmp_config_directory: None,
            data_use_instance: false,
            random_seed: None,
            notify_fifo: NotifyFifo::default(),
            vrrp_notify_fifo: NotifyFifo::default(),
            lvs_notify_fifo: NotifyFifo::default(),
            vrrp_notify_priority_changes: false,
            fifo_write_vrrp_states_on_reload: false,
            dynamic_interfaces: false,
            allow_if_changes: false,
            default_interface: None,
            disable_local_igmp: false,
            vrrp_mcast_group4: Ipv4Addr::new(224, 0, 0, 18),
            vrrp_mcast_group6: Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 0x12),
            vrrp_garp_master_delay: defaults::GARP_DELAY,
            vrrp_garp_master_repeat: defaults::GARP_REPEAT,
            vrrp_garp_master_refresh: 0,
            vrrp_garp_master_refresh_repeat: defaults::GARP_REFRESH_REPEAT,
            vrrp_garp_lower_prio_delay: None,
            vrrp_garp_lower_prio_repeat: None,
            vrrp_down_timer_adverts: defaults::DOWN_TIMER_ADVERTS,
            vrrp_garp_interval: 0,
            vrrp_gna_interval: 0,
            vrrp_garp_extra_if: 0,
            vrrp_garp_extra_if_all: false,
            vrrp_lower_prio_no_advert: false,
            vrrp_higher_prio_send_advert: false,
            vrrp_version: 2,
            vrrp_check_unicast_src: false,
            vrrp_skip_check_adv_addr: false,
            vrrp_strict: false,
            vrrp_iptables: None,
            vrrp_ipsets: None,
            nftables: None,
            nftables_priority: -1,
            nftables_ifindex: false,
            nftables_counters: false,
            vrrp_netlink_cmd_rcv_bufs: RcvBufs::default(),
            vrrp_netlink_monitor_rcv_bufs: RcvBufs::default(),
            process_monitor_rcv_bufs: RcvBufs::default(),
            vrrp_rx_bufs_policy: RxBufsPolicy::Default,
            vrrp_rx_bufs_multiplier: defaults::RX_BUFS_MULTIPLIER,
            vrrp_startup_delay: 0,
            log_unknown_vrids: false,
            vmac_prefix: defaults::VMAC_PREFIX.to_string(),
            vmac_addr_prefix: None,
            lvs_timeouts: LvsTimeouts::default(),
            lvs_flush: false,
            lvs_flush_on_stop: LvsFlushOnStop::Disabled,
            lvs_sync_daemon: None,
            lvs_netlink_cmd_rcv_bufs: RcvBufs::default(),
            lvs_netlink_monitor_rcv_bufs: RcvBufs::default(),
            nftables_ipvs: None,
            nftables_ipvs_priority: 0,
            nftables_ipvs_start_fwmark: defaults::NFTABLES_IPVS_START_FWMARK,
            snmp_socket: None,
            enable_traps: false,
            enable_snmp_vrrp: false,
            enable_snmp_rfcv2: false,
            enable_snmp_rfcv3: false,
            enable_snmp_checker: false,
            enable_dbus: false,
            dbus_service_name: None,
            origin: Origin::default(),
        }
    }
}

impl GlobalDefs {
    /// `vrrp_garp_lower_prio_delay`, defaulting to the master delay as keepalived does.
    pub fn garp_lower_prio_delay(&self) -> u32 {
        self.vrrp_garp_lower_prio_delay.unwrap_or(self.vrrp_garp_master_delay)
    }
    /// `vrrp_garp_lower_prio_repeat`, defaulting to the master repeat.
    pub fn garp_lower_prio_repeat(&self) -> u32 {
        self.vrrp_garp_lower_prio_repeat.unwrap_or(self.vrrp_garp_master_repeat)
    }
}
