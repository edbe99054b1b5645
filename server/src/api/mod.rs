//! The JSON API for other systems (a party's own organising platform): create events, read
//! their comments, open and close them, download reports. Every call carries an organiser's
//! API token (`Authorization: Bearer rt_...`), made and revoked on the console's "API and
//! webhooks" page, and sees what that organiser sees.
//!
//! The OpenAPI document at `/api/openapi.json` is generated from these handlers and types
//! (utoipa), and the router is built from the same list, so a route can't exist without its
//! description or the other way round.

pub mod pages;
pub mod webhooks;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::error::AppError;
use crate::events::{self, EventLinks};
use crate::model::{EventDraft, RoundDraft, TableDraft, now_ms};
use crate::security;
use crate::storage::{Actor, Change, Organiser};

/// What every refusal carries: one sentence for a person.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiError {
    /// What went wrong and what to do about it.
    pub error: String,
}

/// A refusal: its status and sentence, rendered as [`ApiError`] JSON.
#[derive(Debug)]
pub struct Refusal(StatusCode, String);

impl Refusal {
    fn new(status: StatusCode, msg: impl Into<String>) -> Self {
        Refusal(status, msg.into())
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut res = (self.0, axum::Json(ApiError { error: self.1 })).into_response();
        if self.0 == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"roundtable\""),
            );
        }
        res
    }
}

impl From<AppError> for Refusal {
    fn from(e: AppError) -> Self {
        let (status, msg) = e.parts();
        Refusal(status, msg)
    }
}

impl From<crate::storage::StorageError> for Refusal {
    fn from(e: crate::storage::StorageError) -> Self {
        AppError::from(e).into()
    }
}

type ApiResult<T> = Result<T, Refusal>;

/// Where API tokens come from, for the messages that ask for one.
const WHERE_TOKENS: &str =
    "Organisers make API tokens in the console: Your events → API and webhooks.";

/// The organiser whose API token came with the request.
pub struct Caller(pub Organiser);

impl FromRequestParts<AppState> for Caller {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        let token = bearer(&parts.headers).ok_or_else(|| {
            Refusal::new(
                StatusCode::UNAUTHORIZED,
                format!("This needs an API token: send the header `Authorization: Bearer <token>`. {WHERE_TOKENS}"),
            )
        })?;
        let hash = security::hash_token(token);
        match state.storage.token_organiser(&hash, now_ms()).await? {
            Some(o) => Ok(Caller(o)),
            None => Err(Refusal::new(
                StatusCode::UNAUTHORIZED,
                format!("That API token is not valid, or it was revoked. {WHERE_TOKENS}"),
            )),
        }
    }
}

/// The token in `Authorization: Bearer TOKEN`, if there is one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(WHERE_TOKENS))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Roundtable API",
        description = "Create roundtable events, read what was said, open and close them, and \
download their reports. Every call needs an organiser's API token (`Authorization: Bearer ...`) \
and sees that organiser's events only. Errors come as `{\"error\": \"...\"}` with a 4xx status."
    ),
    modifiers(&BearerAuth),
    security(("token" = [])),
    tags((name = "events", description = "Events, their comments and reports"))
)]
struct ApiDoc;

/// The API's routes and `/api/openapi.json`.
pub fn router() -> Router<AppState> {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(list_events, create_event))
        .routes(routes!(get_event))
        .routes(routes!(open_event))
        .routes(routes!(close_event))
        .routes(routes!(event_comments))
        .routes(routes!(event_report))
        .split_for_parts();
    let json: Arc<str> = match doc.to_pretty_json() {
        Ok(j) => j.into(),
        Err(e) => {
            tracing::error!(error = %e, "could not render the OpenAPI document");
            "{}".into()
        }
    };
    router
        .route(
            "/api/openapi.json",
            get(move || {
                let json = json.clone();
                async move {
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        json.to_string(),
                    )
                }
            }),
        )
        .route("/api/{*rest}", axum::routing::any(no_such_call))
        .merge(pages::router())
}

async fn no_such_call() -> Refusal {
    Refusal::new(
        StatusCode::NOT_FOUND,
        "There is no such API call. The calls are listed in /api/openapi.json.",
    )
}

/// One of the caller's events, by the number in its path.
async fn event_of(
    state: &AppState,
    o: &Organiser,
    id: &str,
) -> ApiResult<crate::model::EventState> {
    Ok(crate::organiser::owned_event(state, o, id).await?)
}

/// Every event the caller may manage, newest first, with their links.
#[utoipa::path(
    get,
    path = "/api/v1/events",
    tag = "events",
    responses(
        (status = 200, description = "The caller's events", body = [EventLinks]),
        (status = 401, description = "No valid API token", body = ApiError),
    )
)]
async fn list_events(
    State(state): State<AppState>,
    Caller(o): Caller,
) -> ApiResult<axum::Json<Vec<EventLinks>>> {
    let mut out = Vec::new();
    for e in state.storage.events_of(o.id).await? {
        if let Some(es) = state.storage.event_state(e.id).await? {
            out.push(EventLinks::new(&state.config.public_url, &es));
        }
    }
    Ok(axum::Json(out))
}

