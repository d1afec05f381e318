//! Unix datagram listeners standing in for the syslog daemon (`/dev/log`) and for systemd's
//! notify socket (`NOTIFY_SOCKET`). Every datagram gets the kernel's queueing time
//! (SO_TIMESTAMPNS), so a log line and a notify message can be put in the order they were sent.

use std::os::fd::AsRawFd;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use super::recorder::{Recorder, Stamp};

/// A bound socket and the thread that reads it.
struct Dgram {
    path: PathBuf,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Dgram {
    /// Binds `path` (replacing a stale socket file) and hands each datagram to `on_msg`.
    fn bind(path: &Path, on_msg: impl Fn(Stamp, &[u8]) + Send + 'static) -> Dgram {
        let _ = std::fs::remove_file(path);
        let sock = UnixDatagram::bind(path).unwrap_or_else(|e| panic!("bind {}: {e}", path.display()));
        // Short read timeouts let stop() end the thread promptly.
        sock.set_read_timeout(Some(Duration::from_millis(50)))
            .expect("SO_RCVTIMEO");
        let on: libc::c_int = 1;
        // SAFETY: setsockopt on a socket we own, with a c_int option value.
        let rc = unsafe {
            libc::setsockopt(
                sock.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_TIMESTAMPNS,
                (&on as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        assert_eq!(rc, 0, "SO_TIMESTAMPNS: {}", std::io::Error::last_os_error());
        let stop = Arc::new(AtomicBool::new(false));
        let s = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut buf = vec![0u8; 65536];
            while !s.load(Ordering::Relaxed) {
                if let Some((n, stamp)) = recv_stamped(&sock, &mut buf) {
                    on_msg(stamp, &buf[..n]);
                }
            }
        });
        Dgram {
            path: path.to_path_buf(),
            stop,
            thread: Some(thread),
        }
    }

    /// Closes the socket and removes its file, as a syslog daemon that stops does.
    fn close(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Drop for Dgram {
    fn drop(&mut self) {
        self.close();
    }
}

/// One datagram and the kernel's queueing time (now, if the kernel gave none); None on timeout.
fn recv_stamped(sock: &UnixDatagram, buf: &mut [u8]) -> Option<(usize, Stamp)> {
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // u64s keep the control buffer aligned for cmsghdr.
    let mut control = [0u64; 16];
    // SAFETY: msghdr is plain data; every pointer set below outlives the recvmsg call.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = std::mem::size_of_val(&control);
    // SAFETY: recvmsg into buffers described by msg, on a socket we own.
    let n = unsafe { libc::recvmsg(sock.as_raw_fd(), &mut msg, 0) };
    if n < 0 {
        return None;
    }
    let mut stamp = None;
    // SAFETY: walking the control messages the kernel wrote into `control`.
    unsafe {
        let mut c = libc::CMSG_FIRSTHDR(&msg);
        while !c.is_null() {
            if (*c).cmsg_level == libc::SOL_SOCKET && (*c).cmsg_type == libc::SCM_TIMESTAMPNS {
                let ts: libc::timespec = std::ptr::read_unaligned(libc::CMSG_DATA(c).cast());
                stamp = Some(Stamp(ts.tv_sec as u128 * 1_000_000_000 + ts.tv_nsec as u128));
            }
            c = libc::CMSG_NXTHDR(&msg, c);
        }
    }
    Some((n as usize, stamp.unwrap_or_else(Stamp::now)))
}

/// One syslog record as glibc's syslog(3) sends it: `<PRI>Mmm dd hh:mm:ss IDENT[PID]: MSG`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyslogMsg {
    /// When the kernel queued it.
    pub stamp: Stamp,
    /// Facility number (3 = daemon, 16..23 = local0..7).
    pub facility: u8,
    /// Severity (1 = alert, 6 = info, 7 = debug).
    pub severity: u8,
    /// The ident (`Keepalived`, `Keepalived_vrrp`, ...).
    pub ident: String,
    /// The pid (LOG_PID), as the sender sees it (inside its pid namespace).
    pub pid: Option<i32>,
    /// The message text.
    pub message: String,
    /// The datagram as received.
    pub raw: String,
}

/// syslog facility numbers.
pub const LOG_DAEMON: u8 = 3;
/// LOG_LOCAL0; local N is this + N.
pub const LOG_LOCAL0: u8 = 16;
/// Severity LOG_ALERT.
pub const LOG_ALERT: u8 = 1;
/// Severity LOG_INFO.
pub const LOG_INFO: u8 = 6;

impl SyslogMsg {
    /// Parses a datagram; a record without the expected header keeps its text as the message.
    pub fn parse(stamp: Stamp, raw: &str) -> SyslogMsg {
        let raw = raw.trim_end_matches(['\n', '\0']).to_string();
        let mut m = SyslogMsg {
            stamp,
            facility: u8::MAX,
            severity: u8::MAX,
            ident: String::new(),
            pid: None,
            message: raw.clone(),
            raw: raw.clone(),
        };
        let Some(rest) = raw.strip_prefix('<') else { return m };
        let Some((pri, rest)) = rest.split_once('>') else {
            return m;
        };
        let Ok(pri) = pri.parse::<u16>() else { return m };
        m.facility = (pri >> 3) as u8;
        m.severity = (pri & 7) as u8;
        // "Nov  1 02:03:04 " (glibc's "%h %e %T ").
        let rest = match rest.get(15..16) {
            Some(" ") if rest.as_bytes()[9] == b':' && rest.as_bytes()[12] == b':' => &rest[16..],
            _ => rest,
        };
        let Some((head, msg)) = rest.split_once(": ") else {
            m.message = rest.to_string();
            return m;
        };
        m.message = msg.to_string();
        match head.strip_suffix(']').and_then(|h| h.rsplit_once('[')) {
            Some((ident, pid)) => {
                m.ident = ident.to_string();
                m.pid = pid.parse().ok();
            }
            None => m.ident = head.to_string(),
        }
        m
    }

    /// Whether it came from `ident[pid]`.
    pub fn from(&self, ident: &str, pid: i32) -> bool {
        self.ident == ident && self.pid == Some(pid)
    }
}

impl std::fmt::Display for SyslogMsg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fac = match self.facility {
            LOG_DAEMON => "daemon".to_string(),
            n @ 16..=23 => format!("local{}", n - LOG_LOCAL0),
            n => n.to_string(),
        };
        let sev = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]
            .get(self.severity as usize)
            .copied()
            .unwrap_or("?");
        let pid = self.pid.map(|p| format!("[{p}]")).unwrap_or_default();
        write!(f, "{fac}.{sev} {}{pid}: {}", self.ident, self.message)
    }
}

