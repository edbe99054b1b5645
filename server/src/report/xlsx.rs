//! Report sheets as an Excel workbook, for analysis: one worksheet per `Sheet`, in order, with a
//! bold header row that stays in view, a filter over the data, columns sized to their content
//! and long text wrapped. Numbers are numbers; text is always written as text (never as a
//! formula) and passed through `neutralise`, so it stays harmless when copied into another
//! sheet or saved as CSV.

use crate::report::sheet::{Cell, Sheet, neutralise};
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

/// Excel's limits.
const MAX_ROWS: usize = 1_048_576;
const MAX_COLS: usize = 16_384;
const MAX_CELL_UTF16: usize = 32_767;
const MAX_NAME_UTF16: usize = 31;
/// Integers beyond this lose digits as a spreadsheet's doubles, so they are written as text.
const MAX_EXACT: i64 = 1 << 53;

/// Column widths, in characters of the default font.
const MIN_WIDTH: usize = 6;
const MAX_WIDTH: usize = 60;
/// Row heights, in points: one line of the default font, and Excel's most.
const LINE_HEIGHT: f64 = 15.0;
const MAX_ROW_HEIGHT: f64 = 409.0;

/// Renders the sheets as the bytes of an `.xlsx` file.
pub fn render(sheets: &[Sheet]) -> Result<Vec<u8>, String> {
    let mut wb = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_align(FormatAlign::Top)
        .set_background_color(Color::RGB(0xE4_E9_E7))
        .set_border_bottom(FormatBorder::Thin);
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let top = Format::new().set_align(FormatAlign::Top);

    let names = sheet_names(sheets);
    for (sheet, name) in sheets.iter().zip(&names) {
        // Constant memory: rows are streamed to a temporary file as they are written, so a
        // 100,000-comment workbook never sits whole in memory (shared strings are off).
        let ws = wb
            .add_worksheet_with_constant_memory()
            .map_err(|e| format!("xlsx: {e}"))?;
        write_sheet(ws, sheet, name, &header, &wrap, &top)
            .map_err(|e| format!("xlsx: sheet {name:?}: {e}"))?;
    }
    if sheets.is_empty() {
        // A workbook has at least one sheet.
        wb.add_worksheet();
    }
    wb.save_to_buffer().map_err(|e| format!("xlsx: {e}"))
}

fn write_sheet(
    ws: &mut Worksheet,
    sheet: &Sheet,
    name: &str,
    header: &Format,
    wrap: &Format,
    top: &Format,
) -> Result<(), XlsxError> {
    ws.set_name(name)?;
    let cols = sheet
        .rows
        .iter()
        .map(Vec::len)
        .chain([sheet.head.len()])
        .max()
        .unwrap_or(0);
    if sheet.rows.len() >= MAX_ROWS || cols > MAX_COLS {
        return Err(XlsxError::RowColumnLimitError);
    }
    if cols == 0 {
        return Ok(());
    }

    // Widths first (one linear pass: each cell is measured up to the cap), so each column's
    // format is known before its cells are written.
    let mut width = vec![MIN_WIDTH; cols];
    let mut wrapped = vec![false; cols];
    for (c, h) in sheet.head.iter().enumerate() {
        // Room for the bold header and the filter button.
        width[c] = width[c].max(measure(h).0 + 3);
    }
    for row in &sheet.rows {
        for (c, cell) in row.iter().enumerate() {
            let (len, multiline) = match cell {
                Cell::Text(s) => measure(s),
                Cell::Int(n) => (digits(*n), false),
                Cell::Empty => continue,
            };
            width[c] = width[c].max(len + 1);
            wrapped[c] |= multiline || len >= MAX_WIDTH;
        }
    }

    // Row and column numbers fit: checked against Excel's limits above.
    for (c, h) in sheet.head.iter().enumerate() {
        let text = fit(neutralise(h));
        ws.write_string_with_format(0, c as u16, text, header)?;
    }
    let width: Vec<usize> = width.into_iter().map(|w| w.min(MAX_WIDTH)).collect();
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = r as u32 + 1;
        let mut lines = 1;
        for (c, cell) in row.iter().enumerate() {
            let format = if wrapped[c] { wrap } else { top };
            match cell {
                Cell::Text(s) => {
                    if wrapped[c] {
                        lines = lines.max(line_count(s, width[c]));
                    }
                    ws.write_string_with_format(r, c as u16, fit(neutralise(s)), format)?;
                }
                Cell::Int(n) if (-MAX_EXACT..=MAX_EXACT).contains(n) => {
                    ws.write_number_with_format(r, c as u16, *n as f64, format)?;
                }
                Cell::Int(n) => {
                    ws.write_string_with_format(r, c as u16, n.to_string(), format)?;
                }
                Cell::Empty => {}
            }
        }
        // Set, because LibreOffice does not size rows to wrapped text when it opens a file
        // (Excel does): the estimate shows the whole text in either.
        if lines > 1 {
            ws.set_row_height(r, (lines as f64 * LINE_HEIGHT).min(MAX_ROW_HEIGHT))?;
        }
    }
    for (c, w) in width.iter().enumerate() {
        ws.set_column_width(c as u16, *w as f64)?;
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, sheet.rows.len() as u32, (cols - 1) as u16)?;
    // Printed: A4 landscape, one page wide, the header row on every page.
    ws.set_paper_size(9)
        .set_landscape()
        .set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(0, 0)?;
    Ok(())
}

