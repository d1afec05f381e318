//! Value readers shared by the address, route and rule parsers (keepalived's
//! `vrrp_ip_rule_route_parser.c`, `parse_ipaddress()` and `parse_route()`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::rttables::RtKind;
use super::{error, rt_find};
use crate::config::cnum::{is_c_space, parse_ip, skip_space, strtoul};
use crate::config::diag::Level;
use crate::config::parser::Parser;
use crate::config::values;

/// An address with its prefix as `parse_route()` returns it: family 0 for `default`/`any`/`all`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prefix {
    /// 0 (unspecified: a default), 4 or 6.
    pub family: u8,
    /// The address (unspecified for defaults).
    pub addr: IpAddr,
    /// Prefix length.
    pub len: u8,
}

impl Prefix {
    /// The address, with the family settled (`ifa_family = route->family` at the end).
    pub fn resolve(self, family: u8) -> (IpAddr, u8) {
        if self.family == 0 {
            (unspecified(family), self.len)
        } else {
            (self.addr, self.len)
        }
    }
}

/// The all-zero address of a family.
pub fn unspecified(family: u8) -> IpAddr {
    if family == 6 {
        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    }
}

/// The family number of an address.
pub fn family_of(a: &IpAddr) -> u8 {
    if a.is_ipv6() { 6 } else { 4 }
}

/// keepalived's `parse_ipaddress()`: `ADDR[/PFX]` (the prefix only if `allow_subnet_mask`).
pub fn parse_ipaddress(p: &mut Parser<'_>, s: &str, allow_subnet_mask: bool) -> Option<(IpAddr, u8)> {
    let max: u8 = if s.contains(':') { 128 } else { 32 };
    let mut len = max;
    let mut text = s;
    if allow_subnet_mask {
        if let Some(pos) = s.find('/') {
            let pfx = &s[pos + 1..];
            match values::read_unsigned(p, pfx, 0, max as u32, true) {
                Some(v) => len = v as u8,
                None => error(
                    p,
                    format!("Invalid address prefix len {pfx} for address {s} - using {max}"),
                ),
            }
            text = &s[..pos];
        }
    }
    match parse_ip(text) {
        Some(a) => Some((a, len)),
        None => {
            error(p, format!("VRRP parsed invalid IP {s}. skipping IP..."));
            None
        }
    }
}

/// keepalived's `parse_route()`: a prefix, or `default`/`any`/`all` (family unspecified), or
/// the deprecated `default6`.
pub fn parse_route(p: &mut Parser<'_>, s: &str) -> Option<Prefix> {
    match s {
        "default" | "any" | "all" => Some(Prefix {
            family: 0,
            addr: unspecified(4),
            len: 0,
        }),
        "default6" => {
            p.report(
                Level::Info,
                "'default6' is deprecated - please replace with 'inet6 default'",
            );
            Some(Prefix {
                family: 6,
                addr: unspecified(6),
                len: 0,
            })
        }
        _ => parse_ipaddress(p, s, true).map(|(addr, len)| Prefix {
            family: family_of(&addr),
            addr,
            len,
        }),
    }
}

/// keepalived's `get_u32()` family: `read_unsigned(str, 0, max)` and on failure `errmsg` with the
/// word. `None` means keepalived's "error" return.
pub fn get_unsigned(p: &mut Parser<'_>, s: &str, max: u32, errmsg: &str) -> Option<u32> {
    match values::read_unsigned(p, s, 0, max, false) {
        Some(v) => Some(v),
        None => {
            error(p, errmsg.replacen("%s", s, 1));
            None
        }
    }
}

/// keepalived's `read_unsigned64()` as it stores its result: `*res = (unsigned)val`, so only the
/// low 32 bits are kept (a keepalived 2.2.7 bug, visible in its dumps).
pub fn read_u64_truncated(p: &mut Parser<'_>, s: &str) -> Option<u64> {
    values::read_unsigned64(p, s, 0, u64::MAX, false).map(|v| v as u32 as u64)
}

/// keepalived's `get_u64()`.
pub fn get_u64(p: &mut Parser<'_>, s: &str, errmsg: &str) -> Option<u64> {
    match read_u64_truncated(p, s) {
        Some(v) => Some(v),
        None => {
            error(p, errmsg.replacen("%s", s, 1));
            None
        }
    }
}

/// keepalived's `get_realms()`: `[FROM/]TO`, each a number or an `rt_realms` name, packed as
/// FROM << 16 | TO.
pub fn get_realms(p: &mut Parser<'_>, s: &str) -> Option<u32> {
    match s.split_once('/') {
        Some((from, to)) => {
            let from = rt_find(p, RtKind::Realms, from)?;
            let to = rt_find(p, RtKind::Realms, to)?;
            Some(from << 16 | to)
        }
        None => rt_find(p, RtKind::Realms, s),
    }
}

/// The kernel's limits on route round-trip times (`RTT_MIN_MS`, `RTT_MAX_MS`).
const RTT_MIN_MS: u32 = 200;
const RTT_MAX_MS: u32 = 120_000;

