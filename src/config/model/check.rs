//! Model of the LVS / health-checker configuration.

use serde::Serialize;

/// LVS configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CheckConfig {}
