//! The wire types of docs/protocol.md: what clients send and how server messages are written.
//! Server messages are serialised once per audience variant, never per subscriber.

use serde::{Deserialize, Serialize};
use serde_json::json;

use std::collections::HashMap;

use crate::agenda::{Agenda, Announcement, Moderation};
use crate::model::{Comment, EventState, Round, now_ms};
use crate::storage::{Item, Numbered, TableStats};

/// A command from a client. Unknown fields are ignored; unknown types fail to parse.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientCommand {
    Post {
        client_id: String,
        text: String,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        table_id: Option<i64>,
        /// Number of the round the words were written for.
        #[serde(default)]
        round: Option<i64>,
        /// The comment this answers.
        #[serde(default)]
        reply_to: Option<i64>,
        /// Console: sign a spoken point "Someone at the table".
        #[serde(default)]
        attributed: bool,
        #[serde(default, rename = "ref")]
        reference: Option<String>,
    },
    Agree {
        comment_id: i64,
        #[serde(default, rename = "ref")]
        reference: Option<String>,
    },
    Highlight {
        comment_id: i64,
        on: bool,
        #[serde(default, rename = "ref")]
        reference: Option<String>,
    },
    Hide {
        comment_id: i64,
        on: bool,
        #[serde(default)]
        reason: Option<String>,
        #[serde(default, rename = "ref")]
        reference: Option<String>,
    },
    OpenRound {
        round_id: i64,
        #[serde(default, rename = "ref")]
        reference: Option<String>,
    },
    CloseRound {
        #[serde(default, rename = "ref")]
        reference: Option<String>,
    },
    SetOpen {
        open: bool,
        #[serde(default, rename = "ref")]
        reference: Option<String>,
    },
    Approve {
        comment_id: i64,
        #[serde(default, rename = "ref")]
        reference: Option<String>,
    },
    Merge {
        comment_id: i64,
        into: i64,
        #[serde(default, rename = "ref")]
        reference: Option<String>,
    },
    Unmerge {
        comment_id: i64,
        #[serde(default, rename = "ref")]
        reference: Option<String>,
    },
    Tag {
        comment_id: i64,
        label: String,
        on: bool,
        #[serde(default, rename = "ref")]
        reference: Option<String>,
    },
    Star {
        comment_id: i64,
        on: bool,
        #[serde(default, rename = "ref")]
        reference: Option<String>,
    },
    Edit {
        comment_id: i64,
        text: String,
        #[serde(default, rename = "ref")]
        reference: Option<String>,
    },
    AgendaStart {
        item_id: i64,
        #[serde(default, rename = "ref")]
        reference: Option<String>,
    },
    AgendaEnd {
        #[serde(default, rename = "ref")]
        reference: Option<String>,
    },
    AgendaExtend {
        seconds: i64,
        #[serde(default, rename = "ref")]
        reference: Option<String>,
    },
    Announce {
        text: String,
        #[serde(default)]
        wall: bool,
        #[serde(default, rename = "ref")]
        reference: Option<String>,
    },
    ImageShow {
        image_id: i64,
        on: bool,
        #[serde(default, rename = "ref")]
        reference: Option<String>,
    },
    ImageHide {
        image_id: i64,
        on: bool,
        #[serde(default, rename = "ref")]
        reference: Option<String>,
    },
    WallSet {
        wall_id: i64,
        #[serde(flatten)]
        update: crate::walls::WallUpdate,
        #[serde(default, rename = "ref")]
        reference: Option<String>,
    },
}

impl ClientCommand {
    /// The `ref` the reply should echo (at most 64 characters are kept).
    pub fn reference(&self) -> Option<String> {
        let r = match self {
            ClientCommand::Post { reference, .. }
            | ClientCommand::Agree { reference, .. }
            | ClientCommand::Highlight { reference, .. }
            | ClientCommand::Hide { reference, .. }
            | ClientCommand::OpenRound { reference, .. }
            | ClientCommand::CloseRound { reference }
            | ClientCommand::SetOpen { reference, .. }
            | ClientCommand::Approve { reference, .. }
            | ClientCommand::Merge { reference, .. }
            | ClientCommand::Unmerge { reference, .. }
            | ClientCommand::Tag { reference, .. }
            | ClientCommand::Star { reference, .. }
            | ClientCommand::Edit { reference, .. }
            | ClientCommand::AgendaStart { reference, .. }
            | ClientCommand::AgendaEnd { reference }
            | ClientCommand::AgendaExtend { reference, .. }
            | ClientCommand::Announce { reference, .. }
            | ClientCommand::WallSet { reference, .. }
            | ClientCommand::ImageShow { reference, .. }
            | ClientCommand::ImageHide { reference, .. } => reference.as_ref(),
        };
        r.map(|s| s.chars().take(64).collect())
    }
}

