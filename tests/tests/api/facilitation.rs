//! Running the room: the run of show and rounds, announcements, presence, curation on every
//! role's socket, pre-moderation, balance figures, table facilitators, concurrent actions and
//! the activity log. All through real sockets against the real server.

use std::time::Duration;

use anyhow::Result;
use roundtable_tests::{Ws, client};
use serde_json::{Value, json};

use crate::{Fixture, cid};

/// Sends a console command and waits for its ack (or fails with the error).
async fn act(console: &mut Ws, mut cmd: Value) -> Result<()> {
    let r = cid("ref");
    cmd["ref"] = json!(r);
    console.send(cmd).await?;
    let reply = console
        .next_where("reply", |v| {
            (v["type"] == "ack" || v["type"] == "error") && v["ref"] == r.as_str()
        })
        .await?;
    anyhow::ensure!(reply["type"] == "ack", "refused: {reply}");
    Ok(())
}

/// Sends a console command and returns the error it must get.
async fn refused(console: &mut Ws, mut cmd: Value) -> Result<Value> {
    let r = cid("ref");
    cmd["ref"] = json!(r);
    console.send(cmd).await?;
    let reply = console
        .next_where("reply", |v| {
            (v["type"] == "ack" || v["type"] == "error") && v["ref"] == r.as_str()
        })
        .await?;
    anyhow::ensure!(reply["type"] == "error", "expected a refusal: {reply}");
    Ok(reply)
}

/// The next `comment` message about `id` (skipping others).
async fn comment_update(ws: &mut Ws, id: i64, change: &str) -> Result<Value> {
    ws.next_where(&format!("{change} of #{id}"), |v| {
        v["type"] == "comment" && v["comment"]["id"] == id && v["change"] == change
    })
    .await
}

