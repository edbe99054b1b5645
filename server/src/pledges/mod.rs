//! Pledges (the actions people commit to at the end of an event) and the optional "about
//! you" questions: the phone's pages and the organiser's settings and totals.
//!
//! A pledge is found again only through a random key the phone holds in its own cookie
//! (`rt_pledge_{event}`), stored as a SHA-256. It has no key to the device cookie that
//! comments carry, so contact details cannot be joined to what a person wrote. "About you"
//! answers use another key of their own (`rt_about_{event}`).

pub mod model;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::net::SocketAddr;

use crate::app::AppState;
use crate::error::{AppError, AppResult, StaffResult};
use crate::forms::{self, field};
use crate::lang;
use crate::limits::{Kind, slow_down_message};
use crate::model::{EventState, Table};
use crate::organiser::{LoggedIn, owned_event};
use crate::participant::{limit_action, load_table, with_cookie, with_retry_after};
use crate::security;
use crate::storage::StorageError;
use participant_ui::Lang;
use participant_ui::i18n::{t, tv};

use model::{ABOUT_QUESTIONS, PledgeDraft, PledgeSetup};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/t/{token}/pledge", get(pledge_page).post(save_pledge))
        .route("/t/{token}/pledge/withdraw", post(withdraw))
        .route("/t/{token}/about", get(about_page).post(save_about))
        .route(
            "/organiser/events/{id}/pledges",
            get(settings_page).post(save_settings),
        )
}

/// How long a phone keeps the key to its pledge (and to its "about you" answers).
const KEY_DAYS: i64 = 60;

fn pledge_cookie(event_id: i64) -> String {
    format!("rt_pledge_{event_id}")
}

fn about_cookie(event_id: i64) -> String {
    format!("rt_about_{event_id}")
}

/// The hash of the key in `cookie`, if the phone has a plausible one.
fn key_hash(headers: &HeaderMap, cookie: &str) -> Option<String> {
    security::cookie(headers, cookie)
        .filter(|v| security::plausible_token(v))
        .map(|k| security::hash_token(&k))
}

/// The phone's key hash for `cookie`, making a new key (and its `Set-Cookie`) when needed.
fn key_or_new(
    state: &AppState,
    headers: &HeaderMap,
    cookie: &str,
) -> AppResult<(String, Option<String>)> {
    if let Some(h) = key_hash(headers, cookie) {
        return Ok((h, None));
    }
    let key = security::new_token()?;
    let set = security::set_cookie(
        cookie,
        &key,
        KEY_DAYS * 24 * 3600,
        state.config.secure_cookies,
    );
    Ok((security::hash_token(&key), Some(set)))
}

async fn setup_of(state: &AppState, event_id: i64) -> AppResult<PledgeSetup> {
    state
        .storage
        .pledge_setup(event_id)
        .await?
        .ok_or_else(|| AppError::not_found("That event no longer exists."))
}

/// The pledge card and the "about you" link for a table page.
pub(crate) async fn phone_card(
    state: &AppState,
    es: &EventState,
    table: &Table,
    headers: &HeaderMap,
) -> AppResult<(participant_ui::PledgeCard, Option<String>, Lang)> {
    let event_id = es.event.id;
    let setup = setup_of(state, event_id).await?;
    let pledged = match key_hash(headers, &pledge_cookie(event_id)) {
        Some(h) => state.storage.pledge(event_id, &h).await?.is_some(),
        None => false,
    };
    let running = es
        .agenda
        .running()
        .is_some_and(|(item, _)| item.kind == "pledges");
    let about_on = setup.about_you;
    let answered = match key_hash(headers, &about_cookie(event_id)) {
        Some(h) => state.storage.about(event_id, &h).await?.is_some(),
        None => false,
    };
    let token = &table.join_token;
    Ok((
        participant_ui::PledgeCard {
            url: format!("/t/{token}/pledge"),
            running,
            pledged,
        },
        (about_on && !answered && es.event.open).then(|| format!("/t/{token}/about")),
        setup.lang,
    ))
}

fn option_views(setup: &PledgeSetup, chosen: &[i64]) -> Vec<participant_ui::PledgeOptionView> {
    setup
        .live()
        .map(|o| participant_ui::PledgeOptionView {
            id: o.id,
            label: o.label.clone(),
            table: o.table.as_ref().map(|(_, n, theme)| table_name(*n, theme)),
            checked: chosen.contains(&o.id),
        })
        .collect()
}

