//! Offline, deterministic text analysis of comments for the collated reports: the key terms of
//! each table, the terms that came up everywhere, and groups of similar comments.
//!
//! Nothing here calls out or learns: it is plain counting, so the same input always gives the
//! same output (every result is sorted; no hash-map order reaches it).
//!
//! # Words
//! Text is lowercased; a word is a run of alphanumeric characters (Unicode, so Welsh ŵ ŷ â and
//! accented letters belong to words, and combining marks stay with the letter before them).
//! Curly and straight apostrophes and `&` between two letters stay inside the word ("don't",
//! "a&e"). A word with an apostrophe that is not itself a stop word ("don't", "it's") is split
//! at it ("mae'r" → "mae" + "r", "council's" → "council" + "s"); one-letter pieces are dropped.
//! A word holding a digit is kept only when it starts with a letter: route and road numbers
//! such as "X5", "A484", "M4" stay, while bare numbers, times, prices and ordinals ("6pm",
//! "2026", "£4.50", "5th") are dropped. Words longer than [`MAX_WORD_BYTES`] are junk and dropped.
//!
//! # Language
//! A text reads as Welsh when Welsh-only function words ("mae", "yn", "yr", "gyda", "ddim", a
//! lone "o", the article in "mae'r"...) make up at least a fifth of its words (two of them, or
//! one in a text of up to four words). English words are stemmed (Snowball English, plus a few
//! fixes such as "buses" → "bus", "evening" not → "even"); Welsh words are only lowercased
//! (there is no Welsh stemmer). Both languages drop their stop words; English text also drops
//! the Welsh function words that are not English words, and Welsh text drops English stop
//! words too (people switch language mid-sentence). The English list holds the usual function
//! words and the filler of a roundtable ("think", "really", "people", "need", "lot").
//!
//! # Terms
//! Terms are the stems of the kept words (unigrams) and pairs of kept words that stand next to
//! each other with no stop word or punctuation between them (bigrams: "bus service", "water
//! company"). A term is shown in its most common written form over the whole corpus (ties:
//! alphabetical). When a listed unigram is mostly (at least [`BIGRAM_COVER`] of its comments)
//! said as part of one listed bigram, the bigram stands in for it (taking its rank), so "bus",
//! "service" and "bus service" do not all appear: "service" gives way to "bus service", while
//! "bus", said in many other ways too, stays. Lists only hold terms that at least two comments
//! mention.
//!
//! # Similarity and groups
//! Each comment is a sparse TF-IDF vector over its terms (`(1 + ln tf) · ln(1 + N / df)`,
//! bigrams weighted by [`BIGRAM_WEIGHT`]), normalised to unit length, with a few same-meaning
//! words of the themes folded together for this only ("doctor" ~ "GP", "expensive" ~ "cost",
//! "carthion" ~ "sewage"). Terms no other comment holds are left out of the stored vectors
//! (they count in the norm, but can never be shared).
//!
//! [`Corpus::groups`] never compares every pair. Candidates come from an inverted index over
//! the subset: each comment looks only at the postings of its [`CANDIDATE_TERMS`] rarest terms
//! (held by two or more comments), and a term held by more than [`DF_CAP`] comments of the
//! subset offers only the [`WINDOW`] comments nearest to it in index order (comments of one
//! table or event tend to sit together). The [`EXACT_CHECKS`] candidates with the largest
//! partial dot product get an exact cosine; pairs at or above [`GROUP_THRESHOLD`] are edges.
//! Work per comment is bounded, so the whole is linear in the subset. Subsets of 20,000 or
//! more split this search over up to four threads (`std::thread::scope`); each comment is
//! worked out the same way whatever the split, so the groups are the same.
//!
//! Groups are then formed by average linkage over those edges: the most similar pair of
//! clusters joined by an edge merges first, as long as the average similarity of every member
//! of one to every member of the other (computed exactly from the clusters' vector sums) is at
//! least [`LINK_THRESHOLD`]. Unlike single linkage this cannot chain unrelated comments through
//! a series of small steps. Ties are broken by index, so the same input gives the same groups.
//!
//! The thresholds were tuned on `testdata/similar.txt` (about 280 comments of a listening
//! event, labelled by the point they make): pairwise precision about 0.87 at recall about
//! 0.34; most of the missed pairs are paraphrases that share no word, which counting cannot
//! see.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use rust_stemmers::{Algorithm, Stemmer};

/// Longest word kept, in bytes; longer runs (links, keyboard mashing) are dropped.
pub const MAX_WORD_BYTES: usize = 40;
/// Weight of a bigram in the similarity vectors, relative to a unigram of the same rarity.
pub const BIGRAM_WEIGHT: f64 = 0.6;
/// Cosine similarity at or above which two comments are similar enough to group.
pub const GROUP_THRESHOLD: f64 = 0.35;
/// Average similarity between the members of two clusters at or above which they merge.
pub const LINK_THRESHOLD: f64 = 0.3;
/// How many of a comment's rarest terms are used to find its candidates.
pub const CANDIDATE_TERMS: usize = 5;
/// Terms held by more comments than this (in the subset) offer only nearby comments as
/// candidates.
pub const DF_CAP: usize = 64;
/// How many nearby comments a very common term offers as candidates.
pub const WINDOW: usize = 16;
/// How many of the best candidates of a comment get an exact cosine.
pub const EXACT_CHECKS: usize = 6;
/// Share of a unigram's comments that must also hold a bigram for the bigram to stand in for it.
pub const BIGRAM_COVER: f64 = 0.6;

/// A term that stands out, shown in its most common written form ("bus services").
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct KeyTerm {
    /// The term as people wrote it most often (a word, or two words).
    pub term: String,
    /// comments that mention it
    pub comments: usize,
    /// How much it stands out; only comparable within one list.
    pub score: f64,
}

/// Similar comments: indices into the corpus, the representative first, the rest ascending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Corpus indices: the representative, then the others in ascending order.
    pub members: Vec<usize>,
}

/// No stem or word: a stop word or dropped token.
const NONE: u32 = u32::MAX;
/// Flag on a stored token: it follows the previous kept word directly (a bigram).
const ADJ: u32 = 1 << 31;

/// A small multiplicative hasher (the keys are our own words, not attacker-chosen lookups that
/// could matter: worst case is a slower build). Deterministic; iteration order never reaches
/// any result anyway.
#[derive(Default, Clone, Copy)]
struct QuickHasher(u64);

impl QuickHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for QuickHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(b));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_u128(&mut self, i: u128) {
        self.add(i as u64);
        self.add((i >> 64) as u64);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
}

type Quick = BuildHasherDefault<QuickHasher>;

/// English stop words, including the filler of a roundtable ("think", "really", "people").
const ENGLISH_STOP: &[&str] = &[
    "a",
    "about",
    "above",
    "actually",
    "after",
    "again",
    "against",
    "ago",
    "all",
    "almost",
    "alot",
    "already",
    "also",
    "always",
    "am",
    "an",
    "and",
    "any",
    "anyone",
    "anything",
    "anyway",
    "anywhere",
    "are",
    "aren't",
    "arent",
    "around",
    "as",
    "at",
    "back",
    "bad",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "bit",
    "both",
    "bring",
    "but",
    "by",
    "can",
    "can't",
    "cannot",
    "cant",
    "cos",
    "could",
    "couldn't",
    "couldnt",
    "coz",
    "cuz",
    "did",
    "didn't",
    "didnt",
    "do",
    "does",
    "doesn't",
    "doesnt",
    "doing",
    "don't",
    "done",
    "dont",
    "down",
    "during",
    "each",
    "else",
    "etc",
    "even",
    "ever",
    "every",
    "everyone",
    "everything",
    "everywhere",
    "far",
    "few",
    "for",
    "from",
    "further",
    "get",
    "gets",
    "getting",
    "go",
    "goes",
    "going",
    "gone",
    "gonna",
    "good",
    "got",
    "gotta",
    "great",
    "had",
    "hadn't",
    "has",
    "hasn't",
    "have",
    "haven't",
    "havent",
    "having",
    "he",
    "he's",
    "her",
    "here",
    "hers",
    "herself",
    "hi",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "i'd",
    "i'll",
    "i'm",
    "i've",
    "id",
    "if",
    "im",
    "imo",
    "in",
    "into",
    "is",
    "isn't",
    "isnt",
    "it",
    "it'll",
    "it's",
    "its",
    "itself",
    "ive",
    "just",
    "kind",
    "know",
    "let",
    "let's",
    "lets",
    "like",
    "loads",
    "lol",
    "lot",
    "lots",
    "made",
    "make",
    "makes",
    "making",
    "many",
    "may",
    "maybe",
    "me",
    "might",
    "more",
    "most",
    "much",
    "must",
    "my",
    "myself",
    "need",
    "needed",
    "needs",
    "never",
    "no",
    "nor",
    "not",
    "nothing",
    "now",
    "nowhere",
    "of",
    "off",
    "ok",
    "okay",
    "on",
    "once",
    "one",
    "ones",
    "only",
    "or",
    "other",
    "others",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "people",
    "please",
    "pretty",
    "put",
    "quite",
    "rather",
    "really",
    "round",
    "said",
    "same",
    "say",
    "says",
    "see",
    "she",
    "she's",
    "should",
    "shouldn't",
    "shouldnt",
    "since",
    "so",
    "some",
    "someone",
    "something",
    "somewhere",
    "still",
    "stuff",
    "such",
    "sure",
    "tbh",
    "than",
    "that",
    "that's",
    "thats",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "there's",
    "theres",
    "these",
    "they",
    "they'd",
    "they'll",
    "they're",
    "they've",
    "theyre",
    "thing",
    "things",
    "think",
    "thinking",
    "thinks",
    "this",
    "those",
    "though",
    "thought",
    "through",
    "til",
    "till",
    "to",
    "too",
    "under",
    "until",
    "untill",
    "up",
    "upon",
    "us",
    "very",
    "wanna",
    "want",
    "wanted",
    "wants",
    "was",
    "wasn't",
    "wasnt",
    "way",
    "we",
    "we'd",
    "we'll",
    "we're",
    "we've",
    "well",
    "were",
    "weren't",
    "what",
    "what's",
    "whats",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whole",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "won't",
    "wont",
    "would",
    "wouldn't",
    "wouldnt",
    "yeah",
    "yes",
    "yet",
    "you",
    "you'd",
    "you'll",
    "you're",
    "you've",
    "your",
    "youre",
    "yours",
    "yourself",
];

