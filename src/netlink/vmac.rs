//! VMAC interfaces for `use_vmac`: a private-mode macvlan carrying the VRRP MAC, created,
//! configured and removed as keepalived's `netlink_link_add_vmac()` /
//! `netlink_link_del_vmac()` do (`keepalived/vrrp/vrrp_vmac.c`), with the sysctls of
//! `vrrp_if_config.c` (set on the VMAC and its base interface, restored on removal).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};

use netlink_packet_core::{NLM_F_CREATE, NLM_F_EXCL};
use netlink_packet_route::link::{
    AfSpecInet6, AfSpecUnspec, In6AddrGenMode, InfoData, InfoKind, InfoMacVlan, LinkAttribute, LinkFlags, LinkInfo,
    LinkMessage, MacVlanMode,
};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};

use super::sysctl::Sysctl;
use super::{Error, Netlink};
use crate::config::model::net::IpAddress;
use crate::config::model::vrrp::{Family, VrrpInstance};
use crate::log::LogLine;
use crate::vrrp::event::vmac_name;

/// The VMAC's MAC: the configured one, else 00:00:5e:00:01:VRID (IPv4) / 00:00:5e:00:02:VRID
/// (IPv6), RFC 5798 section 7.3.
pub fn vmac_mac(inst: &VrrpInstance) -> [u8; 6] {
    if let Some(mac) = inst.vmac.as_ref().and_then(|v| v.mac) {
        return mac;
    }
    let f = if inst.family == Family::V6 { 2 } else { 1 };
    [0, 0, 0x5e, 0, f, inst.vrid]
}

/// keepalived's `make_link_local_address()`: the EUI-64 link-local address of a MAC.
pub fn eui64_link_local(mac: [u8; 6]) -> Ipv6Addr {
    Ipv6Addr::from([
        0xfe,
        0x80,
        0,
        0,
        0,
        0,
        0,
        0,
        mac[0] ^ 2,
        mac[1],
        mac[2],
        0xff,
        0xfe,
        mac[3],
        mac[4],
        mac[5],
    ])
}

/// What is needed to create one VMAC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VmacSpec {
    /// The instance name (for log lines).
    pub instance: String,
    /// The VMAC's name.
    pub name: String,
    /// The base (configured) interface.
    pub base: String,
    /// The VMAC's MAC address.
    pub mac: [u8; 6],
    /// The instance's family.
    pub family: Family,
    /// The instance has eVIPs of the other family (keepalived's `VRRP_FLAG_EVIP_OTHER_FAMILY`):
    /// IPv6 stays enabled on an IPv4 instance's VMAC.
    pub evip_other_family: bool,
    /// `vmac_xmit_base`: adverts go out on the base interface, so an IPv6 VMAC needs no
    /// link-local address.
    pub xmit_base: bool,
    /// For IPv6: the link-local address to give the VMAC (the instance's source address, else
    /// the base interface's link-local one); `None` derives it from the base MAC.
    pub link_local: Option<Ipv6Addr>,
}

impl VmacSpec {
    /// The VMAC of an instance with `use_vmac`, if it has one and an interface.
    pub fn for_instance(inst: &VrrpInstance) -> Option<VmacSpec> {
        inst.vmac.as_ref()?;
        let other = |a: &IpAddress| Family::of(&a.addr) != inst.family;
        Some(VmacSpec {
            instance: inst.name.clone(),
            name: vmac_name(inst),
            base: inst.interface.clone()?,
            mac: vmac_mac(inst),
            family: inst.family,
            evip_other_family: inst.evips.iter().any(other),
            xmit_base: inst.vmac_xmit_base,
            link_local: None,
        })
    }
}

/// What [`Vmacs::create`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VmacCreated {
    /// The VMAC's ifindex.
    pub ifindex: u32,
    /// It was created (or updated) now rather than found ready.
    pub created: bool,
    /// keepalived's log lines.
    pub logs: Vec<LogLine>,
}

/// A failed [`Vmacs::create`] or [`Vmacs::delete`]: the error and keepalived's log lines up to
/// and including the failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VmacError {
    /// What failed.
    pub error: Error,
    /// Log lines.
    pub logs: Vec<LogLine>,
}

/// What is known of an existing link.
struct Existing {
    index: u32,
    mac: Vec<u8>,
    base: Option<u32>,
    macvlan_mode: Option<MacVlanMode>,
}

