//! Latency bench: time from a phone sending a post over its websocket to that comment
//! arriving on the facilitator console's websocket, through the real server (SQLite with
//! `synchronous=FULL`, so every post is fsynced before it is broadcast).
//!
//! Usage: `cargo run --release --bin latency-bench -- [POSTS] [PHONES]` (defaults 500, 40).
//! POSTS are sent one after another from PHONES phones spread over six tables, and the
//! console also has the wall connected beside it. Prints median, p90, p99 and max, then the
//! time to compute the console's room overview (balance figures) over those comments, and
//! the time to process an uploaded 12-megapixel photo.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

mod common;
use common::path_of;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let posts: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(500);
    let phones: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(40)
        .max(1);

    let dir = std::env::temp_dir().join(format!("roundtable-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let url = format!("sqlite:{}/bench.db", dir.display());
    let server = common::start(&url, "127.0.0.1:0".parse()?).await?;
    let addr = server
        .state
        .config
        .public_url
        .trim_start_matches("http://")
        .to_string();
    let links = common::create_event(&server.state, &dir, &format!("http://{addr}"), 6).await?;
    let ws = |p: String| format!("ws://{addr}{p}");
    let console_path = path_of(links["console_url"].as_str().unwrap_or_default());
    let wall_path = path_of(links["wall_url"].as_str().unwrap_or_default());
    let (mut console, _) =
        tokio_tungstenite::connect_async(ws(format!("{console_path}/ws"))).await?;
    let (mut wall, _) = tokio_tungstenite::connect_async(ws(format!("{wall_path}/ws"))).await?;
    console.next().await; // snapshot
    wall.next().await;
    let tables = links["tables"].as_array().cloned().unwrap_or_default();
    let mut sockets = Vec::with_capacity(phones);
    for i in 0..phones {
        let t = &tables[i % tables.len()];
        let p = path_of(t["join_url"].as_str().unwrap_or_default());
        let (mut s, _) = tokio_tungstenite::connect_async(ws(format!("{p}/ws?since=0"))).await?;
        s.next().await; // caught_up
        sockets.push(s);
    }
    // Phones must keep reading so their queues don't fill: drain them in the background.
    let mut writers = Vec::with_capacity(phones);
    for s in sockets {
        let (w, mut r) = s.split();
        writers.push(w);
        tokio::spawn(async move { while let Some(Ok(_)) = r.next().await {} });
    }
    tokio::spawn(async move { while let Some(Ok(_)) = wall.next().await {} });

    let mut samples = Vec::with_capacity(posts);
    let started = Instant::now();
    for i in 0..posts {
        let cid = format!("bench-{i:08}");
        let body = serde_json::json!({"type": "post", "client_id": cid, "text": format!("Bench comment number {i} about the buses.")});
        let t0 = Instant::now();
        writers[i % phones]
            .send(Message::Text(body.to_string().into()))
            .await?;
        // The console's message carries the comment's text (not the client id): match on it.
        let needle = format!("number {i} about");
        loop {
            let msg = tokio::time::timeout(Duration::from_secs(10), console.next())
                .await?
                .ok_or_else(|| anyhow::anyhow!("console closed"))??;
            if let Message::Text(t) = msg
                && t.contains(&needle)
            {
                break;
            }
        }
        samples.push(t0.elapsed());
    }
    let total = started.elapsed();
    samples.sort();
    let pct = |p: f64| common::percentile_ms(&samples, p);
    println!("posts: {posts}, phones connected: {phones}, wall: 1, console: 1");
    println!(
        "post -> console latency: median {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        pct(0.5),
        pct(0.9),
        pct(0.99),
        pct(1.0)
    );
    println!(
        "throughput (one post at a time): {:.0} posts/s",
        posts as f64 / total.as_secs_f64()
    );
    // The console's room overview is recomputed (at most twice a second) after posts: time
    // that read with every comment above in the event.
    let event_id = links["event_id"].as_i64().unwrap_or_default();
    let mut reads = Vec::with_capacity(200);
    for _ in 0..200 {
        let t0 = Instant::now();
        server.state.hub.overview(event_id, None).await?;
        reads.push(t0.elapsed());
    }
    reads.sort();
    println!(
        "room overview figures with {posts} comments: median {:.2} ms, max {:.2} ms",
        ms(reads[reads.len() / 2]),
        ms(reads[reads.len() - 1])
    );
    // An uploaded phone photo (12 megapixels, with EXIF): decode, turn, scale, re-encode.
    let photo = roundtable::images::jpeg_with_gps(4000, 3000, 6);
    let mut times = Vec::new();
    for _ in 0..5 {
        let t0 = Instant::now();
        let out = roundtable::images::process(&photo).map_err(|e| anyhow::anyhow!(e.message))?;
        times.push(t0.elapsed());
        anyhow::ensure!(!roundtable::images::has_exif(&out.jpeg));
    }
    times.sort();
    println!(
        "image upload processing ({} KB 4000x3000 JPEG -> 2560 px JPEG): median {:.0} ms",
        photo.len() / 1024,
        ms(times[times.len() / 2])
    );
    let _ = server.stop.send(());
    let _ = server.task.await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
