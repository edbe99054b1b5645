//! The API's tables: organisers' tokens, their webhooks, and the queue of webhook calls.

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::SqlStorage;
use crate::storage::{ApiToken, Delivery, Organiser, StorageResult, Webhook};

/// A token's "last used" is written at most this often (ms): a busy integration should not
/// turn every read into a write.
const USED_EVERY_MS: i64 = 60_000;

/// Queues a call to every webhook of the event's organisers, in the transaction that closes
/// it: committed together, or not at all.
pub(super) async fn queue_closed(
    tx: &mut Transaction<'_, Any>,
    event_id: i64,
) -> StorageResult<()> {
    let now = crate::model::now_ms();
    sqlx::query(
        "INSERT INTO webhook_deliveries (webhook_id, event_id, kind, next_at, created_at) \
         SELECT w.id, $1, 'event.closed', $2, $3 FROM webhooks w WHERE w.organiser_id IN \
         (SELECT organiser_id FROM events WHERE id = $4 AND organiser_id IS NOT NULL \
          UNION SELECT organiser_id FROM event_organisers WHERE event_id = $5)",
    )
    .bind(event_id)
    .bind(now)
    .bind(now)
    .bind(event_id)
    .bind(event_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn token_from_row(r: &AnyRow) -> Result<ApiToken, sqlx::Error> {
    Ok(ApiToken {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        created_at: r.try_get("created_at")?,
        last_used_at: r.try_get("last_used_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

impl SqlStorage {
    pub(super) async fn api_create_token(
        &self,
        organiser_id: i64,
        name: &str,
        token_hash: &str,
    ) -> StorageResult<i64> {
        let _w = self.write.lock().await;
        Ok(sqlx::query_scalar(
            "INSERT INTO api_tokens (organiser_id, name, token_hash, created_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(organiser_id)
        .bind(name)
        .bind(token_hash)
        .bind(crate::model::now_ms())
        .fetch_one(&self.pool)
        .await?)
    }

    pub(super) async fn api_tokens_of(&self, organiser_id: i64) -> StorageResult<Vec<ApiToken>> {
        let rows = sqlx::query(
            "SELECT id, name, created_at, last_used_at, revoked_at FROM api_tokens \
             WHERE organiser_id = $1 ORDER BY id DESC",
        )
        .bind(organiser_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(token_from_row).collect::<Result<_, _>>()?)
    }

    pub(super) async fn api_revoke_token(
        &self,
        organiser_id: i64,
        id: i64,
        now: i64,
    ) -> StorageResult<bool> {
        let _w = self.write.lock().await;
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 \
             WHERE id = $2 AND organiser_id = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .bind(organiser_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(super) async fn api_token_organiser(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StorageResult<Option<Organiser>> {
        let Some(r) = sqlx::query(
            "SELECT o.id, o.email, o.name, o.password_hash, t.id AS token_id, t.last_used_at \
             FROM api_tokens t JOIN organisers o ON o.id = t.organiser_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let last: Option<i64> = r.try_get("last_used_at")?;
        if last.is_none_or(|t| now - t >= USED_EVERY_MS) {
            let _w = self.write.lock().await;
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(r.try_get::<i64, _>("token_id")?)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(super::organiser_from_row(&r)?))
    }

    pub(super) async fn api_create_webhook(
        &self,
        organiser_id: i64,
        url: &str,
        secret: &str,
        include_text: bool,
    ) -> StorageResult<i64> {
        let _w = self.write.lock().await;
        Ok(sqlx::query_scalar(
            "INSERT INTO webhooks (organiser_id, url, secret, include_text, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(organiser_id)
        .bind(url)
        .bind(secret)
        .bind(include_text as i64)
        .bind(crate::model::now_ms())
        .fetch_one(&self.pool)
        .await?)
    }

    pub(super) async fn api_webhooks_of(&self, organiser_id: i64) -> StorageResult<Vec<Webhook>> {
        let rows = sqlx::query(
            "SELECT w.id, w.url, w.include_text, w.created_at, d.id AS delivery, d.last_status, \
             d.delivered, d.done_at, d.next_at \
             FROM webhooks w LEFT JOIN webhook_deliveries d ON d.id = \
             (SELECT MAX(id) FROM webhook_deliveries WHERE webhook_id = w.id) \
             WHERE w.organiser_id = $1 ORDER BY w.id",
        )
        .bind(organiser_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let delivery: Option<i64> = r.try_get("delivery")?;
            let last = match delivery {
                None => None,
                Some(_) => {
                    let status: Option<String> = r.try_get("last_status")?;
                    let done: Option<i64> = r.try_get("done_at")?;
                    let next: Option<i64> = r.try_get("next_at")?;
                    let delivered: Option<i64> = r.try_get("delivered")?;
                    Some((
                        status.unwrap_or_else(|| "queued".into()),
                        done.or(next).unwrap_or_default(),
                        delivered.unwrap_or_default() != 0,
                    ))
                }
            };
            out.push(Webhook {
                id: r.try_get("id")?,
                url: r.try_get("url")?,
                include_text: r.try_get::<i64, _>("include_text")? != 0,
                created_at: r.try_get("created_at")?,
                last,
            });
        }
        Ok(out)
    }

    pub(super) async fn api_delete_webhook(
        &self,
        organiser_id: i64,
        id: i64,
    ) -> StorageResult<bool> {
        let _w = self.write.lock().await;
        let mut tx = self.pool.begin().await?;
        let owned: Option<i64> =
            sqlx::query_scalar("SELECT id FROM webhooks WHERE id = $1 AND organiser_id = $2")
                .bind(id)
                .bind(organiser_id)
                .fetch_optional(&mut *tx)
                .await?;
        if owned.is_none() {
            return Ok(false);
        }
        sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM webhooks WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    pub(super) async fn api_due_deliveries(
        &self,
        now: i64,
        limit: i64,
    ) -> StorageResult<Vec<Delivery>> {
        let rows = sqlx::query(
            "SELECT d.id, d.event_id, d.kind, d.attempts, d.next_at, w.url, w.secret, \
             w.include_text FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
             WHERE d.done_at IS NULL AND d.next_at <= $1 ORDER BY d.next_at, d.id LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            out.push(Delivery {
                id: r.try_get("id")?,
                event_id: r.try_get("event_id")?,
                kind: r.try_get("kind")?,
                attempts: r.try_get("attempts")?,
                next_at: r.try_get("next_at")?,
                url: r.try_get("url")?,
                secret: r.try_get("secret")?,
                include_text: r.try_get::<i64, _>("include_text")? != 0,
            });
        }
        Ok(out)
    }

    pub(super) async fn api_claim_delivery(&self, d: &Delivery, until: i64) -> StorageResult<bool> {
        let _w = self.write.lock().await;
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET next_at = $1 \
             WHERE id = $2 AND next_at = $3 AND done_at IS NULL",
        )
        .bind(until)
        .bind(d.id)
        .bind(d.next_at)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub(super) async fn api_record_delivery(
        &self,
        id: i64,
        attempts: i64,
        status: &str,
        delivered: bool,
        next_at: Option<i64>,
    ) -> StorageResult<()> {
        let _w = self.write.lock().await;
        let now = crate::model::now_ms();
        let q = match next_at {
            Some(next) => sqlx::query(
                "UPDATE webhook_deliveries SET attempts = $1, last_status = $2, delivered = $3, \
                 next_at = $4 WHERE id = $5",
            )
            .bind(attempts)
            .bind(status)
            .bind(delivered as i64)
            .bind(next),
            None => sqlx::query(
                "UPDATE webhook_deliveries SET attempts = $1, last_status = $2, delivered = $3, \
                 done_at = $4 WHERE id = $5",
            )
            .bind(attempts)
            .bind(status)
            .bind(delivered as i64)
            .bind(now),
        };
        q.bind(id).execute(&self.pool).await?;
        Ok(())
    }
}
