//! The bodies of the real-server mails each checker sends when it changes state
//! (`smtp_alert(SMTP_MSG_RS, checker, NULL, body)` in `check_tcp.c`, `check_udp.c`,
//! `check_ping.c`, `check_http.c`, `check_smtp.c`, `check_dns.c`, `check_misc.c`,
//! `check_bfd.c`). The pool builds the subject and decides whether to send.

use crate::check::event::CheckerId;
use crate::config::model::Config;
use crate::config::model::check::CheckerKind;

/// The body of checker `kind`'s mail for a result `up`, given the log text of the result
/// that decided it (the scheduler's `Transition::reason`: SMTP_CHECK's "SMTP_CHECK ..." line
/// and MISC_CHECK's "Misc check for ..." line carry what the body needs).
pub fn rs_body(kind: &CheckerKind, up: bool, reason: &str) -> String {
    let verdict = if up { "succeed" } else { "failed" };
    match kind {
        CheckerKind::Tcp => format!("=> TCP CHECK {verdict} on service <="),
        CheckerKind::Udp(_) => format!("=> UDP CHECK {verdict} on service <="),
        CheckerKind::Ping => format!("=> ICMP CHECK {verdict} on service <="),
        CheckerKind::Dns(_) => format!("=> DNS_CHECK: {verdict} on service <="),
        CheckerKind::Http(_) if up => "=> CHECK succeed on service <=".to_string(),
        CheckerKind::Http(_) => "=> CHECK failed on service : HTTP request failed <=".to_string(),
        CheckerKind::Smtp(_) if up => "=> CHECK succeed on service <=".to_string(),
        // smtp_final(): "=> CHECK failed on service : <its formatted error> <=".
        CheckerKind::Smtp(_) => match reason.strip_prefix("SMTP_CHECK ") {
            Some(e) => format!("=> CHECK failed on service : {e} <="),
            None => "=> CHECK failed on service <=".to_string(),
        },
        // misc_check_child_thread(): the script's exit type.
        CheckerKind::Misc(_) => {
            let exit = if up {
                "succeeded"
            } else if reason.contains("] timed out") {
                "timed out"
            } else {
                "failed"
            };
            format!("=> MISC CHECK {exit} on service <=")
        }
        CheckerKind::Bfd(b) => format!(
            "=> BFD CHECK {} {} on service <=",
            b.name,
            if up { "succeeded" } else { "failed" }
        ),
    }
}

/// [`rs_body`] for checker `id` of `cfg`; `None` for an unknown checker.
pub fn rs_body_for(cfg: &Config, id: CheckerId, up: bool, reason: &str) -> Option<String> {
    let c = cfg
        .check
        .virtual_servers
        .get(id.vs)?
        .real_servers
        .get(id.rs)?
        .checkers
        .get(id.checker)?;
    Some(rs_body(&c.kind, up, reason))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::check::BfdCheck;

    /// The literal bodies of keepalived's checkers.
    #[test]
    fn smtp_alert_rs_bodies() {
        assert_eq!(
            rs_body(&CheckerKind::Tcp, true, ""),
            "=> TCP CHECK succeed on service <="
        );
        assert_eq!(
            rs_body(&CheckerKind::Tcp, false, ""),
            "=> TCP CHECK failed on service <="
        );
        assert_eq!(
            rs_body(&CheckerKind::Ping, false, ""),
            "=> ICMP CHECK failed on service <="
        );
        let bfd = CheckerKind::Bfd(Box::new(BfdCheck { name: "b1".into() }));
        assert_eq!(rs_body(&bfd, true, ""), "=> BFD CHECK b1 succeeded on service <=");
        assert_eq!(rs_body(&bfd, false, ""), "=> BFD CHECK b1 failed on service <=");
    }

    /// Every checker kind through the configuration, with the reasons the scheduler gives.
    #[test]
    fn smtp_alert_rs_bodies_by_checker() {
        use crate::config::system::HostWithInterfaces;
        use crate::config::{LoadOptions, load_str};
        let text = "virtual_server 10.0.0.1 80 {\n real_server 10.0.0.2 80 {\n\
            TCP_CHECK {\n}\nUDP_CHECK {\n}\nPING_CHECK {\n}\nDNS_CHECK {\n}\n\
            HTTP_GET {\n url {\n path /\n status_code 200\n }\n}\nSMTP_CHECK {\n}\n\
            MISC_CHECK {\n misc_path /bin/true\n}\n }\n}\n";
        let sys = HostWithInterfaces { interfaces: vec![] };
        let cfg = load_str(text, &LoadOptions::default(), &sys).config;
        let body = |checker, up, reason: &str| {
            rs_body_for(&cfg, CheckerId { vs: 0, rs: 0, checker }, up, reason).expect("checker")
        };
        assert_eq!(body(0, true, ""), "=> TCP CHECK succeed on service <=");
        assert_eq!(body(1, false, ""), "=> UDP CHECK failed on service <=");
        assert_eq!(body(2, true, ""), "=> ICMP CHECK succeed on service <=");
        assert_eq!(body(3, false, ""), "=> DNS_CHECK: failed on service <=");
        assert_eq!(body(3, true, ""), "=> DNS_CHECK: succeed on service <=");
        assert_eq!(body(4, true, ""), "=> CHECK succeed on service <=");
        assert_eq!(
            body(4, false, ""),
            "=> CHECK failed on service : HTTP request failed <="
        );
        assert_eq!(body(5, true, ""), "=> CHECK succeed on service <=");
        assert_eq!(
            body(5, false, "SMTP_CHECK Error connecting to server [10.0.0.2]:tcp:25"),
            "=> CHECK failed on service : Error connecting to server [10.0.0.2]:tcp:25 <="
        );
        let misc = "Misc check for [[10.0.0.2]:tcp:80 VS [10.0.0.1]:tcp:80] by [/bin/true]";
        assert_eq!(
            body(6, true, &format!("{misc} succeeded.")),
            "=> MISC CHECK succeeded on service <="
        );
        assert_eq!(
            body(6, false, &format!("{misc} timed out with retry disabled.")),
            "=> MISC CHECK timed out on service <="
        );
        assert_eq!(
            body(
                6,
                false,
                &format!("{misc} failed with retry disabled (exited with status 1).")
            ),
            "=> MISC CHECK failed on service <="
        );
        assert_eq!(
            rs_body_for(
                &cfg,
                CheckerId {
                    vs: 0,
                    rs: 0,
                    checker: 7
                },
                true,
                ""
            ),
            None
        );
    }
}
