//! Configuration diagnostics: every warning and error the reader, the keyword handlers and the
//! validators produce, with keepalived's severity classes so that `-t` exits with keepalived's codes.

use std::fmt;
use std::sync::Arc;

/// Where a line of configuration came from: the file name as keepalived prints it (the path as given
/// on the command line or as matched by an `include` glob) and the 1-based line number.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Loc {
    /// File name as keepalived displays it.
    pub file: Arc<str>,
    /// 1-based line number.
    pub line: u32,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: Line {}", self.file, self.line)
    }
}

/// keepalived's `config_err_t`, in the same order. `-t` reports the numerically highest level seen,
/// which is why a warning after a fatal error downgrades the exit code (a keepalived quirk we keep).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Printed by `-t` but does not fail the test (e.g. a missing plain `include`).
    Ok,
    /// A configuration file is missing (fatal only with `-e`/`includea`/`include_check`).
    FileNotFound,
    /// An interface named in the configuration does not exist.
    BadIf,
    /// A fatal configuration error.
    Fatal,
    /// Several files matched the `-f` glob.
    MultipleFiles,
    /// A keyword not known in its block.
    UnknownKeyword,
    /// A `{` where none was expected.
    UnexpectedBob,
    /// A block keyword not followed by `{`.
    MissingBob,
    /// A `}` with no open block.
    UnexpectedEob,
    /// Blocks left open at end of file.
    MissingEob,
    /// A `"` with no closing partner.
    UnmatchedQuote,
    /// A keyword missing a required word: keepalived exits with code 2.
    MissingParameter,
    /// A number that does not parse or is out of range.
    InvalidNumber,
    /// Any other error.
    GeneralError,
    /// A warning.
    Warning,
    /// A deprecated keyword or syntax.
    Deprecated,
    /// Scripts would run without `enable_script_security`.
    SecurityError,
    /// Not a keepalived config error at all: keepalived logs it with `log_message()`, which `-t`
    /// silences. We print these only with `-D`, and they never change the verdict.
    Info,
}

impl Level {
    /// Whether keepalived would print this with `-t` and let it affect the exit code.
    pub fn is_reported(self) -> bool {
        self != Level::Info
    }
}

/// One message about the configuration.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// keepalived's severity class.
    pub level: Level,
    /// Where the problem is; `None` only when no line can be named (e.g. a missing `-f` file).
    pub loc: Option<Loc>,
    /// The message text, worded as keepalived words it.
    pub message: String,
    /// Our addition: what was probably meant ("did you mean 'preempt_delay'?").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.loc {
            write!(f, "({loc}) ")?;
        }
        f.write_str(&self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " [hint: {h}]")?;
        }
        Ok(())
    }
}

/// keepalived's exit codes for `-t` (`enum chk_exit_code`) and the daemon (`enum exit_code`).
pub mod exit {
    /// Configuration is clean.
    pub const OK: i32 = 0;
    /// A missing parameter: keepalived exits `KEEPALIVED_EXIT_CONFIG` at once.
    pub const CONFIG: i32 = 2;
    /// `-t`: file not found, bad interface or fatal error recorded last.
    pub const CHK_CONFIG: i32 = 4;
    /// `-t`: any other error or warning.
    pub const CHK_CONFIG_TEST: i32 = 5;
    /// `-t`: script security violation.
    pub const CHK_SECURITY: i32 = 6;
    /// Daemon: the configuration file is missing or unreadable.
    pub const NO_CONFIG: i32 = 6;
}

/// The collected diagnostics of one configuration load.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Diagnostics {
    /// Every diagnostic in the order produced.
    pub items: Vec<Diagnostic>,
    /// The highest reported level, as keepalived's `config_err` (with its "max enum wins" rule).
    pub worst: Option<Level>,
    /// A keyword lacked a required parameter: keepalived would have exited 2 at that point.
    pub missing_parameter: bool,
    /// A configuration file could not be read where that is fatal (keepalived exits 6 at startup).
    pub file_error: bool,
}

impl Diagnostics {
    /// Records a diagnostic.
    pub fn push(&mut self, d: Diagnostic) {
        if d.level.is_reported() {
            if self.worst.is_none_or(|w| w < d.level) {
                self.worst = Some(d.level);
            }
            if d.level == Level::MissingParameter {
                self.missing_parameter = true;
            }
        }
        self.items.push(d);
    }

    /// Records a message at `loc`.
    pub fn report(&mut self, level: Level, loc: Option<Loc>, message: impl Into<String>) {
        self.push(Diagnostic {
            level,
            loc,
            message: message.into(),
            hint: None,
        });
    }

    /// The diagnostics `-t` prints (everything but [`Level::Info`]).
    pub fn reported(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter().filter(|d| d.level.is_reported())
    }

    /// The exit code of `keepalived -t` for these diagnostics (keepalived's `config_test_exit()`).
    pub fn config_test_exit_code(&self) -> i32 {
        if self.missing_parameter {
            return exit::CONFIG;
        }
        match self.worst {
            None | Some(Level::Ok) | Some(Level::Info) => exit::OK,
            Some(Level::FileNotFound | Level::BadIf | Level::Fatal) => exit::CHK_CONFIG,
            Some(Level::SecurityError) => exit::CHK_SECURITY,
            Some(_) => exit::CHK_CONFIG_TEST,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(level: Level) -> Diagnostic {
        Diagnostic {
            level,
            loc: None,
            message: String::new(),
            hint: None,
        }
    }

    #[test]
    fn exit_code_follows_keepalived_max_enum_rule() {
        let mut ds = Diagnostics::default();
        assert_eq!(ds.config_test_exit_code(), 0);
        ds.push(d(Level::Ok));
        assert_eq!(ds.config_test_exit_code(), 0, "a missing plain include exits 0");
        ds.push(d(Level::BadIf));
        assert_eq!(ds.config_test_exit_code(), 4);
        // keepalived keeps the numerically highest level: a later warning downgrades 4 to 5.
        ds.push(d(Level::Warning));
        assert_eq!(ds.config_test_exit_code(), 5);
        ds.push(d(Level::SecurityError));
        assert_eq!(ds.config_test_exit_code(), 6);
        ds.push(d(Level::Info));
        assert_eq!(ds.config_test_exit_code(), 6, "info never changes the verdict");
        ds.push(d(Level::MissingParameter));
        assert_eq!(ds.config_test_exit_code(), 2, "a missing parameter aborts with 2");
    }
}
