//! VRRP between real daemons in network namespaces: two nodes of ours, and mixed pairs with
//! Debian's keepalived 2.2.7, on a bridge in a switch namespace with an observer capturing
//! frames. Every wait is for an observable event (a log line, an address in `ip addr`, a frame)
//! with a bound; timing precision is the benchmark's job (scripts/bench-vrrp.sh), so bounds here
//! are generous.

mod support;

use std::time::Duration;

use support::lab::{self, Daemon, Lab};

const SEC: Duration = Duration::from_secs(1);

/// Fragments of keepalived's receive-check log lines (vrrp_check_packet()).
const PACKET_ERRORS: &[&str] = &[
    "invalid passwd",
    "auth, expecting",
    "Invalid auth type",
    "invalid TTL/HL",
    "wrong version",
    "checksum",
    "vrrp packet too",
    "interval mismatch",
    "unexpected ip number count",
    "not present in MASTER advert",
];

fn skip_unless_lab(test: &str) -> bool {
    if let Some(why) = lab::unavailable() {
        support::skip(test, &why);
        return true;
    }
    false
}

/// A one-instance config; `extra` lines go inside the instance block, `vips` inside
/// virtual_ipaddress, `top` before it.
fn instance(top: &str, prio: u8, extra: &str, vips: &str) -> String {
    format!(
        "{top}\nvrrp_instance VI_1 {{\n    state BACKUP\n    interface eth0\n    virtual_router_id 51\n    \
         priority {prio}\n    advert_int 1\n{extra}\n    virtual_ipaddress {{\n{vips}\n    }}\n}}\n"
    )
}

fn entered(d: &Daemon, state: &str, within: Duration) -> bool {
    let want = format!("(VI_1) Entering {state} STATE");
    d.log.wait(|l| l.starts_with(&want), within).is_some()
}

fn entered_after(d: &Daemon, from: usize, state: &str, within: Duration) -> bool {
    let want = format!("(VI_1) Entering {state} STATE");
    d.log.wait_from(from, |l| l.starts_with(&want), within).is_some()
}

fn dump(d: &Daemon) -> String {
    d.log.lines().join("\n")
}

/// RFC 3768 6.4.2/6.4.3: the higher priority becomes master and holds the VIP; the other stays
/// backup. After kill -9 of the master the backup takes over on Master_Down_Interval, and the
/// old master coming back preempts (6.4.2 "Preempt_Mode").
#[test]
fn election_failover_on_kill_and_preemption_back() {
    if skip_unless_lab("election_failover_on_kill_and_preemption_back") {
        return;
    }
    let mut lab = Lab::new(2);
    let vip = format!("{}.100", lab.net4());
    let vips = format!("        {vip}/24");
    let mut a = lab.start(0, lab::ours(), "a", &instance("", 150, "", &vips));
    let b = lab.start(1, lab::ours(), "b", &instance("", 100, "", &vips));
    assert!(entered(&a, "MASTER", 10 * SEC), "a never master:\n{}", dump(&a));
    assert!(lab.nodes[0].wait_addr("eth0", &format!("{vip}/24"), true, 5 * SEC));
    assert!(entered(&b, "BACKUP", 5 * SEC), "b:\n{}", dump(&b));
    assert!(!lab.nodes[1].has_addr("eth0", &format!("{vip}/24")));

    let from = b.log.len();
    a.kill9();
    assert!(
        entered_after(&b, from, "MASTER", 8 * SEC),
        "b did not take over:\n{}",
        dump(&b)
    );
    assert!(
        b.log.lines()[from..]
            .iter()
            .any(|l| l == "(VI_1) Receive advertisement timeout")
    );
    assert!(lab.nodes[1].wait_addr("eth0", &format!("{vip}/24"), true, 5 * SEC));

    // The old master comes back and preempts.
    let from = b.log.len();
    let a2 = lab.start(0, lab::ours(), "a2", &instance("", 150, "", &vips));
    assert!(entered(&a2, "MASTER", 10 * SEC), "a2:\n{}", dump(&a2));
    assert!(
        entered_after(&b, from, "BACKUP", 10 * SEC),
        "b did not yield:\n{}",
        dump(&b)
    );
    assert!(
        b.log.lines()[from..]
            .iter()
            .any(|l| l.contains("Master received advert from") && l.contains("with higher priority 150, ours 100")),
        "{}",
        dump(&b)
    );
    assert!(lab.nodes[1].wait_addr("eth0", &format!("{vip}/24"), false, 5 * SEC));
}