/// Common Welsh function words (with their mutated forms), and Welsh roundtable filler.
const WELSH_STOP: &[&str] = &[
    "a", "ac", "achos", "ag", "allu", "am", "angen", "ar", "arall", "arno", "at", "beth", "bob",
    "bobl", "bod", "bydd", "byddai", "byth", "cael", "chi", "dan", "ddim", "ddod", "ddweud",
    "ddylai", "dim", "diolch", "dod", "does", "dros", "drwy", "dw", "dweud", "dwi", "dydw", "dydy",
    "dylai", "dyma", "dyna", "dyw", "e", "ef", "efo", "ei", "eich", "ein", "eisiau", "eraill",
    "erioed", "eto", "eu", "faint", "fan", "fe", "feddwl", "fel", "felly", "fethu", "fi", "fod",
    "fy", "fydd", "fyddai", "fynd", "gael", "gall", "gallu", "gan", "ganddo", "gen", "gennym",
    "gilydd", "gweld", "gwneud", "gyda", "heb", "hefyd", "hi", "hoffwn", "hon", "honno", "hun",
    "hunain", "hwn", "hwnnw", "hyn", "hynny", "i", "iawn", "iddi", "iddo", "iddyn", "ie", "isio",
    "llawer", "mae", "maen", "mai", "man", "meddwl", "methu", "mewn", "mhob", "mi", "mor", "moyn",
    "mwy", "mynd", "na", "nac", "nad", "nawr", "neu", "nhw", "ni", "nid", "o", "oedd", "oes",
    "oherwydd", "ohono", "oll", "ond", "os", "pam", "pan", "pawb", "phob", "phobl", "pob", "pobl",
    "pwy", "rhai", "rhaid", "rhain", "rhy", "roedd", "rwan", "rwy", "rydw", "rydyn", "ryn", "rŵan",
    "sef", "sut", "sy", "sydd", "tan", "taw", "ti", "trwy", "wedi", "weld", "wneud", "wrth", "y",
    "ydi", "ydw", "ydy", "ydych", "ydyn", "ym", "yma", "yn", "yna", "yng", "yno", "yr", "yw",
];

/// Welsh function words that are also English words: not dropped from English text, and no
/// sign that a text is Welsh.
const WELSH_AMBIGUOUS: &[&str] = &[
    "dan", "dim", "eu", "fan", "gall", "hen", "hon", "hun", "man", "mor", "o", "pan", "tan",
];

/// Stems that the English stemmer gets wrong for these themes (surface word → stem).
const STEM_FIXES: &[(&str, &str)] = &[
    ("buses", "bus"),
    ("busses", "bus"),
    ("evening", "evening"),
    ("evenings", "evening"),
    ("gps", "gp"),
    ("mouldy", "mould"),
    ("training", "training"),
    ("trainings", "training"),
    ("universities", "uni"),
    ("university", "uni"),
];

/// Words of the themes that mean the same for grouping (stem → the stem it counts as): plain
/// synonyms, UK/US spellings, and the Welsh words for the themes' nouns (with their common
/// mutations), so "doctor" meets "GP", "expensive" meets "cost" and "bws" meets "bus". Only the
/// similarity vectors use this; key terms keep the words people wrote.
const SAME_MEANING: &[(&str, &str)] = &[
    // Transport.
    ("bws", "bus"),
    ("fws", "bus"),
    ("mws", "bus"),
    ("bysiau", "bus"),
    ("fysiau", "bus"),
    ("night", "evening"),
    ("nos", "evening"),
    ("ticket", "fare"),
    ("tocyn", "fare"),
    ("delay", "late"),
    ("hwyr", "late"),
    ("axe", "cut"),
    ("scrap", "cut"),
    ("rural", "villag"),
    ("pentref", "villag"),
    ("pentrefi", "villag"),
    ("trên", "train"),
    ("drên", "train"),
    // Money.
    ("afford", "cost"),
    ("cheap", "cost"),
    ("cheaper", "cost"),
    ("costli", "cost"),
    ("dear", "cost"),
    ("expens", "cost"),
    ("price", "cost"),
    ("pricey", "cost"),
    ("prisiau", "cost"),
    ("pris", "cost"),
    ("unafford", "cost"),
    ("drud", "cost"),
    ("ddrud", "cost"),
    ("fforddio", "cost"),
    ("paid", "pay"),
    ("wage", "pay"),
    ("salari", "pay"),
    ("cyflog", "pay"),
    ("biliau", "bill"),
    ("bil", "bill"),
    // Health and care.
    ("doctor", "gp"),
    ("surgeri", "gp"),
    ("meddyg", "gp"),
    ("feddyg", "gp"),
    ("apwyntiad", "appoint"),
    ("queu", "wait"),
    ("aros", "wait"),
    ("deintydd", "dentist"),
    ("dental", "dentist"),
    ("casualti", "a&e"),
    ("ysbyty", "hospit"),
    ("nyrsys", "nurs"),
    ("nyrs", "nurs"),
    ("carer", "care"),
    ("gofal", "care"),
    // Jobs and skills.
    ("employ", "job"),
    ("swydd", "job"),
    ("swyddi", "job"),
    ("steelwork", "steel"),
    ("dur", "steel"),
    ("apprenticeship", "training"),
    ("prentisiaeth", "training"),
    ("prentisiaethau", "training"),
    ("brentisiaethau", "training"),
    ("skill", "training"),
    ("sgiliau", "training"),
    ("windfarm", "wind"),
    ("gwynt", "wind"),
    ("lleol", "local"),
    ("leol", "local"),
    ("gwyrdd", "green"),
    ("wyrdd", "green"),
    // Homes.
    ("insulate", "insul"),
    ("scheme", "grant"),
    ("grantiau", "grant"),
    ("mold", "mould"),
    ("llwydni", "mould"),
    ("warm", "heat"),
    ("gwresogi", "heat"),
    ("ynni", "energi"),
    // Schools.
    ("ysgol", "school"),
    ("ysgolion", "school"),
    ("athrawon", "teacher"),
    ("athro", "teacher"),
    ("child", "kid"),
    ("children", "kid"),
    ("pupil", "kid"),
    ("coleg", "colleg"),
    ("cours", "class"),
    ("lesson", "class"),
    ("dosbarth", "class"),
    // Water.
    ("poo", "sewag"),
    ("carthion", "sewag"),
    ("beach", "sea"),
    ("môr", "sea"),
    ("traeth", "sea"),
    ("afon", "river"),
    ("estuari", "river"),
    ("dŵr", "water"),
    ("dwr", "water"),
    ("cwmni", "compani"),
    ("renationalis", "ownership"),
    ("nationalis", "ownership"),
    ("renationalize", "ownership"),
    ("burst", "leak"),
    ("nofio", "swim"),
];

/// The tunable knobs (the constants above, in one place so the tests can try others).
#[derive(Debug, Clone, Copy)]
struct Params {
    bigram_weight: f64,
    threshold: f64,
    fold: bool,
    link_threshold: f64,
    parallel_from: usize,
    max_threads: usize,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            bigram_weight: BIGRAM_WEIGHT,
            threshold: GROUP_THRESHOLD,
            fold: true,
            link_threshold: LINK_THRESHOLD,
            parallel_from: PARALLEL_FROM,
            max_threads: MAX_THREADS,
        }
    }
}

/// What a term is: one stem (with its most common written form), or two stems side by side.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Uni { shown: u32 },
    Bi(u32, u32),
}

/// A word's entry while building: whether it marks Welsh, and its word id in English and in
/// Welsh text (`UNSET` until a text of that language uses it).
#[derive(Debug, Clone, Copy)]
struct Entry {
    marker: bool,
    ids: [u32; 2],
}

/// Word id not yet decided.
const UNSET: u32 = u32::MAX - 1;
/// In place of an entry: the word holds an apostrophe and is handled in pieces.
const APOSTROPHE: u32 = u32::MAX - 2;

/// A word span in the lowercased text.
struct Span {
    start: usize,
    end: usize,
    /// Punctuation (or the start of the text) comes before it: no bigram across.
    brk: bool,
}

/// Texts tokenised and analysed once.
pub struct Corpus {
    n: usize,
    /// Term id → what it is.
    kinds: Vec<Kind>,
    /// Word id → its lowercased written form.
    words: Vec<Box<str>>,
    /// Word id → its unigram term id.
    word_term: Vec<u32>,
    /// Per text, the kept words in order (word id, `ADJ` when it follows the previous directly).
    tok_off: Vec<usize>,
    toks: Vec<u32>,
    /// Per text, the distinct terms it mentions, ascending.
    term_off: Vec<usize>,
    terms: Vec<u32>,
    /// Per text, its similarity vector: (term id ascending, unit-length weight).
    vec_off: Vec<usize>,
    vec_terms: Vec<u32>,
    vec_w: Vec<f32>,
    /// Per text: whether it reads as Welsh.
    welsh: Vec<bool>,
    params: Params,
}

/// State that is only needed while building.
struct Builder {
    stemmer: Stemmer,
    english_stop: HashSet<&'static str, Quick>,
    welsh_stop: HashSet<&'static str, Quick>,
    ambiguous: HashSet<&'static str, Quick>,
    /// Welsh-only function words, packed (see [`pack`]).
    markers: HashSet<u128, Quick>,
    fixes: HashMap<&'static str, &'static str, Quick>,
    /// Lowercased word → its entry: words of up to 15 bytes packed (see [`pack`]), others
    /// as text.
    short_index: HashMap<u128, u32, Quick>,
    long_index: HashMap<Box<str>, u32, Quick>,
    entries: Vec<Entry>,
    /// Length in bytes of the longest Welsh marker word.
    marker_len: usize,
    stems: HashMap<Box<str>, u32, Quick>,
    bigrams: HashMap<u64, u32, Quick>,
    kinds: Vec<Kind>,
    stem_text: Vec<Box<str>>,
    words: Vec<Box<str>>,
    word_term: Vec<u32>,
    word_count: Vec<u32>,
}

fn is_mark(c: char) -> bool {
    matches!(
        c as u32,
        0x0300..=0x036F
            | 0x0483..=0x0489
            | 0x0591..=0x05BD
            | 0x0610..=0x061A
            | 0x064B..=0x065F
            | 0x0900..=0x0903
            | 0x093A..=0x094F
            | 0x1AB0..=0x1AFF
            | 0x1DC0..=0x1DFF
            | 0x20D0..=0x20FF
            | 0xFE20..=0xFE2F
    )
}

/// Packs a word of up to 15 bytes into one key (none for longer words).
fn pack(w: &str) -> Option<u128> {
    let b = w.as_bytes();
    if b.len() > 15 {
        return None;
    }
    let mut k = [0u8; 16];
    k[..b.len()].copy_from_slice(b);
    k[15] = b.len() as u8;
    Some(u128::from_le_bytes(k))
}

/// Lowercases `text` into `buf`, with every kind of apostrophe made `'`.
fn lower_into(text: &str, buf: &mut String) {
    buf.clear();
    if text.is_ascii() {
        buf.push_str(text);
        buf.make_ascii_lowercase();
        if buf.contains('`') {
            *buf = buf.replace('`', "'");
        }
        return;
    }
    for c in text.chars() {
        match c {
            '\u{2019}' | '\u{2018}' | '\u{02BC}' | '`' | '\u{00B4}' => buf.push('\''),
            c if c.is_ascii() => buf.push(c.to_ascii_lowercase()),
            c => buf.extend(c.to_lowercase()),
        }
    }
}

