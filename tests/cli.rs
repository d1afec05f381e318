//! The command line against Debian's keepalived 2.2.7: same outputs and exit codes for
//! `--signum`, bad options, `-t` on missing files, `-h` options and `-v` shape.

mod support;

use std::process::{Command, Output};

fn run(prog: &str, args: &[&str]) -> Output {
    Command::new(prog).args(args).current_dir("/").output().expect("run")
}

fn ours(args: &[&str]) -> Output {
    run(support::ours(), args)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs the same arguments through keepalived and ours and compares code, stdout and stderr.
fn same_as_keepalived(args: &[&str]) {
    let Some(ka) = support::oracle_keepalived() else {
        support::skip("cli comparison", "Debian's keepalived 2.2.7 is not installed");
        return;
    };
    let k = run(ka.to_str().unwrap(), args);
    let o = ours(args);
    assert_eq!(o.status.code(), k.status.code(), "exit code for {args:?}");
    assert_eq!(text(&o.stdout), text(&k.stdout), "stdout for {args:?}");
    assert_eq!(text(&o.stderr), text(&k.stderr), "stderr for {args:?}");
}

#[test]
fn signum_matches_keepalived() {
    for name in ["STOP", "RELOAD", "DATA", "STATS", "STATS_CLEAR", "JSON", "BOGUS"] {
        same_as_keepalived(&[&format!("--signum={name}")]);
    }
    let o = ours(&["--signum=JSON"]);
    assert_eq!(text(&o.stdout), "36\n");
}

#[test]
fn bad_options_match_keepalived() {
    same_as_keepalived(&["-q"]);
    same_as_keepalived(&["--no-such-option"]);
    same_as_keepalived(&["--use-file="]);
    same_as_keepalived(&["-f"]);
    let o = ours(&["-q"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(text(&o.stderr), "Unknown option -q\n");
    // keepalived 2.2.7 prints a garbage option name here (getopt_long leaves longindex unset on
    // a missing argument); we name the option.
    let o = ours(&["--pid"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(text(&o.stderr), "Missing parameter for option --pid\n");
}

#[test]
fn config_test_of_missing_files_matches_keepalived() {
    same_as_keepalived(&["-t", "-f", "/nonexistent/keepalived.conf"]);
    same_as_keepalived(&["-t", "-e", "-f", "/nonexistent/keepalived.conf"]);
    let o = ours(&["-t", "-f", "/nonexistent/keepalived.conf"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "keepalived -t exits 0 for a missing file without -e"
    );
    let o = ours(&["-t", "-e", "-f", "/nonexistent/keepalived.conf"]);
    assert_eq!(o.status.code(), Some(4));
}

#[test]
fn abbreviated_long_options_are_accepted() {
    same_as_keepalived(&["--config-t", "--use-f=/nonexistent.conf"]);
    let o = ours(&["--config-t", "--use-f=/nonexistent.conf"]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn unexpected_arguments_are_reported_like_keepalived() {
    same_as_keepalived(&["-t", "-f", "/nonexistent.conf", "stray", "words"]);
}

#[test]
fn config_test_log_file_is_appended() {
    let d = tempfile::tempdir().unwrap();
    let conf = d.path().join("k.conf");
    std::fs::write(&conf, "frobnicate\n").unwrap();
    let log = d.path().join("test.log");
    std::fs::write(&log, "previous\n").unwrap();
    let o = ours(&[
        &format!("--config-test={}", log.display()),
        "-f",
        conf.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(5));
    assert!(o.stderr.is_empty(), "messages go to the log file");
    let l = std::fs::read_to_string(&log).unwrap();
    assert!(l.starts_with("previous\n"), "{l}");
    assert!(l.contains("Unknown keyword 'frobnicate'"), "{l}");
}

#[test]
fn help_lists_every_keepalived_option() {
    let o = ours(&["-h"]);
    assert_eq!(o.status.code(), Some(0));
    let ours_help = text(&o.stderr);
    for opt in [
        "-f, --use-file=FILE",
        "-P, --vrrp",
        "-C, --check",
        "-B, --no_bfd",
        "--all",
        "-l, --log-console",
        "-D, --log-detail",
        "-S, --log-facility=",
        "-G, --no-syslog",
        "-u, --umask=MASK",
        "-X, --release-vips",
        "-V, --dont-release-vrrp",
        "-I, --dont-release-ipvs",
        "-R, --dont-respawn",
        "-n, --dont-fork",
        "-d, --dump-conf",
        "-p, --pid=FILE",
        "-r, --vrrp_pid=FILE",
        "-T, --genhash",
        "-c, --checkers_pid=FILE",
        "-a, --address-monitoring",
        "-b, --bfd_pid=FILE",
        "-x, --snmp",
        "-A, --snmp-agent-socket=FILE",
        "-s, --namespace=NAME",
        "-m, --core-dump",
        "-M, --core-dump-pattern=PATN",
        "-e, --all-config",
        "-i, --config-id id",
        "--signum=SIGFUNC",
        "-t, --config-test[=LOG_FILE]",
        "-v, --version",
        "-h, --help",
    ] {
        assert!(ours_help.contains(opt), "-h lacks {opt}");
    }
    if let Some(ka) = support::oracle_keepalived() {
        // Every line of keepalived's help is in ours (ours adds the --dump-json lines).
        let k = text(&run(ka.to_str().unwrap(), &["-h"]).stderr);
        let ka_prog = ka.to_str().unwrap();
        for line in k.lines() {
            let line = line.replace(ka_prog, support::ours());
            assert!(ours_help.contains(&line), "missing help line: {line}");
        }
    } else {
        support::skip("help comparison", "Debian's keepalived 2.2.7 is not installed");
    }
}

#[test]
fn version_has_keepalived_shape() {
    let o = ours(&["-v"]);
    assert_eq!(o.status.code(), Some(0));
    let v = text(&o.stderr);
    assert!(v.starts_with("Keepalived v2.2.7 (01/16,2022)"), "{v}");
    assert!(v.contains("keepalived-rs"));
    assert!(v.contains("\nRunning on "));
    assert!(v.contains("\nConfig options:"));
}

#[test]
fn options_not_built_yet_say_so() {
    let o = ours(&["-x", "-n", "-f", "/nonexistent.conf"]);
    let e = text(&o.stderr);
    assert!(e.contains("-x/-A (SNMP)") && e.contains("not built yet"), "{e}");
}
