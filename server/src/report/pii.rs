//! Spots personal data in free text (email addresses, UK phone numbers, UK postcodes) so the
//! policy briefing can flag a comment for the organiser to check before it is shared.
//!
//! The checks are written out by hand (no regex) and err on the side of flagging something
//! that looks like personal data; they never change the text.
//!
//! - **Email**: `local@domain.tld` with a domain of at least two labels and a last label of
//!   two or more letters, case-insensitive, with at most one space either side of the `@`
//!   ("jo @ example.org"). Spelled-out addresses are flagged too: "jo at gmail dot com", and
//!   "jo (at) gmail.com" / "jo [at] gmail.com" (a bare "at" needs the spelled "dot" and a known
//!   top-level domain, so "meet at the station.com" style slips and "look at bbc.co.uk" are
//!   not flagged).
//! - **Phone**: a run of digits starting at a word boundary, split by at most three spaces,
//!   dashes, dots or brackets at a time: `0` then 9 or 10 more digits (07700 900123,
//!   020 7946 0000, (01424) 123456), `+44`/`0044` then 9 or 10 digits (an optional `(0)` is
//!   skipped), or another `+` country code with 10-13 digits in all. Years, times, prices (a
//!   digit after `£`, `$`, `€`, a comma or a dot is never a start), route numbers and runs
//!   with more digits than a phone number are not flagged.
//! - **Postcode**: a full UK postcode (outward code A9, A99, AA9, AA99, A9A or AA9A with the
//!   letters the Royal Mail allows, then the inward code 9AA), with one or two spaces or none
//!   between, bounded by non-alphanumerics on both sides, case-insensitive; and "GIR 0AA".
//!   An outward code alone ("TN34") is not flagged: it names a district, not a person.

/// Personal data that free text may hold; the policy briefing flags it for the organiser to redact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Pii {
    /// An email address.
    Email,
    /// A phone number.
    Phone,
    /// A postcode.
    Postcode,
}

impl Pii {
    /// "an email address", "a phone number", "a postcode"
    pub fn describe(self) -> &'static str {
        match self {
            Pii::Email => "an email address",
            Pii::Phone => "a phone number",
            Pii::Postcode => "a postcode",
        }
    }
}

/// The kinds found, each once, in the order Email, Phone, Postcode.
pub fn scan(text: &str) -> Vec<Pii> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    if has_email(&chars) {
        found.push(Pii::Email);
    }
    if has_phone(&chars) {
        found.push(Pii::Phone);
    }
    if has_postcode(&chars) {
        found.push(Pii::Postcode);
    }
    found
}

/// One sentence for the organiser, e.g. "Looks like it holds a phone number and a postcode:
/// check before sharing." (None when nothing found)
pub fn warning(found: &[Pii]) -> Option<String> {
    let mut kinds = found.to_vec();
    kinds.sort_unstable();
    kinds.dedup();
    let names: Vec<&str> = kinds.iter().map(|k| k.describe()).collect();
    let list = match names.as_slice() {
        [] => return None,
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    Some(format!("Looks like it holds {list}: check before sharing."))
}

fn at(chars: &[char], i: usize) -> Option<char> {
    chars.get(i).copied()
}

fn is_local_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-' | '\'')
}

fn is_domain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '-')
}

/// Whether `d` (without a trailing dot) is a domain with at least two labels and a
/// letters-only last label of two or more letters.
fn valid_domain(d: &str) -> bool {
    let labels: Vec<&str> = d.split('.').collect();
    labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && !l.starts_with('-') && !l.ends_with('-') && l.len() <= 63)
        && labels
            .last()
            .is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphabetic()))
}

fn has_email(chars: &[char]) -> bool {
    for (k, &c) in chars.iter().enumerate() {
        if c != '@' {
            continue;
        }
        // Local part: back from the `@`, past at most one space.
        let mut l = k;
        if l > 0 && chars[l - 1] == ' ' {
            l -= 1;
        }
        let local_end = l;
        while l > 0 && is_local_char(chars[l - 1]) {
            l -= 1;
        }
        let local: String = chars[l..local_end].iter().collect();
        let local = local.trim_matches('.');
        if local.is_empty() || !local.chars().any(|c| c.is_ascii_alphanumeric()) {
            continue;
        }
        // Domain: on from the `@`, past at most one space.
        let mut r = k + 1;
        if at(chars, r) == Some(' ') {
            r += 1;
        }
        let dom_start = r;
        while r < chars.len() && is_domain_char(chars[r]) {
            r += 1;
        }
        let domain: String = chars[dom_start..r].iter().collect();
        if valid_domain(domain.trim_end_matches('.')) {
            return true;
        }
    }
    has_spelled_email(chars)
}

