//! The phone's words in English and Welsh, from the Fluent files in `i18n/` (one message per
//! line, `key = text`, `{ $name }` placeables). Another language is another file and a
//! [`Lang`] variant. A word missing from a language falls back to English (and a test fails).

use std::collections::HashMap;
use std::sync::LazyLock;

/// A language the phone pages speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Lang {
    #[default]
    En,
    Cy,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Cy];

    /// The BCP 47 code (`lang` attribute, cookie value, URLs).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Cy => "cy",
        }
    }

    pub fn parse(code: &str) -> Option<Lang> {
        match code.trim() {
            "en" => Some(Lang::En),
            "cy" => Some(Lang::Cy),
            _ => None,
        }
    }

    /// The language the switch offers from this one.
    pub fn other(self) -> Lang {
        match self {
            Lang::En => Lang::Cy,
            Lang::Cy => Lang::En,
        }
    }

    /// The Fluent source of this language.
    pub fn source(self) -> &'static str {
        match self {
            Lang::En => EN_FTL,
            Lang::Cy => CY_FTL,
        }
    }
}

pub const EN_FTL: &str = include_str!("../i18n/en.ftl");
pub const CY_FTL: &str = include_str!("../i18n/cy.ftl");

/// The messages of a Fluent file, in file order: `key = value` lines; comments and blank
/// lines skipped.
pub fn messages(src: &'static str) -> Vec<(&'static str, &'static str)> {
    src.lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once(" = ").or_else(|| l.split_once('=')))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

type Table = HashMap<&'static str, &'static str>;

static TABLES: LazyLock<[Table; 2]> = LazyLock::new(|| {
    [
        messages(EN_FTL).into_iter().collect(),
        messages(CY_FTL).into_iter().collect(),
    ]
});

fn table(lang: Lang) -> &'static Table {
    &TABLES[lang as usize]
}

