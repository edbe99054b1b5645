//! The websocket hub: per event ("room"), one broadcast channel for its screens (consoles and
//! walls) and one per table for the phones there. A change is written to storage first,
//! numbered in that transaction, and only then published. Each published change is serialised
//! once per audience variant (full, or "removed" for phones and walls) and the bytes are
//! shared by every subscriber; a phone's task wakes only for what its table may get.

pub mod cluster;
pub mod connection;
pub mod metrics;
pub mod protocol;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use crate::model::Comment;
use crate::storage::{Actor, Applied, Change, Item, Numbered, Storage, StorageResult};

/// How many changes a subscriber may fall behind before it is told to resynchronise: about
/// two seconds of a very busy event (2,000 posts/s). The ring is shared by the event's
/// sockets (each slot one `Arc`), so its size costs memory once per event, not per socket.
pub const ROOM_CAPACITY: usize = 4096;
/// The same for one table's phones, which get only their table's comments and the event-wide
/// messages: at 2,000 posts/s over 40 tables, about 20 s of changes.
pub const TABLE_CAPACITY: usize = 1024;
/// Presence and overview go out at most this often per event.
pub const OVERVIEW_EVERY: Duration = Duration::from_millis(500);

/// Who is on the other end of a socket, and so what they may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// A phone at one table. `author` is the device's pseudonymous hash.
    Phone {
        table_id: i64,
        voter: String,
        author: String,
    },
    /// A facilitator console: the lead's (`table_id: None`) sees everything, a table
    /// facilitator's only their table; hidden and waiting comments included.
    Console { table_id: Option<i64> },
    /// A projected wall: highlighted, visible comments only.
    Wall { wall_id: i64 },
}

impl Role {
    /// Whether a comment may be shown to this role at all (used for snapshots).
    pub fn may_see(&self, c: &Comment) -> bool {
        match self {
            Role::Console { table_id: None } => true,
            Role::Console { table_id: Some(t) } => c.table_id == *t,
            Role::Phone {
                table_id, author, ..
            } => {
                c.table_id == *table_id
                    && (c.is_public()
                        || (!c.approved
                            && !c.hidden
                            && c.merged_into.is_none()
                            && c.author.as_deref() == Some(author.as_str())))
            }
            Role::Wall { .. } => c.highlighted && c.is_public(),
        }
    }
    /// Short name for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Role::Phone { .. } => "phone",
            Role::Console { .. } => "console",
            Role::Wall { .. } => "wall",
        }
    }
    pub fn is_console(&self) -> bool {
        matches!(self, Role::Console { .. })
    }
    /// Consoles and walls: the staff side that sees wall settings.
    pub fn is_staff_screen(&self) -> bool {
        matches!(self, Role::Console { .. } | Role::Wall { .. })
    }
}

/// What a published message holds, and so who gets which bytes.
#[derive(Debug)]
enum Body {
    /// The same frame for every role.
    Same(Utf8Bytes),
    /// A change to a comment: consoles get `full`, phones and walls `public` or `removed`.
    Comment {
        table_id: i64,
        public: bool,
        highlighted: bool,
        /// Waiting for approval: only the writing device's phone may see it.
        pending_author: Option<String>,
        /// Not approved yet: other phones never had it, so nothing to remove.
        waiting: bool,
        /// The writer's device hash: their phone hears when a waiting comment is turned down.
        author: Option<String>,
        kind: String,
        full: Utf8Bytes,
        public_frame: Utf8Bytes,
        removed: Utf8Bytes,
    },
    /// Phones and consoles get `full`; the wall `wall` (null unless meant for it).
    Announcement {
        full: Utf8Bytes,
        wall: Utf8Bytes,
    },
    /// Consoles and walls only (wall settings).
    Staff(Utf8Bytes),
    /// An image: consoles (of its table) get it; walls while it is on show, else `removed`.
    Image {
        table_id: Option<i64>,
        on_show: bool,
        kind: String,
        full: Utf8Bytes,
        removed: Utf8Bytes,
    },
    /// Consoles only: the lead gets every table, a table facilitator their own.
    Overview {
        lead: Utf8Bytes,
        per_table: HashMap<i64, Utf8Bytes>,
    },
    Nothing,
}

/// A published message, serialised once for each audience variant.
#[derive(Debug)]
pub struct Envelope {
    /// The change's sequence number; 0 for messages that are not numbered (presence,
    /// overview, revocations).
    pub seq: i64,
    body: Body,
    /// Not a change: sockets of this role must close (their link was replaced).
    pub revoke: Option<Revoked>,
}

