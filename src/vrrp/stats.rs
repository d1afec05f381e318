//! Per-instance VRRP counters (keepalived's `vrrp_stats`, `keepalived/include/vrrp.h`), bumped as
//! keepalived 2.2.7 bumps them, and the SIGUSR2 stats block (`vrrp_print.c:vrrp_print_stats()`).

use std::fmt::Write;

use super::engine::Engine;
use super::packet::{Advert, RxError};
use crate::config::model::Config;
use crate::log::LogLine;

/// One instance's counters. Field names are keepalived's.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Adverts that passed the type, version, length, auth, checksum and cast checks.
    pub advert_rcvd: u64,
    /// Adverts sent.
    pub advert_sent: u32,
    /// Transitions to MASTER.
    pub become_master: u32,
    /// Transitions out of MASTER.
    pub release_master: u32,
    /// Wrong length (packet or IP total length).
    pub packet_len_err: u64,
    /// Advert interval mismatch. keepalived 2.2.7 never bumps it (the mismatch drops the packet
    /// uncounted), so it stays 0 here too.
    pub advert_interval_err: u64,
    /// TTL/hop limit not 255, or outside a unicast peer's range.
    pub ip_ttl_err: u64,
    /// VRRP type not ADVERTISEMENT.
    pub invalid_type_rcvd: u64,
    /// Address count or list mismatch, or multicast/unicast mismatch.
    pub addr_list_err: u64,
    /// Unknown auth type.
    pub invalid_authtype: u32,
    /// Auth type (or AH presence) not ours.
    pub authtype_mismatch: u32,
    /// Wrong password, AH ICV, SPI or replayed sequence number.
    pub auth_failure: u32,
    /// Priority 0 adverts received (counted on accepted packets).
    pub pri_zero_rcvd: u64,
    /// Priority 0 adverts sent.
    pub pri_zero_sent: u64,
    /// Checksum errors (SNMP `vrrpStatsChecksumErrors`; Debian builds with the RFC MIBs).
    pub chk_err: u32,
    /// Version errors (SNMP `vrrpStatsVersionErrors`).
    pub vers_err: u32,
    /// VRID errors (SNMP `vrrpStatsVrIdErrors`; never bumped by keepalived 2.2.7).
    pub vrid_err: u32,
}

/// Names one counter of [`Stats`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Counter {
    /// `advert_rcvd`.
    AdvertRcvd,
    /// `advert_sent`.
    AdvertSent,
    /// `become_master`.
    BecomeMaster,
    /// `release_master`.
    ReleaseMaster,
    /// `packet_len_err`.
    PacketLenErr,
    /// `advert_interval_err`.
    AdvertIntervalErr,
    /// `ip_ttl_err`.
    IpTtlErr,
    /// `invalid_type_rcvd`.
    InvalidTypeRcvd,
    /// `addr_list_err`.
    AddrListErr,
    /// `invalid_authtype`.
    InvalidAuthtype,
    /// `authtype_mismatch`.
    AuthtypeMismatch,
    /// `auth_failure`.
    AuthFailure,
    /// `pri_zero_rcvd`.
    PriZeroRcvd,
    /// `pri_zero_sent`.
    PriZeroSent,
    /// `chk_err`.
    ChkErr,
    /// `vers_err`.
    VersErr,
    /// `vrid_err`.
    VridErr,
}

