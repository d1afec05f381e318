//! A one-shot timer with microsecond precision for the engine's deadlines.
//!
//! tokio's timers have millisecond granularity and round up, so a master-down deadline could
//! fire up to ~1 ms late; failover time is what this daemon is judged by. A `timerfd` on
//! CLOCK_MONOTONIC (the clock of `std::time::Instant`), registered with the tokio reactor,
//! wakes the loop at the deadline itself, as keepalived's timerfd-based scheduler does.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Instant;

use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

/// A timerfd armed for at most one deadline at a time.
pub struct PreciseTimer {
    fd: AsyncFd<OwnedFd>,
}

impl PreciseTimer {
    /// A disarmed timer (must be called inside a tokio runtime).
    pub fn new() -> io::Result<PreciseTimer> {
        // SAFETY: timerfd_create has no memory arguments; the result is checked.
        let raw = unsafe { libc::timerfd_create(libc::CLOCK_MONOTONIC, libc::TFD_NONBLOCK | libc::TFD_CLOEXEC) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a new descriptor that nothing else owns.
        let owned = unsafe { OwnedFd::from_raw_fd(raw) };
        // SAFETY: register_with_interest requires the descriptor to stay open and unchanged for
        // the AsyncFd's lifetime: the AsyncFd owns it and this module never replaces it.
        let fd = unsafe { AsyncFd::register_with_interest(owned, Interest::READABLE) }.map_err(io::Error::from)?;
        Ok(PreciseTimer { fd })
    }

    /// Arms the timer for `at` (`None` disarms it). A deadline already past fires at once.
    pub fn arm(&self, at: Option<Instant>) -> io::Result<()> {
        let value = match at {
            None => libc::timespec { tv_sec: 0, tv_nsec: 0 },
            Some(at) => {
                // 1 ns rather than 0 for a past deadline: an all-zero value disarms.
                let d = at
                    .saturating_duration_since(Instant::now())
                    .max(std::time::Duration::from_nanos(1));
                libc::timespec {
                    tv_sec: d.as_secs() as libc::time_t,
                    tv_nsec: d.subsec_nanos() as libc::c_long,
                }
            }
        };
        let spec = libc::itimerspec {
            it_interval: libc::timespec { tv_sec: 0, tv_nsec: 0 },
            it_value: value,
        };
        // SAFETY: `spec` is a valid itimerspec; the old value is not requested.
        let rc = unsafe { libc::timerfd_settime(self.fd.as_raw_fd(), 0, &spec, std::ptr::null_mut()) };
        if rc < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }

    /// Waits until the armed deadline passes (forever while disarmed).
    pub async fn wait(&self) -> io::Result<()> {
        loop {
            let mut guard = self.fd.readable().await?;
            let mut buf = [0u8; 8];
            // SAFETY: reading 8 bytes (the expiry count) into an 8-byte buffer.
            let n = unsafe { libc::read(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
            if n == 8 {
                return Ok(());
            }
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::WouldBlock {
                // Re-armed or disarmed since it became readable: wait again.
                guard.clear_ready();
                continue;
            }
            return Err(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn fires_at_the_deadline_not_before() {
        rt().block_on(async {
            let t = PreciseTimer::new().unwrap();
            let start = Instant::now();
            let at = start + Duration::from_millis(30);
            t.arm(Some(at)).unwrap();
            tokio::time::timeout(Duration::from_secs(5), t.wait())
                .await
                .unwrap()
                .unwrap();
            assert!(Instant::now() >= at);
        });
    }

    #[test]
    fn past_deadline_fires_at_once_and_disarmed_never_fires() {
        rt().block_on(async {
            let t = PreciseTimer::new().unwrap();
            t.arm(Some(Instant::now() - Duration::from_secs(1))).unwrap();
            tokio::time::timeout(Duration::from_secs(5), t.wait())
                .await
                .unwrap()
                .unwrap();
            t.arm(None).unwrap();
            assert!(tokio::time::timeout(Duration::from_millis(50), t.wait()).await.is_err());
        });
    }

    #[test]
    fn rearming_replaces_the_deadline() {
        rt().block_on(async {
            let t = PreciseTimer::new().unwrap();
            t.arm(Some(Instant::now() + Duration::from_secs(3600))).unwrap();
            let at = Instant::now() + Duration::from_millis(10);
            t.arm(Some(at)).unwrap();
            tokio::time::timeout(Duration::from_secs(5), t.wait())
                .await
                .unwrap()
                .unwrap();
            assert!(Instant::now() >= at);
        });
    }
}
