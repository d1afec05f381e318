//! The health-checker child's event loop (keepalived's `check_daemon.c` / `ipwrapper.c`):
//! the IPVS table programmed from the configuration at start, every checker scheduled
//! ([`Scheduler`]) and probed ([`runner`]: TCP_CHECKs wait together on one epoll set,
//! [`TcpBatch`], the other kinds each in a task), each settled result fed to the [`Pool`], and
//! what the pool decides carried out: IPVS commands (batched), log lines, notify scripts and
//! FIFO lines. Reload hands the pool the new configuration; stop removes what we own unless
//! `-I`. The configuration is shared, never copied; memory is trimmed after start, after the
//! first round of results, after reload and every 30 s ([`crate::memory`]).
//!
//! Where keepalived's checker child stops the whole daemon because IPVS cannot be initialised
//! (exit FATAL), ours logs keepalived's line and keeps checking without programming, so that
//! the VRRP child keeps serving.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use super::event::CheckerId;
use super::pool::{Pool, PoolAction, PoolEvent, StartInfo};
use super::runner::{self, ProbeCtx};
use super::schedule::{Carry, Params, Report, Scheduler, Spec, Weight};
use super::tcp_batch::TcpBatch;
use crate::config::model::Config;
use crate::ipvs::client::{self, Client};
use crate::ipvs::model::{Command, Table, Timeouts};
use crate::log::{self, LogLine, Priority};
use crate::watchdog::child::{Started, load_sent, stopped_line};
use crate::watchdog::control::{ToChild, ToParent};

/// At most this many probe results are handled in one turn of the loop.
const RESULTS_PER_TURN: usize = 1024;

/// How often free heap memory goes back to the system: results, log lines and probes
/// allocate and free all the time, and bursts of transitions leave their log lines and
/// actions behind; freed pages stay resident until a trim (which costs well under a
/// millisecond).
const TRIM_EVERY: Duration = Duration::from_secs(30);

/// How often track files are re-read for `FILE_CHECK`s (as the VRRP child does).
const TRACK_FILE_POLL: Duration = Duration::from_millis(200);

fn write(l: LogLine) {
    log::write(&l);
}

/// How the checker child was asked to run.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// `-d`: log the configuration once loaded.
    pub dump_conf: bool,
    /// The command line, for [`load_sent`].
    pub cli: crate::cli::Options,
}

/// The scheduler's view of every checker of `cfg` (BFD_CHECKs have no timer). The names are
/// formatted once here and shared by every probe and line of the checker.
fn specs(cfg: &Config) -> Vec<Spec> {
    let mut out = Vec::new();
    for (vi, vs) in cfg.check.virtual_servers.iter().enumerate() {
        let vs_name: Arc<str> = vs.fmt().into();
        for (ri, rs) in vs.real_servers.iter().enumerate() {
            let mut chk: Option<Arc<str>> = None;
            for (ci, c) in rs.checkers.iter().enumerate() {
                let Some(params) = Params::resolve(vs, rs, c, cfg.global.checker_log_all_failures) else {
                    continue;
                };
                let script: Arc<str> = match &c.kind {
                    crate::config::model::check::CheckerKind::Misc(m) => {
                        m.script.args.first().map(String::as_str).unwrap_or_default().into()
                    }
                    _ => Arc::clone(&NO_SCRIPT),
                };
                let chk = chk.get_or_insert_with(|| vs.fmt_server(&rs.ip, rs.port).into());
                out.push(Spec {
                    id: CheckerId {
                        vs: vi,
                        rs: ri,
                        checker: ci,
                    },
                    params,
                    chk: Arc::clone(chk),
                    vs: Arc::clone(&vs_name),
                    script,
                });
            }
        }
    }
    out
}

/// The empty script name of the checkers that are not MISC_CHECKs, shared.
static NO_SCRIPT: std::sync::LazyLock<Arc<str>> = std::sync::LazyLock::new(|| "".into());

/// Enables each checker as the pool says (`ha_suspend`).
fn enable_checkers(sched: &mut Scheduler, pool: &Pool) {
    let ids: Vec<CheckerId> = sched.ids().collect();
    for id in ids {
        sched.set_enabled(id, pool.checker_enabled(id));
    }
}

/// glibc's `random()` stands in for keepalived's warmup randomness; any uniform source will
/// do, so a small xorshift seeded from the clock.
fn random_source() -> impl FnMut() -> u32 {
    let mut x = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64 ^ d.as_secs())
        .unwrap_or(1)
        | 1;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 33) as u32
    }
}

