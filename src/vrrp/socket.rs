//! The VRRP sockpool: raw protocol-112 (or 51, AH) sockets, one read/send pair per (interface,
//! family, protocol, multicast group or unicast source), as keepalived 2.2.7's
//! `vrrp_create_sockpool()`, `open_vrrp_read_socket()`, `open_vrrp_send_socket()` and
//! `vrrp_send_pkt()` (vrrp.c, vrrp_if.c `if_setsockopt_*`).
//!
//! Every socket is non-blocking: [`SockPool::recv`] waits on all read sockets through the tokio
//! reactor, [`SockPool::send`] never waits (a full send buffer is a counted drop). Must be used
//! inside a tokio runtime (any flavour).

pub(crate) mod sys;

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::io::{self, IoSlice};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};
use std::os::fd::AsRawFd;
use std::task::{Context, Poll};

use socket2::{Domain, InterfaceIndexOrAddress, MaybeUninitSlice, MsgHdr, MsgHdrMut, Protocol};
use socket2::{SockAddr, SockFilter, Socket, Type};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

use crate::config::model::vrrp::Family;
use crate::log::LogLine;
use crate::vrrp::event::{RxPacket, TxPacket};
use crate::vrrp::packet::{IPPROTO_AH, IPPROTO_VRRP};

/// One entry of the sockpool as the daemon asks for it (keepalived's `sock_t` key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SockSpec {
    /// Interface the sockets are bound to (`SO_BINDTODEVICE`); empty for a unicast instance
    /// without an interface.
    pub ifname: String,
    /// Its ifindex; 0 when the interface does not exist (the sockets stay closed, `fd(-1,-1)`).
    pub ifindex: u32,
    /// Address family.
    pub family: Family,
    /// Multicast group (224.0.0.18, ff02::12 or `vrrp_mcast_group4/6`); used when `unicast_src`
    /// is `None`.
    pub group: Option<IpAddr>,
    /// Unicast mode: the local address the read socket binds to (the instance's source).
    pub unicast_src: Option<IpAddr>,
    /// IPsec AH (protocol 51) instead of VRRP (112).
    pub ah: bool,
    /// `SO_RCVBUF` of the read socket (0: the kernel default), from `vrrp_rx_bufs_policy` or
    /// `kernel_rx_buf_size`.
    pub rx_buf_size: usize,
}

impl SockSpec {
    /// The IP protocol of this entry's sockets.
    pub fn proto(&self) -> u8 {
        if self.ah { IPPROTO_AH } else { IPPROTO_VRRP }
    }

    /// keepalived's `already_exist_sock()`: the same socket serves both specs. The receive
    /// buffer sizes are summed instead.
    fn same_socket(&self, o: &SockSpec) -> bool {
        self.family == o.family
            && self.proto() == o.proto()
            && self.ifname == o.ifname
            && match (self.unicast_src, o.unicast_src) {
                (None, None) => self.group == o.group,
                (Some(a), Some(b)) => a == b,
                _ => false,
            }
    }
}

/// Whether an entry's sockets are usable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotStatus {
    /// Both sockets open.
    Open,
    /// Not open (interface absent or a socket option failed; the reason was logged).
    Closed,
    /// The unicast source could not be bound: keepalived puts the instances on this socket in
    /// FAULT ("(%s): entering FAULT state (src address not configured)").
    SrcNotConfigured,
}

/// Counters of the pool (drops never stall the daemon).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SockStats {
    /// Packets handed out by [`SockPool::recv`].
    pub rx_packets: u64,
    /// Received datagrams dropped here (truncated, or too short for an IPv4 header).
    pub rx_dropped: u64,
    /// `recvmsg()` errors other than "would block".
    pub rx_errors: u64,
    /// Packets sent.
    pub tx_packets: u64,
    /// Packets dropped because the send buffer was full.
    pub tx_dropped: u64,
    /// Other send errors (including "no socket for this packet").
    pub tx_errors: u64,
}

struct Slot {
    spec: SockSpec,
    rx: Option<AsyncFd<Socket>>,
    tx: Option<Socket>,
    status: SlotStatus,
}

impl Slot {
    fn fds(&self) -> (i32, i32) {
        (
            self.rx.as_ref().map_or(-1, |s| s.as_raw_fd()),
            self.tx.as_ref().map_or(-1, |s| s.as_raw_fd()),
        )
    }
}

/// All VRRP sockets of the daemon.
pub struct SockPool {
    slots: Vec<Slot>,
    /// Where the next [`SockPool::recv`] starts looking, so one busy socket cannot starve others.
    next: Cell<usize>,
    buf: RefCell<Vec<u8>>,
    stats: Cell<SockStats>,
    logs: RefCell<Vec<LogLine>>,
}

