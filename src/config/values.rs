//! Reading numbers, timers, booleans and hex strings from configuration words with keepalived's
//! exact acceptance rules and messages (`lib/parser.c`: `read_int()`, `read_unsigned()`,
//! `read_decimal_unsigned()`, `read_timer()`, `check_true_false()`, `read_hex_str()`).
//!
//! keepalived's `ignore_error` flag matters: outside `-t`, a value with trailing junk whose number
//! is still in range is accepted with a "WARNING - " message; under `-t` the same value is
//! rejected. [`Report::config_test`] selects which.

use super::cnum;
use super::diag::Level;

/// Somewhere to send diagnostics at the current line.
pub trait Report {
    /// Records a message at the current location.
    fn report(&mut self, level: Level, msg: String);
    /// Whether this is a `-t` run (changes wording and the `ignore_error` rule).
    fn config_test(&self) -> bool;
}

/// Microseconds per second (keepalived's `TIMER_HZ`).
pub const TIMER_HZ: u64 = 1_000_000;
/// Decimal digits of `TIMER_HZ`.
pub const TIMER_HZ_DIGITS: u32 = 6;
/// keepalived's `TIMER_MAXIMUM` (`ULONG_MAX - 1`).
pub const TIMER_MAXIMUM: u64 = u64::MAX - 1;

fn warn_prefix(r: &impl Report, ignore_error: bool) -> &'static str {
    if ignore_error && !r.config_test() {
        "WARNING - "
    } else {
        ""
    }
}

fn is_c_space(b: u8) -> bool {
    cnum::is_c_space(b)
}

/// `strtol(s, &end, base)`: (value as C returns it, `*endptr == '\0'`, overflow).
fn strtol(s: &str, base: u32) -> (i64, bool, bool) {
    let r = cnum::strtol(s, base);
    (r.value, r.end == s.len(), r.overflow)
}

/// `strtoul`: (value as C returns it, `*endptr == '\0'`, overflow). A leading `-` negates
/// (wrapping), as in C.
fn strtoul(s: &str, base: u32) -> (u64, bool, bool) {
    let r = cnum::strtoul(s, base);
    (r.value, r.end == s.len(), r.overflow)
}

/// keepalived's `read_int()`: `Some(value)` when keepalived's function returns true.
pub fn read_int(r: &mut impl Report, s: &str, min: i32, max: i32, ignore_error: bool) -> Option<i32> {
    read_int_base(r, s, 10, min, max, ignore_error)
}

/// `read_int()` with a base (keepalived only uses 10).
pub fn read_int_base(r: &mut impl Report, s: &str, base: u32, min: i32, max: i32, ignore_error: bool) -> Option<i32> {
    let warn = warn_prefix(r, ignore_error);
    let (v, whole, over) = strtol(s, base);
    let in_range = v >= min as i64 && v <= max as i64;
    if !whole {
        r.report(Level::InvalidNumber, format!("{warn}invalid number '{s}'"));
    } else if over || v < i32::MIN as i64 || v > i32::MAX as i64 {
        r.report(
            Level::InvalidNumber,
            format!("{warn}number '{s}' outside integer range"),
        );
    } else if !in_range {
        r.report(
            Level::InvalidNumber,
            format!("number '{s}' outside range [{min}, {max}]"),
        );
    } else {
        return Some(v as i32);
    }
    (ignore_error && in_range && !r.config_test()).then_some(v as i32)
}

/// keepalived's `read_unsigned()` (base 10).
pub fn read_unsigned(r: &mut impl Report, s: &str, min: u32, max: u32, ignore_error: bool) -> Option<u32> {
    read_unsigned_base(r, s, 10, min, max, ignore_error)
}

/// keepalived's `read_unsigned_base_strvec()`.
pub fn read_unsigned_base(
    r: &mut impl Report,
    s: &str,
    base: u32,
    min: u32,
    max: u32,
    ignore_error: bool,
) -> Option<u32> {
    let warn = warn_prefix(r, ignore_error);
    let off = s.len()
        - s.trim_start_matches(|c: char| c.is_ascii() && is_c_space(c as u8))
            .len();
    let (v, whole, over) = strtoul(&s[off..], base);
    let in_range = v >= min as u64 && v <= max as u64;
    if s.as_bytes().get(off) == Some(&b'-') {
        r.report(Level::InvalidNumber, format!("{warn}negative number '{s}'"));
    } else if !whole {
        r.report(Level::InvalidNumber, format!("{warn}invalid number '{s}'"));
    } else if over || v > u32::MAX as u64 {
        r.report(
            Level::InvalidNumber,
            format!("{warn}number '{s}' outside unsigned integer range"),
        );
    } else if !in_range {
        r.report(
            Level::InvalidNumber,
            format!("{warn}number '{s}' outside range [{min}, {max}]"),
        );
    } else {
        return Some(v as u32);
    }
    (ignore_error && in_range && !r.config_test()).then_some(v as u32)
}