/// The IPVS side: a client when the kernel has IPVS.
struct Ipvs {
    client: Option<Client>,
    /// The kernel's connection timeouts before `lvs_timeouts` first changed them.
    original_timeouts: Option<Timeouts>,
}

impl Ipvs {
    async fn open() -> Ipvs {
        write(LogLine::at(Priority::Debug, "Initializing ipvs"));
        match Client::connect().await {
            Ok(c) => Ipvs {
                client: Some(c),
                original_timeouts: None,
            },
            Err(e) => {
                let why = match &e {
                    client::Error::FamilyNotFound => "No such file or directory".to_string(),
                    other => other.to_string(),
                };
                write(LogLine::at(
                    Priority::Error,
                    format!("IPVS: Can't initialize ipvs: {why}"),
                ));
                write(LogLine::at(
                    Priority::Error,
                    "keepalived-rs: without IPVS the real servers are checked but no virtual server is programmed",
                ));
                Ipvs {
                    client: None,
                    original_timeouts: None,
                }
            }
        }
    }

    async fn table(&self) -> Table {
        match &self.client {
            Some(c) => c.services().await.unwrap_or_default(),
            None => Table::default(),
        }
    }

    /// `lvs_timeouts` at start or reload (keepalived's `ipvs_set_timeouts()`): the kernel's
    /// own values are read before the first change, to fill unset ones and restore at stop.
    async fn set_timeouts(&mut self, cfg: &Config, reload: bool) {
        let Some(c) = &self.client else { return };
        let t = cfg.global.lvs_timeouts;
        if self.original_timeouts.is_none() && (t.tcp != 0 || t.tcp_fin != 0 || t.udp != 0) {
            match c.timeouts().await {
                Ok(o) => self.original_timeouts = Some(o),
                Err(e) => write(LogLine::info(format!("Failed to get IPVS timeouts - {e}"))),
            }
        }
        if let Some(cmd) = crate::ipvs::desired::timeouts_command(&cfg.global, reload, self.original_timeouts) {
            self.execute(&[cmd]).await;
        }
    }

    /// The kernel's own timeouts back at stop (`ipvs_stop()`).
    async fn restore_timeouts(&self) {
        if let Some(cmd) = crate::ipvs::desired::timeouts_restore(self.original_timeouts) {
            self.execute(&[cmd]).await;
        }
    }

    /// Sends a batch; failures are logged as keepalived logs them, except the ones it treats
    /// as success (adding what exists, deleting what is gone).
    async fn execute(&self, cmds: &[Command]) {
        let Some(c) = &self.client else { return };
        for (cmd, r) in cmds.iter().zip(c.execute(cmds).await) {
            match r {
                Ok(()) => {}
                Err(client::Error::Kernel { errno, .. }) => {
                    if !client::error::keepalived_ignores(cmd, errno) {
                        write(LogLine::info(client::error::keepalived_line(cmd, errno)));
                    }
                }
                Err(e) => write(LogLine::info(e.to_string())),
            }
        }
    }
}

/// The notify FIFOs the pool writes to (`notify_fifo`, `lvs_notify_fifo`), opened read-write
/// and non-blocking so a write never blocks and never fails for want of a reader.
struct Fifos(Vec<std::fs::File>);

impl Fifos {
    fn open(cfg: &Config) -> Fifos {
        use std::os::unix::fs::OpenOptionsExt;
        let mut v = Vec::new();
        for spec in [&cfg.global.notify_fifo, &cfg.global.lvs_notify_fifo] {
            let Some(name) = spec.name.as_deref() else { continue };
            if let Ok(c) = std::ffi::CString::new(name) {
                // SAFETY: c is a valid path; an existing FIFO gives EEXIST, which is fine.
                unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
            }
            match std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
                .open(name)
            {
                Ok(f) => v.push(f),
                Err(e) => write(LogLine::info(format!("Unable to open notify fifo {name} - {e}"))),
            }
        }
        Fifos(v)
    }

    fn write(&mut self, line: &str) {
        use std::io::Write;
        for f in &mut self.0 {
            let _ = f.write_all(line.as_bytes());
        }
    }
}

