//! Steps shared by the `ops_*` end-to-end tests: configurations, starting the daemon as
//! Debian's unit does and waiting until it is up, signal numbers as the daemon names them.

use std::time::Duration;

use super::{Sandbox, SyslogMsg, daemon_bin, wait_until};

/// One second.
pub const SEC: Duration = Duration::from_secs(1);

/// keepalived's version banner (`"Starting %s"` / `"Stopped %s"` in main.c).
pub const BANNER: &str = "Keepalived v2.2.7 (01/16,2022)";

/// The three VIPs the tests use (on eth0 of a sandbox).
pub const VIPS: [&str; 3] = ["192.168.77.100", "192.168.77.101", "192.168.77.102"];

/// A VRRP-only configuration: instance VI_1 on eth0, VRID 51, advert_int 1, `state` and
/// `priority` as given, `vips` as /32s, and `extra` lines inside the instance block.
pub fn vrrp_conf_with(state: &str, prio: u8, vips: &[&str], extra: &str) -> String {
    let vips: String = vips.iter().map(|v| format!("    {v}/32\n")).collect();
    format!(
        "global_defs {{\n  router_id e2e\n}}\n\
         vrrp_instance VI_1 {{\n  state {state}\n  interface eth0\n  virtual_router_id 51\n  \
         priority {prio}\n  advert_int 1\n{extra}  virtual_ipaddress {{\n{vips}  }}\n}}\n"
    )
}

/// [`vrrp_conf_with`] without extra lines.
pub fn vrrp_conf(state: &str, prio: u8, vips: &[&str]) -> String {
    vrrp_conf_with(state, prio, vips, "")
}

/// `conf` plus a virtual_server, so that the checker child runs too.
pub fn with_virtual_server(conf: &str) -> String {
    format!(
        "{conf}virtual_server 192.168.77.100 80 {{\n  delay_loop 1\n  lb_algo rr\n  lb_kind NAT\n  \
         protocol TCP\n  real_server 192.168.77.1 80 {{\n    TCP_CHECK {{\n      connect_timeout 1\n    \
         }}\n  }}\n}}\n"
    )
}

/// A syslog predicate: from `ident` (and `pid`, if given), message starting with `text`.
pub fn said<'a>(ident: &'a str, pid: Option<i32>, text: &'a str) -> impl Fn(&SyslogMsg) -> bool + 'a {
    move |m| m.ident == ident && (pid.is_none() || m.pid == pid) && m.message.starts_with(text)
}

/// A running daemon's pids inside the sandbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Up {
    /// The parent (watchdog).
    pub parent: i32,
    /// The VRRP child.
    pub vrrp: i32,
}

/// Waits for "Startup complete" from the parent, then for both pid files to name live
/// processes; panics with the sandbox's report otherwise.
pub fn wait_up(sb: &Sandbox, from: usize) -> Up {
    let done = sb
        .syslog
        .wait_from(from, said("Keepalived", None, "Startup complete"), 20 * SEC)
        .unwrap_or_else(|| panic!("no \"Startup complete\"\n{}", sb.report()));
    let parent = done.pid.unwrap_or_else(|| panic!("no pid in {done}"));
    let mut vrrp = None;
    let ok = wait_until(5 * SEC, || {
        vrrp = sb.pid_file("vrrp.pid").filter(|p| sb.by_ns_pid(*p).is_some());
        sb.pid_file("keepalived.pid") == Some(parent) && vrrp.is_some()
    });
    assert!(
        ok,
        "pid files do not name the running daemon (parent {parent})\n{}",
        sb.report()
    );
    Up {
        parent,
        vrrp: vrrp.unwrap_or_default(),
    }
}

/// Writes `conf`, starts the daemon with the Debian unit's command line
/// (`keepalived --dont-fork ARGS`, NOTIFY_SOCKET, child of pid 1) and waits until it is up.
pub fn up(sb: &Sandbox, conf: &str, args: &[&str]) -> Up {
    sb.write_conf(conf);
    let from = sb.syslog.mark();
    drop(sb.start_unit(args));
    wait_up(sb, from)
}

/// [`up`], then waits for every VIP in `vips` to be configured (the instance is MASTER).
pub fn up_master(sb: &Sandbox, conf: &str, args: &[&str], vips: &[&str]) -> Up {
    let u = up(sb, conf, args);
    for v in vips {
        assert!(sb.wait_addr(v, true, 15 * SEC), "VIP {v} never set\n{}", sb.report());
    }
    u
}

/// The signal number the daemon under test gives for `--signum=NAME` (how exporters and
/// scripts find them).
pub fn signum(name: &str) -> i32 {
    let o = std::process::Command::new(daemon_bin())
        .arg(format!("--signum={name}"))
        .output()
        .expect("run --signum");
    String::from_utf8_lossy(&o.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("--signum={name} printed {:?}", String::from_utf8_lossy(&o.stdout)))
}

/// Whether the daemon under test can run a checker child here: ours always; keepalived
/// only with IPVS in the kernel (without it its checker child exits FATAL).
pub fn checker_unavailable() -> Option<&'static str> {
    (super::is_keepalived() && !std::path::Path::new("/proc/net/ip_vs").exists())
        .then_some("this kernel has no IPVS, so keepalived's checker child exits FATAL; ours only")
}
