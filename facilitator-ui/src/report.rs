//! The session report: one self-contained HTML file.

use super::*;

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
    /// Images facilitators uploaded (not hidden), oldest first.
    pub images: Vec<ReportImage>,
}

/// An uploaded image, embedded in the report.
pub struct ReportImage {
    pub caption: String,
    /// The table it came from, if any.
    pub table_number: Option<i64>,
    /// `data:image/jpeg;base64,...`: the report stays one self-contained file.
    pub data_uri: String,
    pub width: i64,
    pub height: i64,
}

/// Inline stylesheet of the report: the report is one self-contained file.
pub(crate) const REPORT_CSS: &str = r#"
:root { color-scheme: light; }
figure.image { margin: 1rem 0; break-inside: avoid; }
figure.image img { max-width: 100%; height: auto; border: 1px solid #ccc; }
figure.image figcaption { font-size: 0.95rem; color: #333; }
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
                @if !page.images.is_empty() {
                    section.images id="images" {
                        h2 { "Images from the evening" }
                        @for image in &page.images {
                            figure.image {
                                img src=(image.data_uri) width=(image.width) height=(image.height)
                                    alt=(image_alt(image));
                                figcaption {
                                    @if let Some(n) = image.table_number {
                                        "Table " (n)
                                        @if !image.caption.is_empty() { ": " }
                                    }
                                    bdi { (image.caption) }
                                }
                            }
                        }
                    }
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

fn image_alt(image: &ReportImage) -> String {
    match (image.caption.is_empty(), image.table_number) {
        (false, _) => image.caption.clone(),
        (true, Some(n)) => format!("Image from table {n}"),
        (true, None) => "Image from the evening".to_string(),
    }
}

pub(crate) fn report_table_heading(table: &ReportTable) -> Markup {
    html! {
        "Table " (table.number)
        @if !table.theme.trim().is_empty() {
            ": " bdi { (table.theme) }
        }
    }
}

/// "(+1 similar comment merged)" / "(+3 similar comments merged)".
pub(crate) fn merged_note(n: i64) -> String {
    if n == 1 {
        "(+1 similar comment merged)".into()
    } else {
        format!("(+{n} similar comments merged)")
    }
}

pub(crate) fn report_comment(comment: &ReportComment) -> Markup {
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
