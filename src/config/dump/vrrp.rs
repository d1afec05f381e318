//! Dumps of the vrrp configuration.

use super::writer::ConfWriter;
use crate::config::model::Config;

/// Writes the vrrp part of the resolved configuration (keepalived.conf syntax, every value explicit).
pub fn write_resolved(_cfg: &Config, _w: &mut ConfWriter) {}

/// Appends the vrrp lines of keepalived's `-d` dump (its section layout).
pub fn layout(_cfg: &Config, _out: &mut Vec<String>) {}
