//! keepalived's script checks (`lib/notify.c`: `check_script_secure()`, `find_path()`,
//! `check_security()`): find the script, make sure its user can execute it, and, when it runs
//! with root privileges, that no part of its path is writable by anyone but root.
//!
//! keepalived switches its effective uid/gid to the script's user for the path search and
//! `realpath()`; we evaluate the same permission bits for that user from `stat()` instead, so the
//! check works in any process (including multi-threaded tests).

use super::diag::Level;
use super::model::Script;
use super::system::{FileStat, System};

/// keepalived's `SC_*` flags.
pub mod flags {
    /// Script is insecure.
    pub const INSECURE: u32 = 0x01;
    /// It is a script.
    pub const ISSCRIPT: u32 = 0x02;
    /// Script needs inhibiting.
    pub const INHIBIT: u32 = 0x04;
    /// Cannot find an element of the path.
    pub const NOTFOUND: u32 = 0x08;
    /// The script is marked executable.
    pub const EXECUTABLE: u32 = 0x10;
    /// The script can be invoked via execve().
    pub const EXECABLE: u32 = 0x20;
    /// The script can safely be executed via system() (`</path` file tests).
    pub const SYSTEM: u32 = 0x40;
}

const S_IFMT: u32 = 0o170000;
const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;

fn is_dir(m: u32) -> bool {
    m & S_IFMT == S_IFDIR
}
fn is_reg(m: u32) -> bool {
    m & S_IFMT == S_IFREG
}
fn is_lnk(m: u32) -> bool {
    m & S_IFMT == S_IFLNK
}

/// keepalived's `is_executable()`.
pub fn is_executable(st: &FileStat, uid: u32, gid: u32) -> bool {
    (uid == 0 && st.mode & 0o111 != 0)
        || (uid == st.uid && st.mode & 0o100 != 0)
        || (uid != st.uid && ((gid == st.gid && st.mode & 0o010 != 0) || (gid != st.gid && st.mode & 0o001 != 0)))
}

/// Where messages go: keepalived logs them with `log_message()`.
pub type Log = Vec<(Level, String)>;

/// keepalived's `find_path()`: resolves a bare command name through `$PATH`.
fn find_path(script: &mut Script, sys: &dyn System, log: &mut Log) -> Result<(), bool> {
    let file = script.args[0].clone();
    if file.is_empty() {
        return Err(false);
    }
    let path = sys.path_env().unwrap_or_else(|| "/bin:/usr/bin".to_string());
    let mut got_eacces = false;
    for dir in path.split(':') {
        let candidate = if dir.is_empty() {
            file.clone()
        } else {
            format!("{dir}/{file}")
        };
        if let Some(st) = sys.stat(&candidate) {
            if is_reg(st.mode) && is_executable(&st, script.uid, script.gid) {
                log.push((
                    Level::Info,
                    format!(
                        "WARNING - script `{file}` resolved by path search to `{candidate}`. Please specify full path."
                    ),
                ));
                script.args[0] = candidate;
                return Ok(());
            }
            got_eacces = true;
        }
    }
    Err(got_eacces)
}

/// keepalived's `check_security()`: every element of `filename` must be owned by root and not
/// writable by a non-root group or by others (directories with the sticky bit excepted).
fn check_security(filename: &str, script_security: bool, sys: &dyn System, log: &mut Log) -> u32 {
    let mut prefixes: Vec<String> = Vec::new();
    let b = filename.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'/' {
            prefixes.push(if i == 0 {
                "/".to_string()
            } else {
                filename[..i].to_string()
            });
        }
    }
    let n = prefixes.len();
    prefixes.push(filename.to_string());
    for (idx, part) in prefixes.iter().enumerate() {
        let last = idx == n;
        let Some(st) = sys.lstat(part) else {
            log.push((
                Level::Info,
                format!("check_script_secure could not find script '{filename}' - disabling"),
            ));
            return flags::NOTFOUND;
        };
        if (!last && !is_dir(st.mode)) || (last && !is_reg(st.mode) && !is_lnk(st.mode)) {
            log.push((
                Level::Info,
                format!("Wrong file type found in script path '{filename}'."),
            ));
            return flags::INHIBIT;
        }
        let writable = (st.gid != 0 && st.mode & 0o020 != 0) || st.mode & 0o002 != 0;
        if st.uid != 0 || (((is_dir(st.mode) && st.mode & 0o1000 == 0) || is_reg(st.mode)) && writable) {
            let suffix = if script_security { " - disabling" } else { "" };
            log.push((
                Level::Info,
                format!("Unsafe permissions found for script '{filename}'{suffix}."),
            ));
            return flags::INSECURE | if script_security { flags::INHIBIT } else { 0 };
        }
    }
    0
}

