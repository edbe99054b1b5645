//! Operations: `/readyz` says whether the database answers, `/metrics` counts what the server
//! is doing in Prometheus text format, and never shows anyone's words.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::json;

use crate::{Fixture, cid};
use roundtable::limits::{Limits, Rate};
use roundtable_tests::{DEADLINE, client};

/// `/metrics` once it satisfies `ok` (counters move after the answers a client sees).
async fn metrics_when(f: &Fixture, what: &str, ok: impl Fn(&str) -> bool) -> Result<String> {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let r = client().get(f.server.url("/metrics")).send().await?;
        assert_eq!(r.status(), 200);
        let kind = r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(
            kind.starts_with("text/plain; version=0.0.4"),
            "Prometheus text format, got {kind}"
        );
        let text = r.text().await?;
        if ok(&text) {
            return Ok(text);
        }
        if tokio::time::Instant::now() > deadline {
            bail!("metrics never showed {what}:\n{text}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The value of one sample line (`name{labels} value`).
fn sample(text: &str, name: &str) -> Result<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
        .with_context(|| format!("no sample {name}"))?
        .parse()
        .context("a number")
}

#[tokio::test]
async fn readiness_answers_when_the_database_does() -> Result<()> {
    let f = Fixture::new().await?;
    let r = client().get(f.server.url("/readyz")).send().await?;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await?, "ready");
    let r = client().get(f.server.url("/healthz")).send().await?;
    assert_eq!(r.status(), 200);
    Ok(())
}

#[tokio::test]
async fn metrics_count_sockets_posts_writes_and_refusals_but_no_words() -> Result<()> {
    let f = Fixture::with_limits(Limits {
        post: Rate::new(2, 2),
        ..Limits::default()
    })
    .await?;
    let before = metrics_when(&f, "the first scrape", |_| true).await?;
    assert_eq!(sample(&before, "roundtable_posts_total")?, 0.0);
    assert_eq!(
        sample(&before, "roundtable_open_sockets{role=\"phone\"}")?,
        0.0
    );

    let (mut phone, _) = f.phone(0).await?;
    let (_console, _) = f.console().await?;
    let (_wall, _) = f.wall().await?;
    let words = "Metrics must never carry this sentence";
    let id = cid("metrics");
    phone.post(&id, words).await?;
    phone.post(&cid("metrics"), "a second one").await?;
    // The third is over the limit (a burst of two).
    phone
        .send(json!({"type": "post", "client_id": cid("metrics"), "text": "a third"}))
        .await?;
    let err = phone
        .next_where("refusal", |v| v["type"] == "error")
        .await?;
    assert_eq!(err["code"], "rate_limited");

    // A post is counted when it is stored and acknowledged; its broadcast just after: wait
    // for both rather than scrape between the two.
    let text = metrics_when(&f, "two posts and their broadcasts", |t| {
        t.contains("roundtable_posts_total 2\n")
            && sample(t, "roundtable_broadcasts_total").is_ok_and(|n| n >= 2.0)
            && sample(t, "roundtable_frames_sent_total").is_ok_and(|n| n >= 6.0)
    })
    .await?;
    for role in ["phone", "console", "wall"] {
        let name = format!("roundtable_open_sockets{{role=\"{role}\"}}");
        assert_eq!(sample(&text, &name)?, 1.0, "{role} sockets open");
    }
    assert!(sample(&text, "roundtable_rate_limit_refusals_total")? >= 1.0);
    assert!(sample(&text, "roundtable_db_write_seconds_count")? >= 2.0);
    assert!(sample(&text, "roundtable_db_write_seconds_bucket{le=\"+Inf\"}")? >= 2.0);
    assert!(sample(&text, "roundtable_broadcasts_total")? >= 2.0);
    assert!(sample(&text, "roundtable_frames_sent_total")? >= 6.0);
    assert!(sample(&text, "roundtable_slow_consumers_dropped_total")? == 0.0);
    sample(&text, "roundtable_broadcast_queue_max")?;
    assert!(
        !text.contains(words) && !text.contains(&id),
        "no words, no ids"
    );

    // A socket that closes is no longer counted.
    phone.close().await;
    metrics_when(&f, "the phone gone", |t| {
        t.contains("roundtable_open_sockets{role=\"phone\"} 0\n")
    })
    .await?;
    Ok(())
}

#[tokio::test]
async fn a_backup_of_a_live_database_holds_everything_and_opens_as_a_server() -> Result<()> {
    let f = Fixture::unthrottled().await?;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("copy.db");
    if f.server.on_postgres() {
        let err = f.server.sql.backup(&file).await.err().context("refused")?;
        assert!(format!("{err:#}").contains("pg_dump"), "{err:#}");
        return Ok(());
    }
    let (mut phone, _) = f.phone(0).await?;
    phone.post(&cid("backup"), "Kept in the backup").await?;
    // A second handle on the same file, as `roundtable backup` in another process would
    // open, while the server goes on writing.
    let other = roundtable::storage::sql::SqlStorage::open(&f.server.database_url).await?;
    let writing = async {
        for i in 0..20 {
            phone.post(&cid("during"), &format!("during {i}")).await?;
        }
        anyhow::Ok(())
    };
    let (bytes, written) = tokio::join!(other.backup(&file), writing);
    written?;
    assert!(bytes? > 0);
    other.close().await;

    // The copy opens as a server's database, with the event and the comment in it.
    let copy =
        roundtable::storage::sql::SqlStorage::open(&format!("sqlite:{}", file.display())).await?;
    let event = f.links["event_id"].as_i64().context("event id")?;
    let comments = roundtable::storage::Storage::comments(&copy, event, None, true).await?;
    assert!(comments.iter().any(|c| c.text == "Kept in the backup"));
    // Consistent: whatever of the concurrent posts it holds, they come in order, no gaps.
    let during: Vec<&str> = comments
        .iter()
        .filter_map(|c| c.text.strip_prefix("during "))
        .collect();
    let expected: Vec<String> = (0..during.len()).map(|i| i.to_string()).collect();
    assert_eq!(during, expected);
    copy.close().await;

    // Never over an existing file.
    let err = f.server.sql.backup(&file).await.err().context("refused")?;
    assert!(format!("{err:#}").contains("already exists"), "{err:#}");
    Ok(())
}