/// Splits lowercased text into word spans.
fn spans_into(buf: &str, out: &mut Vec<Span>) {
    if buf.is_ascii() {
        ascii_spans_into(buf.as_bytes(), out);
        return;
    }
    out.clear();
    let mut brk = true;
    let mut start: Option<usize> = None;
    let mut it = buf.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        if c.is_alphanumeric() || (start.is_some() && is_mark(c)) {
            if start.is_none() {
                start = Some(i);
            }
            continue;
        }
        let next_alnum = it.peek().is_some_and(|&(_, n)| n.is_alphanumeric());
        if let Some(s) = start {
            if (c == '\'' || c == '&') && next_alnum {
                continue;
            }
            out.push(Span {
                start: s,
                end: i,
                brk,
            });
            start = None;
            brk = false;
            if c == '-' && next_alnum {
                // "cost-of-living", "covid-19": separate words, but one phrase.
                continue;
            }
        }
        if !c.is_whitespace() {
            brk = true;
        }
    }
    if let Some(s) = start {
        out.push(Span {
            start: s,
            end: buf.len(),
            brk,
        });
    }
}

/// [`spans_into`] for ASCII text, byte by byte.
fn ascii_spans_into(b: &[u8], out: &mut Vec<Span>) {
    out.clear();
    let mut brk = true;
    let mut start: Option<usize> = None;
    for (i, &c) in b.iter().enumerate() {
        if c.is_ascii_alphanumeric() {
            if start.is_none() {
                start = Some(i);
            }
            continue;
        }
        let next_alnum = b.get(i + 1).is_some_and(u8::is_ascii_alphanumeric);
        if let Some(s) = start {
            if (c == b'\'' || c == b'&') && next_alnum {
                continue;
            }
            out.push(Span {
                start: s,
                end: i,
                brk,
            });
            start = None;
            brk = false;
            if c == b'-' && next_alnum {
                continue;
            }
        }
        if !matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C) {
            brk = true;
        }
    }
    if let Some(s) = start {
        out.push(Span {
            start: s,
            end: b.len(),
            brk,
        });
    }
}

impl Builder {
    fn new() -> Builder {
        let english_stop: HashSet<&'static str, Quick> = ENGLISH_STOP.iter().copied().collect();
        let welsh_stop: HashSet<&'static str, Quick> = WELSH_STOP.iter().copied().collect();
        let ambiguous: HashSet<&'static str, Quick> = WELSH_AMBIGUOUS.iter().copied().collect();
        let marker_words: Vec<&str> = WELSH_STOP
            .iter()
            .copied()
            .filter(|w| !english_stop.contains(w) && !ambiguous.contains(w))
            .collect();
        let marker_len = marker_words.iter().map(|w| w.len()).max().unwrap_or(0);
        let markers = marker_words.iter().filter_map(|w| pack(w)).collect();
        Builder {
            stemmer: Stemmer::create(Algorithm::English),
            english_stop,
            welsh_stop,
            ambiguous,
            markers,
            fixes: STEM_FIXES.iter().copied().collect(),
            short_index: HashMap::default(),
            long_index: HashMap::default(),
            entries: Vec::new(),
            marker_len,
            stems: HashMap::default(),
            bigrams: HashMap::default(),
            kinds: Vec::new(),
            stem_text: Vec::new(),
            words: Vec::new(),
            word_term: Vec::new(),
            word_count: Vec::new(),
        }
    }

    /// Whether the words of a text read as Welsh (`entries`: each span's entry, or
    /// `APOSTROPHE` for a word with an apostrophe).
    fn reads_welsh(&self, buf: &str, spans: &[Span], entries: &[u32]) -> bool {
        let mut total = 0usize;
        let mut hits = 0usize;
        for (s, &e) in spans.iter().zip(entries) {
            if e != APOSTROPHE {
                total += 1;
                hits += usize::from(self.entries.get(e as usize).is_some_and(|x| x.marker));
                continue;
            }
            for (k, part) in buf[s.start..s.end].split('\'').enumerate() {
                if part.is_empty() {
                    continue;
                }
                total += 1;
                // "mae'r", "i'r", "o'r": the article 'r is Welsh.
                hits += usize::from(self.is_marker(part) || (k > 0 && part == "r"));
            }
        }
        hits * 5 >= total && (hits >= 2 || (hits == 1 && total <= 4))
    }

    fn is_marker(&self, w: &str) -> bool {
        w.len() <= self.marker_len && pack(w).is_some_and(|k| self.markers.contains(&k))
    }

    fn is_stop(&self, w: &str, welsh: bool) -> bool {
        self.english_stop.contains(w)
            || (self.welsh_stop.contains(w) && (welsh || !self.ambiguous.contains(w)))
    }

    fn intern_stem(&mut self, stem: &str) -> u32 {
        if let Some(&t) = self.stems.get(stem) {
            return t;
        }
        let t = self.kinds.len() as u32;
        self.kinds.push(Kind::Uni { shown: NONE });
        self.stem_text.push(stem.into());
        self.stems.insert(stem.into(), t);
        t
    }

    fn intern_bigram(&mut self, a: u32, b: u32) -> u32 {
        let key = (u64::from(a) << 32) | u64::from(b);
        if let Some(&t) = self.bigrams.get(&key) {
            return t;
        }
        let t = self.kinds.len() as u32;
        self.kinds.push(Kind::Bi(a, b));
        self.stem_text.push("".into());
        self.bigrams.insert(key, t);
        t
    }

    /// Entry of a word (no apostrophes), or `NONE` for a word too long to keep.
    fn entry(&mut self, w: &str) -> u32 {
        let key = pack(w);
        let known = match key {
            Some(k) => self.short_index.get(&k),
            None => self.long_index.get(w),
        };
        if let Some(&e) = known {
            return e;
        }
        if w.len() > MAX_WORD_BYTES || self.entries.len() >= APOSTROPHE as usize {
            return NONE;
        }
        let e = self.entries.len() as u32;
        self.entries.push(Entry {
            // A lone "o" (of, from) is Welsh; the "o" of "o'clock" is not (see `reads_welsh`).
            marker: w == "o" || self.is_marker(w),
            ids: [UNSET; 2],
        });
        match key {
            Some(k) => {
                self.short_index.insert(k, e);
            }
            None => {
                self.long_index.insert(w.into(), e);
            }
        }
        e
    }

    /// Word id of the word `w` with entry `e` in a text of the given language, or `NONE` for a
    /// stop word or dropped token.
    fn resolve(&mut self, e: u32, w: &str, welsh: bool) -> u32 {
        let Some(entry) = self.entries.get(e as usize) else {
            return NONE;
        };
        let id = entry.ids[usize::from(welsh)];
        if id != UNSET {
            return id;
        }
        let id = if self.words.len() >= (ADJ - 1) as usize {
            NONE
        } else {
            self.classify(w, welsh)
        };
        if let Some(entry) = self.entries.get_mut(e as usize) {
            entry.ids[usize::from(welsh)] = id;
        }
        id
    }

    /// Decides what a new word is: a stop word, a dropped token, or a kept word with its stem.
    fn classify(&mut self, w: &str, welsh: bool) -> u32 {
        let mut chars = w.chars();
        let first = chars.next();
        if chars.next().is_none() || self.is_stop(w, welsh) {
            return NONE;
        }
        let has_digit = w.chars().any(char::is_numeric);
        if has_digit && !first.is_some_and(char::is_alphabetic) {
            return NONE;
        }
        let stem: Cow<'_, str> = if let Some(&fixed) = self.fixes.get(w) {
            Cow::Borrowed(fixed)
        } else if welsh || !w.bytes().all(|b| b.is_ascii_lowercase()) {
            Cow::Borrowed(w)
        } else {
            self.stemmer.stem(w)
        };
        let stem = stem.into_owned();
        let term = self.intern_stem(&stem);
        let id = self.words.len() as u32;
        self.words.push(w.into());
        self.word_term.push(term);
        self.word_count.push(0);
        id
    }

    fn push_word(&mut self, w: &str, welsh: bool, follows: &mut bool, toks: &mut Vec<u32>) {
        if w.is_empty() {
            return;
        }
        let e = self.entry(w);
        let id = self.resolve(e, w, welsh);
        self.push_id(id, follows, toks);
    }

    fn push_id(&mut self, id: u32, follows: &mut bool, toks: &mut Vec<u32>) {
        if id == NONE {
            *follows = false;
            return;
        }
        toks.push(if *follows { id | ADJ } else { id });
        if let Some(c) = self.word_count.get_mut(id as usize) {
            *c = c.saturating_add(1);
        }
        *follows = true;
    }
}

/// Natural log of the inverse document frequency, smoothed so that it stays above zero.
fn idf(n: usize, df: u32) -> f64 {
    (1.0 + n as f64 / f64::from(df.max(1))).ln()
}

/// A candidate key term while a list is chosen.
#[derive(Debug, Clone, Copy)]
struct Cand {
    term: u32,
    count: u32,
    score: f64,
}

/// A cluster while groups are formed: positions in the subset, and the sum of their vectors.
struct Cluster {
    members: Vec<u32>,
    centroid: Vec<(u32, f64)>,
}

impl Cluster {
    fn single(corpus: &Corpus, i: usize, pos: u32) -> Cluster {
        let (ts, ws) = corpus.vector(i);
        Cluster {
            members: vec![pos],
            centroid: ts
                .iter()
                .zip(ws)
                .map(|(&t, &w)| (t, f64::from(w)))
                .collect(),
        }
    }

    fn merge(mut self, other: Cluster) -> Cluster {
        self.members.extend(other.members);
        let (a, b) = (self.centroid, other.centroid);
        let mut sum = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) if x.0 == y.0 => {
                    sum.push((x.0, x.1 + y.1));
                    i += 1;
                    j += 1;
                }
                (Some(x), Some(y)) if x.0 < y.0 => {
                    sum.push(*x);
                    i += 1;
                }
                (Some(x), None) => {
                    sum.push(*x);
                    i += 1;
                }
                (_, Some(y)) => {
                    sum.push(*y);
                    j += 1;
                }
                (None, None) => break,
            }
        }
        self.centroid = sum;
        self
    }
}

/// A pair of clusters (roots at the time, with their versions) and their linkage.
#[derive(Debug, Clone, Copy)]
struct Link {
    sim: f64,
    a: u32,
    b: u32,
    va: u32,
    vb: u32,
}

