//! Pages for organisers and facilitators: log-in and first-run set-up, the organiser's event
//! list and event form, the event page with its links, the live console, printable table
//! cards, the projected wall, and the session report.
//!
//! Pages take plain props structs (no server types), so this crate depends on maud only.
//! `console.js` and `wall.js` render live state from the websocket (see docs/protocol.md).

use maud::{DOCTYPE, Markup, PreEscaped, html};

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
        ("wall", "js", js, WALL_JS),
        ("form", "js", js, FORM_JS),
    ]
    .into_iter()
    .map(|(name, ext, ty, body)| (asset_path(name, ext, body), ty, body))
    .collect()
}

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
/// Path of the wall script.
pub fn wall_js_path() -> String {
    asset_path("wall", "js", WALL_JS)
}
/// Path of the event-form script.
pub fn form_js_path() -> String {
    asset_path("form", "js", FORM_JS)
}

/// Organiser log-in form (POST `/organiser/login`, fields `email`, `password`).
pub struct LoginPage {
    pub email: String,
    pub error: Option<String>,
}

/// First-run page: create the first organiser account
/// (POST `/setup`, fields `token`, `name`, `email`, `password`, `password_again`).
pub struct SetupPage {
    pub token: String,
    pub name: String,
    pub email: String,
    pub error: Option<String>,
}

/// One line of the organiser's event list.
pub struct EventSummary {
    pub title: String,
    pub place: String,
    pub date: String,
    pub open: bool,
    /// The organiser's page for this event.
    pub url: String,
}

/// The organiser's home: their events and a "new event" link (`/organiser/events/new`).
/// Log-out is a POST form to `/organiser/logout`.
pub struct DashboardPage {
    pub organiser_name: String,
    pub events: Vec<EventSummary>,
}

/// A table row of the event form, as typed.
#[derive(Default, Clone)]
pub struct TableInput {
    pub number: String,
    pub theme: String,
    pub description: String,
}

/// A round row of the event form, as typed. `kind` is `"same"` or `"theme"`.
#[derive(Default, Clone)]
pub struct RoundInput {
    pub prompt: String,
    pub kind: String,
}

/// The new-event form (POST `/organiser/events`). Field names: `title`, `place`, `date`
/// (YYYY-MM-DD), `description`, `start_closed` (checkbox), and for each row i (0-based):
/// `table_number_i`, `table_theme_i`, `table_description_i`, `round_prompt_i`, `round_kind_i`.
/// Blank rows are ignored by the server. Show at least `tables.len().max(8)` table rows and
/// `rounds.len().max(3)` round rows; `form.js` adds more rows.
pub struct EventFormPage {
    pub title: String,
    pub place: String,
    pub date: String,
    pub description: String,
    pub start_closed: bool,
    pub tables: Vec<TableInput>,
    pub rounds: Vec<RoundInput>,
    /// Shown at the top of the form (role=alert), naming the field that is wrong.
    pub error: Option<String>,
}

/// The organiser's page for one event: the links to hand out and the buttons to rotate them.
pub struct EventPage {
    pub title: String,
    pub place: String,
    pub date: String,
    pub description: String,
    pub open: bool,
    /// Short code as shown to people, e.g. `K7QD-2M9X`.
    pub code: String,
    /// Absolute URLs.
    pub console_url: String,
    pub wall_url: String,
    pub report_url: String,
    pub cards_url: String,
    /// The run of show, moderation and tags form.
    pub settings_url: String,
    /// Per-table facilitator links: (table number, theme, console URL).
    pub table_console_links: Vec<(i64, String, String)>,
    pub moderation_pre: bool,
    /// POST with field `which` = `facilitator`, `tables` (every table facilitator link) or
    /// `wall` to issue a new link (old one stops).
    pub rotate_url: String,
    /// Shown after an action, e.g. "A new console link was made; the old one no longer works."
    pub notice: Option<String>,
}

/// A table as the console knows it.
pub struct ConsoleTable {
    pub id: i64,
    pub number: i64,
    pub theme: String,
}

/// A round as the console knows it.
pub struct ConsoleRound {
    pub id: i64,
    pub number: i64,
    pub prompt: String,
    pub theme_round: bool,
}

/// The live facilitator console. All live content comes from the websocket `snapshot`.
pub struct ConsolePage {
    pub event_title: String,
    pub code: String,
    pub ws_path: String,
    pub tables: Vec<ConsoleTable>,
    pub rounds: Vec<ConsoleRound>,
    pub report_url: String,
    pub cards_url: String,
    pub wall_url: String,
    /// `Some(table id)` on a table facilitator's console: only that table, no lead controls.
    pub scope_table: Option<i64>,
    /// "Lead facilitator" or "Table 3 facilitator".
    pub actor_label: String,
    /// The activity (audit) log page.
    pub activity_url: String,
    /// The event's tags, in order.
    pub labels: Vec<String>,
    /// Pre-moderation: attendees' comments wait for approval.
    pub moderation_pre: bool,
}

/// One printable card.
pub struct Card {
    pub number: i64,
    pub theme: String,
    pub description: String,
    /// The table's join link (as printed under the QR).
    pub join_url: String,
    /// Image URL of the QR code (SVG).
    pub qr_svg_url: String,
}

/// Printable A4 table cards, one per table.
pub struct CardsPage {
    pub event_title: String,
    pub place: String,
    pub date: String,
    pub code: String,
    /// Where people type the code, e.g. `http://192.168.1.20:8080/`.
    pub landing_url: String,
    pub cards: Vec<Card>,
}

/// The projected wall. Content comes from the websocket `snapshot`.
pub struct WallPage {
    pub event_title: String,
    pub code: String,
    pub landing_url: String,
    /// QR of the landing link with the code filled in.
    pub qr_svg_url: String,
    pub ws_path: String,
}

/// One row of the run-of-show editor.
#[derive(Debug, Clone, Default)]
pub struct AgendaRow {
    /// Hidden field: the stored item's id (empty for a new row).
    pub id: String,
    /// `talk`, `round:ID`, `pledges`, `break`, `close`, `other`, or empty (row unused/removed).
    pub kind: String,
    pub title: String,
    pub speaker: String,
    pub minutes: String,
}

/// The event settings page: moderation mode, tags and the run of show.
pub struct SettingsPage {
    pub event_title: String,
    /// Form action (POST) and the event page to go back to.
    pub action_url: String,
    pub back_url: String,
    pub moderation_pre: bool,
    /// One tag per line.
    pub labels_text: String,
    /// Rows as stored (or as typed, after an error), then blank rows to add more.
    pub agenda: Vec<AgendaRow>,
    /// The `round:ID` choices for the kind select: (value, label like "Round 1: What...").
    pub round_options: Vec<(String, String)>,
    pub error: Option<String>,
    pub notice: Option<String>,
}

/// One entry of the activity log.
pub struct ActivityEntry {
    /// Local time, e.g. "19:42:05".
    pub at: String,
    /// "Lead facilitator (Sam)", "Table 3 facilitator"...
    pub actor: String,
    /// "highlighted", "hid (off-topic)", "merged into #12"...
    pub action: String,
    pub comment_id: Option<i64>,
    pub table_number: Option<i64>,
}

