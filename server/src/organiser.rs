//! The organiser's side: first-run set-up, log-in and log-out, the event list, the event form
//! and each event's page of links.

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::net::SocketAddr;

use crate::app::AppState;
use crate::error::{AppError, AppResult, StaffError, StaffResult};
use crate::events::{self, EventLinks};
use crate::forms::{self, FormMap, field};
use crate::limits::Kind;
use crate::model::{self, EventDraft, RoundDraft, TableDraft, now_ms};
use crate::security::{self, SESSION_COOKIE};
use crate::storage::{Change, LinkKind, Organiser, StorageError};

/// How long an organiser stays logged in.
const SESSION_HOURS: i64 = 12;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/setup", get(setup_page).post(setup))
        .route("/organiser/login", get(login_page).post(login))
        .route("/organiser/logout", post(logout))
        .route(
            "/organiser/password",
            get(password_page).post(change_password),
        )
        .route("/organiser", get(dashboard))
        .route("/organiser/events/new", get(new_event))
        .route("/organiser/events", post(create_event))
        .route("/organiser/events/{id}", get(event_page))
        .route("/organiser/events/{id}/rotate", post(rotate))
        .route("/organiser/events/{id}/walls", post(add_wall))
        .route(
            "/organiser/events/{id}/settings",
            get(settings_page).post(save_settings),
        )
}

/// A logged-in organiser; pages that need one redirect to the log-in page otherwise.
pub struct LoggedIn(pub Organiser);

/// Rejection for [`LoggedIn`]: a redirect for pages.
pub struct LoginRequired;

impl IntoResponse for LoginRequired {
    fn into_response(self) -> Response {
        Redirect::to("/organiser/login").into_response()
    }
}

impl FromRequestParts<AppState> for LoggedIn {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = security::cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(LoginRequired.into_response());
        };
        match state
            .storage
            .session_organiser(&security::hash_token(&token), now_ms())
            .await
        {
            Ok(Some(o)) => Ok(LoggedIn(o)),
            Ok(None) => Err(LoginRequired.into_response()),
            Err(e) => Err(AppError::from(e).into_response()),
        }
    }
}

// ---- first run ----

#[derive(Deserialize)]
struct SetupQuery {
    #[serde(default)]
    token: String,
}

fn setup_open(state: &AppState, token: &str) -> bool {
    matches!(state.setup_token(), Some(t) if !token.is_empty() && t == token)
}

async fn setup_page(
    State(state): State<AppState>,
    query: Result<Query<SetupQuery>, axum::extract::rejection::QueryRejection>,
) -> StaffResult<Response> {
    let token = query.ok().map(|q| q.0.token).unwrap_or_default();
    if !setup_open(&state, &token) {
        return Err(StaffError(AppError::Forbidden(
            "This set-up link is not valid. It works once, on first start; after that, log in, or ask an organiser to add you with `cargo run --release -- organiser add`.".into(),
        )));
    }
    Ok(facilitator_ui::setup_page(&facilitator_ui::SetupPage {
        token,
        name: String::new(),
        email: String::new(),
        error: None,
    })
    .into_response())
}

/// Checks account fields; returns (email, name).
fn check_account(
    email: &str,
    name: &str,
    password: &str,
    again: &str,
) -> Result<(String, String), String> {
    let email = email.trim().to_lowercase();
    if !(email.contains('@')
        && email.len() >= 3
        && email.len() <= 200
        && !email.contains(char::is_whitespace))
    {
        return Err("Enter a valid email address.".into());
    }
    let name = model::clean_text(name, "Your name", 80, true).map_err(|e| e.message)?;
    if password.chars().count() < 10 {
        return Err("The password must be at least 10 characters long.".into());
    }
    if password.len() > 1024 {
        return Err("The password is too long.".into());
    }
    if password != again {
        return Err("The two passwords are different.".into());
    }
    Ok((email, name))
}