fn item_id(snap: &Value, kind: &str, nth: usize) -> i64 {
    snap["state"]["agenda"]["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter(|i| i["kind"] == kind)
                .nth(nth)
                .and_then(|i| i["id"].as_i64())
                .unwrap_or_default()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn the_run_of_show_drives_rounds_and_the_countdown_on_every_phone() -> Result<()> {
    let f = Fixture::new().await?;
    let (mut console, snap) = f.console().await?;
    let (mut p1, psnap) = f.phone(0).await?;
    let (mut p2, _) = f.phone(1).await?;
    // A default run of show: both rounds, pledges, close.
    let kinds: Vec<&str> = snap["state"]["agenda"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["round", "round", "pledges", "close"]);
    assert!(psnap["state"]["now"].as_i64().unwrap() > 0, "server clock");

    // Starting the round-2 item opens round 2 everywhere, with a countdown end.
    let round2 = item_id(&snap, "round", 1);
    act(
        &mut console,
        json!({"type": "agenda_start", "item_id": round2}),
    )
    .await?;
    for phone in [&mut p1, &mut p2] {
        let opened = phone
            .next_where("round 2 opened", |v| {
                v["type"] == "round" && v["change"] == "opened"
            })
            .await?;
        assert_eq!(opened["round"]["number"], 2);
        let started = phone
            .next_where("agenda", |v| v["type"] == "agenda")
            .await?;
        let cur = &started["agenda"]["current"];
        assert_eq!(cur["item_id"], round2);
        let now = started["now"].as_i64().unwrap();
        let ends = cur["ends_at"].as_i64().unwrap();
        assert!(
            (ends - now - 20 * 60_000).abs() < 5_000,
            "20 minutes from the server's now: {started}"
        );
    }
    // Words written for round 1 are refused clearly, not filed under round 2.
    p1.send(json!({"type": "post", "client_id": cid("old"), "text": "for round one", "round": 1}))
        .await?;
    let err = p1.next_where("refusal", |v| v["type"] == "error").await?;
    assert_eq!(err["code"], "round_closed");
    assert!(err["message"].as_str().unwrap().contains("closed"));

    // Another minute, then ending the item closes its round: posting is refused.
    act(
        &mut console,
        json!({"type": "agenda_extend", "seconds": 60}),
    )
    .await?;
    let ext = p2
        .next_where("extended", |v| {
            v["type"] == "agenda" && v["change"] == "extended"
        })
        .await?;
    assert!(ext["agenda"]["current"]["ends_at"].as_i64().unwrap() > 0);
    act(&mut console, json!({"type": "agenda_end"})).await?;
    p2.next_where("round closed", |v| {
        v["type"] == "round" && v["change"] == "closed"
    })
    .await?;
    p2.send(json!({"type": "post", "client_id": cid("late"), "text": "too late"}))
        .await?;
    let err = p2.next_where("refusal", |v| v["type"] == "error").await?;
    assert_eq!(err["code"], "round_closed");
    // Out-of-range changes are refused with a sentence.
    let e = refused(
        &mut console,
        json!({"type": "agenda_extend", "seconds": 100_000}),
    )
    .await?;
    assert_eq!(e["code"], "bad_request");
    Ok(())
}

#[tokio::test]
async fn announcements_reach_phones_and_the_wall_only_when_asked_and_survive_a_restart()
-> Result<()> {
    let f = Fixture::new().await?;
    let (mut console, snap) = f.console().await?;
    let (mut phone, _) = f.phone(0).await?;
    let (mut wall, _) = f.wall().await?;
    let text = "Five minutes left - pick your next table";
    act(
        &mut console,
        json!({"type": "announce", "text": text, "wall": false}),
    )
    .await?;
    let a = phone
        .next_where("announcement", |v| v["type"] == "announcement")
        .await?;
    assert_eq!(a["announcement"]["text"], text);
    let w = wall
        .next_where("announcement", |v| v["type"] == "announcement")
        .await?;
    assert!(w["announcement"].is_null(), "not meant for the wall: {w}");
    act(
        &mut console,
        json!({"type": "announce", "text": "Pledges next", "wall": true}),
    )
    .await?;
    let w = wall
        .next_where("announcement", |v| v["type"] == "announcement")
        .await?;
    assert_eq!(w["announcement"]["text"], "Pledges next");
    let long = "x".repeat(201);
    let e = refused(
        &mut console,
        json!({"type": "announce", "text": long, "wall": true}),
    )
    .await?;
    assert_eq!(e["code"], "too_long");
    let pledges = item_id(&snap, "pledges", 0);
    act(
        &mut console,
        json!({"type": "agenda_start", "item_id": pledges}),
    )
    .await?;

    // After a restart the announcement and the running item are still there.
    drop((console, phone, wall));
    let table = f.table_path(0);
    let server = f.server.restart().await?;
    let mut phone = server.ws(&format!("{table}/ws")).await?;
    let snap = phone.next().await?;
    assert_eq!(snap["state"]["announcement"]["text"], "Pledges next");
    assert_eq!(snap["state"]["agenda"]["current"]["item_id"], pledges);
    let html = client()
        .get(server.url(&table))
        .send()
        .await?
        .text()
        .await?;
    assert!(html.contains("Pledges next"), "the page shows it too");
    Ok(())
}

#[tokio::test]
async fn presence_follows_an_attendee_who_moves_table() -> Result<()> {
    let f = Fixture::new().await?;
    let (mut console, snap) = f.console().await?;
    let t1 = Fixture::table_id(&snap, 0);
    let t2 = Fixture::table_id(&snap, 1);
    let device = "movingphone000000000000001";
    let phone =
        Ws::connect_as(&f.server.ws_url(&format!("{}/ws", f.table_path(0))), device).await?;
    let p = console
        .next_where("one at table 1", |v| {
            v["type"] == "presence" && v["tables"][t1.to_string()] == 1
        })
        .await?;
    assert!(p["tables"][t2.to_string()].is_null());
    // A second tab on the same phone is still one person.
    let tab = Ws::connect_as(&f.server.ws_url(&format!("{}/ws", f.table_path(0))), device).await?;
    phone.close().await;
    tab.close().await;
    let mut moved =
        Ws::connect_as(&f.server.ws_url(&format!("{}/ws", f.table_path(1))), device).await?;
    let p = console
        .next_where("moved to table 2", |v| {
            v["type"] == "presence"
                && v["tables"][t2.to_string()] == 1
                && v["tables"][t1.to_string()].is_null()
        })
        .await?;
    assert_eq!(p["tables"].as_object().unwrap().len(), 1);
    // The console's overview says the same.
    console
        .next_where("overview", |v| {
            v["type"] == "overview"
                && v["tables"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|t| t["table_id"] == t2 && t["present"] == 1))
        })
        .await?;
    // The moved phone's snapshot counts itself; its earlier words stay at table 1.
    let s = moved.next().await?;
    assert_eq!(s["type"], "snapshot");
    // The room page lists every table with a way to move.
    let html = client()
        .get(f.server.url(&format!("{}/room", f.table_path(0))))
        .send()
        .await?
        .text()
        .await?;
    assert!(html.contains(&f.table_path(1)), "move link to table 2");
    Ok(())
}

#[tokio::test]
async fn curation_reaches_each_role_as_it_should() -> Result<()> {
    let f = Fixture::new().await?;
    let (mut console, _) = f.console().await?;
    let (mut wall, _) = f.wall().await?;
    let (mut p1, _) = f.phone(0).await?;
    let (mut other_table, _) = f.phone(1).await?;
    // A second phone at table 1, read only at the end: what did a phone get in all?
    let (mut watcher, _) = f.phone(0).await?;
    let a = p1.post(&cid("a"), "We need a bus on Sundays").await?;
    let b = p1.post(&cid("b"), "Sunday buses please!!").await?;

    // Tag and star: consoles see them; phones get the comment without moderation details.
    act(
        &mut console,
        json!({"type": "tag", "comment_id": a, "label": "policy proposal", "on": true}),
    )
    .await?;
    let c = comment_update(&mut console, a, "tagged").await?;
    assert_eq!(c["comment"]["tags"], json!(["policy proposal"]));
    let e = refused(
        &mut console,
        json!({"type": "tag", "comment_id": a, "label": "made up", "on": true}),
    )
    .await?;
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("not one of this event's tags")
    );
    act(
        &mut console,
        json!({"type": "star", "comment_id": a, "on": true}),
    )
    .await?;
    let c = comment_update(&mut console, a, "starred").await?;
    assert_eq!(c["comment"]["starred"], true);

    // A typo fix: phones see the corrected text, consoles also the original.
    act(
        &mut console,
        json!({"type": "edit", "comment_id": a, "text": "We need a bus on Sundays."}),
    )
    .await?;
    let c = comment_update(&mut console, a, "edited").await?;
    assert_eq!(c["comment"]["original"], "We need a bus on Sundays");
    assert_eq!(c["comment"]["edited"], true);
    let p = comment_update(&mut p1, a, "edited").await?;
    assert_eq!(p["comment"]["text"], "We need a bus on Sundays.");
    assert!(p["comment"].get("original").is_none());

    // On the wall, then merge the duplicate into it: agreement adds up, one shown.
    p1.send(json!({"type": "agree", "comment_id": b})).await?;
    comment_update(&mut p1, b, "agreed").await?;
    act(
        &mut console,
        json!({"type": "highlight", "comment_id": a, "on": true}),
    )
    .await?;
    let w = comment_update(&mut wall, a, "highlighted").await?;
    assert_eq!(w["comment"]["text"], "We need a bus on Sundays.");
    act(
        &mut console,
        json!({"type": "merge", "comment_id": b, "into": a}),
    )
    .await?;
    let gone = p1
        .next_where("duplicate removed", |v| {
            v["type"] == "comment_removed" && v["id"] == b
        })
        .await?;
    assert_eq!(gone["id"], b);
    let kept = comment_update(&mut p1, a, "merged").await?;
    assert_eq!(kept["comment"]["agrees"], 1);
    assert_eq!(kept["comment"]["merged_count"], 1);
    let c = comment_update(&mut console, b, "merged").await?;
    assert_eq!(c["comment"]["merged_into"], a);
    assert_eq!(
        c["comment"]["text"], "Sunday buses please!!",
        "original kept"
    );
    // A merged duplicate can't go on the wall on its own.
    let e = refused(
        &mut console,
        json!({"type": "highlight", "comment_id": b, "on": true}),
    )
    .await?;
    assert!(e["message"].as_str().unwrap().contains("merged into"));

    // Hide with a reason: gone from phones and the wall; the console keeps it and why.
    act(
        &mut console,
        json!({"type": "hide", "comment_id": a, "on": true, "reason": "Off-topic"}),
    )
    .await?;
    let c = comment_update(&mut console, a, "hidden").await?;
    assert_eq!(c["comment"]["hidden_reason"], "Off-topic");
    p1.next_where("removed", |v| {
        v["type"] == "comment_removed" && v["id"] == a
    })
    .await?;
    wall.next_where("removed", |v| {
        v["type"] == "comment_removed" && v["id"] == a
    })
    .await?;
    act(
        &mut console,
        json!({"type": "hide", "comment_id": a, "on": false}),
    )
    .await?;
    let back = comment_update(&mut p1, a, "restored").await?;
    assert_eq!(back["comment"]["text"], "We need a bus on Sundays.");
    act(&mut console, json!({"type": "unmerge", "comment_id": b})).await?;
    let back = comment_update(&mut p1, b, "unmerged").await?;
    assert_eq!(back["comment"]["text"], "Sunday buses please!!");

    // Nothing of table 1 ever reached table 2's phone.
    let mark = other_table.post(&cid("t2"), "table two").await?;
    assert!(mark > 0);
    let mut seen = Vec::new();
    while let Ok(Ok(v)) = tokio::time::timeout(Duration::from_millis(200), other_table.next()).await
    {
        seen.push(v);
    }
    for v in &seen {
        if v["type"] == "comment" {
            assert_eq!(v["comment"]["table_number"], 2, "{v}");
        }
    }

    // The watching phone got the comments' public state only, and no tag or star news.
    let mut got = Vec::new();
    while let Ok(Ok(v)) = tokio::time::timeout(Duration::from_millis(300), watcher.next()).await {
        got.push(v);
    }
    assert!(
        got.iter().any(|v| v["type"] == "comment"),
        "it heard the table"
    );
    for v in &got {
        assert!(
            !matches!(
                v["change"].as_str(),
                Some("tagged" | "starred" | "unstarred")
            ),
            "{v}"
        );
        for field in [
            "tags",
            "starred",
            "original",
            "hidden_reason",
            "merged_into",
        ] {
            assert!(
                v["comment"].get(field).is_none(),
                "{field} reached a phone: {v}"
            );
        }
    }
    // A merge into a hidden comment is refused.
    act(
        &mut console,
        json!({"type": "hide", "comment_id": b, "on": true, "reason": "Duplicate"}),
    )
    .await?;
    let e = refused(
        &mut console,
        json!({"type": "merge", "comment_id": a, "into": b}),
    )
    .await?;
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("restore or approve")
    );

    // The activity log names each action.
    let html = client()
        .get(f.server.url(&format!("{}/activity", f.console_path())))
        .send()
        .await?
        .text()
        .await?;
    for action in [
        "tagged",
        "starred for the report",
        "corrected the text",
        "put on the wall",
        &format!("merged into #{a}"),
        "hid (Off-topic)",
        "restored",
        "unmerged",
    ] {
        assert!(html.contains(action), "activity log lacks {action:?}");
    }
    assert!(!html.contains("Sunday buses"), "never the comment's text");
    Ok(())
}

