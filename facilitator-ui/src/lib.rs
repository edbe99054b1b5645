//! Pages for organisers and facilitators: log-in and first-run set-up, the organiser's event
//! list and event form, the event page with its links, the live console, printable table
//! cards, the projected wall, and the session report.
//!
//! Pages take plain props structs (no server types), so this crate depends on maud only.
//! `console.js` and `wall.js` render live state from the websocket (see docs/protocol.md).

use maud::{DOCTYPE, Markup, PreEscaped, html};

mod account;
mod api;
mod cards;
mod console;
pub mod doc;
mod event;
mod pledges;
mod privacy;
mod report;
mod reports;
mod shell;
mod wall;

pub use account::*;
pub use api::*;
pub use cards::*;
pub use console::*;
pub use event::*;
pub use pledges::*;
pub use privacy::*;
pub use report::*;
pub use reports::*;
use shell::*;
pub use wall::*;

/// Shared stylesheet for organiser, console and cards pages.
pub const STAFF_CSS: &str = include_str!("../assets/staff.css");
/// Script for the console page.
pub const CONSOLE_JS: &str = include_str!("../assets/console.js");
/// Stylesheet for the wall.
pub const WALL_CSS: &str = include_str!("../assets/wall.css");
/// Script for the wall.
pub const WALL_JS: &str = include_str!("../assets/wall.js");
/// Script for the event form ("add a table" and "add a round" buttons).
pub const FORM_JS: &str = include_str!("../assets/form.js");

const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

/// Every asset of this crate: (content-hashed path, content type, body).
pub fn assets() -> Vec<(String, &'static str, &'static str)> {
    let css = "text/css; charset=utf-8";
    let js = "text/javascript; charset=utf-8";
    [
        ("staff", "css", css, STAFF_CSS),
        ("console", "js", js, CONSOLE_JS),
        ("wall", "css", css, WALL_CSS),
        ("form", "js", js, FORM_JS),
    ]
    .into_iter()
    .map(|(name, ext, ty, body)| (asset_path(name, ext, body), ty, body))
    .chain(
        WALL_SCRIPTS
            .iter()
            .map(move |(path, body)| (path.clone(), js, body.as_str())),
    )
    .collect()
}

/// The wall's script in each language: `wall.js` with its `var L = {};` filled with that
/// language's messages. (path, body), in `Lang::ALL` order.
static WALL_SCRIPTS: std::sync::LazyLock<Vec<(String, String)>> = std::sync::LazyLock::new(|| {
    participant_ui::Lang::ALL
        .iter()
        .map(|&lang| {
            let words =
                participant_ui::i18n::messages_js(lang, participant_ui::i18n::WALL_SCRIPT_KEYS);
            let body = WALL_JS.replacen("var L = {};", &format!("var L = {words};"), 1);
            let path = asset_path(&format!("wall-{}", lang.code()), "js", &body);
            (path, body)
        })
        .collect()
});

fn asset_path(name: &str, ext: &str, body: &str) -> String {
    format!("/assets/{name}-{:016x}.{ext}", fnv1a(body.as_bytes()))
}

/// Path of the staff stylesheet.
pub fn staff_css_path() -> String {
    asset_path("staff", "css", STAFF_CSS)
}
/// Path of the console script.
pub fn console_js_path() -> String {
    asset_path("console", "js", CONSOLE_JS)
}
/// Path of the wall stylesheet.
pub fn wall_css_path() -> String {
    asset_path("wall", "css", WALL_CSS)
}
/// Path of the wall script in `lang`.
pub fn wall_js_path(lang: participant_ui::Lang) -> String {
    WALL_SCRIPTS
        .get(lang as usize)
        .map(|(p, _)| p.clone())
        .unwrap_or_default()
}
/// Path of the event-form script.
pub fn form_js_path() -> String {
    asset_path("form", "js", FORM_JS)
}