/// keepalived sends one priority-0 advert when a master stops (RFC 3768 6.4.3 "Shutdown
/// event"); the backup takes over after Skew_Time instead of Master_Down_Interval, and the
/// stopping node removes its VIP.
#[test]
fn sigterm_sends_priority_zero_and_backup_takes_over_fast() {
    if skip_unless_lab("sigterm_sends_priority_zero_and_backup_takes_over_fast") {
        return;
    }
    if skip_without_tcpdump("sigterm_sends_priority_zero_and_backup_takes_over_fast") {
        return;
    }
    let mut lab = Lab::new(2);
    let vip = format!("{}.100", lab.net4());
    let vips = format!("        {vip}");
    let cap = lab.capture("vrrp");
    let mut a = lab.start(0, lab::ours(), "a", &instance("", 150, "", &vips));
    let b = lab.start(1, lab::ours(), "b", &instance("", 100, "", &vips));
    assert!(entered(&a, "MASTER", 10 * SEC), "a:\n{}", dump(&a));
    assert!(entered(&b, "BACKUP", 5 * SEC));
    let from = b.log.len();
    a.signal(libc::SIGTERM);
    assert!(
        cap.log.wait(|l| l.contains("prio 0,"), 5 * SEC).is_some(),
        "no priority 0 advert"
    );
    assert!(
        a.wait_exit(5 * SEC).is_some_and(|s| s.success()),
        "a did not exit cleanly:\n{}",
        dump(&a)
    );
    assert!(
        !lab.nodes[0].has_addr("eth0", &format!("{vip}/32")),
        "VIP left behind on stop"
    );
    let (t0, _) = cap.log.wait(|l| l.contains("prio 0,"), SEC).unwrap();
    let (t1, _) = b
        .log
        .wait_from(from, |l| l == "(VI_1) Entering MASTER STATE", 5 * SEC)
        .unwrap_or_else(|| panic!("b did not take over:\n{}", dump(&b)));
    // Skew_Time for priority 100 is 0.609 s; the full Master_Down_Interval would be 3.6 s.
    assert!(
        t1.duration_since(t0) < Duration::from_millis(2500),
        "took {:?}",
        t1.duration_since(t0)
    );
    assert!(
        b.log.lines()[from..]
            .iter()
            .any(|l| l == "(VI_1) Backup received priority 0 advertisement")
    );
}

/// `nopreempt`: a higher-priority backup does not take over from a live master (keepalived's
/// vrrp_state_backup(): nopreempt accepts any advert as master). `preempt_delay`: it does, but
/// only after the delay.
#[test]
fn nopreempt_and_preempt_delay() {
    if skip_unless_lab("nopreempt_and_preempt_delay") {
        return;
    }
    let mut lab = Lab::new(2);
    let vips = format!("        {}.100", lab.net4());
    let b = lab.start(1, lab::ours(), "b", &instance("", 100, "", &vips));
    assert!(entered(&b, "MASTER", 10 * SEC), "b:\n{}", dump(&b));
    let mut a = lab.start(0, lab::ours(), "a", &instance("", 150, "    nopreempt", &vips));
    assert!(entered(&a, "BACKUP", 5 * SEC));
    // Four advert intervals past a Master_Down_Interval: a preempting node would have taken over.
    assert!(
        !entered(&a, "MASTER", 5 * SEC),
        "nopreempt node preempted:\n{}",
        dump(&a)
    );
    a.kill9();

    let a = lab.start(0, lab::ours(), "a2", &instance("", 150, "    preempt_delay 3", &vips));
    let t_start = std::time::Instant::now();
    assert!(entered(&a, "BACKUP", 5 * SEC));
    assert!(
        entered(&a, "MASTER", 12 * SEC),
        "preempt_delay node never took over:\n{}",
        dump(&a)
    );
    assert!(
        t_start.elapsed() >= Duration::from_secs(3),
        "took over before preempt_delay"
    );
}

/// A PASS mismatch: each side drops the other's adverts ("received an invalid passwd!") and
/// counts them, so both become master.
#[test]
fn auth_mismatch_is_ignored() {
    if skip_unless_lab("auth_mismatch_is_ignored") {
        return;
    }
    let mut lab = Lab::new(2);
    let vips = format!("        {}.100", lab.net4());
    let auth = |p: &str| format!("    authentication {{\n        auth_type PASS\n        auth_pass {p}\n    }}");
    let a = lab.start(0, lab::ours(), "a", &instance("", 150, &auth("secret1"), &vips));
    assert!(entered(&a, "MASTER", 10 * SEC));
    let b = lab.start(1, lab::ours(), "b", &instance("", 100, &auth("secret2"), &vips));
    assert!(
        b.log
            .wait(|l| l == "(VI_1) received an invalid passwd!", 5 * SEC)
            .is_some(),
        "b:\n{}",
        dump(&b)
    );
    assert!(entered(&b, "MASTER", 10 * SEC), "b:\n{}", dump(&b));
}

