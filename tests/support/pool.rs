//! Helpers for the pool and reconcile tests: loading a configuration from text, and picking
//! the log lines, commands, scripts and FIFO lines out of the pool's actions.

use keepalived_rs::check::event::CheckerId;
use keepalived_rs::check::pool::PoolAction;
use keepalived_rs::config::model::Config;
use keepalived_rs::config::{LoadOptions, load_text, system::FixedSystem};
use keepalived_rs::ipvs::model::Command;

/// Loads a configuration from text (validated as the daemon would).
pub fn load(text: &str) -> Config {
    let opts = LoadOptions {
        random_seed: Some(1),
        ..LoadOptions::default()
    };
    load_text(text, &opts, &FixedSystem::typical(), false).config
}

/// The log lines among the actions.
pub fn logs(a: &[PoolAction]) -> Vec<String> {
    a.iter()
        .filter_map(|x| match x {
            PoolAction::Log(l) => Some(l.text.clone()),
            _ => None,
        })
        .collect()
}

/// The log lines without the "Activating healthchecker" lines that every start and reload
/// logs for each checker (`register_checkers_thread()`).
pub fn pool_logs(a: &[PoolAction]) -> Vec<String> {
    logs(a)
        .into_iter()
        .filter(|l| !l.contains("ctivating healthchecker for service"))
        .collect()
}

/// The IPVS commands among the actions.
pub fn cmds(a: &[PoolAction]) -> Vec<Command> {
    a.iter()
        .filter_map(|x| match x {
            PoolAction::Ipvs(c) => Some(c.clone()),
            _ => None,
        })
        .collect()
}

/// The scripts run among the actions, by their arguments after the program (the program's
/// path is resolved through symlinks by the configuration reader).
pub fn scripts(a: &[PoolAction]) -> Vec<String> {
    a.iter()
        .filter_map(|x| match x {
            PoolAction::Script { script, .. } => Some(script.args[1..].join(" ")),
            _ => None,
        })
        .collect()
}

/// The FIFO lines among the actions.
pub fn fifo(a: &[PoolAction]) -> Vec<String> {
    a.iter()
        .filter_map(|x| match x {
            PoolAction::Fifo(l) => Some(l.clone()),
            _ => None,
        })
        .collect()
}

/// The mails among the actions, as (subject, body).
pub fn mails(a: &[PoolAction]) -> Vec<(String, String)> {
    a.iter()
        .filter_map(|x| match x {
            PoolAction::Smtp { subject, body } => Some((subject.clone(), body.clone())),
            _ => None,
        })
        .collect()
}

/// Checker `c` of real server `rs` of virtual server `vs`.
pub fn id(vs: usize, rs: usize, c: usize) -> CheckerId {
    CheckerId { vs, rs, checker: c }
}

/// Where the shared sample configurations are, if anywhere.
pub fn samples_dir() -> Option<std::path::PathBuf> {
    super::shared_dir()
        .map(|d| d.join("samples"))
        .filter(|d| d.is_dir())
        .or_else(|| Some(std::path::PathBuf::from("/work/shared/samples")).filter(|d| d.is_dir()))
}
