//! DNS_CHECK (keepalived's check_dns.c): one query (random id, RD set, one question of the
//! configured type and name, class IN) over UDP to the checker's destination; the answer
//! must carry the same id, be a response, and have rcode 0 (keepalived checks nothing else:
//! no answer count). The failure reasons are `dns_final()`'s texts, which the scheduler logs
//! after "DNS_CHECK (server) ".

use std::time::Duration;

use tokio::time::{Instant, timeout_at};

use socket2::{Protocol, Type};
use tokio::net::UdpSocket;

use crate::check::conn;
use crate::check::event::Probe;
use crate::check::schedule::Report;
use crate::check::smtp::{endpoint, log_setup, pair, strerror, target};
use crate::config::model::check::{ConnOpts, DNS_TYPES, DnsCheck};
use crate::log::{LogLine, write as log};

/// keepalived's `DNS_BUFFER_SIZE`.
const BUFFER_SIZE: usize = 768;

/// `dns_make_query()`: the query datagram.
pub fn make_query(id: u16, qtype: u16, name: &str) -> Vec<u8> {
    let mut q = Vec::with_capacity(32 + name.len());
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&0x0100u16.to_be_bytes()); // RD
    q.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]); // QD 1, AN/NS/AR 0
    // Each dot-separated label, length first; "." alone is the root, and a trailing dot adds
    // no empty label (keepalived's loop).
    let b = name.as_bytes();
    let mut s = 0;
    while s < b.len() {
        let e = b[s..].iter().position(|c| *c == b'.').map_or(b.len(), |p| s + p);
        q.push((e - s) as u8);
        q.extend_from_slice(&b[s..e]);
        s = if e < b.len() { e + 1 } else { e };
    }
    if name != "." {
        q.push(0);
    }
    q.extend_from_slice(&qtype.to_be_bytes());
    q.extend_from_slice(&1u16.to_be_bytes()); // IN
    q
}

/// What a received datagram means (`dns_recv_thread()`).
#[derive(Debug, PartialEq, Eq)]
pub enum Reply {
    /// Not ours or not an answer: keep waiting.
    Ignore,
    /// The server answered with an error.
    Error(String),
    /// A good answer.
    Ok,
}

/// `dns_recv_thread()`'s checks. keepalived compares the length with the size of a pointer
/// (8 bytes on 64-bit), not of the header, and so does this.
pub fn judge(id: u16, reply: &[u8]) -> Reply {
    if reply.len() < 8 || reply[..2] != id.to_be_bytes() {
        return Reply::Ignore;
    }
    let flags = u16::from_be_bytes([reply[2], reply[3]]);
    if flags & 0x8000 == 0 {
        return Reply::Ignore;
    }
    match flags & 0x000f {
        0 => Reply::Ok,
        rcode => Reply::Error(format!("read error occurred. (rcode = {rcode})")),
    }
}

/// The number of a `type` name (keepalived's `dns_type_lookup()`), SOA if unknown.
pub fn type_number(name: &str) -> u16 {
    DNS_TYPES.iter().find(|(n, _)| *n == name).map_or(6, |(_, v)| *v)
}

/// `socket_bind_connect()` failed otherwise (its own line first, if it logs one): keepalived
/// logs and reschedules without a verdict.
fn bind_failed(chk: &str, line: Option<&str>) -> Report {
    if let Some(l) = line {
        log_setup(l);
    }
    log(&LogLine::info(format!(
        "DNS_CHECK ({chk}) UDP socket bind failed. Rescheduling."
    )));
    Report::Rescheduled
}

fn fail(reason: impl Into<String>) -> Report {
    Report::Done(Probe::Failure { reason: reason.into() })
}

/// Runs the check once with query id `id` (keepalived: `random()`), within `limit`
/// (`connect_timeout`). `chk` is the real server as `FMT_CHK` prints it, for the lines
/// logged here.
pub async fn probe(check: &DnsCheck, co: &ConnOpts, limit: Duration, id: u16, chk: &str) -> Report {
    let Some(addr) = target(co) else {
        return fail("connection failure.");
    };
    let sock = match conn::socket_of(&endpoint(co, addr, limit), &addr, Type::DGRAM, Protocol::UDP) {
        Ok(s) => s,
        Err(None) => {
            log(&LogLine::info(format!(
                "DNS_CHECK ({chk}) failed to create socket. Rescheduling."
            )));
            return Report::Rescheduled;
        }
        Err(Some(line)) => return bind_failed(chk, Some(&line)),
    };
    // A UDP connect() only sets the peer: it succeeds or fails at once.
    match sock.connect(&addr.into()) {
        Ok(()) => {}
        Err(e) if conn::is_connect_fail(&e) => {
            return fail(format!("network unreachable for {}", pair(addr)));
        }
        Err(_) => return bind_failed(chk, None),
    }
    let Ok(sock) = UdpSocket::from_std(sock.into()) else {
        return fail("failed to write socket.");
    };
    let query = make_query(id, type_number(check.qtype), &check.name);
    let deadline = Instant::now() + limit;
    match timeout_at(deadline, sock.send(&query)).await {
        Err(_) => return fail("write timeout to socket."),
        Ok(Err(_)) => return fail("failed to write socket."),
        Ok(Ok(n)) if n != query.len() => return fail("failed to write all of the datagram."),
        Ok(Ok(_)) => {}
    }
    let mut buf = [0u8; BUFFER_SIZE];
    loop {
        match timeout_at(deadline, sock.recv(&mut buf)).await {
            Err(_) => return fail("read timeout from socket"),
            Ok(Err(e)) => {
                let errno = e.raw_os_error().unwrap_or(0);
                return fail(format!("failed to read socket; errno {errno} ({})", strerror(&e)));
            }
            Ok(Ok(n)) => match judge(id, &buf[..n]) {
                Reply::Ignore => continue,
                Reply::Error(r) => return fail(r),
                Reply::Ok => return Report::Done(Probe::Success),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_make_query_names() {
        let q = make_query(0x1234, 1, "www.example.com");
        assert_eq!(&q[..12], &[0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
        assert_eq!(&q[12..], b"\x03www\x07example\x03com\x00\x00\x01\x00\x01");
        assert_eq!(&make_query(1, 6, ".")[12..], b"\x00\x00\x06\x00\x01");
        assert_eq!(&make_query(1, 6, "")[12..], b"\x00\x00\x06\x00\x01");
        assert_eq!(&make_query(1, 2, "a.")[12..], b"\x01a\x00\x00\x02\x00\x01");
        assert_eq!(type_number("AAAA"), 28);
        assert_eq!(type_number("SOA"), 6);
    }

    #[test]
    fn dns_recv_thread_checks() {
        let ok = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 0];
        assert_eq!(judge(0x1234, &ok), Reply::Ok);
        assert_eq!(judge(0x1235, &ok), Reply::Ignore, "id");
        assert_eq!(judge(0x1234, &ok[..7]), Reply::Ignore, "short");
        assert_eq!(
            judge(0x1234, &[0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0]),
            Reply::Ignore,
            "query"
        );
        assert_eq!(
            judge(0x1234, &[0x12, 0x34, 0x81, 0x83, 0, 1, 0, 0]),
            Reply::Error("read error occurred. (rcode = 3)".into())
        );
    }
}
