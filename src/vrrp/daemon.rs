//! The VRRP child's event loop: the pure [`Engine`] driven by sockets, netlink, scripts, track
//! files, timers and signals on a tokio current-thread runtime; its actions carried out by the
//! I/O shells.
//!
//! Start-up follows keepalived's `start_vrrp()`: the interface table is read, VMACs created,
//! static addresses/routes/rules installed, VIPs left by a previous run removed, sockets opened,
//! then every instance enters its initial state. On SIGTERM/SIGINT masters send priority 0 and
//! give up their addresses (unless `-V`), static ones are removed too, scripts are ended and
//! VMACs deleted.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use std::time::Instant;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::config::model::Config;
use crate::config::model::net::{IpAddress, Route, Rule};
use crate::config::model::vrrp::{Family, VrrpInstance};
use crate::log::{LogLine, Priority};
use crate::netlink::Netlink;
use crate::netlink::addr::vip_device;
use crate::netlink::link::{Monitor, MonitorEvent};
use crate::netlink::vmac::{VmacSpec, Vmacs};
use crate::vrrp::announce::{AnnounceAddr, AnnounceIf, AnnounceRequest, Announcer, Channels, Pacing};
use crate::vrrp::engine::{Engine, EngineOptions};
use crate::vrrp::event::{Action, Event, IfState, InstanceEvent, Time, xmit_interface};
use crate::vrrp::notify::Notifier;
use crate::vrrp::reload::{InstanceState, ReloadPlan, ReloadStep};
use crate::vrrp::scripts::ScriptRunner;
use crate::vrrp::socket::{SockPool, SockSpec, send_error_is_silent, send_error_line};
use crate::watchdog::child::{Link, Started, load_sent};
use crate::watchdog::control::{Handover, ToChild, ToParent, monotonic_us};

/// keepalived's exit code when the VRRP child lacks a permission (`KEEPALIVED_EXIT_MISSING_PERMISSION`).
const EXIT_MISSING_PERMISSION: i32 = 5;

/// A batch of at least this many actions (many instances moving at once) is followed by a
/// heap trim.
const BURST_ACTIONS: usize = 64;

/// How often track files are re-read (keepalived uses inotify; see doc/compatibility.md).
const TRACK_FILE_POLL: Duration = Duration::from_millis(200);

/// How the VRRP child was asked to run (from the command line).
#[derive(Clone, Debug, Default)]
pub struct DaemonOptions {
    /// `-D`: write detail lines.
    pub log_detail: bool,
    /// `-V` / `--dont-release-vrrp`: leave VIPs and routes in place on stop.
    pub dont_release_vrrp: bool,
    /// `-X` / `--release-vips`: every transition out of MASTER removes the VIPs.
    pub release_vips: bool,
    /// `-d` / `--dump-conf`: log the configuration once it is loaded.
    pub dump_conf: bool,
    /// `-i`: the config-id for `@` lines when a reload's text is read.
    pub config_id: Option<String>,
}

/// Runs the VRRP child (started by the watchdog parent) until SIGTERM/SIGINT or the parent
/// goes away; returns the process exit code.
pub async fn run(started: Started, opts: DaemonOptions) -> i32 {
    let Started {
        config,
        mut link,
        handover,
        pid_file,
    } = started;
    let code = run_async(config, opts, &mut link, handover).await;
    log(crate::watchdog::child::stopped_line());
    if let Some(f) = pid_file {
        f.remove();
    }
    code
}

/// The instance states the parent records (to hand them to a respawned child).
fn instance_states(engine: &Engine) -> Vec<String> {
    engine.states().iter().map(|s| s.to_line()).collect()
}

fn log(l: LogLine) {
    crate::log::write(&l);
}

fn logs(ls: impl IntoIterator<Item = LogLine>) {
    for l in ls {
        log(l);
    }
}

