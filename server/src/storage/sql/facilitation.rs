//! The facilitation changes (curation, moderation, run of show, announcements), the
//! activity log and the balance figures, for SQLite. Called inside `apply`'s transaction.

use std::collections::HashMap;

use sqlx::{Any, AnyPool, Row, Transaction};

use super::{SqlStorage, comment_in, number, refused};
use crate::agenda::{Agenda, AgendaCurrent, AgendaItem, Announcement, Moderation, NewAgendaItem};
use crate::images::ImageMeta;
use crate::model::now_ms;
use crate::storage::{
    Actor, Applied, Change, Item, Numbered, StorageError, StorageResult, TableStats,
};
use crate::walls::{MAX_WALLS, Wall};

type Tx<'a, 'b> = &'a mut Transaction<'b, Any>;

/// The event's tags.
pub(super) async fn labels_of(tx: Tx<'_, '_>, event_id: i64) -> StorageResult<Vec<String>> {
    let l: Option<String> = sqlx::query_scalar("SELECT labels FROM events WHERE id = $1")
        .bind(event_id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(l.and_then(|l| serde_json::from_str(&l).ok())
        .unwrap_or_default())
}

pub(super) async fn moderation_of(tx: Tx<'_, '_>, event_id: i64) -> StorageResult<Moderation> {
    let m: Option<String> = sqlx::query_scalar("SELECT moderation FROM events WHERE id = $1")
        .bind(event_id)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(match m.as_deref() {
        Some("pre") => Moderation::Pre,
        _ => Moderation::Post,
    })
}

/// The comment a reply attaches to: same table, shown, and one level deep (a reply to a
/// reply answers the first comment).
pub(super) async fn reply_parent(
    tx: Tx<'_, '_>,
    event_id: i64,
    table_id: i64,
    parent: i64,
) -> StorageResult<i64> {
    let c = comment_in(tx, event_id, parent).await?;
    if c.table_id != table_id || !c.is_public() {
        return Err(refused(
            "not_found",
            "The comment you replied to is no longer shown at this table. Post your words as a new comment instead.",
        ));
    }
    Ok(c.reply_to.unwrap_or(c.id))
}

/// Numbers a change to a comment and adds its current state to `applied`.
async fn push_comment(
    tx: Tx<'_, '_>,
    event_id: i64,
    comment_id: i64,
    kind: &str,
    applied: &mut Applied,
) -> StorageResult<()> {
    let seq = number(tx, event_id, kind, Some(comment_id), None).await?;
    let comment = comment_in(tx, event_id, comment_id).await?;
    applied.changes.push(Numbered {
        seq,
        kind: kind.into(),
        item: Item::Comment(comment),
    });
    Ok(())
}

async fn push_agenda(
    tx: Tx<'_, '_>,
    event_id: i64,
    word: &str,
    applied: &mut Applied,
) -> StorageResult<()> {
    let seq = number(tx, event_id, &format!("agenda_{word}"), None, None).await?;
    let agenda = agenda_in(tx, event_id).await?;
    applied.changes.push(Numbered {
        seq,
        kind: word.into(),
        item: Item::Agenda(agenda),
    });
    Ok(())
}

pub(super) async fn insert_agenda_item(
    tx: Tx<'_, '_>,
    event_id: i64,
    position: i64,
    item: &NewAgendaItem,
) -> StorageResult<i64> {
    let round_id = round_id_of(tx, event_id, item.round).await?;
    Ok(sqlx::query_scalar(
        "INSERT INTO agenda_items (event_id, position, kind, title, speaker, minutes, round_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(event_id)
    .bind(position)
    .bind(&item.kind)
    .bind(&item.title)
    .bind(&item.speaker)
    .bind(item.minutes)
    .bind(round_id)
    .fetch_one(&mut **tx)
    .await?)
}

async fn round_id_of(
    tx: Tx<'_, '_>,
    event_id: i64,
    number: Option<i64>,
) -> StorageResult<Option<i64>> {
    let Some(n) = number else { return Ok(None) };
    let id: Option<i64> =
        sqlx::query_scalar("SELECT id FROM rounds WHERE event_id = $1 AND number = $2")
            .bind(event_id)
            .bind(n)
            .fetch_optional(&mut **tx)
            .await?;
    id.map(Some).ok_or(StorageError::NotFound("round"))
}

pub(super) async fn agenda_in(tx: Tx<'_, '_>, event_id: i64) -> StorageResult<Agenda> {
    let items = sqlx::query(
        "SELECT id, position, kind, title, speaker, minutes, round_id, status FROM agenda_items \
         WHERE event_id = $1 ORDER BY position, id",
    )
    .bind(event_id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| {
        Ok(AgendaItem {
            id: r.try_get("id")?,
            position: r.try_get("position")?,
            kind: r.try_get("kind")?,
            title: r.try_get("title")?,
            speaker: r.try_get("speaker")?,
            minutes: r.try_get("minutes")?,
            round_id: r.try_get("round_id")?,
            status: r.try_get("status")?,
        })
    })
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let row = sqlx::query(
        "SELECT agenda_item_id, agenda_started_at, agenda_ends_at FROM events WHERE id = $1",
    )
    .bind(event_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StorageError::NotFound("event"))?;
    let current = match row.try_get::<Option<i64>, _>("agenda_item_id")? {
        Some(item_id) => Some(AgendaCurrent {
            item_id,
            started_at: row
                .try_get::<Option<i64>, _>("agenda_started_at")?
                .unwrap_or(0),
            ends_at: row.try_get("agenda_ends_at")?,
        }),
        None => None,
    };
    Ok(Agenda { items, current })
}

/// The event's walls, the main one first.
pub(super) async fn walls_in(tx: Tx<'_, '_>, event_id: i64) -> StorageResult<Vec<Wall>> {
    let main_token: Option<String> =
        sqlx::query_scalar("SELECT wall_token FROM events WHERE id = $1")
            .bind(event_id)
            .fetch_optional(&mut **tx)
            .await?;
    let rows = sqlx::query(
        "SELECT id, name, token, is_main, follows, layout, table_id, theme, show_join, spotlight_seconds \
         FROM walls WHERE event_id = $1 ORDER BY is_main DESC, id",
    )
    .bind(event_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|r| {
            let main = r.try_get::<i64, _>("is_main")? != 0;
            let token: Option<String> = r.try_get("token")?;
            Ok(Wall {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                main,
                follows: !main && r.try_get::<i64, _>("follows")? != 0,
                layout: r.try_get("layout")?,
                table_id: r.try_get("table_id")?,
                theme: r.try_get("theme")?,
                show_join: r.try_get::<i64, _>("show_join")? != 0,
                spotlight_seconds: r.try_get("spotlight_seconds")?,
                token: if main {
                    main_token.clone().unwrap_or_default()
                } else {
                    token.unwrap_or_default()
                },
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(Into::into)
}

async fn push_walls(
    tx: Tx<'_, '_>,
    event_id: i64,
    word: &str,
    applied: &mut Applied,
) -> StorageResult<()> {
    let seq = number(tx, event_id, &format!("walls_{word}"), None, None).await?;
    let walls = walls_in(tx, event_id).await?;
    applied.changes.push(Numbered {
        seq,
        kind: word.into(),
        item: Item::Walls(walls),
    });
    Ok(())
}

const IMAGE_COLUMNS: &str =
    "id, table_id, caption, width, height, on_wall, on_wall_at, hidden, created_at";

fn image_from_row(r: &sqlx::any::AnyRow) -> Result<ImageMeta, sqlx::Error> {
    Ok(ImageMeta {
        id: r.try_get("id")?,
        table_id: r.try_get("table_id")?,
        caption: r.try_get("caption")?,
        width: r.try_get("width")?,
        height: r.try_get("height")?,
        on_wall: r.try_get::<i64, _>("on_wall")? != 0,
        on_wall_at: r.try_get("on_wall_at")?,
        hidden: r.try_get::<i64, _>("hidden")? != 0,
        created_at: r.try_get("created_at")?,
    })
}

/// One image's metadata.
pub(super) async fn image_in(
    tx: Tx<'_, '_>,
    event_id: i64,
    image_id: i64,
) -> StorageResult<ImageMeta> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {IMAGE_COLUMNS} FROM images WHERE id = $1 AND event_id = $2"
    )))
    .bind(image_id)
    .bind(event_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StorageError::NotFound("image"))?;
    Ok(image_from_row(&row)?)
}

/// The event's images, oldest first.
pub(super) async fn images_in(tx: Tx<'_, '_>, event_id: i64) -> StorageResult<Vec<ImageMeta>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {IMAGE_COLUMNS} FROM images WHERE event_id = $1 ORDER BY id"
    )))
    .bind(event_id)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(image_from_row)
        .collect::<Result<Vec<_>, _>>()
        .map_err(Into::into)
}

