//! Addresses, routes and rules in `ip addr` / `ip route` / `ip rule` syntax, as used by
//! `virtual_ipaddress`, `virtual_ipaddress_excluded`, `virtual_routes`, `virtual_rules` and the
//! `static_*` blocks (keepalived's `ip_address_t`, `ip_route_t`, `ip_rule_t`).
//!
//! The parsers live in [`crate::config::netsyntax`], which also gives these types their text
//! forms: keepalived's `-d` dump line (`format_ipaddress()`, `format_iproute()`,
//! `format_iprule()`) and the words of the resolved keepalived.conf form.

use std::net::{IpAddr, Ipv4Addr};

use serde::Serialize;

use super::Origin;

/// `IFA_F_NODAD`: set in `flagmask` by `-nodad` (keepalived adds it for IPv6 unless given).
pub const IFA_F_NODAD: u32 = 0x02;
/// `IFA_F_HOMEADDRESS`: `home`.
pub const IFA_F_HOMEADDRESS: u32 = 0x10;
/// `IFA_F_MANAGETEMPADDR`: `mngtmpaddr`.
pub const IFA_F_MANAGETEMPADDR: u32 = 0x100;
/// `IFA_F_NOPREFIXROUTE`: `noprefixroute`.
pub const IFA_F_NOPREFIXROUTE: u32 = 0x200;
/// `IFA_F_MCAUTOJOIN`: `autojoin`.
pub const IFA_F_MCAUTOJOIN: u32 = 0x400;
/// keepalived's `INFINITY_LIFE_TIME`: `preferred_lft forever`.
pub const INFINITY_LIFE_TIME: u32 = u32::MAX;
/// `RTPROT_KEEPALIVED`: the protocol keepalived gives tracked routes and rules.
pub const RTPROT_KEEPALIVED: u8 = 18;
/// `RT_TABLE_MAIN`.
pub const RT_TABLE_MAIN: u32 = 254;

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
    /// The scope of a kernel number.
    pub fn from_number(n: u8) -> Scope {
        match n {
            0 => Scope::Global,
            200 => Scope::Site,
            253 => Scope::Link,
            254 => Scope::Host,
            255 => Scope::Nowhere,
            n => Scope::Other(n),
        }
    }

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

    /// The name `ip` prints for it (keepalived's built-in `rt_scopes` names).
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

/// How the broadcast address of an IPv4 address is set (`brd`). keepalived computes `brd +` and
/// `brd -` while parsing, so a loaded address only holds [`Broadcast::None`] or
/// [`Broadcast::Addr`]; the other variants name the syntax.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Broadcast {
    /// No `brd` given (or it resolved to 0.0.0.0, which keepalived treats as none).
    #[default]
    None,
    /// `brd +`: computed from the prefix.
    Plus,
    /// `brd -`: network address.
    Minus,
    /// An explicit or computed address.
    Addr(Ipv4Addr),
}

/// One address of an address list.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct IpAddress {
    /// The address.
    pub addr: IpAddr,
    /// Prefix length (default /32 or /128; with `peer`, the peer's, i.e. /32 or /128).
    pub prefix_len: u8,
    /// `brd`.
    pub broadcast: Broadcast,
    /// `dev IF` (default: the instance interface, or `default_interface` for static addresses,
    /// filled in by validation).
    pub dev: Option<String>,
    /// `scope` (always global for IPv6: keepalived refuses others).
    pub scope: Scope,
    /// `label` (IPv4 only).
    pub label: Option<String>,
    /// `peer ADDR`.
    pub peer: Option<IpAddr>,
    /// IFA_F_* flags set (`home`, `mngtmpaddr`, `noprefixroute`, `autojoin`).
    pub flags: u32,
    /// Which IFA_F_* flags were given (keepalived's `flagmask`; `-nodad` only sets this).
    pub flagmask: u32,
    /// `use_vmac`: put the address on the VMAC (not for static addresses).
    pub use_vmac: bool,
    /// `no_track`: losing the address does not fault the instance.
    pub no_track: bool,
    /// `preferred_lft N|forever` ([`INFINITY_LIFE_TIME`] = forever). For IPv6 keepalived's
    /// default is filled in (0 for a /128, forever otherwise); for IPv4 it is kept if given but
    /// unused.
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

/// How a route is added (`add`, `append`, `prepend`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteMode {
    /// `prepend` (the default: no NLM_F_EXCL).
    #[default]
    Prepend,
    /// `add` (NLM_F_EXCL).
    Add,
    /// `append` (NLM_F_APPEND).
    Append,
}

/// A route metric that can be locked (`mtu lock 1400`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Metric {
    /// The value, in the kernel's unit (`rtt` 1/8000 s, `rttvar` 1/4000 s, `rto_min` ms).
    pub value: u32,
    /// `lock` was given (the kernel's RTAX_LOCK bit).
    pub lock: bool,
}

/// Lightweight tunnel encapsulation kinds (`LWTUNNEL_ENCAP_*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EncapKind {
    /// `encap mpls`.
    #[default]
    Mpls,
    /// `encap ip`.
    Ip,
    /// `encap ila`.
    Ila,
    /// `encap ip6`.
    Ip6,
}

