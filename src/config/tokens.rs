//! Splitting a logical line into words, as keepalived does it in two ways:
//! [`split_words`] (`alloc_strvec_r()`, used for every keyword line) and [`split_command`]
//! (`alloc_strvec_quoted_escaped()`, used for script command lines).

const WHITE: &[u8] = b" \t\x0c\n\r\x0b";

fn is_white(b: u8) -> bool {
    WHITE.contains(&b)
}

/// Splits a line on blanks; a word starting with `"` runs to the next `"` (quotes removed).
/// Returns the words and, if a quote is not closed, the text for keepalived's
/// "Unmatched quote" message (the words before it are kept).
pub fn split_words(line: &str) -> (Vec<String>, Option<String>) {
    let b = line.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && is_white(b[i]) {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        if b[i] == b'"' {
            let start = i + 1;
            match line[start..].find('"') {
                Some(j) => {
                    words.push(line[start..start + j].to_string());
                    i = start + j + 1;
                }
                None => return (words, Some(line.to_string())),
            }
        } else {
            let start = i;
            while i < b.len() && !is_white(b[i]) && b[i] != b'"' {
                i += 1;
            }
            words.push(line[start..i].to_string());
        }
    }
    (words, None)
}

/// Why a command line could not be split.
#[derive(Debug, PartialEq, Eq)]
pub enum CommandError {
    /// An opening `"` or `'` is not closed: keepalived's "String '%s': missing terminating %c".
    MissingQuote(char),
    /// A `\` ends the line: keepalived's "Missing escape char at end: '%s'" (a log message).
    TrailingEscape,
}

/// Splits a script command line the way keepalived's `alloc_strvec_quoted_escaped()` does: both
/// `"` and `'` quote, quotes may be glued to text (`ab" c"d` is one word `ab cd`), and the C
/// escapes `\a \b \E \f \n \r \t \v \NNN \xHH \cC` are decoded; any other escaped character
/// stands for itself.
pub fn split_command(src: &str) -> Result<Vec<String>, CommandError> {
    let b = src.as_bytes();
    let mut words = Vec::new();
    let mut quote: u8 = 0;
    let mut i = 0;
    loop {
        while i < b.len() && is_white(b[i]) {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let mut word: Vec<u8> = Vec::new();
        while i < b.len() {
            let c = b[i];
            if quote != 0 {
                if c == b'\\' {
                    // handled below
                } else if c == quote {
                    quote = 0;
                    i += 1;
                    continue;
                } else {
                    word.push(c);
                    i += 1;
                    continue;
                }
            } else if is_white(c) {
                break;
            } else if c == b'"' || c == b'\'' {
                quote = c;
                i += 1;
                continue;
            } else if c != b'\\' {
                word.push(c);
                i += 1;
                continue;
            }
            // A backslash escape.
            i += 1;
            if i >= b.len() {
                return Err(CommandError::TrailingEscape);
            }
            let e = b[i];
            if e == b'x' && b.get(i + 1).is_some_and(|h| h.is_ascii_hexdigit()) {
                i += 1;
                let mut v: u8 = 0;
                while i < b.len() && b[i].is_ascii_hexdigit() {
                    v = (v << 4) | (b[i] as char).to_digit(16).unwrap_or(0) as u8;
                    i += 1;
                }
                word.push(v);
            } else if e == b'c' && i + 1 < b.len() {
                word.push(b[i + 1] & 0x1f);
                i += 2;
            } else if (b'0'..=b'7').contains(&e) {
                let mut v: u8 = e - b'0';
                i += 1;
                for _ in 0..2 {
                    if i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                        v = (v << 3).wrapping_add(b[i] - b'0');
                        i += 1;
                    }
                }
                word.push(v);
            } else {
                word.push(match e {
                    b'a' => 0x07,
                    b'b' => 0x08,
                    b'E' => 0x1b,
                    b'f' => 0x0c,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'v' => 0x0b,
                    other => other,
                });
                i += 1;
            }
        }
        if quote != 0 {
            return Err(CommandError::MissingQuote(quote as char));
        }
        words.push(String::from_utf8_lossy(&word).into_owned());
    }
    if quote != 0 {
        return Err(CommandError::MissingQuote(quote as char));
    }
    Ok(words)
}

/// Quotes a word so that [`split_words`] gives it back unchanged (used by the resolved dump).
pub fn quote_word(w: &str) -> String {
    let plain = !w.is_empty()
        && !w
            .bytes()
            .any(|c| is_white(c) || matches!(c, b'"' | b'#' | b'!' | b'{' | b'}' | b'\\'))
        && !w.starts_with(['@', '$', '~']);
    if plain { w.to_string() } else { format!("\"{w}\"") }
}

/// Quotes a command word so that [`split_command`] gives it back unchanged.
pub fn quote_command_word(w: &str) -> String {
    let plain = !w.is_empty()
        && !w
            .bytes()
            .any(|c| is_white(c) || matches!(c, b'"' | b'\'' | b'#' | b'!' | b'{' | b'}' | b'\\'))
        && !w.starts_with(['@', '$', '~']);
    if plain {
        return w.to_string();
    }
    let mut o = String::from("\"");
    for c in w.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\t' => o.push_str("\\t"),
            '\r' => o.push_str("\\r"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\x{:02x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_quotes() {
        let (w, e) = split_words(r#"notify_master "/bin/a b"  c"#);
        assert_eq!(w, ["notify_master", "/bin/a b", "c"]);
        assert!(e.is_none());
        let (w, _) = split_words(r#"abc"def""#);
        assert_eq!(w, ["abc", "def"]);
        let (w, _) = split_words("a\x0bb");
        assert_eq!(w, ["a", "b"]);
    }

    #[test]
    fn unmatched_quote_keeps_earlier_words() {
        let (w, e) = split_words(r#"script "/bin/true"#);
        assert_eq!(w, ["script"]);
        assert_eq!(e.as_deref(), Some(r#"script "/bin/true"#));
    }

    #[test]
    fn command_quoting_and_escapes() {
        assert_eq!(
            split_command(r#"abcd" efg h jkl "mnop"#).unwrap(),
            ["abcd efg h jkl mnop"]
        );
        assert_eq!(
            split_command(r#"/bin/x 'a "b"' "c 'd'""#).unwrap(),
            ["/bin/x", r#"a "b""#, "c 'd'"]
        );
        assert_eq!(
            split_command(r"a\tb \x41\101 \cA \q").unwrap(),
            ["a\tb", "AA", "\u{1}", "q"]
        );
        assert_eq!(split_command(r#""a\"b""#).unwrap(), [r#"a"b"#]);
        assert_eq!(split_command(r#""open"#), Err(CommandError::MissingQuote('"')));
        assert_eq!(split_command(r"x\"), Err(CommandError::TrailingEscape));
        assert_eq!(split_command("   ").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn quoting_round_trips() {
        for w in ["plain", "two words", "a#b", "{", "$X", "", "tab\there"] {
            let (back, _) = split_words(&quote_word(w));
            assert_eq!(back, [w]);
        }
        for w in ["plain", "two words", "q\"uote", "back\\slash", "it's", "nl\nx", "\u{1}"] {
            assert_eq!(split_command(&quote_command_word(w)).unwrap(), [w]);
        }
    }
}
