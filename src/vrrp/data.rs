//! The VRRP child's SIGUSR1 file `keepalived.data` (keepalived 2.2.7's `vrrp_print.c:
//! vrrp_print_data()` → `vrrp_data.c: dump_data_vrrp()` writing to a file): the `-d` layout of
//! `config::dump` with the run-time lines keepalived adds when it writes a file (state, master,
//! timers, effective priority, VIPs ` set`, sockets, the `VRRP Sockpool` section, script
//! results), then the `Interfaces` section (`vrrp_if.c: dump_if()`).
//!
//! [`data_text`] is pure; [`write_data_file`] gathers the interface details the daemon does not
//! keep (flags, MTU, hardware type: `ioctl`s) and writes the file through [`crate::dumpfile`].

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::IpAddr;
use std::time::Duration;

use crate::config::dump::vrrp::{At, Line, Runtime};
use crate::config::model::Config;
use crate::config::model::vrrp::{Family, LinkbeatType};
use crate::log::{LocalTime, LogLine};
use crate::vrrp::engine::Engine;
use crate::vrrp::event::{IfState, State, Time, vmac_name};
use crate::vrrp::socket::{SockPool, SockSpec};

/// Maps engine times to wall-clock times, as keepalived's timers (`monotonic_gettimeofday()`:
/// the monotonic clock plus the real-time offset taken once).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    /// Wall-clock time (since the epoch) of engine time 0.
    zero: Duration,
}

impl Clock {
    /// The clock of an engine whose current time is `engine_now`, read against the system clock.
    pub fn at(engine_now: Time) -> Clock {
        let wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Clock {
            zero: wall.saturating_sub(engine_now),
        }
    }

    /// A clock whose engine time 0 is `zero` after the epoch (tests).
    pub fn fixed(zero: Duration) -> Clock {
        Clock { zero }
    }

    /// Wall-clock time (since the epoch) of engine time `t`.
    pub fn wall(&self, t: Time) -> Duration {
        self.zero + t
    }
}

/// `"%ld.%6.6ld"`: seconds and microseconds.
pub fn secs_usecs(d: Duration) -> String {
    format!("{}.{:06}", d.as_secs(), d.subsec_micros())
}

/// keepalived's `ctime_us_r()`: `asctime()` with the microseconds after the seconds
/// (`Sat Nov 21 01:13:22.088912 2026`), in local time.
pub fn ctime_us(d: Duration) -> String {
    asctime_us(&LocalTime::from_unix(d.as_secs() as i64, d.subsec_nanos()))
}

/// The text of [`ctime_us`] for a broken-down time.
fn asctime_us(t: &LocalTime) -> String {
    let a = asctime(t);
    format!("{}.{:06}{}", &a[..19], t.nsec / 1000, &a[19..])
}

/// `ctime()` without its newline, in local time.
fn local_asctime(d: Duration) -> String {
    asctime(&LocalTime::from_unix(d.as_secs() as i64, d.subsec_nanos()))
}

/// `asctime()` without its newline: `Sat Nov 21 01:13:22 2026`.
fn asctime(t: &LocalTime) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{} {}{:3} {:02}:{:02}:{:02} {}",
        DAYS[t.wday as usize % 7],
        MONTHS[t.month as usize % 12],
        t.mday,
        t.hour,
        t.min,
        t.sec,
        t.year
    )
}

/// One sockpool entry (keepalived's `sock_t`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SockEntry {
    /// What it serves.
    pub spec: SockSpec,
    /// Read descriptor (-1: closed).
    pub fd_in: i32,
    /// Write descriptor (-1: closed).
    pub fd_out: i32,
}

/// The sockpool as the dump shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sockets {
    /// The entries, in pool order.
    pub entries: Vec<SockEntry>,
    /// Per instance, its entry.
    pub of_instance: Vec<Option<usize>>,
}

