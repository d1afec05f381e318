//! The expansion side of the reader: `@id` conditional lines, `$NAME=` definitions and their
//! expansion at use (with keepalived's multi-line definitions), `~SEQ`/`~LST`, and the limits
//! that keep self-referencing or huge expansions from hanging.

use std::rc::Rc;

use super::Reader;
use super::decomment::decomment;
use super::defs::DefKind;
use super::seq::{self, SeqError};
use crate::config::diag::{Diagnostics, Level};

/// Position inside a multi-line definition being expanded.
#[derive(Clone, Debug)]
pub(super) struct MlPos {
    pub(super) text: Rc<str>,
    pub(super) off: usize,
}

impl Reader {
    pub(super) fn count_generated(&mut self, diags: &mut Diagnostics) -> bool {
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
    pub(super) fn def_value(&mut self, index: usize, params: Option<&str>, diags: &mut Diagnostics) -> Rc<str> {
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
    pub(super) fn replace_params(
        &mut self,
        buf: &mut String,
        ml_out: &mut Option<MlPos>,
        diags: &mut Diagnostics,
    ) -> bool {
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

    /// Conditional lines, definitions, `~SEQ`/`~LST` and expansion, repeated while expansion
    /// produces more work (keepalived's "recheck" loop).
    pub(super) fn preprocess(&mut self, buf: &mut String, diags: &mut Diagnostics) {
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
}
