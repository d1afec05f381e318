//! The smaller VRRP root blocks: `track_group`, `garp_group`, `linkbeat_interfaces` and
//! `interface_up_down_delays` (`vrrp_parser.c`).

use super::{if_get_dynamic, if_get_if_dynamic_silent};
use crate::config::diag::Level;
use crate::config::model::Origin;
use crate::config::model::vrrp::{GarpGroup, LinkbeatInterface, LinkbeatType, TrackGroup, UpDownDelay};
use crate::config::parser::{Block, HResult, Keyword, Parser, Words, kw};
use crate::config::values::{self, TIMER_HZ};

/// `track_group NAME`.
pub fn track_group(p: &mut Parser<'_>, w: &Words) -> HResult {
    if w.len() != 2 {
        p.report(Level::GeneralError, "track_group must have a name - skipping");
        p.skip_block(true);
        return Ok(());
    }
    let name = w.words[1].clone();
    if p.b.cfg.vrrp.track_group(&name).is_some() {
        p.report(Level::GeneralError, format!("track_group {name} already defined"));
        p.skip_block(true);
        return Ok(());
    }
    // Static addresses, routes and rules below this line may now name the group.
    crate::config::netsyntax::register_static_track_group(p, &name);
    p.b.cfg.vrrp.track_groups.push(TrackGroup {
        name,
        instances: Vec::new(),
        origin: Origin(p.loc()),
    });
    p.b.vrrp.track_group_has_list.push(false);
    Ok(())
}

fn track_group_group(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name =
        p.b.cfg
            .vrrp
            .track_groups
            .last()
            .map(|g| g.name.clone())
            .unwrap_or_default();
    if p.b.vrrp.track_group_has_list.last() == Some(&true) {
        // keepalived's wording, "sync group" included.
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
            format!("Warning - track group {name} has empty group block"),
        );
        return Ok(());
    }
    if let Some(f) = p.b.vrrp.track_group_has_list.last_mut() {
        *f = true;
    }
    if let Some(g) = p.b.cfg.vrrp.track_groups.last_mut() {
        g.instances = words;
    }
    Ok(())
}

static TRACK_GROUP_KEYWORDS: &[Keyword] = &[kw("group", track_group_group)];

/// `track_group NAME { ... }`.
pub static TRACK_GROUP: Block = Block::new("track_group", &[TRACK_GROUP_KEYWORDS], None);

/// `garp_group`.
pub fn garp_group(p: &mut Parser<'_>, _w: &Words) -> HResult {
    p.b.cfg.vrrp.garp_groups.push(GarpGroup {
        garp_interval: None,
        gna_interval: None,
        interface: Vec::new(),
        interfaces: Vec::new(),
        aggregation_group: 0,
        missing_interfaces: Vec::new(),
        origin: Origin(p.loc()),
    });
    Ok(())
}

fn garp_cur<'a>(p: &'a mut Parser<'_>) -> &'a mut GarpGroup {
    p.b.cfg.vrrp.garp_groups.last_mut().expect("inside garp_group")
}

/// The interface already belongs to a garp group.
fn has_garp_group(p: &Parser<'_>, ifname: &str) -> bool {
    p.b.cfg
        .vrrp
        .garp_groups
        .iter()
        .any(|g| g.interface.iter().chain(g.interfaces.iter()).any(|i| i == ifname))
}

fn garp_interval_common(p: &mut Parser<'_>, w: &Words, gna: bool) -> HResult {
    let word = w.get(1)?.to_string();
    let key = if gna { "gna_interval" } else { "garp_interval" };
    let Some(v) = values::read_decimal(p, &word, 0, i32::MAX as u64, 6, true) else {
        p.report(Level::GeneralError, format!("garp_group {key} '{word}' invalid"));
        return Ok(());
    };
    if gna {
        garp_cur(p).gna_interval = Some(v);
    } else {
        garp_cur(p).garp_interval = Some(v);
    }
    if v >= TIMER_HZ {
        p.report(Level::Info, format!("The {key} is very large - {word} seconds"));
    }
    Ok(())
}

fn garp_interval(p: &mut Parser<'_>, w: &Words) -> HResult {
    garp_interval_common(p, w, false)
}

fn gna_interval(p: &mut Parser<'_>, w: &Words) -> HResult {
    garp_interval_common(p, w, true)
}

fn garp_interface(p: &mut Parser<'_>, w: &Words) -> HResult {
    let ifname = w.get(1)?.to_string();
    if !if_get_dynamic(p, &ifname) {
        p.report(
            Level::GeneralError,
            format!("WARNING - interface {ifname} specified for garp_group doesn't exist"),
        );
        p.b.net.last_missing = None;
        garp_cur(p).missing_interfaces.push(ifname);
        return Ok(());
    }
    if has_garp_group(p, &ifname) {
        p.report(
            Level::GeneralError,
            format!("garp_group already specified for {ifname} - ignoring"),
        );
        return Ok(());
    }
    garp_cur(p).interface.push(ifname);
    Ok(())
}

