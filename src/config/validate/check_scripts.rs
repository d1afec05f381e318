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
pub fn check_security(check: &mut CheckConfig, global: &mut GlobalDefs, sys: &dyn System, diags: &mut Diagnostics) {
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
            for slot in [&mut rs.notify_up, &mut rs.notify_down] {
                let mut script = slot.take().map(|b| *b);
                script_flags |= check_notify_script_secure(&mut script, security, sys, &mut log);
                *slot = script.map(Box::new);
            }
        }
    }
    // keepalived's checker checks the global FIFO scripts too, dropping those that cannot or
    // must not run (under `-t` the VRRP validation then no longer sees them).
    for fifo in [&mut global.notify_fifo, &mut global.lvs_notify_fifo] {
        script_flags |= check_notify_script_secure(&mut fifo.script, security, sys, &mut log);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::system::RealSystem;
    use crate::config::{LoadOptions, load_str};
    use std::os::unix::fs::PermissionsExt;

    fn load(text: &str) -> crate::config::model::Config {
        let o = LoadOptions {
            config_test: true,
            config_id: Some("t".into()),
            ..LoadOptions::default()
        };
        load_str(text, &o, &RealSystem).config
    }

    fn misc(path: &str) -> String {
        format!(
            "virtual_server 10.0.0.1 80 {{\n protocol TCP\n real_server 10.0.1.1 80 {{\n  MISC_CHECK {{\n   misc_path \"{path}\"\n   user root\n  }}\n }}\n}}\n"
        )
    }

    #[test]
    fn running_scripts_without_script_security_is_a_violation() {
        let mut cfg = load(&misc("/bin/true"));
        let mut d = Diagnostics::default();
        // The load already ran the check; run it again on the loaded model.
        check_security(&mut cfg.check, &mut cfg.global, &RealSystem, &mut d);
        let v: Vec<_> = d.items.iter().filter(|x| x.level == Level::SecurityError).collect();
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].message,
            "SECURITY VIOLATION - check scripts are being executed but script_security not enabled."
        );
        assert_eq!(d.config_test_exit_code(), 6);
    }

    #[test]
    fn insecure_scripts_are_dropped_with_script_security() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("check.sh");
        std::fs::write(&p, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o777)).unwrap();
        let text = misc(p.to_str().unwrap());
        let mut cfg = load(&text);
        // Loaded without script security: the script is kept and reported insecure.
        let mut d = Diagnostics::default();
        check_security(&mut cfg.check, &mut cfg.global, &RealSystem, &mut d);
        assert!(
            d.items
                .iter()
                .any(|x| x.message.ends_with("There are insecure scripts."))
        );
        assert_eq!(cfg.check.virtual_servers[0].real_servers[0].checkers.len(), 1);
        // With script security it is dropped, and there is no violation.
        cfg.global.enable_script_security = true;
        let mut d = Diagnostics::default();
        check_security(&mut cfg.check, &mut cfg.global, &RealSystem, &mut d);
        assert!(cfg.check.virtual_servers[0].real_servers[0].checkers.is_empty());
        assert!(d.items.iter().any(|x| x.message.starts_with("Disabling misc script")));
        assert!(d.items.iter().all(|x| x.level != Level::SecurityError));
    }

    #[test]
    fn fifo_scripts_count_for_the_checker_process() {
        let mut cfg = load("virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 10.0.1.1 80 {\n }\n}\n");
        cfg.global.lvs_notify_fifo.script = Some(crate::config::model::Script {
            args: vec!["/bin/true".into()],
            user: None,
            group: None,
            uid: 0,
            gid: 0,
            origin: Default::default(),
        });
        let mut d = Diagnostics::default();
        check_security(&mut cfg.check, &mut cfg.global, &RealSystem, &mut d);
        assert!(d.items.iter().any(|x| x.level == Level::SecurityError));
        assert!(
            cfg.global.lvs_notify_fifo.script.is_some(),
            "a script that can run is kept"
        );
    }
}