/// Receive buffer: the largest IP datagram, so nothing a peer sends is truncated.
const RX_BUF_LEN: usize = 65536;
/// Datagrams dropped or errors seen in one poll before yielding to the runtime.
const POLL_BUDGET: usize = 64;
/// Enough for IPV6_PKTINFO plus IPV6_HOPLIMIT (keepalived uses 64 bytes).
const CONTROL_LEN: usize = 128;

impl SockPool {
    /// Opens one socket pair per distinct spec (keepalived's `vrrp_create_sockpool()` +
    /// `vrrp_open_sockpool()`), returning keepalived's log lines: errors while opening, then the
    /// `-D` "VRRP sockpool: [...]" dump. Entries that fail stay in the pool, closed (see
    /// [`SockPool::status`]).
    ///
    /// # Panics
    /// Outside a tokio runtime (the read sockets are registered with its reactor).
    pub fn open(specs: &[SockSpec]) -> (SockPool, Vec<LogLine>) {
        let mut merged: Vec<SockSpec> = Vec::new();
        for s in specs {
            match merged.iter_mut().find(|m| m.same_socket(s)) {
                Some(m) => m.rx_buf_size += s.rx_buf_size,
                None => merged.push(s.clone()),
            }
        }
        let mut lines = Vec::new();
        let slots = merged.into_iter().map(|spec| open_slot(spec, &mut lines)).collect();
        let pool = SockPool {
            slots,
            next: Cell::new(0),
            buf: RefCell::new(vec![0; RX_BUF_LEN]),
            stats: Cell::new(SockStats::default()),
            logs: RefCell::new(Vec::new()),
        };
        lines.extend(pool.dump_lines());
        (pool, lines)
    }

    /// keepalived's `dump_sock_list()` lines (written at start-up with `-D`).
    pub fn dump_lines(&self) -> Vec<LogLine> {
        self.slots.iter().map(dump_line).collect()
    }

    /// The distinct entries, in order, with their state.
    pub fn status(&self) -> impl Iterator<Item = (&SockSpec, SlotStatus)> {
        self.slots.iter().map(|s| (&s.spec, s.status))
    }

    // ---- For the SIGUSR1 dump (src/vrrp/data.rs): read-only. ----

    /// The distinct entries with their (read, write) descriptors, -1 when closed.
    pub fn descriptors(&self) -> impl Iterator<Item = (&SockSpec, (i32, i32))> {
        self.slots.iter().map(|s| (&s.spec, s.fds()))
    }

    /// The index, in [`SockPool::descriptors`] order, of the entry serving `spec` (keepalived's
    /// `vrrp->sockets`).
    pub fn entry_of(&self, spec: &SockSpec) -> Option<usize> {
        self.slots.iter().position(|s| s.spec.same_socket(spec))
    }

    /// Closes the sockets on an interface that went away (keepalived's `cleanup_lost_interface()`).
    pub fn close_interface(&mut self, ifname: &str) {
        for s in self.slots.iter_mut().filter(|s| s.spec.ifname == ifname) {
            s.rx = None;
            s.tx = None;
            s.spec.ifindex = 0;
            s.status = SlotStatus::Closed;
        }
    }

    /// Reopens the closed sockets on an interface that (re)appeared with `ifindex`
    /// (keepalived's `setup_interface()`), returning the error lines, if any.
    pub fn reopen_interface(&mut self, ifname: &str, ifindex: u32) -> Vec<LogLine> {
        let mut lines = Vec::new();
        for s in self.slots.iter_mut().filter(|s| s.spec.ifname == ifname) {
            if s.rx.is_some() {
                continue;
            }
            let mut spec = s.spec.clone();
            spec.ifindex = ifindex;
            *s = open_slot(spec, &mut lines);
        }
        lines
    }

    /// Counters so far.
    pub fn stats(&self) -> SockStats {
        self.stats.get()
    }

    /// Log lines produced by [`SockPool::recv`] since the last call (truncated datagrams,
    /// receive errors).
    pub fn take_log_lines(&self) -> Vec<LogLine> {
        std::mem::take(&mut *self.logs.borrow_mut())
    }

    /// Waits for the next packet on any read socket. Cancel-safe: a packet is only taken off
    /// its socket when this returns it. Pending forever if no socket is open.
    pub async fn recv(&self) -> RxPacket {
        poll_fn(|cx| self.poll_recv(cx)).await
    }

