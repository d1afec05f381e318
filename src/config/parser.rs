//! The keyword engine: walks the logical lines from the [`Reader`] through nested keyword tables,
//! as keepalived's `process_stream()` and `alloc_value_block()` do, calling each keyword's handler
//! with the words of its line. Handlers fill the [`Builder`].

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use super::builder::Builder;
use super::diag::{Diagnostic, Diagnostics, Level, Loc};
use super::reader::Reader;
use super::suggest;
use super::system::System;
use super::tokens;
use super::values::Report;

/// A keyword line lacked a word the handler needs: keepalived logs "*** Configuration line
/// starting ... is missing a parameter ..." and exits with code 2. We report it and go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingParam(pub String);

/// What a handler returns; `?` on [`Words::get`] aborts the handler on a missing word.
pub type HResult = Result<(), MissingParam>;

/// The words of one logical line and where the line is.
#[derive(Debug, Clone)]
pub struct Words {
    /// The words, quotes removed.
    pub words: Vec<String>,
    /// The line's location.
    pub loc: Option<Loc>,
}

impl Words {
    /// Word `i`, or a [`MissingParam`] with keepalived's message (its `strvec_slot()`).
    pub fn get(&self, i: usize) -> Result<&str, MissingParam> {
        match self.words.get(i) {
            Some(w) => Ok(w),
            None => {
                let first = self.words.first().map(String::as_str).unwrap_or("***MISSING ***");
                let msg = if i > 0 && i - 1 < self.words.len() {
                    format!(
                        "*** Configuration line starting `{first}` is missing a parameter after keyword `{}` at word position {}",
                        self.words[i - 1],
                        i + 1
                    )
                } else {
                    format!(
                        "*** Configuration line starting `{first}` is missing a parameter at word position {}",
                        i + 1
                    )
                };
                Err(MissingParam(msg))
            }
        }
    }

    /// Word `i` if present.
    pub fn opt(&self, i: usize) -> Option<&str> {
        self.words.get(i).map(String::as_str)
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// True if there are no words.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// The words from `i` on.
    pub fn from(&self, i: usize) -> &[String] {
        self.words.get(i..).unwrap_or(&[])
    }
}

/// FNV-1a: keyword lookups hash short, trusted strings on every line, where SipHash's
/// DoS resistance buys nothing and costs time.
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for &b in bytes {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.0 = h;
    }
}

type KeywordIndex = HashMap<&'static str, &'static Keyword, BuildHasherDefault<Fnv>>;

/// A keyword handler.
pub type Handler = fn(&mut Parser<'_>, &Words) -> HResult;
/// Runs when a keyword's sub-block closes.
pub type CloseHandler = fn(&mut Parser<'_>);

/// One entry of a keyword table.
#[derive(Debug)]
pub struct Keyword {
    /// The keyword, matched exactly and case-sensitively.
    pub name: &'static str,
    /// Called with the keyword's line.
    pub handler: Option<Handler>,
    /// The keyword opens a block of further keywords.
    pub sub: Option<&'static Block>,
}

/// A keyword with a handler and no sub-block.
pub const fn kw(name: &'static str, handler: Handler) -> Keyword {
    Keyword {
        name,
        handler: Some(handler),
        sub: None,
    }
}

/// A keyword that opens a sub-block of keywords.
pub const fn kw_block(name: &'static str, handler: Option<Handler>, sub: &'static Block) -> Keyword {
    Keyword {
        name,
        handler,
        sub: Some(sub),
    }
}

/// A keyword table: the keywords valid inside one kind of block.
pub struct Block {
    /// Human name of the block for messages ("vrrp_instance", "TCP_CHECK").
    pub name: &'static str,
    /// Keyword sets, searched in order (shared sets, like the checkers' common keywords, are
    /// listed in several blocks). The first match wins, as in keepalived.
    pub sets: &'static [&'static [Keyword]],
    /// Called when the block's closing `}` is read (keepalived's sublevel end handler).
    pub close: Option<CloseHandler>,
    index: OnceLock<KeywordIndex>,
}

impl std::fmt::Debug for Block {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Block").field("name", &self.name).finish()
    }
}