/// Which link was replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoked {
    Console,
    TableConsoles,
    /// One wall's link.
    Wall(i64),
    /// The whole event was deleted: every screen and phone is closed.
    Event,
}

impl Envelope {
    /// Serialises a numbered change.
    pub fn new(n: &Numbered) -> Self {
        let body = match &n.item {
            Item::Comment(c) => Body::Comment {
                table_id: c.table_id,
                public: c.is_public(),
                highlighted: c.highlighted,
                pending_author: if !c.approved && !c.hidden && c.merged_into.is_none() {
                    c.author.clone()
                } else {
                    None
                },
                waiting: !c.approved,
                author: c.author.clone(),
                kind: n.kind.clone(),
                full: Utf8Bytes::from(protocol::comment_msg(n.seq, &n.kind, c)),
                public_frame: Utf8Bytes::from(protocol::public_comment_msg(n.seq, &n.kind, c)),
                removed: Utf8Bytes::from(protocol::removed_msg(n.seq, c.id)),
            },
            Item::Announcement(a) => Body::Announcement {
                full: Utf8Bytes::from(protocol::announcement_msg(n.seq, a.as_ref())),
                wall: Utf8Bytes::from(protocol::announcement_msg(
                    n.seq,
                    a.as_ref().filter(|a| a.wall),
                )),
            },
            Item::Walls(_) => Body::Staff(Utf8Bytes::from(protocol::full_msg(n))),
            Item::Image(m) => Body::Image {
                table_id: m.table_id,
                on_show: m.on_show(),
                kind: n.kind.clone(),
                full: Utf8Bytes::from(protocol::full_msg(n)),
                removed: Utf8Bytes::from(protocol::image_removed_msg(n.seq, m.id)),
            },
            _ => Body::Same(Utf8Bytes::from(protocol::full_msg(n))),
        };
        Envelope {
            seq: n.seq,
            body,
            revoke: None,
        }
    }

    /// An unnumbered message for every role.
    pub fn unnumbered(text: String) -> Self {
        Envelope {
            seq: 0,
            body: Body::Same(Utf8Bytes::from(text)),
            revoke: None,
        }
    }

    /// The frame this role should get, if any. Hidden, merged and waiting text never
    /// reaches phones (other than the writer's) or walls.
    pub fn frame_for(&self, role: &Role) -> Option<&Utf8Bytes> {
        match &self.body {
            Body::Same(f) => Some(f),
            Body::Staff(f) => role.is_staff_screen().then_some(f),
            Body::Image {
                table_id,
                on_show,
                kind,
                full,
                removed,
            } => match role {
                Role::Console { table_id: None } => Some(full),
                Role::Console { table_id: Some(t) } => (*table_id == Some(*t)).then_some(full),
                Role::Wall { .. } => {
                    if *on_show {
                        Some(full)
                    } else if matches!(kind.as_str(), "image_unshown" | "image_hidden") {
                        Some(removed)
                    } else {
                        None
                    }
                }
                Role::Phone { .. } => None,
            },
            Body::Nothing => None,
            Body::Announcement { full, wall } => Some(if matches!(role, Role::Wall { .. }) {
                wall
            } else {
                full
            }),
            Body::Overview { lead, per_table } => match role {
                Role::Console { table_id: None } => Some(lead),
                Role::Console { table_id: Some(t) } => per_table.get(t),
                _ => None,
            },
            // Deleted by its writer: every screen that may have it drops it.
            Body::Comment {
                table_id,
                kind,
                removed,
                ..
            } if kind == "deleted" => match role {
                Role::Console { table_id: Some(t) } | Role::Phone { table_id: t, .. } => {
                    (t == table_id).then_some(removed)
                }
                Role::Console { table_id: None } | Role::Wall { .. } => Some(removed),
            },
            Body::Comment {
                table_id,
                public,
                highlighted,
                pending_author,
                waiting,
                author: writer,
                kind,
                full,
                public_frame,
                removed,
            } => match role {
                Role::Console { table_id: None } => Some(full),
                Role::Console { table_id: Some(t) } => (t == table_id).then_some(full),
                Role::Phone {
                    table_id: mine,
                    author,
                    ..
                } => {
                    if mine != table_id || console_only(kind) {
                        None
                    } else if *public || pending_author.as_deref() == Some(author.as_str()) {
                        Some(public_frame)
                    } else if *waiting {
                        // Only the writer ever had it.
                        (writer.as_deref() == Some(author.as_str())).then_some(removed)
                    } else {
                        Some(removed)
                    }
                }
                Role::Wall { .. } => {
                    if console_only(kind) {
                        None
                    } else if *public && *highlighted {
                        Some(public_frame)
                    } else if matches!(kind.as_str(), "hidden" | "unhighlighted" | "merged")
                        || (!*public && *highlighted)
                    {
                        Some(removed)
                    } else {
                        None
                    }
                }
            },
        }
    }

