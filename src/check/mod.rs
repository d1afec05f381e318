//! The health-checker child (`Keepalived_healthcheckers`).

pub mod conn;
pub mod daemon;
pub mod dns;
pub mod event;
pub mod file;
pub mod http;
pub mod misc;
pub mod ping;
pub mod pool;
pub mod runner;
pub mod schedule;
pub mod smtp;
pub mod tcp;
pub mod tcp_batch;
pub mod udp;
