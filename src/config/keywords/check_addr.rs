//! Address parsing for the check blocks, as keepalived's `lib/utils.c` does it:
//! `inet_stosockaddr()` (address and port), `inet_stor()` (range ends) and the virtual server
//! group entries of `alloc_vsg_entry()`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::config::diag::Level;
use crate::config::model::check::{Family, VsgFwmark, VsgRange};
use crate::config::parser::{MissingParam, Parser, Words};
use crate::config::values;

/// keepalived's `inet_stosockaddr(ip, port)`: the address (anything from the first `-`, else
/// the first `/`, is ignored) and the port (1..65535, read with keepalived's number messages).
/// `None` when either is invalid.
pub fn stosockaddr(p: &mut Parser<'_>, ip: &str, port: Option<&str>) -> Option<(IpAddr, u16)> {
    let mut port_num = 0;
    if let Some(port) = port {
        port_num = values::read_unsigned(p, port, 1, 65535, true)? as u16;
    }
    Some((pton(ip)?, port_num))
}

/// The address part of `ip` as `inet_pton()` reads it, the family chosen by the presence of `:`.
pub fn pton(ip: &str) -> Option<IpAddr> {
    let cut = ip.find('-').or_else(|| ip.find('/')).unwrap_or(ip.len());
    let s = &ip[..cut];
    if ip.contains(':') {
        s.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
    } else {
        s.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
    }
}

/// keepalived passes no port when the word is all zeros ("0", "000" or empty), as a port of 0
/// was accepted before ports were checked.
pub fn nonzero_port(port: Option<&str>) -> Option<&str> {
    port.filter(|s| !s.bytes().all(|b| b == b'0'))
}

/// glibc's `inet_aton()` without trailing text (what `getaddrinfo(AI_NUMERICHOST)` accepts for
/// IPv4): one to four parts, each decimal, octal (leading `0`) or hex (`0x`).
pub fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    let mut parts: Vec<u64> = Vec::new();
    for part in s.split('.') {
        let b = part.as_bytes();
        if b.first().is_none_or(|c| !c.is_ascii_digit()) {
            return None;
        }
        let (base, digits) = if b[0] == b'0' && b.len() > 1 && (b[1] | 0x20) == b'x' {
            (16, &part[2..])
        } else if b[0] == b'0' {
            (8, &part[1..])
        } else {
            (10, part)
        };
        let mut v: u64 = 0;
        for c in digits.chars() {
            let d = c.to_digit(base)?;
            v = v * base as u64 + d as u64;
            if v > u32::MAX as u64 {
                return None;
            }
        }
        parts.push(v);
    }
    let n = parts.len();
    if n == 0 || n > 4 {
        return None;
    }
    let last = parts[n - 1];
    if parts[..n - 1].iter().any(|v| *v > 255) || last > (u32::MAX as u64) >> (8 * (n - 1)) {
        return None;
    }
    let mut v: u32 = 0;
    for (i, part) in parts[..n - 1].iter().enumerate() {
        v |= (*part as u32) << (24 - 8 * i);
    }
    v |= last as u32;
    Some(Ipv4Addr::from(v))
}

/// keepalived's `inet_stor()`: the number after `-` of a range (decimal for IPv4, hex for IPv6).
/// `Ok(None)` without a range; `Err(())` when keepalived rejects the entry.
fn stor(p: &mut Parser<'_>, addr: &str) -> Result<Option<u32>, ()> {
    let v6 = addr.contains(':');
    let Some(dash) = addr.find('-') else { return Ok(None) };
    let rest = &addr[dash + 1..];
    // strtoul: leading blanks, an optional sign, digits of the base.
    let t = rest.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let t = if v6 && (t.starts_with("0x") || t.starts_with("0X")) && t[2..].starts_with(|c: char| c.is_ascii_hexdigit())
    {
        &t[2..]
    } else {
        t
    };
    let base = if v6 { 16 } else { 10 };
    let ndig = t.find(|c: char| !c.is_digit(base)).unwrap_or(t.len());
    let mut val: u128 = 0;
    let mut overflow = false;
    for c in t[..ndig].chars() {
        val = val * base as u128 + c.to_digit(base).unwrap_or(0) as u128;
        if val > u64::MAX as u128 {
            overflow = true;
        }
    }
    let end = if ndig == 0 { rest } else { &t[ndig..] };
    let mut range = if overflow { u64::MAX } else { val as u64 };
    if neg {
        range = range.wrapping_neg();
    }
    let warn = if p.config_test { "" } else { "WARNING - " };
    if !end.is_empty() {
        p.report(
            Level::InvalidNumber,
            format!("{warn}Virtual server group range '{addr}' has extra characters at end '{end}'"),
        );
        // keepalived goes on outside -t, with the number read so far.
        if p.config_test {
            return Err(());
        }
        return Ok(Some(range as u32));
    }
    if overflow || (v6 && range > 0xffff) || (!v6 && range > 255) {
        p.report(
            Level::InvalidNumber,
            format!("Virtual server group range '{addr}' end '{rest}' too large"),
        );
        return Err(());
    }
    Ok(Some(range as u32))
}