async fn push_image(
    tx: Tx<'_, '_>,
    event_id: i64,
    image_id: i64,
    kind: &str,
    applied: &mut Applied,
) -> StorageResult<()> {
    let seq = number(tx, event_id, kind, None, None).await?;
    sqlx::query("UPDATE event_log SET image_id = $1 WHERE event_id = $2 AND seq = $3")
        .bind(image_id)
        .bind(event_id)
        .bind(seq)
        .execute(&mut **tx)
        .await?;
    let meta = image_in(tx, event_id, image_id).await?;
    applied.changes.push(Numbered {
        seq,
        kind: kind.into(),
        item: Item::Image(meta),
    });
    Ok(())
}

pub(super) async fn announcement_in(
    tx: Tx<'_, '_>,
    event_id: i64,
) -> StorageResult<Option<Announcement>> {
    let row = sqlx::query(
        "SELECT announcement, announcement_wall, announcement_at FROM events WHERE id = $1",
    )
    .bind(event_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StorageError::NotFound("event"))?;
    let text: Option<String> = row.try_get("announcement")?;
    Ok(match text {
        Some(text) => Some(Announcement {
            text,
            wall: row.try_get::<i64, _>("announcement_wall")? != 0,
            at: row
                .try_get::<Option<i64>, _>("announcement_at")?
                .unwrap_or(0),
        }),
        None => None,
    })
}

