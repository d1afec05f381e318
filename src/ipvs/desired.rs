//! The IPVS table the configuration wants, given which real servers are in the pool: the
//! services and destinations exactly as keepalived's `ipvswrapper.c` fills `ipvs_service_t`
//! and `ipvs_dest_t` (`ipvs_set_srule()`, `ipvs_set_drule()`, `ipvs_cmd()`,
//! `ipvs_group_cmd()`, `ipvs_group_range_cmd()`), plus the sync daemon and timeout commands of
//! `check_daemon.c`.
//!
//! Sans-IO: plain functions from the configuration (and the pool's [`Presence`]) to
//! [`model`](super::model) values.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::model::{
    Af, Command, Dest, DestKey, Forward, Proto, Service, ServiceEntry, ServiceKey, SyncDaemon, Table, Timeouts, Tunnel,
};
use crate::config::model::Config;
use crate::config::model::check::{
    CheckConfig, Family, Forwarding, FwdMethod, Protocol, TunCsum, TunType, VirtualServer, VsKey,
};
use crate::config::model::global::GlobalDefs;

/// `IP_VS_SVC_F_PERSISTENT`.
pub const SVC_F_PERSISTENT: u32 = 0x0001;
/// `IP_VS_SVC_F_HASHED`: the kernel sets it on every service it reads back.
pub const SVC_F_HASHED: u32 = 0x0002;
/// keepalived's "granularity not set" value (`0xffffffff`).
const GRANULARITY_UNSET: u32 = 0xffff_ffff;
/// Largest range a group entry may expand to (a guard against a malformed range; keepalived
/// would loop through the whole address space).
const MAX_RANGE: u32 = 65_536;

/// Which of a virtual server's servers are in the kernel, and at what weight: the pool's view
/// of one virtual server (keepalived's `rs->set` with the weight `ipvs_cmd()` last sent).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VsPresence {
    /// The service itself is installed (false only after it was removed at stop or reload).
    pub installed: bool,
    /// Per real server (same order as the configuration): `Some(weight)` if it is a
    /// destination of every service of the virtual server.
    pub rs: Vec<Option<i32>>,
    /// The sorry server's weight if it is a destination.
    pub sorry: Option<i32>,
}

/// The pool's view of every virtual server, parallel to `Config.check.virtual_servers`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Presence {
    /// One per virtual server.
    pub vs: Vec<VsPresence>,
}

impl Presence {
    /// Every service installed and every real server in at its configured weight, no sorry
    /// server (what keepalived programs at start when no checker is in alpha mode).
    pub fn all_up(check: &CheckConfig) -> Presence {
        Presence {
            vs: check
                .virtual_servers
                .iter()
                .map(|vs| VsPresence {
                    installed: true,
                    rs: vs
                        .real_servers
                        .iter()
                        .map(|rs| Some(weight_i32(rs.weight.unwrap_or(vs.weight) as i64)))
                        .collect(),
                    sorry: None,
                })
                .collect(),
        }
    }
}

/// keepalived's `real_weight()`: an effective weight clamped to 0..=`IPVS_WEIGHT_LIMIT`.
pub fn weight_i32(effective: i64) -> i32 {
    effective.clamp(0, i32::MAX as i64) as i32
}

/// The model's family of a configuration family.
pub fn af(f: Family) -> Af {
    match f {
        Family::Inet => Af::Inet,
        Family::Inet6 => Af::Inet6,
    }
}

fn af_of(ip: &IpAddr) -> Af {
    if ip.is_ipv4() { Af::Inet } else { Af::Inet6 }
}

/// The kernel protocol of a virtual server (keepalived's validation sets TCP when none is
/// given for an address service).
pub fn proto(p: Protocol) -> Proto {
    match p {
        Protocol::Udp => Proto::Udp,
        Protocol::Sctp => Proto::Sctp,
        Protocol::Tcp | Protocol::None => Proto::Tcp,
    }
}

/// The model's forwarding of a configured `lvs_method` (`rs->forwarding_method`, `tun_type`,
/// `tun_port`, `tun_flags`).
pub fn forward(f: &Forwarding) -> Forward {
    let flags = match f.tun_csum {
        TunCsum::NoCsum => 0,
        TunCsum::Csum => 1,
        TunCsum::RemCsum => 2,
    };
    match f.method {
        FwdMethod::Nat => Forward::Masq,
        FwdMethod::Dr => Forward::Route,
        FwdMethod::Tun => Forward::Tunnel {
            tun: match f.tun_type {
                TunType::Ipip => Tunnel::Ipip,
                TunType::Gue => Tunnel::Gue {
                    port: f.tun_port,
                    flags,
                },
                TunType::Gre => Tunnel::Gre { flags },
            },
        },
    }
}

