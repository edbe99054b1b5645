//! The PDF writer: renders a report's [`Doc`] as an A4 PDF for email to organisers and policy
//! officers.
//!
//! The PDF is made with krilla (the PDF library typst uses): pure Rust, no browser, no external
//! program and no network at run time. The fonts are DejaVu Sans (regular, bold, oblique) from
//! the `dejavu` crate, compiled into the binary, embedded in the PDF and subset by krilla, so a
//! report renders offline on a fresh machine straight from `cargo run --release`.
//!
//! krilla draws glyphs; the layout is ours. Each character's glyph and advance width are read
//! from the font's cmap and hmtx (through rustybuzz's ttf-parser, the face parsed once per
//! process) and kept in a table; lines are broken greedily at spaces (between characters when
//! a word is wider than the line), and each finished line is drawn once, as a glyph run we
//! position ourselves. Only lines holding right-to-left, joining or combining scripts are
//! shaped (rustybuzz, one run per direction). Blocks become rows of fixed height that a
//! paginator places on pages: rows chained with `keep` stay together (a card, a short table
//! row, a heading and what follows it), table headers repeat after a break, and page numbers
//! (the contents list, the footers) are filled in after pagination, so the contents list is
//! right in one pass.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use facilitator_ui::doc::{Block, Card, Doc, Image, Reply, Section};
use krilla::Data;
use krilla::Document;
use krilla::annotation::{Annotation, LinkAnnotation, Target};
use krilla::color::rgb;
use krilla::destination::{Destination, XyzDestination};
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image as PdfImage;
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, LineCap, Stroke, StrokeDash};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use rustybuzz::ttf_parser::GlyphId as GlyphId16;

/// Why a PDF couldn't be made (a font failed to load, krilla refused the document).
#[derive(Debug)]
pub struct PdfError(pub String);

impl fmt::Display for PdfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not make the PDF: {}", self.0)
    }
}

impl std::error::Error for PdfError {}

/// Renders the document as an A4 PDF.
pub fn render(doc: &Doc) -> Result<Vec<u8>, PdfError> {
    let faces = faces()?;
    match build(doc, faces, true) {
        Ok(pdf) => Ok(pdf),
        // A JPEG whose header reads but which krilla then refuses: leave the pictures out
        // (their captions say so) rather than send nothing.
        Err(e) if has_images(doc) => build(doc, faces, false).map_err(|_| e),
        Err(e) => Err(e),
    }
}

/// The fonts and their advance tables, loaded once per process.
fn faces() -> Result<&'static Faces, PdfError> {
    static FACES: OnceLock<Result<Faces, String>> = OnceLock::new();
    FACES
        .get_or_init(|| Faces::load().map_err(|e| e.0))
        .as_ref()
        .map_err(|e| PdfError(e.clone()))
}

fn has_images(doc: &Doc) -> bool {
    doc.sections
        .iter()
        .any(|s| s.blocks.iter().any(|b| matches!(b, Block::Image(_))))
}

fn build(doc: &Doc, faces: &Faces, images: bool) -> Result<Vec<u8>, PdfError> {
    let mut lay = Layout::new(faces, images);
    lay.document(doc);
    let pages = paginate(&lay.rows, &lay.headers, doc.sections.len());
    draw(doc, &lay, &pages, faces)
}

// ---------------------------------------------------------------------------------------------
// Page geometry (PDF points, origin top left) and styles.

const MM: f32 = 72.0 / 25.4;
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const LEFT: f32 = 19.0 * MM;
const WIDTH: f32 = PAGE_W - 2.0 * LEFT;
const RIGHT: f32 = LEFT + WIDTH;
const TOP: f32 = 18.0 * MM;
const BOTTOM: f32 = PAGE_H - 21.0 * MM;
const CAP: f32 = BOTTOM - TOP;
const FOOT_RULE: f32 = PAGE_H - 16.0 * MM;
const FOOT_Y: f32 = PAGE_H - 11.5 * MM;
const IMAGE_MAX_H: f32 = 110.0 * MM;

type C = (u8, u8, u8);
const INK: C = (28, 28, 30);
const GREY: C = (96, 100, 108);
const SOFT: C = (125, 128, 135);
const ACCENT: C = (31, 94, 158);
const CARD_BG: C = (244, 246, 249);
const REPLY_BAR: C = (165, 178, 196);
const FLAG_BG: C = (255, 243, 226);
const FLAG_BAR: C = (200, 48, 20);
const FLAG_INK: C = (128, 38, 8);
const NOTICE_BG: C = (237, 242, 248);
const NOTICE_EDGE: C = (176, 190, 210);
const HEAD_FILL: C = (229, 235, 242);
const RULE: C = (205, 210, 218);
const RULE_DARK: C = (120, 130, 146);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum F {
    Regular = 0,
    Bold = 1,
    Oblique = 2,
}

/// A text style: face, size, line height (lead) and colour.
#[derive(Clone, Copy)]
struct St {
    f: F,
    size: f32,
    lead: f32,
    color: C,
}

const fn st(f: F, size: f32, lead: f32, color: C) -> St {
    St {
        f,
        size,
        lead,
        color,
    }
}

const TITLE: St = st(F::Bold, 20.0, 25.0, INK);
const KIND: St = st(F::Bold, 12.5, 17.0, ACCENT);
const LINE: St = st(F::Regular, 10.0, 14.0, GREY);
const NOTICE: St = st(F::Regular, 9.5, 13.5, INK);
const H2: St = st(F::Bold, 15.0, 19.5, INK);
const H3: St = st(F::Bold, 12.0, 16.0, INK);
const BODY: St = st(F::Regular, 10.25, 14.5, INK);
const NOTE: St = st(F::Regular, 9.0, 12.5, GREY);
const FLAG: St = st(F::Regular, 10.0, 14.0, FLAG_INK);
const MARK: St = st(F::Bold, 8.5, 12.0, ACCENT);
const META: St = st(F::Regular, 8.5, 12.0, GREY);
const CARD_FLAG: St = st(F::Bold, 8.5, 12.0, FLAG_INK);
const REPLY: St = st(F::Regular, 9.5, 13.5, INK);
const REPLY_META: St = st(F::Regular, 8.0, 11.5, GREY);
const CELL: St = st(F::Regular, 9.0, 12.5, INK);
const CELL_HEAD: St = st(F::Bold, 9.0, 12.5, INK);
const FIG_LABEL: St = st(F::Regular, 10.0, 14.0, INK);
const FIG_VALUE: St = st(F::Bold, 10.0, 14.0, INK);
const CAPTION: St = st(F::Oblique, 9.0, 12.5, GREY);
const TOC: St = st(F::Regular, 10.0, 15.0, INK);
const FOOT: St = st(F::Regular, 8.0, 10.0, SOFT);

/// Where the baseline sits in a line box of the style's lead (caps centred in the box).
fn baseline(s: St) -> f32 {
    s.lead / 2.0 + 0.36 * s.size
}

// ---------------------------------------------------------------------------------------------
// Fonts and text measuring.

/// Characters whose glyph and advance are kept in a table built once per face: Latin, Greek,
/// Cyrillic (below `LOW`) and general punctuation (`PUNCT`). Others are looked up each time.
const LOW: u32 = 0x590;
const PUNCT: Range<u32> = 0x2000..0x2100;

fn slot(c: char) -> Option<usize> {
    let cp = c as u32;
    if cp < LOW {
        Some(cp as usize)
    } else if PUNCT.contains(&cp) {
        Some((LOW + cp - PUNCT.start) as usize)
    } else {
        None
    }
}

struct Face {
    font: Font,
    /// The same font for measuring and for shaping the scripts that need it.
    rb: rustybuzz::Face<'static>,
    /// (glyph id, advance in em) by `slot`.
    table: Vec<(u16, f32)>,
    upem: f32,
}

impl Face {
    fn load(data: &'static [u8], name: &str) -> Result<Face, PdfError> {
        let font = Font::new(Data::from(data), 0)
            .ok_or_else(|| PdfError(format!("the {name} font could not be loaded")))?;
        let rb = rustybuzz::Face::from_slice(data, 0)
            .ok_or_else(|| PdfError(format!("the {name} font could not be read")))?;
        let upem = f32::from(rb.units_per_em().clamp(1, 0xFFFF) as u16);
        let mut face = Face {
            font,
            rb,
            table: Vec::new(),
            upem,
        };
        face.table = (0..LOW)
            .chain(PUNCT)
            .map(|cp| char::from_u32(cp).map_or((0, 0.0), |c| face.lookup(c)))
            .collect();
        Ok(face)
    }