/// keepalived's `get_time_rtt()`: a raw number in the kernel's unit (1/(1000 × `unit_mult`) s),
/// or a time with `s`/`sec`/`secs`/`ms` units; clamped to 200 ms .. 120 s with a log message.
pub fn get_time_rtt(p: &mut Parser<'_>, s: &str, unit_mult: u32) -> Option<u32> {
    let s = skip_space(s);
    let max = RTT_MAX_MS * unit_mult;
    let (number, shift, raw) = match s.find(['s', 'S']) {
        Some(pos) => {
            let unit = &s[pos..];
            if !["s", "sec", "secs"].iter().any(|u| unit.eq_ignore_ascii_case(u)) {
                return None;
            }
            let (end, shift) = if pos > 0 && s.as_bytes()[pos - 1].eq_ignore_ascii_case(&b'm') {
                (pos - 1, 0)
            } else {
                (pos, 3)
            };
            if end == 0 {
                return None;
            }
            (&s[..end], shift, false)
        }
        None => (s, 0, true),
    };
    if number.contains(['e', 'E']) {
        p.report(
            Level::Info,
            format!("rtt value exponential form {s} no longer supported"),
        );
        return None;
    }
    let v = values::read_decimal(p, number, 0, max as u64, shift, false)?;
    let mut v = v as u32;
    if !raw {
        v = v.wrapping_mul(unit_mult);
    }
    if v > max {
        p.report(
            Level::Info,
            format!("rtt value {s} exceeds maximum {}s, resetting", RTT_MAX_MS / 1000),
        );
        v = max;
    } else if v < RTT_MIN_MS * unit_mult {
        p.report(
            Level::Info,
            format!("rtt value {s} below minimum {RTT_MIN_MS}ms, resetting"),
        );
        v = RTT_MIN_MS * unit_mult;
    }
    Some(v)
}

/// keepalived's `get_addr64()`: an ILA locator `H:H:H:H` (hex groups), kept as keepalived keeps
/// it (the big-endian groups' bytes read as a host u64).
pub fn get_addr64(s: &str) -> Option<u64> {
    let mut cp = skip_space(s);
    let mut bytes = [0u8; 8];
    for i in 0..4 {
        if !cp.as_bytes().first().is_some_and(u8::is_ascii_hexdigit) {
            return None;
        }
        let r = strtoul(cp, 16);
        if r.value > 0xffff || r.end == 0 {
            return None;
        }
        bytes[i * 2..i * 2 + 2].copy_from_slice(&(r.value as u16).to_be_bytes());
        let rest = &cp[r.end..];
        if rest.is_empty() {
            if i != 3 {
                return None;
            }
            break;
        }
        if i == 3 || !rest.starts_with(':') {
            return None;
        }
        cp = &rest[1..];
    }
    Some(u64::from_ne_bytes(bytes))
}

/// The groups of an ILA locator, for writing it back.
pub fn addr64_groups(locator: u64) -> String {
    let b = locator.to_ne_bytes();
    (0..4)
        .map(|i| format!("{:x}", u16::from_be_bytes([b[i * 2], b[i * 2 + 1]])))
        .collect::<Vec<_>>()
        .join(":")
}

/// keepalived's `parse_mpls_address()`: up to two labels `L[/L]` (C numbers, 20 bits each).
pub fn parse_mpls_address(s: &str) -> Option<Vec<u32>> {
    const MAX_MPLS_LABELS: usize = 2;
    let mut s = skip_space(s);
    let mut labels = Vec::new();
    for _ in 0..MAX_MPLS_LABELS {
        if s.starts_with('-') || s.as_bytes().first().is_some_and(|c| is_c_space(*c)) {
            return None;
        }
        let r = strtoul(s, 0);
        if r.end == 0 || r.value > u32::MAX as u64 || r.value & !0xfffff != 0 {
            return None;
        }
        labels.push(r.value as u32);
        let rest = &s[r.end..];
        if rest.is_empty() {
            return Some(labels);
        }
        if !rest.starts_with('/') {
            return None;
        }
        s = &rest[1..];
    }
    None
}

/// The `ENTRY` word keepalived prints for an MPLS label (label << 12, bottom-of-stack bit on
/// the last), in hex.
pub fn mpls_entries(labels: &[u32]) -> String {
    labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let bos = if i + 1 == labels.len() { 1 << 8 } else { 0 };
            format!("{:x}", (l << 12) | bos)
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// keepalived's `inet_proto_a2n()`: a protocol number up to 127 or a name from `/etc/protocols`.
pub fn inet_proto_a2n(p: &Parser<'_>, s: &str) -> Option<u8> {
    let s = skip_space(s);
    if s.is_empty() || s.starts_with('-') {
        return None;
    }
    let r = strtoul(s, 10);
    if r.value > i8::MAX as u64 {
        return None;
    }
    if r.end == s.len() {
        return Some(r.value as u8);
    }
    let text = p.sys.read_file("/etc/protocols")?;
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("");
        let mut f = line.split_ascii_whitespace();
        let (Some(name), Some(num)) = (f.next(), f.next()) else {
            continue;
        };
        if name == s || f.any(|alias| alias == s) {
            // getprotobyname() gives the number as an int; keepalived keeps values up to 255.
            return num.parse::<u32>().ok().filter(|n| *n <= 255).map(|n| n as u8);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ila_locators() {
        let l = get_addr64("1:2:3:4").unwrap();
        assert_eq!(l, 288233674720149760, "as keepalived prints it on x86_64");
        assert_eq!(addr64_groups(l), "1:2:3:4");
        assert!(get_addr64("1:2:3").is_none());
        assert!(get_addr64("1:2:3:4:5").is_none());
        assert!(get_addr64("10000:2:3:4").is_none());
        assert!(get_addr64("g:2:3:4").is_none());
    }

    #[test]
    fn mpls_labels() {
        assert_eq!(parse_mpls_address("100/200"), Some(vec![100, 200]));
        assert_eq!(mpls_entries(&[100, 200]), "64000/c8100");
        assert_eq!(parse_mpls_address("0x10"), Some(vec![16]));
        assert!(parse_mpls_address("1/2/3").is_none());
        assert!(parse_mpls_address("1048576").is_none());
        assert!(parse_mpls_address("-1").is_none());
        assert!(parse_mpls_address("1x").is_none());
        assert!(parse_mpls_address("").is_none());
    }
}
