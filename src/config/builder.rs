//! The configuration under construction, plus the "current object" state each keyword family
//! keeps while its block is open (keepalived keeps these as globals and `list_last_entry()`).

use super::keywords;
use super::model::Config;

/// Everything the keyword handlers build.
#[derive(Default)]
pub struct Builder {
    /// The configuration so far.
    pub cfg: Config,
    /// State of the `global_defs` and top-level handlers.
    pub global: keywords::global::State,
    /// State of the VRRP handlers.
    pub vrrp: keywords::vrrp::State,
    /// State of the static address/route/rule handlers.
    pub net: keywords::net::State,
    /// State of the tracker handlers (`track_file`, `vrrp_track_process`).
    pub track: keywords::track::State,
    /// State of the virtual server and checker handlers.
    pub check: keywords::check::State,
    /// State of the BFD handlers.
    pub bfd: keywords::bfd::State,
}
