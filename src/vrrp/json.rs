//! The VRRP child's SIGRTMIN+2 file `keepalived.json` in keepalived 2.2.7's shape
//! (`vrrp_json.c: vrrp_json_dump()` through `lib/json_writer.c`): one compact line, an array of
//! `{"data":{...},"stats":{...}}` per instance, with keepalived's field names, order and
//! number forms: unsigned integers, booleans, `%g` floats for intervals and delays, `%f` for
//! `last_transition`, and `/` escaped as `\/`. Optional fields (notify scripts, address lists,
//! `ifp_ifname`, `auth_data`) are present exactly when keepalived writes them.
//!
//! Strings are escaped with `serde_json` (valid JSON for every character, where keepalived
//! writes control characters raw and a backslash as `\n`), then `/` as keepalived does.

use super::data::{Clock, secs_usecs};
use super::engine::Engine;
use super::event::{State, Time, vmac_name};
use super::stats::Stats;
use crate::config::cnum::fmt_g;
use crate::config::dump::vrrp::address_text;
use crate::config::model::Config;
use crate::config::model::vrrp::{AuthType, VrrpInstance};
use crate::log::LogLine;

/// The state numbers of keepalived's JSON (`vrrp.h`: 0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT).
pub fn state_number(s: State) -> u32 {
    match s {
        State::Init => 0,
        State::Backup => 1,
        State::Master => 2,
        State::Fault => 3,
        // VRRP_STATE_STOP is 98 in keepalived's vrrp.h (only seen while stopping).
        State::Stop => 98,
    }
}

/// A compact JSON writer with `json_writer.c`'s separators and escaping.
#[derive(Default)]
struct Writer {
    out: String,
    /// Whether the next value needs a comma first.
    comma: bool,
}

impl Writer {
    fn sep(&mut self) {
        if self.comma {
            self.out.push(',');
        }
        self.comma = true;
    }

    fn open(&mut self, c: char) {
        self.sep();
        self.out.push(c);
        self.comma = false;
    }

    fn close(&mut self, c: char) {
        self.out.push(c);
        self.comma = true;
    }

    fn string(&mut self, s: &str) {
        self.sep();
        self.raw_string(s);
    }

    fn raw_string(&mut self, s: &str) {
        let quoted = serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
        self.out.push_str(&quoted.replace('/', "\\/"));
    }

    fn name(&mut self, n: &str) {
        self.sep();
        self.raw_string(n);
        self.out.push(':');
        self.comma = false;
    }

    fn number(&mut self, n: &str, v: impl std::fmt::Display) {
        self.name(n);
        self.sep();
        self.out.push_str(&v.to_string());
    }

    fn boolean(&mut self, n: &str, v: bool) {
        self.number(n, v);
    }

    fn field(&mut self, n: &str, v: &str) {
        self.name(n);
        self.string(v);
    }

    fn array(&mut self, n: &str, items: &[String]) {
        if items.is_empty() {
            return;
        }
        self.name(n);
        self.open('[');
        for i in items {
            self.string(i);
        }
        self.close(']');
    }
}

fn uint(b: bool) -> u32 {
    u32::from(b)
}

fn secs_g(us: u64) -> String {
    fmt_g(us as f64 / 1e6)
}

