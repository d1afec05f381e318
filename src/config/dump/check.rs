//! Dumps of the check configuration.

use super::writer::ConfWriter;
use crate::config::model::Config;

/// Writes the check part of the resolved configuration (keepalived.conf syntax, every value explicit).
pub fn write_resolved(_cfg: &Config, _w: &mut ConfWriter) {}

/// Appends the check lines of keepalived's `-d` dump (its section layout).
pub fn layout(_cfg: &Config, _out: &mut Vec<String>) {}
