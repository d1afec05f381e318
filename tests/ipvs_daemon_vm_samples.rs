//! Every sample configuration with virtual servers (`../shared/samples/*/`) run by our
//! checker child (`-C`) against the real kernel IPVS table in the QEMU guest, beside Debian's
//! keepalived 2.2.7 run the same way: both start ("Startup complete"), the tables they program
//! are compared, and stop leaves the table empty. In the guest no real server is reachable
//! (no route), so every checker fails the same way for both; with `alpha` off the real
//! servers start in the pool (keepalived `init_services()`), which is the table compared.
//! One VM boot serves the whole file.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use support::vm::{self, Vm};

const START: Duration = Duration::from_secs(30);
const SETTLE: Duration = Duration::from_secs(10);

/// Debian's keepalived in the guest.
const DEBIAN: &str = "/opt/debian/keepalived";

/// What one daemon did with one sample.
struct Run {
    started: bool,
    table: String,
    after_stop: String,
    stopped: bool,
    log: String,
}

fn samples() -> Option<Vec<PathBuf>> {
    let root = support::shared_dir()
        .map(|d| d.join("samples"))
        .filter(|d| d.is_dir())
        .or_else(|| Some(PathBuf::from("/work/shared/samples")).filter(|d| d.is_dir()))?;
    let mut out = Vec::new();
    for dir in std::fs::read_dir(&root).ok()?.flatten() {
        let Ok(files) = std::fs::read_dir(dir.path()) else { continue };
        for f in files.flatten() {
            let p = f.path();
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            if text.lines().any(|l| l.trim_start().starts_with("virtual_server ")) {
                out.push(p);
            }
        }
    }
    out.sort();
    Some(out)
}

/// Runs `bin -C` on the guest's `/etc/keepalived/sample.conf`: waits for "Startup complete",
/// then for a non-empty table that stays the same across 300 ms (empty if it never comes),
/// then SIGTERM and the process's exit.
fn run(vm: &mut Vm, bin: &str) -> Run {
    vm.ok(&format!(
        "{bin} -n -l -D -C -f /etc/keepalived/sample.conf -p /tmp/p.pid -r /tmp/r.pid -c /tmp/c.pid \
         >/tmp/ka.log 2>&1 & echo $! >/tmp/bg.pid"
    ));
    let started = vm.poll("grep -q 'Startup complete' /tmp/ka.log", START).success();
    let _ = vm.poll(
        "a=$(ipvsadm -Sn); sleep 0.3; b=$(ipvsadm -Sn); [ -n \"$a\" ] && [ \"$a\" = \"$b\" ]",
        SETTLE,
    );
    let table = vm.ipvs_save();
    vm.run("kill -TERM $(cat /tmp/bg.pid)");
    let stopped = vm.poll("! kill -0 $(cat /tmp/bg.pid) 2>/dev/null", START).success();
    let after_stop = vm.ipvs_save();
    let log = vm.run("cat /tmp/ka.log").stdout;
    Run { started, table, after_stop, stopped, log }
}

fn services(table: &str) -> Vec<&str> {
    table.lines().filter(|l| l.starts_with("-A")).collect()
}

/// keepalived `init_services()` / `clear_services()` for every sample with virtual servers:
/// ours starts, programs the same services as Debian's keepalived (same keys, scheduler,
/// flags, persistence), and stop empties the table. Where the real-server rows differ the
/// test prints both tables.
#[test]
fn every_sample_programs_the_same_table_as_keepalived() {
    let test = "every_sample_programs_the_same_table_as_keepalived";
    let Some(files) = samples() else {
        support::skip(test, "no samples directory (../shared/samples or /work/shared/samples)");
        return;
    };
    if files.is_empty() {
        support::skip(test, "no sample with virtual_server");
        return;
    }
    let Some(mut vm) = vm::shared_or_skip(test) else {
        return;
    };
    let debian = Path::new("/usr/sbin/keepalived");
    let have_debian = debian.exists();
    if !have_debian {
        support::skip(test, "Debian's keepalived missing: checking ours alone");
    }
    let kad = vm.install_ours();
    if have_debian {
        vm.put(debian, DEBIAN);
    }
    let mut failures = Vec::new();
    let mut report = Vec::new();
    for file in &files {
        let name = format!(
            "{}/{}",
            file.parent().and_then(|p| p.file_name()).unwrap().to_string_lossy(),
            file.file_name().unwrap().to_string_lossy()
        );
        vm.reset();
        vm.write("/etc/keepalived/sample.conf", &std::fs::read(file).unwrap(), 0o644);
        let ours = run(&mut vm, kad);
        let theirs = have_debian.then(|| {
            vm.reset();
            run(&mut vm, DEBIAN)
        });
        let mut fail = |why: String| failures.push(format!("{name}: {why}\nour log:\n{}", ours.log));
        if !ours.started {
            fail("no \"Startup complete\"".into());
        }
        if !ours.stopped {
            fail("did not exit on SIGTERM".into());
        }
        if !ours.after_stop.is_empty() {
            fail(format!("table left after stop:\n{}", ours.after_stop));
        }
        let Some(theirs) = theirs else {
            if ours.table.is_empty() {
                fail("empty table".into());
            }
            continue;
        };
        if services(&ours.table) != services(&theirs.table) {
            fail(format!(
                "services differ\nours:\n{}keepalived:\n{}keepalived log:\n{}",
                ours.table, theirs.table, theirs.log
            ));
        }
        let verdict = if ours.table == theirs.table {
            "same table".to_string()
        } else {
            format!("real servers differ\nours:\n{}keepalived:\n{}", ours.table, theirs.table)
        };
        report.push(format!(
            "{name}: {} services; {verdict}",
            services(&ours.table).len()
        ));
    }
    eprintln!("samples:\n{}", report.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
