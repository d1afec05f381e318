//! MISC_CHECK, SMTP_CHECK, DNS_CHECK, UDP_CHECK and PING_CHECK probes against real servers and
//! scripts, each network test in a namespace it creates. Failure texts are keepalived 2.2.7's
//! (check_misc.c, check_smtp.c, check_dns.c, check_udp.c, check_ping.c).

mod support;

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use keepalived_rs::check::event::Probe;
use keepalived_rs::check::schedule::Report;
use keepalived_rs::check::{dns, misc, ping, smtp, udp};
use keepalived_rs::config::model::Script;
use keepalived_rs::config::model::check::{DnsCheck, MiscCheck, SMTP_DEFAULT_HELO, SmtpCheck, UdpCheck};
use support::Netns;
use support::check_misc::{co, in_netns};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, UdpSocket};

fn fail(reason: &str) -> Probe {
    Probe::Failure { reason: reason.into() }
}

fn done(reason: &str) -> Report {
    Report::Done(fail(reason))
}

const OK: Report = Report::Done(Probe::Success);

fn netns(test: &str) -> Option<Netns> {
    if !support::can_netns() {
        support::skip(test, "needs root and ip netns");
        return None;
    }
    Some(Netns::with_interfaces(&["eth0".to_string()]))
}

// ---------------------------------------------------------------- MISC_CHECK

fn script(dir: &Path, name: &str, body: &str) -> Script {
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    Script {
        args: vec![p.to_str().unwrap().to_string()],
        user: None,
        group: None,
        uid: 0,
        gid: 0,
        origin: Default::default(),
    }
}

fn misc_run(s: Script, dynamic: bool, timeout: Duration) -> Probe {
    let check = MiscCheck {
        script: s,
        timeout: 0,
        dynamic,
    };
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(misc::probe(&check, timeout))
}

#[test]
fn misc_check_child_thread_exit_codes() {
    let d = tempfile::tempdir().unwrap();
    let t = Duration::from_secs(10);
    assert_eq!(misc_run(script(d.path(), "ok", "exit 0"), false, t), Probe::Success);
    assert_eq!(
        misc_run(script(d.path(), "f1", "exit 1"), false, t),
        fail("exited with status 1")
    );
    assert_eq!(
        misc_run(script(d.path(), "f3", "exit 3"), false, t),
        fail("exited with status 3")
    );
    // misc_dynamic: 2..255 succeed with weight code - 2; 1 still fails.
    assert_eq!(
        misc_run(script(d.path(), "d3", "exit 3"), true, t),
        Probe::SuccessWeight(1)
    );
    assert_eq!(
        misc_run(script(d.path(), "d2", "exit 2"), true, t),
        Probe::SuccessWeight(0)
    );
    assert_eq!(
        misc_run(script(d.path(), "d255", "exit 255"), true, t),
        Probe::SuccessWeight(253)
    );
    assert_eq!(
        misc_run(script(d.path(), "d1", "exit 1"), true, t),
        fail("exited with status 1")
    );
    // Its arguments are passed.
    let mut s = script(d.path(), "args", "[ \"$1\" = a ] && [ \"$2\" = 'b c' ]");
    s.args.extend(["a".to_string(), "b c".to_string()]);
    assert_eq!(misc_run(s, false, t), Probe::Success);
    // Killed by a signal that is not ours.
    assert_eq!(
        misc_run(script(d.path(), "sig", "kill -9 $$"), false, t),
        fail("due to signal 9")
    );
}

fn alive(pid: i32) -> bool {
    // A zombie would still answer kill(0); look at its state instead.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(s) => !s.rsplit(')').next().unwrap_or("").trim_start().starts_with('Z'),
        Err(_) => false,
    }
}

fn read_pid(p: &Path) -> i32 {
    std::fs::read_to_string(p).unwrap().trim().parse().unwrap()
}

