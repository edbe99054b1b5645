//! Storage behind one trait, so a PostgreSQL implementation can slot in beside SQLite.
//!
//! Every change to an event goes through [`Storage::apply`], which checks the rules (event
//! open, round open), writes the change and takes the event's next sequence number in one
//! transaction. Nothing is broadcast until that transaction has committed.

pub mod sql;

use async_trait::async_trait;

use crate::agenda::{Agenda, Announcement, Moderation, Settings};
use crate::model::{Comment, EventState, InputError, NewEvent, Round, Source};

/// Errors from storage, kept free of sqlx types so handlers never see them.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The thing asked for does not exist (or is not in this event).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The change breaks a rule (round closed, event closed...); the message is for people.
    #[error("refused: {}", .0.message)]
    Refused(InputError),
    /// A unique value is already taken.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// Anything else (database unreachable, disk full...).
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for StorageError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::RowNotFound => StorageError::NotFound("row"),
            other => StorageError::Other(anyhow::Error::new(other)),
        }
    }
}

/// Result of a storage call.
pub type StorageResult<T> = Result<T, StorageError>;

/// An organiser account.
#[derive(Debug, Clone)]
pub struct Organiser {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub password_hash: String,
}

/// An organiser's API token, as listed (the token itself is never stored).
#[derive(Debug, Clone)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A URL told when one of the organiser's events closes.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub id: i64,
    pub url: String,
    pub include_text: bool,
    pub created_at: i64,
    /// The latest delivery: its status line, when it was last tried, and whether it arrived.
    pub last: Option<(String, i64, bool)>,
}

/// A webhook call that is due.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub event_id: i64,
    pub kind: String,
    pub attempts: i64,
    pub next_at: i64,
    pub url: String,
    pub secret: String,
    pub include_text: bool,
}

/// The secrets made for a new event.
#[derive(Debug, Clone)]
pub struct EventSecrets {
    pub code: String,
    pub facilitator_token: String,
    pub wall_token: String,
    /// One join token per table, in the order of `NewEvent::tables`.
    pub table_tokens: Vec<String>,
    /// One table facilitator console token per table, in the same order.
    pub table_facilitator_tokens: Vec<String>,
}

/// Which access link to replace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkKind {
    Facilitator,
    Wall,
}

/// How an event is looked up from outside.
#[derive(Debug, Clone, Copy)]
pub enum EventKey<'a> {
    /// The short code attendees type. (Console and wall links: `find_console`,
    /// `find_wall`.)
    Code(&'a str),
}

/// Who asked for a change from a console: written to the activity log, and a table
/// facilitator (`table_id` set) may only act on their own table's comments.
#[derive(Debug, Clone)]
pub struct Actor {
    /// "Lead facilitator (Sam)", "Table 3 facilitator"...
    pub label: String,
    pub table_id: Option<i64>,
}

/// One line of the activity log.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub at: i64,
    pub actor: String,
    pub table_number: Option<i64>,
    pub action: String,
    pub comment_id: Option<i64>,
}

/// A campaign tour: events in several places on the same themes.
#[derive(Debug, Clone, PartialEq)]
pub struct Campaign {
    pub id: i64,
    pub name: String,
    pub organiser_id: Option<i64>,
}

/// A share link for a policy briefing (of an event or a campaign).
#[derive(Debug, Clone, PartialEq)]
pub struct Share {
    pub id: i64,
    pub event_id: Option<i64>,
    pub campaign_id: Option<i64>,
    pub expires_at: i64,
    pub revoked: bool,
    pub created_at: i64,
}

/// Live figures for one table (see `overview` in docs/protocol.md).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TableStats {
    pub table_id: i64,
    pub comments: i64,
    pub contributors: i64,
    pub top_two_share: Option<f64>,
    pub last_post_at: Option<i64>,
    pub pending: i64,
}

