//! The files side of the reader: `-f` and `include*` globs, opening matches (regular,
//! non-executable files only), reading them line by line, `include_check`, and the messages
//! keepalived gives for missing or unreadable files.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::Reader;
use super::decomment::decomment_into;
use super::include::{self, check};
use crate::config::diag::{Diagnostics, Level, Loc};

/// A file being read, line by line (like keepalived's fgets(): a large configuration is never
/// held in memory whole).
pub(super) struct OpenFile {
    pub(super) name: Arc<str>,
    pub(super) dir: PathBuf,
    pub(super) canon: Option<PathBuf>,
    pub(super) input: Box<dyn BufRead>,
    pub(super) raw: Vec<u8>,
    pub(super) lossy: String,
    pub(super) line: u32,
}

impl OpenFile {
    pub(super) fn new(name: Arc<str>, dir: PathBuf, canon: Option<PathBuf>, input: Box<dyn BufRead>) -> Self {
        OpenFile {
            name,
            dir,
            canon,
            input,
            raw: Vec::with_capacity(256),
            lossy: String::new(),
            line: 0,
        }
    }

    /// The next raw line without its line end; `None` at end of file (or on a read error).
    pub(super) fn next_raw(&mut self) -> Option<&str> {
        self.raw.clear();
        match self.input.read_until(b'\n', &mut self.raw) {
            Ok(0) | Err(_) => return None,
            Ok(_) => {}
        }
        self.line += 1;
        while matches!(self.raw.last(), Some(b'\n' | b'\r')) {
            self.raw.pop();
        }
        // fgets()+strlen() stop at an embedded NUL.
        if let Some(i) = self.raw.iter().position(|&b| b == 0) {
            self.raw.truncate(i);
        }
        match std::str::from_utf8(&self.raw) {
            Ok(s) => Some(s),
            Err(_) => {
                self.lossy = String::from_utf8_lossy(&self.raw).into_owned();
                Some(&self.lossy)
            }
        }
    }
}

/// One `-f` pattern or `include` pattern with its matches.
pub(super) struct Frame {
    pub(super) pattern: String,
    pub(super) paths: Vec<String>,
    pub(super) next: usize,
    pub(super) base: PathBuf,
    pub(super) file: Option<OpenFile>,
    pub(super) include_type: u8,
    pub(super) saved_include_check: u8,
    pub(super) num_matches: u32,
    /// Where the include line is (for messages about this frame's files).
    pub(super) origin: Option<Loc>,
}

impl Reader {
    /// Reports a file problem the way keepalived's `file_config_error()` does: fatal (and level
    /// FILE_NOT_FOUND) only if the include type or `include_check` asks for that check.
    pub(super) fn file_error(
        &mut self,
        diags: &mut Diagnostics,
        kind: u8,
        include_type: u8,
        loc: Option<Loc>,
        msg: String,
    ) {
        let fatal = (self.include_check | include_type) & kind != 0;
        if fatal {
            self.file_error = true;
        }
        diags.report(if fatal { Level::FileNotFound } else { Level::Ok }, loc, msg);
    }

    /// Opens the main configuration file (or glob) as keepalived's `init_data()`.
    /// Returns false if nothing could be opened.
    pub fn open_main(&mut self, pattern: &str, diags: &mut Diagnostics) -> bool {
        let base = self.opts.cwd.clone();
        if self.open_glob(pattern, check::READ | check::MATCH | check::WILDCARD, base, None, diags) {
            true
        } else {
            let t = self.include_check;
            self.file_error(diags, check::READ, t, None, "Failed to open configuration file".into());
            false
        }
    }

