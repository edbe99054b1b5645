//! The session report: per table, per round, starred then highlighted comments first; hidden
//! and not-yet-approved ones left out; merged duplicates shown once (their agreements counted).
//! Built as plain data for `facilitator_ui::report_page`, so later formats (the two-audience
//! report, CSV, DOCX) can be made from the same collation.

use crate::model::{Comment, EventState, Source};

/// Standard base64 (RFC 4648, with padding), for embedding images in the report.
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

/// Collates an event's comments (and its images, with their JPEG bytes) into the report.
pub fn session_report(
    es: &EventState,
    comments: &[Comment],
    images: Vec<(crate::images::ImageMeta, Vec<u8>)>,
) -> facilitator_ui::ReportPage {
    // Merged duplicates are part of the comment they were merged into, not left out;
    // comments nobody approved are counted apart from hidden ones.
    let hidden = comments
        .iter()
        .filter(|c| c.hidden && c.merged_into.is_none())
        .count() as i64;
    let waiting = comments
        .iter()
        .filter(|c| !c.approved && !c.hidden && c.merged_into.is_none())
        .count() as i64;
    let shown = comments.iter().filter(|c| c.is_public()).count() as i64;
    let tables = es
        .tables
        .iter()
        .map(|t| facilitator_ui::ReportTable {
            number: t.number,
            theme: t.theme.clone(),
            description: t.description.clone(),
            rounds: es
                .rounds
                .iter()
                .map(|r| {
                    let mut these: Vec<&Comment> = comments
                        .iter()
                        .filter(|c| c.is_public() && c.table_id == t.id && c.round_id == r.id)
                        .collect();
                    // Starred for the report, then highlighted, then most agreed, then in the
                    // order written.
                    these.sort_by(|a, b| {
                        b.starred
                            .cmp(&a.starred)
                            .then(b.highlighted.cmp(&a.highlighted))
                            .then(b.agrees.cmp(&a.agrees))
                            .then(a.id.cmp(&b.id))
                    });
                    facilitator_ui::ReportRound {
                        number: r.number,
                        prompt: r.prompt.clone(),
                        comments: these
                            .into_iter()
                            .map(|c| facilitator_ui::ReportComment {
                                text: c.text.clone(),
                                name: c.name.clone(),
                                agrees: c.agrees,
                                highlighted: c.highlighted,
                                facilitator: c.source == Source::Facilitator,
                                starred: c.starred,
                                tags: c.tags.clone(),
                                merged_count: c.merged_count,
                            })
                            .collect(),
                    }
                })
                .collect(),
        })
        .collect();
    facilitator_ui::ReportPage {
        event_title: es.event.title.clone(),
        place: es.event.place.clone(),
        date: es.event.date.clone(),
        description: es.event.description.clone(),
        generated_at: format_utc(crate::model::now_ms()),
        total_comments: shown,
        hidden_left_out: hidden,
        waiting_left_out: waiting,
        tables,
        images: images
            .into_iter()
            .filter(|(m, _)| !m.hidden)
            .map(|(m, jpeg)| facilitator_ui::ReportImage {
                caption: m.caption,
                table_number: m.table_id.and_then(|t| es.table(t)).map(|t| t.number),
                data_uri: format!("data:image/jpeg;base64,{}", base64(&jpeg)),
                width: m.width,
                height: m.height,
            })
            .collect(),
    }
}

/// A safe download name like `roundtable-2026-11-30-hastings-listening-event.html`.
pub fn file_name(title: &str, date: &str) -> String {
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
    format!("roundtable-{date}-{slug}.html")
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

    use super::*;

    #[test]
    fn dates_and_names() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(1_796_000_000_000), "2026-11-30 00:53 UTC");
        assert_eq!(
            file_name("Hastings: listening <event>", "2026-11-30"),
            "roundtable-2026-11-30-hastings-listening-event.html"
        );
    }
}
