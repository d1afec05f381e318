//! The real-kernel harness itself (tests/support/vm.rs): one QEMU guest with Debian's kernel
//! and IPVS, shared by these tests. Checks that IPVS is programmable and readable with
//! ipvsadm, that our binary runs inside with its libraries, that guest namespaces can host real
//! backends, and that the agent's protocol keeps exit codes, binary files and time limits.
//! Run with `--nocapture` to see the boot time and per-command latency.

mod support;

use std::time::{Duration, Instant};
use support::vm;

/// Boot, kernel and per-command latency (printed for the record).
#[test]
fn boots_debian_kernel_with_ipvs() {
    let Some(mut vm) = vm::shared_or_skip("boots_debian_kernel_with_ipvs") else {
        return;
    };
    eprintln!(
        "vm: kernel {} ({}), boot {} ms",
        vm.kernel,
        vm.accel,
        vm.boot_time.as_millis()
    );
    assert_eq!(vm.ok("uname -r").trim(), vm.kernel);
    let mut times: Vec<Duration> = (0..10)
        .map(|_| {
            let t = Instant::now();
            vm.ok("true");
            t.elapsed()
        })
        .collect();
    times.sort();
    eprintln!(
        "vm: run(\"true\") median {} ms (min {} ms, max {} ms)",
        times[5].as_millis(),
        times[0].as_millis(),
        times[9].as_millis()
    );
    // IPVS is there: the modules loaded at boot, its /proc file and its netlink family.
    let mods = vm.ok("cat /proc/modules");
    for m in [
        "ip_vs ",
        "ip_vs_wlc ",
        "ip_vs_mh ",
        "veth ",
        "bridge ",
        "macvlan ",
        "dummy ",
    ] {
        assert!(mods.contains(m), "module {m} not loaded:\n{mods}");
    }
    let proc = vm.ok("cat /proc/net/ip_vs");
    assert!(proc.starts_with("IP Virtual Server version 1.2.1"), "{proc}");
}

