//! Keyword tables and handlers for `global_defs` and the other top-level keywords.

use crate::config::parser::{Block, HResult, Keyword, Parser, Words, kw, kw_block};

/// Handler state while `global_defs` is open.
#[derive(Debug, Default)]
pub struct State {}

fn router_id(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.b.cfg.global.router_id = Some(w.get(1)?.to_string());
    Ok(())
}

fn include_check(p: &mut Parser<'_>, w: &Words) -> HResult {
    let words = w.words.clone();
    let mut diags = std::mem::take(&mut p.diags);
    p.reader_mut().include_check_set(&words, &mut diags);
    p.diags = diags;
    Ok(())
}

static GLOBAL_DEFS_KEYWORDS: &[Keyword] = &[kw("router_id", router_id), kw("include_check", include_check)];

/// `global_defs { ... }`.
pub static GLOBAL_DEFS: Block = Block::new("global_defs", &[GLOBAL_DEFS_KEYWORDS], None);

/// Top-level keywords of this family.
pub static ROOT: &[Keyword] = &[kw_block("global_defs", None, &GLOBAL_DEFS)];
