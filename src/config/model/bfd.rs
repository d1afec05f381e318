//! Model of the BFD configuration.

use serde::Serialize;

use super::Origin;

/// `bfd_instance NAME { ... }`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BfdInstance {
    /// Name referenced by `track_bfd` and `BFD_CHECK`.
    pub name: String,
    /// Where it was configured.
    pub origin: Origin,
}

/// BFD configuration.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct BfdConfig {
    /// `bfd_instance` blocks, in order.
    pub instances: Vec<BfdInstance>,
}

impl BfdConfig {
    /// The `bfd_instance` of that name.
    pub fn instance(&self, name: &str) -> Option<&BfdInstance> {
        self.instances.iter().find(|i| i.name == name)
    }
}
