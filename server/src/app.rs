//! Application state, the router, and `serve`, which `main` and the tests share.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
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

/// Ready to serve: the database answers within 2 s. A load balancer or a script checks this
/// before sending people here; the process itself answers `/healthz` whatever the database.
async fn readyz(State(state): State<AppState>) -> Response {
    let ping = tokio::time::timeout(Duration::from_secs(2), state.storage.ping()).await;
    match ping {
        Ok(Ok(())) => "ready".into_response(),
        // The reason stays in the log (it may name the database's host); the answer says
        // which part is not ready.
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check: the database did not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "not ready: the database did not answer",
            )
                .into_response()
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: the database did not answer within 2 seconds",
        )
            .into_response(),
    }
}

/// Counters in Prometheus text format: numbers only, no event, table or words.
async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.hub.metrics_text(state.limiter.refusals()),
    )
        .into_response()
}

/// The whole router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .merge(crate::assets::router())
        .merge(crate::participant::router())
        .merge(crate::pledges::router())
        .merge(crate::privacy::router())
        .merge(crate::lang::router())
        .merge(crate::organiser::router())
        .merge(crate::console::router())
        .merge(crate::report::http::router())
        .merge(crate::api::router())
        .layer(axum::middleware::from_fn(crate::security::same_origin))
        .layer(axum::middleware::from_fn(crate::lang::layer))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::security::headers,
        ))
        .layer(axum::middleware::from_fn(compress))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            crate::security::bare(StatusCode::INTERNAL_SERVER_ERROR)
        }))
        .with_state(state)
}

/// Compresses pages, JSON and text downloads for clients that accept it (brotli, else gzip),
/// at a low level so a render stays fast. Socket upgrades skip it entirely (the layer would
/// otherwise wrap the 101's body, and answer 406 to an `Accept-Encoding` it cannot meet).
async fn compress(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    use tower::{Layer, ServiceExt};
    use tower_http::compression::{CompressionLayer, CompressionLevel};
    if req.headers().contains_key(header::UPGRADE) {
        return next.run(req).await;
    }
    let layer = CompressionLayer::new()
        .quality(CompressionLevel::Precise(4))
        .compress_when(Compressible);
    match layer.layer(next).oneshot(req).await {
        Ok(res) => res.into_response(),
        Err(never) => match never {},
    }
}

/// Which responses the compression layer may compress: text we render (HTML, JSON, CSV,
/// Markdown, plain text, the QR's SVG) above 256 bytes. Not CSS or JS (`assets.rs` serves
/// them already compressed, once), not images, PDF, DOCX, XLSX or zip (compressed formats),
/// not a 101 or a body-less answer. A response with a `Content-Encoding` is never touched.
#[derive(Clone, Copy)]
struct Compressible;

impl tower_http::compression::Predicate for Compressible {
    fn should_compress<B>(&self, res: &axum::http::Response<B>) -> bool
    where
        B: axum::body::HttpBody,
    {
        use tower_http::compression::predicate::SizeAbove;
        let ty = res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let essence = ty.split(';').next().unwrap_or_default().trim();
        let text = matches!(
            essence.to_ascii_lowercase().as_str(),
            "text/html"
                | "text/plain"
                | "text/csv"
                | "text/markdown"
                | "application/json"
                | "image/svg+xml"
        );
        text && res.status() != StatusCode::SWITCHING_PROTOCOLS
            && SizeAbove::new(256).should_compress(res)
    }
}

/// Serves on a bound listener until `shutdown` resolves; then closes sockets (1012) and
/// waits for their tasks, at most five seconds.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let hub = state.hub.clone();
    let sweeper = tokio::spawn(crate::privacy::sweeper(state.clone()));
    let webhooks = tokio::spawn(crate::api::webhooks::worker(state.clone()));
    // On PostgreSQL, other nodes may share the database: hear their changes.
    let cluster = state
        .storage
        .cluster_url()
        .map(|url| tokio::spawn(crate::hub::cluster::listen(hub.clone(), url)));
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
    sweeper.abort();
    webhooks.abort();
    if let Some(task) = cluster {
        task.abort();
    }
    hub.wait_idle(Duration::from_secs(5)).await;
    Ok(())
}
