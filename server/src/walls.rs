//! Walls: the projected boards of an event and how each one looks (layout, theme, corner QR),
//! steered live from the lead's console. Parsing of untrusted input into them.

use serde::{Deserialize, Serialize};

use crate::model::{InputError, clean_text};

/// Layouts a wall can show.
pub const LAYOUTS: [&str; 5] = ["columns", "spotlight", "mosaic", "focus", "join"];
/// Themes a wall can use.
pub const THEMES: [&str; 2] = ["dark", "light"];
/// Bounds of the spotlight's rotation, in seconds.
pub const SPOTLIGHT_SECONDS: std::ops::RangeInclusive<i64> = 5..=120;
/// Most walls per event.
pub const MAX_WALLS: usize = 8;

/// One wall and its display settings.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Wall {
    pub id: i64,
    pub name: String,
    pub main: bool,
    /// Shows what the main wall shows (extra walls only).
    pub follows: bool,
    pub layout: String,
    /// The table shown by the `focus` layout.
    pub table_id: Option<i64>,
    pub theme: String,
    /// The small QR code and short code in a corner.
    pub show_join: bool,
    pub spotlight_seconds: i64,
    /// The link's secret (the main wall's is the event's wall token).
    #[serde(skip)]
    pub token: String,
}

/// A change to a wall's settings, as the console sends it: absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct WallUpdate {
    #[serde(default)]
    pub layout: Option<String>,
    /// `Some(None)` clears the focus table.
    #[serde(default, deserialize_with = "some_nullable")]
    pub table_id: Option<Option<i64>>,
    #[serde(default)]
    pub theme: Option<String>,
    #[serde(default)]
    pub show_join: Option<bool>,
    #[serde(default)]
    pub spotlight_seconds: Option<i64>,
    #[serde(default)]
    pub follows: Option<bool>,
}

/// Tells "absent" (`None`) from "null" (`Some(None)`).
fn some_nullable<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

impl WallUpdate {
    /// Checks the values, naming the first one that is wrong.
    pub fn check(&self) -> Result<(), InputError> {
        if let Some(l) = &self.layout
            && !LAYOUTS.contains(&l.as_str())
        {
            return Err(InputError::new(
                "bad_request",
                format!("The layout must be one of {}.", LAYOUTS.join(", ")),
            ));
        }
        if let Some(t) = &self.theme
            && !THEMES.contains(&t.as_str())
        {
            return Err(InputError::new(
                "bad_request",
                "The theme must be dark or light.",
            ));
        }
        if let Some(s) = self.spotlight_seconds
            && !SPOTLIGHT_SECONDS.contains(&s)
        {
            return Err(InputError::new(
                "bad_request",
                format!(
                    "The spotlight shows each comment for {} to {} seconds.",
                    SPOTLIGHT_SECONDS.start(),
                    SPOTLIGHT_SECONDS.end()
                ),
            ));
        }
        if self == &WallUpdate::default() {
            return Err(InputError::new(
                "bad_request",
                "Say what to change on the wall.",
            ));
        }
        Ok(())
    }
}

/// Checks the name of a new wall.
pub fn parse_wall_name(raw: &str) -> Result<String, InputError> {
    let name = clean_text(raw, "The wall's name", 40, true)?;
    if name.contains('\n') {
        return Err(InputError::new(
            "bad_request",
            "The wall's name must be one line.",
        ));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn updates_parse_and_are_checked() {
        let u: WallUpdate =
            serde_json::from_str(r#"{"layout":"focus","table_id":null,"theme":"light"}"#).unwrap();
        assert_eq!(u.table_id, Some(None));
        assert!(u.check().is_ok());
        let u: WallUpdate = serde_json::from_str(r#"{"layout":"focus"}"#).unwrap();
        assert_eq!(u.table_id, None);
        let bad: WallUpdate = serde_json::from_str(r#"{"layout":"carousel"}"#).unwrap();
        assert!(bad.check().unwrap_err().message.contains("columns"));
        let bad: WallUpdate = serde_json::from_str(r#"{"spotlight_seconds":1}"#).unwrap();
        assert!(bad.check().is_err());
        assert!(WallUpdate::default().check().is_err());
        assert!(parse_wall_name("  ").is_err());
        assert_eq!(parse_wall_name(" Side screen ").unwrap(), "Side screen");
    }
}
