//! The checker child against the real kernel IPVS table in the QEMU guest: MISC_CHECK exit
//! codes (0 in, 1 out) and `misc_dynamic` (exit 2+N sets weight N), with scripts whose exit
//! code the test changes. keepalived `check_misc.c:misc_check_child_thread()`,
//! `ipwrapper.c:update_svr_wgt()`, `perform_svr_state()`. One VM boot serves the whole file.

mod support;

use support::vm;
use support::vmscen::{expect_log, expect_table, start_ours, stop_ours};

const CONF: &str = "global_defs {
    router_id vmmisc
}
virtual_server 10.10.10.1 80 {
    delay_loop 1
    lb_algo wrr
    lb_kind NAT
    protocol TCP
    real_server 192.168.60.2 80 {
        weight 1
        MISC_CHECK {
            misc_path /tmp/chk2.sh
            misc_timeout 5
            retry 1
            delay_before_retry 1
        }
    }
    real_server 192.168.60.3 80 {
        weight 5
        MISC_CHECK {
            misc_path /tmp/chk3.sh
            misc_timeout 5
            misc_dynamic
            retry 1
            delay_before_retry 1
        }
    }
}
";

/// Sets the exit code of `/tmp/chk<i>.sh` (it exits with the number in `/tmp/rc<i>`).
fn set_rc(vm: &mut vm::Vm, i: u8, rc: u8) {
    vm.write(&format!("/tmp/rc{i}"), format!("{rc}\n").as_bytes(), 0o644);
}

fn table(rows: &[(u8, u8)]) -> String {
    let mut t = String::from("-A -t 10.10.10.1:80 -s wrr\n");
    for (i, w) in rows {
        t += &format!("-a -t 10.10.10.1:80 -r 192.168.60.{i}:80 -m -w {w}\n");
    }
    t
}

const RS2: &str = "[192.168.60.2]:tcp:80";
const RS3: &str = "[192.168.60.3]:tcp:80";
const VS: &str = "[10.10.10.1]:tcp:80";

/// Exit 0 keeps a real server in with its configured weight; exit 1 (after the retry)
/// removes it; with `misc_dynamic` exit 5 sets weight 3 in place ("Changing weight from 5
/// to 3 for active service"), and a server that failed and comes back with exit 4 returns
/// with weight 2. A plain MISC_CHECK treats exit 2+ as failure.
#[test]
fn misc_check_exit_codes_and_misc_dynamic() {
    let Some(mut vm) = vm::shared_or_skip("misc_check_exit_codes_and_misc_dynamic") else {
        return;
    };
    vm.reset();
    for i in [2, 3] {
        set_rc(&mut vm, i, 0);
        vm.write(
            &format!("/tmp/chk{i}.sh"),
            format!("#!/bin/sh\nexit $(cat /tmp/rc{i})\n").as_bytes(),
            0o755,
        );
    }
    start_ours(&mut vm, CONF);
    expect_table(&mut vm, &table(&[(2, 1), (3, 5)]), "start, both exit 0");

    // misc_dynamic: exit 5 sets weight 3 while the server stays in.
    set_rc(&mut vm, 3, 5);
    expect_table(&mut vm, &table(&[(2, 1), (3, 3)]), "rs3 exit 5");
    expect_log(
        &mut vm,
        &format!("Changing weight from 5 to 3 for active service {RS3} of VS {VS}"),
        "rs3 exit 5",
    );

    // Plain MISC_CHECK: exit 1 takes rs2 out after its retry.
    set_rc(&mut vm, 2, 1);
    expect_table(&mut vm, &table(&[(3, 3)]), "rs2 exit 1");
    expect_log(
        &mut vm,
        &format!("Misc check for [{RS2} VS {VS}] by [/tmp/chk2.sh] failed after 1 retry (exited with status 1)."),
        "rs2 exit 1",
    );
    expect_log(&mut vm, &format!("Removing service {RS2} from VS {VS}"), "rs2 exit 1");

    // misc_dynamic: exit 1 is still a failure.
    set_rc(&mut vm, 3, 1);
    expect_table(&mut vm, &table(&[]), "rs3 exit 1");
    expect_log(&mut vm, &format!("Removing service {RS3} from VS {VS}"), "rs3 exit 1");

    // rs3 returns through exit 4: weight 2. rs2 returns with exit 0: weight 1.
    set_rc(&mut vm, 3, 4);
    set_rc(&mut vm, 2, 0);
    expect_table(&mut vm, &table(&[(2, 1), (3, 2)]), "rs2 exit 0, rs3 exit 4");
    expect_log(
        &mut vm,
        &format!("Misc check for [{RS3} VS {VS}] by [/tmp/chk3.sh] succeeded."),
        "rs3 exit 4",
    );
    expect_log(&mut vm, &format!("Adding service {RS3} to VS {VS}"), "rs3 exit 4");
    // The failure restored the configured weight 5; exit 4 changes it while rs3 is out.
    expect_log(
        &mut vm,
        &format!("Changing weight from 5 to 2 for inactive service {RS3} of VS {VS}"),
        "rs3 exit 4",
    );

    // A plain MISC_CHECK treats exit 3 as a failure (no misc_dynamic).
    set_rc(&mut vm, 2, 3);
    expect_table(&mut vm, &table(&[(3, 2)]), "rs2 exit 3 without misc_dynamic");
    stop_ours(&mut vm);
}
