//! Model of the BFD configuration.
//!
//! keepalived parses each `bfd_instance` block in three processes, each keeping its own view:
//! the BFD process runs the session (`bfd_t`, full validation), the VRRP process keeps a tracked
//! BFD with a weight (`vrrp_tracked_bfd_t`) and the checker keeps a name (`checker_tracked_bfd_t`).
//! The views can differ (a block without `neighbor_ip` is refused by the BFD process but still
//! tracked by VRRP), so a [`BfdInstance`] records all three.

use std::net::IpAddr;

use serde::Serialize;

use super::Origin;
use super::track::TrackingObj;

/// keepalived's BFD defaults and limits (`include/bfd.h`).
pub mod defaults {
    /// `min_rx` default, microseconds (`BFD_MINRX_DEFAULT` ms).
    pub const MIN_RX_US: u32 = 10_000;
    /// `min_tx` default, microseconds.
    pub const MIN_TX_US: u32 = 10_000;
    /// `idle_tx` default, microseconds.
    pub const IDLE_TX_US: u32 = 1_000_000;
    /// `multiplier` default.
    pub const MULTIPLIER: u8 = 5;
    /// TTL for an IPv4 neighbour (`BFD_CONTROL_TTL`).
    pub const TTL_V4: u8 = 255;
    /// Hop limit for an IPv6 neighbour (`BFD_CONTROL_HOPLIMIT`).
    pub const HOPLIMIT_V6: u8 = 64;
    /// Longest instance name (`BFD_INAME_MAX` - 1).
    pub const NAME_MAX: usize = 31;
    /// Intervals above this many milliseconds get keepalived's "larger than max sensible" note.
    pub const INTERVAL_MAX_SENSIBLE_MS: u32 = 10_000;
}

/// The BFD session the BFD process runs for a `bfd_instance` (keepalived's `bfd_t`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BfdSession {
    /// `neighbor_ip` / `neighbour_ip` (required).
    pub neighbor: IpAddr,
    /// `source_ip`, same family as the neighbour.
    pub source: Option<IpAddr>,
    /// `min_rx` (ms in the configuration), microseconds.
    pub min_rx: u32,
    /// `min_tx`, microseconds.
    pub min_tx: u32,
    /// `idle_tx`, microseconds.
    pub idle_tx: u32,
    /// `multiplier` (1..255).
    pub multiplier: u8,
    /// `passive`.
    pub passive: bool,
    /// `ttl` / `hoplimit` (default 255 for IPv4, 64 for IPv6).
    pub ttl: u8,
    /// `max_hops` (0..ttl, default 0; keepalived stores the configured -1..255 in a `uint8_t`,
    /// so -1 reads as 255 and is then limited to the TTL).
    pub max_hops: u8,
}

/// The VRRP process's view of a `bfd_instance` (keepalived's `vrrp_tracked_bfd_t`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BfdVrrpTrack {
    /// `weight N` (-253..253, default 0).
    pub weight: i32,
    /// `weight N reverse`.
    pub weight_reverse: bool,
    /// VRRP instances tracking this BFD; the VRRP validation fills it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tracking_vrrp: Vec<TrackingObj>,
}

/// Which processes get this instance's state changes (`vrrp` / `checker` keywords; both when
/// neither is given).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct BfdEvents {
    /// Send events to the VRRP process.
    pub vrrp: bool,
    /// Send events to the checker process.
    pub checker: bool,
}

impl Default for BfdEvents {
    fn default() -> Self {
        BfdEvents {
            vrrp: true,
            checker: true,
        }
    }
}

/// `bfd_instance NAME { ... }`: one block kept by at least one process.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BfdInstance {
    /// Name referenced by `track_bfd` and `BFD_CHECK`.
    pub name: String,
    /// The session, if the BFD process accepted the block.
    pub session: Option<BfdSession>,
    /// The VRRP process's tracked BFD, if it kept the block (events include VRRP, the name fits
    /// and is not a duplicate).
    pub vrrp: Option<BfdVrrpTrack>,
    /// The checker kept the block (events include the checker and the name is not a duplicate).
    pub checker: bool,
    /// `vrrp` / `checker`.
    pub events: BfdEvents,
    /// When the BFD process refused the block over its addresses (malformed, duplicate, of
    /// different families): the `neighbor_ip`/`source_ip` lines as written, so that the
    /// resolved form is refused again with the same message.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refused_address_lines: Vec<Vec<String>>,
    /// Where it was configured.
    pub origin: Origin,
}

