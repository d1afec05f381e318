//! The HTTP response reader (`keepalived_rs::check::http::response`, keepalived's
//! `http_process_response()`): the verdict does not depend on how the bytes were split into
//! reads, and the digest is the MD5 of at most Content-Length body bytes.

use keepalived_rs::check::http::response::{HEADER_ROOM, Response, Summary};
use md5::{Digest, Md5};
use proptest::prelude::*;

fn read_in(raw: &[u8], cuts: &[usize]) -> Summary {
    let mut r = Response::new(true);
    let mut at = 0;
    for &c in cuts {
        let end = (at + c).min(raw.len());
        r.feed(&raw[at..end]);
        at = end;
    }
    r.feed(&raw[at..]);
    r.finish()
}

proptest! {
    #[test]
    fn split_does_not_matter(
        code in 100u16..600,
        body in proptest::collection::vec(any::<u8>(), 0..3000),
        cl in proptest::option::of(0usize..4000),
        cuts in proptest::collection::vec(0usize..700, 0..12),
    ) {
        let mut raw = format!("HTTP/1.1 {code} Whatever\r\nServer: t\r\n").into_bytes();
        if let Some(cl) = cl {
            raw.extend_from_slice(format!("Content-Length: {cl}\r\n").as_bytes());
        }
        raw.extend_from_slice(b"\r\n");
        let head = raw.len();
        raw.extend_from_slice(&body);
        let whole = read_in(&raw, &[]);
        let split = read_in(&raw, &cuts);
        prop_assert_eq!(&whole, &split);
        let h = whole.header.unwrap();
        prop_assert_eq!(h.status, code);
        prop_assert_eq!(h.len, head);
        prop_assert_eq!(whole.rx_bytes, body.len());
        let hashed = cl.map_or(body.len(), |c| c.min(body.len()));
        let want: [u8; 16] = Md5::digest(&body[..hashed]).into();
        prop_assert_eq!(whole.digest, want);
    }

    #[test]
    fn a_header_past_4095_bytes_is_no_data(extra in 0usize..2000, cuts in proptest::collection::vec(1usize..900, 0..8)) {
        let mut raw = b"HTTP/1.0 200 OK\r\nX: ".to_vec();
        raw.resize(HEADER_ROOM + 1 + extra, b'a');
        raw.extend_from_slice(b"\r\n\r\nbody");
        prop_assert_eq!(read_in(&raw, &cuts).header, None);
    }
}
