//! Model of the health checkers of a real server (keepalived's `checker_t` and each checker's
//! data): `TCP_CHECK`, `HTTP_GET`, `SSL_GET`, `MISC_CHECK`, `SMTP_CHECK`, `DNS_CHECK`,
//! `UDP_CHECK`, `PING_CHECK`, `BFD_CHECK`, and `FILE_CHECK` (kept apart, as keepalived keeps it
//! as a tracked file of the real server).

use std::net::IpAddr;

use serde::{Serialize, Serializer};

use super::super::{Origin, Script};

/// A checker's connection options (`connect_ip`, `connect_port`, `bindto`, `bind_port`,
/// `bind_if`, `connect_timeout`, `fwmark`), keepalived's `conn_opts_t`. The local side, rarely
/// set, is boxed ([`ConnLocal`]): a load balancer can have tens of thousands of checkers.
#[derive(Clone, Debug, Default)]
pub struct ConnOpts {
    /// Destination address: the real server's unless `connect_ip` is given; `None` after an
    /// invalid `connect_ip` (keepalived leaves the family unset).
    pub dst: Option<IpAddr>,
    /// Destination port: the real server's as read, unless `connect_port` is given.
    pub dst_port: u16,
    /// `connect_timeout`, microseconds; the real server's when unset.
    pub connect_timeout: Option<u64>,
    /// The rest, when any of it is set.
    local: Option<Box<ConnLocal>>,
}

/// The rarely set part of [`ConnOpts`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ConnLocal {
    /// `bindto`.
    pub bindto: Option<IpAddr>,
    /// `bind_port` (0 = any).
    pub bind_port: u16,
    /// `bind_if`.
    pub bind_if: Option<String>,
    /// `fwmark` (SO_MARK; 0 = none).
    pub fwmark: u32,
    /// The `connect_ip` word that left `dst` unset (invalid, or not of the family of `bindto`):
    /// the resolved form writes it back after `bindto`, so re-reading refuses it again with the
    /// same message.
    pub dst_refused: Option<String>,
}

/// Unset local options, for reading.
static NO_LOCAL: ConnLocal = ConnLocal {
    bindto: None,
    bind_port: 0,
    bind_if: None,
    fwmark: 0,
    dst_refused: None,
};

impl ConnOpts {
    /// Options aimed at `dst`:`dst_port`, nothing else set.
    pub fn to(dst: IpAddr, dst_port: u16) -> ConnOpts {
        ConnOpts {
            dst: Some(dst),
            dst_port,
            ..ConnOpts::default()
        }
    }

    /// The local options (all unset unless some was given).
    pub fn local(&self) -> &ConnLocal {
        self.local.as_deref().unwrap_or(&NO_LOCAL)
    }

    /// The local options, to set.
    pub fn local_mut(&mut self) -> &mut ConnLocal {
        self.local.get_or_insert_with(Default::default)
    }

    /// `bindto`.
    pub fn bindto(&self) -> Option<IpAddr> {
        self.local().bindto
    }

    /// `bind_port` (0 = any).
    pub fn bind_port(&self) -> u16 {
        self.local().bind_port
    }

    /// `bind_if`.
    pub fn bind_if(&self) -> Option<&str> {
        self.local().bind_if.as_deref()
    }

    /// `fwmark` (0 = none).
    pub fn fwmark(&self) -> u32 {
        self.local().fwmark
    }

    /// The refused `connect_ip` word, if any ([`ConnLocal::dst_refused`]).
    pub fn dst_refused(&self) -> Option<&str> {
        self.local().dst_refused.as_deref()
    }

    /// Forgets a refused `connect_ip` (without allocating the local part when unset).
    pub fn clear_dst_refused(&mut self) {
        if let Some(l) = self.local.as_mut() {
            l.dst_refused = None;
        }
    }
}

/// Equal when every option is: unset local options equal an empty local part.
impl PartialEq for ConnOpts {
    fn eq(&self, o: &Self) -> bool {
        self.dst == o.dst
            && self.dst_port == o.dst_port
            && self.connect_timeout == o.connect_timeout
            && self.local() == o.local()
    }
}

