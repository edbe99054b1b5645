//! Load bench: simulated events against real server processes, over real websockets.
//!
//! The servers run as child processes (this binary, started again with `serve-node` or
//! `serve-bare`), so their memory is measured apart from the load generator's and each side
//! has its own open-files limit. Scenarios (../shared/PERFORMANCE.md):
//!
//! * `fanout` (S3/S5): TABLES × PHONES phones, a lead console, a table-facilitator console per
//!   table and two walls; phones post at RATE per second for SECONDS; the lead console puts
//!   one in ten on the wall. Reports post→ack, post→console and highlight→wall latency, frames
//!   delivered, errors, server RSS. With `--nodes 2` (PostgreSQL) the phones use node A and the
//!   screens node B. With `--bare` the same run goes against a bare tokio-tungstenite
//!   broadcast server (same fan-out, no storage, no rules) for comparison.
//! * `ingest` (S4): POSTERS phones each post, wait for the ack (sent after commit), post
//!   again; reports acknowledged posts per second.
//! * `idle` (S1): SOCKETS phones join tables and wait; reports server RSS per socket.
//! * `smoke`: a short fan-out and ingest run that fails on any error or lost message (CI).
//!
//! `cargo run --release --bin load-bench -- SCENARIO [--db URL] [--nodes 1|2] [--tables N]
//! [--phones N] [--rate N] [--seconds N] [--posters N] [--sockets N] [--bare]`
//! (`--db` defaults to a new SQLite file; `postgres://...` makes a new database on that server).

use std::collections::HashMap;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

mod common;

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;
type Sink = SplitSink<Socket, Message>;

#[derive(Debug, Clone)]
struct Opts {
    scenario: String,
    db: Option<String>,
    nodes: usize,
    tables: usize,
    phones: usize,
    rate: f64,
    seconds: f64,
    posters: usize,
    sockets: usize,
    bare: bool,
}

impl Opts {
    /// "PostgreSQL" or "SQLite", for the report.
    fn database_name(&self) -> &'static str {
        match &self.db {
            Some(url) if url.starts_with("postgres") => "PostgreSQL",
            _ => "SQLite",
        }
    }
}

fn opts() -> Result<Opts> {
    let mut args = std::env::args().skip(1);
    let scenario = args.next().unwrap_or_else(|| "smoke".into());
    let mut o = Opts {
        scenario,
        db: None,
        nodes: 1,
        tables: 20,
        phones: 10,
        rate: 50.0,
        seconds: 10.0,
        posters: 64,
        sockets: 1000,
        bare: false,
    };
    while let Some(flag) = args.next() {
        if flag == "--bare" {
            o.bare = true;
            continue;
        }
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value"))?;
        let num = || -> Result<f64> {
            value
                .parse::<f64>()
                .with_context(|| format!("{flag} takes a number, not {value:?}"))
        };
        match flag.as_str() {
            "--db" => o.db = Some(value.clone()),
            "--nodes" => o.nodes = num()? as usize,
            "--tables" => o.tables = num()? as usize,
            "--phones" => o.phones = num()? as usize,
            "--rate" => o.rate = num()?,
            "--seconds" => o.seconds = num()?,
            "--posters" => o.posters = num()? as usize,
            "--sockets" => o.sockets = num()? as usize,
            other => bail!("unknown option {other}"),
        }
    }
    Ok(o)
}

#[tokio::main]
async fn main() -> Result<()> {
    let o = opts()?;
    let result = match o.scenario.as_str() {
        "serve-node" => serve_node().await,
        "serve-bare" => serve_bare().await,
        "fanout" => fanout(&o).await.map(|r| r.print(&o)),
        "ingest" => ingest(&o).await,
        "idle" => idle(&o).await,
        "smoke" => smoke(&o).await,
        other => bail!("unknown scenario {other} (fanout, ingest, idle, smoke)"),
    };
    // The run's SQLite files (hundreds of MB after a long run) go with it.
    let _ = std::fs::remove_dir_all(scratch_dir());
    result
}

/// This process's scratch directory (SQLite files, the event file).
fn scratch_dir() -> std::path::PathBuf {
    std::env::temp_dir().join(format!("rt-load-{}", std::process::id()))
}

