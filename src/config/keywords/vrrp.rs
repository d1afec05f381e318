//! Keyword tables and handlers for the VRRP root blocks (keepalived's `init_vrrp_keywords()` in
//! `vrrp_parser.c`), split by block: [`instance`] (`vrrp_instance`), [`sync`]
//! (`vrrp_sync_group`), [`script`] (`vrrp_script`) and [`misc`] (`track_group`, `garp_group`,
//! `linkbeat_interfaces`, `interface_up_down_delays`). This module holds the handler state and
//! the helpers they share (interface lookup, tracking lists, notify scripts, addresses).

#[path = "vrrp_instance.rs"]
pub mod instance;
#[path = "vrrp_misc.rs"]
pub mod misc;
#[path = "vrrp_script.rs"]
pub mod script;
#[path = "vrrp_sync.rs"]
pub mod sync;

use std::net::IpAddr;

use crate::config::diag::Level;
use crate::config::keywords::global;
use crate::config::model::net::MissingInterfaceLine;
use crate::config::model::vrrp::{Family, Tracked, TrackedRef, VrrpState};
use crate::config::model::{Origin, Script};
use crate::config::netsyntax;
use crate::config::parser::{HResult, Keyword, Parser, Words, kw_block};
use crate::config::script as scr;
use crate::config::values;

/// What keepalived keeps "unset" in a `vrrp_t` until `vrrp_complete_instance()` decides it; one
/// per entry of `cfg.vrrp.instances`.
#[derive(Clone, Debug, Default)]
pub struct InstanceState {
    /// `wantstate` before completion (`None` = `VRRP_STATE_INIT`).
    pub wantstate: Option<VrrpState>,
    /// `base_priority` (0 = not given).
    pub priority: u8,
    /// `version` (0 = not given).
    pub version: u8,
    /// Family deduced so far (`AF_UNSPEC` = `None`).
    pub family: Option<Family>,
    /// `unicast_ttl` (`None` = keepalived's -1).
    pub ttl: Option<u8>,
    /// `accept` / `no_accept`.
    pub accept: Option<bool>,
    /// `strict_mode`.
    pub strict: Option<bool>,
    /// `garp_lower_prio_delay` (seconds).
    pub garp_lower_prio_delay: Option<u32>,
    /// `garp_lower_prio_repeat`.
    pub garp_lower_prio_repeat: Option<u32>,
    /// `lower_prio_no_advert`.
    pub lower_prio_no_advert: Option<bool>,
    /// `higher_prio_send_advert`.
    pub higher_prio_send_advert: Option<bool>,
    /// `smtp_alert`.
    pub smtp_alert: Option<bool>,
    /// `notify_priority_changes`.
    pub notify_priority_changes: Option<bool>,
    /// `garp_extra_if` seconds and `all`.
    pub garp_extra_if: Option<(u32, bool)>,
    /// `advert_int` in microseconds (0 = not given).
    pub advert_int: u64,
    /// The `interface` exists on the host (keepalived: `ifp->ifindex != 0`).
    pub if_exists: bool,
    /// The `vrrp_instance` line.
    pub line: Option<crate::config::diag::Loc>,
}

/// Parse-time state of a `vrrp_sync_group`, one per entry of `cfg.vrrp.sync_groups`.
#[derive(Clone, Debug, Default)]
pub struct GroupState {
    /// The words of `group { }` (keepalived's `iname`), `None` if not given or empty.
    pub iname: Option<Vec<String>>,
}

/// A deprecated per-instance `lvs_sync_daemon_interface IF`. keepalived's VRRP pass reads it
/// after its parent has read `global_defs`, so whether a global `lvs_sync_daemon` wins is settled
/// once everything is read ([`crate::config::validate::vrrp`]).
#[derive(Clone, Debug)]
pub struct LvsSyncdInterface {
    /// The instance.
    pub instance: String,
    /// The interface, or keepalived's missing-parameter message when the line has none.
    pub ifname: Result<String, String>,
    /// The line.
    pub loc: Option<crate::config::diag::Loc>,
}

