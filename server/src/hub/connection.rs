//! One task per socket: a single `select!` over the client's frames, the room's broadcast,
//! a ping timer and the shutdown signal. Queues are bounded; a client that falls behind by
//! more than the room's capacity is told to resynchronise and reconnect with `since`.

use std::collections::VecDeque;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, close_code};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::oneshot;

use super::protocol::{self, Ack, ClientCommand};
use super::{Envelope, Revoked, Role};
use crate::agenda;
use crate::app::AppState;
use crate::limits::{Kind, SocketPermit, slow_down_message};
use crate::model::{self, Source};
use crate::storage::{Actor, Applied, Change, StorageError, StorageResult};
use std::net::SocketAddr;

/// Most changes replayed on resume; further behind gets a snapshot instead.
pub const MAX_REPLAY: i64 = 500;
/// Interval of the keep-alive message.
pub const PING_EVERY: Duration = Duration::from_secs(20);

/// Why a connection ends.
enum End {
    /// The client went away or the send failed.
    Gone,
    /// Close with this code and reason.
    Close(u16, &'static str),
}

struct Conn {
    socket: WebSocket,
    state: AppState,
    event_id: i64,
    role: Role,
    /// Highest sequence number sent to this client.
    sent_seq: i64,
    /// Network address, for per-address limits (memory only).
    peer: SocketAddr,
    /// For consoles: who acts, for the activity log and the table scope.
    actor: Option<Actor>,
    /// Commands queued for the event's writer, oldest first, waiting for their answers.
    pending: VecDeque<Pending>,
}

/// A command waiting for its commit, and what its answer must carry.
struct Pending {
    reference: Option<String>,
    client_id: Option<String>,
    is_post: bool,
    answer: oneshot::Receiver<StorageResult<Applied>>,
}

/// Most commands one socket may have waiting for their commits; it reads no more frames
/// until one is answered.
const MAX_PENDING: usize = 32;

/// The oldest waiting command's answer (never ready when none waits).
async fn oldest(pending: &mut VecDeque<Pending>) -> StorageResult<Applied> {
    match pending.front_mut() {
        Some(p) => (&mut p.answer)
            .await
            .unwrap_or_else(|_| Err(super::writer_stopped())),
        None => std::future::pending().await,
    }
}

impl Conn {
    async fn send(&mut self, text: Utf8Bytes) -> Result<(), End> {
        match tokio::time::timeout(
            self.state.config.send_timeout,
            self.socket.send(Message::Text(text)),
        )
        .await
        {
            Ok(Ok(())) => {
                self.state.hub.metrics().frame();
                Ok(())
            }
            _ => Err(End::Gone),
        }
    }

    async fn send_str(&mut self, text: String) -> Result<(), End> {
        self.send(Utf8Bytes::from(text)).await
    }

