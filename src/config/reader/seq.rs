//! `~SEQ(var, [start,] [step,] end) TEXT`, `~SEQx(...)` (hexadecimal) and
//! `~LST(var, v1, v2, ...)` / `~LST({a,b}, {1,2}, {3,4}) TEXT`: the rest of the line is repeated
//! with the variables defined for each value, as keepalived's `add_seq()` / `add_lst()`.

/// A pending repetition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seq {
    /// `~SEQ`/`~SEQx`.
    Numbers {
        /// Variable name.
        var: String,
        /// Next value to produce.
        next: i64,
        /// Last value (inclusive).
        last: i64,
        /// Increment, never 0.
        step: i64,
        /// Format values in hexadecimal.
        hex: bool,
        /// The text repeated.
        text: String,
    },
    /// `~LST`.
    List {
        /// Variable names.
        vars: Vec<String>,
        /// Value sets still to produce, in order.
        sets: std::collections::VecDeque<Vec<String>>,
        /// The text repeated.
        text: String,
    },
}

/// Why a `~SEQ`/`~LST` line was rejected; the message is keepalived's.
#[derive(Debug, PartialEq, Eq)]
pub enum SeqError {
    /// keepalived reports this message, then "Invalid ~SEQ specification".
    Message(String),
    /// Only the generic "Invalid ~SEQ/~LST specification" message.
    Invalid,
}

/// C `strtol(s, &end, 0)`: the value and the number of bytes consumed (0 if no digits).
pub fn strtol0(s: &str) -> (i64, usize) {
    let r = crate::config::cnum::strtol(s, 0);
    (r.value, r.end)
}

fn skip_blanks(s: &str, i: usize) -> usize {
    let b = s.as_bytes();
    let mut i = i;
    while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
        i += 1;
    }
    i
}

fn span_until(s: &str, i: usize, stop: &[u8]) -> usize {
    let b = s.as_bytes();
    let mut i = i;
    while i < b.len() && !stop.contains(&b[i]) {
        i += 1;
    }
    i
}

/// Parses `~SEQ(...)`/`~SEQx(...)` from `buf` (which starts with `~SEQ`). `params` holds the text
/// between the parentheses after definition expansion (keepalived expands definitions inside the
/// parameter list), supplied by the caller through `expand`.
pub fn parse_seq(buf: &str, expand: &mut dyn FnMut(&str) -> Result<String, SeqError>) -> Result<Seq, SeqError> {
    let b = buf.as_bytes();
    let mut p = 4;
    let hex = b.get(p) == Some(&b'x');
    if hex {
        p += 1;
    }
    p = skip_blanks(buf, p);
    if b.get(p) != Some(&b'(') {
        return Err(SeqError::Invalid);
    }
    p = skip_blanks(buf, p + 1);
    let var_start = p;
    p = span_until(buf, p, b" \t,)");
    let var = &buf[var_start..p];
    p = skip_blanks(buf, p);
    let invalid_def = || SeqError::Message(format!("Invalid ~SEQ definition '{buf}'"));
    if p >= b.len() || b[p] == b')' || var.is_empty() {
        return Err(invalid_def());
    }
    // keepalived skips one character here (the ',' it expects) without checking it.
    let skip = buf[p..].chars().next().map_or(1, char::len_utf8);
    p = skip_blanks(buf, p + skip);
    let close = buf[p..].find(')').map(|i| p + i).ok_or_else(invalid_def)?;
    let params = expand(&buf[p..=close])?;
    let mut q = 0usize;
    let (one, n) = strtol0(&params[q..]);
    q = skip_blanks(&params, q + n);
    let (start, step, end);
    let at = |q: usize| params.as_bytes().get(q).copied();
    if at(q) == Some(b')') {
        end = one;
        step = if end < 1 { -1 } else { 1 };
        start = if end < 0 { -1 } else { 1 };
    } else {
        if at(q) != Some(b',') {
            return Err(invalid_def());
        }
        let (two, n) = strtol0(&params[q + 1..]);
        q = skip_blanks(&params, q + 1 + n);
        if at(q) == Some(b')') {
            start = one;
            end = two;
            step = if start <= end { 1 } else { -1 };
        } else {
            if at(q) != Some(b',') {
                return Err(invalid_def());
            }
            let (three, n) = strtol0(&params[q + 1..]);
            q = skip_blanks(&params, q + 1 + n);
            if at(q) != Some(b')') {
                return Err(invalid_def());
            }
            start = one;
            step = two;
            end = three;
            if step == 0 || (start < end && step < 0) || (start > end && step > 0) {
                return Err(SeqError::Message(format!("Invalid ~SEQ values '{buf}'")));
            }
        }
    }
    if hex && (start < 0 || end < 0) {
        return Err(SeqError::Message(format!(
            "~SEQx is only valid for positive numbers '{buf}'"
        )));
    }
    let text_start = skip_blanks(buf, close + 1);
    Ok(Seq::Numbers {
        var: var.to_string(),
        next: start,
        last: end,
        step,
        hex,
        text: buf[text_start..].to_string(),
    })
}

