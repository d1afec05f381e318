//! VMAC interfaces (`keepalived_rs::netlink::vmac`) in a network namespace the test creates:
//! macvlan mode private with the VRRP MAC, the sysctls keepalived sets on the VMAC and its base
//! interface (restored on removal), IPv6 link-local handling, and taking over leftovers.

mod support;

use support::netlink::{NlNs, indices, load};

use keepalived_rs::config::model::vrrp::VrrpInstance;
use keepalived_rs::netlink::Netlink;
use keepalived_rs::netlink::addr::vip_device;
use keepalived_rs::netlink::vmac::{VmacSpec, Vmacs, eui64_link_local};

const V4: &str = r#"
vrrp_instance VI_1 {
  interface eth0
  virtual_router_id 51
  priority 100
  use_vmac
  virtual_ipaddress {
    10.0.0.100/24
  }
}
"#;

fn instance(text: &str) -> VrrpInstance {
    load(text).vrrp.instances.remove(0)
}

fn proc(ns: &NlNs, path: &str) -> String {
    ns.sh(&format!("cat /proc/sys/net/{path}")).trim().to_string()
}

fn texts(logs: &[keepalived_rs::log::LogLine]) -> Vec<String> {
    logs.iter().map(|l| l.text.clone()).collect()
}

/// netlink_link_add_vmac() for IPv4: private macvlan `vrrp.51@eth0` with MAC
/// 00:00:5e:00:01:33, up, addrgenmode none, IPv6 disabled; VMAC sysctls arp_ignore 1,
/// accept_local 1, rp_filter 0, promote_secondaries 1; base arp_ignore/arp_filter 1. The VIP
/// goes on the VMAC. A second create finds it ready. Removal deletes it and restores the base.
#[test]
fn ipv4_vmac_lifecycle() {
    let Some(ns) = NlNs::new("ipv4_vmac_lifecycle", &["eth0"]) else {
        return;
    };
    let inst = instance(V4);
    let spec = VmacSpec::for_instance(&inst).expect("use_vmac");
    assert_eq!(spec.name, "vrrp.51");
    let (s, i) = (spec.clone(), inst.clone());
    let created = ns.run(move || async move {
        let nl = Netlink::new().unwrap();
        let mut vmacs = Vmacs::new();
        let c = vmacs.create(&nl, &s).await.unwrap();
        let idx = indices(&nl.dump_interfaces().await.unwrap());
        let vip = &i.vips[0];
        let dev = vip_device(&i, vip).unwrap();
        assert_eq!(dev, "vrrp.51");
        nl.add_address(vip, idx[&dev]).await.unwrap();
        let again = vmacs.create(&nl, &s).await.unwrap();
        assert!(!again.created);
        assert_eq!(again.ifindex, c.ifindex);
        c
    });
    assert!(created.created);
    assert_eq!(
        texts(&created.logs),
        ["(VI_1): Success creating VMAC interface vrrp.51"]
    );
    assert!(created.logs[0].detail);
    let link = ns.sh("ip -d link show vrrp.51");
    for want in [
        "vrrp.51@eth0: <BROADCAST,MULTICAST,UP,LOWER_UP>",
        "link/ether 00:00:5e:00:01:33",
        "macvlan mode private",
        "addrgenmode none",
    ] {
        assert!(link.contains(want), "`{want}` not in {link}");
    }
    assert!(ns.sh("ip -o addr show dev vrrp.51").contains("inet 10.0.0.100/24"));
    assert_eq!(proc(&ns, "ipv4/conf/vrrp.51/arp_ignore"), "1");
    assert_eq!(proc(&ns, "ipv4/conf/vrrp.51/accept_local"), "1");
    assert_eq!(proc(&ns, "ipv4/conf/vrrp.51/rp_filter"), "0");
    assert_eq!(proc(&ns, "ipv4/conf/vrrp.51/promote_secondaries"), "1");
    assert_eq!(proc(&ns, "ipv6/conf/vrrp.51/disable_ipv6"), "1");
    assert_eq!(proc(&ns, "ipv4/conf/eth0/arp_ignore"), "1");
    assert_eq!(proc(&ns, "ipv4/conf/eth0/arp_filter"), "1");

    let logs = ns.run(move || async move {
        let nl = Netlink::new().unwrap();
        let mut vmacs = Vmacs::new();
        // A fresh manager knows nothing to restore: create once more (found ready, no sysctl
        // changes), so the removal below restores nothing either.
        vmacs.create(&nl, &spec).await.unwrap();
        vmacs.delete(&nl, &spec).await.unwrap()
    });
    assert_eq!(texts(&logs), ["(VI_1) Success removing VMAC interface vrrp.51"]);
    assert!(!ns.try_sh("ip link show vrrp.51"));
}