/// About how many lines `s` takes wrapped in a column `width` characters wide.
fn line_count(s: &str, width: usize) -> usize {
    // Column widths count in digits, which are wider than most letters; wrapping at spaces
    // loses a little of that back.
    let per_line = (width * 11 / 10).max(1);
    let (mut lines, mut line) = (0usize, 0usize);
    for ch in s.chars() {
        if ch == '\n' {
            lines += line.div_ceil(per_line).max(1);
            line = 0;
        } else if ch != '\r' {
            line += 1;
        }
    }
    lines + line.div_ceil(per_line).max(1)
}

/// The longest line's length in characters, counted up to `MAX_WIDTH`, and whether the text
/// has more than one line.
fn measure(s: &str) -> (usize, bool) {
    let (mut longest, mut line, mut multiline) = (0, 0, false);
    for ch in s.chars() {
        if ch == '\n' || ch == '\r' {
            multiline = true;
            line = 0;
        } else {
            line += 1;
            longest = longest.max(line);
            if longest >= MAX_WIDTH {
                break;
            }
        }
    }
    (longest, multiline)
}

fn digits(n: i64) -> usize {
    let sign = usize::from(n < 0);
    sign + n
        .unsigned_abs()
        .checked_ilog10()
        .map_or(1, |d| d as usize + 1)
}

/// Text cut to what a cell holds (32,767 UTF-16 units), ending in "…" when cut.
fn fit(s: std::borrow::Cow<'_, str>) -> String {
    // UTF-16 never needs more units than UTF-8 needs bytes.
    if s.len() <= MAX_CELL_UTF16 || s.encode_utf16().count() <= MAX_CELL_UTF16 {
        return s.into_owned();
    }
    let (mut units, mut end) = (0, 0);
    for (i, ch) in s.char_indices() {
        if units + ch.len_utf16() > MAX_CELL_UTF16 - 1 {
            end = i;
            break;
        }
        units += ch.len_utf16();
    }
    format!("{}…", &s[..end])
}

/// Worksheet names Excel accepts: no `[]:*?/\` or control characters, no apostrophe at either
/// end, at most 31 characters, not blank, not "History", and unique ignoring case.
fn sheet_names(sheets: &[Sheet]) -> Vec<String> {
    let mut used: std::collections::HashSet<String> =
        std::collections::HashSet::from(["history".to_string()]);
    let mut out = Vec::with_capacity(sheets.len());
    for (i, sheet) in sheets.iter().enumerate() {
        let clean: String = sheet
            .name
            .chars()
            .map(|c| match c {
                '[' | ']' | ':' | '*' | '?' | '/' | '\\' => '_',
                c if c.is_control() => ' ',
                c => c,
            })
            .collect();
        let clean = clean.trim().trim_matches('\'').trim();
        let base = if clean.is_empty() {
            format!("Sheet{}", i + 1)
        } else {
            clean.to_string()
        };
        let mut name = cut_utf16(&base, MAX_NAME_UTF16);
        let mut n = 1;
        while used.contains(&name.to_lowercase()) {
            n += 1;
            let suffix = format!(" ({n})");
            let stem = cut_utf16(&base, MAX_NAME_UTF16 - suffix.len());
            name = format!("{}{suffix}", stem.trim_end_matches('\''));
        }
        used.insert(name.to_lowercase());
        out.push(name);
    }
    out
}

