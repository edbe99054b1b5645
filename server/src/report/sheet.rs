//! Reports as rows: the model behind the CSV and XLSX downloads. One `Sheet` per table of data
//! (comments, tables, key terms); CSV takes the first, XLSX writes them all.

/// A spreadsheet cell. Text is shared (`Arc<str>`): a value that repeats down a column (a
/// table's theme, "shown", "written") is one allocation however many rows hold it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(std::sync::Arc<str>),
    Int(i64),
    Empty,
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.into())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s.into())
    }
}
impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}

/// One table of data with a header row.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    /// Sheet name (at most 31 characters, no `[]:*?/\`).
    pub name: String,
    pub head: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// Text that a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, and tab or carriage
/// return before them) gets a leading apostrophe, so a cell never runs as a formula when the
/// file is opened or pasted into another sheet.
pub fn neutralise(s: &str) -> std::borrow::Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => std::borrow::Cow::Owned(format!("'{s}")),
        _ => std::borrow::Cow::Borrowed(s),
    }
}
