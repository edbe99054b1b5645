//! The integrators' side: API tokens made and revoked in the console, the JSON API they
//! unlock, the OpenAPI document that describes it, and webhooks told when an event closes.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use axum::http::{HeaderMap, StatusCode};
use roundtable_tests::{DEADLINE, SMALL_EVENT, TestServer, Ws, client, path_of};
use serde_json::{Value, json};
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::{Fixture, cid};

/// The text of `<code id="ID">…</code>` on a page.
fn code_value(page: &str, id: &str) -> Result<String> {
    let start = format!("id=\"{id}\">");
    let at = page
        .find(&start)
        .with_context(|| format!("the page shows no #{id}"))?;
    let rest = &page[at + start.len()..];
    Ok(rest[..rest.find('<').unwrap_or(rest.len())].to_string())
}

/// Makes an API token from the console's form; returns it as shown (once).
async fn make_token(server: &TestServer, console: &reqwest::Client, name: &str) -> Result<String> {
    let res = console
        .post(server.url("/organiser/api/tokens"))
        .form(&[("name", name)])
        .send()
        .await?;
    ensure!(res.status() == 200, "making a token: {}", res.status());
    ensure!(
        res.headers()["cache-control"] == "no-store",
        "a page showing a token is never cached"
    );
    let token = code_value(&res.text().await?, "new-token-value")?;
    ensure!(token.starts_with("rt_"), "token looks like rt_…: {token}");
    Ok(token)
}