    /// Sends the whole state this role may see.
    async fn snapshot(&mut self) -> Result<(), End> {
        let storage = self.state.storage.clone();
        let state = match storage.event_state(self.event_id).await {
            Ok(Some(s)) => s,
            Ok(None) => {
                return Err(End::Close(
                    close_code::POLICY,
                    "This event no longer exists.",
                ));
            }
            Err(e) => {
                tracing::error!(error = %e, "snapshot failed");
                return Err(End::Close(close_code::AGAIN, "Please reconnect."));
            }
        };
        let table = match &self.role {
            Role::Phone { table_id, .. } => Some(*table_id),
            Role::Console { table_id } => *table_id,
            Role::Wall { .. } => None,
        };
        let comments = match storage
            .comments(self.event_id, table, self.role.is_console())
            .await
        {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "snapshot failed");
                return Err(End::Close(close_code::AGAIN, "Please reconnect."));
            }
        };
        let visible: Vec<_> = comments
            .into_iter()
            .filter(|c| self.role.may_see(c))
            .collect();
        self.sent_seq = state.seq;
        let presence = self.state.hub.presence(self.event_id);
        self.send_str(protocol::snapshot_msg(
            &state, &visible, &presence, &self.role,
        ))
        .await
    }

    /// Replays what the client missed since `since`, or a snapshot if that is too much.
    async fn resume(&mut self, since: i64) -> Result<(), End> {
        let storage = self.state.storage.clone();
        let changes = match storage
            .changes_since(self.event_id, since, MAX_REPLAY + 1)
            .await
        {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "replay failed");
                return Err(End::Close(close_code::AGAIN, "Please reconnect."));
            }
        };
        let current = match storage.event_state(self.event_id).await {
            Ok(Some(s)) => s.seq,
            _ => return Err(End::Close(close_code::AGAIN, "Please reconnect.")),
        };
        if changes.len() as i64 > MAX_REPLAY || since > current {
            return self.snapshot().await;
        }
        self.sent_seq = since;
        for n in &changes {
            let env = Envelope::new(n);
            if let Some(frame) = env.frame_for(&self.role) {
                self.send(frame.clone()).await?;
            }
            self.sent_seq = n.seq;
        }
        self.sent_seq = self.sent_seq.max(since);
        let seq = self.sent_seq;
        self.send_str(protocol::caught_up_msg(seq)).await
    }

    async fn reply_error(
        &mut self,
        reference: Option<String>,
        code: &str,
        msg: &str,
    ) -> Result<(), End> {
        self.send_str(protocol::error_msg(reference, code, msg))
            .await
    }

    /// Runs one client command. Content errors answer `error`; role errors close.
    async fn command(&mut self, cmd: ClientCommand) -> Result<(), End> {
        let reference = cmd.reference();
        let change = match (&self.role, cmd) {
            (
                Role::Phone { table_id, .. },
                ClientCommand::Post {
                    client_id,
                    text,
                    name,
                    round,
                    reply_to,
                    ..
                },
            ) => {
                let author = match &self.role {
                    Role::Phone { author, .. } => Some(author.clone()),
                    _ => None,
                };
                let parsed = model::parse_client_id(&client_id).and_then(|cid| {
                    Ok(Change::Post {
                        table_id: *table_id,
                        client_id: cid,
                        text: model::parse_comment(&text)?,
                        name: model::parse_name(name.as_deref().unwrap_or(""))?,
                        source: Source::Attendee,
                        round,
                        reply_to,
                        author,
                    })
                });
                match parsed {
                    Ok(c) => c,
                    Err(e) => return self.reply_error(reference, e.code, &e.message).await,
                }
            }
            (
                Role::Console { table_id: scope },
                ClientCommand::Post {
                    client_id,
                    text,
                    table_id,
                    attributed,
                    ..
                },
            ) => {
                let Some(table_id) = table_id.or(*scope) else {
                    return self
                        .reply_error(
                            reference,
                            "bad_request",
                            "Choose the table where the point was made.",
                        )
                        .await;
                };
                let parsed = model::parse_client_id(&client_id).and_then(|cid| {
                    Ok(Change::Post {
                        table_id,
                        client_id: cid,
                        text: model::parse_comment(&text)?,
                        name: attributed.then(|| agenda::SOMEONE_AT_THE_TABLE.to_string()),
                        source: Source::Facilitator,
                        round: None,
                        reply_to: None,
                        author: None,
                    })
                });
                match parsed {
                    Ok(c) => c,
                    Err(e) => return self.reply_error(reference, e.code, &e.message).await,
                }
            }
            (
                Role::Phone {
                    voter, table_id, ..
                },
                ClientCommand::Agree { comment_id, .. },
            ) => Change::Agree {
                comment_id,
                table_id: *table_id,
                voter: voter.clone(),
            },
            (Role::Console { .. }, ClientCommand::Highlight { comment_id, on, .. }) => {
                Change::Highlight { comment_id, on }
            }
            (
                Role::Console { .. },
                ClientCommand::Hide {
                    comment_id,
                    on,
                    reason,
                    ..
                },
            ) => {
                let reason = match reason
                    .as_deref()
                    .map(|r| model::clean_text(r, "The reason", 200, false))
                    .transpose()
                {
                    Ok(r) => r.filter(|r| !r.is_empty()),
                    Err(e) => return self.reply_error(reference, e.code, &e.message).await,
                };
                Change::Hide {
                    comment_id,
                    on,
                    reason,
                }
            }
            (Role::Console { .. }, ClientCommand::OpenRound { round_id, .. }) => {
                Change::OpenRound { round_id }
            }
            (Role::Console { .. }, ClientCommand::CloseRound { .. }) => Change::CloseRound,
            (Role::Console { .. }, ClientCommand::SetOpen { open, .. }) => Change::SetOpen { open },
            (Role::Console { .. }, ClientCommand::Approve { comment_id, .. }) => {
                Change::Approve { comment_id }
            }
            (
                Role::Console { .. },
                ClientCommand::Merge {
                    comment_id, into, ..
                },
            ) => Change::Merge { comment_id, into },
            (Role::Console { .. }, ClientCommand::Unmerge { comment_id, .. }) => {
                Change::Unmerge { comment_id }
            }
            (
                Role::Console { .. },
                ClientCommand::Tag {
                    comment_id,
                    label,
                    on,
                    ..
                },
            ) => Change::Tag {
                comment_id,
                label: label.trim().to_string(),
                on,
            },
            (Role::Console { .. }, ClientCommand::Star { comment_id, on, .. }) => {
                Change::Star { comment_id, on }
            }
            (
                Role::Console { .. },
                ClientCommand::Edit {
                    comment_id, text, ..
                },
            ) => match model::parse_comment(&text) {
                Ok(text) => Change::Edit { comment_id, text },
                Err(e) => return self.reply_error(reference, e.code, &e.message).await,
            },
            (Role::Console { .. }, ClientCommand::AgendaStart { item_id, .. }) => {
                Change::AgendaStart { item_id }
            }
            (Role::Console { .. }, ClientCommand::AgendaEnd { .. }) => Change::AgendaEnd,
            (Role::Console { .. }, ClientCommand::AgendaExtend { seconds, .. }) => {
                if !(-600..=600).contains(&seconds) {
                    return self
                        .reply_error(
                            reference,
                            "bad_request",
                            "Change the time by at most ten minutes at once.",
                        )
                        .await;
                }
                Change::AgendaExtend { seconds }
            }
            (
                Role::Console { .. },
                ClientCommand::WallSet {
                    wall_id, update, ..
                },
            ) => match update.check() {
                Ok(()) => Change::WallSet { wall_id, update },
                Err(e) => return self.reply_error(reference, e.code, &e.message).await,
            },
            (Role::Console { .. }, ClientCommand::ImageShow { image_id, on, .. }) => {
                Change::ShowImage { image_id, on }
            }
            (Role::Console { .. }, ClientCommand::ImageHide { image_id, on, .. }) => {
                Change::HideImage { image_id, on }
            }
            (Role::Console { .. }, ClientCommand::Announce { text, wall, .. }) => {
                match agenda::parse_announcement(&text) {
                    Ok(text) => Change::Announce { text, wall },
                    Err(e) => return self.reply_error(reference, e.code, &e.message).await,
                }
            }
            _ => {
                return Err(End::Close(
                    close_code::POLICY,
                    "That command is not allowed on this page.",
                ));
            }
        };
        if let Role::Phone { voter, .. } = &self.role {
            let kind = if matches!(change, Change::Agree { .. }) {
                Kind::Agree
            } else {
                Kind::Post
            };
            if let Err(slow) = self.state.limiter.take_action(kind, voter, self.peer.ip()) {
                let client_id = match &change {
                    Change::Post { client_id, .. } => Some(client_id.clone()),
                    _ => None,
                };
                let text = serde_json::json!({
                    "type": "error",
                    "ref": reference,
                    "client_id": client_id,
                    "code": "rate_limited",
                    "message": slow_down_message(slow),
                    "retry_after": slow.seconds(),
                });
                return self.send_str(text.to_string()).await;
            }
        }
        let is_post = matches!(change, Change::Post { .. });
        let client_id = match &change {
            Change::Post { client_id, .. } => Some(client_id.clone()),
            _ => None,
        };
        // Answered when it commits (see `run`); meanwhile this socket goes on delivering.
        let answer = self
            .state
            .hub
            .submit(self.event_id, change, self.actor.clone());
        self.pending.push_back(Pending {
            reference,
            client_id,
            is_post,
            answer,
        });
        Ok(())
    }

    /// Tells the client how its oldest waiting command went.
    async fn answer(&mut self, p: Pending, result: StorageResult<Applied>) -> Result<(), End> {
        match result {
            Ok(applied) => {
                let ack = Ack {
                    kind: "ack",
                    reference: p.reference,
                    client_id: p.client_id,
                    comment_id: if p.is_post {
                        applied.comment.map(|c| c.id)
                    } else {
                        None
                    },
                };
                let text =
                    serde_json::to_string(&ack).unwrap_or_else(|_| r#"{"type":"ack"}"#.into());
                self.send_str(text).await
            }
            Err(StorageError::Refused(e)) => {
                self.reply_error(p.reference, e.code, &e.message).await
            }
            Err(StorageError::NotFound(what)) => {
                let msg = format!("That {what} was not found in this event.");
                self.reply_error(p.reference, "not_found", &msg).await
            }
            Err(e) => {
                tracing::error!(error = %e, "command failed");
                self.reply_error(
                    p.reference,
                    "unavailable",
                    "Not saved: the server can't store comments right now. Your phone keeps your words and will try again.",
                )
                .await
            }
        }
    }

    async fn on_frame(&mut self, msg: Message) -> Result<(), End> {
        match msg {
            Message::Text(text) => match serde_json::from_str::<ClientCommand>(text.as_str()) {
                Ok(cmd) => self.command(cmd).await,
                Err(_) => Err(End::Close(
                    close_code::INVALID,
                    "That message was not understood (see docs/protocol.md).",
                )),
            },
            Message::Binary(_) => Err(End::Close(
                close_code::UNSUPPORTED,
                "Only text messages are accepted.",
            )),
            Message::Ping(_) | Message::Pong(_) => Ok(()),
            Message::Close(_) => Err(End::Gone),
        }
    }

    async fn run(&mut self, since: Option<i64>) -> End {
        let table = match &self.role {
            Role::Phone { table_id, .. } => Some(*table_id),
            _ => None,
        };
        let mut rx = self.state.hub.subscribe(self.event_id, table).await;
        let mut shutdown = self.state.hub.shutdown_signal();
        let start = match since {
            Some(n) if n >= 0 => self.resume(n).await,
            _ => self.snapshot().await,
        };
        if let Err(end) = start {
            return end;
        }
        if *shutdown.borrow() {
            return End::Close(close_code::RESTART, "Server restarting; reconnect shortly.");
        }
        // Who is where now, and for consoles the balance figures; then live updates.
        let presence = self.state.hub.presence_now(self.event_id).await;
        if let Err(end) = self.send_str(presence).await {
            return end;
        }
        if let Role::Console { table_id } = self.role {
            match self.state.hub.overview(self.event_id, table_id).await {
                Ok(text) => {
                    if let Err(end) = self.send_str(text).await {
                        return end;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "overview figures failed"),
            }
        }
        let mut ping =
            tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
        loop {
            // In this order: the event's writer answers before it publishes, so a client
            // hears "ack" for its change before the change itself comes round.
            let step = tokio::select! {
                biased;
                _ = shutdown.changed() => Err(End::Close(close_code::RESTART, "Server restarting; reconnect shortly.")),
                result = oldest(&mut self.pending) => match self.pending.pop_front() {
                    Some(p) => self.answer(p, result).await,
                    None => Ok(()),
                },
                item = rx.recv() => match item {
                    Ok(env) if env.revoke == Some(Revoked::Event) => Err(End::Close(
                        close_code::POLICY,
                        "This event was deleted by its organiser.",
                    )),
                    Ok(env) if env.revoke.is_some() => {
                        let mine = match (env.revoke, &self.role) {
                            (Some(Revoked::Wall(id)), Role::Wall { wall_id }) => id == *wall_id,
                            (Some(Revoked::Console), Role::Console { table_id: None }) => true,
                            (Some(Revoked::TableConsoles), Role::Console { table_id: Some(_) }) => {
                                true
                            }
                            _ => false,
                        };
                        if mine {
                            Err(End::Close(
                                close_code::POLICY,
                                "This link was replaced. Ask the organiser for the new one.",
                            ))
                        } else {
                            Ok(())
                        }
                    }
                    Ok(env) => {
                        if !env.numbered() {
                            match env.frame_for(&self.role) {
                                Some(frame) => self.send(frame.clone()).await,
                                None => Ok(()),
                            }
                        } else if env.seq <= self.sent_seq {
                            Ok(())
                        } else {
                            self.sent_seq = env.seq;
                            match env.frame_for(&self.role) {
                                Some(frame) => self.send(frame.clone()).await,
                                None => Ok(()),
                            }
                        }
                    }
                    Err(RecvError::Lagged(_)) => {
                        self.state.hub.metrics().slow_consumer_dropped();
                        let _ = self
                            .send_str(r#"{"type":"resync","reason":"You fell behind; reconnecting."}"#.into())
                            .await;
                        Err(End::Close(close_code::AGAIN, "Fell behind; reconnect with since."))
                    }
                    Err(RecvError::Closed) => Err(End::Close(close_code::RESTART, "Server restarting.")),
                },
                frame = self.socket.recv(), if self.pending.len() < MAX_PENDING => match frame {
                    Some(Ok(msg)) => self.on_frame(msg).await,
                    Some(Err(e)) => {
                        // Oversized or malformed frames end here.
                        let text = e.to_string();
                        if text.contains("too long") || text.contains("Space limit") {
                            Err(End::Close(close_code::SIZE, "That message is too big."))
                        } else if text.to_ascii_lowercase().contains("utf-8") {
                            Err(End::Close(close_code::INVALID, "Text must be valid UTF-8."))
                        } else {
                            Err(End::Gone)
                        }
                    }
                    None => Err(End::Gone),
                },
                _ = ping.tick() => self.send_str(protocol::ping_msg()).await,
            };
            if let Err(end) = step {
                return end;
            }
        }
    }
}

/// Serves one upgraded socket until it ends.
#[allow(clippy::too_many_arguments)] // each is a distinct fact about the socket
pub async fn serve_socket(
    socket: WebSocket,
    state: AppState,
    event_id: i64,
    role: Role,
    since: Option<i64>,
    peer: SocketAddr,
    permit: SocketPermit,
    actor: Option<Actor>,
) {
    let _permit = permit;
    let _guard = state.hub.track();
    let hub = state.hub.clone();
    let _open = hub.metrics().open(match &role {
        Role::Phone { .. } => super::metrics::SocketKind::Phone,
        Role::Console { .. } => super::metrics::SocketKind::Console,
        Role::Wall { .. } => super::metrics::SocketKind::Wall,
    });
    let _presence = match &role {
        Role::Phone {
            table_id, voter, ..
        } => Some(state.hub.join_table(event_id, *table_id, voter)),
        _ => None,
    };
    let role_name = role.name();
    let mut conn = Conn {
        socket,
        state,
        event_id,
        role,
        sent_seq: 0,
        peer,
        actor,
        pending: VecDeque::new(),
    };
    let end = conn.run(since).await;
    if let End::Close(code, reason) = end {
        tracing::debug!(event_id, role = role_name, code, "closing socket");
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            conn.socket.send(Message::Close(Some(CloseFrame {
                code,
                reason: Utf8Bytes::from_static(reason),
            }))),
        )
        .await;
    }
}
