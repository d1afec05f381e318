//! Reading an HTTP response as keepalived does (`check_http.c: http_process_response()`,
//! `check/html.c`), sans-IO. keepalived does not parse HTTP properly, and a drop-in
//! replacement must judge servers alike, so this mirrors it rather than using a real HTTP
//! parser: the header block ends at the first `\r\n\r\n` within the first 4095 bytes; the
//! status code is the 3 characters after the first space of the first line, and must be
//! followed by a space; `Content-Length:` is searched case-sensitively anywhere in that first
//! buffer (up to a NUL byte); the body is every byte after the header block, with no chunked
//! decoding, and the MD5 covers at most `Content-Length` bytes of it.

use md5::{Digest, Md5};

/// keepalived's `MAX_BUFFER_LENGTH` less its terminating NUL: the most header bytes it reads.
pub const HEADER_ROOM: usize = 4095;

/// Bodies longer than this are hashed but only this much is kept for `regex` matching
/// (keepalived matches a stream of any length; this bounds memory).
pub const MAX_REGEX_BODY: usize = 16 << 20;

/// An HTTP response being read.
#[derive(Debug)]
pub struct Response {
    buf: Vec<u8>,
    header: Option<Header>,
    full: bool,
    rx_bytes: usize,
    md5: Md5,
    keep_body: bool,
    body: Vec<u8>,
}

/// What keepalived takes from the header block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Status code, 0 when keepalived's `extract_status_code()` finds none.
    pub status: u16,
    /// `Content-Length`, `None` for keepalived's `SIZE_MAX` (absent or unreadable).
    pub content_len: Option<usize>,
    /// Length of the header block including the blank line.
    pub len: usize,
}

/// The response once the stream has ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// The header, `None` when no complete header block arrived ("no data received").
    pub header: Option<Header>,
    /// Body bytes received (keepalived's `rx_bytes`).
    pub rx_bytes: usize,
    /// MD5 of the body, at most `Content-Length` bytes of it.
    pub digest: [u8; 16],
    /// The body, when kept for a regex (at most [`MAX_REGEX_BODY`] bytes).
    pub body: Vec<u8>,
}

impl Response {
    /// A new response; `keep_body` keeps the body for regex matching.
    pub fn new(keep_body: bool) -> Response {
        Response {
            buf: Vec::new(),
            header: None,
            full: false,
            rx_bytes: 0,
            md5: Md5::new(),
            keep_body,
            body: Vec::new(),
        }
    }

    /// Whether keepalived would stop reading: the header buffer filled without a header block
    /// (its next `read()` asks for 0 bytes and sees end of stream).
    pub fn is_stuck(&self) -> bool {
        self.full
    }

    /// The header, once complete.
    pub fn header(&self) -> Option<Header> {
        self.header
    }

    /// Takes the next bytes read.
    pub fn feed(&mut self, mut data: &[u8]) {
        if self.full {
            return;
        }
        if self.header.is_none() {
            let room = HEADER_ROOM - self.buf.len();
            let take = room.min(data.len());
            self.buf.extend_from_slice(&data[..take]);
            data = &data[take..];
            let Some(end) = header_end(&self.buf) else {
                self.full = self.buf.len() == HEADER_ROOM;
                return;
            };
            let h = Header {
                status: status_code(&self.buf),
                content_len: content_length(&self.buf),
                len: end,
            };
            self.header = Some(h);
            let first = std::mem::take(&mut self.buf);
            self.body_bytes(&first[end..]);
        }
        if !data.is_empty() {
            self.body_bytes(data);
        }
    }

    fn body_bytes(&mut self, b: &[u8]) {
        let cl = self.header.and_then(|h| h.content_len);
        let n = match cl {
            None => b.len(),
            Some(cl) => cl.saturating_sub(self.rx_bytes).min(b.len()),
        };
        self.md5.update(&b[..n]);
        self.rx_bytes += b.len();
        if self.keep_body {
            let room = MAX_REGEX_BODY - self.body.len();
            self.body.extend_from_slice(&b[..b.len().min(room)]);
        }
    }

    /// Ends the stream.
    pub fn finish(self) -> Summary {
        Summary {
            header: self.header,
            rx_bytes: self.rx_bytes,
            digest: self.md5.finalize().into(),
            body: self.body,
        }
    }
}

