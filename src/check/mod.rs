//! The health-checker child (`Keepalived_healthcheckers`).

pub mod conn;
pub mod daemon;
pub mod event;
pub mod http;
pub mod tcp;
