//! Text validators: never panic; accepted text is trimmed, within limits, and free of control
//! and bidi-override characters; a parsed code is 8 Crockford characters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roundtable::{model, security};

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
    let _ = model::parse_date(s);
    if let Some(code) = security::parse_code(s) {
        assert_eq!(code.len(), 8);
        assert_eq!(
            security::parse_code(&security::display_code(&code)),
            Some(code)
        );
    }
});
