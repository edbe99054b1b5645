//! Report routes. Who may download what:
//!
//! | route | credential | gets |
//! |---|---|---|
//! | `/console/{token}/report` | the lead's console link | both reports, every format |
//! | `/organiser/events/{id}/report` | organiser session | both reports, every format |
//! | `/organiser/campaigns/{id}/report` | organiser session | the campaign briefing |
//! | `/share/{token}` | a live share link | that policy briefing only |
//!
//! Query: `for=local|policy` (default local; a share link is always policy),
//! `format=html|pdf|docx|xlsx|csv|md|json` (default html), `download=1` to save the file.
//! Collating and rendering run on the blocking pool: a 100,000-comment PDF must not stall
//! the sockets.

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use std::sync::Arc;

use super::collate::{self, Collated};
use super::{Audience, Format, archive, build, campaign};
use crate::app::AppState;
use crate::error::{AppError, AppResult, StaffError, StaffResult};
use crate::forms::{self, field};
use crate::model::{EventState, now_ms};
use crate::organiser::{LoggedIn, owned_event};
use crate::security;
use crate::storage::{Campaign, Share};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/{token}/report", get(console_report))
        .route("/organiser/events/{id}/report", get(organiser_report))
        .route("/organiser/events/{id}/shares", post(event_share))
        .route(
            "/organiser/events/{id}/shares/{share}/revoke",
            post(event_share_revoke),
        )
        .route("/organiser/events/{id}/campaign", post(set_campaign))
        .route(
            "/organiser/campaigns",
            get(campaigns_page).post(create_campaign),
        )
        .route("/organiser/campaigns/{id}", get(campaign_page))
        .route("/organiser/campaigns/{id}/report", get(campaign_report))
        .route("/organiser/campaigns/{id}/shares", post(campaign_share))
        .route(
            "/organiser/campaigns/{id}/shares/{share}/revoke",
            post(campaign_share_revoke),
        )
        .route(
            "/organiser/import",
            get(import_page)
                .post(import)
                .layer(axum::extract::DefaultBodyLimit::max(
                    archive::MAX_BYTES + 4096,
                )),
        )
        .route("/share/{token}", get(shared))
}

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    #[serde(default, rename = "for")]
    audience: Option<String>,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    download: Option<String>,
}

struct Wanted {
    audience: Audience,
    format: Format,
    download: bool,
}

fn wanted(q: Result<Query<ReportQuery>, QueryRejection>) -> AppResult<Wanted> {
    let Query(q) = q.map_err(|_| AppError::bad_request(super::UNKNOWN_FORMAT))?;
    let audience = match q.audience.as_deref() {
        None | Some("") => Audience::Local,
        Some(a) => {
            Audience::parse(a).ok_or_else(|| AppError::bad_request(super::UNKNOWN_AUDIENCE))?
        }
    };
    let format = match q.format.as_deref() {
        None | Some("") => Format::Html,
        Some(f) => Format::parse(f).ok_or_else(|| AppError::bad_request(super::UNKNOWN_FORMAT))?,
    };
    Ok(Wanted {
        audience,
        format,
        download: q.download.is_some_and(|d| d != "0") || format != Format::Html,
    })
}

/// The last few collations, keyed by event, sequence number and campaign name: every change
/// that shows in a report (a post, an agreement, a hide, a tag, an image, settings) is
/// numbered, so an unchanged key means an unchanged report. Downloading several formats
/// one after another collates once.
#[derive(Default)]
pub struct Cache(std::sync::Mutex<Vec<(CacheKey, Arc<Collated>)>>);

/// Event id, sequence number, campaign name.
/// (event, its sequence number, campaign name, pledges as read): pledges are not numbered
/// changes, so what was read of them is part of the key.
type CacheKey = (i64, i64, Option<String>, collate::PledgeSummary);

/// How many collations the cache keeps (a 100,000-comment one is ~60 MB).
const CACHED: usize = 4;

