//! The wire types of docs/protocol.md: what clients send and how server messages are written.
//! Server messages are serialised once per audience variant, never per subscriber.

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::model::{Comment, EventState, Round};
use crate::storage::{Item, Numbered};

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
            | ClientCommand::SetOpen { reference, .. } => reference.as_ref(),
        };
        r.map(|s| s.chars().take(64).collect())
    }
}

/// `{"type":"comment",...}` for a change to a comment.
pub fn comment_msg(seq: i64, change: &str, comment: &Comment) -> String {
    json!({"type": "comment", "seq": seq, "change": change, "comment": comment}).to_string()
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
pub fn event_msg(seq: i64, change: &str, open: bool) -> String {
    json!({"type": "event", "seq": seq, "change": change, "open": open}).to_string()
}

/// `{"type":"snapshot",...}` with the comments the role may see.
pub fn snapshot_msg(state: &EventState, comments: &[Comment]) -> String {
    json!({
        "type": "snapshot",
        "seq": state.seq,
        "state": {
            "event": state.event,
            "rounds": state.rounds,
            "tables": state.tables,
            "comments": comments,
        }
    })
    .to_string()
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

/// The keep-alive message.
pub const PING: &str = r#"{"type":"ping"}"#;

/// Serialises a numbered change for the full audience (console).
pub fn full_msg(n: &Numbered) -> String {
    match &n.item {
        Item::Comment(c) => comment_msg(n.seq, &n.kind, c),
        Item::Round(r) => round_msg(n.seq, &n.kind, r),
        Item::Event { open } => event_msg(n.seq, &n.kind, *open),
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
        };
        let v: serde_json::Value = serde_json::from_str(&comment_msg(5, "posted", &c)).unwrap();
        assert_eq!(v["type"], "comment");
        assert_eq!(v["seq"], 5);
        assert_eq!(v["change"], "posted");
        assert_eq!(v["comment"]["source"], "attendee");
        assert_eq!(v["comment"]["table_number"], 3);
        assert_eq!(v["comment"]["name"], serde_json::Value::Null);
    }
}
