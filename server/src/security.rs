//! Secrets and request checks: random tokens and short codes, password hashing, cookies,
//! the same-origin check on state-changing requests and socket upgrades, and the security
//! headers every response carries.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::error::AppError;

const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn random_bytes<const N: usize>() -> anyhow::Result<[u8; N]> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| anyhow::anyhow!("no randomness available: {e}"))?;
    Ok(buf)
}

fn base32(bytes: &[u8], alphabet: &[u8; 32]) -> String {
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &b in bytes {
        acc = (acc << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(alphabet[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(alphabet[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

/// An unguessable token for links: 128 random bits, 26 lowercase base32 characters.
pub fn new_token() -> anyhow::Result<String> {
    Ok(base32(&random_bytes::<16>()?, CROCKFORD).to_ascii_lowercase())
}

/// A short event code: 40 random bits as 8 Crockford base32 characters.
pub fn new_code() -> anyhow::Result<String> {
    Ok(base32(&random_bytes::<5>()?, CROCKFORD))
}

/// Formats a code for people: `K7QD-2M9X`.
pub fn display_code(code: &str) -> String {
    if code.len() == 8 {
        format!("{}-{}", &code[..4], &code[4..])
    } else {
        code.to_string()
    }
}

/// Reads a typed code: case-insensitive, spaces and dashes ignored, O→0, I/L→1.
pub fn parse_code(typed: &str) -> Option<String> {
    let mut out = String::with_capacity(8);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !CROCKFORD.contains(&(c as u32 as u8)) || !c.is_ascii() {
            return None;
        }
        out.push(c);
    }
    (out.len() == 8).then_some(out)
}

/// Tokens look like what [`new_token`] makes; anything else is refused before a lookup.
pub fn plausible_token(t: &str) -> bool {
    t.len() == 26 && t.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// SHA-256 of a session token, as stored (the raw token lives only in the cookie).
/// A device's pseudonymous author key: enough to count distinct contributors and show a
/// waiting comment to the phone that wrote it, never the cookie itself.
pub fn author_of(voter: &str) -> String {
    hash_token(&format!("author:{voter}"))
        .chars()
        .take(16)
        .collect()
}

/// What an attendee is known by in one event: a hash of their device cookie and the event,
/// so agreements, authors and limits never hold the cookie itself, and nothing stored links
/// one person's words across events.
pub fn attendee_key(event_id: i64, device: &str) -> String {
    hash_token(&format!("attendee:{event_id}:{device}"))
        .chars()
        .take(32)
        .collect()
}

/// An attendee key for a socket without the device cookie: one per network address and
/// event, salted with a secret this process made, so the address can't be read back out of
/// it (and nothing is stored that would outlive the process's salt in a useful way).
pub fn anonymous_key(event_id: i64, address: std::net::IpAddr) -> String {
    static SALT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        new_token().unwrap_or_else(|_| format!("{:?}", std::time::Instant::now()))
    });
    format!(
        "anon:{}",
        attendee_key(event_id, &format!("{}:{address}", *SALT))
    )
}

pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hashes a password with argon2id (OWASP parameters: 19 MiB, t=2, p=1).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    use argon2::PasswordHasher;
    argon2::Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("could not hash password: {e}"))
}

/// Checks a password against a stored hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::PasswordVerifier;
    match argon2::PasswordHash::new(hash) {
        Ok(parsed) => argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Reads one cookie from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, path `/`, `Secure` on https.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> String {
    format!(
        "{name}={value}; Path=/; Max-Age={max_age_secs}; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

/// Name of the organiser session cookie.
pub const SESSION_COOKIE: &str = "rt_session";
/// Name of the anonymous per-device cookie used for "agree once".
pub const ATTENDEE_COOKIE: &str = "rt_attendee";

fn host_of_origin(origin: &str) -> Option<&str> {
    let rest = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))?;
    Some(rest.split('/').next().unwrap_or(rest))
}

/// Whether a state-changing request (or socket upgrade) came from one of our own pages.
///
/// `Sec-Fetch-Site` decides when the browser sends it (`same-origin`, or `none` for a typed
/// URL). Otherwise the `Origin` header, when present, must name the `Host` we were reached
/// at. `Origin: null` (sent under a `no-referrer` policy, by privacy modes and sandboxed
/// frames) is refused unless `Sec-Fetch-Site` vouches for the request. Requests with neither
/// header (scripts, old browsers) pass: sessions are `SameSite=Lax`, so another site's form
/// cannot ride on them.
pub fn from_our_pages(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    matches!((host_of_origin(origin), host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

/// Refuses state-changing requests and socket upgrades that another site started.
pub async fn same_origin(req: Request, next: Next) -> Response {
    let is_upgrade = req.headers().contains_key(header::UPGRADE);
    let changes_state = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if (changes_state || is_upgrade) && !from_our_pages(req.headers()) {
        return AppError::Forbidden(
            "This request came from another website, so it was refused.".into(),
        )
        .into_response();
    }
    next.run(req).await
}

/// The Content-Security-Policy for every page but the report: nothing from other hosts,
/// no inline script or style.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The report is one self-contained file: inline styles, no scripts at all.
pub const REPORT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Marks a response that no browser treats as a document (our stylesheets and scripts):
/// it gets `nosniff` and none of the document policies.
#[derive(Debug, Clone, Copy)]
pub struct NotADocument;

/// HSTS for a server reached over https: a year, this host only (a venue laptop's
/// neighbours on the same domain are not ours to pin).
const HSTS: &str = "max-age=31536000";

/// Adds the security headers (unless a handler chose its own CSP); HSTS when the public
/// address is https.
pub async fn headers(
    axum::extract::State(state): axum::extract::State<crate::app::AppState>,
    req: Request,
    next: Next,
) -> Response {
    let mut res = next.run(req).await;
    let document = res.extensions().get::<NotADocument>().is_none();
    let h = res.headers_mut();
    if state.config.secure_cookies {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    if !document {
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        return res;
    }
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if !h.contains_key(header::REFERRER_POLICY) {
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
    }
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    // A table link posted somewhere public must not put a table's words in a search engine.
    h.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// A body-less response with a status (used by the panic handler).
pub fn bare(status: StatusCode) -> Response<Body> {
    let mut r = Response::new(Body::from("Something went wrong on the server."));
    *r.status_mut() = status;
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_codes() {
        let t = new_token().unwrap();
        assert_eq!(t.len(), 26);
        assert!(plausible_token(&t));
        let c = new_code().unwrap();
        assert_eq!(c.len(), 8);
        assert_eq!(
            parse_code(&display_code(&c).to_lowercase()),
            Some(c.clone())
        );
        assert_eq!(parse_code("o0il-1234"), Some("00111234".into()));
        assert_eq!(parse_code("ABCD"), None);
        assert_eq!(parse_code("ABCD-EFGU"), None);
        assert_eq!(parse_code("ÀBCD-EFGH"), None);
    }

    #[test]
    fn passwords() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong", &h));
    }

    #[test]
    fn origin_checks() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("10.0.0.5:8080"));
        assert!(from_our_pages(&h), "no Origin: a script or an old browser");
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://10.0.0.5:8080"),
        );
        assert!(from_our_pages(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(!from_our_pages(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!from_our_pages(&h), "null origin without fetch metadata");
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(
            from_our_pages(&h),
            "null origin from our own page (no-referrer policy)"
        );
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://10.0.0.5:8080"),
        );
        assert!(!from_our_pages(&h), "fetch metadata wins");
    }

    #[test]
    fn cookies() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; rt_session=xyz"),
        );
        assert_eq!(cookie(&h, "rt_session").as_deref(), Some("xyz"));
        assert_eq!(cookie(&h, "b"), None);
    }
}
