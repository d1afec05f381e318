//! File matching for `-f` and `include*`: glibc `glob(3)` with `GLOB_MARK | GLOB_BRACE |
//! GLOB_ALTDIRFUNC`, exactly as keepalived calls it, so brace expansion and the "missing" versus
//! "no match" distinction behave the same. Patterns are resolved against the including file's
//! directory without changing the process's working directory.

use std::cell::Cell;
use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_void};
use std::path::{Path, PathBuf};

/// keepalived's `include_t` bits.
pub mod check {
    /// Error if a match is a directory, unreadable or not a regular non-executable file.
    pub const READ: u8 = 0x01;
    /// Error if no files match (unless a wildcard was used).
    pub const MATCH: u8 = 0x02;
    /// Error if no files match even with wildcards.
    pub const WILDCARD: u8 = 0x04;
    /// Every brace alternative must match.
    pub const BRACE: u8 = 0x08;
    /// All of the above (`-e`, `includea`, bare `include_check`).
    pub const ALL: u8 = READ | MATCH | WILDCARD | BRACE;
}

/// glibc's `glob_t` including the GLOB_ALTDIRFUNC hooks (the libc crate keeps them private).
#[repr(C)]
struct GlobT {
    gl_pathc: usize,
    gl_pathv: *mut *mut c_char,
    gl_offs: usize,
    gl_flags: c_int,
    gl_closedir: Option<unsafe extern "C" fn(*mut c_void)>,
    gl_readdir: Option<unsafe extern "C" fn(*mut c_void) -> *mut c_void>,
    gl_opendir: Option<unsafe extern "C" fn(*const c_char) -> *mut c_void>,
    gl_lstat: Option<unsafe extern "C" fn(*const c_char, *mut libc::stat) -> c_int>,
    gl_stat: Option<unsafe extern "C" fn(*const c_char, *mut libc::stat) -> c_int>,
}

unsafe extern "C" {
    fn glob(
        pattern: *const c_char,
        flags: c_int,
        errfunc: Option<unsafe extern "C" fn(*const c_char, c_int) -> c_int>,
        pglob: *mut GlobT,
    ) -> c_int;
    fn globfree(pglob: *mut GlobT);
}

const GLOB_MARK: c_int = 1 << 1;
const GLOB_NOMATCH: c_int = 3;

thread_local! {
    static MISSING_DIRS: Cell<u32> = const { Cell::new(0) };
    static MISSING_FILES: Cell<u32> = const { Cell::new(0) };
    static HAVE_WILDCARDS: Cell<bool> = const { Cell::new(false) };
}

unsafe extern "C" fn gl_closedir(d: *mut c_void) {
    // SAFETY: glob passes back the pointer gl_opendir returned.
    unsafe { libc::closedir(d as *mut libc::DIR) };
}

unsafe extern "C" fn gl_readdir(d: *mut c_void) -> *mut c_void {
    // SAFETY: as above; on 64-bit glibc `struct dirent` is `struct dirent64`.
    unsafe { libc::readdir(d as *mut libc::DIR) as *mut c_void }
}

unsafe extern "C" fn gl_opendir(name: *const c_char) -> *mut c_void {
    HAVE_WILDCARDS.with(|c| c.set(true));
    // SAFETY: glob passes a valid C string.
    let d = unsafe { libc::opendir(name) };
    if d.is_null() {
        MISSING_DIRS.with(|c| c.set(c.get() + 1));
    }
    d as *mut c_void
}

unsafe extern "C" fn gl_lstat(path: *const c_char, st: *mut libc::stat) -> c_int {
    // SAFETY: glob passes a valid path and stat buffer.
    let r = unsafe { libc::lstat(path, st) };
    if r != 0 {
        MISSING_FILES.with(|c| c.set(c.get() + 1));
    }
    r
}

unsafe extern "C" fn gl_stat(path: *const c_char, st: *mut libc::stat) -> c_int {
    // SAFETY: as above.
    unsafe { libc::stat(path, st) }
}

/// What `glob()` found for a pattern.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct GlobResult {
    /// Matches, as keepalived would name them (relative patterns stay relative); directories end
    /// in `/` (GLOB_MARK).
    pub paths: Vec<String>,
    /// `glob()` returned GLOB_NOMATCH.
    pub no_match: bool,
    /// Another `glob()` failure code.
    pub error: Option<i32>,
    /// Files or directories named by the pattern (or a brace alternative) that do not exist.
    pub missing: u32,
    /// A directory had to be read, i.e. the pattern had wildcards.
    pub wildcards: bool,
}

/// Escapes glob metacharacters in a literal directory prefix.
fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\') {
            o.push('\\');
        }
        o.push(c);
    }
    o
}