impl Block {
    /// A block with the given keyword sets and close handler.
    pub const fn new(name: &'static str, sets: &'static [&'static [Keyword]], close: Option<CloseHandler>) -> Self {
        Block {
            name,
            sets,
            close,
            index: OnceLock::new(),
        }
    }

    /// Looks a word up in this block.
    pub fn find(&'static self, word: &str) -> Option<&'static Keyword> {
        self.index
            .get_or_init(|| {
                let mut m = KeywordIndex::default();
                for set in self.sets {
                    for k in set.iter() {
                        m.entry(k.name).or_insert(k);
                    }
                }
                m
            })
            .get(word)
            .copied()
    }

    /// Every keyword name of the block.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.sets.iter().flat_map(|s| s.iter().map(|k| k.name))
    }
}

/// The keyword engine and its state.
pub struct Parser<'s> {
    reader: Reader,
    /// Diagnostics so far.
    pub diags: Diagnostics,
    /// The configuration under construction.
    pub b: Builder,
    /// This is a `-t` run.
    pub config_test: bool,
    /// Host facts (interfaces, users) the handlers may look up.
    pub sys: &'s dyn System,
    skip_sublevel: i32,
    kw_level: u32,
    raw: String,
    /// The line last read (copied into `raw` when a handler runs).
    cur: String,
    blocks: Vec<(&'static Block, Option<Loc>)>,
    pushback: Option<(String, Words)>,
    /// Hints already computed for unknown words, by block.
    suggestions: HashMap<(usize, String), Option<String>>,
}

impl Report for Parser<'_> {
    fn report(&mut self, level: Level, msg: String) {
        let loc = self.reader.loc();
        self.diags.report(level, loc, msg);
    }
    fn config_test(&self) -> bool {
        self.config_test
    }
}

impl<'s> Parser<'s> {
    /// A parser reading from `reader`.
    pub fn new(reader: Reader, sys: &'s dyn System, config_test: bool) -> Self {
        Parser {
            reader,
            diags: Diagnostics::default(),
            b: Builder::default(),
            config_test,
            sys,
            skip_sublevel: 0,
            kw_level: 0,
            raw: String::new(),
            cur: String::new(),
            blocks: Vec::new(),
            pushback: None,
            suggestions: HashMap::new(),
        }
    }

    /// Parses everything from the reader with `root` as the top-level keyword table.
    pub fn run(&mut self, root: &'static Block) {
        self.blocks.push((root, None));
        self.process_stream(root, false, false);
        self.blocks.pop();
        self.reader.finish(&mut self.diags);
    }

    /// Gives back the reader, the builder and the diagnostics.
    pub fn into_parts(self) -> (Reader, Builder, Diagnostics) {
        (self.reader, self.b, self.diags)
    }

    /// Location of the line being processed.
    pub fn loc(&self) -> Option<Loc> {
        self.reader.loc()
    }

    /// Records a diagnostic at the current line.
    pub fn report(&mut self, level: Level, msg: impl Into<String>) {
        Report::report(self, level, msg.into());
    }

    /// Records a diagnostic at the current line with our own hint appended.
    pub fn report_hint(&mut self, level: Level, msg: impl Into<String>, hint: impl Into<String>) {
        let loc = self.reader.loc();
        self.diags.push(Diagnostic {
            level,
            loc,
            message: msg.into(),
            hint: Some(hint.into()),
        });
    }

    /// The text of the current keyword line (keepalived's `buf_extern`), for handlers that
    /// re-split it with [`tokens::split_command`].
    pub fn raw_line(&self) -> &str {
        &self.raw
    }

    /// The reader, for handlers that change reading (`include_check`).
    pub fn reader_mut(&mut self) -> &mut Reader {
        &mut self.reader
    }

    /// keepalived's `skip_block()`: ignore the rest of the current block (`need_block_start`
    /// false) or the block this keyword opens (`true`).
    pub fn skip_block(&mut self, need_block_start: bool) {
        self.skip_sublevel = if need_block_start { -1 } else { 1 };
    }

    /// Reads the next line into `cur` and splits it into words; `None` at the end.
    fn next_words(&mut self) -> Option<Words> {
        if let Some((line, words)) = self.pushback.take() {
            self.cur = line;
            return Some(words);
        }
        let line = self.reader.next_line(&mut self.diags)?;
        let (words, unmatched) = tokens::split_words(line);
        self.cur.clear();
        self.cur.push_str(line);
        let loc = self.reader.loc();
        if let Some(u) = unmatched {
            self.diags
                .report(Level::UnmatchedQuote, loc.clone(), format!("Unmatched quote: '{u}'"));
        }
        Some(Words { words, loc })
    }

