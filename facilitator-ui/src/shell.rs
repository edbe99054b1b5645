//! Shared page chrome: the staff page shell, alerts and small text helpers.

use super::*;

/// Which header a staff page gets.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Chrome {
    /// Brand only (log-in, set-up).
    Plain,
    /// Brand and "Your events", without log-out: error pages, which people who are not logged
    /// in (a facilitator with an old console link) see too.
    Staff,
    /// Brand, "Your events" and a log-out button (pages behind the organiser log-in).
    Organiser,
    /// No site header at all (console and cards have their own).
    Bare,
}

/// A staff page: head with the staff stylesheet and the given deferred scripts, then `content`
/// (which must contain the `<main id="main">`).
pub(crate) fn staff_doc(
    title: &str,
    body_class: &str,
    chrome: Chrome,
    scripts: &[String],
    content: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="same-origin";
                title { (title) " · Roundtable" }
                link rel="icon" href="data:,";
                link rel="stylesheet" href=(staff_css_path());
                @for src in scripts {
                    script src=(src) defer {}
                }
            }
            body class=(body_class) {
                a.skip-link href="#main" { "Skip to content" }
                @if chrome != Chrome::Bare {
                    header.site-head {
                        @if chrome == Chrome::Organiser {
                            a.brand href="/organiser" { "Roundtable" }
                            nav.site-nav aria-label="Organiser" {
                                a href="/organiser" { "Your events" }
                                form.inline-form method="post" action="/organiser/logout" {
                                    button.link-button type="submit" { "Log out" }
                                }
                            }
                        } @else if chrome == Chrome::Staff {
                            a.brand href="/organiser" { "Roundtable" }
                            nav.site-nav aria-label="Organiser" {
                                a href="/organiser" { "Your events" }
                            }
                        } @else {
                            span.brand { "Roundtable" }
                        }
                    }
                }
                (content)
            }
        }
    }
}

/// An error box at the top of a form.
pub(crate) fn alert(error: Option<&String>) -> Markup {
    html! {
        @if let Some(message) = error {
            div.alert role="alert" {
                p { (message) }
            }
        }
    }
}

/// "1 comment" / "2 comments".
pub(crate) fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// "Place · date" with empty parts left out.
pub(crate) fn place_and_date(place: &str, date: &str) -> Markup {
    let place = place.trim();
    let date = date.trim();
    html! {
        @if !place.is_empty() {
            bdi { (place) }
        }
        @if !place.is_empty() && !date.is_empty() {
            " · "
        }
        @if !date.is_empty() {
            (date)
        }
    }
}

/// Shown on the console, the event page and the form: what a round's kind means.
pub(crate) fn round_kind_label(theme_round: bool) -> &'static str {
    if theme_round {
        "Each table discusses its own theme"
    } else {
        "The same question at every table"
    }
}
