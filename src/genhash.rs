//! `keepalived -T` / `genhash` (keepalived's `check_genhash.c`): GETs one url with the
//! HTTP_GET/SSL_GET code and prints the MD5 digest of the body (at most `Content-Length` bytes
//! of it), the value for a url's `digest`.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use crate::check::conn::Endpoint;
use crate::check::http::response::{content_length, header_end};
use crate::check::http::{self, Fetch, HttpTarget, UrlTarget};
use crate::cli::getopt::{HasArg, LongOpt, Opt, getopt_long};
use crate::config::model::check::{HttpProtocol, StatusCodes};

/// genhash's options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Args {
    /// `-s`.
    pub server: IpAddr,
    /// `-p`.
    pub port: u16,
    /// `-u` (the last one given).
    pub url: String,
    /// `-S`.
    pub ssl: bool,
    /// `-I`.
    pub sni: bool,
    /// `-V`.
    pub vhost: Option<String>,
    /// `-v`.
    pub verbose: bool,
    /// `-m`.
    pub fwmark: u32,
    /// `-P`.
    pub protocol: HttpProtocol,
    /// `-t`, microseconds (keepalived's default is `UINT_MAX` microseconds).
    pub timeout_us: u64,
}

const SHORT: &str = ":hvSs:V:p:u:m:P:t:I";
const LONG: &[LongOpt] = &[
    LongOpt {
        name: "help",
        has_arg: HasArg::No,
        id: 'h' as i32,
    },
    LongOpt {
        name: "verbose",
        has_arg: HasArg::No,
        id: 'v' as i32,
    },
    LongOpt {
        name: "use-ssl",
        has_arg: HasArg::No,
        id: 'S' as i32,
    },
    LongOpt {
        name: "use-sni",
        has_arg: HasArg::No,
        id: 'I' as i32,
    },
    LongOpt {
        name: "server",
        has_arg: HasArg::Required,
        id: 's' as i32,
    },
    LongOpt {
        name: "use-virtualhost",
        has_arg: HasArg::Required,
        id: 'V' as i32,
    },
    LongOpt {
        name: "port",
        has_arg: HasArg::Required,
        id: 'p' as i32,
    },
    LongOpt {
        name: "url",
        has_arg: HasArg::Required,
        id: 'u' as i32,
    },
    LongOpt {
        name: "fwmark",
        has_arg: HasArg::Required,
        id: 'm' as i32,
    },
    LongOpt {
        name: "protocol",
        has_arg: HasArg::Required,
        id: 'P' as i32,
    },
    LongOpt {
        name: "timeout",
        has_arg: HasArg::Required,
        id: 't' as i32,
    },
];

/// keepalived's `genhash_usage()`.
pub fn usage(prog: &str, am_genhash: bool) -> String {
    format!(
        "Usage: {prog}{} COMMAND [OPTIONS]\n\
         Commands:\n   -s server-address -p port -u url\n   -S -s server-address -p port -u url\n   -h\n\n\
         Options:\n\
         Either long or short options are allowed.\n   \
         --use-ssl         -S       Use SSL connection to remote server.\n   \
         --use-sni         -I       Use SNI during SSL handshake (uses virtualhost setting; see -V).\n   \
         --server          -s       Use the specified remote server address.\n   \
         --port            -p       Use the specified remote server port.\n   \
         --url             -u       Use the specified remote server url.\n   \
         --use-virtualhost -V       Use the specified virtualhost in GET query.\n   \
         --verbose         -v       Use verbose mode output.\n   \
         --help            -h       Display this short inlined help screen.\n   \
         --fwmark          -m       Use the specified FW mark.\n   \
         --protocol        -P       Use the specified HTTP protocol - '1.0', 1.0c', '1.1'.\n                                \
         1.0c means 1.0 with 'Connection: close'\n   \
         --timeout         -t       Timeout in seconds\n",
        if am_genhash { "" } else { " --genhash" }
    )
}

