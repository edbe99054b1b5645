//! The phone pages attendees see: the landing page where a short code is typed, the table
//! chooser, and the table page where comments are written and agreed with.
//!
//! Pages take plain props structs (no server types), so this crate depends on maud only.
//! Every page works with JavaScript off (plain HTML forms); `phone.js` only adds live updates.

use maud::{DOCTYPE, Markup, html};
use std::sync::LazyLock;

pub mod i18n;
mod pledge;
mod privacy;

pub use i18n::Lang;
use i18n::{count, t, tv};
pub use pledge::{AboutPage, AboutQuestion, PledgeOptionView, PledgePage, about_page, pledge_page};
pub use privacy::{CommentsKept, MineItem, MinePage, PrivacyPage, mine_page, privacy_page};

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

/// The script in each language: `phone.js` with its `var L = {};` filled with that
/// language's messages. (path, body), in [`Lang::ALL`] order.
static SCRIPTS: LazyLock<Vec<(String, String)>> = LazyLock::new(|| {
    Lang::ALL
        .iter()
        .map(|&lang| {
            let body = i18n::compact_script(PHONE_JS, lang);
            let hash = fnv1a(body.as_bytes());
            (
                format!("/assets/phone-{}-{hash:016x}.js", lang.code()),
                body,
            )
        })
        .collect()
});

/// Every asset of this crate: (content-hashed path, content type, body).
pub fn assets() -> Vec<(String, &'static str, &'static str)> {
    let mut out = vec![(css_path(), "text/css; charset=utf-8", PHONE_CSS)];
    for (path, body) in SCRIPTS.iter() {
        out.push((
            path.clone(),
            "text/javascript; charset=utf-8",
            body.as_str(),
        ));
    }
    out
}

/// Content-hashed path of the stylesheet (cache it for a year).
pub fn css_path() -> String {
    format!("/assets/phone-{CSS_HASH:016x}.css")
}

/// Content-hashed path of the script in `lang` (cache it for a year).
pub fn js_path(lang: Lang) -> String {
    SCRIPTS
        .get(lang as usize)
        .map(|(p, _)| p.clone())
        .unwrap_or_default()
}

/// The language switch in the header: where it goes (it comes back to this page).
pub struct LangSwitch {
    /// The page's language.
    pub lang: Lang,
    /// `/lang/{other}?back=…`
    pub url: String,
}

impl LangSwitch {
    /// English, no switch link (tests and pages that have none).
    pub fn english() -> Self {
        LangSwitch {
            lang: Lang::En,
            url: String::new(),
        }
    }
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
    pub lang: LangSwitch,
    pub event_title: String,
    pub place: String,
    pub date: String,
    /// The table's database id: `presence` messages count devices by it.
    pub table_id: i64,
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
    /// The pledge card (see [`PledgeCard`]).
    pub pledge: PledgeCard,
    /// "About you" is on and this phone hasn't answered: a link to the questions.
    pub about_url: Option<String>,
    /// Who runs the event (named in the footer) and the privacy notice's page.
    pub run_by: String,
    pub privacy_url: String,
    /// "Your comments": see and delete what this phone wrote.
    pub mine_url: String,
}

/// The pledge card on the table page.
pub struct PledgeCard {
    /// The pledge page of this table.
    pub url: String,
    /// The lead is running the pledges item now.
    pub running: bool,
    /// This phone has pledged.
    pub pledged: bool,
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
    pub lang: LangSwitch,
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

/// The landing page: type the code from the table card.
pub struct LandingPage {
    pub lang: LangSwitch,
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
    pub lang: LangSwitch,
    pub event_title: String,
    pub place: String,
    pub tables: Vec<TableChoice>,
}

/// A plain error page in the phone style (bad link, event over...).
pub struct PhoneErrorPage {
    pub lang: LangSwitch,
    pub title: String,
    pub message: String,
}

/// A name worth showing: `None` when absent or only spaces.
fn shown_name(name: Option<&String>) -> Option<&str> {
    name.map(String::as_str).filter(|n| !n.trim().is_empty())
}

/// `<head>` shared by every page. Only the table page loads the script.
fn head(title: &str, script: Option<Lang>) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) }
            link rel="icon" href="data:,";
            link rel="stylesheet" href=(css_path());
            @if let Some(lang) = script {
                script src=(js_path(lang)) defer {}
            }
        }
    }
}