    /// keepalived's `open_and_check_glob()`: the matches of `pattern`, or `None` after reporting
    /// why there are none usable.
    pub(super) fn glob_checked(
        &mut self,
        pattern: &str,
        include_type: u8,
        base: &Path,
        origin: &Option<Loc>,
        diags: &mut Diagnostics,
    ) -> Option<Vec<String>> {
        let g = include::glob_in(base, pattern);
        if g.no_match {
            if g.missing > 0 {
                let kind = if include::has_brace(pattern) {
                    check::BRACE
                } else {
                    check::MATCH
                };
                self.file_error(
                    diags,
                    kind,
                    include_type,
                    origin.clone(),
                    format!("Config files missing '{pattern}'."),
                );
            } else if g.wildcards && (self.include_check | include_type) & check::WILDCARD != 0 {
                self.file_error(
                    diags,
                    check::WILDCARD,
                    include_type,
                    origin.clone(),
                    format!("No config files matched '{pattern}'."),
                );
            }
            return None;
        }
        if let Some(rc) = g.error {
            self.file_error(
                diags,
                check::READ,
                include_type,
                origin.clone(),
                format!("Error reading config file(s): glob(\"{pattern}\") returned {rc}, skipping."),
            );
            return None;
        }
        if g.missing > 0 {
            self.file_error(
                diags,
                check::BRACE,
                include_type,
                origin.clone(),
                format!("Some config files missing: \"{pattern}\"."),
            );
            if (self.include_check | include_type) & check::BRACE != 0 {
                return None;
            }
        }
        Some(g.paths)
    }

    /// keepalived's `check_conf_file()`, run on `-f` before anything is parsed: the pattern must
    /// match exactly one readable regular file (several matches only warn).
    pub fn check_conf_file(&mut self, pattern: &str, diags: &mut Diagnostics) -> bool {
        let base = self.opts.cwd.clone();
        let Some(paths) = self.glob_checked(pattern, 0, &base, &None, diags) else {
            return false;
        };
        let mut ok = true;
        let mut n = 0;
        for shown in &paths {
            let full = include::resolve(&base, shown);
            if shown.ends_with('/') {
                self.file_error(
                    diags,
                    check::READ,
                    0,
                    None,
                    format!("Configuration file '{shown}' is a directory - skipping"),
                );
                ok = false;
                continue;
            }
            if !is_regular_non_exec(&full) {
                self.file_error(
                    diags,
                    check::READ,
                    0,
                    None,
                    format!("Configuration file '{shown}' is not a regular non-executable file - skipping"),
                );
                ok = false;
                continue;
            }
            if std::fs::File::open(&full).is_err() {
                diags.report(
                    Level::FileNotFound,
                    None,
                    format!("Unable to read configuration file {shown}"),
                );
                ok = false;
                break;
            }
            n += 1;
        }
        if ok {
            if n > 1 {
                diags.report(
                    Level::MultipleFiles,
                    None,
                    format!(
                        "WARNING, multiple configuration file matches of {pattern}, starting with {}",
                        paths[0]
                    ),
                );
            } else if n == 0 {
                diags.report(
                    Level::FileNotFound,
                    None,
                    format!("Unable to find configuration file {pattern}"),
                );
                ok = false;
            }
        }
        ok
    }

    /// Reads the main configuration from memory, as if from a file called `name` in the
    /// working directory (tests, fuzzing, benchmarks).
    pub fn open_text(&mut self, name: &str, text: &str) {
        self.stack.push(Frame {
            pattern: name.to_string(),
            paths: vec![name.to_string()],
            next: 1,
            base: self.opts.cwd.clone(),
            file: Some(OpenFile::new(
                Arc::from(name),
                self.opts.cwd.clone(),
                None,
                Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
            )),
            include_type: check::READ | check::MATCH | check::WILDCARD,
            saved_include_check: self.include_check,
            num_matches: 1,
            origin: None,
        });
    }

    pub(super) fn open_glob(
        &mut self,
        pattern: &str,
        include_type: u8,
        base: PathBuf,
        origin: Option<Loc>,
        diags: &mut Diagnostics,
    ) -> bool {
        let Some(paths) = self.glob_checked(pattern, include_type, &base, &origin, diags) else {
            return false;
        };
        self.stack.push(Frame {
            pattern: pattern.to_string(),
            paths,
            next: 0,
            base,
            file: None,
            include_type,
            saved_include_check: self.include_check,
            num_matches: 0,
            origin,
        });
        if self.open_next_in_frame(diags) {
            return true;
        }
        let f = self.stack.pop().expect("frame just pushed");
        if f.paths.is_empty() {
            self.file_error(
                diags,
                check::READ,
                include_type,
                f.origin,
                format!("{pattern} - no matching file"),
            );
        }
        false
    }

