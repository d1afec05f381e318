//! HTTP_GET and SSL_GET (`keepalived_rs::check::http`, keepalived's `check_http.c` and
//! `check_ssl.c`) against real servers in a network namespace each test creates, with targets
//! built from configuration text; the request bytes are compared with what Debian's
//! keepalived sends. Skips, saying why, without root.

mod support;

use std::time::{Duration, Instant};

use keepalived_rs::check::event::Probe;
use keepalived_rs::check::http::{self, HttpTarget};
use keepalived_rs::config::{LoadOptions, load_text, system::FixedSystem};
use support::check_http::{Reply, Server, Tls, md5_hex, netns, run_in};

/// The HTTP_GET/SSL_GET target of `checker` (a whole `HTTP_GET { ... }` block) on a real
/// server at `ip`:`port`.
fn target(ip: &str, port: u16, checker: &str) -> HttpTarget {
    let vip = if ip.contains(':') { "fd00::1" } else { "10.0.0.1" };
    let text = format!("virtual_server {vip} 80 {{\n protocol TCP\n real_server {ip} {port} {{\n{checker}\n }}\n}}\n");
    let l = load_text(&text, &LoadOptions::default(), &FixedSystem::typical(), false);
    let vs = &l.config.check.virtual_servers[0];
    let rs = &vs.real_servers[0];
    HttpTarget::new(vs, rs, &rs.checkers[0]).expect("an HTTP checker")
}

fn fail(msg: &str, trio: &str) -> Probe {
    Probe::Failure {
        reason: format!("{msg} server {trio}."),
    }
}

/// `http_handle_response()`: status code in the default 200-299 passes; 500 fails with
/// "HTTP status code error to"; `status_code 500` accepts it.
#[test]
fn http_get_status_codes() {
    let Some(ns) = netns("http_get_status_codes") else {
        return;
    };
    let ok = Server::start(&ns, "127.0.0.1:0", Reply::page(200, b"fine"), None);
    let bad = Server::start(&ns, "127.0.0.1:0", Reply::page(500, b"oops"), None);
    let t = target(
        "127.0.0.1",
        ok.addr.port(),
        "HTTP_GET {\n url { path /ok }\n connect_timeout 2\n}",
    );
    assert_eq!(run_in(&ns, http::probe(&t)), Ok(Probe::Success));
    let t = target(
        "127.0.0.1",
        bad.addr.port(),
        "HTTP_GET {\n url { path /ok }\n connect_timeout 2\n}",
    );
    assert_eq!(
        run_in(&ns, http::probe(&t)),
        Ok(fail("HTTP status code error to", &t.trio))
    );
    let t = target(
        "127.0.0.1",
        bad.addr.port(),
        "HTTP_GET {\n url { path /ok\n status_code 200-299 500 }\n connect_timeout 2\n}",
    );
    assert_eq!(run_in(&ns, http::probe(&t)), Ok(Probe::Success));
    assert_eq!(t.trio, format!("[127.0.0.1]:tcp:{}", bad.addr.port()));
}

/// `http_handle_response()`: the MD5 digest of the body; a configured digest in upper case
/// matches too (keepalived compares bytes).
#[test]
fn http_get_digest() {
    let Some(ns) = netns("http_get_digest") else { return };
    let body = b"<html>hello</html>\n";
    let s = Server::start(&ns, "127.0.0.1:0", Reply::page(200, body), None);
    let p = s.addr.port();
    let good = md5_hex(body);
    for d in [good.clone(), good.to_uppercase()] {
        let t = target(
            "127.0.0.1",
            p,
            &format!("HTTP_GET {{\n url {{ path /\n digest {d} }}\n}}"),
        );
        assert_eq!(run_in(&ns, http::probe(&t)), Ok(Probe::Success), "digest {d}");
    }
    let t = target(
        "127.0.0.1",
        p,
        "HTTP_GET {\n url { path /\n digest 0123456789abcdef0123456789abcdef }\n}",
    );
    assert_eq!(run_in(&ns, http::probe(&t)), Ok(fail("MD5 digest error to", &t.trio)));
}

/// `http_handle_response()` with `regex`, `regex_no_match` and `regex_min_offset`.
#[test]
fn http_get_regex() {
    let Some(ns) = netns("http_get_regex") else { return };
    let s = Server::start(&ns, "127.0.0.1:0", Reply::page(200, b"status: all OK here"), None);
    let p = s.addr.port();
    let run = |url: &str| {
        run_in(
            &ns,
            http::probe(&target(
                "127.0.0.1",
                p,
                &format!("HTTP_GET {{\n url {{ path /\n {url} }}\n}}"),
            )),
        )
    };
    assert_eq!(run("regex \"all OK\""), Ok(Probe::Success));
    let trio = format!("[127.0.0.1]:tcp:{p}");
    assert_eq!(run("regex \"broken\""), Ok(fail("Regex match failed", &trio)));
    assert_eq!(run("regex \"broken\"\n regex_no_match"), Ok(Probe::Success));
    assert_eq!(
        run("regex \"all OK\"\n regex_min_offset 12"),
        Ok(fail("Regex match failed", &trio))
    );
}

