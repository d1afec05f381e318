//! Notify scripts and notify FIFOs (keepalived's `vrrp_notify.c`: `send_instance_notifies()`,
//! `send_group_notifies()`, `notify_fifo()`, `notify_script_exec()`; `lib/notify.c`:
//! `notify_fifo_open()`), compared with Debian's keepalived 2.2.7 where it is installed.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use keepalived_rs::config::model::Config;
use keepalived_rs::config::system::HostWithInterfaces;
use keepalived_rs::config::{LoadOptions, load_str};
use keepalived_rs::vrrp::event::{NotifyTarget, State};
use keepalived_rs::vrrp::notify::{Kind, Notifier, fifo_line, generic_args, state_word};
use support::scripts::{Oracle, ScriptDir, read_pid_async, reaped, wait_until, wait_until_async};

const SEC: Duration = Duration::from_secs(1);

/// Records each run as one line `$0|ARG|ARG|...|` in `out.txt` beside the script (one write,
/// so concurrent runs do not mix their lines).
const RECORDER: &str = "line=$(printf '%s|' \"$0\" \"$@\")\necho \"$line\" >> \"$(dirname \"$0\")/out.txt\"";

/// Records its arguments in `fifoargs.txt`, then copies the FIFO (its last argument) to
/// `fifo.txt`.
const FIFO_READER: &str = "for a in \"$@\"; do last=\"$a\"; done\nd=$(dirname \"$0\")\n\
                           line=$(printf '%s|' \"$0\" \"$@\")\necho \"$line\" >> \"$d/fifoargs.txt\"\n\
                           exec cat \"$last\" >> \"$d/fifo.txt\"";

/// One instance in a sync group (of one), with every notify script, a VRRP notify FIFO and its
/// script; all files in `dir`.
fn oracle_config(dir: &Path) -> String {
    let d = dir.display();
    format!(
        r#"global_defs {{
  router_id test
  vrrp_notify_fifo {d}/vfifo
  vrrp_notify_fifo_script "{d}/fifo.sh arg1"
}}
vrrp_sync_group G1 {{
  group {{
    VI_1
  }}
  notify_master "{d}/n.sh gmaster 'a b'"
  notify_backup "{d}/n.sh gbackup"
  notify_stop "{d}/n.sh gstop"
  notify "{d}/n.sh gnotify"
}}
vrrp_instance VI_1 {{
  state MASTER
  interface veth0
  virtual_router_id 51
  priority 100
  advert_int 1
  virtual_ipaddress {{
    10.9.9.9/32
  }}
  notify_master "{d}/n.sh master"
  notify_backup "{d}/n.sh backup"
  notify_stop "{d}/n.sh stop"
  notify "{d}/n.sh generic x"
}}
"#
    )
}

