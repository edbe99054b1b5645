//! SQL storage: SQLite (the default) or PostgreSQL, through sqlx's `Any` driver, so every
//! query is written once. The SQL is the dialect both understand (`$1` placeholders,
//! `ON CONFLICT`, `RETURNING`, `CAST(... AS BIGINT)`); the few places that differ ask
//! [`SqlStorage::backend`]. Each backend has its own migrations (`migrations/sqlite`,
//! `migrations/postgres`) describing the same tables.
//!
//! SQLite durability: with WAL and `synchronous=FULL` every commit is fsynced before `apply`
//! returns, so an acknowledged comment survives both a killed process and a power cut
//! (measured cost: see docs/performance.md). Writes are serialised by one async mutex:
//! SQLite has a single writer anyway, and taking it in-process avoids `SQLITE_BUSY` on lock
//! upgrades.
//!
//! PostgreSQL: several server nodes may share one database. Every change to an event first
//! locks the event's row (`SELECT ... FOR UPDATE`), so changes to one event are serialised
//! across nodes and the counter row `events.last_seq` hands out numbers in commit order.
//! The same transaction sends `NOTIFY roundtable_changes, 'EVENT:SEQ'` once, with its
//! highest number; PostgreSQL delivers notifications at commit, in commit order, and every
//! node's hub reads what it has not seen from `event_log` (see `hub::cluster`).

mod api;
mod facilitation;
mod pledges;
mod posting;
mod privacy;
mod reports;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use sqlx::AnyPool;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::pool::PoolConnection;
use sqlx::{Any, Row, Transaction};
use tokio::sync::Mutex;

use super::{
    Actor, Applied, AuditEntry, Change, EventKey, EventSecrets, Item, LinkKind, Numbered,
    Organiser, Storage, StorageError, StorageResult, TableStats,
};
use crate::agenda::Moderation;
use crate::model::{
    Comment, Event, EventState, InputError, NewEvent, Round, RoundKind, Source, Table, now_ms,
};

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a database URL names, or a sentence saying what is wrong with it.
    pub fn of_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            anyhow::bail!(
                "--database-url must start with sqlite: (e.g. sqlite:roundtable.db) or postgres:// (e.g. postgres://user@host/db)"
            )
        }
    }
}

/// The channel every node listens on for numbered changes, `EVENT:SEQ` (PostgreSQL only).
pub const CHANGES_CHANNEL: &str = "roundtable_changes";
/// The channel for everything else nodes tell each other (replaced links).
pub const NODES_CHANNEL: &str = "roundtable_nodes";

/// SQL-backed [`Storage`].
pub struct SqlStorage {
    pool: AnyPool,
    /// Where write transactions run. SQLite: one connection of its own, so its page cache
    /// and prepared statements stay warm from one batch to the next (in WAL mode a
    /// connection drops its whole page cache when another has written since it last
    /// looked). PostgreSQL: `pool` itself.
    writer: AnyPool,
    backend: Backend,
    url: String,
    /// Serialises write transactions (see the module docs). On SQLite it keeps the one
    /// `writer` connection, taken once and held: a connection given back to a pool only
    /// becomes free again when a task the runtime schedules returns it, which under load
    /// kept the next batch waiting for milliseconds.
    write: Mutex<WriteSlot>,
    /// SQLite's `PRAGMA max_page_count` for every connection: a way for tests to make the
    /// disk "full" without mount rights (see `set_disk_full`).
    page_limit: Arc<AtomicI64>,
}

/// The connection write transactions use, once taken (SQLite only).
type WriteSlot = Option<PoolConnection<Any>>;

/// SQLite's own ceiling for `max_page_count`.
const NO_PAGE_LIMIT: i64 = 4_294_967_294;
const POOL_SIZE: u32 = 8;
/// How long closing a pool may wait for its connections at shutdown.
const CLOSE_WAIT: Duration = Duration::from_secs(3);
/// PostgreSQL connections per node: a server shared by several nodes has room for them.
const PG_POOL_SIZE: u32 = 16;

/// A pool of `size` SQLite connections to `url`, each with [`sqlite_pragmas`].
async fn sqlite_pool(url: &str, size: u32, page_limit: &Arc<AtomicI64>) -> anyhow::Result<AnyPool> {
    let limit = page_limit.clone();
    AnyPoolOptions::new()
        .max_connections(size)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        // A local file: no network that could have dropped the connection while it idled.
        .test_before_acquire(false)
        .after_connect(move |conn, _| {
            let limit = limit.load(Ordering::SeqCst);
            Box::pin(async move {
                sqlx::raw_sql(sqlx::AssertSqlSafe(sqlite_pragmas(limit)))
                    .execute(conn)
                    .await?;
                Ok(())
            })
        })
        .connect(url)
        .await
        .context("could not open the SQLite database")
}

/// Settings asserted on every SQLite connection, rather than trusting defaults. The wait
/// for a busy database comes first, so none of the others can fail on a lock. The journal
/// mode is not here: [`sqlite_wal`] sets it once, and the file keeps it.
fn sqlite_pragmas(page_limit: i64) -> String {
    format!(
        "PRAGMA busy_timeout = 10000; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; \
         PRAGMA temp_store = MEMORY; PRAGMA secure_delete = ON; \
         PRAGMA max_page_count = {page_limit}; PRAGMA cache_size = -32000; PRAGMA wal_autocheckpoint = 8000;"
    )
}

/// Switches the SQLite file at `url` to WAL on one connection of its own, before any pool
/// opens. Done on every pool connection instead, two connections opening a new file at once
/// both tried to switch it, and one failed with "database is locked" (the pool retried, but
/// logged an error at about one start in thirty). WAL is a property of the file: it stays.
async fn sqlite_wal(url: &str) -> anyhow::Result<()> {
    use sqlx::Connection;
    let mut conn = sqlx::AnyConnection::connect(url)
        .await
        .context("could not open the SQLite database")?;
    sqlx::raw_sql("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL;")
        .execute(&mut conn)
        .await
        .context("could not switch the SQLite database to WAL")?;
    conn.close().await?;
    Ok(())
}

