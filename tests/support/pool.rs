//! Helpers for the pool and reconcile tests: loading a configuration from text, and picking
//! the log lines, commands, scripts and FIFO lines out of the pool's actions.

use keepalived_rs::check::event::CheckerId;
use keepalived_rs::check::pool::PoolAction;
use keepalived_rs::config::model::Config;
use keepalived_rs::config::{LoadOptions, load_text, system::FixedSystem};
use keepalived_rs::ipvs::model::Command;

/// Loads a configuration from text (validated as the daemon would).
pub fn load(text: &str) -> Config {
    let opts = LoadOptions {
        random_seed: Some(1),
        ..LoadOptions::default()
    };
    load_text(text, &opts, &FixedSystem::typical(), false).config
}

/// The log lines among the actions.
pub fn logs(a: &[PoolAction]) -> Vec<String> {
    a.iter()
        .filter_map(|x| match x {
            PoolAction::Log(l) => Some(l.text.clone()),
            _ => None,
        })
        .collect()
}

/// The log lines without the "Activating healthchecker" lines that every start and reload
/// logs for each checker (`register_checkers_thread()`).
pub fn pool_logs(a: &[PoolAction]) -> Vec<String> {
    logs(a)
        .into_iter()
        .filter(|l| !l.contains("ctivating healthchecker for service"))
        .collect()
}

/// The IPVS commands among the actions.
pub fn cmds(a: &[PoolAction]) -> Vec<Command> {
    a.iter()
        .filter_map(|x| match x {
            PoolAction::Ipvs(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

/// The scripts run among the actions, by their arguments after the program (the program's
/// path is resolved through symlinks by the configuration reader).
pub fn scripts(a: &[PoolAction]) -> Vec<String> {
    a.iter()
        .filter_map(|x| match x {
            PoolAction::Script { script, .. } => Some(script.args[1..].join(" ")),
            _ => None,
        })
        .collect()
}

/// The FIFO lines among the actions.
pub fn fifo(a: &[PoolAction]) -> Vec<String> {
    a.iter()
        .filter_map(|x| match x {
            PoolAction::Fifo(l) => Some(l.clone()),
            _ => None,
        })
        .collect()
}

/// The mails among the actions, as (subject, body).
pub fn mails(a: &[PoolAction]) -> Vec<(String, String)> {
    a.iter()
        .filter_map(|x| match x {
            PoolAction::Smtp { subject, body } => Some((subject.clone(), body.clone())),
            _ => None,
        })
        .collect()
}

/// Checker `c` of real server `rs` of virtual server `vs`.
pub fn id(vs: usize, rs: usize, c: usize) -> CheckerId {
    CheckerId { vs, rs, checker: c }
}

/// Where the shared sample configurations are, if anywhere.
pub fn samples_dir() -> Option<std::path::PathBuf> {
    super::shared_dir()
        .map(|d| d.join("samples"))
        .filter(|d| d.is_dir())
        .or_else(|| Some(std::path::PathBuf::from("/work/shared/samples")).filter(|d| d.is_dir()))
}

/// A table as `ipvsadm -S -n` prints it (the rule lines; ipvsadm's own order aside), so a
/// wanted table can be compared with a real kernel's.
pub fn ipvsadm_save(t: &keepalived_rs::ipvs::model::Table) -> Vec<String> {
    use keepalived_rs::ipvs::model::{Forward, Proto, ServiceKey, Tunnel};
    let addr = |ip: &std::net::IpAddr, port: u16| match ip {
        std::net::IpAddr::V4(a) => format!("{a}:{port}"),
        std::net::IpAddr::V6(a) => format!("[{a}]:{port}"),
    };
    let mut out = Vec::new();
    for e in &t.services {
        let s = &e.service;
        let (name, v6) = match s.key {
            ServiceKey::Addr { proto, addr: a, port } => {
                let p = match proto {
                    Proto::Tcp => "-t",
                    Proto::Udp => "-u",
                    Proto::Sctp => "--sctp-service",
                };
                (format!("{p} {}", addr(&a, port)), a.is_ipv6())
            }
            ServiceKey::Fwmark { af, mark } => {
                let v6 = af == keepalived_rs::ipvs::model::Af::Inet6;
                (format!("-f {mark}{}", if v6 { " -6" } else { "" }), v6)
            }
        };
        let mut line = format!("-A {name} -s {}", s.scheduler);
        let sched = s.flags & 0x38;
        if sched != 0 {
            let names: &[&str] = match s.scheduler.as_str() {
                "sh" => &["sh-fallback", "sh-port", "flag-3"],
                "mh" => &["mh-fallback", "mh-port", "flag-3"],
                _ => &["flag-1", "flag-2", "flag-3"],
            };
            let set: Vec<&str> = (0..3).filter(|i| sched & (0x8 << i) != 0).map(|i| names[i]).collect();
            line.push_str(&format!(" -b {}", set.join(",")));
        }
        if s.flags & 1 != 0 {
            line.push_str(&format!(" -p {}", s.timeout));
            if v6 && s.netmask != 128 {
                line.push_str(&format!(" -M {}", s.netmask));
            } else if !v6 && s.netmask != 0xffff_ffff {
                line.push_str(&format!(" -M {}", std::net::Ipv4Addr::from(s.netmask)));
            }
            if let Some(pe) = &s.pe_name {
                line.push_str(&format!(" --pe {pe}"));
            }
        }
        if s.flags & 4 != 0 {
            line.push_str(" -o");
        }
        out.push(line);
        for d in &e.dests {
            let (sw, tun) = match d.forward {
                Forward::Masq => ("-m", String::new()),
                Forward::Route => ("-g", String::new()),
                Forward::Tunnel { tun } => (
                    "-i",
                    match tun {
                        Tunnel::Ipip => " --tun-type ipip".to_string(),
                        Tunnel::Gue { port, flags } => format!(" --tun-type gue --tun-port {port}{}", csum(flags)),
                        Tunnel::Gre { flags } => format!(" --tun-type gre{}", csum(flags)),
                    },
                ),
            };
            out.push(format!(
                "-a {name} -r {} {sw} -w {}{tun}",
                addr(&d.key.addr, d.key.port),
                d.weight
            ));
        }
    }
    out
}

fn csum(flags: u16) -> &'static str {
    match flags {
        1 => " --tun-csum",
        2 => " --tun-remcsum",
        _ => " --tun-nocsum",
    }
}
