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

/// Live tokens an organiser may hold at once.
pub const MAX_TOKENS: usize = 50;
/// The longest a token's name may be, in characters.
pub const TOKEN_NAME_MAX: usize = 80;

/// Makes an API token for the organiser, named `typed`, with the checks the console's form
/// and `roundtable organiser token` share: a name of 1 to [`TOKEN_NAME_MAX`] characters, and
/// at most [`MAX_TOKENS`] live tokens. Returns the cleaned name and the token, which is shown
/// this once: only its hash is kept. A refusal is [`AppError::Invalid`] with a sentence for
/// the person.
pub async fn make_token(
    storage: &dyn crate::storage::Storage,
    organiser_id: i64,
    typed: &str,
) -> Result<(String, String), AppError> {
    let name = crate::model::clean_text(typed, "The token's name", TOKEN_NAME_MAX, true)?;
    let live = storage
        .api_tokens(organiser_id)
        .await?
        .iter()
        .filter(|t| t.revoked_at.is_none())
        .count();
    if live >= MAX_TOKENS {
        return Err(AppError::Invalid {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message: format!(
                "You already have {MAX_TOKENS} live tokens. Revoke one you no longer use first."
            ),
        });
    }
    let token = format!("rt_{}", security::new_token()?);
    storage
        .create_api_token(organiser_id, &name, &security::hash_token(&token))
        .await?;
    Ok((name, token))
}

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

/// Writes the rules of stored text ([`crate::model::clean_text`]) into the request bodies'
/// schemas: every free-text field (a string with no format or fixed values) gets
/// [`PATTERN_TEXT`] when it is required to say something, else [`PATTERN_OPTIONAL_TEXT`].
/// (utoipa's `pattern` attribute takes only a literal: this keeps the pattern in one place.)
struct TextRules;

impl Modify for TextRules {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::schema::{Schema, SchemaType, Type};
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for name in ["NewEvent", "NewTable", "NewRound"] {
            let Some(RefOr::T(Schema::Object(body))) = components.schemas.get_mut(name) else {
                continue;
            };
            for field in body.properties.values_mut() {
                if let RefOr::T(Schema::Object(f)) = field
                    && f.schema_type == SchemaType::Type(Type::String)
                    && f.format.is_none()
                    && f.enum_values.is_none()
                {
                    let required = f.min_length.is_some_and(|n| n > 0);
                    f.pattern = Some(
                        if required {
                            PATTERN_TEXT
                        } else {
                            PATTERN_OPTIONAL_TEXT
                        }
                        .to_string(),
                    );
                }
            }
        }
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

/// The API calls' routes and the OpenAPI document that describes them.
fn calls() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (router, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(list_events, create_event))
        .routes(routes!(get_event))
        .routes(routes!(open_event))
        .routes(routes!(close_event))
        .routes(routes!(event_comments))
        .routes(routes!(event_report))
        .split_for_parts();
    // After the routes: they bring the request bodies' schemas.
    TextRules.modify(&mut doc);
    (router, doc)
}

/// The API's routes and `/api/openapi.json`.
pub fn router() -> Router<AppState> {
    let (router, doc) = calls();
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
        .layer(axum::middleware::map_response(explain_wrong_method))
        .merge(pages::router())
}

/// axum answers a known path called with another method by an empty 405: give it the API's
/// JSON error (naming the methods when axum's `Allow` header does).
async fn explain_wrong_method(res: Response) -> Response {
    if res.status() != StatusCode::METHOD_NOT_ALLOWED {
        return res;
    }
    let allow = res
        .headers()
        .get(header::ALLOW)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let message = if allow.is_empty() {
        "This call does not take that method: /api/openapi.json lists the method of each call."
            .to_string()
    } else {
        format!("This call takes {allow}: /api/openapi.json lists the method of each call.")
    };
    let mut out = Refusal::new(StatusCode::METHOD_NOT_ALLOWED, message).into_response();
    if let Ok(v) = header::HeaderValue::from_str(&allow)
        && !allow.is_empty()
    {
        out.headers_mut().insert(header::ALLOW, v);
    }
    out
}

async fn no_such_call() -> Refusal {
    Refusal::new(
        StatusCode::NOT_FOUND,
        "There is no such API call. The calls are listed in /api/openapi.json.",
    )
}

/// What no event of the caller's has: the answer to any `{id}` that names none, whatever it
/// is (a number of no event of theirs, a word, a number too large, bytes that aren't UTF-8).
const NO_SUCH_EVENT: &str = "No event of yours has that number.";

/// The `{id}` in an event's path, as typed: [`event_of`] reads it. A path that can't be read
/// at all (percent-encoded bytes that are not UTF-8) is refused the same way as a number of
/// no event, in JSON, rather than with axum's plain-text 400.
pub struct EventNumber(String);

