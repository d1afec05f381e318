//! Replays the fuzzing corpus (`fuzz/corpus/config`) and the test configurations through the
//! same function the fuzz target calls: none may panic.

use std::path::Path;

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn corpus_replays_without_panics() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = Vec::new();
    files(&root.join("fuzz/corpus/config"), &mut all);
    files(&root.join("tests/configs"), &mut all);
    files(&root.join("samples"), &mut all);
    assert!(all.len() > 20, "corpus missing: {}", all.len());
    for f in &all {
        let data = std::fs::read(f).unwrap();
        let r = std::panic::catch_unwind(|| keepalived_rs::config::fuzz_one(&data));
        assert!(r.is_ok(), "panic on {}", f.display());
    }
    eprintln!("replayed {} corpus files", all.len());
}
