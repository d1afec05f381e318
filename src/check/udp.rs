//! UDP_CHECK (keepalived's check_udp.c and `udp_bind_connect()`/`udp_socket_state()` in
//! layer4.c): send the payload (or keepalived's 32-byte filler) on a connected socket, then
//! wait `connect_timeout` for a reply. An ICMP unreachable (a receive error) fails; silence
//! succeeds unless `require_reply`; a reply is matched against `require_reply HEX` (with its
//! `x` mask) and the length bounds.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::time::timeout;

use crate::check::event::Probe;
use crate::check::schedule::Report;
use crate::check::smtp::{strerror, target};
use crate::config::model::check::{ConnOpts, UdpCheck};
use crate::log::{LogLine, Priority, write as log};

/// keepalived's `set_buf()` text, repeated to fill a payload.
const FILLER: &[u8] = b"keepalived check - ";

/// keepalived's `UDP_BUFSIZE`: the length of the default payload.
const UDP_BUFSIZE: usize = 32;

/// `set_buf()`: `len` bytes of "keepalived check - " repeated.
pub fn filler(len: usize) -> Vec<u8> {
    FILLER.iter().copied().cycle().take(len).collect()
}

/// keepalived's `udp_bind_connect()` on a new socket: IP_RECVERR (to see ICMP errors),
/// SO_MARK `fwmark`, bind to `bindto`, connect, send `payload`. `Ok(None)`: the socket could
/// not be created (keepalived reschedules); `Ok(Some)` the socket after a full send; `Err` any
/// other failure (`connect_error`, a silent failure).
fn udp_bind_connect(co: &ConnOpts, addr: SocketAddr, payload: &[u8]) -> Result<Option<UdpSocket>, ()> {
    use socket2::{Domain, Protocol, Socket, Type};
    let domain = if addr.is_ipv4() { Domain::IPV4 } else { Domain::IPV6 };
    let Ok(s) = Socket::new(domain, Type::DGRAM.nonblocking().cloexec(), Some(Protocol::UDP)) else {
        return Ok(None);
    };
    let (level, name, six) = if addr.is_ipv4() {
        (libc::SOL_IP, libc::IP_RECVERR, "")
    } else {
        (libc::SOL_IPV6, libc::IPV6_RECVERR, "V6")
    };
    if let Err(e) = crate::vrrp::socket::sys::setsockopt_int(&s, level, name, 1) {
        let errno = e.raw_os_error().unwrap_or(0);
        let fd = std::os::fd::AsRawFd::as_raw_fd(&s);
        log(&LogLine::info(format!(
            "Error {errno} setting IP{six}_RECVERR for socket {fd} - {}",
            strerror(&e)
        )));
    }
    if co.fwmark() != 0
        && let Err(e) = s.set_mark(co.fwmark())
    {
        let m = format!("Error setting fwmark {} to socket: {}", co.fwmark(), strerror(&e));
        log(&LogLine::at(Priority::Error, m));
        return Err(());
    }
    if let Some(ip) = co.bindto()
        && let Err(e) = s.bind(&SocketAddr::new(ip, co.bind_port()).into())
    {
        let errno = e.raw_os_error().unwrap_or(0);
        log(&LogLine::info(format!(
            "bind failed. errno: {errno}, error: {}",
            strerror(&e)
        )));
        return Err(());
    }
    s.connect(&addr.into()).map_err(|_| ())?;
    match s.send(payload) {
        Ok(n) if n == payload.len() => {}
        _ => return Err(()),
    }
    UdpSocket::from_std(s.into()).map(Some).map_err(|_| ())
}

/// `check_udp_reply()`: true when the reply is wrong (length out of bounds, or a byte
/// differs outside the mask, over the shorter of the reply and the expected data).
pub fn reply_mismatch(reply: &[u8], check: &UdpCheck) -> bool {
    let len = reply.len() as u64;
    if len < u64::from(check.min_reply_len) || len > u64::from(check.max_reply_len) {
        return true;
    }
    let Some(want) = &check.reply_data else {
        return false;
    };
    reply.iter().zip(want).enumerate().any(|(i, (got, exp))| {
        let mask = check.reply_mask.as_ref().and_then(|m| m.get(i)).copied().unwrap_or(0);
        (got ^ exp) & !mask != 0
    })
}

/// Runs the check once within `limit` (`connect_timeout`). `chk` is the real server as
/// `FMT_CHK` prints it, for the failure lines.
pub async fn probe(check: &UdpCheck, co: &ConnOpts, limit: Duration, chk: &str) -> Report {
    let fail = |reason: String| Report::Done(Probe::Failure { reason });
    let Some(addr) = target(co) else {
        return fail(String::new());
    };
    let payload = check.payload.clone().unwrap_or_else(|| filler(UDP_BUFSIZE));
    let sock = match udp_bind_connect(co, addr, &payload) {
        Ok(Some(s)) => s,
        Ok(None) => {
            log(&LogLine::info("UDP connect fail to create socket. Rescheduling."));
            return Report::Rescheduled;
        }
        // udp_icmp_check_state() then udp_epilog(false), with no line of its own.
        Err(()) => return fail(String::new()),
    };
    let failed = || fail(format!("UDP connection to {chk} failed."));
    let mut buf = vec![0u8; check.max_reply_len as usize + 1];
    match timeout(limit, sock.recv(&mut buf)).await {
        // udp_socket_state(): silence is success unless a reply is required.
        Err(_) if check.require_reply => failed(),
        Err(_) => Report::Done(Probe::Success),
        Ok(Err(_)) => failed(),
        Ok(Ok(n)) => {
            if check.require_reply && check.reply_data.is_some() && reply_mismatch(&buf[..n], check) {
                fail(format!("UDP check to {chk} reply data mismatch."))
            } else {
                Report::Done(Probe::Success)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(data: Option<&[u8]>, mask: Option<&[u8]>) -> UdpCheck {
        UdpCheck {
            payload: None,
            require_reply: true,
            reply_data: data.map(<[u8]>::to_vec),
            reply_mask: mask.map(<[u8]>::to_vec),
            min_reply_len: 0,
            max_reply_len: 255,
        }
    }

    #[test]
    fn set_buf_filler() {
        assert_eq!(filler(32), b"keepalived check - keepalived ch");
    }

    #[test]
    fn check_udp_reply_matching() {
        let c = check(Some(b"OK\x01"), None);
        assert!(!reply_mismatch(b"OK\x01 and more", &c));
        assert!(!reply_mismatch(b"OK", &c), "only the shorter length is compared");
        assert!(reply_mismatch(b"NO\x01", &c));
        let c = check(Some(b"\xa0\x05"), Some(b"\x0f\x00"));
        assert!(!reply_mismatch(b"\xab\x05", &c), "masked nibble");
        assert!(reply_mismatch(b"\xbb\x05", &c));
        let mut c = check(Some(b"A"), None);
        c.min_reply_len = 2;
        c.max_reply_len = 3;
        assert!(reply_mismatch(b"A", &c));
        assert!(!reply_mismatch(b"AB", &c));
        assert!(reply_mismatch(b"ABCD", &c));
    }
}
