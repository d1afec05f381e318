//! Prints the benchmark configuration: `cargo run --release --example bench_config > big.conf`.
//! Arguments: [VRRP_INSTANCES [VIRTUAL_SERVERS [REAL_SERVERS_EACH]]] (default 255 1000 10).

fn main() {
    let a: Vec<u32> = std::env::args().skip(1).filter_map(|s| s.parse().ok()).collect();
    let get = |i: usize, d: u32| a.get(i).copied().unwrap_or(d);
    print!(
        "{}",
        keepalived_rs::config::testgen::large_config(get(0, 255), get(1, 1000), get(2, 10))
    );
}
