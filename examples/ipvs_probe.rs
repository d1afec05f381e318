//! Real-kernel self-check of the IPVS client: programs services of every kind, reads them
//! back and compares, checks keepalived's error texts, the sync daemon and the timeouts,
//! and cross-checks the table with `ipvsadm -Sn` when it is installed. Needs root and a
//! kernel with ip_vs (run it in the QEMU guest). Exit status 0 when every check passed,
//! 1 otherwise, 77 when the kernel has no IPVS family.
//!
//! `ipvs_probe [--keep] [--sync-if IFNAME]`: `--keep` leaves the table in place (for a
//! following `ipvsadm -Sn`); the sync daemon uses IFNAME (default `lo`).
//! `ipvs_probe --raw` instead programs a small table and prints the kernel's raw replies
//! (hex, one netlink message a line) to the queries: the golden replies of
//! tests/ipvs_codec/replies.rs.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::process::ExitCode;

use keepalived_rs::ipvs::client::{Client, Error, error::keepalived_line};
use keepalived_rs::ipvs::family::IpvsMessage;
use keepalived_rs::ipvs::model::{
    Af, Command, Dest, DestKey, Forward, Proto, Service, ServiceKey, SyncDaemon, Timeouts, Tunnel,
};

const SCHEDULERS: [&str; 14] = [
    "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos",
];
const PERSISTENT: u32 = 0x1;
const ONEPACKET: u32 = 0x4;
const SCHED1: u32 = 0x8;
const SCHED2: u32 = 0x10;
const SCHED3: u32 = 0x20;

fn ip(s: &str) -> IpAddr {
    s.parse().expect("address")
}

fn svc(key: ServiceKey, sched: &str) -> Service {
    let v6 = match key {
        ServiceKey::Addr { addr, .. } => addr.is_ipv6(),
        ServiceKey::Fwmark { af, .. } => af == Af::Inet6,
    };
    Service {
        key,
        scheduler: sched.into(),
        flags: 0,
        timeout: 0,
        netmask: if v6 { 128 } else { 0xffff_ffff },
        pe_name: None,
    }
}

fn tcp(addr: &str, port: u16) -> ServiceKey {
    ServiceKey::Addr {
        proto: Proto::Tcp,
        addr: ip(addr),
        port,
    }
}

fn dest(addr: &str, port: u16, forward: Forward, weight: i32) -> Dest {
    Dest {
        key: DestKey { addr: ip(addr), port },
        forward,
        weight,
        u_threshold: 0,
        l_threshold: 0,
    }
}

/// The wanted table: every protocol, family, scheduler, flag and forwarding method.
fn wanted() -> Vec<(Service, Vec<Dest>)> {
    let mut out = vec![];
    for (i, s) in SCHEDULERS.iter().enumerate() {
        let mut service = svc(tcp(&format!("10.1.0.{}", i + 1), 80), s);
        if *s == "sh" {
            service.flags = SCHED1 | SCHED2; // sh-fallback, sh-port
        }
        if *s == "mh" {
            service.flags = SCHED1 | SCHED2; // mh-fallback, mh-port
        }
        out.push((service, vec![dest("192.168.1.2", 80, Forward::Masq, 1)]));
    }
    let mut nat = svc(tcp("10.0.0.1", 80), "wlc");
    nat.flags = PERSISTENT;
    nat.timeout = 300;
    nat.netmask = 0xffff_ff00;
    out.push((
        nat,
        vec![
            dest("192.168.1.2", 8080, Forward::Masq, 3),
            Dest {
                u_threshold: 100,
                l_threshold: 10,
                ..dest("192.168.1.3", 80, Forward::Route, 0)
            },
            dest("192.168.1.4", 80, Forward::Tunnel { tun: Tunnel::Ipip }, 2),
            dest(
                "192.168.1.5",
                80,
                Forward::Tunnel {
                    tun: Tunnel::Gue { port: 6080, flags: 0x2 },
                },
                4,
            ),
            dest(
                "192.168.1.6",
                80,
                Forward::Tunnel {
                    tun: Tunnel::Gre { flags: 0x1 },
                },
                5,
            ),
        ],
    ));
    let mut udp = svc(
        ServiceKey::Addr {
            proto: Proto::Udp,
            addr: ip("10.0.0.2"),
            port: 53,
        },
        "rr",
    );
    udp.flags = ONEPACKET;
    out.push((udp, vec![dest("192.168.1.7", 53, Forward::Masq, 1)]));
    let mut sip = svc(
        ServiceKey::Addr {
            proto: Proto::Udp,
            addr: ip("10.0.0.3"),
            port: 5060,
        },
        "rr",
    );
    sip.flags = PERSISTENT;
    sip.timeout = 60;
    sip.pe_name = Some("sip".into());
    out.push((sip, vec![dest("192.168.1.8", 5060, Forward::Route, 1)]));
    let sctp = svc(
        ServiceKey::Addr {
            proto: Proto::Sctp,
            addr: ip("10.0.0.4"),
            port: 3868,
        },
        "sed",
    );
    out.push((sctp, vec![dest("192.168.1.9", 3868, Forward::Masq, 7)]));
    let mut fwm = svc(ServiceKey::Fwmark { af: Af::Inet, mark: 5 }, "wrr");
    fwm.flags = PERSISTENT | SCHED3;
    fwm.timeout = 120;
    out.push((fwm, vec![dest("192.168.1.10", 0, Forward::Route, 2)]));
    let mut v6 = svc(tcp("2001:db8::1", 443), "lc");
    v6.flags = PERSISTENT;
    v6.timeout = 600;
    v6.netmask = 64;
    out.push((
        v6,
        vec![
            dest("2001:db8:1::2", 443, Forward::Masq, 1),
            dest("2001:db8:1::3", 443, Forward::Route, 2),
            dest(
                "2001:db8:1::4",
                443,
                Forward::Tunnel {
                    tun: Tunnel::Gue { port: 5555, flags: 0x1 },
                },
                3,
            ),
        ],
    ));
    let fwm6 = svc(ServiceKey::Fwmark { af: Af::Inet6, mark: 6 }, "nq");
    out.push((fwm6, vec![dest("2001:db8:1::5", 0, Forward::Route, 1)]));
    out
}

