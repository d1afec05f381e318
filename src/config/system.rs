//! Facts about the host that keepalived consults while loading a configuration: interfaces,
//! users and groups, the node name, and script files. A trait, so validation can be tested
//! without root or a particular host.

use std::ffi::{CStr, CString};
use std::net::IpAddr;

/// A user account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserInfo {
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
}

/// The parts of `struct stat` keepalived's checks use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileStat {
    /// `st_mode`.
    pub mode: u32,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Device.
    pub dev: u64,
    /// Inode.
    pub ino: u64,
}

/// What the configuration loader may ask of the host.
pub trait System {
    /// Whether a network interface of that name exists (in the current network namespace).
    fn interface_exists(&self, name: &str) -> bool;
    /// The user's ids.
    fn user(&self, name: &str) -> Option<UserInfo>;
    /// A group's id.
    fn group(&self, name: &str) -> Option<u32>;
    /// The node name (`uname -n`).
    fn nodename(&self) -> String;
    /// File metadata following symlinks, or `None` if it cannot be read.
    fn stat(&self, path: &str) -> Option<FileStat>;
    /// File metadata without following symlinks.
    fn lstat(&self, path: &str) -> Option<FileStat>;
    /// The canonical path (symlinks resolved).
    fn realpath(&self, path: &str) -> Option<String>;
    /// The search path used to find scripts given without a `/`.
    fn path_env(&self) -> Option<String>;
    /// keepalived's `get_local_name()`: the canonical name of the node name
    /// (`getaddrinfo(nodename, AI_CANONNAME)`), or `None` if it cannot be resolved.
    fn local_name(&self) -> Option<String> {
        let n = self.nodename();
        (!n.is_empty()).then_some(n)
    }
    /// The first address `getaddrinfo(name, NULL, NULL)` gives (keepalived's
    /// `domain_stosockaddr()`), or `None`.
    fn resolve_host(&self, name: &str) -> Option<IpAddr> {
        name.parse().ok()
    }
    /// The name of the user we run as (`getpwuid(getuid())`).
    fn current_user_name(&self) -> Option<String> {
        None
    }
    /// Number of online CPUs (`sysconf(_SC_NPROCESSORS_ONLN)`).
    fn online_cpus(&self) -> u32 {
        1
    }
    /// A host file's text (`/etc/iproute2/rt_tables`, `/etc/protocols`), or `None` if it cannot
    /// be read. Defaults to reading the real file, so test doubles only override it when needed.
    fn read_file(&self, path: &str) -> Option<String> {
        std::fs::read(path)
            .ok()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
    }
}

/// The real host.
#[derive(Clone, Copy, Debug, Default)]
pub struct RealSystem;

fn cstr(s: &str) -> Option<CString> {
    CString::new(s).ok()
}

fn stat_with(path: &str, follow: bool) -> Option<FileStat> {
    let c = cstr(path)?;
    // SAFETY: c is a valid C string and st a properly sized buffer.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    let r = unsafe {
        if follow {
            libc::stat(c.as_ptr(), &mut st)
        } else {
            libc::lstat(c.as_ptr(), &mut st)
        }
    };
    (r == 0).then_some(FileStat {
        mode: st.st_mode,
        uid: st.st_uid,
        gid: st.st_gid,
        dev: st.st_dev,
        ino: st.st_ino,
    })
}

impl System for RealSystem {
    fn interface_exists(&self, name: &str) -> bool {
        let Some(c) = cstr(name) else { return false };
        // SAFETY: valid C string.
        unsafe { libc::if_nametoindex(c.as_ptr()) != 0 }
    }

    fn user(&self, name: &str) -> Option<UserInfo> {
        let c = cstr(name)?;
        let mut buf = vec![0 as libc::c_char; 16384];
        // SAFETY: getpwnam_r writes into pwd and buf, both owned here.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut out: *mut libc::passwd = std::ptr::null_mut();
        let r = unsafe { libc::getpwnam_r(c.as_ptr(), &mut pwd, buf.as_mut_ptr(), buf.len(), &mut out) };
        (r == 0 && !out.is_null()).then_some(UserInfo {
            uid: pwd.pw_uid,
            gid: pwd.pw_gid,
        })
    }

