//! The dump files of a running daemon against Debian's keepalived 2.2.7, in a lab of network
//! namespaces (tests/support/lab.rs): the same configuration runs under keepalived, then under
//! ours, on the same node, next to a keepalived peer that is master of VI_2. Each gets
//! SIGUSR1, SIGUSR2, SIGRTMIN+2, SIGRTMAX-1 then SIGUSR2 again (as the exporters send them: to
//! the main process), with `TMPDIR` set to a directory of its own, and the files are compared:
//! the same line keys per section and item in `.data` (`vrrp_data.c: dump_data_vrrp()`), the
//! same `.stats` layout (`vrrp_print.c: vrrp_print_stats()`), the same JSON keys, order and
//! kinds (`vrrp_json.c`), mode 0600, counters zeroed by SIGRTMAX-1, and every file read
//! as the exporters read it.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use keepalived_rs::config::system::HostWithInterfaces;
use keepalived_rs::config::{LoadOptions, load_str};
use support::dumps::{
    data_keys, digits, exporters_parse_json, json_shape, mehdy_parse_data, mehdy_parse_scripts, mehdy_parse_stats,
};
use support::lab::{self, Daemon, Lab};

const SEC: Duration = Duration::from_secs(1);

/// Keys keepalived writes that we do not, each with the reason. Compared explicitly: a key
/// listed here must really be missing from ours (so the list cannot go stale).
const NOT_OURS: &[(&str, &str)] = &[(
    " libnftnl version #.#.#",
    "build information of Debian's package (the libnftnl it links); keepalived-rs links no libnftnl",
)];

fn config(net: &str) -> String {
    format!(
        r#"global_defs {{
    router_id DUMPS
    script_user root
    enable_script_security
}}
vrrp_script chk_true {{
    script "/bin/true"
    interval 1
    weight 10
    fall 2
}}
vrrp_instance VI_1 {{
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 1
    authentication {{
        auth_type PASS
        auth_pass s3cret
    }}
    virtual_ipaddress {{
        {net}.100/24 dev eth0 label eth0:vip
        {net}.101/24
    }}
    track_script {{
        chk_true
    }}
    notify "/usr/bin/logger -t kanotify"
}}
vrrp_instance VI_2 {{
    state BACKUP
    interface eth0
    virtual_router_id 52
    priority 100
    advert_int 1
    virtual_ipaddress {{
        {net}.102/24
    }}
}}
"#
    )
}

/// The peer: backup of VI_1, master of VI_2.
fn peer_config(net: &str) -> String {
    format!(
        r#"vrrp_instance VI_1 {{
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    authentication {{
        auth_type PASS
        auth_pass s3cret
    }}
    virtual_ipaddress {{
        {net}.100/24 dev eth0 label eth0:vip
        {net}.101/24
    }}
}}
vrrp_instance VI_2 {{
    interface eth0
    virtual_router_id 52
    priority 200
    advert_int 1
    virtual_ipaddress {{
        {net}.102/24
    }}
}}
"#
    )
}

/// The files one daemon wrote.
#[derive(Debug, Default)]
struct Files {
    data: String,
    parent_data: Option<String>,
    stats: String,
    json: String,
    stats_cleared: String,
    stats_after_clear: String,
    modes: BTreeMap<String, u32>,
}

fn inode(p: &Path) -> Option<u64> {
    std::fs::metadata(p).ok().map(|m| m.ino())
}

/// Waits up to `timeout` for `p` to be a new file (another inode than `old`) whose contents
/// stopped changing (keepalived renames its file in place before writing it), and returns them.
fn wait_new_file(p: &Path, old: Option<u64>, timeout: Duration) -> Option<String> {
    let end = Instant::now() + timeout;
    let mut last: Option<String> = None;
    while Instant::now() < end {
        if inode(p).is_some_and(|i| Some(i) != old) {
            let now = std::fs::read_to_string(p).ok();
            if now.is_some() && now == last && now.as_deref().is_some_and(|t| !t.is_empty()) {
                return now;
            }
            last = now;
        }
        std::thread::sleep(Duration::from_millis(30));
    }
    None
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(0)
}

/// Sends `sig` to the daemon's main process and waits for `name` to be (re)written.
fn signal_and_wait(d: &Daemon, dir: &Path, sig: i32, name: &str) -> String {
    let p = dir.join(name);
    let old = inode(&p);
    d.signal(sig);
    wait_new_file(&p, old, 5 * SEC).unwrap_or_else(|| {
        panic!(
            "{name} not written within 5 s after signal {sig}; log:\n{}",
            d.log.lines().join("\n")
        )
    })
}

