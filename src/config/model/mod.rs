//! The typed configuration model: everything keepalived would run with after loading a
//! configuration, with keepalived 2.2.7's defaults applied. The VRRP engine, the checkers, IPVS and
//! the watchdog all run from this model.

pub mod bfd;
pub mod check;
pub mod global;
pub mod net;
pub mod track;
pub mod vrrp;

use serde::{Serialize, Serializer};

use super::diag::Loc;

/// Where an object was defined. Ignored by equality, so that a configuration re-read from its
/// resolved dump compares equal to the original.
#[derive(Clone, Debug, Default)]
pub struct Origin(pub Option<Loc>);

impl PartialEq for Origin {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Serialize for Origin {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Some(l) => s.serialize_str(&format!("{}:{}", l.file, l.line)),
            None => s.serialize_none(),
        }
    }
}

/// A command to run (notify scripts, `vrrp_script`, `misc_path`, ...), as keepalived's
/// `notify_script_t`: the command line split with keepalived's quoting and escape rules, and the
/// user and group to run it as.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Script {
    /// Program and arguments.
    pub args: Vec<String>,
    /// The user given after the command, if any (otherwise the default script user).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// The group given after the user, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Effective uid the script runs as.
    pub uid: u32,
    /// Effective gid the script runs as.
    pub gid: u32,
    /// Where the script was configured.
    pub origin: Origin,
}

impl Script {
    /// The command line as keepalived prints it in dumps: each word in single quotes.
    pub fn cmd_str(&self) -> String {
        self.args.iter().map(|a| format!("'{a}'")).collect::<Vec<_>>().join(" ")
    }
}

/// The whole configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Config {
    /// `global_defs` and the other top-level settings.
    pub global: global::GlobalDefs,
    /// VRRP: instances, sync groups, scripts, static addresses/routes/rules.
    pub vrrp: vrrp::VrrpConfig,
    /// `static_ipaddress`, `static_routes`, `static_rules`.
    pub statics: net::StaticNet,
    /// Trackers shared by VRRP and the checkers (`track_file`, `vrrp_track_process`).
    pub track: track::TrackConfig,
    /// Health checking and IPVS: virtual servers, groups, checkers, SSL.
    pub check: check::CheckConfig,
    /// BFD instances.
    pub bfd: bfd::BfdConfig,
}
