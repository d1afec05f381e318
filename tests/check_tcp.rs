//! TCP_CHECK (`keepalived_rs::check::tcp`, keepalived's `check_tcp.c`) and the checker socket
//! options (`check::conn`, keepalived's `socket_bind_connect()`) against real sockets in a
//! network namespace each test creates. Skips, saying why, without root.

mod support;

use std::net::{SocketAddr, TcpListener};
use std::time::{Duration, Instant};

use keepalived_rs::check::conn::{Endpoint, NotRun};
use keepalived_rs::check::event::Probe;
use keepalived_rs::check::tcp;
use support::check_http::{SILENT, in_ns, netns, run_in};

fn ep(dst: &str, ms: u64) -> Endpoint {
    Endpoint::to(dst.parse().unwrap(), Duration::from_millis(ms))
}

/// `tcp_check_thread()`: connect_success is Success.
#[test]
fn tcp_check_connects() {
    let Some(ns) = netns("tcp_check_connects") else { return };
    let l = in_ns(&ns, || TcpListener::bind("127.0.0.1:0").unwrap());
    let port = l.local_addr().unwrap().port();
    let trio = format!("[127.0.0.1]:tcp:{port}");
    let r = run_in(&ns, tcp::probe(&ep(&format!("127.0.0.1:{port}"), 1000), &trio));
    assert_eq!(r, Ok(Probe::Success));
    // IPv6 too.
    let l6 = in_ns(&ns, || TcpListener::bind("[::1]:0").unwrap());
    let p6 = l6.local_addr().unwrap().port();
    let r = run_in(&ns, tcp::probe(&ep(&format!("[::1]:{p6}"), 1000), "x"));
    assert_eq!(r, Ok(Probe::Success));
}

/// `tcp_check_thread()`: a refused connection is "TCP connection to %s failed.".
#[test]
fn tcp_check_refused_fails() {
    let Some(ns) = netns("tcp_check_refused_fails") else {
        return;
    };
    let r = run_in(&ns, tcp::probe(&ep("127.0.0.1:9", 1000), "[127.0.0.1]:tcp:9"));
    assert_eq!(
        r,
        Ok(Probe::Failure {
            reason: "TCP connection to [127.0.0.1]:tcp:9 failed.".into()
        })
    );
}

/// `tcp_check_thread()` connect_timeout: "TCP connection to %s timeout." after
/// connect_timeout, not before and not much after.
#[test]
fn tcp_check_times_out() {
    let Some(ns) = netns("tcp_check_times_out") else { return };
    let t = Instant::now();
    let r = run_in(
        &ns,
        tcp::probe(&ep(&format!("{SILENT}:80"), 400), "[10.100.0.9]:tcp:80"),
    );
    let took = t.elapsed();
    assert_eq!(
        r,
        Ok(Probe::Failure {
            reason: "TCP connection to [10.100.0.9]:tcp:80 timeout.".into()
        })
    );
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_millis(2000),
        "{took:?}"
    );
}

/// `socket_bind_connect()`: bindto + bind_port give the source address and port.
#[test]
fn bindto_and_bind_port_set_the_source() {
    let Some(ns) = netns("bindto_and_bind_port_set_the_source") else {
        return;
    };
    let l = in_ns(&ns, || TcpListener::bind("127.0.0.1:0").unwrap());
    let port = l.local_addr().unwrap().port();
    let mut e = ep(&format!("127.0.0.1:{port}"), 1000);
    e.bind = Some("127.0.0.2:40123".parse().unwrap());
    assert_eq!(run_in(&ns, tcp::probe(&e, "x")), Ok(Probe::Success));
    let (_, peer) = l.accept().unwrap();
    assert_eq!(peer, "127.0.0.2:40123".parse::<SocketAddr>().unwrap());
}

/// `socket_bind_connect()`: SO_BINDTODEVICE (`bind_if`) keeps the connection on that device;
/// a failed SO_BINDTODEVICE is no verdict ("TCP socket bind failed. Rescheduling.").
#[test]
fn bind_if_binds_the_device() {
    let Some(ns) = netns("bind_if_binds_the_device") else {
        return;
    };
    let l = in_ns(&ns, || TcpListener::bind("127.0.0.1:0").unwrap());
    let port = l.local_addr().unwrap().port();
    let mut e = ep(&format!("127.0.0.1:{port}"), 1000);
    e.bind_if = Some("lo".into());
    assert_eq!(run_in(&ns, tcp::probe(&e, "x")), Ok(Probe::Success));
    e.bind_if = Some("nosuchdev0".into());
    assert_eq!(
        run_in(&ns, tcp::probe(&e, "x")),
        Err(NotRun {
            log: vec![
                "Checker can't bind to device nosuchdev0: No such device".into(),
                "TCP socket bind failed. Rescheduling.".into()
            ]
        })
    );
}

