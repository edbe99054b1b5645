//! The facilitation settings of an event: moderation mode, tags and the run of show (agenda),
//! with the parsing of untrusted input into them.

use serde::{Deserialize, Serialize};

use crate::model::{InputError, clean_text};

/// The tags every new event starts with.
pub const DEFAULT_LABELS: [&str; 4] = [
    "local campaign idea",
    "policy proposal",
    "personal story",
    "question",
];
/// Most tags an event may have.
pub const MAX_LABELS: usize = 12;
/// Longest tag, in characters.
pub const MAX_LABEL_CHARS: usize = 40;
/// Most items in a run of show.
pub const MAX_AGENDA_ITEMS: usize = 40;
/// Longest time limit of one item, in minutes.
pub const MAX_MINUTES: i64 = 240;
/// Longest announcement, in characters.
pub const MAX_ANNOUNCEMENT_CHARS: usize = 200;
/// What a spoken point attributed to the table is signed with.
pub const SOMEONE_AT_THE_TABLE: &str = "Someone at the table";

/// When attendees' comments become visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Moderation {
    /// At once at the table; on the wall only when highlighted.
    #[default]
    Post,
    /// Only after a facilitator approves.
    Pre,
}

impl Moderation {
    pub fn as_str(self) -> &'static str {
        match self {
            Moderation::Post => "post",
            Moderation::Pre => "pre",
        }
    }
    /// Empty means the default (post-moderation).
    pub fn parse(s: &str) -> Result<Self, InputError> {
        match s.trim() {
            "" | "post" => Ok(Moderation::Post),
            "pre" => Ok(Moderation::Pre),
            other => Err(InputError::new(
                "bad_request",
                format!("The moderation mode must be \"post\" or \"pre\", not \"{other}\"."),
            )),
        }
    }
}

/// Kinds of agenda item.
pub const AGENDA_KINDS: [&str; 6] = ["talk", "round", "pledges", "break", "close", "other"];

/// One item of the run of show.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AgendaItem {
    pub id: i64,
    pub position: i64,
    pub kind: String,
    pub title: String,
    pub speaker: Option<String>,
    pub minutes: i64,
    pub round_id: Option<i64>,
    /// `pending`, `running` or `done`.
    pub status: String,
}

/// The item running now.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AgendaCurrent {
    pub item_id: i64,
    pub started_at: i64,
    /// `None` for an item without a time limit.
    pub ends_at: Option<i64>,
}

/// The whole run of show.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Agenda {
    pub items: Vec<AgendaItem>,
    pub current: Option<AgendaCurrent>,
}

impl Agenda {
    /// The running item, if any.
    pub fn running(&self) -> Option<(&AgendaItem, &AgendaCurrent)> {
        let cur = self.current.as_ref()?;
        self.items
            .iter()
            .find(|i| i.id == cur.item_id)
            .map(|i| (i, cur))
    }
}

/// The lead facilitator's message to the room.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Announcement {
    pub text: String,
    /// Also on the wall.
    pub wall: bool,
    pub at: i64,
}

/// A checked agenda item to store. `round` is a round *number* (1-based).
#[derive(Debug, Clone, PartialEq)]
pub struct NewAgendaItem {
    pub kind: String,
    pub title: String,
    pub speaker: Option<String>,
    pub minutes: i64,
    pub round: Option<i64>,
}

/// An agenda item as written in an event file.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AgendaDraft {
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub speaker: String,
    #[serde(default)]
    pub minutes: Option<i64>,
    /// For `kind = "round"`: which round (1-based).
    #[serde(default)]
    pub round: Option<i64>,
}

impl AgendaDraft {
    /// Checks one item (`n` is its 1-based place, for messages).
    pub fn parse(&self, n: usize, rounds: usize) -> Result<NewAgendaItem, InputError> {
        let kind = self.kind.trim().to_ascii_lowercase();
        if !AGENDA_KINDS.contains(&kind.as_str()) {
            return Err(InputError::new(
                "bad_request",
                format!(
                    "Agenda item {n}: the kind must be one of {}.",
                    AGENDA_KINDS.join(", ")
                ),
            ));
        }
        let round = if kind == "round" {
            let r = self.round.ok_or_else(|| {
                InputError::new(
                    "bad_request",
                    format!("Agenda item {n} is a round: say which one (round = 1, 2...)."),
                )
            })?;
            if r < 1 || r as usize > rounds {
                return Err(InputError::new(
                    "bad_request",
                    format!("Agenda item {n}: there is no round {r}."),
                ));
            }
            Some(r)
        } else {
            None
        };
        let minutes = self.minutes.unwrap_or(default_minutes(&kind));
        new_item(n, kind, &self.title, &self.speaker, minutes, round)
    }
}