/// One entry of a `virtual_server_group` block.
pub enum VsgEntry {
    /// An address or range.
    Range(VsgRange),
    /// A firewall mark.
    Fwmark(VsgFwmark),
}

/// keepalived's `alloc_vsg_entry()`: parses one line of a `virtual_server_group` block.
/// `group` names the group in messages. `Ok(None)` (after keepalived's message) if skipped.
pub fn vsg_entry(p: &mut Parser<'_>, group: &str, w: &Words) -> Result<Option<VsgEntry>, MissingParam> {
    let words = &w.words;
    let addr_str = words[0].as_str();
    if addr_str == "fwmark" {
        let w1 = w.get(1)?;
        let Some(fwmark) = values::read_unsigned(p, w1, 0, u32::MAX, true) else {
            p.report(
                Level::GeneralError,
                format!("({group}): fwmark '{w1}' must be in [0, {}] - ignoring", u32::MAX),
            );
            return Ok(None);
        };
        let family = match words.get(2).map(String::as_str) {
            None => None,
            Some("inet") => Some(Family::Inet),
            Some("inet6") => Some(Family::Inet6),
            Some(f) => {
                p.report(
                    Level::GeneralError,
                    format!("({group}): fwmark '{fwmark}' family {f} unknown - ignoring"),
                );
                return Ok(None);
            }
        };
        return Ok(Some(VsgEntry::Fwmark(VsgFwmark { fwmark, family })));
    }
    let port_str = nonzero_port(words.get(1).map(String::as_str));
    let Some((start, port)) = stosockaddr(p, addr_str, port_str) else {
        let (a, b, c) = match port_str {
            Some(ps) => ("/port", "/", ps),
            None => ("", "", ""),
        };
        p.report(
            Level::GeneralError,
            format!("Invalid virtual server group IP address {addr_str} {a}{b}{c} - skipping"),
        );
        return Ok(None);
    };
    let end = if let Some(slash) = addr_str.find('/') {
        let mask_str = addr_str[slash + 1..]
            .strip_prefix('+')
            .unwrap_or(&addr_str[slash + 1..]);
        let mask = mask_str
            .parse::<u64>()
            .ok()
            .filter(|_| !mask_str.is_empty() && mask_str.bytes().all(|b| b.is_ascii_digit()));
        let max = if start.is_ipv4() { 32 } else { 128 };
        let Some(mask) = mask.filter(|m| *m != 0 && *m <= max) else {
            p.report(Level::GeneralError, format!("Invalid netmask - {addr_str} - skipping"));
            return Ok(None);
        };
        let Some(end) = mask_end(&start, mask as u32) else {
            p.report(
                Level::GeneralError,
                format!("Address mask bits not empty - {addr_str} - skipping"),
            );
            return Ok(None);
        };
        end
    } else if let Some(end_str) = addr_str.find('-').map(|d| &addr_str[d + 1..]).filter(|e| {
        if start.is_ipv4() {
            e.contains('.')
        } else {
            e.contains(':')
        }
    }) {
        let Some((end, _)) = stosockaddr(p, end_str, port_str) else {
            p.report(Level::GeneralError, format!("Invalid range end {addr_str} - skipping"));
            return Ok(None);
        };
        if start.is_ipv4() != end.is_ipv4() {
            p.report(
                Level::GeneralError,
                format!("Range address families do not match {addr_str} - skipping"),
            );
            return Ok(None);
        }
        if ip_value(&end) < ip_value(&start) {
            p.report(
                Level::GeneralError,
                format!("Address range end is less than address range start - {addr_str} - skipping"),
            );
            return Ok(None);
        }
        end
    } else {
        let Ok(range) = stor(p, addr_str) else { return Ok(None) };
        match range {
            None => start,
            Some(range) => {
                let (end, first) = match start {
                    IpAddr::V4(a) => {
                        let v = u32::from(a);
                        (IpAddr::V4(Ipv4Addr::from((v & !0xff) | range)), v & 0xff)
                    }
                    IpAddr::V6(a) => {
                        let mut s = a.segments();
                        let first = s[7] as u32;
                        s[7] = range as u16;
                        (IpAddr::V6(Ipv6Addr::from(s)), first)
                    }
                };
                if first >= range {
                    p.report(
                        Level::GeneralError,
                        format!("Address range end is not greater than address range start - {addr_str} - skipping"),
                    );
                    return Ok(None);
                }
                end
            }
        }
    };
    Ok(Some(VsgEntry::Range(VsgRange { start, end, port })))
}

