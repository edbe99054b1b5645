//! Domain types shared by storage, the hub and the pages, and the parsing of untrusted input
//! into them ("parse, don't validate"): text that reaches storage has already been checked.

use serde::Serialize;

/// Longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 1000;
/// Longest display name, in characters.
pub const MAX_NAME_CHARS: usize = 40;

/// An event as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    pub id: i64,
    #[serde(skip)]
    pub organiser_id: Option<i64>,
    pub title: String,
    pub place: String,
    pub date: String,
    pub description: String,
    pub open: bool,
    /// Short code, 8 Crockford base32 characters (shown as `XXXX-XXXX`).
    pub code: String,
    #[serde(skip)]
    pub facilitator_token: String,
    #[serde(skip)]
    pub wall_token: String,
    /// Post- or pre-moderation.
    pub moderation: crate::agenda::Moderation,
    /// The event's tags, in order.
    #[serde(skip)]
    pub labels: Vec<String>,
}

/// A table at an event.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub id: i64,
    #[serde(skip)]
    pub event_id: i64,
    pub number: i64,
    pub theme: String,
    pub description: String,
    #[serde(skip)]
    pub join_token: String,
    /// The table facilitator's console link token.
    #[serde(skip)]
    pub facilitator_token: String,
}

/// Kind of a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RoundKind {
    /// The same question at every table.
    Same,
    /// Each table discusses its own theme.
    Theme,
}

impl RoundKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RoundKind::Same => "same",
            RoundKind::Theme => "theme",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "same" => Some(RoundKind::Same),
            "theme" => Some(RoundKind::Theme),
            _ => None,
        }
    }
}

/// A round of an event.
#[derive(Debug, Clone, Serialize)]
pub struct Round {
    pub id: i64,
    pub number: i64,
    pub prompt: String,
    pub kind: RoundKind,
    /// `pending`, `open` or `closed`.
    pub status: String,
}

impl Round {
    pub fn is_open(&self) -> bool {
        self.status == "open"
    }
}

/// Who wrote a comment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Attendee,
    Facilitator,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Attendee => "attendee",
            Source::Facilitator => "facilitator",
        }
    }
}

/// A comment's whole current state, as sent on the wire (docs/protocol.md).
#[derive(Debug, Clone, Serialize)]
pub struct Comment {
    pub id: i64,
    pub table_id: i64,
    pub table_number: i64,
    pub round_id: i64,
    pub text: String,
    pub name: Option<String>,
    pub source: Source,
    pub agrees: i64,
    pub highlighted: bool,
    /// When it was put on the wall (ms since 1970), if it is there.
    pub highlighted_at: Option<i64>,
    pub hidden: bool,
    pub created_at: i64,
    /// False only under pre-moderation, until a facilitator approves it.
    pub approved: bool,
    /// The comment this one answers.
    pub reply_to: Option<i64>,
    /// A facilitator corrected it (`original` holds the first text).
    pub edited: bool,
    /// How many duplicates were merged into this one (their agreements are in `agrees`).
    pub merged_count: i64,
    // Consoles only (see `PublicComment`):
    pub hidden_reason: Option<String>,
    pub merged_into: Option<i64>,
    pub starred: bool,
    pub tags: Vec<String>,
    pub original: Option<String>,
    /// Pseudonymous device hash; never sent.
    #[serde(skip)]
    pub author: Option<String>,
    /// Its writer deleted it (the words are gone; only the row's number is left).
    #[serde(skip)]
    pub deleted: bool,
}

