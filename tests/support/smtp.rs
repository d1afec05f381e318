//! A small SMTP sink for alert tests: a std TCP server (on 127.0.0.1, or inside a test's
//! network namespace) that answers keepalived's conversation with configurable replies and
//! records every session's client bytes, so tests can wait (bounded) for sessions and compare
//! them.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// What the sink answers. A reply of `None` means: say nothing and keep the connection open
/// (to provoke the client's read timeout); `close_after_greeting` hangs up after the greeting.
#[derive(Clone, Debug)]
pub struct Replies {
    /// The greeting.
    pub greeting: Option<String>,
    /// To HELO/EHLO.
    pub helo: Option<String>,
    /// To MAIL FROM.
    pub mail: Option<String>,
    /// To each RCPT TO, in order; the last one repeats.
    pub rcpt: Vec<Option<String>>,
    /// To DATA.
    pub data: Option<String>,
    /// After the message's end marker.
    pub body: Option<String>,
    /// To QUIT (then the sink closes).
    pub quit: Option<String>,
    /// Close right after the greeting.
    pub close_after_greeting: bool,
}

impl Default for Replies {
    fn default() -> Self {
        let s = |t: &str| Some(t.to_string());
        Replies {
            greeting: s("220 sink ESMTP ready\r\n"),
            helo: s("250-sink\r\n250 HELP\r\n"),
            mail: s("250 2.1.0 Ok\r\n"),
            rcpt: vec![s("250 2.1.5 Ok\r\n")],
            data: s("354 End data with <CR><LF>.<CR><LF>\r\n"),
            body: s("250 2.0.0 Ok: queued\r\n"),
            quit: s("221 2.0.0 Bye\r\n"),
            close_after_greeting: false,
        }
    }
}

/// One connection: everything the client sent, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Session {
    /// The client's bytes.
    pub received: Vec<u8>,
    /// Whether the session has ended (client or sink closed).
    pub done: bool,
}

impl Session {
    /// The client's bytes as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.received).into_owned()
    }
}

type Shared = Arc<(Mutex<Vec<Session>>, Condvar)>;

/// The running sink; stops on drop.
pub struct Sink {
    /// Where it listens.
    pub addr: SocketAddr,
    sessions: Shared,
    stop: Arc<AtomicBool>,
}

impl Sink {
    /// A sink on `addr` (port 0: any) in the current network namespace.
    pub fn start(addr: SocketAddr, replies: Replies) -> Sink {
        let listener = TcpListener::bind(addr).expect("bind sink");
        Self::serve(listener, replies)
    }

    /// A sink on `addr` inside the named network namespace (`ip netns`): the listening socket
    /// is made by a thread that joined the namespace.
    pub fn start_in(netns: &str, addr: SocketAddr, replies: Replies) -> Sink {
        let path = format!("/var/run/netns/{netns}");
        let listener = std::thread::spawn(move || {
            let f = std::fs::File::open(&path).expect("open netns");
            use std::os::fd::AsRawFd;
            // SAFETY: setns on a valid namespace fd only moves this thread.
            let r = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(r, 0, "setns {path}");
            TcpListener::bind(addr).expect("bind sink in netns")
        })
        .join()
        .expect("sink thread");
        Self::serve(listener, replies)
    }

    fn serve(listener: TcpListener, replies: Replies) -> Sink {
        let addr = listener.local_addr().expect("local addr");
        listener.set_nonblocking(true).expect("nonblocking");
        let sessions: Shared = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (s, st) = (sessions.clone(), stop.clone());
        std::thread::spawn(move || {
            while !st.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((conn, _)) => {
                        let idx = {
                            let mut v = s.0.lock().unwrap();
                            v.push(Session::default());
                            v.len() - 1
                        };
                        let (s, r) = (s.clone(), replies.clone());
                        std::thread::spawn(move || session(conn, idx, &s, &r));
                    }
                    // Polling keeps the sink stoppable without a wake-up connection.
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Sink { addr, sessions, stop }
    }

    /// Waits up to `timeout` for at least `n` finished sessions; all sessions so far.
    pub fn wait(&self, n: usize, timeout: Duration) -> Vec<Session> {
        let end = Instant::now() + timeout;
        let (m, c) = &*self.sessions;
        let mut g = m.lock().unwrap();
        loop {
            if g.iter().filter(|s| s.done).count() >= n {
                return g.clone();
            }
            let now = Instant::now();
            if now >= end {
                return g.clone();
            }
            g = c.wait_timeout(g, end - now).unwrap().0;
        }
    }

    /// The sessions so far.
    pub fn sessions(&self) -> Vec<Session> {
        self.sessions.0.lock().unwrap().clone()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn record(s: &Shared, idx: usize, bytes: &[u8], done: bool) {
    let (m, c) = &**s;
    let mut v = m.lock().unwrap();
    v[idx].received.extend_from_slice(bytes);
    v[idx].done |= done;
    c.notify_all();
}

/// Serves one connection: reads lines (the message up to `CRLF.CRLF` in DATA mode) and answers.
fn session(mut conn: TcpStream, idx: usize, s: &Shared, r: &Replies) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(30)));
    let say = |conn: &mut TcpStream, t: &Option<String>| {
        if let Some(t) = t {
            let _ = conn.write_all(t.as_bytes());
        }
    };
    say(&mut conn, &r.greeting);
    if r.close_after_greeting {
        record(s, idx, b"", true);
        return;
    }
    let mut pending: Vec<u8> = Vec::new();
    let mut in_data = false;
    let mut rcpts = 0;
    let mut buf = [0u8; 4096];
    loop {
        let n = match conn.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        record(s, idx, &buf[..n], false);
        pending.extend_from_slice(&buf[..n]);
        loop {
            if in_data {
                let Some(end) = pending.windows(5).position(|w| w == b"\r\n.\r\n") else {
                    break;
                };
                pending.drain(..end + 5);
                in_data = false;
                say(&mut conn, &r.body);
                continue;
            }
            let Some(eol) = pending.windows(2).position(|w| w == b"\r\n") else {
                break;
            };
            let line: Vec<u8> = pending.drain(..eol + 2).collect();
            let verb = String::from_utf8_lossy(&line[..4.min(line.len())]).to_ascii_uppercase();
            match verb.as_str() {
                "HELO" | "EHLO" => say(&mut conn, &r.helo),
                "MAIL" => say(&mut conn, &r.mail),
                "RCPT" => {
                    let reply = r.rcpt.get(rcpts).or(r.rcpt.last()).cloned().flatten();
                    rcpts += 1;
                    say(&mut conn, &reply);
                }
                "DATA" => {
                    in_data = true;
                    say(&mut conn, &r.data);
                }
                // A silent QUIT keeps the connection open (the client times out).
                "QUIT" if r.quit.is_some() => {
                    say(&mut conn, &r.quit);
                    record(s, idx, b"", true);
                    return;
                }
                "QUIT" => {}
                _ => say(&mut conn, &Some("500 what\r\n".into())),
            }
        }
    }
    record(s, idx, b"", true);
}
