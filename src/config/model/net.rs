//! Addresses, routes and rules in `ip addr` / `ip route` / `ip rule` syntax, as used by
//! `virtual_ipaddress`, `virtual_ipaddress_excluded`, `virtual_routes`, `virtual_rules` and the
//! `static_*` blocks (keepalived's `ip_address_t`, `ip_route_t`, `ip_rule_t`).

use std::net::IpAddr;

use serde::Serialize;

use super::Origin;

/// Address scope (`ip addr ... scope`), as the kernel's `RT_SCOPE_*`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// `global` (0), the default.
    #[default]
    Global,
    /// `site` (200).
    Site,
    /// `link` (253).
    Link,
    /// `host` (254).
    Host,
    /// `nowhere` (255).
    Nowhere,
    /// Any other numeric scope.
    Other(u8),
}

impl Scope {
    /// The kernel's numeric scope.
    pub fn number(self) -> u8 {
        match self {
            Scope::Global => 0,
            Scope::Site => 200,
            Scope::Link => 253,
            Scope::Host => 254,
            Scope::Nowhere => 255,
            Scope::Other(n) => n,
        }
    }

    /// The name `ip` prints for it.
    pub fn name(self) -> String {
        match self {
            Scope::Global => "global".into(),
            Scope::Site => "site".into(),
            Scope::Link => "link".into(),
            Scope::Host => "host".into(),
            Scope::Nowhere => "nowhere".into(),
            Scope::Other(n) => n.to_string(),
        }
    }
}

/// How the broadcast address of an IPv4 address is set (`brd`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Broadcast {
    /// No `brd` given.
    #[default]
    None,
    /// `brd +`: computed from the prefix.
    Plus,
    /// `brd -`: network address.
    Minus,
    /// An explicit address.
    Addr(std::net::Ipv4Addr),
}

/// One address of an address list.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IpAddress {
    /// The address.
    pub addr: IpAddr,
    /// Prefix length (default /32 or /128).
    pub prefix_len: u8,
    /// `brd`.
    pub broadcast: Broadcast,
    /// `dev IF` (default: the instance interface, or `default_interface` for static addresses).
    pub dev: Option<String>,
    /// `scope`.
    pub scope: Scope,
    /// `label`.
    pub label: Option<String>,
    /// `peer ADDR[/PFX]`.
    pub peer: Option<IpAddr>,
    /// IFA_F_* flags set (`home`, `-nodad`/`nodad`, `mngtmpaddr`, `noprefixroute`, `autojoin`).
    pub flags: u32,
    /// Which IFA_F_* flags were given (keepalived's `flagmask`).
    pub flagmask: u32,
    /// `use_vmac`: put the address on the VMAC.
    pub use_vmac: bool,
    /// `no_track`: losing the address does not fault the instance.
    pub no_track: bool,
    /// `preferred_lft N|forever` (IPv6; `None` = not given).
    pub preferred_lft: Option<u32>,
    /// `track_group NAME` (static addresses).
    pub track_group: Option<String>,
    /// Where it was configured.
    pub origin: Origin,
}

impl IpAddress {
    /// An address with keepalived's defaults for everything but the address and prefix.
    pub fn new(addr: IpAddr, prefix_len: u8, origin: Origin) -> Self {
        IpAddress {
            addr,
            prefix_len,
            broadcast: Broadcast::None,
            dev: None,
            scope: Scope::Global,
            label: None,
            peer: None,
            flags: 0,
            flagmask: 0,
            use_vmac: false,
            no_track: false,
            preferred_lft: None,
            track_group: None,
            origin,
        }
    }

    /// True for IPv6.
    pub fn is_ipv6(&self) -> bool {
        self.addr.is_ipv6()
    }
}

/// One route of a route list. Fields not given in the configuration are `None`/empty.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Route {
    /// Address family: 4 or 6.
    pub family: u8,
    /// Destination prefix (`to`), `None` for `default`.
    pub dst: Option<(IpAddr, u8)>,
    /// `src` (the source selector of a policy route).
    pub src: Option<(IpAddr, u8)>,
    /// `src` preferred source address (RTA_PREFSRC).
    pub pref_src: Option<IpAddr>,
    /// `via`/`gw` gateway.
    pub via: Option<IpAddr>,
    /// `dev`.
    pub dev: Option<String>,
    /// `table`.
    pub table: Option<u32>,
    /// `metric`/`priority`/`preference`.
    pub metric: Option<u32>,
    /// Route type (`unicast`, `blackhole`, ...), `None` = unicast.
    pub route_type: Option<String>,
    /// `proto` (default `keepalived`, 18).
    pub protocol: Option<u8>,
    /// `scope`.
    pub scope: Option<Scope>,
    /// Every other option in `ip route` order, as `(keyword, value)` pairs (filled by the netsyntax
    /// family; values empty for flags).
    pub options: Vec<(String, String)>,
    /// `nexthop` entries, each as its words.
    pub nexthops: Vec<Vec<String>>,
    /// `no_track`.
    pub no_track: bool,
    /// `track_group NAME` (static routes).
    pub track_group: Option<String>,
    /// Where it was configured.
    pub origin: Origin,
}

/// One rule of a rule list.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Rule {
    /// Address family: 4 or 6.
    pub family: u8,
    /// `not`.
    pub invert: bool,
    /// `from PREFIX`.
    pub from: Option<(IpAddr, u8)>,
    /// `to PREFIX`.
    pub to: Option<(IpAddr, u8)>,
    /// `preference`/`priority`/`order`.
    pub priority: Option<u32>,
    /// `table`/`lookup`.
    pub table: Option<u32>,
    /// `iif`.
    pub iif: Option<String>,
    /// `oif`.
    pub oif: Option<String>,
    /// Every other option in `ip rule` order, as `(keyword, value)` pairs.
    pub options: Vec<(String, String)>,
    /// `no_track`.
    pub no_track: bool,
    /// `track_group NAME` (static rules).
    pub track_group: Option<String>,
    /// Where it was configured.
    pub origin: Origin,
}

/// The `static_ipaddress`, `static_routes` and `static_rules` blocks: installed at startup
/// whatever the VRRP state.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StaticNet {
    /// `static_ipaddress { ... }`.
    pub addresses: Vec<IpAddress>,
    /// `static_routes { ... }`.
    pub routes: Vec<Route>,
    /// `static_rules { ... }`.
    pub rules: Vec<Rule>,
}
