//! What the bench binaries share: a server on a temporary SQLite file with no abuse limits,
//! an event of N theme tables, and URL helpers.

use std::net::SocketAddr;
use std::time::Duration;

use roundtable::limits::Limits;

/// An event file with one round and `tables` theme tables.
pub fn event_toml(tables: usize) -> String {
    let themes = ["Buses", "Health", "Jobs", "Homes", "Schools", "Water"];
    let mut s = String::from(
        "title = \"Bench\"\nplace = \"Hall\"\ndate = \"2026-12-05\"\n[[round]]\nprompt = \"Why does this matter here?\"\n",
    );
    for n in 0..tables {
        s.push_str(&format!(
            "[[table]]\nnumber = {}\ntheme = \"{}\"\n",
            n + 1,
            themes[n % themes.len()]
        ));
    }
    s
}

/// The path of an absolute URL.
pub fn path_of(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    rest.find('/')
        .map(|i| rest[i..].to_string())
        .unwrap_or_default()
}

/// A server running in this process.
pub struct Running {
    pub stop: tokio::sync::oneshot::Sender<()>,
    pub task: tokio::task::JoinHandle<anyhow::Result<()>>,
    pub state: roundtable::AppState,
}

/// Starts a server on `db` (an `sqlite:` URL) at `addr`, with no abuse limits.
pub async fn start(db: &str, addr: SocketAddr) -> anyhow::Result<Running> {
    let storage = roundtable::open_storage(db).await?;
    let listener = roundtable::bind(addr).await?;
    let bound = listener.local_addr()?;
    let config = roundtable::config::Config::new(None, bound)?.with_limits(Limits::unlimited());
    let state = roundtable::build_state(config, storage.clone()).await?;
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let serve_state = state.clone();
    let task = tokio::spawn(async move {
        roundtable::serve(listener, serve_state, async {
            let _ = rx.await;
        })
        .await?;
        storage.close().await;
        Ok(())
    });
    Ok(Running { stop, task, state })
}

/// Creates an event of `tables` tables (file written under `dir`); returns its links.
pub async fn create_event(
    state: &roundtable::AppState,
    dir: &std::path::Path,
    base: &str,
    tables: usize,
) -> anyhow::Result<serde_json::Value> {
    let file = dir.join("event.toml");
    std::fs::write(&file, event_toml(tables))?;
    Ok(serde_json::from_str(
        &roundtable::cli::create_event(state.storage.as_ref(), base, &file, false, None).await?,
    )?)
}

/// The `p` quantile (0.0–1.0) of sorted durations, in milliseconds; NaN when there are none.
pub fn percentile_ms(sorted: &[Duration], p: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        n => sorted[((n as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0,
    }
}
