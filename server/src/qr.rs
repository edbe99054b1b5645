//! QR codes as SVG images.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

/// An SVG QR code for `url`.
pub fn svg(url: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("QR encoding failed: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(320, 320)
        .quiet_zone(true)
        .build())
}

/// An SVG QR code as a response.
pub fn response(url: &str) -> Result<Response, AppError> {
    let mut res = svg(url)?.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    Ok(res)
}

/// A QR code for `url` drawn with block characters, two rows of modules per line, for a
/// terminal. Light modules are drawn and dark ones left blank, so on the usual dark terminal
/// the code reads dark-on-light, as phone cameras expect; the quiet zone is drawn too.
pub fn terminal(url: &str) -> Option<String> {
    let code =
        qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::L).ok()?;
    Some(
        code.render::<qrcode::render::unicode::Dense1x2>()
            .dark_color(qrcode::render::unicode::Dense1x2::Light)
            .light_color(qrcode::render::unicode::Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}
