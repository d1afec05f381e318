//! Which checkers of a reloaded configuration continue old ones, as keepalived's
//! `clear_diff_services()` pairs them (ipwrapper.c): the virtual server by `vs_iseq()`, the
//! real server by `rs_iseq()`, then `migrate_checkers()` pairs each new checker with the first
//! old checker of that real server of the same kind that compares equal. Pure: the scheduler
//! ([`Scheduler::reload`](super::Scheduler::reload)) applies it.

use std::collections::BTreeMap;

use crate::check::event::CheckerId;
use crate::config::model::check::{CheckConfig, RealServer, VirtualServer, VsKey};

/// A real server by its place in the configuration: (virtual server, real server) indices.
pub type RsIndex = (usize, usize);

/// The pairing of a reload: new identities to old ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Carry {
    /// Each real server of the new configuration that was already there (`rs->reloaded`).
    pub real_servers: BTreeMap<RsIndex, RsIndex>,
    /// Each checker of the new configuration that continues an old one.
    pub checkers: BTreeMap<CheckerId, CheckerId>,
}

impl Carry {
    /// Pairs the checkers of `new` with those of `old`.
    pub fn between(old: &CheckConfig, new: &CheckConfig) -> Carry {
        let mut carry = Carry::default();
        for (nvi, nvs) in new.virtual_servers.iter().enumerate() {
            // vs_exist(): the first old virtual server that is the same.
            let Some((ovi, ovs)) = old.virtual_servers.iter().enumerate().find(|(_, o)| vs_iseq(o, nvs)) else {
                continue;
            };
            for (nri, nrs) in nvs.real_servers.iter().enumerate() {
                let Some((ori, ors)) = ovs.real_servers.iter().enumerate().find(|(_, o)| rs_iseq(o, nrs)) else {
                    continue;
                };
                carry.real_servers.insert((nvi, nri), (ovi, ori));
                for (nci, nc) in nrs.checkers.iter().enumerate() {
                    // The checker's compare(): the same kind, settings and connection options
                    // (the rule the pool's migration uses too, so both agree).
                    if let Some(oci) = ors.checkers.iter().position(|oc| oc.kind == nc.kind && oc.co == nc.co) {
                        let id = |vs, rs, checker| CheckerId { vs, rs, checker };
                        carry.checkers.insert(id(nvi, nri, nci), id(ovi, ori, oci));
                    }
                }
            }
        }
        carry
    }
}

/// keepalived's `vs_iseq()`: the same group and member, or the same fwmark and family, or the
/// same family, protocol, address and port.
pub fn vs_iseq(a: &VirtualServer, b: &VirtualServer) -> bool {
    match (&a.key, &b.key) {
        (VsKey::Group { name: na, member: ma }, VsKey::Group { name: nb, member: mb }) => na == nb && ma == mb,
        (VsKey::Group { .. }, _) | (_, VsKey::Group { .. }) => false,
        _ if a.family != b.family => false,
        (VsKey::Fwmark(x), VsKey::Fwmark(y)) => x == y,
        (VsKey::Addr { ip: ia, port: pa }, VsKey::Addr { ip: ib, port: pb }) => {
            a.protocol == b.protocol && ia == ib && pa == pb
        }
        _ => false,
    }
}

/// keepalived's `rs_iseq()`: the same address and port.
pub fn rs_iseq(a: &RealServer, b: &RealServer) -> bool {
    a.ip == b.ip && a.port == b.port
}
