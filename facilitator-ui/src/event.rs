//! The event form, the organiser's event page, and the settings page (moderation, tags, run of show).

use super::*;

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

/// One wall of an event, as listed on the event page.
#[derive(Debug, Clone)]
pub struct WallLink {
    pub id: i64,
    pub name: String,
    /// Absolute URL of the wall page.
    pub url: String,
    pub main: bool,
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
    /// Every wall of the event, the main one first.
    pub walls: Vec<WallLink>,
    /// POST with field `name` to add another wall (its own link and layout).
    pub add_wall_url: String,
    /// Shown after an action, e.g. "A new console link was made; the old one no longer works."
    pub notice: Option<String>,
    /// Both reports in every format, share links and the campaign.
    pub reports: crate::ReportsBox,
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

pub(crate) fn table_row(i: usize, row: &TableInput) -> Markup {
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

pub(crate) fn round_row(i: usize, row: &RoundInput) -> Markup {
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

/// The walls: the main one (`#link-wall`), any others, and the form to add one.
pub(crate) fn walls_block(page: &EventPage) -> Markup {
    let main_url = page
        .walls
        .iter()
        .find(|w| w.main)
        .map(|w| w.url.as_str())
        .unwrap_or(page.wall_url.as_str());
    let main_id = page.walls.iter().find(|w| w.main).map(|w| w.id);
    let others: Vec<&WallLink> = page.walls.iter().filter(|w| !w.main).collect();
    html! {
        section.link-block #link-wall {
            h3 { @if others.is_empty() { "Wall" } @else { "Walls" } }
            p.who {
                strong { "Open the wall link on the projector laptop." }
                " It shows the current question and the comments facilitators put on the \
                 wall, with the QR code to join. The lead console chooses each wall's layout."
            }
            ul.wall-links {
                li.wall-link {
                    span.wall-link-name {
                        @if let Some(w) = page.walls.iter().find(|w| w.main) {
                            bdi { (w.name) } " (main wall)"
                        } @else {
                            "Main wall"
                        }
                    }
                    p.full-url {
                        a id=[main_id.map(|id| format!("link-wall-{id}"))] href=(main_url) {
                            (main_url)
                        }
                    }
                }
                @for wall in &others {
                    li.wall-link {
                        span.wall-link-name { bdi { (wall.name) } }
                        p.full-url {
                            a id=(format!("link-wall-{}", wall.id)) href=(wall.url) { (wall.url) }
                        }
                    }
                }
            }
            form #add-wall-form .add-wall-form method="post" action=(page.add_wall_url) {
                div.field {
                    label for="wall-name" { "Add a wall for another screen" }
                    span.add-wall-row {
                        input #wall-name type="text" name="name" maxlength="60" required
                            placeholder="e.g. Side screen";
                        button #add-wall .button type="submit" { "Add a wall" }
                    }
                }
                p.hint {
                    "Each wall has its own link and its own layout, or follows the main wall."
                }
            }
        }
    }
}

pub(crate) fn link_block(id: &str, heading: &str, url: &str, who: Markup) -> Markup {
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
                (walls_block(page))
                (link_block("link-cards", "Table cards", &page.cards_url, html! {
                    strong { "Print the table cards" }
                    " and put one on each table. Each card has that table's QR code."
                }))

            }
            (crate::reports_box(&page.reports))
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
                " "
                a #link-pledges .button href={ (page.settings_url.trim_end_matches("/settings")) "/pledges" } {
                    "Phones: language, pledges, \u{201c}about you\u{201d}"
                }
                " "
                a #link-privacy .button href={ (page.settings_url.trim_end_matches("/settings")) "/privacy" } {
                    "Privacy: notice, retention, delete"
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
                    button.button #rotate-wall type="submit" {
                        @if page.walls.len() > 1 { "Make a new main wall link" }
                        @else { "Make a new wall link" }
                    }
                    p.hint { "The old wall link stops working; reopen the wall with the new one." }
                }
                @for wall in page.walls.iter().filter(|w| !w.main) {
                    form.rotate-form method="post" action=(page.rotate_url) {
                        input type="hidden" name="which" value=(format!("wall:{}", wall.id));
                        button.button id=(format!("rotate-wall-{}", wall.id)) type="submit" {
                            "Make a new link for \u{201c}" bdi { (wall.name) } "\u{201d}"
                        }
                        p.hint { "That wall's old link stops working; reopen it with the new one." }
                    }
                }
            }
        }
    };
    staff_doc(&page.title, "page-event", Chrome::Organiser, &[], content)
}

/// The fixed kinds of a run-of-show item (rounds come from [`SettingsPage::round_options`]).
pub(crate) const AGENDA_KINDS: [(&str, &str); 5] = [
    ("talk", "Talk"),
    ("pledges", "Pledges"),
    ("break", "Break"),
    ("close", "Close"),
    ("other", "Other"),
];

/// Blank rows kept at the end of the run-of-show editor, for adding items without script.
pub(crate) const AGENDA_SPARE_ROWS: usize = 2;

pub(crate) fn agenda_row_is_blank(row: &AgendaRow) -> bool {
    row.id.trim().is_empty()
        && row.kind.trim().is_empty()
        && row.title.trim().is_empty()
        && row.speaker.trim().is_empty()
        && row.minutes.trim().is_empty()
}

pub(crate) fn agenda_row(i: usize, row: &AgendaRow, round_options: &[(String, String)]) -> Markup {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn page(walls: Vec<WallLink>) -> EventPage {
        EventPage {
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
            table_console_links: vec![],
            moderation_pre: false,
            rotate_url: "/organiser/events/1/rotate".into(),
            walls,
            add_wall_url: "/organiser/events/1/walls".into(),
            notice: None,
            reports: Default::default(),
        }
    }

    #[test]
    fn event_page_lists_walls_with_links_rotation_and_add_form() {
        let html = event_page(&page(vec![
            WallLink {
                id: 3,
                name: "Main wall".into(),
                url: "http://h/wall/b".into(),
                main: true,
            },
            WallLink {
                id: 9,
                name: "<i>Side</i> screen".into(),
                url: "http://h/wall/side".into(),
                main: false,
            },
        ]))
        .into_string();
        assert!(!html.contains("<i>Side</i>"), "wall names are escaped");
        for needle in [
            "id=\"link-wall\"",
            "id=\"link-wall-3\" href=\"http://h/wall/b\"",
            "id=\"link-wall-9\" href=\"http://h/wall/side\"",
            "name=\"which\" value=\"wall\"",
            "name=\"which\" value=\"wall:9\"",
            "id=\"rotate-wall-9\"",
            "id=\"add-wall-form\"",
            "action=\"/organiser/events/1/walls\"",
            "id=\"wall-name\"",
            "name=\"name\"",
            "id=\"add-wall\"",
        ] {
            assert!(html.contains(needle), "missing {needle}");
        }
        assert!(
            !html.contains("value=\"wall:3\""),
            "the main wall rotates with which=wall"
        );
    }

    #[test]
    fn event_page_without_wall_list_still_links_the_wall() {
        let html = event_page(&page(vec![])).into_string();
        assert!(html.contains("id=\"link-wall\""));
        assert!(html.contains("href=\"http://h/wall/b\""));
        assert!(html.contains("id=\"add-wall-form\""));
    }
}
