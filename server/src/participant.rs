//! The attendee's side: the landing page with the short code, the table chooser, the table
//! page with its plain-HTML forms (post, agree), the phone's websocket and the table QR.

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::net::SocketAddr;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::forms;
use crate::hub::Role;
use crate::lang;
use crate::limits::{Kind, Slow, slow_down_message};
use crate::model::{self, EventState, Source, Table};
use crate::security::{self, ATTENDEE_COOKIE};
use crate::storage::{Change, EventKey, StorageError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(landing))
        .route("/join", get(join))
        .route("/t/{token}", get(table_page).post(post_comment))
        .route("/t/{token}/comments/{id}/agree", post(agree))
        .route("/t/{token}/ws", get(phone_ws))
        .route("/t/{token}/qr.svg", get(table_qr))
        .route("/t/{token}/room", get(room_page))
}

/// Socket limits: small buffers, small messages, bounded write buffer.
///
/// The read buffer is what an idle socket costs most (it is zero-filled to its capacity on
/// every read): 1 KiB holds any command but a long post, for which it grows as needed.
pub fn limit_ws(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.read_buffer_size(1024)
        .write_buffer_size(0)
        // Outgoing only: a whole event's snapshot is one message (incoming stays at 16 KiB).
        .max_write_buffer_size(64 * 1024 * 1024)
        .max_message_size(16 * 1024)
        .max_frame_size(16 * 1024)
}

