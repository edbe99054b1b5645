//! Report bench: time and peak memory to collate an event and produce each report format,
//! for 10,000 comments over 40 tables and for 100,000. Not a test: figures go in
//! docs/performance.md.
//!
//! `cargo run --release --bin report-bench` prints the table;
//! `cargo run --release --bin report-bench -- --samples docs/samples` instead writes both
//! reports of examples/event.toml with a generated two-round session, in every format.
//!
//! Peak memory: the most heap bytes live at once during a step beyond those live before it,
//! counted by `peak_alloc`'s allocator (the output included). "Input" is the comments as
//! loaded from storage (their text plus their structs).

use std::time::Instant;

use roundtable::model::{Comment, Event, EventState, Round, RoundKind, Source, Table};
use roundtable::report::{Audience, Format, build, collate};

/// Counts heap bytes (live and the most live at once).
#[global_allocator]
static HEAP: peak_alloc::PeakAlloc = peak_alloc::PeakAlloc;

const CORPUS: &str = include_str!("../report/testdata/similar.txt");

/// A tiny deterministic generator.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn lines() -> Vec<&'static str> {
    CORPUS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t').map(|(_, t)| t))
        .collect()
}

const THEMES: [&str; 8] = [
    "Buses and transport",
    "Health and care",
    "Green jobs and retraining",
    "Home insulation",
    "Schools and colleges",
    "The water company",
    "Housing",
    "Young people",
];

fn event_state(title: &str, place: &str, tables: Vec<(i64, String, String)>) -> EventState {
    EventState {
        event: Event {
            id: 1,
            organiser_id: None,
            title: title.into(),
            place: place.into(),
            date: "2026-12-05".into(),
            description: String::new(),
            open: false,
            code: String::new(),
            facilitator_token: String::new(),
            wall_token: String::new(),
            moderation: Default::default(),
            labels: Vec::new(),
        },
        tables: tables
            .into_iter()
            .enumerate()
            .map(|(i, (number, theme, description))| Table {
                id: i as i64 + 1,
                event_id: 1,
                number,
                theme,
                description,
                join_token: String::new(),
                facilitator_token: String::new(),
            })
            .collect(),
        rounds: vec![
            Round {
                id: 1,
                number: 1,
                prompt: "Why does this matter here?".into(),
                kind: RoundKind::Same,
                status: "closed".into(),
            },
            Round {
                id: 2,
                number: 2,
                prompt: "What would a fair transition look like in this town?".into(),
                kind: RoundKind::Theme,
                status: "closed".into(),
            },
        ],
        seq: 0,
        agenda: Default::default(),
        announcement: None,
        walls: Vec::new(),
        images: Vec::new(),
    }
}

/// `n` comments over the tables of `es`: corpus lines, some joined, some with words swapped,
/// a few hidden, merged, replied to, tagged, starred; 10 devices a table.
fn comments(es: &EventState, n: usize, seed: u64, by_topic: bool) -> Vec<Comment> {
    let src = lines();
    let mut r = Lcg(seed);
    let tags = [
        "local campaign idea",
        "policy proposal",
        "personal story",
        "question",
    ];
    let names = ["Ann", "Dai", "Sam", "Priya", "Mo"];
    let mut out: Vec<Comment> = Vec::with_capacity(n);
    for i in 0..n {
        let mut text = src[r.below(src.len())].to_string();
        // At the table whose theme it is about, when a word says so (for readable samples).
        let random = &es.tables[r.below(es.tables.len())];
        let table = if by_topic {
            topic_table(es, &text).unwrap_or(random)
        } else {
            random
        };
        if !by_topic && r.below(4) == 0 {
            text.push(' ');
            text.push_str(src[r.below(src.len())]);
        }
        if !by_topic && r.below(3) == 0 {
            let words: Vec<&str> = text.split(' ').collect();
            let cut = r.below(words.len());
            text = words
                .iter()
                .enumerate()
                .filter(|(k, _)| *k != cut)
                .map(|(_, w)| *w)
                .collect::<Vec<_>>()
                .join(" ");
        }
        let id = i as i64 + 1;
        let reply_to = (i > 10 && r.below(12) == 0)
            .then(|| {
                out.iter()
                    .rev()
                    .find(|c| c.table_id == table.id && c.reply_to.is_none())
                    .map(|c| c.id)
            })
            .flatten();
        let merged_into = (i > 10 && reply_to.is_none() && r.below(25) == 0)
            .then(|| out[r.below(i)].id)
            .filter(|&p| out[p as usize - 1].merged_into.is_none());
        let mut tags_on = Vec::new();
        if r.below(15) == 0 {
            tags_on.push(tags[r.below(tags.len())].to_string());
        }
        out.push(Comment {
            id,
            table_id: table.id,
            table_number: table.number,
            round_id: 1 + (r.below(2) as i64),
            text,
            name: (r.below(6) == 0).then(|| names[r.below(names.len())].to_string()),
            source: if r.below(10) == 0 {
                Source::Facilitator
            } else {
                Source::Attendee
            },
            agrees: if by_topic {
                // A few comments many agree with, most with a handful.
                let a = r.below(5) as i64;
                a * a * (1 + r.below(2) as i64) / 2
            } else {
                r.below(9) as i64
            },
            highlighted: r.below(20) == 0,
            highlighted_at: None,
            hidden: r.below(30) == 0,
            created_at: 1_796_500_000_000 + i as i64 * 1_500,
            approved: true,
            reply_to,
            edited: false,
            merged_count: 0,
            hidden_reason: None,
            merged_into,
            starred: r.below(25) == 0,
            tags: tags_on,
            original: None,
            author: Some(format!("d{}-{}", table.number, r.below(10))),
            deleted: false,
        });
    }
    // Comments merged into another count there, as storage reports them.
    let mut merged = vec![0i64; out.len() + 1];
    for c in &out {
        if let Some(p) = c.merged_into {
            merged[p as usize] += 1;
        }
    }
    for c in &mut out {
        c.merged_count = merged[c.id as usize];
    }
    out
}