/// A message in `lang` (English when missing there; the key itself when missing everywhere).
pub fn t(lang: Lang, key: &'static str) -> &'static str {
    table(lang)
        .get(key)
        .or_else(|| table(Lang::En).get(key))
        .copied()
        .unwrap_or(key)
}

/// A message with its placeables filled: `args` are (name, value) for `{ $name }`.
pub fn tv(lang: Lang, key: &'static str, args: &[(&str, &str)]) -> String {
    let mut s = t(lang, key).to_string();
    for (name, value) in args {
        s = s.replace(&format!("{{ ${name} }}"), value);
    }
    s
}

/// A count message: `{key}-one` for 1, else `{key}-many`.
pub fn count(lang: Lang, one: &'static str, many: &'static str, n: i64) -> String {
    if n == 1 {
        tv(lang, one, &[("n", "1")])
    } else {
        tv(lang, many, &[("n", &n.to_string())])
    }
}

/// A server sentence (written in English) in `lang`: found by its English words among the
/// messages; left as it is when it has no translation (a sentence with numbers in it).
pub fn translate(lang: Lang, english: &str) -> String {
    if lang == Lang::En {
        return english.to_string();
    }
    static BY_TEXT: LazyLock<HashMap<&'static str, &'static str>> =
        LazyLock::new(|| messages(EN_FTL).into_iter().map(|(k, v)| (v, k)).collect());
    match BY_TEXT.get(english.trim()) {
        Some(key) => t(lang, key).to_string(),
        None => english.to_string(),
    }
}

/// `phone.js` in `lang`: every `T('key'` becomes `T(i` and `var L = {};` the array of the
/// messages in [`SCRIPT_KEYS`] order (a message left out is `""`, which the script treats as
/// "no translation"). Readable source, small download: keys cost nothing on the wire.
///
/// In English the `code-*` refusals are left out: the server's own sentence, which the
/// script shows when it has no translation, is already the English one (every byte of the
/// first visit counts).
pub fn compact_script(js: &str, lang: Lang) -> String {
    let included = |k: &str| lang != Lang::En || !k.starts_with("code-");
    let mut out = js.to_string();
    let mut words = String::from("[");
    for (i, key) in SCRIPT_KEYS.iter().enumerate() {
        out = out.replace(&format!("T('{key}'"), &format!("T({i}"));
        if i > 0 {
            words.push(',');
        }
        words.push_str(&js_string(if included(key) { t(lang, key) } else { "" }));
    }
    words.push(']');
    out.replacen("var L = {};", &format!("var L = {words};"), 1)
}

/// A JavaScript string literal of a message (`{ $n }` becomes `{n}`); safe inside a script.
fn js_string(value: &str) -> String {
    let mut out = String::from("\"");
    for c in value.replace("{ $", "{").replace(" }", "}").chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '<' => out.push_str("\\u003c"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Some messages as a JavaScript object literal (`{ $n }` becomes `{n}`).
pub fn messages_js(lang: Lang, keys: &[&'static str]) -> String {
    let pairs: Vec<String> = keys
        .iter()
        .map(|key| format!("\"{key}\":{}", js_string(t(lang, key))))
        .collect();
    format!("{{{}}}", pairs.join(","))
}

/// Every key the wall's script reads (with `T('key')`).
pub const WALL_SCRIPT_KEYS: &[&str] = &[
    "table-n",
    "round-n",
    "wall-connecting",
    "wall-live",
    "wall-reconnecting",
    "wall-trouble",
    "wall-theme-round",
    "wall-talk",
    "wall-break",
    "wall-close",
    "wall-pledges",
    "wall-whole-room",
    "wall-image-table",
    "wall-image-room",
    "wall-empty",
    "wall-tables-range",
    "wall-range",
    "wall-more",
    "wall-choose-table",
    "wall-nothing-table",
    "wall-people-one",
    "wall-people-many",
    "wall-comments-one",
    "wall-comments-many",
    "wall-pledged-one",
    "wall-pledged-many",
];

/// Every key `phone.js` reads (with `T('key')`).
pub const SCRIPT_KEYS: &[&str] = &[
    "present-one",
    "present-many",
    "times-up",
    "still-post",
    "live",
    "reconnecting",
    "agree",
    "you-agreed",
    "reply",
    "tag-waiting",
    "tag-facilitator",
    "tag-wall",
    "table-n",
    "round-n",
    "your-theme",
    "hint",
    "hint-pre",
    "hint-post",
    "closed-round",
    "closed-event",
    "replying-to",
    "cancel-reply",
    "your-reply",
    "your-comment",
    "sent",
    "write-now",
    "turned-down",
    "round-closed-before",
    "the-round",
    "post-current",
    "not-sent",
    "sending",
    "http-404",
    "http-413",
    "http-422",
    "new-comment",
    "new-comments",
    "waiting-send",
    "try-again",
    "remove",
    "posting-quickly",
    "posting-quickly-s",
    "did-not-work",
    "kept-on-phone",
    "chars-left",
    "outbox-label",
    "copy-or-later",
    "too-many-chars",
    "comment-empty",
    "comment-too-long",
    "agree-failed",
    "agree-offline",
    "code-round_closed",
    "code-event_closed",
    "code-empty",
    "code-too_long",
    "code-bad_characters",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(lang: Lang) -> Vec<&'static str> {
        messages(lang.source())
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    }

    fn placeables(s: &str) -> Vec<&str> {
        let mut v: Vec<&str> = s
            .match_indices("{ $")
            .filter_map(|(i, _)| s[i..].find(" }").map(|j| &s[i..i + j + 2]))
            .collect();
        v.sort_unstable();
        v
    }

    #[test]
    fn every_language_has_every_message_and_no_other() {
        let en = keys(Lang::En);
        for lang in Lang::ALL {
            let other = keys(lang);
            for k in &en {
                assert!(other.contains(k), "{k} is missing from {}.ftl", lang.code());
            }
            for k in &other {
                assert!(
                    en.contains(k),
                    "{k} in {}.ftl is not in en.ftl",
                    lang.code()
                );
            }
            let mut sorted = other.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(
                sorted.len(),
                other.len(),
                "a key is repeated in {}.ftl",
                lang.code()
            );
            for (k, v) in messages(lang.source()) {
                assert!(!v.is_empty(), "{k} is empty in {}.ftl", lang.code());
                assert_eq!(
                    placeables(v),
                    placeables(t(Lang::En, k)),
                    "{k} in {}.ftl must use the same {{ $name }}s as English",
                    lang.code()
                );
            }
        }
    }

    #[test]
    fn the_script_reads_only_known_messages() {
        let en = keys(Lang::En);
        for k in SCRIPT_KEYS.iter().chain(WALL_SCRIPT_KEYS) {
            assert!(en.contains(k), "a script reads {k}, which en.ftl lacks");
        }
        let js = crate::PHONE_JS;
        let mut rest = js;
        while let Some(i) = rest.find("T('") {
            let after = &rest[i + 3..];
            let key = after.split('\'').next().unwrap_or_default();
            assert!(
                SCRIPT_KEYS.contains(&key),
                "phone.js reads T('{key}'), not in SCRIPT_KEYS"
            );
            rest = after;
        }
    }

    #[test]
    fn lookups_fill_placeables_and_translate_server_sentences() {
        assert_eq!(tv(Lang::En, "table-n", &[("n", "3")]), "Table 3");
        assert_eq!(
            count(Lang::En, "present-one", "present-many", 1),
            "1 person at this table"
        );
        assert_eq!(t(Lang::En, "no-such-key"), "no-such-key");
        let sentence = t(Lang::En, "msg-bad-code");
        assert_eq!(translate(Lang::En, sentence), sentence);
        assert_eq!(translate(Lang::Cy, sentence), t(Lang::Cy, "msg-bad-code"));
        assert_eq!(translate(Lang::Cy, "Wait 7 seconds"), "Wait 7 seconds");
        let js = messages_js(Lang::En, SCRIPT_KEYS);
        assert!(js.contains("\"table-n\":\"Table {n}\""));
        for lang in Lang::ALL {
            let compact = compact_script(crate::PHONE_JS, lang);
            assert!(!compact.contains("T('"), "every T('key') is numbered");
            assert!(!compact.contains("var L = {};"));
            let i = SCRIPT_KEYS
                .iter()
                .position(|k| *k == "table-n")
                .unwrap_or(0);
            assert!(compact.contains(&format!("T({i}, {{ n: tableNo }})")));
            assert!(compact.contains(&js_string(t(lang, "table-n"))));
        }
        let en = compact_script(crate::PHONE_JS, Lang::En);
        assert!(
            !en.contains(t(Lang::En, "code-round_closed")),
            "the server's English is enough"
        );
    }
}
