//! The words of the resolved keepalived.conf form of an address, route or rule: reading them
//! back with the same parser gives an equal value. They avoid keepalived's parsing quirks: no
//! bare `inet`/`inet6` (keepalived skips the word after it) except on purpose, `encap` last so
//! that its `src`/`tos`/`hoplimit` pairs cannot swallow route options, explicit priorities.

use std::net::IpAddr;

use super::format::prefix_text;
use super::helpers::{addr64_groups, unspecified};
use super::route::inet_word;
use super::rttables::rtntype_name;
use crate::config::model::net::{
    Broadcast, Encap, EncapKind, IFA_F_HOMEADDRESS, IFA_F_MANAGETEMPADDR, IFA_F_MCAUTOJOIN, IFA_F_NODAD,
    IFA_F_NOPREFIXROUTE, INFINITY_LIFE_TIME, IpAddress, Metric, Nexthop, Route, RouteMode, Rule, RuleAction, Scope,
};

/// Collects words.
#[derive(Default)]
struct W(Vec<String>);

impl W {
    fn w(&mut self, s: impl Into<String>) -> &mut Self {
        self.0.push(s.into());
        self
    }
    fn kv(&mut self, k: &str, v: impl ToString) -> &mut Self {
        self.0.push(k.to_string());
        self.0.push(v.to_string());
        self
    }
}

/// `ADDR/LEN` always with the length.
fn with_len(a: &IpAddr, l: u8) -> String {
    format!("{a}/{l}")
}

fn realms(r: u32) -> String {
    format!("{}/{}", r >> 16, r & 0xffff)
}

impl IpAddress {
    /// The words of this address in `virtual_ipaddress`/`static_ipaddress` syntax.
    pub fn conf_words(&self) -> Vec<String> {
        let mut w = W::default();
        w.w(prefix_text(&self.addr, self.prefix_len));
        if let Broadcast::Addr(b) = self.broadcast {
            w.kv("brd", b);
        }
        if let Some(d) = &self.dev {
            w.kv("dev", d);
        }
        if !self.is_ipv6() && self.scope != Scope::Global {
            w.kv("scope", self.scope.name());
        }
        if let Some(l) = &self.label {
            w.kv("label", l);
        }
        if let Some(p) = &self.peer {
            w.kv("peer", p);
        }
        let flag_words = [
            (IFA_F_HOMEADDRESS, "home"),
            (IFA_F_MANAGETEMPADDR, "mngtmpaddr"),
            (IFA_F_NOPREFIXROUTE, "noprefixroute"),
            (IFA_F_MCAUTOJOIN, "autojoin"),
        ];
        for (bit, word) in flag_words {
            if self.flags & bit != 0 {
                w.w(word);
            }
        }
        if self.flagmask & IFA_F_NODAD != 0 {
            w.w("-nodad");
        }
        if self.no_track {
            w.w("no_track");
        }
        if let Some(l) = self.preferred_lft {
            if l == INFINITY_LIFE_TIME {
                w.kv("preferred_lft", "forever");
            } else {
                w.kv("preferred_lft", l);
            }
        }
        if self.use_vmac {
            w.w("use_vmac");
        }
        if let Some(g) = &self.track_group {
            w.kv("track_group", g);
        }
        w.0
    }
}

fn metric(w: &mut W, key: &str, m: &Option<Metric>) {
    if let Some(m) = m {
        w.w(key);
        if m.lock {
            w.w("lock");
        }
        w.w(m.value.to_string());
    }
}

fn encap_words(w: &mut W, e: &Encap) {
    w.w("encap");
    match e.kind {
        // A refused address is written back to be refused again; MPLS without labels (the
        // address was missing) is written without one, which keepalived only accepts last.
        EncapKind::Mpls => {
            w.w("mpls");
            if let Some(r) = &e.refused {
                w.w(r.clone());
            } else if !e.labels.is_empty() {
                w.w(e.labels.iter().map(u32::to_string).collect::<Vec<_>>().join("/"));
            }
        }
        EncapKind::Ila => {
            w.w("ila");
            match &e.refused {
                Some(r) => w.w(r.clone()),
                None => w.w(addr64_groups(e.locator)),
            };
        }
        EncapKind::Ip | EncapKind::Ip6 => {
            let v6 = e.kind == EncapKind::Ip6;
            w.w(if v6 { "ip6" } else { "ip" });
            if let Some(id) = e.id {
                w.kv("id", id);
            }
            if let Some(d) = &e.dst {
                w.kv("dst", d);
            }
            if let Some(s) = &e.src {
                w.kv("src", s);
            }
            if let Some(t) = e.tos {
                w.kv(if v6 { "tc" } else { "tos" }, t);
            }
            if let Some(t) = e.ttl {
                w.kv(if v6 { "hoplimit" } else { "ttl" }, t);
            }
            if let Some(f) = e.flags {
                w.kv("flags", f);
            }
        }
    }
}