/// A JSON API call; returns status, headers and the JSON body (Null if it is not JSON).
async fn call(
    server: &TestServer,
    token: Option<&str>,
    method: reqwest::Method,
    path: &str,
    body: Option<(&str, String)>,
) -> Result<(u16, reqwest::header::HeaderMap, Value)> {
    let mut req = client().request(method, server.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some((content_type, b)) = body {
        req = req.header("content-type", content_type).body(b);
    }
    let res = req.send().await?;
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let text = res.text().await?;
    Ok((
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    ))
}

fn error_of(v: &Value) -> &str {
    v["error"].as_str().unwrap_or_default()
}

fn new_event(title: &str) -> Value {
    json!({
        "title": title,
        "place": "Hastings library",
        "date": "2026-12-12",
        "tables": [
            {"number": 1, "theme": "Buses and transport"},
            {"number": 2, "theme": "Health and care", "description": "GP waits"}
        ],
        "rounds": [{"prompt": "What would make the biggest difference?", "kind": "theme"}]
    })
}

/// A phone on the i-th table of an event whose links the API gave.
async fn phone(server: &TestServer, links: &Value, i: usize) -> Result<Ws> {
    let join = links["tables"][i]["join_url"].as_str().unwrap_or_default();
    let mut ws = server.ws(&format!("{}/ws", path_of(join))).await?;
    let snap = ws.next().await?;
    ensure!(snap["type"] == "snapshot", "a phone starts with a snapshot");
    Ok(ws)
}

#[tokio::test]
async fn console_tokens_let_another_system_make_events_read_comments_and_fetch_reports()
-> Result<()> {
    let f = Fixture::new().await?;
    let s = &f.server;
    let ana = f.organiser("ana@example.org", "Ana").await?;

    let page = ana.get(s.url("/organiser")).send().await?.text().await?;
    ensure!(
        page.contains("/organiser/api"),
        "the dashboard links to the API page"
    );
    let res = ana.get(s.url("/organiser/api")).send().await?;
    assert_eq!(res.status(), 200);
    assert!(res.text().await?.contains("API tokens"));
    // Without a log-in the page sends people to log in.
    let res = client().get(s.url("/organiser/api")).send().await?;
    assert_eq!(res.status(), 303);

    // A token needs a name; the error is on the form, and no token is made.
    let res = ana
        .post(s.url("/organiser/api/tokens"))
        .form(&[("name", "  ")])
        .send()
        .await?;
    assert_eq!(res.status(), 422);
    let page = res.text().await?;
    assert!(
        page.contains("The token&#39;s name is empty")
            || page.contains("The token's name is empty"),
        "{page}"
    );
    assert!(!page.contains("new-token-value"));

    let token = make_token(s, &ana, "Members CRM").await?;
    // Stored as a hash only: the token itself is nowhere in the database.
    let stored = s.stored_bytes()?;
    assert!(
        !stored.windows(token.len()).any(|w| w == token.as_bytes()),
        "the database holds no API token in the clear"
    );

    // No token, a wrong one: 401 with a message and a challenge.
    use reqwest::Method;
    for bad in [None, Some("rt_not-a-real-token"), Some("")] {
        let (status, headers, body) = call(s, bad, Method::GET, "/api/v1/events", None).await?;
        assert_eq!(status, 401, "{bad:?}");
        assert!(headers["www-authenticate"].to_str()?.starts_with("Bearer"));
        assert!(!error_of(&body).is_empty(), "a 401 says why: {body}");
    }

    // Events made on the command line belong to every organiser: the fixture's is listed.
    let (status, _, list) = call(s, Some(&token), Method::GET, "/api/v1/events", None).await?;
    assert_eq!(status, 200);
    let fixture_id = f.links["event_id"].as_i64().context("fixture id")?;
    assert!(
        list.as_array()
            .context("a list")?
            .iter()
            .any(|e| e["event_id"] == fixture_id)
    );

    // Creating an event: each kind of bad body is refused with its own status and message,
    // and nothing is made.
    let json_ct = "application/json";
    // (body with its content type, the status wanted, a word the message must hold)
    type Case<'a> = (Option<(&'a str, String)>, u16, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (
            Some(("text/plain", new_event("T").to_string())),
            415,
            "JSON",
        ),
        (None, 415, "JSON"),
        (
            Some((json_ct, "{\"title\": ".into())),
            400,
            "not a new event",
        ),
        (Some((json_ct, "[]".into())), 400, "not a new event"),
        (
            Some((json_ct, {
                let mut e = new_event("T");
                e["colour"] = json!("red");
                e.to_string()
            })),
            400,
            "colour",
        ),
        (
            Some((json_ct, {
                let mut e = new_event("T");
                e["date"] = json!("12/12/2026");
                e.to_string()
            })),
            422,
            "date",
        ),
        (
            Some((json_ct, {
                let mut e = new_event("T");
                e["tables"] = json!([]);
                e.to_string()
            })),
            422,
            "table",
        ),
        (
            Some((json_ct, {
                let mut e = new_event("T");
                e["title"] = json!("");
                e.to_string()
            })),
            422,
            "title",
        ),
    ];
    for (body, want, says) in cases {
        let shown = format!("{body:?}");
        let (status, _, v) = call(s, Some(&token), Method::POST, "/api/v1/events", body).await?;
        assert_eq!(status, want, "{shown} → {v}");
        assert!(
            error_of(&v).to_lowercase().contains(&says.to_lowercase()),
            "{shown}: the message names the problem: {v}"
        );
    }
    let (_, _, list_after) = call(s, Some(&token), Method::GET, "/api/v1/events", None).await?;
    assert_eq!(list_after, list, "no refused body made an event");

    let (status, headers, made) = call(
        s,
        Some(&token),
        Method::POST,
        "/api/v1/events",
        Some((json_ct, new_event("Hastings listening evening").to_string())),
    )
    .await?;
    assert_eq!(status, 201, "{made}");
    assert!(
        headers["content-type"]
            .to_str()?
            .starts_with("application/json")
    );
    let id = made["event_id"].as_i64().context("event_id")?;
    assert_eq!(made["title"], "Hastings listening evening");
    assert_eq!(made["open"], true);
    assert_eq!(made["tables"].as_array().map(Vec::len), Some(2));
    // The organiser sees it on their dashboard too.
    let dash = ana.get(s.url("/organiser")).send().await?.text().await?;
    assert!(dash.contains("Hastings listening evening"));

    // A phone posts; the API reads it back.
    let mut p = phone(s, &made, 1).await?;
    let said = "The surgery phone line is engaged from eight every morning";
    p.post(&cid("api"), said).await?;
    let (status, _, comments) = call(
        s,
        Some(&token),
        Method::GET,
        &format!("/api/v1/events/{id}/comments"),
        None,
    )
    .await?;
    assert_eq!(status, 200);
    let c = &comments[0];
    assert_eq!(c["text"], said);
    assert_eq!(c["table"], 2);
    assert_eq!(c["hidden"], false);
    assert_eq!(c["approved"], true);

    // Reports in each format, named as files.
    for (format, mime) in [
        ("csv", "text/csv"),
        ("md", "text/markdown"),
        ("json", "application/json"),
        ("html", "text/html"),
        ("pdf", "application/pdf"),
        (
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ] {
        let res = client()
            .get(s.url(&format!(
                "/api/v1/events/{id}/report?format={format}&for=local"
            )))
            .bearer_auth(&token)
            .send()
            .await?;
        assert_eq!(res.status(), 200, "{format}");
        assert!(
            res.headers()["content-type"].to_str()?.starts_with(mime),
            "{format}"
        );
        assert!(
            res.headers()["content-disposition"]
                .to_str()?
                .contains("attachment")
        );
        let bytes = res.bytes().await?;
        if matches!(format, "csv" | "md" | "json" | "html") {
            assert!(
                String::from_utf8_lossy(&bytes).contains("surgery phone line"),
                "the {format} report holds the comment"
            );
        }
    }
    for q in ["format=exe", "for=everyone", "format="] {
        let (status, _, v) = call(
            s,
            Some(&token),
            Method::GET,
            &format!("/api/v1/events/{id}/report?{q}"),
            None,
        )
        .await?;
        assert_eq!(status, 400, "{q}");
        assert!(error_of(&v).contains("format="), "{q}: {v}");
    }

    // Close and open through the API: the phone hears it live.
    let (status, _, closed) = call(
        s,
        Some(&token),
        Method::POST,
        &format!("/api/v1/events/{id}/close"),
        None,
    )
    .await?;
    assert_eq!(status, 200);
    assert_eq!(closed["open"], false);
    p.next_where("the phone hears the event close", |m| {
        m["type"] == "event" && m["change"] == "closed" && m["open"] == false
    })
    .await?;
    let (_, _, got) = call(
        s,
        Some(&token),
        Method::GET,
        &format!("/api/v1/events/{id}"),
        None,
    )
    .await?;
    assert_eq!(got["open"], false);
    let (status, _, opened) = call(
        s,
        Some(&token),
        Method::POST,
        &format!("/api/v1/events/{id}/open"),
        None,
    )
    .await?;
    assert_eq!((status, &opened["open"]), (200, &json!(true)));

    // Another organiser's token cannot see Ana's event; unknown numbers are 404 too.
    let ben = f.organiser("ben@example.org", "Ben").await?;
    let ben_token = make_token(s, &ben, "Ben's sheet").await?;
    for path in [
        format!("/api/v1/events/{id}"),
        format!("/api/v1/events/{id}/comments"),
        format!("/api/v1/events/{id}/report?format=csv"),
        "/api/v1/events/99999999".into(),
        "/api/v1/events/-1".into(),
        "/api/v1/events/not-a-number".into(),
        "/api/v1/events/99999999999999999999999".into(),
    ] {
        let (status, _, v) = call(s, Some(&ben_token), Method::GET, &path, None).await?;
        assert_eq!(status, 404, "{path}");
        assert!(!error_of(&v).is_empty(), "{path}: {v}");
    }
    let (status, _, _) = call(
        s,
        Some(&ben_token),
        Method::POST,
        &format!("/api/v1/events/{id}/close"),
        None,
    )
    .await?;
    assert_eq!(status, 404);
    let (_, _, still) = call(
        s,
        Some(&token),
        Method::GET,
        &format!("/api/v1/events/{id}"),
        None,
    )
    .await?;
    assert_eq!(still["open"], true, "Ben's refused close changed nothing");
    // A call with the wrong method: a JSON 405 saying where the methods are listed.
    let (status, headers, v) = call(
        s,
        Some(&token),
        Method::DELETE,
        &format!("/api/v1/events/{id}"),
        None,
    )
    .await?;
    assert_eq!(status, 405);
    assert!(
        headers["content-type"]
            .to_str()?
            .starts_with("application/json")
    );
    assert!(error_of(&v).contains("openapi.json"), "{v}");
    // A call that does not exist is a JSON 404, not the HTML one.
    let (status, _, v) = call(s, Some(&token), Method::GET, "/api/v1/nothing", None).await?;
    assert_eq!(status, 404);
    assert!(error_of(&v).contains("openapi.json"));

    // The console shows the token was used; revoking it stops it at once, not Ben's.
    let page = ana
        .get(s.url("/organiser/api"))
        .send()
        .await?
        .text()
        .await?;
    assert!(page.contains("Members CRM") && page.contains("last used"));
    let token_id = s
        .state
        .storage
        .api_tokens(
            s.state
                .storage
                .organiser_by_email("ana@example.org")
                .await?
                .context("Ana")?
                .id,
        )
        .await?[0]
        .id;
    // Ben can't revoke Ana's token.
    let res = ben
        .post(s.url(&format!("/organiser/api/tokens/{token_id}/revoke")))
        .send()
        .await?;
    assert_eq!(res.status(), 404);
    let (status, _, _) = call(s, Some(&token), Method::GET, "/api/v1/events", None).await?;
    assert_eq!(status, 200, "Ben's refused revoke changed nothing");
    let res = ana
        .post(s.url(&format!("/organiser/api/tokens/{token_id}/revoke")))
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    let page = ana
        .get(s.url("/organiser/api?done=revoked"))
        .send()
        .await?
        .text()
        .await?;
    assert!(page.contains("The token was revoked"));
    assert!(page.contains("revoked "));
    let (status, _, _) = call(s, Some(&token), Method::GET, "/api/v1/events", None).await?;
    assert_eq!(status, 401, "a revoked token is refused");
    let (status, _, _) = call(s, Some(&ben_token), Method::GET, "/api/v1/events", None).await?;
    assert_eq!(status, 200, "other tokens still work");

    // Tokens survive a restart; the revoked one stays revoked.
    let f = Fixture {
        server: f.server.restart().await?,
        links: f.links,
    };
    let s = &f.server;
    let (status, _, _) = call(s, Some(&ben_token), Method::GET, "/api/v1/events", None).await?;
    assert_eq!(status, 200);
    let (status, _, _) = call(s, Some(&token), Method::GET, "/api/v1/events", None).await?;
    assert_eq!(status, 401);
    Ok(())
}

