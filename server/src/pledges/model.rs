//! Pledges and "about you": the types, and the checks on what people type.

use crate::model::{InputError, clean_text};

/// The five actions every event starts with (the migration's trigger inserts the same).
pub const DEFAULT_OPTIONS: [&str; 5] = [
    "Join a local campaign that came up tonight",
    "Host a house meeting",
    "Come to an organising training",
    "Volunteer at the next event",
    "Keep me informed",
];

/// Most actions an event can offer.
pub const MAX_OPTIONS: usize = 12;
/// Longest action label.
pub const MAX_OPTION_CHARS: usize = 120;

/// One action people can commit to.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PledgeOption {
    pub id: i64,
    pub label: String,
    /// The table whose theme this action follows up: (table id, number, theme).
    pub table: Option<(i64, i64, String)>,
    /// Off the phone's list (kept for pledges that chose it).
    pub removed: bool,
}

/// What the organiser set for pledges and "about you".
#[derive(Debug, Clone, PartialEq)]
pub struct PledgeSetup {
    /// In the order phones show them (removed ones last).
    pub options: Vec<PledgeOption>,
    /// Who will contact people ("the Fair Shares team in Grimsby"); empty: the event's
    /// organisers.
    pub contact_by: String,
    /// The optional "about you" questions are on.
    pub about_you: bool,
    /// The language phones start in.
    pub lang: participant_ui::Lang,
}

impl PledgeSetup {
    /// The actions phones offer now.
    pub fn live(&self) -> impl Iterator<Item = &PledgeOption> {
        self.options.iter().filter(|o| !o.removed)
    }
}

/// The organiser's form, checked: (stored id or new, label, table id).
#[derive(Debug, Clone, PartialEq)]
pub struct SetupInput {
    pub options: Vec<(Option<i64>, String, Option<i64>)>,
    pub contact_by: String,
    pub about_you: bool,
    pub lang: participant_ui::Lang,
}

/// One row of the organiser's form, unchecked.
#[derive(Debug, Clone, Default)]
pub struct OptionDraft {
    pub id: String,
    pub label: String,
    /// A table id, or empty.
    pub table: String,
}

/// Checks the organiser's pledge settings. `table_ids` are the event's tables.
pub fn parse_setup(
    rows: &[OptionDraft],
    contact_by: &str,
    about_you: bool,
    lang: &str,
    table_ids: &[i64],
) -> Result<SetupInput, InputError> {
    let lang = participant_ui::Lang::parse(lang).ok_or_else(|| {
        InputError::new("bad_language", "Choose English or Cymraeg for the phones.")
    })?;
    let mut options = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let label = clean_text(
            &row.label,
            &format!("Action {}", i + 1),
            MAX_OPTION_CHARS,
            false,
        )?;
        if label.contains('\n') {
            return Err(InputError::new(
                "bad_option",
                format!("Action {} must fit on one line.", i + 1),
            ));
        }
        if label.is_empty() {
            continue;
        }
        let table = match row.table.trim() {
            "" => None,
            t => match t.parse::<i64>().ok().filter(|t| table_ids.contains(t)) {
                Some(t) => Some(t),
                None => {
                    return Err(InputError::new(
                        "bad_option",
                        format!(
                            "Action {}: that table is not part of this event any more. Choose another or none.",
                            i + 1
                        ),
                    ));
                }
            },
        };
        let id = row.id.trim().parse::<i64>().ok();
        options.push((id, label, table));
    }
    if options.is_empty() {
        return Err(InputError::new(
            "no_options",
            "Give at least one action people can commit to.",
        ));
    }
    if options.len() > MAX_OPTIONS {
        return Err(InputError::new(
            "too_many_options",
            format!(
                "There are {} actions; the most is {MAX_OPTIONS}. Fewer choices are easier on a phone.",
                options.len()
            ),
        ));
    }
    let contact_by = clean_text(contact_by, "Who will contact people", 120, false)?;
    if contact_by.contains('\n') {
        return Err(InputError::new(
            "bad_option",
            "Who will contact people must fit on one line.",
        ));
    }
    Ok(SetupInput {
        options,
        contact_by,
        about_you,
        lang,
    })
}

