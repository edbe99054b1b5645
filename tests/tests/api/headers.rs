//! Security headers on every page and cookie flags, over plain HTTP and behind https.

use crate::Fixture;
use anyhow::{Context, Result};
use reqwest::header::HeaderMap;
use roundtable_tests::{TestServer, client, path_of};

/// Every page a person can open, by role, for the event in `f` (`event_id` for the
/// organiser's pages).
fn pages(f: &Fixture) -> Vec<String> {
    let l = &f.links;
    let event = l["event_id"].as_i64().unwrap_or_default();
    let table = f.table_path(0);
    let table_console = path_of(l["tables"][0]["console_url"].as_str().unwrap_or_default());
    let mut pages: Vec<String> = vec![
        "/".into(),
        "/join?code=NOPE".into(),
        "/no-such-page".into(),
        table.clone(),
        format!("{table}/room"),
        format!("{table}/pledge"),
        format!("{table}/about"),
        format!("{table}/qr.svg"),
        f.console_path(),
        format!("{}/activity", f.console_path()),
        format!("{}/cards", f.console_path()),
        format!("{}/report", f.console_path()),
        format!("{}/report?for=policy&format=html", f.console_path()),
        table_console,
        f.wall_path(),
        format!("{}/qr.svg", f.wall_path()),
        "/share/0000000000000000000000000".into(),
        "/lang/cy".into(),
        "/organiser/login".into(),
        "/organiser".into(),
        "/organiser/events/new".into(),
        "/organiser/campaigns".into(),
        "/organiser/import".into(),
    ];
    for tail in ["", "/settings", "/pledges", "/report"] {
        pages.push(format!("/organiser/events/{event}{tail}"));
    }
    pages
}

/// The CSP's directives by name.
fn directives(csp: &str) -> Vec<(String, String)> {
    csp.split(';')
        .filter_map(|d| {
            let d = d.trim();
            let (name, value) = d.split_once(' ').unwrap_or((d, ""));
            (!name.is_empty()).then(|| (name.to_string(), value.to_string()))
        })
        .collect()
}

