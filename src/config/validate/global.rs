//! Completion and validation of the global configuration after parsing: keepalived's
//! `init_global_data()` (router id, SMTP defaults, notify FIFO conflicts, reload file), the
//! default script user, and the start/shutdown script checks `main()` makes before validating
//! the rest (`keepalived/core/main.c`).

use crate::config::LoadOptions;
use crate::config::builder::Builder;
use crate::config::diag::{Diagnostics, Level, Loc};
use crate::config::keywords;
use crate::config::model::Script;
use crate::config::model::global::{GlobalDefs, NotifyFifo, defaults};
use crate::config::script::{self, DefaultUser};
use crate::config::script_security::{self, flags};
use crate::config::system::System;

/// keepalived's `local_name` when `get_local_name()` fails.
const UNKNOWN_NAME: &str = "[unknown]";
/// keepalived's `KEEPALIVED_PID_DIR`.
const PID_DIR: &str = "/run/keepalived/";

/// Fills computed defaults and cross-checks the global configuration.
pub fn complete(b: &mut Builder, sys: &dyn System, _opts: &LoadOptions, diags: &mut Diagnostics) {
    let reload_default = b.global.reload_file_default;
    let g = &mut b.cfg.global;
    let at = g.origin.0.clone();
    if reload_default {
        g.reload_file = Some(default_reload_file(g));
    }
    identity_defaults(g, sys);
    fifo_conflicts(g, at.clone(), diags);
    default_script_user(b, sys, diags);
    start_stop_scripts(&mut b.cfg.global, sys, diags);
}

/// `reload_file` given without a path: keepalived's `DEFAULT_RELOAD_FILE` resolved.
fn default_reload_file(g: &GlobalDefs) -> String {
    match (&g.instance, g.use_pid_dir) {
        (Some(i), _) => format!("{PID_DIR}keepalived_{i}.reload"),
        (None, true) => format!("{PID_DIR}keepalived.reload"),
        (None, false) => defaults::RELOAD_FILE.to_string(),
    }
}

/// The router id and, with an SMTP server, the HELO name, sender and connect timeout.
fn identity_defaults(g: &mut GlobalDefs, sys: &dyn System) {
    let smtp = g.smtp_server.is_some();
    let need_name =
        g.router_id.is_none() || (smtp && (g.smtp_helo_name.is_none() || g.notification_email_from.is_none()));
    // keepalived needs some name here, otherwise it could crash.
    let local = need_name.then(|| sys.local_name().unwrap_or_else(|| UNKNOWN_NAME.to_string()));
    if let Some(local) = &local {
        if g.router_id.is_none() && !local.is_empty() {
            g.router_id = Some(local.clone());
        }
    }
    if smtp {
        if g.smtp_connect_timeout == 0 {
            g.smtp_connect_timeout = defaults::SMTP_CONNECT_TIMEOUT;
        }
        if let Some(local) = local.filter(|l| l != UNKNOWN_NAME) {
            if g.notification_email_from.is_none() && !local.is_empty() {
                if let Some(user) = sys.current_user_name() {
                    g.notification_email_from = Some(format!("{user}@{local}"));
                }
            }
            if g.smtp_helo_name.is_none() {
                g.smtp_helo_name = Some(local);
            }
        }
    }
}

/// keepalived ignores a VRRP or LVS FIFO that is also the global FIFO (each line would be
/// written twice), and an LVS FIFO script when the VRRP FIFO is the same FIFO with a script.
fn fifo_conflicts(g: &mut GlobalDefs, at: Option<Loc>, diags: &mut Diagnostics) {
    let same = |a: &NotifyFifo, b: &NotifyFifo| a.name.is_some() && a.name == b.name;
    // The checker process sees the VRRP FIFO before the VRRP process drops it.
    let lvs_script_clash = same(&g.lvs_notify_fifo, &g.vrrp_notify_fifo)
        && g.lvs_notify_fifo.script.is_some()
        && g.vrrp_notify_fifo.script.is_some();
    if same(&g.notify_fifo, &g.vrrp_notify_fifo) {
        let name = g.vrrp_notify_fifo.name.clone().unwrap_or_default();
        diags.report(
            Level::Info,
            at.clone(),
            format!("notify FIFO {name} has been specified for global and vrrp FIFO - ignoring vrrp FIFO"),
        );
        g.vrrp_notify_fifo = NotifyFifo::default();
    }
    if same(&g.notify_fifo, &g.lvs_notify_fifo) {
        let name = g.lvs_notify_fifo.name.clone().unwrap_or_default();
        diags.report(
            Level::Info,
            at.clone(),
            format!("notify FIFO {name} has been specified for global and LVS FIFO - ignoring LVS FIFO"),
        );
        g.lvs_notify_fifo = NotifyFifo::default();
    } else if lvs_script_clash {
        diags.report(
            Level::Info,
            at,
            "LVS notify FIFO and vrrp FIFO are the same both with scripts - ignoring LVS FIFO script",
        );
        g.lvs_notify_fifo.script = None;
    }
}

