//! The VRRP process's alert mails (keepalived's `vrrp_smtp_notifier()` and
//! `vrrp_sync_smtp_notifier()` in `vrrp/vrrp_notify.c`): which notifies mail, with what
//! subject and body. The conversation itself is tested in `alert_smtp*.rs`.

use keepalived_rs::alert::Mailer;
use keepalived_rs::config::model::Config;
use keepalived_rs::config::system::HostWithInterfaces;
use keepalived_rs::config::{LoadOptions, load_str};
use keepalived_rs::vrrp::event::{NotifyTarget, State};
use keepalived_rs::vrrp::notify::{Kind, Notifier, VrrpMail};

fn load(global: &str, instance_alert: &str, group_alert: &str) -> Config {
    let text = format!(
        "global_defs {{\n router_id r1\n notification_email {{\n  a@x\n }}\n smtp_server 192.0.2.1\n{global}\n}}\n\
         vrrp_sync_group G1 {{\n group {{\n  VI_1\n  VI_2\n }}\n{group_alert}\n}}\n\
         vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 1\n{instance_alert}\n virtual_ipaddress {{\n  10.0.0.1\n }}\n}}\n\
         vrrp_instance VI_2 {{\n interface eth0\n virtual_router_id 2\n virtual_ipaddress {{\n  10.0.0.2\n }}\n}}\n"
    );
    let sys = HostWithInterfaces {
        interfaces: vec!["eth0".to_string()],
    };
    load_str(&text, &LoadOptions::default(), &sys).config
}

fn mail(kind: Kind, name: &str, what: &'static str, body: &'static str) -> Option<VrrpMail> {
    Some(VrrpMail {
        kind,
        name: name.into(),
        what,
        body,
    })
}

const VI_1: NotifyTarget = NotifyTarget::Instance(0);
const VI_2: NotifyTarget = NotifyTarget::Instance(1);
const G1: NotifyTarget = NotifyTarget::Group(0);

/// `vrrp_smtp_notifier()`: each state once (`last_email_state`), instances with `smtp_alert`
/// only; the texts of every state.
#[test]
fn vrrp_smtp_notifier_states_and_last_email_state() {
    let cfg = load("", " smtp_alert", "");
    let mut n = Notifier::new(&cfg);
    let owning = "=> VRRP Instance is now owning VRRP VIPs <=";
    let not_owning = "=> VRRP Instance is no longer owning VRRP VIPs <=";
    assert_eq!(n.smtp_notifier(VI_1, State::Init), None);
    assert_eq!(
        n.smtp_notifier(VI_1, State::Backup),
        mail(Kind::Instance, "VI_1", "Entering BACKUP state", not_owning)
    );
    assert_eq!(n.smtp_notifier(VI_1, State::Backup), None, "same state twice");
    assert_eq!(
        n.smtp_notifier(VI_1, State::Master),
        mail(Kind::Instance, "VI_1", "Entering MASTER state", owning)
    );
    assert_eq!(
        n.smtp_notifier(VI_1, State::Fault),
        mail(Kind::Instance, "VI_1", "Entering FAULT state", not_owning)
    );
    assert_eq!(
        n.smtp_notifier(VI_1, State::Stop),
        mail(Kind::Instance, "VI_1", "Stopping", "=> VRRP Instance stopping <=")
    );
    assert_eq!(n.smtp_notifier(VI_2, State::Master), None, "smtp_alert off");
    assert_eq!(n.smtp_notifier(G1, State::Master), None, "smtp_alert off");
}

/// `vrrp_sync_smtp_notifier()`: the group's texts; `smtp_alert_vrrp` as the default.
#[test]
fn vrrp_sync_smtp_notifier_texts() {
    let cfg = load(" smtp_alert_vrrp", "", "");
    let mut n = Notifier::new(&cfg);
    let cases = [
        (
            State::Backup,
            "Entering BACKUP state",
            "=> All VRRP group instances are now in BACKUP state <=",
        ),
        (
            State::Master,
            "Entering MASTER state",
            "=> All VRRP group instances are now in MASTER state <=",
        ),
        (
            State::Fault,
            "Entering FAULT state",
            "=> All VRRP group instances are now in FAULT state <=",
        ),
        (
            State::Stop,
            "Stopping",
            "=> All VRRP group instances are now stopping <=",
        ),
    ];
    for (state, what, body) in cases {
        assert_eq!(n.smtp_notifier(G1, state), mail(Kind::Group, "G1", what, body));
    }
    // The default applies to instances too.
    assert!(n.smtp_notifier(VI_2, State::Master).is_some());
}