#[tokio::test]
async fn replies_are_one_level_deep_and_stay_at_their_table() -> Result<()> {
    let f = Fixture::new().await?;
    let (mut console, _) = f.console().await?;
    let (mut p1, _) = f.phone(0).await?;
    let (mut p2, _) = f.phone(0).await?;
    let (mut far, _) = f.phone(1).await?;
    let a = p1.post(&cid("a"), "The library should open later").await?;
    let r = cid("r");
    p2.send(json!({"type": "post", "client_id": r, "text": "Yes, until 8pm", "reply_to": a}))
        .await?;
    let reply = p1
        .next_where("reply", |v| {
            v["type"] == "comment" && v["comment"]["reply_to"] == a
        })
        .await?;
    let reply_id = reply["comment"]["id"].as_i64().unwrap();
    let c = comment_update(&mut console, reply_id, "posted").await?;
    assert_eq!(c["comment"]["reply_to"], a);
    // A reply to the reply answers the first comment.
    p1.send(
        json!({"type": "post", "client_id": cid("rr"), "text": "Agreed", "reply_to": reply_id}),
    )
    .await?;
    let rr = p2
        .next_where("reply 2", |v| {
            v["type"] == "comment" && v["comment"]["text"] == "Agreed"
        })
        .await?;
    assert_eq!(rr["comment"]["reply_to"], a);
    // Replying from another table is refused with a sentence.
    far.send(json!({"type": "post", "client_id": cid("x"), "text": "hi", "reply_to": a}))
        .await?;
    let e = far.next_where("refusal", |v| v["type"] == "error").await?;
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("no longer shown at this table")
    );
    Ok(())
}

