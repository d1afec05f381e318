//! Comment stripping, as keepalived's `decomment()`: `#` and `!` start a comment outside double
//! quotes, `\#` and `\!` outside quotes are literal, leading and trailing blanks go, and a final `\`
//! survives (it marks a multi-line `$NAME=` definition).

/// Result of stripping one line.
#[derive(Debug, PartialEq, Eq)]
pub struct Decommented {
    /// The line without comment, with blanks trimmed; ends in `\` if the raw line did.
    pub text: String,
    /// The line had an opening `"` without a closing one; holds the text keepalived quotes in its
    /// "Unterminated quote" message.
    pub unterminated: Option<String>,
}

/// Strips comments and surrounding blanks from one raw line (CR/LF already removed).
pub fn decomment(line: &str) -> Decommented {
    let mut text = String::new();
    let unterminated = decomment_into(line, &mut text);
    Decommented { text, unterminated }
}

/// [`decomment`] writing into a reused buffer (the reader's hot path). Returns the text for an
/// "Unterminated quote" message if a double quote is left open.
pub fn decomment_into(line: &str, out: &mut String) -> Option<String> {
    out.clear();
    let src = line.trim_start_matches([' ', '\t']);
    let b = src.as_bytes();
    // Most lines have nothing to strip but blanks.
    if !b.iter().any(|&c| matches!(c, b'"' | b'\\' | b'#' | b'!')) {
        out.push_str(src.trim_end_matches([' ', '\t']));
        return None;
    }
    let mut quote = false;
    let mut comment_at: Option<usize> = None;
    let mut cont = false;
    let mut seg = 0;
    let mut i = 0;
    // Special characters are ASCII, so slicing at them keeps UTF-8 boundaries.
    while i < b.len() {
        match b[i] {
            b'"' => {
                if comment_at.is_none() {
                    quote = !quote;
                }
                i += 1;
            }
            b'\\' => {
                if i + 1 < b.len() {
                    let next = b[i + 1];
                    if !quote && (next == b'#' || next == b'!') {
                        // The escape is consumed; the character is kept literally.
                        out.push_str(&src[seg..i]);
                        seg = i + 1;
                    }
                    // Any other escaped character is kept with its backslash and never starts a
                    // comment or toggles the quote state.
                    i += 1 + src[i + 1..].chars().next().map_or(1, char::len_utf8);
                } else {
                    out.push_str(&src[seg..i]);
                    seg = b.len();
                    cont = true;
                    break;
                }
            }
            b'!' | b'#' => {
                if !quote && comment_at.is_none() {
                    comment_at = Some(out.len() + (i - seg));
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    if seg < b.len() {
        out.push_str(&src[seg..]);
    }
    let unterminated = quote.then(|| out.clone());
    if let Some(at) = comment_at {
        out.truncate(at);
    }
    let t = out.trim_end_matches([' ', '\t']).len();
    out.truncate(t);
    if cont {
        out.push('\\');
    }
    unterminated
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> String {
        decomment(s).text
    }

    #[test]
    fn hash_and_bang_start_comments() {
        assert_eq!(t("  priority 100 # the priority"), "priority 100");
        assert_eq!(t("priority 100! bang"), "priority 100");
        assert_eq!(t("# whole line"), "");
        assert_eq!(t("! whole line"), "");
    }

    #[test]
    fn quotes_protect_comment_characters() {
        assert_eq!(t(r#"script "/bin/echo #1 !2" # c"#), r#"script "/bin/echo #1 !2""#);
    }

    #[test]
    fn single_quotes_do_not_protect() {
        assert_eq!(t("script '/bin/echo #1'"), "script '/bin/echo");
    }

    #[test]
    fn escaped_comment_characters_are_literal_outside_quotes() {
        assert_eq!(t(r"router_id abc\#def\!x"), "router_id abc#def!x");
        // Inside quotes the escape is kept verbatim.
        assert_eq!(t(r#"x "a\#b""#), r#"x "a\#b""#);
    }

    #[test]
    fn escaped_quote_does_not_toggle_quoting() {
        assert_eq!(t(r#"x a\"b # c"#), r#"x a\"b"#);
    }

    #[test]
    fn trailing_backslash_survives_comment_and_blanks() {
        assert_eq!(t("$A= foo   \\"), "$A= foo\\");
        assert_eq!(t("$A= foo # comment \\"), "$A= foo\\");
    }

    #[test]
    fn unterminated_quote_is_reported_with_the_line() {
        let d = decomment(r#"script "/bin/true"#);
        assert_eq!(d.unterminated.as_deref(), Some(r#"script "/bin/true"#));
        assert_eq!(d.text, r#"script "/bin/true"#);
    }

    #[test]
    fn only_spaces_and_tabs_are_trimmed() {
        assert_eq!(t("\t a b \t"), "a b");
        assert_eq!(t("a\x0b"), "a\x0b");
    }
}
