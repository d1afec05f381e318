//! The interface table and its monitor: links and IPv4/IPv6 addresses as keepalived's
//! `netlink_if_link_filter()` / `netlink_if_address_filter()` track them
//! (`keepalived/core/keepalived_netlink.c`), turned into [`IfState`] values for the engine.
//!
//! keepalived's idea of an interface's addresses: the *primary* IPv4 address is the first one
//! seen that is not one of our VIPs; later ones are extras, and when the primary goes the last
//! extra takes its place. The same holds for IPv6 link-local (scope link) addresses.

use std::collections::{BTreeMap, HashSet};
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::AsRawFd;

use futures::StreamExt;
use futures::channel::mpsc::UnboundedReceiver;
use netlink_packet_core::{NetlinkMessage, NetlinkPayload};
use netlink_packet_route::address::{AddressAttribute, AddressMessage, AddressScope};
use netlink_packet_route::link::{LinkAttribute, LinkFlags, LinkMessage};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use netlink_sys::{AsyncSocket, SocketAddr};
use rtnetlink::MulticastGroup;

use super::{Netlink, Result};
use crate::log::LogLine;
use crate::vrrp::event::IfState;

/// `IFF_UP | IFF_RUNNING`: keepalived's `FLAGS_UP()`.
fn flags_up(flags: LinkFlags) -> bool {
    flags.contains(LinkFlags::Up | LinkFlags::Running)
}

/// What the monitor reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MonitorEvent {
    /// An interface appeared or its state (link, MAC, primary addresses, name) changed.
    Interface(IfState),
    /// An interface was deleted (or renamed away from this name).
    Gone(String),
    /// Messages were lost (receive buffer overrun): the table was re-read from the kernel and
    /// the events that follow give every interface's current state.
    Resync,
}

/// The outcome of one kernel message (or of a resync): keepalived's log lines, to be written
/// before the events are handed to the engine. Never both empty.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MonitorUpdate {
    /// Log lines, in keepalived's wording.
    pub logs: Vec<LogLine>,
    /// Events for the engine.
    pub events: Vec<MonitorEvent>,
}

/// One interface as the table keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Iface {
    name: String,
    index: u32,
    flags: LinkFlags,
    mac: [u8; 6],
    ipv4: Option<Ipv4Addr>,
    ipv4_extra: Vec<Ipv4Addr>,
    ipv6_ll: Option<Ipv6Addr>,
    ipv6_extra: Vec<Ipv6Addr>,
}

impl Iface {
    fn state(&self) -> IfState {
        IfState {
            name: self.name.clone(),
            index: self.index,
            up: flags_up(self.flags),
            mac: self.mac,
            ipv4: self.ipv4,
            ipv6_ll: self.ipv6_ll,
        }
    }
}

/// Fields of a link message.
fn link_fields(m: &LinkMessage) -> (Option<String>, Option<[u8; 6]>) {
    let mut name = None;
    let mut mac = None;
    for a in &m.attributes {
        match a {
            LinkAttribute::IfName(n) => name = Some(n.clone()),
            LinkAttribute::Address(b) => {
                let mut m = [0u8; 6];
                if b.len() == 6 {
                    m.copy_from_slice(b);
                }
                mac = Some(m);
            }
            _ => {}
        }
    }
    (name, mac)
}

/// The local address of an address message (IFA_LOCAL, else IFA_ADDRESS).
fn local_address(m: &AddressMessage) -> Option<IpAddr> {
    let mut address = None;
    for a in &m.attributes {
        match a {
            AddressAttribute::Local(ip) => return Some(*ip),
            AddressAttribute::Address(ip) => address = Some(*ip),
            _ => {}
        }
    }
    address
}

/// The interface table, fed with kernel messages. Pure: no sockets.
#[derive(Clone, Debug, Default)]
pub struct IfTable {
    ifaces: BTreeMap<u32, Iface>,
    /// The last state handed out per ifindex: events are only emitted on change.
    reported: BTreeMap<u32, IfState>,
    ours: HashSet<IpAddr>,
    tracked: Option<HashSet<String>>,
}

