//! Helpers for the VRRP I/O tests (`tests/vrrp_io*.rs`): two namespaces joined by veth pairs,
//! running code inside a namespace on the current thread, capturing frames with kernel
//! timestamps, and running Debian's keepalived in a namespace.

use std::fs::File;
use std::mem::MaybeUninit;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::fd::AsRawFd;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use socket2::{Domain, MaybeUninitSlice, MsgHdrMut, Protocol, SockAddr, SockAddrStorage, Socket, Type};

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// `ETH_P_ALL`: every frame.
pub const ETH_P_ALL: u16 = 0x0003;

/// Namespaces `a` and `b` joined by `links` veth pairs `a<i>` <-> `b<i>`, deleted on drop.
/// Link i: 10.77.i.1/24 and .2/24, fe80::1 and fe80::2, fd77:i::1/64 and ::2, all usable at
/// once (duplicate address detection is off inside these namespaces).
pub struct Pair {
    /// Namespace of the `a<i>` ends.
    pub a: String,
    /// Namespace of the `b<i>` ends.
    pub b: String,
}

impl Pair {
    /// Creates the namespaces and links; `None` (after a SKIP line) without root / `ip netns`.
    pub fn new(test: &str, links: usize) -> Option<Pair> {
        if !super::can_netns() {
            super::skip(test, "needs root and `ip netns`");
            return None;
        }
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let base = format!("kars-io-{}-{n}", std::process::id());
        let pair = Pair {
            a: format!("{base}a"),
            b: format!("{base}b"),
        };
        for ns in [&pair.a, &pair.b] {
            run(&["ip", "netns", "add", ns]);
            for key in ["all", "default"] {
                sysctl(ns, &format!("net/ipv6/conf/{key}/accept_dad"), "0");
            }
            run(&["ip", "-n", ns, "link", "set", "lo", "up"]);
        }
        for i in 0..links {
            let (ai, bi) = (format!("a{i}"), format!("b{i}"));
            run(&[
                "ip", "-n", &pair.a, "link", "add", &ai, "type", "veth", "peer", "name", &bi, "netns", &pair.b,
            ]);
            for (ns, ifname, host) in [(&pair.a, &ai, 1), (&pair.b, &bi, 2)] {
                run(&[
                    "ip",
                    "-n",
                    ns,
                    "addr",
                    "add",
                    &format!("10.77.{i}.{host}/24"),
                    "dev",
                    ifname,
                ]);
                run(&[
                    "ip",
                    "-n",
                    ns,
                    "addr",
                    "add",
                    &format!("fe80::{host}/64"),
                    "dev",
                    ifname,
                    "nodad",
                ]);
                run(&[
                    "ip",
                    "-n",
                    ns,
                    "addr",
                    "add",
                    &format!("fd77:{i}::{host}/64"),
                    "dev",
                    ifname,
                    "nodad",
                ]);
                run(&["ip", "-n", ns, "link", "set", ifname, "up"]);
            }
        }
        Some(pair)
    }

    /// 10.77.i.1 or .2.
    pub fn v4(&self, link: usize, host: u8) -> Ipv4Addr {
        Ipv4Addr::new(10, 77, link as u8, host)
    }

    /// fd77:i::1 or ::2.
    pub fn v6(&self, link: usize, host: u16) -> Ipv6Addr {
        Ipv6Addr::new(0xfd77, link as u16, 0, 0, 0, 0, 0, host)
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        for ns in [&self.a, &self.b] {
            let _ = Command::new("ip").args(["netns", "del", ns]).output();
        }
    }
}

