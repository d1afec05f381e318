//! `vrrp_instance` keywords about tracking, notification and gratuitous ARP: `track_*`,
//! `notify*`, `smtp_alert`, `garp_*`, `down_timer_adverts`, advert behaviour on priority, and the
//! deprecated `lvs_sync_daemon_interface`.

use super::super::{TrackKind, bool_opt, notify_script};
use super::{iname, inst, ist};
use crate::config::diag::Level;
use crate::config::model::Script;
use crate::config::model::vrrp::VrrpInstance;
use crate::config::netsyntax::{self, ListKind};
use crate::config::parser::{HResult, Parser, Words};
use crate::config::values::{self, TIMER_HZ};

pub(super) fn track_interface(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.value_block(w, |p, line| {
        let name = iname(p);
        let mut list = std::mem::take(&mut inst(p).track_interfaces);
        p.b.net.last_missing = None;
        let r = super::super::alloc_track_if(p, &name, &mut list, line);
        inst(p).track_interfaces = list;
        let words = line.words.first().cloned().into_iter().collect();
        keep_missing(p, Some("track_interface"), words);
        r
    });
    Ok(())
}

/// Keeps a line refused for naming a missing interface in the instance.
pub(super) fn keep_missing(p: &mut Parser<'_>, block: Option<&str>, words: Vec<String>) {
    if let Some(l) = super::super::missing_if_line(p, block, words) {
        inst(p).missing_interface_lines.push(l);
    }
}

/// Keeps an address/route/rule line refused for naming a missing interface in the instance.
pub(super) fn keep_missing_entry(p: &mut Parser<'_>, kind: ListKind, block: &str, line: &Words) {
    if let Some(l) = netsyntax::missing_line(p, kind, Some(block), line) {
        inst(p).missing_interface_lines.push(l);
    }
}

pub(super) fn track_script(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.value_block(w, |p, line| {
        let name = iname(p);
        let mut list = std::mem::take(&mut inst(p).track_scripts);
        let r = super::super::alloc_track_script(p, &name, &mut list, line);
        inst(p).track_scripts = list;
        r
    });
    Ok(())
}

pub(super) fn track_ref(p: &mut Parser<'_>, w: &Words, kind: TrackKind) {
    p.value_block(w, |p, line| {
        let name = iname(p);
        let i = inst(p);
        let slot = match kind {
            TrackKind::File => &mut i.track_files,
            TrackKind::Process => &mut i.track_processes,
            TrackKind::Bfd => &mut i.track_bfds,
        };
        let mut list = std::mem::take(slot);
        let r = super::super::alloc_track_ref(p, kind, &name, &mut list, line);
        let i = inst(p);
        match kind {
            TrackKind::File => i.track_files = list,
            TrackKind::Process => i.track_processes = list,
            TrackKind::Bfd => i.track_bfds = list,
        }
        r
    });
}

pub(super) fn track_file(p: &mut Parser<'_>, w: &Words) -> HResult {
    track_ref(p, w, TrackKind::File);
    Ok(())
}

pub(super) fn track_process(p: &mut Parser<'_>, w: &Words) -> HResult {
    track_ref(p, w, TrackKind::Process);
    Ok(())
}

pub(super) fn track_bfd(p: &mut Parser<'_>, w: &Words) -> HResult {
    track_ref(p, w, TrackKind::Bfd);
    Ok(())
}

pub(super) fn dont_track_primary(p: &mut Parser<'_>, _w: &Words) -> HResult {
    inst(p).dont_track_primary = true;
    Ok(())
}

/// Which notify script of an instance a keyword sets.
#[derive(Clone, Copy)]
pub(super) enum Notify {
    Backup,
    Master,
    Fault,
    Stop,
    Generic,
    MasterRxLowerPri,
}

pub(super) fn notify_slot(i: &mut VrrpInstance, n: Notify) -> &mut Option<Script> {
    match n {
        Notify::Backup => &mut i.notify_backup,
        Notify::Master => &mut i.notify_master,
        Notify::Fault => &mut i.notify_fault,
        Notify::Stop => &mut i.notify_stop,
        Notify::Generic => &mut i.notify,
        Notify::MasterRxLowerPri => &mut i.notify_master_rx_lower_pri,
    }
}

pub(super) fn set_notify(p: &mut Parser<'_>, w: &Words, n: Notify, key: &str) -> HResult {
    let name = iname(p);
    if notify_slot(inst(p), n).is_some() {
        let arg = w.get(1)?.to_string();
        p.report(
            Level::GeneralError,
            format!("({name}) {key} script already specified - ignoring {arg}"),
        );
        return Ok(());
    }
    let s = notify_script(p, "notify");
    *notify_slot(inst(p), n) = s;
    Ok(())
}