const PRE_EVENT: &str = r#"
title = "Pre-moderated evening"
place = "Hall"
date = "2026-12-05"
moderation = "pre"
labels = ["idea", "question"]
[[round]]
prompt = "What matters?"
[[table]]
number = 1
theme = "Housing"
"#;

#[tokio::test]
async fn pre_moderation_holds_a_comment_until_a_facilitator_approves_it() -> Result<()> {
    let f = Fixture::new().await?;
    let links = f.server.create_event(PRE_EVENT).await?;
    let table = roundtable_tests::path_of(links["tables"][0]["join_url"].as_str().unwrap());
    let console_path = roundtable_tests::path_of(links["console_url"].as_str().unwrap());
    let mut console = f.server.ws(&format!("{console_path}/ws")).await?;
    let snap = console.next().await?;
    assert_eq!(snap["state"]["moderation"], "pre");
    assert_eq!(snap["state"]["labels"], json!(["idea", "question"]));
    let mut writer = f.server.ws(&format!("{table}/ws")).await?;
    writer.next().await?;
    let mut neighbour = f.server.ws(&format!("{table}/ws")).await?;
    neighbour.next().await?;

    let id = writer.post(&cid("w"), "Rents are too high").await?;
    let mine = comment_update(&mut writer, id, "posted").await?;
    assert_eq!(
        mine["comment"]["approved"], false,
        "the writer sees it waiting"
    );
    let c = comment_update(&mut console, id, "posted").await?;
    assert_eq!(c["comment"]["approved"], false);
    console
        .next_where("pending in the overview", |v| {
            v["type"] == "overview" && v["tables"][0]["pending"] == 1
        })
        .await?;
    let e = refused(
        &mut console,
        json!({"type": "highlight", "comment_id": id, "on": true}),
    )
    .await?;
    assert!(e["message"].as_str().unwrap().contains("approve"));
    // The neighbour's page (no JS) doesn't show it either.
    let html = client()
        .get(f.server.url(&table))
        .send()
        .await?
        .text()
        .await?;
    assert!(!html.contains("Rents are too high"));

    // Two phones without cookies behind one address don't see each other's waiting words.
    let anon_url = f.server.ws_url(&format!("{table}/ws"));
    let mut anon1 = Ws::connect_without_cookie(&anon_url).await?;
    anon1.next().await?;
    let secret = "my pending opinion, not for others yet";
    let anon_id = anon1.post(&cid("anon"), secret).await?;
    let mut anon2 = Ws::connect_without_cookie(&anon_url).await?;
    let snap2 = anon2.next().await?;
    assert!(!snap2.to_string().contains(secret), "{snap2}");
    // Turned down: the writer's phone drops it; the overview stops counting it as waiting.
    act(
        &mut console,
        json!({"type": "hide", "comment_id": anon_id, "on": true, "reason": "Off-topic"}),
    )
    .await?;
    anon1
        .next_where("the writer's copy removed", |v| {
            v["type"] == "comment_removed" && v["id"] == anon_id
        })
        .await?;
    console
        .next_where("one waiting again", |v| {
            v["type"] == "overview" && v["tables"][0]["pending"] == 1
        })
        .await?;

    act(&mut console, json!({"type": "approve", "comment_id": id})).await?;
    let first = neighbour
        .next_where("first comment message", |v| v["type"] == "comment")
        .await?;
    assert_eq!(first["comment"]["id"], id);
    assert_eq!(
        first["change"], "approved",
        "nothing reached it before approval"
    );
    assert_eq!(first["comment"]["approved"], true);
    Ok(())
}

