//! Names of routing tables, protocols, scopes, realms, DS fields and interface groups, as
//! keepalived's `lib/rttables.c` reads them: a number (C `strtoul` base 0, truncated to 32 bits)
//! or a name from `/etc/iproute2/<file>` followed by keepalived's built-in names.

use crate::config::cnum::{is_c_space, strtoul};
use crate::config::system::System;

/// One of the name files keepalived consults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RtKind {
    /// `rt_tables`: route and rule tables.
    Table,
    /// `rt_dsfield`: `tos`/`dsfield` values.
    Dsfield,
    /// `rt_realms`.
    Realms,
    /// `rt_protos`: route protocols.
    Protos,
    /// `rt_scopes`.
    Scopes,
    /// `group`: interface groups (`suppress_ifgroup`).
    Groups,
}

const ALL: [RtKind; 6] = [
    RtKind::Table,
    RtKind::Dsfield,
    RtKind::Realms,
    RtKind::Protos,
    RtKind::Scopes,
    RtKind::Groups,
];

impl RtKind {
    fn index(self) -> usize {
        ALL.iter().position(|k| *k == self).unwrap_or(0)
    }

    /// The file keepalived reads.
    pub fn file(self) -> &'static str {
        match self {
            RtKind::Table => "/etc/iproute2/rt_tables",
            RtKind::Dsfield => "/etc/iproute2/rt_dsfield",
            RtKind::Realms => "/etc/iproute2/rt_realms",
            RtKind::Protos => "/etc/iproute2/rt_protos",
            RtKind::Scopes => "/etc/iproute2/rt_scopes",
            RtKind::Groups => "/etc/iproute2/group",
        }
    }

    /// The largest valid id.
    pub fn max(self) -> u32 {
        match self {
            RtKind::Table => u32::MAX,
            RtKind::Groups => i32::MAX as u32,
            _ => 255,
        }
    }

    /// keepalived's built-in names, added for ids the file does not name.
    pub fn defaults(self) -> &'static [(u32, &'static str)] {
        match self {
            RtKind::Table => &[(253, "default"), (254, "main"), (255, "local")],
            RtKind::Protos => &[
                (0, "none"),
                (1, "redirect"),
                (2, "kernel"),
                (3, "boot"),
                (4, "static"),
                (8, "gated"),
                (9, "ra"),
                (10, "mrt"),
                (11, "zebra"),
                (12, "bird"),
                (42, "babel"),
                (13, "dnrouted"),
                (14, "xorp"),
                (15, "ntk"),
                (16, "dhcp"),
            ],
            RtKind::Scopes => &[
                (0, "global"),
                (255, "nowhere"),
                (254, "host"),
                (253, "link"),
                (200, "site"),
            ],
            _ => &[],
        }
    }
}

/// The name lists, each read once when first needed (keepalived's `initialise_list()`).
#[derive(Debug, Default)]
pub struct RtNames {
    lists: [Option<Vec<(u32, String)>>; 6],
}

/// Splits a line as keepalived's `alloc_strvec_r()` does: blanks separate words, a `"..."` is
/// one word. No comment handling: `# x` is two words and is dropped because `#` is no number.
fn strvec(line: &str) -> Vec<&str> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && is_c_space(b[i]) {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        if b[i] == b'"' {
            let start = i + 1;
            match line[start..].find('"') {
                Some(len) => {
                    out.push(&line[start..start + len]);
                    i = start + len + 1;
                }
                None => break,
            }
        } else {
            let start = i;
            while i < b.len() && !is_c_space(b[i]) && b[i] != b'"' {
                i += 1;
            }
            out.push(&line[start..i]);
        }
    }
    out
}

/// keepalived's `read_file()` + `add_default()`: `ID NAME` lines (exactly two words, ID a number
/// up to `max`), read as `fgets()` with a 128-byte buffer does, then the built-in names whose id
/// the file did not use.
pub fn parse_list(text: &str, max: u32, defaults: &[(u32, &str)]) -> Vec<(u32, String)> {
    let mut list: Vec<(u32, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        // fgets() with a 128-byte buffer returns long lines in 127-byte pieces.
        let bytes = line.as_bytes();
        for piece in bytes.chunks(127) {
            let piece = String::from_utf8_lossy(piece);
            let words = strvec(&piece);
            if words.len() != 2 {
                continue;
            }
            let number = words[0].trim_start_matches([' ', '\t']);
            let r = strtoul(number, 0);
            if number.starts_with('-') || !r.whole(number) || r.value > max as u64 {
                continue;
            }
            list.push((r.value as u32, words[1].to_string()));
        }
    }
    for (id, name) in defaults {
        if !list.iter().any(|(i, _)| i == id) {
            list.push((*id, (*name).to_string()));
        }
    }
    list
}

impl RtNames {
    fn list(&mut self, kind: RtKind, sys: &dyn System) -> &[(u32, String)] {
        self.lists[kind.index()].get_or_insert_with(|| {
            let text = sys.read_file(kind.file()).unwrap_or_default();
            parse_list(&text, kind.max(), kind.defaults())
        })
    }

    /// keepalived's `find_entry()`: the id of a number or a name.
    pub fn find(&mut self, kind: RtKind, name: &str, sys: &dyn System) -> Option<u32> {
        let r = strtoul(name, 0);
        if r.whole(name) {
            // C stores the unsigned long into an unsigned int before comparing.
            let id = r.value as u32;
            return (id <= kind.max()).then_some(id);
        }
        self.list(kind, sys).iter().find(|(_, n)| n == name).map(|(id, _)| *id)
    }

