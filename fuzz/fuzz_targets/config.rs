//! Fuzzes the configuration reader, keyword parser, validation and dumps:
//! `cargo +nightly fuzz run config`. The corpus in `fuzz/corpus/config` is replayed by
//! `cargo test` (tests/fuzz_corpus.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    keepalived_rs::config::fuzz_one(data);
});
