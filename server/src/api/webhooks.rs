//! Webhooks: when an event closes, every webhook of its organisers gets a signed POST.
//!
//! The call is queued in the same transaction that closes the event (`webhook_deliveries`),
//! so neither a crash nor a restart loses it. A worker on each server node takes due calls
//! (claiming each, so two nodes never send the same one), builds the payload from what is
//! stored at that moment, and POSTs it. A failure is tried again after 30 s, 1, 2, 4, 8, 16
//! and 32 minutes, then given up; the console shows each webhook's latest outcome.
//!
//! The payload holds the event's facts, counts and the API address of its report: never an
//! attendee's words unless the organiser ticked "include comments" for that webhook.
//!
//! Signature: `X-Roundtable-Signature: t=UNIX_SECONDS,v1=HEX`, where HEX is
//! HMAC-SHA256(secret, "UNIX_SECONDS." + body). The receiver recomputes it and checks `t` is
//! recent (docs/api.md).

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::rt::TokioExecutor;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::model::now_ms;
use crate::storage::Delivery;

/// Attempts before a call is given up.
pub const MAX_ATTEMPTS: i64 = 8;
/// How long one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// A claimed call is this node's for this long (then another node may retry it).
const LEASE_MS: i64 = 60_000;
/// Longest URL accepted.
const MAX_URL: usize = 500;

/// HMAC-SHA256 (RFC 2104) of `msg` under `key`.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > block.len() {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(msg);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner);
    let mut out = [0u8; 32];
    out.copy_from_slice(&outer.finalize());
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The signature header's value for `body` sent at `unix_seconds`.
pub fn signature(secret: &str, unix_seconds: i64, body: &[u8]) -> String {
    let mut signed = format!("{unix_seconds}.").into_bytes();
    signed.extend_from_slice(body);
    format!(
        "t={unix_seconds},v1={}",
        hex(&hmac_sha256(secret.as_bytes(), &signed))
    )
}

/// Addresses a webhook may never be sent to: this machine (unless the config allows it, for
/// tests and local experiments), link-local ones (a cloud's metadata service lives there),
/// and the unspecified address.
fn forbidden(ip: IpAddr, loopback_ok: bool) -> bool {
    // An IPv4 address written as IPv6 (::ffff:a.b.c.d) is judged as the IPv4 address.
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    let link_local = match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
    };
    ip.is_unspecified() || link_local || (!loopback_ok && ip.is_loopback())
}

/// Checks a webhook URL typed by an organiser; the sentence says what is wrong.
pub fn check_url(url: &str, loopback_ok: bool) -> Result<String, String> {
    let url = url.trim();
    if url.is_empty() {
        return Err(
            "Enter the address to call, e.g. https://crm.example.org/hooks/roundtable.".into(),
        );
    }
    if url.len() > MAX_URL {
        return Err(format!(
            "That address is too long (at most {MAX_URL} characters)."
        ));
    }
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err("The address must start with https:// (or http:// on a local network).".into());
    }
    let uri: hyper::Uri = url
        .parse()
        .map_err(|_| "That is not a web address.".to_string())?;
    let Some(authority) = uri.authority() else {
        return Err("The address needs a host name.".into());
    };
    if authority.as_str().contains('@') {
        return Err(
            "Put no user name or password in the address; the payload is signed instead.".into(),
        );
    }
    let host = authority
        .host()
        .trim_start_matches('[')
        .trim_end_matches(']');
    if host.is_empty() {
        return Err("The address needs a host name.".into());
    }
    if let Ok(ip) = host.parse::<IpAddr>()
        && forbidden(ip, loopback_ok)
    {
        return Err("Webhooks can't call this machine itself or a link-local address.".into());
    }
    Ok(url.to_string())
}

type HttpClient = Client<hyper_rustls::HttpsConnector<HttpConnector<CheckedResolver>>, Full<Bytes>>;

/// Resolves a webhook's host name for the connection itself and refuses it when any of its
/// addresses is forbidden: the address checked is the address connected to, so a name that
/// resolves elsewhere the second time (DNS rebinding) can't slip through.
#[derive(Clone, Copy)]
struct CheckedResolver {
    loopback_ok: bool,
}

type Resolving =
    Pin<Box<dyn Future<Output = std::io::Result<std::vec::IntoIter<SocketAddr>>> + Send>>;

