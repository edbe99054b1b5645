//! Walks the access matrix of docs/security.md: every route with every kind of credential
//! (each other kind of link, a made-up one, none, the owner, another organiser), and every
//! socket command from every kind of page. What must be refused is refused; what must work
//! gets past the door.

use std::collections::HashMap;

use anyhow::{Context, Result};
use reqwest::Method;
use serde_json::{Value, json};

use super::{Fixture, cid};
use roundtable_tests::client;

/// The kinds of credential a path can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Cred {
    Table,
    TableFacilitator,
    Lead,
    Wall,
    Share,
    MadeUp,
}

const ALL: [Cred; 6] = [
    Cred::Table,
    Cred::TableFacilitator,
    Cred::Lead,
    Cred::Wall,
    Cred::Share,
    Cred::MadeUp,
];

/// Whether a response let the request through the door (a 4xx about the body still
/// counts: the credential was accepted).
fn passed(status: u16, location: &str) -> bool {
    !(status == 401
        || status == 403
        || status == 404
        || status >= 500
        || (status == 303 && location == "/organiser/login"))
}

async fn call(
    http: &reqwest::Client,
    base: &str,
    method: &Method,
    path: &str,
) -> Result<(u16, String)> {
    let res = http
        .request(method.clone(), format!("{base}{path}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("")
        .send()
        .await?;
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    Ok((res.status().as_u16(), location))
}

/// Makes an event owned by a new organiser through the web form; its id.
async fn owned_event(f: &Fixture, owner: &reqwest::Client) -> Result<i64> {
    let form = [
        ("title", "Owned event"),
        ("place", "Hall"),
        ("date", "2026-12-05"),
        ("description", ""),
        ("table_number_0", "1"),
        ("table_theme_0", "Buses"),
        ("table_number_1", "2"),
        ("table_theme_1", "Health"),
        ("round_prompt_0", "What matters?"),
        ("round_kind_0", "same"),
    ];
    let res = owner
        .post(f.server.url("/organiser/events"))
        .form(&form)
        .send()
        .await?;
    assert_eq!(res.status(), 303, "event made");
    let location = res.headers()["location"].to_str()?.to_string();
    location
        .rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .context("the new event's id")
}

#[tokio::test]
async fn every_route_refuses_every_other_credential() -> Result<()> {
    let f = Fixture::new().await?;
    let owner = f.organiser("owner@example.org", "Owner").await?;
    let other = f.organiser("other@example.org", "Other").await?;
    let id = owned_event(&f, &owner).await?;
    // "About you" on, so its pages exist for the table link.
    let res = owner
        .post(f.server.url(&format!("/organiser/events/{id}/pledges")))
        .form(&[("option_label_0", "Keep me informed"), ("about_you", "1")])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    let es = f
        .server
        .state
        .storage
        .event_state(id)
        .await?
        .context("the event")?;
    let share = roundtable::security::new_token()?;
    f.server
        .state
        .storage
        .create_share(
            &roundtable::security::hash_token(&share),
            Some(id),
            None,
            roundtable::model::now_ms() + 86_400_000,
        )
        .await?;
    let tokens: HashMap<Cred, String> = HashMap::from([
        (Cred::Table, es.tables[0].join_token.clone()),
        (
            Cred::TableFacilitator,
            es.tables[0].facilitator_token.clone(),
        ),
        (Cred::Lead, es.event.facilitator_token.clone()),
        (Cred::Wall, es.event.wall_token.clone()),
        (Cred::Share, share),
        (Cred::MadeUp, "abcdefghjkmnpqrstvwxyz0123".to_string()),
    ]);
    // A comment at table 1, for the agree route.
    let mut phone = f
        .server
        .ws(&format!("/t/{}/ws", tokens[&Cred::Table]))
        .await?;
    phone.next().await?;
    let comment = phone.post(&cid("m"), "A comment to agree with").await?;

    let base = f.server.base.clone();
    let get = Method::GET;
    let post = Method::POST;
    let phone_only = &[Cred::Table][..];
    let consoles = &[Cred::TableFacilitator, Cred::Lead][..];
    let lead = &[Cred::Lead][..];
    let wall = &[Cred::Wall][..];
    let share_only = &[Cred::Share][..];
    let routes: Vec<(&Method, String, &[Cred])> = vec![
        (&get, "/t/{}".into(), phone_only),
        (&post, "/t/{}".into(), phone_only),
        (&get, "/t/{}/room".into(), phone_only),
        (&get, "/t/{}/qr.svg".into(), phone_only),
        (&get, "/t/{}/privacy".into(), phone_only),
        (&get, "/t/{}/pledge".into(), phone_only),
        (&post, "/t/{}/pledge".into(), phone_only),
        (&post, "/t/{}/pledge/withdraw".into(), phone_only),
        (&get, "/t/{}/about".into(), phone_only),
        (&post, "/t/{}/about".into(), phone_only),
        (
            &post,
            format!("/t/{{}}/comments/{comment}/agree"),
            phone_only,
        ),
        (&get, "/console/{}".into(), consoles),
        (&get, "/console/{}/activity".into(), consoles),
        (&post, "/console/{}/images".into(), consoles),
        (&get, "/console/{}/cards".into(), lead),
        (&get, "/console/{}/report".into(), lead),
        (&get, "/wall/{}".into(), wall),
        (&get, "/wall/{}/qr.svg".into(), wall),
        (&get, "/share/{}".into(), share_only),
    ];
    let mut walked = 0;
    for (method, template, allowed) in &routes {
        for cred in ALL {
            let path = template.replace("{}", &tokens[&cred]);
            let (status, location) = call(&client(), &base, method, &path).await?;
            let expect = allowed.contains(&cred);
            assert_eq!(
                passed(status, &location),
                expect,
                "{method} {template} with a {cred:?} link: {status}"
            );
            walked += 1;
        }
    }

    // Sockets: only their own kind of link opens them.
    for (template, allowed) in [
        ("/t/{}/ws", phone_only),
        ("/console/{}/ws", consoles),
        ("/wall/{}/ws", wall),
    ] {
        for cred in ALL {
            let path = template.replace("{}", &tokens[&cred]);
            let opened = match f.server.ws(&path).await {
                Ok(mut ws) => ws.next().await.is_ok(),
                Err(_) => false,
            };
            assert_eq!(
                opened,
                allowed.contains(&cred),
                "socket {template} with {cred:?}"
            );
            walked += 1;
        }
    }

    // The organiser's pages: the owner gets in, another organiser is told there is no such
    // event of theirs, no session goes to the log-in.
    let nobody = client();
    let event_routes: Vec<(&Method, String)> = [
        (&get, ""),
        (&get, "/settings"),
        (&post, "/settings"),
        (&get, "/pledges"),
        (&post, "/pledges"),
        (&get, "/privacy"),
        (&post, "/privacy"),
        (&get, "/report"),
        (&get, "/export"),
        (&post, "/rotate"),
        (&post, "/shares"),
        (&post, "/campaign"),
        (&post, "/delete"),
    ]
    .into_iter()
    .map(|(m, tail)| (m, format!("/organiser/events/{id}{tail}")))
    .collect();
    for (method, path) in &event_routes {
        let (status, location) = call(&owner, &base, method, path).await?;
        assert!(
            passed(status, &location),
            "owner: {method} {path}: {status}"
        );
        let (status, _) = call(&other, &base, method, path).await?;
        assert_eq!(status, 404, "another organiser: {method} {path}");
        let (status, location) = call(&nobody, &base, method, path).await?;
        assert_eq!(
            (status, location.as_str()),
            (303, "/organiser/login"),
            "{method} {path}"
        );
        walked += 3;
    }
    for path in [
        "/organiser",
        "/organiser/events/new",
        "/organiser/password",
        "/organiser/campaigns",
        "/organiser/import",
    ] {
        for who in [&owner, &other] {
            let (status, _) = call(who, &base, &get, path).await?;
            assert_eq!(status, 200, "{path}");
        }
        let (status, location) = call(&nobody, &base, &get, path).await?;
        assert_eq!(
            (status, location.as_str()),
            (303, "/organiser/login"),
            "{path}"
        );
        walked += 3;
    }
    assert!(
        f.server.state.storage.event_state(id).await?.is_some(),
        "the owner's empty delete form deleted nothing"
    );
    println!("access matrix: {walked} cells walked");
    Ok(())
}

/// Every console command, well formed, about `comment` at table 1 of the fixture event.
fn console_commands(snap: &Value, comment: i64) -> Vec<(&'static str, Value, bool)> {
    let round = snap["state"]["rounds"][0]["id"]
        .as_i64()
        .unwrap_or_default();
    let item = snap["state"]["agenda"]["items"][0]["id"]
        .as_i64()
        .unwrap_or_default();
    let wall = snap["state"]["walls"][0]["id"].as_i64().unwrap_or(1);
    // (type, command, lead only)
    vec![
        (
            "highlight",
            json!({"comment_id": comment, "on": true}),
            false,
        ),
        ("hide", json!({"comment_id": comment, "on": false}), false),
        ("approve", json!({"comment_id": comment}), false),
        (
            "merge",
            json!({"comment_id": comment, "into": comment}),
            false,
        ),
        ("unmerge", json!({"comment_id": comment}), false),
        (
            "tag",
            json!({"comment_id": comment, "label": "Local campaign idea", "on": true}),
            false,
        ),
        ("star", json!({"comment_id": comment, "on": true}), false),
        (
            "edit",
            json!({"comment_id": comment, "text": "Edited"}),
            false,
        ),
        ("image_show", json!({"image_id": 999, "on": true}), false),
        ("image_hide", json!({"image_id": 999, "on": true}), false),
        ("open_round", json!({"round_id": round}), true),
        ("close_round", json!({}), true),
        ("set_open", json!({"open": true}), true),
        ("agenda_start", json!({"item_id": item}), true),
        ("agenda_end", json!({}), true),
        ("agenda_extend", json!({"seconds": 60}), true),
        ("announce", json!({"text": "Hello", "wall": false}), true),
        (
            "wall_set",
            json!({"wall_id": wall, "layout": "columns"}),
            true,
        ),
    ]
}

fn with_type(kind: &str, body: &Value) -> Value {
    let mut v = body.clone();
    v["type"] = json!(kind);
    v["ref"] = json!(cid("r"));
    v
}

#[tokio::test]
async fn every_socket_command_is_refused_where_it_does_not_belong() -> Result<()> {
    let f = Fixture::new().await?;
    let (mut lead, snap) = f.console().await?;
    let (mut phone, _) = f.phone(0).await?;
    let comment = phone.post(&cid("p"), "Buses").await?;
    let commands = console_commands(&snap, comment);

    // Phones and walls may not send console commands: their socket closes, nothing changes.
    for (kind, body, _) in &commands {
        for page in ["phone", "wall"] {
            let path = if page == "phone" {
                format!("{}/ws", f.table_path(0))
            } else {
                format!("{}/ws", f.wall_path())
            };
            let mut ws = f.server.ws(&path).await?;
            ws.next().await?;
            ws.send(with_type(kind, body)).await?;
            let closed = ws.closed().await?;
            assert_eq!(closed.code, Some(1008), "{page} sending {kind}");
            assert!(closed.reason.contains("not allowed on this page"));
        }
    }
    // Walls may not post or agree either; consoles may not agree.
    for (path, kind, body) in [
        (
            format!("{}/ws", f.wall_path()),
            "post",
            json!({"client_id": cid("w"), "text": "x"}),
        ),
        (
            format!("{}/ws", f.wall_path()),
            "agree",
            json!({"comment_id": comment}),
        ),
        (
            format!("{}/ws", f.console_path()),
            "agree",
            json!({"comment_id": comment}),
        ),
    ] {
        let mut ws = f.server.ws(&path).await?;
        ws.next().await?;
        ws.send(with_type(kind, &body)).await?;
        assert_eq!(ws.closed().await?.code, Some(1008), "{path} sending {kind}");
    }

    // A table facilitator: lead-only commands are answered `forbidden`; so is curation at
    // another table; curation at their own table works.
    let own = roundtable_tests::path_of(
        f.links["tables"][0]["console_url"]
            .as_str()
            .unwrap_or_default(),
    );
    let away = roundtable_tests::path_of(
        f.links["tables"][1]["console_url"]
            .as_str()
            .unwrap_or_default(),
    );
    let mut mine = f.server.ws(&format!("{own}/ws")).await?;
    mine.next().await?;
    let mut theirs = f.server.ws(&format!("{away}/ws")).await?;
    theirs.next().await?;
    for (kind, body, lead_only) in &commands {
        if *lead_only {
            let cmd = with_type(kind, body);
            let r = cmd["ref"].clone();
            mine.send(cmd).await?;
            let reply = mine.next_where(kind, |v| v["ref"] == r).await?;
            assert_eq!(
                reply["type"], "error",
                "{kind} from a table facilitator: {reply}"
            );
            assert_eq!(reply["code"], "forbidden", "{kind}");
        }
    }
    for (kind, body) in [
        ("star", json!({"comment_id": comment, "on": true})),
        ("highlight", json!({"comment_id": comment, "on": true})),
    ] {
        let cmd = with_type(kind, &body);
        let r = cmd["ref"].clone();
        theirs.send(cmd).await?;
        let reply = theirs.next_where(kind, |v| v["ref"] == r).await?;
        assert_eq!(
            reply["code"], "forbidden",
            "{kind} at another table: {reply}"
        );
        let cmd = with_type(kind, &body);
        let r = cmd["ref"].clone();
        mine.send(cmd).await?;
        let reply = mine.next_where(kind, |v| v["ref"] == r).await?;
        assert_eq!(reply["type"], "ack", "{kind} at their own table: {reply}");
    }
    // Nothing a refused page sent changed the event: still open, the comment unedited.
    let after = f.server.state.storage.comments(1, None, true).await?;
    let c = after
        .iter()
        .find(|c| c.id == comment)
        .context("the comment")?;
    assert_eq!(c.text, "Buses");
    assert!(
        f.server
            .state
            .storage
            .event_state(1)
            .await?
            .context("event")?
            .event
            .open
    );
    // The lead may send every one of them.
    for (kind, body, _) in &commands {
        let cmd = with_type(kind, body);
        let r = cmd["ref"].clone();
        lead.send(cmd).await?;
        let reply = lead.next_where(kind, |v| v["ref"] == r).await?;
        assert!(
            reply["type"] == "ack" || (reply["type"] == "error" && reply["code"] != "forbidden"),
            "{kind} from the lead: {reply}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn an_owner_shares_an_event_with_another_organiser_and_takes_them_off() -> Result<()> {
    let f = Fixture::new().await?;
    let owner = f.organiser("owner@example.org", "Owner").await?;
    let other = f.organiser("other@example.org", "Other Person").await?;
    let id = owned_event(&f, &owner).await?;
    let page = f.server.url(&format!("/organiser/events/{id}"));
    assert_eq!(
        other.get(&page).send().await?.status(),
        404,
        "not theirs yet"
    );
    let add = f.server.url(&format!("/organiser/events/{id}/organisers"));
    for (email, says) in [
        ("", "Type the email"),
        (
            "nobody@example.org",
            "No organiser account has the email nobody@example.org",
        ),
        ("owner@example.org", "Owner can already open this event"),
    ] {
        let res = owner.post(&add).form(&[("email", email)]).send().await?;
        assert_eq!(res.status(), 422, "{email}");
        let body = res.text().await?;
        assert!(body.contains(says), "{says}: {body}");
        assert!(
            body.contains(&format!("value=\"{email}\"")),
            "what was typed is kept"
        );
    }
    assert_eq!(
        other.get(&page).send().await?.status(),
        404,
        "refusals added no one"
    );
    let res = owner
        .post(&add)
        .form(&[("email", " Other@Example.org ")])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    assert_eq!(
        other.get(&page).send().await?.status(),
        200,
        "now they can open it"
    );
    let dash = other
        .get(f.server.url("/organiser"))
        .send()
        .await?
        .text()
        .await?;
    assert!(dash.contains("Owned event"), "and it is in their list");
    let privacy = f.server.url(&format!("/organiser/events/{id}/privacy"));
    let listed = other.get(&privacy).send().await?.text().await?;
    assert!(listed.contains("Other Person") && listed.contains("owner@example.org"));
    // Nobody can take the owner off.
    let remove = f
        .server
        .url(&format!("/organiser/events/{id}/organisers/remove"));
    let owner_id = f
        .server
        .state
        .storage
        .organiser_by_email("owner@example.org")
        .await?
        .context("owner")?
        .id;
    let res = other
        .post(&remove)
        .form(&[("organiser_id", owner_id.to_string())])
        .send()
        .await?;
    assert_eq!(res.status(), 422);
    assert_eq!(owner.get(&page).send().await?.status(), 200);
    // The owner takes the other off: the event is closed to them again.
    let other_id = f
        .server
        .state
        .storage
        .organiser_by_email("other@example.org")
        .await?
        .context("other")?
        .id;
    let res = owner
        .post(&remove)
        .form(&[("organiser_id", other_id.to_string())])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    assert_eq!(other.get(&page).send().await?.status(), 404);
    assert_eq!(
        other
            .get(f.server.url(&format!("/organiser/events/{id}/export")))
            .send()
            .await?
            .status(),
        404
    );
    Ok(())
}

#[tokio::test]
async fn no_other_site_can_make_a_browser_change_anything() -> Result<()> {
    let f = Fixture::new().await?;
    let owner = f.organiser("csrf@example.org", "Cee").await?;
    let id = owned_event(&f, &owner).await?;
    let es = f
        .server
        .state
        .storage
        .event_state(id)
        .await?
        .context("event")?;
    let table = format!("/t/{}", es.tables[0].join_token);
    // Every state-changing form, as a page on another site would send it (the victim's
    // cookies ride along): by Origin, and by Fetch Metadata alone.
    let forms: Vec<String> = vec![
        table.clone(),
        format!("{table}/pledge"),
        format!("{table}/pledge/withdraw"),
        format!("{table}/mine"),
        format!("/organiser/events/{id}/settings"),
        format!("/organiser/events/{id}/privacy"),
        format!("/organiser/events/{id}/pledges"),
        format!("/organiser/events/{id}/rotate"),
        format!("/organiser/events/{id}/walls"),
        format!("/organiser/events/{id}/shares"),
        format!("/organiser/events/{id}/organisers"),
        format!("/organiser/events/{id}/delete"),
        "/organiser/events".into(),
        "/organiser/password".into(),
        "/organiser/logout".into(),
        "/organiser/import".into(),
        format!("/console/{}/images", es.event.facilitator_token),
    ];
    for path in &forms {
        for (header, value) in [
            ("origin", "http://evil.example"),
            ("sec-fetch-site", "cross-site"),
            ("origin", "null"),
        ] {
            let res = owner
                .post(f.server.url(path))
                .header(header, value)
                .form(&[
                    ("confirm", "delete"),
                    ("which", "facilitator"),
                    ("text", "forged"),
                ])
                .send()
                .await?;
            assert_eq!(res.status(), 403, "{path} with {header}: {value}");
            assert!(
                res.text().await?.contains("came from another website"),
                "{path}"
            );
        }
    }
    // Nothing happened: the event, its links and its owner's session are as they were.
    let after = f
        .server
        .state
        .storage
        .event_state(id)
        .await?
        .context("event")?;
    assert_eq!(after.event.facilitator_token, es.event.facilitator_token);
    assert_eq!(
        f.server.state.storage.comments(id, None, true).await?.len(),
        0
    );
    assert_eq!(
        owner
            .get(f.server.url(&format!("/organiser/events/{id}")))
            .send()
            .await?
            .status(),
        200,
        "still logged in"
    );
    // Same-site requests still work (Fetch Metadata says so, or Origin matches).
    let res = owner
        .post(f.server.url(&format!("/organiser/events/{id}/rotate")))
        .header("sec-fetch-site", "same-origin")
        .form(&[("which", "wall")])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    let after = f
        .server
        .state
        .storage
        .event_state(id)
        .await?
        .context("event")?;
    assert_ne!(
        after.event.wall_token, es.event.wall_token,
        "the same-site rotate worked"
    );
    // Sockets of every kind refuse another site's page (with the current links).
    for path in [
        format!("{table}/ws"),
        format!("/console/{}/ws", es.event.facilitator_token),
        format!("/wall/{}/ws", after.event.wall_token),
    ] {
        let mut req =
            tokio_tungstenite::tungstenite::client::IntoClientRequest::into_client_request(
                f.server.ws_url(&path),
            )?;
        req.headers_mut()
            .insert("origin", "http://evil.example".parse()?);
        assert!(
            tokio_tungstenite::connect_async(req).await.is_err(),
            "{path} opened for another site"
        );
    }
    Ok(())
}