/// Parses `~LST(...)` from `buf` (which starts with `~LST`).
pub fn parse_lst(buf: &str) -> Result<Seq, SeqError> {
    let b = buf.as_bytes();
    let at = |i: usize| b.get(i).copied();
    let mut p = skip_blanks(buf, 4);
    if at(p) != Some(b'(') {
        return Err(SeqError::Invalid);
    }
    p = skip_blanks(buf, p + 1);
    let mut end_char = b',';
    if at(p) == Some(b'{') {
        end_char = b'}';
        p = skip_blanks(buf, p + 1);
    }
    let mut vars = Vec::new();
    loop {
        let s = p;
        p = span_until(buf, p, b" \t,}");
        vars.push(buf[s..p].to_string());
        p = skip_blanks(buf, p);
        if at(p) == Some(end_char) {
            break;
        }
        if at(p) != Some(b',') {
            return Err(SeqError::Invalid);
        }
        p = skip_blanks(buf, p + 1);
    }
    if at(p) == Some(b'}') {
        p = skip_blanks(buf, p + 1);
    }
    if at(p) != Some(b',') {
        return Err(SeqError::Invalid);
    }
    p = skip_blanks(buf, p + 1);
    let mut sets = std::collections::VecDeque::new();
    loop {
        let mut end_char = b',';
        if at(p) == Some(b'{') {
            end_char = b'}';
            p = skip_blanks(buf, p + 1);
        }
        let mut values = Vec::new();
        loop {
            let s = p;
            p = span_until(buf, p, b" \t,})");
            values.push(buf[s..p].to_string());
            p = skip_blanks(buf, p);
            if at(p) == Some(end_char) || (at(p) == Some(b')') && end_char == b',') {
                break;
            }
            if at(p) != Some(b',') {
                return Err(SeqError::Invalid);
            }
            p = skip_blanks(buf, p + 1);
            if values.len() > vars.len() - 1 {
                return Err(SeqError::Message(format!(
                    "~LST specification has too many values '{buf}'"
                )));
            }
        }
        while values.len() < vars.len() {
            values.push(String::new());
        }
        sets.push_back(values);
        if at(p) == Some(b'}') && end_char == b'}' {
            p = skip_blanks(buf, p + 1);
        }
        if at(p) == Some(b')') {
            break;
        }
        if at(p) != Some(b',') {
            return Err(SeqError::Invalid);
        }
        p = skip_blanks(buf, p + 1);
    }
    let text_start = skip_blanks(buf, p + 1);
    Ok(Seq::List {
        vars,
        sets,
        text: buf.get(text_start..).unwrap_or("").to_string(),
    })
}

