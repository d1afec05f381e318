//! The `keepalived` binary: keepalived 2.2.7's command line.

use std::io::Write;
use std::process::ExitCode;

use keepalived_rs::cli::{self, Action, Options, usage};
use keepalived_rs::config::{self, LoadOptions, system::RealSystem};

fn main() -> ExitCode {
    let mut args = std::env::args();
    let prog = args.next().unwrap_or_else(|| "keepalived".into());
    let args: Vec<String> = args.collect();
    let parsed = cli::parse(&args);
    for l in &parsed.stderr {
        eprintln!("{l}");
    }
    for l in &parsed.stdout {
        println!("{l}");
    }
    let code = match parsed.action {
        Action::Version => {
            eprint!("{}", usage::version());
            0
        }
        Action::Help => {
            eprint!("{}", usage::help(&prog));
            0
        }
        Action::Signum(n) => {
            println!("{n}");
            0
        }
        Action::Genhash(_) => {
            eprintln!("keepalived-rs: genhash (-T) is not built yet");
            1
        }
        Action::Exit(c) => c,
        Action::Run(o) => run(&o),
    };
    ExitCode::from(code as u8)
}

fn load_options(o: &Options) -> LoadOptions {
    LoadOptions {
        config_file: o.config_file.clone(),
        config_id: o.config_id.clone(),
        all_config: o.all_config,
        config_test: o.config_test.is_some(),
        cwd: None,
        random_seed: None,
    }
}

/// Notices for options whose feature is not built yet: accepted, never silently ignored.
fn not_built_notices(o: &Options) -> Vec<&'static str> {
    let mut v = Vec::new();
    let mut note = |on: bool, what: &'static str| {
        if on {
            v.push(what);
        }
    };
    note(o.namespace.is_some(), "-s/--namespace (network namespaces)");
    note(o.snmp || o.snmp_agent_socket.is_some(), "-x/-A (SNMP)");
    note(
        o.log_file.is_some() || o.flush_log_file,
        "-g/--flush-log-file (log file)",
    );
    note(o.address_monitoring, "-a (address monitoring)");
    note(o.core_dump || o.core_dump_pattern.is_some(), "-m/-M (core dumps)");
    note(o.config_fd.is_some(), "--config-fd");
    v
}

fn run(o: &Options) -> i32 {
    for n in not_built_notices(o) {
        eprintln!("keepalived-rs: option {n} is accepted but not built yet - ignored");
    }
    let lo = load_options(o);
    let loaded = config::load(&lo, &RealSystem);
    if let Some(log) = &o.config_test {
        return config_test(o, log.as_deref(), &loaded);
    }
    for d in loaded
        .diags
        .items
        .iter()
        .filter(|d| d.level.is_reported() || o.log_detail > 0)
    {
        eprintln!("{d}");
    }
    if let Some(code) = loaded.startup_exit_code() {
        return code;
    }
    if o.dump_conf {
        // keepalived's children each log their view once the configuration is loaded; until
        // the children exist (issues 3-5) the lines go to stderr in the same layout.
        let cfg = &loaded.config;
        if o.children.vrrp && (!cfg.vrrp.instances.is_empty() || o.children.all) {
            for l in config::dump::vrrp_layout(cfg) {
                eprintln!("{l}");
            }
        }
        if o.children.checkers && (!cfg.check.virtual_servers.is_empty() || o.children.all) {
            for l in config::dump::check_layout(cfg) {
                eprintln!("{l}");
            }
        }
    }
    if o.dump_json {
        println!("{}", config::dump::json(&loaded.config));
    }
    let cfg = std::sync::Arc::new(loaded.config);
    if o.children.checkers && !cfg.check.virtual_servers.is_empty() {
        eprintln!(
            "keepalived-rs: the health-checker child is not built yet; virtual_server blocks are \
             not served"
        );
    }
    let want_vrrp =
        o.children.vrrp && (!cfg.vrrp.instances.is_empty() || !cfg.statics.addresses.is_empty() || o.children.all);
    if !want_vrrp {
        eprintln!("keepalived-rs: nothing to run (no vrrp_instance, and the checker child is not built yet)");
        return 1;
    }
    // keepalived's umask: -u, else global_defs `umask`, else 0177 (files it and its scripts
    // create are private).
    let mask = o.umask.or(cfg.global.umask).unwrap_or(0o177);
    // SAFETY: umask() cannot fail.
    unsafe {
        libc::umask(mask as libc::mode_t);
    }
    if !o.dont_fork && !daemonise() {
        return 1;
    }
    let pid_files = [o.pid_file().to_string(), o.vrrp_pid_file().to_string()];
    for f in &pid_files {
        // Until the watchdog parent exists (issue 4) one process is both parent and VRRP child.
        let _ = std::fs::write(f, format!("{}\n", std::process::id()));
    }
    keepalived_rs::log::init(
        "Keepalived_vrrp",
        o.log_facility,
        o.log_console && o.dont_fork,
        o.log_detail > 0,
        o.no_syslog,
    );
    let code = keepalived_rs::vrrp::daemon::run(
        cfg,
        keepalived_rs::vrrp::daemon::DaemonOptions {
            log_detail: o.log_detail > 0,
            dont_release_vrrp: o.dont_release_vrrp,
            release_vips: o.release_vips,
        },
    );
    for f in &pid_files {
        let _ = std::fs::remove_file(f);
    }
    code
}

/// Detaches from the terminal as keepalived does without `-n`: fork (the parent exits),
/// setsid, chdir /, stdio to /dev/null. Runs before any thread exists.
fn daemonise() -> bool {
    // SAFETY: single-threaded here (no runtime started yet); fork/setsid/dup2 on our own fds.
    unsafe {
        match libc::fork() {
            -1 => {
                eprintln!("keepalived-rs: fork failed: {}", std::io::Error::last_os_error());
                return false;
            }
            0 => {}
            _ => libc::_exit(0),
        }
        libc::setsid();
        let _ = libc::chdir(c"/".as_ptr());
        let fd = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if fd >= 0 {
            for t in 0..3 {
                libc::dup2(fd, t);
            }
            if fd > 2 {
                libc::close(fd);
            }
        }
    }
    true
}

/// `-t[LOGFILE]`: print the diagnostics and exit with keepalived's verdict; with `-d` and/or
/// `--dump-json` also print the resolved configuration to stdout.
fn config_test(o: &Options, log: Option<&str>, loaded: &config::Loaded) -> i32 {
    let mut sink: Box<dyn Write> = match log {
        Some(path) => {
            use std::os::unix::fs::OpenOptionsExt;
            match std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .mode(0o644)
                .custom_flags(libc::O_NOFOLLOW)
                .open(path)
            {
                Ok(f) => Box::new(f),
                Err(e) => {
                    eprintln!(
                        "Unable to open config-test log file {path} {} - {e}",
                        e.raw_os_error().unwrap_or(0)
                    );
                    return 1;
                }
            }
        }
        None => Box::new(std::io::stderr()),
    };
    for d in loaded
        .diags
        .items
        .iter()
        .filter(|d| d.level.is_reported() || o.log_detail > 0)
    {
        let _ = writeln!(sink, "{d}");
    }
    if loaded.main_file_ok {
        if o.dump_conf {
            print!("{}", config::dump::resolved(&loaded.config));
        }
        if o.dump_json {
            println!("{}", config::dump::json(&loaded.config));
        }
    }
    loaded.config_test_exit_code()
}
