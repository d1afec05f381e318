//! The C library behaviour keepalived's parsers rely on, in one place: `strtoul()`/`strtol()`
//! with their end pointer and overflow, `sscanf("%u-%u")`, `inet_pton()` and printf's `%g`.

use std::ffi::CString;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// keepalived's `WHITE_SPACE` set (C `isspace()` in the "C" locale).
pub fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

/// The string without leading C white space (`str += strspn(str, WHITE_SPACE)`).
pub fn skip_space(s: &str) -> &str {
    s.trim_start_matches(|c: char| c.is_ascii() && is_c_space(c as u8))
}

/// The result of C's `strtoul()` on a 64-bit host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Strtoul {
    /// The value C returns (`ULONG_MAX` on overflow, negated for a leading `-`).
    pub value: u64,
    /// Byte index of `*endptr`; 0 when no digit was read (C sets `endptr = nptr`).
    pub end: usize,
    /// `errno == ERANGE`.
    pub overflow: bool,
}

impl Strtoul {
    /// `endptr != nptr && *endptr == '\0'`: the whole, non-empty string is a number.
    pub fn whole(&self, s: &str) -> bool {
        self.end != 0 && self.end == s.len()
    }
}

/// C `strtoul(s, &end, base)` (base 0, 10 or 16).
pub fn strtoul(s: &str, base: u32) -> Strtoul {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && is_c_space(b[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        neg = b[i] == b'-';
        i += 1;
    }
    let mut base = base;
    if (base == 0 || base == 16)
        && b.get(i) == Some(&b'0')
        && b.get(i + 1).is_some_and(|c| c | 0x20 == b'x')
        && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
    {
        i += 2;
        base = 16;
    } else if base == 0 {
        base = if b.get(i) == Some(&b'0') { 8 } else { 10 };
    }
    let start = i;
    let mut v: u64 = 0;
    let mut overflow = false;
    while i < b.len() {
        let Some(d) = (b[i] as char).to_digit(base) else { break };
        match v.checked_mul(base as u64).and_then(|x| x.checked_add(d as u64)) {
            Some(x) => v = x,
            None => overflow = true,
        }
        i += 1;
    }
    if i == start {
        return Strtoul {
            value: 0,
            end: 0,
            overflow: false,
        };
    }
    let value = if overflow {
        u64::MAX
    } else if neg {
        v.wrapping_neg()
    } else {
        v
    };
    Strtoul {
        value,
        end: i,
        overflow,
    }
}

/// The result of C's `strtol()` on a 64-bit host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Strtol {
    /// The value C returns (clamped to `LONG_MIN`/`LONG_MAX` on overflow).
    pub value: i64,
    /// Byte index of `*endptr`; 0 when no digit was read.
    pub end: usize,
    /// `errno == ERANGE`.
    pub overflow: bool,
}

impl Strtol {
    /// `endptr != nptr && *endptr == '\0'`: the whole, non-empty string is a number.
    pub fn whole(&self, s: &str) -> bool {
        self.end != 0 && self.end == s.len()
    }
}

/// C `strtol(s, &end, base)` (base 0, 8, 10 or 16).
pub fn strtol(s: &str, base: u32) -> Strtol {
    let t = skip_space(s);
    let neg = t.starts_with('-');
    let u = strtoul(s, base);
    if u.end == 0 {
        return Strtol {
            value: 0,
            end: 0,
            overflow: false,
        };
    }
    // Recover the magnitude strtoul saw (it negates a leading '-').
    let mag: u128 = if u.overflow {
        u128::MAX
    } else if neg {
        (u.value.wrapping_neg()) as u128
    } else {
        u.value as u128
    };
    let (value, overflow) = if neg {
        if mag > i64::MAX as u128 + 1 {
            (i64::MIN, true)
        } else {
            ((mag as i128).wrapping_neg() as i64, false)
        }
    } else if mag > i64::MAX as u128 {
        (i64::MAX, true)
    } else {
        (mag as i64, false)
    };
    Strtol {
        value,
        end: u.end,
        overflow,
    }
}

/// One `%u` (or `%hu`) conversion of `sscanf()` from byte `pos`: white space skipped, optional
/// sign, decimal digits. Returns the value as `strtoul` gives it and the position after it.
fn scan_unsigned(s: &str, pos: usize) -> Option<(u64, usize)> {
    let rest = s.get(pos..)?;
    let r = strtoul(rest, 10);
    // sscanf does not accept a base prefix or an empty digit run, and stops at the first non-digit
    // just as strtoul does.
    (r.end != 0).then_some((r.value, pos + r.end))
}

