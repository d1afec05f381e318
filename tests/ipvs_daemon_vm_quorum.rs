//! The checker child against the real kernel IPVS table in the QEMU guest: quorum lost to the
//! sorry server and regained, and `inhibit_on_failure` (weight 0 instead of removal).
//! keepalived `ipwrapper.c`: `update_quorum_state()`, `perform_quorum_state()`,
//! `perform_svr_state()`. One VM boot serves the whole file.

mod support;

use support::vm;
use support::vmscen::{backends, expect_log, expect_table, start_httpd, start_ours, stop_httpd, stop_ours};

const QUORUM: &str = "global_defs {
    router_id vmquorum
}
virtual_server 10.10.10.1 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    quorum 2
    sorry_server 192.168.60.9 80
    real_server 192.168.60.2 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
    real_server 192.168.60.3 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
}
";

const QUORUM_UP: &str = "-A -t 10.10.10.1:80 -s rr\n\
-a -t 10.10.10.1:80 -r 192.168.60.2:80 -m -w 1\n\
-a -t 10.10.10.1:80 -r 192.168.60.3:80 -m -w 1\n";

const SORRY: &str = "-A -t 10.10.10.1:80 -s rr\n\
-a -t 10.10.10.1:80 -r 192.168.60.9:80 -m -w 1\n";

/// keepalived `update_quorum_state()`: with `quorum 2` and two weight-1 real servers, one
/// failing loses quorum: the sorry server replaces every alive real server; when it recovers
/// the sorry server leaves and both come back. SIGTERM empties the table.
#[test]
fn quorum_lost_to_the_sorry_server_and_regained() {
    let Some(mut vm) = vm::shared_or_skip("quorum_lost_to_the_sorry_server_and_regained") else {
        return;
    };
    vm.reset();
    backends(&mut vm, &[2, 3]);
    start_ours(&mut vm, QUORUM);
    expect_table(&mut vm, QUORUM_UP, "start with both up");

    stop_httpd(&mut vm, 3);
    expect_table(&mut vm, SORRY, "rs3 down: quorum lost");
    expect_log(
        &mut vm,
        "Removing service [192.168.60.3]:tcp:80 from VS [10.10.10.1]:tcp:80",
        "rs3 down",
    );
    expect_log(&mut vm, "Lost quorum 2-0=2 > 1 for VS [10.10.10.1]:tcp:80", "rs3 down");
    expect_log(
        &mut vm,
        "Adding sorry server [192.168.60.9]:tcp:80 to VS [10.10.10.1]:tcp:80",
        "rs3 down",
    );
    expect_log(
        &mut vm,
        "Removing alive servers from the pool for VS [10.10.10.1]:tcp:80",
        "rs3 down",
    );

    start_httpd(&mut vm, 3);
    expect_table(&mut vm, QUORUM_UP, "rs3 back: quorum regained");
    expect_log(
        &mut vm,
        "Gained quorum 2+0=2 <= 2 for VS [10.10.10.1]:tcp:80",
        "rs3 back",
    );
    expect_log(
        &mut vm,
        "Removing sorry server [192.168.60.9]:tcp:80 from VS [10.10.10.1]:tcp:80",
        "rs3 back",
    );
    expect_log(
        &mut vm,
        "Adding alive servers to the pool for VS [10.10.10.1]:tcp:80",
        "rs3 back",
    );
    stop_ours(&mut vm);
}

const INHIBIT: &str = "global_defs {
    router_id vminhibit
}
virtual_server 10.10.10.1 80 {
    delay_loop 1
    lb_algo wrr
    lb_kind NAT
    protocol TCP
    real_server 192.168.60.2 80 {
        weight 3
        inhibit_on_failure
        TCP_CHECK {
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

const BOTH: &str = "-A -t 10.10.10.1:80 -s wrr\n\
-a -t 10.10.10.1:80 -r 192.168.60.2:80 -m -w 3\n\
-a -t 10.10.10.1:80 -r 192.168.60.3:80 -m -w 2\n";

const INHIBITED: &str = "-A -t 10.10.10.1:80 -s wrr\n\
-a -t 10.10.10.1:80 -r 192.168.60.2:80 -m -w 0\n\
-a -t 10.10.10.1:80 -r 192.168.60.3:80 -m -w 2\n";

/// keepalived `perform_svr_state()` with `inhibit_on_failure`: a failing real server stays
/// in the table with weight 0 ("Disabling service ... of VS ...") and gets its weight back
/// when it recovers ("Enabling ..."); SIGTERM removes it too.
#[test]
fn inhibit_on_failure_sets_weight_zero() {
    let Some(mut vm) = vm::shared_or_skip("inhibit_on_failure_sets_weight_zero") else {
        return;
    };
    vm.reset();
    backends(&mut vm, &[2, 3]);
    start_ours(&mut vm, INHIBIT);
    expect_table(&mut vm, BOTH, "start with both up");

    stop_httpd(&mut vm, 2);
    expect_table(&mut vm, INHIBITED, "rs2 down: inhibited");
    expect_log(
        &mut vm,
        "Disabling service [192.168.60.2]:tcp:80 of VS [10.10.10.1]:tcp:80",
        "rs2 down",
    );

    start_httpd(&mut vm, 2);
    expect_table(&mut vm, BOTH, "rs2 back: enabled");
    expect_log(
        &mut vm,
        "Enabling service [192.168.60.2]:tcp:80 of VS [10.10.10.1]:tcp:80",
        "rs2 back",
    );
    stop_ours(&mut vm);
}
