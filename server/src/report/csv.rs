//! A sheet as CSV (RFC 4180): UTF-8 with a byte order mark, so Excel reads accents, Welsh and
//! emoji correctly; CRLF after every record, the header first; a field in double quotes when
//! it holds a comma, a double quote (doubled inside), CR or LF, or starts or ends with a space
//! (which some programs would trim). Text goes through `neutralise`, so nothing runs as a
//! formula when the file is opened in a spreadsheet. Every record has as many fields as the
//! widest row (short rows end in empty fields).

use crate::report::sheet::{Cell, Sheet, neutralise};
use std::fmt::Write as _;

/// Renders the sheet as CSV text (starting with U+FEFF).
pub fn render(sheet: &Sheet) -> String {
    let cols = sheet
        .rows
        .iter()
        .map(Vec::len)
        .chain([sheet.head.len()])
        .max()
        .unwrap_or(0);
    let mut out = String::with_capacity(64 + sheet.rows.len() * cols * 16);
    out.push('\u{FEFF}');
    for c in 0..cols {
        if c > 0 {
            out.push(',');
        }
        if let Some(h) = sheet.head.get(c) {
            field(&mut out, &neutralise(h));
        }
    }
    out.push_str("\r\n");
    for row in &sheet.rows {
        for c in 0..cols {
            if c > 0 {
                out.push(',');
            }
            match row.get(c) {
                Some(Cell::Text(s)) => field(&mut out, &neutralise(s)),
                Some(Cell::Int(n)) => {
                    let _ = write!(out, "{n}");
                }
                Some(Cell::Empty) | None => {}
            }
        }
        out.push_str("\r\n");
    }
    out
}

/// Appends one text field, quoted when it needs to be.
fn field(out: &mut String, s: &str) {
    let quote = s.starts_with(' ') || s.ends_with(' ') || s.contains([',', '"', '\r', '\n']);
    if !quote {
        out.push_str(s);
        return;
    }
    out.push('"');
    for ch in s.chars() {
        if ch == '"' {
            out.push('"');
        }
        out.push(ch);
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A strict RFC 4180 reader for the tests: records end in CRLF, quoted fields may hold
    /// anything, with `""` for a quote.
    fn parse(csv: &str) -> Vec<Vec<String>> {
        let body = csv.strip_prefix('\u{FEFF}').expect("BOM first");
        let mut records = Vec::new();
        let mut record = Vec::new();
        let mut field = String::new();
        let mut chars = body.chars().peekable();
        let mut quoted = false;
        let mut at_start = true;
        while let Some(ch) = chars.next() {
            if quoted {
                if ch == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                        field.push('"');
                    } else {
                        quoted = false;
                        let next = chars.peek().copied();
                        assert!(
                            matches!(next, Some(',' | '\r') | None),
                            "text after a closing quote"
                        );
                    }
                } else {
                    field.push(ch);
                }
                continue;
            }
            match ch {
                '"' if at_start => {
                    quoted = true;
                    at_start = false;
                }
                '"' => panic!("bare quote in an unquoted field"),
                ',' => {
                    record.push(std::mem::take(&mut field));
                    at_start = true;
                }
                '\r' => {
                    assert_eq!(chars.next(), Some('\n'), "CR without LF");
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                    at_start = true;
                }
                '\n' => panic!("bare LF outside quotes"),
                _ => {
                    field.push(ch);
                    at_start = false;
                }
            }
        }
        assert!(!quoted, "unclosed quote");
        assert!(
            field.is_empty() && record.is_empty(),
            "last record without CRLF"
        );
        records
    }

    fn sheet() -> Sheet {
        Sheet {
            name: "Comments".into(),
            head: vec!["Id".into(), "Text".into(), "Reply to".into(), "Name".into()],
            rows: vec![
                vec![
                    Cell::Int(1),
                    "Buses, trains \"and\" trams\nall of them\r\nplease".into(),
                    Cell::Empty,
                    "Siân ap Rhys".into(),
                ],
                vec![
                    Cell::Int(-2),
                    "=HYPERLINK(\"http://x.example\",\"click\")".into(),
                    Cell::Int(1),
                    " padded ".into(),
                ],
                vec![Cell::Int(3), "Mae'n hyfryd 👍🏽 ŵ ŷ".into()],
                vec![
                    Cell::Int(4),
                    "+44 7700 900123".into(),
                    Cell::Empty,
                    "@me".into(),
                ],
                vec![Cell::Int(5), "-5".into(), Cell::Empty, "\tTabbed".into()],
            ],
        }
    }

    #[test]
    fn round_trips_through_a_strict_reader() {
        let csv = render(&sheet());
        assert!(csv.starts_with("\u{FEFF}Id,Text,Reply to,Name\r\n"));
        let rows = parse(&csv);
        assert_eq!(rows.len(), 6);
        assert!(rows.iter().all(|r| r.len() == 4));
        assert_eq!(
            rows[1],
            [
                "1",
                "Buses, trains \"and\" trams\nall of them\r\nplease",
                "",
                "Siân ap Rhys"
            ]
        );
        assert_eq!(
            rows[2],
            [
                "-2",
                "'=HYPERLINK(\"http://x.example\",\"click\")",
                "1",
                " padded "
            ]
        );
        assert_eq!(rows[3], ["3", "Mae'n hyfryd 👍🏽 ŵ ŷ", "", ""]);
        assert_eq!(rows[4], ["4", "'+44 7700 900123", "", "'@me"]);
        assert_eq!(rows[5], ["5", "'-5", "", "'\tTabbed"]);
    }

    #[test]
    fn quotes_only_what_needs_it() {
        let csv = render(&sheet());
        assert!(csv.contains(
            "\r\n1,\"Buses, trains \"\"and\"\" trams\nall of them\r\nplease\",,Siân ap Rhys\r\n"
        ));
        assert!(csv.contains(
            "\r\n-2,\"'=HYPERLINK(\"\"http://x.example\"\",\"\"click\"\")\",1,\" padded \"\r\n"
        ));
        assert!(csv.contains("\r\n3,Mae'n hyfryd 👍🏽 ŵ ŷ,,\r\n"));
        assert!(csv.ends_with("\r\n5,'-5,,'\tTabbed\r\n"));
    }

    #[test]
    fn an_empty_sheet_is_a_bom_and_a_blank_header() {
        assert_eq!(render(&Sheet::default()), "\u{FEFF}\r\n");
        let only_head = Sheet {
            head: vec!["a".into()],
            ..Sheet::default()
        };
        assert_eq!(render(&only_head), "\u{FEFF}a\r\n");
    }
}
