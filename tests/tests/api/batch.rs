//! Group commit: changes waiting for an event's writer go into one transaction together. A
//! refused change must leave the others stored, numbered in order, and every screen must
//! get each once.

use roundtable::model::Source;
use roundtable::storage::{Change, StorageError};
use serde_json::json;

use crate::{Fixture, cid};

fn post(table_id: i64, client_id: &str, text: &str, round: Option<i64>) -> Change {
    Change::Post {
        table_id,
        client_id: client_id.into(),
        text: text.into(),
        name: None,
        source: Source::Attendee,
        round,
        reply_to: None,
        author: Some("batch-test-author".into()),
    }
}

#[tokio::test]
async fn one_refused_change_in_a_batch_leaves_the_others() -> anyhow::Result<()> {
    let f = Fixture::new().await?;
    let (_, snap) = f.console().await?;
    let table = Fixture::table_id(&snap, 0);
    let event_id = f.links["event_id"].as_i64().unwrap_or_default();
    let start = snap["seq"].as_i64().unwrap_or_default();
    let first = cid("batch-a");
    let results = f
        .server
        .state
        .storage
        .apply_batch(
            event_id,
            vec![
                (post(table, &first, "First in the batch", Some(1)), None),
                // Round 2 is not open: refused, with its sentence.
                (
                    post(table, &cid("batch-b"), "For a closed round", Some(2)),
                    None,
                ),
                (
                    post(table, &cid("batch-c"), "Third in the batch", Some(1)),
                    None,
                ),
                // A repeat of the first: answered with it, nothing new.
                (post(table, &first, "First in the batch", Some(1)), None),
            ],
        )
        .await?;
    assert_eq!(results.len(), 4);
    let seqs: Vec<Vec<i64>> = results
        .iter()
        .map(|r| match r {
            Ok(a) => a.changes.iter().map(|n| n.seq).collect(),
            Err(_) => Vec::new(),
        })
        .collect();
    assert_eq!(seqs[0], vec![start + 1]);
    assert!(
        matches!(&results[1], Err(StorageError::Refused(e)) if e.code == "round_closed"),
        "the closed round's post is refused: {:?}",
        results[1].as_ref().err()
    );
    assert_eq!(seqs[2], vec![start + 2], "numbered next, with no gap");
    assert!(seqs[3].is_empty(), "a repeat changes nothing");
    let stored = f
        .server
        .state
        .storage
        .comments(event_id, None, true)
        .await?;
    let texts: Vec<&str> = stored.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts.len(), 2, "two stored: {texts:?}");
    assert!(!texts.contains(&"For a closed round"));
    Ok(())
}

#[tokio::test]
async fn a_burst_of_posts_arrives_once_each_in_order() -> anyhow::Result<()> {
    let f = Fixture::unthrottled().await?;
    let (mut console, snap) = f.console().await?;
    let start = snap["seq"].as_i64().unwrap_or_default();
    let mut phones = Vec::new();
    for i in 0..20 {
        phones.push(f.phone(i % 2).await?.0);
    }
    // Everyone sends before anyone waits: the writer takes them in batches.
    let mut ids = Vec::new();
    for (i, phone) in phones.iter_mut().enumerate() {
        let id = cid(&format!("burst{i}"));
        phone
            .send(json!({"type": "post", "client_id": id, "text": format!("Burst post {i}")}))
            .await?;
        ids.push(id);
    }
    for (phone, id) in phones.iter_mut().zip(&ids) {
        let ack = phone
            .next_where("ack", |v| v["type"] == "ack" && v["client_id"] == *id)
            .await?;
        assert!(ack["comment_id"].as_i64().is_some());
    }
    let mut seqs = Vec::new();
    while seqs.len() < ids.len() {
        let v = console
            .next_where("comment", |v| v["type"] == "comment")
            .await?;
        seqs.push(v["seq"].as_i64().unwrap_or_default());
    }
    let want: Vec<i64> = (start + 1..=start + ids.len() as i64).collect();
    assert_eq!(seqs, want, "every post once, in order, no gap");
    Ok(())
}

