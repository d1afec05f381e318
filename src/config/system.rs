//! Facts about the host that keepalived consults while loading a configuration: interfaces,
//! users and groups, the node name, and script files. A trait, so validation can be tested
//! without root or a particular host.

use std::ffi::{CStr, CString};

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
}