/// keepalived's `check_script_secure()`. May rewrite `script.args[0]` to the resolved path.
pub fn check_script_secure(script: &mut Script, script_security: bool, sys: &dyn System, log: &mut Log) -> u32 {
    let cmd = script.args[0].clone();
    if let Some(rest) = cmd.strip_prefix('<') {
        if rest.trim_start_matches([' ', '\t']).starts_with('/') {
            return flags::SYSTEM;
        }
    }
    if !cmd.contains('/') {
        if let Err(eacces) = find_path(script, sys, log) {
            let m = if eacces {
                format!("Permissions failure for script {cmd} in path - disabling")
            } else {
                format!("Cannot find script {cmd} in path - disabling")
            };
            log.push((Level::Info, m));
            return flags::NOTFOUND;
        }
    }
    let arg0 = script.args[0].clone();
    let Some(mut new_path) = sys.realpath(&arg0) else {
        log.push((
            Level::Info,
            format!("Script {arg0} cannot be accessed - No such file or directory"),
        ));
        return flags::NOTFOUND;
    };
    let mut real_file_path: Option<String> = None;
    if arg0 != new_path {
        let orig_file = arg0.rsplit('/').next().unwrap_or("").to_string();
        let new_file = new_path.rsplit('/').next().unwrap_or("").to_string();
        if orig_file != new_file {
            // Keep the name the script was called by: some programs behave by their name.
            let dir = &new_path[..new_path.len() - new_file.len()];
            let candidate = format!("{dir}{orig_file}");
            let real = sys.stat(&new_path);
            let cand = sys.stat(&candidate);
            let same = matches!((real, cand), (Some(r), Some(c)) if r.dev == c.dev && r.ino == c.ino);
            if real.is_some() && !same {
                // It does not resolve to the same file: use the real path.
            } else {
                real_file_path = Some(std::mem::replace(&mut new_path, candidate));
            }
        }
        if arg0 != new_path {
            script.args[0] = new_path.clone();
        }
    }
    let target = real_file_path.clone().unwrap_or_else(|| script.args[0].clone());
    let Some(st) = sys.stat(&target) else {
        log.push((
            Level::Info,
            format!("Unable to access script `{}` - disabling", script.args[0]),
        ));
        return flags::NOTFOUND;
    };
    let mut f = flags::ISSCRIPT;
    let mut need_protection = false;
    if is_executable(&st, script.uid, script.gid) {
        f |= flags::EXECUTABLE;
        need_protection = script.uid == 0
            || script.gid == 0
            || (st.uid == 0 && st.mode & 0o100 != 0 && st.mode & 0o4000 != 0)
            || (st.gid == 0 && st.mode & 0o010 != 0 && st.mode & 0o2000 != 0);
    } else {
        log.push((
            Level::Info,
            format!(
                "WARNING - script '{}' is not executable for uid:gid {}:{} - disabling.",
                script.args[0], script.uid, script.gid
            ),
        ));
    }
    if !need_protection {
        return f;
    }
    f |= check_security(&script.args[0], script_security, sys, log);
    if let Some(r) = real_file_path {
        f |= check_security(&r, script_security, sys, log);
    }
    f
}

/// keepalived's `check_notify_script_secure()`: checks the script and drops it if it cannot or
/// must not run. Returns the flags.
pub fn check_notify_script_secure(
    script: &mut Option<Script>,
    script_security: bool,
    sys: &dyn System,
    log: &mut Log,
) -> u32 {
    let Some(s) = script.as_mut() else { return 0 };
    let f = check_script_secure(s, script_security, sys, log);
    if f & (flags::INHIBIT | flags::NOTFOUND) != 0 || f & flags::EXECUTABLE == 0 {
        *script = None;
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::Origin;
    use crate::config::system::RealSystem;
    use std::os::unix::fs::PermissionsExt;

    fn script(cmd: &str, uid: u32) -> Script {
        Script {
            args: vec![cmd.to_string()],
            user: None,
            group: None,
            uid,
            gid: uid,
            origin: Origin::default(),
        }
    }

    #[test]
    fn executable_rules() {
        let st = FileStat {
            mode: S_IFREG | 0o750,
            uid: 10,
            gid: 20,
            dev: 0,
            ino: 0,
        };
        assert!(is_executable(&st, 0, 0), "root can run anything with an x bit");
        assert!(is_executable(&st, 10, 99), "owner x");
        assert!(is_executable(&st, 11, 20), "group x");
        assert!(!is_executable(&st, 11, 21), "no other x");
    }

    #[test]
    fn file_tests_are_system_scripts() {
        let mut log = Log::new();
        let mut s = script("</dev/tcp/127.0.0.1/80", 0);
        assert_eq!(check_script_secure(&mut s, false, &RealSystem, &mut log), flags::SYSTEM);
    }

    #[test]
    fn bare_names_are_found_in_path_and_missing_ones_disabled() {
        let mut log = Log::new();
        let mut s = script("true", 0);
        let f = check_script_secure(&mut s, false, &RealSystem, &mut log);
        assert!(f & flags::EXECUTABLE != 0, "{log:?}");
        assert!(s.args[0].ends_with("/true"));
        let mut s = script("no-such-command-xyz", 0);
        assert_eq!(
            check_script_secure(&mut s, false, &RealSystem, &mut log),
            flags::NOTFOUND
        );
        assert!(
            log.last()
                .unwrap()
                .1
                .contains("Cannot find script no-such-command-xyz in path")
        );
    }

    #[test]
    fn world_writable_script_is_insecure_for_root() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("s.sh");
        std::fs::write(&p, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o777)).unwrap();
        let mut log = Log::new();
        let mut s = script(p.to_str().unwrap(), 0);
        let f = check_script_secure(&mut s, true, &RealSystem, &mut log);
        assert!(f & flags::INSECURE != 0 && f & flags::INHIBIT != 0, "{f:#x} {log:?}");
    }
}
