//! Privacy: the notice phones can read, the organiser's retention settings, the sweep that
//! deletes or anonymises what is due, deleting a whole event, and the subject-access export
//! (everything held about an event, as JSON). docs/security.md says what is kept and for how
//! long.

pub mod model;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use crate::app::AppState;
use crate::error::{AppError, AppResult, StaffResult};
use crate::forms::{self, field};
use crate::lang;
use crate::model::{EventState, now_ms};
use crate::organiser::{LoggedIn, owned_event};
use crate::participant::load_table;
use crate::report::format_day as day_of;
use participant_ui::Lang;
use participant_ui::i18n::tv;

use model::{CommentsAfter, Privacy};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/t/{token}/privacy", get(phone_page))
        .route("/t/{token}/mine", get(mine_page).post(delete_mine))
        .route(
            "/organiser/events/{id}/privacy",
            get(settings_page).post(save_settings),
        )
        .route("/organiser/events/{id}/export", get(export))
        .route("/organiser/events/{id}/organisers", post(add_organiser))
        .route(
            "/organiser/events/{id}/organisers/remove",
            post(remove_organiser),
        )
        .route("/organiser/events/{id}/delete", post(delete_event))
}

async fn privacy_of(state: &AppState, event_id: i64) -> AppResult<Privacy> {
    state
        .storage
        .privacy(event_id)
        .await?
        .ok_or_else(|| AppError::not_found("That event no longer exists."))
}

/// Who runs the event, as phones name it: who the organiser said follows up pledges, else
/// the owning organiser's name, else "The organisers of …".
pub(crate) async fn run_by(state: &AppState, es: &EventState, l: Lang) -> AppResult<String> {
    let event_id = es.event.id;
    let contact_by = state
        .storage
        .pledge_setup(event_id)
        .await?
        .map(|s| s.contact_by)
        .unwrap_or_default();
    if !contact_by.trim().is_empty() {
        return Ok(contact_by.trim().to_string());
    }
    let p = privacy_of(state, event_id).await?;
    Ok(match p.organiser_name.filter(|n| !n.trim().is_empty()) {
        Some(name) => name,
        None => tv(l, "organisers-of", &[("event", es.event.title.trim())]),
    })
}

// ---------------------------------------------------------------------------------------
// The phone's notice.

async fn phone_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> AppResult<Response> {
    let (es, table) = load_table(&state, &token).await?;
    let event_lang = crate::participant::event_lang(&state, es.event.id).await?;
    let switch = lang::switch(Some(event_lang), &format!("/t/{token}/privacy"));
    let l = switch.lang;
    let p = privacy_of(&state, es.event.id).await?;
    let page = participant_ui::privacy_page(&participant_ui::PrivacyPage {
        lang: switch,
        event_title: es.event.title.clone(),
        back_url: format!("/t/{}", table.join_token),
        who: run_by(&state, &es, l).await?,
        notice: (!p.notice.is_empty()).then(|| p.notice.clone()),
        contact_days: p.contact_days,
        comments: match p.comments_after {
            CommentsAfter::Keep => participant_ui::CommentsKept::Kept,
            CommentsAfter::Anonymise => participant_ui::CommentsKept::Anonymised(p.comment_days),
            CommentsAfter::Delete => participant_ui::CommentsKept::Deleted(p.comment_days),
        },
    });
    Ok(page.into_response())
}

// ---------------------------------------------------------------------------------------
// "Your comments": a phone sees and deletes what it wrote.

#[derive(Deserialize)]
struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

