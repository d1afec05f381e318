//! Helpers for tests/packaging.rs: reading the files under `packaging/`, building the `.deb`
//! once with cargo-deb, and running the SysV init script against a stand-in daemon inside a
//! private mount namespace.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file of the repository, as text.
pub fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// Whether `cmd` is on PATH.
pub fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", "command -v \"$1\" >/dev/null 2>&1", "sh", cmd])
        .status()
        .is_ok_and(|s| s.success())
}

/// Stdout and stderr of a finished command, for assertion messages.
pub fn describe(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The `Key=Value` lines of a systemd unit, with their section, in file order.
pub fn unit_directives(text: &str) -> Vec<(String, String, String)> {
    let mut section = String::new();
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(s) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = s.to_string();
        } else if let Some((k, v)) = line.split_once('=') {
            out.push((section.clone(), k.trim().to_string(), v.trim().to_string()));
        }
    }
    out
}

/// A man page's text with roff's font changes removed, `\-` as `-` and `\e` as `\`, for word
/// searches.
pub fn man_words(roff: &str) -> String {
    let mut s = roff.replace("\\-", "-").replace("\\e", "\\");
    for esc in ["\\fB", "\\fI", "\\fR", "\\fP"] {
        s = s.replace(esc, "");
    }
    s
}

/// Runs `cmd` and returns its stderr if it says anything, or its failure.
pub fn stderr_of(cmd: &mut Command) -> String {
    let o = cmd.stdout(Stdio::null()).output().expect("spawn");
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    if o.status.success() {
        err
    } else {
        format!("{}{err}", describe(&o))
    }
}

/// The `.deb` built by cargo-deb from the debug binary, once per test run; `Err` says why not.
///
/// cargo-deb packages `target/release/keepalived` from `CARGO_TARGET_DIR`; the test points that
/// at a staging directory holding a hard link to the binary `cargo test` built, so no release
/// build is needed and the real target directory is left alone.
pub fn built_deb() -> Result<&'static Path, String> {
    static DEB: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    DEB.get_or_init(build_deb).as_deref().map_err(Clone::clone)
}

fn build_deb() -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let version = Command::new(&cargo).args(["deb", "--version"]).output();
    match version {
        Ok(o) if o.status.success() => {}
        _ => return Err("cargo-deb is not installed (cargo install cargo-deb --locked)".into()),
    }
    let stage = Path::new(env!("CARGO_TARGET_TMPDIR")).join("packaging-deb");
    let _ = std::fs::remove_dir_all(&stage);
    std::fs::create_dir_all(stage.join("release")).map_err(|e| e.to_string())?;
    let bin = stage.join("release/keepalived");
    let ours = Path::new(env!("CARGO_BIN_EXE_keepalived"));
    if std::fs::hard_link(ours, &bin).is_err() {
        std::fs::copy(ours, &bin).map_err(|e| format!("copy {}: {e}", ours.display()))?;
    }
    let deb = stage.join("keepalived-rs.deb");
    let o = Command::new(&cargo)
        .args(["deb", "--no-build", "--offline", "--fast", "--strip", "-o"])
        .arg(&deb)
        .env("CARGO_TARGET_DIR", &stage)
        .current_dir(repo())
        .output()
        .map_err(|e| e.to_string())?;
    if !o.status.success() || !deb.is_file() {
        panic!("cargo deb failed: {}", describe(&o));
    }
    Ok(deb)
}

/// `dpkg-deb -c`: (permissions, path without the leading `./`) of every entry.
pub fn deb_entries(deb: &Path) -> Vec<(String, String)> {
    let o = Command::new("dpkg-deb").arg("-c").arg(deb).output().expect("dpkg-deb");
    assert!(o.status.success(), "dpkg-deb -c: {}", describe(&o));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let path = f.get(5)?.trim_start_matches("./").trim_end_matches('/');
            Some((f[0].to_string(), path.to_string()))
        })
        .filter(|(_, p)| !p.is_empty())
        .collect()
}