/// `epilog()`: every url must pass; the first failing one gives the reason.
#[test]
fn http_get_all_urls_must_pass() {
    let Some(ns) = netns("http_get_all_urls_must_pass") else {
        return;
    };
    let s = Server::start(&ns, "127.0.0.1:0", Reply::page(200, b"x"), None);
    let t = target(
        "127.0.0.1",
        s.addr.port(),
        "HTTP_GET {\n url { path /a }\n url { path /b\n status_code 404 }\n}",
    );
    assert_eq!(
        run_in(&ns, http::probe(&t)),
        Ok(fail("HTTP status code error to", &t.trio))
    );
    let paths: Vec<String> = s
        .requests()
        .iter()
        .map(|r| String::from_utf8_lossy(r).lines().next().unwrap_or("").to_string())
        .collect();
    assert_eq!(paths, ["GET /a HTTP/1.0", "GET /b HTTP/1.0"]);
}

/// `http_read_thread()`: a body that stops arriving is "Timeout HTTP read" after
/// connect_timeout; a response without a header block is "Read, no data received from".
#[test]
fn http_get_read_timeout_and_no_data() {
    let Some(ns) = netns("http_get_read_timeout_and_no_data") else {
        return;
    };
    let mut r = Reply::page(200, &[b'a'; 100]);
    r.stall_after = Some(r.raw.len() - 50);
    let s = Server::start(&ns, "127.0.0.1:0", r, None);
    let t = target(
        "127.0.0.1",
        s.addr.port(),
        "HTTP_GET {\n url { path / }\n connect_timeout 1\n}",
    );
    let start = Instant::now();
    assert_eq!(run_in(&ns, http::probe(&t)), Ok(fail("Timeout HTTP read", &t.trio)));
    let took = start.elapsed();
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(3),
        "{took:?}"
    );
    let s = Server::start(&ns, "127.0.0.1:0", Reply::raw(b"HTTP/1.0 200 OK\r\n"), None);
    let t = target("127.0.0.1", s.addr.port(), "HTTP_GET {\n url { path / }\n}");
    assert_eq!(
        run_in(&ns, http::probe(&t)),
        Ok(fail("Read, no data received from ", &t.trio))
    );
}

/// `http_check_thread()`: refused is "Connection failed"; nobody answering is "Timeout
/// connecting".
#[test]
fn http_get_connect_failures() {
    let Some(ns) = netns("http_get_connect_failures") else {
        return;
    };
    let t = target("127.0.0.1", 9, "HTTP_GET {\n url { path / }\n}");
    assert_eq!(run_in(&ns, http::probe(&t)), Ok(fail("Connection failed", &t.trio)));
    let t = target("10.100.0.9", 80, "HTTP_GET {\n url { path / }\n connect_timeout 1\n}");
    assert_eq!(run_in(&ns, http::probe(&t)), Ok(fail("Timeout connecting", &t.trio)));
}

/// SSL_GET against a self-signed certificate (keepalived does not verify it), with the
/// digest of the body; SNI is the virtual host only with `enable_sni`.
#[test]
fn ssl_get_self_signed_and_sni() {
    let Some(ns) = netns("ssl_get_self_signed_and_sni") else {
        return;
    };
    let body = b"secure page";
    let s = Server::start(
        &ns,
        "127.0.0.1:0",
        Reply::page(200, body),
        Some(Tls::self_signed("www.example.com")),
    );
    let p = s.addr.port();
    let d = md5_hex(body);
    let t = target(
        "127.0.0.1",
        p,
        &format!("SSL_GET {{\n virtualhost www.example.com\n url {{ path /\n digest {d} }}\n}}"),
    );
    assert_eq!(run_in(&ns, http::probe(&t)), Ok(Probe::Success));
    let t = target(
        "127.0.0.1",
        p,
        &format!("SSL_GET {{\n virtualhost www.example.com\n enable_sni\n url {{ path /\n digest {d} }}\n}}"),
    );
    assert_eq!(run_in(&ns, http::probe(&t)), Ok(Probe::Success));
    assert_eq!(s.snis(), [None, Some("www.example.com".to_string())]);
    let reqs = s.requests();
    assert_eq!(
        reqs[1],
        b"GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: www.example.com\r\n\r\n"
    );
    let t = target(
        "127.0.0.1",
        p,
        "SSL_GET {\n url { path /\n digest 0123456789abcdef0123456789abcdef }\n}",
    );
    assert_eq!(run_in(&ns, http::probe(&t)), Ok(fail("MD5 digest error to", &t.trio)));
    // SSL_GET to a plain HTTP server that waits for a request: the handshake shares the
    // connect deadline, and keepalived's read timeout there is "Timeout connecting".
    let plain = Server::start(&ns, "127.0.0.1:0", Reply::page(200, body), None);
    let t = target(
        "127.0.0.1",
        plain.addr.port(),
        "SSL_GET {\n url { path / }\n connect_timeout 1\n}",
    );
    assert_eq!(run_in(&ns, http::probe(&t)), Ok(fail("Timeout connecting", &t.trio)));
}

