// Included by tests/ipvs_codec.rs: the kernel's replies (Linux 6.1.0-56-amd64, Debian 12, in the
// QEMU guest) to the queries, captured with `ipvs_probe --raw` after programming
// `-A -t 10.0.0.1:80 -s wlc -p 300 -M 255.255.255.0` with a NAT and a GUE destination,
// `-A -f 6 -6 -s sh -b sh-fallback` with a DR destination, and a master sync daemon on lo.
// Hex split across lines; `hex()` skips the whitespace.

const SVC_NAT: &str = "
    400100002000020001000000194bfc93010100002c0101000600010002000000060002000600000014000300
    0a000001000000000000000000000000060004000050000008000600776c63000c00070003000000ffffffff
    080008002c01000008000900ffffff005c000a00080001000000000008000200000000000800030000000000
    0c00040000000000000000000c00050000000000000000000800060000000000080007000000000008000800
    00000000080009000000000008000a00000000007c000c000c00010000000000000000000c00020000000000
    000000000c00030000000000000000000c00040000000000000000000c00050000000000000000000c000600
    00000000000000000c00070000000000000000000c00080000000000000000000c0009000000000000000000
    0c000a000000000000000000";
const SVC_FWM6: &str = "
    240100002000020001000000194bfc930101000010010100060001000a000000080005000600000007000600
    736800000c0007000a000000ffffffff080008000000000008000900800000005c000a000800010000000000
    080002000000000008000300000000000c00040000000000000000000c000500000000000000000008000600
    0000000008000700000000000800080000000000080009000000000008000a00000000007c000c000c000100
    00000000000000000c00020000000000000000000c00030000000000000000000c0004000000000000000000
    0c00050000000000000000000c00060000000000000000000c00070000000000000000000c00080000000000
    000000000c00090000000000000000000c000a000000000000000000";
const DONE: &str = "
    140000000300020001000000194bfc9300000000";
const DEST_GUE: &str = "
    640100002000020001000000194bfc93050100005001020014000100c0a80105000000000000000000000000
    06000200005000000800030002000000080004000000000005000d000100000006000e0017c0000006000f00
    0100000008000500000000000800060000000000080007000000000008000800000000000800090000000000
    06000b00020000005c000a000800010000000000080002000000000008000300000000000c00040000000000
    000000000c000500000000000000000008000600000000000800070000000000080008000000000008000900
    0000000008000a00000000007c000c000c00010000000000000000000c00020000000000000000000c000300
    00000000000000000c00040000000000000000000c00050000000000000000000c0006000000000000000000
    0c00070000000000000000000c00080000000000000000000c00090000000000000000000c000a0000000000
    00000000";
const DEST_NAT: &str = "
    640100002000020001000000194bfc93050100005001020014000100c0a80102000000000000000000000000
    060002001f9000000800030000000000080004000300000005000d000000000006000e000000000006000f00
    0000000008000500000000000800060000000000080007000000000008000800000000000800090000000000
    06000b00020000005c000a000800010000000000080002000000000008000300000000000c00040000000000
    000000000c000500000000000000000008000600000000000800070000000000080008000000000008000900
    0000000008000a00000000007c000c000c00010000000000000000000c00020000000000000000000c000300
    00000000000000000c00040000000000000000000c00050000000000000000000c0006000000000000000000
    0c00070000000000000000000c00080000000000000000000c00090000000000000000000c000a0000000000
    00000000";
const DEST_DR6: &str = "
    640100002000020001000000194bfc9305010000500102001400010020010db8000100000000000000000005
    06000200000000000800030003000000080004000100000005000d000000000006000e000000000006000f00
    0000000008000500000000000800060000000000080007000000000008000800000000000800090000000000
    06000b000a0000005c000a000800010000000000080002000000000008000300000000000c00040000000000
    000000000c000500000000000000000008000600000000000800070000000000080008000000000008000900
    0000000008000a00000000007c000c000c00010000000000000000000c00020000000000000000000c000300
    00000000000000000c00040000000000000000000c00050000000000000000000c0006000000000000000000
    0c00070000000000000000000c00080000000000000000000c00090000000000000000000c000a0000000000
    00000000";
const INFO: &str = "
    240000002000000001000000194bfc930e01000008000100010201000800020000100000";
const CONFIG: &str = "
    2c0000002000000001000000194bfc930c01000008000400840300000800050078000000080006002c010000";
const DAEMON: &str = "
    500000002000020001000000194bfc93090100003c0003000800010001000000070002006c6f000008000300
    0700000006000400c00500000600070090220000050008000100000008000500e0000051";
const ERR_ESRCH: &str = "
    580000000200000001000000194bfc93fdffffff440000002000050001000000000000000301000030000180
    06000100020000000600020006000000140003000a0909090000000000000000000000000600040000090000";