fn table_name(number: i64, theme: &str) -> String {
    if theme.trim().is_empty() {
        format!("Table {number}")
    } else {
        format!("Table {number}: {}", theme.trim())
    }
}

/// Who will get in touch, in the page's language.
fn contact_by(l: Lang, setup: &PledgeSetup, event_title: &str) -> String {
    if setup.contact_by.trim().is_empty() {
        tv(l, "organisers-of", &[("event", event_title.trim())])
    } else {
        model::contact_by(&setup.contact_by, event_title)
    }
}

struct PledgeView {
    draft: PledgeDraft,
    error: Option<String>,
    notice: Option<String>,
}

async fn render_pledge(
    state: &AppState,
    es: &EventState,
    table: &Table,
    headers: &HeaderMap,
    view: PledgeView,
) -> AppResult<maud::Markup> {
    let event_id = es.event.id;
    let setup = setup_of(state, event_id).await?;
    let existing = match key_hash(headers, &pledge_cookie(event_id)) {
        Some(h) => state.storage.pledge(event_id, &h).await?,
        None => None,
    };
    let switch = lang::switch(Some(setup.lang), &format!("/t/{}/pledge", table.join_token));
    let l = switch.lang;
    let contact_by = contact_by(l, &setup, &es.event.title);
    let chosen: Vec<i64> = if view.error.is_some() {
        view.draft
            .options
            .iter()
            .filter_map(|o| o.parse().ok())
            .collect()
    } else {
        existing
            .as_ref()
            .map(|p| p.options.clone())
            .unwrap_or_default()
    };
    // After an error the form shows what was typed; otherwise the stored details.
    let mut draft = view.draft;
    if view.error.is_none()
        && let Some(c) = existing.as_ref().and_then(|p| p.contact.as_ref())
    {
        draft.name = c.name.clone();
        draft.phone_ok = c.phone.is_some();
        draft.phone = c.phone.as_ref().map(|p| p.0.clone()).unwrap_or_default();
        draft.email_ok = c.email.is_some();
        draft.email = c.email.as_ref().map(|e| e.0.clone()).unwrap_or_default();
    }
    let pledged = existing.as_ref().map(|p| {
        setup
            .options
            .iter()
            .filter(|o| p.options.contains(&o.id))
            .map(|o| o.label.clone())
            .collect()
    });
    let token = &table.join_token;
    Ok(participant_ui::pledge_page(&participant_ui::PledgePage {
        lang: switch,
        event_title: es.event.title.clone(),
        table_number: table.number,
        back_url: format!("/t/{token}"),
        action_url: format!("/t/{token}/pledge"),
        withdraw_url: format!("/t/{token}/pledge/withdraw"),
        options: option_views(&setup, &chosen),
        consent_phone: tv(l, "consent-phone", &[("who", &contact_by)]),
        consent_email: tv(l, "consent-email", &[("who", &contact_by)]),
        contact_by,
        name: draft.name,
        phone: draft.phone,
        phone_ok: draft.phone_ok,
        email: draft.email,
        email_ok: draft.email_ok,
        error: view.error.map(|e| lang::tr(l, &e)),
        notice: view.notice.map(|n| lang::tr(l, &n)),
        pledged,
        open: es.event.open,
        about_url: (setup.about_you && es.event.open).then(|| format!("/t/{token}/about")),
    }))
}

#[derive(Deserialize)]
struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

async fn pledge_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    query: Result<Query<DoneQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (es, table) = load_table(&state, &token).await?;
    let notice = match query.ok().and_then(|q| q.0.done).as_deref() {
        Some("saved") => Some("Thank you! Your pledge is saved.".to_string()),
        Some("withdrawn") => {
            Some("Your pledge was withdrawn and any contact details deleted.".to_string())
        }
        _ => None,
    };
    let page = render_pledge(
        &state,
        &es,
        &table,
        &headers,
        PledgeView {
            draft: PledgeDraft::default(),
            error: None,
            notice,
        },
    )
    .await?;
    Ok(page.into_response())
}