/// Unicast: adverts go to the configured peer from unicast_src_ip; failover works without
/// multicast.
#[test]
fn unicast_failover() {
    if skip_unless_lab("unicast_failover") {
        return;
    }
    let mut lab = Lab::new(2);
    let (ip1, ip2) = (lab.nodes[0].ipv4.clone(), lab.nodes[1].ipv4.clone());
    let vip = format!("{}.100", lab.net4());
    let uni = |me: &str, peer: &str| format!("    unicast_src_ip {me}\n    unicast_peer {{\n        {peer}\n    }}");
    let cap = lab::have_tcpdump().then(|| lab.capture("vrrp"));
    let mut a = lab.start(
        0,
        lab::ours(),
        "a",
        &instance("", 150, &uni(&ip1, &ip2), &format!("        {vip}")),
    );
    let b = lab.start(
        1,
        lab::ours(),
        "b",
        &instance("", 100, &uni(&ip2, &ip1), &format!("        {vip}")),
    );
    assert!(entered(&a, "MASTER", 10 * SEC), "a:\n{}", dump(&a));
    assert!(entered(&b, "BACKUP", 5 * SEC), "b:\n{}", dump(&b));
    if let Some(cap) = &cap {
        let want = format!("{ip1} > {ip2}: VRRPv2");
        assert!(
            cap.log.wait(|l| l.contains(&want), 5 * SEC).is_some(),
            "no unicast advert {want}"
        );
        assert!(
            !cap.log.lines().iter().any(|l| l.contains("224.0.0.18")),
            "multicast sent in unicast mode"
        );
    }
    let from = b.log.len();
    a.kill9();
    assert!(entered_after(&b, from, "MASTER", 8 * SEC), "b:\n{}", dump(&b));
    assert!(lab.nodes[1].wait_addr("eth0", &format!("{vip}/32"), true, 5 * SEC));
}

/// VRRPv3 over IPv6 (RFC 5798): election and failover with an IPv6 VIP.
#[test]
fn ipv6_vrrpv3_failover() {
    if skip_unless_lab("ipv6_vrrpv3_failover") {
        return;
    }
    let mut lab = Lab::new(2);
    let vip = format!("{}:100", lab.net6());
    let extra = "    version 3";
    let mut a = lab.start(
        0,
        lab::ours(),
        "a",
        &instance("", 150, extra, &format!("        {vip}/64")),
    );
    let b = lab.start(
        1,
        lab::ours(),
        "b",
        &instance("", 100, extra, &format!("        {vip}/64")),
    );
    assert!(entered(&a, "MASTER", 10 * SEC), "a:\n{}", dump(&a));
    assert!(
        lab.nodes[0].wait_addr("eth0", &format!("{vip}/64"), true, 5 * SEC),
        "{}",
        lab.nodes[0].addrs("eth0")
    );
    assert!(entered(&b, "BACKUP", 5 * SEC), "b:\n{}", dump(&b));
    let from = b.log.len();
    a.kill9();
    assert!(entered_after(&b, from, "MASTER", 8 * SEC), "b:\n{}", dump(&b));
    assert!(lab.nodes[1].wait_addr("eth0", &format!("{vip}/64"), true, 5 * SEC));
}

/// track_interface: the tracked link going down puts the instance in FAULT (keepalived's
/// "Netlink reports X down"), the backup takes over, and link up brings it back (preempting).
#[test]
fn track_interface_down_faults_and_up_recovers() {
    if skip_unless_lab("track_interface_down_faults_and_up_recovers") {
        return;
    }
    let mut lab = Lab::new(2);
    lab.nodes[0].sh("ip link add trk0 type veth peer name trk1 && ip link set trk1 up && ip link set trk0 up");
    let vips = format!("        {}.100", lab.net4());
    let a = lab.start(
        0,
        lab::ours(),
        "a",
        &instance("", 150, "    track_interface {\n        trk0\n    }", &vips),
    );
    let b = lab.start(1, lab::ours(), "b", &instance("", 100, "", &vips));
    assert!(entered(&a, "MASTER", 10 * SEC), "a:\n{}", dump(&a));
    assert!(entered(&b, "BACKUP", 5 * SEC));
    let (fa, fb) = (a.log.len(), b.log.len());
    lab.nodes[0].sh("ip link set trk0 down");
    assert!(entered_after(&a, fa, "FAULT", 5 * SEC), "a:\n{}", dump(&a));
    assert!(entered_after(&b, fb, "MASTER", 5 * SEC), "b:\n{}", dump(&b));
    let (fa, fb) = (a.log.len(), b.log.len());
    lab.nodes[0].sh("ip link set trk0 up");
    assert!(entered_after(&a, fa, "MASTER", 10 * SEC), "a:\n{}", dump(&a));
    assert!(entered_after(&b, fb, "BACKUP", 10 * SEC), "b:\n{}", dump(&b));
}