impl Cache {
    fn get(&self, key: &CacheKey) -> Option<Arc<Collated>> {
        let v = self.0.lock().ok()?;
        v.iter().find(|(k, _)| k == key).map(|(_, c)| c.clone())
    }
    /// Drops what is cached of an event (deleted, or anonymised: its seq did not change).
    pub fn forget(&self, event_id: i64) {
        if let Ok(mut v) = self.0.lock() {
            v.retain(|(k, _)| k.0 != event_id);
        }
    }
    fn put(&self, key: CacheKey, c: Arc<Collated>) {
        if let Ok(mut v) = self.0.lock() {
            v.retain(|(k, _)| k.0 != key.0);
            v.insert(0, (key, c));
            v.truncate(CACHED);
        }
    }
}

/// The event's pledges, summed up for the local campaign pack.
pub async fn pledge_summary(
    storage: &dyn crate::storage::Storage,
    event_id: i64,
) -> AppResult<collate::PledgeSummary> {
    let Some(setup) = storage.pledge_setup(event_id).await? else {
        return Ok(collate::PledgeSummary::default());
    };
    let pledges = storage.pledges(event_id).await?;
    let label = |id: i64| {
        setup
            .options
            .iter()
            .find(|o| o.id == id)
            .map(|o| o.label.clone())
    };
    Ok(collate::PledgeSummary {
        people: pledges.len() as i64,
        actions: setup
            .options
            .iter()
            .map(|o| {
                let n = pledges.iter().filter(|p| p.options.contains(&o.id)).count() as i64;
                let table = o.table.as_ref().map(|(_, n, theme)| {
                    if theme.trim().is_empty() {
                        format!("Table {n}")
                    } else {
                        format!("Table {n}: {}", theme.trim())
                    }
                });
                (o.label.clone(), table, n)
            })
            .collect(),
        contacts: pledges
            .iter()
            .filter_map(|p| {
                let c = p.contact.as_ref()?;
                Some(collate::PledgeContact {
                    name: c.name.clone(),
                    phone: c.phone.as_ref().map(|x| x.0.clone()),
                    email: c.email.as_ref().map(|x| x.0.clone()),
                    actions: p.options.iter().filter_map(|id| label(*id)).collect(),
                })
            })
            .collect(),
    })
}

