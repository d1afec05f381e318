//! The files under `packaging/`: the systemd unit against Debian's keepalived unit, the SysV
//! init script (POSIX sh, LSB header, its verbs against a stand-in daemon), the defaults file,
//! the man pages against the command line and keyword tables, and the `.deb` built by
//! cargo-deb (contents, conffiles, installing over an administrator's files).

mod support;

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use keepalived_rs::cli::{self, Action, LONG_OPTS, SHORT_OPTS};
use support::packaging::*;
use support::skip;

const UNIT: &str = "packaging/keepalived.service";
const INIT: &str = "packaging/keepalived.init";
const DEFAULTS: &str = "packaging/default/keepalived";
const MAN8: &str = "packaging/man/keepalived.8";
const MAN5: &str = "packaging/man/keepalived.conf.5";

fn directive<'a>(d: &'a [(String, String, String)], section: &str, key: &str) -> Vec<&'a str> {
    d.iter()
        .filter(|(s, k, _)| s == section && k == key)
        .map(|(_, _, v)| v.as_str())
        .collect()
}

/// The directives Debian's keepalived.service relies on, with the Debian values.
#[test]
fn unit_has_debians_directives() {
    let d = unit_directives(&read(UNIT));
    let want = [
        ("Unit", "After", "network-online.target"),
        ("Unit", "Wants", "network-online.target"),
        ("Unit", "ConditionFileNotEmpty", "/etc/keepalived/keepalived.conf"),
        ("Unit", "Documentation", "man:keepalived(8)"),
        ("Unit", "Documentation", "man:keepalived.conf(5)"),
        ("Service", "Type", "notify"),
        ("Service", "EnvironmentFile", "-/etc/default/keepalived"),
        ("Service", "ExecStart", "/usr/sbin/keepalived --dont-fork $DAEMON_ARGS"),
        ("Service", "ExecReload", "/bin/kill -HUP $MAINPID"),
        ("Service", "KillMode", "process"),
        ("Install", "WantedBy", "multi-user.target"),
    ];
    for (s, k, v) in want {
        assert!(
            directive(&d, s, k).contains(&v),
            "[{s}] {k}={v} missing from {UNIT}: {:?}",
            directive(&d, s, k)
        );
    }
    // One main process that stays in the foreground; systemd must not fork-track it.
    assert_eq!(directive(&d, "Service", "Type").len(), 1);
    assert!(
        directive(&d, "Service", "PIDFile").is_empty(),
        "Type=notify needs no PIDFile"
    );
}

/// Every directive of Debian's installed unit (apart from its wording) has the same value in
/// ours: the unit is a drop-in for `/lib/systemd/system/keepalived.service`.
#[test]
fn unit_matches_installed_debian_unit() {
    let debian = "/lib/systemd/system/keepalived.service";
    let Ok(text) = std::fs::read_to_string(debian) else {
        return skip(
            "unit_matches_installed_debian_unit",
            "Debian's keepalived is not installed",
        );
    };
    let ours = unit_directives(&read(UNIT));
    for (s, k, v) in unit_directives(&text) {
        // Wording and links; the man pages are checked by unit_has_debians_directives.
        if k == "Description" || k == "Documentation" {
            continue;
        }
        assert!(
            directive(&ours, &s, &k).contains(&v.as_str()),
            "Debian's [{s}] {k}={v} has no equal in {UNIT}"
        );
    }
}

/// The unit's ExecStart options mean to our command line what they mean to keepalived's:
/// stay in the foreground (keepalived's `parse_cmdline()`).
#[test]
fn unit_exec_start_options_are_ours() {
    let d = unit_directives(&read(UNIT));
    let exec = directive(&d, "Service", "ExecStart")[0];
    let args: Vec<String> = exec
        .split_whitespace()
        .skip(1)
        .filter(|a| !a.starts_with('$'))
        .map(String::from)
        .collect();
    match cli::parse(&args).action {
        Action::Run(o) => assert!(o.dont_fork, "{exec}: --dont-fork not understood"),
        _ => panic!("{exec}: not a daemon command line"),
    }
}