/// How a person may be contacted, with the sentence they agreed to.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Contact {
    pub name: String,
    /// (number, the consent sentence ticked for it).
    pub phone: Option<(String, String)>,
    /// (address, the consent sentence ticked for it).
    pub email: Option<(String, String)>,
}

/// A pledge as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Pledge {
    pub id: i64,
    /// Chosen option ids.
    pub options: Vec<i64>,
    pub contact: Option<Contact>,
    /// When consent was given (ms), with `contact`.
    pub consented_at: Option<i64>,
}

/// A pledge to store: the chosen options and, with consent, how to get in touch.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPledge {
    pub options: Vec<i64>,
    pub contact: Option<Contact>,
}

/// The pledge form, unchecked.
#[derive(Debug, Clone, Default)]
pub struct PledgeDraft {
    /// Ticked option ids (as sent).
    pub options: Vec<String>,
    pub name: String,
    pub phone: String,
    pub phone_ok: bool,
    pub email: String,
    pub email_ok: bool,
}

/// The consent sentences, as shown next to each tick box and stored with the details.
pub fn consent_phone(contact_by: &str) -> String {
    format!("{contact_by} may phone or text me about the actions I chose, and for nothing else.")
}

/// See [`consent_phone`].
pub fn consent_email(contact_by: &str) -> String {
    format!("{contact_by} may email me about the actions I chose, and for nothing else.")
}

/// Who contacts people, in a sentence: the organiser's words, or "The organisers of T".
pub fn contact_by(setup_contact_by: &str, event_title: &str) -> String {
    let c = setup_contact_by.trim();
    if c.is_empty() {
        format!("The organisers of {}", event_title.trim())
    } else {
        let mut chars = c.chars();
        match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => String::new(),
        }
    }
}

/// Checks a phone number: digits with spaces, dashes, brackets and a leading +; 7–15 digits.
fn parse_phone(raw: &str) -> Result<String, InputError> {
    let t = raw.trim();
    let digits = t.chars().filter(char::is_ascii_digit).count();
    let allowed = t.chars().enumerate().all(|(i, c)| {
        c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')') || (c == '+' && i == 0)
    });
    if !allowed || !(7..=15).contains(&digits) {
        return Err(InputError::new(
            "bad_phone",
            "That phone number doesn't look right. Use digits only, like 07700 900123 or +44 7700 900123.",
        ));
    }
    Ok(t.to_string())
}

/// Checks an email address loosely: one @, something before, a dot in the part after.
fn parse_email(raw: &str) -> Result<String, InputError> {
    let t = raw.trim();
    let ok = t.chars().count() <= 200
        && !t.chars().any(|c| c.is_whitespace() || c.is_control())
        && match t.split_once('@') {
            Some((user, host)) => {
                !user.is_empty()
                    && !host.contains('@')
                    && host.contains('.')
                    && !host.starts_with('.')
                    && !host.ends_with('.')
            }
            None => false,
        };
    if ok {
        Ok(t.to_string())
    } else {
        Err(InputError::new(
            "bad_email",
            "That email address doesn't look right. It should look like name@example.org.",
        ))
    }
}

