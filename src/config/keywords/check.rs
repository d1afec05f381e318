//! Keyword tables and handlers of the checker family (keepalived's `check_parser.c`,
//! `check_api.c` and each `check_*.c`): the `SSL` block, `virtual_server_group`,
//! `virtual_server` (in [`vs`]) with its `real_server`s (in [`rs`]) and their health checkers
//! (in [`common`], [`checkers`] and [`http`]).
//!
//! keepalived keeps "the current object" as the last element of each list; so do we: the
//! current virtual server is the last of `cfg.check.virtual_servers`, the current real server
//! the last of its list, and the current checker the last of the real server's checkers while
//! a checker block is open.

#[path = "check_addr.rs"]
pub mod addr;
#[path = "check_checkers.rs"]
mod checkers;
#[path = "check_common.rs"]
mod common;
#[path = "check_http.rs"]
mod http;
#[path = "check_rs.rs"]
mod rs;
#[path = "check_vs.rs"]
mod vs;

use crate::config::diag::{Level, Loc};
use crate::config::keywords::global;
use crate::config::model::check::{Checker, ConnOpts, RealServer, SslConfig, VirtualServer, VirtualServerGroup};
use crate::config::model::{Origin, Script};
use crate::config::parser::{Block, HResult, Keyword, MissingParam, Parser, Words, kw, kw_block};
use crate::config::script::DefaultUser;

pub use checkers::cmd_str;
use http::UrlBuilder;

/// A `BFD_CHECK` keyword whose effect depends on the BFD instances (looked up after parsing).
#[derive(Debug, Clone)]
pub enum BfdEvent {
    /// `name ...`: the name if the line had exactly one, and where.
    Name {
        /// Exactly one name was given.
        one: bool,
        /// The name (empty if none).
        name: String,
        /// The line.
        loc: Option<Loc>,
    },
    /// `alpha [BOOL]`.
    Alpha {
        /// The word after `alpha`.
        word: Option<String>,
        /// The line.
        loc: Option<Loc>,
    },
}

/// A reference to an object of another family, resolved after parsing (keepalived looks these
/// up while parsing, so only objects configured earlier count).
#[derive(Debug, Clone)]
pub enum Deferred {
    /// A `FILE_CHECK` and its `track_file` names.
    File {
        /// The real server's number in reading order.
        rs_id: usize,
        /// The real server was dropped while reading (its messages still show).
        dropped: bool,
        /// Virtual server index.
        vs: usize,
        /// Real server index.
        rs: usize,
        /// Index in the real server's `file_checks`.
        idx: usize,
        /// Each `track_file NAME` and its line.
        names: Vec<(String, Option<Loc>)>,
        /// The line closing the block.
        close: Option<Loc>,
    },
    /// A `BFD_CHECK`.
    Bfd {
        /// The real server's number in reading order.
        rs_id: usize,
        /// The real server was dropped while reading (its messages still show).
        dropped: bool,
        /// Virtual server index.
        vs: usize,
        /// Real server index.
        rs: usize,
        /// Index in the real server's `checkers`.
        idx: usize,
        /// keepalived's `FMT_RS()` of the real server when the block was read.
        fmt_rs: String,
        /// The keywords of the block.
        events: Vec<BfdEvent>,
        /// The line closing the block.
        close: Option<Loc>,
    },
}

/// A `FILE_CHECK` block being read.
#[derive(Debug)]
struct OpenFileCheck {
    /// Each `track_file NAME` and its line.
    names: Vec<(String, Option<Loc>)>,
    /// `weight N [reverse]`.
    weight: Option<(i32, bool)>,
    /// Where the block starts.
    origin: Origin,
}