impl Comment {
    /// Shown at its table (and eligible for the wall): not hidden, approved, not merged away.
    pub fn is_public(&self) -> bool {
        !self.hidden && self.approved && self.merged_into.is_none()
    }
    /// The fields phones and walls may see.
    pub fn public(&self) -> PublicComment<'_> {
        PublicComment {
            id: self.id,
            table_id: self.table_id,
            table_number: self.table_number,
            round_id: self.round_id,
            text: &self.text,
            name: self.name.as_deref(),
            source: self.source,
            agrees: self.agrees,
            highlighted: self.highlighted,
            highlighted_at: self.highlighted_at,
            hidden: false,
            created_at: self.created_at,
            approved: self.approved,
            reply_to: self.reply_to,
            edited: self.edited,
            merged_count: self.merged_count,
        }
    }
}

/// A comment as phones and walls get it: no moderation details.
#[derive(Debug, Clone, Serialize)]
pub struct PublicComment<'a> {
    pub id: i64,
    pub table_id: i64,
    pub table_number: i64,
    pub round_id: i64,
    pub text: &'a str,
    pub name: Option<&'a str>,
    pub source: Source,
    pub agrees: i64,
    pub highlighted: bool,
    pub highlighted_at: Option<i64>,
    pub hidden: bool,
    pub created_at: i64,
    pub approved: bool,
    pub reply_to: Option<i64>,
    pub edited: bool,
    pub merged_count: i64,
}

/// Everything about one event that pages and snapshots need.
#[derive(Debug, Clone)]
pub struct EventState {
    pub event: Event,
    pub tables: Vec<Table>,
    pub rounds: Vec<Round>,
    /// Sequence number this state is current to.
    pub seq: i64,
    /// The run of show and what is running.
    pub agenda: crate::agenda::Agenda,
    /// The lead facilitator's current message.
    pub announcement: Option<crate::agenda::Announcement>,
    /// The event's walls, the main one first.
    pub walls: Vec<crate::walls::Wall>,
    /// Uploaded images, oldest first (without their bytes).
    pub images: Vec<crate::images::ImageMeta>,
}

impl EventState {
    pub fn open_round(&self) -> Option<&Round> {
        self.rounds.iter().find(|r| r.is_open())
    }
    pub fn table(&self, id: i64) -> Option<&Table> {
        self.tables.iter().find(|t| t.id == id)
    }
}

/// Input refused before it reaches storage, with a sentence for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// Stable code for programs (docs/protocol.md).
    pub code: &'static str,
    pub message: String,
}

impl InputError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// True for characters we refuse in any stored text: control characters (other than line
/// breaks and tabs) and the Unicode bidirectional overrides used to disguise text.
fn is_forbidden_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t' && c != '\r')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Checks free text: trims it, refuses empty, too long and bad characters.
/// `what` names the field in messages ("Your comment", "The theme").
pub fn clean_text(
    raw: &str,
    what: &str,
    max_chars: usize,
    required: bool,
) -> Result<String, InputError> {
    let text = raw.replace("\r\n", "\n").replace('\r', "\n");
    let text = text.trim();
    if text.is_empty() {
        if required {
            return Err(InputError::new(
                "empty",
                format!("{what} is empty. Write something first."),
            ));
        }
        return Ok(String::new());
    }
    if text.chars().any(is_forbidden_char) {
        return Err(InputError::new(
            "bad_characters",
            format!("{what} contains hidden control characters. Please retype it."),
        ));
    }
    let n = text.chars().count();
    if n > max_chars {
        return Err(InputError::new(
            "too_long",
            format!("{what} is {n} characters long; the most is {max_chars}. Please shorten it."),
        ));
    }
    Ok(text.to_string())
}

/// Checks a comment body.
pub fn parse_comment(raw: &str) -> Result<String, InputError> {
    clean_text(raw, "Your comment", MAX_COMMENT_CHARS, true)
}

/// Checks an optional display name; blank means anonymous.
pub fn parse_name(raw: &str) -> Result<Option<String>, InputError> {
    let name = clean_text(raw, "Your name", MAX_NAME_CHARS, false)?;
    if name.contains('\n') {
        return Err(InputError::new(
            "bad_characters",
            "Your name must fit on one line.",
        ));
    }
    Ok(if name.is_empty() { None } else { Some(name) })
}

