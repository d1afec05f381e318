//! Per-interface sysctls under `/proc/sys/net/ipv{4,6}/conf/`, read and written as
//! keepalived's `get_sysctl()` / `set_sysctl()` do (`vrrp_if_config.c`): single digits only.
//! The root is a parameter so tests can point it at a scratch directory.

use std::fs;
use std::io;
use std::path::PathBuf;

/// Access to `<root>/net/ipv4/conf/<if>/<param>` and friends.
#[derive(Clone, Debug)]
pub struct Sysctl {
    root: PathBuf,
}

impl Default for Sysctl {
    fn default() -> Self {
        Sysctl {
            root: PathBuf::from("/proc/sys"),
        }
    }
}

impl Sysctl {
    /// Sysctls under another root (tests).
    pub fn with_root(root: impl Into<PathBuf>) -> Self {
        Sysctl { root: root.into() }
    }

    fn path(&self, prefix: &str, iface: &str, param: &str) -> PathBuf {
        self.root.join(prefix).join(iface).join(param)
    }

    /// The value of `prefix/iface/param` (e.g. `net/ipv4/conf`, `eth0`, `arp_ignore`), or
    /// `None` if it cannot be read or does not start with a digit (keepalived reads one digit).
    pub fn get(&self, prefix: &str, iface: &str, param: &str) -> Option<u32> {
        let text = fs::read(self.path(prefix, iface, param)).ok()?;
        match text.first() {
            Some(c @ b'0'..=b'9') => Some(u32::from(c - b'0')),
            _ => None,
        }
    }

    /// Writes a single digit (keepalived only ever writes 0..9).
    pub fn set(&self, prefix: &str, iface: &str, param: &str, value: u32) -> io::Result<()> {
        if value > 9 {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "sysctl value above 9"));
        }
        fs::write(self.path(prefix, iface, param), value.to_string())
    }

    /// `get()` under `net/ipv4/conf`.
    pub fn ipv4(&self, iface: &str, param: &str) -> Option<u32> {
        self.get("net/ipv4/conf", iface, param)
    }

    /// `set()` under `net/ipv4/conf`.
    pub fn set_ipv4(&self, iface: &str, param: &str, value: u32) -> io::Result<()> {
        self.set("net/ipv4/conf", iface, param, value)
    }

    /// `set()` under `net/ipv6/conf`.
    pub fn set_ipv6(&self, iface: &str, param: &str, value: u32) -> io::Result<()> {
        self.set("net/ipv6/conf", iface, param, value)
    }

    /// The interface directories under `net/ipv4/conf` other than `all` and `default`.
    pub fn ipv4_interfaces(&self) -> Vec<String> {
        let Ok(dir) = fs::read_dir(self.root.join("net/ipv4/conf")) else {
            return Vec::new();
        };
        let mut v: Vec<String> = dir
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n != "all" && n != "default")
            .collect();
        v.sort();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// get_sysctl() reads one leading digit; anything else is unreadable.
    #[test]
    fn single_digit_semantics() {
        let d = tempfile::tempdir().unwrap();
        let s = Sysctl::with_root(d.path());
        fs::create_dir_all(d.path().join("net/ipv4/conf/eth0")).unwrap();
        fs::write(d.path().join("net/ipv4/conf/eth0/arp_ignore"), "2\n").unwrap();
        fs::write(d.path().join("net/ipv4/conf/eth0/x"), "abc").unwrap();
        assert_eq!(s.ipv4("eth0", "arp_ignore"), Some(2));
        assert_eq!(s.ipv4("eth0", "x"), None);
        assert_eq!(s.ipv4("eth0", "missing"), None);
        s.set_ipv4("eth0", "arp_ignore", 1).unwrap();
        assert_eq!(s.ipv4("eth0", "arp_ignore"), Some(1));
        assert!(s.set_ipv4("eth0", "arp_ignore", 10).is_err());
        assert_eq!(s.ipv4_interfaces(), vec!["eth0".to_string()]);
    }
}
