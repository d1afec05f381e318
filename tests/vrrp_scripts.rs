//! Running scripts as keepalived 2.2.7 does (`lib/notify.c: system_call_script()`,
//! `set_script_env()`; `vrrp_scheduler.c: vrrp_script_child_thread()`), with real processes.

mod support;

use std::time::{Duration, Instant};

use keepalived_rs::exec::{self, OnTimeout, RunHandle, cmd_str, is_system};
use keepalived_rs::vrrp::event::ScriptOutcome;
use support::scripts::{
    ScriptDir, dead, log_lines, logged, read_pid, read_pid_async, reaped, script, script_as, wait_until,
    wait_until_async, zombie_children,
};

const SEC: Duration = Duration::from_secs(1);

#[tokio::test]
async fn exit_statuses_are_reported() {
    // vrrp_script_child_thread: WIFEXITED → the exit status (0 success, anything else failure).
    let d = ScriptDir::new();
    for code in [0, 1, 2, 255] {
        let s = d.script(&format!("exit{code}"), &format!("exit {code}"));
        assert_eq!(
            exec::run(&script(&[&s]), &[], Some(5 * SEC)).await,
            ScriptOutcome::Exited(code)
        );
    }
}

#[tokio::test]
async fn death_by_a_signal_is_reported_as_such() {
    // WIFSIGNALED without our signal: "failed (due to signal N)".
    let d = ScriptDir::new();
    let s = d.script("usr1", "kill -USR1 $$\nsleep 5");
    assert_eq!(
        exec::run(&script(&[&s]), &[], Some(5 * SEC)).await,
        ScriptOutcome::Signalled(libc::SIGUSR1)
    );
    let s = d.script("kill9", "kill -KILL $$");
    assert_eq!(
        exec::run(&script(&[&s]), &[], None).await,
        ScriptOutcome::Signalled(libc::SIGKILL)
    );
}

#[tokio::test]
async fn hanging_script_is_killed_with_its_children_at_the_timeout() {
    // At the timeout keepalived sends SIGTERM to the script's process group; a script dying of
    // it is "timed_out", and SIGKILL then goes to the group so that its children die too.
    let d = ScriptDir::new();
    let (pid_file, child_file) = (d.file("pid"), d.file("child"));
    let s = d.script(
        "hang",
        &format!("echo $$ > {pid_file}\nsleep 100 &\necho $! > {child_file}\nwait"),
    );
    let t0 = Instant::now();
    let outcome = exec::run(&script(&[&s]), &[], Some(Duration::from_millis(300))).await;
    let took = t0.elapsed();
    assert_eq!(outcome, ScriptOutcome::TimedOut);
    assert!(
        took >= Duration::from_millis(300),
        "killed before its timeout: {took:?}"
    );
    assert!(took < Duration::from_millis(1500), "not killed promptly: {took:?}");
    let (pid, child) = (read_pid(&pid_file), read_pid(&child_file));
    assert!(reaped(pid), "script {pid} not reaped");
    assert!(!zombie_children().contains(&pid), "script {pid} left a zombie");
    assert!(
        wait_until(2 * SEC, || dead(child)),
        "the script's child {child} survived the group kill"
    );
}

#[tokio::test]
async fn script_ignoring_sigterm_gets_sigkill_two_seconds_later() {
    // vrrp_script_child_thread: REQUESTING_TERMINATION (SIGTERM), then after 2 s
    // FORCING_TERMINATION (SIGKILL); death by SIGKILL then is "timed_out" too.
    let d = ScriptDir::new();
    let pid_file = d.file("pid");
    let s = d.script(
        "stubborn",
        &format!("trap '' TERM\necho $$ > {pid_file}\nwhile :; do sleep 0.05; done"),
    );
    let handle = RunHandle::new();
    let t0 = Instant::now();
    let sc = script(&[&s]);
    let run = exec::run_with(
        &sc,
        &[],
        Some(Duration::from_millis(200)),
        OnTimeout::TermThenKill,
        Some(&handle),
    );
    let (outcome, timing_out_seen) = {
        tokio::pin!(run);
        let mut seen = false;
        loop {
            tokio::select! {
                o = &mut run => break (o, seen),
                _ = tokio::time::sleep(Duration::from_millis(20)) => seen |= handle.is_timing_out(),
            }
        }
    };
    let took = t0.elapsed();
    assert_eq!(outcome, ScriptOutcome::TimedOut);
    assert!(timing_out_seen, "the handle never showed the run as being timed out");
    assert!(
        took >= Duration::from_millis(2200) && took < Duration::from_millis(3500),
        "took {took:?}"
    );
    assert!(reaped(read_pid(&pid_file)));
    assert_eq!(handle.pgid(), None, "a finished run still shows a process group");
}

