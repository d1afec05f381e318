//! Keyword tables and handlers for the tracker blocks: `track_file NAME { ... }` (and its
//! deprecated synonym `vrrp_track_file`, `keepalived/trackers/track_file.c`) and
//! `vrrp_track_process NAME { ... }` (`keepalived/vrrp/vrrp_parser.c`, `vrrp_tprocess_*`).
//!
//! keepalived parses `track_file` in both the VRRP and the checker processes with the same
//! handlers (the BFD process skips it), and `vrrp_track_process` only in the VRRP process; the
//! messages are therefore the same whichever process prints them and we print each once.

use crate::config::diag::Level;
use crate::config::model::Origin;
use crate::config::model::track::{ParamMatch, TrackFileInit, defaults};
use crate::config::parser::{Block, HResult, Keyword, Parser, Words, kw, kw_block};
use crate::config::validate;
use crate::config::values;

/// A `track_file` block being read (keepalived's `cur_track_file`).
#[derive(Debug)]
pub struct FileDraft {
    /// Block name.
    pub name: String,
    /// `file`, once given.
    pub file_path: Option<String>,
    /// `weight` (1 until given).
    pub weight: i32,
    /// `weight N reverse`.
    pub weight_reverse: bool,
    /// `init_file`, once given.
    pub init: Option<TrackFileInit>,
    /// The block's line.
    pub origin: Origin,
}

/// A `vrrp_track_process` block being read.
#[derive(Debug)]
pub struct ProcessDraft {
    /// Block name.
    pub name: String,
    /// `process` path, once given.
    pub process_path: Option<String>,
    /// Words after the path.
    pub params: Vec<String>,
    /// `param_match`.
    pub param_match: ParamMatch,
    /// `weight`.
    pub weight: i32,
    /// `weight N reverse`.
    pub weight_reverse: bool,
    /// `quorum`.
    pub quorum: u32,
    /// `quorum_max`.
    pub quorum_max: u32,
    /// `terminate_delay`, microseconds.
    pub terminate_delay: u32,
    /// `fork_delay`, microseconds.
    pub fork_delay: u32,
    /// `full_command`.
    pub full_command: bool,
    /// The block's line.
    pub origin: Origin,
}

/// Handler state while tracker blocks are open.
#[derive(Debug, Default)]
pub struct State {
    /// The open `track_file` block.
    pub file: Option<FileDraft>,
    /// The open `vrrp_track_process` block.
    pub process: Option<ProcessDraft>,
}

// ---------------------------------------------------------------- track_file

fn track_file_handler(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = w.get(1)?.to_string();
    p.b.track.file = Some(FileDraft {
        name,
        file_path: None,
        weight: defaults::TRACK_FILE_WEIGHT,
        weight_reverse: false,
        init: None,
        origin: Origin(w.loc.clone()),
    });
    Ok(())
}

fn vrrp_track_file_handler(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.report(
        Level::Info,
        "\"vrrp_track_file\" is deprecated, please use \"track_file\"",
    );
    track_file_handler(p, w)
}

fn track_file_file(p: &mut Parser<'_>, w: &Words) -> HResult {
    if w.len() < 2 {
        p.report(Level::GeneralError, "track file file name missing");
        return Ok(());
    }
    let Some(f) = p.b.track.file.as_mut() else {
        return Ok(());
    };
    if f.file_path.is_some() {
        let msg = format!("File already set for track file {} - ignoring {}", f.name, w.words[1]);
        p.report(Level::GeneralError, msg);
        return Ok(());
    }
    f.file_path = Some(w.words[1].clone());
    Ok(())
}

