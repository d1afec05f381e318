//! `$NAME=VALUE` definitions and their expansion (`$NAME`, `${NAME}`), with keepalived's built-ins
//! `${_PWD}`, `${_INSTANCE}`, `${_RANDOM [MIN [MAX]]}`, `${_HASH}` and `${_BANG}`.

use std::rc::Rc;

/// How a definition produces its text.
#[derive(Clone, Debug)]
pub enum DefKind {
    /// A user definition, or a built-in whose value is fixed.
    Text,
    /// `${_PWD}`: the directory of the file being read.
    Pwd,
    /// `${_INSTANCE}`: the config-id.
    Instance,
    /// `${_RANDOM [MIN [MAX]]}`.
    Random,
}

/// One definition.
#[derive(Clone, Debug)]
pub struct Def {
    /// Name without `$`.
    pub name: String,
    /// Value; a multi-line value holds its lines separated by `\n`.
    pub value: Rc<str>,
    /// Defined with a trailing `\`.
    pub multiline: bool,
    /// How the value is produced.
    pub kind: DefKind,
    /// Whether `${NAME params}` is allowed.
    pub takes_params: bool,
}

/// A use of a definition found at a `$` in a line.
#[derive(Debug, PartialEq, Eq)]
pub struct Use {
    /// Index into [`Defs::list`].
    pub index: usize,
    /// Bytes of the line the use occupies, counted from the `$`.
    pub len: usize,
    /// Parameter text of `${_RANDOM 1 10}` (here `1 10`).
    pub params: Option<String>,
}