/// Carries out what the pool decided, in order; consecutive IPVS commands go as one batch.
async fn carry_out(ipvs: &Ipvs, fifos: &mut Fifos, actions: Vec<PoolAction>) {
    let mut batch: Vec<Command> = Vec::new();
    for a in actions {
        if let PoolAction::Ipvs(c) = a {
            batch.push(c);
            continue;
        }
        if !batch.is_empty() {
            ipvs.execute(&std::mem::take(&mut batch)).await;
        }
        match a {
            PoolAction::Ipvs(_) => unreachable!("batched above"),
            PoolAction::Log(l) => write(l),
            PoolAction::Script { script, wait } => {
                if wait {
                    let _ = crate::exec::run_with(
                        &script,
                        &[],
                        Some(Duration::from_secs(1)),
                        crate::exec::OnTimeout::Kill,
                        None,
                    )
                    .await;
                } else {
                    crate::exec::spawn_detached(&script, &[]);
                }
            }
            PoolAction::Fifo(line) => fifos.write(&line),
            // Sent in the background; failures are only logged (keepalived's smtp_alert()).
            PoolAction::Smtp { subject, body } => crate::alert::alert(&subject, &body),
        }
    }
    if !batch.is_empty() {
        ipvs.execute(&batch).await;
    }
}

/// A track file's value; a file that cannot be read or parsed is logged and counts as 0,
/// as in keepalived.
fn file_value(path: &str) -> i64 {
    super::file::read_value(path).unwrap_or_else(|l| {
        write(l);
        0
    })
}

/// The address of an `RTM_NEWADDR`/`RTM_DELADDR` (keepalived's `netlink_if_address_filter()`:
/// `IFA_LOCAL`, else `IFA_ADDRESS`), with whether it was added.
fn address_change(msg: &netlink_packet_route::RouteNetlinkMessage) -> Option<(std::net::IpAddr, bool)> {
    use netlink_packet_route::RouteNetlinkMessage as M;
    use netlink_packet_route::address::AddressAttribute as A;
    let (m, present) = match msg {
        M::NewAddress(m) => (m, true),
        M::DelAddress(m) => (m, false),
        _ => return None,
    };
    let local = m.attributes.iter().find_map(|a| match a {
        A::Local(ip) => Some(*ip),
        _ => None,
    });
    let addr = local.or_else(|| {
        m.attributes.iter().find_map(|a| match a {
            A::Address(ip) => Some(*ip),
            _ => None,
        })
    })?;
    Some((addr, present))
}

/// Address changes for `ha_suspend` (keepalived's netlink reflector in the checker child),
/// when some virtual server uses it: an address monitor on the current runtime.
fn address_monitor(cfg: &Config) -> Option<mpsc::UnboundedReceiver<(std::net::IpAddr, bool)>> {
    use futures::StreamExt;
    if !cfg.check.virtual_servers.iter().any(|v| v.ha_suspend) {
        return None;
    }
    let groups = [
        rtnetlink::MulticastGroup::Ipv4Ifaddr,
        rtnetlink::MulticastGroup::Ipv6Ifaddr,
    ];
    let (conn, _handle, mut msgs) = match rtnetlink::new_multicast_connection(&groups) {
        Ok(c) => c,
        Err(e) => {
            write(LogLine::info(format!(
                "Unable to monitor addresses for ha_suspend - {e}"
            )));
            return None;
        }
    };
    tokio::spawn(conn);
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some((msg, _)) = msgs.next().await {
            if let netlink_packet_core::NetlinkPayload::InnerMessage(m) = msg.payload
                && let Some(change) = address_change(&m)
                && tx.send(change).is_err()
            {
                break;
            }
        }
    });
    Some(rx)
}

