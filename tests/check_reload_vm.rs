//! The checker child across a reload and `lvs_timeouts`, against Debian's kernel in the QEMU
//! guest (`scripts/vm/`): keepalived's `migrate_checkers()` (ipwrapper.c) keeps a down
//! checker down through a reload, and `ipvs_set_timeouts()` / `ipvs_stop()` (ipvswrapper.c)
//! set the connection timeouts at start and reload and restore the kernel's at stop. One VM
//! boot serves the whole file.

mod support;

use std::time::Duration;

use support::vm;

const LIMIT: Duration = Duration::from_secs(30);

/// Starts our keepalived in the guest with `conf`, its log in /tmp/ka.log.
fn start(vm: &mut vm::Vm, conf: &str) {
    let kad = vm.install_ours();
    vm.write("/etc/keepalived/keepalived.conf", conf.as_bytes(), 0o644);
    vm.ok(&format!(
        "{kad} -n -l -D -f /etc/keepalived/keepalived.conf -p /tmp/p.pid -r /tmp/r.pid -c /tmp/c.pid \
         >/tmp/ka.log 2>&1 &"
    ));
}

fn log(vm: &mut vm::Vm) -> String {
    vm.run("cat /tmp/ka.log").stdout
}

/// The timeouts line of `ipvsadm -L --timeout`.
fn timeouts(vm: &mut vm::Vm) -> String {
    vm.ok("ipvsadm -L --timeout").trim().to_string()
}

/// Waits until `ipvsadm -L --timeout` shows `want` (e.g. "100 10 20").
fn wait_timeouts(vm: &mut vm::Vm, want: &str) -> bool {
    let check = format!("ipvsadm -L --timeout | grep -q 'udp): {want}$'");
    vm.poll(&check, LIMIT).success()
}

fn timeouts_conf(line: &str) -> String {
    format!(
        "global_defs {{\n    router_id vmtest\n    {line}\n}}\n\
         virtual_server 10.10.10.1 80 {{\n    delay_loop 1\n    lb_algo rr\n    lb_kind NAT\n    \
         protocol TCP\n    \
         real_server 192.168.60.3 80 {{\n        weight 1\n    }}\n}}\n"
    )
}

/// `ipvs_set_timeouts()` at start and reload (unset values from the kernel's originals) and
/// `ipvs_stop()` restoring the originals at stop.
#[test]
fn lvs_timeouts_set_at_start_and_reload_restored_at_stop() {
    let Some(mut vm) = vm::shared_or_skip("lvs_timeouts_set_at_start_and_reload_restored_at_stop") else {
        return;
    };
    vm.reset();
    let original = timeouts(&mut vm);
    assert!(original.ends_with("udp): 900 120 300"), "kernel defaults: {original}");
    start(&mut vm, &timeouts_conf("lvs_timeouts tcp 100 tcpfin 10 udp 20"));
    assert!(
        wait_timeouts(&mut vm, "100 10 20"),
        "start: {}\n{}",
        timeouts(&mut vm),
        log(&mut vm)
    );
    vm.write(
        "/etc/keepalived/keepalived.conf",
        timeouts_conf("lvs_timeouts tcp 200").as_bytes(),
        0o644,
    );
    vm.ok("kill -HUP $(cat /tmp/p.pid)");
    assert!(
        wait_timeouts(&mut vm, "200 120 300"),
        "reload: {}\n{}",
        timeouts(&mut vm),
        log(&mut vm)
    );
    vm.ok("kill -TERM $(cat /tmp/p.pid)");
    let done = vm.poll("! pidof keepalived >/dev/null", LIMIT);
    assert!(done.success(), "daemon still running\n{}", log(&mut vm));
    assert_eq!(timeouts(&mut vm), original, "after stop\n{}", log(&mut vm));
}

/// A real server whose MISC_CHECK fails (counting its runs in /tmp/runs) and one up.
fn reload_conf(extra: &str) -> String {
    format!(
        "global_defs {{\n    router_id vmtest\n}}\n\
         virtual_server 10.10.10.1 80 {{\n    delay_loop 1\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n    \
         real_server 192.168.60.2 80 {{\n        weight 1\n        MISC_CHECK {{\n            \
         misc_path \"/bin/sh -c 'echo r >>/tmp/runs; exit 1'\"\n        }}\n    }}\n    \
         real_server 192.168.60.3 80 {{\n        weight 2\n    }}\n{extra}}}\n"
    )
}

const ONLY_3: &str = "-A -t 10.10.10.1:80 -s rr\n\
-a -t 10.10.10.1:80 -r 192.168.60.3:80 -m -w 2\n";

const WITH_4: &str = "-A -t 10.10.10.1:80 -s rr\n\
-a -t 10.10.10.1:80 -r 192.168.60.3:80 -m -w 2\n\
-a -t 10.10.10.1:80 -r 192.168.60.4:80 -m -w 3\n";

