//! The phone pages attendees see: the landing page where a short code is typed, the table
//! chooser, and the table page where comments are written and agreed with.
//!
//! Pages take plain props structs (no server types), so this crate depends on maud only.
//! Every page works with JavaScript off (plain HTML forms); `phone.js` only adds live updates.

use maud::{DOCTYPE, Markup, html};

/// The stylesheet served at [`css_path`].
pub const PHONE_CSS: &str = include_str!("../assets/phone.css");
/// The script served at [`js_path`].
pub const PHONE_JS: &str = include_str!("../assets/phone.js");

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

const CSS_HASH: u64 = fnv1a(PHONE_CSS.as_bytes());
const JS_HASH: u64 = fnv1a(PHONE_JS.as_bytes());

/// Every asset of this crate: (content-hashed path, content type, body).
pub fn assets() -> Vec<(String, &'static str, &'static str)> {
    vec![
        (css_path(), "text/css; charset=utf-8", PHONE_CSS),
        (js_path(), "text/javascript; charset=utf-8", PHONE_JS),
    ]
}

/// Content-hashed path of the stylesheet (cache it for a year).
pub fn css_path() -> String {
    format!("/assets/phone-{CSS_HASH:016x}.css")
}

/// Content-hashed path of the script (cache it for a year).
pub fn js_path() -> String {
    format!("/assets/phone-{JS_HASH:016x}.js")
}

/// A comment as the phone shows it.
pub struct CommentView {
    pub id: i64,
    pub text: String,
    /// Optional display name the attendee chose.
    pub name: Option<String>,
    pub agrees: i64,
    /// True when this device has already agreed (button shown as done).
    pub agreed: bool,
    /// Typed in by a facilitator from a point made aloud.
    pub facilitator: bool,
    /// On the wall now.
    pub highlighted: bool,
    /// Pre-moderation: this device's own comment, waiting for a facilitator.
    pub pending: bool,
    /// The comment this one replies to (rendered under it).
    pub reply_to: Option<i64>,
    /// A facilitator corrected a typo in it.
    pub edited: bool,
}

/// The agenda item running now, for the countdown strip.
pub struct AgendaView {
    /// "Talk", "Round 1", "Pledges"...
    pub title: String,
    pub speaker: Option<String>,
    /// When it is due to end (server clock, ms since 1970), if it has a time limit.
    pub ends_at: Option<i64>,
}

/// The round that is open now.
pub struct RoundView {
    pub number: i64,
    pub prompt: String,
    /// True for "each table discusses its own theme"; false for "the same question everywhere".
    pub theme_round: bool,
}

/// The table page: the heart of the phone experience.
pub struct TablePage {
    pub event_title: String,
    pub place: String,
    pub date: String,
    pub table_number: i64,
    pub theme: String,
    pub theme_description: String,
    /// `None` when no round is open: the page says comments can't be added right now.
    pub round: Option<RoundView>,
    /// False once the organiser has closed the event.
    pub event_open: bool,
    /// Newest first.
    pub comments: Vec<CommentView>,
    /// Sequence number the page is current to; `phone.js` resumes the socket from here.
    pub seq: i64,
    /// Form action for posting (POST, fields `text`, `name`, `client_id`).
    pub post_url: String,
    /// Form action prefix for agreeing: POST to `{agree_url_prefix}{comment_id}/agree`.
    pub agree_url_prefix: String,
    /// Websocket path (relative, e.g. `/t/TOKEN/ws`).
    pub ws_path: String,
    /// A fresh id for the no-JavaScript form, so a double submit is stored once.
    pub client_id: String,
    /// What the person typed, kept when the post was refused.
    pub draft_text: String,
    pub draft_name: String,
    /// Shown next to the form, announced to screen readers (role=alert).
    pub error: Option<String>,
    /// Shown after a successful post without JavaScript ("Sent, thank you").
    pub notice: Option<String>,
    /// What is running now, if anything.
    pub agenda: Option<AgendaView>,
    /// Server clock when the page was rendered (ms since 1970), for the countdown's skew.
    pub server_now: i64,
    /// The lead facilitator's current message to the room.
    pub announcement: Option<String>,
    /// Devices with this table's page open now.
    pub present: i64,
    /// Page to look at other tables and move to one (`/t/TOKEN/room`).
    pub room_url: String,
    /// Pre-moderation: comments show after a facilitator approves them.
    pub moderation_pre: bool,
    /// No-JS reply: the comment being answered (id, its text), from `?reply=ID`.
    pub replying_to: Option<(i64, String)>,
}