/// The table as `ipvsadm -Sn` prints it (ipvsadm's `print_service_entry` in `FMT_RULE`).
fn ipvsadm_lines(table: &[(Service, Vec<Dest>)]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let hostport = |a: &IpAddr, p: u16| match a {
        IpAddr::V4(a) => format!("{a}:{p}"),
        IpAddr::V6(a) => format!("[{a}]:{p}"),
    };
    for (s, dests) in table {
        let name = match s.key {
            ServiceKey::Addr { proto, addr, port } => format!(
                "{} {}",
                match proto {
                    Proto::Tcp => "-t",
                    Proto::Udp => "-u",
                    Proto::Sctp => "--sctp-service",
                },
                hostport(&addr, port)
            ),
            ServiceKey::Fwmark { af: Af::Inet, mark } => format!("-f {mark}"),
            ServiceKey::Fwmark { af: Af::Inet6, mark } => format!("-f {mark} -6"),
        };
        let v6 = match s.key {
            ServiceKey::Addr { addr, .. } => addr.is_ipv6(),
            ServiceKey::Fwmark { af, .. } => af == Af::Inet6,
        };
        let mut line = format!("-A {name} -s {}", s.scheduler);
        if s.flags & PERSISTENT != 0 {
            line += &format!(" -p {}", s.timeout);
            if !v6 && s.netmask != 0xffff_ffff {
                line += &format!(" -M {}", std::net::Ipv4Addr::from(s.netmask));
            } else if v6 && s.netmask != 128 {
                line += &format!(" -M {}", s.netmask);
            }
        }
        if let Some(pe) = &s.pe_name {
            line += &format!(" --pe {pe}");
        }
        let sched = s.flags & (SCHED1 | SCHED2 | SCHED3);
        if sched != 0 {
            let names: &[&str] = match s.scheduler.as_str() {
                "sh" => &["sh-fallback", "sh-port", "flag-3"],
                "mh" => &["mh-fallback", "mh-port", "flag-3"],
                _ => &["flag-1", "flag-2", "flag-3"],
            };
            let set: Vec<&str> = [SCHED1, SCHED2, SCHED3]
                .iter()
                .zip(names)
                .filter(|(f, _)| sched & **f != 0)
                .map(|(_, n)| *n)
                .collect();
            line += &format!(" -b {}", set.join(","));
        }
        if s.flags & ONEPACKET != 0 {
            line += " -o";
        }
        out.insert(line);
        for d in dests {
            let fwd = match d.forward {
                Forward::Masq => "-m",
                Forward::Route => "-g",
                Forward::Tunnel { .. } => "-i",
            };
            let mut line = format!(
                "-a {name} -r {} {fwd} -w {}",
                hostport(&d.key.addr, d.key.port),
                d.weight
            );
            // ipvsadm -S does not save thresholds (they show in `-Ln --thresholds`).
            let csum = |f: u16| match f {
                0 => " --tun-nocsum",
                1 => " --tun-csum",
                _ => " --tun-remcsum",
            };
            match d.forward {
                Forward::Tunnel { tun: Tunnel::Ipip } => line += " --tun-type ipip",
                Forward::Tunnel {
                    tun: Tunnel::Gue { port, flags },
                } => line += &format!(" --tun-type gue --tun-port {port}{}", csum(flags)),
                Forward::Tunnel {
                    tun: Tunnel::Gre { flags },
                } => line += &format!(" --tun-type gre{}", csum(flags)),
                _ => {}
            }
            out.insert(line);
        }
    }
    out
}