fn load(text: &str, interfaces: &[&str]) -> Config {
    let sys = HostWithInterfaces {
        interfaces: interfaces.iter().map(|s| s.to_string()).collect(),
    };
    load_str(text, &LoadOptions::default(), &sys).config
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// A FIFO line parsed back into what was notified.
fn parse_fifo_line(cfg: &Config, line: &str) -> (NotifyTarget, State, u8) {
    let w: Vec<&str> = line.split(' ').collect();
    let name = w[1].trim_matches('"');
    let target = match w[0] {
        "INSTANCE" => NotifyTarget::Instance(cfg.vrrp.instances.iter().position(|i| i.name == name).unwrap()),
        _ => NotifyTarget::Group(cfg.vrrp.sync_groups.iter().position(|g| g.name == name).unwrap()),
    };
    let state = match w[2] {
        "MASTER" => State::Master,
        "BACKUP" => State::Backup,
        "FAULT" => State::Fault,
        "STOP" => State::Stop,
        other => panic!("state {other}"),
    };
    (target, state, w[3].parse().unwrap())
}

#[tokio::test]
async fn scripts_and_fifo_match_keepalived() {
    let name = "scripts_and_fifo_match_keepalived";
    if !support::can_netns() {
        return support::skip(name, "needs root and `ip netns` to run keepalived in a namespace");
    }
    if support::oracle_keepalived().is_none() {
        return support::skip(name, "Debian's keepalived 2.2.7 is not installed");
    }
    // keepalived: BACKUP at start-up, MASTER after the master-down timer, STOP at SIGTERM.
    let ka = ScriptDir::new();
    ka.script("n.sh", RECORDER);
    ka.script("fifo.sh", FIFO_READER);
    let mut oracle = Oracle::start(ka.path(), &oracle_config(ka.path()));
    let ka_out = ka.path().join("out.txt");
    let ka_fifo = ka.path().join("fifo.txt");
    let master_seen = || {
        let l = lines(&ka_out);
        l.iter().any(|l| l.ends_with("|INSTANCE|VI_1|MASTER|100|"))
            && l.iter().any(|l| l.ends_with("|GROUP|G1|MASTER|0|"))
    };
    let ok =
        wait_until_async(20 * SEC, master_seen).await && wait_until_async(5 * SEC, || lines(&ka_fifo).len() >= 4).await;
    let log = || std::fs::read_to_string(ka.path().join("keepalived.log")).unwrap_or_default();
    assert!(ok, "keepalived did not become MASTER:\n{}", log());
    oracle.stop();
    assert!(
        wait_until_async(5 * SEC, || lines(&ka_out).iter().any(|l| l.ends_with("|gstop|"))).await,
        "keepalived ran no STOP scripts:\n{}",
        log()
    );
    // The detached MASTER scripts may still be finishing.
    let settled = |p: &Path| {
        let n = lines(p).len();
        std::thread::sleep(Duration::from_millis(200));
        n == lines(p).len()
    };
    wait_until(5 * SEC, || settled(&ka_out));
    let ka_fifo_lines = lines(&ka_fifo);

    // Ours, given the same states in the same order.
    let us = ScriptDir::new();
    us.script("n.sh", RECORDER);
    us.script("fifo.sh", FIFO_READER);
    let cfg = load(&oracle_config(us.path()), &["veth0"]);
    let mut n = Notifier::new(&cfg);
    n.open_fifos(&cfg.global, true);
    for l in &ka_fifo_lines {
        let (target, state, prio) = parse_fifo_line(&cfg, l);
        n.notify(target, state, prio);
    }
    let us_fifo = us.path().join("fifo.txt");
    assert!(wait_until_async(5 * SEC, || lines(&us_fifo).len() >= ka_fifo_lines.len()).await);
    // vrrp_terminate_phase1: scripts killed, then notify_shutdown (instances, then groups).
    n.begin_shutdown();
    n.notify(NotifyTarget::Instance(0), State::Stop, 100);
    n.notify(NotifyTarget::Group(0), State::Stop, 0);
    n.finish().await;
    let us_out = us.path().join("out.txt");
    let want = lines(&ka_out).len();
    wait_until_async(5 * SEC, || lines(&us_out).len() >= want).await;

    let norm = |dir: &ScriptDir, v: Vec<String>| {
        let mut v: Vec<String> = v
            .iter()
            .map(|l| l.replace(&dir.path().display().to_string(), "DIR"))
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        norm(&us, lines(&us_out)),
        norm(&ka, lines(&ka_out)),
        "notify script runs differ"
    );
    assert_eq!(
        std::fs::read_to_string(&us_fifo).unwrap(),
        std::fs::read_to_string(&ka_fifo).unwrap()
    );
    assert_eq!(
        norm(&us, lines(&us.path().join("fifoargs.txt"))),
        norm(&ka, lines(&ka.path().join("fifoargs.txt"))),
        "FIFO script arguments differ"
    );
    assert!(!us.path().join("vfifo").exists(), "our FIFO was not removed");
    assert!(!ka.path().join("vfifo").exists(), "keepalived left its FIFO");
}

#[test]
fn words_and_lines_as_keepalived_writes_them() {
    // Recorded from Debian's keepalived 2.2.7 (see scripts_and_fifo_match_keepalived).
    assert_eq!(
        fifo_line(Kind::Instance, "VI_1", "MASTER", 100),
        "INSTANCE \"VI_1\" MASTER 100\n"
    );
    assert_eq!(fifo_line(Kind::Group, "G1", "BACKUP", 0), "GROUP \"G1\" BACKUP 0\n");
    assert_eq!(
        generic_args(Kind::Instance, "VI_1", "STOP", 100),
        ["INSTANCE", "VI_1", "STOP", "100"]
    );
    assert_eq!(
        generic_args(Kind::Group, "G1", "MASTER", 0),
        ["GROUP", "G1", "MASTER", "0"]
    );
    assert_eq!(state_word(State::Fault), "FAULT");
    assert_eq!(state_word(State::Init), "{UNKNOWN}");
}

/// Instance VI_1 (notify_master, notify_stop, notify_master_rx_lower_pri, generic) in group G
/// (notify_fault, generic), and the given global_defs lines.
fn local_config(d: &ScriptDir, global: &str) -> Config {
    let p = d.path().display();
    let text = format!(
        r#"global_defs {{
{global}
}}
vrrp_sync_group G {{
  group {{
    VI_1
  }}
  notify_fault "{p}/n.sh gfault"
  notify "{p}/n.sh gnotify"
}}
vrrp_instance VI_1 {{
  interface eth0
  virtual_router_id 1
  priority 100
  virtual_ipaddress {{
    10.0.0.1
  }}
  notify_master "{p}/n.sh master"
  notify_stop "{p}/stop.sh"
  notify_master_rx_lower_pri "{p}/n.sh lower"
  notify "{p}/n.sh generic"
}}
"#
    );
    load(&text, &["eth0"])
}