/// `migrate_checkers()`: after a reload the failed checker keeps its state (it is not taken
/// for up again: no second failure line, the real server never re-enters the table), while
/// a real server the reload adds goes in.
#[test]
fn reload_keeps_a_failed_checker_down() {
    let Some(mut vm) = vm::shared_or_skip("reload_keeps_a_failed_checker_down") else {
        return;
    };
    vm.reset();
    start(&mut vm, &reload_conf(""));
    if let Err(t) = vm.wait_ipvs(ONLY_3, LIMIT) {
        panic!("start: {t}\n{}", log(&mut vm));
    }
    let failed = "Misc check for [[192.168.60.2]:tcp:80 VS [10.10.10.1]:tcp:80] by [/usr/bin/sh] failed";
    let down = vm.poll(&format!("grep -qF '{failed}' /tmp/ka.log"), LIMIT);
    assert!(down.success(), "no failure line\n{}", log(&mut vm));
    vm.write(
        "/etc/keepalived/keepalived.conf",
        reload_conf("    real_server 192.168.60.4 80 {\n        weight 3\n    }\n").as_bytes(),
        0o644,
    );
    let runs: usize = vm.ok("cat /tmp/runs | wc -l").trim().parse().unwrap_or(0);
    vm.ok("kill -HUP $(cat /tmp/p.pid)");
    if let Err(t) = vm.wait_ipvs(WITH_4, LIMIT) {
        panic!("reload: {t}\n{}", log(&mut vm));
    }
    // The kept checker has run twice since the reload.
    let ran = vm.poll(&format!("[ $(cat /tmp/runs | wc -l) -ge {} ]", runs + 2), LIMIT);
    assert!(ran.success(), "the MISC_CHECK stopped running\n{}", log(&mut vm));
    assert_eq!(vm.ipvs_save(), WITH_4);
    let text = log(&mut vm);
    assert!(text.contains("Reloading"), "{text}");
    assert_eq!(text.matches(failed).count(), 1, "{text}");
    assert!(!text.contains("Adding service [192.168.60.2]"), "{text}");
    vm.ok("kill -TERM $(cat /tmp/p.pid)");
    let done = vm.poll("! pidof keepalived >/dev/null", LIMIT);
    assert!(done.success(), "daemon still running\n{}", log(&mut vm));
}

/// A real server 192.168.60.3:80 (busybox httpd in namespace rs3) behind bridge br60.
fn backend(vm: &mut vm::Vm) {
    vm.write("/srv/www/index.html", b"ok\n", 0o644);
    vm.ok("set -e
           ip link add br60 type bridge; ip addr add 192.168.60.1/24 dev br60; ip link set br60 up
           ip netns add rs3
           ip link add v3 type veth peer name eth0 netns rs3
           ip link set v3 master br60; ip link set v3 up
           ip -n rs3 addr add 192.168.60.3/24 dev eth0
           ip -n rs3 link set eth0 up; ip -n rs3 link set lo up
           ip netns exec rs3 httpd -p 192.168.60.3:80 -h /srv/www");
}

const HA_CONF: &str = "global_defs {
    router_id vmtest
}
virtual_server 10.10.10.1 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    ha_suspend
    alpha
    real_server 192.168.60.3 80 {
        weight 2
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
";

/// keepalived's `register_checkers_thread()` and `update_checker_activity()` (check_api.c):
/// with `ha_suspend` the checkers of a virtual server whose address is not local are
/// suspended (the alpha real server stays out of the table) until the address is added.
#[test]
fn ha_suspend_checks_only_once_the_address_is_local() {
    let Some(mut vm) = vm::shared_or_skip("ha_suspend_checks_only_once_the_address_is_local") else {
        return;
    };
    vm.reset();
    backend(&mut vm);
    start(&mut vm, HA_CONF);
    let deactivated = "Deactivating healthchecker for service [192.168.60.3]:tcp:80 for VS [10.10.10.1]:tcp:80";
    let st = vm.poll(&format!("grep -qF '{deactivated}' /tmp/ka.log"), LIMIT);
    assert!(st.success(), "not suspended\n{}", log(&mut vm));
    if let Err(t) = vm.wait_ipvs("-A -t 10.10.10.1:80 -s rr\n", LIMIT) {
        panic!("start: {t}\n{}", log(&mut vm));
    }
    // The checker would have run within BOOTSTRAP_DELAY + warmup (2 s): wait for that long
    // past the suspension and check the real server is still out.
    let out = vm.run("sleep 3; ipvsadm -Sn").stdout;
    assert_eq!(out, "-A -t 10.10.10.1:80 -s rr\n", "{}", log(&mut vm));
    vm.ok("ip link add dum10 type dummy; ip link set dum10 up; ip addr add 10.10.10.1/32 dev dum10");
    let with_rs = "-A -t 10.10.10.1:80 -s rr\n-a -t 10.10.10.1:80 -r 192.168.60.3:80 -m -w 2\n";
    if let Err(t) = vm.wait_ipvs(with_rs, LIMIT) {
        panic!("after the address came: {t}\n{}", log(&mut vm));
    }
    let text = log(&mut vm);
    assert!(
        text.contains("Activating healthchecker for service [192.168.60.3]:tcp:80 for VS [10.10.10.1]:tcp:80"),
        "{text}"
    );
    vm.ok("kill -TERM $(cat /tmp/p.pid)");
    let done = vm.poll("! pidof keepalived >/dev/null", LIMIT);
    assert!(done.success(), "daemon still running\n{}", log(&mut vm));
}
