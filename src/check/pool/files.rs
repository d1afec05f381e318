//! `FILE_CHECK`: a real server following a `track_file` (keepalived's `check_file.c`
//! `set_track_file_weights()` / `set_track_file_checkers_down()` at start and
//! `track_file.c` `process_update_checker_track_file_status()` on a change). A real server's
//! file checks come after its other checkers: `CheckerId.checker = checkers.len() + i`.

use super::Pool;
use crate::check::event::CheckerId;

/// keepalived's `IPVS_WEIGHT_FAULT` (`INT_MIN`): the status that means "failed".
const FAULT: i64 = i32::MIN as i64;

/// keepalived's `weight_range()`.
fn weight_range(v: i64) -> i64 {
    v.clamp(FAULT, i32::MAX as i64)
}

impl Pool {
    /// The weight and multiplier a file check applies (its own, else the tracked file's).
    fn file_weight(&self, vi: usize, ri: usize, fi: usize) -> Option<(i64, i64)> {
        let fc = &self.cfg.check.virtual_servers[vi].real_servers[ri].file_checks[fi];
        let tf = self.cfg.track.file(&fc.track_file)?;
        let (w, rev) = match fc.weight {
            Some(w) => (w, fc.reverse),
            None => (tf.weight, tf.weight_reverse),
        };
        Some((w as i64, if rev { -1 } else { 1 }))
    }

    /// The status a file value means to one file check (`update_track_file_status()`).
    fn file_status(&self, vi: usize, ri: usize, fi: usize, value: i64) -> i64 {
        let Some((w, m)) = self.file_weight(vi, ri, fi) else {
            return 0;
        };
        if w == 0 {
            if (value == 0) != (m == 1) { FAULT } else { 0 }
        } else {
            weight_range(value.saturating_mul(w).saturating_mul(m))
        }
    }

    /// Every (virtual server, real server, file check) following the named file.
    fn file_checks_of(&self, name: &str) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        for (vi, vs) in self.cfg.check.virtual_servers.iter().enumerate() {
            for (ri, rs) in vs.real_servers.iter().enumerate() {
                for (fi, fc) in rs.file_checks.iter().enumerate() {
                    if fc.track_file == name {
                        out.push((vi, ri, fi));
                    }
                }
            }
        }
        out
    }

    fn file_id(&self, vi: usize, ri: usize, fi: usize) -> CheckerId {
        CheckerId {
            vs: vi,
            rs: ri,
            checker: self.cfg.check.virtual_servers[vi].real_servers[ri].checkers.len() + fi,
        }
    }

    /// At start, before `init_services()`: the files' values as read (`set_track_file_weights()`,
    /// `set_track_file_checkers_down()` and the counting in `init_service_rs()`).
    pub(super) fn init_files(&mut self, values: &[(String, i64)]) {
        for (name, value) in values {
            self.file_values.insert(name.clone(), *value);
            if *value == 0 {
                continue;
            }
            for (vi, ri, fi) in self.file_checks_of(name) {
                let Some((w, m)) = self.file_weight(vi, ri, fi) else {
                    continue;
                };
                let id = self.file_id(vi, ri, fi);
                let product = value.saturating_mul(w).saturating_mul(m);
                if w != 0 {
                    self.st[vi].rs[ri].checkers[id.checker].cur_weight = product;
                }
                if w == 0 || product <= FAULT {
                    self.set_checker_state(id, false);
                }
            }
        }
        for vs in &mut self.st {
            for r in &mut vs.rs {
                r.eff = r.iweight + r.checkers.iter().map(|c| c.cur_weight).sum::<i64>();
            }
        }
    }

    /// A tracked file's new value.
    pub(super) fn on_track_file(&mut self, name: &str, value: i64) {
        let previous = self.file_values.insert(name.to_string(), value).unwrap_or(0);
        if previous == value {
            return;
        }
        for (vi, ri, fi) in self.file_checks_of(name) {
            let new = self.file_status(vi, ri, fi, value);
            let prev = self.file_status(vi, ri, fi, previous);
            if new == prev {
                continue;
            }
            let id = self.file_id(vi, ri, fi);
            if new == FAULT {
                self.update_svr_checker_state(false, id);
                let r = &mut self.st[vi].rs[ri];
                r.eff -= r.checkers[id.checker].cur_weight;
                r.checkers[id.checker].cur_weight = 0;
            } else if prev == FAULT {
                let r = &mut self.st[vi].rs[ri];
                r.checkers[id.checker].cur_weight = new;
                r.eff += new;
                self.update_svr_checker_state(true, id);
            } else {
                let eff = self.st[vi].rs[ri].eff + new - prev;
                self.update_svr_wgt(eff, vi, ri, true);
                self.st[vi].rs[ri].checkers[id.checker].cur_weight = new;
            }
        }
    }
}
