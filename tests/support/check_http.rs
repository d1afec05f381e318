//! Helpers for the TCP/HTTP/SSL checker and genhash tests: a network namespace with a veth
//! (so an on-link address that never answers ARP gives a real connect timeout), code run
//! inside it from a thread that entered it with `setns`, and small HTTP/HTTPS servers that
//! record what they were sent.

use std::future::Future;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{Netns, can_netns, skip};

/// An on-link address of the namespace's veth that nobody answers (connects time out).
pub const SILENT: &str = "10.100.0.9";

/// A namespace for `test`, or `None` after printing why it is skipped.
pub fn netns(test: &str) -> Option<Netns> {
    if !can_netns() {
        skip(test, "needs root and `ip netns`");
        return None;
    }
    let ns = Netns::with_interfaces(&["ckv0".to_string()]);
    ns.exec(
        std::path::Path::new("/"),
        "ip",
        &["addr", "add", "127.0.0.2/8", "dev", "lo"],
    );
    Some(ns)
}

/// Runs `f` on a thread that has entered the namespace (sockets it makes live there).
pub fn in_ns<T: Send>(ns: &Netns, f: impl FnOnce() -> T + Send) -> T {
    let path = format!("/var/run/netns/{}", ns.name);
    std::thread::scope(|s| {
        s.spawn(|| {
            enter(&path);
            f()
        })
        .join()
        .expect("thread in netns")
    })
}

fn enter(path: &str) {
    let f = std::fs::File::open(path).expect("open netns");
    // SAFETY: setns on a valid namespace fd affects this thread only.
    let r = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
    assert_eq!(r, 0, "setns: {}", std::io::Error::last_os_error());
}

/// Runs a future to completion on a current-thread runtime, inside the namespace.
pub fn run_in<F: Future + Send>(ns: &Netns, f: F) -> F::Output
where
    F::Output: Send,
{
    in_ns(ns, || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(f)
    })
}

/// What a server answers to each connection.
#[derive(Clone, Debug)]
pub struct Reply {
    /// The raw response.
    pub raw: Vec<u8>,
    /// Send only this many bytes, then hold the connection open without closing it.
    pub stall_after: Option<usize>,
}

impl Reply {
    /// A full response, closed after.
    pub fn raw(raw: &[u8]) -> Reply {
        Reply {
            raw: raw.to_vec(),
            stall_after: None,
        }
    }

    /// `HTTP/1.0 {code} X` with a Content-Length and `body`.
    pub fn page(code: u16, body: &[u8]) -> Reply {
        let mut raw = format!("HTTP/1.0 {code} X\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
        raw.extend_from_slice(body);
        Reply::raw(&raw)
    }
}

/// A TLS identity for the HTTPS server.
pub struct Tls {
    config: Arc<rustls::ServerConfig>,
}

impl Tls {
    /// A self-signed certificate for `name`.
    pub fn self_signed(name: &str) -> Tls {
        let ck = rcgen::generate_simple_self_signed(vec![name.to_string()]).unwrap();
        let cert = ck.cert.der().clone();
        let key = rustls::pki_types::PrivateKeyDer::try_from(ck.signing_key.serialize_der()).unwrap();
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .unwrap();
        Tls {
            config: Arc::new(config),
        }
    }
}

/// A server inside a namespace; stops on drop.
pub struct Server {
    /// Its address.
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Vec<u8>>>>,
    snis: Arc<Mutex<Vec<Option<String>>>>,
    stop: Arc<AtomicBool>,
}

impl Server {
    /// Serves `reply` on `bind` (port 0 = any) in `ns`, over TLS when `tls` is given.
    pub fn start(ns: &Netns, bind: &str, reply: Reply, tls: Option<Tls>) -> Server {
        let bind: SocketAddr = bind.parse().unwrap();
        let listener = in_ns(ns, || TcpListener::bind(bind).expect("bind test server"));
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let snis = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (rq, sn, st) = (requests.clone(), snis.clone(), stop.clone());
        let tls = tls.map(|t| t.config);
        std::thread::spawn(move || {
            while !st.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((s, _)) => {
                        let (rq, sn, st, reply, tls) = (rq.clone(), sn.clone(), st.clone(), reply.clone(), tls.clone());
                        std::thread::spawn(move || serve(s, &reply, tls, &rq, &sn, &st));
                    }
                    // A listener poll: the accept loop must notice `stop`.
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Server {
            addr,
            requests,
            snis,
            stop,
        }
    }

    /// Requests received so far.
    pub fn requests(&self) -> Vec<Vec<u8>> {
        self.requests.lock().unwrap().clone()
    }

    /// SNI names seen (TLS only).
    pub fn snis(&self) -> Vec<Option<String>> {
        self.snis.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn read_request(s: &mut impl Read) -> Vec<u8> {
    let mut req = Vec::new();
    let mut b = [0u8; 1024];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut b) {
            Ok(0) | Err(_) => break,
            Ok(n) => req.extend_from_slice(&b[..n]),
        }
    }
    req
}

fn serve(
    mut s: TcpStream,
    reply: &Reply,
    tls: Option<Arc<rustls::ServerConfig>>,
    requests: &Mutex<Vec<Vec<u8>>>,
    snis: &Mutex<Vec<Option<String>>>,
    stop: &AtomicBool,
) {
    s.set_nonblocking(false).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let n = reply.stall_after.unwrap_or(reply.raw.len());
    let hold = |stop: &AtomicBool| {
        let t = Instant::now();
        while !stop.load(Ordering::Relaxed) && t.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    match tls {
        None => {
            let req = read_request(&mut s);
            requests.lock().unwrap().push(req);
            let _ = s.write_all(&reply.raw[..n]);
            if reply.stall_after.is_some() {
                hold(stop);
            }
        }
        Some(cfg) => {
            let mut conn = rustls::ServerConnection::new(cfg).unwrap();
            while conn.is_handshaking() {
                if conn.complete_io(&mut s).is_err() {
                    return;
                }
            }
            snis.lock().unwrap().push(conn.server_name().map(str::to_string));
            let mut t = rustls::Stream::new(&mut conn, &mut s);
            let req = read_request(&mut t);
            requests.lock().unwrap().push(req);
            let _ = t.write_all(&reply.raw[..n]);
            let _ = t.flush();
            if reply.stall_after.is_some() {
                hold(stop);
            }
            conn.send_close_notify();
            let _ = conn.complete_io(&mut s);
        }
    }
}

/// MD5 of `b` as 32 lowercase hex digits.
pub fn md5_hex(b: &[u8]) -> String {
    use md5::Digest;
    md5::Md5::digest(b).iter().map(|x| format!("{x:02x}")).collect()
}
