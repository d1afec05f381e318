//! Sending gratuitous ARPs and unsolicited neighbour advertisements, paced per interface as
//! keepalived 2.2.7 does (`vrrp.c vrrp_send_link_update()`, `vrrp_arp.c`, `vrrp_ndisc.c`,
//! `vrrp_scheduler.c vrrp_arp_thread()`).
//!
//! Three layers:
//! - [`Pacer`]: keepalived's queueing rules, pure (time and sending come through a
//!   [`FrameSink`]);
//! - [`Announcer`]: the pacer on real `AF_PACKET` sockets ([`Channels`]); every call returns at
//!   once (sockets are non-blocking), queued frames go out from [`Announcer::on_timer`];
//! - [`AnnouncerHandle`]: the announcer in a tokio task behind a channel, for callers that do
//!   not want to drive the timer themselves.
//!
//! keepalived's pacing (`vrrp_garp_interval`, `vrrp_gna_interval`, `garp_group`) has a quirk this
//! module keeps: a frame due while its interface's interval has not elapsed only marks its
//! address *pending*, and an address is pending at most once. So with an interval, a request
//! for 5 frames per address sends the first at once and one more per address later, each at
//! least one interval after the previous frame on that interface (observed with keepalived
//! 2.2.7: 2 frames for the first VIP, 1 for the second).

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockFilter, Socket, Type};
use tokio::sync::mpsc;

use crate::log::LogLine;
use crate::vrrp::event::Time;
use crate::vrrp::garp::{self, ARPHRD_ETHER, ETH_P_ARP, ETH_P_IPV6};
use crate::vrrp::socket::{strerror, sys};

/// How frames on an interface are spaced (keepalived's per-interface `garp_delay`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pacing {
    /// Interfaces with the same key share one spacing: the base interface's name, or a
    /// `garp_group` label when a group lists several interfaces.
    pub key: String,
    /// Minimum time between two gratuitous ARPs (`vrrp_garp_interval`; zero: no spacing).
    pub garp_interval: Duration,
    /// Minimum time between two unsolicited NAs (`vrrp_gna_interval`; zero: no spacing).
    pub gna_interval: Duration,
}

/// The interface an address is announced on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnnounceIf {
    /// Interface the address is on (the VMAC when `use_vmac`): frames are sent there.
    pub name: String,
    /// Its ifindex.
    pub index: u32,
    /// Its MAC: the Ethernet source and the ARP sender / NA target link-layer address. All
    /// zero (no hardware address): no ARP is sent, as keepalived.
    pub mac: [u8; 6],
    /// The base interface (itself unless a VMAC/ipvlan): its IPv6 `forwarding` sysctl sets the
    /// NA router flag.
    pub base_name: String,
    /// The base interface has IFF_NOARP: nothing is sent.
    pub noarp: bool,
    /// Spacing.
    pub pacing: Pacing,
}

/// One address to announce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnnounceAddr {
    /// The VIP or eVIP.
    pub addr: IpAddr,
    /// Where.
    pub iface: AnnounceIf,
}

/// "Send `count` frames for each of these addresses" (keepalived's `vrrp_send_link_update()`,
/// which the caller only invokes while the instance's VIPs are set).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnnounceRequest {
    /// The instance's index in the configuration: queued frames go out in instance order, then
    /// address order, as keepalived walks its instance list; [`Announcer::cancel`] takes it.
    pub instance: usize,
    /// The instance name (log lines).
    pub owner: String,
    /// Frames per address.
    pub count: u32,
    /// VIPs then eVIPs, in configuration order.
    pub addrs: Vec<AnnounceAddr>,
}

/// What kind of frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameKind {
    /// Gratuitous ARP (IPv4).
    Arp,
    /// Unsolicited neighbour advertisement (IPv6).
    Na,
}

impl FrameKind {
    fn of(addr: &IpAddr) -> FrameKind {
        if addr.is_ipv4() { FrameKind::Arp } else { FrameKind::Na }
    }

    fn interval(self, p: &Pacing) -> Duration {
        match self {
            FrameKind::Arp => p.garp_interval,
            FrameKind::Na => p.gna_interval,
        }
    }
}