impl Sockets {
    /// From the daemon's pool and the per-instance specs it was opened with.
    pub fn from_pool(pool: &SockPool, specs: &[SockSpec]) -> Sockets {
        Sockets {
            entries: pool
                .descriptors()
                .map(|(spec, (fd_in, fd_out))| SockEntry {
                    spec: spec.clone(),
                    fd_in,
                    fd_out,
                })
                .collect(),
            of_instance: specs.iter().map(|s| pool.entry_of(s)).collect(),
        }
    }
}

/// What `dump_if()` prints about an interface beyond the daemon's [`IfState`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    /// Name, index, addresses, MAC.
    pub state: IfState,
    /// `IFF_*` flags.
    pub flags: u32,
    /// MTU.
    pub mtu: u32,
    /// `ARPHRD_*` hardware type.
    pub hw_type: u16,
    /// `arp_ignore`, `arp_filter`, `rp_filter` and `promote_secondaries` (IPv4 sysctls), for
    /// the VMAC interfaces and their bases, whose values keepalived records when it sets them.
    pub vmac_sysctls: Option<[u32; 4]>,
    /// `net.ipv6.conf.IF.forwarding`, for the interfaces keepalived checks before sending
    /// unsolicited neighbour advertisements.
    pub ipv6_forwarding: Option<bool>,
}

/// Reads an interface's flags, MTU and hardware type with `ioctl`s (in the daemon's network
/// namespace; missing values stay 0), and with `vmac` / `gna` the sysctls of
/// [`Link::vmac_sysctls`] / [`Link::ipv6_forwarding`].
pub fn read_link(state: &IfState, vmac: bool, gna: bool) -> Link {
    let sysctl = crate::netlink::sysctl::Sysctl::default();
    let get = |p: &str| sysctl.ipv4(&state.name, p).unwrap_or(0);
    let mut link = Link {
        state: state.clone(),
        flags: if state.up {
            (libc::IFF_UP | libc::IFF_RUNNING) as u32
        } else {
            0
        },
        mtu: 0,
        hw_type: 0,
        vmac_sysctls: vmac.then(|| {
            [
                get("arp_ignore"),
                get("arp_filter"),
                get("rp_filter"),
                get("promote_secondaries"),
            ]
        }),
        ipv6_forwarding: gna
            .then(|| sysctl.get("net/ipv6/conf", &state.name, "forwarding"))
            .flatten()
            .map(|v| v != 0),
    };
    // SAFETY: plain socket(2) call.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return link;
    }
    // SAFETY: ifreq is plain data; zeroed is a valid value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (d, s) in req.ifr_name.iter_mut().zip(state.name.bytes().take(libc::IFNAMSIZ - 1)) {
        *d = s as libc::c_char;
    }
    // SAFETY: fd is an open socket and req a valid ifreq for these requests; the union field
    // read is the one each request fills.
    unsafe {
        if libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut req) == 0 {
            link.flags = u32::from(req.ifr_ifru.ifru_flags as u16);
        }
        if libc::ioctl(fd, libc::SIOCGIFMTU, &mut req) == 0 {
            link.mtu = req.ifr_ifru.ifru_mtu as u32;
        }
        if libc::ioctl(fd, libc::SIOCGIFHWADDR, &mut req) == 0 {
            link.hw_type = req.ifr_ifru.ifru_hwaddr.sa_family;
        }
        libc::close(fd);
    }
    link
}

/// Everything beyond the configuration that the data file shows.
pub struct RunState<'a> {
    /// The engine.
    pub engine: &'a Engine,
    /// Engine time to wall time.
    pub clock: Clock,
    /// The sockpool.
    pub sockets: &'a Sockets,
    /// The interfaces, in the order to print them.
    pub links: &'a [Link],
    /// The engine's current time.
    pub now: Time,
}

fn ip_text(a: Option<IpAddr>) -> String {
    a.map_or_else(|| "(none)".to_string(), |a| a.to_string())
}

struct Hooks<'a> {
    cfg: &'a Config,
    rs: &'a RunState<'a>,
}

