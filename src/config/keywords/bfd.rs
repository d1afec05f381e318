//! Keyword table and handlers for `bfd_instance NAME { ... }` (`keepalived/bfd/bfd_parser.c`).
//!
//! keepalived reads each block three times with different handlers: the BFD process builds the
//! session and checks everything but `weight`; the VRRP process keeps the name and `weight`
//! (`bfd_vrrp_handler()`, `alloc_vrrp_tracked_bfd()`); the checker keeps the name
//! (`bfd_checker_handler()`). All three honour `vrrp` and `checker`. We read the block once and
//! follow each process's view in [`BfdDraft`], printing every message any of them prints.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use crate::config::diag::Level;
use crate::config::model::Origin;
use crate::config::model::bfd::defaults;
use crate::config::parser::{Block, HResult, Keyword, Parser, Words, kw, kw_block};
use crate::config::validate;
use crate::config::values;

/// A `bfd_instance` block being read, as each process sees it.
#[derive(Debug)]
pub struct BfdDraft {
    /// Block name.
    pub name: String,
    /// The block's line.
    pub origin: Origin,
    /// The BFD process is reading the block (it accepted the name and no error made it skip).
    pub in_bfd: bool,
    /// The VRRP process is reading the block.
    pub in_vrrp: bool,
    /// The checker is reading the block.
    pub in_checker: bool,
    /// `neighbor_ip` (BFD process).
    pub neighbor: Option<IpAddr>,
    /// `source_ip`.
    pub source: Option<IpAddr>,
    /// `min_rx`, microseconds.
    pub min_rx: u32,
    /// `min_tx`, microseconds.
    pub min_tx: u32,
    /// `idle_tx`, microseconds.
    pub idle_tx: u32,
    /// `multiplier`.
    pub multiplier: u8,
    /// `passive`.
    pub passive: bool,
    /// `ttl`/`hoplimit`; 0 until given.
    pub ttl: u8,
    /// `max_hops` (keepalived keeps it in a `uint8_t`, so -1 is 255).
    pub max_hops: u8,
    /// `weight` (VRRP process).
    pub weight: i32,
    /// `weight N reverse`.
    pub weight_reverse: bool,
    /// The `neighbor_ip`/`source_ip` lines the BFD process read, as written.
    pub address_lines: Vec<Vec<String>>,
    /// `vrrp` was given.
    pub event_vrrp: bool,
    /// `checker` was given.
    pub event_checker: bool,
}

/// Handler state while a `bfd_instance` block is open.
#[derive(Debug, Default)]
pub struct State {
    /// The open block.
    pub cur: Option<BfdDraft>,
    /// keepalived's static `neighbor_str`: its test looks at the address word instead of the
    /// keyword, so it only switches to "neighbour" (for the rest of the file) when the address
    /// is literally `neighbour_ip`.
    pub neighbour_spelling: bool,
    /// Names in the VRRP process's list (an index over the kept instances).
    pub vrrp_names: HashSet<String>,
    /// Names in the checker's list.
    pub checker_names: HashSet<String>,
    /// Names of the BFD process's sessions.
    pub session_names: HashSet<String>,
    /// The BFD process's sessions by neighbour: their source addresses.
    pub sessions_by_neighbor: HashMap<IpAddr, Vec<Option<IpAddr>>>,
}

impl State {
    /// "neighbor" or "neighbour", as keepalived words its BFD messages at this point.
    pub fn neighbor_str(&self) -> &'static str {
        if self.neighbour_spelling {
            "neighbour"
        } else {
            "neighbor"
        }
    }
}

