//! The configuration reader's lexical rules, one test each, on files in a temporary directory:
//! comments, quotes, braces, includes, definitions, conditional lines, ~SEQ/~LST, locations,
//! and inputs on which keepalived hangs or crashes.

use std::path::Path;

use keepalived_rs::config::diag::{Diagnostics, Level};
use keepalived_rs::config::reader::random::GlibcRandom;
use keepalived_rs::config::reader::{Reader, ReaderOptions, include::check};

/// Reads `main` from `dir` and returns "line@file:N" strings and the diagnostics.
fn read_opts(dir: &Path, main: &str, opts: ReaderOptions) -> (Vec<String>, Diagnostics) {
    let mut diags = Diagnostics::default();
    let mut r = Reader::new(ReaderOptions {
        cwd: dir.to_path_buf(),
        ..opts
    });
    let mut out = Vec::new();
    if r.open_main(main, &mut diags) {
        while let Some(line) = r.next_line(&mut diags) {
            let line = line.to_string();
            let loc = r.loc().map(|l| format!("{}:{}", l.file, l.line)).unwrap_or_default();
            out.push(format!("{line}@{loc}"));
        }
        r.finish(&mut diags);
    }
    diags.file_error |= r.file_error;
    (out, diags)
}

fn opts() -> ReaderOptions {
    ReaderOptions {
        config_id: Some("lb1".into()),
        random_seed: Some(7),
        ..ReaderOptions::default()
    }
}

/// Writes files (name, content) into a fresh directory and reads the first one.
fn read_files(files: &[(&str, &str)]) -> (Vec<String>, Diagnostics, tempfile::TempDir) {
    let d = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let p = d.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let (l, g) = read_opts(d.path(), files[0].0, opts());
    (l, g, d)
}

/// Lines only (without locations).
fn lines(text: &str) -> Vec<String> {
    let (l, _, _) = read_files(&[("k.conf", text)]);
    l.into_iter()
        .map(|s| s.rsplit_once('@').unwrap().0.to_string())
        .collect()
}

fn messages(d: &Diagnostics) -> Vec<String> {
    d.items
        .iter()
        .filter(|x| x.level != Level::Info)
        .map(|x| x.to_string())
        .collect()
}

#[test]
fn comments_hash_and_bang_outside_double_quotes() {
    assert_eq!(
        lines("a 1 # c\nb 2 ! c\n# full\n! full\nc \"x # y ! z\"\nd 'x # y'\n"),
        ["a 1", "b 2", "c \"x # y ! z\"", "d 'x"]
    );
}

#[test]
fn escaped_comment_characters_are_literal() {
    assert_eq!(lines("a b\\#c\\!d # real comment\n"), ["a b#c!d"]);
}

#[test]
fn blank_lines_whitespace_and_crlf() {
    assert_eq!(lines("\n  \t  a   b  \t\r\n\r\n\tc\r\n"), ["a   b", "c"]);
}

#[test]
fn braces_split_lines_and_a_block_fits_on_one_line() {
    assert_eq!(
        lines("vrrp_instance X { state MASTER }\n"),
        ["vrrp_instance X", "{", "state MASTER", "}"]
    );
    assert_eq!(lines("a {\n}\n"), ["a", "{", "}"]);
    assert_eq!(lines("k \"{ not a brace }\"\n"), ["k \"{ not a brace }\""]);
    assert_eq!(lines("x { y { z } }\n"), ["x", "{", "y", "{", "z", "}", "}"]);
}

#[test]
fn extra_and_missing_braces_are_reported_where_they_are() {
    let (_, d, _) = read_files(&[("k.conf", "a {\n b\n}\n}\n")]);
    assert_eq!(messages(&d), ["(k.conf: Line 4) Extra '}' found"]);
    let (_, d, _) = read_files(&[("k.conf", "x\nblock {\n  inner {\n  }\n")]);
    let m = messages(&d);
    assert_eq!(m.len(), 1);
    assert!(
        m[0].starts_with("(k.conf: Line 2) There are 1 missing '}'s or extra '{'s"),
        "{m:?}"
    );
}

#[test]
fn every_line_keeps_file_and_line() {
    let (l, _, _) = read_files(&[
        ("main.conf", "a\n\ninclude sub/x.inc\nb { c\n"),
        ("sub/x.inc", "# comment\nfrom_include\n"),
    ]);
    assert_eq!(
        l,
        [
            "a@main.conf:1",
            "from_include@sub/x.inc:2",
            "b@main.conf:4",
            "{@main.conf:4",
            "c@main.conf:4"
        ]
    );
}

