//! Reconnecting with the last sequence number gives exactly what was missed, in order.

use serde_json::json;

use crate::{Fixture, cid};

#[tokio::test]
async fn resume_gets_exactly_the_missed_changes() -> anyhow::Result<()> {
    let f = Fixture::new().await?;
    let (mut console, _) = f.console().await?;
    let (phone, snap) = f.phone(0).await?;
    let last_seen = snap["seq"].as_i64().unwrap_or_default();
    phone.close().await;

    // While the phone is away: three posts at its table, one hidden, one at another table.
    let (mut other, _) = f.phone(0).await?;
    let (mut table2, _) = f.phone(1).await?;
    let a = other.post(&cid("a"), "first while away").await?;
    let b = other.post(&cid("b"), "second while away").await?;
    let secret = "hidden while away";
    let c = other.post(&cid("c"), secret).await?;
    table2.post(&cid("t2"), "other table").await?;
    console
        .send(json!({"type": "hide", "comment_id": c, "on": true, "ref": "h"}))
        .await?;
    console
        .next_where("ack", |v| v["type"] == "ack" && v["ref"] == "h")
        .await?;

    let mut phone = f
        .server
        .ws(&format!("{}/ws?since={last_seen}", f.table_path(0)))
        .await?;
    let mut got = Vec::new();
    loop {
        let v = phone.next().await?;
        if v["type"] == "caught_up" {
            assert_eq!(v["seq"], last_seen + 5, "caught up to the newest change");
            break;
        }
        got.push(v);
    }
    let seqs: Vec<i64> = got.iter().filter_map(|v| v["seq"].as_i64()).collect();
    // seq+4 was table 2's post: not for this phone.
    assert_eq!(
        seqs,
        vec![last_seen + 1, last_seen + 2, last_seen + 3, last_seen + 5]
    );
    assert_eq!(got[0]["comment"]["id"], a);
    assert_eq!(got[1]["comment"]["id"], b);
    // The hidden comment replays as removed: its text never reaches the phone.
    assert_eq!(got[2]["type"], "comment_removed");
    assert_eq!(got[2]["id"], c);
    assert_eq!(got[3]["type"], "comment_removed");
    for v in &got {
        assert!(!v.to_string().contains(secret), "hidden text leaked: {v}");
    }

    // Live changes follow, with the next number and nothing repeated.
    let d = other.post(&cid("d"), "live again").await?;
    let live = phone.next_where("live", |v| v["type"] == "comment").await?;
    assert_eq!(live["comment"]["id"], d);
    assert_eq!(live["seq"], last_seen + 6);
    Ok(())
}

#[tokio::test]
async fn resume_from_the_future_gets_a_snapshot() -> anyhow::Result<()> {
    let f = Fixture::new().await?;
    let mut phone = f
        .server
        .ws(&format!("{}/ws?since=999999", f.table_path(0)))
        .await?;
    let v = phone.next().await?;
    assert_eq!(
        v["type"], "snapshot",
        "a client ahead of the server starts again from a snapshot"
    );
    Ok(())
}

