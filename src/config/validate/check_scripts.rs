//! keepalived's `check_check_script_security()` and `check_misc_script_security()`: every
//! script the checker process may run (MISC_CHECK paths, quorum and real server notify
//! scripts, the notify FIFO scripts) is found and checked; those that cannot or must not run
//! are dropped, and running scripts without `enable_script_security` is a security error.

use crate::config::diag::{Diagnostics, Level};
use crate::config::keywords::check::cmd_str;
use crate::config::model::check::{CheckConfig, CheckerKind};
use crate::config::model::global::GlobalDefs;
use crate::config::script_security::{Log, check_notify_script_secure, check_script_secure, flags};
use crate::config::system::System;

/// Checks the scripts of the check configuration.
pub fn check_security(check: &mut CheckConfig, global: &GlobalDefs, sys: &dyn System, diags: &mut Diagnostics) {
    if check.virtual_servers.is_empty() {
        return;
    }
    let security = global.enable_script_security;
    let mut log = Log::new();
    let mut script_flags = 0;
    for vs in check.virtual_servers.iter_mut() {
        for rs in vs.real_servers.iter_mut() {
            rs.checkers.retain_mut(|c| {
                let CheckerKind::Misc(m) = &mut c.kind else { return true };
                let f = check_script_secure(&mut m.script, security, sys, &mut log);
                script_flags |= f;
                if f & flags::INHIBIT != 0 {
                    log.push((
                        Level::Info,
                        format!("Disabling misc script {} due to insecure", cmd_str(&m.script)),
                    ));
                    false
                } else if f & flags::NOTFOUND != 0 {
                    log.push((
                        Level::Info,
                        format!(
                            "Disabling misc script {} since not found/accessible",
                            cmd_str(&m.script)
                        ),
                    ));
                    false
                } else {
                    f & (flags::EXECUTABLE | flags::SYSTEM) != 0
                }
            });
        }
    }
    for vs in check.virtual_servers.iter_mut() {
        script_flags |= check_notify_script_secure(&mut vs.quorum_up, security, sys, &mut log);
        script_flags |= check_notify_script_secure(&mut vs.quorum_down, security, sys, &mut log);
        for rs in vs.real_servers.iter_mut() {
            script_flags |= check_notify_script_secure(&mut rs.notify_up, security, sys, &mut log);
            script_flags |= check_notify_script_secure(&mut rs.notify_down, security, sys, &mut log);
        }
    }
    // The FIFO scripts belong to the global settings; the checker process checks its own copy.
    for fifo in [&global.notify_fifo, &global.lvs_notify_fifo] {
        let mut s = fifo.script.clone();
        script_flags |= check_notify_script_secure(&mut s, security, sys, &mut log);
    }
    for (level, m) in log {
        diags.report(level, None, m);
    }
    if !security && script_flags & flags::ISSCRIPT != 0 {
        let insecure = if script_flags & flags::INSECURE != 0 {
            " There are insecure scripts."
        } else {
            ""
        };
        diags.report(
            Level::SecurityError,
            None,
            format!("SECURITY VIOLATION - check scripts are being executed but script_security not enabled.{insecure}"),
        );
    }
}