    fn lookup(&self, c: char) -> (u16, f32) {
        let g = self.rb.glyph_index(c).unwrap_or(GlyphId16(0));
        let adv = self.rb.glyph_hor_advance(g).unwrap_or(0);
        (g.0, f32::from(adv) / self.upem)
    }

    /// The glyph for a character and its advance in em (.notdef for what the font lacks).
    fn glyph(&self, c: char) -> (u16, f32) {
        match slot(c).and_then(|i| self.table.get(i)) {
            Some(&entry) => entry,
            None => self.lookup(c),
        }
    }

    fn has(&self, c: char) -> bool {
        self.glyph(c).0 != 0
    }

    /// Shapes a run of one direction; the glyphs come in visual order, their text ranges
    /// offset by `at`.
    fn shape(&self, text: &str, rtl: bool, at: usize, out: &mut Vec<KrillaGlyph>) {
        let mut buf = rustybuzz::UnicodeBuffer::new();
        buf.push_str(text);
        buf.set_direction(if rtl {
            rustybuzz::Direction::RightToLeft
        } else {
            rustybuzz::Direction::LeftToRight
        });
        buf.guess_segment_properties();
        let shaped = rustybuzz::shape(&self.rb, &[], buf);
        let infos = shaped.glyph_infos();
        let positions = shaped.glyph_positions();
        // A cluster's text runs to the start of the next cluster in logical order.
        let mut starts: Vec<usize> = infos.iter().map(|i| i.cluster as usize).collect();
        starts.sort_unstable();
        starts.dedup();
        for (info, pos) in infos.iter().zip(positions) {
            let start = (info.cluster as usize).min(text.len());
            let end = match starts.binary_search(&start) {
                Ok(k) => starts.get(k + 1).copied().unwrap_or(text.len()),
                Err(_) => text.len(),
            };
            out.push(KrillaGlyph::new(
                GlyphId::new(info.glyph_id),
                pos.x_advance as f32 / self.upem,
                pos.x_offset as f32 / self.upem,
                pos.y_offset as f32 / self.upem,
                pos.y_advance as f32 / self.upem,
                at + start..at + end.max(start),
                None,
            ));
        }
    }
}

struct Faces([Face; 3]);

impl Faces {
    fn load() -> Result<Faces, PdfError> {
        Ok(Faces([
            Face::load(dejavu::sans::regular(), "DejaVu Sans")?,
            Face::load(dejavu::sans::bold(), "DejaVu Sans Bold")?,
            Face::load(dejavu::sans::oblique(), "DejaVu Sans Oblique")?,
        ]))
    }

    fn face(&self, f: F) -> &Face {
        &self.0[f as usize]
    }

    fn width(&self, f: F, size: f32, s: &str) -> f32 {
        let face = self.face(f);
        s.chars().map(|c| face.glyph(c).1).sum::<f32>() * size
    }

    /// Breaks text into lines no wider than `width`: at spaces, by characters inside a word
    /// wider than the line, and at every newline. Empty text gives no lines.
    fn wrap(&self, s: St, text: &str, width: f32) -> Vec<String> {
        let text = clean(text);
        let mut out = Vec::new();
        for hard in text.trim().split('\n') {
            let hard = hard.trim();
            if hard.is_empty() {
                // One blank line for a run of them.
                if out.last().is_some_and(|l: &String| !l.is_empty()) {
                    out.push(String::new());
                }
                continue;
            }
            self.wrap_line(s, hard, width, &mut out);
        }
        out
    }

    fn wrap_line(&self, s: St, text: &str, width: f32, out: &mut Vec<String>) {
        let face = self.face(s.f);
        let adv = |c: char| face.glyph(c).1 * s.size;
        let max = width.max(1.0) + 0.01;
        let space = adv(' ');
        // The current line as a byte range of `text`, its width, and the width of the spaces
        // after it that a following word on the same line would bring.
        let mut line: Option<(usize, usize)> = None;
        let mut line_w = 0.0;
        let mut pending = 0.0;
        let mut pos = 0;
        while pos < text.len() {
            let rest = &text[pos..];
            let wlen = rest.find(' ').unwrap_or(rest.len());
            let word = &rest[..wlen];
            let after = &rest[wlen..];
            let spaces = after.len() - after.trim_start_matches(' ').len();
            let ww: f32 = word.chars().map(adv).sum();
            match line {
                Some((a, _)) if line_w + pending + ww <= max => {
                    line = Some((a, pos + wlen));
                    line_w += pending + ww;
                }
                _ => {
                    if let Some((a, b)) = line.take() {
                        out.push(text[a..b].to_string());
                    }
                    if ww <= max {
                        line = Some((pos, pos + wlen));
                        line_w = ww;
                    } else {
                        // Wider than a line: break it between characters.
                        let mut a = pos;
                        let mut cw = 0.0;
                        for (i, c) in word.char_indices() {
                            let w = adv(c);
                            if cw + w > max && pos + i > a {
                                out.push(text[a..pos + i].to_string());
                                a = pos + i;
                                cw = 0.0;
                            }
                            cw += w;
                        }
                        line = Some((a, pos + wlen));
                        line_w = cw;
                    }
                }
            }
            pending = spaces as f32 * space;
            pos += wlen + spaces;
        }
        if let Some((a, b)) = line {
            out.push(text[a..b].to_string());
        }
    }

    /// Cuts text to fit `width`, ending it with an ellipsis when cut.
    fn fit(&self, s: St, text: &str, width: f32) -> String {
        if self.width(s.f, s.size, text) <= width {
            return text.to_string();
        }
        let face = self.face(s.f);
        let mut w = face.glyph('…').1 * s.size;
        let mut out = String::new();
        for c in text.chars() {
            w += face.glyph(c).1 * s.size;
            if w > width {
                break;
            }
            out.push(c);
        }
        out.truncate(out.trim_end().len());
        out.push('…');
        out
    }
}

/// Text as it can be drawn: tabs become spaces, `\r\n` and line separators become `\n`, other
/// control characters and invisible formatting characters are dropped.
fn clean(s: &str) -> Cow<'_, str> {
    fn dropped(c: char) -> bool {
        (c.is_control() && c != '\n')
            || matches!(
                c as u32,
                0xAD | 0x200B | 0x200E | 0x200F | 0x202A..=0x202E | 0x2060..=0x2064
                    | 0x2066..=0x2069 | 0xFEFF | 0xFE00..=0xFE0F | 0xE0000..=0xE007F
                    | 0xE0100..=0xE01EF
            )
            || matches!(c, '\u{2028}' | '\u{2029}')
    }
    if !s.chars().any(dropped) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\t' => out.push(' '),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            '\u{2028}' | '\u{2029}' => out.push('\n'),
            c if dropped(c) => {}
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn is_rtl(c: char) -> bool {
    matches!(
        c as u32,
        0x0590..=0x08FF | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFF | 0x10800..=0x10FFF | 0x1E800..=0x1EFFF
    )
}

/// Characters that need a shaper: right-to-left and joining scripts, combining marks, Indic
/// and South-East Asian scripts, joiners.
fn needs_shaping(c: char) -> bool {
    is_rtl(c)
        || matches!(
            c as u32,
            0x0300..=0x036F | 0x0900..=0x0DFF | 0x0E00..=0x0FFF | 0x1000..=0x109F
                | 0x1780..=0x17FF | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x200C | 0x200D
                | 0x20D0..=0x20FF | 0xFE20..=0xFE2F
        )
}

/// Neither strongly left-to-right nor right-to-left: goes with the text around it.
fn is_neutral(c: char) -> bool {
    c.is_whitespace() || c.is_ascii_punctuation() || matches!(c as u32, 0x2000..=0x206F)
}

/// Splits a line into runs of (right-to-left?, byte range), in logical order. Neutral
/// characters between two right-to-left ones belong to the right-to-left run.
fn bidi_runs(s: &str) -> Vec<(bool, Range<usize>)> {
    let mut runs: Vec<(bool, Range<usize>)> = Vec::new();
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    for (k, &(i, c)) in chars.iter().enumerate() {
        let end = i + c.len_utf8();
        let rtl = if is_rtl(c) {
            true
        } else if is_neutral(c) {
            let in_rtl = runs.last().is_some_and(|r| r.0);
            let next_rtl = chars[k + 1..]
                .iter()
                .find(|(_, n)| !is_neutral(*n))
                .is_some_and(|(_, n)| is_rtl(*n));
            in_rtl && next_rtl
        } else {
            false
        };
        match runs.last_mut() {
            Some(run) if run.0 == rtl => run.1.end = end,
            _ => runs.push((rtl, i..end)),
        }
    }
    runs
}