/// The default netmask keepalived sends for a family (`0xffffffff` or 128).
pub fn default_netmask(af: Af) -> u32 {
    match af {
        Af::Inet => 0xffff_ffff,
        Af::Inet6 => 128,
    }
}

/// The service settings keepalived sends with `IP_VS_SO_SET_ADD/EDIT` (`ipvs_set_srule()`),
/// for a key. `group_entry` is true for the services of a `virtual_server_group`, whose netmask
/// keepalived 2.2.7 always resets to the family default (`ipvs_group_range_cmd()` and the
/// fwmark loop of `ipvs_group_cmd()` overwrite the persistence granularity).
pub fn service(vs: &VirtualServer, key: ServiceKey, group_entry: bool) -> Service {
    let key_af = match key {
        ServiceKey::Addr { addr, .. } => af_of(&addr),
        ServiceKey::Fwmark { af, .. } => af,
    };
    let scheduler = if vs.scheduler.is_empty() {
        "wlc".to_string()
    } else {
        vs.scheduler.clone()
    };
    let mut flags = vs.flags;
    let mut netmask = default_netmask(key_af);
    let mut timeout = 0;
    let mut pe_name = None;
    if vs.persistence_timeout != 0 {
        timeout = vs.persistence_timeout;
        flags |= SVC_F_PERSISTENT;
        if let Some(g) = vs.persistence_granularity
            && g != GRANULARITY_UNSET
            && !group_entry
        {
            netmask = g;
        }
        pe_name = vs.persistence_engine.clone().filter(|p| !p.is_empty());
    }
    Service {
        key,
        scheduler,
        flags,
        timeout,
        netmask,
        pe_name,
    }
}

/// One expanded service of a virtual server, with the port keepalived gives non-NAT
/// destinations of it (the service's port; 0 for fwmark services).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpandedService {
    /// The service settings.
    pub service: Service,
    /// Destination port for DR/TUN real servers.
    pub direct_port: u16,
}

fn vs_af(check: &CheckConfig, vs: &VirtualServer) -> Af {
    if let Some(f) = vs.family {
        return af(f);
    }
    if let Some(g) = vs.group().and_then(|n| check.group(n))
        && g.have_ipv6
        && !g.have_ipv4
    {
        return Af::Inet6;
    }
    Af::Inet
}

/// The addresses of a group range `start..=end`, as `ipvs_group_range_cmd()` walks them: the
/// whole IPv4 address incremented, or only the last 16 bits of an IPv6 address.
pub fn range_addrs(start: IpAddr, end: IpAddr) -> Vec<IpAddr> {
    match (start, end) {
        (IpAddr::V4(s), IpAddr::V4(e)) => {
            let (s, e) = (u32::from(s), u32::from(e));
            if e < s || e - s >= MAX_RANGE {
                return vec![IpAddr::V4(Ipv4Addr::from(s))];
            }
            (s..=e).map(|a| IpAddr::V4(Ipv4Addr::from(a))).collect()
        }
        (IpAddr::V6(s), IpAddr::V6(e)) => {
            let mut w = s.segments();
            let (first, last) = (w[7], e.segments()[7]);
            if last < first {
                return vec![IpAddr::V6(s)];
            }
            (first..=last)
                .map(|x| {
                    w[7] = x;
                    IpAddr::V6(Ipv6Addr::from(w))
                })
                .collect()
        }
        (s, _) => vec![s],
    }
}

