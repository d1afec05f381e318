//! A url's `regex` with the `regex` crate. keepalived uses PCRE2 (`check_regex()`); the
//! differences: PCRE2-only syntax (backreferences, lookaround, possessive quantifiers,
//! callouts) does not compile here; `regex_options` other than caseless, multiline, dotall,
//! extended, ungreedy and utf/ucp have no equivalent and are ignored; `regex_stack` is
//! meaningless. Without `utf`, matching is on bytes as PCRE2's default is. keepalived matches
//! the stream as it arrives with partial matching; this matches the body once read (at most
//! `MAX_REGEX_BODY` bytes), which finds the same leftmost match.

use regex::bytes::{Regex, RegexBuilder};

use crate::config::model::check::UrlRegex;

/// A compiled `regex` with its offsets.
#[derive(Clone, Debug)]
pub struct Pattern {
    re: Regex,
    /// `regex_no_match`: success when it does not match.
    pub no_match: bool,
    min_offset: usize,
    max_offset: Option<usize>,
}

impl Pattern {
    /// Compiles a url's regex; the error is the `regex` crate's message.
    pub fn new(r: &UrlRegex) -> Result<Pattern, String> {
        let has = |o: &str| r.options.contains(&o);
        let utf = has("utf") || has("ucp");
        let mut b = RegexBuilder::new(&r.pattern);
        b.case_insensitive(has("caseless"))
            .multi_line(has("multiline"))
            .dot_matches_new_line(has("dotall"))
            .ignore_whitespace(has("extended"))
            .swap_greed(has("ungreedy"))
            .unicode(utf);
        let re = b.build().or_else(|e| {
            // Byte mode refuses non-ASCII literals the pattern may hold; PCRE2 takes them as
            // their UTF-8 bytes, which Unicode mode matches alike.
            if utf { Err(e) } else { b.unicode(true).build() }
        });
        let re = re.map_err(|e| e.to_string())?;
        Ok(Pattern {
            re,
            no_match: r.no_match,
            min_offset: usize::try_from(r.min_offset).unwrap_or(usize::MAX),
            max_offset: r.max_offset.map(|m| usize::try_from(m).unwrap_or(usize::MAX)),
        })
    }

    /// Whether the body matches: a match starting at or after `regex_min_offset` and at or
    /// before `regex_max_offset`.
    pub fn matches(&self, body: &[u8]) -> bool {
        if self.min_offset > body.len() {
            return false;
        }
        match self.re.find_at(body, self.min_offset) {
            None => false,
            Some(m) => self.max_offset.is_none_or(|max| m.start() <= max),
        }
    }

    /// Whether the url passes: matched unless `regex_no_match`.
    pub fn passes(&self, body: &[u8]) -> bool {
        self.matches(body) != self.no_match
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rx(p: &str, opts: &[&'static str], min: u64, max: Option<u64>) -> Pattern {
        Pattern::new(&UrlRegex {
            pattern: p.into(),
            options: opts.to_vec(),
            no_match: false,
            min_offset: min,
            max_offset: max,
            stack: None,
        })
        .unwrap()
    }

    #[test]
    fn offsets_bound_the_match_start() {
        let p = rx("ok", &[], 0, None);
        assert!(p.matches(b"all ok"));
        assert!(!rx("OK", &[], 0, None).matches(b"all ok"));
        assert!(rx("OK", &["caseless"], 0, None).matches(b"all ok"));
        assert!(!rx("ok", &[], 5, None).matches(b"all ok"));
        assert!(rx("ok", &[], 4, None).matches(b"all ok"));
        assert!(rx("ok", &[], 0, Some(4)).matches(b"all ok"));
        assert!(!rx("ok", &[], 0, Some(3)).matches(b"all ok"));
        assert!(rx("^b", &["multiline"], 0, None).matches(b"a\nb"));
        assert!(rx("caf\u{e9}", &[], 0, None).matches("caf\u{e9}".as_bytes()));
        assert!(
            rx(".", &[], 0, None).matches(&[0xff]),
            "byte mode like PCRE2 without utf"
        );
    }
}