/// One change to an event, as asked for.
#[derive(Debug, Clone)]
pub enum Change {
    /// A comment in the open round. Stored once per `client_id`.
    Post {
        table_id: i64,
        client_id: String,
        text: String,
        name: Option<String>,
        source: Source,
        /// The round (number) it was written for, if the client said: refused when that
        /// round is no longer the open one, rather than filed under the next question.
        round: Option<i64>,
        /// The comment this answers (same table).
        reply_to: Option<i64>,
        /// Pseudonymous device hash of the writer (attendees only).
        author: Option<String>,
    },
    /// The writer deletes their own comment (matched by the device's author key): its
    /// words, name and agreements go at once.
    DeleteOwn {
        comment_id: i64,
        author: String,
    },
    /// One agreement per voter, with a comment at the voter's table.
    Agree {
        comment_id: i64,
        table_id: i64,
        voter: String,
    },
    /// Hide (`on`) or restore.
    Hide {
        comment_id: i64,
        on: bool,
        reason: Option<String>,
    },
    /// Put on the wall (`on`) or take off.
    Highlight {
        comment_id: i64,
        on: bool,
    },
    /// Close the open round (if any) and open this one.
    OpenRound {
        round_id: i64,
    },
    /// Close the open round.
    CloseRound,
    /// Open or close the whole event.
    SetOpen {
        open: bool,
    },
    /// Pre-moderation: show a waiting comment.
    Approve {
        comment_id: i64,
    },
    /// Show `comment_id` as part of `into`.
    Merge {
        comment_id: i64,
        into: i64,
    },
    Unmerge {
        comment_id: i64,
    },
    Tag {
        comment_id: i64,
        label: String,
        on: bool,
    },
    Star {
        comment_id: i64,
        on: bool,
    },
    /// Correct a typo; the first original is kept.
    Edit {
        comment_id: i64,
        text: String,
    },
    /// End the running agenda item and start this one.
    AgendaStart {
        item_id: i64,
    },
    AgendaEnd,
    AgendaExtend {
        seconds: i64,
    },
    /// `None` clears.
    Announce {
        text: Option<String>,
        wall: bool,
    },
    /// Moderation mode, tags and the run of show, from the settings page.
    Settings(Settings),
    /// How one wall looks.
    WallSet {
        wall_id: i64,
        update: crate::walls::WallUpdate,
    },
    /// Another wall with its own link.
    AddWall {
        name: String,
        token: String,
    },
    /// An uploaded image, already checked and re-encoded.
    AddImage {
        table_id: Option<i64>,
        caption: String,
        image: crate::images::Processed,
    },
    /// Put an image on the walls (`on`) or take it off.
    ShowImage {
        image_id: i64,
        on: bool,
    },
    /// Hide an image (kept, never shown or reported) or restore it.
    HideImage {
        image_id: i64,
        on: bool,
    },
}

impl Change {
    /// Only the lead facilitator (or an organiser) may ask for these.
    pub fn lead_only(&self) -> bool {
        matches!(
            self,
            Change::OpenRound { .. }
                | Change::CloseRound
                | Change::SetOpen { .. }
                | Change::AgendaStart { .. }
                | Change::AgendaEnd
                | Change::AgendaExtend { .. }
                | Change::Announce { .. }
                | Change::Settings(_)
                | Change::WallSet { .. }
                | Change::AddWall { .. }
        )
    }
}

/// What a numbered change was about; its current state travels with it.
#[derive(Debug, Clone)]
pub enum Item {
    Comment(Comment),
    Round(Round),
    Event {
        open: bool,
        moderation: Moderation,
        /// The event's tags (consoles update their tag buttons from it).
        labels: Vec<String>,
    },
    Agenda(Agenda),
    Announcement(Option<Announcement>),
    /// Every wall of the event (consoles and walls only).
    Walls(Vec<crate::walls::Wall>),
    Image(crate::images::ImageMeta),
}

/// A numbered change: `kind` is the word in docs/protocol.md (`posted`, `hidden`, `opened`...).
#[derive(Debug, Clone)]
pub struct Numbered {
    pub seq: i64,
    pub kind: String,
    pub item: Item,
}

/// What [`Storage::apply`] did.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// Numbered changes, in order; empty when nothing changed (a repeat).
    pub changes: Vec<Numbered>,
    /// For posts: the stored comment (also on a repeat, for the ack).
    pub comment: Option<Comment>,
}

