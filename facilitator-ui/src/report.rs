//! A report (`doc::Doc`) as one self-contained HTML page: inline CSS, no scripts, images as
//! `data:` URIs, a contents list, and a print stylesheet that starts each table on a new A4
//! page and never cuts a comment in two.

use super::*;
use crate::doc::{Block, Card, Doc};
use maud::Render;

/// A link to the same report in another format (shown on screen, not printed).
pub struct Download {
    pub label: String,
    pub href: String,
}

/// The report page.
pub struct ReportView<'a> {
    pub doc: &'a Doc,
    /// Other formats and the other report; empty in a downloaded file.
    pub downloads: Vec<Download>,
    /// Heading of the downloads box, e.g. "Download or open".
    pub downloads_label: String,
}

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
nav li { break-inside: avoid; }
@media (max-width: 40rem) { nav ol { columns: 1; } }
nav a { color: #1b1b1b; }
.table-desc { color: #444; font-style: italic; white-space: pre-line; }
ol.comments { list-style: none; margin: 0; padding: 0; }
div.comment { margin: 0 0 .8rem; padding: .55rem .8rem; border-left: 3px solid #c8c8c8;
             break-inside: avoid; page-break-inside: avoid; }
div.comment.highlighted { border-left-color: #0b5d4b; background: #f1f7f4; }
.text { margin: 0 0 .25rem; font-size: 1.05rem; white-space: pre-line; overflow-wrap: anywhere; }
.meta { margin: 0; font-size: .85rem; color: #555; }
.meta span + span::before { content: " · "; }
.marks { margin: 0 0 .15rem; }
.tag { display: inline-block; font-size: .75rem; font-weight: 700; text-transform: uppercase;
       letter-spacing: .04em; color: #0b5d4b; }
.tag + .tag { margin-left: .75rem; }
.tag-starred { color: #7a4b00; }
div.comment.starred { border-left-color: #b7791f; }
div.comment.starred.highlighted { border-left-color: #0b5d4b; }
ul.labels { list-style: none; margin: .3rem 0 0; padding: 0; display: flex; flex-wrap: wrap;
            gap: .3rem; }
li.label { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
           font-size: .75rem; line-height: 1.3; padding: .05rem .45rem; border: 1px solid #8a8a8a;
           border-radius: .6rem; color: #333; background: #fff; }
.empty, .note { color: #555; font-style: italic; font-size: .95rem; }
.kind { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
        text-transform: uppercase; letter-spacing: .06em; font-weight: 700; color: #0b5d4b;
        margin: 0 0 .3rem; }
.lines p { margin: 0; color: #444; }
.notice { border: 1px solid #9bb8ad; background: #f1f7f4; padding: .6rem .8rem; margin: 1rem 0; }
.flag { border-left: 4px solid #b3261e; background: #fdf1f0; padding: .4rem .7rem;
        font-weight: 600; margin: .4rem 0 0; font-size: .9rem; }
.card .flag { margin-top: .35rem; }
dl.figures { display: grid; grid-template-columns: minmax(0, 1fr) auto; gap: .2rem 1rem;
             margin: .5rem 0 1rem; }
dl.figures dt { margin: 0; }
dl.figures dd { margin: 0; font-weight: 700; text-align: right; font-variant-numeric: tabular-nums; }
.table-wrap { overflow-x: auto; margin: .5rem 0 1rem; }
table.data { border-collapse: collapse; width: 100%; font-size: .95rem; }
table.data th, table.data td { border: 1px solid #bbb; padding: .3rem .45rem; text-align: left;
                               vertical-align: top; overflow-wrap: break-word; }
table.data th { background: #eef1f0; }
table.data tr { break-inside: avoid; page-break-inside: avoid; }
ol.replies { list-style: none; margin: .5rem 0 0 1rem; padding: 0; }
ol.replies li { border-left: 2px solid #d8d8d8; padding: .2rem .6rem; margin: .3rem 0; }
.downloads { border: 1px solid #ccc; padding: .6rem .8rem; margin: 1rem 0; }
.downloads h2 { border: 0; margin: 0 0 .4rem; padding: 0; font-size: 1.05rem; }
.downloads ul { margin: 0; padding: 0; list-style: none; display: flex; flex-wrap: wrap; gap: .4rem .9rem; }
.downloads li { margin: 0; }
section.new-page { break-before: page; page-break-before: always; }
@page { size: A4; margin: 18mm 16mm 20mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  h1 { font-size: 20pt; }
  h2 { font-size: 15pt; break-after: avoid; page-break-after: avoid; }
  h3 { font-size: 12pt; break-after: avoid; page-break-after: avoid; }
  div.comment.highlighted { background: none; }
  nav a { text-decoration: none; }
  .downloads { display: none; }
  section.new-page h2 { border-top: 0; margin-top: 0; }
  .table-wrap { overflow: visible; }
}
"#;

/// Renders a report as HTML.
pub fn report_page(view: &ReportView<'_>) -> Markup {
    let doc = view.doc;
    // Written piece by piece into one buffer sized up front: a 100,000-comment report is
    // ~20 MB, and growing a String by doubling would hold two copies at once.
    let text: usize = doc.texts().iter().map(|t| t.len()).sum();
    let images: usize = doc
        .sections
        .iter()
        .flat_map(|s| &s.blocks)
        .map(|b| match b {
            Block::Image(i) => i.jpeg.len() / 3 * 4 + 256,
            _ => 0,
        })
        .sum();
    let cards = doc.sections.iter().map(|s| s.blocks.len()).sum::<usize>();
    let mut out =
        String::with_capacity(REPORT_CSS.len() + text * 11 / 10 + images + cards * 160 + 4096);
    out.push_str("<!DOCTYPE html><html lang=\"en-GB\">");
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="referrer" content="no-referrer";
            title { (doc.kind) ": " (doc.title) }
            link rel="icon" href="data:,";
            style { (PreEscaped(REPORT_CSS)) }
        }
    }
    .render_to(&mut out);
    out.push_str("<body>");
    html! {
        header {
            p.kind { (doc.kind) }
            h1 { bdi { (doc.title) } }
            div.lines {
                @for l in &doc.lines { p { bdi { (l) } } }
            }
            @if let Some(n) = &doc.notice {
                div.notice role="note" { p { (n) } }
            }
        }
        @if !view.downloads.is_empty() {
            section.downloads aria-labelledby="downloads-heading" {
                h2 #downloads-heading { (view.downloads_label) }
                ul {
                    @for d in &view.downloads {
                        li { a href=(d.href) { (d.label) } }
                    }
                }
            }
        }
        @if doc.sections.len() > 1 {
            nav aria-labelledby="contents-heading" {
                h2 #contents-heading { "Contents" }
                ol {
                    @for s in &doc.sections {
                        li { a href=(format!("#{}", s.id)) { bdi { (s.title) } } }
                    }
                }
            }
        }
    }
    .render_to(&mut out);
    out.push_str("<main>");
    for s in &doc.sections {
        html! {
            section.new-page[s.new_page] id=(s.id) {
                h2 { bdi { (s.title) } }
                @for b in &s.blocks { (block(b)) }
            }
        }
        .render_to(&mut out);
    }
    out.push_str("</main></body></html>");
    PreEscaped(out)
}

fn block(b: &Block) -> Markup {
    html! {
        @match b {
            Block::Heading(t) => h3 { bdi { (t) } },
            Block::Para(t) => p.description { bdi { (t) } },
            Block::Note(t) => p.note { (t) },
            Block::Flag(t) => p.flag role="note" { (t) },
            Block::Bullets(items) => ul { @for i in items { li { bdi { (i) } } } },
            Block::Figures(pairs) => dl.figures {
                @for (k, v) in pairs { dt { (k) } dd { (v) } }
            },
            Block::Table { head, rows } => div.table-wrap {
                table.data {
                    thead { tr { @for h in head { th scope="col" { (h) } } } }
                    tbody {
                        @for r in rows { tr { @for c in r { td { bdi { (c) } } } } }
                    }
                }
            },
            Block::Card(c) => (card(c)),
            Block::Image(i) => figure.image {
                img src=(format!("data:image/jpeg;base64,{}", crate::doc::base64(&i.jpeg)))
                    width=(i.width) height=(i.height)
                    alt=(if i.caption.is_empty() { "Image from the event" } else { &i.caption });
                @if !i.caption.is_empty() { figcaption { bdi { (i.caption) } } }
            },
        }
    }
}

fn card(c: &Card) -> Markup {
    let highlighted = c.marks.iter().any(|m| m == "On the wall");
    let starred = c.marks.iter().any(|m| m.contains("Starred"));
    html! {
        div.comment.card.highlighted[highlighted].starred[starred] {
            @if !c.marks.is_empty() {
                p.marks { @for m in &c.marks { span.tag { (m) } } }
            }
            blockquote.text { bdi { (c.text) } }
            @if !c.meta.is_empty() {
                p.meta { @for m in &c.meta { span { bdi { (m) } } } }
            }
            @if let Some(f) = &c.flag { p.flag { (f) } }
            @if !c.replies.is_empty() {
                ol.replies aria-label="Replies" {
                    @for r in &c.replies {
                        li {
                            p.text { bdi { (r.text) } }
                            @if !r.meta.is_empty() {
                                p.meta { @for m in &r.meta { span { bdi { (m) } } } }
                            }
                            @if let Some(f) = &r.flag { p.flag { (f) } }
                        }
                    }
                }
            }
        }
    }
}