    fn group(&self, name: &str) -> Option<u32> {
        let c = cstr(name)?;
        let mut buf = vec![0 as libc::c_char; 16384];
        // SAFETY: getgrnam_r writes into grp and buf, both owned here.
        let mut grp: libc::group = unsafe { std::mem::zeroed() };
        let mut out: *mut libc::group = std::ptr::null_mut();
        let r = unsafe { libc::getgrnam_r(c.as_ptr(), &mut grp, buf.as_mut_ptr(), buf.len(), &mut out) };
        (r == 0 && !out.is_null()).then_some(grp.gr_gid)
    }

    fn nodename(&self) -> String {
        // SAFETY: uname fills the struct.
        let mut u: libc::utsname = unsafe { std::mem::zeroed() };
        if unsafe { libc::uname(&mut u) } != 0 {
            return String::new();
        }
        // SAFETY: nodename is NUL-terminated by uname.
        unsafe { CStr::from_ptr(u.nodename.as_ptr()) }
            .to_string_lossy()
            .into_owned()
    }

    fn stat(&self, path: &str) -> Option<FileStat> {
        stat_with(path, true)
    }

    fn lstat(&self, path: &str) -> Option<FileStat> {
        stat_with(path, false)
    }

    fn realpath(&self, path: &str) -> Option<String> {
        std::fs::canonicalize(path)
            .ok()
            .map(|p| p.to_string_lossy().into_owned())
    }

    fn path_env(&self) -> Option<String> {
        std::env::var("PATH").ok()
    }

    fn local_name(&self) -> Option<String> {
        let node = cstr(&self.nodename())?;
        // SAFETY: hints is zeroed as getaddrinfo requires; res is freed below.
        let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
        hints.ai_flags = libc::AI_CANONNAME;
        let mut res: *mut libc::addrinfo = std::ptr::null_mut();
        if unsafe { libc::getaddrinfo(node.as_ptr(), std::ptr::null(), &hints, &mut res) } != 0 {
            return None;
        }
        // SAFETY: res is a valid list from getaddrinfo; ai_canonname is NUL-terminated if set.
        unsafe {
            let canon = if res.is_null() {
                std::ptr::null()
            } else {
                (*res).ai_canonname
            };
            let n = (!canon.is_null()).then(|| CStr::from_ptr(canon).to_string_lossy().into_owned());
            if !res.is_null() {
                libc::freeaddrinfo(res);
            }
            n
        }
    }

    fn resolve_host(&self, name: &str) -> Option<IpAddr> {
        let c = cstr(name)?;
        let mut res: *mut libc::addrinfo = std::ptr::null_mut();
        // SAFETY: valid C string, no hints; res is freed below.
        if unsafe { libc::getaddrinfo(c.as_ptr(), std::ptr::null(), std::ptr::null(), &mut res) } != 0 || res.is_null()
        {
            return None;
        }
        // SAFETY: res is a valid list; ai_addr points at a sockaddr of ai_family.
        unsafe {
            let ai = &*res;
            let a = match ai.ai_family {
                libc::AF_INET => {
                    let sin = &*(ai.ai_addr as *const libc::sockaddr_in);
                    Some(IpAddr::from(u32::from_be(sin.sin_addr.s_addr).to_be_bytes()))
                }
                libc::AF_INET6 => {
                    let sin6 = &*(ai.ai_addr as *const libc::sockaddr_in6);
                    Some(IpAddr::from(sin6.sin6_addr.s6_addr))
                }
                _ => None,
            };
            libc::freeaddrinfo(res);
            a
        }
    }

    fn current_user_name(&self) -> Option<String> {
        let mut buf = vec![0 as libc::c_char; 16384];
        // SAFETY: getpwuid_r writes into pwd and buf, both owned here.
        let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
        let mut out: *mut libc::passwd = std::ptr::null_mut();
        let r = unsafe { libc::getpwuid_r(libc::getuid(), &mut pwd, buf.as_mut_ptr(), buf.len(), &mut out) };
        if r != 0 || out.is_null() {
            return None;
        }
        // SAFETY: pw_name is NUL-terminated inside buf.
        Some(unsafe { CStr::from_ptr(pwd.pw_name) }.to_string_lossy().into_owned())
    }

    fn online_cpus(&self) -> u32 {
        // SAFETY: sysconf has no preconditions.
        let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
        n.max(1) as u32
    }
}

