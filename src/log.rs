//! Logging as keepalived does it (`lib/logger.c`): syslog(3) with the process's ident
//! (`Keepalived`, `Keepalived_vrrp`, ...), a copy on stderr with `-l` (keepalived prints it only
//! when it also runs in the foreground, `-n`), detail lines only with `-D`, and optionally a log
//! file (keepalived's `-g`, which Debian's build lacks).
//!
//! The pure parts ([`console_line`], [`log_file_line`], [`make_file_name`]) are separate from the
//! process-wide state ([`init`], [`write`]) so that they can be tested without a syslog daemon.

use std::ffi::{CStr, CString};
use std::fs::File;
use std::io::Write;
use std::sync::{Mutex, MutexGuard, OnceLock};

/// A syslog priority (the subset keepalived uses).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// LOG_ALERT: keepalived's "child process died" lines.
    Alert,
    /// LOG_ERR.
    Error,
    /// LOG_WARNING.
    Warning,
    /// LOG_NOTICE.
    Notice,
    /// LOG_INFO: keepalived's usual level for state changes.
    Info,
    /// LOG_DEBUG.
    Debug,
}

impl Priority {
    /// The syslog(3) priority number.
    pub fn syslog(self) -> libc::c_int {
        match self {
            Priority::Alert => libc::LOG_ALERT,
            Priority::Error => libc::LOG_ERR,
            Priority::Warning => libc::LOG_WARNING,
            Priority::Notice => libc::LOG_NOTICE,
            Priority::Info => libc::LOG_INFO,
            Priority::Debug => libc::LOG_DEBUG,
        }
    }
}

/// One log line produced by pure code, to be written by the I/O shell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// Syslog priority.
    pub priority: Priority,
    /// Only written under `-D` / `--log-detail` (keepalived's `log_detail` / `__test_bit(LOG_DETAIL_BIT)`).
    pub detail: bool,
    /// The message text, exactly as keepalived words it (no ident, no pid).
    pub text: String,
}

impl LogLine {
    /// An always-written line at LOG_INFO.
    pub fn info(text: impl Into<String>) -> Self {
        LogLine {
            priority: Priority::Info,
            detail: false,
            text: text.into(),
        }
    }
    /// A `-D`-only line at LOG_INFO.
    pub fn detail(text: impl Into<String>) -> Self {
        LogLine {
            priority: Priority::Info,
            detail: true,
            text: text.into(),
        }
    }
    /// An always-written line at the given priority.
    pub fn at(priority: Priority, text: impl Into<String>) -> Self {
        LogLine {
            priority,
            detail: false,
            text: text.into(),
        }
    }
}

/// keepalived's `MAX_LOG_MSG`: the console copy is cut at twice this many bytes.
const MAX_LOG_MSG: usize = 255;

/// A broken-down local time, as `localtime_r(3)` returns it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalTime {
    /// Full year (e.g. 2026).
    pub year: i32,
    /// Month 0..=11.
    pub month: u32,
    /// Day of the month 1..=31.
    pub mday: u32,
    /// Day of the week 0..=6, Sunday first.
    pub wday: u32,
    /// Hour 0..=23.
    pub hour: u32,
    /// Minute 0..=59.
    pub min: u32,
    /// Second 0..=60.
    pub sec: u32,
    /// Nanoseconds within the second.
    pub nsec: u32,
}

impl LocalTime {
    /// Converts seconds and nanoseconds since the epoch to local time (`localtime_r`).
    pub fn from_unix(secs: i64, nsec: u32) -> LocalTime {
        let t = secs as libc::time_t;
        // SAFETY: tm is plain data; localtime_r only writes it.
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        // SAFETY: both pointers are valid for the call.
        unsafe { libc::localtime_r(&t, &mut tm) };
        LocalTime {
            year: tm.tm_year + 1900,
            month: tm.tm_mon as u32,
            mday: tm.tm_mday as u32,
            wday: tm.tm_wday as u32,
            hour: tm.tm_hour as u32,
            min: tm.tm_min as u32,
            sec: tm.tm_sec as u32,
            nsec,
        }
    }

