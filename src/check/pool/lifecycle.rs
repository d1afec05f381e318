//! Start, reload and stop of the pool: keepalived's `init_service_vs()`, `init_service_rs()`,
//! `clear_diff_services()` (with `migrate_checkers()`, `check_new_rs_state()` and
//! `set_effective_weights()`) and `clear_services()`.

use super::state::{self, RsState, VsState};
use super::{Op, Pool, PoolAction};
use crate::config::model::Config;
use crate::config::model::check::{CheckConfig, VirtualServer, VirtualServerGroup, fmt_ip, trio};
use crate::config::model::global::LvsFlushOnStop;
use crate::ipvs::desired;
use crate::ipvs::reconcile;

use crate::check::schedule::{rs_iseq, vs_iseq};

impl Pool {
    /// `init_service_rs()`.
    fn init_service_rs(&mut self, vi: usize) {
        for ri in 0..self.st[vi].rs.len() {
            let r = &self.st[vi].rs[ri];
            if r.reloaded {
                if r.eff != r.peff {
                    let new = r.eff;
                    self.st[vi].rs[ri].eff = r.peff;
                    self.update_svr_wgt(new, vi, ri, false);
                }
                continue;
            }
            if (r.num_failed == 0 && !r.alive) || (r.inhibit && !r.set) {
                let ok = r.num_failed == 0;
                self.ipvs_cmd(Op::Add, vi, Some(ri));
                if ok {
                    self.st[vi].rs[ri].alive = true;
                    if self.cfg.global.rs_init_notifies {
                        self.rs_notifies(vi, ri, false);
                    }
                }
            }
        }
    }

    /// `init_service_vs()`.
    pub(super) fn init_service_vs(&mut self, vi: usize) {
        self.ipvs_service(true, vi);
        self.init_service_rs(vi);
        for line in std::mem::take(&mut self.st[vi].added_lines) {
            self.log(line);
        }
        self.update_quorum_state(vi, true);
        if self.st[vi].reloaded && !self.sorry_alive(vi) {
            self.restore_alive(vi);
        }
        let vs = &self.cfg.check.virtual_servers[vi];
        let dup = vs.sorry_server_duplicates_rs;
        if let Some(s) = &self.st[vi].sorry
            && s.inhibit
            && !s.set
        {
            if dup {
                self.rs_mut(vi, None).set = true;
            } else {
                // Added with weight 0 until the quorum is lost.
                self.rs_mut(vi, None).num_failed = 1;
                self.ipvs_cmd(Op::Add, vi, None);
                self.rs_mut(vi, None).num_failed = 0;
            }
        }
    }

    /// After a reload that took away the sorry server that was serving, the live real servers
    /// it had replaced go back in. keepalived 2.2.7 leaves them out until they fail and
    /// recover (`clear_diff_s_srv()` removes the old sorry server without
    /// `perform_quorum_state()`); serving nothing while servers are up is no behaviour to keep.
    fn restore_alive(&mut self, vi: usize) {
        for ri in 0..self.st[vi].rs.len() {
            let r = &self.st[vi].rs[ri];
            if r.alive && r.kweight != Some(desired::weight_i32(r.eff)) {
                self.ipvs_cmd(Op::Add, vi, Some(ri));
            }
        }
    }

    /// `register_checkers_thread()`: every checker that runs on a timer is activated, or
    /// deactivated while `ha_suspend` finds no address of its virtual server.
    pub(super) fn register_checkers(&mut self) {
        for vi in 0..self.st.len() {
            let vs = &self.cfg.check.virtual_servers[vi];
            let suspend = vs.ha_suspend && self.st[vi].ha_count == 0;
            let counts: Vec<usize> = vs.real_servers.iter().map(|r| r.checkers.len()).collect();
            for (ri, n) in counts.into_iter().enumerate() {
                for ci in 0..n {
                    if !self.cfg.check.virtual_servers[vi].real_servers[ri].checkers[ci].has_launch() {
                        continue;
                    }
                    if suspend {
                        self.st[vi].rs[ri].checkers[ci].enabled = false;
                    }
                    let enabled = self.st[vi].rs[ri].checkers[ci].enabled;
                    self.log(format!(
                        "{}ctivating healthchecker for service {} for VS {}",
                        if enabled { "A" } else { "Dea" },
                        self.fmt_rs(vi, Some(ri)),
                        self.fmt_vs(vi)
                    ));
                }
            }
        }
    }