pub(super) fn notify_backup(p: &mut Parser<'_>, w: &Words) -> HResult {
    set_notify(p, w, Notify::Backup, "notify_backup")
}

pub(super) fn notify_master(p: &mut Parser<'_>, w: &Words) -> HResult {
    set_notify(p, w, Notify::Master, "notify_master")
}

pub(super) fn notify_fault(p: &mut Parser<'_>, w: &Words) -> HResult {
    set_notify(p, w, Notify::Fault, "notify_fault")
}

pub(super) fn notify_stop(p: &mut Parser<'_>, w: &Words) -> HResult {
    set_notify(p, w, Notify::Stop, "notify_stop")
}

pub(super) fn notify(p: &mut Parser<'_>, w: &Words) -> HResult {
    set_notify(p, w, Notify::Generic, "notify")
}

pub(super) fn notify_master_rx_lower_pri(p: &mut Parser<'_>, w: &Words) -> HResult {
    set_notify(p, w, Notify::MasterRxLowerPri, "notify_master_rx_lower_pri")
}

pub(super) fn notify_deleted(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = iname(p);
    if inst(p).notify_deleted {
        let arg = w.opt(1).unwrap_or("").to_string();
        p.report(
            Level::GeneralError,
            format!("({name}) notify_deleted already specified - ignoring {arg}"),
        );
        return Ok(());
    }
    if w.len() > 1 {
        let s = notify_script(p, "notify");
        inst(p).notify_deleted_script = s;
    }
    inst(p).notify_deleted = true;
    Ok(())
}

pub(super) fn smtp_alert(p: &mut Parser<'_>, w: &Words) -> HResult {
    if let Some(b) = bool_opt(p, w, |v| format!("Invalid vrrp_instance smtp_alert parameter {v}")) {
        ist(p).smtp_alert = Some(b);
    }
    Ok(())
}

pub(super) fn notify_priority_changes(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = iname(p);
    if let Some(b) = bool_opt(p, w, |v| {
        format!("({name}) Invalid value '{v}' for notify_priority_changes specified")
    }) {
        ist(p).notify_priority_changes = Some(b);
    }
    Ok(())
}

/// `lvs_sync_daemon_interface IF` (deprecated): the global `lvs_sync_daemon` for this instance,
/// unless one is already set (decided after parsing, see [`super::super::LvsSyncdInterface`]).
pub(super) fn lvs_sync_daemon_interface(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = iname(p);
    p.report(
        Level::GeneralError,
        format!("({name}) Specifying lvs_sync_daemon_interface against a vrrp is deprecated."),
    );
    let pad = " ".repeat(name.len().saturating_sub(2));
    p.report(
        Level::GeneralError,
        format!("      {pad}Please use global lvs_sync_daemon"),
    );
    let ifname = w.get(1).map(str::to_string).map_err(|e| e.0);
    let loc = p.loc();
    p.b.vrrp.lvs_syncd_interfaces.push(super::super::LvsSyncdInterface {
        instance: name,
        ifname,
        loc,
    });
    Ok(())
}

pub(super) fn garp_master_delay(p: &mut Parser<'_>, w: &Words) -> HResult {
    let word = w.get(1)?.to_string();
    let name = iname(p);
    match values::read_unsigned(p, &word, 0, u32::MAX / TIMER_HZ as u32, true) {
        Some(v) => inst(p).garp_master_delay = v,
        None => p.report(
            Level::GeneralError,
            format!("({name}): garp_master_delay '{word}' invalid - ignoring"),
        ),
    }
    Ok(())
}

pub(super) fn garp_master_refresh(p: &mut Parser<'_>, w: &Words) -> HResult {
    let word = w.get(1)?.to_string();
    let name = iname(p);
    match values::read_unsigned(p, &word, 0, u32::MAX, true) {
        Some(v) => inst(p).garp_master_refresh = v,
        None => {
            p.report(
                Level::GeneralError,
                format!("({name}): Invalid garp_master_refresh '{word}' - ignoring"),
            );
            inst(p).garp_master_refresh = 0;
        }
    }
    Ok(())
}

