//! `global_defs` handlers for mail (SMTP, alerts), start/shutdown scripts, the script user and
//! the notify FIFOs.

use super::{bool_arg, default_script_user, domain_stosockaddr, error, inet_stosockaddr, notify_script_init_default};
use crate::config::diag::Level;
use crate::config::model::global::{GlobalDefs, NotifyFifo};
use crate::config::parser::{HResult, Parser, Words};
use crate::config::script::{self, DefaultUser};
use crate::config::values;

/// keepalived's `SMTP_PORT_STR`.
const SMTP_PORT: &str = "25";

pub(super) fn notification_email_from(p: &mut Parser<'_>, w: &Words) -> HResult {
    match w.opt(1) {
        Some(v) => p.b.cfg.global.notification_email_from = Some(v.to_string()),
        None => error(p, "emailfrom missing - ignoring".into()),
    }
    Ok(())
}

pub(super) fn smtp_server(p: &mut Parser<'_>, w: &Words) -> HResult {
    let port = w.opt(2).unwrap_or(SMTP_PORT).to_string();
    let host = w.get(1)?.to_string();
    // It can't be an IP address if it contains '-' or '/'; otherwise a literal is tried first.
    let mut server = None;
    if !host.contains(['-', '/']) {
        server = inet_stosockaddr(p, &host, Some(&port));
    }
    if server.is_none() {
        server = domain_stosockaddr(p, &host, Some(&port));
    }
    p.b.cfg.global.smtp_server = server;
    if server.is_none() {
        error(p, format!("Invalid smtp server {host} {port}"));
    }
    Ok(())
}

pub(super) fn smtp_helo_name(p: &mut Parser<'_>, w: &Words) -> HResult {
    if let Some(v) = w.opt(1) {
        p.b.cfg.global.smtp_helo_name = Some(v.to_string());
    }
    Ok(())
}

pub(super) fn smtp_connect_timeout(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    let max = u32::MAX / values::TIMER_HZ as u32;
    // 0 is accepted (with a complaint) for compatibility with keepalived before 2.0.7.
    let Some(mut t) = values::read_unsigned(p, s, 0, max, true) else {
        error(
            p,
            format!("smtp_connect_timeout '{s}' must be in [0, {max}] - ignoring"),
        );
        return Ok(());
    };
    if t == 0 {
        error(p, "smtp_conect_timeout must be greater than 0, setting to 1".into());
        t = 1;
    }
    p.b.cfg.global.smtp_connect_timeout = t;
    Ok(())
}

pub(super) fn notification_email(p: &mut Parser<'_>, w: &Words) -> HResult {
    let addrs = p.read_value_block(w);
    if addrs.is_empty() {
        error(p, "Warning - empty notification_email block".into());
    } else {
        p.b.cfg.global.notification_email.extend(addrs);
    }
    Ok(())
}

/// The flag keywords `smtp_alert[_vrrp|_checker] [BOOL]`.
fn smtp_alert_flag(
    p: &mut Parser<'_>,
    w: &Words,
    name: &str,
    field: fn(&mut GlobalDefs) -> &mut Option<bool>,
) -> HResult {
    if let Some(b) = bool_arg(p, w, |v| format!("Invalid value '{v}' for global {name} specified")) {
        *field(&mut p.b.cfg.global) = Some(b);
    }
    Ok(())
}

pub(super) fn smtp_alert(p: &mut Parser<'_>, w: &Words) -> HResult {
    smtp_alert_flag(p, w, "smtp_alert", |g| &mut g.smtp_alert)
}

pub(super) fn smtp_alert_vrrp(p: &mut Parser<'_>, w: &Words) -> HResult {
    smtp_alert_flag(p, w, "smtp_alert_vrrp", |g| &mut g.smtp_alert_vrrp)
}

pub(super) fn smtp_alert_checker(p: &mut Parser<'_>, w: &Words) -> HResult {
    smtp_alert_flag(p, w, "smtp_alert_checker", |g| &mut g.smtp_alert_checker)
}

pub(super) fn checker_log_all_failures(p: &mut Parser<'_>, w: &Words) -> HResult {
    if let Some(b) = bool_arg(p, w, |_| "Invalid value for checker_log_all_failures specified".into()) {
        p.b.cfg.global.checker_log_all_failures = b;
    }
    Ok(())
}

