//! The control channel between the watchdog parent and each child: one Unix stream socket
//! per child (a socketpair made before the child is executed; the child finds its end as fd
//! [`CHILD_FD`]), carrying newline-delimited JSON messages.
//!
//! keepalived's children re-read a consolidated copy of the configuration the parent wrote and
//! tell the parent "config read" through an eventfd. Ours receive the configuration the parent
//! validated as resolved text (so a child respawned after the file was edited, or a reload
//! racing an edit, runs exactly what was validated), and report back when it is loaded and,
//! for the VRRP child, every instance's state (which lets a respawned VRRP child resume).

use std::io;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixStream;
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};

/// The fd number a child finds its end of the control socket at.
pub const CHILD_FD: i32 = 3;

/// The environment variable that tells a child which fd its control socket is.
pub const CHILD_FD_ENV: &str = "KEEPALIVED_RS_CONTROL_FD";

/// What a respawned VRRP child is told about its predecessor's instances.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Handover {
    /// The states last reported by the dead child, one `vrrp::reload::InstanceState` line
    /// each ("VI_1 51 eth0 4 1000000 MASTER").
    pub instances: Vec<String>,
    /// When the parent saw the old child die, in microseconds of CLOCK_MONOTONIC (a clock
    /// both processes share), so the new child can measure the whole gap itself.
    pub died_at_us: u64,
}

/// CLOCK_MONOTONIC now, in microseconds.
pub fn monotonic_us() -> u64 {
    // SAFETY: clock_gettime fills the struct we own.
    let ts = unsafe {
        let mut ts: libc::timespec = std::mem::zeroed();
        libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts);
        ts
    };
    ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1000
}

/// Parent to child.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToChild {
    /// The configuration to start with (always the first message).
    Start {
        /// Counts configurations; echoed in [`ToParent::Loaded`].
        generation: u64,
        /// The configuration text: the parent's transcript when `transcript` is set
        /// (`config::load_transcript`), else the resolved configuration (`config::dump::resolved`).
        text: String,
        /// `text` is a transcript.
        #[serde(default)]
        transcript: bool,
        /// Set when this child replaces one that died.
        handover: Option<Handover>,
    },
    /// A validated new configuration to reload with, keeping state.
    Reload {
        /// Counts configurations.
        generation: u64,
        /// The configuration text, as in [`ToChild::Start`].
        text: String,
        /// `text` is a transcript.
        #[serde(default)]
        transcript: bool,
    },
}

/// Child to parent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ToParent {
    /// The configuration of this generation is loaded and running (keepalived's "config
    /// read" eventfd write).
    Loaded {
        /// The generation from [`ToChild::Start`] / [`ToChild::Reload`].
        generation: u64,
    },
    /// The child could not apply this generation and keeps running the previous one.
    Rejected {
        /// The generation refused.
        generation: u64,
        /// Why, for the parent's log.
        reason: String,
    },
    /// The VRRP child's instance states (`vrrp::reload::InstanceState` lines), sent whenever
    /// one changes.
    States(Vec<String>),
    /// The child itself received SIGHUP: the parent should run a (validated) reload.
    ReloadRequest,
}

/// Reads messages of type `R` from a control socket.
pub struct Receiver {
    lines: tokio::io::Lines<BufReader<OwnedReadHalf>>,
}

/// Writes messages to a control socket.
pub struct Sender {
    w: OwnedWriteHalf,
}

/// Splits a connected control socket into its two directions.
pub fn split(s: UnixStream) -> (Receiver, Sender) {
    let (r, w) = s.into_split();
    (
        Receiver {
            lines: BufReader::new(r).lines(),
        },
        Sender { w },
    )
}

impl Receiver {
    /// The next message; `None` at end of stream (the peer is gone). Lines that do not parse
    /// are skipped: a confused peer must not take the other side down.
    pub async fn recv<R: for<'de> Deserialize<'de>>(&mut self) -> Option<R> {
        loop {
            match self.lines.next_line().await {
                Ok(Some(l)) => {
                    if let Ok(m) = serde_json::from_str(&l) {
                        return Some(m);
                    }
                }
                Ok(None) | Err(_) => return None,
            }
        }
    }
}

impl Sender {
    /// Sends one message.
    pub async fn send<S: Serialize>(&mut self, m: &S) -> io::Result<()> {
        let mut line = serde_json::to_string(m).map_err(io::Error::other)?;
        line.push('\n');
        self.w.write_all(line.as_bytes()).await
    }
}

/// A child's end of the control socket, from the fd the parent left it
/// ([`CHILD_FD_ENV`]); `None` when this process was not started by a watchdog parent.
pub fn child_socket() -> Option<UnixStream> {
    use std::os::fd::FromRawFd;
    let fd: i32 = std::env::var(CHILD_FD_ENV).ok()?.parse().ok()?;
    // SAFETY: fstat on an fd number only reads its metadata.
    let is_socket = unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        libc::fstat(fd, &mut st) == 0 && (st.st_mode & libc::S_IFMT) == libc::S_IFSOCK
    };
    if !is_socket {
        return None;
    }
    // SAFETY: the parent handed this fd to us for this purpose and nothing else owns it.
    let std_sock = unsafe { std::os::unix::net::UnixStream::from_raw_fd(fd) };
    std_sock.set_nonblocking(true).ok()?;
    UnixStream::from_std(std_sock).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn messages_cross_in_both_directions_and_garbage_is_skipped() {
        let (a, b) = UnixStream::pair().unwrap();
        let (_ar, mut aw) = split(a);
        let (mut br, _bw) = split(b);
        let start = ToChild::Start {
            generation: 1,
            text: "vrrp_instance VI_1 {\n}\n".into(),
            transcript: true,
            handover: Some(Handover {
                instances: vec!["VI_1 51 eth0 4 1000000 MASTER".into()],
                died_at_us: monotonic_us(),
            }),
        };
        aw.w.write_all(b"not json\n").await.unwrap();
        aw.send(&start).await.unwrap();
        assert_eq!(br.recv::<ToChild>().await, Some(start));
        drop(aw);
        assert_eq!(br.recv::<ToChild>().await, None);
    }
}
