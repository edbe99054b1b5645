//! The two reports, built from one collation:
//!
//! - the **local campaign pack** (for local organisers): everything shown, table by table,
//!   with names people chose to give, campaign ideas, personal stories, images and figures;
//! - the **policy briefing** (for the policy team): anonymous by construction. It is built
//!   only from the fields listed in [`policy`]: never a display name, a facilitator's name, a
//!   hidden reason, an image or its caption, or a personal story. Counts of people under 5 are
//!   written as "fewer than 5", and quotes that look like an email address, phone number or
//!   postcode carry a flag for the organiser to redact before sharing.
//!
//! Documents go to HTML, Markdown, DOCX and PDF; sheets go to CSV and XLSX.

use facilitator_ui::doc::{Block, Card, Doc, Image, Reply, Section};

use super::Audience;
use super::collate::{Collated, Item, SimilarGroup};
use super::pii;
use super::sheet::{Cell, Sheet};
use super::synth::KeyTerm;

/// Tags the reports know by name (the event's defaults).
pub const TAG_CAMPAIGN: &str = "local campaign idea";
pub const TAG_PROPOSAL: &str = "policy proposal";
pub const TAG_STORY: &str = "personal story";

/// Smallest count of people the policy briefing states exactly.
pub const SUPPRESS_BELOW: i64 = 5;

/// A count of people, suppressed under 5 in the policy briefing.
pub fn people_count(n: i64, audience: Audience) -> String {
    if audience == Audience::Policy && n > 0 && n < SUPPRESS_BELOW {
        "fewer than 5".to_string()
    } else {
        n.to_string()
    }
}

/// A comment's text as the policy briefing quotes it: contact details replaced.
pub fn policy_text(i: &Item) -> String {
    if i.pii.is_empty() {
        i.text.clone()
    } else {
        pii::redact(&i.text)
    }
}

/// The policy briefing's mark on a comment that held contact details.
pub fn policy_flag(found: &[pii::Pii]) -> Option<String> {
    pii::warning(found).map(|w| {
        format!(
            "{} Replaced by {} here; check the rest of it before sharing.",
            w.trim_end_matches(": check before sharing.").replacen(
                "Looks like it holds",
                "This comment held what looks like",
                1
            ) + ".",
            pii::REMOVED
        )
    })
}