/// Where the pacer sends frames and reads the time.
pub trait FrameSink {
    /// The current time.
    fn now(&self) -> Time;
    /// Sends one frame now (logging what keepalived logs around the `sendto`).
    fn send(&mut self, addr: &AnnounceAddr);
    /// Writes a log line.
    fn log(&mut self, line: LogLine);
}

#[derive(Clone, Debug)]
struct Pending {
    /// (instance, index in the request's addresses): the order of sending.
    order: (usize, usize),
    addr: AnnounceAddr,
}

/// keepalived's GARP/NA queueing, without I/O.
#[derive(Debug, Default)]
pub struct Pacer {
    /// Earliest time of the next frame per (pacing key, kind) (`garp_next_time`,
    /// `gna_next_time`); absent until a paced frame was sent.
    next: HashMap<(String, FrameKind), Time>,
    /// Addresses waiting for their interface, each at most once per instance (`garp_gna_pending`).
    pending: Vec<Pending>,
    /// When [`Pacer::on_timer`] wants to run (keepalived's `garp_thread`).
    wake: Option<Time>,
}

impl Pacer {
    /// A pacer with nothing sent yet.
    pub fn new() -> Pacer {
        Pacer::default()
    }

    /// Carries out a request: for each repetition, each address is sent at once or queued
    /// (`vrrp_send_link_update()` → `send_gratuitous_arp()` / `ndisc_send_unsolicited_na()`).
    /// The `-D` line "(%s) Sending/queueing gratuitous ARPs on %s for %s" belongs to
    /// `vrrp_send_link_update()` and is logged by the engine, which decides the announcement.
    pub fn submit(&mut self, req: &AnnounceRequest, sink: &mut impl FrameSink) {
        for _ in 0..req.count {
            for (idx, a) in req.addrs.iter().enumerate() {
                if a.iface.noarp {
                    continue;
                }
                let kind = FrameKind::of(&a.addr);
                let now = sink.now();
                match self.next.get(&(a.iface.pacing.key.clone(), kind)) {
                    Some(&next) if !kind.interval(&a.iface.pacing).is_zero() && now < next => {
                        self.queue((req.instance, idx), a, now + kind.interval(&a.iface.pacing));
                    }
                    _ => self.send_now(a, sink),
                }
            }
        }
    }

    /// When [`Pacer::on_timer`] should run next, if anything is queued.
    pub fn deadline(&self) -> Option<Time> {
        self.wake
    }

    /// Sends the queued addresses whose interface is free again (keepalived's
    /// `vrrp_arp_thread()` / `vrrp_arpna_send()`), and sets the next deadline.
    pub fn on_timer(&mut self, sink: &mut impl FrameSink) {
        let now = sink.now();
        let mut wake: Option<Time> = None;
        let mut i = 0;
        while i < self.pending.len() {
            let a = &self.pending[i].addr;
            let kind = FrameKind::of(&a.addr);
            match self.next.get(&(a.iface.pacing.key.clone(), kind)) {
                Some(&next) if now < next => {
                    wake = Some(wake.map_or(next, |w| w.min(next)));
                    i += 1;
                }
                _ => {
                    let p = self.pending.remove(i);
                    self.send_now(&p.addr, sink);
                }
            }
        }
        self.wake = wake;
    }

    /// Drops an instance's queued frames (keepalived drops them when the instance is no longer
    /// master or its addresses are gone).
    pub fn cancel(&mut self, instance: usize) {
        self.pending.retain(|p| p.order.0 != instance);
        if self.pending.is_empty() {
            self.wake = None;
        }
    }

    /// Number of queued addresses.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    fn send_now(&mut self, a: &AnnounceAddr, sink: &mut impl FrameSink) {
        sink.send(a);
        let kind = FrameKind::of(&a.addr);
        let interval = kind.interval(&a.iface.pacing);
        if !interval.is_zero() {
            // Measured after the send, so frames are never closer than the interval.
            self.next
                .insert((a.iface.pacing.key.clone(), kind), sink.now() + interval);
        }
    }

    fn queue(&mut self, order: (usize, usize), a: &AnnounceAddr, wake: Time) {
        let queued = self
            .pending
            .iter()
            .any(|p| p.order.0 == order.0 && p.addr.addr == a.addr && p.addr.iface.index == a.iface.index);
        if !queued {
            let at = self.pending.partition_point(|p| p.order < order);
            self.pending.insert(at, Pending { order, addr: a.clone() });
        }
        if self.wake.is_none_or(|w| wake < w) {
            self.wake = Some(wake);
        }
    }
}

