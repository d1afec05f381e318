//! The pool's memory of each virtual server, real server and checker (the run-time fields
//! keepalived keeps in `virtual_server_t`, `real_server_t` and `checker_t`).

use crate::config::model::check::{CheckConfig, VirtualServer};

/// One checker (`checker_t.is_up`, `has_run`, `alpha`, `cur_weight`, `enabled`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ChkState {
    /// Last known result.
    pub is_up: bool,
    /// It has reported at least once.
    pub has_run: bool,
    /// Alpha mode.
    pub alpha: bool,
    /// `misc_dynamic` weight offset from the real server's configured weight.
    pub cur_weight: i64,
    /// Not suspended by `ha_suspend` (`register_checkers_thread()` decides at start and
    /// reload).
    pub enabled: bool,
}

/// One real server, or a sorry server (`real_server_t` run-time fields).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RsState {
    /// In the pool as far as the checkers go (`alive`).
    pub alive: bool,
    /// A destination was added and not deleted (`set`).
    pub set: bool,
    /// `inhibit_on_failure`.
    pub inhibit: bool,
    /// Configured weight (`iweight`).
    pub iweight: i64,
    /// Weight with the checkers' dynamic offsets (`effective_weight`).
    pub eff: i64,
    /// Checkers currently down (`num_failed_checkers`).
    pub num_failed: u32,
    /// Carried over from before a reload (`reloaded`).
    pub reloaded: bool,
    /// Weight before the reload (`peffective_weight`).
    pub peff: i64,
    /// The weight the kernel holds for it, if it is a destination.
    pub kweight: Option<i32>,
    /// Its checkers.
    pub checkers: Vec<ChkState>,
}

/// One virtual server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct VsState {
    /// The service is installed.
    pub alive: bool,
    /// `quorum_state_up`.
    pub quorum_up: bool,
    /// `omega` (forced on for the old server at a reload, as keepalived does).
    pub omega: bool,
    /// Addresses present for `ha_suspend` (`ha_suspend_addr_count`).
    pub ha_count: u32,
    /// Carried over from before a reload.
    pub reloaded: bool,
    /// Real servers, as configured.
    pub rs: Vec<RsState>,
    /// The sorry server.
    pub sorry: Option<RsState>,
    /// At a reload, the "added into group" lines of its group's new entries, logged by
    /// `init_service_vs()` (keepalived's `sync_service_vsg()`).
    pub added_lines: Vec<String>,
}

impl RsState {
    fn new(inhibit: bool, weight: i64, checkers: Vec<ChkState>) -> Self {
        RsState {
            alive: false,
            set: false,
            inhibit,
            iweight: weight,
            eff: weight,
            num_failed: 0,
            reloaded: false,
            peff: weight,
            kweight: None,
            checkers,
        }
    }
}

/// The fresh state of a virtual server as `validate_check_config()` leaves it: checkers up,
/// alpha checkers down (not at a reload, where `migrate_checkers()` and
/// `check_new_rs_state()` decide), nothing in the kernel, and the quorum as
/// `set_quorum_states()` finds it with no server alive.
pub(crate) fn fresh_vs(vs: &VirtualServer, reload: bool) -> VsState {
    let rs = vs
        .real_servers
        .iter()
        .map(|r| {
            let alpha_rs = r.alpha.unwrap_or(vs.alpha);
            let checkers: Vec<ChkState> = r
                .checkers
                .iter()
                .map(|c| ChkState {
                    is_up: true,
                    has_run: false,
                    alpha: c.alpha.unwrap_or(alpha_rs),
                    cur_weight: 0,
                    enabled: true,
                })
                .chain(r.file_checks.iter().map(|_| ChkState {
                    // A file's state is known at once: it has "run", never alpha.
                    is_up: true,
                    has_run: true,
                    alpha: false,
                    cur_weight: 0,
                    enabled: true,
                }))
                .collect();
            let mut s = RsState::new(
                r.inhibit.unwrap_or(vs.inhibit),
                r.weight.unwrap_or(vs.weight) as i64,
                checkers,
            );
            for c in &mut s.checkers {
                if c.alpha && !reload {
                    c.is_up = false;
                    s.num_failed += 1;
                }
            }
            s
        })
        .collect();
    let sorry = vs.sorry_server.as_ref().map(|s| RsState::new(s.inhibit, 1, Vec::new()));
    let quorum_up = vs.quorum as u64 + vs.hysteresis as u64 == 0;
    VsState {
        alive: false,
        quorum_up,
        omega: vs.omega,
        ha_count: 0,
        reloaded: false,
        rs,
        sorry,
        added_lines: Vec::new(),
    }
}

/// Fresh state for every virtual server.
pub(crate) fn fresh(check: &CheckConfig, reload: bool) -> Vec<VsState> {
    check.virtual_servers.iter().map(|v| fresh_vs(v, reload)).collect()
}
