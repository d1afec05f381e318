//! Completion and validation of the static addresses, routes and rules after parsing.
//!
//! keepalived gives a static address without `dev` the default interface while parsing, but its
//! VRRP process parses with the `global_defs` of the whole file already known, so
//! `default_interface` counts wherever it is written: this is done here.

use crate::config::LoadOptions;
use crate::config::builder::Builder;
use crate::config::diag::{Diagnostics, Level};
use crate::config::model::Origin;
use crate::config::model::net::MissingInterfaceLine;
use crate::config::system::System;

/// keepalived's `DFLT_INT`.
pub const DEFAULT_INTERFACE: &str = "eth0";

/// Fills computed defaults and cross-checks the static addresses, routes and rules.
pub fn complete(b: &mut Builder, sys: &dyn System, _opts: &LoadOptions, diags: &mut Diagnostics) {
    default_interfaces(b, sys, diags);
    MissingInterfaceLine::sort(
        &mut b.cfg.statics.missing_interface_lines,
        &["static_ipaddress", "static_routes", "static_rules"],
    );
    // A missing interface is reported by the VRRP validation, where keepalived's VRRP process
    // stops.
}

/// keepalived's `get_default_if()` for each static address given without `dev`.
fn default_interfaces(b: &mut Builder, sys: &dyn System, diags: &mut Diagnostics) {
    let pending = std::mem::take(&mut b.net.pending_default_if);
    if pending.is_empty() {
        return;
    }
    let name = b
        .cfg
        .global
        .default_interface
        .clone()
        .unwrap_or_else(|| DEFAULT_INTERFACE.to_string());
    let mut remove = Vec::new();
    for pd in pending {
        let exists = match b.net.interfaces.get(&name) {
            Some(&known) => known,
            None => {
                let e = sys.interface_exists(&name);
                b.net.interfaces.insert(name.clone(), e);
                e
            }
        };
        let found = exists || {
            if b.cfg.global.dynamic_interfaces {
                b.net.interfaces.insert(name.clone(), true);
                diags.report(
                    Level::Info,
                    pd.loc.clone(),
                    format!(
                        "Configuration specifies interface {name} which doesn't currently exist - will use if created"
                    ),
                );
                true
            } else {
                b.net.non_existent_interface = true;
                false
            }
        };
        if !found {
            diags.report(
                Level::Fatal,
                pd.loc.clone(),
                format!(
                    "Static address {} requires either an interface or default interface must exist",
                    pd.word
                ),
            );
            remove.push(pd.index);
            // Kept as written, so that the resolved form gives the same refusal.
            b.cfg.statics.missing_interface_lines.push(MissingInterfaceLine {
                block: Some("static_ipaddress".into()),
                words: vec![pd.word.clone()],
                origin: Origin(pd.loc.clone()),
            });
            continue;
        }
        if let Some(a) = b.cfg.statics.addresses.get_mut(pd.index) {
            a.dev = Some(name.clone());
        }
        for (level, msg) in pd.later {
            diags.report(level, pd.loc.clone(), msg);
        }
    }
    for i in remove.into_iter().rev() {
        b.cfg.statics.addresses.remove(i);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::keywords::net::PendingDefaultIf;
    use crate::config::model::Origin;
    use crate::config::model::net::IpAddress;
    use crate::config::system::FixedSystem;

    fn builder_with_pending(default_if: Option<&str>, dynamic: bool) -> Builder {
        let mut b = Builder::default();
        b.cfg.global.default_interface = default_if.map(str::to_string);
        b.cfg.global.dynamic_interfaces = dynamic;
        for (i, a) in ["10.0.0.1", "fe80::1"].iter().enumerate() {
            b.cfg
                .statics
                .addresses
                .push(IpAddress::new(a.parse().unwrap(), 32, Origin(None)));
            b.net.pending_default_if.push(PendingDefaultIf {
                index: i,
                word: a.to_string(),
                loc: None,
                later: vec![(Level::GeneralError, format!("later {a}"))],
            });
        }
        b
    }

    fn run(b: &mut Builder) -> Vec<(Level, String)> {
        let mut d = Diagnostics::default();
        complete(b, &FixedSystem::with_host_files(&[]), &LoadOptions::default(), &mut d);
        d.items.into_iter().map(|x| (x.level, x.message)).collect()
    }

    #[test]
    fn default_interface_is_eth0_or_configured() {
        let mut b = builder_with_pending(None, false);
        let m = run(&mut b);
        assert_eq!(b.cfg.statics.addresses[0].dev.as_deref(), Some("eth0"));
        assert_eq!(m.len(), 2, "the deferred messages: {m:?}");
        let mut b = builder_with_pending(Some("eth2"), false);
        run(&mut b);
        assert_eq!(b.cfg.statics.addresses[1].dev.as_deref(), Some("eth2"));
    }

    #[test]
    fn missing_default_interface_drops_the_addresses() {
        let mut b = builder_with_pending(Some("nosuch"), false);
        let m = run(&mut b);
        assert!(b.cfg.statics.addresses.is_empty());
        assert_eq!(
            m,
            [
                (
                    Level::Fatal,
                    "Static address 10.0.0.1 requires either an interface or default interface must exist".into()
                ),
                (
                    Level::Fatal,
                    "Static address fe80::1 requires either an interface or default interface must exist".into()
                ),
            ]
        );
        assert!(b.net.non_existent_interface, "the VRRP validation reports it");
        let kept: Vec<&[String]> = b
            .cfg
            .statics
            .missing_interface_lines
            .iter()
            .map(|l| &l.words[..])
            .collect();
        assert_eq!(kept, [["10.0.0.1".to_string()], ["fe80::1".to_string()]]);
    }

    #[test]
    fn dynamic_interfaces_create_the_default_interface() {
        let mut b = builder_with_pending(Some("later0"), true);
        let m = run(&mut b);
        assert_eq!(b.cfg.statics.addresses.len(), 2);
        let infos = m.iter().filter(|(l, _)| *l == Level::Info).count();
        assert_eq!(infos, 1, "{m:?}");
    }
}