impl IfTable {
    /// Addresses that are ours (VIPs, eVIPs): they never become an interface's primary
    /// address (keepalived's `ignore_address_if_ours_or_link_local()`).
    pub fn set_ours(&mut self, addrs: impl IntoIterator<Item = IpAddr>) {
        self.ours = addrs.into_iter().collect();
    }

    /// The interfaces some instance uses or tracks: only they get keepalived's "Netlink
    /// reports" and "Assigned address" lines. Until this is called every interface does.
    pub fn set_tracked(&mut self, names: impl IntoIterator<Item = String>) {
        self.tracked = Some(names.into_iter().collect());
    }

    fn is_tracked(&self, name: &str) -> bool {
        self.tracked.as_ref().is_none_or(|t| t.contains(name))
    }

    /// Current states, by ifindex.
    pub fn states(&self) -> Vec<IfState> {
        self.ifaces.values().map(Iface::state).collect()
    }

    /// The ifindex of an interface name.
    pub fn index_of(&self, name: &str) -> Option<u32> {
        self.ifaces.values().find(|i| i.name == name).map(|i| i.index)
    }

    /// Loads a dump (links, then addresses) without logging, and marks every state as reported.
    pub fn load(&mut self, dump: &[RouteNetlinkMessage]) {
        self.ifaces.clear();
        let mut sink = Vec::new();
        for m in dump.iter().filter(|m| matches!(m, RouteNetlinkMessage::NewLink(_))) {
            self.apply(m, &mut sink);
        }
        for m in dump.iter().filter(|m| !matches!(m, RouteNetlinkMessage::NewLink(_))) {
            self.apply(m, &mut sink);
        }
        self.reported = self.ifaces.iter().map(|(k, v)| (*k, v.state())).collect();
    }

    /// Applies one kernel message, appending keepalived's log lines to `logs`.
    fn apply(&mut self, msg: &RouteNetlinkMessage, logs: &mut Vec<LogLine>) {
        match msg {
            RouteNetlinkMessage::NewLink(l) => self.new_link(l, logs),
            RouteNetlinkMessage::DelLink(l) => {
                if let Some(i) = self.ifaces.remove(&l.header.index) {
                    let line = format!("Interface {} deleted", i.name);
                    logs.push(if self.is_tracked(&i.name) {
                        LogLine::info(line)
                    } else {
                        LogLine::detail(line)
                    });
                }
            }
            RouteNetlinkMessage::NewAddress(a) => self.address(a, true, logs),
            RouteNetlinkMessage::DelAddress(a) => self.address(a, false, logs),
            _ => {}
        }
    }

    fn new_link(&mut self, l: &LinkMessage, logs: &mut Vec<LogLine>) {
        let (name, mac) = link_fields(l);
        let index = l.header.index;
        let tracked_name = name.clone();
        match self.ifaces.get_mut(&index) {
            Some(i) => {
                let was_up = flags_up(i.flags);
                if let Some(n) = name {
                    if n != i.name {
                        logs.push(LogLine::info(format!(
                            "Interface name has changed from {} to {n}",
                            i.name
                        )));
                        i.name = n;
                    }
                }
                if let Some(m) = mac {
                    i.mac = m;
                }
                i.flags = l.header.flags;
                let now_up = flags_up(i.flags);
                let name = i.name.clone();
                if was_up != now_up && self.is_tracked(&name) {
                    logs.push(LogLine::info(format!(
                        "Netlink reports {name} {}",
                        if now_up { "up" } else { "down" }
                    )));
                }
            }
            None => {
                let Some(name) = tracked_name else { return };
                if self.tracked.as_ref().is_some_and(|t| t.contains(&name)) {
                    logs.push(LogLine::detail(format!("Interface {name} added")));
                }
                self.ifaces.insert(
                    index,
                    Iface {
                        name,
                        index,
                        flags: l.header.flags,
                        mac: mac.unwrap_or_default(),
                        ipv4: None,
                        ipv4_extra: Vec::new(),
                        ipv6_ll: None,
                        ipv6_extra: Vec::new(),
                    },
                );
            }
        }
    }

