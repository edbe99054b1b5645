//! From an event's stored state to the collated session every report format is made from:
//! the comments people can see (never hidden, waiting or merged-away ones), replies under their
//! comment, figures, key terms and groups of similar comments. Deterministic: the same stored
//! state gives the same collation, whatever order storage returned it in.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use super::pii::{self, Pii};
use super::synth::{Corpus, KeyTerm};
use crate::model::{Comment, EventState, Source};

/// How many key terms each table and the event get.
const TABLE_TERMS: usize = 8;
const EVENT_TERMS: usize = 12;

/// A shown comment (or reply) as the reports see it.
#[derive(Debug, Clone)]
pub struct Item {
    pub id: i64,
    pub table_number: i64,
    pub round_number: i64,
    pub text: String,
    /// The display name the writer chose; the local pack only.
    pub name: Option<String>,
    pub agrees: i64,
    pub highlighted: bool,
    pub starred: bool,
    pub tags: Vec<String>,
    /// Duplicates merged into it.
    pub merged_count: i64,
    /// Typed in by a facilitator (a point made aloud).
    pub transcribed: bool,
    pub edited: bool,
    pub created_at: i64,
    /// The comment it answers, when that one is shown.
    pub reply_to: Option<i64>,
    /// Replies, oldest first (only on top-level items).
    pub replies: Vec<Item>,
    /// Personal data the text seems to hold.
    pub pii: Vec<Pii>,
}

impl Item {
    /// People behind it: the writer and those whose duplicates were merged into it.
    pub fn people(&self) -> i64 {
        1 + self.merged_count
    }
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t.eq_ignore_ascii_case(tag))
    }
}

/// A table with its figures and key terms.
#[derive(Debug, Clone)]
pub struct TableInfo {
    pub number: i64,
    pub theme: String,
    pub description: String,
    /// Shown comments, replies included.
    pub comments: i64,
    /// Distinct devices whose comments are shown there.
    pub contributors: i64,
    /// Share of attendee comments written by the two most active devices.
    pub top_two_share: Option<f64>,
    pub key_terms: Vec<KeyTerm>,
}

/// A round's question.
#[derive(Debug, Clone)]
pub struct RoundInfo {
    pub number: i64,
    pub prompt: String,
}

/// Similar comments: indices into `Collated::items`, the representative first.
#[derive(Debug, Clone)]
pub struct SimilarGroup {
    pub members: Vec<usize>,
    /// People behind all of them (merged duplicates count).
    pub people: i64,
    /// Table numbers it came up at, ascending.
    pub tables: Vec<i64>,
}

/// An image kept for the report.
#[derive(Debug, Clone)]
pub struct ReportImage {
    pub caption: String,
    pub table_number: Option<i64>,
    pub jpeg: Arc<[u8]>,
    pub width: u32,
    pub height: u32,
}

/// The numbers at a glance.
#[derive(Debug, Clone, Default)]
pub struct Figures {
    /// Shown top-level comments.
    pub comments: i64,
    pub replies: i64,
    /// Written on phones / typed in by facilitators (shown ones).
    pub written: i64,
    pub transcribed: i64,
    /// Distinct devices whose comments are shown.
    pub contributors: i64,
    /// Distinct devices that agreed with anything.
    pub agreers: i64,
    /// Agreements on shown comments.
    pub agreements: i64,
    pub merged: i64,
    pub hidden_left_out: i64,
    pub waiting_left_out: i64,
    pub tables_with_comments: i64,
}

/// Pledges, for the local campaign pack only (the policy builder never reads them).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PledgeSummary {
    /// People who pledged.
    pub people: i64,
    /// (action, the table it follows up, how many chose it), in the organiser's order.
    pub actions: Vec<(String, Option<String>, i64)>,
    /// Those who ticked a consent box, in the order they pledged.
    pub contacts: Vec<PledgeContact>,
}

/// Someone who agreed to be contacted about the actions they chose.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PledgeContact {
    pub name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub actions: Vec<String>,
}