/// The header: event title (or the product name) and an optional small line under it.
/// `live` (table page only) adds the connection state and how many are at the table.
fn top(switch: &LangSwitch, event_title: &str, meta: &str, live: Option<i64>) -> Markup {
    let l = switch.lang;
    html! {
        header.top {
            @if !switch.url.is_empty() {
                // The label starts with the visible words (WCAG 2.5.3, label in name).
                a #lang-switch .lang href=(switch.url) lang=(l.other().code())
                    aria-label=(format!("{} — {}", t(l, "lang-switch"), t(l, "lang-switch-label")))
                    { (t(l, "lang-switch")) }
            }
            p.ev { bdi { (event_title) } }
            @if !meta.is_empty() {
                p.ev-meta { bdi { (meta) } }
            }
            @if let Some(n) = live {
                div.live {
                    p #conn .conn role="status" {}
                    p #present .present hidden[n < 1] { (present_text(l, n)) }
                }
            }
        }
    }
}

/// "5 people at this table"; `phone.js` says the same.
fn present_text(l: Lang, n: i64) -> String {
    count(l, "present-one", "present-many", n)
}

/// "Round 1", "Talk: Cllr Smith"; `phone.js` builds the same from an agenda item.
fn agenda_label(a: &AgendaView) -> String {
    match a
        .speaker
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => format!("{}: {s}", a.title),
        None => a.title.clone(),
    }
}

/// Time left in words, for pages read without JavaScript (`phone.js` replaces it with a
/// ticking mm:ss).
fn time_left(l: Lang, ends_at: i64, now: i64) -> String {
    let ms = ends_at.saturating_sub(now);
    if ms <= 0 {
        return t(l, "times-up").into();
    }
    let minutes = (ms.saturating_add(59_999) / 60_000).to_string();
    tv(l, "time-left", &[("n", &minutes)])
}

/// The slim strip saying what is running now, with its countdown.
fn agenda_strip(l: Lang, agenda: Option<&AgendaView>, now: i64) -> Markup {
    let ends = agenda.and_then(|a| a.ends_at);
    html! {
        div #agenda-now .agenda hidden[agenda.is_none()] data-end=[ends] {
            span #agenda-title { @if let Some(a) = agenda { bdi { (agenda_label(a)) } } }
            span #countdown .cd.over[ends.is_some_and(|e| e <= now)] role="timer" {
                @if let Some(e) = ends { (time_left(l, e, now)) }
            }
        }
    }
}

/// The first 60 characters of a comment, for "Replying to: …".
fn snippet(text: &str) -> String {
    let t = text.trim();
    let mut s: String = t.chars().take(60).collect();
    if t.chars().nth(60).is_some() {
        s.push('…');
    }
    s
}

