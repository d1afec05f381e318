//! `HTTP_GET` and `SSL_GET` (keepalived's `check_http.c`, `check_ssl.c`): one probe GETs each
//! url in turn and judges the status code, MD5 digest and regex; all must pass. keepalived's
//! own loop retries the failing url alone and restarts from the first once it passes; the
//! scheduler decides retries here, and a probe always starts from the first url.
//!
//! Timeouts as keepalived applies `connect_timeout` (T): connect (and the TLS handshake) within
//! T; the request written within T; the first response bytes within T; then, for HTTP, each
//! read within T, and for SSL the rest of the response within T.

pub mod pattern;
pub mod request;
pub mod response;
pub mod tls;

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::{Instant, timeout, timeout_at};

use super::conn::{self, Connect, Endpoint, NotRun};
use super::event::Probe;
use crate::config::model::check::{
    Checker, CheckerKind, HttpCheck, HttpProtocol, RealServer, StatusCodes, Url, VirtualServer, trio,
};
use pattern::Pattern;
use response::{Response, Summary};

/// One url as probed: its settings with the virtual host inheritance resolved.
#[derive(Clone, Debug)]
pub struct UrlTarget {
    /// `path`.
    pub path: String,
    /// `digest`, as bytes (keepalived compares bytes, so hex case does not matter).
    pub digest: Option<[u8; 16]>,
    /// `status_code` (default 200-299).
    pub status_codes: StatusCodes,
    /// The `Host:` virtual host: the url's, else the checker's, real server's or virtual
    /// server's (`http_request_thread()`).
    pub host: Option<String>,
    /// The SNI name with `enable_sni`: the url's, else the checker's or virtual server's
    /// virtual host (`ssl_connect()`: not the real server's).
    pub sni: Option<String>,
    /// `regex`, compiled; `Err` when the `regex` crate refuses a PCRE2 pattern (the url then
    /// always fails its regex test).
    pub regex: Option<Result<Pattern, String>>,
}

/// An `HTTP_GET` / `SSL_GET` checker ready to probe.
#[derive(Clone, Debug)]
pub struct HttpTarget {
    /// Where to connect.
    pub ep: Endpoint,
    /// `SSL_GET`.
    pub ssl: bool,
    /// `http_protocol`.
    pub protocol: HttpProtocol,
    /// The url blocks, in order.
    pub urls: Vec<UrlTarget>,
    /// `[ip]:proto:port` of the real server (keepalived's `FMT_CHK`).
    pub trio: String,
}

/// Parses 32 hex digits.
pub fn parse_digest(hex: &str) -> Option<[u8; 16]> {
    let b = hex.as_bytes();
    if b.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(std::str::from_utf8(&b[2 * i..2 * i + 2]).ok()?, 16).ok()?;
    }
    Some(out)
}

impl UrlTarget {
    /// The word of keepalived's per-url success line when this url passes (it depends only
    /// on what the url tests): "Regex match", "MD5 digest" or "HTTP status code".
    pub fn success_word(&self) -> &'static str {
        if self.regex.is_some() {
            "Regex match"
        } else if self.digest.is_some() {
            "MD5 digest"
        } else {
            "HTTP status code"
        }
    }

    /// A url of a checker, with the virtual hosts it inherits.
    pub fn new(u: &Url, h: &HttpCheck, rs: &RealServer, vs: &VirtualServer) -> UrlTarget {
        let own = u.virtualhost.as_ref().or(h.virtualhost.as_ref());
        UrlTarget {
            path: u.path.clone(),
            digest: u.digest.as_deref().and_then(parse_digest),
            status_codes: u.status_codes.clone(),
            host: own.or(rs.virtualhost.as_ref()).or(vs.virtualhost.as_ref()).cloned(),
            sni: h.enable_sni.then(|| own.or(vs.virtualhost.as_ref()).cloned()).flatten(),
            regex: u.regex.as_ref().map(Pattern::new),
        }
    }
}

impl HttpTarget {
    /// The target of an `HTTP_GET`/`SSL_GET` checker; `None` for another kind.
    pub fn new(vs: &VirtualServer, rs: &RealServer, c: &Checker) -> Option<HttpTarget> {
        let CheckerKind::Http(h) = &c.kind else {
            return None;
        };
        let co = c.co.clone().unwrap_or_default();
        Some(HttpTarget {
            ep: Endpoint::new(&co, rs, vs),
            ssl: h.ssl,
            protocol: h.http_protocol,
            urls: h.urls.iter().map(|u| UrlTarget::new(u, h, rs, vs)).collect(),
            trio: trio(&rs.ip, vs.protocol, rs.port),
        })
    }
}

