//! Dumps of the static addresses, routes and rules.

use super::writer::ConfWriter;
use crate::config::model::Config;

/// Writes `static_ipaddress`/`static_routes`/`static_rules` of the resolved configuration.
pub fn write_resolved(cfg: &Config, w: &mut ConfWriter) {
    let s = &cfg.statics;
    if !s.addresses.is_empty() {
        w.open("static_ipaddress");
        for a in &s.addresses {
            w.line(&a.conf_words());
        }
        w.close();
    }
    if !s.routes.is_empty() {
        w.open("static_routes");
        for r in &s.routes {
            w.line(&r.conf_words());
        }
        w.close();
    }
    if !s.rules.is_empty() {
        w.open("static_rules");
        for r in &s.rules {
            w.line(&r.conf_words());
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
