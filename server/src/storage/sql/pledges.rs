//! Storage for pledges and "about you" answers. Nothing here joins to comments, agreements
//! or the device cookie: a pledge is found by the hash of its own random key.

use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Backend, SqlStorage};
use crate::model::now_ms;
use crate::pledges::model::{
    ABOUT_QUESTIONS, About, AboutTotals, Contact, NewPledge, Pledge, PledgeOption, PledgeSetup,
    SetupInput,
};
use crate::storage::{StorageError, StorageResult};

fn option_row(r: &AnyRow) -> Result<PledgeOption, sqlx::Error> {
    let table_id: Option<i64> = r.try_get("table_id")?;
    let number: Option<i64> = r.try_get("number")?;
    let theme: Option<String> = r.try_get("theme")?;
    Ok(PledgeOption {
        id: r.try_get("id")?,
        label: r.try_get("label")?,
        table: match (table_id, number, theme) {
            (Some(t), Some(n), Some(theme)) => Some((t, n, theme)),
            _ => None,
        },
        removed: r.try_get::<i64, _>("removed")? != 0,
    })
}

pub(super) async fn setup(s: &SqlStorage, event_id: i64) -> StorageResult<Option<PledgeSetup>> {
    let Some(ev) =
        sqlx::query("SELECT pledge_contact_by, about_you, lang FROM events WHERE id = $1")
            .bind(event_id)
            .fetch_optional(&s.pool)
            .await?
    else {
        return Ok(None);
    };
    let options = sqlx::query(
        "SELECT o.id, o.label, o.table_id, o.removed, t.number, t.theme FROM pledge_options o \
         LEFT JOIN event_tables t ON t.id = o.table_id \
         WHERE o.event_id = $1 ORDER BY o.removed, o.position, o.id",
    )
    .bind(event_id)
    .fetch_all(&s.pool)
    .await?
    .iter()
    .map(option_row)
    .collect::<Result<_, _>>()?;
    Ok(Some(PledgeSetup {
        options,
        contact_by: ev.try_get("pledge_contact_by")?,
        about_you: ev.try_get::<i64, _>("about_you")? != 0,
        lang: participant_ui::Lang::parse(&ev.try_get::<String, _>("lang")?).unwrap_or_default(),
    }))
}

