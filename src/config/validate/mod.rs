//! After parsing: keepalived's completion and validation passes (`init_global_data()`,
//! `check_validate_config()`, `vrrp_validate_config()`, `bfd_validate_config()`), which fill
//! computed defaults and cross-check references.

pub mod bfd;
pub mod check;
pub mod global;
pub mod net;
pub mod track;
pub mod vrrp;

use super::LoadOptions;
use super::builder::Builder;
use super::diag::Diagnostics;
use super::model::Config;
use super::system::System;

/// Completes and validates the parsed configuration, in keepalived's order: global data first,
/// then the checker's, the VRRP and the BFD validation (as `keepalived -t` runs them).
pub fn complete(mut b: Builder, sys: &dyn System, opts: &LoadOptions, diags: &mut Diagnostics) -> Config {
    global::complete(&mut b, sys, opts, diags);
    track::complete(&mut b, sys, opts, diags);
    check::complete(&mut b, sys, opts, diags);
    net::complete(&mut b, sys, opts, diags);
    vrrp::complete(&mut b, sys, opts, diags);
    bfd::complete(&mut b, sys, opts, diags);
    b.cfg
}
