//! Every console, wall, report and organiser route refuses a request without the right
//! credential; the organiser's web flow works end to end.

use std::collections::HashMap;

use crate::Fixture;
use roundtable_tests::{client, path_of};

const BAD: &str = "abcdefghjkmnpqrstvwxyz0123";

#[tokio::test]
async fn protected_routes_refuse_missing_or_wrong_tokens() -> anyhow::Result<()> {
    let f = Fixture::new().await?;
    let other = f.server.create_event(roundtable_tests::SMALL_EVENT).await?;
    let http = client();
    let wall_token = f
        .wall_path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let console_token = f
        .console_path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let other_wall = path_of(other["wall_url"].as_str().unwrap_or_default());
    let other_wall_token = other_wall
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    for token in [BAD, "short", wall_token.as_str(), other_wall_token.as_str()] {
        for path in ["", "/cards", "/report", "/ws"] {
            let url = f.server.url(&format!("/console/{token}{path}"));
            let res = http.get(&url).send().await?;
            assert_eq!(res.status(), 404, "{url} must be refused");
        }
    }
    for token in [BAD, console_token.as_str()] {
        for path in ["", "/ws", "/qr.svg"] {
            let url = f.server.url(&format!("/wall/{token}{path}"));
            assert_eq!(
                http.get(&url).send().await?.status(),
                404,
                "{url} must be refused"
            );
        }
        let url = f.server.url(&format!("/t/{token}"));
        assert_eq!(
            http.get(&url).send().await?.status(),
            404,
            "{url} must be refused"
        );
    }
    // A websocket upgrade with a wrong token is refused before it upgrades.
    assert!(f.server.ws(&format!("/console/{BAD}/ws")).await.is_err());
    assert!(
        f.server
            .ws(&format!("/wall/{wall_token}x/ws"))
            .await
            .is_err()
    );
    // The right tokens work.
    for path in [
        f.console_path(),
        format!("{}/cards", f.console_path()),
        format!("{}/report", f.console_path()),
        f.wall_path(),
    ] {
        assert_eq!(
            http.get(f.server.url(&path)).send().await?.status(),
            200,
            "{path}"
        );
    }
    // Organiser pages need a log-in.
    for path in ["/organiser", "/organiser/events/new", "/organiser/events/1"] {
        let res = http.get(f.server.url(path)).send().await?;
        assert_eq!(res.status(), 303, "{path}");
        assert_eq!(res.headers()["location"], "/organiser/login");
    }
    let res = http
        .post(f.server.url("/organiser/events"))
        .form(&[("title", "x")])
        .send()
        .await?;
    assert_eq!(res.status(), 303, "creating an event needs a log-in");
    let res = http
        .post(f.server.url("/organiser/events/1/rotate"))
        .form(&[("which", "wall")])
        .send()
        .await?;
    assert_eq!(res.status(), 303, "rotating links needs a log-in");
    // The set-up page needs its one-time token.
    assert_eq!(http.get(f.server.url("/setup")).send().await?.status(), 403);
    assert_eq!(
        http.get(f.server.url("/setup?token=nope"))
            .send()
            .await?
            .status(),
        403
    );
    Ok(())
}

#[tokio::test]
async fn other_sites_cannot_post_or_open_sockets() -> anyhow::Result<()> {
    let f = Fixture::new().await?;
    let res = client()
        .post(f.server.url(&f.table_path(0)))
        .header("origin", "http://evil.example")
        .form(&[("text", "forged"), ("client_id", "forgedforged1")])
        .send()
        .await?;
    assert_eq!(res.status(), 403);
    let mut req = tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
        f.server.ws_url(&format!("{}/ws", f.console_path())),
    )?;
    req.headers_mut()
        .insert("origin", "http://evil.example".parse()?);
    let err = tokio_tungstenite::connect_async(req).await;
    assert!(err.is_err(), "cross-site socket must be refused");
    let (_, snap) = f.console().await?;
    assert_eq!(snap["state"]["comments"].as_array().map(Vec::len), Some(0));
    Ok(())
}

