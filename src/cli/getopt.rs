//! GNU `getopt_long()` semantics, which keepalived's command line relies on: clustered short
//! options (`-nlD`), attached or separate arguments (`-f x`, `-fx`), optional arguments only when
//! attached (`-tFILE`, `--config-test=FILE`), unique-prefix abbreviation of long options
//! (`--dont-f`), argument permutation, and `--` to end options. No crate reproduces these exactly,
//! and init scripts in the field depend on them.

/// Whether an option takes an argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HasArg {
    /// No argument.
    No,
    /// A required argument (attached or the next word).
    Required,
    /// An optional argument, only when attached.
    Optional,
}

/// A long option and the id it reports.
#[derive(Clone, Copy, Debug)]
pub struct LongOpt {
    /// Name without `--`.
    pub name: &'static str,
    /// Argument kind.
    pub has_arg: HasArg,
    /// Id returned (a short option character, or a private number).
    pub id: i32,
}

/// One parsed option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Opt {
    /// A recognised option with its argument.
    Found {
        /// Id (short option char or long option id).
        id: i32,
        /// Argument, if any.
        arg: Option<String>,
        /// Long option name, when given in long form.
        long: Option<&'static str>,
    },
    /// Unknown option: the text keepalived prints after "Unknown option ".
    Unknown(String),
    /// A required argument is missing: the text after "Missing parameter for option ".
    Missing(String),
    /// An abbreviation matching several long options.
    Ambiguous(String),
}

/// Result of parsing a command line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    /// Options in order.
    pub opts: Vec<Opt>,
    /// Non-option arguments.
    pub rest: Vec<String>,
}

fn short_spec(spec: &str, c: char) -> Option<HasArg> {
    let b: Vec<char> = spec.trim_start_matches([':', '+', '-']).chars().collect();
    let mut i = 0;
    while i < b.len() {
        let ch = b[i];
        let mut kind = HasArg::No;
        if b.get(i + 1) == Some(&':') {
            kind = HasArg::Required;
            if b.get(i + 2) == Some(&':') {
                kind = HasArg::Optional;
                i += 1;
            }
            i += 1;
        }
        if ch == c && ch != ':' {
            return Some(kind);
        }
        i += 1;
    }
    None
}

