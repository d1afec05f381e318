//! Reloads and VRRP child restarts on the simulated segment of [`super::engine`]: a node's
//! engine reloaded with a new configuration (the plan's adverts delivered to the other nodes
//! after `DELAY`, as the segment does), killed (silent, its timers gone) and respawned with
//! the states its parent recorded.

use std::time::Duration;

use keepalived_rs::vrrp::engine::{Engine, EngineOptions};
use keepalived_rs::vrrp::event::{Action, Event, RxPacket, State};
use keepalived_rs::vrrp::reload::{DeletedNotify, InstanceState, NetRemoval, ReloadPlan, ReloadStep, Resume};

use super::engine::{DELAY, Sim, config};

/// The options `Sim::new` gives its engines.
pub fn opts() -> EngineOptions {
    EngineOptions {
        log_detail: true,
        ..EngineOptions::default()
    }
}

/// Reloads node `n` with `text` now: the plan's actions are recorded as the node's own (at the
/// current time) and its adverts reach the other nodes after `DELAY`.
pub fn reload(sim: &mut Sim, n: usize, text: &str) -> ReloadPlan {
    let cfg = config(text);
    let now = sim.now;
    let ifs = sim.nodes[n].ifs.clone();
    let plan = sim.nodes[n].engine.reload(cfg.clone(), ifs, now);
    sim.nodes[n].cfg = cfg;
    for a in plan.actions() {
        if let Action::Send(tx) = a {
            let ifname = if tx.ifname.is_empty() { "eth0" } else { &tx.ifname };
            for m in 0..sim.nodes.len() {
                let node = &sim.nodes[m];
                if m == n || node.cut || !node.started {
                    continue;
                }
                let ours = node
                    .ifs
                    .iter()
                    .any(|f| f.ipv4.map(Into::into) == Some(tx.dst) || f.ipv6_ll.map(Into::into) == Some(tx.dst));
                if tx.dst.is_multicast() || ours {
                    let rx = RxPacket {
                        ifname: ifname.to_string(),
                        family: tx.family,
                        src: tx.src,
                        dst: tx.dst,
                        ttl: tx.ttl,
                        data: tx.data.clone(),
                    };
                    sim.at(now + DELAY, m, Event::Packet(rx));
                }
            }
        }
        sim.nodes[n].record.push((now, a.clone()));
    }
    plan
}

/// Every removal of a plan, merged.
pub fn removed(plan: &ReloadPlan) -> NetRemoval {
    plan.removed()
}

/// The removed addresses as `addr dev` strings.
pub fn removed_addresses(plan: &ReloadPlan) -> Vec<String> {
    plan.removed()
        .addresses
        .iter()
        .map(|(a, d)| format!("{} {d}", a.addr))
        .collect()
}

/// The deleted-instance notifies of a plan.
pub fn deleted(plan: &ReloadPlan) -> Vec<DeletedNotify> {
    plan.steps
        .iter()
        .filter_map(|s| match s {
            ReloadStep::Deleted(d) => Some(d.clone()),
            _ => None,
        })
        .collect()
}

/// The log texts of a plan, in order.
pub fn plan_texts(plan: &ReloadPlan) -> Vec<String> {
    plan.actions()
        .filter_map(|a| match a {
            Action::Log(l) => Some(l.text.clone()),
            _ => None,
        })
        .collect()
}

/// Kills node `n`'s VRRP child now: it goes silent and its timers stop. Returns what its
/// parent recorded (the states after its last batch).
pub fn kill(sim: &mut Sim, n: usize) -> Vec<InstanceState> {
    let states = sim.nodes[n].engine.states();
    let node = &mut sim.nodes[n];
    node.engine = Engine::new(node.cfg.clone(), node.ifs.clone(), opts());
    node.started = false;
    states
}

/// Respawns node `n`'s VRRP child now, handing over `states` recorded when the old one died
/// at `died`. Returns what [`Engine::resuming`] announced before the start.
pub fn respawn(sim: &mut Sim, n: usize, states: &[InstanceState], died: Duration) -> Vec<usize> {
    let gap = sim.now - died;
    let entries: Vec<Resume> = states.iter().cloned().map(|s| s.resume(gap)).collect();
    respawn_with(sim, n, entries)
}

/// Respawns node `n`'s VRRP child now with these hand-over entries.
pub fn respawn_with(sim: &mut Sim, n: usize, entries: Vec<Resume>) -> Vec<usize> {
    let now = sim.now;
    let node = &mut sim.nodes[n];
    let mut e = Engine::new(node.cfg.clone(), node.ifs.clone(), opts());
    e.set_resume(entries, now);
    let announced = e.resuming(now);
    node.engine = e;
    sim.start(n);
    announced
}

/// The times node `n` entered or left MASTER for instance `i`, from its log: `(time, master)`.
pub fn master_changes(sim: &Sim, n: usize, name: &str) -> Vec<(Duration, bool)> {
    sim.logs(n)
        .into_iter()
        .filter_map(|(t, l)| {
            let rest = l.text.strip_prefix(&format!("({name}) "))?;
            if rest.starts_with("Entering MASTER STATE") || rest.starts_with("Resuming MASTER STATE") {
                Some((t, true))
            } else if rest.starts_with("Entering BACKUP STATE") || rest.starts_with("Entering FAULT STATE") {
                Some((t, false))
            } else {
                None
            }
        })
        .collect()
}

/// Node `n`'s instance `i` notifies after time `t`.
pub fn notifies_after(sim: &Sim, n: usize, i: usize, t: Duration) -> Vec<(Duration, State)> {
    sim.inotifies(n, i).into_iter().filter(|x| x.0 > t).collect()
}
