//! `global_defs` handlers for the processes (names, scheduling, realtime limits), SNMP, DBus,
//! umask, reload settings and directories.

use super::{bool_arg, c_atoi, error};
use crate::config::diag::Level;
use crate::config::model::global::{GlobalDefs, ProcessSettings};
use crate::config::parser::{HResult, Parser, Words};
use crate::config::values;

/// The kernel's `TASK_COMM_LEN`: process names are cut to 15 bytes.
const TASK_COMM_LEN: usize = 16;
/// `sched_get_priority_min(SCHED_RR)` and `sched_get_priority_max(SCHED_RR)` on Linux.
pub(super) const RT_PRIORITY_MIN: i32 = 1;
/// See [`RT_PRIORITY_MIN`].
pub(super) const RT_PRIORITY_MAX: i32 = 99;
/// glibc's `PATH_MAX`.
const PATH_MAX: usize = 4096;

// --- process names ---

/// keepalived's `save_process_name()`.
fn save_process_name(p: &mut Parser<'_>, src: &str) -> String {
    if src.len() >= TASK_COMM_LEN {
        let max = TASK_COMM_LEN - 1;
        error(p, format!("Process name {src} more than {max} characters, truncating"));
        return String::from_utf8_lossy(&src.as_bytes()[..max]).into_owned();
    }
    src.to_string()
}

pub(super) fn process_names(p: &mut Parser<'_>, _w: &Words) -> HResult {
    let g = &mut p.b.cfg.global;
    g.process_names = true;
    g.vrrp_process.process_name = Some("keepalived_vrrp".into());
    g.checker_process.process_name = Some("keepalived_lvs".into());
    g.bfd_process.process_name = Some("keepalived_bfd".into());
    Ok(())
}

pub(super) fn process_name(p: &mut Parser<'_>, w: &Words) -> HResult {
    let n = save_process_name(p, w.get(1)?);
    p.b.cfg.global.process_name = Some(n);
    Ok(())
}

fn child_process_name(p: &mut Parser<'_>, w: &Words, field: fn(&mut GlobalDefs) -> &mut ProcessSettings) -> HResult {
    let n = save_process_name(p, w.get(1)?);
    field(&mut p.b.cfg.global).process_name = Some(n);
    Ok(())
}

pub(super) fn vrrp_process_name(p: &mut Parser<'_>, w: &Words) -> HResult {
    child_process_name(p, w, |g| &mut g.vrrp_process)
}

pub(super) fn checker_process_name(p: &mut Parser<'_>, w: &Words) -> HResult {
    child_process_name(p, w, |g| &mut g.checker_process)
}

pub(super) fn lvs_process_name(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.report(
        Level::Info,
        "'lvs_process_name' is deprecated - please use 'checker_process_name'",
    );
    checker_process_name(p, w)
}

pub(super) fn bfd_process_name(p: &mut Parser<'_>, w: &Words) -> HResult {
    child_process_name(p, w, |g| &mut g.bfd_process)
}

// --- scheduling ---

pub(super) fn max_auto_priority(p: &mut Parser<'_>, w: &Words) -> HResult {
    let Some(s) = w.opt(1) else {
        p.b.cfg.global.max_auto_priority = RT_PRIORITY_MAX;
        return Ok(());
    };
    match values::read_int(p, s, -1, RT_PRIORITY_MAX, true) {
        Some(v) => p.b.cfg.global.max_auto_priority = v,
        None => error(
            p,
            format!("max_auto_priority '{s}' must be in [0, {RT_PRIORITY_MAX}] (or -1 to disable) - ignoring"),
        ),
    }
    Ok(())
}

pub(super) fn min_auto_priority_delay(p: &mut Parser<'_>, w: &Words) -> HResult {
    let Some(s) = w.opt(1) else {
        error(p, "min_auto_priority_delay requires delay time".into());
        return Ok(());
    };
    match values::read_int(p, s, 1, 10_000_000, true) {
        Some(v) => p.b.cfg.global.min_auto_priority_delay = v as u64,
        None => error(
            p,
            format!("min_auto_priority_delay '{s}' must be in [1, 10000000] - ignoring"),
        ),
    }
    Ok(())
}