/// keepalived's `read_unsigned64()`.
pub fn read_unsigned64(r: &mut impl Report, s: &str, min: u64, max: u64, ignore_error: bool) -> Option<u64> {
    let warn = warn_prefix(r, ignore_error);
    let off = s.len()
        - s.trim_start_matches(|c: char| c.is_ascii() && is_c_space(c as u8))
            .len();
    let (v, whole, over) = strtoul(&s[off..], 10);
    let in_range = v >= min && v <= max;
    if s.as_bytes().get(off) == Some(&b'-') {
        r.report(Level::InvalidNumber, format!("{warn}negative number '{s}'"));
    } else if !whole {
        r.report(Level::InvalidNumber, format!("{warn}invalid number '{s}'"));
    } else if over {
        r.report(
            Level::InvalidNumber,
            format!("{warn}number '{s}' outside unsigned 64 bit range"),
        );
    } else if !in_range {
        r.report(
            Level::InvalidNumber,
            format!("number '{s}' outside range [{min}, {max}]"),
        );
    } else {
        return Some(v);
    }
    (ignore_error && in_range && !r.config_test()).then_some(v)
}

/// keepalived's `read_decimal_unsigned_long_func()`: a decimal with up to `shift` fractional digits,
/// returned as value × 10^shift. `min` and `max` are in the returned unit.
pub fn read_decimal(r: &mut impl Report, s: &str, min: u64, max: u64, shift: u32, ignore_error: bool) -> Option<u64> {
    let warn = warn_prefix(r, ignore_error);
    if s.starts_with('-') {
        r.report(Level::InvalidNumber, format!("{warn}negative number '{s}'"));
        return None;
    }
    let mut digits = String::with_capacity(s.len() + shift as usize);
    let mut round_up = false;
    match s.find('.') {
        Some(dp) => {
            let frac = &s[dp + 1..];
            let mut num_dp = frac.len();
            if num_dp > shift as usize {
                r.report(
                    Level::InvalidNumber,
                    format!("{warn}number '{s}' has too many decimal places"),
                );
                round_up = frac.as_bytes()[shift as usize] >= b'5';
                num_dp = shift as usize;
            }
            digits.push_str(&s[..dp]);
            // Byte-wise, as C's strncpy: a multi-byte character may be cut, making it invalid.
            let take = &frac.as_bytes()[..num_dp];
            digits.push_str(&String::from_utf8_lossy(take));
            for _ in num_dp..shift as usize {
                digits.push('0');
            }
        }
        None => {
            digits.push_str(s);
            for _ in 0..shift {
                digits.push('0');
            }
        }
    }
    let (mut v, whole, over) = strtoul(&digits, 10);
    if round_up {
        v = v.wrapping_add(1);
    }
    let in_range = v >= min && v <= max;
    if !whole {
        r.report(Level::InvalidNumber, format!("{warn}invalid number '{s}'"));
    } else if over {
        r.report(
            Level::InvalidNumber,
            format!("{warn}number '{s}' outside unsigned decimal range"),
        );
        return None;
    } else if !in_range {
        let unit = 10u64.pow(shift);
        let w = shift as usize;
        // C's "%*.*lu" with precision 0 prints nothing for 0 (shift 0 gives "[0., 5.]").
        let frac = |v: u64| if w == 0 { String::new() } else { format!("{v:0w$}") };
        r.report(
            Level::InvalidNumber,
            format!(
                "{warn}number '{s}' outside range [{}.{}, {}.{}]",
                min / unit,
                frac(min % unit),
                max / unit,
                frac(max % unit)
            ),
        );
    } else {
        return Some(v);
    }
    (ignore_error && in_range).then_some(v)
}

/// keepalived's `read_timer()`: seconds with microsecond resolution, returned in microseconds.
/// `max == 0` means [`TIMER_MAXIMUM`].
pub fn read_timer(r: &mut impl Report, s: &str, min: u64, max: u64, ignore_error: bool) -> Option<u64> {
    let max = if max == 0 { TIMER_MAXIMUM } else { max };
    read_decimal(r, s, min, max, TIMER_HZ_DIGITS, ignore_error)
}

/// keepalived's `check_true_false()`: `true|on|yes` / `false|off|no`, otherwise `None`.
pub fn check_true_false(s: &str) -> Option<bool> {
    match s {
        "true" | "on" | "yes" => Some(true),
        "false" | "off" | "no" => Some(false),
        _ => None,
    }
}

/// keepalived's `read_hex_str()`: hex digits, optionally separated by blanks; with
/// `allow_wildcard`, `x`/`X` nibbles are wildcards and a mask is returned.
/// Returns `None` for an invalid or empty string.
pub fn read_hex_str(s: &str, allow_wildcard: bool) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    let b = s.as_bytes();
    let nib = |c: u8| -> Option<(u8, u8)> {
        match c {
            b'0'..=b'9' => Some((c - b'0', 0)),
            b'a'..=b'f' => Some((c - b'a' + 10, 0)),
            b'A'..=b'F' => Some((c - b'A' + 10, 0)),
            b'x' | b'X' if allow_wildcard => Some((0, 0x0f)),
            _ => None,
        }
    };
    let mut data = Vec::new();
    let mut mask = Vec::new();
    let mut any_mask = false;
    let mut i = 0;
    loop {
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let (mut v, mut m) = nib(b[i])?;
        i += 1;
        if i < b.len() && b[i] != b' ' {
            let (v2, m2) = nib(b[i])?;
            i += 1;
            v = (v << 4) | v2;
            m = (m << 4) | m2;
        }
        any_mask |= m != 0;
        data.push(v);
        mask.push(m);
    }
    if data.is_empty() {
        return None;
    }
    Some((data, any_mask.then_some(mask)))
}