/// C `strtoul()`/`strtol()` base 10 over a whole string: the value if every byte was used
/// (leading white space and a sign allowed, as C does).
fn c_number(s: &str) -> Option<i128> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, d) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if d.is_empty() {
        // No digits: end stays at the start, so only an empty string passes (value 0).
        return s.is_empty().then_some(0);
    }
    if !d.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: i128 = d.parse().unwrap_or(i128::MAX);
    Some(if neg { -v } else { v })
}

/// The server address as keepalived's `inet_stosockaddr()` takes it (an IPv6 address may be
/// in brackets).
fn parse_server(s: &str) -> Option<IpAddr> {
    let t = s.strip_prefix('[').and_then(|x| x.strip_suffix(']')).unwrap_or(s);
    t.parse().ok()
}

/// Parses the arguments after `-T` (`check_genhash_parse_cmdline()`); `Err` holds the lines
/// for stderr before the usage.
pub fn parse(args: &[String], am_genhash: bool) -> Result<Args, Vec<String>> {
    // keepalived's "argc <= 2" with the program name and -T (or the program name alone).
    if args.len() < if am_genhash { 2 } else { 1 } {
        return Err(Vec::new());
    }
    let mut a = Args {
        server: IpAddr::from([0, 0, 0, 0]),
        port: 0,
        url: String::new(),
        ssl: false,
        sni: false,
        vhost: None,
        verbose: false,
        fwmark: 0,
        protocol: HttpProtocol::V1_0,
        timeout_us: u64::from(u32::MAX),
    };
    let (mut server, mut port, mut url) = (false, false, false);
    let mut err = Vec::new();
    let mut bad = false;
    let parsed = getopt_long(args, SHORT, LONG);
    for o in parsed.opts {
        let (id, arg) = match o {
            Opt::Found { id, arg, .. } => (id, arg.unwrap_or_default()),
            Opt::Unknown(t) | Opt::Ambiguous(t) => {
                err.push(format!("Unknown option {t}"));
                bad = true;
                continue;
            }
            Opt::Missing(t) => {
                err.push(format!("Missing parameter for option {t}"));
                bad = true;
                continue;
            }
        };
        match u8::try_from(id).map(char::from).unwrap_or('?') {
            'h' => bad = true,
            'v' => a.verbose = true,
            'S' => a.ssl = true,
            'I' => a.sni = true,
            's' => match parse_server(&arg) {
                Some(ip) => {
                    a.server = ip;
                    server = true;
                }
                None => {
                    err.push(format!("server should be an IP, not {arg}"));
                    return Err(err);
                }
            },
            'V' => a.vhost = Some(arg),
            'p' => match c_number(&arg).filter(|p| (1..=65535).contains(p)) {
                Some(p) => {
                    a.port = p as u16;
                    port = true;
                }
                None => {
                    err.push(format!("invalid port number '{arg}'"));
                    return Err(err);
                }
            },
            'u' => {
                a.url = arg;
                url = true;
            }
            'm' => {
                let start = arg.trim_start_matches([' ', '\t']);
                match c_number(start).filter(|_| !start.starts_with('-')) {
                    Some(v) => a.fwmark = v as u32,
                    None => {
                        err.push(format!("invalid fwmark '{arg}'"));
                        return Err(err);
                    }
                }
            }
            'P' => {
                a.protocol = match arg.as_str() {
                    "1.0" => HttpProtocol::V1_0,
                    "1.0c" | "1.0C" => HttpProtocol::V1_0C,
                    "1.1" => HttpProtocol::V1_1,
                    _ => {
                        err.push(format!("invalid HTTP protocol version '{arg}'"));
                        return Err(err);
                    }
                }
            }
            't' => {
                let start = arg.trim_start_matches([' ', '\t']);
                match c_number(start).filter(|_| !start.is_empty() && !start.starts_with('-')) {
                    // keepalived keeps it in an unsigned int of microseconds.
                    Some(v) => a.timeout_us = u64::from((v as u32).wrapping_mul(1_000_000)),
                    None => {
                        err.push(format!("invalid timeout '{arg}'"));
                        return Err(err);
                    }
                }
            }
            _ => bad = true,
        }
    }
    if bad {
        return Err(err);
    }
    if !parsed.rest.is_empty() {
        err.push(format!("Unexpected argument(s): {}", parsed.rest.join(" ")));
        return Err(err);
    }
    if server && port && url { Ok(a) } else { Err(err) }
}