impl Hooks<'_> {
    fn instance_state(&self, k: usize, out: &mut Vec<String>) {
        let v = self.rs.engine.instance_view(k);
        out.push(format!("   State = {}", v.state.as_str()));
        if v.state == State::Backup {
            out.push(format!("   Master router = {}", ip_text(v.master_saddr)));
            out.push(format!("   Master priority = {}", v.master_priority));
            if self.cfg.vrrp.instances[k].version == 3 {
                out.push(format!(
                    "   Master advert int = {:.2} sec",
                    v.master_adver_int as f64 / 1e6
                ));
            }
        }
    }

    fn instance_timers(&self, k: usize, out: &mut Vec<String>) {
        let v = self.rs.engine.instance_view(k);
        let clock = self.rs.clock;
        out.push(format!(
            "   Number of interface and track script faults = {}",
            v.num_script_if_fault
        ));
        out.push(format!("   Number of track scripts init = {}", v.num_script_init));
        let last = clock.wall(v.last_transition.unwrap_or_default());
        out.push(format!(
            "   Last transition = {} ({})",
            secs_usecs(last),
            ctime_us(last)
        ));
        match v.sands {
            None => out.push("   Read timeout = DISABLED".into()),
            Some(t) => {
                let w = clock.wall(t);
                out.push(format!("   Read timeout = {} ({})", secs_usecs(w), ctime_us(w)));
            }
        }
        out.push(format!("   Master down timer = {} usecs", v.ms_down_timer));
    }

    fn garp_extra(&self, out: &mut Vec<String>) {
        // keepalived's vmac_garp_timer; the daemon schedules these without exposing the time,
        // so the next one is shown as due now.
        let w = self.rs.clock.wall(self.rs.now);
        // "%.24s.%6.6ld" of ctime(): the year before the microseconds.
        out.push(format!(
            "   Next gratuitous ARP for such secondary = {} ({}.{:06})",
            secs_usecs(w),
            local_asctime(w),
            w.subsec_micros()
        ));
    }

    /// `dump_garp_delay()`'s "GARP/GNA next time": the announcer paces without exposing its
    /// times, so it is shown as due now (keepalived's is the last one plus the interval).
    fn garp_next(&self, what: &str, out: &mut Vec<String>) {
        let w = self.rs.clock.wall(self.rs.now);
        out.push(format!(
            " {what} next time {} ({}.{:06})",
            secs_usecs(w),
            &ctime_us(w)[..19],
            w.subsec_micros()
        ));
    }

    fn priorities(&self, k: usize, out: &mut Vec<String>) {
        let v = self.rs.engine.instance_view(k);
        out.push(format!("   Effective priority = {}", v.effective_priority));
        out.push(format!("   Total priority = {}", v.total_priority));
    }

    fn master_advert(&self, k: usize, out: &mut Vec<String>) {
        let v = self.rs.engine.instance_view(k);
        if v.state == State::Backup && self.cfg.vrrp.instances[k].version == 3 {
            out.push(format!(
                "   Master advert interval = {} milli-sec",
                v.master_adver_int / 1000
            ));
        }
    }

    /// `dump_sock_pool()`.
    fn sockpool(&self, out: &mut Vec<String>) {
        let s = self.rs.sockets;
        if s.entries.is_empty() {
            return;
        }
        out.push("------< VRRP Sockpool >------".into());
        for (e, entry) in s.entries.iter().enumerate() {
            let sp = &entry.spec;
            out.push(format!(" fd_in {} fd_out = {}", entry.fd_in, entry.fd_out));
            out.push(format!("   Interface = {}", sp.ifname));
            let fam = match sp.family {
                Family::V4 => "IPv4",
                Family::V6 => "IPv6",
            };
            out.push(format!("   Family = {fam}"));
            out.push(format!("   Protocol = {}", if sp.ah { "AH" } else { "VRRP" }));
            out.push(format!(
                "   Type = {}icast",
                if sp.unicast_src.is_some() { "Un" } else { "Mult" }
            ));
            if let Some(a) = sp.unicast_src {
                out.push(format!("   Address = {a}"));
            }
            out.push(format!("   Rx buf size = {}", sp.rx_buf_size));
            out.push("   VRRP instances".into());
            // keepalived walks the socket's tree ordered by VRID.
            let mut members: Vec<_> = self
                .cfg
                .vrrp
                .instances
                .iter()
                .enumerate()
                .filter(|(k, _)| s.of_instance.get(*k).copied().flatten() == Some(e))
                .map(|(_, i)| (i.vrid, i.name.as_str()))
                .collect();
            members.sort_by_key(|(vrid, _)| *vrid);
            for (vrid, name) in members {
                out.push(format!("     {name} vrid {vrid}"));
            }
        }
    }

    fn script_result(&self, k: usize, out: &mut Vec<String>) {
        let s = self.rs.engine.script_view(k);
        out.push(format!("   Result = {}", s.result));
        // The configuration keeps only scripts that passed script security.
        out.push("   Insecure = no".into());
    }

    fn script_status(&self, k: usize, out: &mut Vec<String>) {
        let s = self.rs.engine.script_view(k);
        out.push(format!(
            "   Status = {}",
            if s.result >= s.rise { "GOOD" } else { "BAD" }
        ));
    }
}