    /// Runs a handler; returns false if it stopped on a missing parameter.
    fn call(&mut self, h: Handler, words: &Words) -> bool {
        match h(self, words) {
            Ok(()) => true,
            Err(MissingParam(msg)) => {
                let loc = words.loc.clone().or_else(|| self.reader.loc());
                self.diags.report(Level::MissingParameter, loc, msg);
                false
            }
        }
    }

    /// keepalived's `process_stream()`. Returns true if the block was skipped. `skipping` is set
    /// when the keyword that opens this block asked for it to be skipped (or failed).
    fn process_stream(&mut self, block: &'static Block, need_bob: bool, skipping: bool) -> bool {
        let mut need_bob = need_bob;
        let mut skipped = false;
        while let Some(words) = self.next_words() {
            if words.is_empty() {
                continue;
            }
            let first = words.words[0].as_str();
            if self.skip_sublevel == -1 {
                if first == "{" {
                    self.skip_sublevel = 1;
                    need_bob = false;
                    continue;
                }
                self.skip_sublevel = 0;
                if skipping {
                    // The refused keyword had no block after all: this line belongs to the
                    // enclosing block (keepalived would read it with the refused block's keywords).
                    self.pushback = Some((std::mem::take(&mut self.cur), words));
                    skipped = true;
                    break;
                }
            }
            if self.skip_sublevel != 0 {
                let mut last = "";
                for w in &words.words {
                    last = w;
                    if w == "{" {
                        self.skip_sublevel += 1;
                    } else if w == "}" {
                        self.skip_sublevel -= 1;
                        if self.skip_sublevel == 0 {
                            break;
                        }
                    }
                }
                if last == "}" && self.skip_sublevel == 0 && self.kw_level > 0 {
                    skipped = true;
                    break;
                }
                continue;
            }
            if need_bob {
                need_bob = false;
                if first == "{" && self.kw_level > 0 {
                    continue;
                }
                self.report(Level::MissingBob, "Missing '{' at beginning of configuration block");
            } else if first == "{" {
                self.report(Level::UnexpectedBob, "Unexpected '{' - ignoring");
                continue;
            }
            if first == "}" && self.kw_level > 0 {
                break;
            }
            let Some(k) = block.find(first) else {
                self.unknown_keyword(block, first);
                continue;
            };
            let mut words = words;
            let mut bob_needed = false;
            if k.sub.is_some() {
                if words.words.last().map(String::as_str) == Some("{") {
                    words.words.pop();
                } else {
                    bob_needed = true;
                }
            }
            if let Some(h) = k.handler {
                self.raw.clear();
                self.raw.push_str(&self.cur);
                // keepalived exits on a missing parameter; we go on, but the block the keyword
                // opens has no object to fill, so it is skipped.
                if !self.call(h, &words) && k.sub.is_some() {
                    self.skip_block(bob_needed);
                }
            }
            if let Some(sub) = k.sub {
                let skipping = self.skip_sublevel != 0;
                self.kw_level += 1;
                self.blocks.push((sub, words.loc.clone()));
                let was_skipped = self.process_stream(sub, bob_needed, skipping);
                self.blocks.pop();
                self.kw_level -= 1;
                if !was_skipped {
                    if let Some(c) = sub.close {
                        c(self);
                    }
                }
            }
        }
        // A refused block never gets its close handler, even when the file ends inside it.
        skipped || skipping
    }

    fn unknown_keyword(&mut self, block: &'static Block, word: &str) {
        let msg = format!("Unknown keyword '{word}'");
        // Files can repeat one unknown word thousands of times (a ~SEQ, a pasted block):
        // suggestions are computed once per block and word.
        let key = (block as *const Block as usize, word.to_string());
        let suggestion = match self.suggestions.get(&key) {
            Some(s) => s.clone(),
            None => {
                let s = suggest::did_you_mean(word, block.names()).map(str::to_string);
                self.suggestions.insert(key, s.clone());
                s
            }
        };
        let mut hint = suggestion.map(|s| format!("did you mean '{s}'?"));
        if hint.is_none() && self.blocks.len() > 1 {
            // A top-level keyword inside a block usually means a '}' is missing above it.
            let root = self.blocks[0].0;
            if root.find(word).is_some() {
                let (inner, opened) = self.blocks.last().cloned().expect("inside a block");
                let at = opened.map(|l| format!(" (opened at {l})")).unwrap_or_default();
                hint = Some(format!(
                    "'{word}' is a top-level keyword: is the '}}' closing {}{at} missing?",
                    inner.name
                ));
            }
        }
        if hint.is_none() {
            let key = (block as *const Block as usize, format!("\0{word}"));
            hint = match self.suggestions.get(&key) {
                Some(h) => h.clone(),
                None => {
                    let h = self.known_elsewhere(word, block);
                    self.suggestions.insert(key, h.clone());
                    h
                }
            };
        }
        match hint {
            Some(h) => self.report_hint(Level::UnknownKeyword, msg, h),
            None => self.report(Level::UnknownKeyword, msg),
        }
    }

