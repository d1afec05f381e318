//! PING_CHECK (keepalived's check_ping.c): one ICMP or ICMPv6 echo request with keepalived's
//! 128-byte filler, on an unprivileged ping socket (SOCK_DGRAM, as keepalived; it needs
//! `net.ipv4.ping_group_range` to include our group) or, where that is refused, a raw socket;
//! the first answer must be an echo reply within `connect_timeout`.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};
use tokio::io::unix::AsyncFd;
use tokio::time::timeout;

use crate::check::event::Probe;
use crate::check::schedule::Report;
use crate::check::udp::filler;
use crate::config::model::check::ConnOpts;
use crate::log::{LogLine, write as log};

/// keepalived's `ICMP_BUFSIZE`: the echo payload length.
const ICMP_BUFSIZE: usize = 128;
/// keepalived's `SOCK_RECV_BUFF`.
const SOCK_RECV_BUFF: usize = 128 * 1024;

/// keepalived's `seq_no`, shared by every ping checker.
static SEQ: AtomicU16 = AtomicU16::new(0);

/// The echo request (type 8, or 128 for ICMPv6) with `seq` and the filler; `ident` and the
/// checksum are filled here for raw IPv4 sockets (a ping socket and the ICMPv6 raw socket
/// fill them themselves).
pub fn echo_request(v6: bool, seq: u16, ident: u16, checksum: bool) -> Vec<u8> {
    let mut p = vec![if v6 { 128 } else { 8 }, 0, 0, 0];
    p.extend_from_slice(&ident.to_be_bytes());
    p.extend_from_slice(&seq.to_ne_bytes());
    p.extend_from_slice(&filler(ICMP_BUFSIZE));
    if checksum {
        let sum = inet_checksum(&p);
        p[2..4].copy_from_slice(&sum.to_be_bytes());
    }
    p
}

/// The Internet checksum (RFC 1071).
pub fn inet_checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    for c in data.chunks(2) {
        let w = u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]);
        sum += u32::from(w);
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// `recv_it()`/`recv6_it()`: what one received ICMP message (after any IP header) means;
/// logs keepalived's lines for short or unexpected packets.
pub fn read_reply(v6: bool, msg: &[u8]) -> bool {
    let (six, reply) = if v6 { ("v6", 129) } else { ("", 0) };
    if msg.len() < 8 {
        log(&LogLine::info(format!(
            "Error, got short ICMP{six} packet, {} bytes",
            msg.len()
        )));
        return false;
    }
    if msg[0] != reply {
        log(&LogLine::info(format!("Got ICMP{six} packet with type 0x{:x}", msg[0])));
        return false;
    }
    true
}

/// An ICMP socket: a ping socket if allowed, else raw (root).
fn icmp_socket(v6: bool) -> std::io::Result<(Socket, bool)> {
    let (domain, proto) = if v6 {
        (Domain::IPV6, Protocol::ICMPV6)
    } else {
        (Domain::IPV4, Protocol::ICMPV4)
    };
    match Socket::new(domain, Type::DGRAM.nonblocking().cloexec(), Some(proto)) {
        Ok(s) => Ok((s, false)),
        Err(_) => Ok((
            Socket::new(domain, Type::RAW.nonblocking().cloexec(), Some(proto))?,
            true,
        )),
    }
}