    /// keepalived's `get_entry()`: the name of an id, or the number.
    pub fn name(&mut self, kind: RtKind, id: u32, sys: &dyn System) -> String {
        self.list(kind, sys)
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| id.to_string())
    }
}

/// keepalived's fixed route type names (`rtntypes[]`), in its order.
const RTNTYPES: &[(u8, &str)] = &[
    (2, "local"),
    (10, "nat"),
    (3, "broadcast"),
    (3, "brd"),
    (4, "anycast"),
    (5, "multicast"),
    (8, "prohibit"),
    (7, "unreachable"),
    (6, "blackhole"),
    (11, "xresolve"),
    (1, "unicast"),
    (9, "throw"),
];

/// keepalived's `find_rttables_rtntype()`: a route type name or a number up to 255.
pub fn find_rtntype(s: &str) -> Option<u8> {
    if let Some((id, _)) = RTNTYPES.iter().find(|(_, n)| *n == s) {
        return Some(*id);
    }
    let r = strtoul(s, 0);
    // C checks only `*end`: an empty string is type 0.
    if r.end != s.len() || r.value > 255 || s.starts_with('-') {
        return None;
    }
    Some(r.value as u8)
}

/// keepalived's `get_rttables_rtntype()`: the name of a route type, or its number.
pub fn rtntype_name(t: u8) -> String {
    RTNTYPES
        .iter()
        .find(|(id, _)| *id == t)
        .map(|(_, n)| (*n).to_string())
        .unwrap_or_else(|| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLES: &str = "#\n# reserved values\n#\n255\tlocal\n254\tmain\n253\tdefault\n0\tunspec\n#\n#1\tinr.ruhep\n100 \"my table\"\n0x65 hex\n300 big\n";

    #[test]
    fn file_then_defaults() {
        let l = parse_list(TABLES, u32::MAX, RtKind::Table.defaults());
        let get = |n: &str| l.iter().find(|(_, x)| x == n).map(|(i, _)| *i);
        assert_eq!(get("main"), Some(254));
        assert_eq!(get("unspec"), Some(0));
        assert_eq!(get("my table"), Some(100));
        assert_eq!(get("hex"), Some(0x65));
        assert_eq!(get("inr.ruhep"), None, "# lines are not numbers");
        let l = parse_list("300 big\n", 255, &[]);
        assert!(l.is_empty(), "ids above max are dropped");
    }

    #[test]
    fn defaults_only_for_unused_ids() {
        let l = parse_list("254 mymain\n", u32::MAX, RtKind::Table.defaults());
        assert!(l.contains(&(254, "mymain".into())));
        assert!(!l.iter().any(|(_, n)| n == "main"));
        assert!(l.contains(&(253, "default".into())));
    }

    #[test]
    fn long_lines_are_split_like_fgets() {
        let long = format!("5 {}\n", "x".repeat(200));
        let l = parse_list(&long, 255, &[]);
        assert_eq!(l.len(), 1);
        assert_eq!(l[0].1.len(), 125, "the name is cut where fgets() stopped");
    }

    #[test]
    fn numbers_are_truncated_like_c() {
        struct NoFiles;
        impl System for NoFiles {
            fn interface_exists(&self, _: &str) -> bool {
                false
            }
            fn user(&self, _: &str) -> Option<crate::config::system::UserInfo> {
                None
            }
            fn group(&self, _: &str) -> Option<u32> {
                None
            }
            fn nodename(&self) -> String {
                String::new()
            }
            fn stat(&self, _: &str) -> Option<crate::config::system::FileStat> {
                None
            }
            fn lstat(&self, _: &str) -> Option<crate::config::system::FileStat> {
                None
            }
            fn realpath(&self, _: &str) -> Option<String> {
                None
            }
            fn path_env(&self) -> Option<String> {
                None
            }
            fn read_file(&self, _: &str) -> Option<String> {
                None
            }
        }
        let mut n = RtNames::default();
        assert_eq!(n.find(RtKind::Table, "-1", &NoFiles), Some(u32::MAX));
        assert_eq!(n.find(RtKind::Table, "4294967296", &NoFiles), Some(0));
        assert_eq!(n.find(RtKind::Dsfield, "256", &NoFiles), None);
        assert_eq!(n.find(RtKind::Dsfield, "0x10", &NoFiles), Some(16));
        assert_eq!(n.find(RtKind::Table, "main", &NoFiles), Some(254));
        assert_eq!(n.find(RtKind::Scopes, "link", &NoFiles), Some(253));
        assert_eq!(n.find(RtKind::Protos, "keepalived", &NoFiles), None);
        assert_eq!(n.find(RtKind::Realms, "cosmos", &NoFiles), None);
        assert_eq!(n.name(RtKind::Scopes, 200, &NoFiles), "site");
        assert_eq!(n.name(RtKind::Scopes, 7, &NoFiles), "7");
    }

    #[test]
    fn route_types() {
        assert_eq!(find_rtntype("blackhole"), Some(6));
        assert_eq!(find_rtntype("brd"), Some(3));
        assert_eq!(find_rtntype("12"), Some(12));
        assert_eq!(find_rtntype("256"), None);
        assert_eq!(find_rtntype("10.0.0.0/8"), None);
        assert_eq!(rtntype_name(3), "broadcast");
        assert_eq!(rtntype_name(0), "0");
    }
}