/// Runs `program` on node 0 with TMPDIR=`dir` and configuration `conf`; once every
/// `(instance, state)` of `ready` is logged, sends the dump signals, collects the files, and
/// stops it (waiting for `vip` to leave node 0).
fn run_and_collect(
    lab: &mut Lab,
    program: &str,
    tag: &str,
    dir: &Path,
    conf: &str,
    ready: &[(&str, &str)],
    vip: &str,
) -> Files {
    std::fs::create_dir_all(dir).expect("tmp dir");
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    // `ip netns exec` runs the wrapper, which execs the daemon: the pid stays the daemon's.
    let wrapper = lab.write(
        &format!("{tag}.sh"),
        &format!("#!/bin/sh\nTMPDIR='{}' exec '{program}' \"$@\"\n", dir.display()),
    );
    support::chmod_x(&wrapper);
    let mut d = lab.start(0, wrapper.to_str().expect("path"), tag, conf);
    for (inst, state) in ready {
        let want = format!("({inst}) Entering {state} STATE");
        assert!(
            d.log.wait(|l| l.starts_with(&want), 15 * SEC).is_some(),
            "{tag}: no {want:?}:\n{}",
            d.log.lines().join("\n")
        );
    }
    assert!(
        lab.nodes[0].wait_addr("eth0", vip, true, 5 * SEC),
        "{tag}: {vip} never set:\n{}",
        d.log.lines().join("\n")
    );
    // A few advert intervals as master, so that the counters SIGRTMAX-1 clears are well above
    // what the next second can add.
    std::thread::sleep(3 * SEC);

    let mut f = Files {
        data: signal_and_wait(&d, dir, libc::SIGUSR1, "keepalived.data"),
        ..Files::default()
    };
    // keepalived's parent writes its own file on SIGUSR1 (ours once the watchdog parent exists).
    f.parent_data = wait_new_file(&dir.join("keepalived_parent.data"), None, 2 * SEC);
    f.stats = signal_and_wait(&d, dir, libc::SIGUSR2, "keepalived.stats");
    f.json = signal_and_wait(&d, dir, libc::SIGRTMIN() + 2, "keepalived.json");
    f.stats_cleared = signal_and_wait(&d, dir, libc::SIGRTMAX() - 1, "keepalived.stats");
    f.stats_after_clear = signal_and_wait(&d, dir, libc::SIGUSR2, "keepalived.stats");
    for e in std::fs::read_dir(dir).expect("read dir") {
        let e = e.expect("entry");
        f.modes
            .insert(e.file_name().to_string_lossy().into_owned(), mode(&e.path()));
    }
    d.signal(libc::SIGTERM);
    assert!(d.wait_exit(15 * SEC).is_some(), "{tag} did not stop");
    assert!(lab.nodes[0].wait_addr("eth0", vip, false, 10 * SEC), "{tag} left {vip}");
    f
}