    fn address(&mut self, a: &AddressMessage, new: bool, logs: &mut Vec<LogLine>) {
        let Some(ip) = local_address(a) else { return };
        let link_scope = a.header.scope == AddressScope::Link;
        let ours = self.ours.contains(&ip);
        let Some(tracked) = self.ifaces.get(&a.header.index).map(|i| self.is_tracked(&i.name)) else {
            return;
        };
        let Some(i) = self.ifaces.get_mut(&a.header.index) else {
            return;
        };
        let (assigned, deassigned) = match (a.header.family, ip) {
            (AddressFamily::Inet, IpAddr::V4(v4)) => promote(&mut i.ipv4, &mut i.ipv4_extra, v4, new, ours),
            (AddressFamily::Inet6, IpAddr::V6(v6)) if link_scope => {
                promote(&mut i.ipv6_ll, &mut i.ipv6_extra, v6, new, ours)
            }
            _ => (false, false),
        };
        if tracked && assigned {
            logs.push(LogLine::detail(format!(
                "Assigned address {ip} for interface {}",
                i.name
            )));
        }
        if tracked && deassigned {
            logs.push(LogLine::detail(format!(
                "Deassigned address {ip} from interface {}",
                i.name
            )));
        }
    }

    /// Events for every interface whose state differs from what was last reported, and for
    /// those that went.
    fn changes(&mut self) -> Vec<MonitorEvent> {
        let mut events = Vec::new();
        let gone: Vec<u32> = self
            .reported
            .keys()
            .filter(|k| !self.ifaces.contains_key(k))
            .copied()
            .collect();
        for k in gone {
            if let Some(s) = self.reported.remove(&k) {
                events.push(MonitorEvent::Gone(s.name));
            }
        }
        for (k, i) in &self.ifaces {
            let s = i.state();
            match self.reported.get(k) {
                Some(old) if *old == s => {}
                old => {
                    if let Some(old) = old.filter(|o| o.name != s.name) {
                        events.push(MonitorEvent::Gone(old.name.clone()));
                    }
                    events.push(MonitorEvent::Interface(s.clone()));
                    self.reported.insert(*k, s);
                }
            }
        }
        events
    }

    /// Applies one kernel message and returns what changed.
    pub fn handle(&mut self, msg: &RouteNetlinkMessage) -> MonitorUpdate {
        let mut logs = Vec::new();
        self.apply(msg, &mut logs);
        MonitorUpdate {
            logs,
            events: self.changes(),
        }
    }

    /// Replaces the table with a fresh dump after lost messages: logs link and primary-address
    /// changes as if they had been seen, then reports [`MonitorEvent::Resync`], every current
    /// interface, and the interfaces that went.
    pub fn resync(&mut self, dump: &[RouteNetlinkMessage]) -> MonitorUpdate {
        let old = std::mem::take(&mut self.ifaces);
        let mut fresh = IfTable {
            ours: self.ours.clone(),
            tracked: self.tracked.clone(),
            ..IfTable::default()
        };
        fresh.load(dump);
        let mut logs = Vec::new();
        for (k, o) in &old {
            let tracked = self.is_tracked(&o.name);
            let Some(n) = fresh.ifaces.get_mut(k) else {
                let line = format!("Interface {} deleted", o.name);
                logs.push(if tracked {
                    LogLine::info(line)
                } else {
                    LogLine::detail(line)
                });
                continue;
            };
            // Keep the primary addresses that are still there, as keepalived would have.
            keep_primary(&mut n.ipv4, &mut n.ipv4_extra, o.ipv4);
            keep_primary(&mut n.ipv6_ll, &mut n.ipv6_extra, o.ipv6_ll);
            if !tracked {
                continue;
            }
            if flags_up(o.flags) != flags_up(n.flags) {
                logs.push(LogLine::info(format!(
                    "Netlink reports {} {}",
                    n.name,
                    if flags_up(n.flags) { "up" } else { "down" }
                )));
            }
            let pairs = [
                (o.ipv4.map(IpAddr::V4), n.ipv4.map(IpAddr::V4)),
                (o.ipv6_ll.map(IpAddr::V6), n.ipv6_ll.map(IpAddr::V6)),
            ];
            for (before, after) in pairs {
                match (before, after) {
                    (None, Some(a)) => logs.push(LogLine::detail(format!(
                        "Assigned address {a} for interface {}",
                        n.name
                    ))),
                    (Some(b), None) => logs.push(LogLine::detail(format!(
                        "Deassigned address {b} from interface {}",
                        n.name
                    ))),
                    _ => {}
                }
            }
        }
        self.ifaces = fresh.ifaces;
        let mut events = vec![MonitorEvent::Resync];
        for (k, s) in std::mem::take(&mut self.reported) {
            if !self.ifaces.contains_key(&k) {
                events.push(MonitorEvent::Gone(s.name));
            }
        }
        for (k, i) in &self.ifaces {
            let s = i.state();
            events.push(MonitorEvent::Interface(s.clone()));
            self.reported.insert(*k, s);
        }
        MonitorUpdate { logs, events }
    }
}