pub(super) fn no_email_faults(p: &mut Parser<'_>, _w: &Words) -> HResult {
    p.b.cfg.global.no_email_faults = true;
    Ok(())
}

/// Flags `rs_init_notifies` and `no_checker_emails` (`[BOOL]`).
fn global_flag(p: &mut Parser<'_>, w: &Words, name: &str, field: fn(&mut GlobalDefs) -> &mut bool) -> HResult {
    if let Some(b) = bool_arg(p, w, |v| format!("Invalid value '{v}' for global {name} specified")) {
        *field(&mut p.b.cfg.global) = b;
    }
    Ok(())
}

pub(super) fn rs_init_notifies(p: &mut Parser<'_>, w: &Words) -> HResult {
    global_flag(p, w, "rs_init_notifies", |g| &mut g.rs_init_notifies)
}

pub(super) fn no_checker_emails(p: &mut Parser<'_>, w: &Words) -> HResult {
    global_flag(p, w, "no_checker_emails", |g| &mut g.no_checker_emails)
}

pub(super) fn vrrp_notify_priority_changes(p: &mut Parser<'_>, w: &Words) -> HResult {
    global_flag(p, w, "vrrp_notify_priority_changes", |g| {
        &mut g.vrrp_notify_priority_changes
    })
}

pub(super) fn fifo_write_vrrp_states_on_reload(p: &mut Parser<'_>, _w: &Words) -> HResult {
    p.b.cfg.global.fifo_write_vrrp_states_on_reload = true;
    Ok(())
}

// --- startup and shutdown scripts ---

fn start_stop_script(p: &mut Parser<'_>, w: &Words, startup: bool) -> HResult {
    let kind = if startup { "startup" } else { "shutdown" };
    let g = &p.b.cfg.global;
    let existing = if startup { &g.startup_script } else { &g.shutdown_script };
    if existing.is_some() {
        error(p, format!("{kind} script already specified"));
        return Ok(());
    }
    if w.len() < 2 {
        error(p, format!("{kind} script missing"));
        return Ok(());
    }
    let Some(s) = notify_script_init_default(p, kind) else {
        error(p, format!("Invalid {kind} script"));
        return Ok(());
    };
    let g = &mut p.b.cfg.global;
    if startup {
        g.startup_script = Some(s);
    } else {
        g.shutdown_script = Some(s);
    }
    Ok(())
}

fn start_stop_timeout(p: &mut Parser<'_>, w: &Words, startup: bool) -> HResult {
    let kind = if startup { "startup" } else { "shutdown" };
    let Some(s) = w.opt(1) else {
        error(p, format!("{kind}_script_timeout requires value"));
        return Ok(());
    };
    let Some(t) = values::read_unsigned(p, s, 1, 1000, true) else {
        error(
            p,
            format!("{kind}_script_timeout '{s}' must be in [1, 1000] - ignoring"),
        );
        return Ok(());
    };
    let g = &mut p.b.cfg.global;
    if startup {
        g.startup_script_timeout = t;
    } else {
        g.shutdown_script_timeout = t;
    }
    Ok(())
}

pub(super) fn startup_script(p: &mut Parser<'_>, w: &Words) -> HResult {
    start_stop_script(p, w, true)
}

pub(super) fn startup_script_timeout(p: &mut Parser<'_>, w: &Words) -> HResult {
    start_stop_timeout(p, w, true)
}

pub(super) fn shutdown_script(p: &mut Parser<'_>, w: &Words) -> HResult {
    start_stop_script(p, w, false)
}

pub(super) fn shutdown_script_timeout(p: &mut Parser<'_>, w: &Words) -> HResult {
    start_stop_timeout(p, w, false)
}

// --- script user ---

pub(super) fn script_user(p: &mut Parser<'_>, w: &Words) -> HResult {
    let Some(user) = w.opt(1).map(str::to_string) else {
        error(p, "No script username specified".into());
        return Ok(());
    };
    let group = w.opt(2).map(str::to_string);
    let mut msgs = Vec::new();
    let security = p.b.cfg.global.enable_script_security;
    let d = script::default_user(p.sys, Some((&user, group.as_deref())), security, &mut msgs);
    for (level, m) in msgs {
        p.report(level, m);
    }
    // keepalived's default_user_fail is sticky: after one failure every later script_user
    // reports an error too, even a valid one.
    let st = &mut p.b.global.script_user;
    super::forget_later_pass_decision(st);
    st.set = true;
    match d {
        DefaultUser::Ids(u, g) => {
            st.uid = u;
            st.gid = g;
        }
        DefaultUser::Failed => st.failed = true,
    }
    let failed = st.failed;
    p.b.cfg.global.script_user = Some((user, group));
    if failed {
        error(p, "Error setting global script uid/gid".into());
    }
    Ok(())
}