/// Handler state while check blocks are open.
#[derive(Debug, Default)]
pub struct State {
    /// A checker block is open and its checker is still queued.
    in_checker: bool,
    /// `helo_name` was given in the open `SMTP_CHECK`.
    smtp_helo_set: bool,
    /// `host {}` connection options of the open `SMTP_CHECK`.
    smtp_hosts: Vec<ConnOpts>,
    /// The `SMTP_CHECK`'s own connection options while a `host {}` block is open.
    smtp_saved_co: Option<ConnOpts>,
    /// `user` was given in the open `MISC_CHECK`.
    misc_user_set: bool,
    /// `name` was given in the open `DNS_CHECK`.
    dns_name_set: bool,
    /// The `url` block being read.
    url: Option<UrlBuilder>,
    /// keepalived's `conf_regex_pattern`: set by `regex`, used by the next `url` that ends
    /// with a path (it is not reset when a `url` starts).
    regex_pattern: Option<String>,
    /// The open `FILE_CHECK`.
    file: Option<OpenFileCheck>,
    /// The open `BFD_CHECK`'s keywords.
    bfd: Option<(String, Vec<BfdEvent>)>,
    /// References resolved after parsing.
    pub deferred: Vec<Deferred>,
    /// Real servers read so far (numbers them for [`Deferred`]).
    rs_seq: usize,
}

/// The current virtual server.
fn cur_vs<'a>(p: &'a mut Parser<'_>) -> Option<&'a mut VirtualServer> {
    p.b.cfg.check.virtual_servers.last_mut()
}

/// The current real server.
fn cur_rs<'a>(p: &'a mut Parser<'_>) -> Option<&'a mut RealServer> {
    cur_vs(p)?.real_servers.last_mut()
}

/// The current checker, while its block is open.
fn cur_checker<'a>(p: &'a mut Parser<'_>) -> Option<&'a mut Checker> {
    if !p.b.check.in_checker {
        return None;
    }
    cur_rs(p)?.checkers.last_mut()
}

/// Indices of the current virtual and real server.
fn cur_indices(p: &Parser<'_>) -> Option<(usize, usize)> {
    let vs = p.b.cfg.check.virtual_servers.len().checked_sub(1)?;
    let rs = p.b.cfg.check.virtual_servers[vs].real_servers.len().checked_sub(1)?;
    Some((vs, rs))
}

/// keepalived's `dequeue_new_checker()`: drops the current checker.
fn dequeue_checker(p: &mut Parser<'_>) {
    if p.b.check.in_checker {
        if let Some(rs) = cur_rs(p) {
            rs.checkers.pop();
        }
    }
    p.b.check.in_checker = false;
}

/// keepalived's `get_default_script_user()` (shared with every family, reported where
/// keepalived's checker pass would): the ids scripts without a user run as. `None` if it cannot
/// be set.
fn default_script_user(p: &mut Parser<'_>) -> Option<(u32, u32)> {
    match global::default_script_user_in(p, global::ScriptPass::Checker) {
        DefaultUser::Ids(u, g) => Some((u, g)),
        DefaultUser::Failed => None,
    }
}

/// keepalived's `notify_script_init()` for the check blocks: the script, run as the default
/// script user when none is given.
fn notify_script(p: &mut Parser<'_>, w: &Words, kind: &str) -> Result<Option<Script>, MissingParam> {
    // keepalived names the missing command in its message, and fetching it exits.
    w.get(1)?;
    Ok(notify_script_user(p, kind))
}

fn notify_script_user(p: &mut Parser<'_>, kind: &str) -> Option<Script> {
    global::notify_script_init_in(p, kind, global::ScriptPass::Checker)
}

/// `[BOOL]` after a flag keyword: `Ok(true)` without a word, `Err(())` for a bad one.
fn opt_bool(w: &Words) -> Result<bool, ()> {
    match w.opt(1) {
        None => Ok(true),
        Some(s) => crate::config::values::check_true_false(s).ok_or(()),
    }
}

// ---- SSL ----

fn ssl_handler(p: &mut Parser<'_>, w: &Words) -> HResult {
    if p.b.cfg.check.ssl.is_some() {
        p.report(Level::GeneralError, "SSL context already specified - replacing");
    }
    p.b.cfg.check.ssl = Some(SslConfig {
        origin: Origin(w.loc.clone()),
        ..SslConfig::default()
    });
    Ok(())
}

fn ssl_file(p: &mut Parser<'_>, w: &Words, kind: &str, field: fn(&mut SslConfig) -> &mut Option<String>) {
    let Some(value) = w.opt(1) else {
        p.report(Level::GeneralError, format!("SSL {kind} missing"));
        return;
    };
    let value = value.to_string();
    let already = p.b.cfg.check.ssl.as_mut().is_some_and(|s| field(s).is_some());
    if already {
        p.report(Level::GeneralError, format!("SSL {kind} already specified - replacing"));
    }
    if let Some(ssl) = p.b.cfg.check.ssl.as_mut() {
        *field(ssl) = Some(value);
    }
}

