//! The privacy notice a phone can open from its table page: who runs the event, who sees
//! what people write, where it goes, and how long it is kept. Plain page, no script.

use maud::{DOCTYPE, Markup, html};

use super::{LangSwitch, head, t, top, tv};

/// What happens to comments when their time is up (as the organiser chose).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommentsKept {
    /// Until the organisers delete the event.
    Kept,
    /// Names removed after so many days.
    Anonymised(i64),
    /// The event deleted after so many days.
    Deleted(i64),
}

/// The privacy page.
pub struct PrivacyPage {
    pub lang: LangSwitch,
    pub event_title: String,
    /// Back to the table page.
    pub back_url: String,
    /// Who runs the event (the organiser's name, or "The organisers of …").
    pub who: String,
    /// The organiser's own notice, if they wrote one (shown as written).
    pub notice: Option<String>,
    /// Contact details and "about you" answers are deleted this many days after the event.
    pub contact_days: i64,
    pub comments: CommentsKept,
}

/// Renders the privacy page.
pub fn privacy_page(page: &PrivacyPage) -> Markup {
    let l = page.lang.lang;
    let title = format!("{} — {}", t(l, "privacy-title"), page.event_title);
    let days = page.contact_days.to_string();
    html! {
        (DOCTYPE)
        html lang=(l.code()) {
            (head(&title, None))
            body.page-privacy {
                (top(&page.lang, &page.event_title, "", None))
                main #main {
                    p.back { a #back-link href=(page.back_url) { (t(l, "back-to-table")) } }
                    h1 { (t(l, "privacy-title")) }
                    p #privacy-who { (t(l, "privacy-who")) " " bdi { (page.who) } }
                    @if let Some(notice) = &page.notice {
                        div #privacy-notice .notice-text {
                            @for para in notice.split("\n\n") {
                                p { bdi { (para) } }
                            }
                        }
                    }
                    ul #privacy-facts {
                        li { (t(l, "privacy-seen")) }
                        li { (t(l, "privacy-report")) }
                        li { (t(l, "privacy-name")) }
                        li #privacy-contact { (tv(l, "privacy-contact", &[("days", &days)])) }
                        li #privacy-comments {
                            @match page.comments {
                                CommentsKept::Kept => (t(l, "privacy-comments-keep")),
                                CommentsKept::Anonymised(n) => (tv(l, "privacy-comments-anonymise", &[("days", &n.to_string())])),
                                CommentsKept::Deleted(n) => (tv(l, "privacy-comments-delete", &[("days", &n.to_string())])),
                            }
                        }
                        li { (t(l, "privacy-own")) }
                    }
                }
            }
        }
    }
}