/// Interface names the instances use: their own, VMACs, tracked ones, VIP devices.
fn interesting_interfaces(cfg: &Config) -> Vec<String> {
    let mut v = Vec::new();
    for inst in &cfg.vrrp.instances {
        v.extend(inst.interface.clone());
        v.extend(xmit_interface(inst));
        v.extend(inst.track_interfaces.iter().map(|t| t.name.clone()));
        for a in inst.vips.iter().chain(&inst.evips) {
            v.extend(vip_device(inst, a));
        }
    }
    for g in &cfg.vrrp.sync_groups {
        v.extend(g.track_interfaces.iter().map(|t| t.name.clone()));
    }
    v.sort();
    v.dedup();
    v
}

/// The socket an instance sends and receives on.
fn sock_spec(cfg: &Config, inst: &VrrpInstance, ifs: &HashMap<String, IfState>) -> SockSpec {
    let ifname = xmit_interface(inst).unwrap_or_default();
    let state = ifs.get(&ifname);
    let unicast = !inst.unicast_peers.is_empty();
    let group: IpAddr = inst.mcast_dst_ip.unwrap_or(match inst.family {
        Family::V4 => IpAddr::V4(cfg.global.vrrp_mcast_group4),
        Family::V6 => IpAddr::V6(cfg.global.vrrp_mcast_group6),
    });
    let unicast_src = unicast.then(|| {
        inst.src_ip.or_else(|| match inst.family {
            Family::V4 => state.and_then(|s| s.ipv4).map(IpAddr::V4),
            Family::V6 => state.and_then(|s| s.ipv6_ll).map(IpAddr::V6),
        })
    });
    SockSpec {
        ifindex: state.map(|s| s.index).unwrap_or(0),
        ifname,
        family: inst.family,
        group: (!unicast).then_some(group),
        unicast_src: unicast_src.flatten(),
        ah: inst.auth_type == crate::config::model::vrrp::AuthType::Ah,
        rx_buf_size: inst.kernel_rx_buf_size as usize,
    }
}

/// Everything the loop carries out actions with.
struct Shell {
    cfg: Arc<Config>,
    nl: Netlink,
    pool: SockPool,
    /// Driven from the loop itself (no task hop between deciding and sending the first GARP).
    announcer: Announcer,
    notifier: Notifier,
    ifs: HashMap<String, IfState>,
}

impl Shell {
    async fn addresses(&mut self, instance: usize, up: bool) {
        let cfg = self.cfg.clone();
        let Some(inst) = cfg.vrrp.instances.get(instance) else {
            return;
        };
        if !up {
            self.announcer.cancel(instance);
        }
        let addrs: Vec<_> = inst
            .vips
            .iter()
            .chain(&inst.evips)
            .map(|a| (a, vip_device(inst, a)))
            .collect();
        let errors = apply_net(&self.nl, &self.ifs, &addrs, &inst.vroutes, &inst.vrules, up).await;
        logs(errors.iter().map(|e| e.log_line()));
    }

    fn announce(&mut self, instance: usize, count: u32) {
        let Some(inst) = self.cfg.vrrp.instances.get(instance) else {
            return;
        };
        let g = &self.cfg.global;
        let mut addrs = Vec::new();
        for a in inst.vips.iter().chain(&inst.evips) {
            let Some(dev) = vip_device(inst, a) else { continue };
            let Some(state) = self.ifs.get(&dev) else { continue };
            let base = inst.interface.clone().unwrap_or_else(|| dev.clone());
            addrs.push(AnnounceAddr {
                addr: a.addr,
                iface: AnnounceIf {
                    name: dev.clone(),
                    index: state.index,
                    mac: state.mac,
                    base_name: base.clone(),
                    noarp: false,
                    pacing: Pacing {
                        key: base,
                        garp_interval: Duration::from_micros(g.vrrp_garp_interval),
                        gna_interval: Duration::from_micros(g.vrrp_gna_interval),
                    },
                },
            });
        }
        let req = AnnounceRequest {
            instance,
            owner: inst.name.clone(),
            count,
            addrs,
        };
        self.announcer.announce(&req, &mut log);
    }