/// Comments grouped as threads: roots newest first as given, each with its replies oldest
/// first. A reply nests only under a root that is shown (one level deep); a reply whose
/// comment is not shown stands on its own. `phone.js` (`place`) follows the same rule.
fn threads(comments: &[CommentView]) -> Vec<(&CommentView, Vec<&CommentView>)> {
    let roots: std::collections::HashSet<i64> = comments
        .iter()
        .filter(|c| c.reply_to.is_none())
        .map(|c| c.id)
        .collect();
    let nested = |c: &CommentView| c.reply_to.is_some_and(|p| roots.contains(&p));
    let mut out: Vec<(&CommentView, Vec<&CommentView>)> = comments
        .iter()
        .filter(|c| !nested(c))
        .map(|c| (c, Vec::new()))
        .collect();
    for c in comments.iter().filter(|c| nested(c)) {
        if let Some(t) = out.iter_mut().find(|t| Some(t.0.id) == c.reply_to) {
            t.1.push(c);
        }
    }
    for t in &mut out {
        t.1.sort_by_key(|c| c.id);
    }
    out
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
fn agree_button(l: Lang, agrees: i64, agreed: bool) -> Markup {
    html! {
        button.agree-btn.done[agreed] type="submit" disabled[agreed] {
            @if agreed { (t(l, "you-agreed")) } @else { (t(l, "agree")) }
            @if agrees > 0 {
                span.n { " · " (agrees) }
            }
        }
    }
}

/// One comment with its replies; `phone.js` builds the same shape (see `build` and `fill`
/// there). Without `agree_url_prefix` it is read-only (the room page): no buttons.
fn comment_item(
    l: Lang,
    c: &CommentView,
    replies: &[&CommentView],
    agree_url_prefix: Option<&str>,
) -> Markup {
    html! {
        li.comment.facil[c.facilitator].wall[c.highlighted].pending[c.pending]
            id={ "c-" (c.id) } data-id=(c.id) data-reply-to=[c.reply_to]
        {
            @if c.pending || c.facilitator || c.highlighted {
                p.tags {
                    @if c.pending {
                        span.tag.tag-wait { (t(l, "tag-waiting")) }
                    }
                    @if c.facilitator {
                        span.tag.tag-facil { (t(l, "tag-facilitator")) }
                    }
                    @if c.highlighted {
                        span.tag.tag-wall { (t(l, "tag-wall")) }
                    }
                }
            }
            p.c-text { bdi { (c.text) } }
            @if let Some(name) = shown_name(c.name.as_ref()) {
                p.c-name { "— " bdi { (name) } }
            }
            @if c.edited {
                p.c-note { (t(l, "corrected")) }
            }
            @if let Some(prefix) = agree_url_prefix {
                form.agree-form method="post" action={ (prefix) (c.id) "/agree" } {
                    (agree_button(l, c.agrees, c.agreed))
                    a.reply id={ "reply-" (c.id) } href={ "?reply=" (c.id) "#post-form" } { (t(l, "reply")) }
                }
            } @else if c.agrees > 0 {
                p.c-note { (tv(l, "agreed-by", &[("n", &c.agrees.to_string())])) }
            }
            @if !replies.is_empty() {
                ul.replies {
                    @for r in replies {
                        (comment_item(l, r, &[], agree_url_prefix))
                    }
                }
            }
        }
    }
}

/// The question area at the top of the table page; `phone.js` re-renders it the same way.
fn prompt_area(page: &TablePage) -> Markup {
    let l = page.lang.lang;
    let open_round = page.round.as_ref().filter(|_| page.event_open);
    let table_n = tv(l, "table-n", &[("n", &page.table_number.to_string())]);
    let theme_title = if page.theme.trim().is_empty() {
        table_n.clone()
    } else {
        page.theme.clone()
    };
    html! {
        section #prompt .prompt {
            p.kicker {
                (table_n)
                @if let Some(r) = open_round { " · " (tv(l, "round-n", &[("n", &r.number.to_string())])) }
            }
            @match open_round {
                Some(r) if !r.theme_round && !r.prompt.trim().is_empty() => {
                    h1 { bdi { (r.prompt) } }
                    @if !page.theme.trim().is_empty() {
                        p.theme-line { (tv(l, "your-theme", &[("theme", &page.theme)])) }
                    }
                }
                _ => {
                    h1 { bdi { (theme_title) } }
                    @if let Some(r) = open_round.filter(|r| !r.prompt.trim().is_empty()) {
                        p.ask { bdi { (r.prompt) } }
                    }
                    @if !page.theme_description.trim().is_empty() {
                        p.desc { bdi { (page.theme_description) } }
                    }
                }
            }
        }
    }
}

