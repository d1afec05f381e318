//! The dump file writers as the signal handlers call them, with `TMPDIR` pointing at a
//! directory of the test's (`lib/utils.c: set_tmp_dir()`): names (`global_data.c:
//! open_dump_file()`'s `data_use_instance` suffix for the `.data` files only), mode 0600, a
//! symlink planted at a final name replaced without touching its target, and SIGRTMAX-1's
//! clear after the write (`vrrp_print_stats(true)`).
//!
//! One test only: it sets `TMPDIR` for the whole process before anything reads it.

mod support;

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use keepalived_rs::dumpfile::{dump_dir, write_check_data, write_parent_data};
use keepalived_rs::vrrp::data::write_data_file;
use keepalived_rs::vrrp::json::write_json_file;
use keepalived_rs::vrrp::socket::SockPool;
use keepalived_rs::vrrp::stats::write_stats_file;
use support::dumps::mehdy_parse_stats;
use support::engine::{Sim, instance, secs};

const CONF: &str = "instance inst1\nglobal_defs {\n data_use_instance\n}\n";

#[test]
fn signal_writers_in_tmpdir() {
    let dir = tempfile::tempdir().expect("temp dir");
    // SAFETY: the only test of this binary, before any other thread reads the environment.
    unsafe { std::env::set_var("TMPDIR", "relative/dir") };
    assert_eq!(dump_dir(), PathBuf::from("/tmp"), "a relative TMPDIR is ignored");
    // SAFETY: as above.
    unsafe { std::env::set_var("TMPDIR", dir.path()) };
    assert_eq!(dump_dir(), dir.path());

    let text = format!("{CONF}{}", instance("VI_1", 51, 100, ""));
    let mut sim = Sim::new(&[&text]);
    sim.start_all();
    sim.run_until(secs(6.0));
    let cfg = sim.nodes[0].cfg.clone();

    // A symlink planted at the stats file's name, pointing at a file it must not touch.
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    std::os::unix::fs::symlink(&victim, dir.path().join("keepalived.stats")).unwrap();

    let before = mehdy_parse_stats(&keepalived_rs::vrrp::stats::stats_text(&cfg, &sim.nodes[0].engine)).unwrap();
    assert!(before["VI_1"]["advert_sent"] >= 2, "{before:?}");
    let logs = write_stats_file(&cfg, &mut sim.nodes[0].engine, true);
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert!(
        logs[0]
            .text
            .starts_with("Printing and clearing VRRP stats for process(")
    );
    let written = std::fs::read_to_string(dir.path().join("keepalived.stats")).unwrap();
    assert_eq!(
        mehdy_parse_stats(&written).unwrap(),
        before,
        "the file has the counters before the clear"
    );
    let after = mehdy_parse_stats(&keepalived_rs::vrrp::stats::stats_text(&cfg, &sim.nodes[0].engine)).unwrap();
    assert!(after["VI_1"].values().all(|v| *v == 0), "{after:?}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert!(
        std::fs::symlink_metadata(dir.path().join("keepalived.stats"))
            .unwrap()
            .file_type()
            .is_file()
    );
    let logs = write_stats_file(&cfg, &mut sim.nodes[0].engine, false);
    assert_eq!(
        logs[0].text,
        format!("Printing VRRP stats for process({}) on signal", std::process::id())
    );

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (pool, _) = rt.block_on(async { SockPool::open(&[]) });
    let ifs: HashMap<String, _> = sim.nodes[0].ifs.iter().map(|i| (i.name.clone(), i.clone())).collect();
    let logs = write_data_file(&cfg, &sim.nodes[0].engine, &ifs, &pool, &[], sim.now);
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert!(logs[0].text.starts_with("Printing VRRP data for process("));
    let logs = write_json_file(&cfg, &sim.nodes[0].engine, sim.now);
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert!(
        write_parent_data(&cfg)[0]
            .text
            .starts_with("Printing parent data for process(")
    );
    assert!(
        write_check_data(&cfg)[0]
            .text
            .starts_with("Printing checker data for process(")
    );

    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    // open_dump_file() names the .data files with the instance; make_tmp_filename() (stats,
    // JSON) does not. No temporary file is left behind.
    assert_eq!(
        names,
        [
            "keepalived.inst1.data",
            "keepalived.json",
            "keepalived.stats",
            "keepalived_check.inst1.data",
            "keepalived_parent.inst1.data",
            "victim",
        ]
    );
    for n in names.iter().filter(|n| n.starts_with("keepalived")) {
        let m = std::fs::metadata(dir.path().join(n)).unwrap().permissions().mode() & 0o7777;
        assert_eq!(m, 0o600, "{n}");
    }
    let data = std::fs::read_to_string(dir.path().join("keepalived.inst1.data")).unwrap();
    assert!(data.contains("\n Instance name = inst1\n"), "{data}");
    assert!(data.contains("\n   State = MASTER\n"), "{data}");
    assert!(data.contains("\n------< Interfaces >------\n"));
}