impl PartialEq for Link {
    fn eq(&self, other: &Link) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Link {}

impl PartialOrd for Link {
    fn partial_cmp(&self, other: &Link) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Link {
    /// Highest similarity first, then lowest indices (the heap pops the greatest).
    fn cmp(&self, other: &Link) -> Ordering {
        self.sim
            .total_cmp(&other.sim)
            .then(other.a.cmp(&self.a))
            .then(other.b.cmp(&self.b))
            .then(other.va.cmp(&self.va))
            .then(other.vb.cmp(&self.vb))
    }
}

/// Subsets at least this big have their candidates found on several threads.
const PARALLEL_FROM: usize = 20_000;
/// At most this many threads for one call.
const MAX_THREADS: usize = 4;

/// Runs `work` on each range, on threads of its own when there are several, and returns the
/// results in the order of the ranges.
fn in_parallel<T: Send>(
    ranges: &[std::ops::Range<usize>],
    work: impl Fn(std::ops::Range<usize>) -> T + Sync,
) -> Vec<T> {
    if ranges.len() <= 1 {
        return ranges.iter().map(|r| work(r.clone())).collect();
    }
    std::thread::scope(|scope| {
        let work = &work;
        let handles: Vec<_> = ranges
            .iter()
            .map(|r| {
                let r = r.clone();
                scope.spawn(move || work(r))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}

/// The inverted index of a subset, for finding similar pairs.
struct Index {
    /// Term → range of `postings` (prefix sums over the term ids).
    start: Vec<usize>,
    /// (position in the subset, weight), ascending by position within each term.
    postings: Vec<(u32, f32)>,
    /// The subset's vectors in position order, terms and weights side by side: the exact
    /// checks read them at random, so one cache miss each is better than several.
    local: Vec<(u32, f32)>,
    local_off: Vec<usize>,
    nt: usize,
}

impl Index {
    fn vector(&self, p: usize) -> &[(u32, f32)] {
        &self.local[self.local_off[p]..self.local_off[p + 1]]
    }

    /// For each position of `range`: the (at most [`EXACT_CHECKS`]) candidates with the
    /// largest partial dot product over its rarest terms, ascending; flat, with offsets.
    fn candidates(&self, range: std::ops::Range<usize>) -> (Vec<u32>, Vec<usize>) {
        let m = self.local_off.len() - 1;
        // rank[t]: how many earlier positions hold term t, i.e. where `p` sits in its postings.
        let mut rank = vec![0u32; self.nt];
        for p in 0..range.start {
            for &(t, _) in self.vector(p) {
                rank[t as usize] += 1;
            }
        }
        // Per position: (the position it was last touched for, its partial dot product).
        let mut acc = vec![(u32::MAX, 0f32); m];
        let mut touched: Vec<u32> = Vec::new();
        let mut mine: Vec<(usize, u32, f32)> = Vec::new();
        let mut out: Vec<u32> = Vec::new();
        let mut offs: Vec<usize> = vec![0];
        for p in range {
            let p32 = p as u32;
            mine.clear();
            for &(t, w) in self.vector(p) {
                let df = self.start[t as usize + 1] - self.start[t as usize];
                if df >= 2 {
                    mine.push((df, t, w));
                }
            }
            mine.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
            touched.clear();
            for &(df, t, w) in mine.iter().take(CANDIDATE_TERMS) {
                let (lo, hi) = (self.start[t as usize], self.start[t as usize + 1]);
                let (lo, hi) = if df > DF_CAP {
                    let at = rank[t as usize] as usize;
                    let a = at.saturating_sub(WINDOW / 2);
                    let b = (at + WINDOW / 2 + 1).min(df);
                    (lo + a, lo + b)
                } else {
                    (lo, hi)
                };
                for &(q, wq) in &self.postings[lo..hi] {
                    if q == p32 {
                        continue;
                    }
                    let a = &mut acc[q as usize];
                    if a.0 != p32 {
                        *a = (p32, 0.0);
                        touched.push(q);
                    }
                    a.1 += w * wq;
                }
            }
            if touched.len() > EXACT_CHECKS {
                touched.select_nth_unstable_by(EXACT_CHECKS - 1, |&a, &b| {
                    acc[b as usize]
                        .1
                        .total_cmp(&acc[a as usize].1)
                        .then(a.cmp(&b))
                });
                touched.truncate(EXACT_CHECKS);
            }
            touched.sort_unstable();
            out.extend_from_slice(&touched);
            offs.push(out.len());
            for &(t, _) in self.vector(p) {
                rank[t as usize] += 1;
            }
        }
        (out, offs)
    }

    /// Exact cosines of the candidate pairs of the positions of `range` (each pair once: a
    /// pair both of whose ends chose the other is taken from its lower end), those at or above
    /// `threshold` as (lower, higher, similarity).
    fn edges(
        &self,
        range: std::ops::Range<usize>,
        checked: &[u32],
        checked_off: &[usize],
        threshold: f64,
    ) -> Vec<(u32, u32, f64)> {
        let mut dense = vec![0f32; self.nt];
        let mut edges = Vec::new();
        for p in range {
            let p32 = p as u32;
            for &(t, w) in self.vector(p) {
                dense[t as usize] = w;
            }
            for &q in &checked[checked_off[p]..checked_off[p + 1]] {
                let qi = q as usize;
                if q < p32
                    && checked[checked_off[qi]..checked_off[qi + 1]]
                        .binary_search(&p32)
                        .is_ok()
                {
                    continue;
                }
                let dot: f64 = self
                    .vector(qi)
                    .iter()
                    .map(|&(t, w)| f64::from(dense[t as usize]) * f64::from(w))
                    .sum();
                if dot >= threshold {
                    edges.push((q.min(p32), q.max(p32), dot.min(1.0)));
                }
            }
            for &(t, _) in self.vector(p) {
                dense[t as usize] = 0.0;
            }
        }
        edges
    }
}

/// Root of `x` in the union-find forest, halving paths on the way.
fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let up = parent[parent[x as usize] as usize];
        parent[x as usize] = up;
        x = up;
    }
    x
}

impl Corpus {
    /// Tokenises and analyses the texts; index `i` of the corpus is the `i`-th text.
    pub fn new<'a>(texts: impl IntoIterator<Item = &'a str>) -> Corpus {
        Corpus::build(texts, Params::default())
    }

    fn build<'a>(texts: impl IntoIterator<Item = &'a str>, params: Params) -> Corpus {
        let mut b = Builder::new();
        let mut buf = String::new();
        let mut spans = Vec::new();
        let mut tok_off = vec![0usize];
        let mut toks: Vec<u32> = Vec::new();
        let mut welsh = Vec::new();
        let mut entries: Vec<u32> = Vec::new();
        for text in texts {
            lower_into(text, &mut buf);
            spans_into(&buf, &mut spans);
            entries.clear();
            for s in &spans {
                let w = &buf[s.start..s.end];
                entries.push(if w.contains('\'') {
                    APOSTROPHE
                } else {
                    b.entry(w)
                });
            }
            let cy = b.reads_welsh(&buf, &spans, &entries);
            welsh.push(cy);
            let mut follows = false;
            for (s, &e) in spans.iter().zip(&entries) {
                if s.brk {
                    follows = false;
                }
                let w = &buf[s.start..s.end];
                if e != APOSTROPHE {
                    let id = b.resolve(e, w, cy);
                    b.push_id(id, &mut follows, &mut toks);
                } else if b.is_stop(w, cy) {
                    follows = false;
                } else {
                    for part in w.split('\'') {
                        b.push_word(part, cy, &mut follows, &mut toks);
                    }
                }
            }
            tok_off.push(toks.len());
        }
        let n = welsh.len();

        // Terms of each text: its unigrams and bigrams, with how often each occurs.
        let mut term_off = vec![0usize];
        let mut terms: Vec<u32> = Vec::new();
        let mut tfs: Vec<u32> = Vec::new();
        let mut scratch: Vec<u32> = Vec::new();
        let mut df: Vec<u32> = Vec::new();
        for i in 0..n {
            scratch.clear();
            let mut prev = NONE;
            for &tok in &toks[tok_off[i]..tok_off[i + 1]] {
                let t = b.word_term[(tok & !ADJ) as usize];
                scratch.push(t);
                if tok & ADJ != 0 && prev != NONE && prev != t {
                    let bi = b.intern_bigram(prev, t);
                    scratch.push(bi);
                }
                prev = t;
            }
            scratch.sort_unstable();
            df.resize(b.kinds.len(), 0);
            let mut k = 0;
            while k < scratch.len() {
                let t = scratch[k];
                let mut e = k;
                while e < scratch.len() && scratch[e] == t {
                    e += 1;
                }
                terms.push(t);
                tfs.push((e - k) as u32);
                df[t as usize] += 1;
                k = e;
            }
            term_off.push(terms.len());
        }
        df.resize(b.kinds.len(), 0);

        // Number the terms by falling document frequency, so that the busy ones sit together
        // in memory (the per-term arrays of the queries are then read mostly at the front).
        let nt = b.kinds.len();
        let mut order: Vec<u32> = (0..nt as u32).collect();
        order.sort_unstable_by_key(|&t| (std::cmp::Reverse(df[t as usize]), t));
        let mut new_id = vec![0u32; nt];
        for (k, &t) in order.iter().enumerate() {
            new_id[t as usize] = k as u32;
        }
        let mut kinds: Vec<Kind> = order
            .iter()
            .map(|&t| match b.kinds[t as usize] {
                Kind::Bi(x, y) => Kind::Bi(new_id[x as usize], new_id[y as usize]),
                uni => uni,
            })
            .collect();
        let df: Vec<u32> = order.iter().map(|&t| df[t as usize]).collect();
        drop(order);
        let word_term: Vec<u32> = b.word_term.iter().map(|&t| new_id[t as usize]).collect();
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        for i in 0..n {
            let r = term_off[i]..term_off[i + 1];
            pairs.clear();
            pairs.extend(
                terms[r.clone()]
                    .iter()
                    .zip(&tfs[r.clone()])
                    .map(|(&t, &tf)| (new_id[t as usize], tf)),
            );
            pairs.sort_unstable();
            for (k, &(t, tf)) in r.zip(&pairs) {
                terms[k] = t;
                tfs[k] = tf;
            }
        }

        // Most common written form of each stem (ties: alphabetical).
        for (w, &t) in word_term.iter().enumerate() {
            let better = match kinds[t as usize] {
                Kind::Uni { shown } if shown == NONE => true,
                Kind::Uni { shown } => {
                    let (cw, cs) = (b.word_count[w], b.word_count[shown as usize]);
                    cw > cs || (cw == cs && b.words[w] < b.words[shown as usize])
                }
                Kind::Bi(..) => false,
            };
            if better {
                kinds[t as usize] = Kind::Uni { shown: w as u32 };
            }
        }

        // Similarity vectors, with same-meaning stems folded together.
        let mut fold: Vec<u32> = (0..nt as u32).collect();
        if params.fold {
            for &(from, to) in SAME_MEANING {
                if let (Some(&f), Some(&t)) = (b.stems.get(from), b.stems.get(to)) {
                    fold[new_id[f as usize] as usize] = new_id[t as usize];
                }
            }
        }
        drop(new_id);
        let weight: Vec<f64> = df
            .iter()
            .zip(&kinds)
            .map(|(&d, kind)| match kind {
                Kind::Bi(..) => idf(n, d) * params.bigram_weight,
                Kind::Uni { .. } => idf(n, d),
            })
            .collect();
        let mut vec_off = vec![0usize];
        let mut vec_terms = Vec::with_capacity(terms.len());
        let mut vec_w = Vec::with_capacity(terms.len());
        let mut vdf = vec![0u32; nt];
        let mut pairs: Vec<(u32, f64)> = Vec::new();
        let mut merged: Vec<(u32, f64)> = Vec::new();
        for i in 0..n {
            pairs.clear();
            let mut sorted = true;
            for k in term_off[i]..term_off[i + 1] {
                let t = terms[k] as usize;
                let tf = if tfs[k] == 1 {
                    1.0
                } else {
                    1.0 + f64::from(tfs[k]).ln()
                };
                let id = fold[t];
                sorted &= pairs.last().is_none_or(|p: &(u32, f64)| p.0 < id);
                pairs.push((id, tf * weight[t]));
            }
            if !sorted {
                pairs.sort_unstable_by_key(|p| p.0);
            }
            merged.clear();
            for &(t, w) in &pairs {
                match merged.last_mut() {
                    Some(last) if last.0 == t => last.1 = last.1.max(w),
                    _ => merged.push((t, w)),
                }
            }
            let norm = merged.iter().map(|p| p.1 * p.1).sum::<f64>().sqrt();
            if norm > 0.0 {
                for &(t, w) in &merged {
                    vec_terms.push(t);
                    vec_w.push((w / norm) as f32);
                    vdf[t as usize] += 1;
                }
            }
            vec_off.push(vec_terms.len());
        }
        // A term of one text only can never be shared: drop it from the stored vectors (the
        // norm above still counts it), which saves memory and time and changes no similarity.
        let mut kept = 0;
        for i in 0..n {
            let (from, to) = (vec_off[i], vec_off[i + 1]);
            vec_off[i] = kept;
            for k in from..to {
                if vdf[vec_terms[k] as usize] >= 2 {
                    vec_terms[kept] = vec_terms[k];
                    vec_w[kept] = vec_w[k];
                    kept += 1;
                }
            }
        }
        vec_off[n] = kept;
        vec_terms.truncate(kept);
        vec_w.truncate(kept);
        vec_terms.shrink_to_fit();
        vec_w.shrink_to_fit();

        Corpus {
            n,
            kinds,
            words: b.words,
            word_term,
            tok_off,
            toks,
            term_off,
            terms,
            vec_off,
            vec_terms,
            vec_w,
            welsh,
            params,
        }
    }

    /// Number of texts.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether there are no texts.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Whether text `i` reads as Welsh (false for an index out of range).
    pub fn is_welsh(&self, i: usize) -> bool {
        self.welsh.get(i).copied().unwrap_or(false)
    }

    fn terms_of(&self, i: usize) -> &[u32] {
        &self.terms[self.term_off[i]..self.term_off[i + 1]]
    }

    fn vector(&self, i: usize) -> (&[u32], &[f32]) {
        let r = self.vec_off[i]..self.vec_off[i + 1];
        (&self.vec_terms[r.clone()], &self.vec_w[r])
    }

    /// Valid indices of `subset`, ascending, each once.
    fn clean(&self, subset: &[usize]) -> Vec<usize> {
        let mut ids: Vec<usize> = subset.iter().copied().filter(|&i| i < self.n).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Cosine similarity (TF-IDF over stems and bigrams, same-meaning words folded) of two
    /// texts, 0..=1; 1 for a text with itself, 0 when either holds no kept word or an index is
    /// out of range.
    pub fn similarity(&self, a: usize, b: usize) -> f64 {
        if a >= self.n || b >= self.n {
            return 0.0;
        }
        if a == b {
            // The stored vector leaves out the terms of this text alone, so say it outright.
            return if self.terms_of(a).is_empty() {
                0.0
            } else {
                1.0
            };
        }
        self.cosine(a, b)
    }

    fn cosine(&self, a: usize, b: usize) -> f64 {
        let (ta, wa) = self.vector(a);
        let (tb, wb) = self.vector(b);
        let (mut i, mut j) = (0, 0);
        let mut dot = 0.0f64;
        while i < ta.len() && j < tb.len() {
            match ta[i].cmp(&tb[j]) {
                Ordering::Less => i += 1,
                Ordering::Greater => j += 1,
                Ordering::Equal => {
                    dot += f64::from(wa[i]) * f64::from(wb[j]);
                    i += 1;
                    j += 1;
                }
            }
        }
        dot.clamp(0.0, 1.0)
    }

    /// Comments of `ids` mentioning each term: (term, count) for counts of at least `min`.
    fn count_terms(&self, ids: &[usize], counts: &mut [u32], min: u32) -> Vec<(u32, u32)> {
        let mut touched = Vec::new();
        for &i in ids {
            for &t in self.terms_of(i) {
                let c = &mut counts[t as usize];
                if *c == 0 {
                    touched.push(t);
                }
                *c += 1;
            }
        }
        touched.sort_unstable();
        let mut out = Vec::new();
        for t in touched {
            let c = std::mem::take(&mut counts[t as usize]);
            if c >= min {
                out.push((t, c));
            }
        }
        out
    }

    /// Key terms of each part against the whole (parts: lists of text indices, e.g. one per
    /// table). A part's score for a term is the share of its comments that mention the term
    /// times the term's inverse frequency over the parts (`ln((1 + parts) / (1 + parts
    /// mentioning it)) + 1`), so a term every table raised still counts, but less. At most `n`
    /// per part, best first; terms mentioned by only one comment of the part are skipped.
    /// Indices out of range are ignored.
    pub fn key_terms(&self, parts: &[Vec<usize>], n: usize) -> Vec<Vec<KeyTerm>> {
        let mut counts = vec![0u32; self.kinds.len()];
        let mut pf = vec![0u32; self.kinds.len()];
        let mut per_part = Vec::with_capacity(parts.len());
        for part in parts {
            let ids = self.clean(part);
            let found = self.count_terms(&ids, &mut counts, 1);
            for &(t, _) in &found {
                pf[t as usize] += 1;
            }
            let kept: Vec<(u32, u32)> = found.into_iter().filter(|&(_, c)| c >= 2).collect();
            per_part.push((ids.len(), kept));
        }
        let p = parts.len() as f64;
        let chosen: Vec<Vec<Cand>> = per_part
            .into_iter()
            .map(|(size, kept)| {
                let cands = kept
                    .into_iter()
                    .map(|(t, c)| Cand {
                        term: t,
                        count: c,
                        score: f64::from(c) / size.max(1) as f64
                            * (((1.0 + p) / (1.0 + f64::from(pf[t as usize]))).ln() + 1.0),
                    })
                    .collect();
                self.select(cands, n)
            })
            .collect();
        let shown = self.display(chosen.iter().flatten().map(|c| c.term));
        chosen
            .iter()
            .map(|list| list.iter().map(|c| self.key_term(c, &shown)).collect())
            .collect()
    }

    /// The terms mentioned by the most comments in `subset` (e.g. the whole event), at most
    /// `n`, most mentioned first; score is the share of the subset's comments. Terms mentioned
    /// by only one comment are skipped.
    pub fn top_terms(&self, subset: &[usize], n: usize) -> Vec<KeyTerm> {
        let ids = self.clean(subset);
        let mut counts = vec![0u32; self.kinds.len()];
        let size = ids.len().max(1) as f64;
        let cands = self
            .count_terms(&ids, &mut counts, 2)
            .into_iter()
            .map(|(t, c)| Cand {
                term: t,
                count: c,
                score: f64::from(c) / size,
            })
            .collect();
        let chosen = self.select(cands, n);
        let shown = self.display(chosen.iter().map(|c| c.term));
        chosen.iter().map(|c| self.key_term(c, &shown)).collect()
    }

    /// Terms that came up in at least `min_parts` of the parts ("what came up everywhere"
    /// across the towns of a tour). A part counts for a term when at least two of its comments
    /// mention it, so one passing remark does not make a town count. Returns at most `n`, most
    /// parts first (then most comments): the term counted over all the parts' comments (each
    /// comment once; score = share of parts that count), and the indices of the parts that
    /// count, ascending. `min_parts` of 0 is taken as 1.
    pub fn shared_terms(
        &self,
        parts: &[Vec<usize>],
        min_parts: usize,
        n: usize,
    ) -> Vec<(KeyTerm, Vec<usize>)> {
        let min_parts = min_parts.max(1);
        let mut counts = vec![0u32; self.kinds.len()];
        let mut hits: Vec<(u32, usize)> = Vec::new();
        let mut all: Vec<usize> = Vec::new();
        for (pi, part) in parts.iter().enumerate() {
            let ids = self.clean(part);
            for (t, _) in self.count_terms(&ids, &mut counts, 2) {
                hits.push((t, pi));
            }
            all.extend(ids);
        }
        all.sort_unstable();
        all.dedup();
        let totals: HashMap<u32, u32, Quick> =
            self.count_terms(&all, &mut counts, 1).into_iter().collect();
        hits.sort_unstable();
        let mut where_: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
        for (t, pi) in hits {
            where_.entry(t).or_default().push(pi);
        }
        where_.retain(|_, v| v.len() >= min_parts);
        let p = parts.len().max(1) as f64;
        let cands = where_
            .iter()
            .map(|(&t, v)| Cand {
                term: t,
                count: totals.get(&t).copied().unwrap_or(0),
                score: v.len() as f64 / p,
            })
            .collect();
        let chosen = self.select(cands, n);
        let shown = self.display(chosen.iter().map(|c| c.term));
        chosen
            .iter()
            .map(|c| {
                let parts = where_.get(&c.term).cloned().unwrap_or_default();
                (self.key_term(c, &shown), parts)
            })
            .collect()
    }

    fn key_term(&self, c: &Cand, shown: &HashMap<u32, String, Quick>) -> KeyTerm {
        KeyTerm {
            term: shown.get(&c.term).cloned().unwrap_or_default(),
            comments: c.count as usize,
            score: c.score,
        }
    }

    /// Written form of a unigram stem.
    fn uni_text(&self, t: u32) -> &str {
        match self.kinds.get(t as usize) {
            Some(Kind::Uni { shown }) => self.words.get(*shown as usize).map_or("", |w| w),
            _ => "",
        }
    }

    /// Sort key that orders terms (nearly) as their written forms.
    fn sort_key(&self, t: u32) -> (&str, Option<&str>) {
        match self.kinds[t as usize] {
            Kind::Uni { .. } => (self.uni_text(t), None),
            Kind::Bi(a, b) => (self.uni_text(a), Some(self.uni_text(b))),
        }
    }

    /// Picks at most `n` of the candidates, best first, with bigrams standing in for the
    /// unigrams they mostly cover.
    fn select(&self, mut cands: Vec<Cand>, n: usize) -> Vec<Cand> {
        cands.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(b.count.cmp(&a.count))
                .then_with(|| self.sort_key(a.term).cmp(&self.sort_key(b.term)))
        });
        let count_of: HashMap<u32, u32, Quick> = cands.iter().map(|c| (c.term, c.count)).collect();
        // For each unigram, the bigrams holding it, in rank order.
        let mut holding: HashMap<u32, Vec<usize>, Quick> = HashMap::default();
        for (k, c) in cands.iter().enumerate() {
            if let Kind::Bi(a, b) = self.kinds[c.term as usize] {
                holding.entry(a).or_default().push(k);
                holding.entry(b).or_default().push(k);
            }
        }
        let covers = |big: u32, small: u32| {
            let small = count_of.get(&small).copied().unwrap_or(u32::MAX);
            f64::from(big) >= BIGRAM_COVER * f64::from(small)
        };
        let mut out: Vec<Cand> = Vec::new();
        let mut done: HashSet<u32, Quick> = HashSet::default();
        for c in &cands {
            if out.len() >= n {
                break;
            }
            if done.contains(&c.term) {
                continue;
            }
            let mut pick = *c;
            if let Kind::Uni { .. } = self.kinds[c.term as usize] {
                let best = holding.get(&c.term).and_then(|ks| {
                    ks.iter()
                        .map(|&k| cands[k])
                        .filter(|bc| covers(bc.count, c.term))
                        .max_by(|x, y| x.count.cmp(&y.count).then(Ordering::Greater))
                });
                if let Some(bc) = best {
                    done.insert(c.term);
                    if done.contains(&bc.term) {
                        continue;
                    }
                    pick = Cand {
                        score: bc.score.max(c.score),
                        ..bc
                    };
                }
            }
            if let Kind::Bi(a, b) = self.kinds[pick.term as usize] {
                for u in [a, b] {
                    if covers(pick.count, u) {
                        done.insert(u);
                    }
                }
            }
            done.insert(pick.term);
            out.push(pick);
        }
        out
    }