/// The comment ids a change acts on.
fn comments_of(change: &Change) -> Vec<i64> {
    match change {
        Change::Hide { comment_id, .. }
        | Change::Highlight { comment_id, .. }
        | Change::Approve { comment_id }
        | Change::Unmerge { comment_id }
        | Change::Tag { comment_id, .. }
        | Change::Star { comment_id, .. }
        | Change::Edit { comment_id, .. } => vec![*comment_id],
        Change::Merge { comment_id, into } => vec![*comment_id, *into],
        _ => Vec::new(),
    }
}

/// No console acts on a comment its writer deleted.
pub(super) async fn check_not_deleted(
    tx: Tx<'_, '_>,
    event_id: i64,
    change: &Change,
) -> StorageResult<()> {
    for id in comments_of(change) {
        if comment_in(tx, event_id, id).await?.deleted {
            return Err(refused(
                "gone",
                "The person who wrote this comment deleted it, so there is nothing left to change.",
            ));
        }
    }
    Ok(())
}

/// A table facilitator acts only on their own table, and never on the lead's controls.
pub(super) async fn check_scope(
    tx: Tx<'_, '_>,
    event_id: i64,
    change: &Change,
    actor: &Actor,
) -> StorageResult<()> {
    let Some(mine) = actor.table_id else {
        return Ok(());
    };
    if change.lead_only() {
        return Err(refused(
            "forbidden",
            "Only the lead facilitator can do that. Ask them at the front of the room.",
        ));
    }
    if let Change::Post { table_id, .. } = change
        && *table_id != mine
    {
        return Err(refused(
            "forbidden",
            "You can add spoken points at your own table only.",
        ));
    }
    let image = match change {
        Change::ShowImage { image_id, .. } | Change::HideImage { image_id, .. } => {
            Some(image_in(tx, event_id, *image_id).await?.table_id)
        }
        Change::AddImage { table_id, .. } => Some(*table_id),
        _ => None,
    };
    if let Some(table) = image
        && table != Some(mine)
    {
        return Err(refused(
            "forbidden",
            "You can add and show images of your own table only.",
        ));
    }
    for id in comments_of(change) {
        let c = comment_in(tx, event_id, id).await?;
        if c.table_id != mine {
            return Err(refused(
                "forbidden",
                "That comment is at another table: its own facilitator or the lead can act on it.",
            ));
        }
    }
    Ok(())
}

/// What the activity log says about a change (never the comment's text), naming agenda
/// items and rounds as people know them. Read before the change is applied.
pub(super) async fn describe(
    tx: Tx<'_, '_>,
    event_id: i64,
    change: &Change,
) -> StorageResult<(String, Option<i64>)> {
    match change {
        Change::AgendaStart { item_id } => {
            let title: Option<String> = sqlx::query_scalar(
                "SELECT title FROM agenda_items WHERE id = $1 AND event_id = $2",
            )
            .bind(item_id)
            .bind(event_id)
            .fetch_optional(&mut **tx)
            .await?;
            return Ok((
                format!("started \u{201c}{}\u{201d}", title.unwrap_or_default()),
                None,
            ));
        }
        Change::OpenRound { round_id } => {
            let n: Option<i64> =
                sqlx::query_scalar("SELECT number FROM rounds WHERE id = $1 AND event_id = $2")
                    .bind(round_id)
                    .bind(event_id)
                    .fetch_optional(&mut **tx)
                    .await?;
            return Ok((format!("opened round {}", n.unwrap_or_default()), None));
        }
        _ => {}
    }
    Ok(describe_plain(change))
}

