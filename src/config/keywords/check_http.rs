//! `HTTP_GET` and `SSL_GET` with their `url` blocks (keepalived's `check_http.c`).

use super::common::{COMMON_KEYWORDS, CONN_KEYWORDS, end_conn_check, queue};
use super::{cur_checker, dequeue_checker, opt_bool};
use crate::config::diag::Level;
use crate::config::model::check::{
    Checker, CheckerKind, HTTP_STATUS_MAX, HTTP_STATUS_MIN, HttpCheck, HttpProtocol, REGEX_OPTIONS, StatusCodes, Url,
    UrlRegex,
};
use crate::config::parser::{Block, HResult, Keyword, Parser, Words, kw, kw_block};
use crate::config::script;
use crate::config::values;

/// The `url` block being read.
#[derive(Debug, Default, Clone)]
pub struct UrlBuilder {
    path: Option<String>,
    digest: Option<String>,
    status: StatusCodes,
    virtualhost: Option<String>,
    options: u32,
    no_match: bool,
    min_offset: u64,
    /// keepalived's stored value: the offset plus one, 0 when unset.
    max_offset: u64,
    stack: Option<(u64, u64)>,
}

fn with_http(p: &mut Parser<'_>, f: impl FnOnce(&mut HttpCheck)) {
    if let Some(Checker {
        kind: CheckerKind::Http(h),
        ..
    }) = cur_checker(p)
    {
        f(h);
    }
}

fn with_url(p: &mut Parser<'_>, f: impl FnOnce(&mut UrlBuilder)) {
    if let Some(u) = p.b.check.url.as_mut() {
        f(u);
    }
}

/// C's `strtoul(s, &end, base)`: the value (negated values wrap, overflow saturates) and the
/// unparsed rest.
fn strtoul(s: &str, base: u32) -> (u64, &str) {
    let r = crate::config::cnum::strtoul(s, base);
    (r.value, &s[r.end..])
}

fn http_checker(p: &mut Parser<'_>, w: &Words, ssl: bool) {
    let kind = CheckerKind::Http(Box::new(HttpCheck {
        ssl,
        http_protocol: HttpProtocol::V1_0,
        virtualhost: None,
        enable_sni: false,
        fast_recovery: false,
        urls: Vec::new(),
    }));
    queue(p, w, kind, true);
    if ssl {
        p.b.cfg.check.ssl_required = true;
    }
}

/// `HTTP_GET {`.
pub fn http_get(p: &mut Parser<'_>, w: &Words) -> HResult {
    http_checker(p, w, false);
    Ok(())
}

/// `SSL_GET {`.
pub fn ssl_get(p: &mut Parser<'_>, w: &Words) -> HResult {
    http_checker(p, w, true);
    Ok(())
}

fn nb_get_retry(p: &mut Parser<'_>, w: &Words) -> HResult {
    p.report(Level::GeneralError, "nb_get_retry is deprecated - please use 'retry'");
    let s = w.get(1)?;
    match values::read_unsigned(p, s, 0, u32::MAX, true) {
        Some(v) => {
            if let Some(c) = cur_checker(p) {
                c.retry = (v != u32::MAX).then_some(v);
            }
        }
        None => p.report(Level::GeneralError, format!("Invalid nb_get_retry value '{s}'")),
    }
    Ok(())
}

fn virtualhost(p: &mut Parser<'_>, w: &Words) -> HResult {
    match w.opt(1) {
        Some(s) => {
            let s = s.to_string();
            with_http(p, |h| h.virtualhost = Some(s));
        }
        None => p.report(Level::GeneralError, "HTTP_GET virtualhost name missing"),
    }
    Ok(())
}

fn http_protocol(p: &mut Parser<'_>, w: &Words) -> HResult {
    let Some(s) = w.opt(1) else {
        p.report(Level::GeneralError, "Missing http_protocol version");
        return Ok(());
    };
    let v = match s {
        "1.0" => HttpProtocol::V1_0,
        "1.1" => HttpProtocol::V1_1,
        "1.0C" | "1.0c" => HttpProtocol::V1_0C,
        _ => {
            p.report(Level::GeneralError, format!("Invalid http_protocol version {s}"));
            return Ok(());
        }
    };
    with_http(p, |h| h.http_protocol = v);
    Ok(())
}

fn enable_sni(p: &mut Parser<'_>, w: &Words) -> HResult {
    match opt_bool(w) {
        Ok(v) => with_http(p, |h| h.enable_sni = v),
        Err(()) => p.report(
            Level::GeneralError,
            format!("Invalid enable_sni parameter {}", w.words[1]),
        ),
    }
    Ok(())
}

fn fast_recovery(p: &mut Parser<'_>, w: &Words) -> HResult {
    match opt_bool(w) {
        Ok(v) => with_http(p, |h| h.fast_recovery = v),
        Err(()) => p.report(
            Level::GeneralError,
            format!("Invalid fast_recovery parameter {}", w.words[1]),
        ),
    }
    Ok(())
}

fn url(p: &mut Parser<'_>, _w: &Words) -> HResult {
    p.b.check.url = Some(UrlBuilder::default());
    Ok(())
}

