//! The contract between the checkers (which probe real servers) and the pool logic (which
//! decides what the IPVS table and the logs say): which checker, and what it found.

/// Identifies one checker: indexes into `Config.check.virtual_servers`, that virtual server's
/// `real_servers` (or [`SORRY`] for the sorry server), and that real server's `checkers`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CheckerId {
    /// Virtual server index.
    pub vs: usize,
    /// Real server index.
    pub rs: usize,
    /// Checker index within the real server.
    pub checker: usize,
}

/// The real-server index that names a virtual server's sorry server.
pub const SORRY: usize = usize::MAX;

/// One probe's result, before `retry` is applied (the pool counts retries and decides when a
/// server is up or down, as keepalived's checkers do with `retry_it`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    /// The server answered as required.
    Success,
    /// `MISC_CHECK` with `misc_dynamic`: success with a new weight (exit code 2..255 gives
    /// weight code - 2).
    SuccessWeight(u32),
    /// It did not; `reason` is keepalived's log text for the failure, e.g.
    /// "TCP connection to [10.0.0.2]:tcp:80 timeout." or "HTTP status code error to ...".
    Failure {
        /// keepalived's log line for it (without the checker's prefix).
        reason: String,
    },
}

/// A checker's report to the pool.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Which checker.
    pub id: CheckerId,
    /// What it found.
    pub probe: Probe,
}
