//! The scheduler driving a real MISC_CHECK script on tokio's clock: the script's exit code
//! changes between runs and the up/down transitions and keepalived's "Misc check" lines follow
//! (`misc_check_thread()` / `misc_check_child_thread()` with `retry`, `delay_before_retry`,
//! `misc_dynamic`).

mod support;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use keepalived_rs::check::event::{CheckerId, Outcome};
use keepalived_rs::check::misc;
use keepalived_rs::check::schedule::{Epilog, Params, Scheduler, Spec, Weight};
use keepalived_rs::config::model::Script;
use keepalived_rs::config::model::check::MiscCheck;
use tokio::time::Instant;

const ID: CheckerId = CheckerId {
    vs: 0,
    rs: 0,
    checker: 0,
};

#[test]
fn misc_check_thread_drives_the_script() {
    let d = tempfile::tempdir().unwrap();
    let code = d.path().join("code");
    let path = d.path().join("check.sh");
    std::fs::write(&path, format!("#!/bin/sh\nexit $(cat {})\n", code.display())).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let check = MiscCheck {
        script: Script {
            args: vec![path.to_str().unwrap().to_string()],
            user: None,
            group: None,
            uid: 0,
            gid: 0,
            origin: Default::default(),
        },
        timeout: 0,
        dynamic: true,
    };
    let params = Params {
        epilog: Epilog::Misc,
        alpha: true,
        delay_loop: Duration::from_millis(100),
        warmup: Duration::ZERO,
        retry: 1,
        delay_before_retry: Duration::from_millis(50),
        timeout: Duration::from_secs(5),
        log_all_failures: false,
    };
    let spec = Spec {
        id: ID,
        params,
        chk: "[10.0.0.2]:tcp:80".into(),
        vs: "[10.0.0.1]:tcp:80".into(),
        script: path.to_str().unwrap().into(),
    };
    // Exit codes of the successive runs.
    let codes = [0, 1, 1, 4, 4, 0];
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let steps = rt.block_on(async {
        let start = Instant::now();
        let mut s = Scheduler::new(vec![spec], Duration::ZERO, &mut || 0);
        let mut steps = Vec::new();
        for c in codes {
            std::fs::write(&code, c.to_string()).unwrap();
            let next = s.next_deadline().unwrap();
            tokio::time::sleep_until(start + next).await;
            assert_eq!(s.due(next), vec![ID]);
            let probe = misc::probe(&check, Duration::from_secs(5)).await;
            let step = s.result(start.elapsed(), Outcome { id: ID, probe });
            steps.push((next, step));
        }
        steps
    });
    let head = format!(
        "Misc check for [[10.0.0.2]:tcp:80 VS [10.0.0.1]:tcp:80] by [{}]",
        path.display()
    );
    let ms = Duration::from_millis;
    // Alpha: down until the first success (after BOOTSTRAP_DELAY).
    assert_eq!(steps[0].0, ms(1000));
    assert_eq!(steps[0].1.logs[0].text, format!("{head} succeeded."));
    assert!(steps[0].1.transition.as_ref().unwrap().up);
    // A failure while up: one silent retry, delay_before_retry from the start of the run.
    assert_eq!(steps[1].0, ms(1100));
    assert!(steps[1].1.logs.is_empty() && steps[1].1.transition.is_none());
    assert_eq!(steps[2].0, ms(1150));
    assert_eq!(
        steps[2].1.logs[0].text,
        format!("{head} failed after 1 retry (exited with status 1).")
    );
    assert!(!steps[2].1.transition.as_ref().unwrap().up);
    // misc_dynamic: exit 4 is success with weight 2.
    assert_eq!(steps[3].0, ms(1250));
    assert_eq!(steps[3].1.weight, Some(Weight::Dynamic(2)));
    assert!(steps[3].1.transition.as_ref().unwrap().up);
    assert_eq!(steps[4].1, Default::default(), "same code: nothing");
    assert_eq!(steps[5].1.weight, Some(Weight::Configured));
}