/// `{"type":"comment",...}` for a change to a comment.
pub fn comment_msg(seq: i64, change: &str, comment: &Comment) -> String {
    json!({"type": "comment", "seq": seq, "change": change, "comment": comment}).to_string()
}

/// The same for phones and walls: without the console-only fields.
pub fn public_comment_msg(seq: i64, change: &str, comment: &Comment) -> String {
    json!({"type": "comment", "seq": seq, "change": change, "comment": comment.public()})
        .to_string()
}

/// `{"type":"agenda",...}` with the server clock.
pub fn agenda_msg(seq: i64, change: &str, agenda: &Agenda) -> String {
    json!({"type": "agenda", "seq": seq, "change": change, "agenda": agenda, "now": now_ms()})
        .to_string()
}

/// `{"type":"announcement",...}`; `None` clears.
pub fn announcement_msg(seq: i64, a: Option<&Announcement>) -> String {
    json!({"type": "announcement", "seq": seq, "announcement": a}).to_string()
}

/// Presence as a JSON object keyed by table id.
fn presence_json(presence: &HashMap<i64, i64>) -> serde_json::Value {
    let map: serde_json::Map<String, serde_json::Value> = presence
        .iter()
        .map(|(t, n)| (t.to_string(), json!(n)))
        .collect();
    serde_json::Value::Object(map)
}

/// `{"type":"presence",...}` (not numbered), with how many comments are shown and how many
/// people have pledged (a count only: the wall shows it).
pub fn presence_msg(presence: &HashMap<i64, i64>, shown: i64, pledged: i64) -> String {
    json!({"type": "presence", "tables": presence_json(presence), "comments": shown, "pledged": pledged, "now": now_ms()})
        .to_string()
}

/// `{"type":"image",...}`: an image's state (its bytes are at `…/images/{id}` under the
/// page's own link).
pub fn image_msg(seq: i64, change: &str, image: &crate::images::ImageMeta) -> String {
    json!({"type": "image", "seq": seq, "change": change, "image": image}).to_string()
}

/// `{"type":"image_removed",...}`: a wall drops an image.
pub fn image_removed_msg(seq: i64, id: i64) -> String {
    json!({"type": "image_removed", "seq": seq, "id": id}).to_string()
}

/// `{"type":"walls",...}`.
pub fn walls_msg(seq: i64, change: &str, walls: &[crate::walls::Wall]) -> String {
    json!({"type": "walls", "seq": seq, "change": change, "walls": walls}).to_string()
}

/// `{"type":"overview",...}` for consoles (not numbered).
pub fn overview_msg(
    round_id: Option<i64>,
    stats: &[TableStats],
    presence: &HashMap<i64, i64>,
) -> String {
    let tables: Vec<_> = stats
        .iter()
        .map(|s| {
            json!({
                "table_id": s.table_id,
                "present": presence.get(&s.table_id).copied().unwrap_or(0),
                "comments": s.comments,
                "contributors": s.contributors,
                "top_two_share": s.top_two_share,
                "last_post_at": s.last_post_at,
                "pending": s.pending,
            })
        })
        .collect();
    json!({"type": "overview", "round_id": round_id, "now": now_ms(), "tables": tables}).to_string()
}

/// The keep-alive message, with the server clock.
pub fn ping_msg() -> String {
    json!({"type": "ping", "now": now_ms()}).to_string()
}

/// `{"type":"comment_removed",...}`.
pub fn removed_msg(seq: i64, id: i64) -> String {
    json!({"type": "comment_removed", "seq": seq, "id": id}).to_string()
}

/// `{"type":"round",...}`.
pub fn round_msg(seq: i64, change: &str, round: &Round) -> String {
    json!({"type": "round", "seq": seq, "change": change, "round": round}).to_string()
}

/// `{"type":"event",...}`.
pub fn event_msg(
    seq: i64,
    change: &str,
    open: bool,
    moderation: Moderation,
    labels: &[String],
) -> String {
    json!({"type": "event", "seq": seq, "change": change, "open": open, "moderation": moderation, "labels": labels})
        .to_string()
}

