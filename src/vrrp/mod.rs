//! The VRRP child (`Keepalived_vrrp`): VRRPv2/v3 per RFC 3768, 5798 and 9568, as keepalived
//! 2.2.7 implements them.
//!
//! Pure, deterministic parts (no sockets, no clock reads):
//! - [`packet`], [`checksum`], [`auth_ah`]: the wire format and receive checks;
//! - [`stats`]: per-instance counters (the VRRP MIB);
//! - [`event`]: what goes into and comes out of the engine;
//! - [`fsm`]: one instance's state machine; [`track`]: effective priority and tracker states;
//!   [`sync_group`]: members moving together; [`engine`]: all of them behind one `handle()`;
//! - [`garp`]: gratuitous ARP and unsolicited neighbour advertisement frames;
//! - [`reload`]: state kept across a reload and handed over to a respawned child.
//!
//! I/O shells: [`socket`] (raw protocol-112 sockets), [`announce`] (AF_PACKET / ICMPv6 sending
//! with per-interface pacing), [`scripts`] (vrrp_script runs), [`notify`] (notify scripts and
//! FIFO), [`daemon`] (the tokio loop tying engine and shells together), [`memory`] (giving
//! back start-up memory), [`timer`] (microsecond deadlines on a timerfd).
//!
//! Dump files (signals): [`data`] (SIGUSR1 `keepalived.data`), [`stats`] (SIGUSR2 and
//! SIGRTMAX-1 `keepalived.stats`), [`json`] (SIGRTMIN+2 `keepalived.json`), written through
//! [`crate::dumpfile`].

pub mod announce;
pub mod auth_ah;
pub mod checksum;
pub mod daemon;
pub mod data;
pub mod engine;
pub mod event;
pub mod fsm;
pub mod garp;
pub mod json;
pub mod notify;
pub mod packet;
pub mod reload;
pub mod scripts;
pub mod socket;
pub mod stats;
pub mod sync_group;
pub mod timer;
pub mod track;
