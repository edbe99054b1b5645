//! A new comment, in as few statements as the rules allow: posts are nearly all of a busy
//! event's writes, and each statement is a round trip (to SQLite's worker thread, or over
//! the network to PostgreSQL).
//!
//! A run of posts (the attendee posts that follow one another in a group commit) is stored
//! together: what every post is checked against (the event open, its open round, its
//! tables, moderation, the last change number) is read once into a [`PostContext`]; each
//! post is checked in memory; then one insert stores every accepted post (and finds the
//! repeats of posts stored before), and one insert writes their numbered log lines. Every
//! check comes before the first write, so a refused post has written nothing and needs no
//! savepoint to undo.

use std::collections::HashMap;

use sqlx::{Any, Row, Transaction};

use super::{comment_in, facilitation, refused};
use crate::model::{Comment, Source, now_ms};
use crate::storage::{Applied, Change, Item, Numbered, StorageError, StorageResult};

/// The event's facts a post is checked against.
pub(super) struct PostContext {
    open: bool,
    pre_moderated: bool,
    /// The open round's id and number.
    round: Option<(i64, i64)>,
    /// The event's tables: id → number.
    tables: HashMap<i64, i64>,
    /// The event's last change number.
    last_seq: i64,
}

impl PostContext {
    pub(super) async fn read(
        tx: &mut Transaction<'_, Any>,
        event_id: i64,
    ) -> StorageResult<PostContext> {
        let row = sqlx::query(
            "SELECT e.is_open, e.moderation, e.last_seq, r.id AS round_id, r.number AS round_number \
             FROM events e LEFT JOIN rounds r ON r.event_id = e.id AND r.status = 'open' \
             WHERE e.id = $1 ORDER BY r.id LIMIT 1",
        )
        .bind(event_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StorageError::NotFound("event"))?;
        let round_id: Option<i64> = row.try_get("round_id")?;
        let round_number: Option<i64> = row.try_get("round_number")?;
        let moderation: String = row.try_get("moderation")?;
        let tables = sqlx::query_as::<_, (i64, i64)>(
            "SELECT id, number FROM event_tables WHERE event_id = $1",
        )
        .bind(event_id)
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .collect();
        Ok(PostContext {
            open: row.try_get::<i64, _>("is_open")? != 0,
            pre_moderated: moderation == "pre",
            round: round_id.zip(round_number),
            tables,
            last_seq: row.try_get("last_seq")?,
        })
    }
}

/// A post to store (the fields of `Change::Post`).
pub(super) struct NewPost {
    pub table_id: i64,
    pub client_id: String,
    pub text: String,
    pub name: Option<String>,
    pub source: Source,
    pub round: Option<i64>,
    pub reply_to: Option<i64>,
    pub author: Option<String>,
}

impl TryFrom<Change> for NewPost {
    type Error = Change;
    /// The post a change asks for; any other change back as it was.
    fn try_from(change: Change) -> Result<NewPost, Change> {
        match change {
            Change::Post {
                table_id,
                client_id,
                text,
                name,
                source,
                round,
                reply_to,
                author,
            } => Ok(NewPost {
                table_id,
                client_id,
                text,
                name,
                source,
                round,
                reply_to,
                author,
            }),
            other => Err(other),
        }
    }
}

/// Columns of a comment as a post stores it (the insert's values, in this order).
const POST_COLUMNS: &str = "event_id, table_id, round_id, client_id, body, display_name, \
     source, created_at, reply_to, author, approved";
const POST_VALUES: usize = 11;
/// Columns of a log line.
const LOG_COLUMNS: &str = "event_id, seq, kind, comment_id, round_id, created_at";
const LOG_VALUES: usize = 6;

/// `($1, $2, ...), ($n+1, ...)`: `rows` rows of `width` placeholders.
fn placeholders(rows: usize, width: usize) -> String {
    use std::fmt::Write;
    let mut sql = String::with_capacity(rows * width * 6);
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..width {
            let sep = if c > 0 { ", " } else { "" };
            let _ = write!(sql, "{sep}${}", r * width + c + 1);
        }
        sql.push(')');
    }
    sql
}

/// The most rows one multi-row insert takes. Binding a statement's parameters costs time
/// growing with the square of their number (sqlx looks up each parameter's name, and SQLite
/// finds a name by walking the list of them), so a 256-row insert of 2,816 values cost more
/// per row than eight of 32.
const MAX_PIECE: usize = 32;

/// `items` in pieces whose lengths are powers of two up to [`MAX_PIECE`], largest first
/// (13: 8, 4, 1). Each multi-row insert is then one of a few SQL texts, which stay in the
/// connection's cache of prepared statements (a text per batch size would not).
fn pieces<T>(mut items: &[T]) -> Vec<&[T]> {
    let mut out = Vec::new();
    while !items.is_empty() {
        let size = (1 << items.len().ilog2()).min(MAX_PIECE);
        let (piece, rest) = items.split_at(size);
        out.push(piece);
        items = rest;
    }
    out
}

