//! MISC_CHECK: runs the script (`crate::exec`: as its user, in its own process group,
//! SIGTERM then SIGKILL at the timeout, always reaped) and reads its exit as keepalived's
//! `misc_check_child_thread()` does. The retry counting and the "Misc check for [...]" lines
//! are the scheduler's ([`crate::check::schedule`]).

use std::time::Duration;

use crate::check::event::Probe;
use crate::config::model::check::MiscCheck;
use crate::vrrp::event::ScriptOutcome;

/// The failure reason of a run killed at its timeout (the scheduler logs "timed out").
pub const TIMED_OUT: &str = "timed out";

/// Reads a script's end as keepalived does: 0 succeeds; with `misc_dynamic`, 2..255 succeed
/// with weight code - 2; any other exit is a failure "exited with status N", a run killed at
/// the timeout "timed out", another signal "due to signal N".
pub fn read_outcome(outcome: ScriptOutcome, dynamic: bool) -> Probe {
    match outcome {
        ScriptOutcome::Exited(0) => Probe::Success,
        ScriptOutcome::Exited(c) if dynamic && (2..=255).contains(&c) => Probe::SuccessWeight(c as u32 - 2),
        ScriptOutcome::Exited(c) => Probe::Failure {
            reason: format!("exited with status {c}"),
        },
        ScriptOutcome::TimedOut => Probe::Failure {
            reason: TIMED_OUT.to_string(),
        },
        ScriptOutcome::Signalled(s) => Probe::Failure {
            reason: format!("due to signal {s}"),
        },
    }
}

/// Runs the check once. `timeout` is `misc_timeout`, or the virtual server's `delay_loop`
/// when that is 0 (see [`crate::check::schedule::Params::timeout`]).
pub async fn probe(check: &MiscCheck, timeout: Duration) -> Probe {
    let outcome = crate::exec::run(&check.script, &[], Some(timeout)).await;
    read_outcome(outcome, check.dynamic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn misc_check_child_thread_exit_codes() {
        let f = |r: &str| Probe::Failure { reason: r.into() };
        assert_eq!(read_outcome(ScriptOutcome::Exited(0), false), Probe::Success);
        assert_eq!(read_outcome(ScriptOutcome::Exited(0), true), Probe::Success);
        assert_eq!(read_outcome(ScriptOutcome::Exited(1), true), f("exited with status 1"));
        assert_eq!(read_outcome(ScriptOutcome::Exited(2), false), f("exited with status 2"));
        assert_eq!(read_outcome(ScriptOutcome::Exited(2), true), Probe::SuccessWeight(0));
        assert_eq!(
            read_outcome(ScriptOutcome::Exited(255), true),
            Probe::SuccessWeight(253)
        );
        assert_eq!(read_outcome(ScriptOutcome::TimedOut, true), f("timed out"));
        assert_eq!(read_outcome(ScriptOutcome::Signalled(9), false), f("due to signal 9"));
    }
}