fn describe_plain(change: &Change) -> (String, Option<i64>) {
    let on_off = |on: bool, yes: &str, no: &str| if on { yes } else { no }.to_string();
    match change {
        Change::DeleteOwn { comment_id, .. } => ("deleted by its writer".into(), Some(*comment_id)),
        Change::Post { name, .. } => (
            if name.is_some() {
                "added a spoken point (someone at the table)".into()
            } else {
                "added a spoken point".into()
            },
            None,
        ),
        Change::Agree { comment_id, .. } => ("agreed".into(), Some(*comment_id)),
        Change::Hide {
            comment_id,
            on,
            reason,
        } => (
            match (on, reason) {
                (true, Some(r)) => format!("hid ({r})"),
                (true, None) => "hid".into(),
                (false, _) => "restored".into(),
            },
            Some(*comment_id),
        ),
        Change::Highlight { comment_id, on } => (
            on_off(*on, "put on the wall", "took off the wall"),
            Some(*comment_id),
        ),
        Change::OpenRound { round_id } => (format!("opened round (id {round_id})"), None),
        Change::CloseRound => ("closed the round".into(), None),
        Change::SetOpen { open } => (on_off(*open, "opened the event", "closed the event"), None),
        Change::Approve { comment_id } => ("approved".into(), Some(*comment_id)),
        Change::Merge { comment_id, into } => (format!("merged into #{into}"), Some(*comment_id)),
        Change::Unmerge { comment_id } => ("unmerged".into(), Some(*comment_id)),
        Change::Tag {
            comment_id,
            label,
            on,
        } => (
            if *on {
                format!("tagged \u{201c}{label}\u{201d}")
            } else {
                format!("removed tag \u{201c}{label}\u{201d}")
            },
            Some(*comment_id),
        ),
        Change::Star { comment_id, on } => (
            on_off(*on, "starred for the report", "unstarred"),
            Some(*comment_id),
        ),
        Change::Edit { comment_id, .. } => ("corrected the text".into(), Some(*comment_id)),
        Change::AgendaStart { item_id } => (format!("started agenda item (id {item_id})"), None),
        Change::AgendaEnd => ("ended the agenda item".into(), None),
        Change::AgendaExtend { seconds } => (format!("changed the time by {seconds} s"), None),
        Change::Announce { text, wall } => (
            match (text, wall) {
                (None, _) => "cleared the announcement".into(),
                (Some(_), true) => "made an announcement (phones and wall)".into(),
                (Some(_), false) => "made an announcement (phones)".into(),
            },
            None,
        ),
        Change::Settings(_) => ("changed the settings".into(), None),
        Change::WallSet { update, .. } => (
            match &update.layout {
                Some(l) => format!("set a wall to \u{201c}{l}\u{201d}"),
                None => "changed a wall's display".into(),
            },
            None,
        ),
        Change::AddWall { name, .. } => (format!("added the wall \u{201c}{name}\u{201d}"), None),
        Change::AddImage { .. } => ("uploaded an image".into(), None),
        Change::ShowImage { image_id, on } => (
            if *on {
                format!("put image {image_id} on the wall")
            } else {
                format!("took image {image_id} off the wall")
            },
            None,
        ),
        Change::HideImage { image_id, on } => (
            if *on {
                format!("hid image {image_id}")
            } else {
                format!("restored image {image_id}")
            },
            None,
        ),
    }
}