    /// `update_vs_notifies()`.
    fn update_vs_notifies(&mut self, vi: usize, stopping: bool) {
        let vs = &self.cfg.check.virtual_servers[vi];
        let threshold = vs.quorum as i64 - vs.hysteresis as i64;
        let sum = self.weigh_live(vi);
        if stopping || (self.st[vi].quorum_up && (sum == 0 || sum < threshold)) {
            self.st[vi].quorum_up = false;
            self.vs_notifies(vi, false, threshold, sum, stopping);
        }
    }

    /// `clear_service_rs()`.
    fn clear_service_rs(&mut self, vi: usize, ri: usize, stopping: bool) {
        let r = &self.st[vi].rs[ri];
        if r.set || stopping {
            self.log(format!(
                "{} {}service {} from VS {}",
                if stopping { "Shutting down" } else { "Removing" },
                if r.inhibit && !r.alive { "(inhibited) " } else { "" },
                self.fmt_rs(vi, Some(ri)),
                self.fmt_vs(vi)
            ));
        }
        if !self.st[vi].rs[ri].set {
            return;
        }
        let inhibit = std::mem::replace(&mut self.st[vi].rs[ri].inhibit, false);
        self.ipvs_cmd(Op::Del, vi, Some(ri));
        self.st[vi].rs[ri].inhibit = inhibit;
        if !self.st[vi].rs[ri].alive {
            return;
        }
        self.st[vi].rs[ri].alive = false;
        if !self.st[vi].omega && stopping {
            return;
        }
        self.rs_notifies(vi, ri, stopping);
        if self.cfg.check.virtual_servers[vi].real_servers[ri]
            .smtp_alert
            .unwrap_or(true)
        {
            let body = if stopping {
                "=> Shutting down <="
            } else {
                "=> Removing <="
            };
            self.smtp_rs(vi, ri, "DOWN", body.to_string());
        }
    }

    /// `clear_service_vs()`.
    fn clear_service_vs(&mut self, vi: usize, stopping: bool) {
        if self.cfg.global.lvs_flush_on_stop == LvsFlushOnStop::Disabled {
            if self.st[vi].sorry.as_ref().is_some_and(|s| s.set) {
                if self.cfg.check.virtual_servers[vi].sorry_server_duplicates_rs {
                    self.rs_mut(vi, None).set = false;
                } else {
                    let inhibit = std::mem::replace(&mut self.rs_mut(vi, None).inhibit, false);
                    self.ipvs_cmd(Op::Del, vi, None);
                    self.rs_mut(vi, None).inhibit = inhibit;
                }
                self.rs_mut(vi, None).alive = false;
            }
            for ri in 0..self.st[vi].rs.len() {
                self.clear_service_rs(vi, ri, stopping);
            }
            self.update_vs_notifies(vi, stopping);
        } else {
            self.update_vs_notifies(vi, stopping);
            if let Some(s) = self.st[vi].sorry.as_mut()
                && s.set
            {
                s.alive = false;
            }
        }
        self.ipvs_service(false, vi);
    }