impl tower_service::Service<Name> for CheckedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = Resolving;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let loopback_ok = self.loopback_ok;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            if addrs.iter().any(|a| forbidden(a.ip(), loopback_ok)) {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    "the host resolves to a forbidden address",
                ));
            }
            Ok(addrs.into_iter())
        })
    }
}

fn client(loopback_ok: bool) -> HttpClient {
    let mut http = HttpConnector::new_with_resolver(CheckedResolver { loopback_ok });
    http.enforce_http(false);
    http.set_connect_timeout(Some(ATTEMPT_TIMEOUT));
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Client::builder(TokioExecutor::new()).build(https)
}

/// The delay before attempt `attempts + 1`, after `attempts` failures.
pub fn backoff(base: Duration, attempts: i64) -> Duration {
    let doublings = attempts.clamp(1, 12) - 1;
    base.saturating_mul(1u32 << doublings)
}

/// Sends due calls until the server stops.
pub async fn worker(state: AppState) {
    let client = client(state.config.webhooks_to_loopback);
    let mut stop = state.hub.shutdown_signal();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(state.config.webhook_poll) => {}
            _ = stop.changed() => return,
        }
        let now = now_ms();
        let due = match state.storage.due_deliveries(now, 16).await {
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "webhooks: could not read the queue");
                continue;
            }
        };
        for d in due {
            match state.storage.claim_delivery(&d, now + LEASE_MS).await {
                Ok(true) => {
                    let (state, client) = (state.clone(), client.clone());
                    tokio::spawn(async move { deliver(&state, &client, d).await });
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "webhooks: could not claim a call"),
            }
        }
    }
}

/// What the organiser's system is told: facts, counts and where the report is; the shown
/// comments only if the webhook asks for them. None when the event is gone.
async fn payload(state: &AppState, d: &Delivery) -> anyhow::Result<Option<serde_json::Value>> {
    let Some(es) = state.storage.event_state(d.event_id).await? else {
        return Ok(None);
    };
    let comments = state.storage.comments(d.event_id, None, false).await?;
    let shown: Vec<_> = comments
        .iter()
        .filter(|c| c.approved && c.merged_into.is_none())
        .collect();
    let id = es.event.id;
    let mut body = serde_json::json!({
        "type": d.kind,
        "delivery": d.id,
        "attempt": d.attempts + 1,
        "event": {
            "id": id,
            "title": es.event.title,
            "place": es.event.place,
            "date": es.event.date,
            "open": es.event.open,
        },
        "counts": {
            "tables": es.tables.len(),
            "comments": shown.len(),
            "pledges": state.storage.pledge_count(id).await?,
        },
        "links": {
            "event": state.url(&format!("/api/v1/events/{id}")),
            "comments": state.url(&format!("/api/v1/events/{id}/comments")),
            "report": state.url(&format!("/api/v1/events/{id}/report?format=pdf")),
        },
    });
    if d.include_text {
        body["comments"] = shown
            .iter()
            .map(|c| {
                serde_json::json!({
                    "id": c.id,
                    "table": c.table_number,
                    "text": c.text,
                    "agreements": c.agrees,
                    "highlighted": c.highlighted,
                })
            })
            .collect();
    }
    Ok(Some(body))
}

/// One attempt at one call, and its outcome recorded.
async fn deliver(state: &AppState, client: &HttpClient, d: Delivery) {
    let attempts = d.attempts + 1;
    let outcome = attempt(state, client, &d).await;
    let (status, delivered, again) = match outcome {
        Ok(status) => (status, true, false),
        Err((status, retry)) => (status, false, retry && attempts < MAX_ATTEMPTS),
    };
    let next =
        again.then(|| now_ms() + backoff(state.config.webhook_retry, attempts).as_millis() as i64);
    let status = if !delivered && !again && attempts >= MAX_ATTEMPTS {
        format!("{status}; gave up after {attempts} attempts")
    } else {
        status
    };
    // The log names the call and the outcome, never the payload.
    tracing::info!(delivery = d.id, event = d.event_id, attempts, delivered, %status, "webhook call");
    if let Err(e) = state
        .storage
        .record_delivery(d.id, attempts, &status, delivered, next)
        .await
    {
        tracing::warn!(error = %e, delivery = d.id, "webhooks: could not record an attempt");
    }
}