/// Another table, as listed on the room page.
pub struct RoomTable {
    pub number: i64,
    pub theme: String,
    /// Devices there now.
    pub present: i64,
    /// Join link for that table (moving there).
    pub move_url: String,
    /// This room page showing that table's comments (`?table=N`).
    pub view_url: String,
    /// The phone's current table.
    pub mine: bool,
}

/// The read-only view of the whole room, and the way to move tables.
pub struct RoomPage {
    pub event_title: String,
    pub my_table_number: i64,
    /// Back to the phone's own table page.
    pub back_url: String,
    /// The open round, if any (comments of other tables are shown only while one is open).
    pub round: Option<RoundView>,
    pub tables: Vec<RoomTable>,
    /// The table being looked at: (number, theme, its visible comments in the open round,
    /// newest first).
    pub viewing: Option<(i64, String, Vec<CommentView>)>,
    /// Explains why nothing is shown (no round open...).
    pub message: Option<String>,
}

/// The room page (see [`RoomPage`]).
pub fn room_page(page: &RoomPage) -> Markup {
    html! { (page.event_title) }
}

/// The landing page: type the code from the table card.
pub struct LandingPage {
    pub code: String,
    pub error: Option<String>,
    /// Link for organisers to log in.
    pub organiser_url: String,
}

/// A table in the chooser shown after a good code.
pub struct TableChoice {
    pub number: i64,
    pub theme: String,
    pub url: String,
}

/// The list of tables of an event, reached by its short code.
pub struct ChooseTablePage {
    pub event_title: String,
    pub place: String,
    pub tables: Vec<TableChoice>,
}

/// A plain error page in the phone style (bad link, event over...).
pub struct PhoneErrorPage {
    pub title: String,
    pub message: String,
}

/// A name worth showing: `None` when absent or only spaces.
fn shown_name(name: Option<&String>) -> Option<&str> {
    name.map(String::as_str).filter(|n| !n.trim().is_empty())
}

/// `<head>` shared by every page. Only the table page loads the script.
fn head(title: &str, script: bool) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) }
            link rel="icon" href="data:,";
            link rel="stylesheet" href=(css_path());
            @if script {
                script src=(js_path()) defer {}
            }
        }
    }
}

/// The header: event title (or the product name) and an optional small line under it.
fn top(event_title: &str, meta: &str, live: bool) -> Markup {
    html! {
        header.top {
            p.ev { (event_title) }
            @if !meta.is_empty() {
                p.ev-meta { (meta) }
            }
            @if live {
                p #conn .conn role="status" {}
            }
        }
    }
}

