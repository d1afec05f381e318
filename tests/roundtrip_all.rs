//! Round trip of every configuration we have (`tests/configs/**`, `samples/*.conf` and the shared
//! corpus `../shared/samples/*/*`): load it, write the resolved configuration, load that again.
//! The WHOLE models must be equal, and the resolved text must not give any message the original
//! did not give (compared by text: the lines differ).
//!
//! The same corpus also goes through the transcript the watchdog hands its children
//! (`load_recording` -> `load_transcript`): the models must be equal there too.
//!
//! The host is the one the oracle gives keepalived: every interface the file names exists
//! (`tests/support::interfaces_for()`, honouring `# oracle-absent-interfaces:`), everything else
//! (users, files, name tables) is this machine's.

mod support;

use std::path::{Path, PathBuf};

use keepalived_rs::config::model::Config;
use keepalived_rs::config::system::HostWithInterfaces;
use keepalived_rs::config::{LoadOptions, Loaded, dump, load, load_recording, load_str, load_transcript};

fn files_in(dir: &Path, recurse: bool, keep: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if recurse {
                files_in(&p, recurse, keep, out);
            }
        } else if keep(&p) {
            out.push(p);
        }
    }
}

/// Every configuration to try.
fn corpus() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let conf = |p: &Path| p.extension().is_some_and(|x| x == "conf");
    let mut v = Vec::new();
    files_in(&root.join("tests/configs"), true, &conf, &mut v);
    files_in(&root.join("samples"), false, &conf, &mut v);
    match support::shared_dir() {
        Some(shared) => {
            let sample = |p: &Path| {
                let name = p.file_name().unwrap_or_default().to_string_lossy();
                name != "ORACLE.tsv" && !name.ends_with(".md")
            };
            let mut dirs = Vec::new();
            files_in(&shared.join("samples"), false, &|_| false, &mut dirs);
            for d in std::fs::read_dir(shared.join("samples"))
                .into_iter()
                .flatten()
                .flatten()
            {
                if d.path().is_dir() {
                    files_in(&d.path(), false, &sample, &mut v);
                }
            }
        }
        None => support::skip("roundtrip_all (shared corpus)", "../shared is absent"),
    }
    v
}

fn opts(file: &Path) -> LoadOptions {
    LoadOptions {
        config_file: file.file_name().unwrap().to_string_lossy().into_owned(),
        cwd: file.parent().map(Path::to_path_buf),
        config_test: true,
        config_id: Some("lb1".into()),
        random_seed: Some(1),
        ..LoadOptions::default()
    }
}

fn messages(l: &Loaded) -> Vec<String> {
    l.diags.reported().map(|d| d.message.clone()).collect()
}

/// Fields of two models that differ, by their JSON paths (for the failure report).
fn differences(a: &Config, b: &Config) -> Vec<String> {
    fn walk(x: &serde_json::Value, y: &serde_json::Value, path: &str, out: &mut Vec<String>) {
        use serde_json::Value;
        match (x, y) {
            (Value::Object(p), Value::Object(q)) => {
                let mut keys: Vec<&String> = p.keys().chain(q.keys()).collect();
                keys.sort();
                keys.dedup();
                for k in keys {
                    if k == "origin" {
                        continue;
                    }
                    let n = Value::Null;
                    walk(
                        p.get(k).unwrap_or(&n),
                        q.get(k).unwrap_or(&n),
                        &format!("{path}.{k}"),
                        out,
                    );
                }
            }
            (Value::Array(p), Value::Array(q)) if p.len() == q.len() => {
                for (i, (s, t)) in p.iter().zip(q).enumerate() {
                    walk(s, t, &format!("{path}[{i}]"), out);
                }
            }
            _ if x != y => out.push(format!("{path}: {x} -> {y}")),
            _ => {}
        }
    }
    let mut out = Vec::new();
    let (x, y) = (serde_json::to_value(a).unwrap(), serde_json::to_value(b).unwrap());
    walk(&x, &y, "", &mut out);
    if out.is_empty() {
        // Equal as JSON but not as models (a field left out of the JSON form).
        out.push("(a field not in the JSON form)".into());
    }
    out
}

/// One configuration: `None` if it round-trips, else what went wrong.
fn check(file: &Path) -> Option<String> {
    let text = String::from_utf8_lossy(&std::fs::read(file).ok()?).into_owned();
    let host = HostWithInterfaces {
        interfaces: support::interfaces_for(&text),
    };
    let first = load(&opts(file), &host);
    if !first.main_file_ok {
        return None;
    }
    let resolved = dump::resolved(&first.config);
    let second = load_str(&resolved, &opts(file), &host);
    let before = messages(&first);
    let new: Vec<String> = messages(&second).into_iter().filter(|m| !before.contains(m)).collect();
    let mut problems = Vec::new();
    if first.config != second.config {
        problems.extend(differences(&first.config, &second.config).into_iter().take(12));
    }
    for m in new {
        problems.push(format!("new message: {m}"));
    }
    if problems.is_empty() {
        return None;
    }
    Some(format!(
        "== {}\n   {}\n--- resolved:\n{resolved}",
        file.display(),
        problems.join("\n   ")
    ))
}

#[test]
fn every_configuration_round_trips() {
    let files = corpus();
    assert!(files.len() > 300, "only {} configurations found", files.len());
    let failures: Vec<String> = files.iter().filter_map(|f| check(f)).collect();
    eprintln!(
        "roundtrip_all: {} configurations, {} differ",
        files.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} configurations do not round-trip:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

/// One configuration through the transcript: `None` if the replay gives the same model.
fn check_transcript(file: &Path) -> Option<String> {
    let text = String::from_utf8_lossy(&std::fs::read(file).ok()?).into_owned();
    let host = HostWithInterfaces {
        interfaces: support::interfaces_for(&text),
    };
    let first = load_recording(&opts(file), &host);
    if !first.main_file_ok {
        return None;
    }
    let Some(transcript) = first.transcript.as_deref() else {
        return Some(format!(
            "== {}
   no transcript",
            file.display()
        ));
    };
    let second = load_transcript(transcript, &opts(file), &host);
    if first.config == second.config {
        return None;
    }
    let problems: Vec<String> = differences(&first.config, &second.config)
        .into_iter()
        .take(12)
        .collect();
    Some(format!(
        "== {}\n   {}\n--- transcript:\n{transcript}",
        file.display(),
        problems.join("\n   ")
    ))
}

/// The watchdog's children load the transcript of the lines the parent parsed: for every
/// configuration, that gives the parent's model exactly.
#[test]
fn every_configuration_replays_from_its_transcript() {
    let files = corpus();
    assert!(files.len() > 300, "only {} configurations found", files.len());
    let failures: Vec<String> = files.iter().filter_map(|f| check_transcript(f)).collect();
    eprintln!("transcripts: {} configurations, {} differ", files.len(), failures.len());
    assert!(
        failures.is_empty(),
        "{} of {} configurations differ after the transcript:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