pub(super) async fn save_setup(
    s: &SqlStorage,
    event_id: i64,
    input: &SetupInput,
) -> StorageResult<()> {
    let mut w = s.write.lock().await;
    let mut tx = s.begin_write(&mut w).await?;
    let existing: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM pledge_options WHERE event_id = $1")
            .bind(event_id)
            .fetch_all(&mut *tx)
            .await?;
    let mut kept = Vec::new();
    for (i, (id, label, table)) in input.options.iter().enumerate() {
        let position = i as i64 + 1;
        match id.filter(|id| existing.contains(id)) {
            Some(id) => {
                sqlx::query(
                    "UPDATE pledge_options SET position = $1, label = $2, table_id = $3, removed = 0 WHERE id = $4",
                )
                .bind(position)
                .bind(label)
                .bind(table)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                kept.push(id);
            }
            None => {
                sqlx::query(
                    "INSERT INTO pledge_options (event_id, position, label, table_id) VALUES ($1, $2, $3, $4)",
                )
                .bind(event_id)
                .bind(position)
                .bind(label)
                .bind(table)
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    for id in existing.into_iter().filter(|id| !kept.contains(id)) {
        // Chosen by someone: kept (their pledge still says it), off the phone's list.
        let chosen: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM pledge_choices WHERE option_id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        let sql = if chosen > 0 {
            "UPDATE pledge_options SET removed = 1 WHERE id = $1"
        } else {
            "DELETE FROM pledge_options WHERE id = $1"
        };
        sqlx::query(sql).bind(id).execute(&mut *tx).await?;
    }
    sqlx::query(
        "UPDATE events SET pledge_contact_by = $1, about_you = $2, lang = $3 WHERE id = $4",
    )
    .bind(&input.contact_by)
    .bind(input.about_you as i64)
    .bind(input.lang.code())
    .bind(event_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

async fn pledge_rows(
    s: &SqlStorage,
    event_id: i64,
    key_hash: Option<&str>,
) -> StorageResult<Vec<Pledge>> {
    // The one aggregate the two dialects spell differently.
    let options = match s.backend {
        Backend::Sqlite => "group_concat(option_id)",
        Backend::Postgres => "string_agg(CAST(option_id AS TEXT), ',')",
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT p.id, c.name, c.phone, c.phone_consent, c.email, c.email_consent, c.consented_at, \
         (SELECT {options} FROM pledge_choices WHERE pledge_id = p.id) AS options \
         FROM pledges p LEFT JOIN pledge_contacts c ON c.pledge_id = p.id \
         WHERE p.event_id = $1 AND ($2 IS NULL OR p.key_hash = $3) ORDER BY p.id"
    )))
    .bind(event_id)
    .bind(key_hash)
    .bind(key_hash)
    .fetch_all(&s.pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let options: Option<String> = r.try_get("options")?;
        let mut options: Vec<i64> = options
            .unwrap_or_default()
            .split(',')
            .filter_map(|o| o.parse().ok())
            .collect();
        options.sort_unstable();
        let consented_at: Option<i64> = r.try_get("consented_at")?;
        let with = |v: Option<String>, c: Option<String>| v.zip(c);
        let contact = consented_at.map(|_| -> Result<Contact, sqlx::Error> {
            Ok(Contact {
                name: r.try_get::<Option<String>, _>("name")?.unwrap_or_default(),
                phone: with(r.try_get("phone")?, r.try_get("phone_consent")?),
                email: with(r.try_get("email")?, r.try_get("email_consent")?),
            })
        });
        out.push(Pledge {
            id: r.try_get("id")?,
            options,
            contact: contact.transpose()?,
            consented_at,
        });
    }
    Ok(out)
}

pub(super) async fn pledge(
    s: &SqlStorage,
    event_id: i64,
    key_hash: &str,
) -> StorageResult<Option<Pledge>> {
    Ok(pledge_rows(s, event_id, Some(key_hash)).await?.pop())
}

pub(super) async fn pledges(s: &SqlStorage, event_id: i64) -> StorageResult<Vec<Pledge>> {
    pledge_rows(s, event_id, None).await
}

pub(super) async fn pledge_count(s: &SqlStorage, event_id: i64) -> StorageResult<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM pledges WHERE event_id = $1")
            .bind(event_id)
            .fetch_one(&s.pool)
            .await?,
    )
}

pub(super) async fn save_pledge(
    s: &SqlStorage,
    event_id: i64,
    key_hash: &str,
    pledge: &NewPledge,
) -> StorageResult<()> {
    let mut w = s.write.lock().await;
    let mut tx = s.begin_write(&mut w).await?;
    let open: Option<i64> = sqlx::query_scalar("SELECT is_open FROM events WHERE id = $1")
        .bind(event_id)
        .fetch_optional(&mut *tx)
        .await?;
    match open {
        None => return Err(StorageError::NotFound("event")),
        Some(0) => {
            return Err(StorageError::Refused(crate::model::InputError::new(
                "event_closed",
                "The event has closed, so pledges can't be made or changed now. You can still withdraw yours.",
            )));
        }
        Some(_) => {}
    }
    // The options must still be live ones of this event (checked again inside the write).
    for id in &pledge.options {
        let live: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pledge_options WHERE id = $1 AND event_id = $2 AND removed = 0",
        )
        .bind(id)
        .bind(event_id)
        .fetch_one(&mut *tx)
        .await?;
        if live == 0 {
            return Err(StorageError::Refused(crate::model::InputError::new(
                "bad_option",
                "One of the actions you ticked is no longer offered. Please tick again.",
            )));
        }
    }
    let pledge_id: i64 = sqlx::query_scalar(
        "INSERT INTO pledges (event_id, key_hash) VALUES ($1, $2) \
         ON CONFLICT (key_hash) DO UPDATE SET key_hash = excluded.key_hash RETURNING id",
    )
    .bind(event_id)
    .bind(key_hash)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM pledge_choices WHERE pledge_id = $1")
        .bind(pledge_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM pledge_contacts WHERE pledge_id = $1")
        .bind(pledge_id)
        .execute(&mut *tx)
        .await?;
    for id in &pledge.options {
        sqlx::query("INSERT INTO pledge_choices (pledge_id, option_id) VALUES ($1, $2)")
            .bind(pledge_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    if let Some(c) = &pledge.contact {
        let (phone, phone_consent) = c.phone.clone().unzip();
        let (email, email_consent) = c.email.clone().unzip();
        sqlx::query(
            "INSERT INTO pledge_contacts (pledge_id, name, phone, phone_consent, email, email_consent, consented_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(pledge_id)
        .bind(&c.name)
        .bind(phone)
        .bind(phone_consent)
        .bind(email)
        .bind(email_consent)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn withdraw_pledge(
    s: &SqlStorage,
    event_id: i64,
    key_hash: &str,
) -> StorageResult<bool> {
    let _w = s.write.lock().await;
    // Choices and contact details go with it (ON DELETE CASCADE; secure_delete overwrites).
    let done = sqlx::query("DELETE FROM pledges WHERE event_id = $1 AND key_hash = $2")
        .bind(event_id)
        .bind(key_hash)
        .execute(&s.pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

pub(super) async fn about(
    s: &SqlStorage,
    event_id: i64,
    key_hash: &str,
) -> StorageResult<Option<About>> {
    let row = sqlx::query(
        "SELECT first_event, member, age_band FROM about_answers WHERE event_id = $1 AND key_hash = $2",
    )
    .bind(event_id)
    .bind(key_hash)
    .fetch_optional(&s.pool)
    .await?;
    Ok(match row {
        Some(r) => Some(About {
            first_event: r.try_get("first_event")?,
            member: r.try_get("member")?,
            age_band: r.try_get("age_band")?,
        }),
        None => None,
    })
}

pub(super) async fn save_about(
    s: &SqlStorage,
    event_id: i64,
    key_hash: &str,
    about: &About,
) -> StorageResult<()> {
    let _w = s.write.lock().await;
    sqlx::query(
        "INSERT INTO about_answers (event_id, key_hash, first_event, member, age_band) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (key_hash) DO UPDATE SET first_event = excluded.first_event, \
         member = excluded.member, age_band = excluded.age_band",
    )
    .bind(event_id)
    .bind(key_hash)
    .bind(&about.first_event)
    .bind(&about.member)
    .bind(&about.age_band)
    .execute(&s.pool)
    .await?;
    Ok(())
}

pub(super) async fn about_totals(s: &SqlStorage, event_id: i64) -> StorageResult<AboutTotals> {
    let people: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM about_answers WHERE event_id = $1 \
         AND (first_event IS NOT NULL OR member IS NOT NULL OR age_band IS NOT NULL)",
    )
    .bind(event_id)
    .fetch_one(&s.pool)
    .await?;
    let mut questions = Vec::new();
    for (field, question, answers) in ABOUT_QUESTIONS {
        let sql = match field {
            "first_event" => {
                "SELECT first_event AS answer, COUNT(*) AS n FROM about_answers WHERE event_id = $1 AND first_event IS NOT NULL GROUP BY first_event"
            }
            "member" => {
                "SELECT member AS answer, COUNT(*) AS n FROM about_answers WHERE event_id = $1 AND member IS NOT NULL GROUP BY member"
            }
            _ => {
                "SELECT age_band AS answer, COUNT(*) AS n FROM about_answers WHERE event_id = $1 AND age_band IS NOT NULL GROUP BY age_band"
            }
        };
        let rows = sqlx::query(sql).bind(event_id).fetch_all(&s.pool).await?;
        let mut counts = Vec::new();
        for answer in answers {
            let mut n = 0;
            for r in &rows {
                if r.try_get::<String, _>("answer")? == *answer {
                    n = r.try_get("n")?;
                }
            }
            counts.push((answer.to_string(), n));
        }
        questions.push((question.to_string(), counts));
    }
    Ok(AboutTotals { people, questions })
}
