//! `doc/compatibility.md` lists every keyword of the global family.

use keepalived_rs::config::keywords::global::keyword_names;

#[test]
fn compat_doc_lists_every_global_keyword() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/doc/compatibility.md")).unwrap();
    let missing: Vec<&str> = keyword_names()
        .filter(|k| !doc.contains(&format!("`{k}`")) && !doc.contains(&format!("`{k} ")))
        .collect();
    assert!(missing.is_empty(), "not in doc/compatibility.md: {missing:?}");
}
