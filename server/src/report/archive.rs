//! The event archive: everything stored about one event as one JSON file, versioned, that
//! imports back as a new event (on this server or another). Documented in docs/reports.md.
//!
//! Left out on purpose: access links, the event code and organiser accounts (an import gets
//! new ones), presence (never stored). Kept: comments with their moderation state, original
//! text, tags, replies and merges; agreements and authors as the opaque device hashes they
//! are stored as (so contributor and agreement counts survive); the run of show; images;
//! the activity log.

use serde::{Deserialize, Serialize};

use crate::model::{self, Comment, EventState, InputError};

pub const FORMAT: &str = "roundtable-archive";
pub const VERSION: u32 = 1;
/// Largest archive we read (images are inside it).
pub const MAX_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Archive {
    pub format: String,
    pub version: u32,
    #[serde(default)]
    pub exported_at: String,
    pub event: ArchiveEvent,
    pub tables: Vec<ArchiveTable>,
    pub rounds: Vec<ArchiveRound>,
    #[serde(default)]
    pub agenda: Vec<ArchiveAgendaItem>,
    #[serde(default)]
    pub comments: Vec<ArchiveComment>,
    #[serde(default)]
    pub agreements: Vec<ArchiveAgreement>,
    #[serde(default)]
    pub images: Vec<ArchiveImage>,
    #[serde(default)]
    pub activity: Vec<ArchiveActivity>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ArchiveEvent {
    pub title: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub open: bool,
    /// `post` or `pre`.
    #[serde(default)]
    pub moderation: String,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub campaign: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ArchiveTable {
    pub number: i64,
    pub theme: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ArchiveRound {
    pub number: i64,
    pub prompt: String,
    /// `same` or `theme`.
    pub kind: String,
    /// `pending`, `open` or `closed`.
    pub status: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ArchiveAgendaItem {
    pub kind: String,
    pub title: String,
    #[serde(default)]
    pub speaker: Option<String>,
    pub minutes: i64,
    /// The round (number) a round item opens.
    #[serde(default)]
    pub round: Option<i64>,
    pub status: String,
}

/// A comment. `id` is the archive's own number for it: replies and merges refer to it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ArchiveComment {
    pub id: i64,
    pub table: i64,
    pub round: i64,
    pub text: String,
    #[serde(default)]
    pub name: Option<String>,
    /// `attendee` or `facilitator`.
    pub source: String,
    pub created_at: i64,
    #[serde(default = "yes")]
    pub approved: bool,
    #[serde(default)]
    pub hidden: bool,
    #[serde(default)]
    pub hidden_reason: Option<String>,
    #[serde(default)]
    pub highlighted: bool,
    #[serde(default)]
    pub highlighted_at: Option<i64>,
    #[serde(default)]
    pub starred: bool,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The first text, when a facilitator corrected it.
    #[serde(default)]
    pub original: Option<String>,
    #[serde(default)]
    pub reply_to: Option<i64>,
    #[serde(default)]
    pub merged_into: Option<i64>,
    /// Opaque device hash (never a cookie or an address).
    #[serde(default)]
    pub author: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ArchiveAgreement {
    pub comment: i64,
    /// Opaque device hash.
    pub voter: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ArchiveImage {
    #[serde(default)]
    pub table: Option<i64>,
    #[serde(default)]
    pub caption: String,
    pub width: i64,
    pub height: i64,
    #[serde(default)]
    pub on_wall: bool,
    #[serde(default)]
    pub hidden: bool,
    pub created_at: i64,
    /// The JPEG, base64.
    pub jpeg: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ArchiveActivity {
    pub at: i64,
    pub actor: String,
    #[serde(default)]
    pub table: Option<i64>,
    pub action: String,
    #[serde(default)]
    pub comment: Option<i64>,
}

/// What storage holds about an event beyond its state and comments.
pub struct Extra {
    pub agreements: Vec<(i64, String)>,
    pub images: Vec<(crate::images::ImageMeta, Vec<u8>)>,
    pub activity: Vec<crate::storage::AuditEntry>,
    pub campaign: Option<String>,
}

/// The archive of an event.
pub fn export(es: &EventState, comments: &[Comment], extra: Extra, now_ms: i64) -> Archive {
    let round_number = |id: i64| es.rounds.iter().find(|r| r.id == id).map(|r| r.number);
    let table_number = |id: i64| es.table(id).map(|t| t.number);
    let mut comments: Vec<&Comment> = comments.iter().collect();
    comments.sort_by_key(|c| c.id);
    let mut agreements = extra.agreements;
    agreements.sort();
    let mut activity = extra.activity;
    activity.sort_by_key(|a| a.at);
    Archive {
        format: FORMAT.into(),
        version: VERSION,
        exported_at: super::format_utc(now_ms),
        event: ArchiveEvent {
            title: es.event.title.clone(),
            place: es.event.place.clone(),
            date: es.event.date.clone(),
            description: es.event.description.clone(),
            open: es.event.open,
            moderation: es.event.moderation.as_str().into(),
            labels: es.event.labels.clone(),
            campaign: extra.campaign,
        },
        tables: es
            .tables
            .iter()
            .map(|t| ArchiveTable {
                number: t.number,
                theme: t.theme.clone(),
                description: t.description.clone(),
            })
            .collect(),
        rounds: es
            .rounds
            .iter()
            .map(|r| ArchiveRound {
                number: r.number,
                prompt: r.prompt.clone(),
                kind: r.kind.as_str().into(),
                status: r.status.clone(),
            })
            .collect(),
        agenda: es
            .agenda
            .items
            .iter()
            .map(|i| ArchiveAgendaItem {
                kind: i.kind.clone(),
                title: i.title.clone(),
                speaker: i.speaker.clone(),
                minutes: i.minutes,
                round: i.round_id.and_then(round_number),
                // What was running when it was exported is done by the time it's imported.
                status: if i.status == "running" {
                    "done".into()
                } else {
                    i.status.clone()
                },
            })
            .collect(),
        comments: comments
            .iter()
            .map(|c| ArchiveComment {
                id: c.id,
                table: c.table_number,
                round: round_number(c.round_id).unwrap_or(0),
                text: c.text.clone(),
                name: c.name.clone(),
                source: c.source.as_str().into(),
                created_at: c.created_at,
                approved: c.approved,
                hidden: c.hidden,
                hidden_reason: c.hidden_reason.clone(),
                highlighted: c.highlighted,
                highlighted_at: c.highlighted_at,
                starred: c.starred,
                tags: c.tags.clone(),
                original: c.original.clone(),
                reply_to: c.reply_to,
                merged_into: c.merged_into,
                author: c.author.clone(),
            })
            .collect(),
        agreements: agreements
            .into_iter()
            .map(|(comment, voter)| ArchiveAgreement { comment, voter })
            .collect(),
        images: extra
            .images
            .into_iter()
            .map(|(m, jpeg)| ArchiveImage {
                table: m.table_id.and_then(table_number),
                caption: m.caption,
                width: m.width,
                height: m.height,
                on_wall: m.on_wall,
                hidden: m.hidden,
                created_at: m.created_at,
                jpeg: facilitator_ui::doc::base64(&jpeg),
            })
            .collect(),
        activity: activity
            .into_iter()
            .map(|a| ArchiveActivity {
                at: a.at,
                actor: a.actor,
                table: a.table_number,
                action: a.action,
                comment: a.comment_id,
            })
            .collect(),
    }
}

/// An archive checked for import: the event as a new event, and the decoded images.
pub struct Checked {
    pub event: model::NewEvent,
    pub archive: Archive,
    /// JPEG bytes of `archive.images`, in order.
    pub jpegs: Vec<Vec<u8>>,
}

fn bad(msg: impl Into<String>) -> InputError {
    InputError::new("bad_archive", msg)
}

/// Reads and checks an uploaded archive; every refusal names what is wrong.
pub fn parse(bytes: &[u8]) -> Result<Checked, InputError> {
    if bytes.len() > MAX_BYTES {
        return Err(bad(
            "That file is too big to be a Roundtable archive (64 MB at most).",
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        if e.is_eof() {
            bad(
                "That file is cut off: it ends before the archive does. Download the \
                 archive again and import the whole file.",
            )
        } else {
            bad(
                "That file is not a Roundtable archive: it is not JSON. Choose the .json \
                 file downloaded as the local campaign pack's JSON archive.",
            )
        }
    })?;
    if value.get("format").and_then(|v| v.as_str()) == Some("roundtable-report") {
        return Err(bad(
            "That is a report's data (the policy briefing's JSON), not an event archive: \
             import the local campaign pack's \"JSON archive\" instead.",
        ));
    }
    if value.get("format").and_then(|v| v.as_str()) != Some(FORMAT) {
        return Err(bad(
            "That JSON file is not a Roundtable event archive (it has no \"format\": \
             \"roundtable-archive\").",
        ));
    }
    match value.get("version").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(VERSION) => {}
        Some(v) => {
            return Err(bad(format!(
                "This archive is version {v}; this server reads version {VERSION}. Update \
                 Roundtable to import it."
            )));
        }
        None => return Err(bad("The archive has no version number.")),
    }
    let archive: Archive = serde_json::from_value(value).map_err(|e| {
        // serde says e.g. "missing field `tables`": name the part in plain words.
        let detail = e.to_string();
        let part = detail
            .split('`')
            .nth(1)
            .map(|f| format!(" (its \"{f}\" part is missing or not as expected)"))
            .unwrap_or_default();
        bad(format!(
            "The archive is damaged or incomplete{part}. Download it again from the event's \
             local campaign pack."
        ))
    })?;
    let draft = model::EventDraft {
        title: archive.event.title.clone(),
        place: archive.event.place.clone(),
        date: archive.event.date.clone(),
        description: archive.event.description.clone(),
        tables: archive
            .tables
            .iter()
            .map(|t| model::TableDraft {
                number: t.number,
                theme: t.theme.clone(),
                description: t.description.clone(),
            })
            .collect(),
        rounds: {
            let mut r = archive.rounds.clone();
            r.sort_by_key(|r| r.number);
            for (i, round) in r.iter().enumerate() {
                if round.number != i as i64 + 1 {
                    return Err(bad("The archive's rounds must be numbered 1, 2, 3…"));
                }
                if !matches!(round.status.as_str(), "pending" | "open" | "closed") {
                    return Err(bad(format!(
                        "Round {} has an unknown status \"{}\".",
                        round.number, round.status
                    )));
                }
            }
            r.into_iter()
                .map(|r| model::RoundDraft {
                    prompt: r.prompt,
                    kind: r.kind,
                })
                .collect()
        },
        moderation: archive.event.moderation.clone(),
        labels: Some(archive.event.labels.clone()),
        agenda: archive
            .agenda
            .iter()
            .map(|a| crate::agenda::AgendaDraft {
                kind: a.kind.clone(),
                title: a.title.clone(),
                speaker: a.speaker.clone().unwrap_or_default(),
                minutes: Some(a.minutes),
                round: a.round,
            })
            .collect(),
    };
    let event = draft
        .parse(false)
        .map_err(|e| bad(format!("In the archive's event: {}", e.message)))?;
    let tables: std::collections::BTreeSet<i64> = archive.tables.iter().map(|t| t.number).collect();
    let mut ids = std::collections::BTreeSet::new();
    for c in &archive.comments {
        if !ids.insert(c.id) {
            return Err(bad(format!(
                "Comment {} appears twice in the archive.",
                c.id
            )));
        }
    }
    for c in &archive.comments {
        let which = format!("comment {}", c.id);
        if !tables.contains(&c.table) {
            return Err(bad(format!(
                "The archive's {which} is at table {}, which it doesn't list.",
                c.table
            )));
        }
        if !(1..=archive.rounds.len() as i64).contains(&c.round) {
            return Err(bad(format!(
                "The archive's {which} is in round {}, which it doesn't list.",
                c.round
            )));
        }
        model::parse_comment(&c.text)
            .map_err(|e| bad(format!("The archive's {which}: {}", e.message)))?;
        if let Some(name) = &c.name {
            model::parse_name(name)
                .map_err(|e| bad(format!("The archive's {which}: {}", e.message)))?;
        }
        if !matches!(c.source.as_str(), "attendee" | "facilitator") {
            return Err(bad(format!(
                "The archive's {which} has an unknown source \"{}\".",
                c.source
            )));
        }
        for r in [c.reply_to, c.merged_into].into_iter().flatten() {
            if !ids.contains(&r) || r == c.id {
                return Err(bad(format!(
                    "The archive's {which} refers to comment {r}, which it doesn't hold."
                )));
            }
        }
        for t in c
            .tags
            .iter()
            .chain(c.hidden_reason.iter())
            .chain(c.original.iter())
        {
            if t.chars().count() > model::MAX_COMMENT_CHARS
                || t.chars()
                    .any(|ch| ch.is_control() && ch != '\n' && ch != '\t')
            {
                return Err(bad(format!(
                    "The archive's {which} has a tag, reason or original text that is too long or holds control characters."
                )));
            }
        }
    }
    for a in &archive.agreements {
        if !ids.contains(&a.comment) {
            return Err(bad(format!(
                "An agreement refers to comment {}, which the archive doesn't hold.",
                a.comment
            )));
        }
    }
    let mut jpegs = Vec::with_capacity(archive.images.len());
    for (i, img) in archive.images.iter().enumerate() {
        let bytes = base64_decode(&img.jpeg)
            .filter(|b| b.starts_with(&[0xFF, 0xD8, 0xFF]))
            .ok_or_else(|| bad(format!("Image {} in the archive is not a JPEG.", i + 1)))?;
        if img.table.is_some_and(|t| !tables.contains(&t)) {
            return Err(bad(format!(
                "Image {} is at a table the archive doesn't list.",
                i + 1
            )));
        }
        jpegs.push(bytes);
    }
    Ok(Checked {
        event,
        archive,
        jpegs,
    })
}

/// Standard base64 (with or without padding); `None` when it isn't.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let s = s.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for chunk in s.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= val(c)? << (18 - 6 * i);
        }
        match chunk.len() {
            4 => out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]),
            3 => out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8]),
            2 => out.push((n >> 16) as u8),
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for raw in [
            &b""[..],
            b"f",
            b"fo",
            b"foo",
            b"foob",
            b"\xff\xd8\xff\x00\x10",
        ] {
            let enc = facilitator_ui::doc::base64(raw);
            assert_eq!(base64_decode(&enc).as_deref(), Some(raw));
        }
        assert_eq!(base64_decode("a$b="), None);
        assert_eq!(base64_decode("a"), None);
    }

    #[test]
    fn refusals_say_what_is_wrong() {
        let msg = |b: &[u8]| parse(b).err().map(|e| e.message).unwrap_or_default();
        assert!(msg(b"not json").contains("not JSON"));
        assert!(msg(br#"{"format":"other"}"#).contains("not a Roundtable event archive"));
        assert!(msg(br#"{"format":"roundtable-archive","version":9}"#).contains("version 9"));
        assert!(
            msg(br#"{"format":"roundtable-archive","version":1}"#)
                .contains("damaged or incomplete")
        );
        assert!(msg(br#"{"format":"roundtable-archive","version":1}"#).contains("\"event\" part"));
        assert!(msg(br#"{"format":"roundtable-archive","#).contains("cut off"));
        assert!(msg(br#"{"format":"roundtable-report","version":1}"#).contains("JSON archive"));
    }
}
