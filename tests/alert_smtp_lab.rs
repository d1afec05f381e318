//! Interop: Debian's keepalived 2.2.7 and ours mail the same VRRP transitions
//! (`vrrp_smtp_notifier()` → `smtp_alert(SMTP_MSG_VRRP, ...)`) with the same SMTP
//! conversation, message and log lines. Each daemon runs alone on a lab node with one
//! `smtp_alert` instance that becomes MASTER, mailing a sink in the lab's observer namespace.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use support::lab::{self, Daemon, Lab};
use support::smtp::{Replies, Session, Sink};

const WAIT: Duration = Duration::from_secs(30);

const GLOBAL: &str = "global_defs {\n    router_id lab_router\n    notification_email {\n        \
ops@example.org\n        noc@example.org\n    }\n    notification_email_from keepalived@example.org\n    \
smtp_server SERVER PORT\n    smtp_helo_name lab.example.org\n    smtp_connect_timeout 5\n}\n";

fn instance(lab: &Lab, name: &str, vrid: u8, extra: &str) -> String {
    format!(
        "vrrp_instance {name} {{\n    state BACKUP\n    interface eth0\n    virtual_router_id {vrid}\n    \
         priority 100\n    advert_int 1\n{extra}    virtual_ipaddress {{\n        {}.{vrid}/32\n    }}\n}}\n",
        lab.net4()
    )
}

/// One `smtp_alert` instance.
fn config(lab: &Lab, port: u16) -> String {
    GLOBAL
        .replace("SERVER", &lab.observer.ipv4)
        .replace("PORT", &port.to_string())
        + &instance(lab, "VI_1", 51, "    smtp_alert\n")
}

/// A sync group with `smtp_alert` over two instances without it.
fn group_config(lab: &Lab, port: u16) -> String {
    GLOBAL
        .replace("SERVER", &lab.observer.ipv4)
        .replace("PORT", &port.to_string())
        + "vrrp_sync_group G1 {\n    group {\n        VI_1\n        VI_2\n    }\n    smtp_alert\n}\n"
        + &instance(lab, "VI_1", 51, "")
        + &instance(lab, "VI_2", 52, "")
}

/// How a run is set up and when it is over.
struct Case {
    /// The configuration for the sink's port.
    config: fn(&Lab, u16) -> String,
    /// What the sink answers.
    replies: Replies,
    /// Text of the last session to wait for (`None`: no mail reaches the sink).
    last_mail: Option<&'static str>,
    /// keepalived's last log line for it.
    last_line: &'static str,
}

/// The sessions' client bytes with the Date header's value masked.
fn undated(sessions: &[Session]) -> Vec<String> {
    sessions
        .iter()
        .map(|s| {
            s.text()
                .split("\r\n")
                .map(|l| if l.starts_with("Date: ") { "Date: <date>" } else { l })
                .collect::<Vec<_>>()
                .join("\r\n")
        })
        .collect()
}

/// The daemon's SMTP log lines (every line `core/smtp.c` logs has "SMTP" or starts with
/// "smtp fd "), with the sink's port and fd numbers masked.
fn smtp_lines(d: &Daemon, port: u16) -> Vec<String> {
    d.log
        .lines()
        .into_iter()
        .filter(|l| l.contains("SMTP") || l.starts_with("smtp fd "))
        .map(|l| l.replace(&format!(":{port}"), ":<port>"))
        .map(|l| match l.strip_prefix("smtp fd ").and_then(|r| r.split_once(' ')) {
            // File descriptor numbers legitimately differ.
            Some((_, rest)) => format!("smtp fd <fd> {rest}"),
            None => l,
        })
        .collect()
}

