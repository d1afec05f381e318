//! The client's errors, with keepalived's words for them (`ipvs_strerror()` in
//! keepalived 2.2.7's `libipvs.c`, and the `IPVS cmd ...` line of `ipvs_talk()` in
//! `ipvswrapper.c`). Pure: no I/O.

use std::ffi::CStr;
use std::fmt;
use std::net::IpAddr;

use crate::ipvs::model::{Command, DestKey, Proto, ServiceKey};

/// Why an IPVS request failed.
#[derive(Debug)]
pub enum Error {
    /// The kernel has no "IPVS" generic-netlink family (ip_vs not loaded or not built).
    FamilyNotFound,
    /// The kernel refused the request.
    Kernel {
        /// The positive errno.
        errno: i32,
        /// keepalived's text for it (`ipvs_strerror`).
        text: String,
    },
    /// The netlink socket failed.
    Io(std::io::Error),
    /// A reply did not parse.
    Decode(String),
    /// The connection ended before the reply.
    NoReply,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::FamilyNotFound => write!(f, "IPVS: generic netlink family \"IPVS\" not found"),
            Self::Kernel { errno, text } => write!(f, "IPVS: {text} ({errno})"),
            Self::Io(e) => write!(f, "IPVS: netlink socket: {e}"),
            Self::Decode(e) => write!(f, "IPVS: bad reply: {e}"),
            Self::NoReply => write!(f, "IPVS: no reply from the kernel"),
        }
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

impl Error {
    /// The errno of a kernel refusal.
    pub fn errno(&self) -> Option<i32> {
        match self {
            Self::Kernel { errno, .. } => Some(*errno),
            _ => None,
        }
    }

    /// A kernel refusal of `cmd` (None for a query) with keepalived's text.
    pub fn kernel(cmd: Option<&Command>, errno: i32) -> Self {
        Self::Kernel {
            errno,
            text: strerror(cmd, errno),
        }
    }
}

/// keepalived's `ipvs_strerror()`: a text per (function, errno), then per errno, then
/// `strerror(3)`.
pub fn strerror(cmd: Option<&Command>, errno: i32) -> String {
    use Command as C;
    let specific = match (cmd, errno) {
        (Some(C::NewService(_)), libc::EEXIST) => Some("Service already exists"),
        (Some(C::NewService(_) | C::SetService(_)), libc::ENOENT) => Some("Scheduler or persistence engine not found"),
        (Some(C::NewDest(..)), libc::EEXIST) => Some("Destination already exists"),
        (Some(C::SetDest(..) | C::DelDest(..)), libc::ENOENT) => Some("No such destination"),
        (Some(C::NewDaemon(_)), libc::EEXIST) => Some("Daemon has already run"),
        (Some(C::DelDaemon { .. }), libc::ESRCH) => Some("No daemon is running"),
        (_, libc::ESRCH) => Some("No such service"),
        (_, libc::EPERM) => Some("Permission denied (you must be root)"),
        (_, libc::EINVAL) => Some("Invalid operation.  Possibly wrong module version, address not unicast, ..."),
        (_, libc::ENOPROTOOPT) => Some("Protocol not available"),
        (_, libc::ENOMEM) => Some("Memory allocation problem"),
        (_, libc::EOPNOTSUPP) => Some("Operation not supported with IPv6"),
        (_, libc::EAFNOSUPPORT) => Some("Operation not supported with specified address family"),
        (_, libc::EMSGSIZE) => Some("Module is wrong version"),
        _ => None,
    };
    match specific {
        Some(s) => s.to_string(),
        // SAFETY: strerror returns a pointer to a NUL-terminated static or thread-local
        // string, read at once.
        None => unsafe { CStr::from_ptr(libc::strerror(errno)) }
            .to_string_lossy()
            .into_owned(),
    }
}

/// keepalived's name and number for a command (`ipvs_cmd_str`, `IP_VS_SO_SET_*`).
pub fn sockopt_name(cmd: &Command) -> (&'static str, i32) {
    const BASE: i32 = 64 + 1024 + 64;
    match cmd {
        Command::NewService(_) => ("IP_VS_SO_SET_ADD", BASE + 2),
        Command::SetService(_) => ("IP_VS_SO_SET_EDIT", BASE + 3),
        Command::DelService(_) => ("IP_VS_SO_SET_DEL", BASE + 4),
        Command::Flush => ("IP_VS_SO_SET_FLUSH", BASE + 5),
        Command::NewDest(..) => ("IP_VS_SO_SET_ADDDEST", BASE + 7),
        Command::DelDest(..) => ("IP_VS_SO_SET_DELDEST", BASE + 8),
        Command::SetDest(..) => ("IP_VS_SO_SET_EDITDEST", BASE + 9),
        Command::SetTimeouts(_) => ("IP_VS_SO_SET_TIMEOUT", BASE + 10),
        Command::NewDaemon(_) => ("IP_VS_SO_SET_STARTDAEMON", BASE + 11),
        Command::DelDaemon { .. } => ("IP_VS_SO_SET_STOPDAEMON", BASE + 12),
        Command::Zero(_) => ("IP_VS_SO_SET_ZERO", BASE + 15),
    }
}

/// Whether keepalived's `ipvs_talk()` counts this refusal as success: adding what exists,
/// deleting what is gone.
pub fn keepalived_ignores(cmd: &Command, errno: i32) -> bool {
    matches!(
        (cmd, errno),
        (Command::NewService(_) | Command::NewDest(..), libc::EEXIST)
            | (Command::DelService(_) | Command::DelDest(..), libc::ENOENT)
    )
}

fn fmt_addr(addr: &IpAddr) -> String {
    addr.to_string()
}

