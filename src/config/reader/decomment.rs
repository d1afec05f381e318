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
    let src = line.trim_start_matches([' ', '\t']).as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(src.len());
    let mut quote = false;
    let mut comment_at: Option<usize> = None;
    let mut cont = false;
    let mut i = 0;
    while i < src.len() {
        let c = src[i];
        match c {
            b'"' => {
                if comment_at.is_none() {
                    quote = !quote;
                }
                out.push(c);
                i += 1;
            }
            b'\\' => {
                if i + 1 < src.len() {
                    let next = src[i + 1];
                    if !quote && (next == b'#' || next == b'!') {
                        // The escape is consumed; the character is kept literally.
                        out.push(next);
                    } else {
                        // Any other escaped character is kept with its backslash and never
                        // starts a comment or toggles the quote state.
                        out.push(c);
                        out.push(next);
                    }
                    i += 2;
                } else {
                    cont = true;
                    break;
                }
            }
            b'!' | b'#' => {
                if !quote && comment_at.is_none() {
                    comment_at = Some(out.len());
                }
                out.push(c);
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    let unterminated = quote.then(|| String::from_utf8_lossy(&out).into_owned());
    if let Some(at) = comment_at {
        out.truncate(at);
    }
    while matches!(out.last(), Some(b' ' | b'\t')) {
        out.pop();
    }
    if cont {
        out.push(b'\\');
    }
    // Only ASCII bytes were removed or moved, at ASCII positions, so UTF-8 stays valid.
    let text = String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Decommented { text, unterminated }
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
