//! Times two `-t` commands on the same configuration, alternating runs, and reports the median
//! wall time and peak RSS of each (via wait4's rusage). Used by scripts/bench-config.sh:
//! `bench_compare RUNS CONFIG PROGRAM_A PROGRAM_B`.

use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Stdio};
use std::time::Instant;

// The child is reaped with wait4() to read its rusage, which clippy cannot see.
#[allow(clippy::zombie_processes)]
fn run(prog: &str, conf: &str) -> (f64, i64, i32) {
    let start = Instant::now();
    let child = Command::new(prog)
        .args(["-t", "-f", conf])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data filled by wait4 for our own child.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
    let secs = start.elapsed().as_secs_f64();
    let code = std::process::ExitStatus::from_raw(status).code().unwrap_or(-1);
    (secs, ru.ru_maxrss, code)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() != 5 {
        eprintln!("usage: bench_compare RUNS CONFIG PROGRAM_A PROGRAM_B");
        std::process::exit(2);
    }
    let runs: usize = a[1].parse().expect("runs");
    let (conf, pa, pb) = (&a[2], &a[3], &a[4]);
    let (mut ta, mut tb, mut ma, mut mb) = (Vec::new(), Vec::new(), 0i64, 0i64);
    let (mut ca, mut cb) = (0, 0);
    run(pa, conf);
    run(pb, conf);
    for _ in 0..runs {
        let (t, m, c) = run(pa, conf);
        ta.push(t);
        ma = ma.max(m);
        ca = c;
        let (t, m, c) = run(pb, conf);
        tb.push(t);
        mb = mb.max(m);
        cb = c;
    }
    let (mta, mtb) = (median(&mut ta), median(&mut tb));
    println!(
        "{:<40} median {:>8.1} ms  peak RSS {:>7} KB  exit {}",
        pa,
        mta * 1e3,
        ma,
        ca
    );
    println!(
        "{:<40} median {:>8.1} ms  peak RSS {:>7} KB  exit {}",
        pb,
        mtb * 1e3,
        mb,
        cb
    );
    println!(
        "time ratio B/A = {:.2}   memory ratio B/A = {:.2}",
        mtb / mta,
        mb as f64 / ma as f64
    );
}
