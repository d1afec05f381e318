//! A checker's TCP connection, built from its `ConnOpts` as keepalived's
//! `socket_bind_connect()` (`core/layer4.c`) and `tcp_socket_state()` build and judge it:
//! SO_LINGER 5 s, SO_MARK (`fwmark`), SO_BINDTODEVICE (`bind_if`), bind to `bindto` (with
//! `bind_port`; a `bind_port` without `bindto` is never bound, as in keepalived), then a
//! non-blocking connect within `connect_timeout`.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use tokio::net::TcpStream;

use crate::config::model::check::{ConnOpts, RealServer, VirtualServer};

/// keepalived's default `connect_timeout` (5 s) when neither checker, real server nor virtual
/// server sets one.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Where and how a checker connects: its `conn_opts_t` with the defaults applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// `connect_ip`/`connect_port`, else the real server's address and port; `None` when
    /// keepalived left the family unset (an invalid `connect_ip`): no socket can be made.
    pub dst: Option<SocketAddr>,
    /// `bindto` with `bind_port`.
    pub bind: Option<SocketAddr>,
    /// `bind_if`.
    pub bind_if: Option<String>,
    /// `fwmark` (0 = none).
    pub fwmark: u32,
    /// `connect_timeout`: checker's, else the real server's, else the virtual server's.
    pub timeout: Duration,
}

impl Endpoint {
    /// The endpoint of a checker's options, with the real and virtual server's timeouts as
    /// fallbacks (keepalived's `connection_to == UINT_MAX` inheritance).
    pub fn new(co: &ConnOpts, rs: &RealServer, vs: &VirtualServer) -> Endpoint {
        let us = co.connect_timeout.or(rs.connect_timeout).unwrap_or(vs.connect_timeout);
        Endpoint {
            dst: co.dst.map(|ip| SocketAddr::new(ip, co.dst_port)),
            bind: co.bindto().map(|ip| SocketAddr::new(ip, co.bind_port())),
            bind_if: co.bind_if().map(str::to_string),
            fwmark: co.fwmark(),
            timeout: Duration::from_micros(us),
        }
    }

    /// A plain endpoint: connect to `dst` within `timeout`, no other option.
    pub fn to(dst: SocketAddr, timeout: Duration) -> Endpoint {
        Endpoint {
            dst: Some(dst),
            bind: None,
            bind_if: None,
            fwmark: 0,
            timeout,
        }
    }
}

/// A probe that reached no verdict: keepalived logs `log` and tries again after `delay_loop`,
/// counting no retry and changing no state (socket creation or setup failed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotRun {
    /// keepalived's log lines for it, in order.
    pub log: Vec<String>,
}

/// How a connection attempt ended (keepalived's `enum connect_result`).
#[derive(Debug)]
pub enum Connect {
    /// Connected (`connect_success`).
    Ok(TcpStream),
    /// `connect()` itself failed with an unreachable/refused-style errno: keepalived's
    /// immediate `connect_fail` (a verdict, unlike [`Connect::Setup`]).
    Refused(io::Error),
    /// The connection in progress failed (SO_ERROR other than ETIMEDOUT): `connect_fail`
    /// from `tcp_socket_state()`.
    Failed(io::Error),
    /// No connection within the timeout, or SO_ERROR ETIMEDOUT (`connect_timeout`).
    Timeout,
    /// Checking the connection in progress failed (`connect_error` from
    /// `tcp_socket_state()`).
    Error(io::Error),
    /// The socket could not be made (no destination family) or set up (SO_MARK,
    /// SO_BINDTODEVICE, bind, another connect errno): keepalived logs and reschedules
    /// without a verdict. The text is keepalived's own log line where it logs one.
    Setup {
        /// Whether the socket itself could not be created.
        no_socket: bool,
        /// keepalived's log line for the setup step that failed, if it logs one.
        log: Option<String>,
    },
}

/// Whether keepalived counts a `connect()` errno as a failure to connect rather than a failure
/// to run the check (`socket_bind_connect()`).
pub fn is_connect_fail(e: &io::Error) -> bool {
    matches!(
        e.raw_os_error(),
        Some(
            libc::ENETUNREACH
                | libc::EHOSTUNREACH
                | libc::ECONNREFUSED
                | libc::EHOSTDOWN
                | libc::ENETDOWN
                | libc::ECONNRESET
                | libc::ECONNABORTED
                | libc::ETIMEDOUT
        )
    )
}

/// Makes the socket and sets it up as `socket_bind_connect()` does, up to (not including)
/// `connect()`. Errors carry keepalived's log line.
pub fn socket(ep: &Endpoint, dst: &SocketAddr) -> Result<Socket, Option<String>> {
    socket_of(ep, dst, Type::STREAM, Protocol::TCP)
}