/// keepalived's `extract_html()`: the offset after the first `\r\n\r\n`.
pub fn header_end(b: &[u8]) -> Option<usize> {
    b.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

/// C `strtoul(s, &end, 10)` as glibc does it: the value and the end offset (0 when no digits).
fn strtoul(s: &[u8]) -> (u64, usize) {
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let start = i;
    let mut v: u64 = 0;
    let mut over = false;
    while i < s.len() && s[i].is_ascii_digit() {
        match v.checked_mul(10).and_then(|x| x.checked_add(u64::from(s[i] - b'0'))) {
            Some(x) => v = x,
            None => over = true,
        }
        i += 1;
    }
    if i == start {
        return (0, 0);
    }
    let v = if over {
        u64::MAX
    } else if neg {
        v.wrapping_neg()
    } else {
        v
    };
    (v, i)
}

/// keepalived's `extract_status_code()`.
pub fn status_code(b: &[u8]) -> u16 {
    let mut i = 0;
    while i < b.len() && b[i] != b' ' && b[i] != b'\r' {
        i += 1;
    }
    if b.get(i) != Some(&b' ') {
        return 0;
    }
    i += 1;
    if i + 3 >= b.len() || b[i] == b' ' || b[i + 3] != b' ' {
        return 0;
    }
    let (v, end) = strtoul(&b[i..]);
    if end != 3 {
        return 0;
    }
    // keepalived keeps it in an int; only 100..599 is ever accepted.
    u16::try_from(v).unwrap_or(0)
}

/// keepalived's `extract_content_length()`: `strstr()` over the buffer as a C string.
pub fn content_length(b: &[u8]) -> Option<usize> {
    let s = &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())];
    const TAG: &[u8] = b"Content-Length:";
    let at = s.windows(TAG.len()).position(|w| w == TAG)? + TAG.len();
    let rest = &s[at..];
    let (v, end) = strtoul(rest);
    match rest.get(end) {
        None | Some(b'\r' | b'\n') => usize::try_from(v).ok().filter(|&v| v != usize::MAX),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(d: &[u8]) -> String {
        d.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn extract_status_code_as_html_c() {
        assert_eq!(status_code(b"HTTP/1.0 200 OK\r\n"), 200);
        assert_eq!(status_code(b"HTTP/1.1 503 \r\n"), 503);
        // No space after the code: keepalived finds no code.
        assert_eq!(status_code(b"HTTP/1.1 200\r\n\r\n"), 0);
        assert_eq!(status_code(b"HTTP/1.1  200 OK"), 0);
        assert_eq!(status_code(b"HTTP/1.1\r\n200 OK"), 0);
        assert_eq!(status_code(b"HTTP/1.1 2x0 OK"), 0);
        assert_eq!(status_code(b"X 404"), 0, "needs the space after the code");
        assert_eq!(status_code(b"X 404 "), 404);
        assert_eq!(status_code(b"X 404 y"), 404);
    }

    #[test]
    fn extract_content_length_as_html_c() {
        assert_eq!(
            content_length(b"HTTP/1.0 200 OK\r\nContent-Length: 12\r\n\r\n"),
            Some(12)
        );
        assert_eq!(content_length(b"content-length: 12\r\n\r\n"), None, "case-sensitive");
        assert_eq!(content_length(b"Content-Length: 12x\r\n"), None);
        assert_eq!(content_length(b"Content-Length: 7"), Some(7));
        // strtoul finds no digits and leaves end at the start: the next byte decides.
        assert_eq!(content_length(b"Content-Length:\r\n"), Some(0));
        assert_eq!(content_length(b"Content-Length: \r\n"), None);
        assert_eq!(content_length(b"x\0Content-Length: 3\r\n"), None, "strstr stops at NUL");
    }

    #[test]
    fn digest_is_of_raw_body_bounded_by_content_length() {
        let mut r = Response::new(true);
        r.feed(b"HTTP/1.0 200 OK\r\nContent-Len");
        r.feed(b"gth: 5\r\n\r\nhel");
        r.feed(b"lo world");
        let s = r.finish();
        assert_eq!(s.header.unwrap().status, 200);
        assert_eq!(s.rx_bytes, 11);
        assert_eq!(hex(&s.digest), "5d41402abc4b2a76b9719d911017c592"); // md5("hello")
        assert_eq!(s.body, b"hello world");
    }

    #[test]
    fn chunked_body_is_hashed_raw() {
        let mut r = Response::new(false);
        r.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        let s = r.finish();
        let want: [u8; 16] = Md5::digest(b"5\r\nhello\r\n0\r\n\r\n").into();
        assert_eq!(s.digest, want);
    }

    #[test]
    fn header_must_end_within_4095_bytes() {
        let mut r = Response::new(false);
        let mut big = b"HTTP/1.0 200 OK\r\nX: ".to_vec();
        big.resize(5000, b'a');
        r.feed(&big);
        assert!(r.is_stuck());
        assert_eq!(r.finish().header, None);
        // Exactly at the limit still works.
        let mut ok = b"HTTP/1.0 200 OK\r\nX: ".to_vec();
        ok.resize(HEADER_ROOM - 4, b'a');
        ok.extend_from_slice(b"\r\n\r\nbody");
        let mut r = Response::new(false);
        r.feed(&ok);
        assert!(!r.is_stuck());
        let s = r.finish();
        assert_eq!(s.header.unwrap().len, HEADER_ROOM);
        assert_eq!(s.rx_bytes, 4);
    }
}