/// Serialized flat, with keepalived's field names, as before the local part was boxed.
impl Serialize for ConnOpts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let l = self.local();
        let mut st = s.serialize_struct("ConnOpts", 8)?;
        st.serialize_field("dst", &self.dst)?;
        st.serialize_field("dst_port", &self.dst_port)?;
        st.serialize_field("bindto", &l.bindto)?;
        st.serialize_field("bind_port", &l.bind_port)?;
        st.serialize_field("bind_if", &l.bind_if)?;
        st.serialize_field("connect_timeout", &self.connect_timeout)?;
        st.serialize_field("fwmark", &l.fwmark)?;
        if let Some(r) = &l.dst_refused {
            st.serialize_field("dst_refused", r)?;
        } else {
            st.skip_field("dst_refused")?;
        }
        st.end()
    }
}

/// `http_protocol`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub enum HttpProtocol {
    /// `1.0` (the default).
    #[default]
    #[serde(rename = "1.0")]
    V1_0,
    /// `1.0C`: HTTP/1.0 with `Connection: close`.
    #[serde(rename = "1.0C")]
    V1_0C,
    /// `1.1`.
    #[serde(rename = "1.1")]
    V1_1,
}

impl HttpProtocol {
    /// The keyword value.
    pub fn word(self) -> &'static str {
        match self {
            HttpProtocol::V1_0 => "1.0",
            HttpProtocol::V1_0C => "1.0C",
            HttpProtocol::V1_1 => "1.1",
        }
    }
}

/// Smallest HTTP status code keepalived accepts.
pub const HTTP_STATUS_MIN: u16 = 100;
/// Largest HTTP status code keepalived accepts.
pub const HTTP_STATUS_MAX: u16 = 599;

/// The set of accepted HTTP status codes (100..599), as keepalived's bit array; serialized as
/// a list of ranges.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatusCodes([u64; 8]);

impl StatusCodes {
    /// Adds `min..=max` (both within 100..599).
    pub fn add(&mut self, min: u16, max: u16) {
        for c in min..=max {
            let i = (c - HTTP_STATUS_MIN) as usize;
            self.0[i / 64] |= 1 << (i % 64);
        }
    }
    /// Whether `code` is accepted.
    pub fn contains(&self, code: u16) -> bool {
        if !(HTTP_STATUS_MIN..=HTTP_STATUS_MAX).contains(&code) {
            return false;
        }
        let i = (code - HTTP_STATUS_MIN) as usize;
        self.0[i / 64] & (1 << (i % 64)) != 0
    }
    /// No code set.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|w| *w == 0)
    }
    /// The codes as maximal ranges, ascending.
    pub fn ranges(&self) -> Vec<(u16, u16)> {
        let mut out = Vec::new();
        let mut start: Option<u16> = None;
        for c in HTTP_STATUS_MIN..=HTTP_STATUS_MAX {
            match (self.contains(c), start) {
                (true, None) => start = Some(c),
                (false, Some(s)) => {
                    out.push((s, c - 1));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            out.push((s, HTTP_STATUS_MAX));
        }
        out
    }
}

impl Serialize for StatusCodes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v: Vec<String> = self
            .ranges()
            .into_iter()
            .map(|(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") })
            .collect();
        v.serialize(s)
    }
}

/// keepalived's PCRE2 option names for `regex_options`, in its table order.
pub const REGEX_OPTIONS: &[&str] = &[
    "allow_empty_class",
    "alt_bsux",
    "auto_callout",
    "caseless",
    "dollar_endonly",
    "dotall",
    "dupnames",
    "extended",
    "firstline",
    "match_unset_backref",
    "multiline",
    "never_ucp",
    "never_utf",
    "no_auto_capture",
    "no_auto_possess",
    "no_dotstar_anchor",
    "no_start_optimize",
    "ucp",
    "ungreedy",
    "utf",
    "never_backslash_c",
    "alt_circumflex",
    "alt_verbnames",
    "use_offset_limit",
];

/// A regular expression a page must (or must not) match.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UrlRegex {
    /// `regex` pattern (PCRE2 syntax).
    pub pattern: String,
    /// `regex_options`, in keepalived's table order.
    pub options: Vec<&'static str>,
    /// `regex_no_match`.
    pub no_match: bool,
    /// `regex_min_offset`.
    pub min_offset: u64,
    /// `regex_max_offset` (keepalived stores it plus one, 0 meaning unset).
    pub max_offset: Option<u64>,
    /// `regex_stack START MAX`.
    pub stack: Option<(u64, u64)>,
}