#[tokio::test]
async fn posts_after_another_change_in_a_batch_see_what_it_changed() -> anyhow::Result<()> {
    let f = Fixture::new().await?;
    let (_, snap) = f.console().await?;
    let table = Fixture::table_id(&snap, 0);
    let other = Fixture::table_id(&snap, 1);
    let event_id = f.links["event_id"].as_i64().unwrap_or_default();
    let start = snap["seq"].as_i64().unwrap_or_default();
    let first = cid("batch-d");
    let results = f
        .server
        .state
        .storage
        .apply_batch(
            event_id,
            vec![
                (post(table, &first, "Before the round closed", None), None),
                (post(other, &cid("batch-e"), "At another table", None), None),
                (Change::CloseRound, None),
                // The round is closed now: refused.
                (post(table, &cid("batch-f"), "After it closed", None), None),
                // A repeat of a stored post is still answered with it.
                (post(table, &first, "Before the round closed", None), None),
            ],
        )
        .await?;
    let seqs: Vec<Vec<i64>> = results
        .iter()
        .map(|r| match r {
            Ok(a) => a.changes.iter().map(|n| n.seq).collect(),
            Err(_) => Vec::new(),
        })
        .collect();
    assert_eq!(seqs[0], vec![start + 1]);
    assert_eq!(seqs[1], vec![start + 2]);
    assert_eq!(
        seqs[2],
        vec![start + 3],
        "the round's closing is numbered next"
    );
    assert!(
        matches!(&results[3], Err(StorageError::Refused(e)) if e.code == "round_closed"),
        "a post after the round closed is refused: {:?}",
        results[3].as_ref().err()
    );
    let repeat = results[4].as_ref().map_err(|e| anyhow::anyhow!("{e}"))?;
    assert!(repeat.changes.is_empty(), "a repeat changes nothing");
    assert_eq!(
        repeat.comment.as_ref().map(|c| c.text.as_str()),
        Some("Before the round closed")
    );
    // The stored posts read back as the batch answered them.
    let stored = f
        .server
        .state
        .storage
        .comments(event_id, None, true)
        .await?;
    let answered = results[1].as_ref().map_err(|e| anyhow::anyhow!("{e}"))?;
    let theirs = answered
        .comment
        .as_ref()
        .ok_or_else(|| anyhow::anyhow!("no comment"))?;
    let read = stored
        .iter()
        .find(|c| c.id == theirs.id)
        .ok_or_else(|| anyhow::anyhow!("not stored"))?;
    assert_eq!(read.text, theirs.text);
    assert_eq!(read.table_number, theirs.table_number);
    assert_eq!(read.round_id, theirs.round_id);
    assert_eq!(read.created_at, theirs.created_at);
    assert_eq!(read.approved, theirs.approved);
    assert_eq!(stored.len(), 2, "two stored");
    assert_eq!(
        f.server.state.storage.last_seq(event_id).await?,
        start + 3,
        "the event's counter moved with its log"
    );
    Ok(())
}

#[tokio::test]
async fn a_post_the_database_refuses_mid_batch_leaves_the_others() -> anyhow::Result<()> {
    use roundtable::sqlx::{AnyConnection, AssertSqlSafe, Connection, query};
    let f = Fixture::new().await?;
    let (_, snap) = f.console().await?;
    let table = Fixture::table_id(&snap, 0);
    let event_id = f.links["event_id"].as_i64().unwrap_or_default();
    let start = snap["seq"].as_i64().unwrap_or_default();
    // The database itself refuses one text (a trigger only this test adds), as a broken
    // constraint would: the batch's shared insert fails, and the batch is done again change
    // by change, each in a savepoint of its own.
    let refused = "Refused by the database";
    let mut db = AnyConnection::connect(&f.server.database_url).await?;
    let ddl: &[&str] = if f.server.on_postgres() {
        &[
            "CREATE FUNCTION refuse_marked() RETURNS trigger AS $$ BEGIN \
             IF NEW.body = 'Refused by the database' THEN RAISE EXCEPTION 'refused by the test'; \
             END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_marked BEFORE INSERT ON comments \
             FOR EACH ROW EXECUTE FUNCTION refuse_marked()",
        ]
    } else {
        &["CREATE TRIGGER refuse_marked BEFORE INSERT ON comments \
           WHEN NEW.body = 'Refused by the database' \
           BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"]
    };
    for sql in ddl {
        query(AssertSqlSafe(*sql)).execute(&mut db).await?;
    }
    db.close().await?;
    let results = f
        .server
        .state
        .storage
        .apply_batch(
            event_id,
            vec![
                (post(table, &cid("batch-g"), "Stored first", None), None),
                (post(table, &cid("batch-h"), refused, None), None),
                (post(table, &cid("batch-i"), "Stored second", None), None),
            ],
        )
        .await?;
    let seqs: Vec<Vec<i64>> = results
        .iter()
        .map(|r| match r {
            Ok(a) => a.changes.iter().map(|n| n.seq).collect(),
            Err(_) => Vec::new(),
        })
        .collect();
    assert_eq!(seqs[0], vec![start + 1]);
    assert!(
        matches!(&results[1], Err(StorageError::Other(_))),
        "the refused post's caller hears it failed"
    );
    assert_eq!(seqs[2], vec![start + 2], "numbered next, with no gap");
    let stored = f
        .server
        .state
        .storage
        .comments(event_id, None, true)
        .await?;
    let texts: Vec<&str> = stored.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(texts.len(), 2, "two stored: {texts:?}");
    assert!(!texts.contains(&refused));
    assert_eq!(f.server.state.storage.last_seq(event_id).await?, start + 2);
    Ok(())
}
