//! keepalived's `alloc_rule()`: one line of `virtual_rules` or `static_rules` in `ip rule`
//! syntax.

use super::helpers::{Prefix, get_realms, inet_proto_a2n, parse_route, read_u64_truncated};
use super::rttables::{RtKind, find_rtntype};
use super::{Abort, error, interface_lookup, report_abort, rt_find, static_track_group_find};
use crate::config::cnum::{is_c_space, scan_range, skip_space, strtoul};
use crate::config::model::Origin;
use crate::config::model::net::{RTPROT_KEEPALIVED, RouteType, Rule, RuleAction};
use crate::config::parser::{Parser, Words};
use crate::config::values;

/// keepalived's `alloc_rule()`: parses one line of a rule list and appends the rule to `list`.
/// A rule without a preference gets the next one of keepalived's per-family countdown.
pub fn alloc_rule(p: &mut Parser<'_>, list: &mut Vec<Rule>, words: &Words, allow_track_group: bool) {
    p.b.net.last_missing = None;
    match parse(p, words, allow_track_group) {
        Ok(r) => list.push(r),
        Err(a) => report_abort(p, a),
    }
}

fn drop_with(p: &mut Parser<'_>, msg: impl Into<String>) -> Abort {
    error(p, msg);
    Abort::Dropped
}

/// `fwmark MARK[/MASK]`: C numbers up to 32 bits, no sign, no blank after `/`.
fn parse_fwmark(s: &str) -> Option<(u32, Option<u32>)> {
    if s.starts_with('-') {
        return None;
    }
    let r = strtoul(s, 0);
    if r.value > u32::MAX as u64 {
        return None;
    }
    let rest = &s[r.end..];
    let (mask, rest) = match rest.strip_prefix('/') {
        Some(m) => {
            if m.as_bytes().first().is_some_and(|c| is_c_space(*c) || *c == b'-') {
                return None;
            }
            let r1 = strtoul(m, 0);
            if r1.value > u32::MAX as u64 {
                return None;
            }
            (Some(r1.value as u32), &m[r1.end..])
        }
        None => (None, rest),
    };
    rest.is_empty().then_some((r.value as u32, mask))
}

