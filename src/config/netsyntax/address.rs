//! keepalived's `alloc_ipaddress()`: one line of `virtual_ipaddress`,
//! `virtual_ipaddress_excluded` or `static_ipaddress`.

use std::net::{IpAddr, Ipv4Addr};

use super::helpers::parse_ipaddress;
use super::rttables::RtKind;
use super::{error, interface_lookup, rt_find, static_track_group_find};
use crate::config::cnum::inet_pton4;
use crate::config::diag::Level;
use crate::config::keywords::net::PendingDefaultIf;
use crate::config::model::Origin;
use crate::config::model::net::{
    Broadcast, IFA_F_HOMEADDRESS, IFA_F_MANAGETEMPADDR, IFA_F_MCAUTOJOIN, IFA_F_NODAD, IFA_F_NOPREFIXROUTE,
    INFINITY_LIFE_TIME, IpAddress, Scope,
};
use crate::config::parser::{Parser, Words};

/// The longest interface or label name (`IFNAMSIZ - 1`).
const IFNAMSIZ: usize = 16;

/// keepalived's `alloc_ipaddress()`: parses one line of an address list and appends the address
/// to `list`. `static_addr` is true for `static_ipaddress` (then `track_group` is accepted,
/// `use_vmac` is not, and an address without `dev` gets the default interface in validation).
pub fn alloc_ipaddress(p: &mut Parser<'_>, list: &mut Vec<IpAddress>, words: &Words, static_addr: bool) {
    p.b.net.last_missing = None;
    let Some((addr, pending)) = parse(p, words, static_addr) else {
        return;
    };
    list.push(addr);
    if let Some(mut pd) = pending {
        pd.index = list.len() - 1;
        p.b.net.pending_default_if.push(pd);
    }
}

/// How `brd` was given.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Brd {
    None,
    Plus,
    Minus,
}

