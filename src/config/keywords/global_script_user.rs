//! keepalived's default script user (`lib/notify.c`: `get_default_script_user()`,
//! `set_default_script_user()`), shared by every family that reads scripts.
//!
//! keepalived decides the default the first time a script without a user needs it, and reports
//! "Unable to set default user keepalived_script for script" at that script's line when
//! `enable_script_security` is set and the `keepalived_script` user does not exist. Its parent
//! reads `global_defs` first; then (under `-t`, one after the other in one process) the checker's
//! and the VRRP process's parses follow. So the decision belongs to the first script without a
//! user in that order, not in file order: we decide at the first one we read, and move the
//! report to an earlier pass's script when one turns up later in the file. The messages are
//! given by the global validation ([`take_decision_messages`]).

use crate::config::diag::{Level, Loc};
use crate::config::model::Script;
use crate::config::parser::Parser;
use crate::config::script::{self, DefaultUser};

/// Which keepalived parse reads a script (the order in which keepalived's passes run).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ScriptPass {
    /// The parent's reading of `global_defs` (FIFO, start-up and shutdown scripts).
    Global,
    /// The checker process (`misc_path`, `notify_up`/`notify_down`, `quorum_up`/`quorum_down`).
    Checker,
    /// The VRRP process (`vrrp_script`, notify scripts of instances and sync groups).
    Vrrp,
}

/// keepalived's default script user as resolved so far (`default_script_uid_set`,
/// `default_user_fail`, `default_script_uid`/`gid`). It is decided the first time a script or FIFO
/// without a user is read, or by `script_user`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScriptUserState {
    /// The default has been decided (keepalived never decides it twice).
    pub set: bool,
    /// Deciding it failed; sticky, as in keepalived.
    pub failed: bool,
    /// The default uid.
    pub uid: u32,
    /// The default gid.
    pub gid: u32,
    /// The script whose need decided it lazily (not `script_user`): its pass and line.
    pub decided_at: Option<(ScriptPass, Option<Loc>)>,
    /// The messages of that decision, given at that line once parsing is over.
    pub decision_messages: Vec<(Level, String)>,
}

/// keepalived's `get_default_script_user()` for a script read by `pass`: the ids a script or
/// FIFO without an explicit user runs as. The first call decides the default (`keepalived_script`
/// if that user exists, else our own ids), failing when `enable_script_security` is set and
/// `keepalived_script` does not exist.
pub fn default_script_user_in(p: &mut Parser<'_>, pass: ScriptPass) -> DefaultUser {
    let here = p.loc();
    let st = &mut p.b.global.script_user;
    if st.set {
        // An earlier pass's script read later in the file is where keepalived decided.
        if let Some((at, _)) = &st.decided_at {
            if pass < *at {
                st.decided_at = Some((pass, here));
            }
        }
        return if st.failed {
            DefaultUser::Failed
        } else {
            DefaultUser::Ids(st.uid, st.gid)
        };
    }
    let mut msgs = Vec::new();
    let d = script::default_user(p.sys, None, p.b.cfg.global.enable_script_security, &mut msgs);
    let st = &mut p.b.global.script_user;
    st.set = true;
    match d {
        DefaultUser::Ids(u, g) => {
            st.uid = u;
            st.gid = g;
        }
        DefaultUser::Failed => st.failed = true,
    }
    st.decided_at = Some((pass, here));
    st.decision_messages = msgs;
    d
}

/// [`default_script_user_in`] for the global scripts and FIFOs.
pub fn default_script_user(p: &mut Parser<'_>) -> DefaultUser {
    default_script_user_in(p, ScriptPass::Global)
}

/// keepalived's `notify_script_init()` for a script read by `pass`: the current line's script,
/// with the default script user applied when the line names none. `kind` names the script in
/// messages ("startup", "vrrp_notify_fifo", "notify"...). `None` (after keepalived's log lines)
/// if unusable.
pub fn notify_script_init_in(p: &mut Parser<'_>, kind: &str, pass: ScriptPass) -> Option<Script> {
    let mut s = script::notify_script_init(p, kind)?;
    if s.user.is_none() {
        match default_script_user_in(p, pass) {
            DefaultUser::Ids(u, g) => {
                s.uid = u;
                s.gid = g;
            }
            DefaultUser::Failed => {
                let m = format!("Failed to set default user for {kind} script {} - ignoring", s.args[0]);
                p.report(Level::Info, m);
                return None;
            }
        }
    }
    Some(s)
}