impl Stats {
    /// Adds one to a counter (wrapping, as C's unsigned counters do).
    pub fn bump(&mut self, c: Counter) {
        fn inc32(v: &mut u32) {
            *v = v.wrapping_add(1);
        }
        fn inc64(v: &mut u64) {
            *v = v.wrapping_add(1);
        }
        match c {
            Counter::AdvertRcvd => inc64(&mut self.advert_rcvd),
            Counter::AdvertSent => inc32(&mut self.advert_sent),
            Counter::BecomeMaster => inc32(&mut self.become_master),
            Counter::ReleaseMaster => inc32(&mut self.release_master),
            Counter::PacketLenErr => inc64(&mut self.packet_len_err),
            Counter::AdvertIntervalErr => inc64(&mut self.advert_interval_err),
            Counter::IpTtlErr => inc64(&mut self.ip_ttl_err),
            Counter::InvalidTypeRcvd => inc64(&mut self.invalid_type_rcvd),
            Counter::AddrListErr => inc64(&mut self.addr_list_err),
            Counter::InvalidAuthtype => inc32(&mut self.invalid_authtype),
            Counter::AuthtypeMismatch => inc32(&mut self.authtype_mismatch),
            Counter::AuthFailure => inc32(&mut self.auth_failure),
            Counter::PriZeroRcvd => inc64(&mut self.pri_zero_rcvd),
            Counter::PriZeroSent => inc64(&mut self.pri_zero_sent),
            Counter::ChkErr => inc32(&mut self.chk_err),
            Counter::VersErr => inc32(&mut self.vers_err),
            Counter::VridErr => inc32(&mut self.vrid_err),
        }
    }

    /// Counts the outcome of [`check`](super::packet::check) as `vrrp_check_packet()` does:
    /// the error's counter; `advert_rcvd` for every packet that got past the multicast/unicast
    /// check (so also for the later VIP and peer failures); `pri_zero_rcvd` for an accepted
    /// priority 0 advert.
    pub fn record_rx(&mut self, result: &Result<Advert, RxError>) {
        match result {
            Ok(a) => {
                self.bump(Counter::AdvertRcvd);
                if a.priority == 0 {
                    self.bump(Counter::PriZeroRcvd);
                }
            }
            Err(e) => {
                if e.counted_as_advert() {
                    self.bump(Counter::AdvertRcvd);
                }
                if let Some(c) = e.counter() {
                    self.bump(c);
                }
            }
        }
    }

    /// Appends the instance's block of keepalived's SIGUSR2 stats file (`keepalived.stats`).
    pub fn write_stats(&self, name: &str, out: &mut String) {
        // Writing to a String cannot fail.
        let _ = write!(
            out,
            "VRRP Instance: {name}\n  Advertisements:\n    Received: {}\n    Sent: {}\n  \
             Became master: {}\n  Released master: {}\n  Packet Errors:\n    Length: {}\n    \
             TTL: {}\n    Invalid Type: {}\n    Advertisement Interval: {}\n    Address List: {}\n  \
             Authentication Errors:\n    Invalid Type: {}\n    Type Mismatch: {}\n    \
             Failure: {}\n  Priority Zero:\n    Received: {}\n    Sent: {}\n",
            self.advert_rcvd,
            self.advert_sent,
            self.become_master,
            self.release_master,
            self.packet_len_err,
            self.ip_ttl_err,
            self.invalid_type_rcvd,
            self.advert_interval_err,
            self.addr_list_err,
            self.invalid_authtype,
            self.authtype_mismatch,
            self.auth_failure,
            self.pri_zero_rcvd,
            self.pri_zero_sent,
        );
    }
}

/// The text of `keepalived.stats` (`vrrp_print.c: vrrp_print_stats()`): every instance's
/// block, in configuration order.
pub fn stats_text(cfg: &Config, engine: &Engine) -> String {
    let mut out = String::new();
    for (k, i) in cfg.vrrp.instances.iter().enumerate() {
        engine.stats(k).write_stats(&i.name, &mut out);
    }
    out
}

