//! A report as a document: a title, sections with headings, paragraphs, comment cards, tables
//! and images. The server collates an event into one `Doc` per audience; this crate renders it
//! as HTML, and the server's writers render the same `Doc` as Markdown, DOCX and PDF, so every
//! format of a report says the same thing.
//!
//! Levels: `Doc::title` is heading 1, each `Section::title` heading 2 (and an entry of the
//! contents list), `Block::Heading` heading 3.

/// A whole report.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    /// The event's (or campaign's) title.
    pub title: String,
    /// Which report this is: "Local campaign pack", "Policy briefing".
    pub kind: String,
    /// Lines under the title: place and date, when it was made.
    pub lines: Vec<String>,
    /// A note at the top in a box, e.g. what the policy briefing leaves out.
    pub notice: Option<String>,
    pub sections: Vec<Section>,
}

/// A part of the report with its own heading and contents-list entry.
#[derive(Debug, Clone, Default)]
pub struct Section {
    /// Anchor, unique in the document: `[a-z0-9-]+`.
    pub id: String,
    pub title: String,
    /// Printed formats start it on a new page (each table does).
    pub new_page: bool,
    pub blocks: Vec<Block>,
}

/// One piece of a section.
#[derive(Debug, Clone)]
pub enum Block {
    /// A sub-heading (heading 3).
    Heading(String),
    /// A paragraph of plain text.
    Para(String),
    /// A short note in smaller, quieter text.
    Note(String),
    /// A warning the organiser must read ("looks like a phone number: check before sharing").
    Flag(String),
    Bullets(Vec<String>),
    /// Label and value pairs: the key figures.
    Figures(Vec<(String, String)>),
    /// A table with a header row. Cells are plain text.
    Table {
        head: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    /// A comment (or a representative of similar comments) as a quote.
    Card(Card),
    Image(Image),
}

/// A comment shown as a quote with what is known about it.
#[derive(Debug, Clone, Default)]
pub struct Card {
    pub text: String,
    /// Marks shown before the details, e.g. "Starred", "On the wall".
    pub marks: Vec<String>,
    /// Details after the text, e.g. "12 agree", "+3 similar", "Table 2 · Round 1", tags.
    pub meta: Vec<String>,
    /// Set when the text looks like personal data the organiser should check.
    pub flag: Option<String>,
    /// Replies under it, oldest first.
    pub replies: Vec<Reply>,
}

/// A reply under a card.
#[derive(Debug, Clone, Default)]
pub struct Reply {
    pub text: String,
    pub meta: Vec<String>,
    pub flag: Option<String>,
}

/// A picture kept for the report (already re-encoded as JPEG, without metadata).
#[derive(Debug, Clone)]
pub struct Image {
    pub jpeg: std::sync::Arc<[u8]>,
    pub width: u32,
    pub height: u32,
    pub caption: String,
}

impl Doc {
    /// Every piece of text in the document, in order (for tests and search).
    pub fn texts(&self) -> Vec<&str> {
        let mut out: Vec<&str> = vec![&self.title, &self.kind];
        out.extend(self.lines.iter().map(String::as_str));
        out.extend(self.notice.as_deref());
        for s in &self.sections {
            out.push(&s.title);
            for b in &s.blocks {
                match b {
                    Block::Heading(t) | Block::Para(t) | Block::Note(t) | Block::Flag(t) => {
                        out.push(t)
                    }
                    Block::Bullets(items) => out.extend(items.iter().map(String::as_str)),
                    Block::Figures(pairs) => {
                        for (a, b) in pairs {
                            out.push(a);
                            out.push(b);
                        }
                    }
                    Block::Table { head, rows } => {
                        out.extend(head.iter().map(String::as_str));
                        for r in rows {
                            out.extend(r.iter().map(String::as_str));
                        }
                    }
                    Block::Card(c) => {
                        out.push(&c.text);
                        out.extend(c.marks.iter().map(String::as_str));
                        out.extend(c.meta.iter().map(String::as_str));
                        out.extend(c.flag.as_deref());
                        for r in &c.replies {
                            out.push(&r.text);
                            out.extend(r.meta.iter().map(String::as_str));
                            out.extend(r.flag.as_deref());
                        }
                    }
                    Block::Image(i) => out.push(&i.caption),
                }
            }
        }
        out
    }
}

/// Standard base64 (RFC 4648, with padding), for embedding images.
pub fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648() {
        for (raw, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(raw.as_bytes()), enc);
        }
    }
}
