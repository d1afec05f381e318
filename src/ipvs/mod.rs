//! The Linux Virtual Server table: the IPVS generic-netlink family, reading and programming
//! the kernel's table, and reconciling it with the table the configuration and the checkers
//! want.
//!
//! [`model`] is the contract shared by the codec, the reconciler and the checker pool: plain
//! values for services, destinations and the commands that change them.

pub mod client;
pub mod desired;
pub mod family;
pub mod model;
pub mod reconcile;