    /// Written forms of the given terms: a stem's most common word; a bigram's most common
    /// pair of words (ties: alphabetical).
    fn display(&self, wanted: impl Iterator<Item = u32>) -> HashMap<u32, String, Quick> {
        let mut shown: HashMap<u32, String, Quick> = HashMap::default();
        let mut pairs: HashMap<(u32, u32), u32, Quick> = HashMap::default();
        for t in wanted {
            match self.kinds[t as usize] {
                Kind::Uni { .. } => {
                    shown.insert(t, self.uni_text(t).to_string());
                }
                Kind::Bi(a, b) => {
                    pairs.insert((a, b), t);
                }
            }
        }
        if pairs.is_empty() {
            return shown;
        }
        let mut is_wanted = vec![false; self.kinds.len()];
        for &t in pairs.values() {
            is_wanted[t as usize] = true;
        }
        let mut seen: BTreeMap<(u32, u32, u32), u32> = BTreeMap::new();
        for i in 0..self.n {
            if !self.terms_of(i).iter().any(|&t| is_wanted[t as usize]) {
                continue;
            }
            let mut prev = NONE;
            for &tok in &self.toks[self.tok_off[i]..self.tok_off[i + 1]] {
                let w = tok & !ADJ;
                if tok & ADJ != 0 && prev != NONE {
                    let key = (self.word_term[prev as usize], self.word_term[w as usize]);
                    if let Some(&t) = pairs.get(&key) {
                        *seen.entry((t, prev, w)).or_default() += 1;
                    }
                }
                prev = w;
            }
        }
        let mut best: BTreeMap<u32, (u32, String)> = BTreeMap::new();
        for ((t, a, b), c) in seen {
            let text = format!("{} {}", self.words[a as usize], self.words[b as usize]);
            let better = match best.get(&t) {
                None => true,
                Some((bc, bt)) => c > *bc || (c == *bc && text < *bt),
            };
            if better {
                best.insert(t, (c, text));
            }
        }
        for (t, (_, text)) in best {
            shown.insert(t, text);
        }
        shown
    }