fn parse(p: &mut Parser<'_>, w: &Words, allow_track_group: bool) -> Result<Rule, Abort> {
    let mut r = Rule {
        origin: Origin(w.loc.clone()),
        ..Rule::default()
    };
    let mut family = 0u8;
    let mut from: Option<Prefix> = None;
    let mut to: Option<Prefix> = None;
    let mut action: Option<RuleAction> = None;
    let mut table = 0u32;
    let mut table_option = false;
    let n = w.len();
    let mut i = 0;
    while i < n {
        let s = w.words[i].as_str();
        match s {
            "inet6" | "inet" => {
                let f = if s == "inet6" { 6 } else { 4 };
                if family == 0 {
                    family = f;
                } else if family != f {
                    let other = if f == 6 { "IPv4" } else { "IPv6" };
                    return Err(drop_with(p, format!("{s} specified for {other} rule")));
                }
                // keepalived steps over the next word too (its loop adds 1 again).
                i += 1;
            }
            "from" | "to" => {
                i += 1;
                let v = w.get(i)?;
                let Some(pfx) = parse_route(p, v) else {
                    return Err(drop_with(p, format!("Invalid rule {s} address {v}")));
                };
                if family == 0 {
                    family = pfx.family;
                } else if pfx.family != family {
                    return Err(drop_with(p, "rule specification has mixed IPv4 and IPv6"));
                }
                if s == "from" {
                    from = Some(pfx);
                } else {
                    to = Some(pfx);
                }
            }
            "table" | "lookup" => {
                i += 1;
                let v = w.get(i)?;
                let Some(t) = rt_find(p, RtKind::Table, v) else {
                    return Err(drop_with(p, format!("Routing table {v} not found for rule")));
                };
                if t == 0 {
                    return Err(drop_with(p, "Table 0 is not valid"));
                }
                table = t;
                if action.is_some() {
                    return Err(drop_with(
                        p,
                        "Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable for rule",
                    ));
                }
                action = Some(RuleAction::ToTable);
            }
            "not" => r.invert = true,
            "preference" | "order" | "priority" => {
                i += 1;
                let v = w.get(i)?;
                let Some(pr) = values::read_unsigned_base(p, v, 0, 0, u32::MAX, false) else {
                    return Err(drop_with(p, format!("Invalid rule preference {s} specified")));
                };
                r.priority = Some(pr);
            }
            "tos" | "dsfield" => {
                i += 1;
                let v = w.get(i)?;
                let Some(t) = rt_find(p, RtKind::Dsfield, v) else {
                    return Err(drop_with(p, format!("TOS value {v} is invalid")));
                };
                r.options.tos = (t & 0xff) as u8;
            }
            "fwmark" => {
                i += 1;
                let v = skip_space(w.get(i)?);
                let Some((mark, mask)) = parse_fwmark(v) else {
                    return Err(drop_with(p, format!("Invalid rule fwmark {v} specified")));
                };
                r.options.fwmark = Some(mark);
                // keepalived keeps the mask bit once set; a later mark without one stores 0.
                if mask.is_some() || r.options.fwmask.is_some() {
                    r.options.fwmask = Some(mask.unwrap_or(0));
                }
            }
            "realms" => {
                i += 1;
                let v = w.get(i)?;
                let Some(rl) = get_realms(p, v) else {
                    return Err(drop_with(p, format!("invalid realms {v} for rule")));
                };
                r.options.realms = rl;
                table_option = true;
                if family == 0 {
                    family = 4;
                } else if family != 4 {
                    return Err(drop_with(p, "realms is only valid for IPv4"));
                }
            }
            "suppress_prefixlength" | "sup_pl" => {
                i += 1;
                let v = w.get(i)?;
                let Some(l) = values::read_unsigned(p, v, 0, i32::MAX as u32, false) else {
                    return Err(drop_with(p, format!("Invalid suppress_prefixlength {s} specified")));
                };
                r.options.suppress_prefixlen = Some(l);
                table_option = true;
            }
            "suppress_ifgroup" | "sup_group" => {
                i += 1;
                let v = w.get(i)?;
                let Some(g) = rt_find(p, RtKind::Groups, v) else {
                    return Err(drop_with(p, format!("suppress_group {v} is invalid")));
                };
                r.options.suppress_ifgroup = Some(g);
                table_option = true;
            }
            "dev" | "iif" | "oif" => {
                i += 1;
                let v = w.get(i)?;
                if !interface_lookup(p, v) {
                    return Err(drop_with(p, format!("WARNING - interface {v} for rule doesn't exist")));
                }
                if s == "oif" {
                    r.oif = Some(v.to_string());
                } else {
                    r.iif = Some(v.to_string());
                }
            }
            "tunnel-id" => {
                i += 1;
                let v = w.get(i)?;
                let Some(t) = read_u64_truncated(p, v) else {
                    return Err(drop_with(p, format!("Invalid tunnel-id {s} specified")));
                };
                r.options.tunnel_id = t;
            }
            "uidrange" => {
                i += 1;
                let (got, a, b) = scan_range(w.get(i)?, 32);
                if got != 2 {
                    return Err(drop_with(p, format!("Invalid uidrange {s} specified")));
                }
                r.options.uidrange = Some((a, b));
            }
            "l3mdev" => {
                r.options.l3mdev = true;
                if action.is_some() {
                    return Err(drop_with(p, "Cannot specify l3mdev with other action"));
                }
                action = Some(RuleAction::ToTable);
            }
            "protocol" => {
                i += 1;
                let v = w.get(i)?;
                match values::read_unsigned(p, v, 0, 255, false) {
                    Some(pr) => r.options.protocol = Some(pr as u8),
                    None => error(p, format!("Invalid protocol {v}")),
                }
            }
            "ipproto" => {
                i += 1;
                let v = w.get(i)?;
                match inet_proto_a2n(p, v) {
                    Some(pr) => r.options.ipproto = Some(pr),
                    None => error(p, format!("Invalid ipproto {v}")),
                }
            }
            "sport" | "dport" => {
                i += 1;
                let v = w.get(i)?;
                // keepalived copies start to end for a single port, then still rejects it.
                let (got, a, b) = scan_range(v, 16);
                if got != 2 {
                    error(p, format!("invalid {s} range {v}"));
                } else if s == "sport" {
                    r.options.sport = Some((a as u16, b as u16));
                } else {
                    r.options.dport = Some((a as u16, b as u16));
                }
            }
            "no_track" => r.no_track = true,
            "track_group" if allow_track_group => {
                i += 1;
                let v = w.get(i)?;
                if r.track_group.is_some() {
                    error(p, format!("track_group {v} is a duplicate"));
                    break;
                }
                if static_track_group_find(p, v) {
                    r.track_group = Some(v.to_string());
                } else {
                    error(p, format!("track_group {v} not found"));
                }
            }
            _ => {
                let mut word = s;
                if word == "type" {
                    i += 1;
                    word = w.get(i)?;
                }
                let a = if word == "goto" {
                    i += 1;
                    let v = w.get(i)?;
                    let Some(t) = values::read_unsigned(p, v, 0, u32::MAX, false) else {
                        return Err(drop_with(p, format!("Invalid target {word} specified")));
                    };
                    RuleAction::Goto(t)
                } else if word == "nop" {
                    RuleAction::Nop
                } else if let Some(t) = find_rtntype(word) {
                    match t {
                        RouteType::BLACKHOLE => RuleAction::Blackhole,
                        RouteType::UNREACHABLE => RuleAction::Unreachable,
                        RouteType::PROHIBIT => RuleAction::Prohibit,
                        _ => return Err(drop_with(p, format!("Invalid rule action {word}"))),
                    }
                } else {
                    return Err(drop_with(p, format!("Unknown rule option {word}")));
                };
                if action.is_some() {
                    return Err(drop_with(
                        p,
                        "Cannot specify more than one of table/nop/goto/blackhole/prohibit/unreachable/l3mdev for rule",
                    ));
                }
                action = Some(a);
            }
        }
        i += 1;
    }

    if let Some(RuleAction::Goto(target)) = action {
        match r.priority {
            Some(pr) if pr >= target => {
                return Err(drop_with(
                    p,
                    format!("Invalid rule - preference {pr} >= goto target {target}"),
                ));
            }
            Some(_) => {}
            None => {
                return Err(drop_with(
                    p,
                    format!("Invalid rule - goto target {target} specified without preference"),
                ));
            }
        }
    }
    let Some(action) = action else {
        return Err(drop_with(p, "No action specified for rule - ignoring"));
    };
    if action != RuleAction::ToTable && table_option {
        return Err(drop_with(
            p,
            "suppressor/realm specified for non table action - skipping",
        ));
    }
    if table != 0 && r.options.l3mdev {
        return Err(drop_with(p, "table cannot be specified for l3mdev rules"));
    }
    if !r.no_track {
        if r.options.protocol.is_some_and(|pr| pr != RTPROT_KEEPALIVED) {
            error(
                p,
                format!(
                    "Rule cannot be tracked if protocol is not RTPROT_KEEPALIVED({RTPROT_KEEPALIVED}), resetting protocol"
                ),
            );
        }
        r.options.protocol = Some(RTPROT_KEEPALIVED);
    }
    if r.track_group.is_some() && r.iif.is_none() {
        error(p, "Static rule cannot have track_group if dev/iif not specified");
        r.track_group = None;
    }

    r.family = if family == 0 { 4 } else { family };
    r.from = from.map(|f| f.resolve(r.family));
    r.to = to.map(|t| t.resolve(r.family));
    r.table = (table != 0).then_some(table);
    r.action = action;
    if r.priority.is_none() {
        let st = &mut p.b.net;
        let next = if r.family == 4 {
            &mut st.next_rule_priority_v4
        } else {
            &mut st.next_rule_priority_v6
        };
        let pr = *next;
        *next = next.wrapping_sub(1);
        r.priority = Some(pr);
        error(
            p,
            format!("Rule has no preference specified - setting to {pr}. This is probably not what you want."),
        );
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::parse_fwmark;

    #[test]
    fn fwmarks() {
        assert_eq!(parse_fwmark("0x10/0xff"), Some((16, Some(255))));
        assert_eq!(parse_fwmark("5"), Some((5, None)));
        assert_eq!(parse_fwmark("5/"), Some((5, Some(0))));
        assert_eq!(parse_fwmark("/5"), Some((0, Some(5))));
        assert_eq!(parse_fwmark("-5"), None);
        assert_eq!(parse_fwmark("5/-1"), None);
        assert_eq!(parse_fwmark("5x"), None);
        assert_eq!(parse_fwmark("0x100000000"), None);
    }
}

#[cfg(test)]
mod parse_tests {
    use super::super::testutil::{load, texts};
    use crate::config::model::net::*;
    use std::net::IpAddr;

    fn all(lines: &str) -> (Vec<Rule>, Vec<String>) {
        let (cfg, msgs) = load(&format!("static_rules {{\n{lines}\n}}\n"));
        (cfg.statics.rules, texts(&msgs))
    }

    fn ok(line: &str) -> Rule {
        let (r, m) = all(line);
        assert!(m.is_empty(), "{line}: {m:?}");
        r.into_iter().next().unwrap_or_else(|| panic!("{line}: dropped"))
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn every_option() {
        let r = ok(
            "not from 10.0.0.0/8 to 10.1.0.0/16 iif eth0 oif eth1 tos 0x10 fwmark 0x10/0xff realms 1/2 suppress_prefixlength 3 suppress_ifgroup 4 table 7 priority 8 tunnel-id 99 uidrange 5-10 ipproto tcp sport 5-10 dport 80-90",
        );
        assert!(r.invert);
        assert_eq!(r.family, 4);
        assert_eq!(r.from, Some((ip("10.0.0.0"), 8)));
        assert_eq!(r.to, Some((ip("10.1.0.0"), 16)));
        assert_eq!((r.iif.as_deref(), r.oif.as_deref()), (Some("eth0"), Some("eth1")));
        assert_eq!((r.table, r.priority, r.action), (Some(7), Some(8), RuleAction::ToTable));
        let o = &r.options;
        assert_eq!((o.tos, o.fwmark, o.fwmask), (16, Some(16), Some(255)));
        assert_eq!(o.realms, 1 << 16 | 2);
        assert_eq!((o.suppress_prefixlen, o.suppress_ifgroup), (Some(3), Some(4)));
        assert_eq!((o.tunnel_id, o.uidrange), (99, Some((5, 10))));
        assert_eq!((o.ipproto, o.sport, o.dport), (Some(6), Some((5, 10)), Some((80, 90))));
        assert_eq!(o.protocol, Some(RTPROT_KEEPALIVED));
    }

    #[test]
    fn actions() {
        assert_eq!(ok("from 10.0.0.1 goto 100 priority 5").action, RuleAction::Goto(100));
        assert_eq!(ok("from 10.0.0.1 nop priority 5").action, RuleAction::Nop);
        assert_eq!(ok("from 10.0.0.1 blackhole priority 5").action, RuleAction::Blackhole);
        assert_eq!(
            ok("from 10.0.0.1 type unreachable priority 5").action,
            RuleAction::Unreachable
        );
        assert_eq!(ok("from 10.0.0.1 prohibit priority 5").action, RuleAction::Prohibit);
        let r = ok("l3mdev priority 5");
        assert!(r.options.l3mdev);
        assert_eq!((r.action, r.table), (RuleAction::ToTable, None));
        let r = ok("from all lookup main priority 0x10");
        assert_eq!(
            (r.from, r.table, r.priority),
            (Some((ip("0.0.0.0"), 0)), Some(254), Some(16))
        );
        let r = ok("to default6 table 5 priority 1");
        assert_eq!((r.family, r.to), (6, Some((ip("::"), 0))));
    }

    #[test]
    fn automatic_preferences_count_down_per_family() {
        let (r, m) = all(
            "from 10.0.0.1 table 1\nfrom 2001::1 table 1\nfrom 10.0.0.2 table 1\nfrom 10.0.0.3 table 1 priority 9\nfrom 2001::2 table 1",
        );
        let p: Vec<_> = r.iter().map(|r| r.priority.unwrap()).collect();
        assert_eq!(p, [16384, 16384, 16383, 9, 16383]);
        assert_eq!(m.len(), 4);
        assert_eq!(
            m[0],
            "Rule has no preference specified - setting to 16384. This is probably not what you want."
        );
    }

    #[test]
    fn fwmask_bit_is_sticky() {
        let r = ok("fwmark 1/2 fwmark 3 table 8 priority 9");
        assert_eq!((r.options.fwmark, r.options.fwmask), (Some(3), Some(0)));
        let r = ok("fwmark 3 table 8 priority 9");
        assert_eq!(r.options.fwmask, None);
    }

    #[test]
    fn errors() {
        let cases: &[(&str, &[&str])] = &[
            ("from 10.0.0.1 priority 1", &["No action specified for rule - ignoring"]),
            (
                "from 10.0.0.1 goto 10",
                &["Invalid rule - goto target 10 specified without preference"],
            ),
            (
                "from 10.0.0.1 goto 10 priority 10",
                &["Invalid rule - preference 10 >= goto target 10"],
            ),
            ("from 10.0.0.1 table 0 priority 1", &["Table 0 is not valid"]),
            (
                "from 10.0.0.1 nop priority 1 realms 3",
                &["suppressor/realm specified for non table action - skipping"],
            ),
            ("from 10.0.0.1 priority 1 local", &["Invalid rule action local"]),
            ("from 10.0.0.1 priority 1 bogus", &["Unknown rule option bogus"]),
            ("from 10.0.0.1 table 5 priority 1 sport 80", &["invalid sport range 80"]),
            (
                "from 10.0.0.1 to 2001::1 table 5 priority 1",
                &["rule specification has mixed IPv4 and IPv6"],
            ),
            (
                "from 10.0.0.1 table 5 priority 1 iif eth0 track_group g",
                &["track_group g not found"],
            ),
        ];
        for (line, want) in cases {
            let (_, m) = all(line);
            assert_eq!(&m, want, "{line}");
        }
    }
}