// ---------------------------------------------------------------- server processes

/// Child: a Roundtable node on `RT_DB`, no abuse limits; prints `READY ADDR`, and with
/// `RT_TABLES` set creates an event first and prints `LINKS {json}`.
async fn serve_node() -> Result<()> {
    let db = std::env::var("RT_DB").context("RT_DB")?;
    let server = common::start(&db, "127.0.0.1:0".parse()?).await?;
    let addr = server.state.config.public_url.clone();
    if let Ok(tables) = std::env::var("RT_TABLES") {
        let dir = scratch_dir();
        std::fs::create_dir_all(&dir)?;
        let links = common::create_event(&server.state, &dir, &addr, tables.parse()?).await;
        // The event file was only the input; the parent may kill this process at any time.
        let _ = std::fs::remove_dir_all(&dir);
        let links = links?;
        println!("LINKS {links}");
    }
    println!("READY {addr}");
    // Until the parent closes our stdin.
    let mut line = String::new();
    let _ = BufReader::new(tokio::io::stdin())
        .read_line(&mut line)
        .await;
    let _ = server.stop.send(());
    let _ = server.task.await;
    Ok(())
}

/// Child: the comparison server. Paths `/t/TABLE` (phones), `/c` (consoles), `/w` (walls).
/// A phone's `{"type":"post","client_id":..,"text":..}` is acked to it and broadcast to its
/// table and the consoles; a console's `{"type":"highlight",..,"id":N}` goes to the walls.
/// No storage, no checks: the floor our server is compared with.
async fn serve_bare() -> Result<()> {
    use tokio::sync::broadcast;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("READY http://{}", listener.local_addr()?);
    let rooms: Arc<Mutex<HashMap<String, broadcast::Sender<Arc<str>>>>> = Arc::default();
    let room = move |name: &str| {
        let mut r = rooms.lock().unwrap_or_else(|p| p.into_inner());
        r.entry(name.to_string())
            .or_insert_with(|| broadcast::channel(1024).0)
            .clone()
    };
    let seq = Arc::new(AtomicU64::new(0));
    tokio::spawn(async move {
        let mut line = String::new();
        let _ = BufReader::new(tokio::io::stdin())
            .read_line(&mut line)
            .await;
        std::process::exit(0);
    });
    loop {
        let (tcp, _) = listener.accept().await?;
        let _ = tcp.set_nodelay(true);
        let room = room.clone();
        let seq = seq.clone();
        tokio::spawn(async move {
            let mut path = String::new();
            let Ok(ws) = tokio_tungstenite::accept_hdr_async(tcp, PathOf(&mut path)).await else {
                return;
            };
            let (mut tx, mut rx) = ws.split();
            let mine = room(&path);
            let consoles = room("/c");
            let walls = room("/w");
            let mut sub = mine.subscribe();
            loop {
                tokio::select! {
                    m = sub.recv() => match m {
                        Ok(text) => if tx.send(Message::Text((*text).into())).await.is_err() { return },
                        Err(broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(_) => return,
                    },
                    m = rx.next() => match m {
                        Some(Ok(Message::Text(t))) => {
                            let Ok(v) = serde_json::from_str::<serde_json::Value>(&t) else { continue };
                            let n = seq.fetch_add(1, Ordering::Relaxed) + 1;
                            if v["type"] == "post" {
                                let ack = serde_json::json!({"type": "ack", "client_id": v["client_id"], "comment_id": n});
                                if tx.send(Message::Text(ack.to_string().into())).await.is_err() { return }
                                let msg: Arc<str> = serde_json::json!({"type": "comment", "seq": n, "change": "posted",
                                    "comment": {"id": n, "text": v["text"], "highlighted": false}}).to_string().into();
                                let _ = mine.send(msg.clone());
                                let _ = consoles.send(msg);
                            } else if v["type"] == "highlight" {
                                let msg: Arc<str> = serde_json::json!({"type": "comment", "seq": n, "change": "highlighted",
                                    "comment": {"id": v["comment_id"], "highlighted": true}}).to_string().into();
                                let _ = walls.send(msg);
                            }
                        }
                        Some(Ok(_)) => {}
                        _ => return,
                    },
                }
            }
        });
    }
}

/// Keeps the request path of a bare server's handshake.
struct PathOf<'a>(&'a mut String);

