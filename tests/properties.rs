//! Property tests of the whole configuration pipeline:
//! - no input makes the reader or parser panic or hang (random text over keepalived's keyword
//!   vocabulary, braces, quotes, definitions, conditionals and ~SEQ);
//! - the resolved dump of any generated configuration reads back to an equal model, without new
//!   diagnostics.

use keepalived_rs::config::{
    LoadOptions, dump, fuzz_one, load_recording, load_text, load_transcript, system::FixedSystem,
};
use proptest::prelude::*;

/// A small deterministic generator driven by one proptest seed.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.below(100) < pct
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len() as u64) as usize]
    }
}

fn ip(g: &mut Gen) -> String {
    format!("10.{}.{}.{}", g.below(4), g.below(256), 1 + g.below(254))
}

/// A random but plausible configuration touching every family.
fn config(seed: u64) -> String {
    let mut g = Gen(seed | 1);
    let mut s = String::new();
    if g.chance(80) {
        s.push_str("global_defs {\n");
        for _ in 0..g.below(8) {
            let line = match g.below(12) {
                0 => format!("router_id R{}", g.below(100)),
                1 => format!("vrrp_garp_master_delay {}", g.below(20)),
                2 => format!("vrrp_version {}", 2 + g.below(2)),
                3 => "enable_script_security".to_string(),
                4 => "script_user root".to_string(),
                5 => format!("smtp_server {} {}", ip(&mut g), 25 + g.below(2)),
                6 => "notification_email {\n a@example.com\n b@example.com\n}".to_string(),
                7 => format!("lvs_timeouts tcp {} udp {}", g.below(900), g.below(300)),
                8 => format!("max_auto_priority {}", g.below(99)),
                9 => format!("vrrp_garp_interval 0.{}", 1 + g.below(9)),
                10 => "vrrp_skip_check_adv_addr".to_string(),
                _ => format!("checker_log_all_failures {}", g.pick(&["true", "false"])),
            };
            s.push_str(&line);
            s.push('\n');
        }
        s.push_str("}\n");
    }
    let scripts = g.below(3);
    for i in 0..scripts {
        s.push_str(&format!(
            "vrrp_script chk{i} {{\n script \"/bin/true {i}\"\n interval {}\n weight {}\n rise {}\n fall {}\n}}\n",
            1 + g.below(5),
            g.below(40) as i64 - 20,
            1 + g.below(3),
            1 + g.below(3)
        ));
    }
    let instances = g.below(4);
    for i in 0..instances {
        s.push_str(&format!("vrrp_instance VI_{i} {{\n"));
        s.push_str(&format!(" state {}\n", g.pick(&["MASTER", "BACKUP"])));
        s.push_str(&format!(" interface eth{}\n", g.below(4)));
        s.push_str(&format!(" virtual_router_id {}\n", 1 + i + 10 * g.below(5)));
        if g.chance(80) {
            s.push_str(&format!(" priority {}\n", 1 + g.below(255)));
        }
        s.push_str(&format!(" advert_int {}\n", 1 + g.below(3)));
        if g.chance(40) {
            s.push_str(&format!(
                " authentication {{\n auth_type PASS\n auth_pass p{}\n }}\n",
                g.below(1000)
            ));
        }
        if g.chance(30) {
            s.push_str(" nopreempt\n");
        }
        if g.chance(20) {
            s.push_str(&format!(" preempt_delay {}\n", g.below(300)));
        }
        if scripts > 0 && g.chance(50) {
            s.push_str(&format!(" track_script {{\n chk{}\n }}\n", g.below(scripts)));
        }
        if g.chance(30) {
            s.push_str(&format!(" unicast_peer {{\n {}\n }}\n", ip(&mut g)));
        }
        if g.chance(30) {
            s.push_str(" notify_master \"/bin/echo master\"\n");
        }
        s.push_str(" virtual_ipaddress {\n");
        for _ in 0..1 + g.below(3) {
            let mut a = format!("  {}/{}", ip(&mut g), 16 + g.below(17));
            if g.chance(30) {
                a.push_str(&format!(" dev eth{}", g.below(4)));
            }
            if g.chance(20) {
                a.push_str(&format!(" label eth0:{}", g.below(9)));
            }
            if g.chance(10) {
                a.push_str(" scope link");
            }
            s.push_str(&a);
            s.push('\n');
        }
        s.push_str(" }\n");
        if g.chance(20) {
            s.push_str(&format!(
                " virtual_routes {{\n  {}/24 via {}\n }}\n",
                ip(&mut g),
                ip(&mut g)
            ));
        }
        s.push_str("}\n");
    }
    if instances > 1 && g.chance(50) {
        s.push_str("vrrp_sync_group G1 {\n group {\n VI_0\n VI_1\n }\n}\n");
    }
    for _ in 0..g.below(3) {
        s.push_str(&format!(
            "virtual_server {} {} {{\n",
            ip(&mut g),
            g.pick(&["80", "443", "8080"])
        ));
        s.push_str(&format!(" delay_loop {}\n", 1 + g.below(30)));
        s.push_str(&format!(
            " lb_algo {}\n",
            g.pick(&["rr", "wrr", "lc", "wlc", "sh", "mh"])
        ));
        s.push_str(&format!(" lb_kind {}\n", g.pick(&["NAT", "DR", "TUN"])));
        if g.chance(80) {
            s.push_str(&format!(" protocol {}\n", g.pick(&["TCP", "UDP"])));
        }
        if g.chance(30) {
            s.push_str(" persistence_timeout\n");
        }
        if g.chance(20) {
            s.push_str(&format!(" quorum {}\n hysteresis {}\n", 1 + g.below(3), g.below(2)));
        }
        for _ in 0..g.below(4) {
            s.push_str(&format!(" real_server {} {} {{\n", ip(&mut g), g.pick(&["80", "8080"])));
            s.push_str(&format!("  weight {}\n", g.below(10)));
            if g.chance(30) {
                s.push_str("  inhibit_on_failure\n");
            }
            match g.below(4) {
                0 => s.push_str(&format!(
                    "  TCP_CHECK {{\n   connect_timeout {}\n   retry {}\n  }}\n",
                    1 + g.below(5),
                    g.below(4)
                )),
                1 => s.push_str(&format!(
                    "  HTTP_GET {{\n   url {{\n    path /{}\n    status_code {}\n   }}\n   connect_timeout {}\n  }}\n",
                    g.pick(&["", "health", "status"]),
                    g.pick(&["200", "200-299", "301"]),
                    1 + g.below(5)
                )),
                2 => s.push_str("  MISC_CHECK {\n   misc_path \"/bin/true\"\n   misc_timeout 5\n  }\n"),
                _ => {}
            }
            s.push_str(" }\n");
        }
        s.push_str("}\n");
    }
    s
}