fn plural(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn table_label(c: &Collated, number: i64) -> String {
    match c.table(number) {
        Some(t) if !t.theme.trim().is_empty() => format!("Table {number}: {}", t.theme),
        _ => format!("Table {number}"),
    }
}

fn terms_line(terms: &[KeyTerm]) -> String {
    terms
        .iter()
        .map(|t| t.term.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The lines under a report's title: place and date, campaign, when it was made.
pub fn lines(c: &Collated) -> Vec<String> {
    let mut out = Vec::new();
    let when: Vec<&str> = [c.place.as_str(), c.date.as_str()]
        .into_iter()
        .filter(|s| !s.trim().is_empty())
        .collect();
    if !when.is_empty() {
        out.push(when.join(" · "));
    }
    if let Some(campaign) = &c.campaign {
        out.push(format!("Campaign: {campaign}"));
    }
    out.push(format!("Made {} by Roundtable", c.generated_at));
    out
}

/// A comment as a card for the given audience.
fn card(c: &Collated, item: &Item, audience: Audience, with_table: bool) -> Card {
    let local = audience == Audience::Local;
    let mut marks = Vec::new();
    if item.starred {
        marks.push("★ Starred".to_string());
    }
    if item.highlighted {
        marks.push("On the wall".to_string());
    }
    let mut meta = Vec::new();
    if local && item.agrees > 0 {
        meta.push(plural(item.agrees, "person agrees", "people agree"));
    } else if !local && item.agrees >= SUPPRESS_BELOW {
        meta.push(format!("{} people agree", item.agrees));
    }
    if item.merged_count > 0 {
        if local {
            meta.push(format!("+{} similar", item.merged_count));
        } else if item.people() >= SUPPRESS_BELOW {
            meta.push(format!("{} people said this", item.people()));
        }
    }
    if with_table {
        let round = if c.rounds.len() > 1 {
            format!(" · Round {}", item.round_number)
        } else {
            String::new()
        };
        meta.push(format!("{}{round}", table_label(c, item.table_number)));
    }
    if item.transcribed {
        meta.push("said aloud, typed by a facilitator".to_string());
    }
    if local && let Some(name) = &item.name {
        meta.push(format!("— {name}"));
    }
    if item.edited {
        meta.push("corrected by a facilitator".to_string());
    }
    for t in &item.tags {
        meta.push(format!("#{t}"));
    }
    let replies = item
        .replies
        .iter()
        .map(|r| Reply {
            text: r.text.clone(),
            meta: {
                let mut m = Vec::new();
                if local {
                    if r.agrees > 0 {
                        m.push(plural(r.agrees, "person agrees", "people agree"));
                    }
                    if let Some(name) = &r.name {
                        m.push(format!("— {name}"));
                    }
                } else if r.agrees >= SUPPRESS_BELOW {
                    m.push(format!("{} people agree", r.agrees));
                }
                m
            },
            flag: (!local).then(|| policy_flag(&r.pii)).flatten(),
        })
        .collect();
    Card {
        text: if local {
            item.text.clone()
        } else {
            policy_text(item)
        },
        marks,
        meta,
        // The local pack is for the organisers who hold the data anyway; the briefing
        // replaces contact details and says so.
        flag: (!local).then(|| policy_flag(&item.pii)).flatten(),
        replies: if local { replies } else { Vec::new() },
    }
}

fn group_card(c: &Collated, g: &SimilarGroup, audience: Audience) -> Card {
    let rep = &c.items[g.members[0]];
    let mut card = card(c, rep, audience, false);
    card.marks.clear();
    card.meta = vec![
        format!(
            "{} people made this point",
            people_count(g.people, audience)
        ),
        match g.tables.as_slice() {
            [one] => table_label(c, *one),
            many => format!(
                "at tables {}",
                many.iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    ];
    card
}

fn figures_block(c: &Collated, audience: Audience) -> Block {
    let f = &c.figures;
    let mut pairs = vec![
        ("Comments".to_string(), f.comments.to_string()),
        ("Replies".to_string(), f.replies.to_string()),
        (
            "People who wrote".to_string(),
            people_count(f.contributors, audience),
        ),
        (
            "People who agreed with a comment".to_string(),
            people_count(f.agreers, audience),
        ),
        // Fewer than 5 agreements would tell how many people agreed (at most that many).
        (
            "Agreements".to_string(),
            people_count(f.agreements, audience),
        ),
        (
            "Written on phones / typed in from what was said aloud".to_string(),
            format!("{} / {}", f.written, f.transcribed),
        ),
        (
            "Tables with comments".to_string(),
            format!("{} of {}", f.tables_with_comments, c.tables.len()),
        ),
    ];
    if audience == Audience::Local {
        pairs.push(("Duplicates merged".to_string(), f.merged.to_string()));
        pairs.push((
            "Left out: hidden / never approved".to_string(),
            format!("{} / {}", f.hidden_left_out, f.waiting_left_out),
        ));
    }
    Block::Figures(pairs)
}

fn participation_table(c: &Collated, audience: Audience) -> Block {
    Block::Table {
        head: vec![
            "Table".into(),
            "Theme".into(),
            "Comments".into(),
            "People who wrote".into(),
            "Written by the two most active".into(),
        ],
        rows: c
            .tables
            .iter()
            .map(|t| {
                vec![
                    t.number.to_string(),
                    t.theme.clone(),
                    t.comments.to_string(),
                    people_count(t.contributors, audience),
                    match t.top_two_share {
                        // The share of two people's words says little once fewer than 5 wrote.
                        Some(_) if audience == Audience::Policy && t.contributors < 5 => {
                            "–".to_string()
                        }
                        Some(s) => format!("{:.0}%", s * 100.0),
                        None => "–".to_string(),
                    },
                ]
            })
            .collect(),
    }
}

fn rounds_block(c: &Collated) -> Option<Block> {
    (!c.rounds.is_empty()).then(|| {
        Block::Bullets(
            c.rounds
                .iter()
                .map(|r| format!("Round {}: {}", r.number, r.prompt))
                .collect(),
        )
    })
}

/// Items ranked by agreement (then replies, then first written), at most `n`.
fn most_agreed(c: &Collated, n: usize, keep: impl Fn(&Item) -> bool) -> Vec<&Item> {
    let mut v: Vec<&Item> = c.items.iter().filter(|i| i.agrees > 0 && keep(i)).collect();
    v.sort_by(|a, b| {
        b.agrees
            .cmp(&a.agrees)
            .then(b.replies.len().cmp(&a.replies.len()))
            .then(a.id.cmp(&b.id))
    });
    v.truncate(n);
    v
}

fn most_replied(c: &Collated, n: usize) -> Vec<&Item> {
    let mut v: Vec<&Item> = c.items.iter().filter(|i| !i.replies.is_empty()).collect();
    v.sort_by(|a, b| b.replies.len().cmp(&a.replies.len()).then(a.id.cmp(&b.id)));
    v.truncate(n);
    v
}

/// A report's head alone (title, kind, lines), for formats that need no more of it.
pub fn head(c: &Collated, audience: Audience) -> Doc {
    Doc {
        title: c.title.clone(),
        kind: audience.label().into(),
        lines: lines(c),
        ..Doc::default()
    }
}

/// The local campaign pack.
pub fn local(c: &Collated) -> Doc {
    let a = Audience::Local;
    let mut sections = Vec::new();

    let mut glance = vec![figures_block(c, a)];
    if !c.description.trim().is_empty() {
        glance.insert(0, Block::Para(c.description.clone()));
    }
    if let Some(b) = rounds_block(c) {
        glance.push(Block::Heading("The questions".into()));
        glance.push(b);
    }
    if !c.key_terms.is_empty() {
        glance.push(Block::Heading("What came up most".into()));
        glance.push(Block::Para(terms_line(&c.key_terms)));
    }
    glance.push(Block::Heading("Participation by table".into()));
    glance.push(participation_table(c, a));
    sections.push(Section {
        id: "at-a-glance".into(),
        title: "The event at a glance".into(),
        new_page: false,
        blocks: glance,
    });

    let tagged_section = |id: &str, title: &str, tag: &str, empty: &str| {
        let cards: Vec<Block> = c
            .tagged(tag)
            .map(|i| Block::Card(card(c, i, a, true)))
            .collect();
        Section {
            id: id.into(),
            title: title.into(),
            new_page: false,
            blocks: if cards.is_empty() {
                vec![Block::Note(empty.into())]
            } else {
                cards
            },
        }
    };
    sections.push(tagged_section(
        "campaign-ideas",
        "Local campaign ideas",
        TAG_CAMPAIGN,
        "No comment was tagged \u{201c}local campaign idea\u{201d}. Facilitators tag them on the console.",
    ));

    let mut common = Vec::new();
    let big: Vec<&SimilarGroup> = c
        .groups
        .iter()
        .filter(|g| g.members.len() > 1)
        .take(15)
        .collect();
    if !big.is_empty() {
        common.push(Block::Note(
            "Comments that say much the same thing, found by comparing their words. Each \
             shows one comment that stands for the rest."
                .into(),
        ));
        for g in big {
            common.push(Block::Card(group_card(c, g, a)));
        }
    }
    let agreed = most_agreed(c, 10, |_| true);
    if !agreed.is_empty() {
        common.push(Block::Heading("Most agreed".into()));
        common.extend(agreed.into_iter().map(|i| Block::Card(card(c, i, a, true))));
    }
    let replied = most_replied(c, 5);
    if !replied.is_empty() {
        common.push(Block::Heading("Most replied to".into()));
        common.extend(
            replied
                .into_iter()
                .map(|i| Block::Card(card(c, i, a, true))),
        );
    }
    if !common.is_empty() {
        sections.push(Section {
            id: "said-most".into(),
            title: "What people said most".into(),
            new_page: false,
            blocks: common,
        });
    }
    sections.push(tagged_section(
        "personal-stories",
        "Personal stories",
        TAG_STORY,
        "No comment was tagged \u{201c}personal story\u{201d}.",
    ));
    sections.push(pledges_section(&c.pledges));

    for t in &c.tables {
        let mut blocks = Vec::new();
        if !t.description.trim().is_empty() {
            blocks.push(Block::Para(t.description.clone()));
        }
        blocks.push(Block::Figures(vec![
            ("Comments".into(), t.comments.to_string()),
            ("People who wrote".into(), t.contributors.to_string()),
        ]));
        if !t.key_terms.is_empty() {
            blocks.push(Block::Note(format!(
                "Key terms: {}",
                terms_line(&t.key_terms)
            )));
        }
        let mut any = false;
        for r in &c.rounds {
            let here: Vec<&Item> = c.items_at(t.number, r.number).collect();
            if here.is_empty() {
                continue;
            }
            any = true;
            blocks.push(Block::Heading(format!("Round {}: {}", r.number, r.prompt)));
            blocks.extend(here.into_iter().map(|i| Block::Card(card(c, i, a, false))));
        }
        if !any {
            blocks.push(Block::Note("Nothing was written at this table.".into()));
        }
        for img in c.images.iter().filter(|i| i.table_number == Some(t.number)) {
            blocks.push(image_block(img));
        }
        sections.push(Section {
            id: format!("table-{}", t.number),
            title: table_label(c, t.number),
            new_page: true,
            blocks,
        });
    }
    let room_images: Vec<Block> = c
        .images
        .iter()
        .filter(|i| i.table_number.is_none())
        .map(image_block)
        .collect();
    if !room_images.is_empty() {
        sections.push(Section {
            id: "images".into(),
            title: "Images from the room".into(),
            new_page: true,
            blocks: room_images,
        });
    }
    Doc {
        title: c.title.clone(),
        kind: "Local campaign pack".into(),
        lines: lines(c),
        notice: Some(
            "For the local organisers. It holds the names people chose to give with their \
             comments: keep it within the organising team. The policy team gets the policy \
             briefing instead."
                .into(),
        ),
        sections,
    }
}

/// The pledges: how many chose each action, then the people who asked to be contacted.
/// Local campaign pack only.
fn pledges_section(p: &super::collate::PledgeSummary) -> Section {
    let mut blocks = Vec::new();
    if p.people == 0 {
        blocks.push(Block::Note("Nobody pledged an action.".into()));
    } else {
        blocks.push(Block::Para(format!(
            "{} committed to act; {} of them asked to be contacted.",
            if p.people == 1 {
                "1 person".to_string()
            } else {
                format!("{} people", p.people)
            },
            p.contacts.len()
        )));
        blocks.push(Block::Table {
            head: vec!["Action".into(), "Follows up".into(), "People".into()],
            rows: p
                .actions
                .iter()
                .map(|(label, table, n)| {
                    vec![
                        label.clone(),
                        table.clone().unwrap_or_else(|| "–".into()),
                        n.to_string(),
                    ]
                })
                .collect(),
        });
    }
    if !p.contacts.is_empty() {
        blocks.push(Block::Heading("People to contact".into()));
        blocks.push(Block::Note(
            "Each ticked a box agreeing to be contacted by phone or text, or by email (only the \
             channels filled in below), about the actions they chose and nothing else. Their \
             details are kept apart from what they wrote. Keep this list within the organising \
             team and delete it once the follow-up is done."
                .into(),
        ));
        blocks.push(Block::Table {
            head: vec![
                "Name".into(),
                "Phone".into(),
                "Email".into(),
                "Actions".into(),
            ],
            rows: p
                .contacts
                .iter()
                .map(|c| {
                    vec![
                        if c.name.is_empty() {
                            "(no name given)".into()
                        } else {
                            c.name.clone()
                        },
                        c.phone.clone().unwrap_or_default(),
                        c.email.clone().unwrap_or_default(),
                        c.actions.join("; "),
                    ]
                })
                .collect(),
        });
    }
    Section {
        id: "pledges".into(),
        title: "Pledges".into(),
        new_page: true,
        blocks,
    }
}

fn image_block(img: &super::collate::ReportImage) -> Block {
    Block::Image(Image {
        jpeg: img.jpeg.clone(),
        width: img.width,
        height: img.height,
        caption: img.caption.clone(),
    })
}

/// Whether an item may be quoted in the policy briefing: personal stories stay local.
fn quotable(i: &Item) -> bool {
    !i.has_tag(TAG_STORY)
}

/// The policy briefing. Reads only: title, place, date, campaign name, round questions,
/// table themes and descriptions, comment texts (never a personal story), their tags,
/// agreement and merge counts, stars and highlights, and the figures. Nothing else.
pub fn policy(c: &Collated) -> Doc {
    let a = Audience::Policy;
    let mut sections = Vec::new();
    let flagged = c
        .items
        .iter()
        .filter(|i| quotable(i) && !i.pii.is_empty())
        .count();

    let mut glance = vec![figures_block(c, a)];
    if let Some(b) = rounds_block(c) {
        glance.push(Block::Heading("The questions".into()));
        glance.push(b);
    }
    glance.push(Block::Heading("Participation by table".into()));
    glance.push(participation_table(c, a));
    sections.push(Section {
        id: "at-a-glance".into(),
        title: "At a glance".into(),
        new_page: false,
        blocks: glance,
    });

    let mut themes = Vec::new();
    // Terms at least 5 comments mention: a count under 5 would be suppressed anyway.
    let terms: Vec<&KeyTerm> = c
        .key_terms
        .iter()
        .filter(|t| t.comments as i64 >= SUPPRESS_BELOW)
        .collect();
    if !terms.is_empty() {
        themes.push(Block::Table {
            head: vec!["Key term".into(), "Comments mentioning it".into()],
            rows: terms
                .iter()
                .map(|t| vec![t.term.clone(), t.comments.to_string()])
                .collect(),
        });
    } else if !c.key_terms.is_empty() {
        themes.push(Block::Note(format!(
            "Terms that came up (each in fewer than 5 comments): {}.",
            terms_line(&c.key_terms)
        )));
    }
    let groups: Vec<&SimilarGroup> = c
        .groups
        .iter()
        .filter(|g| g.members.len() > 1 && quotable(&c.items[g.members[0]]))
        .take(15)
        .collect();
    if !groups.is_empty() {
        themes.push(Block::Heading("Points several people made".into()));
        themes.extend(groups.into_iter().map(|g| Block::Card(group_card(c, g, a))));
    }
    if !themes.is_empty() {
        sections.push(Section {
            id: "themes".into(),
            title: "Themes and key points".into(),
            new_page: false,
            blocks: themes,
        });
    }

    let proposals: Vec<Block> = c
        .tagged(TAG_PROPOSAL)
        .filter(|i| quotable(i))
        .map(|i| Block::Card(card(c, i, a, true)))
        .collect();
    sections.push(Section {
        id: "proposals".into(),
        title: "Proposals".into(),
        new_page: false,
        blocks: if proposals.is_empty() {
            vec![Block::Note(
                "No comment was tagged \u{201c}policy proposal\u{201d}.".into(),
            )]
        } else {
            proposals
        },
    });

    let agreed: Vec<Block> = most_agreed(c, 10, quotable)
        .into_iter()
        .map(|i| Block::Card(card(c, i, a, true)))
        .collect();
    if !agreed.is_empty() {
        sections.push(Section {
            id: "most-agreed".into(),
            title: "Most agreed".into(),
            new_page: false,
            blocks: agreed,
        });
    }

    for t in &c.tables {
        let mut blocks = Vec::new();
        if !t.description.trim().is_empty() {
            blocks.push(Block::Para(t.description.clone()));
        }
        blocks.push(Block::Figures(vec![
            ("Comments".into(), t.comments.to_string()),
            ("People who wrote".into(), people_count(t.contributors, a)),
        ]));
        if !t.key_terms.is_empty() {
            blocks.push(Block::Note(format!(
                "Key terms: {}",
                terms_line(&t.key_terms)
            )));
        }
        // Key points: starred and highlighted first, then the most agreed; representative.
        let mut here: Vec<&Item> = c
            .items
            .iter()
            .filter(|i| i.table_number == t.number && quotable(i))
            .collect();
        here.sort_by(|x, y| {
            y.starred
                .cmp(&x.starred)
                .then(y.highlighted.cmp(&x.highlighted))
                .then(y.people().cmp(&x.people()))
                .then(y.agrees.cmp(&x.agrees))
                .then(x.id.cmp(&y.id))
        });
        let shown = here.len().min(8);
        if here.is_empty() {
            blocks.push(Block::Note("Nothing was written at this table.".into()));
        } else {
            blocks.push(Block::Heading("Key points".into()));
            blocks.extend(
                here.iter()
                    .take(shown)
                    .map(|i| Block::Card(card(c, i, a, c.rounds.len() > 1))),
            );
            if here.len() > shown {
                blocks.push(Block::Note(format!(
                    "{} more comments from this table are in the local campaign pack.",
                    here.len() - shown
                )));
            }
        }
        sections.push(Section {
            id: format!("table-{}", t.number),
            title: table_label(c, t.number),
            new_page: true,
            blocks,
        });
    }

    sections.push(Section {
        id: "method".into(),
        title: "How this briefing was made".into(),
        new_page: false,
        blocks: vec![Block::Bullets(vec![
            "Made by Roundtable on the organisers' own server from what attendees wrote on \
             their phones and what facilitators typed in from the discussion. Nothing was sent \
             to any outside service."
                .into(),
            "Comments hidden by facilitators, never approved, or merged into another are left \
             out; merged comments are counted with the one they were merged into."
                .into(),
            "Key terms and groups of similar comments are found by comparing words (TF-IDF), \
             the same way every time."
                .into(),
            "Anonymous: no names, contact details or personal stories. Counts of fewer than \
             5 people are not given exactly."
                .into(),
        ])],
    });

    let notice = if flagged > 0 {
        format!(
            "{} held what looks like an email address, phone number or postcode: those \
             details are replaced by {} and the {} marked. Names and other details can't \
             be found automatically, so read the marked {} before sharing.",
            plural(flagged as i64, "comment", "comments"),
            pii::REMOVED,
            if flagged == 1 {
                "comment is"
            } else {
                "comments are"
            },
            if flagged == 1 { "one" } else { "ones" }
        )
    } else {
        "Anonymous: no names or contact details. Counts of fewer than 5 people are not given \
         exactly."
            .to_string()
    };
    Doc {
        title: c.title.clone(),
        kind: "Policy briefing".into(),
        lines: lines(c),
        notice: Some(notice),
        sections,
    }
}

fn time_cell(ms: i64) -> Cell {
    Cell::from(super::format_utc(ms))
}

/// The sheets: comments (one row per shown comment or reply), tables, key terms.
pub fn sheets(c: &Collated, audience: Audience) -> Vec<Sheet> {
    let local = audience == Audience::Local;
    let mut head: Vec<String> = [
        "id",
        "table",
        "theme",
        "round",
        "text",
        "reply to",
        "status",
        "starred",
        "tags",
        "agreement",
        "similar merged",
        "transcribed or written",
        "edited",
        "time",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if local {
        head.push("name".into());
    } else {
        head.push("check for personal data".into());
        // Suppressed counts are left blank, so the column stays numbers for analysis.
        if let Some(h) = head.iter_mut().find(|h| *h == "agreement") {
            *h = "agreement (blank: fewer than 5)".into();
        }
    }
    let count_cell = |n: i64| {
        if local || n == 0 || n >= SUPPRESS_BELOW {
            Cell::Int(n)
        } else {
            Cell::Empty
        }
    };
    // Values that repeat down a column: one allocation each, shared by every row.
    let word = |w: &str| -> Cell { w.into() };
    let (on_wall, shown, yes, no) = (word("on the wall"), word("shown"), word("yes"), word(""));
    let (transcribed, written) = (word("transcribed"), word("written"));
    let themes: std::collections::HashMap<i64, Cell> = c
        .tables
        .iter()
        .map(|t| (t.number, word(&t.theme)))
        .collect();
    let flag = |b: bool| if b { yes.clone() } else { no.clone() };
    let mut rows = Vec::with_capacity(c.items.len());
    let mut push = |i: &Item| {
        if !local && !quotable(i) {
            return;
        }
        let mut row = vec![
            Cell::Int(i.id),
            Cell::Int(i.table_number),
            themes.get(&i.table_number).cloned().unwrap_or(Cell::Empty),
            Cell::Int(i.round_number),
            Cell::from(if local {
                i.text.clone()
            } else {
                policy_text(i)
            }),
            i.reply_to.map(Cell::Int).unwrap_or(Cell::Empty),
            if i.highlighted {
                on_wall.clone()
            } else {
                shown.clone()
            },
            flag(i.starred),
            if i.tags.is_empty() {
                no.clone()
            } else {
                Cell::from(i.tags.join("; "))
            },
            count_cell(i.agrees),
            Cell::Int(i.merged_count),
            if i.transcribed {
                transcribed.clone()
            } else {
                written.clone()
            },
            flag(i.edited),
            time_cell(i.created_at),
        ];
        if local {
            row.push(i.name.clone().map(Cell::from).unwrap_or(Cell::Empty));
        } else {
            row.push(policy_flag(&i.pii).map(Cell::from).unwrap_or(Cell::Empty));
        }
        rows.push(row);
    };
    for i in &c.items {
        push(i);
        if local {
            for r in &i.replies {
                push(r);
            }
        }
    }
    let comments = Sheet {
        name: "Comments".into(),
        head,
        rows,
    };
    let tables = Sheet {
        name: "Tables".into(),
        head: [
            "table",
            "theme",
            "description",
            "comments",
            "people who wrote",
            "share of the two most active",
            "key terms",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        rows: c
            .tables
            .iter()
            .map(|t| {
                vec![
                    Cell::Int(t.number),
                    Cell::from(t.theme.clone()),
                    Cell::from(t.description.clone()),
                    Cell::Int(t.comments),
                    count_cell(t.contributors),
                    match t.top_two_share {
                        Some(s) if local || t.contributors >= SUPPRESS_BELOW => {
                            Cell::from(format!("{:.0}%", s * 100.0))
                        }
                        _ => Cell::Empty,
                    },
                    Cell::from(terms_line(&t.key_terms)),
                ]
            })
            .collect(),
    };
    let mut term_rows = Vec::new();
    for t in &c.key_terms {
        term_rows.push(vec![
            Cell::from("whole event"),
            Cell::from(t.term.clone()),
            count_cell(t.comments as i64),
            Cell::from(format!("{:.3}", t.score)),
        ]);
    }
    for table in &c.tables {
        for t in &table.key_terms {
            term_rows.push(vec![
                Cell::from(format!("table {}", table.number)),
                Cell::from(t.term.clone()),
                count_cell(t.comments as i64),
                Cell::from(format!("{:.3}", t.score)),
            ]);
        }
    }
    let terms = Sheet {
        name: "Key terms".into(),
        head: ["where", "term", "comments", "score"]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        rows: term_rows,
    };
    let mut out = vec![comments, tables, terms];
    if local {
        out.extend(pledge_sheets(&c.pledges));
    }
    if !local {
        for (sheet, col) in [(1, "people who wrote"), (2, "comments")] {
            if let Some(h) = out[sheet].head.iter_mut().find(|h| *h == col) {
                *h = format!("{col} (blank: fewer than 5)");
            }
        }
    }
    out
}

/// The local pack's pledge sheets: how many chose each action, and the people who agreed
/// to be contacted (never joined to any comment).
fn pledge_sheets(p: &super::collate::PledgeSummary) -> [Sheet; 2] {
    let head = |cols: &[&str]| cols.iter().map(|s| s.to_string()).collect();
    [
        Sheet {
            name: "Pledges".into(),
            head: head(&["action", "follows up", "people"]),
            rows: p
                .actions
                .iter()
                .map(|(label, table, n)| {
                    vec![
                        Cell::from(label.clone()),
                        Cell::from(table.clone().unwrap_or_default()),
                        Cell::Int(*n),
                    ]
                })
                .collect(),
        },
        Sheet {
            name: "Pledge contacts".into(),
            head: head(&["name", "phone", "email", "actions"]),
            rows: p
                .contacts
                .iter()
                .map(|c| {
                    vec![
                        Cell::from(c.name.clone()),
                        Cell::from(c.phone.clone().unwrap_or_default()),
                        Cell::from(c.email.clone().unwrap_or_default()),
                        Cell::from(c.actions.join("; ")),
                    ]
                })
                .collect(),
        },
    ]
}
