//! `global_defs` handlers for LVS: connection timeouts, flushing, the IPVS sync daemon, IPVS
//! nftables and netlink buffers.

use std::net::IpAddr;

use super::vrrp::{NFT_TABLE_MAXNAMELEN, rcv_bufs_force, rcv_bufs_size};
use super::{error, inet_stosockaddr};
use crate::config::diag::Level;
use crate::config::model::Origin;
use crate::config::model::global::{LvsFlushOnStop, LvsSyncDaemon, defaults};
use crate::config::parser::{HResult, Parser, Words};
use crate::config::values;

/// keepalived's `LVS_MAX_TIMEOUT` (31 days).
const LVS_MAX_TIMEOUT: u32 = 86400 * 31;
/// The kernel's `IP_VS_IFNAME_MAXLEN`.
const IP_VS_IFNAME_MAXLEN: usize = 16;

pub(super) fn lvs_timeouts(p: &mut Parser<'_>, w: &Words) -> HResult {
    if w.len() < 3 {
        error(p, "lvs_timeouts requires at least one option".into());
        return Ok(());
    }
    let mut i = 1;
    while i < w.len() {
        let opt = w.words[i].clone();
        if !matches!(opt.as_str(), "tcp" | "tcpfin" | "udp") {
            error(p, format!("Unknown option {opt} specified for lvs_timeouts"));
            i += 1;
            continue;
        }
        let Some(val) = w.opt(i + 1).map(str::to_string) else {
            error(p, format!("No value specified for lvs_timeout {opt} - ignoring"));
            i += 1;
            continue;
        };
        match values::read_unsigned(p, &val, 0, LVS_MAX_TIMEOUT, false) {
            Some(v) => {
                let t = &mut p.b.cfg.global.lvs_timeouts;
                match opt.as_str() {
                    "tcp" => t.tcp = v,
                    "tcpfin" => t.tcp_fin = v,
                    _ => t.udp = v,
                }
            }
            None => error(p, format!("Invalid lvs_timeout {opt} ({val}) - ignoring")),
        }
        i += 2;
    }
    Ok(())
}

pub(super) fn lvs_flush(p: &mut Parser<'_>, _w: &Words) -> HResult {
    p.b.cfg.global.lvs_flush = true;
    Ok(())
}

/// `lvs_flush_on_stop [VS]` and its old spelling `lvs_flush_onstop` (keepalived says nothing
/// about the old one).
pub(super) fn lvs_flush_on_stop(p: &mut Parser<'_>, w: &Words) -> HResult {
    match w.opt(1) {
        None => p.b.cfg.global.lvs_flush_on_stop = LvsFlushOnStop::Full,
        Some("VS") => p.b.cfg.global.lvs_flush_on_stop = LvsFlushOnStop::Vs,
        Some(t) => error(p, format!("Unknown lvs_flush_on_stop type {t}")),
    }
    Ok(())
}

/// The value after an `lvs_sync_daemon` option, or keepalived's complaint when it is the last
/// word.
fn syncd_value(p: &mut Parser<'_>, w: &Words, i: usize, msg: &str) -> Option<String> {
    let v = w.opt(i + 1).map(str::to_string);
    if v.is_none() {
        error(p, msg.to_string());
    }
    v
}

/// `lvs_sync_daemon IF [[inst] VI] [id N] [maxlen N] [port N] [ttl N] [group ADDR]`; the old
/// form `lvs_sync_daemon IF VI [SYNCID]` is still accepted.
pub(super) fn lvs_sync_daemon(p: &mut Parser<'_>, w: &Words) -> HResult {
    if let Some(s) = &p.b.cfg.global.lvs_sync_daemon {
        let m = format!(
            "lvs_sync_daemon has already been specified as {} {} - ignoring",
            s.ifname,
            s.vrrp_instance.as_deref().unwrap_or("")
        );
        error(p, m);
        return Ok(());
    }
    let Some(ifname) = w.opt(1).map(str::to_string) else {
        error(p, "lvs_sync_daemon requires interface".into());
        return Ok(());
    };
    if ifname.len() >= IP_VS_IFNAME_MAXLEN {
        error(
            p,
            format!("lvs_sync_daemon interface name '{ifname}' too long - ignoring"),
        );
        return Ok(());
    }
    let mut d = LvsSyncDaemon {
        ifname,
        vrrp_instance: None,
        syncid: None,
        sync_maxlen: None,
        mcast_group: None,
        mcast_port: None,
        mcast_ttl: None,
        origin: Origin(p.loc()),
    };
    let mut i = 2;
    while i < w.len() {
        let opt = w.words[i].clone();
        match opt.as_str() {
            "inst" => {
                match &d.vrrp_instance {
                    Some(cur) => {
                        let m = format!("lvs_sync_daemon vrrp instance has already been specified as {cur} - ignoring");
                        error(p, m);
                    }
                    None => d.vrrp_instance = Some(w.get(i + 1)?.to_string()),
                }
                i += 2;
            }
            "id" => {
                if let Some(v) = syncd_value(p, w, i, "No value specified for lvs_sync_daemon id, defaulting to vrid") {
                    match values::read_unsigned(p, &v, 0, 255, false) {
                        Some(n) => d.syncid = Some(n),
                        None => error(p, format!("Invalid syncid ({v}) - defaulting to vrid")),
                    }
                }
                i += 2;
            }
            "maxlen" => {
                if let Some(v) = syncd_value(p, w, i, "No value specified for lvs_sync_daemon maxlen - ignoring") {
                    match values::read_unsigned(p, &v, 1, 65535 - 20 - 8, false) {
                        Some(n) => d.sync_maxlen = Some(n as u16),
                        None => error(p, format!("Invalid lvs_sync_daemon maxlen ({v}) - ignoring")),
                    }
                }
                i += 2;
            }
            "port" => {
                if let Some(v) = syncd_value(p, w, i, "No value specified for lvs_sync_daemon port - ignoring") {
                    match values::read_unsigned(p, &v, 1, 65535, false) {
                        Some(n) => d.mcast_port = Some(n as u16),
                        None => error(p, format!("Invalid lvs_sync_daemon port ({v}) - ignoring")),
                    }
                }
                i += 2;
            }
            "ttl" => {
                if let Some(v) = syncd_value(p, w, i, "No value specified for lvs_sync_daemon ttl - ignoring") {
                    match values::read_unsigned(p, &v, 1, 255, false) {
                        Some(n) => d.mcast_ttl = Some(n as u8),
                        None => error(p, format!("Invalid lvs_sync_daemon ttl ({v}) - ignoring")),
                    }
                }
                i += 2;
            }
            "group" => {
                if let Some(v) = syncd_value(p, w, i, "No value specified for lvs_sync_daemon group - ignoring") {
                    d.mcast_group = syncd_group(p, &v);
                }
                i += 2;
            }
            // The old form: IF VRRP_INSTANCE [SYNC_ID].
            _ if i == 2 => {
                d.vrrp_instance = Some(opt);
                i += 1;
            }
            _ if i == 3 => {
                match values::read_unsigned(p, &opt, 0, 255, false) {
                    Some(n) => {
                        error(p, "Please use keyword \"id\" before lvs_sync_daemon SYNCID".into());
                        d.syncid = Some(n);
                    }
                    None => error(p, format!("Invalid syncid ({opt}) - defaulting to vrid")),
                }
                i += 1;
            }
            _ => {
                error(p, format!("Unknown option {opt} specified for lvs_sync_daemon"));
                i += 1;
            }
        }
    }
    p.b.cfg.global.lvs_sync_daemon = Some(d);
    Ok(())
}

