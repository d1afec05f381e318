//! Tests of keepalived's SMTP alert FSM (`core/smtp.c`: `smtp_read_thread()`, the `*_cmd()`
//! and `*_code()` handlers, `body_cmd()`, `build_to_header_rcpt_addrs()`).

use super::*;
use crate::log::LogLine;

const DATE: &str = "Sat, 21 Nov 2026 10:40:04 +0000";

fn server() -> SocketAddr {
    "192.0.2.25:25".parse().unwrap()
}

fn msg(to: &[&str]) -> Message {
    Message::new(
        "lb1".into(),
        "ka@example.org".into(),
        to.iter().map(|s| s.to_string()).collect(),
        "[lb1] VRRP Instance VI_1 - Entering MASTER state",
        "=> VRRP Instance is now owning VRRP VIPs <=",
    )
}

fn date() -> String {
    DATE.to_string()
}

/// Feeds each reply after connecting; returns what was sent after each reply, and the last
/// [`Next`].
fn drive(conv: &mut Conversation, replies: &[&str]) -> (Vec<String>, Next) {
    let mut next = conv.connected();
    let mut sent = Vec::new();
    for r in replies {
        assert_ne!(next, Next::Close, "closed before reply {r:?}");
        next = conv.received(r.as_bytes(), date);
        if let Next::Send(b) = &next {
            sent.push(String::from_utf8(b.clone()).unwrap());
        }
    }
    (sent, next)
}

fn texts(conv: &mut Conversation) -> Vec<(bool, String)> {
    conv.take_logs().into_iter().map(|l| (l.detail, l.text)).collect()
}

const BODY_ONE: &str = "Date: Sat, 21 Nov 2026 10:40:04 +0000\r\nFrom: ka@example.org\r\n\
Subject: [lb1] VRRP Instance VI_1 - Entering MASTER state\r\nX-Mailer: Keepalived\r\n\
To: a@example.org\r\n\r\n=> VRRP Instance is now owning VRRP VIPs <=\r\n\r\n.\r\n";

#[test]
fn smtp_alert_whole_conversation_one_recipient() {
    let mut c = Conversation::new(msg(&["a@example.org"]), server());
    let (sent, next) = drive(
        &mut c,
        &[
            "220 mx ESMTP\r\n",
            "250 mx\r\n",
            "250 ok\r\n",
            "250 ok\r\n",
            "354 go\r\n",
            "250 queued\r\n",
            "221 bye\r\n",
        ],
    );
    assert_eq!(
        sent,
        [
            "HELO lb1\r\n",
            "MAIL FROM:<ka@example.org>\r\n",
            "RCPT TO:<a@example.org>\r\n",
            "DATA\r\n",
            BODY_ONE,
            "QUIT\r\n"
        ]
    );
    assert_eq!(next, Next::Close);
    assert_eq!(c.stage(), Stage::End);
    assert_eq!(
        texts(&mut c),
        [
            (true, "Remote SMTP server [192.0.2.25]:25 connected.".to_string()),
            (true, "SMTP alert successfully sent.".to_string()),
        ]
    );
}

#[test]
fn rcpt_cmd_once_per_recipient_and_to_header_lists_all() {
    let mut c = Conversation::new(msg(&["a@x", "b@y", "c@z"]), server());
    let (sent, _) = drive(
        &mut c,
        &[
            "220 x\r\n",
            "250 x\r\n",
            "250 x\r\n",
            "250 a\r\n",
            "250 b\r\n",
            "250 c\r\n",
            "354 x\r\n",
        ],
    );
    assert_eq!(
        &sent[2..5],
        ["RCPT TO:<a@x>\r\n", "RCPT TO:<b@y>\r\n", "RCPT TO:<c@z>\r\n"]
    );
    assert_eq!(sent[5], "DATA\r\n");
    assert!(sent[6].contains("\r\nTo: a@x, b@y, c@z\r\n\r\n"), "{}", sent[6]);
}

