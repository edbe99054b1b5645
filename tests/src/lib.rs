//! Black-box test harness: starts the real server (the same `roundtable::serve` that `main`
//! runs) on a random port with a temporary database, and drives it over HTTP and websockets.
//! Every wait is a condition with a deadline; nothing sleeps and hopes.
//!
//! The database is a new SQLite file, or, when `ROUNDTABLE_TEST_POSTGRES` names a PostgreSQL
//! server (`postgres://postgres@127.0.0.1:5432/test`), a new database made on that server for
//! each test server. `.ci/run` runs the suites both ways.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub use roundtable;
use roundtable::limits::Limits;

pub mod browser;

/// How long any single wait may take before a test fails.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// A small event, in the format of examples/event.toml.
pub const SMALL_EVENT: &str = r#"
title = "Test listening event"
place = "Hall"
date = "2026-12-05"
description = "For tests"
[[round]]
kind = "same"
prompt = "Why does this matter here?"
[[round]]
kind = "theme"
prompt = "What would make the biggest difference?"
[[table]]
number = 1
theme = "Buses and transport"
[[table]]
number = 2
theme = "Health and care"
"#;

/// A running server on a temporary database.
pub struct TestServer {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub state: roundtable::AppState,
    /// The concrete storage, for fault-injection hooks.
    pub sql: Arc<roundtable::storage::sql::SqlStorage>,
    /// The database URL (`sqlite:...` or `postgres://...`).
    pub database_url: String,
    dir: Arc<tempfile::TempDir>,
    public_url: Option<String>,
    /// Webhook poll and retry intervals, when the test sends webhooks to loopback receivers.
    webhooks: Option<(Duration, Duration)>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server on a new temporary database.
    pub async fn start() -> Result<Self> {
        Self::start_with(Limits::default()).await
    }

    /// Starts a server with other abuse limits.
    pub async fn start_with(limits: Limits) -> Result<Self> {
        Self::start_custom(limits, Duration::from_secs(10)).await
    }

    /// Starts a server with other abuse limits and socket send timeout.
    pub async fn start_custom(limits: Limits, send_timeout: Duration) -> Result<Self> {
        let dir = Arc::new(tempfile::tempdir()?);
        let url = new_database(&dir).await?;
        Self::start_in(dir, url, limits, send_timeout, "127.0.0.1:0", None, None).await
    }

    /// Starts a server whose webhook worker looks for calls every `poll`, retries after
    /// `retry` (doubling), and may call receivers on this machine (the test's own).
    pub async fn start_with_webhooks(poll: Duration, retry: Duration) -> Result<Self> {
        let dir = Arc::new(tempfile::tempdir()?);
        let url = new_database(&dir).await?;
        let timeout = Duration::from_secs(10);
        let hooks = Some((poll, retry));
        Self::start_in(
            dir,
            url,
            Limits::default(),
            timeout,
            "127.0.0.1:0",
            None,
            hooks,
        )
        .await
    }

    /// Starts a server that believes people reach it at `public_url` (say behind an https
    /// proxy): its links, cookies and headers follow that address.
    pub async fn start_public(public_url: &str) -> Result<Self> {
        let dir = Arc::new(tempfile::tempdir()?);
        let url = new_database(&dir).await?;
        let limits = Limits::default();
        let timeout = Duration::from_secs(10);
        Self::start_in(
            dir,
            url,
            limits,
            timeout,
            "127.0.0.1:0",
            Some(public_url.into()),
            None,
        )
        .await
    }

    /// Whether this server runs on PostgreSQL (else SQLite).
    pub fn on_postgres(&self) -> bool {
        self.database_url.starts_with("postgres")
    }