/// BFD configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BfdConfig {
    /// `bfd_instance` blocks, in order.
    pub instances: Vec<BfdInstance>,
}

impl BfdConfig {
    /// The first `bfd_instance` of that name kept by any process. `track_bfd` should use
    /// [`BfdConfig::vrrp_tracked`] and `BFD_CHECK` [`BfdConfig::checker_tracked`], which follow
    /// what keepalived's VRRP and checker processes see.
    pub fn instance(&self, name: &str) -> Option<&BfdInstance> {
        self.instances.iter().find(|i| i.name == name)
    }

    /// The BFD session of that name (what the BFD process runs).
    pub fn session(&self, name: &str) -> Option<(&BfdInstance, &BfdSession)> {
        self.instances
            .iter()
            .filter(|i| i.name == name)
            .find_map(|i| i.session.as_ref().map(|s| (i, s)))
    }

    /// The tracked BFD the VRRP process knows by that name (`find_vrrp_tracked_bfd_by_name()`).
    pub fn vrrp_tracked(&self, name: &str) -> Option<(&BfdInstance, &BfdVrrpTrack)> {
        self.instances
            .iter()
            .filter(|i| i.name == name)
            .find_map(|i| i.vrrp.as_ref().map(|v| (i, v)))
    }

    /// The tracked BFD of that name for VRRP, to record who tracks it.
    pub fn vrrp_tracked_mut(&mut self, name: &str) -> Option<&mut BfdVrrpTrack> {
        self.instances
            .iter_mut()
            .filter(|i| i.name == name)
            .find_map(|i| i.vrrp.as_mut())
    }

    /// The tracked BFD the checker knows by that name (its `track_bfds` list, which `BFD_CHECK`
    /// searches).
    pub fn checker_tracked(&self, name: &str) -> Option<&BfdInstance> {
        self.instances.iter().find(|i| i.name == name && i.checker)
    }
}

/// An address as glibc's `inet_ntop()` writes it (keepalived's `inet_sockaddrtos()`): like
/// Rust's `Display`, except that an IPv4-compatible IPv6 address (`::a.b.c.d`, first 96 bits
/// zero, not `::` or `::1`-style) keeps its dotted tail.
pub fn format_addr(addr: &IpAddr) -> String {
    if let IpAddr::V6(v6) = addr {
        let s = v6.segments();
        if s[..6].iter().all(|&x| x == 0) && s[6] != 0 {
            let o = v6.octets();
            return format!("::{}.{}.{}.{}", o[12], o[13], o[14], o[15]);
        }
    }
    addr.to_string()
}

impl BfdInstance {
    /// An instance known to every process by name only (tests and lookups).
    pub fn new(name: &str, origin: Origin) -> Self {
        BfdInstance {
            name: name.to_string(),
            session: None,
            vrrp: None,
            checker: true,
            events: BfdEvents::default(),
            refused_address_lines: Vec::new(),
            origin,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_as_inet_ntop() {
        let f = |s: &str| format_addr(&s.parse().unwrap());
        assert_eq!(f("10.0.0.1"), "10.0.0.1");
        assert_eq!(f("fe80::1"), "fe80::1");
        assert_eq!(f("::1"), "::1");
        assert_eq!(f("::"), "::");
        assert_eq!(f("::ffff:10.1.2.3"), "::ffff:10.1.2.3");
        assert_eq!(f("::10.1.2.3"), "::10.1.2.3");
        assert_eq!(f("::0.0.1.2"), "::102");
        assert_eq!(f("1:0:0:2:0:0:0:3"), "1:0:0:2::3");
    }
}
