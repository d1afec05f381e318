//! The text keepalived's `-d` dump prints for an address, a route and a rule
//! (`format_ipaddress()`, `format_iproute()`, `format_iprule()`), for every family's dumps.
//! Runtime-only parts (`set`, `[installed ifindex N]`) are not part of a loaded configuration.

use std::fmt::Write;
use std::net::IpAddr;

use super::helpers::{mpls_entries, unspecified};
use super::route::inet_word;
use super::rttables::rtntype_name;
use crate::config::cnum::fmt_g;
use crate::config::model::net::{
    Broadcast, Encap, EncapKind, IFA_F_HOMEADDRESS, IFA_F_MANAGETEMPADDR, IFA_F_MCAUTOJOIN, IFA_F_NODAD,
    IFA_F_NOPREFIXROUTE, INFINITY_LIFE_TIME, IpAddress, Metric, RT_TABLE_MAIN, Route, RouteMode, Rule, RuleAction,
};

/// keepalived's `MAX_LOG_MSG`.
const MAX_LOG_MSG: usize = 255;

/// keepalived's `ipaddresstos()`: the address, with `/LEN` unless it is a host prefix.
pub fn prefix_text(addr: &IpAddr, len: u8) -> String {
    let max = if addr.is_ipv6() { 128 } else { 32 };
    if len == max {
        addr.to_string()
    } else {
        format!("{addr}/{len}")
    }
}

