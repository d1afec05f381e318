//! Parsing speed of the configuration loader on the benchmark configuration
//! (255 VRRP instances, 1,000 virtual servers x 10 real servers), from memory, on a fixed host.
//! The comparison with keepalived itself is scripts/bench-config.sh.

use criterion::{Criterion, criterion_group, criterion_main};
use keepalived_rs::config::{LoadOptions, load_text, system::FixedSystem, testgen};

fn bench(c: &mut Criterion) {
    let text = testgen::large_config(255, 1000, 10);
    let sys = FixedSystem::typical();
    let opts = LoadOptions {
        config_test: true,
        random_seed: Some(1),
        ..LoadOptions::default()
    };
    let mut g = c.benchmark_group("config");
    g.sample_size(20);
    g.bench_function("load_255_vrrp_1000x10_vs", |b| {
        b.iter(|| {
            let l = load_text(&text, &opts, &sys, false);
            std::hint::black_box(l.config);
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
