//! Model of the trackers shared by VRRP and the checkers: `track_file` (alias `vrrp_track_file`)
//! and `vrrp_track_process`.

use serde::Serialize;

use super::Origin;

/// `track_file NAME { ... }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrackFile {
    /// Name referenced by `track_file` lists.
    pub name: String,
    /// Where it was configured.
    pub origin: Origin,
}

/// `vrrp_track_process NAME { ... }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrackProcess {
    /// Name referenced by `track_process` lists.
    pub name: String,
    /// Where it was configured.
    pub origin: Origin,
}

/// Trackers.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TrackConfig {
    /// `track_file` blocks, in order.
    pub files: Vec<TrackFile>,
    /// `vrrp_track_process` blocks, in order.
    pub processes: Vec<TrackProcess>,
}

impl TrackConfig {
    /// The `track_file` of that name.
    pub fn file(&self, name: &str) -> Option<&TrackFile> {
        self.files.iter().find(|f| f.name == name)
    }
    /// The `vrrp_track_process` of that name.
    pub fn process(&self, name: &str) -> Option<&TrackProcess> {
        self.processes.iter().find(|f| f.name == name)
    }
}