/// Compares the kernel table as the client reads it with `ipvsadm -Sn` (when installed).
fn compare_with_ipvsadm(rep: &mut Report, table: &[(Service, Vec<Dest>)]) {
    let Ok(out) = std::process::Command::new("ipvsadm").arg("-Sn").output() else {
        println!("note ipvsadm not installed: no cross-check");
        return;
    };
    let theirs: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let ours = ipvsadm_lines(table);
    for l in theirs.difference(&ours) {
        println!("     only in ipvsadm -Sn: {l}");
    }
    for l in ours.difference(&theirs) {
        println!("     only in our reading: {l}");
    }
    rep.check(
        theirs == ours,
        &format!("ipvsadm -Sn shows the same {} lines as our reading", ours.len()),
    );
}

struct Report {
    failed: u32,
}

impl Report {
    fn check(&mut self, ok: bool, what: &str) {
        println!("{} {what}", if ok { "ok  " } else { "FAIL" });
        if !ok {
            self.failed += 1;
        }
    }
}

fn errno_of(r: &Result<(), Error>) -> Option<i32> {
    r.as_ref().err().and_then(Error::errno)
}

async fn run(keep: bool, sync_if: &str) -> Result<u32, Error> {
    let mut rep = Report { failed: 0 };
    let client = Client::connect().await?;
    let info = client.info().await?;
    println!(
        "family id {:#x}, IPVS {} conn table {}",
        client.family_id(),
        info.version_string(),
        info.conn_tab_size
    );
    rep.check(info.version >= 0x010200, "GET_INFO version >= 1.2.0");

    let r = client.execute(&[Command::Flush]).await;
    rep.check(r.iter().all(Result::is_ok), "FLUSH");

    // Program everything in one batch.
    let want = wanted();
    let mut cmds = vec![];
    for (s, dests) in &want {
        cmds.push(Command::NewService(s.clone()));
        for d in dests {
            cmds.push(Command::NewDest(s.key, *d));
        }
    }
    let results = client.execute(&cmds).await;
    let mut skipped = vec![];
    for (c, r) in cmds.iter().zip(&results) {
        match (c, r) {
            // twos arrived in Linux 6.2: an older kernel refuses it with ENOENT.
            (Command::NewService(s), Err(e)) if s.scheduler == "twos" && e.errno() == Some(2) => {
                println!("note twos: {} (kernel before 6.2)", keepalived_line(c, 2));
                skipped.push(s.key);
            }
            (Command::NewDest(k, _), Err(_)) if skipped.contains(k) => {}
            (_, Err(e)) => rep.check(false, &format!("{c:?}: {e}")),
            _ => {}
        }
    }
    rep.check(
        results.len() == cmds.len(),
        &format!("one result per command ({} commands)", cmds.len()),
    );

    // Read back and compare.
    let table = client.table_infos().await?;
    let got: BTreeMap<ServiceKey, (Service, Vec<Dest>)> = table
        .iter()
        .map(|(s, d)| {
            let mut d: Vec<Dest> = d.iter().map(|d| d.dest).collect();
            d.sort_by_key(|d| d.key);
            (s.service.key, (s.service.clone(), d))
        })
        .collect();
    let mut n_dests = 0;
    for (s, dests) in want.iter().filter(|(s, _)| !skipped.contains(&s.key)) {
        let mut dests = dests.clone();
        dests.sort_by_key(|d| d.key);
        n_dests += dests.len();
        match got.get(&s.key) {
            Some((gs, gd)) => {
                rep.check(gs == s, &format!("service {:?} reads back equal", s.key));
                if gs != s {
                    println!("     want {s:?}\n     got  {gs:?}");
                }
                rep.check(
                    *gd == dests,
                    &format!("{} destinations of {:?} read back equal", dests.len(), s.key),
                );
                if *gd != dests {
                    println!("     want {dests:?}\n     got  {gd:?}");
                }
            }
            None => rep.check(false, &format!("service {:?} missing", s.key)),
        }
    }
    let read: Vec<(Service, Vec<Dest>)> = table
        .iter()
        .map(|(s, d)| (s.service.clone(), d.iter().map(|d| d.dest).collect()))
        .collect();
    compare_with_ipvsadm(&mut rep, &read);
    let n_services = want.len() - skipped.len();
    rep.check(
        got.len() == n_services,
        &format!("{} services in the kernel", got.len()),
    );

    // keepalived's error texts.
    let (first, dests) = &want[0];
    let errs = client
        .execute(&[
            Command::NewService(first.clone()),
            Command::NewDest(first.key, dests[0]),
            Command::DelDest(
                first.key,
                DestKey {
                    addr: ip("192.168.99.99"),
                    port: 1,
                },
            ),
            Command::SetService(Service {
                scheduler: "nosuch".into(),
                ..first.clone()
            }),
            Command::DelService(tcp("10.9.9.9", 9)),
        ])
        .await;
    let texts: Vec<String> = errs
        .iter()
        .map(|r| r.as_ref().err().map(ToString::to_string).unwrap_or_default())
        .collect();
    for t in &texts {
        println!("     {t}");
    }
    rep.check(
        errno_of(&errs[0]) == Some(libc::EEXIST) && texts[0].contains("Service already exists"),
        "NEW_SERVICE twice: EEXIST, \"Service already exists\"",
    );
    rep.check(
        errno_of(&errs[1]) == Some(libc::EEXIST) && texts[1].contains("Destination already exists"),
        "NEW_DEST twice: EEXIST, \"Destination already exists\"",
    );
    rep.check(
        errno_of(&errs[2]) == Some(libc::ENOENT) && texts[2].contains("No such destination"),
        "DEL_DEST of an unknown one: ENOENT, \"No such destination\"",
    );
    rep.check(
        errno_of(&errs[3]) == Some(libc::ENOENT) && texts[3].contains("Scheduler or persistence engine not found"),
        "SET_SERVICE with an unknown scheduler: ENOENT",
    );
    rep.check(
        errno_of(&errs[4]) == Some(libc::ESRCH) && texts[4].contains("No such service"),
        "DEL_SERVICE of an unknown one: ESRCH, \"No such service\"",
    );

    // Changes: weight to 0 (inhibit), thresholds, scheduler; then read back.
    let (nat, nat_dests) = want.iter().find(|(s, _)| s.timeout == 300).expect("nat");
    let mut inhibited = nat_dests[0];
    inhibited.weight = 0;
    inhibited.u_threshold = 50;
    let mut resched = nat.clone();
    resched.scheduler = "rr".into();
    resched.timeout = 100;
    let r = client
        .execute(&[
            Command::SetDest(nat.key, inhibited),
            Command::SetService(resched.clone()),
            Command::DelDest(nat.key, nat_dests[1].key),
        ])
        .await;
    rep.check(r.iter().all(Result::is_ok), "SET_DEST, SET_SERVICE, DEL_DEST");
    let dests = client.dest_infos(&nat.key).await?;
    rep.check(
        dests.iter().any(|d| d.dest == inhibited),
        "SET_DEST weight 0 reads back",
    );
    rep.check(dests.len() == nat_dests.len() - 1, "DEL_DEST removed one destination");
    let svcs = client.service_infos().await?;
    rep.check(svcs.iter().any(|s| s.service == resched), "SET_SERVICE reads back");
    let r = client
        .execute(&[Command::Zero(None), Command::Zero(Some(nat.key))])
        .await;
    rep.check(r.iter().all(Result::is_ok), "ZERO all and one service");

    // Timeouts.
    let before = client.timeouts().await?;
    println!("     timeouts before {before:?}");
    let t = Timeouts {
        tcp: 901,
        tcp_fin: 121,
        udp: 301,
    };
    let r = client.execute(&[Command::SetTimeouts(t)]).await;
    rep.check(r.iter().all(Result::is_ok), "SET_CONFIG");
    rep.check(client.timeouts().await? == t, "timeouts read back");
    let r = client
        .execute(&[Command::SetTimeouts(Timeouts {
            tcp: 0,
            tcp_fin: 0,
            udp: 302,
        })])
        .await;
    rep.check(r.iter().all(Result::is_ok), "SET_CONFIG with zeros");
    rep.check(
        client.timeouts().await? == Timeouts { udp: 302, ..t },
        "a zero timeout leaves the value unchanged",
    );
    let _ = client.execute(&[Command::SetTimeouts(before)]).await;

    // Sync daemons.
    let master = SyncDaemon {
        master: true,
        ifname: sync_if.into(),
        syncid: 7,
        maxlen: 1400,
        port: 8850,
        ttl: 2,
        group: Some(ip("224.0.0.82")),
    };
    let backup = SyncDaemon {
        master: false,
        ifname: sync_if.into(),
        syncid: 7,
        maxlen: 0,
        port: 0,
        ttl: 0,
        group: None,
    };
    let r = client
        .execute(&[Command::NewDaemon(master.clone()), Command::NewDaemon(backup.clone())])
        .await;
    for e in r.iter().filter_map(|r| r.as_ref().err()) {
        println!("     {e}");
    }
    rep.check(r.iter().all(Result::is_ok), "NEW_DAEMON master and backup");
    let daemons = client.daemons().await?;
    println!("     daemons {daemons:?}");
    rep.check(daemons.contains(&master), "master daemon reads back equal");
    rep.check(
        daemons.iter().any(|d| {
            !d.master
                && d.ifname == backup.ifname
                && d.syncid == 7
                && d.port == 8848
                && d.group == Some(ip("224.0.0.81"))
        }),
        "backup daemon reads back with the kernel's defaults",
    );
    let r = client
        .execute(&[
            Command::NewDaemon(master.clone()),
            Command::DelDaemon { master: true },
            Command::DelDaemon { master: false },
            Command::DelDaemon { master: false },
        ])
        .await;
    rep.check(
        errno_of(&r[0]) == Some(libc::EEXIST)
            && r[0]
                .as_ref()
                .unwrap_err()
                .to_string()
                .contains("Daemon has already run"),
        "NEW_DAEMON twice: EEXIST, \"Daemon has already run\"",
    );
    rep.check(r[1].is_ok() && r[2].is_ok(), "DEL_DAEMON master and backup");
    rep.check(
        errno_of(&r[3]) == Some(libc::ESRCH),
        "DEL_DAEMON again: ESRCH, \"No daemon is running\"",
    );
    rep.check(client.daemons().await?.is_empty(), "no daemon left");

    // A large batch: 100 services x 10 destinations, then delete them.
    let mut big = vec![];
    for i in 0..100u16 {
        let key = tcp(&format!("10.2.{}.{}", i / 250, i % 250 + 1), 80);
        big.push(Command::NewService(svc(key, "wrr")));
        for j in 0..10u16 {
            big.push(Command::NewDest(
                key,
                dest(&format!("192.168.{}.{}", 10 + i / 250, j + 1), 80, Forward::Route, 1),
            ));
        }
    }
    let t0 = std::time::Instant::now();
    let r = client.execute(&big).await;
    let took = t0.elapsed();
    rep.check(
        r.iter().all(Result::is_ok),
        &format!("batch of {} commands in {took:?}", big.len()),
    );
    let total: usize = client.table_infos().await?.iter().map(|(_, d)| d.len()).sum();
    rep.check(
        total == n_dests - 1 + 1000,
        &format!("{total} destinations after the batch"),
    );
    let dels: Vec<Command> = big
        .iter()
        .filter_map(|c| match c {
            Command::NewService(s) => Some(Command::DelService(s.key)),
            _ => None,
        })
        .collect();
    let r = client.execute(&dels).await;
    rep.check(r.iter().all(Result::is_ok), "deleting the batch's services");

    if !keep {
        let r = client.execute(&[Command::Flush]).await;
        rep.check(r.iter().all(Result::is_ok), "FLUSH at the end");
        rep.check(client.services().await?.services.is_empty(), "empty after FLUSH");
    } else {
        let table = client.services().await?;
        println!(
            "kept {} services, {} destinations",
            table.services.len(),
            table.services.iter().map(|s| s.dests.len()).sum::<usize>()
        );
    }
    Ok(rep.failed)
}