/// keepalived's primary/extra bookkeeping for one family. Returns (assigned, deassigned): the
/// primary went from none to some, or from some to none.
fn promote<A: Copy + PartialEq>(
    primary: &mut Option<A>,
    extra: &mut Vec<A>,
    addr: A,
    new: bool,
    ours: bool,
) -> (bool, bool) {
    if new {
        if ours {
            return (false, false);
        }
        match primary {
            None => {
                *primary = Some(addr);
                (true, false)
            }
            Some(p) if *p == addr => (false, false),
            Some(_) => {
                if !extra.contains(&addr) {
                    extra.push(addr);
                }
                (false, false)
            }
        }
    } else if *primary == Some(addr) {
        *primary = extra.pop();
        (false, primary.is_none())
    } else {
        extra.retain(|x| *x != addr);
        (false, false)
    }
}

/// After a re-read, restores `old` as the primary if it is still present.
fn keep_primary<A: Copy + PartialEq>(primary: &mut Option<A>, extra: &mut Vec<A>, old: Option<A>) {
    let Some(old) = old else { return };
    if *primary == Some(old) {
        return;
    }
    if let Some(pos) = extra.iter().position(|x| *x == old) {
        extra.remove(pos);
        if let Some(p) = primary.replace(old) {
            extra.insert(0, p);
        }
    }
}

impl Netlink {
    /// Dumps links and IPv4/IPv6 addresses.
    async fn dump_links_and_addresses(&self) -> Result<Vec<RouteNetlinkMessage>> {
        let mut out = self.dump(RouteNetlinkMessage::GetLink(LinkMessage::default())).await?;
        for family in [AddressFamily::Inet, AddressFamily::Inet6] {
            let mut m = AddressMessage::default();
            m.header.family = family;
            out.extend(self.dump(RouteNetlinkMessage::GetAddress(m)).await?);
        }
        Ok(out)
    }

    /// Every address configured on any interface, one entry per interface holding it
    /// (the checker's `ha_suspend` counts them).
    pub async fn local_addresses(&self) -> Result<Vec<IpAddr>> {
        let mut out = Vec::new();
        for m in self.dump_links_and_addresses().await? {
            if let RouteNetlinkMessage::NewAddress(a) = m
                && let Some(ip) = local_address(&a)
            {
                out.push(ip);
            }
        }
        Ok(out)
    }

    /// The interface table now, by ifindex: up = IFF_UP and IFF_RUNNING, primary IPv4 = the
    /// first IPv4 address, ipv6_ll = the first link-local IPv6 address.
    pub async fn dump_interfaces(&self) -> Result<Vec<IfState>> {
        self.dump_interfaces_ignoring(&HashSet::new()).await
    }

    /// [`Netlink::dump_interfaces`] without counting `ours` (VIPs) as primary addresses.
    pub async fn dump_interfaces_ignoring(&self, ours: &HashSet<IpAddr>) -> Result<Vec<IfState>> {
        let dump = self.dump_links_and_addresses().await?;
        let mut t = IfTable::default();
        t.set_ours(ours.iter().copied());
        t.load(&dump);
        Ok(t.states())
    }