impl Runtime for Hooks<'_> {
    fn lines(&self, at: At, out: &mut Vec<String>) {
        match at {
            At::InstanceState(k) => self.instance_state(k, out),
            At::InstanceTimers(k) => self.instance_timers(k, out),
            At::InstanceGarpExtra(_) => self.garp_extra(out),
            At::InstancePriority(k) => self.priorities(k, out),
            At::InstanceAdvert(k) => self.master_advert(k, out),
            At::Sockpool => self.sockpool(out),
            At::GarpNext(_) => self.garp_next("GARP", out),
            At::GnaNext(_) => self.garp_next("GNA", out),
            At::ScriptResult(k) => self.script_result(k, out),
            At::ScriptStatus(k) => self.script_status(k, out),
            // The script runner does not report runs in progress here.
            At::ScriptEnd(_) => out.push("   State = idle".into()),
        }
    }

    fn line(&self, l: Line) -> Option<String> {
        let cfg = self.cfg;
        match l {
            Line::Wantstate(k) => Some(format!(
                "   Wantstate = {}",
                self.rs.engine.instance_view(k).wantstate.as_str()
            )),
            Line::SrcIp(k) => {
                let v = self.rs.engine.instance_view(k);
                let from = if v.saddr_from_config {
                    " (from configuration)"
                } else {
                    ""
                };
                Some(format!("   Using src_ip = {}{from}", ip_text(v.saddr)))
            }
            Line::Multicast(k) => {
                let i = &cfg.vrrp.instances[k];
                if !i.unicast_peers.is_empty() {
                    return None;
                }
                let group = i.mcast_dst_ip.unwrap_or(match i.family {
                    Family::V4 => IpAddr::V4(cfg.global.vrrp_mcast_group4),
                    Family::V6 => IpAddr::V6(cfg.global.vrrp_mcast_group6),
                });
                Some(match i.family {
                    Family::V4 => format!("   Multicast address {group}"),
                    Family::V6 => {
                        let ifname = crate::vrrp::event::xmit_interface(i).unwrap_or_default();
                        let index = self
                            .rs
                            .links
                            .iter()
                            .find(|l| l.state.name == ifname)
                            .map_or(0, |l| l.state.index);
                        format!("   Multicast address {group}, ifindex {index}")
                    }
                })
            }
            Line::VipSuffix(k) => Some(if self.rs.engine.instance_view(k).vipset {
                " set".into()
            } else {
                String::new()
            }),
            Line::Sockets(k) => {
                let e = self.rs.sockets.of_instance.get(k).copied().flatten()?;
                let e = &self.rs.sockets.entries[e];
                Some(format!("   fd_in {}, fd_out {}", e.fd_in, e.fd_out))
            }
            Line::SyncGroup(k) => {
                let g = self.rs.engine.group_view(k);
                Some(format!(
                    " VRRP Sync Group = {}, {}",
                    cfg.vrrp.sync_groups[k].name,
                    g.state.as_str()
                ))
            }
            Line::SyncGroupCounts(k) => {
                let g = self.rs.engine.group_view(k);
                Some(format!(
                    "   Num member fault {}, num member init {}",
                    g.num_member_fault, g.num_member_init
                ))
            }
            Line::TrackFileStatus(k) => {
                let v = self.rs.engine.track_file_value(&cfg.track.files[k].name)?;
                Some(format!("   Status = {v}"))
            }
            Line::ScriptInitState(k) => {
                let s = self.rs.engine.script_view(k);
                let fail = cfg.vrrp.scripts[k].init_fail;
                // Once a result is in, keepalived's init_state is DONE, which it prints as
                // "unknown".
                Some(format!(
                    "   Init state = {}",
                    match (s.init, fail) {
                        (false, _) => "unknown",
                        (true, true) => "INIT/FAILED",
                        (true, false) => "INIT",
                    }
                ))
            }
        }
    }
}