/// Runs the checker child until SIGTERM or the parent goes away.
pub async fn run(started: Started, opts: CheckOptions) -> i32 {
    let Started {
        mut config,
        mut link,
        pid_file,
        ..
    } = started;
    let (Ok(mut term), Ok(mut int), Ok(mut hup), Ok(mut usr1)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
        signal(SignalKind::user_defined1()),
    ) else {
        write(LogLine::info("Unable to install signal handlers"));
        return 1;
    };

    // What loading the configuration left free goes back before the table is programmed,
    // not only once every checker is scheduled.
    crate::memory::trim_heap();
    let mut ipvs = Ipvs::open().await;
    ipvs.set_timeouts(&config, false).await;
    let mut fifos = Fifos::open(&config);
    crate::alert::configure(&config.global);
    let kernel = ipvs.table().await;
    let mut addresses = address_monitor(&config);
    let local_addrs = match crate::netlink::Netlink::new() {
        Ok(nl) => nl.local_addresses().await.unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    let mut files = config.track.file_list();
    let mut file_values: Vec<i64> = files.iter().map(|(_, p)| file_value(p)).collect();
    let info = StartInfo {
        local_addrs,
        track_files: files
            .iter()
            .map(|(n, _)| n.clone())
            .zip(file_values.iter().copied())
            .collect(),
    };
    let (mut pool, acts) = Pool::start_with(Arc::clone(&config), &kernel, &info);
    // The table as read at start (a restart's, possibly large) is not needed again.
    drop(kernel);
    carry_out(&ipvs, &mut fifos, acts).await;
    if opts.dump_conf {
        // keepalived's `dump_data_check()`: the checker's view of the global definitions.
        crate::dumpfile::check_data(&config)
            .lines()
            .for_each(|l| write(LogLine::info(l)));
    }

    let t0 = Instant::now();
    let now = || t0.elapsed();
    let mut random = random_source();
    let mut sched = Scheduler::new(specs(&config), now(), &mut random);
    enable_checkers(&mut sched, &pool);
    link.loaded(link.generation).await;
    crate::memory::trim_after_startup();

    // Probes carry the reload epoch they were started in (results from before the last
    // reload are dropped).
    let mut epoch: u64 = 0;
    let (tx, mut rx) = mpsc::unbounded_channel::<(u64, CheckerId, Report, Vec<LogLine>)>();
    let mut file_tick = tokio::time::interval(TRACK_FILE_POLL);
    let mut trim_tick = tokio::time::interval_at(tokio::time::Instant::now() + TRIM_EVERY, TRIM_EVERY);
    // The first round of results (every checker's first decision) still runs code and makes
    // garbage nothing later needs; once it is over, start-up's trim is done once more.
    let mut first_round = sched.ids().count();
    // Without an epoll set of its own (never expected), each TCP_CHECK runs as a task.
    let mut tcp_batch = TcpBatch::<(u64, CheckerId)>::new().ok();
    loop {
        let deadline = sched.next_deadline().map(|d| tokio::time::Instant::from_std(t0 + d));
        tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = hup.recv() => {
                let _ = link.tx.send(&ToParent::ReloadRequest).await;
            }
            _ = usr1.recv() => crate::dumpfile::write_check_data(&config).into_iter().for_each(write),
            msg = link.rx.recv::<ToChild>() => match msg {
                Some(ToChild::Reload { generation, text, transcript }) => {
                    write(LogLine::info("Reloading"));
                    match load_sent(&text, transcript, opts.cli.config_id.as_deref()) {
                        Ok(c) => {
                            let carry = Carry::between(&config.check, &c.check);
                            // The pool takes the configuration; probes share its copy.
                            let acts = pool.handle(PoolEvent::Reload(Box::new(c)));
                            config = Arc::clone(pool.shared_config());
                            crate::alert::configure(&config.global);
                            ipvs.set_timeouts(&config, true).await;
                            if addresses.is_none() {
                                addresses = address_monitor(&config);
                            }
                            carry_out(&ipvs, &mut fifos, acts).await;
                            // keepalived's migrate_checkers(): a checker that is still there
                            // keeps its state; results of probes still out are dropped, as
                            // thread_cleanup_master() drops them.
                            sched.reload(specs(&config), now(), &carry, &mut random);
                            epoch += 1;
                            enable_checkers(&mut sched, &pool);
                            files = config.track.file_list();
                            file_values = files.iter().map(|(_, p)| file_value(p)).collect();
                            link.loaded(generation).await;
                            // The reader ran again: its code and garbage go back.
                            crate::memory::trim_after_startup();
                        }
                        Err(e) => link.rejected(generation, e).await,
                    }
                }
                Some(ToChild::Start { .. }) => {}
                None => break,
            },
            Some(first) = rx.recv() => {
                // Every result already in: one loop turn for a burst (bounded, so that signals
                // and the parent are still heard under load).
                let mut next = Some(first);
                let mut left = RESULTS_PER_TURN;
                while let Some((probe_gen, id, report, logs)) = next.take() {
                    if probe_gen == epoch {
                        logs.into_iter().for_each(write);
                        let step = sched.report(now(), id, report);
                        // keepalived's order (`misc_check_child_thread()`): the weight, then the
                        // result's lines, then the up/down decision.
                        if let Some(w) = step.weight {
                            let weight = match w {
                                Weight::Dynamic(n) => Some(n),
                                Weight::Configured => None,
                            };
                            let acts = pool.handle(PoolEvent::Weight { id, weight });
                            carry_out(&ipvs, &mut fifos, acts).await;
                        }
                        step.logs.into_iter().for_each(write);
                        if let Some(t) = step.transition {
                            let alert = crate::alert::checker::rs_body_for(&config, t.id, t.up, &t.reason);
                            let acts = pool.handle(PoolEvent::Checker { id: t.id, up: t.up, alert });
                            carry_out(&ipvs, &mut fifos, acts).await;
                            if first_round > 0 {
                                first_round -= 1;
                                if first_round == 0 {
                                    crate::memory::trim_after_startup();
                                }
                            }
                        }
                    }
                    left -= 1;
                    if left > 0 {
                        next = rx.try_recv().ok();
                    }
                }
            }
            Some((addr, present)) = async {
                match addresses.as_mut() {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            } => {
                let acts = pool.handle(PoolEvent::Address { addr, present });
                carry_out(&ipvs, &mut fifos, acts).await;
                // ha_suspend: the address decides which checkers run.
                enable_checkers(&mut sched, &pool);
            }
            _ = trim_tick.tick() => crate::memory::trim_heap(),
            _ = file_tick.tick(), if !files.is_empty() => {
                for (i, (name, path)) in files.iter().enumerate() {
                    let v = super::file::read_value(path).unwrap_or(0);
                    if v != file_values[i] {
                        file_values[i] = v;
                        let acts = pool.handle(PoolEvent::TrackFile { name: name.clone(), value: v });
                        carry_out(&ipvs, &mut fifos, acts).await;
                    }
                }
            }
            done = async {
                match tcp_batch.as_mut() {
                    Some(b) if !b.is_empty() => b.next().await,
                    _ => std::future::pending().await,
                }
            } => {
                for ((probe_gen, id), r) in done {
                    let (report, logs) = runner::tcp_report(r);
                    let _ = tx.send((probe_gen, id, report, logs));
                }
            }
            _ = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending().await,
                }
            } => {
                for id in sched.due(now()) {
                    let Some(spec) = sched.spec(id) else { continue };
                    // TCP_CHECKs wait together in one epoll set (a few dozen bytes each).
                    if let Some(batch) = tcp_batch.as_mut()
                        && let Some(ep) = runner::tcp_endpoint(&config, id)
                    {
                        if let Some(((probe_gen, id), r)) = batch.start(&ep, Arc::clone(&spec.chk), (epoch, id)) {
                            let (report, logs) = runner::tcp_report(r);
                            let _ = tx.send((probe_gen, id, report, logs));
                        }
                        continue;
                    }
                    let ctx = ProbeCtx {
                        timeout: spec.params.timeout,
                        chk: Arc::clone(&spec.chk),
                        vs: Arc::clone(&spec.vs),
                        url: sched.url(id).unwrap_or(0),
                        is_up: sched.is_up(id).unwrap_or(false),
                        dns_id: random() as u16,
                    };
                    let (cfg, tx, probe_gen) = (config.clone(), tx.clone(), epoch);
                    tokio::spawn(async move {
                        if let Some((report, logs)) = runner::run(&cfg, id, &ctx).await {
                            let _ = tx.send((probe_gen, id, report, logs));
                        }
                    });
                }
            }
        }
    }

    let acts = pool.handle(PoolEvent::Stop {
        keep_ipvs: opts.cli.dont_release_ipvs,
    });
    carry_out(&ipvs, &mut fifos, acts).await;
    ipvs.restore_timeouts().await;
    write(stopped_line());
    if let Some(f) = pid_file {
        f.remove();
    }
    0
}

#[cfg(test)]
mod tests {
    use netlink_packet_route::RouteNetlinkMessage as M;
    use netlink_packet_route::address::{AddressAttribute as A, AddressMessage};

    use super::address_change;

    fn msg(attrs: Vec<A>) -> AddressMessage {
        let mut m = AddressMessage::default();
        m.attributes = attrs;
        m
    }

    /// `netlink_if_address_filter()`: IFA_LOCAL first (a point-to-point IPv4 address has
    /// the peer in IFA_ADDRESS), else IFA_ADDRESS (IPv6).
    #[test]
    fn address_change_takes_local_then_address() {
        let local = "10.0.0.1".parse().unwrap();
        let peer = "10.0.0.2".parse().unwrap();
        let six: std::net::IpAddr = "fd00::1".parse().unwrap();
        let new = M::NewAddress(msg(vec![A::Address(peer), A::Local(local)]));
        assert_eq!(address_change(&new), Some((local, true)));
        let del = M::DelAddress(msg(vec![A::Address(six)]));
        assert_eq!(address_change(&del), Some((six, false)));
        assert_eq!(address_change(&M::NewAddress(msg(vec![]))), None);
    }
}