/// One event, collated.
#[derive(Debug, Clone)]
pub struct Collated {
    pub event_id: i64,
    pub title: String,
    pub place: String,
    pub date: String,
    pub description: String,
    pub campaign: Option<String>,
    pub generated_at: String,
    pub rounds: Vec<RoundInfo>,
    pub tables: Vec<TableInfo>,
    /// Top-level shown comments: by table, round, then starred, highlighted, most agreed,
    /// first written.
    pub items: Vec<Item>,
    pub figures: Figures,
    pub key_terms: Vec<KeyTerm>,
    /// Biggest first.
    pub groups: Vec<SimilarGroup>,
    pub images: Vec<ReportImage>,
    pub pledges: PledgeSummary,
}

impl Collated {
    pub fn table(&self, number: i64) -> Option<&TableInfo> {
        self.tables.iter().find(|t| t.number == number)
    }
    pub fn round(&self, number: i64) -> Option<&RoundInfo> {
        self.rounds.iter().find(|r| r.number == number)
    }
    /// Items at a table in a round, in report order.
    pub fn items_at(&self, table: i64, round: i64) -> impl Iterator<Item = &Item> {
        self.items
            .iter()
            .filter(move |i| i.table_number == table && i.round_number == round)
    }
    /// Items carrying a tag, in report order.
    pub fn tagged<'a>(&'a self, tag: &'a str) -> impl Iterator<Item = &'a Item> {
        self.items.iter().filter(move |i| i.has_tag(tag))
    }
}

/// What the collation reads: the event, all its comments (hidden ones too, to count them),
/// the images not hidden with their bytes, and how many devices agreed with anything.
pub struct Input<'a> {
    pub es: &'a EventState,
    pub comments: &'a [Comment],
    pub images: Vec<(crate::images::ImageMeta, Vec<u8>)>,
    pub agreers: i64,
    pub campaign: Option<String>,
    pub now_ms: i64,
    pub pledges: PledgeSummary,
}