/// Checks the pledge form against the event's live options. No contact detail is kept
/// without its consent box ticked, and a ticked box needs its detail.
/// `consents` are the phone and email consent sentences as the page showed them (stored
/// with the details they cover).
pub fn parse_pledge(
    draft: &PledgeDraft,
    setup: &PledgeSetup,
    consents: &(String, String),
) -> Result<NewPledge, InputError> {
    let mut options = Vec::new();
    for raw in &draft.options {
        let id = raw.trim().parse::<i64>().ok();
        match id.filter(|id| setup.live().any(|o| o.id == *id)) {
            Some(id) if !options.contains(&id) => options.push(id),
            Some(_) => {}
            None => {
                return Err(InputError::new(
                    "bad_option",
                    "One of the actions you ticked is no longer offered. Please tick again.",
                ));
            }
        }
    }
    if options.is_empty() {
        return Err(InputError::new(
            "no_option",
            "Tick at least one action you'd like to do.",
        ));
    }
    options.sort_unstable();
    let name = clean_text(&draft.name, "Your name", 60, false)?;
    if name.contains('\n') {
        return Err(InputError::new(
            "bad_characters",
            "Your name must fit on one line.",
        ));
    }
    let phone_typed = !draft.phone.trim().is_empty();
    let email_typed = !draft.email.trim().is_empty();
    if phone_typed && !draft.phone_ok {
        return Err(InputError::new(
            "no_consent",
            "You gave a phone number but didn't tick the box to say we may use it. Tick it, or clear the number.",
        ));
    }
    if email_typed && !draft.email_ok {
        return Err(InputError::new(
            "no_consent",
            "You gave an email address but didn't tick the box to say we may use it. Tick it, or clear the address.",
        ));
    }
    if draft.phone_ok && !phone_typed {
        return Err(InputError::new(
            "no_phone",
            "You ticked the box for phone calls and texts: please give your number, or untick it.",
        ));
    }
    if draft.email_ok && !email_typed {
        return Err(InputError::new(
            "no_email",
            "You ticked the box for email: please give your address, or untick it.",
        ));
    }
    let phone = if phone_typed {
        Some((parse_phone(&draft.phone)?, consents.0.clone()))
    } else {
        None
    };
    let email = if email_typed {
        Some((parse_email(&draft.email)?, consents.1.clone()))
    } else {
        None
    };
    if !name.is_empty() && phone.is_none() && email.is_none() {
        return Err(InputError::new(
            "name_alone",
            "We only keep a name together with a way to contact you. Give a number or an email address, or clear your name to stay anonymous.",
        ));
    }
    let contact = (phone.is_some() || email.is_some()).then_some(Contact { name, phone, email });
    Ok(NewPledge { options, contact })
}

/// The "about you" questions: (field, question, answers). Answers are stored as given
/// (one of these), never free text.
pub const ABOUT_QUESTIONS: [(&str, &str, &[&str]); 3] = [
    (
        "first_event",
        "Is this your first political event?",
        &["Yes", "No"],
    ),
    (
        "member",
        "Are you a member of the organising party?",
        &["Yes", "No"],
    ),
    (
        "age_band",
        "How old are you?",
        &["Under 18", "18–24", "25–34", "35–49", "50–64", "65 or over"],
    ),
];

/// One person's "about you" answers (each optional).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct About {
    pub first_event: Option<String>,
    pub member: Option<String>,
    pub age_band: Option<String>,
}

impl About {
    pub fn get(&self, field: &str) -> Option<&str> {
        match field {
            "first_event" => self.first_event.as_deref(),
            "member" => self.member.as_deref(),
            "age_band" => self.age_band.as_deref(),
            _ => None,
        }
    }
}

/// Checks "about you": each answer empty or one of its question's answers.
pub fn parse_about(first_event: &str, member: &str, age_band: &str) -> Result<About, InputError> {
    let pick = |i: usize, raw: &str| -> Result<Option<String>, InputError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        let (_, _, answers) = ABOUT_QUESTIONS[i];
        answers
            .iter()
            .find(|a| **a == raw)
            .map(|a| Some(a.to_string()))
            .ok_or_else(|| {
                InputError::new("bad_answer", "Choose one of the answers listed, or none.")
            })
    };
    Ok(About {
        first_event: pick(0, first_event)?,
        member: pick(1, member)?,
        age_band: pick(2, age_band)?,
    })
}

