//! keepalived 2.2.7's command line: every option of `keepalived -h`, short and long, with the
//! same defaults, plus our own `--dump-json`.

pub mod getopt;
pub mod usage;

use getopt::{HasArg, LongOpt, Opt, getopt_long};

/// keepalived's short option string (Debian build: VRRP, LVS, BFD and SNMP enabled).
pub const SHORT_OPTS: &str = ":vhlndu:DRS:f:p:i:es:mM::g::Gt::PCr:VXac:ITBb:xA:";

const ALL: i32 = 3;
const FLUSH_LOG_FILE: i32 = 2;
const SIGNUM: i32 = 4;
const CONFIG_FD: i32 = 8;
// Above 255 so it cannot collide with a short option character.
const DUMP_JSON: i32 = 1000;
const ROLE: i32 = 1001;

const fn l(name: &'static str, has_arg: HasArg, id: i32) -> LongOpt {
    LongOpt { name, has_arg, id }
}

/// keepalived's long options, in its order.
pub const LONG_OPTS: &[LongOpt] = &[
    l("use-file", HasArg::Required, 'f' as i32),
    l("vrrp", HasArg::No, 'P' as i32),
    l("check", HasArg::No, 'C' as i32),
    l("no_bfd", HasArg::No, 'B' as i32),
    l("all", HasArg::No, ALL),
    l("log-console", HasArg::No, 'l' as i32),
    l("log-detail", HasArg::No, 'D' as i32),
    l("log-facility", HasArg::Required, 'S' as i32),
    l("log-file", HasArg::Optional, 'g' as i32),
    l("all-config", HasArg::No, 'e' as i32),
    l("flush-log-file", HasArg::No, FLUSH_LOG_FILE),
    l("no-syslog", HasArg::No, 'G' as i32),
    l("umask", HasArg::Required, 'u' as i32),
    l("release-vips", HasArg::No, 'X' as i32),
    l("dont-release-vrrp", HasArg::No, 'V' as i32),
    l("dont-release-ipvs", HasArg::No, 'I' as i32),
    l("dont-respawn", HasArg::No, 'R' as i32),
    l("dont-fork", HasArg::No, 'n' as i32),
    l("dump-conf", HasArg::No, 'd' as i32),
    l("pid", HasArg::Required, 'p' as i32),
    l("vrrp_pid", HasArg::Required, 'r' as i32),
    l("genhash", HasArg::No, 'T' as i32),
    l("checkers_pid", HasArg::Required, 'c' as i32),
    l("address-monitoring", HasArg::No, 'a' as i32),
    l("bfd_pid", HasArg::Required, 'b' as i32),
    l("snmp", HasArg::No, 'x' as i32),
    l("snmp-agent-socket", HasArg::Required, 'A' as i32),
    l("core-dump", HasArg::No, 'm' as i32),
    l("core-dump-pattern", HasArg::Optional, 'M' as i32),
    l("namespace", HasArg::Required, 's' as i32),
    l("config-id", HasArg::Required, 'i' as i32),
    l("signum", HasArg::Required, SIGNUM),
    l("config-test", HasArg::Optional, 't' as i32),
    l("config-fd", HasArg::Required, CONFIG_FD),
    l("version", HasArg::No, 'v' as i32),
    l("help", HasArg::No, 'h' as i32),
    // keepalived-rs only.
    l("dump-json", HasArg::No, DUMP_JSON),
    // Internal: how the watchdog parent re-executes itself as a child.
    l("role", HasArg::Required, ROLE),
];

/// syslog facilities accepted by `-S`.
pub const LOG_DAEMON: i32 = 3 << 3;
const LOG_USER: i32 = 1 << 3;
const LOG_LOCAL0: i32 = 16 << 3;

/// Which children to run (keepalived's `daemon_mode` bits).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Children {
    /// Run the VRRP child.
    pub vrrp: bool,
    /// Run the health-checker child.
    pub checkers: bool,
    /// Run the BFD child.
    pub bfd: bool,
    /// `--all`: run them even without configuration.
    pub all: bool,
}