    /// Poll form of [`SockPool::recv`].
    pub fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<RxPacket> {
        let n = self.slots.len();
        let start = self.next.get();
        let mut budget = POLL_BUDGET;
        for k in 0..n {
            let i = (start + k) % n;
            let slot = &self.slots[i];
            let Some(fd) = &slot.rx else { continue };
            while let Poll::Ready(ready) = fd.poll_read_ready(cx) {
                if budget == 0 {
                    // A flood of dropped datagrams or errors: let other tasks run, come back.
                    self.next.set(i);
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                budget -= 1;
                let mut guard = match ready {
                    Ok(g) => g,
                    Err(e) => {
                        self.recv_error(fd, &e);
                        break;
                    }
                };
                let mut buf = self.buf.borrow_mut();
                match guard.try_io(|fd| recv_one(fd.get_ref(), &slot.spec, &mut buf)) {
                    Err(_would_block) => continue,
                    Ok(Ok(Received::Packet(p))) => {
                        self.next.set((i + 1) % n);
                        self.count(|s| s.rx_packets += 1);
                        return Poll::Ready(p);
                    }
                    Ok(Ok(Received::Dropped(line))) => {
                        self.count(|s| s.rx_dropped += 1);
                        if let Some(l) = line {
                            self.logs.borrow_mut().push(l);
                        }
                    }
                    Ok(Err(e)) => self.recv_error(fd, &e),
                }
            }
        }
        Poll::Pending
    }

    /// Sends one packet without waiting (keepalived's `vrrp_send_pkt()`): on the socket whose
    /// interface, family and protocol match, the multicast one when `dst` is multicast (sent
    /// with `MSG_DONTROUTE`), else the unicast one whose source is `src`. IPv6 packets carry
    /// `IPV6_PKTINFO` (source, interface) and, unicast, `IPV6_HOPLIMIT` = `ttl`; the kernel
    /// fills the IPv6 checksum (`IPV6_CHECKSUM`, as keepalived) with the same value the engine
    /// wrote. A full buffer returns `WouldBlock` (counted in `tx_dropped`); no matching or open
    /// socket returns `EBADF` as keepalived's closed fd does. Log failures with
    /// [`send_error_line`].
    pub fn send(&self, pkt: &TxPacket) -> io::Result<()> {
        let r = self.send_inner(pkt);
        match &r {
            Ok(()) => self.count(|s| s.tx_packets += 1),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.count(|s| s.tx_dropped += 1),
            Err(_) => self.count(|s| s.tx_errors += 1),
        }
        r
    }

    fn send_inner(&self, pkt: &TxPacket) -> io::Result<()> {
        let multicast = pkt.dst.is_multicast();
        let proto = match pkt.family {
            Family::V4 => pkt.data.get(9).copied().unwrap_or(IPPROTO_VRRP),
            Family::V6 => IPPROTO_VRRP,
        };
        let slot = self.slots.iter().find(|s| {
            s.spec.family == pkt.family
                && s.spec.ifname == pkt.ifname
                && s.spec.proto() == proto
                && if multicast {
                    s.spec.unicast_src.is_none() && s.spec.group == Some(pkt.dst)
                } else {
                    s.spec.unicast_src == Some(pkt.src)
                }
        });
        let Some((slot, tx)) = slot.and_then(|s| s.tx.as_ref().map(|t| (s, t))) else {
            return Err(io::Error::from_raw_os_error(libc::EBADF));
        };
        let flags = if multicast { libc::MSG_DONTROUTE } else { 0 };
        match (pkt.dst, pkt.src) {
            (IpAddr::V4(dst), _) => {
                tx.send_to_with_flags(&pkt.data, &SocketAddrV4::new(dst, 0).into(), flags)?;
            }
            (IpAddr::V6(dst), IpAddr::V6(src)) => {
                let ifindex = slot.spec.ifindex;
                let to: SockAddr = SocketAddrV6::new(dst, 0, 0, scope_for(&dst, ifindex)).into();
                let control = cmsg::ipv6_tx(src, ifindex, (!multicast).then_some(pkt.ttl));
                let bufs = [IoSlice::new(&pkt.data)];
                let msg = MsgHdr::new().with_addr(&to).with_buffers(&bufs).with_control(&control);
                tx.sendmsg(&msg, flags)?;
            }
            (IpAddr::V6(_), IpAddr::V4(_)) => return Err(io::Error::from_raw_os_error(libc::EINVAL)),
        }
        Ok(())
    }

    fn count(&self, f: impl FnOnce(&mut SockStats)) {
        let mut s = self.stats.get();
        f(&mut s);
        self.stats.set(s);
    }

    /// keepalived's `vrrp_dispatcher_read()` line for a failed `recvmsg()`.
    fn recv_error(&self, fd: &AsyncFd<Socket>, e: &io::Error) {
        self.count(|s| s.rx_errors += 1);
        let text = format!("recvmsg({}) returned {} ({})", fd.as_raw_fd(), errno(e), strerror(e));
        self.logs.borrow_mut().push(LogLine::info(text));
    }
}

/// keepalived's log line for a failed advert send (`vrrp_send_adv()`): "(%s): send advert error
/// %d (%m)" for multicast, "(%s) Cant send advert to %s (%m)" for a unicast peer. keepalived does
/// not log an `ENETUNREACH` for a priority-0 advert while the interface is down; see
/// [`send_error_is_silent`].
pub fn send_error_line(iname: &str, pkt: &TxPacket, err: &io::Error) -> LogLine {
    if pkt.dst.is_multicast() {
        LogLine::info(format!(
            "({iname}): send advert error {} ({})",
            errno(err),
            strerror(err)
        ))
    } else {
        LogLine::info(format!("({iname}) Cant send advert to {} ({})", pkt.dst, strerror(err)))
    }
}

/// Whether keepalived stays silent about a send error: a priority-0 advert (stopping) that
/// failed with `ENETUNREACH` while the interface is down.
pub fn send_error_is_silent(priority: u8, if_up: bool, err: &io::Error) -> bool {
    priority == 0 && err.raw_os_error() == Some(libc::ENETUNREACH) && !if_up
}

/// The errno of an I/O error (0 if none).
fn errno(e: &io::Error) -> i32 {
    e.raw_os_error().unwrap_or(0)
}

/// `strerror()` text (`%m`) of an I/O error.
pub(crate) fn strerror(e: &io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) if e.raw_os_error().is_some() => s[..i].to_string(),
        _ => s,
    }
}