/// keepalived's `dump_buffer()` (hex and ASCII, 16 bytes a line).
pub fn dump_buffer(b: &[u8]) -> String {
    let mut out = String::new();
    for (n, line) in b.chunks(16).enumerate() {
        out.push_str(&format!("{:04} ", (n * 16) & 0xffff));
        for i in 0..16 {
            match line.get(i) {
                Some(c) => out.push_str(&format!(" {c:02x}")),
                None => out.push_str("   "),
            }
            if i == 7 {
                out.push_str(" -");
            }
        }
        out.push_str("   ");
        for i in 0..16 {
            out.push(match line.get(i) {
                Some(&c) if (0x20..=0x7e).contains(&c) => c as char,
                Some(_) => '.',
                None => ' ',
            });
        }
        out.push('\n');
    }
    out
}

const HTTP_HEADER_HEXA: &str = "-----------------------[    HTTP Header Buffer    ]-----------------------\n";
const HTTP_HEADER_ASCII: &str = "-----------------------[ HTTP Header Ascii Buffer ]-----------------------\n";
const HTML_HEADER_HEXA: &str = "-----------------------[        HTML Buffer        ]-----------------------\n";
const HTML_HASH: &str = "-----------------------[    HTML hash resulting    ]-----------------------\n";
const HTML_HASH_FINAL: &str = "-----------------------[ HTML hash final resulting ]-----------------------\n";

/// genhash's verbose dumps as bytes arrive (`http_process_response()` with `GENHASH_VERBOSE`).
#[derive(Default)]
struct Verbose {
    acc: Vec<u8>,
    done: bool,
    content_len: Option<usize>,
    rx: usize,
    out: String,
}

impl Verbose {
    fn limit(&self, r: usize) -> Option<usize> {
        match self.content_len {
            None => Some(r),
            Some(cl) if cl > self.rx => Some(r.min(cl - self.rx)),
            Some(_) => None,
        }
    }

    fn chunk(&mut self, c: &[u8]) {
        if self.done {
            if let Some(n) = self.limit(c.len()) {
                self.out.push_str(&dump_buffer(&c[..n]));
            }
            self.rx += c.len();
            return;
        }
        self.out.push_str(HTTP_HEADER_HEXA);
        self.acc.extend_from_slice(c);
        let Some(end) = header_end(&self.acc) else {
            return;
        };
        self.done = true;
        self.content_len = content_length(&self.acc);
        let head = &self.acc[..end];
        self.out.push_str(&dump_buffer(head));
        self.out.push_str(HTTP_HEADER_ASCII);
        let shown = &head[..head.iter().position(|&b| b == 0).unwrap_or(head.len())];
        self.out.push_str(&String::from_utf8_lossy(shown));
        self.out.push('\n');
        let r = self.acc.len() - end;
        if r > 0 {
            if let Some(n) = self.limit(r) {
                self.out.push_str(HTML_HEADER_HEXA);
                let body = self.acc[end..end + n].to_vec();
                self.out.push_str(&dump_buffer(&body));
            }
        }
        self.rx = r;
    }
}

