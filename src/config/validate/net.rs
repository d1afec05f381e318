//! Completion and validation of the static addresses, routes and rules after parsing.

use crate::config::LoadOptions;
use crate::config::builder::Builder;
use crate::config::diag::Diagnostics;
use crate::config::system::System;

/// Fills computed defaults and cross-checks the static addresses, routes and rules.
pub fn complete(_b: &mut Builder, _sys: &dyn System, _opts: &LoadOptions, _diags: &mut Diagnostics) {}