fn garp_interfaces(p: &mut Parser<'_>, w: &Words) -> HResult {
    let vec = p.read_value_block(w);
    if vec.is_empty() {
        p.report(Level::GeneralError, "Warning - empty garp_group interfaces block");
        return Ok(());
    }
    let n = p.b.cfg.vrrp.garp_groups.len();
    let others = p.b.cfg.vrrp.garp_groups[..n - 1]
        .iter()
        .filter(|g| g.aggregation_group != 0)
        .count() as u32;
    garp_cur(p).aggregation_group = 1 + others;
    for ifname in &vec {
        if !if_get_dynamic(p, ifname) {
            p.report(
                Level::GeneralError,
                format!("WARNING - interface {ifname} specified for garp_group doesn't exist"),
            );
            p.b.net.last_missing = None;
            garp_cur(p).missing_interfaces.push(ifname.clone());
            continue;
        }
        if has_garp_group(p, ifname) {
            // keepalived names the block's second word here, whichever interface it is.
            let shown = vec.get(1).unwrap_or(ifname).clone();
            p.report(
                Level::GeneralError,
                format!("garp_group already specified for {shown} - ignoring"),
            );
            continue;
        }
        garp_cur(p).interfaces.push(ifname.clone());
    }
    Ok(())
}

/// keepalived's `garp_group_end_handler()`.
fn garp_group_end(p: &mut Parser<'_>) {
    let g = garp_cur(p);
    if g.garp_interval.is_none() && g.gna_interval.is_none() {
        let n = g.aggregation_group;
        p.report(
            Level::GeneralError,
            format!("garp group {n} does not have any delay set - removing"),
        );
        p.b.cfg.vrrp.garp_groups.pop();
    }
}

static GARP_GROUP_KEYWORDS: &[Keyword] = &[
    kw("garp_interval", garp_interval),
    kw("gna_interval", gna_interval),
    kw("interface", garp_interface),
    kw("interfaces", garp_interfaces),
];

/// `garp_group { ... }`.
pub static GARP_GROUP: Block = Block::new("garp_group", &[GARP_GROUP_KEYWORDS], Some(garp_group_end));

/// keepalived's `alloc_linkbeat_interface()`.
fn alloc_linkbeat_interface(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = w.get(0)?.to_string();
    if !if_get_if_dynamic_silent(p, &name) {
        p.report(
            Level::Fatal,
            format!("unknown interface {name} specified for linkbeat interface"),
        );
        return Ok(());
    }
    let mut kind = LinkbeatType::Default;
    if let Some(t) = w.opt(1) {
        kind = match t {
            "MII" => LinkbeatType::Mii,
            "ETHTOOL" => LinkbeatType::Ethtool,
            "IOCTL" => LinkbeatType::Ioctl,
            _ => LinkbeatType::Default,
        };
        if kind == LinkbeatType::Default || w.len() > 2 {
            p.report(
                Level::GeneralError,
                format!("extra characters {t} in linkbeat interface"),
            );
        }
    }
    let list = &mut p.b.cfg.vrrp.linkbeat_interfaces;
    match list.iter_mut().find(|l| l.name == name) {
        Some(l) => l.kind = kind,
        None => list.push(LinkbeatInterface { name, kind }),
    }
    Ok(())
}

/// `linkbeat_interfaces { IF [MII|ETHTOOL|IOCTL] ... }`.
pub fn linkbeat_interfaces(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.value_block(w, alloc_linkbeat_interface);
    Ok(())
}

/// keepalived's `alloc_if_up_down_delay()`.
fn alloc_if_up_down_delay(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = w.get(0)?.to_string();
    if !if_get_if_dynamic_silent(p, &name) {
        p.report(
            Level::Fatal,
            format!("unknown interface {name} specified for up/down delay"),
        );
        return Ok(());
    }
    if w.len() < 2 {
        p.report(Level::Info, format!("No timeouts specified for {name} up/down delays"));
        return Ok(());
    }
    if w.len() > 3 {
        p.report(Level::Info, format!("Too many parameters for {name} up/down delays"));
    }
    let Some(down) = values::read_timer(p, &w.words[1].clone(), 0, 255 * TIMER_HZ, true) else {
        p.report(Level::Info, format!("Invalid down delay {} for {name}", w.words[1]));
        return Ok(());
    };
    let up = if w.len() == 2 {
        0
    } else {
        let Some(up) = values::read_timer(p, &w.words[2].clone(), 0, 255 * TIMER_HZ, true) else {
            p.report(Level::Info, format!("Invalid up delay {} for {name}", w.words[2]));
            return Ok(());
        };
        up
    };
    let list = &mut p.b.cfg.vrrp.interface_up_down_delays;
    match list.iter_mut().find(|d| d.name == name) {
        Some(d) => {
            d.down = down;
            d.up = up;
        }
        None => list.push(UpDownDelay { name, down, up }),
    }
    Ok(())
}

/// `interface_up_down_delays { IF DOWN [UP] ... }`.
pub fn interface_up_down_delays(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.value_block(w, alloc_if_up_down_delay);
    Ok(())
}
