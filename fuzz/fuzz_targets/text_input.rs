//! Text validators (comments, names, dates, codes, tags, announcements, agenda rows): never
//! panic; accepted text is trimmed, within limits, and free of control
//! and bidi-override characters; a parsed code is 8 Crockford characters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roundtable::{agenda, model, security};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(t) = model::parse_comment(s) {
        assert_eq!(t.trim(), t);
        assert!(!t.is_empty() && t.chars().count() <= model::MAX_COMMENT_CHARS);
        assert!(
            !t.chars().any(|c| (c.is_control() && c != '\n' && c != '\t')
                || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'))
        );
        // Checking again changes nothing.
        assert_eq!(model::parse_comment(&t).as_deref(), Ok(t.as_str()));
    }
    let _ = model::parse_name(s);
    // Settings: tags one per line, an announcement, an agenda row split on '|'.
    if let Ok(labels) = agenda::parse_labels(s.lines()) {
        assert!(labels.len() <= agenda::MAX_LABELS);
        assert!(labels.iter().all(|l| !l.is_empty() && !l.contains('\n')));
    }
    if let Ok(Some(a)) = agenda::parse_announcement(s) {
        assert!(a.chars().count() <= agenda::MAX_ANNOUNCEMENT_CHARS);
    }
    let mut parts = s.splitn(5, '|').map(str::to_string);
    let row = agenda::AgendaRowDraft {
        id: parts.next().unwrap_or_default(),
        kind: parts.next().unwrap_or_default(),
        title: parts.next().unwrap_or_default(),
        speaker: parts.next().unwrap_or_default(),
        minutes: parts.next().unwrap_or_default(),
    };
    if let Ok(settings) = agenda::parse_settings("post", "", &[row], &[(1, 1)]) {
        for (_, item) in &settings.agenda {
            assert!((0..=agenda::MAX_MINUTES).contains(&item.minutes));
            assert!(!item.title.is_empty());
        }
    }
    let _ = model::parse_date(s);
    if let Some(code) = security::parse_code(s) {
        assert_eq!(code.len(), 8);
        assert_eq!(
            security::parse_code(&security::display_code(&code)),
            Some(code)
        );
    }
});
