//! A simulated segment for the sans-IO VRRP engine: several `Engine`s on a virtual clock,
//! each advert delivered to the other nodes after a fixed delay (the bytes go through
//! `packet::build` and `packet::check` for real), with every action recorded.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::Duration;

use keepalived_rs::config::model::Config;
use keepalived_rs::config::system::HostWithInterfaces;
use keepalived_rs::config::{LoadOptions, load_str};
use keepalived_rs::log::LogLine;
use keepalived_rs::vrrp::engine::{Engine, EngineOptions};
use keepalived_rs::vrrp::event::{Action, Event, IfState, NotifyTarget, RxPacket, State, TxPacket};

/// Time an advert takes to reach the other nodes.
pub const DELAY: Duration = Duration::from_micros(100);

/// Seconds as a Duration (exact for the binary fractions the tests use).
pub fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// Microseconds as a Duration.
pub fn micros(us: u64) -> Duration {
    Duration::from_micros(us)
}

/// A configuration loaded as keepalived would, on a host with eth0..eth3.
pub fn config(text: &str) -> Arc<Config> {
    let l = load_str(text, &LoadOptions::default(), &HostWithInterfaces::eth0_to_eth3());
    Arc::new(l.config)
}

/// Node `n`'s IPv4 address on `ethK`: 10.0.K.(n+1).
pub fn addr4(n: usize, k: u8) -> Ipv4Addr {
    Ipv4Addr::new(10, 0, k, n as u8 + 1)
}

/// Node `n`'s link-local address on `ethK`.
pub fn addr6(n: usize, k: u8) -> Ipv6Addr {
    Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, u16::from(k), n as u16 + 1)
}

/// Node `n`'s interfaces eth0..eth3, all up.
pub fn interfaces(n: usize) -> Vec<IfState> {
    (0..4u8)
        .map(|k| IfState {
            name: format!("eth{k}"),
            index: u32::from(k) + 2,
            up: true,
            mac: [2, 0, 0, 0, k, n as u8 + 1],
            ipv4: Some(addr4(n, k)),
            ipv6_ll: Some(addr6(n, k)),
        })
        .collect()
}

/// One simulated host.
pub struct Node {
    /// Its engine.
    pub engine: Engine,
    /// Its configuration.
    pub cfg: Arc<Config>,
    /// Its interfaces as the simulation sees them.
    pub ifs: Vec<IfState>,
    /// Every action, with the time it came out.
    pub record: Vec<(Duration, Action)>,
    /// Cut off the segment without knowing it (a silent partition).
    pub cut: bool,
    /// `start()` was called.
    pub started: bool,
}

enum Item {
    Deliver(RxPacket),
    Event(Event),
    Start,
}

/// The segment and its clock.
pub struct Sim {
    /// Current time.
    pub now: Duration,
    /// The hosts.
    pub nodes: Vec<Node>,
    queue: Vec<(Duration, u64, usize, Item)>,
    seq: u64,
}

impl Sim {
    /// Nodes with these configurations and default options.
    pub fn new(confs: &[&str]) -> Sim {
        Sim::with_options(
            confs,
            EngineOptions {
                log_detail: true,
                ..EngineOptions::default()
            },
        )
    }

    /// Nodes with these configurations and options.
    pub fn with_options(confs: &[&str], opts: EngineOptions) -> Sim {
        let nodes = confs
            .iter()
            .enumerate()
            .map(|(n, text)| {
                let cfg = config(text);
                Node {
                    engine: Engine::new(cfg.clone(), interfaces(n), opts),
                    cfg,
                    ifs: interfaces(n),
                    record: Vec::new(),
                    cut: false,
                    started: false,
                }
            })
            .collect();
        Sim {
            now: Duration::ZERO,
            nodes,
            queue: Vec::new(),
            seq: 0,
        }
    }

    /// Starts every node now.
    pub fn start_all(&mut self) {
        for n in 0..self.nodes.len() {
            self.start(n);
        }
    }

    /// Starts node `n` now.
    pub fn start(&mut self, n: usize) {
        let now = self.now;
        let acts = self.nodes[n].engine.start(now);
        self.nodes[n].started = true;
        self.absorb(n, acts);
    }

    /// Schedules node `n`'s start.
    pub fn start_at(&mut self, t: Duration, n: usize) {
        self.push(t, n, Item::Start);
    }