fn run(args: &[&str]) {
    let o = Command::new(args[0]).args(&args[1..]).output().expect(args[0]);
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

/// Writes a sysctl inside a namespace (`net/ipv6/conf/a0/forwarding` form).
pub fn sysctl(ns: &str, key: &str, value: &str) {
    let path = format!("/proc/sys/{key}");
    run(&["ip", "netns", "exec", ns, "sh", "-c", &format!("echo {value} > {path}")]);
}

/// An interface's (ifindex, MAC) in a namespace.
pub fn link_info(ns: &str, ifname: &str) -> (u32, [u8; 6]) {
    let o = Command::new("ip")
        .args(["-n", ns, "-j", "link", "show", "dev", ifname])
        .output()
        .expect("ip link");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("ip -j output");
    let index = v[0]["ifindex"].as_u64().expect("ifindex") as u32;
    let mut mac = [0u8; 6];
    for (m, h) in mac
        .iter_mut()
        .zip(v[0]["address"].as_str().expect("address").split(':'))
    {
        *m = u8::from_str_radix(h, 16).expect("mac");
    }
    (index, mac)
}

/// While alive, the current thread is in another network namespace (sockets created now belong
/// to it); dropping it moves the thread back.
pub struct Entered {
    orig: File,
}

/// Moves the current thread into namespace `ns`.
pub fn enter(ns: &str) -> Entered {
    let orig = File::open("/proc/thread-self/ns/net").expect("own netns");
    let target = File::open(format!("/run/netns/{ns}")).expect("netns file");
    setns(&target);
    Entered { orig }
}

impl Drop for Entered {
    fn drop(&mut self) {
        setns(&self.orig);
    }
}

fn setns(f: &File) {
    // SAFETY: setns(2) on an open namespace fd; it only changes this thread's network namespace.
    let rc = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
    assert_eq!(rc, 0, "setns: {}", std::io::Error::last_os_error());
}

/// A received frame.
#[derive(Clone, Debug)]
pub struct Frame {
    /// From the Ethernet header on.
    pub data: Vec<u8>,
    /// Kernel receive timestamp (`SO_TIMESTAMPNS`, realtime clock).
    pub stamp: Duration,
}

/// An `AF_PACKET` socket receiving one interface's frames of one ethertype.
pub struct Capture {
    sock: Socket,
}

impl Capture {
    /// Starts capturing on `ifname` in `ns` (frames sent before this are not seen).
    pub fn open(ns: &str, ifname: &str, ethertype: u16) -> Capture {
        let (index, _) = link_info(ns, ifname);
        let _in = enter(ns);
        let proto = Protocol::from(i32::from(ethertype.to_be()));
        let sock = Socket::new(Domain::PACKET, Type::RAW, Some(proto)).expect("AF_PACKET socket");
        let mut storage = SockAddrStorage::zeroed();
        // SAFETY: sockaddr_ll is a sockaddr type of this platform and fits the storage.
        let ll = unsafe { storage.view_as::<libc::sockaddr_ll>() };
        ll.sll_family = libc::AF_PACKET as u16;
        ll.sll_protocol = ethertype.to_be();
        ll.sll_ifindex = index as i32;
        // SAFETY: the storage holds an initialised sockaddr_ll of this length.
        let addr = unsafe { SockAddr::new(storage, size_of::<libc::sockaddr_ll>() as u32) };
        sock.bind(&addr).expect("bind AF_PACKET");
        let on: libc::c_int = 1;
        // SAFETY: setsockopt reads a live c_int.
        let rc = unsafe {
            libc::setsockopt(
                sock.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_TIMESTAMPNS,
                (&raw const on).cast(),
                size_of::<libc::c_int>() as u32,
            )
        };
        assert_eq!(rc, 0);
        Capture { sock }
    }

    /// The next frame, waiting until `deadline` at most.
    pub fn next(&self, deadline: Instant) -> Option<Frame> {
        let left = deadline.checked_duration_since(Instant::now())?;
        self.sock
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .ok()?;
        let mut buf = vec![MaybeUninit::<u8>::uninit(); 65536];
        let mut control = [MaybeUninit::<u8>::uninit(); 256];
        let (len, clen) = {
            let mut bufs = [MaybeUninitSlice::new(&mut buf)];
            let mut msg = MsgHdrMut::new().with_buffers(&mut bufs).with_control(&mut control);
            let len = self.sock.recvmsg(&mut msg, 0).ok()?;
            (len, msg.control_len())
        };
        // SAFETY: recvmsg initialised the first `len` bytes of buf and `clen` of control.
        let data: Vec<u8> = buf[..len].iter().map(|b| unsafe { b.assume_init() }).collect();
        let control: Vec<u8> = control[..clen].iter().map(|b| unsafe { b.assume_init() }).collect();
        Some(Frame {
            data,
            stamp: timestamp(&control).unwrap_or_default(),
        })
    }

    /// Frames accepted by `keep` until `n` were kept or `deadline` passed.
    pub fn collect(&self, n: usize, deadline: Instant, keep: impl Fn(&[u8]) -> bool) -> Vec<Frame> {
        let mut out = Vec::new();
        while out.len() < n {
            match self.next(deadline) {
                Some(f) if keep(&f.data) => out.push(f),
                Some(_) => {}
                None => break,
            }
        }
        out
    }
}

/// SCM_TIMESTAMPNS from a control buffer (64-bit layout: 16-byte cmsghdr, timespec of two i64).
fn timestamp(mut c: &[u8]) -> Option<Duration> {
    while c.len() >= 16 {
        let len = usize::from_ne_bytes(c[..8].try_into().ok()?);
        let level = i32::from_ne_bytes(c[8..12].try_into().ok()?);
        let ty = i32::from_ne_bytes(c[12..16].try_into().ok()?);
        if len < 16 || len > c.len() {
            return None;
        }
        if level == libc::SOL_SOCKET && ty == libc::SO_TIMESTAMPNS && len >= 32 {
            let s = i64::from_ne_bytes(c[16..24].try_into().ok()?);
            let ns = i64::from_ne_bytes(c[24..32].try_into().ok()?);
            return Some(Duration::new(s as u64, ns as u32));
        }
        c = &c[(len + 7) & !7..];
    }
    None
}

/// Debian's keepalived running `-n -l -D -P` in a namespace with a given configuration; stopped
/// (SIGTERM, by pid) on drop.
pub struct Keepalived {
    child: Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Keepalived {
    /// Starts it; `None` (after a SKIP line) when Debian's keepalived 2.2.7 is not installed.
    pub fn start(test: &str, ns: &str, conf: &str) -> Option<Keepalived> {
        let Some(bin) = super::oracle_keepalived() else {
            super::skip(test, "Debian's keepalived 2.2.7 is not installed");
            return None;
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let conf_path = dir.path().join("keepalived.conf");
        std::fs::write(&conf_path, conf).expect("write conf");
        let log = dir.path().join("log");
        let out = File::create(&log).expect("log file");
        let child = Command::new("ip")
            .args(["netns", "exec", ns])
            .arg(bin)
            .args(["-n", "-l", "-D", "-P", "-f"])
            .arg(&conf_path)
            .arg("-p")
            .arg(dir.path().join("keepalived.pid"))
            .arg("-r")
            .arg(dir.path().join("vrrp.pid"))
            .stdin(Stdio::null())
            .stdout(out.try_clone().expect("dup"))
            .stderr(out)
            .spawn()
            .expect("start keepalived");
        Some(Keepalived { child, log, _dir: dir })
    }

    /// Its output so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Stops it and waits (bounded) for it to exit.
    pub fn stop(&mut self) {
        // SAFETY: kill(2) on the pid of our own child (ip netns exec execs keepalived in place).
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Keepalived {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.stop();
        }
    }
}

/// The Internet checksum (RFC 1071) of some byte slices taken as one.
pub fn inet_checksum(parts: &[&[u8]]) -> u16 {
    let bytes: Vec<u8> = parts.concat();
    let mut sum: u32 = 0;
    for c in bytes.chunks(2) {
        sum += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// A current-thread tokio runtime, as the daemon uses.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}