/// `systemd-analyze verify` accepts the unit: its only complaint may be a missing
/// /usr/sbin/keepalived on a machine without keepalived.
#[test]
fn unit_passes_systemd_analyze_verify() {
    if !have("systemd-analyze") {
        return skip("unit_passes_systemd_analyze_verify", "systemd-analyze is not installed");
    }
    let err = stderr_of(Command::new("systemd-analyze").arg("verify").arg(repo().join(UNIT)));
    let bad: Vec<&str> = err
        .lines()
        .filter(|l| !(l.contains("/usr/sbin/keepalived") && l.contains("is not executable")))
        .collect();
    assert!(bad.is_empty(), "systemd-analyze verify {UNIT}:\n{err}");
}

/// The init script parses with POSIX shells and uses no bashisms.
#[test]
fn init_script_is_posix_sh() {
    let path = repo().join(INIT);
    for shell in ["sh", "dash", "bash"] {
        if have(shell) {
            let err = stderr_of(Command::new(shell).arg("-n").arg(&path));
            assert!(err.is_empty(), "{shell} -n {INIT}: {err}");
        }
    }
    // test.sh puts checkbashisms (from devscripts) on PATH when it can.
    if have("checkbashisms") {
        let o = Command::new("checkbashisms")
            .arg("--posix")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            o.status.success() && o.stderr.is_empty(),
            "checkbashisms {INIT}: {}",
            describe(&o)
        );
    } else {
        skip(
            "init_script_is_posix_sh (checkbashisms part)",
            "checkbashisms is not installed",
        );
    }
    for script in ["preinst", "postinst", "prerm", "postrm"] {
        let p = repo().join("packaging/debian").join(script);
        let err = stderr_of(Command::new("sh").arg("-n").arg(&p));
        assert!(err.is_empty(), "sh -n {script}: {err}");
        if have("checkbashisms") {
            let o = Command::new("checkbashisms").arg(&p).output().unwrap();
            assert!(o.status.success(), "checkbashisms {script}: {}", describe(&o));
        }
    }
}

/// The LSB header that update-rc.d and insserv read, with Debian's runlevels and dependencies.
#[test]
fn init_script_lsb_header() {
    let text = read(INIT);
    let header: Vec<&str> = text
        .lines()
        .skip_while(|l| *l != "### BEGIN INIT INFO")
        .take_while(|l| *l != "### END INIT INFO")
        .collect();
    assert!(!header.is_empty(), "no LSB header in {INIT}");
    let field = |name: &str| -> Vec<&str> {
        header
            .iter()
            .find_map(|l| l.strip_prefix(&format!("# {name}:")))
            .unwrap_or_else(|| panic!("LSB header lacks {name}"))
            .split_whitespace()
            .collect()
    };
    assert_eq!(field("Provides"), ["keepalived"]);
    assert_eq!(field("Default-Start"), ["2", "3", "4", "5"]);
    assert_eq!(field("Default-Stop"), ["0", "1", "6"]);
    for dep in ["$network", "$remote_fs", "$syslog"] {
        assert!(field("Required-Start").contains(&dep), "Required-Start lacks {dep}");
        assert!(field("Required-Stop").contains(&dep), "Required-Stop lacks {dep}");
    }
    assert!(text.starts_with("#!/bin/sh\n"));
}

/// The defaults file sets `DAEMON_ARGS=""` when sourced, leaves the script's paths at their
/// defaults, and lists only options our command line has.
#[test]
fn defaults_file() {
    let path = repo().join(DEFAULTS);
    let o = Command::new("/bin/sh")
        .args(["-c", ". \"$1\" && printf '%s|%s|%s|%s' \"${DAEMON_ARGS-unset}\" \"${DAEMON-unset}\" \"${CONFIG-unset}\" \"${PIDFILE-unset}\"", "sh"])
        .arg(&path)
        .env_clear()
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let f: Vec<&str> = out.split('|').collect();
    assert_eq!(f, ["", "unset", "unset", "unset"], "{}", describe(&o));
    let text = read(DEFAULTS);
    for opt in ["-P", "-C", "-V", "-I", "-d", "-D", "-S"] {
        assert!(
            text.contains(&format!("#   {opt}, --")),
            "{DEFAULTS} does not describe {opt}"
        );
        assert!(SHORT_OPTS.contains(&opt[1..]), "{opt} is not one of our options");
    }
}