fn default_minutes(kind: &str) -> i64 {
    match kind {
        "talk" | "close" => 5,
        "round" => 20,
        "pledges" => 10,
        _ => 0,
    }
}

fn default_title(kind: &str, round: Option<i64>) -> String {
    match (kind, round) {
        (_, Some(r)) => format!("Round {r}"),
        ("talk", _) => "Talk".into(),
        ("pledges", _) => "Pledges".into(),
        ("break", _) => "Break".into(),
        ("close", _) => "Close".into(),
        _ => "Item".into(),
    }
}

/// Checks the text fields of an item.
pub fn new_item(
    n: usize,
    kind: String,
    title: &str,
    speaker: &str,
    minutes: i64,
    round: Option<i64>,
) -> Result<NewAgendaItem, InputError> {
    if !(0..=MAX_MINUTES).contains(&minutes) {
        return Err(InputError::new(
            "bad_request",
            format!("Agenda item {n}: the time limit must be between 0 and {MAX_MINUTES} minutes."),
        ));
    }
    let title = clean_text(title, &format!("The title of agenda item {n}"), 120, false)?;
    let title = if title.is_empty() {
        default_title(&kind, round)
    } else {
        title
    };
    let speaker = clean_text(
        speaker,
        &format!("The speaker of agenda item {n}"),
        80,
        false,
    )?;
    Ok(NewAgendaItem {
        kind,
        title,
        speaker: (!speaker.is_empty()).then_some(speaker),
        minutes,
        round,
    })
}

/// The run of show a new event gets when none is given: its rounds (round 1 is open from the
/// start), pledges, close. Talks are added on the settings page.
pub fn default_agenda(rounds: usize) -> Vec<NewAgendaItem> {
    let mut items = Vec::new();
    for r in 1..=rounds as i64 {
        items.push(NewAgendaItem {
            kind: "round".into(),
            title: format!("Round {r}"),
            speaker: None,
            minutes: 20,
            round: Some(r),
        });
    }
    items.push(NewAgendaItem {
        kind: "pledges".into(),
        title: "Pledges".into(),
        speaker: None,
        minutes: 10,
        round: None,
    });
    items.push(NewAgendaItem {
        kind: "close".into(),
        title: "Close".into(),
        speaker: None,
        minutes: 5,
        round: None,
    });
    items
}

/// Checks a list of tags: trimmed, non-empty lines, no repeats, at most [`MAX_LABELS`].
pub fn parse_labels<'a>(lines: impl Iterator<Item = &'a str>) -> Result<Vec<String>, InputError> {
    let mut out: Vec<String> = Vec::new();
    for line in lines {
        let label = clean_text(line, "A tag", MAX_LABEL_CHARS, false)?;
        if label.is_empty() {
            continue;
        }
        if label.contains('\n') {
            return Err(InputError::new("bad_request", "Put one tag per line."));
        }
        if out.iter().any(|l| l.eq_ignore_ascii_case(&label)) {
            continue;
        }
        out.push(label);
    }
    if out.len() > MAX_LABELS {
        return Err(InputError::new(
            "bad_request",
            format!("An event can have at most {MAX_LABELS} tags."),
        ));
    }
    Ok(out)
}

/// The checked settings form.
#[derive(Debug, Clone)]
pub struct Settings {
    pub moderation: Moderation,
    pub labels: Vec<String>,
    /// (stored id for an existing item, the item). Items not listed are removed.
    pub agenda: Vec<(Option<i64>, NewAgendaItem)>,
}

/// One row of the settings form, unchecked. `kind` is `talk`, `round:ID`, ..., or empty.
#[derive(Debug, Clone, Default)]
pub struct AgendaRowDraft {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub speaker: String,
    pub minutes: String,
}

