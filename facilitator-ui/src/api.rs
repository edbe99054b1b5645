//! The organiser's "API and webhooks" page: tokens for other systems, and addresses told when
//! an event closes.

use super::*;

/// One API token, as listed (the token itself was shown once, when made).
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    /// "made 2026-12-01".
    pub made: String,
    /// "last used 2026-12-03 14:05 UTC", "never used", "revoked 2026-12-04".
    pub status: String,
    pub live: bool,
    pub revoke_url: String,
}

/// One webhook.
pub struct WebhookRow {
    pub id: i64,
    pub url: String,
    pub include_text: bool,
    /// "No event has closed since it was added." or "HTTP 200 at 2026-12-03 14:05 UTC".
    pub last: String,
    /// The last call failed (shown as a warning).
    pub failing: bool,
    pub delete_url: String,
}

/// The page (forms: POST `/organiser/api/tokens` with `name`; POST `/organiser/api/webhooks`
/// with `url` and the `include_text` checkbox).
#[derive(Default)]
pub struct ApiPage {
    pub tokens: Vec<TokenRow>,
    pub webhooks: Vec<WebhookRow>,
    /// Just made: (name, token), shown this once.
    pub new_token: Option<(String, String)>,
    /// Just added: (url, signing secret), shown this once.
    pub new_secret: Option<(String, String)>,
    pub token_error: Option<String>,
    pub webhook_error: Option<String>,
    /// What was typed, when it is shown again with an error.
    pub token_name: String,
    pub webhook_url: String,
    pub include_text: bool,
    /// "Token revoked." and the like.
    pub notice: Option<String>,
    /// `https://.../api/openapi.json`.
    pub openapi_url: String,
}

/// Renders the API and webhooks page.
pub fn api_page(page: &ApiPage) -> Markup {
    let content = html! {
        main #main .narrow {
            p.back { a href="/organiser" { "\u{2190} Your events" } }
            h1 { "API and webhooks" }
            p {
                "Let another system (your party's organising platform, a spreadsheet script) \
                 create events, read their comments and download their reports. The calls are \
                 described in "
                a href=(page.openapi_url) { "the OpenAPI document" } "."
            }
            @if let Some(notice) = &page.notice {
                div.notice role="status" { p { (notice) } }
            }
            section #tokens aria-labelledby="tokens-heading" {
                h2 #tokens-heading { "API tokens" }
                p.hint {
                    "A token acts as you: it sees and changes every event you can. Give each \
                     system its own, and revoke it when the system no longer needs it."
                }
                @if let Some((name, token)) = &page.new_token {
                    div.code-box #new-token role="status" {
                        p.code-label { "New token for " bdi { (name) } }
                        p { code #new-token-value { (token) } }
                        p.hint {
                            "Copy it now: it is not shown again. Send it as "
                            code { "Authorization: Bearer " (token) } "."
                        }
                    }
                }
                (alert(page.token_error.as_ref()))
                form #token-form .stack method="post" action="/organiser/api/tokens" {
                    div.field {
                        label for="token-name" { "What will use it" }
                        p.hint #token-name-hint { "For example “Members CRM”. Up to 80 characters." }
                        input #token-name type="text" name="name" maxlength="80" required
                            aria-describedby="token-name-hint" value=(page.token_name)
                            aria-invalid=[page.token_error.as_ref().map(|_| "true")];
                    }
                    div.actions {
                        button #token-make .button.primary type="submit" { "Make a token" }
                    }
                }
                @if page.tokens.is_empty() {
                    p.muted { "You have no API tokens." }
                } @else {
                    ul.share-list #token-list {
                        @for t in &page.tokens {
                            li.share {
                                span {
                                    bdi { (t.name) } ", " (t.made) ": " (t.status)
                                }
                                @if t.live {
                                    " "
                                    form.inline-form method="post" action=(t.revoke_url) {
                                        button.link-button type="submit"
                                            aria-label={ "Revoke the token " (t.name) } { "Revoke" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            section #webhooks aria-labelledby="webhooks-heading" {
                h2 #webhooks-heading { "Webhooks" }
                p.hint {
                    "When one of your events closes, each address here gets a signed POST saying \
                     so, with counts and where to download the report. Attendees' words are \
                     only sent if you tick the box. A failed call is tried again for about an \
                     hour."
                }
                @if let Some((url, secret)) = &page.new_secret {
                    div.code-box #new-secret role="status" {
                        p.code-label { "Signing secret for " bdi { (url) } }
                        p { code #new-secret-value { (secret) } }
                        p.hint {
                            "Copy it into the receiving system now: it is not shown again. Each \
                             call carries X-Roundtable-Signature: t=TIME,v1=HMAC-SHA256 of \
                             “TIME.body” under this secret."
                        }
                    }
                }
                (alert(page.webhook_error.as_ref()))
                form #webhook-form .stack method="post" action="/organiser/api/webhooks" {
                    div.field {
                        label for="webhook-url" { "Address to call" }
                        p.hint #webhook-url-hint { "https://… (http:// only on a local network)." }
                        input #webhook-url type="url" name="url" maxlength="500" required
                            aria-describedby="webhook-url-hint" value=(page.webhook_url)
                            aria-invalid=[page.webhook_error.as_ref().map(|_| "true")];
                    }
                    div.field.check {
                        input #webhook-text type="checkbox" name="include_text" value="1"
                            checked[page.include_text];
                        label for="webhook-text" {
                            "Include the comments people wrote (only for a system you trust \
                             with them)"
                        }
                    }
                    div.actions {
                        button #webhook-add .button.primary type="submit" { "Add the webhook" }
                    }
                }
                @if page.webhooks.is_empty() {
                    p.muted { "You have no webhooks." }
                } @else {
                    ul.share-list #webhook-list {
                        @for w in &page.webhooks {
                            li.share {
                                span {
                                    bdi { (w.url) }
                                    @if w.include_text { " (with comments)" }
                                    ": "
                                    @if w.failing { strong { (w.last) } } @else { (w.last) }
                                }
                                " "
                                form.inline-form method="post" action=(w.delete_url) {
                                    button.link-button type="submit"
                                        aria-label={ "Delete the webhook " (w.url) } { "Delete" }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    staff_doc(
        "API and webhooks",
        "page-setup",
        Chrome::Organiser,
        &[],
        content,
    )
}