    /// The current local time (`CLOCK_REALTIME`).
    pub fn now() -> LocalTime {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        LocalTime::from_unix(d.as_secs() as i64, d.subsec_nanos())
    }

    fn day_name(&self) -> &'static str {
        ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][self.wday as usize % 7]
    }

    fn month_name(&self) -> &'static str {
        [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ][self.month as usize % 12]
    }
}

/// The stderr line keepalived prints under `-l -n`: `strftime("%c")` in the C locale
/// (`Sat Nov  1 01:14:14 2026`, day space-padded), `": "`, the message.
pub fn console_line(t: &LocalTime, text: &str) -> String {
    format!(
        "{} {} {:>2} {:02}:{:02}:{:02} {}: {}\n",
        t.day_name(),
        t.month_name(),
        t.mday,
        t.hour,
        t.min,
        t.sec,
        t.year,
        cut(text, 2 * MAX_LOG_MSG)
    )
}

/// A log-file line as keepalived's `-g` writes it: `"%a %b %d %T"`, nanoseconds, `" %Y"`,
/// `": "`, the message (`Sat Nov 01 01:14:14.123456789 2026: text`).
pub fn log_file_line(t: &LocalTime, text: &str) -> String {
    format!(
        "{} {} {:02} {:02}:{:02}:{:02}.{:09} {}: {}\n",
        t.day_name(),
        t.month_name(),
        t.mday,
        t.hour,
        t.min,
        t.sec,
        t.nsec,
        t.year,
        cut(text, 2 * MAX_LOG_MSG)
    )
}

/// At most `max` bytes of `s`, cut at a character boundary (keepalived's `vsnprintf` buffer).
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// keepalived's `make_file_name()`: a relative `name` goes under `tmp_dir`, and `_PROG`,
/// `_NAMESPACE` and `_INSTANCE` are inserted before the extension
/// (`/var/log/ka.log`, `vrrp` → `/var/log/ka_vrrp.log`).
pub fn make_file_name(
    name: &str,
    prog: Option<&str>,
    namespace: Option<&str>,
    instance: Option<&str>,
    tmp_dir: &str,
) -> String {
    let dir_end = name.rfind('/').map_or(0, |i| i + 1);
    let (stem, ext) = match name[dir_end..].rfind('.') {
        Some(i) => name.split_at(dir_end + i),
        None => (name, ""),
    };
    let mut out = String::new();
    if !name.starts_with('/') {
        out.push_str(tmp_dir);
        out.push('/');
    }
    out.push_str(stem);
    for part in [prog, namespace, instance].into_iter().flatten() {
        out.push('_');
        out.push_str(part);
    }
    out.push_str(ext);
    out
}

/// keepalived's `tmp_dir`: `$TMPDIR` if absolute, else `/tmp`.
pub fn tmp_dir() -> String {
    match std::env::var("TMPDIR") {
        Ok(d) if d.starts_with('/') => d,
        _ => "/tmp".to_string(),
    }
}

/// A function that sees every line written (after the `-D` filter), with its syslog priority.
pub type Observer = Box<dyn Fn(libc::c_int, &str) + Send + Sync>;

/// Process-wide logging settings.
struct Settings {
    console: bool,
    detail: bool,
    syslog: bool,
    file: Option<File>,
    flush_file: bool,
    observer: Option<Observer>,
}

fn settings() -> MutexGuard<'static, Settings> {
    static S: OnceLock<Mutex<Settings>> = OnceLock::new();
    let m = S.get_or_init(|| {
        Mutex::new(Settings {
            console: false,
            detail: false,
            syslog: false,
            file: None,
            flush_file: false,
            observer: None,
        })
    });
    m.lock().unwrap_or_else(|e| e.into_inner())
}

unsafe extern "C" {
    fn tzset();
}

