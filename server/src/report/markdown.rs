//! Markdown, for pasting into an email or a chat. What people wrote is escaped so it reads as
//! they wrote it and can't turn into links, headings or HTML.

use facilitator_ui::doc::{Block, Doc};
use std::fmt::Write;

/// Escapes one line of user text so it reads as written and can't become markup, with as
/// few backslashes as possible (people paste this into email and chat): emphasis, code,
/// links and tables anywhere; headings, quotes and list markers only at the line's start;
/// `<` always, and `&` only where it would start an entity.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let chars: Vec<char> = s.chars().collect();
    // A line that would start a heading, quote, list or ordered list.
    let first = chars.iter().position(|c| !c.is_whitespace()).unwrap_or(0);
    let starts_block = match chars.get(first) {
        Some('#' | '>' | '-' | '+' | '=') => true,
        Some(c) if c.is_ascii_digit() => {
            let digits = chars[first..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count();
            matches!(chars.get(first + digits), Some('.' | ')'))
        }
        _ => false,
    };
    for (i, &ch) in chars.iter().enumerate() {
        match ch {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(ch);
            }
            '<' => out.push_str("&lt;"),
            '&' if chars
                .get(i + 1)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '#')
                && chars[i + 1..].iter().take(12).any(|c| *c == ';') =>
            {
                out.push_str("&amp;")
            }
            '\r' => {}
            _ if starts_block && i == first => {
                if ch.is_ascii_digit() {
                    // "1. " → "1\. ": escape the dot after the digits.
                    out.push(ch);
                } else {
                    out.push('\\');
                    out.push(ch);
                }
            }
            '.' | ')'
                if starts_block
                    && chars[first].is_ascii_digit()
                    && i > first
                    && chars[first..i].iter().all(|c| c.is_ascii_digit()) =>
            {
                out.push('\\');
                out.push(ch);
            }
            _ => out.push(ch),
        }
    }
    out
}

/// Text that may hold line breaks, as lines behind `prefix` (e.g. `> ` for a quote).
fn block_lines(out: &mut String, prefix: &str, text: &str) {
    let mut first = true;
    for line in text.lines() {
        if !first {
            // A hard line break inside the paragraph.
            out.push_str("  \n");
        }
        first = false;
        out.push_str(prefix);
        out.push_str(&esc(line));
    }
    out.push('\n');
}

pub fn render(doc: &Doc) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", esc(&doc.title));
    let _ = writeln!(out, "**{}**\n", esc(&doc.kind));
    for l in &doc.lines {
        let _ = writeln!(out, "{}  ", esc(l));
    }
    out.push('\n');
    if let Some(n) = &doc.notice {
        block_lines(&mut out, "> ", n);
        out.push('\n');
    }
    if doc.sections.len() > 1 {
        out.push_str("## Contents\n\n");
        for s in &doc.sections {
            let _ = writeln!(out, "- {}", esc(&s.title));
        }
        out.push('\n');
    }
    for s in &doc.sections {
        let _ = writeln!(out, "## {}\n", esc(&s.title));
        for b in &s.blocks {
            match b {
                Block::Heading(t) => {
                    let _ = writeln!(out, "### {}\n", esc(t));
                }
                Block::Para(t) => {
                    block_lines(&mut out, "", t);
                    out.push('\n');
                }
                Block::Note(t) => {
                    let _ = writeln!(out, "*{}*\n", esc(t).replace('\n', " "));
                }
                Block::Flag(t) => {
                    let _ = writeln!(out, "**Check:** {}\n", esc(t).replace('\n', " "));
                }
                Block::Bullets(items) => {
                    for i in items {
                        block_lines(&mut out, "- ", i);
                    }
                    out.push('\n');
                }
                Block::Figures(pairs) => {
                    for (k, v) in pairs {
                        let _ = writeln!(out, "- {}: **{}**", esc(k), esc(v));
                    }
                    out.push('\n');
                }
                Block::Table { head, rows } => {
                    let cell = |s: &str| esc(s).replace('\n', " ");
                    let _ = writeln!(
                        out,
                        "| {} |",
                        head.iter().map(|h| cell(h)).collect::<Vec<_>>().join(" | ")
                    );
                    let _ = writeln!(out, "|{}", " --- |".repeat(head.len()));
                    for r in rows {
                        let _ = writeln!(
                            out,
                            "| {} |",
                            r.iter().map(|c| cell(c)).collect::<Vec<_>>().join(" | ")
                        );
                    }
                    out.push('\n');
                }
                Block::Card(c) => {
                    if !c.marks.is_empty() {
                        let _ = writeln!(out, "> **{}**  ", esc(&c.marks.join(" · ")));
                    }
                    block_lines(&mut out, "> ", &c.text);
                    if !c.meta.is_empty() {
                        let _ = writeln!(out, ">\n> *{}*", esc(&c.meta.join(" · ")));
                    }
                    if let Some(f) = &c.flag {
                        let _ = writeln!(out, ">\n> **Check:** {}", esc(f));
                    }
                    for r in &c.replies {
                        out.push_str(">\n");
                        block_lines(&mut out, "> > ", &r.text);
                        if !r.meta.is_empty() {
                            let _ = writeln!(out, "> > *{}*", esc(&r.meta.join(" · ")));
                        }
                        if let Some(f) = &r.flag {
                            let _ = writeln!(out, "> > **Check:** {}", esc(f));
                        }
                    }
                    out.push('\n');
                }
                Block::Image(i) => {
                    // Pictures don't paste into chat: say there is one.
                    let caption = if i.caption.trim().is_empty() {
                        "An image from the event".to_string()
                    } else {
                        i.caption.clone()
                    };
                    let _ = writeln!(out, "*[Image: {}]*\n", esc(&caption));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use facilitator_ui::doc::{Card, Section};

    #[test]
    fn user_text_cannot_become_markup() {
        let doc = Doc {
            title: "T".into(),
            kind: "Policy briefing".into(),
            sections: vec![Section {
                id: "s".into(),
                title: "# not a heading".into(),
                new_page: false,
                blocks: vec![Block::Card(Card {
                    text: "[click](http://x) <b>bold</b> *a*\n## two".into(),
                    ..Card::default()
                })],
            }],
            ..Doc::default()
        };
        let md = render(&doc);
        assert!(md.contains("## \\# not a heading"));
        assert!(
            md.contains("> \\[click\\](http://x) &lt;b>bold&lt;/b> \\*a\\*  \n> \\## two"),
            "{md}"
        );
        assert!(!md.contains("<b>"));
        assert_eq!(
            esc("A&E on 2026-12-05, co-op, jo.b@x.org!"),
            "A&E on 2026-12-05, co-op, jo.b@x.org!"
        );
        assert_eq!(esc("&amp; stays text"), "&amp;amp; stays text");
        assert_eq!(esc("1. first"), "1\\. first");
        assert_eq!(esc("- a dash"), "\\- a dash");
    }
}