/// Handler state while VRRP blocks are open, and what keepalived keeps outside its data
/// structures until validation.
#[derive(Debug, Default)]
pub struct State {
    /// Per instance, parallel to `cfg.vrrp.instances`.
    pub inst: Vec<InstanceState>,
    /// Per sync group, parallel to `cfg.vrrp.sync_groups`.
    pub groups: Vec<GroupState>,
    /// Per sync group, `smtp_alert` as given (keepalived's -1 = `None`).
    pub group_smtp: Vec<Option<bool>>,
    /// Per track group, the `group { }` was given.
    pub track_group_has_list: Vec<bool>,
    /// `vrrp_script`: `user` was given and worked.
    pub script_user_set: bool,
    /// `vrrp_script`: the script is to be removed at the end of its block.
    pub remove_script: bool,
    /// Some VRRP root keyword was seen (keepalived's `have_vrrp_config`).
    pub have_vrrp_config: bool,
    /// Names of the instances read so far (the duplicate check, without a scan per instance).
    pub instance_names: std::collections::HashSet<String>,
    /// `lvs_sync_daemon_interface` lines, in order.
    pub lvs_syncd_interfaces: Vec<LvsSyncdInterface>,
}

/// Top-level keywords of this family, in keepalived's installation order.
pub static ROOT: &[Keyword] = &[
    kw_block("track_group", Some(misc::track_group), &misc::TRACK_GROUP),
    kw_block("vrrp_sync_group", Some(sync::sync_group), &sync::SYNC_GROUP),
    kw_block("garp_group", Some(misc::garp_group), &misc::GARP_GROUP),
    crate::config::parser::kw("linkbeat_interfaces", misc::linkbeat_interfaces),
    kw_block("vrrp_instance", Some(instance::vrrp_instance), &instance::VRRP_INSTANCE),
    kw_block("vrrp_script", Some(script::vrrp_script), &script::VRRP_SCRIPT),
    crate::config::parser::kw("interface_up_down_delays", misc::interface_up_down_delays),
];

/// keepalived's `if_get_by_ifname(name, IF_CREATE_IF_DYNAMIC)`: whether the interface can be
/// used. The one lookup of every family ([`netsyntax::interface_lookup`]): a missing interface
/// is created under `dynamic_interfaces` (with keepalived's log line), and otherwise remembered,
/// so that VRRP validation stops with "Non-existent interface specified in configuration".
pub fn if_get_dynamic(p: &mut Parser<'_>, name: &str) -> bool {
    netsyntax::interface_lookup(p, name)
}

/// keepalived's `if_get_by_ifname(name, global_data->dynamic_interfaces)` (linkbeat and
/// up/down delays): without `dynamic_interfaces` a missing interface is simply not found (and
/// does not stop the VRRP process).
pub fn if_get_if_dynamic_silent(p: &mut Parser<'_>, name: &str) -> bool {
    if p.b.cfg.global.dynamic_interfaces {
        return netsyntax::interface_lookup(p, name);
    }
    p.b.net
        .interfaces
        .get(name)
        .copied()
        .unwrap_or_else(|| p.sys.interface_exists(name))
}

/// Takes the interface of the last failed lookup and keeps it as a line of the instance or
/// group being read (`block` `None`: a keyword line such as `interface NAME`).
pub fn missing_if_line(p: &mut Parser<'_>, block: Option<&str>, words: Vec<String>) -> Option<MissingInterfaceLine> {
    p.b.net.last_missing.take()?;
    Some(MissingInterfaceLine {
        block: block.map(str::to_string),
        words,
        origin: Origin(p.loc()),
    })
}

/// keepalived's `inet_stosockaddr(s, NULL, ...)`: an address, ignoring anything from a `-` or
/// `/` on; the family is IPv6 if the text has a `:`.
pub fn parse_sockaddr(s: &str) -> Option<IpAddr> {
    let cut = s.find('-').or_else(|| s.find('/')).unwrap_or(s.len());
    let text = &s[..cut];
    if s.contains(':') {
        text.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6)
    } else {
        text.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
    }
}

/// The default script user (keepalived's `get_default_script_user()`), shared with every
/// family: decided once, reported where keepalived's VRRP pass would.
pub fn default_script_user(p: &mut Parser<'_>) -> scr::DefaultUser {
    global::default_script_user_in(p, global::ScriptPass::Vrrp)
}

/// keepalived's `notify_script_init()` with the default user applied: `None` (after keepalived's
/// log lines) if the script cannot be used.
pub fn notify_script(p: &mut Parser<'_>, kind: &str) -> Option<Script> {
    global::notify_script_init_in(p, kind, global::ScriptPass::Vrrp)
}

