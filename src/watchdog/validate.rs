//! Whether a configuration read at reload may replace the running one, and the settings a
//! reload cannot change (`keepalived/core/main.c:reload_config()`).
//!
//! keepalived 2.2.7 applies whatever part of a broken file it could parse (a missing brace
//! silently drops the blocks after it) and exits when the new file names a missing interface,
//! leaving its VIPs behind. We refuse any reload whose file has an error and keep every child
//! on the configuration it runs.

use crate::config::Loaded;
use crate::config::diag::{Diagnostic, Level};
use crate::config::model::Config;

/// Whether a diagnostic of this level makes a reload unsafe. Warnings, deprecated syntax and a
/// missing plain `include` (which keepalived's `-t` passes) do not; anything that means part
/// of the file was not understood does.
pub fn blocks_reload(level: Level) -> bool {
    !matches!(
        level,
        Level::Ok | Level::Info | Level::Warning | Level::Deprecated | Level::FileNotFound | Level::SecurityError
    )
}

/// The verdict on a configuration read for a reload: the diagnostics that block it (empty
/// means it may be applied).
pub fn reload_blockers(loaded: &Loaded) -> Vec<&Diagnostic> {
    if !loaded.main_file_ok {
        return loaded.diags.items.iter().collect();
    }
    let mut v: Vec<&Diagnostic> = loaded.diags.items.iter().filter(|d| blocks_reload(d.level)).collect();
    if v.is_empty() && loaded.startup_exit_code().is_some() {
        v.extend(loaded.diags.items.iter().filter(|d| d.level.is_reported()));
    }
    v
}

/// Restores in `new` the settings a reload cannot change, returning keepalived's line for
/// each one that differed ("Cannot change network namespace at a reload - please restart
/// keepalived").
pub fn keep_unchangeable(old: &Config, new: &mut Config) -> Vec<String> {
    let mut lines = Vec::new();
    let (o, n) = (&old.global, &mut new.global);
    if o.net_namespace != n.net_namespace {
        lines.push("Cannot change network namespace at a reload - please restart keepalived".to_string());
        n.net_namespace = o.net_namespace.clone();
    }
    if o.net_namespace_ipvs != n.net_namespace_ipvs {
        lines.push("Cannot change IPVS network namespace at a reload - please restart keepalived".to_string());
        n.net_namespace_ipvs = o.net_namespace_ipvs.clone();
    }
    if o.instance != n.instance {
        lines.push("Cannot change instance name at a reload - please restart keepalived".to_string());
        n.instance = o.instance.clone();
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::system::FixedSystem;
    use crate::config::{LoadOptions, load_text};

    fn load(text: &str) -> Loaded {
        load_text(text, &LoadOptions::default(), &FixedSystem::typical(), false)
    }

    #[test]
    fn broken_files_block_and_warnings_do_not() {
        let good = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 100\n virtual_ipaddress {\n 10.0.0.1/24\n }\n}\n";
        assert!(reload_blockers(&load(good)).is_empty());
        let missing_brace = good.replacen("}\n}", "}\n", 1);
        let l = load(&missing_brace);
        let b = reload_blockers(&l);
        assert!(!b.is_empty(), "a missing brace blocks the reload");
        let typo = good.replace(" priority 100", " priorty 100");
        let l = load(&typo);
        let b = reload_blockers(&l);
        assert!(b.iter().any(|d| d.message.contains("priorty")), "{b:?}");
        let bad_if = good.replace("eth0", "nosuchif0");
        assert!(
            !reload_blockers(&load(&bad_if)).is_empty(),
            "a missing interface blocks the reload"
        );
    }

    #[test]
    fn instance_name_survives_a_reload() {
        let old = load("instance a\n").config;
        let mut new = load("instance b\n").config;
        let lines = keep_unchangeable(&old, &mut new);
        assert_eq!(
            lines,
            ["Cannot change instance name at a reload - please restart keepalived"]
        );
        assert_eq!(new.global.instance.as_deref(), Some("a"));
    }
}
