//! Completion and validation of the track configuration after parsing.

use crate::config::LoadOptions;
use crate::config::builder::Builder;
use crate::config::diag::Diagnostics;
use crate::config::system::System;

/// Fills computed defaults and cross-checks the track configuration.
pub fn complete(_b: &mut Builder, _sys: &dyn System, _opts: &LoadOptions, _diags: &mut Diagnostics) {}