fn parse(p: &mut Parser<'_>, w: &Words, static_addr: bool) -> Option<(IpAddress, Option<PendingDefaultIf>)> {
    let first = w.words.first()?.as_str();
    let (ip, prefix) = parse_ipaddress(p, first, true)?;
    let is6 = ip.is_ipv6();
    let max_len: u8 = if is6 { 128 } else { 32 };
    let mut a = IpAddress::new(ip, prefix, Origin(w.loc.clone()));
    let mut brd_mode = Brd::None;
    let mut brd_addr: Option<Ipv4Addr> = None;
    let mut have_broadcast = false;
    let mut preferred_lft_set = false;
    let mut missing: Option<&str> = None;
    let n = w.len();
    let mut i = 1;
    while i < n {
        let s = w.words[i].as_str();
        let param_avail = n >= i + 2;
        let needs_param = matches!(
            s,
            "dev" | "scope" | "broadcast" | "brd" | "label" | "peer" | "preferred_lft"
        ) || (static_addr && s == "track_group");
        if needs_param && !param_avail {
            missing = Some(s);
            break;
        }
        match s {
            "dev" => {
                if a.dev.is_some() {
                    error(p, format!("Cannot specify ipaddress device more than once for {first}"));
                    return None;
                }
                i += 1;
                let name = w.words[i].as_str();
                if !interface_lookup(p, name) {
                    error(
                        p,
                        format!("WARNING - interface {name} for ip address {first} doesn't exist"),
                    );
                    return None;
                }
                a.dev = Some(name.to_string());
            }
            "scope" => {
                i += 1;
                let v = w.words[i].as_str();
                match rt_find(p, RtKind::Scopes, v) {
                    Some(n) => a.scope = Scope::from_number((n & 0xff) as u8),
                    None => error(p, format!("Invalid scope '{v}' specified for {first} - ignoring")),
                }
            }
            "broadcast" | "brd" => {
                if is6 {
                    error(
                        p,
                        format!(
                            "VRRP is trying to assign a broadcast {s} to the IPv6 address {first} !!?? WTF... skipping VIP..."
                        ),
                    );
                    return None;
                }
                have_broadcast = true;
                i += 1;
                match w.words[i].as_str() {
                    "-" => brd_mode = Brd::Minus,
                    "+" => brd_mode = Brd::Plus,
                    v => match inet_pton4(v) {
                        Some(b) => brd_addr = Some(b),
                        None => {
                            error(
                                p,
                                format!("VRRP is trying to assign invalid broadcast {v}. skipping VIP..."),
                            );
                            return None;
                        }
                    },
                }
            }
            "label" => {
                i += 1;
                let v = w.words[i].as_str();
                if v.len() >= IFNAMSIZ {
                    error(
                        p,
                        format!(
                            "Address label {v} is longer than maximum length {} - removing address",
                            IFNAMSIZ - 1
                        ),
                    );
                    return None;
                }
                a.label = Some(v.to_string());
            }
            "peer" => {
                i += 1;
                let v = w.words[i].as_str();
                if a.peer.is_some() {
                    error(p, format!("Peer {v} - another peer has already been specified"));
                    // keepalived `continue`s here: the peer address is read as the next option.
                    continue;
                }
                match parse_ipaddress(p, v, false) {
                    None => error(p, format!("Invalid peer address {v}")),
                    Some((peer, _)) if peer.is_ipv6() != is6 => {
                        error(p, format!("Peer address {v} does not match address family"))
                    }
                    Some((peer, peer_len)) => {
                        if a.prefix_len != max_len {
                            error(
                                p,
                                "Cannot specify address prefix when specifying peer address - ignoring",
                            );
                        }
                        a.prefix_len = peer_len;
                        a.peer = Some(peer);
                    }
                }
            }
            "home" => {
                a.flags |= IFA_F_HOMEADDRESS;
                a.flagmask |= IFA_F_HOMEADDRESS;
            }
            "-nodad" => a.flagmask |= IFA_F_NODAD,
            "mngtmpaddr" => {
                a.flags |= IFA_F_MANAGETEMPADDR;
                a.flagmask |= IFA_F_MANAGETEMPADDR;
            }
            "noprefixroute" => {
                a.flags |= IFA_F_NOPREFIXROUTE;
                a.flagmask |= IFA_F_NOPREFIXROUTE;
            }
            "autojoin" => {
                a.flags |= IFA_F_MCAUTOJOIN;
                a.flagmask |= IFA_F_MCAUTOJOIN;
            }
            "no_track" => a.no_track = true,
            "preferred_lft" => {
                i += 1;
                let v = w.words[i].as_str();
                if v == "forever" {
                    a.preferred_lft = Some(INFINITY_LIFE_TIME);
                    preferred_lft_set = true;
                } else if let Some(n) = crate::config::values::read_unsigned(p, v, 0, u32::MAX, true) {
                    a.preferred_lft = Some(n);
                    preferred_lft_set = true;
                } else {
                    error(p, format!("preferred_lft {v} is invalid"));
                }
            }
            "track_group" if static_addr => {
                i += 1;
                let v = w.words[i].as_str();
                if a.track_group.is_some() {
                    error(p, format!("track_group {v} is a duplicate"));
                    break;
                }
                if static_track_group_find(p, v) {
                    a.track_group = Some(v.to_string());
                } else {
                    error(p, format!("track_group {v} not found"));
                }
            }
            "use_vmac" if !static_addr => a.use_vmac = true,
            _ => error(
                p,
                format!("Unknown configuration entry '{s}' for ip address - ignoring"),
            ),
        }
        i += 1;
    }

    if let Some(kw) = missing {
        error(p, format!("No {kw} parameter specified for {first}"));
        return None;
    }

    // The broadcast address, computed now as keepalived does.
    let mut brd = brd_addr.map(u32::from).unwrap_or(0);
    if have_broadcast && a.peer.is_some() {
        error(
            p,
            "Cannot specify broadcast and peer addresses - ignoring broadcast address",
        );
        brd = 0;
    } else if brd_mode != Brd::None && a.prefix_len <= 30 {
        let base = match ip {
            IpAddr::V4(v4) => u32::from(v4),
            IpAddr::V6(_) => 0,
        };
        let mask = 0xffff_ffffu32 >> a.prefix_len;
        brd = if brd_mode == Brd::Plus {
            base | mask
        } else {
            base & !mask
        };
    } else if brd_mode != Brd::None {
        error(
            p,
            format!("Address prefix length {} too long for broadcast", a.prefix_len),
        );
    }
    a.broadcast = if brd == 0 {
        Broadcast::None
    } else {
        Broadcast::Addr(Ipv4Addr::from(brd))
    };

    // What keepalived reports after choosing the default interface of a static address.
    let mut later: Vec<(Level, String)> = Vec::new();
    if is6 {
        if a.scope != Scope::Global {
            later.push((
                Level::GeneralError,
                format!("Cannot specify scope for IPv6 addresses ({first}) - ignoring scope"),
            ));
            a.scope = Scope::Global;
        }
        if a.label.is_some() {
            later.push((
                Level::GeneralError,
                format!("Cannot specify label for IPv6 addresses ({first}) - ignoring label"),
            ));
            a.label = None;
        }
        if !preferred_lft_set {
            // keepalived's old defaults: a /128 is deprecated (not used as a source address).
            a.preferred_lft = Some(if a.prefix_len == 128 { 0 } else { INFINITY_LIFE_TIME });
        }
    }

    if static_addr && a.dev.is_none() {
        let pending = PendingDefaultIf {
            index: 0,
            word: first.to_string(),
            loc: w.loc.clone(),
            later,
        };
        return Some((a, Some(pending)));
    }
    for (level, msg) in later {
        p.report(level, msg);
    }
    Some((a, None))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{load, texts};
    use crate::config::model::net::*;
    use std::net::IpAddr;

    fn one(line: &str) -> (Vec<IpAddress>, Vec<String>) {
        let (cfg, msgs) = load(&format!("static_ipaddress {{\n{line}\n}}\n"));
        (cfg.statics.addresses, texts(&msgs))
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn plain_address_gets_defaults() {
        let (a, m) = one("192.168.200.16/24 dev eth0");
        assert!(m.is_empty(), "{m:?}");
        assert_eq!(a[0].addr, ip("192.168.200.16"));
        assert_eq!(a[0].prefix_len, 24);
        assert_eq!(a[0].dev.as_deref(), Some("eth0"));
        assert_eq!(a[0].scope, Scope::Global);
        assert_eq!(a[0].preferred_lft, None);
        let (a, _) = one("10.0.0.1");
        assert_eq!(a[0].prefix_len, 32);
        assert_eq!(a[0].dev.as_deref(), Some("eth0"), "default interface");
    }

    #[test]
    fn every_option() {
        let (a, m) = one(
            "192.168.200.17/24 brd + dev eth1 scope link label eth1:1 home -nodad mngtmpaddr noprefixroute autojoin no_track preferred_lft 5",
        );
        assert!(m.is_empty(), "{m:?}");
        let a = &a[0];
        assert_eq!(a.broadcast, Broadcast::Addr("192.168.200.255".parse().unwrap()));
        assert_eq!(a.scope, Scope::Link);
        assert_eq!(a.label.as_deref(), Some("eth1:1"));
        assert_eq!(
            a.flags,
            IFA_F_HOMEADDRESS | IFA_F_MANAGETEMPADDR | IFA_F_NOPREFIXROUTE | IFA_F_MCAUTOJOIN
        );
        assert_eq!(a.flagmask, a.flags | IFA_F_NODAD);
        assert!(a.no_track);
        assert_eq!(a.preferred_lft, Some(5));
        let (a, _) = one("10.1.2.3/16 broadcast - dev eth0");
        assert_eq!(a[0].broadcast, Broadcast::Addr("10.1.0.0".parse().unwrap()));
        let (a, _) = one("10.1.2.3/16 brd 10.1.255.254 dev eth0 scope 7");
        assert_eq!(a[0].broadcast, Broadcast::Addr("10.1.255.254".parse().unwrap()));
        assert_eq!(a[0].scope, Scope::Other(7));
    }

    #[test]
    fn peer_takes_over_the_prefix() {
        let (a, m) = one("10.0.0.1/24 peer 10.0.0.2 dev eth0");
        assert_eq!(
            m,
            ["Cannot specify address prefix when specifying peer address - ignoring"]
        );
        assert_eq!(a[0].prefix_len, 32);
        assert_eq!(a[0].peer, Some(ip("10.0.0.2")));
        let (_, m) = one("10.0.0.1 peer 10.0.0.2/24 dev eth0");
        assert_eq!(
            m,
            [
                "VRRP parsed invalid IP 10.0.0.2/24. skipping IP...",
                "Invalid peer address 10.0.0.2/24"
            ]
        );
        let (_, m) = one("10.0.0.1 peer fe80::1 dev eth0");
        assert_eq!(m, ["Peer address fe80::1 does not match address family"]);
        let (_, m) = one("10.0.0.1 peer 10.0.0.2 peer 10.0.0.3 dev eth0");
        assert_eq!(
            m,
            [
                "Peer 10.0.0.3 - another peer has already been specified",
                "Unknown configuration entry '10.0.0.3' for ip address - ignoring"
            ]
        );
        let (a, m) = one("10.0.0.1 peer 10.0.0.2 brd + dev eth0");
        assert_eq!(
            m,
            ["Cannot specify broadcast and peer addresses - ignoring broadcast address"]
        );
        assert_eq!(a[0].broadcast, Broadcast::None);
    }

    #[test]
    fn ipv6_rules() {
        let (a, m) = one("fe80::1/64 dev eth0 scope link label x");
        assert_eq!(
            m,
            [
                "Cannot specify scope for IPv6 addresses (fe80::1/64) - ignoring scope",
                "Cannot specify label for IPv6 addresses (fe80::1/64) - ignoring label"
            ]
        );
        assert_eq!(a[0].scope, Scope::Global);
        assert_eq!(a[0].preferred_lft, Some(INFINITY_LIFE_TIME));
        let (a, _) = one("fe80::1 dev eth0");
        assert_eq!(a[0].preferred_lft, Some(0));
        let (a, _) = one("fe80::1 dev eth0 preferred_lft forever");
        assert_eq!(a[0].preferred_lft, Some(INFINITY_LIFE_TIME));
        let (a, m) = one("fe80::1 brd + dev eth0");
        assert!(a.is_empty());
        assert_eq!(
            m,
            ["VRRP is trying to assign a broadcast brd to the IPv6 address fe80::1 !!?? WTF... skipping VIP..."]
        );
    }

    #[test]
    fn errors() {
        let cases: &[(&str, &[&str], bool)] = &[
            (
                "bad_ip dev eth0",
                &["VRRP parsed invalid IP bad_ip. skipping IP..."],
                false,
            ),
            (
                "10.0.0.5/33 dev eth1",
                &[
                    "number '33' outside range [0, 32]",
                    "Invalid address prefix len 33 for address 10.0.0.5/33 - using 32",
                ],
                true,
            ),
            ("10.0.0.6 dev", &["No dev parameter specified for 10.0.0.6"], false),
            (
                "10.0.0.6 dev eth0 scope",
                &["No scope parameter specified for 10.0.0.6"],
                false,
            ),
            (
                "10.0.0.6 dev eth0 dev eth1",
                &["Cannot specify ipaddress device more than once for 10.0.0.6"],
                false,
            ),
            (
                "10.0.0.6 dev nosuch",
                &["WARNING - interface nosuch for ip address 10.0.0.6 doesn't exist"],
                false,
            ),
            (
                "10.0.0.6 dev eth0 scope bogus",
                &["Invalid scope 'bogus' specified for 10.0.0.6 - ignoring"],
                true,
            ),
            (
                "10.0.0.6 dev eth0 brd 1.2.3",
                &["VRRP is trying to assign invalid broadcast 1.2.3. skipping VIP..."],
                false,
            ),
            (
                "10.0.0.6/31 dev eth0 brd +",
                &["Address prefix length 31 too long for broadcast"],
                true,
            ),
            (
                "10.0.0.6 dev eth0 label abcdefghijklmnop",
                &["Address label abcdefghijklmnop is longer than maximum length 15 - removing address"],
                false,
            ),
            (
                "10.0.0.6 dev eth0 preferred_lft x",
                &["invalid number 'x'", "preferred_lft x is invalid"],
                true,
            ),
            (
                "10.0.0.6 dev eth0 nodad",
                &["Unknown configuration entry 'nodad' for ip address - ignoring"],
                true,
            ),
            (
                "10.0.0.6 dev eth0 use_vmac",
                &["Unknown configuration entry 'use_vmac' for ip address - ignoring"],
                true,
            ),
            ("10.0.0.6 dev eth0 track_group g", &["track_group g not found"], true),
        ];
        for (line, want, kept) in cases {
            let (a, m) = one(line);
            let m: Vec<String> = m
                .into_iter()
                .filter(|x| x != "Non-existent interface specified in configuration")
                .collect();
            assert_eq!(&m, want, "{line}");
            assert_eq!(!a.is_empty(), *kept, "{line}");
        }
    }

    #[test]
    fn default_interface_from_global_defs_and_missing() {
        let (cfg, msgs) = load("static_ipaddress {\n fe80::1 scope link\n}\n");
        assert_eq!(cfg.statics.addresses[0].dev.as_deref(), Some("eth0"));
        assert_eq!(
            texts(&msgs),
            ["Cannot specify scope for IPv6 addresses (fe80::1) - ignoring scope"]
        );
    }
}
