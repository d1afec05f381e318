//! Keyword tables and handlers for `static_ipaddress`, `static_routes` and `static_rules`.

use crate::config::parser::Keyword;

/// Handler state while these blocks are open.
#[derive(Debug, Default)]
pub struct State {}

/// Top-level keywords of this family.
pub static ROOT: &[Keyword] = &[];