    /// Stops (keepalived's `clear_services()` unless `-I`, then the sync daemon's stop).
    /// The actions begin with the commands.
    pub(super) fn stop(&mut self, keep_ipvs: bool) -> Vec<PoolAction> {
        let owned = self.wanted();
        self.record_ipvs = false;
        if !keep_ipvs {
            if self.cfg.global.lvs_flush_on_stop == LvsFlushOnStop::Full {
                for vi in 0..self.st.len() {
                    self.update_vs_notifies(vi, true);
                }
            } else {
                for vi in 0..self.st.len() {
                    self.clear_service_vs(vi, true);
                }
            }
        }
        let mut cmds = reconcile::stop(&owned, self.cfg.global.lvs_flush_on_stop, keep_ipvs);
        cmds.extend(desired::sync_daemon_stop(&self.cfg.global));
        let rest = std::mem::take(&mut self.out);
        let mut out: Vec<PoolAction> = cmds.into_iter().map(PoolAction::Ipvs).collect();
        out.extend(rest);
        out
    }

    /// Reloads (keepalived's `clear_diff_services()`, then `init_services()` on the new
    /// configuration). The actions begin with the commands: the difference between the old
    /// and the new wanted tables.
    pub(super) fn reload(&mut self, new: std::sync::Arc<Config>) -> Vec<PoolAction> {
        let old_want = self.wanted();
        let old_syncd = desired::sync_daemons(&self.cfg.global);
        self.record_ipvs = false;

        // Old side: what goes away.
        let matches: Vec<Option<usize>> = self
            .cfg
            .check
            .virtual_servers
            .iter()
            .map(|o| new.check.virtual_servers.iter().position(|n| vs_iseq(o, n)))
            .collect();
        for (oi, m) in matches.iter().enumerate() {
            match m {
                None => {
                    let ovs = &self.cfg.check.virtual_servers[oi];
                    let line = match ovs.group() {
                        Some(g) => format!("Removing Virtual Server Group [{g}]"),
                        None => format!("Removing Virtual Server {}", ovs.fmt()),
                    };
                    self.log(line);
                    self.clear_service_vs(oi, false);
                }
                Some(ni) => {
                    self.st[oi].omega = true;
                    let nvs = &new.check.virtual_servers[*ni];
                    let ovs = &self.cfg.check.virtual_servers[oi];
                    let (gone_entries, _) = group_entry_changes(&self.cfg.check, ovs, &new.check, nvs);
                    let gone: Vec<usize> = (0..ovs.real_servers.len())
                        .filter(|&ri| !nvs.real_servers.iter().any(|n| rs_iseq(&ovs.real_servers[ri], n)))
                        .collect();
                    for line in gone_entries {
                        self.log(line);
                    }
                    for ri in gone {
                        self.log(format!("service {} no longer exist", self.fmt_rs(oi, Some(ri))));
                        self.clear_service_rs(oi, ri, false);
                    }
                    self.update_vs_notifies(oi, false);
                    self.clear_diff_s_srv(oi, nvs);
                }
            }
        }

        // New side: carry the states over.
        let old_cfg = std::mem::replace(&mut self.cfg, new);
        let old_st = std::mem::replace(&mut self.st, state::fresh(&self.cfg.check, true));
        for (oi, m) in matches.iter().enumerate() {
            if let Some(ni) = *m {
                self.carry_vs(&old_cfg.check, &old_cfg.check.virtual_servers[oi], &old_st[oi], ni);
            }
        }
        for vi in 0..self.st.len() {
            for ri in 0..self.st[vi].rs.len() {
                let r = &mut self.st[vi].rs[ri];
                if !r.reloaded {
                    // check_new_rs_state(): new alpha checkers start down.
                    let mut failed = 0;
                    for c in &mut r.checkers {
                        if c.alpha && c.is_up {
                            c.is_up = false;
                            failed += 1;
                        }
                    }
                    r.num_failed += failed;
                    if failed > 0 {
                        r.alive = false;
                    }
                }
                // set_effective_weights()
                r.eff = r.iweight + r.checkers.iter().map(|c| c.cur_weight).sum::<i64>();
            }
        }
        for vi in 0..self.st.len() {
            self.init_service_vs(vi);
        }
        self.register_checkers();

        let mut cmds = Vec::new();
        let new_syncd = desired::sync_daemons(&self.cfg.global);
        if new_syncd != old_syncd {
            cmds.extend(desired::sync_daemon_stop(&old_cfg.global));
            cmds.extend(desired::sync_daemon_start(&self.cfg.global));
        }
        cmds.extend(reconcile::reload(&old_want, &self.wanted()));
        self.record_ipvs = true;
        let rest = std::mem::take(&mut self.out);
        let mut out: Vec<PoolAction> = cmds.into_iter().map(PoolAction::Ipvs).collect();
        out.extend(rest);
        out
    }