/// keepalived's `get_priority()`: the nice value; 0 after any error.
fn priority(
    p: &mut Parser<'_>,
    w: &Words,
    process: &str,
    field: fn(&mut GlobalDefs) -> &mut ProcessSettings,
) -> HResult {
    let v = match w.opt(1) {
        None => {
            error(p, format!("No {process} process priority specified"));
            0
        }
        Some(s) => values::read_int(p, s, -20, 19, true).unwrap_or_else(|| {
            error(p, format!("Invalid {process} process priority specified"));
            0
        }),
    };
    field(&mut p.b.cfg.global).priority = v;
    Ok(())
}

/// keepalived's `get_realtime_priority()`: clamped to SCHED_RR's range; errors leave it alone.
fn rt_priority(
    p: &mut Parser<'_>,
    w: &Words,
    process: &str,
    field: fn(&mut GlobalDefs) -> &mut ProcessSettings,
) -> HResult {
    let Some(s) = w.opt(1) else {
        error(p, format!("No {process} process real-time priority specified"));
        return Ok(());
    };
    let Some(mut v) = values::read_int(p, s, i32::MIN, i32::MAX, true) else {
        error(p, format!("{process} process real-time priority '{s}' invalid"));
        return Ok(());
    };
    if v < RT_PRIORITY_MIN {
        error(
            p,
            format!(
                "{process} process real-time priority {v} less than minimum {RT_PRIORITY_MIN} - setting to minimum"
            ),
        );
        v = RT_PRIORITY_MIN;
    } else if v > RT_PRIORITY_MAX {
        error(
            p,
            format!(
                "{process} process real-time priority {v} greater than maximum {RT_PRIORITY_MAX} - setting to maximum"
            ),
        );
        v = RT_PRIORITY_MAX;
    }
    field(&mut p.b.cfg.global).rt_priority = v as u32;
    Ok(())
}

/// keepalived's `get_cpu_affinity()`: the set is cleared first, and again at the first bad CPU.
fn cpu_affinity(
    p: &mut Parser<'_>,
    w: &Words,
    process: &str,
    field: fn(&mut GlobalDefs) -> &mut ProcessSettings,
) -> HResult {
    if w.len() < 2 {
        error(p, format!("No {process} cpu_id set specified"));
        return Ok(());
    }
    let num_cpus = p.sys.online_cpus() as i32;
    let mut set: Vec<u32> = Vec::new();
    for word in w.from(1) {
        match values::read_int(p, word, 0, num_cpus - 1, true) {
            Some(id) => set.push(id as u32),
            None => {
                let id = c_atoi(word);
                error(p, format!("Invalid cpu_id:{id} specified for {process} process"));
                set.clear();
                break;
            }
        }
    }
    set.sort_unstable();
    set.dedup();
    field(&mut p.b.cfg.global).cpu_affinity = set;
    Ok(())
}

/// keepalived's `get_rt_rlimit()`: an invalid value sets the limit to 0; 1 becomes 2 (it is
/// halved elsewhere and must stay non-zero).
fn rlimit_rttime(
    p: &mut Parser<'_>,
    w: &Words,
    process: &str,
    field: fn(&mut GlobalDefs) -> &mut ProcessSettings,
) -> HResult {
    let kw = w.words[0].clone();
    if let Some(stem) = kw.strip_suffix("rtime").filter(|s| !s.ends_with('r')) {
        p.report(
            Level::Info,
            format!("Keyword '{kw}' is deprecated - please use '{stem}rttime'"),
        );
    }
    let s = w.get(1)?;
    let mut refused = None;
    let v = match values::read_unsigned(p, s, 1, u32::MAX, true) {
        Some(1) => 2,
        Some(v) => v as u64,
        None => {
            error(p, format!("Invalid {process} real-time limit - {s}"));
            refused = Some(s.to_string());
            0
        }
    };
    let settings = field(&mut p.b.cfg.global);
    settings.rlimit_rttime = v;
    settings.rlimit_rttime_refused = refused;
    Ok(())
}

