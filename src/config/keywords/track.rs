//! Keyword tables and handlers for the track blocks.

use crate::config::parser::Keyword;

/// Handler state while track blocks are open.
#[derive(Debug, Default)]
pub struct State {}

/// Top-level keywords of this family.
pub static ROOT: &[Keyword] = &[];
