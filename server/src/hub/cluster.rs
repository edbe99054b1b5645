//! Several server nodes on one PostgreSQL database.
//!
//! Every node writes changes itself (the event's row lock serialises them; see
//! `storage::sql`) and listens for the others' on two channels: `roundtable_changes`
//! (`EVENT:SEQ`, sent by the writing transaction, so delivered at commit and in commit order)
//! and `roundtable_nodes` (replaced links: `revoke:EVENT:WHICH`; phones present:
//! `presence:EVENT:NODE:TABLE=N,...`, sent when they change and every `PRESENCE_EVERY`). A notification carries only
//! numbers; the node reads the change itself from `event_log`, as a resuming socket does, so
//! a payload never holds anyone's words. No broker and no protocol of our own: PostgreSQL is
//! already the one thing every node shares.

use std::collections::HashMap;
use std::time::Duration;

use sqlx::postgres::PgListener;

use super::{Hub, Revoked};
use crate::storage::sql::{CHANGES_CHANNEL, NODES_CHANNEL};

/// Each node repeats its phone counts this often...
pub const PRESENCE_EVERY: Duration = Duration::from_secs(5);
/// ...and counts not repeated for this long are forgotten (a node that died).
pub const PRESENCE_TTL: Duration = Duration::from_secs(12);

/// How a node's phone counts for an event are told to the others.
pub fn presence_payload(event_id: i64, node: &str, tables: &HashMap<i64, i64>) -> String {
    let mut counts: Vec<String> = tables.iter().map(|(t, n)| format!("{t}={n}")).collect();
    counts.sort();
    format!("presence:{event_id}:{node}:{}", counts.join(","))
}

/// Reads a `presence:` payload back.
pub fn parse_presence(payload: &str) -> Option<(i64, String, HashMap<i64, i64>)> {
    let mut parts = payload.strip_prefix("presence:")?.splitn(3, ':');
    let event = parts.next()?.parse().ok()?;
    let node = parts.next()?.to_string();
    let mut tables = HashMap::new();
    for pair in parts.next()?.split(',').filter(|p| !p.is_empty()) {
        let (t, n) = pair.split_once('=')?;
        tables.insert(t.parse().ok()?, n.parse().ok()?);
    }
    Some((event, node, tables))
}

/// How a replaced link is told to other nodes.
pub fn revoke_payload(event_id: i64, which: Revoked) -> String {
    let what = match which {
        Revoked::Console => "console".to_string(),
        Revoked::TableConsoles => "tables".to_string(),
        Revoked::Wall(id) => format!("wall{id}"),
        Revoked::Event => "event".to_string(),
    };
    format!("revoke:{event_id}:{what}")
}

/// Reads a `revoke:` payload back.
pub fn parse_revoke(payload: &str) -> Option<(i64, Revoked)> {
    let rest = payload.strip_prefix("revoke:")?;
    let (event, what) = rest.split_once(':')?;
    let which = match what {
        "console" => Revoked::Console,
        "tables" => Revoked::TableConsoles,
        "event" => Revoked::Event,
        w => Revoked::Wall(w.strip_prefix("wall")?.parse().ok()?),
    };
    Some((event.parse().ok()?, which))
}

/// Reads an `EVENT:SEQ` payload.
pub fn parse_change(payload: &str) -> Option<(i64, i64)> {
    let (event, seq) = payload.split_once(':')?;
    Some((event.parse().ok()?, seq.parse().ok()?))
}

/// Listens for other nodes' changes until the process ends. If the connection drops it
/// reconnects, and then every followed event catches up from storage (notifications sent
/// while it was away are lost, the stored changes are not).
pub async fn listen(hub: Hub, url: String) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match listen_once(&hub, &url).await {
            Ok(()) => return,
            Err(e) => {
                tracing::warn!(error = %e, "lost the cluster listener's connection; reconnecting");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
}

async fn listen_once(hub: &Hub, url: &str) -> anyhow::Result<()> {
    let mut listener = PgListener::connect(url).await?;
    // Only what this node missed before the connection came (back) up.
    listener.ignore_pool_close_event(true);
    listener
        .listen_all([CHANGES_CHANNEL, NODES_CHANNEL])
        .await?;
    hub.catch_up_all().await;
    let mut shutdown = hub.shutdown_signal();
    let mut heartbeat = tokio::time::interval(PRESENCE_EVERY);
    loop {
        let note = tokio::select! {
            n = listener.recv() => n?,
            _ = heartbeat.tick() => {
                hub.tell_all_presence().await;
                continue;
            }
            _ = shutdown.changed() => return Ok(()),
        };
        if note.channel() == CHANGES_CHANNEL {
            if let Some((event_id, seq)) = parse_change(note.payload()) {
                hub.remote_change(event_id, seq).await;
            }
        } else if let Some((event_id, which)) = parse_revoke(note.payload()) {
            hub.revoke_here(event_id, which);
        } else if let Some((event_id, node, tables)) = parse_presence(note.payload()) {
            hub.remote_presence(event_id, &node, tables);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_read_back() {
        for which in [
            Revoked::Console,
            Revoked::TableConsoles,
            Revoked::Wall(7),
            Revoked::Event,
        ] {
            assert_eq!(parse_revoke(&revoke_payload(42, which)), Some((42, which)));
        }
        assert_eq!(parse_change("12:345"), Some((12, 345)));
        assert_eq!(parse_change("12"), None);
        assert_eq!(parse_revoke("revoke:1:wallx"), None);
        let tables = HashMap::from([(3, 2), (41, 1)]);
        assert_eq!(
            parse_presence(&presence_payload(9, "abc", &tables)),
            Some((9, "abc".to_string(), tables))
        );
        assert_eq!(
            parse_presence(&presence_payload(9, "abc", &HashMap::new())),
            Some((9, "abc".to_string(), HashMap::new()))
        );
        assert_eq!(parse_presence("presence:9:abc:3=x"), None);
    }
}