/// `url { ... }` of an HTTP/SSL checker.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Url {
    /// `path`.
    pub path: String,
    /// `digest`: MD5 of the page, 32 lowercase hex digits.
    pub digest: Option<String>,
    /// `status_code` (default 200-299).
    pub status_codes: StatusCodes,
    /// `virtualhost`.
    pub virtualhost: Option<String>,
    /// `regex` and its options.
    pub regex: Option<UrlRegex>,
}

/// `HTTP_GET` / `SSL_GET`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HttpCheck {
    /// `SSL_GET` rather than `HTTP_GET`.
    pub ssl: bool,
    /// `http_protocol`.
    pub http_protocol: HttpProtocol,
    /// `virtualhost`.
    pub virtualhost: Option<String>,
    /// `enable_sni [BOOL]`.
    pub enable_sni: bool,
    /// `fast_recovery [BOOL]`.
    pub fast_recovery: bool,
    /// `url` blocks, in order.
    pub urls: Vec<Url>,
}

/// `MISC_CHECK`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MiscCheck {
    /// `misc_path` (and `user USER [GROUP]`).
    pub script: Script,
    /// `misc_timeout`, microseconds (0 = the virtual server's `delay_loop`).
    pub timeout: u64,
    /// `misc_dynamic`.
    pub dynamic: bool,
}

/// `SMTP_CHECK`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SmtpCheck {
    /// `helo_name` (default `smtpchecker.keepalived.org`).
    pub helo_name: String,
}

/// keepalived's default SMTP_CHECK `helo_name` (`SMTP_DEFAULT_HELO`).
pub const SMTP_DEFAULT_HELO: &str = "smtpchecker.keepalived.org";

/// DNS query types keepalived knows, with their numbers.
pub const DNS_TYPES: &[(&str, u16)] = &[
    ("A", 1),
    ("NS", 2),
    ("CNAME", 5),
    ("SOA", 6),
    ("MX", 15),
    ("TXT", 16),
    ("AAAA", 28),
    ("RRSIG", 46),
    ("DNSKEY", 48),
];

/// `DNS_CHECK`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DnsCheck {
    /// `type` (default SOA), as keepalived names it.
    pub qtype: &'static str,
    /// `name` (default the empty name).
    pub name: String,
}

/// `UDP_CHECK`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UdpCheck {
    /// `payload HEX`.
    pub payload: Option<Vec<u8>>,
    /// `require_reply [HEX]`.
    pub require_reply: bool,
    /// The reply data of `require_reply HEX`.
    pub reply_data: Option<Vec<u8>>,
    /// Wildcard mask of the reply data (`x` nibbles).
    pub reply_mask: Option<Vec<u8>>,
    /// `min_reply_length` (default 0).
    pub min_reply_len: u32,
    /// `max_reply_length` (default 255).
    pub max_reply_len: u32,
}

/// `BFD_CHECK`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BfdCheck {
    /// `name` of the `bfd_instance`.
    pub name: String,
}

/// What a checker checks.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckerKind {
    /// `TCP_CHECK`.
    Tcp,
    /// `HTTP_GET` / `SSL_GET`.
    Http(Box<HttpCheck>),
    /// `MISC_CHECK`.
    Misc(Box<MiscCheck>),
    /// `SMTP_CHECK`.
    Smtp(Box<SmtpCheck>),
    /// `DNS_CHECK`.
    Dns(Box<DnsCheck>),
    /// `UDP_CHECK`.
    Udp(Box<UdpCheck>),
    /// `PING_CHECK`.
    Ping,
    /// `BFD_CHECK`.
    Bfd(Box<BfdCheck>),
}

