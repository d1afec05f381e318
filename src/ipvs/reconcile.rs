//! From the table we want and the table the kernel has (or had) to the fewest IPVS commands,
//! in a safe order.
//!
//! Ownership follows keepalived: at start only the services the configuration declares are
//! touched (everything with `lvs_flush`); at reload only the differences between the old and
//! the new wanted tables are applied; at stop what we own is removed (unless `-I`), or the
//! whole table is flushed with `lvs_flush_on_stop`.
//!
//! Order: deleted services first, then per wanted service the service itself (new or changed)
//! before its destinations, and within a service the destinations that go before those that
//! change or come (so a sorry server swap never needs room for both). Deleting a service
//! deletes its destinations in the kernel, so no `DelDest` precedes a `DelService`.

use std::collections::HashMap;

use super::desired::SVC_F_HASHED;
use super::model::{Command, Dest, DestKey, Service, ServiceEntry, ServiceKey, Table};
use crate::config::model::global::LvsFlushOnStop;

/// Whether two services have the same settings, as far as `IPVS_CMD_SET_SERVICE` can change
/// them (the kernel adds `IP_VS_SVC_F_HASHED` to whatever it reads back; an empty persistence
/// engine is none).
pub fn service_same(a: &Service, b: &Service) -> bool {
    a.key == b.key
        && a.scheduler == b.scheduler
        && (a.flags & !SVC_F_HASHED) == (b.flags & !SVC_F_HASHED)
        && a.timeout == b.timeout
        && a.netmask == b.netmask
        && a.pe_name.as_deref().unwrap_or("") == b.pe_name.as_deref().unwrap_or("")
}

/// Whether two destinations have the same settings.
pub fn dest_same(a: &Dest, b: &Dest) -> bool {
    a == b
}

fn index(t: &Table) -> HashMap<ServiceKey, &ServiceEntry> {
    t.services.iter().map(|e| (e.service.key, e)).collect()
}

/// The commands that bring the destinations of `have` to those of `want` (one service).
fn dest_diff(key: ServiceKey, have: &[Dest], want: &[Dest], out: &mut Vec<Command>) {
    let have_map: HashMap<DestKey, &Dest> = have.iter().map(|d| (d.key, d)).collect();
    let want_keys: std::collections::HashSet<DestKey> = want.iter().map(|d| d.key).collect();
    for d in have {
        if !want_keys.contains(&d.key) {
            out.push(Command::DelDest(key, d.key));
        }
    }
    for d in want {
        match have_map.get(&d.key) {
            Some(h) if dest_same(h, d) => {}
            Some(_) => out.push(Command::SetDest(key, *d)),
            None => out.push(Command::NewDest(key, *d)),
        }
    }
}

/// The commands that make the services of `want` exactly so in a kernel holding `have`,
/// deleting the services of `have` that `del` accepts and `want` lacks.
fn diff_with(have: &Table, want: &Table, del: impl Fn(&ServiceKey) -> bool) -> Vec<Command> {
    let mut out = Vec::new();
    let want_idx = index(want);
    for e in &have.services {
        if !want_idx.contains_key(&e.service.key) && del(&e.service.key) {
            out.push(Command::DelService(e.service.key));
        }
    }
    let have_idx = index(have);
    for w in &want.services {
        match have_idx.get(&w.service.key) {
            None => {
                out.push(Command::NewService(w.service.clone()));
                dest_diff(w.service.key, &[], &w.dests, &mut out);
            }
            Some(h) => {
                if !service_same(&h.service, &w.service) {
                    out.push(Command::SetService(w.service.clone()));
                }
                dest_diff(w.service.key, &h.dests, &w.dests, &mut out);
            }
        }
    }
    out
}

/// The smallest commands turning `from` into `to` when we own both (reload: the old wanted
/// table into the new one; also the pool's own changes).
pub fn diff(from: &Table, to: &Table) -> Vec<Command> {
    diff_with(from, to, |_| true)
}

/// At start: with `lvs_flush` a flush and then everything wanted; otherwise only the wanted
/// services are created or corrected (leftover destinations in them removed), and services
/// the configuration does not declare are left alone.
pub fn start(want: &Table, kernel: &Table, lvs_flush: bool) -> Vec<Command> {
    if lvs_flush {
        let mut out = vec![Command::Flush];
        out.extend(diff(&Table::default(), want));
        return out;
    }
    diff_with(kernel, want, |_| false)
}

/// At reload: the differences between the old and the new wanted tables, and nothing else.
pub fn reload(old_want: &Table, new_want: &Table) -> Vec<Command> {
    diff(old_want, new_want)
}

/// At stop: nothing with `-I` (`keep_ipvs`); `FLUSH` with `lvs_flush_on_stop`; otherwise the
/// services we own are deleted (`lvs_flush_on_stop VS` deletes them the same way).
pub fn stop(owned: &Table, flush_on_stop: LvsFlushOnStop, keep_ipvs: bool) -> Vec<Command> {
    if keep_ipvs {
        return Vec::new();
    }
    match flush_on_stop {
        LvsFlushOnStop::Full => vec![Command::Flush],
        LvsFlushOnStop::Disabled | LvsFlushOnStop::Vs => owned
            .services
            .iter()
            .map(|e| Command::DelService(e.service.key))
            .collect(),
    }
}

/// Applies commands to a table as the kernel would (for tests and for keeping a mirror of the
/// kernel without reading it back). Errors the kernel would return (EEXIST, ENOENT) leave the
/// table unchanged, as keepalived ignores them.
pub fn apply(t: &mut Table, cmds: &[Command]) {
    for c in cmds {
        apply_one(t, c);
    }
}

fn find<'a>(t: &'a mut Table, key: &ServiceKey) -> Option<&'a mut ServiceEntry> {
    t.services.iter_mut().find(|e| e.service.key == *key)
}

fn apply_one(t: &mut Table, c: &Command) {
    match c {
        Command::NewService(s) => {
            if find(t, &s.key).is_none() {
                t.services.push(ServiceEntry {
                    service: s.clone(),
                    dests: Vec::new(),
                });
            }
        }
        Command::SetService(s) => {
            if let Some(e) = find(t, &s.key) {
                e.service = s.clone();
            }
        }
        Command::DelService(k) => t.services.retain(|e| e.service.key != *k),
        Command::NewDest(k, d) => {
            if let Some(e) = find(t, k)
                && !e.dests.iter().any(|o| o.key == d.key)
            {
                e.dests.push(*d);
            }
        }
        Command::SetDest(k, d) => {
            if let Some(e) = find(t, k)
                && let Some(o) = e.dests.iter_mut().find(|o| o.key == d.key)
            {
                *o = *d;
            }
        }
        Command::DelDest(k, dk) => {
            if let Some(e) = find(t, k) {
                e.dests.retain(|o| o.key != *dk);
            }
        }
        Command::Flush => t.services.clear(),
        Command::NewDaemon(_) | Command::DelDaemon { .. } | Command::SetTimeouts(_) | Command::Zero(_) => {}
    }
}

/// Whether two tables hold the same services and destinations, ignoring order and the
/// kernel's hashed flag (what "the kernel now matches" means).
pub fn same_table(a: &Table, b: &Table) -> bool {
    if a.services.len() != b.services.len() {
        return false;
    }
    let bi = index(b);
    a.services.iter().all(|e| match bi.get(&e.service.key) {
        Some(o) => {
            service_same(&e.service, &o.service)
                && e.dests.len() == o.dests.len()
                && e.dests.iter().all(|d| o.dests.iter().any(|x| dest_same(d, x)))
        }
        None => false,
    })
}
