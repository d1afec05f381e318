//! SMTP alerts (keepalived's `core/smtp.c`) against a real SMTP sink: our tokio shell on
//! 127.0.0.1, then the interop comparison with Debian's keepalived 2.2.7 in a test lab, where
//! both daemons mail the same VRRP transitions (`vrrp_smtp_notifier()`) to a sink in the lab.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use keepalived_rs::alert::Mailer;
use keepalived_rs::alert::send;
use keepalived_rs::log::LogLine;
use support::smtp::{Replies, Sink};

const WAIT: Duration = Duration::from_secs(20);

fn mailer(server: SocketAddr, to: &[&str], timeout: Duration) -> Mailer {
    Mailer {
        server,
        timeout,
        helo: "lb1.example.org".into(),
        from: "keepalived@lb1.example.org".into(),
        to: to.iter().map(|s| s.to_string()).collect(),
        router_id: "lb1".into(),
    }
}

fn loopback_sink(replies: Replies) -> Sink {
    Sink::start("127.0.0.1:0".parse().unwrap(), replies)
}

async fn send_one(m: &Mailer, subject: &str, body: &str) -> Vec<LogLine> {
    send::spawn(m, subject, body).expect("runtime").await.expect("task")
}

fn texts(logs: &[LogLine]) -> Vec<String> {
    logs.iter().map(|l| l.text.clone()).collect()
}

/// Replaces the Date header's value (the only part that depends on the clock).
fn undate(s: &str) -> String {
    s.lines()
        .map(|l| if l.starts_with("Date: ") { "Date: <date>" } else { l })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `smtp_alert()`: the whole conversation with two recipients, as the sink records it.
#[tokio::test]
async fn smtp_alert_conversation_two_recipients() {
    let sink = loopback_sink(Replies::default());
    let m = mailer(sink.addr, &["ops@example.org", "noc@example.org"], WAIT);
    let logs = send_one(&m, "[lb1] VRRP Instance VI_1 - Entering MASTER state", "=> body <=").await;
    let s = sink.wait(1, WAIT);
    assert_eq!(s.len(), 1);
    let text = s[0].text();
    let date = text.lines().find(|l| l.starts_with("Date: ")).expect("Date header");
    // keepalived's `%a, %d %b %Y %H:%M:%S %z`, e.g. "Sat, 21 Nov 2026 10:40:04 +0000".
    let parts: Vec<&str> = date["Date: ".len()..].split(' ').collect();
    assert_eq!(parts.len(), 6, "{date}");
    assert!(parts[0].ends_with(',') && parts[5].len() == 5, "{date}");
    assert_eq!(
        undate(&text),
        undate(
            "HELO lb1.example.org\r\nMAIL FROM:<keepalived@lb1.example.org>\r\n\
             RCPT TO:<ops@example.org>\r\nRCPT TO:<noc@example.org>\r\nDATA\r\n\
             Date: x\r\nFrom: keepalived@lb1.example.org\r\n\
             Subject: [lb1] VRRP Instance VI_1 - Entering MASTER state\r\nX-Mailer: Keepalived\r\n\
             To: ops@example.org, noc@example.org\r\n\r\n=> body <=\r\n\r\n.\r\nQUIT\r\n"
        )
    );
    let port = sink.addr.port();
    assert_eq!(
        texts(&logs),
        [
            format!("Remote SMTP server [127.0.0.1]:{port} connected."),
            "SMTP alert successfully sent.".to_string()
        ]
    );
    assert!(logs.iter().all(|l| l.detail));
}

/// `smtp_read_thread()`: a wrong RCPT code is logged and answered with QUIT; nothing more.
#[tokio::test]
async fn smtp_alert_rcpt_refused_quits() {
    let sink = loopback_sink(Replies {
        rcpt: vec![Some("550 5.1.1 no such user\r\n".into())],
        ..Replies::default()
    });
    let m = mailer(sink.addr, &["a@x", "b@y"], WAIT);
    let logs = send_one(&m, "s", "b").await;
    let s = sink.wait(1, WAIT);
    assert_eq!(
        s[0].text(),
        "HELO lb1.example.org\r\nMAIL FROM:<keepalived@lb1.example.org>\r\nRCPT TO:<a@x>\r\nQUIT\r\n"
    );
    let port = sink.addr.port();
    assert_eq!(
        texts(&logs)[1..],
        [format!(
            "Error processing RCPT cmd on SMTP server [127.0.0.1]:{port}. SMTP status code = 550"
        )]
    );
}

/// `smtp_read_thread()` on THREAD_READ_TIMEOUT: one `smtp_connect_timeout` for the greeting,
/// then QUIT and one more for its reply.
#[tokio::test]
async fn smtp_alert_read_timeout_sends_quit_then_gives_up() {
    let sink = loopback_sink(Replies {
        greeting: None,
        quit: None,
        ..Replies::default()
    });
    let m = mailer(sink.addr, &["a@x"], Duration::from_secs(1));
    let logs = send_one(&m, "s", "b").await;
    let port = sink.addr.port();
    let line = format!("Timeout reading data to remote SMTP server [127.0.0.1]:{port}.");
    assert_eq!(texts(&logs)[1..], [line.clone(), line]);
    assert_eq!(sink.sessions()[0].text(), "QUIT\r\n");
}

/// `smtp_read_thread()` on `read() == 0`.
#[tokio::test]
async fn smtp_alert_server_hangs_up() {
    // No greeting: the client has sent nothing, so it sees the FIN (a HELO sent to a closed
    // peer would draw a reset, which keepalived reports as a read error instead).
    let sink = loopback_sink(Replies {
        greeting: None,
        close_after_greeting: true,
        ..Replies::default()
    });
    let m = mailer(sink.addr, &["a@x"], WAIT);
    let logs = send_one(&m, "s", "b").await;
    let port = sink.addr.port();
    assert_eq!(
        texts(&logs)[1..],
        [format!(
            "Remote SMTP server [127.0.0.1]:{port} has closed the connection."
        )]
    );
}

/// `connection_in_progress()`: a refused connection. A non-blocking loopback connect returns
/// EINPROGRESS and the refusal comes as an epoll error, which keepalived's scheduler hands
/// over as THREAD_WRITE_ERROR.
#[tokio::test]
async fn smtp_alert_refused_connection_is_a_write_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let m = mailer(SocketAddr::from(([127, 0, 0, 1], port)), &["a@x"], WAIT);
    let logs = send_one(&m, "s", "b").await;
    let t = texts(&logs);
    assert_eq!(t.len(), 1, "{t:?}");
    let fd = t[0]
        .strip_prefix("smtp fd ")
        .and_then(|r| r.strip_suffix(" returned write error"));
    assert!(fd.is_some_and(|n| n.parse::<u32>().is_ok()), "{t:?}");
}

/// Sending never waits for the server: `spawn` returns while the sink has not even greeted.
#[tokio::test]
async fn smtp_alert_spawn_does_not_block() {
    let sink = loopback_sink(Replies {
        greeting: None,
        ..Replies::default()
    });
    let m = mailer(sink.addr, &["a@x"], Duration::from_secs(30));
    let h = send::spawn(&m, "s", "b").expect("runtime");
    assert!(!h.is_finished());
    h.abort();
}
