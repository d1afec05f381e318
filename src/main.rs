//! The `keepalived` binary: keepalived 2.2.7's command line.

use std::io::Write;
use std::process::ExitCode;

use keepalived_rs::cli::{self, Action, Options, Role, usage};
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
        Action::Genhash(a) => keepalived_rs::genhash::main(&prog, false, &a),
        Action::Exit(c) => c,
        Action::Run(o) => run(&prog, &args, &o),
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

fn run(prog: &str, args: &[String], o: &Options) -> i32 {
    keepalived_rs::memory::set_up();
    if let Some(role) = o.role {
        return run_child(role, o);
    }
    for n in not_built_notices(o) {
        eprintln!("keepalived-rs: option {n} is accepted but not built yet - ignored");
    }
    let lo = load_options(o);
    if let Some(log) = &o.config_test {
        let loaded = config::load(&lo, &RealSystem);
        return config_test(o, log.as_deref(), &loaded);
    }
    if o.dump_json {
        let loaded = config::load(&lo, &RealSystem);
        println!("{}", config::dump::json(&loaded.config));
    }
    keepalived_rs::watchdog::main(prog, args, o, lo)
}

/// A child started by the watchdog parent with `--role`.
fn run_child(role: Role, o: &Options) -> i32 {
    use keepalived_rs::watchdog::child;
    match role {
        Role::Vrrp => {
            let opts = keepalived_rs::vrrp::daemon::DaemonOptions {
                log_detail: o.log_detail > 0,
                dont_release_vrrp: o.dont_release_vrrp,
                release_vips: o.release_vips,
                dump_conf: o.dump_conf,
                config_id: o.config_id.clone(),
            };
            child::main(role, o, async move |s| keepalived_rs::vrrp::daemon::run(s, opts).await)
        }
        Role::Checker => {
            let opts = keepalived_rs::check::daemon::CheckOptions {
                dump_conf: o.dump_conf,
                cli: o.clone(),
            };
            child::main(role, o, async move |s| keepalived_rs::check::daemon::run(s, opts).await)
        }
    }
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
