//! The configuration reader: turns files into the logical lines keepalived's keyword parser sees.
//!
//! It follows keepalived 2.2.7's `read_line()` step by step: comments, `include*` at any depth
//! (resolved against the including file's directory), `@id`/`@^id` conditional lines, `$NAME=`
//! definitions (also multi-line) expanded at use, `~SEQ`/`~SEQx`/`~LST` repetition, and the
//! splitting of lines at `{` and `}`. Each line carries the file and line it came from.
//!
//! Where keepalived can hang or crash (a self-referencing definition, `${_RANDOM 1 0}`, a huge
//! `~SEQ`, an include loop, a `~SEQ(` without `)`), the reader reports an error instead.

pub mod decomment;
pub mod defs;
pub mod include;
pub mod random;
pub mod seq;

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use super::diag::{Diagnostics, Level, Loc};
use decomment::{decomment, decomment_into};
use defs::{DefKind, Defs};
use include::check;
use random::GlibcRandom;
use seq::{Seq, SeqError};

/// Settings that shape the read.
#[derive(Clone, Debug)]
pub struct ReaderOptions {
    /// The config-id matched by `@ID` lines (`-i`; keepalived defaults to the short host name).
    pub config_id: Option<String>,
    /// Initial `include_check` bits (`-e` sets them all).
    pub include_check: u8,
    /// Seed for `${_RANDOM}`; keepalived seeds with the time when none is configured.
    pub random_seed: Option<u32>,
    /// Directory relative paths are resolved against (keepalived's working directory).
    pub cwd: PathBuf,
    /// Upper bound on lines produced by `~SEQ`/`~LST` and multi-line definitions together.
    pub max_generated_lines: u64,
    /// Upper bound on the length of a line after definition expansion.
    pub max_expanded_len: usize,
    /// Follow `include` lines (turned off when fuzzing, so inputs cannot read host files).
    pub includes: bool,
}

impl Default for ReaderOptions {
    fn default() -> Self {
        ReaderOptions {
            config_id: None,
            include_check: 0,
            random_seed: None,
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
            max_generated_lines: 2_000_000,
            max_expanded_len: 64 * 1024,
            includes: true,
        }
    }
}

/// A file being read, line by line (like keepalived's fgets(): a large configuration is never
/// held in memory whole).
struct OpenFile {
    name: Arc<str>,
    dir: PathBuf,
    canon: Option<PathBuf>,
    input: Box<dyn BufRead>,
    raw: Vec<u8>,
    lossy: String,
    line: u32,
}

impl OpenFile {
    fn new(name: Arc<str>, dir: PathBuf, canon: Option<PathBuf>, input: Box<dyn BufRead>) -> Self {
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
    fn next_raw(&mut self) -> Option<&str> {
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
struct Frame {
    pattern: String,
    paths: Vec<String>,
    next: usize,
    base: PathBuf,
    file: Option<OpenFile>,
    include_type: u8,
    saved_include_check: u8,
    num_matches: u32,
    /// Where the include line is (for messages about this frame's files).
    origin: Option<Loc>,
}

/// Position inside a multi-line definition being expanded.
#[derive(Clone, Debug)]
struct MlPos {
    text: Rc<str>,
    off: usize,
}

/// The line reader. Create with [`Reader::new`], open the main file with [`Reader::open_main`],
/// then call [`Reader::next_line`] until it returns `None`, and [`Reader::finish`].
pub struct Reader {
    opts: ReaderOptions,
    stack: Vec<Frame>,
    defs: Defs,
    seqs: Vec<Seq>,
    next_ml: Option<MlPos>,
    ml_stack: Vec<(MlPos, usize)>,
    ml_seq_depth: usize,
    ml_def: Option<usize>,
    residue: String,
    has_residue: bool,
    buf: String,
    include_check: u8,
    open_braces: Vec<Option<Loc>>,
    random: GlibcRandom,
    generated: u64,
    generated_overflow: bool,
    /// Location of the last line read from a file.
    loc: Option<Loc>,
    /// A file error that keepalived treats as fatal happened (it exits 6 at startup).
    pub file_error: bool,
}

impl Reader {
    /// A reader with no file open yet.
    pub fn new(opts: ReaderOptions) -> Self {
        let seed = opts.random_seed.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as u32)
                .unwrap_or(1)
        });
        Reader {
            include_check: opts.include_check,
            random: GlibcRandom::new(seed),
            opts,
            stack: Vec::new(),
            defs: Defs::with_builtins(),
            seqs: Vec::new(),
            next_ml: None,
            ml_stack: Vec::new(),
            ml_seq_depth: 0,
            ml_def: None,
            residue: String::new(),
            has_residue: false,
            buf: String::with_capacity(256),
            open_braces: Vec::new(),
            generated: 0,
            generated_overflow: false,
            loc: None,
            file_error: false,
        }
    }