fn setup_token(f: &Fixture) -> String {
    f.server.state.setup_token().unwrap_or_default()
}

fn find_between(html: &str, start: &str, end: &str) -> Option<String> {
    let i = html.find(start)? + start.len();
    let j = html[i..].find(end)? + i;
    Some(html[i..j].to_string())
}

#[tokio::test]
async fn organiser_sets_up_logs_in_creates_event_and_rotates_links() -> anyhow::Result<()> {
    let f = Fixture::new().await?;
    let http = client();
    let token = setup_token(&f);
    assert_eq!(token.len(), 26, "first run offers a set-up link");
    let res = http
        .get(f.server.url(&format!("/setup?token={token}")))
        .send()
        .await?;
    assert_eq!(res.status(), 200);
    // Bad input on set-up is shown on the form.
    let res = http
        .post(f.server.url("/setup"))
        .form(&[
            ("token", token.as_str()),
            ("name", "Sam"),
            ("email", "sam@example.org"),
            ("password", "short"),
            ("password_again", "short"),
        ])
        .send()
        .await?;
    assert_eq!(res.status(), 422);
    assert!(res.text().await?.contains("at least 10 characters"));
    let res = http
        .post(f.server.url("/setup"))
        .form(&[
            ("token", token.as_str()),
            ("name", "Sam Organiser"),
            ("email", "Sam@Example.org"),
            ("password", "a long enough secret"),
            ("password_again", "a long enough secret"),
        ])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    assert!(f.server.state.setup_token().is_none(), "set-up works once");
    let dash = http.get(f.server.url("/organiser")).send().await?;
    assert_eq!(dash.status(), 200);
    assert!(dash.text().await?.contains("Sam Organiser"));

    // The event form: a bad date is explained, the typed values kept.
    let mut form: HashMap<&str, &str> = HashMap::from([
        ("title", "Hastings listening evening"),
        ("place", "St Leonards church hall"),
        ("date", "5/12/2026"),
        ("description", "Two rounds"),
        ("table_number_0", "1"),
        ("table_theme_0", "Buses and transport"),
        ("table_description_0", "Routes"),
        ("table_number_1", "2"),
        ("table_theme_1", "Home insulation"),
        ("round_prompt_0", "Why does this matter here?"),
        ("round_kind_0", "same"),
        ("round_prompt_1", "What would you change?"),
        ("round_kind_1", "theme"),
    ]);
    let res = http
        .post(f.server.url("/organiser/events"))
        .form(&form)
        .send()
        .await?;
    assert_eq!(res.status(), 422);
    let html = res.text().await?;
    assert!(html.contains("The date must look like"), "{html}");
    assert!(
        html.contains("Hastings listening evening"),
        "typed values are kept"
    );
    form.insert("date", "2026-12-05");
    let res = http
        .post(f.server.url("/organiser/events"))
        .form(&form)
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    let event_page = res.headers()["location"].to_str()?.to_string();
    let html = http
        .get(f.server.url(&event_page))
        .send()
        .await?
        .text()
        .await?;
    let console_url = find_between(&html, &format!("{}/console/", f.server.base), "\"")
        .map(|t| format!("/console/{t}"))
        .expect("console link on the event page");
    assert_eq!(
        http.get(f.server.url(&console_url)).send().await?.status(),
        200
    );

    // Rotating the console link: the old one stops working, open consoles are closed.
    let mut open_console = f.server.ws(&format!("{console_url}/ws")).await?;
    assert_eq!(open_console.next().await?["type"], "snapshot");
    let res = http
        .post(f.server.url(&format!("{event_page}/rotate")))
        .form(&[("which", "facilitator")])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    assert_eq!(
        http.get(f.server.url(&console_url)).send().await?.status(),
        404
    );
    let closed = open_console.closed().await?;
    assert_eq!(closed.code, Some(1008));
    assert!(closed.reason.contains("replaced"));

    // Another organiser can't see this event.
    let other = client();
    let res = other
        .post(f.server.url("/organiser/login"))
        .form(&[("email", "sam@example.org"), ("password", "wrong password")])
        .send()
        .await?;
    assert_eq!(res.status(), 401);
    assert!(res.text().await?.contains("don't match"));

    // Log-out ends the session.
    let res = http.post(f.server.url("/organiser/logout")).send().await?;
    assert_eq!(res.status(), 303);
    let res = http.get(f.server.url("/organiser")).send().await?;
    assert_eq!(res.status(), 303);
    Ok(())
}