#[tokio::test]
async fn the_openapi_document_describes_every_api_call() -> Result<()> {
    let s = TestServer::start().await?;
    let res = client().get(s.url("/api/openapi.json")).send().await?;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()?
            .starts_with("application/json")
    );
    let doc: Value = res.json().await?;
    assert!(
        doc["openapi"]
            .as_str()
            .unwrap_or_default()
            .starts_with("3.")
    );
    let paths: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .context("paths")?
        .iter()
        .flat_map(|(p, ops)| {
            ops.as_object()
                .into_iter()
                .flat_map(|o| o.keys())
                .filter(|m| ["get", "post", "put", "patch", "delete"].contains(&m.as_str()))
                .map(move |m| (m.clone(), p.clone()))
        })
        .collect();
    let want: BTreeSet<(String, String)> = [
        ("get", "/api/v1/events"),
        ("post", "/api/v1/events"),
        ("get", "/api/v1/events/{id}"),
        ("post", "/api/v1/events/{id}/open"),
        ("post", "/api/v1/events/{id}/close"),
        ("get", "/api/v1/events/{id}/comments"),
        ("get", "/api/v1/events/{id}/report"),
    ]
    .iter()
    .map(|(m, p)| (m.to_string(), p.to_string()))
    .collect();
    assert_eq!(paths, want);
    for (m, p) in &want {
        let op = &doc["paths"][p][m];
        let responses = op["responses"].as_object().context("responses")?;
        assert!(responses.contains_key("401"), "{m} {p} documents its 401");
        assert!(
            responses.keys().any(|k| k.starts_with('2')),
            "{m} {p} documents its success"
        );
        assert!(
            !op["security"].is_null() || doc["security"][0]["token"].is_array(),
            "{m} {p} needs a token"
        );
    }
    for schema in [
        "EventLinks",
        "TableLinks",
        "ApiComment",
        "ApiError",
        "NewEvent",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "schema {schema} is described"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["token"]["scheme"],
        "bearer"
    );
    // Every route the server actually answers under /api/v1 is in the document: a path the
    // document lacks gets the JSON 404 whatever the method.
    for path in [
        "/api/v1/events/1/delete",
        "/api/v1/tokens",
        "/api/v2/events",
    ] {
        let res = client().get(s.url(path)).send().await?;
        assert_eq!(res.status(), 404, "{path}");
    }
    Ok(())
}