/// How fetching a url ended before any judgement.
#[derive(Debug)]
pub enum Fetch {
    /// The stream ended (or stopped, as keepalived stops); judge the response.
    Done(Summary),
    /// A connection, TLS, write or read failure: keepalived's message for `timeout_epilog()`.
    Fail(&'static str),
    /// No verdict: the socket could not be made or set up.
    NotRun(NotRun),
}

/// Opens the connection for `url` and reads the whole response.
pub async fn fetch(t: &HttpTarget, url: &UrlTarget, keep_body: bool) -> Fetch {
    fetch_observed(t, url, keep_body, &mut |_| {}).await
}

/// [`fetch`], showing each block of bytes read to `on_read` (genhash's verbose dumps).
pub async fn fetch_observed(
    t: &HttpTarget,
    url: &UrlTarget,
    keep_body: bool,
    on_read: &mut (dyn FnMut(&[u8]) + Send),
) -> Fetch {
    let deadline = Instant::now() + t.ep.timeout;
    let stream = match conn::connect_until(&t.ep, deadline).await {
        Connect::Ok(s) => s,
        Connect::Refused(_) => return Fetch::Fail("HTTP_CHECK - network unreachable"),
        Connect::Failed(_) => return Fetch::Fail("Connection failed"),
        Connect::Timeout => return Fetch::Fail("Timeout connecting"),
        Connect::Error(_) => return Fetch::Fail("Error connecting"),
        Connect::Setup { no_socket, log } => {
            let last = if no_socket {
                "WEB connection fail to create socket. Rescheduling."
            } else {
                "WEB socket bind failed. Rescheduling"
            };
            return Fetch::NotRun(NotRun {
                log: log.into_iter().chain(std::iter::once(last.to_string())).collect(),
            });
        }
    };
    let dst = t.ep.dst.expect("connected");
    let req = request::build(&url.path, url.host.as_deref(), &dst, t.protocol);
    let tmo = t.ep.timeout;
    if !t.ssl {
        return exchange(stream, &req, tmo, keep_body, false, on_read).await;
    }
    let (connector, name) = tls::connector(url.sni.as_deref(), dst.ip());
    let tls = match timeout_at(deadline, connector.connect(name, stream)).await {
        Err(_) => return Fetch::Fail("Timeout connecting"),
        Ok(Err(_)) => return Fetch::Fail("SSL handshake/communication error connecting to"),
        Ok(Ok(s)) => s,
    };
    exchange(tls, &req, tmo, keep_body, true, on_read).await
}

/// Readiness of the raw socket (TLS streams expose theirs through `get_ref()`).
trait Raw {
    fn raw(&self) -> &tokio::net::TcpStream;
}

impl Raw for tokio::net::TcpStream {
    fn raw(&self) -> &tokio::net::TcpStream {
        self
    }
}

impl Raw for tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    fn raw(&self) -> &tokio::net::TcpStream {
        self.get_ref().0
    }
}

/// Sends the request and reads the response with keepalived's timeouts.
async fn exchange<S>(
    mut s: S,
    req: &[u8],
    tmo: Duration,
    keep_body: bool,
    ssl: bool,
    on_read: &mut (dyn FnMut(&[u8]) + Send),
) -> Fetch
where
    S: AsyncRead + AsyncWrite + Unpin + Raw,
{
    match timeout(tmo, async {
        s.write_all(req).await?;
        s.flush().await
    })
    .await
    {
        Err(_) => return Fetch::Fail("Timeout WEB write"),
        Ok(Err(_)) => return Fetch::Fail("Cannot send get request to"),
        Ok(Ok(())) => {}
    }
    if timeout(tmo, s.raw().readable()).await.is_err() {
        return Fetch::Fail("Timeout WEB read");
    }
    // SSL reads share one deadline; HTTP reads each get the full timeout.
    let ssl_deadline = Instant::now() + tmo;
    let mut resp = Response::new(keep_body);
    let mut buf = vec![0u8; response::HEADER_ROOM];
    loop {
        let read = if ssl {
            timeout_at(ssl_deadline, s.read(&mut buf)).await
        } else {
            timeout(tmo, s.read(&mut buf)).await
        };
        match read {
            Err(_) if ssl => return Fetch::Fail("Timeout SSL read"),
            Err(_) => return Fetch::Fail("Timeout HTTP read"),
            Ok(Ok(0)) => {
                // A clean TLS close (close_notify) before any header is keepalived's
                // "SSL read error"; a bare end of stream is judged as read.
                if ssl && resp.header().is_none() {
                    return Fetch::Fail("SSL read error from");
                }
                break;
            }
            Ok(Ok(n)) => {
                on_read(&buf[..n]);
                resp.feed(&buf[..n]);
                if resp.is_stuck() {
                    break;
                }
            }
            // OpenSSL errors (SSL_ERROR_SYSCALL/SSL) end the stream without complaint.
            Ok(Err(_)) if ssl => break,
            Ok(Err(_)) => return Fetch::Fail("Read error with"),
        }
    }
    Fetch::Done(resp.finish())
}