impl FromRequestParts<AppState> for EventNumber {
    type Rejection = Refusal;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> ApiResult<Self> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(id)) => Ok(EventNumber(id)),
            Err(_) => Err(Refusal::new(StatusCode::NOT_FOUND, NO_SUCH_EVENT)),
        }
    }
}

/// One of the caller's events, by the number in its path.
async fn event_of(
    state: &AppState,
    o: &Organiser,
    id: &str,
) -> ApiResult<crate::model::EventState> {
    Ok(crate::organiser::owned_event(state, o, id).await?)
}

/// Every event the caller may manage, latest date first, with their links.
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

/// Text that must say something: at least one character that is not a space, and none of
/// the characters stored text refuses (control characters other than tabs and line breaks,
/// and the bidirectional overrides). ECMA-262, as OpenAPI wants. [`TextRules`] puts it on
/// every required free-text field of a request body.
const PATTERN_TEXT: &str = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]*[^\s\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]*$";
/// Text that may be empty, with none of the refused characters.
const PATTERN_OPTIONAL_TEXT: &str =
    r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]*$";

/// A table of a new event.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a table: an object with its number and theme"
)]
pub struct NewTable {
    /// The number on the table card (1 to 999), unique in the event.
    #[serde(deserialize_with = "whole_number")]
    #[schema(minimum = 1, maximum = 999)]
    pub number: i64,
    /// What the table talks about.
    #[schema(min_length = 1, max_length = 120)]
    pub theme: String,
    /// More about the theme, for the facilitator and the report.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub description: String,
}

/// How the tables answer a round.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(
    rename_all = "lowercase",
    expecting = "a round's kind: \"same\" or \"theme\""
)]
pub enum NewRoundKind {
    /// Every table answers the prompt.
    Same,
    /// Each table answers it about its own theme.
    Theme,
}

/// A round (a question every table answers in turn).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, expecting = "a round: an object with its prompt")]
pub struct NewRound {
    /// The question.
    #[schema(min_length = 1, max_length = 500)]
    pub prompt: String,
    /// `same` (the default: every table answers the prompt) or `theme` (each about its own
    /// theme).
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub kind: Option<NewRoundKind>,
}

/// When comments show on the wall and to other tables.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(
    rename_all = "lowercase",
    expecting = "a moderation mode: \"post\" or \"pre\""
)]
pub enum NewModeration {
    /// At once (a facilitator can still hide them).
    Post,
    /// After a facilitator approves them.
    Pre,
}

/// A new event, as the organiser's form takes it. Rules the schema can't say are checked
/// too, and answered with 422: table numbers must differ, and the date must exist.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a new event: an object with its title, place, date, tables and rounds"
)]
pub struct NewEvent {
    #[schema(min_length = 1, max_length = 120)]
    pub title: String,
    /// Where it happens.
    #[schema(min_length = 1, max_length = 120)]
    pub place: String,
    /// `YYYY-MM-DD`.
    #[schema(format = Date, pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub date: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub description: String,
    /// The tables (1 to 100), each with its own number.
    #[schema(min_items = 1, max_items = 100)]
    pub tables: Vec<NewTable>,
    /// The rounds (1 to 20), in order.
    #[serde(default)]
    #[schema(required = true, min_items = 1, max_items = 20)]
    pub rounds: Vec<NewRound>,
    /// `post` (comments show at once; the default) or `pre` (after a facilitator approves).
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub moderation: Option<NewModeration>,
    /// Open to phones at once (the default), or closed until opened.
    #[serde(default, deserialize_with = "present")]
    #[schema(nullable = false)]
    pub open: Option<bool>,
}

/// The most characters in a title, a place or a table's theme.
const SHORT_MAX: usize = 120;
/// The most in a round's question or a table's description.
const MEDIUM_MAX: usize = 500;
/// The most in an event's description.
const LONG_MAX: usize = 2000;

impl NewEvent {
    /// The limits the schema states, on the text as sent. The event's own checks
    /// ([`EventDraft::parse`]) count after trimming, which would let 121 characters through when
    /// one is a space; the API keeps to its document.
    fn check_as_sent(&self) -> ApiResult<()> {
        let mut fields = vec![
            ("The title".to_string(), &self.title, SHORT_MAX),
            ("The place".to_string(), &self.place, SHORT_MAX),
            ("The description".to_string(), &self.description, LONG_MAX),
        ];
        for t in &self.tables {
            let n = t.number;
            fields.push((format!("The theme of table {n}"), &t.theme, SHORT_MAX));
            fields.push((
                format!("The description of table {n}"),
                &t.description,
                MEDIUM_MAX,
            ));
        }
        for (i, r) in self.rounds.iter().enumerate() {
            fields.push((
                format!("The question of round {}", i + 1),
                &r.prompt,
                MEDIUM_MAX,
            ));
        }
        for (what, text, max) in fields {
            let n = text.chars().count();
            if n > max {
                return Err(Refusal::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    format!("{what} is {n} characters long; the most is {max}. Please shorten it."),
                ));
            }
        }
        if self.date.trim() != self.date {
            return Err(Refusal::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "The date must look like 2026-12-05 (year-month-day), with no spaces around it.",
            ));
        }
        Ok(())
    }
}

