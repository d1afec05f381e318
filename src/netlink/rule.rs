//! Adding and deleting policy-routing rules as keepalived's `netlink_rule()` does
//! (`keepalived/vrrp/vrrp_iprule.c`): every option of the model's [`Rule`].

use netlink_packet_core::{NLM_F_CREATE, NLM_F_EXCL};
use netlink_packet_route::route::{RouteProtocol, RouteRealm};
use netlink_packet_route::rule::{
    RuleAction as NlAction, RuleAttribute, RuleFlags, RuleHeader, RuleMessage, RulePortRange, RuleUidRange,
};
use netlink_packet_route::{AddressFamily, IpProtocol, RouteNetlinkMessage};

use super::{Error, Netlink, Result};
use crate::config::model::net::{RT_TABLE_MAIN, Rule, RuleAction};

/// `FR_ACT_*` of a model action.
fn action(a: RuleAction) -> u8 {
    match a {
        RuleAction::ToTable => 1,
        RuleAction::Goto(_) => 2,
        RuleAction::Nop => 3,
        RuleAction::Blackhole => 6,
        RuleAction::Unreachable => 7,
        RuleAction::Prohibit => 8,
    }
}

/// The RTM_NEWRULE/RTM_DELRULE message keepalived's `netlink_rule()` sends for `r` (the same
/// body for both).
pub fn rule_message(r: &Rule) -> Result<RuleMessage> {
    let family = match r.family {
        4 => AddressFamily::Inet,
        6 => AddressFamily::Inet6,
        f => return Err(Error::Unsupported(format!("rule family {f}"))),
    };
    let o = &r.options;
    let mut m = RuleMessage::default();
    let mut h = RuleHeader {
        family,
        tos: o.tos,
        action: NlAction::from(action(r.action)),
        ..Default::default()
    };
    let attrs = &mut m.attributes;
    if r.action == RuleAction::ToTable && !o.l3mdev {
        let table = r.table.filter(|&t| t != 0).unwrap_or(RT_TABLE_MAIN);
        if table < 256 {
            h.table = table as u8;
        } else {
            attrs.push(RuleAttribute::Table(table));
        }
    }
    if r.invert {
        h.flags = RuleFlags::Invert;
    }
    for (sel, is_src) in [(r.from, true), (r.to, false)] {
        let Some((addr, len)) = sel else { continue };
        if addr.is_ipv6() != (r.family == 6) {
            return Err(Error::Unsupported(format!("rule address {addr} of another family")));
        }
        if is_src {
            h.src_len = len;
            attrs.push(RuleAttribute::Source(addr));
        } else {
            h.dst_len = len;
            attrs.push(RuleAttribute::Destination(addr));
        }
    }
    if let Some(p) = r.priority {
        attrs.push(RuleAttribute::Priority(p));
    }
    if let Some(mark) = o.fwmark {
        attrs.push(RuleAttribute::FwMark(mark));
    }
    if let Some(mask) = o.fwmask {
        attrs.push(RuleAttribute::FwMask(mask));
    }
    if o.realms != 0 {
        attrs.push(RuleAttribute::Realm(RouteRealm {
            source: (o.realms >> 16) as u16,
            destination: o.realms as u16,
        }));
    }
    if let Some(n) = o.suppress_prefixlen {
        attrs.push(RuleAttribute::SuppressPrefixLen(n));
    }
    if let Some(g) = o.suppress_ifgroup {
        attrs.push(RuleAttribute::SuppressIfGroup(g));
    }
    if let Some(iif) = &r.iif {
        attrs.push(RuleAttribute::Iifname(iif.clone()));
    }
    if let Some(oif) = &r.oif {
        attrs.push(RuleAttribute::Oifname(oif.clone()));
    }
    if o.tunnel_id != 0 {
        attrs.push(RuleAttribute::TunId(o.tunnel_id));
    }
    if let Some((start, end)) = o.uidrange {
        attrs.push(RuleAttribute::UidRange(RuleUidRange { start, end }));
    }
    if o.l3mdev {
        attrs.push(RuleAttribute::L3MDev(true));
    }
    if let Some(p) = o.protocol {
        attrs.push(RuleAttribute::Protocol(RouteProtocol::from(p)));
    }
    if let Some(p) = o.ipproto {
        attrs.push(RuleAttribute::IpProtocol(IpProtocol::from(p)));
    }
    if let Some((start, end)) = o.sport {
        attrs.push(RuleAttribute::SourcePortRange(RulePortRange { start, end }));
    }
    if let Some((start, end)) = o.dport {
        attrs.push(RuleAttribute::DestinationPortRange(RulePortRange { start, end }));
    }
    if let RuleAction::Goto(target) = r.action {
        attrs.push(RuleAttribute::Goto(target));
    }
    m.header = h;
    Ok(m)
}