macro_rules! process_keywords {
    ($process:literal, $field:ident, $prio:ident, $no_swap:ident, $rt:ident, $cpu:ident, $rlimit:ident) => {
        pub(super) fn $prio(p: &mut Parser<'_>, w: &Words) -> HResult {
            priority(p, w, $process, |g| &mut g.$field)
        }
        pub(super) fn $no_swap(p: &mut Parser<'_>, _w: &Words) -> HResult {
            p.b.cfg.global.$field.no_swap = true;
            Ok(())
        }
        pub(super) fn $rt(p: &mut Parser<'_>, w: &Words) -> HResult {
            rt_priority(p, w, $process, |g| &mut g.$field)
        }
        pub(super) fn $cpu(p: &mut Parser<'_>, w: &Words) -> HResult {
            cpu_affinity(p, w, $process, |g| &mut g.$field)
        }
        pub(super) fn $rlimit(p: &mut Parser<'_>, w: &Words) -> HResult {
            rlimit_rttime(p, w, $process, |g| &mut g.$field)
        }
    };
}

process_keywords!(
    "vrrp",
    vrrp_process,
    vrrp_priority,
    vrrp_no_swap,
    vrrp_rt_priority,
    vrrp_cpu_affinity,
    vrrp_rlimit_rttime
);
process_keywords!(
    "checker",
    checker_process,
    checker_priority,
    checker_no_swap,
    checker_rt_priority,
    checker_cpu_affinity,
    checker_rlimit_rttime
);
process_keywords!(
    "bfd",
    bfd_process,
    bfd_priority,
    bfd_no_swap,
    bfd_rt_priority,
    bfd_cpu_affinity,
    bfd_rlimit_rttime
);

// --- SNMP and DBus ---

pub(super) fn snmp_socket(p: &mut Parser<'_>, w: &Words) -> HResult {
    if w.len() > 2 {
        error(p, "Too many parameters specified for snmp_socket - ignoring".into());
        return Ok(());
    }
    let Some(s) = w.opt(1) else {
        error(p, "SNMP error : snmp socket name missing".into());
        return Ok(());
    };
    if s.len() > PATH_MAX - 1 {
        error(p, "SNMP error : snmp socket name too long - ignored".into());
        return Ok(());
    }
    if let Some(cur) = &p.b.cfg.global.snmp_socket {
        let m = format!("SNMP socket already set to {cur} - ignoring");
        error(p, m);
        return Ok(());
    }
    p.b.cfg.global.snmp_socket = Some(s.to_string());
    Ok(())
}

macro_rules! set_flags {
    ($($name:ident => $($field:ident),+;)+) => {
        $(
            pub(super) fn $name(p: &mut Parser<'_>, _w: &Words) -> HResult {
                $(p.b.cfg.global.$field = true;)+
                Ok(())
            }
        )+
    };
}

set_flags! {
    enable_traps => enable_traps;
    enable_snmp_vrrp => enable_snmp_vrrp;
    enable_snmp_rfc => enable_snmp_rfcv2, enable_snmp_rfcv3;
    enable_snmp_rfcv2 => enable_snmp_rfcv2;
    enable_snmp_rfcv3 => enable_snmp_rfcv3;
    enable_snmp_checker => enable_snmp_checker;
    enable_dbus => enable_dbus;
    reload_repeat => reload_repeat;
}

pub(super) fn dbus_service_name(p: &mut Parser<'_>, w: &Words) -> HResult {
    match w.opt(1) {
        Some(n) => p.b.cfg.global.dbus_service_name = Some(n.to_string()),
        None => error(p, "dbus_service_name missing - ignoring".into()),
    }
    Ok(())
}

// --- umask, random seed ---

