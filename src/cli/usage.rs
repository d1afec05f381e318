//! `keepalived -h` and `keepalived -v` texts, in keepalived 2.2.7's layout (both go to stderr).

/// The version keepalived-rs is compatible with, first on the `-v` line so scripts that parse
/// `Keepalived v(\S+)` keep working.
pub const COMPAT_VERSION: &str = "Keepalived v2.2.7 (01/16,2022)";

/// `keepalived -h`.
pub fn help(prog: &str) -> String {
    format!(
        "Usage: {prog} [OPTION...]
  -f, --use-file=FILE          Use the specified configuration file
                                default '{default}'
  -P, --vrrp                   Only run with VRRP subsystem
  -C, --check                  Only run with Health-checker subsystem
  -B, --no_bfd                 Don't run BFD subsystem
      --all                    Force all child processes to run, even if have no configuration
  -l, --log-console            Log messages to local console
  -D, --log-detail             Detailed log messages
  -S, --log-facility=([0-7]|local[0-7]|user|daemon)
                               Set syslog facility to LOG_LOCAL[0-7], user or daemon (default)
  -G, --no-syslog              Don't log via syslog
  -u, --umask=MASK             umask for file creation (in numeric form)
  -X, --release-vips           Drop VIP on transition from signal.
  -V, --dont-release-vrrp      Don't remove VRRP VIPs and VROUTEs on daemon stop
  -I, --dont-release-ipvs      Don't remove IPVS topology on daemon stop
  -R, --dont-respawn           Don't respawn child processes
  -n, --dont-fork              Don't fork the daemon process
  -d, --dump-conf              Dump the configuration data
                                (with -t: print the resolved configuration to stdout)
      --dump-json              With -t: print the resolved configuration as JSON to stdout
  -p, --pid=FILE               Use specified pidfile for parent process
  -r, --vrrp_pid=FILE          Use specified pidfile for VRRP child process
  -T, --genhash                Enter into genhash utility mode (this should be the first option used).
  -c, --checkers_pid=FILE      Use specified pidfile for checkers child process
  -a, --address-monitoring     Report all address additions/deletions notified via netlink
  -b, --bfd_pid=FILE           Use specified pidfile for BFD child process
  -x, --snmp                   Enable SNMP subsystem
  -A, --snmp-agent-socket=FILE Use the specified socket for master agent
  -s, --namespace=NAME         Run in network namespace NAME (overrides config)
  -m, --core-dump              Produce core dump if terminate abnormally
  -M, --core-dump-pattern=PATN Also set /proc/sys/kernel/core_pattern to PATN (default 'core')
  -e, --all-config             Error if any configuration file missing (same as includet)
  -i, --config-id id           Skip any configuration lines beginning '@' that don't match id
                                or any lines beginning @^ that do match.
                                The config-id defaults to the node name if option not used
      --signum=SIGFUNC         Return signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON
  -t, --config-test[=LOG_FILE] Check the configuration for obvious errors, output to
                                stderr by default
  -v, --version                Display the version number
  -h, --help                   Display this help message
",
        default = crate::config::DEFAULT_CONFIG_FILE
    )
}

fn uname() -> (String, String, String) {
    // SAFETY: uname fills the struct; the fields are NUL-terminated.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    if unsafe { libc::uname(&mut u) } != 0 {
        return Default::default();
    }
    let f = |p: &[libc::c_char]| {
        unsafe { std::ffi::CStr::from_ptr(p.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    };
    (f(&u.sysname), f(&u.release), f(&u.version))
}

fn distro() -> Option<String> {
    let text = std::fs::read_to_string("/etc/os-release").ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_string())
}

/// `keepalived -v`.
pub fn version() -> String {
    let (sys, rel, ver) = uname();
    let mut s = format!(
        "{COMPAT_VERSION}, keepalived-rs {}\n\nCopyright(C) keepalived-rs developers; compatible with keepalived by Alexandre Cassen\n\n",
        env!("CARGO_PKG_VERSION")
    );
    s.push_str(&format!("Running on {sys} {rel} {ver}\n"));
    if let Some(d) = distro() {
        s.push_str(&format!("Distro: {d}\n"));
    }
    s.push('\n');
    // keepalived-rs is built with cargo; these are the configure switches of the keepalived
    // build it stands in for (exporters look for --enable-json before asking for JSON).
    s.push_str("configure options: --enable-json --enable-bfd --runstatedir=/run --with-init=systemd\n\n");
    s.push_str("Config options:  LVS VRRP VRRP_AUTH VRRP_VMAC JSON BFD INIT=systemd SYSTEMD_NOTIFY\n\n");
    s.push_str("System options:  GLOB_BRACE GLOB_ALTDIRFUNC\n");
    s
}
