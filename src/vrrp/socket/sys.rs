//! The only `unsafe` code of the VRRP I/O shells ([`socket`](super), [`announce`](crate::vrrp::announce)):
//! what socket2 0.6 and tokio 1.54 do not offer safely. Each function is a thin wrapper with its
//! safety argument next to it.

use std::io;
use std::mem::MaybeUninit;
use std::os::fd::AsRawFd;

use socket2::{SockAddr, SockAddrStorage, Socket};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

/// Registers a socket with the tokio reactor (must be called inside a runtime).
///
/// tokio 1.54 deprecates the safe `AsyncFd::new` as unsound (tokio PR #8587) in favour of the
/// `unsafe` `AsyncFd::register_with_interest`, whose contract is that the fd stays open and
/// unchanged for the `AsyncFd`'s lifetime.
pub(crate) fn register(sock: Socket, interest: Interest) -> io::Result<AsyncFd<Socket>> {
    // SAFETY: `Socket` owns its descriptor: it is open until the `Socket` is dropped, which only
    // happens when the `AsyncFd` drops it, and `as_raw_fd()` always returns that same descriptor.
    // Callers in this crate only use `AsyncFd::get_ref`, never `get_mut`, so the socket inside is
    // never swapped for another.
    unsafe { AsyncFd::register_with_interest(sock, interest) }.map_err(|e| e.into())
}

/// `setsockopt(level, name, &int)` for the integer options socket2 lacks (`IPV6_CHECKSUM`,
/// `IPV6_RECVPKTINFO`).
pub(crate) fn setsockopt_int(
    sock: &Socket,
    level: libc::c_int,
    name: libc::c_int,
    value: libc::c_int,
) -> io::Result<()> {
    // SAFETY: the pointer and length describe a live, initialised c_int for the call's duration;
    // the kernel only reads it.
    let rc = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            level,
            name,
            (&raw const value).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// `IP_MULTICAST_IF` by interface index (`struct ip_mreqn`, as keepalived's
/// `if_setsockopt_mcast_if()`); socket2 only sets it by address.
pub(crate) fn set_multicast_if_v4_index(sock: &Socket, ifindex: u32) -> io::Result<()> {
    let mreqn = libc::ip_mreqn {
        imr_multiaddr: libc::in_addr { s_addr: 0 },
        imr_address: libc::in_addr { s_addr: 0 },
        imr_ifindex: ifindex as libc::c_int,
    };
    // SAFETY: as above, for a live, fully initialised (no padding) ip_mreqn.
    let rc = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::IPPROTO_IP,
            libc::IP_MULTICAST_IF,
            (&raw const mreqn).cast(),
            size_of::<libc::ip_mreqn>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Views an initialised byte buffer as the `MaybeUninit` buffer socket2's `recvmsg` wants.
pub(crate) fn as_uninit(buf: &mut [u8]) -> &mut [MaybeUninit<u8>] {
    // SAFETY: `MaybeUninit<u8>` has the layout of `u8`. The only writer through the returned
    // slice is the kernel (recvmsg), which writes initialised bytes, so `buf` stays initialised.
    unsafe { &mut *(buf as *mut [u8] as *mut [MaybeUninit<u8>]) }
}

/// A `sockaddr_ll` for `sendto()` on an `AF_PACKET` socket: the interface, the ethertype (host
/// order) and the link-layer destination (keepalived fills it though the kernel ignores it for
/// `SOCK_RAW`).
pub(crate) fn link_layer_addr(ifindex: u32, protocol: u16, hatype: u16, addr: &[u8; 6]) -> SockAddr {
    let mut storage = SockAddrStorage::zeroed();
    // SAFETY: `sockaddr_ll` is one of this platform's sockaddr types and fits in the storage
    // (checked by `view_as`).
    let ll = unsafe { storage.view_as::<libc::sockaddr_ll>() };
    ll.sll_family = libc::AF_PACKET as libc::sa_family_t;
    ll.sll_protocol = protocol.to_be();
    ll.sll_ifindex = ifindex as libc::c_int;
    ll.sll_hatype = hatype;
    ll.sll_halen = 6;
    ll.sll_addr[..6].copy_from_slice(addr);
    // SAFETY: the storage holds an initialised `sockaddr_ll` of the given length.
    unsafe { SockAddr::new(storage, size_of::<libc::sockaddr_ll>() as libc::socklen_t) }
}
