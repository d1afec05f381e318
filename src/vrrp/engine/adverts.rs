//! Adverts in and out: keepalived's `vrrp_dispatcher_read()` (which instance gets a packet),
//! `vrrp_check_packet()` through the packet layer (log, count, drop) and `vrrp_send_adv()` /
//! `vrrp_update_pkt()` (one packet per destination, IPv4 identification, AH sequence).

use std::cell::Cell;
use std::net::IpAddr;

use super::Core;
use crate::config::model::net::IpAddress;
use crate::config::model::vrrp::{AuthType, ChecksumCompat, Family, VrrpInstance};
use crate::vrrp::event::{Action, RxPacket, State, TxPacket, vmac_name, xmit_interface};
use crate::vrrp::fsm::{TIMER_CENTI_HZ, TIMER_HZ};
use crate::vrrp::packet::{self, Advert, IPPROTO_AH, RxExpect, RxState, TxParams};

/// Per-instance data for packets, computed once.
#[derive(Clone, Debug)]
pub(super) struct Wire {
    pub(super) vips: Vec<IpAddr>,
    pub(super) peers: Vec<(IpAddr, u8, u8)>,
    pub(super) password: Vec<u8>,
    pub(super) ifname: String,
    /// What the receive checks keep (AH sequence number, old unicast checksum switch).
    pub(super) rx_state: RxState,
}

impl Wire {
    /// The packet data of an instance.
    pub(super) fn new(inst: &VrrpInstance) -> Wire {
        Wire {
            vips: inst
                .vips
                .iter()
                .map(|a| a.addr)
                .filter(|a| Family::of(a) == inst.family)
                .collect(),
            peers: inst
                .unicast_peers
                .iter()
                .map(|p| (p.addr, p.min_ttl, p.max_ttl))
                .collect(),
            password: inst.auth_pass.clone().unwrap_or_default().into_bytes(),
            ifname: xmit_interface(inst).unwrap_or_default(),
            rx_state: RxState::default(),
        }
    }
}

/// The interface a VIP/eVIP is configured on: its `dev`, the instance's VMAC when it is on the
/// instance's interface and of its family, else the instance's interface.
pub(crate) fn address_interface(inst: &VrrpInstance, a: &IpAddress) -> String {
    let dev = a.dev.clone().or_else(|| inst.interface.clone());
    if inst.vmac.is_some() && dev == inst.interface && Family::of(&a.addr) == inst.family {
        return vmac_name(inst);
    }
    dev.unwrap_or_default()
}

impl Core {
    /// `vrrp_dispatcher_read()`: find the instance and hand it the advert.
    pub(super) fn dispatch(&mut self, rx: &RxPacket) {
        let ah = rx.family == Family::V4 && rx.data.get(9) == Some(&IPPROTO_AH);
        let on_socket: Vec<usize> = (0..self.vrrps.len())
            .filter(|&i| {
                let inst = &self.cfg.vrrp.instances[i];
                // Without an interface (unicast) keepalived's socket is bound to no device.
                let w = &self.wire[i];
                (w.ifname.is_empty() || w.ifname == rx.ifname)
                    && inst.family == rx.family
                    && (inst.auth_type == AuthType::Ah) == ah
            })
            .collect();
        if on_socket.is_empty() {
            return;
        }
        let vrid = match packet::peek(rx.family, &rx.data) {
            Ok((_, vrid)) => vrid,
            Err(e) => {
                if let Some(l) = e.log_line() {
                    self.out.push(Action::Log(l));
                }
                return;
            }
        };
        let matching: Vec<usize> = on_socket
            .into_iter()
            .filter(|&i| self.cfg.vrrp.instances[i].vrid == vrid)
            .collect();
        let Some(&first) = matching.first() else {
            if self.cfg.global.log_unknown_vrids {
                self.out.push(Action::Log(packet::unknown_vrid_log(vrid, &rx.ifname)));
            }
            return;
        };
        // Several instances share the VRID on this interface: the unicast one whose peer sent it.
        let i = matching
            .iter()
            .copied()
            .find(|&i| self.wire[i].peers.iter().any(|p| p.0 == rx.src))
            .unwrap_or(first);
        if matches!(self.vrrps[i].state, State::Fault | State::Init) {
            return;
        }
        let v = &self.vrrps[i];
        if rx.family == Family::V6 && rx.dst.is_multicast() == v.unicast {
            let line = format!(
                "({}) discarding {}icast packet on {}icast instance",
                v.name,
                if rx.dst.is_multicast() { "mult" } else { "un" },
                if v.unicast { "un" } else { "mult" }
            );
            self.detail(line);
            return;
        }
        let prev = v.state;
        if prev == State::Backup {
            let skip = self.cfg.vrrp.instances[i].skip_check_adv_addr && v.master_saddr == Some(rx.src);
            let adv = self.check_packet(i, rx, skip);
            self.backup_rx(i, adv.as_ref(), rx.src);
        } else if v.wantstate == State::Fault {
            // vrrp_state_master_rx() "return on link failure".
            let v = &mut self.vrrps[i];
            v.master_adver_int = v.adver_int;
            v.ms_down_timer = v.ms_down();
            v.state = State::Fault;
            self.send_instance_notifies(i);
            self.leave_master(i, false);
        } else {
            let adv = self.check_packet(i, rx, false);
            if self.master_rx(i, adv.as_ref(), rx.src) {
                self.leave_master(i, false);
            }
        }
        self.tsm_handle(i, prev);
        let v = &self.vrrps[i];
        if v.state != State::Master || !v.lower_prio_no_advert {
            self.init_instance_sands(i);
        }
    }