/// [`notify_script_init_in`] for the global scripts and FIFOs.
pub fn notify_script_init_default(p: &mut Parser<'_>, kind: &str) -> Option<Script> {
    notify_script_init_in(p, kind, ScriptPass::Global)
}

/// `script_user` in `global_defs`: keepalived's parent reads it before the checker and VRRP
/// processes read any script, so a decision a later pass's script made earlier in the file did
/// not happen there.
pub fn forget_later_pass_decision(st: &mut ScriptUserState) {
    if st
        .decided_at
        .as_ref()
        .is_some_and(|(pass, _)| *pass > ScriptPass::Global)
    {
        st.decided_at = None;
        st.decision_messages.clear();
    }
}

/// The messages of the lazy decision and the line keepalived gives them, once parsing is over.
pub fn take_decision_messages(st: &mut ScriptUserState) -> Vec<(Level, Option<Loc>, String)> {
    let loc = st.decided_at.as_ref().and_then(|(_, l)| l.clone());
    std::mem::take(&mut st.decision_messages)
        .into_iter()
        .map(|(level, m)| (level, loc.clone(), m))
        .collect()
}

/// The default script user once parsing is over, if it was decided and usable. keepalived's
/// checker and VRRP processes read their scripts after the parent has read all of `global_defs`,
/// so a `script_user` anywhere in it applies to them: their scripts without a user take this.
pub fn final_default_ids(st: &ScriptUserState) -> Option<(u32, u32)> {
    (st.set && !st.failed).then_some((st.uid, st.gid))
}

/// Gives `ids` to the script if it names no user of its own.
pub fn apply_final_default(s: &mut Script, ids: (u32, u32)) {
    if s.user.is_none() {
        (s.uid, s.gid) = ids;
    }
}

#[cfg(test)]
mod tests {
    use crate::config::diag::Level;
    use crate::config::system::{RealSystem, System};
    use crate::config::{LoadOptions, load_str};

    fn load(text: &str) -> crate::config::Loaded {
        let opts = LoadOptions {
            config_test: true,
            ..LoadOptions::default()
        };
        load_str(text, &opts, &RealSystem)
    }

    const VRRP: &str = "vrrp_instance VI_1 {\n interface lo\n virtual_router_id 1\n notify_master /bin/true\n}\n";
    const CHECK: &str = "virtual_server 10.0.0.1 80 {\n real_server 10.0.1.1 80 {\n  notify_up /bin/true\n }\n}\n";

    #[test]
    fn a_script_user_after_the_scripts_still_applies_to_them() {
        let Some(nobody) = RealSystem.user("nobody") else {
            return;
        };
        let l = load(&format!("{VRRP}{CHECK}global_defs {{\n script_user nobody\n}}\n"));
        let s = l.config.vrrp.instances[0].notify_master.as_ref().unwrap();
        assert_eq!((s.uid, s.gid), (nobody.uid, nobody.gid));
        let s = l.config.check.virtual_servers[0].real_servers[0]
            .notify_up
            .as_ref()
            .unwrap();
        assert_eq!((s.uid, s.gid), (nobody.uid, nobody.gid));
    }

    #[test]
    fn the_failed_default_is_reported_at_the_first_pass_needing_it() {
        if RealSystem.user("keepalived_script").is_some() {
            return; // the default user exists here: nothing fails
        }
        let l = load(&format!("global_defs {{\n enable_script_security\n}}\n{VRRP}{CHECK}"));
        let lines: Vec<u32> = l
            .diags
            .items
            .iter()
            .filter(|d| d.message == "Unable to set default user keepalived_script for script")
            .map(|d| d.loc.as_ref().map_or(0, |l| l.line))
            .collect();
        assert_eq!(lines, [11], "the checker's notify_up, read before the VRRP scripts");
        assert!(l.diags.items.iter().any(|d| d.level == Level::Info
            && d.message == "Failed to set default user for notify script /bin/true - ignoring"));
    }
}