/// A plain error page for staff.
pub struct StaffErrorPage {
    pub title: String,
    pub message: String,
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Renders an error page for staff.
pub fn error_page(page: &StaffErrorPage) -> Markup {
    let content = html! {
        main #main .narrow {
            div.error-box {
                h1 { (page.title) }
                p { (page.message) }
                div.actions {
                    a.button.primary href="/organiser" { "Back to your events" }
                }
            }
        }
    };
    staff_doc(&page.title, "page-error", Chrome::Staff, &[], content)
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVIL: &str = "<script>alert(1)</script>";

    fn console(scope_table: Option<i64>) -> ConsolePage {
        ConsolePage {
            event_title: EVIL.into(),
            code: "K7QD-2M9X".into(),
            ws_path: "/console/tok/ws".into(),
            tables: vec![
                ConsoleTable {
                    id: 11,
                    number: 1,
                    theme: "Buses".into(),
                },
                ConsoleTable {
                    id: 12,
                    number: 2,
                    theme: EVIL.into(),
                },
            ],
            rounds: vec![ConsoleRound {
                id: 5,
                number: 1,
                prompt: "Why here?".into(),
                theme_round: false,
            }],
            report_url: "/r".into(),
            cards_url: "/c".into(),
            wall_url: "/w".into(),
            scope_table,
            actor_label: "Table 2 facilitator".into(),
            activity_url: "/console/tok/activity".into(),
            labels: vec!["Campaign idea".into(), EVIL.into()],
            moderation_pre: true,
        }
    }

    #[test]
    fn lead_console_has_the_lead_controls_and_escapes_text() {
        let html = console_page(&console(None)).into_string();
        assert!(!html.contains(EVIL), "user text is escaped");
        for id in [
            "id=\"agenda-panel\"",
            "id=\"countdown\"",
            "id=\"agenda-end\"",
            "id=\"agenda-plus\"",
            "id=\"agenda-minus\"",
            "id=\"announce-text\"",
            "id=\"announce-wall\"",
            "id=\"announce-send\"",
            "id=\"announce-clear\"",
            "id=\"overview-rows\"",
            "id=\"pending-panel\"",
            "id=\"toggle-open\"",
            "id=\"close-round\"",
            "id=\"open-round-5\"",
            "id=\"transcribe-attributed\"",
            "id=\"facilitator-name\"",
            "id=\"link-activity\"",
            "data-scope-table=\"\"",
            "data-moderation=\"pre\"",
        ] {
            assert!(html.contains(id), "missing {id}");
        }
        assert!(html.contains("Table 2 facilitator"));
        assert!(html.contains("maxlength=\"200\""), "announcement is capped");
        // The moderation mode is named in the header, and pre-moderation is described truly.
        assert!(html.contains("id=\"moderation-label\""));
        assert!(html.contains(">Pre-moderation</span>"));
        assert!(html.contains("id=\"pending-hint\""));
        assert!(html.contains("appears nowhere"));
        assert!(!html.contains("appear at their table and can"));
        let post = console_page(&ConsolePage {
            moderation_pre: false,
            ..console(None)
        })
        .into_string();
        assert!(post.contains("data-moderation=\"post\""));
        assert!(post.contains(">Post-moderation</span>"));
        let pending = &post[post.find("id=\"pending-panel\"").unwrap_or(0)..];
        assert!(
            pending[..pending.find('>').unwrap_or(0)].contains(" hidden"),
            "no waiting section under post-moderation until something waits"
        );
    }

    #[test]
    fn table_console_has_no_lead_controls() {
        let html = console_page(&console(Some(12))).into_string();
        assert!(html.contains("data-scope-table=\"12\""));
        for id in [
            "id=\"toggle-open\"",
            "id=\"close-round\"",
            "id=\"announce-panel\"",
            "id=\"agenda-end\"",
            "id=\"link-wall\"",
        ] {
            assert!(!html.contains(id), "a table console has no {id}");
        }
        assert!(
            html.contains("id=\"countdown\""),
            "the clock is shown read-only"
        );
        assert!(html.contains("id=\"agenda\""));
        // Only their table can be chosen for a point made aloud.
        let form = &html[html.find("id=\"transcribe-table\"").unwrap_or(0)..];
        let form = &form[..form.find("</select>").unwrap_or(form.len())];
        assert!(form.contains("value=\"12\""));
        assert!(!form.contains("value=\"11\""));
    }

