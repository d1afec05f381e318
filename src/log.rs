//! Logging as keepalived does it: syslog(3) with the process's ident (`Keepalived`,
//! `Keepalived_vrrp`, ...), a copy on stderr with `-l`, detail lines only with `-D`.

/// A syslog priority (the subset keepalived uses).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
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