/// Stores the default script user in the model and gives it to every global script and FIFO
/// configured without a user. keepalived decides the default the first time it is needed, so a
/// `script_user` after a script does not apply to that script there; here it applies to all.
fn default_script_user(b: &mut Builder, sys: &dyn System, diags: &mut Diagnostics) {
    // keepalived's complaint, at the script where its first pass needing the default decided it.
    for (level, loc, m) in keywords::global::take_decision_messages(&mut b.global.script_user) {
        diags.report(level, loc, m);
    }
    let st = b.global.script_user.clone();
    let g = &mut b.cfg.global;
    let (failed, uid, gid) = if st.set {
        (st.failed, st.uid, st.gid)
    } else {
        // Nothing needed it while parsing: decide it silently, as keepalived's dump would.
        let mut quiet = Vec::new();
        match script::default_user(sys, None, g.enable_script_security, &mut quiet) {
            DefaultUser::Ids(u, gid) => (false, u, gid),
            DefaultUser::Failed => (true, 0, 0),
        }
    };
    g.default_script_user_failed = failed;
    if failed {
        return;
    }
    g.default_script_uid = uid;
    g.default_script_gid = gid;
    let scripts = [
        &mut g.startup_script,
        &mut g.shutdown_script,
        &mut g.notify_fifo.script,
        &mut g.vrrp_notify_fifo.script,
        &mut g.lvs_notify_fifo.script,
    ];
    for s in scripts.into_iter().flatten() {
        if s.user.is_none() {
            s.uid = uid;
            s.gid = gid;
        }
    }
    for f in [&mut g.notify_fifo, &mut g.vrrp_notify_fifo, &mut g.lvs_notify_fifo] {
        if f.name.is_some() && f.user.is_none() {
            f.uid = uid;
            f.gid = gid;
        }
    }
}

/// keepalived's `check_start_stop_script_secure()`: the script is dropped if it cannot or must
/// not run. Returns the `SC_*` flags.
fn check_start_stop_script(
    script: &mut Option<Script>,
    security: bool,
    sys: &dyn System,
    diags: &mut Diagnostics,
) -> u32 {
    let Some(s) = script.as_mut() else { return 0 };
    let at = s.origin.0.clone();
    let mut log = Vec::new();
    let f = script_security::check_script_secure(s, security, sys, &mut log);
    for (level, m) in log {
        diags.report(level, at.clone(), m);
    }
    if f & (flags::INHIBIT | flags::NOTFOUND) != 0 || f & (flags::EXECUTABLE | flags::SYSTEM) == 0 {
        *script = None;
    }
    f
}

/// The start and shutdown scripts' security, checked by keepalived's parent after loading.
fn start_stop_scripts(g: &mut GlobalDefs, sys: &dyn System, diags: &mut Diagnostics) {
    if g.startup_script.is_none() && g.shutdown_script.is_none() {
        return;
    }
    let at = g
        .startup_script
        .as_ref()
        .or(g.shutdown_script.as_ref())
        .and_then(|s| s.origin.0.clone());
    let security = g.enable_script_security;
    let mut f = check_start_stop_script(&mut g.startup_script, security, sys, diags);
    f |= check_start_stop_script(&mut g.shutdown_script, security, sys, diags);
    if !security && f & flags::ISSCRIPT != 0 {
        let insecure = if f & flags::INSECURE != 0 {
            " There are insecure scripts."
        } else {
            ""
        };
        diags.report(
            Level::SecurityError,
            at,
            format!("SECURITY VIOLATION - start/shutdown scripts are being executed but script_security not enabled.{insecure}"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::Origin;

    fn fifo(name: &str, script: bool) -> NotifyFifo {
        NotifyFifo {
            name: Some(name.into()),
            script: script.then(|| Script {
                args: vec!["/bin/true".into()],
                user: None,
                group: None,
                uid: 0,
                gid: 0,
                origin: Origin::default(),
            }),
            ..NotifyFifo::default()
        }
    }

    #[test]
    fn fifo_conflicts_as_keepalived() {
        let mut g = GlobalDefs {
            notify_fifo: fifo("/a", false),
            vrrp_notify_fifo: fifo("/a", true),
            lvs_notify_fifo: fifo("/b", true),
            ..GlobalDefs::default()
        };
        let mut d = Diagnostics::default();
        fifo_conflicts(&mut g, None, &mut d);
        assert_eq!(g.vrrp_notify_fifo, NotifyFifo::default());
        assert!(g.lvs_notify_fifo.script.is_some());
        assert_eq!(d.config_test_exit_code(), 0, "only logged");

        let mut g = GlobalDefs {
            vrrp_notify_fifo: fifo("/c", true),
            lvs_notify_fifo: fifo("/c", true),
            ..GlobalDefs::default()
        };
        fifo_conflicts(&mut g, None, &mut d);
        assert!(g.vrrp_notify_fifo.script.is_some());
        assert!(g.lvs_notify_fifo.script.is_none());
        assert_eq!(g.lvs_notify_fifo.name.as_deref(), Some("/c"));
    }

    #[test]
    fn reload_file_defaults() {
        let mut g = GlobalDefs::default();
        assert_eq!(default_reload_file(&g), "/run/keepalived.reload");
        g.use_pid_dir = true;
        assert_eq!(default_reload_file(&g), "/run/keepalived/keepalived.reload");
        g.instance = Some("i1".into());
        assert_eq!(default_reload_file(&g), "/run/keepalived/keepalived_i1.reload");
    }
}
