//! Validation of the tracker blocks. keepalived checks them when each block closes
//! (`track_file_end_handler()`, `vrrp_tprocess_end_handler()`), so the end-of-block checks live
//! here and the keyword tables call them; nothing is left for the post-parse phase under `-t`
//! (`init_track_files()` and `init_track_processes()` run only when the daemon starts).

use crate::config::LoadOptions;
use crate::config::builder::Builder;
use crate::config::diag::{Diagnostics, Level};
use crate::config::keywords::track::{FileDraft, ProcessDraft};
use crate::config::model::track::{TrackFile, TrackProcess};
use crate::config::parser::Parser;
use crate::config::system::System;

/// `S_IFMT` and `S_IFREG` of `st_mode`.
const S_IFMT: u32 = 0o170_000;
const S_IFREG: u32 = 0o100_000;

/// keepalived's `track_file_end_handler()`: a block without `file` is dropped; `init_file` on
/// something that exists but is not a regular file is refused. (keepalived also writes the
/// initial value there when not testing; that belongs to the daemon's start.)
pub fn end_track_file(p: &mut Parser<'_>, draft: FileDraft) {
    let Some(file_path) = draft.file_path else {
        p.report(
            Level::GeneralError,
            format!("No file set for track_file {} - ignoring", draft.name),
        );
        return;
    };
    // Without `overwrite` an existing file is left alone, so only `overwrite` can fail here.
    if draft.init.is_some_and(|i| i.overwrite) {
        let not_regular = p.sys.stat(&file_path).is_some_and(|st| st.mode & S_IFMT != S_IFREG);
        if not_regular {
            p.report(
                Level::GeneralError,
                format!("Cannot initialise track file {} - it is not a regular file", draft.name),
            );
        }
    }
    p.b.cfg.track.files.push(TrackFile {
        name: draft.name,
        file_path,
        weight: draft.weight,
        weight_reverse: draft.weight_reverse,
        init: draft.init,
        tracking_vrrp: Vec::new(),
        origin: draft.origin,
    });
}

/// keepalived's `vrrp_tprocess_end_handler()`: a block without `process` is dropped.
/// (keepalived's "no kernel support for track_process" only appears once the daemon has found
/// the process connector missing, never under `-t`.)
pub fn end_track_process(p: &mut Parser<'_>, draft: ProcessDraft) {
    let Some(process_path) = draft.process_path else {
        p.report(
            Level::GeneralError,
            format!("track process '{}' process name not specified", draft.name),
        );
        return;
    };
    p.b.cfg.track.processes.push(TrackProcess {
        name: draft.name,
        process_path,
        params: draft.params,
        param_match: draft.param_match,
        weight: draft.weight,
        weight_reverse: draft.weight_reverse,
        quorum: draft.quorum,
        quorum_max: draft.quorum_max,
        terminate_delay: draft.terminate_delay,
        fork_delay: draft.fork_delay,
        full_command: draft.full_command,
        tracking_vrrp: Vec::new(),
        origin: draft.origin,
    });
}

/// Post-parse completion of the trackers: keepalived has nothing left to check here under `-t`.
/// Who tracks each file and process (`tracking_vrrp`) is recorded by the VRRP validation.
pub fn complete(_b: &mut Builder, _sys: &dyn System, _opts: &LoadOptions, _diags: &mut Diagnostics) {}
