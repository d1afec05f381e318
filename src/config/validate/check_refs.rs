//! `FILE_CHECK` and `BFD_CHECK` refer to `track_file` and `bfd_instance` blocks, which other
//! families read. keepalived looks them up while parsing, so only blocks configured before the
//! reference count; we look them up once everything is read and compare positions.

use std::collections::HashMap;

use crate::config::diag::{Diagnostics, Level, Loc};
use crate::config::keywords::check::{BfdEvent, Deferred};
use crate::config::model::check::CheckerKind;
use crate::config::model::{Config, Origin};
use crate::config::values::check_true_false;

/// Longest BFD instance name plus its NUL (`BFD_INAME_MAX`).
const BFD_INAME_MAX: usize = 32;

/// Whether an object configured at `def` was read before the line `use_at`. Positions in
/// different files cannot be ordered here; they count as earlier.
fn defined_before(def: &Origin, use_at: &Option<Loc>) -> bool {
    match (&def.0, use_at) {
        (Some(d), Some(u)) if d.file == u.file => d.line < u.line,
        _ => true,
    }
}

/// Resolves the deferred references, reporting what keepalived reports while parsing.
pub fn resolve(cfg: &mut Config, deferred: Vec<Deferred>, diags: &mut Diagnostics) {
    // Removals, applied afterwards from the highest index down so indices stay valid.
    let mut drop_files: Vec<(usize, usize, usize)> = Vec::new();
    let mut drop_checkers: Vec<(usize, usize, usize)> = Vec::new();
    let mut monitored: HashMap<usize, Vec<String>> = HashMap::new();
    for d in deferred {
        match d {
            Deferred::File {
                rs_id: _,
                dropped,
                vs,
                rs,
                idx,
                names,
                close,
            } => {
                // The last track_file found, with its weight (the default of the checker's).
                let mut found: Option<(String, i32, bool)> = None;
                for (name, at) in names {
                    let file = cfg
                        .track
                        .files
                        .iter()
                        .find(|f| f.name == name && defined_before(&f.origin, &at));
                    if let Some(f) = file {
                        found = Some((name, f.weight, f.weight_reverse));
                    } else {
                        diags.report(Level::GeneralError, at, format!("track_file {name} not found"));
                    }
                }
                match found {
                    Some(_) if dropped => {}
                    Some((name, weight, reverse)) => {
                        if let Some(fc) = cfg
                            .check
                            .virtual_servers
                            .get_mut(vs)
                            .and_then(|v| v.real_servers.get_mut(rs))
                            .and_then(|r| r.file_checks.get_mut(idx))
                        {
                            fc.track_file = name;
                            // keepalived's file_end_handler(): no weight given, the file's.
                            if fc.weight.is_none() {
                                fc.weight = Some(weight);
                                fc.reverse = reverse;
                            }
                        }
                    }
                    None => {
                        diags.report(
                            Level::GeneralError,
                            close,
                            "FILE_CHECK has no track_file specified - ignoring",
                        );
                        if !dropped {
                            drop_files.push((vs, rs, idx));
                        }
                    }
                }
            }
            Deferred::Bfd {
                rs_id,
                dropped,
                vs,
                rs,
                idx,
                fmt_rs,
                events,
                close,
            } => {
                let mut bfd: Option<String> = None;
                let mut alpha: Option<bool> = None;
                let mut alive = true;
                let seen = monitored.entry(rs_id).or_default();
                for ev in events {
                    match ev {
                        BfdEvent::Name { one, name, loc } => {
                            let err = if !one {
                                Some(format!(
                                    "({fmt_rs}) BFD_CHECK - No or too many names specified - skipping checker"
                                ))
                            } else if !cfg
                                .bfd
                                .checker_tracked(&name)
                                .is_some_and(|b| defined_before(&b.origin, &loc))
                            {
                                Some(format!("({fmt_rs}) BFD_CHECK - BFD {name} not configured"))
                            } else if let Some(prev) = &bfd {
                                Some(format!("({fmt_rs}) BFD_CHECK - BFD {name} already specified as {prev}"))
                            } else if name.len() >= BFD_INAME_MAX {
                                Some(format!("({fmt_rs}) BFD_CHECK - BFD name {name} too long"))
                            } else if seen.contains(&name) {
                                Some(format!("({fmt_rs}) BFD_CHECK - RS already monitoring {name}"))
                            } else {
                                None
                            };
                            match err {
                                Some(m) => {
                                    diags.report(Level::GeneralError, loc, m);
                                    alive = false;
                                }
                                None => bfd = Some(name),
                            }
                        }
                        BfdEvent::Alpha { word, loc } => match word.as_deref().map(check_true_false) {
                            None => alpha = Some(true),
                            Some(Some(v)) => alpha = Some(v),
                            Some(None) => diags.report(
                                Level::GeneralError,
                                loc,
                                format!("Invalid alpha parameter {}", word.unwrap_or_default()),
                            ),
                        },
                    }
                    if !alive {
                        break;
                    }
                }
                if alive && bfd.is_none() {
                    diags.report(
                        Level::GeneralError,
                        close,
                        format!("({fmt_rs}) No name has been specified for BFD_CHECKER - skipping"),
                    );
                    alive = false;
                }
                if !alive {
                    if !dropped {
                        drop_checkers.push((vs, rs, idx));
                    }
                    continue;
                }
                let name = bfd.unwrap_or_default();
                seen.push(name.clone());
                if dropped {
                    continue;
                }
                if let Some(c) = cfg
                    .check
                    .virtual_servers
                    .get_mut(vs)
                    .and_then(|v| v.real_servers.get_mut(rs))
                    .and_then(|r| r.checkers.get_mut(idx))
                {
                    if let CheckerKind::Bfd(b) = &mut c.kind {
                        b.name = name;
                    }
                    if alpha.is_some() {
                        c.alpha = alpha;
                    }
                }
            }
        }
    }
    drop_files.sort_unstable();
    for (vs, rs, idx) in drop_files.into_iter().rev() {
        if let Some(r) = cfg
            .check
            .virtual_servers
            .get_mut(vs)
            .and_then(|v| v.real_servers.get_mut(rs))
        {
            if idx < r.file_checks.len() {
                r.file_checks.remove(idx);
            }
        }
    }
    drop_checkers.sort_unstable();
    for (vs, rs, idx) in drop_checkers.into_iter().rev() {
        if let Some(r) = cfg
            .check
            .virtual_servers
            .get_mut(vs)
            .and_then(|v| v.real_servers.get_mut(rs))
        {
            if idx < r.checkers.len() {
                r.checkers.remove(idx);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::keywords::check::tests::parse_with;
    use crate::config::model::bfd::BfdInstance;
    use crate::config::model::track::TrackFile;

    const TEXT: &str = "virtual_server 10.0.0.1 80 {
 real_server 10.0.1.1 80 {
  FILE_CHECK {
   track_file early
   track_file late
   weight 5
  }
  FILE_CHECK {
   track_file late
  }
  BFD_CHECK {
   name b1
   alpha
  }
  BFD_CHECK {
   name b1
  }
  BFD_CHECK {
   name b2
  }
 }
}
";

    fn at(line: u32) -> Origin {
        Origin(Some(Loc {
            file: "k.conf".into(),
            line,
        }))
    }

    #[test]
    fn references_count_only_objects_configured_before() {
        let (mut b, _) = parse_with(TEXT, |_| {});
        let cfg = &mut b.cfg;
        cfg.track.files.push(TrackFile::new("early", at(1)));
        cfg.track.files.push(TrackFile::new("late", at(100)));
        cfg.bfd.instances.push(BfdInstance::new("b1", at(1)));
        let deferred = std::mem::take(&mut b.check.deferred);
        let mut d = Diagnostics::default();
        resolve(&mut b.cfg, deferred, &mut d);
        let msgs: Vec<(Option<u32>, &str)> = d
            .items
            .iter()
            .map(|x| (x.loc.as_ref().map(|l| l.line), x.message.as_str()))
            .collect();
        assert_eq!(
            msgs,
            [
                (Some(5), "track_file late not found"),
                (Some(9), "track_file late not found"),
                (Some(10), "FILE_CHECK has no track_file specified - ignoring"),
                (Some(16), "([10.0.1.1]:none:80) BFD_CHECK - RS already monitoring b1"),
                (Some(19), "([10.0.1.1]:none:80) BFD_CHECK - BFD b2 not configured"),
            ]
        );
        let rs = &b.cfg.check.virtual_servers[0].real_servers[0];
        assert_eq!(rs.file_checks.len(), 1);
        assert_eq!(rs.file_checks[0].track_file, "early");
        assert_eq!(rs.file_checks[0].weight, Some(5));
        assert_eq!(rs.checkers.len(), 1);
        assert!(matches!(&rs.checkers[0].kind, CheckerKind::Bfd(x) if x.name == "b1"));
        assert_eq!(rs.checkers[0].alpha, Some(true));
    }
}

#[cfg(test)]
mod cross_family_tests {
    use crate::config::model::check::CheckerKind;
    use crate::config::system::RealSystem;
    use crate::config::{LoadOptions, load_str};

    fn load(text: &str) -> crate::config::model::Config {
        let o = LoadOptions {
            config_test: true,
            config_id: Some("t".into()),
            ..LoadOptions::default()
        };
        load_str(text, &o, &RealSystem).config
    }

    #[test]
    fn file_check_without_weight_takes_the_track_file_weight() {
        let cfg = load(
            "track_file tf {\n file /tmp/keepalived-rs-tf\n weight -5 reverse\n}\n\
             virtual_server 10.0.0.1 80 {\n real_server 10.0.1.1 80 {\n  FILE_CHECK {\n   track_file tf\n  }\n }\n\
             real_server 10.0.1.2 80 {\n  FILE_CHECK {\n   track_file tf\n   weight 9\n  }\n }\n}\n",
        );
        let rs = &cfg.check.virtual_servers[0].real_servers;
        assert_eq!(
            (rs[0].file_checks[0].weight, rs[0].file_checks[0].reverse),
            (Some(-5), true)
        );
        assert_eq!(
            (rs[1].file_checks[0].weight, rs[1].file_checks[0].reverse),
            (Some(9), false)
        );
    }

    #[test]
    fn bfd_check_finds_only_instances_the_checker_kept() {
        let cfg = load(
            "bfd_instance v {\n neighbor_ip 10.0.0.9\n vrrp\n}\nbfd_instance c {\n neighbor_ip 10.0.0.8\n checker\n}\n\
             virtual_server 10.0.0.1 80 {\n real_server 10.0.1.1 80 {\n  BFD_CHECK {\n   name v\n  }\n  BFD_CHECK {\n   name c\n  }\n }\n}\n",
        );
        let names: Vec<&str> = cfg.check.virtual_servers[0].real_servers[0]
            .checkers
            .iter()
            .filter_map(|c| match &c.kind {
                CheckerKind::Bfd(b) => Some(b.name.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(names, ["c"]);
    }
}
