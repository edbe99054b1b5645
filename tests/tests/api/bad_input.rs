//! Bad input gets a clear 4xx (or a socket closed with a reason) and stores nothing.

use serde_json::json;

use crate::{Fixture, cid};
use roundtable_tests::client;

async fn comment_count(f: &Fixture) -> anyhow::Result<usize> {
    let (_, snap) = f.console().await?;
    Ok(snap["state"]["comments"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(99))
}

#[tokio::test]
async fn bad_form_posts_are_refused_on_the_page() -> anyhow::Result<()> {
    let f = Fixture::new().await?;
    let page = f.server.url(&f.table_path(0));
    let http = client();
    let long = "x".repeat(1001);
    let cases: Vec<(String, u16, &str)> = vec![
        ("   ".into(), 422, "is empty"),
        (long.clone(), 422, "the most is 1000"),
        ("bell\u{7}".into(), 422, "control characters"),
        ("flip \u{202E}txet".into(), 422, "control characters"),
    ];
    for (text, status, message) in &cases {
        let res = http
            .post(&page)
            .form(&[("text", text.as_str()), ("client_id", cid("bad").as_str())])
            .send()
            .await?;
        assert_eq!(res.status().as_u16(), *status, "{text:?}");
        let html = res.text().await?;
        assert!(
            html.contains(message),
            "message {message:?} shown for {text:?}"
        );
        assert!(html.contains("role=\"alert\""), "the error is announced");
    }
    // What was typed is kept when it is refused.
    let res = http
        .post(&page)
        .form(&[("text", long.as_str()), ("client_id", cid("bad").as_str())])
        .send()
        .await?;
    assert!(res.text().await?.contains(&long));
    // Invalid UTF-8 and a missing client id.
    let res = http
        .post(&page)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(b"text=%FF%FEabc&client_id=abcdefgh12345".to_vec())
        .send()
        .await?;
    assert!(
        res.status().is_client_error(),
        "invalid UTF-8: {}",
        res.status()
    );
    let res = http.post(&page).form(&[("text", "no id")]).send().await?;
    assert_eq!(res.status(), 422);
    // An oversized body.
    let huge = "y".repeat(200_000);
    let res = http
        .post(&page)
        .form(&[("text", huge.as_str()), ("client_id", cid("big").as_str())])
        .send()
        .await?;
    assert_eq!(res.status(), 413);
    assert!(res.text().await?.contains("too much text"));
    // Unknown table.
    let res = http
        .post(f.server.url("/t/abcdefghjkmnpqrstvwxyz0123"))
        .form(&[("text", "hello"), ("client_id", cid("x").as_str())])
        .send()
        .await?;
    assert_eq!(res.status(), 404);
    assert_eq!(comment_count(&f).await?, 0, "nothing was stored");
    Ok(())
}

#[tokio::test]
async fn posts_to_a_closed_round_are_refused_and_the_text_kept() -> anyhow::Result<()> {
    let f = Fixture::new().await?;
    let (mut console, _) = f.console().await?;
    console
        .send(json!({"type": "close_round", "ref": "c"}))
        .await?;
    console.next_where("ack", |v| v["type"] == "ack").await?;
    let res = client()
        .post(f.server.url(&f.table_path(0)))
        .form(&[("text", "my words"), ("client_id", cid("closed").as_str())])
        .send()
        .await?;
    assert_eq!(res.status(), 409);
    let html = res.text().await?;
    assert!(html.contains("No round is open"));
    assert!(html.contains("my words"), "the text is kept for later");
    console
        .send(json!({"type": "set_open", "open": false, "ref": "e"}))
        .await?;
    console
        .next_where("ack", |v| v["type"] == "ack" && v["ref"] == "e")
        .await?;
    let code = f.links["code"].as_str().unwrap_or_default().to_string();
    let res = client()
        .get(f.server.url(&format!("/join?code={code}")))
        .send()
        .await?;
    assert_eq!(
        res.status(),
        404,
        "the short code works only while the event is open"
    );
    assert_eq!(comment_count(&f).await?, 0);
    Ok(())
}

#[tokio::test]
async fn bad_socket_messages_close_that_socket_only() -> anyhow::Result<()> {
    let f = Fixture::new().await?;
    let (mut good, _) = f.phone(0).await?;

    let (mut ws, _) = f.phone(0).await?;
    ws.send_raw("{not json").await?;
    let closed = ws.closed().await?;
    assert_eq!(closed.code, Some(1007));
    assert!(closed.reason.contains("not understood"));

    let (mut ws, _) = f.phone(0).await?;
    ws.send(json!({"type": "highlight", "comment_id": 1, "on": true}))
        .await?;
    assert_eq!(ws.closed().await?.code, Some(1008), "phones may not curate");

    let (mut ws, _) = f.wall().await?;
    ws.send(json!({"type": "post", "client_id": cid("w"), "text": "hi"}))
        .await?;
    assert_eq!(ws.closed().await?.code, Some(1008), "the wall is read-only");

    let (mut ws, _) = f.phone(0).await?;
    ws.send_raw(&format!(
        "{{\"type\":\"post\",\"client_id\":\"abcdefgh1\",\"text\":\"{}\"}}",
        "z".repeat(40_000)
    ))
    .await?;
    assert_eq!(
        ws.closed().await?.code,
        Some(1009),
        "oversized messages close with 1009"
    );

    let (mut ws, _) = f.phone(0).await?;
    ws.send_invalid_utf8().await?;
    let closed = ws.closed().await?;
    assert_eq!(
        closed.code,
        Some(1007),
        "invalid UTF-8 closes with 1007: {closed:?}"
    );

    let (mut ws, _) = f.phone(0).await?;
    ws.send_binary(b"\x00\x01").await?;
    assert_eq!(
        ws.closed().await?.code,
        Some(1003),
        "binary frames are refused"
    );

    // Content errors keep the socket open, with a reason.
    let (mut ws, _) = f.phone(0).await?;
    ws.send(json!({"type": "post", "client_id": cid("e"), "text": "  ", "ref": "r"}))
        .await?;
    let err = ws.next_where("error", |v| v["type"] == "error").await?;
    assert_eq!(err["code"], "empty");
    ws.send(json!({"type": "post", "client_id": "bad id!", "text": "hello", "ref": "r2"}))
        .await?;
    let err = ws.next_where("error", |v| v["type"] == "error").await?;
    assert_eq!(err["code"], "bad_request");
    ws.send(json!({"type": "agree", "comment_id": 424242, "ref": "r3"}))
        .await?;
    let err = ws.next_where("error", |v| v["type"] == "error").await?;
    assert_eq!(err["code"], "not_found");

    // The server keeps serving everyone else.
    let id = good.post(&cid("ok"), "still works").await?;
    assert!(id > 0);
    assert_eq!(comment_count(&f).await?, 1);
    Ok(())
}

#[tokio::test]
async fn words_written_for_a_closed_round_are_not_filed_under_the_next() -> anyhow::Result<()> {
    let f = Fixture::new().await?;
    let (mut console, snap) = f.console().await?;
    let round2 = snap["state"]["rounds"][1]["id"]
        .as_i64()
        .unwrap_or_default();
    console
        .send(json!({"type": "open_round", "round_id": round2, "ref": "o"}))
        .await?;
    console.next_where("ack", |v| v["ref"] == "o").await?;
    // Written offline during round 1, sent now that round 2 is open.
    let (mut phone, _) = f.phone(0).await?;
    phone
        .send(json!({"type": "post", "client_id": cid("late"), "text": "a round 1 answer", "round": 1, "ref": "r"}))
        .await?;
    let err = phone.next_where("reply", |v| v["ref"] == "r").await?;
    assert_eq!(err["type"], "error");
    assert_eq!(err["code"], "round_closed");
    assert!(
        err["message"]
            .as_str()
            .unwrap_or_default()
            .contains("has closed")
    );
    // The same from the plain form.
    let res = client()
        .post(f.server.url(&f.table_path(0)))
        .form(&[
            ("text", "a round 1 answer"),
            ("client_id", cid("late-form").as_str()),
            ("round", "1"),
        ])
        .send()
        .await?;
    assert_eq!(res.status(), 409);
    // Written for round 2: accepted.
    phone
        .send(json!({"type": "post", "client_id": cid("now"), "text": "a round 2 answer", "round": 2, "ref": "ok"}))
        .await?;
    assert_eq!(
        phone.next_where("reply", |v| v["ref"] == "ok").await?["type"],
        "ack"
    );
    assert_eq!(comment_count(&f).await?, 1);
    Ok(())
}