fn track_file_weight(p: &mut Parser<'_>, w: &Words) -> HResult {
    let Some(f) = p.b.track.file.as_ref() else {
        return Ok(());
    };
    let name = f.name.clone();
    if w.len() < 2 {
        p.report(
            Level::GeneralError,
            format!("No weight specified for track file {name} - ignoring"),
        );
        return Ok(());
    }
    // keepalived tests "already set" against the default, so `weight 1` may be repeated.
    if f.weight != defaults::TRACK_FILE_WEIGHT {
        p.report(
            Level::GeneralError,
            format!("Weight already set for track file {name} - ignoring {}", w.words[1]),
        );
        return Ok(());
    }
    let max = defaults::WEIGHT_MAX;
    let weight = match values::read_int(p, &w.words[1], -max, max, true) {
        Some(v) => v,
        None => {
            p.report(
                Level::GeneralError,
                format!(
                    "Weight ({}) for track_file {name} must be between [-254..254] inclusive. Ignoring...",
                    w.words[1]
                ),
            );
            defaults::TRACK_FILE_WEIGHT
        }
    };
    let mut reverse = None;
    if let Some(opt) = w.opt(2) {
        if opt == "reverse" {
            reverse = Some(true);
        } else {
            p.report(
                Level::GeneralError,
                format!("track_file {name} unknown weight option {opt}"),
            );
        }
    }
    if let Some(f) = p.b.track.file.as_mut() {
        f.weight = weight;
        if let Some(r) = reverse {
            f.weight_reverse = r;
        }
    }
    Ok(())
}

fn track_file_init(p: &mut Parser<'_>, w: &Words) -> HResult {
    let Some(f) = p.b.track.file.as_ref() else {
        return Ok(());
    };
    let name = f.name.clone();
    let mut init = TrackFileInit {
        value: 0,
        overwrite: false,
    };
    for raw in w.from(1) {
        let word = raw.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
        if word.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
            init.value = match values::read_int(p, raw, i32::MIN, i32::MAX, false) {
                Some(v) => {
                    if !(-254..=254).contains(&v) {
                        p.report(
                            Level::GeneralError,
                            format!("Track file {name} init value {v} is outside sensible range [-254, 254]"),
                        );
                    }
                    v
                }
                None => {
                    p.report(
                        Level::GeneralError,
                        format!("Track file {name} init value {word} is invalid"),
                    );
                    0
                }
            };
        } else if word == "overwrite" {
            init.overwrite = true;
        } else {
            p.report(Level::GeneralError, format!("Unknown track file init option {word}"));
        }
    }
    if let Some(f) = p.b.track.file.as_mut() {
        f.init = Some(init);
    }
    Ok(())
}

fn track_file_end(p: &mut Parser<'_>) {
    if let Some(draft) = p.b.track.file.take() {
        validate::track::end_track_file(p, draft);
    }
}

static TRACK_FILE_KEYWORDS: &[Keyword] = &[
    kw("file", track_file_file),
    kw("weight", track_file_weight),
    kw("init_file", track_file_init),
];

/// `track_file NAME { ... }`.
pub static TRACK_FILE: Block = Block::new("track_file", &[TRACK_FILE_KEYWORDS], Some(track_file_end));

/// `vrrp_track_file NAME { ... }`: the deprecated synonym, same keywords.
pub static VRRP_TRACK_FILE: Block = Block::new("vrrp_track_file", &[TRACK_FILE_KEYWORDS], Some(track_file_end));

// ---------------------------------------------------------------- vrrp_track_process

fn tprocess_handler(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = w.get(1)?.to_string();
    p.b.track.process = Some(ProcessDraft {
        name,
        process_path: None,
        params: Vec::new(),
        param_match: ParamMatch::None,
        weight: 0,
        weight_reverse: false,
        quorum: defaults::PROCESS_QUORUM,
        quorum_max: defaults::PROCESS_QUORUM_MAX,
        terminate_delay: 0,
        fork_delay: 0,
        full_command: false,
        origin: Origin(w.loc.clone()),
    });
    Ok(())
}

/// The open `vrrp_track_process` block's name (handlers only run inside one).
fn process_name(p: &Parser<'_>) -> Option<String> {
    p.b.track.process.as_ref().map(|t| t.name.clone())
}

