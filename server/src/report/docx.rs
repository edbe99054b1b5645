//! A report (`Doc`) as a Word document (WordprocessingML, ISO/IEC 29500 transitional), written
//! by hand into a zip: editable in Word and LibreOffice, with real built-in styles so the
//! Navigation Pane / Navigator and restyling work.
//!
//! Levels: `Doc::title` uses the built-in **Title** style (which Word leaves out of the
//! navigation outline, as it does for any title), each `Section::title` **Heading 1** (outline
//! level 0, with a bookmark the contents list links to) and `Block::Heading` **Heading 2**
//! (outline level 1). **Heading 3** is defined for people editing the file. The HTML page says
//! h1/h2/h3 for the same three levels.
//!
//! Other styles: Subtitle (the report's kind), Byline (the lines under the title), Notice (the
//! boxed note), TOC Heading and toc 1 (the contents list, which has one internal hyperlink per
//! section and is shown, as in the HTML, when there are at least two sections), Note, Flag,
//! Card Marks / Quote / Card Meta / Card Flag and Reply / Reply Meta / Reply Flag (comment
//! cards, kept on one page where they fit), List Paragraph (bullets from `numbering.xml`),
//! Report Table / Table Text (tables: borders, a bold shaded header row that repeats on every
//! page), Figure and caption (images), footer.
//!
//! Everything from `Doc` is user text: it is XML-escaped, and characters XML 1.0 can't hold
//! (control characters other than tab and newline, U+FFFE, U+FFFF) are dropped.

use facilitator_ui::doc::{Block, Card, Doc, Image};
use std::fmt::Write as _;
use std::io::Write as _;
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

const NS_W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const NS_R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const XML_HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";

/// A4 in twentieths of a point, with 2 cm margins.
const PAGE_W: u32 = 11906;
const PAGE_H: u32 = 16838;
const MARGIN: u32 = 1134;
const TEXT_W: u32 = PAGE_W - 2 * MARGIN;
/// EMU (English Metric Units) per twip, and per pixel at 96 dpi.
const EMU_PER_TWIP: u64 = 635;
const EMU_PER_PX: u64 = 9525;
/// Images are at most the text width wide and 11 cm tall.
const IMG_MAX_W: u64 = TEXT_W as u64 * EMU_PER_TWIP;
const IMG_MAX_H: u64 = 3_960_000;

/// Renders the document as the bytes of a `.docx` file.
pub fn render(doc: &Doc) -> Result<Vec<u8>, String> {
    let mut images: Vec<&Image> = Vec::new();
    let document = document_xml(doc, &mut images);
    let now = Utc::now();

    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(now.zip_time());
    let stored = deflated.compression_method(CompressionMethod::Stored);
    let mut part = |name: &str, bytes: &[u8], options: SimpleFileOptions| {
        zip.start_file(name, options)
            .and_then(|()| zip.write_all(bytes).map_err(zip::result::ZipError::from))
            .map_err(|e| format!("docx: writing {name}: {e}"))
    };
    part("[Content_Types].xml", content_types().as_bytes(), deflated)?;
    part("_rels/.rels", ROOT_RELS.as_bytes(), deflated)?;
    part(
        "docProps/core.xml",
        core_xml(doc, &now).as_bytes(),
        deflated,
    )?;
    part("docProps/app.xml", APP_XML.as_bytes(), deflated)?;
    part("word/document.xml", document.as_bytes(), deflated)?;
    part("word/styles.xml", STYLES_XML.as_bytes(), deflated)?;
    part("word/settings.xml", SETTINGS_XML.as_bytes(), deflated)?;
    part("word/numbering.xml", NUMBERING_XML.as_bytes(), deflated)?;
    part("word/footer1.xml", footer_xml(doc).as_bytes(), deflated)?;
    part(
        "word/_rels/document.xml.rels",
        document_rels(images.len()).as_bytes(),
        deflated,
    )?;
    for (i, img) in images.iter().enumerate() {
        // JPEG is compressed already: deflating it again only costs time.
        part(
            &format!("word/media/image{}.jpeg", i + 1),
            &img.jpeg,
            stored,
        )?;
    }
    zip.finish()
        .map(std::io::Cursor::into_inner)
        .map_err(|e| format!("docx: finishing the zip: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Escaping and runs
// ---------------------------------------------------------------------------------------------

/// Whether XML 1.0 can hold `c` at all (Char production; surrogates can't be in a `str`).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Appends `s` escaped for element content or a quoted attribute value.
fn esc_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Attribute values would turn these into spaces anyway; say so outright.
            '\t' | '\n' | '\r' => out.push(' '),
            c if xml_char(c) => out.push(c),
            _ => {}
        }
    }
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    esc_into(&mut out, s);
    out
}

/// Appends one run (`w:r`) holding `text`, with `rpr` (a `<w:rPr>…</w:rPr>` or "") as its
/// formatting. Line breaks (LF, CRLF, CR) become `w:br`, tabs `w:tab`.
fn run(out: &mut String, rpr: &str, text: &str) {
    out.push_str("<w:r>");
    out.push_str(rpr);
    let mut open = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let tag = match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                "<w:br/>"
            }
            '\n' => "<w:br/>",
            '\t' => "<w:tab/>",
            _ => {
                if !open {
                    out.push_str("<w:t xml:space=\"preserve\">");
                    open = true;
                }
                match c {
                    '&' => out.push_str("&amp;"),
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '"' => out.push_str("&quot;"),
                    '\'' => out.push_str("&apos;"),
                    c if xml_char(c) => out.push(c),
                    _ => {}
                }
                continue;
            }
        };
        if open {
            out.push_str("</w:t>");
            open = false;
        }
        out.push_str(tag);
    }
    if open {
        out.push_str("</w:t>");
    }
    out.push_str("</w:r>");
}

const BOLD: &str = "<w:rPr><w:b/><w:bCs/></w:rPr>";

// ---------------------------------------------------------------------------------------------
// Paragraphs
// ---------------------------------------------------------------------------------------------

/// Paragraph properties beyond the style.
#[derive(Default, Clone, Copy)]
struct P<'a> {
    style: &'a str,
    keep_next: bool,
    keep_lines: bool,
    page_break_before: bool,
    bullet: bool,
    before: Option<u32>,
    after: Option<u32>,
}