/// Reads what a collation needs and collates it (on the blocking pool), or takes it from
/// the cache when nothing has changed since.
pub async fn collated(state: &AppState, es: EventState) -> AppResult<Arc<Collated>> {
    let event_id = es.event.id;
    let campaign = state
        .storage
        .event_campaign(event_id)
        .await?
        .map(|c| c.name);
    let pledges = pledge_summary(state.storage.as_ref(), event_id).await?;
    let key = (event_id, es.seq, campaign.clone(), pledges.clone());
    if let Some(c) = state.reports.get(&key) {
        return Ok(c);
    }
    let comments = state.storage.comments(event_id, None, true).await?;
    let mut images = Vec::new();
    for meta in es.images.iter().filter(|m| !m.hidden) {
        if let Some(found) = state.storage.image(event_id, meta.id).await? {
            images.push(found);
        }
    }
    let agreements = state.storage.agreements(event_id).await?;
    let agreers = agreements
        .iter()
        .map(|(_, v)| v.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len() as i64;
    let c = tokio::task::spawn_blocking(move || {
        collate::collate(collate::Input {
            es: &es,
            comments: &comments,
            images,
            agreers,
            campaign,
            now_ms: now_ms(),
            pledges,
        })
    })
    .await
    .map_err(task_failed)?;
    let c = Arc::new(c);
    state.reports.put(key, c.clone());
    Ok(c)
}

/// The full archive of an event.
pub async fn archive_of(
    storage: &dyn crate::storage::Storage,
    es: &EventState,
) -> AppResult<archive::Archive> {
    let event_id = es.event.id;
    let comments = storage.comments(event_id, None, true).await?;
    let mut images = Vec::new();
    for meta in &es.images {
        if let Some(found) = storage.image(event_id, meta.id).await? {
            images.push(found);
        }
    }
    let extra = archive::Extra {
        agreements: storage.agreements(event_id).await?,
        images,
        activity: storage.audit_log(event_id, None, i64::MAX).await?,
        campaign: storage.event_campaign(event_id).await?.map(|c| c.name),
    };
    Ok(archive::export(es, &comments, extra, now_ms()))
}

/// Links to every format of one report, under `base` (a path with no query).
fn format_links(
    base: &str,
    audience: Audience,
    with_audience: bool,
) -> Vec<facilitator_ui::FormatLink> {
    Format::ALL
        .iter()
        .map(|f| {
            let mut q = Vec::new();
            if with_audience {
                q.push(format!("for={}", audience.as_str()));
            }
            if *f != Format::Html {
                q.push(format!("format={}", f.ext()));
            }
            let label = match (f, audience) {
                (Format::Json, Audience::Local) => "JSON archive (full, importable)".to_string(),
                (Format::Html, _) => "Open in the browser".to_string(),
                _ => f.label().to_string(),
            };
            facilitator_ui::FormatLink {
                label,
                url: if q.is_empty() {
                    base.to_string()
                } else {
                    format!("{base}?{}", q.join("&"))
                },
            }
        })
        .collect()
}

fn downloads(
    base: &str,
    audience: Audience,
    with_audience: bool,
    other: Option<Audience>,
) -> Vec<facilitator_ui::Download> {
    let mut out: Vec<facilitator_ui::Download> = format_links(base, audience, with_audience)
        .into_iter()
        .skip(1)
        .map(|f| facilitator_ui::Download {
            label: f.label,
            href: f.url,
        })
        .collect();
    if let Some(o) = other {
        out.push(facilitator_ui::Download {
            label: format!("Open the {}", o.label().to_lowercase()),
            href: format!("{base}?for={}", o.as_str()),
        });
    }
    out
}

/// The HTML page of a report: with links to its other formats in the browser, without them
/// in a downloaded file.
fn html_view(
    links: Vec<facilitator_ui::Download>,
    download: bool,
    label: &'static str,
) -> impl FnOnce(&facilitator_ui::doc::Doc) -> String {
    move |d| {
        facilitator_ui::report_page(&facilitator_ui::ReportView {
            doc: d,
            downloads: if download { Vec::new() } else { links },
            downloads_label: label.into(),
        })
        .into_string()
    }
}

fn task_failed(e: tokio::task::JoinError) -> AppError {
    AppError::Internal(anyhow::anyhow!("report task failed: {e}"))
}

fn rendering_failed(e: String) -> AppError {
    AppError::Internal(anyhow::anyhow!("report rendering failed: {e}"))
}

/// What a share link's reader sees at the top instead of the organisers' checklist.
const SHARED_NOTICE: &str = "Shared by the organisers. Anonymous: no names or contact details \
     (where a comment held any, they are replaced by [removed]); counts of fewer than 5 people \
     are not given exactly.";

/// Renders a collated report as the wanted file.
async fn respond(
    c: Arc<Collated>,
    w: Wanted,
    links: Vec<facilitator_ui::Download>,
    share: bool,
) -> AppResult<Response> {
    let name = super::file_name(&c.title, &c.date, w.audience.slug(), w.format.ext());
    let out = {
        tokio::task::spawn_blocking(move || {
            let download = w.download;
            let audience = w.audience;
            let parts = super::Parts {
                doc: || {
                    let mut doc = match audience {
                        Audience::Local => build::local(&c),
                        Audience::Policy => build::policy(&c),
                    };
                    if share {
                        doc.notice = Some(SHARED_NOTICE.into());
                    }
                    doc
                },
                sheets: || build::sheets(&c, audience),
                head: || build::head(&c, audience),
            };
            super::render(
                w.format,
                parts,
                html_view(links, download, "Download this report"),
            )
        })
        .await
        .map_err(task_failed)?
        .map_err(rendering_failed)?
    };
    Ok(file_response(out, &name, w.download, share))
}

fn file_response(out: super::Output, name: &str, download: bool, share: bool) -> Response {
    let mut res = (StatusCode::OK, out.bytes).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(out.content_type),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(security::REPORT_CSP),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if share {
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    if download && let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

async fn console_report(
    State(state): State<AppState>,
    Path(token): Path<String>,
    q: Result<Query<ReportQuery>, QueryRejection>,
) -> StaffResult<Response> {
    let es = crate::console::console_event(&state, &token).await?;
    let w = wanted(q)?;
    let base = format!("/console/{token}/report");
    event_report(&state, es, w, &base).await
}

async fn event_report(
    state: &AppState,
    es: EventState,
    w: Wanted,
    base: &str,
) -> StaffResult<Response> {
    // The local pack's JSON is the archive: read from storage, no collation needed.
    if w.format == Format::Json && w.audience == Audience::Local {
        let archive = archive_of(state.storage.as_ref(), &es).await?;
        let name = super::file_name(&es.event.title, &es.event.date, w.audience.slug(), "json");
        let out = super::Output {
            bytes: serde_json::to_vec_pretty(&archive).map_err(anyhow::Error::new)?,
            content_type: Format::Json.content_type(),
        };
        return Ok(file_response(out, &name, true, false));
    }
    let other = match w.audience {
        Audience::Local => Audience::Policy,
        Audience::Policy => Audience::Local,
    };
    let links = downloads(base, w.audience, true, Some(other));
    let c = collated(state, es).await?;
    Ok(respond(c, w, links, false).await?)
}

/// A report for the API, by format and audience names (already checked by the API's types).
pub async fn api_report(
    state: &AppState,
    es: EventState,
    format: &str,
    audience: &str,
) -> AppResult<Response> {
    let format =
        Format::parse(format).ok_or_else(|| AppError::bad_request(super::UNKNOWN_FORMAT))?;
    let audience =
        Audience::parse(audience).ok_or_else(|| AppError::bad_request(super::UNKNOWN_AUDIENCE))?;
    let w = Wanted {
        audience,
        format,
        download: true,
    };
    let base = format!("/organiser/events/{}/report", es.event.id);
    event_report(state, es, w, &base).await.map_err(|e| e.0)
}

async fn organiser_report(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    Path(id): Path<String>,
    q: Result<Query<ReportQuery>, QueryRejection>,
) -> StaffResult<Response> {
    let es = owned_event(&state, &o, &id).await?;
    let w = wanted(q)?;
    let base = format!("/organiser/events/{}/report", es.event.id);
    event_report(&state, es, w, &base).await
}

/// The event page's reports box.
pub async fn reports_box(
    state: &AppState,
    o: &crate::storage::Organiser,
    es: &EventState,
) -> AppResult<facilitator_ui::ReportsBox> {
    let id = es.event.id;
    let base = format!("/organiser/events/{id}/report");
    let shares = state.storage.shares_of(Some(id), None).await?;
    Ok(facilitator_ui::ReportsBox {
        local: format_links(&base, Audience::Local, true),
        policy: format_links(&base, Audience::Policy, true),
        share_url: format!("/organiser/events/{id}/shares"),
        shares: share_rows(&shares, &format!("/organiser/events/{id}/shares")),
        campaign_url: format!("/organiser/events/{id}/campaign"),
        campaigns: state
            .storage
            .campaigns_of(o.id)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect(),
        campaign_id: state.storage.event_campaign(id).await?.map(|c| c.id),
        limits: share_limits(flagged(state, id).await?),
    })
}

fn share_rows(shares: &[Share], base: &str) -> Vec<facilitator_ui::ShareRow> {
    let now = now_ms();
    shares
        .iter()
        .map(|s| {
            let live = !s.revoked && s.expires_at > now;
            // Links end at midnight after their last day.
            let last_day = day(s.expires_at - 1);
            facilitator_ui::ShareRow {
                id: s.id,
                made: format!("made {}", day(s.created_at)),
                status: if s.revoked {
                    "revoked".into()
                } else if !live {
                    format!("expired after {last_day}")
                } else {
                    format!("works until the end of {last_day} (UTC)")
                },
                live,
                revoke_url: format!("{base}/{}/revoke", s.id),
            }
        })
        .collect()
}

const DAY_MS: i64 = 86_400_000;

use super::format_day as day;

/// The share form's dates: four weeks from today by default, today to a year ahead.
fn share_limits(flagged: i64) -> facilitator_ui::ShareLimits {
    let now = now_ms();
    facilitator_ui::ShareLimits {
        default_expiry: day(now + 28 * DAY_MS),
        min: day(now),
        max: day(now + 365 * DAY_MS),
        flagged,
    }
}

/// Shown comments of an event whose text looks like it holds contact details.
async fn flagged(state: &AppState, event_id: i64) -> AppResult<i64> {
    Ok(state
        .storage
        .comments(event_id, None, false)
        .await?
        .iter()
        .filter(|c| c.is_public() && !super::pii::scan(&c.text).is_empty())
        .count() as i64)
}

/// Parses the expiry date: the link works until the end of that day (UTC), at most a year.
fn parse_expiry(raw: &str) -> AppResult<i64> {
    let msg = "Choose the date the link stops working, like 2026-12-31.";
    let date = crate::model::parse_date(raw).map_err(|_| AppError::bad_request(msg))?;
    let parts: Vec<i64> = date.split('-').filter_map(|p| p.parse().ok()).collect();
    let [y, m, d] = parts[..] else {
        return Err(AppError::bad_request(msg));
    };
    // Days from civil (the inverse of format_utc's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let end = (days + 1) * DAY_MS;
    let now = now_ms();
    if end <= now {
        return Err(AppError::bad_request(
            "That date has passed: choose a day from today on.",
        ));
    }
    if end > now + 366 * DAY_MS {
        return Err(AppError::bad_request(
            "A share link can work for a year at most: choose an earlier date.",
        ));
    }
    Ok(end)
}

async fn make_share(
    state: &AppState,
    body: Result<Bytes, BytesRejection>,
    event_id: Option<i64>,
    campaign_id: Option<i64>,
    what: String,
    back_url: String,
) -> StaffResult<Response> {
    let f = forms::read(body)?;
    let expires_at = parse_expiry(&field(&f, "expires"))?;
    let token = security::new_token()?;
    state
        .storage
        .create_share(
            &security::hash_token(&token),
            event_id,
            campaign_id,
            expires_at,
        )
        .await?;
    let mut res = facilitator_ui::share_made_page(&facilitator_ui::ShareMadePage {
        what,
        url: state.url(&format!("/share/{token}")),
        expires: format!("the end of {} (UTC)", day(expires_at - 1)),
        back_url,
    })
    .into_response();
    res.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(res)
}

async fn event_share(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> StaffResult<Response> {
    let es = owned_event(&state, &o, &id).await?;
    let back = format!("/organiser/events/{}#reports", es.event.id);
    make_share(
        &state,
        body,
        Some(es.event.id),
        None,
        es.event.title.clone(),
        back,
    )
    .await
}

async fn event_share_revoke(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    Path((id, share)): Path<(String, String)>,
) -> StaffResult<Response> {
    let es = owned_event(&state, &o, &id).await?;
    let back = format!("/organiser/events/{}#reports", es.event.id);
    revoke(&state, &share, Some(es.event.id), None, &back).await
}

/// Revokes a share link of that event or campaign, then goes back to its page.
async fn revoke(
    state: &AppState,
    share: &str,
    event_id: Option<i64>,
    campaign_id: Option<i64>,
    back: &str,
) -> StaffResult<Response> {
    let not_found = || AppError::not_found("That share link was not found.");
    let share: i64 = share.parse().map_err(|_| not_found())?;
    if !state
        .storage
        .revoke_share(share, event_id, campaign_id)
        .await?
    {
        return Err(StaffError(not_found()));
    }
    Ok(Redirect::to(back).into_response())
}

async fn owned_campaign(
    state: &AppState,
    o: &crate::storage::Organiser,
    id: &str,
) -> AppResult<Campaign> {
    let not_found = || AppError::not_found("No campaign of yours has that number.");
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let c = state.storage.campaign(id).await?.ok_or_else(not_found)?;
    if c.organiser_id.is_some_and(|owner| owner != o.id) {
        return Err(not_found());
    }
    Ok(c)
}

async fn set_campaign(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> StaffResult<Response> {
    let es = owned_event(&state, &o, &id).await?;
    let f = forms::read(body)?;
    let choice = field(&f, "campaign");
    let campaign = if choice.trim().is_empty() {
        None
    } else {
        Some(
            owned_campaign(&state, &o, choice.trim())
                .await
                .map_err(|_| AppError::bad_request("Choose one of your campaigns, or none."))?
                .id,
        )
    };
    state
        .storage
        .set_event_campaign(es.event.id, campaign)
        .await?;
    Ok(Redirect::to(&format!("/organiser/events/{}#reports", es.event.id)).into_response())
}

async fn campaigns_view(
    state: &AppState,
    o: &crate::storage::Organiser,
    error: Option<String>,
    name: String,
) -> AppResult<facilitator_ui::CampaignsPage> {
    let mut campaigns = Vec::new();
    for c in state.storage.campaigns_of(o.id).await? {
        campaigns.push(facilitator_ui::CampaignRow {
            url: format!("/organiser/campaigns/{}", c.id),
            events: state.storage.campaign_events(c.id).await?.len(),
            name: c.name,
        });
    }
    Ok(facilitator_ui::CampaignsPage {
        campaigns,
        error,
        name,
    })
}

async fn campaigns_page(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
) -> StaffResult<Response> {
    let page = campaigns_view(&state, &o, None, String::new()).await?;
    Ok(facilitator_ui::campaigns_page(&page).into_response())
}

async fn create_campaign(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    body: Result<Bytes, BytesRejection>,
) -> StaffResult<Response> {
    let f = forms::read(body)?;
    let raw = field(&f, "name");
    let taken = |name: &str, all: &[Campaign]| {
        all.iter()
            .any(|c| c.name.to_lowercase() == name.to_lowercase())
    };
    let all = state.storage.campaigns_of(o.id).await?;
    let parsed = crate::model::clean_text(&raw, "The campaign's name", 120, true).and_then(|n| {
        if taken(&n, &all) {
            Err(crate::model::InputError::new(
                "bad_request",
                format!("You already have a campaign called \u{201c}{n}\u{201d}: choose another name, or open that one."),
            ))
        } else {
            Ok(n)
        }
    });
    match parsed {
        Ok(name) => {
            let id = state.storage.create_campaign(Some(o.id), &name).await?;
            Ok(Redirect::to(&format!("/organiser/campaigns/{id}")).into_response())
        }
        Err(e) => {
            let page = campaigns_view(&state, &o, Some(e.message), raw).await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                facilitator_ui::campaigns_page(&page),
            )
                .into_response())
        }
    }
}

async fn campaign_page(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    Path(id): Path<String>,
) -> StaffResult<Response> {
    let c = owned_campaign(&state, &o, &id).await?;
    let mut events = Vec::new();
    for eid in state.storage.campaign_events(c.id).await? {
        if let Some(es) = state.storage.event_state(eid).await? {
            events.push((
                es.event.title.clone(),
                [es.event.place.as_str(), es.event.date.as_str()]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" · "),
                format!("/organiser/events/{eid}"),
            ));
        }
    }
    let base = format!("/organiser/campaigns/{}/report", c.id);
    let shares = state.storage.shares_of(None, Some(c.id)).await?;
    let mut flagged_total = 0;
    for eid in state.storage.campaign_events(c.id).await? {
        flagged_total += flagged(&state, eid).await?;
    }
    Ok(
        facilitator_ui::campaign_page(&facilitator_ui::CampaignPage {
            name: c.name.clone(),
            events,
            policy: format_links(&base, Audience::Policy, false),
            share_url: format!("/organiser/campaigns/{}/shares", c.id),
            shares: share_rows(&shares, &format!("/organiser/campaigns/{}/shares", c.id)),
            limits: share_limits(flagged_total),
        })
        .into_response(),
    )
}

async fn campaign_file(
    state: &AppState,
    c: Campaign,
    mut w: Wanted,
    base: &str,
    share: bool,
) -> StaffResult<Response> {
    w.audience = Audience::Policy;
    let mut events = Vec::new();
    for eid in state.storage.campaign_events(c.id).await? {
        if let Some(es) = state.storage.event_state(eid).await? {
            events.push(collated(state, es).await?);
        }
    }
    let links = downloads(base, Audience::Policy, false, None);
    let name = super::file_name(&c.name, "", "campaign-briefing", w.format.ext());
    let download = w.download;
    let format = w.format;
    let out = tokio::task::spawn_blocking(move || {
        let parts = super::Parts {
            doc: || {
                let mut doc = campaign::briefing(&c.name, &events, &super::format_utc(now_ms()));
                if share {
                    doc.notice = Some(SHARED_NOTICE.into());
                }
                doc
            },
            sheets: || campaign::sheets(&events),
            head: || facilitator_ui::doc::Doc {
                title: c.name.clone(),
                kind: "Campaign policy briefing".into(),
                ..Default::default()
            },
        };
        super::render(
            format,
            parts,
            html_view(links, download, "Download this briefing"),
        )
    })
    .await
    .map_err(task_failed)?
    .map_err(rendering_failed)?;
    Ok(file_response(out, &name, download, share))
}

async fn campaign_report(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    Path(id): Path<String>,
    q: Result<Query<ReportQuery>, QueryRejection>,
) -> StaffResult<Response> {
    let c = owned_campaign(&state, &o, &id).await?;
    let w = wanted(q)?;
    let base = format!("/organiser/campaigns/{}/report", c.id);
    campaign_file(&state, c, w, &base, false).await
}

async fn campaign_share(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> StaffResult<Response> {
    let c = owned_campaign(&state, &o, &id).await?;
    let back = format!("/organiser/campaigns/{}", c.id);
    make_share(&state, body, None, Some(c.id), c.name.clone(), back).await
}

async fn campaign_share_revoke(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    Path((id, share)): Path<(String, String)>,
) -> StaffResult<Response> {
    let c = owned_campaign(&state, &o, &id).await?;
    let back = format!("/organiser/campaigns/{}", c.id);
    revoke(&state, &share, None, Some(c.id), &back).await
}

/// A share link: the policy briefing only, whatever `for` says. Errors get a page for
/// someone outside the organising team.
async fn shared(
    state: State<AppState>,
    token: Path<String>,
    q: Result<Query<ReportQuery>, QueryRejection>,
) -> Response {
    let mut res = match shared_file(state, token, q).await {
        Ok(res) => res,
        Err(StaffError(e)) => {
            let (status, message) = e.parts();
            let title = if status == StatusCode::NOT_FOUND {
                "This link does not work"
            } else {
                "That didn't work"
            };
            (status, facilitator_ui::share_error_page(title, &message)).into_response()
        }
    };
    res.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}

async fn shared_file(
    State(state): State<AppState>,
    Path(token): Path<String>,
    q: Result<Query<ReportQuery>, QueryRejection>,
) -> StaffResult<Response> {
    const GONE: &str = "This share link does not work: it has expired or been revoked, or it \
                        was mistyped. Ask the organiser for a new one.";
    let base = format!("/share/{token}");
    let share = if security::plausible_token(&token) {
        state
            .storage
            .live_share(&security::hash_token(&token), now_ms())
            .await?
    } else {
        None
    };
    let Some(share) = share else {
        return Err(StaffError(AppError::not_found(GONE)));
    };
    let mut w = wanted(q)?;
    w.audience = Audience::Policy;
    if let Some(cid) = share.campaign_id {
        let c = state
            .storage
            .campaign(cid)
            .await?
            .ok_or_else(|| AppError::not_found(GONE))?;
        return campaign_file(&state, c, w, &base, true).await;
    }
    let es = match share.event_id {
        Some(eid) => state.storage.event_state(eid).await?,
        None => None,
    }
    .ok_or_else(|| AppError::not_found(GONE))?;
    let links = downloads(&base, Audience::Policy, false, None);
    let c = collated(&state, es).await?;
    // Policy JSON is rows, never the archive.
    Ok(respond(c, w, links, true).await?)
}

async fn import_page(LoggedIn(_): LoggedIn) -> impl IntoResponse {
    facilitator_ui::import_page(&facilitator_ui::ImportPage { error: None })
}

/// An upload: the file (the first part with a filename, or the whole body when it was sent
/// as JSON) and whether the "import it again" box was ticked.
struct Upload<'a> {
    file: Option<&'a [u8]>,
    again: bool,
}

fn uploaded<'a>(headers: &HeaderMap, body: &'a [u8]) -> Upload<'a> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let Some(boundary) = ct
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))
    else {
        return Upload {
            file: Some(body),
            again: false,
        };
    };
    let delim = format!("--{}", boundary.trim_matches('"'));
    let find = |hay: &[u8], needle: &[u8], from: usize| {
        hay.get(from..)?
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| p + from)
    };
    let mut up = Upload {
        file: None,
        again: false,
    };
    let Some(mut at) = find(body, delim.as_bytes(), 0) else {
        return up;
    };
    let next_delim = format!("\r\n{delim}");
    while let Some(head_end) = find(body, b"\r\n\r\n", at + delim.len()) {
        let Some(next) = find(body, next_delim.as_bytes(), head_end + 4) else {
            break;
        };
        let head =
            String::from_utf8_lossy(body.get(at + delim.len()..head_end).unwrap_or_default());
        let content = body.get(head_end + 4..next);
        if head.contains("filename=") {
            up.file = up.file.or(content);
        } else if head.contains("name=\"again\"") {
            up.again = true;
        }
        at = next + 2;
    }
    up
}