#[tokio::test]
async fn wall_resume_sees_only_highlighted() -> anyhow::Result<()> {
    let f = Fixture::new().await?;
    let (mut console, _) = f.console().await?;
    let (wall, snap) = f.wall().await?;
    let since = snap["seq"].as_i64().unwrap_or_default();
    wall.close().await;
    let (mut phone, _) = f.phone(0).await?;
    let plain = phone.post(&cid("p"), "not highlighted").await?;
    let star = phone.post(&cid("s"), "highlighted one").await?;
    console
        .send(json!({"type": "highlight", "comment_id": star, "on": true, "ref": "h"}))
        .await?;
    console.next_where("ack", |v| v["type"] == "ack").await?;
    let mut wall = f
        .server
        .ws(&format!("{}/ws?since={since}", f.wall_path()))
        .await?;
    let mut texts = Vec::new();
    loop {
        let v = wall.next().await?;
        if v["type"] == "caught_up" {
            break;
        }
        assert_ne!(
            v["comment"]["id"], plain,
            "the wall only gets highlighted comments"
        );
        texts.push(
            v["comment"]["text"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
    }
    assert!(texts.contains(&"highlighted one".to_string()));
    Ok(())
}

#[tokio::test]
async fn many_forced_reconnects_lose_and_repeat_nothing() -> anyhow::Result<()> {
    let f = Fixture::unthrottled().await?;
    const POSTS: i64 = 400;
    const DROPS: usize = 200;
    let (mut console, snap) = f.console().await?;
    let start = snap["seq"].as_i64().unwrap_or_default();
    let table = f.table_path(0);
    let ws_url = f.server.ws_url(&format!("{table}/ws"));
    let poster = tokio::spawn(async move {
        let mut phone = roundtable_tests::Ws::connect(&ws_url).await?;
        for i in 0..POSTS {
            phone
                .post(&format!("reconnect-{i:06}"), &format!("comment {i}"))
                .await?;
        }
        anyhow::Ok(())
    });
    // Read a few messages, drop the socket, resume with the last seq: again and again.
    let mut seqs = Vec::new();
    let mut last = start;
    let mut drops = 0;
    let path = format!("{}/ws", f.console_path());
    while last < start + POSTS {
        let take = 1 + (drops % 2);
        let mut n = 0;
        while n < take && last < start + POSTS {
            let v = console.next().await?;
            if v["type"] == "comment" {
                let seq = v["seq"].as_i64().unwrap_or_default();
                seqs.push(seq);
                last = seq;
                n += 1;
            }
        }
        if drops < DROPS {
            console.close().await;
            drops += 1;
            console = f.server.ws(&format!("{path}?since={last}")).await?;
        }
    }
    poster.await??;
    let expected: Vec<i64> = (start + 1..=start + POSTS).collect();
    assert_eq!(drops, DROPS);
    assert_eq!(
        seqs, expected,
        "every change exactly once, in order, across {DROPS} drops"
    );
    Ok(())
}

#[tokio::test]
async fn shutdown_tells_sockets_to_reconnect() -> anyhow::Result<()> {
    let mut f = Fixture::new().await?;
    let (mut phone, _) = f.phone(0).await?;
    let (mut console, _) = f.console().await?;
    f.server.stop().await?;
    assert_eq!(
        phone.closed().await?.code,
        Some(1012),
        "service restart: reconnect"
    );
    assert_eq!(console.closed().await?.code, Some(1012));
    Ok(())
}

/// A phone in a pocket: its socket is open but nobody reads it.
async fn stalled_socket(
    url: &str,
) -> anyhow::Result<tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>> {
    let addr = url
        .trim_start_matches("ws://")
        .split('/')
        .next()
        .unwrap_or_default()
        .parse()?;
    let sock = tokio::net::TcpSocket::new_v4()?;
    sock.set_recv_buffer_size(4096)?;
    let stream = sock.connect(addr).await?;
    let (ws, _) = tokio_tungstenite::client_async(url, stream).await?;
    Ok(ws)
}

#[tokio::test]
async fn sockets_that_stop_reading_are_dropped_without_hurting_others() -> anyhow::Result<()> {
    use roundtable::limits::{Limits, Rate};
    let server = roundtable_tests::TestServer::start_custom(
        Limits {
            post: Rate::new(1_000_000, 1_000_000),
            ..Limits::default()
        },
        std::time::Duration::from_millis(300),
    )
    .await?;
    let links = server.create_event(roundtable_tests::SMALL_EVENT).await?;
    let f = Fixture { server, links };
    let (mut console, snap) = f.console().await?;
    let start = snap["seq"].as_i64().unwrap_or_default();
    let url = f.server.ws_url(&format!("{}/ws", f.console_path()));
    let mut stalled = Vec::new();
    for _ in 0..5 {
        stalled.push(stalled_socket(&url).await?);
    }
    let hub = f.server.state.hub.clone();
    let with_stalled = hub.connection_count();
    assert_eq!(with_stalled, 6);
    let (mut phone, _) = f.phone(0).await?;
    let long = "The bus shelter on the front has no roof and the timetable is wrong. ".repeat(14);
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut sent = 0i64;
    // Keep posting until every stalled socket has been dropped; the reading console must get
    // every change, in order, all along.
    while hub.connection_count() > 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "stalled sockets were never dropped"
        );
        phone.post(&format!("stall-{sent:06}"), &long).await?;
        sent += 1;
        let v = console
            .next_where("comment", |v| v["type"] == "comment")
            .await?;
        assert_eq!(
            v["seq"],
            start + sent,
            "the reading console is never held up"
        );
    }
    drop(stalled);
    assert!(sent > 0);
    Ok(())
}

#[tokio::test]
async fn a_big_event_snapshot_still_arrives() -> anyhow::Result<()> {
    let f = Fixture::unthrottled().await?;
    let (mut phone, _) = f.phone(0).await?;
    let text = "A long comment about insulation grants and who qualifies for them. ".repeat(9);
    for i in 0..700 {
        phone.post(&format!("big-{i:05}"), &text).await?;
    }
    // About 450 KB of comments: more than any small socket buffer, still one snapshot.
    let (_, snap) = f.console().await?;
    assert_eq!(
        snap["state"]["comments"].as_array().map(Vec::len),
        Some(700)
    );
    Ok(())
}