    /// Handles an event on node `n` now.
    pub fn event(&mut self, n: usize, ev: Event) {
        let now = self.now;
        let acts = self.nodes[n].engine.handle(now, ev);
        self.absorb(n, acts);
    }

    /// Schedules an event on node `n`.
    pub fn at(&mut self, t: Duration, n: usize, ev: Event) {
        self.push(t, n, Item::Event(ev));
    }

    /// Sets a link up or down on node `n` now and tells its engine.
    pub fn set_link(&mut self, n: usize, ifname: &str, up: bool) {
        let s = {
            let f = self.nodes[n]
                .ifs
                .iter_mut()
                .find(|f| f.name == ifname)
                .expect("interface");
            f.up = up;
            f.clone()
        };
        self.event(n, Event::Interface(s));
    }

    /// A vrrp_script result on node `n` now.
    pub fn script(&mut self, n: usize, name: &str, status: i32) {
        use keepalived_rs::vrrp::event::ScriptOutcome;
        self.event(
            n,
            Event::ScriptResult {
                name: name.into(),
                outcome: ScriptOutcome::Exited(status),
            },
        );
    }

    fn push(&mut self, t: Duration, n: usize, item: Item) {
        self.seq += 1;
        self.queue.push((t, self.seq, n, item));
    }

    fn absorb(&mut self, n: usize, acts: Vec<Action>) {
        let now = self.now;
        for a in acts {
            if let Action::Send(tx) = &a {
                self.route(n, tx);
            }
            self.nodes[n].record.push((now, a));
        }
    }

    fn if_up(node: &Node, name: &str) -> bool {
        node.ifs.iter().find(|f| f.name == name).is_none_or(|f| f.up)
    }

    fn route(&mut self, from: usize, tx: &TxPacket) {
        let out_if = if tx.ifname.is_empty() { "eth0" } else { &tx.ifname };
        if self.nodes[from].cut || !Self::if_up(&self.nodes[from], out_if) {
            return;
        }
        for m in 0..self.nodes.len() {
            let node = &self.nodes[m];
            if m == from || node.cut || !node.started || !Self::if_up(node, out_if) {
                continue;
            }
            let ours = node
                .ifs
                .iter()
                .any(|f| f.ipv4.map(IpAddr::V4) == Some(tx.dst) || f.ipv6_ll.map(IpAddr::V6) == Some(tx.dst));
            if !tx.dst.is_multicast() && !ours {
                continue;
            }
            // A packet sent without an interface is routed out of eth0, the segment.
            let ifname = if tx.ifname.is_empty() {
                "eth0".to_string()
            } else {
                tx.ifname.clone()
            };
            let rx = RxPacket {
                ifname,
                family: tx.family,
                src: tx.src,
                dst: tx.dst,
                ttl: tx.ttl,
                data: tx.data.clone(),
            };
            let t = self.now + DELAY;
            self.push(t, m, Item::Deliver(rx));
        }
    }

