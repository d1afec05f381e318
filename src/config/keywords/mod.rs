//! Keyword tables: one module per keyword family, assembled into the top-level table in
//! keepalived's order (global, VRRP and the static address/route/rule blocks, checker, BFD,
//! trackers).

pub mod bfd;
pub mod check;
pub mod global;
pub mod net;
pub mod track;
pub mod vrrp;

use super::parser::Block;

/// The top-level keyword table.
pub static ROOT: Block = Block::new(
    "top level",
    &[global::ROOT, vrrp::ROOT, net::ROOT, check::ROOT, bfd::ROOT, track::ROOT],
    None,
);