/// Which tracking list a line of `track_*` belongs to, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrackKind {
    /// `track_file`.
    File,
    /// `track_process`.
    Process,
    /// `track_bfd`.
    Bfd,
}

/// keepalived's `alloc_track_if()`: one line of `track_interface { IF [weight N [reverse]] }`
/// for the instance or group `owner`.
pub fn alloc_track_if(p: &mut Parser<'_>, owner: &str, list: &mut Vec<Tracked>, w: &Words) -> HResult {
    let tracked = w.get(0)?.to_string();
    if !if_get_dynamic(p, &tracked) {
        p.report(
            Level::GeneralError,
            format!("({owner}) tracked interface {tracked} doesn't exist"),
        );
        return Ok(());
    }
    if list.iter().any(|t| t.name == tracked) {
        p.report(
            Level::GeneralError,
            format!("({owner}) duplicate track_interface {tracked} - ignoring"),
        );
        return Ok(());
    }
    let mut weight = 0;
    let mut reverse = false;
    if w.len() >= 2 {
        if w.words[1] != "weight" {
            p.report(
                Level::GeneralError,
                format!(
                    "({owner}) unknown track_interface {tracked} option {} - ignoring",
                    w.words[1]
                ),
            );
            return Ok(());
        }
        if w.len() == 2 {
            p.report(
                Level::GeneralError,
                format!("({owner}) weight without value specified for track_interface {tracked} - ignoring"),
            );
            return Ok(());
        }
        match values::read_int(p, &w.words[2], -254, 254, true) {
            None => {
                p.report(
                    Level::GeneralError,
                    format!(
                        "({owner}) weight {} for {tracked} must be between [-253..253] inclusive. Ignoring...",
                        w.words[2]
                    ),
                );
            }
            Some(v) if v == 254 || v == -254 => {
                p.report(
                    Level::GeneralError,
                    format!("({owner}) weight for {tracked} cannot be +/-254. Setting to +/-253"),
                );
                weight = if v < 0 { -253 } else { 253 };
            }
            Some(v) => weight = v,
        }
        if w.len() >= 4 {
            if w.words[3] == "reverse" {
                reverse = true;
            } else {
                p.report(
                    Level::GeneralError,
                    format!(
                        "({owner}) unknown track_interace {tracked} weight option {} - ignoring",
                        w.words[3]
                    ),
                );
            }
        }
    }
    list.push(Tracked {
        name: tracked,
        weight,
        reverse,
    });
    Ok(())
}

/// keepalived's `alloc_track_script()`: the script must already be defined.
pub fn alloc_track_script(p: &mut Parser<'_>, owner: &str, list: &mut Vec<Tracked>, w: &Words) -> HResult {
    let tracked = w.get(0)?.to_string();
    let Some((def_weight, def_reverse)) = p.b.cfg.vrrp.script(&tracked).map(|s| (s.weight, s.weight_reverse)) else {
        p.report(
            Level::GeneralError,
            format!("({owner}) track script {tracked} not found, ignoring..."),
        );
        return Ok(());
    };
    if list.iter().any(|t| t.name == tracked) {
        p.report(
            Level::GeneralError,
            format!("({owner}) duplicate track_script {tracked} - ignoring"),
        );
        return Ok(());
    }
    let mut weight = def_weight;
    let mut reverse = def_reverse;
    if w.len() >= 2 {
        if w.words[1] != "weight" {
            p.report(
                Level::GeneralError,
                format!("({owner}) unknown track script option {} - ignoring", w.words[1]),
            );
            return Ok(());
        }
        if w.len() == 2 {
            p.report(
                Level::GeneralError,
                format!("({owner}) weight without value specified for track script {tracked} - ignoring"),
            );
            return Ok(());
        }
        match values::read_int(p, &w.words[2], -254, 254, true) {
            None => {
                weight = def_weight;
                p.report(
                    Level::GeneralError,
                    format!(
                        "({owner}) track script {tracked}: weight must be between [-253..253] inclusive, ignoring..."
                    ),
                );
            }
            Some(v) if v == 254 || v == -254 => {
                p.report(
                    Level::GeneralError,
                    format!("({owner}) weight for {tracked} cannot be +/-254. Setting to +/-253"),
                );
                weight = if v < 0 { -253 } else { 253 };
            }
            Some(v) => weight = v,
        }
        if w.len() >= 4 {
            match w.words[3].as_str() {
                "reverse" => reverse = true,
                "noreverse" => reverse = false,
                o => p.report(
                    Level::GeneralError,
                    format!("({owner}) unknown track_script {tracked} weight option {o} - ignoring"),
                ),
            }
        }
    }
    list.push(Tracked {
        name: tracked,
        weight,
        reverse,
    });
    Ok(())
}