/// The multicast group of the sync daemon; a unicast address is refused.
fn syncd_group(p: &mut Parser<'_>, v: &str) -> Option<IpAddr> {
    let Some((addr, _)) = inet_stosockaddr(p, v, None) else {
        error(p, format!("Invalid lvs_sync_daemon group ({v}) - ignoring"));
        return None;
    };
    if !addr.is_multicast() {
        error(
            p,
            format!("lvs_sync_daemon group address {v} is not multicast - ignoring"),
        );
        return None;
    }
    Some(addr)
}

pub(super) fn nftables_ipvs(p: &mut Parser<'_>, w: &Words) -> HResult {
    if p.b.cfg.global.nftables_ipvs.is_some() {
        error(p, "ipvs nftables already specified - ignoring".into());
        return Ok(());
    }
    let name = match w.opt(1) {
        Some(n) if n.len() >= NFT_TABLE_MAXNAMELEN => {
            error(p, "ipvs nftables table name too long - ignoring".into());
            return Ok(());
        }
        Some(n) => n,
        None => defaults::NFTABLES_IPVS_TABLE,
    };
    // Setting the table resets the priority and the first fwmark, even if given before.
    let g = &mut p.b.cfg.global;
    g.nftables_ipvs = Some(name.to_string());
    g.nftables_ipvs_priority = -1;
    g.nftables_ipvs_start_fwmark = defaults::NFTABLES_IPVS_START_FWMARK;
    Ok(())
}

pub(super) fn nftables_ipvs_priority(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    match values::read_int(p, s, i32::MIN, i32::MAX, false) {
        Some(v) => p.b.cfg.global.nftables_ipvs_priority = v,
        None => p.report(
            Level::InvalidNumber,
            format!("invalid ipvs nftables chain priority '{s}'"),
        ),
    }
    Ok(())
}

pub(super) fn nftables_ipvs_start_fwmark(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    match values::read_unsigned(p, s, 1, u32::MAX, false) {
        Some(v) => p.b.cfg.global.nftables_ipvs_start_fwmark = v,
        None => p.report(
            Level::InvalidNumber,
            format!("invalid ipvs nftables start_fwmark priority '{s}'"),
        ),
    }
    Ok(())
}

pub(super) fn lvs_netlink_cmd_rcv_bufs(p: &mut Parser<'_>, w: &Words) -> HResult {
    rcv_bufs_size(p, w, "lvs_netlink_cmd", |g| &mut g.lvs_netlink_cmd_rcv_bufs)
}

pub(super) fn lvs_netlink_cmd_rcv_bufs_force(p: &mut Parser<'_>, w: &Words) -> HResult {
    rcv_bufs_force(p, w, "lvs_netlink_cmd", |g| &mut g.lvs_netlink_cmd_rcv_bufs)
}

pub(super) fn lvs_netlink_monitor_rcv_bufs(p: &mut Parser<'_>, w: &Words) -> HResult {
    rcv_bufs_size(p, w, "lvs_netlink_monitor", |g| &mut g.lvs_netlink_monitor_rcv_bufs)
}

pub(super) fn lvs_netlink_monitor_rcv_bufs_force(p: &mut Parser<'_>, w: &Words) -> HResult {
    rcv_bufs_force(p, w, "lvs_netlink_monitor", |g| &mut g.lvs_netlink_monitor_rcv_bufs)
}