/// Renders the table page.
pub fn table_page(page: &TablePage) -> Markup {
    let l = page.lang.lang;
    let can_post = page.event_open && page.round.is_some();
    let table_n = tv(l, "table-n", &[("n", &page.table_number.to_string())]);
    let title = if page.theme.trim().is_empty() {
        format!("{table_n} — {}", page.event_title)
    } else {
        format!("{table_n}: {} — {}", page.theme, page.event_title)
    };
    let (round_no, prompt, kind) = match &page.round {
        Some(r) => (
            r.number.to_string(),
            r.prompt.as_str(),
            if r.theme_round { "theme" } else { "same" },
        ),
        None => (String::new(), "", ""),
    };
    let replying = page.replying_to.as_ref().filter(|_| can_post);
    let hint = format!(
        "{} {}",
        t(l, "hint"),
        if page.moderation_pre {
            t(l, "hint-pre")
        } else {
            t(l, "hint-post")
        }
    );
    html! {
        (DOCTYPE)
        html lang=(l.code()) {
            (head(&title, Some(l)))
            body.page-table {
                (agenda_strip(l, page.agenda.as_ref(), page.server_now))
                (top(&page.lang, &page.event_title, &place_date(&page.place, &page.date), Some(page.present)))
                main #main .noform[!can_post]
                    data-ws=(page.ws_path)
                    data-seq=(page.seq)
                    data-now=(page.server_now)
                    data-agree-prefix=(page.agree_url_prefix)
                    data-table=(page.table_number)
                    data-table-id=(page.table_id)
                    data-theme=(page.theme)
                    data-theme-desc=(page.theme_description)
                    data-open=(if page.event_open { "1" } else { "0" })
                    data-round=(round_no)
                    data-prompt=(prompt)
                    data-kind=(kind)
                {
                    // Always there (empty when there is no message) so that screen readers
                    // announce a new one.
                    div #announcement .announce role="status" aria-live="polite" {
                        @if let Some(a) = page.announcement.as_deref().filter(|a| !a.trim().is_empty()) { bdi { (a) } }
                    }
                    (pledge::pledge_card(l, &page.pledge))
                    (prompt_area(page))
                    p.to-room { a #room-link href=(page.room_url) { (t(l, "room-link")) } }
                    section #write .write aria-label=(t(l, "write-label")) {
                        // Always there (empty while posting is open) so that screen readers
                        // announce it when a round or the event closes; said only here, not
                        // again under the form.
                        p #closed-note .closed-note role="status" {
                            @if !can_post {
                                @if page.event_open { (t(l, "closed-round")) } @else { (t(l, "closed-event")) }
                            }
                        }
                        div #form-error .form-error role="alert" {
                            @if let Some(e) = &page.error { (e) }
                        }
                        div #form-status .status role="status" {
                            @if let Some(n) = &page.notice { (n) }
                        }
                        form #post-form method="post" action=(page.post_url) hidden[!can_post] {
                            @if let Some((id, text)) = replying {
                                div #replying .replying {
                                    p { (t(l, "replying-to")) " " bdi { "“" (snippet(text)) "”" } }
                                    a #reply-cancel .btn.small href="?#post-form" { (t(l, "cancel-reply")) }
                                    input type="hidden" name="reply_to" value=(id);
                                }
                            }
                            label for="text" {
                                @if replying.is_some() { (t(l, "your-reply")) } @else { (t(l, "your-comment")) }
                            }
                            // No maxlength: a pasted longer text would be cut without a word.
                            // phone.js counts down near the limit (1,000 characters) and
                            // refuses more; without it the server refuses and says why.
                            textarea #text .field name="text" rows="4" required
                                aria-describedby="replying text-hint text-count form-error"
                                aria-invalid=[page.error.as_ref().map(|_| "true")]
                            { (page.draft_text) }
                            p #text-count .count {}
                            p #text-count-sr .visually-hidden aria-live="polite" {}
                            p #text-hint .hint { (hint) }
                            label for="name" { (t(l, "your-name")) " " span.opt { (t(l, "optional")) } }
                            input #name .field type="text" name="name" maxlength="40"
                                autocomplete="off" value=(page.draft_name)
                                aria-describedby="name-hint";
                            p #name-hint .hint { (t(l, "name-hint")) }
                            input type="hidden" name="client_id" value=(page.client_id);
                            @if let Some(r) = &page.round {
                                input type="hidden" name="round" value=(r.number);
                            }
                            button.primary type="submit" { (t(l, "post")) }
                        }
                    }
                    section.comments aria-labelledby="comments-h" {
                        h2 #comments-h { (t(l, "comments-heading")) }
                        // New comments are read out here by phone.js, a few at a time and
                        // at most every 8 seconds, instead of the whole list chattering.
                        p #comments-sr .visually-hidden aria-live="polite" {}
                        div #comments-live {
                            p #no-comments .empty hidden[!page.comments.is_empty()] {
                                (t(l, "no-comments"))
                            }
                            ul #comments .comment-list {
                                @for (c, replies) in threads(&page.comments) {
                                    (comment_item(l, c, &replies, Some(&page.agree_url_prefix)))
                                }
                            }
                        }
                    }
                }
                footer.foot {
                    @if let Some(url) = &page.about_url {
                        p { a #about-link href=(url) { (t(l, "about-link")) } }
                    }
                    p { a #mine-link href=(page.mine_url) { (t(l, "mine-link")) } }
                    p #run-by {
                        (t(l, "privacy-who")) " " bdi { (page.run_by) } ". "
                        a #privacy-link href=(page.privacy_url) { (t(l, "privacy-link")) }
                    }
                    a href="/" { (t(l, "moving-table")) }
                }
            }
        }
    }
}