impl Netlink {
    /// Adds `r` (NLM_F_CREATE | NLM_F_EXCL). Unlike addresses and routes, keepalived reports
    /// EEXIST for rules, and so does this.
    pub async fn add_rule(&self, r: &Rule) -> Result<()> {
        let msg = RouteNetlinkMessage::NewRule(rule_message(r)?);
        self.request(msg, NLM_F_CREATE | NLM_F_EXCL).await
    }

    /// Deletes `r`. A rule that is not there gives ENOENT, which keepalived ignores only when
    /// removing leftovers at start (`netlink_rulelist(..., force)`); see
    /// [`Netlink::remove_stale_rules`].
    pub async fn del_rule(&self, r: &Rule) -> Result<()> {
        let msg = RouteNetlinkMessage::DelRule(rule_message(r)?);
        self.request(msg, 0).await
    }

    /// Deletes rules a previous run may have left (keepalived removes each instance's virtual
    /// rules with `force` at start), ignoring absent ones. Returns the unexpected failures.
    pub async fn remove_stale_rules(&self, rules: &[Rule]) -> Vec<Error> {
        let mut errors = Vec::new();
        for r in rules {
            match self.del_rule(r).await {
                Err(e) if e.errno() != Some(super::ENOENT) => errors.push(e),
                _ => {}
            }
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// netlink_rule(): a table action without a table looks up main; tables >= 256 go in
    /// FRA_TABLE; goto carries FRA_GOTO; l3mdev has no table.
    #[test]
    fn tables_and_actions() {
        let r = Rule {
            family: 4,
            priority: Some(100),
            ..Rule::default()
        };
        let m = rule_message(&r).unwrap();
        assert_eq!(m.header.table, 254);
        assert_eq!(m.header.action, NlAction::ToTable);
        let big = Rule {
            table: Some(1000),
            ..r.clone()
        };
        let m = rule_message(&big).unwrap();
        assert_eq!(m.header.table, 0);
        assert!(m.attributes.contains(&RuleAttribute::Table(1000)));
        let g = Rule {
            action: RuleAction::Goto(200),
            ..r.clone()
        };
        let m = rule_message(&g).unwrap();
        assert_eq!(m.header.action, NlAction::Goto);
        assert_eq!(m.header.table, 0);
        assert!(m.attributes.contains(&RuleAttribute::Goto(200)));
        let mut l = r.clone();
        l.options.l3mdev = true;
        let m = rule_message(&l).unwrap();
        assert_eq!(m.header.table, 0);
        assert!(m.attributes.contains(&RuleAttribute::L3MDev(true)));
    }

    /// Family mismatches and unknown families are errors, not panics.
    #[test]
    fn bad_family() {
        let r = Rule {
            family: 4,
            from: Some(("2001:db8::".parse().unwrap(), 32)),
            ..Rule::default()
        };
        assert!(rule_message(&r).is_err());
        let r = Rule {
            family: 0,
            ..Rule::default()
        };
        assert!(rule_message(&r).is_err());
    }
}
