//! Helpers for the end-to-end checker scenarios in the QEMU guest (`tests/ipvs_daemon_vm_*.rs`):
//! busybox httpd real servers in guest namespaces, our daemon started and stopped, and table
//! checks that fail with the daemon's log.

use std::time::Duration;

use super::vm::Vm;

/// How long a table change may take (checker period 1 s, retry 1, under emulation).
pub const LIMIT: Duration = Duration::from_secs(30);

/// Where the daemon's stdout/stderr (its `-l` log) goes in the guest.
pub const LOG: &str = "/tmp/ka.log";

/// Real servers `192.168.60.<i>` for each `i` in `hosts`, each in namespace `rs<i>` behind the
/// bridge `br60` (192.168.60.1), serving `/srv/www/index.html` with busybox httpd on port 80.
pub fn backends(vm: &mut Vm, hosts: &[u8]) {
    vm.write("/srv/www/index.html", b"ok\n", 0o644);
    vm.ok("ip link add br60 type bridge; ip addr add 192.168.60.1/24 dev br60; ip link set br60 up");
    for &i in hosts {
        vm.ok(&format!(
            "set -e
             ip netns add rs{i}
             ip link add v{i} type veth peer name eth0 netns rs{i}
             ip link set v{i} master br60; ip link set v{i} up
             ip -n rs{i} addr add 192.168.60.{i}/24 dev eth0
             ip -n rs{i} link set eth0 up; ip -n rs{i} link set lo up"
        ));
        start_httpd(vm, i);
    }
}

/// Starts busybox httpd in namespace `rs<i>` (it daemonizes).
pub fn start_httpd(vm: &mut Vm, i: u8) {
    vm.ok(&format!("ip netns exec rs{i} httpd -p 192.168.60.{i}:80 -h /srv/www"));
}

/// Stops every process in namespace `rs<i>` (its httpd) and waits until none is left.
pub fn stop_httpd(vm: &mut Vm, i: u8) {
    vm.ok(&format!("kill $(ip netns pids rs{i})"));
    let gone = vm.poll(&format!("[ -z \"$(ip netns pids rs{i})\" ]"), LIMIT);
    assert!(gone.success(), "httpd in rs{i} did not stop");
}

/// Writes `conf` to `/etc/keepalived/keepalived.conf` and starts our daemon in the background
/// (`-n -l -D`, log in [`LOG`], parent pid in `/tmp/p.pid`).
pub fn start_ours(vm: &mut Vm, conf: &str) {
    let kad = vm.install_ours();
    vm.write("/etc/keepalived/keepalived.conf", conf.as_bytes(), 0o644);
    vm.ok(&format!(
        "{kad} -n -l -D -f /etc/keepalived/keepalived.conf -p /tmp/p.pid -r /tmp/r.pid -c /tmp/c.pid \
         >{LOG} 2>&1 &"
    ));
}

/// The daemon's log so far.
pub fn log(vm: &mut Vm) -> String {
    vm.run(&format!("cat {LOG}")).stdout
}

/// Waits until `ipvsadm -Sn` is exactly `want`; panics naming `step` with the table seen and
/// the daemon's log.
pub fn expect_table(vm: &mut Vm, want: &str, step: &str) {
    if let Err(got) = vm.wait_ipvs(want, LIMIT) {
        panic!("{step}: want\n{want}got\n{got}\nlog:\n{}", log(vm));
    }
}

/// Waits until the log has a line containing `text`; panics naming `step` otherwise.
pub fn expect_log(vm: &mut Vm, text: &str, step: &str) {
    let quoted = text.replace('\'', r"'\''");
    let out = vm.poll(&format!("grep -qF -- '{quoted}' {LOG}"), LIMIT);
    if !out.success() {
        panic!("{step}: no log line with {text:?}\nlog:\n{}", log(vm));
    }
}

/// SIGTERM to the parent: the table must end empty and the daemon must exit.
pub fn stop_ours(vm: &mut Vm) {
    vm.ok("kill -TERM $(cat /tmp/p.pid)");
    expect_table(vm, "", "after stop");
    let done = vm.poll("! pidof keepalived >/dev/null", LIMIT);
    assert!(done.success(), "daemon still running\n{}", log(vm));
}