/// Sends `msg` on a plain netlink socket and prints every reply message as hex.
fn raw_query(sock: &netlink_sys::Socket, name: &str, msg: IpvsMessage, family_id: u16) {
    sock.send(&msg.to_bytes(family_id, 1), 0).expect("send");
    loop {
        let mut buf: Vec<u8> = Vec::with_capacity(65536);
        let n = sock.recv(&mut buf, 0).expect("recv");
        let mut at = 0;
        let mut last = false;
        while at + 16 <= n {
            let len = u32::from_ne_bytes(buf[at..at + 4].try_into().unwrap()) as usize;
            let kind = u16::from_ne_bytes(buf[at + 4..at + 6].try_into().unwrap());
            let flags = u16::from_ne_bytes(buf[at + 6..at + 8].try_into().unwrap());
            let hex: String = buf[at..at + len].iter().map(|b| format!("{b:02x}")).collect();
            println!("reply {name} {hex}");
            last |= kind == 2 || kind == 3 || flags & 2 == 0;
            at += (len + 3) & !3;
        }
        if last {
            return;
        }
    }
}

async fn raw(sync_if: &str) -> Result<u32, Error> {
    let client = Client::connect().await?;
    let key = tcp("10.0.0.1", 80);
    let mut nat = svc(key, "wlc");
    nat.flags = PERSISTENT;
    nat.timeout = 300;
    nat.netmask = 0xffff_ff00;
    let fwm6 = ServiceKey::Fwmark { af: Af::Inet6, mark: 6 };
    let mut sh = svc(fwm6, "sh");
    sh.flags = SCHED1;
    let r = client
        .execute(&[
            Command::Flush,
            Command::NewService(nat),
            Command::NewDest(key, dest("192.168.1.2", 8080, Forward::Masq, 3)),
            Command::NewDest(
                key,
                dest(
                    "192.168.1.5",
                    80,
                    Forward::Tunnel {
                        tun: Tunnel::Gue { port: 6080, flags: 1 },
                    },
                    0,
                ),
            ),
            Command::NewService(sh),
            Command::NewDest(fwm6, dest("2001:db8:1::5", 0, Forward::Route, 1)),
            Command::NewDaemon(SyncDaemon {
                master: true,
                ifname: sync_if.into(),
                syncid: 7,
                maxlen: 0,
                port: 0,
                ttl: 0,
                group: None,
            }),
        ])
        .await;
    if let Some(e) = r.iter().find_map(|r| r.as_ref().err()) {
        println!("raw: {e}");
        return Ok(1);
    }
    let id = client.family_id();
    let mut sock = netlink_sys::Socket::new(netlink_sys::protocols::NETLINK_GENERIC)?;
    sock.bind_auto()?;
    sock.connect(&netlink_sys::SocketAddr::new(0, 0))?;
    raw_query(&sock, "services", IpvsMessage::get_services(), id);
    raw_query(&sock, "dests4", IpvsMessage::get_dests(&key), id);
    raw_query(&sock, "dests6", IpvsMessage::get_dests(&fwm6), id);
    raw_query(&sock, "info", IpvsMessage::get_info(), id);
    raw_query(&sock, "config", IpvsMessage::get_config(), id);
    raw_query(&sock, "daemons", IpvsMessage::get_daemons(), id);
    raw_query(
        &sock,
        "del_unknown",
        IpvsMessage::from(&Command::DelService(tcp("10.9.9.9", 9))),
        id,
    );
    let _ = client
        .execute(&[Command::DelDaemon { master: true }, Command::Flush])
        .await;
    Ok(0)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let keep = args.iter().any(|a| a == "--keep");
    let sync_if = args
        .iter()
        .position(|a| a == "--sync-if")
        .and_then(|i| args.get(i + 1))
        .map_or("lo", String::as_str)
        .to_string();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let job = async {
        if args.iter().any(|a| a == "--raw") {
            raw(&sync_if).await
        } else {
            run(keep, &sync_if).await
        }
    };
    match rt.block_on(job) {
        Ok(0) => {
            println!("ipvs_probe: all checks passed");
            ExitCode::SUCCESS
        }
        Ok(n) => {
            println!("ipvs_probe: {n} checks failed");
            ExitCode::FAILURE
        }
        Err(Error::FamilyNotFound) => {
            eprintln!("SKIP ipvs_probe: the kernel has no IPVS generic-netlink family");
            ExitCode::from(77)
        }
        Err(e) => {
            println!("ipvs_probe: {e}");
            ExitCode::FAILURE
        }
    }
}
