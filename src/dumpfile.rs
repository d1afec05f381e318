//! keepalived's dump files (`/tmp/keepalived.data`, `.stats`, `.json`, `keepalived_parent.data`,
//! `keepalived_check.data`): where they go and how they are written.
//!
//! Names follow keepalived 2.2.7: the directory is `$TMPDIR` when absolute, else `/tmp`
//! (`lib/utils.c: set_tmp_dir()`); the `.data` files get keepalived's `data_use_instance`
//! suffix (`global_data.c: open_dump_file()`), the stats and JSON files never do
//! (`make_tmp_filename()`).
//!
//! Writing is keepalived's `fopen_safe()` made atomic: the text goes to a fresh temporary file
//! in the same directory (`O_CREAT|O_EXCL|O_NOFOLLOW`, mode 0600, named like keepalived's
//! `mkostemp()` ones: the final name plus six characters), which is fsync'd and renamed over the
//! final name. A symlink planted at the final name is replaced, never followed, and a reader
//! sees the old file or the new one, never a part.

use std::ffi::CString;
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::FromRawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::config::dump::global::{Process, layout_for};
use crate::config::model::Config;
use crate::config::model::global::GlobalDefs;
use crate::log::LogLine;

/// The directory dump files go to: `$TMPDIR` if it is absolute, else `/tmp`.
pub fn dump_dir() -> PathBuf {
    PathBuf::from(crate::log::tmp_dir())
}

/// keepalived's `make_tmp_filename()`: `name` in the dump directory (stats and JSON files).
pub fn tmp_file(name: &str) -> PathBuf {
    dump_dir().join(name)
}

/// The file name `open_dump_file()` uses for `name` (`keepalived.data` etc.): with
/// `data_use_instance` and an `instance` or `net_namespace`, `.NS_INSTANCE` (or `.NS`,
/// `.INSTANCE`) goes before the extension: `keepalived.ns1_inst.data`.
pub fn data_file_name(name: &str, g: &GlobalDefs) -> String {
    let ns = g.net_namespace.as_deref();
    let inst = g.instance.as_deref();
    if !g.data_use_instance || (ns.is_none() && inst.is_none()) {
        return name.to_string();
    }
    let (stem, ext) = match name.rfind('.') {
        Some(i) => name.split_at(i),
        None => (name, ""),
    };
    let sep = if ns.is_some() && inst.is_some() { "_" } else { "" };
    format!(
        "{stem}.{}{sep}{}{ext}",
        ns.unwrap_or_default(),
        inst.unwrap_or_default()
    )
}

/// The path of a `.data` dump file (see [`data_file_name`]).
pub fn data_file(name: &str, g: &GlobalDefs) -> PathBuf {
    dump_dir().join(data_file_name(name, g))
}

/// Six characters for a temporary name, from the kernel's random pool (a clock-derived
/// fallback is fine: `O_EXCL` is what makes the name safe, randomness only avoids retries).
fn random_suffix() -> [u8; 6] {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut raw = [0u8; 6];
    // SAFETY: the buffer is valid for its length.
    let n = unsafe { libc::getrandom(raw.as_mut_ptr().cast(), raw.len(), libc::GRND_NONBLOCK) };
    if n != raw.len() as isize {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        for (i, b) in raw.iter_mut().enumerate() {
            *b = (t >> (i * 7)) as u8 ^ (std::process::id() >> i) as u8;
        }
    }
    raw.map(|b| CHARS[usize::from(b) % CHARS.len()])
}

fn cstring(p: &Path) -> io::Result<CString> {
    CString::new(p.as_os_str().as_bytes()).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
}