async fn save_pledge(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<Response> {
    let (es, table) = load_table(&state, &token).await?;
    let event_id = es.event.id;
    let f = forms::read(body)?;
    let mut options: Vec<(i64, String)> = f
        .iter()
        .filter_map(|(k, v)| {
            let id = k.strip_prefix("option_")?;
            (!v.is_empty()).then(|| (id.parse().unwrap_or(i64::MAX), id.to_string()))
        })
        .collect();
    options.sort();
    let draft = PledgeDraft {
        options: options.into_iter().map(|(_, id)| id).collect(),
        name: field(&f, "name"),
        phone: field(&f, "phone"),
        phone_ok: !field(&f, "phone_ok").is_empty(),
        email: field(&f, "email"),
        email_ok: !field(&f, "email_ok").is_empty(),
    };
    let setup = setup_of(&state, event_id).await?;
    let l = lang::current(Some(setup.lang));
    let who = contact_by(l, &setup, &es.event.title);
    let consents = (
        tv(l, "consent-phone", &[("who", &who)]),
        tv(l, "consent-email", &[("who", &who)]),
    );
    let (voter, device_cookie) = crate::participant::attendee_id(&state, &headers, es.event.id)?;
    let mut retry = None;
    let result: Result<Option<String>, AppError> = if !es.event.open {
        Err(AppError::Invalid {
            status: StatusCode::CONFLICT,
            message: "The event has closed, so pledges can't be made or changed now. You can still withdraw yours.".into(),
        })
    } else {
        match model::parse_pledge(&draft, &setup, &consents) {
            Err(e) => Err(e.into()),
            Ok(pledge) => {
                match limit_action(&state, Kind::Post, &voter, device_cookie.is_some(), peer) {
                    Err(slow) => {
                        retry = Some(slow);
                        Err(AppError::Invalid {
                            status: StatusCode::TOO_MANY_REQUESTS,
                            message: slow_down_message(slow),
                        })
                    }
                    Ok(()) => {
                        let (hash, set) = key_or_new(&state, &headers, &pledge_cookie(event_id))?;
                        match state.storage.save_pledge(event_id, &hash, &pledge).await {
                            Ok(()) => Ok(set),
                            Err(StorageError::Other(e)) => {
                                tracing::error!(error = %e, "could not store a pledge");
                                Err(AppError::Invalid {
                                    status: StatusCode::SERVICE_UNAVAILABLE,
                                    message: "Not saved: the server can't store pledges right now. Please try again in a minute.".into(),
                                })
                            }
                            Err(e) => Err(e.into()),
                        }
                    }
                }
            }
        }
    };
    match result {
        Ok(set) => {
            state.hub.schedule_overview(event_id);
            Ok(with_cookie(
                Redirect::to(&format!("/t/{token}/pledge?done=saved")).into_response(),
                set,
            ))
        }
        Err(e) => {
            let (status, message) = e.parts();
            let page = render_pledge(
                &state,
                &es,
                &table,
                &headers,
                PledgeView {
                    draft,
                    error: Some(message),
                    notice: None,
                },
            )
            .await?;
            let res = (status, page).into_response();
            Ok(match retry {
                Some(slow) => with_retry_after(res, slow),
                None => res,
            })
        }
    }
}

async fn withdraw(
    State(state): State<AppState>,
    Path(token): Path<String>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (es, _) = load_table(&state, &token).await?;
    let event_id = es.event.id;
    if let Some(h) = key_hash(&headers, &pledge_cookie(event_id)) {
        state.storage.withdraw_pledge(event_id, &h).await?;
        state.hub.schedule_overview(event_id);
    }
    // Forget the key too: nothing on this phone points at a pledge any more.
    let clear = security::set_cookie(&pledge_cookie(event_id), "", 0, state.config.secure_cookies);
    Ok(with_cookie(
        Redirect::to(&format!("/t/{token}/pledge?done=withdrawn")).into_response(),
        Some(clear),
    ))
}

fn about_view(
    es: &EventState,
    table: &Table,
    setup: &PledgeSetup,
    about: &model::About,
    error: Option<String>,
    notice: Option<String>,
) -> participant_ui::AboutPage {
    let token = &table.join_token;
    let switch = lang::switch(Some(setup.lang), &format!("/t/{token}/about"));
    let l = switch.lang;
    let error = error.map(|e| lang::tr(l, &e));
    let notice = notice.map(|n| lang::tr(l, &n));
    participant_ui::AboutPage {
        lang: switch,
        event_title: es.event.title.clone(),
        back_url: format!("/t/{token}"),
        action_url: format!("/t/{token}/about"),
        questions: ABOUT_QUESTIONS
            .iter()
            .map(|(field, question, answers)| participant_ui::AboutQuestion {
                field: field.to_string(),
                question: t(l, about_key(question)).to_string(),
                answers: answers
                    .iter()
                    .map(|a| {
                        (
                            a.to_string(),
                            t(l, about_key(a)).to_string(),
                            about.get(field) == Some(*a),
                        )
                    })
                    .collect(),
            })
            .collect(),
        error,
        notice,
    }
}

/// The message key for an "about you" question or answer (stored in English).
fn about_key(english: &str) -> &'static str {
    match english {
        "Is this your first political event?" => "about-q-first",
        "Are you a member of the organising party?" => "about-q-member",
        "How old are you?" => "about-q-age",
        "Yes" => "about-yes",
        "No" => "about-no",
        "Under 18" => "about-under-18",
        "18–24" => "about-18-24",
        "25–34" => "about-25-34",
        "35–49" => "about-35-49",
        "50–64" => "about-50-64",
        _ => "about-65-plus",
    }
}