fn groff_warnings(page: &str) -> String {
    let path = repo().join(page);
    let mut err = stderr_of(Command::new("groff").args(["-man", "-ww", "-z", "-Tutf8"]).arg(&path));
    if have("man") {
        err += &stderr_of(
            Command::new("man")
                .args(["--warnings", "-l"])
                .arg(&path)
                .env("MANWIDTH", "80")
                .env("MAN_KEEP_STDERR", "1"),
        );
    }
    err
}

/// Both man pages format with no groff warning or error.
#[test]
fn man_pages_render_without_warnings() {
    if !have("groff") {
        return skip("man_pages_render_without_warnings", "groff is not installed");
    }
    for page in [MAN8, MAN5] {
        let err = groff_warnings(page);
        assert!(err.is_empty(), "{page}:\n{err}");
    }
}

/// keepalived(8) documents every long and short option of our command line (keepalived's
/// `usage()` and `parse_cmdline()`), every signal name `--signum` knows and every exit code.
#[test]
fn keepalived_8_covers_the_command_line() {
    let text = man_words(&read(MAN8));
    assert!(text.starts_with(".\\\"") && text.contains("\n.TH KEEPALIVED 8 "));
    for o in LONG_OPTS {
        assert!(text.contains(&format!("--{}", o.name)), "{MAN8} lacks --{}", o.name);
    }
    for c in SHORT_OPTS.chars().filter(char::is_ascii_alphabetic) {
        assert!(text.contains(&format!(".BR -{c} ")), "{MAN8} lacks -{c}");
    }
    for name in ["STOP", "RELOAD", "DATA", "STATS", "STATS_CLEAR", "JSON"] {
        assert!(text.contains(&format!(".BR {name}")), "{MAN8} lacks signal name {name}");
        assert!(
            matches!(cli::parse(&[format!("--signum={name}")]).action, Action::Signum(_)),
            "--signum={name} is not ours"
        );
    }
    for sig in ["SIGHUP", "SIGTERM", "SIGUSR1", "SIGUSR2", "SIGRTMAX-1", "SIGRTMIN+2"] {
        assert!(text.contains(sig), "{MAN8} lacks {sig}");
    }
    for f in [
        "/run/keepalived.pid",
        "/run/vrrp.pid",
        "/run/checkers.pid",
        "keepalived.data",
        "keepalived.stats",
        "keepalived.json",
    ] {
        assert!(text.contains(f), "{MAN8} lacks {f}");
    }
    for code in [0, 2, 4, 5, 6] {
        assert!(
            text.contains(&format!(".B {code}\n")),
            "{MAN8} lacks exit status {code}"
        );
    }
    assert!(text.contains("compatibility.md"));
}

/// keepalived.conf(5) names every top-level keyword of the keyword table and every
/// configuration-language construct of keepalived's `lib/parser.c`.
#[test]
fn keepalived_conf_5_covers_the_language() {
    let text = man_words(&read(MAN5));
    assert!(text.contains("\n.TH KEEPALIVED.CONF 5 "));
    for kw in keepalived_rs::config::keywords::ROOT.names() {
        assert!(text.contains(kw), "{MAN5} lacks top-level keyword {kw}");
    }
    for construct in [
        "include",
        "includer",
        "includem",
        "includew",
        "includeb",
        "includea",
        "include_check",
        "${_PWD}",
        "${_INSTANCE}",
        "${_RANDOM",
        "${_HASH}",
        "${_BANG}",
        "~SEQ(",
        "~SEQx",
        "~LST(",
        "@^",
        "\\#",
    ] {
        assert!(text.contains(construct), "{MAN5} lacks {construct}");
    }
    assert!(text.contains("compatibility.md"));
}