/// Scope id for an IPv6 destination: the interface for link-local unicast and multicast
/// (keepalived sets `sin6_scope_id` of `mcast_daddr` to the ifindex).
fn scope_for(dst: &Ipv6Addr, ifindex: u32) -> u32 {
    if dst.is_multicast() || dst.is_unicast_link_local() {
        ifindex
    } else {
        0
    }
}

enum Received {
    Packet(RxPacket),
    Dropped(Option<LogLine>),
}

/// One `recvmsg()`; `Err(WouldBlock)` when the queue is empty.
fn recv_one(sock: &Socket, spec: &SockSpec, buf: &mut [u8]) -> io::Result<Received> {
    let mut control = [0u8; CONTROL_LEN];
    // msg_namelen comes from this placeholder, so it must be of the socket's family.
    let mut from: SockAddr = match spec.family {
        Family::V4 => SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0).into(),
        Family::V6 => SocketAddrV6::new(Ipv6Addr::UNSPECIFIED, 0, 0, 0).into(),
    };
    let (len, flags, control_len) = {
        let mut bufs = [MaybeUninitSlice::new(sys::as_uninit(buf))];
        let mut msg = MsgHdrMut::new()
            .with_addr(&mut from)
            .with_buffers(&mut bufs)
            .with_control(sys::as_uninit(&mut control));
        let len = sock.recvmsg(&mut msg, 0)?;
        (len, msg.flags(), msg.control_len())
    };
    if flags.is_truncated() {
        return Ok(Received::Dropped(Some(LogLine::info(format!(
            "recvmsg({}) message truncated from {len} to {} bytes",
            sock.as_raw_fd(),
            buf.len()
        )))));
    }
    if len == 0 {
        return Ok(Received::Dropped(Some(LogLine::info(format!(
            "recvmsg({}) returned data length 0",
            sock.as_raw_fd()
        )))));
    }
    let data = buf[..len].to_vec();
    let Some(src) = from.as_socket().map(|a| a.ip()) else {
        return Ok(Received::Dropped(None));
    };
    let (dst, ttl) = match spec.family {
        Family::V4 => {
            // The raw IPv4 socket hands over the header: TTL and destination come from it.
            if len < 20 || data[0] >> 4 != 4 {
                return Ok(Received::Dropped(None));
            }
            let dst = Ipv4Addr::new(data[16], data[17], data[18], data[19]);
            (IpAddr::V4(dst), data[8])
        }
        Family::V6 => {
            let info = cmsg::ipv6_rx(&control[..control_len.min(CONTROL_LEN)]);
            // A missing hop limit reads as 0, which fails the engine's 255 check.
            let dst = info.dst.unwrap_or(Ipv6Addr::UNSPECIFIED);
            (IpAddr::V6(dst), info.hop_limit.unwrap_or(0))
        }
    };
    Ok(Received::Packet(RxPacket {
        ifname: spec.ifname.clone(),
        family: spec.family,
        src,
        dst,
        ttl,
        data,
    }))
}

