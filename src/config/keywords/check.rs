//! Keyword tables and handlers for the check blocks.

use crate::config::parser::Keyword;

/// Handler state while check blocks are open.
#[derive(Debug, Default)]
pub struct State {}

/// Top-level keywords of this family.
pub static ROOT: &[Keyword] = &[];
