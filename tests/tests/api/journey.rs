//! The whole journey: create, join, post, curate, project, hide, rounds, report.

use serde_json::json;

use crate::{Fixture, cid};

#[tokio::test]
async fn post_curate_project_hide_and_report() -> anyhow::Result<()> {
    let f = Fixture::new().await?;
    let (mut console, snap) = f.console().await?;
    let (mut wall, _) = f.wall().await?;
    let (mut phone1, psnap) = f.phone(0).await?;
    let (mut phone2, _) = f.phone(1).await?;
    assert_eq!(psnap["state"]["event"]["title"], "Test listening event");
    assert_eq!(
        psnap["state"]["rounds"][0]["status"], "open",
        "CLI events open round 1"
    );

    // A phone posts; the console sees it live.
    let kept = "The last bus leaves at six, so shift workers can't get home";
    let gone = "Something a facilitator will hide";
    let kept_id = phone1.post(&cid("kept"), kept).await?;
    let seen = console
        .next_where("posted comment", |v| {
            v["type"] == "comment" && v["comment"]["id"] == kept_id
        })
        .await?;
    assert_eq!(seen["change"], "posted");
    assert_eq!(seen["comment"]["text"], kept);
    assert_eq!(seen["comment"]["table_number"], 1);
    // The phone at the same table sees it too.
    phone1
        .next_where("own comment", |v| {
            v["type"] == "comment" && v["comment"]["id"] == kept_id
        })
        .await?;
    let gone_id = phone1.post(&cid("gone"), gone).await?;

    // Highlight: the wall shows it.
    console
        .send(json!({"type": "highlight", "comment_id": kept_id, "on": true, "ref": "h1"}))
        .await?;
    console
        .next_where("ack h1", |v| v["type"] == "ack" && v["ref"] == "h1")
        .await?;
    let on_wall = wall
        .next_where("highlighted comment", |v| v["type"] == "comment")
        .await?;
    assert_eq!(on_wall["comment"]["id"], kept_id);
    assert_eq!(on_wall["comment"]["highlighted"], true);
    assert_eq!(on_wall["comment"]["text"], kept);

    // Highlight then hide the other: it vanishes from phone and wall.
    console
        .send(json!({"type": "highlight", "comment_id": gone_id, "on": true}))
        .await?;
    wall.next_where("second on wall", |v| {
        v["type"] == "comment" && v["comment"]["id"] == gone_id
    })
    .await?;
    console
        .send(json!({"type": "hide", "comment_id": gone_id, "on": true, "reason": "off topic", "ref": "x"}))
        .await?;
    let removed = wall
        .next_where("removal on wall", |v| v["type"] == "comment_removed")
        .await?;
    assert_eq!(removed["id"], gone_id);
    let removed = phone1
        .next_where("removal on phone", |v| v["type"] == "comment_removed")
        .await?;
    assert_eq!(removed["id"], gone_id);
    let hidden = console
        .next_where("hidden on console", |v| {
            v["type"] == "comment" && v["change"] == "hidden"
        })
        .await?;
    assert_eq!(
        hidden["comment"]["hidden"], true,
        "the console still sees hidden comments"
    );

    // A point made aloud, typed in by a facilitator at table 2.
    let table2 = Fixture::table_id(&snap, 1);
    console
        .send(json!({"type": "post", "client_id": cid("aloud"), "text": "Said aloud: GP waits are three weeks", "table_id": table2}))
        .await?;
    let aloud = phone2
        .next_where("transcribed point", |v| v["type"] == "comment")
        .await?;
    assert_eq!(aloud["comment"]["source"], "facilitator");
    assert_eq!(aloud["comment"]["table_number"], 2);

    // Table 2's phone never saw table 1's comments: its first comment message was the aloud one.
    assert_ne!(aloud["comment"]["id"], kept_id);

    // Rounds: close, posting refused with a clear message, open round 2.
    console
        .send(json!({"type": "close_round", "ref": "c"}))
        .await?;
    let closed = phone1
        .next_where("round closed", |v| v["type"] == "round")
        .await?;
    assert_eq!(closed["change"], "closed");
    phone1
        .send(json!({"type": "post", "client_id": cid("late"), "text": "too late", "ref": "late"}))
        .await?;
    let err = phone1.next_where("error", |v| v["type"] == "error").await?;
    assert_eq!(err["code"], "round_closed");
    assert_eq!(err["ref"], "late");
    assert!(
        err["message"]
            .as_str()
            .unwrap_or_default()
            .contains("No round is open")
    );
    let round2 = snap["state"]["rounds"][1]["id"]
        .as_i64()
        .unwrap_or_default();
    console
        .send(json!({"type": "open_round", "round_id": round2}))
        .await?;
    let opened = phone2
        .next_where("round 2 opened", |v| {
            v["type"] == "round" && v["change"] == "opened"
        })
        .await?;
    assert_eq!(opened["round"]["number"], 2);
    assert_eq!(opened["round"]["kind"], "theme");
    let r2_id = phone1.post(&cid("r2"), "Round two thought").await?;
    assert!(r2_id > gone_id);

    // The report has the kept comment, not the hidden one, and the round-2 one.
    let report = roundtable_tests::client()
        .get(f.links["report_url"].as_str().unwrap_or_default())
        .send()
        .await?;
    assert_eq!(report.status(), 200);
    let csp = report
        .headers()
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        !csp.contains("script-src"),
        "no scripts in the report: {csp}"
    );
    let html = report.text().await?;
    assert!(html.contains(kept), "report has the highlighted comment");
    assert!(html.contains("Round two thought"));
    assert!(html.contains("GP waits are three weeks"));
    assert!(
        !html.contains(gone),
        "hidden comments are left out of the report"
    );
    assert!(
        !html.contains("<script"),
        "the report is self-contained and has no script"
    );

    // Restore brings it back to the phone.
    console
        .send(json!({"type": "hide", "comment_id": gone_id, "on": false}))
        .await?;
    let back = phone1
        .next_where("restored", |v| {
            v["type"] == "comment" && v["comment"]["id"] == gone_id
        })
        .await?;
    assert_eq!(back["change"], "restored");
    assert_eq!(back["comment"]["text"], gone);
    Ok(())
}

