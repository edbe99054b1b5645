//! Several server nodes on one PostgreSQL database (needs PostgreSQL: `ROUNDTABLE_TEST_POSTGRES`,
//! else `postgres://postgres@127.0.0.1:5432/test`; skipped only outside CI when none answers).
//!
//! Phones on node A, the console and the wall on node B; posts and curation cross between
//! them; node A is killed; its phones resume on node B from the last number they saw. Every
//! screen must have every change meant for it exactly once and in order.

use anyhow::{Context, Result};
use roundtable_tests::{Node, Ws, path_of};
use serde_json::{Value, json};

/// A socket that keeps the sequence number of every numbered change it was sent.
struct Screen {
    ws: Ws,
    /// The snapshot's (or resume point's) number.
    base: i64,
    snap: Value,
    seen: Vec<i64>,
}

impl Screen {
    async fn open(url: &str, device: &str) -> Result<Self> {
        let mut ws = Ws::connect_as(url, device).await?;
        let snap = ws.next().await?;
        anyhow::ensure!(snap["type"] == "snapshot", "starts with a snapshot: {snap}");
        Ok(Screen {
            ws,
            base: snap["seq"].as_i64().context("snapshot seq")?,
            seen: Vec::new(),
            snap,
        })
    }

    /// The last number this screen has: its newest change, or its snapshot's.
    fn last(&self) -> i64 {
        self.seen.last().copied().unwrap_or(self.base)
    }

    async fn next(&mut self) -> Result<Value> {
        let v = self.ws.next().await?;
        if v["type"] != "snapshot"
            && v["type"] != "caught_up"
            && let Some(seq) = v["seq"].as_i64()
        {
            self.seen.push(seq);
        }
        Ok(v)
    }

    async fn until(&mut self, what: &str, f: impl Fn(&Value) -> bool) -> Result<Value> {
        loop {
            let v = self
                .next()
                .await
                .with_context(|| format!("waiting for {what}"))?;
            if f(&v) {
                return Ok(v);
            }
        }
    }

    /// Posts and waits for the ack (recording whatever arrives meanwhile).
    async fn post(&mut self, client_id: &str, text: &str) -> Result<i64> {
        self.ws
            .send(json!({"type": "post", "client_id": client_id, "text": text}))
            .await?;
        let ack = self
            .until("ack", |v| {
                (v["type"] == "ack" && v["client_id"] == client_id) || v["type"] == "error"
            })
            .await?;
        ack["comment_id"]
            .as_i64()
            .with_context(|| format!("post refused: {ack}"))
    }

    /// Waits until the change numbered `seq` (or a later one) has arrived.
    async fn reach(&mut self, seq: i64) -> Result<()> {
        while self.last() < seq {
            self.next().await?;
        }
        Ok(())
    }

    /// A console command; returns the number of the change it made, as broadcast.
    async fn curate(&mut self, cmd: Value, id: i64) -> Result<i64> {
        self.ws.send(cmd).await?;
        let v = self
            .until("the curated comment", |v| {
                v["type"] == "comment" && v["comment"]["id"] == id || v["type"] == "error"
            })
            .await?;
        v["seq"].as_i64().context("curation refused")
    }
}

fn strictly_increasing(seqs: &[i64]) -> bool {
    seqs.windows(2).all(|w| w[0] < w[1])
}

fn device(n: usize) -> String {
    format!("node{n:022}")
}

