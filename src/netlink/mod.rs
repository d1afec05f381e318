//! rtnetlink: addresses, routes and rules (the VRRP child's VIPs, virtual routes/rules and the
//! static ones), the interface table with link and address monitoring, and VMAC interfaces.

pub mod addr;
pub mod link;
pub mod route;
pub mod rule;
pub mod vmac;