/// The activity log page (who did what, when), newest first.
pub struct ActivityPage {
    pub event_title: String,
    pub back_url: String,
    pub entries: Vec<ActivityEntry>,
}

/// A comment in the report.
pub struct ReportComment {
    pub text: String,
    pub name: Option<String>,
    pub agrees: i64,
    pub highlighted: bool,
    pub facilitator: bool,
    /// Starred by a facilitator for the report.
    pub starred: bool,
    /// The event's tags put on it.
    pub tags: Vec<String>,
    /// How many duplicates were merged into it (their agreements are in `agrees`).
    pub merged_count: i64,
}

/// A round's comments at one table; highlighted first.
pub struct ReportRound {
    pub number: i64,
    pub prompt: String,
    pub comments: Vec<ReportComment>,
}

/// One table in the report.
pub struct ReportTable {
    pub number: i64,
    pub theme: String,
    pub description: String,
    pub rounds: Vec<ReportRound>,
}

/// The session report: a self-contained HTML document (inline CSS, no scripts, no outside
/// resources) that prints cleanly.
pub struct ReportPage {
    pub event_title: String,
    pub place: String,
    pub date: String,
    pub description: String,
    /// e.g. "2026-11-30 16:05 UTC".
    pub generated_at: String,
    pub total_comments: i64,
    pub hidden_left_out: i64,
    /// Comments nobody approved (pre-moderation), also left out.
    pub waiting_left_out: i64,
    pub tables: Vec<ReportTable>,
}

/// A plain error page for staff.
pub struct StaffErrorPage {
    pub title: String,
    pub message: String,
}

// ---------------------------------------------------------------------------------------------
// Shared page chrome
// ---------------------------------------------------------------------------------------------

/// Which header a staff page gets.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Chrome {
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
fn staff_doc(
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
fn alert(error: Option<&String>) -> Markup {
    html! {
        @if let Some(message) = error {
            div.alert role="alert" {
                p { (message) }
            }
        }
    }
}

/// "1 comment" / "2 comments".
fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// "Place · date" with empty parts left out.
fn place_and_date(place: &str, date: &str) -> Markup {
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
fn round_kind_label(theme_round: bool) -> &'static str {
    if theme_round {
        "Each table discusses its own theme"
    } else {
        "The same question at every table"
    }
}

// ---------------------------------------------------------------------------------------------
// Log-in, set-up, dashboard
// ---------------------------------------------------------------------------------------------

/// Renders the log-in page.
pub fn login_page(page: &LoginPage) -> Markup {
    let content = html! {
        main #main .narrow {
            h1 { "Organiser log-in" }
            (alert(page.error.as_ref()))
            form.stack method="post" action="/organiser/login" {
                div.field {
                    label for="email" { "Email" }
                    input #email type="email" name="email" value=(page.email)
                        autocomplete="username" required autofocus[page.email.is_empty()];
                }
                div.field {
                    label for="password" { "Password" }
                    input #password type="password" name="password"
                        autocomplete="current-password" required autofocus[!page.email.is_empty()];
                }
                div.actions {
                    button.button.primary type="submit" { "Log in" }
                }
            }
            p.muted {
                "Facilitators don't need to log in: use the console link the organiser gave you."
            }
        }
    };
    staff_doc("Log in", "page-login", Chrome::Plain, &[], content)
}

/// Renders the first-run set-up page.
pub fn setup_page(page: &SetupPage) -> Markup {
    let content = html! {
        main #main .narrow {
            h1 { "Create the organiser account" }
            p {
                "This is the first time Roundtable has been started. Make the account you will use \
                 to set up events. You can add other organisers later."
            }
            (alert(page.error.as_ref()))
            form.stack method="post" action="/setup" {
                input type="hidden" name="token" value=(page.token);
                div.field {
                    label for="name" { "Your name" }
                    input #name type="text" name="name" value=(page.name) autocomplete="name"
                        required maxlength="100";
                }
                div.field {
                    label for="email" { "Email" }
                    input #email type="email" name="email" value=(page.email)
                        autocomplete="username" required;
                }
                div.field {
                    label for="password" { "Password" }
                    p.hint #password-hint { "At least 10 characters. A few unrelated words work well." }
                    input #password type="password" name="password" minlength="10"
                        autocomplete="new-password" aria-describedby="password-hint" required;
                }
                div.field {
                    label for="password_again" { "Password again" }
                    input #password_again type="password" name="password_again" minlength="10"
                        autocomplete="new-password" required;
                }
                div.actions {
                    button.button.primary type="submit" { "Create the account" }
                }
            }
        }
    };
    staff_doc(
        "Create the organiser account",
        "page-setup",
        Chrome::Plain,
        &[],
        content,
    )
}