#[tokio::test]
async fn same_client_id_is_stored_once() -> anyhow::Result<()> {
    let f = Fixture::new().await?;
    let (mut console, snap) = f.console().await?;
    let start = snap["seq"].as_i64().unwrap_or_default();
    let (mut phone, _) = f.phone(0).await?;
    let id = cid("dup");
    let a = phone.post(&id, "Save the recycling centre").await?;
    let b = phone.post(&id, "Save the recycling centre").await?;
    assert_eq!(a, b, "a retried post answers the same comment id");
    // Over plain HTTP too, with the same id from another connection.
    let form = [
        ("text", "Save the recycling centre"),
        ("client_id", id.as_str()),
    ];
    let res = roundtable_tests::client()
        .post(f.server.url(&f.table_path(0)))
        .form(&form)
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    // Exactly one change reached the console, then the next change has the next number.
    let first = console
        .next_where("post", |v| v["type"] == "comment")
        .await?;
    assert_eq!(first["seq"], start + 1);
    let other = phone.post(&cid("next"), "Another point").await?;
    let second = console
        .next_where("post", |v| v["type"] == "comment")
        .await?;
    assert_eq!(second["comment"]["id"], other);
    assert_eq!(
        second["seq"],
        start + 2,
        "no duplicate was broadcast in between"
    );
    let (_, snap) = f.console().await?;
    assert_eq!(snap["state"]["comments"].as_array().map(Vec::len), Some(2));
    Ok(())
}

#[tokio::test]
async fn everything_survives_a_restart() -> anyhow::Result<()> {
    let f = Fixture::new().await?;
    let console_path = f.console_path();
    let table = f.table_path(0);
    let (mut phone, _) = f.phone(0).await?;
    let a = phone.post(&cid("r"), "Before the restart").await?;
    let (mut console, _) = f.console().await?;
    console
        .send(json!({"type": "highlight", "comment_id": a, "on": true, "ref": "h"}))
        .await?;
    console.next_where("ack", |v| v["type"] == "ack").await?;
    let (_, before) = f.console().await?;
    let seq_before = before["seq"].as_i64().unwrap_or_default();
    drop(phone);
    drop(console);

    let server = f.server.restart().await?;
    let mut console = server.ws(&format!("{console_path}/ws")).await?;
    let snap = console.next().await?;
    assert_eq!(snap["seq"], seq_before, "sequence numbers are stored");
    let comments = snap["state"]["comments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0]["text"], "Before the restart");
    assert_eq!(comments[0]["highlighted"], true);
    let mut phone = server.ws(&format!("{table}/ws")).await?;
    phone.next().await?;
    phone.post(&cid("r"), "After the restart").await?;
    let next = console
        .next_where("post", |v| v["type"] == "comment")
        .await?;
    assert_eq!(
        next["seq"],
        seq_before + 1,
        "numbering continues without reuse"
    );
    Ok(())
}