#[tokio::test]
async fn two_nodes_share_one_event_and_a_killed_nodes_phones_resume_on_the_other() -> Result<()> {
    let admin = roundtable_tests::postgres_admin_url()
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into());
    let url = match roundtable_tests::create_postgres_database(&admin).await {
        Ok(url) => url,
        Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("SKIPPED: no PostgreSQL server at {admin} ({e:#}); CI runs this");
            return Ok(());
        }
        Err(e) => return Err(e.context("CI needs PostgreSQL for the two-node test")),
    };
    let mut node_a = Node::start(&url).await?;
    let node_b = Node::start(&url).await?;

    // The event, made as `roundtable event create` does, through a third connection.
    let storage = roundtable_tests::roundtable::open_storage(&url).await?;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("event.toml");
    std::fs::write(&file, roundtable_tests::SMALL_EVENT)?;
    let links: Value = serde_json::from_str(
        &roundtable_tests::roundtable::cli::create_event(
            storage.as_ref(),
            &node_b.base,
            &file,
            false,
            None,
        )
        .await?,
    )?;
    let table = path_of(links["tables"][0]["join_url"].as_str().unwrap_or_default());
    let console_path = path_of(links["console_url"].as_str().unwrap_or_default());
    let wall_path = path_of(links["wall_url"].as_str().unwrap_or_default());

    let mut console = Screen::open(&node_b.ws_url(&format!("{console_path}/ws")), "x").await?;
    let mut wall = Screen::open(&node_b.ws_url(&format!("{wall_path}/ws")), "x").await?;
    // A phone at the same table on node B, connected throughout: what a phone should get.
    let mut reference = Screen::open(&node_b.ws_url(&format!("{table}/ws")), &device(0)).await?;
    let mut phones = Vec::new();
    for i in 1..=3 {
        phones.push(Screen::open(&node_a.ws_url(&format!("{table}/ws")), &device(i)).await?);
    }

    // The console on B counts the phones on both nodes: three on A, one on B.
    let table_id = console.snap["state"]["tables"][0]["id"]
        .as_i64()
        .context("table id")?
        .to_string();
    console
        .until("four phones at table 1", |v| {
            v["type"] == "presence" && v["tables"][&table_id] == 4
        })
        .await?;

    // Posts on A reach the console on B, in order.
    let mut ids = Vec::new();
    for (i, phone) in phones.iter_mut().enumerate() {
        for k in 0..2 {
            let id = phone
                .post(
                    &format!("test-node-{i}-{k}-0000000"),
                    &format!("From node A, phone {i}, #{k}"),
                )
                .await?;
            console
                .until("a post from node A", |v| {
                    v["type"] == "comment" && v["comment"]["id"] == id
                })
                .await?;
            ids.push(id);
        }
    }
    // Curation on B reaches the wall on B and the phones on A.
    let mut last = 0;
    for (n, id) in ids.iter().take(2).enumerate() {
        last = console
            .curate(
                json!({"type": "highlight", "comment_id": id, "on": true, "ref": format!("h{n}")}),
                *id,
            )
            .await?;
        wall.reach(last).await?;
    }
    for phone in &mut phones {
        phone.reach(last).await?;
    }

    // Node A dies. Its phones lose their sockets with no goodbye.
    node_a.kill();
    for phone in &mut phones {
        let end = phone.ws.closed().await?;
        assert_ne!(end.code, Some(1012), "a killed node says nothing");
    }

    // Meanwhile on B: more posts and curation the phones miss.
    let a = reference
        .post("test-ref-1-00000000", "Written while node A was down")
        .await?;
    let b = reference.post("test-ref-2-00000000", "And another").await?;
    console
        .curate(
            json!({"type": "hide", "comment_id": ids[2], "on": true, "ref": "x"}),
            ids[2],
        )
        .await?;
    console
        .curate(
            json!({"type": "highlight", "comment_id": a, "on": true, "ref": "y"}),
            a,
        )
        .await?;
    let _ = b;

    // The phones come back on B, each from the last number it saw.
    let mut resumed = Vec::new();
    for (i, phone) in phones.into_iter().enumerate() {
        let since = phone.last();
        let url = node_b.ws_url(&format!("{table}/ws?since={since}"));
        let ws = Ws::connect_as(&url, &device(i + 1)).await?;
        let mut again = Screen {
            ws,
            base: since,
            seen: phone.seen.clone(),
            snap: Value::Null,
        };
        let caught = again
            .until("caught_up", |v| v["type"] == "caught_up")
            .await?;
        assert!(caught["seq"].as_i64().unwrap_or_default() >= since);
        resumed.push((phone.base, again));
    }
    // One live change after the resume reaches everyone.
    let c = reference
        .post("test-ref-3-00000000", "After the phones came back")
        .await?;
    let live = console
        .until("the last post", |v| {
            v["type"] == "comment" && v["comment"]["id"] == c
        })
        .await?;
    let final_seq = live["seq"].as_i64().context("seq")?;
    reference.reach(final_seq).await?;
    wall.reach(last).await?;

    // The console saw every change, once, in order, with no gap.
    let want: Vec<i64> = (console.base + 1..=console.last()).collect();
    assert_eq!(console.seen, want, "the console on B has every number once");
    assert!(strictly_increasing(&wall.seen), "wall: {:?}", wall.seen);
    for (base, phone) in &mut resumed {
        phone.reach(final_seq).await?;
        assert!(
            strictly_increasing(&phone.seen),
            "a resumed phone got a change twice or out of order: {:?}",
            phone.seen
        );
        let expected: Vec<i64> = reference
            .seen
            .iter()
            .copied()
            .filter(|s| *s > *base && *s <= final_seq)
            .collect();
        assert_eq!(
            phone.seen, expected,
            "a phone that moved nodes has exactly what a phone that stayed has"
        );
    }
    Ok(())
}
