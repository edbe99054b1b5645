//! The campaign policy briefing: one tour's events (the same themes in several towns)
//! compared. What came up everywhere, what was local to one place, points made in several
//! places, and each place's own key points. Anonymous by the same rules as the event
//! briefing ([`super::build::policy`]): built from policy-safe fields only, counts of people
//! under 5 suppressed, personal stories left out, personal-looking text flagged.

use std::collections::{BTreeMap, BTreeSet};

use facilitator_ui::doc::{Block, Card, Doc, Section};

use super::Audience;
use super::build::{SUPPRESS_BELOW, TAG_PROPOSAL, TAG_STORY, people_count};
use super::collate::{Collated, Item};
use super::pii;
use super::sheet::{Cell, Sheet};
use super::synth::Corpus;

/// The place in short: up to its first comma ("Seaham Community Centre, Tempest Road" →
/// "Seaham Community Centre"), or the event's title when it has no place.
fn short_place(c: &Collated) -> String {
    let p = c.place.split(',').next().unwrap_or_default().trim();
    if p.is_empty() {
        c.title.clone()
    } else {
        p.to_string()
    }
}

/// Which places: "all 3" when every one, else their names.
fn places_of(events: &[std::sync::Arc<Collated>], which: &[usize]) -> String {
    if which.len() == events.len() && events.len() > 2 {
        return format!("all {}", events.len());
    }
    which
        .iter()
        .filter_map(|&e| events.get(e).map(|c| short_place(c)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn place_label(c: &Collated) -> String {
    match (c.place.trim().is_empty(), c.date.trim().is_empty()) {
        (false, false) => format!("{} ({})", c.place, c.date),
        (false, true) => c.place.clone(),
        (true, false) => format!("{} ({})", c.title, c.date),
        (true, true) => c.title.clone(),
    }
}

fn quotable(i: &Item) -> bool {
    !i.has_tag(TAG_STORY)
}

fn quote(i: &Item, place: &str) -> Card {
    let mut meta = vec![place.to_string()];
    if i.agrees >= SUPPRESS_BELOW {
        meta.push(format!("{} people agree", i.agrees));
    }
    Card {
        text: super::build::policy_text(i),
        marks: Vec::new(),
        meta,
        flag: super::build::policy_flag(&i.pii),
        replies: Vec::new(),
    }
}

/// The campaign briefing over its events' collations (each built for the policy team's eyes:
/// only policy-safe fields are read here).
pub fn briefing(name: &str, events: &[std::sync::Arc<Collated>], generated_at: &str) -> Doc {
    let a = Audience::Policy;
    // Every quotable comment of the tour, with the event it came from.
    let mut all: Vec<(usize, &Item)> = Vec::new();
    for (e, c) in events.iter().enumerate() {
        all.extend(c.items.iter().filter(|i| quotable(i)).map(|i| (e, i)));
    }
    let corpus = Corpus::new(all.iter().map(|(_, i)| i.text.as_str()));
    let parts: Vec<Vec<usize>> = (0..events.len())
        .map(|e| {
            all.iter()
                .enumerate()
                .filter(|(_, (ev, _))| *ev == e)
                .map(|(n, _)| n)
                .collect()
        })
        .collect();
    let places: Vec<String> = events.iter().map(|c| place_label(c)).collect();
    let mut sections = Vec::new();

    sections.push(Section {
        id: "places".into(),
        title: "The events".into(),
        new_page: false,
        blocks: vec![Block::Table {
            head: vec![
                "Place".into(),
                "Event".into(),
                "Tables".into(),
                "Comments".into(),
                "People who wrote".into(),
            ],
            rows: events
                .iter()
                .zip(&places)
                .map(|(c, p)| {
                    vec![
                        p.clone(),
                        c.title.clone(),
                        c.tables.len().to_string(),
                        c.figures.comments.to_string(),
                        people_count(c.figures.contributors, a),
                    ]
                })
                .collect(),
        }],
    });

    // What came up in most places: at least half of them (and at least two).
    let min_parts = events.len().div_ceil(2).max(2);
    let shared = corpus.shared_terms(&parts, min_parts, 15);
    let mut everywhere = Vec::new();
    if events.len() < 2 {
        everywhere.push(Block::Note(
            "Only one event is in this campaign so far: add more to compare places.".into(),
        ));
    } else if shared.is_empty() {
        everywhere.push(Block::Note(
            "No term came up in at least half of the places.".into(),
        ));
    } else {
        everywhere.push(Block::Table {
            head: vec![
                "Term".into(),
                "Places".into(),
                "Comments mentioning it".into(),
            ],
            rows: shared
                .iter()
                .map(|(t, ps)| {
                    vec![
                        t.term.clone(),
                        places_of(events, ps),
                        people_count(t.comments as i64, a),
                    ]
                })
                .collect(),
        });
    }
    // Points made in several places.
    let groups = corpus.groups(&(0..all.len()).collect::<Vec<_>>());
    let mut several = 0;
    for g in &groups {
        let in_events: BTreeSet<usize> = g.members.iter().map(|&m| all[m].0).collect();
        if in_events.len() < 2 || several >= 12 {
            continue;
        }
        if several == 0 {
            everywhere.push(Block::Heading("Points made in several places".into()));
        }
        several += 1;
        let people: i64 = g.members.iter().map(|&m| all[m].1.people()).sum();
        let (_, rep) = all[g.members[0]];
        let mut card = quote(rep, "");
        card.meta = vec![
            format!("{} people made this point", people_count(people, a)),
            format!(
                "in {}",
                places_of(events, &in_events.iter().copied().collect::<Vec<_>>())
            ),
        ];
        everywhere.push(Block::Card(card));
    }
    sections.push(Section {
        id: "everywhere".into(),
        title: "What came up everywhere".into(),
        new_page: false,
        blocks: everywhere,
    });

    // Table themes across places.
    let mut themes: BTreeMap<String, (String, Vec<(usize, i64)>)> = BTreeMap::new();
    for (e, c) in events.iter().enumerate() {
        for t in &c.tables {
            let key = t.theme.trim().to_lowercase();
            if key.is_empty() {
                continue;
            }
            let entry = themes
                .entry(key)
                .or_insert_with(|| (t.theme.clone(), Vec::new()));
            entry.1.push((e, t.comments));
        }
    }
    let mut theme_rows: Vec<(String, Vec<(usize, i64)>)> = themes.into_values().collect();
    theme_rows.sort_by(|x, y| y.1.len().cmp(&x.1.len()).then(x.0.cmp(&y.0)));
    sections.push(Section {
        id: "themes".into(),
        title: "Themes across the places".into(),
        new_page: false,
        blocks: vec![Block::Table {
            head: vec!["Theme".into(), "Places".into(), "Comments".into()],
            rows: theme_rows
                .iter()
                .map(|(theme, at)| {
                    vec![
                        theme.clone(),
                        places_of(events, &at.iter().map(|(e, _)| *e).collect::<Vec<_>>()),
                        at.iter().map(|(_, n)| n).sum::<i64>().to_string(),
                    ]
                })
                .collect(),
        }],
    });

    // Each place: what was local to it, its proposals and key points.
    let local_terms = corpus.key_terms(&parts, 8);
    for (e, c) in events.iter().enumerate() {
        let mut blocks = Vec::new();
        if let Some(terms) = local_terms
            .get(e)
            .filter(|t| !t.is_empty() && events.len() > 1)
        {
            blocks.push(Block::Para(format!(
                "What stood out here against the other places: {}.",
                terms
                    .iter()
                    .map(|t| t.term.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let mut here: Vec<&Item> = c.items.iter().filter(|i| quotable(i)).collect();
        here.sort_by(|x, y| {
            y.has_tag(TAG_PROPOSAL)
                .cmp(&x.has_tag(TAG_PROPOSAL))
                .then(y.starred.cmp(&x.starred))
                .then(y.highlighted.cmp(&x.highlighted))
                .then(y.people().cmp(&x.people()))
                .then(y.agrees.cmp(&x.agrees))
                .then(x.id.cmp(&y.id))
        });
        if here.is_empty() {
            blocks.push(Block::Note("Nothing was written at this event yet.".into()));
        }
        for i in here.into_iter().take(6) {
            let theme = c
                .table(i.table_number)
                .map(|t| t.theme.clone())
                .unwrap_or_default();
            let mut card = quote(i, &theme);
            if i.has_tag(TAG_PROPOSAL) {
                card.marks.push("Proposal".into());
            }
            blocks.push(Block::Card(card));
        }
        sections.push(Section {
            id: format!("place-{}", e + 1),
            title: places[e].clone(),
            new_page: true,
            blocks,
        });
    }
    sections.push(Section {
        id: "method".into(),
        title: "How this briefing was made".into(),
        new_page: false,
        blocks: vec![Block::Bullets(vec![
            "Each event's visible comments, compared by their words (TF-IDF) on the \
             organisers' own server; nothing was sent to any outside service."
                .into(),
            "A term \u{201c}came up everywhere\u{201d} when comments mention it in at least half \
             of the places."
                .into(),
            "Anonymous: no names, contact details or personal stories. Counts of fewer than 5 \
             people are not given exactly."
                .into(),
        ])],
    });
    let flagged = all.iter().filter(|(_, i)| !i.pii.is_empty()).count();
    Doc {
        title: name.to_string(),
        kind: "Campaign policy briefing".into(),
        lines: vec![
            format!(
                "{}: {}",
                if events.len() == 1 {
                    "1 event".to_string()
                } else {
                    format!("{} events", events.len())
                },
                events
                    .iter()
                    .map(|c| short_place(c))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            format!("Made {generated_at} by Roundtable"),
        ],
        notice: Some(if flagged > 0 {
            format!(
                "{} in this campaign held what looks like an email address, phone number \
                 or postcode: where quoted, those details are replaced by {} and marked.",
                if flagged == 1 {
                    "1 comment".to_string()
                } else {
                    format!("{flagged} comments")
                },
                pii::REMOVED
            )
        } else {
            "Anonymous: no names or contact details. Counts of fewer than 5 people are not \
             given exactly."
                .into()
        }),
        sections,
    }
}

/// The campaign's rows: every event's policy comment rows with the place first.
pub fn sheets(events: &[std::sync::Arc<Collated>]) -> Vec<Sheet> {
    let mut out: Vec<Sheet> = Vec::new();
    for c in events {
        let place = place_label(c);
        for (n, s) in super::build::sheets(c, Audience::Policy)
            .into_iter()
            .enumerate()
        {
            if out.len() <= n {
                let mut head = vec!["place".to_string()];
                head.extend(s.head.iter().cloned());
                out.push(Sheet {
                    name: s.name.clone(),
                    head,
                    rows: Vec::new(),
                });
            }
            let place_cell = Cell::from(place.as_str());
            if let Some(sheet) = out.get_mut(n) {
                for mut row in s.rows {
                    row.insert(0, place_cell.clone());
                    sheet.rows.push(row);
                }
            }
        }
    }
    if out.is_empty() {
        out = super::build::sheets(
            &Collated {
                event_id: 0,
                title: String::new(),
                place: String::new(),
                date: String::new(),
                description: String::new(),
                campaign: None,
                generated_at: String::new(),
                rounds: Vec::new(),
                tables: Vec::new(),
                items: Vec::new(),
                figures: Default::default(),
                key_terms: Vec::new(),
                groups: Vec::new(),
                images: Vec::new(),
                pledges: Default::default(),
            },
            Audience::Policy,
        );
    }
    out
}