fn path(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?.to_string();
    with_url(p, |u| u.path = Some(s));
    Ok(())
}

/// keepalived's digest reading: 32 characters, read as 16 two-character `strtoul(..., 16)`
/// pieces from the last to the first. `Err(i)` names the first bad piece found.
fn parse_digest(s: &str) -> Result<String, usize> {
    let b = s.as_bytes();
    let mut out = [0u8; 16];
    for i in (0..16).rev() {
        let piece = String::from_utf8_lossy(&b[2 * i..2 * i + 2]).into_owned();
        let (v, rest) = strtoul(&piece, 16);
        if !rest.is_empty() || piece.len() != 2 {
            return Err(i);
        }
        out[i] = v as u8;
    }
    Ok(out.iter().map(|x| format!("{x:02x}")).collect())
}

fn digest(p: &mut Parser<'_>, w: &Words) -> HResult {
    let s = w.get(1)?;
    if p.b.check.url.as_ref().is_some_and(|u| u.digest.is_some()) {
        p.report(Level::GeneralError, format!("Digest '{s}' is a duplicate"));
        return Ok(());
    }
    if s.len() != 32 {
        p.report(
            Level::GeneralError,
            format!("digest '{s}' character length should be 32 rather than {}", s.len()),
        );
        return Ok(());
    }
    match parse_digest(s) {
        Ok(d) => with_url(p, |u| u.digest = Some(d)),
        Err(i) => {
            // keepalived has cut the string after the piece it was reading.
            let shown = String::from_utf8_lossy(&s.as_bytes()[..2 * i + 2]).into_owned();
            p.report(
                Level::GeneralError,
                format!(
                    "Unable to interpret hex digit in '{shown}' at offset {}/{}",
                    2 * i,
                    2 * i + 1
                ),
            );
        }
    }
    Ok(())
}

fn status_code(p: &mut Parser<'_>, w: &Words) -> HResult {
    for s in w.from(1) {
        let (min, rest) = strtoul(s, 10);
        let (max, rest) = match rest.strip_prefix('-') {
            Some(r) => strtoul(r, 10),
            None => (min, rest),
        };
        let range = HTTP_STATUS_MIN as u64..=HTTP_STATUS_MAX as u64;
        if !rest.is_empty() || !range.contains(&min) || !range.contains(&max) || min > max {
            p.report(Level::GeneralError, format!("Invalid HTTP_GET status code '{s}'"));
            continue;
        }
        with_url(p, |u| u.status.add(min as u16, max as u16));
    }
    Ok(())
}

fn url_virtualhost(p: &mut Parser<'_>, w: &Words) -> HResult {
    match w.opt(1) {
        Some(s) => {
            let s = s.to_string();
            with_url(p, |u| u.virtualhost = Some(s));
        }
        None => p.report(Level::GeneralError, "Missing HTTP_GET virtualhost name"),
    }
    Ok(())
}

fn regex(p: &mut Parser<'_>, _w: &Words) -> HResult {
    match script::split_line(p) {
        Some(words) if words.len() == 2 => p.b.check.regex_pattern = words.into_iter().nth(1),
        _ => p.report(Level::Info, "regex missing or too many fields"),
    }
    Ok(())
}

fn regex_no_match(p: &mut Parser<'_>, _w: &Words) -> HResult {
    with_url(p, |u| u.no_match = true);
    Ok(())
}

fn regex_options(p: &mut Parser<'_>, w: &Words) -> HResult {
    let mut bits = 0;
    for s in w.from(1) {
        if let Some(i) = REGEX_OPTIONS.iter().position(|o| o == s) {
            bits |= 1 << i;
        }
    }
    with_url(p, |u| u.options |= bits);
    Ok(())
}

fn regex_offset(p: &mut Parser<'_>, w: &Words, kind: &str) -> u64 {
    if w.len() != 2 {
        p.report(
            Level::Info,
            format!("Missing or too may options for regex_{kind}_offset"),
        );
        return 0;
    }
    let (v, rest) = strtoul(&w.words[1], 10);
    if !rest.is_empty() {
        p.report(
            Level::Info,
            format!("Invalid regex_{kind}_offset {} specified", w.words[1]),
        );
        return 0;
    }
    v
}

fn regex_min_offset(p: &mut Parser<'_>, w: &Words) -> HResult {
    let v = regex_offset(p, w, "min");
    with_url(p, |u| u.min_offset = v);
    Ok(())
}

fn regex_max_offset(p: &mut Parser<'_>, w: &Words) -> HResult {
    let v = regex_offset(p, w, "max");
    with_url(p, |u| u.max_offset = v.wrapping_add(1));
    Ok(())
}

fn regex_stack(p: &mut Parser<'_>, w: &Words) -> HResult {
    if w.len() != 3 {
        p.report(Level::Info, "regex_stack requires start and max values");
        return Ok(());
    }
    let (start, rest) = strtoul(&w.words[1], 10);
    if !rest.is_empty() {
        p.report(Level::Info, "regex_stack invalid start value");
        return Ok(());
    }
    let (max, rest) = strtoul(&w.words[2], 10);
    if !rest.is_empty() {
        p.report(Level::Info, "regex_stack invalid max value");
        return Ok(());
    }
    if start > max {
        p.report(Level::Info, "regex stack start cannot exceed max value");
        return Ok(());
    }
    with_url(p, |u| u.stack = Some((start, max)));
    Ok(())
}

