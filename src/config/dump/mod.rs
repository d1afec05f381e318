//! Dumps of a loaded configuration: the resolved configuration in keepalived.conf syntax (which
//! re-reads to the same model), a JSON form, and keepalived's own `-d` section layout.

pub mod bfd;
pub mod check;
pub mod global;
pub mod net;
pub mod track;
pub mod vrrp;
pub mod writer;

use super::model::Config;

/// The resolved configuration in keepalived.conf syntax: includes expanded, definitions applied,
/// defaults filled. Reading it back gives the same model.
pub fn resolved(cfg: &Config) -> String {
    let mut w = writer::ConfWriter::default();
    w.comment("Resolved by keepalived-rs: includes expanded, definitions applied, defaults filled.");
    global::write_resolved(cfg, &mut w);
    track::write_resolved(cfg, &mut w);
    bfd::write_resolved(cfg, &mut w);
    // The static blocks after the VRRP ones: their `track_group` must name a group defined above.
    vrrp::write_resolved(cfg, &mut w);
    net::write_resolved(cfg, &mut w);
    check::write_resolved(cfg, &mut w);
    w.finish()
}

/// The resolved configuration as JSON.
pub fn json(cfg: &Config) -> String {
    serde_json::to_string_pretty(cfg).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// keepalived's `-d` dump as the VRRP child logs it, one line per entry, in the order of its
/// `dump_data_vrrp()`: global definitions, gratuitous ARP delays, then `dump_vrrp_data()`
/// (static addresses, routes, rules and track groups, VRRP topology, sync groups, scripts,
/// track files, track processes, track BFDs). The run-time "Interfaces" section is not part of
/// a configuration.
pub fn vrrp_layout(cfg: &Config) -> Vec<String> {
    vrrp_layout_with(cfg, &vrrp::Static)
}

/// [`vrrp_layout`] with the run-time lines of a running VRRP child (the SIGUSR1
/// `keepalived.data`, built by `vrrp::data`; it adds the "Interfaces" section itself).
pub fn vrrp_layout_with(cfg: &Config, rt: &dyn vrrp::Runtime) -> Vec<String> {
    let mut out = Vec::new();
    global::layout(cfg, &mut out);
    vrrp::garp_delays_with(cfg, rt, &mut out);
    net::layout(cfg, &mut out);
    vrrp::static_track_groups(cfg, &mut out);
    vrrp::layout_with(cfg, rt, &mut out);
    track::layout_with(cfg, rt, &mut out);
    bfd::layout(cfg, &mut out);
    out
}

/// keepalived's `-d` dump as the checker child logs it, one line per entry.
pub fn check_layout(cfg: &Config) -> Vec<String> {
    let mut out = Vec::new();
    global::layout(cfg, &mut out);
    check::layout(cfg, &mut out);
    out
}