fn nexthop_words(w: &mut W, nh: &Nexthop) {
    w.w("nexthop");
    if let Some(v) = &nh.via {
        w.w("via").w(inet_word(v)).w(v.to_string());
    }
    if let Some(d) = &nh.dev {
        w.kv("dev", d);
    }
    if let Some(wt) = nh.weight {
        w.kv("weight", wt);
    }
    if nh.onlink {
        w.w("onlink");
    }
    if nh.realms != 0 {
        w.kv("realms", realms(nh.realms));
    }
    if let Some(e) = &nh.encap {
        encap_words(w, e);
    }
}

impl Route {
    /// The words of this route in `virtual_routes`/`static_routes` syntax.
    pub fn conf_words(&self) -> Vec<String> {
        let o = &self.options;
        let mut w = W::default();
        if let Some(t) = self.route_type {
            w.w(rtntype_name(t.0));
        }
        let (da, dl) = self.dst.unwrap_or((unspecified(self.family), 0));
        w.w(with_len(&da, dl));
        // After the destination: a type word sets "add" itself.
        match o.mode {
            RouteMode::Add => {
                w.w("add");
            }
            RouteMode::Append => {
                w.w("append");
            }
            RouteMode::Prepend if self.route_type.is_some() => {
                w.w("prepend");
            }
            RouteMode::Prepend => {}
        }
        if let Some((a, l)) = &self.src {
            w.kv("from", with_len(a, *l));
        }
        if let Some(a) = &self.pref_src {
            w.kv("src", a);
        }
        // keepalived checks the family of a `nexthop` address but not of an `or` one: a route
        // whose second hop has the other family can only be written back with `or`.
        let or_form = self.nexthops.len() == 2
            && self
                .nexthops
                .iter()
                .all(|n| n.dev.is_none() && n.weight.is_none() && !n.onlink && n.realms == 0 && n.encap.is_none())
            && self.nexthops[1]
                .via
                .is_some_and(|b| (b.is_ipv6() as u8) != (self.family == 6) as u8);
        if or_form {
            if let Some(a) = &self.nexthops[0].via {
                w.w("via").w(inet_word(a)).w(a.to_string());
            }
            if let Some(b) = &self.nexthops[1].via {
                w.kv("or", b);
            }
        }
        if let Some(v) = &self.via {
            w.w("via").w(inet_word(v)).w(v.to_string());
        }
        if let Some(d) = &self.dev {
            w.kv("dev", d);
        }
        if let Some(t) = self.table {
            w.kv("table", t);
        }
        if self.no_track {
            if let Some(p) = self.protocol {
                w.kv("protocol", p);
            }
        }
        if let Some(s) = self.scope {
            w.kv("scope", s.number());
        }
        if let Some(m) = self.metric {
            w.kv("metric", m);
        }
        if let Some(t) = o.tos {
            w.kv("tos", t);
        }
        if o.onlink {
            w.w("onlink");
        }
        if let Some(e) = o.expires {
            w.kv("expires", e);
        }
        metric(&mut w, "mtu", &o.mtu);
        if let Some(h) = o.hoplimit {
            w.kv("hoplimit", h);
        }
        metric(&mut w, "advmss", &o.advmss);
        metric(&mut w, "rtt", &o.rtt);
        metric(&mut w, "rttvar", &o.rttvar);
        metric(&mut w, "reordering", &o.reordering);
        if let Some(v) = o.window {
            w.kv("window", v);
        }
        metric(&mut w, "cwnd", &o.cwnd);
        metric(&mut w, "ssthresh", &o.ssthresh);
        if o.realms != 0 {
            w.kv("realms", realms(o.realms));
        }
        metric(&mut w, "rto_min", &o.rto_min);
        if let Some(v) = o.initcwnd {
            w.kv("initcwnd", v);
        }
        if let Some(v) = o.initrwnd {
            w.kv("initrwnd", v);
        }
        if o.features_ecn {
            w.kv("features", "ecn");
        }
        if let Some(v) = o.quickack {
            w.kv("quickack", v);
        }
        if let Some(c) = &o.congctl {
            w.w("congctl");
            if o.congctl_lock {
                w.w("lock");
            }
            w.w(c);
        }
        if let Some(v) = o.pref {
            w.kv("pref", v);
        }
        if let Some(v) = o.ttl_propagate {
            w.kv("ttl-propagate", if v { "enabled" } else { "disabled" });
        }
        if let Some(v) = o.fastopen_no_cookie {
            w.kv("fastopen_no_cookie", v as u8);
        }
        if self.no_track {
            w.w("no_track");
        }
        if let Some(g) = &self.track_group {
            w.kv("track_group", g);
        }
        if let Some(e) = &o.encap {
            encap_words(&mut w, e);
        }
        if !or_form {
            for nh in &self.nexthops {
                nexthop_words(&mut w, nh);
            }
        }
        w.0
    }
}

