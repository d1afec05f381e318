//! Parsers for the `ip addr`, `ip route` and `ip rule` syntax keepalived accepts in address,
//! route and rule lists (`keepalived/vrrp/vrrp_ipaddress.c`, `vrrp_iproute.c`, `vrrp_iprule.c`,
//! `vrrp_ip_rule_route_parser.c`, `lib/rttables.c`), and the text forms of the parsed values
//! (keepalived's `-d` dump lines and the resolved keepalived.conf words).
//!
//! keepalived looks interfaces up while parsing (`if_get_by_ifname(..., IF_CREATE_IF_DYNAMIC)`):
//! [`interface_lookup`] does the same through [`System`](crate::config::system::System), records a
//! missing interface so that validation reports "Non-existent interface specified in
//! configuration", and honours `dynamic_interfaces`.

mod address;
mod encap;
mod format;
mod helpers;
mod nexthop;
mod route;
pub mod rttables;
mod rule;
mod words;

pub use address::alloc_ipaddress;
pub use format::prefix_text;
pub use route::alloc_route;
pub use rule::alloc_rule;

use super::diag::Level;
use super::parser::{MissingParam, Parser, Words};
use rttables::RtKind;

/// keepalived's `if_get_by_ifname(name, IF_CREATE_IF_DYNAMIC)`: whether the interface exists (or
/// is created as a placeholder because `dynamic_interfaces` is set). A missing interface marks
/// the configuration so that validation reports "Non-existent interface specified in
/// configuration" (the VRRP family should use this for its interfaces too).
pub fn interface_lookup(p: &mut Parser<'_>, name: &str) -> bool {
    if let Some(&known) = p.b.net.interfaces.get(name) {
        if known {
            return true;
        }
    } else {
        let exists = p.sys.interface_exists(name);
        p.b.net.interfaces.insert(name.to_string(), exists);
        if exists {
            return true;
        }
    }
    if !p.b.cfg.global.dynamic_interfaces {
        p.b.net.non_existent_interface = true;
        p.b.net.last_missing = Some(name.to_string());
        return false;
    }
    p.b.net.interfaces.insert(name.to_string(), true);
    p.report(
        Level::Info,
        format!("Configuration specifies interface {name} which doesn't currently exist - will use if created"),
    );
    true
}

/// Which list an address/route/rule line belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    /// An address list (`virtual_ipaddress`, `static_ipaddress`...).
    Address,
    /// A route list.
    Route,
    /// A rule list.
    Rule,
}

/// After a line of `kind` was read with [`alloc_ipaddress`], [`alloc_route`] or [`alloc_rule`]
/// (or a keyword looked an interface up): if it named an interface that does not exist, the
/// shortest line giving the same message, to keep in the model (the entry itself was dropped,
/// or for a route only its next hop). `None` when every interface existed.
pub fn missing_line(
    p: &mut Parser<'_>,
    kind: ListKind,
    block: Option<&str>,
    line: &Words,
) -> Option<crate::config::model::net::MissingInterfaceLine> {
    let ifname = p.b.net.last_missing.take()?;
    let first = line.words.first().cloned().unwrap_or_default();
    // The messages name the interface (and an address its first word), nothing else: keepalived
    // stops reading the line at the interface.
    let words = match kind {
        ListKind::Address => vec![first, "dev".into(), ifname],
        ListKind::Route => vec!["default".into(), "dev".into(), ifname],
        ListKind::Rule => vec!["dev".into(), ifname],
    };
    Some(crate::config::model::net::MissingInterfaceLine {
        block: block.map(str::to_string),
        words,
        origin: crate::config::model::Origin(line.loc.clone()),
    })
}

/// Records a `track_group NAME { ... }` definition, so that later `track_group NAME` options of
/// static addresses, routes and rules find it (keepalived's `static_track_group_find()` sees
/// only groups defined above the line). Called by the VRRP family's `track_group` handler.
pub fn register_static_track_group(p: &mut Parser<'_>, name: &str) {
    p.b.net.static_track_groups.insert(name.to_string());
}

/// Whether a static track group of that name has been defined so far.
fn static_track_group_find(p: &Parser<'_>, name: &str) -> bool {
    p.b.net.static_track_groups.contains(name)
}