    /// Everything the database holds, as bytes: SQLite's file and its write-ahead log (where
    /// deleted words could linger), or PostgreSQL's rows as `pg_dump` writes them.
    pub fn stored_bytes(&self) -> Result<Vec<u8>> {
        if self.on_postgres() {
            let out = std::process::Command::new("pg_dump")
                .args(["--data-only", "--no-owner", &self.database_url])
                .output()
                .context("pg_dump (from PostgreSQL's client package) must be installed")?;
            anyhow::ensure!(
                out.status.success(),
                "pg_dump failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            return Ok(out.stdout);
        }
        let db = sqlite_path(&self.dir);
        let mut bytes = std::fs::read(&db)?;
        if let Ok(w) = std::fs::read(db.with_file_name("roundtable.db-wal")) {
            bytes.extend(w);
        }
        Ok(bytes)
    }

    async fn start_in(
        dir: Arc<tempfile::TempDir>,
        url: String,
        limits: Limits,
        send_timeout: Duration,
        bind: &str,
        public_url: Option<String>,
        webhooks: Option<(Duration, Duration)>,
    ) -> Result<Self> {
        let storage = roundtable::open_storage(&url).await?;
        let listener = roundtable::bind(bind.parse()?).await?;
        let addr = listener.local_addr()?;
        let mut config = roundtable::config::Config::new(public_url.as_deref(), addr)?
            .with_limits(limits)
            .with_send_timeout(send_timeout)
            // Retention tests wait for the background sweep: let it look often.
            .with_retention_every(Duration::from_millis(200));
        if let Some((poll, retry)) = webhooks {
            config = config.with_webhooks(poll, retry, true);
        }
        let state = roundtable::build_state(config, storage.clone()).await?;
        let (tx, rx) = oneshot::channel::<()>();
        let serve_state = state.clone();
        let sql = storage.clone();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = rx.await;
            };
            if let Err(e) = roundtable::serve(listener, serve_state, shutdown).await {
                eprintln!("server stopped with error: {e:#}");
            }
            storage.close().await;
        });
        let server = TestServer {
            addr,
            base: format!("http://{addr}"),
            state,
            sql,
            database_url: url,
            dir,
            public_url,
            webhooks,
            stop: Some(tx),
            task: Some(task),
        };
        server.wait_healthy().await?;
        Ok(server)
    }

    async fn wait_healthy(&self) -> Result<()> {
        wait_healthy(&self.base).await
    }

    /// Stops gracefully (sockets are told to reconnect) and waits for the server to end.
    pub async fn stop(&mut self) -> Result<()> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(15), task)
                .await
                .context("server did not stop")??;
        }
        Ok(())
    }

    /// Stops this server and starts a new one on the same database file (and the same
    /// port, so pages already open can reconnect).
    pub async fn restart(mut self) -> Result<Self> {
        self.stop().await?;
        let dir = self.dir.clone();
        let limits = self.state.config.limits;
        let timeout = self.state.config.send_timeout;
        let public = self.public_url.clone();
        let url = self.database_url.clone();
        let bind = self.addr.to_string();
        Self::start_in(dir, url, limits, timeout, &bind, public, self.webhooks).await
    }

    /// Absolute URL of a path on this server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Websocket URL of a path (`/t/TOKEN/ws`...).
    pub fn ws_url(&self, path: &str) -> String {
        format!("ws://{}{}", self.addr, path)
    }

    /// Creates an event from TOML, as `roundtable event create` does; returns its links JSON.
    pub async fn create_event(&self, toml_text: &str) -> Result<Value> {
        let file = self
            .dir
            .path()
            .join(format!("event-{}.toml", rand_suffix()));
        std::fs::write(&file, toml_text)?;
        let json = roundtable::cli::create_event(
            self.state.storage.as_ref(),
            &self.base,
            &file,
            false,
            None,
        )
        .await?;
        Ok(serde_json::from_str(&json)?)
    }

    /// Opens a websocket on a path.
    pub async fn ws(&self, path: &str) -> Result<Ws> {
        Ws::connect(&self.ws_url(path)).await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

fn sqlite_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("roundtable.db")
}

/// The PostgreSQL server the suites run against, if one is configured.
pub fn postgres_admin_url() -> Option<String> {
    std::env::var("ROUNDTABLE_TEST_POSTGRES")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A new, empty database for one test server: a SQLite file in `dir`, or a database made
/// on the configured PostgreSQL server (named after this process, so runs don't collide).
pub async fn new_database(dir: &tempfile::TempDir) -> Result<String> {
    match postgres_admin_url() {
        None => Ok(format!("sqlite:{}", sqlite_path(dir).display())),
        Some(admin) => create_postgres_database(&admin).await,
    }
}

/// Makes a fresh database on the PostgreSQL server at `admin`; returns its URL.
pub async fn create_postgres_database(admin: &str) -> Result<String> {
    use roundtable::sqlx::Connection;
    let name = format!("rt_t{}_{}", std::process::id(), rand_suffix());
    let mut conn = roundtable::sqlx::PgConnection::connect(admin)
        .await
        .with_context(|| format!("could not connect to PostgreSQL at {admin}"))?;
    drop_stale_databases(&mut conn).await?;
    roundtable::sqlx::query(roundtable::sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE {name}"
    )))
    .execute(&mut conn)
    .await?;
    conn.close().await?;
    let (base, _) = admin
        .rsplit_once('/')
        .context("ROUNDTABLE_TEST_POSTGRES must end with /DATABASE")?;
    Ok(format!("{base}/{name}"))
}

