//! Our `-d` layout of the tracker and BFD sections against Debian's keepalived 2.2.7: the VRRP
//! child's "VRRP Track processes" / "VRRP Track BFDs" (and the absence of "VRRP Track files"
//! when nothing tracks a file), and the BFD child's "BFD Topology". keepalived is run in the
//! `kaorc` namespace with `-n -l -d` and stopped as soon as its dump is complete. The test skips
//! loudly when it cannot run (not root, no namespace, no keepalived).
//!
//! The configurations track nothing from a vrrp_instance: who tracks what ("Tracking
//! instances") comes from the VRRP family's model.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use keepalived_rs::config::model::Config;
use keepalived_rs::config::system::RealSystem;
use keepalived_rs::config::{LoadOptions, dump, load_str};

const NETNS: &str = "kaorc";

const TRACKERS: &str = r#"
track_file untracked {
    file /tmp/keepalived-rs-trackbfd-layout/untracked
    weight -3 reverse
}
vrrp_track_process p1 {
    process /usr/sbin/sshd -D ""
    param_match initial
    weight 5 reverse
    quorum_max 4
    quorum 2
    terminate_delay 1.5
    fork_delay 0.000001
}
vrrp_track_process p2 {
    process cron
}
vrrp_track_process p3 {
    process /bin/x a b
    quorum_max 0
    weight -254
}
vrrp_track_process p4 {
    process y
    param_match partial
    full_command
    delay 3600
}
vrrp_track_process p5 {
    process z
    param_match
}
bfd_instance b1 {
    neighbor_ip 10.0.0.1
    source_ip 10.0.0.2
    min_rx 20
    min_tx 5.5
    idle_tx 2000.001
    multiplier 3
    passive
    ttl 64
    max_hops 10
    weight -10 reverse
}
bfd_instance b2 {
    neighbor_ip fe80::1
    max_hops -1
    checker
}
bfd_instance b3 {
    neighbor_ip ::10.0.0.3
    source_ip ::10.0.0.4
    vrrp
    weight 253
}
bfd_instance nonbr {
    weight 3 reverse
}
"#;

const VRRP_INSTANCE: &str = "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n}\n";

fn can_run() -> Option<&'static str> {
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Some("needs root to run keepalived in a network namespace");
    }
    if !std::path::Path::new("/run/netns").join(NETNS).exists() {
        return Some("the kaorc network namespace is absent");
    }
    let v = Command::new("/usr/sbin/keepalived").arg("-v").output().ok();
    let ok = v.is_some_and(|o| String::from_utf8_lossy(&o.stderr).starts_with("Keepalived v2.2.7"));
    if !ok {
        return Some("Debian's keepalived 2.2.7 is not installed");
    }
    None
}

/// Runs keepalived with `-d` on `text` and returns its log lines (timestamps removed) up to
/// the line `stop_after` says ends what we need.
fn keepalived_dump(text: &str, extra: &[&str], stop: impl Fn(&[String]) -> bool) -> Vec<String> {
    // One keepalived at a time: their BFD processes would share the namespace's BFD ports.
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().expect("temp dir");
    let conf = dir.path().join("keepalived.conf");
    std::fs::write(&conf, text).unwrap();
    let pid = |n: &str| dir.path().join(n).display().to_string();
    let mut args: Vec<String> = vec!["netns", "exec", NETNS, "timeout", "10", "/usr/sbin/keepalived"]
        .into_iter()
        .map(String::from)
        .collect();
    args.extend(["-n", "-l", "-D", "-d", "-G"].map(String::from));
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend([
        "-f".into(),
        conf.display().to_string(),
        "-p".into(),
        pid("k.pid"),
        "-r".into(),
        pid("v.pid"),
        "-c".into(),
        pid("c.pid"),
        "-b".into(),
        pid("b.pid"),
    ]);
    let mut child = Command::new("ip")
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run keepalived");
    let mut lines = Vec::new();
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        let Ok(line) = line else { break };
        // "Sat Nov 21 01:14:14 2026: text"
        let text = if line.len() >= 26 && &line[24..26] == ": " {
            line[26..].to_string()
        } else {
            line
        };
        lines.push(text);
        if stop(&lines) {
            break;
        }
    }
    // `timeout` passes SIGTERM on to keepalived, which stops its children.
    // SAFETY: kill() on our own child's pid.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
    }
    let _ = child.wait();
    lines
}