/// The base interface's ARP settings come back when the (last) VMAC over it is removed by the
/// manager that changed them.
#[test]
fn base_sysctls_restored_on_removal() {
    let Some(ns) = NlNs::new("base_sysctls_restored_on_removal", &["eth0"]) else {
        return;
    };
    ns.sh("echo 2 > /proc/sys/net/ipv4/conf/eth0/arp_ignore");
    let spec = VmacSpec::for_instance(&instance(V4)).unwrap();
    ns.run(move || async move {
        let nl = Netlink::new().unwrap();
        let mut vmacs = Vmacs::new();
        vmacs.create(&nl, &spec).await.unwrap();
        let v = std::fs::read_to_string("/proc/sys/net/ipv4/conf/eth0/arp_ignore").unwrap();
        assert_eq!(v.trim(), "1");
        vmacs.delete(&nl, &spec).await.unwrap();
    });
    assert_eq!(proc(&ns, "ipv4/conf/eth0/arp_ignore"), "2");
    assert_eq!(proc(&ns, "ipv4/conf/eth0/arp_filter"), "0");
    assert!(!ns.try_sh("ip link show vrrp.51"));
}

/// IPv6 (RFC 5798 section 7.3 MAC 00:00:5e:00:02:VRID), configured name: IPv6 stays enabled,
/// no EUI-64 address from the VRRP MAC (addrgenmode none), and the link-local address made
/// from the base MAC is added /64 nodad with preferred_lft 0 (add_link_local_address()).
#[test]
fn ipv6_vmac_link_local() {
    let Some(ns) = NlNs::new("ipv6_vmac_link_local", &["eth0"]) else {
        return;
    };
    let inst = instance(
        r#"
vrrp_instance VI_6 {
  interface eth0
  virtual_router_id 7
  priority 100
  use_vmac vrrp6.7
  virtual_ipaddress {
    fe80::7/64
    2001:db8::7/64
  }
}
"#,
    );
    let spec = VmacSpec::for_instance(&inst).unwrap();
    assert_eq!(spec.name, "vrrp6.7");
    let base_mac = ns.sh("cat /sys/class/net/eth0/address");
    let mac: Vec<u8> = base_mac
        .trim()
        .split(':')
        .map(|h| u8::from_str_radix(h, 16).unwrap())
        .collect();
    let ll = eui64_link_local(mac.try_into().unwrap());
    ns.run(move || async move {
        let nl = Netlink::new().unwrap();
        Vmacs::new().create(&nl, &spec).await.unwrap();
    });
    let link = ns.sh("ip -d link show vrrp6.7");
    assert!(link.contains("link/ether 00:00:5e:00:02:07"), "{link}");
    assert!(link.contains("macvlan mode private"), "{link}");
    assert_eq!(proc(&ns, "ipv6/conf/vrrp6.7/disable_ipv6"), "0");
    let addrs = ns.sh("ip -o -6 addr show dev vrrp6.7");
    let line = addrs
        .lines()
        .find(|l| l.contains(&format!("inet6 {ll}/64")))
        .unwrap_or_else(|| panic!("{ll} missing: {addrs}"));
    assert!(line.contains("scope link nodad deprecated"), "{line}");
    assert!(
        !addrs.contains("fe80::200:5eff:fe00:207"),
        "no address from the VRRP MAC: {addrs}"
    );
    // IPv4 sysctls are left alone for an IPv6 instance.
    assert_eq!(proc(&ns, "ipv4/conf/eth0/arp_ignore"), "0");
}

/// A leftover macvlan of the right name with the wrong mode is updated in place; one on another
/// base interface is removed and recreated; a non-macvlan of that name is refused.
#[test]
fn leftover_vmacs() {
    let Some(ns) = NlNs::new("leftover_vmacs", &["eth0", "eth1"]) else {
        return;
    };
    let spec = VmacSpec::for_instance(&instance(V4)).unwrap();

    ns.sh("ip link add link eth0 name vrrp.51 type macvlan mode bridge");
    let s = spec.clone();
    let c = ns.run(move || async move { Vmacs::new().create(&Netlink::new().unwrap(), &s).await.unwrap() });
    assert_eq!(
        texts(&c.logs),
        [
            "(VI_1) Update old VMAC interface vrrp.51 due to wrong MAC/mode ",
            "(VI_1): Success updating VMAC interface vrrp.51"
        ]
    );
    let link = ns.sh("ip -d link show vrrp.51");
    assert!(
        link.contains("macvlan mode private") && link.contains("00:00:5e:00:01:33"),
        "{link}"
    );

    ns.sh("ip link del vrrp.51 && ip link add link eth1 name vrrp.51 type macvlan mode private");
    let s = spec.clone();
    let c = ns.run(move || async move { Vmacs::new().create(&Netlink::new().unwrap(), &s).await.unwrap() });
    assert_eq!(
        c.logs[0].text,
        "(VI_1) Removing old VMAC interface vrrp.51 due to conflicting interface"
    );
    assert!(ns.sh("ip link show vrrp.51").contains("vrrp.51@eth0"));

    ns.sh("ip link del vrrp.51 && ip link add vrrp.51 type veth peer name kpx");
    let s = spec.clone();
    let e = ns.run(move || async move { Vmacs::new().create(&Netlink::new().unwrap(), &s).await.unwrap_err() });
    assert_eq!(texts(&e.logs), ["VMAC vrrp.51 conflicts with existing interface"]);
}
