//! Facilitator console, printable table cards, the session report and the wall. The console
//! link (facilitator token) grants console, cards and report; the wall link grants only the
//! read-only wall.

use axum::Router;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use std::net::SocketAddr;

use crate::app::AppState;
use crate::error::{AppError, AppResult, StaffResult};
use crate::events::EventLinks;
use crate::hub::Role;
use crate::model::{EventState, RoundKind};
use crate::participant::{SinceQuery, open_socket};
use crate::report;
use crate::security;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/{token}", get(console_page))
        .route("/console/{token}/ws", get(console_ws))
        .route("/console/{token}/cards", get(cards_page))
        .route("/console/{token}/activity", get(activity_page))
        .route(
            "/console/{token}/images",
            axum::routing::post(upload_image_plain).layer(axum::extract::DefaultBodyLimit::max(
                crate::images::MAX_UPLOAD_BYTES + 1024,
            )),
        )
        .route("/console/{token}/images/{id}", get(console_image))
        .route("/wall/{token}/images/{id}", get(wall_image))
        .route("/wall/{token}", get(wall_page))
        .route("/wall/{token}/ws", get(wall_ws))
        .route("/wall/{token}/qr.svg", get(wall_qr))
}

const BAD_CONSOLE: &str = "This console link is not valid. It may have been replaced: ask the organiser for the current link.";
const BAD_WALL: &str = "This wall link is not valid. It may have been replaced: ask the organiser for the current link.";

/// Loads the event a link points at. A token that can't be one, an unknown token and an
/// event that no longer exists all get the same 404 with `msg`.
async fn by_link<T, F>(
    state: &AppState,
    token: &str,
    msg: &str,
    find: F,
) -> AppResult<(EventState, T)>
where
    F: AsyncFnOnce(&str) -> crate::storage::StorageResult<Option<(i64, T)>>,
{
    if !security::plausible_token(token) {
        return Err(AppError::not_found(msg));
    }
    let (id, found) = find(token).await?.ok_or_else(|| AppError::not_found(msg))?;
    let es = state
        .storage
        .event_state(id)
        .await?
        .ok_or_else(|| AppError::not_found(msg))?;
    Ok((es, found))
}

/// The lead's console link or a table facilitator's: the event and the table, if scoped.
async fn any_console(state: &AppState, token: &str) -> AppResult<(EventState, Option<i64>)> {
    by_link(state, token, BAD_CONSOLE, async |t: &str| {
        state.storage.find_console(t).await
    })
    .await
}

/// The lead's console link only (cards, report).
pub(crate) async fn console_event(state: &AppState, token: &str) -> AppResult<EventState> {
    match any_console(state, token).await? {
        (es, None) => Ok(es),
        (_, Some(_)) => Err(AppError::not_found(BAD_CONSOLE)),
    }
}

/// "Lead facilitator" or "Table 3 facilitator".
fn actor_label(es: &EventState, table: Option<i64>) -> String {
    match table.and_then(|t| es.table(t)) {
        Some(t) => format!("Table {} facilitator", t.number),
        None => "Lead facilitator".to_string(),
    }
}

/// The event and which of its walls a wall link shows.
async fn wall_event(state: &AppState, token: &str) -> AppResult<(EventState, i64)> {
    by_link(state, token, BAD_WALL, async |t: &str| {
        state.storage.find_wall(t).await
    })
    .await
}

async fn console_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> StaffResult<Response> {
    let (es, scope) = any_console(&state, &token).await?;
    let links = EventLinks::new(&state.config.public_url, &es);
    let lead_only = |url: String| if scope.is_none() { url } else { String::new() };
    Ok(facilitator_ui::console_page(&facilitator_ui::ConsolePage {
        scope_table: scope,
        actor_label: actor_label(&es, scope),
        activity_url: format!("/console/{token}/activity"),
        labels: es.event.labels.clone(),
        moderation_pre: es.event.moderation == crate::agenda::Moderation::Pre,
        event_title: es.event.title.clone(),
        code: links.code.clone(),
        ws_path: format!("/console/{token}/ws"),
        tables: es
            .tables
            .iter()
            .map(|t| facilitator_ui::ConsoleTable {
                id: t.id,
                number: t.number,
                theme: t.theme.clone(),
            })
            .collect(),
        rounds: es
            .rounds
            .iter()
            .map(|r| facilitator_ui::ConsoleRound {
                id: r.id,
                number: r.number,
                prompt: r.prompt.clone(),
                theme_round: r.kind == RoundKind::Theme,
            })
            .collect(),
        // A table facilitator's link grants their table's console only: no wall, report or
        // cards links on their page.
        report_url: lead_only(format!("/console/{token}/report")),
        cards_url: lead_only(format!("/console/{token}/cards")),
        wall_url: lead_only(links.wall_url),
    })
    .into_response())
}

