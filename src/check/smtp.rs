//! SMTP_CHECK (keepalived's check_smtp.c): connect, read the 220 banner, send
//! `HELO <helo_name>\r\n`, read a 250, send `QUIT\r\n`, read one more line. Each step has the
//! checker's `connect_timeout`. The failure reasons are keepalived's `smtp_final()` texts
//! without their "SMTP_CHECK " prefix, which the scheduler adds when it logs them.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::check::event::Probe;
use crate::check::schedule::Report;
use crate::config::model::check::{ConnOpts, SmtpCheck};

/// keepalived's `SMTP_BUFF_MAX`: a line longer than this wraps (the buffer is cleared).
const BUFF_MAX: usize = 512;

/// The checker's destination (`co->dst` and its port), if it has one.
pub fn target(co: &ConnOpts) -> Option<SocketAddr> {
    co.dst.map(|ip| SocketAddr::new(ip, co.dst_port))
}

/// keepalived's `inet_sockaddrtopair()`: `[ip]:port`.
pub fn pair(addr: SocketAddr) -> String {
    format!("[{}]:{}", addr.ip(), addr.port())
}

/// The result of keepalived's `socket_bind_connect()` (layer4.c) on a fresh socket.
#[derive(Debug, PartialEq, Eq)]
pub enum Bound {
    /// Connected, or (TCP) connecting.
    Connecting,
    /// `connect_fail`: connect(2) failed at once with an unreachable/refused kind of error.
    Fail,
    /// `connect_error`: SO_MARK, SO_BINDTODEVICE, bind(2) or connect(2) failed otherwise; the
    /// checkers then log "... Rescheduling." and count nothing.
    Error,
}

/// keepalived's `socket_bind_connect()`: SO_LINGER 5 s on TCP sockets, SO_MARK `fwmark`,
/// SO_BINDTODEVICE `bind_if`, bind to `bindto`:`bind_port`, then a non-blocking connect.
pub fn socket_bind_connect(sock: &socket2::Socket, co: &ConnOpts, addr: SocketAddr) -> Bound {
    use crate::log::{LogLine, Priority, write};
    if sock.r#type().ok() == Some(socket2::Type::STREAM) {
        let _ = sock.set_linger(Some(Duration::from_secs(5)));
    }
    if co.fwmark != 0
        && let Err(e) = sock.set_mark(co.fwmark)
    {
        let m = format!("Error setting fwmark {} to socket: {}", co.fwmark, strerror(&e));
        write(&LogLine::at(Priority::Error, m));
        return Bound::Error;
    }
    if let Some(dev) = &co.bind_if
        && let Err(e) = sock.bind_device(Some(dev.as_bytes()))
    {
        let m = format!("Checker can't bind to device {dev}: {}", strerror(&e));
        write(&LogLine::info(m));
        return Bound::Error;
    }
    if let Some(ip) = co.bindto
        && let Err(e) = sock.bind(&SocketAddr::new(ip, co.bind_port).into())
    {
        write(&LogLine::info(format!("Checker bind failed: {}", strerror(&e))));
        return Bound::Error;
    }
    match sock.connect(&addr.into()) {
        Ok(()) => Bound::Connecting,
        Err(e) => match e.raw_os_error() {
            Some(libc::EINPROGRESS) => Bound::Connecting,
            Some(
                libc::ENETUNREACH
                | libc::EHOSTUNREACH
                | libc::ECONNREFUSED
                | libc::EHOSTDOWN
                | libc::ENETDOWN
                | libc::ECONNRESET
                | libc::ECONNABORTED
                | libc::ETIMEDOUT,
            ) => Bound::Fail,
            _ => Bound::Error,
        },
    }
}

/// `strerror(errno)` as keepalived prints it (without Rust's " (os error N)").
pub fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// How a TCP connection attempt ended (keepalived's `tcp_bind_connect()` then
/// `tcp_socket_state()`).
#[derive(Debug)]
pub enum Connected {
    /// `connect_success`.
    Stream(TcpStream),
    /// The socket could not be created.
    NoSocket,
    /// [`Bound::Fail`] at once.
    Fail,
    /// [`Bound::Error`] at once.
    Error,
    /// `connect_timeout`: no answer within the limit (or SO_ERROR ETIMEDOUT).
    Timeout,
    /// `connect_fail` later: SO_ERROR reported another error (refused, unreachable...).
    Refused,
}

/// Connects to `addr` as keepalived's TCP-based checkers do, within `limit`.
pub async fn connect_tcp(co: &ConnOpts, addr: SocketAddr, limit: Duration) -> Connected {
    use socket2::{Domain, Protocol, Socket, Type};
    let domain = if addr.is_ipv4() { Domain::IPV4 } else { Domain::IPV6 };
    let Ok(sock) = Socket::new(domain, Type::STREAM.nonblocking().cloexec(), Some(Protocol::TCP)) else {
        return Connected::NoSocket;
    };
    match socket_bind_connect(&sock, co, addr) {
        Bound::Connecting => {}
        Bound::Fail => return Connected::Fail,
        Bound::Error => return Connected::Error,
    }
    let Ok(stream) = TcpStream::from_std(std::net::TcpStream::from(sock)) else {
        return Connected::Error;
    };
    match timeout(limit, stream.writable()).await {
        Err(_) => Connected::Timeout,
        Ok(_) => match stream.take_error() {
            Ok(None) => Connected::Stream(stream),
            Ok(Some(e)) if e.raw_os_error() == Some(libc::ETIMEDOUT) => Connected::Timeout,
            _ => Connected::Refused,
        },
    }
}