/// Judges a url's response as `http_handle_response()`: `Ok` with keepalived's success word
/// ("HTTP status code", "MD5 digest", "Regex match"), or `Err` with its failure message.
pub fn judge(url: &UrlTarget, s: &Summary) -> Result<&'static str, &'static str> {
    let Some(h) = s.header else {
        return Err("Read, no data received from ");
    };
    if !url.status_codes.contains(h.status) {
        return Err("HTTP status code error to");
    }
    let mut msg = "HTTP status code";
    if let Some(d) = &url.digest {
        if *d != s.digest {
            return Err("MD5 digest error to");
        }
        msg = "MD5 digest";
    }
    if let Some(r) = &url.regex {
        if !r.as_ref().is_ok_and(|p| p.passes(&s.body)) {
            return Err("Regex match failed");
        }
        msg = "Regex match";
    }
    Ok(msg)
}

/// keepalived's failure line for a message: `"%s server %s."`.
pub fn failure_reason(msg: &str, trio: &str) -> String {
    format!("{msg} server {trio}.")
}

/// keepalived's per-url success line (logged while the checker is down).
pub fn success_line(what: &str, trio: &str, path: &str) -> String {
    format!("{what} success to {trio} url({path})")
}

/// keepalived's line when all urls pass and the checker goes up.
pub fn up_line(trio: &str) -> String {
    format!("Remote Web server {trio} succeed on service.")
}

/// keepalived's line when the checker goes down (`epilog()`; keepalived 2.2.7 says
/// HTTP_CHECK for SSL_GET too).
pub fn down_line(trio: &str, retries: Option<u32>) -> String {
    match retries {
        Some(n) => format!("HTTP_CHECK on service {trio} failed after {n} retries."),
        None => format!("HTTP_CHECK on service {trio} failed."),
    }
}

/// The result of one url.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UrlVerdict {
    /// Passed; keepalived's success word for [`success_line`].
    Pass(&'static str),
    /// Failed; keepalived's failure message for [`failure_reason`].
    Fail(&'static str),
}

/// Probes one url (by index).
pub async fn probe_url(t: &HttpTarget, i: usize) -> Result<UrlVerdict, NotRun> {
    let url = &t.urls[i];
    match fetch(t, url, url.regex.is_some()).await {
        Fetch::NotRun(n) => Err(n),
        Fetch::Fail(m) => Ok(UrlVerdict::Fail(m)),
        Fetch::Done(s) => Ok(match judge(url, &s) {
            Ok(w) => UrlVerdict::Pass(w),
            Err(m) => UrlVerdict::Fail(m),
        }),
    }
}

/// One probe of the checker: every url in order, stopping at the first failure. No url at
/// all is success, as keepalived enables such a server without checking.
pub async fn probe(t: &HttpTarget) -> Result<Probe, NotRun> {
    for i in 0..t.urls.len() {
        if let UrlVerdict::Fail(m) = probe_url(t, i).await? {
            return Ok(Probe::Failure {
                reason: failure_reason(m, &t.trio),
            });
        }
    }
    Ok(Probe::Success)
}

#[cfg(test)]
mod tests {
    use super::*;
    use response::Response;

    fn url(codes: &[(u16, u16)], digest: Option<&str>) -> UrlTarget {
        let mut s = StatusCodes::default();
        for (a, b) in codes {
            s.add(*a, *b);
        }
        UrlTarget {
            path: "/".into(),
            digest: digest.and_then(parse_digest),
            status_codes: s,
            host: None,
            sni: None,
            regex: None,
        }
    }

    fn resp(raw: &[u8]) -> Summary {
        let mut r = Response::new(true);
        r.feed(raw);
        r.finish()
    }

    #[test]
    fn http_handle_response_order() {
        let ok = resp(b"HTTP/1.0 200 OK\r\n\r\nhello");
        let md5_hello = "5D41402ABC4B2A76B9719D911017C592";
        assert_eq!(judge(&url(&[(200, 299)], None), &ok), Ok("HTTP status code"));
        assert_eq!(judge(&url(&[(200, 299)], Some(md5_hello)), &ok), Ok("MD5 digest"));
        assert_eq!(
            judge(&url(&[(200, 299)], Some("00000000000000000000000000000000")), &ok),
            Err("MD5 digest error to")
        );
        assert_eq!(
            judge(&url(&[(500, 500)], Some(md5_hello)), &ok),
            Err("HTTP status code error to")
        );
        assert_eq!(
            judge(&url(&[(200, 299)], None), &resp(b"HTTP/1.0 200 OK\r\n")),
            Err("Read, no data received from ")
        );
        assert_eq!(
            failure_reason("Read, no data received from ", "[10.0.0.2]:tcp:80"),
            "Read, no data received from  server [10.0.0.2]:tcp:80."
        );
        assert_eq!(
            success_line("MD5 digest", "[10.0.0.2]:tcp:80", "/x"),
            "MD5 digest success to [10.0.0.2]:tcp:80 url(/x)"
        );
    }
}
