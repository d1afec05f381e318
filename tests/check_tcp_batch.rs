//! `check::tcp_batch` (TCP_CHECKs waiting together on one epoll set, as keepalived's
//! `tcp_connect_thread()`/`tcp_check_thread()` wait in its scheduler) gives exactly what
//! `tcp::probe` gives, against real sockets in a network namespace each test creates. Skips,
//! saying why, without root.

mod support;

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::{Duration, Instant};

use keepalived_rs::check::conn::{Endpoint, NotRun};
use keepalived_rs::check::event::Probe;
use keepalived_rs::check::tcp;
use keepalived_rs::check::tcp_batch::TcpBatch;
use support::check_http::{SILENT, in_ns, netns, run_in};

fn ep(dst: &str, ms: u64) -> Endpoint {
    Endpoint::to(dst.parse().unwrap(), Duration::from_millis(ms))
}

/// One probe through a batch of its own.
async fn batch_probe(ep: &Endpoint, trio: &str) -> Result<Probe, NotRun> {
    let mut b = TcpBatch::new().unwrap();
    if let Some(((), r)) = b.start(ep, trio.into(), ()) {
        assert!(b.is_empty());
        return r;
    }
    assert_eq!(b.len(), 1);
    let mut done = b.next().await;
    assert!(b.is_empty());
    assert_eq!(done.len(), 1);
    done.pop().unwrap().1
}

/// Every verdict of `tcp_check_thread()` and every "Rescheduling." of `tcp_connect_thread()`
/// is the same through the batch as through `tcp::probe`.
#[test]
fn batch_matches_tcp_probe() {
    let Some(ns) = netns("batch_matches_tcp_probe") else {
        return;
    };
    let l = in_ns(&ns, || TcpListener::bind("127.0.0.1:0").unwrap());
    let l6 = in_ns(&ns, || TcpListener::bind("[::1]:0").unwrap());
    let port = l.local_addr().unwrap().port();
    let p6 = l6.local_addr().unwrap().port();
    let mut bad_dev = ep(&format!("127.0.0.1:{port}"), 1000);
    bad_dev.bind_if = Some("nosuchdev0".into());
    let mut no_dst = ep("127.0.0.1:1", 100);
    no_dst.dst = None;
    let cases = [
        (ep(&format!("127.0.0.1:{port}"), 1000), "connects"),
        (ep(&format!("[::1]:{p6}"), 1000), "connects over IPv6"),
        (ep("127.0.0.1:9", 1000), "refused"),
        (ep(&format!("{SILENT}:80"), 300), "times out"),
        (bad_dev, "bind_if fails"),
        (no_dst, "no destination"),
    ];
    for (e, what) in cases {
        let trio = format!("[{what}]:tcp:1");
        let want = run_in(&ns, tcp::probe(&e, &trio));
        let t = Instant::now();
        let got = run_in(&ns, batch_probe(&e, &trio));
        assert_eq!(got, want, "{what}");
        if what == "times out" {
            let took = t.elapsed();
            assert!(
                took >= Duration::from_millis(300) && took < Duration::from_millis(2000),
                "{took:?}"
            );
        }
    }
}

/// `socket_bind_connect()`: bindto + bind_port give the source address through the batch too.
#[test]
fn batch_binds_the_source() {
    let Some(ns) = netns("batch_binds_the_source") else {
        return;
    };
    let l = in_ns(&ns, || TcpListener::bind("127.0.0.1:0").unwrap());
    let port = l.local_addr().unwrap().port();
    let mut e = ep(&format!("127.0.0.1:{port}"), 1000);
    e.bind = Some("127.0.0.2:40124".parse().unwrap());
    assert_eq!(run_in(&ns, batch_probe(&e, "x")), Ok(Probe::Success));
    let (_, peer) = l.accept().unwrap();
    assert_eq!(peer, "127.0.0.2:40124".parse::<SocketAddr>().unwrap());
}

/// Many probes at once, as the checker child runs them: each result comes back once, with its
/// own tag, whatever the order they end in; slots are reused after they end.
#[test]
fn batch_runs_many_probes_at_once() {
    let Some(ns) = netns("batch_runs_many_probes_at_once") else {
        return;
    };
    let l = in_ns(&ns, || TcpListener::bind("127.0.0.1:0").unwrap());
    let port = l.local_addr().unwrap().port();
    let l2 = in_ns(&ns, || TcpListener::bind("127.0.0.1:0").unwrap());
    let port2 = l2.local_addr().unwrap().port();
    // Accepts (and closes) every connection to port2 until the test ends.
    std::thread::spawn(move || l2.incoming().for_each(drop));
    let results = run_in(&ns, async move {
        let mut b = TcpBatch::new().unwrap();
        let mut got = Vec::new();
        for round in 0..2 {
            for i in 0..150usize {
                let e = match i % 3 {
                    0 => ep(&format!("127.0.0.1:{port}"), 1000),
                    1 => ep("127.0.0.1:9", 1000),
                    _ => ep(&format!("{SILENT}:80"), 200 + i as u64),
                };
                let trio: Arc<str> = format!("[{i}]:tcp:1").into();
                got.extend(b.start(&e, trio, (round, i)));
            }
            while !b.is_empty() {
                got.extend(b.next().await);
            }
            // The burst over, its slots and deadlines are given back.
            assert_eq!(b.footprint(), (0, 0), "round {round}");
        }
        // Quick results leave their (long) deadlines behind, under the earlier deadline of a
        // probe still pending; they are dropped as probes go on.
        assert!(
            b.start(&ep(&format!("{SILENT}:80"), 30_000), "x".into(), (3, 0))
                .is_none()
        );
        for i in 0..1000 {
            if b.start(&ep(&format!("127.0.0.1:{port2}"), 60_000), "x".into(), (2, i))
                .is_none()
            {
                assert_eq!(b.next().await.pop().map(|(_, r)| r), Some(Ok(Probe::Success)));
            }
        }
        let (slots, deadlines) = b.footprint();
        assert!(
            slots <= 150 && deadlines <= 2 * 2 + 64 + 1,
            "slots {slots}, deadlines {deadlines}"
        );
        got
    });
    drop(l);
    assert_eq!(results.len(), 300);
    let mut tags: Vec<(i32, usize)> = results.iter().map(|(t, _)| *t).collect();
    tags.sort();
    tags.dedup();
    assert_eq!(tags.len(), 300, "each probe once");
    for ((_, i), r) in results {
        let want = match i % 3 {
            0 => Probe::Success,
            1 => Probe::Failure {
                reason: format!("TCP connection to [{i}]:tcp:1 failed."),
            },
            _ => Probe::Failure {
                reason: format!("TCP connection to [{i}]:tcp:1 timeout."),
            },
        };
        assert_eq!(r, Ok(want), "probe {i}");
    }
}
