//! Serves the UI crates' CSS and JS under content-hashed names, cached for a year.
//!
//! Every asset is compressed once, when the router is built (brotli quality 11 and gzip
//! level 9, on as many threads as there are assets), and each request picks the stored
//! bytes its `Accept-Encoding` allows: brotli, else gzip, else the plain text. The dynamic
//! compression layer in `app.rs` leaves CSS and JS alone, so nothing is compressed twice.
//!
//! The phone's own CSS and JS lose their comment-only lines, indentation and the spaces
//! inside lines that nothing needs first ([`strip_lines`], [`squeeze`]), and their gzip is
//! zopfli's: a phone's first visit must stay under 12 KB (docs/performance.md).

use std::collections::HashMap;
use std::io::Write;
use std::sync::LazyLock;

use axum::Router;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app::AppState;
use crate::error::AppError;

/// How an asset is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

/// One asset in its three encodings.
pub struct Asset {
    pub content_type: &'static str,
    pub identity: Bytes,
    pub brotli: Bytes,
    pub gzip: Bytes,
}

impl Asset {
    /// `smallest`: the phone's assets, whose every byte counts on a first visit, take
    /// zopfli's slower, smaller gzip (the same format; about 5% smaller than level 9).
    fn new(content_type: &'static str, plain: Bytes, smallest: bool) -> Self {
        let gz = if smallest {
            zopfli_gzip(&plain)
        } else {
            gzip(&plain)
        };
        Asset {
            content_type,
            brotli: Bytes::from(brotli(&plain)),
            gzip: Bytes::from(gz),
            identity: plain,
        }
    }

    /// The stored bytes for an encoding.
    pub fn bytes(&self, encoding: Encoding) -> &Bytes {
        match encoding {
            Encoding::Brotli => &self.brotli,
            Encoding::Gzip => &self.gzip,
            Encoding::Identity => &self.identity,
        }
    }
}

fn brotli(plain: &[u8]) -> Vec<u8> {
    // A window just big enough for the file: the same output size as the largest window
    // for files this small, and the encoder's tables (kept by the allocator after start-up)
    // a fraction of the size.
    let lgwin = (usize::BITS - plain.len().max(1).leading_zeros()).clamp(10, 22) as i32;
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin,
        size_hint: plain.len(),
        ..Default::default()
    };
    let mut out = Vec::with_capacity(plain.len() / 3);
    let mut input = plain;
    // Writing to a Vec from a slice cannot fail; if it ever did, the result is empty and
    // requests get gzip instead.
    match brotli::BrotliCompress(&mut input, &mut out, &params) {
        Ok(_) => out,
        Err(_) => Vec::new(),
    }
}

fn zopfli_gzip(plain: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(plain.len() / 3);
    match zopfli::compress(
        zopfli::Options::default(),
        zopfli::Format::Gzip,
        plain,
        &mut out,
    ) {
        Ok(()) => out,
        // Fall back to ordinary gzip rather than none.
        Err(_) => gzip(plain),
    }
}

fn gzip(plain: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(plain.len() / 3),
        flate2::Compression::new(9),
    );
    // As above: an empty result means "send it another way".
    enc.write_all(plain)
        .and_then(|()| enc.finish())
        .unwrap_or_default()
}

/// Removes what a browser never needs from the phone's CSS or JS, line by line: leading
/// and trailing blanks, blank lines, and lines that hold only a comment (`// …` in JS,
/// `/* … */` in CSS). Nothing inside a line changes, line breaks between code stay (so
/// JavaScript's automatic semicolons see the same lines), and a line after one ending in
/// `\` (a string continued on the next line) is kept exactly. A script with a backquote
/// outside a comment line (a template literal may span lines) is left whole.
pub fn strip_lines(src: &str, js: bool) -> String {
    let comment_only = |t: &str| {
        if js {
            t.starts_with("//") && !t.contains("*/")
        } else {
            t.starts_with("/*") && t.ends_with("*/") && t.matches("*/").count() == 1
        }
    };
    if js
        && src
            .lines()
            .any(|l| l.contains('`') && !comment_only(l.trim()))
    {
        return src.to_string();
    }
    let mut out = String::with_capacity(src.len());
    let mut continued = false;
    for line in src.lines() {
        if continued {
            out.push_str(line);
            out.push('\n');
            continued = line.ends_with('\\');
            continue;
        }
        let mut t = line.trim_start();
        let end = t.trim_end();
        if !end.ends_with('\\') {
            t = end;
        }
        if t.is_empty() || comment_only(t) {
            continue;
        }
        out.push_str(t);
        out.push('\n');
        continued = t.ends_with('\\');
    }
    out
}