#[tokio::test]
async fn script_exiting_on_sigterm_reports_its_status() {
    // keepalived only counts deaths by its own signals as time-outs: a script that catches
    // SIGTERM and exits normally reports its exit status.
    let d = ScriptDir::new();
    let s = d.script("graceful", "trap 'exit 3' TERM\nsleep 100 &\nwait");
    let outcome = exec::run(&script(&[&s]), &[], Some(Duration::from_millis(200))).await;
    assert_eq!(outcome, ScriptOutcome::Exited(3));
}

#[tokio::test]
async fn kill_policy_sends_sigkill_at_once() {
    // child_killed_thread (STOP notify scripts): SIGKILL to the group at the timeout.
    let d = ScriptDir::new();
    let s = d.script("stubborn", "trap '' TERM\nwhile :; do sleep 0.05; done");
    let t0 = Instant::now();
    let o = exec::run_with(
        &script(&[&s]),
        &[],
        Some(Duration::from_millis(200)),
        OnTimeout::Kill,
        None,
    )
    .await;
    assert_eq!(o, ScriptOutcome::TimedOut);
    assert!(t0.elapsed() < Duration::from_millis(1200), "took {:?}", t0.elapsed());
}

#[tokio::test]
async fn script_runs_in_its_own_group_with_null_stdio_and_default_signals() {
    // system_call_script: setpgid(0, 0); set_std_fd → /dev/null; signal_handler_script →
    // default dispositions and an empty mask. cp reads its own /proc/self/status as exec'd.
    let d = ScriptDir::new();
    let status = d.file("status");
    // An ignored signal would stay ignored across exec without the reset. SIGURG is discarded
    // by default anyway, so ignoring it here changes nothing for the other tests.
    // SAFETY: installing SIG_IGN for SIGURG.
    unsafe { libc::signal(libc::SIGURG, libc::SIG_IGN) };
    // As the daemon does (keepalived_rs::memory::set_up): scripts must not inherit it.
    // SAFETY: sets a flag of this test process only.
    unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
    let cp = script(&["/bin/cp", "/proc/self/status", &status]);
    assert_eq!(exec::run(&cp, &[], Some(5 * SEC)).await, ScriptOutcome::Exited(0));
    let text = std::fs::read_to_string(&status).expect("status copy");
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}:\t")))
            .unwrap_or_else(|| panic!("no {name} in {text}"))
            .to_string()
    };
    assert_eq!(field("NSpgid"), field("Pid"), "not in a process group of its own");
    assert_eq!(field("SigBlk"), "0000000000000000");
    if text.contains("THP_enabled:") {
        assert_eq!(
            field("THP_enabled"),
            "1",
            "transparent huge pages still off for the script"
        );
    }
    // Signals 1..31 only: glibc refuses to touch its internal 32 and 33 (keepalived's
    // sigaction loop cannot either), and this test's environment may ignore them.
    let ignored = u64::from_str_radix(&field("SigIgn"), 16).unwrap();
    assert_eq!(ignored & 0x7fff_ffff, 0, "ignored signals survived: {ignored:x}");
    let fds = d.file("fds");
    let s = d.script(
        "fds",
        &format!("x=$(readlink /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2)\necho \"$x\" > {fds}"),
    );
    assert_eq!(
        exec::run(&script(&[&s]), &[], Some(5 * SEC)).await,
        ScriptOutcome::Exited(0)
    );
    assert_eq!(std::fs::read_to_string(&fds).unwrap(), "/dev/null\n".repeat(3));
}

#[tokio::test]
async fn arguments_are_passed_unchanged_with_extra_ones_appended() {
    // execve(script->args[0], script->args, environ): no shell, no re-quoting.
    let d = ScriptDir::new();
    let out = d.file("args");
    let s = d.script("args", &format!("printf '[%s]' \"$0\" \"$@\" > {out}"));
    let sc = script(&[&s, "a b", "'q'", "$HOME"]);
    let extra = ["INSTANCE".to_string(), "VI 1".to_string()];
    assert_eq!(exec::run(&sc, &extra, Some(5 * SEC)).await, ScriptOutcome::Exited(0));
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        format!("[{s}][a b]['q'][$HOME][INSTANCE][VI 1]")
    );
}

#[tokio::test]
async fn script_runs_as_its_user_with_only_its_group() {
    // set_script_env: setgid, setgroups(1, &gid), setuid.
    if !support::is_root() {
        return support::skip(
            "script_runs_as_its_user_with_only_its_group",
            "needs root to change uid",
        );
    }
    let Some((uid, gid)) = nobody() else {
        return support::skip("script_runs_as_its_user_with_only_its_group", "no user nobody");
    };
    let d = ScriptDir::new();
    let out = d.file("ids");
    let s = d.script("ids.sh", &format!("echo $(id -u) $(id -g) $(id -G) > {out}"));
    assert_eq!(
        exec::run(&script_as(&[&s], uid, gid), &[], Some(5 * SEC)).await,
        ScriptOutcome::Exited(0)
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), format!("{uid} {gid} {gid}\n"));
}

fn nobody() -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    let l = passwd.lines().find(|l| l.starts_with("nobody:"))?;
    let f: Vec<&str> = l.split(':').collect();
    Some((f[2].parse().ok()?, f[3].parse().ok()?))
}