/// Runs `glob(pattern)` with `base` standing for the working directory keepalived would have
/// `chdir()`ed into.
pub fn glob_in(base: &Path, pattern: &str) -> GlobResult {
    let relative = !pattern.starts_with('/');
    let prefix = if relative {
        let mut b = base.to_string_lossy().into_owned();
        if !b.ends_with('/') {
            b.push('/');
        }
        Some(b)
    } else {
        None
    };
    let full = match &prefix {
        Some(p) => format!("{}{}", escape(p), pattern),
        None => pattern.to_string(),
    };
    let Ok(cpat) = CString::new(full) else {
        return GlobResult {
            no_match: true,
            ..Default::default()
        };
    };
    MISSING_DIRS.with(|c| c.set(0));
    MISSING_FILES.with(|c| c.set(0));
    HAVE_WILDCARDS.with(|c| c.set(false));
    let mut g = GlobT {
        gl_pathc: 0,
        gl_pathv: std::ptr::null_mut(),
        gl_offs: 0,
        gl_flags: 0,
        gl_closedir: Some(gl_closedir),
        gl_readdir: Some(gl_readdir),
        gl_opendir: Some(gl_opendir),
        gl_lstat: Some(gl_lstat),
        gl_stat: Some(gl_stat),
    };
    // SAFETY: cpat is a valid C string and g a correctly laid out glob_t for glibc.
    let rc = unsafe {
        glob(
            cpat.as_ptr(),
            GLOB_MARK | libc::GLOB_BRACE | libc::GLOB_ALTDIRFUNC,
            None,
            &mut g,
        )
    };
    let mut res = GlobResult {
        missing: MISSING_DIRS.with(|c| c.get()) + MISSING_FILES.with(|c| c.get()),
        wildcards: HAVE_WILDCARDS.with(|c| c.get()),
        ..Default::default()
    };
    if rc == 0 {
        for i in 0..g.gl_pathc {
            // SAFETY: glob filled gl_pathv with gl_pathc valid C strings.
            let s = unsafe { CStr::from_ptr(*g.gl_pathv.add(i)) }
                .to_string_lossy()
                .into_owned();
            let shown = match &prefix {
                Some(p) => s.strip_prefix(p.as_str()).map(str::to_string).unwrap_or(s),
                None => s,
            };
            res.paths.push(shown);
        }
    } else if rc == GLOB_NOMATCH {
        res.no_match = true;
    } else {
        res.error = Some(rc);
    }
    if rc == 0 || !g.gl_pathv.is_null() {
        // SAFETY: g was filled by glob.
        unsafe { globfree(&mut g) };
    }
    res
}

/// Whether the pattern contains an unescaped `{` (keepalived's `have_brace()`).
pub fn has_brace(pattern: &str) -> bool {
    let b = pattern.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == b'{' {
            return true;
        }
        i += 1;
    }
    false
}

/// Resolves a matched (possibly relative) path against `base`.
pub fn resolve(base: &Path, shown: &str) -> PathBuf {
    if shown.starts_with('/') {
        PathBuf::from(shown)
    } else {
        base.join(shown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn relative_globs_resolve_against_base_and_stay_relative() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir(d.path().join("conf.d")).unwrap();
        fs::write(d.path().join("conf.d/a.conf"), "").unwrap();
        fs::write(d.path().join("conf.d/b.conf"), "").unwrap();
        let r = glob_in(d.path(), "conf.d/*.conf");
        assert_eq!(r.paths, ["conf.d/a.conf", "conf.d/b.conf"]);
        assert!(r.wildcards);
    }

    #[test]
    fn brace_expansion_and_missing_alternatives() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("a.conf"), "").unwrap();
        let r = glob_in(d.path(), "{a,b}.conf");
        assert_eq!(r.paths, ["a.conf"]);
        assert_eq!(r.missing, 1, "b.conf is missing");
        assert!(has_brace("{a,b}.conf"));
        assert!(!has_brace(r"\{a.conf"));
    }

    #[test]
    fn missing_file_and_unmatched_wildcard() {
        let d = tempfile::tempdir().unwrap();
        let r = glob_in(d.path(), "nothere.conf");
        assert!(r.no_match);
        assert_eq!(r.missing, 1);
        let r = glob_in(d.path(), "*.nothere");
        assert!(r.no_match);
        assert_eq!(r.missing, 0);
        assert!(r.wildcards);
    }

    #[test]
    fn directories_are_marked() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir(d.path().join("sub")).unwrap();
        let r = glob_in(d.path(), "sub");
        assert_eq!(r.paths, ["sub/"]);
    }

    #[test]
    fn metacharacters_in_base_are_literal() {
        let d = tempfile::tempdir().unwrap();
        let odd = d.path().join("we*rd{x}[1]");
        fs::create_dir(&odd).unwrap();
        fs::write(odd.join("k.conf"), "").unwrap();
        assert_eq!(glob_in(&odd, "*.conf").paths, ["k.conf"]);
    }
}