/// Writes one activity-log line for a console's change.
pub(super) async fn record(
    tx: Tx<'_, '_>,
    event_id: i64,
    actor: &Actor,
    action: &str,
    comment_id: Option<i64>,
    applied: &Applied,
) -> StorageResult<()> {
    let comment_id = comment_id.or(applied.comment.as_ref().map(|c| c.id));
    let table_id = match comment_id {
        Some(id) => {
            sqlx::query_scalar::<_, i64>("SELECT table_id FROM comments WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?
        }
        None => actor.table_id,
    };
    let action = if applied.changes.is_empty() {
        format!("{action} (no change: it was already so)")
    } else {
        action.to_string()
    };
    sqlx::query(
        "INSERT INTO audit_log (event_id, at, actor, table_id, action, comment_id) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(event_id)
    .bind(now_ms())
    .bind(&actor.label)
    .bind(table_id)
    .bind(action)
    .bind(comment_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The facilitation changes.
pub(super) async fn apply(
    storage: &SqlStorage,
    tx: Tx<'_, '_>,
    event_id: i64,
    change: Change,
    applied: &mut Applied,
) -> StorageResult<()> {
    match change {
        Change::Approve { comment_id } => {
            let c = comment_in(tx, event_id, comment_id).await?;
            if !c.approved {
                sqlx::query("UPDATE comments SET approved = 1 WHERE id = $1")
                    .bind(comment_id)
                    .execute(&mut **tx)
                    .await?;
                push_comment(tx, event_id, comment_id, "approved", applied).await?;
            }
        }
        Change::Merge { comment_id, into } => {
            let dup = comment_in(tx, event_id, comment_id).await?;
            let mut target = comment_in(tx, event_id, into).await?;
            if let Some(root) = target.merged_into {
                target = comment_in(tx, event_id, root).await?;
            }
            if target.id == dup.id {
                return Err(refused(
                    "bad_request",
                    "Those are already one comment: nothing to merge.",
                ));
            }
            if !target.is_public() {
                return Err(refused(
                    "bad_request",
                    "Merge into a comment that is shown at the table: restore or approve that one first.",
                ));
            }
            if target.table_id != dup.table_id {
                return Err(refused(
                    "bad_request",
                    "Only comments at the same table can be merged.",
                ));
            }
            if dup.merged_into == Some(target.id) {
                return Ok(());
            }
            // Anything already merged into the duplicate follows it.
            let moved: Vec<i64> =
                sqlx::query_scalar("SELECT id FROM comments WHERE merged_into = $1")
                    .bind(dup.id)
                    .fetch_all(&mut **tx)
                    .await?;
            sqlx::query("UPDATE comments SET merged_into = $1 WHERE merged_into = $2")
                .bind(target.id)
                .bind(dup.id)
                .execute(&mut **tx)
                .await?;
            sqlx::query(
                "UPDATE comments SET merged_into = $1, highlighted = 0, highlighted_at = NULL WHERE id = $2",
            )
            .bind(target.id)
            .bind(dup.id)
            .execute(&mut **tx)
            .await?;
            push_comment(tx, event_id, dup.id, "merged", applied).await?;
            for id in moved {
                push_comment(tx, event_id, id, "merged", applied).await?;
            }
            push_comment(tx, event_id, target.id, "merged", applied).await?;
        }
        Change::Unmerge { comment_id } => {
            let c = comment_in(tx, event_id, comment_id).await?;
            if let Some(root) = c.merged_into {
                sqlx::query("UPDATE comments SET merged_into = NULL WHERE id = $1")
                    .bind(comment_id)
                    .execute(&mut **tx)
                    .await?;
                push_comment(tx, event_id, comment_id, "unmerged", applied).await?;
                push_comment(tx, event_id, root, "unmerged", applied).await?;
            }
        }
        Change::Tag {
            comment_id,
            label,
            on,
        } => {
            let labels: String = sqlx::query_scalar("SELECT labels FROM events WHERE id = $1")
                .bind(event_id)
                .fetch_one(&mut **tx)
                .await?;
            let labels: Vec<String> = serde_json::from_str(&labels).unwrap_or_default();
            let c = comment_in(tx, event_id, comment_id).await?;
            // A tag dropped from the event's list can still be taken off.
            let usable = labels.contains(&label) || (!on && c.tags.contains(&label));
            if !usable {
                return Err(refused(
                    "bad_request",
                    &format!(
                        "\u{201c}{label}\u{201d} is not one of this event's tags. The organiser can add it on the settings page."
                    ),
                ));
            }
            let has = c.tags.contains(&label);
            if has != on {
                let mut tags = c.tags.clone();
                if on {
                    tags.push(label);
                } else {
                    tags.retain(|t| *t != label);
                }
                sqlx::query("UPDATE comments SET tags = $1 WHERE id = $2")
                    .bind(serde_json::to_string(&tags).map_err(anyhow::Error::new)?)
                    .bind(comment_id)
                    .execute(&mut **tx)
                    .await?;
                push_comment(tx, event_id, comment_id, "tagged", applied).await?;
            }
        }
        Change::Star { comment_id, on } => {
            let c = comment_in(tx, event_id, comment_id).await?;
            if c.starred != on {
                sqlx::query("UPDATE comments SET starred = $1 WHERE id = $2")
                    .bind(on as i64)
                    .bind(comment_id)
                    .execute(&mut **tx)
                    .await?;
                let kind = if on { "starred" } else { "unstarred" };
                push_comment(tx, event_id, comment_id, kind, applied).await?;
            }
        }
        Change::Edit { comment_id, text } => {
            let c = comment_in(tx, event_id, comment_id).await?;
            if c.text != text {
                // Keep the first original; correcting back to it clears the mark.
                let original = c.original.clone().unwrap_or_else(|| c.text.clone());
                let keep = (original != text).then_some(original);
                sqlx::query("UPDATE comments SET body = $1, original_body = $2 WHERE id = $3")
                    .bind(&text)
                    .bind(keep)
                    .bind(comment_id)
                    .execute(&mut **tx)
                    .await?;
                push_comment(tx, event_id, comment_id, "edited", applied).await?;
            }
        }
        Change::AgendaStart { item_id } => {
            let item: Option<(String, Option<i64>, i64)> = sqlx::query_as(
                "SELECT status, round_id, minutes FROM agenda_items WHERE id = $1 AND event_id = $2",
            )
            .bind(item_id)
            .bind(event_id)
            .fetch_optional(&mut **tx)
            .await?;
            let Some((status, round_id, minutes)) = item else {
                return Err(StorageError::NotFound("agenda item"));
            };
            if status == "running" {
                return Ok(());
            }
            end_running(storage, tx, event_id, round_id, applied).await?;
            let now = now_ms();
            sqlx::query("UPDATE agenda_items SET status = 'running' WHERE id = $1")
                .bind(item_id)
                .execute(&mut **tx)
                .await?;
            sqlx::query(
                "UPDATE events SET agenda_item_id = $1, agenda_started_at = $2, agenda_ends_at = $3 WHERE id = $4",
            )
            .bind(item_id)
            .bind(now)
            .bind((minutes > 0).then_some(now + minutes * 60_000))
            .bind(event_id)
            .execute(&mut **tx)
            .await?;
            if let Some(round_id) = round_id {
                storage
                    .open_round_in(tx, event_id, round_id, applied)
                    .await?;
            }
            push_agenda(tx, event_id, "started", applied).await?;
        }
        Change::AgendaEnd if end_running(storage, tx, event_id, None, applied).await? => {
            push_agenda(tx, event_id, "ended", applied).await?;
        }
        Change::AgendaExtend { seconds } => {
            let row: (Option<i64>, Option<i64>) =
                sqlx::query_as("SELECT agenda_item_id, agenda_ends_at FROM events WHERE id = $1")
                    .bind(event_id)
                    .fetch_one(&mut **tx)
                    .await?;
            let (Some(_), ends_at) = row else {
                return Err(refused(
                    "bad_request",
                    "Nothing on the run of show is running: start an item first.",
                ));
            };
            let now = now_ms();
            let base = ends_at.unwrap_or(now);
            let new_end = (base + seconds * 1000).max(now);
            sqlx::query("UPDATE events SET agenda_ends_at = $1 WHERE id = $2")
                .bind(new_end)
                .bind(event_id)
                .execute(&mut **tx)
                .await?;
            push_agenda(tx, event_id, "extended", applied).await?;
        }
        Change::Announce { text, wall } => {
            let current = announcement_in(tx, event_id).await?;
            let same = match (&current, &text) {
                (None, None) => true,
                (Some(a), Some(t)) => a.text == *t && a.wall == wall,
                _ => false,
            };
            if !same {
                sqlx::query(
                    "UPDATE events SET announcement = $1, announcement_wall = $2, announcement_at = $3 WHERE id = $4",
                )
                .bind(&text)
                .bind(wall as i64)
                .bind(now_ms())
                .bind(event_id)
                .execute(&mut **tx)
                .await?;
                let seq = number(tx, event_id, "announced", None, None).await?;
                let a = announcement_in(tx, event_id).await?;
                applied.changes.push(Numbered {
                    seq,
                    kind: "announced".into(),
                    item: Item::Announcement(a),
                });
            }
        }
        Change::Settings(settings) => {
            sqlx::query("UPDATE events SET moderation = $1, labels = $2 WHERE id = $3")
                .bind(settings.moderation.as_str())
                .bind(serde_json::to_string(&settings.labels).map_err(anyhow::Error::new)?)
                .bind(event_id)
                .execute(&mut **tx)
                .await?;
            // The run of show: keep listed items (by id), add new ones, drop the rest.
            let before: Vec<(i64, i64)> =
                sqlx::query_as("SELECT id, minutes FROM agenda_items WHERE event_id = $1")
                    .bind(event_id)
                    .fetch_all(&mut **tx)
                    .await?;
            let existing: Vec<i64> = before.iter().map(|(id, _)| *id).collect();
            let minutes_before: HashMap<i64, i64> = before.into_iter().collect();
            let mut kept = Vec::new();
            for (i, (id, item)) in settings.agenda.iter().enumerate() {
                let position = i as i64 + 1;
                match id.filter(|id| existing.contains(id)) {
                    Some(id) => {
                        let round_id = round_id_of(tx, event_id, item.round).await?;
                        sqlx::query(
                            "UPDATE agenda_items SET position = $1, kind = $2, title = $3, speaker = $4, minutes = $5, round_id = $6 WHERE id = $7",
                        )
                        .bind(position)
                        .bind(&item.kind)
                        .bind(&item.title)
                        .bind(&item.speaker)
                        .bind(item.minutes)
                        .bind(round_id)
                        .bind(id)
                        .execute(&mut **tx)
                        .await?;
                        kept.push(id);
                    }
                    None => kept.push(insert_agenda_item(tx, event_id, position, item).await?),
                }
            }
            let running: (Option<i64>, Option<i64>) = sqlx::query_as(
                "SELECT agenda_item_id, agenda_started_at FROM events WHERE id = $1",
            )
            .bind(event_id)
            .fetch_one(&mut **tx)
            .await?;
            if let (Some(item_id), Some(started)) = running {
                if kept.contains(&item_id) {
                    // A new time limit for the running item counts from when it started.
                    let new_minutes = settings
                        .agenda
                        .iter()
                        .zip(&kept)
                        .find(|(_, id)| **id == item_id)
                        .map(|((_, item), _)| item.minutes);
                    if let (Some(m), Some(old)) = (new_minutes, minutes_before.get(&item_id))
                        && m != *old
                    {
                        sqlx::query("UPDATE events SET agenda_ends_at = $1 WHERE id = $2")
                            .bind((m > 0).then_some(started + m * 60_000))
                            .bind(event_id)
                            .execute(&mut **tx)
                            .await?;
                    }
                } else {
                    // The running item was removed: end it (closing its round) first.
                    end_running(storage, tx, event_id, None, applied).await?;
                }
            }
            for id in existing.iter().filter(|id| !kept.contains(id)) {
                sqlx::query("DELETE FROM agenda_items WHERE id = $1")
                    .bind(id)
                    .execute(&mut **tx)
                    .await?;
            }
            push_agenda(tx, event_id, "changed", applied).await?;
            // Switching to post-moderation leaves waiting comments waiting: nobody has read
            // them yet. Facilitators approve them as before.
            let open: i64 = sqlx::query_scalar("SELECT is_open FROM events WHERE id = $1")
                .bind(event_id)
                .fetch_one(&mut **tx)
                .await?;
            let seq = number(tx, event_id, "event_settings", None, None).await?;
            applied.changes.push(Numbered {
                seq,
                kind: "settings".into(),
                item: Item::Event {
                    open: open != 0,
                    moderation: settings.moderation,
                    labels: settings.labels.clone(),
                },
            });
        }
        Change::WallSet { wall_id, update } => {
            let walls = walls_in(tx, event_id).await?;
            let Some(wall) = walls.iter().find(|w| w.id == wall_id) else {
                return Err(StorageError::NotFound("wall"));
            };
            let mut next = wall.clone();
            if let Some(l) = update.layout {
                next.layout = l;
            }
            if let Some(t) = update.table_id {
                if let Some(t) = t {
                    let ok: Option<i64> = sqlx::query_scalar(
                        "SELECT id FROM event_tables WHERE id = $1 AND event_id = $2",
                    )
                    .bind(t)
                    .bind(event_id)
                    .fetch_optional(&mut **tx)
                    .await?;
                    if ok.is_none() {
                        return Err(StorageError::NotFound("table"));
                    }
                }
                next.table_id = t;
            }
            if let Some(t) = update.theme {
                next.theme = t;
            }
            if let Some(j) = update.show_join {
                next.show_join = j;
            }
            if let Some(sec) = update.spotlight_seconds {
                next.spotlight_seconds = sec;
            }
            if let Some(f) = update.follows {
                if wall.main && f {
                    return Err(refused(
                        "bad_request",
                        "The main wall can't follow itself: other walls can follow it.",
                    ));
                }
                next.follows = f;
            }
            if next != *wall {
                sqlx::query(
                    "UPDATE walls SET layout = $1, table_id = $2, theme = $3, show_join = $4, \
                     spotlight_seconds = $5, follows = $6 WHERE id = $7",
                )
                .bind(&next.layout)
                .bind(next.table_id)
                .bind(&next.theme)
                .bind(next.show_join as i64)
                .bind(next.spotlight_seconds)
                .bind(next.follows as i64)
                .bind(wall_id)
                .execute(&mut **tx)
                .await?;
                push_walls(tx, event_id, "changed", applied).await?;
            }
        }
        Change::AddWall { name, token } => {
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM walls WHERE event_id = $1")
                .bind(event_id)
                .fetch_one(&mut **tx)
                .await?;
            if n as usize >= MAX_WALLS {
                return Err(refused(
                    "bad_request",
                    &format!("An event can have at most {MAX_WALLS} walls."),
                ));
            }
            sqlx::query(
                "INSERT INTO walls (event_id, name, token, follows) VALUES ($1, $2, $3, 1)",
            )
            .bind(event_id)
            .bind(&name)
            .bind(&token)
            .execute(&mut **tx)
            .await?;
            push_walls(tx, event_id, "added", applied).await?;
        }
        Change::AddImage {
            table_id,
            caption,
            image,
        } => {
            if let Some(t) = table_id {
                let ok: Option<i64> = sqlx::query_scalar(
                    "SELECT id FROM event_tables WHERE id = $1 AND event_id = $2",
                )
                .bind(t)
                .bind(event_id)
                .fetch_optional(&mut **tx)
                .await?;
                if ok.is_none() {
                    return Err(StorageError::NotFound("table"));
                }
            }
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO images (event_id, table_id, caption, jpeg, width, height, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(event_id)
            .bind(table_id)
            .bind(&caption)
            .bind(&image.jpeg)
            .bind(image.width as i64)
            .bind(image.height as i64)
            .bind(now_ms())
            .fetch_one(&mut **tx)
            .await?;
            push_image(tx, event_id, id, "image_added", applied).await?;
        }
        Change::ShowImage { image_id, on } => {
            let m = image_in(tx, event_id, image_id).await?;
            if on && m.hidden {
                return Err(refused(
                    "bad_request",
                    "This image is hidden: restore it before putting it on the wall.",
                ));
            }
            if m.on_wall != on {
                sqlx::query("UPDATE images SET on_wall = $1, on_wall_at = $2 WHERE id = $3")
                    .bind(on as i64)
                    .bind(on.then(now_ms))
                    .bind(image_id)
                    .execute(&mut **tx)
                    .await?;
                let kind = if on { "image_shown" } else { "image_unshown" };
                push_image(tx, event_id, image_id, kind, applied).await?;
            }
        }
        Change::HideImage { image_id, on } => {
            let m = image_in(tx, event_id, image_id).await?;
            if m.hidden != on {
                // Hiding takes it off the walls too.
                sqlx::query(
                    "UPDATE images SET hidden = $1, on_wall = CASE WHEN $2 THEN 0 ELSE on_wall END WHERE id = $3",
                )
                .bind(on as i64)
                .bind(on)
                .bind(image_id)
                .execute(&mut **tx)
                .await?;
                let kind = if on { "image_hidden" } else { "image_restored" };
                push_image(tx, event_id, image_id, kind, applied).await?;
            }
        }
        // The core changes are handled by `apply_in` itself.
        _ => {}
    }
    Ok(())
}

/// Ends the running item (closing its round unless `keep_round` is that round). Returns
/// whether anything was running.
async fn end_running(
    storage: &SqlStorage,
    tx: Tx<'_, '_>,
    event_id: i64,
    keep_round: Option<i64>,
    applied: &mut Applied,
) -> StorageResult<bool> {
    let running: Option<i64> =
        sqlx::query_scalar("SELECT agenda_item_id FROM events WHERE id = $1")
            .bind(event_id)
            .fetch_optional(&mut **tx)
            .await?
            .flatten();
    let Some(item_id) = running else {
        return Ok(false);
    };
    let round_id: Option<i64> =
        sqlx::query_scalar("SELECT round_id FROM agenda_items WHERE id = $1")
            .bind(item_id)
            .fetch_optional(&mut **tx)
            .await?
            .flatten();
    sqlx::query("UPDATE agenda_items SET status = 'done' WHERE id = $1")
        .bind(item_id)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "UPDATE events SET agenda_item_id = NULL, agenda_started_at = NULL, agenda_ends_at = NULL WHERE id = $1",
    )
    .bind(event_id)
    .execute(&mut **tx)
    .await?;
    if let Some(round_id) = round_id
        && Some(round_id) != keep_round
    {
        let status: Option<String> = sqlx::query_scalar("SELECT status FROM rounds WHERE id = $1")
            .bind(round_id)
            .fetch_optional(&mut **tx)
            .await?;
        if status.as_deref() == Some("open") {
            storage
                .close_round_in(tx, event_id, round_id, applied)
                .await?;
        }
    }
    Ok(true)
}

/// Per-table figures for the open round, or the whole event when none is open.
pub(super) async fn table_stats(
    pool: &AnyPool,
    event_id: i64,
) -> StorageResult<(Option<i64>, Vec<TableStats>)> {
    let round: Option<i64> =
        sqlx::query_scalar("SELECT id FROM rounds WHERE event_id = $1 AND status = 'open'")
            .bind(event_id)
            .fetch_optional(pool)
            .await?;
    let tables: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM event_tables WHERE event_id = $1 ORDER BY number")
            .bind(event_id)
            .fetch_all(pool)
            .await?;
    // One row per (table, device): how many comments, the latest, how many waiting.
    let rows = sqlx::query(
        "SELECT table_id, author, COUNT(*) AS n, MAX(created_at) AS last, \
         CAST(SUM(CASE WHEN approved = 0 AND hidden = 0 AND merged_into IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS pending \
         FROM comments WHERE event_id = $1 AND source = 'attendee' AND deleted_at IS NULL \
         AND ($2 IS NULL OR round_id = $3) \
         GROUP BY table_id, author",
    )
    .bind(event_id)
    .bind(round)
    .bind(round)
    .fetch_all(pool)
    .await?;
    let mut per: HashMap<i64, Vec<(i64, i64, i64)>> = HashMap::new();
    for r in &rows {
        per.entry(r.try_get("table_id")?).or_default().push((
            r.try_get("n")?,
            r.try_get("last")?,
            r.try_get("pending")?,
        ));
    }
    let stats = tables
        .into_iter()
        .map(|table_id| {
            let mut devices = per.remove(&table_id).unwrap_or_default();
            devices.sort_by_key(|d| std::cmp::Reverse(d.0));
            let comments: i64 = devices.iter().map(|d| d.0).sum();
            let top_two: i64 = devices.iter().take(2).map(|d| d.0).sum();
            TableStats {
                table_id,
                comments,
                contributors: devices.len() as i64,
                top_two_share: (comments > 0).then(|| top_two as f64 / comments as f64),
                last_post_at: devices.iter().map(|d| d.1).max(),
                pending: devices.iter().map(|d| d.2).sum(),
            }
        })
        .collect();
    Ok((round, stats))
}
