//! Organiser pages around the reports: the reports box on the event page, campaign tours,
//! share links for the policy briefing, and importing an event archive.

use super::*;

/// One download: label and URL.
#[derive(Debug, Clone)]
pub struct FormatLink {
    pub label: String,
    pub url: String,
}

/// A share link as listed (its token is shown only once, when made).
#[derive(Debug, Clone)]
pub struct ShareRow {
    pub id: i64,
    /// "made 2026-12-01".
    pub made: String,
    /// "Expires 2026-12-31 00:00 UTC", "Revoked", "Expired".
    pub status: String,
    pub live: bool,
    pub revoke_url: String,
}

/// The reports box: both reports in every format, share links, the campaign.
#[derive(Debug, Clone, Default)]
pub struct ReportsBox {
    pub local: Vec<FormatLink>,
    pub policy: Vec<FormatLink>,
    /// POST `expires` (YYYY-MM-DD) to make a share link.
    pub share_url: String,
    pub shares: Vec<ShareRow>,
    /// Campaign choice: POST `campaign` (an id, or empty for none).
    pub campaign_url: String,
    pub campaigns: Vec<(i64, String)>,
    pub campaign_id: Option<i64>,
    pub limits: ShareLimits,
}

/// The share form's dates (YYYY-MM-DD) and what to warn about.
#[derive(Debug, Clone, Default)]
pub struct ShareLimits {
    pub default_expiry: String,
    pub min: String,
    pub max: String,
    /// Comments the policy briefing flags for personal data.
    pub flagged: i64,
}

pub fn reports_box(b: &ReportsBox) -> Markup {
    html! {
        h2 #reports-heading { "Reports" }
        section #reports aria-labelledby="reports-heading" {
            div.report-kind {
                h3 { "Local campaign pack" }
                p.who {
                    "For the local organisers: every table's comments round by round, campaign \
                     ideas, personal stories, images and the figures, with the names people \
                     chose to give."
                }
                ul.format-links {
                    @for f in &b.local { li { a href=(f.url) { (f.label) } } }
                }
            }
            div.report-kind {
                h3 { "Policy briefing" }
                p.who {
                    "For the policy team: anonymous (no names or contact details, no personal \
                     stories, counts under 5 not given exactly). Comments that look like they \
                     hold an email address, phone number or postcode are marked: check them \
                     before you share it."
                }
                ul.format-links {
                    @for f in &b.policy { li { a href=(f.url) { (f.label) } } }
                }
            }
            (share_box(&b.share_url, &b.shares, &b.limits))
            @if !b.campaign_url.is_empty() {
                h3 { "Campaign tour" }
                form.stack method="post" action=(b.campaign_url) {
                    label for="campaign" { "This event is part of" }
                    select #campaign name="campaign" {
                        option value="" selected[b.campaign_id.is_none()] { "No campaign" }
                        @for (id, name) in &b.campaigns {
                            option value=(id) selected[b.campaign_id == Some(*id)] { (name) }
                        }
                    }
                    p.hint {
                        "A campaign compares its events (the same themes in several towns) in one \
                         policy briefing. " a href="/organiser/campaigns" { "Make or open a campaign" }
                    }
                    button.button type="submit" { "Save campaign" }
                }
            }
        }
    }
}