/// Every stage's wrong reply code: keepalived's error line, then QUIT.
#[test]
fn smtp_read_thread_wrong_code_at_each_stage_logs_and_quits() {
    let ok = [
        "220 x\r\n",
        "250 x\r\n",
        "250 x\r\n",
        "250 x\r\n",
        "250 x\r\n",
        "354 x\r\n",
        "250 x\r\n",
    ];
    let names = ["(E)SMTP", "HELO", "MAIL", "RCPT", "RCPT", "DATA", "BODY"];
    for (i, name) in names.iter().enumerate() {
        let mut c = Conversation::new(msg(&["a@x", "b@y"]), server());
        let mut replies: Vec<&str> = ok[..i].to_vec();
        replies.push("554 no\r\n");
        let (sent, next) = drive(&mut c, &replies);
        assert_eq!(next, Next::Send(b"QUIT\r\n".to_vec()), "stage {name}");
        assert_eq!(sent.len(), i + 1);
        let logs = texts(&mut c);
        assert_eq!(
            logs.last().unwrap(),
            &(
                false,
                format!("Error processing {name} cmd on SMTP server [192.0.2.25]:25. SMTP status code = 554")
            ),
            "stage {name}"
        );
        assert_eq!(c.stage(), Stage::Quit);
        assert_eq!(c.received(b"221 bye\r\n", date), Next::Close);
    }
}

/// keepalived answers a wrong code to QUIT with another QUIT.
#[test]
fn quit_code_wrong_sends_quit_again() {
    let mut c = Conversation::new(msg(&["a@x"]), server());
    c.connected();
    c.received(b"421 busy\r\n", date);
    assert_eq!(c.received(b"500 what\r\n", date), Next::Send(b"QUIT\r\n".to_vec()));
    assert_eq!(
        texts(&mut c)[2].1,
        "Error processing QUIT cmd on SMTP server [192.0.2.25]:25. SMTP status code = 500"
    );
}

#[test]
fn smtp_read_thread_multiline_split_and_pipelined_replies() {
    let mut c = Conversation::new(msg(&["a@x"]), server());
    c.connected();
    // A partial line waits for more.
    assert_eq!(c.received(b"22", date), Next::Read);
    assert_eq!(c.received(b"0 hi\r\n", date), Next::Send(b"HELO lb1\r\n".to_vec()));
    // Continuation lines are skipped; only the final line's code counts.
    assert_eq!(c.received(b"250-mx\r\n250-SIZE 1\r\n", date), Next::Read);
    assert_eq!(
        c.received(b"250 HELP\r\n", date),
        Next::Send(b"MAIL FROM:<ka@example.org>\r\n".to_vec())
    );
    // Bytes after the final line stay for the next read, as in keepalived: they are not
    // parsed until more data comes.
    assert_eq!(
        c.received(b"250 ok\r\n250 ok", date),
        Next::Send(b"RCPT TO:<a@x>\r\n".to_vec())
    );
    assert_eq!(c.received(b"\r\n", date), Next::Send(b"DATA\r\n".to_vec()));
    // A non-numeric code is computed from the bytes as keepalived does: never a match.
    assert_eq!(c.received(b"abc\r\n", date), Next::Send(b"QUIT\r\n".to_vec()));
    let code = (b'a' - b'0') as i32 * 100 + (b'b' - b'0') as i32 * 10 + (b'c' - b'0') as i32;
    assert_eq!(
        texts(&mut c).last().unwrap().1,
        format!("Error processing DATA cmd on SMTP server [192.0.2.25]:25. SMTP status code = {code}")
    );
}

#[test]
fn smtp_read_thread_overflow_quits() {
    let mut c = Conversation::new(msg(&["a@x"]), server());
    c.connected();
    assert_eq!(c.read_capacity(), BUFFER_MAX);
    assert_eq!(c.received(b"220-", date), Next::Read);
    assert_eq!(c.read_capacity(), BUFFER_MAX - 4);
    let big = vec![b'x'; BUFFER_MAX - 4];
    assert_eq!(c.received(&big, date), Next::Send(b"QUIT\r\n".to_vec()));
    assert_eq!(
        texts(&mut c)[1].1,
        "Received buffer from remote SMTP server [192.0.2.25]:25 overflow our get read buffer length."
    );
    assert_eq!(c.read_capacity(), BUFFER_MAX);
}