/// `encap TYPE ...` of a route or next hop. keepalived keeps the ip/ip6 fields in one union, so
/// they are shared here too.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Encap {
    /// The encapsulation.
    pub kind: EncapKind,
    /// MPLS labels (20-bit), for `mpls`.
    pub labels: Vec<u32>,
    /// ILA locator as keepalived holds it (four big-endian 16-bit groups read as a host u64).
    pub locator: u64,
    /// `id` (ip, ip6).
    pub id: Option<u64>,
    /// `dst` (ip, ip6).
    pub dst: Option<IpAddr>,
    /// `src` (ip, ip6).
    pub src: Option<IpAddr>,
    /// `tos` (ip) / `tc` (ip6).
    pub tos: Option<u8>,
    /// `ttl` (ip) / `hoplimit` (ip6).
    pub ttl: Option<u8>,
    /// `flags` (ip, ip6).
    pub flags: Option<u16>,
    /// The MPLS label stack or ILA locator keepalived refused (it keeps the encapsulation
    /// without it): written back so that re-reading refuses it again with the same message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}

/// `nexthop ...` of a multipath route (also made from the deprecated `via X or Y`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Nexthop {
    /// `via [inet|inet6] ADDR`.
    pub via: Option<IpAddr>,
    /// `dev IF`.
    pub dev: Option<String>,
    /// `weight 1..256`.
    pub weight: Option<u16>,
    /// `onlink`.
    pub onlink: bool,
    /// `realms [FROM/]TO` packed as keepalived does (FROM << 16 | TO), 0 = none.
    pub realms: u32,
    /// `encap ...`.
    pub encap: Option<Encap>,
}

/// The options of a route beyond the common ones, each at most once (a repeated option
/// overwrites, locks accumulate), printed in keepalived's order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RouteOptions {
    /// `add` / `append` / `prepend`.
    pub mode: RouteMode,
    /// `tos`/`dsfield`.
    pub tos: Option<u8>,
    /// `onlink`.
    pub onlink: bool,
    /// `encap ...`.
    pub encap: Option<Encap>,
    /// `expires SECS` (IPv6).
    pub expires: Option<u32>,
    /// `mtu [lock] N`.
    pub mtu: Option<Metric>,
    /// `hoplimit N`.
    pub hoplimit: Option<u8>,
    /// `advmss [lock] N`.
    pub advmss: Option<Metric>,
    /// `rtt [lock] TIME` in 1/8000 s.
    pub rtt: Option<Metric>,
    /// `rttvar [lock] TIME` in 1/4000 s.
    pub rttvar: Option<Metric>,
    /// `reordering [lock] N`.
    pub reordering: Option<Metric>,
    /// `window N`.
    pub window: Option<u32>,
    /// `cwnd [lock] N`.
    pub cwnd: Option<Metric>,
    /// `ssthresh [lock] N`.
    pub ssthresh: Option<Metric>,
    /// `realms [FROM/]TO` packed (FROM << 16 | TO), 0 = none.
    pub realms: u32,
    /// `rto_min [lock] TIME` in ms.
    pub rto_min: Option<Metric>,
    /// `initcwnd N`.
    pub initcwnd: Option<u32>,
    /// `initrwnd N`.
    pub initrwnd: Option<u32>,
    /// `features ecn`.
    pub features_ecn: bool,
    /// `quickack 0|1`.
    pub quickack: Option<u32>,
    /// `congctl [lock] NAME`.
    pub congctl: Option<String>,
    /// `congctl lock`.
    pub congctl_lock: bool,
    /// `pref low|medium|high|N` (IPv6; ICMPV6_ROUTER_PREF_* value).
    pub pref: Option<u8>,
    /// `ttl-propagate enabled|disabled`.
    pub ttl_propagate: Option<bool>,
    /// `fastopen_no_cookie 0|1`.
    pub fastopen_no_cookie: Option<bool>,
}

/// A route type (`RTN_*`: `blackhole`, `unreachable`, ...), as its kernel number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RouteType(pub u8);

impl RouteType {
    /// `RTN_UNICAST`.
    pub const UNICAST: u8 = 1;
    /// `RTN_BLACKHOLE`.
    pub const BLACKHOLE: u8 = 6;
    /// `RTN_UNREACHABLE`.
    pub const UNREACHABLE: u8 = 7;
    /// `RTN_PROHIBIT`.
    pub const PROHIBIT: u8 = 8;
}