/// Everything the command line sets. Defaults are keepalived's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// `-f`: configuration file (glob allowed).
    pub config_file: String,
    /// `-P`/`-C`/`-B`/`--all`.
    pub children: Children,
    /// `-l`.
    pub log_console: bool,
    /// `-D` count (twice = extra detail).
    pub log_detail: u8,
    /// `-S`: syslog facility.
    pub log_facility: i32,
    /// `-g[FILE]`.
    pub log_file: Option<String>,
    /// `--flush-log-file`.
    pub flush_log_file: bool,
    /// `-G`.
    pub no_syslog: bool,
    /// `-u`.
    pub umask: Option<u32>,
    /// `-X`.
    pub release_vips: bool,
    /// `-V`.
    pub dont_release_vrrp: bool,
    /// `-I`.
    pub dont_release_ipvs: bool,
    /// `-R`.
    pub dont_respawn: bool,
    /// `-n`.
    pub dont_fork: bool,
    /// `-d`.
    pub dump_conf: bool,
    /// `--dump-json` (ours).
    pub dump_json: bool,
    /// `-p`.
    pub pid_file: Option<String>,
    /// `-r`.
    pub vrrp_pid_file: Option<String>,
    /// `-c`.
    pub checkers_pid_file: Option<String>,
    /// `-b`.
    pub bfd_pid_file: Option<String>,
    /// `-a`.
    pub address_monitoring: bool,
    /// `-x`.
    pub snmp: bool,
    /// `-A`.
    pub snmp_agent_socket: Option<String>,
    /// `-s`.
    pub namespace: Option<String>,
    /// `-m`.
    pub core_dump: bool,
    /// `-M[PATTERN]` (keepalived's default pattern is `core`).
    pub core_dump_pattern: Option<String>,
    /// `-e`.
    pub all_config: bool,
    /// `-i`.
    pub config_id: Option<String>,
    /// `-t[LOGFILE]`: `Some(None)` tests to stderr, `Some(Some(f))` appends to `f`.
    pub config_test: Option<Option<String>>,
    /// `--config-fd` (internal to keepalived's reload check).
    pub config_fd: Option<i32>,
    /// `--role=vrrp|checker` (internal): this process is a child started by the watchdog
    /// parent, which talks to it over the control socket.
    pub role: Option<Role>,
}

/// Which child a process started with `--role` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The VRRP child (`Keepalived_vrrp`).
    Vrrp,
    /// The health-checker child (`Keepalived_healthcheckers`).
    Checker,
}

impl Role {
    /// The `--role` argument value.
    pub fn arg(self) -> &'static str {
        match self {
            Role::Vrrp => "vrrp",
            Role::Checker => "checker",
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            config_file: crate::config::DEFAULT_CONFIG_FILE.to_string(),
            children: Children {
                vrrp: true,
                checkers: true,
                bfd: true,
                all: false,
            },
            log_console: false,
            log_detail: 0,
            log_facility: LOG_DAEMON,
            log_file: None,
            flush_log_file: false,
            no_syslog: false,
            umask: None,
            release_vips: false,
            dont_release_vrrp: false,
            dont_release_ipvs: false,
            dont_respawn: false,
            dont_fork: false,
            dump_conf: false,
            dump_json: false,
            pid_file: None,
            vrrp_pid_file: None,
            checkers_pid_file: None,
            bfd_pid_file: None,
            address_monitoring: false,
            snmp: false,
            snmp_agent_socket: None,
            namespace: None,
            core_dump: false,
            core_dump_pattern: None,
            all_config: false,
            config_id: None,
            config_test: None,
            config_fd: None,
            role: None,
        }
    }
}