fn tprocess_process(p: &mut Parser<'_>, w: &Words) -> HResult {
    let Some(t) = p.b.track.process.as_ref() else {
        return Ok(());
    };
    let path = w.get(1)?.to_string();
    if t.process_path.is_some() {
        let msg = format!("Process already set for track process {} - ignoring {path}", t.name);
        p.report(Level::GeneralError, msg);
        return Ok(());
    }
    let Some(t) = p.b.track.process.as_mut() else {
        return Ok(());
    };
    t.process_path = Some(path);
    if w.len() > 2 {
        t.params = w.from(2).to_vec();
        if t.param_match == ParamMatch::None {
            t.param_match = ParamMatch::Exact;
        }
        t.full_command = true;
    }
    Ok(())
}

fn tprocess_match(p: &mut Parser<'_>, w: &Words) -> HResult {
    let m = match w.opt(1) {
        None => ParamMatch::Exact,
        Some("initial") => ParamMatch::Initial,
        Some("partial") => ParamMatch::Partial,
        Some(other) => {
            p.report(
                Level::GeneralError,
                format!("Invalid param_match type {other} - ignoring"),
            );
            return Ok(());
        }
    };
    if let Some(t) = p.b.track.process.as_mut() {
        t.param_match = m;
        t.full_command = true;
    }
    Ok(())
}

fn tprocess_weight(p: &mut Parser<'_>, w: &Words) -> HResult {
    let Some(t) = p.b.track.process.as_ref() else {
        return Ok(());
    };
    let name = t.name.clone();
    if w.len() < 2 {
        p.report(
            Level::GeneralError,
            format!("No weight specified for track process {name} - ignoring"),
        );
        return Ok(());
    }
    if t.weight != 0 {
        p.report(
            Level::GeneralError,
            format!("Weight already set for track process {name} - ignoring {}", w.words[1]),
        );
        return Ok(());
    }
    let max = defaults::WEIGHT_MAX;
    let Some(weight) = values::read_int(p, &w.words[1], -max, max, true) else {
        p.report(
            Level::GeneralError,
            format!(
                "Weight ({}) for vrrp_track_process {name} must be between [-254..254] inclusive. Ignoring...",
                w.words[1]
            ),
        );
        return Ok(());
    };
    let mut reverse = false;
    if let Some(opt) = w.opt(2) {
        if opt == "reverse" {
            reverse = true;
        } else {
            p.report(
                Level::GeneralError,
                format!("vrrp_track_process {name} unknown weight option {opt}"),
            );
        }
    }
    if let Some(t) = p.b.track.process.as_mut() {
        t.weight = weight;
        t.weight_reverse |= reverse;
    }
    Ok(())
}

fn tprocess_quorum(p: &mut Parser<'_>, w: &Words) -> HResult {
    let Some(name) = process_name(p) else { return Ok(()) };
    let word = w.get(1)?;
    let Some(quorum) = values::read_unsigned(p, word, 1, 65535, true) else {
        p.report(
            Level::GeneralError,
            format!("Quorum ({word}) for vrrp_track_process {name} must be between [1..65535] inclusive. Ignoring..."),
        );
        return Ok(());
    };
    let Some(t) = p.b.track.process.as_mut() else {
        return Ok(());
    };
    if quorum > t.quorum_max {
        p.report(Level::GeneralError, "Quorum is greater than quorum_max - ignoring");
        return Ok(());
    }
    t.quorum = quorum;
    Ok(())
}