/// The sections named in `headers`: each header line and the indented lines after it.
fn sections(lines: &[String], headers: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for l in lines {
        if l.starts_with("------<") {
            inside = headers.iter().any(|h| l.contains(h));
            if inside {
                out.push(l.clone());
            }
        } else if inside && l.starts_with(' ') {
            out.push(l.clone());
        } else {
            inside = false;
        }
    }
    out
}

fn ours(text: &str) -> Config {
    let opts = LoadOptions {
        config_test: true,
        ..LoadOptions::default()
    };
    load_str(text, &opts, &RealSystem).config
}

const VRRP_HEADERS: &[&str] = &["VRRP Track files", "VRRP Track processes", "VRRP Track BFDs"];

#[test]
fn vrrp_child_sections_match_keepalived() {
    if let Some(why) = can_run() {
        eprintln!("SKIP vrrp_child_sections_match_keepalived: {why}");
        return;
    }
    let text = format!("{TRACKERS}{VRRP_INSTANCE}");
    // -P -B: only the VRRP child, so no other process's lines interleave.
    let ka = keepalived_dump(&text, &["-P", "-B"], |l| {
        l.last().is_some_and(|x| x.contains("------< Interfaces >------"))
    });
    let ka = sections(&ka, VRRP_HEADERS);
    assert!(
        ka.iter().any(|l| l.contains("VRRP Track BFDs")),
        "keepalived printed no dump:\n{}",
        ka.join("\n")
    );
    let cfg = ours(&text);
    let mut mine = Vec::new();
    dump::track::layout(&cfg, &mut mine);
    dump::bfd::layout(&cfg, &mut mine);
    assert_eq!(sections(&mine, VRRP_HEADERS).join("\n"), ka.join("\n"));
}

#[test]
fn bfd_child_topology_matches_keepalived() {
    if let Some(why) = can_run() {
        eprintln!("SKIP bfd_child_topology_matches_keepalived: {why}");
        return;
    }
    // Without a vrrp_instance or virtual_server only the BFD child starts.
    let ka = keepalived_dump(TRACKERS, &[], |l| {
        let Some(start) = l.iter().position(|x| x.contains("BFD Topology")) else {
            return false;
        };
        l.len() > start + 1 && !l[l.len() - 1].starts_with(' ')
    });
    let ka = sections(&ka, &["BFD Topology"]);
    assert!(ka.len() > 1, "keepalived printed no BFD topology");
    let mut mine = Vec::new();
    dump::bfd::bfd_topology(&ours(TRACKERS), &mut mine);
    assert_eq!(mine.join("\n"), ka.join("\n"));
}

