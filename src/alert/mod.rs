//! SMTP alert mail (keepalived's `smtp_alert()`, `core/smtp.c`): the settings from the global
//! configuration ([`Mailer`]), the subjects keepalived builds for VRRP instances and sync
//! groups, the sans-IO conversation ([`smtp`]) and the tokio shell that sends one mail in the
//! background ([`send`]).
//!
//! As in keepalived nothing is sent, and nothing logged, unless both `smtp_server` and at
//! least one `notification_email` are configured.

pub mod checker;
pub mod send;
pub mod smtp;

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::config::model::global::GlobalDefs;

/// The global settings a mail needs (keepalived's `global_data` fields).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mailer {
    /// `smtp_server` with its port.
    pub server: SocketAddr,
    /// `smtp_connect_timeout`: for the connection and for each reply.
    pub timeout: Duration,
    /// `smtp_helo_name` (`localhost` when unset, as `helo_cmd()` does).
    pub helo: String,
    /// `notification_email_from` (`(null)` when unset, as glibc prints keepalived's NULL).
    pub from: String,
    /// `notification_email`.
    pub to: Vec<String>,
    /// `router_id`, the subject's `[...]` prefix.
    pub router_id: String,
}

impl Mailer {
    /// The settings of `g`, or `None` when keepalived's `smtp_alert()` returns at once (no
    /// `smtp_server` or no `notification_email`).
    pub fn from_global(g: &GlobalDefs) -> Option<Mailer> {
        let (ip, port) = g.smtp_server?;
        if g.notification_email.is_empty() {
            return None;
        }
        Some(Mailer {
            server: SocketAddr::new(ip, port),
            timeout: Duration::from_secs(u64::from(g.smtp_connect_timeout)),
            helo: g.smtp_helo_name.clone().unwrap_or_else(|| "localhost".to_string()),
            from: g
                .notification_email_from
                .clone()
                .unwrap_or_else(|| "(null)".to_string()),
            to: g.notification_email.clone(),
            router_id: g.router_id.clone().unwrap_or_else(|| "(null)".to_string()),
        })
    }

    /// The message for `subject` and `body` (already composed, e.g. by the checker pool).
    pub fn message(&self, subject: &str, body: &str) -> smtp::Message {
        smtp::Message::new(self.helo.clone(), self.from.clone(), self.to.clone(), subject, body)
    }

    /// `smtp_alert(SMTP_MSG_VRRP, ...)`'s subject: `[router_id] VRRP Instance NAME - WHAT`.
    pub fn vrrp_subject(&self, instance: &str, what: &str) -> String {
        format!("[{}] VRRP Instance {instance} - {what}", self.router_id)
    }

    /// `smtp_alert(SMTP_MSG_VGROUP, ...)`'s subject: `[router_id] VRRP Group NAME - WHAT`.
    pub fn vgroup_subject(&self, group: &str, what: &str) -> String {
        format!("[{}] VRRP Group {group} - {what}", self.router_id)
    }
}

/// The process's mail settings, set from the configuration at start and at each reload.
static MAILER: RwLock<Option<Arc<Mailer>>> = RwLock::new(None);

/// Takes the mail settings from the global configuration (at start and at reload).
pub fn configure(g: &GlobalDefs) {
    let m = Mailer::from_global(g).map(Arc::new);
    *MAILER.write().unwrap_or_else(|e| e.into_inner()) = m;
}

/// The current mail settings, `None` when mail is off.
pub fn mailer() -> Option<Arc<Mailer>> {
    MAILER.read().unwrap_or_else(|e| e.into_inner()).clone()
}

/// keepalived's `smtp_alert()` with a composed subject: sends the mail in the background
/// with the current settings; does nothing when mail is off. Never blocks; failures are only
/// logged.
pub fn alert(subject: &str, body: &str) {
    if let Some(m) = mailer() {
        send::spawn(&m, subject, body);
    }
}