/// Renders the organiser's event list.
pub fn dashboard_page(page: &DashboardPage) -> Markup {
    let content = html! {
        main #main {
            div.title-row {
                h1 { "Your events" }
                a.button.primary.new-event href="/organiser/events/new" { "New event" }
            }
            p.muted { "Signed in as " bdi { (page.organiser_name) } "." }
            @if page.events.is_empty() {
                div.empty-state {
                    p { "You have no events yet." }
                    p {
                        "Make your first one with " a href="/organiser/events/new" { "New event" }
                        ": give it a title, list the tables and their themes, and write the \
                         questions for each round."
                    }
                }
            } @else {
                ul.event-list {
                    @for event in &page.events {
                        li.event-item {
                            div.event-main {
                                h2.event-title {
                                    a href=(event.url) { bdi { (event.title) } }
                                }
                                p.event-when { (place_and_date(&event.place, &event.date)) }
                            }
                            div.event-side {
                                @if event.open {
                                    span.pill.pill-open { "Open" }
                                } @else {
                                    span.pill.pill-closed { "Closed" }
                                }
                                a.button href=(event.url) {
                                    "View" span.visually-hidden { " " bdi { (event.title) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    staff_doc(
        "Your events",
        "page-dashboard",
        Chrome::Organiser,
        &[],
        content,
    )
}

// ---------------------------------------------------------------------------------------------
// Event form
// ---------------------------------------------------------------------------------------------

fn table_row(i: usize, row: &TableInput) -> Markup {
    let number_id = format!("table_number_{i}");
    let theme_id = format!("table_theme_{i}");
    let desc_id = format!("table_description_{i}");
    html! {
        div.form-row.table-row data-index=(i) {
            div.field.field-number {
                label for=(number_id) { "Number" }
                input id=(number_id) name=(number_id) type="number" min="1" max="999"
                    inputmode="numeric" value=(row.number) placeholder=(i + 1);
            }
            div.field.field-theme {
                label for=(theme_id) { "Theme" }
                input id=(theme_id) name=(theme_id) type="text" value=(row.theme)
                    maxlength="200" placeholder=[(i == 0).then_some("e.g. Buses and transport")];
            }
            div.field.field-desc {
                label for=(desc_id) { "Short description" }
                input id=(desc_id) name=(desc_id) type="text" value=(row.description)
                    maxlength="500"
                    placeholder=[(i == 0).then_some("e.g. Getting to work, college and the hospital")];
            }
        }
    }
}

fn round_row(i: usize, row: &RoundInput) -> Markup {
    let prompt_id = format!("round_prompt_{i}");
    let kind_id = format!("round_kind_{i}");
    let kind = match row.kind.as_str() {
        "same" | "theme" => row.kind.as_str(),
        _ if i == 0 => "same",
        _ => "theme",
    };
    // Short and plainly examples, so an empty row doesn't look filled in.
    let placeholder = match i {
        0 => Some("e.g. Why does this matter here?"),
        1 => Some("e.g. What would make the biggest difference?"),
        _ => None,
    };
    html! {
        div.form-row.round-row data-index=(i) {
            p.row-label { "Round " span.row-num { (i + 1) } }
            div.field.field-prompt {
                label for=(prompt_id) { "Question or prompt" }
                textarea id=(prompt_id) name=(prompt_id) rows="2" maxlength="500"
                    placeholder=[placeholder] { (row.prompt) }
            }
            div.field.field-kind {
                label for=(kind_id) { "Kind of round" }
                select id=(kind_id) name=(kind_id) {
                    option value="same" selected[kind == "same"] { (round_kind_label(false)) }
                    option value="theme" selected[kind == "theme"] { (round_kind_label(true)) }
                }
            }
        }
    }
}

/// Renders the new-event form.
pub fn event_form_page(page: &EventFormPage) -> Markup {
    let table_rows = page.tables.len().max(8);
    let round_rows = page.rounds.len().max(3);
    let blank_table = TableInput::default();
    let blank_round = RoundInput::default();
    let content = html! {
        main #main {
            h1 { "New event" }
            (alert(page.error.as_ref()))
            form #event-form .stack method="post" action="/organiser/events" {
                fieldset {
                    legend { "About the event" }
                    div.field {
                        label for="title" { "Title" }
                        p.hint #title-hint { "Shown on phones, the wall and the report." }
                        input #title type="text" name="title" value=(page.title) required
                            maxlength="200" aria-describedby="title-hint"
                            placeholder="e.g. A fair transition for our town";
                    }
                    div.field {
                        label for="place" { "Place" }
                        input #place type="text" name="place" value=(page.place) required
                            maxlength="200" placeholder="e.g. St Mary's Church Hall, Grimsby";
                    }
                    div.field {
                        label for="date" { "Date" }
                        input #date type="date" name="date" value=(page.date) required
                            aria-describedby="date-hint";
                        p.hint.hint-below #date-hint { "e.g. 2026-12-05" }
                    }
                    div.field {
                        label for="description" { "Description" }
                        p.hint #description-hint { "A sentence or two about the event (optional)." }
                        textarea #description name="description" rows="3" maxlength="2000"
                            aria-describedby="description-hint" { (page.description) }
                    }
                }
                fieldset {
                    legend { "Tables" }
                    p.hint {
                        "One row per table: its number (as on the table card), its theme for the \
                         theme round, and a short description. Rows left blank are ignored."
                    }
                    div #table-rows .rows {
                        @for i in 0..table_rows {
                            (table_row(i, page.tables.get(i).unwrap_or(&blank_table)))
                        }
                    }
                    button #add-table .button type="button" hidden { "Add a table" }
                }
                fieldset {
                    legend { "Rounds" }
                    p.hint {
                        "In order. A round can ask the same question at every table, or let each \
                         table discuss its own theme. Rows left blank are ignored."
                    }
                    div #round-rows .rows {
                        @for i in 0..round_rows {
                            (round_row(i, page.rounds.get(i).unwrap_or(&blank_round)))
                        }
                    }
                    button #add-round .button type="button" hidden { "Add a round" }
                }
                fieldset {
                    legend { "Opening" }
                    div.check {
                        input #start_closed type="checkbox" name="start_closed" value="on"
                            checked[page.start_closed];
                        label for="start_closed" {
                            "Keep closed for now (phones can't post until you open it)"
                        }
                    }
                }
                div.actions {
                    button.button.primary type="submit" { "Create event" }
                    a href="/organiser" { "Cancel" }
                }
            }
        }
    };
    staff_doc(
        "New event",
        "page-event-form",
        Chrome::Organiser,
        &[form_js_path()],
        content,
    )
}

// ---------------------------------------------------------------------------------------------
// Event page
// ---------------------------------------------------------------------------------------------

fn link_block(id: &str, heading: &str, url: &str, who: Markup) -> Markup {
    html! {
        section.link-block id=(id) {
            h3 { (heading) }
            p.who { (who) }
            p.full-url {
                a href=(url) { (url) }
            }
        }
    }
}

/// Renders the organiser's page for one event.
pub fn event_page(page: &EventPage) -> Markup {
    let content = html! {
        main #main {
            p.back { a href="/organiser" { "← Your events" } }
            @if let Some(notice) = &page.notice {
                div.notice role="status" { p { (notice) } }
            }
            h1 { bdi { (page.title) } }
            p.event-when { (place_and_date(&page.place, &page.date)) }
            p {
                @if page.open {
                    span.pill.pill-open { "Open" }
                    " Phones can join with the code and post while a round is open."
                } @else {
                    span.pill.pill-closed { "Closed" }
                    " Phones can't post yet. Open the event from the console when you are ready."
                }
            }
            @if !page.description.trim().is_empty() {
                p.description { bdi { (page.description) } }
            }
            div.code-box {
                p.code-label { "Event code" }
                p.code-big { (page.code) }
                p.hint { "People can type this code on the join page if they can't scan the QR code." }
            }
            h2 { "Links" }
            div.links {
                (link_block("link-console", "Lead console", &page.console_url, html! {
                    strong { "The lead facilitator's console." }
                    " It shows every table: run the clock and the rounds, send announcements, \
                     watch which tables are quiet or dominated, and curate comments. Anyone with \
                     the link can do this, so share it only with the lead team; table \
                     facilitators get their own links below."
                }))
                (link_block("link-wall", "Wall", &page.wall_url, html! {
                    strong { "Open the wall link on the projector laptop." }
                    " It shows the current question and the comments facilitators put on the \
                     wall, with the QR code to join."
                }))
                (link_block("link-cards", "Table cards", &page.cards_url, html! {
                    strong { "Print the table cards" }
                    " and put one on each table. Each card has that table's QR code."
                }))
                (link_block("link-report", "Report", &page.report_url, html! {
                    strong { "Download the report after the event." }
                    " It collects everything written at each table, round by round. Hidden \
                     comments are left out."
                }))
            }
            h2 { "Settings" }
            p #moderation-mode {
                @if page.moderation_pre {
                    strong { "Pre-moderation: " }
                    "comments appear only after a facilitator approves them."
                } @else {
                    strong { "Post-moderation: " }
                    "comments appear at their table at once; on the wall only when highlighted."
                }
            }
            p {
                a #link-settings .button href=(page.settings_url) {
                    "Settings: run of show, moderation, tags"
                }
            }
            h2 #table-links-heading { "Table facilitator links" }
            section #table-links aria-labelledby="table-links-heading" {
                p.who {
                    "Give each table's volunteer facilitator their own link. It opens the console \
                     for that table only: they can read and curate its comments and type in points \
                     made aloud, but not open rounds, run the clock or send announcements."
                }
                @if page.table_console_links.is_empty() {
                    p.empty-state { "This event has no tables yet." }
                } @else {
                    ul.table-links {
                        @for (number, theme, url) in &page.table_console_links {
                            li.table-link {
                                span.table-link-name {
                                    (table_option_label(*number, theme))
                                }
                                a.full-url id=(format!("link-table-console-{number}")) href=(url) {
                                    (url)
                                }
                            }
                        }
                    }
                }
            }
            h2 { "If a link gets into the wrong hands" }
            p {
                "You can replace the console, table facilitator or wall links. The old link stops \
                 working straight away, and screens that use it are disconnected, so hand out the \
                 new link afterwards. The table QR codes and the event code are not affected."
            }
            div.rotate-forms {
                form.rotate-form method="post" action=(page.rotate_url) {
                    input type="hidden" name="which" value="facilitator";
                    button.button type="submit" { "Make a new console link" }
                    p.hint { "The old console link stops working; facilitators need the new one." }
                }
                form.rotate-form method="post" action=(page.rotate_url) {
                    input type="hidden" name="which" value="tables";
                    button.button #rotate-tables type="submit" { "Make new table facilitator links" }
                    p.hint { "Every table's old link stops working; hand out the new ones." }
                }
                form.rotate-form method="post" action=(page.rotate_url) {
                    input type="hidden" name="which" value="wall";
                    button.button type="submit" { "Make a new wall link" }
                    p.hint { "The old wall link stops working; reopen the wall with the new one." }
                }
            }
        }
    };
    staff_doc(&page.title, "page-event", Chrome::Organiser, &[], content)
}

// ---------------------------------------------------------------------------------------------
// Console
// ---------------------------------------------------------------------------------------------

fn table_option_label(number: i64, theme: &str) -> String {
    if theme.trim().is_empty() {
        format!("Table {number}")
    } else {
        format!("Table {number}: {theme}")
    }
}

/// `"pre"` or `"post"`, as in the protocol.
fn moderation_value(pre: bool) -> &'static str {
    if pre { "pre" } else { "post" }
}

