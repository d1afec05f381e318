//! Snapshots of every dump of the project's sample configurations: the resolved
//! keepalived.conf form (`-t -d`), the JSON form (`-t --dump-json`) and keepalived's `-d` layout
//! of the VRRP and checker children. A change in any of them shows up as a snapshot diff
//! (`cargo insta review`).

use std::path::Path;

use keepalived_rs::config::{LoadOptions, dump, load, system::FixedSystem};

fn load_sample(name: &str) -> keepalived_rs::config::Loaded {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let opts = LoadOptions {
        config_file: name.to_string(),
        cwd: Some(dir),
        config_test: true,
        random_seed: Some(1),
        ..LoadOptions::default()
    };
    load(&opts, &FixedSystem::typical())
}

fn snapshot_all(name: &str) {
    let l = load_sample(name);
    let msgs: Vec<String> = l.diags.reported().map(|d| d.to_string()).collect();
    insta::assert_snapshot!(format!("{name}-messages"), msgs.join("\n"));
    insta::assert_snapshot!(format!("{name}-resolved"), dump::resolved(&l.config));
    insta::assert_snapshot!(format!("{name}-json"), dump::json(&l.config));
    insta::assert_snapshot!(format!("{name}-vrrp-layout"), dump::vrrp_layout(&l.config).join("\n"));
    insta::assert_snapshot!(format!("{name}-check-layout"), dump::check_layout(&l.config).join("\n"));
}

#[test]
fn lvs_dr_master() {
    snapshot_all("lvs-dr-master.conf");
}

#[test]
fn lvs_dr_backup() {
    snapshot_all("lvs-dr-backup.conf");
}

#[test]
fn typos() {
    snapshot_all("typos.conf");
}