    async fn carry_out(&mut self, actions: Vec<Action>) {
        for a in actions {
            match a {
                Action::Send(pkt) => {
                    if let Err(e) = self.pool.send(&pkt) {
                        let up = self.ifs.get(&pkt.ifname).is_some_and(|i| i.up);
                        let prio = crate::vrrp::packet::priority(pkt.family, &pkt.data).unwrap_or(0);
                        if !send_error_is_silent(prio, up, &e) {
                            log(send_error_line(&pkt.ifname, &pkt, &e));
                        }
                    }
                }
                Action::Addresses { instance, up } => self.addresses(instance, up).await,
                Action::Announce { instance, count } => self.announce(instance, count),
                Action::Notify {
                    target,
                    state,
                    priority,
                } => self.notifier.notify(target, state, priority),
                Action::Event {
                    instance,
                    event,
                    priority,
                } => match event {
                    InstanceEvent::MasterRxLowerPri => self.notifier.master_rx_lower_pri(instance, priority),
                    InstanceEvent::PriorityChange { master } => {
                        self.notifier.priority_changed(instance, master, priority)
                    }
                },
                Action::Log(l) => log(l),
            }
        }
        logs(self.pool.take_log_lines());
    }
}

impl Shell {
    /// Carries out a reload plan's steps in order (see `vrrp::reload`).
    async fn carry_out_reload(&mut self, plan: ReloadPlan) {
        for step in plan.steps {
            match step {
                ReloadStep::Act(a) => self.carry_out(vec![a]).await,
                ReloadStep::Remove(r) => {
                    let addrs: Vec<_> = r.addresses.iter().map(|(a, d)| (a, Some(d.clone()))).collect();
                    let errors = apply_net(&self.nl, &self.ifs, &addrs, &r.routes, &r.rules, false).await;
                    logs(errors.iter().map(|e| e.log_line()));
                }
                ReloadStep::Deleted(d) => self.notifier.deleted(&d),
                ReloadStep::FifoState {
                    target,
                    state,
                    priority,
                } => self.notifier.fifo_state(target, state, priority),
            }
        }
    }
}

/// Adds (`up`) addresses, then routes, then rules; or removes them in the reverse order, as
/// keepalived's `vrrp_restore_interface()` does. `dev_of` names the interface each address goes
/// on; addresses whose interface does not exist are skipped. Returns the failures.
async fn apply_net(
    nl: &Netlink,
    ifs: &HashMap<String, IfState>,
    addrs: &[(&IpAddress, Option<String>)],
    routes: &[Route],
    rules: &[Rule],
    up: bool,
) -> Vec<crate::netlink::Error> {
    let mut errors = Vec::new();
    let resolve = |n: &str| ifs.get(n).map(|i| i.index);
    let address_step = async |errors: &mut Vec<_>| {
        for (a, dev) in addrs {
            let Some(idx) = dev.as_deref().and_then(resolve) else {
                continue;
            };
            let r = if up {
                nl.add_address(a, idx).await
            } else {
                nl.del_address(a, idx).await
            };
            errors.extend(r.err());
        }
    };
    if up {
        address_step(&mut errors).await;
    }
    for r in routes {
        let res = if up {
            nl.add_route(r, resolve).await
        } else {
            nl.del_route(r, resolve).await
        };
        errors.extend(res.err());
    }
    for r in rules {
        let res = if up { nl.add_rule(r).await } else { nl.del_rule(r).await };
        errors.extend(res.err());
    }
    if !up {
        address_step(&mut errors).await;
    }
    errors
}

/// Every address this configuration puts on interfaces (never taken as an interface's own).
fn our_addresses(cfg: &Config) -> Vec<IpAddr> {
    cfg.vrrp
        .instances
        .iter()
        .flat_map(|i| i.vips.iter().chain(&i.evips).map(|a| a.addr))
        .chain(cfg.statics.addresses.iter().map(|a| a.addr))
        .collect()
}

/// Adds the static addresses, routes and rules (existing ones are left alone).
async fn add_statics(nl: &Netlink, ifs: &HashMap<String, IfState>, cfg: &Config) {
    let statics: Vec<_> = cfg.statics.addresses.iter().map(|a| (a, a.dev.clone())).collect();
    let errors = apply_net(nl, ifs, &statics, &cfg.statics.routes, &cfg.statics.rules, true).await;
    logs(errors.iter().map(|e| e.log_line()));
}

