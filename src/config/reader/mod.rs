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
mod expand;
mod files;
pub mod include;
pub mod random;
pub mod seq;

use std::path::PathBuf;
use std::sync::Arc;

use super::diag::{Diagnostics, Level, Loc};
use defs::Defs;
use expand::MlPos;
use files::Frame;
use random::GlibcRandom;
use seq::Seq;

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
    /// Upper bound on the pieces one line is split into at `{`/`}` (definitions can re-create
    /// a brace forever, e.g. `$A={ $A`, where keepalived loops).
    pub max_split_chain: u32,
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
            max_split_chain: 100_000,
        }
    }
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
    /// Lines split off one line in a row: a definition whose value re-creates a brace and the
    /// definition itself (`$A={ $A`) would split forever (keepalived loops there).
    residue_chain: u32,
    /// Location of the last line read from a file.
    loc: Option<Loc>,
    /// A file error that keepalived treats as fatal happened (it exits 6 at startup).
    pub file_error: bool,
    /// Every line handed out, one per text line, when recording ([`Reader::record`]).
    transcript: Option<String>,
    /// A recorded line held a newline, so the transcript cannot be replayed.
    transcript_broken: bool,
    /// A transcript being replayed ([`Reader::open_transcript`]).
    replay: Option<Replay>,
}

/// A transcript being replayed: its text, the offset of the next line, and that line's number.
struct Replay {
    text: String,
    off: usize,
    line: u32,
    file: Arc<str>,
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
            residue_chain: 0,
            loc: None,
            file_error: false,
            transcript: None,
            transcript_broken: false,
            replay: None,
        }
    }

    /// Records every line handed out from now on: the transcript ([`Reader::take_transcript`])
    /// is what the parser saw, with includes, comments, definitions, conditional lines and
    /// sequences already applied and lines split at braces. Replayed by a child
    /// ([`Reader::open_transcript`]), it gives the parser the very same lines, so the same
    /// configuration, for a third of the text the resolved form needs.
    pub fn record(&mut self) {
        self.transcript = Some(String::new());
    }

    /// The recorded transcript; `None` when not recording or a line cannot be replayed.
    pub fn take_transcript(&mut self) -> Option<String> {
        let t = self.transcript.take();
        if self.transcript_broken { None } else { t }
    }

    /// Replays a transcript: its lines are handed out as they are (numbered as lines of
    /// `name`), with no comment, definition, include or brace processing.
    pub fn open_transcript(&mut self, name: &str, text: &str) {
        self.replay = Some(Replay {
            text: text.to_string(),
            off: 0,
            line: 0,
            file: Arc::from(name),
        });
    }

    /// The next replayed line into `self.buf`; false at the end.
    fn next_replayed(&mut self) -> bool {
        let Some(r) = self.replay.as_mut() else {
            return false;
        };
        if r.off >= r.text.len() {
            return false;
        }
        let rest = &r.text[r.off..];
        let end = rest.find('\n').unwrap_or(rest.len());
        self.buf.clear();
        self.buf.push_str(&rest[..end]);
        r.off += end + 1;
        r.line += 1;
        self.loc = Some(Loc {
            file: r.file.clone(),
            line: r.line,
        });
        // A replayed "Extra '}'" was reported when the transcript was recorded.
        self.track_brace(brace(&self.buf), None);
        true
    }

    /// The location of the line being processed (keepalived reports errors there).
    pub fn loc(&self) -> Option<Loc> {
        self.loc.clone()
    }

    /// The number of `{` not yet closed.
    pub fn block_depth(&self) -> usize {
        self.open_braces.len()
    }

    /// The next logical line, or `None` at the end of the configuration.
    pub fn next_line(&mut self, diags: &mut Diagnostics) -> Option<&str> {
        if self.replay.is_some() {
            return self.next_replayed().then_some(self.buf.as_str());
        }
        let mut buf = std::mem::take(&mut self.buf);
        let more = self.fill_next_line(&mut buf, diags);
        self.buf = buf;
        if more && let Some(t) = self.transcript.as_mut() {
            self.transcript_broken |= self.buf.contains('\n');
            t.push_str(&self.buf);
            t.push('\n');
        }
        more.then_some(self.buf.as_str())
    }

    fn fill_next_line(&mut self, buf: &mut String, diags: &mut Diagnostics) -> bool {
        loop {
            if self.has_residue {
                std::mem::swap(buf, &mut self.residue);
                self.has_residue = false;
                self.residue_chain += 1;
                if self.residue_chain > self.opts.max_split_chain {
                    if self.residue_chain == self.opts.max_split_chain + 1 {
                        diags.report(
                            Level::GeneralError,
                            self.loc.clone(),
                            "Definition expansion keeps splitting this line at '{' or '}' - stopping",
                        );
                    }
                    continue;
                }
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
            } else {
                self.residue_chain = 0;
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
        self.track_brace(brace(buf), Some(diags));
    }

    /// Counts a block opened (`Some(true)`) or closed (`Some(false)`), for "Extra '}'" and
    /// the end-of-configuration check; `diags` gets the report of an unmatched `}`.
    fn track_brace(&mut self, opens: Option<bool>, diags: Option<&mut Diagnostics>) {
        match opens {
            Some(true) => self.open_braces.push(self.loc.clone()),
            Some(false) => {
                if self.open_braces.pop().is_none()
                    && let Some(d) = diags
                {
                    d.report(Level::UnexpectedEob, self.loc.clone(), "Extra '}' found");
                }
            }
            None => {}
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
                hint: match lines.len() {
                    0 => None,
                    1 => Some(format!("block opened at {} is never closed", lines[0])),
                    _ => Some(format!("blocks opened at {} are never closed", lines.join(", "))),
                },
            });
        }
        self.loc = None;
    }
}

/// Whether a line (already split at braces) opens a block, closes one, or neither.
fn brace(line: &str) -> Option<bool> {
    match line {
        "{" => Some(true),
        "}" => Some(false),
        _ => None,
    }
}