/// Ok(status line) when the receiver answered 2xx; else the status line and whether to retry.
async fn attempt(
    state: &AppState,
    client: &HttpClient,
    d: &Delivery,
) -> Result<String, (String, bool)> {
    let body = match payload(state, d).await {
        Ok(Some(b)) => b,
        Ok(None) => return Err(("the event was deleted; nothing sent".into(), false)),
        Err(e) => {
            tracing::warn!(error = %e, "webhooks: could not read the event");
            return Err(("the event could not be read".into(), true));
        }
    };
    let uri: hyper::Uri = match d.url.parse() {
        Ok(u) => u,
        Err(_) => return Err(("the address is not valid".into(), false)),
    };
    let host = uri
        .host()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']');
    let port = uri
        .port_u16()
        .unwrap_or(if uri.scheme_str() == Some("https") {
            443
        } else {
            80
        });
    match tokio::time::timeout(ATTEMPT_TIMEOUT, tokio::net::lookup_host((host, port))).await {
        Ok(Ok(addrs)) => {
            let addrs: Vec<_> = addrs.collect();
            if addrs.is_empty() {
                return Err((format!("{host} has no address"), true));
            }
            if addrs
                .iter()
                .any(|a| forbidden(a.ip(), state.config.webhooks_to_loopback))
            {
                return Err((
                    format!("{host} is this machine or link-local; not called"),
                    false,
                ));
            }
        }
        Ok(Err(_)) | Err(_) => return Err((format!("could not find {host}"), true)),
    }
    let bytes = match serde_json::to_vec(&body) {
        Ok(b) => b,
        Err(_) => return Err(("the payload could not be written".into(), false)),
    };
    let sig = signature(&d.secret, now_ms() / 1000, &bytes);
    let request = hyper::Request::post(uri)
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .header(hyper::header::USER_AGENT, "Roundtable-Webhook/1")
        .header("x-roundtable-event", d.kind.as_str())
        .header("x-roundtable-delivery", d.id.to_string())
        .header("x-roundtable-signature", sig)
        .body(Full::new(Bytes::from(bytes)));
    let Ok(request) = request else {
        return Err(("the request could not be made".into(), false));
    };
    match tokio::time::timeout(ATTEMPT_TIMEOUT, client.request(request)).await {
        Err(_) => Err(("no answer within 10 s".into(), true)),
        Ok(Err(e)) => {
            let why = if e.is_connect() {
                "could not connect"
            } else {
                "the connection failed"
            };
            Err((why.into(), true))
        }
        Ok(Ok(res)) => {
            let status = res.status();
            // Read (a little of) the answer so the connection can be reused; its content is
            // not ours to keep.
            let _ = tokio::time::timeout(Duration::from_secs(2), res.into_body().collect()).await;
            let line = format!("HTTP {}", status.as_u16());
            if status.is_success() {
                Ok(line)
            } else {
                Err((line, true))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // RFC 4231, test case 2.
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block is hashed first.
        assert_eq!(
            hex(&hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn retries_back_off_from_the_base() {
        let base = Duration::from_secs(30);
        let delays: Vec<u64> = (1..MAX_ATTEMPTS)
            .map(|n| backoff(base, n).as_secs())
            .collect();
        assert_eq!(delays, [30, 60, 120, 240, 480, 960, 1920]);
    }

    #[tokio::test]
    async fn the_connection_resolver_refuses_forbidden_addresses() {
        use tower_service::Service;
        let name = |n: &str| n.parse::<Name>().expect("a host name");
        let mut strict = CheckedResolver { loopback_ok: false };
        let refused = strict.call(name("localhost")).await;
        assert!(refused.is_err_and(|e| e.kind() == std::io::ErrorKind::PermissionDenied));
        let mut loose = CheckedResolver { loopback_ok: true };
        let addrs: Vec<_> = loose
            .call(name("localhost"))
            .await
            .expect("resolves")
            .collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()) && !addrs.is_empty());
    }

    #[test]
    fn webhook_addresses_are_checked() {
        assert!(check_url("https://crm.example.org/hooks", false).is_ok());
        assert!(check_url("http://192.168.1.20:9000/in", false).is_ok());
        for bad in [
            "",
            "ftp://example.org",
            "crm.example.org",
            "https://user:pw@example.org/",
            "http://127.0.0.1:8080/",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/",
            "http://0.0.0.0/",
            "http://[::ffff:169.254.169.254]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:0.0.0.0]/",
            "http://[fe80::1]/",
        ] {
            assert!(check_url(bad, false).is_err(), "{bad}");
        }
        assert!(check_url("http://127.0.0.1:8080/", true).is_ok());
    }
}