#[tokio::test]
async fn balance_figures_are_right_for_a_scripted_table() -> Result<()> {
    let f = Fixture::unthrottled().await?;
    let (mut console, snap) = f.console().await?;
    let t1 = Fixture::table_id(&snap, 0);
    let t2 = Fixture::table_id(&snap, 1);
    let (mut a, _) = f.phone(0).await?;
    let (mut b, _) = f.phone(0).await?;
    let (mut c, _) = f.phone(0).await?;
    for i in 0..4 {
        a.post(&cid("a"), &format!("A says {i}")).await?;
    }
    for i in 0..2 {
        b.post(&cid("b"), &format!("B says {i}")).await?;
    }
    c.post(&cid("c"), "C says").await?;
    // A spoken point typed by a facilitator is not an attendee's contribution.
    act(
        &mut console,
        json!({"type": "post", "client_id": cid("f"), "text": "Said aloud", "table_id": t1, "attributed": true}),
    )
    .await?;
    let spoken = console
        .next_where("spoken point", |v| {
            v["type"] == "comment" && v["comment"]["source"] == "facilitator"
        })
        .await?;
    assert_eq!(spoken["comment"]["name"], "Someone at the table");
    let o = console
        .next_where("overview with 7 comments", |v| {
            v["type"] == "overview"
                && v["tables"]
                    .as_array()
                    .is_some_and(|t| t.iter().any(|t| t["table_id"] == t1 && t["comments"] == 7))
        })
        .await?;
    let tables = o["tables"].as_array().unwrap();
    let row = tables.iter().find(|t| t["table_id"] == t1).unwrap();
    assert_eq!(row["contributors"], 3);
    let share = row["top_two_share"].as_f64().unwrap();
    assert!(
        (share - 6.0 / 7.0).abs() < 1e-9,
        "two devices wrote 6 of 7: {share}"
    );
    assert_eq!(row["present"], 3);
    assert!(row["last_post_at"].as_i64().unwrap() > 0);
    let quiet = tables.iter().find(|t| t["table_id"] == t2).unwrap();
    assert_eq!(quiet["comments"], 0);
    assert!(quiet["top_two_share"].is_null());
    assert!(quiet["last_post_at"].is_null());
    Ok(())
}