#[test]
fn smtp_read_thread_timeout_quits_then_closes() {
    let mut c = Conversation::new(msg(&["a@x"]), server());
    c.connected();
    assert_eq!(c.read_timeout(date), Next::Send(b"QUIT\r\n".to_vec()));
    assert_eq!(c.read_timeout(date), Next::Close);
    let line = "Timeout reading data to remote SMTP server [192.0.2.25]:25.".to_string();
    assert_eq!(texts(&mut c)[1..], [(false, line.clone()), (false, line)]);
}

#[test]
fn connection_and_socket_failure_lines() {
    let host = "[2001:db8::1]:2525";
    let v6: SocketAddr = "[2001:db8::1]:2525".parse().unwrap();
    type Event = fn(&mut Conversation) -> Next;
    let cases: Vec<(Event, String)> = vec![
        (
            |c| c.connect_timeout(),
            format!("Timeout opening connection to remote SMTP server {host}."),
        ),
        (|c| c.write_error(7), "smtp fd 7 returned write error".into()),
        (
            |c| c.connect_failed(libc::ETIMEDOUT),
            format!("Timeout connecting SMTP server {host}."),
        ),
        (
            |c| c.connect_failed(libc::ECONNREFUSED),
            format!("SMTP connection ERROR to {host}."),
        ),
        (|c| c.read_error(9), "smtp fd 9 returned read error".into()),
        (
            |c| c.closed(),
            format!("Remote SMTP server {host} has closed the connection."),
        ),
        (
            |c| c.send_failed(),
            format!("Cannot send data to remote SMTP server {host}."),
        ),
    ];
    for (f, want) in cases {
        let mut c = Conversation::new(msg(&["a@x"]), v6);
        assert_eq!(f(&mut c), Next::Close, "{want}");
        assert_eq!(c.take_logs(), [LogLine::info(want)]);
    }
    let mut c = Conversation::new(msg(&["a@x"]), v6);
    assert_eq!(c.read_failed(date), Next::Send(b"QUIT\r\n".to_vec()));
    assert_eq!(
        c.take_logs(),
        [LogLine::info(format!(
            "Error reading data from remote SMTP server {host}."
        ))]
    );
}

/// keepalived's buffers: subject 255 bytes, body 511, the DATA send buffer 1023 (the end
/// marker is lost then, as in keepalived), a To: list within 1023 bytes.
#[test]
fn smtp_alert_buffer_limits() {
    let long = "s".repeat(400);
    let m = Message::new("h".into(), "f".into(), vec!["a@x".into()], &long, &"b".repeat(600));
    assert_eq!(m.subject.len(), SUBJECT_MAX - 1);
    assert_eq!(m.body.len(), BODY_MAX - 1);
    let m = Message::new("h".into(), "f".into(), vec!["t".repeat(700)], &long, &"b".repeat(600));
    let d = m.data(DATE);
    assert_eq!(d.len(), BUFFER_MAX - 1);
    assert!(!d.ends_with(b"\r\n.\r\n"));

    let to: Vec<String> = vec!["a".repeat(600), "b".repeat(420), "c".repeat(5)];
    // 600 + 2 + 420 = 1022 fits; then ", " does not fit (1 byte left).
    assert_eq!(to_header(&to), format!("{}, {}", to[0], to[1]).into_bytes());
    let to: Vec<String> = vec!["a".repeat(600), "b".repeat(500)];
    // The comma goes in before the address that does not fit.
    assert_eq!(to_header(&to), format!("{}, ", to[0]).into_bytes());
}

#[test]
fn helo_and_rcpt_are_cut_to_the_send_buffer() {
    let mut m = msg(&["a@x"]);
    m.helo = "h".repeat(2000);
    let mut c = Conversation::new(m, server());
    c.connected();
    let Next::Send(b) = c.received(b"220 x\r\n", date) else {
        panic!()
    };
    assert_eq!(b.len(), BUFFER_MAX - 1);
    assert!(b.starts_with(b"HELO hhh"));
}