fn existing(l: &LinkMessage) -> Existing {
    let mut e = Existing {
        index: l.header.index,
        mac: Vec::new(),
        base: None,
        macvlan_mode: None,
    };
    let mut is_macvlan = false;
    for a in &l.attributes {
        match a {
            LinkAttribute::Address(m) => e.mac = m.clone(),
            LinkAttribute::Link(b) => e.base = Some(*b),
            LinkAttribute::LinkInfo(infos) => {
                for i in infos {
                    match i {
                        LinkInfo::Kind(InfoKind::MacVlan) => is_macvlan = true,
                        LinkInfo::Data(InfoData::MacVlan(d)) => {
                            for x in d {
                                if let InfoMacVlan::Mode(m) = x {
                                    e.macvlan_mode = Some(*m);
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    if is_macvlan && e.macvlan_mode.is_none() {
        e.macvlan_mode = Some(MacVlanMode::Other(0));
    }
    e
}

/// The base interface's saved ARP settings (keepalived's `reset_arp_config` count with
/// `arp_ignore` / `arp_filter`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct SavedArp {
    users: u32,
    arp_ignore: Option<u32>,
    arp_filter: Option<u32>,
}

/// The rp_filter values changed by [`Vmacs::clear_rp_filter`], for restoring them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct SavedRpFilter {
    all: u32,
    default: Option<u32>,
    ifaces: Vec<(String, u32)>,
}

/// Creates and removes VMACs and keeps what must be restored.
#[derive(Debug, Default)]
pub struct Vmacs {
    sysctl: Sysctl,
    base_arp: HashMap<String, SavedArp>,
    rp_filter: Option<SavedRpFilter>,
}

impl Vmacs {
    /// Sysctls under `/proc/sys`.
    pub fn new() -> Self {
        Vmacs::default()
    }

    /// Sysctls elsewhere (tests).
    pub fn with_sysctl(sysctl: Sysctl) -> Self {
        Vmacs {
            sysctl,
            ..Vmacs::default()
        }
    }

    /// keepalived's `clear_rp_filter()`: an IPv4 VMAC needs rp_filter 0, which only works
    /// with `all.rp_filter` 0. If it is not, raise `default` and every interface below it to
    /// its value, then set `all` to 0, remembering what to restore. Done once.
    pub fn clear_rp_filter(&mut self) -> Vec<LogLine> {
        let mut logs = Vec::new();
        if self.rp_filter.is_some() {
            return logs;
        }
        let s = &self.sysctl;
        let Some(all) = s.ipv4("all", "rp_filter") else {
            logs.push(LogLine::info("Unable to read sysctl net.ipv4.conf.all.rp_filter"));
            return logs;
        };
        if all == 0 {
            return logs;
        }
        let mut saved = SavedRpFilter {
            all,
            ..SavedRpFilter::default()
        };
        if let Some(d) = s.ipv4("default", "rp_filter").filter(|&d| d < all) {
            logs.push(LogLine::info(format!(
                "NOTICE: setting sysctl net.ipv4.conf.default.rp_filter from {d} to {all}"
            )));
            let _ = s.set_ipv4("default", "rp_filter", all);
            saved.default = Some(d);
        }
        for name in s.ipv4_interfaces() {
            match s.ipv4(&name, "rp_filter") {
                None => logs.push(LogLine::info(format!("Unable to read rp_filter for {name}"))),
                Some(v) if v < all => {
                    let _ = s.set_ipv4(&name, "rp_filter", all);
                    saved.ifaces.push((name, v));
                }
                Some(_) => {}
            }
        }
        logs.push(LogLine::info(format!(
            "NOTICE: setting sysctl net.ipv4.conf.all.rp_filter from {all} to 0"
        )));
        let _ = s.set_ipv4("all", "rp_filter", 0);
        self.rp_filter = Some(saved);
        logs
    }

    /// keepalived's `restore_rp_filter()`: puts back what [`Vmacs::clear_rp_filter`] changed,
    /// where nobody changed it since.
    pub fn restore_rp_filter(&mut self) -> Vec<LogLine> {
        let mut logs = Vec::new();
        let Some(saved) = self.rp_filter.take() else {
            return logs;
        };
        let s = &self.sysctl;
        if s.ipv4("all", "rp_filter") == Some(0) {
            logs.push(LogLine::info(format!(
                "NOTICE: resetting sysctl net.ipv4.conf.all.rp_filter to {}",
                saved.all
            )));
            let _ = s.set_ipv4("all", "rp_filter", saved.all);
        }
        if let Some(d) = saved.default {
            if s.ipv4("default", "rp_filter") == Some(saved.all) {
                logs.push(LogLine::info(format!(
                    "NOTICE: resetting sysctl net.ipv4.conf.default.rp_filter to {d}"
                )));
                let _ = s.set_ipv4("default", "rp_filter", d);
            }
        }
        for (name, v) in saved.ifaces {
            if s.ipv4(&name, "rp_filter") == Some(saved.all) {
                let _ = s.set_ipv4(&name, "rp_filter", v);
            }
        }
        logs
    }

    /// `set_interface_parameters_sysctl()`: the VMAC answers ARP only for its own addresses and
    /// accepts packets from local addresses; the base interface gets arp_ignore and arp_filter
    /// 1 (saved on the first VMAC over it).
    fn set_ipv4_parameters(&mut self, vmac: &str, base: &str) {
        let s = &self.sysctl;
        let _ = s.set_ipv4(vmac, "arp_ignore", 1);
        let _ = s.set_ipv4(vmac, "accept_local", 1);
        let _ = s.set_ipv4(vmac, "rp_filter", 0);
        let _ = s.set_ipv4(vmac, "promote_secondaries", 1);
        if let Some(saved) = self.base_arp.get_mut(base) {
            saved.users += 1;
            return;
        }
        let arp_ignore = s.ipv4(base, "arp_ignore");
        if arp_ignore.is_some_and(|v| v != 1) {
            let _ = s.set_ipv4(base, "arp_ignore", 1);
        }
        let arp_filter = s.ipv4(base, "arp_filter");
        if arp_filter.is_some_and(|v| v != 1) {
            let _ = s.set_ipv4(base, "arp_filter", 1);
        }
        self.base_arp.insert(
            base.to_string(),
            SavedArp {
                users: 1,
                arp_ignore,
                arp_filter,
            },
        );
    }

    /// `reset_interface_parameters_sysctl()`: the last VMAC over `base` restores its values.
    fn reset_ipv4_parameters(&mut self, base: &str) {
        let Some(saved) = self.base_arp.get_mut(base) else {
            return;
        };
        saved.users -= 1;
        if saved.users > 0 {
            return;
        }
        let saved = *saved;
        self.base_arp.remove(base);
        if let Some(v) = saved.arp_ignore {
            let _ = self.sysctl.set_ipv4(base, "arp_ignore", v);
        }
        if let Some(v) = saved.arp_filter {
            let _ = self.sysctl.set_ipv4(base, "arp_filter", v);
        }
    }

    /// Creates (or takes over, or fixes) the VMAC, configures it and sets it up.
    pub async fn create(&mut self, nl: &Netlink, spec: &VmacSpec) -> std::result::Result<VmacCreated, VmacError> {
        let mut logs = Vec::new();
        let fail = |error: Error, mut logs: Vec<LogLine>| {
            logs.push(error.log_line());
            VmacError { error, logs }
        };
        let links = match nl.dump(RouteNetlinkMessage::GetLink(LinkMessage::default())).await {
            Ok(l) => l,
            Err(e) => return Err(fail(e, logs)),
        };
        let find = |name: &str| {
            links.iter().find_map(|m| match m {
                RouteNetlinkMessage::NewLink(l) if l.attributes.contains(&LinkAttribute::IfName(name.to_string())) => {
                    Some(l)
                }
                _ => None,
            })
        };
        let Some(base) = find(&spec.base) else {
            return Err(fail(Error::NoInterface(spec.base.clone()), logs));
        };
        let base_index = base.header.index;
        let base_mac = existing(base).mac;
        let mut update = None;
        let mut create = true;
        if let Some(l) = find(&spec.name) {
            let e = existing(l);
            if e.macvlan_mode.is_none() {
                logs.push(LogLine::info(format!(
                    "VMAC {} conflicts with existing interface",
                    spec.name
                )));
                let error = Error::Unsupported(format!("{} is not a macvlan", spec.name));
                return Err(VmacError { error, logs });
            }
            if e.base != Some(base_index) {
                logs.push(LogLine::info(format!(
                    "({}) Removing old VMAC interface {} due to conflicting interface",
                    spec.instance, spec.name
                )));
                let mut del = LinkMessage::default();
                del.header.interface_family = AddressFamily::Inet;
                del.header.index = e.index;
                if let Err(err) = nl.request(RouteNetlinkMessage::DelLink(del), 0).await {
                    let mut e = fail(err, logs);
                    e.logs.push(LogLine::info(format!(
                        "({}) Error removing VMAC interface {}",
                        spec.instance, spec.name
                    )));
                    return Err(e);
                }
            } else if e.mac != spec.mac || e.macvlan_mode != Some(MacVlanMode::Private) {
                logs.push(LogLine::info(format!(
                    "({}) Update old VMAC interface {} due to wrong MAC/mode ",
                    spec.instance, spec.name
                )));
                update = Some(e.index);
            } else {
                create = false;
                update = Some(e.index);
            }
        }
        if create {
            let mut m = LinkMessage::default();
            m.attributes.push(LinkAttribute::LinkInfo(vec![
                LinkInfo::Kind(InfoKind::MacVlan),
                LinkInfo::Data(InfoData::MacVlan(vec![InfoMacVlan::Mode(MacVlanMode::Private)])),
            ]));
            let flags = match update {
                Some(index) => {
                    m.header.index = index;
                    0
                }
                None => {
                    m.attributes.push(LinkAttribute::Link(base_index));
                    m.attributes.push(LinkAttribute::IfName(spec.name.clone()));
                    NLM_F_CREATE | NLM_F_EXCL
                }
            };
            m.attributes.push(LinkAttribute::Address(spec.mac.to_vec()));
            if let Err(err) = nl.request(RouteNetlinkMessage::NewLink(m), flags).await {
                let mut e = fail(err, logs);
                e.logs.push(LogLine::info(format!(
                    "({}): Unable to create VMAC interface {}",
                    spec.instance, spec.name
                )));
                return Err(e);
            }
            logs.push(LogLine::detail(format!(
                "({}): Success {}ating VMAC interface {}",
                spec.instance,
                if update.is_some() { "upd" } else { "cre" },
                spec.name
            )));
        }
        let ifindex = match update {
            Some(i) => i,
            None => match nl.index_of(&spec.name).await {
                Ok(Some(i)) => i,
                Ok(None) => return Err(fail(Error::NoInterface(spec.name.clone()), logs)),
                Err(e) => return Err(fail(e, logs)),
            },
        };
        if spec.family == Family::V4 && create {
            logs.extend(self.clear_rp_filter());
            self.set_ipv4_parameters(&spec.name, &spec.base);
        }
        // IPv6 only where it is needed.
        let ipv6 = spec.family == Family::V6 || spec.evip_other_family;
        let _ = self.sysctl.set_ipv6(&spec.name, "disable_ipv6", u32::from(!ipv6));
        // No automatic link-local address (RFC 5798 section 7.4): the VMAC's MAC must not leak
        // into a source address. This cannot be part of the creation message.
        let mut addr_gen = LinkMessage::default();
        addr_gen.header.index = ifindex;
        addr_gen
            .attributes
            .push(LinkAttribute::AfSpecUnspec(vec![AfSpecUnspec::Inet6(vec![
                AfSpecInet6::AddrGenMode(In6AddrGenMode::None),
            ])]));
        if nl.request(RouteNetlinkMessage::NewLink(addr_gen), 0).await.is_err() {
            logs.push(LogLine::info(format!(
                "({}) Error setting ADDR_GEN_MODE to NONE on {}",
                spec.instance, spec.name
            )));
        }
        let mut up = LinkMessage::default();
        up.header.index = ifindex;
        up.header.flags = LinkFlags::Up;
        up.header.change_mask = LinkFlags::Up;
        if let Err(e) = nl.request(RouteNetlinkMessage::NewLink(up), 0).await {
            logs.push(e.log_line());
        }
        if spec.family == Family::V6 && !spec.xmit_base {
            let ll = spec.link_local.unwrap_or_else(|| {
                let mut mac = [0u8; 6];
                if base_mac.len() == 6 {
                    mac.copy_from_slice(&base_mac);
                }
                eui64_link_local(mac)
            });
            // keepalived's add_link_local_address() starts from a zeroed ip_address_t, so the
            // address is added with preferred_lft 0 and (being IPv6) IFA_F_NODAD.
            let mut a = IpAddress::new(IpAddr::V6(ll), 64, Default::default());
            a.preferred_lft = Some(0);
            if nl.add_address(&a, ifindex).await.is_err() {
                logs.push(LogLine::info("Adding link-local address to vmac failed"));
                if create {
                    logs.push(LogLine::info(format!(
                        "({}) adding link-local address to {} failed",
                        spec.instance, spec.name
                    )));
                }
            }
        }
        Ok(VmacCreated {
            ifindex,
            created: create,
            logs,
        })
    }

    /// Removes the VMAC (restoring the base interface's ARP settings for IPv4). A VMAC that is
    /// not there is not an error.
    pub async fn delete(&mut self, nl: &Netlink, spec: &VmacSpec) -> std::result::Result<Vec<LogLine>, VmacError> {
        let mut logs = Vec::new();
        if spec.family == Family::V4 {
            self.reset_ipv4_parameters(&spec.base);
        }
        let index = match nl.index_of(&spec.name).await {
            Ok(Some(i)) => i,
            Ok(None) => return Ok(logs),
            Err(error) => {
                logs.push(error.log_line());
                return Err(VmacError { error, logs });
            }
        };
        let mut del = LinkMessage::default();
        del.header.interface_family = AddressFamily::Inet;
        del.header.index = index;
        match nl.request(RouteNetlinkMessage::DelLink(del), 0).await {
            Ok(()) => {
                logs.push(LogLine::detail(format!(
                    "({}) Success removing VMAC interface {}",
                    spec.instance, spec.name
                )));
                Ok(logs)
            }
            Err(e) if e.errno() == Some(super::ENODEV) => Ok(logs),
            Err(error) => {
                logs.push(error.log_line());
                logs.push(LogLine::info(format!(
                    "({}) Error removing VMAC interface {}",
                    spec.instance, spec.name
                )));
                Err(VmacError { error, logs })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    /// make_link_local_address(): universal/local bit flipped, ff:fe in the middle.
    #[test]
    fn eui64() {
        assert_eq!(
            eui64_link_local([0x00, 0x00, 0x5e, 0x00, 0x02, 0x07]),
            "fe80::200:5eff:fe00:207".parse::<Ipv6Addr>().unwrap()
        );
    }

    fn tree(entries: &[(&str, &str, u32)]) -> (tempfile::TempDir, Sysctl) {
        let d = tempfile::tempdir().unwrap();
        for (iface, param, v) in entries {
            let dir = d.path().join("net/ipv4/conf").join(iface);
            fs::create_dir_all(&dir).unwrap();
            fs::write(dir.join(param), format!("{v}\n")).unwrap();
        }
        let s = Sysctl::with_root(d.path());
        (d, s)
    }

    /// clear_rp_filter()/restore_rp_filter(): all.rp_filter 2 is moved onto default and the
    /// interfaces below it, then all is 0; restore puts everything back.
    #[test]
    fn rp_filter_round_trip() {
        let (_d, s) = tree(&[
            ("all", "rp_filter", 2),
            ("default", "rp_filter", 1),
            ("eth0", "rp_filter", 0),
            ("eth1", "rp_filter", 2),
        ]);
        let mut v = Vmacs::with_sysctl(s.clone());
        let logs = v.clear_rp_filter();
        let texts: Vec<_> = logs.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "NOTICE: setting sysctl net.ipv4.conf.default.rp_filter from 1 to 2",
                "NOTICE: setting sysctl net.ipv4.conf.all.rp_filter from 2 to 0"
            ]
        );
        assert_eq!(s.ipv4("all", "rp_filter"), Some(0));
        assert_eq!(s.ipv4("default", "rp_filter"), Some(2));
        assert_eq!(s.ipv4("eth0", "rp_filter"), Some(2));
        assert!(v.clear_rp_filter().is_empty(), "done once");
        let logs = v.restore_rp_filter();
        assert_eq!(logs.len(), 2);
        assert_eq!(s.ipv4("all", "rp_filter"), Some(2));
        assert_eq!(s.ipv4("default", "rp_filter"), Some(1));
        assert_eq!(s.ipv4("eth0", "rp_filter"), Some(0));
        assert_eq!(s.ipv4("eth1", "rp_filter"), Some(2));
    }

    /// The base interface's arp_ignore/arp_filter are saved by the first VMAC over it and
    /// restored by the last.
    #[test]
    fn base_arp_refcount() {
        let (d, s) = tree(&[("eth0", "arp_ignore", 0), ("eth0", "arp_filter", 0)]);
        for v in ["vrrp.1", "vrrp.2"] {
            let dir = d.path().join("net/ipv4/conf").join(v);
            fs::create_dir_all(&dir).unwrap();
        }
        let mut v = Vmacs::with_sysctl(s.clone());
        v.set_ipv4_parameters("vrrp.1", "eth0");
        v.set_ipv4_parameters("vrrp.2", "eth0");
        assert_eq!(s.ipv4("eth0", "arp_ignore"), Some(1));
        assert_eq!(s.ipv4("vrrp.1", "accept_local"), Some(1));
        assert_eq!(s.ipv4("vrrp.2", "rp_filter"), Some(0));
        v.reset_ipv4_parameters("eth0");
        assert_eq!(s.ipv4("eth0", "arp_filter"), Some(1), "one VMAC still uses it");
        v.reset_ipv4_parameters("eth0");
        assert_eq!(s.ipv4("eth0", "arp_ignore"), Some(0));
        assert_eq!(s.ipv4("eth0", "arp_filter"), Some(0));
    }
}