/// The files the package must hold, by path, with their modes.
fn expected_deb_files() -> BTreeSet<(String, String)> {
    let mut want: BTreeSet<(String, String)> = [
        ("-rwxr-xr-x", "usr/sbin/keepalived"),
        ("-rw-r--r--", "lib/systemd/system/keepalived.service"),
        ("-rwxr-xr-x", "etc/init.d/keepalived"),
        ("-rw-r--r--", "etc/default/keepalived"),
        ("-rw-r--r--", "usr/share/man/man8/keepalived.8.gz"),
        ("-rw-r--r--", "usr/share/man/man5/keepalived.conf.5.gz"),
        ("-rw-r--r--", "usr/share/doc/keepalived-rs/README.md"),
        ("-rw-r--r--", "usr/share/doc/keepalived-rs/compatibility.md"),
        ("-rw-r--r--", "usr/share/doc/keepalived-rs/copyright"),
    ]
    .into_iter()
    .map(|(m, p)| (m.to_string(), p.to_string()))
    .collect();
    fn walk(dir: &std::path::Path, rel: &str, out: &mut BTreeSet<(String, String)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let name = format!("{rel}/{}", e.file_name().to_string_lossy());
            if e.file_type().unwrap().is_dir() {
                walk(&e.path(), &name, out);
            } else {
                out.insert((
                    "-rw-r--r--".into(),
                    format!("usr/share/doc/keepalived-rs/samples{name}"),
                ));
            }
        }
    }
    walk(&repo().join("samples"), "", &mut want);
    want
}

/// The package holds exactly the expected files with their modes, nothing under
/// /etc/keepalived; its conffiles are the defaults file and the init script; it replaces
/// Debian's keepalived and depends only on libc.
#[test]
fn deb_contents_and_control() {
    let deb = match built_deb() {
        Ok(d) => d,
        Err(why) => return skip("deb_contents_and_control", &why),
    };
    let entries = deb_entries(deb);
    let files: BTreeSet<(String, String)> = entries.iter().filter(|(m, _)| !m.starts_with('d')).cloned().collect();
    assert_eq!(files, expected_deb_files(), "package contents");
    assert!(
        !entries.iter().any(|(_, p)| p.starts_with("etc/keepalived")),
        "the package must not own /etc/keepalived"
    );

    let conffiles: BTreeSet<String> = deb_control_member(deb, "conffiles").lines().map(String::from).collect();
    let want: BTreeSet<String> = ["/etc/default/keepalived", "/etc/init.d/keepalived"]
        .map(String::from)
        .into();
    assert_eq!(conffiles, want);

    assert_eq!(deb_field(deb, "Package"), "keepalived-rs");
    for f in ["Conflicts", "Replaces", "Provides"] {
        assert_eq!(deb_field(deb, f), "keepalived", "{f}");
    }
    let depends = deb_field(deb, "Depends");
    assert!(!depends.contains("iproute2"), "Depends: {depends}");
    if have("dpkg-shlibdeps") {
        assert!(depends.starts_with("libc6"), "Depends: {depends}");
    } else {
        skip(
            "deb_contents_and_control (Depends: libc6)",
            "dpkg-shlibdeps (dpkg-dev) is not installed",
        );
    }
    for script in ["preinst", "postinst", "prerm", "postrm"] {
        let ours = read(&format!("packaging/debian/{script}"));
        assert_eq!(deb_control_member(deb, script), ours, "{script} is not ours");
    }
}

