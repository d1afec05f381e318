//! Network namespaces for the netlink tests: veth interfaces without addresses, shell commands
//! run inside, and async test bodies run on a thread that has entered the namespace.

use std::collections::HashMap;
use std::future::Future;
use std::os::fd::AsRawFd;
use std::path::Path;

use super::{Netns, can_netns, skip};

/// A namespace with `ethN` interfaces (veth, peers `kpN` left in the namespace), all up.
pub struct NlNs {
    /// The namespace (deleted on drop).
    pub ns: Netns,
}

impl NlNs {
    /// Creates the namespace, or prints a SKIP line and returns `None` when that is impossible.
    pub fn new(test: &str, ifaces: &[&str]) -> Option<NlNs> {
        if !can_netns() {
            skip(test, "needs root and `ip netns`");
            return None;
        }
        let ns = NlNs {
            ns: Netns::with_interfaces(&[]),
        };
        for (i, name) in ifaces.iter().enumerate() {
            ns.sh(&format!(
                "ip link add {name} type veth peer name kp{i} && ip link set kp{i} up && ip link set {name} up"
            ));
        }
        Some(ns)
    }

    /// Runs `cmd` with `sh -c` inside the namespace; panics on failure; returns stdout.
    pub fn sh(&self, cmd: &str) -> String {
        let o = self.ns.exec(Path::new("/"), "sh", &["-c", cmd]);
        assert!(
            o.status.success(),
            "`{cmd}` failed in {}: {}",
            self.ns.name,
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    /// Like `sh` but returns whether it worked (for probing kernel features).
    pub fn try_sh(&self, cmd: &str) -> bool {
        self.ns.exec(Path::new("/"), "sh", &["-c", cmd]).status.success()
    }

    /// A sysctl value inside the namespace.
    pub fn sysctl(&self, key: &str) -> String {
        self.sh(&format!("sysctl -n {key}")).trim().to_string()
    }

    /// Runs an async body on a current_thread tokio runtime, on a thread that has entered the
    /// namespace before any netlink socket is opened. Panics in the body fail the test.
    pub fn run<F, Fut, T>(&self, body: F) -> T
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = T>,
        T: Send + 'static,
    {
        let path = format!("/var/run/netns/{}", self.ns.name);
        let t = std::thread::spawn(move || {
            let f = std::fs::File::open(&path).expect("open netns");
            // SAFETY: setns on a namespace file we hold open; affects only this thread.
            let rc = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
            assert_eq!(rc, 0, "setns: {}", std::io::Error::last_os_error());
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(body())
        });
        match t.join() {
            Ok(v) => v,
            Err(p) => std::panic::resume_unwind(p),
        }
    }
}

/// name -> ifindex from a dump.
pub fn indices(states: &[keepalived_rs::vrrp::event::IfState]) -> HashMap<String, u32> {
    states.iter().map(|s| (s.name.clone(), s.index)).collect()
}

/// Loads a configuration (eth0..eth3 exist) and returns the model.
pub fn load(text: &str) -> keepalived_rs::config::model::Config {
    use keepalived_rs::config::system::HostWithInterfaces;
    use keepalived_rs::config::{LoadOptions, load_str};
    load_str(text, &LoadOptions::default(), &HostWithInterfaces::eth0_to_eth3()).config
}

/// Runs `cmd` with `sh -c` inside the namespace named `ns` (usable from a test body, which
/// cannot hold the [`NlNs`] guard); panics on failure.
pub fn sh_in(ns: &str, cmd: &str) -> String {
    let o = std::process::Command::new("ip")
        .args(["netns", "exec", ns, "sh", "-c", cmd])
        .output()
        .expect("ip netns exec");
    assert!(
        o.status.success(),
        "`{cmd}` failed in {ns}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}