impl tokio_tungstenite::tungstenite::handshake::server::Callback for PathOf<'_> {
    fn on_request(
        self,
        request: &tokio_tungstenite::tungstenite::handshake::server::Request,
        response: tokio_tungstenite::tungstenite::handshake::server::Response,
    ) -> Result<
        tokio_tungstenite::tungstenite::handshake::server::Response,
        tokio_tungstenite::tungstenite::handshake::server::ErrorResponse,
    > {
        *self.0 = request.uri().path().to_string();
        Ok(response)
    }
}

/// A server child process.
struct Child {
    child: tokio::process::Child,
    base: String,
    links: Option<serde_json::Value>,
}

impl Child {
    async fn start(kind: &str, db: Option<&str>, tables: Option<usize>) -> Result<Self> {
        let mut cmd = tokio::process::Command::new(std::env::current_exe()?);
        cmd.arg(kind)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .env("ROUNDTABLE_LOG", "warn");
        if let Some(db) = db {
            cmd.env("RT_DB", db);
        }
        if let Some(t) = tables {
            cmd.env("RT_TABLES", t.to_string());
        }
        let mut child = cmd.spawn()?;
        let stdout = child.stdout.take().context("child stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut links = None;
        loop {
            let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
                .await
                .context("server did not start")??
                .context("server ended before it was ready")?;
            if let Some(j) = line.strip_prefix("LINKS ") {
                links = Some(serde_json::from_str(j)?);
            } else if let Some(base) = line.strip_prefix("READY ") {
                return Ok(Child {
                    child,
                    base: base.to_string(),
                    links,
                });
            }
        }
    }

    fn ws(&self, path: &str) -> String {
        format!("{}{}", self.base.replacen("http", "ws", 1), path)
    }

    /// Resident memory of the server process, in bytes.
    fn rss(&self) -> u64 {
        let Some(pid) = self.child.id() else { return 0 };
        std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|k| k.parse::<u64>().ok())
            })
            .map(|kb| kb * 1024)
            .unwrap_or(0)
    }
}

/// The database URL for a run: a new SQLite file, or a new database on a PostgreSQL server.
async fn database(o: &Opts) -> Result<String> {
    match &o.db {
        Some(url) if url.starts_with("postgres") => {
            use sqlx::Connection;
            let name = format!("rt_load_{}_{}", std::process::id(), next_id());
            let mut conn = sqlx::PgConnection::connect(url).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await?;
            let (base, _) = url.rsplit_once('/').context("URL must end with /DB")?;
            Ok(format!("{base}/{name}"))
        }
        Some(url) => Ok(url.clone()),
        None => {
            let dir = scratch_dir();
            std::fs::create_dir_all(&dir)?;
            Ok(format!("sqlite:{}/load-{}.db", dir.display(), next_id()))
        }
    }
}

