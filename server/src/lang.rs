//! Which language a phone page speaks: the phone's own choice (the `rt_lang` cookie, set by
//! one tap on the switch in the header), else the event's language, else what the browser
//! asks for (`Accept-Language: cy…`), else English.

use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use participant_ui::{Lang, LangSwitch};
use serde::Deserialize;

use crate::app::AppState;
use crate::security;

/// The phone's chosen language.
pub const LANG_COOKIE: &str = "rt_lang";

#[derive(Debug, Clone, Copy, Default)]
struct Prefs {
    cookie: Option<Lang>,
    accept: Lang,
}

tokio::task_local! {
    static PREFS: Prefs;
}

fn prefs(headers: &HeaderMap) -> Prefs {
    let cookie = security::cookie(headers, LANG_COOKIE).and_then(|c| Lang::parse(&c));
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .map(|first| first.trim().to_ascii_lowercase())
        .filter(|first| first.starts_with("cy"))
        .map_or(Lang::En, |_| Lang::Cy);
    Prefs { cookie, accept }
}

/// Middleware: remembers the request's language preferences for the handler (and for the
/// error page it may render).
pub async fn layer(req: Request, next: Next) -> Response {
    let p = prefs(req.headers());
    PREFS.scope(p, next.run(req)).await
}

/// The language of this request's page, given the event's own (if the page has an event).
pub fn current(event: Option<Lang>) -> Lang {
    PREFS
        .try_with(|p| p.cookie.or(event).unwrap_or(p.accept))
        .unwrap_or(event.unwrap_or_default())
}

/// The header's switch to the other language, coming back to `back` (this page's path).
pub fn switch(event: Option<Lang>, back: &str) -> LangSwitch {
    let lang = current(event);
    let back: String = form_urlencoded::byte_serialize(back.as_bytes()).collect();
    LangSwitch {
        lang,
        url: format!("/lang/{}?back={back}", lang.other().code()),
    }
}

/// A sentence from the server, in the page's language where a translation exists.
pub fn tr(lang: Lang, english: &str) -> String {
    participant_ui::i18n::translate(lang, english)
}

pub fn router() -> Router<AppState> {
    Router::new().route("/lang/{code}", get(choose))
}

#[derive(Deserialize)]
struct Back {
    #[serde(default)]
    back: String,
}

/// Only a path on this server: `/x`, never `//host` or a full URL.
fn safe_back(back: &str) -> &str {
    let ok = back.starts_with('/')
        && !back.starts_with("//")
        && !back.contains('\\')
        && !back.chars().any(char::is_control);
    if ok { back } else { "/" }
}

/// `GET /lang/{code}?back=/t/…`: remembers the choice for a year and goes back.
async fn choose(
    State(state): State<AppState>,
    Path(code): Path<String>,
    query: Result<Query<Back>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let back = query.map(|q| q.0.back).unwrap_or_default();
    let mut res = Redirect::to(safe_back(&back)).into_response();
    if let Some(lang) = Lang::parse(&code) {
        let cookie = security::set_cookie(
            LANG_COOKIE,
            lang.code(),
            365 * 24 * 3600,
            state.config.secure_cookies,
        );
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_stays_on_this_server() {
        assert_eq!(safe_back("/t/abc?x=1"), "/t/abc?x=1");
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "",
            "t/x",
        ] {
            assert_eq!(safe_back(bad), "/", "{bad}");
        }
    }

    #[test]
    fn the_cookie_beats_the_event_which_beats_the_browser() {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("cy-GB,en;q=0.8"),
        );
        let p = prefs(&h);
        assert_eq!(p.accept, Lang::Cy);
        assert_eq!(p.cookie, None);
        h.insert(header::COOKIE, HeaderValue::from_static("rt_lang=en"));
        assert_eq!(prefs(&h).cookie, Some(Lang::En));
    }
}