/// Opens one entry, appending keepalived's error lines (`open_sockpool_socket()`).
fn open_slot(spec: SockSpec, lines: &mut Vec<LogLine>) -> Slot {
    let mut slot = Slot {
        spec,
        rx: None,
        tx: None,
        status: SlotStatus::Closed,
    };
    if !slot.spec.ifname.is_empty() && slot.spec.ifindex == 0 {
        return slot;
    }
    let rx = match open_read(&slot.spec, lines) {
        Ok(s) => s,
        Err(status) => {
            slot.status = status;
            return slot;
        }
    };
    let Some(tx) = open_send(&slot.spec, lines) else {
        return slot;
    };
    match sys::register(rx, Interest::READABLE) {
        Ok(fd) => {
            slot.rx = Some(fd);
            slot.tx = Some(tx);
            slot.status = SlotStatus::Open;
        }
        Err(e) => lines.push(LogLine::info(format!("cant register raw socket. errno={}", errno(&e)))),
    }
    slot
}

fn raw_socket(spec: &SockSpec, lines: &mut Vec<LogLine>) -> Option<Socket> {
    let domain = match spec.family {
        Family::V4 => Domain::IPV4,
        Family::V6 => Domain::IPV6,
    };
    let proto = Protocol::from(i32::from(spec.proto()));
    match Socket::new(domain, Type::RAW.nonblocking().cloexec(), Some(proto)) {
        Ok(s) => Some(s),
        Err(e) => {
            lines.push(LogLine::info(format!("cant open raw socket. errno={}", errno(&e))));
            None
        }
    }
}

fn fam(spec: &SockSpec, v4: &'static str, v6: &'static str) -> &'static str {
    match spec.family {
        Family::V4 => v4,
        Family::V6 => v6,
    }
}

/// A fatal socket option: logs keepalived's wording and gives up on the socket.
fn must(r: io::Result<()>, lines: &mut Vec<LogLine>, what: impl FnOnce(&io::Error) -> String) -> Option<()> {
    r.map_err(|e| lines.push(LogLine::info(what(&e)))).ok()
}

/// keepalived's `open_vrrp_read_socket()`.
fn open_read(spec: &SockSpec, lines: &mut Vec<LogLine>) -> Result<Socket, SlotStatus> {
    let closed = Err(SlotStatus::Closed);
    let Some(s) = raw_socket(spec, lines) else {
        return closed;
    };
    if spec.rx_buf_size > 0 {
        if let Err(e) = s.set_recv_buffer_size(spec.rx_buf_size) {
            lines.push(LogLine::info(format!(
                "vrrp set receive socket buffer size error {}",
                errno(&e)
            )));
        }
    }
    if set_mcast_all_off(&s, spec, lines).is_none() {
        return closed;
    }
    // keepalived binds after joining; binding IPv6 ff02::/16 needs the scope id it sets.
    match (spec.unicast_src, spec.group) {
        (None, Some(group)) => {
            let joined = match group {
                IpAddr::V4(g) => s.join_multicast_v4_n(&g, &InterfaceIndexOrAddress::Index(spec.ifindex)),
                IpAddr::V6(g) => s.join_multicast_v6(&g, spec.ifindex),
            };
            if let Err(e) = joined {
                lines.push(LogLine::info(format!(
                    "({}) cant do IP{}_ADD_MEMBERSHIP {group} errno={} ({})",
                    spec.ifname,
                    fam(spec, "", "v6"),
                    strerror(&e),
                    errno(&e)
                )));
                return closed;
            }
            // Bound to the group, the socket does not see unicast adverts.
            let addr: SockAddr = match group {
                IpAddr::V4(g) => SocketAddrV4::new(g, 0).into(),
                IpAddr::V6(g) => SocketAddrV6::new(g, 0, 0, spec.ifindex).into(),
            };
            if let Err(e) = s.bind(&addr) {
                lines.push(LogLine::info(format!(
                    "bind for multicast failed {} - {}",
                    errno(&e),
                    strerror(&e)
                )));
            }
        }
        (Some(src), _) => {
            let addr: SockAddr = match src {
                IpAddr::V4(a) => SocketAddrV4::new(a, 0).into(),
                IpAddr::V6(a) => {
                    let scope = if a.is_unicast_link_local() { spec.ifindex } else { 0 };
                    SocketAddrV6::new(a, 0, 0, scope).into()
                }
            };
            if let Err(e) = s.bind(&addr) {
                lines.push(LogLine::info(format!(
                    "bind unicast_src {src} failed {} - {}",
                    errno(&e),
                    strerror(&e)
                )));
                return Err(SlotStatus::SrcNotConfigured);
            }
        }
        (None, None) => {
            lines.push(LogLine::info(format!(
                "({}) no multicast group or unicast source",
                spec.ifname
            )));
            return closed;
        }
    }
    if spec.family == Family::V6 {
        let fd = s.as_raw_fd();
        if let Err(e) = s.set_recv_hoplimit_v6(true) {
            lines.push(LogLine::info(format!(
                "fd {fd} - set IPV6_RECVHOPLIMIT error {} ({})",
                errno(&e),
                strerror(&e)
            )));
        }
        if let Err(e) = sys::setsockopt_int(&s, libc::IPPROTO_IPV6, libc::IPV6_RECVPKTINFO, 1) {
            lines.push(LogLine::info(format!(
                "fd {fd} - set IPV6_RECVPKTINFO error {} ({})",
                errno(&e),
                strerror(&e)
            )));
        }
    }
    if !spec.ifname.is_empty() && bind_device(&s, spec, lines).is_none() {
        return closed;
    }
    // The kernel verifies the VRRP checksum of received IPv6 adverts and drops bad ones.
    if spec.family == Family::V6 && set_ipv6_checksum(&s, lines).is_none() {
        return closed;
    }
    Ok(s)
}

