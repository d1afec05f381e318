//! `vrrp_script NAME { ... }` (keepalived's `vrrp_script_handler()` and `vrrp_vscript_*`).

use super::default_script_user;
use crate::config::diag::Level;
use crate::config::model::vrrp::{SCRIPT_INTERVAL_DEFAULT_US, VrrpScript};
use crate::config::model::{Origin, Script};
use crate::config::parser::{Block, HResult, Keyword, Parser, Words, kw};
use crate::config::script as scr;
use crate::config::values::{self, TIMER_HZ};

fn cur<'a>(p: &'a mut Parser<'_>) -> &'a mut VrrpScript {
    p.b.cfg
        .vrrp
        .scripts
        .last_mut()
        .expect("vrrp_script keywords run only inside a vrrp_script")
}

fn sname(p: &Parser<'_>) -> String {
    p.b.cfg.vrrp.scripts.last().map(|s| s.name.clone()).unwrap_or_default()
}

/// C's `(int)strtol(s, NULL, 10)`: keepalived stores this even when `read_int()` rejects it.
fn c_strtol_i32(s: &str) -> i32 {
    // C: `(int)strtol(s, NULL, 10)`.
    crate::config::cnum::strtol(s, 10).value as i32
}

/// `vrrp_script NAME`.
pub fn vrrp_script(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = match w.get(1) {
        Ok(n) => n.to_string(),
        Err(e) => {
            // keepalived stops here; we skip the block so its keywords have no script to fill.
            p.skip_block(true);
            return Err(e);
        }
    };
    p.b.cfg.vrrp.scripts.push(VrrpScript {
        name,
        script: Script {
            args: Vec::new(),
            user: None,
            group: None,
            uid: 0,
            gid: 0,
            origin: Origin(p.loc()),
        },
        interval: SCRIPT_INTERVAL_DEFAULT_US,
        timeout: 0,
        weight: 0,
        weight_reverse: false,
        rise: 1,
        fall: 1,
        init_fail: false,
        origin: Origin(p.loc()),
    });
    p.b.vrrp.script_user_set = false;
    p.b.vrrp.remove_script = false;
    Ok(())
}

/// keepalived's `vrrp_vscript_end_handler()`.
fn vrrp_script_end(p: &mut Parser<'_>) {
    let name = sname(p);
    if cur(p).script.args.is_empty() {
        p.report(
            Level::GeneralError,
            format!("No script set for vrrp_script {name} - removing"),
        );
        p.b.vrrp.remove_script = true;
    } else if !p.b.vrrp.remove_script && !p.b.vrrp.script_user_set {
        let d = default_script_user(p);
        match d {
            scr::DefaultUser::Ids(u, g) => {
                let s = cur(p);
                s.script.uid = u;
                s.script.gid = g;
            }
            scr::DefaultUser::Failed => {
                p.report(
                    Level::GeneralError,
                    format!("Unable to set default user for vrrp script {name} - removing"),
                );
                p.b.vrrp.remove_script = true;
            }
        }
    }
    if p.b.vrrp.remove_script {
        p.b.cfg.vrrp.scripts.pop();
    }
}

fn script(p: &mut Parser<'_>, _w: &Words) -> HResult {
    let args = scr::command_from_line(p).unwrap_or_default();
    cur(p).script.args = args;
    Ok(())
}

fn interval(p: &mut Parser<'_>, w: &Words) -> HResult {
    let word = w.get(1)?.to_string();
    let name = sname(p);
    let max = u32::MAX / TIMER_HZ as u32;
    let Some(mut v) = values::read_unsigned(p, &word, 0, max, true) else {
        p.report(
            Level::GeneralError,
            format!("({name}): vrrp script interval '{word}' must be between 1 and {max} - ignoring"),
        );
        return Ok(());
    };
    if v == 0 {
        p.report(
            Level::GeneralError,
            format!("({name}): vrrp script interval must be greater than 0, setting to 1"),
        );
        v = 1;
    }
    cur(p).interval = v as u64 * TIMER_HZ;
    Ok(())
}