#[tokio::test]
async fn a_table_facilitator_acts_on_their_own_table_only() -> Result<()> {
    let f = Fixture::new().await?;
    let (mut p1, _) = f.phone(0).await?;
    let (mut p2, _) = f.phone(1).await?;
    let at1 = p1.post(&cid("a"), "table one words").await?;
    let at2 = p2.post(&cid("b"), "table two words").await?;
    let link = roundtable_tests::path_of(f.links["tables"][1]["console_url"].as_str().unwrap());
    let mut t2 = f.server.ws(&format!("{link}/ws?name=Bob")).await?;
    let snap = t2.next().await?;
    assert_eq!(
        snap["state"]["scope"]["table_id"],
        Fixture::table_id(&snap, 1)
    );
    let ids: Vec<i64> = snap["state"]["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![at2], "only their table");
    let e = refused(
        &mut t2,
        json!({"type": "hide", "comment_id": at1, "on": true}),
    )
    .await?;
    assert_eq!(e["code"], "forbidden");
    let e = refused(&mut t2, json!({"type": "agenda_end"})).await?;
    assert_eq!(e["code"], "forbidden");
    assert!(e["message"].as_str().unwrap().contains("lead facilitator"));
    act(
        &mut t2,
        json!({"type": "highlight", "comment_id": at2, "on": true}),
    )
    .await?;
    let html = client()
        .get(f.server.url(&format!("{link}/activity")))
        .send()
        .await?
        .text()
        .await?;
    assert!(html.contains("Table 2 facilitator (Bob)"), "{html}");
    assert!(html.contains("put on the wall"));
    // The cards and the report need the lead's link.
    assert_eq!(
        client()
            .get(f.server.url(&format!("{link}/report")))
            .send()
            .await?
            .status(),
        404
    );
    Ok(())
}

#[tokio::test]
async fn concurrent_actions_on_one_comment_converge_and_are_all_logged() -> Result<()> {
    let f = Fixture::new().await?;
    let (mut p1, _) = f.phone(0).await?;
    let id = p1.post(&cid("a"), "contested words").await?;
    let lead_path = format!("{}/ws?name=Ann", f.console_path());
    let link = roundtable_tests::path_of(f.links["tables"][0]["console_url"].as_str().unwrap());
    let table_path = format!("{link}/ws?name=Bob");
    let (lead, table) = tokio::join!(f.server.ws(&lead_path), f.server.ws(&table_path));
    let (mut lead, mut table) = (lead?, table?);
    lead.next().await?;
    table.next().await?;
    // Both act at once, in opposite directions, several times.
    const ROUNDS: usize = 10;
    for i in 0..ROUNDS {
        let on = i % 2 == 0;
        let (x, y) = tokio::join!(
            lead.send(json!({"type": "hide", "comment_id": id, "on": on, "ref": format!("l{i}")})),
            table
                .send(json!({"type": "hide", "comment_id": id, "on": !on, "ref": format!("t{i}")}))
        );
        x?;
        y?;
        let (x, y) = tokio::join!(
            lead.send(
                json!({"type": "highlight", "comment_id": id, "on": !on, "ref": format!("lh{i}")})
            ),
            table.send(
                json!({"type": "highlight", "comment_id": id, "on": on, "ref": format!("th{i}")})
            )
        );
        x?;
        y?;
    }
    // Each screen's last word on the comment, read until its own last ack and a little after.
    let mut finals = Vec::new();
    for (ws, who) in [(&mut lead, "lh"), (&mut table, "th")] {
        let last_ref = format!("{who}{}", ROUNDS - 1);
        let mut last = None;
        let deadline = tokio::time::Instant::now() + roundtable_tests::DEADLINE;
        let mut acked = false;
        loop {
            let wait = if acked {
                Duration::from_millis(500)
            } else {
                deadline.saturating_duration_since(tokio::time::Instant::now())
            };
            match tokio::time::timeout(wait, ws.next()).await {
                Ok(Ok(v)) => {
                    if v["type"] == "comment" && v["comment"]["id"] == id {
                        last = Some(v["comment"].clone());
                    }
                    if v["type"] == "ack" && v["ref"] == last_ref.as_str() {
                        acked = true;
                    }
                }
                _ if acked => break,
                _ => anyhow::bail!("never saw the last ack"),
            }
        }
        finals.push(last.expect("the screen saw the comment change"));
    }
    // Every screen ends with the stored state.
    let (_, snap) = f.console().await?;
    let stored = snap["state"]["comments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
        .unwrap();
    for last in &finals {
        assert_eq!(last["hidden"], stored["hidden"]);
        assert_eq!(last["highlighted"], stored["highlighted"]);
    }
    // Both facilitators' actions are in the log, each one.
    let html = client()
        .get(f.server.url(&format!("{}/activity", f.console_path())))
        .send()
        .await?
        .text()
        .await?;
    let ann = html.matches("Lead facilitator (Ann)").count();
    let bob = html.matches("Table 1 facilitator (Bob)").count();
    assert_eq!(ann, 2 * ROUNDS, "every action of Ann");
    assert_eq!(bob, 2 * ROUNDS, "every action of Bob");
    Ok(())
}

#[tokio::test]
async fn organisers_edit_moderation_tags_and_the_run_of_show_with_clear_errors() -> Result<()> {
    let f = Fixture::new().await?;
    let http = f.organiser("lead@example.org", "Lee").await?;
    let (mut console, snap) = f.console().await?;
    let event_id = snap["state"]["event"]["id"].as_i64().unwrap();
    let settings = format!("/organiser/events/{event_id}/settings");
    let page = http.get(f.server.url(&settings)).send().await?;
    assert_eq!(page.status(), 200);
    let round1 = snap["state"]["rounds"][0]["id"].as_i64().unwrap();
    let round_kind = format!("round:{round1}");

    // A bad time limit is explained on the form; nothing changes.
    let bad = [
        ("moderation", "pre"),
        ("labels", "idea\nstory"),
        ("agenda_kind_0", "talk"),
        ("agenda_title_0", "Welcome"),
        ("agenda_speaker_0", "Cllr Ada Jones"),
        ("agenda_minutes_0", "five"),
    ];
    let res = http.post(f.server.url(&settings)).form(&bad).send().await?;
    assert_eq!(res.status(), 422);
    assert!(res.text().await?.contains("whole number of minutes"));

    // Round 1 is running (20 minutes) when the organiser shortens it to 15.
    let running = item_id(&snap, "round", 0);
    act(
        &mut console,
        json!({"type": "agenda_start", "item_id": running}),
    )
    .await?;
    let running_id = running.to_string();
    let good = [
        ("moderation", "pre"),
        ("labels", "idea\nstory"),
        ("agenda_kind_0", "talk"),
        ("agenda_title_0", "Welcome"),
        ("agenda_speaker_0", "Cllr Ada Jones"),
        ("agenda_minutes_0", "3"),
        ("agenda_id_1", running_id.as_str()),
        ("agenda_kind_1", round_kind.as_str()),
        ("agenda_minutes_1", "15"),
        ("agenda_kind_2", ""),
    ];
    let res = http
        .post(f.server.url(&settings))
        .form(&good)
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    let changed = console
        .next_where("agenda changed", |v| {
            v["type"] == "agenda" && v["change"] == "changed"
        })
        .await?;
    let items = changed["agenda"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["speaker"], "Cllr Ada Jones");
    assert_eq!(items[1]["round_id"], round1);
    assert_eq!(items[1]["minutes"], 15);
    let cur = &changed["agenda"]["current"];
    assert_eq!(cur["item_id"], running, "still running");
    assert_eq!(
        cur["ends_at"].as_i64().unwrap() - cur["started_at"].as_i64().unwrap(),
        15 * 60_000,
        "the countdown follows the new limit"
    );
    let ev = console
        .next_where("settings", |v| {
            v["type"] == "event" && v["change"] == "settings"
        })
        .await?;
    assert_eq!(ev["moderation"], "pre");
    assert_eq!(
        ev["labels"],
        json!(["idea", "story"]),
        "open consoles get the new tags"
    );
    // Removing the running round from the run of show ends it and closes its round.
    let welcome_id = items[0]["id"].to_string();
    let without = [
        ("moderation", "pre"),
        ("labels", "idea\nstory"),
        ("agenda_kind_0", "talk"),
        ("agenda_title_0", "Welcome"),
        ("agenda_minutes_0", "3"),
        ("agenda_id_0", welcome_id.as_str()),
    ];
    let res = http
        .post(f.server.url(&settings))
        .form(&without)
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    console
        .next_where("round closed", |v| {
            v["type"] == "round" && v["change"] == "closed" && v["round"]["id"] == round1
        })
        .await?;
    let changed = console
        .next_where("agenda changed", |v| {
            v["type"] == "agenda" && v["change"] == "changed"
        })
        .await?;
    assert!(changed["agenda"]["current"].is_null());
    assert_eq!(changed["agenda"]["items"].as_array().unwrap().len(), 1);
    // The console's next snapshot has the new tags; the settings survive a restart.
    let console_path = f.console_path();
    let server = f.server.restart().await?;
    let mut c = server.ws(&format!("{console_path}/ws")).await?;
    let s = c.next().await?;
    assert_eq!(s["state"]["labels"], json!(["idea", "story"]));
    assert_eq!(s["state"]["moderation"], "pre");
    assert_eq!(s["state"]["agenda"]["items"][0]["minutes"], 3);
    assert_eq!(s["state"]["agenda"]["items"][0]["title"], "Welcome");
    Ok(())
}

#[tokio::test]
async fn one_device_agrees_once_with_a_comment_and_its_merged_duplicates() -> Result<()> {
    let f = Fixture::new().await?;
    let (mut console, _) = f.console().await?;
    let (mut writer, _) = f.phone(0).await?;
    let (mut voter, _) = f.phone(0).await?;
    let (mut other, _) = f.phone(0).await?;
    let a = writer.post(&cid("a"), "More benches in the park").await?;
    let b = writer.post(&cid("b"), "Benches please").await?;
    voter
        .send(json!({"type": "agree", "comment_id": b}))
        .await?;
    comment_update(&mut voter, b, "agreed").await?;
    other
        .send(json!({"type": "agree", "comment_id": a}))
        .await?;
    comment_update(&mut other, a, "agreed").await?;
    act(
        &mut console,
        json!({"type": "merge", "comment_id": b, "into": a}),
    )
    .await?;
    let kept = comment_update(&mut console, a, "merged").await?;
    assert_eq!(kept["comment"]["agrees"], 2, "two devices agreed");
    // The same device agreeing with the kept comment changes nothing.
    voter
        .send(json!({"type": "agree", "comment_id": a, "ref": "again"}))
        .await?;
    voter
        .next_where("ack", |v| v["type"] == "ack" && v["ref"] == "again")
        .await?;
    let (_, snap) = f.console().await?;
    let stored = snap["state"]["comments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == a)
        .cloned()
        .unwrap();
    assert_eq!(stored["agrees"], 2);
    Ok(())
}
