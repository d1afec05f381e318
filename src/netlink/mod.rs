//! rtnetlink: addresses, routes and rules (the VRRP child's VIPs, virtual routes/rules and the
//! static ones), the interface table with link and address monitoring, and VMAC interfaces.
//!
//! Requests are built by hand from netlink-packet-route messages rather than with rtnetlink's
//! builders, so that each one carries exactly the attributes and flags keepalived 2.2.7 sends
//! (`netlink_ipaddress()`, `netlink_route()`, `netlink_rule()`, `netlink_link_add_vmac()`).
//! Everything here is async on the caller's tokio runtime (current_thread is enough).

pub mod addr;
pub mod link;
pub mod route;
pub mod rule;
pub mod sysctl;
pub mod vmac;

use std::fmt;
use std::io;

use futures::StreamExt;
use netlink_packet_core::{NLM_F_ACK, NLM_F_DUMP, NLM_F_REQUEST, NetlinkHeader, NetlinkMessage, NetlinkPayload};
use netlink_packet_route::RouteNetlinkMessage;

use crate::log::LogLine;

/// `EEXIST`.
pub const EEXIST: i32 = libc::EEXIST;
/// `EADDRNOTAVAIL`: deleting an address that is not there.
pub const EADDRNOTAVAIL: i32 = libc::EADDRNOTAVAIL;
/// `ENODEV`: the interface went away.
pub const ENODEV: i32 = libc::ENODEV;
/// `ESRCH`: deleting a route that is not there.
pub const ESRCH: i32 = libc::ESRCH;
/// `ENOENT`: deleting a rule that is not there.
pub const ENOENT: i32 = libc::ENOENT;

/// Why a netlink operation failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The kernel refused the request (NLMSG_ERROR with a non-zero code).
    Kernel {
        /// The positive errno.
        errno: i32,
        /// The request's message type (`RTM_*`).
        msg_type: u16,
        /// The request's sequence number.
        seq: u32,
        /// The request's port id.
        pid: u32,
    },
    /// An interface named in the configuration does not exist (now).
    NoInterface(String),
    /// The model holds something that cannot be expressed to this kernel interface.
    Unsupported(String),
    /// The netlink connection is gone or answered something unexpected.
    Connection(String),
}

impl Error {
    /// The kernel's errno, for kernel refusals.
    pub fn errno(&self) -> Option<i32> {
        match self {
            Error::Kernel { errno, .. } => Some(*errno),
            _ => None,
        }
    }

    /// keepalived's log line for this failure (`netlink_parse_info()`'s
    /// "Netlink: error: %s(%d), type=%s(%u), seq=%u, pid=%u" for kernel errors).
    pub fn log_line(&self) -> LogLine {
        LogLine::info(self.to_string())
    }

    /// Builds the error from an NLMSG_ERROR whose payload echoes the request's header.
    fn from_kernel(code: i32, echoed: &[u8]) -> Error {
        let word = |i: usize| {
            echoed
                .get(i..i + 4)
                .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
                .unwrap_or(0)
        };
        let msg_type = echoed.get(4..6).map(|b| u16::from_ne_bytes([b[0], b[1]])).unwrap_or(0);
        Error::Kernel {
            errno: code.abs(),
            msg_type,
            seq: word(8),
            pid: word(12),
        }
    }
}

/// `strerror(3)` text without Rust's " (os error N)" suffix.
pub fn strerror(errno: i32) -> String {
    let s = io::Error::from_raw_os_error(errno).to_string();
    match s.rfind(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// keepalived's `get_nl_msg_type()`: the names it knows, empty otherwise.
pub fn nl_msg_type_name(t: u16) -> &'static str {
    match t {
        16 => "RTM_NEWLINK",
        17 => "RTM_DELLINK",
        18 => "RTM_GETLINK",
        20 => "RTM_NEWADDR",
        21 => "RTM_DELADDR",
        22 => "RTM_GETADDR",
        24 => "RTM_NEWROUTE",
        25 => "RTM_DELROUTE",
        32 => "RTM_NEWRULE",
        33 => "RTM_DELRULE",
        _ => "",
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Kernel {
                errno,
                msg_type,
                seq,
                pid,
            } => write!(
                f,
                "Netlink: error: {}({errno}), type={}({msg_type}), seq={seq}, pid={pid}",
                strerror(*errno),
                nl_msg_type_name(*msg_type)
            ),
            Error::NoInterface(name) => write!(f, "interface {name} does not exist"),
            Error::Unsupported(what) => write!(f, "unsupported: {what}"),
            Error::Connection(what) => write!(f, "Netlink: {what}"),
        }
    }
}