/// Checks a client-generated id: 8 to 64 characters of `[A-Za-z0-9_-]`.
pub fn parse_client_id(raw: &str) -> Result<String, InputError> {
    let ok = (8..=64).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(raw.to_string())
    } else {
        Err(InputError::new(
            "bad_request",
            "The message id is not valid. Reload the page and try again.",
        ))
    }
}

/// Checks a date typed as YYYY-MM-DD.
pub fn parse_date(raw: &str) -> Result<String, InputError> {
    let s = raw.trim();
    let bytes = s.as_bytes();
    let shape = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    let bad = || {
        InputError::new(
            "bad_request",
            "The date must look like 2026-12-05 (year-month-day). The date picker fills it in that way.",
        )
    };
    if !shape {
        return Err(bad());
    }
    let year: u32 = s[0..4].parse().map_err(|_| bad())?;
    let month: u32 = s[5..7].parse().map_err(|_| bad())?;
    let day: u32 = s[8..10].parse().map_err(|_| bad())?;
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    if !(1..=days).contains(&day) || year < 2000 {
        return Err(InputError::new(
            "bad_request",
            format!(
                "There is no date {s}. Choose the date with the date picker, or type it as year-month-day, e.g. 2026-12-05."
            ),
        ));
    }
    Ok(s.to_string())
}

/// A table to create.
#[derive(Debug, Clone)]
pub struct NewTable {
    pub number: i64,
    pub theme: String,
    pub description: String,
}

/// A round to create.
#[derive(Debug, Clone)]
pub struct NewRound {
    pub prompt: String,
    pub kind: RoundKind,
}

/// A whole event to create, already checked.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub title: String,
    pub place: String,
    pub date: String,
    pub description: String,
    pub tables: Vec<NewTable>,
    pub rounds: Vec<NewRound>,
    /// Open at once, with the first round open.
    pub open_now: bool,
    pub moderation: crate::agenda::Moderation,
    /// `None`: the default tags.
    pub labels: Option<Vec<String>>,
    /// Empty: the default run of show (welcome, each round, pledges, close).
    pub agenda: Vec<crate::agenda::NewAgendaItem>,
}

/// Unchecked event fields, from a web form or a TOML file.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct EventDraft {
    pub title: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub description: String,
    #[serde(default, rename = "table")]
    pub tables: Vec<TableDraft>,
    #[serde(default, rename = "round")]
    pub rounds: Vec<RoundDraft>,
    /// `post` (default) or `pre`.
    #[serde(default)]
    pub moderation: String,
    #[serde(default)]
    pub labels: Option<Vec<String>>,
    #[serde(default)]
    pub agenda: Vec<crate::agenda::AgendaDraft>,
}

/// Unchecked table fields.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct TableDraft {
    pub number: i64,
    pub theme: String,
    #[serde(default)]
    pub description: String,
}

/// Unchecked round fields.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct RoundDraft {
    pub prompt: String,
    #[serde(default = "default_kind")]
    pub kind: String,
}

fn default_kind() -> String {
    "same".to_string()
}

/// Most tables an event may have.
pub const MAX_TABLES: usize = 100;
/// Most rounds an event may have.
pub const MAX_ROUNDS: usize = 20;