/// The mode's name, as shown in the console header. `console.js` has the same texts.
fn moderation_name(pre: bool) -> &'static str {
    if pre {
        "Pre-moderation"
    } else {
        "Post-moderation"
    }
}

/// What the mode means (the header's tooltip). `console.js` has the same texts.
fn moderation_summary(pre: bool) -> &'static str {
    if pre {
        "Pre-moderation: a comment appears nowhere (only on its writer's own phone, marked as \
         waiting) until a facilitator approves it."
    } else {
        "Post-moderation: comments appear at their table at once; on the wall only when \
         highlighted."
    }
}

/// The hint at the top of the "Waiting for approval" section. `console.js` has the same texts.
fn pending_hint(pre: bool) -> &'static str {
    if pre {
        "Pre-moderation is on: a comment appears nowhere \u{2014} not at its table, not on the \
         wall \u{2014} until a facilitator approves it. Only its writer's own phone shows it, \
         marked as waiting."
    } else {
        "Post-moderation is on, so new comments appear at once. These were written under \
         pre-moderation and still appear nowhere (except on their writers' phones) until \
         someone approves them."
    }
}

/// Renders the live console.
pub fn console_page(page: &ConsolePage) -> Markup {
    let single_table = page.tables.len() == 1 || page.scope_table.is_some();
    let lead = page.scope_table.is_none();
    let scope = page
        .scope_table
        .map(|id| id.to_string())
        .unwrap_or_default();
    let content = html! {
        main #main .console .is-lead[lead] .is-table[!lead] data-ws=(page.ws_path)
            data-code=(page.code) data-scope-table=(scope) data-labels=(page.labels.join("\n"))
            data-moderation=(moderation_value(page.moderation_pre)) {
            header.console-head {
                div.console-title {
                    h1 { bdi { (page.event_title) } }
                    p.console-code {
                        span #actor-label .actor-label { (page.actor_label) }
                        " · Code " strong.code { (page.code) }
                        " · "
                        span #moderation-label .moderation-label
                            data-moderation=(moderation_value(page.moderation_pre))
                            title=(moderation_summary(page.moderation_pre)) {
                            (moderation_name(page.moderation_pre))
                        }
                    }
                }
                nav.console-links aria-label="Event links" {
                    @if lead {
                        a #link-wall href=(page.wall_url) target="_blank" rel="noopener" { "Wall" }
                        a #link-report href=(page.report_url) { "Report" }
                        a #link-cards href=(page.cards_url) { "Table cards" }
                    }
                    a #link-activity href=(page.activity_url) { "Activity log" }
                }
                form #name-form .name-form {
                    label for="facilitator-name" { "Your name (for the activity log)" }
                    span.name-row {
                        input #facilitator-name type="text" maxlength="40" autocomplete="name"
                            placeholder="e.g. Sam";
                        button #name-save .button type="submit" { "Save" }
                    }
                    p #name-shown .name-shown hidden {
                        "You are " strong #name-value {} " "
                        button #name-change .link-button type="button" { "Change" }
                    }
                }
                p #conn .conn role="status" data-state="connecting" { "Connecting…" }
            }
            // What the room is doing now, with its clock: visible on every screen size.
            div #now-strip .now-strip hidden {
                p.now-text {
                    span.now-label { "Now" }
                    " "
                    span #now-title .now-title {}
                    " "
                    span #now-speaker .now-speaker {}
                }
                p #countdown .countdown aria-live="off" data-state="" {}
                p #announce-shown .announce-shown hidden {}
            }
            div #errors .alert-area role="alert" {}
            div #merge-banner .merge-banner role="status" hidden {
                p #merge-text {}
                button #merge-cancel .button type="button" { "Cancel merge" }
            }
            div.console-grid {
                // The lead's controls. On a phone they fold away (console.js opens them on a
                // wide screen), so a table facilitator sees their table's comments first.
                @if lead {
                    details #event-controls .console-side {
                        summary.controls-summary {
                            span.controls-title { "Event controls" }
                            " "
                            span #controls-state .controls-state {}
                        }
                        (agenda_panel(true))
                        (announce_panel())
                        section.panel #event-panel aria-labelledby="event-heading" {
                            h2 #event-heading { "Event" }
                            p #event-state { "Waiting for the server…" }
                            button #toggle-open .button type="button" disabled { "Open the event" }
                        }
                        section.panel #rounds-panel aria-labelledby="rounds-heading" {
                            h2 #rounds-heading { "Rounds" }
                            p #round-state .round-state { "Waiting for the server…" }
                            ol #rounds .rounds {
                                @for round in &page.rounds {
                                    (console_round(round))
                                }
                            }
                            @if page.rounds.is_empty() {
                                p.muted #no-rounds { "This event has no rounds." }
                            }
                            button #close-round .button type="button" disabled { "Close round" }
                        }
                    }
                } @else {
                    details #event-controls .console-side {
                        summary.controls-summary {
                            span.controls-title { "Run of show" }
                            " "
                            span #controls-state .controls-state {}
                        }
                        (agenda_panel(false))
                    }
                }
                section.console-main aria-labelledby="comments-heading" {
                    section.panel #overview-panel aria-labelledby="overview-heading" hidden {
                        h2 #overview-heading {
                            @if lead { "Room overview" } @else { "Your table" }
                        }
                        p #overview-scope .hint {}
                        div.overview-wrap {
                            table #overview .overview {
                                caption.visually-hidden {
                                    "Each table: who is here, how much they have written, and \
                                     whether a few voices dominate. Choose a table to see its comments."
                                }
                                thead {
                                    tr {
                                        th scope="col" { "Table" }
                                        th scope="col" { "Here now" }
                                        th scope="col" { "Comments" }
                                        th scope="col" { "Writers" }
                                        th scope="col" { "Top two" }
                                        th scope="col" { "Last post" }
                                        th scope="col" { "Waiting" }
                                    }
                                }
                                tbody #overview-rows {}
                            }
                        }
                    }
                    section.panel #pending-panel aria-labelledby="pending-heading"
                        hidden[!page.moderation_pre] {
                        h2 #pending-heading {
                            "Waiting for approval " span #pending-count .count-pill { "0" }
                        }
                        p #pending-hint .hint { (pending_hint(page.moderation_pre)) }
                        p #no-pending .muted .no-pending { "Nothing is waiting just now." }
                        ol #pending .comments .pending-list {}
                    }
                    div.list-head {
                        h2 #comments-heading { "Comments" }
                        @if lead {
                            div.field.filter-field {
                                label for="table-filter" { "Show" }
                                select #table-filter {
                                    option value="" selected { "All tables" }
                                    @for table in &page.tables {
                                        option value=(table.id) {
                                            (table_option_label(table.number, &table.theme))
                                        }
                                    }
                                }
                            }
                        } @else {
                            // A table facilitator sees one table; the filter stays for console.js.
                            select #table-filter hidden aria-hidden="true" {
                                option value="" { "All tables" }
                                @for table in &page.tables {
                                    option value=(table.id) selected[Some(table.id) == page.scope_table] {
                                        (table_option_label(table.number, &table.theme))
                                    }
                                }
                            }
                        }
                    }
                    section.panel #transcribe-panel aria-labelledby="transcribe-heading" {
                        h2 #transcribe-heading { "Type in a point made aloud" }
                        // console.js checks the fields itself and says what is missing.
                        form #transcribe .transcribe-form novalidate {
                            div.field.transcribe-table {
                                label for="transcribe-table" { "Table" }
                                select #transcribe-table name="table_id" required {
                                    @if !single_table {
                                        option value="" selected { "Choose a table" }
                                    }
                                    @for table in &page.tables {
                                        @if page.scope_table.is_none_or(|id| id == table.id) {
                                            option value=(table.id) selected[single_table] {
                                                (table_option_label(table.number, &table.theme))
                                            }
                                        }
                                    }
                                }
                            }
                            div.field.transcribe-text {
                                label for="transcribe-text" { "What was said" }
                                textarea #transcribe-text name="text" rows="2" maxlength="1000"
                                    required aria-describedby="transcribe-hint" {}
                            }
                            div.check.transcribe-attributed {
                                input #transcribe-attributed type="checkbox" name="attributed" value="on";
                                label for="transcribe-attributed" {
                                    "Attribute to \u{2018}someone at the table\u{2019}"
                                }
                            }
                            div.transcribe-actions {
                                button #transcribe-submit .button.primary type="submit" disabled {
                                    "Add this point"
                                }
                                p #transcribe-status .form-status role="status" {}
                            }
                        }
                        p #transcribe-hint .hint {
                            "It goes into the open round, marked \u{201c}Noted by facilitator\u{201d}. \
                             Ctrl+Enter adds it."
                        }
                    }
                    p #counts .counts aria-live="polite" {}
                    p #no-comments .empty-state {
                        "No comments yet. They appear here as soon as they are written."
                    }
                    ol #comments .comments {}
                }
            }
        }
    };
    staff_doc(
        &format!("Console: {}", page.event_title),
        "page-console",
        Chrome::Bare,
        &[console_js_path()],
        content,
    )
}