// ---------------------------------------------------------------------------------------------
// Layout: blocks become rows.

/// A drawing operation. Ops belong to a row: `y` is relative to the row's top.
enum Op {
    Text {
        x: f32,
        y: f32,
        s: St,
        text: Range<usize>,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        c: C,
    },
    Image {
        idx: usize,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
    /// A contents entry's page number, right-aligned at `RIGHT`, with a dotted leader from
    /// `from`.
    PageNo { section: usize, y: f32, from: f32 },
    /// A link to a section's heading over the area.
    Link { section: usize, y: f32, h: f32 },
}

/// A strip of the page, never split. Rows chained by `keep` go on one page when they fit.
struct Row {
    h: f32,
    ops: Range<usize>,
    /// Keep on the same page as the next row.
    keep: bool,
    /// Space between blocks: dropped at the top of a page.
    gap: bool,
    /// Start a new page before this row.
    brk: bool,
    /// 1 + the index in `Layout::headers` of the table header to repeat before this row when
    /// it starts a page; 0 for none.
    head: usize,
    /// The start of this section.
    mark: Option<usize>,
    /// Padding that opens a box or part of one: never left alone at the foot of a page.
    glue: bool,
}

/// A band drawn the full height of a row: a background, a bar, a box edge.
#[derive(Clone, Copy)]
struct Band {
    x: f32,
    w: f32,
    c: C,
}

struct Layout<'a> {
    faces: &'a Faces,
    rows: Vec<Row>,
    ops: Vec<Op>,
    text: String,
    headers: Vec<Range<usize>>,
    images: Vec<PdfImage>,
    embed_images: bool,
    warn: &'static str,
}

impl<'a> Layout<'a> {
    fn new(faces: &'a Faces, embed_images: bool) -> Self {
        let warn = if faces.face(F::Regular).has('⚠') && faces.face(F::Bold).has('⚠') {
            "⚠ "
        } else {
            "! "
        };
        Layout {
            faces,
            rows: Vec::new(),
            ops: Vec::new(),
            text: String::new(),
            headers: Vec::new(),
            images: Vec::new(),
            embed_images,
            warn,
        }
    }

    // --- row primitives

    fn open(&mut self, h: f32, deco: &[Band]) -> usize {
        let start = self.ops.len();
        for b in deco {
            self.ops.push(Op::Rect {
                x: b.x,
                y: 0.0,
                w: b.w,
                h,
                c: b.c,
            });
        }
        start
    }

    fn close(&mut self, start: usize, h: f32, keep: bool) -> usize {
        self.rows.push(Row {
            h,
            ops: start..self.ops.len(),
            keep,
            gap: false,
            brk: false,
            head: 0,
            mark: None,
            glue: false,
        });
        self.rows.len() - 1
    }

    fn text_op(&mut self, x: f32, y: f32, s: St, text: &str) {
        let a = self.text.len();
        self.text.push_str(text);
        self.ops.push(Op::Text {
            x,
            y,
            s,
            text: a..self.text.len(),
        });
    }

    /// Space between blocks; it keeps the chain of the row before it.
    fn gap(&mut self, h: f32) {
        let keep = self.rows.last().is_some_and(|r| r.keep);
        let i = self.close(self.ops.len(), h, keep);
        self.rows[i].gap = true;
    }

    /// An empty row of the box's bands (padding inside a box).
    fn pad(&mut self, h: f32, deco: &[Band], keep: bool) {
        let o = self.open(h, deco);
        self.close(o, h, keep);
    }

    /// Padding that goes with the row after it.
    fn pad_before(&mut self, h: f32, deco: &[Band]) {
        let o = self.open(h, deco);
        let i = self.close(o, h, true);
        self.rows[i].glue = true;
    }

    /// A row of a horizontal rule across the content width.
    fn rule(&mut self, h: f32, thick: f32, c: C, keep: bool) {
        let o = self.ops.len();
        self.ops.push(Op::Rect {
            x: LEFT,
            y: (h - thick) / 2.0,
            w: WIDTH,
            h: thick,
            c,
        });
        self.close(o, h, keep);
    }

    /// Lines of text, one row each. With `all`, every row keeps with the next (and the last
    /// with what follows when `keep_last`); otherwise only the first two and the last two are
    /// kept together (no single line left at the foot or head of a page).
    fn lines(
        &mut self,
        s: St,
        x: f32,
        lines: &[String],
        deco: &[Band],
        all: bool,
        keep_last: bool,
    ) {
        self.lines_after(s, x, lines, deco, all, keep_last, None);
    }

    /// [`Layout::lines`] with a bullet before the first line at `bullet`.
    #[allow(clippy::too_many_arguments)]
    fn lines_after(
        &mut self,
        s: St,
        x: f32,
        lines: &[String],
        deco: &[Band],
        all: bool,
        keep_last: bool,
        bullet: Option<f32>,
    ) {
        let n = lines.len();
        for (i, l) in lines.iter().enumerate() {
            let keep = if i + 1 == n {
                keep_last
            } else {
                all || n <= 3 || i == 0 || i + 2 == n
            };
            let o = self.open(s.lead, deco);
            if let (0, Some(bx)) = (i, bullet) {
                self.text_op(bx, baseline(s), s, "•");
            }
            self.text_op(x, baseline(s), s, l);
            self.close(o, s.lead, keep);
        }
    }

    // --- the document

    fn document(&mut self, doc: &Doc) {
        let title = self.faces.wrap(TITLE, &doc.title, WIDTH);
        self.lines(TITLE, LEFT, &title, &[], true, true);
        let kind = self.faces.wrap(KIND, &doc.kind, WIDTH);
        if !kind.is_empty() {
            self.gap(2.0);
            self.lines(KIND, LEFT, &kind, &[], true, true);
        }
        if !doc.lines.is_empty() {
            self.gap(5.0);
            for l in &doc.lines {
                let ls = self.faces.wrap(LINE, l, WIDTH);
                self.lines(LINE, LEFT, &ls, &[], true, true);
            }
        }
        if let Some(n) = doc.notice.as_deref() {
            self.gap(10.0);
            self.notice(n);
        }
        if let Some(last) = self.rows.last_mut() {
            last.keep = false;
        }
        if !doc.sections.is_empty() {
            self.contents(&doc.sections);
        }
        for (i, s) in doc.sections.iter().enumerate() {
            self.section(i, s);
        }
    }

    fn notice(&mut self, text: &str) {
        let edge = 0.7;
        let deco = [
            Band {
                x: LEFT,
                w: WIDTH,
                c: NOTICE_BG,
            },
            Band {
                x: LEFT,
                w: edge,
                c: NOTICE_EDGE,
            },
            Band {
                x: RIGHT - edge,
                w: edge,
                c: NOTICE_EDGE,
            },
        ];
        let pad = 7.0;
        let lines = self.faces.wrap(NOTICE, text, WIDTH - 2.0 * pad - 4.0);
        let o = self.open(pad, &deco);
        self.ops.push(Op::Rect {
            x: LEFT,
            y: 0.0,
            w: WIDTH,
            h: edge,
            c: NOTICE_EDGE,
        });
        self.close(o, pad, true);
        self.lines(NOTICE, LEFT + pad + 2.0, &lines, &deco, false, true);
        let o = self.open(pad, &deco);
        self.ops.push(Op::Rect {
            x: LEFT,
            y: pad - edge,
            w: WIDTH,
            h: edge,
            c: NOTICE_EDGE,
        });
        self.close(o, pad, false);
    }

    fn contents(&mut self, sections: &[Section]) {
        self.gap(20.0);
        self.lines(H2, LEFT, &["Contents".to_string()], &[], true, true);
        self.rule(6.0, 0.8, ACCENT, true);
        self.gap(3.0);
        let num_w = 40.0;
        for (i, s) in sections.iter().enumerate() {
            let mut lines = self.faces.wrap(TOC, &s.title, WIDTH - num_w);
            if lines.is_empty() {
                lines.push(untitled(i));
            }
            let n = lines.len();
            for (k, l) in lines.iter().enumerate() {
                let o = self.ops.len();
                self.text_op(LEFT, baseline(TOC), TOC, l);
                if k + 1 == n {
                    let from = LEFT + self.faces.width(TOC.f, TOC.size, l) + 6.0;
                    self.ops.push(Op::PageNo {
                        section: i,
                        y: baseline(TOC),
                        from,
                    });
                }
                self.ops.push(Op::Link {
                    section: i,
                    y: 0.0,
                    h: TOC.lead,
                });
                self.close(o, TOC.lead, k + 1 < n);
            }
        }
    }