fn mac_text(m: &[u8; 6]) -> String {
    m.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

/// `dump_if()` "State = ..." flags.
fn flags_text(f: u32) -> String {
    let has = |b: i32| f & b as u32 != 0;
    let mut s = format!(
        "{}UP, {}RUNNING",
        if has(libc::IFF_UP) { "" } else { "not " },
        if has(libc::IFF_RUNNING) { "" } else { "not " }
    );
    for (cond, text) in [
        (!has(libc::IFF_BROADCAST), ", no broadcast"),
        (has(libc::IFF_LOOPBACK), ", loopback"),
        (has(libc::IFF_POINTOPOINT), ", point to point"),
        (has(libc::IFF_NOARP), ", no arp"),
        (!has(libc::IFF_MULTICAST), ", no multicast"),
    ] {
        if cond {
            s.push_str(text);
        }
    }
    s
}

/// The `Interfaces` section (`dump_interface_queue()`).
fn interfaces(cfg: &Config, rs: &RunState, out: &mut Vec<String>) {
    if rs.links.is_empty() {
        return;
    }
    out.push("------< Interfaces >------".into());
    let v = &cfg.vrrp;
    for l in rs.links {
        let st = &l.state;
        out.push(format!(" Name = {}", st.name));
        out.push(format!(
            "   index = {}{}",
            st.index,
            if st.index == 0 { " (deleted)" } else { "" }
        ));
        out.push(format!("   IPv4 address = {}", ip_text(st.ipv4.map(IpAddr::V4))));
        out.push(format!("   IPv6 address = {}", ip_text(st.ipv6_ll.map(IpAddr::V6))));
        if st.mac != [0; 6] {
            out.push(format!("   MAC = {}", mac_text(&st.mac)));
            out.push(format!("   MAC broadcast = {}", mac_text(&[0xff; 6])));
        }
        let vmac_base = v
            .instances
            .iter()
            .find(|i| i.vmac.is_some() && vmac_name(i) == st.name)
            .and_then(|i| i.interface.clone());
        let base = vmac_base
            .as_ref()
            .and_then(|b| rs.links.iter().find(|l| &l.state.name == b));
        let mut state = flags_text(l.flags);
        if base.is_some_and(|b| b.flags & libc::IFF_UP as u32 == 0) {
            state.push_str(", master down");
        }
        out.push(format!("   State = {state}"));
        out.push(format!("   Seen up = {}", i32::from(st.up)));
        out.push("   Delayed state change running = false".into());
        let delays = v.interface_up_down_delays.iter().find(|d| d.name == st.name);
        out.push(format!("   Up debounce timer = {}us", delays.map_or(0, |d| d.up)));
        out.push(format!("   Down debounce timer = {}us", delays.map_or(0, |d| d.down)));
        if let (Some(b), Some(name)) = (base, &vmac_base) {
            out.push(format!(
                "   VMAC type private, underlying interface = {name}, state = {}",
                flags_text(b.flags | libc::IFF_BROADCAST as u32 | libc::IFF_MULTICAST as u32)
            ));
            out.push("   I/f created by keepalived".into());
        }
        out.push(format!("   MTU = {}", l.mtu));
        match l.hw_type {
            libc::ARPHRD_LOOPBACK => out.push("   HW Type = LOOPBACK".into()),
            libc::ARPHRD_ETHER => out.push("   HW Type = ETHERNET".into()),
            // keepalived logs this one instead of writing it.
            libc::ARPHRD_INFINIBAND => {}
            t => out.push(format!("   HW Type = UNKNOWN ({t})")),
        }
        out.push(
            match v.linkbeat_interfaces.iter().find(|b| b.name == st.name).map(|b| b.kind) {
                None => "   NIC netlink status update",
                Some(LinkbeatType::Mii) => "   NIC support MII regs",
                Some(LinkbeatType::Ethtool) => "   NIC support ETHTOOL GLINK interface",
                Some(LinkbeatType::Ioctl | LinkbeatType::Default) => "   NIC ioctl refresh polling",
            }
            .into(),
        );
        if let Some(g) = v
            .garp_groups
            .iter()
            .find(|g| g.interface.iter().chain(&g.interfaces).any(|n| n == &st.name))
        {
            if let Some(i) = g.garp_interval {
                out.push(format!("   Gratuitous ARP interval {}ms", i / 1000));
            }
            if let Some(i) = g.gna_interval {
                out.push(format!("   Gratuitous NA interval {}ms", i / 1000));
            }
            if g.aggregation_group != 0 {
                out.push(format!("   Gratuitous ARP aggregation group {}", g.aggregation_group));
            }
        }
        let [arp_ignore, arp_filter, rp_filter, promote] = l.vmac_sysctls.unwrap_or_default();
        // keepalived counts the IPv4 VMACs that changed the base's ARP settings.
        let arp_users = v
            .instances
            .iter()
            .filter(|i| i.vmac.is_some() && i.family == Family::V4 && i.interface.as_deref() == Some(&st.name))
            .count();
        out.push(format!("   Reset ARP config counter {arp_users}"));
        out.push(format!("   Original arp_ignore {arp_ignore}"));
        out.push(format!("   Original arp_filter {arp_filter}"));
        if l.vmac_sysctls.is_some() {
            out.push(format!("   rp_filter {rp_filter}"));
        }
        out.push(format!("   Original promote_secondaries {promote}"));
        out.push("   Reset promote_secondaries counter 0".into());
        if let Some(fwd) = l.ipv6_forwarding {
            let w = rs.clock.wall(rs.now);
            out.push(format!(
                "   {}IPv6 forwarding. Last checked {} ({}.{:06})",
                if fwd { "" } else { "Not " },
                secs_usecs(w),
                local_asctime(w),
                w.subsec_micros()
            ));
        }
        let tracking = rs.engine.interface_tracking(&st.name);
        if !tracking.is_empty() {
            out.push("   Tracking VRRP instances :".into());
            for t in tracking {
                let r = if t.reverse { " reverse" } else { "" };
                out.push(format!("     {}, weight {}{r}", v.instances[t.instance].name, t.weight));
            }
        }
    }
}

/// A VMAC or the base of one (keepalived records its ARP and rp_filter settings).
fn is_vmac_related(cfg: &Config, name: &str) -> bool {
    cfg.vrrp
        .instances
        .iter()
        .filter(|i| i.vmac.is_some())
        .any(|i| vmac_name(i) == name || i.interface.as_deref() == Some(name))
}

/// An interface an instance with its addresses set has sent unsolicited neighbour
/// advertisements on (keepalived then checks the interface's IPv6 forwarding).
fn sends_gna(cfg: &Config, engine: &Engine, name: &str) -> bool {
    cfg.vrrp.instances.iter().enumerate().any(|(k, i)| {
        engine.instance_view(k).vipset
            && engine.state(k) == State::Master
            && i.vips
                .iter()
                .chain(&i.evips)
                .any(|a| a.addr.is_ipv6() && crate::netlink::addr::vip_device(i, a).as_deref() == Some(name))
    })
}

/// The text of `keepalived.data`.
pub fn data_text(cfg: &Config, rs: &RunState) -> String {
    let hooks = Hooks { cfg, rs };
    let mut lines = crate::config::dump::vrrp_layout_with(cfg, &hooks);
    interfaces(cfg, rs, &mut lines);
    let mut s = String::new();
    for l in lines {
        let _ = writeln!(s, "{l}");
    }
    s
}

/// SIGUSR1 in the VRRP child (`sigusr1_vrrp()`): logs "Printing VRRP data for process(%d) on
/// signal" and writes `keepalived.data` (with the `data_use_instance` suffix). `specs` are the
/// per-instance sockpool specs the daemon opened `pool` with; `now` is the engine's time.
pub fn write_data_file(
    cfg: &Config,
    engine: &Engine,
    ifs: &HashMap<String, IfState>,
    pool: &SockPool,
    specs: &[SockSpec],
    now: Time,
) -> Vec<LogLine> {
    let mut logs = vec![LogLine::info(format!(
        "Printing VRRP data for process({}) on signal",
        std::process::id()
    ))];
    let mut states: Vec<&IfState> = ifs.values().collect();
    states.sort_by_key(|s| (s.index == 0, s.index, s.name.clone()));
    let links: Vec<Link> = states
        .into_iter()
        .map(|s| read_link(s, is_vmac_related(cfg, &s.name), sends_gna(cfg, engine, &s.name)))
        .collect();
    let sockets = Sockets::from_pool(pool, specs);
    let rs = RunState {
        engine,
        clock: Clock::at(now),
        sockets: &sockets,
        links: &links,
        now,
    };
    let name = "keepalived.data";
    let path = crate::dumpfile::data_file(name, &cfg.global);
    logs.extend(crate::dumpfile::write_dump(&path, name, &data_text(cfg, &rs)));
    logs
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `ctime_us_r()`: asctime's day padding, microseconds after the seconds, then the year
    /// (the line captured from keepalived 2.2.7: "Sat Nov 21 01:13:22.088912 2026").
    #[test]
    fn ctime_with_microseconds() {
        let t = |mday, nsec| LocalTime {
            year: 2026,
            month: 10,
            mday,
            wday: 6,
            hour: 1,
            min: 13,
            sec: 22,
            nsec,
        };
        assert_eq!(asctime_us(&t(21, 88_912_345)), "Sat Nov 21 01:13:22.088912 2026");
        assert_eq!(asctime_us(&t(7, 5_000)), "Sat Nov  7 01:13:22.000005 2026");
        assert_eq!(
            secs_usecs(Duration::new(1_795_223_602, 88_912_999)),
            "1795223602.088912"
        );
        assert_eq!(secs_usecs(Duration::new(5, 0)), "5.000000");
    }

    #[test]
    fn interface_flags_as_dump_if() {
        let lo = (libc::IFF_UP | libc::IFF_RUNNING | libc::IFF_LOOPBACK) as u32;
        assert_eq!(flags_text(lo), "UP, RUNNING, no broadcast, loopback, no multicast");
        let eth = (libc::IFF_UP | libc::IFF_RUNNING | libc::IFF_BROADCAST | libc::IFF_MULTICAST) as u32;
        assert_eq!(flags_text(eth), "UP, RUNNING");
        let down = (libc::IFF_BROADCAST | libc::IFF_MULTICAST) as u32;
        assert_eq!(flags_text(down), "not UP, not RUNNING");
    }
}