/// `http_request_thread()`: our request bytes equal those Debian's keepalived sends for the
/// same options (`keepalived -T` uses the same request code), IPv4 and IPv6, with and without
/// a virtual host, for each `http_protocol`.
#[test]
fn request_bytes_match_debian_keepalived() {
    let Some(theirs) = support::oracle_keepalived() else {
        support::skip(
            "request_bytes_match_debian_keepalived",
            "Debian's keepalived is not installed",
        );
        return;
    };
    let Some(ns) = netns("request_bytes_match_debian_keepalived") else {
        return;
    };
    for (bind, ip) in [("127.0.0.1:0", "127.0.0.1"), ("[::1]:0", "::1")] {
        for (proto, p_word) in [("1.0", "1.0"), ("1.0C", "1.0c"), ("1.1", "1.1")] {
            for vhost in [None, Some("www.example.com")] {
                let s = Server::start(&ns, bind, Reply::page(200, b"x"), None);
                let port = s.addr.port().to_string();
                let mut args = vec!["-T", "-s", ip, "-p", &port, "-u", "/some/path?q=1", "-P", p_word];
                if let Some(v) = vhost {
                    args.extend(["-V", v]);
                }
                let o = ns.exec(std::path::Path::new("/"), theirs.to_str().unwrap(), &args);
                assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
                let vh = vhost.map(|v| format!(" virtualhost {v}\n")).unwrap_or_default();
                let t = target(
                    ip,
                    s.addr.port(),
                    &format!("HTTP_GET {{\n http_protocol {proto}\n{vh} url {{ path /some/path?q=1 }}\n}}"),
                );
                assert_eq!(run_in(&ns, http::probe(&t)), Ok(Probe::Success));
                let r = s.requests();
                assert_eq!(r.len(), 2);
                assert_eq!(
                    String::from_utf8_lossy(&r[1]),
                    String::from_utf8_lossy(&r[0]),
                    "ours vs Debian's for {ip} {proto} {vhost:?}"
                );
            }
        }
    }
}

/// `http_response_thread()`: no answer at all to the request is "Timeout WEB read";
/// `ssl_read_thread()`: an SSL body that stops is "Timeout SSL read".
#[test]
fn http_get_no_answer_and_ssl_stall() {
    let Some(ns) = netns("http_get_no_answer_and_ssl_stall") else {
        return;
    };
    let mut silent = Reply::page(200, b"never");
    silent.stall_after = Some(0);
    let s = Server::start(&ns, "127.0.0.1:0", silent, None);
    let t = target(
        "127.0.0.1",
        s.addr.port(),
        "HTTP_GET {\n url { path / }\n connect_timeout 1\n}",
    );
    assert_eq!(run_in(&ns, http::probe(&t)), Ok(fail("Timeout WEB read", &t.trio)));
    let mut r = Reply::page(200, &[b'a'; 100]);
    r.stall_after = Some(r.raw.len() - 50);
    let s = Server::start(&ns, "127.0.0.1:0", r, Some(Tls::self_signed("localhost")));
    let t = target(
        "127.0.0.1",
        s.addr.port(),
        "SSL_GET {\n url { path / }\n connect_timeout 1\n}",
    );
    let start = Instant::now();
    assert_eq!(run_in(&ns, http::probe(&t)), Ok(fail("Timeout SSL read", &t.trio)));
    assert!(start.elapsed() < Duration::from_secs(3));
}

/// `ssl_read_thread()`: a clean TLS close (close_notify) before a whole header block is "SSL
/// read error from"; after one, the response is judged as read.
#[test]
fn ssl_get_clean_close() {
    let Some(ns) = netns("ssl_get_clean_close") else { return };
    let s = Server::start(
        &ns,
        "127.0.0.1:0",
        Reply::raw(b"HTTP/1.0 200 OK\r\n"),
        Some(Tls::self_signed("localhost")),
    );
    let t = target("127.0.0.1", s.addr.port(), "SSL_GET {\n url { path / }\n}");
    assert_eq!(run_in(&ns, http::probe(&t)), Ok(fail("SSL read error from", &t.trio)));
    let s = Server::start(
        &ns,
        "127.0.0.1:0",
        Reply::raw(b"HTTP/1.0 200 OK\r\n\r\n"),
        Some(Tls::self_signed("localhost")),
    );
    let t = target("127.0.0.1", s.addr.port(), "SSL_GET {\n url { path / }\n}");
    assert_eq!(run_in(&ns, http::probe(&t)), Ok(Probe::Success));
}
