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
use crate::reports;
use crate::security;
use crate::storage::EventKey;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/{token}", get(console_page))
        .route("/console/{token}/ws", get(console_ws))
        .route("/console/{token}/cards", get(cards_page))
        .route("/console/{token}/report", get(report))
        .route("/wall/{token}", get(wall_page))
        .route("/wall/{token}/ws", get(wall_ws))
        .route("/wall/{token}/qr.svg", get(wall_qr))
}

const BAD_CONSOLE: &str = "This console link is not valid. It may have been replaced: ask the organiser for the current link.";
const BAD_WALL: &str = "This wall link is not valid. It may have been replaced: ask the organiser for the current link.";

async fn by_key(
    state: &AppState,
    key: EventKey<'_>,
    token: &str,
    msg: &str,
) -> AppResult<EventState> {
    if !security::plausible_token(token) {
        return Err(AppError::not_found(msg));
    }
    let id = state
        .storage
        .find_event(key)
        .await?
        .ok_or_else(|| AppError::not_found(msg))?;
    state
        .storage
        .event_state(id)
        .await?
        .ok_or_else(|| AppError::not_found(msg))
}

async fn console_event(state: &AppState, token: &str) -> AppResult<EventState> {
    by_key(state, EventKey::FacilitatorToken(token), token, BAD_CONSOLE).await
}

async fn wall_event(state: &AppState, token: &str) -> AppResult<EventState> {
    by_key(state, EventKey::WallToken(token), token, BAD_WALL).await
}

async fn console_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> StaffResult<Response> {
    let es = console_event(&state, &token).await?;
    let links = EventLinks::new(&state.config.public_url, &es);
    Ok(facilitator_ui::console_page(&facilitator_ui::ConsolePage {
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
        report_url: format!("/console/{token}/report"),
        cards_url: format!("/console/{token}/cards"),
        wall_url: links.wall_url,
    })
    .into_response())
}

async fn console_ws(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    query: Result<Query<SinceQuery>, axum::extract::rejection::QueryRejection>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> StaffResult<Response> {
    let es = console_event(&state, &token).await?;
    let since = query.ok().and_then(|q| q.0.since);
    Ok(open_socket(
        state,
        ws,
        es.event.id,
        Role::Console,
        since,
        peer,
    )?)
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

#[derive(Deserialize)]
struct ReportQuery {
    #[serde(default)]
    download: Option<String>,
}

async fn report(
    State(state): State<AppState>,
    Path(token): Path<String>,
    query: Result<Query<ReportQuery>, axum::extract::rejection::QueryRejection>,
) -> StaffResult<Response> {
    let es = console_event(&state, &token).await?;
    let comments = state.storage.comments(es.event.id, None, true).await?;
    let page = reports::session_report(&es, &comments);
    let mut res = facilitator_ui::report_page(&page).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(security::REPORT_CSP),
    );
    if query.ok().and_then(|q| q.0.download).is_some() {
        let name = reports::file_name(&es.event.title, &es.event.date);
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(res)
}

async fn wall_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> StaffResult<Response> {
    let es = wall_event(&state, &token).await?;
    Ok(facilitator_ui::wall_page(&facilitator_ui::WallPage {
        event_title: es.event.title.clone(),
        code: security::display_code(&es.event.code),
        landing_url: state.url("/"),
        qr_svg_url: format!("/wall/{token}/qr.svg"),
        ws_path: format!("/wall/{token}/ws"),
    })
    .into_response())
}

async fn wall_ws(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    query: Result<Query<SinceQuery>, axum::extract::rejection::QueryRejection>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> StaffResult<Response> {
    let es = wall_event(&state, &token).await?;
    let since = query.ok().and_then(|q| q.0.since);
    Ok(open_socket(
        state,
        ws,
        es.event.id,
        Role::Wall,
        since,
        peer,
    )?)
}

async fn wall_qr(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> StaffResult<Response> {
    let es = wall_event(&state, &token).await?;
    Ok(crate::qr::response(
        &state.url(&format!("/join?code={}", es.event.code)),
    )?)
}