fn reply(h: &str) -> IpvsMessage {
    IpvsMessage::from_bytes(&hex(h)).expect("kernel reply parses")
}

/// A service dump (`ip_vs_genl_fill_service`): the kernel's `IP_VS_SVC_F_HASHED` is
/// dropped, IPv4 netmask and IPv6 prefix length come back as set, counters are zero.
#[test]
fn kernel_service_replies() {
    let nat = reply(SVC_NAT);
    assert_eq!(nat.cmd, IpvsCmd::NewService);
    let attrs = nat.service().unwrap();
    assert!(attrs.contains(&SvcAttr::Flags {
        flags: 3,
        mask: u32::MAX
    }));
    assert!(attrs.iter().any(|a| matches!(a, SvcAttr::Stats(_))));
    assert!(attrs.iter().any(|a| matches!(a, SvcAttr::Stats64(_))));
    let info = parse_service_reply(attrs).unwrap();
    assert_eq!(
        info.service,
        Service {
            key: tcp4(),
            scheduler: "wlc".into(),
            flags: 1,
            timeout: 300,
            netmask: 0xffff_ff00,
            pe_name: None,
        }
    );
    assert_eq!(info.stats, Stats::default());
    let fwm = parse_service_reply(reply(SVC_FWM6).service().unwrap()).unwrap();
    assert_eq!(
        fwm.service,
        Service {
            key: ServiceKey::Fwmark { af: Af::Inet6, mark: 6 },
            scheduler: "sh".into(),
            flags: 0x8,
            timeout: 0,
            netmask: 128,
            pe_name: None,
        }
    );
    // The end of the dump is a netlink DONE, not an IPVS message.
    assert!(IpvsMessage::from_bytes(&hex(DONE)).is_err());
}

/// A destination dump (`ip_vs_genl_fill_dest`): tunnel attributes, read-only counters.
#[test]
fn kernel_dest_replies() {
    let gue = parse_dest_reply(reply(DEST_GUE).dest().unwrap(), Af::Inet).unwrap();
    assert_eq!(
        gue.dest,
        dest(
            "192.168.1.5",
            80,
            Forward::Tunnel {
                tun: Tunnel::Gue { port: 6080, flags: 1 }
            },
            0
        )
    );
    assert_eq!((gue.active_conns, gue.inact_conns, gue.persist_conns), (0, 0, 0));
    let nat = parse_dest_reply(reply(DEST_NAT).dest().unwrap(), Af::Inet).unwrap();
    assert_eq!(nat.dest, dest("192.168.1.2", 8080, Forward::Masq, 3));
    let dr = parse_dest_reply(reply(DEST_DR6).dest().unwrap(), Af::Inet6).unwrap();
    assert_eq!(dr.dest, dest("2001:db8:1::5", 0, Forward::Route, 1));
}

/// GET_INFO (version 1.2.1, 4096 buckets) and GET_CONFIG (the default timeouts).
#[test]
fn kernel_info_and_config_replies() {
    let info = reply(INFO);
    assert_eq!(info.cmd, IpvsCmd::SetInfo);
    let i = info.info().unwrap();
    assert_eq!((i.version, i.conn_tab_size), (0x010201, 4096));
    assert_eq!(i.version_string(), "1.2.1");
    let config = reply(CONFIG);
    assert_eq!(config.cmd, IpvsCmd::SetConfig);
    assert_eq!(
        config.timeouts(),
        Timeouts {
            tcp: 900,
            tcp_fin: 120,
            udp: 300
        }
    );
}

/// A daemon dump (`ip_vs_genl_fill_daemon`) fills in the kernel's defaults.
#[test]
fn kernel_daemon_reply() {
    let d = parse_daemon(reply(DAEMON).daemon().unwrap()).unwrap();
    assert_eq!(
        d,
        SyncDaemon {
            master: true,
            ifname: "lo".into(),
            syncid: 7,
            maxlen: 1472,
            port: 8848,
            ttl: 1,
            group: Some(ip("224.0.0.81")),
        }
    );
}

/// A refusal is a netlink error carrying -ESRCH (and the request's header).
#[test]
fn kernel_error_reply() {
    use netlink_packet_core::{NetlinkMessage, NetlinkPayload};
    use netlink_packet_generic::GenlMessage;
    let m = NetlinkMessage::<GenlMessage<IpvsMessage>>::deserialize(&hex(ERR_ESRCH)).unwrap();
    match m.payload {
        NetlinkPayload::Error(e) => assert_eq!(e.raw_code(), -libc::ESRCH),
        other => panic!("{other:?}"),
    }
    assert!(IpvsMessage::from_bytes(&hex(ERR_ESRCH)).is_err());
}
