//! A client for the kernel's IPVS table over generic netlink (netlink-proto 0.14).
//!
//! The family id is resolved once per client with the genl controller (`CTRL_CMD_GETFAMILY`
//! "IPVS"): it differs from kernel to kernel. Changes go out in batches: every command of a
//! chunk is sent before any acknowledgement is read, so a whole reconcile costs a few round
//! trips instead of one per command as in keepalived. Reads dump the services, then each
//! service's destinations.

pub mod error;

use futures::StreamExt;
use netlink_packet_core::{NLM_F_REQUEST, NetlinkHeader, NetlinkMessage, NetlinkPayload};
use netlink_packet_generic::GenlMessage;
use netlink_packet_generic::ctrl::nlas::GenlCtrlAttrs;
use netlink_packet_generic::ctrl::{GenlCtrl, GenlCtrlCmd};
use netlink_proto::ConnectionHandle;
use netlink_sys::protocols::NETLINK_GENERIC;
use netlink_sys::{AsyncSocket, SocketAddr, TokioSocket};

pub use error::Error;

use crate::ipvs::family::convert::{parse_daemon, parse_dest_reply, parse_service_reply};
use crate::ipvs::family::{DestInfo, FAMILY_NAME, IpvsCmd, IpvsInfo, IpvsMessage, ServiceInfo};
use crate::ipvs::model::{Af, Command, ServiceEntry, ServiceKey, SyncDaemon, Table, Timeouts};

type Msg = GenlMessage<IpvsMessage>;

/// Commands sent before their acknowledgements are read: each ack costs about 1 KiB of
/// the socket's receive buffer (skb truesize), so a chunk must fit in it.
const CHUNK: usize = 128;
/// Receive buffer asked for (the kernel caps it at `net.core.rmem_max` without privilege).
const RCVBUF: usize = 4 << 20;