/// The two `AF_PACKET` sockets ("gratuitous ARP shared channel", "gratuitous NDISC shared
/// channel"); either may be absent.
#[derive(Debug, Default)]
pub struct Channels {
    arp: Option<Socket>,
    ndisc: Option<Socket>,
}

/// Result of [`Channels::open`].
#[derive(Debug)]
pub struct ChannelsOpen {
    /// The channels (a failed one is absent; its frames then fail as keepalived's do).
    pub channels: Channels,
    /// keepalived's lines: "Registering gratuitous ARP shared channel" [-D] or "Error %d while
    /// registering gratuitous ARP shared channel", and the NDISC equivalents.
    pub lines: Vec<LogLine>,
    /// A socket failed with `EPERM` or `EAFNOSUPPORT`: keepalived stops the VRRP child
    /// (`KEEPALIVED_EXIT_MISSING_PERMISSION`).
    pub missing_permission: bool,
}

impl Channels {
    /// Opens the ARP channel when there is an IPv4 instance and the NDISC channel when there is
    /// an IPv6 one (keepalived's `gratuitous_arp_init()`, `ndisc_init()`).
    pub fn open(ipv4: bool, ipv6: bool) -> ChannelsOpen {
        let mut out = ChannelsOpen {
            channels: Channels::default(),
            lines: Vec::new(),
            missing_permission: false,
        };
        if ipv4 {
            out.channels.arp = open_channel(ETH_P_ARP, "ARP", &mut out);
        }
        if ipv6 {
            out.channels.ndisc = open_channel(ETH_P_IPV6, "NDISC", &mut out);
        }
        out
    }
}

fn open_channel(ethertype: u16, what: &str, out: &mut ChannelsOpen) -> Option<Socket> {
    let proto = Protocol::from(i32::from(ethertype.to_be()));
    let sock = match Socket::new(Domain::PACKET, Type::RAW.nonblocking().cloexec(), Some(proto)) {
        Ok(s) => s,
        Err(e) => {
            let code = e.raw_os_error().unwrap_or(0);
            out.lines.push(LogLine::info(format!(
                "Error {code} while registering gratuitous {what} shared channel"
            )));
            out.missing_permission |= code == libc::EPERM || code == libc::EAFNOSUPPORT;
            return None;
        }
    };
    out.lines
        .push(LogLine::detail(format!("Registering gratuitous {what} shared channel")));
    // Nothing is received on it.
    let drop_all = [SockFilter::new((libc::BPF_RET | libc::BPF_K) as u16, 0, 0, 0)];
    if let Err(e) = sock.attach_filter(&drop_all) {
        out.lines.push(LogLine::info(format!(
            "Can't set SO_ATTACH_FILTER option. errno={} ({})",
            e.raw_os_error().unwrap_or(0),
            strerror(&e)
        )));
        return None;
    }
    Some(sock)
}

/// How often keepalived re-reads an interface's IPv6 `forwarding` sysctl for the NA router
/// flag.
const ROUTER_RECHECK: Duration = Duration::from_secs(5);

/// The pacer on real sockets. Never blocks.
#[derive(Debug)]
pub struct Announcer {
    pacer: Pacer,
    channels: Channels,
    origin: Instant,
    /// Base interface → (when read, router flag).
    router: HashMap<String, (Instant, bool)>,
}

impl Announcer {
    /// An announcer sending on `channels`.
    pub fn new(channels: Channels) -> Announcer {
        Announcer {
            pacer: Pacer::new(),
            channels,
            origin: Instant::now(),
            router: HashMap::new(),
        }
    }

    /// Sends what is due now and queues the rest ([`Pacer::submit`]).
    pub fn announce(&mut self, req: &AnnounceRequest, log: &mut impl FnMut(LogLine)) {
        let (pacer, mut sink) = self.split(log);
        pacer.submit(req, &mut sink);
    }