/// track_script: a weighted script changes the effective priority (and the peer preempts); a
/// weight-0 script failing means FAULT.
#[test]
fn track_script_weight_and_fault() {
    if skip_unless_lab("track_script_weight_and_fault") {
        return;
    }
    let mut lab = Lab::new(2);
    let flag = lab.dir.path().join("healthy");
    std::fs::write(&flag, "").unwrap();
    let script = lab.write("check.sh", &format!("#!/bin/sh\ntest -e {}\n", flag.display()));
    support::chmod_x(&script);
    let top = format!(
        "global_defs {{\n    enable_script_security\n    script_user root\n}}\n\
         vrrp_script chk {{\n    script \"{}\"\n    interval 1\n    weight -60\n}}",
        script.display()
    );
    let vips = format!("        {}.100", lab.net4());
    let a = lab.start(
        0,
        lab::ours(),
        "a",
        &instance(&top, 150, "    track_script {\n        chk\n    }", &vips),
    );
    let b = lab.start(1, lab::ours(), "b", &instance("", 100, "", &vips));
    assert!(entered(&a, "MASTER", 10 * SEC), "a:\n{}", dump(&a));
    assert!(entered(&b, "BACKUP", 5 * SEC));
    let (fa, fb) = (a.log.len(), b.log.len());
    std::fs::remove_file(&flag).unwrap();
    assert!(
        a.log
            .wait_from(
                fa,
                |l| l == "(VI_1) Changing effective priority from 150 to 90",
                5 * SEC
            )
            .is_some(),
        "a:\n{}",
        dump(&a)
    );
    assert!(
        a.log.lines()[fa..]
            .iter()
            .any(|l| l.starts_with("VRRP_Script(chk) failed"))
    );
    assert!(
        entered_after(&b, fb, "MASTER", 8 * SEC),
        "b did not preempt:\n{}",
        dump(&b)
    );
    assert!(entered_after(&a, fa, "BACKUP", 8 * SEC));
}

/// A weight-0 vrrp_script failing puts the instance into FAULT (keepalived: "entering FAULT
/// state due to script").
#[test]
fn track_script_weight_zero_means_fault() {
    if skip_unless_lab("track_script_weight_zero_means_fault") {
        return;
    }
    let mut lab = Lab::new(1);
    let flag = lab.dir.path().join("healthy");
    std::fs::write(&flag, "").unwrap();
    let script = lab.write("check.sh", &format!("#!/bin/sh\ntest -e {}\n", flag.display()));
    support::chmod_x(&script);
    let top = format!(
        "global_defs {{\n    enable_script_security\n    script_user root\n}}\n\
         vrrp_script chk {{\n    script \"{}\"\n    interval 1\n    fall 2\n}}",
        script.display()
    );
    let vips = format!("        {}.100", lab.net4());
    let a = lab.start(
        0,
        lab::ours(),
        "a",
        &instance(&top, 150, "    track_script {\n        chk\n    }", &vips),
    );
    assert!(entered(&a, "MASTER", 10 * SEC), "a:\n{}", dump(&a));
    let fa = a.log.len();
    std::fs::remove_file(&flag).unwrap();
    assert!(entered_after(&a, fa, "FAULT", 8 * SEC), "a:\n{}", dump(&a));
    assert!(lab.nodes[0].wait_addr("eth0", &format!("{}.100/32", lab.net4()), false, 5 * SEC));
}