/// `format_srule()`: `10.0.0.1:tcp:80`, `Fwm 5`, `Fwm 5 inet6`.
fn fmt_service(key: &ServiceKey) -> String {
    match key {
        ServiceKey::Fwmark { af, mark } => format!(
            "Fwm {mark}{}",
            if *af == crate::ipvs::model::Af::Inet6 {
                " inet6"
            } else {
                ""
            }
        ),
        ServiceKey::Addr { proto, addr, port } => {
            let p = match proto {
                Proto::Tcp => "tcp",
                Proto::Udp => "udp",
                Proto::Sctp => "sctp",
            };
            format!("{}:{p}:{port}", fmt_addr(addr))
        }
    }
}

/// `format_drule()`: ` -> 10.0.0.2:80`.
fn fmt_dest(key: &DestKey) -> String {
    format!(" -> {}:{}", fmt_addr(&key.addr), key.port)
}

/// The line keepalived logs when a command fails:
/// `IPVS cmd IP_VS_SO_SET_ADDDEST(1159) error: Destination already exists(17) (10.0.0.1:tcp:80 -> 10.0.0.2:80)`.
pub fn keepalived_line(cmd: &Command, errno: i32) -> String {
    let (name, num) = sockopt_name(cmd);
    let what = match cmd {
        Command::NewService(s) | Command::SetService(s) => {
            format!(" ({})", fmt_service(&s.key))
        }
        Command::DelService(k) => format!(" ({})", fmt_service(k)),
        Command::NewDest(k, d) | Command::SetDest(k, d) => {
            format!(" ({}{})", fmt_service(k), fmt_dest(&d.key))
        }
        Command::DelDest(k, d) => format!(" ({}{})", fmt_service(k), fmt_dest(d)),
        _ => String::new(),
    };
    format!(
        "IPVS cmd {name}({num}) error: {}({errno}){what}",
        strerror(Some(cmd), errno)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::model::{Af, Dest, Forward, Service};

    fn svc() -> Service {
        Service {
            key: ServiceKey::Addr {
                proto: Proto::Tcp,
                addr: "10.0.0.1".parse().unwrap(),
                port: 80,
            },
            scheduler: "rr".into(),
            flags: 0,
            timeout: 0,
            netmask: 0xffff_ffff,
            pe_name: None,
        }
    }

    fn dest() -> Dest {
        Dest {
            key: DestKey {
                addr: "2001:db8::2".parse().unwrap(),
                port: 8080,
            },
            forward: Forward::Route,
            weight: 1,
            u_threshold: 0,
            l_threshold: 0,
        }
    }

    /// `ipvs_strerror()`: per-function texts first, then per-errno ones, then strerror(3).
    #[test]
    fn strerror_follows_keepalived_table() {
        let s = svc();
        let d = dest();
        let add = Command::NewService(s.clone());
        let edit = Command::SetService(s.clone());
        let del = Command::DelService(s.key);
        let add_d = Command::NewDest(s.key, d);
        let del_d = Command::DelDest(s.key, d.key);
        assert_eq!(strerror(Some(&add), libc::EEXIST), "Service already exists");
        assert_eq!(
            strerror(Some(&edit), libc::ENOENT),
            "Scheduler or persistence engine not found"
        );
        assert_eq!(strerror(Some(&add_d), libc::EEXIST), "Destination already exists");
        assert_eq!(strerror(Some(&del_d), libc::ENOENT), "No such destination");
        assert_eq!(strerror(Some(&del), libc::ESRCH), "No such service");
        assert_eq!(
            strerror(Some(&Command::DelDaemon { master: true }), libc::ESRCH),
            "No daemon is running"
        );
        assert_eq!(strerror(None, libc::EPERM), "Permission denied (you must be root)");
        assert_eq!(strerror(None, libc::EMSGSIZE), "Module is wrong version");
        // DEL_SERVICE's ENOENT has no keepalived text: strerror(3).
        assert_eq!(strerror(Some(&del), libc::ENOENT), "No such file or directory");
        assert_eq!(strerror(None, libc::EBUSY), "Device or resource busy");
    }

    /// `ipvs_talk()`'s log line, with `format_srule()`/`format_drule()`.
    #[test]
    fn keepalived_line_formats() {
        let s = svc();
        let d = dest();
        assert_eq!(
            keepalived_line(&Command::NewDest(s.key, d), libc::EEXIST),
            "IPVS cmd IP_VS_SO_SET_ADDDEST(1159) error: Destination already exists(17) \
             (10.0.0.1:tcp:80 -> 2001:db8::2:8080)"
        );
        assert_eq!(
            keepalived_line(
                &Command::DelService(ServiceKey::Fwmark { af: Af::Inet6, mark: 5 }),
                libc::ESRCH
            ),
            "IPVS cmd IP_VS_SO_SET_DEL(1156) error: No such service(3) (Fwm 5 inet6)"
        );
        assert_eq!(
            keepalived_line(&Command::Flush, libc::EPERM),
            "IPVS cmd IP_VS_SO_SET_FLUSH(1157) error: Permission denied (you must be root)(1)"
        );
    }

    /// `ipvs_talk()` treats adding what exists and deleting what is gone as success.
    #[test]
    fn ignored_errors() {
        let s = svc();
        assert!(keepalived_ignores(&Command::NewService(s.clone()), libc::EEXIST));
        assert!(keepalived_ignores(&Command::DelService(s.key), libc::ENOENT));
        assert!(!keepalived_ignores(&Command::DelService(s.key), libc::ESRCH));
        assert!(!keepalived_ignores(&Command::SetService(s), libc::EEXIST));
    }
}
