//! Runs the fuzz target's function on one file (reproducing fuzzer findings without nightly):
//! `cargo run --release --example fuzz_one_file -- FILE`.

fn main() {
    for f in std::env::args().skip(1) {
        let data = std::fs::read(&f).expect("read");
        let t = std::time::Instant::now();
        keepalived_rs::config::fuzz_one(&data);
        eprintln!("{f}: {:?}", t.elapsed());
    }
}
