//! systemd `Type=notify` messages (`lib/systemd.c`): READY=1 once every child has loaded its
//! configuration, RELOADING=1 … READY=1 around a reload, STOPPING=1 at stop, ERRNO= on a
//! permanent child error. Nothing is sent when `NOTIFY_SOCKET` is unset.

use sd_notify::NotifyState;

fn send(states: &[NotifyState]) {
    if std::env::var_os("NOTIFY_SOCKET").is_some() {
        let _ = sd_notify::notify(states);
    }
}

/// `READY=1` with our pid as `MAINPID` (as keepalived sends it).
pub fn ready() {
    send(&[NotifyState::Ready, NotifyState::MainPid(std::process::id())]);
}

/// `RELOADING=1` (with the monotonic time newer systemd wants for `Type=notify-reload`).
pub fn reloading() {
    match NotifyState::monotonic_usec_now() {
        Ok(m) => send(&[NotifyState::Reloading, m]),
        Err(_) => send(&[NotifyState::Reloading]),
    }
}

/// `STOPPING=1`.
pub fn stopping() {
    send(&[NotifyState::Stopping]);
}

/// `ERRNO=n` when a child stops the daemon with a permanent error.
pub fn error(errno: i32) {
    send(&[NotifyState::Errno(errno as u32)]);
}