    /// "'X' belongs in A, B" when an unknown word is a keyword of other blocks.
    fn known_elsewhere(&self, word: &str, here: &'static Block) -> Option<String> {
        let root = self.blocks.first()?.0;
        let mut seen: Vec<*const Block> = Vec::new();
        let mut todo: Vec<&'static Block> = vec![root];
        let mut owners: Vec<&'static str> = Vec::new();
        while let Some(b) = todo.pop() {
            if seen.contains(&(b as *const Block)) {
                continue;
            }
            seen.push(b as *const Block);
            if !std::ptr::eq(b, here) && b.find(word).is_some() && !owners.contains(&b.name) {
                owners.push(b.name);
            }
            for set in b.sets {
                for k in set.iter() {
                    if let Some(s) = k.sub {
                        todo.push(s);
                    }
                }
            }
        }
        if owners.is_empty() {
            return None;
        }
        owners.sort_unstable();
        Some(format!(
            "'{word}' is a keyword of {}, not of {}",
            owners.join(", "),
            here.name
        ))
    }

    /// keepalived's `alloc_value_block()`: reads the `{ ... }` block opened by `words` (the `{`
    /// may be on the same line or the next) and calls `f` for each non-empty line inside it.
    pub fn value_block(&mut self, words: &Words, mut f: impl FnMut(&mut Self, &Words) -> HResult) {
        let mut need_bob = true;
        let mut first: Option<Words> = None;
        if words.len() > 1 {
            if words.words[1] == "{" {
                need_bob = false;
                if words.len() > 2 {
                    let mut rest: Vec<String> = words.words[2..].to_vec();
                    let mut eob = false;
                    if rest.last().map(String::as_str) == Some("}") {
                        rest.pop();
                        eob = true;
                    }
                    first = Some(Words {
                        words: rest,
                        loc: words.loc.clone(),
                    });
                    if eob {
                        let w = first.take().expect("set");
                        if !w.is_empty() {
                            if let Err(MissingParam(m)) = f(self, &w) {
                                self.report(Level::MissingParameter, m);
                            }
                        }
                        return;
                    }
                }
            } else {
                let msg = format!("Block {} has extra parameters {} ...", words.words[0], words.words[1]);
                self.report(Level::GeneralError, msg);
            }
        }
        loop {
            let mut had_eob = false;
            let mut vec = if let Some(w) = first.take() {
                w
            } else {
                let Some(w) = self.next_words() else { break };
                if w.is_empty() {
                    continue;
                }
                w
            };
            if need_bob {
                need_bob = false;
                if vec.words[0] == "{" {
                    if vec.len() == 1 {
                        continue;
                    }
                    vec.words.remove(0);
                } else {
                    let m = format!("'{{' missing from beginning of block {}", words.words[0]);
                    self.report(Level::Info, m);
                }
            }
            if vec.words.last().map(String::as_str) == Some("}") {
                if vec.len() == 1 {
                    break;
                }
                had_eob = true;
                vec.words.pop();
            }
            if !vec.is_empty() {
                if let Err(MissingParam(m)) = f(self, &vec) {
                    self.report(Level::MissingParameter, m);
                }
            }
            if had_eob {
                break;
            }
        }
    }

    /// keepalived's `read_value_block()`: every word of the block, flattened.
    pub fn read_value_block(&mut self, words: &Words) -> Vec<String> {
        let mut all = Vec::new();
        self.value_block(words, |_, w| {
            all.extend(w.words.iter().cloned());
            Ok(())
        });
        all
    }
}
