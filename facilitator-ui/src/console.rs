//! The live facilitator console (lead or one table) and the activity log.

use super::*;

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

pub(crate) fn table_option_label(number: i64, theme: &str) -> String {
    if theme.trim().is_empty() {
        format!("Table {number}")
    } else {
        format!("Table {number}: {theme}")
    }
}

/// `"pre"` or `"post"`, as in the protocol.
pub(crate) fn moderation_value(pre: bool) -> &'static str {
    if pre { "pre" } else { "post" }
}

/// The mode's name, as shown in the console header. `console.js` has the same texts.
pub(crate) fn moderation_name(pre: bool) -> &'static str {
    if pre {
        "Pre-moderation"
    } else {
        "Post-moderation"
    }
}

/// What the mode means (the header's tooltip). `console.js` has the same texts.
pub(crate) fn moderation_summary(pre: bool) -> &'static str {
    if pre {
        "Pre-moderation: a comment appears nowhere (only on its writer's own phone, marked as \
         waiting) until a facilitator approves it."
    } else {
        "Post-moderation: comments appear at their table at once; on the wall only when \
         highlighted."
    }
}

/// The hint at the top of the "Waiting for approval" section. `console.js` has the same texts.
pub(crate) fn pending_hint(pre: bool) -> &'static str {
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
                        (walls_panel())
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
                        @if lead { p #pledge-total .hint hidden {} }
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
                                // Sends the main wall to "focus" on the chosen table.
                                button #filter-to-wall .button type="button" hidden {
                                    "Show this table on the wall"
                                }
                                p #filter-to-wall-status .form-status role="status" {}
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
                    (images_panel(page))
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

/// Largest image a facilitator may upload, in MB (the server's limit; `console.js` says the same).
pub(crate) const IMAGE_MAX_MB: u32 = 10;

/// The longest image caption (the server's limit).
pub(crate) const IMAGE_CAPTION_MAX: u32 = 120;

/// Images: the upload form and the event's images (a table facilitator: their table's).
/// `console.js` fills `#images` from `state.images` and `image` messages: per image an `li`
/// `img-{id}` with its thumbnail and the buttons `img-show-{id}` ("Put on wall" / "Take off
/// wall") and `img-hide-{id}` ("Hide" / "Restore").
pub(crate) fn images_panel(page: &ConsolePage) -> Markup {
    let lead = page.scope_table.is_none();
    html! {
        section.panel #images-panel aria-labelledby="images-heading" {
            h2 #images-heading { "Images" }
            p #image-hint .hint {
                "A photo of a flipchart or a drawing: JPEG, PNG or WebP, at most "
                (IMAGE_MAX_MB) " MB. "
                @if lead {
                    "It goes on the wall only when someone puts it there."
                } @else {
                    "It belongs to your table, and goes on the wall only when someone puts it there."
                }
            }
            // console.js sends the chosen file itself (the raw bytes) and says what went wrong.
            form #image-form .image-form novalidate {
                div.field.image-file-field {
                    label for="image-file" { "Image" }
                    input #image-file type="file" name="image"
                        accept="image/jpeg,image/png,image/webp" aria-describedby="image-hint";
                }
                div.field.image-caption-field {
                    label for="image-caption" { "Caption (optional)" }
                    input #image-caption type="text" name="caption"
                        maxlength=(IMAGE_CAPTION_MAX) autocomplete="off"
                        placeholder="e.g. Our flipchart: three ideas for the park";
                }
                @if lead {
                    div.field.image-table-field {
                        label for="image-table" { "Table" }
                        select #image-table name="table" {
                            option value="" selected { "Whole room (no table)" }
                            @for table in &page.tables {
                                option value=(table.id) {
                                    (table_option_label(table.number, &table.theme))
                                }
                            }
                        }
                    }
                }
                div.image-actions {
                    button #image-upload .button.primary type="submit" { "Upload" }
                    p #image-status .form-status role="status" aria-live="polite" {}
                }
            }
            p #no-images .muted .no-images { "No images yet." }
            ul #images .image-list aria-label="Images" {}
        }
    }
}