/// keepalived's `url_check()`: a url needs a path; default status codes 200-299; regex
/// settings without a regex are dropped.
fn url_end(p: &mut Parser<'_>) {
    let Some(mut u) = p.b.check.url.take() else { return };
    let Some(path) = u.path.take() else {
        p.report(Level::GeneralError, "HTTP/SSL_GET checker url has no path - ignoring");
        return;
    };
    if u.status.is_empty() {
        u.status.add(200, 299);
    }
    let pattern = p.b.check.regex_pattern.take();
    if pattern.is_none()
        && (u.options != 0 || u.no_match || u.min_offset != 0 || u.max_offset != 0 || u.stack.is_some())
    {
        p.report(Level::Info, "regex parameters specified without regex");
        u.options = 0;
        u.no_match = false;
        u.min_offset = 0;
        u.max_offset = 0;
        u.stack = None;
    }
    if u.max_offset != 0 && u.min_offset >= u.max_offset {
        p.report(
            Level::Info,
            format!(
                "regex min offset {} > regex_max_offset {} - ignoring",
                u.min_offset,
                u.max_offset - 1
            ),
        );
        u.min_offset = 0;
        u.max_offset = 0;
    }
    let regex = pattern.map(|pattern| UrlRegex {
        pattern,
        options: REGEX_OPTIONS
            .iter()
            .enumerate()
            .filter(|(i, _)| u.options & (1 << i) != 0)
            .map(|(_, o)| *o)
            .collect(),
        no_match: u.no_match,
        min_offset: u.min_offset,
        max_offset: (u.max_offset != 0).then(|| u.max_offset - 1),
        stack: u.stack,
    });
    let url = Url {
        path,
        digest: u.digest,
        status_codes: u.status,
        virtualhost: u.virtualhost,
        regex,
    };
    with_http(p, |h| {
        // Most checkers have one url: grow by one, not to Vec's minimum of four.
        h.urls.reserve_exact(1);
        h.urls.push(url);
    });
}

/// keepalived's `http_get_check_end()`.
fn http_end(p: &mut Parser<'_>) {
    let no_urls = matches!(cur_checker(p), Some(Checker { kind: CheckerKind::Http(h), .. }) if h.urls.is_empty());
    if no_urls {
        p.report(
            Level::GeneralError,
            "HTTP/SSL_GET checker has no urls specified - ignoring",
        );
        dequeue_checker(p);
    } else {
        end_conn_check(p);
    }
    p.b.check.in_checker = false;
}

static URL_KEYWORDS: &[Keyword] = &[
    kw("path", path),
    kw("digest", digest),
    kw("status_code", status_code),
    kw("virtualhost", url_virtualhost),
    kw("regex", regex),
    kw("regex_no_match", regex_no_match),
    kw("regex_options", regex_options),
    kw("regex_min_offset", regex_min_offset),
    kw("regex_max_offset", regex_max_offset),
    kw("regex_stack", regex_stack),
];

static URL: Block = Block::new("url", &[URL_KEYWORDS], Some(url_end));

static HTTP_KEYWORDS: &[Keyword] = &[
    kw("nb_get_retry", nb_get_retry),
    kw("virtualhost", virtualhost),
    kw("http_protocol", http_protocol),
    kw("enable_sni", enable_sni),
    kw("fast_recovery", fast_recovery),
    kw_block("url", Some(url), &URL),
];

/// `HTTP_GET { ... }`.
pub static HTTP_GET: Block = Block::new(
    "HTTP_GET",
    &[CONN_KEYWORDS, COMMON_KEYWORDS, HTTP_KEYWORDS],
    Some(http_end),
);
/// `SSL_GET { ... }`.
pub static SSL_GET: Block = Block::new(
    "SSL_GET",
    &[CONN_KEYWORDS, COMMON_KEYWORDS, HTTP_KEYWORDS],
    Some(http_end),
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_pieces_follow_strtoul() {
        assert_eq!(
            parse_digest("640205b7b0fc66c1ea91c463fac6334d").unwrap(),
            "640205b7b0fc66c1ea91c463fac6334d"
        );
        assert_eq!(parse_digest("640205b7b0fc66c1ea91c463fac6334z"), Err(15));
        assert_eq!(parse_digest("z40205b7b0fc66c1ea91c463fac6334d"), Err(0));
        // A sign is accepted by strtoul.
        assert_eq!(&parse_digest("+f0205b7b0fc66c1ea91c463fac6334d").unwrap()[..2], "0f");
    }

    #[test]
    fn strtoul_forms() {
        assert_eq!(strtoul("200-299", 10), (200, "-299"));
        assert_eq!(strtoul("x", 10), (0, "x"));
        assert_eq!(strtoul("", 10), (0, ""));
        assert_eq!(strtoul("-1", 10).0, u64::MAX);
    }
}