impl SqlStorage {
    /// Opens (creating if needed) and migrates the database at `url` (`sqlite:PATH` or
    /// `postgres://...`).
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let page_limit = Arc::new(AtomicI64::new(NO_PAGE_LIMIT));
        // `mode=rwc`: create the SQLite file if it is missing.
        let sqlite_url = if url.contains('?') {
            url.to_string()
        } else {
            format!("{url}?mode=rwc")
        };
        if backend == Backend::Sqlite {
            sqlite_wal(&sqlite_url).await?;
        }
        let pool = match backend {
            Backend::Sqlite => sqlite_pool(&sqlite_url, POOL_SIZE, &page_limit).await?,
            Backend::Postgres => AnyPoolOptions::new()
                .max_connections(PG_POOL_SIZE)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await
                .context("could not connect to the PostgreSQL database")?,
        };
        match backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&pool).await,
            Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(&pool).await,
        }
        .context("could not apply database migrations")?;
        // Tables made before per-table facilitator links existed get theirs now.
        let missing: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM event_tables WHERE facilitator_token IS NULL")
                .fetch_all(&pool)
                .await?;
        for id in missing {
            sqlx::query("UPDATE event_tables SET facilitator_token = $1 WHERE id = $2")
                .bind(crate::security::new_token()?)
                .bind(id)
                .execute(&pool)
                .await?;
        }
        if backend == Backend::Sqlite {
            let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
                .fetch_one(&pool)
                .await?;
            anyhow::ensure!(
                mode.eq_ignore_ascii_case("wal"),
                "SQLite is not in WAL mode ({mode})"
            );
            let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(&pool)
                .await?;
            anyhow::ensure!(sync == 2, "SQLite synchronous is {sync}, expected FULL (2)");
        }
        let writer = match backend {
            Backend::Sqlite => sqlite_pool(&sqlite_url, 1, &page_limit).await?,
            Backend::Postgres => pool.clone(),
        };
        Ok(Self {
            pool,
            writer,
            backend,
            url: url.to_string(),
            write: Mutex::new(None),
            page_limit,
        })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL it was opened with (the cluster listener opens its own connection).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Begins a transaction that will write: SQLite takes its write lock at once
    /// (`BEGIN IMMEDIATE`, so a read never has to upgrade); PostgreSQL locks rows as it goes.
    /// `slot` is the guard of `write`, held for as long as the transaction.
    async fn begin_write<'a>(
        &self,
        slot: &'a mut WriteSlot,
    ) -> Result<Transaction<'a, Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => {
                let conn = self.writer_conn(slot).await?;
                sqlx::Connection::begin_with(&mut **conn, "BEGIN IMMEDIATE").await
            }
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// SQLite's writing connection, taken from its pool the first time.
    async fn writer_conn<'a>(
        &self,
        slot: &'a mut WriteSlot,
    ) -> Result<&'a mut PoolConnection<Any>, sqlx::Error> {
        Ok(match slot {
            Some(conn) => conn,
            None => slot.insert(self.writer.acquire().await?),
        })
    }

    /// Test hook (SQLite only): caps the database at its current size (`true`), so the next
    /// write that needs a new page fails with SQLITE_FULL as on a full disk, or lifts the cap.
    pub async fn set_disk_full(&self, full: bool) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.backend == Backend::Sqlite,
            "a full disk can only be simulated on SQLite"
        );
        let mut slot = self.write.lock().await;
        let writer = self.writer_conn(&mut slot).await?;
        let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
            .fetch_one(&mut **writer)
            .await?;
        let limit = if full { pages } else { NO_PAGE_LIMIT };
        self.page_limit.store(limit, Ordering::SeqCst);
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "PRAGMA max_page_count = {limit}"
        )))
        .execute(&mut **writer)
        .await?;
        let mut conns = Vec::new();
        for _ in 0..POOL_SIZE {
            conns.push(self.pool.acquire().await?);
        }
        for conn in &mut conns {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "PRAGMA max_page_count = {limit}"
            )))
            .execute(&mut **conn)
            .await?;
        }
        Ok(())
    }

    /// Writes a consistent copy of the whole SQLite database to `file`, a new file, while the
    /// server may go on writing (SQLite's `VACUUM INTO` reads one snapshot). Returns its size
    /// in bytes.
    pub async fn backup(&self, file: &std::path::Path) -> anyhow::Result<u64> {
        anyhow::ensure!(
            self.backend == Backend::Sqlite,
            "backup copies a SQLite database; for PostgreSQL use pg_dump"
        );
        anyhow::ensure!(
            !file.exists(),
            "{} already exists: a backup never overwrites a file, choose a new name",
            file.display()
        );
        let name = file
            .to_str()
            .context("the backup file's name must be valid UTF-8")?;
        sqlx::query("VACUUM INTO $1")
            .bind(name)
            .execute(&self.pool)
            .await
            .with_context(|| format!("could not write the backup to {}", file.display()))?;
        Ok(std::fs::metadata(file)?.len())
    }

    /// Closes the pool (checkpointing SQLite's WAL).
    pub async fn close(&self) {
        // The held writer connection goes back first, or closing its pool would wait for it.
        drop(self.write.lock().await.take());
        // sqlx's `Pool::close` waits for every connection to come back, and a connection
        // returned by a task cancelled at shutdown (the sweeper's or the webhook worker's
        // query) can race it and never be counted back: the process then hung after
        // SIGTERM (seen once in the crash test). Everything acknowledged is committed by
        // now, so waiting longer buys nothing: give each pool a bounded time.
        for (name, pool) in [("writer", &self.writer), ("reader", &self.pool)] {
            if tokio::time::timeout(CLOSE_WAIT, pool.close())
                .await
                .is_err()
            {
                tracing::warn!(pool = name, "a database connection did not close in time");
            }
        }
    }
}

const COMMENT_COLUMNS: &str = "c.id, c.table_id, t.number AS table_number, c.round_id, c.body, \
     c.display_name, c.source, \
     CASE WHEN EXISTS (SELECT 1 FROM comments m WHERE m.merged_into = c.id) \
          THEN (SELECT COUNT(DISTINCT a.voter) FROM agreements a WHERE a.comment_id IN \
                (SELECT m.id FROM comments m WHERE m.id = c.id OR m.merged_into = c.id)) \
          ELSE c.agrees END AS agrees, \
     (SELECT COUNT(*) FROM comments m WHERE m.merged_into = c.id) AS merged_count, \
     c.highlighted, c.highlighted_at, c.hidden, c.hidden_reason, c.created_at, c.approved, \
     c.reply_to, c.starred, c.tags, c.original_body, c.merged_into, c.author, \
     CASE WHEN c.deleted_at IS NULL THEN 0 ELSE 1 END AS deleted";

fn comment_from_row(row: &AnyRow) -> Result<Comment, sqlx::Error> {
    let source: String = row.try_get("source")?;
    let tags: String = row.try_get("tags")?;
    let original: Option<String> = row.try_get("original_body")?;
    Ok(Comment {
        id: row.try_get("id")?,
        table_id: row.try_get("table_id")?,
        table_number: row.try_get("table_number")?,
        round_id: row.try_get("round_id")?,
        text: row.try_get("body")?,
        name: row.try_get("display_name")?,
        source: if source == "facilitator" {
            Source::Facilitator
        } else {
            Source::Attendee
        },
        agrees: row.try_get("agrees")?,
        highlighted: row.try_get::<i64, _>("highlighted")? != 0,
        highlighted_at: row.try_get("highlighted_at")?,
        hidden: row.try_get::<i64, _>("hidden")? != 0,
        created_at: row.try_get("created_at")?,
        approved: row.try_get::<i64, _>("approved")? != 0,
        reply_to: row.try_get("reply_to")?,
        edited: original.is_some(),
        merged_count: row.try_get("merged_count")?,
        hidden_reason: row.try_get("hidden_reason")?,
        merged_into: row.try_get("merged_into")?,
        starred: row.try_get::<i64, _>("starred")? != 0,
        tags: serde_json::from_str(&tags).unwrap_or_default(),
        original,
        author: row.try_get("author")?,
        deleted: row.try_get::<i64, _>("deleted")? != 0,
    })
}

/// An organiser from a row with `id`, `email`, `name` and `password_hash`.
fn organiser_from_row(row: &AnyRow) -> Result<Organiser, sqlx::Error> {
    Ok(Organiser {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        password_hash: row.try_get("password_hash")?,
    })
}

fn round_from_row(row: &AnyRow) -> Result<Round, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    Ok(Round {
        id: row.try_get("id")?,
        number: row.try_get("number")?,
        prompt: row.try_get("prompt")?,
        kind: RoundKind::parse(&kind).unwrap_or(RoundKind::Same),
        status: row.try_get("status")?,
    })
}

fn event_from_row(row: &AnyRow) -> Result<Event, sqlx::Error> {
    Ok(Event {
        id: row.try_get("id")?,
        organiser_id: row.try_get("organiser_id")?,
        title: row.try_get("title")?,
        place: row.try_get("place")?,
        date: row.try_get("date")?,
        description: row.try_get("description")?,
        open: row.try_get::<i64, _>("is_open")? != 0,
        code: row.try_get("code")?,
        facilitator_token: row.try_get("facilitator_token")?,
        wall_token: row.try_get("wall_token")?,
        moderation: if row.try_get::<String, _>("moderation")? == "pre" {
            Moderation::Pre
        } else {
            Moderation::Post
        },
        labels: serde_json::from_str(&row.try_get::<String, _>("labels")?).unwrap_or_default(),
    })
}