/// `umask NUMBER` or `umask IRUSR|IWUSR|...` (the bits may be spread over several words).
pub(super) fn umask(p: &mut Parser<'_>, w: &Words) -> HResult {
    let mask = w.get(1)?.to_string();
    let bits = if mask.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        if w.len() != 2 {
            let which = if w.len() == 1 { "Missing" } else { "Extra" };
            error(p, format!("{which} parameter(s) to umask option"));
            return Ok(());
        }
        match parse_umask_number(&mask) {
            Some(v) => v,
            None => {
                error(p, format!("invalid umask value {mask}"));
                return Ok(());
            }
        }
    } else {
        match parse_umask_bits(w.from(1)) {
            Ok(v) => v,
            Err(m) => {
                error(p, m);
                return Ok(());
            }
        }
    };
    p.b.cfg.global.umask = Some(bits);
    Ok(())
}

/// `strtol(mask, &end, 0)`: decimal, octal with a leading 0 or hex with 0x; only permission
/// bits are allowed.
fn parse_umask_number(s: &str) -> Option<u32> {
    let (digits, radix) = if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (h, 16)
    } else if s.len() > 1 && s.starts_with('0') {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    if digits.is_empty() {
        // "0x" alone: strtol reads the 0 and stops at 'x'.
        return (s == "0").then_some(0);
    }
    let v = u64::from_str_radix(digits, radix).ok()?;
    (v & !0o777 == 0).then_some(v as u32)
}

/// The symbolic form: `IRUSR|IWUSR ...`, with '|' between bits, in one or several words.
fn parse_umask_bits(words: &[String]) -> Result<u32, String> {
    const BITS: [(&str, u32); 9] = [
        ("IRUSR", 0o400),
        ("IWUSR", 0o200),
        ("IXUSR", 0o100),
        ("IRGRP", 0o040),
        ("IWGRP", 0o020),
        ("IXGRP", 0o010),
        ("IROTH", 0o004),
        ("IWOTH", 0o002),
        ("IXOTH", 0o001),
    ];
    let mut bits = 0;
    let mut need_or = false;
    for word in words {
        let mut rest = word.as_str();
        while !rest.is_empty() {
            if need_or {
                match rest.strip_prefix('|') {
                    Some(r) => {
                        need_or = false;
                        rest = r;
                        continue;
                    }
                    None => return Err(format!("Invalid umask syntax {word}")),
                }
            }
            match BITS.iter().find(|(n, _)| rest.starts_with(n)) {
                Some((n, b)) => {
                    bits |= b;
                    rest = &rest[n.len()..];
                    need_or = true;
                }
                None => return Err(format!("Unknown umask bit {rest}")),
            }
        }
    }
    if !need_or {
        return Err("umask missing bit value".into());
    }
    Ok(bits)
}

pub(super) fn random_seed(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    match values::read_unsigned(p, s, 0, u32::MAX, false) {
        Some(v) => p.b.cfg.global.random_seed = Some(v),
        None => error(p, format!("random_seed {s} invalid")),
    }
    Ok(())
}

// --- reload and directories ---

pub(super) fn reload_check_config(p: &mut Parser<'_>, w: &Words) -> HResult {
    // The model keeps "" for "no log file" (keepalived logs to /dev/null then).
    p.b.cfg.global.reload_check_config = Some(w.opt(1).unwrap_or("").to_string());
    Ok(())
}

pub(super) fn reload_time_file(p: &mut Parser<'_>, w: &Words) -> HResult {
    if w.len() != 2 {
        error(p, "reload_time_file invalid".into());
        return Ok(());
    }
    p.b.cfg.global.reload_time_file = Some(w.words[1].clone());
    Ok(())
}

pub(super) fn reload_file(p: &mut Parser<'_>, w: &Words) -> HResult {
    match w.opt(1) {
        Some(f) => {
            p.b.cfg.global.reload_file = Some(f.to_string());
            p.b.global.reload_file_default = false;
        }
        None => {
            p.b.cfg.global.reload_file = None;
            p.b.global.reload_file_default = true;
        }
    }
    Ok(())
}

