//! Helpers for the MISC/SMTP/DNS/UDP/PING checker tests: running async code inside a test's
//! network namespace, and checker settings.

use std::future::Future;
use std::net::IpAddr;

use keepalived_rs::config::model::check::ConnOpts;

/// Runs `f` on a current-thread tokio runtime, on a thread that has entered namespace `ns`
/// (so every socket it creates belongs there), and returns its result.
pub fn in_netns<F, Fut, T>(ns: &str, f: F) -> T
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = T>,
    T: Send + 'static,
{
    let ns = ns.to_string();
    std::thread::spawn(move || {
        let _entered = super::io::enter(&ns);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(f())
    })
    .join()
    .expect("netns thread")
}

/// Connection options aimed at `ip`:`port`.
pub fn co(ip: &str, port: u16) -> ConnOpts {
    ConnOpts::to(ip.parse::<IpAddr>().expect("address"), port)
}
