//! Dumps of the static addresses, routes and rules.

use super::writer::ConfWriter;
use crate::config::model::Config;

/// Writes `static_ipaddress`/`static_routes`/`static_rules` of the resolved configuration.
pub fn write_resolved(_cfg: &Config, _w: &mut ConfWriter) {}

/// Appends the static address/route/rule lines of keepalived's `-d` dump.
pub fn layout(_cfg: &Config, _out: &mut Vec<String>) {}