#[test]
fn misc_check_child_thread_timeout_kills_the_group() {
    let d = tempfile::tempdir().unwrap();
    let pidf = d.path().join("child.pid");
    // The script starts a grandchild and waits: SIGTERM to the group ends both.
    let s = script(
        d.path(),
        "slow",
        &format!("sleep 30 & echo $! > {}\nwait", pidf.display()),
    );
    let start = Instant::now();
    assert_eq!(misc_run(s, false, Duration::from_millis(300)), fail("timed out"));
    assert!(start.elapsed() < Duration::from_secs(2), "SIGTERM ends it at once");
    // The signal reaches the grandchild asynchronously: wait (bounded) for it to die.
    let pid = read_pid(&pidf);
    let end = Instant::now() + Duration::from_secs(5);
    while alive(pid) && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!alive(pid), "the script's own child was killed too");
}

#[test]
fn misc_check_child_thread_term_then_kill() {
    let d = tempfile::tempdir().unwrap();
    let pidf = d.path().join("self.pid");
    let s = script(
        d.path(),
        "stubborn",
        &format!("trap '' TERM\necho $$ > {}\nwhile :; do sleep 1; done", pidf.display()),
    );
    let start = Instant::now();
    assert_eq!(misc_run(s, false, Duration::from_millis(300)), fail("timed out"));
    let took = start.elapsed();
    assert!(
        took >= Duration::from_secs(2),
        "SIGKILL only 2 s after SIGTERM ({took:?})"
    );
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert!(!alive(read_pid(&pidf)), "reaped, not left running or a zombie");
}

#[test]
fn misc_check_runs_as_the_script_user() {
    const T: &str = "misc_check_runs_as_the_script_user";
    if !support::is_root() {
        return support::skip(T, "needs root to change user");
    }
    let d = tempfile::tempdir().unwrap();
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let out = d.path().join("id");
    let mut s = script(d.path(), "who", &format!("id -u > {0}; id -g >> {0}", out.display()));
    s.user = Some("nobody".into());
    s.uid = 65534;
    s.gid = 65534;
    assert_eq!(misc_run(s, false, Duration::from_secs(10)), Probe::Success);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "65534\n65534\n");
}

// ---------------------------------------------------------------- SMTP_CHECK

/// A one-connection SMTP responder: sends `banner`, answers HELO with `helo_reply`, QUIT with
/// 221; returns the lines it received.
async fn smtp_server(l: TcpListener, banner: &'static str, helo_reply: &'static str) -> Vec<String> {
    let (s, _) = l.accept().await.unwrap();
    let (r, mut w) = s.into_split();
    let mut r = BufReader::new(r);
    let mut got = Vec::new();
    w.write_all(banner.as_bytes()).await.unwrap();
    let mut line = String::new();
    while r.read_line(&mut line).await.unwrap_or(0) > 0 {
        got.push(line.clone());
        let reply = if line.starts_with("HELO") {
            helo_reply
        } else {
            "221 bye\r\n"
        };
        let _ = w.write_all(reply.as_bytes()).await;
        line.clear();
    }
    got
}

#[test]
fn smtp_engine_thread_conversation() {
    let Some(ns) = netns("smtp_engine_thread_conversation") else {
        return;
    };
    let (probe, got) = in_netns(&ns.name, || async {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        let server = tokio::spawn(smtp_server(l, "220 mx ESMTP\r\n", "250 hello\r\n"));
        let check = SmtpCheck {
            helo_name: SMTP_DEFAULT_HELO.into(),
        };
        let rs = "127.0.0.1:25".parse().unwrap();
        let p = smtp::probe(&check, &co("127.0.0.1", port), Duration::from_secs(5), rs).await;
        (p, server.await.unwrap())
    });
    assert_eq!(probe, OK);
    assert_eq!(got, ["HELO smtpchecker.keepalived.org\r\n", "QUIT\r\n"]);
}