fn ssl_password(p: &mut Parser<'_>, w: &Words) -> HResult {
    ssl_file(p, w, "password", |s| &mut s.password);
    Ok(())
}
fn ssl_ca(p: &mut Parser<'_>, w: &Words) -> HResult {
    ssl_file(p, w, "cafile", |s| &mut s.cafile);
    Ok(())
}
fn ssl_certificate(p: &mut Parser<'_>, w: &Words) -> HResult {
    ssl_file(p, w, "certfile", |s| &mut s.certfile);
    Ok(())
}
fn ssl_key(p: &mut Parser<'_>, w: &Words) -> HResult {
    ssl_file(p, w, "keyfile", |s| &mut s.keyfile);
    Ok(())
}

static SSL_KEYWORDS: &[Keyword] = &[
    kw("password", ssl_password),
    kw("ca", ssl_ca),
    kw("certificate", ssl_certificate),
    kw("key", ssl_key),
];

/// `SSL { ... }`.
pub static SSL: Block = Block::new("SSL", &[SSL_KEYWORDS], None);

// ---- virtual_server_group ----

fn vsg_handler(p: &mut Parser<'_>, w: &Words) -> HResult {
    let name = w.get(1)?.to_string();
    let mut g = VirtualServerGroup {
        name: name.clone(),
        ranges: Vec::new(),
        fwmarks: Vec::new(),
        have_ipv4: false,
        have_ipv6: false,
        fwmark_no_family: false,
        origin: Origin(w.loc.clone()),
    };
    // keepalived hands alloc_value_block() a copy of the line without the name and with an
    // empty first word, which its messages print as "(null)".
    let mut words = vec!["(null)".to_string()];
    words.extend(w.from(2).iter().cloned());
    let block = Words {
        words,
        loc: w.loc.clone(),
    };
    // keepalived's messages about the block's start name that empty first word; fetching it
    // is a missing parameter, and keepalived exits there.
    let null_word = MissingParam(
        "*** Configuration line starting `***MISSING ***` is missing a parameter at word position 1".to_string(),
    );
    if block.len() > 1 && block.words[1] != "{" {
        return Err(null_word);
    }
    let before = p.diags.items.len();
    p.value_block(&block, |p, line| {
        match addr::vsg_entry(p, &name, line)? {
            Some(addr::VsgEntry::Fwmark(f)) => {
                match f.family {
                    Some(crate::config::model::check::Family::Inet) => g.have_ipv4 = true,
                    Some(crate::config::model::check::Family::Inet6) => g.have_ipv6 = true,
                    None => g.fwmark_no_family = true,
                }
                g.fwmarks.push(f);
            }
            Some(addr::VsgEntry::Range(r)) => {
                if r.start.is_ipv4() {
                    g.have_ipv4 = true;
                } else {
                    g.have_ipv6 = true;
                }
                g.ranges.push(r);
            }
            None => {}
        }
        Ok(())
    });
    let no_bob = p.diags.items[before..]
        .iter()
        .position(|d| d.level == Level::Info && d.message.starts_with("'{' missing from beginning of block"));
    if let Some(i) = no_bob {
        let loc = p.diags.items[before + i].loc.clone();
        p.diags.report(Level::MissingParameter, loc, null_word.0);
    }
    if g.ranges.is_empty() && g.fwmarks.is_empty() {
        p.report(
            Level::GeneralError,
            format!("virtual server group {name} has no entries - removing"),
        );
    } else if g.have_ipv4 && g.have_ipv6 && g.fwmark_no_family {
        p.report(
            Level::GeneralError,
            format!("virtual server group {name} cannot have IPv4, IPv6 and fwmark without family - removing"),
        );
    } else {
        p.b.cfg.check.groups.push(g);
    }
    Ok(())
}

/// Top-level keywords of this family.
pub static ROOT: &[Keyword] = &[
    kw_block("SSL", Some(ssl_handler), &SSL),
    kw("virtual_server_group", vsg_handler),
    kw_block("virtual_server", Some(vs::vs_handler), &vs::VIRTUAL_SERVER),
];

