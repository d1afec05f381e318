//! keepalived's `-d` dump of the checker process (`check_data.c`: `dump_check_data()`).

use crate::config::model::Config;

/// Appends the check lines of keepalived's `-d` dump (its section layout).
pub fn layout(_cfg: &Config, _out: &mut Vec<String>) {}
