//! Validation of `bfd_instance` blocks. keepalived checks each block when it closes
//! (`bfd_end_handler()` in the BFD process, `bfd_vrrp_end_handler()` and
//! `bfd_checker_end_handler()` in the others); `bfd_complete_init()` only sets up session
//! state and does not run under `-t`, so the post-parse phase has nothing to add.

use std::net::IpAddr;

use crate::config::LoadOptions;
use crate::config::builder::Builder;
use crate::config::diag::{Diagnostics, Level};
use crate::config::keywords::bfd::BfdDraft;
use crate::config::model::bfd::{BfdEvents, BfdInstance, BfdSession, BfdVrrpTrack, defaults, format_addr};
use crate::config::parser::Parser;
use crate::config::system::System;

/// keepalived's `find_bfd_by_addr()` at configuration time: an accepted session with the same
/// neighbour clashes unless both have different source addresses. `sources` are the source
/// addresses of the accepted sessions with this neighbour.
fn clashes(sources: &[Option<IpAddr>], src: Option<IpAddr>) -> bool {
    sources.iter().any(|s| match (s, src) {
        (None, _) | (_, None) => true,
        (Some(a), Some(b)) => *a == b,
    })
}

/// The BFD process's end handler: the session, or `None` after reporting why it is refused.
fn bfd_session(p: &mut Parser<'_>, d: &BfdDraft) -> Option<BfdSession> {
    let name = &d.name;
    let ns = p.b.bfd.neighbor_str();
    let Some(nbr) = d.neighbor else {
        p.report(
            Level::GeneralError,
            format!("Configuration error: BFD instance {name} has no {ns} address set, disabling instance"),
        );
        return None;
    };
    if let Some(src) = d.source {
        if src.is_ipv4() != nbr.is_ipv4() {
            // keepalived formats both addresses into one static buffer, so both read as the
            // source address.
            let s = format_addr(&src);
            p.report(
                Level::GeneralError,
                format!(
                    "Configuration error: BFD instance {name} source address {s} and {ns} address {s} are not of the same family, disabling instance"
                ),
            );
            return None;
        }
    }
    let dup =
        p.b.bfd
            .sessions_by_neighbor
            .get(&nbr)
            .is_some_and(|sources| clashes(sources, d.source));
    if dup {
        let msg = match d.source {
            Some(src) => format!(
                "Configuration error: BFD instance {name} has duplicate source/{ns} address {}/{}, ignoring instance",
                format_addr(&src),
                format_addr(&nbr)
            ),
            None => format!(
                "Configuration error: BFD instance {name} has duplicate {ns} address {}, ignoring instance",
                format_addr(&nbr)
            ),
        };
        p.report(Level::GeneralError, msg);
        return None;
    }
    let ttl = if d.ttl != 0 {
        d.ttl
    } else if nbr.is_ipv4() {
        defaults::TTL_V4
    } else {
        defaults::HOPLIMIT_V6
    };
    let mut max_hops = d.max_hops;
    if max_hops > ttl {
        p.report(
            Level::GeneralError,
            format!("BFD instance {name}: max_hops exceeds ttl/hoplimit - setting to ttl/hoplimit"),
        );
        max_hops = ttl;
    }
    Some(BfdSession {
        neighbor: nbr,
        source: d.source,
        min_rx: d.min_rx,
        min_tx: d.min_tx,
        idle_tx: d.idle_tx,
        multiplier: d.multiplier,
        passive: d.passive,
        ttl,
        max_hops,
    })
}

/// The end of a `bfd_instance` block in each process; the block is kept if any process keeps it.
pub fn end_bfd_instance(p: &mut Parser<'_>, d: BfdDraft) {
    let specified = d.event_vrrp || d.event_checker;
    let events = if specified {
        BfdEvents {
            vrrp: d.event_vrrp,
            checker: d.event_checker,
        }
    } else {
        BfdEvents::default()
    };
    let session = if d.in_bfd { bfd_session(p, &d) } else { None };
    let vrrp = (d.in_vrrp && events.vrrp).then(|| BfdVrrpTrack {
        weight: d.weight,
        weight_reverse: d.weight_reverse,
        tracking_vrrp: Vec::new(),
    });
    let checker = d.in_checker && events.checker;
    if session.is_none() && vrrp.is_none() && !checker {
        return;
    }
    let st = &mut p.b.bfd;
    if let Some(s) = &session {
        st.session_names.insert(d.name.clone());
        st.sessions_by_neighbor.entry(s.neighbor).or_default().push(s.source);
    }
    if vrrp.is_some() {
        st.vrrp_names.insert(d.name.clone());
    }
    if checker {
        st.checker_names.insert(d.name.clone());
    }
    let refused_address_lines = if session.is_none() { d.address_lines } else { Vec::new() };
    p.b.cfg.bfd.instances.push(BfdInstance {
        name: d.name,
        session,
        vrrp,
        checker,
        events,
        refused_address_lines,
        origin: d.origin,
    });
}

/// Post-parse completion of the BFD configuration: nothing is left to check under `-t`.
pub fn complete(_b: &mut Builder, _sys: &dyn System, _opts: &LoadOptions, _diags: &mut Diagnostics) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_clashes_as_find_bfd_by_addr() {
        let a = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        let with_src = [a("10.0.0.7")];
        assert!(!clashes(&with_src, a("10.0.0.8")));
        assert!(clashes(&with_src, a("10.0.0.7")));
        assert!(clashes(&with_src, None));
        assert!(clashes(&[None], a("10.0.0.9")));
        assert!(!clashes(&[], None));
    }
}