/// `vrrp_json_data_dump()`.
fn data(w: &mut Writer, cfg: &Config, engine: &Engine, clock: Clock, k: usize) {
    let i: &VrrpInstance = &cfg.vrrp.instances[k];
    let v = engine.instance_view(k);
    w.name("data");
    w.open('{');
    w.field("iname", &i.name);
    w.number("dont_track_primary", uint(i.dont_track_primary));
    w.number("skip_check_adv_addr", uint(i.skip_check_adv_addr));
    w.number("strict_mode", uint(i.strict_mode));
    let virt = i.vmac.is_some() || i.ipvlan.is_some();
    w.field("vmac_ifname", if virt { vmac_name(i) } else { String::new() }.as_str());
    if let Some(ifname) = &i.interface {
        // keepalived's vrrp->ifp is the VMAC/ipvlan interface when there is one.
        let ifp = if virt { vmac_name(i) } else { ifname.clone() };
        w.field("ifp_ifname", &ifp);
    }
    w.number("master_priority", v.master_priority);
    let last = clock.wall(v.last_transition.unwrap_or_default());
    w.number("last_transition", secs_usecs(last));
    w.number("garp_delay", fmt_g(f64::from(i.garp_master_delay)));
    w.number("garp_refresh", i.garp_master_refresh);
    w.number("garp_rep", i.garp_master_repeat);
    w.number("garp_refresh_rep", i.garp_master_refresh_repeat);
    w.number("garp_lower_prio_delay", i.garp_lower_prio_delay);
    w.number("garp_lower_prio_rep", i.garp_lower_prio_repeat);
    w.number("lower_prio_no_advert", uint(i.lower_prio_no_advert));
    w.number("higher_prio_send_advert", uint(i.higher_prio_send_advert));
    w.number("vrid", i.vrid);
    w.number("base_priority", v.base_priority);
    w.number("effective_priority", v.effective_priority);
    w.boolean("vipset", v.vipset);
    w.boolean("promote_secondaries", i.promote_secondaries);
    w.number("adver_int", secs_g(v.adver_int));
    w.number("master_adver_int", secs_g(v.master_adver_int));
    w.number("accept", uint(i.accept));
    w.boolean("nopreempt", i.nopreempt);
    w.number("preempt_delay", i.preempt_delay / 1_000_000);
    w.number("state", state_number(v.state));
    w.number("wantstate", state_number(v.wantstate));
    w.number("version", i.version);
    w.boolean("smtp_alert", i.smtp_alert);
    w.boolean("notify_deleted", i.notify_deleted);
    for (name, s) in [
        ("script_backup", &i.notify_backup),
        ("script_master", &i.notify_master),
        ("script_fault", &i.notify_fault),
        ("script_stop", &i.notify_stop),
        ("script_deleted", &i.notify_deleted_script),
        ("script", &i.notify),
        ("script_master_rx_lower_pri", &i.notify_master_rx_lower_pri),
    ] {
        if let Some(s) = s {
            w.field(name, &s.cmd_str());
        }
    }
    let set = if v.vipset { " set" } else { "" };
    let addrs = |l: &[crate::config::model::net::IpAddress]| -> Vec<String> {
        l.iter().map(|a| format!("{}{set}", address_text(a, i))).collect()
    };
    w.array("vips", &addrs(&i.vips));
    w.array("evips", &addrs(&i.evips));
    let cut = |mut s: String| {
        // keepalived formats into a 256-byte buffer.
        if s.len() > 255 {
            let mut n = 255;
            while !s.is_char_boundary(n) {
                n -= 1;
            }
            s.truncate(n);
        }
        s
    };
    let routes: Vec<String> = i.vroutes.iter().map(|r| cut(r.dump_text())).collect();
    w.array("vroutes", &routes);
    let rules: Vec<String> = i.vrules.iter().map(|r| cut(r.dump_text())).collect();
    w.array("vrules", &rules);
    let track_ifp: Vec<String> = i.track_interfaces.iter().map(|t| t.name.clone()).collect();
    w.array("track_ifp", &track_ifp);
    let track_script: Vec<String> = i
        .track_scripts
        .iter()
        .filter_map(|t| cfg.vrrp.scripts.iter().find(|s| s.name == t.name))
        .map(|s| s.script.cmd_str())
        .collect();
    w.array("track_script", &track_script);
    let auth = match i.auth_type {
        AuthType::None => 0,
        AuthType::Pass => 1,
        AuthType::Ah => 2,
    };
    w.number("auth_type", auth);
    if auth != 0 {
        // vrrp->auth_data: 8 bytes, NUL-padded.
        let pass = i.auth_pass.clone().unwrap_or_default();
        let bytes: Vec<u8> = pass.bytes().take(8).take_while(|&b| b != 0).collect();
        w.field("auth_data", &String::from_utf8_lossy(&bytes));
    }
    w.close('}');
}

