//! Serves the UI crates' CSS and JS under content-hashed names, cached for a year.
//!
//! Every asset is compressed once, when the router is built (brotli quality 11 and gzip
//! level 9, on as many threads as there are assets), and each request picks the stored
//! bytes its `Accept-Encoding` allows: brotli, else gzip, else the plain text. The dynamic
//! compression layer in `app.rs` leaves CSS and JS alone, so nothing is compressed twice.
//!
//! The phone's own CSS and JS lose their comment-only lines and indentation first
//! ([`strip_lines`]): a phone's first visit must stay under 12 KB (docs/performance.md).

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
    fn new(content_type: &'static str, plain: Bytes) -> Self {
        Asset {
            content_type,
            brotli: Bytes::from(brotli(&plain)),
            gzip: Bytes::from(gzip(&plain)),
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
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
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

/// Every asset of both UI crates by path, compressed (once, on first use).
static ASSETS: LazyLock<HashMap<String, Asset>> = LazyLock::new(|| {
    let phone = participant_ui::assets()
        .into_iter()
        .map(|(path, ty, body)| {
            let js = ty.starts_with("text/javascript");
            (path, ty, Bytes::from(strip_lines(body, js)))
        });
    let staff = facilitator_ui::assets()
        .into_iter()
        .map(|(path, ty, body)| (path, ty, Bytes::from_static(body.as_bytes())));
    let list: Vec<(String, &'static str, Bytes)> = phone.chain(staff).collect();
    // Brotli 11 is slow (about 1 MB/s): one thread per asset uses every core.
    std::thread::scope(|s| {
        let handles: Vec<_> = list
            .into_iter()
            .map(|(path, ty, body)| s.spawn(move || (path, Asset::new(ty, body))))
            .collect();
        handles.into_iter().filter_map(|h| h.join().ok()).collect()
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
    // Policies apply to documents: a stylesheet or script needs no more than this, and the
    // pages' long policy would add 170 bytes to every asset of a phone's first visit.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'"),
    );
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