/// Runs the check once within `limit` (`connect_timeout`). `chk` and `vs` are the real and
/// virtual servers as keepalived prints them, for the failure lines. Like keepalived's
/// `icmp_connect_thread()`, it neither binds nor marks the socket.
pub async fn probe(co: &ConnOpts, limit: Duration, chk: &str, vs: &str) -> Report {
    let fail = |reason: String| Report::Done(Probe::Failure { reason });
    let Some(dst) = co.dst else {
        return fail(String::new());
    };
    let v6 = dst.is_ipv6();
    let Ok((sock, raw)) = icmp_socket(v6) else {
        let six = if v6 { "v6" } else { "" };
        log(&LogLine::info(format!(
            "ICMP{six} connect fail to create socket. Rescheduling."
        )));
        return Report::Rescheduled;
    };
    if let Err(e) = sock.set_recv_buffer_size(SOCK_RECV_BUFF) {
        let fd = std::os::fd::AsRawFd::as_raw_fd(&sock);
        let errno = e.raw_os_error().unwrap_or(0);
        log(&LogLine::info(format!(
            "setsockopt SO_RCVBUF for socket {fd} failed ({errno}) - {}",
            crate::check::smtp::strerror(&e)
        )));
    }
    let ident = (std::process::id() & 0xffff) as u16;
    let seq = SEQ.fetch_add(1, Ordering::Relaxed);
    let req = echo_request(v6, seq, ident, raw && !v6);
    let Ok(fd) = crate::vrrp::socket::sys::register(sock, tokio::io::Interest::READABLE) else {
        return Report::Rescheduled;
    };
    if let Err(e) = fd.get_ref().send_to(&req, &SocketAddr::new(dst, 0).into()) {
        log(&LogLine::info(if v6 {
            format!("send ICMPv6 packet fail - errno {}", e.raw_os_error().unwrap_or(0))
        } else {
            "send ICMP packet fail".to_string()
        }));
        // udp_icmp_check_state() then icmp_epilog(false), with no line of its own.
        return fail(String::new());
    }
    match timeout(limit, receive(&fd, v6, raw, dst, ident, seq)).await {
        Err(_) => fail(format!("ICMP connection to address {chk} timeout.")),
        Ok(true) => Report::Done(Probe::Success),
        Ok(false) => fail(format!("ICMP connection to {chk} of {vs} failed.")),
    }
}

/// Waits for the answer. A raw socket sees every ICMP message, so it skips those that are
/// not about our echo; a ping socket only gets ours.
async fn receive(fd: &AsyncFd<Socket>, v6: bool, raw: bool, dst: IpAddr, ident: u16, seq: u16) -> bool {
    let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 8 + ICMP_BUFSIZE + 60];
    loop {
        let Ok(mut guard) = fd.readable().await else {
            return false;
        };
        let got = match guard.try_io(|s| s.get_ref().recv_from(&mut buf)) {
            Err(_would_block) => continue,
            Ok(r) => r,
        };
        let (n, from) = match got {
            Ok(x) => x,
            Err(_) => {
                log(&LogLine::info(if v6 {
                    "recv ICMPv6 packet error"
                } else {
                    "recv ICMP packet error"
                }));
                return false;
            }
        };
        // SAFETY: recv_from initialised the first n bytes.
        let data: Vec<u8> = buf[..n].iter().map(|b| unsafe { b.assume_init() }).collect();
        let msg = if raw && !v6 {
            let ihl = data.first().map_or(0, |b| usize::from(b & 0x0f) * 4);
            data.get(ihl..).unwrap_or(&[]).to_vec()
        } else {
            data
        };
        if raw {
            let ours = from.as_socket().map(|a| a.ip()) == Some(dst)
                && msg.len() >= 8
                && msg[4..6] == ident.to_be_bytes()
                && msg[6..8] == seq.to_ne_bytes();
            let echo_request = msg.first() == Some(&if v6 { 128 } else { 8 });
            if !ours || echo_request {
                continue;
            }
        }
        return read_reply(v6, &msg);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_it_request() {
        let p = echo_request(false, 1, 0, false);
        assert_eq!(p.len(), 8 + 128);
        assert_eq!(&p[..4], &[8, 0, 0, 0]);
        assert_eq!(&p[8..27], b"keepalived check - ");
        let p = echo_request(false, 1, 7, true);
        assert_eq!(inet_checksum(&p), 0, "a correct checksum sums to zero");
        assert_eq!(echo_request(true, 1, 0, false)[0], 128);
    }

    #[test]
    fn recv_it_types() {
        assert!(read_reply(false, &[0, 0, 0, 0, 0, 0, 0, 0]));
        assert!(!read_reply(false, &[3, 3, 0, 0, 0, 0, 0, 0]));
        assert!(!read_reply(false, &[0, 0, 0]));
        assert!(read_reply(true, &[129, 0, 0, 0, 0, 0, 0, 0]));
    }
}