fn next_id() -> u64 {
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

// ---------------------------------------------------------------- measuring

#[derive(Default)]
struct Clock {
    /// Post number → when it was sent.
    sent: Mutex<HashMap<u64, Instant>>,
    /// Comment id → when the highlight was sent.
    highlighted: Mutex<HashMap<i64, Instant>>,
    ack: Mutex<Vec<Duration>>,
    console: Mutex<Vec<Duration>>,
    wall: Mutex<Vec<Duration>>,
    frames: AtomicU64,
    errors: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn post_number(text: &str) -> Option<u64> {
    text.strip_prefix("load ")?.split(' ').next()?.parse().ok()
}

struct Report {
    target: String,
    sockets: usize,
    posts: u64,
    elapsed: Duration,
    ack: Vec<Duration>,
    console: Vec<Duration>,
    wall: Vec<Duration>,
    highlights: usize,
    frames: u64,
    errors: u64,
    rss: u64,
}

impl Report {
    fn print(&self, o: &Opts) {
        println!(
            "{}: {} sockets, {} posts in {:.1} s = {:.0} acked posts/s (asked {}/s); {} frames delivered ({:.0}/s); errors {}; server RSS {:.1} MB",
            self.target,
            self.sockets,
            self.ack.len(),
            self.elapsed.as_secs_f64(),
            self.ack.len() as f64 / self.elapsed.as_secs_f64(),
            o.rate,
            self.frames,
            self.frames as f64 / self.elapsed.as_secs_f64(),
            self.errors,
            self.rss as f64 / 1e6
        );
        for (name, v) in [
            ("post -> ack", &self.ack),
            ("post -> console", &self.console),
            ("highlight -> wall", &self.wall),
        ] {
            println!(
                "  {name:<18} n={:<6} p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms",
                v.len(),
                common::percentile_ms(v, 0.5),
                common::percentile_ms(v, 0.99),
                common::percentile_ms(v, 1.0)
            );
        }
    }

    fn lost(&self) -> u64 {
        let posts = self.posts;
        posts.saturating_sub(self.ack.len() as u64)
            + posts.saturating_sub(self.console.len() as u64)
            + (self.highlights as u64).saturating_sub(self.wall.len() as u64)
    }
}

async fn connect(url: &str) -> Result<Socket> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = url.into_client_request()?;
    // A device cookie, as a phone that loaded the page has (26 characters).
    let device = format!("load{:022}", next_id());
    req.headers_mut()
        .insert("cookie", format!("rt_attendee={device}").parse()?);
    let (ws, _) = tokio::time::timeout(
        Duration::from_secs(30),
        tokio_tungstenite::connect_async(req),
    )
    .await
    .context("connect timed out")??;
    Ok(ws)
}

fn text_of(m: &Message) -> Option<&str> {
    match m {
        Message::Text(t) => Some(t.as_str()),
        _ => None,
    }
}

/// A phone: counts frames, times its acks.
fn phone_reader(mut rx: futures_util::stream::SplitStream<Socket>, clock: Arc<Clock>) {
    tokio::spawn(async move {
        while let Some(Ok(m)) = rx.next().await {
            clock.frames.fetch_add(1, Ordering::Relaxed);
            let Some(t) = text_of(&m) else { continue };
            if t.contains("\"type\":\"ack\"") {
                let v: serde_json::Value = serde_json::from_str(t).unwrap_or_default();
                let n = v["client_id"]
                    .as_str()
                    .and_then(|c| c.strip_prefix("load-"))
                    .and_then(|c| c.split('-').next())
                    .and_then(|n| n.parse::<u64>().ok());
                if let Some(n) = n
                    && let Some(t0) = lock(&clock.sent).get(&n).copied()
                {
                    lock(&clock.ack).push(t0.elapsed());
                }
            } else if (t.contains("\"type\":\"error\"") || t.contains("\"type\":\"resync\""))
                && clock.errors.fetch_add(1, Ordering::Relaxed) == 0
            {
                // The first, to say what went wrong (the bench's own text, no one's words).
                eprintln!("first error: {t}");
            }
        }
    });
}

/// The lead console: times each post's arrival and puts one in ten on the wall.
fn console_reader(
    mut rx: futures_util::stream::SplitStream<Socket>,
    mut tx: Sink,
    clock: Arc<Clock>,
) {
    tokio::spawn(async move {
        while let Some(Ok(m)) = rx.next().await {
            clock.frames.fetch_add(1, Ordering::Relaxed);
            let Some(t) = text_of(&m) else { continue };
            if !t.contains("\"posted\"") {
                if t.contains("\"type\":\"error\"") || t.contains("\"type\":\"resync\"") {
                    clock.errors.fetch_add(1, Ordering::Relaxed);
                }
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(t).unwrap_or_default();
            let Some(n) = v["comment"]["text"].as_str().and_then(post_number) else {
                continue;
            };
            if let Some(t0) = lock(&clock.sent).get(&n).copied() {
                lock(&clock.console).push(t0.elapsed());
            }
            if n % 10 == 0
                && let Some(id) = v["comment"]["id"].as_i64()
            {
                lock(&clock.highlighted).insert(id, Instant::now());
                let cmd = serde_json::json!({"type": "highlight", "comment_id": id, "on": true, "ref": format!("h{id}")});
                if tx
                    .send(Message::Text(cmd.to_string().into()))
                    .await
                    .is_err()
                {
                    clock.errors.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    });
}

/// A wall: times each highlight's arrival.
fn wall_reader(mut rx: futures_util::stream::SplitStream<Socket>, clock: Arc<Clock>) {
    tokio::spawn(async move {
        while let Some(Ok(m)) = rx.next().await {
            clock.frames.fetch_add(1, Ordering::Relaxed);
            let Some(t) = text_of(&m) else { continue };
            if !t.contains("\"highlighted\":true") {
                if t.contains("\"type\":\"resync\"") {
                    clock.errors.fetch_add(1, Ordering::Relaxed);
                }
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(t).unwrap_or_default();
            if let Some(id) = v["comment"]["id"].as_i64()
                && let Some(t0) = lock(&clock.highlighted).get(&id).copied()
            {
                lock(&clock.wall).push(t0.elapsed());
            }
        }
    });
}

/// Waits until `done()` or the deadline.
async fn settle(deadline: Duration, done: impl Fn() -> bool) {
    let end = Instant::now() + deadline;
    while !done() && Instant::now() < end {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

// ---------------------------------------------------------------- scenarios

/// Servers for a run: one or two nodes (or the bare server), and the paths to use.
struct Setup {
    servers: Vec<Child>,
    phones_at: usize,
    screens_at: usize,
    tables: Vec<String>,
    table_consoles: Vec<String>,
    console: String,
    walls: Vec<String>,
}

async fn setup(o: &Opts) -> Result<Setup> {
    if o.bare {
        let s = Child::start("serve-bare", None, None).await?;
        return Ok(Setup {
            servers: vec![s],
            phones_at: 0,
            screens_at: 0,
            tables: (0..o.tables).map(|t| format!("/t/{t}")).collect(),
            table_consoles: (0..o.tables).map(|_| "/c".to_string()).collect(),
            console: "/c".into(),
            walls: vec!["/w".into(), "/w".into()],
        });
    }
    let db = database(o).await?;
    let mut servers = vec![Child::start("serve-node", Some(&db), Some(o.tables)).await?];
    if o.nodes > 1 {
        anyhow::ensure!(
            db.starts_with("postgres"),
            "two nodes need --db postgres://..."
        );
        servers.push(Child::start("serve-node", Some(&db), None).await?);
    }
    let links = servers[0].links.clone().context("no event links")?;
    let path =
        |v: &serde_json::Value| format!("{}/ws", common::path_of(v.as_str().unwrap_or_default()));
    let tables = links["tables"].as_array().cloned().unwrap_or_default();
    // The main wall, and a second wall added beside it (a big hall's other screen).
    let main_wall = path(&links["wall_url"]);
    Ok(Setup {
        phones_at: 0,
        screens_at: servers.len() - 1,
        servers,
        tables: tables
            .iter()
            .map(|t| format!("{}?since=0", path(&t["join_url"])))
            .collect(),
        table_consoles: tables.iter().map(|t| path(&t["console_url"])).collect(),
        console: path(&links["console_url"]),
        walls: vec![main_wall.clone(), main_wall],
    })
}

async fn fanout(o: &Opts) -> Result<Report> {
    let s = setup(o).await?;
    let clock = Arc::new(Clock::default());
    let screens = &s.servers[s.screens_at];
    let phones_node = &s.servers[s.phones_at];
    let (ctx, crx) = connect(&screens.ws(&s.console)).await?.split();
    console_reader(crx, ctx, clock.clone());
    for w in &s.walls {
        let (_, rx) = connect(&screens.ws(w)).await?.split();
        wall_reader(rx, clock.clone());
    }
    for c in &s.table_consoles {
        if c.len() > 3 {
            let (_, rx) = connect(&screens.ws(c)).await?.split();
            phone_reader(rx, clock.clone());
        }
    }
    let mut sinks: Vec<Sink> = Vec::new();
    for t in &s.tables {
        for _ in 0..o.phones {
            let (tx, rx) = connect(&phones_node.ws(t)).await?.split();
            phone_reader(rx, clock.clone());
            sinks.push(tx);
        }
    }
    let sockets = sinks.len() + 3 + s.table_consoles.len();
    // Let the joins' snapshots and presence settle before timing anything.
    tokio::time::sleep(Duration::from_millis(500)).await;
    clock.frames.store(0, Ordering::Relaxed);

    let posts = (o.rate * o.seconds).round() as u64;
    let every = Duration::from_secs_f64(1.0 / o.rate);
    let start = Instant::now();
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let n_sinks = sinks.len();
    for n in 0..posts {
        ticker.tick().await;
        // Spread over tables: post n comes from table n % tables.
        let i = (n as usize % o.tables) * o.phones + (n as usize / o.tables) % o.phones;
        let sink = &mut sinks[i % n_sinks];
        let body = serde_json::json!({"type": "post", "client_id": format!("load-{n}-{:012}", 0),
            "text": format!("load {n} a comment about the buses at our table")});
        lock(&clock.sent).insert(n, Instant::now());
        if sink
            .send(Message::Text(body.to_string().into()))
            .await
            .is_err()
        {
            clock.errors.fetch_add(1, Ordering::Relaxed);
        }
    }
    let highlights = (posts as usize).div_ceil(10);
    settle(Duration::from_secs(10), || {
        lock(&clock.ack).len() as u64 >= posts
            && lock(&clock.console).len() as u64 >= posts
            && lock(&clock.wall).len() >= highlights * s.walls.len()
    })
    .await;
    let elapsed = start.elapsed();
    let rss = s.servers.iter().map(Child::rss).sum();
    let take = |m: &Mutex<Vec<Duration>>| {
        let mut v = std::mem::take(&mut *lock(m));
        v.sort();
        v
    };
    let mut wall = take(&clock.wall);
    // Two walls: each highlight arrives twice; keep both (both are deliveries).
    wall.truncate(highlights * s.walls.len());
    let target = if o.bare {
        "bare broadcast server".to_string()
    } else {
        format!(
            "roundtable ({}, {} node{})",
            o.database_name(),
            s.servers.len(),
            if s.servers.len() > 1 { "s" } else { "" }
        )
    };
    Ok(Report {
        target,
        sockets,
        posts,
        elapsed,
        ack: take(&clock.ack),
        console: take(&clock.console),
        wall,
        highlights: highlights * s.walls.len(),
        frames: clock.frames.load(Ordering::Relaxed),
        errors: clock.errors.load(Ordering::Relaxed),
        rss,
    })
}

/// S4: POSTERS phones in a closed loop (post, wait for the ack, post again).
async fn ingest(o: &Opts) -> Result<()> {
    let (acked, secs, errors, target) = ingest_run(o).await?;
    println!(
        "{target}: {} posters, {acked} posts acknowledged after commit in {secs:.1} s = {:.0} posts/s; errors {errors}",
        o.posters,
        acked as f64 / secs
    );
    Ok(())
}

async fn ingest_run(o: &Opts) -> Result<(u64, f64, u64, String)> {
    // A table for each poster (up to 100), so each mostly hears its own posts: this measures
    // storing, not fan-out.
    let o = &Opts {
        tables: o.posters.clamp(1, 100),
        ..o.clone()
    };
    let s = setup(o).await?;
    let node = &s.servers[0];
    let count = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    // Every poster first connects and gets its page's state; then all start together, so
    // the run measures storing posts, not a crowd of phones opening the page at once.
    let ready = Arc::new(tokio::sync::Barrier::new(o.posters + 1));
    let seconds = o.seconds;
    let mut tasks = Vec::new();
    for p in 0..o.posters {
        let url = node.ws(&s.tables[p % s.tables.len()]);
        let count = count.clone();
        let errors = errors.clone();
        let ready = ready.clone();
        tasks.push(tokio::spawn(async move {
            let ws = match connect(&url).await {
                Ok(mut ws) => {
                    // The phone's state comes first, then who is where.
                    let first = async {
                        loop {
                            match ws.next().await {
                                Some(Ok(m)) => match text_of(&m) {
                                    Some(t) if t.contains("\"type\":\"presence\"") => {
                                        break true;
                                    }
                                    _ => continue,
                                },
                                _ => break false,
                            }
                        }
                    };
                    let started = tokio::time::timeout(Duration::from_secs(60), first)
                        .await
                        .unwrap_or(false);
                    started.then_some(ws)
                }
                Err(_) => None,
            };
            ready.wait().await;
            let Some(ws) = ws else {
                errors.fetch_add(1, Ordering::Relaxed);
                return;
            };
            let end = Instant::now() + Duration::from_secs_f64(seconds);
            let (mut tx, mut rx) = ws.split();
            let mut n = 0u64;
            while Instant::now() < end {
                let cid = format!("load-{p}x{n}-{:012}", 0);
                let body = serde_json::json!({"type": "post", "client_id": cid,
                    "text": format!("load {n} from poster {p}")});
                if tx
                    .send(Message::Text(body.to_string().into()))
                    .await
                    .is_err()
                {
                    errors.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                loop {
                    match rx.next().await {
                        Some(Ok(m)) => {
                            let Some(t) = text_of(&m) else { continue };
                            if t.contains("\"type\":\"ack\"") && t.contains(&cid) {
                                count.fetch_add(1, Ordering::Relaxed);
                                break;
                            }
                            if t.contains("\"type\":\"error\"") || t.contains("\"type\":\"resync\"")
                            {
                                errors.fetch_add(1, Ordering::Relaxed);
                                break;
                            }
                        }
                        _ => {
                            errors.fetch_add(1, Ordering::Relaxed);
                            return;
                        }
                    }
                }
                n += 1;
            }
        }));
    }
    ready.wait().await;
    let start = Instant::now();
    for t in tasks {
        let _ = t.await;
    }
    let db = o.database_name();
    Ok((
        count.load(Ordering::Relaxed),
        start.elapsed().as_secs_f64(),
        errors.load(Ordering::Relaxed),
        format!("roundtable ({db})"),
    ))
}

/// S1: SOCKETS phones joined to tables (25 a table, at most 100 tables), idle; server
/// memory per socket.
async fn idle(o: &Opts) -> Result<()> {
    // 25 a table, up to the 100 tables an event may have.
    let tables = o.sockets.div_ceil(25).clamp(1, 100);
    let o = Opts {
        tables,
        ..o.clone()
    };
    let s = setup(&o).await?;
    let node = &s.servers[0];
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = node.rss();
    let clock = Arc::new(Clock::default());
    let mut held = Vec::with_capacity(o.sockets);
    let start = Instant::now();
    for i in 0..o.sockets {
        let (tx, rx) = connect(&node.ws(&s.tables[i % s.tables.len()]))
            .await?
            .split();
        phone_reader(rx, clock.clone());
        held.push(tx);
    }
    let joined = start.elapsed();
    // Let presence messages and buffers settle.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = node.rss();
    println!(
        "idle: {} phone sockets held on one node ({} tables) joined in {:.1} s ({:.0}/s); server RSS {:.1} MB -> {:.1} MB = {:.0} bytes per socket; errors {}",
        held.len(),
        s.tables.len(),
        joined.as_secs_f64(),
        held.len() as f64 / joined.as_secs_f64(),
        before as f64 / 1e6,
        after as f64 / 1e6,
        after.saturating_sub(before) as f64 / held.len() as f64,
        clock.errors.load(Ordering::Relaxed)
    );
    Ok(())
}

/// CI's smoke run: a short fan-out and ingest; fails on any error or anything lost.
async fn smoke(o: &Opts) -> Result<()> {
    let o = Opts {
        tables: 20,
        phones: 10,
        rate: 50.0,
        seconds: 4.0,
        ..o.clone()
    };
    let r = fanout(&o).await?;
    r.print(&o);
    anyhow::ensure!(r.errors == 0, "errors during the smoke run");
    anyhow::ensure!(
        r.lost() == 0,
        "{} posts, acks, console or wall arrivals lost",
        r.lost()
    );
    let (acked, _, errors, _) = ingest_run(&Opts {
        posters: 8,
        seconds: 2.0,
        ..o.clone()
    })
    .await?;
    println!("ingest smoke: {acked} acknowledged posts, errors {errors}");
    anyhow::ensure!(errors == 0 && acked > 0, "ingest smoke failed");
    Ok(())
}
