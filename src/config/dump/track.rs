//! Dumps of the trackers: the resolved `track_file` and `vrrp_track_process` blocks, and
//! keepalived's `-d` sections "VRRP Track files" (`dump_track_file()`) and "VRRP Track
//! processes" (`dump_vprocess()`).

use super::writer::ConfWriter;
use crate::config::model::Config;
use crate::config::model::track::{ParamMatch, TrackFile, TrackProcess, TrackingObj, defaults};
use crate::config::tokens::quote_word;
use crate::config::values::format_secs;

fn weight_words(weight: i32, reverse: bool) -> Vec<String> {
    let mut w = vec!["weight".to_string(), weight.to_string()];
    if reverse {
        w.push("reverse".into());
    }
    w
}

fn write_file(f: &TrackFile, w: &mut ConfWriter) {
    w.open(format!("track_file {}", quote_word(&f.name)));
    w.line(&["file", f.file_path.as_str()]);
    w.line(&weight_words(f.weight, f.weight_reverse));
    if let Some(init) = f.init {
        let mut words = vec!["init_file".to_string(), init.value.to_string()];
        if init.overwrite {
            words.push("overwrite".into());
        }
        w.line(&words);
    }
    w.close();
}

fn write_process(t: &TrackProcess, w: &mut ConfWriter) {
    w.open(format!("vrrp_track_process {}", quote_word(&t.name)));
    let mut words = vec!["process".to_string(), t.process_path.clone()];
    words.extend(t.params.iter().cloned());
    w.line(&words);
    match t.param_match {
        ParamMatch::None => {}
        ParamMatch::Exact => w.line(&["param_match"]),
        ParamMatch::Initial => w.line(&["param_match", "initial"]),
        ParamMatch::Partial => w.line(&["param_match", "partial"]),
    }
    w.line(&weight_words(t.weight, t.weight_reverse));
    // quorum_max first: quorum may not exceed it, and quorum_max 0 also clears quorum.
    if t.quorum_max != defaults::PROCESS_QUORUM_MAX {
        w.line(&["quorum_max".to_string(), t.quorum_max.to_string()]);
    }
    if t.quorum_max != 0 {
        w.line(&["quorum".to_string(), t.quorum.to_string()]);
    }
    // 0 (no delay) is the default and cannot be written (the minimum is 1 µs).
    if t.terminate_delay != 0 {
        w.line(&["terminate_delay".to_string(), format_secs(u64::from(t.terminate_delay))]);
    }
    if t.fork_delay != 0 {
        w.line(&["fork_delay".to_string(), format_secs(u64::from(t.fork_delay))]);
    }
    if t.full_command {
        w.line(&["full_command"]);
    }
    w.close();
}

/// Writes the tracker blocks of the resolved configuration (keepalived.conf syntax, every value
/// explicit).
pub fn write_resolved(cfg: &Config, w: &mut ConfWriter) {
    for f in &cfg.track.files {
        write_file(f, w);
    }
    for t in &cfg.track.processes {
        write_process(t, w);
    }
}

/// keepalived's `dump_tracking_obj_list()` with `dump_tracking_vrrp()`.
pub fn tracking_lines(tracking: &[TrackingObj], out: &mut Vec<String>) {
    if tracking.is_empty() {
        return;
    }
    out.push("   Tracking instances :".into());
    for t in tracking {
        out.push(format!(
            "     {}, weight {}{}{}",
            t.name,
            t.weight,
            if t.reverse { " reverse" } else { "" },
            if t.dynamic { " (dynamic)" } else { "" }
        ));
    }
}

/// keepalived's `dump_track_file()` for one file and the objects tracking it (VRRP instances
/// here; the checker's "Checker track files" section lists real servers the same way). The
/// status is the file's value at startup, which a configuration cannot know: keepalived shows 0
/// for a missing or empty file.
pub fn track_file_lines(f: &TrackFile, out: &mut Vec<String>) {
    out.push(format!(" Track file = {}", f.name));
    out.push(format!("   File = {}", f.file_path));
    out.push("   Status = 0".into());
    out.push(format!(
        "   Weight = {}{}",
        f.weight,
        if f.weight_reverse { " reverse" } else { "" }
    ));
}

fn process_lines(t: &TrackProcess, out: &mut Vec<String>) {
    out.push(format!(" VRRP Track process = {}", t.name));
    out.push(format!("   Process = {}", t.process_path));
    if !t.params.is_empty() {
        out.push(format!("   Parameters = {}", t.params.join(" ")));
    }
    match t.param_match {
        ParamMatch::None => {}
        ParamMatch::Exact => out.push("   Param match".into()),
        ParamMatch::Partial => out.push("   Param match = partial".into()),
        ParamMatch::Initial => out.push("   Param match = initial".into()),
    }
    out.push(format!("   Min processes = {}", t.quorum));
    if t.quorum_max != defaults::PROCESS_QUORUM_MAX {
        out.push(format!("   Max processes = {}", t.quorum_max));
    }
    // Runtime state at startup, shown as if no process were running: the quorum is then
    // "had" only when no process is wanted.
    out.push("   Current processes = 0".into());
    out.push(format!("   Have quorum = {}", t.quorum == 0));
    out.push(format!(
        "   Weight = {}{}",
        t.weight,
        if t.weight_reverse { " reverse" } else { "" }
    ));
    // keepalived keeps the delays in an `int`: above 2147.483647 s they print negative.
    let secs = |us: u32| f64::from(us as i32) / 1e6;
    out.push(format!("   Terminate delay = {:.6}s", secs(t.terminate_delay)));
    out.push(format!("   Fork delay = {:.6}s", secs(t.fork_delay)));
    out.push(format!("   Full command = {}", t.full_command));
    tracking_lines(&t.tracking_vrrp, out);
}

/// Appends keepalived's "VRRP Track files" and "VRRP Track processes" sections of the VRRP
/// child's `-d` dump. keepalived drops track files nothing tracks before dumping, so only files
/// with VRRP trackers are listed.
pub fn layout(cfg: &Config, out: &mut Vec<String>) {
    layout_with(cfg, &super::vrrp::Static, out);
}

/// [`layout`] with a running VRRP child's track file values (`Line::TrackFileStatus`).
pub fn layout_with(cfg: &Config, rt: &dyn super::vrrp::Runtime, out: &mut Vec<String>) {
    let mut files = cfg
        .track
        .files
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.tracking_vrrp.is_empty())
        .peekable();
    if files.peek().is_some() {
        out.push("------< VRRP Track files >------".into());
        for (k, f) in files {
            let start = out.len();
            track_file_lines(f, out);
            if let Some(l) = rt.line(super::vrrp::Line::TrackFileStatus(k)) {
                for x in &mut out[start..] {
                    if x.starts_with("   Status = ") {
                        *x = l.clone();
                    }
                }
            }
            tracking_lines(&f.tracking_vrrp, out);
        }
    }
    if !cfg.track.processes.is_empty() {
        out.push("------< VRRP Track processes >------".into());
        for t in &cfg.track.processes {
            process_lines(t, out);
        }
    }
}
