//! Keyword tables and handlers for the bfd blocks.

use crate::config::parser::Keyword;

/// Handler state while bfd blocks are open.
#[derive(Debug, Default)]
pub struct State {}

/// Top-level keywords of this family.
pub static ROOT: &[Keyword] = &[];
