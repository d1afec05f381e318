//! `IPVS_STATS_ATTR_*`: the counters nested in `IPVS_SVC_ATTR_STATS{,64}` and
//! `IPVS_DEST_ATTR_STATS{,64}`.
//!
//! In the 32-bit nest (`*_STATS`) every counter is a u32 except the byte counters (u64); in
//! the 64-bit nest (`*_STATS64`) every counter is a u64. One enum serves both: the width is
//! chosen by the nest when emitting, and read from the value's length when parsing.

use netlink_packet_core::{
    DecodeError, DefaultNla, Emitable, Nla, Parseable, emit_u32, emit_u64, parse_u32, parse_u64,
};

use super::nla::parse_all;
use crate::ipvs::model::Stats;

/// `IPVS_STATS_ATTR_CONNS`.
pub const CONNS: u16 = 1;
/// `IPVS_STATS_ATTR_INPKTS`.
pub const INPKTS: u16 = 2;
/// `IPVS_STATS_ATTR_OUTPKTS`.
pub const OUTPKTS: u16 = 3;
/// `IPVS_STATS_ATTR_INBYTES`.
pub const INBYTES: u16 = 4;
/// `IPVS_STATS_ATTR_OUTBYTES`.
pub const OUTBYTES: u16 = 5;
/// `IPVS_STATS_ATTR_CPS`.
pub const CPS: u16 = 6;
/// `IPVS_STATS_ATTR_INPPS`.
pub const INPPS: u16 = 7;
/// `IPVS_STATS_ATTR_OUTPPS`.
pub const OUTPPS: u16 = 8;
/// `IPVS_STATS_ATTR_INBPS`.
pub const INBPS: u16 = 9;
/// `IPVS_STATS_ATTR_OUTBPS`.
pub const OUTBPS: u16 = 10;
/// `IPVS_STATS_ATTR_PAD` (alignment filler of `nla_put_u64_64bit`).
pub const PAD: u16 = 11;

/// One counter attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatsAttr {
    /// A known counter (`CONNS`..=`OUTBPS`) and its value.
    Counter(u16, u64),
    /// `IPVS_STATS_ATTR_PAD`.
    Pad,
    /// Anything else, kept as is.
    Other(DefaultNla),
}

/// Whether a counter is 64-bit even in the 32-bit nest.
fn always_wide(kind: u16) -> bool {
    kind == INBYTES || kind == OUTBYTES
}

/// A counter attribute as emitted inside one nest width.
struct Sized<'a> {
    attr: &'a StatsAttr,
    wide: bool,
}

impl Nla for Sized<'_> {
    fn value_len(&self) -> usize {
        match self.attr {
            StatsAttr::Counter(kind, _) if self.wide || always_wide(*kind) => 8,
            StatsAttr::Counter(..) => 4,
            StatsAttr::Pad => 0,
            StatsAttr::Other(nla) => nla.value_len(),
        }
    }
    fn kind(&self) -> u16 {
        match self.attr {
            StatsAttr::Counter(kind, _) => *kind,
            StatsAttr::Pad => PAD,
            StatsAttr::Other(nla) => nla.kind(),
        }
    }
    fn emit_value(&self, buffer: &mut [u8]) {
        match self.attr {
            StatsAttr::Counter(_, v) if self.value_len() == 8 => emit_u64(buffer, *v).expect("8-byte slot"),
            // The 32-bit nest truncates as the kernel's `ip_vs_export_stats_user` does.
            StatsAttr::Counter(_, v) => emit_u32(buffer, *v as u32).expect("4-byte slot"),
            StatsAttr::Pad => {}
            StatsAttr::Other(nla) => nla.emit_value(buffer),
        }
    }
}

/// Length of the counters of one nest (its value, without the nest header).
pub(crate) fn inner_len(attrs: &[StatsAttr], wide: bool) -> usize {
    attrs.iter().map(|attr| Sized { attr, wide }.buffer_len()).sum()
}

/// Writes the counters of one nest into its value.
pub(crate) fn emit_inner(attrs: &[StatsAttr], wide: bool, buffer: &mut [u8]) {
    let sized: Vec<Sized<'_>> = attrs.iter().map(|attr| Sized { attr, wide }).collect();
    sized.as_slice().emit(buffer)
}

/// Parses the inside of a stats nest.
pub(crate) fn parse_nest(buf: &[u8]) -> Result<Vec<StatsAttr>, DecodeError> {
    parse_all(buf, |nla| {
        let value = nla.value();
        Ok(match nla.kind() {
            kind @ CONNS..=OUTBPS => StatsAttr::Counter(
                kind,
                match value.len() {
                    4 => u64::from(parse_u32(value)?),
                    _ => parse_u64(value)?,
                },
            ),
            PAD => StatsAttr::Pad,
            _ => StatsAttr::Other(DefaultNla::parse(nla)?),
        })
    })
}

/// The model's counters from a nest.
pub fn to_stats(attrs: &[StatsAttr]) -> Stats {
    let mut s = Stats::default();
    for attr in attrs {
        if let StatsAttr::Counter(kind, v) = *attr {
            let slot = match kind {
                CONNS => &mut s.conns,
                INPKTS => &mut s.inpkts,
                OUTPKTS => &mut s.outpkts,
                INBYTES => &mut s.inbytes,
                OUTBYTES => &mut s.outbytes,
                CPS => &mut s.cps,
                INPPS => &mut s.inpps,
                OUTPPS => &mut s.outpps,
                INBPS => &mut s.inbps,
                _ => &mut s.outbps,
            };
            *slot = v;
        }
    }
    s
}

/// A nest's attributes for the model's counters, in the kernel's order.
pub fn from_stats(s: &Stats) -> Vec<StatsAttr> {
    [
        (CONNS, s.conns),
        (INPKTS, s.inpkts),
        (OUTPKTS, s.outpkts),
        (INBYTES, s.inbytes),
        (OUTBYTES, s.outbytes),
        (CPS, s.cps),
        (INPPS, s.inpps),
        (OUTPPS, s.outpps),
        (INBPS, s.inbps),
        (OUTBPS, s.outbps),
    ]
    .into_iter()
    .map(|(k, v)| StatsAttr::Counter(k, v))
    .collect()
}