/// One route of a route list. Fields not given in the configuration are `None`/empty.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Route {
    /// Address family: 4 or 6.
    pub family: u8,
    /// Destination prefix (`to`), `None` for `default`/`any`/`all` (any all-zero /0).
    pub dst: Option<(IpAddr, u8)>,
    /// `from` (the source selector of a policy route; IPv6 only).
    pub src: Option<(IpAddr, u8)>,
    /// `src` preferred source address (RTA_PREFSRC).
    pub pref_src: Option<IpAddr>,
    /// `via`/`gw` gateway.
    pub via: Option<IpAddr>,
    /// `dev`/`oif`.
    pub dev: Option<String>,
    /// `table` (`None` = main, 254).
    pub table: Option<u32>,
    /// `metric`/`priority`/`preference`.
    pub metric: Option<u32>,
    /// Route type (`blackhole`, ...), `None` = unicast.
    pub route_type: Option<RouteType>,
    /// `protocol` (set to `keepalived`, 18, unless the route is not tracked).
    pub protocol: Option<u8>,
    /// `scope`.
    pub scope: Option<Scope>,
    /// Every other option (keepalived's `ip_route_t` fields), printed in keepalived's order.
    pub options: RouteOptions,
    /// `nexthop` entries (also the deprecated `or`).
    pub nexthops: Vec<Nexthop>,
    /// `no_track` (also set when the route has no `dev`: keepalived cannot track it).
    pub no_track: bool,
    /// `track_group NAME` (static routes).
    pub track_group: Option<String>,
    /// Where it was configured.
    pub origin: Origin,
}

/// What a rule does (`FR_ACT_*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleAction {
    /// `table`/`lookup` (also `l3mdev`).
    #[default]
    ToTable,
    /// `goto PRIORITY`.
    Goto(u32),
    /// `nop`.
    Nop,
    /// `blackhole`.
    Blackhole,
    /// `unreachable`.
    Unreachable,
    /// `prohibit`.
    Prohibit,
}

/// The options of a rule beyond the common ones.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RuleOptions {
    /// `tos`/`dsfield` (0 = any).
    pub tos: u8,
    /// `fwmark MARK[/MASK]`.
    pub fwmark: Option<u32>,
    /// The mask, once any `fwmark` gave one (keepalived keeps the mask bit once set).
    pub fwmask: Option<u32>,
    /// `realms [FROM/]TO` packed (FROM << 16 | TO), 0 = none.
    pub realms: u32,
    /// `suppress_prefixlength`/`sup_pl`.
    pub suppress_prefixlen: Option<u32>,
    /// `suppress_ifgroup`/`sup_group`.
    pub suppress_ifgroup: Option<u32>,
    /// `tunnel-id` (0 = none).
    pub tunnel_id: u64,
    /// `uidrange START-END`.
    pub uidrange: Option<(u32, u32)>,
    /// `l3mdev`.
    pub l3mdev: bool,
    /// `protocol` (set to `keepalived`, 18, unless the rule is not tracked).
    pub protocol: Option<u8>,
    /// `ipproto`.
    pub ipproto: Option<u8>,
    /// `sport START-END`.
    pub sport: Option<(u16, u16)>,
    /// `dport START-END`.
    pub dport: Option<(u16, u16)>,
}

/// One rule of a rule list.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Rule {
    /// Address family: 4 or 6.
    pub family: u8,
    /// `not`.
    pub invert: bool,
    /// `from PREFIX` (`all` is kept as the all-zero /0).
    pub from: Option<(IpAddr, u8)>,
    /// `to PREFIX`.
    pub to: Option<(IpAddr, u8)>,
    /// `preference`/`priority`/`order` (keepalived assigns one, counting down from 16384 per
    /// family, when none is given).
    pub priority: Option<u32>,
    /// `table`/`lookup`.
    pub table: Option<u32>,
    /// `iif`/`dev`.
    pub iif: Option<String>,
    /// `oif`.
    pub oif: Option<String>,
    /// Every other option.
    pub options: RuleOptions,
    /// The rule's action.
    pub action: RuleAction,
    /// `no_track`.
    pub no_track: bool,
    /// `track_group NAME` (static rules).
    pub track_group: Option<String>,
    /// Where it was configured.
    pub origin: Origin,
}

/// A configuration line keepalived refused because it names an interface that does not exist
/// (without `dynamic_interfaces`): the entry is dropped and keepalived's VRRP process then stops
/// with "Non-existent interface specified in configuration". The line is kept, reduced to the
/// words that give the same message, so that the resolved configuration reproduces the refusal.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MissingInterfaceLine {
    /// The value block the line was in (`virtual_ipaddress`, `track_interface`,
    /// `static_routes`...), or `None` for a keyword of the block itself (`interface`, `vrf`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub block: Option<String>,
    /// The words that reproduce the message (keepalived stops reading the line there).
    pub words: Vec<String>,
    /// Where it was configured.
    pub origin: Origin,
}

impl MissingInterfaceLine {
    /// Orders lines as the resolved form writes them: keyword lines, then the blocks in the
    /// order given (a stable sort, so lines of one block keep their order).
    pub fn sort(lines: &mut [MissingInterfaceLine], blocks: &[&str]) {
        lines.sort_by_key(|l| match &l.block {
            None => 0,
            Some(b) => 1 + blocks.iter().position(|x| x == b).unwrap_or(blocks.len()),
        });
    }
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
    /// Lines of these blocks dropped because they name a missing interface.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_interface_lines: Vec<MissingInterfaceLine>,
}
