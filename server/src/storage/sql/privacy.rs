//! Storage for privacy: each event's notice and retention, and the sweep's deletions.
//! Deleted text is overwritten in place (`secure_delete=ON`); [`checkpoint`] then writes the
//! WAL back and truncates it, so the old pages leave the `-wal` file too.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Backend, SqlStorage};
use crate::pledges::model::About;
use crate::privacy::model::{CommentsAfter, Privacy, PrivacyInput};
use crate::storage::StorageResult;

const PRIVACY_COLUMNS: &str = "e.id, e.privacy_notice, e.contact_days, e.comments_after, \
     e.comment_days, e.contacts_purged_at, e.comments_purged_at, e.date, e.created_at, \
     e.wall_frame_origin, \
     o.name AS organiser_name";

fn privacy_row(r: &AnyRow) -> Result<Privacy, sqlx::Error> {
    Ok(Privacy {
        notice: r.try_get("privacy_notice")?,
        contact_days: r.try_get("contact_days")?,
        comments_after: CommentsAfter::parse(&r.try_get::<String, _>("comments_after")?)
            .unwrap_or_default(),
        comment_days: r.try_get("comment_days")?,
        contacts_purged_at: r.try_get("contacts_purged_at")?,
        comments_purged_at: r.try_get("comments_purged_at")?,
        organiser_name: r.try_get("organiser_name")?,
        wall_frame: r.try_get("wall_frame_origin")?,
        date: r.try_get("date")?,
        created_at: r.try_get("created_at")?,
    })
}

pub(super) async fn privacy(s: &SqlStorage, event_id: i64) -> StorageResult<Option<Privacy>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PRIVACY_COLUMNS} FROM events e LEFT JOIN organisers o ON o.id = e.organiser_id \
         WHERE e.id = $1"
    )))
    .bind(event_id)
    .fetch_optional(&s.pool)
    .await?;
    Ok(row.as_ref().map(privacy_row).transpose()?)
}

pub(super) async fn save_privacy(
    s: &SqlStorage,
    event_id: i64,
    input: &PrivacyInput,
) -> StorageResult<()> {
    let _w = s.write.lock().await;
    sqlx::query(
        "UPDATE events SET privacy_notice = $1, contact_days = $2, comments_after = $3, \
         comment_days = $4, wall_frame_origin = $5 WHERE id = $6",
    )
    .bind(&input.notice)
    .bind(input.contact_days)
    .bind(input.comments_after.code())
    .bind(input.comment_days)
    .bind(&input.wall_frame)
    .bind(event_id)
    .execute(&s.pool)
    .await?;
    Ok(())
}

pub(super) async fn retention_list(s: &SqlStorage) -> StorageResult<Vec<(i64, Privacy)>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PRIVACY_COLUMNS} FROM events e LEFT JOIN organisers o ON o.id = e.organiser_id \
         ORDER BY e.id"
    )))
    .fetch_all(&s.pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push((r.try_get("id")?, privacy_row(r)?));
    }
    Ok(out)
}

pub(super) async fn purge_contacts(s: &SqlStorage, event_id: i64, now: i64) -> StorageResult<bool> {
    let mut w = s.write.lock().await;
    let mut tx = s.begin_write(&mut w).await?;
    let contacts = sqlx::query(
        "DELETE FROM pledge_contacts WHERE pledge_id IN (SELECT id FROM pledges WHERE event_id = $1)",
    )
    .bind(event_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    let about = sqlx::query("DELETE FROM about_answers WHERE event_id = $1")
        .bind(event_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let first = sqlx::query(
        "UPDATE events SET contacts_purged_at = $1 WHERE id = $2 AND contacts_purged_at IS NULL",
    )
    .bind(now)
    .bind(event_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(contacts + about + first > 0)
}

pub(super) async fn anonymise_comments(
    s: &SqlStorage,
    event_id: i64,
    now: i64,
) -> StorageResult<bool> {
    let mut w = s.write.lock().await;
    let mut tx = s.begin_write(&mut w).await?;
    let named = sqlx::query(
        "UPDATE comments SET display_name = NULL, author = NULL \
         WHERE event_id = $1 AND (display_name IS NOT NULL OR author IS NOT NULL)",
    )
    .bind(event_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    // Each device's agreements get a new random key: still counted once per person
    // across merged comments, no longer the key their phone can be found by.
    let voters: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT a.voter FROM agreements a JOIN comments c ON c.id = a.comment_id \
         WHERE c.event_id = $1 AND a.voter NOT LIKE 'gone:%'",
    )
    .bind(event_id)
    .fetch_all(&mut *tx)
    .await?;
    for voter in &voters {
        let fresh = format!(
            "gone:{}",
            crate::security::new_token().map_err(crate::storage::StorageError::Other)?
        );
        sqlx::query(
            "UPDATE agreements SET voter = $1 WHERE voter = $2 \
             AND comment_id IN (SELECT id FROM comments WHERE event_id = $3)",
        )
        .bind(&fresh)
        .bind(voter)
        .bind(event_id)
        .execute(&mut *tx)
        .await?;
    }
    let first = sqlx::query(
        "UPDATE events SET comments_purged_at = $1 WHERE id = $2 AND comments_purged_at IS NULL",
    )
    .bind(now)
    .bind(event_id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(named + voters.len() as u64 + first > 0)
}

pub(super) async fn checkpoint(s: &SqlStorage) -> StorageResult<()> {
    if s.backend == Backend::Postgres {
        // PostgreSQL's own checkpoints and autovacuum reclaim what was deleted.
        return Ok(());
    }
    let _w = s.write.lock().await;
    // A reader still on an old snapshot can make it stop short (busy = 1): try again.
    for attempt in 0..20 {
        let busy: i64 = sqlx::query_scalar("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&s.pool)
            .await?;
        if busy == 0 {
            return Ok(());
        }
        tokio::time::sleep(std::time::Duration::from_millis(10 << attempt.min(5))).await;
    }
    tracing::warn!("the write-ahead log could not be emptied; the next sweep tries again");
    Ok(())
}

pub(super) async fn about_answers(s: &SqlStorage, event_id: i64) -> StorageResult<Vec<About>> {
    let rows = sqlx::query(
        "SELECT first_event, member, age_band FROM about_answers WHERE event_id = $1 ORDER BY id",
    )
    .bind(event_id)
    .fetch_all(&s.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(About {
                first_event: r.try_get("first_event")?,
                member: r.try_get("member")?,
                age_band: r.try_get("age_band")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}