/// `no_email_faults`: FAULT is not mailed and not remembered.
#[test]
fn no_email_faults_skips_fault() {
    let cfg = load(" no_email_faults", " smtp_alert", " smtp_alert");
    let mut n = Notifier::new(&cfg);
    assert!(n.smtp_notifier(VI_1, State::Backup).is_some());
    assert_eq!(n.smtp_notifier(VI_1, State::Fault), None);
    assert_eq!(n.smtp_notifier(G1, State::Fault), None);
    assert!(
        n.smtp_notifier(VI_1, State::Backup).is_none(),
        "BACKUP is still the last mailed"
    );
    assert!(n.smtp_notifier(VI_1, State::Master).is_some());
}

/// A reload makes new instances: `last_email_state` starts again from INIT.
#[test]
fn reload_forgets_last_email_state() {
    let cfg = load("", " smtp_alert", "");
    let mut n = Notifier::new(&cfg);
    assert!(n.smtp_notifier(VI_1, State::Master).is_some());
    n.reconfigure(&cfg);
    assert!(n.smtp_notifier(VI_1, State::Master).is_some());
}

/// `smtp_alert()`'s subjects for VRRP (`SMTP_MSG_VRRP`, `SMTP_MSG_VGROUP`) and when it sends
/// nothing (no `smtp_server` or no `notification_email`).
#[test]
fn smtp_alert_vrrp_subjects_and_mail_off() {
    let cfg = load("", "", "");
    let m = Mailer::from_global(&cfg.global).expect("mail on");
    assert_eq!(m.router_id, "r1");
    assert_eq!(m.server.to_string(), "192.0.2.1:25");
    assert_eq!(m.timeout.as_secs(), 30, "keepalived's default smtp_connect_timeout");
    let vi = mail(Kind::Instance, "VI_1", "Entering MASTER state", "b").unwrap();
    assert_eq!(vi.subject(&m), "[r1] VRRP Instance VI_1 - Entering MASTER state");
    let g = mail(Kind::Group, "G1", "Stopping", "b").unwrap();
    assert_eq!(g.subject(&m), "[r1] VRRP Group G1 - Stopping");

    let mut g = cfg.global.clone();
    g.smtp_server = None;
    assert_eq!(Mailer::from_global(&g), None);
    let mut g = cfg.global.clone();
    g.notification_email.clear();
    assert_eq!(Mailer::from_global(&g), None);
}

/// `clear_diff_vrrp()` → `send_instance_notifies()` for an instance a reload deleted: FAULT
/// (keepalived's default) unless already mailed, or "Deleted" with `notify_deleted`; judged
/// with the old instance's `smtp_alert` and last mailed state.
#[test]
fn vrrp_smtp_notifier_deleted_at_reload() {
    use keepalived_rs::vrrp::reload::DeletedNotify;
    let cfg = load("", " smtp_alert", "");
    let gone = |word| DeletedNotify {
        instance: 0,
        name: "VI_1".into(),
        state_word: word,
        script: None,
        generic: None,
        priority: 100,
    };
    let mut n = Notifier::new(&cfg);
    assert!(n.smtp_notifier(VI_1, State::Master).is_some());
    n.reconfigure(&cfg);
    let not_owning = "=> VRRP Instance is no longer owning VRRP VIPs <=";
    assert_eq!(
        n.deleted_mail(&gone("FAULT")),
        mail(Kind::Instance, "VI_1", "Entering FAULT state", not_owning)
    );
    assert_eq!(n.deleted_mail(&gone("FAULT")), None, "FAULT already mailed");
    assert_eq!(
        n.deleted_mail(&gone("DELETED")),
        mail(Kind::Instance, "VI_1", "Deleted", "=> VRRP Deleted at reload <=")
    );
    // VI_2 has smtp_alert off.
    let mut d = gone("DELETED");
    d.instance = 1;
    assert_eq!(n.deleted_mail(&d), None);
}