/// A sync group moves together: one member's tracked interface failing takes the other member
/// out of MASTER too ("VRRP_Group(G) Syncing instances to FAULT state").
#[test]
fn sync_group_moves_together() {
    if skip_unless_lab("sync_group_moves_together") {
        return;
    }
    let mut lab = Lab::new(1);
    lab.nodes[0].sh("ip link add trk0 type veth peer name trk1 && ip link set trk1 up && ip link set trk0 up");
    let net = lab.net4();
    let conf = format!(
        "vrrp_sync_group G {{\n    group {{\n        VI_1\n        VI_2\n    }}\n}}\n\
         vrrp_instance VI_1 {{\n    state MASTER\n    interface eth0\n    virtual_router_id 51\n    priority 150\n    \
         virtual_ipaddress {{\n        {net}.100\n    }}\n}}\n\
         vrrp_instance VI_2 {{\n    state MASTER\n    interface eth0\n    virtual_router_id 52\n    priority 150\n    \
         track_interface {{\n        trk0\n    }}\n    virtual_ipaddress {{\n        {net}.101\n    }}\n}}\n"
    );
    let a = lab.start(0, lab::ours(), "a", &conf);
    assert!(
        a.log.wait(|l| l == "(VI_1) Entering MASTER STATE", 10 * SEC).is_some(),
        "a:\n{}",
        dump(&a)
    );
    assert!(
        a.log.wait(|l| l == "(VI_2) Entering MASTER STATE", 10 * SEC).is_some(),
        "a:\n{}",
        dump(&a)
    );
    let fa = a.log.len();
    lab.nodes[0].sh("ip link set trk0 down");
    assert!(
        a.log
            .wait_from(fa, |l| l == "VRRP_Group(G) Syncing instances to FAULT state", 5 * SEC)
            .is_some(),
        "a:\n{}",
        dump(&a)
    );
    assert!(
        lab.nodes[0].wait_addr("eth0", &format!("{net}.100/32"), false, 5 * SEC),
        "VI_1 kept its VIP"
    );
    assert!(lab.nodes[0].wait_addr("eth0", &format!("{net}.101/32"), false, 5 * SEC));
}

/// virtual_ipaddress options (label, scope, brd) as `ip addr` shows them, and virtual_routes in
/// `ip route`, installed on becoming master.
#[test]
fn vip_options_and_virtual_routes_are_installed() {
    if skip_unless_lab("vip_options_and_virtual_routes_are_installed") {
        return;
    }
    let mut lab = Lab::new(1);
    let net = lab.net4();
    let vips = format!(
        "        {net}.100/24 brd {net}.255 dev eth0 label eth0:vip scope global\n        {net}.101/32 scope link"
    );
    let extra = format!("    virtual_routes {{\n        10.250.0.0/24 via {net}.254 dev eth0 metric 7\n    }}");
    let a = lab.start(0, lab::ours(), "a", &instance("", 150, &extra, &vips));
    assert!(entered(&a, "MASTER", 10 * SEC), "a:\n{}", dump(&a));
    assert!(lab.nodes[0].wait_addr("eth0", &format!("{net}.100/24"), true, 5 * SEC));
    let addrs = lab.nodes[0].addrs("eth0");
    assert!(
        addrs.contains(&format!(
            "inet {net}.100/24 brd {net}.255 scope global secondary eth0:vip"
        )),
        "{addrs}"
    );
    assert!(addrs.contains(&format!("inet {net}.101/32 scope link eth0")), "{addrs}");
    let routes = lab.nodes[0].sh("ip route show");
    // RTPROT_KEEPALIVED (18), named "keepalived" in iproute2's rt_protos.
    let want = format!("10.250.0.0/24 via {net}.254 dev eth0 proto keepalived metric 7");
    assert!(
        routes
            .lines()
            .any(|l| l.trim() == want || l.trim() == want.replace("keepalived", "18")),
        "{routes}"
    );
}