impl std::error::Error for Error {}

/// Result of a netlink operation.
pub type Result<T> = std::result::Result<T, Error>;

/// A command connection to the kernel's rtnetlink (keepalived's `nl_cmd`).
#[derive(Clone, Debug)]
pub struct Netlink {
    handle: rtnetlink::Handle,
}

impl Netlink {
    /// Opens a connection and spawns its driver on the current tokio runtime. Fails (rather
    /// than panicking) outside a runtime.
    pub fn new() -> io::Result<Self> {
        let rt =
            tokio::runtime::Handle::try_current().map_err(|e| io::Error::other(format!("no tokio runtime: {e}")))?;
        let (conn, handle, _unsolicited) = rtnetlink::new_connection()?;
        rt.spawn(conn);
        Ok(Netlink { handle })
    }

    /// The underlying rtnetlink handle, for requests this module does not wrap.
    pub fn handle(&self) -> &rtnetlink::Handle {
        &self.handle
    }

    /// Sends one request with `flags` (NLM_F_REQUEST and NLM_F_ACK are added) and waits for
    /// the kernel's answer.
    pub(crate) async fn request(&self, msg: RouteNetlinkMessage, flags: u16) -> Result<()> {
        let mut req = NetlinkMessage::new(NetlinkHeader::default(), NetlinkPayload::InnerMessage(msg));
        req.header.flags = flags | NLM_F_REQUEST | NLM_F_ACK;
        req.finalize();
        let mut handle = self.handle.clone();
        let mut answers = handle.request(req).map_err(|e| Error::Connection(e.to_string()))?;
        while let Some(answer) = answers.next().await {
            if let NetlinkPayload::Error(e) = answer.payload {
                if let Some(code) = e.code {
                    return Err(Error::from_kernel(code.get(), &e.header));
                }
            }
        }
        Ok(())
    }

    /// Sends a dump request and collects the answers.
    pub(crate) async fn dump(&self, msg: RouteNetlinkMessage) -> Result<Vec<RouteNetlinkMessage>> {
        let mut req = NetlinkMessage::new(NetlinkHeader::default(), NetlinkPayload::InnerMessage(msg));
        req.header.flags = NLM_F_REQUEST | NLM_F_DUMP;
        req.finalize();
        let mut handle = self.handle.clone();
        let mut answers = handle.request(req).map_err(|e| Error::Connection(e.to_string()))?;
        let mut out = Vec::new();
        while let Some(answer) = answers.next().await {
            match answer.payload {
                NetlinkPayload::InnerMessage(m) => out.push(m),
                NetlinkPayload::Error(e) => {
                    if let Some(code) = e.code {
                        return Err(Error::from_kernel(code.get(), &e.header));
                    }
                }
                NetlinkPayload::Overrun(_) => {
                    return Err(Error::Connection("dump overrun".into()));
                }
                _ => {}
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// keepalived's `netlink_parse_info()` error line, from an echoed RTM_NEWRULE header.
    #[test]
    fn kernel_error_line_names_errno_and_type() {
        let mut hdr = Vec::new();
        hdr.extend_from_slice(&48u32.to_ne_bytes());
        hdr.extend_from_slice(&32u16.to_ne_bytes());
        hdr.extend_from_slice(&0x0605u16.to_ne_bytes());
        hdr.extend_from_slice(&7u32.to_ne_bytes());
        hdr.extend_from_slice(&1234u32.to_ne_bytes());
        let e = Error::from_kernel(-17, &hdr);
        assert_eq!(e.errno(), Some(EEXIST));
        assert_eq!(
            e.to_string(),
            "Netlink: error: File exists(17), type=RTM_NEWRULE(32), seq=7, pid=1234"
        );
    }

    /// A truncated echo still gives an error, never a panic.
    #[test]
    fn short_echo_is_tolerated() {
        let e = Error::from_kernel(-2, &[1, 2]);
        assert_eq!(
            e,
            Error::Kernel {
                errno: 2,
                msg_type: 0,
                seq: 0,
                pid: 0
            }
        );
    }

    /// Outside a tokio runtime, `new()` reports an error instead of panicking.
    #[test]
    fn new_outside_runtime_fails() {
        assert!(Netlink::new().is_err());
    }
}
