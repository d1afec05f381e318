//! The watchdog parent (syslog ident `Keepalived`) and what it shares with its children.
//!
//! keepalived's process model: the parent validates the configuration, writes its pid file and
//! starts the health-checker child, then the VRRP child, each by re-executing this binary with
//! `--role` ([`spawn`]). It relays signals, runs reloads only after validating the new file
//! ([`validate`]), respawns a dead child with keepalived's back-off ([`respawn`]), hands a
//! respawned VRRP child its predecessor's instance states, and speaks systemd's notify
//! protocol ([`sd`]). Parent and children talk over one socket per child ([`control`]).

pub mod banner;
pub mod child;
pub mod control;
pub mod parent;
pub mod pidfile;
pub mod respawn;
pub mod sd;
pub mod spawn;
pub mod validate;

use crate::cli::Options;
use crate::config::system::RealSystem;
use crate::config::{self, LoadOptions};
use crate::log::{self, LogLine};
use pidfile::{Found, PidFile, PidPaths};

/// keepalived's exit code for a missing configuration file (`KEEPALIVED_EXIT_NO_CONFIG`).
const EXIT_NO_CONFIG: i32 = 6;

fn log(l: LogLine) {
    log::write(&l);
}

/// Runs keepalived as the parent: `argv0` and `args` as given on the command line.
pub fn main(argv0: &str, args: &[String], o: &Options, load: LoadOptions) -> i32 {
    let console = o.log_console && o.dont_fork;
    log::init("Keepalived", o.log_facility, console, o.log_detail > 0, o.no_syslog);
    log(banner::starting());
    log(banner::running_on().unwrap_or_else(|| LogLine::info("Unable to get uname() information")));
    let mut argv = vec![argv0.to_string()];
    argv.extend(args.iter().cloned());
    banner::command_line(&argv).into_iter().for_each(log);

    let loaded = config::load_recording(&load, &RealSystem);
    for d in loaded
        .diags
        .items
        .iter()
        .filter(|d| d.level.is_reported() || o.log_detail > 0)
    {
        log(LogLine::info(d.to_string()));
        if !console && d.level.is_reported() {
            // Before daemonising stderr is still the operator's terminal (or systemd's
            // journal): problems show there too, detail lines only in the log.
            eprintln!("{d}");
        }
    }
    if loaded.main_file_ok {
        log(LogLine::info(format!("Configuration file {}", load.config_file)));
    }
    if let Some(code) = loaded.startup_exit_code() {
        if code == EXIT_NO_CONFIG || !loaded.main_file_ok {
            log(banner::stopped());
        }
        return code;
    }
    let loaded_transcript = loaded.transcript;
    let cfg = loaded.config;
    let ident = child::syslog_ident("Keepalived", &cfg);
    if ident != "Keepalived" {
        log(LogLine::info(format!("Changing syslog ident to {ident}")));
        log::init(&ident, o.log_facility, console, o.log_detail > 0, o.no_syslog);
    }
    let pids = PidPaths::resolve(o, &cfg.global);
    if pids.use_pid_dir {
        let _ = std::fs::create_dir_all(pidfile::PID_DIR);
    }

    // keepalived_running(): the parent's file, and those of the children this config runs.
    let mut files = vec![pids.main.as_str()];
    if o.children.vrrp && (o.children.all || parent::has_vrrp(&cfg)) {
        files.push(&pids.vrrp);
    }
    if o.children.checkers && (o.children.all || parent::has_checker(&cfg)) {
        files.push(&pids.checkers);
    }
    if files.iter().any(|f| matches!(pidfile::check(f), Found::Running(_))) {
        log(LogLine::info("daemon is already running"));
        return 0;
    }

    let mask = o.umask.or(cfg.global.umask).unwrap_or(0o177);
    // SAFETY: umask() cannot fail.
    unsafe { libc::umask(mask as libc::mode_t) };
    if !o.dont_fork && !daemonise() {
        return 1;
    }
    let main_pid = match PidFile::write(&pids.main, std::process::id()) {
        Ok(f) => f,
        Err(e) => {
            log(LogLine::info(format!("Unable to write pid file {} - {e}", pids.main)));
            return 1;
        }
    };
    if cfg.global.max_auto_priority == 0 {
        log(LogLine::info(
            "NOTICE: setting config option max_auto_priority should result in better keepalived performance",
        ));
    }
    let code = parent::run(parent::ParentSetup {
        argv0: argv0.to_string(),
        args: args.to_vec(),
        opts: o.clone(),
        load,
        config: cfg,
        transcript: loaded_transcript,
        pids: pids.clone(),
    });
    if o.log_detail > 0 {
        let (su, ss) = child::rusage(libc::RUSAGE_SELF);
        let (cu, cs) = child::rusage(libc::RUSAGE_CHILDREN);
        log(LogLine::info(format!(
            "CPU usage (self/children) user: {su}/{cu} system: {ss}/{cs}"
        )));
    }
    log(banner::stopped());
    main_pid.remove();
    if pids.use_pid_dir {
        let _ = std::fs::remove_dir(pidfile::PID_DIR);
    }
    code
}

/// Detaches from the terminal as keepalived's `xdaemon()` does without `-n`: fork (the
/// original process exits 0), setsid, chdir /, stdio to /dev/null. Runs before any thread
/// exists.
fn daemonise() -> bool {
    // SAFETY: single-threaded here (no runtime started yet); fork/setsid/dup2 on our own fds.
    unsafe {
        match libc::fork() {
            -1 => {
                eprintln!("keepalived: fork failed: {}", std::io::Error::last_os_error());
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
