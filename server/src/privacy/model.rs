//! An event's privacy settings: the notice phones show, and how long what people gave is
//! kept. Parsing of the organiser's form and the retention arithmetic live here.

use crate::model::InputError;

/// A day in milliseconds.
pub const DAY_MS: i64 = 24 * 3600 * 1000;
/// The longest retention an organiser can set (ten years).
pub const MAX_DAYS: i64 = 3650;
/// Contact details and "about you" answers are kept this long by default
/// (../shared/RELIABILITY.md §3.7).
pub const DEFAULT_CONTACT_DAYS: i64 = 90;
pub const DEFAULT_COMMENT_DAYS: i64 = 365;
/// The longest notice an organiser can write.
pub const MAX_NOTICE: usize = 4000;

/// What happens to the comments when their retention ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CommentsAfter {
    /// Kept as they are (the organiser deletes the event by hand).
    #[default]
    Keep,
    /// Names and device keys removed; the words stay for the reports.
    Anonymise,
    /// The whole event deleted.
    Delete,
}

impl CommentsAfter {
    pub fn code(self) -> &'static str {
        match self {
            CommentsAfter::Keep => "keep",
            CommentsAfter::Anonymise => "anonymise",
            CommentsAfter::Delete => "delete",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "keep" => Some(CommentsAfter::Keep),
            "anonymise" => Some(CommentsAfter::Anonymise),
            "delete" => Some(CommentsAfter::Delete),
            _ => None,
        }
    }
}

/// An event's privacy settings as stored.
#[derive(Debug, Clone)]
pub struct Privacy {
    /// The organiser's own words; empty: the default notice.
    pub notice: String,
    pub contact_days: i64,
    pub comments_after: CommentsAfter,
    pub comment_days: i64,
    /// When the sweep deleted contact details and "about you" answers (ms), if it has.
    pub contacts_purged_at: Option<i64>,
    /// When the sweep anonymised the comments (ms), if it has.
    pub comments_purged_at: Option<i64>,
    /// Who runs the event, for the notice: the owning organiser's name, if any.
    pub organiser_name: Option<String>,
    /// The one other site allowed to frame the wall (an origin), or empty.
    pub wall_frame: String,
    /// The event's date (YYYY-MM-DD) and when it was stored (ms): retention counts from
    /// the later of the end of that day and the storing.
    pub date: String,
    pub created_at: i64,
}

/// The organiser's form, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrivacyInput {
    pub wall_frame: String,
    pub notice: String,
    pub contact_days: i64,
    pub comments_after: CommentsAfter,
    pub comment_days: i64,
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    // Count years from March, so the leap day is the last of its year.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Midnight (UTC) at the end of a YYYY-MM-DD date, in ms; `None` if it isn't one.
pub fn end_of_day_ms(date: &str) -> Option<i64> {
    let parts: Vec<&str> = date.trim().split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return None;
    };
    let (y, m, d): (i64, i64, i64) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some((days_from_civil(y, m, d) + 1) * DAY_MS)
}

impl Privacy {
    /// When retention starts: the end of the event's day, or when the event was stored if
    /// that is later (an event imported or created after its date).
    pub fn start_ms(&self) -> i64 {
        end_of_day_ms(&self.date)
            .unwrap_or(self.created_at)
            .max(self.created_at)
    }

    /// When contact details and "about you" answers go.
    pub fn contacts_due_ms(&self) -> i64 {
        self.start_ms() + self.contact_days * DAY_MS
    }

    /// When the comments are anonymised or the event deleted (never for `Keep`).
    pub fn comments_due_ms(&self) -> Option<i64> {
        (self.comments_after != CommentsAfter::Keep)
            .then(|| self.start_ms() + self.comment_days * DAY_MS)
    }

    /// Who runs the event, for the notice.
    pub fn controller(&self, event_title: &str) -> String {
        match &self.organiser_name {
            Some(n) if !n.trim().is_empty() => n.clone(),
            _ => format!("The organisers of {event_title}"),
        }
    }
}

fn parse_days(raw: &str, what: &str) -> Result<i64, InputError> {
    let bad = || {
        InputError::new(
            "bad_request",
            format!("{what} must be a whole number of days from 0 to {MAX_DAYS}."),
        )
    };
    let n: i64 = raw.trim().parse().map_err(|_| bad())?;
    if (0..=MAX_DAYS).contains(&n) {
        Ok(n)
    } else {
        Err(bad())
    }
}