/// Logs in with a client that keeps no cookies; the session cookie's `name=value`.
async fn session_cookie(f: &Fixture, email: &str, password: &str) -> anyhow::Result<String> {
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?
        .post(f.server.url("/organiser/login"))
        .form(&[("email", email), ("password", password)])
        .send()
        .await?;
    assert_eq!(res.status(), 303, "log-in");
    let cookie = res.headers()["set-cookie"].to_str()?;
    Ok(cookie.split(';').next().unwrap_or_default().to_string())
}

/// Where a request with exactly this cookie ends: 200 on the dashboard, or the log-in.
async fn dashboard_with(f: &Fixture, cookie: &str) -> anyhow::Result<u16> {
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?
        .get(f.server.url("/organiser"))
        .header("cookie", cookie)
        .send()
        .await?;
    if res.status() == 303 {
        assert_eq!(res.headers()["location"], "/organiser/login");
    }
    Ok(res.status().as_u16())
}

#[tokio::test]
async fn a_password_change_ends_every_other_session_and_log_out_ends_its_own() -> anyhow::Result<()>
{
    let f = Fixture::new().await?;
    let http = f.organiser("pw@example.org", "Pat").await?;
    let other = session_cookie(&f, "pw@example.org", "a long enough secret").await?;
    assert_eq!(dashboard_with(&f, &other).await?, 200);
    let url = f.server.url("/organiser/password");
    assert_eq!(http.get(&url).send().await?.status(), 200);
    for (current, new, again, says) in [
        (
            "wrong password!",
            "a new long secret",
            "a new long secret",
            "current password isn't right",
        ),
        (
            "a long enough secret",
            "short",
            "short",
            "at least 10 characters",
        ),
        (
            "a long enough secret",
            "a new long secret",
            "a new long secrex",
            "two passwords are different",
        ),
    ] {
        let res = http
            .post(&url)
            .form(&[
                ("current", current),
                ("password", new),
                ("password_again", again),
            ])
            .send()
            .await?;
        assert_eq!(res.status(), 422, "{says}");
        assert!(res.text().await?.contains(says), "{says}");
    }
    assert_eq!(
        dashboard_with(&f, &other).await?,
        200,
        "refusals changed nothing"
    );
    let res = http
        .post(&url)
        .form(&[
            ("current", "a long enough secret"),
            ("password", "a new long secret"),
            ("password_again", "a new long secret"),
        ])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/organiser?password=changed");
    let dash = http
        .get(f.server.url("/organiser?password=changed"))
        .send()
        .await?;
    assert_eq!(dash.status(), 200, "this device stays logged in");
    assert!(dash.text().await?.contains("Your password is changed"));
    assert_eq!(
        dashboard_with(&f, &other).await?,
        303,
        "the other device is out"
    );
    let res = client()
        .post(f.server.url("/organiser/login"))
        .form(&[
            ("email", "pw@example.org"),
            ("password", "a long enough secret"),
        ])
        .send()
        .await?;
    assert_eq!(res.status(), 401, "the old password no longer works");

    // Log-out ends the session on the server: the same cookie, replayed, is refused.
    let mine = session_cookie(&f, "pw@example.org", "a new long secret").await?;
    assert_eq!(dashboard_with(&f, &mine).await?, 200);
    let res = reqwest::Client::new()
        .post(f.server.url("/organiser/logout"))
        .header("cookie", &mine)
        .header("origin", &f.server.base)
        .send()
        .await?;
    assert!(res.status().is_redirection() || res.status() == 200);
    assert_eq!(
        dashboard_with(&f, &mine).await?,
        303,
        "a logged-out cookie is dead"
    );
    Ok(())
}
