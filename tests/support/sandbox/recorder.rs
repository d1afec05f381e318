//! A thread-safe, append-only record of things observed (log lines, notify messages, output
//! lines) that tests wait on with a bound.

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A moment on the realtime clock in nanoseconds: what the kernel stamps on a datagram when it
/// is queued (SO_TIMESTAMPNS), so events from different sockets can be put in sending order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp(pub u128);

impl Stamp {
    /// Now.
    pub fn now() -> Stamp {
        Stamp(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        )
    }
}

/// Items with arrival order and an end-of-stream flag.
type Items<T> = (Vec<T>, bool);

/// The record. Clones share it.
pub struct Recorder<T> {
    inner: Arc<(Mutex<Items<T>>, Condvar)>,
}

impl<T> Clone for Recorder<T> {
    fn clone(&self) -> Self {
        Recorder {
            inner: self.inner.clone(),
        }
    }
}

impl<T> Default for Recorder<T> {
    fn default() -> Self {
        Recorder {
            inner: Arc::new((Mutex::new((Vec::new(), false)), Condvar::new())),
        }
    }
}

impl<T: Clone> Recorder<T> {
    /// Appends an item and wakes the waiters.
    pub fn push(&self, t: T) {
        let (m, c) = &*self.inner;
        m.lock().unwrap_or_else(|e| e.into_inner()).0.push(t);
        c.notify_all();
    }

    /// Marks the end of the stream: waits stop early instead of running into their bound.
    pub fn close(&self) {
        let (m, c) = &*self.inner;
        m.lock().unwrap_or_else(|e| e.into_inner()).1 = true;
        c.notify_all();
    }

    /// Every item so far.
    pub fn all(&self) -> Vec<T> {
        self.inner.0.lock().unwrap_or_else(|e| e.into_inner()).0.clone()
    }

    /// The number of items so far: a mark for [`Recorder::wait_from`].
    pub fn len(&self) -> usize {
        self.inner.0.lock().unwrap_or_else(|e| e.into_inner()).0.len()
    }

    /// Whether nothing was recorded yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Waits up to `timeout` for an item matching `pred` (items already recorded count).
    pub fn wait_for(&self, pred: impl Fn(&T) -> bool, timeout: Duration) -> Option<T> {
        self.wait_from(0, pred, timeout)
    }

    /// Like [`Recorder::wait_for`], looking only at items from index `from` (a [`Recorder::len`]
    /// taken earlier) on.
    pub fn wait_from(&self, from: usize, pred: impl Fn(&T) -> bool, timeout: Duration) -> Option<T> {
        let end = Instant::now() + timeout;
        let (m, c) = &*self.inner;
        let mut g = m.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if let Some(t) = g.0.iter().skip(from).find(|t| pred(t)) {
                return Some(t.clone());
            }
            let now = Instant::now();
            if g.1 || now >= end {
                return None;
            }
            g = c.wait_timeout(g, end - now).unwrap_or_else(|e| e.into_inner()).0;
        }
    }

    /// The items from index `from` on that match `pred`.
    pub fn matching_from(&self, from: usize, pred: impl Fn(&T) -> bool) -> Vec<T> {
        let g = self.inner.0.lock().unwrap_or_else(|e| e.into_inner());
        g.0.iter().skip(from).filter(|t| pred(t)).cloned().collect()
    }
}

/// A line of a process's output or of `ip monitor`, with its arrival time.
#[derive(Clone, Debug)]
pub struct Line {
    /// When it was read.
    pub at: Instant,
    /// The text, without the newline.
    pub text: String,
}

/// Reads `r` line by line into a new recorder on a thread of its own; closed at end of file.
pub fn record_lines(r: impl std::io::Read + Send + 'static) -> Recorder<Line> {
    use std::io::BufRead;
    let rec = Recorder::default();
    let w = rec.clone();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(r).lines() {
            let Ok(text) = line else { break };
            w.push(Line {
                at: Instant::now(),
                text,
            });
        }
        w.close();
    });
    rec
}

/// Polls `cond` every 20 ms for up to `timeout`; whether it became true. For state that has
/// no event stream (files, process lists, addresses).
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