impl Seq {
    /// Defines the variables for the next repetition and returns its text, or `None` when done.
    /// The second value tells whether this was the last repetition.
    pub fn next_line(&mut self, set: &mut dyn FnMut(&str, &str)) -> Option<(String, bool)> {
        match self {
            Seq::Numbers {
                var,
                next,
                last,
                step,
                hex,
                text,
            } => {
                let v = if *hex {
                    format!("{:x}", *next as u64)
                } else {
                    next.to_string()
                };
                set(var, &v);
                *next = next.saturating_add(*step);
                let done = (*step > 0 && *next > *last) || (*step < 0 && *next < *last);
                Some((text.clone(), done))
            }
            Seq::List { vars, sets, text } => {
                let values = sets.pop_front()?;
                for (n, v) in vars.iter().zip(values.iter()) {
                    set(n, v);
                }
                Some((text.clone(), sets.is_empty()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seq(s: &str) -> Result<Seq, SeqError> {
        parse_seq(s, &mut |p| Ok(p.to_string()))
    }

    fn values(mut s: Seq) -> Vec<String> {
        let mut out = Vec::new();
        loop {
            let mut cur = Vec::new();
            let Some((_, last)) = s.next_line(&mut |n, v| cur.push(format!("{n}={v}"))) else {
                break;
            };
            out.push(cur.join(","));
            if last {
                break;
            }
        }
        out
    }

    #[test]
    fn seq_forms() {
        assert_eq!(values(seq("~SEQ(i, 3) x").unwrap()), ["i=1", "i=2", "i=3"]);
        assert_eq!(values(seq("~SEQ(i, 2, 4) x").unwrap()), ["i=2", "i=3", "i=4"]);
        assert_eq!(values(seq("~SEQ(i, 10, -5, 0) x").unwrap()), ["i=10", "i=5", "i=0"]);
        assert_eq!(values(seq("~SEQ(i, 4, 2) x").unwrap()), ["i=4", "i=3", "i=2"]);
        assert_eq!(values(seq("~SEQ(i, -2) x").unwrap()), ["i=-1", "i=-2"]);
        assert_eq!(values(seq("~SEQx(i, 9, 11) x").unwrap()), ["i=9", "i=a", "i=b"]);
        assert_eq!(values(seq("~SEQ(i, 0x10, 0x11) x").unwrap()), ["i=16", "i=17"]);
    }

    #[test]
    fn seq_text_is_rest_of_line() {
        let Seq::Numbers { text, .. } = seq("~SEQ(i,1,2)   vrrp_instance VI_$i {").unwrap() else {
            panic!()
        };
        assert_eq!(text, "vrrp_instance VI_$i {");
    }

    #[test]
    fn seq_errors() {
        assert!(matches!(seq("~SEQ(i, 1, 0, 5) x"), Err(SeqError::Message(m)) if m.starts_with("Invalid ~SEQ values")));
        assert!(matches!(seq("~SEQ(i, 5, 1, 1) x"), Err(SeqError::Message(_))));
        assert!(matches!(seq("~SEQx(i, -1, 2) x"), Err(SeqError::Message(m)) if m.starts_with("~SEQx is only")));
        assert!(
            matches!(seq("~SEQ(i, 1, 2"), Err(SeqError::Message(_))),
            "no ')' must not crash"
        );
        assert!(matches!(seq("~SEQ(i)"), Err(SeqError::Message(_))));
        assert!(matches!(seq("~SEQ i"), Err(SeqError::Invalid)));
        // Found by fuzzing: a multi-byte character where the ',' is expected.
        assert!(seq("~SEQ(i\u{e9}1, 2) x").is_ok());
    }

    #[test]
    fn lst_forms() {
        assert_eq!(values(parse_lst("~LST(i, a, b, c) x").unwrap()), ["i=a", "i=b", "i=c"]);
        assert_eq!(
            values(parse_lst("~LST({a, b}, {1, 2}, {3}) x").unwrap()),
            ["a=1,b=2", "a=3,b="]
        );
        assert!(matches!(parse_lst("~LST({a}, {1, 2}) x"), Err(SeqError::Message(_))));
        assert!(matches!(parse_lst("~LST(a b) x"), Err(SeqError::Invalid)));
    }

    #[test]
    fn strtol_like_c() {
        assert_eq!(strtol0(" 12)"), (12, 3));
        assert_eq!(strtol0("-7"), (-7, 2));
        assert_eq!(strtol0("010"), (8, 3));
        assert_eq!(strtol0("0x1f,"), (31, 4));
        assert_eq!(strtol0("abc"), (0, 0));
        assert_eq!(strtol0("0xg"), (0, 1));
    }
}