/// The storage interface. Implementations must make `apply` atomic and number changes in
/// commit order per event.
#[async_trait]
pub trait Storage: Send + Sync {
    /// How many organiser accounts exist (zero means first run).
    async fn organiser_count(&self) -> StorageResult<i64>;
    /// Creates an organiser; `Conflict` when the email is taken.
    async fn create_organiser(
        &self,
        email: &str,
        name: &str,
        password_hash: &str,
    ) -> StorageResult<i64>;
    async fn organiser_by_email(&self, email: &str) -> StorageResult<Option<Organiser>>;
    async fn create_session(
        &self,
        token_hash: &str,
        organiser_id: i64,
        expires_at: i64,
    ) -> StorageResult<()>;
    /// The organiser of a live session.
    async fn session_organiser(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StorageResult<Option<Organiser>>;
    async fn delete_session(&self, token_hash: &str) -> StorageResult<()>;
    /// Sets a new password hash and ends every session of that organiser.
    async fn change_password(&self, organiser_id: i64, password_hash: &str) -> StorageResult<()>;

    /// Creates an event with its tables and rounds; returns its id.
    async fn create_event(
        &self,
        organiser_id: Option<i64>,
        event: &NewEvent,
        secrets: &EventSecrets,
    ) -> StorageResult<i64>;
    /// Events owned by an organiser, and events made on the command line without an owner,
    /// newest first.
    async fn events_of(&self, organiser_id: i64) -> StorageResult<Vec<crate::model::Event>>;
    /// Every event that is open to phones, newest first.
    async fn open_events(&self) -> StorageResult<Vec<crate::model::Event>>;
    /// The event with its tables, rounds and current sequence number.
    async fn event_state(&self, event_id: i64) -> StorageResult<Option<EventState>>;
    /// Finds an event id by one of its secrets.
    async fn find_event(&self, key: EventKey<'_>) -> StorageResult<Option<i64>>;
    /// Finds `(event_id, table_id)` by a table's join token.
    async fn find_table(&self, join_token: &str) -> StorageResult<Option<(i64, i64)>>;
    /// Replaces an access link; the old one stops working at once.
    async fn rotate_link(&self, event_id: i64, which: LinkKind, token: &str) -> StorageResult<()>;
    /// Replaces every table facilitator link: `(table_id, new token)`.
    async fn rotate_table_links(
        &self,
        event_id: i64,
        tokens: &[(i64, String)],
    ) -> StorageResult<()>;
    /// Finds `(event_id, wall_id)` by a wall token: the main wall's or another's.
    async fn find_wall(&self, token: &str) -> StorageResult<Option<(i64, i64)>>;
    /// Replaces the link of a wall that isn't the main one (the main one: `rotate_link`).
    async fn rotate_wall(&self, event_id: i64, wall_id: i64, token: &str) -> StorageResult<()>;
    /// An image's JPEG bytes and what is known about it.
    async fn image(
        &self,
        event_id: i64,
        image_id: i64,
    ) -> StorageResult<Option<(crate::images::ImageMeta, Vec<u8>)>>;
    /// How many comments are shown in the event (not hidden, approved, not merged).
    async fn shown_count(&self, event_id: i64) -> StorageResult<i64>;
    /// Finds `(event_id, table)` by a console token: the lead's (`None`) or a table's.
    async fn find_console(&self, token: &str) -> StorageResult<Option<(i64, Option<i64>)>>;
    /// Per-table figures for the open round (the whole event when none is open).
    async fn table_stats(&self, event_id: i64) -> StorageResult<(Option<i64>, Vec<TableStats>)>;
    /// The activity log, newest first (one table's entries when `table_id` is set).
    async fn audit_log(
        &self,
        event_id: i64,
        table_id: Option<i64>,
        limit: i64,
    ) -> StorageResult<Vec<AuditEntry>>;

    /// Comments of an event (optionally one table), newest first.
    async fn comments(
        &self,
        event_id: i64,
        table_id: Option<i64>,
        include_hidden: bool,
    ) -> StorageResult<Vec<Comment>>;
    /// Ids of the comments in this event a voter has agreed with.
    async fn agreed_by(&self, event_id: i64, voter: &str) -> StorageResult<Vec<i64>>;

    /// Every agreement of an event: `(comment id, voter hash)`.
    async fn agreements(&self, event_id: i64) -> StorageResult<Vec<(i64, String)>>;
    /// Fills a new (closed) event with an archive's content in one transaction: comments
    /// with their replies and merges, agreements, images, activity, round and agenda states.
    async fn import_content(
        &self,
        event_id: i64,
        checked: &crate::report::archive::Checked,
    ) -> StorageResult<()>;
    /// Deletes an event and everything in it.
    async fn delete_event(&self, event_id: i64) -> StorageResult<()>;

    /// Campaigns an organiser can use (theirs, and those made without an owner), by name.
    async fn campaigns_of(&self, organiser_id: i64) -> StorageResult<Vec<Campaign>>;
    async fn create_campaign(&self, organiser_id: Option<i64>, name: &str) -> StorageResult<i64>;
    async fn campaign(&self, campaign_id: i64) -> StorageResult<Option<Campaign>>;
    /// The campaign an event belongs to.
    async fn event_campaign(&self, event_id: i64) -> StorageResult<Option<Campaign>>;
    /// Puts an event in a campaign, or takes it out (`None`).
    async fn set_event_campaign(
        &self,
        event_id: i64,
        campaign_id: Option<i64>,
    ) -> StorageResult<()>;
    /// Ids of a campaign's events, oldest first.
    async fn campaign_events(&self, campaign_id: i64) -> StorageResult<Vec<i64>>;

    /// Stores a share link (its token's hash only).
    async fn create_share(
        &self,
        token_hash: &str,
        event_id: Option<i64>,
        campaign_id: Option<i64>,
        expires_at: i64,
    ) -> StorageResult<i64>;
    /// Share links of an event or a campaign, newest first.
    async fn shares_of(
        &self,
        event_id: Option<i64>,
        campaign_id: Option<i64>,
    ) -> StorageResult<Vec<Share>>;
    /// A share link that is neither revoked nor expired.
    async fn live_share(&self, token_hash: &str, now: i64) -> StorageResult<Option<Share>>;
    /// Revokes a share link of that event or campaign; false when there is none.
    async fn revoke_share(
        &self,
        share_id: i64,
        event_id: Option<i64>,
        campaign_id: Option<i64>,
    ) -> StorageResult<bool>;

    /// Pledge actions, who contacts people, and whether "about you" is on (`None`: no event).
    async fn pledge_setup(
        &self,
        event_id: i64,
    ) -> StorageResult<Option<crate::pledges::model::PledgeSetup>>;
    async fn save_pledge_setup(
        &self,
        event_id: i64,
        input: &crate::pledges::model::SetupInput,
    ) -> StorageResult<()>;
    /// The pledge made with the key whose hash this is.
    async fn pledge(
        &self,
        event_id: i64,
        key_hash: &str,
    ) -> StorageResult<Option<crate::pledges::model::Pledge>>;
    /// Every pledge of the event (for the local campaign pack).
    async fn pledges(&self, event_id: i64) -> StorageResult<Vec<crate::pledges::model::Pledge>>;
    async fn pledge_count(&self, event_id: i64) -> StorageResult<i64>;
    /// Makes or replaces the pledge of this key (refused once the event is closed).
    async fn save_pledge(
        &self,
        event_id: i64,
        key_hash: &str,
        pledge: &crate::pledges::model::NewPledge,
    ) -> StorageResult<()>;
    /// Deletes the pledge and its contact details; false when there was none.
    async fn withdraw_pledge(&self, event_id: i64, key_hash: &str) -> StorageResult<bool>;
    async fn about(
        &self,
        event_id: i64,
        key_hash: &str,
    ) -> StorageResult<Option<crate::pledges::model::About>>;
    async fn save_about(
        &self,
        event_id: i64,
        key_hash: &str,
        about: &crate::pledges::model::About,
    ) -> StorageResult<()>;
    async fn about_totals(
        &self,
        event_id: i64,
    ) -> StorageResult<crate::pledges::model::AboutTotals>;

    /// An event's privacy notice and retention (`None`: no such event).
    async fn privacy(&self, event_id: i64)
    -> StorageResult<Option<crate::privacy::model::Privacy>>;
    async fn save_privacy(
        &self,
        event_id: i64,
        input: &crate::privacy::model::PrivacyInput,
    ) -> StorageResult<()>;
    /// Every event's privacy settings, for the retention sweep.
    async fn retention_list(&self) -> StorageResult<Vec<(i64, crate::privacy::model::Privacy)>>;
    /// Deletes the event's contact details and "about you" answers; true when anything
    /// changed.
    async fn purge_contacts(&self, event_id: i64, now: i64) -> StorageResult<bool>;
    /// Removes names and device keys from the event's comments and agreements; true when
    /// anything changed.
    async fn anonymise_comments(&self, event_id: i64, now: i64) -> StorageResult<bool>;
    /// Writes the write-ahead log back and empties it, so deleted text leaves it too.
    async fn checkpoint(&self) -> StorageResult<()>;
    /// The event's organisers: (id, name, email, is the owner), the owner first.
    async fn event_organisers(
        &self,
        event_id: i64,
    ) -> StorageResult<Vec<(i64, String, String, bool)>>;
    /// Adds an organiser to the event (no change if they are on it already).
    async fn add_event_organiser(&self, event_id: i64, organiser_id: i64) -> StorageResult<()>;
    /// Takes an added organiser off the event; false when they weren't on it.
    async fn remove_event_organiser(&self, event_id: i64, organiser_id: i64)
    -> StorageResult<bool>;
    /// The comments this device (author key) wrote in the event and hasn't deleted, newest
    /// first.
    async fn own_comments(&self, event_id: i64, author: &str) -> StorageResult<Vec<Comment>>;
    /// Every "about you" answer of the event (for the subject-access export).
    async fn about_answers(
        &self,
        event_id: i64,
    ) -> StorageResult<Vec<crate::pledges::model::About>>;

    /// Applies a change atomically, numbering what changed. A console's change (`actor`) is
    /// also written to the activity log, even when it changed nothing.
    async fn apply(
        &self,
        event_id: i64,
        change: Change,
        actor: Option<Actor>,
    ) -> StorageResult<Applied>;
    /// Applies several changes to one event in one transaction (group commit): each is
    /// checked and written as `apply` would, a refused one leaves the others, and they are
    /// numbered in the order given. The outer error is the commit's: then none was stored.
    async fn apply_batch(
        &self,
        event_id: i64,
        changes: Vec<(Change, Option<Actor>)>,
    ) -> StorageResult<Vec<StorageResult<Applied>>>;
    /// Changes after `since`, at most `limit`, each with its item's current state.
    async fn changes_since(
        &self,
        event_id: i64,
        since: i64,
        limit: i64,
    ) -> StorageResult<Vec<Numbered>>;
    /// The event's last sequence number (0 for an unknown event).
    async fn last_seq(&self, event_id: i64) -> StorageResult<i64>;
    /// Answers when the database does (for `/readyz`).
    async fn ping(&self) -> StorageResult<()>;

    // ---- the API: tokens and webhooks ----
    async fn create_api_token(
        &self,
        organiser_id: i64,
        name: &str,
        token_hash: &str,
    ) -> StorageResult<i64>;
    async fn api_tokens(&self, organiser_id: i64) -> StorageResult<Vec<ApiToken>>;
    /// Revokes one of the organiser's tokens; false if they have no such live token.
    async fn revoke_api_token(&self, organiser_id: i64, id: i64, now: i64) -> StorageResult<bool>;
    /// The organiser a live token belongs to (and notes that it was used).
    async fn token_organiser(&self, token_hash: &str, now: i64)
    -> StorageResult<Option<Organiser>>;
    async fn create_webhook(
        &self,
        organiser_id: i64,
        url: &str,
        secret: &str,
        include_text: bool,
    ) -> StorageResult<i64>;
    async fn webhooks(&self, organiser_id: i64) -> StorageResult<Vec<Webhook>>;
    /// Deletes one of the organiser's webhooks (and its queued calls); false if none.
    async fn delete_webhook(&self, organiser_id: i64, id: i64) -> StorageResult<bool>;
    /// Calls due at `now`, oldest first.
    async fn due_deliveries(&self, now: i64, limit: i64) -> StorageResult<Vec<Delivery>>;
    /// Takes a due call for this node until `until`; false if another node took it first.
    async fn claim_delivery(&self, d: &Delivery, until: i64) -> StorageResult<bool>;
    /// Records an attempt: the next try at `next_at`, or over (`None`).
    async fn record_delivery(
        &self,
        id: i64,
        attempts: i64,
        status: &str,
        delivered: bool,
        next_at: Option<i64>,
    ) -> StorageResult<()>;
    /// Sends a message to every server node sharing this database (PostgreSQL NOTIFY on
    /// `roundtable_nodes`); nothing on SQLite, where one node is all there is.
    async fn tell_nodes(&self, payload: &str) -> StorageResult<()>;
    /// The PostgreSQL URL every node listens on for others' changes; `None` on SQLite.
    fn cluster_url(&self) -> Option<String>;
}
