//! Parsers for the `ip addr`, `ip route` and `ip rule` syntax keepalived accepts in address,
//! route and rule lists (`keepalived/vrrp/vrrp_ipaddress.c`, `vrrp_iproute.c`, `vrrp_iprule.c`).

use super::model::net::{IpAddress, Route, Rule};
use super::parser::{Parser, Words};

/// keepalived's `alloc_ipaddress()`: parses one line of an address list and appends the
/// address(es) to `list`. `static_addr` is true for `static_ipaddress`.
pub fn alloc_ipaddress(p: &mut Parser<'_>, list: &mut Vec<IpAddress>, words: &Words, static_addr: bool) {
    let _ = (p, list, words, static_addr);
}

/// keepalived's `alloc_route()`: parses one line of a route list and appends it to `list`.
pub fn alloc_route(p: &mut Parser<'_>, list: &mut Vec<Route>, words: &Words, allow_track_group: bool) {
    let _ = (p, list, words, allow_track_group);
}

/// keepalived's `alloc_rule()`: parses one line of a rule list and appends it to `list`.
pub fn alloc_rule(p: &mut Parser<'_>, list: &mut Vec<Rule>, words: &Words, allow_track_group: bool) {
    let _ = (p, list, words, allow_track_group);
}