/// Checks an origin (`https://host` or `http://host:port`, nothing after), lower-cased;
/// empty stays empty. Only these characters can reach a Content-Security-Policy.
pub fn parse_origin(raw: &str) -> Result<String, InputError> {
    let s = raw.trim().trim_end_matches('/').to_ascii_lowercase();
    if s.is_empty() {
        return Ok(s);
    }
    let bad = || {
        InputError::new(
            "bad_request",
            "The site allowed to show the wall must look like https://stream.example.org: \
             the address of a site, with nothing after its name (or port).",
        )
    };
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .ok_or_else(bad)?;
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    if host_ok && port_ok {
        Ok(s)
    } else {
        Err(bad())
    }
}

/// Checks the organiser's privacy form.
pub fn parse_privacy(
    wall_frame: &str,
    notice: &str,
    contact_days: &str,
    comments_after: &str,
    comment_days: &str,
) -> Result<PrivacyInput, InputError> {
    let notice = crate::model::clean_text(notice, "The privacy notice", MAX_NOTICE, false)?;
    let contact_days = parse_days(
        contact_days,
        "How long contact details and \u{201c}about you\u{201d} answers are kept",
    )?;
    let comments_after = CommentsAfter::parse(comments_after).ok_or_else(|| {
        InputError::new(
            "bad_request",
            "Choose what happens to the comments: keep them, anonymise them, or delete the event.",
        )
    })?;
    let comment_days = parse_days(comment_days, "How long the comments are kept")?;
    Ok(PrivacyInput {
        wall_frame: parse_origin(wall_frame)?,
        notice,
        contact_days,
        comments_after,
        comment_days,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2026, 12, 6), 20_793);
        assert_eq!(end_of_day_ms("1970-01-01"), Some(DAY_MS));
        assert_eq!(end_of_day_ms("2026-13-01"), None);
        assert_eq!(end_of_day_ms("soon"), None);
    }

    #[test]
    fn retention_counts_from_the_later_of_the_day_and_the_storing() {
        let mut p = Privacy {
            notice: String::new(),
            contact_days: 90,
            comments_after: CommentsAfter::Keep,
            comment_days: 365,
            contacts_purged_at: None,
            comments_purged_at: None,
            organiser_name: None,
            wall_frame: String::new(),
            date: "1970-01-02".into(),
            created_at: 0,
        };
        assert_eq!(p.contacts_due_ms(), 92 * DAY_MS);
        assert_eq!(p.comments_due_ms(), None);
        p.created_at = 10 * DAY_MS;
        assert_eq!(p.contacts_due_ms(), 100 * DAY_MS);
        p.comments_after = CommentsAfter::Delete;
        assert_eq!(p.comments_due_ms(), Some(375 * DAY_MS));
        assert_eq!(p.controller("Fair Shares"), "The organisers of Fair Shares");
    }

    #[test]
    fn the_form_is_checked() {
        let ok = parse_privacy("", " Kept safe.\r\n", "30", "anonymise", "0").unwrap();
        assert_eq!(ok.notice, "Kept safe.");
        assert_eq!(ok.contact_days, 30);
        assert_eq!(ok.comments_after, CommentsAfter::Anonymise);
        let e = parse_privacy("", "", "-1", "keep", "1").unwrap_err();
        assert!(e.message.contains("from 0 to 3650"), "{}", e.message);
        assert!(parse_privacy("", "", "9999", "keep", "1").is_err());
        assert!(parse_privacy("", "", "1", "shred", "1").is_err());
        assert!(parse_privacy("", "a\u{202e}b", "1", "keep", "1").is_err());
        assert!(parse_privacy("", &"x".repeat(4001), "1", "keep", "1").is_err());
        for ok in [
            "https://stream.example.org",
            "HTTP://Hall-Screen.local:8080/",
            "",
        ] {
            assert!(parse_origin(ok).is_ok(), "{ok}");
        }
        assert_eq!(parse_origin("https://A.org/").unwrap(), "https://a.org");
        for bad in [
            "stream.example.org",
            "https://a.org/path",
            "https://a.org; script-src *",
            "https://*.org",
            "javascript:alert(1)",
            "https://a.org:99999x",
            "https://",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
    }
}
