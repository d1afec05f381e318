//! The health-checker child (`Keepalived_healthcheckers`).

pub mod daemon;
pub mod event;
pub mod pool;
