//! Many `TCP_CHECK` probes at once on one epoll set, as keepalived's own scheduler runs them
//! (`tcp_connect_thread()` registers the connecting socket for writing with a timeout; then
//! `tcp_check_thread()` judges it). A probe pending here costs a slot of a few dozen bytes and
//! its socket, where a task per probe costs a task, a future and a tokio registration: with
//! thousands of real servers that do not answer, every probe is pending for `connect_timeout`.
//!
//! The sockets are made and judged by [`conn`] exactly as [`tcp::probe`] does, so the
//! results are the same; only the waiting differs. The epoll set is itself watched by the
//! runtime, and a socket leaves it when closed (no `EPOLL_CTL_DEL`).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::Arc;

use socket2::Socket;
use tokio::io::unix::AsyncFd;
use tokio::time::Instant;

use super::conn::{self, Begun, Connect, Endpoint, NotRun};
use super::event::Probe;
use super::tcp;

/// Slots kept once no probe is pending; more are given back.
const KEEP_SLOTS: usize = 64;

/// A probe's result, with the tag it was started with.
pub type Done<T> = (T, Result<Probe, NotRun>);

/// A probe waiting for its connection.
struct Pending<T> {
    sock: Socket,
    tag: T,
    trio: Arc<str>,
}

/// The pending probes and the epoll set they wait in.
pub struct TcpBatch<T> {
    epoll: AsyncFd<OwnedFd>,
    /// Probes by slot; a slot's generation tells a reused slot's events and deadlines from
    /// those of the probe it held before.
    slots: Vec<(u32, Option<Pending<T>>)>,
    free: Vec<u32>,
    /// (deadline, slot, generation): stale entries are skipped.
    deadlines: BinaryHeap<Reverse<(Instant, u32, u32)>>,
    pending: usize,
}

impl<T> TcpBatch<T> {
    /// An empty batch (its epoll set registered with the current runtime).
    pub fn new() -> io::Result<TcpBatch<T>> {
        // SAFETY: epoll_create1 returns a new fd or -1.
        let fd = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fd is ours and open; the OwnedFd keeps it open, unchanged, for as long as
        // the AsyncFd lives.
        let epoll = unsafe { AsyncFd::register_with_interest(OwnedFd::from_raw_fd(fd), tokio::io::Interest::READABLE) }
            .map_err(|e| e.into_parts().1)?;
        Ok(TcpBatch {
            epoll,
            slots: Vec::new(),
            free: Vec::new(),
            deadlines: BinaryHeap::new(),
            pending: 0,
        })
    }

    /// How many probes are waiting.
    pub fn len(&self) -> usize {
        self.pending
    }

    /// Whether none is waiting.
    pub fn is_empty(&self) -> bool {
        self.pending == 0
    }

    /// Starts a probe to `ep` (`trio` names the real server in its lines). A probe that ends
    /// at once (refused, setup failed, connected) is returned; otherwise it waits for
    /// [`next`](Self::next).
    pub fn start(&mut self, ep: &Endpoint, trio: Arc<str>, tag: T) -> Option<Done<T>> {
        let sock = match conn::begin(ep) {
            Begun::Connected(_) => return Some((tag, Ok(Probe::Success))),
            Begun::Ended(c) => return Some((tag, tcp::verdict(c, &trio))),
            Begun::InProgress(s) => s,
        };
        let slot = match self.free.pop() {
            Some(i) => i,
            None => {
                self.slots.push((0, None));
                (self.slots.len() - 1) as u32
            }
        };
        let entry = &mut self.slots[slot as usize];
        entry.0 = entry.0.wrapping_add(1);
        let generation = entry.0;
        let mut ev = libc::epoll_event {
            events: libc::EPOLLOUT as u32,
            u64: (u64::from(generation) << 32) | u64::from(slot),
        };
        // SAFETY: both fds are open; ev is a valid event.
        let r = unsafe {
            libc::epoll_ctl(
                self.epoll.get_ref().as_raw_fd(),
                libc::EPOLL_CTL_ADD,
                sock.as_raw_fd(),
                &mut ev,
            )
        };
        if r != 0 {
            self.free.push(slot);
            return Some((tag, tcp::verdict(Connect::Error(io::Error::last_os_error()), &trio)));
        }
        entry.1 = Some(Pending { sock, tag, trio });
        self.pending += 1;
        if self.deadlines.len() >= 2 * self.pending + 64 {
            self.compact();
        }
        self.deadlines
            .push(Reverse((Instant::now() + ep.timeout, slot, generation)));
        None
    }