    /// When [`Announcer::on_timer`] must be called, if anything is queued.
    pub fn deadline(&self) -> Option<Instant> {
        self.pacer.deadline().map(|t| self.origin + t)
    }

    /// Sends queued frames that are due.
    pub fn on_timer(&mut self, log: &mut impl FnMut(LogLine)) {
        let (pacer, mut sink) = self.split(log);
        pacer.on_timer(&mut sink);
    }

    /// Drops an instance's queued frames.
    pub fn cancel(&mut self, instance: usize) {
        self.pacer.cancel(instance);
    }

    /// Moves the announcer into a tokio task; `log` receives every line.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn spawn(self, log: impl FnMut(LogLine) + Send + 'static) -> AnnouncerHandle {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(self, rx, log));
        AnnouncerHandle { tx }
    }

    fn split<'a, L: FnMut(LogLine)>(&'a mut self, log: &'a mut L) -> (&'a mut Pacer, LiveSink<'a, L>) {
        let sink = LiveSink {
            channels: &self.channels,
            origin: self.origin,
            router: &mut self.router,
            log,
        };
        (&mut self.pacer, sink)
    }
}

enum Cmd {
    Announce(AnnounceRequest),
    Cancel(usize),
}

/// A running announcer: requests are queued to its task, never waited on. Dropping the handle
/// ends the task (queued frames are dropped).
#[derive(Clone, Debug)]
pub struct AnnouncerHandle {
    tx: mpsc::UnboundedSender<Cmd>,
}

impl AnnouncerHandle {
    /// Queues a request.
    pub fn announce(&self, req: AnnounceRequest) {
        // A send error means the task is gone (runtime shutting down): nothing to announce.
        let _ = self.tx.send(Cmd::Announce(req));
    }

    /// Drops an instance's queued frames.
    pub fn cancel(&self, instance: usize) {
        let _ = self.tx.send(Cmd::Cancel(instance));
    }
}

async fn run(mut a: Announcer, mut rx: mpsc::UnboundedReceiver<Cmd>, mut log: impl FnMut(LogLine)) {
    loop {
        let deadline = a.deadline().map(tokio::time::Instant::from_std);
        tokio::select! {
            cmd = rx.recv() => match cmd {
                Some(Cmd::Announce(req)) => a.announce(&req, &mut log),
                Some(Cmd::Cancel(instance)) => a.cancel(instance),
                None => return,
            },
            () = sleep_until(deadline) => a.on_timer(&mut log),
        }
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

struct LiveSink<'a, L> {
    channels: &'a Channels,
    origin: Instant,
    router: &'a mut HashMap<String, (Instant, bool)>,
    log: &'a mut L,
}

impl<L: FnMut(LogLine)> LiveSink<'_, L> {
    /// keepalived's `set_ipv6_forwarding()`: an unreadable sysctl reads as "router".
    fn router_flag(&mut self, base: &str) -> bool {
        let now = Instant::now();
        match self.router.get(base) {
            Some(&(at, flag)) if now.duration_since(at) <= ROUTER_RECHECK => flag,
            _ => {
                let path = format!("/proc/sys/net/ipv6/conf/{base}/forwarding");
                // keepalived reads one digit; anything but "0", including no file, is "router".
                let flag = !matches!(std::fs::read(path).as_deref().map(|b| b.first()), Ok(Some(b'0')));
                self.router.insert(base.to_string(), (now, flag));
                flag
            }
        }
    }

    fn send_arp(&mut self, a: &AnnounceAddr, vip: Ipv4Addr) {
        // keepalived's garp_buffer is absent without the channel, and an interface without a
        // hardware address is skipped: no frame, no line.
        let Some(sock) = &self.channels.arp else { return };
        if a.iface.mac == [0; 6] {
            return;
        }
        let name = &a.iface.name;
        (self.log)(LogLine::detail(format!("Sending gratuitous ARP on {name} for {vip}")));
        let frame = garp::gratuitous_arp(a.iface.mac, vip);
        let to = sys::link_layer_addr(a.iface.index, ETH_P_ARP, ARPHRD_ETHER, &[0xff; 6]);
        if let Err(e) = sock.send_to(&frame, &to) {
            (self.log)(LogLine::info(format!(
                "Error {} ({}) sending gratuitous ARP on {name} for {vip}",
                e.raw_os_error().unwrap_or(0),
                strerror(&e)
            )));
        }
    }

    fn send_na(&mut self, a: &AnnounceAddr, vip: Ipv6Addr) {
        let router = self.router_flag(&a.iface.base_name);
        let name = &a.iface.name;
        (self.log)(LogLine::detail(format!(
            "Sending unsolicited Neighbour Advert on {name} for {vip}"
        )));
        let frame = garp::unsolicited_na(a.iface.mac, vip, router);
        let to = sys::link_layer_addr(a.iface.index, ETH_P_IPV6, ARPHRD_ETHER, &a.iface.mac);
        let r = match &self.channels.ndisc {
            Some(sock) => sock.send_to(&frame, &to).map(drop),
            // keepalived sends on fd -1.
            None => Err(io::Error::from_raw_os_error(libc::EBADF)),
        };
        if let Err(e) = r {
            (self.log)(LogLine::info(format!(
                "Error {} sending ndisc unsolicited neighbour advert on {name} for {vip}",
                e.raw_os_error().unwrap_or(0)
            )));
        }
    }
}