    /// Opens the next usable match of the top frame (keepalived's `open_conf_file()`).
    pub(super) fn open_next_in_frame(&mut self, diags: &mut Diagnostics) -> bool {
        loop {
            let frame = self.stack.last_mut().expect("frame");
            if frame.next >= frame.paths.len() {
                return false;
            }
            let shown = frame.paths[frame.next].clone();
            frame.next += 1;
            let include_type = frame.include_type;
            let origin = frame.origin.clone();
            let full = include::resolve(&frame.base, &shown);
            if shown.ends_with('/') {
                self.file_error(
                    diags,
                    check::READ,
                    include_type,
                    origin,
                    format!("Configuration file '{shown}' is a directory - skipping"),
                );
                continue;
            }
            if !is_regular_non_exec(&full) {
                self.file_error(
                    diags,
                    check::READ,
                    include_type,
                    origin,
                    format!("Configuration file '{shown}' is not a regular non-executable file - skipping"),
                );
                continue;
            }
            let file = match std::fs::File::open(&full) {
                Ok(f) => f,
                Err(e) => {
                    self.file_error(
                        diags,
                        check::READ,
                        include_type,
                        origin,
                        format!(
                            "Configuration file '{shown}' open problem ({}) - skipping",
                            strerror(&e)
                        ),
                    );
                    continue;
                }
            };
            let canon = std::fs::canonicalize(&full).ok();
            if let Some(c) = &canon {
                let open_elsewhere = self
                    .stack
                    .iter()
                    .any(|f| f.file.as_ref().is_some_and(|o| o.canon.as_ref() == Some(c)));
                if open_elsewhere {
                    diags.report(
                        Level::GeneralError,
                        origin,
                        format!("Configuration file '{shown}' includes itself (include loop) - skipping"),
                    );
                    continue;
                }
            }
            diags.report(Level::Info, origin, format!("Opening file '{shown}'."));
            let dir = full
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("/"));
            let frame = self.stack.last_mut().expect("frame");
            frame.num_matches += 1;
            frame.file = Some(OpenFile::new(
                Arc::from(shown.as_str()),
                dir,
                canon,
                Box::new(std::io::BufReader::with_capacity(64 * 1024, file)),
            ));
            return true;
        }
    }

    /// At the end of a file: the next match of its glob, or back to the includer
    /// (keepalived's `get_next_file()`). Returns false when every file is done.
    pub(super) fn next_file(&mut self, diags: &mut Diagnostics) -> bool {
        if let Some(frame) = self.stack.last_mut() {
            frame.file = None;
            self.include_check = frame.saved_include_check;
        }
        if !self.stack.is_empty() && self.open_next_in_frame(diags) {
            return true;
        }
        if let Some(f) = self.stack.pop() {
            if f.num_matches == 0 {
                diags.report(
                    Level::Info,
                    f.origin,
                    format!("No config files matched '{}'.", f.pattern),
                );
            }
        }
        // Back in the includer: its line is the current location again.
        self.loc = self.current_file_loc();
        !self.stack.is_empty()
    }

    pub(super) fn current_file_loc(&self) -> Option<Loc> {
        self.stack.iter().rev().find_map(|f| {
            f.file.as_ref().map(|o| Loc {
                file: o.name.clone(),
                line: o.line,
            })
        })
    }

    /// The directory of the file being read (`${_PWD}`), physical like getcwd().
    pub(super) fn current_dir(&self) -> PathBuf {
        let d = self
            .stack
            .iter()
            .rev()
            .find_map(|f| f.file.as_ref().map(|o| o.dir.clone()))
            .unwrap_or_else(|| self.opts.cwd.clone());
        std::fs::canonicalize(&d).unwrap_or(d)
    }

    /// Puts the next non-blank, decommented line from the files into `buf`; false at the end
    /// of all files.
    pub(super) fn read_file_line(&mut self, buf: &mut String, diags: &mut Diagnostics) -> bool {
        loop {
            let Some(frame) = self.stack.last_mut() else {
                return false;
            };
            let Some(file) = frame.file.as_mut() else {
                if !self.next_file(diags) {
                    return false;
                }
                continue;
            };
            let Some(raw) = file.next_raw() else {
                if !self.next_file(diags) {
                    return false;
                }
                continue;
            };
            if raw.is_empty() {
                // A truly empty line ends a multi-line definition.
                if let Some(i) = self.ml_def.take() {
                    self.defs.end_multiline(i);
                }
                continue;
            }
            let unterminated = decomment_into(raw, buf);
            if self.loc.as_ref().is_none_or(|l| !Arc::ptr_eq(&l.file, &file.name)) {
                self.loc = Some(Loc {
                    file: file.name.clone(),
                    line: file.line,
                });
            } else if let Some(l) = self.loc.as_mut() {
                l.line = file.line;
            }
            if let Some(q) = unterminated {
                diags.report(
                    Level::GeneralError,
                    self.loc.clone(),
                    format!("Unterminated quote '{q}'"),
                );
            }
            if buf.is_empty() {
                continue;
            }
            return true;
        }
    }

    /// Handles `include`, `includer`, `includem`, `includew`, `includeb` and `includea` lines.
    pub(super) fn check_include(&mut self, buf: &str, diags: &mut Diagnostics) -> bool {
        let b = buf.as_bytes();
        if !buf.starts_with("include") || b.len() < 8 {
            return false;
        }
        let is_space = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c');
        let (include_type, rest) = if is_space(b[7]) {
            (0, &buf[8..])
        } else if b.len() > 8 && is_space(b[8]) && b"rmwba".contains(&b[7]) {
            let t = match b[7] {
                b'r' => check::READ,
                b'a' => check::ALL,
                b'w' => check::READ | check::MATCH | check::WILDCARD,
                b'm' => check::READ | check::MATCH,
                _ => check::READ | check::BRACE,
            };
            (t, &buf[9..])
        } else {
            return false;
        };
        let pattern = rest.trim_start_matches([' ', '\t']).to_string();
        if !self.opts.includes {
            diags.report(
                Level::Info,
                self.loc.clone(),
                format!("include of '{pattern}' skipped (includes disabled)"),
            );
            return true;
        }
        let base = self
            .stack
            .iter()
            .rev()
            .find_map(|f| f.file.as_ref().map(|o| o.dir.clone()))
            .unwrap_or_else(|| self.opts.cwd.clone());
        let origin = self.loc.clone();
        self.open_glob(&pattern, include_type, base, origin, diags);
        true
    }

    /// keepalived's `include_check_set()`: `include_check [[+|-]read|match|wildcard_match|brace_match ...]`.
    pub fn include_check_set(&mut self, words: &[String], diags: &mut Diagnostics) {
        if words.len() <= 1 {
            self.include_check = check::ALL;
            return;
        }
        for (i, word) in words.iter().enumerate().skip(1) {
            let (mode, name) = match word.as_bytes().first() {
                Some(b'-') => (-1, &word[1..]),
                Some(b'+') => (1, &word[1..]),
                _ => {
                    if i == 1 {
                        self.include_check = 0;
                    } else {
                        diags.report(
                            Level::GeneralError,
                            self.loc.clone(),
                            format!("Duplicate include_check '{word}' specified - ignoring"),
                        );
                        continue;
                    }
                    (0, word.as_str())
                }
            };
            let flag = match name {
                "read" => check::READ,
                "match" => check::MATCH,
                "wildcard_match" => check::WILDCARD,
                "brace_match" => check::BRACE,
                _ => {
                    diags.report(
                        Level::GeneralError,
                        self.loc.clone(),
                        format!("Unknown include_check type '{name}' - ignoring"),
                    );
                    0
                }
            };
            if flag != 0 {
                match mode {
                    0 => self.include_check = check::READ | flag,
                    1 => self.include_check |= flag,
                    _ => self.include_check &= !flag,
                }
            }
        }
    }
}

/// keepalived accepts only regular files without any execute bit as configuration files.
fn is_regular_non_exec(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 == 0)
}

/// `strerror()` text of an I/O error, as keepalived prints it.
fn strerror(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => {
            // SAFETY: strerror returns a pointer to a static or thread-local C string.
            let p = unsafe { libc::strerror(code) };
            if p.is_null() {
                e.to_string()
            } else {
                // SAFETY: non-null C string from strerror.
                unsafe { std::ffi::CStr::from_ptr(p) }.to_string_lossy().into_owned()
            }
        }
        None => e.to_string(),
    }
}