/// The run of show: countdown controls and the list of items (buttons for the lead only).
pub(crate) fn agenda_panel(lead: bool) -> Markup {
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
pub(crate) fn announce_panel() -> Markup {
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

/// The lead's wall controls. `console.js` fills `#walls-list` from `state.walls` and `walls`
/// messages: per wall `wall-layout-{id}` (select), `wall-table-{id}` (select, for "focus"),
/// `wall-theme-{id}` (select), `wall-join-{id}` (checkbox), `wall-seconds-{id}` (number) and,
/// for a wall other than the main one, `wall-follows-{id}` (checkbox). Each change sends
/// `wall_set` at once.
pub(crate) fn walls_panel() -> Markup {
    html! {
        section.panel #walls-panel aria-labelledby="walls-heading" {
            h2 #walls-heading { "Walls" }
            p #walls-state .muted { "Waiting for the server…" }
            div #walls-list .walls-list {}
        }
    }
}

/// A round in the console's list. `console.js` keeps the same structure up to date.
pub(crate) fn console_round(round: &ConsoleRound) -> Markup {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn page(scope_table: Option<i64>) -> ConsolePage {
        ConsolePage {
            event_title: "T".into(),
            code: "K7QD-2M9X".into(),
            ws_path: "/console/tok/ws".into(),
            tables: vec![ConsoleTable {
                id: 11,
                number: 1,
                theme: "Buses".into(),
            }],
            rounds: vec![],
            report_url: "/r".into(),
            cards_url: "/c".into(),
            wall_url: "/w".into(),
            scope_table,
            actor_label: "Lead facilitator".into(),
            activity_url: "/console/tok/activity".into(),
            labels: vec![],
            moderation_pre: false,
        }
    }

    #[test]
    fn lead_console_has_the_walls_panel_and_quick_wall_button() {
        let html = console_page(&page(None)).into_string();
        for needle in [
            "id=\"walls-panel\"",
            "id=\"walls-list\"",
            "id=\"walls-state\"",
            "id=\"filter-to-wall\"",
            "id=\"filter-to-wall-status\"",
        ] {
            assert!(html.contains(needle), "missing {needle}");
        }
    }

    #[test]
    fn lead_console_has_the_image_form_with_a_table_choice() {
        let html = console_page(&page(None)).into_string();
        for needle in [
            "id=\"images-panel\"",
            "id=\"image-form\"",
            "id=\"image-file\"",
            "type=\"file\"",
            "accept=\"image/jpeg,image/png,image/webp\"",
            "id=\"image-caption\"",
            "maxlength=\"120\"",
            "id=\"image-table\"",
            "Whole room (no table)",
            "<option value=\"11\">Table 1: Buses</option>",
            "id=\"image-upload\"",
            "id=\"images\"",
            "id=\"no-images\"",
        ] {
            assert!(html.contains(needle), "missing {needle}");
        }
        // The status line is read out as it changes.
        let status = &html[html.find("id=\"image-status\"").unwrap_or(0)..];
        let status = &status[..status.find('>').unwrap_or(0)];
        assert!(status.contains("aria-live=\"polite\""), "{status}");
        assert!(status.contains("role=\"status\""), "{status}");
        // Cameras are offered, not forced.
        let file = &html[html.find("id=\"image-file\"").unwrap_or(0)..];
        let file = &file[..file.find('>').unwrap_or(0)];
        assert!(!file.contains("capture"), "{file}");
        // The panel sits beside the comments, after the form for points made aloud.
        let transcribe = html.find("id=\"transcribe-panel\"").unwrap_or(usize::MAX);
        let images = html.find("id=\"images-panel\"").unwrap_or(0);
        assert!(transcribe < images);
    }

    #[test]
    fn table_console_uploads_to_its_own_table() {
        let html = console_page(&page(Some(11))).into_string();
        for needle in [
            "id=\"image-form\"",
            "id=\"image-file\"",
            "id=\"image-caption\"",
            "id=\"image-upload\"",
            "id=\"image-status\"",
            "id=\"images\"",
        ] {
            assert!(html.contains(needle), "missing {needle}");
        }
        assert!(!html.contains("id=\"image-table\""), "no table choice");
        assert!(html.contains("It belongs to your table"));
    }

    #[test]
    fn table_console_has_no_wall_controls() {
        let html = console_page(&page(Some(11))).into_string();
        assert!(!html.contains("id=\"walls-panel\""));
        assert!(!html.contains("id=\"filter-to-wall\""));
    }
}