#[cfg(test)]
pub(crate) mod tests {
    use crate::config::diag::Level;
    use crate::config::model::check::CheckerKind;
    use crate::config::parser::Parser;
    use crate::config::reader::{Reader, ReaderOptions};
    use crate::config::system::{RealSystem, System};

    /// Parses `text` only (no validation), after `setup` has prepared the builder.
    pub(crate) fn parse_with(
        text: &str,
        setup: impl FnOnce(&mut crate::config::builder::Builder),
    ) -> (crate::config::builder::Builder, Vec<(Level, String)>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("k.conf"), text).unwrap();
        let mut reader = Reader::new(ReaderOptions {
            cwd: dir.path().to_path_buf(),
            config_id: Some("t".into()),
            ..ReaderOptions::default()
        });
        let mut diags = crate::config::diag::Diagnostics::default();
        assert!(reader.open_main("k.conf", &mut diags));
        let mut p = Parser::new(reader, &RealSystem, true);
        setup(&mut p.b);
        p.run(&crate::config::keywords::ROOT);
        let (_, b, diags) = p.into_parts();
        let msgs = diags.items.iter().map(|d| (d.level, d.message.clone())).collect();
        (b, msgs)
    }

    /// Parses `text` with `enable_script_security` set as if `global_defs` had set it first.
    fn parse_secure(text: &str, user_exists: bool) -> (crate::config::builder::Builder, Vec<(Level, String)>) {
        parse_with(text, |b| {
            b.cfg.global.enable_script_security = true;
            if user_exists {
                // As `script_user root` in global_defs leaves it.
                b.cfg.global.script_user = Some(("root".into(), None));
                b.global.script_user.set = true;
            }
        })
    }

    const TEXT: &str = "virtual_server 10.0.0.1 80 {\n protocol TCP\n quorum_up /bin/true\n real_server 10.0.1.1 80 {\n  notify_up /bin/true\n  MISC_CHECK {\n   misc_path /bin/true\n  }\n  MISC_CHECK {\n   misc_path /bin/false\n   user root\n  }\n }\n}\n";

    #[test]
    fn scripts_without_a_default_user_are_dropped_with_script_security() {
        if RealSystem.user("keepalived_script").is_some() {
            return; // the default user exists here: nothing fails
        }
        let (mut b, mut msgs) = parse_secure(TEXT, false);
        // The complaint is given at the deciding script once parsing is over.
        let decided = crate::config::keywords::global::take_decision_messages(&mut b.global.script_user);
        assert!(
            decided
                .iter()
                .all(|(_, loc, _)| loc.as_ref().is_some_and(|l| l.line == 3))
        );
        msgs.extend(decided.into_iter().map(|(l, _, m)| (l, m)));
        let vs = &b.cfg.check.virtual_servers[0];
        assert!(vs.quorum_up.is_none());
        assert!(vs.real_servers[0].notify_up.is_none());
        let kinds: Vec<_> = vs.real_servers[0].checkers.iter().map(|c| c.kind.keyword()).collect();
        assert_eq!(kinds, ["MISC_CHECK"], "only the MISC_CHECK with a user is kept");
        let has = |l: Level, m: &str| msgs.iter().any(|(a, b)| *a == l && b == m);
        assert!(has(
            Level::GeneralError,
            "Unable to set default user keepalived_script for script"
        ));
        assert!(has(
            Level::Info,
            "Failed to set default user for quorum script /bin/true - ignoring"
        ));
        assert!(has(
            Level::Info,
            "Failed to set default user for notify script /bin/true - ignoring"
        ));
        assert!(has(
            Level::GeneralError,
            "Unable to set default user for misc script '/bin/true' - removing"
        ));
    }

    #[test]
    fn a_configured_script_user_is_the_default() {
        let (b, _) = parse_secure(TEXT, true);
        let rs = &b.cfg.check.virtual_servers[0].real_servers[0];
        assert!(rs.notify_up.as_ref().is_some_and(|s| s.uid == 0 && s.user.is_none()));
        assert_eq!(rs.checkers.len(), 2);
        assert!(matches!(&rs.checkers[1].kind, CheckerKind::Misc(m) if m.script.user.as_deref() == Some("root")));
    }
}