    /// Which tables' phones may get this message.
    fn phones(&self) -> Phones {
        match &self.body {
            Body::Same(_) | Body::Announcement { .. } => Phones::All,
            Body::Comment { table_id, .. } => Phones::Table(*table_id),
            Body::Nothing if self.revoke == Some(Revoked::Event) => Phones::All,
            Body::Nothing | Body::Staff(_) | Body::Image { .. } | Body::Overview { .. } => {
                Phones::None
            }
        }
    }

    /// Whether this message is numbered (replayable).
    pub fn numbered(&self) -> bool {
        self.seq > 0
    }
}

/// Which phone channels a message goes to.
enum Phones {
    None,
    Table(i64),
    All,
}

/// An event's broadcast channels: one for its screens (consoles and walls), one per table for
/// that table's phones (made when the first phone there subscribes).
struct Channels {
    screens: broadcast::Sender<Arc<Envelope>>,
    tables: Mutex<HashMap<i64, broadcast::Sender<Arc<Envelope>>>>,
    metrics: Arc<metrics::Metrics>,
}

impl Channels {
    fn new(metrics: Arc<metrics::Metrics>) -> Self {
        Channels {
            screens: broadcast::channel(ROOM_CAPACITY).0,
            tables: Mutex::new(HashMap::new()),
            metrics,
        }
    }

    /// Messages waiting for the slowest receiver of the fullest of these queues.
    fn queue_max(&self) -> usize {
        let tables = lock(&self.tables).values().map(|t| t.len()).max();
        self.screens.len().max(tables.unwrap_or(0))
    }

    /// Publishes to the screens and to the phones that may get it. Nobody listening is fine:
    /// a numbered change is stored and replays.
    fn send(&self, env: Envelope) {
        self.metrics.broadcast();
        let env = Arc::new(env);
        match env.phones() {
            Phones::None => {}
            Phones::Table(t) => {
                if let Some(tx) = lock(&self.tables).get(&t) {
                    let _ = tx.send(env.clone());
                }
            }
            Phones::All => {
                for tx in lock(&self.tables).values() {
                    let _ = tx.send(env.clone());
                }
            }
        }
        let _ = self.screens.send(env);
    }

    /// A receiver for a phone at `table` (`Some`) or a screen (`None`).
    fn subscribe(&self, table: Option<i64>) -> broadcast::Receiver<Arc<Envelope>> {
        match table {
            None => self.screens.subscribe(),
            Some(t) => lock(&self.tables)
                .entry(t)
                .or_insert_with(|| broadcast::channel(TABLE_CAPACITY).0)
                .subscribe(),
        }
    }

    /// Whether any socket on this node follows the event.
    fn followed(&self) -> bool {
        self.screens.receiver_count() > 0
            || lock(&self.tables)
                .values()
                .any(|tx| tx.receiver_count() > 0)
    }
}

/// Changes whose only effect is on fields phones and walls never get (tags, star): they
/// are not sent to them at all (a gap in `seq` is normal).
fn console_only(kind: &str) -> bool {
    matches!(kind, "tagged" | "starred" | "unstarred")
}

/// An event's writer: applies waiting changes in batches, publishes, answers.
async fn writer(
    hub: std::sync::Weak<Inner>,
    event_id: i64,
    room: RoomHandle,
    mut jobs: mpsc::UnboundedReceiver<Job>,
) {
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let Some(inner) = hub.upgrade() else { return };
        let hub = Hub(inner);
        let mut replies = Vec::with_capacity(batch.len());
        let mut changes = Vec::with_capacity(batch.len());
        for job in batch {
            changes.push((job.change, job.actor));
            replies.push(job.reply);
        }
        let posts: Vec<bool> = changes
            .iter()
            .map(|(c, _)| matches!(c, Change::Post { .. }))
            .collect();
        let mut last = room.order.lock().await;
        let began = std::time::Instant::now();
        let results = match hub.0.storage.apply_batch(event_id, changes).await {
            Ok(results) => results,
            // The commit failed: none of them was stored; each caller hears why.
            Err(e) => replies.iter().map(|_| Err(duplicate(&e))).collect(),
        };
        hub.0.metrics.write_took(began.elapsed());
        let stored = posts
            .iter()
            .zip(&results)
            .filter(|(post, r)| **post && r.as_ref().is_ok_and(|a| !a.changes.is_empty()))
            .count();
        hub.0.metrics.posted(stored as u64);
        let changed: Vec<Numbered> = results
            .iter()
            .flatten()
            .flat_map(|r| r.changes.iter().cloned())
            .collect();
        // Answer first, then publish: a socket hears "ack" for its own change before the
        // change itself comes round (its task takes answers first). A caller that went
        // away still has its change stored and published.
        for (reply, result) in replies.into_iter().zip(results) {
            let _ = reply.send(result);
        }
        hub.publish(event_id, &room, &mut last, &changed).await;
        drop(last);
        let overview = changed
            .iter()
            .any(|n| matches!(n.item, Item::Comment(_) | Item::Round(_)));
        if overview {
            hub.schedule_overview(event_id);
        }
    }
}