/// `strerror()` text for an errno value.
fn strerror(code: i32) -> String {
    // SAFETY: strerror returns a pointer to a static or thread-local C string.
    let ptr = unsafe { libc::strerror(code) };
    if ptr.is_null() {
        return format!("Unknown error {code}");
    }
    // SAFETY: non-null C string from strerror.
    unsafe { std::ffi::CStr::from_ptr(ptr) }.to_string_lossy().into_owned()
}

/// `config_save_dir DIR`. keepalived's parent creates a missing directory while parsing, even
/// under `-t`; we never create it here (the daemon does when it needs it), but report what
/// `mkdir()` would fail with.
pub(super) fn config_save_dir(p: &mut Parser<'_>, w: &Words) -> HResult {
    use std::os::unix::fs::MetadataExt;
    let dir = w.get(1)?.to_string();
    let trimmed = dir.strip_suffix('/').unwrap_or(&dir).to_string();
    match std::fs::metadata(&dir) {
        // keepalived tests `st_mode & S_IFDIR`, which block devices and sockets also pass.
        Ok(m) if m.mode() & libc::S_IFDIR != 0 => p.b.cfg.global.config_save_dir = Some(trimmed),
        Ok(_) => error(p, format!("config_save_dir {dir} exists and is not a directory")),
        Err(e) if e.raw_os_error() == Some(libc::ENOENT) => {
            let parent = std::path::Path::new(&trimmed)
                .parent()
                .filter(|d| !d.as_os_str().is_empty());
            let parent_err = match parent.map(std::fs::metadata) {
                Some(Ok(m)) if !m.is_dir() => Some(libc::ENOTDIR),
                Some(Err(e)) => e.raw_os_error(),
                _ => None,
            };
            match parent_err {
                Some(code) => error(
                    p,
                    format!(
                        "Unable to create config_save_dir {dir} (error {code} - {})",
                        strerror(code)
                    ),
                ),
                None => p.b.cfg.global.config_save_dir = Some(trimmed),
            }
        }
        Err(e) => {
            let code = e.raw_os_error().unwrap_or(0);
            error(p, format!("config_save_dir {dir} error {code} - {}", strerror(code)));
        }
    }
    Ok(())
}

pub(super) fn tmp_config_directory(p: &mut Parser<'_>, w: &Words) -> HResult {
    let kw = w.words[0].clone();
    if p.b.cfg.global.tmp_config_directory.is_some() {
        error(p, format!("{kw} already specified - ignoring"));
        return Ok(());
    }
    match w.opt(1) {
        Some(d) => p.b.cfg.global.tmp_config_directory = Some(d.to_string()),
        None => error(p, format!("{kw} missing directory name")),
    }
    Ok(())
}

pub(super) fn data_use_instance(p: &mut Parser<'_>, w: &Words) -> HResult {
    // keepalived's message misspells the keyword.
    if let Some(b) = bool_arg(p, w, |v| {
        format!("Invalid value '{v}' for global date_use_instance specified")
    }) {
        p.b.cfg.global.data_use_instance = b;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn umask_numbers_as_strtol_base_0() {
        assert_eq!(parse_umask_number("0177"), Some(0o177));
        assert_eq!(parse_umask_number("0"), Some(0));
        assert_eq!(parse_umask_number("0x1ff"), Some(0o777));
        assert_eq!(parse_umask_number("511"), Some(0o777));
        assert_eq!(parse_umask_number("512"), None);
        assert_eq!(parse_umask_number("08"), None);
        assert_eq!(parse_umask_number("1a"), None);
    }

    #[test]
    fn umask_symbolic() {
        let w = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
        assert_eq!(parse_umask_bits(&w("IRUSR|IWUSR")), Ok(0o600));
        assert_eq!(parse_umask_bits(&w("IRUSR | IWGRP|IXOTH")), Ok(0o421));
        assert_eq!(parse_umask_bits(&w("IRUSR|")), Err("umask missing bit value".into()));
        assert_eq!(
            parse_umask_bits(&w("IRUSR IWUSR")),
            Err("Invalid umask syntax IWUSR".into())
        );
        assert_eq!(parse_umask_bits(&w("IRUSR|FOO")), Err("Unknown umask bit FOO".into()));
    }
}