impl Options {
    /// Parent pid file: keepalived's default `/run/keepalived.pid`.
    pub fn pid_file(&self) -> &str {
        self.pid_file.as_deref().unwrap_or("/run/keepalived.pid")
    }
    /// VRRP pid file: `/run/vrrp.pid`.
    pub fn vrrp_pid_file(&self) -> &str {
        self.vrrp_pid_file.as_deref().unwrap_or("/run/vrrp.pid")
    }
    /// Checker pid file: `/run/checkers.pid`.
    pub fn checkers_pid_file(&self) -> &str {
        self.checkers_pid_file.as_deref().unwrap_or("/run/checkers.pid")
    }
    /// BFD pid file: `/run/bfd.pid`.
    pub fn bfd_pid_file(&self) -> &str {
        self.bfd_pid_file.as_deref().unwrap_or("/run/bfd.pid")
    }
}

/// What the command line asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Run (daemon, `-t`, dumps).
    Run(Box<Options>),
    /// `-v`.
    Version,
    /// `-h`.
    Help,
    /// `--signum=NAME`: print this number.
    Signum(i32),
    /// `-T`: genhash mode with the remaining arguments.
    Genhash(Vec<String>),
    /// Stop with this exit code (after the messages in [`Parse::stderr`]/[`Parse::stdout`]).
    Exit(i32),
}

/// The outcome of parsing, with the messages keepalived would print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parse {
    /// What to do.
    pub action: Action,
    /// Lines for stderr.
    pub stderr: Vec<String>,
    /// Lines for stdout.
    pub stdout: Vec<String>,
}

/// keepalived's `get_signum()` on this platform.
pub fn signum(name: &str) -> Option<i32> {
    Some(match name {
        "STOP" => libc::SIGTERM,
        "RELOAD" => libc::SIGHUP,
        "DATA" => libc::SIGUSR1,
        "STATS" => libc::SIGUSR2,
        "STATS_CLEAR" => libc::SIGRTMAX() - 1,
        "JSON" => libc::SIGRTMIN() + 2,
        _ => return None,
    })
}

fn parse_facility(s: &str) -> Option<i32> {
    let digit = |t: &str| t.len() == 1 && t.as_bytes()[0].is_ascii_digit() && t.as_bytes()[0] <= b'7';
    if digit(s) {
        return Some(LOG_LOCAL0 + ((s.as_bytes()[0] - b'0') as i32) * 8);
    }
    if let Some(n) = s.strip_prefix("local") {
        if digit(n) {
            return Some(LOG_LOCAL0 + ((n.as_bytes()[0] - b'0') as i32) * 8);
        }
    }
    match s {
        "daemon" => Some(LOG_DAEMON),
        "user" => Some(LOG_USER),
        _ => None,
    }
}

/// keepalived's `set_umask()`: a number in any C base (`0177`, `0x7f`, `127`).
fn parse_umask(s: &str) -> Option<u32> {
    let (v, n) = crate::config::reader::seq::strtol0(s);
    (n == s.len() && (0..=0o777).contains(&v)).then_some(v as u32)
}