    /// Groups of similar comments among `subset`: near-duplicates and paraphrases. Only groups
    /// of two or more; biggest first, then by representative (lowest index first). Clusters
    /// merge by average linkage (see the module docs): the members of a group are on average
    /// at least [`LINK_THRESHOLD`] similar to each other, and each joined through a pair at
    /// least [`GROUP_THRESHOLD`] similar. The representative shown first is the member most
    /// similar to the rest of its group (ties: lowest index). Candidates come from an inverted
    /// index, so not every pair is compared. Indices out of range are ignored; duplicates count
    /// once. Same input, same groups. Order matters only through the windows of very common
    /// terms and ties broken by index: shuffling the test corpus gives the same groups.
    pub fn groups(&self, subset: &[usize]) -> Vec<Group> {
        let ids = self.clean(subset);
        let m = ids.len();
        if m < 2 {
            return Vec::new();
        }
        let nt = self.kinds.len();

        // Inverted index over the subset: postings of positions in `ids`, ascending.
        let mut start = vec![0usize; nt + 1];
        for &i in &ids {
            for &t in self.vector(i).0 {
                start[t as usize + 1] += 1;
            }
        }
        for t in 0..nt {
            start[t + 1] += start[t];
        }
        let total = start[nt];
        let mut postings = vec![(0u32, 0f32); total];
        let mut cursor = start.clone();
        let mut local: Vec<(u32, f32)> = Vec::with_capacity(total);
        let mut local_off: Vec<usize> = Vec::with_capacity(m + 1);
        local_off.push(0);
        for (p, &i) in ids.iter().enumerate() {
            let (ts, ws) = self.vector(i);
            for (&t, &w) in ts.iter().zip(ws) {
                let c = &mut cursor[t as usize];
                postings[*c] = (p as u32, w);
                *c += 1;
                local.push((t, w));
            }
            local_off.push(local.len());
        }
        drop(cursor);

        // Candidates through each text's rarest terms, then exact cosines for the best of
        // them. Each pass is split over the machine's cores for large subsets; every position
        // is worked out the same way whatever the split, so the result does not depend on it.
        let index = Index {
            start,
            postings,
            local,
            local_off,
            nt,
        };
        let threads = if m < self.params.parallel_from {
            1
        } else {
            std::thread::available_parallelism().map_or(1, |n| n.get().min(self.params.max_threads))
        }
        .max(1);
        let chunk = m.div_ceil(threads);
        let ranges: Vec<std::ops::Range<usize>> = (0..threads)
            .map(|k| k * chunk..((k + 1) * chunk).min(m))
            .filter(|r| !r.is_empty())
            .collect();
        let parts = in_parallel(&ranges, |r| index.candidates(r));
        let mut checked: Vec<u32> = Vec::new();
        let mut checked_off: Vec<usize> = vec![0];
        for (list, offs) in parts {
            let base = checked.len();
            checked.extend(list);
            checked_off.extend(offs.into_iter().skip(1).map(|o| o + base));
        }
        let threshold = self.params.threshold;
        let mut edges: Vec<(u32, u32, f64)> = in_parallel(&ranges, |r| {
            index.edges(r, &checked, &checked_off, threshold)
        })
        .into_iter()
        .flatten()
        .collect();
        drop((index, checked, checked_off));
        edges.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        edges.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);

        // Average-linkage merging, most similar pair of clusters first. A cluster's centroid
        // is the sum of its members' unit vectors, so the average similarity of every member of
        // one cluster to every member of another is the dot product of their centroids over
        // the product of their sizes. Only clusters joined by an edge are ever compared;
        // entries made stale by a merge are recomputed when they come up.
        let mut parent: Vec<u32> = (0..m as u32).collect();
        let mut version = vec![0u32; m];
        let mut clusters: BTreeMap<u32, Cluster> = BTreeMap::new();
        let mut heap: BinaryHeap<Link> = edges
            .iter()
            .map(|&(a, b, s)| Link {
                sim: s,
                a,
                b,
                va: 0,
                vb: 0,
            })
            .collect();
        drop(edges);
        let link_threshold = self.params.link_threshold;
        while let Some(link) = heap.pop() {
            let (ra, rb) = (find(&mut parent, link.a), find(&mut parent, link.b));
            if ra == rb {
                continue;
            }
            let fresh = ra == link.a
                && rb == link.b
                && version[ra as usize] == link.va
                && version[rb as usize] == link.vb;
            if !fresh {
                let sim = self.linkage(&ids, &clusters, ra, rb);
                if sim >= link_threshold {
                    heap.push(Link {
                        sim,
                        a: ra.min(rb),
                        b: ra.max(rb),
                        va: version[ra.min(rb) as usize],
                        vb: version[ra.max(rb) as usize],
                    });
                }
                continue;
            }
            let ca = clusters
                .remove(&ra)
                .unwrap_or_else(|| Cluster::single(self, ids[ra as usize], ra));
            let cb = clusters
                .remove(&rb)
                .unwrap_or_else(|| Cluster::single(self, ids[rb as usize], rb));
            let (root, other) = if cb.members.len() > ca.members.len() {
                (rb, ra)
            } else {
                (ra, rb)
            };
            parent[other as usize] = root;
            version[root as usize] += 1;
            clusters.insert(root, ca.merge(cb));
        }

        let mut out: Vec<Group> = clusters
            .into_values()
            .map(|c| {
                let mut members: Vec<usize> = c.members.iter().map(|&q| ids[q as usize]).collect();
                members.sort_unstable();
                let rep = self.representative(&members, &c.centroid);
                members.retain(|&x| x != rep);
                members.insert(0, rep);
                Group { members }
            })
            .filter(|g| g.members.len() >= 2)
            .collect();
        out.sort_by(|a, b| {
            b.members
                .len()
                .cmp(&a.members.len())
                .then(a.members.cmp(&b.members))
        });
        out
    }

    /// Average similarity between the members of two clusters (roots `a` and `b`).
    fn linkage(&self, ids: &[usize], clusters: &BTreeMap<u32, Cluster>, a: u32, b: u32) -> f64 {
        let single_a;
        let single_b;
        let ca = match clusters.get(&a) {
            Some(c) => c,
            None => {
                single_a = Cluster::single(self, ids[a as usize], a);
                &single_a
            }
        };
        let cb = match clusters.get(&b) {
            Some(c) => c,
            None => {
                single_b = Cluster::single(self, ids[b as usize], b);
                &single_b
            }
        };
        let (small, large) = if ca.centroid.len() <= cb.centroid.len() {
            (ca, cb)
        } else {
            (cb, ca)
        };
        let mut dot = 0.0;
        for &(t, w) in &small.centroid {
            if let Ok(k) = large.centroid.binary_search_by_key(&t, |x| x.0) {
                dot += w * large.centroid[k].1;
            }
        }
        dot / (ca.members.len() * cb.members.len()) as f64
    }