/// Totals for the organiser: per question, (answer, how many), in the question's order, then
/// how many answered at all.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AboutTotals {
    pub people: i64,
    pub questions: Vec<(String, Vec<(String, i64)>)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> PledgeSetup {
        PledgeSetup {
            options: vec![
                PledgeOption {
                    id: 1,
                    label: "A".into(),
                    table: None,
                    removed: false,
                },
                PledgeOption {
                    id: 2,
                    label: "B".into(),
                    table: None,
                    removed: true,
                },
            ],
            contact_by: String::new(),
            about_you: false,
            lang: participant_ui::Lang::En,
        }
    }

    fn consents(who: &str) -> (String, String) {
        (consent_phone(who), consent_email(who))
    }

    fn draft(options: &[&str]) -> PledgeDraft {
        PledgeDraft {
            options: options.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn a_pledge_needs_an_offered_action() {
        assert_eq!(
            parse_pledge(&draft(&[]), &setup(), &consents("X")).map_err(|e| e.code),
            Err("no_option")
        );
        assert_eq!(
            parse_pledge(&draft(&["2"]), &setup(), &consents("X")).map_err(|e| e.code),
            Err("bad_option")
        );
        let p = parse_pledge(&draft(&["1", "1"]), &setup(), &consents("X")).ok();
        assert_eq!(p.map(|p| (p.options, p.contact)), Some((vec![1], None)));
    }

    #[test]
    fn contact_details_only_with_their_own_consent() {
        let mut d = draft(&["1"]);
        d.phone = "07700 900123".into();
        assert_eq!(
            parse_pledge(&d, &setup(), &consents("X")).map_err(|e| e.code),
            Err("no_consent")
        );
        d.phone_ok = true;
        d.email_ok = true;
        assert_eq!(
            parse_pledge(&d, &setup(), &consents("X")).map_err(|e| e.code),
            Err("no_email")
        );
        d.email_ok = false;
        d.name = "Ann".into();
        let p = parse_pledge(&d, &setup(), &consents("The team"))
            .ok()
            .and_then(|p| p.contact);
        let c = p.unwrap_or_default();
        assert_eq!(c.name, "Ann");
        assert_eq!(c.email, None);
        assert_eq!(
            c.phone,
            Some((
                "07700 900123".into(),
                "The team may phone or text me about the actions I chose, and for nothing else."
                    .into()
            ))
        );
        let mut d = draft(&["1"]);
        d.name = "Ann".into();
        assert_eq!(
            parse_pledge(&d, &setup(), &consents("X")).map_err(|e| e.code),
            Err("name_alone")
        );
    }

    #[test]
    fn phone_and_email_are_checked() {
        for (phone, ok) in [
            ("07700 900123", true),
            ("+44 (0)7700-900123", true),
            ("12345", false),
            ("0770x900123", false),
            ("44+7700900123", false),
        ] {
            assert_eq!(parse_phone(phone).is_ok(), ok, "{phone}");
        }
        for (email, ok) in [
            ("a@b.org", true),
            ("a@b", false),
            ("a b@c.org", false),
            ("@c.org", false),
            ("a@@c.org", false),
        ] {
            assert_eq!(parse_email(email).is_ok(), ok, "{email}");
        }
    }

    #[test]
    fn setup_needs_an_action_and_a_real_table() {
        let row = |label: &str, table: &str| OptionDraft {
            id: String::new(),
            label: label.into(),
            table: table.into(),
        };
        assert!(parse_setup(&[row("", "")], "", false, "en", &[1]).is_err());
        assert!(parse_setup(&[row("Bus campaign", "9")], "", false, "en", &[1]).is_err());
        assert!(parse_setup(&[row("Bus campaign", "")], "", false, "fr", &[1]).is_err());
        let s = parse_setup(
            &[row(" Bus campaign ", "1"), row("", "")],
            "the team",
            true,
            "cy",
            &[1],
        );
        assert_eq!(
            s.ok(),
            Some(SetupInput {
                options: vec![(None, "Bus campaign".into(), Some(1))],
                contact_by: "the team".into(),
                about_you: true,
                lang: participant_ui::Lang::Cy,
            })
        );
        assert_eq!(contact_by("the team", "T"), "The team");
        assert_eq!(
            contact_by(" ", "Fair Shares"),
            "The organisers of Fair Shares"
        );
    }

    #[test]
    fn about_answers_are_from_the_list() {
        assert_eq!(
            parse_about("Yes", "", "18–24").ok(),
            Some(About {
                first_event: Some("Yes".into()),
                member: None,
                age_band: Some("18–24".into()),
            })
        );
        assert!(parse_about("Maybe", "", "").is_err());
    }
}
