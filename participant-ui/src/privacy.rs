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

/// One of the phone's own comments on its "Your comments" page.
pub struct MineItem {
    pub id: i64,
    pub text: String,
    pub table_number: i64,
    /// The name it was posted under, if any.
    pub name: Option<String>,
    /// Waiting for a facilitator (pre-moderation).
    pub waiting: bool,
}

/// "Your comments": what this phone wrote at the event, each with a delete button.
pub struct MinePage {
    pub lang: LangSwitch,
    pub event_title: String,
    pub back_url: String,
    /// POST: `comment_id` (one) or `all=1`.
    pub action_url: String,
    pub items: Vec<MineItem>,
    /// The device's key in this event, as the organisers' export shows it (`author`): a
    /// reference to quote when asking them about your data.
    pub reference: String,
    /// Announced (role=status) after a deletion.
    pub notice: Option<String>,
    /// Announced (role=alert).
    pub error: Option<String>,
}

/// Renders the phone's own comments with a delete button each.
pub fn mine_page(page: &MinePage) -> Markup {
    let l = page.lang.lang;
    let title = format!("{} — {}", t(l, "mine-title"), page.event_title);
    html! {
        (DOCTYPE)
        html lang=(l.code()) {
            (head(&title, None))
            body.page-mine {
                (top(&page.lang, &page.event_title, "", None))
                main #main {
                    p.back { a #back-link href=(page.back_url) { (t(l, "back-to-table")) } }
                    h1 { (t(l, "mine-title")) }
                    div #form-error .form-error role="alert" {
                        @if let Some(e) = &page.error { (e) }
                    }
                    div #form-status .status role="status" {
                        @if let Some(n) = &page.notice { (n) }
                    }
                    p { (t(l, "mine-intro")) }
                    @if page.items.is_empty() {
                        @if page.notice.is_none() {
                            p #mine-none .empty { (t(l, "mine-none")) }
                        }
                    } @else {
                        ul #mine .comment-list {
                            @for c in &page.items {
                                li.comment id={ "mine-" (c.id) } {
                                    p.c-name {
                                        (tv(l, "table-n", &[("n", &c.table_number.to_string())]))
                                        @if c.waiting { " · " (t(l, "tag-waiting")) }
                                    }
                                    p.c-text { bdi { (c.text) } }
                                    @if let Some(name) = c.name.as_deref().filter(|n| !n.trim().is_empty()) {
                                        p.c-name { "— " bdi { (name) } }
                                    }
                                    form method="post" action=(page.action_url) {
                                        input type="hidden" name="comment_id" value=(c.id);
                                        button.btn type="submit" { (t(l, "mine-delete")) }
                                    }
                                }
                            }
                        }
                        form #delete-all method="post" action=(page.action_url) {
                            input type="hidden" name="all" value="1";
                            div.check {
                                input #all-sure type="checkbox" name="sure" value="1";
                                label for="all-sure" { (t(l, "mine-all-sure")) }
                            }
                            button.btn type="submit" { (t(l, "mine-delete-all")) }
                        }
                    }
                    p #mine-reference .hint {
                        (t(l, "mine-reference")) " " code { (page.reference) }
                    }
                }
            }
        }
    }
}
