//! keepalived-rs: a drop-in replacement for keepalived.
//!
//! The [`config`] module reads keepalived.conf exactly as keepalived 2.2.7 does.

pub mod alert;
pub mod check;
pub mod cli;
pub mod config;
pub mod dumpfile;
pub mod exec;
pub mod genhash;
pub mod ipvs;
pub mod log;
pub mod memory;
pub mod netlink;
pub mod vrrp;
pub mod watchdog;