/// A post that passed its checks, waiting for its row.
struct Accepted {
    /// Its place in the run.
    index: usize,
    post: NewPost,
    round_id: i64,
    table_number: i64,
    reply_to: Option<i64>,
}

/// Stores a run of posts, answering each in order: stored (numbered), a repeat of a post
/// stored before (answered with it, no change), or refused. `ctx` must have been read in
/// `tx` since the event last changed other than by posts; its number moves on. An error
/// means a statement failed: the transaction must be rolled back.
pub(super) async fn post_run(
    tx: &mut Transaction<'_, Any>,
    event_id: i64,
    ctx: &mut PostContext,
    posts: Vec<NewPost>,
) -> StorageResult<Vec<StorageResult<Applied>>> {
    let mut out: Vec<Option<StorageResult<Applied>>> = posts.iter().map(|_| None).collect();
    let mut accepted: Vec<Accepted> = Vec::with_capacity(posts.len());
    // The same post twice in one run (sent again before its ack): answered with the first.
    let mut first_of: HashMap<String, usize> = HashMap::new();
    let mut again: Vec<(usize, usize)> = Vec::new();
    for (index, post) in posts.into_iter().enumerate() {
        if let Some(&first) = first_of.get(&post.client_id) {
            again.push((index, first));
            continue;
        }
        match check(tx, event_id, ctx, &post).await {
            Ok((round_id, table_number, reply_to)) => {
                first_of.insert(post.client_id.clone(), index);
                accepted.push(Accepted {
                    index,
                    post,
                    round_id,
                    table_number,
                    reply_to,
                });
            }
            Err(StorageError::Other(e)) => return Err(StorageError::Other(e)),
            // A repeat of a stored post is answered with it, whatever changed since.
            Err(refusal) => {
                out[index] = Some(match existing(tx, event_id, &post.client_id).await {
                    Ok(Some(applied)) => Ok(applied),
                    Ok(None) => Err(refusal),
                    Err(e) => return Err(e),
                });
            }
        }
    }
    let created_at = now_ms();
    let mut ids = HashMap::with_capacity(accepted.len());
    for piece in pieces(&accepted) {
        ids.extend(insert_comments(tx, event_id, ctx, piece, created_at).await?);
    }
    // Stored now, in the run's order: each takes the next number.
    let mut stored: Vec<(Accepted, i64, i64)> = Vec::with_capacity(ids.len());
    for a in accepted {
        match ids.get(&a.post.client_id) {
            Some(&id) => {
                ctx.last_seq += 1;
                stored.push((a, id, ctx.last_seq));
            }
            // Stored before this run (the phone sent it again): nothing written now.
            None => {
                out[a.index] = Some(match existing(tx, event_id, &a.post.client_id).await {
                    Ok(Some(applied)) => Ok(applied),
                    Ok(None) => Err(StorageError::NotFound("comment")),
                    Err(e) => return Err(e),
                });
            }
        }
    }
    for piece in pieces(&stored) {
        insert_log(tx, event_id, piece, created_at).await?;
    }
    for (a, id, seq) in stored {
        let approved = approved(ctx, &a.post);
        let comment = Comment {
            id,
            table_id: a.post.table_id,
            table_number: a.table_number,
            round_id: a.round_id,
            text: a.post.text,
            name: a.post.name,
            source: a.post.source,
            agrees: 0,
            highlighted: false,
            highlighted_at: None,
            hidden: false,
            created_at,
            approved,
            reply_to: a.reply_to,
            edited: false,
            merged_count: 0,
            hidden_reason: None,
            merged_into: None,
            starred: false,
            tags: Vec::new(),
            original: None,
            author: a.post.author,
            deleted: false,
        };
        out[a.index] = Some(Ok(Applied {
            changes: vec![Numbered {
                seq,
                kind: "posted".into(),
                item: Item::Comment(comment.clone()),
            }],
            comment: Some(comment),
        }));
    }
    for (index, first) in again {
        out[index] = Some(match &out[first] {
            Some(Ok(applied)) => Ok(Applied {
                changes: Vec::new(),
                comment: applied.comment.clone(),
            }),
            _ => Err(StorageError::NotFound("comment")),
        });
    }
    Ok(out
        .into_iter()
        .map(|r| r.unwrap_or(Err(StorageError::NotFound("comment"))))
        .collect())
}

/// Shown at once, or waiting for a facilitator (pre-moderation, attendees' words only).
fn approved(ctx: &PostContext, p: &NewPost) -> bool {
    !(ctx.pre_moderated && p.source == Source::Attendee)
}