    /// The ifindex of an interface, if it exists.
    pub async fn index_of(&self, name: &str) -> Result<Option<u32>> {
        let links = self.dump(RouteNetlinkMessage::GetLink(LinkMessage::default())).await?;
        Ok(links.iter().find_map(|m| match m {
            RouteNetlinkMessage::NewLink(l) => (link_fields(l).0.as_deref() == Some(name)).then_some(l.header.index),
            _ => None,
        }))
    }
}

/// Watches links and addresses (keepalived's `nl_kernel` reflector socket).
pub struct Monitor {
    rx: UnboundedReceiver<(NetlinkMessage<RouteNetlinkMessage>, SocketAddr)>,
    cmd: Netlink,
    table: IfTable,
    primed: bool,
}

/// Receive buffer settings for the monitor socket (`vrrp_netlink_monitor_rcv_bufs[_force]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RcvBuf {
    /// Bytes (`SO_RCVBUF`); the kernel doubles it.
    pub size: usize,
    /// Use `SO_RCVBUFFORCE` to exceed `rmem_max`.
    pub force: bool,
}

/// Opens the monitor on the current tokio runtime with the kernel's default buffer.
pub fn monitor() -> io::Result<Monitor> {
    Monitor::new(None)
}

fn set_rcvbuf(fd: i32, buf: RcvBuf) -> io::Result<()> {
    let opt = if buf.force {
        libc::SO_RCVBUFFORCE
    } else {
        libc::SO_RCVBUF
    };
    let size = libc::c_int::try_from(buf.size).unwrap_or(libc::c_int::MAX);
    // SAFETY: setsockopt on a socket we own, with a pointer to a live c_int and its size.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            libc::SOL_SOCKET,
            opt,
            (&size as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

impl Monitor {
    /// Subscribes to link, IPv4 address and IPv6 address notifications, optionally with a
    /// receive buffer size.
    pub fn new(rcvbuf: Option<RcvBuf>) -> io::Result<Monitor> {
        let rt =
            tokio::runtime::Handle::try_current().map_err(|e| io::Error::other(format!("no tokio runtime: {e}")))?;
        let groups = [
            MulticastGroup::Link,
            MulticastGroup::Ipv4Ifaddr,
            MulticastGroup::Ipv6Ifaddr,
        ];
        let (mut conn, _handle, rx) = rtnetlink::new_multicast_connection(&groups)?;
        if let Some(b) = rcvbuf {
            set_rcvbuf(conn.socket_mut().socket_mut().as_raw_fd(), b)?;
        }
        rt.spawn(conn);
        Ok(Monitor {
            rx,
            cmd: Netlink::new()?,
            table: IfTable::default(),
            primed: false,
        })
    }

    /// The table (e.g. to look up an ifindex).
    pub fn table(&self) -> &IfTable {
        &self.table
    }

    /// See [`IfTable::set_ours`].
    pub fn set_ours(&mut self, addrs: impl IntoIterator<Item = IpAddr>) {
        self.table.set_ours(addrs);
    }

    /// See [`IfTable::set_tracked`].
    pub fn set_tracked(&mut self, names: impl IntoIterator<Item = String>) {
        self.table.set_tracked(names);
    }

    /// Reads the current table from the kernel (once; `next()` does it if not called) and
    /// returns it. Notifications queued since the subscription are applied after it, so the
    /// table converges to the kernel's.
    pub async fn initial(&mut self) -> Result<Vec<IfState>> {
        let dump = self.cmd.dump_links_and_addresses().await?;
        self.table.load(&dump);
        self.primed = true;
        Ok(self.table.states())
    }

    /// The next change, or `None` when the socket is gone.
    pub async fn next(&mut self) -> Option<MonitorUpdate> {
        if !self.primed {
            // A failed first read leaves an empty table: the notifications still fill it.
            let _ = self.initial().await;
            self.primed = true;
        }
        loop {
            let (msg, _) = self.rx.next().await?;
            let update = match msg.payload {
                NetlinkPayload::InnerMessage(m) => self.table.handle(&m),
                NetlinkPayload::Overrun(_) => self.overrun().await,
                _ => continue,
            };
            if !update.logs.is_empty() || !update.events.is_empty() {
                return Some(update);
            }
        }
    }

    /// Lost messages: keepalived's log lines, then a fresh read of everything.
    async fn overrun(&mut self) -> MonitorUpdate {
        let mut logs = vec![
            LogLine::info(format!(
                "Netlink: Receive buffer overrun on monitor socket - ({})",
                super::strerror(libc::ENOBUFS)
            )),
            LogLine::info("  - increase the relevant netlink_rcv_bufs global parameter and/or set force"),
        ];
        match self.cmd.dump_links_and_addresses().await {
            Ok(dump) => {
                let mut u = self.table.resync(&dump);
                logs.append(&mut u.logs);
                MonitorUpdate { logs, events: u.events }
            }
            Err(e) => {
                logs.push(e.log_line());
                MonitorUpdate {
                    logs,
                    events: Vec::new(),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netlink_packet_route::address::AddressHeader;

    fn link(index: u32, name: &str, up: bool) -> RouteNetlinkMessage {
        let mut l = LinkMessage::default();
        l.header.index = index;
        l.header.flags = if up {
            LinkFlags::Up | LinkFlags::Running
        } else {
            LinkFlags::Up
        };
        l.attributes.push(LinkAttribute::IfName(name.into()));
        l.attributes
            .push(LinkAttribute::Address(vec![2, 0, 0, 0, 0, index as u8]));
        RouteNetlinkMessage::NewLink(l)
    }

    fn addr(index: u32, ip: &str, new: bool) -> RouteNetlinkMessage {
        let ip: IpAddr = ip.parse().unwrap();
        let mut m = AddressMessage::default();
        m.header = AddressHeader::default();
        m.header.index = index;
        m.header.family = if ip.is_ipv6() {
            AddressFamily::Inet6
        } else {
            AddressFamily::Inet
        };
        if let IpAddr::V6(v6) = ip {
            if v6.segments()[0] == 0xfe80 {
                m.header.scope = AddressScope::Link;
            }
        }
        m.attributes.push(AddressAttribute::Address(ip));
        if ip.is_ipv4() {
            m.attributes.push(AddressAttribute::Local(ip));
        }
        if new {
            RouteNetlinkMessage::NewAddress(m)
        } else {
            RouteNetlinkMessage::DelAddress(m)
        }
    }

    fn texts(u: &MonitorUpdate) -> Vec<&str> {
        u.logs.iter().map(|l| l.text.as_str()).collect()
    }

    /// netlink_if_address_filter(): first address becomes primary ("Assigned"), the last extra
    /// takes over when it goes, and "Deassigned" only when none is left. VIPs never count.
    #[test]
    fn primary_address_bookkeeping() {
        let mut t = IfTable::default();
        t.set_ours(["10.0.0.100".parse().unwrap()]);
        t.load(&[link(2, "eth0", true)]);
        let u = t.handle(&addr(2, "10.0.0.100", true));
        assert_eq!(u, MonitorUpdate::default());
        let u = t.handle(&addr(2, "10.0.0.1", true));
        assert_eq!(texts(&u), ["Assigned address 10.0.0.1 for interface eth0"]);
        assert!(u.logs[0].detail);
        assert!(matches!(&u.events[..], [MonitorEvent::Interface(s)] if s.ipv4 == Some("10.0.0.1".parse().unwrap())));
        t.handle(&addr(2, "10.0.0.2", true));
        let u = t.handle(&addr(2, "10.0.0.3", true));
        assert!(u.events.is_empty(), "extras do not change the state");
        let u = t.handle(&addr(2, "10.0.0.1", false));
        assert!(u.logs.is_empty());
        assert!(matches!(&u.events[..], [MonitorEvent::Interface(s)] if s.ipv4 == Some("10.0.0.3".parse().unwrap())));
        t.handle(&addr(2, "10.0.0.3", false));
        let u = t.handle(&addr(2, "10.0.0.2", false));
        assert_eq!(texts(&u), ["Deassigned address 10.0.0.2 from interface eth0"]);
        // IPv6: only link-local addresses count.
        let u = t.handle(&addr(2, "2001:db8::1", true));
        assert!(u.events.is_empty());
        let u = t.handle(&addr(2, "fe80::1", true));
        assert!(matches!(&u.events[..], [MonitorEvent::Interface(s)] if s.ipv6_ll == Some("fe80::1".parse().unwrap())));
    }

    /// process_interface_flags_change(): "Netlink reports X up/down" for tracked interfaces
    /// only; "Interface X deleted" at info when tracked.
    #[test]
    fn link_changes_and_tracking() {
        let mut t = IfTable::default();
        t.set_tracked(["eth0".to_string()]);
        t.load(&[link(2, "eth0", true), link(3, "eth1", true)]);
        let u = t.handle(&link(2, "eth0", false));
        assert_eq!(texts(&u), ["Netlink reports eth0 down"]);
        assert!(matches!(&u.events[..], [MonitorEvent::Interface(s)] if !s.up));
        let u = t.handle(&link(3, "eth1", false));
        assert!(u.logs.is_empty());
        assert_eq!(u.events.len(), 1);
        let u = t.handle(&link(2, "eth0", false));
        assert_eq!(u, MonitorUpdate::default(), "no change, nothing reported");
        let mut del = LinkMessage::default();
        del.header.index = 2;
        let u = t.handle(&RouteNetlinkMessage::DelLink(del));
        assert_eq!(texts(&u), ["Interface eth0 deleted"]);
        assert!(!u.logs[0].detail);
        assert_eq!(u.events, vec![MonitorEvent::Gone("eth0".into())]);
    }

    /// A rename reports the old name gone and the new state.
    #[test]
    fn rename() {
        let mut t = IfTable::default();
        t.load(&[link(2, "eth0", true)]);
        let u = t.handle(&link(2, "wan0", true));
        assert_eq!(texts(&u), ["Interface name has changed from eth0 to wan0"]);
        assert!(
            matches!(&u.events[..], [MonitorEvent::Gone(g), MonitorEvent::Interface(s)] if g == "eth0" && s.name == "wan0")
        );
    }

    /// Resync after an overrun: Resync first, then every interface; vanished ones Gone; lost
    /// link and address changes logged; a primary still present is kept.
    #[test]
    fn resync_reports_everything() {
        let mut t = IfTable::default();
        t.load(&[
            link(2, "eth0", true),
            link(3, "eth1", true),
            addr(2, "10.0.0.1", true),
            addr(2, "10.0.0.2", true),
        ]);
        t.handle(&addr(2, "10.0.0.1", false)); // 10.0.0.2 is primary now
        t.handle(&addr(2, "10.0.0.1", true)); // extra again
        let u = t.resync(&[
            link(2, "eth0", false),
            addr(2, "10.0.0.1", true),
            addr(2, "10.0.0.2", true),
            link(4, "eth2", true),
        ]);
        assert_eq!(texts(&u), ["Netlink reports eth0 down", "Interface eth1 deleted"]);
        assert_eq!(u.events[0], MonitorEvent::Resync);
        assert!(u.events.contains(&MonitorEvent::Gone("eth1".into())));
        let eth0 = u.events.iter().find_map(|e| match e {
            MonitorEvent::Interface(s) if s.name == "eth0" => Some(s.clone()),
            _ => None,
        });
        let eth0 = eth0.expect("eth0 reported");
        assert!(!eth0.up);
        assert_eq!(eth0.ipv4, Some("10.0.0.2".parse().unwrap()));
        assert!(
            u.events
                .iter()
                .any(|e| matches!(e, MonitorEvent::Interface(s) if s.name == "eth2"))
        );
        // After the resync nothing is pending.
        assert_eq!(t.handle(&link(4, "eth2", true)), MonitorUpdate::default());
    }

    /// Address messages for unknown interfaces and malformed ones are ignored.
    #[test]
    fn unknown_and_malformed() {
        let mut t = IfTable::default();
        assert_eq!(t.handle(&addr(9, "10.0.0.1", true)), MonitorUpdate::default());
        let mut m = AddressMessage::default();
        m.header.index = 9;
        assert_eq!(t.handle(&RouteNetlinkMessage::NewAddress(m)), MonitorUpdate::default());
        let mut l = LinkMessage::default();
        l.header.index = 5;
        assert_eq!(t.handle(&RouteNetlinkMessage::NewLink(l)), MonitorUpdate::default());
    }
}
