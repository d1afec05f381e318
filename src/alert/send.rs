//! The I/O shell of an SMTP alert: one tokio task per mail that connects to `smtp_server`
//! (non-blocking, within `smtp_connect_timeout`), feeds the [`Conversation`] what the socket
//! does and writes its log lines. The caller's loop never waits for it.

use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::time::Duration;

use socket2::SockAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

use super::Mailer;
use super::smtp::{Conversation, Next};
use crate::check::conn::{self, Endpoint};
use crate::log::{self, LogLine};

/// The current local time as keepalived's `body_cmd()` formats it (`strftime` with
/// `%a, %d %b %Y %H:%M:%S %z`, C locale).
pub fn rfc822_now() -> String {
    let now = libc_now();
    // SAFETY: tm is plain data; localtime_r only writes it.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the call.
    unsafe { libc::localtime_r(&now, &mut tm) };
    let mut buf = [0u8; 80];
    let fmt = c"%a, %d %b %Y %H:%M:%S %z";
    // SAFETY: buf is valid for its length, fmt is NUL-terminated and tm initialised.
    let n = unsafe { libc::strftime(buf.as_mut_ptr().cast(), buf.len(), fmt.as_ptr(), &tm) };
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

fn libc_now() -> libc::time_t {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as libc::time_t)
        .unwrap_or(0)
}

/// Sends one alert in the background (keepalived's `smtp_alert()` after its checks). Needs a
/// tokio runtime; without one nothing is sent. The non-blocking `connect()` is made here, at
/// once, as keepalived's `smtp_connect()` makes it: a mail started just before exit (a STOP
/// notify) opens its connection like keepalived's, even if the process ends before it is sent.
pub fn spawn(m: &Mailer, subject: &str, body: &str) -> Option<JoinHandle<Vec<LogLine>>> {
    let handle = tokio::runtime::Handle::try_current().ok()?;
    let conv = Conversation::new(m.message(subject, body), m.server);
    let started = start_connect(m.server, m.timeout);
    Some(handle.spawn(converse(conv, started, m.timeout)))
}

/// A connection `connect()` has been called for: the socket and whether it is in progress.
type Started = Option<(socket2::Socket, bool)>;

/// The synchronous part of `smtp_connect()`: socket and non-blocking `connect()`. A socket that
/// cannot be made and a `connect()` that fails at once end the alert silently, as in
/// keepalived.
fn start_connect(server: SocketAddr, timeout: Duration) -> Started {
    let s = conn::socket(&Endpoint::to(server, timeout), &server).ok()?;
    match s.connect(&SockAddr::from(server)) {
        Ok(()) => Some((s, false)),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Some((s, true)),
        Err(_) => None,
    }
}

/// Writes the conversation's log lines so far, keeping a copy in `all`.
fn flush(conv: &mut Conversation, all: &mut Vec<LogLine>) {
    for l in conv.take_logs() {
        log::write(&l);
        all.push(l);
    }
}

/// The whole conversation: connect, then send and read as it asks until it closes. Returns
/// the log lines it wrote (`-D` lines included, whether written or not).
pub async fn run(conv: Conversation, server: SocketAddr, timeout: Duration) -> Vec<LogLine> {
    converse(conv, start_connect(server, timeout), timeout).await
}

/// [`run`] once `connect()` has been called.
async fn converse(mut conv: Conversation, started: Started, timeout: Duration) -> Vec<LogLine> {
    let mut all = Vec::new();
    let Some(stream) = connect(&mut conv, started, timeout).await else {
        flush(&mut conv, &mut all);
        return all;
    };
    let mut stream = stream;
    let fd = stream.as_raw_fd();
    let mut next = conv.connected();
    loop {
        flush(&mut conv, &mut all);
        next = match next {
            Next::Close => break,
            Next::Send(bytes) => match tokio::time::timeout(timeout, stream.write_all(&bytes)).await {
                Ok(Ok(())) => Next::Read,
                _ => conv.send_failed(),
            },
            Next::Read => {
                let mut buf = vec![0u8; conv.read_capacity()];
                match tokio::time::timeout(timeout, stream.read(&mut buf)).await {
                    Err(_) => conv.read_timeout(rfc822_now),
                    Ok(Ok(0)) => conv.closed(),
                    Ok(Ok(n)) => conv.received(&buf[..n], rfc822_now),
                    // keepalived sees a reset as an epoll error on the fd (THREAD_READ_ERROR).
                    Ok(Err(_)) => conv.read_error(fd),
                }
            }
        };
    }
    flush(&mut conv, &mut all);
    all
}

/// The rest of `smtp_connect()` and `connection_in_progress()`: waits (within `timeout`) for
/// a connection in progress and judges it.
async fn connect(conv: &mut Conversation, started: Started, timeout: Duration) -> Option<TcpStream> {
    let (s, in_progress) = started?;
    let stream = TcpStream::from_std(s.into()).ok()?;
    if !in_progress {
        return Some(stream);
    }
    let fd = stream.as_raw_fd();
    match tokio::time::timeout(timeout, stream.writable()).await {
        Err(_) => {
            conv.connect_timeout();
            None
        }
        Ok(Err(_)) => {
            conv.write_error(fd);
            None
        }
        // An error pending on the socket is what epoll reports as EPOLLERR, which keepalived's
        // scheduler turns into THREAD_WRITE_ERROR before looking at SO_ERROR.
        Ok(Ok(())) => match stream.take_error() {
            Ok(None) => Some(stream),
            _ => {
                conv.write_error(fd);
                None
            }
        },
    }
}