/// Gratuitous ARPs on becoming master (keepalived: garp_master_repeat at once, another batch
/// after garp_master_delay), spaced by vrrp_garp_interval; each a request "who-has VIP tell VIP"
/// to ff:ff:ff:ff:ff:ff as in the reference capture.
#[test]
fn garp_count_and_spacing_on_the_wire() {
    if skip_unless_lab("garp_count_and_spacing_on_the_wire") {
        return;
    }
    if skip_without_tcpdump("garp_count_and_spacing_on_the_wire") {
        return;
    }
    let mut lab = Lab::new(1);
    let vip = format!("{}.100", lab.net4());
    let cap = lab.capture("arp");
    let top = "global_defs {\n    vrrp_garp_interval 0.05\n}";
    let extra = "    garp_master_delay 2\n    garp_master_repeat 3";
    let a = lab.start(
        0,
        lab::ours(),
        "a",
        &instance(top, 150, extra, &format!("        {vip}")),
    );
    assert!(entered(&a, "MASTER", 10 * SEC), "a:\n{}", dump(&a));
    let want = format!("Request who-has {vip} (ff:ff:ff:ff:ff:ff) tell {vip}");
    let count = |c: &support::lab::Capture| c.log.lines().iter().filter(|l| l.contains(&want)).count();
    let end = std::time::Instant::now() + 8 * SEC;
    while count(&cap) < 4 && std::time::Instant::now() < end {
        std::thread::sleep(Duration::from_millis(50));
    }
    // A frame too many would come within the interval after the last one.
    std::thread::sleep(Duration::from_millis(300));
    let frames: Vec<String> = cap.log.lines().into_iter().filter(|l| l.contains(&want)).collect();
    // keepalived 2.2.7 queues repeats held back by vrrp_garp_interval as one pending flag per
    // address, so garp_master_repeat 3 sends 2 frames per batch; we do the same.
    let per_batch = 2;
    assert_eq!(frames.len(), 2 * per_batch, "{frames:#?}");
    assert!(frames.iter().all(|f| f.contains("> ff:ff:ff:ff:ff:ff, ethertype ARP")));
    let t: Vec<f64> = frames.iter().map(|f| support::lab::Capture::time(f)).collect();
    for w in [&t[..per_batch], &t[per_batch..]] {
        for p in w.windows(2) {
            assert!(p[1] - p[0] >= 0.045, "GARPs closer than vrrp_garp_interval: {t:?}");
        }
    }
    let gap = t[per_batch] - t[0];
    assert!(
        (1.9..3.0).contains(&gap),
        "delayed batch after {gap} s, expected garp_master_delay 2 s"
    );
}

/// Interop, both ways round, same config text: Debian's keepalived 2.2.7 and ours elect the
/// same master, fail over to each other, and accept each other's adverts.
#[test]
fn interop_with_keepalived_both_ways() {
    let auth = "    authentication {\n        auth_type PASS\n        auth_pass s3cret\n    }";
    interop_both_ways(
        "interop_with_keepalived_both_ways",
        auth,
        |lab| format!("{}.100/24", lab.net4()),
        5 * SEC,
        true,
    );
}

/// Runs one interop scenario with ours as master and keepalived as backup, then the other way
/// round: election, no packet-error line on either side while the backup stays backup for
/// `accept_for` (longer than Master_Down_Interval), failover on kill -9 of the master's VRRP
/// process, and with `preempt_back` the master coming back and preempting.
fn interop_both_ways(
    test: &str,
    extra: &str,
    vip_of: impl Fn(&Lab) -> String,
    accept_for: Duration,
    preempt_back: bool,
) {
    if skip_unless_lab(test) {
        return;
    }
    let Some(theirs) = theirs_or_skip(test) else {
        return;
    };
    for (master, backup) in [
        (lab::ours().to_string(), theirs.clone()),
        (theirs.clone(), lab::ours().to_string()),
    ] {
        let mut lab = Lab::new(2);
        let vip = vip_of(&lab);
        let vips = format!("        {vip}");
        let mut a = lab.start(0, &master, "a", &instance("", 150, extra, &vips));
        let b = lab.start(1, &backup, "b", &instance("", 100, extra, &vips));
        let who = format!("master {master}, backup {backup}");
        assert!(entered(&a, "MASTER", 10 * SEC), "{who}: a:\n{}", dump(&a));
        assert!(entered(&b, "BACKUP", 5 * SEC), "{who}: b:\n{}", dump(&b));
        assert!(
            !entered_after(&b, b.log.len(), "MASTER", accept_for),
            "{who}: b:\n{}",
            dump(&b)
        );
        for d in [&a, &b] {
            assert!(
                !d.log
                    .lines()
                    .iter()
                    .any(|l| PACKET_ERRORS.iter().any(|e| l.contains(e))),
                "{who}:\n{}",
                dump(d)
            );
        }
        let from = b.log.len();
        a.kill9();
        assert!(entered_after(&b, from, "MASTER", 8 * SEC), "{who}: b:\n{}", dump(&b));
        assert!(lab.nodes[1].wait_addr("eth0", &vip, true, 5 * SEC));
        if preempt_back {
            let from = b.log.len();
            let a2 = lab.start(0, &master, "a2", &instance("", 150, extra, &vips));
            assert!(entered(&a2, "MASTER", 10 * SEC), "{who}: a2:\n{}", dump(&a2));
            assert!(entered_after(&b, from, "BACKUP", 10 * SEC), "{who}: b:\n{}", dump(&b));
        }
    }
}