/// Top-level domains that make "jo at example dot com" an address.
const TLDS: &[&str] = &[
    "com", "uk", "org", "net", "co", "io", "gov", "ac", "me", "info", "wales", "cymru", "scot",
    "biz", "edu",
];

fn has_spelled_email(chars: &[char]) -> bool {
    let text: String = chars.iter().collect::<String>().to_lowercase();
    let words: Vec<&str> = text
        .split_whitespace()
        .map(|w| w.trim_end_matches([',', ';', ':', '!', '?', ')']))
        .map(|w| w.trim_start_matches('('))
        .collect();
    let raw: Vec<&str> = text.split_whitespace().collect();
    for i in 1..words.len() {
        let bracketed = matches!(raw.get(i), Some(&"(at)") | Some(&"[at]"));
        if words[i] != "at" && !bracketed {
            continue;
        }
        let local = words[i - 1];
        if local.is_empty() || !local.chars().all(is_local_char) {
            continue;
        }
        let Some(&first) = words.get(i + 1) else {
            continue;
        };
        if bracketed && valid_domain(first.trim_end_matches('.')) {
            return true;
        }
        if first.is_empty() || !first.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            continue;
        }
        // label ("dot" label)+ ending in a known top-level domain.
        let mut j = i + 2;
        let mut last = None;
        while matches!(words.get(j), Some(&"dot") | Some(&"[dot]") | Some(&"(dot)")) {
            match words.get(j + 1) {
                Some(l) if !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric()) => {
                    last = Some(l.trim_end_matches('.'));
                    j += 2;
                }
                _ => break,
            }
        }
        if last.is_some_and(|t| TLDS.contains(&t)) {
            return true;
        }
    }
    false
}

fn is_phone_sep(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | '(' | ')' | '\u{a0}')
}

fn has_phone(chars: &[char]) -> bool {
    for i in 0..chars.len() {
        let c = chars[i];
        let starts = match c {
            '+' => at(chars, i + 1).is_some_and(|d| d.is_ascii_digit()),
            '(' => at(chars, i + 1).is_some_and(|d| d == '0' || d == '+'),
            '0' => true,
            _ => false,
        };
        if !starts {
            continue;
        }
        if i > 0 {
            let p = chars[i - 1];
            if p.is_alphanumeric() || matches!(p, '£' | '$' | '€' | '.' | ',' | '+' | '(' | '/')
            {
                continue;
            }
            if p == '-' && i > 1 && chars[i - 2].is_ascii_digit() {
                continue;
            }
        }
        if phone_at(chars, i) {
            return true;
        }
    }
    false
}

/// Whether a phone number starts at `i`.
fn phone_at(chars: &[char], i: usize) -> bool {
    let mut j = i;
    if at(chars, j) == Some('(') {
        j += 1;
    }
    let plus = at(chars, j) == Some('+');
    if plus {
        j += 1;
    }
    let mut digits = String::new();
    loop {
        match at(chars, j) {
            Some(d) if d.is_ascii_digit() => {
                digits.push(d);
                j += 1;
                if digits.len() > 16 {
                    return false;
                }
            }
            Some(s) if is_phone_sep(s) && !digits.is_empty() => {
                let mut e = j;
                while e < chars.len() && e - j < 4 && is_phone_sep(chars[e]) {
                    e += 1;
                }
                if e - j <= 3 && at(chars, e).is_some_and(|d| d.is_ascii_digit()) {
                    j = e;
                } else {
                    break;
                }
            }
            _ => break,
        }
    }
    // Right boundary: no letter or digit straight after the last digit.
    if at(chars, j).is_some_and(char::is_alphanumeric) {
        return false;
    }
    let national = if plus {
        digits.strip_prefix("44")
    } else {
        digits.strip_prefix("0044")
    };
    if let Some(rest) = national {
        let rest = rest.strip_prefix('0').unwrap_or(rest);
        return (9..=10).contains(&rest.len());
    }
    if plus {
        return (10..=13).contains(&digits.len());
    }
    digits.starts_with('0') && !digits.starts_with("00") && (10..=11).contains(&digits.len())
}

fn is_upper_letter(c: char) -> bool {
    c.is_ascii_uppercase()
}

