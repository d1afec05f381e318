//! The GET request keepalived sends (`check_http.c`: `request_template`,
//! `request_template_ipv6`, `http_request_thread()`).

use std::net::SocketAddr;

use crate::config::model::check::{HttpProtocol, fmt_ip};

/// keepalived's `GET_BUFFER_LENGTH`: `snprintf()` truncates the request to 2047 bytes.
pub const GET_BUFFER_LENGTH: usize = 2048;

/// The request bytes for `path` to `dst`: `Host:` is the virtual host when there is one (no
/// port), else the destination address with `:port` (IPv6 in brackets, RFC 2732).
/// `Connection: close` is sent for `1.0C` and `1.1`.
pub fn build(path: &str, vhost: Option<&str>, dst: &SocketAddr, proto: HttpProtocol) -> Vec<u8> {
    let minor = u8::from(proto == HttpProtocol::V1_1);
    let close = match proto {
        HttpProtocol::V1_0 => "",
        HttpProtocol::V1_0C | HttpProtocol::V1_1 => "Connection: close\r\n",
    };
    let host = match vhost {
        Some(v) => v.to_string(),
        None if dst.is_ipv6() => format!("[{}]:{}", fmt_ip(&dst.ip()), dst.port()),
        None => format!("{}:{}", fmt_ip(&dst.ip()), dst.port()),
    };
    let mut s =
        format!("GET {path} HTTP/1.{minor}\r\nUser-Agent: KeepAliveClient\r\n{close}Host: {host}\r\n\r\n").into_bytes();
    s.truncate(GET_BUFFER_LENGTH - 1);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_request_thread_templates() {
        let d4: SocketAddr = "10.0.0.2:80".parse().unwrap();
        let d6: SocketAddr = "[fe80::1]:8080".parse().unwrap();
        assert_eq!(
            build("/", None, &d4, HttpProtocol::V1_0),
            b"GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 10.0.0.2:80\r\n\r\n"
        );
        assert_eq!(
            build("/x", Some("www"), &d6, HttpProtocol::V1_1),
            b"GET /x HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: www\r\n\r\n"
        );
        assert_eq!(
            build("/", None, &d6, HttpProtocol::V1_0C),
            b"GET / HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: [fe80::1]:8080\r\n\r\n"
        );
        let long = "/".repeat(3000);
        assert_eq!(build(&long, None, &d4, HttpProtocol::V1_0).len(), 2047);
    }
}