/// keepalived's `open_vrrp_send_socket()`.
fn open_send(spec: &SockSpec, lines: &mut Vec<LogLine>) -> Option<Socket> {
    let s = raw_socket(spec, lines)?;
    let unicast = spec.unicast_src.is_some();
    // Nothing is received on the send socket.
    if let Err(e) = s.set_recv_buffer_size(0) {
        lines.push(LogLine::info(format!(
            "vrrp set send socket buffer size error {}",
            errno(&e)
        )));
    }
    set_mcast_all_off(&s, spec, lines)?;
    match spec.family {
        Family::V4 => must(s.set_header_included_v4(true), lines, |e| {
            format!("cant set HDRINCL IP option. errno={} ({})", errno(e), strerror(e))
        })?,
        Family::V6 => {
            set_ipv6_checksum(&s, lines)?;
            if !unicast {
                must(s.set_multicast_hops_v6(255), lines, |e| {
                    format!(
                        "cant set IPV6_MULTICAST_HOPS IP option. errno={} ({})",
                        errno(e),
                        strerror(e)
                    )
                })?;
            }
        }
    }
    if !spec.ifname.is_empty() {
        bind_device(&s, spec, lines)?;
        if !unicast {
            let r = match spec.family {
                Family::V4 => sys::set_multicast_if_v4_index(&s, spec.ifindex),
                Family::V6 => s.set_multicast_if_v6(spec.ifindex),
            };
            let v = fam(spec, "", "V6");
            must(r, lines, |e| {
                format!(
                    "cant set IP{v}_MULTICAST_IF IP option. errno={} ({})",
                    errno(e),
                    strerror(e)
                )
            })?;
            let r = match spec.family {
                Family::V4 => s.set_multicast_loop_v4(false),
                Family::V6 => s.set_multicast_loop_v6(false),
            };
            must(r, lines, |e| {
                format!(
                    "cant set IP{v}_MULTICAST_LOOP IP option. errno={} ({})",
                    errno(e),
                    strerror(e)
                )
            })?;
        }
    }
    // Internet network control (IPTOS_PREC_INTERNETCONTROL / DSCP CS6).
    let (r, opt) = match spec.family {
        Family::V4 => (s.set_tos_v4(0xc0), "IP_TOS"),
        Family::V6 => (s.set_tclass_v6(0xc0), "IPV6_TCLASS"),
    };
    must(r, lines, |e| {
        format!("can't set {opt} option. errno={} ({})", errno(e), strerror(e))
    })?;
    // A filter that drops everything: the send socket never queues received packets.
    let drop_all = [SockFilter::new((libc::BPF_RET | libc::BPF_K) as u16, 0, 0, 0)];
    must(s.attach_filter(&drop_all), lines, |e| {
        format!(
            "Can't set SO_ATTACH_FILTER option. errno={} ({})",
            errno(e),
            strerror(e)
        )
    })?;
    Some(s)
}

fn set_mcast_all_off(s: &Socket, spec: &SockSpec, lines: &mut Vec<LogLine>) -> Option<()> {
    let r = match spec.family {
        Family::V4 => s.set_multicast_all_v4(false),
        Family::V6 => s.set_multicast_all_v6(false),
    };
    let v = fam(spec, "", "V6");
    must(r, lines, |e| {
        format!(
            "cant set IP{v}_MULTICAST_ALL IP option. errno={} ({})",
            errno(e),
            strerror(e)
        )
    })
}

