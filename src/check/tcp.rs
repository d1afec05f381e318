//! `TCP_CHECK` (keepalived's `check_tcp.c`): one connect per probe; connected is success.
//! The up/down lines ("TCP connection to %s success.", "TCP_CHECK on service %s failed[ after
//! %u retries].") belong to the pool, which knows the state; [`success_line`] and
//! [`failed_line`] give their text.

use super::conn::{self, Connect, Endpoint, NotRun};
use super::event::Probe;

/// One `TCP_CHECK` probe (`tcp_connect_thread()` + `tcp_check_thread()`); `trio` is the
/// checker's `[ip]:proto:port` (keepalived's `FMT_CHK`: the real server, not `connect_ip`).
pub async fn probe(ep: &Endpoint, trio: &str) -> Result<Probe, NotRun> {
    // keepalived closes at once on success; dropping the connection does.
    verdict(conn::connect(ep).await, trio)
}

/// What a finished connection attempt means for a `TCP_CHECK` (`tcp_check_thread()`): a
/// verdict, or none when the socket could not be made or set up ("Rescheduling.").
pub fn verdict(end: Connect, trio: &str) -> Result<Probe, NotRun> {
    match end {
        Connect::Ok(_) => Ok(Probe::Success),
        Connect::Timeout => Ok(Probe::Failure {
            reason: format!("TCP connection to {trio} timeout."),
        }),
        Connect::Refused(_) | Connect::Failed(_) | Connect::Error(_) => Ok(Probe::Failure {
            reason: format!("TCP connection to {trio} failed."),
        }),
        Connect::Setup { no_socket: true, .. } => Err(NotRun {
            log: vec!["TCP connect fail to create socket. Rescheduling.".into()],
        }),
        Connect::Setup { log, .. } => Err(NotRun {
            log: log
                .into_iter()
                .chain(std::iter::once("TCP socket bind failed. Rescheduling.".into()))
                .collect(),
        }),
    }
}

/// keepalived's line when a TCP_CHECK goes up (`tcp_epilog()`).
pub fn success_line(trio: &str) -> String {
    format!("TCP connection to {trio} success.")
}

/// keepalived's line when a TCP_CHECK goes down: with the retry count when it has run before
/// and `retry` is not 0 (`tcp_epilog()`).
pub fn failed_line(trio: &str, retries: Option<u32>) -> String {
    match retries {
        Some(n) => format!("TCP_CHECK on service {trio} failed after {n} retries."),
        None => format!("TCP_CHECK on service {trio} failed."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_match_check_tcp_c() {
        let t = "[10.0.0.2]:tcp:80";
        assert_eq!(success_line(t), "TCP connection to [10.0.0.2]:tcp:80 success.");
        assert_eq!(
            failed_line(t, Some(3)),
            "TCP_CHECK on service [10.0.0.2]:tcp:80 failed after 3 retries."
        );
        assert_eq!(failed_line(t, None), "TCP_CHECK on service [10.0.0.2]:tcp:80 failed.");
    }
}