#[tokio::test]
async fn exec_failures_read_as_success_and_are_logged() {
    // The child logs "Error exec-ing command '%s', error %d: %m" and exits 0 ("Script errors
    // aren't server errors"); Debian's build has no libmagic, so a script without "#!" fails
    // the same way (ENOEXEC) rather than running under a shell.
    log_lines();
    let d = ScriptDir::new();
    let missing = d.file("missing");
    assert_eq!(
        exec::run(&script(&[&missing]), &[], Some(5 * SEC)).await,
        ScriptOutcome::Exited(0)
    );
    let want = format!("Error exec-ing command '{missing}', error 2: No such file or directory");
    assert!(logged(SEC, |l| l == want), "missing: {want}");
    let bare = d.raw("noshebang", "exit 1\n");
    assert_eq!(
        exec::run(&script(&[&bare]), &[], Some(5 * SEC)).await,
        ScriptOutcome::Exited(0)
    );
    let want = format!("Error exec-ing command '{bare}', error 8: Exec format error");
    assert!(logged(SEC, |l| l == want), "missing: {want}");
}

#[tokio::test]
async fn file_test_scripts_run_through_the_shell() {
    // check_script_secure: "</path" is SC_SYSTEM, run with system(cmd_str(script)).
    assert!(is_system(&["</etc/passwd".to_string()]));
    assert!(is_system(&["< \t/etc/passwd".to_string()]));
    assert!(!is_system(&["<etc".to_string()]));
    assert!(!is_system(&["/bin/true".to_string()]));
    assert_eq!(cmd_str(&["</x".into(), "a b".into()], &["c".into()]), "</x 'a b' 'c'");
    assert_eq!(cmd_str(&["/bin/echo".into()], &[]), "'/bin/echo'");
    let d = ScriptDir::new();
    let ok = script(&["</etc/passwd"]);
    assert_eq!(exec::run(&ok, &[], Some(5 * SEC)).await, ScriptOutcome::Exited(0));
    let missing = format!("<{}", d.file("absent"));
    assert_eq!(
        exec::run(&script(&[&missing]), &[], Some(5 * SEC)).await,
        ScriptOutcome::Exited(2)
    );
}

#[tokio::test]
async fn shell_exit_127_reads_as_success() {
    // system() returning 127 ("Couldn't find command") or 126 makes keepalived's child exit 0.
    log_lines();
    let sc = script(&["</dev/null", "&&", "exit", "127"]);
    // cmd_str quotes every word after the first, so the shell runs `</dev/null '&&' ...`,
    // which is the command "&&": not found, 127.
    let extra = ["X".to_string()];
    assert_eq!(exec::run(&sc, &extra, Some(5 * SEC)).await, ScriptOutcome::Exited(0));
    assert!(logged(SEC, |l| l == "Couldn't find command: </dev/null '&&' 'exit' '127' 'X'"));
}

#[tokio::test]
async fn detached_scripts_are_reaped() {
    // notify_exec: fire and forget, but no zombie may be left.
    let d = ScriptDir::new();
    let pid_file = d.file("pid");
    let s = d.script("quick", &format!("echo $$ > {pid_file}"));
    let pid = exec::spawn_detached(&script(&[&s]), &[]).expect("started") as i32;
    assert_eq!(read_pid_async(&pid_file).await, pid);
    assert!(
        wait_until_async(5 * SEC, || reaped(pid)).await,
        "detached script {pid} not reaped"
    );
}

#[test]
fn detached_scripts_are_reaped_outside_a_runtime_too() {
    let d = ScriptDir::new();
    let pid_file = d.file("pid");
    let s = d.script("quick", &format!("echo $$ > {pid_file}"));
    let pid = exec::spawn_detached(&script(&[&s]), &[]).expect("started") as i32;
    assert_eq!(read_pid(&pid_file), pid);
    assert!(wait_until(5 * SEC, || reaped(pid)), "detached script {pid} not reaped");
}

#[tokio::test]
async fn run_handle_follows_the_run() {
    let d = ScriptDir::new();
    let (pid_file, go) = (d.file("pid"), d.file("go"));
    let s = d.script(
        "wait",
        &format!("echo $$ > {pid_file}\nwhile [ ! -e {go} ]; do sleep 0.02; done"),
    );
    let sc = script(&[&s]);
    let handle = std::sync::Arc::new(RunHandle::new());
    let h2 = handle.clone();
    let task = tokio::spawn(async move { exec::run_with(&sc, &[], None, OnTimeout::Kill, Some(&h2)).await });
    let pid = read_pid_async(&pid_file).await;
    assert_eq!(handle.pgid(), Some(pid));
    assert!(handle.signal_group(libc::SIGUSR2));
    assert_eq!(task.await.unwrap(), ScriptOutcome::Signalled(libc::SIGUSR2));
    assert_eq!(handle.pgid(), None);
    assert!(!handle.signal_group(libc::SIGUSR2));
    assert!(reaped(pid));
}
