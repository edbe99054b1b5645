//! Strict reading of `application/x-www-form-urlencoded` bodies: invalid UTF-8 is refused
//! with a message (not silently replaced), and an oversized body gets a clear 413.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;

use crate::error::AppError;

/// A decoded form: field name to value (the last value wins for repeated names).
pub type FormMap = HashMap<String, String>;

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

fn decode(part: &[u8]) -> Result<String, AppError> {
    let mut out = Vec::with_capacity(part.len());
    let mut i = 0;
    while i < part.len() {
        match part[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < part.len() => match (hex(part[i + 1]), hex(part[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h * 16 + l);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| {
        AppError::bad_request(
            "The form contained characters that could not be read. Please retype it.",
        )
    })
}

/// Decodes a form body strictly.
pub fn parse(body: &[u8]) -> Result<FormMap, AppError> {
    let mut map = FormMap::new();
    for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (k, v) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &pair[pair.len()..]),
        };
        map.insert(decode(k)?, decode(v)?);
    }
    Ok(map)
}

/// Reads a request body as a form, turning a too-large body into a clear 413.
pub fn read(body: Result<Bytes, BytesRejection>) -> Result<FormMap, AppError> {
    match body {
        Ok(b) => parse(&b),
        Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(AppError::Invalid {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            message: "That was too much text to send at once. Please shorten it.".into(),
        }),
        Err(_) => Err(AppError::bad_request(
            "The form could not be read. Please reload the page and try again.",
        )),
    }
}

/// A field's value, or empty.
pub fn field(map: &FormMap, key: &str) -> String {
    map.get(key).cloned().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_refuses() {
        let m = parse(b"text=caf%C3%A9+au+lait&name=&x=%ZZ%").unwrap();
        assert_eq!(m["text"], "café au lait");
        assert_eq!(m["name"], "");
        assert_eq!(m["x"], "%ZZ%");
        assert!(parse(b"text=%FF%FE").is_err());
        assert!(parse(b"text=%C3").is_err());
    }
}