    #[test]
    fn settings_page_keeps_values_and_escapes() {
        let page = SettingsPage {
            event_title: EVIL.into(),
            action_url: "/organiser/events/1/settings".into(),
            back_url: "/organiser/events/1".into(),
            moderation_pre: true,
            labels_text: format!("Follow up\n{EVIL}"),
            agenda: vec![
                AgendaRow {
                    id: "7".into(),
                    kind: "talk".into(),
                    title: EVIL.into(),
                    speaker: "Amira \"Mo\" Khan".into(),
                    minutes: "5".into(),
                },
                AgendaRow {
                    id: "8".into(),
                    kind: "round:3".into(),
                    title: "Round 1".into(),
                    speaker: String::new(),
                    minutes: "20".into(),
                },
            ],
            round_options: vec![("round:3".into(), "Round 1: Why here?".into())],
            error: Some("Item 2: minutes must be 0 to 240.".into()),
            notice: Some("Saved.".into()),
        };
        let html = settings_page(&page).into_string();
        assert!(!html.contains(EVIL), "user text is escaped");
        for needle in [
            "id=\"settings-form\"",
            "id=\"settings-save\"",
            "role=\"alert\"",
            "Item 2: minutes must be 0 to 240.",
            "Saved.",
            "name=\"moderation\" value=\"pre\" checked",
            "name=\"labels\"",
            "name=\"agenda_id_0\" value=\"7\"",
            "name=\"agenda_kind_1\"",
            "<option value=\"round:3\" selected>",
            "<option value=\"talk\" selected>",
            "name=\"agenda_minutes_1\" type=\"number\" min=\"0\" max=\"240\"",
            "Amira &quot;Mo&quot; Khan",
            // Two blank rows follow the stored ones.
            "name=\"agenda_title_3\"",
        ] {
            assert!(html.contains(needle), "missing {needle}");
        }
        assert!(!html.contains("name=\"agenda_title_4\""));
        assert!(html.contains("href=\"/organiser/events/1\""));
    }

    #[test]
    fn activity_page_lists_entries_or_says_it_is_empty() {
        let mut page = ActivityPage {
            event_title: "Grimsby".into(),
            back_url: "/back".into(),
            entries: vec![],
        };
        let html = activity_page(&page).into_string();
        assert!(html.contains("id=\"activity-empty\""));
        page.entries.push(ActivityEntry {
            at: "19:42:05".into(),
            actor: format!("Lead facilitator ({EVIL})"),
            action: "hid (off-topic)".into(),
            comment_id: Some(12),
            table_number: Some(3),
        });
        let html = activity_page(&page).into_string();
        assert!(!html.contains(EVIL));
        assert!(html.contains("id=\"activity\""));
        assert!(html.contains("19:42:05"));
        assert!(html.contains("#12"));
        assert!(html.contains("hid (off-topic)"));
    }

    #[test]
    fn event_page_links_settings_and_table_consoles() {
        let page = EventPage {
            title: "T".into(),
            place: "P".into(),
            date: "2026-12-05".into(),
            description: String::new(),
            open: true,
            code: "K7QD-2M9X".into(),
            console_url: "http://h/console/a".into(),
            wall_url: "http://h/wall/b".into(),
            report_url: "http://h/r".into(),
            cards_url: "http://h/c".into(),
            settings_url: "/organiser/events/1/settings".into(),
            table_console_links: vec![
                (1, "Buses".into(), "http://h/console/t1".into()),
                (2, EVIL.into(), "http://h/console/t2".into()),
            ],
            moderation_pre: false,
            rotate_url: "/organiser/events/1/rotate".into(),
            walls: vec![],
            add_wall_url: "/organiser/events/1/walls".into(),
            notice: None,
            reports: Default::default(),
        };
        let html = event_page(&page).into_string();
        assert!(!html.contains(EVIL));
        for needle in [
            "id=\"link-settings\"",
            "id=\"link-table-console-1\"",
            "id=\"link-table-console-2\"",
            "href=\"http://h/console/t2\"",
            "name=\"which\" value=\"tables\"",
            "Make new table facilitator links",
            "Post-moderation",
        ] {
            assert!(html.contains(needle), "missing {needle}");
        }
    }