#[test]
fn includes_resolve_relative_to_the_including_file() {
    let (l, d, _) = read_files(&[
        ("top.conf", "include conf.d/a.inc\n"),
        ("conf.d/a.inc", "in_a\ninclude sub/b.inc\n"),
        ("conf.d/sub/b.inc", "in_b\ninclude ../c.inc\n"),
        ("conf.d/c.inc", "in_c\n"),
    ]);
    assert!(messages(&d).is_empty(), "{:?}", messages(&d));
    assert_eq!(l, ["in_a@conf.d/a.inc:1", "in_b@sub/b.inc:1", "in_c@../c.inc:1"]);
}

#[test]
fn include_globs_and_brace_expansion_in_order() {
    let (l, _, _) = read_files(&[
        ("k.conf", "include d/*.inc\ninclude e/{y,x}.inc\n"),
        ("d/2.inc", "two\n"),
        ("d/1.inc", "one\n"),
        ("e/x.inc", "x\n"),
        ("e/y.inc", "y\n"),
    ]);
    let l: Vec<_> = l.iter().map(|s| s.split('@').next().unwrap()).collect();
    assert_eq!(l, ["one", "two", "y", "x"]);
}

#[test]
fn include_inside_a_block_at_any_depth() {
    let (l, _, _) = read_files(&[
        ("k.conf", "a {\n b {\n  include v.inc\n }\n}\n"),
        ("v.inc", "10.0.0.1\n"),
    ]);
    let l: Vec<_> = l.iter().map(|s| s.split('@').next().unwrap()).collect();
    assert_eq!(l, ["a", "{", "b", "{", "10.0.0.1", "}", "}"]);
}

#[test]
fn include_variants_decide_which_missing_files_are_fatal() {
    // Plain include: a missing file is only noted (keepalived -t prints it and still exits 0).
    let (_, d, _) = read_files(&[("k.conf", "include nothere.inc\n")]);
    let reported: Vec<_> = d.reported().collect();
    assert_eq!(reported[0].level, Level::Ok);
    assert!(!d.file_error);
    assert_eq!(d.config_test_exit_code(), 0);
    // includer: only read errors are fatal.
    let (_, d, _) = read_files(&[("k.conf", "includer nothere.inc\n")]);
    assert!(!d.file_error);
    // includem, includea: a missing file is fatal (keepalived exits 6).
    for kw in ["includem", "includea", "includew"] {
        let (_, d, _) = read_files(&[("k.conf", &format!("{kw} nothere.inc\n"))]);
        assert!(d.file_error, "{kw}");
        let r: Vec<_> = d.reported().collect();
        assert_eq!(r[0].message, "Config files missing 'nothere.inc'.");
        assert_eq!(r[0].level, Level::FileNotFound);
    }
    // A wildcard matching nothing is only fatal with includew/includea.
    let (_, d, _) = read_files(&[("k.conf", "includem *.none\n")]);
    assert!(!d.file_error);
    let (_, d, _) = read_files(&[("k.conf", "includew *.none\n")]);
    assert!(d.file_error);
    assert_eq!(
        d.reported().next().unwrap().message,
        "No config files matched '*.none'."
    );
    // includeb: every brace alternative must exist.
    let (_, d, _) = read_files(&[("k.conf", "includeb {a,b}.inc\n"), ("a.inc", "a\n")]);
    assert!(d.file_error);
    assert_eq!(
        d.reported().next().unwrap().message,
        "Some config files missing: \"{a,b}.inc\"."
    );
}

#[test]
fn all_config_makes_plain_includes_strict() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("k.conf"), "include nothere.inc\n").unwrap();
    let (_, diags) = read_opts(
        d.path(),
        "k.conf",
        ReaderOptions {
            include_check: check::ALL,
            ..opts()
        },
    );
    assert!(diags.file_error);
}

#[test]
fn include_check_keyword_changes_checks_until_the_file_ends() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("k.conf"), "x\ninclude nothere.inc\n").unwrap();
    let mut diags = Diagnostics::default();
    let mut r = Reader::new(ReaderOptions {
        cwd: d.path().to_path_buf(),
        ..opts()
    });
    assert!(r.open_main("k.conf", &mut diags));
    assert_eq!(r.next_line(&mut diags), Some("x"));
    r.include_check_set(&["include_check".into()], &mut diags);
    assert!(r.next_line(&mut diags).is_none());
    assert!(r.file_error, "bare include_check turns on every check");
}

#[test]
fn include_loops_are_detected_not_followed() {
    let (l, d, _) = read_files(&[("a.conf", "A\ninclude b.inc\n"), ("b.inc", "B\ninclude a.conf\n")]);
    let l: Vec<_> = l.iter().map(|s| s.split('@').next().unwrap()).collect();
    assert_eq!(l, ["A", "B"]);
    assert!(
        messages(&d)[0].contains("includes itself (include loop)"),
        "{:?}",
        messages(&d)
    );
}