/// Formats microseconds as keepalived writes decimal seconds (trailing zeros trimmed), for dumps.
pub fn format_secs(us: u64) -> String {
    let s = us / TIMER_HZ;
    let f = us % TIMER_HZ;
    if f == 0 {
        s.to_string()
    } else {
        let frac = format!("{f:06}");
        format!("{s}.{}", frac.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Sink {
        test: bool,
        msgs: Vec<String>,
    }
    impl Report for Sink {
        fn report(&mut self, _l: Level, m: String) {
            self.msgs.push(m);
        }
        fn config_test(&self) -> bool {
            self.test
        }
    }

    #[test]
    fn int_range_and_junk() {
        let mut s = Sink {
            test: true,
            ..Default::default()
        };
        assert_eq!(read_int(&mut s, "-5", -10, 10, false), Some(-5));
        assert_eq!(read_int(&mut s, "300", 1, 255, false), None);
        assert_eq!(s.msgs.pop().unwrap(), "number '300' outside range [1, 255]");
        assert_eq!(read_int(&mut s, "abc", 1, 255, false), None);
        assert_eq!(s.msgs.pop().unwrap(), "invalid number 'abc'");
        assert_eq!(
            read_int(&mut s, "", 0, 255, false),
            Some(0),
            "C strtol accepts an empty string"
        );
    }

    #[test]
    fn ignore_error_accepts_junk_outside_config_test() {
        let mut run = Sink::default();
        assert_eq!(read_int(&mut run, "100abc", 1, 255, true), Some(100));
        assert_eq!(run.msgs.pop().unwrap(), "WARNING - invalid number '100abc'");
        let mut t = Sink {
            test: true,
            ..Default::default()
        };
        assert_eq!(read_int(&mut t, "100abc", 1, 255, true), None);
        assert_eq!(t.msgs.pop().unwrap(), "invalid number '100abc'");
    }

    #[test]
    fn unsigned_rejects_negative() {
        let mut s = Sink {
            test: true,
            ..Default::default()
        };
        assert_eq!(read_unsigned(&mut s, "-1", 0, 10, false), None);
        assert_eq!(s.msgs.pop().unwrap(), "negative number '-1'");
        assert_eq!(read_unsigned(&mut s, "4294967296", 0, u32::MAX, false), None);
        assert_eq!(
            s.msgs.pop().unwrap(),
            "number '4294967296' outside unsigned integer range"
        );
        assert_eq!(read_unsigned_base(&mut s, "ff", 16, 0, 1000, false), Some(255));
    }

    #[test]
    fn decimals_as_keepalived() {
        let mut s = Sink {
            test: true,
            ..Default::default()
        };
        assert_eq!(read_timer(&mut s, "1.5", 0, 0, false), Some(1_500_000));
        assert_eq!(read_timer(&mut s, "3", 0, 0, false), Some(3_000_000));
        assert_eq!(read_decimal(&mut s, "0", 1, u32::MAX as u64, 6, true), None);
        assert_eq!(
            s.msgs.pop().unwrap(),
            "number '0' outside range [0.000001, 4294.967295]"
        );
        assert_eq!(
            read_decimal(&mut s, "1.23456789", 0, u64::MAX - 1, 6, false),
            Some(1_234_568)
        );
        assert_eq!(s.msgs.pop().unwrap(), "number '1.23456789' has too many decimal places");
        assert_eq!(read_decimal(&mut s, "-1", 0, 10, 6, false), None);
        assert_eq!(read_decimal(&mut s, "1x", 0, u64::MAX, 6, false), None);
        assert_eq!(s.msgs.pop().unwrap(), "invalid number '1x'");
    }

    #[test]
    fn booleans_and_hex() {
        assert_eq!(check_true_false("on"), Some(true));
        assert_eq!(check_true_false("no"), Some(false));
        assert_eq!(check_true_false("On"), None);
        assert_eq!(
            read_hex_str("de ad be ef", false).unwrap().0,
            vec![0xde, 0xad, 0xbe, 0xef]
        );
        assert_eq!(read_hex_str("a b", false).unwrap().0, vec![0xa, 0xb]);
        let (d, m) = read_hex_str("1x", true).unwrap();
        assert_eq!((d, m), (vec![0x10], Some(vec![0x0f])));
        assert!(read_hex_str("zz", false).is_none());
        assert!(read_hex_str("", false).is_none());
    }

    #[test]
    fn secs_format() {
        assert_eq!(format_secs(1_500_000), "1.5");
        assert_eq!(format_secs(60_000_000), "60");
        assert_eq!(format_secs(1), "0.000001");
    }
}