/// keepalived's `vrrp_alloc_track_file()`, `alloc_track_process()` and `alloc_track_bfd()`:
/// the tracker must already be defined (by the track or BFD family).
pub fn alloc_track_ref(
    p: &mut Parser<'_>,
    kind: TrackKind,
    owner: &str,
    list: &mut Vec<TrackedRef>,
    w: &Words,
) -> HResult {
    let tracked = w.get(0)?.to_string();
    let (what, key) = match kind {
        TrackKind::File => ("file", "track_file"),
        TrackKind::Process => ("process", "track_process"),
        TrackKind::Bfd => ("bfd", "track_bfd"),
    };
    // The tracker's own weight is the default (keepalived's `vsf->weight` & co.); BFD
    // instances are looked up as the VRRP process knows them.
    let defaults = match kind {
        TrackKind::File => p.b.cfg.track.file(&tracked).map(|f| (f.weight, f.weight_reverse)),
        TrackKind::Process => p.b.cfg.track.process(&tracked).map(|t| (t.weight, t.weight_reverse)),
        TrackKind::Bfd => {
            p.b.cfg
                .bfd
                .vrrp_tracked(&tracked)
                .map(|(_, v)| (v.weight, v.weight_reverse))
        }
    };
    let Some((def_weight, def_reverse)) = defaults else {
        p.report(
            Level::GeneralError,
            format!("({owner}) track {what} {tracked} not found, ignoring..."),
        );
        return Ok(());
    };
    if list.iter().any(|t| t.name == tracked) {
        p.report(
            Level::GeneralError,
            format!("({owner}) duplicate {key} {tracked} - ignoring"),
        );
        return Ok(());
    }
    let mut weight = def_weight;
    let mut reverse = def_reverse;
    if w.len() >= 2 {
        if w.words[1] != "weight" {
            let m = match kind {
                TrackKind::Bfd => format!("({owner}) unknown track bfd {tracked} option {} - ignoring", w.words[1]),
                _ => format!("({owner}) unknown track {what} option {} - ignoring", w.words[1]),
            };
            p.report(Level::GeneralError, m);
            return Ok(());
        }
        if w.len() == 2 {
            let m = format!("({owner}) weight without value specified for track {what} {tracked} - ignoring");
            p.report(Level::GeneralError, m);
            return Ok(());
        }
        let (lo, hi) = if kind == TrackKind::Bfd {
            (-253, 253)
        } else {
            (-254, 254)
        };
        match values::read_int(p, &w.words[2], lo, hi, true) {
            Some(v) => weight = v,
            None => {
                let m = format!(
                    "({owner}) weight for track {what} {tracked} must be in [{lo}..{hi}] inclusive. Ignoring..."
                );
                p.report(Level::GeneralError, m);
            }
        }
        if w.len() >= 4 {
            match w.words[3].as_str() {
                "reverse" => reverse = true,
                "noreverse" => reverse = false,
                o => {
                    // keepalived spells this one `track_process`, the others `track file`/`track bfd`.
                    let label = if kind == TrackKind::Process {
                        key.to_string()
                    } else {
                        format!("track {what}")
                    };
                    let m = format!("({owner}) unknown {label} {tracked} weight option {o} - ignoring");
                    p.report(Level::GeneralError, m);
                    if kind != TrackKind::Process {
                        return Ok(());
                    }
                }
            }
        }
    }
    list.push(TrackedRef {
        name: tracked,
        weight,
        reverse,
    });
    Ok(())
}

/// A `true|false` option that defaults to true without a value (`smtp_alert`,
/// `notify_priority_changes`, ...): `Some(value)`, or `None` after `bad(word)` was reported.
pub fn bool_opt(p: &mut Parser<'_>, w: &Words, bad: impl FnOnce(&str) -> String) -> Option<bool> {
    match w.opt(1) {
        None => Some(true),
        Some(v) => match values::check_true_false(v) {
            Some(b) => Some(b),
            None => {
                let m = bad(v);
                p.report(Level::GeneralError, m);
                None
            }
        },
    }
}