/// [`socket`] of another type (DNS_CHECK's UDP socket); SO_LINGER only on stream sockets, as
/// `socket_bind_connect()` sets it.
pub fn socket_of(ep: &Endpoint, dst: &SocketAddr, ty: Type, proto: Protocol) -> Result<Socket, Option<String>> {
    let domain = match dst.ip() {
        IpAddr::V4(_) => Domain::IPV4,
        IpAddr::V6(_) => Domain::IPV6,
    };
    let s = Socket::new(domain, ty.nonblocking(), Some(proto)).map_err(|_| None)?;
    if ty == Type::STREAM {
        // Frees the port after close while allowing a proper shutdown, as keepalived does.
        let _ = s.set_linger(Some(Duration::from_secs(5)));
    }
    if ep.fwmark != 0 {
        s.set_mark(ep.fwmark).map_err(|e| {
            Some(format!(
                "Error setting fwmark {} to socket: {}",
                ep.fwmark,
                strerror(&e)
            ))
        })?;
    }
    if let Some(dev) = &ep.bind_if {
        s.bind_device(Some(dev.as_bytes()))
            .map_err(|e| Some(format!("Checker can't bind to device {dev}: {}", strerror(&e))))?;
    }
    if let Some(b) = &ep.bind {
        s.bind(&SockAddr::from(*b))
            .map_err(|e| Some(format!("Checker bind failed: {}", strerror(&e))))?;
    }
    Ok(s)
}

/// The text of an errno as glibc's `strerror()` gives it.
pub fn strerror(e: &io::Error) -> String {
    match e.raw_os_error() {
        // SAFETY: strerror returns a valid C string for any errno.
        Some(n) => unsafe { std::ffi::CStr::from_ptr(libc::strerror(n)) }
            .to_string_lossy()
            .into_owned(),
        None => e.to_string(),
    }
}

/// Connects within the endpoint's timeout, classifying the end as keepalived does.
pub async fn connect(ep: &Endpoint) -> Connect {
    connect_until(ep, tokio::time::Instant::now() + ep.timeout).await
}

/// The first half of a connection attempt ([`begin`]).
#[derive(Debug)]
pub enum Begun {
    /// `connect()` succeeded at once.
    Connected(Socket),
    /// `connect()` is in progress: wait for writability, then [`settle`].
    InProgress(Socket),
    /// It ended already (never [`Connect::Ok`]).
    Ended(Connect),
}

/// Makes the socket, sets it up and calls `connect()` (`socket_bind_connect()`).
pub fn begin(ep: &Endpoint) -> Begun {
    let Some(dst) = ep.dst else {
        return Begun::Ended(Connect::Setup {
            no_socket: true,
            log: None,
        });
    };
    let s = match socket(ep, &dst) {
        Ok(s) => s,
        Err(log) => {
            return Begun::Ended(Connect::Setup {
                no_socket: log.is_none(),
                log,
            });
        }
    };
    match s.connect(&SockAddr::from(dst)) {
        Ok(()) => Begun::Connected(s),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Begun::InProgress(s),
        Err(e) if is_connect_fail(&e) => Begun::Ended(Connect::Refused(e)),
        Err(_) => Begun::Ended(Connect::Setup {
            no_socket: false,
            log: None,
        }),
    }
}

/// Judges a connection in progress once writable from its `SO_ERROR` (`tcp_socket_state()`):
/// `Ok` when connected, else how it ended.
pub fn settle(so_error: io::Result<Option<io::Error>>) -> Result<(), Connect> {
    match so_error {
        Err(e) => Err(Connect::Error(e)),
        Ok(None) => Ok(()),
        Ok(Some(e)) if e.raw_os_error() == Some(libc::ETIMEDOUT) => Err(Connect::Timeout),
        Ok(Some(e)) => Err(Connect::Failed(e)),
    }
}

/// [`connect`] with an explicit deadline (SSL_GET's handshake shares it).
pub async fn connect_until(ep: &Endpoint, deadline: tokio::time::Instant) -> Connect {
    let (s, in_progress) = match begin(ep) {
        Begun::Connected(s) => (s, false),
        Begun::InProgress(s) => (s, true),
        Begun::Ended(c) => return c,
    };
    let std: std::net::TcpStream = s.into();
    let stream = match TcpStream::from_std(std) {
        Ok(t) => t,
        Err(e) => return Connect::Error(e),
    };
    if !in_progress {
        return Connect::Ok(stream);
    }
    match tokio::time::timeout_at(deadline, stream.writable()).await {
        Err(_) => Connect::Timeout,
        Ok(Err(e)) => Connect::Error(e),
        Ok(Ok(())) => match settle(stream.take_error()) {
            Ok(()) => Connect::Ok(stream),
            Err(c) => c,
        },
    }
}