    /// Runs until `end` (inclusive): queued items first at equal times, then timers.
    pub fn run_until(&mut self, end: Duration) {
        for _ in 0..10_000_000 {
            let q = self
                .queue
                .iter()
                .enumerate()
                .min_by_key(|(_, e)| (e.0, e.1))
                .map(|(k, e)| (e.0, k));
            let timer = self
                .nodes
                .iter()
                .enumerate()
                .filter_map(|(n, node)| node.engine.next_deadline().map(|d| (d, n)))
                .min();
            let take_queue = match (q, timer) {
                (Some((tq, _)), Some((tt, _))) => tq <= tt,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if take_queue {
                let (tq, k) = q.expect("queue");
                if tq > end {
                    break;
                }
                self.now = self.now.max(tq);
                let (_, _, n, item) = self.queue.remove(k);
                match item {
                    Item::Deliver(rx) => {
                        if !self.nodes[n].cut && Self::if_up(&self.nodes[n], &rx.ifname) {
                            self.event(n, Event::Packet(rx));
                        }
                    }
                    Item::Event(ev) => {
                        if let Event::Interface(s) = &ev {
                            if let Some(f) = self.nodes[n].ifs.iter_mut().find(|f| f.name == s.name) {
                                *f = s.clone();
                            }
                        }
                        self.event(n, ev);
                    }
                    Item::Start => self.start(n),
                }
            } else {
                let (tt, n) = timer.expect("timer");
                if tt > end {
                    break;
                }
                self.now = self.now.max(tt);
                let acts = self.nodes[n].engine.poll(tt);
                self.absorb(n, acts);
            }
        }
        self.now = self.now.max(end);
    }

    /// Runs for `d` more.
    pub fn run_for(&mut self, d: Duration) {
        let end = self.now + d;
        self.run_until(end);
    }

    /// Node `n`'s log lines with their times.
    pub fn logs(&self, n: usize) -> Vec<(Duration, LogLine)> {
        self.nodes[n]
            .record
            .iter()
            .filter_map(|(t, a)| match a {
                Action::Log(l) => Some((*t, l.clone())),
                _ => None,
            })
            .collect()
    }

    /// Node `n`'s log texts (detail ones too).
    pub fn texts(&self, n: usize) -> Vec<String> {
        self.logs(n).into_iter().map(|(_, l)| l.text).collect()
    }

    /// When node `n` logged exactly `text`.
    pub fn log_times(&self, n: usize, text: &str) -> Vec<Duration> {
        self.logs(n)
            .into_iter()
            .filter(|(_, l)| l.text == text)
            .map(|(t, _)| t)
            .collect()
    }

    /// The first time node `n` logged exactly `text`.
    pub fn first(&self, n: usize, text: &str) -> Option<Duration> {
        self.log_times(n, text).first().copied()
    }

    /// Node `n`'s notifies: (time, target, state, priority).
    pub fn notifies(&self, n: usize) -> Vec<(Duration, NotifyTarget, State, u8)> {
        self.nodes[n]
            .record
            .iter()
            .filter_map(|(t, a)| match a {
                Action::Notify {
                    target,
                    state,
                    priority,
                } => Some((*t, *target, *state, *priority)),
                _ => None,
            })
            .collect()
    }

    /// Node `n`'s instance notifies for instance `i`: (time, state).
    pub fn inotifies(&self, n: usize, i: usize) -> Vec<(Duration, State)> {
        self.notifies(n)
            .into_iter()
            .filter(|x| x.1 == NotifyTarget::Instance(i))
            .map(|x| (x.0, x.2))
            .collect()
    }

    /// Node `n`'s GARP blocks: (time, instance, count).
    pub fn announces(&self, n: usize) -> Vec<(Duration, usize, u32)> {
        self.nodes[n]
            .record
            .iter()
            .filter_map(|(t, a)| match a {
                Action::Announce { instance, count } => Some((*t, *instance, *count)),
                _ => None,
            })
            .collect()
    }

    /// Node `n`'s address actions: (time, instance, up).
    pub fn addresses(&self, n: usize) -> Vec<(Duration, usize, bool)> {
        self.nodes[n]
            .record
            .iter()
            .filter_map(|(t, a)| match a {
                Action::Addresses { instance, up } => Some((*t, *instance, *up)),
                _ => None,
            })
            .collect()
    }

    /// Node `n`'s packets sent.
    pub fn sends(&self, n: usize) -> Vec<(Duration, TxPacket)> {
        self.nodes[n]
            .record
            .iter()
            .filter_map(|(t, a)| match a {
                Action::Send(tx) => Some((*t, tx.clone())),
                _ => None,
            })
            .collect()
    }

    /// Node `n`'s adverts for VRID `vrid`: (time, priority, destination).
    pub fn adverts(&self, n: usize, vrid: u8) -> Vec<(Duration, u8, IpAddr)> {
        self.sends(n)
            .into_iter()
            .filter_map(|(t, tx)| {
                let off = if tx.data[0] >> 4 == 4 { 20 } else { 0 };
                (tx.data.get(off + 1) == Some(&vrid)).then(|| (t, tx.data[off + 2], tx.dst))
            })
            .collect()
    }

    /// The state of instance `i` on node `n`.
    pub fn state(&self, n: usize, i: usize) -> State {
        self.nodes[n].engine.state(i)
    }

    /// Actions of node `n` at exactly time `t`, in order.
    pub fn actions_at(&self, n: usize, t: Duration) -> Vec<Action> {
        self.nodes[n]
            .record
            .iter()
            .filter(|(at, _)| *at == t)
            .map(|(_, a)| a.clone())
            .collect()
    }
}

/// A VRRP instance block on eth0 with one VIP, as most tests use it.
pub fn instance(name: &str, vrid: u8, prio: u8, extra: &str) -> String {
    format!(
        "vrrp_instance {name} {{\n interface eth0\n virtual_router_id {vrid}\n priority {prio}\n advert_int 1\n virtual_ipaddress {{\n  10.0.0.100\n }}\n{extra}}}\n"
    )
}