    fn section(&mut self, i: usize, s: &Section) {
        self.gap(18.0);
        let mut lines = self.faces.wrap(H2, &s.title, WIDTH);
        if lines.is_empty() {
            lines.push(untitled(i));
        }
        let first = self.rows.len();
        self.lines(H2, LEFT, &lines, &[], true, true);
        self.rows[first].mark = Some(i);
        self.rows[first].brk = s.new_page;
        self.rule(7.0, 0.8, ACCENT, !s.blocks.is_empty());
        for (k, b) in s.blocks.iter().enumerate() {
            self.block(b, k == 0);
        }
        // A heading at the end of a section is not carried along with the next one.
        if let Some(last) = self.rows.last_mut() {
            last.keep = false;
        }
    }

    fn block(&mut self, b: &Block, first: bool) {
        let gap = |g: f32| if first { 3.0 } else { g };
        match b {
            Block::Heading(t) => {
                let lines = self.faces.wrap(H3, t, WIDTH);
                if lines.is_empty() {
                    return;
                }
                self.gap(gap(11.0));
                self.lines(H3, LEFT, &lines, &[], true, true);
                self.pad(2.0, &[], true);
            }
            Block::Para(t) => {
                let lines = self.faces.wrap(BODY, t, WIDTH);
                if !lines.is_empty() {
                    self.gap(gap(6.0));
                    self.lines(BODY, LEFT, &lines, &[], false, false);
                }
            }
            Block::Note(t) => {
                let lines = self.faces.wrap(NOTE, t, WIDTH);
                if !lines.is_empty() {
                    self.gap(gap(5.0));
                    self.lines(NOTE, LEFT, &lines, &[], false, false);
                }
            }
            Block::Flag(t) => {
                if !t.trim().is_empty() {
                    self.gap(gap(7.0));
                    self.flag(t);
                }
            }
            Block::Bullets(items) => {
                self.gap(gap(5.0));
                self.bullets(items);
            }
            Block::Figures(pairs) => {
                if pairs.is_empty() {
                    return;
                }
                self.gap(gap(7.0));
                let rows: Vec<Vec<&str>> = pairs
                    .iter()
                    .map(|(a, b)| vec![a.as_str(), b.as_str()])
                    .collect();
                self.grid(&[], &rows, &[FIG_LABEL, FIG_VALUE], 4.0, true);
            }
            Block::Table { head, rows } => {
                if head.is_empty() && rows.is_empty() {
                    return;
                }
                self.gap(gap(8.0));
                let head: Vec<&str> = head.iter().map(String::as_str).collect();
                let rows: Vec<Vec<&str>> = rows
                    .iter()
                    .map(|r| r.iter().map(String::as_str).collect())
                    .collect();
                self.grid(&head, &rows, &[CELL], 3.0, false);
            }
            Block::Card(c) => {
                self.gap(gap(7.0));
                self.card(c);
            }
            Block::Image(img) => {
                self.gap(gap(9.0));
                self.image(img);
            }
        }
    }

    fn flag(&mut self, text: &str) {
        let deco = [
            Band {
                x: LEFT,
                w: WIDTH,
                c: FLAG_BG,
            },
            Band {
                x: LEFT,
                w: 3.5,
                c: FLAG_BAR,
            },
        ];
        let tx = LEFT + 12.0;
        let lines = self
            .faces
            .wrap(FLAG, &format!("{}{}", self.warn, text), RIGHT - 8.0 - tx);
        self.pad(6.0, &deco, true);
        self.lines(FLAG, tx, &lines, &deco, true, true);
        self.pad(6.0, &deco, false);
    }

    fn bullets(&mut self, items: &[String]) {
        let indent = 14.0;
        let mut first = true;
        for item in items {
            let lines = self.faces.wrap(BODY, item, WIDTH - indent);
            if lines.is_empty() {
                continue;
            }
            if !first {
                self.gap(3.0);
            }
            first = false;
            self.lines_after(
                BODY,
                LEFT + indent,
                &lines,
                &[],
                false,
                false,
                Some(LEFT + 3.0),
            );
        }
    }

    fn card(&mut self, c: &Card) {
        let bar = 3.0;
        let deco = [
            Band {
                x: LEFT,
                w: WIDTH,
                c: CARD_BG,
            },
            Band {
                x: LEFT,
                w: bar,
                c: ACCENT,
            },
        ];
        let tx = LEFT + bar + 9.0;
        let tw = RIGHT - 8.0 - tx;
        self.pad(6.0, &deco, true);
        let marks = join(&c.marks);
        if !marks.is_empty() {
            let lines = self.faces.wrap(MARK, &marks, tw);
            self.lines(MARK, tx, &lines, &deco, true, true);
            self.pad_before(1.5, &deco);
        }
        let text = self.faces.wrap(BODY, &c.text, tw);
        self.lines(BODY, tx, &text, &deco, true, true);
        let meta = join(&c.meta);
        if !meta.is_empty() {
            self.pad_before(1.5, &deco);
            let lines = self.faces.wrap(META, &meta, tw);
            self.lines(META, tx, &lines, &deco, true, true);
        }
        if let Some(f) = c.flag.as_deref().filter(|f| !f.trim().is_empty()) {
            self.pad_before(2.0, &deco);
            let lines = self
                .faces
                .wrap(CARD_FLAG, &format!("{}{}", self.warn, f), tw);
            self.lines(CARD_FLAG, tx, &lines, &deco, true, true);
        }
        for r in &c.replies {
            self.reply(r, tx, tw, &deco);
        }
        self.pad(6.0, &deco, false);
    }

    fn reply(&mut self, r: &Reply, x: f32, w: f32, card: &[Band; 2]) {
        let deco = [
            card[0],
            card[1],
            Band {
                x,
                w: 1.5,
                c: REPLY_BAR,
            },
        ];
        let rx = x + 9.0;
        let rw = w - 9.0;
        self.pad_before(5.0, card);
        self.pad_before(2.0, &deco);
        let text = self.faces.wrap(REPLY, &r.text, rw);
        self.lines(REPLY, rx, &text, &deco, true, true);
        let meta = join(&r.meta);
        if !meta.is_empty() {
            let lines = self.faces.wrap(REPLY_META, &meta, rw);
            self.lines(REPLY_META, rx, &lines, &deco, true, true);
        }
        if let Some(f) = r.flag.as_deref().filter(|f| !f.trim().is_empty()) {
            let lines = self
                .faces
                .wrap(CARD_FLAG, &format!("{}{}", self.warn, f), rw);
            self.lines(CARD_FLAG, rx, &lines, &deco, true, true);
        }
        self.pad(2.0, &deco, true);
    }

    /// A table (with a header row when `head` is not empty), or the key figures (`compact`: only
    /// as wide as they need, at least half the page). `styles` gives the body style by column
    /// (the last one for the rest).
    fn grid(
        &mut self,
        head: &[&str],
        rows: &[Vec<&str>],
        styles: &[St],
        pad_y: f32,
        compact: bool,
    ) {
        let ncols = rows
            .iter()
            .map(Vec::len)
            .chain([head.len()])
            .max()
            .unwrap_or(0);
        if ncols == 0 {
            return;
        }
        let style = |c: usize| styles.get(c).or(styles.last()).copied().unwrap_or(CELL);
        let pad_x = (WIDTH / ncols as f32 / 4.0).min(5.0);
        let avail = WIDTH - 2.0 * pad_x * ncols as f32;
        // Natural (widest line) and minimum (widest word) width of each column.
        let mut nat = vec![0.0f32; ncols];
        let mut min = vec![0.0f32; ncols];
        let mut measure = |c: usize, s: St, text: &str| {
            let text = clean(text);
            for line in text.split('\n') {
                let w = self.faces.width(s.f, s.size, line.trim());
                nat[c] = nat[c].max(w);
                for word in line.split(' ') {
                    min[c] = min[c].max(self.faces.width(s.f, s.size, word));
                }
            }
        };
        for (c, t) in head.iter().enumerate() {
            measure(c, CELL_HEAD, t);
        }
        for r in rows {
            for (c, t) in r.iter().enumerate() {
                measure(c, style(c), t);
            }
        }
        let avail = if compact {
            let want = nat.iter().sum::<f32>() + 40.0;
            want.clamp(WIDTH / 2.0 - (WIDTH - avail), avail)
        } else {
            avail
        };
        let pads = 2.0 * pad_x;
        let widths: Vec<f32> = column_widths(&nat, &min, avail)
            .into_iter()
            .map(|w| w + pads)
            .collect();
        let table_w: f32 = widths.iter().sum();
        let head_h = if head.is_empty() {
            0.0
        } else {
            let styles = vec![CELL_HEAD; ncols];
            let first = self.rows.len();
            self.grid_row(head, &widths, &styles, pad_x, pad_y, true, 0.0, table_w);
            self.headers.push(first..self.rows.len());
            self.rows[first..].iter().map(|r| r.h).sum()
        };
        let head_id = if head.is_empty() {
            0
        } else {
            self.headers.len()
        };
        let styles: Vec<St> = (0..ncols).map(style).collect();
        for r in rows {
            let first = self.rows.len();
            self.grid_row(r, &widths, &styles, pad_x, pad_y, false, head_h, table_w);
            for row in &mut self.rows[first..] {
                row.head = head_id;
            }
        }
    }