/// At most `max` UTF-16 units of `s`, cut at a character, with no apostrophe left at the end.
fn cut_utf16(s: &str, max: usize) -> String {
    let mut units = 0;
    let mut out = String::new();
    for ch in s.chars() {
        units += ch.len_utf16();
        if units > max {
            break;
        }
        out.push(ch);
    }
    let trimmed = out.trim_end().trim_end_matches('\'');
    if trimmed.is_empty() {
        "Sheet".to_string()
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn part(bytes: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut f = zip.by_name(name).unwrap();
        let mut s = String::new();
        f.read_to_string(&mut s).unwrap();
        s
    }

    #[test]
    fn sheets_are_named_frozen_filtered_and_never_formulas() {
        let sheets = vec![
            Sheet {
                name: "Comments".into(),
                head: vec!["Id".into(), "Text".into(), "Reply to".into()],
                rows: vec![
                    vec![Cell::Int(1), "=1+1".into(), Cell::Empty],
                    vec![Cell::Int(-2), "Line one\nline two".into(), Cell::Int(1)],
                    vec![Cell::Int(i64::MAX), "<b>&amp;</b>".into()],
                ],
            },
            Sheet {
                name: "comments".into(),
                head: vec!["Term".into()],
                rows: vec![],
            },
            Sheet {
                name: "Tables: [1/2]? 'a very long name indeed, yes'".into(),
                head: vec![],
                rows: vec![],
            },
        ];
        let bytes = render(&sheets).unwrap();
        let wb = part(&bytes, "xl/workbook.xml");
        assert!(wb.contains("name=\"Comments\""));
        assert!(wb.contains("name=\"comments (2)\""));
        assert!(
            wb.contains("name=\"Tables_ _1_2__ 'a very long nam\""),
            "{wb}"
        );
        let s1 = part(&bytes, "xl/worksheets/sheet1.xml");
        assert!(!s1.contains("<f>"), "no formulas: {s1}");
        assert!(s1.contains("<pane ySplit=\"1\""));
        assert!(s1.contains("<autoFilter ref=\"A1:C4\"/>"));
        assert!(s1.contains("<v>-2</v>"));
        // Constant-memory sheets hold their strings inline.
        let strings = s1;
        assert!(strings.contains("<t>'=1+1</t>"), "{strings}");
        assert!(strings.contains("&lt;b&gt;&amp;amp;&lt;/b&gt;"));
        assert!(strings.contains("9223372036854775807"));
    }

    #[test]
    fn names_are_valid_and_unique() {
        let sheet = |n: &str| Sheet {
            name: n.into(),
            ..Sheet::default()
        };
        let names = sheet_names(&[
            sheet(""),
            sheet("History"),
            sheet("'quoted'"),
            sheet(&"x".repeat(40)),
            sheet(&"x".repeat(40)),
            sheet("a*b?c:d"),
            sheet("Ŵyl Dewi 🎉 — cyfarfod y bwrdd crwn"),
        ]);
        assert_eq!(names[0], "Sheet1");
        assert_eq!(names[1], "History (2)");
        assert_eq!(names[2], "quoted");
        assert_eq!(names[3], "x".repeat(31));
        assert_eq!(names[4], format!("{} (2)", "x".repeat(27)));
        assert_eq!(names[5], "a_b_c_d");
        for n in &names {
            assert!(n.encode_utf16().count() <= 31, "{n}");
        }
    }

    #[test]
    fn measures_and_fits() {
        assert_eq!(measure("abc"), (3, false));
        assert_eq!(measure("ab\nabcd"), (4, true));
        assert_eq!(measure(&"x".repeat(1000)), (MAX_WIDTH, false));
        assert_eq!(line_count("one", 20), 1);
        assert_eq!(line_count("one\ntwo\r\n\nfour", 20), 4);
        assert_eq!(line_count(&"x".repeat(130), 12), 10);
        assert_eq!(digits(0), 1);
        assert_eq!(digits(-10), 3);
        assert_eq!(digits(i64::MIN), 20);
        let long = "é".repeat(40_000);
        let cut = fit(long.as_str().into());
        assert_eq!(cut.encode_utf16().count(), MAX_CELL_UTF16);
        assert!(cut.ends_with('…'));
        let emoji = "😀".repeat(16_383) + "a";
        assert_eq!(fit(emoji.as_str().into()), emoji);
    }
}
