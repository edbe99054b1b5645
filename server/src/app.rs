//! Application state, the router, and `serve`, which `main` and the tests share.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::get;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::hub::Hub;
use crate::storage::Storage;

/// Largest request body accepted (forms and JSON). Comments are far smaller.
pub const MAX_BODY: usize = 64 * 1024;

/// Everything handlers share.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub storage: Arc<dyn Storage>,
    pub hub: Hub,
    /// Abuse limits (in memory).
    pub limiter: Arc<crate::limits::Limiter>,
    /// At most two password hashes at once (each needs 19 MiB and ~50 ms of a core).
    pub hashing: Arc<tokio::sync::Semaphore>,
    /// Hash of a random password, checked when a log-in names an unknown email, so that
    /// both answers take as long.
    pub dummy_hash: Arc<str>,
    /// One-time token for creating the first organiser account (None once one exists).
    pub setup_token: Arc<Mutex<Option<String>>>,
    /// The last few collated events, by the state they were made from.
    pub reports: Arc<crate::report::http::Cache>,
}

impl AppState {
    /// An absolute URL on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.config.public_url, path)
    }

    /// The first-run token, if set-up is still open.
    pub fn setup_token(&self) -> Option<String> {
        match self.setup_token.lock() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Takes the first-run token if `token` is it (once: a second caller gets false).
    pub fn take_setup_token(&self, token: &str) -> bool {
        let mut g = match self.setup_token.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if g.as_deref()
            .is_some_and(|t| !token.is_empty() && t == token)
        {
            *g = None;
            true
        } else {
            false
        }
    }

    /// Puts the first-run token back after a set-up that made nothing.
    pub fn restore_setup_token(&self, token: String) {
        match self.setup_token.lock() {
            Ok(mut g) => *g = Some(token),
            Err(p) => *p.into_inner() = Some(token),
        }
    }

    /// Closes first-run set-up.
    pub fn clear_setup_token(&self) {
        match self.setup_token.lock() {
            Ok(mut g) => *g = None,
            Err(p) => *p.into_inner() = None,
        }
    }
}

/// The whole router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(crate::assets::router())
        .merge(crate::participant::router())
        .merge(crate::pledges::router())
        .merge(crate::organiser::router())
        .merge(crate::console::router())
        .merge(crate::report::http::router())
        .layer(axum::middleware::from_fn(crate::security::same_origin))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(crate::security::headers))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            crate::security::bare(StatusCode::INTERNAL_SERVER_ERROR)
        }))
        .with_state(state)
}

/// Serves on a bound listener until `shutdown` resolves; then closes sockets (1012) and
/// waits for their tasks, at most five seconds.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let hub = state.hub.clone();
    let app = router(state);
    let hub_for_signal = hub.clone();
    // Small frames (an ack, then the broadcast) must not wait on Nagle's algorithm and the
    // client's delayed ACK: that alone added ~20-40 ms per post.
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        hub_for_signal.begin_shutdown();
    })
    .await?;
    hub.wait_idle(Duration::from_secs(5)).await;
    Ok(())
}
