//! Runs one probe of a checker, whatever its kind, and turns what it found into the
//! scheduler's [`Report`] plus the lines a probe logs itself (keepalived's `*_check_thread`
//! entry points: `tcp_connect_thread`, `http_connect_thread`, `misc_check_thread`,
//! `smtp_start_check_thread`, `dns_connect_thread`, `udp_connect_thread`,
//! `icmp_connect_thread`).

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use super::conn::{Endpoint, NotRun};
use super::event::{CheckerId, Probe};
use super::http::{self, HttpTarget, UrlVerdict};
use super::schedule::Report;
use super::{dns, misc, ping, smtp, tcp, udp};
use crate::config::model::Config;
use crate::config::model::check::{Checker, CheckerKind, ConnOpts, RealServer, VirtualServer};
use crate::log::LogLine;

/// What to tell a probe besides the configuration.
#[derive(Clone, Debug)]
pub struct ProbeCtx {
    /// How long the probe may take (the checker's resolved `connect_timeout`, or
    /// `misc_timeout` for MISC_CHECK).
    pub timeout: Duration,
    /// The real server as keepalived's `FMT_CHK` prints it (the scheduler's shared text).
    pub chk: Arc<str>,
    /// The virtual server as `FMT_VS` prints it (the scheduler's shared text).
    pub vs: Arc<str>,
    /// HTTP: which url runs (the scheduler's `url(id)`).
    pub url: usize,
    /// HTTP: whether the checker is up (a passing url is logged only while it is down).
    pub is_up: bool,
    /// DNS: the query id to use.
    pub dns_id: u16,
}

/// Runs one probe of checker `id`; `None` when it has no probe (BFD_CHECK) or the id is not
/// in `cfg`.
pub async fn run(cfg: &Config, id: CheckerId, ctx: &ProbeCtx) -> Option<(Report, Vec<LogLine>)> {
    let vs = cfg.check.virtual_servers.get(id.vs)?;
    let rs = vs.real_servers.get(id.rs)?;
    let c = rs.checkers.get(id.checker)?;
    let co = c.co.as_ref().unwrap_or(&DEFAULT_CONN_OPTS);
    let limit = ctx.timeout;
    let done = |p: Probe| (Report::Done(p), Vec::new());
    // Only TCP_CHECK runs inline: the other kinds' futures are large (HTTP with TLS is several
    // KiB) and boxed, so that the task of each TCP probe, the common case with thousands
    // outstanding at once, stays small.
    Some(match &c.kind {
        CheckerKind::Tcp => run_tcp(&Endpoint::new(co, rs, vs), &ctx.chk).await,
        CheckerKind::Http(_) => return Box::pin(http_probe(vs, rs, c, ctx)).await,
        CheckerKind::Misc(m) => done(Box::pin(misc::probe(m, limit)).await),
        CheckerKind::Smtp(s) => {
            let rs_addr = SocketAddr::new(rs.ip, rs.port);
            (Box::pin(smtp::probe(s, co, limit, rs_addr)).await, Vec::new())
        }
        CheckerKind::Dns(d) => (
            Box::pin(dns::probe(d, co, limit, ctx.dns_id, &ctx.chk)).await,
            Vec::new(),
        ),
        CheckerKind::Udp(u) => (Box::pin(udp::probe(u, co, limit, &ctx.chk)).await, Vec::new()),
        CheckerKind::Ping => (Box::pin(ping::probe(co, limit, &ctx.chk, &ctx.vs)).await, Vec::new()),
        CheckerKind::Bfd(_) => return None,
    })
}

/// Where checker `id` connects, if it is a TCP_CHECK: with [`run_tcp`], its probe needs
/// nothing else from the configuration, so that a pending probe holds only this.
pub fn tcp_endpoint(cfg: &Config, id: CheckerId) -> Option<Endpoint> {
    let vs = cfg.check.virtual_servers.get(id.vs)?;
    let rs = vs.real_servers.get(id.rs)?;
    let c = rs.checkers.get(id.checker)?;
    match c.kind {
        CheckerKind::Tcp => Some(Endpoint::new(c.co.as_ref().unwrap_or(&DEFAULT_CONN_OPTS), rs, vs)),
        _ => None,
    }
}

/// One TCP_CHECK probe (`tcp_connect_thread`) to `ep`; `chk` names the real server.
pub async fn run_tcp(ep: &Endpoint, chk: &str) -> (Report, Vec<LogLine>) {
    tcp_report(tcp::probe(ep, chk).await)
}

/// A TCP_CHECK probe's end as the scheduler's [`Report`] and the lines it logs itself.
pub fn tcp_report(r: Result<Probe, NotRun>) -> (Report, Vec<LogLine>) {
    match r {
        Ok(p) => (Report::Done(p), Vec::new()),
        Err(n) => (Report::Rescheduled, n.log.into_iter().map(LogLine::info).collect()),
    }
}

/// The options of a checker without a connection block (keepalived's defaults).
static DEFAULT_CONN_OPTS: LazyLock<ConnOpts> = LazyLock::new(ConnOpts::default);

/// One HTTP_GET/SSL_GET probe: the url the scheduler chose (`http_connect_thread`).
async fn http_probe(
    vs: &VirtualServer,
    rs: &RealServer,
    c: &Checker,
    ctx: &ProbeCtx,
) -> Option<(Report, Vec<LogLine>)> {
    let t = HttpTarget::new(vs, rs, c)?;
    if t.urls.is_empty() {
        return Some((Report::Done(Probe::Success), Vec::new()));
    }
    let i = ctx.url.min(t.urls.len() - 1);
    Some(match http::probe_url(&t, i).await {
        Ok(UrlVerdict::Pass(word)) => {
            let mut logs = Vec::new();
            if !ctx.is_up {
                logs.push(LogLine::info(http::success_line(word, &t.trio, &t.urls[i].path)));
            }
            (Report::Done(Probe::Success), logs)
        }
        Ok(UrlVerdict::Fail(m)) => (Report::Done(Probe::Failure { reason: m.to_string() }), Vec::new()),
        Err(n) => (Report::Rescheduled, n.log.into_iter().map(LogLine::info).collect()),
    })
}