    /// The location of the line being processed (keepalived reports errors there).
    pub fn loc(&self) -> Option<Loc> {
        self.loc.clone()
    }

    /// The number of `{` not yet closed.
    pub fn block_depth(&self) -> usize {
        self.open_braces.len()
    }

    /// Reports a file problem the way keepalived's `file_config_error()` does: fatal (and level
    /// FILE_NOT_FOUND) only if the include type or `include_check` asks for that check.
    fn file_error(&mut self, diags: &mut Diagnostics, kind: u8, include_type: u8, loc: Option<Loc>, msg: String) {
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
    fn glob_checked(
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

    fn open_glob(
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
    fn open_next_in_frame(&mut self, diags: &mut Diagnostics) -> bool {
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
    fn next_file(&mut self, diags: &mut Diagnostics) -> bool {
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

    fn current_file_loc(&self) -> Option<Loc> {
        self.stack.iter().rev().find_map(|f| {
            f.file.as_ref().map(|o| Loc {
                file: o.name.clone(),
                line: o.line,
            })
        })
    }

    /// The directory of the file being read (`${_PWD}`), physical like getcwd().
    fn current_dir(&self) -> PathBuf {
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
    fn read_file_line(&mut self, buf: &mut String, diags: &mut Diagnostics) -> bool {
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

    fn count_generated(&mut self, diags: &mut Diagnostics) -> bool {
        self.generated += 1;
        if self.generated > self.opts.max_generated_lines {
            if !self.generated_overflow {
                self.generated_overflow = true;
                diags.report(
                    Level::GeneralError,
                    self.loc.clone(),
                    format!(
                        "~SEQ/~LST and multi-line definitions produced more than {} lines - stopping expansion",
                        self.opts.max_generated_lines
                    ),
                );
            }
            self.seqs.clear();
            self.next_ml = None;
            self.ml_stack.clear();
            self.ml_seq_depth = 0;
            return false;
        }
        true
    }

    /// Value of a built-in or plain definition at expansion time.
    fn def_value(&mut self, index: usize, params: Option<&str>, diags: &mut Diagnostics) -> Rc<str> {
        let d = &self.defs.list[index];
        match d.kind {
            DefKind::Text => d.value.clone(),
            DefKind::Pwd => Rc::from(self.current_dir().to_string_lossy().as_ref()),
            DefKind::Instance => Rc::from(self.opts.config_id.clone().unwrap_or_default()),
            DefKind::Random => {
                let (mut min, mut max) = (0u64, 32767u64);
                if let Some(p) = params {
                    let mut it = p.split(' ').filter(|s| !s.is_empty());
                    if let Some(a) = it.next() {
                        min = a.parse().unwrap_or(0);
                    }
                    if let Some(b) = it.next() {
                        max = b.parse().unwrap_or(0);
                    }
                    if it.next().is_some() {
                        diags.report(
                            Level::Info,
                            self.loc.clone(),
                            format!("Too many parameters or extra text for ${{_RANDOM {p}}}"),
                        );
                    }
                }
                if min > max {
                    // keepalived divides by zero here; we report and swap.
                    diags.report(
                        Level::GeneralError,
                        self.loc.clone(),
                        format!("${{_RANDOM {min} {max}}}: minimum is greater than maximum - swapping"),
                    );
                    std::mem::swap(&mut min, &mut max);
                }
                let v = self.random.next_u31() as u64 % (max - min + 1) + min;
                Rc::from(v.to_string())
            }
        }
    }

    /// keepalived's `replace_param()`: expands every `$NAME`/`${NAME}` use, rescanning the
    /// replacement text. A multi-line definition at the end of the line replaces only its first
    /// line; the rest is queued. Returns whether anything was replaced.
    fn replace_params(&mut self, buf: &mut String, ml_out: &mut Option<MlPos>, diags: &mut Diagnostics) -> bool {
        let mut cur = 0;
        let mut found = false;
        let mut ml = ml_out.clone();
        let mut steps = 0u32;
        while let Some(off) = buf[cur..].find('$') {
            let at = cur + off;
            if at + 1 >= buf.len() {
                break;
            }
            let Some(u) = self.defs.find_use(&buf[at + 1..]) else {
                cur = at + 1;
                continue;
            };
            steps += 1;
            if steps > 1_000 {
                diags.report(
                    Level::GeneralError,
                    self.loc.clone(),
                    format!("Definition expansion does not terminate (recursive definition?) in '{buf}'"),
                );
                return false;
            }
            found = true;
            let multiline = self.defs.list[u.index].multiline;
            let value = self.def_value(u.index, u.params.as_deref(), diags);
            let replacement: String = if multiline {
                if let Some(prev) = ml.take() {
                    self.ml_stack.push((prev, self.ml_seq_depth));
                }
                self.ml_seq_depth = self.seqs.len();
                let first = value.find('\n').unwrap_or(value.len());
                ml = Some(MlPos {
                    text: value.clone(),
                    off: first + 1,
                });
                value[..first].to_string()
            } else {
                value.to_string()
            };
            if buf.len() - u.len + replacement.len() > self.opts.max_expanded_len {
                diags.report(
                    Level::GeneralError,
                    self.loc.clone(),
                    format!("Parameter substitution on line '{buf}' would exceed maximum line length"),
                );
                return false;
            }
            buf.replace_range(at..at + u.len, &replacement);
            if value.trim_start_matches([' ', '\t']).starts_with('~') {
                break;
            }
        }
        if found {
            *ml_out = ml;
        }
        found
    }

    /// The next logical line, or `None` at the end of the configuration.
    pub fn next_line(&mut self, diags: &mut Diagnostics) -> Option<&str> {
        let mut buf = std::mem::take(&mut self.buf);
        let more = self.fill_next_line(&mut buf, diags);
        self.buf = buf;
        more.then_some(self.buf.as_str())
    }

    fn fill_next_line(&mut self, buf: &mut String, diags: &mut Diagnostics) -> bool {
        loop {
            if self.has_residue {
                std::mem::swap(buf, &mut self.residue);
                self.has_residue = false;
            } else if !self.seqs.is_empty() && self.seqs.len() > self.ml_seq_depth {
                if !self.count_generated(diags) {
                    continue;
                }
                let seq = self.seqs.last_mut().expect("non-empty");
                let defs = &mut self.defs;
                match seq.next_line(&mut |n, v| defs.set(n, v)) {
                    Some((text, last)) => {
                        if last {
                            self.seqs.pop();
                        }
                        buf.clear();
                        buf.push_str(&text);
                    }
                    None => {
                        self.seqs.pop();
                        continue;
                    }
                }
            } else if let Some(pos) = self.next_ml.take() {
                if !self.count_generated(diags) {
                    continue;
                }
                let rest = pos.text.get(pos.off..).unwrap_or("");
                match rest.find('\n') {
                    Some(i) => {
                        buf.clear();
                        buf.push_str(&rest[..i]);
                        self.next_ml = Some(MlPos {
                            off: pos.off + i + 1,
                            text: pos.text.clone(),
                        });
                    }
                    None => {
                        buf.clear();
                        buf.push_str(rest);
                        match self.ml_stack.pop() {
                            Some((p, depth)) => {
                                self.next_ml = Some(p);
                                self.ml_seq_depth = depth;
                            }
                            None => self.ml_seq_depth = 0,
                        }
                    }
                }
            } else if !self.read_file_line(buf, diags) {
                return false;
            }

            if let Some(idx) = self.ml_def {
                if !self.defs.continue_multiline(idx, buf) {
                    self.ml_def = None;
                }
                continue;
            }
            if buf.is_empty() {
                continue;
            }
            self.preprocess(buf, diags);
            if buf.is_empty() || self.check_include(buf, diags) {
                continue;
            }
            break;
        }
        self.split_braces(buf, diags);
        true
    }

    /// Conditional lines, definitions, `~SEQ`/`~LST` and expansion, repeated while expansion
    /// produces more work (keepalived's "recheck" loop).
    fn preprocess(&mut self, buf: &mut String, diags: &mut Diagnostics) {
        let mut rounds = 0u32;
        loop {
            if buf.starts_with('@') {
                let (rev, ofs) = if buf.as_bytes().get(1) == Some(&b'^') {
                    (true, 2)
                } else {
                    (false, 1)
                };
                let Some(sp) = buf[ofs..].find([' ', '\t']).map(|i| i + ofs) else {
                    buf.clear();
                    return;
                };
                let mismatch = self.opts.config_id.as_deref() != Some(&buf[ofs..sp]);
                if mismatch != rev {
                    buf.clear();
                    return;
                }
                let rest = buf[sp..].trim_start_matches([' ', '\t']).to_string();
                *buf = rest;
            }
            if buf.starts_with('$') {
                if let Some(idx) = self.defs.check_definition(buf) {
                    if self.defs.list[idx].multiline {
                        self.ml_def = Some(idx);
                    }
                    buf.clear();
                    return;
                }
            }
            if buf.starts_with("~SEQ") || buf.starts_with("~LST") {
                let is_seq = buf.as_bytes()[1] == b'S';
                let parsed = if is_seq {
                    let line = buf.clone();
                    let mut expand = |p: &str| -> Result<String, SeqError> {
                        let mut s = p.to_string();
                        let mut ml = None;
                        self.replace_params(&mut s, &mut ml, diags);
                        if ml.is_some() {
                            return Err(SeqError::Message(format!(
                                "~SEQ parameter is multiline definition '{line}'"
                            )));
                        }
                        Ok(s)
                    };
                    seq::parse_seq(buf, &mut expand)
                } else {
                    seq::parse_lst(buf)
                };
                match parsed {
                    Ok(s) => self.seqs.push(s),
                    Err(e) => {
                        if let SeqError::Message(m) = e {
                            diags.report(Level::GeneralError, self.loc.clone(), m);
                        }
                        let what = if is_seq { "~SEQ" } else { "~LST" };
                        diags.report(
                            Level::GeneralError,
                            self.loc.clone(),
                            format!("Invalid {what} specification '{buf}'"),
                        );
                    }
                }
                buf.clear();
                return;
            }
            if buf.starts_with('~') || !buf.contains('$') {
                return;
            }
            rounds += 1;
            if rounds > 1_000 {
                diags.report(
                    Level::GeneralError,
                    self.loc.clone(),
                    format!("Definition expansion does not terminate in '{buf}'"),
                );
                buf.clear();
                return;
            }
            let mut ml = self.next_ml.take();
            let replaced = self.replace_params(buf, &mut ml, diags);
            self.next_ml = ml;
            if !replaced {
                return;
            }
            let d = decomment(buf);
            if let Some(q) = d.unterminated {
                diags.report(
                    Level::GeneralError,
                    self.loc.clone(),
                    format!("Unterminated quote '{q}'"),
                );
            }
            *buf = d.text;
            if !(buf.starts_with('@') || buf.contains('$')) {
                return;
            }
        }
    }

    /// Handles `include`, `includer`, `includem`, `includew`, `includeb` and `includea` lines.
    fn check_include(&mut self, buf: &str, diags: &mut Diagnostics) -> bool {
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

    /// Splits a line at its first `{` or `}` outside double quotes; the rest is read as the next
    /// line. Tracks open blocks for "Extra '}'" and missing-brace reports.
    fn split_braces(&mut self, buf: &mut String, diags: &mut Diagnostics) {
        let b = buf.as_bytes();
        let mut p = Some(0usize);
        if !b.is_empty() && b[0] != b'{' && b[0] != b'}' {
            let mut i = 0;
            p = None;
            while i < b.len() {
                match b[i] {
                    b'{' | b'}' => {
                        p = Some(i);
                        break;
                    }
                    b'"' => match buf[i + 1..].find('"') {
                        Some(j) => i += j + 2,
                        None => break,
                    },
                    _ => i += 1,
                }
            }
        }
        if let Some(p) = p {
            if p < b.len() && (b[p] == b'{' || b[p] == b'}') {
                let skip = if p == 0 {
                    1 + buf[1..].len() - buf[1..].trim_start_matches([' ', '\t']).len()
                } else {
                    0
                };
                let cut = p + skip;
                if cut < buf.len() {
                    self.residue.clear();
                    self.residue.push_str(buf[cut..].trim_end_matches([' ', '\t']));
                    self.has_residue = true;
                    buf.truncate(cut);
                }
            }
        }
        let t = buf.trim_end_matches([' ', '\t']).len();
        buf.truncate(t);
        if buf == "{" {
            self.open_braces.push(self.loc.clone());
        } else if buf == "}" && self.open_braces.pop().is_none() {
            diags.report(Level::UnexpectedEob, self.loc.clone(), "Extra '}' found");
        }
    }

    /// End-of-configuration checks: blocks never closed.
    pub fn finish(&mut self, diags: &mut Diagnostics) {
        if !self.open_braces.is_empty() {
            let first = self.open_braces[0].clone();
            let n = self.open_braces.len();
            let lines: Vec<String> = self.open_braces.iter().flatten().map(|l| l.to_string()).collect();
            diags.push(super::diag::Diagnostic {
                level: Level::MissingEob,
                loc: first,
                message: format!("There are {n} missing '}}'s or extra '{{'s"),
                hint: Some(format!("block opened at {} is never closed", lines.join(", "))),
            });
        }
        self.loc = None;
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
