//! Addresses, routes and rules in `ip addr` / `ip route` / `ip rule` syntax, as used by
//! `virtual_ipaddress`, `virtual_ipaddress_excluded`, `virtual_routes`, `virtual_rules` and the
//! `static_*` blocks.

use serde::Serialize;

use super::Origin;

/// One address of a `virtual_ipaddress` / `static_ipaddress` list.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IpAddress {
    /// The address as written, normalised (placeholder until the netsyntax family fills it in).
    pub text: String,
    /// Where it was configured.
    pub origin: Origin,
}

/// One route of a `virtual_routes` / `static_routes` list.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Route {
    /// The route as written (placeholder).
    pub text: String,
    /// Where it was configured.
    pub origin: Origin,
}

/// One rule of a `virtual_rules` / `static_rules` list.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rule {
    /// The rule as written (placeholder).
    pub text: String,
    /// Where it was configured.
    pub origin: Origin,
}
