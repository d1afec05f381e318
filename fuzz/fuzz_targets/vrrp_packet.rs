//! Fuzzes the VRRP receive checks (`vrrp::packet::check`, `peek`) for IPv4 and IPv6 under
//! varied instance settings, and a build/check round trip: `cargo +nightly fuzz run vrrp_packet`.
//! The corpus in `fuzz/corpus/vrrp_packet` is replayed by `cargo test` (tests/vrrp_wire.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    keepalived_rs::vrrp::packet::fuzz_one(data);
});