impl<'a> P<'a> {
    fn new(style: &'a str) -> Self {
        P {
            style,
            ..P::default()
        }
    }
}

/// Opens a `w:p` with its `w:pPr` (children in the schema's order).
fn open_p(out: &mut String, p: P<'_>) {
    out.push_str("<w:p><w:pPr><w:pStyle w:val=\"");
    out.push_str(p.style);
    out.push_str("\"/>");
    if p.keep_next {
        out.push_str("<w:keepNext/>");
    }
    if p.keep_lines {
        out.push_str("<w:keepLines/>");
    }
    if p.page_break_before {
        out.push_str("<w:pageBreakBefore/>");
    }
    if p.bullet {
        out.push_str("<w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"1\"/></w:numPr>");
    }
    if p.before.is_some() || p.after.is_some() {
        out.push_str("<w:spacing");
        if let Some(b) = p.before {
            let _ = write!(out, " w:before=\"{b}\"");
        }
        if let Some(a) = p.after {
            let _ = write!(out, " w:after=\"{a}\"");
        }
        out.push_str("/>");
    }
    out.push_str("</w:pPr>");
}

/// A paragraph of one run of plain text.
fn para(out: &mut String, p: P<'_>, text: &str) {
    open_p(out, p);
    run(out, "", text);
    out.push_str("</w:p>");
}

// ---------------------------------------------------------------------------------------------
// document.xml
// ---------------------------------------------------------------------------------------------

/// A bookmark name Word accepts: a letter first, then letters, digits and `_`, at most 40
/// characters. The section's index keeps names unique however the ids are cut.
fn bookmark(index: usize, id: &str) -> String {
    let mut name = format!("s{}_", index + 1);
    name.extend(
        id.chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }),
    );
    name.truncate(40);
    name
}

fn section_title(title: &str, index: usize) -> String {
    if title.trim().is_empty() {
        format!("Section {}", index + 1)
    } else {
        title.to_string()
    }
}

fn document_xml<'d>(doc: &'d Doc, images: &mut Vec<&'d Image>) -> String {
    let mut out = String::with_capacity(4096 + doc.sections.len() * 256);
    out.push_str(XML_HEAD);
    let _ = write!(
        out,
        "<w:document xmlns:w=\"{NS_W}\" xmlns:r=\"{NS_R}\" \
         xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\" \
         xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" \
         xmlns:pic=\"http://schemas.openxmlformats.org/drawingml/2006/picture\"><w:body>"
    );

    // The title block.
    para(&mut out, P::new("Title"), &doc.title);
    if !doc.kind.is_empty() {
        para(&mut out, P::new("Subtitle"), &doc.kind);
    }
    for line in &doc.lines {
        para(&mut out, P::new("Byline"), line);
    }
    if let Some(n) = &doc.notice {
        para(&mut out, P::new("Notice"), n);
    }

    // Contents: one internal link per section, to the bookmark at its heading.
    if doc.sections.len() > 1 {
        para(&mut out, P::new("TOCHeading"), "Contents");
        for (i, s) in doc.sections.iter().enumerate() {
            open_p(&mut out, P::new("TOC1"));
            out.push_str("<w:hyperlink w:anchor=\"");
            out.push_str(&bookmark(i, &s.id));
            out.push_str("\" w:history=\"1\">");
            run(
                &mut out,
                "<w:rPr><w:rStyle w:val=\"Hyperlink\"/></w:rPr>",
                &section_title(&s.title, i),
            );
            out.push_str("</w:hyperlink></w:p>");
        }
    }

    for (i, s) in doc.sections.iter().enumerate() {
        open_p(
            &mut out,
            P {
                page_break_before: s.new_page,
                ..P::new("Heading1")
            },
        );
        let _ = write!(
            out,
            "<w:bookmarkStart w:id=\"{i}\" w:name=\"{}\"/>",
            bookmark(i, &s.id)
        );
        run(&mut out, "", &section_title(&s.title, i));
        let _ = write!(out, "<w:bookmarkEnd w:id=\"{i}\"/></w:p>");
        for b in &s.blocks {
            block(&mut out, b, images);
        }
    }

    let _ = write!(
        out,
        "<w:sectPr><w:footerReference w:type=\"default\" r:id=\"rIdFooter1\"/>\
         <w:pgSz w:w=\"{PAGE_W}\" w:h=\"{PAGE_H}\"/>\
         <w:pgMar w:top=\"{MARGIN}\" w:right=\"{MARGIN}\" w:bottom=\"{MARGIN}\" \
         w:left=\"{MARGIN}\" w:header=\"567\" w:footer=\"567\" w:gutter=\"0\"/>\
         </w:sectPr></w:body></w:document>"
    );
    out
}

fn block<'d>(out: &mut String, b: &'d Block, images: &mut Vec<&'d Image>) {
    match b {
        Block::Heading(t) => para(out, P::new("Heading2"), t),
        Block::Para(t) => para(out, P::new("Normal"), t),
        Block::Note(t) => para(out, P::new("Note"), t),
        Block::Flag(t) => flag(out, P::new("Flag"), t),
        Block::Bullets(items) => {
            for item in items {
                para(
                    out,
                    P {
                        bullet: true,
                        ..P::new("ListParagraph")
                    },
                    item,
                );
            }
        }
        Block::Figures(pairs) => figures(out, pairs),
        Block::Table { head, rows } => table(out, head, rows),
        Block::Card(c) => card(out, c),
        Block::Image(img) => {
            if img.jpeg.is_empty() {
                return;
            }
            images.push(img);
            image(out, img, images.len());
        }
    }
}

fn flag(out: &mut String, p: P<'_>, text: &str) {
    open_p(out, p);
    run(out, BOLD, "Check: ");
    run(out, "", text);
    out.push_str("</w:p>");
}

