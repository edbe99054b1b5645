//! Roundtable: a real-time system for participatory roundtable events.
//!
//! Attendees scan a table's QR code and write comments from their phones; facilitators curate
//! them on a live console and put the best on a projected wall; afterwards the session is
//! collated into a report. One binary, one SQLite file, no internet needed.
//!
//! # Layout
//! - [`app`]: `AppState`, the router, and `serve` (shared by `main` and the tests).
//! - [`config`]: command line and environment settings.
//! - [`model`]: domain types and the parsing of untrusted input.
//! - [`storage`]: the `Storage` trait and its SQLite implementation.
//! - [`hub`]: the websocket hub (rooms, protocol, one task per socket).
//! - [`participant`], [`organiser`], [`console`]: routes by audience.
//! - [`events`], [`report`], [`qr`], [`assets`], [`security`]: shared pieces.
//! - [`cli`]: `roundtable event create` and `roundtable organiser add`.

pub mod agenda;
pub mod api;
pub mod app;
pub mod assets;
pub mod cli;
pub mod config;
pub mod console;
pub mod error;
pub mod events;
pub mod forms;
pub mod hub;
pub mod images;
pub mod lang;
pub mod limits;
pub mod model;
pub mod organiser;
pub mod participant;
pub mod pledges;
pub mod privacy;
pub mod qr;
pub mod report;
pub mod security;
pub mod storage;
pub mod walls;

use std::sync::{Arc, Mutex};

pub use app::{AppState, router, serve};
/// The database library, for tests that make their own databases.
pub use sqlx;

/// Kernel send buffer per accepted socket. Messages are small; a fixed, modest buffer bounds
/// the memory a phone that stopped reading can pin (Linux doubles it, and autotuning could
/// otherwise grow it to megabytes), and makes such a socket's send time out sooner.
pub const SOCKET_SEND_BUFFER: u32 = 64 * 1024;

/// Binds the listening socket the way the server wants it.
pub async fn bind(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.set_send_buffer_size(SOCKET_SEND_BUFFER)?;
    socket.bind(addr)?;
    socket.listen(1024)
}

/// Opens storage for a database URL: `sqlite:PATH` or `postgres://...`.
pub async fn open_storage(url: &str) -> anyhow::Result<Arc<storage::sql::SqlStorage>> {
    Ok(Arc::new(storage::sql::SqlStorage::open(url).await?))
}

/// Builds the app state; opens first-run set-up when no organiser exists yet.
pub async fn build_state(
    config: config::Config,
    storage: Arc<dyn storage::Storage>,
) -> anyhow::Result<AppState> {
    let setup = if storage.organiser_count().await? == 0 {
        Some(security::new_token()?)
    } else {
        None
    };
    Ok(AppState {
        limiter: Arc::new(limits::Limiter::new(config.limits)),
        hashing: Arc::new(tokio::sync::Semaphore::new(2)),
        dummy_hash: security::hash_password(&security::new_token()?)?.into(),
        config: Arc::new(config),
        hub: hub::Hub::new(storage.clone()),
        storage,
        setup_token: Arc::new(Mutex::new(setup)),
        reports: Arc::default(),
    })
}

/// The log filter for `ROUNDTABLE_LOG` (`info` by default). Whatever level is asked for, the
/// websocket library stays silent: at `trace` it would print every frame, and so every
/// comment and name. PostgreSQL's notices ("relation _sqlx_migrations already exists,
/// skipping" at every start) show only from `warn`. An unreadable setting falls back to `info`.
pub fn log_filter(spec: &str) -> tracing_subscriber::EnvFilter {
    let quiet = ",tungstenite=off,tokio_tungstenite=off,sqlx::postgres::notice=warn";
    tracing_subscriber::EnvFilter::try_new(format!("{spec}{quiet}"))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("info{quiet}")))
}