fn bfd_handler(p: &mut Parser<'_>, w: &Words) -> HResult {
    // keepalived's VRRP process reads the name with strvec_slot() (a missing parameter); its
    // BFD and checker processes dereference the missing word and crash.
    let name = w.get(1)?.to_string();
    let st = &p.b.bfd;
    let too_long = name.len() > defaults::NAME_MAX;
    let checker_dup = st.checker_names.contains(&name);
    let vrrp_dup = !too_long && st.vrrp_names.contains(&name);
    let bfd_dup = !too_long && st.session_names.contains(&name);

    if checker_dup || vrrp_dup {
        p.report(Level::GeneralError, format!("BFD {name} already specified"));
    }
    if too_long {
        p.report(Level::GeneralError, format!("BFD name {name} too long"));
        p.report(
            Level::GeneralError,
            format!(
                "Configuration error: BFD instance {name} name too long (maximum length is {} characters) - ignoring",
                defaults::NAME_MAX
            ),
        );
    }
    if bfd_dup {
        p.report(
            Level::GeneralError,
            format!("Configuration error: BFD instance {name} already configured - ignoring"),
        );
    }
    let draft = BfdDraft {
        name,
        origin: Origin(w.loc.clone()),
        in_bfd: !too_long && !bfd_dup,
        in_vrrp: !too_long && !vrrp_dup,
        in_checker: !checker_dup,
        neighbor: None,
        source: None,
        min_rx: defaults::MIN_RX_US,
        min_tx: defaults::MIN_TX_US,
        idle_tx: defaults::IDLE_TX_US,
        multiplier: defaults::MULTIPLIER,
        passive: false,
        ttl: 0,
        max_hops: 0,
        weight: 0,
        weight_reverse: false,
        address_lines: Vec::new(),
        event_vrrp: false,
        event_checker: false,
    };
    if !draft.in_bfd && !draft.in_vrrp && !draft.in_checker {
        // Every process skips the block.
        p.skip_block(true);
        p.b.bfd.cur = None;
    } else {
        p.b.bfd.cur = Some(draft);
    }
    Ok(())
}

/// keepalived's `inet_stosockaddr()` without a port: the family comes from the presence of a
/// ':', anything from the first '-' (else '/') on is ignored, then `inet_pton()`.
pub fn parse_sockaddr(word: &str) -> Option<IpAddr> {
    let v6 = word.contains(':');
    let cut = word.find('-').or_else(|| word.find('/')).unwrap_or(word.len());
    let ip = &word[..cut];
    if v6 {
        ip.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6)
    } else {
        ip.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
    }
}

/// The open block if the BFD process is reading it.
fn bfd_cur(p: &Parser<'_>) -> Option<String> {
    p.b.bfd.cur.as_ref().filter(|d| d.in_bfd).map(|d| d.name.clone())
}

fn nbrip(p: &mut Parser<'_>, w: &Words) -> HResult {
    let Some(name) = bfd_cur(p) else { return Ok(()) };
    let word = w.get(1)?.to_string();
    if let Some(d) = p.b.bfd.cur.as_mut() {
        d.address_lines.push(w.words.clone());
    }
    if word == "neighbour_ip" {
        p.b.bfd.neighbour_spelling = true;
    }
    match parse_sockaddr(&word) {
        Some(a) => {
            if let Some(d) = p.b.bfd.cur.as_mut() {
                d.neighbor = Some(a);
            }
        }
        None => {
            let ns = p.b.bfd.neighbor_str();
            p.report(
                Level::GeneralError,
                format!(
                    "Configuration error: BFD instance {name} has malformed {ns} address {word}, ignoring instance"
                ),
            );
            if let Some(d) = p.b.bfd.cur.as_mut() {
                d.in_bfd = false;
                if !d.in_vrrp && !d.in_checker {
                    p.skip_block(false);
                }
            }
        }
    }
    Ok(())
}

fn srcip(p: &mut Parser<'_>, w: &Words) -> HResult {
    let Some(name) = bfd_cur(p) else { return Ok(()) };
    let word = w.get(1)?.to_string();
    if let Some(d) = p.b.bfd.cur.as_mut() {
        d.address_lines.push(w.words.clone());
    }
    match parse_sockaddr(&word) {
        Some(a) => {
            if let Some(d) = p.b.bfd.cur.as_mut() {
                d.source = Some(a);
            }
        }
        None => p.report(
            Level::GeneralError,
            format!("Configuration error: BFD instance {name} has malformed source address {word}, ignoring"),
        ),
    }
    Ok(())
}

