//! The tracker and BFD parts of the model survive the resolved dump: loading a configuration,
//! writing `dump::resolved()` and loading that again gives equal `track` and `bfd` models (and
//! the same dump). Also pins keepalived's defaults and the per-process views of `bfd_instance`.

use std::path::Path;

use keepalived_rs::config::model::Config;
use keepalived_rs::config::model::track::ParamMatch;
use keepalived_rs::config::system::RealSystem;
use keepalived_rs::config::{LoadOptions, dump, load_str};
use proptest::prelude::*;

fn load(text: &str) -> Config {
    let opts = LoadOptions {
        config_test: true,
        ..LoadOptions::default()
    };
    load_str(text, &opts, &RealSystem).config
}

/// Loads `text`, dumps it, reloads the dump; checks the models and the dumps agree.
fn assert_round_trip(name: &str, text: &str) {
    let first = load(text);
    let dumped = dump::resolved(&first);
    let second = load(&dumped);
    assert_eq!(
        first.track, second.track,
        "{name}: track model changed\n--- dump:\n{dumped}"
    );
    assert_eq!(first.bfd, second.bfd, "{name}: bfd model changed\n--- dump:\n{dumped}");
    assert_eq!(dumped, dump::resolved(&second), "{name}: dump not stable");
}

fn config_files() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let own = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/configs/trackbfd");
    let mut dirs = vec![own];
    // The shared corpus: only the samples that use these blocks matter here.
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples");
    if let Ok(rd) = std::fs::read_dir(&samples) {
        dirs.extend(rd.flatten().map(|e| e.path()).filter(|p| p.is_dir()));
    }
    for d in dirs {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if !p.is_file() || p.file_name().is_some_and(|n| n == "ORACLE.tsv") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            let uses_family = ["track_file", "vrrp_track_process", "bfd_instance"]
                .iter()
                .any(|k| text.contains(k));
            if uses_family {
                out.push((p.display().to_string(), text));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_config_round_trips() {
    let files = config_files();
    assert!(
        files.len() >= 40,
        "expected the trackbfd configs, found {}",
        files.len()
    );
    for (name, text) in &files {
        assert_round_trip(name, text);
    }
}

#[test]
fn track_file_defaults_and_values() {
    let cfg = load(
        "track_file a {\n file /tmp/a\n}\n\
         track_file b {\n file \"/tmp/b c\"\n weight -3 reverse\n init_file 7 overwrite\n}\n\
         vrrp_track_file c {\n file /tmp/c\n init_file\n}\n\
         track_file d {\n weight 5\n}\n",
    );
    let t = &cfg.track;
    assert_eq!(t.files.len(), 3, "d has no file and is dropped");
    let a = t.file("a").unwrap();
    assert_eq!((a.weight, a.weight_reverse, a.init), (1, false, None));
    let b = t.file("b").unwrap();
    assert_eq!(b.file_path, "/tmp/b c");
    assert_eq!((b.weight, b.weight_reverse), (-3, true));
    let init = b.init.unwrap();
    assert_eq!((init.value, init.overwrite), (7, true));
    let c = t.file("c").unwrap();
    let init = c.init.unwrap();
    assert_eq!((init.value, init.overwrite), (0, false));
    assert!(t.file("d").is_none());
}

#[test]
fn track_process_defaults_and_quorum_rules() {
    let cfg = load(
        "vrrp_track_process p1 {\n process cron\n}\n\
         vrrp_track_process p2 {\n process /usr/sbin/sshd -D\n weight 5 reverse\n delay 1.5\n fork_delay 0.25\n}\n\
         vrrp_track_process p3 {\n process x\n quorum_max 0\n}\n\
         vrrp_track_process p4 {\n param_match initial\n process x a b\n quorum_max 4\n quorum 3\n quorum 5\n}\n",
    );
    let t = &cfg.track;
    let p1 = t.process("p1").unwrap();
    assert_eq!((p1.quorum, p1.quorum_max), (1, u32::MAX));
    assert_eq!(
        (p1.weight, p1.param_match, p1.full_command),
        (0, ParamMatch::None, false)
    );
    let p2 = t.process("p2").unwrap();
    assert_eq!(p2.params, vec!["-D"]);
    assert_eq!((p2.param_match, p2.full_command), (ParamMatch::Exact, true));
    assert_eq!((p2.terminate_delay, p2.fork_delay), (1_500_000, 250_000));
    let p3 = t.process("p3").unwrap();
    assert_eq!((p3.quorum, p3.quorum_max), (0, 0));
    let p4 = t.process("p4").unwrap();
    assert_eq!(
        p4.param_match,
        ParamMatch::Initial,
        "parameters do not override param_match"
    );
    assert_eq!((p4.quorum, p4.quorum_max), (3, 4), "quorum 5 exceeds quorum_max");
}

#[test]
fn bfd_defaults_and_process_views() {
    let cfg = load(
        "bfd_instance v4 {\n neighbor_ip 10.0.0.1\n}\n\
         bfd_instance v6 {\n neighbor_ip fe80::1\n max_hops -1\n}\n\
         bfd_instance nonbr {\n weight 7 reverse\n}\n\
         bfd_instance chk {\n neighbor_ip 10.0.0.2\n checker\n}\n\
         bfd_instance abcdefghijabcdefghijabcdefghij12 {\n neighbor_ip 10.0.0.3\n}\n",
    );
    let b = &cfg.bfd;
    let (_, s) = b.session("v4").unwrap();
    assert_eq!((s.min_rx, s.min_tx, s.idle_tx), (10_000, 10_000, 1_000_000));
    assert_eq!((s.multiplier, s.ttl, s.max_hops, s.passive), (5, 255, 0, false));
    let (_, s) = b.session("v6").unwrap();
    assert_eq!(
        (s.ttl, s.max_hops),
        (64, 64),
        "-1 is 255 in a uint8_t, limited to the hop limit"
    );
    // No neighbour: the BFD process refuses it, VRRP and the checker keep it.
    assert!(b.session("nonbr").is_none());
    let (_, v) = b.vrrp_tracked("nonbr").unwrap();
    assert_eq!((v.weight, v.weight_reverse), (7, true));
    assert!(b.checker_tracked("nonbr").is_some());
    // Events for the checker only: VRRP drops it.
    assert!(b.vrrp_tracked("chk").is_none());
    assert!(b.checker_tracked("chk").is_some());
    let i = b.instance("chk").unwrap();
    assert!(!i.events.vrrp && i.events.checker);
    // A 32-character name: only the checker accepts it.
    let long = b.instance("abcdefghijabcdefghijabcdefghij12").unwrap();
    assert!(long.session.is_none() && long.vrrp.is_none() && long.checker);
}

/// One generated block, with values inside and outside keepalived's ranges.
fn block() -> impl Strategy<Value = String> {
    let name = prop::sample::select(vec!["a", "b", "c", "abcdefghijabcdefghijabcdefghij12"]);
    let num = prop::sample::select(vec![
        "0", "1", "-1", "5", "254", "255", "-255", "65535", "65536", "1.5", "0.000001", "3600", "3601", "x", "",
    ]);
    let addr = prop::sample::select(vec![
        "10.0.0.1",
        "10.0.0.2",
        "fe80::1",
        "::10.0.0.1",
        "10.0.0.1/24",
        "bad",
        "::ffff:10.0.0.1",
    ]);
    let file_line = prop_oneof![
        Just("file /tmp/kars-f".to_string()),
        num.clone().prop_map(|n| format!("weight {n}")),
        num.clone().prop_map(|n| format!("weight {n} reverse")),
        num.clone().prop_map(|n| format!("init_file {n} overwrite")),
        Just("init_file".to_string()),
    ];
    let proc_line = prop_oneof![
        Just("process cron".to_string()),
        Just("process /bin/x -a \"b c\"".to_string()),
        prop::sample::select(vec![
            "param_match",
            "param_match initial",
            "param_match partial",
            "full_command"
        ])
        .prop_map(str::to_string),
        num.clone().prop_map(|n| format!("weight {n} reverse")),
        num.clone().prop_map(|n| format!("quorum {n}")),
        num.clone().prop_map(|n| format!("quorum_max {n}")),
        num.clone().prop_map(|n| format!("delay {n}")),
        num.clone().prop_map(|n| format!("terminate_delay {n}")),
        num.clone().prop_map(|n| format!("fork_delay {n}")),
    ];
    let bfd_line = prop_oneof![
        addr.clone().prop_map(|a| format!("neighbor_ip {a}")),
        addr.prop_map(|a| format!("source_ip {a}")),
        num.clone().prop_map(|n| format!("min_rx {n}")),
        num.clone().prop_map(|n| format!("idle_tx {n}")),
        num.clone().prop_map(|n| format!("multiplier {n}")),
        num.clone().prop_map(|n| format!("ttl {n}")),
        num.clone().prop_map(|n| format!("max_hops {n}")),
        num.prop_map(|n| format!("weight {n} reverse")),
        prop::sample::select(vec!["passive", "vrrp", "checker"]).prop_map(str::to_string),
    ];
    prop_oneof![
        (name.clone(), prop::collection::vec(file_line, 0..5))
            .prop_map(|(n, l)| format!("track_file {n} {{\n{}\n}}\n", l.join("\n"))),
        (name.clone(), prop::collection::vec(proc_line, 0..6))
            .prop_map(|(n, l)| format!("vrrp_track_process {n} {{\n{}\n}}\n", l.join("\n"))),
        (name, prop::collection::vec(bfd_line, 0..6))
            .prop_map(|(n, l)| format!("bfd_instance {n} {{\n{}\n}}\n", l.join("\n"))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn generated_configs_round_trip(blocks in prop::collection::vec(block(), 1..6)) {
        assert_round_trip("generated", &blocks.concat());
    }
}

#[test]
fn junk_after_numbers_is_a_warning_outside_config_test() {
    let text = "track_file a {\n file /x\n weight 5x\n}\n\
                vrrp_track_process p {\n process x\n weight 7y reverse\n quorum 3z\n}\n\
                bfd_instance b {\n neighbor_ip 10.0.0.1\n weight 9w\n multiplier 4v\n}\n";
    let run = load_str(text, &LoadOptions::default(), &RealSystem);
    let msgs: Vec<String> = run.diags.reported().map(|d| d.message.clone()).collect();
    assert!(msgs.contains(&"WARNING - invalid number '5x'".to_string()), "{msgs:?}");
    let t = &run.config.track;
    assert_eq!(t.file("a").unwrap().weight, 5);
    let p = t.process("p").unwrap();
    assert_eq!((p.weight, p.weight_reverse, p.quorum), (7, true, 3));
    let (_, v) = run.config.bfd.vrrp_tracked("b").unwrap();
    assert_eq!(v.weight, 9);
    // multiplier is read without ignore_error: refused, default kept.
    assert_eq!(run.config.bfd.session("b").unwrap().1.multiplier, 5);
    // Under -t the same values are refused.
    let t = load(text).track;
    assert_eq!(t.file("a").unwrap().weight, 1);
    assert_eq!(t.process("p").unwrap().weight, 0);
}