/// Installing the package into a root whose administrator already wrote keepalived.conf and
/// changed /etc/default/keepalived leaves both untouched (the package's defaults file lands
/// beside it as .dpkg-dist); the installed man pages and binary are the ones built; purging
/// the package still leaves keepalived.conf.
#[test]
fn deb_install_keeps_administrators_files() {
    let deb = match built_deb() {
        Ok(d) => d,
        Err(why) => return skip("deb_install_keeps_administrators_files", &why),
    };
    if !have("dpkg") {
        return skip("deb_install_keeps_administrators_files", "dpkg is not installed");
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    dpkg_root(root);
    std::fs::create_dir_all(root.join("etc/keepalived")).unwrap();
    std::fs::create_dir_all(root.join("etc/default")).unwrap();
    let conf = "vrrp_instance VI_1 { # the administrator's\n}\n";
    let defaults = "DAEMON_ARGS=\"-D -S 3\"  # the administrator's\n";
    std::fs::write(root.join("etc/keepalived/keepalived.conf"), conf).unwrap();
    std::fs::write(root.join("etc/default/keepalived"), defaults).unwrap();

    let o = dpkg_in_root(root, &["-i", &deb.display().to_string()]);
    assert!(o.status.success(), "dpkg -i: {}", describe(&o));
    let read_root = |p: &str| std::fs::read_to_string(root.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    assert_eq!(read_root("etc/keepalived/keepalived.conf"), conf);
    assert_eq!(read_root("etc/default/keepalived"), defaults);
    assert_eq!(read_root("etc/default/keepalived.dpkg-dist"), read(DEFAULTS));
    assert_eq!(read_root("etc/init.d/keepalived"), read(INIT));
    assert_eq!(read_root("lib/systemd/system/keepalived.service"), read(UNIT));

    // A reinstall (same version, as an upgrade does) asks nothing and changes nothing.
    let o = dpkg_in_root(root, &["-i", &deb.display().to_string()]);
    assert!(o.status.success(), "second dpkg -i: {}", describe(&o));
    assert_eq!(read_root("etc/default/keepalived"), defaults);
    assert_eq!(read_root("etc/keepalived/keepalived.conf"), conf);

    for (gz, src) in [
        ("usr/share/man/man8/keepalived.8.gz", MAN8),
        ("usr/share/man/man5/keepalived.conf.5.gz", MAN5),
    ] {
        let o = Command::new("gzip").arg("-dc").arg(root.join(gz)).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&o.stdout), read(src), "{gz}");
    }
    let o = Command::new(root.join("usr/sbin/keepalived"))
        .arg("-v")
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&o.stderr).starts_with("Keepalived v2.2.7"),
        "{}",
        describe(&o)
    );

    let o = dpkg_in_root(root, &["--purge", "keepalived-rs"]);
    assert!(o.status.success(), "dpkg --purge: {}", describe(&o));
    assert_eq!(read_root("etc/keepalived/keepalived.conf"), conf);
    assert!(!root.join("usr/sbin/keepalived").exists());
}

