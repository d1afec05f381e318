//! Differential test of `keepalived -t`: every sample of `../shared/samples/*/` and every config of
//! `tests/configs/` is checked by Debian's keepalived 2.2.7 and by ours, side by side in the same
//! freshly made network namespace (the ORACLE.tsv conditions). Exit codes must be equal, and so
//! must the messages (text and, where keepalived names one, file and line).
//!
//! Directives in our own configs (comment lines):
//! - `# oracle-interfaces: A B` / `# oracle-absent-interfaces: A` shape the namespace;
//! - `# oracle-args: -i ID` adds command-line arguments for both programs;
//! - `# oracle-expect-rc: N` marks a deliberate difference in the verdict (documented in
//!   doc/compatibility.md), `# oracle-ignore: TEXT` a keepalived message we deliberately do not
//!   print, and `# oracle-extra: TEXT` a message only we print.
//!
//! Without root, `ip netns` or Debian's keepalived the test says so and compares what it can:
//! the shared corpus against ORACLE.tsv, which records keepalived's verdicts.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use support::{Msg, Netns, parse_messages};

#[derive(Clone, Debug)]
struct Case {
    dir: PathBuf,
    file: String,
    text: String,
    oracle_tsv: Option<(i32, String)>,
}

impl Case {
    fn directive(&self, key: &str) -> Vec<String> {
        let tag = format!("# {key}:");
        self.text
            .lines()
            .filter_map(|l| l.trim().strip_prefix(tag.as_str()).map(|v| v.trim().to_string()))
            .collect()
    }
    fn name(&self) -> String {
        format!("{}/{}", self.dir.display(), self.file)
    }
}

fn shared_cases() -> Vec<Case> {
    let Some(shared) = support::shared_dir() else {
        support::skip("oracle (shared corpus)", "../shared is absent");
        return Vec::new();
    };
    let mut cases = Vec::new();
    let samples = shared.join("samples");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&samples)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("ORACLE.tsv").is_file())
        .collect();
    dirs.sort();
    for d in dirs {
        let tsv = std::fs::read_to_string(d.join("ORACLE.tsv")).unwrap_or_default();
        for line in tsv.lines().skip(1) {
            let mut f = line.splitn(3, '\t');
            let (Some(file), Some(rc)) = (f.next(), f.next()) else {
                continue;
            };
            let msgs = f.next().unwrap_or("").to_string();
            let text = String::from_utf8_lossy(&std::fs::read(d.join(file)).unwrap_or_default()).into_owned();
            cases.push(Case {
                dir: d.clone(),
                file: file.to_string(),
                text,
                oracle_tsv: rc.parse().ok().map(|rc| (rc, msgs)),
            });
        }
    }
    cases
}

fn own_cases() -> Vec<Case> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/configs");
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "conf") {
                let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap_or_default()).into_owned();
                out.push(Case {
                    dir: d.clone(),
                    file: p.file_name().unwrap().to_string_lossy().into_owned(),
                    text,
                    oracle_tsv: None,
                });
            }
        }
    }
    out.sort_by_key(|c| c.name());
    out
}

fn filter(cases: Vec<Case>) -> Vec<Case> {
    match std::env::var("ORACLE_FILTER") {
        Ok(f) => cases.into_iter().filter(|c| c.name().contains(&f)).collect(),
        Err(_) => cases,
    }
}

fn set(v: &[Msg]) -> BTreeSet<Msg> {
    v.iter().cloned().collect()
}

/// Compares keepalived's run with ours; returns a description of every difference.
fn compare(case: &Case, ka_rc: i32, ka: &[Msg], our_rc: i32, ours: &[Msg]) -> Vec<String> {
    let mut problems = Vec::new();
    let expect_rc = case
        .directive("oracle-expect-rc")
        .first()
        .and_then(|s| s.parse().ok())
        .unwrap_or(ka_rc);
    if our_rc != expect_rc {
        problems.push(format!(
            "exit code: keepalived {ka_rc}, expected {expect_rc}, ours {our_rc}"
        ));
    }
    let ignores = case.directive("oracle-ignore");
    let extras = case.directive("oracle-extra");
    let ka: BTreeSet<Msg> = set(ka)
        .into_iter()
        .filter(|m| !ignores.iter().any(|i| m.text.contains(i)))
        .collect();
    let ours = set(ours);
    for k in &ka {
        let found = match &k.loc {
            Some(_) => ours.contains(k),
            None => ours.iter().any(|o| o.text == k.text),
        };
        if !found {
            problems.push(format!("missing: {k}"));
        }
    }
    // keepalived stops at a missing parameter (rc 2) or crashes; we report everything.
    let aborted = ka_rc == 2 || ka_rc >= 128;
    if !aborted {
        for o in &ours {
            let matched = ka
                .iter()
                .any(|k| k.text == o.text && (k.loc.is_none() || k.loc == o.loc));
            if !matched && !extras.iter().any(|e| o.text.contains(e)) {
                problems.push(format!("extra:   {o}"));
            }
        }
    }
    problems
}