/// keepalived's `smtp_get_status()`: the first three characters as a number, followed by
/// the end of the line or a space; otherwise none.
pub fn status(line: &[u8]) -> Option<u16> {
    if line.len() < 3 || !line[..3].iter().all(u8::is_ascii_digit) {
        return None;
    }
    if line.len() > 3 && line[3] != b' ' {
        return None;
    }
    std::str::from_utf8(&line[..3]).ok()?.parse().ok()
}

/// The conversation's steps (keepalived's `smtp_engine_thread()` states).
struct Conversation {
    stream: TcpStream,
    limit: Duration,
    rs: String,
}

impl Conversation {
    /// `smtp_get_line()`: reads until a newline; the line is what precedes it. Whatever
    /// follows it in the same read is dropped, as keepalived clears its buffer per line.
    async fn line(&mut self) -> Result<Vec<u8>, String> {
        let mut buf = Vec::with_capacity(BUFF_MAX);
        let mut chunk = [0u8; BUFF_MAX];
        loop {
            if buf.len() >= BUFF_MAX - 1 {
                crate::log::write(&crate::log::LogLine::info(format!(
                    "SMTP_CHECK Buffer overflow reading from server {}. Increase SMTP_BUFF_MAX in check_smtp.h",
                    self.rs
                )));
                buf.clear();
            }
            let room = BUFF_MAX - 1 - buf.len();
            let n = match timeout(self.limit, self.stream.read(&mut chunk[..room])).await {
                Err(_) => return Err(format!("Read timeout from server {}", self.rs)),
                Ok(Ok(0)) | Ok(Err(_)) => return Err(format!("Read failure from server {}", self.rs)),
                Ok(Ok(n)) => n,
            };
            buf.extend_from_slice(&chunk[..n]);
            if let Some(nl) = buf.iter().position(|b| *b == b'\n') {
                buf.truncate(nl);
                return Ok(buf);
            }
        }
    }

    /// `smtp_put_line()`.
    async fn put(&mut self, text: &str) -> Result<(), String> {
        match timeout(self.limit, self.stream.write_all(text.as_bytes())).await {
            Err(_) => Err(format!("Write timeout to server {}", self.rs)),
            Ok(Err(_)) => Err(format!("Write failure to server {}", self.rs)),
            Ok(Ok(())) => Ok(()),
        }
    }

    async fn run(&mut self, helo: &str) -> Result<(), String> {
        if status(&self.line().await?) != Some(220) {
            return Err(format!("Bad greeting banner from server {}", self.rs));
        }
        self.put(&format!("HELO {helo}\r\n")).await?;
        if status(&self.line().await?) != Some(250) {
            return Err(format!("Bad HELO response from server {}", self.rs));
        }
        self.put("QUIT\r\n").await?;
        self.line().await?;
        Ok(())
    }
}

/// Runs the check once against the checker's destination, each step within `limit`
/// (`connect_timeout`). `rs` is the real server's address and port (for the "Network
/// unreachable" text, which names both).
pub async fn probe(check: &SmtpCheck, co: &ConnOpts, limit: Duration, rs: SocketAddr) -> Report {
    use crate::log::{LogLine, write};
    let fail = |reason: String| Report::Done(Probe::Failure { reason });
    let Some(addr) = target(co) else {
        return fail(format!("Unknown connection error to server {}", pair(rs)));
    };
    let server = pair(addr);
    let stream = match connect_tcp(co, addr, limit).await {
        Connected::Stream(s) => s,
        Connected::NoSocket => {
            write(&LogLine::info(
                "SMTP_CHECK connection failed to create socket. Rescheduling.",
            ));
            return Report::Rescheduled;
        }
        Connected::Error => {
            write(&LogLine::info("SMTP_CHECK socket bind failed. Rescheduling."));
            return Report::Rescheduled;
        }
        Connected::Fail => {
            let ip = addr.ip();
            return fail(format!(
                "Network unreachable for server {ip} - real server {}",
                pair(rs)
            ));
        }
        Connected::Timeout => return fail(format!("Connection timeout to server {server}")),
        Connected::Refused => return fail(format!("Could not connect to server {server}")),
    };
    let mut c = Conversation {
        stream,
        limit,
        rs: server,
    };
    match c.run(&check.helo_name).await {
        Ok(()) => Report::Done(Probe::Success),
        Err(reason) => fail(reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_get_status() {
        assert_eq!(status(b"220 mail.example.org ESMTP\r"), Some(220));
        assert_eq!(status(b"220 ready"), Some(220));
        assert_eq!(status(b"250"), Some(250));
        assert_eq!(status(b"250\r"), None, "a bare code then CR fails, as in keepalived");
        assert_eq!(status(b"220-multi"), None);
        assert_eq!(status(b"22"), None);
        assert_eq!(status(b"2200 x"), None);
    }
}