fn opts() -> LoadOptions {
    LoadOptions {
        config_test: true,
        random_seed: Some(1),
        ..LoadOptions::default()
    }
}

/// Token soup: keywords, values, braces, quotes, comments, definitions, conditional lines,
/// sequences and includes in any order.
fn soup() -> impl Strategy<Value = Vec<&'static str>> {
    prop::collection::vec(
        prop_oneof![
            Just("vrrp_instance"),
            Just("virtual_server"),
            Just("real_server"),
            Just("global_defs"),
            Just("vrrp_sync_group"),
            Just("group"),
            Just("virtual_ipaddress"),
            Just("TCP_CHECK"),
            Just("HTTP_GET"),
            Just("url"),
            Just("path"),
            Just("state"),
            Just("priority"),
            Just("interface"),
            Just("eth0"),
            Just("10.0.0.1/24"),
            Just("fe80::1"),
            Just("80"),
            Just("{"),
            Just("}"),
            Just("\n"),
            Just("\""),
            Just("'"),
            Just("#"),
            Just("!"),
            Just("\\"),
            Just("$A=x"),
            Just("$A"),
            Just("${A}"),
            Just("$B= \\\n"),
            Just("@lb1"),
            Just("@^lb1"),
            Just("~SEQ(i, 1, 3)"),
            Just("~LST(v, a, b)"),
            Just("include x"),
            Just("notify"),
            Just("script"),
            Just("track_script"),
            Just("weight"),
            Just("-5"),
            Just("300"),
            Just("0.5"),
            Just("MASTER"),
            Just("auth_pass"),
            Just("authentication"),
            Just("dev"),
            Just("virtual_routes"),
            Just("via"),
            Just("table"),
            Just("static_ipaddress"),
            Just("bfd_instance"),
            Just("track_file"),
            Just("vrrp_script"),
            Just("lb_kind"),
            Just("TUN"),
            Just("persistence_timeout"),
            Just(" "),
            Just("\t"),
            Just("é"),
        ],
        0..120,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn resolved_dump_rereads_to_the_same_model(seed in any::<u64>()) {
        let sys = FixedSystem::typical();
        let text = config(seed);
        let first = load_text(&text, &opts(), &sys, false);
        let resolved = dump::resolved(&first.config);
        let second = load_text(&resolved, &opts(), &sys, false);
        let new: Vec<String> = second
            .diags
            .reported()
            .map(|d| d.message.clone())
            .filter(|m| !first.diags.reported().any(|o| &o.message == m))
            .collect();
        prop_assert!(new.is_empty(), "new messages {:?}\n--- input\n{}\n--- resolved\n{}", new, text, resolved);
        prop_assert_eq!(&first.config, &second.config, "\n--- input\n{}\n--- resolved\n{}", text, resolved);
    }

    #[test]
    fn no_input_panics(parts in soup()) {
        let text = parts.join(" ");
        fuzz_one(text.as_bytes());
    }

    /// The transcript the watchdog hands its children (`load_recording` -> `load_transcript`)
    /// gives the parent's model, whatever the reader had to do to produce the lines.
    #[test]
    fn transcript_replays_to_the_same_model(parts in soup(), generated in any::<u64>()) {
        let sys = FixedSystem::typical();
        let dir = tempfile::tempdir().unwrap();
        let text = format!("{}\n{}", config(generated), parts.join(" "));
        std::fs::write(dir.path().join("keepalived.conf"), &text).unwrap();
        let o = LoadOptions {
            config_file: "keepalived.conf".into(),
            cwd: Some(dir.path().to_path_buf()),
            config_id: Some("lb1".into()),
            ..opts()
        };
        let first = load_recording(&o, &sys);
        prop_assume!(first.main_file_ok);
        let transcript = first.transcript.clone().expect("a transcript");
        let second = load_transcript(&transcript, &o, &sys);
        prop_assert_eq!(&first.config, &second.config, "\n--- input\n{}\n--- transcript\n{}", text, transcript);
    }
}

#[test]
fn generated_configs_cover_every_family() {
    let sys = FixedSystem::typical();
    let mut vrrp = 0;
    let mut vs = 0;
    for seed in 0..64 {
        let l = load_text(&config(seed), &opts(), &sys, false);
        vrrp += l.config.vrrp.instances.len();
        vs += l.config.check.virtual_servers.len();
    }
    assert!(
        vrrp > 20 && vs > 20,
        "generator too narrow: {vrrp} instances, {vs} virtual servers"
    );
}