/// Parses `args` (without the program name) against a getopt short-option string and a table of
/// long options.
pub fn getopt_long(args: &[String], spec: &str, longs: &[LongOpt]) -> Parsed {
    let mut out = Parsed::default();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            out.rest.extend(args[i..].iter().cloned());
            break;
        }
        if let Some(body) = a.strip_prefix("--") {
            let (name, attached) = match body.find('=') {
                Some(e) => (&body[..e], Some(body[e + 1..].to_string())),
                None => (body, None),
            };
            let exact = longs.iter().find(|l| l.name == name);
            let matched = match exact {
                Some(l) => Some(*l),
                None => {
                    let cands: Vec<&LongOpt> = longs.iter().filter(|l| l.name.starts_with(name)).collect();
                    let first = cands.first().copied();
                    let all_same = first.is_some_and(|f| cands.iter().all(|c| c.id == f.id && c.has_arg == f.has_arg));
                    if cands.len() > 1 && !all_same {
                        out.opts.push(Opt::Ambiguous(a.clone()));
                        continue;
                    }
                    first.copied()
                }
            };
            let Some(l) = matched else {
                out.opts.push(Opt::Unknown(a.clone()));
                continue;
            };
            let arg = match l.has_arg {
                HasArg::No => {
                    if attached.is_some() {
                        // glibc: "option '--x' doesn't allow an argument" -> '?'
                        out.opts.push(Opt::Unknown(a.clone()));
                        continue;
                    }
                    None
                }
                HasArg::Optional => attached,
                HasArg::Required => match attached {
                    Some(v) => Some(v),
                    None if i < args.len() => {
                        i += 1;
                        Some(args[i - 1].clone())
                    }
                    None => {
                        out.opts.push(Opt::Missing(format!("--{}", l.name)));
                        continue;
                    }
                },
            };
            out.opts.push(Opt::Found {
                id: l.id,
                arg,
                long: Some(l.name),
            });
            continue;
        }
        if a.len() > 1 && a.starts_with('-') {
            let chars: Vec<char> = a[1..].chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                j += 1;
                match short_spec(spec, c) {
                    None => out.opts.push(Opt::Unknown(format!("-{c}"))),
                    Some(HasArg::No) => out.opts.push(Opt::Found {
                        id: c as i32,
                        arg: None,
                        long: None,
                    }),
                    Some(kind) => {
                        let rest: String = chars[j..].iter().collect();
                        j = chars.len();
                        let arg = if !rest.is_empty() {
                            Some(rest)
                        } else if kind == HasArg::Required {
                            if i < args.len() {
                                i += 1;
                                Some(args[i - 1].clone())
                            } else {
                                out.opts.push(Opt::Missing(format!("-{c}")));
                                continue;
                            }
                        } else {
                            None
                        };
                        out.opts.push(Opt::Found {
                            id: c as i32,
                            arg,
                            long: None,
                        });
                    }
                }
            }
            continue;
        }
        // GNU permutes non-options to the end.
        out.rest.push(a.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LONGS: &[LongOpt] = &[
        LongOpt {
            name: "use-file",
            has_arg: HasArg::Required,
            id: 'f' as i32,
        },
        LongOpt {
            name: "dont-fork",
            has_arg: HasArg::No,
            id: 'n' as i32,
        },
        LongOpt {
            name: "dont-respawn",
            has_arg: HasArg::No,
            id: 'R' as i32,
        },
        LongOpt {
            name: "config-test",
            has_arg: HasArg::Optional,
            id: 't' as i32,
        },
    ];
    const SPEC: &str = ":nRf:t::";

    fn p(a: &[&str]) -> Parsed {
        getopt_long(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>(), SPEC, LONGS)
    }

    fn found(id: char, arg: Option<&str>) -> (i32, Option<String>) {
        (id as i32, arg.map(str::to_string))
    }

    fn ids(p: &Parsed) -> Vec<(i32, Option<String>)> {
        p.opts
            .iter()
            .filter_map(|o| match o {
                Opt::Found { id, arg, .. } => Some((*id, arg.clone())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn clusters_and_arguments() {
        assert_eq!(
            ids(&p(&["-nR", "-f", "x"])),
            vec![found('n', None), found('R', None), found('f', Some("x"))]
        );
        assert_eq!(ids(&p(&["-nfx"])), vec![found('n', None), found('f', Some("x"))]);
        assert_eq!(ids(&p(&["--use-file=y"])), vec![found('f', Some("y"))]);
        assert_eq!(ids(&p(&["--use-file", "y"])), vec![found('f', Some("y"))]);
    }

    #[test]
    fn optional_arguments_only_attached() {
        assert_eq!(ids(&p(&["-t", "file"])), vec![found('t', None)]);
        assert_eq!(p(&["-t", "file"]).rest, ["file"]);
        assert_eq!(ids(&p(&["-tfile"])), vec![found('t', Some("file"))]);
        assert_eq!(ids(&p(&["--config-test=log"])), vec![found('t', Some("log"))]);
        assert_eq!(ids(&p(&["--config-test", "log"])), vec![found('t', None)]);
    }

    #[test]
    fn abbreviations() {
        assert_eq!(ids(&p(&["--dont-f"])), vec![found('n', None)]);
        assert_eq!(p(&["--dont"]).opts, vec![Opt::Ambiguous("--dont".into())]);
        assert_eq!(ids(&p(&["--use", "z"])), vec![found('f', Some("z"))]);
    }

    #[test]
    fn errors() {
        assert_eq!(p(&["-q"]).opts, vec![Opt::Unknown("-q".into())]);
        assert_eq!(p(&["--nope"]).opts, vec![Opt::Unknown("--nope".into())]);
        assert_eq!(p(&["-f"]).opts, vec![Opt::Missing("-f".into())]);
        assert_eq!(p(&["--use-file"]).opts, vec![Opt::Missing("--use-file".into())]);
    }

    #[test]
    fn permutation_and_double_dash() {
        let r = p(&["stray", "-n", "--", "-R"]);
        assert_eq!(ids(&r), vec![found('n', None)]);
        assert_eq!(r.rest, ["stray", "-R"]);
    }
}