fn timeout(p: &mut Parser<'_>, w: &Words) -> HResult {
    let word = w.get(1)?.to_string();
    let name = sname(p);
    let Some(mut v) = values::read_unsigned(p, &word, 0, u32::MAX / TIMER_HZ as u32, true) else {
        p.report(
            Level::GeneralError,
            format!("({name}): vrrp script timeout '{word}' invalid - ignoring"),
        );
        return Ok(());
    };
    if v == 0 {
        p.report(
            Level::GeneralError,
            format!("({name}): vrrp script timeout must be greater than 0, setting to 1"),
        );
        v = 1;
    }
    cur(p).timeout = v as u64 * TIMER_HZ;
    Ok(())
}

fn weight(p: &mut Parser<'_>, w: &Words) -> HResult {
    let word = w.get(1)?.to_string();
    let name = sname(p);
    let v = match values::read_int(p, &word, -253, 253, true) {
        Some(v) => v,
        None => {
            p.report(
                Level::GeneralError,
                format!("vrrp_script {name} weight {word} must be in [-253, 253]"),
            );
            // keepalived keeps strtol()'s value all the same.
            c_strtol_i32(&word)
        }
    };
    cur(p).weight = v;
    if let Some(o) = w.opt(2) {
        if o == "reverse" {
            cur(p).weight_reverse = true;
        } else {
            p.report(
                Level::GeneralError,
                format!("vrrp_script {name} unknown weight option {o}"),
            );
        }
    }
    Ok(())
}

fn rise_fall(p: &mut Parser<'_>, w: &Words, rise: bool) -> HResult {
    let word = w.get(1)?.to_string();
    let name = sname(p);
    let what = if rise { "rise" } else { "fall" };
    let v = match values::read_unsigned(p, &word, 1, i32::MAX as u32, true) {
        Some(v) => v,
        None => {
            p.report(
                Level::GeneralError,
                format!("({name}): vrrp script {what} value '{word}' invalid, defaulting to 1"),
            );
            1
        }
    };
    if rise {
        cur(p).rise = v;
    } else {
        cur(p).fall = v;
    }
    Ok(())
}

fn rise(p: &mut Parser<'_>, w: &Words) -> HResult {
    rise_fall(p, w, true)
}

fn fall(p: &mut Parser<'_>, w: &Words) -> HResult {
    rise_fall(p, w, false)
}

fn user(p: &mut Parser<'_>, w: &Words) -> HResult {
    let u = w.get(1)?.to_string();
    let g = w.opt(2).map(str::to_string);
    match scr::lookup_user(p, &u, g.as_deref()) {
        Some((uid, gid)) => {
            let s = cur(p);
            s.script.uid = uid;
            s.script.gid = gid;
            s.script.user = Some(u);
            s.script.group = g;
            p.b.vrrp.remove_script = false;
            p.b.vrrp.script_user_set = true;
        }
        None => {
            let cmd = cur(p).script.cmd_str();
            p.report(Level::GeneralError, format!("Unable to set uid/gid for script {cmd}"));
            p.b.vrrp.remove_script = true;
        }
    }
    Ok(())
}

fn init_fail(p: &mut Parser<'_>, _w: &Words) -> HResult {
    cur(p).init_fail = true;
    Ok(())
}

static SCRIPT_KEYWORDS: &[Keyword] = &[
    kw("script", script),
    kw("interval", interval),
    kw("timeout", timeout),
    kw("weight", weight),
    kw("rise", rise),
    kw("fall", fall),
    kw("user", user),
    kw("init_fail", init_fail),
];

/// `vrrp_script NAME { ... }`.
pub static VRRP_SCRIPT: Block = Block::new("vrrp_script", &[SCRIPT_KEYWORDS], Some(vrrp_script_end));

#[cfg(test)]
mod tests {
    use super::c_strtol_i32;

    #[test]
    fn strtol_like_c() {
        assert_eq!(c_strtol_i32("300"), 300);
        assert_eq!(c_strtol_i32("-12x"), -12);
        assert_eq!(c_strtol_i32("abc"), 0);
        assert_eq!(c_strtol_i32("4294967297"), 1, "(int) truncation of a long");
    }
}