/// An optional field that, when sent, must have a value: `null` is refused rather than read
/// as "not sent", as the schema (not nullable) says.
fn present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// A table's number, written either way JSON allows (`3` or `3.0`: JSON Schema's `integer`
/// takes both). Whole numbers out of range saturate, so that the range check names them.
fn whole_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    let not_whole = || serde::de::Error::custom("a table's number must be a whole number");
    let serde_json::Value::Number(n) = serde_json::Value::deserialize(d)? else {
        return Err(not_whole());
    };
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    if n.as_u64().is_some() {
        return Ok(i64::MAX);
    }
    match n.as_f64() {
        // `as` saturates at i64's bounds; the fraction test keeps 2.5 out.
        Some(f) if f.is_finite() && f.fract() == 0.0 => Ok(f as i64),
        _ => Err(not_whole()),
    }
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
        let status = e.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            Refusal::new(
                status,
                format!(
                    "The body is too large: send {what} of at most {} KB.",
                    crate::app::MAX_BODY / 1024
                ),
            )
        } else {
            Refusal::new(
                status,
                format!("The body could not be read: {}", e.body_text()),
            )
        }
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
        (status = 400, description = "The body is not JSON of a new event's shape: a field the call does not know, a `kind` or `moderation` not listed, `null` for a field that may be left out (the message says where)", body = ApiError),
        (status = 401, description = "No valid API token", body = ApiError),
        (status = 413, description = "The body is too large", body = ApiError),
        (status = 415, description = "The body is not JSON", body = ApiError),
        (status = 422, description = "A field breaks a rule (the message names it): text empty, too long or with hidden control characters, a table number out of range or used twice, a date that does not exist, no table or no round", body = ApiError),
    )
)]
async fn create_event(
    State(state): State<AppState>,
    Caller(o): Caller,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatusCode, axum::Json<EventLinks>)> {
    let new: NewEvent = json_body(&headers, body, "a new event")?;
    new.check_as_sent()?;
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
                kind: match r.kind.unwrap_or(NewRoundKind::Same) {
                    NewRoundKind::Same => "same",
                    NewRoundKind::Theme => "theme",
                }
                .into(),
            })
            .collect(),
        moderation: match new.moderation.unwrap_or(NewModeration::Post) {
            NewModeration::Post => "post",
            NewModeration::Pre => "pre",
        }
        .into(),
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
    EventNumber(id): EventNumber,
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
    EventNumber(id): EventNumber,
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
    EventNumber(id): EventNumber,
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

/// Every comment of the event, hidden ones included (marked), newest first.
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
    EventNumber(id): EventNumber,
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

/// A file's bytes, as a report in PDF, Word or Excel comes.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct FileBytes(pub Vec<u8>);

