//! The websocket hub: one broadcast channel per event ("room"). A change is written to storage
//! first, numbered in that transaction, and only then published. Each published change is
//! serialised once per audience variant (full, or "removed" for phones and walls) and the
//! bytes are shared by every subscriber.

pub mod connection;
pub mod protocol;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{broadcast, watch};

use crate::model::Comment;
use crate::storage::{Applied, Change, Item, Numbered, Storage, StorageResult};

/// How many changes a subscriber may fall behind before it is told to resynchronise.
pub const ROOM_CAPACITY: usize = 1024;

/// Who is on the other end of a socket, and so what they may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// A phone at one table.
    Phone { table_id: i64, voter: String },
    /// The facilitator console: sees everything, hidden comments included.
    Console,
    /// The projected wall: highlighted, visible comments only.
    Wall,
}

impl Role {
    /// Whether a comment may be shown to this role at all (used for snapshots).
    pub fn may_see(&self, c: &Comment) -> bool {
        match self {
            Role::Console => true,
            Role::Phone { table_id, .. } => c.table_id == *table_id && !c.hidden,
            Role::Wall => c.highlighted && !c.hidden,
        }
    }
    /// Short name for logs.
    pub fn name(&self) -> &'static str {
        match self {
            Role::Phone { .. } => "phone",
            Role::Console => "console",
            Role::Wall => "wall",
        }
    }
}

/// A published change, serialised once for each audience variant.
#[derive(Debug)]
pub struct Envelope {
    pub seq: i64,
    kind: String,
    /// For comment changes: (table, hidden, highlighted).
    comment: Option<(i64, bool, bool)>,
    /// The message with the item's full state.
    full: Utf8Bytes,
    /// For comment changes: the `comment_removed` message.
    removed: Option<Utf8Bytes>,
    /// Not a change: sockets of this role must close (their link was replaced).
    pub revoke: Option<Revoked>,
}

/// Which link was replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revoked {
    Console,
    Wall,
}

impl Envelope {
    /// Serialises a numbered change.
    pub fn new(n: &Numbered) -> Self {
        let (comment, removed) = match &n.item {
            Item::Comment(c) => (
                Some((c.table_id, c.hidden, c.highlighted)),
                Some(Utf8Bytes::from(protocol::removed_msg(n.seq, c.id))),
            ),
            _ => (None, None),
        };
        Envelope {
            seq: n.seq,
            kind: n.kind.clone(),
            comment,
            full: Utf8Bytes::from(protocol::full_msg(n)),
            removed,
            revoke: None,
        }
    }

    /// The frame this role should get, if any. Hidden text never reaches phones or walls.
    pub fn frame_for(&self, role: &Role) -> Option<&Utf8Bytes> {
        let Some((table_id, hidden, highlighted)) = self.comment else {
            return Some(&self.full);
        };
        match role {
            Role::Console => Some(&self.full),
            Role::Phone { table_id: mine, .. } => {
                if *mine != table_id {
                    None
                } else if hidden {
                    self.removed.as_ref()
                } else {
                    Some(&self.full)
                }
            }
            Role::Wall => {
                if highlighted && !hidden {
                    Some(&self.full)
                } else if matches!(self.kind.as_str(), "hidden" | "unhighlighted") {
                    self.removed.as_ref()
                } else {
                    None
                }
            }
        }
    }
}

struct Room {
    tx: broadcast::Sender<Arc<Envelope>>,
    /// Held across "write, then publish", so subscribers get changes in sequence order.
    order: Arc<tokio::sync::Mutex<()>>,
}

struct Inner {
    rooms: Mutex<HashMap<i64, Room>>,
    shutdown: watch::Sender<bool>,
    connections: watch::Sender<usize>,
}

/// Handle to the hub; cheap to clone.
#[derive(Clone)]
pub struct Hub(Arc<Inner>);

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Hub {
    pub fn new() -> Self {
        Hub(Arc::new(Inner {
            rooms: Mutex::new(HashMap::new()),
            shutdown: watch::channel(false).0,
            connections: watch::channel(0).0,
        }))
    }

    fn room(
        &self,
        event_id: i64,
    ) -> (
        broadcast::Sender<Arc<Envelope>>,
        Arc<tokio::sync::Mutex<()>>,
    ) {
        // A std mutex is right here: nothing awaits while it is held.
        let mut rooms = match self.0.rooms.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let room = rooms.entry(event_id).or_insert_with(|| Room {
            tx: broadcast::channel(ROOM_CAPACITY).0,
            order: Arc::new(tokio::sync::Mutex::new(())),
        });
        (room.tx.clone(), room.order.clone())
    }

    /// Subscribes to an event's changes.
    pub fn subscribe(&self, event_id: i64) -> broadcast::Receiver<Arc<Envelope>> {
        self.room(event_id).0.subscribe()
    }

    /// Writes a change, then publishes what changed, in sequence order.
    ///
    /// Runs in its own task: if the request that asked for it goes away (a phone loses its
    /// Wi-Fi mid-post and the HTTP handler is dropped), the commit and the publish still
    /// happen together, so no stored change goes unannounced.
    pub async fn apply(
        &self,
        storage: Arc<dyn Storage>,
        event_id: i64,
        change: Change,
    ) -> StorageResult<Applied> {
        let (tx, order) = self.room(event_id);
        let task = tokio::spawn(async move {
            let _in_order = order.lock().await;
            let applied = storage.apply(event_id, change).await?;
            for n in &applied.changes {
                // No subscribers is fine: the change is stored and will replay.
                let _ = tx.send(Arc::new(Envelope::new(n)));
            }
            StorageResult::Ok(applied)
        });
        let applied = task.await.map_err(|e| {
            crate::storage::StorageError::Other(anyhow::anyhow!("write task failed: {e}"))
        })??;
        Ok(applied)
    }

    /// Closes the sockets that use an event's replaced console or wall link.
    pub fn revoke(&self, event_id: i64, which: Revoked) {
        let (tx, _) = self.room(event_id);
        let _ = tx.send(Arc::new(Envelope {
            seq: 0,
            kind: String::new(),
            comment: None,
            full: Utf8Bytes::from_static(""),
            removed: None,
            revoke: Some(which),
        }));
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
