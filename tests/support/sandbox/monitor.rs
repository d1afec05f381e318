//! `ip -o monitor address` inside a sandbox's network namespace, armed before use: a marker
//! address is added and removed on `lo` and both events are seen before `start` returns.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::recorder::{Line, Recorder, record_lines};

/// The marker used to know the monitor is listening (TEST-NET-1, never used by the tests).
const MARKER: &str = "192.0.2.254/32";

/// A running `ip monitor address`.
pub struct AddrMonitor {
    child: Child,
    /// Its lines (one per event with `-o`; `Deleted ` prefix for removals).
    pub lines: Recorder<Line>,
}

/// Whether an `ip -o addr` / `ip -o monitor` line is about `addr` ("192.168.77.100" or with
/// its prefix length).
pub fn line_has_addr(line: &str, addr: &str) -> bool {
    let toks: Vec<&str> = line.split_whitespace().collect();
    toks.windows(2)
        .any(|w| (w[0] == "inet" || w[0] == "inet6") && (w[1] == addr || w[1].split('/').next() == Some(addr)))
}

fn ip_ok(args: &[&str]) {
    let o = Command::new("ip").args(args).output().expect("run ip");
    assert!(
        o.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

impl AddrMonitor {
    /// Starts the monitor in network namespace `ns` and waits until it reports events.
    pub fn start(ns: &str) -> AddrMonitor {
        let mut child = Command::new("ip")
            .args(["-n", ns, "-o", "monitor", "address"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ip monitor");
        let lines = record_lines(child.stdout.take().expect("stdout"));
        let m = AddrMonitor { child, lines };
        let marker = MARKER.split('/').next().unwrap_or(MARKER);
        // The monitor subscribes after it starts; re-add the marker until an event shows up.
        let mut armed = false;
        for _ in 0..50 {
            let _ = Command::new("ip")
                .args(["-n", ns, "addr", "add", MARKER, "dev", "lo"])
                .output();
            if m.lines
                .wait_for(|l| line_has_addr(&l.text, marker), Duration::from_millis(100))
                .is_some()
            {
                armed = true;
                break;
            }
            ip_ok(&["-n", ns, "addr", "del", MARKER, "dev", "lo"]);
        }
        assert!(armed, "ip monitor address in {ns} reported nothing");
        let _ = Command::new("ip")
            .args(["-n", ns, "addr", "del", MARKER, "dev", "lo"])
            .output();
        assert!(
            m.lines
                .wait_for(
                    |l| l.text.starts_with("Deleted") && line_has_addr(&l.text, marker),
                    Duration::from_secs(5)
                )
                .is_some(),
            "ip monitor address in {ns}: no Deleted event for the marker"
        );
        m
    }

    /// The number of lines so far: a mark for the queries below.
    pub fn mark(&self) -> usize {
        self.lines.len()
    }

    /// Lines from `from` on that remove `addr`.
    pub fn deleted(&self, from: usize, addr: &str) -> Vec<String> {
        self.lines
            .matching_from(from, |l| l.text.starts_with("Deleted") && line_has_addr(&l.text, addr))
            .into_iter()
            .map(|l| l.text)
            .collect()
    }

    /// Lines from `from` on that add (or replace) `addr`.
    pub fn added(&self, from: usize, addr: &str) -> Vec<String> {
        self.lines
            .matching_from(from, |l| !l.text.starts_with("Deleted") && line_has_addr(&l.text, addr))
            .into_iter()
            .map(|l| l.text)
            .collect()
    }

    /// Every line from `from` on, for failure messages.
    pub fn text_from(&self, from: usize) -> String {
        self.lines
            .matching_from(from, |_| true)
            .iter()
            .map(|l| format!("  {}\n", l.text))
            .collect()
    }
}

impl Drop for AddrMonitor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