/// What a webhook receiver heard.
#[derive(Clone, Debug)]
struct Heard {
    at: Instant,
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A webhook receiver on a random local port: `/flaky` fails its first two calls with 500,
/// `/down` fails while `down` is set; everything else answers 204.
struct Receiver {
    port: u16,
    heard: Arc<Mutex<Vec<Heard>>>,
    down: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start() -> Result<Self> {
        let heard: Arc<Mutex<Vec<Heard>>> = Arc::default();
        let down = Arc::new(AtomicBool::new(true));
        let flaky = Arc::new(AtomicUsize::new(0));
        let (h, d) = (heard.clone(), down.clone());
        let app = axum::Router::new().fallback(
            move |uri: axum::http::Uri, headers: HeaderMap, body: axum::body::Bytes| {
                let (h, d, flaky) = (h.clone(), d.clone(), flaky.clone());
                async move {
                    let path = uri.path().to_string();
                    h.lock().await.push(Heard {
                        at: Instant::now(),
                        path: path.clone(),
                        headers,
                        body: body.to_vec(),
                    });
                    match path.as_str() {
                        "/flaky" if flaky.fetch_add(1, Ordering::SeqCst) < 2 => {
                            StatusCode::INTERNAL_SERVER_ERROR
                        }
                        "/down" if d.load(Ordering::SeqCst) => StatusCode::SERVICE_UNAVAILABLE,
                        _ => StatusCode::NO_CONTENT,
                    }
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Receiver {
            port,
            heard,
            down,
            task,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Waits until `n` calls have reached `path`; returns them.
    async fn wait_for(&self, path: &str, n: usize) -> Result<Vec<Heard>> {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let got: Vec<Heard> = self
                .heard
                .lock()
                .await
                .iter()
                .filter(|h| h.path == path)
                .cloned()
                .collect();
            if got.len() >= n {
                return Ok(got);
            }
            if Instant::now() > deadline {
                bail!("{path} heard {} calls, not {n}", got.len());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Adds a webhook from the console; returns its signing secret (shown once).
async fn add_webhook(
    server: &TestServer,
    console: &reqwest::Client,
    url: &str,
    include_text: bool,
) -> Result<String> {
    let mut form = vec![("url", url)];
    if include_text {
        form.push(("include_text", "1"));
    }
    let res = console
        .post(server.url("/organiser/api/webhooks"))
        .form(&form)
        .send()
        .await?;
    ensure!(res.status() == 200, "adding {url}: {}", res.status());
    ensure!(res.headers()["cache-control"] == "no-store");
    let secret = code_value(&res.text().await?, "new-secret-value")?;
    ensure!(secret.starts_with("whsec_"), "{secret}");
    Ok(secret)
}

/// Waits until the console's API page shows `n` webhooks whose latest call was delivered.
async fn console_shows_delivered(
    server: &TestServer,
    console: &reqwest::Client,
    n: usize,
) -> Result<()> {
    let deadline = Instant::now() + DEADLINE;
    loop {
        let page = console
            .get(server.url("/organiser/api"))
            .send()
            .await?
            .text()
            .await?;
        if page.matches("delivered (").count() == n {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "the console shows {n} delivered: {page}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Checks a call's signature header against the secret, as a receiver would.
fn verify(h: &Heard, secret: &str) -> Result<()> {
    let sig = h.headers["x-roundtable-signature"].to_str()?;
    let (t, v1) = sig
        .split_once(',')
        .and_then(|(t, v)| Some((t.strip_prefix("t=")?, v.strip_prefix("v1=")?)))
        .context("t=…,v1=…")?;
    let t: i64 = t.parse()?;
    let now = roundtable::model::now_ms() / 1000;
    ensure!((now - t).abs() < 300, "signed just now");
    let mut signed = format!("{t}.").into_bytes();
    signed.extend_from_slice(&h.body);
    let mac = roundtable::api::webhooks::hmac_sha256(secret.as_bytes(), &signed);
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    ensure!(hex == v1, "the signature verifies");
    Ok(())
}

#[tokio::test]
async fn webhooks_are_signed_retried_kept_across_restarts_and_carry_words_only_when_asked()
-> Result<()> {
    let server =
        TestServer::start_with_webhooks(Duration::from_millis(50), Duration::from_millis(100))
            .await?;
    let links = server.create_event(SMALL_EVENT).await?;
    let f = Fixture { server, links };
    let s = &f.server;
    let ana = f.organiser("ana@example.org", "Ana").await?;
    let rx = Receiver::start().await?;

    // Bad addresses are refused on the form with the reason, and nothing is stored.
    for (url, says) in [
        ("", "Enter the address"),
        ("ftp://example.org/hook", "must start with https://"),
        (
            "https://user:pw@example.org/hook",
            "no user name or password",
        ),
        ("http://169.254.169.254/latest", "link-local"),
        ("https://", "not a web address"),
    ] {
        let res = ana
            .post(s.url("/organiser/api/webhooks"))
            .form(&[("url", url)])
            .send()
            .await?;
        assert_eq!(res.status(), 422, "{url}");
        let page = res.text().await?;
        assert!(page.contains(says), "{url}: {says}");
        assert!(!page.contains("new-secret-value"));
    }
    let ana_id = s
        .state
        .storage
        .organiser_by_email("ana@example.org")
        .await?
        .context("Ana")?
        .id;
    assert!(s.state.storage.webhooks(ana_id).await?.is_empty());

    let quiet = add_webhook(s, &ana, &rx.url("/flaky"), false).await?;
    let chatty = add_webhook(s, &ana, &rx.url("/words"), true).await?;
    let res = ana
        .post(s.url("/organiser/api/webhooks"))
        .form(&[("url", rx.url("/words"))])
        .send()
        .await?;
    assert_eq!(res.status(), 422, "the same address twice is refused");
    assert!(res.text().await?.contains("already a webhook"));

    // Ana makes an event through the API; a phone posts; she closes it.
    let token = make_token(s, &ana, "CRM").await?;
    let (status, _, made) = call(
        s,
        Some(&token),
        reqwest::Method::POST,
        "/api/v1/events",
        Some(("application/json", new_event("Rye evening").to_string())),
    )
    .await?;
    assert_eq!(status, 201);
    let id = made["event_id"].as_i64().context("id")?;
    let mut p = phone(s, &made, 0).await?;
    let said = "Night buses to Rye stopped in March";
    p.post(&cid("hook"), said).await?;
    let (status, _, _) = call(
        s,
        Some(&token),
        reqwest::Method::POST,
        &format!("/api/v1/events/{id}/close"),
        None,
    )
    .await?;
    assert_eq!(status, 200);

    // /flaky fails twice, then takes the third attempt: the same delivery each time.
    let calls = rx.wait_for("/flaky", 3).await?;
    let ids: BTreeSet<_> = calls
        .iter()
        .map(|c| c.headers["x-roundtable-delivery"].clone())
        .collect();
    assert_eq!(ids.len(), 1, "retries are the same delivery");
    for (n, c) in calls.iter().enumerate() {
        verify(c, &quiet)?;
        assert!(
            verify(c, &chatty).is_err(),
            "each webhook has its own secret"
        );
        assert_eq!(c.headers["x-roundtable-event"], "event.closed");
        assert_eq!(c.headers["content-type"], "application/json");
        let body: Value = serde_json::from_slice(&c.body)?;
        assert_eq!(body["type"], "event.closed");
        assert_eq!(body["attempt"], n as i64 + 1);
        assert_eq!(body["event"]["id"], id);
        assert_eq!(body["event"]["open"], false);
        assert_eq!(body["counts"]["comments"], 1);
        assert!(
            body["links"]["report"]
                .as_str()
                .unwrap_or_default()
                .contains(&format!("/api/v1/events/{id}/report")),
            "the payload says where the report is"
        );
        assert!(body.get("comments").is_none());
        assert!(
            !String::from_utf8_lossy(&c.body).contains("Night buses"),
            "no attendee words unless the organiser asked"
        );
    }
    // Backing off: 100 ms after the first failure, then 200 ms (as configured for the test;
    // 30 s then 60 s… by default).
    let first_gap = calls[1].at - calls[0].at;
    let second_gap = calls[2].at - calls[1].at;
    assert!(first_gap >= Duration::from_millis(90), "{first_gap:?}");
    assert!(second_gap >= Duration::from_millis(190), "{second_gap:?}");
    let words = rx.wait_for("/words", 1).await?;
    verify(&words[0], &chatty)?;
    let body: Value = serde_json::from_slice(&words[0].body)?;
    assert_eq!(
        body["comments"][0]["text"], said,
        "opted in: the words come"
    );

    // The console shows the outcome of each.
    console_shows_delivered(s, &ana, 2).await?;

    // A receiver that is down: the call waits in the database across a restart and is
    // delivered once the receiver is back.
    let down = add_webhook(s, &ana, &rx.url("/down"), false).await?;
    let (status, _, _) = call(
        s,
        Some(&token),
        reqwest::Method::POST,
        &format!("/api/v1/events/{id}/open"),
        None,
    )
    .await?;
    assert_eq!(status, 200);
    call(
        s,
        Some(&token),
        reqwest::Method::POST,
        &format!("/api/v1/events/{id}/close"),
        None,
    )
    .await?;
    rx.wait_for("/down", 1).await?;
    let page = ana
        .get(s.url("/organiser/api"))
        .send()
        .await?
        .text()
        .await?;
    assert!(page.contains("last call failed (HTTP 503"), "{page}");
    let f = Fixture {
        server: f.server.restart().await?,
        links: f.links,
    };
    let s = &f.server;
    rx.down.store(false, Ordering::SeqCst);
    let deadline = Instant::now() + DEADLINE;
    let last = loop {
        let calls = rx.wait_for("/down", 2).await?;
        let last = calls.last().context("a call")?.clone();
        if last.headers["x-roundtable-delivery"] == calls[0].headers["x-roundtable-delivery"]
            && serde_json::from_slice::<Value>(&last.body)?["attempt"].as_i64() > Some(1)
        {
            break last;
        }
        ensure!(
            Instant::now() < deadline,
            "the owed call is retried after the restart"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    verify(&last, &down)?;
    console_shows_delivered(s, &ana, 3).await?;

    // Deleting a webhook: no more calls to it.
    let hooks = s.state.storage.webhooks(ana_id).await?;
    let quiet_id = hooks
        .iter()
        .find(|w| w.url.ends_with("/flaky"))
        .context("flaky hook")?
        .id;
    let res = ana
        .post(s.url(&format!("/organiser/api/webhooks/{quiet_id}/delete")))
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    assert_eq!(s.state.storage.webhooks(ana_id).await?.len(), 2);
    Ok(())
}