pub(super) fn enable_script_security(p: &mut Parser<'_>, _w: &Words) -> HResult {
    p.b.cfg.global.enable_script_security = true;
    Ok(())
}

// --- notify FIFOs ---

/// Which notify FIFO a keyword configures.
#[derive(Clone, Copy)]
enum Fifo {
    Global,
    Vrrp,
    Lvs,
}

impl Fifo {
    /// keepalived's type prefix in messages.
    fn prefix(self) -> &'static str {
        match self {
            Fifo::Global => "",
            Fifo::Vrrp => "vrrp_",
            Fifo::Lvs => "lvs_",
        }
    }
    fn get(self, g: &mut GlobalDefs) -> &mut NotifyFifo {
        match self {
            Fifo::Global => &mut g.notify_fifo,
            Fifo::Vrrp => &mut g.vrrp_notify_fifo,
            Fifo::Lvs => &mut g.lvs_notify_fifo,
        }
    }
}

fn fifo_name(p: &mut Parser<'_>, w: &Words, which: Fifo) -> HResult {
    let ty = which.prefix();
    let Some(name) = w.opt(1).map(str::to_string) else {
        error(p, format!("No {ty}notify_fifo name specified"));
        return Ok(());
    };
    if which.get(&mut p.b.cfg.global).name.is_some() {
        error(p, format!("{ty}notify_fifo already specified - ignoring {name}"));
        return Ok(());
    }
    // keepalived logs these before it has stored the name, so its messages say "(null)".
    let (uid, gid, user, group) = if let Some(user) = w.opt(2) {
        let group = w.opt(3);
        match script::lookup_user(p, user, group) {
            Some((u, g)) => (u, g, Some(user.to_string()), group.map(str::to_string)),
            None => {
                p.report(
                    Level::Info,
                    format!("Invalid user/group for {ty} fifo (null) - ignoring"),
                );
                return Ok(());
            }
        }
    } else {
        match default_script_user(p) {
            DefaultUser::Ids(u, g) => (u, g, None, None),
            DefaultUser::Failed => {
                let m = format!("Failed to set default user for {ty} fifo (null) - ignoring");
                p.report(Level::Info, m);
                return Ok(());
            }
        }
    };
    let f = which.get(&mut p.b.cfg.global);
    f.name = Some(name);
    f.uid = uid;
    f.gid = gid;
    f.user = user;
    f.group = group;
    Ok(())
}

fn fifo_script(p: &mut Parser<'_>, w: &Words, which: Fifo) -> HResult {
    let ty = which.prefix();
    let Some(cmd) = w.opt(1).map(str::to_string) else {
        error(p, format!("No {ty}notify_fifo_script specified"));
        return Ok(());
    };
    if which.get(&mut p.b.cfg.global).script.is_some() {
        error(p, format!("{ty}notify_fifo_script already specified - ignoring {cmd}"));
        return Ok(());
    }
    let s = notify_script_init_default(p, &format!("{ty}notify_fifo"));
    which.get(&mut p.b.cfg.global).script = s;
    Ok(())
}

pub(super) fn notify_fifo(p: &mut Parser<'_>, w: &Words) -> HResult {
    fifo_name(p, w, Fifo::Global)
}

pub(super) fn notify_fifo_script(p: &mut Parser<'_>, w: &Words) -> HResult {
    fifo_script(p, w, Fifo::Global)
}

pub(super) fn vrrp_notify_fifo(p: &mut Parser<'_>, w: &Words) -> HResult {
    fifo_name(p, w, Fifo::Vrrp)
}

pub(super) fn vrrp_notify_fifo_script(p: &mut Parser<'_>, w: &Words) -> HResult {
    fifo_script(p, w, Fifo::Vrrp)
}

pub(super) fn lvs_notify_fifo(p: &mut Parser<'_>, w: &Words) -> HResult {
    fifo_name(p, w, Fifo::Lvs)
}

pub(super) fn lvs_notify_fifo_script(p: &mut Parser<'_>, w: &Words) -> HResult {
    fifo_script(p, w, Fifo::Lvs)
}