/// `socket_bind_connect()`: SO_MARK (`fwmark`) reaches routing: with a rule prohibiting that
/// mark, connect() fails with EACCES (no verdict) instead of timing out.
#[test]
fn fwmark_marks_the_socket() {
    let Some(ns) = netns("fwmark_marks_the_socket") else {
        return;
    };
    let o = ns.exec(
        std::path::Path::new("/"),
        "ip",
        &["rule", "add", "fwmark", "7", "prohibit", "pref", "100"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut e = ep(&format!("{SILENT}:80"), 300);
    e.fwmark = 7;
    let t = Instant::now();
    let r = run_in(&ns, tcp::probe(&e, "x"));
    assert_eq!(
        r,
        Err(NotRun {
            log: vec!["TCP socket bind failed. Rescheduling.".into()]
        })
    );
    assert!(t.elapsed() < Duration::from_millis(300));
    e.fwmark = 0;
    assert!(matches!(run_in(&ns, tcp::probe(&e, "x")), Ok(Probe::Failure { .. })));
}

/// No destination (an invalid `connect_ip`): keepalived cannot make the socket.
#[test]
fn no_destination_is_no_verdict() {
    let mut e = ep("127.0.0.1:1", 100);
    e.dst = None;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    assert_eq!(
        rt.block_on(tcp::probe(&e, "x")),
        Err(NotRun {
            log: vec!["TCP connect fail to create socket. Rescheduling.".into()]
        })
    );
}

fn endpoint_of(text: &str) -> Endpoint {
    use keepalived_rs::config::{LoadOptions, load_text, system::FixedSystem};
    let l = load_text(text, &LoadOptions::default(), &FixedSystem::typical(), false);
    let vs = &l.config.check.virtual_servers[0];
    let rs = &vs.real_servers[0];
    Endpoint::new(rs.checkers[0].co.as_ref().unwrap(), rs, vs)
}

/// `queue_checker()` and the `connect_*` keywords: the destination defaults to the real
/// server; `connect_ip`/`connect_port`, `bindto`/`bind_port`, `bind_if`, `fwmark` and
/// `connect_timeout` (checker, else real server, else virtual server, else 5 s) apply.
#[test]
fn endpoint_from_configuration() {
    let e = endpoint_of(
        "virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 10.0.0.2 8080 {\n  TCP_CHECK {\n  }\n }\n}\n",
    );
    assert_eq!(
        e,
        Endpoint::to("10.0.0.2:8080".parse().unwrap(), Duration::from_secs(5))
    );
    let e = endpoint_of(
        "virtual_server 10.0.0.1 80 {\n protocol TCP\n connect_timeout 7\n real_server 10.0.0.2 8080 {\n  connect_timeout 3\n  TCP_CHECK {\n   connect_ip 10.0.0.3\n   connect_port 81\n   bindto 10.0.0.9\n   bind_port 4000\n   bind_if eth0\n   fwmark 12\n  }\n }\n}\n",
    );
    assert_eq!(
        e,
        Endpoint {
            dst: Some("10.0.0.3:81".parse().unwrap()),
            bind: Some("10.0.0.9:4000".parse().unwrap()),
            bind_if: Some("eth0".into()),
            fwmark: 12,
            timeout: Duration::from_secs(3),
        }
    );
    let e = endpoint_of(
        "virtual_server 10.0.0.1 80 {\n protocol TCP\n connect_timeout 7\n real_server 10.0.0.2 8080 {\n  TCP_CHECK {\n   connect_timeout 1.5\n  }\n }\n}\n",
    );
    assert_eq!(e.timeout, Duration::from_millis(1500));
    let e = endpoint_of(
        "virtual_server 10.0.0.1 80 {\n protocol TCP\n connect_timeout 7\n real_server 10.0.0.2 8080 {\n  TCP_CHECK {\n  }\n }\n}\n",
    );
    assert_eq!(e.timeout, Duration::from_secs(7));
    // bind_port without bindto is never bound (keepalived sets the port on an AF_UNSPEC
    // address and only binds a set family).
    let e = endpoint_of(
        "virtual_server 10.0.0.1 80 {\n protocol TCP\n real_server 10.0.0.2 8080 {\n  TCP_CHECK {\n   bind_port 4000\n  }\n }\n}\n",
    );
    assert_eq!(e.bind, None);
}

/// `connect_port` sends the probe elsewhere than the real server's port.
#[test]
fn connect_port_redirects_the_probe() {
    let Some(ns) = netns("connect_port_redirects_the_probe") else {
        return;
    };
    let l = in_ns(&ns, || TcpListener::bind("127.0.0.1:0").unwrap());
    let port = l.local_addr().unwrap().port();
    let e = endpoint_of(&format!(
        "virtual_server 10.0.0.1 80 {{\n protocol TCP\n real_server 127.0.0.1 9 {{\n  TCP_CHECK {{\n   connect_port {port}\n  }}\n }}\n}}\n"
    ));
    assert_eq!(run_in(&ns, tcp::probe(&e, "x")), Ok(Probe::Success));
}