/// What goes in one paragraph of a card.
enum Piece<'a> {
    Marks(&'a [String]),
    Text(&'a str),
    Meta(&'a [String]),
    Flag(&'a str),
}

/// A card: marks, the text as a quote, its details, its flag, then each reply (text, details,
/// flag) further in. All but the last paragraph keep with the next, so a card that fits on a
/// page is never split; a small empty paragraph follows.
fn card(out: &mut String, c: &Card) {
    let mut pieces: Vec<(&str, Piece<'_>)> = Vec::with_capacity(4 + 3 * c.replies.len());
    if !c.marks.is_empty() {
        pieces.push(("CardMarks", Piece::Marks(&c.marks)));
    }
    pieces.push(("Quote", Piece::Text(&c.text)));
    if !c.meta.is_empty() {
        pieces.push(("CardMeta", Piece::Meta(&c.meta)));
    }
    if let Some(f) = &c.flag {
        pieces.push(("CardFlag", Piece::Flag(f)));
    }
    for r in &c.replies {
        pieces.push(("Reply", Piece::Text(&r.text)));
        if !r.meta.is_empty() {
            pieces.push(("ReplyMeta", Piece::Meta(&r.meta)));
        }
        if let Some(f) = &r.flag {
            pieces.push(("ReplyFlag", Piece::Flag(f)));
        }
    }
    let last = pieces.len().saturating_sub(1);
    for (i, (style, piece)) in pieces.into_iter().enumerate() {
        let p = P {
            keep_next: i < last,
            keep_lines: true,
            // The quote sits right under its marks.
            before: (i == 1 && !c.marks.is_empty()).then_some(0),
            ..P::new(style)
        };
        match piece {
            Piece::Marks(marks) => {
                open_p(out, p);
                run(out, "", &marks.join(" · "));
                out.push_str("</w:p>");
            }
            Piece::Text(t) => para(out, p, t),
            Piece::Meta(meta) => para(out, p, &meta.join(" · ")),
            Piece::Flag(f) => flag(out, p, f),
        }
    }
    // An empty paragraph between cards: without it, Word and LibreOffice draw one border
    // down the side of consecutive cards, as if they were one.
    out.push_str("<w:p><w:pPr><w:pStyle w:val=\"CardGap\"/></w:pPr></w:p>");
}

/// Column widths in twips filling the text width. Each column gets room for its longest
/// word (up to 14 characters, so words are not broken where that can be helped), then the
/// rest of the width goes to the columns whose text is longer (counted up to 50 characters).
/// Each cell is read at most to its 60th character, so this is linear in the table's size.
fn column_widths(cols: usize, head: &[String], rows: &[Vec<String>]) -> Vec<u32> {
    // About one character of 9.5 pt text, a wide one (bold, or a wider fallback font, as
    // LibreOffice uses where Arial is missing) for whole words, and the cell's margins.
    const CHAR: u64 = 105;
    const WIDE: u64 = 140;
    const PAD: u64 = 220;
    let mut word = vec![1u64; cols];
    let mut want = vec![1u64; cols];
    for r in std::iter::once(head).chain(rows.iter().map(Vec::as_slice)) {
        for (c, cell) in r.iter().enumerate().take(cols) {
            let (mut len, mut run, mut longest) = (0u64, 0u64, 0u64);
            for ch in cell.chars().take(60) {
                len += 1;
                if ch.is_whitespace() {
                    run = 0;
                } else {
                    run += 1;
                    longest = longest.max(run);
                }
            }
            word[c] = word[c].max(longest.min(14));
            want[c] = want[c].max(len.min(50));
        }
    }
    let total = u64::from(TEXT_W);
    let min: Vec<u64> = word.iter().map(|w| w * WIDE + PAD).collect();
    let want: Vec<u64> = want
        .iter()
        .zip(&min)
        .map(|(w, m)| (w * CHAR + PAD).max(*m))
        .collect();
    let (sum_min, sum_want) = (min.iter().sum::<u64>(), want.iter().sum::<u64>());
    let widths: Vec<u64> = if sum_min >= total {
        min.iter().map(|m| m * total / sum_min).collect()
    } else if sum_want <= total {
        want.iter().map(|w| w * total / sum_want).collect()
    } else {
        let (extra, spread) = (total - sum_min, sum_want - sum_min);
        min.iter()
            .zip(&want)
            .map(|(m, w)| m + (w - m) * extra / spread)
            .collect()
    };
    widths.into_iter().map(|w| w as u32).collect()
}

fn open_table(out: &mut String, widths: &[u32], header: bool, caption: &str) {
    let _ = write!(
        out,
        "<w:tbl><w:tblPr><w:tblStyle w:val=\"ReportTable\"/>\
         <w:tblW w:w=\"{TEXT_W}\" w:type=\"dxa\"/><w:tblLayout w:type=\"fixed\"/>\
         <w:tblLook w:val=\"{}\" w:firstRow=\"{}\" w:lastRow=\"0\" w:firstColumn=\"0\" \
         w:lastColumn=\"0\" w:noHBand=\"1\" w:noVBand=\"1\"/>\
         <w:tblCaption w:val=\"{caption}\"/></w:tblPr><w:tblGrid>",
        if header { "0420" } else { "0400" },
        u8::from(header),
    );
    for w in widths {
        let _ = write!(out, "<w:gridCol w:w=\"{w}\"/>");
    }
    out.push_str("</w:tblGrid>");
}

/// One cell: `shade` for header cells (set directly as well as in the table style, so every
/// program shows it), `rpr` for the run, `jc` for the alignment.
fn cell(out: &mut String, width: u32, text: &str, header: bool, rpr: &str, jc: Option<&str>) {
    let _ = write!(out, "<w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/>");
    if header {
        out.push_str("<w:shd w:val=\"clear\" w:color=\"auto\" w:fill=\"E4E9E7\"/>");
    }
    out.push_str("</w:tcPr><w:p><w:pPr><w:pStyle w:val=\"TableText\"/>");
    if header {
        out.push_str("<w:keepNext/>");
    }
    if let Some(jc) = jc {
        let _ = write!(out, "<w:jc w:val=\"{jc}\"/>");
    }
    out.push_str("</w:pPr>");
    run(out, rpr, text);
    out.push_str("</w:p></w:tc>");
}

fn table(out: &mut String, head: &[String], rows: &[Vec<String>]) {
    let cols = rows
        .iter()
        .map(Vec::len)
        .chain([head.len()])
        .max()
        .unwrap_or(0);
    if cols == 0 {
        return;
    }
    let widths = column_widths(cols, head, rows);
    open_table(out, &widths, !head.is_empty(), "Table");
    if !head.is_empty() {
        // Repeats at the top of each page; never split over two.
        out.push_str("<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>");
        for (i, w) in widths.iter().enumerate() {
            let text = head.get(i).map_or("", String::as_str);
            cell(out, *w, text, true, BOLD, None);
        }
        out.push_str("</w:tr>");
    }
    for r in rows {
        out.push_str("<w:tr>");
        for (i, w) in widths.iter().enumerate() {
            cell(
                out,
                *w,
                r.get(i).map_or("", String::as_str),
                false,
                "",
                None,
            );
        }
        out.push_str("</w:tr>");
    }
    out.push_str("</w:tbl>");
    // Word needs a paragraph between two tables, and one after a table before a heading
    // reads better.
    para(out, P::new("TableAfter"), "");
}

/// Key figures: a two-column table, label left, value bold on the right.
fn figures(out: &mut String, pairs: &[(String, String)]) {
    if pairs.is_empty() {
        return;
    }
    let value_w = TEXT_W / 4;
    let widths = [TEXT_W - value_w, value_w];
    open_table(out, &widths, false, "Key figures");
    for (k, v) in pairs {
        out.push_str("<w:tr><w:trPr><w:cantSplit/></w:trPr>");
        cell(out, widths[0], k, false, "", None);
        cell(out, widths[1], v, false, BOLD, Some("right"));
        out.push_str("</w:tr>");
    }
    out.push_str("</w:tbl>");
    para(out, P::new("TableAfter"), "");
}

/// The image's size in EMU: its pixels at 96 dpi, scaled down to fit the text width and
/// 11 cm of height, keeping its shape.
fn image_size(width: u32, height: u32) -> (u64, u64) {
    let (w, h) = if width == 0 || height == 0 {
        (800, 600)
    } else {
        (u64::from(width), u64::from(height))
    };
    let (w, h) = (w * EMU_PER_PX, h * EMU_PER_PX);
    let scale = 1f64
        .min(IMG_MAX_W as f64 / w as f64)
        .min(IMG_MAX_H as f64 / h as f64);
    let cx = ((w as f64 * scale).round() as u64).max(1);
    let cy = ((h as f64 * scale).round() as u64).max(1);
    (cx, cy)
}

fn image(out: &mut String, img: &Image, n: usize) {
    let (cx, cy) = image_size(img.width, img.height);
    let has_caption = !img.caption.trim().is_empty();
    let alt = if has_caption {
        esc(&img.caption)
    } else {
        "Image from the event".to_string()
    };
    open_p(
        out,
        P {
            keep_next: has_caption,
            keep_lines: true,
            ..P::new("Figure")
        },
    );
    let _ = write!(
        out,
        "<w:r><w:drawing><wp:inline distT=\"0\" distB=\"0\" distL=\"0\" distR=\"0\">\
         <wp:extent cx=\"{cx}\" cy=\"{cy}\"/><wp:effectExtent l=\"0\" t=\"0\" r=\"0\" b=\"0\"/>\
         <wp:docPr id=\"{n}\" name=\"Picture {n}\" descr=\"{alt}\"/>\
         <wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect=\"1\"/></wp:cNvGraphicFramePr>\
         <a:graphic><a:graphicData uri=\"http://schemas.openxmlformats.org/drawingml/2006/picture\">\
         <pic:pic><pic:nvPicPr><pic:cNvPr id=\"{n}\" name=\"image{n}.jpeg\" descr=\"{alt}\"/>\
         <pic:cNvPicPr><a:picLocks noChangeAspect=\"1\" noChangeArrowheads=\"1\"/></pic:cNvPicPr>\
         </pic:nvPicPr><pic:blipFill><a:blip r:embed=\"rIdImage{n}\"/><a:stretch><a:fillRect/>\
         </a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x=\"0\" y=\"0\"/>\
         <a:ext cx=\"{cx}\" cy=\"{cy}\"/></a:xfrm><a:prstGeom prst=\"rect\"><a:avLst/>\
         </a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline>\
         </w:drawing></w:r></w:p>"
    );
    if has_caption {
        para(
            out,
            P {
                keep_lines: true,
                ..P::new("Caption")
            },
            &img.caption,
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The other parts
// ---------------------------------------------------------------------------------------------

fn content_types() -> String {
    let main = "application/vnd.openxmlformats-officedocument.wordprocessingml";
    let mut out = String::from(XML_HEAD);
    let _ = write!(
        out,
        "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
         <Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
         <Default Extension=\"xml\" ContentType=\"application/xml\"/>\
         <Default Extension=\"jpeg\" ContentType=\"image/jpeg\"/>\
         <Override PartName=\"/word/document.xml\" ContentType=\"{main}.document.main+xml\"/>\
         <Override PartName=\"/word/styles.xml\" ContentType=\"{main}.styles+xml\"/>\
         <Override PartName=\"/word/settings.xml\" ContentType=\"{main}.settings+xml\"/>\
         <Override PartName=\"/word/numbering.xml\" ContentType=\"{main}.numbering+xml\"/>\
         <Override PartName=\"/word/footer1.xml\" ContentType=\"{main}.footer+xml\"/>\
         <Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>\
         <Override PartName=\"/docProps/app.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.extended-properties+xml\"/>\
         </Types>"
    );
    out
}

const ROOT_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>\
<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/>\
<Relationship Id=\"rId3\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties\" Target=\"docProps/app.xml\"/>\
</Relationships>";

const APP_XML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\" \
xmlns:vt=\"http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes\">\
<Application>Roundtable</Application><DocSecurity>0</DocSecurity></Properties>";

fn document_rels(images: usize) -> String {
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let mut out = String::from(XML_HEAD);
    let _ = write!(
        out,
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
         <Relationship Id=\"rIdStyles\" Type=\"{rel}/styles\" Target=\"styles.xml\"/>\
         <Relationship Id=\"rIdSettings\" Type=\"{rel}/settings\" Target=\"settings.xml\"/>\
         <Relationship Id=\"rIdNumbering\" Type=\"{rel}/numbering\" Target=\"numbering.xml\"/>\
         <Relationship Id=\"rIdFooter1\" Type=\"{rel}/footer\" Target=\"footer1.xml\"/>"
    );
    for n in 1..=images {
        let _ = write!(
            out,
            "<Relationship Id=\"rIdImage{n}\" Type=\"{rel}/image\" Target=\"media/image{n}.jpeg\"/>"
        );
    }
    out.push_str("</Relationships>");
    out
}

fn core_xml(doc: &Doc, now: &Utc) -> String {
    let mut out = String::from(XML_HEAD);
    let when = now.w3cdtf();
    let _ = write!(
        out,
        "<cp:coreProperties \
         xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" \
         xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\
         <dc:title>{}</dc:title><dc:subject>{}</dc:subject><dc:creator>Roundtable</dc:creator>\
         <dc:language>en-GB</dc:language>\
         <dcterms:created xsi:type=\"dcterms:W3CDTF\">{when}</dcterms:created>\
         <dcterms:modified xsi:type=\"dcterms:W3CDTF\">{when}</dcterms:modified>\
         </cp:coreProperties>",
        esc(&doc.title),
        esc(&doc.kind),
    );
    out
}

fn footer_xml(doc: &Doc) -> String {
    let mut out = String::from(XML_HEAD);
    let _ = write!(
        out,
        "<w:ftr xmlns:w=\"{NS_W}\" xmlns:r=\"{NS_R}\"><w:p><w:pPr><w:pStyle w:val=\"Footer\"/></w:pPr>"
    );
    let title: String = doc.title.chars().take(80).collect();
    if !title.trim().is_empty() {
        run(&mut out, "", &format!("{title} · "));
    }
    run(&mut out, "", "Page ");
    out.push_str(
        "<w:fldSimple w:instr=\" PAGE \\* MERGEFORMAT \"><w:r><w:t>1</w:t></w:r></w:fldSimple>\
         </w:p></w:ftr>",
    );
    out
}

const SETTINGS_XML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<w:settings xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
<w:zoom w:percent=\"100\"/><w:defaultTabStop w:val=\"720\"/>\
<w:characterSpacingControl w:val=\"doNotCompress\"/>\
<w:compat><w:compatSetting w:name=\"compatibilityMode\" w:uri=\"http://schemas.microsoft.com/office/word\" w:val=\"15\"/></w:compat>\
<w:themeFontLang w:val=\"en-GB\"/>\
</w:settings>";

const NUMBERING_XML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<w:numbering xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
<w:abstractNum w:abstractNumId=\"0\"><w:multiLevelType w:val=\"singleLevel\"/>\
<w:lvl w:ilvl=\"0\"><w:start w:val=\"1\"/><w:numFmt w:val=\"bullet\"/><w:lvlText w:val=\"\u{2022}\"/>\
<w:lvlJc w:val=\"left\"/><w:pPr><w:ind w:left=\"720\" w:hanging=\"360\"/></w:pPr>\
<w:rPr><w:rFonts w:ascii=\"Arial\" w:hAnsi=\"Arial\" w:cs=\"Arial\" w:hint=\"default\"/></w:rPr></w:lvl>\
</w:abstractNum><w:num w:numId=\"1\"><w:abstractNumId w:val=\"0\"/></w:num></w:numbering>";

/// The styles. Colours follow the HTML report; greys are dark enough for WCAG AA on white.
const STYLES_XML: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial" w:eastAsia="Arial" w:cs="Arial"/><w:sz w:val="22"/><w:szCs w:val="22"/><w:lang w:val="en-GB" w:eastAsia="en-GB" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>
<w:pPrDefault><w:pPr><w:spacing w:after="120" w:line="269" w:lineRule="auto"/></w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/><w:rPr><w:color w:val="1B1B1B"/></w:rPr></w:style>
<w:style w:type="character" w:default="1" w:styleId="DefaultParagraphFont"><w:name w:val="Default Paragraph Font"/><w:uiPriority w:val="1"/><w:semiHidden/><w:unhideWhenUsed/></w:style>
<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>
<w:style w:type="numbering" w:default="1" w:styleId="NoList"><w:name w:val="No List"/><w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:next w:val="Subtitle"/><w:uiPriority w:val="10"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:after="80" w:line="240" w:lineRule="auto"/></w:pPr><w:rPr><w:b/><w:bCs/><w:kern w:val="28"/><w:sz w:val="44"/><w:szCs w:val="44"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Subtitle"><w:name w:val="Subtitle"/><w:basedOn w:val="Normal"/><w:next w:val="Byline"/><w:uiPriority w:val="11"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:after="160"/></w:pPr><w:rPr><w:b/><w:bCs/><w:caps/><w:color w:val="0B5D4B"/><w:spacing w:val="10"/><w:sz w:val="24"/><w:szCs w:val="24"/></w:rPr></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="Byline"><w:name w:val="Byline"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:after="40"/></w:pPr><w:rPr><w:color w:val="444444"/></w:rPr></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="Notice"><w:name w:val="Notice"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:keepLines/><w:pBdr><w:top w:val="single" w:sz="6" w:space="4" w:color="9BB8AD"/><w:left w:val="single" w:sz="6" w:space="4" w:color="9BB8AD"/><w:bottom w:val="single" w:sz="6" w:space="4" w:color="9BB8AD"/><w:right w:val="single" w:sz="6" w:space="4" w:color="9BB8AD"/></w:pBdr><w:shd w:val="clear" w:color="auto" w:fill="F1F7F4"/><w:spacing w:before="240" w:after="240"/><w:ind w:left="113" w:right="113"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="9"/><w:qFormat/><w:pPr><w:keepNext/><w:keepLines/><w:pBdr><w:top w:val="single" w:sz="12" w:space="6" w:color="1B1B1B"/></w:pBdr><w:spacing w:before="480" w:after="120" w:line="240" w:lineRule="auto"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:bCs/><w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="9"/><w:unhideWhenUsed/><w:qFormat/><w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before="320" w:after="120" w:line="240" w:lineRule="auto"/><w:outlineLvl w:val="1"/></w:pPr><w:rPr><w:b/><w:bCs/><w:color w:val="333333"/><w:sz w:val="26"/><w:szCs w:val="26"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading3"><w:name w:val="heading 3"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="9"/><w:unhideWhenUsed/><w:qFormat/><w:pPr><w:keepNext/><w:keepLines/><w:spacing w:before="240" w:after="80"/><w:outlineLvl w:val="2"/></w:pPr><w:rPr><w:b/><w:bCs/><w:color w:val="333333"/><w:sz w:val="22"/><w:szCs w:val="22"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="TOCHeading"><w:name w:val="TOC Heading"/><w:basedOn w:val="Heading1"/><w:next w:val="Normal"/><w:uiPriority w:val="39"/><w:unhideWhenUsed/><w:qFormat/><w:pPr><w:pBdr><w:top w:val="none" w:sz="0" w:space="0" w:color="auto"/></w:pBdr><w:spacing w:before="360"/><w:outlineLvl w:val="9"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="TOC1"><w:name w:val="toc 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="39"/><w:unhideWhenUsed/><w:pPr><w:spacing w:after="60"/><w:ind w:left="284"/></w:pPr></w:style>
<w:style w:type="character" w:styleId="Hyperlink"><w:name w:val="Hyperlink"/><w:basedOn w:val="DefaultParagraphFont"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/><w:rPr><w:color w:val="0B5D4B"/><w:u w:val="single"/></w:rPr></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="Note"><w:name w:val="Note"/><w:basedOn w:val="Normal"/><w:qFormat/><w:rPr><w:i/><w:iCs/><w:color w:val="555555"/><w:sz w:val="19"/><w:szCs w:val="19"/></w:rPr></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="Flag"><w:name w:val="Flag"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:keepLines/><w:pBdr><w:left w:val="single" w:sz="24" w:space="6" w:color="B3261E"/></w:pBdr><w:shd w:val="clear" w:color="auto" w:fill="FDF1F0"/><w:spacing w:before="80" w:after="120"/><w:ind w:left="170"/></w:pPr><w:rPr><w:b/><w:bCs/><w:color w:val="8A1C15"/><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="CardMarks"><w:name w:val="Card Marks"/><w:basedOn w:val="Normal"/><w:next w:val="Quote"/><w:qFormat/><w:pPr><w:keepNext/><w:keepLines/><w:pBdr><w:left w:val="single" w:sz="18" w:space="8" w:color="C8C8C8"/></w:pBdr><w:spacing w:before="60" w:after="0"/><w:ind w:left="227"/></w:pPr><w:rPr><w:b/><w:bCs/><w:caps/><w:color w:val="7A4B00"/><w:sz w:val="16"/><w:szCs w:val="16"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Quote"><w:name w:val="Quote"/><w:basedOn w:val="Normal"/><w:next w:val="CardMeta"/><w:uiPriority w:val="29"/><w:qFormat/><w:pPr><w:keepLines/><w:pBdr><w:left w:val="single" w:sz="18" w:space="8" w:color="C8C8C8"/></w:pBdr><w:spacing w:before="60" w:after="0"/><w:ind w:left="227"/></w:pPr></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="CardGap"><w:name w:val="Card Gap"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:before="0" w:after="0" w:line="160" w:lineRule="exact"/></w:pPr><w:rPr><w:sz w:val="4"/><w:szCs w:val="4"/></w:rPr></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="CardMeta"><w:name w:val="Card Meta"/><w:basedOn w:val="Quote"/><w:next w:val="Quote"/><w:qFormat/><w:pPr><w:spacing w:before="40" w:after="0"/></w:pPr><w:rPr><w:color w:val="555555"/><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="CardFlag"><w:name w:val="Card Flag"/><w:basedOn w:val="Flag"/><w:next w:val="Quote"/><w:qFormat/><w:pPr><w:spacing w:before="60" w:after="0"/><w:ind w:left="397"/></w:pPr></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="Reply"><w:name w:val="Reply"/><w:basedOn w:val="Quote"/><w:next w:val="ReplyMeta"/><w:qFormat/><w:pPr><w:pBdr><w:left w:val="single" w:sz="12" w:space="8" w:color="D8D8D8"/></w:pBdr><w:spacing w:before="100" w:after="0"/><w:ind w:left="794"/></w:pPr><w:rPr><w:sz w:val="21"/><w:szCs w:val="21"/></w:rPr></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="ReplyMeta"><w:name w:val="Reply Meta"/><w:basedOn w:val="Reply"/><w:next w:val="Reply"/><w:qFormat/><w:pPr><w:spacing w:before="20" w:after="0"/></w:pPr><w:rPr><w:color w:val="555555"/><w:sz w:val="18"/><w:szCs w:val="18"/></w:rPr></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="ReplyFlag"><w:name w:val="Reply Flag"/><w:basedOn w:val="CardFlag"/><w:next w:val="Reply"/><w:qFormat/><w:pPr><w:ind w:left="964"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="ListParagraph"><w:name w:val="List Paragraph"/><w:basedOn w:val="Normal"/><w:uiPriority w:val="34"/><w:qFormat/><w:pPr><w:spacing w:after="60"/><w:ind w:left="720"/></w:pPr></w:style>
<w:style w:type="table" w:customStyle="1" w:styleId="ReportTable"><w:name w:val="Report Table"/><w:basedOn w:val="TableNormal"/><w:uiPriority w:val="59"/><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="A6A6A6"/><w:left w:val="single" w:sz="4" w:space="0" w:color="A6A6A6"/><w:bottom w:val="single" w:sz="4" w:space="0" w:color="A6A6A6"/><w:right w:val="single" w:sz="4" w:space="0" w:color="A6A6A6"/><w:insideH w:val="single" w:sz="4" w:space="0" w:color="A6A6A6"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="A6A6A6"/></w:tblBorders><w:tblCellMar><w:top w:w="40" w:type="dxa"/><w:left w:w="85" w:type="dxa"/><w:bottom w:w="40" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar></w:tblPr><w:tblStylePr w:type="firstRow"><w:rPr><w:b/><w:bCs/></w:rPr><w:tblPr/><w:trPr><w:tblHeader/></w:trPr><w:tcPr><w:shd w:val="clear" w:color="auto" w:fill="E4E9E7"/></w:tcPr></w:tblStylePr></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="TableText"><w:name w:val="Table Text"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/></w:pPr><w:rPr><w:sz w:val="19"/><w:szCs w:val="19"/></w:rPr></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="TableAfter"><w:name w:val="After Table"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:before="0" w:after="120" w:line="240" w:lineRule="auto"/></w:pPr><w:rPr><w:sz w:val="12"/><w:szCs w:val="12"/></w:rPr></w:style>
<w:style w:type="paragraph" w:customStyle="1" w:styleId="Figure"><w:name w:val="Figure"/><w:basedOn w:val="Normal"/><w:next w:val="Caption"/><w:qFormat/><w:pPr><w:keepLines/><w:spacing w:before="200" w:after="60" w:line="240" w:lineRule="auto"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Caption"><w:name w:val="caption"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="35"/><w:unhideWhenUsed/><w:qFormat/><w:pPr><w:spacing w:after="240"/></w:pPr><w:rPr><w:color w:val="333333"/><w:sz w:val="19"/><w:szCs w:val="19"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Footer"><w:name w:val="footer"/><w:basedOn w:val="Normal"/><w:uiPriority w:val="99"/><w:unhideWhenUsed/><w:pPr><w:tabs><w:tab w:val="center" w:pos="4819"/><w:tab w:val="right" w:pos="9638"/></w:tabs><w:spacing w:after="0" w:line="240" w:lineRule="auto"/><w:jc w:val="center"/></w:pPr><w:rPr><w:color w:val="555555"/><w:sz w:val="17"/><w:szCs w:val="17"/></w:rPr></w:style>
</w:styles>"#;

// ---------------------------------------------------------------------------------------------
// Time, without a date crate: for the document's properties and the zip entries.
// ---------------------------------------------------------------------------------------------

/// A UTC time of day and date.
struct Utc {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
}

impl Utc {
    fn now() -> Utc {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Utc::from_unix(secs)
    }

    /// From seconds since 1970 (days to a civil date: Hinnant's algorithm).
    fn from_unix(secs: u64) -> Utc {
        let days = (secs / 86_400) as i64;
        let rem = secs % 86_400;
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Utc {
            year,
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: (rem % 3600 / 60) as u32,
            second: (rem % 60) as u32,
        }
    }

    fn w3cdtf(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    fn zip_time(&self) -> zip::DateTime {
        let part = |n: u32| u8::try_from(n).unwrap_or(0);
        u16::try_from(self.year)
            .ok()
            .and_then(|y| {
                zip::DateTime::from_date_and_time(
                    y,
                    part(self.month),
                    part(self.day),
                    part(self.hour),
                    part(self.minute),
                    part(self.second),
                )
                .ok()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use facilitator_ui::doc::{Reply, Section};
    use std::io::Read;

    /// Bytes standing in for a JPEG: the writer copies them into the package as they are.
    const JPEG: &[u8] = b"\xFF\xD8\xFF\xE0 stand-in \xFF\xD9";

    fn sample() -> Doc {
        let img = Image {
            jpeg: std::sync::Arc::from(JPEG),
            width: 4000,
            height: 3000,
            caption: "The wall & <b>notes</b>".into(),
        };
        Doc {
            title: "Clean air <script>alert(1)</script> & more".into(),
            kind: "Local campaign pack".into(),
            lines: vec!["Caerdydd · 3 May 2025".into()],
            notice: Some("Names are left out ]]> of this one".into()),
            sections: vec![
                Section {
                    id: "summary".into(),
                    title: "Summary".into(),
                    new_page: false,
                    blocks: vec![
                        Block::Heading("Key figures".into()),
                        Block::Figures(vec![("Comments".into(), "42".into())]),
                        Block::Para("Line one\nline two\r\nline three\tend".into()),
                        Block::Note("Counts exclude hidden comments".into()),
                        Block::Flag("Looks like a phone number".into()),
                        Block::Bullets(vec!["Buses".into(), "Trains & trams".into()]),
                    ],
                },
                Section {
                    id: "a-very-long-section-id-that-goes-on-and-on-and-on".into(),
                    title: "Tables".into(),
                    new_page: true,
                    blocks: vec![
                        Block::Table {
                            head: vec!["Table".into(), "Theme".into()],
                            rows: vec![
                                vec!["1".into(), "Air \"quality\" 'now'".into()],
                                vec!["2".into()],
                            ],
                        },
                        Block::Card(Card {
                            text: "We need &amp; more buses\nnow\u{0}\u{1b}\u{FFFE}!".into(),
                            marks: vec!["★ Starred".into()],
                            meta: vec!["12 agree".into(), "Table 2".into()],
                            flag: Some("Check the name".into()),
                            replies: vec![Reply {
                                text: "Agreed — Cytuno'n llwyr 👍".into(),
                                meta: vec!["2 agree".into()],
                                flag: Some("A reply flag".into()),
                            }],
                        }),
                        Block::Image(img),
                    ],
                },
            ],
        }
    }

    fn parts(bytes: &[u8]) -> std::collections::HashMap<String, Vec<u8>> {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut out = std::collections::HashMap::new();
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let mut buf = Vec::new();
            f.read_to_end(&mut buf).unwrap();
            out.insert(f.name().unwrap().to_string(), buf);
        }
        out
    }

    #[test]
    fn package_has_its_parts_styles_and_escaped_text() {
        let bytes = render(&sample()).unwrap();
        let parts = parts(&bytes);
        for name in [
            "[Content_Types].xml",
            "_rels/.rels",
            "docProps/core.xml",
            "docProps/app.xml",
            "word/document.xml",
            "word/styles.xml",
            "word/settings.xml",
            "word/numbering.xml",
            "word/footer1.xml",
            "word/_rels/document.xml.rels",
            "word/media/image1.jpeg",
        ] {
            assert!(parts.contains_key(name), "missing {name}");
        }
        assert_eq!(parts["word/media/image1.jpeg"], JPEG);
        let doc = String::from_utf8(parts["word/document.xml"].clone()).unwrap();
        let styles = String::from_utf8(parts["word/styles.xml"].clone()).unwrap();
        let core = String::from_utf8(parts["docProps/core.xml"].clone()).unwrap();
        let rels = String::from_utf8(parts["word/_rels/document.xml.rels"].clone()).unwrap();

        for style in [
            "Title",
            "Subtitle",
            "Heading1",
            "Heading2",
            "Quote",
            "CardMeta",
            "CardMarks",
            "CardFlag",
            "Reply",
            "ReplyMeta",
            "ReplyFlag",
            "Note",
            "Flag",
            "ListParagraph",
            "TOCHeading",
            "TOC1",
            "TableText",
            "Figure",
            "Caption",
            "Notice",
            "Byline",
        ] {
            assert!(
                doc.contains(&format!("<w:pStyle w:val=\"{style}\"/>")),
                "{style} not used"
            );
            assert!(
                styles.contains(&format!("w:styleId=\"{style}\"")),
                "{style} not defined"
            );
        }
        for (id, level) in [("Heading1", 0), ("Heading2", 1), ("Heading3", 2)] {
            let at = styles.find(&format!("w:styleId=\"{id}\"")).unwrap();
            let rest = &styles[at..];
            let end = rest.find("</w:style>").unwrap();
            assert!(rest[..end].contains(&format!("<w:outlineLvl w:val=\"{level}\"/>")));
        }

        // User text comes out literally, escaped once.
        assert!(doc.contains("Clean air &lt;script&gt;alert(1)&lt;/script&gt; &amp; more"));
        assert!(!doc.contains("<script>"));
        assert!(doc.contains("]]&gt; of this one"));
        assert!(
            doc.contains(
                "We need &amp;amp; more buses</w:t><w:br/><w:t xml:space=\"preserve\">now!"
            )
        );
        assert!(doc.contains("Air &quot;quality&quot; &apos;now&apos;"));
        assert!(doc.contains("Cytuno&apos;n llwyr 👍"));
        assert!(doc.contains("line two</w:t><w:br/>"));
        assert!(doc.contains("line three</w:t><w:tab/>"));
        assert!(doc.contains("descr=\"The wall &amp; &lt;b&gt;notes&lt;/b&gt;\""));
        assert!(!doc.contains('\u{0}') && !doc.contains('\u{1b}') && !doc.contains('\u{FFFE}'));
        assert!(core.contains(
            "<dc:title>Clean air &lt;script&gt;alert(1)&lt;/script&gt; &amp; more</dc:title>"
        ));

        // Contents links to bookmarks that exist and that Word accepts.
        let mut anchors = 0;
        for piece in doc.split("w:anchor=\"").skip(1) {
            let name = &piece[..piece.find('"').unwrap()];
            assert!(name.len() <= 40 && name.starts_with(|c: char| c.is_ascii_alphabetic()));
            assert!(name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
            assert!(
                doc.contains(&format!("w:name=\"{name}\"")),
                "no bookmark {name}"
            );
            anchors += 1;
        }
        assert_eq!(anchors, 2);

        // Page layout, page break before the second section, repeating header row, image.
        assert!(doc.contains("<w:pgSz w:w=\"11906\" w:h=\"16838\"/>"));
        assert!(doc.contains("w:left=\"1134\""));
        assert!(doc.contains("<w:pStyle w:val=\"Heading1\"/><w:pageBreakBefore/>"));
        assert_eq!(doc.matches("<w:pageBreakBefore/>").count(), 1);
        assert!(doc.contains("<w:tblHeader/>"));
        assert!(doc.contains("<w:keepNext/><w:keepLines/>"));
        assert!(doc.contains("r:embed=\"rIdImage1\""));
        assert!(rels.contains("Id=\"rIdImage1\"") && rels.contains("media/image1.jpeg"));
        // 4000×3000 px fits the text width: 6120130 EMU wide, 4590098 would be too tall, so
        // it is held to 11 cm.
        assert!(doc.contains("<wp:extent cx=\"5280000\" cy=\"3960000\"/>"));
    }

    #[test]
    fn bookmarks_are_valid_and_unique() {
        let long = "x".repeat(60);
        let a = bookmark(0, &long);
        let b = bookmark(1, &long);
        assert!(a.len() <= 40 && b.len() <= 40 && a != b);
        assert_eq!(bookmark(2, "key-terms"), "s3_key_terms");
        assert_eq!(bookmark(0, "été"), "s1__t_");
    }

    #[test]
    fn columns_fill_the_width_and_keep_words_whole() {
        let head: Vec<String> = [
            "Table",
            "Theme",
            "Comments",
            "Written by the two most active",
        ]
        .map(String::from)
        .to_vec();
        let rows = vec![vec!["1".into(), "A theme with quite a long name".into()]; 3];
        let w = column_widths(4, &head, &rows);
        let sum: u32 = w.iter().sum();
        assert!(sum <= TEXT_W && sum > TEXT_W - 10, "{w:?}");
        assert!(w[0] >= 5 * 140 + 220 && w[2] >= 8 * 140 + 220, "{w:?}");
        // Many columns: each still gets a share, and the total holds.
        let wide = column_widths(40, &vec!["word".to_string(); 40], &[]);
        assert_eq!(wide.len(), 40);
        assert!(wide.iter().sum::<u32>() <= TEXT_W);
    }

    #[test]
    fn image_sizes_keep_their_shape_within_the_page() {
        assert_eq!(image_size(100, 50), (952_500, 476_250));
        let (cx, cy) = image_size(3000, 1000);
        assert_eq!(cx, IMG_MAX_W);
        assert!((cy as f64 - IMG_MAX_W as f64 / 3.0).abs() < 2.0);
        let (cx, cy) = image_size(1000, 4000);
        assert_eq!(cy, IMG_MAX_H);
        assert_eq!(cx, IMG_MAX_H / 4);
        assert!(image_size(0, 0).0 > 0);
    }

    #[test]
    fn dates_are_civil() {
        assert_eq!(Utc::from_unix(0).w3cdtf(), "1970-01-01T00:00:00Z");
        assert_eq!(Utc::from_unix(951_782_400).w3cdtf(), "2000-02-29T00:00:00Z");
        assert_eq!(
            Utc::from_unix(1_746_275_445).w3cdtf(),
            "2025-05-03T12:30:45Z"
        );
    }

    #[test]
    fn an_empty_doc_still_renders() {
        let bytes = render(&Doc::default()).unwrap();
        let parts = parts(&bytes);
        let doc = String::from_utf8(parts["word/document.xml"].clone()).unwrap();
        assert!(doc.contains("<w:pStyle w:val=\"Title\"/>"));
        assert!(!doc.contains("TOCHeading"));
    }
}