/// A change's answer never came: its event's writer ended first.
pub fn writer_stopped() -> crate::storage::StorageError {
    crate::storage::StorageError::Other(anyhow::anyhow!("the event's writer stopped"))
}

/// The same error again, for each change of a batch whose commit failed.
fn duplicate(e: &crate::storage::StorageError) -> crate::storage::StorageError {
    use crate::storage::StorageError as E;
    match e {
        E::NotFound(what) => E::NotFound(what),
        E::Refused(why) => E::Refused(why.clone()),
        E::Conflict(what) => E::Conflict(what),
        E::Other(err) => E::Other(anyhow::anyhow!("{err:#}")),
    }
}

/// Who has a phone page open, per table: device → open sockets.
type Presence = HashMap<i64, HashMap<String, usize>>;

struct Room {
    tx: Arc<Channels>,
    /// Held across "write, then publish", so subscribers get changes in sequence order. It
    /// holds the last sequence number published here (`None` until first needed): a change
    /// numbered past it first brings the ones between from storage (written by another node).
    order: Arc<tokio::sync::Mutex<Option<i64>>>,
    presence: Arc<Mutex<Presence>>,
    /// A presence/overview message is already scheduled.
    flush_pending: Arc<AtomicBool>,
    /// Something changed since the scheduled message began reading.
    dirty: Arc<AtomicBool>,
    /// The event's writer (started on the first change): see [`Hub::apply`].
    writes: Arc<Mutex<Option<mpsc::UnboundedSender<Job>>>>,
    /// This node's phones came or went since other nodes were last told.
    presence_moved: Arc<AtomicBool>,
    /// The event's shown-comment and pledge counts, and when they were read (see
    /// [`Hub::counts`]).
    counts: Arc<tokio::sync::Mutex<Option<Counts>>>,
}

/// When the counts were read, shown comments, pledges.
type Counts = (std::time::Instant, i64, i64);

#[derive(Clone)]
struct RoomHandle {
    tx: Arc<Channels>,
    order: Arc<tokio::sync::Mutex<Option<i64>>>,
    presence: Arc<Mutex<Presence>>,
    flush_pending: Arc<AtomicBool>,
    dirty: Arc<AtomicBool>,
    writes: Arc<Mutex<Option<mpsc::UnboundedSender<Job>>>>,
    presence_moved: Arc<AtomicBool>,
    counts: Arc<tokio::sync::Mutex<Option<Counts>>>,
}

/// A change waiting for its event's writer, and who to tell how it went.
struct Job {
    change: Change,
    actor: Option<Actor>,
    reply: oneshot::Sender<StorageResult<Applied>>,
}

/// At most this many waiting changes go into one transaction.
pub const MAX_BATCH: usize = 256;

impl Room {
    fn handle(&self) -> RoomHandle {
        RoomHandle {
            tx: self.tx.clone(),
            order: self.order.clone(),
            presence: self.presence.clone(),
            flush_pending: self.flush_pending.clone(),
            dirty: self.dirty.clone(),
            writes: self.writes.clone(),
            presence_moved: self.presence_moved.clone(),
            counts: self.counts.clone(),
        }
    }
}

struct Inner {
    rooms: Mutex<HashMap<i64, Room>>,
    shutdown: watch::Sender<bool>,
    connections: watch::Sender<usize>,
    storage: Arc<dyn Storage>,
    /// Other nodes share the database (PostgreSQL): presence is told to them.
    clustered: bool,
    /// This node's name among them (random, for this process's life).
    node: String,
    /// Other nodes' phones: event → node → (when told, table → devices).
    remote: Mutex<HashMap<i64, HashMap<String, RemotePresence>>>,
    /// Where events' writers run (see [`Writers`]).
    writers: Writers,
    /// Counters for `/metrics`.
    metrics: Arc<metrics::Metrics>,
    /// The runtime the hub was made in: tasks a writer starts (overview messages) run there.
    main: tokio::runtime::Handle,
}

