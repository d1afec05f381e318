//! Round trip of the check family: load a configuration, write its resolved form, load that
//! again: the check model must be equal (every value keepalived resolves is written out).

use std::path::{Path, PathBuf};

use keepalived_rs::config::{self, LoadOptions, system::RealSystem};

fn opts() -> LoadOptions {
    LoadOptions {
        config_test: true,
        random_seed: Some(1),
        config_id: Some("test".to_string()),
        ..LoadOptions::default()
    }
}

/// `../shared` (or further up, as in a worktree checkout), if present.
fn shared_samples() -> Option<PathBuf> {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .skip(1)
        .map(|a| a.join("shared/samples"))
        .find(|p| p.is_dir())
}

fn round_trip(name: &str, text: &str) -> Result<(), String> {
    let first = config::load_str(text, &opts(), &RealSystem);
    let dump = config::dump::resolved(&first.config);
    let second = config::load_str(&dump, &opts(), &RealSystem);
    if first.config.check == second.config.check {
        return Ok(());
    }
    let a = serde_json::to_string_pretty(&first.config.check).unwrap();
    let b = serde_json::to_string_pretty(&second.config.check).unwrap();
    let diff: Vec<String> = a
        .lines()
        .zip(b.lines())
        .enumerate()
        .filter(|(_, (x, y))| x != y)
        .take(10)
        .map(|(i, (x, y))| format!("  line {i}: {x}  =>  {y}"))
        .collect();
    Err(format!(
        "{name}: models differ\n{}\n--- resolved dump:\n{dump}",
        diff.join("\n")
    ))
}

/// Configurations whose check model cannot be written back exactly.
const NOT_WRITABLE: &[(&str, &str)] = &[
    (
        "checker-address-family-mismatch.conf",
        "a rejected connect_ip leaves the destination without address family",
    ),
    (
        "checker-bad-values.conf",
        "a rejected connect_ip leaves the destination without address family",
    ),
    (
        "http-get-no-urls.conf",
        "a dropped SSL_GET still asks for an SSL context",
    ),
];

fn check_all(files: Vec<PathBuf>) {
    let mut failures = Vec::new();
    let mut n = 0;
    for f in files {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        let fname = f.file_name().unwrap_or_default().to_string_lossy().into_owned();
        if !text.contains("virtual_server") || NOT_WRITABLE.iter().any(|(n, _)| *n == fname) {
            continue;
        }
        n += 1;
        if let Err(e) = round_trip(&f.display().to_string(), &text) {
            failures.push(e);
        }
    }
    assert!(n > 0, "no configuration with a virtual_server found");
    assert!(
        failures.is_empty(),
        "{} of {n} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "ORACLE.tsv" && n != "README.md"))
        .collect();
    v.sort();
    v
}

#[test]
fn shared_samples_round_trip() {
    let Some(s) = shared_samples() else {
        eprintln!("SKIP shared_samples_round_trip: shared/samples not found");
        return;
    };
    let mut files = files_in(&s.join("upstream"));
    files.extend(files_in(&s.join("seeds")));
    check_all(files);
}

#[test]
fn own_configs_round_trip() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/configs/check");
    let files = files_in(&dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        .collect();
    check_all(files);
}

#[test]
fn resolved_values_are_keepalived_defaults() {
    let text = "virtual_server 10.0.0.1 80 {\n real_server 10.0.1.1 {\n  TCP_CHECK {\n  }\n  HTTP_GET {\n   url {\n    path /\n   }\n  }\n  MISC_CHECK {\n   misc_path /bin/true\n  }\n  DNS_CHECK {\n  }\n }\n}\n";
    let l = config::load_str(text, &opts(), &RealSystem);
    let vs = &l.config.check.virtual_servers[0];
    assert_eq!(vs.scheduler, "wlc");
    assert_eq!(vs.protocol, config::model::check::Protocol::Udp);
    assert_eq!(vs.delay_loop, 60_000_000);
    let rs = &vs.real_servers[0];
    assert_eq!(rs.port, 80, "a real server without port takes the virtual server's");
    assert_eq!(rs.connect_timeout, Some(5_000_000));
    assert_eq!(rs.smtp_alert, Some(true));
    let c = &rs.checkers;
    assert_eq!(c[0].retry, Some(1));
    assert_eq!(c[0].delay_before_retry, Some(1_000_000));
    assert_eq!(c[0].warmup, Some(60_000_000), "warmup defaults to the delay loop");
    assert_eq!(
        c[0].co.as_ref().unwrap().dst_port,
        0,
        "keepalived copies the port before fixing it"
    );
    assert_eq!(c[1].delay_before_retry, Some(3_000_000), "HTTP_GET waits 3 s");
    assert_eq!(c[2].retry, Some(0), "MISC_CHECK does not retry");
    assert_eq!(c[3].retry, Some(3), "DNS_CHECK retries 3 times");
    assert_eq!(
        c[3].delay_before_retry,
        Some(60_000_000),
        "DNS_CHECK waits a delay loop"
    );
}
