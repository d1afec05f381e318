//! Model of the trackers shared by VRRP and the checkers: `track_file` (alias `vrrp_track_file`)
//! and `vrrp_track_process`, with keepalived 2.2.7's defaults (`track_file_handler()`,
//! `alloc_vrrp_process()`).

use serde::Serialize;

use super::Origin;

/// keepalived's defaults for the trackers.
pub mod defaults {
    /// `track_file` weight when none is given.
    pub const TRACK_FILE_WEIGHT: i32 = 1;
    /// `vrrp_track_process` quorum when none is given.
    pub const PROCESS_QUORUM: u32 = 1;
    /// `vrrp_track_process` quorum_max when none is given: no maximum (keepalived's `UINT_MAX`).
    pub const PROCESS_QUORUM_MAX: u32 = u32::MAX;
    /// Largest `weight` of a tracker.
    pub const WEIGHT_MAX: i32 = 254;
}

/// An object tracking a tracker (keepalived's `tracking_obj_t`), as the `-d` dump lists it under
/// "Tracking instances". Derived from the trackers' users (vrrp_instance and vrrp_sync_group
/// `track_file`/`track_process`/`track_bfd` lists), which fill it during their validation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TrackingObj {
    /// Name of the tracking VRRP instance.
    pub name: String,
    /// Weight the instance applies (0: the instance goes to FAULT).
    pub weight: i32,
    /// The weight is applied in reverse.
    pub reverse: bool,
    /// Added through a sync group (keepalived's `TRACK_VRRP_DYNAMIC`).
    pub dynamic: bool,
}

/// `init_file [VALUE] [overwrite]`: keepalived writes VALUE to the file at startup.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TrackFileInit {
    /// Value written (default 0).
    pub value: i32,
    /// Write even if the file exists (keepalived's `TRACK_FILE_INIT`); otherwise only create a
    /// missing file (`TRACK_FILE_CREATE`).
    pub overwrite: bool,
}

/// `track_file NAME { ... }` (keepalived's `tracked_file_t`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrackFile {
    /// Name referenced by `track_file` lists.
    pub name: String,
    /// `file PATH`: the file whose number is read (required).
    pub file_path: String,
    /// `weight N` (-254..254, default 1): multiplies the number read.
    pub weight: i32,
    /// `weight N reverse`.
    pub weight_reverse: bool,
    /// `init_file`, if given.
    pub init: Option<TrackFileInit>,
    /// VRRP instances tracking this file; the VRRP validation fills it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tracking_vrrp: Vec<TrackingObj>,
    /// Where it was configured.
    pub origin: Origin,
}

/// How a tracked process's parameters are matched (keepalived's `param_match_t`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamMatch {
    /// Only the process name is matched.
    #[default]
    None,
    /// All parameters must match (`param_match` alone, or parameters after `process`).
    Exact,
    /// The given parameters must be the first ones (`param_match initial`).
    Initial,
    /// The last given parameter may be a prefix (`param_match partial`).
    Partial,
}

/// `vrrp_track_process NAME { ... }` (keepalived's `vrrp_tracked_process_t`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrackProcess {
    /// Name referenced by `track_process` lists.
    pub name: String,
    /// `process PATH ...`: the process name or path (required).
    pub process_path: String,
    /// The words after the path on the `process` line.
    pub params: Vec<String>,
    /// `param_match`.
    pub param_match: ParamMatch,
    /// `weight N` (-254..254, default 0 = FAULT without quorum).
    pub weight: i32,
    /// `weight N reverse`.
    pub weight_reverse: bool,
    /// `quorum N`: minimum number of processes (default 1; 0 only with `quorum_max 0`).
    pub quorum: u32,
    /// `quorum_max N`: maximum number of processes ([`defaults::PROCESS_QUORUM_MAX`] = none).
    pub quorum_max: u32,
    /// `terminate_delay`/`delay`, microseconds (0 = none).
    pub terminate_delay: u32,
    /// `fork_delay`/`delay`, microseconds (0 = none).
    pub fork_delay: u32,
    /// Match against the full command line (`full_command`, or implied by parameters or
    /// `param_match`) rather than the process name.
    pub full_command: bool,
    /// VRRP instances tracking this process; the VRRP validation fills it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tracking_vrrp: Vec<TrackingObj>,
    /// Where it was configured.
    pub origin: Origin,
}

/// Trackers.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TrackConfig {
    /// `track_file` blocks, in order (keepalived does not reject duplicate names; lookups find
    /// the first).
    pub files: Vec<TrackFile>,
    /// `vrrp_track_process` blocks, in order (duplicate names as for files).
    pub processes: Vec<TrackProcess>,
}

impl TrackConfig {
    /// Every `track_file`'s name and path, in order (what both children poll).
    pub fn file_list(&self) -> Vec<(String, String)> {
        self.files
            .iter()
            .map(|f| (f.name.clone(), f.file_path.clone()))
            .collect()
    }

    /// The `track_file` of that name.
    pub fn file(&self, name: &str) -> Option<&TrackFile> {
        self.files.iter().find(|f| f.name == name)
    }
    /// The `vrrp_track_process` of that name.
    pub fn process(&self, name: &str) -> Option<&TrackProcess> {
        self.processes.iter().find(|f| f.name == name)
    }
    /// The `track_file` of that name, to record who tracks it.
    pub fn file_mut(&mut self, name: &str) -> Option<&mut TrackFile> {
        self.files.iter_mut().find(|f| f.name == name)
    }
    /// The `vrrp_track_process` of that name, to record who tracks it.
    pub fn process_mut(&mut self, name: &str) -> Option<&mut TrackProcess> {
        self.processes.iter_mut().find(|f| f.name == name)
    }
}

impl TrackFile {
    /// A track file with keepalived's defaults (weight 1, no path yet).
    pub fn new(name: &str, origin: Origin) -> Self {
        TrackFile {
            name: name.to_string(),
            file_path: String::new(),
            weight: 1,
            weight_reverse: false,
            init: None,
            tracking_vrrp: Vec::new(),
            origin,
        }
    }
}