/// Sets up logging for this process (keepalived's `open_syslog()` and `enable_console_log()`).
///
/// - `ident`: `Keepalived`, `Keepalived_vrrp`, ... (with `LOG_PID`, as keepalived);
/// - `facility`: from `-S` (default `LOG_DAEMON`);
/// - `console`: copy every line to stderr. keepalived does so only for `-l` together with `-n`
///   (`DONT_FORK`), so pass `log_console && dont_fork`;
/// - `detail`: `-D`: also write [`LogLine::detail`] lines;
/// - `no_syslog`: `-G`.
///
/// May be called again (keepalived reopens the log after a reload or in a child).
pub fn init(ident: &str, facility: libc::c_int, console: bool, detail: bool, no_syslog: bool) {
    // SAFETY: tzset has no preconditions; localtime_r needs the zone loaded.
    unsafe { tzset() };
    if no_syslog {
        // SAFETY: closelog has no preconditions.
        unsafe { libc::closelog() };
    } else {
        // openlog keeps the pointer: the ident must live for the rest of the process.
        let ident: &'static CStr = Box::leak(c_string(ident).into_boxed_c_str());
        let opts = libc::LOG_PID | if console { libc::LOG_CONS } else { 0 };
        // SAFETY: ident is a valid NUL-terminated string that is never freed.
        unsafe { libc::openlog(ident.as_ptr(), opts, facility) };
    }
    let mut s = settings();
    s.console = console;
    s.detail = detail;
    s.syslog = !no_syslog;
}

/// Opens (appending) or closes the log file (keepalived's `open_log_file()`; build the name with
/// [`make_file_name`]). `flush`: `--flush-log-file`, flush after every line.
pub fn set_log_file(path: Option<&str>, flush: bool) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = match path {
        Some(p) => Some(
            std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .custom_flags(libc::O_CLOEXEC | libc::O_NONBLOCK | libc::O_NOFOLLOW)
                .open(p)?,
        ),
        None => None,
    };
    let mut s = settings();
    s.file = file;
    s.flush_file = flush;
    Ok(())
}

/// Whether `-D` is in effect (keepalived's `__test_bit(LOG_DETAIL_BIT, &debug)`).
pub fn detail_enabled() -> bool {
    settings().detail
}

/// Installs (or removes) a function that sees every line written, e.g. to collect lines in
/// tests. It runs with the logger locked, so it must not log itself.
pub fn set_observer(observer: Option<Observer>) {
    settings().observer = observer;
}

/// Writes a line (keepalived's `log_message()`); `detail` lines only under `-D`.
pub fn write(line: &LogLine) {
    if line.detail && !detail_enabled() {
        return;
    }
    write_at(line.priority.syslog(), &line.text);
}

/// Writes a message at a raw syslog priority (e.g. `LOG_ALERT`, which [`Priority`] lacks).
pub fn write_at(priority: libc::c_int, text: &str) {
    let mut s = settings();
    if s.console || s.file.is_some() {
        let now = LocalTime::now();
        if s.console {
            // One write per line, so concurrent writers do not interleave within a line.
            let _ = std::io::stderr().write_all(console_line(&now, text).as_bytes());
        }
        let flush = s.flush_file;
        if let Some(f) = s.file.as_mut() {
            let _ = f.write_all(log_file_line(&now, text).as_bytes());
            if flush {
                let _ = f.flush();
            }
        }
    }
    if s.syslog {
        let msg = c_string(text);
        // SAFETY: both strings are NUL-terminated; "%s" consumes exactly one argument.
        unsafe { libc::syslog(priority, c"%s".as_ptr(), msg.as_ptr()) };
    }
    if let Some(o) = s.observer.as_ref() {
        o(priority, text);
    }
}

/// `s` as a C string, interior NULs replaced (they cannot reach syslog).
fn c_string(s: &str) -> CString {
    CString::new(s.replace('\0', "\\0")).unwrap_or_default()
}