fn code(o: &std::process::Output) -> Option<i32> {
    o.status.code()
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Every verb of the init script against the stand-in daemon: the LSB exit codes, the daemon's
/// command line (`-p PIDFILE -f CONFIG $DAEMON_ARGS`, DAEMON_ARGS never glob-expanded), start
/// waiting for the pid file, reload refusing a configuration `keepalived -t` rejects without
/// signalling, stop waiting for the process and removing its pid file, and a pid file naming
/// another program's process treated as stale.
fn init_script_verbs(test: &str, without_lsb: bool) {
    if !support::is_root() || !have("unshare") || !have("start-stop-daemon") {
        return skip(
            test,
            "needs root, unshare and start-stop-daemon (private mount namespace)",
        );
    }
    let sb = InitSandbox::new(without_lsb);
    let conf = sb.path("keepalived.conf");
    let good = "global_defs {\n    router_id packaging\n}\n";

    let o = sb.run("status");
    assert_eq!(code(&o), Some(3), "status, never started: {}", describe(&o));

    // No configuration: nothing to run, not an error (the unit's ConditionFileNotEmpty).
    let o = sb.run("start");
    assert_eq!(code(&o), Some(0), "start without config: {}", describe(&o));
    assert!(text(&o).contains("missing or empty"), "{}", describe(&o));
    assert!(
        sb.events().is_empty() && sb.pid().is_none(),
        "started without a configuration"
    );
    let o = sb.run("configtest");
    assert_eq!(code(&o), Some(6), "configtest without config: {}", describe(&o));

    std::fs::write(&conf, good).unwrap();
    let o = sb.run("configtest");
    assert_eq!(code(&o), Some(0), "configtest: {}", describe(&o));

    let o = sb.run("start");
    assert_eq!(code(&o), Some(0), "start: {}", describe(&o));
    // start returns once the daemonised process has written its pid file.
    let pid = sb.pid().expect("start returned before the pid file was written");
    assert!(alive(pid));
    let d = sb.dir.path().display();
    let args = format!(
        "args: -p {d}/keepalived.pid -f {d}/keepalived.conf {}",
        InitSandbox::daemon_args_for(sb.dir.path())
    );
    assert_eq!(sb.events(), std::slice::from_ref(&args));

    let o = sb.run("status");
    assert_eq!(code(&o), Some(0), "status: {}", describe(&o));
    assert!(text(&o).contains(&format!("(pid {pid})")), "{}", describe(&o));
    let o = sb.run("start");
    assert_eq!(code(&o), Some(0), "second start: {}", describe(&o));
    assert_eq!(sb.events(), std::slice::from_ref(&args), "a second daemon was started");

    // A configuration keepalived -t fails with a hard error (exit 2: missing parameter):
    // reload prints the messages and sends nothing.
    std::fs::write(&conf, "vrrp_instance VI_1 {\n    virtual_router_id\n}\n").unwrap();
    let o = sb.run("reload");
    assert_eq!(code(&o), Some(6), "reload with broken config: {}", describe(&o));
    assert!(text(&o).contains("exit code 2"), "{}", describe(&o));
    // SIGUSR1 sent after the reload arrives after any SIGHUP the reload sent.
    // SAFETY: the stand-in daemon started above.
    unsafe { libc::kill(pid, libc::SIGUSR1) };
    assert!(wait_for(Duration::from_secs(5), || sb
        .events()
        .contains(&"usr1".into())));
    assert_eq!(
        sb.events(),
        [args.clone(), "usr1".into()],
        "reload signalled a broken configuration"
    );
    // An unknown keyword (exit 5): the messages are shown and the daemon, which validates
    // every reload itself, gets the signal and decides.
    std::fs::write(&conf, "global_defs {\n    frobnicate\n}\n").unwrap();
    let o = sb.run("reload");
    assert_eq!(
        code(&o),
        Some(0),
        "reload with a warning-level config: {}",
        describe(&o)
    );
    assert!(text(&o).contains("Unknown keyword 'frobnicate'"), "{}", describe(&o));
    assert!(wait_for(Duration::from_secs(5), || sb
        .events()
        .last()
        .map(String::as_str)
        == Some("hup")));
    std::fs::write(&conf, good).unwrap();
    for verb in ["reload", "force-reload"] {
        let before = sb.events().len();
        let o = sb.run(verb);
        assert_eq!(code(&o), Some(0), "{verb}: {}", describe(&o));
        assert!(
            wait_for(Duration::from_secs(5), || sb.events().len() > before),
            "{verb} sent no SIGHUP"
        );
        assert_eq!(sb.events().last().map(String::as_str), Some("hup"));
    }
    assert_eq!(sb.pid(), Some(pid), "reload restarted the daemon");

    let o = sb.run("restart");
    assert_eq!(code(&o), Some(0), "restart: {}", describe(&o));
    let pid2 = sb.pid().expect("no pid file after restart");
    assert!(pid2 != pid && !alive(pid) && alive(pid2), "restart: {pid} -> {pid2}");
    assert_eq!(sb.events().iter().filter(|e| *e == "term").count(), 1);

    let o = sb.run("stop");
    assert_eq!(code(&o), Some(0), "stop: {}", describe(&o));
    assert!(!alive(pid2), "stop returned before the daemon exited");
    assert!(sb.pid().is_none(), "pid file left behind");
    let o = sb.run("status");
    assert_eq!(code(&o), Some(3), "status after stop: {}", describe(&o));
    let o = sb.run("stop");
    assert_eq!(code(&o), Some(0), "stop when stopped: {}", describe(&o));
    let o = sb.run("reload");
    assert_eq!(code(&o), Some(7), "reload when stopped: {}", describe(&o));
    let o = sb.run("try-restart");
    assert_eq!(code(&o), Some(0), "try-restart when stopped: {}", describe(&o));
    assert!(sb.pid().is_none(), "try-restart started a stopped daemon");

    // A pid file naming a live process that is not keepalived: stale, never signalled.
    let mut other = Command::new("sleep").arg("60").spawn().unwrap();
    std::fs::write(sb.path("keepalived.pid"), format!("{}\n", other.id())).unwrap();
    let o = sb.run("status");
    assert_eq!(code(&o), Some(1), "status with a stale pid file: {}", describe(&o));
    let o = sb.run("stop");
    assert_eq!(code(&o), Some(0), "stop with a stale pid file: {}", describe(&o));
    assert!(
        other.try_wait().unwrap().is_none(),
        "stop signalled a process that is not keepalived"
    );
    assert!(sb.pid().is_none(), "stale pid file left behind");
    other.kill().unwrap();
    other.wait().unwrap();

    let o = sb.run("frobnicate");
    assert_eq!(code(&o), Some(3), "unknown verb: {}", describe(&o));
    assert!(text(&o).contains(
        "Usage: /etc/init.d/keepalived {start|stop|restart|try-restart|reload|force-reload|status|configtest}"
    ));
}

#[test]
fn init_script_verbs_with_lsb_functions() {
    init_script_verbs("init_script_verbs_with_lsb_functions", false);
}

#[test]
fn init_script_verbs_without_lsb_functions() {
    init_script_verbs("init_script_verbs_without_lsb_functions", true);
}

fn maintainer_script(script: &str, args: &[&str], systemd: bool, with_config: bool) -> Vec<String> {
    maintainer_script_env(script, args, systemd, with_config, &[])
}

fn maintainer_script_env(
    script: &str,
    args: &[&str],
    systemd: bool,
    with_config: bool,
    env: &[(&str, &str)],
) -> Vec<String> {
    let (o, calls) = run_maintainer_script(script, args, systemd, with_config, env);
    assert_eq!(code(&o), Some(0), "{script} {args:?}: {}", describe(&o));
    calls
}

/// postinst registers the service on every configure (the unit through deb-systemd-helper, so
/// an administrator's disable is kept; the SysV links through update-rc.d), starts it on a
/// first install and restarts it on an upgrade, but only once keepalived.conf exists (as
/// Debian's postinst does through debhelper, minus the start of an unconfigured daemon).
#[test]
fn postinst_starts_only_a_configured_daemon() {
    if !support::is_root() || !have("unshare") {
        return skip(
            "postinst_starts_only_a_configured_daemon",
            "needs root and unshare (private mount namespace)",
        );
    }
    let register = [
        "update-rc.d keepalived defaults",
        "deb-systemd-helper --quiet was-enabled keepalived.service",
        "deb-systemd-helper enable keepalived.service",
    ];
    let with = |tail: &[&str]| -> Vec<String> { register.iter().chain(tail).map(|s| s.to_string()).collect() };

    let calls = maintainer_script("postinst", &["configure", ""], true, false);
    assert_eq!(
        calls,
        with(&["systemctl --system daemon-reload"]),
        "systemd, no configuration"
    );
    let calls = maintainer_script("postinst", &["configure", ""], true, true);
    assert_eq!(
        calls,
        with(&[
            "systemctl --system daemon-reload",
            "deb-systemd-invoke start keepalived.service"
        ]),
        "systemd, first install"
    );
    let calls = maintainer_script("postinst", &["configure", "0.1.0-1"], true, true);
    assert_eq!(
        calls,
        with(&[
            "systemctl --system daemon-reload",
            "deb-systemd-invoke restart keepalived.service"
        ]),
        "systemd, upgrade"
    );
    // SysV: no systemctl at all.
    let calls = maintainer_script("postinst", &["configure", ""], false, false);
    assert_eq!(calls, ["update-rc.d keepalived defaults"], "SysV, no configuration");
    let calls = maintainer_script("postinst", &["configure", ""], false, true);
    assert_eq!(
        calls,
        ["update-rc.d keepalived defaults", "invoke-rc.d keepalived start"],
        "SysV, first install"
    );
    // dpkg --root: nothing runs on this system.
    let calls = maintainer_script_env(
        "postinst",
        &["configure", ""],
        true,
        true,
        &[("DPKG_ROOT", "/elsewhere")],
    );
    assert!(calls.is_empty(), "{calls:?}");
}

/// prerm stops the daemon when the package is removed, and leaves it running during an
/// upgrade (the new postinst restarts it); postrm forgets the service only on purge.
#[test]
fn prerm_and_postrm() {
    if !support::is_root() || !have("unshare") {
        return skip("prerm_and_postrm", "needs root and unshare (private mount namespace)");
    }
    assert_eq!(
        maintainer_script("prerm", &["remove"], true, true),
        ["deb-systemd-invoke stop keepalived.service"]
    );
    assert_eq!(
        maintainer_script("prerm", &["remove"], false, true),
        ["invoke-rc.d keepalived stop"]
    );
    assert!(maintainer_script("prerm", &["upgrade", "0.1.1-1"], true, true).is_empty());
    assert_eq!(
        maintainer_script("postrm", &["remove"], true, true),
        ["systemctl --system daemon-reload"]
    );
    assert_eq!(
        maintainer_script("postrm", &["purge"], true, true),
        [
            "update-rc.d keepalived remove",
            "deb-systemd-helper purge keepalived.service"
        ]
    );
}
