//! Who tracks each tracker: keepalived's `add_obj_to_track_file()`,
//! `add_vrrp_to_track_process()` and `add_vrrp_to_track_bfd()`, called for each instance at the
//! end of `vrrp_complete_instance()` and for each sync group member by
//! `sync_group_tracking_init()`. The result is the `tracking_vrrp` list of the track file,
//! track process and BFD models ("Tracking instances" in keepalived's `-d` dump).

use super::Reporter;
use crate::config::builder::Builder;
use crate::config::diag::{Level, Loc};
use crate::config::model::Config;
use crate::config::model::track::TrackingObj;
use crate::config::model::vrrp::TrackedRef;

/// Which tracker list an entry belongs to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Process,
    Bfd,
}

impl Kind {
    fn keyword(self) -> &'static str {
        match self {
            Kind::File => "track_file",
            Kind::Process => "track_process",
            Kind::Bfd => "track_bfd",
        }
    }
}

/// The tracker's `tracking_vrrp` list.
fn list_of<'a>(cfg: &'a mut Config, kind: Kind, name: &str) -> Option<&'a mut Vec<TrackingObj>> {
    match kind {
        Kind::File => cfg.track.file_mut(name).map(|f| &mut f.tracking_vrrp),
        Kind::Process => cfg.track.process_mut(name).map(|t| &mut t.tracking_vrrp),
        Kind::Bfd => cfg.bfd.vrrp_tracked_mut(name).map(|v| &mut v.tracking_vrrp),
    }
}

/// Adds instance `inst` to the tracker's list. If the instance already tracks it directly (a
/// sync group adds its members after the instances added themselves), keepalived keeps one
/// entry and logs that, taking the group's weight unless the instance's entry is unweighted
/// (a track process keeps its direction).
fn add(cfg: &mut Config, kind: Kind, t: &TrackedRef, inst: &str, loc: Option<Loc>, rep: &mut Reporter<'_>) {
    let Some(list) = list_of(cfg, kind, &t.name) else {
        return;
    };
    if let Some(top) = list.iter_mut().find(|o| o.name == inst) {
        rep.report(
            Level::Info,
            loc,
            format!(
                "({inst}) {} {} is configured on VRRP instance and sync group. Remove vrrp instance config",
                kind.keyword(),
                t.name
            ),
        );
        if top.weight != 0 {
            top.weight = t.weight;
            if kind != Kind::Process {
                top.reverse = t.reverse;
            }
        }
        return;
    }
    list.push(TrackingObj {
        name: inst.to_string(),
        weight: t.weight,
        reverse: t.reverse,
        dynamic: false,
    });
}

/// The end of `vrrp_complete_instance()` for instance `idx`: it joins the lists of the files,
/// processes and BFDs it tracks.
pub fn add_instance(b: &mut Builder, idx: usize, rep: &mut Reporter<'_>) {
    let i = &b.cfg.vrrp.instances[idx];
    let (name, loc) = (i.name.clone(), i.origin.0.clone());
    let lists = [
        (Kind::File, i.track_files.clone()),
        (Kind::Process, i.track_processes.clone()),
        (Kind::Bfd, i.track_bfds.clone()),
    ];
    for (kind, list) in lists {
        for t in &list {
            add(&mut b.cfg, kind, t, &name, loc.clone(), rep);
        }
    }
}

/// `sync_group_tracking_init()`'s part for trackers: every member of group `gidx` joins the
/// lists of the files, processes and BFDs the group tracks (after the weights were settled).
pub fn add_group(b: &mut Builder, gidx: usize, rep: &mut Reporter<'_>) {
    let g = &b.cfg.vrrp.sync_groups[gidx];
    let members = g.members.clone();
    let lists = [
        (Kind::File, g.track_files.clone()),
        (Kind::Process, g.track_processes.clone()),
        (Kind::Bfd, g.track_bfds.clone()),
    ];
    for (kind, list) in lists {
        for t in &list {
            for m in &members {
                let loc = b.cfg.vrrp.instance(m).and_then(|i| i.origin.0.clone());
                add(&mut b.cfg, kind, t, m, loc, rep);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::model::track::TrackingObj;
    use crate::config::netsyntax::testutil::load;

    fn obj(name: &str, weight: i32, reverse: bool) -> TrackingObj {
        TrackingObj {
            name: name.into(),
            weight,
            reverse,
            dynamic: false,
        }
    }

    #[test]
    fn instances_then_sync_group_members_track_a_file() {
        let (cfg, _) = load(
            "track_file tf {\n file /tmp/keepalived-rs-tf\n weight 3\n}\n\
             vrrp_track_process p {\n process x\n weight 2 reverse\n}\n\
             vrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1\n }\n\
              track_file {\n  tf\n }\n track_process {\n  p weight 0\n }\n}\n\
             vrrp_instance B {\n interface eth1\n virtual_router_id 2\n virtual_ipaddress {\n  10.0.0.2\n }\n}\n\
             vrrp_sync_group G {\n group {\n  A\n  B\n }\n sync_group_tracking_weight\n\
              track_file {\n  tf weight -4 reverse\n }\n track_process {\n  p weight 5\n }\n}\n",
        );
        // A tracks the file with its weight 3; the group's -4 reverse replaces it; B joins.
        assert_eq!(
            cfg.track.file("tf").unwrap().tracking_vrrp,
            [obj("A", -4, true), obj("B", -4, true)]
        );
        // A's unweighted entry stays unweighted; without `reverse` the group's entry takes the
        // process's direction.
        assert_eq!(
            cfg.track.process("p").unwrap().tracking_vrrp,
            [obj("A", 0, true), obj("B", 5, true)]
        );
    }
}