/// `vrrp_json_stats_dump()`.
fn stats(w: &mut Writer, s: &Stats) {
    w.name("stats");
    w.open('{');
    w.number("advert_rcvd", s.advert_rcvd);
    w.number("advert_sent", s.advert_sent);
    w.number("become_master", s.become_master);
    w.number("release_master", s.release_master);
    w.number("packet_len_err", s.packet_len_err);
    w.number("advert_interval_err", s.advert_interval_err);
    w.number("ip_ttl_err", s.ip_ttl_err);
    w.number("invalid_type_rcvd", s.invalid_type_rcvd);
    w.number("addr_list_err", s.addr_list_err);
    w.number("invalid_authtype", s.invalid_authtype);
    w.number("authtype_mismatch", s.authtype_mismatch);
    w.number("auth_failure", s.auth_failure);
    w.number("pri_zero_rcvd", s.pri_zero_rcvd);
    w.number("pri_zero_sent", s.pri_zero_sent);
    w.close('}');
}

/// The text of `keepalived.json` (`vrrp_json_dump()`), ending with a newline.
pub fn json_text(cfg: &Config, engine: &Engine, clock: Clock) -> String {
    let mut w = Writer::default();
    w.open('[');
    for k in 0..cfg.vrrp.instances.len() {
        w.open('{');
        data(&mut w, cfg, engine, clock, k);
        stats(&mut w, engine.stats(k));
        w.close('}');
    }
    w.close(']');
    w.out.push('\n');
    w.out
}

/// SIGRTMIN+2 in the VRRP child (`sigjson_vrrp()`): logs "Printing VRRP as json for
/// process(%d) on signal" and writes `keepalived.json` (never with the `data_use_instance`
/// suffix; nothing when there are no instances, as keepalived). `now` is the engine's time.
pub fn write_json_file(cfg: &Config, engine: &Engine, now: Time) -> Vec<LogLine> {
    let mut logs = vec![LogLine::info(format!(
        "Printing VRRP as json for process({}) on signal",
        std::process::id()
    ))];
    if cfg.vrrp.instances.is_empty() {
        return logs;
    }
    let text = json_text(cfg, engine, Clock::at(now));
    let path = crate::dumpfile::tmp_file("keepalived.json");
    if let Err(e) = crate::dumpfile::write_atomic(&path, text.as_bytes()) {
        // vrrp_print_json()'s message.
        logs.push(LogLine::info(format!(
            "Can't open {}/keepalived.json ({}: {})",
            crate::log::tmp_dir(),
            e.raw_os_error().unwrap_or(0),
            crate::vrrp::socket::strerror(&e)
        )));
    }
    logs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_separators_and_escaping_as_json_writer() {
        let mut w = Writer::default();
        w.open('[');
        w.open('{');
        w.field("a", "10.0.0.1/24 \"q\"");
        w.number("n", 5);
        w.array("e", &[]);
        w.array("l", &["x".into(), "y/z".into()]);
        w.close('}');
        w.open('{');
        w.close('}');
        w.close(']');
        assert_eq!(w.out, r#"[{"a":"10.0.0.1\/24 \"q\"","n":5,"l":["x","y\/z"]},{}]"#);
        let v: serde_json::Value = serde_json::from_str(&w.out).unwrap();
        assert_eq!(v[0]["a"], "10.0.0.1/24 \"q\"");
    }

    #[test]
    fn state_numbers_of_vrrp_h() {
        assert_eq!(
            [State::Init, State::Backup, State::Master, State::Fault].map(state_number),
            [0, 1, 2, 3]
        );
    }
}
