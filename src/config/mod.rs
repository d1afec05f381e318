//! Reading keepalived.conf exactly as keepalived 2.2.7 does.
//!
//! [`load`] runs the whole pipeline: the [`reader`] turns files into logical lines (includes,
//! definitions, conditionals, `~SEQ`), the [`parser`] walks them through the [`keywords`] tables
//! into a [`builder::Builder`], and [`validate`] completes the [`model`] with keepalived's
//! defaults and cross-checks. Every problem is a [`diag::Diagnostic`] naming file and line.

pub mod builder;
pub mod cnum;
pub mod diag;
pub mod dump;
pub mod keywords;
pub mod model;
pub mod netsyntax;
pub mod parser;
pub mod reader;
pub mod script;
pub mod script_security;
pub mod suggest;
pub mod system;
pub mod testgen;
pub mod tokens;
pub mod validate;
pub mod values;

use std::path::PathBuf;

use diag::{Diagnostics, exit};
use model::Config;
use parser::Parser;
use reader::{Reader, ReaderOptions, include};
use system::System;

/// keepalived's default configuration file.
pub const DEFAULT_CONFIG_FILE: &str = "/etc/keepalived/keepalived.conf";

/// How to load a configuration.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// `-f`: file or glob.
    pub config_file: String,
    /// `-i`: the config-id for `@ID` lines; `None` uses the short node name.
    pub config_id: Option<String>,
    /// `-e`: every included file must exist.
    pub all_config: bool,
    /// `-t`: wording and strictness of `keepalived -t`.
    pub config_test: bool,
    /// Working directory for relative paths (default: the process's).
    pub cwd: Option<PathBuf>,
    /// Seed for `${_RANDOM}` (default: the time, as keepalived).
    pub random_seed: Option<u32>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            config_file: DEFAULT_CONFIG_FILE.to_string(),
            config_id: None,
            all_config: false,
            config_test: false,
            cwd: None,
            random_seed: None,
        }
    }
}

/// The result of loading a configuration.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The configuration, as complete as the input allowed.
    pub config: Config,
    /// Every message, in the order produced.
    pub diags: Diagnostics,
    /// The `-f` file was found and readable.
    pub main_file_ok: bool,
    /// The lines the parser saw, when loaded with [`load_recording`] (see
    /// [`Reader::record`]): what the watchdog hands its children.
    pub transcript: Option<String>,
}

impl Loaded {
    /// The exit code of `keepalived -t` for this load.
    pub fn config_test_exit_code(&self) -> i32 {
        if !self.main_file_ok {
            return self.diags.config_test_exit_code();
        }
        if self.diags.file_error {
            return exit::NO_CONFIG;
        }
        self.diags.config_test_exit_code()
    }

    /// The exit code keepalived would stop with at startup, or `None` if it would run.
    pub fn startup_exit_code(&self) -> Option<i32> {
        if !self.main_file_ok || self.diags.file_error {
            return Some(exit::NO_CONFIG);
        }
        if self.diags.missing_parameter {
            return Some(exit::CONFIG);
        }
        None
    }
}

/// The short node name: keepalived's default config-id.
pub fn default_config_id(sys: &dyn System) -> String {
    let n = sys.nodename();
    n.split('.').next().unwrap_or("").to_string()
}

/// The reader settings a load uses.
fn reader_options(opts: &LoadOptions, sys: &dyn System) -> ReaderOptions {
    ReaderOptions {
        config_id: Some(opts.config_id.clone().unwrap_or_else(|| default_config_id(sys))),
        include_check: if opts.all_config { include::check::ALL } else { 0 },
        random_seed: opts.random_seed,
        cwd: opts
            .cwd
            .clone()
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("/")),
        ..ReaderOptions::default()
    }
}

/// Parses everything the reader gives, then validates: the shared tail of every load.
fn parse_and_validate(reader: Reader, diags: Diagnostics, sys: &dyn System, opts: &LoadOptions) -> Loaded {
    let mut parser = Parser::new(reader, sys, opts.config_test);
    parser.diags = diags;
    parser.run(&keywords::ROOT);
    let (mut reader, builder, mut diags) = parser.into_parts();
    diags.file_error |= reader.file_error;
    let transcript = reader.take_transcript();
    let config = validate::complete(builder, sys, opts, &mut diags);
    Loaded {
        config,
        diags,
        main_file_ok: true,
        transcript,
    }
}

