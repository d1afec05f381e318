//! The health-checker child (`Keepalived_healthcheckers`).

pub mod daemon;
pub mod dns;
pub mod event;
pub mod file;
pub mod misc;
pub mod ping;
pub mod schedule;
pub mod smtp;
pub mod udp;