/// ipvsadm programs the kernel over generic netlink and `ipvsadm -Sn` reads it back, the form
/// the IPVS tests compare tables in.
#[test]
fn ipvsadm_add_and_save_round_trip() {
    let Some(mut vm) = vm::shared_or_skip("ipvsadm_add_and_save_round_trip") else {
        return;
    };
    vm.reset();
    vm.ok("ipvsadm -A -t 10.0.0.1:80 -s wlc -p 300
           ipvsadm -a -t 10.0.0.1:80 -r 10.0.0.2:80 -g -w 3
           ipvsadm -a -t 10.0.0.1:80 -r 10.0.0.3:8080 -m -w 0
           ipvsadm -A -u [2001:db8::1]:53 -s rr
           ipvsadm -A -f 7 -s sh -b sh-fallback");
    let saved = vm.ok("ipvsadm -Sn");
    assert_eq!(
        saved,
        "-A -t 10.0.0.1:80 -s wlc -p 300\n\
         -a -t 10.0.0.1:80 -r 10.0.0.2:80 -g -w 3\n\
         -a -t 10.0.0.1:80 -r 10.0.0.3:8080 -m -w 0\n\
         -A -u [2001:db8::1]:53 -s rr\n\
         -A -f 7 -s sh -b sh-fallback\n"
    );
    let proc = vm.ok("cat /proc/net/ip_vs");
    // The timeout is in jiffies there, so only its presence is checked.
    assert!(proc.contains("TCP  0A000001:0050 wlc  persistent "), "{proc}");
    assert!(proc.contains("-> 0A000002:0050      Route   3"), "{proc}");
    // Bounded waits for a table that changes later (as a daemon would change it).
    vm.ok("(sleep 0.5; ipvsadm -d -t 10.0.0.1:80 -r 10.0.0.3:8080) >/dev/null 2>&1 &");
    let want = saved.replace("-a -t 10.0.0.1:80 -r 10.0.0.3:8080 -m -w 0\n", "");
    assert_eq!(vm.wait_ipvs(&want, Duration::from_secs(10)), Ok(()));
    let t = Instant::now();
    let never = vm.wait_ipvs("", Duration::from_secs(1));
    assert_eq!(never, Err(want), "times out with the last table");
    assert!(t.elapsed() < Duration::from_secs(8), "{:?}", t.elapsed());
    vm.reset();
    assert_eq!(vm.ipvs_save(), "", "reset clears IPVS");
}

/// Our debug binary runs in the guest: its libraries came along, `-v` answers and `-t` checks
/// a configuration with LVS blocks (keepalived's `check_conf`).
#[test]
fn our_keepalived_runs_in_the_guest() {
    let Some(mut vm) = vm::shared_or_skip("our_keepalived_runs_in_the_guest") else {
        return;
    };
    let t = Instant::now();
    let kad = vm.install_ours();
    eprintln!("vm: install_ours {} ms", t.elapsed().as_millis());
    let v = vm.run(&format!("{kad} -v"));
    assert!(v.success(), "{v}");
    assert!(v.stderr.starts_with("Keepalived v2.2.7"), "{v}");
    assert!(v.stderr.contains(&vm.kernel), "reports the guest kernel: {v}");
    let conf = b"virtual_server 10.0.0.1 80 {\n  delay_loop 3\n  lb_algo wrr\n  lb_kind DR\n  protocol TCP\n  real_server 10.0.0.2 80 {\n    weight 2\n    TCP_CHECK {\n      connect_timeout 2\n    }\n  }\n}\n";
    vm.write("/etc/keepalived/vs.conf", conf, 0o644);
    let ok = vm.run(&format!("{kad} -t -f /etc/keepalived/vs.conf"));
    assert!(ok.success(), "{ok}");
    vm.write("/etc/keepalived/bad.conf", b"virtual_server 10.0.0.1 {\n", 0o644);
    let bad = vm.run(&format!("{kad} -t -f /etc/keepalived/bad.conf"));
    assert!(!bad.success() && !bad.timed_out, "{bad}");
}

/// Debian's keepalived (the benchmarks' reference) runs in the guest too: ldd brings its many
/// libraries (libnl, OpenSSL, net-snmp...).
#[test]
fn debian_keepalived_runs_in_the_guest() {
    let Some(oracle) = support::oracle_keepalived() else {
        support::skip(
            "debian_keepalived_runs_in_the_guest",
            "Debian's keepalived not installed",
        );
        return;
    };
    let Some(mut vm) = vm::shared_or_skip("debian_keepalived_runs_in_the_guest") else {
        return;
    };
    vm.put(&oracle, "/usr/local/sbin/keepalived-debian");
    let v = vm.run("keepalived-debian -v");
    assert!(v.success(), "{v}");
    assert!(v.stderr.starts_with("Keepalived v2.2.7"), "{v}");
    assert!(!v.stderr.contains("keepalived-rs"), "{v}");
}

/// A real backend in a guest namespace: busybox httpd behind a veth pair, fetched from a
/// second namespace (the checker tests put their real servers this way).
#[test]
fn http_backend_in_a_guest_namespace() {
    let Some(mut vm) = vm::shared_or_skip("http_backend_in_a_guest_namespace") else {
        return;
    };
    vm.reset();
    vm.write("/srv/www/index.html", b"hello from rs1\n", 0o644);
    vm.ok("set -e
           ip netns add rs1; ip netns add client
           ip link add veth-rs netns rs1 type veth peer name veth-cl netns client
           ip -n rs1 addr add 192.168.50.2/24 dev veth-rs
           ip -n client addr add 192.168.50.1/24 dev veth-cl
           ip -n rs1 link set lo up; ip -n rs1 link set veth-rs up
           ip -n client link set lo up; ip -n client link set veth-cl up
           ip netns exec rs1 httpd -p 192.168.50.2:80 -h /srv/www");
    // httpd forks into the background; wait (bounded) until it answers. (busybox wget -T
    // segfaults in Debian 12's busybox-static: bound it with timeout instead.)
    let page = vm.ok("for i in $(seq 50); do
             ip netns exec client timeout 5 wget -q -O - http://192.168.50.2/index.html && exit 0
             sleep 0.1
           done; exit 1");
    assert_eq!(page, "hello from rs1\n");
    let missing = vm.run("ip netns exec client timeout 5 wget -q -O - http://192.168.50.2/nope");
    assert!(!missing.success(), "404 is an error for wget: {missing}");
    vm.ok("ip addr add 10.9.9.9/32 dev lo; ip link add d0 type dummy");
    vm.reset();
    assert_eq!(vm.ok("ip netns list"), "", "reset removes namespaces");
    let links = vm.ok("ip -o link show | cut -d: -f2");
    assert_eq!(links.trim(), "lo", "reset removes links");
    let lo = vm.ok("ip -o addr show dev lo | awk '{print $4}'");
    assert_eq!(lo, "127.0.0.1/8\n::1/128\n", "reset restores loopback only");
}

/// The agent keeps exit statuses and stderr, binary files byte for byte, and kills a command
/// at its time limit while the VM stays usable.
#[test]
fn agent_protocol_keeps_status_bytes_and_limits() {
    let Some(mut vm) = vm::shared_or_skip("agent_protocol_keeps_status_bytes_and_limits") else {
        return;
    };
    let out = vm.run("echo out; echo err >&2; exit 42");
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (42, "out\n", "err\n")
    );
    assert!(!out.timed_out);

    let blob: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let t = Instant::now();
    vm.write("/tmp/blob", &blob, 0o600);
    let ms = t.elapsed().as_millis();
    eprintln!("vm: write 300 kB in {ms} ms");
    let sum = vm.ok("sha256sum /tmp/blob; stat -c %a /tmp/blob");
    let want = sha256_hex(&blob);
    assert_eq!(sum, format!("{want}  /tmp/blob\n600\n"));
    // A script past the agent's builtin-read size goes through dd.
    let big = format!("# {}\necho big", "x".repeat(40_000));
    assert_eq!(vm.ok(&big), "big\n");
    vm.write("/tmp/empty", b"", 0o644);
    assert_eq!(vm.ok("stat -c %s /tmp/empty"), "0\n");

    let t = Instant::now();
    let slow = vm.run_timeout("echo started; sleep 30 & sleep 30; echo never", Duration::from_secs(1));
    assert!(slow.timed_out, "{slow}");
    assert_eq!(slow.stdout, "started\n");
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "killed at the limit: {:?}",
        t.elapsed()
    );
    assert_eq!(vm.ok("echo still here"), "still here\n");
}

/// SHA-256 through the host's sha256sum (no hashing crate needed for one test).
fn sha256_hex(data: &[u8]) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sha256sum");
    child.stdin.take().expect("stdin").write_all(data).expect("write");
    let out = child.wait_with_output().expect("sha256sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .expect("digest")
        .to_string()
}

/// The VM never outlives the test process: a child test process boots one and exits without
/// any cleanup, and its QEMU must be gone soon after (PR_SET_PDEATHSIG on the spawning thread).
#[test]
fn vm_dies_with_the_test_process() {
    if std::env::var_os("KARS_VM_CHILD").is_some() {
        return; // only the parent runs this test
    }
    if vm::shared_or_skip("vm_dies_with_the_test_process").is_none() {
        return; // QEMU cannot run here (the child would skip too)
    }
    let exe = std::env::current_exe().expect("test binary");
    let out = std::process::Command::new(exe)
        .args(["--ignored", "--exact", "boot_and_exit_child", "--nocapture"])
        .env("KARS_VM_CHILD", "1")
        .output()
        .expect("child test process");
    let text = String::from_utf8_lossy(&out.stdout);
    let pid: i32 = text
        .lines()
        .find_map(|l| l.strip_prefix("QEMU_PID="))
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("child printed no QEMU_PID: {text}"));
    // Bounded wait for the kernel to kill it (a zombie counts as gone).
    let gone = |pid: i32| {
        std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |s| {
            s.rsplit(')').next().is_some_and(|r| r.trim_start().starts_with('Z'))
        })
    };
    let t = Instant::now();
    while !gone(pid) && t.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(gone(pid), "QEMU {pid} outlived its test process");
}