/// Runs `conf` under keepalived then ours on node 0 and compares their files: modes, `.data`
/// keys (and the parent's), `.stats` layout, JSON shape, exporters' reading, SIGRTMAX-1.
fn compare(lab: &mut Lab, conf: &str, ready: &[(&str, &str)], vip: &str) -> (Files, Files) {
    let theirs_bin = lab::theirs().expect("keepalived installed");
    let base: PathBuf = lab.dir.path().to_path_buf();
    let theirs = run_and_collect(lab, &theirs_bin, "theirs", &base.join("tmp-theirs"), conf, ready, vip);
    let ours = run_and_collect(lab, lab::ours(), "ours", &base.join("tmp-ours"), conf, ready, vip);

    // Modes: every file 0600, and the same files (keepalived_parent.data aside: see below).
    for (who, f) in [("keepalived", &theirs), ("ours", &ours)] {
        for (name, m) in &f.modes {
            assert_eq!(*m, 0o600, "{who}: {name} has mode {m:o}");
        }
        for name in ["keepalived.data", "keepalived.stats", "keepalived.json"] {
            assert!(f.modes.contains_key(name), "{who} wrote no {name}: {:?}", f.modes);
        }
    }
    let names = |f: &Files| -> BTreeSet<String> {
        f.modes
            .keys()
            .filter(|n| *n != "keepalived_parent.data")
            .cloned()
            .collect()
    };
    assert_eq!(names(&ours), names(&theirs), "no temporary files left, no extra files");

    // keepalived.data: the same keys per section and item.
    let mut tk = data_keys(&theirs.data);
    let mut ok = data_keys(&ours.data);
    drop_not_ours(&mut tk, &mut ok);
    let (missing, extra) = diff(&tk, &ok);
    assert!(
        missing.is_empty() && extra.is_empty(),
        "keepalived.data keys differ\nonly keepalived's:\n{}\nonly ours:\n{}\n\nkeepalived:\n{}\nours:\n{}",
        missing.join("\n"),
        extra.join("\n"),
        theirs.data,
        ours.data
    );

    // keepalived_parent.data: keepalived's parent wrote it; ours is compared with the pure
    // dump of the same configuration until our daemon has its watchdog parent.
    let their_parent = theirs
        .parent_data
        .as_deref()
        .expect("keepalived's parent wrote keepalived_parent.data");
    let cfg = load_str(conf, &LoadOptions::default(), &HostWithInterfaces::eth0_to_eth3()).config;
    let our_parent = match &ours.parent_data {
        Some(p) => p.clone(),
        None => {
            eprintln!("NOTE: ours wrote no keepalived_parent.data (single process); comparing dumpfile::parent_data()");
            keepalived_rs::dumpfile::parent_data(&cfg)
        }
    };
    let mut tp = data_keys(their_parent);
    let mut op = data_keys(&our_parent);
    drop_not_ours(&mut tp, &mut op);
    let (missing, extra) = diff(&tp, &op);
    assert!(
        missing.is_empty() && extra.is_empty(),
        "keepalived_parent.data keys differ\nonly keepalived's:\n{}\nonly ours:\n{}",
        missing.join("\n"),
        extra.join("\n")
    );

    // keepalived.stats: the same layout, line for line.
    for (a, b) in [
        (&theirs.stats, &ours.stats),
        (&theirs.stats_after_clear, &ours.stats_after_clear),
    ] {
        assert_eq!(digits(b), digits(a), "stats layout\nkeepalived:\n{a}\nours:\n{b}");
    }

    // keepalived.json: the same keys, order and kinds.
    assert_eq!(
        json_shape(&ours.json),
        json_shape(&theirs.json),
        "\nkeepalived: {}\nours: {}",
        theirs.json,
        ours.json
    );

    for (who, f) in [("keepalived", &theirs), ("ours", &ours)] {
        let data = mehdy_parse_data(&f.data).unwrap_or_else(|e| panic!("{who}: {e}\n{}", f.data));
        let json = exporters_parse_json(&f.json).unwrap_or_else(|e| panic!("{who}: {e}\n{}", f.json));
        assert_eq!(json.len(), data.len(), "{who}");
        let before = mehdy_parse_stats(&f.stats).unwrap_or_else(|e| panic!("{who}: {e}"));
        assert_eq!(
            before.keys().collect::<Vec<_>>(),
            data.keys().collect::<Vec<_>>(),
            "{who}"
        );
        // SIGRTMAX-1 printed the counters, then zeroed them: the next file starts again. A
        // transition count cannot grow without a transition.
        let cleared = mehdy_parse_stats(&f.stats_cleared).unwrap();
        let after = mehdy_parse_stats(&f.stats_after_clear).unwrap();
        for (inst, c) in &after {
            assert_eq!(c["become_master"], 0, "{who} {inst}: {cleared:?} then {after:?}");
            assert!(
                c["advert_sent"] <= 2 && c["advert_rcvd"] <= 2,
                "{who} {inst}: {cleared:?} then {after:?}"
            );
        }
        assert!(cleared.values().any(|c| c["become_master"] == 1), "{who}: {cleared:?}");
    }
    (theirs, ours)
}

fn diff(theirs: &BTreeSet<String>, ours: &BTreeSet<String>) -> (Vec<String>, Vec<String>) {
    (
        theirs.difference(ours).cloned().collect(),
        ours.difference(theirs).cloned().collect(),
    )
}

