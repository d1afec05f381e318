//! The checker child against the real kernel IPVS table in the QEMU guest: a reload (SIGHUP to
//! the parent) that adds one real server and removes another leaves the untouched one in the
//! table the whole time. keepalived `ipwrapper.c:clear_diff_services()` / `clear_diff_rs()`
//! and `init_services()` on reload. One VM boot serves the whole file.

mod support;

use support::vm;
use support::vmscen::{LIMIT, backends, expect_log, expect_table, start_ours, stop_ours};

fn conf(hosts: &[u8]) -> String {
    let mut c = String::from(
        "global_defs {\n    router_id vmreload\n}\n\
         virtual_server 10.10.10.1 80 {\n    delay_loop 1\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n",
    );
    for i in hosts {
        c += &format!(
            "    real_server 192.168.60.{i} 80 {{\n        weight {i}\n        TCP_CHECK {{\n            connect_timeout 1\n            retry 1\n            delay_before_retry 1\n        }}\n    }}\n"
        );
    }
    c + "}\n"
}

fn table(hosts: &[u8]) -> String {
    let mut t = String::from("-A -t 10.10.10.1:80 -s rr\n");
    for i in hosts {
        t += &format!("-a -t 10.10.10.1:80 -r 192.168.60.{i}:80 -m -w {i}\n");
    }
    t
}

/// Records `/proc/net/ip_vs` in the background (bash builtins only, about every 10 ms, so
/// it does not starve the daemon under emulation) until `/tmp/stop` exists; then writes
/// "<snapshots> <snapshots without rs3> <with rs2> <with rs4> <with rs3 at a weight other
/// than 3>" to `/tmp/snap.out`.
const SNAPSHOTS: &str = r#"
rm -f /tmp/stop /tmp/snap.out /tmp/snap.started; mkfifo /tmp/snap.fifo
(
  exec 9<>/tmp/snap.fifo
  n=0; miss=0; saw2=0; saw4=0; badw=0
  while [ ! -e /tmp/stop ]; do
    mapfile -t l </proc/net/ip_vs
    s="${l[*]}"
    n=$((n+1))
    if [[ $s == *C0A83C03:0050* ]]; then
      [[ $s =~ C0A83C03:0050\ +Masq\ +3\  ]] || badw=$((badw+1))
    else
      miss=$((miss+1))
    fi
    [[ $s != *C0A83C02:0050* ]] || saw2=$((saw2+1))
    [[ $s != *C0A83C04:0050* ]] || saw4=$((saw4+1))
    [ $n != 1 ] || : >/tmp/snap.started
    read -t 0.01 -u 9 _
  done
  echo "$n $miss $saw2 $saw4 $badw" >/tmp/snap.out
) >/dev/null 2>&1 </dev/null &
"#;

/// keepalived reload: real server .2 goes ("service ... no longer exist"), .4 comes, and .3,
/// in both configurations, is never removed from the kernel table nor re-weighted while the
/// reload runs (every snapshot of `/proc/net/ip_vs` has it with weight 3); the final table
/// is exact, and stop empties it.
#[test]
fn reload_adds_and_removes_a_real_server_without_touching_the_others() {
    let Some(mut vm) = vm::shared_or_skip("reload_adds_and_removes_a_real_server_without_touching_the_others") else {
        return;
    };
    vm.reset();
    backends(&mut vm, &[2, 3, 4]);
    start_ours(&mut vm, &conf(&[2, 3]));
    expect_table(&mut vm, &table(&[2, 3]), "before reload");
    expect_log(&mut vm, "Startup complete", "before reload");

    vm.ok(SNAPSHOTS);
    assert!(
        vm.poll("[ -e /tmp/snap.started ]", LIMIT).success(),
        "snapshot loop did not start"
    );

    vm.write("/etc/keepalived/keepalived.conf", conf(&[3, 4]).as_bytes(), 0o644);
    vm.ok("kill -HUP $(cat /tmp/p.pid)");
    expect_table(&mut vm, &table(&[3, 4]), "after reload");
    expect_log(&mut vm, "Reload complete", "after reload");
    expect_log(&mut vm, "service [192.168.60.2]:tcp:80 no longer exist", "after reload");

    vm.ok(": >/tmp/stop");
    let out = vm.poll("cat /tmp/snap.out", LIMIT);
    assert!(out.success(), "snapshot loop did not finish: {out}");
    let nums: Vec<u64> = out.stdout.split_whitespace().map(|w| w.parse().unwrap()).collect();
    let [n, miss, saw2, saw4, badw] = nums[..] else {
        panic!("bad snapshot summary {:?}", out.stdout)
    };
    eprintln!("reload snapshots: {n} taken, {saw2} with rs2, {saw4} with rs4");
    assert!(
        saw2 > 0 && saw4 > 0,
        "the snapshots did not span the reload: {n} {saw2} {saw4}"
    );
    assert_eq!(
        miss,
        0,
        "rs3 was missing from {miss} of {n} snapshots\n{}",
        support::vmscen::log(&mut vm)
    );
    assert_eq!(badw, 0, "rs3 had another weight in {badw} of {n} snapshots");
    stop_ours(&mut vm);
}