async fn import(
    State(state): State<AppState>,
    LoggedIn(o): LoggedIn,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> StaffResult<Response> {
    let refuse = |status: StatusCode, msg: String| {
        (
            status,
            facilitator_ui::import_page(&facilitator_ui::ImportPage { error: Some(msg) }),
        )
            .into_response()
    };
    let Ok(body) = body else {
        return Ok(refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "That file is too big to be a Roundtable archive (64 MB at most).".into(),
        ));
    };
    let up = uploaded(&headers, &body);
    let Some(file) = up.file else {
        return Ok(refuse(
            StatusCode::BAD_REQUEST,
            "Choose the archive file to import.".into(),
        ));
    };
    let checked = match archive::parse(file) {
        Ok(c) => c,
        Err(e) => return Ok(refuse(StatusCode::UNPROCESSABLE_ENTITY, e.message)),
    };
    // The same evening imported twice would count twice in its campaign: ask first.
    if !up.again
        && let Some(same) = state
            .storage
            .events_of(o.id)
            .await?
            .into_iter()
            .find(|e| e.title == checked.event.title && e.date == checked.event.date)
    {
        return Ok(refuse(
            StatusCode::CONFLICT,
            format!(
                "An event called \u{201c}{}\u{201d} on {} is already here (event {}). If \
                 this is another copy of it, there is nothing to do. To import it again as a \
                 separate event, tick \u{201c}Import it again\u{201d} and choose the file again.",
                same.title, same.date, same.id
            ),
        ));
    }
    let id = import_checked(state.storage.as_ref(), Some(o.id), &checked).await?;
    Ok(Redirect::to(&format!("/organiser/events/{id}")).into_response())
}

/// Creates a new closed event from a checked archive; on failure nothing is left behind.
pub async fn import_checked(
    storage: &dyn crate::storage::Storage,
    organiser_id: Option<i64>,
    checked: &archive::Checked,
) -> AppResult<i64> {
    let id = crate::events::create(storage, organiser_id, &checked.event).await?;
    if let Err(e) = storage.import_content(id, checked).await {
        let _ = storage.delete_event(id).await;
        return Err(e.into());
    }
    if let Some(name) = &checked.archive.event.campaign
        && let Some(oid) = organiser_id
    {
        let existing = storage
            .campaigns_of(oid)
            .await?
            .into_iter()
            .find(|c| &c.name == name);
        let cid = match existing {
            Some(c) => c.id,
            None => storage.create_campaign(Some(oid), name).await?,
        };
        storage.set_event_campaign(id, Some(cid)).await?;
    }
    Ok(id)
}