/// `garp_master_repeat` / `garp_master_refresh_repeat`: 0 is accepted and made 1.
pub(super) fn garp_repeat(p: &mut Parser<'_>, w: &Words, key: &str) -> Option<u32> {
    let word = w.words.get(1).cloned()?;
    let name = iname(p);
    let Some(v) = values::read_unsigned(p, &word, 0, u32::MAX, true) else {
        p.report(
            Level::GeneralError,
            format!("({name}): {key} '{word}' invalid - ignoring"),
        );
        return None;
    };
    if v == 0 {
        p.report(
            Level::GeneralError,
            format!("({name}): {key} must be greater than 0, setting to 1"),
        );
        return Some(1);
    }
    Some(v)
}

pub(super) fn garp_master_repeat(p: &mut Parser<'_>, w: &Words) -> HResult {
    w.get(1)?;
    if let Some(v) = garp_repeat(p, w, "garp_master_repeat") {
        inst(p).garp_master_repeat = v;
    }
    Ok(())
}

pub(super) fn garp_master_refresh_repeat(p: &mut Parser<'_>, w: &Words) -> HResult {
    w.get(1)?;
    if let Some(v) = garp_repeat(p, w, "garp_master_refresh_repeat") {
        inst(p).garp_master_refresh_repeat = v;
    }
    Ok(())
}

pub(super) fn garp_lower_prio_delay(p: &mut Parser<'_>, w: &Words) -> HResult {
    let word = w.get(1)?.to_string();
    let name = iname(p);
    match values::read_unsigned(p, &word, 0, u32::MAX / TIMER_HZ as u32, true) {
        Some(v) => ist(p).garp_lower_prio_delay = Some(v),
        None => p.report(
            Level::GeneralError,
            format!("({name}): garp_lower_prio_delay '{word}' invalid - ignoring"),
        ),
    }
    Ok(())
}

pub(super) fn garp_lower_prio_repeat(p: &mut Parser<'_>, w: &Words) -> HResult {
    let word = w.get(1)?.to_string();
    let name = iname(p);
    match values::read_unsigned(p, &word, 0, i32::MAX as u32, true) {
        Some(v) => ist(p).garp_lower_prio_repeat = Some(v),
        None => p.report(
            Level::GeneralError,
            format!("({name}): Invalid garp_lower_prio_repeat '{word}'"),
        ),
    }
    Ok(())
}

pub(super) fn down_timer_adverts(p: &mut Parser<'_>, w: &Words) -> HResult {
    let word = w.get(1)?.to_string();
    let name = iname(p);
    match values::read_unsigned(p, &word, 1, 100, true) {
        Some(v) => inst(p).down_timer_adverts = v,
        None => p.report(
            Level::GeneralError,
            format!("({name}): Invalid down_timer_adverts [1:100] '{word}'"),
        ),
    }
    Ok(())
}

/// `garp_extra_if [all] SECS` and its deprecated spelling `vmac_garp_intvl`.
pub(super) fn garp_extra_if(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = iname(p);
    let cmd = w.words[0].clone();
    if cmd == "vmac_garp_intvl" {
        p.report(
            Level::Deprecated,
            "Keyword \"vmac_garp_intvl\" is deprecated - please use \"garp_extra_if\"",
        );
    }
    let mut delay: Option<u32> = None;
    let mut all = ist(p).garp_extra_if.map(|(_, a)| a).unwrap_or(false);
    for word in w.from(1).to_vec() {
        if word == "all" {
            all = true;
        } else {
            match values::read_unsigned(p, &word, 0, 86400, true) {
                Some(v) => delay = Some(v),
                None => {
                    p.report(
                        Level::GeneralError,
                        format!("({name}): {cmd} '{word}' invalid - ignoring"),
                    );
                    if all {
                        // keepalived has already set the "all" flag.
                        let d = ist(p).garp_extra_if.map(|(d, _)| d);
                        ist(p).garp_extra_if = d.map(|d| (d, true));
                    }
                    return Ok(());
                }
            }
        }
    }
    let Some(d) = delay else {
        p.report(
            Level::GeneralError,
            format!("({name}): {cmd} specified without time - ignoring"),
        );
        return Ok(());
    };
    ist(p).garp_extra_if = Some((d, all));
    Ok(())
}

pub(super) fn lower_prio_no_advert(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = iname(p);
    if let Some(b) = bool_opt(p, w, |v| format!("({name}) invalid lower_prio_no_advert {v} specified")) {
        ist(p).lower_prio_no_advert = Some(b);
    }
    Ok(())
}

pub(super) fn higher_prio_send_advert(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = iname(p);
    if let Some(b) = bool_opt(p, w, |v| {
        format!("({name}) invalid higher_prio_send_advert {v} specified")
    }) {
        ist(p).higher_prio_send_advert = Some(b);
    }
    Ok(())
}