/// At reload: removes the static addresses, routes and rules the new configuration dropped.
async fn remove_gone_statics(nl: &Netlink, ifs: &HashMap<String, IfState>, old: &Config, new: &Config) {
    let n = &new.statics;
    let addrs: Vec<_> = old
        .statics
        .addresses
        .iter()
        .filter(|a| !n.addresses.contains(a))
        .map(|a| (a, a.dev.clone()))
        .collect();
    let routes: Vec<Route> = old
        .statics
        .routes
        .iter()
        .filter(|r| !n.routes.contains(r))
        .cloned()
        .collect();
    let rules: Vec<Rule> = old
        .statics
        .rules
        .iter()
        .filter(|r| !n.rules.contains(r))
        .cloned()
        .collect();
    let _ = apply_net(nl, ifs, &addrs, &routes, &rules, false).await;
}

/// Reads a track file as keepalived does: the first number in it (0 when unreadable).
fn read_track_file(path: &str) -> i64 {
    let Ok(text) = std::fs::read_to_string(path) else {
        return 0;
    };
    let t = text.trim_start();
    let end = t
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && (c == '-' || c == '+'))))
        .map(|(i, _)| i)
        .unwrap_or(t.len());
    t[..end].parse().unwrap_or(0)
}

async fn run_async(mut cfg: Arc<Config>, opts: DaemonOptions, link: &mut Link, handover: Option<Handover>) -> i32 {
    // Dump signals (keepalived's `vrrp_signal_init()`): SIGUSR1 data, SIGUSR2 stats,
    // SIGRTMAX-1 stats then clear, SIGRTMIN+2 JSON; files written by `vrrp::data`,
    // `vrrp::stats` and `vrrp::json`. Installed first: their default action would end the
    // process if an exporter asked during start-up (they are then answered once running).
    let (Ok(mut sig_data), Ok(mut sig_stats), Ok(mut sig_stats_clear), Ok(mut sig_json)) = (
        signal(SignalKind::user_defined1()),
        signal(SignalKind::user_defined2()),
        signal(SignalKind::from_raw(libc::SIGRTMAX() - 1)),
        signal(SignalKind::from_raw(libc::SIGRTMIN() + 2)),
    ) else {
        log(LogLine::at(Priority::Error, "Unable to install signal handlers"));
        return 1;
    };
    let nl = match Netlink::new() {
        Ok(n) => n,
        Err(e) => {
            log(LogLine::at(
                Priority::Error,
                format!("Unable to open a netlink socket: {e}"),
            ));
            return 1;
        }
    };
    log(LogLine::detail("Registering Kernel netlink reflector"));
    log(LogLine::detail("Registering Kernel netlink command channel"));
    let mut monitor = match Monitor::new(None) {
        Ok(m) => m,
        Err(e) => {
            log(LogLine::at(
                Priority::Error,
                format!("Unable to open the netlink monitor: {e}"),
            ));
            return 1;
        }
    };
    monitor.set_tracked(interesting_interfaces(&cfg));
    monitor.set_ours(our_addresses(&cfg));

    // VMACs first: VIPs and (unless vmac_xmit_base) adverts use them.
    let mut vmacs = Vmacs::new();
    let mut vmac_specs: Vec<VmacSpec> = cfg.vrrp.instances.iter().filter_map(VmacSpec::for_instance).collect();
    if !vmac_specs.is_empty() {
        logs(vmacs.clear_rp_filter());
    }
    for spec in &vmac_specs {
        match vmacs.create(&nl, spec).await {
            Ok(c) => logs(c.logs),
            Err(e) => logs(e.logs),
        }
    }

    let initial = match monitor.initial().await {
        Ok(v) => v,
        Err(e) => {
            log(e.log_line());
            return 1;
        }
    };
    let ifs: HashMap<String, IfState> = initial.into_iter().map(|i| (i.name.clone(), i)).collect();

    let t0 = Instant::now();
    let now = || -> Time { t0.elapsed() };
    let mut engine = Engine::new(
        cfg.clone(),
        ifs.values().cloned().collect(),
        EngineOptions {
            log_detail: opts.log_detail,
            release_vips: !opts.dont_release_vrrp,
            release_vips_on_transition: opts.release_vips,
        },
    );
    // Track files: their initial values, then changes.
    let mut track_files = cfg.track.file_list();
    let mut file_values: Vec<i64> = track_files.iter().map(|(_, p)| read_track_file(p)).collect();
    let mut first = Vec::new();
    for ((name, _), v) in track_files.iter().zip(&file_values) {
        first.extend(engine.handle(
            now(),
            Event::TrackFile {
                name: name.clone(),
                value: *v,
            },
        ));
    }
    // A respawned child: instances its predecessor held as MASTER may resume (beyond
    // keepalived, whose new child removes the VIPs and elects again).
    if let Some(h) = handover {
        let gap = Duration::from_micros(monotonic_us().saturating_sub(h.died_at_us));
        let entries = h
            .instances
            .iter()
            .filter_map(|l| InstanceState::from_line(l))
            .map(|s| s.resume(gap))
            .collect();
        engine.set_resume(entries, now());
    }
    let resuming = engine.resuming(now());

    // Static addresses, routes and rules, then VIPs a previous run left behind (except those
    // of instances resuming MASTER: they are still in use).
    add_statics(&nl, &ifs, &cfg).await;
    for (i, inst) in cfg.vrrp.instances.iter().enumerate() {
        if resuming.contains(&i) {
            continue;
        }
        if inst.interface.as_deref().is_some_and(|n| ifs.contains_key(n)) {
            let addrs: Vec<IpAddress> = inst.vips.iter().chain(&inst.evips).cloned().collect();
            let resolve = |a: &IpAddress| vip_device(inst, a).and_then(|d| ifs.get(&d)).map(|i| i.index);
            logs(nl.remove_stale(&addrs, resolve).await.iter().map(|e| e.log_line()));
            let _ = nl.remove_stale_rules(&inst.vrules).await;
        }
    }
    // The table needs no re-read after that: the monitor never takes our VIPs (stale or not)
    // as an interface's primary address (`set_ours` above).

    let mut specs: Vec<SockSpec> = cfg.vrrp.instances.iter().map(|i| sock_spec(&cfg, i, &ifs)).collect();
    let (pool, lines) = SockPool::open(&specs);
    logs(lines);
    let has = |f: Family| {
        cfg.vrrp
            .instances
            .iter()
            .any(|i| i.family == f || i.vips.iter().any(|a| Family::of(&a.addr) == f))
    };
    let channels = Channels::open(has(Family::V4), has(Family::V6));
    logs(channels.lines);
    if channels.missing_permission {
        return EXIT_MISSING_PERMISSION;
    }
    let announcer = Announcer::new(channels.channels);
    crate::alert::configure(&cfg.global);
    let mut notifier = Notifier::new(&cfg);
    notifier.open_fifos(&cfg.global, true);
    let (script_tx, mut script_rx) = mpsc::channel::<Event>(256);
    let mut runner = ScriptRunner::start(&cfg, script_tx.clone());

    let mut shell = Shell {
        cfg: cfg.clone(),
        nl,
        pool,
        announcer,
        notifier,
        ifs,
    };
    let acts = engine.start(now());
    shell.carry_out(first).await;
    shell.carry_out(acts).await;
    if opts.dump_conf {
        // keepalived's `dump_data_vrrp()` once the configuration is loaded.
        for l in crate::config::dump::vrrp_layout(&cfg) {
            log(LogLine::info(l));
        }
    }
    link.loaded(link.generation).await;
    let mut reported = instance_states(&engine);
    let _ = link.tx.send(&ToParent::States(reported.clone())).await;
    crate::memory::trim_after_startup();

    let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
    ) else {
        log(LogLine::at(Priority::Error, "Unable to install signal handlers"));
        return 1;
    };
    let timer = match super::timer::PreciseTimer::new() {
        Ok(t) => t,
        Err(e) => {
            log(LogLine::at(Priority::Error, format!("Unable to create a timer: {e}")));
            return 1;
        }
    };
    let mut file_tick = tokio::time::interval(TRACK_FILE_POLL);
    let mut stopping = false;
    loop {
        let mut reload: Option<(u64, String, bool)> = None;
        let deadline = engine.next_deadline().map(|d| t0 + d);
        if let Err(e) = timer.arm(deadline) {
            log(LogLine::at(Priority::Error, format!("Unable to set the timer: {e}")));
        }
        let acts = tokio::select! {
            _ = term.recv(), if !stopping => { stopping = true; engine.handle(now(), Event::Stop) }
            _ = int.recv(), if !stopping => { stopping = true; engine.handle(now(), Event::Stop) }
            // keepalived reloads a child sent SIGHUP directly; ours asks the parent, which
            // validates the file first and then reloads every child.
            _ = hup.recv() => {
                let _ = link.tx.send(&ToParent::ReloadRequest).await;
                Vec::new()
            }
            msg = link.rx.recv::<ToChild>(), if !stopping => match msg {
                Some(ToChild::Reload { generation, text, transcript }) => {
                    reload = Some((generation, text, transcript));
                    Vec::new()
                }
                Some(ToChild::Start { .. }) => Vec::new(),
                // The parent is gone: stop as on SIGTERM (PR_SET_PDEATHSIG does the same).
                None => { stopping = true; engine.handle(now(), Event::Stop) }
            },
            pkt = shell.pool.recv() => engine.handle(now(), Event::Packet(pkt)),
            _ = sig_data.recv() => {
                logs(super::data::write_data_file(&cfg, &engine, &shell.ifs, &shell.pool, &specs, now()));
                Vec::new()
            }
            _ = sig_stats.recv() => { logs(super::stats::write_stats_file(&cfg, &mut engine, false)); Vec::new() }
            _ = sig_stats_clear.recv() => { logs(super::stats::write_stats_file(&cfg, &mut engine, true)); Vec::new() }
            _ = sig_json.recv() => { logs(super::json::write_json_file(&cfg, &engine, now())); Vec::new() }
            upd = monitor.next() => {
                let Some(upd) = upd else { continue };
                logs(upd.logs);
                let mut acts = Vec::new();
                for ev in upd.events {
                    match ev {
                        MonitorEvent::Interface(s) => {
                            let was = shell.ifs.insert(s.name.clone(), s.clone());
                            if was.as_ref().is_none_or(|w| w.index != s.index) {
                                logs(shell.pool.reopen_interface(&s.name, s.index));
                            }
                            acts.extend(engine.handle(now(), Event::Interface(s)));
                        }
                        MonitorEvent::Gone(name) => {
                            shell.ifs.remove(&name);
                            shell.pool.close_interface(&name);
                            acts.extend(engine.handle(now(), Event::InterfaceGone(name)));
                        }
                        MonitorEvent::Resync => {}
                    }
                }
                acts
            }
            Some(ev) = script_rx.recv() => engine.handle(now(), ev),
            _ = file_tick.tick(), if !track_files.is_empty() => {
                let mut acts = Vec::new();
                for (i, (name, path)) in track_files.iter().enumerate() {
                    let v = read_track_file(path);
                    if v != file_values[i] {
                        file_values[i] = v;
                        acts.extend(engine.handle(now(), Event::TrackFile { name: name.clone(), value: v }));
                    }
                }
                acts
            }
            _ = timer.wait() => engine.poll(now()),
            _ = async {
                match shell.announcer.deadline() {
                    Some(d) => tokio::time::sleep_until(d.into()).await,
                    None => std::future::pending().await,
                }
            } => {
                shell.announcer.on_timer(&mut log);
                Vec::new()
            }
        };
        let burst = acts.len() >= BURST_ACTIONS;
        shell.carry_out(acts).await;
        if let Some((generation, text, transcript)) = reload {
            log(LogLine::info("Reloading"));
            match load_sent(&text, transcript, opts.config_id.as_deref()) {
                Err(e) => link.rejected(generation, e).await,
                Ok(new) => {
                    let new = Arc::new(new);
                    // keepalived's reload_vrrp_thread(): running scripts are ended first.
                    runner.shutdown().await;
                    monitor.set_tracked(interesting_interfaces(&new));
                    monitor.set_ours(our_addresses(&new));
                    // VMACs of the new configuration exist before its VIPs are added.
                    let new_specs: Vec<VmacSpec> =
                        new.vrrp.instances.iter().filter_map(VmacSpec::for_instance).collect();
                    for spec in new_specs.iter().filter(|s| !vmac_specs.contains(s)) {
                        match vmacs.create(&shell.nl, spec).await {
                            Ok(c) => logs(c.logs),
                            Err(e) => logs(e.logs),
                        }
                    }
                    let ifs: Vec<IfState> = shell.ifs.values().cloned().collect();
                    let plan = engine.reload(new.clone(), ifs, now());
                    for (new_i, old_i) in plan.matched.iter().enumerate() {
                        if *old_i != Some(new_i) {
                            if let Some(o) = old_i {
                                shell.announcer.cancel(*o);
                            }
                        }
                    }
                    crate::alert::configure(&new.global);
                    shell.notifier.reconfigure(&new);
                    shell.cfg = new.clone();
                    // Adverts in the plan belong to old instances: the old pool sends them.
                    shell.carry_out_reload(plan).await;
                    let sock_specs: Vec<SockSpec> = new
                        .vrrp
                        .instances
                        .iter()
                        .map(|i| sock_spec(&new, i, &shell.ifs))
                        .collect();
                    // Unchanged sockets are kept: no window without them, and no rejoin.
                    if sock_specs != specs {
                        let (pool, lines) = SockPool::open(&sock_specs);
                        logs(lines);
                        shell.pool = pool;
                        specs = sock_specs;
                    }
                    add_statics(&shell.nl, &shell.ifs, &new).await;
                    remove_gone_statics(&shell.nl, &shell.ifs, &cfg, &new).await;
                    for spec in vmac_specs.iter().filter(|s| !new_specs.contains(s)) {
                        match vmacs.delete(&shell.nl, spec).await {
                            Ok(l) => logs(l),
                            Err(e) => logs(e.logs),
                        }
                    }
                    vmac_specs = new_specs;
                    track_files = new.track.file_list();
                    file_values = track_files.iter().map(|(_, p)| read_track_file(p)).collect();
                    let mut acts = Vec::new();
                    for ((name, _), v) in track_files.iter().zip(&file_values) {
                        acts.extend(engine.handle(
                            now(),
                            Event::TrackFile {
                                name: name.clone(),
                                value: *v,
                            },
                        ));
                    }
                    runner = ScriptRunner::start(&new, script_tx.clone());
                    cfg = new;
                    shell.carry_out(acts).await;
                    link.loaded(generation).await;
                }
            }
        }
        let states = instance_states(&engine);
        if states != reported {
            let _ = link.tx.send(&ToParent::States(states.clone())).await;
            reported = states;
        }
        if burst {
            // Many instances changed state at once: give the transient memory back.
            crate::memory::trim_heap();
        }
        if stopping && engine.stopped() {
            break;
        }
    }

    // Shutdown, keepalived's order: scripts ended, STOP notifies waited for, static addresses
    // and VMACs removed.
    runner.shutdown().await;
    shell.notifier.begin_shutdown();
    shell.notifier.finish().await;
    if !opts.dont_release_vrrp {
        // Failures at stop are not reported, as keepalived.
        let statics: Vec<_> = cfg.statics.addresses.iter().map(|a| (a, a.dev.clone())).collect();
        let _ = apply_net(
            &shell.nl,
            &shell.ifs,
            &statics,
            &cfg.statics.routes,
            &cfg.statics.rules,
            false,
        )
        .await;
    }
    for spec in &vmac_specs {
        match vmacs.delete(&shell.nl, spec).await {
            Ok(l) => logs(l),
            Err(e) => logs(e.logs),
        }
    }
    if !vmac_specs.is_empty() {
        logs(vmacs.restore_rp_filter());
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn track_file_reads_the_leading_number_or_zero() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f");
        for (text, want) in [("12\n", 12), ("  -3 rest", -3), ("x", 0), ("", 0)] {
            std::fs::write(&p, text).unwrap();
            assert_eq!(read_track_file(p.to_str().unwrap()), want, "{text:?}");
        }
        assert_eq!(read_track_file("/nonexistent/track/file"), 0);
    }
}