/// Removes the keys of [`NOT_OURS`] from the sets, asserting each is really present in
/// keepalived's and absent from ours (unless "ours" is keepalived: `KARS_LAB_DAEMON`).
fn drop_not_ours(theirs: &mut BTreeSet<String>, ours: &mut BTreeSet<String>) {
    for (key, why) in NOT_OURS {
        let hit = |s: &BTreeSet<String>| -> Vec<String> { s.iter().filter(|k| k.ends_with(key)).cloned().collect() };
        let (t, o) = (hit(theirs), hit(ours));
        assert!(
            !t.is_empty(),
            "keepalived no longer writes {key:?}: drop it from NOT_OURS"
        );
        assert!(
            o.is_empty() || lab::is_keepalived(),
            "we now write {key:?}: drop it from NOT_OURS"
        );
        eprintln!("NOTE: not compared, keepalived's {key:?}: {why}");
        for h in t {
            theirs.remove(&h);
        }
        for h in o {
            ours.remove(&h);
        }
    }
}

fn skip(test: &str) -> bool {
    if let Some(why) = lab::unavailable() {
        support::skip(test, &why);
        return true;
    }
    if lab::theirs().is_none() {
        support::skip(test, "Debian's keepalived 2.2.7 is not installed");
        return true;
    }
    false
}

/// A master and a backup instance (with a keepalived peer as the other side), a tracked
/// script, authentication, a notify script.
#[test]
fn dump_files_match_keepalived() {
    if skip("dump_files_match_keepalived") {
        return;
    }
    let mut lab = Lab::new(2);
    let net = lab.net4();
    let theirs_bin = lab::theirs().expect("keepalived");
    let peer = lab.start(1, &theirs_bin, "peer", &peer_config(&net));
    assert!(
        lab.nodes[1].wait_addr("eth0", &format!("{net}.102/24"), true, 15 * SEC),
        "peer never master of VI_2:\n{}",
        peer.log.lines().join("\n")
    );
    let ready = [("VI_2", "BACKUP"), ("VI_1", "MASTER")];
    let (theirs, ours) = compare(&mut lab, &config(&net), &ready, &format!("{net}.100/24"));

    // Both read as the exporters read them, to the same states.
    for (who, f) in [("keepalived", &theirs), ("ours", &ours)] {
        let data = mehdy_parse_data(&f.data).unwrap();
        let states: Vec<(String, i64, i64)> = data.iter().map(|(k, v)| (k.clone(), v.state, v.vrid)).collect();
        assert_eq!(
            states,
            [("VI_1".to_string(), 2, 51), ("VI_2".to_string(), 1, 52)],
            "{who}"
        );
        assert_eq!(data["VI_1"].vips.len(), 2, "{who}");
        assert_eq!(
            mehdy_parse_scripts(&f.data),
            [("chk_true".to_string(), "GOOD".to_string(), "idle".to_string())],
            "{who}"
        );
        let cleared = mehdy_parse_stats(&f.stats_cleared).unwrap();
        assert!(cleared["VI_1"]["advert_sent"] >= 3, "{who}: {cleared:?}");
    }
}

/// Other shapes: VRRPv3 over unicast, a native IPv6 instance, a VMAC, a sync group, a tracked
/// interface and a garp group, all masters on their own.
#[test]
fn dump_files_match_keepalived_v3_unicast_ipv6_vmac() {
    if skip("dump_files_match_keepalived_v3_unicast_ipv6_vmac") {
        return;
    }
    let mut lab = Lab::new(2);
    let net = lab.net4();
    let net6 = lab.net6();
    let conf = format!(
        r#"global_defs {{
    router_id DUMPS2
    vrrp_garp_interval 0.001
}}
garp_group {{
    garp_interval 0.002
    interface eth0
}}
vrrp_sync_group G {{
    group {{
        VI_3
        VI_5
    }}
}}
vrrp_instance VI_3 {{
    state MASTER
    interface eth0
    version 3
    virtual_router_id 53
    priority 150
    advert_int 0.5
    unicast_src_ip {net}.1
    unicast_peer {{
        {net}.2
    }}
    virtual_ipaddress {{
        {net}.103/24
    }}
    track_interface {{
        lo weight 5
    }}
}}
vrrp_instance VI_4 {{
    state MASTER
    interface eth0
    version 3
    virtual_router_id 54
    priority 120
    advert_int 1
    virtual_ipaddress {{
        {net6}:104/64
    }}
}}
vrrp_instance VI_5 {{
    state MASTER
    interface eth0
    use_vmac
    virtual_router_id 55
    priority 130
    advert_int 1
    virtual_ipaddress {{
        {net}.105/24
    }}
}}
"#
    );
    let ready = [("VI_3", "MASTER"), ("VI_4", "MASTER"), ("VI_5", "MASTER")];
    compare(&mut lab, &conf, &ready, &format!("{net}.103/24"));
}