/// The table whose theme a comment is about, by a few words.
fn topic_table<'a>(es: &'a EventState, text: &str) -> Option<&'a Table> {
    const TOPICS: [(&str, &[&str]); 6] = [
        ("bus", &["bus", "train", "fare", "route"]),
        (
            "health",
            &[
                "gp", "hospital", "nhs", "a&e", "dentist", "care", "camhs", "doctor",
            ],
        ),
        (
            "jobs",
            &["job", "wind", "retrain", "steel", "apprentice", "work"],
        ),
        (
            "insulation",
            &["insulat", "heat", "damp", "mould", "loft", "boiler"],
        ),
        ("school", &["school", "college", "teacher", "kids", "meals"]),
        ("water", &["water", "sewage", "sea", "bill"]),
    ];
    let lower = text.to_lowercase();
    let (theme, _) = TOPICS
        .iter()
        .find(|(_, words)| words.iter().any(|w| lower.contains(w)))?;
    es.tables
        .iter()
        .find(|t| t.theme.to_lowercase().contains(theme))
}

fn input_bytes(cs: &[Comment]) -> usize {
    cs.iter()
        .map(|c| {
            std::mem::size_of::<Comment>()
                + c.text.len()
                + c.name.as_ref().map_or(0, String::len)
                + c.author.as_ref().map_or(0, String::len)
                + c.tags.iter().map(String::len).sum::<usize>()
        })
        .sum()
}

/// Runs `f`, returning its result, milliseconds and the most heap bytes it had live at
/// once beyond what was live before it.
fn measure<T>(f: impl FnOnce() -> T) -> (T, f64, usize) {
    let base = HEAP.current_usage();
    HEAP.reset_peak_usage();
    let t = Instant::now();
    let out = f();
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    (out, ms, HEAP.peak_usage().saturating_sub(base))
}

fn html(d: &facilitator_ui::doc::Doc) -> String {
    facilitator_ui::report_page(&facilitator_ui::ReportView {
        doc: d,
        downloads: Vec::new(),
        downloads_label: String::new(),
    })
    .into_string()
}

fn render(c: &collate::Collated, audience: Audience, format: Format) -> Result<Vec<u8>, String> {
    let parts = roundtable::report::Parts {
        doc: || match audience {
            Audience::Local => build::local(c),
            Audience::Policy => build::policy(c),
        },
        sheets: || build::sheets(c, audience),
        head: || build::head(c, audience),
    };
    roundtable::report::render(format, parts, html).map(|o| o.bytes)
}