async fn comment_in(
    tx: &mut Transaction<'_, Any>,
    event_id: i64,
    comment_id: i64,
) -> StorageResult<Comment> {
    let sql = format!(
        "SELECT {COMMENT_COLUMNS} FROM comments c JOIN event_tables t ON t.id = c.table_id \
         WHERE c.id = $1 AND c.event_id = $2"
    );
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(comment_id)
        .bind(event_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StorageError::NotFound("comment"))?;
    Ok(comment_from_row(&row)?)
}

async fn round_in(
    tx: &mut Transaction<'_, Any>,
    event_id: i64,
    round_id: i64,
) -> StorageResult<Round> {
    let row = sqlx::query(
        "SELECT id, number, prompt, kind, status FROM rounds WHERE id = $1 AND event_id = $2",
    )
    .bind(round_id)
    .bind(event_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StorageError::NotFound("round"))?;
    Ok(round_from_row(&row)?)
}

/// Takes the event's next sequence number and records the change, inside `tx`: one
/// statement, as the log line's insert moves the event's counter (`event_log_numbered`
/// trigger). On PostgreSQL the batch's `NOTIFY` goes out once, in [`notify_nodes`].
async fn number(
    tx: &mut Transaction<'_, Any>,
    event_id: i64,
    kind: &str,
    comment_id: Option<i64>,
    round_id: Option<i64>,
) -> StorageResult<i64> {
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO event_log (event_id, seq, kind, comment_id, round_id, created_at) \
         SELECT id, last_seq + 1, $2, $3, $4, $5 FROM events WHERE id = $1 RETURNING seq",
    )
    .bind(event_id)
    .bind(kind)
    .bind(comment_id)
    .bind(round_id)
    .bind(now_ms())
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StorageError::NotFound("event"))?;
    Ok(seq)
}