    /// `clear_diff_s_srv()`: an old sorry server that is not the new one leaves.
    fn clear_diff_s_srv(&mut self, oi: usize, nvs: &VirtualServer) {
        let ovs = &self.cfg.check.virtual_servers[oi];
        let (Some(os), Some(_)) = (&ovs.sorry_server, &self.st[oi].sorry) else {
            return;
        };
        let same = nvs
            .sorry_server
            .as_ref()
            .is_some_and(|n| n.ip == os.ip && n.port == os.port);
        if same {
            return;
        }
        let s = self.rs_mut(oi, None);
        if s.inhibit {
            if !s.alive && s.set {
                s.alive = true;
            }
            s.inhibit = false;
        }
        if s.alive {
            self.log(format!(
                "Removing sorry server {} from VS {}",
                self.fmt_rs(oi, None),
                self.fmt_vs(oi)
            ));
            self.ipvs_cmd(Op::Del, oi, None);
        }
    }

    /// The state of an old virtual server carried into the new one (`clear_diff_services()`
    /// copies, `clear_diff_rs()`, `migrate_checkers()`, `clear_diff_s_srv()`).
    fn carry_vs(&mut self, old_check: &CheckConfig, ovs: &VirtualServer, old: &VsState, ni: usize) {
        let v = &mut self.st[ni];
        v.alive = old.alive;
        v.quorum_up = old.quorum_up;
        v.reloaded = true;
        v.ha_count = old.ha_count;
        let nvs = self.cfg.check.virtual_servers[ni].clone();
        self.st[ni].added_lines = group_entry_changes(old_check, ovs, &self.cfg.check, &nvs).1;
        for (nri, nrs) in nvs.real_servers.iter().enumerate() {
            let Some(ori) = ovs.real_servers.iter().position(|o| rs_iseq(o, nrs)) else {
                continue;
            };
            let o = &old.rs[ori];
            let n = &mut self.st[ni].rs[nri];
            n.alive = o.alive;
            n.set = o.set;
            n.eff = o.eff;
            n.peff = o.eff;
            n.kweight = o.kweight;
            n.reloaded = true;
            self.migrate_checkers(ni, nri, &ovs.real_servers[ori], o);
        }
        if let (Some(os), Some(ns), Some(osv)) = (&ovs.sorry_server, &nvs.sorry_server, &old.sorry)
            && os.ip == ns.ip
            && os.port == ns.port
            && let Some(n) = self.st[ni].sorry.as_mut()
        {
            n.alive = osv.alive;
            n.set = osv.set;
            n.kweight = osv.kweight;
            n.reloaded = true;
        }
    }