    /// One table row: a single row when it fits on a page, else one row per line.
    #[allow(clippy::too_many_arguments)]
    fn grid_row(
        &mut self,
        cells: &[&str],
        widths: &[f32],
        styles: &[St],
        pad_x: f32,
        pad_y: f32,
        header: bool,
        head_h: f32,
        table_w: f32,
    ) {
        let lines: Vec<Vec<String>> = widths
            .iter()
            .enumerate()
            .map(|(c, w)| {
                let text = cells.get(c).copied().unwrap_or("");
                self.faces.wrap(styles[c], text, w - 2.0 * pad_x)
            })
            .collect();
        let lead = styles.iter().map(|s| s.lead).fold(0.0, f32::max);
        let n = lines.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let rule = if header { 0.8 } else { 0.4 };
        let rule_c = if header { RULE_DARK } else { RULE };
        let fill = if header {
            vec![Band {
                x: LEFT,
                w: table_w,
                c: HEAD_FILL,
            }]
        } else {
            Vec::new()
        };
        let total = n as f32 * lead + 2.0 * pad_y;
        // Rows that fit on a page stay whole; taller ones are split between lines.
        let parts: Vec<Range<usize>> = if total <= CAP - head_h - 1.0 {
            std::iter::once(0..n).collect()
        } else {
            (0..n).map(|k| k..k + 1).collect()
        };
        let np = parts.len();
        for (p, part) in parts.into_iter().enumerate() {
            let top = if p == 0 { pad_y } else { 0.0 };
            let bottom = if p + 1 == np { pad_y } else { 0.0 };
            let h = top + (part.end - part.start) as f32 * lead + bottom;
            let o = self.open(h, &fill);
            if header && p == 0 {
                self.ops.push(Op::Rect {
                    x: LEFT,
                    y: 0.0,
                    w: table_w,
                    h: rule,
                    c: rule_c,
                });
            }
            let mut x = LEFT;
            for (c, w) in widths.iter().enumerate() {
                for k in part.clone() {
                    if let Some(l) = lines[c].get(k) {
                        let y = top + (k - part.start) as f32 * lead + baseline(styles[c]);
                        self.text_op(x + pad_x, y, styles[c], l);
                    }
                }
                x += w;
            }
            if p + 1 == np {
                self.ops.push(Op::Rect {
                    x: LEFT,
                    y: h - rule,
                    w: table_w,
                    h: rule,
                    c: rule_c,
                });
            }
            self.close(o, h, header || p + 1 < np);
        }
    }

    fn image(&mut self, img: &Image) {
        let data: Arc<dyn AsRef<[u8]> + Send + Sync> = Arc::new(img.jpeg.clone());
        let pic = if self.embed_images {
            PdfImage::from_jpeg(Data::from(data), true).ok()
        } else {
            None
        };
        let caption = clean(&img.caption).trim().to_string();
        match pic {
            Some(pic) => {
                let (pw, ph) = pic.size();
                let (w, h) = if pw > 0 && ph > 0 {
                    (pw as f32, ph as f32)
                } else {
                    (img.width.max(1) as f32, img.height.max(1) as f32)
                };
                let scale = (WIDTH / w).min(IMAGE_MAX_H / h);
                let (dw, dh) = (w * scale, h * scale);
                let o = self.ops.len();
                self.ops.push(Op::Image {
                    idx: self.images.len(),
                    x: LEFT + (WIDTH - dw) / 2.0,
                    y: 0.0,
                    w: dw,
                    h: dh,
                });
                self.images.push(pic);
                let has_caption = !caption.is_empty();
                self.close(o, dh, has_caption);
                if has_caption {
                    self.pad(4.0, &[], true);
                    let lines = self.faces.wrap(CAPTION, &caption, WIDTH);
                    self.lines(CAPTION, LEFT, &lines, &[], true, false);
                }
            }
            None => {
                let text = if caption.is_empty() {
                    "(image could not be embedded)".to_string()
                } else {
                    format!("{caption} (image could not be embedded)")
                };
                let lines = self.faces.wrap(CAPTION, &text, WIDTH);
                self.lines(CAPTION, LEFT, &lines, &[], true, false);
            }
        }
    }
}

fn untitled(i: usize) -> String {
    format!("Section {}", i + 1)
}

/// The non-empty items joined with " · ".
fn join(items: &[String]) -> String {
    let items: Vec<&str> = items
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect();
    items.join(" · ")
}