async fn setup(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> StaffResult<Response> {
    let f = forms::read(body)?;
    let token = field(&f, "token");
    if !setup_open(&state, &token) {
        return Err(StaffError(AppError::Forbidden(
            "This set-up link is not valid any more.".into(),
        )));
    }
    let refuse = |msg: String| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            facilitator_ui::setup_page(&facilitator_ui::SetupPage {
                token: token.clone(),
                name: field(&f, "name"),
                email: field(&f, "email"),
                error: Some(msg),
            }),
        )
            .into_response()
    };
    let (email, name) = match check_account(
        &field(&f, "email"),
        &field(&f, "name"),
        &field(&f, "password"),
        &field(&f, "password_again"),
    ) {
        Ok(v) => v,
        Err(msg) => return Ok(refuse(msg)),
    };
    let password = field(&f, "password");
    // Take the one-time token before the slow part, so a double submit makes one account.
    if !state.take_setup_token(&token) || state.storage.organiser_count().await? > 0 {
        state.clear_setup_token();
        return Err(StaffError(AppError::Forbidden(
            "This set-up link has been used. Log in instead.".into(),
        )));
    }
    let hashed = {
        let _permit = state.hashing.acquire().await;
        tokio::task::spawn_blocking(move || security::hash_password(&password)).await
    };
    let created = match hashed {
        Ok(Ok(hash)) => state.storage.create_organiser(&email, &name, &hash).await,
        Ok(Err(e)) => Err(StorageError::Other(e)),
        Err(e) => Err(StorageError::Other(e.into())),
    };
    let id = match created {
        Ok(id) => id,
        Err(e) => {
            // Nothing was made: the link works again.
            state.restore_setup_token(token.clone());
            return match e {
                StorageError::Conflict(_) => {
                    Ok(refuse("That email already has an account.".into()))
                }
                e => Err(e.into()),
            };
        }
    };
    Ok(start_session(&state, id).await?)
}

// ---- password ----

async fn password_page(LoggedIn(_): LoggedIn) -> impl IntoResponse {
    facilitator_ui::password_page(&facilitator_ui::PasswordPage { error: None })
}