fn bind_device(s: &Socket, spec: &SockSpec, lines: &mut Vec<LogLine>) -> Option<()> {
    must(s.bind_device(Some(spec.ifname.as_bytes())), lines, |e| {
        format!(
            "can't bind to device {}. errno={}. (try to run it as root)",
            spec.ifname,
            errno(e)
        )
    })
}

fn set_ipv6_checksum(s: &Socket, lines: &mut Vec<LogLine>) -> Option<()> {
    // The VRRP checksum is at offset 6 of the message.
    must(
        sys::setsockopt_int(s, libc::IPPROTO_IPV6, libc::IPV6_CHECKSUM, 6),
        lines,
        |e| format!("cant set IPV6_CHECKSUM IP option. errno={} ({})", errno(e), strerror(e)),
    )
}

/// keepalived's `dump_sock()` line (its `%sicast` gives "fd(a,b) multicast" and "fd(a,b) , unicast").
fn dump_line(s: &Slot) -> LogLine {
    let (fd_in, fd_out) = s.fds();
    let (kind, addr) = match s.spec.unicast_src {
        Some(a) => (", un", a.to_string()),
        None => ("mult", s.spec.group.map_or_else(|| "(null)".into(), |g| g.to_string())),
    };
    LogLine::detail(format!(
        "VRRP sockpool: [ifindex({:3}), family({}), proto({}), fd({fd_in},{fd_out}) {kind}icast, address({addr})]",
        s.spec.ifindex,
        fam(&s.spec, "IPv4", "IPv6"),
        s.spec.proto()
    ))
}

/// Control messages, encoded and decoded in safe code with the kernel's `struct cmsghdr` layout
/// (`cmsg_len` is a `size_t`; headers and data are aligned to `size_t`).
mod cmsg {
    use std::net::Ipv6Addr;

    const WORD: usize = size_of::<usize>();
    const HDR: usize = size_of::<libc::cmsghdr>();

    const fn align(n: usize) -> usize {
        (n + WORD - 1) & !(WORD - 1)
    }

    fn push(out: &mut Vec<u8>, level: i32, ty: i32, data: &[u8]) {
        let start = out.len();
        out.extend_from_slice(&(align(HDR) + data.len()).to_ne_bytes());
        out.extend_from_slice(&level.to_ne_bytes());
        out.extend_from_slice(&ty.to_ne_bytes());
        out.resize(start + align(HDR), 0);
        out.extend_from_slice(data);
        out.resize(start + align(HDR) + align(data.len()), 0);
    }