/// The run of show: countdown controls and the list of items (buttons for the lead only).
fn agenda_panel(lead: bool) -> Markup {
    html! {
        section.panel #agenda-panel aria-labelledby="agenda-heading" data-lead=(lead) {
            h2 #agenda-heading { "Run of show" }
            p #agenda-state .agenda-state { "Waiting for the server…" }
            @if lead {
                div.agenda-buttons role="group" aria-label="Running item" {
                    button #agenda-minus .button type="button" disabled
                        aria-label="One minute less" { "\u{2212}1 min" }
                    button #agenda-plus .button type="button" disabled
                        aria-label="One minute more" { "+1 min" }
                    button #agenda-end .button type="button" disabled { "End" }
                }
                p #agenda-status .form-status role="status" {}
            }
            ol #agenda .agenda-list {}
            p #no-agenda .muted hidden {
                "No run of show yet. The organiser can add one under Settings on the event page."
            }
        }
    }
}

/// The lead's announcement box: one short line on every phone (and the wall).
fn announce_panel() -> Markup {
    html! {
        section.panel #announce-panel aria-labelledby="announce-heading" {
            h2 #announce-heading { "Announcement" }
            p #announce-current .announce-current { "No announcement." }
            form #announce-form .announce-form novalidate {
                div.field {
                    label for="announce-text" { "Message for every phone" }
                    input #announce-text type="text" maxlength="200" autocomplete="off"
                        placeholder="e.g. Five minutes left in this round"
                        aria-describedby="announce-hint";
                    p #announce-hint .hint.hint-below { "At most 200 characters." }
                }
                div.check {
                    input #announce-wall type="checkbox" checked;
                    label for="announce-wall" { "Also show on the wall" }
                }
                div.announce-actions {
                    button #announce-send .button.primary type="submit" disabled { "Send" }
                    button #announce-clear .button type="button" disabled { "Clear" }
                }
                p #announce-status .form-status role="status" {}
            }
        }
    }
}

