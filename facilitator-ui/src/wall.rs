//! The projected wall.

use super::*;

/// The projected wall. Content comes from the websocket `snapshot`.
pub struct WallPage {
    /// The event's language.
    pub lang: participant_ui::Lang,
    pub event_title: String,
    pub code: String,
    pub landing_url: String,
    /// QR of the landing link with the code filled in.
    pub qr_svg_url: String,
    pub ws_path: String,
}

/// The wall's layouts (`Wall.layout` in docs/protocol.md), in the order the console offers them.
pub const WALL_LAYOUTS: [(&str, &str); 5] = [
    ("columns", "Columns (one per table)"),
    ("spotlight", "Spotlight (one at a time)"),
    ("mosaic", "Mosaic"),
    ("focus", "Focus on one table"),
    ("join", "Join screen (QR code)"),
];

/// Renders the wall. `wall.js` sets `data-layout` and `data-theme` on `<main>` (and the theme on
/// `<html>`) from the wall's settings; until the snapshot arrives it shows the dark columns.
pub fn wall_page(page: &WallPage) -> Markup {
    let l = page.lang;
    let t = |key: &'static str| participant_ui::i18n::t(l, key);
    html! {
        (DOCTYPE)
        html lang=(if l == participant_ui::Lang::Cy { "cy" } else { "en-GB" }) data-theme="dark" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="same-origin";
                title { (t("wall-title")) ": " (page.event_title) " · Roundtable" }
                link rel="icon" href="data:,";
                link rel="stylesheet" href=(wall_css_path());
                script src=(wall_js_path(l)) defer {}
            }
            body.wall-body {
                main #main .wall data-ws=(page.ws_path) data-code=(page.code)
                    data-layout="columns" data-theme="dark" {
                    header.wall-head {
                        div.wall-titles {
                            div.wall-title-row {
                                h1 #wall-title { bdi { (page.event_title) } }
                                p #wall-counts .wall-counts aria-live="off" hidden {}
                            }
                            div #wall-agenda .wall-agenda hidden {
                                p.wall-agenda-text {
                                    span #wall-agenda-title .wall-agenda-title {}
                                    span #wall-agenda-speaker .wall-agenda-speaker {}
                                }
                                p #wall-countdown .wall-countdown data-state="" {}
                            }
                            div #wall-round .wall-round hidden {
                                p #wall-round-label .wall-round-label {}
                                p #wall-prompt .wall-prompt {}
                            }
                        }
                        aside #wall-join .wall-join aria-label=(t("wall-join-label")) {
                            img.wall-qr src=(page.qr_svg_url) alt=(t("wall-qr-alt"))
                                width="400" height="400";
                            div.wall-join-text {
                                p.wall-join-lead { (t("wall-join-lead")) }
                                p.wall-landing { (page.landing_url) }
                                p.wall-join-and { (t("wall-and-type")) }
                                p.wall-code { (page.code) }
                                p #wall-closed .wall-closed hidden { (t("wall-closed")) }
                            }
                        }
                    }
                    div #wall-announcement .wall-announcement role="status" hidden {
                        p #wall-announcement-text .wall-announcement-text {}
                    }
                    // While the pledges item runs: "83 people have committed to act" (a
                    // count only, never names).
                    p #wall-pledges .wall-pledges hidden {}
                    // "focus": the table's theme as a big heading.
                    h2 #wall-focus-title .wall-focus-title hidden {}
                    p #wall-empty .wall-empty {
                        (t("wall-empty"))
                    }
                    section #wall-comments .wall-comments aria-label=(t("wall-comments-label")) {}
                    // "spotlight": one comment at a time.
                    section #wall-spotlight .wall-spotlight aria-label=(t("wall-spotlight-label"))
                        hidden {}
                    // "join": the whole screen invites people in.
                    section #wall-joinscreen .wall-joinscreen aria-label=(t("wall-join-label")) hidden {
                        img.wall-joinscreen-qr src=(page.qr_svg_url)
                            alt=(t("wall-qr-alt")) width="800" height="800";
                        div.wall-joinscreen-text {
                            p #wall-joinscreen-title .wall-joinscreen-title {
                                bdi { (page.event_title) }
                            }
                            div.wall-joinscreen-how {
                                p.wall-joinscreen-lead { (t("wall-scan")) }
                                p.wall-joinscreen-landing { (page.landing_url) }
                                p.wall-joinscreen-and { (t("wall-and-type")) }
                                p.wall-joinscreen-code { (page.code) }
                            }
                            p #wall-joinscreen-closed .wall-joinscreen-closed hidden {
                                (t("wall-closed"))
                            }
                        }
                    }
                    p #wall-more .wall-more hidden {}
                    p #wall-conn .wall-conn role="status" data-state="connecting" {
                        span.wall-conn-text { (t("wall-connecting")) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> WallPage {
        WallPage {
            lang: participant_ui::Lang::En,
            event_title: "<b>Town</b>".into(),
            code: "K7QD-2M9X".into(),
            landing_url: "http://h/j".into(),
            qr_svg_url: "/qr/x.svg".into(),
            ws_path: "/wall/x/ws".into(),
        }
    }

    #[test]
    fn wall_has_layout_slots_and_defaults() {
        let html = wall_page(&page()).into_string();
        assert!(!html.contains("<b>Town</b>"), "title is escaped");
        for needle in [
            "data-layout=\"columns\"",
            "data-theme=\"dark\"",
            "id=\"wall-counts\"",
            "id=\"wall-join\"",
            "id=\"wall-focus-title\"",
            "id=\"wall-spotlight\"",
            "id=\"wall-joinscreen\"",
            "id=\"wall-joinscreen-closed\"",
            "id=\"wall-comments\"",
            "id=\"wall-conn\"",
            "id=\"wall-countdown\"",
        ] {
            assert!(html.contains(needle), "missing {needle}");
        }
        // The join screen carries the QR, the code and the address.
        let join = &html[html.find("id=\"wall-joinscreen\"").unwrap_or(0)..];
        assert!(join.contains("src=\"/qr/x.svg\""));
        assert!(join.contains("K7QD-2M9X"));
        assert!(join.contains("http://h/j"));
    }

    #[test]
    fn the_wall_script_reads_only_known_messages() {
        let keys = participant_ui::i18n::WALL_SCRIPT_KEYS;
        let mut rest = WALL_JS;
        let mut seen = 0;
        while let Some(i) = rest.find("T('") {
            let after = &rest[i + 3..];
            let key = after.split('\'').next().unwrap_or_default();
            assert!(
                keys.contains(&key),
                "wall.js reads T('{key}'), not in WALL_SCRIPT_KEYS"
            );
            seen += 1;
            rest = after;
        }
        assert!(seen > 20, "wall.js reads its words through T()");
        let cy = wall_page(&WallPage {
            lang: participant_ui::Lang::Cy,
            ..page()
        })
        .into_string();
        assert!(cy.contains("<html lang=\"cy\""));
        assert!(cy.contains(&wall_js_path(participant_ui::Lang::Cy)));
        assert!(!cy.contains("Join from your phone"));
    }

    #[test]
    fn layouts_are_the_protocol_values() {
        let values: Vec<&str> = WALL_LAYOUTS.iter().map(|(v, _)| *v).collect();
        assert_eq!(values, ["columns", "spotlight", "mosaic", "focus", "join"]);
    }
}