/// Once per process: drops the test databases of test processes that have ended.
async fn drop_stale_databases(conn: &mut roundtable::sqlx::PgConnection) -> Result<()> {
    use std::sync::atomic::{AtomicBool, Ordering};
    static DONE: AtomicBool = AtomicBool::new(false);
    if DONE.swap(true, Ordering::SeqCst) {
        return Ok(());
    }
    let names: Vec<String> = roundtable::sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'rt\\_t%'",
    )
    .fetch_all(&mut *conn)
    .await?;
    for name in names {
        let pid = name
            .trim_start_matches("rt_t")
            .split('_')
            .next()
            .unwrap_or_default();
        let alive = std::path::Path::new(&format!("/proc/{pid}")).exists();
        if !alive && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            roundtable::sqlx::query(roundtable::sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// A server node in its own runtime on its own threads, sharing a database with others: it
/// can be killed like a crashed process (its tasks and sockets vanish, nobody is told).
pub struct Node {
    pub addr: SocketAddr,
    pub base: String,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Node {
    /// Starts a node on an existing database URL.
    pub async fn start(url: &str) -> Result<Self> {
        let url = url.to_string();
        let (tx, rx) = oneshot::channel();
        std::thread::spawn(move || {
            let started = (|| -> Result<(tokio::runtime::Runtime, SocketAddr)> {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()?;
                let addr = runtime.block_on(async {
                    let storage = roundtable::open_storage(&url).await?;
                    let listener = roundtable::bind("127.0.0.1:0".parse()?).await?;
                    let addr = listener.local_addr()?;
                    let config = roundtable::config::Config::new(None, addr)?;
                    let state = roundtable::build_state(config, storage).await?;
                    tokio::spawn(async move {
                        let _ = roundtable::serve(listener, state, std::future::pending()).await;
                    });
                    anyhow::Ok(addr)
                })?;
                Ok((runtime, addr))
            })();
            let _ = tx.send(started);
        });
        let (runtime, addr) = rx.await.context("the node's thread ended")??;
        let node = Node {
            addr,
            base: format!("http://{addr}"),
            runtime: Some(runtime),
        };
        wait_healthy(&node.base).await?;
        Ok(node)
    }

    /// Websocket URL of a path on this node.
    pub fn ws_url(&self, path: &str) -> String {
        format!("ws://{}{}", self.addr, path)
    }

    /// Kills the node: every task and socket goes at once, with no closing handshake.
    pub fn kill(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits until the server at `base` answers `/healthz`.
async fn wait_healthy(base: &str) -> Result<()> {
    let client = client();
    let url = format!("{base}/healthz");
    tokio::time::timeout(DEADLINE, async {
        loop {
            if let Ok(r) = client.get(&url).send().await
                && r.status() == 200
            {
                return;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .context("server did not become healthy")
}

/// An HTTP client that keeps cookies and does not follow redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_default()
}

/// The path part of an absolute URL on the test server.
pub fn path_of(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    match rest.find('/') {
        Some(i) => rest[i..].to_string(),
        None => "/".to_string(),
    }
}

/// A websocket client speaking docs/protocol.md.
pub struct Ws {
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// How a socket ended.
#[derive(Debug)]
pub struct Closed {
    pub code: Option<u16>,
    pub reason: String,
}

impl Ws {
    /// Connects as a new device: like a phone that loaded the page first, it carries its
    /// own anonymous device cookie.
    pub async fn connect(url: &str) -> Result<Self> {
        let device = format!(
            "dev{:023}",
            rand_suffix() + u64::from(std::process::id()) * 1_000_000
        );
        Self::connect_as(url, &device).await
    }

    /// Connects without a device cookie (cookies blocked, or a script).
    pub async fn connect_without_cookie(url: &str) -> Result<Self> {
        let (stream, _) = tokio::time::timeout(DEADLINE, tokio_tungstenite::connect_async(url))
            .await
            .context("websocket connect timed out")??;
        Ok(Ws { stream })
    }

    /// Connects as a given device (the `rt_attendee` cookie, 26 characters), e.g. the same
    /// phone moving to another table.
    pub async fn connect_as(url: &str, device: &str) -> Result<Self> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut req = url.into_client_request()?;
        req.headers_mut()
            .insert("cookie", format!("rt_attendee={device}").parse()?);
        let (stream, _) = tokio::time::timeout(DEADLINE, tokio_tungstenite::connect_async(req))
            .await
            .context("websocket connect timed out")??;
        Ok(Ws { stream })
    }

    /// Sends a JSON command.
    pub async fn send(&mut self, v: Value) -> Result<()> {
        self.stream
            .send(Message::Text(v.to_string().into()))
            .await?;
        Ok(())
    }

    /// Sends raw text.
    pub async fn send_raw(&mut self, text: &str) -> Result<()> {
        self.stream
            .send(Message::Text(text.to_string().into()))
            .await?;
        Ok(())
    }

    /// Sends a text frame whose payload is not valid UTF-8 (a raw frame, bypassing checks).
    pub async fn send_invalid_utf8(&mut self) -> Result<()> {
        use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
        use tokio_tungstenite::tungstenite::protocol::frame::{Frame, FrameHeader};
        let header = FrameHeader {
            opcode: OpCode::Data(Data::Text),
            ..FrameHeader::default()
        };
        let payload: &[u8] = &[0xC0, 0x80, 0xFF];
        let frame = Frame::from_payload(header, payload.to_vec().into());
        self.stream.send(Message::Frame(frame)).await?;
        Ok(())
    }

    /// Sends a binary frame.
    pub async fn send_binary(&mut self, bytes: &[u8]) -> Result<()> {
        self.stream
            .send(Message::Binary(bytes.to_vec().into()))
            .await?;
        Ok(())
    }

    /// The next JSON message (pings skipped), within the deadline.
    pub async fn next(&mut self) -> Result<Value> {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let msg = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .context("no message before the deadline")?;
            match msg {
                Some(Ok(Message::Text(t))) => {
                    let v: Value = serde_json::from_str(t.as_str())?;
                    if v["type"] == "ping" {
                        continue;
                    }
                    return Ok(v);
                }
                Some(Ok(Message::Close(f))) => bail!("socket closed: {f:?}"),
                Some(Ok(_)) => continue,
                Some(Err(e)) => bail!("socket error: {e}"),
                None => bail!("socket ended"),
            }
        }
    }

    /// Skips messages until one matches, within the deadline.
    pub async fn next_where(&mut self, what: &str, f: impl Fn(&Value) -> bool) -> Result<Value> {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let v = tokio::time::timeout_at(deadline, self.next())
                .await
                .with_context(|| format!("never saw {what}"))??;
            if f(&v) {
                return Ok(v);
            }
        }
    }

    /// Waits for the server to close the socket; returns the close frame.
    pub async fn closed(&mut self) -> Result<Closed> {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let msg = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .context("socket was not closed before the deadline")?;
            match msg {
                Some(Ok(Message::Close(f))) => {
                    return Ok(Closed {
                        code: f.as_ref().map(|f| u16::from(f.code)),
                        reason: f.map(|f| f.reason.to_string()).unwrap_or_default(),
                    });
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => {
                    return Ok(Closed {
                        code: None,
                        reason: String::new(),
                    });
                }
            }
        }
    }

    /// Posts from a phone and waits for the ack; returns the comment id.
    pub async fn post(&mut self, client_id: &str, text: &str) -> Result<i64> {
        self.send(serde_json::json!({"type": "post", "client_id": client_id, "text": text}))
            .await?;
        let ack = self
            .next_where("ack", |v| {
                (v["type"] == "ack" && v["client_id"] == client_id) || v["type"] == "error"
            })
            .await?;
        if ack["type"] == "error" {
            bail!("post refused: {ack}");
        }
        ack["comment_id"].as_i64().context("ack without comment_id")
    }

    /// Closes the socket from this side.
    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}
