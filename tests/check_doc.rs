//! doc/compatibility.md lists every keyword of the check family's keyword tables.

use std::collections::BTreeSet;

use keepalived_rs::config::keywords::check::ROOT;
use keepalived_rs::config::parser::{Block, Keyword};

fn collect(kws: &'static [Keyword], out: &mut BTreeSet<&'static str>, seen: &mut Vec<*const Block>) {
    for k in kws {
        out.insert(k.name);
        if let Some(sub) = k.sub {
            if seen.contains(&(sub as *const Block)) {
                continue;
            }
            seen.push(sub as *const Block);
            for set in sub.sets {
                collect(set, out, seen);
            }
        }
    }
}

#[test]
fn every_keyword_is_documented() {
    let mut names = BTreeSet::new();
    collect(ROOT, &mut names, &mut Vec::new());
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/doc/compatibility.md")).unwrap();
    let documented: BTreeSet<String> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .flat_map(|l| {
            // "`a` / `b ARGS`" and "`a`, `b`" name several keywords in one cell.
            let cell = l.split(" |").next().unwrap_or("");
            cell.split('`')
                .step_by(2)
                .chain(std::iter::once(cell.split('`').next().unwrap_or("")))
                .filter_map(|s| s.split_whitespace().next().map(str::to_string))
                .collect::<Vec<_>>()
        })
        .collect();
    let missing: Vec<&str> = names.iter().copied().filter(|n| !documented.contains(*n)).collect();
    assert!(
        missing.is_empty(),
        "keywords missing from doc/compatibility.md: {missing:?}"
    );
    assert!(names.len() > 80, "only {} keywords found", names.len());
}
