//! The console's "API and webhooks" page: an organiser makes and revokes API tokens, and adds
//! and deletes webhooks.

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::app::AppState;
use crate::error::{AppError, StaffResult};
use crate::forms::{self, field};
use crate::model::now_ms;
use crate::organiser::LoggedIn;
use crate::report::{format_day, format_utc};
use crate::security;
use crate::storage::Organiser;

/// Webhooks an organiser may have.
const MAX_WEBHOOKS: usize = 20;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/organiser/api", get(page))
        .route("/organiser/api/tokens", post(make_token))
        .route("/organiser/api/tokens/{id}/revoke", post(revoke_token))
        .route("/organiser/api/webhooks", post(add_webhook))
        .route("/organiser/api/webhooks/{id}/delete", post(delete_webhook))
}

#[derive(Deserialize)]
struct Notice {
    #[serde(default)]
    done: Option<String>,
}

/// The page with the organiser's tokens and webhooks, ready for `extra` to fill in.
async fn base_page(state: &AppState, o: &Organiser) -> Result<facilitator_ui::ApiPage, AppError> {
    let tokens = state
        .storage
        .api_tokens(o.id)
        .await?
        .into_iter()
        .map(|t| facilitator_ui::TokenRow {
            id: t.id,
            status: match (t.revoked_at, t.last_used_at) {
                (Some(at), _) => format!("revoked {}", format_day(at)),
                (None, Some(at)) => format!("last used {}", format_utc(at)),
                (None, None) => "never used".into(),
            },
            live: t.revoked_at.is_none(),
            made: format!("made {}", format_day(t.created_at)),
            revoke_url: format!("/organiser/api/tokens/{}/revoke", t.id),
            name: t.name,
        })
        .collect();
    let webhooks = state
        .storage
        .webhooks(o.id)
        .await?
        .into_iter()
        .map(|w| {
            let (last, failing) = match &w.last {
                None => ("no event has closed since it was added".to_string(), false),
                Some((status, at, delivered)) => {
                    let when = format_utc(*at);
                    match (delivered, status.as_str()) {
                        (true, _) => (format!("delivered ({status}) at {when}"), false),
                        (false, "queued") => ("a call is waiting to be sent".into(), false),
                        (false, _) => (format!("last call failed ({status}), {when}"), true),
                    }
                }
            };
            facilitator_ui::WebhookRow {
                id: w.id,
                include_text: w.include_text,
                last,
                failing,
                delete_url: format!("/organiser/api/webhooks/{}/delete", w.id),
                url: w.url,
            }
        })
        .collect();
    Ok(facilitator_ui::ApiPage {
        tokens,
        webhooks,
        openapi_url: "/api/openapi.json".into(),
        ..Default::default()
    })
}

async fn page(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    notice: Result<Query<Notice>, axum::extract::rejection::QueryRejection>,
) -> StaffResult<Response> {
    let mut p = base_page(&state, &o).await?;
    p.notice = match notice.ok().and_then(|n| n.0.done).as_deref() {
        Some("revoked") => {
            Some("The token was revoked: calls with it are refused from now on.".into())
        }
        Some("deleted") => Some("The webhook was deleted.".into()),
        _ => None,
    };
    Ok(facilitator_ui::api_page(&p).into_response())
}

async fn make_token(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    body: Result<Bytes, BytesRejection>,
) -> StaffResult<Response> {
    let f = forms::read(body)?;
    let typed = field(&f, "name");
    match super::make_token(state.storage.as_ref(), o.id, &typed).await {
        Ok((name, token)) => {
            let mut p = base_page(&state, &o).await?;
            p.new_token = Some((name, token));
            // Shown once: this answer must not be kept by any cache.
            Ok((
                [(axum::http::header::CACHE_CONTROL, "no-store")],
                facilitator_ui::api_page(&p),
            )
                .into_response())
        }
        Err(AppError::Invalid { status, message }) => {
            let mut p = base_page(&state, &o).await?;
            p.token_error = Some(message);
            p.token_name = typed.trim().chars().take(super::TOKEN_NAME_MAX).collect();
            Ok((status, facilitator_ui::api_page(&p)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn revoke_token(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    Path(id): Path<String>,
) -> StaffResult<Response> {
    let not_found = || AppError::not_found("You have no live API token with that number.");
    let id: i64 = id.parse().map_err(|_| not_found())?;
    if !state
        .storage
        .revoke_api_token(o.id, id, now_ms())
        .await
        .map_err(AppError::from)?
    {
        return Err(not_found().into());
    }
    Ok(Redirect::to("/organiser/api?done=revoked").into_response())
}

async fn add_webhook(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    body: Result<Bytes, BytesRejection>,
) -> StaffResult<Response> {
    let f = forms::read(body)?;
    let typed = field(&f, "url");
    let include_text = !field(&f, "include_text").is_empty();
    let mut p = base_page(&state, &o).await?;
    let refuse = |mut p: facilitator_ui::ApiPage, msg: String| {
        p.webhook_error = Some(msg);
        p.webhook_url = typed.chars().take(500).collect();
        p.include_text = include_text;
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            facilitator_ui::api_page(&p),
        )
            .into_response()
    };
    let url = match super::webhooks::check_url(&typed, state.config.webhooks_to_loopback) {
        Ok(u) => u,
        Err(msg) => return Ok(refuse(p, msg)),
    };
    if p.webhooks.len() >= MAX_WEBHOOKS {
        let msg = format!("You already have {MAX_WEBHOOKS} webhooks. Delete one first.");
        return Ok(refuse(p, msg));
    }
    if p.webhooks.iter().any(|w| w.url == url) {
        return Ok(refuse(
            p,
            "That address is already a webhook of yours.".into(),
        ));
    }
    let secret = format!("whsec_{}", security::new_token()?);
    state
        .storage
        .create_webhook(o.id, &url, &secret, include_text)
        .await
        .map_err(AppError::from)?;
    p = base_page(&state, &o).await?;
    p.new_secret = Some((url, secret));
    Ok((
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        facilitator_ui::api_page(&p),
    )
        .into_response())
}

async fn delete_webhook(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    Path(id): Path<String>,
) -> StaffResult<Response> {
    let not_found = || AppError::not_found("You have no webhook with that number.");
    let id: i64 = id.parse().map_err(|_| not_found())?;
    if !state
        .storage
        .delete_webhook(o.id, id)
        .await
        .map_err(AppError::from)?
    {
        return Err(not_found().into());
    }
    Ok(Redirect::to("/organiser/api?done=deleted").into_response())
}
