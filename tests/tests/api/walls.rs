//! Walls steered from the console: layouts and themes per wall, more walls with their own
//! links, each revocable on its own; settings survive a restart; nothing reaches phones.

use std::time::Duration;

use anyhow::Result;
use roundtable_tests::{client, path_of};
use serde_json::{Value, json};

use crate::{Fixture, cid};

async fn reply(ws: &mut roundtable_tests::Ws, mut cmd: Value) -> Result<Value> {
    let r = cid("ref");
    cmd["ref"] = json!(r);
    ws.send(cmd).await?;
    ws.next_where("reply", |v| {
        (v["type"] == "ack" || v["type"] == "error") && v["ref"] == r.as_str()
    })
    .await
}

#[tokio::test]
async fn the_lead_steers_each_wall_and_walls_are_added_and_revoked_one_by_one() -> Result<()> {
    let f = Fixture::new().await?;
    let (mut console, snap) = f.console().await?;
    let walls = snap["state"]["walls"].as_array().unwrap().clone();
    assert_eq!(walls.len(), 1);
    assert_eq!(walls[0]["main"], true);
    assert_eq!(walls[0]["layout"], "columns");
    assert_eq!(walls[0]["theme"], "dark");
    assert!(
        walls[0].get("token").is_none(),
        "secrets stay on the server"
    );
    let main_id = walls[0]["id"].as_i64().unwrap();
    let (mut wall, wsnap) = f.wall().await?;
    assert_eq!(wsnap["state"]["wall_id"], main_id);
    let (mut phone, psnap) = f.phone(0).await?;
    assert!(psnap["state"].get("walls").is_none());

    // Spotlight, light theme: the wall follows at once.
    let r = reply(
        &mut console,
        json!({"type": "wall_set", "wall_id": main_id, "layout": "spotlight", "theme": "light", "spotlight_seconds": 8}),
    )
    .await?;
    assert_eq!(r["type"], "ack", "{r}");
    let w = wall.next_where("walls", |v| v["type"] == "walls").await?;
    assert_eq!(w["walls"][0]["layout"], "spotlight");
    assert_eq!(w["walls"][0]["theme"], "light");
    assert_eq!(w["walls"][0]["spotlight_seconds"], 8);
    // Focus on table 2, then clear the table.
    let t2 = Fixture::table_id(&snap, 1);
    reply(
        &mut console,
        json!({"type": "wall_set", "wall_id": main_id, "layout": "focus", "table_id": t2}),
    )
    .await?;
    let w = wall
        .next_where("focus", |v| {
            v["type"] == "walls" && v["walls"][0]["layout"] == "focus"
        })
        .await?;
    assert_eq!(w["walls"][0]["table_id"], t2);
    // Bad values are refused with a sentence; nothing changes.
    for (cmd, words) in [
        (
            json!({"type": "wall_set", "wall_id": main_id, "layout": "carousel"}),
            "layout must be one of",
        ),
        (
            json!({"type": "wall_set", "wall_id": main_id, "spotlight_seconds": 2}),
            "5 to 120 seconds",
        ),
        (
            json!({"type": "wall_set", "wall_id": main_id, "follows": true}),
            "can't follow itself",
        ),
        (
            json!({"type": "wall_set", "wall_id": main_id}),
            "Say what to change",
        ),
        (
            json!({"type": "wall_set", "wall_id": 999_999, "theme": "dark"}),
            "not found",
        ),
    ] {
        let r = reply(&mut console, cmd).await?;
        assert_eq!(r["type"], "error", "{r}");
        assert!(r["message"].as_str().unwrap().contains(words), "{r}");
    }
    // A table facilitator can't steer the wall.
    let link = path_of(f.links["tables"][0]["console_url"].as_str().unwrap());
    let mut table = f.server.ws(&format!("{link}/ws")).await?;
    table.next().await?;
    let r = reply(
        &mut table,
        json!({"type": "wall_set", "wall_id": main_id, "layout": "join"}),
    )
    .await?;
    assert_eq!(r["code"], "forbidden");

    // The organiser adds a second screen: it follows the main wall and has its own link.
    let http = f.organiser("walls@example.org", "Wyn").await?;
    let event_id = snap["state"]["event"]["id"].as_i64().unwrap();
    let res = http
        .post(f.server.url(&format!("/organiser/events/{event_id}/walls")))
        .form(&[("name", "")])
        .send()
        .await?;
    assert_eq!(res.status(), 422);
    assert!(res.text().await?.contains("name is empty"));
    let res = http
        .post(f.server.url(&format!("/organiser/events/{event_id}/walls")))
        .form(&[("name", "Side screen")])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    let added = console
        .next_where("wall added", |v| {
            v["type"] == "walls" && v["change"] == "added"
        })
        .await?;
    let side = added["walls"][1].clone();
    assert_eq!(side["name"], "Side screen");
    assert_eq!(side["follows"], true);
    let side_id = side["id"].as_i64().unwrap();
    // Its link, as the event page lists it.
    let es = f.server.state.storage.event_state(event_id).await?.unwrap();
    let side_path = format!("/wall/{}", es.walls[1].token);
    let page = http
        .get(f.server.url(&format!("/organiser/events/{event_id}")))
        .send()
        .await?
        .text()
        .await?;
    assert!(
        page.contains(&side_path),
        "the event page lists the side screen"
    );
    let mut side_ws = f.server.ws(&format!("{side_path}/ws")).await?;
    let s = side_ws.next().await?;
    assert_eq!(s["state"]["wall_id"], side_id);
    // Its own layout.
    reply(
        &mut console,
        json!({"type": "wall_set", "wall_id": side_id, "follows": false, "layout": "mosaic"}),
    )
    .await?;
    side_ws
        .next_where("own layout", |v| {
            v["type"] == "walls" && v["walls"][1]["layout"] == "mosaic"
        })
        .await?;
    // Replacing the side screen's link closes it, not the main wall.
    let res = http
        .post(
            f.server
                .url(&format!("/organiser/events/{event_id}/rotate")),
        )
        .form(&[("which", format!("wall:{side_id}"))])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    let closed = side_ws.closed().await?;
    assert_eq!(closed.code, Some(1008));
    assert_eq!(
        client()
            .get(f.server.url(&side_path))
            .send()
            .await?
            .status(),
        404
    );
    phone.post(&cid("p"), "still live").await?;
    wall.next_where("main wall still open", |v| v["type"] == "presence")
        .await?;
    // Phones never heard about walls.
    let mut got = Vec::new();
    while let Ok(Ok(v)) = tokio::time::timeout(Duration::from_millis(300), phone.next()).await {
        got.push(v);
    }
    assert!(got.iter().all(|v| v["type"] != "walls"));

    // The settings survive a restart.
    drop((console, wall, table, phone));
    let console_path = f.console_path();
    let server = f.server.restart().await?;
    let mut c = server.ws(&format!("{console_path}/ws")).await?;
    let s = c.next().await?;
    assert_eq!(s["state"]["walls"][0]["layout"], "focus");
    assert_eq!(s["state"]["walls"][0]["theme"], "light");
    assert_eq!(s["state"]["walls"][1]["layout"], "mosaic");
    Ok(())
}

