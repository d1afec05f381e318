//! `vrrp_sync_group NAME { ... }` (keepalived's `vrrp_sync_group_handler()` and the `vrrp_g*`
//! handlers of `vrrp_parser.c`).

use super::{GroupState, TrackKind, bool_opt, notify_script};
use crate::config::diag::Level;
use crate::config::model::vrrp::SyncGroup;
use crate::config::model::{Origin, Script};
use crate::config::parser::{Block, HResult, Keyword, Parser, Words, kw};

fn grp<'a>(p: &'a mut Parser<'_>) -> &'a mut SyncGroup {
    p.b.cfg
        .vrrp
        .sync_groups
        .last_mut()
        .expect("sync group keywords run only inside a vrrp_sync_group")
}

fn gname(p: &Parser<'_>) -> String {
    p.b.cfg
        .vrrp
        .sync_groups
        .last()
        .map(|g| g.name.clone())
        .unwrap_or_default()
}

/// `vrrp_sync_group NAME`.
pub fn sync_group(p: &mut Parser<'_>, w: &Words) -> HResult {
    if w.len() != 2 {
        p.report(Level::GeneralError, "vrrp_sync_group must have a name - skipping");
        p.skip_block(true);
        return Ok(());
    }
    let name = w.words[1].clone();
    if p.b.cfg.vrrp.sync_group(&name).is_some() {
        p.report(Level::GeneralError, format!("vrrp sync group {name} already defined"));
        p.skip_block(true);
        return Ok(());
    }
    p.b.cfg.vrrp.sync_groups.push(SyncGroup {
        name,
        members: Vec::new(),
        track_interfaces: Vec::new(),
        track_scripts: Vec::new(),
        track_files: Vec::new(),
        track_processes: Vec::new(),
        track_bfds: Vec::new(),
        notify_backup: None,
        notify_master: None,
        notify_fault: None,
        notify_stop: None,
        notify: None,
        smtp_alert: false,
        sync_group_tracking_weight: false,
        notify_priority_changes: None,
        missing_interface_lines: Vec::new(),
        origin: Origin(p.loc()),
    });
    p.b.vrrp.groups.push(GroupState::default());
    // keepalived keeps smtp_alert "unset" until validation.
    p.b.vrrp.group_smtp.push(None);
    Ok(())
}

fn group(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = gname(p);
    if p.b.vrrp.groups.last().is_some_and(|g| g.iname.is_some()) {
        p.report(
            Level::GeneralError,
            format!("Group list already specified for sync group {name}"),
        );
        p.skip_block(true);
        return Ok(());
    }
    let words = p.read_value_block(w);
    if words.is_empty() {
        p.report(
            Level::GeneralError,
            format!("Warning - sync group {name} has empty group block"),
        );
    } else if let Some(g) = p.b.vrrp.groups.last_mut() {
        g.iname = Some(words);
    }
    Ok(())
}

fn track_interface(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.value_block(w, |p, line| {
        let name = gname(p);
        let mut list = std::mem::take(&mut grp(p).track_interfaces);
        p.b.net.last_missing = None;
        let r = super::alloc_track_if(p, &name, &mut list, line);
        grp(p).track_interfaces = list;
        let words = line.words.first().cloned().into_iter().collect();
        if let Some(l) = super::missing_if_line(p, Some("track_interface"), words) {
            grp(p).missing_interface_lines.push(l);
        }
        r
    });
    Ok(())
}

fn track_script(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.value_block(w, |p, line| {
        let name = gname(p);
        let mut list = std::mem::take(&mut grp(p).track_scripts);
        let r = super::alloc_track_script(p, &name, &mut list, line);
        grp(p).track_scripts = list;
        r
    });
    Ok(())
}

fn track_ref(p: &mut Parser<'_>, w: &Words, kind: TrackKind) {
    p.value_block(w, |p, line| {
        let name = gname(p);
        let g = grp(p);
        let slot = match kind {
            TrackKind::File => &mut g.track_files,
            TrackKind::Process => &mut g.track_processes,
            TrackKind::Bfd => &mut g.track_bfds,
        };
        let mut list = std::mem::take(slot);
        let r = super::alloc_track_ref(p, kind, &name, &mut list, line);
        let g = grp(p);
        match kind {
            TrackKind::File => g.track_files = list,
            TrackKind::Process => g.track_processes = list,
            TrackKind::Bfd => g.track_bfds = list,
        }
        r
    });
}