/// A round in the console's list. `console.js` keeps the same structure up to date.
fn console_round(round: &ConsoleRound) -> Markup {
    html! {
        li.round id=(format!("round-{}", round.id)) data-round-id=(round.id)
            data-round-number=(round.number) data-status="" {
            div.round-text {
                p.round-title {
                    strong.round-name { "Round " (round.number) }
                    " "
                    span.round-status {}
                }
                p.round-prompt { bdi { (round.prompt) } }
                p.round-kind { (round_kind_label(round.theme_round)) }
            }
            button.button.open-round id=(format!("open-round-{}", round.id)) type="button"
                data-round-id=(round.id) disabled {
                "Open round " (round.number)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Table cards
// ---------------------------------------------------------------------------------------------

/// Renders the printable table cards.
pub fn cards_page(page: &CardsPage) -> Markup {
    let content = html! {
        main #main .cards {
            div.print-hint {
                h1 { "Table cards: " bdi { (page.event_title) } }
                p {
                    "Use your browser's Print (Ctrl+P, or ⌘P on a Mac). Each table prints on its \
                     own A4 page. Put one card on each table."
                }
            }
            @if page.cards.is_empty() {
                p.empty-state { "This event has no tables yet." }
            }
            @for card in &page.cards {
                section.card id=(format!("card-{}", card.number))
                    aria-label=(format!("Table {}", card.number)) {
                    p.card-table { span.card-table-word { "Table" } span.card-number { (card.number) } }
                    @if !card.theme.trim().is_empty() {
                        h2.card-theme { bdi { (card.theme) } }
                    }
                    @if !card.description.trim().is_empty() {
                        p.card-desc { bdi { (card.description) } }
                    }
                    img.card-qr src=(card.qr_svg_url) alt=(format!("QR code for table {}", card.number))
                        width="400" height="400";
                    p.card-scan { "Scan with your phone camera to join this table" }
                    p.card-url { (card.join_url) }
                    p.card-code {
                        "Or go to " strong { (page.landing_url) } " and type " strong.code { (page.code) }
                    }
                    p.card-foot {
                        bdi { (page.event_title) }
                        @if !page.place.trim().is_empty() || !page.date.trim().is_empty() {
                            " · " (place_and_date(&page.place, &page.date))
                        }
                    }
                }
            }
        }
    };
    staff_doc(
        &format!("Table cards: {}", page.event_title),
        "page-cards",
        Chrome::Bare,
        &[],
        content,
    )
}

// ---------------------------------------------------------------------------------------------
// Wall
// ---------------------------------------------------------------------------------------------

/// Renders the wall.
pub fn wall_page(page: &WallPage) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="same-origin";
                title { "Wall: " (page.event_title) " · Roundtable" }
                link rel="icon" href="data:,";
                link rel="stylesheet" href=(wall_css_path());
                script src=(wall_js_path()) defer {}
            }
            body.wall-body {
                main #main .wall data-ws=(page.ws_path) data-code=(page.code) {
                    header.wall-head {
                        div.wall-titles {
                            h1 #wall-title { bdi { (page.event_title) } }
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
                        aside.wall-join aria-label="How to join" {
                            img.wall-qr src=(page.qr_svg_url) alt="QR code to join from your phone"
                                width="400" height="400";
                            div.wall-join-text {
                                p.wall-join-lead { "Join from your phone" }
                                p.wall-landing { (page.landing_url) }
                                p.wall-join-and { "and type" }
                                p.wall-code { (page.code) }
                                p #wall-closed .wall-closed hidden { "Posting is closed for now" }
                            }
                        }
                    }
                    div #wall-announcement .wall-announcement role="status" hidden {
                        p #wall-announcement-text .wall-announcement-text {}
                    }
                    p #wall-empty .wall-empty {
                        "The best points from the tables will appear here."
                    }
                    section #wall-comments .wall-comments aria-label="Comments on the wall" {}
                    p #wall-more .wall-more hidden {}
                    p #wall-conn .wall-conn role="status" data-state="connecting" {
                        span.wall-conn-text { "Connecting…" }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

/// Inline stylesheet of the report: the report is one self-contained file.
const REPORT_CSS: &str = r#"
:root { color-scheme: light; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0 auto; max-width: 46rem; padding: 2rem 1.25rem 4rem;
  font-family: Charter, "Bitstream Charter", "Sitka Text", Cambria, Georgia, serif;
  font-size: 1.05rem; line-height: 1.55; color: #1b1b1b; background: #fff;
}
h1, h2, h3, .meta, .totals, .generated, .tag, nav {
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
h1 { font-size: 2rem; line-height: 1.2; margin: 0 0 .4rem; }
h2 { font-size: 1.45rem; line-height: 1.25; margin: 2.5rem 0 .4rem; padding-top: 1rem;
     border-top: 2px solid #1b1b1b; }
h3 { font-size: 1.1rem; line-height: 1.3; margin: 1.6rem 0 .6rem; color: #333; }
p { margin: 0 0 .75rem; }
.when { font-size: 1.1rem; color: #444; margin-bottom: .75rem; }
.description { white-space: pre-line; }
.generated { color: #555; font-size: .9rem; }
.totals { font-weight: 600; font-size: 1rem; }
nav ol { padding-left: 1.4rem; columns: 2; column-gap: 2rem; font-size: .95rem; }
nav a { color: #1b1b1b; }
.table-desc { color: #444; font-style: italic; white-space: pre-line; }
ol.comments { list-style: none; margin: 0; padding: 0; }
li.comment { margin: 0 0 .8rem; padding: .55rem .8rem; border-left: 3px solid #c8c8c8;
             break-inside: avoid; page-break-inside: avoid; }
li.comment.highlighted { border-left-color: #0b5d4b; background: #f1f7f4; }
.text { margin: 0 0 .25rem; white-space: pre-line; overflow-wrap: anywhere; }
.meta { margin: 0; font-size: .85rem; color: #555; }
.meta span + span::before { content: " · "; }
.marks { margin: 0 0 .15rem; }
.tag { display: inline-block; font-size: .75rem; font-weight: 700; text-transform: uppercase;
       letter-spacing: .04em; color: #0b5d4b; }
.tag + .tag { margin-left: .75rem; }
.tag-starred { color: #7a4b00; }
li.comment.starred { border-left-color: #b7791f; }
li.comment.starred.highlighted { border-left-color: #0b5d4b; }
ul.labels { list-style: none; margin: .3rem 0 0; padding: 0; display: flex; flex-wrap: wrap;
            gap: .3rem; }
li.label { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
           font-size: .75rem; line-height: 1.3; padding: .05rem .45rem; border: 1px solid #8a8a8a;
           border-radius: .6rem; color: #333; background: #fff; }
.empty { color: #666; font-style: italic; }
@page { size: A4; margin: 18mm 16mm 20mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  h1 { font-size: 20pt; }
  h2 { font-size: 15pt; break-after: avoid; page-break-after: avoid; }
  h3 { font-size: 12pt; break-after: avoid; page-break-after: avoid; }
  li.comment.highlighted { background: none; }
  nav a { text-decoration: none; }
}
"#;

/// Renders the report.
pub fn report_page(page: &ReportPage) -> Markup {
    let mut totals = format!(
        "{}; {} left out",
        plural(page.total_comments, "comment", "comments"),
        plural(page.hidden_left_out, "hidden comment", "hidden comments"),
    );
    if page.waiting_left_out > 0 {
        totals.push_str(&format!(
            "; {} still waiting for approval, not included",
            plural(page.waiting_left_out, "comment", "comments")
        ));
    }
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="same-origin";
                title { "Report: " (page.event_title) }
                link rel="icon" href="data:,";
                style { (PreEscaped(REPORT_CSS)) }
            }
            body {
                header {
                    h1 { bdi { (page.event_title) } }
                    p.when { (place_and_date(&page.place, &page.date)) }
                    @if !page.description.trim().is_empty() {
                        p.description { bdi { (page.description) } }
                    }
                    p.generated { "Report generated " (page.generated_at) "." }
                    p.totals { (totals) }
                }
                @if page.tables.len() > 1 {
                    nav aria-label="Tables" {
                        ol {
                            @for table in &page.tables {
                                li {
                                    a href=(format!("#table-{}", table.number)) {
                                        (report_table_heading(table))
                                    }
                                }
                            }
                        }
                    }
                }
                @if page.tables.is_empty() {
                    p.empty { "Nothing was written here." }
                }
                @for table in &page.tables {
                    section.table id=(format!("table-{}", table.number)) {
                        h2 { (report_table_heading(table)) }
                        @if !table.description.trim().is_empty() {
                            p.table-desc { bdi { (table.description) } }
                        }
                        @if table.rounds.is_empty() {
                            p.empty { "Nothing was written here." }
                        }
                        @for round in &table.rounds {
                            section.round {
                                h3 {
                                    "Round " (round.number)
                                    @if !round.prompt.trim().is_empty() {
                                        ": " bdi { (round.prompt) }
                                    }
                                }
                                @if round.comments.is_empty() {
                                    p.empty { "Nothing was written here." }
                                } @else {
                                    ol.comments {
                                        @for comment in &round.comments {
                                            (report_comment(comment))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn report_table_heading(table: &ReportTable) -> Markup {
    html! {
        "Table " (table.number)
        @if !table.theme.trim().is_empty() {
            ": " bdi { (table.theme) }
        }
    }
}

/// "(+1 similar comment merged)" / "(+3 similar comments merged)".
fn merged_note(n: i64) -> String {
    if n == 1 {
        "(+1 similar comment merged)".into()
    } else {
        format!("(+{n} similar comments merged)")
    }
}

fn report_comment(comment: &ReportComment) -> Markup {
    let has_meta = comment.name.is_some()
        || comment.agrees > 0
        || comment.facilitator
        || comment.merged_count > 0;
    let tags: Vec<&String> = comment
        .tags
        .iter()
        .filter(|t| !t.trim().is_empty())
        .collect();
    html! {
        li.comment.highlighted[comment.highlighted].starred[comment.starred] {
            @if comment.starred || comment.highlighted {
                p.marks {
                    @if comment.starred {
                        span.tag.tag-starred {
                            span aria-hidden="true" { "\u{2605} " } "Starred"
                        }
                    }
                    @if comment.highlighted {
                        span.tag { "Highlighted" }
                    }
                }
            }
            p.text { bdi { (comment.text) } }
            @if has_meta {
                p.meta {
                    @if let Some(name) = &comment.name {
                        span.name { "— " bdi { (name) } }
                    }
                    @if comment.agrees > 0 {
                        span.agrees {
                            (plural(comment.agrees, "person agreed", "people agreed"))
                        }
                    }
                    @if comment.merged_count > 0 {
                        span.merged { (merged_note(comment.merged_count)) }
                    }
                    @if comment.facilitator {
                        span.noted { "(noted by facilitator)" }
                    }
                }
            }
            @if !tags.is_empty() {
                ul.labels aria-label="Tags" {
                    @for tag in tags {
                        li.label { bdi { (tag) } }
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Settings and activity log
// ---------------------------------------------------------------------------------------------

/// The fixed kinds of a run-of-show item (rounds come from [`SettingsPage::round_options`]).
const AGENDA_KINDS: [(&str, &str); 5] = [
    ("talk", "Talk"),
    ("pledges", "Pledges"),
    ("break", "Break"),
    ("close", "Close"),
    ("other", "Other"),
];

/// Blank rows kept at the end of the run-of-show editor, for adding items without script.
const AGENDA_SPARE_ROWS: usize = 2;

fn agenda_row_is_blank(row: &AgendaRow) -> bool {
    row.id.trim().is_empty()
        && row.kind.trim().is_empty()
        && row.title.trim().is_empty()
        && row.speaker.trim().is_empty()
        && row.minutes.trim().is_empty()
}

fn agenda_row(i: usize, row: &AgendaRow, round_options: &[(String, String)]) -> Markup {
    let id_name = format!("agenda_id_{i}");
    let kind_id = format!("agenda_kind_{i}");
    let title_id = format!("agenda_title_{i}");
    let speaker_id = format!("agenda_speaker_{i}");
    let minutes_id = format!("agenda_minutes_{i}");
    let kind = row.kind.trim();
    // A kind we don't offer (a round since deleted) stays selectable so it isn't lost silently.
    let known = kind.is_empty()
        || AGENDA_KINDS.iter().any(|(v, _)| *v == kind)
        || round_options.iter().any(|(v, _)| v == kind);
    html! {
        div.form-row.agenda-row data-index=(i) {
            p.row-label { "Item " span.row-num { (i + 1) } }
            input type="hidden" id=(id_name) name=(id_name) value=(row.id);
            div.field.field-kind {
                label for=(kind_id) { "Kind" }
                select id=(kind_id) name=(kind_id) {
                    option value="" selected[kind.is_empty()] { "\u{2014} (remove row)" }
                    option value="talk" selected[kind == "talk"] { "Talk" }
                    @for (value, label) in round_options {
                        option value=(value) selected[kind == value] { (label) }
                    }
                    @for (value, label) in &AGENDA_KINDS[1..] {
                        option value=(value) selected[kind == *value] { (label) }
                    }
                    @if !known {
                        option value=(kind) selected { (kind) }
                    }
                }
            }
            div.field.field-title {
                label for=(title_id) { "Title" }
                input id=(title_id) name=(title_id) type="text" value=(row.title) maxlength="200"
                    placeholder=[(i == 0).then_some("e.g. Welcome and why we're here")];
            }
            div.field.field-speaker {
                label for=(speaker_id) { "Speaker (for talks)" }
                input id=(speaker_id) name=(speaker_id) type="text" value=(row.speaker)
                    maxlength="100";
            }
            div.field.field-minutes {
                label for=(minutes_id) { "Minutes" }
                input id=(minutes_id) name=(minutes_id) type="number" min="0" max="240"
                    inputmode="numeric" value=(row.minutes);
            }
        }
    }
}

/// Renders the settings page: moderation mode, tags and the run of show. Works without script;
/// `form.js` adds an "Add an item" button.
pub fn settings_page(page: &SettingsPage) -> Markup {
    let trailing_blank = page
        .agenda
        .iter()
        .rev()
        .take_while(|r| agenda_row_is_blank(r))
        .count();
    let blank = AgendaRow::default();
    let rows = page.agenda.len() + AGENDA_SPARE_ROWS.saturating_sub(trailing_blank);
    let content = html! {
        main #main {
            p.back { a #settings-back href=(page.back_url) { "\u{2190} Back to the event" } }
            h1 { "Settings: " bdi { (page.event_title) } }
            (alert(page.error.as_ref()))
            @if let Some(notice) = &page.notice {
                div.notice role="status" { p { (notice) } }
            }
            form #settings-form .stack method="post" action=(page.action_url) {
                fieldset #moderation-fieldset {
                    legend { "Moderation" }
                    div.check {
                        input #moderation-post type="radio" name="moderation" value="post"
                            checked[!page.moderation_pre];
                        label for="moderation-post" {
                            strong { "Post-moderation" } " (usual). "
                            "Comments appear at their table at once; on the wall only when highlighted."
                        }
                    }
                    div.check {
                        input #moderation-pre type="radio" name="moderation" value="pre"
                            checked[page.moderation_pre];
                        label for="moderation-pre" {
                            strong { "Pre-moderation. " }
                            "Comments appear only after a facilitator approves them."
                        }
                    }
                }
                fieldset {
                    legend { "Tags" }
                    div.field {
                        label for="labels" { "Tags facilitators can put on comments" }
                        p.hint #labels-hint {
                            "One per line, e.g. \u{201c}Campaign idea\u{201d}, \u{201c}Follow up\u{201d}, \
                             \u{201c}For the policy team\u{201d}. They show in the report."
                        }
                        textarea #labels name="labels" rows="5" maxlength="2000"
                            aria-describedby="labels-hint" { (page.labels_text) }
                    }
                }
                fieldset {
                    legend { "Run of show" }
                    p.hint {
                        "The items of the event in order, with how long each should take. The \
                         console starts each one and counts down; the wall shows the time left. A \
                         round item opens its round when started. To remove an item, set its kind \
                         to \u{201c}\u{2014} (remove row)\u{201d}. Rows left blank are ignored."
                    }
                    div #agenda-rows .rows {
                        @for i in 0..rows {
                            (agenda_row(i, page.agenda.get(i).unwrap_or(&blank), &page.round_options))
                        }
                    }
                    button #add-agenda .button type="button" hidden { "Add an item" }
                }
                div.actions {
                    button #settings-save .button.primary type="submit" { "Save settings" }
                    a href=(page.back_url) { "Cancel" }
                }
            }
        }
    };
    staff_doc(
        &format!("Settings: {}", page.event_title),
        "page-settings",
        Chrome::Organiser,
        &[form_js_path()],
        content,
    )
}

/// Renders the activity log (newest first, as given).
pub fn activity_page(page: &ActivityPage) -> Markup {
    let content = html! {
        main #main {
            p.back { a #activity-back href=(page.back_url) { "\u{2190} Back" } }
            h1 { "Activity log: " bdi { (page.event_title) } }
            p.hint {
                "What facilitators did on the console, newest first. Comment text is not shown here."
            }
            @if page.entries.is_empty() {
                p #activity-empty .empty-state {
                    "Nothing yet. Highlighting, hiding, approving, tagging, rounds and \
                     announcements will be listed here as facilitators do them."
                }
            } @else {
                div.table-scroll {
                    table #activity .data-table {
                        caption.visually-hidden { "Facilitator actions, newest first" }
                        thead {
                            tr {
                                th scope="col" { "Time" }
                                th scope="col" { "Who" }
                                th scope="col" { "What" }
                                th scope="col" { "Table" }
                                th scope="col" { "Comment" }
                            }
                        }
                        tbody {
                            @for entry in &page.entries {
                                tr.activity-entry {
                                    td.activity-at { (entry.at) }
                                    td.activity-who { bdi { (entry.actor) } }
                                    td.activity-what { bdi { (entry.action) } }
                                    td.activity-table {
                                        @if let Some(n) = entry.table_number { (n) }
                                        @else { span.muted { "\u{2014}" } }
                                    }
                                    td.activity-comment {
                                        @if let Some(id) = entry.comment_id { "#" (id) }
                                        @else { span.muted { "\u{2014}" } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    staff_doc(
        &format!("Activity log: {}", page.event_title),
        "page-activity",
        Chrome::Plain,
        &[],
        content,
    )
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
            notice: None,
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

    fn report_comment_fixture(text: &str) -> ReportComment {
        ReportComment {
            text: text.into(),
            name: None,
            agrees: 0,
            highlighted: false,
            facilitator: false,
            starred: false,
            tags: vec![],
            merged_count: 0,
        }
    }

    #[test]
    fn report_shows_stars_tags_and_merges_without_scripts() {
        let starred = ReportComment {
            name: Some("Amira".into()),
            agrees: 4,
            highlighted: true,
            starred: true,
            tags: vec!["Campaign idea".into(), EVIL.into(), "  ".into()],
            merged_count: 2,
            ..report_comment_fixture("Sunday buses")
        };
        let one_merge = ReportComment {
            merged_count: 1,
            ..report_comment_fixture("Cheaper fares")
        };
        let plain = report_comment_fixture("Plain one");
        let page = ReportPage {
            event_title: EVIL.into(),
            place: "Grimsby".into(),
            date: "2026-12-05".into(),
            description: String::new(),
            generated_at: "2026-12-05 21:00 UTC".into(),
            total_comments: 3,
            hidden_left_out: 1,
            waiting_left_out: 2,
            tables: vec![ReportTable {
                number: 1,
                theme: "Buses".into(),
                description: String::new(),
                rounds: vec![ReportRound {
                    number: 1,
                    prompt: "Why here?".into(),
                    comments: vec![starred, one_merge, plain],
                }],
            }],
        };
        let html = report_page(&page).into_string();
        assert!(!html.contains(EVIL), "user text is escaped");
        assert!(!html.contains("<script"), "no scripts");
        assert!(
            !html.contains("<link rel=\"stylesheet\""),
            "inline CSS only"
        );
        assert!(!html.contains("src=\"http"), "nothing from other hosts");
        assert!(html.contains("<style>"));
        assert!(html.contains("2 comments still waiting for approval, not included"));
        // Starred is said in words, not by colour alone.
        assert!(html.contains("class=\"comment highlighted starred\""));
        assert!(html.contains("<span aria-hidden=\"true\">\u{2605} </span>Starred"));
        assert_eq!(
            html.matches("</span>Starred</span>").count(),
            1,
            "only the starred one"
        );
        assert!(html.contains("Highlighted"));
        // Tags as labels, blank ones dropped.
        assert!(html.contains("<ul class=\"labels\" aria-label=\"Tags\">"));
        assert!(html.contains("<li class=\"label\"><bdi>Campaign idea</bdi></li>"));
        assert_eq!(html.matches("<li class=\"label\">").count(), 2);
        // Merged duplicates.
        assert!(html.contains("(+2 similar comments merged)"));
        assert!(html.contains("(+1 similar comment merged)"));
        assert_eq!(html.matches("similar comment").count(), 2);
        assert!(html.contains("4 people agreed"));
        // The plain comment has no marks, labels or meta line.
        let plain_at = html.find("Plain one").unwrap_or(0);
        let plain_li = &html[html[..plain_at].rfind("<li").unwrap_or(0)..];
        let plain_li = &plain_li[..plain_li.find("</li>").unwrap_or(plain_li.len())];
        assert!(plain_li.starts_with("<li class=\"comment\">"), "{plain_li}");
        assert!(!plain_li.contains("marks") && !plain_li.contains("meta"));
    }

    #[test]
    fn assets_are_content_hashed() {
        let paths: Vec<String> = assets().into_iter().map(|(p, _, _)| p).collect();
        assert_eq!(paths.len(), 5);
        assert!(paths.contains(&console_js_path()));
        assert!(paths.contains(&wall_js_path()));
    }
}
