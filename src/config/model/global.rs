//! Model of `global_defs` and the other top-level settings.

use serde::Serialize;

/// `global_defs` and top-level settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GlobalDefs {
    /// `router_id`.
    pub router_id: Option<String>,
}