/// A thread of its own for events' writers. A writer awaits the database several times per
/// batch; on the runtime that serves the sockets, each of those wake-ups queued behind
/// every socket with work to do, and under load a batch spent longer waiting to be polled
/// than in SQLite.
struct Writers(Option<tokio::runtime::Runtime>);

impl Writers {
    fn start() -> Writers {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("roundtable-writer")
            .enable_all()
            .build();
        match rt {
            Ok(rt) => Writers(Some(rt)),
            Err(e) => {
                // Writers then share the sockets' runtime: slower under load, still correct.
                tracing::warn!(error = %e, "could not start the writers' thread");
                Writers(None)
            }
        }
    }

    fn spawn<F>(&self, task: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        match &self.0 {
            Some(rt) => drop(rt.spawn(task)),
            None => drop(tokio::spawn(task)),
        }
    }
}

impl Drop for Writers {
    fn drop(&mut self) {
        // Without blocking: the hub may go away inside a task.
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// What another node last said of an event's phones, and when.
type RemotePresence = (std::time::Instant, HashMap<i64, i64>);

/// Handle to the hub; cheap to clone.
#[derive(Clone)]
pub struct Hub(Arc<Inner>);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl Hub {
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        let clustered = storage.cluster_url().is_some();
        Hub(Arc::new(Inner {
            rooms: Mutex::new(HashMap::new()),
            shutdown: watch::channel(false).0,
            connections: watch::channel(0).0,
            storage,
            clustered,
            node: crate::security::new_token()
                .map(|t| t.chars().take(12).collect())
                .unwrap_or_else(|_| format!("{}", std::process::id())),
            remote: Mutex::new(HashMap::new()),
            // PostgreSQL's connections are driven by the runtime that opened them: a writer
            // elsewhere would add a hop between threads to every statement.
            writers: if clustered {
                Writers(None)
            } else {
                Writers::start()
            },
            main: tokio::runtime::Handle::current(),
            metrics: Arc::default(),
        }))
    }

    fn room(&self, event_id: i64) -> RoomHandle {
        // A std mutex is right here: nothing awaits while it is held.
        let mut rooms = lock(&self.0.rooms);
        let room = rooms.entry(event_id).or_insert_with(|| Room {
            tx: Arc::new(Channels::new(self.0.metrics.clone())),
            order: Arc::new(tokio::sync::Mutex::new(None)),
            presence: Arc::new(Mutex::new(HashMap::new())),
            flush_pending: Arc::new(AtomicBool::new(false)),
            dirty: Arc::new(AtomicBool::new(false)),
            writes: Arc::new(Mutex::new(None)),
            presence_moved: Arc::new(AtomicBool::new(false)),
            counts: Arc::new(tokio::sync::Mutex::new(None)),
        });
        room.handle()
    }

    /// Subscribes to an event's changes: a phone (`table` set) to what its table may get, a
    /// screen to everything. Every change numbered after the event's stored sequence number
    /// at this moment will reach the receiver, whichever node wrote it.
    pub async fn subscribe(
        &self,
        event_id: i64,
        table: Option<i64>,
    ) -> broadcast::Receiver<Arc<Envelope>> {
        let room = self.room(event_id);
        let mut last = room.order.lock().await;
        if last.is_none() {
            match self.0.storage.last_seq(event_id).await {
                Ok(seq) => *last = Some(seq),
                Err(e) => tracing::warn!(error = %e, "could not read the event's sequence number"),
            }
        }
        room.tx.subscribe(table)
    }

    /// Publishes numbered changes in order: any already published are skipped, and a gap
    /// before one (changes another node wrote and this node has not heard of yet) is filled
    /// from storage first, so subscribers see every number once and in order.
    async fn publish(
        &self,
        event_id: i64,
        room: &RoomHandle,
        last: &mut Option<i64>,
        changes: &[Numbered],
    ) {
        for n in changes {
            if let Some(l) = *last {
                if n.seq <= l {
                    continue;
                }
                if n.seq > l + 1 {
                    match self
                        .0
                        .storage
                        .changes_since(event_id, l, n.seq - l - 1)
                        .await
                    {
                        Ok(missed) => {
                            for m in missed.iter().filter(|m| m.seq < n.seq) {
                                room.tx.send(Envelope::new(m));
                            }
                        }
                        Err(e) => tracing::warn!(error = %e, "could not read missed changes"),
                    }
                }
            }
            room.tx.send(Envelope::new(n));
            *last = Some(n.seq);
        }
    }

    /// Another node committed change `seq` of an event (PostgreSQL NOTIFY): subscribers here
    /// get it, and any before it they have not had, read from storage.
    pub async fn remote_change(&self, event_id: i64, seq: i64) {
        let room = {
            let rooms = lock(&self.0.rooms);
            match rooms.get(&event_id) {
                Some(r) => r.handle(),
                // Nobody here follows this event.
                None => return,
            }
        };
        let mut last = room.order.lock().await;
        if matches!(*last, Some(l) if seq <= l) {
            return;
        }
        if !room.tx.followed() {
            *last = Some(seq);
            return;
        }
        let from = last.unwrap_or(seq - 1);
        let changes = match self
            .0
            .storage
            .changes_since(event_id, from, seq - from)
            .await
        {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "could not read another node's changes");
                return;
            }
        };
        self.publish(event_id, &room, &mut last, &changes).await;
        drop(last);
        if changes
            .iter()
            .any(|n| matches!(n.item, Item::Comment(_) | Item::Round(_)))
        {
            self.schedule_overview(event_id);
        }
    }

    /// After the cluster listener lost its connection (and so perhaps notifications): every
    /// followed event catches up from storage.
    pub async fn catch_up_all(&self) {
        let events: Vec<i64> = lock(&self.0.rooms).keys().copied().collect();
        for event_id in events {
            if let Ok(seq) = self.0.storage.last_seq(event_id).await {
                self.remote_change(event_id, seq).await;
            }
        }
    }

    /// Writes a change, then publishes what changed, in sequence order.
    ///
    /// Each event has one writer task. It takes every change waiting at that moment (up to
    /// [`MAX_BATCH`]) into one transaction (group commit: one fsync for them all), answers
    /// each caller, then publishes what they changed in order. A change is queued before this
    /// returns, so if the request that asked for it goes away (a phone loses its Wi-Fi
    /// mid-post) the commit and the publish still happen together: no stored change goes
    /// unannounced.
    pub async fn apply(
        &self,
        event_id: i64,
        change: Change,
        actor: Option<Actor>,
    ) -> StorageResult<Applied> {
        let answer = self.submit(event_id, change, actor);
        answer.await.map_err(|_| writer_stopped())?
    }

    /// Queues a change for its event's writer now, and returns where its answer will come:
    /// a socket goes on delivering while its changes commit, and changes queued one after
    /// another are applied and answered in that order.
    pub fn submit(
        &self,
        event_id: i64,
        change: Change,
        actor: Option<Actor>,
    ) -> oneshot::Receiver<StorageResult<Applied>> {
        let room = self.room(event_id);
        let (reply, answer) = oneshot::channel();
        let job = Job {
            change,
            actor,
            reply,
        };
        let mut writes = lock(&room.writes);
        if writes.as_ref().is_some_and(|q| q.is_closed()) {
            // Its writer ended without the hub going away (it panicked): start another
            // rather than refuse every later change to the event.
            *writes = None;
        }
        let queue = writes.get_or_insert_with(|| {
            let (queue, jobs) = mpsc::unbounded_channel();
            self.0.writers.spawn(writer(
                Arc::downgrade(&self.0),
                event_id,
                room.clone(),
                jobs,
            ));
            queue
        });
        if let Err(mpsc::error::SendError(job)) = queue.send(job) {
            // The writer ended (its hub is going away): nothing was stored.
            let _ = job
                .reply
                .send(Err(crate::storage::StorageError::Other(anyhow::anyhow!(
                    "the server is stopping"
                ))));
        }
        answer
    }

    /// Closes the sockets that use an event's replaced console or wall link.
    pub fn revoke(&self, event_id: i64, which: Revoked) {
        self.revoke_here(event_id, which);
        // Other nodes close theirs too (PostgreSQL only; a no-op on SQLite).
        let storage = self.0.storage.clone();
        tokio::spawn(async move {
            if let Err(e) = storage
                .tell_nodes(&cluster::revoke_payload(event_id, which))
                .await
            {
                tracing::warn!(error = %e, "could not tell other nodes about a replaced link");
            }
        });
    }

    /// Closes this node's sockets that use a replaced link.
    pub fn revoke_here(&self, event_id: i64, which: Revoked) {
        self.room(event_id).tx.send(Envelope {
            seq: 0,
            body: Body::Nothing,
            revoke: Some(which),
        });
    }

    /// Counts a phone page at a table until the guard drops; presence goes out shortly.
    pub fn join_table(&self, event_id: i64, table_id: i64, device: &str) -> PresenceGuard {
        {
            let room = self.room(event_id);
            let mut p = lock(&room.presence);
            *p.entry(table_id)
                .or_default()
                .entry(device.to_string())
                .or_insert(0) += 1;
            room.presence_moved.store(true, Ordering::SeqCst);
        }
        self.schedule_overview(event_id);
        PresenceGuard {
            hub: self.clone(),
            event_id,
            table_id,
            device: device.to_string(),
        }
    }

    /// The server's counters.
    pub fn metrics(&self) -> &metrics::Metrics {
        &self.0.metrics
    }

    /// `/metrics`, with `refusals` (the abuse limits' count) added.
    pub fn metrics_text(&self, refusals: u64) -> String {
        let channels: Vec<Arc<Channels>> =
            lock(&self.0.rooms).values().map(|r| r.tx.clone()).collect();
        let queue_max = channels.iter().map(|c| c.queue_max()).max().unwrap_or(0);
        self.0.metrics.render(queue_max, refusals)
    }

    /// The `presence` message now (with the shown-comment and pledge counts).
    pub async fn presence_now(&self, event_id: i64) -> String {
        let (shown, pledged) = self.counts(&self.room(event_id), event_id, false).await;
        protocol::presence_msg(&self.presence(event_id), shown, pledged)
    }

    /// The event's shown-comment and pledge counts: read now when `fresh`, else at most
    /// [`OVERVIEW_EVERY`] old (the overview message follows any change within that). Every
    /// socket that opens needs them, and a hall of phones reconnecting at once after the
    /// Wi-Fi dropped must not count the event's comments once each: callers that come while
    /// they are being read wait for that reading.
    async fn counts(&self, room: &RoomHandle, event_id: i64, fresh: bool) -> (i64, i64) {
        let mut counts = room.counts.lock().await;
        if let Some((at, shown, pledged)) = *counts
            && !fresh
            && at.elapsed() < OVERVIEW_EVERY
        {
            return (shown, pledged);
        }
        let at = std::time::Instant::now();
        let storage = &self.0.storage;
        let shown = storage.shown_count(event_id).await.unwrap_or_default();
        let pledged = storage.pledge_count(event_id).await.unwrap_or_default();
        *counts = Some((at, shown, pledged));
        (shown, pledged)
    }

    /// Devices with a phone page open, per table.
    pub fn presence(&self, event_id: i64) -> HashMap<i64, i64> {
        let mut counts = self.local_presence(event_id);
        let mut remote = lock(&self.0.remote);
        if let Some(nodes) = remote.get_mut(&event_id) {
            nodes.retain(|_, (at, _)| at.elapsed() < cluster::PRESENCE_TTL);
            for (_, tables) in nodes.values() {
                for (t, n) in tables {
                    *counts.entry(*t).or_default() += n;
                }
            }
        }
        counts
    }

    /// Devices with a phone page open on this node, per table.
    fn local_presence(&self, event_id: i64) -> HashMap<i64, i64> {
        let room = self.room(event_id);
        let p = lock(&room.presence);
        p.iter()
            .map(|(t, devices)| (*t, devices.len() as i64))
            .collect()
    }

    /// Tells other nodes how many phones this node has at each table of an event.
    pub async fn tell_presence(&self, event_id: i64) {
        let payload =
            cluster::presence_payload(event_id, &self.0.node, &self.local_presence(event_id));
        if let Err(e) = self.0.storage.tell_nodes(&payload).await {
            tracing::warn!(error = %e, "could not tell other nodes who is here");
        }
    }

    /// Tells other nodes about every event this node has phones at (a heartbeat: what a
    /// node has not repeated within `PRESENCE_TTL` is forgotten, so a dead node's phones
    /// stop counting).
    pub async fn tell_all_presence(&self) {
        let events: Vec<i64> = lock(&self.0.rooms)
            .iter()
            .filter(|(_, r)| !lock(&r.presence).is_empty())
            .map(|(id, _)| *id)
            .collect();
        for event_id in events {
            self.tell_presence(event_id).await;
        }
    }

    /// Another node said how many phones it has at an event's tables.
    pub fn remote_presence(&self, event_id: i64, node: &str, tables: HashMap<i64, i64>) {
        if node == self.0.node {
            return;
        }
        {
            let mut remote = lock(&self.0.remote);
            let nodes = remote.entry(event_id).or_default();
            if tables.is_empty() {
                nodes.remove(node);
            } else {
                nodes.insert(node.to_string(), (std::time::Instant::now(), tables));
            }
        }
        if lock(&self.0.rooms).contains_key(&event_id) {
            self.schedule_overview(event_id);
        }
    }

    /// The `overview` message for a console (`table_id` set: one table only).
    pub async fn overview(&self, event_id: i64, table_id: Option<i64>) -> StorageResult<String> {
        let (round, stats) = self.0.storage.table_stats(event_id).await?;
        let presence = self.presence(event_id);
        let stats: Vec<_> = stats
            .into_iter()
            .filter(|s| table_id.is_none_or(|t| t == s.table_id))
            .collect();
        Ok(protocol::overview_msg(round, &stats, &presence))
    }

    /// Sends presence and console overviews soon (at most once per [`OVERVIEW_EVERY`]).
    /// One task per event at a time, so messages go out in the order they were read; a
    /// change during a read makes the task go round once more.
    pub fn schedule_overview(&self, event_id: i64) {
        let room = self.room(event_id);
        room.dirty.store(true, Ordering::SeqCst);
        if room.flush_pending.swap(true, Ordering::SeqCst) {
            return;
        }
        let hub = self.clone();
        self.0.main.spawn(async move {
            loop {
                tokio::time::sleep(OVERVIEW_EVERY).await;
                room.dirty.store(false, Ordering::SeqCst);
                if hub.0.clustered && room.presence_moved.swap(false, Ordering::SeqCst) {
                    hub.tell_presence(event_id).await;
                }
                hub.send_overview(event_id, &room).await;
                room.flush_pending.store(false, Ordering::SeqCst);
                // A change that came in after `dirty` was cleared saw the task still pending
                // and left it to us.
                if room.dirty.load(Ordering::SeqCst)
                    && !room.flush_pending.swap(true, Ordering::SeqCst)
                {
                    continue;
                }
                break;
            }
        });
    }

    async fn send_overview(&self, event_id: i64, room: &RoomHandle) {
        if !room.tx.followed() {
            return;
        }
        let presence = self.presence(event_id);
        let (shown, pledged) = self.counts(room, event_id, true).await;
        room.tx.send(Envelope::unnumbered(protocol::presence_msg(
            &presence, shown, pledged,
        )));
        // The balance figures are for consoles (screens) only, and reading them counts the
        // whole event's comments: not while no screen is open.
        if room.tx.screens.receiver_count() == 0 {
            return;
        }
        match self.0.storage.table_stats(event_id).await {
            Ok((round, stats)) => {
                let lead = protocol::overview_msg(round, &stats, &presence);
                let per_table = stats
                    .iter()
                    .map(|s| {
                        (
                            s.table_id,
                            Utf8Bytes::from(protocol::overview_msg(
                                round,
                                std::slice::from_ref(s),
                                &presence,
                            )),
                        )
                    })
                    .collect();
                room.tx.send(Envelope {
                    seq: 0,
                    body: Body::Overview {
                        lead: Utf8Bytes::from(lead),
                        per_table,
                    },
                    revoke: None,
                });
            }
            Err(e) => tracing::warn!(error = %e, "overview figures failed"),
        }
    }

    /// A receiver that turns true when the server begins shutting down.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.0.shutdown.subscribe()
    }

    /// Tells every socket to close (1012, "reconnect") and stop.
    pub fn begin_shutdown(&self) {
        self.0.shutdown.send_replace(true);
    }

    /// Counts a live socket until the guard drops.
    pub fn track(&self) -> ConnectionGuard {
        self.0.connections.send_modify(|n| *n += 1);
        ConnectionGuard(self.clone())
    }

    /// Live sockets now.
    pub fn connection_count(&self) -> usize {
        *self.0.connections.borrow()
    }

    /// Waits until every socket task has ended, at most `deadline`.
    pub async fn wait_idle(&self, deadline: Duration) -> bool {
        let mut rx = self.0.connections.subscribe();
        tokio::time::timeout(deadline, rx.wait_for(|n| *n == 0))
            .await
            .is_ok()
    }
}

/// Removes a phone page from presence when dropped.
pub struct PresenceGuard {
    hub: Hub,
    event_id: i64,
    table_id: i64,
    device: String,
}

impl Drop for PresenceGuard {
    fn drop(&mut self) {
        {
            let room = self.hub.room(self.event_id);
            let mut p = lock(&room.presence);
            if let Some(devices) = p.get_mut(&self.table_id) {
                if let Some(n) = devices.get_mut(&self.device) {
                    *n = n.saturating_sub(1);
                    if *n == 0 {
                        devices.remove(&self.device);
                    }
                }
                if devices.is_empty() {
                    p.remove(&self.table_id);
                }
            }
            room.presence_moved.store(true, Ordering::SeqCst);
        }
        // Inside the runtime (socket tasks are); outside it there is nobody to tell.
        if tokio::runtime::Handle::try_current().is_ok() {
            self.hub.schedule_overview(self.event_id);
        }
    }
}

/// Decrements the live-socket count when dropped.
pub struct ConnectionGuard(Hub);

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0
            .0
            .connections
            .send_modify(|n| *n = n.saturating_sub(1));
    }
}