/// PostgreSQL: tells every node's listener the highest number in `results`, delivered when
/// (and only if) this transaction commits. Listeners read every change up to it that they
/// have not seen, so one notification covers a batch.
async fn notify_nodes(
    tx: &mut Transaction<'_, Any>,
    event_id: i64,
    results: &[StorageResult<Applied>],
) -> StorageResult<()> {
    let last = results
        .iter()
        .flatten()
        .flat_map(|a| a.changes.iter().map(|n| n.seq))
        .max();
    if let (true, Some(seq)) = (is_postgres(tx), last) {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANGES_CHANNEL)
            .bind(format!("{event_id}:{seq}"))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Stores a run of attendees' posts (see [`posting`]), adding their answers to `out`.
/// `false`: a statement failed, and the transaction must be rolled back.
async fn store_run(
    tx: &mut Transaction<'_, Any>,
    event_id: i64,
    run: &mut Vec<posting::NewPost>,
    out: &mut Vec<StorageResult<Applied>>,
) -> StorageResult<bool> {
    if run.is_empty() {
        return Ok(true);
    }
    let posts = std::mem::take(run);
    let mut ctx = posting::PostContext::read(tx, event_id).await?;
    match posting::post_run(tx, event_id, &mut ctx, posts).await {
        Ok(answers) => {
            out.extend(answers);
            Ok(true)
        }
        // Whatever failed, the careful way (a savepoint each) says which post and why. The
        // error itself is not logged here: a database's message may quote the row.
        Err(_) => {
            tracing::warn!(
                event_id,
                "a batch of posts failed part-way; trying each alone"
            );
            Ok(false)
        }
    }
}

fn is_postgres(tx: &Transaction<'_, Any>) -> bool {
    tx.backend_name() == "PostgreSQL"
}

/// PostgreSQL: takes the event's row lock first, so that the checks a change makes (round
/// open, comment not deleted...) and its number are consistent with every other node's
/// writes to the same event. SQLite's `BEGIN IMMEDIATE` already holds the only write lock.
async fn lock_event(tx: &mut Transaction<'_, Any>, event_id: i64) -> StorageResult<()> {
    if is_postgres(tx) {
        sqlx::query("SELECT id FROM events WHERE id = $1 FOR UPDATE")
            .bind(event_id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

fn refused(code: &'static str, message: &str) -> StorageError {
    StorageError::Refused(InputError::new(code, message))
}

impl SqlStorage {
    /// One change in its own transaction, no savepoint.
    async fn apply_single(
        &self,
        slot: &mut WriteSlot,
        event_id: i64,
        change: Change,
        actor: Option<Actor>,
    ) -> StorageResult<Vec<StorageResult<Applied>>> {
        let mut tx = self.begin_write(slot).await?;
        lock_event(&mut tx, event_id).await?;
        let result = match self.apply_one(&mut tx, event_id, change, actor).await {
            Ok((applied, true)) => {
                let out = vec![Ok(applied)];
                notify_nodes(&mut tx, event_id, &out).await?;
                tx.commit().await?;
                return Ok(out);
            }
            Ok((applied, false)) => {
                tx.rollback().await?;
                Ok(applied)
            }
            Err(e) => {
                // Now, while the write lock is held, not when the connection is next used.
                tx.rollback().await?;
                Err(e)
            }
        };
        Ok(vec![result])
    }

    /// Group commit: every change in one transaction, one commit and one fsync for them all.
    /// A refused change leaves the others: a change in a savepoint of its own, except an
    /// attendee's post when `posts_bare` (its checks all come before its one write, see
    /// [`posting`]). `None`: such a post failed part-way, and everything was rolled back.
    async fn batch(
        &self,
        slot: &mut WriteSlot,
        event_id: i64,
        changes: &[(Change, Option<Actor>)],
        posts_bare: bool,
    ) -> StorageResult<Option<Vec<StorageResult<Applied>>>> {
        let mut tx = self.begin_write(slot).await?;
        lock_event(&mut tx, event_id).await?;
        let mut out = Vec::with_capacity(changes.len());
        // Attendees' posts in a row, stored together when something else comes or at the end.
        let mut run: Vec<posting::NewPost> = Vec::new();
        for (change, actor) in changes {
            if posts_bare
                && actor.is_none()
                && matches!(change, Change::Post { .. })
                && let Ok(post) = posting::NewPost::try_from(change.clone())
            {
                run.push(post);
                continue;
            }
            if !store_run(&mut tx, event_id, &mut run, &mut out).await? {
                tx.rollback().await?;
                return Ok(None);
            }
            let mut one = sqlx::Connection::begin(&mut *tx).await?;
            match self
                .apply_one(&mut one, event_id, change.clone(), actor.clone())
                .await
            {
                Ok((applied, true)) => {
                    one.commit().await?;
                    out.push(Ok(applied));
                }
                Ok((applied, false)) => {
                    one.rollback().await?;
                    out.push(Ok(applied));
                }
                Err(e) => {
                    one.rollback().await?;
                    out.push(Err(e));
                }
            }
        }
        if !store_run(&mut tx, event_id, &mut run, &mut out).await? {
            tx.rollback().await?;
            return Ok(None);
        }
        notify_nodes(&mut tx, event_id, &out).await?;
        tx.commit().await?;
        Ok(Some(out))
    }

    /// One change inside `tx`: the console's scope checks, the change, its activity-log
    /// line. `false`: nothing to keep (no change and nothing to log).
    async fn apply_one(
        &self,
        tx: &mut Transaction<'_, Any>,
        event_id: i64,
        change: Change,
        actor: Option<Actor>,
    ) -> StorageResult<(Applied, bool)> {
        if let Some(actor) = &actor {
            facilitation::check_scope(tx, event_id, &change, actor).await?;
            facilitation::check_not_deleted(tx, event_id, &change).await?;
        }
        let audit = match &actor {
            Some(_) => Some(facilitation::describe(tx, event_id, &change).await?),
            None => None,
        };
        let applied = self.apply_in(tx, event_id, change).await?;
        if let (Some(actor), Some((action, comment_id))) = (&actor, audit) {
            facilitation::record(tx, event_id, actor, &action, comment_id, &applied).await?;
            return Ok((applied, true));
        }
        let keep = !applied.changes.is_empty();
        Ok((applied, keep))
    }

    async fn apply_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        event_id: i64,
        change: Change,
    ) -> StorageResult<Applied> {
        let change = match posting::NewPost::try_from(change) {
            Ok(post) => {
                let mut ctx = posting::PostContext::read(tx, event_id).await?;
                return posting::post_run(tx, event_id, &mut ctx, vec![post])
                    .await?
                    .pop()
                    .unwrap_or(Err(StorageError::NotFound("comment")));
            }
            Err(other) => other,
        };
        let mut applied = Applied::default();
        let event_open: i64 = sqlx::query_scalar("SELECT is_open FROM events WHERE id = $1")
            .bind(event_id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StorageError::NotFound("event"))?;
        match change {
            // Taken by `posting` above.
            Change::Post { .. } => return Err(StorageError::NotFound("change")),
            Change::DeleteOwn { comment_id, author } => {
                let c = comment_in(tx, event_id, comment_id).await?;
                if c.deleted || c.author.as_deref() != Some(author.as_str()) {
                    return Err(StorageError::NotFound("comment"));
                }
                sqlx::query(
                    "UPDATE comments SET body = '', display_name = NULL, original_body = NULL, \
                     author = NULL, tags = '[]', starred = 0, highlighted = 0, \
                     highlighted_at = NULL, hidden = 1, \
                     hidden_reason = 'Deleted by the person who wrote it.', agrees = 0, \
                     deleted_at = $1 WHERE id = $2",
                )
                .bind(now_ms())
                .bind(comment_id)
                .execute(&mut **tx)
                .await?;
                sqlx::query("DELETE FROM agreements WHERE comment_id = $1")
                    .bind(comment_id)
                    .execute(&mut **tx)
                    .await?;
                // Replies to it stand on their own; duplicates merged into it come back.
                let freed: Vec<i64> = sqlx::query_scalar(
                    "SELECT id FROM comments WHERE (reply_to = $1 OR merged_into = $2) AND id != $3",
                )
                .bind(comment_id)
                .bind(comment_id)
                .bind(comment_id)
                .fetch_all(&mut **tx)
                .await?;
                sqlx::query(
                    "UPDATE comments SET reply_to = CASE WHEN reply_to = $1 THEN NULL ELSE reply_to END, \
                     merged_into = CASE WHEN merged_into = $2 THEN NULL ELSE merged_into END \
                     WHERE reply_to = $3 OR merged_into = $4",
                )
                .bind(comment_id)
                .bind(comment_id)
                .bind(comment_id)
                .bind(comment_id)
                .execute(&mut **tx)
                .await?;
                let seq = number(tx, event_id, "deleted", Some(comment_id), None).await?;
                let gone = comment_in(tx, event_id, comment_id).await?;
                applied.changes.push(Numbered {
                    seq,
                    kind: "deleted".into(),
                    item: Item::Comment(gone.clone()),
                });
                for id in freed {
                    let seq = number(tx, event_id, "unmerged", Some(id), None).await?;
                    let c = comment_in(tx, event_id, id).await?;
                    applied.changes.push(Numbered {
                        seq,
                        kind: "unmerged".into(),
                        item: Item::Comment(c),
                    });
                }
                applied.comment = Some(gone);
            }
            Change::Agree {
                comment_id,
                table_id,
                voter,
            } => {
                let mut comment = comment_in(tx, event_id, comment_id).await?;
                if let Some(root) = comment.merged_into {
                    // Agreeing with a duplicate agrees with the comment it is shown as.
                    comment = comment_in(tx, event_id, root).await?;
                }
                let comment_id = comment.id;
                if !comment.is_public() || comment.table_id != table_id {
                    return Err(StorageError::NotFound("comment"));
                }
                if event_open == 0 {
                    return Err(refused(
                        "event_closed",
                        "This event has finished, so agreements are closed too.",
                    ));
                }
                // One agreement per device with what is shown as one comment, merged
                // duplicates included.
                let already: Option<i64> = sqlx::query_scalar(
                    "SELECT 1 FROM agreements a JOIN comments m ON m.id = a.comment_id \
                     WHERE a.voter = $1 AND (m.id = $2 OR m.merged_into = $3) LIMIT 1",
                )
                .bind(&voter)
                .bind(comment_id)
                .bind(comment_id)
                .fetch_optional(&mut **tx)
                .await?;
                if already.is_some() {
                    applied.comment = Some(comment);
                    return Ok(applied);
                }
                let inserted = sqlx::query(
                    "INSERT INTO agreements (comment_id, voter) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(comment_id)
                .bind(&voter)
                .execute(&mut **tx)
                .await?
                .rows_affected();
                if inserted == 1 {
                    sqlx::query("UPDATE comments SET agrees = agrees + 1 WHERE id = $1")
                        .bind(comment_id)
                        .execute(&mut **tx)
                        .await?;
                    let seq = number(tx, event_id, "agreed", Some(comment_id), None).await?;
                    let comment = comment_in(tx, event_id, comment_id).await?;
                    applied.changes.push(Numbered {
                        seq,
                        kind: "agreed".into(),
                        item: Item::Comment(comment.clone()),
                    });
                    applied.comment = Some(comment);
                } else {
                    applied.comment = Some(comment);
                }
            }
            Change::Hide {
                comment_id,
                on,
                reason,
            } => {
                let comment = comment_in(tx, event_id, comment_id).await?;
                // Hiding again with another reason updates the reason.
                let new_reason =
                    on && comment.hidden && reason.is_some() && comment.hidden_reason != reason;
                if comment.hidden != on || new_reason {
                    // Hiding takes a comment off the wall too: restoring it doesn't put it
                    // back on the projector by surprise.
                    sqlx::query(
                        "UPDATE comments SET hidden = $1, hidden_reason = $2, \
                         highlighted = CASE WHEN $3 THEN 0 ELSE highlighted END, \
                         highlighted_at = CASE WHEN $4 THEN NULL ELSE highlighted_at END WHERE id = $5",
                    )
                        .bind(on as i64)
                        .bind(if on { reason } else { None })
                        .bind(on)
                        .bind(on)
                        .bind(comment_id)
                        .execute(&mut **tx)
                        .await?;
                    let kind = if on { "hidden" } else { "restored" };
                    let seq = number(tx, event_id, kind, Some(comment_id), None).await?;
                    let comment = comment_in(tx, event_id, comment_id).await?;
                    applied.changes.push(Numbered {
                        seq,
                        kind: kind.into(),
                        item: Item::Comment(comment),
                    });
                }
            }
            Change::Highlight { comment_id, on } => {
                let comment = comment_in(tx, event_id, comment_id).await?;
                if on && !comment.approved {
                    return Err(refused(
                        "bad_request",
                        "This comment is waiting for approval: approve it before putting it on the wall.",
                    ));
                }
                if let (true, Some(root)) = (on, comment.merged_into) {
                    return Err(refused(
                        "bad_request",
                        &format!("This comment was merged into #{root}: put that one on the wall."),
                    ));
                }
                if comment.highlighted != on {
                    sqlx::query(
                        "UPDATE comments SET highlighted = $1, highlighted_at = $2 WHERE id = $3",
                    )
                    .bind(on as i64)
                    .bind(on.then(now_ms))
                    .bind(comment_id)
                    .execute(&mut **tx)
                    .await?;
                    let kind = if on { "highlighted" } else { "unhighlighted" };
                    let seq = number(tx, event_id, kind, Some(comment_id), None).await?;
                    let comment = comment_in(tx, event_id, comment_id).await?;
                    applied.changes.push(Numbered {
                        seq,
                        kind: kind.into(),
                        item: Item::Comment(comment),
                    });
                }
            }
            Change::OpenRound { round_id } => {
                self.open_round_in(tx, event_id, round_id, &mut applied)
                    .await?;
            }
            Change::CloseRound => {
                let current: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM rounds WHERE event_id = $1 AND status = 'open'",
                )
                .bind(event_id)
                .fetch_optional(&mut **tx)
                .await?;
                if let Some(current) = current {
                    self.close_round_in(tx, event_id, current, &mut applied)
                        .await?;
                }
            }
            Change::SetOpen { open } => {
                if (event_open != 0) != open {
                    sqlx::query("UPDATE events SET is_open = $1 WHERE id = $2")
                        .bind(open as i64)
                        .bind(event_id)
                        .execute(&mut **tx)
                        .await?;
                    let kind = if open { "opened" } else { "closed" };
                    if !open {
                        api::queue_closed(tx, event_id).await?;
                    }
                    let seq = number(
                        tx,
                        event_id,
                        if open { "event_opened" } else { "event_closed" },
                        None,
                        None,
                    )
                    .await?;
                    let moderation = facilitation::moderation_of(tx, event_id).await?;
                    let labels = facilitation::labels_of(tx, event_id).await?;
                    applied.changes.push(Numbered {
                        seq,
                        kind: kind.into(),
                        item: Item::Event {
                            open,
                            moderation,
                            labels,
                        },
                    });
                }
            }
            other => facilitation::apply(self, tx, event_id, other, &mut applied).await?,
        }
        Ok(applied)
    }

    /// Closes the open round (if another) and opens this one.
    pub(crate) async fn open_round_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        event_id: i64,
        round_id: i64,
        applied: &mut Applied,
    ) -> StorageResult<()> {
        let target = round_in(tx, event_id, round_id).await?;
        if !target.is_open() {
            let current: Option<i64> =
                sqlx::query_scalar("SELECT id FROM rounds WHERE event_id = $1 AND status = 'open'")
                    .bind(event_id)
                    .fetch_optional(&mut **tx)
                    .await?;
            if let Some(current) = current {
                self.close_round_in(tx, event_id, current, applied).await?;
            }
            sqlx::query("UPDATE rounds SET status = 'open' WHERE id = $1")
                .bind(round_id)
                .execute(&mut **tx)
                .await?;
            let seq = number(tx, event_id, "opened", None, Some(round_id)).await?;
            let round = round_in(tx, event_id, round_id).await?;
            applied.changes.push(Numbered {
                seq,
                kind: "opened".into(),
                item: Item::Round(round),
            });
        }
        Ok(())
    }

    pub(crate) async fn close_round_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        event_id: i64,
        round_id: i64,
        applied: &mut Applied,
    ) -> StorageResult<()> {
        sqlx::query("UPDATE rounds SET status = 'closed' WHERE id = $1")
            .bind(round_id)
            .execute(&mut **tx)
            .await?;
        let seq = number(tx, event_id, "closed", None, Some(round_id)).await?;
        let round = round_in(tx, event_id, round_id).await?;
        applied.changes.push(Numbered {
            seq,
            kind: "closed".into(),
            item: Item::Round(round),
        });
        Ok(())
    }
}

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

#[async_trait]
impl Storage for SqlStorage {
    async fn organiser_count(&self) -> StorageResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM organisers")
            .fetch_one(&self.pool)
            .await?)
    }

    async fn create_organiser(
        &self,
        email: &str,
        name: &str,
        password_hash: &str,
    ) -> StorageResult<i64> {
        let _w = self.write.lock().await;
        sqlx::query_scalar(
            "INSERT INTO organisers (email, name, password_hash, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(email)
        .bind(name)
        .bind(password_hash)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StorageError::Conflict("email")
            } else {
                e.into()
            }
        })
    }

    async fn organiser_by_email(&self, email: &str) -> StorageResult<Option<Organiser>> {
        let row =
            sqlx::query("SELECT id, email, name, password_hash FROM organisers WHERE email = $1")
                .bind(email)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.as_ref().map(organiser_from_row).transpose()?)
    }

    async fn create_session(
        &self,
        token_hash: &str,
        organiser_id: i64,
        expires_at: i64,
    ) -> StorageResult<()> {
        let _w = self.write.lock().await;
        sqlx::query("DELETE FROM organiser_sessions WHERE expires_at < $1")
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        sqlx::query("INSERT INTO organiser_sessions (token_hash, organiser_id, expires_at) VALUES ($1, $2, $3)")
            .bind(token_hash)
            .bind(organiser_id)
            .bind(expires_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn session_organiser(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StorageResult<Option<Organiser>> {
        let row = sqlx::query(
            "SELECT o.id, o.email, o.name, o.password_hash FROM organiser_sessions s \
             JOIN organisers o ON o.id = s.organiser_id WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(organiser_from_row).transpose()?)
    }

    async fn delete_session(&self, token_hash: &str) -> StorageResult<()> {
        let _w = self.write.lock().await;
        sqlx::query("DELETE FROM organiser_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn change_password(&self, organiser_id: i64, password_hash: &str) -> StorageResult<()> {
        let mut w = self.write.lock().await;
        let mut tx = self.begin_write(&mut w).await?;
        sqlx::query("UPDATE organisers SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(organiser_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM organiser_sessions WHERE organiser_id = $1")
            .bind(organiser_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_event(
        &self,
        organiser_id: Option<i64>,
        event: &NewEvent,
        secrets: &EventSecrets,
    ) -> StorageResult<i64> {
        let mut w = self.write.lock().await;
        let mut tx = self.begin_write(&mut w).await?;
        let event_id: i64 = sqlx::query_scalar(
            "INSERT INTO events (id, organiser_id, title, place, date, description, is_open, code, facilitator_token, wall_token, created_at) \
             VALUES ((SELECT high + 1 FROM event_id_high), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(organiser_id)
        .bind(&event.title)
        .bind(&event.place)
        .bind(&event.date)
        .bind(&event.description)
        .bind(event.open_now as i64)
        .bind(&secrets.code)
        .bind(&secrets.facilitator_token)
        .bind(&secrets.wall_token)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e) {
                StorageError::Conflict("code")
            } else {
                e.into()
            }
        })?;
        for ((table, token), staff) in event
            .tables
            .iter()
            .zip(&secrets.table_tokens)
            .zip(&secrets.table_facilitator_tokens)
        {
            sqlx::query(
                "INSERT INTO event_tables (event_id, number, theme, description, join_token, facilitator_token) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(event_id)
            .bind(table.number)
            .bind(&table.theme)
            .bind(&table.description)
            .bind(token)
            .bind(staff)
            .execute(&mut *tx)
            .await?;
        }
        let labels: Vec<String> = match &event.labels {
            Some(l) => l.clone(),
            None => crate::agenda::DEFAULT_LABELS
                .iter()
                .map(|s| s.to_string())
                .collect(),
        };
        sqlx::query("UPDATE events SET moderation = $1, labels = $2 WHERE id = $3")
            .bind(event.moderation.as_str())
            .bind(serde_json::to_string(&labels).map_err(anyhow::Error::new)?)
            .bind(event_id)
            .execute(&mut *tx)
            .await?;
        // Round 1 opens with the event, unless the run of show starts with something else
        // (talks first): then it opens when the lead starts its item.
        let round_first = event.agenda.first().is_none_or(|a| a.round == Some(1));
        for (i, round) in event.rounds.iter().enumerate() {
            let status = if event.open_now && i == 0 && round_first {
                "open"
            } else {
                "pending"
            };
            sqlx::query("INSERT INTO rounds (event_id, number, prompt, kind, status) VALUES ($1, $2, $3, $4, $5)")
                .bind(event_id)
                .bind(i as i64 + 1)
                .bind(&round.prompt)
                .bind(round.kind.as_str())
                .bind(status)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("INSERT INTO walls (event_id, name, is_main) VALUES ($1, 'Main wall', 1)")
            .bind(event_id)
            .execute(&mut *tx)
            .await?;
        let agenda = if event.agenda.is_empty() {
            crate::agenda::default_agenda(event.rounds.len())
        } else {
            event.agenda.clone()
        };
        for (i, item) in agenda.iter().enumerate() {
            facilitation::insert_agenda_item(&mut tx, event_id, i as i64 + 1, item).await?;
        }
        tx.commit().await?;
        Ok(event_id)
    }

    async fn events_of(&self, organiser_id: i64) -> StorageResult<Vec<Event>> {
        let rows = sqlx::query(
            "SELECT * FROM events WHERE organiser_id = $1 OR organiser_id IS NULL \
             OR id IN (SELECT event_id FROM event_organisers WHERE organiser_id = $2) \
             ORDER BY date DESC, id DESC",
        )
        .bind(organiser_id)
        .bind(organiser_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(event_from_row).collect::<Result<_, _>>()?)
    }

    async fn open_events(&self) -> StorageResult<Vec<Event>> {
        let rows = sqlx::query("SELECT * FROM events WHERE is_open = 1 ORDER BY id DESC")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(event_from_row).collect::<Result<_, _>>()?)
    }

    async fn event_state(&self, event_id: i64) -> StorageResult<Option<EventState>> {
        // One read transaction, so the state and its sequence number agree.
        let mut tx = self.pool.begin().await?;
        let Some(row) = sqlx::query("SELECT * FROM events WHERE id = $1")
            .bind(event_id)
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(None);
        };
        let event = event_from_row(&row)?;
        let seq: i64 = row.try_get("last_seq")?;
        let tables = sqlx::query(
            "SELECT id, event_id, number, theme, description, join_token, facilitator_token FROM event_tables WHERE event_id = $1 ORDER BY number",
        )
        .bind(event_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| -> Result<Table, sqlx::Error> {
            Ok(Table {
                id: r.try_get("id")?,
                event_id: r.try_get("event_id")?,
                number: r.try_get("number")?,
                theme: r.try_get("theme")?,
                description: r.try_get("description")?,
                join_token: r.try_get("join_token")?,
                facilitator_token: r
                    .try_get::<Option<String>, _>("facilitator_token")?
                    .unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
        let rounds = sqlx::query(
            "SELECT id, number, prompt, kind, status FROM rounds WHERE event_id = $1 ORDER BY number",
        )
        .bind(event_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(round_from_row)
        .collect::<Result<Vec<_>, _>>()?;
        let agenda = facilitation::agenda_in(&mut tx, event_id).await?;
        let announcement = facilitation::announcement_in(&mut tx, event_id).await?;
        let walls = facilitation::walls_in(&mut tx, event_id).await?;
        let images = facilitation::images_in(&mut tx, event_id).await?;
        tx.commit().await?;
        Ok(Some(EventState {
            event,
            tables,
            rounds,
            seq,
            agenda,
            announcement,
            walls,
            images,
        }))
    }

    async fn find_event(&self, key: EventKey<'_>) -> StorageResult<Option<i64>> {
        let (sql, value) = match key {
            EventKey::Code(c) => ("SELECT id FROM events WHERE code = $1", c),
        };
        Ok(sqlx::query_scalar(sql)
            .bind(value)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn find_table(&self, join_token: &str) -> StorageResult<Option<(i64, i64)>> {
        Ok(
            sqlx::query_as("SELECT event_id, id FROM event_tables WHERE join_token = $1")
                .bind(join_token)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn rotate_link(&self, event_id: i64, which: LinkKind, token: &str) -> StorageResult<()> {
        let _w = self.write.lock().await;
        let sql = match which {
            LinkKind::Facilitator => "UPDATE events SET facilitator_token = $1 WHERE id = $2",
            LinkKind::Wall => "UPDATE events SET wall_token = $1 WHERE id = $2",
        };
        let n = sqlx::query(sql)
            .bind(token)
            .bind(event_id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        if n == 0 {
            return Err(StorageError::NotFound("event"));
        }
        Ok(())
    }

    async fn rotate_table_links(
        &self,
        event_id: i64,
        tokens: &[(i64, String)],
    ) -> StorageResult<()> {
        let mut w = self.write.lock().await;
        let mut tx = self.begin_write(&mut w).await?;
        for (table_id, token) in tokens {
            sqlx::query(
                "UPDATE event_tables SET facilitator_token = $1 WHERE id = $2 AND event_id = $3",
            )
            .bind(token)
            .bind(table_id)
            .bind(event_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn find_wall(&self, token: &str) -> StorageResult<Option<(i64, i64)>> {
        let main: Option<(i64, i64)> = sqlx::query_as(
            "SELECT e.id, w.id FROM events e JOIN walls w \
             ON w.event_id = e.id AND w.is_main = 1 WHERE e.wall_token = $1",
        )
        .bind(token)
        .fetch_optional(&self.pool)
        .await?;
        if main.is_some() {
            return Ok(main);
        }
        Ok(
            sqlx::query_as("SELECT event_id, id FROM walls WHERE token = $1")
                .bind(token)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn rotate_wall(&self, event_id: i64, wall_id: i64, token: &str) -> StorageResult<()> {
        let _w = self.write.lock().await;
        let n = sqlx::query(
            "UPDATE walls SET token = $1 WHERE id = $2 AND event_id = $3 AND is_main = 0",
        )
        .bind(token)
        .bind(wall_id)
        .bind(event_id)
        .execute(&self.pool)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StorageError::NotFound("wall"));
        }
        Ok(())
    }

    async fn image(
        &self,
        event_id: i64,
        image_id: i64,
    ) -> StorageResult<Option<(crate::images::ImageMeta, Vec<u8>)>> {
        let mut tx = self.pool.begin().await?;
        let meta = match facilitation::image_in(&mut tx, event_id, image_id).await {
            Ok(m) => m,
            Err(StorageError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let jpeg: Vec<u8> = sqlx::query_scalar("SELECT jpeg FROM images WHERE id = $1")
            .bind(image_id)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some((meta, jpeg)))
    }

    async fn shown_count(&self, event_id: i64) -> StorageResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM comments WHERE event_id = $1 AND hidden = 0 AND approved = 1 \
             AND merged_into IS NULL",
        )
        .bind(event_id)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn find_console(&self, token: &str) -> StorageResult<Option<(i64, Option<i64>)>> {
        if let Some(id) =
            sqlx::query_scalar::<_, i64>("SELECT id FROM events WHERE facilitator_token = $1")
                .bind(token)
                .fetch_optional(&self.pool)
                .await?
        {
            return Ok(Some((id, None)));
        }
        let table: Option<(i64, i64)> =
            sqlx::query_as("SELECT event_id, id FROM event_tables WHERE facilitator_token = $1")
                .bind(token)
                .fetch_optional(&self.pool)
                .await?;
        Ok(table.map(|(event_id, table_id)| (event_id, Some(table_id))))
    }

    async fn table_stats(&self, event_id: i64) -> StorageResult<(Option<i64>, Vec<TableStats>)> {
        facilitation::table_stats(&self.pool, event_id).await
    }

    async fn audit_log(
        &self,
        event_id: i64,
        table_id: Option<i64>,
        limit: i64,
    ) -> StorageResult<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT a.at, a.actor, t.number AS table_number, a.action, a.comment_id \
             FROM audit_log a LEFT JOIN event_tables t ON t.id = a.table_id \
             WHERE a.event_id = $1 AND ($2 IS NULL OR a.table_id = $3) ORDER BY a.id DESC LIMIT $4",
        )
        .bind(event_id)
        .bind(table_id)
        .bind(table_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    at: r.try_get("at")?,
                    actor: r.try_get("actor")?,
                    table_number: r.try_get("table_number")?,
                    action: r.try_get("action")?,
                    comment_id: r.try_get("comment_id")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>()
            .map_err(Into::into)
    }

    async fn agreements(&self, event_id: i64) -> StorageResult<Vec<(i64, String)>> {
        reports::agreements(&self.pool, event_id).await
    }

    async fn import_content(
        &self,
        event_id: i64,
        checked: &crate::report::archive::Checked,
    ) -> StorageResult<()> {
        let mut w = self.write.lock().await;
        let mut tx = self.begin_write(&mut w).await?;
        reports::import_content(&mut tx, event_id, checked).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delete_event(&self, event_id: i64) -> StorageResult<()> {
        let mut w = self.write.lock().await;
        let mut tx = self.begin_write(&mut w).await?;
        // Comments refer to each other (replies, merges): drop those links first.
        sqlx::query("UPDATE comments SET reply_to = NULL, merged_into = NULL WHERE event_id = $1")
            .bind(event_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM events WHERE id = $1")
            .bind(event_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn privacy(
        &self,
        event_id: i64,
    ) -> StorageResult<Option<crate::privacy::model::Privacy>> {
        privacy::privacy(self, event_id).await
    }

    async fn save_privacy(
        &self,
        event_id: i64,
        input: &crate::privacy::model::PrivacyInput,
    ) -> StorageResult<()> {
        privacy::save_privacy(self, event_id, input).await
    }

    async fn retention_list(&self) -> StorageResult<Vec<(i64, crate::privacy::model::Privacy)>> {
        privacy::retention_list(self).await
    }

    async fn purge_contacts(&self, event_id: i64, now: i64) -> StorageResult<bool> {
        privacy::purge_contacts(self, event_id, now).await
    }

    async fn anonymise_comments(&self, event_id: i64, now: i64) -> StorageResult<bool> {
        privacy::anonymise_comments(self, event_id, now).await
    }

    async fn checkpoint(&self) -> StorageResult<()> {
        privacy::checkpoint(self).await
    }

    async fn event_organisers(
        &self,
        event_id: i64,
    ) -> StorageResult<Vec<(i64, String, String, bool)>> {
        let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
            "SELECT o.id, o.name, o.email, 1 FROM organisers o JOIN events e ON e.organiser_id = o.id \
             WHERE e.id = $1 \
             UNION ALL \
             SELECT o.id, o.name, o.email, 0 FROM organisers o \
             JOIN event_organisers eo ON eo.organiser_id = o.id WHERE eo.event_id = $2 \
             ORDER BY 4 DESC, 2",
        )
        .bind(event_id)
        .bind(event_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, email, owner)| (id, name, email, owner != 0))
            .collect())
    }

    async fn add_event_organiser(&self, event_id: i64, organiser_id: i64) -> StorageResult<()> {
        let _w = self.write.lock().await;
        sqlx::query(
            "INSERT INTO event_organisers (event_id, organiser_id, added_at) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(event_id)
        .bind(organiser_id)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn remove_event_organiser(
        &self,
        event_id: i64,
        organiser_id: i64,
    ) -> StorageResult<bool> {
        let _w = self.write.lock().await;
        let n =
            sqlx::query("DELETE FROM event_organisers WHERE event_id = $1 AND organiser_id = $2")
                .bind(event_id)
                .bind(organiser_id)
                .execute(&self.pool)
                .await?
                .rows_affected();
        Ok(n > 0)
    }

    async fn own_comments(&self, event_id: i64, author: &str) -> StorageResult<Vec<Comment>> {
        let sql = format!(
            "SELECT {COMMENT_COLUMNS} FROM comments c JOIN event_tables t ON t.id = c.table_id \
             WHERE c.event_id = $1 AND c.author = $2 AND c.deleted_at IS NULL ORDER BY c.id DESC"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(event_id)
            .bind(author)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(comment_from_row)
            .collect::<Result<_, _>>()?)
    }

    async fn about_answers(
        &self,
        event_id: i64,
    ) -> StorageResult<Vec<crate::pledges::model::About>> {
        privacy::about_answers(self, event_id).await
    }

    async fn pledge_setup(
        &self,
        event_id: i64,
    ) -> StorageResult<Option<crate::pledges::model::PledgeSetup>> {
        pledges::setup(self, event_id).await
    }

    async fn save_pledge_setup(
        &self,
        event_id: i64,
        input: &crate::pledges::model::SetupInput,
    ) -> StorageResult<()> {
        pledges::save_setup(self, event_id, input).await
    }

    async fn pledge(
        &self,
        event_id: i64,
        key_hash: &str,
    ) -> StorageResult<Option<crate::pledges::model::Pledge>> {
        pledges::pledge(self, event_id, key_hash).await
    }

    async fn pledges(&self, event_id: i64) -> StorageResult<Vec<crate::pledges::model::Pledge>> {
        pledges::pledges(self, event_id).await
    }

    async fn pledge_count(&self, event_id: i64) -> StorageResult<i64> {
        pledges::pledge_count(self, event_id).await
    }

    async fn save_pledge(
        &self,
        event_id: i64,
        key_hash: &str,
        pledge: &crate::pledges::model::NewPledge,
    ) -> StorageResult<()> {
        pledges::save_pledge(self, event_id, key_hash, pledge).await
    }

    async fn withdraw_pledge(&self, event_id: i64, key_hash: &str) -> StorageResult<bool> {
        pledges::withdraw_pledge(self, event_id, key_hash).await
    }

    async fn about(
        &self,
        event_id: i64,
        key_hash: &str,
    ) -> StorageResult<Option<crate::pledges::model::About>> {
        pledges::about(self, event_id, key_hash).await
    }

    async fn save_about(
        &self,
        event_id: i64,
        key_hash: &str,
        about: &crate::pledges::model::About,
    ) -> StorageResult<()> {
        pledges::save_about(self, event_id, key_hash, about).await
    }

    async fn about_totals(
        &self,
        event_id: i64,
    ) -> StorageResult<crate::pledges::model::AboutTotals> {
        pledges::about_totals(self, event_id).await
    }

    async fn campaigns_of(&self, organiser_id: i64) -> StorageResult<Vec<super::Campaign>> {
        reports::campaigns_of(&self.pool, organiser_id).await
    }

    async fn create_campaign(&self, organiser_id: Option<i64>, name: &str) -> StorageResult<i64> {
        let _w = self.write.lock().await;
        Ok(sqlx::query_scalar(
            "INSERT INTO campaigns (organiser_id, name, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(organiser_id)
        .bind(name)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?)
    }

    async fn campaign(&self, campaign_id: i64) -> StorageResult<Option<super::Campaign>> {
        reports::campaign(&self.pool, "c.id = $1", campaign_id).await
    }

    async fn event_campaign(&self, event_id: i64) -> StorageResult<Option<super::Campaign>> {
        reports::campaign(
            &self.pool,
            "c.id = (SELECT campaign_id FROM events WHERE id = $1)",
            event_id,
        )
        .await
    }

    async fn set_event_campaign(
        &self,
        event_id: i64,
        campaign_id: Option<i64>,
    ) -> StorageResult<()> {
        let _w = self.write.lock().await;
        sqlx::query("UPDATE events SET campaign_id = $1 WHERE id = $2")
            .bind(campaign_id)
            .bind(event_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn campaign_events(&self, campaign_id: i64) -> StorageResult<Vec<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM events WHERE campaign_id = $1 ORDER BY date, id")
                .bind(campaign_id)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn create_share(
        &self,
        token_hash: &str,
        event_id: Option<i64>,
        campaign_id: Option<i64>,
        expires_at: i64,
    ) -> StorageResult<i64> {
        let _w = self.write.lock().await;
        Ok(sqlx::query_scalar(
            "INSERT INTO report_shares (token_hash, event_id, campaign_id, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(token_hash)
        .bind(event_id)
        .bind(campaign_id)
        .bind(expires_at)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?)
    }

    async fn shares_of(
        &self,
        event_id: Option<i64>,
        campaign_id: Option<i64>,
    ) -> StorageResult<Vec<super::Share>> {
        reports::shares(
            &self.pool,
            "(event_id = $1 OR campaign_id = $2) ORDER BY id DESC",
            event_id.unwrap_or(-1),
            campaign_id.unwrap_or(-1),
        )
        .await
    }

    async fn live_share(&self, token_hash: &str, now: i64) -> StorageResult<Option<super::Share>> {
        let rows = sqlx::query(
            "SELECT id, event_id, campaign_id, expires_at, revoked, created_at FROM report_shares \
             WHERE token_hash = $1 AND revoked = 0 AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(rows.as_ref().map(reports::share_from_row).transpose()?)
    }

    async fn revoke_share(
        &self,
        share_id: i64,
        event_id: Option<i64>,
        campaign_id: Option<i64>,
    ) -> StorageResult<bool> {
        let _w = self.write.lock().await;
        let done = sqlx::query(
            "UPDATE report_shares SET revoked = 1 WHERE id = $1 AND (event_id = $2 OR campaign_id = $3)",
        )
        .bind(share_id)
        .bind(event_id.unwrap_or(-1))
        .bind(campaign_id.unwrap_or(-1))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn comments(
        &self,
        event_id: i64,
        table_id: Option<i64>,
        include_hidden: bool,
    ) -> StorageResult<Vec<Comment>> {
        let sql = format!(
            "SELECT {COMMENT_COLUMNS} FROM comments c JOIN event_tables t ON t.id = c.table_id \
             WHERE c.event_id = $1 AND ($2 IS NULL OR c.table_id = $3) AND ($4 OR c.hidden = 0) \
             AND c.deleted_at IS NULL ORDER BY c.id DESC"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(event_id)
            .bind(table_id)
            .bind(table_id)
            .bind(include_hidden)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(comment_from_row)
            .collect::<Result<_, _>>()?)
    }

    async fn agreed_by(&self, event_id: i64, voter: &str) -> StorageResult<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT a.comment_id FROM agreements a JOIN comments c ON c.id = a.comment_id \
             WHERE c.event_id = $1 AND a.voter = $2 \
             UNION SELECT c.merged_into FROM agreements a JOIN comments c ON c.id = a.comment_id \
             WHERE c.event_id = $3 AND a.voter = $4 AND c.merged_into IS NOT NULL",
        )
        .bind(event_id)
        .bind(voter)
        .bind(event_id)
        .bind(voter)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn apply(
        &self,
        event_id: i64,
        change: Change,
        actor: Option<Actor>,
    ) -> StorageResult<Applied> {
        self.apply_batch(event_id, vec![(change, actor)])
            .await?
            .pop()
            .unwrap_or(Err(StorageError::NotFound("change")))
    }

    async fn apply_batch(
        &self,
        event_id: i64,
        changes: Vec<(Change, Option<Actor>)>,
    ) -> StorageResult<Vec<StorageResult<Applied>>> {
        let mut w = self.write.lock().await;
        if let [_] = changes.as_slice() {
            let Some((change, actor)) = changes.into_iter().next() else {
                return Ok(Vec::new());
            };
            return self.apply_single(&mut w, event_id, change, actor).await;
        }
        match self.batch(&mut w, event_id, &changes, true).await? {
            Some(out) => Ok(out),
            // A post failed part-way and the transaction was rolled back: again, each change
            // in a savepoint of its own.
            None => Ok(self
                .batch(&mut w, event_id, &changes, false)
                .await?
                .unwrap_or_default()),
        }
    }

    async fn last_seq(&self, event_id: i64) -> StorageResult<i64> {
        let seq: Option<i64> = sqlx::query_scalar("SELECT last_seq FROM events WHERE id = $1")
            .bind(event_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(seq.unwrap_or(0))
    }

    async fn ping(&self) -> StorageResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn create_api_token(
        &self,
        organiser_id: i64,
        name: &str,
        token_hash: &str,
    ) -> StorageResult<i64> {
        self.api_create_token(organiser_id, name, token_hash).await
    }

    async fn api_tokens(&self, organiser_id: i64) -> StorageResult<Vec<super::ApiToken>> {
        self.api_tokens_of(organiser_id).await
    }

    async fn revoke_api_token(&self, organiser_id: i64, id: i64, now: i64) -> StorageResult<bool> {
        self.api_revoke_token(organiser_id, id, now).await
    }

    async fn token_organiser(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StorageResult<Option<Organiser>> {
        self.api_token_organiser(token_hash, now).await
    }

    async fn create_webhook(
        &self,
        organiser_id: i64,
        url: &str,
        secret: &str,
        include_text: bool,
    ) -> StorageResult<i64> {
        self.api_create_webhook(organiser_id, url, secret, include_text)
            .await
    }

    async fn webhooks(&self, organiser_id: i64) -> StorageResult<Vec<super::Webhook>> {
        self.api_webhooks_of(organiser_id).await
    }

    async fn delete_webhook(&self, organiser_id: i64, id: i64) -> StorageResult<bool> {
        self.api_delete_webhook(organiser_id, id).await
    }

    async fn due_deliveries(&self, now: i64, limit: i64) -> StorageResult<Vec<super::Delivery>> {
        self.api_due_deliveries(now, limit).await
    }

    async fn claim_delivery(&self, d: &super::Delivery, until: i64) -> StorageResult<bool> {
        self.api_claim_delivery(d, until).await
    }

    async fn record_delivery(
        &self,
        id: i64,
        attempts: i64,
        status: &str,
        delivered: bool,
        next_at: Option<i64>,
    ) -> StorageResult<()> {
        self.api_record_delivery(id, attempts, status, delivered, next_at)
            .await
    }

    async fn tell_nodes(&self, payload: &str) -> StorageResult<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(NODES_CHANNEL)
                .bind(payload)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    fn cluster_url(&self) -> Option<String> {
        (self.backend == Backend::Postgres).then(|| self.url.clone())
    }

    async fn changes_since(
        &self,
        event_id: i64,
        since: i64,
        limit: i64,
    ) -> StorageResult<Vec<Numbered>> {
        let mut tx = self.pool.begin().await?;
        let rows = sqlx::query(
            "SELECT seq, kind, comment_id, round_id, image_id FROM event_log WHERE event_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(event_id)
        .bind(since)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let open: i64 = sqlx::query_scalar("SELECT is_open FROM events WHERE id = $1")
            .bind(event_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StorageError::NotFound("event"))?;
        let moderation = facilitation::moderation_of(&mut tx, event_id).await?;
        let labels = facilitation::labels_of(&mut tx, event_id).await?;
        // Read at most once per replay, and only if needed.
        let mut agenda = None;
        let mut announcement = None;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let seq: i64 = row.try_get("seq")?;
            let kind: String = row.try_get("kind")?;
            let comment_id: Option<i64> = row.try_get("comment_id")?;
            let round_id: Option<i64> = row.try_get("round_id")?;
            let image_id: Option<i64> = row.try_get("image_id")?;
            let (kind, item) = if let Some(id) = comment_id {
                (
                    kind,
                    Item::Comment(comment_in(&mut tx, event_id, id).await?),
                )
            } else if let Some(id) = round_id {
                (kind, Item::Round(round_in(&mut tx, event_id, id).await?))
            } else if let Some(id) = image_id {
                (
                    kind,
                    Item::Image(facilitation::image_in(&mut tx, event_id, id).await?),
                )
            } else if let Some(word) = kind.strip_prefix("agenda_") {
                if agenda.is_none() {
                    agenda = Some(facilitation::agenda_in(&mut tx, event_id).await?);
                }
                let a = agenda.clone().unwrap_or_default();
                (word.to_string(), Item::Agenda(a))
            } else if let Some(word) = kind.strip_prefix("walls_") {
                let w = facilitation::walls_in(&mut tx, event_id).await?;
                (word.to_string(), Item::Walls(w))
            } else if kind == "announced" {
                if announcement.is_none() {
                    announcement = Some(facilitation::announcement_in(&mut tx, event_id).await?);
                }
                (kind, Item::Announcement(announcement.clone().flatten()))
            } else {
                let word = match kind.as_str() {
                    "event_opened" => "opened",
                    "event_settings" => "settings",
                    _ => "closed",
                };
                (
                    word.to_string(),
                    Item::Event {
                        open: open != 0,
                        moderation,
                        labels: labels.clone(),
                    },
                )
            };
            out.push(Numbered { seq, kind, item });
        }
        tx.commit().await?;
        Ok(out)
    }
}