/// The last address of a prefix, or `None` if host bits are set (keepalived's check).
fn mask_end(start: &IpAddr, mask: u32) -> Option<IpAddr> {
    match start {
        IpAddr::V4(a) if mask < 32 => {
            let bits = u32::MAX >> mask;
            let v = u32::from(*a);
            (v & bits == 0).then(|| IpAddr::V4(Ipv4Addr::from(v | bits)))
        }
        // keepalived runs its IPv6 code on IPv4 /32 too; it only touches padding bytes.
        IpAddr::V4(_) => Some(*start),
        IpAddr::V6(a) if mask < 128 => {
            let mut s = a.segments();
            let i = (mask / 16) as usize;
            let bits: u16 = (0xffffu32 >> (mask % 16)) as u16;
            if s[i] & bits != 0 {
                return None;
            }
            s[i] |= bits;
            for w in s.iter_mut().skip(i + 1) {
                if *w != 0 {
                    return None;
                }
                *w = 0xffff;
            }
            Some(IpAddr::V6(Ipv6Addr::from(s)))
        }
        IpAddr::V6(_) => Some(*start),
    }
}

fn ip_value(ip: &IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u32::from(*a) as u128,
        IpAddr::V6(a) => u128::from(*a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aton_forms() {
        assert_eq!(inet_aton("255.255.255.0"), Some(Ipv4Addr::new(255, 255, 255, 0)));
        assert_eq!(inet_aton("1"), Some(Ipv4Addr::new(0, 0, 0, 1)));
        assert_eq!(inet_aton("1.2"), Some(Ipv4Addr::new(1, 0, 0, 2)));
        assert_eq!(inet_aton("0x10.010.0.1"), Some(Ipv4Addr::new(16, 8, 0, 1)));
        assert_eq!(inet_aton("1.2.3.4.5"), None);
        assert_eq!(inet_aton("1.2.3.256"), None);
        assert_eq!(inet_aton("09"), None);
        assert_eq!(inet_aton(""), None);
        assert_eq!(inet_aton("1.2.3.4 "), None);
    }

    #[test]
    fn pton_strips_ranges_and_masks() {
        assert_eq!(pton("10.0.0.1-20"), Some("10.0.0.1".parse().unwrap()));
        assert_eq!(pton("ae00::2-9"), Some("ae00::2".parse().unwrap()));
        assert_eq!(pton("10.0.0.0/24"), Some("10.0.0.0".parse().unwrap()));
        assert_eq!(pton("10.0.0"), None);
        assert_eq!(nonzero_port(Some("000")), None);
        assert_eq!(nonzero_port(Some("80")), Some("80"));
    }

    #[test]
    fn prefix_ends() {
        let v4: IpAddr = "10.1.0.0".parse().unwrap();
        assert_eq!(mask_end(&v4, 16), Some("10.1.255.255".parse().unwrap()));
        assert_eq!(mask_end(&v4, 8), None);
        let v6: IpAddr = "ae00::".parse().unwrap();
        assert_eq!(mask_end(&v6, 112), Some("ae00::ffff".parse().unwrap()));
        assert_eq!(mask_end(&v6, 100), Some("ae00::fff:ffff".parse().unwrap()));
    }
}
