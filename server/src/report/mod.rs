//! The collated reports. One collation of an event ([`collate`]) becomes two reports
//! ([`build`]): the local campaign pack and the anonymous policy briefing, each in every
//! format: HTML (self-contained), Markdown, DOCX, PDF, CSV, XLSX and JSON. The local pack's
//! JSON is the full event archive ([`archive`]), importable back. Campaign tours compare their
//! events in one briefing ([`campaign`]). Everything is computed here, offline: no text leaves
//! the server.

pub mod archive;
pub mod build;
pub mod campaign;
pub mod collate;
pub mod csv;
pub mod docx;
pub mod http;
pub mod markdown;
pub mod pdf;
pub mod pii;
pub mod sheet;
pub mod synth;
pub mod xlsx;

use facilitator_ui::doc::Doc;

/// Who a report is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Local organisers: everything shown, with the names people chose to give.
    Local,
    /// The policy team: anonymous, small counts suppressed.
    Policy,
}

impl Audience {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "local" => Some(Audience::Local),
            "policy" => Some(Audience::Policy),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Local => "local",
            Audience::Policy => "policy",
        }
    }
    /// For file names.
    pub fn slug(self) -> &'static str {
        match self {
            Audience::Local => "local-campaign-pack",
            Audience::Policy => "policy-briefing",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Audience::Local => "Local campaign pack",
            Audience::Policy => "Policy briefing",
        }
    }
}

/// A download format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Pdf,
    Docx,
    Xlsx,
    Csv,
    Markdown,
    Json,
}

impl Format {
    pub const ALL: [Format; 7] = [
        Format::Html,
        Format::Pdf,
        Format::Docx,
        Format::Xlsx,
        Format::Csv,
        Format::Markdown,
        Format::Json,
    ];
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "html" => Format::Html,
            "pdf" => Format::Pdf,
            "docx" => Format::Docx,
            "xlsx" => Format::Xlsx,
            "csv" => Format::Csv,
            "md" | "markdown" => Format::Markdown,
            "json" => Format::Json,
            _ => return None,
        })
    }
    pub fn ext(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Pdf => "pdf",
            Format::Docx => "docx",
            Format::Xlsx => "xlsx",
            Format::Csv => "csv",
            Format::Markdown => "md",
            Format::Json => "json",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Format::Html => "Web page (HTML)",
            Format::Pdf => "PDF",
            Format::Docx => "Word (DOCX)",
            Format::Xlsx => "Spreadsheet (XLSX)",
            Format::Csv => "CSV",
            Format::Markdown => "Markdown",
            Format::Json => "JSON",
        }
    }
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::Pdf => "application/pdf",
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Json => "application/json",
        }
    }
}

/// The sentence for a format we don't make.
pub const UNKNOWN_FORMAT: &str = "Choose a report format: html, pdf, docx, xlsx, csv, md or json.";
pub const UNKNOWN_AUDIENCE: &str =
    "Choose which report: local (the local campaign pack) or policy (the policy briefing).";

/// A rendered report file.
pub struct Output {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
}

/// What a report is made from, built only when its format needs it: the document (HTML,
/// Markdown, PDF, DOCX), the rows (CSV, XLSX, JSON), and the head (title, kind, lines) for
/// the JSON.
pub struct Parts<D, S, H> {
    pub doc: D,
    pub sheets: S,
    pub head: H,
}

/// Renders a report in a format, building only the parts that format reads (a 100,000-row
/// CSV never holds the document too).
pub fn render<D, S, H>(
    format: Format,
    parts: Parts<D, S, H>,
    html: impl FnOnce(&Doc) -> String,
) -> Result<Output, String>
where
    D: FnOnce() -> Doc,
    S: FnOnce() -> Vec<sheet::Sheet>,
    H: FnOnce() -> Doc,
{
    let bytes = match format {
        Format::Html => html(&(parts.doc)()).into_bytes(),
        Format::Markdown => markdown::render(&(parts.doc)()).into_bytes(),
        Format::Pdf => pdf::render(&(parts.doc)()).map_err(|e| e.to_string())?,
        Format::Docx => docx::render(&(parts.doc)())?,
        Format::Xlsx => xlsx::render(&(parts.sheets)())?,
        Format::Csv => csv::render((parts.sheets)().first().ok_or("no rows")?).into_bytes(),
        Format::Json => sheets_json(&(parts.head)(), &(parts.sheets)())?,
    };
    Ok(Output {
        bytes,
        content_type: format.content_type(),
    })
}