#[tokio::test]
async fn groups_notify_priority_zero_and_init_has_no_state_script() {
    // notify_script_exec: "the prio will be indicated as zero for a group"; get_iscript()
    // has no script for INIT, whose word is "{UNKNOWN}".
    let d = ScriptDir::new();
    d.script("n.sh", RECORDER);
    d.script("stop.sh", "exit 0");
    let cfg = local_config(&d, "");
    let mut n = Notifier::new(&cfg);
    n.notify(NotifyTarget::Group(0), State::Fault, 77);
    n.notify(NotifyTarget::Instance(0), State::Init, 90);
    n.notify(NotifyTarget::Instance(7), State::Master, 90);
    n.notify(NotifyTarget::Group(3), State::Master, 0);
    let out = d.path().join("out.txt");
    assert!(wait_until_async(5 * SEC, || lines(&out).len() >= 3).await);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut got: Vec<String> = lines(&out)
        .iter()
        .map(|l| l.replace(&d.path().display().to_string(), "D"))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            "D/n.sh|generic|INSTANCE|VI_1|{UNKNOWN}|90|",
            "D/n.sh|gfault|",
            "D/n.sh|gnotify|GROUP|G|FAULT|0|",
        ]
    );
    n.finish().await;
}

#[tokio::test]
async fn fifo_is_created_written_without_a_reader_and_removed() {
    // fifo_open: mkfifo 0644 (less the umask), opened O_RDWR|O_NONBLOCK so that writes never
    // block; a full FIFO drops lines; fifo_close unlinks what it created.
    let d = ScriptDir::new();
    d.script("n.sh", "exit 0");
    d.script("stop.sh", "exit 0");
    let fifo = d.file("fifo");
    let cfg = local_config(&d, &format!("  vrrp_notify_fifo {fifo}"));
    let mut n = Notifier::new(&cfg);
    n.open_fifos(&cfg.global, true);
    assert_eq!(n.open_fifo_names(), [fifo.as_str()]);
    let meta = std::fs::metadata(&fifo).expect("FIFO created");
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};
    assert!(meta.file_type().is_fifo());
    assert_eq!(meta.permissions().mode() & 0o777, 0o644 & !umask());
    // Far more than a pipe holds (64 KiB), with nobody reading.
    let t0 = Instant::now();
    for i in 0..5000u32 {
        n.priority_changed(0, i % 2 == 0, (i % 256) as u8);
    }
    assert!(
        t0.elapsed() < 2 * SEC,
        "writing to an unread FIFO blocked: {:?}",
        t0.elapsed()
    );
    let text = read_fifo_now(&fifo);
    assert!(text.len() >= 4096 && text.len() < 5000 * 40, "{} bytes", text.len());
    assert!(text.starts_with("INSTANCE \"VI_1\" MASTER_PRIORITY 0\nINSTANCE \"VI_1\" BACKUP_PRIORITY 1\n"));
    assert!(text.ends_with('\n'), "a line was cut");
    n.master_rx_lower_pri(0, 42);
    assert_eq!(read_fifo_now(&fifo), "INSTANCE \"VI_1\" MASTER_RX_LOWER_PRI 42\n");
    n.finish().await;
    assert!(!Path::new(&fifo).exists(), "created FIFO not removed");
}

