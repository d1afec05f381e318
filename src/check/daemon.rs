//! The health-checker child's event loop. The checkers and the IPVS table come with issue 5;
//! until then the child takes part in the process model as keepalived's does: it loads the
//! configuration the parent sends, reports it loaded (so "Startup complete" and systemd's
//! READY=1 wait for it), dumps it with `-d` and on SIGUSR1, reloads, and stops on SIGTERM.

use tokio::signal::unix::{SignalKind, signal};

use crate::log::{self, LogLine};
use crate::watchdog::child::{Started, load_sent, stopped_line};
use crate::watchdog::control::ToChild;

fn write(l: LogLine) {
    log::write(&l);
}

/// How the checker child was asked to run.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// `-d`: log the configuration once loaded.
    pub dump_conf: bool,
    /// The command line, for [`load_sent`].
    pub cli: crate::cli::Options,
}

/// Runs the checker child until SIGTERM or the parent goes away.
pub async fn run(started: Started, opts: CheckOptions) -> i32 {
    let Started {
        mut config,
        mut link,
        pid_file,
        ..
    } = started;
    let (Ok(mut term), Ok(mut int), Ok(mut hup), Ok(mut usr1)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::hangup()),
        signal(SignalKind::user_defined1()),
    ) else {
        write(LogLine::info("Unable to install signal handlers"));
        return 1;
    };
    write(LogLine::info(
        "keepalived-rs: health checkers and IPVS are not built yet - virtual servers are not checked",
    ));
    if opts.dump_conf {
        // keepalived's `dump_data_check()`: the checker's view of the global definitions.
        crate::dumpfile::check_data(&config)
            .lines()
            .for_each(|l| write(LogLine::info(l)));
    }
    link.loaded(link.generation).await;
    loop {
        tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = hup.recv() => {
                let _ = link.tx.send(&crate::watchdog::control::ToParent::ReloadRequest).await;
            }
            _ = usr1.recv() => crate::dumpfile::write_check_data(&config).into_iter().for_each(write),
            msg = link.rx.recv::<ToChild>() => match msg {
                Some(ToChild::Reload { generation, text }) => {
                    write(LogLine::info("Reloading"));
                    match load_sent(&text, opts.cli.config_id.as_deref()) {
                        Ok(c) => {
                            config = std::sync::Arc::new(c);
                            link.loaded(generation).await;
                        }
                        Err(e) => link.rejected(generation, e).await,
                    }
                }
                Some(ToChild::Start { .. }) => {}
                None => break,
            },
        }
    }
    write(stopped_line());
    if let Some(f) = pid_file {
        f.remove();
    }
    0
}
