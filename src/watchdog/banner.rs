//! The lines the parent logs when it starts and stops (`keepalived/core/main.c`,
//! `lib/scheduler.c:log_command_line()`), built as data so their wording is tested.

use crate::cli::usage::COMPAT_VERSION;
use crate::log::LogLine;

/// The kernel version keepalived-rs states it was "built for". It reads the kernel's tables
/// over netlink at run time and has no compile-time kernel headers; this is the Debian 12
/// kernel it is tested against.
pub const BUILT_FOR_LINUX: &str = "6.1.0";

/// "Starting Keepalived v2.2.7 (01/16,2022)".
pub fn starting() -> LogLine {
    LogLine::info(format!("Starting {COMPAT_VERSION}"))
}

/// "Stopped Keepalived v2.2.7 (01/16,2022)".
pub fn stopped() -> LogLine {
    LogLine::info(format!("Stopped {COMPAT_VERSION}"))
}

/// "Running on Linux 6.1.0-… #1 SMP … (built for Linux …)".
pub fn running_on() -> Option<LogLine> {
    // SAFETY: uname fills the struct we own.
    let u = unsafe {
        let mut u: libc::utsname = std::mem::zeroed();
        if libc::uname(&mut u) != 0 {
            return None;
        }
        u
    };
    let s = |f: &[libc::c_char]| {
        // SAFETY: uname's fields are NUL-terminated.
        unsafe { std::ffi::CStr::from_ptr(f.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    };
    Some(LogLine::info(format!(
        "Running on {} {} {} (built for Linux {BUILT_FOR_LINUX})",
        s(&u.sysname),
        s(&u.release),
        s(&u.version)
    )))
}

/// keepalived's `log_options()`: `"{option}: {text}"` cut at spaces into lines of at most
/// `100 - len(option)` bytes, continuation lines indented under the text.
pub fn wrapped(option: &str, text: &str, indent: usize) -> Vec<LogLine> {
    let max = 100usize.saturating_sub(option.len()).max(1);
    let mut out = Vec::new();
    let mut p = text;
    let mut first = true;
    loop {
        p = p.trim_start_matches(' ');
        if p.is_empty() {
            break;
        }
        let end = if p.len() <= max {
            p.len()
        } else if p.as_bytes()[max] == b' ' {
            max
        } else {
            match p.as_bytes()[..max].iter().rposition(|&b| b == b' ') {
                Some(i) if i > 0 => i,
                _ => max,
            }
        };
        let end = (0..=end).rev().find(|&i| p.is_char_boundary(i)).unwrap_or(0).max(1);
        let end = (end..=p.len()).find(|&i| p.is_char_boundary(i)).unwrap_or(p.len());
        let (chunk, rest) = p.split_at(end);
        out.push(LogLine::info(if first {
            format!("{:indent$}{option}: {chunk}", "")
        } else {
            format!("{:w$}{chunk}", "", w = indent + option.len() + 2)
        }));
        first = false;
        p = rest;
    }
    out
}

/// "Command line: '/usr/sbin/keepalived' '-n' …" (each argument in single quotes).
pub fn command_line(argv: &[String]) -> Vec<LogLine> {
    let text = argv.iter().map(|a| format!("'{a}'")).collect::<Vec<_>>().join(" ");
    wrapped("Command line", &text, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_wraps_as_keepalived_does() {
        // Captured from keepalived 2.2.7 with this command line.
        let argv: Vec<String> =
            "/usr/sbin/keepalived -n -l -D -f /tmp/kacap/k.conf -p /tmp/kacap/p -r /tmp/kacap/r -c /tmp/kacap/c"
                .split(' ')
                .map(String::from)
                .collect();
        let lines: Vec<String> = command_line(&argv).into_iter().map(|l| l.text).collect();
        assert_eq!(
            lines,
            [
                "Command line: '/usr/sbin/keepalived' '-n' '-l' '-D' '-f' '/tmp/kacap/k.conf' '-p' '/tmp/kacap/p' '-r'",
                "              '/tmp/kacap/r' '-c' '/tmp/kacap/c'",
            ]
        );
        assert_eq!(starting().text, "Starting Keepalived v2.2.7 (01/16,2022)");
        assert!(running_on().unwrap().text.starts_with("Running on Linux "));
    }
}