    #[test]
    fn wall_has_agenda_and_announcement_slots() {
        let html = wall_page(&WallPage {
            lang: participant_ui::Lang::En,
            event_title: EVIL.into(),
            code: "K7QD-2M9X".into(),
            landing_url: "http://h/".into(),
            qr_svg_url: "/qr.svg".into(),
            ws_path: "/wall/x/ws".into(),
        })
        .into_string();
        assert!(!html.contains(EVIL));
        for id in [
            "id=\"wall-agenda\"",
            "id=\"wall-countdown\"",
            "id=\"wall-announcement\"",
            "id=\"wall-announcement-text\"",
        ] {
            assert!(html.contains(id), "missing {id}");
        }
    }

    #[test]
    fn report_escapes_text_embeds_images_and_has_no_scripts() {
        use crate::doc::{Block, Card, Doc, Image, Reply, Section};
        let doc = Doc {
            title: EVIL.into(),
            kind: "Local campaign pack".into(),
            lines: vec!["Grimsby · 2026-12-05".into()],
            notice: Some("Keep it within the team.".into()),
            sections: vec![
                Section {
                    id: "at-a-glance".into(),
                    title: "At a glance".into(),
                    new_page: false,
                    blocks: vec![
                        Block::Figures(vec![("Comments".into(), "3".into())]),
                        Block::Table {
                            head: vec!["Table".into()],
                            rows: vec![vec![EVIL.into()]],
                        },
                    ],
                },
                Section {
                    id: "table-1".into(),
                    title: "Table 1: Buses".into(),
                    new_page: true,
                    blocks: vec![
                        Block::Card(Card {
                            text: "Sunday buses".into(),
                            marks: vec!["★ Starred".into(), "On the wall".into()],
                            meta: vec!["4 agree".into(), format!("#{EVIL}")],
                            flag: Some("Looks like it holds a phone number.".into()),
                            replies: vec![Reply {
                                text: EVIL.into(),
                                ..Reply::default()
                            }],
                        }),
                        Block::Image(Image {
                            jpeg: std::sync::Arc::from(vec![0u8, 0, 0]),
                            width: 10,
                            height: 5,
                            caption: "Flipchart <b>".into(),
                        }),
                    ],
                },
            ],
        };
        let html = report_page(&ReportView {
            doc: &doc,
            downloads: vec![Download {
                label: "PDF".into(),
                href: "?format=pdf".into(),
            }],
            downloads_label: "Download".into(),
        })
        .into_string();
        assert!(!html.contains(EVIL), "user text is escaped");
        assert!(!html.contains("<script"), "no scripts");
        assert!(!html.contains("src=\"http"), "nothing from other hosts");
        assert!(html.contains("src=\"data:image/jpeg;base64,AAAA\""));
        assert!(html.contains("Flipchart &lt;b&gt;"));
        assert!(html.contains("class=\"comment card highlighted starred\""));
        assert!(html.contains("<a href=\"#table-1\">"), "contents list");
        assert!(html.contains("class=\"new-page\" id=\"table-1\""));
        assert!(html.contains("class=\"flag\""));
        assert!(html.contains("href=\"?format=pdf\""));
    }

    #[test]
    fn assets_are_content_hashed() {
        let paths: Vec<String> = assets().into_iter().map(|(p, _, _)| p).collect();
        assert_eq!(
            paths.len(),
            6,
            "staff, console, wall css, form, wall js in 2 languages"
        );
        assert!(paths.contains(&console_js_path()));
        for lang in participant_ui::Lang::ALL {
            assert!(paths.contains(&wall_js_path(lang)));
        }
    }
}
