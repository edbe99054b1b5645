//! Fault injection with the real binary: simulated phones post over websockets with client ids
//! while the server is killed with SIGKILL several times mid-burst (every fifth stop is a
//! SIGTERM, which must drain and exit 0) and restarted on the same database. Checks: every acknowledged post is stored exactly once, nothing is stored that was
//! never sent, sequence numbers seen by a resuming console strictly increase with no reuse,
//! and the database passes `integrity_check`.

#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::collections::{BTreeMap, HashSet};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::time::{Instant, sleep, timeout};
use tokio_tungstenite::tungstenite::Message;

const BIN: &str = env!("CARGO_BIN_EXE_roundtable");
/// Sizes; raise them for a longer run, e.g. `CRASH_KILLS=50 CRASH_POSTS=200 cargo test
/// --release -p roundtable --test crash -- --nocapture` (figures in docs/performance.md).
fn knob(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn start(db: &str, port: u16) -> Child {
    Command::new(BIN)
        .args([
            "--database-url",
            db,
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
        ])
        .env("ROUNDTABLE_LIMIT_POST", "100000,1000000")
        .env("ROUNDTABLE_LIMIT_ADDRESS", "100000,1000000")
        .env("ROUNDTABLE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// The server's exit status once it has exited; fails (after killing it) if it is still
/// running after `limit`.
async fn exit_within(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the server did not exit within {limit:?} of SIGTERM");
        }
        sleep(Duration::from_millis(20)).await;
    }
}

async fn wait_healthy(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let _ = s
                .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .await;
            let mut buf = Vec::new();
            let _ = timeout(Duration::from_secs(2), s.read_to_end(&mut buf)).await;
            if buf.starts_with(b"HTTP/1.1 200") {
                return;
            }
        }
        assert!(Instant::now() < deadline, "server did not come back");
        sleep(Duration::from_millis(10)).await;
    }
}

/// One phone: posts its ids in order, reconnecting and resending the unacked one.
async fn phone(
    url: String,
    prefix: String,
    acked: Arc<AtomicUsize>,
    posts_each: usize,
) -> (Vec<String>, Vec<String>) {
    let mut sent = Vec::new();
    let mut got = Vec::new();
    let mut i = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    while i < posts_each {
        assert!(Instant::now() < deadline, "phone {prefix} never finished");
        let Ok(Ok((mut ws, _))) = timeout(
            Duration::from_secs(2),
            tokio_tungstenite::connect_async(&url),
        )
        .await
        else {
            sleep(Duration::from_millis(20)).await;
            continue;
        };
        'conn: while i < posts_each {
            let cid = format!("{prefix}-{i:04}");
            if !sent.contains(&cid) {
                sent.push(cid.clone());
            }
            let msg = serde_json::json!({"type": "post", "client_id": cid, "text": format!("crash test {cid}")});
            if ws
                .send(Message::Text(msg.to_string().into()))
                .await
                .is_err()
            {
                break 'conn;
            }
            loop {
                match timeout(Duration::from_secs(3), ws.next()).await {
                    Ok(Some(Ok(Message::Text(t)))) => {
                        let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap();
                        if v["type"] == "ack" && v["client_id"] == cid.as_str() {
                            got.push(cid.clone());
                            acked.fetch_add(1, Ordering::SeqCst);
                            i += 1;
                            continue 'conn;
                        }
                        assert_ne!(v["type"], "error", "unexpected refusal: {v}");
                    }
                    Ok(Some(Ok(_))) => {}
                    _ => break 'conn,
                }
            }
        }
    }
    (sent, got)
}