/// `{"type":"snapshot",...}` with the comments the role may see (consoles get every field,
/// phones and walls the public ones).
pub fn snapshot_msg(
    state: &EventState,
    comments: &[Comment],
    presence: &HashMap<i64, i64>,
    role: &super::Role,
) -> String {
    let announcement = state
        .announcement
        .as_ref()
        .filter(|a| !matches!(role, super::Role::Wall { .. }) || a.wall);
    let mut inner = json!({
        "event": state.event,
        "rounds": state.rounds,
        "tables": state.tables,
        "agenda": state.agenda,
        "announcement": announcement,
        "presence": presence_json(presence),
        "now": now_ms(),
    });
    if role.is_staff_screen() {
        inner["walls"] = json!(state.walls);
        let images: Vec<_> = state
            .images
            .iter()
            .filter(|i| match role {
                super::Role::Wall { .. } => i.on_show(),
                super::Role::Console { table_id: Some(t) } => i.table_id == Some(*t),
                _ => true,
            })
            .collect();
        inner["images"] = json!(images);
    }
    if let super::Role::Wall { wall_id } = role {
        inner["wall_id"] = json!(wall_id);
    }
    if let super::Role::Console { table_id: table } = role {
        inner["comments"] = json!(comments);
        inner["scope"] = json!({"table_id": table});
        inner["labels"] = json!(state.event.labels);
        inner["moderation"] = json!(state.event.moderation);
    } else {
        let public: Vec<_> = comments.iter().map(Comment::public).collect();
        inner["comments"] = json!(public);
    }
    json!({"type": "snapshot", "seq": state.seq, "state": inner}).to_string()
}

/// `{"type":"caught_up","seq":N}`.
pub fn caught_up_msg(seq: i64) -> String {
    json!({"type": "caught_up", "seq": seq}).to_string()
}

/// Reply to a command that worked.
#[derive(Debug, Serialize)]
pub struct Ack {
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment_id: Option<i64>,
}

/// Reply to a command that was refused.
pub fn error_msg(reference: Option<String>, code: &str, message: &str) -> String {
    json!({"type": "error", "ref": reference, "code": code, "message": message}).to_string()
}

/// Serialises a numbered change for the full audience (console).
pub fn full_msg(n: &Numbered) -> String {
    match &n.item {
        Item::Comment(c) => comment_msg(n.seq, &n.kind, c),
        Item::Round(r) => round_msg(n.seq, &n.kind, r),
        Item::Event {
            open,
            moderation,
            labels,
        } => event_msg(n.seq, &n.kind, *open, *moderation, labels),
        Item::Agenda(a) => agenda_msg(n.seq, &n.kind, a),
        Item::Announcement(a) => announcement_msg(n.seq, a.as_ref()),
        Item::Walls(w) => walls_msg(n.seq, &n.kind, w),
        Item::Image(m) => image_msg(n.seq, &n.kind, m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Source;

    #[test]
    fn commands_parse() {
        let c: ClientCommand = serde_json::from_str(
            r#"{"type":"post","client_id":"abcdefgh12","text":"hi","ref":"r1"}"#,
        )
        .unwrap();
        assert!(matches!(c, ClientCommand::Post { .. }));
        assert_eq!(c.reference().as_deref(), Some("r1"));
        assert!(serde_json::from_str::<ClientCommand>(r#"{"type":"nuke"}"#).is_err());
        assert!(serde_json::from_str::<ClientCommand>(r#"{"type":"agree"}"#).is_err());
        let c: ClientCommand = serde_json::from_str(r#"{"type":"close_round"}"#).unwrap();
        assert!(matches!(c, ClientCommand::CloseRound { .. }));
        let c: ClientCommand = serde_json::from_str(
            r#"{"type":"wall_set","wall_id":3,"layout":"focus","table_id":null,"ref":"w"}"#,
        )
        .unwrap();
        let ClientCommand::WallSet { update, .. } = &c else {
            panic!("not a wall_set: {c:?}");
        };
        assert_eq!(update.layout.as_deref(), Some("focus"));
        assert_eq!(update.table_id, Some(None));
        assert_eq!(c.reference().as_deref(), Some("w"));
    }

    #[test]
    fn comment_shape() {
        let c = Comment {
            id: 7,
            table_id: 2,
            table_number: 3,
            round_id: 1,
            text: "Buses".into(),
            name: None,
            source: Source::Attendee,
            agrees: 0,
            highlighted: false,
            highlighted_at: None,
            hidden: false,
            created_at: 1,
            approved: true,
            reply_to: None,
            edited: false,
            merged_count: 0,
            hidden_reason: Some("why".into()),
            merged_into: None,
            starred: true,
            tags: vec![],
            original: None,
            author: Some("device".into()),
            deleted: false,
        };
        let v: serde_json::Value = serde_json::from_str(&comment_msg(5, "posted", &c)).unwrap();
        assert_eq!(v["type"], "comment");
        assert_eq!(v["seq"], 5);
        assert_eq!(v["change"], "posted");
        assert_eq!(v["comment"]["source"], "attendee");
        assert_eq!(v["comment"]["table_number"], 3);
        assert_eq!(v["comment"]["name"], serde_json::Value::Null);
        assert_eq!(v["comment"]["hidden_reason"], "why");
        assert!(v["comment"].get("author").is_none());
        let p: serde_json::Value =
            serde_json::from_str(&public_comment_msg(5, "posted", &c)).unwrap();
        assert!(p["comment"].get("hidden_reason").is_none());
        assert!(p["comment"].get("starred").is_none());
        assert_eq!(p["comment"]["text"], "Buses");
    }
}
