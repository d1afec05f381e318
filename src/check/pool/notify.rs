//! The notifications of a real or virtual server changing state (keepalived's
//! `do_rs_notifies()`, `do_vs_notifies()`, `notify_fifo_rs()`, `notify_fifo_vs()` and the
//! subjects `smtp_alert()` builds), as [`PoolAction`]s.

use super::{Pool, PoolAction};
use crate::config::model::Script;

impl Pool {
    /// `FMT_VS()` of virtual server `vi`.
    pub(super) fn fmt_vs(&self, vi: usize) -> String {
        self.cfg.check.virtual_servers[vi].fmt()
    }

    /// `FMT_RS()` of real server `ri` (`None`: the sorry server) of virtual server `vi`.
    pub(super) fn fmt_rs(&self, vi: usize, ri: Option<usize>) -> String {
        let vs = &self.cfg.check.virtual_servers[vi];
        match ri {
            Some(i) => vs.fmt_server(&vs.real_servers[i].ip, vs.real_servers[i].port),
            None => match &vs.sorry_server {
                Some(s) => vs.fmt_server(&s.ip, s.port),
                None => String::new(),
            },
        }
    }

    fn fifo_enabled(&self) -> bool {
        let g = &self.cfg.global;
        g.notify_fifo.name.is_some() || g.lvs_notify_fifo.name.is_some()
    }

    fn smtp_enabled(&self) -> bool {
        let g = &self.cfg.global;
        !g.notification_email.is_empty() && g.smtp_server.is_some()
    }

    fn router_id(&self) -> &str {
        self.cfg.global.router_id.as_deref().unwrap_or("")
    }

    pub(super) fn script(&mut self, script: Option<&Script>, stopping: bool) {
        if let Some(s) = script {
            self.out.push(PoolAction::Script {
                script: s.clone(),
                wait: stopping,
            });
        }
    }

    /// `smtp_alert(SMTP_MSG_VS, ...)`.
    pub(super) fn smtp_vs(&mut self, vi: usize, state: &str, body: String) {
        if self.smtp_enabled() {
            let subject = format!("[{}] Virtualserver {} - {}", self.router_id(), self.fmt_vs(vi), state);
            self.out.push(PoolAction::Smtp { subject, body });
        }
    }

    /// `smtp_alert(SMTP_MSG_RS / SMTP_MSG_RS_SHUT, ...)`.
    pub(super) fn smtp_rs(&mut self, vi: usize, ri: usize, state: &str, body: String) {
        if self.smtp_enabled() {
            let subject = format!(
                "[{}] Realserver {} of virtual server {} - {}",
                self.router_id(),
                self.fmt_rs(vi, Some(ri)),
                self.fmt_vs(vi),
                state
            );
            self.out.push(PoolAction::Smtp { subject, body });
        }
    }

    /// `do_rs_notifies()`: the real server's notify script and FIFO line for its state.
    pub(super) fn rs_notifies(&mut self, vi: usize, ri: usize, stopping: bool) {
        let alive = self.st[vi].rs[ri].alive;
        let rs = &self.cfg.check.virtual_servers[vi].real_servers[ri];
        let script = if alive {
            rs.notify_up.clone()
        } else {
            rs.notify_down.clone()
        };
        self.script(script.as_deref(), stopping);
        if self.fifo_enabled() {
            let line = format!(
                "RS {} {} {}\n",
                self.fmt_rs(vi, Some(ri)),
                self.fmt_vs(vi),
                if alive { "UP" } else { "DOWN" }
            );
            self.out.push(PoolAction::Fifo(line));
        }
    }

    /// `do_vs_notifies()`: the quorum script, FIFO line and mail for the quorum state.
    pub(super) fn vs_notifies(&mut self, vi: usize, init: bool, threshold: i64, weight_sum: i64, stopping: bool) {
        if stopping && !self.st[vi].omega {
            return;
        }
        let up = self.st[vi].quorum_up;
        let vs = &self.cfg.check.virtual_servers[vi];
        let script = if up {
            vs.quorum_up.clone()
        } else {
            vs.quorum_down.clone()
        };
        let (quorum, hysteresis, smtp) = (vs.quorum, vs.hysteresis, vs.smtp_alert.unwrap_or(false));
        self.script(script.as_ref(), stopping);
        if self.fifo_enabled() {
            let line = format!("VS {} {}\n", self.fmt_vs(vi), if up { "UP" } else { "DOWN" });
            self.out.push(PoolAction::Fifo(line));
        }
        if smtp {
            let body = if stopping {
                "=> Shutting down <=".to_string()
            } else {
                let what = match (up, init) {
                    (true, true) => "Starting with quorum up",
                    (true, false) => "Gained quorum",
                    (false, true) => "Starting with quorum down",
                    (false, false) => "Lost quorum",
                };
                format!("=> {what} {quorum}+{hysteresis}={threshold} <= {weight_sum} <=")
            };
            self.smtp_vs(vi, if up { "UP" } else { "DOWN" }, body);
        }
    }
}