fn tprocess_quorum_max(p: &mut Parser<'_>, w: &Words) -> HResult {
    let Some(name) = process_name(p) else { return Ok(()) };
    let word = w.get(1)?;
    let Some(quorum_max) = values::read_unsigned(p, word, 0, 65535, true) else {
        p.report(
            Level::GeneralError,
            format!(
                "quorum_max ({word}) for vrrp_track_process {name} must be between [0..65535] inclusive. Ignoring..."
            ),
        );
        return Ok(());
    };
    let Some(t) = p.b.track.process.as_mut() else {
        return Ok(());
    };
    // keepalived allows quorum_max 0 while quorum is still its default.
    if (quorum_max != 0 || t.quorum > 1) && quorum_max < t.quorum {
        p.report(Level::GeneralError, "quorum_max is less than quorum - ignoring");
        return Ok(());
    }
    t.quorum_max = quorum_max;
    if quorum_max == 0 {
        t.quorum = 0;
    } else if t.quorum == 0 {
        t.quorum = 1;
    }
    Ok(())
}

/// Which delay a delay keyword sets (keepalived's `enum process_delay`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Delay {
    Both,
    Terminate,
    Fork,
}

fn tprocess_delay_general(p: &mut Parser<'_>, w: &Words, kind: Delay) -> HResult {
    let Some(name) = process_name(p) else { return Ok(()) };
    let word = w.get(1)?;
    let max = 3600 * values::TIMER_HZ;
    let Some(delay) = values::read_decimal(p, word, 1, max, values::TIMER_HZ_DIGITS, true) else {
        let prefix = match kind {
            Delay::Terminate => "terminate_",
            Delay::Fork => "fork_",
            Delay::Both => "",
        };
        p.report(
            Level::GeneralError,
            format!(
                "{prefix}delay ({word}) for vrrp_track_process {name} must be between [0.000001..3600] inclusive. Ignoring..."
            ),
        );
        return Ok(());
    };
    // In range, so it fits keepalived's `unsigned`.
    let delay = delay as u32;
    if let Some(t) = p.b.track.process.as_mut() {
        if kind != Delay::Fork {
            t.terminate_delay = delay;
        }
        if kind != Delay::Terminate {
            t.fork_delay = delay;
        }
    }
    Ok(())
}

fn tprocess_delay(p: &mut Parser<'_>, w: &Words) -> HResult {
    tprocess_delay_general(p, w, Delay::Both)
}

fn tprocess_terminate_delay(p: &mut Parser<'_>, w: &Words) -> HResult {
    tprocess_delay_general(p, w, Delay::Terminate)
}

fn tprocess_fork_delay(p: &mut Parser<'_>, w: &Words) -> HResult {
    tprocess_delay_general(p, w, Delay::Fork)
}

fn tprocess_full(p: &mut Parser<'_>, _w: &Words) -> HResult {
    if let Some(t) = p.b.track.process.as_mut() {
        t.full_command = true;
    }
    Ok(())
}

fn tprocess_end(p: &mut Parser<'_>) {
    if let Some(draft) = p.b.track.process.take() {
        validate::track::end_track_process(p, draft);
    }
}

static TRACK_PROCESS_KEYWORDS: &[Keyword] = &[
    kw("process", tprocess_process),
    kw("param_match", tprocess_match),
    kw("weight", tprocess_weight),
    kw("quorum", tprocess_quorum),
    kw("quorum_max", tprocess_quorum_max),
    kw("delay", tprocess_delay),
    kw("terminate_delay", tprocess_terminate_delay),
    kw("fork_delay", tprocess_fork_delay),
    kw("full_command", tprocess_full),
];

/// `vrrp_track_process NAME { ... }`.
pub static TRACK_PROCESS: Block = Block::new("vrrp_track_process", &[TRACK_PROCESS_KEYWORDS], Some(tprocess_end));

/// Top-level keywords of this family.
pub static ROOT: &[Keyword] = &[
    kw_block("vrrp_track_process", Some(tprocess_handler), &TRACK_PROCESS),
    kw_block("track_file", Some(track_file_handler), &TRACK_FILE),
    kw_block("vrrp_track_file", Some(vrrp_track_file_handler), &VRRP_TRACK_FILE),
];