fn bench() -> Result<(), String> {
    let tables = (1..=40)
        .map(|n| {
            (
                n,
                THEMES[(n as usize - 1) % THEMES.len()].to_string(),
                String::new(),
            )
        })
        .collect();
    let es = event_state("Bench event", "Bench town", tables);
    println!("| comments | step | time (ms) | peak extra memory (MB) | × input |");
    println!("|---:|---|---:|---:|---:|");
    for n in [10_000usize, 100_000] {
        let cs = comments(&es, n, 7, false);
        let input = input_bytes(&cs);
        let mb = |b: usize| b as f64 / 1_048_576.0;
        let (c, ms, peak) = measure(|| {
            collate::collate(collate::Input {
                pledges: Default::default(),
                es: &es,
                comments: &cs,
                images: Vec::new(),
                agreers: 0,
                campaign: None,
                now_ms: 0,
            })
        });
        println!(
            "| {n} | collate (key terms, groups) | {ms:.0} | {:.1} | {:.2} |",
            mb(peak),
            peak as f64 / input as f64
        );
        if n == 10_000 {
            // The first PDF in a process also loads and indexes the fonts: measured apart.
            let (out, ms, peak) = measure(|| render(&c, Audience::Policy, Format::Pdf));
            out?;
            println!(
                "| {n} | first PDF in the process (fonts loaded) | {ms:.0} | {:.1} | |",
                mb(peak)
            );
        }
        for f in Format::ALL {
            let (out, ms, peak) = measure(|| render(&c, Audience::Local, f));
            let bytes = out?.len();
            println!(
                "| {n} | local pack {} ({:.1} MB) | {ms:.0} | {:.1} | {:.2} |",
                f.ext(),
                mb(bytes),
                mb(peak),
                peak as f64 / input as f64
            );
        }
        let (out, ms, peak) = measure(|| render(&c, Audience::Policy, Format::Pdf));
        out?;
        println!(
            "| {n} | policy briefing pdf | {ms:.0} | {:.1} | {:.2} |",
            mb(peak),
            peak as f64 / input as f64
        );
        println!("| {n} | (input: {:.1} MB) | | | |", mb(input));
    }
    Ok(())
}

/// Both reports of examples/event.toml with a generated session, in every format.
fn samples(dir: &str) -> Result<(), String> {
    let text = std::fs::read_to_string("examples/event.toml").map_err(|e| e.to_string())?;
    let draft: roundtable::model::EventDraft = toml::from_str(&text).map_err(|e| e.to_string())?;
    let ev = draft.parse(false).map_err(|e| e.message)?;
    let mut es = event_state(
        &ev.title,
        &ev.place,
        ev.tables
            .iter()
            .map(|t| (t.number, t.theme.clone(), t.description.clone()))
            .collect(),
    );
    es.event.date = ev.date.clone();
    es.event.description = ev.description.clone();
    let mut cs = comments(&es, 180, 11, true);
    // A comment with contact details, to show the policy briefing's flag.
    if let Some(c) = cs.iter_mut().find(|c| c.merged_into.is_none() && !c.hidden) {
        c.text = "Start a bus users group! Text me on 07700 900123 and I'll help".into();
        c.tags = vec!["local campaign idea".into()];
    }
    let c = collate::collate(collate::Input {
        pledges: Default::default(),
        es: &es,
        comments: &cs,
        images: Vec::new(),
        agreers: 61,
        campaign: Some("Fair Shares coastal tour".into()),
        now_ms: 1_796_515_200_000,
    });
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    // A campaign tour: the same event in two more towns, with their own sessions.
    let mut tour = vec![std::sync::Arc::new(c.clone())];
    for (n, place) in [(2u64, "Hastings"), (3, "Grimsby")] {
        let mut other = es.clone();
        other.event.id = n as i64;
        other.event.place = place.into();
        other.event.title = format!("Fair Shares for {place}: a listening evening");
        let cs = comments(&other, 150, 11 + n * 7, true);
        tour.push(std::sync::Arc::new(collate::collate(collate::Input {
            pledges: Default::default(),
            es: &other,
            comments: &cs,
            images: Vec::new(),
            agreers: 40,
            campaign: Some("Fair Shares coastal tour".into()),
            now_ms: 1_796_515_200_000,
        })));
    }
    for f in [Format::Html, Format::Pdf, Format::Docx, Format::Markdown] {
        let parts = roundtable::report::Parts {
            doc: || {
                roundtable::report::campaign::briefing(
                    "Fair Shares coastal tour",
                    &tour,
                    "2026-12-06 00:00 UTC",
                )
            },
            sheets: || roundtable::report::campaign::sheets(&tour),
            head: facilitator_ui::doc::Doc::default,
        };
        let out = roundtable::report::render(f, parts, html)?;
        let path = format!("{dir}/campaign-briefing.{}", f.ext());
        std::fs::write(&path, out.bytes).map_err(|e| e.to_string())?;
        println!("wrote {path}");
    }
    for audience in [Audience::Local, Audience::Policy] {
        for f in Format::ALL {
            let bytes = render(&c, audience, f)?;
            let path = format!("{dir}/{}.{}", audience.slug(), f.ext());
            std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
            println!("wrote {path}");
        }
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.iter().position(|a| a == "--samples") {
        Some(i) => samples(args.get(i + 1).map_or("docs/samples", String::as_str)),
        None => bench(),
    };
    if let Err(e) = result {
        eprintln!("report-bench: {e}");
        std::process::exit(1);
    }
}
