//! The websocket command parser and the checks a post goes through: never panics, and what
//! it accepts obeys the documented limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roundtable::hub::protocol::ClientCommand;
use roundtable::model;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(cmd) = serde_json::from_str::<ClientCommand>(text) else {
        return;
    };
    if let Some(r) = cmd.reference() {
        assert!(r.chars().count() <= 64);
    }
    if let ClientCommand::Post {
        client_id,
        text,
        name,
        ..
    } = cmd
    {
        if let Ok(id) = model::parse_client_id(&client_id) {
            assert!((8..=64).contains(&id.len()));
        }
        if let Ok(t) = model::parse_comment(&text) {
            assert!(!t.is_empty() && t.chars().count() <= model::MAX_COMMENT_CHARS);
        }
        if let Ok(Some(n)) = model::parse_name(name.as_deref().unwrap_or("")) {
            assert!(n.chars().count() <= model::MAX_NAME_CHARS && !n.contains('\n'));
        }
    }
});
