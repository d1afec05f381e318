//! Per-instance VRRP counters (keepalived's `vrrp_stats`).
//!
//! TEMPORARY SHIM written by the engine helper until feat/wire lands; feat/wire's version wins.

/// One counter of [`Stats`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
}

/// keepalived's `vrrp_stats`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Adverts received and accepted as VRRP.
    pub advert_rcvd: u64,
    /// Adverts sent.
    pub advert_sent: u64,
    /// Transitions to MASTER.
    pub become_master: u64,
    /// Transitions from MASTER.
    pub release_master: u64,
    /// Length errors.
    pub packet_len_err: u64,
    /// Interval mismatches.
    pub advert_interval_err: u64,
    /// TTL errors.
    pub ip_ttl_err: u64,
    /// Wrong type.
    pub invalid_type_rcvd: u64,
    /// Address list errors.
    pub addr_list_err: u64,
    /// Invalid auth type.
    pub invalid_authtype: u64,
    /// Auth type mismatch.
    pub authtype_mismatch: u64,
    /// Auth failures.
    pub auth_failure: u64,
    /// Priority 0 received.
    pub pri_zero_rcvd: u64,
    /// Priority 0 sent.
    pub pri_zero_sent: u64,
}

impl Stats {
    /// Adds one to a counter.
    pub fn bump(&mut self, c: Counter) {
        let f = match c {
            Counter::AdvertRcvd => &mut self.advert_rcvd,
            Counter::AdvertSent => &mut self.advert_sent,
            Counter::BecomeMaster => &mut self.become_master,
            Counter::ReleaseMaster => &mut self.release_master,
            Counter::PacketLenErr => &mut self.packet_len_err,
            Counter::AdvertIntervalErr => &mut self.advert_interval_err,
            Counter::IpTtlErr => &mut self.ip_ttl_err,
            Counter::InvalidTypeRcvd => &mut self.invalid_type_rcvd,
            Counter::AddrListErr => &mut self.addr_list_err,
            Counter::InvalidAuthtype => &mut self.invalid_authtype,
            Counter::AuthtypeMismatch => &mut self.authtype_mismatch,
            Counter::AuthFailure => &mut self.auth_failure,
            Counter::PriZeroRcvd => &mut self.pri_zero_rcvd,
            Counter::PriZeroSent => &mut self.pri_zero_sent,
        };
        *f += 1;
    }
}