/// Debian's keepalived 2.2.7, or a loud skip of `test`.
fn theirs_or_skip(test: &str) -> Option<String> {
    let theirs = lab::theirs();
    if theirs.is_none() {
        support::skip(test, "Debian's keepalived 2.2.7 not installed");
    }
    theirs
}

/// Whether tcpdump is missing (then `test` is skipped loudly).
fn skip_without_tcpdump(test: &str) -> bool {
    if lab::have_tcpdump() {
        return false;
    }
    support::skip(test, "tcpdump not installed");
    true
}

/// The advert for the reference capture's config is byte-identical to keepalived's, apart from
/// the IP identification and header checksum (and the source MAC/IP, which we make equal by
/// running both on the same node one after the other).
#[test]
fn advert_bytes_identical_to_keepalived() {
    if skip_unless_lab("advert_bytes_identical_to_keepalived") {
        return;
    }
    let Some(theirs) = theirs_or_skip("advert_bytes_identical_to_keepalived") else {
        return;
    };
    if skip_without_tcpdump("advert_bytes_identical_to_keepalived") {
        return;
    }
    let mut lab = Lab::new(1);
    let net = lab.net4();
    let vips = format!("        {net}.100\n        {net}.101\n        {net}.102");
    let auth = "    authentication {\n        auth_type PASS\n        auth_pass s3cret\n    }";
    let conf = instance("", 160, auth, &vips);
    let mut adverts = Vec::new();
    for (tag, prog) in [("theirs", theirs.as_str()), ("ours", lab::ours())] {
        let cap = lab.capture_with(&["-x"], "vrrp");
        let mut d = lab.start(0, prog, tag, &conf);
        assert!(entered(&d, "MASTER", 10 * SEC), "{tag}:\n{}", dump(&d));
        // Two whole adverts: 48 bytes print as hex lines 0x0000, 0x0010 and 0x0020.
        let end = std::time::Instant::now() + 10 * SEC;
        let last_lines = || {
            cap.log
                .lines()
                .iter()
                .filter(|l| l.trim_start().starts_with("0x0020:"))
                .count()
        };
        while last_lines() < 2 && std::time::Instant::now() < end {
            std::thread::sleep(Duration::from_millis(20));
        }
        d.kill9();
        assert!(
            last_lines() >= 2,
            "{tag}: no two adverts captured: {:#?}",
            cap.log.lines()
        );
        // Hex of the second captured packet (the first may be from the start-up).
        let mut packets: Vec<String> = Vec::new();
        for l in cap.log.lines() {
            if !l.starts_with('\t') {
                packets.push(String::new());
            } else if let Some(p) = packets.last_mut() {
                let hex = l.split(':').nth(1).unwrap_or("").replace(' ', "");
                p.push_str(hex.trim());
            }
        }
        let second = packets.into_iter().filter(|p| p.len() >= 96).nth(1).unwrap_or_default();
        adverts.push(second[..96.min(second.len())].to_string());
    }
    let strip = |h: &str| -> String {
        // Zero the IP id (bytes 4-5) and header checksum (10-11).
        let mut b = h.to_string();
        if b.len() >= 24 {
            b.replace_range(8..12, "0000");
            b.replace_range(20..24, "0000");
        }
        b
    };
    assert_eq!(adverts[0].len(), 96, "48-byte advert expected: {}", adverts[0]);
    assert_eq!(strip(&adverts[1]), strip(&adverts[0]), "ours vs keepalived");
}

/// `use_vmac`: the VIP goes on a macvlan `vrrp.51` with MAC 00:00:5e:00:01:33 (VRID 51), and
/// the gratuitous ARPs and adverts come from that MAC (keepalived's vrrp_vmac.c); the VMAC is
/// removed on stop.
#[test]
fn use_vmac_announces_from_the_virtual_mac() {
    if skip_unless_lab("use_vmac_announces_from_the_virtual_mac") {
        return;
    }
    if skip_without_tcpdump("use_vmac_announces_from_the_virtual_mac") {
        return;
    }
    let mut lab = Lab::new(1);
    let vip = format!("{}.100", lab.net4());
    let cap = lab.capture("vrrp or arp");
    let mut a = lab.start(
        0,
        lab::ours(),
        "a",
        &instance("", 150, "    use_vmac", &format!("        {vip}")),
    );
    assert!(entered(&a, "MASTER", 10 * SEC), "a:\n{}", dump(&a));
    assert!(
        lab.nodes[0].wait_addr("vrrp.51", &format!("{vip}/32"), true, 5 * SEC),
        "{}",
        lab.nodes[0].sh("ip addr")
    );
    let link = lab.nodes[0].sh("ip -d link show dev vrrp.51");
    assert!(link.contains("link/ether 00:00:5e:00:01:33"), "{link}");
    assert!(link.contains("macvlan mode private"), "{link}");
    let garp =
        format!("00:00:5e:00:01:33 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: Request who-has {vip}");
    assert!(
        cap.log.wait(|l| l.contains(&garp), 5 * SEC).is_some(),
        "{:#?}",
        cap.log.lines()
    );
    assert!(
        cap.log
            .wait(|l| l.contains("00:00:5e:00:01:33 > 01:00:5e:00:00:12"), 5 * SEC)
            .is_some()
    );
    a.signal(libc::SIGTERM);
    assert!(a.wait_exit(10 * SEC).is_some());
    assert!(!lab.nodes[0].sh("ip link show").contains("vrrp.51"), "VMAC left behind");
}