/// Drops the spaces inside lines that neither JavaScript nor CSS needs (`a = b(c, d);`
/// becomes `a=b(c,d);`) and comments that share a line with code. Line breaks stay, so
/// JavaScript's automatic semicolons see the same lines. Strings, regular expressions and
/// CSS's meaningful spaces (`a :hover`, `and (`, `calc(a + b)`) are kept. Returns `None`,
/// and the caller keeps the text as it was, for anything it does not follow: a template
/// literal, or a string, comment or regular expression that does not end.
pub fn squeeze(src: &str, js: bool) -> Option<String> {
    let c: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    // A space (or line break) is waiting to be written if the next token needs it.
    let mut gap: Option<char> = None;
    // Whether the last token written was a regular expression literal (`/re/ in o` keeps its
    // space; `t / 2` loses it).
    let mut after_regex = false;
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        let start = i;
        if ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' {
            if ch == '\n' || gap.is_none() {
                gap = Some(if ch == '\n' { '\n' } else { ' ' });
            }
            i += 1;
            continue;
        }
        if ch == '/' && next == Some('*') {
            let end = find(&c, i + 2, &['*', '/'])?;
            if c[i..end].contains(&'\n') {
                gap = Some('\n');
            } else if gap.is_none() {
                gap = Some(' ');
            }
            i = end + 2;
            continue;
        }
        if js && ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if js && ch == '`' {
            return None;
        }
        let regex = js && ch == '/' && regex_may_start(&out);
        if ch == '\'' || ch == '"' {
            i = string_end(&c, i)?;
        } else if regex {
            i = regex_end(&c, i)?;
        } else {
            i += 1;
        }
        if let Some(g) = gap.take() {
            let before = out.chars().last();
            if g == '\n' && before.is_some() {
                out.push('\n');
            } else if let Some(b) = before
                && (needs_space(b, ch, js) || (after_regex && is_word(ch)))
            {
                out.push(' ');
            }
        }
        after_regex = regex;
        out.extend(&c[start..i]);
    }
    if gap == Some('\n') {
        out.push('\n');
    }
    Some(out)
}

/// Where `pat` next starts at or after `from`.
fn find(c: &[char], from: usize, pat: &[char]) -> Option<usize> {
    (from..c.len().saturating_sub(pat.len() - 1)).find(|&k| c[k..k + pat.len()] == *pat)
}

/// Just past the string that opens at `i` (a backslash escapes the next character, a line
/// continuation included).
fn string_end(c: &[char], i: usize) -> Option<usize> {
    let quote = c[i];
    let mut k = i + 1;
    while k < c.len() {
        match c[k] {
            '\\' => k += 2,
            '\n' => return None,
            q if q == quote => return Some(k + 1),
            _ => k += 1,
        }
    }
    None
}

/// Just past the regular expression literal (flags included) that opens at `i`.
fn regex_end(c: &[char], i: usize) -> Option<usize> {
    let mut k = i + 1;
    let mut class = false;
    while k < c.len() {
        match c[k] {
            '\\' => k += 1,
            '\n' => return None,
            '[' => class = true,
            ']' => class = false,
            '/' if !class => break,
            _ => {}
        }
        k += 1;
    }
    if k >= c.len() {
        return None;
    }
    k += 1;
    while k < c.len() && c[k].is_ascii_alphabetic() {
        k += 1;
    }
    Some(k)
}

/// Whether a `/` after `out` begins a regular expression rather than a division.
fn regex_may_start(out: &str) -> bool {
    let code = out.trim_end();
    let Some(last) = code.chars().last() else {
        return true;
    };
    if last == ')' || last == ']' || is_word(last) {
        let word: String = code
            .chars()
            .rev()
            .take_while(|&ch| is_word(ch))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        return matches!(
            word.as_str(),
            "return"
                | "typeof"
                | "case"
                | "do"
                | "else"
                | "in"
                | "of"
                | "new"
                | "delete"
                | "void"
                | "throw"
                | "instanceof"
                | "yield"
                | "await"
        );
    }
    true
}

fn is_word(ch: char) -> bool {
    ch.is_alphanumeric() || ch == '_' || ch == '$' || !ch.is_ascii()
}

