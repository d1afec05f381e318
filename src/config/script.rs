//! Script keywords shared by every block (`notify_*`, `script`, `misc_path`, `startup_script`,
//! ...): splitting the command with keepalived's quoting rules and resolving the user and group
//! it runs as (`lib/notify.c`: `notify_script_init()`, `set_script_params_array()`,
//! `set_script_uid_gid()`, `get_default_script_user()`).

use super::diag::Level;
use super::model::{Origin, Script};
use super::parser::Parser;
use super::system::System;
use super::tokens::{self, CommandError};

/// Splits `text` as a command line, reporting keepalived's messages on failure.
fn split(p: &mut Parser<'_>, text: &str) -> Option<Vec<String>> {
    match tokens::split_command(text) {
        Ok(w) if !w.is_empty() => Some(w),
        Ok(_) => None,
        Err(CommandError::MissingQuote(q)) => {
            p.report(
                Level::UnmatchedQuote,
                format!("String '{text}': missing terminating {q}"),
            );
            None
        }
        Err(CommandError::TrailingEscape) => {
            p.report(Level::Info, format!("Missing escape char at end: '{text}'"));
            None
        }
    }
}

/// The words of the current keyword line split with script quoting (keepalived's
/// `alloc_strvec_quoted_escaped(NULL)`): word 0 is the keyword.
pub fn split_line(p: &mut Parser<'_>) -> Option<Vec<String>> {
    let raw = p.raw_line().to_string();
    split(p, &raw)
}

/// keepalived's `set_script_params_array()`: word 1 of `line_words` split again into the program
/// and its arguments. `None` if there is no command (keepalived then leaves the script unset).
pub fn params_array(p: &mut Parser<'_>, line_words: &[String]) -> Option<Vec<String>> {
    let cmd = line_words.get(1)?.clone();
    split(p, &cmd)
}

/// The command of a `script "..."`-style keyword (`vrrp_script`'s `script`, `misc_path`): the rest
/// of the line, split with script quoting. The script's user is set elsewhere.
pub fn command_from_line(p: &mut Parser<'_>) -> Option<Vec<String>> {
    let words = split_line(p)?;
    params_array(p, &words)
}

/// Looks up `user` and optional `group` (keepalived's `set_uid_gid()`), logging as keepalived.
pub fn lookup_user(p: &mut Parser<'_>, user: &str, group: Option<&str>) -> Option<(u32, u32)> {
    let sys = p.sys;
    let Some(u) = sys.user(user) else {
        p.report(Level::Info, format!("Script user '{user}' does not exist"));
        return None;
    };
    let mut gid = u.gid;
    if let Some(g) = group {
        match sys.group(g) {
            Some(id) => gid = id,
            None => {
                p.report(Level::Info, format!("Script group '{g}' does not exist"));
                return None;
            }
        }
    }
    Some((u.uid, gid))
}

/// keepalived's `notify_script_init()`: the current line is `KEYWORD "CMD ARGS" [USER [GROUP]]`.
/// `kind` names the script in messages ("notify", "vrrp_script", ...). Returns `None` (after
/// logging as keepalived does) if the command or the user is unusable.
pub fn notify_script_init(p: &mut Parser<'_>, kind: &str) -> Option<Script> {
    let origin = Origin(p.loc());
    let Some(words) = split_line(p) else {
        p.report(Level::Info, "Unable to parse notify script");
        return None;
    };
    let Some(args) = params_array(p, &words) else {
        let what = words.get(1).cloned().unwrap_or_default();
        p.report(Level::Info, format!("Unable to parse script '{what}' - ignoring"));
        return None;
    };
    let mut s = Script {
        args,
        user: None,
        group: None,
        uid: 0,
        gid: 0,
        origin,
    };
    if words.len() > 2 {
        let user = words[2].clone();
        let group = words.get(3).cloned();
        match lookup_user(p, &user, group.as_deref()) {
            Some((uid, gid)) => {
                s.uid = uid;
                s.gid = gid;
                s.user = Some(user);
                s.group = group;
            }
            None => {
                p.report(
                    Level::Info,
                    format!("Invalid user/group for {kind} script {} - ignoring", s.args[0]),
                );
                return None;
            }
        }
    }
    Some(s)
}

/// The default script user, as keepalived's `get_default_script_user()` decides it once the
/// global settings are known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DefaultUser {
    /// Scripts without an explicit user run with these ids.
    Ids(u32, u32),
    /// No usable default: scripts without an explicit user are dropped.
    Failed,
}

/// Resolves the default script user: `script_user USER [GROUP]` if configured, otherwise
/// `keepalived_script` if it exists, otherwise our own ids. `messages` receives keepalived's log
/// lines; the returned bool tells whether keepalived reports a config error (when
/// `enable_script_security` is set and `keepalived_script` does not exist).
pub fn default_user(
    sys: &dyn System,
    configured: Option<(&str, Option<&str>)>,
    script_security: bool,
    messages: &mut Vec<(Level, String)>,
) -> DefaultUser {
    // SAFETY: getuid/getgid cannot fail.
    let (our_uid, our_gid) = unsafe { (libc::getuid(), libc::getgid()) };
    let lookup = |user: &str, group: Option<&str>, messages: &mut Vec<(Level, String)>| -> Option<(u32, u32)> {
        let Some(u) = sys.user(user) else {
            messages.push((Level::Info, format!("Script user '{user}' does not exist")));
            return None;
        };
        let mut gid = u.gid;
        if let Some(g) = group {
            match sys.group(g) {
                Some(id) => gid = id,
                None => {
                    messages.push((Level::Info, format!("Script group '{g}' does not exist")));
                    return None;
                }
            }
        }
        Some((u.uid, gid))
    };
    if let Some((user, group)) = configured {
        return match lookup(user, group, messages) {
            Some((u, g)) => DefaultUser::Ids(u, g),
            None => DefaultUser::Failed,
        };
    }
    match lookup("keepalived_script", None, messages) {
        Some((u, g)) => DefaultUser::Ids(u, g),
        None if script_security => {
            messages.push((
                Level::GeneralError,
                "Unable to set default user keepalived_script for script".to_string(),
            ));
            DefaultUser::Failed
        }
        None => DefaultUser::Ids(our_uid, our_gid),
    }
}

/// Applies the default user to a script without an explicit one. Returns false if the script
/// must be dropped (keepalived: "Failed to set default user for %s script %s - ignoring").
pub fn apply_default_user(s: &mut Script, default: &DefaultUser) -> bool {
    if s.user.is_some() {
        return true;
    }
    match default {
        DefaultUser::Ids(u, g) => {
            s.uid = *u;
            s.gid = *g;
            true
        }
        DefaultUser::Failed => false,
    }
}