#[derive(Deserialize)]
struct ConsoleQuery {
    #[serde(default)]
    since: Option<i64>,
    /// The facilitator's name, for the activity log.
    #[serde(default)]
    name: Option<String>,
}

async fn console_ws(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    query: Result<Query<ConsoleQuery>, axum::extract::rejection::QueryRejection>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> StaffResult<Response> {
    let (es, scope) = any_console(&state, &token).await?;
    let query = query.ok().map(|q| q.0);
    let since = query.as_ref().and_then(|q| q.since);
    // A name that isn't acceptable is simply left out of the log.
    let name = query
        .and_then(|q| q.name)
        .and_then(|n| crate::model::parse_name(&n).ok().flatten());
    let mut label = actor_label(&es, scope);
    if let Some(name) = name {
        label = format!("{label} ({name})");
    }
    let actor = crate::storage::Actor {
        label,
        table_id: scope,
    };
    Ok(open_socket(
        state,
        ws,
        es.event.id,
        Role::Console { table_id: scope },
        since,
        peer,
        Some(actor),
    )?)
}

/// The activity log: who did what to which comment, when (a table facilitator sees their
/// table's lines).
async fn activity_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> StaffResult<Response> {
    let (es, scope) = any_console(&state, &token).await?;
    let entries = state.storage.audit_log(es.event.id, scope, 1000).await?;
    Ok(
        facilitator_ui::activity_page(&facilitator_ui::ActivityPage {
            event_title: es.event.title.clone(),
            back_url: format!("/console/{token}"),
            entries: entries
                .into_iter()
                .map(|e| facilitator_ui::ActivityEntry {
                    at: report::format_utc(e.at),
                    actor: e.actor,
                    action: e.action,
                    comment_id: e.comment_id,
                    table_number: e.table_number,
                })
                .collect(),
        })
        .into_response(),
    )
}

async fn cards_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> StaffResult<Response> {
    let es = console_event(&state, &token).await?;
    let links = EventLinks::new(&state.config.public_url, &es);
    Ok(facilitator_ui::cards_page(&facilitator_ui::CardsPage {
        event_title: es.event.title.clone(),
        place: es.event.place.clone(),
        date: es.event.date.clone(),
        code: links.code.clone(),
        landing_url: links.landing_url.clone(),
        cards: es
            .tables
            .iter()
            .zip(links.tables)
            .map(|(t, l)| facilitator_ui::Card {
                number: t.number,
                theme: t.theme.clone(),
                description: t.description.clone(),
                join_url: l.join_url,
                // Relative, so the printed page loads it from wherever the console is open.
                qr_svg_url: format!("/t/{}/qr.svg", t.join_token),
            })
            .collect(),
    })
    .into_response())
}

async fn wall_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> StaffResult<Response> {
    let (es, _) = wall_event(&state, &token).await?;
    let mut res = facilitator_ui::wall_page(&facilitator_ui::WallPage {
        lang: crate::participant::event_lang(&state, es.event.id).await?,
        event_title: es.event.title.clone(),
        code: security::display_code(&es.event.code),
        landing_url: state.url("/"),
        qr_svg_url: format!("/wall/{token}/qr.svg"),
        ws_path: format!("/wall/{token}/ws"),
    })
    .into_response();
    // The organiser may let one other site frame the wall (checked to be a bare origin).
    let frame = state
        .storage
        .privacy(es.event.id)
        .await?
        .map(|p| p.wall_frame)
        .unwrap_or_default();
    if !frame.is_empty() {
        let csp = security::CSP.replace(
            "frame-ancestors 'none'",
            &format!("frame-ancestors 'self' {frame}"),
        );
        if let Ok(v) = axum::http::HeaderValue::from_str(&csp) {
            res.headers_mut()
                .insert(axum::http::header::CONTENT_SECURITY_POLICY, v);
        }
    }
    Ok(res)
}

async fn wall_ws(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    query: Result<Query<SinceQuery>, axum::extract::rejection::QueryRejection>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> StaffResult<Response> {
    let (es, wall_id) = wall_event(&state, &token).await?;
    let since = query.ok().and_then(|q| q.0.since);
    Ok(open_socket(
        state,
        ws,
        es.event.id,
        Role::Wall { wall_id },
        since,
        peer,
        None,
    )?)
}

async fn wall_qr(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> StaffResult<Response> {
    let (es, _) = wall_event(&state, &token).await?;
    Ok(crate::qr::response(
        &state.url(&format!("/join?code={}", es.event.code)),
    )?)
}

#[derive(Deserialize)]
struct UploadQuery {
    #[serde(default)]
    caption: Option<String>,
    /// Table id the image belongs to (a table facilitator's uploads are always theirs).
    #[serde(default)]
    table: Option<String>,
    /// The facilitator's name, for the activity log.
    #[serde(default)]
    name: Option<String>,
}

/// The upload answers scripts, not pages: a refusal is the sentence alone, as plain text.
async fn upload_image_plain(
    state: State<AppState>,
    token: Path<String>,
    query: Result<Query<UploadQuery>, axum::extract::rejection::QueryRejection>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Response {
    match upload_image(state, token, query, body).await {
        Ok(res) => res,
        Err(e) => {
            let (status, message) = e.parts();
            let mut res = (status, message).into_response();
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            res
        }
    }
}

/// Uploads an image: the raw bytes of a JPEG, PNG or WebP as the request body (the console
/// sends the chosen file with `fetch`). Answers `201` with `{"id": N}`, or a 4xx with a
/// sentence.
async fn upload_image(
    State(state): State<AppState>,
    Path(token): Path<String>,
    query: Result<Query<UploadQuery>, axum::extract::rejection::QueryRejection>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> AppResult<Response> {
    let (es, scope) = any_console(&state, &token).await?;
    let Query(query) =
        query.map_err(|_| AppError::bad_request("That upload address is not valid."))?;
    let body = body.map_err(|_| AppError::Invalid {
        status: axum::http::StatusCode::PAYLOAD_TOO_LARGE,
        message: format!(
            "That image is too big: the most is {} MB.",
            crate::images::MAX_UPLOAD_BYTES / 1_048_576
        ),
    })?;
    let caption = crate::images::parse_caption(query.caption.as_deref().unwrap_or(""))?;
    let table_id = match (scope, query.table.as_deref().map(str::trim)) {
        (Some(t), _) => Some(t),
        (None, None | Some("")) => None,
        (None, Some(t)) => Some(
            t.parse::<i64>()
                .ok()
                .filter(|id| es.table(*id).is_some())
                .ok_or_else(|| AppError::bad_request("Choose one of this event's tables."))?,
        ),
    };
    // Decoding is CPU-heavy: at most two at once, off the async threads.
    let permit = state
        .hashing
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("image semaphore closed: {e}")))?;
    let image = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        crate::images::process(&body)
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("image task failed: {e}")))??;
    let name = query
        .name
        .and_then(|n| crate::model::parse_name(&n).ok().flatten());
    let mut label = actor_label(&es, scope);
    if let Some(name) = name {
        label = format!("{label} ({name})");
    }
    let applied = state
        .hub
        .apply(
            es.event.id,
            crate::storage::Change::AddImage {
                table_id,
                caption,
                image,
            },
            Some(crate::storage::Actor {
                label,
                table_id: scope,
            }),
        )
        .await?;
    let id = applied.changes.iter().find_map(|n| match &n.item {
        crate::storage::Item::Image(m) => Some(m.id),
        _ => None,
    });
    Ok((
        axum::http::StatusCode::CREATED,
        axum::Json(serde_json::json!({ "id": id })),
    )
        .into_response())
}

/// An image's bytes, as stored (metadata-free JPEG). Not cached: a hidden image must not
/// come back from a browser's cache.
fn jpeg_response(jpeg: Vec<u8>) -> Response {
    let mut res = jpeg.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("image/jpeg"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    res
}

async fn console_image(
    State(state): State<AppState>,
    Path((token, id)): Path<(String, String)>,
) -> AppResult<Response> {
    let (es, scope) = any_console(&state, &token).await?;
    let missing = || AppError::not_found("That image was not found.");
    let id: i64 = id.parse().map_err(|_| missing())?;
    let (meta, jpeg) = state
        .storage
        .image(es.event.id, id)
        .await?
        .ok_or_else(missing)?;
    if scope.is_some() && meta.table_id != scope {
        return Err(missing());
    }
    Ok(jpeg_response(jpeg))
}

/// Walls get an image only while it is on show.
async fn wall_image(
    State(state): State<AppState>,
    Path((token, id)): Path<(String, String)>,
) -> AppResult<Response> {
    let (es, _) = wall_event(&state, &token).await?;
    let missing = || AppError::not_found("That image is not on the wall.");
    let id: i64 = id.parse().map_err(|_| missing())?;
    let (meta, jpeg) = state
        .storage
        .image(es.event.id, id)
        .await?
        .ok_or_else(missing)?;
    if !meta.on_show() {
        return Err(missing());
    }
    Ok(jpeg_response(jpeg))
}
