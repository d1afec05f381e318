//! keepalived's `parse_nexthops()`: the `nexthop ...` tail of a route line.

use super::encap::parse_encap;
use super::helpers::{family_of, get_realms, get_unsigned, parse_ipaddress};
use super::route::Building;
use super::{Abort, error, interface_lookup};
use crate::config::model::net::Nexthop;
use crate::config::parser::{Parser, Words};

/// keepalived's `parse_nexthops()` from word `i` (a `nexthop`). A bad next hop is dropped with
/// its message but the route is kept, as in keepalived.
pub(super) fn parse_nexthops(p: &mut Parser<'_>, w: &Words, mut i: usize, b: &mut Building) -> Result<(), Abort> {
    let n = w.len();
    // keepalived declares this once for all next hops.
    let mut family = 0u8;
    while i < n && w.words[i] == "nexthop" {
        i += 1;
        let mut nh = Nexthop::default();
        while i < n {
            let s = w.words[i].as_str();
            match s {
                "via" => {
                    i += 1;
                    let mut v = w.get(i)?;
                    if v == "inet" || v == "inet6" {
                        family = if v == "inet" { 4 } else { 6 };
                        i += 1;
                        v = w.get(i)?;
                    }
                    if family != 0 {
                        if b.family == 0 {
                            b.family = family;
                        } else if b.family != family {
                            error(p, "IPv4/6 mismatch for nexthop");
                            return Ok(());
                        }
                    }
                    let Some((a, _)) = parse_ipaddress(p, v, false) else {
                        error(p, format!("invalid nexthop address {v}"));
                        return Ok(());
                    };
                    if b.family != 0 && family_of(&a) != b.family {
                        error(p, "Address family mismatch for next hop");
                        return Ok(());
                    }
                    if b.family == 0 {
                        b.family = family_of(&a);
                    }
                    nh.via = Some(a);
                }
                "dev" => {
                    i += 1;
                    let v = w.get(i)?;
                    if !interface_lookup(p, v) {
                        error(p, format!("WARNING - interface {v} for VROUTE nexthop doesn't exist"));
                        return Ok(());
                    }
                    nh.dev = Some(v.to_string());
                }
                "weight" => {
                    i += 1;
                    let v = w.get(i)?;
                    let Some(wt) = get_unsigned(p, v, 256, "Invalid weight %s specified for route") else {
                        return Ok(());
                    };
                    if wt == 0 {
                        error(p, "Invalid weight 0 specified for route");
                        return Ok(());
                    }
                    nh.weight = Some(wt as u16);
                }
                "onlink" => nh.onlink = true,
                "encap" => parse_encap(p, w, &mut i, &mut nh.encap),
                "realms" => {
                    i += 1;
                    let v = w.get(i)?;
                    let Some(r) = get_realms(p, v) else {
                        error(p, format!("Invalid realms {v} for route"));
                        return Ok(());
                    };
                    nh.realms = r;
                    if b.family == 0 {
                        b.family = 4;
                    } else if b.family != 4 {
                        error(p, "realms are only supported for IPv4");
                        return Ok(());
                    }
                }
                "as" => {
                    // keepalived also steps over a following `to`, but drops the hop anyway.
                    w.get(i + 1)?;
                    error(p, "'as [to]' (nat) not supported");
                    return Ok(());
                }
                _ => break,
            }
            i += 1;
        }
        b.r.nexthops.push(nh);
    }
    if i < n {
        error(
            p,
            format!("Route has trailing nonsense after nexthops - {}", w.words[i]),
        );
    }
    Ok(())
}