/// Checks the settings form. `round_numbers` maps round ids to numbers.
pub fn parse_settings(
    moderation: &str,
    labels: &str,
    rows: &[AgendaRowDraft],
    round_numbers: &[(i64, i64)],
) -> Result<Settings, InputError> {
    let moderation = Moderation::parse(moderation)?;
    let labels = parse_labels(labels.lines())?;
    let mut agenda = Vec::new();
    for row in rows {
        let kind = row.kind.trim();
        if kind.is_empty() {
            continue;
        }
        let n = agenda.len() + 1;
        let (kind, round) = if let Some(id) = kind.strip_prefix("round:") {
            let number = id
                .parse::<i64>()
                .ok()
                .and_then(|id| round_numbers.iter().find(|(rid, _)| *rid == id))
                .map(|(_, num)| *num)
                .ok_or_else(|| {
                    InputError::new(
                        "bad_request",
                        format!("Agenda item {n}: that round is not part of this event."),
                    )
                })?;
            ("round".to_string(), Some(number))
        } else if AGENDA_KINDS.contains(&kind) && kind != "round" {
            (kind.to_string(), None)
        } else {
            return Err(InputError::new(
                "bad_request",
                format!("Agenda item {n}: choose what kind of item it is."),
            ));
        };
        let minutes_text = row.minutes.trim();
        let minutes = if minutes_text.is_empty() {
            default_minutes(&kind)
        } else {
            minutes_text.parse::<i64>().map_err(|_| {
                InputError::new(
                    "bad_request",
                    format!("Agenda item {n}: the time limit must be a whole number of minutes."),
                )
            })?
        };
        let id = row.id.trim().parse::<i64>().ok();
        agenda.push((
            id,
            new_item(n, kind, &row.title, &row.speaker, minutes, round)?,
        ));
    }
    if agenda.len() > MAX_AGENDA_ITEMS {
        return Err(InputError::new(
            "bad_request",
            format!("A run of show can have at most {MAX_AGENDA_ITEMS} items."),
        ));
    }
    Ok(Settings {
        moderation,
        labels,
        agenda,
    })
}

/// Checks an announcement; empty clears it.
pub fn parse_announcement(raw: &str) -> Result<Option<String>, InputError> {
    let text = clean_text(raw, "The announcement", MAX_ANNOUNCEMENT_CHARS, false)?;
    Ok((!text.is_empty()).then_some(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_trimmed_deduplicated_and_capped() {
        let l = parse_labels(["  idea ", "", "Idea", "story"].into_iter()).unwrap();
        assert_eq!(l, vec!["idea", "story"]);
        let many: Vec<String> = (0..13).map(|i| format!("tag {i}")).collect();
        let err = parse_labels(many.iter().map(String::as_str)).unwrap_err();
        assert!(err.message.contains("at most 12"));
    }

    #[test]
    fn settings_rows_parse_and_refuse_clearly() {
        let rows = vec![
            AgendaRowDraft {
                kind: "talk".into(),
                title: "".into(),
                speaker: "Cllr Ada".into(),
                minutes: "".into(),
                ..Default::default()
            },
            AgendaRowDraft::default(),
            AgendaRowDraft {
                id: "9".into(),
                kind: "round:44".into(),
                minutes: "25".into(),
                ..Default::default()
            },
        ];
        let s = parse_settings("pre", "a\nb", &rows, &[(44, 1)]).unwrap();
        assert_eq!(s.moderation, Moderation::Pre);
        assert_eq!(s.agenda.len(), 2);
        assert_eq!(s.agenda[0].1.title, "Talk");
        assert_eq!(s.agenda[0].1.minutes, 5);
        assert_eq!(s.agenda[1], (Some(9), s.agenda[1].1.clone()));
        assert_eq!(s.agenda[1].1.round, Some(1));
        assert_eq!(s.agenda[1].1.title, "Round 1");
        let bad = vec![AgendaRowDraft {
            kind: "round:45".into(),
            ..Default::default()
        }];
        assert!(parse_settings("post", "", &bad, &[(44, 1)]).is_err());
        let bad = vec![AgendaRowDraft {
            kind: "talk".into(),
            minutes: "ten".into(),
            ..Default::default()
        }];
        let e = parse_settings("post", "", &bad, &[]).unwrap_err();
        assert!(e.message.contains("whole number"));
        assert!(parse_settings("sometimes", "", &[], &[]).is_err());
    }

    #[test]
    fn default_agenda_has_every_round() {
        let a = default_agenda(2);
        assert_eq!(a.len(), 4);
        assert_eq!(a[1].round, Some(2));
    }
}