/// Loads and validates a configuration.
pub fn load(opts: &LoadOptions, sys: &dyn System) -> Loaded {
    load_from_files(opts, sys, false)
}

/// [`load`], also keeping the transcript of the lines the parser saw ([`Loaded::transcript`]).
pub fn load_recording(opts: &LoadOptions, sys: &dyn System) -> Loaded {
    load_from_files(opts, sys, true)
}

fn load_from_files(opts: &LoadOptions, sys: &dyn System, record: bool) -> Loaded {
    let mut reader = Reader::new(reader_options(opts, sys));
    if record {
        reader.record();
    }
    let mut diags = Diagnostics::default();
    if !reader.check_conf_file(&opts.config_file, &mut diags) {
        return Loaded {
            config: Config::default(),
            diags,
            main_file_ok: false,
            transcript: None,
        };
    }
    reader.open_main(&opts.config_file, &mut diags);
    parse_and_validate(reader, diags, sys, opts)
}

/// Loads a transcript recorded by [`load_recording`]: the parser sees the same lines, so the
/// configuration is the same (lines are numbered as lines of `keepalived.conf`).
pub fn load_transcript(text: &str, opts: &LoadOptions, sys: &dyn System) -> Loaded {
    let mut reader = Reader::new(reader_options(opts, sys));
    reader.open_transcript("keepalived.conf", text);
    parse_and_validate(reader, Diagnostics::default(), sys, opts)
}

/// Loads a configuration held in memory (tests, fuzzing, benchmarks), named `keepalived.conf`
/// in messages. `includes` false ignores `include` lines, so the input cannot read host files.
pub fn load_text(text: &str, opts: &LoadOptions, sys: &dyn System, includes: bool) -> Loaded {
    let mut reader = Reader::new(ReaderOptions {
        includes,
        ..reader_options(opts, sys)
    });
    reader.open_text("keepalived.conf", text);
    parse_and_validate(reader, Diagnostics::default(), sys, opts)
}

/// Loads a configuration from text (for tests): the text is written to a temporary directory
/// as `keepalived.conf` and loaded from there with `-f keepalived.conf`, so includes work.
pub fn load_str(text: &str, opts: &LoadOptions, sys: &dyn System) -> Loaded {
    let dir = std::env::temp_dir().join(format!("keepalived-rs-{}-{}", std::process::id(), unique()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("keepalived.conf");
    let _ = std::fs::write(&path, text);
    let mut o = opts.clone();
    o.config_file = "keepalived.conf".to_string();
    o.cwd = Some(dir.clone());
    let r = load(&o, sys);
    let _ = std::fs::remove_dir_all(&dir);
    r
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// One fuzzing iteration over a configuration (used by `fuzz/` and by the corpus replay test):
/// read and validate arbitrary bytes on a fixed host, with includes off and expansion limits
/// low, then dump the result and read the dump back. Must never panic or hang.
pub fn fuzz_one(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let sys = system::FixedSystem::typical();
    let opts = LoadOptions {
        config_test: true,
        random_seed: Some(1),
        cwd: Some(PathBuf::from("/nonexistent-keepalived-rs-fuzz")),
        ..LoadOptions::default()
    };
    let mut reader = Reader::new(ReaderOptions {
        config_id: Some("lb1".into()),
        max_generated_lines: 10_000,
        max_expanded_len: 8 * 1024,
        max_split_chain: 1_000,
        includes: false,
        ..reader_options(&opts, &sys)
    });
    reader.open_text("fuzz.conf", &text);
    let loaded = parse_and_validate(reader, Diagnostics::default(), &sys, &opts);
    let _ = loaded.config_test_exit_code();
    let config = loaded.config;
    let resolved = dump::resolved(&config);
    let _ = dump::json(&config);
    let _ = dump::vrrp_layout(&config);
    let _ = dump::check_layout(&config);
    let again = load_text(&resolved, &opts, &sys, false);
    let _ = again.diags.config_test_exit_code();
}