/// Whether `s` (uppercase) is an outward code: A9, A99, AA9, AA99, A9A or AA9A.
fn valid_outward(s: &[char]) -> bool {
    let first_ok = |c: char| is_upper_letter(c) && !matches!(c, 'Q' | 'V' | 'X');
    let second_ok = |c: char| is_upper_letter(c) && !matches!(c, 'I' | 'J' | 'Z');
    let d = |c: char| c.is_ascii_digit();
    match *s {
        [a, b] => first_ok(a) && d(b),
        [a, b, c] => {
            first_ok(a)
                && ((d(b) && d(c))
                    || (second_ok(b) && d(c))
                    || (d(b) && "ABCDEFGHJKPSTUW".contains(c)))
        }
        [a, b, c, e] => first_ok(a) && second_ok(b) && d(c) && (d(e) || "ABEHMNPRVWXY".contains(e)),
        _ => false,
    }
}

/// Whether `s` (uppercase) is an inward code: a digit and two letters other than CIKMOV.
fn valid_inward(s: &[char]) -> bool {
    let ok = |c: char| is_upper_letter(c) && !"CIKMOV".contains(c);
    matches!(*s, [a, b, c] if a.is_ascii_digit() && ok(b) && ok(c))
}

fn has_postcode(chars: &[char]) -> bool {
    let up: Vec<char> = chars.iter().map(|c| c.to_ascii_uppercase()).collect();
    // Words: maximal runs of alphanumerics; only all-ASCII ones can be postcodes.
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < up.len() {
        if up[i].is_alphanumeric() {
            let s = i;
            while i < up.len() && up[i].is_alphanumeric() {
                i += 1;
            }
            words.push((s, i));
        } else {
            i += 1;
        }
    }
    let ascii = |(s, e): (usize, usize)| up[s..e].iter().all(|c| c.is_ascii_alphanumeric());
    for (k, &(s, e)) in words.iter().enumerate() {
        if !ascii((s, e)) {
            continue;
        }
        let w = &up[s..e];
        if (5..=7).contains(&w.len()) {
            let (out, inw) = w.split_at(w.len() - 3);
            if valid_outward(out) && valid_inward(inw) {
                return true;
            }
        }
        let Some(&(ns, ne)) = words.get(k + 1) else {
            continue;
        };
        let gap = &up[e..ns];
        if gap.is_empty() || gap.len() > 2 || !gap.iter().all(|&c| c == ' ' || c == '\u{a0}') {
            continue;
        }
        if !ascii((ns, ne)) {
            continue;
        }
        let next = &up[ns..ne];
        if (valid_outward(w) || w == ['G', 'I', 'R']) && valid_inward(next) {
            if w == ['G', 'I', 'R'] && next != ['0', 'A', 'A'] {
                continue;
            }
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<Pii> {
        scan(s)
    }

    #[test]
    fn emails() {
        for s in [
            "email me jo.bloggs@example.com",
            "JO@EXAMPLE.CO.UK please",
            "contact: jo @ example.org.",
            "sam_smith+events@mail.example.wales",
            "it's jo at gmail dot com",
            "jo (at) gmail.com",
            "jo [at] hotmail [dot] co [dot] uk",
        ] {
            assert_eq!(kinds(s), vec![Pii::Email], "{s}");
        }
        for s in [
            "meet @ the station",
            "bus @ 6.30 is late",
            "look at bbc.co.uk for news",
            "we were at home dot dot dot",
            "@council sort it out",
            "email the council",
            "a@b",
        ] {
            assert!(!kinds(s).contains(&Pii::Email), "{s}");
        }
    }

    #[test]
    fn phones() {
        for s in [
            "ring me on 07700 900123",
            "07700900123",
            "+44 7700 900123",
            "+44 (0)7700 900 123",
            "0044 7700 900123",
            "call 01424 123456 after 6",
            "(01424) 123456",
            "020 7946 0000",
            "01424-123-456",
            "07700.900.123.",
            "my number is 01632 96011",
        ] {
            assert_eq!(kinds(s), vec![Pii::Phone], "{s}");
        }
        for s in [
            "the bus at 6pm",
            "18:30 is the last one",
            "£1,500,000 wasted",
            "£2.50 a loaf",
            "the X5 and the 99",
            "fares up 20%",
            "since 2026",
            "10:30",
            "£12,000",
            "area code",
            "covid-19",
            "dates 01/02/2026 and 03.04.2025",
            "3 weeks 0 appointments",
            "0123456789012345678 is a long number",
            "ref 12345678901",
        ] {
            assert!(!kinds(s).contains(&Pii::Phone), "{s}");
        }
    }

    #[test]
    fn postcodes() {
        for s in [
            "I live at TN34 1AA",
            "SW1A 1AA",
            "cf10 3at",
            "M1 1AE.",
            "EC1A1BB",
            "B33 8TH",
            "GIR 0AA",
            "(W1A 0AX)",
            "postcode: sa15  3ab",
        ] {
            assert_eq!(kinds(s), vec![Pii::Postcode], "{s}");
        }
        for s in [
            "TN34",
            "the A1 road",
            "covid-19",
            "2026",
            "10:30",
            "£12,000",
            "area code",
            "the X5 bus at 5pm",
            "M4 junction 48",
            "A484 is dangerous",
            "TN34 1AAB",
            "XTN34 1AA",
            "QA1 1AA",
            "SW1A 1CA",
        ] {
            assert!(!kinds(s).contains(&Pii::Postcode), "{s}");
        }
    }

    #[test]
    fn all_three_in_order() {
        let s = "Postcode SA15 3AB, phone 07700 900123, jo@example.com";
        assert_eq!(kinds(s), vec![Pii::Email, Pii::Phone, Pii::Postcode]);
    }

    #[test]
    fn warnings() {
        assert_eq!(warning(&[]), None);
        assert_eq!(
            warning(&[Pii::Postcode, Pii::Phone]).as_deref(),
            Some("Looks like it holds a phone number and a postcode: check before sharing.")
        );
        assert_eq!(
            warning(&[Pii::Email]).as_deref(),
            Some("Looks like it holds an email address: check before sharing.")
        );
        assert_eq!(
            warning(&[Pii::Postcode, Pii::Email, Pii::Phone, Pii::Email]).as_deref(),
            Some(
                "Looks like it holds an email address, a phone number and a postcode: \
                 check before sharing."
            )
        );
        assert_eq!(Pii::Phone.describe(), "a phone number");
    }

    #[test]
    fn nasty_input() {
        let long = "😀".repeat(1000);
        let digits = "0".repeat(1000);
        let ats = "@".repeat(1000);
        let spaced = "0 ".repeat(500);
        for s in [
            "",
            long.as_str(),
            digits.as_str(),
            ats.as_str(),
            spaced.as_str(),
            "e\u{301}\u{301}\u{301}",
            "שלום עולם مرحبا",
            "+",
            "(",
            "@.",
            "a@.b",
        ] {
            let _ = scan(s);
        }
        assert!(scan("").is_empty());
    }
}

/// What replaces contact details in the policy briefing.
pub const REMOVED: &str = "[removed]";

/// The text with whatever [`scan`] finds replaced by [`REMOVED`]: each smallest run of up to
/// five words that holds personal data on its own goes. If something is still found
/// afterwards (it spans more words), the whole text is withheld.
pub fn redact(text: &str) -> String {
    if scan(text).is_empty() {
        return text.to_string();
    }
    let mut words: Vec<String> = text.split(' ').map(str::to_string).collect();
    // The shortest run of words that holds something, leftmost first; replaced, then again.
    for _ in 0..words.len() {
        let hit = (1..=5usize).find_map(|len| {
            (0..words.len().saturating_sub(len - 1))
                .find(|&i| !scan(&words[i..i + len].join(" ")).is_empty())
                .map(|i| (i, len))
        });
        let Some((i, len)) = hit else { break };
        // Keep a line break that sat at the end of the last word removed.
        let tail = if words[i + len - 1].ends_with('\n') {
            "\n"
        } else {
            ""
        };
        words.splice(i..i + len, [format!("{REMOVED}{tail}")]);
    }
    let out = words;
    let joined = out.join(" ");
    if scan(&joined).is_empty() {
        joined
    } else {
        "[withheld: this comment holds contact details]".to_string()
    }
}

#[cfg(test)]
mod redact_tests {
    use super::*;

    #[test]
    fn contact_details_are_removed_and_the_rest_kept() {
        assert_eq!(
            redact("Ring me about the bus campaign on 07700 900123 please"),
            "Ring me about the bus campaign on [removed] please"
        );
        assert_eq!(
            redact("email jo.bloggs@example.com or 01424 123456, I live at TN34 1AA"),
            "email [removed] or [removed] I live at [removed]"
        );
        assert_eq!(redact("No details here"), "No details here");
        for t in [
            "call 07700 900123 or 07700 900456",
            "jo at gmail dot com",
            "SW1A 1AA and cf10 3at",
        ] {
            let r = redact(t);
            assert!(scan(&r).is_empty(), "{t:?} → {r:?}");
        }
    }
}