impl EventDraft {
    /// Checks every field, naming the first one that is wrong.
    pub fn parse(&self, open_now: bool) -> Result<NewEvent, InputError> {
        let title = clean_text(&self.title, "The title", 120, true)?;
        let place = clean_text(&self.place, "The place", 120, true)?;
        let date = parse_date(&self.date)?;
        let description = clean_text(&self.description, "The description", 2000, false)?;
        if self.tables.is_empty() {
            return Err(InputError::new(
                "bad_request",
                "Add at least one table with its theme.",
            ));
        }
        if self.tables.len() > MAX_TABLES {
            return Err(InputError::new(
                "bad_request",
                format!("An event can have at most {MAX_TABLES} tables."),
            ));
        }
        let mut tables = Vec::with_capacity(self.tables.len());
        for t in &self.tables {
            if !(1..=999).contains(&t.number) {
                return Err(InputError::new(
                    "bad_request",
                    format!("Table number {} must be between 1 and 999.", t.number),
                ));
            }
            if tables.iter().any(|x: &NewTable| x.number == t.number) {
                return Err(InputError::new(
                    "bad_request",
                    format!("Table number {} is used twice.", t.number),
                ));
            }
            tables.push(NewTable {
                number: t.number,
                theme: clean_text(
                    &t.theme,
                    &format!("The theme of table {}", t.number),
                    120,
                    true,
                )?,
                description: clean_text(
                    &t.description,
                    &format!("The description of table {}", t.number),
                    500,
                    false,
                )?,
            });
        }
        if self.rounds.is_empty() {
            return Err(InputError::new(
                "bad_request",
                "Add at least one round with its question.",
            ));
        }
        if self.rounds.len() > MAX_ROUNDS {
            return Err(InputError::new(
                "bad_request",
                format!("An event can have at most {MAX_ROUNDS} rounds."),
            ));
        }
        let mut rounds = Vec::with_capacity(self.rounds.len());
        for (i, r) in self.rounds.iter().enumerate() {
            let n = i + 1;
            let kind = RoundKind::parse(&r.kind).ok_or_else(|| {
                InputError::new(
                    "bad_request",
                    format!("Round {n}: the kind must be \"same\" or \"theme\"."),
                )
            })?;
            rounds.push(NewRound {
                prompt: clean_text(&r.prompt, &format!("The question of round {n}"), 500, true)?,
                kind,
            });
        }
        let moderation = crate::agenda::Moderation::parse(&self.moderation)?;
        let labels = self
            .labels
            .as_ref()
            .map(|l| crate::agenda::parse_labels(l.iter().map(String::as_str)))
            .transpose()?;
        let agenda = self
            .agenda
            .iter()
            .enumerate()
            .map(|(i, a)| a.parse(i + 1, rounds.len()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(NewEvent {
            title,
            place,
            date,
            description,
            tables,
            rounds,
            open_now,
            moderation,
            labels,
            agenda,
        })
    }
}

/// Milliseconds since 1970, for timestamps.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_rules() {
        assert_eq!(
            parse_comment("  hello \r\n world ").unwrap(),
            "hello \n world"
        );
        assert_eq!(parse_comment("   ").unwrap_err().code, "empty");
        assert_eq!(
            parse_comment(&"a".repeat(1001)).unwrap_err().code,
            "too_long"
        );
        assert!(parse_comment(&"ŵ".repeat(1000)).is_ok());
        assert_eq!(
            parse_comment("a\u{0007}b").unwrap_err().code,
            "bad_characters"
        );
        assert_eq!(
            parse_comment("abc\u{202E}cba").unwrap_err().code,
            "bad_characters"
        );
        assert!(parse_comment("مرحبا 👩‍👩‍👧").is_ok());
    }

    #[test]
    fn names_and_ids() {
        assert_eq!(parse_name("  ").unwrap(), None);
        assert_eq!(parse_name(" Sam ").unwrap(), Some("Sam".into()));
        assert!(parse_name("a\nb").is_err());
        assert!(parse_client_id("abc").is_err());
        assert!(parse_client_id("0123456789abcdef").is_ok());
        assert!(parse_client_id("0123456789abcdef<script>").is_err());
    }

    #[test]
    fn dates() {
        assert!(parse_date("2026-11-30").is_ok());
        assert!(parse_date("2026-13-01").is_err());
        assert!(parse_date("30/11/2026").is_err());
        assert!(parse_date("2026-02-31").is_err());
        assert!(parse_date("2028-02-29").is_ok());
        assert!(parse_date("2026-02-29").is_err());
    }
}