/// A console that resumes with `since` after every drop; returns (seq, comment id) seen.
async fn console(
    url: String,
    done: Arc<AtomicUsize>,
    phones: usize,
    expected: usize,
) -> Vec<(i64, i64)> {
    let mut seen: Vec<(i64, i64)> = Vec::new();
    let mut last = 0i64;
    let deadline = Instant::now() + Duration::from_secs(150);
    let mut posted: HashSet<i64> = HashSet::new();
    loop {
        assert!(Instant::now() < deadline, "console never saw every post");
        if done.load(Ordering::SeqCst) == phones && posted.len() >= expected {
            return seen;
        }
        let u = format!("{url}?since={last}");
        let Ok(Ok((mut ws, _))) =
            timeout(Duration::from_secs(2), tokio_tungstenite::connect_async(&u)).await
        else {
            sleep(Duration::from_millis(20)).await;
            continue;
        };
        loop {
            match timeout(Duration::from_millis(500), ws.next()).await {
                Ok(Some(Ok(Message::Text(t)))) => {
                    let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap();
                    if let Some(seq) = v["seq"].as_i64()
                        && v["type"] == "comment"
                    {
                        assert!(
                            seq > last,
                            "sequence went back or repeated: {seq} after {last}"
                        );
                        last = seq;
                        let id = v["comment"]["id"].as_i64().unwrap();
                        seen.push((seq, id));
                        posted.insert(id);
                    } else if v["type"] == "caught_up" {
                        last = last.max(v["seq"].as_i64().unwrap());
                    }
                }
                Ok(Some(Ok(_))) => {}
                Ok(_) => break,
                Err(_) => {
                    if done.load(Ordering::SeqCst) == phones && posted.len() >= expected {
                        return seen;
                    }
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_posts_survive_kill_minus_nine() {
    let phones = knob("CRASH_PHONES", 16);
    let posts_each = knob("CRASH_POSTS", 40);
    let kills_wanted = knob("CRASH_KILLS", 5);
    let dir = std::env::temp_dir().join(format!("roundtable-crash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db_path = dir.join("crash.db");
    let db = format!("sqlite:{}", db_path.display());
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/event.toml");
    let out = Command::new(BIN)
        .args([
            "--database-url",
            &db,
            "--public-url",
            "http://x",
            "event",
            "create",
        ])
        .arg(example)
        .output()
        .unwrap();
    assert!(out.status.success());
    let links: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = start(&db, port);
    wait_healthy(port).await;

    let ws = |u: &str| u.replace("http://x", &format!("ws://127.0.0.1:{port}"));
    // The example's run of show starts with talks: the lead opens round 1 first.
    {
        let url = format!("{}/ws", ws(links["console_url"].as_str().unwrap()));
        let (mut lead, _) = tokio_tungstenite::connect_async(url).await.unwrap();
        let mut round = None;
        while round.is_none() {
            if let Some(Ok(Message::Text(t))) = lead.next().await {
                let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap();
                round = v["state"]["rounds"][0]["id"].as_i64();
            }
        }
        let cmd = serde_json::json!({"type": "open_round", "round_id": round, "ref": "open"});
        lead.send(Message::Text(cmd.to_string().into()))
            .await
            .unwrap();
        loop {
            let msg = timeout(Duration::from_secs(10), lead.next()).await.unwrap();
            if let Some(Ok(Message::Text(t))) = msg
                && t.contains("\"ref\":\"open\"")
            {
                assert!(t.contains("\"ack\""), "round 1 opened: {t}");
                break;
            }
        }
    }
    let acked = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let mut phone_tasks = Vec::new();
    for p in 0..phones {
        let t = &links["tables"][p % 6];
        let url = format!("{}/ws", ws(t["join_url"].as_str().unwrap()));
        let acked = acked.clone();
        let done = done.clone();
        phone_tasks.push(tokio::spawn(async move {
            let r = phone(url, format!("phone{p:02}"), acked, posts_each).await;
            done.fetch_add(1, Ordering::SeqCst);
            r
        }));
    }
    let console_url = format!("{}/ws", ws(links["console_url"].as_str().unwrap()));
    let console_task = tokio::spawn(console(
        console_url,
        done.clone(),
        phones,
        phones * posts_each,
    ));

    // Kill -9 at spread-out points of the burst, restart on the same file each time.
    let total = phones * posts_each;
    let mut kills = 0;
    let mut terms = 0;
    for k in 1..=kills_wanted {
        let target = total * k / (kills_wanted + 2);
        let deadline = Instant::now() + Duration::from_secs(60);
        while acked.load(Ordering::SeqCst) < target {
            assert!(Instant::now() < deadline, "posts stalled before kill {k}");
            sleep(Duration::from_millis(2)).await;
        }
        if k % 5 == 0 {
            // Every fifth stop is a SIGTERM mid-burst: it must drain and exit cleanly.
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let status = exit_within(&mut child, Duration::from_secs(30)).await;
            assert!(
                status.success(),
                "SIGTERM mid-burst exits cleanly: {status:?}"
            );
            terms += 1;
        } else {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            kills += 1;
        }
        child = start(&db, port);
        wait_healthy(port).await;
    }
    let mut sent_all = Vec::new();
    let mut acked_all = Vec::new();
    for p in phone_tasks {
        let (sent, got) = p.await.unwrap();
        sent_all.extend(sent);
        acked_all.extend(got);
    }
    let seen = console_task.await.unwrap();
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = exit_within(&mut child, Duration::from_secs(30)).await;
    assert!(status.success(), "clean exit after SIGTERM: {status:?}");

    // Read what is stored, straight from the database.
    let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
    let rows: Vec<(String,)> = sqlx::query_as("SELECT client_id FROM comments")
        .fetch_all(&pool)
        .await
        .unwrap();
    let mut stored: BTreeMap<String, usize> = BTreeMap::new();
    for (cid,) in rows {
        *stored.entry(cid).or_default() += 1;
    }
    let sent: HashSet<&String> = sent_all.iter().collect();
    let lost: Vec<&String> = acked_all
        .iter()
        .filter(|c| !stored.contains_key(*c))
        .collect();
    let dup: Vec<(&String, &usize)> = stored.iter().filter(|(_, n)| **n > 1).collect();
    let phantom: Vec<&String> = stored.keys().filter(|c| !sent.contains(c)).collect();
    assert_eq!(
        acked_all.len(),
        total,
        "every post was eventually acknowledged"
    );
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    assert!(dup.is_empty(), "stored twice: {dup:?}");
    assert!(phantom.is_empty(), "stored but never sent: {phantom:?}");
    // Sequence numbers: contiguous in the log, never reused for another comment.
    let seqs: Vec<(i64,)> = sqlx::query_as("SELECT seq FROM event_log ORDER BY seq")
        .fetch_all(&pool)
        .await
        .unwrap();
    for (i, (s,)) in seqs.iter().enumerate() {
        assert_eq!(*s, i as i64 + 1, "the log has no gaps");
    }
    let mut by_seq: BTreeMap<i64, i64> = BTreeMap::new();
    for (seq, id) in &seen {
        if let Some(prev) = by_seq.insert(*seq, *id) {
            assert_eq!(prev, *id, "seq {seq} was reused");
        }
    }
    let ids: HashSet<i64> = seen.iter().map(|(_, id)| *id).collect();
    assert_eq!(ids.len(), total, "the resuming console saw every comment");
    let check: (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(check.0, "ok");
    pool.close().await;
    eprintln!(
        "kill -9 cycles: {kills}; SIGTERM cycles: {terms}; posts acked: {}; stored: {}; lost: 0; duplicated: 0",
        acked_all.len(),
        stored.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
