//! The end-to-end sandbox itself (tests/support/sandbox.rs): what runs inside sees its own
//! pid 1 named systemd, `/dev/log` reaching the test's listener and private mounts; the host's
//! mounts do not change; dropping the sandbox ends its processes and removes its namespace.

mod support;

use std::time::Duration;

use support::sandbox::{Sandbox, skip_unavailable, wait_until};

/// The test process's mount points, but for the network namespaces' own (`ip netns add`).
fn mounts() -> Vec<String> {
    std::fs::read_to_string("/proc/self/mountinfo")
        .expect("mountinfo")
        .lines()
        .filter_map(|l| l.split_whitespace().nth(4).map(str::to_string))
        .filter(|m| !m.starts_with("/run/netns/"))
        .collect()
}

#[test]
fn sandbox_is_private_and_cleaned_up() {
    if skip_unavailable("sandbox_is_private_and_cleaned_up") {
        return;
    }
    let host_mounts = mounts();
    let host_dev_log = std::fs::symlink_metadata("/dev/log").is_ok();
    let sb = Sandbox::new();
    let sec = Duration::from_secs(5);

    // pid 1 is what keepalived's check_parent_systemd() looks for.
    let stat = sb.exec(&["cat", "/proc/1/stat"], sec);
    assert!(stat.stdout.starts_with("1 (systemd) "), "{stat:?}");
    // /dev/log is the listener; syslog(3)'s record format is parsed.
    let logger = sb.exec(
        &[
            "logger",
            "-t",
            "e2e-probe",
            "--id=4242",
            "-p",
            "local3.notice",
            "hello there",
        ],
        sec,
    );
    assert_eq!(logger.code, 0, "{logger:?}");
    let m = sb
        .syslog
        .wait_for(|m| m.ident == "e2e-probe", sec)
        .unwrap_or_else(|| panic!("logger's record did not arrive\n{}", sb.report()));
    assert_eq!((m.facility, m.severity, m.pid), (19, 5, Some(4242)), "{m:?}");
    assert_eq!(m.message, "hello there");
    // Private /run and /etc/keepalived.
    sb.write_conf("# e2e\n");
    let inside = sb.exec(
        &[
            "sh",
            "-c",
            "touch /run/e2e-probe && cat /etc/keepalived/keepalived.conf",
        ],
        sec,
    );
    assert_eq!(inside.stdout, "# e2e\n", "{inside:?}");
    assert!(sb.run_path("e2e-probe").exists());
    assert!(
        !std::path::Path::new("/run/e2e-probe").exists(),
        "the host's /run changed"
    );
    // The test process's mounts (the host's) are untouched.
    assert_eq!(mounts(), host_mounts);
    assert_eq!(std::fs::symlink_metadata("/dev/log").is_ok(), host_dev_log);

    // A process left running inside dies with the sandbox, and the namespace goes.
    let mut sleeper = sb.spawn(&["sleep", "600"]);
    assert!(
        wait_until(sec, || sb.procs().iter().any(|p| p.name == "sleep")),
        "{}",
        sb.report()
    );
    let pids: Vec<i32> = sb.procs().iter().map(|p| p.pid).collect();
    let ns = sb.ns.clone();
    drop(sb);
    assert!(sleeper.wait(sec).is_some());
    for p in pids {
        assert!(
            support::sandbox::procs::read(p).is_none_or(|p| p.state == 'Z'),
            "pid {p} survived"
        );
    }
    let list = std::process::Command::new("ip")
        .args(["netns", "list"])
        .output()
        .expect("ip netns list");
    assert!(
        !String::from_utf8_lossy(&list.stdout)
            .split_whitespace()
            .any(|n| n == ns),
        "{ns} left behind"
    );
}