/// Interop with VRRPv3 over IPv6 (RFC 5798), both ways round: keepalived 2.2.7 and ours accept
/// each other's adverts (checksum over the IPv6 pseudo-header) and fail over to each other.
#[test]
fn interop_vrrpv3_ipv6_with_keepalived_both_ways() {
    interop_both_ways(
        "interop_vrrpv3_ipv6_with_keepalived_both_ways",
        "    version 3\n    advert_int 0.5",
        |lab| format!("{}:100/64", lab.net6()),
        3 * SEC,
        false,
    );
}

/// Notify scripts run with keepalived's arguments (`notify`: INSTANCE NAME STATE PRIORITY;
/// `notify_master`: none), on becoming master and on stop, and are reaped.
#[test]
fn notify_scripts_get_keepalived_arguments() {
    if skip_unless_lab("notify_scripts_get_keepalived_arguments") {
        return;
    }
    let mut lab = Lab::new(1);
    let out = lab.dir.path().join("notify.out");
    let script = lab.write(
        "notify.sh",
        &format!("#!/bin/sh\necho \"generic $*\" >> {}\n", out.display()),
    );
    let master = lab.write(
        "master.sh",
        &format!("#!/bin/sh\necho \"master $#\" >> {}\n", out.display()),
    );
    support::chmod_x(&script);
    support::chmod_x(&master);
    let top = "global_defs {\n    enable_script_security\n    script_user root\n}";
    let extra = format!(
        "    notify {}\n    notify_master {}",
        script.display(),
        master.display()
    );
    let mut a = lab.start(
        0,
        lab::ours(),
        "a",
        &instance(top, 150, &extra, &format!("        {}.100", lab.net4())),
    );
    assert!(entered(&a, "MASTER", 10 * SEC), "a:\n{}", dump(&a));
    let read = || std::fs::read_to_string(&out).unwrap_or_default();
    let wait_for = |want: &str| {
        let end = std::time::Instant::now() + 5 * SEC;
        while !read().lines().any(|l| l == want) && std::time::Instant::now() < end {
            std::thread::sleep(Duration::from_millis(20));
        }
        read().lines().any(|l| l == want)
    };
    assert!(wait_for("master 0"), "{}", read());
    assert!(wait_for("generic INSTANCE VI_1 MASTER 150"), "{}", read());
    a.signal(libc::SIGTERM);
    assert!(a.wait_exit(10 * SEC).is_some());
    assert!(wait_for("generic INSTANCE VI_1 STOP 150"), "{}", read());
}

/// keepalived removes VIPs a previous run left on the interface when it starts
/// (vrrp_restore_interfaces_startup()): a backup must not keep answering for the VIP.
#[test]
fn stale_vips_are_removed_at_start() {
    if skip_unless_lab("stale_vips_are_removed_at_start") {
        return;
    }
    let mut lab = Lab::new(2);
    let vip = format!("{}.100", lab.net4());
    let vips = format!("        {vip}");
    let a = lab.start(0, lab::ours(), "a", &instance("", 150, "", &vips));
    assert!(entered(&a, "MASTER", 10 * SEC), "a:\n{}", dump(&a));
    lab.nodes[1].sh(&format!("ip addr add {vip}/32 dev eth0"));
    let b = lab.start(1, lab::ours(), "b", &instance("", 100, "", &vips));
    assert!(entered(&b, "BACKUP", 5 * SEC), "b:\n{}", dump(&b));
    assert!(
        lab.nodes[1].wait_addr("eth0", &format!("{vip}/32"), false, 5 * SEC),
        "stale VIP kept:\n{}",
        lab.nodes[1].addrs("eth0")
    );
    assert!(lab.nodes[0].has_addr("eth0", &format!("{vip}/32")));
}