/// Fetches the url and returns (stdout, stderr) text as keepalived prints them.
pub async fn run_args(a: &Args) -> (String, String) {
    let dst = SocketAddr::new(a.server, a.port);
    let mut ep = Endpoint::to(dst, Duration::from_micros(a.timeout_us));
    ep.fwmark = a.fwmark;
    let mut all = StatusCodes::default();
    all.add(100, 599);
    let url = UrlTarget {
        path: a.url.clone(),
        digest: None,
        status_codes: all,
        host: a.vhost.clone(),
        sni: if a.sni { a.vhost.clone() } else { None },
        regex: None,
    };
    let t = HttpTarget {
        ep,
        ssl: a.ssl,
        protocol: a.protocol,
        urls: vec![url.clone()],
        trio: String::new(),
    };
    let start = Instant::now();
    let mut v = Verbose::default();
    let fetched = http::fetch_observed(&t, &url, false, &mut |c| {
        if a.verbose {
            v.chunk(c)
        }
    })
    .await;
    let mut out = std::mem::take(&mut v.out);
    let mut err = String::new();
    match fetched {
        Fetch::NotRun(n) => {
            for l in n.log {
                err.push_str(&l);
                err.push('\n');
            }
        }
        Fetch::Fail(m) => {
            out.push_str(m);
            out.push('\n');
        }
        Fetch::Done(s) => {
            if a.verbose {
                out.push('\n');
                out.push_str(HTML_HASH);
                out.push_str(&dump_buffer(&s.digest));
                out.push_str(HTML_HASH_FINAL);
            }
            if s.header.is_none() {
                err.push_str("no data received from remote webserver\n");
            } else {
                for b in s.digest {
                    out.push_str(&format!("{b:02x}"));
                }
                out.push('\n');
            }
        }
    }
    if a.verbose {
        out.push_str(&format!(
            "\nGlobal response time for [{}] = {} usecs\n",
            a.url,
            start.elapsed().as_micros()
        ));
    }
    (out, err)
}

/// `keepalived -T ARGS` (or `genhash ARGS` when `am_genhash`): the exit code.
pub fn main(prog: &str, am_genhash: bool, args: &[String]) -> i32 {
    let a = match parse(args, am_genhash) {
        Ok(a) => a,
        Err(lines) => {
            let mut e = std::io::stderr();
            for l in lines {
                let _ = writeln!(e, "{l}");
            }
            let _ = write!(e, "{}", usage(prog, am_genhash));
            return 1;
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("genhash: {e}");
            return 1;
        }
    };
    let (out, err) = rt.block_on(run_args(&a));
    let _ = std::io::stdout().write_all(out.as_bytes());
    let _ = std::io::stderr().write_all(err.as_bytes());
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn check_genhash_parse_cmdline() {
        let a = parse(
            &s(&["-s", "10.0.0.2", "-p", "80", "-u", "/x", "-P", "1.0c", "-t", "3"]),
            false,
        )
        .unwrap();
        assert_eq!(a.server, "10.0.0.2".parse::<IpAddr>().unwrap());
        assert_eq!(
            (a.port, a.url.as_str(), a.protocol, a.timeout_us),
            (80, "/x", HttpProtocol::V1_0C, 3_000_000)
        );
        assert_eq!(
            parse(&s(&["-s", "x", "-p", "80"]), false),
            Err(s(&["server should be an IP, not x"]))
        );
        assert_eq!(
            parse(&s(&["-s", "::1", "-p", "0"]), false),
            Err(s(&["invalid port number '0'"]))
        );
        assert_eq!(
            parse(&s(&["-s", "::1", "-p", "80"]), false),
            Err(vec![]),
            "url is mandatory"
        );
        assert_eq!(parse(&s(&["-h", "-s", "::1"]), false), Err(vec![]));
        assert_eq!(parse(&s(&["-x", "-s", "::1"]), false), Err(s(&["Unknown option -x"])));
        assert_eq!(
            parse(&s(&["-s", "::1", "-p", "1", "-u", "/", "extra"]), false),
            Err(s(&["Unexpected argument(s): extra"]))
        );
        assert_eq!(parse(&s(&[]), false), Err(vec![]));
    }

    #[test]
    fn dump_buffer_as_utils_c() {
        assert_eq!(
            dump_buffer(b"hello page"),
            "0000  68 65 6c 6c 6f 20 70 61 - 67 65                     hello page      \n"
        );
        let d = dump_buffer(&[0u8; 17]);
        assert!(d.starts_with("0000  00 00 00 00 00 00 00 00 - 00 00 00 00 00 00 00 00   ................\n0016  00"));
    }
}
