//! How the parent judges a child's death and when it restarts it: keepalived's
//! `report_child_status()` and `calc_restart_delay()` (`lib/scheduler.c`), pure so the
//! wording and the back-off are tested without processes.

use std::time::{Duration, Instant};

use crate::log::{LogLine, Priority};

/// keepalived's exit codes that stop the whole daemon when a child exits with them.
pub mod exit {
    /// `KEEPALIVED_EXIT_FATAL`.
    pub const FATAL: i32 = 1;
    /// `KEEPALIVED_EXIT_CONFIG`.
    pub const CONFIG: i32 = 2;
    /// `KEEPALIVED_EXIT_MISSING_PERMISSION`.
    pub const MISSING_PERMISSION: i32 = 4;
}

/// How a child ended (from `waitpid`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Death {
    /// `exit(code)`.
    Exited(i32),
    /// Killed by this signal.
    Signaled(i32),
}

impl Death {
    /// From a `std` exit status.
    pub fn from_status(s: std::process::ExitStatus) -> Death {
        use std::os::unix::process::ExitStatusExt;
        match (s.code(), s.signal()) {
            (Some(c), _) => Death::Exited(c),
            (None, Some(sig)) => Death::Signaled(sig),
            (None, None) => Death::Exited(0),
        }
    }
}

/// The name `strsignal()` gives a signal, for the "exited due to signal" line.
pub fn signal_name(sig: i32) -> String {
    // SAFETY: strsignal returns a pointer to a static or thread-local string.
    unsafe {
        let p = libc::strsignal(sig);
        if p.is_null() {
            return format!("Unknown signal {sig}");
        }
        std::ffi::CStr::from_ptr(p).to_string_lossy().into_owned()
    }
}

/// keepalived's `report_child_status()`: the lines logged for a dead child (`who` is
/// keepalived's `prog_id`, e.g. "pid 8160" or "VRRP child") and, for exit codes 1, 2 and 4,
/// the permanent error that stops the daemon with that code.
pub fn report(death: Death, who: &str) -> (Vec<LogLine>, Option<i32>) {
    let mut lines = Vec::new();
    match death {
        Death::Exited(code @ (exit::FATAL | exit::CONFIG | exit::MISSING_PERMISSION)) => {
            let what = match code {
                exit::CONFIG => "CONFIG",
                exit::MISSING_PERMISSION => "missing permission",
                _ => "FATAL",
            };
            lines.push(LogLine::info(format!(
                "{who} exited with permanent error {what}. Terminating"
            )));
            return (lines, Some(code));
        }
        Death::Exited(0) => {}
        Death::Exited(code) => lines.push(LogLine::info(format!("{who} exited with status {code}"))),
        Death::Signaled(libc::SIGSEGV) => {
            lines.push(LogLine::info(format!(
                "{who} exited due to segmentation fault (SIGSEGV)."
            )));
            for l in [
                "Please report a bug to the keepalived-rs developers (not to keepalived's tracker)",
                "and include this log from when keepalived started, a description",
                "of what happened before the crash, your configuration file and the output",
                "of keepalived -v.",
            ] {
                lines.push(LogLine::info(format!("  {l}")));
            }
        }
        Death::Signaled(sig) => lines.push(LogLine::info(format!(
            "{who} exited due to signal {sig} ({}){}",
            signal_name(sig),
            if sig == libc::SIGKILL {
                " - has rlimit_rttime been exceeded?"
            } else {
                ""
            }
        ))),
    }
    (lines, None)
}

/// keepalived's `log_child_died()`: `kind` is "VRRP" or "Healthcheck".
pub fn child_died_lines(kind: &str, pid: u32, respawning: bool) -> Vec<LogLine> {
    if !respawning {
        return vec![LogLine::at(
            Priority::Alert,
            format!("{kind} child process({pid}) died: Exiting"),
        )];
    }
    vec![
        LogLine::at(Priority::Alert, format!("{kind} child process({pid}) died: Respawning")),
        LogLine::info("  Please log an issue at https://github.com/acassen/keepalived/issues/"),
        LogLine::info("  and include a full copy of your keepalived configuration files, and"),
        LogLine::info("  copies of the keepalived system log entries around the time this happened"),
    ]
}

/// The respawn back-off of one child (`calc_restart_delay()`): immediate after more than a
/// minute up; otherwise 0 s, then 1, 2, 4 … 32, then 60 s.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    next: u32,
    started: Instant,
}

impl Backoff {
    /// A child started at `started`.
    pub fn new(started: Instant) -> Backoff {
        Backoff { next: 0, started }
    }

    /// Records a (re)start at `at`.
    pub fn started(&mut self, at: Instant) {
        self.started = at;
    }

    /// The delay before restarting a child that died at `now`, and the line keepalived logs
    /// about it (none when the child had been up for a minute or more).
    pub fn delay(&mut self, now: Instant, kind: &str) -> (Duration, Option<LogLine>) {
        if now.duration_since(self.started) >= Duration::from_secs(60) {
            self.next = 0;
            return (Duration::ZERO, None);
        }
        let d = self.next;
        self.next = match self.next {
            0 => 1,
            n if n > 30 => 60,
            n => n * 2,
        };
        (
            Duration::from_secs(d.into()),
            Some(LogLine::info(format!(
                "Restart of {kind} process delayed {d} seconds to limit respawn rate"
            ))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_a_minute_and_resets_after_a_minute_up() {
        let t0 = Instant::now();
        let mut b = Backoff::new(t0);
        let mut seen = Vec::new();
        for _ in 0..9 {
            let (d, line) = b.delay(t0 + Duration::from_secs(1), "VRRP");
            assert!(line.unwrap().text.contains(&format!("delayed {} seconds", d.as_secs())));
            seen.push(d.as_secs());
        }
        assert_eq!(seen, [0, 1, 2, 4, 8, 16, 32, 60, 60]);
        b.started(t0);
        let (d, line) = b.delay(t0 + Duration::from_secs(61), "VRRP");
        assert_eq!((d, line), (Duration::ZERO, None));
        let (d, _) = b.delay(t0 + Duration::from_secs(62), "VRRP");
        assert_eq!(d, Duration::ZERO, "the sequence starts again at 0");
    }

    #[test]
    fn permanent_exit_codes_and_signal_lines_match_keepalived() {
        let (l, perm) = report(Death::Exited(2), "pid 9500");
        assert_eq!(perm, Some(2));
        assert_eq!(l[0].text, "pid 9500 exited with permanent error CONFIG. Terminating");
        assert_eq!(
            report(Death::Exited(4), "x").0[0].text,
            "x exited with permanent error missing permission. Terminating"
        );
        assert_eq!(report(Death::Exited(1), "x").1, Some(1));
        let (l, perm) = report(Death::Signaled(9), "pid 8160");
        assert_eq!(perm, None);
        assert_eq!(
            l[0].text,
            "pid 8160 exited due to signal 9 (Killed) - has rlimit_rttime been exceeded?"
        );
        assert_eq!(
            report(Death::Signaled(15), "p").0[0].text,
            "p exited due to signal 15 (Terminated)"
        );
        assert_eq!(report(Death::Exited(3), "p").0[0].text, "p exited with status 3");
        assert!(report(Death::Exited(0), "p").0.is_empty());
        let died = child_died_lines("VRRP", 8160, true);
        assert_eq!(died[0].priority, Priority::Alert);
        assert_eq!(died[0].text, "VRRP child process(8160) died: Respawning");
        assert_eq!(died.len(), 4);
        assert_eq!(
            child_died_lines("VRRP", 1, false)[0].text,
            "VRRP child process(1) died: Exiting"
        );
    }
}