#[tokio::test]
async fn the_wall_counts_people_and_shown_comments() -> Result<()> {
    let f = Fixture::new().await?;
    let (mut console, _) = f.console().await?;
    let (mut wall, _) = f.wall().await?;
    let (mut phone, _) = f.phone(0).await?;
    let a = phone.post(&cid("a"), "one").await?;
    phone.post(&cid("b"), "two").await?;
    wall.next_where("two shown, one here", |v| {
        v["type"] == "presence" && v["comments"] == 2
    })
    .await?;
    reply(
        &mut console,
        json!({"type": "hide", "comment_id": a, "on": true}),
    )
    .await?;
    let p = wall
        .next_where("one shown", |v| {
            v["type"] == "presence" && v["comments"] == 1
        })
        .await?;
    let people: i64 = p["tables"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(Value::as_i64)
        .sum();
    assert_eq!(people, 1);
    Ok(())
}

#[tokio::test]
async fn an_uploaded_photo_loses_its_gps_and_reaches_the_wall_only_when_shown() -> Result<()> {
    let f = Fixture::new().await?;
    let (mut console, snap) = f.console().await?;
    let (mut wall, _) = f.wall().await?;
    let t1 = Fixture::table_id(&snap, 0);
    let http = client();
    let upload = |body: Vec<u8>, query: String| {
        let http = http.clone();
        let url = f
            .server
            .url(&format!("{}/images?{query}", f.console_path()));
        async move { http.post(url).body(body).send().await }
    };
    // Not an image, too big: refused with a sentence, nothing stored.
    let res = upload(b"GIF89a not really".to_vec(), String::new()).await?;
    assert_eq!(res.status(), 422);
    assert_eq!(res.headers()["content-type"], "text/plain; charset=utf-8");
    assert_eq!(
        res.text().await?,
        "That file is not a JPEG, PNG or WebP image.",
        "the sentence alone, for the console to show"
    );
    let res = upload(vec![0u8; 11 * 1024 * 1024], String::new()).await?;
    assert_eq!(res.status(), 413);
    assert!(res.text().await?.contains("too big"));

    // A phone photo with a GPS position: stored upright and without any metadata.
    let photo = roundtable::images::jpeg_with_gps(48, 24, 6);
    assert!(roundtable::images::has_exif(&photo));
    let res = upload(photo, format!("caption=Flipchart%20table%201&table={t1}")).await?;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await?["id"].as_i64().unwrap();
    let added = console
        .next_where("image added", |v| v["type"] == "image")
        .await?;
    assert_eq!(added["image"]["caption"], "Flipchart table 1");
    assert_eq!(added["image"]["width"], 24, "turned upright");
    let stored = http
        .get(f.server.url(&format!("{}/images/{id}", f.console_path())))
        .send()
        .await?;
    assert_eq!(stored.headers()["content-type"], "image/jpeg");
    let bytes = stored.bytes().await?;
    assert!(!roundtable::images::has_exif(&bytes), "no EXIF, no GPS");
    assert!(!bytes.windows(3).any(|w| w == b"GPS"));
    // The wall can't fetch it until a facilitator puts it up.
    let wall_url = f.server.url(&format!("{}/images/{id}", f.wall_path()));
    assert_eq!(http.get(&wall_url).send().await?.status(), 404);
    let r = reply(
        &mut console,
        json!({"type": "image_show", "image_id": id, "on": true}),
    )
    .await?;
    assert_eq!(r["type"], "ack", "{r}");
    let shown = wall
        .next_where("image on the wall", |v| v["type"] == "image")
        .await?;
    assert_eq!(shown["image"]["id"], id);
    assert_eq!(http.get(&wall_url).send().await?.status(), 200);
    // Kept for the report, embedded in the one file.
    let report = http
        .get(f.server.url(&format!("{}/report", f.console_path())))
        .send()
        .await?
        .text()
        .await?;
    assert!(report.contains("data:image/jpeg;base64,"));
    assert!(report.contains("Flipchart table 1"));
    // Hidden: gone from the wall at once, and not fetchable there.
    reply(
        &mut console,
        json!({"type": "image_hide", "image_id": id, "on": true}),
    )
    .await?;
    wall.next_where("image removed", |v| {
        v["type"] == "image_removed" && v["id"] == id
    })
    .await?;
    assert_eq!(http.get(&wall_url).send().await?.status(), 404);
    // Table 2's facilitator can neither show nor fetch table 1's image.
    let link = path_of(f.links["tables"][1]["console_url"].as_str().unwrap());
    let mut t2 = f.server.ws(&format!("{link}/ws")).await?;
    let s = t2.next().await?;
    assert_eq!(s["state"]["images"].as_array().map(Vec::len), Some(0));
    let r = reply(
        &mut t2,
        json!({"type": "image_hide", "image_id": id, "on": false}),
    )
    .await?;
    assert_eq!(r["code"], "forbidden");
    assert_eq!(
        http.get(f.server.url(&format!("{link}/images/{id}")))
            .send()
            .await?
            .status(),
        404
    );
    Ok(())
}
