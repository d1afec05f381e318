//! Model of the VRRP configuration.

use serde::Serialize;

/// VRRP configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct VrrpConfig {}