    /// Drops the deadlines of probes that ended before them (a probe that connects leaves its
    /// deadline behind), so that they stay about as many as the probes pending.
    fn compact(&mut self) {
        let slots = &self.slots;
        self.deadlines.retain(|Reverse((_, slot, generation))| {
            slots[*slot as usize].0 == *generation && slots[*slot as usize].1.is_some()
        });
    }

    /// The slots allocated and the deadlines held: what the batch's memory grows with.
    pub fn footprint(&self) -> (usize, usize) {
        (self.slots.len(), self.deadlines.len())
    }

    /// Ends the probe in `slot` if it is still the one of `generation`.
    fn finish(
        &mut self,
        slot: u32,
        generation: u32,
        end: impl FnOnce(&Socket) -> Result<(), Connect>,
    ) -> Option<Done<T>> {
        let entry = self.slots.get_mut(slot as usize)?;
        if entry.0 != generation {
            return None;
        }
        let p = entry.1.take()?;
        self.free.push(slot);
        self.pending -= 1;
        let verdict = match end(&p.sock) {
            Ok(()) => Ok(Probe::Success),
            Err(c) => tcp::verdict(c, &p.trio),
        };
        // Closing the socket takes it out of the epoll set (keepalived closes at once too).
        drop(p.sock);
        Some((p.tag, verdict))
    }

    /// The probes that ended, waiting until at least one has; never ends while none is
    /// pending (select on it only when [`is_empty`](Self::is_empty) is false).
    pub async fn next(&mut self) -> Vec<Done<T>> {
        loop {
            let mut out = Vec::new();
            self.take_events(&mut out);
            let now = Instant::now();
            while let Some(Reverse((t, slot, generation))) = self.deadlines.peek().copied() {
                if self.slots[slot as usize].0 != generation || self.slots[slot as usize].1.is_none() {
                    self.deadlines.pop();
                    continue;
                }
                if t > now {
                    break;
                }
                self.deadlines.pop();
                out.extend(self.finish(slot, generation, |_| Err(Connect::Timeout)));
            }
            if !out.is_empty() {
                if self.pending == 0 && self.slots.len() > KEEP_SLOTS {
                    // A burst is over (every checker's first run starts within a second or
                    // so): its slots go, rather than staying allocated for good.
                    self.slots = Vec::new();
                    self.free = Vec::new();
                    self.deadlines = BinaryHeap::new();
                }
                return out;
            }
            let Some(Reverse((deadline, ..))) = self.deadlines.peek().copied() else {
                std::future::pending::<()>().await;
                continue;
            };
            tokio::select! {
                g = self.epoll.readable() => {
                    if let Ok(mut g) = g {
                        // Drained below; a connection ready since is a new edge for the runtime.
                        g.clear_ready();
                    }
                }
                _ = tokio::time::sleep_until(deadline) => {}
            }
        }
    }

    /// Judges every socket the epoll set reports ready (`tcp_socket_state()`).
    fn take_events(&mut self, out: &mut Vec<Done<T>>) {
        let mut events = [libc::epoll_event { events: 0, u64: 0 }; 256];
        loop {
            // SAFETY: events is a valid buffer of its length; timeout 0 never blocks.
            let n = unsafe {
                libc::epoll_wait(
                    self.epoll.get_ref().as_raw_fd(),
                    events.as_mut_ptr(),
                    events.len() as i32,
                    0,
                )
            };
            if n <= 0 {
                return;
            }
            for ev in &events[..n as usize] {
                let (slot, generation) = (ev.u64 as u32, (ev.u64 >> 32) as u32);
                out.extend(self.finish(slot, generation, |s| conn::settle(s.take_error())));
            }
            if (n as usize) < events.len() {
                return;
            }
        }
    }
}