    /// `migrate_checkers()`: each new checker takes the state of the old one with the same
    /// configuration; then the real server goes up if nothing failed, or is removed (or
    /// inhibited) if something did.
    fn migrate_checkers(
        &mut self,
        ni: usize,
        nri: usize,
        ors_cfg: &crate::config::model::check::RealServer,
        o: &RsState,
    ) {
        let nrs_cfg = self.cfg.check.virtual_servers[ni].real_servers[nri].clone();
        let old_iweight = o.iweight;
        for (ci, nc) in nrs_cfg.checkers.iter().enumerate() {
            let Some(oci) = ors_cfg
                .checkers
                .iter()
                .position(|oc| oc.kind == nc.kind && oc.co == nc.co)
            else {
                continue;
            };
            let oc = &o.checkers[oci];
            let id = crate::check::event::CheckerId {
                vs: ni,
                rs: nri,
                checker: ci,
            };
            if oc.has_run && oc.is_up != self.st[ni].rs[nri].checkers[ci].is_up {
                self.set_checker_state(id, oc.is_up);
            }
            let r = &mut self.st[ni].rs[nri];
            r.checkers[ci].has_run = oc.has_run;
            if oc.cur_weight != 0 {
                r.checkers[ci].cur_weight = old_iweight + oc.cur_weight - r.iweight;
            }
        }
        // FILE_CHECKs follow the same tracked file.
        let base = nrs_cfg.checkers.len();
        for (fi, nf) in nrs_cfg.file_checks.iter().enumerate() {
            if let Some(ofi) = ors_cfg.file_checks.iter().position(|of| of.track_file == nf.track_file) {
                let oc = &o.checkers[ors_cfg.checkers.len() + ofi];
                let c = &mut self.st[ni].rs[nri].checkers[base + fi];
                c.is_up = oc.is_up;
                c.cur_weight = oc.cur_weight;
            }
        }
        let r = &mut self.st[ni].rs[nri];
        r.num_failed = r.checkers.iter().filter(|c| c.has_run && !c.is_up).count() as u32;
        let any_run = r.checkers.iter().any(|c| c.has_run);
        if r.num_failed > 0 || (!r.alive && !any_run) {
            for c in r.checkers.iter_mut().filter(|c| !c.has_run && c.alpha) {
                if c.is_up {
                    c.is_up = false;
                    r.num_failed += 1;
                }
            }
        }
        let (failed, alive, set, inhibit) = (r.num_failed, r.alive, r.set, r.inhibit);
        if failed == 0 && !alive {
            self.perform_svr_state(true, ni, nri);
        } else if failed > 0 && set != inhibit {
            self.ipvs_cmd(if inhibit { Op::Add } else { Op::Del }, ni, Some(nri));
        }
    }
}

/// The log lines of a group's entries that went ("VS [..] in group G no longer exists",
/// keepalived's `clear_diff_vsge()`) and came ("VS [..] added into group G",
/// `sync_service_vsg_entry()`) between two configurations of a virtual server.
fn group_entry_changes(
    old_check: &CheckConfig,
    ovs: &VirtualServer,
    new_check: &CheckConfig,
    nvs: &VirtualServer,
) -> (Vec<String>, Vec<String>) {
    let (Some(name), Some(og), Some(ng)) = (
        ovs.group(),
        ovs.group().and_then(|n| old_check.group(n)),
        nvs.group().and_then(|n| new_check.group(n)),
    ) else {
        return (Vec::new(), Vec::new());
    };
    let range_text = |vs: &VirtualServer, r: &crate::config::model::check::VsgRange| {
        if r.start == r.end {
            trio(&r.start, vs.protocol, r.port)
        } else {
            format!("{}-{}", trio(&r.start, vs.protocol, r.port), fmt_ip(&r.end))
        }
    };
    let diff = |a: &VirtualServerGroup, b: &VirtualServerGroup, vs: &VirtualServer, gone: bool| -> Vec<String> {
        let mut out = Vec::new();
        for r in &a.ranges {
            if !b
                .ranges
                .iter()
                .any(|x| x.start == r.start && x.end == r.end && x.port == r.port)
            {
                let t = range_text(vs, r);
                out.push(if gone {
                    format!("VS [{t}] in group {name} no longer exists")
                } else {
                    format!("VS [{t}] added into group {name}")
                });
            }
        }
        for f in &a.fwmarks {
            if !b.fwmarks.iter().any(|x| x.fwmark == f.fwmark) {
                out.push(if gone {
                    format!("VS [{}] in group {name} no longer exists", f.fwmark)
                } else {
                    format!("VS [FWM {}] added into group {name}", f.fwmark)
                });
            }
        }
        out
    };
    (diff(og, ng, ovs, true), diff(ng, og, nvs, false))
}