    /// The member (ascending `members`) most similar to the rest: the sum of its similarities
    /// to the others is its dot product with the group's centroid (the sum of the members'
    /// vectors) less its dot product with itself.
    fn representative(&self, members: &[usize], centroid: &[(u32, f64)]) -> usize {
        let mut best = (f64::NEG_INFINITY, members.first().copied().unwrap_or(0));
        for &i in members {
            let (ts, ws) = self.vector(i);
            // Less its dot product with itself: the stored vector leaves out the terms of this
            // text alone, so that is not quite 1.
            let s: f64 = ts
                .iter()
                .zip(ws)
                .filter_map(|(&t, &w)| {
                    let k = centroid.binary_search_by_key(&t, |x| x.0).ok()?;
                    let w = f64::from(w);
                    Some(w * centroid[k].1 - w * w)
                })
                .sum();
            if s > best.0 {
                best = (s, i);
            }
        }
        best.1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    const CORPUS: &str = include_str!("testdata/similar.txt");

    /// A comment of the test corpus.
    struct Row {
        /// Index of its "## Theme" section (0 = transport).
        theme: usize,
        label: &'static str,
        text: &'static str,
    }

    fn corpus() -> Vec<Row> {
        let mut theme = None;
        let mut rows = Vec::new();
        for line in CORPUS.lines() {
            if line.starts_with("## ") {
                theme = Some(theme.map_or(0, |t| t + 1));
                continue;
            }
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let (label, text) = line.split_once('\t').unwrap();
            rows.push(Row {
                theme: theme.unwrap(),
                label,
                text,
            });
        }
        rows
    }

    fn build(rows: &[Row]) -> Corpus {
        Corpus::new(rows.iter().map(|r| r.text))
    }

    /// Tiny deterministic generator (a 64-bit LCG), for shuffles and synthetic text.
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
            (self.next() % n as u64) as usize
        }
    }

    struct Score {
        precision: f64,
        recall: f64,
        /// Share of labelled comments grouped with at least one of their paraphrases.
        found: f64,
        predicted: usize,
        truth: usize,
    }

    /// Pairwise precision and recall of groups against the labels.
    fn score(labels: &[&str], groups: &[Group]) -> Score {
        let same = |a: usize, b: usize| labels[a] != "-" && labels[a] == labels[b];
        let mut predicted = 0;
        let mut correct = 0;
        let mut found = vec![false; labels.len()];
        for g in groups {
            for (x, &a) in g.members.iter().enumerate() {
                for &b in &g.members[x + 1..] {
                    predicted += 1;
                    if same(a, b) {
                        correct += 1;
                        found[a] = true;
                        found[b] = true;
                    }
                }
            }
        }
        let mut truth = 0;
        let mut labelled = 0;
        for a in 0..labels.len() {
            let mut has_partner = false;
            for b in 0..labels.len() {
                if a != b && same(a, b) {
                    has_partner = true;
                    if a < b {
                        truth += 1;
                    }
                }
            }
            labelled += usize::from(has_partner);
        }
        let found = found.iter().filter(|&&f| f).count();
        Score {
            precision: if predicted == 0 {
                1.0
            } else {
                correct as f64 / predicted as f64
            },
            recall: correct as f64 / truth as f64,
            found: found as f64 / labelled as f64,
            predicted,
            truth,
        }
    }

    fn is_stop_word(w: &str) -> bool {
        ENGLISH_STOP.contains(&w) || WELSH_STOP.contains(&w)
    }

    #[test]
    fn groups_match_the_labels() {
        let rows = corpus();
        assert!((250..=400).contains(&rows.len()), "{} comments", rows.len());
        let labels: Vec<&str> = rows.iter().map(|r| r.label).collect();
        let c = build(&rows);
        let all: Vec<usize> = (0..c.len()).collect();
        let groups = c.groups(&all);
        let s = score(&labels, &groups);
        println!(
            "precision {:.3} recall {:.3} ({} pairs predicted, {} true); \
             {:.3} of paraphrased comments grouped with one of theirs; {} groups",
            s.precision,
            s.recall,
            s.predicted,
            s.truth,
            s.found,
            groups.len()
        );
        assert!(s.precision >= 0.85, "precision {:.3}", s.precision);
        assert!(s.recall >= 0.3, "recall {:.3}", s.recall);
        assert!(s.found >= 0.5, "found {:.3}", s.found);
        for g in &groups {
            assert!(g.members.len() >= 2);
            assert!(g.members[1..].windows(2).all(|w| w[0] < w[1]));
            assert!(!g.members[1..].contains(&g.members[0]));
        }
        assert!(groups.windows(2).all(|w| {
            w[0].members.len() > w[1].members.len()
                || (w[0].members.len() == w[1].members.len() && w[0].members[0] < w[1].members[0])
        }));
    }

    #[test]
    fn near_duplicates_are_grouped_and_different_points_are_not() {
        let texts = [
            "Buses stop too early in the evening",
            "buses stop too early in the evening!!",
            "Bus fares are too expensive",
            "bus fares too expensive",
            "the bus shelter has no roof",
        ];
        let c = Corpus::new(texts);
        let groups = c.groups(&[0, 1, 2, 3, 4]);
        assert_eq!(
            groups,
            vec![
                Group {
                    members: vec![0, 1]
                },
                Group {
                    members: vec![2, 3]
                }
            ]
        );
        assert!(c.similarity(0, 1) > 0.9);
        assert!(c.similarity(0, 2) < 0.3);
        // Only the subset is grouped.
        assert!(c.groups(&[0, 2, 4]).is_empty());
        assert_eq!(
            c.groups(&[1, 0, 1, 99]),
            vec![Group {
                members: vec![0, 1]
            }]
        );
    }

    #[test]
    fn representative_is_most_like_the_rest() {
        let texts = [
            "sewage dumped in the sea",
            "raw sewage dumped in the sea again",
            "sewage dumped in the sea again, cant swim",
            "sewage in the sea again",
        ];
        let c = Corpus::new(texts);
        let groups = c.groups(&[0, 1, 2, 3]);
        assert_eq!(groups.len(), 1);
        let g = &groups[0].members;
        let total = |i: usize| -> f64 {
            g.iter()
                .filter(|&&j| j != i)
                .map(|&j| c.similarity(i, j))
                .sum()
        };
        let best = g.iter().map(|&i| total(i)).fold(f64::MIN, f64::max);
        assert!((total(g[0]) - best).abs() < 1e-6);
    }

    #[test]
    fn same_input_same_output() {
        let rows = corpus();
        let a = build(&rows);
        let b = build(&rows);
        let all: Vec<usize> = (0..a.len()).collect();
        let parts = theme_parts(&rows);
        assert_eq!(a.groups(&all), b.groups(&all));
        assert_eq!(a.groups(&all), a.groups(&all));
        assert_eq!(a.key_terms(&parts, 8), b.key_terms(&parts, 8));
        assert_eq!(a.top_terms(&all, 15), b.top_terms(&all, 15));
        assert_eq!(a.shared_terms(&parts, 2, 10), b.shared_terms(&parts, 2, 10));
    }

    #[test]
    fn shuffled_input_gives_the_same_groups() {
        let rows = corpus();
        let c = build(&rows);
        let all: Vec<usize> = (0..c.len()).collect();
        let as_sets = |groups: Vec<Group>, map: &dyn Fn(usize) -> usize| {
            let mut sets: Vec<Vec<usize>> = groups
                .into_iter()
                .map(|g| {
                    let mut m: Vec<usize> = g.members.into_iter().map(map).collect();
                    m.sort_unstable();
                    m
                })
                .collect();
            sets.sort();
            sets
        };
        let plain = as_sets(c.groups(&all), &|i| i);
        for seed in [7, 8, 9] {
            let mut order: Vec<usize> = all.clone();
            let mut rng = Lcg(seed);
            for i in (1..order.len()).rev() {
                order.swap(i, rng.below(i + 1));
            }
            let shuffled = Corpus::new(order.iter().map(|&i| rows[i].text));
            let back = as_sets(shuffled.groups(&all), &|i| order[i]);
            assert_eq!(plain, back, "seed {seed}");
        }
    }

    #[test]
    fn threads_do_not_change_the_groups() {
        let rows = corpus();
        let all: Vec<usize> = (0..rows.len()).collect();
        let one = build(&rows).groups(&all);
        for max_threads in [2, 3, 7] {
            let params = Params {
                parallel_from: 0,
                max_threads,
                ..Params::default()
            };
            let c = Corpus::build(rows.iter().map(|r| r.text), params);
            assert_eq!(c.groups(&all), one, "{max_threads} threads");
        }
    }

    fn theme_parts(rows: &[Row]) -> Vec<Vec<usize>> {
        let themes = rows.iter().map(|r| r.theme).max().unwrap() + 1;
        let mut parts = vec![Vec::new(); themes];
        for (i, r) in rows.iter().enumerate() {
            parts[r.theme].push(i);
        }
        parts
    }

    #[test]
    fn key_terms_of_each_theme() {
        let rows = corpus();
        let c = build(&rows);
        let parts = theme_parts(&rows);
        let keys = c.key_terms(&parts, 8);
        assert_eq!(keys.len(), parts.len());
        for (k, list) in keys.iter().enumerate() {
            let shown: Vec<&str> = list.iter().map(|t| t.term.as_str()).collect();
            println!("theme {k}: {shown:?}");
            assert!(!list.is_empty() && list.len() <= 8);
            for t in list {
                assert!(t.comments >= 2, "{t:?}");
                assert!(t.score > 0.0);
                for w in t.term.split(' ') {
                    assert!(!is_stop_word(w), "stop word in {t:?}");
                }
            }
            assert!(list.windows(2).all(|w| w[0].score >= w[1].score));
        }
        let transport: Vec<&str> = keys[0].iter().map(|t| t.term.as_str()).collect();
        assert!(transport.iter().any(|t| t.contains("bus")), "{transport:?}");
        let water: Vec<&str> = keys[5].iter().map(|t| t.term.as_str()).collect();
        assert!(water.iter().any(|t| t.contains("sewage")), "{water:?}");
        assert!(water.iter().any(|t| t.contains("water")), "{water:?}");
        let health: Vec<&str> = keys[1].iter().map(|t| t.term.as_str()).collect();
        assert!(
            health
                .iter()
                .any(|t| t.contains("gp") || t.contains("dentist")),
            "{health:?}"
        );
        // Out-of-range indices and empty parts are fine.
        let odd = c.key_terms(&[vec![], vec![usize::MAX, 0, 0]], 5);
        assert_eq!(odd, vec![vec![], vec![]]);
        assert!(c.key_terms(&parts, 0).iter().all(Vec::is_empty));
    }

    #[test]
    fn top_and_shared_terms() {
        let rows = corpus();
        let c = build(&rows);
        let all: Vec<usize> = (0..c.len()).collect();
        let top = c.top_terms(&all, 10);
        let shown: Vec<&str> = top.iter().map(|t| t.term.as_str()).collect();
        println!("top: {shown:?}");
        assert_eq!(top.len(), 10);
        assert!(top.windows(2).all(|w| w[0].comments >= w[1].comments));
        assert!(shown[..3].iter().any(|t| t.contains("bus")), "{shown:?}");
        for t in &top {
            assert!(t.term.split(' ').all(|w| !is_stop_word(w)), "{t:?}");
        }
        // Two "towns" of a tour (the comments alternately), and a third of 20 comments.
        let towns = vec![
            all.iter()
                .copied()
                .filter(|i| i % 2 == 0)
                .collect::<Vec<_>>(),
            all.iter()
                .copied()
                .filter(|i| i % 2 == 1)
                .collect::<Vec<_>>(),
            (0..20).collect(),
        ];
        let shared = c.shared_terms(&towns, 2, 10);
        let shown: Vec<(&str, &[usize])> = shared
            .iter()
            .map(|s| (s.0.term.as_str(), s.1.as_slice()))
            .collect();
        println!("shared: {shown:?}");
        assert!(!shared.is_empty());
        for (t, parts) in &shared {
            assert!(parts.len() >= 2);
            assert!(parts.windows(2).all(|w| w[0] < w[1]));
            assert!(t.comments >= 2 * parts.len() - 2);
        }
        assert!(
            shared
                .iter()
                .any(|(t, p)| t.term.contains("bus") && p.len() == 3)
        );
        assert!(c.shared_terms(&towns, 4, 10).is_empty());
    }

    #[test]
    fn bigram_stands_in_for_its_words() {
        let texts = [
            "the bus service is poor",
            "bus services cut again",
            "bus service never on time",
            "the bus was late",
            "a bus to the hospital",
            "buses are dirty",
            "the water company is a disgrace",
            "water company bosses",
        ];
        let c = Corpus::new(texts);
        let top = c.top_terms(&(0..texts.len()).collect::<Vec<_>>(), 10);
        let shown: Vec<&str> = top.iter().map(|t| t.term.as_str()).collect();
        assert_eq!(shown, ["bus", "bus service", "water company"], "{top:?}");
        assert_eq!(top[0].comments, 6);
        assert_eq!(top[1].comments, 3);
        assert_eq!(top[2].comments, 2);
    }

    #[test]
    fn welsh_is_recognised_and_its_stop_words_are_dropped() {
        let rows = corpus();
        let c = build(&rows);
        let welsh: Vec<usize> = (0..c.len()).filter(|&i| c.is_welsh(i)).collect();
        let shown: Vec<&str> = welsh.iter().map(|&i| rows[i].text).collect();
        println!("{shown:#?}");
        assert!((10..=22).contains(&welsh.len()), "{shown:#?}");
        let keys = c.key_terms(std::slice::from_ref(&welsh), 10);
        let top = c.top_terms(&welsh, 10);
        println!("welsh key terms {:?}", keys[0]);
        for t in keys[0].iter().chain(&top) {
            for w in t.term.split(' ') {
                assert!(!is_stop_word(w), "{t:?}");
            }
        }
        assert!(
            keys[0]
                .iter()
                .any(|t| t.term == "carthion" || t.term == "bws")
        );
        let texts = [
            "Mae'r bws yn hwyr eto",
            "Mae’r bws yn hwyr bob dydd",
            "The bus is late",
        ];
        let c = Corpus::new(texts);
        assert!(c.is_welsh(0) && c.is_welsh(1) && !c.is_welsh(2));
        let shown: Vec<String> = c
            .top_terms(&[0, 1, 2], 10)
            .into_iter()
            .map(|t| t.term)
            .collect();
        // "yn" stands between them: no bigram.
        assert_eq!(shown, ["bws", "hwyr"]);
    }

    #[test]
    fn words_numbers_and_apostrophes() {
        let texts = [
            "The X5 doesn't run after 6pm, it's 2026!",
            "the x5 is late at 18:30, £2.50 for 5th time",
            "A&E waits; A&E at 3am",
            "a&e again",
            "Tŷ Gwyn ŵyr ŷd café naïve",
            "ty\u{302} gwyn cafe\u{301}",
        ];
        let c = Corpus::new(texts);
        let top = c.top_terms(&[0, 1, 2, 3, 4, 5], 20);
        let shown: Vec<&str> = top.iter().map(|t| t.term.as_str()).collect();
        assert!(shown.contains(&"x5"), "{shown:?}");
        assert!(shown.contains(&"a&e"), "{shown:?}");
        assert!(shown.contains(&"gwyn"), "{shown:?}");
        for bad in [
            "6pm", "2026", "18", "30", "2", "50", "5th", "doesn", "t", "it's", "s", "3am",
        ] {
            assert!(!shown.contains(&bad), "{bad} in {shown:?}");
        }
    }

    #[test]
    fn nasty_input_never_panics() {
        let smileys = "😀".repeat(1000);
        let letters = "a".repeat(1000);
        let marks = format!("e{}", "\u{301}".repeat(999));
        let words = "bus ".repeat(250);
        let texts = [
            "",
            " ",
            smileys.as_str(),
            letters.as_str(),
            marks.as_str(),
            words.as_str(),
            "the and of it is was",
            "yn y mae ac ar",
            "مرحبا بالعالم الحافلات متأخرة",
            "שלום עולם האוטובוס מאחר",
            "\u{202e}reversed text\u{202c} \u{200d}\u{fe0f}",
            "'''' -- '' &&& a'b'c'd don''t",
            "👨‍👩‍👧 🏳️‍🌈 ✊🏽",
            "\0\t\r\n",
            "1234567890 0000 99 £££",
            "bus",
            "bus",
        ];
        let c = Corpus::new(texts);
        assert_eq!(c.len(), texts.len());
        assert!(!c.is_empty());
        let all: Vec<usize> = (0..c.len()).collect();
        let groups = c.groups(&all);
        // "bus" and "bus bus bus ..." hold the same single term.
        assert!(groups.iter().any(|g| {
            let mut m = g.members.clone();
            m.sort_unstable();
            m == [5, 15, 16]
        }));
        let _ = c.key_terms(&[all.clone(), vec![], vec![0, 1, 2]], 10);
        let _ = c.top_terms(&all, 10);
        let _ = c.shared_terms(&[all.clone(), all.clone()], 0, 10);
        for a in 0..c.len() {
            for b in 0..c.len() {
                let s = c.similarity(a, b);
                assert!((0.0..=1.0).contains(&s));
                assert!((s - c.similarity(b, a)).abs() < 1e-12);
            }
        }
        assert_eq!(c.similarity(0, 999), 0.0);
        assert!((c.similarity(15, 16) - 1.0).abs() < 1e-6);
        assert_eq!(c.similarity(3, 3), 0.0);
        assert_eq!(c.similarity(8, 8), 1.0);
        let stop_only = Corpus::new(["the and of", "it is was"]);
        assert!(stop_only.groups(&[0, 1]).is_empty());
        assert!(stop_only.top_terms(&[0, 1], 5).is_empty());
        let empty = Corpus::new(std::iter::empty::<&str>());
        assert!(empty.is_empty());
        assert!(empty.groups(&[0, 1]).is_empty());
        assert!(empty.key_terms(&[vec![0]], 3).iter().all(Vec::is_empty));
    }

    /// How the thresholds were chosen: `cargo test --release -- --ignored tune --nocapture`.
    #[test]
    #[ignore]
    fn tune() {
        let rows = corpus();
        let labels: Vec<&str> = rows.iter().map(|r| r.label).collect();
        let all: Vec<usize> = (0..rows.len()).collect();
        for link_threshold in [0.2, 0.25, 0.3, 0.35] {
            for bigram_weight in [0.3, 0.6, 1.0] {
                for threshold in [0.3, 0.35, 0.4, 0.45] {
                    let params = Params {
                        bigram_weight,
                        threshold,
                        link_threshold,
                        ..Params::default()
                    };
                    let c = Corpus::build(rows.iter().map(|r| r.text), params);
                    let s = score(&labels, &c.groups(&all));
                    println!(
                        "link {link_threshold:.2} bigram {bigram_weight:.1} pair {threshold:.2}: \
                         precision {:.3} recall {:.3}",
                        s.precision, s.recall
                    );
                }
            }
        }
    }

    /// Synthetic comments: pieces of corpus comments, with some words swapped for others
    /// (corpus words, or made-up ones for a long tail).
    fn synthetic(count: usize) -> Vec<String> {
        let rows = corpus();
        let lines: Vec<Vec<&str>> = rows.iter().map(|r| r.text.split(' ').collect()).collect();
        let vocab: Vec<&str> = lines.iter().flatten().copied().collect();
        let syllables = [
            "ba", "cor", "den", "fi", "gal", "har", "in", "jo", "kel", "lan", "mor", "nen", "ost",
            "pra", "quin", "rhy", "sel", "tor", "ul", "ven", "wy", "yst",
        ];
        let mut rng = Lcg(42);
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            let mut text = String::new();
            let target = 50 + rng.below(100);
            while text.len() < target {
                let line = &lines[rng.below(lines.len())];
                let from = rng.below(line.len().div_ceil(2));
                for w in &line[from..] {
                    if !text.is_empty() {
                        text.push(' ');
                    }
                    match rng.below(10) {
                        0 => text.push_str(vocab[rng.below(vocab.len())]),
                        1 => {
                            for _ in 0..2 + rng.below(2) {
                                text.push_str(syllables[rng.below(syllables.len())]);
                            }
                        }
                        _ => text.push_str(w),
                    }
                }
            }
            out.push(text);
        }
        out
    }

    /// CPU time of this thread so far, in seconds (Linux; 0 elsewhere). The machine may be
    /// shared, so wall time alone can mislead; but `groups` uses more threads for large
    /// subsets, whose time this leaves out.
    fn cpu_time() -> f64 {
        std::fs::read_to_string("/proc/thread-self/schedstat")
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(0.0, |ns| ns / 1e9)
    }

    fn time_all(count: usize) -> f64 {
        let texts = synthetic(count);
        let chars: usize = texts.iter().map(|t| t.chars().count()).sum();
        let parts: Vec<Vec<usize>> = (0..40)
            .map(|p| (0..count).filter(|i| i % 40 == p).collect())
            .collect();
        let all: Vec<usize> = (0..count).collect();
        let cpu0 = cpu_time();
        let t0 = Instant::now();
        let c = Corpus::new(texts.iter().map(String::as_str));
        let t1 = Instant::now();
        let keys = c.key_terms(&parts, 10);
        let t2 = Instant::now();
        let top = c.top_terms(&all, 20);
        let t3 = Instant::now();
        let groups = c.groups(&all);
        let t4 = Instant::now();
        let cpu = cpu_time() - cpu0;
        let total = (t4 - t0).as_secs_f64();
        println!(
            "{count} comments (avg {} chars): new {:.0} ms, key_terms {:.0} ms, \
             top_terms {:.0} ms, groups {:.0} ms ({} groups, largest {}), total {:.0} ms (this thread's cpu {:.0} ms); \
             {} key terms, {} top",
            chars / count,
            (t1 - t0).as_secs_f64() * 1e3,
            (t2 - t1).as_secs_f64() * 1e3,
            (t3 - t2).as_secs_f64() * 1e3,
            (t4 - t3).as_secs_f64() * 1e3,
            groups.len(),
            groups.first().map_or(0, |g| g.members.len()),
            total * 1e3,
            cpu * 1e3,
            keys.iter().map(Vec::len).sum::<usize>(),
            top.len(),
        );
        total
    }

    #[test]
    #[ignore]
    fn bench_groups() {
        let texts = synthetic(100_000);
        let c = Corpus::new(texts.iter().map(String::as_str));
        let all: Vec<usize> = (0..c.len()).collect();
        let mut best = f64::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            let g = c.groups(&all);
            best = best.min(t.elapsed().as_secs_f64());
            assert!(!g.is_empty());
        }
        println!("groups best {:.0} ms", best * 1e3);
    }

    /// `cargo test --release -- --ignored timing --nocapture`: the best of three runs (wall
    /// time; the machine may be shared).
    #[test]
    #[ignore]
    fn timing() {
        let best = |count| (0..3).map(|_| time_all(count)).fold(f64::MAX, f64::min);
        let small = best(10_000);
        let large = best(100_000);
        println!(
            "best: 10k {:.0} ms, 100k {:.0} ms",
            small * 1e3,
            large * 1e3
        );
        assert!(small < 0.15, "10k took {small:.3} s");
        assert!(large < 1.5, "100k took {large:.3} s");
    }
}