    /// keepalived's `vrrp_build_ancillary_data()`: `IPV6_PKTINFO` (source, ifindex) and, for
    /// unicast, `IPV6_HOPLIMIT`.
    pub(super) fn ipv6_tx(src: Ipv6Addr, ifindex: u32, hop_limit: Option<u8>) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        let mut info = src.octets().to_vec();
        info.extend_from_slice(&ifindex.to_ne_bytes());
        push(&mut out, libc::IPPROTO_IPV6, libc::IPV6_PKTINFO, &info);
        if let Some(h) = hop_limit {
            push(
                &mut out,
                libc::IPPROTO_IPV6,
                libc::IPV6_HOPLIMIT,
                &i32::from(h).to_ne_bytes(),
            );
        }
        out
    }

    /// What an IPv6 read socket reports about a packet.
    #[derive(Debug, Default, PartialEq, Eq)]
    pub(super) struct Ipv6Rx {
        pub dst: Option<Ipv6Addr>,
        pub hop_limit: Option<u8>,
    }

    /// Decodes `IPV6_PKTINFO` and `IPV6_HOPLIMIT`; anything else or malformed is skipped.
    pub(super) fn ipv6_rx(mut buf: &[u8]) -> Ipv6Rx {
        let mut out = Ipv6Rx::default();
        while buf.len() >= HDR {
            let len = usize::from_ne_bytes(buf[..WORD].try_into().unwrap_or_default());
            let level = i32::from_ne_bytes(buf[WORD..WORD + 4].try_into().unwrap_or_default());
            let ty = i32::from_ne_bytes(buf[WORD + 4..WORD + 8].try_into().unwrap_or_default());
            if len < align(HDR) || len > buf.len() {
                break;
            }
            let data = &buf[align(HDR)..len];
            if level == libc::IPPROTO_IPV6 {
                if ty == libc::IPV6_PKTINFO && data.len() == 20 {
                    let a: [u8; 16] = data[..16].try_into().unwrap_or_default();
                    out.dst = Some(Ipv6Addr::from(a));
                } else if ty == libc::IPV6_HOPLIMIT && data.len() == 4 {
                    let h = i32::from_ne_bytes(data.try_into().unwrap_or_default());
                    out.hop_limit = u8::try_from(h).ok();
                }
            }
            buf = &buf[align(len).min(buf.len())..];
        }
        out
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// What the kernel writes for IPV6_PKTINFO + IPV6_HOPLIMIT decodes back (and what we
        /// send has the kernel's CMSG_SPACE layout: 16-byte header on 64-bit, aligned data).
        #[test]
        fn ipv6_control_roundtrip() {
            let src: Ipv6Addr = "fe80::1".parse().unwrap();
            let buf = ipv6_tx(src, 7, Some(64));
            assert_eq!(buf.len(), align(HDR) + align(20) + align(HDR) + align(4));
            assert_eq!(
                ipv6_rx(&buf),
                Ipv6Rx {
                    dst: Some(src),
                    hop_limit: Some(64)
                }
            );
            assert_eq!(ipv6_tx(src, 7, None).len(), align(HDR) + align(20));
        }

        #[test]
        fn malformed_control_is_ignored() {
            assert_eq!(ipv6_rx(&[0xff; 7]), Ipv6Rx::default());
            let mut buf = ipv6_tx("::1".parse().unwrap(), 1, None);
            buf[0] = 0xff; // cmsg_len beyond the buffer
            assert_eq!(ipv6_rx(&buf), Ipv6Rx::default());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(ifname: &str, group: Option<&str>, src: Option<&str>) -> SockSpec {
        SockSpec {
            ifname: ifname.into(),
            ifindex: 2,
            family: Family::V4,
            group: group.map(|g| g.parse().unwrap()),
            unicast_src: src.map(|s| s.parse().unwrap()),
            ah: false,
            rx_buf_size: 0,
        }
    }

    /// keepalived's `already_exist_sock()`: same family, protocol, interface and group or
    /// unicast source share a socket.
    #[test]
    fn socket_sharing_follows_already_exist_sock() {
        let m = spec("eth0", Some("224.0.0.18"), None);
        assert!(m.same_socket(&m.clone()));
        assert!(!m.same_socket(&spec("eth1", Some("224.0.0.18"), None)));
        assert!(!m.same_socket(&spec("eth0", Some("224.0.0.19"), None)));
        assert!(!m.same_socket(&spec("eth0", None, Some("10.0.0.1"))));
        let ah = SockSpec { ah: true, ..m.clone() };
        assert!(!m.same_socket(&ah));
        let u = spec("eth0", Some("224.0.0.18"), Some("10.0.0.1"));
        assert!(u.same_socket(&spec("eth0", None, Some("10.0.0.1"))));
    }

    /// keepalived's `dump_sock()` format, including its " , unicast" quirk.
    #[test]
    fn dump_line_matches_keepalived() {
        let slot = |spec| Slot {
            spec,
            rx: None,
            tx: None,
            status: SlotStatus::Closed,
        };
        let l = dump_line(&slot(spec("eth0", Some("224.0.0.18"), None)));
        assert!(l.detail);
        assert_eq!(
            l.text,
            "VRRP sockpool: [ifindex(  2), family(IPv4), proto(112), fd(-1,-1) multicast, address(224.0.0.18)]"
        );
        let mut s = spec("eth0", None, Some("fe80::1"));
        s.family = Family::V6;
        s.ah = true;
        s.ifindex = 1234;
        assert_eq!(
            dump_line(&slot(s)).text,
            "VRRP sockpool: [ifindex(1234), family(IPv6), proto(51), fd(-1,-1) , unicast, address(fe80::1)]"
        );
    }

    /// `vrrp_send_adv()`'s wording.
    #[test]
    fn send_error_lines() {
        let pkt = |dst: &str| TxPacket {
            ifname: "eth0".into(),
            family: Family::V4,
            src: "10.0.0.1".parse().unwrap(),
            dst: dst.parse().unwrap(),
            ttl: 255,
            data: vec![],
        };
        let e = io::Error::from_raw_os_error(libc::ENETUNREACH);
        assert_eq!(
            send_error_line("VI_1", &pkt("224.0.0.18"), &e).text,
            "(VI_1): send advert error 101 (Network is unreachable)"
        );
        assert_eq!(
            send_error_line("VI_1", &pkt("10.0.0.2"), &e).text,
            "(VI_1) Cant send advert to 10.0.0.2 (Network is unreachable)"
        );
        assert!(send_error_is_silent(0, false, &e));
        assert!(!send_error_is_silent(0, true, &e));
        assert!(!send_error_is_silent(100, false, &e));
    }
}