/// Parses the command line (without the program name) as keepalived's `parse_cmdline()`.
pub fn parse(args: &[String]) -> Parse {
    let mut o = Options::default();
    let mut err = Vec::new();
    let mut out = Vec::new();
    let mut bad = false;
    // -T must come first; everything after it belongs to genhash.
    if let Some(first) = args.first() {
        if first == "-T"
            || first == "--genhash"
            || (first.starts_with("--gen") && "--genhash".starts_with(first.as_str()))
        {
            return Parse {
                action: Action::Genhash(args[1..].to_vec()),
                stderr: err,
                stdout: out,
            };
        }
    }
    let parsed = getopt_long(args, SHORT_OPTS, LONG_OPTS);
    for opt in parsed.opts {
        let (id, arg, long) = match opt {
            Opt::Found { id, arg, long } => (id, arg, long),
            Opt::Unknown(t) | Opt::Ambiguous(t) => {
                err.push(format!("Unknown option {t}"));
                bad = true;
                continue;
            }
            Opt::Missing(t) => {
                err.push(format!("Missing parameter for option {t}"));
                bad = true;
                continue;
            }
        };
        // keepalived treats an empty `--opt=` for a required argument as missing.
        if let Some(name) = long {
            let required = LONG_OPTS
                .iter()
                .any(|l| l.name == name && l.has_arg == HasArg::Required);
            if required && arg.as_deref() == Some("") {
                err.push(format!("Missing parameter for option --{name}"));
                bad = true;
                continue;
            }
        }
        let a = arg.clone().unwrap_or_default();
        match id {
            x if x == 'v' as i32 => {
                return Parse {
                    action: Action::Version,
                    stderr: err,
                    stdout: out,
                };
            }
            x if x == 'h' as i32 => {
                return Parse {
                    action: Action::Help,
                    stderr: err,
                    stdout: out,
                };
            }
            x if x == 'T' as i32 => {
                err.push(format!(
                    "Warning -- `{}` not used as first option, previous options ignored",
                    long.unwrap_or("-T")
                ));
                let pos = args
                    .iter()
                    .position(|s| s == "-T" || s.starts_with("--gen"))
                    .unwrap_or(0);
                return Parse {
                    action: Action::Genhash(args[pos + 1..].to_vec()),
                    stderr: err,
                    stdout: out,
                };
            }
            x if x == 'l' as i32 => o.log_console = true,
            x if x == 'n' as i32 => o.dont_fork = true,
            x if x == 'd' as i32 => o.dump_conf = true,
            x if x == 'V' as i32 => o.dont_release_vrrp = true,
            x if x == 'I' as i32 => o.dont_release_ipvs = true,
            x if x == 'D' as i32 => o.log_detail = (o.log_detail + 1).min(2),
            x if x == 'R' as i32 => o.dont_respawn = true,
            x if x == 'X' as i32 => o.release_vips = true,
            x if x == 'S' as i32 => match parse_facility(&a) {
                Some(f) => o.log_facility = f,
                None => err.push(format!("Invalid log facility '{a}'")),
            },
            x if x == 'g' as i32 => o.log_file = Some(if a.is_empty() { "keepalived.log".into() } else { a }),
            FLUSH_LOG_FILE => o.flush_log_file = true,
            x if x == 'G' as i32 => o.no_syslog = true,
            x if x == 'u' as i32 => match parse_umask(&a) {
                Some(m) => o.umask = Some(m),
                None => err.push(format!("Invalid umask '{a}'")),
            },
            x if x == 't' as i32 => {
                o.config_test = Some(arg.filter(|s| !s.is_empty()));
                o.dont_respawn = true;
                o.dont_fork = true;
                o.no_syslog = true;
            }
            x if x == 'f' as i32 => o.config_file = a,
            x if x == 'P' as i32 => o.children.checkers = false,
            x if x == 'C' as i32 => o.children.vrrp = false,
            x if x == 'B' as i32 => o.children.bfd = false,
            x if x == 'p' as i32 => o.pid_file = Some(a),
            x if x == 'c' as i32 => o.checkers_pid_file = Some(a),
            x if x == 'a' as i32 => o.address_monitoring = true,
            x if x == 'r' as i32 => o.vrrp_pid_file = Some(a),
            x if x == 'b' as i32 => o.bfd_pid_file = Some(a),
            x if x == 'x' as i32 => o.snmp = true,
            x if x == 'A' as i32 => o.snmp_agent_socket = Some(a),
            x if x == 'M' as i32 => {
                o.core_dump = true;
                o.core_dump_pattern = Some(if a.is_empty() { "core".into() } else { a });
            }
            x if x == 'm' as i32 => o.core_dump = true,
            x if x == 's' as i32 => o.namespace = Some(a),
            x if x == 'e' as i32 => o.all_config = true,
            x if x == 'i' as i32 => o.config_id = Some(a),
            SIGNUM => {
                return match signum(&a) {
                    Some(n) => Parse {
                        action: Action::Signum(n),
                        stderr: err,
                        stdout: out,
                    },
                    None => {
                        err.push(format!("Unknown sigfunc {a}"));
                        Parse {
                            action: Action::Exit(1),
                            stderr: err,
                            stdout: out,
                        }
                    }
                };
            }
            ALL => {
                o.children = Children {
                    vrrp: true,
                    checkers: true,
                    bfd: true,
                    all: true,
                }
            }
            CONFIG_FD => o.config_fd = a.parse().ok(),
            DUMP_JSON => o.dump_json = true,
            ROLE => match a.as_str() {
                "vrrp" => o.role = Some(Role::Vrrp),
                "checker" => o.role = Some(Role::Checker),
                _ => bad = true,
            },
            _ => {
                bad = true;
            }
        }
    }
    if !parsed.rest.is_empty() {
        let mut line = String::from("Unexpected argument(s): ");
        for r in &parsed.rest {
            line.push_str(r);
            line.push(' ');
        }
        out.push(line);
    }
    let action = if bad { Action::Exit(1) } else { Action::Run(Box::new(o)) };
    Parse {
        action,
        stderr: err,
        stdout: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(a: &[&str]) -> Options {
        match parse(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>()).action {
            Action::Run(o) => *o,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn defaults_are_keepalived_defaults() {
        let o = run(&[]);
        assert_eq!(o.config_file, "/etc/keepalived/keepalived.conf");
        assert_eq!(o.pid_file(), "/run/keepalived.pid");
        assert_eq!(o.vrrp_pid_file(), "/run/vrrp.pid");
        assert_eq!(o.checkers_pid_file(), "/run/checkers.pid");
        assert_eq!(o.bfd_pid_file(), "/run/bfd.pid");
        assert_eq!(o.log_facility, LOG_DAEMON);
    }

    #[test]
    fn debian_unit_command_line() {
        let o = run(&["--dont-fork", "-D", "-S", "local1", "-f", "/x.conf", "-P"]);
        assert!(o.dont_fork);
        assert_eq!(o.log_detail, 1);
        assert_eq!(o.log_facility, LOG_LOCAL0 + 8);
        assert_eq!(o.config_file, "/x.conf");
        assert!(o.children.vrrp && !o.children.checkers);
    }

    #[test]
    fn config_test_forms() {
        assert_eq!(run(&["-t"]).config_test, Some(None));
        assert_eq!(run(&["-t/tmp/log"]).config_test, Some(Some("/tmp/log".into())));
        assert_eq!(run(&["--config-test=/tmp/l"]).config_test, Some(Some("/tmp/l".into())));
        let o = run(&["-t"]);
        assert!(o.dont_fork && o.dont_respawn && o.no_syslog);
    }

    #[test]
    fn signum_values_match_debian() {
        let p = |n: &str| parse(&[format!("--signum={n}")]).action;
        assert_eq!(p("STOP"), Action::Signum(15));
        assert_eq!(p("RELOAD"), Action::Signum(1));
        assert_eq!(p("DATA"), Action::Signum(10));
        assert_eq!(p("STATS"), Action::Signum(12));
        assert_eq!(p("STATS_CLEAR"), Action::Signum(63));
        assert_eq!(p("JSON"), Action::Signum(36));
        assert_eq!(p("BOGUS"), Action::Exit(1));
    }

    #[test]
    fn bad_options_exit_1_with_keepalived_messages() {
        let r = parse(&["-q".to_string()]);
        assert_eq!(r.action, Action::Exit(1));
        assert_eq!(r.stderr, ["Unknown option -q"]);
        let r = parse(&["--use-file=".to_string()]);
        assert_eq!(r.stderr, ["Missing parameter for option --use-file"]);
    }

    #[test]
    fn facility_forms() {
        assert_eq!(parse_facility("0"), Some(LOG_LOCAL0));
        assert_eq!(parse_facility("local7"), Some(LOG_LOCAL0 + 56));
        assert_eq!(parse_facility("user"), Some(LOG_USER));
        assert_eq!(parse_facility("8"), None);
    }
}