/// "Place · date", skipping empty parts.
fn place_date(place: &str, date: &str) -> String {
    [place.trim(), date.trim()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The agree button's contents; `phone.js` builds the same shape.
fn agree_button(agrees: i64, agreed: bool) -> Markup {
    html! {
        button.agree-btn.done[agreed] type="submit" disabled[agreed] {
            @if agreed { "You agreed" } @else { "Agree" }
            @if agrees > 0 {
                span.n { " · " (agrees) }
            }
        }
    }
}

/// One comment; `phone.js` builds the same shape (see `build` and `fill` there).
fn comment_item(c: &CommentView, agree_url_prefix: &str) -> Markup {
    html! {
        li.comment.facil[c.facilitator].wall[c.highlighted] id={ "c-" (c.id) } data-id=(c.id) {
            @if c.facilitator || c.highlighted {
                p.tags {
                    @if c.facilitator {
                        span.tag.tag-facil { "Noted by the facilitator" }
                    }
                    @if c.highlighted {
                        span.tag.tag-wall { "On the wall" }
                    }
                }
            }
            p.c-text { bdi { (c.text) } }
            @if let Some(name) = shown_name(c.name.as_ref()) {
                p.c-name { "— " bdi { (name) } }
            }
            form.agree-form method="post" action={ (agree_url_prefix) (c.id) "/agree" } {
                (agree_button(c.agrees, c.agreed))
            }
        }
    }
}

/// The question area at the top of the table page; `phone.js` re-renders it the same way.
fn prompt_area(page: &TablePage) -> Markup {
    let open_round = page.round.as_ref().filter(|_| page.event_open);
    let theme_title = if page.theme.trim().is_empty() {
        format!("Table {}", page.table_number)
    } else {
        page.theme.clone()
    };
    html! {
        section #prompt .prompt {
            p.kicker {
                "Table " (page.table_number)
                @if let Some(r) = open_round { " · Round " (r.number) }
            }
            @match open_round {
                Some(r) if !r.theme_round && !r.prompt.trim().is_empty() => {
                    h1 { (r.prompt) }
                    @if !page.theme.trim().is_empty() {
                        p.theme-line { "Your table’s theme: " (page.theme) }
                    }
                }
                _ => {
                    h1 { (theme_title) }
                    @if let Some(r) = open_round.filter(|r| !r.prompt.trim().is_empty()) {
                        p.ask { (r.prompt) }
                    }
                    @if !page.theme_description.trim().is_empty() {
                        p.desc { (page.theme_description) }
                    }
                }
            }
        }
    }
}

const CLOSED_ROUND: &str = "Comments open when the facilitator starts the next round.";
const CLOSED_EVENT: &str = "Comments are closed for now. Thank you for taking part.";

/// Renders the table page.
pub fn table_page(page: &TablePage) -> Markup {
    let can_post = page.event_open && page.round.is_some();
    let title = if page.theme.trim().is_empty() {
        format!("Table {} — {}", page.table_number, page.event_title)
    } else {
        format!(
            "Table {}: {} — {}",
            page.table_number, page.theme, page.event_title
        )
    };
    let (round_no, prompt, kind) = match &page.round {
        Some(r) => (
            r.number.to_string(),
            r.prompt.as_str(),
            if r.theme_round { "theme" } else { "same" },
        ),
        None => (String::new(), "", ""),
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(&title, true))
            body.page-table {
                (top(&page.event_title, &place_date(&page.place, &page.date), true))
                main #main
                    data-ws=(page.ws_path)
                    data-seq=(page.seq)
                    data-agree-prefix=(page.agree_url_prefix)
                    data-table=(page.table_number)
                    data-theme=(page.theme)
                    data-theme-desc=(page.theme_description)
                    data-open=(if page.event_open { "1" } else { "0" })
                    data-round=(round_no)
                    data-prompt=(prompt)
                    data-kind=(kind)
                {
                    (prompt_area(page))
                    section #write .write aria-label="Write a comment" {
                        // Always there (empty while posting is open) so that screen readers
                        // announce it when a round or the event closes; said only here, not
                        // again under the form.
                        p #closed-note .closed-note role="status" {
                            @if !can_post {
                                @if page.event_open { (CLOSED_ROUND) } @else { (CLOSED_EVENT) }
                            }
                        }
                        div #form-error .form-error role="alert" {
                            @if let Some(e) = &page.error { (e) }
                        }
                        div #form-status .status role="status" {
                            @if let Some(n) = &page.notice { (n) }
                        }
                        form #post-form method="post" action=(page.post_url) hidden[!can_post] {
                            label for="text" { "Your comment" }
                            // No maxlength: a pasted longer text would be cut without a word.
                            // phone.js counts down near the limit (1,000 characters) and
                            // refuses more; without it the server refuses and says why.
                            textarea #text .field name="text" rows="4" required
                                aria-describedby="text-hint text-count form-error"
                                aria-invalid=[page.error.as_ref().map(|_| "true")]
                            { (page.draft_text) }
                            p #text-count .count {}
                            p #text-count-sr .visually-hidden aria-live="polite" {}
                            p #text-hint .hint { "A few words is fine. Everyone at your table can read it." }
                            label for="name" { "Your name " span.opt { "(optional)" } }
                            input #name .field type="text" name="name" maxlength="40"
                                autocomplete="off" value=(page.draft_name)
                                aria-describedby="name-hint";
                            p #name-hint .hint { "Leave it blank to stay anonymous." }
                            input type="hidden" name="client_id" value=(page.client_id);
                            @if let Some(r) = &page.round {
                                input type="hidden" name="round" value=(r.number);
                            }
                            button.primary type="submit" { "Post" }
                        }
                    }
                    section.comments aria-labelledby="comments-h" {
                        h2 #comments-h { "Comments at this table" }
                        div #comments-live aria-live="polite" aria-relevant="additions" {
                            p #no-comments .empty hidden[!page.comments.is_empty()] {
                                "No comments yet. Yours could be the first."
                            }
                            ul #comments .comment-list {
                                @for c in &page.comments {
                                    (comment_item(c, &page.agree_url_prefix))
                                }
                            }
                        }
                    }
                }
                footer.foot {
                    a href="/" { "Moving table? Type the code from its card" }
                }
            }
        }
    }
}