/// Every kernel service of a virtual server, in the order keepalived adds them: one for
/// `IP PORT` or `fwmark`, or for a group each address of each range (in order) then each
/// fwmark entry. Empty for a group that is not configured (keepalived drops such a server).
pub fn services(check: &CheckConfig, vs: &VirtualServer) -> Vec<ExpandedService> {
    match &vs.key {
        VsKey::Addr { ip, port } => {
            let key = ServiceKey::Addr {
                proto: proto(vs.protocol),
                addr: *ip,
                port: *port,
            };
            vec![ExpandedService {
                service: service(vs, key, false),
                direct_port: *port,
            }]
        }
        VsKey::Fwmark(mark) => {
            let key = ServiceKey::Fwmark {
                af: vs_af(check, vs),
                mark: *mark,
            };
            vec![ExpandedService {
                service: service(vs, key, false),
                direct_port: 0,
            }]
        }
        VsKey::Group { name, .. } => {
            let Some(g) = check.group(name) else { return Vec::new() };
            let mut out = Vec::new();
            for r in &g.ranges {
                for addr in range_addrs(r.start, r.end) {
                    let key = ServiceKey::Addr {
                        proto: proto(vs.protocol),
                        addr,
                        port: r.port,
                    };
                    out.push(ExpandedService {
                        service: service(vs, key, true),
                        direct_port: r.port,
                    });
                }
            }
            for f in &g.fwmarks {
                let fam = f.family.map(af).unwrap_or_else(|| vs_af(check, vs));
                let key = ServiceKey::Fwmark {
                    af: fam,
                    mark: f.fwmark,
                };
                out.push(ExpandedService {
                    service: service(vs, key, true),
                    direct_port: 0,
                });
            }
            out
        }
    }
}

/// A destination as `ipvs_set_drule()` / `ipvs_cmd()` fill it: NAT keeps the server's own
/// port, DR and TUN take the service's (0 for fwmark).
pub fn dest(
    svc: &ExpandedService,
    ip: IpAddr,
    port: u16,
    fwd: &Forwarding,
    weight: i32,
    thresholds: (u32, u32),
) -> Dest {
    let forward = forward(fwd);
    let port = if forward == Forward::Masq {
        port
    } else {
        svc.direct_port
    };
    Dest {
        key: DestKey { addr: ip, port },
        forward,
        weight,
        u_threshold: thresholds.0,
        l_threshold: thresholds.1,
    }
}

/// The forwarding of a real server (its own, else the virtual server's, else NAT).
pub fn rs_forwarding(vs: &VirtualServer, rs: usize) -> Forwarding {
    vs.real_servers[rs].forwarding.or(vs.forwarding).unwrap_or_default()
}

/// The forwarding of the sorry server.
pub fn sorry_forwarding(vs: &VirtualServer) -> Forwarding {
    vs.sorry_server
        .as_ref()
        .and_then(|s| s.forwarding)
        .or(vs.forwarding)
        .unwrap_or_default()
}

/// The destinations of one real server (or the sorry server with `rs == None`) in every
/// service of the virtual server, paired with the service keys.
pub fn dests_of(check: &CheckConfig, vs: &VirtualServer, rs: Option<usize>, weight: i32) -> Vec<(ServiceKey, Dest)> {
    let (ip, port, fwd, th) = match rs {
        Some(i) => {
            let r = &vs.real_servers[i];
            (r.ip, r.port, rs_forwarding(vs, i), (r.u_threshold, r.l_threshold))
        }
        None => match &vs.sorry_server {
            Some(s) => (s.ip, s.port, sorry_forwarding(vs), (0, 0)),
            None => return Vec::new(),
        },
    };
    services(check, vs)
        .iter()
        .map(|s| (s.service.key, dest(s, ip, port, &fwd, weight, th)))
        .collect()
}

/// The services of one virtual server with the destinations `p` says are in.
pub fn vs_entries(check: &CheckConfig, vs: &VirtualServer, p: &VsPresence) -> Vec<ServiceEntry> {
    if !p.installed {
        return Vec::new();
    }
    let sorry_fwd = sorry_forwarding(vs);
    services(check, vs)
        .into_iter()
        .map(|s| {
            let mut dests: Vec<Dest> = Vec::new();
            let mut push = |d: Dest| {
                // A sorry server that duplicates a real server shares its destination.
                if let Some(old) = dests.iter_mut().find(|o| o.key == d.key) {
                    *old = d;
                } else {
                    dests.push(d);
                }
            };
            for (i, r) in vs.real_servers.iter().enumerate() {
                if let Some(Some(w)) = p.rs.get(i) {
                    push(dest(
                        &s,
                        r.ip,
                        r.port,
                        &rs_forwarding(vs, i),
                        *w,
                        (r.u_threshold, r.l_threshold),
                    ));
                }
            }
            if let (Some(w), Some(ss)) = (p.sorry, &vs.sorry_server) {
                push(dest(&s, ss.ip, ss.port, &sorry_fwd, w, (0, 0)));
            }
            ServiceEntry {
                service: s.service,
                dests,
            }
        })
        .collect()
}

