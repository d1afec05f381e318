//! Keyword tables and handlers for `static_ipaddress`, `static_routes` and `static_rules`
//! (keepalived's `static_addresses_handler()` & co. in `vrrp_parser.c`): value blocks whose lines
//! are parsed by [`netsyntax`] into `cfg.statics`.

use std::collections::{HashMap, HashSet};

use crate::config::diag::{Level, Loc};
use crate::config::netsyntax::{self, ListKind, rttables::RtNames};
use crate::config::parser::{HResult, Keyword, Parser, Words, kw};

/// keepalived's `RULE_START_PRIORITY`: rules without a preference count down from here.
pub const RULE_START_PRIORITY: u32 = 16384;

/// A static address given without `dev`: keepalived gives it the default interface
/// (`default_interface`, else `eth0`) from the whole configuration, so this is settled in
/// validation, with the messages keepalived would print after that point of the line.
#[derive(Debug, Clone)]
pub struct PendingDefaultIf {
    /// Index in `cfg.statics.addresses`.
    pub index: usize,
    /// The address word as written (for the message).
    pub word: String,
    /// The line.
    pub loc: Option<Loc>,
    /// Messages keepalived prints after choosing the interface (IPv6 scope/label fixes).
    pub later: Vec<(Level, String)>,
}

/// State of the address/route/rule parsers for one configuration load (keepalived keeps these
/// as globals in the VRRP process).
#[derive(Debug)]
pub struct State {
    /// `/etc/iproute2` names, read on first use.
    pub rt: RtNames,
    /// Next automatic rule preference for IPv4 (`next_rule_priority_ipv4`).
    pub next_rule_priority_v4: u32,
    /// Next automatic rule preference for IPv6.
    pub next_rule_priority_v6: u32,
    /// Interfaces looked up so far: exists (or created by `dynamic_interfaces`) or not.
    pub interfaces: HashMap<String, bool>,
    /// An interface named in the configuration does not exist (keepalived's
    /// `non_existent_interface_specified`): the VRRP process stops after parsing. Every family
    /// looks interfaces up through [`netsyntax::interface_lookup`], which sets it.
    pub non_existent_interface: bool,
    /// The interface of the last failed lookup, for the caller to keep the refused line
    /// ([`netsyntax::missing_line`]).
    pub last_missing: Option<String>,
    /// `track_group` blocks defined so far.
    pub static_track_groups: HashSet<String>,
    /// Static addresses waiting for the default interface.
    pub pending_default_if: Vec<PendingDefaultIf>,
}

impl Default for State {
    fn default() -> Self {
        State {
            rt: RtNames::default(),
            next_rule_priority_v4: RULE_START_PRIORITY,
            next_rule_priority_v6: RULE_START_PRIORITY,
            interfaces: HashMap::new(),
            non_existent_interface: false,
            last_missing: None,
            static_track_groups: HashSet::new(),
            pending_default_if: Vec::new(),
        }
    }
}

/// Keeps the line if it was refused for naming a missing interface.
fn keep_missing(p: &mut Parser<'_>, kind: ListKind, block: &str, line: &Words) {
    if let Some(l) = netsyntax::missing_line(p, kind, Some(block), line) {
        p.b.cfg.statics.missing_interface_lines.push(l);
    }
}

fn static_ipaddress(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.value_block(w, |p, line| {
        let mut list = std::mem::take(&mut p.b.cfg.statics.addresses);
        netsyntax::alloc_ipaddress(p, &mut list, line, true);
        p.b.cfg.statics.addresses = list;
        keep_missing(p, ListKind::Address, "static_ipaddress", line);
        Ok(())
    });
    Ok(())
}

fn static_routes(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.value_block(w, |p, line| {
        let mut list = std::mem::take(&mut p.b.cfg.statics.routes);
        netsyntax::alloc_route(p, &mut list, line, true);
        p.b.cfg.statics.routes = list;
        keep_missing(p, ListKind::Route, "static_routes", line);
        Ok(())
    });
    Ok(())
}

fn static_rules(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.value_block(w, |p, line| {
        let mut list = std::mem::take(&mut p.b.cfg.statics.rules);
        netsyntax::alloc_rule(p, &mut list, line, true);
        p.b.cfg.statics.rules = list;
        keep_missing(p, ListKind::Rule, "static_rules", line);
        Ok(())
    });
    Ok(())
}

/// Top-level keywords of this family.
pub static ROOT: &[Keyword] = &[
    kw("static_ipaddress", static_ipaddress),
    kw("static_routes", static_routes),
    kw("static_rules", static_rules),
];