impl CheckerKind {
    /// The keyword that opens it.
    pub fn keyword(&self) -> &'static str {
        match self {
            CheckerKind::Tcp => "TCP_CHECK",
            CheckerKind::Http(h) if h.ssl => "SSL_GET",
            CheckerKind::Http(_) => "HTTP_GET",
            CheckerKind::Misc(_) => "MISC_CHECK",
            CheckerKind::Smtp(_) => "SMTP_CHECK",
            CheckerKind::Dns(_) => "DNS_CHECK",
            CheckerKind::Udp(_) => "UDP_CHECK",
            CheckerKind::Ping => "PING_CHECK",
            CheckerKind::Bfd(_) => "BFD_CHECK",
        }
    }
}

/// One health checker of a real server.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Checker {
    /// The checker and its own settings.
    pub kind: CheckerKind,
    /// Connection options (not for `MISC_CHECK` and `BFD_CHECK`).
    pub co: Option<ConnOpts>,
    /// `alpha [BOOL]`; the real server's when unset.
    pub alpha: Option<bool>,
    /// `delay_loop`, microseconds; the real server's when unset.
    pub delay_loop: Option<u64>,
    /// `warmup`, microseconds; the real server's, else the delay loop, when unset.
    pub warmup: Option<u64>,
    /// `retry`; the real server's, else the checker's default, when unset.
    pub retry: Option<u32>,
    /// `delay_before_retry`, microseconds; the real server's, else the checker's default.
    pub delay_before_retry: Option<u64>,
    /// `log_all_failures [BOOL]`.
    pub log_all_failures: bool,
    /// Where it was configured.
    pub origin: Origin,
}

impl Checker {
    /// A checker as keepalived's `queue_checker()` makes it.
    pub fn new(kind: CheckerKind, co: Option<ConnOpts>, origin: Origin) -> Self {
        Checker {
            kind,
            co,
            alpha: None,
            delay_loop: None,
            warmup: None,
            retry: None,
            delay_before_retry: None,
            log_all_failures: false,
            origin,
        }
    }

    /// The retry count when neither checker nor real server sets one (MISC 0, DNS 3, else 1).
    pub fn default_retry(&self) -> u32 {
        match self.kind {
            CheckerKind::Misc(_) => 0,
            CheckerKind::Dns(_) => 3,
            _ => 1,
        }
    }

    /// The delay before retry when unset, microseconds (HTTP/SSL 3 s, DNS the delay loop
    /// (0 here), else 1 s).
    pub fn default_delay_before_retry(&self) -> u64 {
        match self.kind {
            CheckerKind::Http(_) => 3_000_000,
            CheckerKind::Dns(_) => 0,
            _ => 1_000_000,
        }
    }

    /// Whether keepalived runs it on a timer (every checker but `BFD_CHECK`).
    pub fn has_launch(&self) -> bool {
        !matches!(self.kind, CheckerKind::Bfd(_))
    }
}

/// `FILE_CHECK { track_file NAME; weight N [reverse] }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FileCheck {
    /// The `track_file` it follows.
    pub track_file: String,
    /// `weight` (-2147483647..2147483647); the track file's own weight when unset.
    pub weight: Option<i32>,
    /// `weight N reverse`.
    pub reverse: bool,
    /// Where it was configured.
    pub origin: Origin,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_code_ranges() {
        let mut s = StatusCodes::default();
        assert!(s.is_empty());
        s.add(200, 299);
        s.add(503, 503);
        s.add(599, 599);
        assert_eq!(s.ranges(), vec![(200, 299), (503, 503), (599, 599)]);
        assert!(s.contains(250) && !s.contains(300) && !s.contains(99));
        assert_eq!(serde_json::to_string(&s).unwrap(), r#"["200-299","503","599"]"#);
    }
}