fn share_box(share_url: &str, shares: &[ShareRow], limits: &ShareLimits) -> Markup {
    html! {
        h3 { "Share the policy briefing" }
        p.who {
            "A share link opens the policy briefing only (never the local pack), until the date \
             you choose or until you revoke it. Anyone with the link can read it."
        }
        @if limits.flagged > 0 {
            p.hint role="note" {
                strong { "Before you share: " }
                (plural(limits.flagged, "comment holds", "comments hold"))
                " what looks like an email address, phone number or postcode. The briefing \
                 replaces those details with [removed] and marks the comment; read the marked \
                 ones for names or other details first, and correct them from the console if \
                 needed. A share link always shows the briefing as it is now."
            }
        }
        form.stack.share-form method="post" action=(share_url) {
            label for="expires" { "Link works until the end of (UTC)" }
            input #expires type="date" name="expires" value=(limits.default_expiry)
                min=(limits.min) max=(limits.max) required;
            button.button type="submit" { "Make a share link" }
        }
        @if !shares.is_empty() {
            ul.share-list {
                @for s in shares {
                    li.share {
                        span { "Link " (s.id) ", " (s.made) ": " (s.status) }
                        @if s.live {
                            " "
                            form.inline-form method="post" action=(s.revoke_url) {
                                button.link-button type="submit" { "Revoke" }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The page after making a share link: the link, shown once.
pub struct ShareMadePage {
    pub what: String,
    pub url: String,
    pub expires: String,
    pub back_url: String,
}

pub fn share_made_page(p: &ShareMadePage) -> Markup {
    staff_doc(
        "Share link",
        "organiser",
        Chrome::Organiser,
        &[],
        html! {
            main #main {
                h1 { "Share link made" }
                p { "This link opens the policy briefing of " strong { bdi { (p.what) } } " until " (p.expires) "." }
                p.full-url { a #share-link href=(p.url) { (p.url) } }
                p.hint {
                    "Copy it now: it is shown only this once (only a fingerprint of it is \
                     stored). You can revoke it at any time."
                }
                p { a href=(p.back_url) { "← Back" } }
            }
        },
    )
}

/// A campaign as listed.
pub struct CampaignRow {
    pub name: String,
    pub url: String,
    pub events: usize,
}

pub struct CampaignsPage {
    pub campaigns: Vec<CampaignRow>,
    pub error: Option<String>,
    pub name: String,
}

pub fn campaigns_page(p: &CampaignsPage) -> Markup {
    staff_doc(
        "Campaigns",
        "organiser",
        Chrome::Organiser,
        &[],
        html! {
            main #main {
                p.back { a href="/organiser" { "← Your events" } }
                h1 { "Campaign tours" }
                p {
                    "A campaign groups events that run the same themes in several places. Its \
                     policy briefing compares them: what came up everywhere, and what was local \
                     to one town. Put an event in a campaign from the event's page."
                }
                @if p.campaigns.is_empty() {
                    p.empty-state { "No campaigns yet." }
                } @else {
                    ul.campaigns {
                        @for c in &p.campaigns {
                            li { a href=(c.url) { bdi { (c.name) } } " (" (plural(c.events as i64, "event", "events")) ")" }
                        }
                    }
                }
                h2 { "New campaign" }
                form.stack method="post" action="/organiser/campaigns" {
                    (alert(p.error.as_ref()))
                    label for="campaign-name" { "Name" }
                    input #campaign-name type="text" name="name" value=(p.name) maxlength="120" required
                        aria-invalid=[p.error.as_ref().map(|_| "true")];
                    button.button.primary type="submit" { "Make the campaign" }
                }
            }
        },
    )
}

pub struct CampaignPage {
    pub name: String,
    /// (title, place and date, event page URL)
    pub events: Vec<(String, String, String)>,
    pub policy: Vec<FormatLink>,
    pub share_url: String,
    pub shares: Vec<ShareRow>,
    pub limits: ShareLimits,
}

pub fn campaign_page(p: &CampaignPage) -> Markup {
    staff_doc(
        &p.name,
        "organiser",
        Chrome::Organiser,
        &[],
        html! {
            main #main {
                p.back { a href="/organiser/campaigns" { "← Campaigns" } }
                h1 { bdi { (p.name) } }
                h2 { "Events" }
                @if p.events.is_empty() {
                    p.empty-state {
                        "No events in this campaign yet. Open an event's page and choose this \
                         campaign under Reports."
                    }
                } @else {
                    ul {
                        @for (title, when, url) in &p.events {
                            li { a href=(url) { bdi { (title) } } " " span.hint { (when) } }
                        }
                    }
                }
                h2 { "Campaign policy briefing" }
                p.who {
                    "Compares the events: anonymous, counts under 5 not given exactly, personal \
                     stories left out."
                }
                ul.format-links {
                    @for f in &p.policy { li { a href=(f.url) { (f.label) } } }
                }
                (share_box(&p.share_url, &p.shares, &p.limits))
            }
        },
    )
}

pub struct ImportPage {
    pub error: Option<String>,
}

pub fn import_page(p: &ImportPage) -> Markup {
    staff_doc(
        "Import an event",
        "organiser",
        Chrome::Organiser,
        &[],
        html! {
            main #main {
                p.back { a href="/organiser" { "← Your events" } }
                h1 { "Import an event" }
                p {
                    "Bring in an event from another Roundtable (for example from the venue laptop \
                     after the evening): choose the JSON archive downloaded from its local \
                     campaign pack. It arrives as a new, closed event with new links."
                }
                form.stack method="post" action="/organiser/import" enctype="multipart/form-data" {
                    (alert(p.error.as_ref()))
                    label for="archive" { "Archive file (.json)" }
                    input #archive type="file" name="archive" accept=".json,application/json" required
                        aria-invalid=[p.error.as_ref().map(|_| "true")];
                    p.check {
                        input #again type="checkbox" name="again" value="1";
                        " "
                        label for="again" {
                            "Import it again, even if an event with the same title and date is \
                             already here"
                        }
                    }
                    button.button.primary type="submit" { "Import" }
                }
            }
        },
    )
}

/// An error on a share link: for someone outside the organising team, so no organiser
/// header and no "back to your events".
pub fn share_error_page(title: &str, message: &str) -> Markup {
    staff_doc(
        title,
        "organiser",
        Chrome::Plain,
        &[],
        html! {
            main #main {
                h1 { (title) }
                div.alert role="alert" { p { (message) } }
            }
        },
    )
}