/// Which interval an interval keyword sets.
#[derive(Clone, Copy)]
enum Interval {
    MinRx,
    MinTx,
    IdleTx,
}

fn interval(p: &mut Parser<'_>, w: &Words, which: Interval) -> HResult {
    let Some(name) = bfd_cur(p) else { return Ok(()) };
    let word = w.get(1)?.to_string();
    let (kw_name, min_ms) = match which {
        Interval::MinRx => ("min_rx", 1u32),
        Interval::MinTx => ("min_tx", 1),
        Interval::IdleTx => ("idle_tx", 1000),
    };
    let max_ms = u32::MAX / 1000;
    let Some(v) = values::read_decimal(p, &word, u64::from(min_ms) * 1000, u64::from(max_ms) * 1000, 3, false) else {
        p.report(
            Level::GeneralError,
            format!(
                "Configuration error: BFD instance {name} {kw_name} value {word} is not valid (must be in range [{min_ms}-{max_ms}]), ignoring"
            ),
        );
        return Ok(());
    };
    // In range, so it fits keepalived's `unsigned`.
    let v = v as u32;
    if let Some(d) = p.b.bfd.cur.as_mut() {
        match which {
            Interval::MinRx => d.min_rx = v,
            Interval::MinTx => d.min_tx = v,
            Interval::IdleTx => d.idle_tx = v,
        }
    }
    if v > defaults::INTERVAL_MAX_SENSIBLE_MS * 1000 {
        p.report(
            Level::Info,
            format!(
                "Configuration warning: BFD instance {name} {kw_name} value {word} is larger than max sensible ({})",
                defaults::INTERVAL_MAX_SENSIBLE_MS
            ),
        );
    }
    Ok(())
}

fn minrx(p: &mut Parser<'_>, w: &Words) -> HResult {
    interval(p, w, Interval::MinRx)
}

fn mintx(p: &mut Parser<'_>, w: &Words) -> HResult {
    interval(p, w, Interval::MinTx)
}

fn idletx(p: &mut Parser<'_>, w: &Words) -> HResult {
    interval(p, w, Interval::IdleTx)
}

fn multiplier(p: &mut Parser<'_>, w: &Words) -> HResult {
    let Some(name) = bfd_cur(p) else { return Ok(()) };
    let word = w.get(1)?.to_string();
    match values::read_unsigned(p, &word, 1, 255, false) {
        Some(v) => {
            if let Some(d) = p.b.bfd.cur.as_mut() {
                d.multiplier = v as u8;
            }
        }
        None => p.report(
            Level::GeneralError,
            format!(
                "Configuration error: BFD instance {name} multiplier value {word} not valid (must be in range [1-255]), ignoring"
            ),
        ),
    }
    Ok(())
}

fn passive(p: &mut Parser<'_>, _w: &Words) -> HResult {
    if let Some(d) = p.b.bfd.cur.as_mut().filter(|d| d.in_bfd) {
        d.passive = true;
    }
    Ok(())
}

fn ttl(p: &mut Parser<'_>, w: &Words) -> HResult {
    let Some(name) = bfd_cur(p) else { return Ok(()) };
    let word = w.get(1)?.to_string();
    match values::read_unsigned(p, &word, 1, 255, false) {
        Some(v) => {
            if let Some(d) = p.b.bfd.cur.as_mut() {
                d.ttl = v as u8;
            }
        }
        None => p.report(
            Level::GeneralError,
            format!(
                "Configuration error: BFD instance {name} ttl/hoplimit value {word} not valid (must be in range [1-255]), ignoring"
            ),
        ),
    }
    Ok(())
}