fn track_file(p: &mut Parser<'_>, w: &Words) -> HResult {
    track_ref(p, w, TrackKind::File);
    Ok(())
}

fn track_process(p: &mut Parser<'_>, w: &Words) -> HResult {
    track_ref(p, w, TrackKind::Process);
    Ok(())
}

fn track_bfd(p: &mut Parser<'_>, w: &Words) -> HResult {
    track_ref(p, w, TrackKind::Bfd);
    Ok(())
}

#[derive(Clone, Copy)]
enum Notify {
    Backup,
    Master,
    Fault,
    Stop,
    Generic,
}

fn slot(g: &mut SyncGroup, n: Notify) -> &mut Option<Script> {
    match n {
        Notify::Backup => &mut g.notify_backup,
        Notify::Master => &mut g.notify_master,
        Notify::Fault => &mut g.notify_fault,
        Notify::Stop => &mut g.notify_stop,
        Notify::Generic => &mut g.notify,
    }
}

fn set_notify(p: &mut Parser<'_>, w: &Words, n: Notify, key: &str) -> HResult {
    let name = gname(p);
    if slot(grp(p), n).is_some() {
        let arg = w.get(1)?.to_string();
        p.report(
            Level::GeneralError,
            format!("vrrp group {name}: {key} script already specified - ignoring {arg}"),
        );
        return Ok(());
    }
    let s = notify_script(p, "notify");
    *slot(grp(p), n) = s;
    Ok(())
}

fn notify_backup(p: &mut Parser<'_>, w: &Words) -> HResult {
    set_notify(p, w, Notify::Backup, "notify_backup")
}
fn notify_master(p: &mut Parser<'_>, w: &Words) -> HResult {
    set_notify(p, w, Notify::Master, "notify_master")
}
fn notify_fault(p: &mut Parser<'_>, w: &Words) -> HResult {
    set_notify(p, w, Notify::Fault, "notify_fault")
}
fn notify_stop(p: &mut Parser<'_>, w: &Words) -> HResult {
    set_notify(p, w, Notify::Stop, "notify_stop")
}
fn notify(p: &mut Parser<'_>, w: &Words) -> HResult {
    set_notify(p, w, Notify::Generic, "notify")
}

fn smtp_alert(p: &mut Parser<'_>, w: &Words) -> HResult {
    if let Some(b) = bool_opt(p, w, |v| format!("Invalid vrrp_group smtp_alert parameter {v}")) {
        if let Some(s) = p.b.vrrp.group_smtp.last_mut() {
            *s = Some(b);
        }
    }
    Ok(())
}

fn global_tracking(p: &mut Parser<'_>, _w: &Words) -> HResult {
    let name = gname(p);
    p.report(
        Level::GeneralError,
        format!("({name}) global_tracking is deprecated. Use track_interface/script/file on the sync group"),
    );
    grp(p).sync_group_tracking_weight = true;
    Ok(())
}

fn sync_group_tracking_weight(p: &mut Parser<'_>, _w: &Words) -> HResult {
    grp(p).sync_group_tracking_weight = true;
    Ok(())
}

fn notify_priority_changes(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = gname(p);
    if let Some(b) = bool_opt(p, w, |v| {
        format!("({name}) Invalid value '{v}' for sync group notify_priority_changes specified")
    }) {
        grp(p).notify_priority_changes = Some(b);
    }
    Ok(())
}

static SYNC_GROUP_KEYWORDS: &[Keyword] = &[
    kw("group", group),
    kw("track_interface", track_interface),
    kw("track_script", track_script),
    kw("track_file", track_file),
    kw("track_process", track_process),
    kw("track_bfd", track_bfd),
    kw("notify_backup", notify_backup),
    kw("notify_master", notify_master),
    kw("notify_fault", notify_fault),
    kw("notify_stop", notify_stop),
    kw("notify", notify),
    kw("smtp_alert", smtp_alert),
    kw("global_tracking", global_tracking),
    kw("sync_group_tracking_weight", sync_group_tracking_weight),
    kw("notify_priority_changes", notify_priority_changes),
];

/// `vrrp_sync_group NAME { ... }`.
pub static SYNC_GROUP: Block = Block::new("vrrp_sync_group", &[SYNC_GROUP_KEYWORDS], None);