/// Whether a space between `a` and `b` must stay.
fn needs_space(a: char, b: char, js: bool) -> bool {
    if is_word(a) && is_word(b) {
        return true;
    }
    if js {
        // `a + +b`, `a - -b`, `1 .x`, `a / /re/` (not a comment), `a < !--b`, `a-- > b`.
        return (matches!(a, '+' | '-') && matches!(b, '+' | '-'))
            || (a.is_ascii_digit() && b == '.')
            || (a == '/' && matches!(b, '/' | '*'))
            || (a == '<' && b == '!')
            || (a == '-' && b == '>');
    }
    // CSS: spaces around these never matter; anywhere else they may (`a :hover`, `and (`,
    // `calc(1em + 2px)`, `1px solid`).
    let loose = |x: char| matches!(x, '{' | '}' | ';' | ',' | '>');
    !(loose(a) || loose(b) || a == ':' || a == '(' || b == ')' || b == '!')
}

/// Every asset of both UI crates by path, compressed (once, on first use).
static ASSETS: LazyLock<HashMap<String, Asset>> = LazyLock::new(|| {
    let phone = participant_ui::assets()
        .into_iter()
        .map(|(path, ty, body)| {
            let js = ty.starts_with("text/javascript");
            let stripped = strip_lines(body, js);
            let small = squeeze(&stripped, js).unwrap_or(stripped);
            (path, ty, Bytes::from(small), true)
        });
    let staff = facilitator_ui::assets()
        .into_iter()
        .map(|(path, ty, body)| (path, ty, Bytes::from_static(body.as_bytes()), false));
    let list: Vec<(String, &'static str, Bytes, bool)> = phone.chain(staff).collect();
    // Brotli 11 is slow (about 1 MB/s): one thread per core takes assets from the list. Not
    // one per asset: the allocator keeps an arena for each thread, and the memory the
    // encoders used stays with the process after start-up (about 20 MB more at idle).
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let todo = std::sync::Mutex::new(list);
    let next = || todo.lock().ok().and_then(|mut l| l.pop());
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..cores)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    while let Some((path, ty, body, phone)) = next() {
                        done.push((path, Asset::new(ty, body, phone)));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().ok())
            .flatten()
            .collect()
    })
});

/// The compressed assets by path (`/assets/…`). The first call compresses them.
pub fn all() -> &'static HashMap<String, Asset> {
    &ASSETS
}

/// The best encoding the request accepts: brotli, then gzip, then none. An encoding is
/// accepted when named (or matched by `*`) with a q-value above 0; a higher q-value wins,
/// brotli wins ties. Malformed q-values count as 0.
pub fn negotiate(headers: &HeaderMap) -> Encoding {
    negotiate_among(headers, true, true)
}

/// [`negotiate`] among the encodings that are `available`.
fn negotiate_among(headers: &HeaderMap, brotli: bool, gzip: bool) -> Encoding {
    let (mut br, mut gz, mut star) = (None, None, None);
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let q = parts
                .find_map(|p| {
                    let p = p.trim();
                    p.strip_prefix("q=").or_else(|| p.strip_prefix("Q="))
                })
                .map_or(1.0, |q| q.trim().parse::<f32>().unwrap_or(0.0));
            if name.eq_ignore_ascii_case("br") {
                br = Some(q);
            } else if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
                gz = Some(q);
            } else if name == "*" {
                star = Some(q);
            }
        }
    }
    let br = if brotli {
        br.or(star).unwrap_or(0.0)
    } else {
        0.0
    };
    let gz = if gzip {
        gz.or(star).unwrap_or(0.0)
    } else {
        0.0
    };
    if br > 0.0 && br >= gz {
        Encoding::Brotli
    } else if gz > 0.0 {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Result<Response, AppError> {
    let path = format!("/assets/{name}");
    let asset = ASSETS
        .get(&path)
        .ok_or_else(|| AppError::not_found("No such file."))?;
    let encoding = negotiate_among(&headers, !asset.brotli.is_empty(), !asset.gzip.is_empty());
    let mut res = asset.bytes(encoding).clone().into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    // Content-Security-Policy, Referrer-Policy and Cross-Origin-Opener-Policy govern
    // documents; on a stylesheet or a script they do nothing but add 230 bytes to a phone's
    // first visit. `nosniff` is what a script or a stylesheet needs, and it gets it.
    res.extensions_mut().insert(crate::security::NotADocument);
    let h = res.headers_mut();
    match encoding {
        Encoding::Brotli => {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("br"));
        }
        Encoding::Gzip => {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        }
        Encoding::Identity => {}
    }
    Ok(res)
}

