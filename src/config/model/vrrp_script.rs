//! `vrrp_script NAME { ... }` (keepalived's `vrrp_script_t`).

use serde::Serialize;

use super::super::{Origin, Script};

/// keepalived's `VRRP_SCRIPT_DI`: default interval in microseconds.
pub const SCRIPT_INTERVAL_DEFAULT_US: u64 = 1_000_000;

/// `vrrp_script NAME { ... }`, resolved.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VrrpScript {
    /// Script name, referenced by `track_script`.
    pub name: String,
    /// `script "CMD ARGS"` and `user USER [GROUP]`.
    pub script: Script,
    /// `interval` in microseconds (default 1 s).
    pub interval: u64,
    /// `timeout` in microseconds (0: the interval applies).
    pub timeout: u64,
    /// `weight` (default 0: a failure means FAULT).
    pub weight: i32,
    /// `weight N reverse`.
    pub weight_reverse: bool,
    /// `rise` (default 1).
    pub rise: u32,
    /// `fall` (default 1).
    pub fall: u32,
    /// `init_fail`: start in the failed state.
    pub init_fail: bool,
    /// Where it was configured.
    pub origin: Origin,
}