/// A table of a new event.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTable {
    /// The number on the table card (1 to 999), unique in the event.
    pub number: i64,
    /// What the table talks about.
    pub theme: String,
    #[serde(default)]
    pub description: String,
}

/// A round (a question every table answers in turn).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRound {
    /// The question.
    pub prompt: String,
    /// `same` (every table answers the prompt) or `theme` (each about its own theme).
    #[serde(default)]
    #[schema(nullable = false)]
    pub kind: Option<String>,
}

/// A new event, as the organiser's form takes it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEvent {
    pub title: String,
    /// Where it happens.
    pub place: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    #[serde(default)]
    pub description: String,
    pub tables: Vec<NewTable>,
    #[serde(default)]
    pub rounds: Vec<NewRound>,
    /// `post` (comments show at once; the default) or `pre` (after a facilitator approves).
    #[serde(default)]
    #[schema(nullable = false)]
    pub moderation: Option<String>,
    /// Open to phones at once (the default), or closed until opened.
    #[serde(default)]
    #[schema(nullable = false)]
    pub open: Option<bool>,
}

/// The body as JSON of type `T`, or a refusal that says what is wrong with it.
fn json_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    what: &str,
) -> ApiResult<T> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Send {what} as JSON, with `Content-Type: application/json`."),
        ));
    }
    let body = body.map_err(|e| {
        Refusal::new(
            e.status(),
            format!("The body could not be read: {}", e.body_text()),
        )
    })?;
    serde_json::from_slice(&body)
        .map_err(|e| Refusal::new(StatusCode::BAD_REQUEST, format!("That is not {what}: {e}.")))
}

/// Creates an event owned by the caller.
#[utoipa::path(
    post,
    path = "/api/v1/events",
    tag = "events",
    request_body = NewEvent,
    responses(
        (status = 201, description = "The new event's links", body = EventLinks),
        (status = 400, description = "The body is not a new event in JSON", body = ApiError),
        (status = 401, description = "No valid API token", body = ApiError),
        (status = 413, description = "The body is too large", body = ApiError),
        (status = 415, description = "The body is not JSON", body = ApiError),
        (status = 422, description = "A field is not acceptable (the message names it)", body = ApiError),
    )
)]
async fn create_event(
    State(state): State<AppState>,
    Caller(o): Caller,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatusCode, axum::Json<EventLinks>)> {
    let new: NewEvent = json_body(&headers, body, "a new event")?;
    let draft = EventDraft {
        title: new.title,
        place: new.place,
        date: new.date,
        description: new.description,
        tables: new
            .tables
            .into_iter()
            .map(|t| TableDraft {
                number: t.number,
                theme: t.theme,
                description: t.description,
            })
            .collect(),
        rounds: new
            .rounds
            .into_iter()
            .map(|r| RoundDraft {
                prompt: r.prompt,
                kind: r.kind.unwrap_or_else(|| "same".into()),
            })
            .collect(),
        moderation: new.moderation.unwrap_or_default(),
        labels: None,
        agenda: Vec::new(),
    };
    let event = draft
        .parse(new.open.unwrap_or(true))
        .map_err(AppError::from)?;
    let id = events::create(state.storage.as_ref(), Some(o.id), &event)
        .await
        .map_err(AppError::from)?;
    let es = state
        .storage
        .event_state(id)
        .await?
        .ok_or_else(|| AppError::not_found("The new event vanished."))?;
    Ok((
        StatusCode::CREATED,
        axum::Json(EventLinks::new(&state.config.public_url, &es)),
    ))
}