/// The asset routes. Compresses every asset now, so that no request waits for it.
pub fn router() -> Router<AppState> {
    LazyLock::force(&ASSETS);
    Router::new().route("/assets/{name}", get(asset))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn accept(v: &str) -> Encoding {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        negotiate(&h)
    }

    #[test]
    fn negotiation() {
        assert_eq!(negotiate(&HeaderMap::new()), Encoding::Identity);
        assert_eq!(accept("gzip, deflate, br, zstd"), Encoding::Brotli);
        assert_eq!(accept("gzip, deflate"), Encoding::Gzip);
        assert_eq!(accept("br;q=0, gzip"), Encoding::Gzip);
        assert_eq!(accept("br;q=0.5, gzip;q=0.8"), Encoding::Gzip);
        assert_eq!(accept("identity"), Encoding::Identity);
        assert_eq!(accept("*"), Encoding::Brotli);
        assert_eq!(accept("*;q=0, gzip"), Encoding::Gzip);
        assert_eq!(accept("BR"), Encoding::Brotli);
        assert_eq!(accept("br;q=nonsense"), Encoding::Identity);
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("br, gzip"),
        );
        assert_eq!(negotiate_among(&h, false, true), Encoding::Gzip);
        assert_eq!(negotiate_among(&h, false, false), Encoding::Identity);
    }

    #[test]
    fn stripping_keeps_code_and_strings() {
        let js = "// head\n(function () {\n  'use strict';\n\n  // note\n  var a = 'x  // y';   \n  var b = 'one \\\n    two';\n  /* keep */ f(a);\n})();\n";
        assert_eq!(
            strip_lines(js, true),
            "(function () {\n'use strict';\nvar a = 'x  // y';\nvar b = 'one \\\n    two';\n/* keep */ f(a);\n})();\n"
        );
        let template = "  var t = `a\n  // b`;\n";
        assert_eq!(strip_lines(template, true), template);
        let css = "/* c */\n.a { color: red }\n  .b{x:y} /* k */\n\n";
        assert_eq!(
            strip_lines(css, false),
            ".a { color: red }\n.b{x:y} /* k */\n"
        );
    }

    #[test]
    fn squeezing_keeps_what_code_needs() {
        let js = "var a = b + +c, d = e - -f; // note\nif (x) { y(a, 'p  q', \"r // s\"); }\nreturn /a b\\/[/ ]/g.test(s) ? 1 .toString() : t / 2 / u;\nvar v = w /* c */ + 1;\nx = /re/ in o; /* two\nlines */ z(a / /b/.x)\n";
        assert_eq!(
            squeeze(js, true).as_deref(),
            Some(
                "var a=b+ +c,d=e- -f;\nif(x){y(a,'p  q',\"r // s\");}\nreturn/a b\\/[/ ]/g.test(s)?1 .toString():t/2/u;\nvar v=w+1;\nx=/re/ in o;\nz(a/ /b/.x)\n"
            )
        );
        assert_eq!(squeeze("var t = `a  b`;", true), None, "template literals");
        assert_eq!(squeeze("var s = 'open;", true), None);
        assert_eq!(squeeze("a = /open;", true), None);
        assert_eq!(squeeze("/* open", true), None);
        let css = ".a :hover, .b > .c { margin: 0 auto !important; width: calc(1em + 2px); }\n@media (min-width: 40em) and (x) { .d::after { content: \"a  b\"; } } /* k */\n";
        assert_eq!(
            squeeze(css, false).as_deref(),
            Some(
                ".a :hover,.b>.c{margin:0 auto!important;width:calc(1em + 2px);}\n@media (min-width:40em) and (x){.d::after{content:\"a  b\";}}\n"
            )
        );
    }

    #[test]
    fn every_asset_is_compressed_smaller() {
        assert!(!all().is_empty());
        let mut paths: Vec<_> = all().keys().collect();
        paths.sort();
        for path in paths {
            let a = &all()[path];
            println!(
                "{path}: {} plain, {} gzip, {} br",
                a.identity.len(),
                a.gzip.len(),
                a.brotli.len()
            );
            assert!(!a.identity.is_empty(), "{path}");
            assert!(a.brotli.len() < a.identity.len(), "{path}");
            assert!(a.gzip.len() < a.identity.len(), "{path}");
            assert_eq!(&a.gzip[..2], &[0x1f, 0x8b], "{path}");
            assert!(a.brotli.len() <= a.gzip.len(), "{path}");
        }
    }
}