#[test]
fn executable_or_directory_includes_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    let (_, d, dir) = read_files(&[("k.conf", "includer x.inc\n"), ("x.inc", "x\n")]);
    assert!(messages(&d).is_empty());
    std::fs::set_permissions(dir.path().join("x.inc"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let (l, d) = read_opts(dir.path(), "k.conf", opts());
    assert!(l.is_empty());
    assert!(messages(&d)[0].contains("is not a regular non-executable file - skipping"));
}

#[test]
fn definitions_expand_at_use_and_recursively() {
    assert_eq!(
        lines("$A=1\n$B=x$A ${A}y\nv $B $A/32 ${A}/32 z$A,\n$A=2\nw $B\n"),
        ["v x1 1y $A/32 1/32 z1,", "w x2 2y"]
    );
}

#[test]
fn definition_requires_equals_right_after_the_name() {
    assert_eq!(lines("$A =1\nk $A\n"), ["$A =1", "k $A"]);
}

#[test]
fn undefined_names_are_left_literally_and_their_braces_split_the_line() {
    assert_eq!(lines("k $NOPE ${NOPE}\n"), ["k $NOPE $", "{", "NOPE", "}"]);
}

#[test]
fn multiline_definitions_expand_to_several_lines() {
    assert_eq!(
        lines("$BLOCK= \\\n  inner 1 \\\n  inner 2\nouter {\n$BLOCK\n}\n"),
        ["outer", "{", "inner 1", "inner 2", "}"]
    );
    // A blank line ends the definition.
    assert_eq!(lines("$M= a \\\n\nnext\n$M\n"), ["next", "a"]);
}

#[test]
fn multiline_definitions_can_hold_blocks_and_nest() {
    assert_eq!(
        lines("$IN= \\\n  b\n$OUT= \\\n  a { \\\n  $IN \\\n  }\n$OUT\n"),
        ["a", "{", "b", "}"]
    );
}

#[test]
fn builtin_definitions() {
    // keepalived strips comments again after expansion, so ${_HASH} survives only in quotes.
    let (l, _, d) = read_files(&[(
        "k.conf",
        "p ${_PWD}\ni ${_INSTANCE}\nh \"a${_HASH}b${_BANG}c\" d${_HASH}e\n",
    )]);
    let pwd = d.path().canonicalize().unwrap();
    assert_eq!(l[0], format!("p {}@k.conf:1", pwd.display()));
    assert_eq!(l[1], "i lb1@k.conf:2");
    assert_eq!(l[2], "h \"a#b!c\" d@k.conf:3");
}

#[test]
fn random_follows_glibc_with_the_seed() {
    let l = lines("r ${_RANDOM}\nr ${_RANDOM 10 20}\n");
    let mut g = GlibcRandom::new(7);
    let a = g.next_u31() % 32768;
    let b = g.next_u31() % 11 + 10;
    assert_eq!(l, [format!("r {a}"), format!("r {b}")]);
}

#[test]
fn conditional_lines_match_the_config_id() {
    assert_eq!(
        lines("@lb1 a\n@lb2 b\n@^lb1 c\n@^lb2 d\n@lb1\n@lb1 $X=1\ne $X\n"),
        ["a", "d", "e 1"]
    );
}

#[test]
fn seq_and_lst_repeat_the_rest_of_the_line() {
    assert_eq!(
        lines("~SEQ(i, 3) vip 10.0.0.$i\n"),
        ["vip 10.0.0.1", "vip 10.0.0.2", "vip 10.0.0.3"]
    );
    assert_eq!(
        lines("~SEQx(i, 9, 2, 13) fd00::$i\n"),
        ["fd00::9", "fd00::b", "fd00::d"]
    );
    assert_eq!(
        lines("~SEQ(i, 1, 2) ~SEQ(j, 1, 2) p ${i}$j $i$j\n"),
        ["p 11 $i1", "p 12 $i2", "p 21 $i1", "p 22 $i2"]
    );
    assert_eq!(lines("~LST(n, a, b) x $n\n"), ["x a", "x b"]);
    assert_eq!(lines("~LST({n, v}, {a, 1}, {b, 2}) x $n $v\n"), ["x a 1", "x b 2"]);
    // The repeated text is read like any line: starting with '$' it defines, before expansion.
    assert_eq!(lines("~LST(n, a) $n=1\nk $n\n"), ["k 1"]);
}

#[test]
fn seq_lines_carry_the_seq_line_location_and_expand_blocks() {
    let (l, _, _) = read_files(&[(
        "k.conf",
        "$VI= \\\n vrrp_instance VI_$i { \\\n  virtual_router_id $i \\\n }\n~SEQ(i, 2) $VI\n",
    )]);
    assert_eq!(
        l,
        [
            "vrrp_instance VI_1@k.conf:5",
            "{@k.conf:5",
            "virtual_router_id 1@k.conf:5",
            "}@k.conf:5",
            "vrrp_instance VI_2@k.conf:5",
            "{@k.conf:5",
            "virtual_router_id 2@k.conf:5",
            "}@k.conf:5"
        ]
    );
}

#[test]
fn invalid_seq_is_reported() {
    let (l, d, _) = read_files(&[("k.conf", "~SEQ(i, 1, 0, 3) x\n~SEQ(i, 1, 2\n")]);
    assert!(l.is_empty());
    let m = messages(&d);
    assert_eq!(
        m,
        [
            "(k.conf: Line 1) Invalid ~SEQ values '~SEQ(i, 1, 0, 3) x'",
            "(k.conf: Line 1) Invalid ~SEQ specification '~SEQ(i, 1, 0, 3) x'",
            "(k.conf: Line 2) Invalid ~SEQ definition '~SEQ(i, 1, 2'",
            "(k.conf: Line 2) Invalid ~SEQ specification '~SEQ(i, 1, 2'"
        ]
    );
}

#[test]
fn inputs_that_hang_or_crash_keepalived_are_errors_here() {
    // A definition referring to itself loops forever in keepalived.
    let (_, d, _) = read_files(&[("k.conf", "$A=$A\nk $A\n")]);
    assert!(
        messages(&d).iter().any(|m| m.contains("does not terminate")),
        "{:?}",
        messages(&d)
    );
    // A definition that re-creates a brace and itself splits a line forever in keepalived.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("k.conf"), "$A={ $A\nk $A\n").unwrap();
    let (l, d) = read_opts(
        dir.path(),
        "k.conf",
        ReaderOptions {
            max_split_chain: 500,
            ..opts()
        },
    );
    assert!(l.len() <= 502, "{} lines", l.len());
    assert!(messages(&d).iter().any(|m| m.contains("keeps splitting this line")));
    // ${_RANDOM 5 1} divides by zero in keepalived.
    let (l, d, _) = read_files(&[("k.conf", "r ${_RANDOM 5 1}\n")]);
    assert!(messages(&d)[0].contains("minimum is greater than maximum"));
    assert_eq!(l.len(), 1);
    // A huge ~SEQ is capped.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("k.conf"), "~SEQ(i, 1, 100000000) x $i\n").unwrap();
    let (l, d) = read_opts(
        dir.path(),
        "k.conf",
        ReaderOptions {
            max_generated_lines: 1000,
            ..opts()
        },
    );
    assert_eq!(l.len(), 1000);
    assert!(messages(&d).iter().any(|m| m.contains("stopping expansion")));
}

#[test]
fn unterminated_quote_is_reported_not_fatal() {
    let (l, d, _) = read_files(&[("k.conf", "script \"/bin/true\nnext\n")]);
    assert_eq!(l.len(), 2);
    assert_eq!(
        messages(&d),
        ["(k.conf: Line 1) Unterminated quote 'script \"/bin/true'"]
    );
}

#[test]
fn main_file_glob_with_several_matches_reads_them_all() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("a.conf"), "a\n").unwrap();
    std::fs::write(d.path().join("b.conf"), "b\n").unwrap();
    let mut diags = Diagnostics::default();
    let mut r = Reader::new(ReaderOptions {
        cwd: d.path().to_path_buf(),
        ..opts()
    });
    assert!(r.check_conf_file("*.conf", &mut diags));
    assert_eq!(
        diags.items[0].message,
        "WARNING, multiple configuration file matches of *.conf, starting with a.conf"
    );
    let (l, _) = read_opts(d.path(), "*.conf", opts());
    assert_eq!(l, ["a@a.conf:1", "b@b.conf:1"]);
}

#[test]
fn missing_main_file_is_reported_at_level_ok_without_all_config() {
    let d = tempfile::tempdir().unwrap();
    let mut diags = Diagnostics::default();
    let mut r = Reader::new(ReaderOptions {
        cwd: d.path().to_path_buf(),
        ..opts()
    });
    assert!(!r.check_conf_file("nothere.conf", &mut diags));
    assert_eq!(diags.items[0].message, "Config files missing 'nothere.conf'.");
    assert_eq!(diags.config_test_exit_code(), 0, "keepalived -t exits 0 here");
}
