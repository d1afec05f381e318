//! keepalived's `parse_encap()`: `encap mpls|ip|ip6|ila ...` of a route or next hop. Errors are
//! reported but never drop the route (keepalived ignores the parsers' return values), and the
//! word index moves exactly as keepalived moves it.

use super::error;
use super::helpers::{get_addr64, get_u64, get_unsigned, parse_ipaddress, parse_mpls_address};
use super::rt_find;
use super::rttables::RtKind;
use crate::config::model::net::{Encap, EncapKind};
use crate::config::parser::{Parser, Words};

/// Parses `encap TYPE ...` with `*i` at `encap`; leaves `*i` on the last word used, as
/// keepalived does before its loop's `i++`.
pub fn parse_encap(p: &mut Parser<'_>, w: &Words, i: &mut usize, encap: &mut Option<Encap>) {
    *i += 1;
    if w.len() <= *i {
        error(p, "Missing encap type");
        return;
    }
    let kind = w.words[*i].as_str();
    *i += 1;
    if !matches!(kind, "ip" | "ip6" | "mpls" | "ila") {
        error(p, format!("Unknown encap type - {kind}"));
        return;
    }
    // A second encap starts afresh (keepalived overlays the kinds in a union).
    let e = encap.insert(Encap::default());
    match kind {
        "ip" => parse_ip(p, w, i, e, false),
        "ip6" => parse_ip(p, w, i, e, true),
        "mpls" => parse_mpls(p, w, i, e),
        _ => parse_ila(p, w, i, e),
    }
    *i -= 1;
}

fn parse_mpls(p: &mut Parser<'_>, w: &Words, i: &mut usize, e: &mut Encap) {
    e.kind = EncapKind::Mpls;
    if *i >= w.len() {
        error(p, "missing address for MPLS encapsulation");
        return;
    }
    let s = w.words[*i].as_str();
    *i += 1;
    match parse_mpls_address(s) {
        Some(l) => e.labels = l,
        None => {
            e.labels.clear();
            e.refused = Some(s.to_string());
            error(p, format!("invalid mpls address {s} for encapsulation"));
        }
    }
}

fn parse_ila(p: &mut Parser<'_>, w: &Words, i: &mut usize, e: &mut Encap) {
    e.kind = EncapKind::Ila;
    if *i >= w.len() {
        error(p, "missing locator for ILA encapsulation");
        return;
    }
    let s = w.words[*i].as_str();
    *i += 1;
    match get_addr64(s) {
        Some(l) => e.locator = l,
        None => {
            e.refused = Some(s.to_string());
            error(p, format!("invalid locator {s} for ila encapsulation"));
        }
    }
}

/// The ip and ip6 encapsulations differ only in names, messages and the address family.
struct IpWords {
    kind: EncapKind,
    family_is6: bool,
    tos_key: &'static str,
    ttl_key: &'static str,
    id_msg: &'static str,
    dst_msg: &'static str,
    src_msg: &'static str,
    family_msg: &'static str,
    ttl_msg: &'static str,
    flags_msg: &'static str,
    missing_msg: &'static str,
}

const IP: IpWords = IpWords {
    kind: EncapKind::Ip,
    family_is6: false,
    tos_key: "tos",
    ttl_key: "ttl",
    id_msg: "encap id %s value is invalid",
    dst_msg: "Invalid encap ip dst",
    src_msg: "Invalid encap ip src",
    family_msg: "IPv6 address %s not valid for ip encapsulation",
    ttl_msg: "ttl %s is not valid for ip encapsulation",
    flags_msg: "flags %s is not valid for ip encapsulation",
    missing_msg: "address or id missing for ip encapsulation",
};

const IP6: IpWords = IpWords {
    kind: EncapKind::Ip6,
    family_is6: true,
    tos_key: "tc",
    ttl_key: "hoplimit",
    id_msg: "id %s value invalid for IPv6 encapsulation",
    dst_msg: "Invalid encap ip6 dst",
    src_msg: "Invalid encap ip6 src",
    family_msg: "IPv4 address %s not valid for ip6 encapsulation",
    ttl_msg: "Invalid hoplimit %s specified for ip6 encapsulation",
    flags_msg: "flags %s is not valid for ip6 encapsulation",
    missing_msg: "address or id missing for ip6 encapsulation",
};

fn parse_ip(p: &mut Parser<'_>, w: &Words, i: &mut usize, e: &mut Encap, is6: bool) {
    let t = if is6 { &IP6 } else { &IP };
    e.kind = t.kind;
    if parse_ip_pairs(p, w, i, e, t).is_none() {
        e.dst = None;
        e.src = None;
    }
}

/// The `KEY VALUE` pairs; `None` is keepalived's `goto err`.
fn parse_ip_pairs(p: &mut Parser<'_>, w: &Words, i: &mut usize, e: &mut Encap, t: &IpWords) -> Option<()> {
    while *i + 1 < w.len() {
        let key = w.words[*i].as_str();
        let val = w.words[*i + 1].as_str();
        match key {
            "id" => e.id = Some(get_u64(p, val, t.id_msg)?),
            "dst" | "src" => {
                if key == "dst" {
                    e.dst = None;
                } else {
                    e.src = None;
                }
                let Some((a, _)) = parse_ipaddress(p, val, false) else {
                    let m = if key == "dst" { t.dst_msg } else { t.src_msg };
                    error(p, format!("{m} {val}"));
                    return None;
                };
                if a.is_ipv6() != t.family_is6 {
                    error(p, t.family_msg.replacen("%s", val, 1));
                    return None;
                }
                if key == "dst" {
                    e.dst = Some(a);
                } else {
                    e.src = Some(a);
                }
            }
            k if k == t.tos_key => match rt_find(p, RtKind::Dsfield, val) {
                Some(v) => e.tos = Some((v & 0xff) as u8),
                None => {
                    if t.family_is6 {
                        // keepalived prints the key, not the value, here.
                        error(p, format!("tc value {key} is invalid for ip6 encapsulation"));
                    } else {
                        error(p, format!("dsfield {val} not valid for ip encapsulation"));
                    }
                    return None;
                }
            },
            k if k == t.ttl_key => e.ttl = Some(get_unsigned(p, val, 255, t.ttl_msg)? as u8),
            "flags" => e.flags = Some(get_unsigned(p, val, 65535, t.flags_msg)? as u16),
            _ => break,
        }
        *i += 2;
    }
    if e.dst.is_none() && e.id.is_none() {
        error(p, t.missing_msg);
        return None;
    }
    Some(())
}