    /// `vrrp_check_packet()` through the packet layer: log and count a bad packet.
    fn check_packet(&mut self, i: usize, rx: &RxPacket, skip_addr_check: bool) -> Option<Advert> {
        let inst = &self.cfg.vrrp.instances[i];
        let w = &self.wire[i];
        let v = &self.vrrps[i];
        let before = w.rx_state;
        let exp = RxExpect {
            name: &inst.name,
            version: v.version,
            family: v.family,
            auth: inst.auth_type,
            password: &w.password,
            adver_int_secs: u16::try_from(v.adver_int / TIMER_HZ).unwrap_or(u16::MAX),
            vips: &w.vips,
            unicast: v.unicast,
            peers: &w.peers,
            check_unicast_src: inst.check_unicast_src || self.cfg.global.vrrp_check_unicast_src,
            skip_addr_check,
            old_unicast_checksum: inst.old_unicast_checksum,
            mcast_group4: self.cfg.global.vrrp_mcast_group4,
            rx_state: Cell::new(before),
        };
        let res = packet::check(rx, &exp);
        let after = exp.rx_state.get();
        self.wire[i].rx_state = after;
        if after.old_unicast_checksum && !before.old_unicast_checksum {
            self.out.push(Action::Log(packet::checksum_switch_log(&inst.name)));
        }
        self.vrrps[i].stats.record_rx(&res);
        match res {
            Ok(adv) => Some(adv),
            Err(e) => {
                if let Some(l) = e.log_line() {
                    self.out.push(Action::Log(l));
                }
                None
            }
        }
    }

    /// A master takes the AH sequence number of a lower priority advert, plus one.
    pub(crate) fn ah_resync(&mut self, i: usize) {
        let st = &mut self.wire[i].rx_state;
        st.ah_seq = st.ah_seq.wrapping_add(1);
    }

    /// Builds the advert(s) of `vrrp_send_adv()`: one to the group, or one per unicast peer
    /// (sharing the IPv4 identification, as keepalived does).
    pub(crate) fn emit_advert(&mut self, i: usize, prio: u8) {
        let inst = &self.cfg.vrrp.instances[i];
        let w = &mut self.wire[i];
        let v = &mut self.vrrps[i];
        v.ip_id = v.ip_id.wrapping_add(1);
        if v.ip_id == 0 {
            v.ip_id = 1;
        }
        if inst.auth_type == AuthType::Ah && w.rx_state.ah_seq <= 0xFFFF_FFFD {
            // One counter for sending and anti-replay, as keepalived's ipsecah_counter.
            w.rx_state.ah_seq += 1;
        }
        let w = &self.wire[i];
        let Some(src) = v.saddr else {
            return;
        };
        let adv = Advert {
            version: v.version,
            vrid: inst.vrid,
            priority: prio,
            adver_int: if v.version == 2 {
                u16::try_from(v.adver_int / TIMER_HZ).unwrap_or(u16::MAX)
            } else {
                u16::try_from(v.adver_int / TIMER_CENTI_HZ).unwrap_or(0x0fff)
            },
            addrs: w.vips.clone(),
        };
        let (dsts, ttl): (Vec<IpAddr>, u8) = if v.unicast {
            let dflt = if v.family == Family::V4 { 255 } else { 64 };
            (
                w.peers
                    .iter()
                    .map(|p| p.0)
                    .filter(|a| Family::of(a) == v.family)
                    .collect(),
                inst.unicast_ttl.unwrap_or(dflt),
            )
        } else {
            (inst.mcast_dst_ip.into_iter().collect(), 255)
        };
        let mut sends = Vec::new();
        for dst in dsts {
            let tx = TxParams {
                family: v.family,
                src,
                dst,
                ttl,
                ip_id: v.ip_id,
                auth: inst.auth_type,
                password: &w.password,
                ah_seq: w.rx_state.ah_seq,
                old_unicast_checksum: (v.version == 3
                    && v.unicast
                    && (inst.old_unicast_checksum == ChecksumCompat::Config || w.rx_state.old_unicast_checksum))
                    .then_some(self.cfg.global.vrrp_mcast_group4),
            };
            let data = packet::build(&adv, &tx);
            sends.push(Action::Send(TxPacket {
                ifname: w.ifname.clone(),
                family: v.family,
                src,
                dst,
                ttl,
                data,
            }));
        }
        self.out.extend(sends);
    }
}