/// The upgrade, checked after the credential (so a bad token is a 404 either way).
pub fn upgrade(
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> AppResult<WebSocketUpgrade> {
    ws.map_err(|_| {
        AppError::bad_request("This address is for live updates from a Roundtable page, not for opening in a browser.")
    })
}

/// Said when the database can't be written (disk full, read-only file).
pub const NOT_SAVED: &str = "Not saved: the server can't store comments right now. Your words are kept below; please try again in a minute.";

const BAD_LINK: &str = "This table link is not valid any more. Scan the QR code on your table again, or type the code from the table card on the first page.";

/// The table for a join token, with its event.
pub(crate) async fn load_table(state: &AppState, token: &str) -> AppResult<(EventState, Table)> {
    if !security::plausible_token(token) {
        return Err(AppError::not_found(BAD_LINK));
    }
    let (event_id, table_id) = state
        .storage
        .find_table(token)
        .await?
        .ok_or_else(|| AppError::not_found(BAD_LINK))?;
    let es = state
        .storage
        .event_state(event_id)
        .await?
        .ok_or_else(|| AppError::not_found(BAD_LINK))?;
    let table = es
        .table(table_id)
        .cloned()
        .ok_or_else(|| AppError::not_found(BAD_LINK))?;
    Ok((es, table))
}

async fn landing() -> impl IntoResponse {
    participant_ui::landing_page(&participant_ui::LandingPage {
        lang: lang::switch(None, "/"),
        code: String::new(),
        error: None,
        organiser_url: "/organiser".into(),
    })
}

#[derive(Deserialize)]
struct JoinQuery {
    #[serde(default)]
    code: String,
}

async fn join(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    query: Result<Query<JoinQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Response> {
    let typed = query.ok().map(|q| q.0.code).unwrap_or_default();
    let ip = peer.ip().to_string();
    let l = lang::current(None);
    let refuse = |status: StatusCode, msg: &str| {
        (
            status,
            participant_ui::landing_page(&participant_ui::LandingPage {
                lang: lang::switch(None, "/"),
                code: typed.chars().take(20).collect(),
                error: Some(lang::tr(l, msg)),
                organiser_url: "/organiser".into(),
            }),
        )
            .into_response()
    };
    if let Err(slow) = state.limiter.check(Kind::CodeFailure, &ip) {
        let msg = format!(
            "Too many wrong codes were typed on this network. Please wait {} seconds, then check the code on your table card.",
            slow.seconds()
        );
        return Ok(with_retry_after(
            refuse(StatusCode::TOO_MANY_REQUESTS, &msg),
            slow,
        ));
    }
    let Some(code) = security::parse_code(&typed) else {
        let _ = state.limiter.take(Kind::CodeFailure, &ip);
        return Ok(refuse(
            StatusCode::BAD_REQUEST,
            "That code doesn't look right. It has 8 letters and numbers, like K7QD-2M9X.",
        ));
    };
    let event_id = state.storage.find_event(EventKey::Code(&code)).await?;
    let es = match event_id {
        Some(id) => state.storage.event_state(id).await?,
        None => None,
    };
    let Some(es) = es else {
        let _ = state.limiter.take(Kind::CodeFailure, &ip);
        return Ok(refuse(
            StatusCode::NOT_FOUND,
            "No event is running with that code. Check the code on your table card.",
        ));
    };
    if !es.event.open {
        // A right code for an event that hasn't started (or has ended): not a guess.
        return Ok(refuse(
            StatusCode::NOT_FOUND,
            "That event isn't open for comments right now. If it is about to start, try again in a few minutes.",
        ));
    }
    let event_lang = event_lang(&state, es.event.id).await?;
    let back = format!("/join?code={}", security::display_code(&code));
    Ok(
        participant_ui::choose_table_page(&participant_ui::ChooseTablePage {
            lang: lang::switch(Some(event_lang), &back),
            event_title: es.event.title.clone(),
            place: es.event.place.clone(),
            tables: es
                .tables
                .iter()
                .map(|t| participant_ui::TableChoice {
                    number: t.number,
                    theme: t.theme.clone(),
                    url: format!("/t/{}", t.join_token),
                })
                .collect(),
        })
        .into_response(),
    )
}

/// The device's anonymous id, and a `Set-Cookie` when it is new.
/// The attendee's key in this event ([`security::attendee_key`] of the device cookie), and
/// the cookie to set when the device had none.
pub(crate) fn attendee_id(
    state: &AppState,
    headers: &HeaderMap,
    event_id: i64,
) -> AppResult<(String, Option<String>)> {
    if let Some(v) =
        security::cookie(headers, ATTENDEE_COOKIE).filter(|v| security::plausible_token(v))
    {
        return Ok((security::attendee_key(event_id, &v), None));
    }
    let v = security::new_token()?;
    let cookie = security::set_cookie(
        ATTENDEE_COOKIE,
        &v,
        // As long as browsers keep a cookie (400 days): the phone must still be able to find
        // and delete its own comments long after the event. The server stores only a
        // per-event hash of it.
        400 * 24 * 3600,
        state.config.secure_cookies,
    );
    Ok((security::attendee_key(event_id, &v), Some(cookie)))
}

struct Draft {
    text: String,
    name: String,
    error: Option<String>,
    notice: Option<String>,
    /// No-JS reply: the comment being answered.
    reply_to: Option<i64>,
}

async fn render_table(
    state: &AppState,
    es: &EventState,
    table: &Table,
    voter: &str,
    draft: Draft,
    headers: &HeaderMap,
) -> AppResult<maud::Markup> {
    let (pledge, about_url, event_lang) =
        crate::pledges::phone_card(state, es, table, headers).await?;
    let switch = lang::switch(Some(event_lang), &format!("/t/{}", table.join_token));
    let l = switch.lang;
    let comments = state
        .storage
        .comments(es.event.id, Some(table.id), false)
        .await?;
    let author = security::author_of(voter);
    let role = Role::Phone {
        table_id: table.id,
        voter: voter.to_string(),
        author,
    };
    let comments: Vec<_> = comments.into_iter().filter(|c| role.may_see(c)).collect();
    let agreed = state.storage.agreed_by(es.event.id, voter).await?;
    let token = &table.join_token;
    let replying_to = draft.reply_to.and_then(|id| {
        comments
            .iter()
            .find(|c| c.id == id && c.is_public())
            .map(|c| (c.id, c.text.clone()))
    });
    let running = es.agenda.running();
    let present = state
        .hub
        .presence(es.event.id)
        .get(&table.id)
        .copied()
        .unwrap_or(0);
    Ok(participant_ui::table_page(&participant_ui::TablePage {
        lang: switch,
        event_title: es.event.title.clone(),
        place: es.event.place.clone(),
        date: es.event.date.clone(),
        table_number: table.number,
        table_id: table.id,
        theme: table.theme.clone(),
        theme_description: table.description.clone(),
        round: es.open_round().map(|r| participant_ui::RoundView {
            number: r.number,
            prompt: r.prompt.clone(),
            theme_round: r.kind == model::RoundKind::Theme,
        }),
        event_open: es.event.open,
        comments: comments
            .into_iter()
            .map(|c| participant_ui::CommentView {
                agreed: agreed.contains(&c.id),
                id: c.id,
                text: c.text,
                name: c.name,
                agrees: c.agrees,
                facilitator: c.source == Source::Facilitator,
                highlighted: c.highlighted,
                pending: !c.approved,
                reply_to: c.reply_to,
                edited: c.edited,
            })
            .collect(),
        seq: es.seq,
        post_url: format!("/t/{token}"),
        agree_url_prefix: format!("/t/{token}/comments/"),
        ws_path: format!("/t/{token}/ws"),
        client_id: security::new_token()?,
        draft_text: draft.text,
        draft_name: draft.name,
        error: draft.error.map(|e| lang::tr(l, &e)),
        notice: draft.notice.map(|n| lang::tr(l, &n)),
        agenda: running.map(|(item, cur)| participant_ui::AgendaView {
            title: item.title.clone(),
            speaker: item.speaker.clone(),
            ends_at: cur.ends_at,
        }),
        server_now: model::now_ms(),
        announcement: es.announcement.as_ref().map(|a| a.text.clone()),
        present,
        room_url: format!("/t/{token}/room"),
        moderation_pre: es.event.moderation == crate::agenda::Moderation::Pre,
        replying_to,
        pledge,
        about_url,
        run_by: crate::privacy::run_by(state, es, l).await?,
        privacy_url: format!("/t/{token}/privacy"),
        mine_url: format!("/t/{token}/mine"),
    }))
}

/// The language an event's phones start in.
pub(crate) async fn event_lang(state: &AppState, event_id: i64) -> AppResult<participant_ui::Lang> {
    Ok(state
        .storage
        .pledge_setup(event_id)
        .await?
        .map(|s| s.lang)
        .unwrap_or_default())
}

/// Adds `Retry-After` to a refusal.
pub(crate) fn with_retry_after(mut res: Response, slow: Slow) -> Response {
    if let Ok(v) = HeaderValue::from_str(&slow.seconds().to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

/// Takes a rate-limit token for an attendee action: per device, then per address.
pub(crate) fn limit_action(
    state: &AppState,
    kind: Kind,
    voter: &str,
    new_device: bool,
    peer: SocketAddr,
) -> Result<(), Slow> {
    if new_device {
        // No cookie (blocked, or a script): every such device at this address shares one
        // per-device allowance, so dropping the cookie doesn't buy a fresh one each time.
        state
            .limiter
            .take_action(kind, &format!("anon:{}", peer.ip()), peer.ip())
    } else {
        state.limiter.take_action(kind, voter, peer.ip())
    }
}

pub(crate) fn with_cookie(mut res: Response, cookie: Option<String>) -> Response {
    if let Some(c) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

#[derive(Deserialize)]
struct TableQuery {
    #[serde(default)]
    sent: Option<String>,
    /// No-JS reply: the comment to answer.
    #[serde(default)]
    reply: Option<String>,
}

async fn table_page(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    query: Result<Query<TableQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (es, table) = load_table(&state, &token).await?;
    let (voter, cookie) = attendee_id(&state, &headers, es.event.id)?;
    if cookie.is_some()
        && let Err(slow) = state.limiter.take(Kind::Join, &peer.ip().to_string())
    {
        let msg = format!(
            "A lot of people are joining from this network right now. Please wait {} seconds and reload this page.",
            slow.seconds()
        );
        let l = lang::current(None);
        let page = participant_ui::error_page(&participant_ui::PhoneErrorPage {
            lang: lang::switch(None, &format!("/t/{token}")),
            title: lang::tr(l, "One moment"),
            message: msg,
        });
        return Ok(with_retry_after(
            (StatusCode::TOO_MANY_REQUESTS, page).into_response(),
            slow,
        ));
    }
    let query = query.ok().map(|q| q.0);
    let sent = query.as_ref().and_then(|q| q.sent.as_ref()).is_some();
    let reply_to = query
        .as_ref()
        .and_then(|q| q.reply.as_deref())
        .and_then(|r| r.parse().ok());
    let page = render_table(
        &state,
        &es,
        &table,
        &voter,
        Draft {
            text: String::new(),
            name: String::new(),
            error: None,
            notice: sent.then(|| {
                if es.event.moderation == crate::agenda::Moderation::Pre {
                    "Sent. A facilitator will approve it before others see it.".to_string()
                } else {
                    "Sent. Thank you!".to_string()
                }
            }),
            reply_to,
        },
        &headers,
    )
    .await?;
    Ok(with_cookie(page.into_response(), cookie))
}

#[derive(Default)]
struct PostForm {
    text: String,
    name: String,
    client_id: String,
    /// Number of the round the page showed when this was written.
    round: String,
    /// The comment this answers, if any.
    reply_to: String,
}

async fn post_comment(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> AppResult<Response> {
    let (es, table) = load_table(&state, &token).await?;
    let (voter, cookie) = attendee_id(&state, &headers, es.event.id)?;
    let (form, early_error) = match forms::read(body) {
        Ok(f) => (
            PostForm {
                text: forms::field(&f, "text"),
                name: forms::field(&f, "name"),
                client_id: forms::field(&f, "client_id"),
                round: forms::field(&f, "round"),
                reply_to: forms::field(&f, "reply_to"),
            },
            None,
        ),
        Err(e) => (PostForm::default(), Some(e)),
    };
    let mut retry = None;
    let result: Result<(), AppError> = match early_error {
        Some(e) => Err(e),
        None => {
            let parsed = model::parse_client_id(&form.client_id).and_then(|client_id| {
                Ok(Change::Post {
                    table_id: table.id,
                    client_id,
                    text: model::parse_comment(&form.text)?,
                    name: model::parse_name(&form.name)?,
                    source: Source::Attendee,
                    round: form.round.trim().parse().ok(),
                    reply_to: form.reply_to.trim().parse().ok(),
                    author: Some(security::author_of(&voter)),
                })
            });
            let limited = parsed
                .is_ok()
                .then(|| limit_action(&state, Kind::Post, &voter, cookie.is_some(), peer));
            match (parsed, limited) {
                (Err(e), _) => Err(e.into()),
                (Ok(_), Some(Err(slow))) => {
                    retry = Some(slow);
                    Err(AppError::Invalid {
                        status: StatusCode::TOO_MANY_REQUESTS,
                        message: format!("{} Your words are kept below.", slow_down_message(slow)),
                    })
                }
                (Ok(change), _) => match state.hub.apply(es.event.id, change, None).await {
                    Ok(_) => Ok(()),
                    Err(StorageError::Other(e)) => {
                        tracing::error!(error = %e, "could not store a comment");
                        Err(AppError::Invalid {
                            status: StatusCode::SERVICE_UNAVAILABLE,
                            message: NOT_SAVED.into(),
                        })
                    }
                    Err(e) => Err(e.into()),
                },
            }
        }
    };
    match result {
        Ok(()) => Ok(with_cookie(
            Redirect::to(&format!("/t/{token}?sent=1")).into_response(),
            cookie,
        )),
        Err(e) => {
            let (status, message) = e.parts();
            // Re-read: the round may have changed since the page was loaded.
            let (es, table) = load_table(&state, &token).await?;
            let page = render_table(
                &state,
                &es,
                &table,
                &voter,
                Draft {
                    text: form.text,
                    name: form.name,
                    error: Some(message),
                    notice: None,
                    reply_to: form.reply_to.trim().parse().ok(),
                },
                &headers,
            )
            .await?;
            let res = with_cookie((status, page).into_response(), cookie);
            Ok(match retry {
                Some(slow) => with_retry_after(res, slow),
                None => res,
            })
        }
    }
}

async fn agree(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((token, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let (es, table) = load_table(&state, &token).await?;
    let (voter, cookie) = attendee_id(&state, &headers, es.event.id)?;
    let comment_id: i64 = id
        .parse()
        .map_err(|_| AppError::not_found("That comment was not found."))?;
    let visible = state
        .storage
        .comments(es.event.id, Some(table.id), false)
        .await?
        .iter()
        .any(|c| c.id == comment_id);
    if !visible {
        return Err(AppError::not_found(
            "That comment was not found at this table.",
        ));
    }
    if let Err(slow) = limit_action(&state, Kind::Agree, &voter, cookie.is_some(), peer) {
        let res = AppError::Invalid {
            status: StatusCode::TOO_MANY_REQUESTS,
            message: slow_down_message(slow),
        }
        .into_response();
        return Ok(with_retry_after(res, slow));
    }
    state
        .hub
        .apply(
            es.event.id,
            Change::Agree {
                comment_id,
                table_id: table.id,
                voter,
            },
            None,
        )
        .await?;
    Ok(with_cookie(
        Redirect::to(&format!("/t/{token}#c-{comment_id}")).into_response(),
        cookie,
    ))
}

#[derive(Deserialize)]
pub struct SinceQuery {
    #[serde(default)]
    pub since: Option<i64>,
}

async fn phone_ws(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    query: Result<Query<SinceQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> AppResult<Response> {
    let (es, table) = load_table(&state, &token).await?;
    // A socket without the device cookie (real phones get it with the page) counts as one
    // anonymous device per address, for limits and for "agree once".
    let voter = match attendee_id(&state, &headers, es.event.id)? {
        (v, None) => v,
        (_, Some(_)) => security::anonymous_key(es.event.id, peer.ip()),
    };
    let since = query.ok().and_then(|q| q.0.since);
    // Cookieless sockets share a voter per address; they must not share an author, or one
    // would see another's comment waiting for approval. Each such socket is its own author.
    let author = if voter.starts_with("anon:") {
        security::author_of(&security::new_token()?)
    } else {
        security::author_of(&voter)
    };
    let role = Role::Phone {
        table_id: table.id,
        author,
        voter,
    };
    open_socket(state, ws, es.event.id, role, since, peer, None)
}

/// Upgrades to a live socket for `role`, once the caller has checked its credential (so a
/// bad token is a 404 whether or not the request was an upgrade): socket limits, a place
/// under the per-address cap, then one task serving it.
pub fn open_socket(
    state: AppState,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
    event_id: i64,
    role: Role,
    since: Option<i64>,
    peer: SocketAddr,
    actor: Option<crate::storage::Actor>,
) -> AppResult<Response> {
    let ws = upgrade(ws)?;
    let permit = socket_permit(&state, peer)?;
    Ok(limit_ws(ws).on_upgrade(move |socket| {
        crate::hub::connection::serve_socket(
            socket, state, event_id, role, since, peer, permit, actor,
        )
    }))
}

/// A place for one more socket from this address, or a 503 with a sentence.
fn socket_permit(state: &AppState, peer: SocketAddr) -> AppResult<crate::limits::SocketPermit> {
    state
        .limiter
        .open_socket(peer.ip())
        .ok_or_else(|| AppError::Invalid {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: "There are too many live connections right now. The page will keep trying."
                .into(),
        })
}

async fn table_qr(State(state): State<AppState>, Path(token): Path<String>) -> AppResult<Response> {
    let (_, table) = load_table(&state, &token).await?;
    crate::qr::response(&state.url(&format!("/t/{}", table.join_token)))
}

#[derive(Deserialize)]
struct RoomQuery {
    #[serde(default)]
    table: Option<String>,
}

/// The room: every table with how many are there, a way to move, and (while a round is
/// open) another table's visible comments, read-only.
async fn room_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    query: Result<Query<RoomQuery>, axum::extract::rejection::QueryRejection>,
) -> AppResult<Response> {
    let (es, mine) = load_table(&state, &token).await?;
    let presence = state.hub.presence(es.event.id);
    let wanted = query.ok().and_then(|q| q.0.table);
    let round = es.open_round();
    let mut message = None;
    let viewing = match wanted.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(n) => match n
            .parse::<i64>()
            .ok()
            .and_then(|n| es.tables.iter().find(|t| t.number == n))
        {
            None => {
                message = Some(format!("There is no table {n} at this event."));
                None
            }
            Some(t) => match round {
                None => {
                    message = Some(
                        "You can read other tables\u{2019} comments while a round is open."
                            .to_string(),
                    );
                    None
                }
                Some(r) => {
                    let comments = state
                        .storage
                        .comments(es.event.id, Some(t.id), false)
                        .await?;
                    let views = comments
                        .into_iter()
                        .filter(|c| c.is_public() && c.round_id == r.id)
                        .map(|c| participant_ui::CommentView {
                            agreed: false,
                            id: c.id,
                            text: c.text,
                            name: c.name,
                            agrees: c.agrees,
                            facilitator: c.source == Source::Facilitator,
                            highlighted: c.highlighted,
                            pending: false,
                            reply_to: c.reply_to,
                            edited: c.edited,
                        })
                        .collect();
                    Some((t.number, t.theme.clone(), views))
                }
            },
        },
    };
    let event_lang = event_lang(&state, es.event.id).await?;
    let switch = lang::switch(Some(event_lang), &format!("/t/{token}/room"));
    let l = switch.lang;
    Ok(participant_ui::room_page(&participant_ui::RoomPage {
        lang: switch,
        event_title: es.event.title.clone(),
        my_table_number: mine.number,
        back_url: format!("/t/{token}"),
        round: round.map(|r| participant_ui::RoundView {
            number: r.number,
            prompt: r.prompt.clone(),
            theme_round: r.kind == model::RoundKind::Theme,
        }),
        tables: es
            .tables
            .iter()
            .map(|t| participant_ui::RoomTable {
                number: t.number,
                theme: t.theme.clone(),
                present: presence.get(&t.id).copied().unwrap_or(0),
                move_url: format!("/t/{}", t.join_token),
                view_url: format!("/t/{token}/room?table={}", t.number),
                mine: t.id == mine.id,
            })
            .collect(),
        viewing,
        message: message.map(|m| lang::tr(l, &m)),
    })
    .into_response())
}