fn maxhops(p: &mut Parser<'_>, w: &Words) -> HResult {
    let Some(name) = bfd_cur(p) else { return Ok(()) };
    let word = w.get(1)?.to_string();
    match values::read_int(p, &word, -1, 255, false) {
        Some(v) => {
            if let Some(d) = p.b.bfd.cur.as_mut() {
                // keepalived stores it in a uint8_t: -1 becomes 255.
                d.max_hops = v as u8;
            }
        }
        None => p.report(
            Level::GeneralError,
            format!(
                "Configuration error: BFD instance {name} max_hops value {word} not valid (must be in range [-1-255]), ignoring"
            ),
        ),
    }
    Ok(())
}

fn weight(p: &mut Parser<'_>, w: &Words) -> HResult {
    // Only the VRRP process reads the weight.
    let Some(name) = p.b.bfd.cur.as_ref().filter(|d| d.in_vrrp).map(|d| d.name.clone()) else {
        return Ok(());
    };
    let word = w.get(1)?.to_string();
    let value = values::read_int(p, &word, -253, 253, true);
    if value.is_none() {
        p.report(
            Level::GeneralError,
            format!(
                "Configuration error: BFD instance {name} weight value {word} not valid (must be in range [-253-253]), ignoring"
            ),
        );
    }
    let mut reverse = false;
    if let Some(opt) = w.opt(2) {
        if opt == "reverse" {
            reverse = true;
        } else {
            p.report(
                Level::GeneralError,
                format!("Configuration error: BFD instance {name} unknown weight option {opt}"),
            );
        }
    }
    if let Some(d) = p.b.bfd.cur.as_mut() {
        if let Some(v) = value {
            d.weight = v;
        }
        d.weight_reverse |= reverse;
    }
    Ok(())
}

fn event_vrrp(p: &mut Parser<'_>, _w: &Words) -> HResult {
    if let Some(d) = p.b.bfd.cur.as_mut() {
        d.event_vrrp = true;
    }
    Ok(())
}

fn event_checker(p: &mut Parser<'_>, _w: &Words) -> HResult {
    if let Some(d) = p.b.bfd.cur.as_mut() {
        d.event_checker = true;
    }
    Ok(())
}

fn bfd_end(p: &mut Parser<'_>) {
    if let Some(draft) = p.b.bfd.cur.take() {
        validate::bfd::end_bfd_instance(p, draft);
    }
}

static BFD_KEYWORDS: &[Keyword] = &[
    kw("source_ip", srcip),
    kw("neighbor_ip", nbrip),
    kw("neighbour_ip", nbrip),
    kw("min_rx", minrx),
    kw("min_tx", mintx),
    kw("idle_tx", idletx),
    kw("multiplier", multiplier),
    kw("passive", passive),
    kw("ttl", ttl),
    kw("hoplimit", ttl),
    kw("max_hops", maxhops),
    kw("weight", weight),
    kw("vrrp", event_vrrp),
    kw("checker", event_checker),
];

/// `bfd_instance NAME { ... }`.
pub static BFD_INSTANCE: Block = Block::new("bfd_instance", &[BFD_KEYWORDS], Some(bfd_end));

/// Top-level keywords of this family.
pub static ROOT: &[Keyword] = &[kw_block("bfd_instance", Some(bfd_handler), &BFD_INSTANCE)];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockaddr_as_keepalived() {
        assert_eq!(parse_sockaddr("10.0.0.1"), Some("10.0.0.1".parse().unwrap()));
        assert_eq!(parse_sockaddr("10.0.0.1/24"), Some("10.0.0.1".parse().unwrap()));
        assert_eq!(parse_sockaddr("10.0.0.1-5"), Some("10.0.0.1".parse().unwrap()));
        assert_eq!(parse_sockaddr("fe80::1/64"), Some("fe80::1".parse().unwrap()));
        assert_eq!(parse_sockaddr("10.0.0.x"), None);
        assert_eq!(parse_sockaddr("10.0.0"), None);
        assert_eq!(parse_sockaddr("010.0.0.1"), None);
        assert_eq!(parse_sockaddr(""), None);
        // The family is decided before the mask is cut off.
        assert_eq!(parse_sockaddr("10.0.0.1/::"), None);
    }
}