async fn mine_view(
    state: &AppState,
    es: &EventState,
    token: &str,
    headers: &axum::http::HeaderMap,
    notice: Option<&'static str>,
    error: Option<&'static str>,
) -> AppResult<Response> {
    let (voter, cookie) = crate::participant::attendee_id(state, headers, es.event.id)?;
    let event_lang = crate::participant::event_lang(state, es.event.id).await?;
    let switch = lang::switch(Some(event_lang), &format!("/t/{token}/mine"));
    let l = switch.lang;
    let author = crate::security::author_of(&voter);
    let items = state
        .storage
        .own_comments(es.event.id, &author)
        .await?
        .into_iter()
        .map(|c| participant_ui::MineItem {
            id: c.id,
            text: c.text,
            table_number: c.table_number,
            name: c.name,
            waiting: !c.approved,
        })
        .collect();
    let page = participant_ui::mine_page(&participant_ui::MinePage {
        lang: switch,
        event_title: es.event.title.clone(),
        back_url: format!("/t/{token}"),
        action_url: format!("/t/{token}/mine"),
        items,
        reference: author.clone(),
        notice: notice.map(|k| participant_ui::i18n::t(l, k).to_string()),
        error: error.map(|k| participant_ui::i18n::t(l, k).to_string()),
    });
    let status = if error.is_some() {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    Ok(crate::participant::with_cookie(
        (status, page).into_response(),
        cookie,
    ))
}

async fn mine_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: axum::http::HeaderMap,
    query: Result<Query<DoneQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Response> {
    let (es, _) = load_table(&state, &token).await?;
    let notice = match query.ok().and_then(|q| q.0.done).as_deref() {
        Some("one") => Some("mine-deleted-one"),
        Some("all") => Some("mine-deleted-all"),
        _ => None,
    };
    mine_view(&state, &es, &token, &headers, notice, None).await
}

async fn delete_mine(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: axum::http::HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<Response> {
    let (es, _) = load_table(&state, &token).await?;
    let f = forms::read(body)?;
    let (voter, _) = crate::participant::attendee_id(&state, &headers, es.event.id)?;
    let author = crate::security::author_of(&voter);
    let ids: Vec<i64> = if field(&f, "all") == "1" {
        state
            .storage
            .own_comments(es.event.id, &author)
            .await?
            .iter()
            .map(|c| c.id)
            .collect()
    } else {
        match field(&f, "comment_id").trim().parse() {
            Ok(id) => vec![id],
            Err(_) => Vec::new(),
        }
    };
    let all = field(&f, "all") == "1";
    if all && field(&f, "sure") != "1" {
        let mut page = mine_view(
            &state,
            &es,
            &token,
            &headers,
            None,
            Some("mine-all-not-sure"),
        )
        .await?;
        *page.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(page);
    }
    if ids.is_empty() && !all {
        return mine_view(&state, &es, &token, &headers, None, Some("mine-not-found")).await;
    }
    for comment_id in ids {
        let change = crate::storage::Change::DeleteOwn {
            comment_id,
            author: author.clone(),
        };
        match state.hub.apply(es.event.id, change, None).await {
            Ok(_) => {}
            Err(crate::storage::StorageError::NotFound(_)) => {
                return mine_view(&state, &es, &token, &headers, None, Some("mine-not-found"))
                    .await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    let done = if all { "all" } else { "one" };
    Ok(Redirect::to(&format!("/t/{token}/mine?done={done}")).into_response())
}

// ---------------------------------------------------------------------------------------
// The organiser's page.

#[derive(Deserialize)]
struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// What the form shows when it comes back with an error.
struct Typed {
    wall_frame: String,
    notice: String,
    contact_days: String,
    comments_after: String,
    comment_days: String,
}

fn settings_view(
    es: &EventState,
    p: &Privacy,
    typed: Option<Typed>,
    error: Option<String>,
    delete_error: Option<String>,
    notice: Option<String>,
) -> facilitator_ui::PrivacySettingsPage {
    let id = es.event.id;
    let typed = typed.unwrap_or_else(|| Typed {
        wall_frame: p.wall_frame.clone(),
        notice: p.notice.clone(),
        contact_days: p.contact_days.to_string(),
        comments_after: p.comments_after.code().to_string(),
        comment_days: p.comment_days.to_string(),
    });
    let now = now_ms();
    let contacts = "Contact details and \u{201c}about you\u{201d} answers";
    let contacts_status = match p.contacts_purged_at {
        Some(at) => format!("{contacts} were deleted on {}.", day_of(at)),
        None if p.contacts_due_ms() <= now => {
            format!("{contacts} are due for deletion now: the hourly check deletes them.")
        }
        None => format!(
            "{contacts} will be deleted on {}.",
            day_of(p.contacts_due_ms())
        ),
    };
    let names = "Names and device keys";
    let comments_status = match (p.comments_after, p.comments_due_ms(), p.comments_purged_at) {
        (CommentsAfter::Anonymise, _, Some(at)) => {
            format!("{names} were removed from the comments on {}.", day_of(at))
        }
        (CommentsAfter::Anonymise, Some(due), None) if due <= now => {
            format!("{names} are due to be removed from the comments now.")
        }
        (CommentsAfter::Anonymise, Some(due), None) => {
            format!(
                "{names} will be removed from the comments on {}.",
                day_of(due)
            )
        }
        (CommentsAfter::Delete, Some(due), _) if due <= now => {
            "The whole event is due for deletion now.".to_string()
        }
        (CommentsAfter::Delete, Some(due), _) => {
            format!("The whole event will be deleted on {}.", day_of(due))
        }
        _ => "Comments are kept until you delete the event.".to_string(),
    };
    facilitator_ui::PrivacySettingsPage {
        run_by: String::new(),
        organisers: Vec::new(),
        add_organiser_url: format!("/organiser/events/{id}/organisers"),
        remove_organiser_url: format!("/organiser/events/{id}/organisers/remove"),
        organiser_email: String::new(),
        organiser_error: None,
        event_title: es.event.title.clone(),
        action_url: format!("/organiser/events/{id}/privacy"),
        back_url: format!("/organiser/events/{id}"),
        export_url: format!("/organiser/events/{id}/export"),
        delete_url: format!("/organiser/events/{id}/delete"),
        phone_url: es
            .tables
            .first()
            .map(|t| format!("/t/{}/privacy", t.join_token)),
        wall_frame: typed.wall_frame,
        notice: typed.notice,
        contact_days: typed.contact_days,
        comments_after: typed.comments_after,
        comment_days: typed.comment_days,
        contacts_status,
        comments_status,
        error,
        delete_error,
        saved: notice,
    }
}

/// The event's organisers for the page (none listed: a command-line event, open to all).
async fn organiser_rows(
    state: &AppState,
    es: &EventState,
) -> AppResult<Vec<facilitator_ui::OrganiserRow>> {
    if es.event.organiser_id.is_none() {
        return Ok(Vec::new());
    }
    Ok(state
        .storage
        .event_organisers(es.event.id)
        .await?
        .into_iter()
        .map(|(id, name, email, owner)| facilitator_ui::OrganiserRow {
            id,
            name,
            email,
            owner,
        })
        .collect())
}

/// The page as stored, with what `refusal` sets (an error and what was typed), as a 422.
async fn refused(
    state: &AppState,
    es: &EventState,
    refusal: impl FnOnce(&mut facilitator_ui::PrivacySettingsPage),
) -> StaffResult<Response> {
    let p = privacy_of(state, es.event.id).await?;
    let mut view = settings_view(es, &p, None, None, None, None);
    refusal(&mut view);
    full_page(state, es, view, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// Back to the privacy page after the organisers list changed.
fn organisers_saved(event_id: i64) -> Response {
    Redirect::to(&format!(
        "/organiser/events/{event_id}/privacy?saved=organiser"
    ))
    .into_response()
}

/// Renders the page with the organisers list and any refusal of the organiser forms.
async fn full_page(
    state: &AppState,
    es: &EventState,
    mut view: facilitator_ui::PrivacySettingsPage,
    status: StatusCode,
) -> StaffResult<Response> {
    view.organisers = organiser_rows(state, es).await?;
    view.run_by = run_by(state, es, Lang::En).await?;
    Ok((status, facilitator_ui::privacy_settings_page(&view)).into_response())
}

async fn add_organiser(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> StaffResult<Response> {
    let es = owned_event(&state, &o, &id).await?;
    let f = forms::read(body)?;
    let email = field(&f, "email").trim().to_lowercase();
    let refusal = if es.event.organiser_id.is_none() {
        Some("Every organiser of this installation can already open this event.".to_string())
    } else {
        match state.storage.organiser_by_email(&email).await? {
            _ if email.is_empty() => Some("Type the email of their organiser account.".into()),
            None => Some(format!(
                "No organiser account has the email {email}. Make their account first, on \
                 the laptop running Roundtable: roundtable organiser add --email {email} \
                 --name \"Their name\" (see the README)."
            )),
            Some(other) => {
                let on = state.storage.event_organisers(es.event.id).await?;
                if on.iter().any(|(oid, ..)| *oid == other.id) {
                    Some(format!("{} can already open this event.", other.name))
                } else {
                    state
                        .storage
                        .add_event_organiser(es.event.id, other.id)
                        .await?;
                    None
                }
            }
        }
    };
    match refusal {
        None => Ok(organisers_saved(es.event.id)),
        Some(message) => {
            refused(&state, &es, |view| {
                view.organiser_email = email;
                view.organiser_error = Some(message);
            })
            .await
        }
    }
}

async fn remove_organiser(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> StaffResult<Response> {
    let es = owned_event(&state, &o, &id).await?;
    let f = forms::read(body)?;
    let removed = match field(&f, "organiser_id").trim().parse::<i64>() {
        Ok(oid) => {
            state
                .storage
                .remove_event_organiser(es.event.id, oid)
                .await?
        }
        Err(_) => false,
    };
    if !removed {
        return refused(&state, &es, |view| {
            view.organiser_error = Some(
                "That organiser isn't one who was added to this event; nothing changed.".into(),
            );
        })
        .await;
    }
    // Taking yourself off: the event is no longer yours to see.
    if field(&f, "organiser_id").trim() == o.id.to_string() {
        return Ok(Redirect::to("/organiser").into_response());
    }
    Ok(organisers_saved(es.event.id))
}

async fn settings_page(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    Path(id): Path<String>,
    query: Result<Query<SavedQuery>, axum::extract::rejection::QueryRejection>,
) -> StaffResult<Response> {
    let es = owned_event(&state, &o, &id).await?;
    let p = privacy_of(&state, es.event.id).await?;
    let notice = match query.ok().and_then(|q| q.0.saved).as_deref() {
        Some("organiser") => Some("Saved. The list of organisers is up to date.".to_string()),
        Some(_) => Some("Saved. Phones show the new notice from now on.".to_string()),
        None => None,
    };
    let view = settings_view(&es, &p, None, None, None, notice);
    full_page(&state, &es, view, StatusCode::OK).await
}

async fn save_settings(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> StaffResult<Response> {
    let es = owned_event(&state, &o, &id).await?;
    let f = forms::read(body)?;
    let typed = Typed {
        wall_frame: field(&f, "wall_frame"),
        notice: field(&f, "notice"),
        contact_days: field(&f, "contact_days"),
        comments_after: field(&f, "comments_after"),
        comment_days: field(&f, "comment_days"),
    };
    match model::parse_privacy(
        &typed.wall_frame,
        &typed.notice,
        &typed.contact_days,
        &typed.comments_after,
        &typed.comment_days,
    ) {
        Ok(input) => {
            state.storage.save_privacy(es.event.id, &input).await?;
            Ok(Redirect::to(&format!(
                "/organiser/events/{}/privacy?saved=1",
                es.event.id
            ))
            .into_response())
        }
        Err(e) => {
            let p = privacy_of(&state, es.event.id).await?;
            let view = settings_view(&es, &p, Some(typed), Some(e.message), None, None);
            full_page(&state, &es, view, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

// ---------------------------------------------------------------------------------------
// Deleting an event, and everything held about it.

/// Deletes the event and everything in it, closes its screens and phones, and empties the
/// write-ahead log so the deleted pages leave the disk.
pub async fn delete_everything(state: &AppState, event_id: i64) -> AppResult<()> {
    state.storage.delete_event(event_id).await?;
    state.reports.forget(event_id);
    state.storage.checkpoint().await?;
    state.hub.revoke(event_id, crate::hub::Revoked::Event);
    tracing::info!(event_id, "event deleted");
    Ok(())
}

async fn delete_event(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> StaffResult<Response> {
    let es = owned_event(&state, &o, &id).await?;
    let f = forms::read(body)?;
    if !field(&f, "confirm").trim().eq_ignore_ascii_case("delete") {
        let message = "Nothing was deleted. To delete this event and everything in it, type \
                       delete in the box, then press the button.";
        return refused(&state, &es, |view| {
            view.delete_error = Some(message.into());
            // Said at the top too, where the reloaded page is read first.
            view.error = Some(message.into());
        })
        .await;
    }
    delete_everything(&state, es.event.id).await?;
    Ok(Redirect::to("/organiser?deleted=1").into_response())
}

/// Everything held about one event, for a subject access request: the full archive
/// (comments, agreements by device key, images, activity log), the privacy settings, the
/// pledges with their contact details and consent sentences, and the "about you" answers.
async fn export(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    Path(id): Path<String>,
) -> StaffResult<Response> {
    let es = owned_event(&state, &o, &id).await?;
    let event_id = es.event.id;
    let archive = crate::report::http::archive_of(state.storage.as_ref(), &es).await?;
    let p = privacy_of(&state, event_id).await?;
    let setup = state.storage.pledge_setup(event_id).await?;
    let options: Vec<_> = setup
        .map(|s| s.options)
        .unwrap_or_default()
        .into_iter()
        .map(|o| json!({"id": o.id, "label": o.label, "removed": o.removed}))
        .collect();
    let pledges: Vec<_> = state
        .storage
        .pledges(event_id)
        .await?
        .into_iter()
        .map(|pl| {
            let contact = pl.contact.map(|c| {
                json!({
                    "name": c.name,
                    "phone": c.phone.as_ref().map(|x| &x.0),
                    "phone_consent": c.phone.as_ref().map(|x| &x.1),
                    "email": c.email.as_ref().map(|x| &x.0),
                    "email_consent": c.email.as_ref().map(|x| &x.1),
                })
            });
            json!({
                "id": pl.id,
                "options": pl.options,
                "contact": contact,
                "consented_at": pl.consented_at,
            })
        })
        .collect();
    let about: Vec<_> = state
        .storage
        .about_answers(event_id)
        .await?
        .into_iter()
        .map(|a| json!({"first_event": a.first_event, "member": a.member, "age_band": a.age_band}))
        .collect();
    let body = json!({
        "kind": "roundtable-everything-held",
        "exported_at": now_ms(),
        "event_id": event_id,
        "privacy": {
            "notice": p.notice,
            "contact_days": p.contact_days,
            "comments_after": p.comments_after.code(),
            "comment_days": p.comment_days,
            "contacts_deleted_at": p.contacts_purged_at,
            "comments_anonymised_at": p.comments_purged_at,
        },
        "archive": archive,
        "pledge_options": options,
        "pledges": pledges,
        "about_you": about,
    });
    let bytes = serde_json::to_vec_pretty(&body)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("export: {e}")))?;
    let mut res = (StatusCode::OK, bytes).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"roundtable-event-{event_id}-everything-held.json\""
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

// ---------------------------------------------------------------------------------------
// The retention sweep.

/// Runs [`sweep`] now and then every `config.retention_every`, for as long as the server.
pub async fn sweeper(state: AppState) {
    let mut every = tokio::time::interval(state.config.retention_every);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if let Err(e) = sweep(&state).await {
            tracing::warn!(error = %e, "retention sweep failed; it will try again");
        }
    }
}

/// Deletes contact details and "about you" answers whose time is up, anonymises comments
/// or deletes events whose time is up, then empties the write-ahead log if anything went.
pub async fn sweep(state: &AppState) -> AppResult<()> {
    let now = now_ms();
    let mut changed = false;
    for (event_id, p) in state.storage.retention_list().await? {
        let comments_due = p.comments_due_ms().is_some_and(|due| due <= now);
        if comments_due && p.comments_after == CommentsAfter::Delete {
            delete_everything(state, event_id).await?;
            continue;
        }
        if p.contacts_due_ms() <= now && state.storage.purge_contacts(event_id, now).await? {
            state.reports.forget(event_id);
            tracing::info!(event_id, "contact details and answers deleted (retention)");
            changed = true;
        }
        if comments_due && state.storage.anonymise_comments(event_id, now).await? {
            // Names are gone but nothing was numbered: no cached report may keep them.
            state.reports.forget(event_id);
            tracing::info!(event_id, "comments anonymised (retention)");
            changed = true;
        }
    }
    if changed {
        state.storage.checkpoint().await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::DAY_MS;

    #[test]
    fn days_read_back() {
        assert_eq!(day_of(0), "1970-01-01");
        assert_eq!(day_of(20_793 * DAY_MS + 5), "2026-12-06");
        assert_eq!(day_of(11_016 * DAY_MS), "2000-02-29");
        for d in ["2024-02-29", "2026-12-31", "2100-03-01"] {
            let end = model::end_of_day_ms(d).unwrap_or_default();
            assert_eq!(day_of(end - 1), d);
        }
    }
}