/// Runs `program` until the case's last mail has been received and logged, then stops it;
/// the sessions up to that mail and the daemon's SMTP log lines.
fn run(lab: &mut Lab, case: &Case, program: &str, tag: &str, port: u16) -> (Vec<String>, Vec<String>, Sink) {
    let ip: std::net::IpAddr = lab.observer.ipv4.parse().unwrap();
    let sink = Sink::start_in(&lab.observer.ns, SocketAddr::new(ip, port), case.replies.clone());
    // A neighbour left FAILED by the previous run (an absent SMTP host) would make the next
    // connect fail at once instead of timing out: each run starts with an empty cache.
    let flushed = std::process::Command::new("ip")
        .args(["-n", &lab.nodes[0].ns, "neigh", "flush", "all"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(flushed, "{tag}: ip neigh flush failed");
    let cfg = (case.config)(lab, port);
    let mut d = lab.start(0, program, tag, &cfg);
    let end = std::time::Instant::now() + WAIT;
    let sessions = loop {
        let Some(last_mail) = case.last_mail else {
            break Vec::new();
        };
        let s = sink.wait(1, Duration::from_millis(200));
        if let Some(i) = s.iter().position(|s| s.text().contains(last_mail)) {
            let s = sink.wait(i + 1, WAIT);
            if s[..=i].iter().all(|x| x.done) {
                break s[..=i].to_vec();
            }
        }
        assert!(
            std::time::Instant::now() < end,
            "{tag}: no mail with {last_mail:?}: {s:?}\n{}",
            d.log.lines().join("\n")
        );
    };
    assert!(
        d.log.wait(|l| l.contains(case.last_line), WAIT).is_some(),
        "{tag}: no line {:?}",
        case.last_line
    );
    d.signal(libc::SIGTERM);
    d.wait_exit(WAIT);
    (undated(&sessions), smtp_lines(&d, port), sink)
}

/// Runs keepalived, then ours, and compares mail and log lines up to the case's last mail
/// (a STOP mail at shutdown may or may not get through before the process exits).
fn compare(test: &str, case: Case) -> Option<Vec<String>> {
    if let Some(why) = lab::unavailable() {
        support::skip(test, &why);
        return None;
    }
    let Some(ka) = support::oracle_keepalived() else {
        support::skip(test, "Debian's keepalived 2.2.7 is not installed");
        return None;
    };
    let mut lab = Lab::new(1);
    let (ka_mail, ka_log, ka_sink) = run(&mut lab, &case, &ka.display().to_string(), "ka", 2525);
    let (our_mail, our_log, our_sink) = run(&mut lab, &case, support::ours(), "ours", 2526);
    eprintln!("keepalived's mail: {ka_mail:#?}\nkeepalived's log: {ka_log:#?}");
    assert_eq!(our_mail, ka_mail);
    // Each compared session ends with one `last_line`: the log up to the last of those.
    let upto = |v: &[String]| {
        let ends: Vec<usize> = (0..v.len()).filter(|&i| v[i].contains(case.last_line)).collect();
        let n = ends.get(ka_mail.len().max(1) - 1).map_or(v.len(), |i| i + 1);
        v[..n].to_vec()
    };
    assert_eq!(upto(&our_log), upto(&ka_log));
    // The STOP notify: keepalived's smtp_connect() opens the connection at once and the
    // process exits before the greeting, so the sink sees one more, empty, connection.
    if case.last_mail.is_none() {
        return Some(ka_mail);
    }
    let stop = ka_mail.len() + 1;
    let ka_stop = ka_sink.wait(stop, Duration::from_secs(5));
    let our_stop = our_sink.wait(stop, Duration::from_secs(5));
    assert_eq!(ka_stop.len(), stop, "keepalived's STOP connection: {ka_stop:?}");
    assert_eq!(our_stop.len(), stop, "our STOP connection: {our_stop:?}");
    Some(ka_mail)
}

/// `vrrp_smtp_notifier()`: BACKUP at start, then MASTER.
#[test]
fn vrrp_smtp_notifier_matches_keepalived() {
    let Some(ka_mail) = compare(
        "vrrp_smtp_notifier_matches_keepalived",
        Case {
            config,
            replies: Replies::default(),
            last_mail: Some("Entering MASTER state"),
            last_line: "SMTP alert successfully sent.",
        },
    ) else {
        return;
    };
    assert!(ka_mail.last().unwrap().contains(
        "Subject: [lab_router] VRRP Instance VI_1 - Entering MASTER state\r\nX-Mailer: Keepalived\r\n\
         To: ops@example.org, noc@example.org\r\n\r\n=> VRRP Instance is now owning VRRP VIPs <=\r\n\r\n.\r\n"
    ));
}

/// `vrrp_sync_smtp_notifier()`: the group's mails (its instances have `smtp_alert` off).
#[test]
fn vrrp_sync_smtp_notifier_matches_keepalived() {
    let Some(ka_mail) = compare(
        "vrrp_sync_smtp_notifier_matches_keepalived",
        Case {
            config: group_config,
            replies: Replies::default(),
            last_mail: Some("VRRP Group G1 - Entering MASTER state"),
            last_line: "SMTP alert successfully sent.",
        },
    ) else {
        return;
    };
    assert!(ka_mail.iter().all(|m| m.contains("VRRP Group G1")), "{ka_mail:?}");
}

/// `smtp_read_thread()` with a refused recipient: the error line, then QUIT.
#[test]
fn smtp_alert_rcpt_refused_matches_keepalived() {
    compare(
        "smtp_alert_rcpt_refused_matches_keepalived",
        Case {
            config,
            replies: Replies {
                rcpt: vec![Some("550 5.1.1 no\r\n".into())],
                ..Replies::default()
            },
            // The first mail (BACKUP at start) ends at its first RCPT.
            last_mail: Some("QUIT"),
            last_line: "Error processing RCPT cmd",
        },
    );
}

/// The checker child's real-server mail (`smtp_alert(SMTP_MSG_RS, ...)` from `tcp_epilog()`):
/// a TCP_CHECK against a closed port takes the real server DOWN. keepalived's checker child
/// cannot run without IPVS on this host, so the expected mail is keepalived's format written
/// out (subject from `smtp_alert()`, body from `check_tcp.c`).
#[test]
fn checker_rs_down_mail() {
    let test = "checker_rs_down_mail";
    if let Some(why) = lab::unavailable() {
        return support::skip(test, &why);
    }
    let mut lab = Lab::new(1);
    let sink = Sink::start_in(&lab.nodes[0].ns, "127.0.0.1:2527".parse().unwrap(), Replies::default());
    let vip = format!("{}.200", lab.net4());
    let cfg = GLOBAL.replace("SERVER", "127.0.0.1").replace("PORT", "2527")
        + &format!(
            "virtual_server {vip} 80 {{\n    delay_loop 1\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n    \
             real_server 127.0.0.1 1 {{\n        TCP_CHECK {{\n            connect_timeout 1\n            retry 0\n        }}\n    }}\n}}\n"
        );
    let d = lab.start(0, support::ours(), "ours", &cfg);
    let s = sink.wait(1, WAIT);
    assert!(
        !s.is_empty() && s[0].done,
        "no mail: {s:?}\n{}",
        d.log.lines().join("\n")
    );
    let mail = &undated(&s[..1])[0];
    let want = format!(
        "HELO lab.example.org\r\nMAIL FROM:<keepalived@example.org>\r\nRCPT TO:<ops@example.org>\r\n\
         RCPT TO:<noc@example.org>\r\nDATA\r\nDate: <date>\r\nFrom: keepalived@example.org\r\n\
         Subject: [lab_router] Realserver [127.0.0.1]:tcp:1 of virtual server [{vip}]:tcp:80 - DOWN\r\n\
         X-Mailer: Keepalived\r\nTo: ops@example.org, noc@example.org\r\n\r\n\
         => TCP CHECK failed on service <=\r\n\r\n.\r\nQUIT\r\n"
    );
    assert_eq!(mail, &want);
}

/// `connection_in_progress()` on THREAD_WRITE_TIMEOUT: nobody at the server's address (ARP
/// fails after 3 s, `smtp_connect_timeout` is 1 s).
#[test]
fn smtp_alert_connect_timeout_matches_keepalived() {
    compare(
        "smtp_alert_connect_timeout_matches_keepalived",
        Case {
            config: |lab, port| {
                config(lab, port)
                    .replace(
                        &format!("smtp_server {} ", lab.observer.ipv4),
                        &format!("smtp_server {}.99 ", lab.net4()),
                    )
                    .replace("smtp_connect_timeout 5", "smtp_connect_timeout 1")
            },
            replies: Replies::default(),
            last_mail: None,
            last_line: "Timeout opening connection to remote SMTP server",
        },
    );
}

/// `connection_in_progress()` on THREAD_WRITE_ERROR: the server's host refuses (RST).
#[test]
fn smtp_alert_connection_refused_matches_keepalived() {
    compare(
        "smtp_alert_connection_refused_matches_keepalived",
        Case {
            config: |lab, port| config(lab, port).replace(&format!(" {port}\n"), &format!(" {}\n", port + 100)),
            replies: Replies::default(),
            last_mail: None,
            last_line: "returned write error",
        },
    );
}
