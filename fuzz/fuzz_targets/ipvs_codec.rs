//! Fuzzes the IPVS generic-netlink codec (`ipvs::family::fuzz_one`): whole netlink messages
//! and bare genl payloads, their conversion to the model, and re-emission:
//! `cargo +nightly fuzz run ipvs_codec`. The corpus in `fuzz/corpus/ipvs_codec` is replayed
//! by `cargo test` (tests/ipvs_codec.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    keepalived_rs::ipvs::family::fuzz_one(data);
});