/// One insert for the accepted posts; a repeat of a stored post is skipped. The new ids by
/// client id.
async fn insert_comments(
    tx: &mut Transaction<'_, Any>,
    event_id: i64,
    ctx: &PostContext,
    accepted: &[Accepted],
    created_at: i64,
) -> StorageResult<HashMap<String, i64>> {
    if accepted.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "INSERT INTO comments ({POST_COLUMNS}) VALUES {} \
         ON CONFLICT (event_id, client_id) DO NOTHING RETURNING id, client_id",
        placeholders(accepted.len(), POST_VALUES)
    );
    let mut q = sqlx::query_as::<_, (i64, String)>(sqlx::AssertSqlSafe(sql));
    for a in accepted {
        q = q
            .bind(event_id)
            .bind(a.post.table_id)
            .bind(a.round_id)
            .bind(a.post.client_id.clone())
            .bind(a.post.text.clone())
            .bind(a.post.name.clone())
            .bind(a.post.source.as_str())
            .bind(created_at)
            .bind(a.reply_to)
            .bind(a.post.author.clone())
            .bind(approved(ctx, &a.post) as i64);
    }
    Ok(q.fetch_all(&mut **tx)
        .await?
        .into_iter()
        .map(|(id, client_id)| (client_id, id))
        .collect())
}

/// One insert for the stored posts' log lines (the `event_log_numbered` trigger moves the
/// event's counter to the last).
async fn insert_log(
    tx: &mut Transaction<'_, Any>,
    event_id: i64,
    stored: &[(Accepted, i64, i64)],
    created_at: i64,
) -> StorageResult<()> {
    if stored.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO event_log ({LOG_COLUMNS}) VALUES {}",
        placeholders(stored.len(), LOG_VALUES)
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (_, id, seq) in stored {
        q = q
            .bind(event_id)
            .bind(*seq)
            .bind("posted")
            .bind(Some(*id))
            .bind(None::<i64>)
            .bind(created_at);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// The checks, reads only: the open round's id, the table's number, and the thread the
/// reply joins.
async fn check(
    tx: &mut Transaction<'_, Any>,
    event_id: i64,
    ctx: &PostContext,
    p: &NewPost,
) -> StorageResult<(i64, i64, Option<i64>)> {
    let Some(&table_number) = ctx.tables.get(&p.table_id) else {
        return Err(StorageError::NotFound("table"));
    };
    if !ctx.open {
        return Err(refused(
            "event_closed",
            "This event has finished, so new comments can't be added.",
        ));
    }
    let Some((round_id, open_number)) = ctx.round else {
        return Err(refused(
            "round_closed",
            "No round is open right now, so new comments can't be added. Keep your words: you can post them when the next round opens.",
        ));
    };
    if p.round.is_some_and(|n| n != open_number) {
        return Err(refused(
            "round_closed",
            "The round you wrote this for has closed, so it wasn't added under the new question. Post it again if it still fits.",
        ));
    }
    let reply_to = match p.reply_to {
        Some(parent) => Some(facilitation::reply_parent(tx, event_id, p.table_id, parent).await?),
        None => None,
    };
    Ok((round_id, table_number, reply_to))
}

/// The stored post with this client id, if there is one (as an answer with no change).
async fn existing(
    tx: &mut Transaction<'_, Any>,
    event_id: i64,
    client_id: &str,
) -> StorageResult<Option<Applied>> {
    let id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM comments WHERE event_id = $1 AND client_id = $2")
            .bind(event_id)
            .bind(client_id)
            .fetch_optional(&mut **tx)
            .await?;
    match id {
        Some(id) => Ok(Some(Applied {
            comment: Some(comment_in(tx, event_id, id).await?),
            ..Applied::default()
        })),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_PIECE, pieces, placeholders};

    #[test]
    fn pieces_are_powers_of_two_largest_first_and_keep_every_item_in_order() {
        let items: Vec<usize> = (0..13).collect();
        let got = pieces(&items);
        assert_eq!(
            got.iter().map(|p| p.len()).collect::<Vec<_>>(),
            vec![8, 4, 1]
        );
        assert_eq!(got.concat(), items);
        assert!(pieces::<usize>(&[]).is_empty());
        assert_eq!(pieces(&[7; MAX_PIECE]).len(), 1);
        // Never more than MAX_PIECE rows in one statement.
        assert_eq!(
            pieces(&[7; 3 * MAX_PIECE + 8])
                .iter()
                .map(|p| p.len())
                .collect::<Vec<_>>(),
            vec![MAX_PIECE, MAX_PIECE, MAX_PIECE, 8]
        );
    }

    #[test]
    fn placeholders_number_every_value_once() {
        assert_eq!(placeholders(1, 2), "($1, $2)");
        assert_eq!(placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }
}