/// `sscanf(s, "%u-%u", &a, &b)` (with `bits` 32) or `"%hu-%hu"` (16): the number of conversions
/// done (-1 for input that is empty or all blanks) and the values, truncated as C stores them.
pub fn scan_range(s: &str, bits: u32) -> (i32, u32, u32) {
    let trunc = |v: u64| if bits == 16 { v as u16 as u32 } else { v as u32 };
    if skip_space(s).is_empty() {
        return (-1, 0, 0);
    }
    let Some((a, p)) = scan_unsigned(s, 0) else {
        return (0, 0, 0);
    };
    if s.as_bytes().get(p) != Some(&b'-') {
        return (1, trunc(a), 0);
    }
    match scan_unsigned(s, p + 1) {
        Some((b, _)) => (2, trunc(a), trunc(b)),
        None => (1, trunc(a), 0),
    }
}

/// glibc's `inet_pton()` for the family keepalived picks: IPv6 if the text has a `:`.
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    if s.contains(':') {
        inet_pton6(s).map(IpAddr::V6)
    } else {
        inet_pton4(s).map(IpAddr::V4)
    }
}

unsafe extern "C" {
    // glibc's inet_pton(3); the libc crate does not bind it.
    fn inet_pton(af: libc::c_int, src: *const libc::c_char, dst: *mut libc::c_void) -> libc::c_int;
}

/// glibc's `inet_pton(AF_INET, ...)`.
pub fn inet_pton4(s: &str) -> Option<Ipv4Addr> {
    let c = CString::new(s).ok()?;
    let mut out = [0u8; 4];
    // SAFETY: c is NUL-terminated and out has room for an in_addr.
    let r = unsafe { inet_pton(libc::AF_INET, c.as_ptr(), out.as_mut_ptr().cast()) };
    (r == 1).then(|| Ipv4Addr::from(out))
}

/// glibc's `inet_pton(AF_INET6, ...)`.
pub fn inet_pton6(s: &str) -> Option<Ipv6Addr> {
    let c = CString::new(s).ok()?;
    let mut out = [0u8; 16];
    // SAFETY: c is NUL-terminated and out has room for an in6_addr.
    let r = unsafe { inet_pton(libc::AF_INET6, c.as_ptr(), out.as_mut_ptr().cast()) };
    (r == 1).then(|| Ipv6Addr::from(out))
}

/// printf's `%g` (precision 6) for the finite, non-negative values keepalived prints.
pub fn fmt_g(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    // Round to 6 significant digits first: the exponent of the rounded value decides the form.
    let sci = format!("{x:.5e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let m = trim_zeros(mant);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (5 - exp).max(0) as usize;
        trim_zeros(&format!("{x:.decimals$}")).to_string()
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtoul_like_c() {
        assert_eq!(strtoul("0x10", 0).value, 16);
        assert_eq!(strtoul("010", 0).value, 8);
        let r = strtoul("0x", 0);
        assert_eq!((r.value, r.end), (0, 1), "0x with no hex digit parses the 0");
        assert_eq!(strtoul("", 0).end, 0);
        assert!(!strtoul("", 0).whole(""));
        assert_eq!(strtoul("-1", 0).value, u64::MAX);
        let r = strtoul("99999999999999999999", 10);
        assert!(r.overflow && r.value == u64::MAX);
        assert_eq!(strtoul("  12ab", 10).end, 4);
        assert_eq!(strtoul("+5", 10).value, 5);
    }

    #[test]
    fn scanf_ranges() {
        assert_eq!(scan_range("5-10", 32), (2, 5, 10));
        assert_eq!(scan_range("5", 32), (1, 5, 0));
        assert_eq!(scan_range("5-", 32), (1, 5, 0));
        assert_eq!(scan_range("a-5", 32), (0, 0, 0));
        assert_eq!(scan_range("", 32), (-1, 0, 0));
        assert_eq!(scan_range("70000-5", 16), (2, 4464, 5));
        assert_eq!(scan_range("5- 10junk", 32), (2, 5, 10));
        assert_eq!(scan_range("5 -10", 32), (1, 5, 0));
    }

    #[test]
    fn pton_like_glibc() {
        assert_eq!(parse_ip("10.0.0.1"), Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))));
        assert!(parse_ip("192.168.100.").is_none());
        assert!(parse_ip("1.2.3").is_none());
        assert!(parse_ip("::1").is_some());
        assert!(parse_ip("1:2:3:4:5:6:7::").is_some());
        assert!(parse_ip("fe80::1%eth0").is_none());
    }

    #[test]
    fn printf_g() {
        assert_eq!(fmt_g(3.0), "3");
        assert_eq!(fmt_g(200.0), "200");
        assert_eq!(fmt_g(0.2), "0.2");
        assert_eq!(fmt_g(999.875), "999.875");
        assert_eq!(fmt_g(1.000125), "1.00012", "as glibc: the double is just below");
        assert_eq!(fmt_g(24004.0 / 8000.0), "3.0005");
        assert_eq!(fmt_g(120.0), "120");
        assert_eq!(fmt_g(1234567.0), "1.23457e+06");
        assert_eq!(fmt_g(0.00001), "1e-05");
    }
}