/// The event's collated report as a file.
#[utoipa::path(
    get,
    path = "/api/v1/events/{id}/report",
    tag = "events",
    params(("id" = i64, Path, description = "The event's number"), ReportParams),
    responses(
        (status = 200, description = "The report file", headers(
            ("Content-Disposition" = String, description = "`attachment`, with the file's name"),
        ), content(
            (FileBytes = "application/pdf"),
            (FileBytes = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            (FileBytes = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
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
    EventNumber(id): EventNumber,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn event(extra: serde_json::Value) -> serde_json::Result<NewEvent> {
        let mut v = serde_json::json!({
            "title": "T", "place": "P", "date": "2026-12-05",
            "tables": [{"number": 1, "theme": "Buses"}],
            "rounds": [{"prompt": "Why?"}]
        });
        if let (Some(v), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
            v.extend(extra.clone());
        }
        serde_json::from_value(v)
    }

    fn table_number(n: serde_json::Value) -> Result<i64, String> {
        event(serde_json::json!({"tables": [{"number": n, "theme": "Buses"}]}))
            .map(|e| e.tables[0].number)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn table_numbers_are_whole_numbers_written_either_way() {
        assert_eq!(table_number(serde_json::json!(3)), Ok(3));
        assert_eq!(table_number(serde_json::json!(3.0)), Ok(3));
        assert_eq!(table_number(serde_json::json!(-2.0)), Ok(-2));
        // Out of range saturates, so the range check (1 to 999) refuses it by name.
        assert_eq!(table_number(serde_json::json!(1e300)), Ok(i64::MAX));
        assert_eq!(table_number(serde_json::json!(u64::MAX)), Ok(i64::MAX));
        for bad in [
            serde_json::json!(2.5),
            serde_json::json!("3"),
            serde_json::json!(null),
        ] {
            let e = table_number(bad.clone()).unwrap_err();
            assert!(e.contains("whole number"), "{bad}: {e}");
        }
    }

    #[test]
    fn optional_fields_may_be_left_out_but_not_sent_as_null() {
        let e = event(serde_json::json!({})).unwrap();
        assert!(e.moderation.is_none() && e.open.is_none());
        let e = event(serde_json::json!({"moderation": "pre", "open": false})).unwrap();
        assert!(matches!(e.moderation, Some(NewModeration::Pre)));
        assert_eq!(e.open, Some(false));
        for field in ["moderation", "open"] {
            assert!(
                event(serde_json::json!({ field: null })).is_err(),
                "{field}"
            );
        }
        let e = event(serde_json::json!({"moderation": "later"})).unwrap_err();
        assert!(e.to_string().contains("`post` or `pre`"), "{e}");
        let e = event(serde_json::json!({"tables": 5})).unwrap_err();
        assert!(e.to_string().contains("a sequence"), "{e}");
        let e = serde_json::from_str::<NewEvent>("[]").unwrap_err();
        assert!(e.to_string().contains("an object with its title"), "{e}");
    }

    #[test]
    fn the_document_states_the_rules_of_a_new_event() {
        let (_, doc) = calls();
        let v = serde_json::to_value(&doc).unwrap();
        let s = &v["components"]["schemas"];
        let title = &s["NewEvent"]["properties"]["title"];
        assert_eq!(title["minLength"], 1);
        assert_eq!(title["maxLength"], 120);
        assert_eq!(title["pattern"], PATTERN_TEXT);
        assert_eq!(
            s["NewEvent"]["properties"]["description"]["pattern"],
            PATTERN_OPTIONAL_TEXT
        );
        assert_eq!(
            s["NewTable"]["properties"]["theme"]["pattern"],
            PATTERN_TEXT
        );
        assert_eq!(
            s["NewRound"]["properties"]["prompt"]["pattern"],
            PATTERN_TEXT
        );
        // Dates and fixed values keep their own rules.
        assert!(s["NewEvent"]["properties"]["date"]["pattern"] != PATTERN_TEXT);
        assert_eq!(
            s["NewModeration"]["enum"],
            serde_json::json!(["post", "pre"])
        );
        assert_eq!(s["NewTable"]["properties"]["number"]["maximum"], 999);
        let required = s["NewEvent"]["required"].as_array().unwrap();
        assert!(required.contains(&serde_json::json!("rounds")));
        assert_eq!(s["FileBytes"]["format"], "binary");
        // The limits the handler checks as sent are the document's.
        for (schema, field, max) in [
            ("NewEvent", "title", SHORT_MAX),
            ("NewEvent", "place", SHORT_MAX),
            ("NewEvent", "description", LONG_MAX),
            ("NewTable", "theme", SHORT_MAX),
            ("NewTable", "description", MEDIUM_MAX),
            ("NewRound", "prompt", MEDIUM_MAX),
        ] {
            assert_eq!(
                s[schema]["properties"][field]["maxLength"], max,
                "{schema}.{field}"
            );
        }
    }

    #[test]
    fn limits_count_the_text_as_sent() {
        let long = format!(" {}", "a".repeat(SHORT_MAX));
        let e = event(serde_json::json!({ "title": long })).unwrap();
        let Err(Refusal(status, msg)) = e.check_as_sent() else {
            panic!("121 characters sent, one a space: refused");
        };
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(msg.contains("The title is 121 characters long"), "{msg}");
        let e = event(serde_json::json!({
            "rounds": [{"prompt": "Why?"}, {"prompt": "\u{a0}".repeat(MEDIUM_MAX + 1)}]
        }))
        .unwrap();
        let Err(Refusal(_, msg)) = e.check_as_sent() else {
            panic!("too long a question: refused");
        };
        assert!(msg.contains("The question of round 2"), "{msg}");
        let e = event(serde_json::json!({ "date": " 2026-12-05" })).unwrap();
        assert!(e.check_as_sent().is_err());
        assert!(
            event(serde_json::json!({}))
                .unwrap()
                .check_as_sent()
                .is_ok()
        );
    }
}