#[derive(Deserialize)]
struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

async fn about_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    query: Result<Query<SavedQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (es, table) = load_table(&state, &token).await?;
    let setup = setup_of(&state, es.event.id).await?;
    if !setup.about_you {
        return Err(AppError::not_found(
            "The organisers haven't asked any questions about you at this event.",
        ));
    }
    let about = match key_hash(&headers, &about_cookie(es.event.id)) {
        Some(h) => state.storage.about(es.event.id, &h).await?,
        None => None,
    }
    .unwrap_or_default();
    let saved = query.ok().and_then(|q| q.0.saved).is_some();
    let notice = saved.then(|| "Thank you. Your answers are saved.".to_string());
    Ok(
        participant_ui::about_page(&about_view(&es, &table, &setup, &about, None, notice))
            .into_response(),
    )
}

async fn save_about(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<Response> {
    let (es, table) = load_table(&state, &token).await?;
    let event_id = es.event.id;
    let setup = setup_of(&state, event_id).await?;
    if !setup.about_you {
        return Err(AppError::not_found(
            "The organisers haven't asked any questions about you at this event.",
        ));
    }
    let f = forms::read(body)?;
    let about = match model::parse_about(
        &field(&f, "first_event"),
        &field(&f, "member"),
        &field(&f, "age_band"),
    ) {
        Ok(a) => a,
        Err(e) => {
            let page = participant_ui::about_page(&about_view(
                &es,
                &table,
                &setup,
                &model::About::default(),
                Some(e.message),
                None,
            ));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let (voter, device_cookie) = crate::participant::attendee_id(&state, &headers, es.event.id)?;
    if let Err(slow) = limit_action(&state, Kind::Post, &voter, device_cookie.is_some(), peer) {
        let page = participant_ui::about_page(&about_view(
            &es,
            &table,
            &setup,
            &about,
            Some(slow_down_message(slow)),
            None,
        ));
        return Ok(with_retry_after(
            (StatusCode::TOO_MANY_REQUESTS, page).into_response(),
            slow,
        ));
    }
    let (hash, set) = key_or_new(&state, &headers, &about_cookie(event_id))?;
    state.storage.save_about(event_id, &hash, &about).await?;
    Ok(with_cookie(
        Redirect::to(&format!("/t/{token}/about?saved=1")).into_response(),
        set,
    ))
}

/// Blank rows offered after the stored actions.
const BLANK_OPTION_ROWS: usize = 3;

/// What the organiser typed, shown again after a refusal.
struct Typed {
    rows: Vec<facilitator_ui::PledgeOptionRow>,
    contact_by: String,
    about_you: bool,
    lang: String,
}

async fn settings_view(
    state: &AppState,
    es: &EventState,
    typed: Option<Typed>,
    error: Option<String>,
    notice: Option<String>,
) -> AppResult<facilitator_ui::PledgeSettingsPage> {
    let event_id = es.event.id;
    let setup = setup_of(state, event_id).await?;
    let pledges = state.storage.pledges(event_id).await?;
    let count = |id: i64| pledges.iter().filter(|p| p.options.contains(&id)).count() as i64;
    let (rows, contact_by, about_you, language) = match typed {
        Some(t) => (
            Some(t.rows),
            Some(t.contact_by),
            Some(t.about_you),
            Some(t.lang),
        ),
        None => (None, None, None, None),
    };
    let mut rows = rows.unwrap_or_else(|| {
        setup
            .live()
            .map(|o| facilitator_ui::PledgeOptionRow {
                id: o.id.to_string(),
                label: o.label.clone(),
                table: o
                    .table
                    .as_ref()
                    .map(|t| t.0.to_string())
                    .unwrap_or_default(),
                count: count(o.id),
            })
            .collect()
    });
    rows.extend(std::iter::repeat_n(
        facilitator_ui::PledgeOptionRow::default(),
        BLANK_OPTION_ROWS,
    ));
    let about = state.storage.about_totals(event_id).await?;
    Ok(facilitator_ui::PledgeSettingsPage {
        event_title: es.event.title.clone(),
        action_url: format!("/organiser/events/{event_id}/pledges"),
        back_url: format!("/organiser/events/{event_id}"),
        options: rows,
        tables: es
            .tables
            .iter()
            .map(|t| (t.id, table_name(t.number, &t.theme)))
            .collect(),
        contact_by: contact_by.unwrap_or(setup.contact_by),
        about_you: about_you.unwrap_or(setup.about_you),
        lang: language.unwrap_or_else(|| setup.lang.code().to_string()),
        pledged: pledges.len() as i64,
        with_contact: pledges.iter().filter(|p| p.contact.is_some()).count() as i64,
        about_people: about.people,
        about_totals: about.questions,
        error,
        notice,
    })
}

async fn settings_page(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    Path(id): Path<String>,
    query: Result<Query<SavedQuery>, axum::extract::rejection::QueryRejection>,
) -> StaffResult<Response> {
    let es = owned_event(&state, &o, &id).await?;
    let saved = query.ok().and_then(|q| q.0.saved).is_some();
    let notice = saved.then(|| "Saved. Phones show the new actions from now on.".to_string());
    let view = settings_view(&state, &es, None, None, notice).await?;
    Ok(facilitator_ui::pledge_settings_page(&view).into_response())
}

async fn save_settings(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> StaffResult<Response> {
    let es = owned_event(&state, &o, &id).await?;
    let f = forms::read(body)?;
    let drafts: Vec<model::OptionDraft> = (0..model::MAX_OPTIONS + 20)
        .map(|i| model::OptionDraft {
            id: field(&f, &format!("option_id_{i}")),
            label: field(&f, &format!("option_label_{i}")),
            table: field(&f, &format!("option_table_{i}")),
        })
        .collect();
    let contact_by = field(&f, "contact_by");
    let about_you = !field(&f, "about_you").is_empty();
    // Not sent (an older form, a script): the language stays as it was.
    let language = match field(&f, "lang") {
        l if l.is_empty() => setup_of(&state, es.event.id).await?.lang.code().to_string(),
        l => l,
    };
    let table_ids: Vec<i64> = es.tables.iter().map(|t| t.id).collect();
    match model::parse_setup(&drafts, &contact_by, about_you, &language, &table_ids) {
        Ok(input) => {
            state.storage.save_pledge_setup(es.event.id, &input).await?;
            Ok(Redirect::to(&format!(
                "/organiser/events/{}/pledges?saved=1",
                es.event.id
            ))
            .into_response())
        }
        Err(e) => {
            let typed = drafts
                .into_iter()
                .filter(|d| !d.label.trim().is_empty() || !d.id.trim().is_empty())
                .map(|d| facilitator_ui::PledgeOptionRow {
                    id: d.id,
                    label: d.label,
                    table: d.table,
                    count: 0,
                })
                .collect();
            let typed = Typed {
                rows: typed,
                contact_by,
                about_you,
                lang: language,
            };
            let view = settings_view(&state, &es, Some(typed), Some(e.message), None).await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                facilitator_ui::pledge_settings_page(&view),
            )
                .into_response())
        }
    }
}