impl Rule {
    /// The words of this rule in `virtual_rules`/`static_rules` syntax.
    pub fn conf_words(&self) -> Vec<String> {
        let o = &self.options;
        let mut w = W::default();
        if self.family == 6 && self.from.is_none() && self.to.is_none() {
            // keepalived steps over the word after `inet6`, so it is given twice.
            w.w("inet6").w("inet6");
        }
        if self.invert {
            w.w("not");
        }
        if let Some((a, l)) = &self.from {
            w.kv("from", with_len(a, *l));
        }
        if let Some((a, l)) = &self.to {
            w.kv("to", with_len(a, *l));
        }
        if let Some(p) = self.priority {
            w.kv("priority", p);
        }
        if o.tos != 0 {
            w.kv("tos", o.tos);
        }
        if let Some(m) = o.fwmark {
            let mut v = format!("0x{m:x}");
            if let Some(k) = o.fwmask {
                v.push_str(&format!("/0x{k:x}"));
            }
            w.kv("fwmark", v);
        }
        if o.realms != 0 {
            w.kv("realms", realms(o.realms));
        }
        if let Some(l) = o.suppress_prefixlen {
            w.kv("suppress_prefixlength", l);
        }
        if let Some(g) = o.suppress_ifgroup {
            w.kv("suppress_ifgroup", g);
        }
        if let Some(i) = &self.iif {
            w.kv("iif", i);
        }
        if let Some(i) = &self.oif {
            w.kv("oif", i);
        }
        if o.tunnel_id != 0 {
            w.kv("tunnel-id", o.tunnel_id);
        }
        if let Some((a, b)) = o.uidrange {
            w.kv("uidrange", format!("{a}-{b}"));
        }
        if self.no_track {
            if let Some(p) = o.protocol {
                w.kv("protocol", p);
            }
        }
        if let Some(p) = o.ipproto {
            w.kv("ipproto", p);
        }
        if let Some((a, b)) = o.sport {
            w.kv("sport", format!("{a}-{b}"));
        }
        if let Some((a, b)) = o.dport {
            w.kv("dport", format!("{a}-{b}"));
        }
        match self.action {
            RuleAction::ToTable if o.l3mdev => {
                w.w("l3mdev");
            }
            RuleAction::ToTable => {
                w.kv("table", self.table.unwrap_or(0));
            }
            RuleAction::Goto(t) => {
                w.kv("goto", t);
            }
            RuleAction::Nop => {
                w.w("nop");
            }
            RuleAction::Blackhole => {
                w.w("blackhole");
            }
            RuleAction::Unreachable => {
                w.w("unreachable");
            }
            RuleAction::Prohibit => {
                w.w("prohibit");
            }
        }
        if self.no_track {
            w.w("no_track");
        }
        if let Some(g) = &self.track_group {
            w.kv("track_group", g);
        }
        w.0
    }
}