/// A connection to the kernel's IPVS family.
pub struct Client {
    handle: ConnectionHandle<Msg>,
    family_id: u16,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Client {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Resolves the "IPVS" family id; `Error::FamilyNotFound` when the kernel has none.
pub async fn resolve_family() -> Result<u16, Error> {
    let (conn, handle, _) =
        netlink_proto::new_connection_with_socket::<GenlMessage<GenlCtrl>, TokioSocket>(NETLINK_GENERIC)?;
    let task = tokio::spawn(conn);
    let mut genl = GenlMessage::from_payload(GenlCtrl {
        cmd: GenlCtrlCmd::GetFamily,
        nlas: vec![GenlCtrlAttrs::FamilyName(FAMILY_NAME.to_string())],
    });
    genl.finalize();
    let mut header = NetlinkHeader::default();
    header.flags = NLM_F_REQUEST;
    let mut msg = NetlinkMessage::new(header, genl.into());
    msg.finalize();
    let mut replies = handle
        .request(msg, SocketAddr::new(0, 0))
        .map_err(|e| Error::Io(std::io::Error::other(e.to_string())))?;
    let mut result = Err(Error::NoReply);
    while let Some(reply) = replies.next().await {
        match reply.payload {
            NetlinkPayload::InnerMessage(m) => {
                if let Some(id) = m.payload.nlas.iter().find_map(|a| match a {
                    GenlCtrlAttrs::FamilyId(id) => Some(*id),
                    _ => None,
                }) {
                    result = Ok(id);
                }
            }
            NetlinkPayload::Error(e) => {
                result = match e.code.map(|c| -c.get()) {
                    Some(libc::ENOENT) => Err(Error::FamilyNotFound),
                    Some(errno) => Err(Error::kernel(None, errno)),
                    None => result,
                };
            }
            _ => {}
        }
    }
    task.abort();
    result
}

impl Client {
    /// Connects and resolves the family. Must run inside a tokio runtime.
    pub async fn connect() -> Result<Self, Error> {
        let family_id = resolve_family().await?;
        let (mut conn, handle, _) = netlink_proto::new_connection_with_socket::<Msg, TokioSocket>(NETLINK_GENERIC)?;
        conn.set_forward_ack(true);
        let sock = conn.socket_mut().socket_mut();
        // Acks without the echoed request keep the receive buffer small.
        let _ = sock.set_cap_ack(true);
        let _ = sock.set_rx_buf_sz(RCVBUF);
        let task = tokio::spawn(conn);
        Ok(Self {
            handle,
            family_id,
            task,
        })
    }

    /// The family id this kernel gave "IPVS".
    pub fn family_id(&self) -> u16 {
        self.family_id
    }

    fn send(&self, msgs: Vec<IpvsMessage>) -> Result<impl futures::Stream<Item = NetlinkMessage<Msg>> + use<>, Error> {
        let id = self.family_id;
        let msgs: Vec<_> = msgs.into_iter().map(|m| m.into_netlink(id, 0)).collect();
        self.handle
            .request_batch(msgs, SocketAddr::new(0, 0))
            .map_err(|e| Error::Io(std::io::Error::other(e.to_string())))
    }

    /// Applies `cmds` in order; one result per command. Every command of a chunk is sent
    /// before the acknowledgements are read; a refusal does not stop the others (the kernel
    /// handles each message on its own).
    pub async fn execute(&self, cmds: &[Command]) -> Vec<Result<(), Error>> {
        let mut out = Vec::with_capacity(cmds.len());
        for chunk in cmds.chunks(CHUNK) {
            let msgs = chunk.iter().map(IpvsMessage::from).collect();
            let mut acks = match self.send(msgs) {
                Ok(s) => s,
                Err(e) => {
                    let text = e.to_string();
                    out.extend(
                        chunk
                            .iter()
                            .map(|_| Err(Error::Io(std::io::Error::other(text.clone())))),
                    );
                    continue;
                }
            };
            // The kernel answers the messages of one sender in order: the n-th ack is the
            // n-th command's, and its sequence number says so too.
            let mut results: Vec<Option<Result<(), Error>>> = chunk.iter().map(|_| None).collect();
            let mut first_seq = None;
            while let Some(reply) = acks.next().await {
                let seq = reply.header.sequence_number;
                let base = *first_seq.get_or_insert(seq);
                let i = seq.wrapping_sub(base) as usize;
                let Some(slot) = results.get_mut(i) else {
                    continue;
                };
                *slot = Some(match reply.payload {
                    NetlinkPayload::Error(e) => match e.code {
                        None => Ok(()),
                        Some(c) => Err(Error::kernel(Some(&chunk[i]), -c.get())),
                    },
                    other => Err(Error::Decode(format!(
                        "unexpected reply of type {}",
                        other.message_type()
                    ))),
                });
            }
            out.extend(results.into_iter().map(|r| r.unwrap_or(Err(Error::NoReply))));
        }
        out
    }

    /// Sends one request and gathers its reply payloads (a dump's entries, or the single
    /// answer); a refusal is an error.
    async fn query(&self, msg: IpvsMessage) -> Result<Vec<IpvsMessage>, Error> {
        let mut replies = self.send(vec![msg])?;
        let mut out = vec![];
        while let Some(reply) = replies.next().await {
            match reply.payload {
                NetlinkPayload::InnerMessage(m) => out.push(m.payload),
                NetlinkPayload::Error(e) => {
                    if let Some(c) = e.code {
                        return Err(Error::kernel(None, -c.get()));
                    }
                }
                NetlinkPayload::Overrun(_) => return Err(Error::Decode("overrun".into())),
                _ => {}
            }
        }
        Ok(out)
    }

    /// Every service, with its counters.
    pub async fn service_infos(&self) -> Result<Vec<ServiceInfo>, Error> {
        self.query(IpvsMessage::get_services())
            .await?
            .iter()
            .filter(|m| m.cmd == IpvsCmd::NewService)
            .map(|m| {
                let attrs = m.service().ok_or(Error::Decode("no service nest".into()))?;
                parse_service_reply(attrs).map_err(|e| Error::Decode(e.to_string()))
            })
            .collect()
    }

    /// One service's destinations, with their counters.
    pub async fn dest_infos(&self, key: &ServiceKey) -> Result<Vec<DestInfo>, Error> {
        let af = match key {
            ServiceKey::Addr { addr, .. } if addr.is_ipv4() => Af::Inet,
            ServiceKey::Addr { .. } => Af::Inet6,
            ServiceKey::Fwmark { af, .. } => *af,
        };
        self.query(IpvsMessage::get_dests(key))
            .await?
            .iter()
            .filter(|m| m.cmd == IpvsCmd::NewDest)
            .map(|m| {
                let attrs = m.dest().ok_or(Error::Decode("no destination nest".into()))?;
                parse_dest_reply(attrs, af).map_err(|e| Error::Decode(e.to_string()))
            })
            .collect()
    }

    /// Every service and its destinations, with counters, in the kernel's order.
    pub async fn table_infos(&self) -> Result<Vec<(ServiceInfo, Vec<DestInfo>)>, Error> {
        let mut out = vec![];
        for svc in self.service_infos().await? {
            let dests = self.dest_infos(&svc.service.key).await?;
            out.push((svc, dests));
        }
        Ok(out)
    }

    /// The kernel's whole table (services, then each one's destinations).
    pub async fn services(&self) -> Result<Table, Error> {
        Ok(Table {
            services: self
                .table_infos()
                .await?
                .into_iter()
                .map(|(s, d)| ServiceEntry {
                    service: s.service,
                    dests: d.into_iter().map(|d| d.dest).collect(),
                })
                .collect(),
        })
    }

    /// IPVS version and connection table size.
    pub async fn info(&self) -> Result<IpvsInfo, Error> {
        let replies = self.query(IpvsMessage::get_info()).await?;
        let m = replies.first().ok_or(Error::NoReply)?;
        m.info().map_err(|e| Error::Decode(e.to_string()))
    }

    /// The TCP, TCP FIN and UDP timeouts.
    pub async fn timeouts(&self) -> Result<Timeouts, Error> {
        let replies = self.query(IpvsMessage::get_config()).await?;
        Ok(replies.first().ok_or(Error::NoReply)?.timeouts())
    }

    /// The running sync daemons (with the kernel's defaults filled in).
    pub async fn daemons(&self) -> Result<Vec<SyncDaemon>, Error> {
        self.query(IpvsMessage::get_daemons())
            .await?
            .iter()
            .filter_map(|m| m.daemon())
            .map(|d| parse_daemon(d).map_err(|e| Error::Decode(e.to_string())))
            .collect()
    }
}