/// A name-file lookup (`find_rttables_*`) with the host's `/etc/iproute2` files.
fn rt_find(p: &mut Parser<'_>, kind: RtKind, name: &str) -> Option<u32> {
    let sys = p.sys;
    p.b.net.rt.find(kind, name, sys)
}

/// Reports a `report_config_error(CONFIG_GENERAL_ERROR, ...)` at the current line.
fn error(p: &mut Parser<'_>, msg: impl Into<String>) {
    p.report(Level::GeneralError, msg);
}

/// Why parsing a list entry stopped without adding it.
enum Abort {
    /// keepalived's `goto err` / `return`: messages already given, the entry is dropped.
    Dropped,
    /// A word was missing (`strvec_slot()` past the end): keepalived exits with code 2.
    Missing(MissingParam),
}

impl From<MissingParam> for Abort {
    fn from(m: MissingParam) -> Self {
        Abort::Missing(m)
    }
}

/// Reports a missing parameter the way the keyword engine does.
fn report_abort(p: &mut Parser<'_>, a: Abort) {
    if let Abort::Missing(MissingParam(m)) = a {
        p.report(Level::MissingParameter, m);
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    //! A loader for snippets on a fixed host.

    use crate::config::diag::Level;
    use crate::config::model::Config;
    use crate::config::system::FixedSystem;
    use crate::config::{LoadOptions, load_str};

    /// Loads `text` under `-t` and returns the model and every message as `(level, text)`.
    pub fn load(text: &str) -> (Config, Vec<(Level, String)>) {
        let host = FixedSystem::with_host_files(&[("/etc/protocols", "tcp\t6\tTCP\nudp\t17\tUDP\n")]);
        let opts = LoadOptions {
            config_test: true,
            ..LoadOptions::default()
        };
        let l = load_str(text, &opts, &host);
        let msgs = l.diags.items.iter().map(|d| (d.level, d.message.clone())).collect();
        (l.config, msgs)
    }

    /// The message texts, without `Info` ones.
    pub fn texts(msgs: &[(Level, String)]) -> Vec<String> {
        msgs.iter()
            .filter(|(l, _)| *l != Level::Info)
            .map(|(_, m)| m.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::reader::{Reader, ReaderOptions};
    use crate::config::system::FixedSystem;

    #[test]
    fn interfaces_missing_or_created_dynamically() {
        let host = FixedSystem::with_host_files(&[]);
        let mut p = Parser::new(Reader::new(ReaderOptions::default()), &host, true);
        assert!(interface_lookup(&mut p, "eth1"));
        assert!(!p.b.net.non_existent_interface);
        assert!(!interface_lookup(&mut p, "nosuch"));
        assert!(p.b.net.non_existent_interface);

        let mut p = Parser::new(Reader::new(ReaderOptions::default()), &host, true);
        p.b.cfg.global.dynamic_interfaces = true;
        assert!(interface_lookup(&mut p, "later0"));
        assert!(interface_lookup(&mut p, "later0"));
        assert!(!p.b.net.non_existent_interface);
        let infos: Vec<_> = p.diags.items.iter().map(|d| (d.level, d.message.as_str())).collect();
        assert_eq!(
            infos,
            [(
                Level::Info,
                "Configuration specifies interface later0 which doesn't currently exist - will use if created"
            )],
            "logged once per interface"
        );
    }

    #[test]
    fn static_track_groups_are_found_once_registered() {
        let host = FixedSystem::with_host_files(&[]);
        let mut p = Parser::new(Reader::new(ReaderOptions::default()), &host, true);
        assert!(!static_track_group_find(&p, "g1"));
        register_static_track_group(&mut p, "g1");
        assert!(static_track_group_find(&p, "g1"));
        let w = crate::config::parser::Words {
            words: ["10.0.0.0/8", "dev", "eth0", "track_group", "g1"]
                .map(String::from)
                .to_vec(),
            loc: None,
        };
        let mut list = Vec::new();
        alloc_route(&mut p, &mut list, &w, true);
        assert_eq!(list[0].track_group.as_deref(), Some("g1"));
        let mut list = Vec::new();
        alloc_route(&mut p, &mut list, &w, false);
        assert!(list.is_empty(), "virtual_routes do not know track_group");
    }
}