/// One event's links.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}",
    tag = "events",
    params(("id" = i64, Path, description = "The event's number")),
    responses(
        (status = 200, description = "The event's links", body = EventLinks),
        (status = 401, description = "No valid API token", body = ApiError),
        (status = 404, description = "The caller has no such event", body = ApiError),
    )
)]
async fn get_event(
    State(state): State<AppState>,
    Caller(o): Caller,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<EventLinks>> {
    let es = event_of(&state, &o, &id).await?;
    Ok(axum::Json(EventLinks::new(&state.config.public_url, &es)))
}

/// Opens or closes an event as the caller, live: phones, consoles and walls hear at once.
async fn set_open(state: &AppState, o: &Organiser, id: &str, open: bool) -> ApiResult<EventLinks> {
    let es = event_of(state, o, id).await?;
    let actor = Actor {
        label: format!("API ({})", o.name),
        table_id: None,
    };
    state
        .hub
        .apply(es.event.id, Change::SetOpen { open }, Some(actor))
        .await?;
    let es = event_of(state, o, id).await?;
    Ok(EventLinks::new(&state.config.public_url, &es))
}

/// Opens the event to phones.
#[utoipa::path(
    post,
    path = "/api/v1/events/{id}/open",
    tag = "events",
    params(("id" = i64, Path, description = "The event's number")),
    responses(
        (status = 200, description = "The event, now open", body = EventLinks),
        (status = 401, description = "No valid API token", body = ApiError),
        (status = 404, description = "The caller has no such event", body = ApiError),
    )
)]
async fn open_event(
    State(state): State<AppState>,
    Caller(o): Caller,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<EventLinks>> {
    Ok(axum::Json(set_open(&state, &o, &id, true).await?))
}

/// Closes the event: phones can no longer post, and the organiser's webhooks are told.
#[utoipa::path(
    post,
    path = "/api/v1/events/{id}/close",
    tag = "events",
    params(("id" = i64, Path, description = "The event's number")),
    responses(
        (status = 200, description = "The event, now closed", body = EventLinks),
        (status = 401, description = "No valid API token", body = ApiError),
        (status = 404, description = "The caller has no such event", body = ApiError),
    )
)]
async fn close_event(
    State(state): State<AppState>,
    Caller(o): Caller,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<EventLinks>> {
    Ok(axum::Json(set_open(&state, &o, &id, false).await?))
}

/// A comment, as the organiser sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiComment {
    pub id: i64,
    /// The table's number.
    pub table: i64,
    /// The round it was written in (ids as in the event's archive).
    pub round_id: i64,
    /// What the attendee wrote (as corrected by a facilitator, if it was).
    pub text: String,
    /// The name they chose to give, if any.
    pub name: Option<String>,
    /// How many agreed.
    pub agreements: i64,
    /// On the wall.
    pub highlighted: bool,
    /// Hidden by a facilitator.
    pub hidden: bool,
    /// False only under pre-moderation, until approved.
    pub approved: bool,
    /// The comment this one answers.
    pub reply_to: Option<i64>,
    /// Merged into another comment (its id).
    pub merged_into: Option<i64>,
    pub tags: Vec<String>,
    /// When it was written, in milliseconds since 1970.
    pub created_at: i64,
}

/// Every comment of the event, hidden ones included (marked), oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}/comments",
    tag = "events",
    params(("id" = i64, Path, description = "The event's number")),
    responses(
        (status = 200, description = "The event's comments", body = [ApiComment]),
        (status = 401, description = "No valid API token", body = ApiError),
        (status = 404, description = "The caller has no such event", body = ApiError),
    )
)]
async fn event_comments(
    State(state): State<AppState>,
    Caller(o): Caller,
    Path(id): Path<String>,
) -> ApiResult<axum::Json<Vec<ApiComment>>> {
    let es = event_of(&state, &o, &id).await?;
    let comments = state.storage.comments(es.event.id, None, true).await?;
    Ok(axum::Json(
        comments
            .into_iter()
            .map(|c| ApiComment {
                id: c.id,
                table: c.table_number,
                round_id: c.round_id,
                text: c.text,
                name: c.name,
                agreements: c.agrees,
                highlighted: c.highlighted,
                hidden: c.hidden,
                approved: c.approved,
                reply_to: c.reply_to,
                merged_into: c.merged_into,
                tags: c.tags,
                created_at: c.created_at,
            })
            .collect(),
    ))
}

/// A report's format.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    Pdf,
    Docx,
    Xlsx,
    Csv,
    Md,
    Json,
    Html,
}

/// Who a report is for.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportAudience {
    /// The local campaign pack: everything shown, with the names people gave.
    Local,
    /// The policy briefing: anonymous, small counts suppressed.
    Policy,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// The file format (default `pdf`).
    #[param(inline)]
    format: Option<ReportFormat>,
    /// Who it is for (default `local`).
    #[serde(rename = "for")]
    #[param(inline, rename = "for")]
    audience: Option<ReportAudience>,
}

/// The event's collated report as a file.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}/report",
    tag = "events",
    params(("id" = i64, Path, description = "The event's number"), ReportParams),
    responses(
        (status = 200, description = "The report file (its name in Content-Disposition)", content(
            (Vec<u8> = "application/pdf"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (String = "text/csv"),
            (String = "text/markdown"),
            (String = "text/html"),
            (Object = "application/json"),
        )),
        (status = 400, description = "An unknown format or audience", body = ApiError),
        (status = 401, description = "No valid API token", body = ApiError),
        (status = 404, description = "The caller has no such event", body = ApiError),
    )
)]
async fn event_report(
    State(state): State<AppState>,
    Caller(o): Caller,
    Path(id): Path<String>,
    params: Result<Query<ReportParams>, QueryRejection>,
) -> ApiResult<Response> {
    let Query(p) = params.map_err(|_| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "Choose format= pdf, docx, xlsx, csv, md, json or html, and for= local or policy.",
        )
    })?;
    let es = event_of(&state, &o, &id).await?;
    let format = match p.format.unwrap_or(ReportFormat::Pdf) {
        ReportFormat::Pdf => "pdf",
        ReportFormat::Docx => "docx",
        ReportFormat::Xlsx => "xlsx",
        ReportFormat::Csv => "csv",
        ReportFormat::Md => "md",
        ReportFormat::Json => "json",
        ReportFormat::Html => "html",
    };
    let audience = match p.audience.unwrap_or(ReportAudience::Local) {
        ReportAudience::Local => "local",
        ReportAudience::Policy => "policy",
    };
    crate::report::http::api_report(&state, es, format, audience)
        .await
        .map_err(Refusal::from)
}