async fn change_password(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    LoggedIn(o): LoggedIn,
    body: Result<Bytes, BytesRejection>,
) -> StaffResult<Response> {
    let f = forms::read(body)?;
    let refuse = |status: StatusCode, msg: String| {
        (
            status,
            facilitator_ui::password_page(&facilitator_ui::PasswordPage { error: Some(msg) }),
        )
            .into_response()
    };
    let ip = peer.ip().to_string();
    if let Err(slow) = state.limiter.check(Kind::LoginFailure, &ip) {
        return Ok(refuse(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too many wrong passwords were tried from this network. Please wait {} seconds and try again.",
                slow.seconds()
            ),
        ));
    }
    let current = field(&f, "current");
    let password = field(&f, "password");
    if let Err(msg) = check_account(&o.email, &o.name, &password, &field(&f, "password_again")) {
        return Ok(refuse(StatusCode::UNPROCESSABLE_ENTITY, msg));
    }
    let hash = o.password_hash.clone();
    let ok = {
        let _permit = state.hashing.acquire().await;
        tokio::task::spawn_blocking(move || security::verify_password(&current, &hash))
            .await
            .unwrap_or(false)
    };
    if !ok {
        let _ = state.limiter.take(Kind::LoginFailure, &ip);
        return Ok(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Your current password isn't right, so nothing was changed.".into(),
        ));
    }
    let hashed = {
        let _permit = state.hashing.acquire().await;
        tokio::task::spawn_blocking(move || security::hash_password(&password)).await
    };
    let hash = match hashed {
        Ok(Ok(h)) => h,
        Ok(Err(e)) => return Err(AppError::Internal(e).into()),
        Err(e) => return Err(AppError::Internal(e.into()).into()),
    };
    state.storage.change_password(o.id, &hash).await?;
    // Every session ended with the change; this device gets a new one.
    let mut res = start_session(&state, o.id).await?;
    if let Ok(v) = HeaderValue::from_str("/organiser?password=changed") {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

async fn start_session(state: &AppState, organiser_id: i64) -> AppResult<Response> {
    let token = security::new_token()?;
    state
        .storage
        .create_session(
            &security::hash_token(&token),
            organiser_id,
            now_ms() + SESSION_HOURS * 3600 * 1000,
        )
        .await?;
    let mut res = Redirect::to("/organiser").into_response();
    let cookie = security::set_cookie(
        SESSION_COOKIE,
        &token,
        SESSION_HOURS * 3600,
        state.config.secure_cookies,
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

// ---- log-in ----

async fn login_page() -> impl IntoResponse {
    facilitator_ui::login_page(&facilitator_ui::LoginPage {
        email: String::new(),
        error: None,
    })
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Result<Bytes, BytesRejection>,
) -> StaffResult<Response> {
    let f = forms::read(body)?;
    let email = field(&f, "email").trim().to_lowercase();
    let password = field(&f, "password");
    let ip = peer.ip().to_string();
    if let Err(slow) = state.limiter.check(Kind::LoginFailure, &ip) {
        let page = facilitator_ui::login_page(&facilitator_ui::LoginPage {
            email,
            error: Some(format!(
                "Too many wrong passwords were tried from this network. Please wait {} seconds and try again.",
                slow.seconds()
            )),
        });
        return Ok((StatusCode::TOO_MANY_REQUESTS, page).into_response());
    }
    let organiser = state.storage.organiser_by_email(&email).await?;
    // Unknown emails are checked against a fixed hash, so the answer takes as long either
    // way; at most two checks run at once (each needs 19 MiB).
    let hash = match &organiser {
        Some(o) => o.password_hash.clone(),
        None => state.dummy_hash.to_string(),
    };
    let ok = {
        let _permit = state.hashing.acquire().await;
        tokio::task::spawn_blocking(move || security::verify_password(&password, &hash))
            .await
            .unwrap_or(false)
    };
    match (ok, organiser) {
        (true, Some(o)) => Ok(start_session(&state, o.id).await?),
        _ => {
            let _ = state.limiter.take(Kind::LoginFailure, &ip);
            Ok((
                StatusCode::UNAUTHORIZED,
                facilitator_ui::login_page(&facilitator_ui::LoginPage {
                    email,
                    error: Some("That email and password don't match an organiser account.".into()),
                }),
            )
                .into_response())
        }
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> StaffResult<Response> {
    if let Some(token) = security::cookie(&headers, SESSION_COOKIE) {
        state
            .storage
            .delete_session(&security::hash_token(&token))
            .await?;
    }
    let mut res = Redirect::to("/organiser/login").into_response();
    let cookie = security::set_cookie(SESSION_COOKIE, "", 0, state.config.secure_cookies);
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

// ---- events ----

#[derive(Deserialize)]
struct DashboardQuery {
    #[serde(default)]
    deleted: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

async fn dashboard(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    query: Result<Query<DashboardQuery>, axum::extract::rejection::QueryRejection>,
) -> StaffResult<Response> {
    let events = state.storage.events_of(o.id).await?;
    let q = query.ok().map(|q| q.0);
    let notice = match q {
        Some(q) if q.deleted.is_some() => {
            Some("The event and everything in it were deleted.".into())
        }
        Some(q) if q.password.is_some() => {
            Some("Your password is changed. Other devices were logged out.".into())
        }
        _ => None,
    };
    Ok(
        facilitator_ui::dashboard_page(&facilitator_ui::DashboardPage {
            organiser_name: o.name,
            notice,
            events: events
                .into_iter()
                .map(|e| facilitator_ui::EventSummary {
                    url: format!("/organiser/events/{}", e.id),
                    title: e.title,
                    place: e.place,
                    date: e.date,
                    open: e.open,
                })
                .collect(),
        })
        .into_response(),
    )
}

async fn new_event(LoggedIn(_): LoggedIn) -> impl IntoResponse {
    facilitator_ui::event_form_page(&facilitator_ui::EventFormPage {
        title: String::new(),
        place: String::new(),
        date: String::new(),
        description: String::new(),
        start_closed: false,
        tables: Vec::new(),
        rounds: vec![
            facilitator_ui::RoundInput {
                prompt: String::new(),
                kind: "same".into(),
            },
            facilitator_ui::RoundInput {
                prompt: String::new(),
                kind: "theme".into(),
            },
        ],
        error: None,
    })
}

/// Reads the indexed rows of the event form; blank rows are skipped.
fn form_rows(
    f: &FormMap,
) -> (
    Vec<facilitator_ui::TableInput>,
    Vec<facilitator_ui::RoundInput>,
) {
    let mut tables = Vec::new();
    let mut rounds = Vec::new();
    for i in 0..model::MAX_TABLES + 50 {
        let t = facilitator_ui::TableInput {
            number: field(f, &format!("table_number_{i}")),
            theme: field(f, &format!("table_theme_{i}")),
            description: field(f, &format!("table_description_{i}")),
        };
        if !(t.number.trim().is_empty()
            && t.theme.trim().is_empty()
            && t.description.trim().is_empty())
        {
            tables.push(t);
        }
        let r = facilitator_ui::RoundInput {
            prompt: field(f, &format!("round_prompt_{i}")),
            kind: field(f, &format!("round_kind_{i}")),
        };
        if !r.prompt.trim().is_empty() {
            rounds.push(r);
        }
    }
    (tables, rounds)
}

async fn create_event(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    body: Result<Bytes, BytesRejection>,
) -> StaffResult<Response> {
    let f = forms::read(body)?;
    let (tables, rounds) = form_rows(&f);
    let start_closed = f.contains_key("start_closed");
    let refuse = |msg: String| {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            facilitator_ui::event_form_page(&facilitator_ui::EventFormPage {
                title: field(&f, "title"),
                place: field(&f, "place"),
                date: field(&f, "date"),
                description: field(&f, "description"),
                start_closed,
                tables: tables.clone(),
                rounds: rounds.clone(),
                error: Some(msg),
            }),
        )
            .into_response()
    };
    let mut table_drafts = Vec::new();
    for (i, t) in tables.iter().enumerate() {
        let number = if t.number.trim().is_empty() {
            i as i64 + 1
        } else {
            match t.number.trim().parse::<i64>() {
                Ok(n) => n,
                Err(_) => {
                    return Ok(refuse(format!(
                        "The table number {:?} (theme \"{}\") is not a number.",
                        t.number.trim(),
                        t.theme.trim()
                    )));
                }
            }
        };
        table_drafts.push(TableDraft {
            number,
            theme: t.theme.clone(),
            description: t.description.clone(),
        });
    }
    let draft = EventDraft {
        title: field(&f, "title"),
        place: field(&f, "place"),
        date: field(&f, "date"),
        description: field(&f, "description"),
        tables: table_drafts,
        rounds: rounds
            .iter()
            .map(|r| RoundDraft {
                prompt: r.prompt.clone(),
                kind: if r.kind.is_empty() {
                    "same".into()
                } else {
                    r.kind.clone()
                },
            })
            .collect(),
        ..Default::default()
    };
    let event = match draft.parse(!start_closed) {
        Ok(e) => e,
        Err(e) => return Ok(refuse(e.message)),
    };
    let id = events::create(state.storage.as_ref(), Some(o.id), &event).await?;
    Ok(Redirect::to(&format!("/organiser/events/{id}")).into_response())
}

pub(crate) async fn owned_event(
    state: &AppState,
    o: &Organiser,
    id: &str,
) -> AppResult<model::EventState> {
    let not_found = || AppError::not_found("No event of yours has that number.");
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let es = state.storage.event_state(id).await?.ok_or_else(not_found)?;
    if let Some(owner) = es.event.organiser_id
        && owner != o.id
        && !state
            .storage
            .event_organisers(id)
            .await?
            .iter()
            .any(|(oid, ..)| *oid == o.id)
    {
        return Err(not_found());
    }
    Ok(es)
}

#[derive(Deserialize)]
struct EventPageQuery {
    #[serde(default)]
    rotated: Option<String>,
}

async fn event_page(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    Path(id): Path<String>,
    query: Result<Query<EventPageQuery>, axum::extract::rejection::QueryRejection>,
) -> StaffResult<Response> {
    let es = owned_event(&state, &o, &id).await?;
    let links = EventLinks::new(&state.config.public_url, &es);
    let notice = match query.ok().and_then(|q| q.0.rotated).as_deref() {
        Some("facilitator") => {
            Some("A new console link was made; the old one no longer works.".to_string())
        }
        Some("wall") => Some("A new wall link was made; the old one no longer works.".to_string()),
        Some("tables") => {
            Some("New table facilitator links were made; the old ones no longer work.".to_string())
        }
        _ => None,
    };
    let walls: Vec<facilitator_ui::WallLink> = es
        .walls
        .iter()
        .map(|w| facilitator_ui::WallLink {
            id: w.id,
            name: w.name.clone(),
            url: if w.main {
                links.wall_url.clone()
            } else {
                state.url(&format!("/wall/{}", w.token))
            },
            main: w.main,
        })
        .collect();
    let table_console_links = links
        .tables
        .iter()
        .map(|t| (t.number, t.theme.clone(), t.console_url.clone()))
        .collect();
    Ok(facilitator_ui::event_page(&facilitator_ui::EventPage {
        title: es.event.title.clone(),
        place: es.event.place.clone(),
        date: es.event.date.clone(),
        description: es.event.description.clone(),
        open: es.event.open,
        code: links.code,
        console_url: links.console_url,
        wall_url: links.wall_url,
        report_url: links.report_url,
        cards_url: links.cards_url,
        rotate_url: format!("/organiser/events/{}/rotate", es.event.id),
        walls,
        add_wall_url: format!("/organiser/events/{}/walls", es.event.id),
        settings_url: format!("/organiser/events/{}/settings", es.event.id),
        table_console_links,
        moderation_pre: es.event.moderation == crate::agenda::Moderation::Pre,
        notice,
        reports: crate::report::http::reports_box(&state, &o, &es).await?,
    })
    .into_response())
}

async fn rotate(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> StaffResult<Response> {
    let es = owned_event(&state, &o, &id).await?;
    let f = forms::read(body)?;
    let (which, word) = match field(&f, "which").as_str() {
        "facilitator" => (LinkKind::Facilitator, "facilitator"),
        "wall" => (LinkKind::Wall, "wall"),
        "tables" => {
            let tokens = es
                .tables
                .iter()
                .map(|t| Ok((t.id, security::new_token()?)))
                .collect::<anyhow::Result<Vec<_>>>()?;
            state
                .storage
                .rotate_table_links(es.event.id, &tokens)
                .await?;
            state
                .hub
                .revoke(es.event.id, crate::hub::Revoked::TableConsoles);
            return Ok(
                Redirect::to(&format!("/organiser/events/{}?rotated=tables", es.event.id))
                    .into_response(),
            );
        }
        other => {
            // `wall:ID`: another wall of this event.
            let wall = other
                .strip_prefix("wall:")
                .and_then(|id| id.parse::<i64>().ok())
                .and_then(|id| es.walls.iter().find(|w| w.id == id && !w.main));
            let Some(wall) = wall else {
                return Err(StaffError(AppError::bad_request(
                    "Choose which link to replace: console, table facilitators or a wall.",
                )));
            };
            let token = security::new_token()?;
            state
                .storage
                .rotate_wall(es.event.id, wall.id, &token)
                .await?;
            state
                .hub
                .revoke(es.event.id, crate::hub::Revoked::Wall(wall.id));
            return Ok(
                Redirect::to(&format!("/organiser/events/{}?rotated=wall", es.event.id))
                    .into_response(),
            );
        }
    };
    let token = security::new_token()?;
    state
        .storage
        .rotate_link(es.event.id, which, &token)
        .await?;
    let main_wall = es.walls.iter().find(|w| w.main).map(|w| w.id).unwrap_or(0);
    state.hub.revoke(
        es.event.id,
        match which {
            LinkKind::Facilitator => crate::hub::Revoked::Console,
            LinkKind::Wall => crate::hub::Revoked::Wall(main_wall),
        },
    );
    Ok(Redirect::to(&format!("/organiser/events/{}?rotated={word}", es.event.id)).into_response())
}

/// Applies an organiser's change to an event, logged as theirs in the activity log.
async fn apply_as(
    state: &AppState,
    o: &Organiser,
    event_id: i64,
    change: Change,
) -> Result<(), StorageError> {
    let actor = crate::storage::Actor {
        label: format!("Organiser ({})", o.name),
        table_id: None,
    };
    state.hub.apply(event_id, change, Some(actor)).await?;
    Ok(())
}

/// Blank rows offered after the stored ones, to add items.
const BLANK_AGENDA_ROWS: usize = 3;

fn settings_view(
    es: &model::EventState,
    moderation_pre: bool,
    labels_text: String,
    mut agenda: Vec<facilitator_ui::AgendaRow>,
    error: Option<String>,
    notice: Option<String>,
) -> facilitator_ui::SettingsPage {
    agenda.extend(std::iter::repeat_n(
        facilitator_ui::AgendaRow::default(),
        BLANK_AGENDA_ROWS,
    ));
    facilitator_ui::SettingsPage {
        event_title: es.event.title.clone(),
        action_url: format!("/organiser/events/{}/settings", es.event.id),
        back_url: format!("/organiser/events/{}", es.event.id),
        moderation_pre,
        labels_text,
        agenda,
        round_options: es
            .rounds
            .iter()
            .map(|r| {
                let prompt: String = r.prompt.chars().take(60).collect();
                (
                    format!("round:{}", r.id),
                    format!("Round {}: {prompt}", r.number),
                )
            })
            .collect(),
        error,
        notice,
    }
}

#[derive(Deserialize)]
struct SettingsQuery {
    #[serde(default)]
    saved: Option<String>,
}

async fn settings_page(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    Path(id): Path<String>,
    query: Result<Query<SettingsQuery>, axum::extract::rejection::QueryRejection>,
) -> StaffResult<Response> {
    let es = owned_event(&state, &o, &id).await?;
    let rows = es
        .agenda
        .items
        .iter()
        .map(|i| facilitator_ui::AgendaRow {
            id: i.id.to_string(),
            kind: match i.round_id {
                Some(r) if i.kind == "round" => format!("round:{r}"),
                _ => i.kind.clone(),
            },
            title: i.title.clone(),
            speaker: i.speaker.clone().unwrap_or_default(),
            minutes: i.minutes.to_string(),
        })
        .collect();
    let saved = query.ok().and_then(|q| q.0.saved).is_some();
    Ok(facilitator_ui::settings_page(&settings_view(
        &es,
        es.event.moderation == crate::agenda::Moderation::Pre,
        es.event.labels.join("\n"),
        rows,
        None,
        saved.then(|| "Saved. Open consoles, walls and phones follow the new settings now.".into()),
    ))
    .into_response())
}

async fn save_settings(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> StaffResult<Response> {
    let es = owned_event(&state, &o, &id).await?;
    let f = forms::read(body)?;
    let mut rows = Vec::new();
    for i in 0..crate::agenda::MAX_AGENDA_ITEMS + 20 {
        let row = crate::agenda::AgendaRowDraft {
            id: field(&f, &format!("agenda_id_{i}")),
            kind: field(&f, &format!("agenda_kind_{i}")),
            title: field(&f, &format!("agenda_title_{i}")),
            speaker: field(&f, &format!("agenda_speaker_{i}")),
            minutes: field(&f, &format!("agenda_minutes_{i}")),
        };
        rows.push(row);
    }
    let moderation = field(&f, "moderation");
    let labels = field(&f, "labels");
    let round_numbers: Vec<(i64, i64)> = es.rounds.iter().map(|r| (r.id, r.number)).collect();
    let parsed = crate::agenda::parse_settings(&moderation, &labels, &rows, &round_numbers);
    let settings = match parsed {
        Ok(s) => s,
        Err(e) => {
            let typed = rows
                .into_iter()
                .filter(|r| !r.kind.trim().is_empty() || !r.title.trim().is_empty())
                .map(|r| facilitator_ui::AgendaRow {
                    id: r.id,
                    kind: r.kind,
                    title: r.title,
                    speaker: r.speaker,
                    minutes: r.minutes,
                })
                .collect();
            let page = facilitator_ui::settings_page(&settings_view(
                &es,
                moderation == "pre",
                labels,
                typed,
                Some(e.message),
                None,
            ));
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    apply_as(&state, &o, es.event.id, Change::Settings(settings)).await?;
    Ok(Redirect::to(&format!(
        "/organiser/events/{}/settings?saved=1",
        es.event.id
    ))
    .into_response())
}

/// Adds another wall (a second screen) with its own link; it follows the main wall until
/// the lead gives it its own layout.
async fn add_wall(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> StaffResult<Response> {
    let es = owned_event(&state, &o, &id).await?;
    let f = forms::read(body)?;
    let name = crate::walls::parse_wall_name(&field(&f, "name")).map_err(AppError::from)?;
    let token = security::new_token()?;
    apply_as(&state, &o, es.event.id, Change::AddWall { name, token }).await?;
    Ok(Redirect::to(&format!(
        "/organiser/events/{}?rotated=added_wall",
        es.event.id
    ))
    .into_response())
}
