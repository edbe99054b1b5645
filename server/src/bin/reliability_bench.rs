//! Reliability bench, through the real server on a temporary SQLite file:
//!
//! 1. Sustained throughput: PHONES phones each post as fast as their acks come back, for
//!    SECONDS; every ack means the post is committed (fsynced, `synchronous=FULL`).
//! 2. Restart to resumed: CLIENTS sockets are connected; the server is shut down and started
//!    again on the same database and port; each client reconnects with `since` at once and
//!    retries every 10 ms. Reports the time from the new server's start until each client
//!    has its `caught_up`, p50 / p99.
//!
//! Usage: `cargo run --release --bin reliability-bench -- [PHONES] [SECONDS] [CLIENTS]`
//! (defaults 50, 5, 200).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

mod common;
use common::{path_of, start};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let phones: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(50);
    let seconds: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let clients: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);

    let dir = std::env::temp_dir().join(format!("roundtable-rbench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = format!("sqlite:{}/bench.db", dir.display());
    let server = start(&db, "127.0.0.1:0".parse()?).await?;
    let addr = server
        .state
        .config
        .public_url
        .trim_start_matches("http://")
        .parse::<SocketAddr>()?;
    let links = common::create_event(&server.state, &dir, "http://x", 4).await?;
    let tables: Vec<String> = links["tables"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|t| path_of(t["join_url"].as_str().unwrap_or_default()))
        .collect();

    // 1. Sustained acknowledged posts.
    let acked = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for p in 0..phones {
        let url = format!("ws://{addr}{}/ws?since=0", tables[p % tables.len()]);
        let acked = acked.clone();
        let stop = stop.clone();
        tasks.push(tokio::spawn(async move {
            let (ws, _) = tokio_tungstenite::connect_async(&url).await?;
            let (mut tx, mut rx) = ws.split();
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let cid = format!("t{p:04}-{i:08}");
                let msg = serde_json::json!({"type": "post", "client_id": cid, "text": format!("Throughput comment {i} from phone {p}")});
                tx.send(Message::Text(msg.to_string().into())).await?;
                loop {
                    match rx.next().await {
                        Some(Ok(Message::Text(t))) if t.contains("\"ack\"") && t.contains(&cid) => break,
                        Some(Ok(_)) => {}
                        _ => anyhow::bail!("socket closed"),
                    }
                }
                acked.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
            anyhow::Ok(())
        }));
    }
    let t0 = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let n = acked.load(Ordering::Relaxed);
    let elapsed = t0.elapsed().as_secs_f64();
    for t in tasks {
        let _ = t.await;
    }
    println!(
        "sustained: {phones} phones, {seconds} s: {n} posts acked after commit = {:.0} posts/s",
        n as f64 / elapsed
    );

    // 2. Restart to resumed.
    let ready = Arc::new(AtomicUsize::new(0));
    let go = Arc::new(tokio::sync::Notify::new());
    let mut clients_tasks = Vec::new();
    for c in 0..clients {
        let base = format!("ws://{addr}{}/ws", tables[c % tables.len()]);
        let ready = ready.clone();
        let go = go.clone();
        clients_tasks.push(tokio::spawn(async move {
            let (mut ws, _) = tokio_tungstenite::connect_async(format!("{base}?since=0")).await?;
            let mut last = 0i64;
            // Read until caught up, note the seq, then wait for the drop.
            while let Some(Ok(m)) = ws.next().await {
                if let Message::Text(t) = m
                    && let Ok(v) = serde_json::from_str::<serde_json::Value>(t.as_str())
                {
                    if let Some(s) = v["seq"].as_i64() {
                        last = last.max(s);
                    }
                    if v["type"] == "caught_up" || v["type"] == "snapshot" {
                        break;
                    }
                }
            }
            let notified = go.notified();
            ready.fetch_add(1, Ordering::SeqCst);
            notified.await;
            while ws.next().await.is_some() {}
            // Reconnect as soon as possible; the clock starts when the new server starts.
            loop {
                if let Ok((mut ws, _)) =
                    tokio_tungstenite::connect_async(format!("{base}?since={last}")).await
                {
                    while let Some(Ok(m)) = ws.next().await {
                        if let Message::Text(t) = m
                            && (t.contains("\"caught_up\"") || t.contains("\"snapshot\""))
                        {
                            return anyhow::Ok(Instant::now());
                        }
                    }
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }));
    }
    while ready.load(Ordering::SeqCst) < clients {
        tokio::task::yield_now().await;
    }
    go.notify_waiters();
    let _ = server.stop.send(());
    server.task.await??;
    let restarted_at = Instant::now();
    let again = start(&db, addr).await?;
    let mut times = Vec::with_capacity(clients);
    for t in clients_tasks {
        let done = t.await??;
        times.push(done.saturating_duration_since(restarted_at));
    }
    times.sort();
    println!(
        "restart to resumed: {clients} clients: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        common::percentile_ms(&times, 0.5),
        common::percentile_ms(&times, 0.99),
        common::percentile_ms(&times, 1.0)
    );
    let _ = again.stop.send(());
    let _ = again.task.await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