/// Renders the landing page.
pub fn landing_page(page: &LandingPage) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head("Join your table — Roundtable", false))
            body.page-landing {
                (top("Roundtable", "", false))
                main #main {
                    h1 { "Join your table" }
                    p { "Scan the QR code on your table with your phone camera, or type the code below." }
                    form.join method="get" action="/join" {
                        div #form-error .form-error role="alert" {
                            @if let Some(e) = &page.error { (e) }
                        }
                        label for="code" { "Code on your table card" }
                        input #code .field.code type="text" name="code" value=(page.code)
                            required autocapitalize="characters" autocomplete="off"
                            autocorrect="off" spellcheck="false"
                            aria-describedby="form-error"
                            aria-invalid=[page.error.as_ref().map(|_| "true")];
                        button.primary type="submit" { "Join" }
                    }
                    p.hint { "You don’t need an app or an account. You can stay anonymous." }
                }
                footer.foot {
                    a href=(page.organiser_url) { "Organiser login" }
                }
            }
        }
    }
}

/// Renders the table chooser.
pub fn choose_table_page(page: &ChooseTablePage) -> Markup {
    let title = format!("Choose your table — {}", page.event_title);
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(&title, false))
            body.page-choose {
                (top(&page.event_title, page.place.trim(), false))
                main #main {
                    h1 { "Choose your table" }
                    @if page.tables.is_empty() {
                        p { "No tables have been set up yet. Please ask a facilitator." }
                    } @else {
                        p { "Pick the table you are sitting at. You can move to another table later." }
                        ul.tables {
                            @for t in &page.tables {
                                li {
                                    a.table-link href=(t.url) {
                                        "Table " (t.number)
                                        @if !t.theme.trim().is_empty() { " — " (t.theme) }
                                    }
                                }
                            }
                        }
                    }
                }
                footer.foot {
                    a href="/" { "Type a different code" }
                }
            }
        }
    }
}

/// Renders an error page for attendees.
pub fn error_page(page: &PhoneErrorPage) -> Markup {
    let title = format!("{} — Roundtable", page.title);
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(&title, false))
            body.page-error {
                (top("Roundtable", "", false))
                main #main {
                    h1 { (page.title) }
                    p { (page.message) }
                    p {
                        a.btn href="/" { "Type the code on your table card" }
                    }
                }
            }
        }
    }
}
