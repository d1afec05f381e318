//! Dumps of the static addresses, routes and rules.

use super::writer::ConfWriter;
use crate::config::model::Config;

/// Writes `static_ipaddress`/`static_routes`/`static_rules` of the resolved configuration.
pub fn write_resolved(cfg: &Config, w: &mut ConfWriter) {
    let s = &cfg.statics;
    let lines = |block| {
        s.missing_interface_lines
            .iter()
            .filter(move |l| l.block.as_deref() == Some(block))
    };
    let blocks = [
        (
            "static_ipaddress",
            s.addresses.iter().map(|a| a.conf_words()).collect::<Vec<_>>(),
        ),
        ("static_routes", s.routes.iter().map(|r| r.conf_words()).collect()),
        ("static_rules", s.rules.iter().map(|r| r.conf_words()).collect()),
    ];
    for (key, entries) in blocks {
        let missing: Vec<_> = lines(key).collect();
        if entries.is_empty() && missing.is_empty() {
            continue;
        }
        w.open(key);
        for e in &entries {
            w.line(e);
        }
        // Lines refused for a missing interface, so that re-reading refuses them again.
        for l in missing {
            w.line(&l.words);
        }
        w.close();
    }
}

/// Appends the static address/route/rule sections of keepalived's `-d` dump
/// (`dump_vrrp_data()`).
pub fn layout(cfg: &Config, out: &mut Vec<String>) {
    let s = &cfg.statics;
    if !s.addresses.is_empty() {
        out.push("------< Static Addresses >------".into());
        out.extend(s.addresses.iter().map(|a| a.dump_line()));
    }
    if !s.routes.is_empty() {
        out.push("------< Static Routes >------".into());
        for r in &s.routes {
            out.extend(r.dump_lines());
        }
    }
    if !s.rules.is_empty() {
        out.push("------< Static Rules >------".into());
        out.extend(s.rules.iter().map(|r| r.dump_line()));
    }
}