fn run_case(case: &Case, oracle: &Path) -> Vec<String> {
    let ns = Netns::with_interfaces(&support::interfaces_for(&case.text));
    let args: Vec<String> = case
        .directive("oracle-args")
        .iter()
        .flat_map(|a| a.split_whitespace().map(str::to_string).collect::<Vec<_>>())
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let ka = support::run_t(&ns, &case.dir, oracle.to_str().unwrap(), &case.file, &args);
    let us = support::run_t(&ns, &case.dir, support::ours(), &case.file, &args);
    let ka_msgs = parse_messages(&ka.stderr, &case.file);
    let our_msgs = parse_messages(&us.stderr, &case.file);
    compare(case, ka.rc, &ka_msgs, us.rc, &our_msgs)
}

/// Without Debian's keepalived: the shared corpus against ORACLE.tsv (exit code, and each
/// recorded message, which the file may have cut short, must begin one of ours).
fn run_case_tsv(case: &Case, rc: i32, msgs: &str) -> Vec<String> {
    let ns = Netns::with_interfaces(&support::interfaces_for(&case.text));
    let us = support::run_t(&ns, &case.dir, support::ours(), &case.file, &[]);
    let mut problems = Vec::new();
    if us.rc != rc {
        problems.push(format!("exit code: ORACLE.tsv {rc}, ours {}", us.rc));
    }
    let ours = parse_messages(&us.stderr, &case.file);
    let recorded: Vec<&str> = msgs.split(" | ").filter(|s| !s.is_empty()).collect();
    for (i, m) in recorded.iter().enumerate() {
        let last = i + 1 == recorded.len();
        let want = parse_messages(m, &case.file);
        let Some(w) = want.first() else { continue };
        let ok = ours.iter().any(|o| {
            (w.loc.is_none() || w.loc == o.loc)
                && if last {
                    o.text.starts_with(&w.text)
                } else {
                    o.text == w.text
                }
        });
        if !ok {
            problems.push(format!("missing: {m}"));
        }
    }
    problems
}

#[test]
fn every_config_agrees_with_keepalived() {
    if !support::can_netns() {
        support::skip(
            "every_config_agrees_with_keepalived",
            "needs root and `ip netns` to give both programs the same interfaces",
        );
        return;
    }
    let oracle = support::oracle_keepalived();
    let mut cases = filter(shared_cases());
    let own = filter(own_cases());
    if oracle.is_none() {
        support::skip(
            "every_config_agrees_with_keepalived (tests/configs)",
            "Debian's keepalived 2.2.7 is not installed (apt-get install keepalived); comparing the shared corpus with ORACLE.tsv only",
        );
    } else {
        cases.extend(own);
    }
    assert!(
        !cases.is_empty() || std::env::var("ORACLE_FILTER").is_ok(),
        "no configurations found"
    );
    let workers = 4;
    let chunks: Vec<Vec<Case>> = (0..workers)
        .map(|w| cases.iter().skip(w).step_by(workers).cloned().collect())
        .collect();
    let results: Vec<(String, Vec<String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                let oracle = oracle.clone();
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|c| {
                            let p = match (&oracle, &c.oracle_tsv) {
                                (Some(o), _) => run_case(c, o),
                                (None, Some((rc, msgs))) => run_case_tsv(c, *rc, msgs),
                                (None, None) => Vec::new(),
                            };
                            (c.name(), p)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let mut report = String::new();
    let mut failed = 0;
    for (name, problems) in &results {
        if !problems.is_empty() {
            failed += 1;
            report.push_str(&format!("\n== {name}\n"));
            for p in problems {
                report.push_str(&format!("   {p}\n"));
            }
        }
    }
    eprintln!("oracle: {} configurations compared, {failed} differ", results.len());
    assert!(
        failed == 0,
        "{failed} of {} configurations differ from keepalived:{report}",
        results.len()
    );
}
