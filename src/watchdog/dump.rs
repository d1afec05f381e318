//! The parent's SIGUSR1 file `keepalived_parent.data`: its global definitions.

use crate::config::model::Config;

/// Writes `$TMPDIR/keepalived_parent.data` (or `/tmp/…`).
pub fn write_parent_data(cfg: &Config) {
    let mut lines = Vec::new();
    crate::config::dump::global::layout(cfg, &mut lines);
    let mut text = lines.join("\n");
    text.push('\n');
    let path = format!("{}/keepalived_parent.data", crate::log::tmp_dir());
    let _ = std::fs::write(path, text);
}