/// Helper of `vm_dies_with_the_test_process`: boots, prints QEMU's pid, returns (the process
/// then exits with the VM still running).
#[test]
#[ignore = "run by vm_dies_with_the_test_process"]
fn boot_and_exit_child() {
    if std::env::var_os("KARS_VM_CHILD").is_none() {
        return;
    }
    let Some(mut vm) = vm::shared_or_skip("boot_and_exit_child") else {
        return;
    };
    vm.ok("true");
    println!("QEMU_PID={}", vm.qemu_pid());
}

/// Not a test: runs `$KARS_VM_SH` in the guest and prints its output, for exploring the VM
/// (`KARS_VM_SH='ipvsadm -Ln' cargo test --test ipvs_vm guest_shell -- --ignored --nocapture`).
#[test]
#[ignore = "manual tool"]
fn guest_shell() {
    let Some(mut vm) = vm::shared_or_skip("guest_shell") else {
        return;
    };
    eprintln!("(boot {} ms, {})", vm.boot_time.as_millis(), vm.accel);
    let script = std::env::var("KARS_VM_SH").unwrap_or_else(|_| "uname -a".into());
    let out = vm.run(&script);
    print!("{}", out.stdout);
    eprint!("{}", out.stderr);
    eprintln!("(exit {}{})", out.code, if out.timed_out { ", timed out" } else { "" });
}