/// Column widths (padding excluded) filling `avail`. When the natural widths (widest lines)
/// fit, they are stretched in proportion. Else columns narrower than an equal share of what
/// is left keep their natural width, and the wide ones share the rest: each its widest word
/// (capped at an equal share) first, then in proportion to how much more it would take.
fn column_widths(nat: &[f32], min: &[f32], avail: f32) -> Vec<f32> {
    let n = nat.len();
    let nat: Vec<f32> = nat.iter().map(|w| w.clamp(6.0, avail.max(6.0))).collect();
    let total: f32 = nat.iter().sum();
    if total <= avail {
        return nat.iter().map(|w| w * avail / total).collect();
    }
    let mut width = vec![0.0f32; n];
    let mut fixed = vec![false; n];
    let mut rest = avail;
    loop {
        let open = fixed.iter().filter(|f| !**f).count();
        if open == 0 {
            break;
        }
        let fair = rest / open as f32;
        let mut changed = false;
        for c in 0..n {
            if !fixed[c] && nat[c] <= fair {
                width[c] = nat[c];
                fixed[c] = true;
                rest -= nat[c];
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let open: Vec<usize> = (0..n).filter(|&c| !fixed[c]).collect();
    if open.is_empty() {
        return width;
    }
    let fair = rest / open.len() as f32;
    let floor: Vec<f32> = open.iter().map(|&c| min[c].min(nat[c]).min(fair)).collect();
    let spare = rest - floor.iter().sum::<f32>();
    let want: f32 = open.iter().zip(&floor).map(|(&c, f)| nat[c] - f).sum();
    for (&c, f) in open.iter().zip(&floor) {
        let share = if want > 0.0 {
            (nat[c] - f) / want * spare
        } else {
            spare / open.len() as f32
        };
        width[c] = f + share;
    }
    width
}

// ---------------------------------------------------------------------------------------------
// Pagination.

struct Pages {
    /// Per page, the rows on it and where their tops are.
    pages: Vec<Vec<(usize, f32)>>,
    /// Per section, the page and y of its heading.
    marks: Vec<Option<(usize, f32)>>,
}

struct Pager<'a> {
    rows: &'a [Row],
    headers: &'a [Range<usize>],
    out: Pages,
    y: f32,
    /// Nothing on the page yet but a repeated table header.
    empty: bool,
}

impl Pager<'_> {
    fn new_page(&mut self, head: usize) {
        self.out.pages.push(Vec::new());
        self.y = TOP;
        if let Some(h) = head.checked_sub(1).and_then(|h| self.headers.get(h)) {
            for k in h.clone() {
                self.put(k);
            }
        }
        self.empty = true;
    }

    fn head_h(&self, head: usize) -> f32 {
        head.checked_sub(1)
            .and_then(|h| self.headers.get(h))
            .map_or(0.0, |h| self.rows[h.clone()].iter().map(|r| r.h).sum())
    }

    fn put(&mut self, k: usize) {
        let r = &self.rows[k];
        let page = self.out.pages.len() - 1;
        if let Some(slot) = r.mark.and_then(|s| self.out.marks.get_mut(s)) {
            *slot = Some((page, self.y));
        }
        if let Some(p) = self.out.pages.last_mut() {
            p.push((k, self.y));
        }
        self.y += r.h;
        self.empty = false;
    }

    fn place(&mut self, k: usize) {
        let r = &self.rows[k];
        if r.gap {
            if !self.empty {
                self.y = (self.y + r.h).min(BOTTOM);
            }
            return;
        }
        if r.brk && !self.empty {
            self.new_page(0);
        }
        if !self.empty && self.y + r.h > BOTTOM + 0.01 {
            self.new_page(r.head);
        }
        self.put(k);
    }

    fn run(&mut self) {
        self.new_page(0);
        let rows = self.rows;
        let n = rows.len();
        let mut i = 0;
        while i < n {
            if rows[i].brk && !self.empty {
                self.new_page(0);
            }
            // The chain of rows kept with this one.
            let mut j = i;
            let mut gh = rows[i].h;
            while rows[j].keep && j + 1 < n && !rows[j + 1].brk && gh <= CAP {
                j += 1;
                gh += rows[j].h;
            }
            if !rows[i].gap && !self.empty && self.y + gh > BOTTOM + 0.01 {
                let head = rows[i].head;
                let first_two = rows[i].h + if j > i { rows[i + 1].h } else { 0.0 };
                if gh <= CAP - self.head_h(head) || self.y + first_two > BOTTOM {
                    self.new_page(head);
                }
            }
            for k in i..=j {
                // Opening padding goes to the next page with the row it opens.
                if rows[k].glue && !self.empty && k < j {
                    let both = rows[k].h + rows[k + 1].h;
                    if self.y + both > BOTTOM + 0.01 {
                        self.new_page(rows[k].head);
                    }
                }
                self.place(k);
            }
            i = j + 1;
        }
    }
}

fn paginate(rows: &[Row], headers: &[Range<usize>], sections: usize) -> Pages {
    let mut p = Pager {
        rows,
        headers,
        out: Pages {
            pages: Vec::new(),
            marks: vec![None; sections],
        },
        y: TOP,
        empty: true,
    };
    p.run();
    p.out
}

// ---------------------------------------------------------------------------------------------
// Drawing.

struct Pen<'s, 'f> {
    surface: Surface<'s>,
    faces: &'f Faces,
    fill: Option<C>,
    glyphs: Vec<KrillaGlyph>,
}

impl Pen<'_, '_> {
    fn set_fill(&mut self, c: C) {
        if self.fill != Some(c) {
            self.surface.set_fill(Some(Fill {
                paint: rgb::Color::new(c.0, c.1, c.2).into(),
                opacity: NormalizedF32::ONE,
                rule: FillRule::NonZero,
            }));
            self.fill = Some(c);
        }
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, c: C) {
        let Some(rect) = Rect::from_xywh(x, y, w, h) else {
            return;
        };
        let mut pb = PathBuilder::new();
        pb.push_rect(rect);
        if let Some(path) = pb.finish() {
            self.set_fill(c);
            self.surface.draw_path(&path);
        }
    }

    fn dots(&mut self, x1: f32, x2: f32, y: f32) {
        let mut pb = PathBuilder::new();
        pb.move_to(x1, y);
        pb.line_to(x2, y);
        let Some(path) = pb.finish() else {
            return;
        };
        self.surface.set_fill(None);
        self.fill = None;
        self.surface.set_stroke(Some(Stroke {
            paint: rgb::Color::new(SOFT.0, SOFT.1, SOFT.2).into(),
            width: 0.7,
            line_cap: LineCap::Round,
            dash: Some(StrokeDash {
                array: vec![0.0, 3.0],
                offset: 0.0,
            }),
            ..Stroke::default()
        }));
        self.surface.draw_path(&path);
        self.surface.set_stroke(None);
    }

    fn text(&mut self, x: f32, y: f32, s: St, text: &str) {
        if text.is_empty() {
            return;
        }
        self.set_fill(s.color);
        let face = self.faces.face(s.f);
        if !text.chars().any(needs_shaping) {
            // Our own glyph run: one lookup per character in the table.
            self.glyphs.clear();
            for (i, c) in text.char_indices() {
                let (g, adv) = face.glyph(c);
                self.glyphs.push(KrillaGlyph::new(
                    GlyphId::new(u32::from(g)),
                    adv,
                    0.0,
                    0.0,
                    0.0,
                    i..i + c.len_utf8(),
                    None,
                ));
            }
            self.surface.draw_glyphs(
                Point::from_xy(x, y),
                &self.glyphs,
                face.font.clone(),
                text,
                s.size,
                false,
            );
            return;
        }
        // Scripts that need shaping: one shaped run per direction, laid out left to right in
        // reading order, drawn as one glyph run.
        self.glyphs.clear();
        for (rtl, range) in bidi_runs(text) {
            face.shape(&text[range.clone()], rtl, range.start, &mut self.glyphs);
        }
        self.surface.draw_glyphs(
            Point::from_xy(x, y),
            &self.glyphs,
            face.font.clone(),
            text,
            s.size,
            false,
        );
    }
}

fn draw(doc: &Doc, lay: &Layout<'_>, pages: &Pages, faces: &Faces) -> Result<Vec<u8>, PdfError> {
    let mut document = Document::new();
    let total = pages.pages.len();
    let foot_left = {
        let parts: Vec<String> = [&doc.kind, &doc.title]
            .iter()
            .map(|s| clean(s).replace('\n', " ").trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        parts.join(" · ")
    };
    let mut glyphs = Vec::new();
    for (pi, placed) in pages.pages.iter().enumerate() {
        let settings = PageSettings::from_wh(PAGE_W, PAGE_H)
            .ok_or_else(|| PdfError("bad page size".into()))?;
        let mut page = document.start_page_with(settings);
        let mut links = Vec::new();
        {
            let mut pen = Pen {
                surface: page.surface(),
                faces,
                fill: None,
                glyphs: std::mem::take(&mut glyphs),
            };
            pen.surface.set_stroke(None);
            // Backgrounds, bars and rules first, the bands of consecutive rows of a box merged
            // into one rectangle (far fewer drawing operations for krilla to write and
            // compress); then the text and pictures over them.
            let mut rects: Vec<(f32, f32, f32, f32, C)> = Vec::new();
            for &(row, top) in placed {
                for op in &lay.ops[lay.rows[row].ops.clone()] {
                    if let Op::Rect { x, y, w, h, c } = *op {
                        let y = top + y;
                        let n = rects.len();
                        let prev = rects[n.saturating_sub(6)..].iter_mut().rev().find(|r| {
                            r.0 == x && r.2 == w && r.4 == c && (r.1 + r.3 - y).abs() < 0.01
                        });
                        match prev {
                            Some(r) => r.3 += h,
                            None => rects.push((x, y, w, h, c)),
                        }
                    }
                }
            }
            for (x, y, w, h, c) in rects {
                pen.rect(x, y, w, h, c);
            }
            for &(row, top) in placed {
                for op in &lay.ops[lay.rows[row].ops.clone()] {
                    match *op {
                        Op::Text { x, y, s, ref text } => {
                            pen.text(x, top + y, s, &lay.text[text.clone()]);
                        }
                        Op::Rect { .. } => {}
                        Op::Image { idx, x, y, w, h } => {
                            if let (Some(pic), Some(size)) =
                                (lay.images.get(idx), Size::from_wh(w, h))
                            {
                                pen.surface
                                    .push_transform(&Transform::from_translate(x, top + y));
                                pen.surface.draw_image(pic.clone(), size);
                                pen.surface.pop();
                            }
                        }
                        Op::PageNo { section, y, from } => {
                            if let Some(Some((p, _))) = pages.marks.get(section) {
                                let num = (p + 1).to_string();
                                let w = faces.width(TOC.f, TOC.size, &num);
                                let x2 = RIGHT - w - 4.0;
                                if x2 - from > 4.0 {
                                    pen.dots(from, x2, top + y);
                                }
                                pen.text(RIGHT - w, top + y, TOC, &num);
                            }
                        }
                        Op::Link { section, y, h } => {
                            if let Some(Some((p, at))) = pages.marks.get(section) {
                                links.push((Rect::from_xywh(LEFT, top + y, WIDTH, h), *p, *at));
                            }
                        }
                    }
                }
            }
            // The footer.
            pen.rect(LEFT, FOOT_RULE, WIDTH, 0.4, RULE);
            let right = format!("Page {} of {}", pi + 1, total);
            let rw = faces.width(FOOT.f, FOOT.size, &right);
            pen.text(RIGHT - rw, FOOT_Y, FOOT, &right);
            let left = faces.fit(FOOT, &foot_left, WIDTH - rw - 24.0);
            pen.text(LEFT, FOOT_Y, FOOT, &left);
            glyphs = std::mem::take(&mut pen.glyphs);
            pen.surface.finish();
        }
        for (rect, p, at) in links {
            if let Some(rect) = rect {
                let dest = XyzDestination::new(p, Point::from_xy(LEFT, (at - 6.0).max(0.0)));
                let link = LinkAnnotation::new(rect, Target::Destination(Destination::Xyz(dest)));
                page.add_annotation(Annotation::from(link));
            }
        }
        page.finish();
    }

    let mut outline = Outline::new();
    for (i, s) in doc.sections.iter().enumerate() {
        if let Some(Some((p, y))) = pages.marks.get(i) {
            let title = clean(&s.title).replace('\n', " ").trim().to_string();
            let title = if title.is_empty() { untitled(i) } else { title };
            let dest = XyzDestination::new(*p, Point::from_xy(LEFT, (y - 6.0).max(0.0)));
            outline.push_child(OutlineNode::new(title, dest));
        }
    }
    document.set_outline(outline);
    let title = clean(&doc.title).replace('\n', " ").trim().to_string();
    let mut meta = Metadata::new().creator("Roundtable".to_string());
    if !title.is_empty() {
        meta = meta.title(title);
    }
    if !doc.kind.trim().is_empty() {
        meta = meta.description(doc.kind.trim().to_string());
    }
    document.set_metadata(meta);
    document
        .finish()
        .map_err(|e| PdfError(format!("krilla refused the document: {e:?}")))
}

// ---------------------------------------------------------------------------------------------

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u32, h: u32) -> Arc<[u8]> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, 140])
        });
        let mut out = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut out, image::ImageFormat::Jpeg)
            .expect("encode jpeg");
        out.into_inner().into()
    }

    fn card(text: &str) -> Block {
        Block::Card(Card {
            text: text.into(),
            marks: vec!["Starred".into()],
            meta: vec!["12 agree".into(), "Table 2 · Round 1".into()],
            flag: None,
            replies: vec![],
        })
    }

    pub(super) fn sample() -> Doc {
        Doc {
            title: "Dyfodol ein tref: Caerdydd roundtable".into(),
            kind: "Policy briefing".into(),
            lines: vec![
                "Neuadd y Dref, 12 March 2025".into(),
                "Made 13 March 2025 09:14".into(),
            ],
            notice: Some("This briefing leaves out names and anything flagged as personal.".into()),
            sections: vec![
                Section {
                    id: "summary".into(),
                    title: "Summary".into(),
                    new_page: false,
                    blocks: vec![
                        Block::Para(
                            "Gŵyl ŷd — “curly quotes”, café, naïve, Łódź. MARKER-PARA".into(),
                        ),
                        Block::Figures(vec![
                            ("Comments".into(), "128".into()),
                            ("Tables".into(), "9".into()),
                        ]),
                        Block::Heading("What people said".into()),
                        Block::Bullets(vec![
                            "First point".into(),
                            "Second, longer point ".repeat(8),
                        ]),
                        Block::Note("Counts exclude hidden comments.".into()),
                        Block::Flag("Looks like a phone number: check before sharing".into()),
                    ],
                },
                Section {
                    id: "comments".into(),
                    title: "Comments".into(),
                    new_page: true,
                    blocks: vec![
                        card("Mae angen mwy o fysiau gyda'r nos. MARKER-CARD"),
                        Block::Card(Card {
                            text: "Call me on 07700 900123".into(),
                            marks: vec![],
                            meta: vec!["3 agree".into()],
                            flag: Some("Looks like a phone number".into()),
                            replies: vec![Reply {
                                text: "Thanks, we will follow up. MARKER-REPLY".into(),
                                meta: vec!["Facilitator".into()],
                                flag: None,
                            }],
                        }),
                        Block::Table {
                            head: vec!["Theme".into(), "Comments".into(), "Top comment".into()],
                            rows: vec![
                                vec!["Transport".into(), "12".into(), "More buses".into()],
                                vec!["Housing".into(), "7".into()],
                            ],
                        },
                        Block::Image(Image {
                            jpeg: jpeg(64, 48),
                            width: 64,
                            height: 48,
                            caption: "The wall at the end. MARKER-CAPTION".into(),
                        }),
                    ],
                },
            ],
        }
    }

    #[test]
    fn renders_every_block_kind() {
        let pdf = render(&sample()).expect("render");
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() > 1000);
    }

    #[test]
    fn nasty_text_renders() {
        let pdf = render(&nasty()).expect("render nasty");
        assert!(pdf.starts_with(b"%PDF-"));
        let empty = render(&Doc::default()).expect("render empty");
        assert!(empty.starts_with(b"%PDF-"));
    }

    pub(super) fn nasty() -> Doc {
        let nasty = [
            "",
            "   ",
            "\n\n\n",
            "😀🎉👍🏽 👨‍👩‍👧 emoji",
            "مرحبا بالعالم وهذا نص عربي طويل",
            "שלום עולם MIXED עברית",
            "a\u{301}e\u{302} combining, \u{200b}zero\u{feff}width \u{202e}override",
            "tab\there\r\nwindows\rline\u{0}nul\u{7}bell",
            "中文没有空格的长句子需要按字符换行中文没有空格的长句子需要按字符换行中文没有空格",
        ];
        let long = "a".repeat(1000);
        let mut blocks: Vec<Block> = Vec::new();
        for t in nasty.iter().copied().chain([long.as_str()]) {
            blocks.push(Block::Heading(t.into()));
            blocks.push(Block::Para(t.into()));
            blocks.push(Block::Note(t.into()));
            blocks.push(Block::Flag(t.into()));
            blocks.push(Block::Bullets(vec![t.into(), String::new()]));
            blocks.push(Block::Figures(vec![(t.into(), t.into())]));
            blocks.push(Block::Table {
                head: vec![t.into()],
                rows: vec![vec![t.into(), t.into()], vec![]],
            });
            blocks.push(Block::Card(Card {
                text: t.into(),
                marks: vec![t.into()],
                meta: vec![t.into(), String::new()],
                flag: Some(t.into()),
                replies: vec![Reply {
                    text: t.into(),
                    meta: vec![t.into()],
                    flag: Some(t.into()),
                }],
            }));
        }
        blocks.push(Block::Table {
            head: vec![],
            rows: vec![],
        });
        blocks.push(Block::Bullets(vec![]));
        blocks.push(Block::Figures(vec![]));
        blocks.push(Block::Card(Card::default()));
        Doc {
            title: format!("{} {}", nasty[3], long),
            kind: nasty[4].into(),
            lines: nasty.iter().map(|s| s.to_string()).collect(),
            notice: Some(long.clone()),
            sections: vec![
                Section {
                    id: "a".into(),
                    title: String::new(),
                    new_page: true,
                    blocks,
                },
                Section::default(),
                Section {
                    id: "c".into(),
                    title: long.clone(),
                    new_page: true,
                    blocks: vec![],
                },
            ],
        }
    }

    /// A card taller than a page, a table row taller than a page, a long table.
    pub(super) fn tall() -> Doc {
        let para = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod \
                    tempor incididunt ut labore et dolore magna aliqua. "
            .repeat(8);
        let replies = (0..12)
            .map(|i| Reply {
                text: format!("Reply {i}: {para}"),
                meta: vec!["Facilitator".into()],
                flag: (i == 3).then(|| "Names a person".into()),
            })
            .collect();
        let rows = (0..70)
            .map(|i| {
                let cell = if i == 20 {
                    para.repeat(6)
                } else {
                    format!("cell {i}")
                };
                vec![format!("Row {i}"), cell, "Short".into()]
            })
            .collect();
        Doc {
            title: "Tall things".into(),
            kind: "Local campaign pack".into(),
            sections: vec![Section {
                id: "t".into(),
                title: "A very tall card".into(),
                new_page: false,
                blocks: vec![
                    Block::Para(para.clone()),
                    Block::Card(Card {
                        text: para.clone(),
                        marks: vec!["Starred".into(), "On the wall".into()],
                        meta: vec!["12 agree".into()],
                        flag: None,
                        replies,
                    }),
                    Block::Heading("Heading then table".into()),
                    Block::Table {
                        head: vec!["Name".into(), "Text".into(), "Other".into()],
                        rows,
                    },
                ],
            }],
            ..Doc::default()
        }
    }

    #[test]
    fn bad_jpeg_does_not_fail() {
        let doc = Doc {
            title: "Pictures".into(),
            sections: vec![Section {
                id: "p".into(),
                title: "Pictures".into(),
                new_page: false,
                blocks: vec![
                    Block::Image(Image {
                        jpeg: Arc::from(&b"not a jpeg at all"[..]),
                        width: 10,
                        height: 10,
                        caption: "Broken".into(),
                    }),
                    Block::Image(Image {
                        jpeg: Arc::from(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J'][..]),
                        width: 10,
                        height: 10,
                        caption: String::new(),
                    }),
                ],
            }],
            ..Doc::default()
        };
        let pdf = render(&doc).expect("render");
        assert!(pdf.starts_with(b"%PDF-"));
    }

    #[test]
    fn wraps_long_words_by_characters() {
        let faces = Faces::load().expect("fonts");
        let lines = faces.wrap(BODY, &format!("short {} end", "a".repeat(1000)), WIDTH);
        assert!(lines.len() > 5);
        assert_eq!(lines[0], "short");
        for l in &lines {
            assert!(faces.width(BODY.f, BODY.size, l) <= WIDTH + 0.01);
        }
        assert_eq!(lines.concat().matches('a').count(), 1000);
        assert!(faces.wrap(BODY, "  \n ", WIDTH).is_empty());
        assert_eq!(faces.wrap(BODY, "one\n\n\ntwo", WIDTH), ["one", "", "two"]);
    }

    #[test]
    fn pages_never_end_inside_a_kept_chain() {
        let faces = Faces::load().expect("fonts");
        let word = |k: usize| ["bus", "homes", "a", "community", "evening", "we"][k % 6];
        let text = |n: usize, seed: usize| {
            (0..n)
                .map(|i| word(i * 7 + seed))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut blocks = Vec::new();
        for i in 0..300 {
            blocks.push(match i % 7 {
                0 => Block::Heading(text(3, i)),
                1 | 2 => Block::Para(text(5 + (i * 13) % 90, i)),
                3 | 4 => Block::Card(Card {
                    text: text(10 + (i * 17) % 60, i),
                    marks: vec!["Starred".into()],
                    meta: vec!["2 agree".into()],
                    flag: (i % 3 == 0).then(|| "Check".into()),
                    replies: (0..i % 3)
                        .map(|_| Reply {
                            text: text(12, i),
                            meta: vec!["Facilitator".into()],
                            flag: None,
                        })
                        .collect(),
                }),
                5 => Block::Table {
                    head: vec!["A".into(), "B".into()],
                    rows: (0..i % 9)
                        .map(|r| vec![text(2, r), text(1 + r * 3, i)])
                        .collect(),
                },
                _ => Block::Bullets(vec![text(4, i), text(30, i)]),
            });
        }
        let doc = Doc {
            title: "Chains".into(),
            sections: vec![Section {
                id: "s".into(),
                title: "S".into(),
                new_page: false,
                blocks,
            }],
            ..Doc::default()
        };
        let mut lay = Layout::new(&faces, true);
        lay.document(&doc);
        let pages = paginate(&lay.rows, &lay.headers, 1);
        assert!(pages.pages.len() > 10);
        for (n, p) in pages.pages.iter().enumerate() {
            let &(last, y) = p.last().expect("a page has rows");
            assert!(y + lay.rows[last].h <= BOTTOM + 0.01, "page {n} overflows");
            if n + 1 < pages.pages.len() {
                assert!(!lay.rows[last].keep, "page {n} ends inside a kept chain");
            }
        }
    }

    #[test]
    fn contents_numbers_and_header_repeat() {
        let faces = Faces::load().expect("fonts");
        let rows: Vec<Vec<String>> = (0..200)
            .map(|i| vec![format!("row {i}"), "x".into()])
            .collect();
        let doc = Doc {
            title: "T".into(),
            sections: vec![
                Section {
                    id: "a".into(),
                    title: "A".into(),
                    new_page: false,
                    blocks: vec![Block::Table {
                        head: vec!["H1".into(), "H2".into()],
                        rows,
                    }],
                },
                Section {
                    id: "b".into(),
                    title: "B".into(),
                    new_page: true,
                    blocks: vec![],
                },
            ],
            ..Doc::default()
        };
        let mut lay = Layout::new(&faces, true);
        lay.document(&doc);
        let pages = paginate(&lay.rows, &lay.headers, 2);
        assert!(pages.pages.len() >= 3);
        let (pb, _) = pages.marks[1].expect("section b placed");
        assert_eq!(pb, pages.pages.len() - 1);
        // Every page the table runs onto starts with its header.
        let header = lay.headers[0].start;
        for p in &pages.pages[1..pb] {
            assert_eq!(p[0].0, header);
        }
    }
}

#[cfg(test)]
mod bench {
    use super::*;
    use std::time::Instant;

    fn big(cards: usize) -> Doc {
        let words = [
            "bus",
            "housing",
            "the",
            "we",
            "need",
            "more",
            "affordable",
            "homes",
            "for",
            "young",
            "people",
            "and",
            "better",
            "evening",
            "services",
            "in",
            "town",
            "centre",
        ];
        let per = cards / 40;
        let mut n = 0usize;
        let sections = (0..40)
            .map(|s| {
                let mut blocks = vec![
                    Block::Heading(format!("Table {s}")),
                    Block::Para("What people at this table said, starred first.".into()),
                ];
                for c in 0..per {
                    n += 1;
                    let mut text = String::new();
                    let mut k = n;
                    while text.len() < 60 + (n * 7) % 120 {
                        text.push_str(words[k % words.len()]);
                        text.push(' ');
                        k = k.wrapping_mul(31).wrapping_add(7);
                    }
                    blocks.push(Block::Card(Card {
                        text,
                        marks: if c % 10 == 0 {
                            vec!["Starred".into()]
                        } else {
                            vec![]
                        },
                        meta: vec![format!("{} agree", c % 13), "Table 2 · Round 1".into()],
                        flag: (c % 50 == 0).then(|| "Looks like a phone number".into()),
                        replies: if c % 20 == 0 {
                            vec![Reply {
                                text: "Thanks, noted.".into(),
                                meta: vec!["Facilitator".into()],
                                flag: None,
                            }]
                        } else {
                            vec![]
                        },
                    }));
                }
                blocks.push(Block::Table {
                    head: vec!["Theme".into(), "Count".into()],
                    rows: (0..10)
                        .map(|i| vec![format!("Theme {i}"), i.to_string()])
                        .collect(),
                });
                Section {
                    id: format!("s{s}"),
                    title: format!("Section {s}"),
                    new_page: s % 4 == 0,
                    blocks,
                }
            })
            .collect();
        Doc {
            title: "Benchmark event".into(),
            kind: "Local campaign pack".into(),
            lines: vec!["Somewhere, today".into()],
            notice: None,
            sections,
        }
    }

    #[test]
    #[ignore]
    fn timings() {
        let sizes: Vec<usize> = std::env::var("PDF_BENCH")
            .ok()
            .and_then(|v| v.split(',').map(|n| n.trim().parse().ok()).collect())
            .unwrap_or_else(|| vec![10_000, 100_000]);
        for cards in sizes {
            let doc = big(cards);
            let t = Instant::now();
            let faces = Faces::load().expect("fonts");
            let t_fonts = t.elapsed();
            let mut lay = Layout::new(&faces, true);
            lay.document(&doc);
            let t_layout = t.elapsed();
            let pages = paginate(&lay.rows, &lay.headers, doc.sections.len());
            let t_pages = t.elapsed();
            let pdf = draw(&doc, &lay, &pages, &faces).expect("draw");
            let t_all = t.elapsed();
            println!(
                "{cards} cards: {} pages, {} KiB; fonts {:?}, layout {:?}, paginate {:?}, total {:?}",
                pages.pages.len(),
                pdf.len() / 1024,
                t_fonts,
                t_layout - t_fonts,
                t_pages - t_layout,
                t_all
            );
            let reps = std::env::var("PDF_BENCH_REPS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(3);
            for _ in 0..reps {
                let t = Instant::now();
                let pdf = render(&doc).expect("render");
                println!(
                    "{cards} cards: render() {:?}, {} KiB",
                    t.elapsed(),
                    pdf.len() / 1024
                );
            }
        }
    }

    #[test]
    #[ignore]
    fn write_samples() {
        let dir = std::env::var("PDF_OUT").unwrap_or_else(|_| "/tmp".into());
        let pdf = render(&super::tests::sample()).expect("render");
        std::fs::write(format!("{dir}/sample.pdf"), pdf).expect("write");
        let pdf = render(&big(400)).expect("render");
        std::fs::write(format!("{dir}/big.pdf"), pdf).expect("write");
        let pdf = render(&super::tests::nasty()).expect("render");
        std::fs::write(format!("{dir}/nasty.pdf"), pdf).expect("write");
        let pdf = render(&super::tests::tall()).expect("render");
        std::fs::write(format!("{dir}/tall.pdf"), pdf).expect("write");
    }
}