/// Renders the room page: every table, how many are there, a way to move, and (with
/// `viewing`) one table's comments, read-only. No script.
pub fn room_page(page: &RoomPage) -> Markup {
    let l = page.lang.lang;
    let title = format!("{} — {}", t(l, "room-title"), page.event_title);
    let mine = tv(l, "you-are-at", &[("n", &page.my_table_number.to_string())]);
    let table_n = |n: i64| tv(l, "table-n", &[("n", &n.to_string())]);
    html! {
        (DOCTYPE)
        html lang=(l.code()) {
            (head(&title, None))
            body.page-room {
                (top(&page.lang, &page.event_title, &mine, None))
                main #main {
                    p.back { a #back-link href=(page.back_url) { (t(l, "back-to-table")) } }
                    @if let Some(m) = &page.message {
                        p #room-message .status role="status" { (m) }
                    }
                    @if let Some((number, theme, comments)) = &page.viewing {
                        section #viewing aria-labelledby="viewing-h" {
                            h1 #viewing-h {
                                (table_n(*number))
                                @if !theme.trim().is_empty() { ": " bdi { (theme) } }
                            }
                            @if let Some(r) = &page.round {
                                p.kicker { (tv(l, "round-n", &[("n", &r.number.to_string())])) @if !r.prompt.trim().is_empty() { ": " bdi { (r.prompt) } } }
                            }
                            @if let Some(tb) = page.tables.iter().find(|tb| tb.number == *number && !tb.mine) {
                                p { a.btn href=(tb.move_url) { (tv(l, "move-to", &[("n", &number.to_string())])) } }
                            }
                            @if comments.is_empty() {
                                p.empty { (t(l, "no-comments-there")) }
                            } @else {
                                ul #view-comments .comment-list {
                                    @for (c, replies) in threads(comments) {
                                        (comment_item(l, c, &replies, None))
                                    }
                                }
                            }
                        }
                        h2 { (t(l, "all-tables")) }
                    } @else {
                        h1 { (t(l, "room-title")) }
                        p { (t(l, "room-intro")) }
                    }
                    ul.room-tables {
                        @for tb in &page.tables {
                            li.room-t.mine[tb.mine] id={ "table-" (tb.number) } {
                                p.rt-name {
                                    (table_n(tb.number))
                                    @if !tb.theme.trim().is_empty() { ": " bdi { (tb.theme) } }
                                }
                                p.rt-meta {
                                    @if tb.mine { strong { (t(l, "your-table")) } " · " }
                                    @if tb.present > 0 { (tv(l, "here-n", &[("n", &tb.present.to_string())])) } @else { (t(l, "nobody-here")) }
                                }
                                @if !tb.mine {
                                    p.rt-links {
                                        a.btn.small id={ "look-" (tb.number) } href=(tb.view_url) { (t(l, "look")) }
                                        " "
                                        a.btn.small id={ "move-" (tb.number) } href=(tb.move_url) { (t(l, "move-here")) }
                                    }
                                }
                            }
                        }
                    }
                }
                footer.foot {
                    a href=(page.back_url) { (tv(l, "back-to-table-n", &[("n", &page.my_table_number.to_string())])) }
                }
            }
        }
    }
}

/// Renders the landing page.
pub fn landing_page(page: &LandingPage) -> Markup {
    let l = page.lang.lang;
    let title = format!("{} — {}", t(l, "join-title"), t(l, "product"));
    html! {
        (DOCTYPE)
        html lang=(l.code()) {
            (head(&title, None))
            body.page-landing {
                (top(&page.lang, t(l, "product"), "", None))
                main #main {
                    h1 { (t(l, "join-title")) }
                    p { (t(l, "join-intro")) }
                    form.join method="get" action="/join" {
                        div #form-error .form-error role="alert" {
                            @if let Some(e) = &page.error { (e) }
                        }
                        label for="code" { (t(l, "code-label")) }
                        input #code .field.code type="text" name="code" value=(page.code)
                            required autocapitalize="characters" autocomplete="off"
                            autocorrect="off" spellcheck="false"
                            aria-describedby="form-error"
                            aria-invalid=[page.error.as_ref().map(|_| "true")];
                        button.primary type="submit" { (t(l, "join")) }
                    }
                    p.hint { (t(l, "join-hint")) }
                }
                footer.foot {
                    a href=(page.organiser_url) lang="en" { (t(l, "organiser-login")) }
                }
            }
        }
    }
}

