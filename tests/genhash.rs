//! `keepalived -T` (`keepalived_rs::genhash`, keepalived's `check_genhash.c`): our binary's
//! stdout, stderr and exit code against Debian's keepalived 2.2.7 for the same pages, served
//! in a network namespace each test creates. Skips, saying why, without root or without
//! Debian's keepalived.

mod support;

use std::path::{Path, PathBuf};

use support::check_http::{Reply, Server, Tls, md5_hex, netns};
use support::{Netns, oracle_keepalived, ours, skip};

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(ns: &Netns, prog: &Path, args: &[&str]) -> Run {
    let mut a = vec!["-T"];
    a.extend_from_slice(args);
    let o = ns.exec(Path::new("/"), prog.to_str().unwrap(), &a);
    Run {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        // The usage names the program.
        stderr: String::from_utf8_lossy(&o.stderr).replace(prog.to_str().unwrap(), "PROG"),
    }
}

/// Runs both with the same arguments and asserts the same output; returns ours.
fn same(ns: &Netns, theirs: &Path, args: &[&str]) -> Run {
    let t = run(ns, theirs, args);
    let o = run(ns, Path::new(ours()), args);
    assert_eq!(o.stdout, t.stdout, "stdout for {args:?}");
    assert_eq!(o.stderr, t.stderr, "stderr for {args:?}");
    assert_eq!(o.code, t.code, "exit code for {args:?}");
    o
}

fn setup(test: &str) -> Option<(Netns, PathBuf)> {
    let Some(theirs) = oracle_keepalived() else {
        skip(test, "Debian's keepalived is not installed");
        return None;
    };
    Some((netns(test)?, theirs))
}

/// `check_genhash()`: the digest of plain pages, a chunked body (hashed raw), a body longer
/// than its Content-Length (hashed up to it), an error page (hashed all the same), IPv6.
#[test]
fn genhash_digest_equals_debian() {
    let Some((ns, theirs)) = setup("genhash_digest_equals_debian") else {
        return;
    };
    let body = b"<html><body>keepalived genhash test page</body></html>\n".repeat(200);
    let pages = [
        Reply::page(200, &body),
        Reply::raw(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
        Reply::raw(b"HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nabcdefgh"),
        Reply::page(404, b"not here"),
    ];
    for (i, p) in pages.into_iter().enumerate() {
        for bind in ["127.0.0.1:0", "[::1]:0"] {
            let s = Server::start(&ns, bind, p.clone(), None);
            let port = s.addr.port().to_string();
            let ip = s.addr.ip().to_string();
            let o = same(&ns, &theirs, &["-s", &ip, "-p", &port, "-u", "/index.html"]);
            if i == 0 {
                assert_eq!(o.stdout, format!("{}\n", md5_hex(&body)));
            }
        }
    }
}

/// SSL (`-S`), with SNI (`-I -V`), against a self-signed certificate.
#[test]
fn genhash_ssl_equals_debian() {
    let Some((ns, theirs)) = setup("genhash_ssl_equals_debian") else {
        return;
    };
    let s = Server::start(
        &ns,
        "127.0.0.1:0",
        Reply::page(200, b"tls page"),
        Some(Tls::self_signed("www.example.com")),
    );
    let port = s.addr.port().to_string();
    let o = same(&ns, &theirs, &["-S", "-s", "127.0.0.1", "-p", &port, "-u", "/"]);
    assert_eq!(o.stdout, format!("{}\n", md5_hex(b"tls page")));
    same(
        &ns,
        &theirs,
        &[
            "-S",
            "-I",
            "-V",
            "www.example.com",
            "-s",
            "127.0.0.1",
            "-p",
            &port,
            "-u",
            "/",
        ],
    );
    assert_eq!(
        s.snis(),
        [
            None,
            None,
            Some("www.example.com".into()),
            Some("www.example.com".into())
        ]
    );
    let r = s.requests();
    assert_eq!(r[0], r[1]);
    assert_eq!(r[2], r[3]);
    // A clean TLS close before the header block ends.
    let s = Server::start(
        &ns,
        "127.0.0.1:0",
        Reply::raw(b"HTTP/1.0 200 OK\r\n"),
        Some(Tls::self_signed("x.test")),
    );
    let port = s.addr.port().to_string();
    let o = same(&ns, &theirs, &["-S", "-s", "127.0.0.1", "-p", &port, "-u", "/"]);
    assert_eq!(o.stdout, "SSL read error from\n");
}

/// Failures: refused ("Connection failed"), no header ("no data received from remote
/// webserver" on stderr), timeout (`-t`).
#[test]
fn genhash_failures_equal_debian() {
    let Some((ns, theirs)) = setup("genhash_failures_equal_debian") else {
        return;
    };
    same(&ns, &theirs, &["-s", "127.0.0.1", "-p", "9", "-u", "/"]);
    let s = Server::start(&ns, "127.0.0.1:0", Reply::raw(b"HTTP/1.0 200 OK\r\n"), None);
    let port = s.addr.port().to_string();
    let o = same(&ns, &theirs, &["-s", "127.0.0.1", "-p", &port, "-u", "/"]);
    assert_eq!(o.stderr, "no data received from remote webserver\n");
    let o = same(&ns, &theirs, &["-s", "10.100.0.9", "-p", "80", "-u", "/", "-t", "1"]);
    assert_eq!(o.stdout, "Timeout connecting\n");
}

/// `check_genhash_parse_cmdline()` errors and the usage.
#[test]
fn genhash_usage_equals_debian() {
    let Some((ns, theirs)) = setup("genhash_usage_equals_debian") else {
        return;
    };
    for args in [
        &[][..],
        &["-h"],
        &["-x", "-s", "1.2.3.4"],
        &["-s", "nothost", "-p", "80", "-u", "/"],
        &["-s", "1.2.3.4", "-p", "0", "-u", "/"],
        &["-s", "1.2.3.4", "-p", "80"],
        &["-s", "1.2.3.4", "-p", "80", "-u", "/", "extra"],
        &["-s", "1.2.3.4", "-p", "80", "-u", "/", "-P", "2.0"],
        &["-s", "1.2.3.4", "-p", "80", "-u", "/", "-t", "-1"],
        &["-s", "1.2.3.4", "-p", "80", "-u", "/", "-m", "x"],
        &["-s", "1.2.3.4", "-p"],
        &["--server", "1.2.3.4", "--port", "80x", "--url", "/"],
    ] {
        same(&ns, &theirs, args);
    }
}

/// `-v`: the header and body dumps and the digest dump, except the response time.
#[test]
fn genhash_verbose_equals_debian() {
    let Some((ns, theirs)) = setup("genhash_verbose_equals_debian") else {
        return;
    };
    let s = Server::start(&ns, "127.0.0.1:0", Reply::page(200, &[b'z'; 40]), None);
    let port = s.addr.port().to_string();
    let args = ["-v", "-s", "127.0.0.1", "-p", port.as_str(), "-u", "/v"];
    let strip = |r: Run| {
        let s = r.stdout;
        let i = s.find("Global response time").expect("response time line");
        (s[..i].to_string(), r.stderr, r.code)
    };
    let t = strip(run(&ns, &theirs, &args));
    let o = strip(run(&ns, Path::new(ours()), &args));
    assert_eq!(o, t);
}