#[test]
fn smtp_final_failure_reasons() {
    let Some(ns) = netns("smtp_final_failure_reasons") else {
        return;
    };
    let r = in_netns(&ns.name, || async {
        let check = SmtpCheck {
            helo_name: "me.example".into(),
        };
        let rs: SocketAddr = "10.100.0.2:25".parse().unwrap();
        let t = Duration::from_secs(5);
        let short = Duration::from_millis(300);
        let mut out = Vec::new();
        for (banner, helo) in [("554 go away\r\n", "250 x\r\n"), ("220 ok\r\n", "500 no\r\n")] {
            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = l.local_addr().unwrap().port();
            let server = tokio::spawn(smtp_server(l, banner, helo));
            out.push((port, smtp::probe(&check, &co("127.0.0.1", port), t, rs).await));
            server.abort();
        }
        // Nothing listening: the RST comes back after connect() returned EINPROGRESS.
        let port = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        out.push((port, smtp::probe(&check, &co("127.0.0.1", port), t, rs).await));
        // Silent server: read timeout.
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        out.push((port, smtp::probe(&check, &co("127.0.0.1", port), short, rs).await));
        drop(l);
        // On the link but nobody there: connect timeout.
        out.push((25, smtp::probe(&check, &co("10.100.0.99", 25), short, rs).await));
        // No route: connect() fails at once.
        out.push((25, smtp::probe(&check, &co("192.0.2.1", 25), short, rs).await));
        out
    });
    let srv = |i: usize| format!("[127.0.0.1]:{}", r[i].0);
    assert_eq!(r[0].1, done(&format!("Bad greeting banner from server {}", srv(0))));
    assert_eq!(r[1].1, done(&format!("Bad HELO response from server {}", srv(1))));
    assert_eq!(r[2].1, done(&format!("Could not connect to server {}", srv(2))));
    assert_eq!(r[3].1, done(&format!("Read timeout from server {}", srv(3))));
    assert_eq!(r[4].1, done("Connection timeout to server [10.100.0.99]:25"));
    assert_eq!(
        r[5].1,
        done("Network unreachable for server 192.0.2.1 - real server [10.100.0.2]:25")
    );
}

// ---------------------------------------------------------------- DNS_CHECK

/// A DNS responder for one A query: checks the question keepalived builds, then answers (after
/// `decoys`: a reply with the wrong id and a copy of the query, which must be ignored) with
/// `rcode`.
async fn dns_server(s: UdpSocket, rcode: u8, decoys: bool) -> Vec<u8> {
    let mut buf = [0u8; 512];
    let (n, from) = s.recv_from(&mut buf).await.unwrap();
    let q = buf[..n].to_vec();
    if decoys {
        let mut wrong = q.clone();
        wrong[0] ^= 0xff;
        wrong[2] |= 0x80;
        s.send_to(&wrong, from).await.unwrap();
        s.send_to(&q, from).await.unwrap();
    }
    let mut a = q.clone();
    a[2] = 0x81; // QR, RD
    a[3] = 0x80 | rcode; // RA
    if rcode == 0 {
        a[7] = 1; // ANCOUNT
        a.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 7]);
    }
    s.send_to(&a, from).await.unwrap();
    q
}

#[test]
fn dns_check_thread_against_a_responder() {
    let Some(ns) = netns("dns_check_thread_against_a_responder") else {
        return;
    };
    let (ok, q, nx, refused, silent) = in_netns(&ns.name, || async {
        let check = DnsCheck {
            qtype: "A",
            name: "www.example.com".into(),
        };
        let t = Duration::from_secs(5);
        let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let port = s.local_addr().unwrap().port();
        let server = tokio::spawn(dns_server(s, 0, true));
        let ok = dns::probe(&check, &co("127.0.0.1", port), t, 0x4242, "c").await;
        let q = server.await.unwrap();
        let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let port = s.local_addr().unwrap().port();
        let server = tokio::spawn(dns_server(s, 3, false));
        let nx = dns::probe(&check, &co("127.0.0.1", port), t, 7, "c").await;
        server.await.unwrap();
        // Closed port: the ICMP port unreachable surfaces as a read error.
        let port = UdpSocket::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let refused = dns::probe(&check, &co("127.0.0.1", port), t, 7, "c").await;
        let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let port = s.local_addr().unwrap().port();
        let silent = dns::probe(&check, &co("127.0.0.1", port), Duration::from_millis(200), 7, "c").await;
        drop(s);
        (ok, q, nx, refused, silent)
    });
    assert_eq!(ok, OK);
    assert_eq!(q, dns::make_query(0x4242, 1, "www.example.com"));
    assert_eq!(&q[..4], &[0x42, 0x42, 0x01, 0x00]);
    assert_eq!(nx, done("read error occurred. (rcode = 3)"));
    assert_eq!(refused, done("failed to read socket; errno 111 (Connection refused)"));
    assert_eq!(silent, done("read timeout from socket"));
}

