//! Dumps of the BFD configuration: the resolved `bfd_instance` blocks, the VRRP child's "VRRP
//! Track BFDs" section (`dump_vrrp_tracked_bfd()`) and the BFD child's "BFD Topology" section
//! (`dump_bfd()`).

use super::track::tracking_lines;
use super::writer::ConfWriter;
use crate::config::model::Config;
use crate::config::model::bfd::{BfdInstance, format_addr};
use crate::config::tokens::quote_word;

/// Microseconds as the milliseconds (up to 3 decimals) the interval keywords take.
fn format_ms(us: u32) -> String {
    let (ms, frac) = (us / 1000, us % 1000);
    if frac == 0 {
        ms.to_string()
    } else {
        let f = format!("{frac:03}");
        format!("{ms}.{}", f.trim_end_matches('0'))
    }
}

fn write_instance(i: &BfdInstance, w: &mut ConfWriter) {
    w.open(format!("bfd_instance {}", quote_word(&i.name)));
    match &i.session {
        Some(s) => {
            w.line(&["neighbor_ip".to_string(), format_addr(&s.neighbor)]);
            if let Some(src) = &s.source {
                w.line(&["source_ip".to_string(), format_addr(src)]);
            }
            w.line(&["min_rx".to_string(), format_ms(s.min_rx)]);
            w.line(&["min_tx".to_string(), format_ms(s.min_tx)]);
            w.line(&["idle_tx".to_string(), format_ms(s.idle_tx)]);
            w.line(&["multiplier".to_string(), s.multiplier.to_string()]);
            if s.passive {
                w.line(&["passive"]);
            }
            let ttl_kw = if s.neighbor.is_ipv4() { "ttl" } else { "hoplimit" };
            w.line(&[ttl_kw.to_string(), s.ttl.to_string()]);
            w.line(&["max_hops".to_string(), s.max_hops.to_string()]);
        }
        // The BFD process refuses the block again on reading, as it did: without a neighbour,
        // or with the addresses it refused.
        None => {
            w.comment("not run by the BFD process: only tracked by name");
            for l in &i.refused_address_lines {
                w.line(l);
            }
        }
    }
    if let Some(v) = &i.vrrp {
        let mut words = vec!["weight".to_string(), v.weight.to_string()];
        if v.weight_reverse {
            words.push("reverse".into());
        }
        w.line(&words);
    }
    if i.events.vrrp {
        w.line(&["vrrp"]);
    }
    if i.events.checker {
        w.line(&["checker"]);
    }
    w.close();
}

/// Writes the `bfd_instance` blocks of the resolved configuration (keepalived.conf syntax,
/// every value explicit).
pub fn write_resolved(cfg: &Config, w: &mut ConfWriter) {
    for i in &cfg.bfd.instances {
        write_instance(i, w);
    }
}

/// Appends the VRRP child's "VRRP Track BFDs" section of keepalived's `-d` dump: every BFD
/// instance the VRRP process keeps, tracked or not. Its state is "down" at startup.
pub fn layout(cfg: &Config, out: &mut Vec<String>) {
    let mut tracked = cfg
        .bfd
        .instances
        .iter()
        .filter_map(|i| i.vrrp.as_ref().map(|v| (i, v)))
        .peekable();
    if tracked.peek().is_none() {
        return;
    }
    out.push("------< VRRP Track BFDs >------".into());
    for (i, v) in tracked {
        out.push(format!(" VRRP Track BFD = {}", i.name));
        out.push(format!(
            "   Weight = {}{}",
            v.weight,
            if v.weight_reverse { " reverse" } else { "" }
        ));
        out.push("   Bfd is down".into());
        out.push("   Tracking VRRP instances :".into());
        tracking_lines(&v.tracking_vrrp, out);
    }
}

/// The BFD child's "BFD Topology" section of keepalived's `-d` dump (`dump_bfd_data(NULL)`,
/// after the global definitions): the sessions the BFD process runs.
pub fn bfd_topology(cfg: &Config, out: &mut Vec<String>) {
    let mut sessions = cfg
        .bfd
        .instances
        .iter()
        .filter_map(|i| i.session.as_ref().map(|s| (i, s)))
        .peekable();
    if sessions.peek().is_none() {
        return;
    }
    out.push("------< BFD Topology >------".into());
    let yes_no = |b: bool| if b { "Yes" } else { "No" };
    for (i, s) in sessions {
        out.push(format!(" BFD Instance = {}", i.name));
        out.push(format!("   Neighbor IP = {}", format_addr(&s.neighbor)));
        if let Some(src) = &s.source {
            out.push(format!("   Source IP = {}", format_addr(src)));
        }
        out.push(format!("   Required min RX interval = {} us", s.min_rx));
        out.push(format!("   Desired min TX interval = {} us", s.min_tx));
        out.push(format!("   Desired idle TX interval = {} us", s.idle_tx));
        out.push(format!("   Detection multiplier = {}", s.multiplier));
        let ttl_name = if s.neighbor.is_ipv4() { "TTL" } else { "hoplimit" };
        out.push(format!("   {ttl_name} = {}", s.ttl));
        out.push(format!("   max_hops = {}", s.max_hops));
        out.push(format!("   passive = {}", s.passive));
        out.push(format!("   send event to VRRP process = {}", yes_no(i.events.vrrp)));
        out.push(format!(
            "   send event to checker process = {}",
            yes_no(i.events.checker)
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milliseconds() {
        assert_eq!(format_ms(10_000), "10");
        assert_eq!(format_ms(5_500), "5.5");
        assert_eq!(format_ms(1), "0.001");
        assert_eq!(format_ms(4_294_967_000), "4294967");
    }
}
