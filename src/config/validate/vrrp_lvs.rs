//! The LVS sync daemon and its VRRP instance: the global `lvs_sync_daemon IF [inst VI] [id N]`
//! and the deprecated per-instance `lvs_sync_daemon_interface IF`.
//!
//! keepalived's parent reads `global_defs` before the VRRP process reads any instance, so a
//! global `lvs_sync_daemon` always wins over `lvs_sync_daemon_interface`, wherever it is in the
//! file ([`settle_interfaces`]). When the VRRP process really starts, it finds the named
//! instance and takes its VRID as the sync id if none was given ([`resolve`]).

use crate::config::builder::Builder;
use crate::config::diag::{Diagnostics, Level};
use crate::config::model::Origin;
use crate::config::model::global::LvsSyncDaemon;

/// The per-instance `lvs_sync_daemon_interface` lines, as keepalived's VRRP pass reads them
/// after `global_defs`: the first one sets the sync daemon for its instance unless one is set
/// already. keepalived leaves the sync id unset there, so it becomes 0, not the VRID.
pub fn settle_interfaces(b: &mut Builder, diags: &mut Diagnostics) {
    for l in std::mem::take(&mut b.vrrp.lvs_syncd_interfaces) {
        if let Some(d) = &b.cfg.global.lvs_sync_daemon {
            diags.report(
                Level::GeneralError,
                l.loc,
                format!(
                    "({}) lvs_sync_daemon_interface has already been specified as {} - ignoring",
                    l.instance, d.ifname
                ),
            );
            continue;
        }
        match l.ifname {
            // keepalived exits here (missing parameter).
            Err(m) => diags.report(Level::MissingParameter, l.loc, m),
            Ok(ifname) => {
                b.cfg.global.lvs_sync_daemon = Some(LvsSyncDaemon {
                    ifname,
                    vrrp_instance: Some(l.instance),
                    syncid: Some(0),
                    sync_maxlen: None,
                    mcast_group: None,
                    mcast_port: None,
                    mcast_ttl: None,
                    origin: Origin(l.loc),
                })
            }
        }
    }
}

/// The end of keepalived's `vrrp_complete_init()` (after `-t` has stopped): the instance named
/// by `lvs_sync_daemon ... inst VI` must exist ("Unable to find vrrp instance %s for lvs_syncd -
/// clearing lvs_syncd config", logged at start-up only), its VRID is the default sync id; without
/// an instance the sync id defaults to 0.
pub fn resolve(b: &mut Builder, diags: &mut Diagnostics) {
    let Some(d) = &mut b.cfg.global.lvs_sync_daemon else {
        return;
    };
    let Some(name) = d.vrrp_instance.clone() else {
        d.syncid.get_or_insert(0);
        return;
    };
    match b.cfg.vrrp.instance(&name) {
        Some(i) => {
            d.syncid.get_or_insert(u32::from(i.vrid));
        }
        None => {
            diags.report(
                Level::Info,
                d.origin.0.clone(),
                format!("Unable to find vrrp instance {name} for lvs_syncd - clearing lvs_syncd config"),
            );
            b.cfg.global.lvs_sync_daemon = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::model::global::LvsSyncDaemon;
    use crate::config::system::RealSystem;
    use crate::config::{LoadOptions, load_str};

    fn syncd(text: &str) -> (Option<LvsSyncDaemon>, Vec<String>) {
        let vrrp = "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n}\n\
                    vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 52\n lvs_sync_daemon_interface eth0\n}\n";
        let opts = LoadOptions {
            config_test: true,
            ..LoadOptions::default()
        };
        let l = load_str(&format!("{vrrp}{text}"), &opts, &RealSystem);
        let msgs = l.diags.items.iter().map(|d| d.message.clone()).collect();
        (l.config.global.lvs_sync_daemon, msgs)
    }

    #[test]
    fn global_sync_daemon_takes_the_instance_vrid() {
        let (d, msgs) = syncd("global_defs {\n lvs_sync_daemon eth1 inst VI_1\n}\n");
        let d = d.unwrap();
        assert_eq!(
            (d.ifname.as_str(), d.vrrp_instance.as_deref(), d.syncid),
            ("eth1", Some("VI_1"), Some(51))
        );
        assert!(
            msgs.iter()
                .any(|m| m == "(VI_2) lvs_sync_daemon_interface has already been specified as eth1 - ignoring"),
            "the global one wins although written later: {msgs:?}"
        );
        let (d, _) = syncd("global_defs {\n lvs_sync_daemon eth1 VI_1 9\n}\n");
        assert_eq!(d.unwrap().syncid, Some(9));
        let (d, _) = syncd("global_defs {\n lvs_sync_daemon eth1\n}\n");
        assert_eq!(d.unwrap().syncid, Some(0));
    }

    #[test]
    fn per_instance_interface_has_sync_id_zero() {
        let (d, _) = syncd("");
        let d = d.unwrap();
        assert_eq!(
            (d.ifname.as_str(), d.vrrp_instance.as_deref(), d.syncid),
            ("eth0", Some("VI_2"), Some(0))
        );
    }

    #[test]
    fn unknown_instance_clears_the_sync_daemon() {
        let (d, msgs) = syncd("global_defs {\n lvs_sync_daemon eth1 inst NOSUCH\n}\n");
        assert!(d.is_none());
        assert!(
            msgs.iter()
                .any(|m| m.starts_with("Unable to find vrrp instance NOSUCH"))
        );
    }
}
