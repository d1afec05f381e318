//! The checker child against a real kernel IPVS table (Debian's kernel in the QEMU guest,
//! `scripts/vm/`): real servers are busybox httpd instances in guest namespaces; after each
//! step `ipvsadm -Sn` must show exactly the expected table (keepalived's `ipwrapper.c`
//! behaviour: a failing real server leaves the pool, comes back when it recovers, and stop
//! removes everything we programmed). One VM boot serves the whole file.

mod support;

use support::vm;
use support::vmscen::{backends, expect_table, log, start_ours, stop_ours};

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
    backends(&mut vm, &[2, 3]);
    start_ours(&mut vm, CONF);
    expect_table(&mut vm, BOTH, "start");
    // rs2's page disappears: HTTP_GET fails (404), rs2 leaves the pool.
    vm.ok("mv /srv/www/index.html /srv/www/gone.html");
    expect_table(&mut vm, ONLY_3, "after the page went");
    // The page is back: rs2 returns.
    vm.ok("mv /srv/www/gone.html /srv/www/index.html");
    expect_table(&mut vm, BOTH, "after the page came back");
    let text = log(&mut vm);
    assert!(
        text.contains("Removing service [192.168.60.2]:tcp:80 from VS [10.10.10.1]:tcp:80"),
        "{text}"
    );
    assert!(
        text.contains("Adding service [192.168.60.2]:tcp:80 to VS [10.10.10.1]:tcp:80"),
        "{text}"
    );
    // SIGTERM: everything we programmed is removed and the daemon exits.
    stop_ours(&mut vm);
}