/// The whole wanted table. Services shared by several virtual servers (a group used by two
/// of them) are merged: the first one's settings, every one's destinations.
pub fn table(check: &CheckConfig, p: &Presence) -> Table {
    let mut t = Table::default();
    for (i, vs) in check.virtual_servers.iter().enumerate() {
        let Some(vp) = p.vs.get(i) else { continue };
        for e in vs_entries(check, vs, vp) {
            merge_entry(&mut t, e);
        }
    }
    t
}

/// Adds an entry to a table, merging its destinations into an existing service of that key.
pub fn merge_entry(t: &mut Table, e: ServiceEntry) {
    if let Some(old) = t.services.iter_mut().find(|o| o.service.key == e.service.key) {
        for d in e.dests {
            if let Some(od) = old.dests.iter_mut().find(|o| o.key == d.key) {
                *od = d;
            } else {
                old.dests.push(d);
            }
        }
    } else {
        t.services.push(e);
    }
}

/// The sync daemon keepalived's checker child runs (`lvs_sync_daemon` without a VRRP
/// instance: `checker_ipvs_syncd_needed()`), if any: master and backup with the same settings.
pub fn sync_daemons(global: &GlobalDefs) -> Vec<SyncDaemon> {
    let Some(s) = &global.lvs_sync_daemon else {
        return Vec::new();
    };
    if s.vrrp_instance.is_some() {
        return Vec::new();
    }
    [true, false]
        .into_iter()
        .map(|master| SyncDaemon {
            master,
            ifname: s.ifname.clone(),
            syncid: s.syncid.unwrap_or(0),
            maxlen: s.sync_maxlen.unwrap_or(0),
            port: s.mcast_port.unwrap_or(0),
            ttl: s.mcast_ttl.unwrap_or(0),
            group: s.mcast_group,
        })
        .collect()
}

/// The sync daemon commands at start (or at a reload that changed it): stop any left over
/// from an abnormal exit (errors ignored), then start master and backup (`start_check()`).
pub fn sync_daemon_start(global: &GlobalDefs) -> Vec<Command> {
    let d = sync_daemons(global);
    if d.is_empty() {
        return Vec::new();
    }
    let mut out = vec![
        Command::DelDaemon { master: true },
        Command::DelDaemon { master: false },
    ];
    out.extend(d.into_iter().map(Command::NewDaemon));
    out
}

/// The sync daemon commands at stop (`checker_terminate_phase2()`).
pub fn sync_daemon_stop(global: &GlobalDefs) -> Vec<Command> {
    if sync_daemons(global).is_empty() {
        return Vec::new();
    }
    vec![
        Command::DelDaemon { master: true },
        Command::DelDaemon { master: false },
    ]
}

/// The `IPVS_CMD_SET_CONFIG` keepalived sends at start or reload: the configured
/// `lvs_timeouts` with each unset value taken from `original` (the kernel's values before
/// keepalived first changed them), or at a reload without `lvs_timeouts` the originals back
/// (`ipvs_set_timeout(NULL)`; nothing if they were never changed, `original == None`).
pub fn timeouts_command(global: &GlobalDefs, reload: bool, original: Option<Timeouts>) -> Option<Command> {
    let t = global.lvs_timeouts;
    let orig = original.unwrap_or_default();
    if t.tcp != 0 || t.tcp_fin != 0 || t.udp != 0 {
        let pick = |v: u32, o: u32| if v != 0 { v } else { o };
        return Some(Command::SetTimeouts(Timeouts {
            tcp: pick(t.tcp, orig.tcp),
            tcp_fin: pick(t.tcp_fin, orig.tcp_fin),
            udp: pick(t.udp, orig.udp),
        }));
    }
    match (reload, original) {
        (true, Some(o)) => Some(Command::SetTimeouts(o)),
        _ => None,
    }
}

/// The table for a whole configuration at start with every real server up.
pub fn table_all_up(cfg: &Config) -> Table {
    table(&cfg.check, &Presence::all_up(&cfg.check))
}

/// The `IPVS_CMD_SET_CONFIG` keepalived sends at stop (`ipvs_stop()`): the kernel's original
/// timeouts back, if keepalived ever changed them (`original` is `None` otherwise).
pub fn timeouts_restore(original: Option<Timeouts>) -> Option<Command> {
    original.map(Command::SetTimeouts)
}