/// A host described in advance (interfaces, users, node name), for tests and fuzzing; scripts
/// are looked up on the real file system, and name tables (`/etc/iproute2/*`, `/etc/protocols`)
/// too unless `host_files` fixes them.
#[derive(Clone, Debug, Default)]
pub struct FixedSystem {
    /// Interfaces that exist.
    pub interfaces: Vec<String>,
    /// Users: (name, uid, gid).
    pub users: Vec<(String, u32, u32)>,
    /// Groups: (name, gid).
    pub groups: Vec<(String, u32)>,
    /// Node name.
    pub nodename: String,
    /// When set, the only host files `read_file` finds: (path, text).
    pub host_files: Option<Vec<(String, String)>>,
}

impl FixedSystem {
    /// eth0..eth3 and lo, the users root and nobody, node name `lb1.example.net`.
    pub fn typical() -> Self {
        FixedSystem {
            interfaces: (0..4).map(|i| format!("eth{i}")).chain(["lo".to_string()]).collect(),
            users: vec![("root".into(), 0, 0), ("nobody".into(), 65534, 65534)],
            groups: vec![("root".into(), 0), ("nogroup".into(), 65534)],
            nodename: "lb1.example.net".into(),
            host_files: None,
        }
    }

    /// [`FixedSystem::typical`] with exactly these host files (the name tables of the tests).
    pub fn with_host_files(files: &[(&str, &str)]) -> Self {
        FixedSystem {
            host_files: Some(files.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect()),
            ..FixedSystem::typical()
        }
    }
}

impl System for FixedSystem {
    fn interface_exists(&self, name: &str) -> bool {
        self.interfaces.iter().any(|i| i == name)
    }
    fn user(&self, name: &str) -> Option<UserInfo> {
        self.users
            .iter()
            .find(|u| u.0 == name)
            .map(|u| UserInfo { uid: u.1, gid: u.2 })
    }
    fn group(&self, name: &str) -> Option<u32> {
        self.groups.iter().find(|g| g.0 == name).map(|g| g.1)
    }
    fn nodename(&self) -> String {
        self.nodename.clone()
    }
    // Files are the real ones: scripts like /bin/true exist everywhere the tests run, and
    // looking at them has no side effect.
    fn stat(&self, path: &str) -> Option<FileStat> {
        RealSystem.stat(path)
    }
    fn lstat(&self, path: &str) -> Option<FileStat> {
        RealSystem.lstat(path)
    }
    fn realpath(&self, path: &str) -> Option<String> {
        RealSystem.realpath(path)
    }
    fn path_env(&self) -> Option<String> {
        Some("/usr/sbin:/usr/bin:/sbin:/bin".into())
    }
    fn read_file(&self, path: &str) -> Option<String> {
        match &self.host_files {
            Some(files) => files.iter().find(|(p, _)| p == path).map(|(_, t)| t.clone()),
            None => RealSystem.read_file(path),
        }
    }
}

/// This machine (users, files, names), but with a given set of network interfaces: the
/// conditions of keepalived's `-t` oracle runs, without needing a network namespace.
#[derive(Clone, Debug, Default)]
pub struct HostWithInterfaces {
    /// Interfaces that exist.
    pub interfaces: Vec<String>,
}

impl HostWithInterfaces {
    /// This machine with eth0..eth3.
    pub fn eth0_to_eth3() -> Self {
        HostWithInterfaces {
            interfaces: (0..4).map(|i| format!("eth{i}")).collect(),
        }
    }
}

impl System for HostWithInterfaces {
    fn interface_exists(&self, name: &str) -> bool {
        self.interfaces.iter().any(|i| i == name)
    }
    fn user(&self, name: &str) -> Option<UserInfo> {
        RealSystem.user(name)
    }
    fn group(&self, name: &str) -> Option<u32> {
        RealSystem.group(name)
    }
    fn nodename(&self) -> String {
        RealSystem.nodename()
    }
    fn stat(&self, path: &str) -> Option<FileStat> {
        RealSystem.stat(path)
    }
    fn lstat(&self, path: &str) -> Option<FileStat> {
        RealSystem.lstat(path)
    }
    fn realpath(&self, path: &str) -> Option<String> {
        RealSystem.realpath(path)
    }
    fn path_env(&self) -> Option<String> {
        RealSystem.path_env()
    }
    fn local_name(&self) -> Option<String> {
        RealSystem.local_name()
    }
    fn resolve_host(&self, name: &str) -> Option<std::net::IpAddr> {
        RealSystem.resolve_host(name)
    }
    fn current_user_name(&self) -> Option<String> {
        RealSystem.current_user_name()
    }
    fn online_cpus(&self) -> u32 {
        RealSystem.online_cpus()
    }
}