pub fn collate(input: Input<'_>) -> Collated {
    let es = input.es;
    let round_number: HashMap<i64, i64> = es.rounds.iter().map(|r| (r.id, r.number)).collect();
    let mut comments: Vec<&Comment> = input.comments.iter().collect();
    comments.sort_by_key(|c| c.id);

    let mut figures = Figures {
        agreers: input.agreers,
        ..Figures::default()
    };
    let mut authors: BTreeSet<&str> = BTreeSet::new();
    let mut per_table_authors: BTreeMap<i64, BTreeMap<&str, i64>> = BTreeMap::new();
    for c in &comments {
        if c.merged_into.is_some() {
            figures.merged += 1;
        } else if c.hidden {
            figures.hidden_left_out += 1;
        } else if !c.approved {
            figures.waiting_left_out += 1;
        }
        // People who wrote what the report shows: the author of a hidden comment (or one
        // never approved) is not counted, so figures agree with the comments listed.
        if c.source == Source::Attendee
            && c.is_public()
            && let Some(a) = c.author.as_deref()
        {
            authors.insert(a);
            *per_table_authors
                .entry(c.table_id)
                .or_default()
                .entry(a)
                .or_default() += 1;
        }
    }
    figures.contributors = authors.len() as i64;

    let shown: Vec<&Comment> = comments.iter().copied().filter(|c| c.is_public()).collect();
    let shown_ids: BTreeSet<i64> = shown.iter().map(|c| c.id).collect();
    let to_item = |c: &Comment| Item {
        id: c.id,
        table_number: c.table_number,
        round_number: round_number.get(&c.round_id).copied().unwrap_or(0),
        text: c.text.clone(),
        name: c.name.clone(),
        agrees: c.agrees,
        highlighted: c.highlighted,
        starred: c.starred,
        tags: c.tags.clone(),
        merged_count: c.merged_count,
        transcribed: c.source == Source::Facilitator,
        edited: c.edited,
        created_at: c.created_at,
        reply_to: c.reply_to.filter(|p| shown_ids.contains(p)),
        replies: Vec::new(),
        pii: pii::scan(&c.text),
    };
    // Replies go under a shown parent; a reply whose comment is not shown stands alone.
    let mut replies: BTreeMap<i64, Vec<Item>> = BTreeMap::new();
    let mut items: Vec<Item> = Vec::new();
    for c in &shown {
        let item = to_item(c);
        if item.transcribed {
            figures.transcribed += 1;
        } else {
            figures.written += 1;
        }
        figures.agreements += item.agrees;
        match item.reply_to {
            Some(parent) => {
                figures.replies += 1;
                replies.entry(parent).or_default().push(item);
            }
            None => items.push(item),
        }
    }
    for item in &mut items {
        if let Some(r) = replies.remove(&item.id) {
            item.replies = r;
        }
    }
    // Replies to replies (one level is all phones offer) stay under nothing: keep them.
    for (_, orphans) in replies {
        for mut o in orphans {
            o.reply_to = None;
            figures.replies -= 1;
            items.push(o);
        }
    }
    figures.comments = items.len() as i64;
    let table_order: HashMap<i64, i64> = es.tables.iter().map(|t| (t.number, t.number)).collect();
    items.sort_by(|a, b| {
        table_order
            .get(&a.table_number)
            .cmp(&table_order.get(&b.table_number))
            .then(a.round_number.cmp(&b.round_number))
            .then(b.starred.cmp(&a.starred))
            .then(b.highlighted.cmp(&a.highlighted))
            .then(b.agrees.cmp(&a.agrees))
            .then(a.id.cmp(&b.id))
    });

    // Synthesis over the top-level comments.
    let corpus = Corpus::new(items.iter().map(|i| i.text.as_str()));
    let parts: Vec<Vec<usize>> = es
        .tables
        .iter()
        .map(|t| {
            items
                .iter()
                .enumerate()
                .filter(|(_, i)| i.table_number == t.number)
                .map(|(n, _)| n)
                .collect()
        })
        .collect();
    let table_terms = corpus.key_terms(&parts, TABLE_TERMS);
    let all: Vec<usize> = (0..items.len()).collect();
    let key_terms = corpus.top_terms(&all, EVENT_TERMS);
    let groups = corpus
        .groups(&all)
        .into_iter()
        .map(|g| {
            let tables: BTreeSet<i64> = g.members.iter().map(|&m| items[m].table_number).collect();
            SimilarGroup {
                people: g.members.iter().map(|&m| items[m].people()).sum(),
                tables: tables.into_iter().collect(),
                members: g.members,
            }
        })
        .collect();

    let tables = es
        .tables
        .iter()
        .zip(
            table_terms
                .into_iter()
                .chain(std::iter::repeat_with(Vec::new)),
        )
        .map(|(t, key_terms)| {
            let mut counts: Vec<i64> = per_table_authors
                .get(&t.id)
                .map(|m| m.values().copied().collect())
                .unwrap_or_default();
            counts.sort_by_key(|n| std::cmp::Reverse(*n));
            let total: i64 = counts.iter().sum();
            let top_two: i64 = counts.iter().take(2).sum();
            let shown_here = items
                .iter()
                .filter(|i| i.table_number == t.number)
                .map(|i| 1 + i.replies.len() as i64)
                .sum();
            TableInfo {
                number: t.number,
                theme: t.theme.clone(),
                description: t.description.clone(),
                comments: shown_here,
                contributors: counts.len() as i64,
                top_two_share: (total > 0).then(|| top_two as f64 / total as f64),
                key_terms,
            }
        })
        .collect::<Vec<_>>();
    figures.tables_with_comments = tables.iter().filter(|t| t.comments > 0).count() as i64;

    let images = input
        .images
        .into_iter()
        .filter(|(m, _)| !m.hidden)
        .map(|(m, jpeg)| ReportImage {
            caption: m.caption,
            table_number: m.table_id.and_then(|t| es.table(t)).map(|t| t.number),
            jpeg: Arc::from(jpeg),
            width: u32::try_from(m.width).unwrap_or(0),
            height: u32::try_from(m.height).unwrap_or(0),
        })
        .collect();

    Collated {
        event_id: es.event.id,
        title: es.event.title.clone(),
        place: es.event.place.clone(),
        date: es.event.date.clone(),
        description: es.event.description.clone(),
        campaign: input.campaign,
        generated_at: super::format_utc(input.now_ms),
        rounds: es
            .rounds
            .iter()
            .map(|r| RoundInfo {
                number: r.number,
                prompt: r.prompt.clone(),
            })
            .collect(),
        tables,
        items,
        figures,
        key_terms,
        groups,
        images,
        pledges: input.pledges,
    }
}