// ---------------------------------------------------------------- UDP_CHECK

async fn udp_echo(s: UdpSocket, reply: Option<&'static [u8]>) -> Vec<u8> {
    let mut buf = [0u8; 512];
    let (n, from) = s.recv_from(&mut buf).await.unwrap();
    s.send_to(reply.unwrap_or(&buf[..n]), from).await.unwrap();
    buf[..n].to_vec()
}

fn udp_check(require: bool, data: Option<&[u8]>) -> UdpCheck {
    UdpCheck {
        payload: None,
        require_reply: require,
        reply_data: data.map(<[u8]>::to_vec),
        reply_mask: None,
        min_reply_len: 0,
        max_reply_len: 255,
    }
}

#[test]
fn udp_check_thread_against_an_echo_server() {
    let Some(ns) = netns("udp_check_thread_against_an_echo_server") else {
        return;
    };
    let chk = "[127.0.0.1]:udp:53";
    let r = in_netns(&ns.name, move || async move {
        let t = Duration::from_secs(5);
        let mut out = Vec::new();
        let cases: [(UdpCheck, Option<&'static [u8]>); 3] = [
            (udp_check(false, None), None),
            (udp_check(true, Some(b"PONG")), Some(b"PONG!")),
            (udp_check(true, Some(b"PONG")), Some(b"PING")),
        ];
        let mut sent = Vec::new();
        for (check, reply) in cases {
            let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let port = s.local_addr().unwrap().port();
            let server = tokio::spawn(udp_echo(s, reply));
            out.push(udp::probe(&check, &co("127.0.0.1", port), t, chk).await);
            sent.push(server.await.unwrap());
        }
        let port = UdpSocket::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        out.push(udp::probe(&udp_check(false, None), &co("127.0.0.1", port), t, chk).await);
        let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let port = s.local_addr().unwrap().port();
        let short = Duration::from_millis(200);
        out.push(udp::probe(&udp_check(false, None), &co("127.0.0.1", port), short, chk).await);
        out.push(udp::probe(&udp_check(true, None), &co("127.0.0.1", port), short, chk).await);
        drop(s);
        out.push(udp::probe(&udp_check(false, None), &co("192.0.2.1", 53), short, chk).await);
        (out, sent)
    });
    let (out, sent) = r;
    assert_eq!(
        sent[0], b"keepalived check - keepalived ch",
        "keepalived's default payload"
    );
    assert_eq!(out[0], OK);
    assert_eq!(out[1], OK);
    assert_eq!(out[2], done("UDP check to [127.0.0.1]:udp:53 reply data mismatch."));
    let refused = done("UDP connection to [127.0.0.1]:udp:53 failed.");
    assert_eq!(out[3], refused, "port unreachable");
    assert_eq!(out[4], OK, "silence is success without require_reply");
    assert_eq!(out[5], refused);
    // No route: connect() fails, then udp_epilog(false) without a line.
    assert_eq!(out[6], done(""));
}

// ---------------------------------------------------------------- PING_CHECK

fn ping_cases(ns: &Netns) -> Vec<Report> {
    in_netns(&ns.name, || async {
        let t = Duration::from_millis(500);
        let (chk, vs) = ("[X]:tcp:0", "[V]:tcp:80");
        vec![
            ping::probe(&co("10.100.0.1", 0), t, chk, vs).await,
            ping::probe(&co("127.0.0.1", 0), t, chk, vs).await,
            // On the link but nobody there: no answer.
            ping::probe(&co("10.100.0.99", 0), t, chk, vs).await,
            // No route: the send fails.
            ping::probe(&co("192.0.2.1", 0), t, chk, vs).await,
        ]
    })
}

fn assert_ping(r: &[Report]) {
    assert_eq!(r[0], OK);
    assert_eq!(r[1], OK);
    assert_eq!(r[2], done("ICMP connection to address [X]:tcp:0 timeout."));
    // The send fails ("send ICMP packet fail" is logged): icmp_epilog(false), no line.
    assert_eq!(r[3], done(""));
}

#[test]
fn icmp_connect_thread_raw_socket() {
    let Some(ns) = netns("icmp_connect_thread_raw_socket") else {
        return;
    };
    // ping_group_range is "1 0" in a new namespace: ping sockets are refused, root uses raw.
    assert_ping(&ping_cases(&ns));
}

#[test]
fn icmp_connect_thread_ping_socket() {
    let Some(ns) = netns("icmp_connect_thread_ping_socket") else {
        return;
    };
    // Per-namespace sysctl: allow ping sockets for every group, as keepalived's
    // set_ping_group_range() does.
    let o = ns.exec(
        Path::new("/"),
        "sysctl",
        &["-qw", "net.ipv4.ping_group_range=0 2147483647"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_ping(&ping_cases(&ns));
}

#[test]
fn icmp6_connect_thread() {
    let Some(ns) = netns("icmp6_connect_thread") else {
        return;
    };
    let r = in_netns(&ns.name, || async {
        ping::probe(&co("::1", 0), Duration::from_millis(500), "c", "v").await
    });
    assert_eq!(r, OK);
}

/// `socket_bind_connect()` through `check::conn` for SMTP_CHECK and DNS_CHECK: a bad
/// `bind_if` is a set-up failure (rescheduled, no verdict); `bindto`/`bind_port` give the
/// DNS query's source.
#[test]
fn smtp_and_dns_socket_bind_connect() {
    let Some(ns) = netns("smtp_and_dns_socket_bind_connect") else {
        return;
    };
    let (smtp_bad_if, dns_bad_if, source, src_port) = in_netns(&ns.name, || async {
        let t = Duration::from_secs(5);
        let rs: SocketAddr = "127.0.0.1:25".parse().unwrap();
        let mut bad = co("127.0.0.1", 25);
        bad.local_mut().bind_if = Some("nosuchdev0".into());
        let smtp_check = SmtpCheck { helo_name: "me".into() };
        let dns_check = DnsCheck {
            qtype: "A",
            name: "x".into(),
        };
        let smtp_bad_if = smtp::probe(&smtp_check, &bad, t, rs).await;
        let dns_bad_if = dns::probe(&dns_check, &bad, t, 1, "c").await;
        let s = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let port = s.local_addr().unwrap().port();
        let src_port = UdpSocket::bind("127.0.0.1:0")
            .await
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut bound = co("127.0.0.1", port);
        bound.local_mut().bindto = Some("127.0.0.1".parse().unwrap());
        bound.local_mut().bind_port = src_port;
        let probe = dns::probe(&dns_check, &bound, Duration::from_millis(300), 1, "c");
        let recv = async {
            let mut buf = [0u8; 512];
            s.recv_from(&mut buf).await.unwrap().1
        };
        let (_, from) = tokio::join!(probe, recv);
        (smtp_bad_if, dns_bad_if, from, src_port)
    });
    assert_eq!(smtp_bad_if, Report::Rescheduled);
    assert_eq!(dns_bad_if, Report::Rescheduled);
    assert_eq!(source, SocketAddr::from(([127, 0, 0, 1], src_port)));
}