/// The `/dev/log` stand-in: records every syslog record; can be stopped and started again at
/// the same path (a syslog daemon restart).
pub struct Syslog {
    path: PathBuf,
    rec: Recorder<SyslogMsg>,
    sock: Option<Dgram>,
}

impl Syslog {
    /// Listens at `path`.
    pub fn start(path: &Path) -> Syslog {
        let mut s = Syslog {
            path: path.to_path_buf(),
            rec: Recorder::default(),
            sock: None,
        };
        s.restart();
        s
    }

    /// Stops listening and removes the socket: records sent meanwhile are lost.
    pub fn stop(&mut self) {
        if let Some(mut d) = self.sock.take() {
            d.close();
        }
    }

    /// (Re)binds a new socket at the same path; a no-op while running.
    pub fn restart(&mut self) {
        if self.sock.is_some() {
            return;
        }
        let rec = self.rec.clone();
        self.sock = Some(Dgram::bind(&self.path, move |stamp, b| {
            rec.push(SyslogMsg::parse(stamp, &String::from_utf8_lossy(b)));
        }));
    }

    /// The socket path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Everything recorded (across restarts).
    pub fn rec(&self) -> &Recorder<SyslogMsg> {
        &self.rec
    }

    /// Waits up to `timeout` for a record matching `pred`.
    pub fn wait_for(&self, pred: impl Fn(&SyslogMsg) -> bool, timeout: Duration) -> Option<SyslogMsg> {
        self.rec.wait_for(pred, timeout)
    }

    /// Waits for a record from index `from` (an earlier [`Syslog::mark`]) on.
    pub fn wait_from(&self, from: usize, pred: impl Fn(&SyslogMsg) -> bool, timeout: Duration) -> Option<SyslogMsg> {
        self.rec.wait_from(from, pred, timeout)
    }

    /// The number of records so far, to wait for later ones.
    pub fn mark(&self) -> usize {
        self.rec.len()
    }

    /// Every record so far.
    pub fn all(&self) -> Vec<SyslogMsg> {
        self.rec.all()
    }

    /// Every record so far, one per line, for failure messages.
    pub fn text(&self) -> String {
        self.rec.all().iter().map(|m| format!("  {m}\n")).collect()
    }
}

/// One message on the notify socket (`sd_notify`): newline-separated `KEY=VALUE` fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// When the kernel queued it.
    pub stamp: Stamp,
    /// The datagram text.
    pub raw: String,
}

impl Notice {
    /// Its `KEY=VALUE` fields.
    pub fn fields(&self) -> Vec<(&str, &str)> {
        self.raw.lines().filter_map(|l| l.split_once('=')).collect()
    }

    /// The value of `key`, if the message has it.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.fields().into_iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Whether it has the field `kv` (`"READY=1"`).
    pub fn has(&self, kv: &str) -> bool {
        self.raw.lines().any(|l| l == kv)
    }
}

/// The systemd notify socket stand-in: records every message.
pub struct Notify {
    path: PathBuf,
    rec: Recorder<Notice>,
    _sock: Dgram,
}

impl Notify {
    /// Listens at `path`.
    pub fn start(path: &Path) -> Notify {
        let rec = Recorder::default();
        let r = rec.clone();
        let sock = Dgram::bind(path, move |stamp, b| {
            r.push(Notice {
                stamp,
                raw: String::from_utf8_lossy(b).into_owned(),
            })
        });
        Notify {
            path: path.to_path_buf(),
            rec,
            _sock: sock,
        }
    }

    /// The socket path (the value of NOTIFY_SOCKET).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The number of messages so far, to wait for later ones.
    pub fn mark(&self) -> usize {
        self.rec.len()
    }

    /// Waits up to `timeout` for a message from index `from` on that has field `kv`.
    pub fn wait_from(&self, from: usize, kv: &str, timeout: Duration) -> Option<Notice> {
        self.rec.wait_from(from, |n| n.has(kv), timeout)
    }

    /// Waits up to `timeout` for a message that has field `kv`.
    pub fn wait_for(&self, kv: &str, timeout: Duration) -> Option<Notice> {
        self.wait_from(0, kv, timeout)
    }

    /// Every message so far.
    pub fn all(&self) -> Vec<Notice> {
        self.rec.all()
    }

    /// Every message so far, for failure messages.
    pub fn text(&self) -> String {
        self.rec.all().iter().map(|n| format!("  {:?}\n", n.raw)).collect()
    }
}
