//! SMTP_CHECK (keepalived's check_smtp.c): connect, read the 220 banner, send
//! `HELO <helo_name>\r\n`, read a 250, send `QUIT\r\n`, read one more line. Each step has the
//! checker's `connect_timeout`. The failure reasons are keepalived's `smtp_final()` texts
//! without their "SMTP_CHECK " prefix, which the scheduler adds when it logs them.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::time::timeout;

use crate::check::event::Probe;
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

/// Why a TCP connection was not made (keepalived's `connect_result`).
#[derive(Debug)]
pub enum ConnectError {
    /// `connect_fail`: the connect call itself failed (e.g. no route).
    Fail,
    /// `connect_error`: refused or reset while connecting.
    Error,
    /// `connect_timeout`.
    Timeout,
}

/// Connects to `addr` from `bindto`/`bind_port` (and SO_MARK `fwmark`) within `limit`.
pub async fn connect_tcp(co: &ConnOpts, addr: SocketAddr, limit: Duration) -> Result<TcpStream, ConnectError> {
    let sock = if addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    };
    let sock = sock.map_err(|_| ConnectError::Fail)?;
    if co.fwmark != 0 {
        socket2::SockRef::from(&sock)
            .set_mark(co.fwmark)
            .map_err(|_| ConnectError::Error)?;
    }
    if let Some(ip) = co.bindto {
        sock.bind(SocketAddr::new(ip, co.bind_port))
            .map_err(|_| ConnectError::Error)?;
    }
    match timeout(limit, sock.connect(addr)).await {
        Err(_) => Err(ConnectError::Timeout),
        Ok(Ok(s)) => Ok(s),
        Ok(Err(e)) => Err(match e.raw_os_error() {
            Some(libc::ENETUNREACH | libc::EADDRNOTAVAIL | libc::EAFNOSUPPORT | libc::EACCES) => ConnectError::Fail,
            _ => ConnectError::Error,
        }),
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
/// (`connect_timeout`).
pub async fn probe(check: &SmtpCheck, co: &ConnOpts, limit: Duration) -> Probe {
    let Some(addr) = target(co) else {
        return Probe::Failure {
            reason: "Unknown connection error to server [unknown]".into(),
        };
    };
    let rs = pair(addr);
    let stream = match connect_tcp(co, addr, limit).await {
        Ok(s) => s,
        Err(e) => {
            let what = match e {
                ConnectError::Fail => "Could not connect to server",
                ConnectError::Error => "Error connecting to server",
                ConnectError::Timeout => "Connection timeout to server",
            };
            return Probe::Failure {
                reason: format!("{what} {rs}"),
            };
        }
    };
    let mut c = Conversation { stream, limit, rs };
    match c.run(&check.helo_name).await {
        Ok(()) => Probe::Success,
        Err(reason) => Probe::Failure { reason },
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
