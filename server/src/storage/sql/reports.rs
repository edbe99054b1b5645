//! Storage for reports: agreements for the archive, importing an archive into a new event,
//! campaigns and share links.

use std::collections::HashMap;

use sqlx::AnyPool;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::super::{Campaign, Share, StorageResult};
use crate::report::archive::Checked;

pub(super) async fn agreements(pool: &AnyPool, event_id: i64) -> StorageResult<Vec<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT a.comment_id, a.voter FROM agreements a JOIN comments c ON c.id = a.comment_id \
         WHERE c.event_id = $1 ORDER BY a.comment_id, a.voter",
    )
    .bind(event_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| Ok((r.try_get("comment_id")?, r.try_get("voter")?)))
        .collect::<Result<_, sqlx::Error>>()?)
}

pub(super) async fn import_content(
    tx: &mut Transaction<'_, Any>,
    event_id: i64,
    checked: &Checked,
) -> StorageResult<()> {
    let a = &checked.archive;
    let tables: HashMap<i64, i64> =
        sqlx::query("SELECT id, number FROM event_tables WHERE event_id = $1")
            .bind(event_id)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("number")?, r.try_get("id")?)))
            .collect::<Result<_, sqlx::Error>>()?;
    let rounds: HashMap<i64, i64> =
        sqlx::query("SELECT id, number FROM rounds WHERE event_id = $1")
            .bind(event_id)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("number")?, r.try_get("id")?)))
            .collect::<Result<_, sqlx::Error>>()?;
    for r in &a.rounds {
        sqlx::query("UPDATE rounds SET status = $1 WHERE event_id = $2 AND number = $3")
            .bind(&r.status)
            .bind(event_id)
            .bind(r.number)
            .execute(&mut **tx)
            .await?;
    }
    // The run of show was created from the archive in order: copy each item's state.
    let items: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM agenda_items WHERE event_id = $1 ORDER BY position")
            .bind(event_id)
            .fetch_all(&mut **tx)
            .await?;
    for (id, item) in items.iter().zip(&a.agenda) {
        let status = if item.status == "done" {
            "done"
        } else {
            "pending"
        };
        sqlx::query("UPDATE agenda_items SET status = $1 WHERE id = $2")
            .bind(status)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    let missing = || {
        crate::storage::StorageError::Other(anyhow::anyhow!(
            "archive refers to a missing table or round"
        ))
    };
    let mut ids: HashMap<i64, i64> = HashMap::new();
    let mut sorted: Vec<&crate::report::archive::ArchiveComment> = a.comments.iter().collect();
    sorted.sort_by_key(|c| c.id);
    for c in &sorted {
        let table_id = *tables.get(&c.table).ok_or_else(missing)?;
        let round_id = *rounds.get(&c.round).ok_or_else(missing)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO comments (event_id, table_id, round_id, client_id, body, display_name, \
             source, hidden, hidden_reason, highlighted, highlighted_at, agrees, created_at, \
             author, approved, starred, tags, original_body) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, $13, $14, $15, $16, $17) RETURNING id",
        )
        .bind(event_id)
        .bind(table_id)
        .bind(round_id)
        .bind(format!("import-{}", c.id))
        .bind(&c.text)
        .bind(&c.name)
        .bind(&c.source)
        .bind(c.hidden as i64)
        .bind(&c.hidden_reason)
        .bind(c.highlighted as i64)
        .bind(c.highlighted_at)
        .bind(c.created_at)
        .bind(&c.author)
        .bind(c.approved as i64)
        .bind(c.starred as i64)
        .bind(serde_json::to_string(&c.tags).map_err(anyhow::Error::new)?)
        .bind(&c.original)
        .fetch_one(&mut **tx)
        .await?;
        ids.insert(c.id, id);
    }
    for c in &sorted {
        let reply_to = c.reply_to.and_then(|r| ids.get(&r).copied());
        let merged_into = c.merged_into.and_then(|r| ids.get(&r).copied());
        if reply_to.is_some() || merged_into.is_some() {
            sqlx::query("UPDATE comments SET reply_to = $1, merged_into = $2 WHERE id = $3")
                .bind(reply_to)
                .bind(merged_into)
                .bind(ids.get(&c.id).copied())
                .execute(&mut **tx)
                .await?;
        }
    }
    for ag in &a.agreements {
        if let Some(id) = ids.get(&ag.comment) {
            sqlx::query(
                "INSERT INTO agreements (comment_id, voter) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(&ag.voter)
            .execute(&mut **tx)
            .await?;
        }
    }
    sqlx::query(
        "UPDATE comments SET agrees = (SELECT COUNT(*) FROM agreements a WHERE a.comment_id = comments.id) \
         WHERE event_id = $1",
    )
    .bind(event_id)
    .execute(&mut **tx)
    .await?;
    for (img, jpeg) in a.images.iter().zip(&checked.jpegs) {
        sqlx::query(
            "INSERT INTO images (event_id, table_id, caption, jpeg, width, height, on_wall, hidden, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(event_id)
        .bind(img.table.and_then(|t| tables.get(&t).copied()))
        .bind(&img.caption)
        .bind(jpeg)
        .bind(img.width)
        .bind(img.height)
        .bind(img.on_wall as i64)
        .bind(img.hidden as i64)
        .bind(img.created_at)
        .execute(&mut **tx)
        .await?;
    }
    for act in &a.activity {
        sqlx::query(
            "INSERT INTO audit_log (event_id, at, actor, table_id, action, comment_id) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(event_id)
        .bind(act.at)
        .bind(&act.actor)
        .bind(act.table.and_then(|t| tables.get(&t).copied()))
        .bind(&act.action)
        .bind(act.comment.and_then(|c| ids.get(&c).copied()))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

fn campaign_from_row(r: &AnyRow) -> Result<Campaign, sqlx::Error> {
    Ok(Campaign {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        organiser_id: r.try_get("organiser_id")?,
    })
}

pub(super) async fn campaigns_of(
    pool: &AnyPool,
    organiser_id: i64,
) -> StorageResult<Vec<Campaign>> {
    let rows = sqlx::query(
        "SELECT id, name, organiser_id FROM campaigns \
         WHERE organiser_id = $1 OR organiser_id IS NULL ORDER BY name, id",
    )
    .bind(organiser_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(campaign_from_row)
        .collect::<Result<_, _>>()?)
}

/// One campaign by a condition on `c` with one bound id (a literal from our code).
pub(super) async fn campaign(
    pool: &AnyPool,
    condition: &'static str,
    id: i64,
) -> StorageResult<Option<Campaign>> {
    let sql = format!("SELECT c.id, c.name, c.organiser_id FROM campaigns c WHERE {condition}");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(row.as_ref().map(campaign_from_row).transpose()?)
}

pub(super) fn share_from_row(r: &AnyRow) -> Result<Share, sqlx::Error> {
    Ok(Share {
        id: r.try_get("id")?,
        event_id: r.try_get("event_id")?,
        campaign_id: r.try_get("campaign_id")?,
        expires_at: r.try_get("expires_at")?,
        revoked: r.try_get::<i64, _>("revoked")? != 0,
        created_at: r.try_get("created_at")?,
    })
}

/// Share links by a condition with two bound ids (a literal from our code).
pub(super) async fn shares(
    pool: &AnyPool,
    condition: &'static str,
    a: i64,
    b: i64,
) -> StorageResult<Vec<Share>> {
    let sql = format!(
        "SELECT id, event_id, campaign_id, expires_at, revoked, created_at FROM report_shares \
         WHERE {condition}"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(a)
        .bind(b)
        .fetch_all(pool)
        .await?;
    Ok(rows.iter().map(share_from_row).collect::<Result<_, _>>()?)
}