/// `dpkg-deb -I DEB FILE`: one control member of the package.
pub fn deb_control_member(deb: &Path, member: &str) -> String {
    let o = Command::new("dpkg-deb")
        .arg("-I")
        .arg(deb)
        .arg(member)
        .output()
        .expect("dpkg-deb");
    assert!(o.status.success(), "dpkg-deb -I {member}: {}", describe(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `dpkg-deb -f DEB FIELD`.
pub fn deb_field(deb: &Path, field: &str) -> String {
    let o = Command::new("dpkg-deb")
        .arg("-f")
        .arg(deb)
        .arg(field)
        .output()
        .expect("dpkg-deb");
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// A dpkg administrative directory and file tree under `root`, empty but usable by
/// `dpkg --root`.
pub fn dpkg_root(root: &Path) {
    for d in ["var/lib/dpkg/info", "var/lib/dpkg/updates", "var/lib/dpkg/triggers"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::write(root.join("var/lib/dpkg/status"), "").unwrap();
}

/// `dpkg --root=ROOT ARGS...` without a chroot (the maintainer scripts see DPKG_ROOT and do
/// nothing), keeping files the administrator changed at a conffile question, as the default
/// answer does.
pub fn dpkg_in_root(root: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new("dpkg");
    cmd.arg(format!("--root={}", root.display())).args([
        "--force-not-root",
        "--force-bad-path",
        "--force-script-chrootless",
        "--force-depends",
        "--force-confold",
    ]);
    cmd.args(args).stdin(Stdio::null()).output().expect("dpkg")
}

/// Polls `cond` every 20 ms until it holds or `limit` passes.
pub fn wait_for(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() > end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether process `pid` exists.
pub fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    unsafe { libc::kill(pid, 0) == 0 }
}

/// A stand-in for keepalived, named `keepalived` so that the init script's start-stop-daemon
/// `--name` finds it. `-t` runs our real binary's configuration test; otherwise it daemonises as
/// keepalived does (the first process exits once the daemon runs), writes the pid file given
/// with `-p`, and appends what happens to `events`: `args: ...` at start, `hup`, `usr1`, and
/// `term` before it exits and removes its pid file.
const FAKE_DAEMON: &str = r#"#!/bin/sh
REAL=@REAL@
LOG=@DIR@/events
if [ "$1" = --fake-daemon ]; then
    pidfile=$2
    trap 'echo hup >> "$LOG"' HUP
    trap 'echo usr1 >> "$LOG"' USR1
    trap 'echo term >> "$LOG"; rm -f "$pidfile"; exit 0' TERM
    echo $$ > "$pidfile"
    while :; do sleep 1 & wait $!; done
fi
for a; do [ "$a" = -t ] && exec "$REAL" "$@"; done
echo "args: $*" >> "$LOG"
pidfile=/run/keepalived.pid
while [ $# -gt 0 ]; do
    [ "$1" = -p ] && pidfile=$2
    shift
done
"$0" --fake-daemon "$pidfile" </dev/null >/dev/null 2>&1 &
exit 0
"#;

/// The init script run against [`FAKE_DAEMON`], with `/etc/default/keepalived` replaced in a
/// private mount namespace by one that points DAEMON, CONFIG and PIDFILE into a temporary
/// directory. Dropping it kills a daemon left running.
pub struct InitSandbox {
    /// The temporary directory.
    pub dir: tempfile::TempDir,
    /// Hide /lib/lsb so the script must use its echo fallbacks.
    pub without_lsb: bool,
}

impl InitSandbox {
    /// Sets up the directory: `bin/keepalived` (the stand-in), `default/keepalived`, no
    /// configuration yet.
    pub fn new(without_lsb: bool) -> InitSandbox {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("bin")).unwrap();
        std::fs::create_dir_all(d.join("default")).unwrap();
        std::fs::create_dir_all(d.join("empty")).unwrap();
        let fake = FAKE_DAEMON
            .replace("@REAL@", env!("CARGO_BIN_EXE_keepalived"))
            .replace("@DIR@", &d.display().to_string());
        std::fs::write(d.join("bin/keepalived"), fake).unwrap();
        super::chmod_x(&d.join("bin/keepalived"));
        let defaults = format!(
            "DAEMON={d}/bin/keepalived\nCONFIG={d}/keepalived.conf\nPIDFILE={d}/keepalived.pid\n\
             DAEMON_ARGS=\"{args}\"\n",
            d = d.display(),
            args = Self::daemon_args_for(d),
        );
        std::fs::write(d.join("default/keepalived"), defaults).unwrap();
        InitSandbox { dir, without_lsb }
    }

    /// DAEMON_ARGS of the sandbox: `-D` and a glob that must reach keepalived unexpanded.
    pub fn daemon_args_for(d: &Path) -> String {
        format!("-D -i {}/*", d.display())
    }

    /// A path in the sandbox.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Runs `sh keepalived.init VERB` with a clean environment in a private mount namespace.
    pub fn run(&self, verb: &str) -> Output {
        let script = repo().join("packaging/keepalived.init");
        let hide_lsb = if self.without_lsb {
            "if [ -d /lib/lsb ]; then mount --bind \"$2/empty\" /lib/lsb || exit 99; fi; "
        } else {
            ""
        };
        let inner = format!("mount --bind \"$2/default\" /etc/default || exit 99; {hide_lsb}exec sh \"$1\" \"$3\"");
        Command::new("unshare")
            .args(["--mount", "--propagation", "private", "--", "sh", "-c", &inner, "sh"])
            .arg(&script)
            .arg(self.dir.path())
            .arg(verb)
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .stdin(Stdio::null())
            .output()
            .expect("unshare")
    }

    /// The lines the stand-in daemon wrote.
    pub fn events(&self) -> Vec<String> {
        std::fs::read_to_string(self.path("events"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// The pid in the pid file, if any.
    pub fn pid(&self) -> Option<i32> {
        std::fs::read_to_string(self.path("keepalived.pid"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }
}

impl Drop for InitSandbox {
    fn drop(&mut self) {
        if let Some(pid) = self.pid() {
            if std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "keepalived") {
                // SAFETY: the stand-in daemon this sandbox started, found by its pid file.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
    }
}

/// Runs one of the package's maintainer scripts with ARGS in a private mount namespace whose
/// /etc and /run are empty tmpfs, holding only `keepalived.conf` (when `with_config`), the
/// init script and `/run/systemd/system` (when `systemd`). PATH holds only stubs of the
/// service tools (`systemctl` among them only when `systemd`), which log their arguments;
/// returns the script's output and the logged calls.
pub fn run_maintainer_script(
    script: &str,
    args: &[&str],
    systemd: bool,
    with_config: bool,
    env: &[(&str, &str)],
) -> (Output, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let stubs = d.join("stubs");
    std::fs::create_dir_all(&stubs).unwrap();
    let mut tools = vec!["update-rc.d", "invoke-rc.d", "deb-systemd-helper", "deb-systemd-invoke"];
    if systemd {
        tools.push("systemctl");
    }
    for t in tools {
        let stub = format!("#!/bin/sh\necho \"{t} $*\" >> {}/calls\n", d.display());
        std::fs::write(stubs.join(t), stub).unwrap();
        super::chmod_x(&stubs.join(t));
    }
    let setup = format!(
        "mount -t tmpfs tmpfs /etc && mount -t tmpfs tmpfs /run || exit 99; \
         mkdir -p /etc/keepalived /etc/init.d; \
         printf '#!/bin/sh\\n' > /etc/init.d/keepalived; chmod 755 /etc/init.d/keepalived; \
         {conf}{run}s=$1; p=$2; shift 2; exec env -i PATH=\"$p\" {env} /bin/sh \"$s\" \"$@\"",
        conf = if with_config {
            "echo 'vrrp_instance VI_1 {}' > /etc/keepalived/keepalived.conf; "
        } else {
            ""
        },
        run = if systemd { "mkdir -p /run/systemd/system; " } else { "" },
        env = env
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" "),
    );
    let o = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "--", "sh", "-c"])
        .arg(setup)
        .arg("sh")
        .arg(repo().join("packaging/debian").join(script))
        .arg(&stubs)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("unshare");
    let calls = std::fs::read_to_string(d.join("calls"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    (o, calls)
}
