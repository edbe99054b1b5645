//! Serves the UI crates' CSS and JS under content-hashed names, cached for a year.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::app::AppState;
use crate::error::AppError;

fn find(path: &str) -> Option<(&'static str, &'static str)> {
    participant_ui::assets()
        .into_iter()
        .chain(facilitator_ui::assets())
        .find(|(p, _, _)| p == path)
        .map(|(_, ty, body)| (ty, body))
}

async fn asset(Path(name): Path<String>) -> Result<Response, AppError> {
    let path = format!("/assets/{name}");
    let (ty, body) = find(&path).ok_or_else(|| AppError::not_found("No such file."))?;
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ty));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(res)
}

pub fn router() -> Router<AppState> {
    Router::new().route("/assets/{name}", get(asset))
}