/// Cuts a C buffer's text at `size - 1` bytes (snprintf truncation).
fn truncate(mut s: String, size: usize) -> String {
    if s.len() >= size {
        let mut end = size - 1;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

/// A log line as keepalived's console logger writes it (at most `2 * MAX_LOG_MSG` bytes).
fn log_line(s: String) -> String {
    truncate(s, 2 * MAX_LOG_MSG + 1)
}

impl IpAddress {
    /// keepalived's `format_ipaddress()` with this address's `dev`.
    pub fn dump_text(&self) -> String {
        self.dump_text_on(self.dev.as_deref().unwrap_or("(null)"), None)
    }

    /// keepalived's `format_ipaddress()` for an address on interface `dev`, which is a VMAC or
    /// similar on `base` when given (printed as `dev vrrp.51@eth0`).
    pub fn dump_text_on(&self, dev: &str, base: Option<&str>) -> String {
        let mut s = prefix_text(&self.addr, self.prefix_len);
        if let (false, Broadcast::Addr(b)) = (self.is_ipv6(), self.broadcast) {
            let _ = write!(s, " brd {b}");
        }
        let _ = write!(s, " dev {dev}");
        if let Some(b) = base {
            let _ = write!(s, "@{b}");
        }
        if self.use_vmac {
            s.push_str(" use_vmac");
        }
        let _ = write!(s, " scope {}", self.scope.name());
        if let Some(l) = &self.label {
            let _ = write!(s, " label {l}");
        }
        if let Some(p) = &self.peer {
            let _ = write!(s, " peer {p}/{}", self.prefix_len);
        }
        if self.flags & IFA_F_HOMEADDRESS != 0 {
            s.push_str(" home");
        }
        if self.flagmask & IFA_F_NODAD != 0 {
            s.push_str(" -nodad");
        }
        if self.flags & IFA_F_MANAGETEMPADDR != 0 {
            s.push_str(" mngtmpaddr");
        }
        if self.flags & IFA_F_NOPREFIXROUTE != 0 {
            s.push_str(" noprefixroute");
        }
        if self.flags & IFA_F_MCAUTOJOIN != 0 {
            s.push_str(" autojoin");
        }
        if self.no_track {
            s.push_str(" no_track");
        }
        if let Some(g) = &self.track_group {
            let _ = write!(s, " track_group {g}");
        }
        if self.is_ipv6() {
            match self.preferred_lft.unwrap_or(0) {
                0 => s.push_str(" deprecated"),
                INFINITY_LIFE_TIME => s.push_str(" preferred_lft forever"),
                n => {
                    let _ = write!(s, " preferred_lft {n}");
                }
            }
        }
        truncate(s, 256)
    }

    /// The `-d` dump line (`dump_ipaddress()`).
    pub fn dump_line(&self) -> String {
        log_line(format!("     {}", self.dump_text()))
    }

    /// The `-d` dump line for an address on interface `dev` (a VMAC on `base` when given).
    pub fn dump_line_on(&self, dev: &str, base: Option<&str>) -> String {
        log_line(format!("     {}", self.dump_text_on(dev, base)))
    }
}

fn encap_text(s: &mut String, e: &Encap) {
    match e.kind {
        EncapKind::Mpls => {
            s.push_str(" encap mpls");
            if !e.labels.is_empty() {
                s.push(' ');
                s.push_str(&mpls_entries(&e.labels));
            }
        }
        EncapKind::Ila => {
            let _ = write!(s, " encap ila {}", e.locator);
        }
        EncapKind::Ip | EncapKind::Ip6 => {
            let v6 = e.kind == EncapKind::Ip6;
            s.push_str(if v6 { " encap ip6" } else { " encap ip" });
            if let Some(id) = e.id {
                let _ = write!(s, " id {id}");
            }
            if let Some(d) = &e.dst {
                let _ = write!(s, " dst {d}");
            }
            if let Some(a) = &e.src {
                let _ = write!(s, " src {a}");
            }
            if let Some(t) = e.tos {
                let _ = write!(s, " {} {t}", if v6 { "tc" } else { "tos" });
            }
            if let Some(t) = e.ttl {
                let _ = write!(s, " {} {t}", if v6 { "hoplimit" } else { "ttl" });
            }
            if let Some(f) = e.flags {
                let _ = write!(s, " flags 0x{f:x}");
            }
        }
    }
}

fn lock_word(m: &Metric) -> &'static str {
    if m.lock { "lock " } else { "" }
}

/// `realms` as keepalived prints them: `realms FROM/TO`, or `realm TO` when FROM is 0.
/// `pick` is the value whose upper half decides the form (keepalived uses the route's for next
/// hops too).
fn realms_text(s: &mut String, pick: u32, realms: u32) {
    if pick & 0xffff_0000 != 0 {
        let _ = write!(s, " realms {}/", realms >> 16);
    } else {
        s.push_str(" realm ");
    }
    let _ = write!(s, "{}", realms & 0xffff);
}

impl Route {
    /// keepalived's `format_iproute()`.
    pub fn dump_text(&self) -> String {
        let o = &self.options;
        let mut s = String::new();
        s.push_str(match o.mode {
            RouteMode::Add => "add ",
            RouteMode::Append => "append ",
            RouteMode::Prepend => "prepend ",
        });
        if let Some(t) = self.route_type {
            let _ = write!(s, "{} ", rtntype_name(t.0));
        }
        let (da, dl) = self.dst.unwrap_or((unspecified(self.family), 0));
        s.push_str(&prefix_text(&da, dl));
        if let Some((a, l)) = &self.src {
            let _ = write!(s, " from {}", prefix_text(a, *l));
        }
        if let Some(a) = &self.pref_src {
            let _ = write!(s, " src {a}");
        }
        if let Some(t) = o.tos {
            let _ = write!(s, " tos {t}");
        }
        if let Some(e) = &o.encap {
            encap_text(&mut s, e);
        }
        if let Some(v) = &self.via {
            let _ = write!(s, " via {} {v}", inet_word(v));
        }
        if let Some(d) = &self.dev {
            let _ = write!(s, " dev {d}");
        }
        let table = self.table.unwrap_or(RT_TABLE_MAIN);
        if table != RT_TABLE_MAIN {
            let _ = write!(s, " table {table}");
        }
        if let Some(pr) = self.protocol {
            let _ = write!(s, " proto {pr}");
        }
        if let Some(sc) = self.scope {
            let _ = write!(s, " scope {}", sc.number());
        }
        if let Some(m) = self.metric {
            let _ = write!(s, " metric {m}");
        }
        if self.family == 4 && o.onlink {
            s.push_str(" onlink");
        }
        if o.realms != 0 {
            realms_text(&mut s, o.realms, o.realms);
        }
        if let Some(e) = o.expires {
            let _ = write!(s, " expires {e}sec");
        }
        if let Some(c) = &o.congctl {
            // keepalived's format puts "lock " after the name.
            let _ = write!(s, " congctl {c}{}", if o.congctl_lock { "lock " } else { "" });
        }
        if let Some(m) = &o.rtt {
            let _ = write!(s, " rtt{} ", if m.lock { " lock" } else { "" });
            if m.value >= 8000 {
                let _ = write!(s, "{}s", fmt_g(m.value as f64 / 8000.0));
            } else {
                let _ = write!(s, "{}ms", fmt_g(m.value as f64 / 8.0));
            }
        }
        if let Some(m) = &o.rttvar {
            let _ = write!(s, " rttvar{} ", if m.lock { " lock" } else { "" });
            if m.value >= 4000 {
                let _ = write!(s, "{}s", fmt_g(m.value as f64 / 4000.0));
            } else {
                let _ = write!(s, "{}ms", fmt_g(m.value as f64 / 4.0));
            }
        }
        if let Some(m) = &o.rto_min {
            let _ = write!(s, " rto_min{} ", if m.lock { " lock" } else { "" });
            if m.value >= 1000 {
                let _ = write!(s, "{}s", fmt_g(m.value as f64 / 1000.0));
            } else {
                let _ = write!(s, "{}ms", m.value);
            }
        }
        if o.features_ecn {
            s.push_str(" features ecn");
        }
        if let Some(m) = &o.mtu {
            let _ = write!(s, " mtu {}{}", lock_word(m), m.value);
        }
        if let Some(v) = o.window {
            let _ = write!(s, " window {v}");
        }
        if let Some(m) = &o.ssthresh {
            let _ = write!(s, " ssthresh {}{}", lock_word(m), m.value);
        }
        if let Some(m) = &o.cwnd {
            let _ = write!(s, " cwnd {}{}", lock_word(m), m.value);
        }
        if let Some(m) = &o.advmss {
            let _ = write!(s, " advmss {}{}", lock_word(m), m.value);
        }
        if let Some(m) = &o.reordering {
            let _ = write!(s, " reordering {}{}", lock_word(m), m.value);
        }
        if let Some(v) = o.hoplimit {
            let _ = write!(s, " hoplimit {v}");
        }
        if let Some(v) = o.initcwnd {
            let _ = write!(s, " initcwnd {v}");
        }
        if let Some(v) = o.initrwnd {
            let _ = write!(s, " initrwnd {v}");
        }
        if let Some(v) = o.quickack {
            let _ = write!(s, " quickack {v}");
        }
        if let Some(v) = o.pref {
            let name = match v {
                3 => "low",
                0 => "medium",
                1 => "high",
                _ => "unknown",
            };
            let _ = write!(s, " pref {name}");
        }
        if let Some(v) = o.fastopen_no_cookie {
            let _ = write!(s, " fastopen_no_cookie {}", v as u8);
        }
        if let Some(v) = o.ttl_propagate {
            let _ = write!(s, " ttl-propagate {}abled", if v { "en" } else { "dis" });
        }
        for nh in &self.nexthops {
            s.push_str(" nexthop");
            if let Some(v) = &nh.via {
                let _ = write!(s, " via inet{} {v}", if v.is_ipv6() { "6" } else { "" });
            }
            if let Some(d) = &nh.dev {
                let _ = write!(s, " dev {d}");
            }
            if let Some(w) = nh.weight {
                let _ = write!(s, " weight {w}");
            }
            if nh.onlink {
                s.push_str(" onlink");
            }
            if nh.realms != 0 {
                realms_text(&mut s, o.realms, nh.realms);
            }
            if let Some(e) = &nh.encap {
                encap_text(&mut s, e);
            }
        }
        if self.no_track {
            s.push_str(" no_track");
        }
        if let Some(g) = &self.track_group {
            let _ = write!(s, " track_group {g}");
        }
        truncate(s, 1024)
    }

    /// The `-d` dump lines (`dump_iproute()` to the log): a long route is printed again from
    /// every 250th, then 248th, character on a further line.
    pub fn dump_lines(&self) -> Vec<String> {
        let text = self.dump_text();
        let mut out = Vec::new();
        let mut i = 0;
        while i < text.len() {
            let indent = if i == 0 { 5 } else { 6 };
            let rest = text.get(i..).unwrap_or("");
            out.push(log_line(format!("{:indent$}{rest}", "")));
            i += if i == 0 { MAX_LOG_MSG - 5 } else { MAX_LOG_MSG - 7 };
        }
        out
    }
}

impl Rule {
    /// keepalived's `format_iprule()`.
    pub fn dump_text(&self) -> String {
        let o = &self.options;
        let mut s = String::new();
        if self.from.is_none() && self.to.is_none() && self.family == 6 {
            s.push_str("inet6 ");
        }
        if self.invert {
            s.push_str("not ");
        }
        match &self.from {
            Some((a, l)) => {
                let _ = write!(s, "from {}", prefix_text(a, *l));
            }
            None => s.push_str("from all"),
        }
        if let Some((a, l)) = &self.to {
            let _ = write!(s, " to {}", prefix_text(a, *l));
        }
        if let Some(p) = self.priority {
            let _ = write!(s, " priority {p}");
        }
        let _ = write!(s, " tos 0x{:x}", o.tos);
        if o.fwmark.is_some() || o.fwmask.is_some() {
            let _ = write!(s, " fwmark 0x{:x}", o.fwmark.unwrap_or(0));
            if let Some(m) = o.fwmask.filter(|m| *m != 0xffff_ffff) {
                let _ = write!(s, "/0x{m:x}");
            }
        }
        if let Some(i) = &self.iif {
            let _ = write!(s, " iif {i}");
        }
        if let Some(i) = &self.oif {
            let _ = write!(s, " oif {i}");
        }
        if let Some(l) = o.suppress_prefixlen {
            let _ = write!(s, " suppress_prefixlen {l}");
        }
        if let Some(g) = o.suppress_ifgroup {
            let _ = write!(s, " suppress_ifgroup {g}");
        }
        if o.tunnel_id != 0 {
            let _ = write!(s, " tunnel-id {}", o.tunnel_id);
        }
        if let Some((a, b)) = o.uidrange {
            let _ = write!(s, " uidrange {a}-{b}");
        }
        if o.l3mdev {
            s.push_str(" l3mdev");
        }
        if let Some(p) = o.protocol {
            let _ = write!(s, " protocol {p}");
        }
        if let Some(p) = o.ipproto {
            let _ = write!(s, " ipproto {p}");
        }
        if let Some((a, b)) = o.sport {
            let _ = write!(s, " sport {a}-{b}");
        }
        if let Some((a, b)) = o.dport {
            let _ = write!(s, " dport {a}-{b}");
        }
        if o.realms != 0 {
            let _ = write!(s, " realms {}/{}", o.realms >> 16, o.realms & 0xffff);
        }
        match self.action {
            RuleAction::ToTable => {
                let _ = write!(s, " lookup {}", self.table.unwrap_or(0));
            }
            RuleAction::Goto(t) => {
                let _ = write!(s, " goto {t}");
            }
            RuleAction::Nop => s.push_str(" nop"),
            RuleAction::Blackhole => s.push_str(" type blackhole"),
            RuleAction::Unreachable => s.push_str(" type unreachable"),
            RuleAction::Prohibit => s.push_str(" type prohibit"),
        }
        if self.no_track {
            s.push_str(" no_track");
        }
        if let Some(g) = &self.track_group {
            let _ = write!(s, " track_group {g}");
        }
        truncate(s, 256)
    }

    /// The `-d` dump line (`dump_iprule()`).
    pub fn dump_line(&self) -> String {
        log_line(format!("     {}", self.dump_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::load;

    fn texts(block: &str, line: &str) -> (Vec<String>, Vec<Vec<String>>) {
        let (cfg, _) = load(&format!("{block} {{\n{line}\n}}\n"));
        let s = &cfg.statics;
        let mut t: Vec<String> = s.addresses.iter().map(|a| a.dump_text()).collect();
        t.extend(s.routes.iter().map(|r| r.dump_text()));
        t.extend(s.rules.iter().map(|r| r.dump_text()));
        let mut w: Vec<Vec<String>> = s.addresses.iter().map(|a| a.conf_words()).collect();
        w.extend(s.routes.iter().map(|r| r.conf_words()));
        w.extend(s.rules.iter().map(|r| r.conf_words()));
        (t, w)
    }

    #[test]
    fn keepalived_dump_text() {
        let (t, w) = texts("static_ipaddress", "192.168.200.16/24 dev eth0 label eth0:1");
        assert_eq!(t, ["192.168.200.16/24 dev eth0 scope global label eth0:1"]);
        assert_eq!(w[0], ["192.168.200.16/24", "dev", "eth0", "label", "eth0:1"]);
        let (t, w) = texts("static_routes", "192.168.110.0/24 via 192.168.200.254 dev eth0");
        assert_eq!(
            t,
            ["prepend 192.168.110.0/24 via inet 192.168.200.254 dev eth0 proto 18"]
        );
        assert_eq!(
            w[0],
            ["192.168.110.0/24", "via", "inet", "192.168.200.254", "dev", "eth0"]
        );
        let (t, w) = texts("static_rules", "inet6 x table 6");
        assert_eq!(t, ["inet6 from all priority 16384 tos 0x0 protocol 18 lookup 6"]);
        assert_eq!(w[0], ["inet6", "inet6", "priority", "16384", "table", "6"]);
        let (t, w) = texts("static_routes", "blackhole 10.0.0.0/8 dev eth0 prepend");
        assert_eq!(t, ["prepend blackhole 10.0.0.0/8 dev eth0 proto 18"]);
        assert_eq!(w[0], ["blackhole", "10.0.0.0/8", "prepend", "dev", "eth0"]);
    }

    #[test]
    fn long_routes_continue_on_further_lines() {
        let (cfg, _) = load(
            "static_routes {\n10.0.0.0/8 dev eth0 encap ip id 18446744073709551615 dst 1.2.3.4 mtu lock 4294967295 advmss lock 4294967295 window 4294967295 cwnd lock 4294967295 ssthresh lock 4294967295 reordering lock 4294967295 initcwnd 4294967295 initrwnd 4294967295 hoplimit 255 nexthop via 1.1.1.1 dev eth1 nexthop via 1.1.1.2 dev eth2 nexthop via 1.1.1.3 dev eth3 nexthop via 1.1.1.4 dev eth3 nexthop via 1.1.1.5 dev eth3 nexthop via 1.1.1.6 dev eth3 nexthop via 1.1.1.7 dev eth3 nexthop via 1.1.1.8 dev eth3\n}\n",
        );
        let r = &cfg.statics.routes[0];
        let text = r.dump_text();
        let lines = r.dump_lines();
        assert!(text.len() > 250 + 248);
        assert_eq!(lines.len(), 3);
        // Each log line is cut at 510 bytes, as keepalived's console logger does.
        assert_eq!(lines[0], format!("     {}", &text[..505]));
        assert_eq!(lines[1], format!("      {}", &text[250..]));
        assert_eq!(lines[2], format!("      {}", &text[498..]));
        assert!(
            text.contains("encap ip id 4294967295 "),
            "64-bit ids keep their low 32 bits"
        );
    }
}