/// With trackers filled in (as the VRRP validation records them), the sections read as
/// keepalived 2.2.7 printed them for a vrrp_instance VI_1 with `track_file { tf1 }`,
/// `track_process { p1 weight 3 }` and `track_bfd { b1 }` (captured in the kaorc namespace).
#[test]
fn tracked_sections_as_captured() {
    use keepalived_rs::config::model::track::TrackingObj;
    let mut cfg = ours(
        "track_file tf1 {\n file /tmp/tb/tf1\n weight -3 reverse\n}\n\
         vrrp_track_process p1 {\n process /usr/sbin/sshd -D\n param_match partial\n weight 5 reverse\n\
         quorum 2\n quorum_max 4\n delay 1.5\n fork_delay 0.25\n}\n\
         bfd_instance b1 {\n neighbor_ip 10.0.0.1\n weight 10 reverse\n}\n",
    );
    let obj = |weight| {
        vec![TrackingObj {
            name: "VI_1".into(),
            weight,
            reverse: true,
            dynamic: false,
        }]
    };
    cfg.track.file_mut("tf1").unwrap().tracking_vrrp = obj(-3);
    cfg.track.process_mut("p1").unwrap().tracking_vrrp = obj(3);
    cfg.bfd.vrrp_tracked_mut("b1").unwrap().tracking_vrrp = obj(10);
    let mut mine = Vec::new();
    dump::track::layout(&cfg, &mut mine);
    dump::bfd::layout(&cfg, &mut mine);
    let captured = "\
------< VRRP Track files >------
 Track file = tf1
   File = /tmp/tb/tf1
   Status = 0
   Weight = -3 reverse
   Tracking instances :
     VI_1, weight -3 reverse
------< VRRP Track processes >------
 VRRP Track process = p1
   Process = /usr/sbin/sshd
   Parameters = -D
   Param match = partial
   Min processes = 2
   Max processes = 4
   Current processes = 0
   Have quorum = false
   Weight = 5 reverse
   Terminate delay = 1.500000s
   Fork delay = 0.250000s
   Full command = true
   Tracking instances :
     VI_1, weight 3 reverse
------< VRRP Track BFDs >------
 VRRP Track BFD = b1
   Weight = 10 reverse
   Bfd is down
   Tracking VRRP instances :
   Tracking instances :
     VI_1, weight 10 reverse";
    assert_eq!(mine.join("\n"), captured);
}

/// Trackers followed by instances and by a sync group (`sync_group_tracking_weight`): the
/// tracker's own weight when none is given, the group's weight replacing a weighted instance
/// entry, a track process keeping the instance's direction (keepalived's quirk).
const TRACKED: &str = r#"
track_file tf1 {
    file @DIR@/tf1
    weight 3
}
track_file tf2 {
    file @DIR@/tf2
    weight -2 reverse
}
track_file untracked {
    file @DIR@/untracked
}
vrrp_track_process p1 {
    process keepalived-rs-no-such-process-1
    weight 5
}
vrrp_track_process p2 {
    process keepalived-rs-no-such-process-2
}
bfd_instance b1 {
    neighbor_ip 10.0.0.1
    weight 7 reverse
}
bfd_instance b2 {
    neighbor_ip 10.0.0.2
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    virtual_ipaddress {
        10.100.0.100/24
    }
    track_file {
        tf1
        tf2 weight 4
    }
    track_process {
        p1
        p2 weight 6 reverse
    }
    track_bfd {
        b1
        b2 weight -3
    }
}
vrrp_instance VI_2 {
    interface eth1
    virtual_router_id 52
    virtual_ipaddress {
        10.100.1.100/24
    }
}
vrrp_sync_group G {
    group {
        VI_1
        VI_2
    }
    sync_group_tracking_weight
    track_file {
        tf1 weight 2
    }
    track_process {
        p1 weight -1 reverse
    }
    track_bfd {
        b1 weight 0
        b2
    }
}
"#;

#[test]
fn tracking_instances_match_keepalived() {
    if let Some(why) = can_run() {
        eprintln!("SKIP tracking_instances_match_keepalived: {why}");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let text = TRACKED.replace("@DIR@", &dir.path().display().to_string());
    let ka = keepalived_dump(&text, &["-P", "-B"], |l| {
        l.last().is_some_and(|x| x.contains("------< Interfaces >------"))
    });
    let headers = &[
        "VRRP Sync groups",
        "VRRP Track files",
        "VRRP Track processes",
        "VRRP Track BFDs",
    ];
    let ka = sections(&ka, headers);
    assert!(
        ka.iter().any(|l| l.contains("Tracking instances")),
        "keepalived printed no tracking lists:\n{}",
        ka.join("\n")
    );
    // The group's state depends on the trackers at run time (here FAULT).
    let runtime = |l: &String| l.starts_with(" VRRP Sync Group = ") || l.starts_with("   Num member fault");
    let ka: Vec<String> = ka.into_iter().filter(|l| !runtime(l)).collect();
    let cfg = ours(&text);
    let mine: Vec<String> = sections(&dump::vrrp_layout(&cfg), headers)
        .into_iter()
        .filter(|l| !runtime(l))
        .collect();
    assert_eq!(mine.join("\n"), ka.join("\n"));
}
