//! SMTP_CHECK (keepalived's check_smtp.c): connect, read the 220 banner, send
//! `HELO <helo_name>\r\n`, read a 250, send `QUIT\r\n`, read one more line. Each step has the
//! checker's `connect_timeout`. The failure reasons are keepalived's `smtp_final()` texts
//! without their "SMTP_CHECK " prefix, which the scheduler adds when it logs them.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::check::conn::{self, Connect, Endpoint};
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

/// The checker's connection options as a [`Endpoint`] to `addr`, within `limit`.
pub fn endpoint(co: &ConnOpts, addr: SocketAddr, limit: Duration) -> Endpoint {
    Endpoint {
        dst: Some(addr),
        bind: co.bindto().map(|ip| SocketAddr::new(ip, co.bind_port())),
        bind_if: co.bind_if().map(str::to_string),
        fwmark: co.fwmark(),
        timeout: limit,
    }
}

/// Logs a socket set-up failure line of [`conn::socket`] at keepalived's priority
/// (`socket_bind_connect()` logs the SO_MARK failure at LOG_ERR, the others at LOG_INFO).
pub fn log_setup(line: &str) {
    use crate::log::{LogLine, Priority, write};
    let priority = if line.starts_with("Error setting fwmark") {
        Priority::Error
    } else {
        Priority::Info
    };
    write(&LogLine::at(priority, line));
}

/// `strerror(errno)` as keepalived prints it.
pub use conn::strerror;

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
    let stream = match conn::connect(&endpoint(co, addr, limit)).await {
        Connect::Ok(s) => s,
        Connect::Setup { no_socket: true, .. } => {
            write(&LogLine::info(
                "SMTP_CHECK connection failed to create socket. Rescheduling.",
            ));
            return Report::Rescheduled;
        }
        Connect::Setup { log, .. } => {
            if let Some(l) = log {
                log_setup(&l);
            }
            write(&LogLine::info("SMTP_CHECK socket bind failed. Rescheduling."));
            return Report::Rescheduled;
        }
        Connect::Refused(_) => {
            let ip = addr.ip();
            return fail(format!(
                "Network unreachable for server {ip} - real server {}",
                pair(rs)
            ));
        }
        Connect::Timeout => return fail(format!("Connection timeout to server {server}")),
        Connect::Failed(_) => return fail(format!("Could not connect to server {server}")),
        Connect::Error(_) => return fail(format!("Error connecting to server {server}")),
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