/// SIGUSR2 (`clear` false) or SIGRTMAX-1 (`clear` true) in the VRRP child (`sigusr2_vrrp()`):
/// logs "Printing [and clearing ]VRRP stats for process(%d) on signal", writes
/// `keepalived.stats` (never with the `data_use_instance` suffix), then with `clear` zeroes the
/// counters once the file is written (keepalived clears nothing when it cannot open the file).
pub fn write_stats_file(cfg: &Config, engine: &mut Engine, clear: bool) -> Vec<LogLine> {
    let mut logs = vec![LogLine::info(format!(
        "Printing {}VRRP stats for process({}) on signal",
        if clear { "and clearing " } else { "" },
        std::process::id()
    ))];
    let path = crate::dumpfile::tmp_file("keepalived.stats");
    match crate::dumpfile::write_atomic(&path, stats_text(cfg, engine).as_bytes()) {
        Ok(()) => {
            if clear {
                engine.clear_stats();
            }
        }
        Err(e) => logs.push(LogLine::info(format!(
            "Can't open {} ({}: {})",
            path.display(),
            e.raw_os_error().unwrap_or(0),
            crate::vrrp::socket::strerror(&e)
        ))),
    }
    logs
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The block captured from keepalived 2.2.7 after a SIGUSR2 (reference section 6.2).
    #[test]
    fn stats_block_matches_capture() {
        let s = Stats {
            advert_rcvd: 1,
            advert_sent: 10,
            become_master: 1,
            ..Stats::default()
        };
        let mut out = String::new();
        s.write_stats("VI_1", &mut out);
        assert_eq!(
            out,
            "VRRP Instance: VI_1\n  Advertisements:\n    Received: 1\n    Sent: 10\n  Became master: 1\n  Released master: 0\n  Packet Errors:\n    Length: 0\n    TTL: 0\n    Invalid Type: 0\n    Advertisement Interval: 0\n    Address List: 0\n  Authentication Errors:\n    Invalid Type: 0\n    Type Mismatch: 0\n    Failure: 0\n  Priority Zero:\n    Received: 0\n    Sent: 0\n"
        );
    }

    /// Each counter lands in its own field, in the place vrrp_print_stats() prints it.
    #[test]
    fn every_counter_shows_in_its_line() {
        let lines = [
            (Counter::AdvertRcvd, 2, "Received"),
            (Counter::AdvertSent, 3, "Sent"),
            (Counter::BecomeMaster, 4, "Became master"),
            (Counter::ReleaseMaster, 5, "Released master"),
            (Counter::PacketLenErr, 7, "Length"),
            (Counter::IpTtlErr, 8, "TTL"),
            (Counter::InvalidTypeRcvd, 9, "Invalid Type"),
            (Counter::AdvertIntervalErr, 10, "Advertisement Interval"),
            (Counter::AddrListErr, 11, "Address List"),
            (Counter::InvalidAuthtype, 13, "Invalid Type"),
            (Counter::AuthtypeMismatch, 14, "Type Mismatch"),
            (Counter::AuthFailure, 15, "Failure"),
            (Counter::PriZeroRcvd, 17, "Received"),
            (Counter::PriZeroSent, 18, "Sent"),
        ];
        for (c, line, label) in lines {
            let mut s = Stats::default();
            s.bump(c);
            s.bump(c);
            let mut out = String::new();
            s.write_stats("X", &mut out);
            let got: Vec<&str> = out.lines().collect();
            assert_eq!(got[line].trim(), format!("{label}: 2"), "{c:?}");
            let twos = got.iter().filter(|l| l.ends_with(": 2")).count();
            assert_eq!(twos, 1, "{c:?} shows up once");
        }
        for (c, get) in [
            (Counter::ChkErr, (|s: &Stats| s.chk_err) as fn(&Stats) -> u32),
            (Counter::VersErr, |s: &Stats| s.vers_err),
            (Counter::VridErr, |s: &Stats| s.vrid_err),
        ] {
            let mut s = Stats::default();
            s.bump(c);
            assert_eq!(get(&s), 1);
            let mut with = Stats::default();
            with.bump(c);
            let (mut a, mut b) = (String::new(), String::new());
            with.write_stats("X", &mut a);
            Stats::default().write_stats("X", &mut b);
            assert_eq!(a, b, "{c:?} is not in the SIGUSR2 file");
        }
    }

    #[test]
    fn counters_wrap_like_c() {
        let mut s = Stats {
            advert_sent: u32::MAX,
            ..Stats::default()
        };
        s.bump(Counter::AdvertSent);
        assert_eq!(s.advert_sent, 0);
    }
}