/// Creates a new temporary file next to `path` (`O_CREAT|O_EXCL|O_NOFOLLOW`, mode 0600).
fn create_temp(path: &Path) -> io::Result<(File, PathBuf)> {
    let mut last = io::Error::from(io::ErrorKind::AlreadyExists);
    for _ in 0..100 {
        let mut name = path.as_os_str().to_owned();
        name.push(std::ffi::OsStr::from_bytes(&random_suffix()));
        let tmp = PathBuf::from(name);
        let c = cstring(&tmp)?;
        // SAFETY: c is a valid NUL-terminated path; the flags create a new file only.
        let fd = unsafe {
            libc::open(
                c.as_ptr(),
                libc::O_WRONLY | libc::O_CREAT | libc::O_EXCL | libc::O_NOFOLLOW | libc::O_CLOEXEC,
                0o600 as libc::c_uint,
            )
        };
        if fd >= 0 {
            // SAFETY: fd was just opened and is owned by nobody else.
            return Ok((unsafe { File::from_raw_fd(fd) }, tmp));
        }
        last = io::Error::last_os_error();
        if last.kind() != io::ErrorKind::AlreadyExists {
            break;
        }
    }
    Err(last)
}

/// Writes `contents` to `path` atomically: a temporary file in the same directory, mode 0600
/// whatever the umask, fsync'd, then renamed over `path` (replacing, never following, a
/// symlink there). On failure the temporary file is removed and `path` is untouched.
pub fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    let (mut file, tmp) = create_temp(path)?;
    let result = (|| {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Writes a dump file, returning keepalived's log line on failure ("Can't open dump file %s
/// (%d: %s)", `open_dump_file()`; `label` is the name keepalived prints).
pub fn write_dump(path: &Path, label: &str, contents: &str) -> Vec<LogLine> {
    match write_atomic(path, contents.as_bytes()) {
        Ok(()) => Vec::new(),
        Err(e) => vec![LogLine::info(format!(
            "Can't open dump file {label} ({}: {})",
            e.raw_os_error().unwrap_or(0),
            crate::vrrp::socket::strerror(&e)
        ))],
    }
}

fn text(lines: Vec<String>) -> String {
    let mut s = String::new();
    for l in lines {
        s.push_str(&l);
        s.push('\n');
    }
    s
}

/// The parent's `keepalived_parent.data` (`main.c: print_parent_data()`: the global
/// definitions as the parent holds them).
pub fn parent_data(cfg: &Config) -> String {
    let mut out = Vec::new();
    layout_for(cfg, Process::Parent, &mut out);
    text(out)
}

/// The checker child's `keepalived_check.data` (`check_data.c: dump_data_check()`: global
/// definitions, then the checker layout).
pub fn check_data(cfg: &Config) -> String {
    let mut out = Vec::new();
    layout_for(cfg, Process::Checker, &mut out);
    crate::config::dump::check::layout(cfg, &mut out);
    text(out)
}

/// SIGUSR1 in the parent: logs "Printing parent data for process(%d) on signal" and writes
/// `keepalived_parent.data`. Returns the log lines.
pub fn write_parent_data(cfg: &Config) -> Vec<LogLine> {
    let mut logs = vec![LogLine::info(format!(
        "Printing parent data for process({}) on signal",
        std::process::id()
    ))];
    let name = "keepalived_parent.data";
    logs.extend(write_dump(&data_file(name, &cfg.global), name, &parent_data(cfg)));
    logs
}

/// SIGUSR1 in the checker child: logs "Printing checker data for process(%d) on signal" and
/// writes `keepalived_check.data`. Returns the log lines.
pub fn write_check_data(cfg: &Config) -> Vec<LogLine> {
    let mut logs = vec![LogLine::info(format!(
        "Printing checker data for process({}) on signal",
        std::process::id()
    ))];
    let name = "keepalived_check.data";
    logs.extend(write_dump(&data_file(name, &cfg.global), name, &check_data(cfg)));
    logs
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    fn globals(use_instance: bool, ns: Option<&str>, inst: Option<&str>) -> GlobalDefs {
        GlobalDefs {
            data_use_instance: use_instance,
            net_namespace: ns.map(str::to_string),
            instance: inst.map(str::to_string),
            ..GlobalDefs::default()
        }
    }

    /// `global_data.c: open_dump_file()`'s "%s/%.*s.%s%s%s%s" name.
    #[test]
    fn data_use_instance_suffix_as_open_dump_file() {
        let n = "keepalived.data";
        assert_eq!(data_file_name(n, &globals(false, Some("ns1"), Some("i"))), n);
        assert_eq!(data_file_name(n, &globals(true, None, None)), n);
        assert_eq!(
            data_file_name(n, &globals(true, Some("ns1"), None)),
            "keepalived.ns1.data"
        );
        assert_eq!(
            data_file_name(n, &globals(true, None, Some("inst"))),
            "keepalived.inst.data"
        );
        assert_eq!(
            data_file_name("keepalived_check.data", &globals(true, Some("ns1"), Some("inst"))),
            "keepalived_check.ns1_inst.data"
        );
    }

    #[test]
    fn writes_mode_0600_whatever_the_umask() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("keepalived.data");
        // SAFETY: umask only changes this process's file creation mask.
        let old = unsafe { libc::umask(0) };
        let r = write_atomic(&p, b"x\n");
        // SAFETY: as above, restoring it.
        unsafe { libc::umask(old) };
        r.unwrap();
        let m = std::fs::metadata(&p).unwrap();
        assert_eq!(m.permissions().mode() & 0o7777, 0o600);
        assert_eq!(std::fs::read(&p).unwrap(), b"x\n");
    }

    /// A symlink planted at the final name (keepalived's `fopen_safe()` threat) is replaced by
    /// the dump; the file it pointed to is not touched.
    #[test]
    fn planted_symlink_is_replaced_not_followed() {
        let d = tempfile::tempdir().unwrap();
        let victim = d.path().join("victim");
        std::fs::write(&victim, "precious\n").unwrap();
        std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
        let p = d.path().join("keepalived.stats");
        std::os::unix::fs::symlink(&victim, &p).unwrap();
        write_atomic(&p, b"dump\n").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
        assert_eq!(std::fs::metadata(&victim).unwrap().permissions().mode() & 0o777, 0o644);
        let m = std::fs::symlink_metadata(&p).unwrap();
        assert!(m.file_type().is_file(), "the symlink was replaced by a file");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "dump\n");
    }

    /// A reader holding the old file keeps reading it whole; the new one appears in one step
    /// (same directory, rename), and no temporary file is left behind.
    #[test]
    fn replacement_is_atomic_and_leaves_no_temporary() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("keepalived.json");
        write_atomic(&p, b"old contents\n").unwrap();
        let old_inode = std::fs::metadata(&p).unwrap().ino();
        let mut reader = File::open(&p).unwrap();
        write_atomic(&p, b"new\n").unwrap();
        let mut s = String::new();
        io::Read::read_to_string(&mut reader, &mut s).unwrap();
        assert_eq!(s, "old contents\n", "an open reader sees the old file, whole");
        assert_ne!(
            std::fs::metadata(&p).unwrap().ino(),
            old_inode,
            "a new file took the name"
        );
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new\n");
        let names: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("keepalived.json")]);
    }

    /// The temporary name is the final name plus six characters (keepalived's `mkostemp()`
    /// names, which gen2brain/keepalived_exporter cleans up as `/tmp/keepalived.json*`), in the
    /// same directory, and is never an existing file.
    #[test]
    fn temporary_is_a_fresh_sibling() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("keepalived.json");
        let (_f, tmp) = create_temp(&p).unwrap();
        assert_eq!(tmp.parent(), p.parent());
        let name = tmp.file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with("keepalived.json") && name.len() == "keepalived.json".len() + 6);
        let m = std::fs::metadata(&tmp).unwrap();
        assert_eq!(m.permissions().mode() & 0o777, 0o600);
    }

    /// A failed write leaves the previous file and no temporary (here: the final name is a
    /// directory, so the rename fails).
    #[test]
    fn failure_keeps_the_old_file_and_reports_keepalived_line() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("keepalived.data");
        std::fs::create_dir(&p).unwrap();
        std::fs::write(p.join("inside"), "x").unwrap();
        let logs = write_dump(&p, "keepalived.data", "text\n");
        assert_eq!(logs.len(), 1);
        assert!(
            logs[0].text.starts_with("Can't open dump file keepalived.data ("),
            "{:?}",
            logs[0]
        );
        let names: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("keepalived.data")]);
    }

    #[test]
    fn missing_directory_is_reported() {
        let logs = write_dump(
            Path::new("/nonexistent-kars-dir/keepalived.data"),
            "keepalived.data",
            "x",
        );
        assert_eq!(
            logs[0].text,
            "Can't open dump file keepalived.data (2: No such file or directory)"
        );
    }
}