#[tokio::test]
async fn an_existing_fifo_is_used_and_kept() {
    let d = ScriptDir::new();
    d.script("n.sh", "exit 0");
    d.script("stop.sh", "exit 0");
    let fifo = d.file("fifo");
    let c = std::ffi::CString::new(fifo.as_str()).unwrap();
    // SAFETY: a valid path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let cfg = local_config(&d, &format!("  notify_fifo {fifo}"));
    let mut n = Notifier::new(&cfg);
    n.open_fifos(&cfg.global, false);
    n.notify(NotifyTarget::Instance(0), State::Backup, 100);
    assert_eq!(read_fifo_now(&fifo), "INSTANCE \"VI_1\" BACKUP 100\n");
    n.finish().await;
    assert!(Path::new(&fifo).exists(), "a FIFO we did not create was removed");
}

#[tokio::test]
async fn global_fifo_script_is_left_to_the_checker_process() {
    // vrrp_complete_init: with the checker running, only it runs the notify_fifo script.
    let d = ScriptDir::new();
    d.script("n.sh", "exit 0");
    d.script("stop.sh", "exit 0");
    let (fifo, marker) = (d.file("fifo"), d.file("ran"));
    let reader = d.script("reader.sh", &format!("touch {marker}\nexec cat \"$1\" > /dev/null"));
    let cfg = local_config(&d, &format!("  notify_fifo {fifo}\n  notify_fifo_script {reader}"));
    let mut n = Notifier::new(&cfg);
    n.open_fifos(&cfg.global, false);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !Path::new(&marker).exists(),
        "global FIFO script ran in the VRRP process"
    );
    n.finish().await;
    let mut n = Notifier::new(&cfg);
    n.open_fifos(&cfg.global, true);
    assert!(
        wait_until_async(5 * SEC, || Path::new(&marker).exists()).await,
        "FIFO script did not run"
    );
    let t0 = Instant::now();
    n.finish().await;
    assert!(t0.elapsed() < 2 * SEC, "FIFO script not ended at shutdown");
}

#[tokio::test]
async fn stop_scripts_get_one_second_then_sigkill() {
    // send_instance_notifies for STOP: system_call_script(child_killed_thread, TIMER_HZ), and
    // the process waits for them before it exits.
    let d = ScriptDir::new();
    d.script("n.sh", "exit 0");
    let pid_file = d.file("stop.pid");
    d.script(
        "stop.sh",
        &format!("trap '' TERM\necho $$ > {pid_file}\nwhile :; do sleep 0.05; done"),
    );
    let cfg = local_config(&d, "");
    let mut n = Notifier::new(&cfg);
    let t0 = Instant::now();
    n.notify(NotifyTarget::Instance(0), State::Stop, 100);
    let pid = read_pid_async(&pid_file).await;
    n.finish().await;
    let took = t0.elapsed();
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_millis(2500),
        "{took:?}"
    );
    assert!(reaped(pid), "STOP script {pid} left behind");
}

/// Everything a FIFO holds right now (non-blocking read; a second opener of our FIFO).
fn read_fifo_now(path: &str) -> String {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .expect("open FIFO");
    let mut buf = Vec::new();
    let mut chunk = [0u8; 65536];
    loop {
        match f.read(&mut chunk) {
            Ok(0) => break,
            Ok(k) => buf.extend_from_slice(&chunk[..k]),
            Err(_) => break,
        }
    }
    String::from_utf8(buf).expect("text")
}

/// This process's umask, from /proc (setting it to read it would race other tests).
fn umask() -> u32 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    let v = s.lines().find_map(|l| l.strip_prefix("Umask:\t")).unwrap();
    u32::from_str_radix(v.trim(), 8).unwrap()
}