/// Rows as JSON: `{"format": "roundtable-report", "version": 1, "title", "kind", "sheets":
/// {name: [{column: value}]}}` (docs/reports.md).
fn sheets_json(doc: &Doc, sheets: &[sheet::Sheet]) -> Result<Vec<u8>, String> {
    use std::io::Write;
    // Written straight out, one row per line: no intermediate `serde_json::Value` tree.
    let size: usize = sheets
        .iter()
        .flat_map(|s| &s.rows)
        .flatten()
        .map(|c| match c {
            sheet::Cell::Text(t) => t.len() + 24,
            _ => 24,
        })
        .sum();
    let mut out: Vec<u8> = Vec::with_capacity(size + 1024);
    let e = |e: std::io::Error| e.to_string();
    let js = |out: &mut Vec<u8>, s: &str| serde_json::to_writer(out, s).map_err(|e| e.to_string());
    out.extend_from_slice(b"{\"format\": \"roundtable-report\", \"version\": 1, \"title\": ");
    js(&mut out, &doc.title)?;
    out.extend_from_slice(b", \"kind\": ");
    js(&mut out, &doc.kind)?;
    out.extend_from_slice(b", \"lines\": ");
    serde_json::to_writer(&mut out, &doc.lines).map_err(|e| e.to_string())?;
    out.extend_from_slice(b", \"sheets\": {");
    for (i, s) in sheets.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"\n");
        js(&mut out, &s.name)?;
        out.extend_from_slice(b": [");
        for (j, r) in s.rows.iter().enumerate() {
            out.extend_from_slice(if j > 0 { b",\n{" } else { b"\n{" });
            for (k, (h, c)) in s.head.iter().zip(r).enumerate() {
                if k > 0 {
                    out.extend_from_slice(b", ");
                }
                js(&mut out, h)?;
                out.extend_from_slice(b": ");
                match c {
                    sheet::Cell::Text(t) => js(&mut out, t)?,
                    sheet::Cell::Int(n) => write!(out, "{n}").map_err(e)?,
                    sheet::Cell::Empty => out.extend_from_slice(b"null"),
                }
            }
            out.push(b'}');
        }
        out.extend_from_slice(b"]");
    }
    out.extend_from_slice(b"\n}}\n");
    Ok(out)
}

/// `YYYY-MM-DD` (UTC) of a moment in milliseconds since 1970.
pub fn format_day(ms: i64) -> String {
    format_utc(ms).chars().take(10).collect()
}

#[cfg(test)]
#[test]
fn sheets_json_is_valid_json_with_every_row() {
    let sheets = vec![sheet::Sheet {
        name: "Comments".into(),
        head: vec!["id".into(), "text".into(), "name".into()],
        rows: vec![
            vec![
                sheet::Cell::Int(1),
                "say \"hi\"\n</script>".into(),
                sheet::Cell::Empty,
            ],
            vec![sheet::Cell::Int(2), "ŵŷ 😀".into(), "Ann".into()],
        ],
    }];
    let doc = Doc {
        title: "T".into(),
        ..Doc::default()
    };
    let bytes = sheets_json(&doc, &sheets).unwrap_or_default();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    assert_eq!(v["sheets"]["Comments"][0]["text"], "say \"hi\"\n</script>");
    assert_eq!(v["sheets"]["Comments"][1]["id"], 2);
    assert!(v["sheets"]["Comments"][0]["name"].is_null());
    assert_eq!(v["version"], 1);
}

/// A safe download name like `roundtable-2026-11-30-hastings-listening-event.html`.
pub fn file_name(title: &str, date: &str, what: &str, ext: &str) -> String {
    let slug: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .take(8)
        .collect::<Vec<_>>()
        .join("-");
    let date: String = date
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    let mut name = format!("roundtable-{date}-{slug}");
    if !what.is_empty() {
        name.push('-');
        name.push_str(what);
    }
    format!("{name}.{ext}")
}

/// `YYYY-MM-DD HH:MM UTC` from milliseconds since 1970 (civil-from-days algorithm).
pub fn format_utc(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_names() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(1_796_000_000_000), "2026-11-30 00:53 UTC");
        assert_eq!(
            file_name(
                "Hastings: listening <event>",
                "2026-11-30",
                "policy-briefing",
                "pdf"
            ),
            "roundtable-2026-11-30-hastings-listening-event-policy-briefing.pdf"
        );
    }
}