impl<L: FnMut(LogLine)> FrameSink for LiveSink<'_, L> {
    fn now(&self) -> Time {
        self.origin.elapsed()
    }

    fn send(&mut self, a: &AnnounceAddr) {
        match a.addr {
            IpAddr::V4(v) => self.send_arp(a, v),
            IpAddr::V6(v) => self.send_na(a, v),
        }
    }

    fn log(&mut self, line: LogLine) {
        (self.log)(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake sink: a settable clock, recording (time, address) of each frame.
    #[derive(Default)]
    struct Rec {
        now: Time,
        sent: Vec<(Time, IpAddr)>,
        lines: Vec<String>,
    }

    impl FrameSink for Rec {
        fn now(&self) -> Time {
            self.now
        }
        fn send(&mut self, a: &AnnounceAddr) {
            self.sent.push((self.now, a.addr));
        }
        fn log(&mut self, line: LogLine) {
            self.lines.push(line.text);
        }
    }

    fn iface(name: &str, garp_ms: u64, gna_ms: u64) -> AnnounceIf {
        AnnounceIf {
            name: name.into(),
            index: 2,
            mac: [2, 0, 0, 0, 0, 1],
            base_name: name.into(),
            noarp: false,
            pacing: Pacing {
                key: name.into(),
                garp_interval: Duration::from_millis(garp_ms),
                gna_interval: Duration::from_millis(gna_ms),
            },
        }
    }

    fn req(instance: usize, owner: &str, count: u32, addrs: &[&str], iface: &AnnounceIf) -> AnnounceRequest {
        AnnounceRequest {
            instance,
            owner: owner.into(),
            count,
            addrs: addrs
                .iter()
                .map(|a| AnnounceAddr {
                    addr: a.parse().unwrap(),
                    iface: iface.clone(),
                })
                .collect(),
        }
    }

    /// Runs the timer whenever due until nothing is queued.
    fn drain(p: &mut Pacer, rec: &mut Rec) {
        while let Some(t) = p.deadline() {
            rec.now = rec.now.max(t);
            p.on_timer(rec);
        }
    }

    fn ms(n: u64) -> Time {
        Duration::from_millis(n)
    }

    /// Without an interval every repetition goes out at once, addresses interleaved per
    /// repetition (`vrrp_send_link_update()`); the pacer itself logs nothing (per-frame lines come
    /// from the live sink).
    #[test]
    fn unpaced_sends_count_times_each_address() {
        let mut p = Pacer::new();
        let mut rec = Rec::default();
        let i = iface("eth0", 0, 0);
        p.submit(&req(0, "VI_1", 3, &["10.0.0.1", "10.0.0.2"], &i), &mut rec);
        let sent: Vec<String> = rec.sent.iter().map(|(_, a)| a.to_string()).collect();
        assert_eq!(
            sent,
            ["10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.2"]
        );
        assert!(rec.lines.is_empty(), "{:?}", rec.lines);
        assert_eq!(p.deadline(), None);
    }

    /// keepalived 2.2.7 with vrrp_garp_interval 0.1, vrrp_gna_interval 0.1, 5 repeats, VIPs
    /// 10.9.0.100 and .101 and fd00::100 on one interface sent: .100 at 0, .100 at 100 ms, .101 at
    /// 200 ms; NA at 0 and 100 ms (tcpdump in a test namespace).
    #[test]
    fn paced_repeats_collapse_like_keepalived() {
        let mut p = Pacer::new();
        let mut rec = Rec::default();
        let i = iface("va", 100, 100);
        p.submit(&req(0, "VI", 5, &["10.9.0.100", "10.9.0.101"], &i), &mut rec);
        p.submit(&req(1, "VI6", 5, &["fd00::100"], &i), &mut rec);
        drain(&mut p, &mut rec);
        let got: Vec<(Time, String)> = rec.sent.iter().map(|(t, a)| (*t, a.to_string())).collect();
        assert_eq!(
            got,
            [
                (ms(0), "10.9.0.100".to_string()),
                (ms(0), "fd00::100".to_string()),
                (ms(100), "10.9.0.100".to_string()),
                (ms(100), "fd00::100".to_string()),
                (ms(200), "10.9.0.101".to_string()),
            ]
        );
        assert_eq!(p.pending(), 0);
    }

    /// Frames on one pacing key are at least an interval apart; other keys are independent.
    #[test]
    fn spacing_is_per_interface() {
        let mut p = Pacer::new();
        let mut rec = Rec::default();
        let a = iface("eth0", 50, 0);
        let b = iface("eth1", 50, 0);
        p.submit(&req(0, "A", 1, &["10.0.0.1", "10.0.0.2", "10.0.0.3"], &a), &mut rec);
        p.submit(&req(1, "B", 1, &["10.1.0.1"], &b), &mut rec);
        drain(&mut p, &mut rec);
        let times = |pfx: &str| -> Vec<Time> {
            rec.sent
                .iter()
                .filter(|(_, x)| x.to_string().starts_with(pfx))
                .map(|(t, _)| *t)
                .collect()
        };
        assert_eq!(times("10.0."), [ms(0), ms(50), ms(100)]);
        assert_eq!(times("10.1."), [ms(0)]);
    }

    /// An address is queued once per instance however many repetitions were asked for, , and
    /// cancelling the instance (no longer master) drops it.
    #[test]
    fn cancel_drops_pending() {
        let mut p = Pacer::new();
        let mut rec = Rec::default();
        let i = iface("eth0", 100, 0);
        p.submit(&req(0, "VI_1", 5, &["10.0.0.1", "10.0.0.2"], &i), &mut rec);
        assert_eq!(p.pending(), 2);
        p.cancel(1);
        assert_eq!(p.pending(), 2);
        p.cancel(0);
        assert_eq!((p.pending(), p.deadline()), (0, None));
        assert_eq!(rec.sent.len(), 1);
    }

    /// IFF_NOARP: no frame and no per-frame line (`send_gratuitous_arp()`).
    #[test]
    fn noarp_interfaces_are_skipped() {
        let mut p = Pacer::new();
        let mut rec = Rec::default();
        let mut i = iface("tun0", 0, 0);
        i.noarp = true;
        p.submit(&req(0, "VI_1", 2, &["10.0.0.1", "fd00::1"], &i), &mut rec);
        assert!(rec.sent.is_empty());
        assert!(rec.lines.is_empty(), "{:?}", rec.lines);
    }

    /// The thread wakes one interval after the frame is queued (`queue_garp()`), earlier if a
    /// later queueing needs it, and re-arms for frames still not due.
    #[test]
    fn wake_time_follows_queue_garp() {
        let mut p = Pacer::new();
        let mut rec = Rec::default();
        let i = iface("eth0", 100, 0);
        p.submit(&req(0, "VI_1", 1, &["10.0.0.1"], &i), &mut rec);
        rec.now = ms(30);
        p.submit(&req(1, "VI_2", 1, &["10.0.0.2", "10.0.0.3"], &i), &mut rec);
        assert_eq!(p.deadline(), Some(ms(130)));
        rec.now = ms(130);
        p.on_timer(&mut rec);
        assert_eq!(rec.sent.last(), Some(&(ms(130), "10.0.0.2".parse().unwrap())));
        assert_eq!(p.deadline(), Some(ms(230)));
    }
}
