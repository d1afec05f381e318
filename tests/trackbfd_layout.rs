//! Our `-d` layout of the tracker and BFD sections against Debian's keepalived 2.2.7: the VRRP
//! child's "VRRP Track processes" / "VRRP Track BFDs" (and the absence of "VRRP Track files"
//! when nothing tracks a file), and the BFD child's "BFD Topology". keepalived is run in the
//! namespace made for it with `-n -l -d` and stopped as soon as its dump is complete. The test skips
//! loudly when it cannot run (not root, no namespace, no keepalived).
//!
//! The configurations track nothing from a vrrp_instance: who tracks what ("Tracking
//! instances") comes from the VRRP family's model.

mod support;

use keepalived_rs::config::model::Config;
use keepalived_rs::config::system::RealSystem;
use keepalived_rs::config::{LoadOptions, dump, load_str};

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
        }
        // Other processes' lines (unindented) may interleave with a dump: skip them; a
        // section ends only at the next header.
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
    if let Some(why) = support::dump_unavailable() {
        eprintln!("SKIP vrrp_child_sections_match_keepalived: {why}");
        return;
    }
    let text = format!("{TRACKERS}{VRRP_INSTANCE}");
    // -P -B: only the VRRP child, so no other process's lines interleave.
    let ka = support::keepalived_dump(&text, &["-P", "-B"], |l| {
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
    if let Some(why) = support::dump_unavailable() {
        eprintln!("SKIP bfd_child_topology_matches_keepalived: {why}");
        return;
    }
    // Without a vrrp_instance or virtual_server only the BFD child starts.
    let ka = support::keepalived_dump(TRACKERS, &[], |l| {
        // TRACKERS declares three bfd_instances; each one's entry ends with this line.
        l.iter().filter(|x| x.contains("send event to checker process")).count() == 3
    });
    let ka = sections(&ka, &["BFD Topology"]);
    assert!(ka.len() > 1, "keepalived printed no BFD topology");
    let mut mine = Vec::new();
    dump::bfd::bfd_topology(&ours(TRACKERS), &mut mine);
    assert_eq!(mine.join("\n"), ka.join("\n"));
}

/// With trackers filled in (as the VRRP validation records them), the sections read as
/// keepalived 2.2.7 printed them for a vrrp_instance VI_1 with `track_file { tf1 }`,
/// `track_process { p1 weight 3 }` and `track_bfd { b1 }` (captured from keepalived -d).
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
    if let Some(why) = support::dump_unavailable() {
        eprintln!("SKIP tracking_instances_match_keepalived: {why}");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let text = TRACKED.replace("@DIR@", &dir.path().display().to_string());
    let ka = support::keepalived_dump(&text, &["-P", "-B"], |l| {
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