/// The definitions known at a point of the read, in definition order (first match wins).
#[derive(Clone, Debug, Default)]
pub struct Defs {
    /// All definitions; the built-ins come first.
    pub list: Vec<Def>,
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl Defs {
    /// The built-in definitions.
    pub fn with_builtins() -> Self {
        let mut d = Defs::default();
        for (name, kind, value, params) in [
            ("_PWD", DefKind::Pwd, "", false),
            ("_INSTANCE", DefKind::Instance, "", false),
            ("_RANDOM", DefKind::Random, "", true),
            ("_HASH", DefKind::Text, "#", false),
            ("_BANG", DefKind::Text, "!", false),
        ] {
            d.list.push(Def {
                name: name.to_string(),
                value: Rc::from(value),
                multiline: false,
                kind,
                takes_params: params,
            });
        }
        d
    }

    /// Finds the definition used at `s` (the text just after a `$`), as keepalived's
    /// `find_definition()`: `$NAME` must be followed by a blank, `,`, `)` or the end of the line;
    /// `${NAME}` may carry digit parameters for definitions that take them. A multi-line definition
    /// is only expanded at the end of a line.
    pub fn find_use(&self, s: &str) -> Option<Use> {
        let b = s.as_bytes();
        let braces = b.first() == Some(&b'{');
        let start = usize::from(braces);
        if !b.get(start).copied().is_some_and(is_name_start) {
            return None;
        }
        let mut p = start + 1;
        while p < b.len() && is_name_char(b[p]) {
            p += 1;
        }
        let name = &s[start..p];
        let mut params: Option<(usize, usize)> = None;
        let len;
        if braces {
            let mut first = None;
            let mut last = 0;
            while p < b.len() && (b[p] == b' ' || b[p].is_ascii_digit()) {
                if b[p] != b' ' {
                    first.get_or_insert(p);
                    last = p;
                }
                p += 1;
            }
            if let Some(f) = first {
                if last + 1 != p {
                    return None;
                }
                params = Some((f, last + 1));
            }
            if b.get(p) != Some(&b'}') {
                return None;
            }
            len = p + 2; // '$' .. '}' inclusive
        } else {
            if p < b.len() && !matches!(b[p], b' ' | b'\t' | b',' | b')') {
                return None;
            }
            len = p + 1;
        }
        // keepalived tests the character after the bare name (or after name+1 with braces).
        let name_end = start + name.len();
        let allow_multiline = if braces {
            name_end + 1 == b.len()
        } else {
            name_end == b.len()
        };
        let index = self
            .list
            .iter()
            .position(|d| d.name == name && (allow_multiline || !d.multiline))?;
        if params.is_some() && !self.list[index].takes_params {
            return None;
        }
        Some(Use {
            index,
            len,
            params: params.map(|(a, z)| s[a..z].to_string()),
        })
    }

    /// Sets (or replaces) a single-line definition, as `~SEQ`/`~LST` do for their variables.
    pub fn set(&mut self, name: &str, value: &str) {
        let v: Rc<str> = Rc::from(value);
        if let Some(d) = self.list.iter_mut().find(|d| d.name == name && !d.multiline) {
            d.value = v;
            d.kind = DefKind::Text;
        } else {
            self.list.push(Def {
                name: name.to_string(),
                value: v,
                multiline: false,
                kind: DefKind::Text,
                takes_params: false,
            });
        }
    }

    /// Handles a `$NAME=VALUE` line as keepalived's `check_definition()`. Returns the index of the
    /// definition if the line is one. The name must be followed directly by `=`.
    pub fn check_definition(&mut self, buf: &str) -> Option<usize> {
        let b = buf.as_bytes();
        if b.first() != Some(&b'$') || !b.get(1).copied().is_some_and(is_name_start) {
            return None;
        }
        let mut p = 2;
        while p < b.len() && b[p] != b'=' {
            if !is_name_char(b[p]) {
                return None;
            }
            p += 1;
        }
        if p >= b.len() {
            return None;
        }
        let name = &buf[1..p];
        // Skip '=' and following blanks.
        let mut v = p + 1;
        while v < b.len() && (b[v] == b' ' || b[v] == b'\t') {
            v += 1;
        }
        let mut value = &buf[v..];
        let multiline = value.ends_with('\\');
        let stored: String = if multiline {
            value = value[..value.len() - 1].trim_end_matches([' ', '\t']);
            if value.is_empty() {
                String::new()
            } else {
                format!("{value}\n")
            }
        } else {
            value.to_string()
        };
        let idx = match self.list.iter().position(|d| d.name == name) {
            Some(i) => i,
            None => {
                self.list.push(Def {
                    name: name.to_string(),
                    value: Rc::from(""),
                    multiline: false,
                    kind: DefKind::Text,
                    takes_params: false,
                });
                self.list.len() - 1
            }
        };
        let d = &mut self.list[idx];
        d.value = Rc::from(stored);
        d.multiline = multiline;
        // Overriding a built-in makes it a plain definition.
        d.kind = DefKind::Text;
        Some(idx)
    }

    /// Appends a continuation line to the multi-line definition `idx` (keepalived's read_line()
    /// logic): a line ending in `\` continues it; any other line is its last line.
    /// Returns whether the definition continues.
    pub fn continue_multiline(&mut self, idx: usize, line: &str) -> bool {
        let mut text = line.to_string();
        let cont = text.ends_with('\\');
        if cont {
            text.pop();
            let t = text.trim_end_matches([' ', '\t']).len();
            text.truncate(t);
            text.push('\n');
        }
        let d = &mut self.list[idx];
        if !cont && d.value.is_empty() {
            d.multiline = false;
        }
        // keepalived does not add blank continuation lines.
        if text.len() >= 2 || (!text.is_empty() && !cont) {
            let mut v = d.value.to_string();
            v.push_str(&text);
            d.value = Rc::from(v);
        }
        cont
    }

    /// Ends a multi-line definition early (a blank raw line).
    pub fn end_multiline(&mut self, idx: usize) {
        let d = &mut self.list[idx];
        if d.value.is_empty() {
            d.multiline = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defs(pairs: &[(&str, &str)]) -> Defs {
        let mut d = Defs::with_builtins();
        for (n, v) in pairs {
            d.check_definition(&format!("${n}={v}")).unwrap();
        }
        d
    }

    #[test]
    fn definition_needs_equals_right_after_name() {
        let mut d = Defs::with_builtins();
        assert!(d.check_definition("$A=1").is_some());
        assert!(d.check_definition("$B = 1").is_none());
        assert!(d.check_definition("$1A=1").is_none());
        assert!(d.check_definition("$A").is_none());
        let i = d.check_definition("$C=   spaced value").unwrap();
        assert_eq!(&*d.list[i].value, "spaced value");
    }

    #[test]
    fn use_requires_a_terminator() {
        let d = defs(&[("A", "x")]);
        assert!(d.find_use("A").is_some());
        assert!(d.find_use("A rest").is_some());
        assert!(d.find_use("A,").is_some());
        assert!(d.find_use("A)").is_some());
        assert!(d.find_use("A/32").is_none(), "$A/32 is not a use of A");
        let u = d.find_use("{A}/32").unwrap();
        assert_eq!(u.len, 4);
    }

    #[test]
    fn random_takes_params_others_do_not() {
        let d = defs(&[("A", "x")]);
        let u = d.find_use("{_RANDOM 1 10}").unwrap();
        assert_eq!(u.params.as_deref(), Some("1 10"));
        assert_eq!(u.len, 15);
        assert!(d.find_use("{A 1}").is_none());
        assert!(d.find_use("{_RANDOM 1 }").is_none(), "params must not end with a space");
    }

    #[test]
    fn multiline_only_at_end_of_line() {
        let mut d = Defs::with_builtins();
        let i = d.check_definition("$M= first \\").unwrap();
        assert!(d.list[i].multiline);
        assert_eq!(&*d.list[i].value, "first\n");
        assert!(d.continue_multiline(i, "second \\"));
        assert!(!d.continue_multiline(i, "third"));
        assert_eq!(&*d.list[i].value, "first\nsecond\nthird");
        assert!(d.find_use("M").is_some());
        assert!(d.find_use("M more").is_none());
    }

    #[test]
    fn redefinition_replaces_in_place() {
        let mut d = defs(&[("A", "1"), ("B", "2")]);
        d.check_definition("$A=3").unwrap();
        let u = d.find_use("A").unwrap();
        assert_eq!(&*d.list[u.index].value, "3");
        assert_eq!(d.list.iter().filter(|x| x.name == "A").count(), 1);
    }
}
