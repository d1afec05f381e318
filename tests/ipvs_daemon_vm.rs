//! The checker child against a real kernel IPVS table (Debian's kernel in the QEMU guest,
//! `scripts/vm/`): real servers are busybox httpd instances in guest namespaces; after each
//! step `ipvsadm -Sn` must show exactly the expected table (keepalived's `ipwrapper.c`
//! behaviour: a failing real server leaves the pool, comes back when it recovers, and stop
//! removes everything we programmed). One VM boot serves the whole file.

mod support;

use std::time::Duration;

use support::vm;

const LIMIT: Duration = Duration::from_secs(30);

/// Two real servers 192.168.60.2 and .3 in namespaces rs1/rs2 behind a bridge in the root
/// namespace (192.168.60.1), each serving /index.html.
fn backends(vm: &mut vm::Vm) {
    vm.write("/srv/www/index.html", b"ok\n", 0o644);
    vm.ok("set -e
           ip link add br60 type bridge; ip addr add 192.168.60.1/24 dev br60; ip link set br60 up
           for i in 2 3; do
             ip netns add rs$i
             ip link add v$i type veth peer name eth0 netns rs$i
             ip link set v$i master br60; ip link set v$i up
             ip -n rs$i addr add 192.168.60.$i/24 dev eth0
             ip -n rs$i link set eth0 up; ip -n rs$i link set lo up
             ip netns exec rs$i httpd -p 192.168.60.$i:80 -h /srv/www
           done");
}

const CONF: &str = "global_defs {
    router_id vmtest
}
virtual_server 10.10.10.1 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.168.60.2 80 {
        weight 1
        HTTP_GET {
            url {
                path /index.html
                status_code 200
            }
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
    real_server 192.168.60.3 80 {
        weight 2
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
}
";

const BOTH: &str = "-A -t 10.10.10.1:80 -s rr\n\
-a -t 10.10.10.1:80 -r 192.168.60.2:80 -m -w 1\n\
-a -t 10.10.10.1:80 -r 192.168.60.3:80 -m -w 2\n";

const ONLY_3: &str = "-A -t 10.10.10.1:80 -s rr\n\
-a -t 10.10.10.1:80 -r 192.168.60.3:80 -m -w 2\n";

/// keepalived `init_services()`, `perform_svr_state()`, `clear_services()`: the table at
/// start, a real server whose HTTP page goes away leaves it and comes back, one whose
/// listener stops leaves it, and SIGTERM leaves the kernel's table empty.
#[test]
fn checker_child_programs_the_kernel_table() {
    let Some(mut vm) = vm::shared_or_skip("checker_child_programs_the_kernel_table") else {
        return;
    };
    vm.reset();
    let kad = vm.install_ours();
    backends(&mut vm);
    vm.write("/etc/keepalived/keepalived.conf", CONF.as_bytes(), 0o644);
    vm.ok(&format!(
        "{kad} -n -l -D -f /etc/keepalived/keepalived.conf -p /tmp/p.pid -r /tmp/r.pid -c /tmp/c.pid \
         >/tmp/ka.log 2>&1 &"
    ));
    let log = |vm: &mut vm::Vm| vm.run("cat /tmp/ka.log").stdout;
    if let Err(t) = vm.wait_ipvs(BOTH, LIMIT) {
        panic!("start: {t}\n{}", log(&mut vm));
    }
    // rs2's page disappears: HTTP_GET fails (404), rs2 leaves the pool.
    vm.ok("mv /srv/www/index.html /srv/www/gone.html");
    if let Err(t) = vm.wait_ipvs(ONLY_3, LIMIT) {
        panic!("after the page went: {t}\n{}", log(&mut vm));
    }
    // The page is back: rs2 returns.
    vm.ok("mv /srv/www/gone.html /srv/www/index.html");
    if let Err(t) = vm.wait_ipvs(BOTH, LIMIT) {
        panic!("after the page came back: {t}\n{}", log(&mut vm));
    }
    let text = log(&mut vm);
    assert!(
        text.contains("Removing service [192.168.60.2]:tcp:80 from VS [10.10.10.1]:tcp:80"),
        "{text}"
    );
    assert!(
        text.contains("Adding service [192.168.60.2]:tcp:80 to VS [10.10.10.1]:tcp:80"),
        "{text}"
    );
    // SIGTERM: everything we programmed is removed.
    vm.ok("kill -TERM $(cat /tmp/p.pid)");
    if let Err(t) = vm.wait_ipvs("", LIMIT) {
        panic!("after stop: {t}\n{}", log(&mut vm));
    }
    let done = vm.poll("! pidof keepalived >/dev/null", LIMIT);
    assert!(done.success(), "daemon still running\n{}", log(&mut vm));
}