fn check_document(path: &str, status: u16, h: &HeaderMap, https: bool) {
    let get = |name: &str| {
        h.get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let csp = get("content-security-policy");
    assert!(
        !csp.is_empty(),
        "{path} ({status}): no Content-Security-Policy"
    );
    let d = directives(&csp);
    let value = |name: &str| d.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    assert_eq!(value("default-src"), Some("'none'"), "{path}: {csp}");
    assert_eq!(value("frame-ancestors"), Some("'none'"), "{path}: {csp}");
    assert_eq!(value("base-uri"), Some("'none'"), "{path}: {csp}");
    if let Some(script) = value("script-src") {
        assert_eq!(
            script, "'self'",
            "{path}: scripts only from this server: {csp}"
        );
    }
    for (name, v) in &d {
        for source in v.split_whitespace() {
            assert!(
                matches!(source, "'self'" | "'none'" | "data:" | "'unsafe-inline'"),
                "{path}: {name} allows {source}: {csp}"
            );
            assert!(
                source != "'unsafe-inline'" || name == "style-src",
                "{path}: inline allowed in {name}"
            );
        }
    }
    assert_eq!(get("x-content-type-options"), "nosniff", "{path}");
    let referrer = get("referrer-policy");
    assert!(
        referrer == "same-origin" || referrer == "no-referrer",
        "{path}: Referrer-Policy {referrer:?} could send a token in the URL to another site"
    );
    assert_eq!(get("cross-origin-opener-policy"), "same-origin", "{path}");
    assert_eq!(
        get("x-robots-tag"),
        "noindex",
        "{path}: no search engine may index it"
    );
    let cache = get("cache-control");
    assert!(
        cache.contains("no-store") || cache.contains("private"),
        "{path}: a page that may hold someone's words is cached: {cache:?}"
    );
    if https {
        assert_eq!(
            get("strict-transport-security"),
            "max-age=31536000",
            "{path}"
        );
    } else {
        assert!(
            h.get("strict-transport-security").is_none(),
            "{path}: HSTS over plain HTTP would pin a venue laptop's address"
        );
    }
}

fn check_cookies(path: &str, h: &HeaderMap, https: bool) -> usize {
    let mut n = 0;
    for c in h.get_all("set-cookie") {
        let c = c.to_str().unwrap_or_default();
        let lower = c.to_ascii_lowercase();
        let attrs: Vec<&str> = lower.split(';').map(str::trim).collect();
        assert!(
            attrs.contains(&"httponly"),
            "{path}: {c} is readable by scripts"
        );
        assert!(
            attrs.contains(&"samesite=lax") || attrs.contains(&"samesite=strict"),
            "{path}: {c}"
        );
        assert!(attrs.contains(&"path=/"), "{path}: {c}");
        assert_eq!(
            attrs.contains(&"secure"),
            https,
            "{path}: Secure must follow https: {c}"
        );
        n += 1;
    }
    n
}

/// Visits every page as the people who may (and an organiser), checking headers and cookies.
async fn walk(f: &Fixture, https: bool) -> Result<()> {
    let organiser = f.organiser("headers@example.org", "Hedda").await?;
    let mut cookies = 0;
    for path in pages(f) {
        // A fresh client for the phone pages, so their cookies are set on this visit, and
        // redirects not followed, so a cookie set with one is seen.
        let http = if path.starts_with("/organiser") {
            organiser.clone()
        } else {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()?
        };
        let res = http.get(f.server.url(&path)).send().await?;
        let status = res.status().as_u16();
        assert!(status < 500, "{path}: {status}");
        let h = res.headers().clone();
        let ty = h
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        if ty.starts_with("text/html") || ty.starts_with("image/svg") {
            check_document(&path, status, &h, https);
        } else {
            assert_eq!(h["x-content-type-options"], "nosniff", "{path} ({ty})");
        }
        cookies += check_cookies(&path, &h, https);
    }
    assert!(
        cookies >= 2,
        "the walk set the device and language cookies ({cookies})"
    );
    // The log-in's own session cookie.
    let res = client()
        .post(f.server.url("/organiser/login"))
        .form(&[
            ("email", "headers@example.org"),
            ("password", "a long enough secret"),
        ])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    assert_eq!(check_cookies("/organiser/login", res.headers(), https), 1);
    // And an asset: nosniff, cached, HSTS when https.
    let html = client()
        .get(f.server.url(&f.table_path(0)))
        .send()
        .await?
        .text()
        .await?;
    let css = html
        .split('"')
        .find(|s| s.starts_with("/assets/") && s.ends_with(".css"))
        .context("the phone page links its stylesheet")?
        .to_string();
    let res = client().get(f.server.url(&css)).send().await?;
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(
        res.headers().contains_key("strict-transport-security"),
        https,
        "{css}"
    );
    Ok(())
}

#[tokio::test]
async fn every_page_carries_the_security_headers_over_http() -> Result<()> {
    let f = Fixture::new().await?;
    walk(&f, false).await
}

#[tokio::test]
async fn behind_https_cookies_are_secure_and_hsts_is_sent() -> Result<()> {
    let server = TestServer::start_public("https://events.example.org").await?;
    let links = server.create_event(roundtable_tests::SMALL_EVENT).await?;
    let f = Fixture { server, links };
    let cards = client()
        .get(f.server.url(&format!("{}/cards", f.console_path())))
        .send()
        .await?;
    assert!(
        cards
            .text()
            .await?
            .contains("https://events.example.org/t/"),
        "the table cards carry the public address"
    );
    walk(&f, true).await
}

#[tokio::test]
async fn the_wall_may_be_framed_only_by_the_site_the_organiser_names() -> Result<()> {
    let f = Fixture::new().await?;
    let org = f.organiser("frame@example.org", "Fran").await?;
    let csp = |path: String| {
        let url = f.server.url(&path);
        async move {
            let res = client().get(url).send().await?;
            Ok::<_, anyhow::Error>(
                res.headers()["content-security-policy"]
                    .to_str()?
                    .to_string(),
            )
        }
    };
    assert!(csp(f.wall_path()).await?.contains("frame-ancestors 'none'"));
    let url = f.server.url("/organiser/events/1/privacy");
    let form = |origin: &'static str| {
        [
            ("wall_frame", origin),
            ("contact_days", "90"),
            ("comments_after", "keep"),
            ("comment_days", "365"),
        ]
    };
    for bad in [
        "https://a.org; script-src *",
        "stream.example.org",
        "https://a.org/wall",
    ] {
        let res = org.post(&url).form(&form(bad)).send().await?;
        assert_eq!(res.status(), 422, "{bad}");
        assert!(
            res.text()
                .await?
                .contains("must look like https://stream.example.org")
        );
    }
    assert!(
        csp(f.wall_path()).await?.contains("frame-ancestors 'none'"),
        "refusals changed nothing"
    );
    let res = org
        .post(&url)
        .form(&form(" https://Stream.Example.org/ "))
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    let wall = csp(f.wall_path()).await?;
    assert!(
        wall.contains("frame-ancestors 'self' https://stream.example.org")
            && wall.contains("script-src 'self'"),
        "{wall}"
    );
    for other in [f.console_path(), f.table_path(0)] {
        assert!(
            csp(other.clone()).await?.contains("frame-ancestors 'none'"),
            "{other}"
        );
    }
    Ok(())
}