/// Renders the table chooser.
pub fn choose_table_page(page: &ChooseTablePage) -> Markup {
    let l = page.lang.lang;
    let title = format!("{} — {}", t(l, "choose-title"), page.event_title);
    html! {
        (DOCTYPE)
        html lang=(l.code()) {
            (head(&title, None))
            body.page-choose {
                (top(&page.lang, &page.event_title, page.place.trim(), None))
                main #main {
                    h1 { (t(l, "choose-title")) }
                    @if page.tables.is_empty() {
                        p { (t(l, "choose-none")) }
                    } @else {
                        p { (t(l, "choose-intro")) }
                        ul.tables {
                            @for tb in &page.tables {
                                li {
                                    a.table-link href=(tb.url) {
                                        (tv(l, "table-n", &[("n", &tb.number.to_string())]))
                                        @if !tb.theme.trim().is_empty() { " — " bdi { (tb.theme) } }
                                    }
                                }
                            }
                        }
                    }
                }
                footer.foot {
                    a href="/" { (t(l, "other-code")) }
                }
            }
        }
    }
}

/// Renders an error page for attendees.
pub fn error_page(page: &PhoneErrorPage) -> Markup {
    let l = page.lang.lang;
    let title = format!("{} — {}", page.title, t(l, "product"));
    html! {
        (DOCTYPE)
        html lang=(l.code()) {
            (head(&title, None))
            body.page-error {
                (top(&page.lang, t(l, "product"), "", None))
                main #main {
                    h1 { (page.title) }
                    p { (page.message) }
                    p {
                        a.btn href="/" { (t(l, "type-code")) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_language_has_its_own_script_with_its_words() {
        let paths: Vec<String> = Lang::ALL.iter().map(|l| js_path(*l)).collect();
        assert_ne!(paths[0], paths[1]);
        for (lang, path) in Lang::ALL.iter().zip(&paths) {
            let body = assets()
                .into_iter()
                .find(|a| &a.0 == path)
                .map(|a| a.2)
                .unwrap_or_default();
            assert_eq!(body, i18n::compact_script(PHONE_JS, *lang));
            let page = table_page(&TablePage {
                lang: LangSwitch {
                    lang: *lang,
                    url: "/lang/x".into(),
                },
                ..page(vec![])
            })
            .into_string();
            assert!(
                page.contains(path.as_str()),
                "the page loads its language's script"
            );
            assert!(page.contains(&format!("<html lang=\"{}\">", lang.code())));
        }
    }

    fn comment(id: i64, text: &str) -> CommentView {
        CommentView {
            id,
            text: text.into(),
            name: None,
            agrees: 0,
            agreed: false,
            facilitator: false,
            highlighted: false,
            pending: false,
            reply_to: None,
            edited: false,
        }
    }

    fn page(comments: Vec<CommentView>) -> TablePage {
        TablePage {
            lang: LangSwitch::english(),
            event_title: "Fair Shares <Town>".into(),
            place: "Hall".into(),
            date: "Sat".into(),
            table_id: 12,
            table_number: 3,
            theme: "Buses".into(),
            theme_description: String::new(),
            round: Some(RoundView {
                number: 2,
                prompt: "What would help?".into(),
                theme_round: true,
            }),
            event_open: true,
            comments,
            seq: 7,
            post_url: "/t/TOK".into(),
            agree_url_prefix: "/t/TOK/comments/".into(),
            ws_path: "/t/TOK/ws".into(),
            client_id: "abcdefgh12345678".into(),
            draft_text: String::new(),
            draft_name: String::new(),
            error: None,
            notice: None,
            agenda: None,
            server_now: 1_000_000,
            announcement: None,
            present: 0,
            room_url: "/t/TOK/room".into(),
            moderation_pre: false,
            replying_to: None,
            pledge: PledgeCard {
                url: "/t/TOK/pledge".into(),
                running: false,
                pledged: false,
            },
            about_url: None,
            run_by: "Fair Shares Seaham".into(),
            privacy_url: "/t/TOK/privacy".into(),
            mine_url: "/t/TOK/mine".into(),
        }
    }

    fn render(p: &TablePage) -> String {
        table_page(p).into_string()
    }

    /// Position of `needle` in `hay`, failing the test with a message when absent.
    fn at(hay: &str, needle: &str) -> usize {
        hay.find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not in page"))
    }

    #[test]
    fn table_page_keeps_the_ids_the_script_and_tests_use() {
        let html = render(&page(vec![comment(5, "hello")]));
        for id in [
            "id=\"post-form\"",
            "id=\"text\"",
            "id=\"conn\"",
            "id=\"comments\"",
            "id=\"c-5\"",
            "id=\"reply-5\"",
            "id=\"room-link\"",
            "id=\"announcement\"",
            "id=\"present\"",
            "id=\"agenda-now\"",
            "id=\"countdown\"",
            "data-table-id=\"12\"",
            "data-now=\"1000000\"",
        ] {
            at(&html, id);
        }
        assert!(html.contains("href=\"/t/TOK/room\""));
        assert!(html.contains("href=\"?reply=5#post-form\""));
        // Nothing running, nobody counted, no message: strip and count hidden, banner empty.
        assert!(html.contains("<div class=\"agenda\" id=\"agenda-now\" hidden>"));
        assert!(html.contains("id=\"present\" hidden"));
        assert!(html.contains("aria-live=\"polite\"></div>"));
        assert!(!html.contains("name=\"reply_to\""));
    }

    #[test]
    fn text_from_people_is_escaped() {
        let mut c = comment(1, "<script>alert(1)</script>");
        c.name = Some("<b>Bo</b>".into());
        let mut p = page(vec![c]);
        p.announcement = Some("<img src=x>".into());
        p.agenda = Some(AgendaView {
            title: "Talk".into(),
            speaker: Some("<i>Cllr</i>".into()),
            ends_at: None,
        });
        p.replying_to = Some((1, "<script>x</script>".into()));
        let html = render(&p);
        assert!(!html.contains("<script>alert"));
        assert!(!html.contains("<b>Bo"));
        assert!(!html.contains("<img"));
        assert!(!html.contains("<i>Cllr"));
        assert!(!html.contains("<script>x"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("Fair Shares &lt;Town&gt;"));
    }

    #[test]
    fn agenda_strip_shows_the_item_and_time_left() {
        let mut p = page(vec![]);
        p.agenda = Some(AgendaView {
            title: "Talk".into(),
            speaker: Some("Cllr Smith".into()),
            ends_at: Some(p.server_now + 4 * 60_000 + 1),
        });
        let html = render(&p);
        assert!(html.contains("<div class=\"agenda\" id=\"agenda-now\" data-end=\"1240001\">"));
        assert!(html.contains(">Talk: Cllr Smith<"));
        assert!(html.contains(">5 min left<"));
        p.agenda = Some(AgendaView {
            title: "Round 1".into(),
            speaker: None,
            ends_at: Some(p.server_now - 1),
        });
        let html = render(&p);
        assert!(html.contains(">Round 1<"));
        assert!(html.contains("class=\"cd over\""));
        assert!(html.contains(t(Lang::En, "times-up")));
        p.agenda = Some(AgendaView {
            title: "Break".into(),
            speaker: Some("  ".into()),
            ends_at: None,
        });
        let html = render(&p);
        assert!(html.contains(">Break<"));
        assert!(!html.contains("min left"));
    }

    #[test]
    fn announcement_and_presence() {
        let mut p = page(vec![]);
        p.announcement = Some("Five minutes left".into());
        p.present = 1;
        let html = render(&p);
        assert!(html.contains("><bdi>Five minutes left</bdi></div>"));
        assert!(html.contains(">1 person at this table<"));
        p.present = 6;
        assert!(render(&p).contains(">6 people at this table<"));
    }

    #[test]
    fn own_comment_waiting_for_approval_is_labelled() {
        let mut c = comment(9, "mine");
        c.pending = true;
        let mut p = page(vec![c, comment(8, "other")]);
        p.moderation_pre = true;
        let html = render(&p);
        let li = &html[at(&html, "id=\"c-9\"")..at(&html, "id=\"c-8\"")];
        assert!(html.contains("class=\"comment pending\" id=\"c-9\""));
        assert!(li.contains("Waiting for the facilitator"));
        assert_eq!(html.matches("Waiting for the facilitator").count(), 1);
        assert!(html.contains("A facilitator reads it first"));
    }

    #[test]
    fn corrected_comments_say_so() {
        let mut c = comment(4, "fixed typo");
        c.edited = true;
        let html = render(&page(vec![c, comment(3, "plain")]));
        assert_eq!(html.matches("(corrected by facilitator)").count(), 1);
    }

    #[test]
    fn replies_nest_oldest_first_under_newest_first_roots() {
        let reply = |id, to| CommentView {
            reply_to: Some(to),
            ..comment(id, &format!("r{id}"))
        };
        // Newest first, as the server gives them; 40 answers a comment not shown.
        let html = render(&page(vec![
            reply(41, 10),
            comment(30, "root30"),
            reply(25, 20),
            comment(20, "root20"),
            reply(40, 99),
            reply(22, 20),
            comment(10, "root10"),
        ]));
        let order: Vec<usize> = ["c-30", "c-20", "c-22", "c-25", "c-40", "c-10", "c-41"]
            .iter()
            .map(|id| at(&html, &format!("id=\"{id}\"")))
            .collect();
        assert!(order.is_sorted(), "order in page: {order:?}");
        // 22 and 25 sit inside 20's list of replies, 41 inside 10's; 40 stands alone.
        let root20 = &html[order[1]..order[4]];
        assert!(root20.contains("<ul class=\"replies\">"));
        assert!(html.contains("data-reply-to=\"99\""));
        assert_eq!(html.matches("<ul class=\"replies\">").count(), 2);
    }

    #[test]
    fn reply_without_javascript_carries_a_hidden_field() {
        let mut p = page(vec![comment(5, "hello")]);
        let long = "x".repeat(80);
        p.replying_to = Some((5, long));
        let html = render(&p);
        assert!(html.contains("<input type=\"hidden\" name=\"reply_to\" value=\"5\">"));
        assert!(html.contains(&format!("“{}…”", "x".repeat(60))));
        assert!(html.contains(">Your reply<"));
        assert!(html.contains("id=\"reply-cancel\""));
        // No reply form while posting is closed.
        p.round = None;
        let html = render(&p);
        assert!(!html.contains("name=\"reply_to\""));
        assert!(html.contains("class=\"noform\""));
    }

    fn room(viewing: Option<(i64, String, Vec<CommentView>)>) -> RoomPage {
        let table = |number: i64, mine| RoomTable {
            number,
            theme: format!("Theme <{number}>"),
            present: number + 1,
            move_url: format!("/join/T{number}"),
            view_url: format!("?table={number}"),
            mine,
        };
        RoomPage {
            lang: LangSwitch::english(),
            event_title: "Ev".into(),
            my_table_number: 1,
            back_url: "/t/TOK".into(),
            round: None,
            tables: vec![table(1, true), table(2, false)],
            viewing,
            message: None,
        }
    }

    #[test]
    fn room_page_lists_tables_and_marks_mine() {
        let mut p = room(None);
        p.message = Some("No round is open, so there is nothing to read yet.".into());
        let html = room_page(&p).into_string();
        assert!(html.contains("id=\"move-2\" href=\"/join/T2\""));
        assert!(html.contains("id=\"look-2\" href=\"?table=2\""));
        assert!(!html.contains("id=\"move-1\""));
        assert!(html.contains("class=\"room-t mine\" id=\"table-1\""));
        assert!(html.contains(">Your table<"));
        assert!(html.contains("3 here"));
        assert!(html.contains("Theme &lt;2&gt;"));
        assert!(html.contains("nothing to read yet"));
        assert!(html.contains("id=\"back-link\" href=\"/t/TOK\""));
        assert!(!html.contains("<script"));
        assert!(!html.contains("id=\"viewing\""));
    }

    #[test]
    fn room_page_shows_a_table_read_only() {
        let mut c = comment(7, "<b>bold</b>");
        c.agrees = 2;
        let r = CommentView {
            reply_to: Some(7),
            ..comment(8, "answer")
        };
        let html = room_page(&room(Some((2, "Buses".into(), vec![r, c])))).into_string();
        assert!(html.contains("id=\"viewing\""));
        assert!(html.contains(">Table 2: <bdi>Buses</bdi><"));
        assert!(html.contains("&lt;b&gt;bold"));
        assert!(html.contains("Agreed by 2"));
        assert!(!html.contains("<form"));
        assert!(!html.contains("id=\"reply-"));
        assert!(at(&html, "id=\"c-7\"") < at(&html, "id=\"c-8\""));
        assert!(html.contains("<ul class=\"replies\">"));
        assert!(html.contains("Move to table 2"));
    }
}
