//! Round trips through the real `roundtable` binary for the commands that copy and move data.
//!
//! - `roundtable backup FILE` while `roundtable serve` runs on the same SQLite file and phones
//!   go on posting: every comment acknowledged before the backup is in the copy, nothing is
//!   there that was never sent, nothing posted after it finished is, and a server started on
//!   the copy serves it. Refusals (the file exists, the database doesn't, PostgreSQL) are one
//!   line, exit 1, and touch no file.
//! - `roundtable event export N` / `event import FILE`: an event with comments, replies,
//!   agreements from several devices, hidden, highlighted, starred, tagged, edited and merged
//!   comments, a facilitator's point and an image, exported, imported on another database and
//!   exported again, reads the same apart from what must differ; the import is closed to phones.
//!   Files that are not archives are refused in one line naming the file, leaving no event.
//!
//! Every wait has a deadline; servers are killed when their guard drops; temporary
//! directories are removed when theirs does.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::{Instant, sleep, timeout};
use tokio_tungstenite::tungstenite::Message;

const BIN: &str = env!("CARGO_BIN_EXE_roundtable");
/// The base the command-line links are printed with; tests swap in the server's real address.
const LINKS_BASE: &str = "http://127.0.0.1:9";
/// The longest any single step may take (a healthy run takes milliseconds per step; this is
/// room for a cold debug build on a loaded machine, not a pause).
const DEADLINE: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------
// Harness: temporary directories, command-line runs, servers, websockets.
// ---------------------------------------------------------------------------------------

/// A directory of its own under the system's temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "roundtable-cli-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// `--database-url` for a SQLite file in this directory.
    fn db(&self, name: &str) -> String {
        format!("sqlite:{}", self.path(name).display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/event.toml")
}

/// The binary with a clean environment: settings from the machine running the tests
/// (`DATABASE_URL`, `ROUNDTABLE_*`) must not change what is tested.
fn binary() -> tokio::process::Command {
    let mut c = tokio::process::Command::new(BIN);
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if k.starts_with("ROUNDTABLE_") || k == "DATABASE_URL" {
            c.env_remove(&key);
        }
    }
    c.stdin(Stdio::null()).kill_on_drop(true);
    c
}

/// Runs one command-line action on `db` and returns what it printed.
async fn run(db: &str, args: &[&str]) -> Output {
    let child = binary()
        .args(["--database-url", db, "--public-url", LINKS_BASE])
        .args(args)
        .output();
    timeout(DEADLINE, child)
        .await
        .unwrap_or_else(|_| panic!("`roundtable {}` did not finish in time", args.join(" ")))
        .unwrap()
}

/// Asserts the action worked; returns its standard output.
fn succeeded(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({:?}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Asserts the action was refused the way a person should see it: exit code 1, nothing on
/// standard output, exactly one line on standard error. Returns that line.
fn refused(out: &Output, what: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{what}: exit code; stderr: {stderr}"
    );
    assert!(out.stdout.is_empty(), "{what}: printed on stdout");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{what}: one line on stderr, got {stderr:?}");
    assert!(
        lines[0].starts_with("roundtable: "),
        "{what}: says who is speaking: {stderr:?}"
    );
    lines[0].to_string()
}

/// `event create examples/event.toml` on `db`; returns the links it printed.
async fn create_event(db: &str) -> Value {
    let out = run(db, &["event", "create", example().to_str().unwrap()]).await;
    serde_json::from_str(&succeeded(&out, "event create")).unwrap()
}

/// `event export N` on `db`, parsed.
async fn export(db: &str, id: i64) -> Value {
    let out = run(db, &["event", "export", &id.to_string()]).await;
    serde_json::from_str(&succeeded(&out, "event export")).unwrap()
}

/// A `roundtable serve` process on a port the OS chose; SIGKILLed if still running on drop.
struct Server {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Server {
    /// Starts a server on `db`, logging to a file in `dir`, and waits until /healthz answers.
    async fn start(dir: &TempDir, db: &str, name: &str) -> Server {
        let log = dir.path(&format!("{name}.log"));
        let file = std::fs::File::create(&log).unwrap();
        let mut cmd = std::process::Command::new(BIN);
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            if k.starts_with("ROUNDTABLE_") || k == "DATABASE_URL" {
                cmd.env_remove(&key);
            }
        }
        // Port 0: no race with other tests for a free port. The banner and the log both
        // name the address it got (the banner's stream may change; both go to one file).
        let child = cmd
            .args(["--database-url", db, "serve", "--bind", "127.0.0.1:0"])
            .args(["--limit-post", "100000,1000000"])
            .args(["--limit-agree", "100000,1000000"])
            .args(["--limit-address", "100000,1000000"])
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap();
        let mut server = Server {
            child,
            port: 0,
            log,
        };
        let deadline = Instant::now() + DEADLINE;
        while server.port == 0 {
            server.assert_running("while starting");
            let text = std::fs::read_to_string(&server.log).unwrap_or_default();
            if let Some(port) = bound_port(&text) {
                server.port = port;
            } else {
                assert!(
                    Instant::now() < deadline,
                    "server never said where it listens: {text}"
                );
                sleep(Duration::from_millis(10)).await;
            }
        }
        loop {
            server.assert_running("before answering /healthz");
            if let Some((200, _)) = http(server.port, "GET", "/healthz", &[]).await {
                return server;
            }
            assert!(
                Instant::now() < deadline,
                "/healthz never answered 200; log: {}",
                server.log_text()
            );
            sleep(Duration::from_millis(10)).await;
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn assert_running(&mut self, when: &str) {
        if let Some(status) = self.child.try_wait().unwrap() {
            panic!("server exited {when} ({status}); log: {}", self.log_text());
        }
    }

    /// A link printed by the command line, made to point at this server (http or ws).
    fn url(&self, link: &Value, scheme: &str) -> String {
        link.as_str()
            .unwrap()
            .replace(LINKS_BASE, &format!("{scheme}://127.0.0.1:{}", self.port))
    }

    /// SIGTERM, then waits (with a deadline) for a clean exit.
    async fn stop(mut self) {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success(), "kill -TERM");
        let deadline = Instant::now() + DEADLINE;
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < deadline, "server did not exit on SIGTERM");
            sleep(Duration::from_millis(10)).await;
        };
        assert!(
            status.success(),
            "clean exit on SIGTERM: {status}; log: {}",
            self.log_text()
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The port in the first `127.0.0.1:PORT` a server printed.
fn bound_port(text: &str) -> Option<u16> {
    text.match_indices("127.0.0.1:").find_map(|(i, m)| {
        let digits: String = text[i + m.len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok().filter(|p| *p != 0)
    })
}

/// A minimal HTTP/1.1 request; `None` if the server could not be reached or did not answer.
async fn http(port: u16, method: &str, path: &str, body: &[u8]) -> Option<(u16, Vec<u8>)> {
    let exchange = async {
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .ok()?;
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
             Content-Length: {}\r\n\r\n",
            body.len()
        );
        s.write_all(head.as_bytes()).await.ok()?;
        s.write_all(body).await.ok()?;
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await.ok()?;
        let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
        let status = std::str::from_utf8(&buf[..end])
            .ok()?
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()?;
        Some((status, buf[end + 4..].to_vec()))
    };
    timeout(Duration::from_secs(5), exchange)
        .await
        .ok()
        .flatten()
}

type Stream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One websocket (a phone or a console) that sends commands and waits for their answers.
struct Socket {
    ws: Stream,
    refs: usize,
}

impl Socket {
    /// Connects; `device` is the phone's `rt_attendee` cookie (26 letters and digits), so
    /// agreements count per device.
    async fn connect(url: &str, device: Option<&str>) -> Socket {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut req = url.into_client_request().unwrap();
        if let Some(d) = device {
            assert_eq!(d.len(), 26, "a device cookie is 26 characters");
            req.headers_mut()
                .insert("cookie", format!("rt_attendee={d}").parse().unwrap());
        }
        let (ws, _) = timeout(DEADLINE, tokio_tungstenite::connect_async(req))
            .await
            .unwrap_or_else(|_| panic!("connecting to {url} timed out"))
            .unwrap_or_else(|e| panic!("connecting to {url}: {e}"));
        Socket { ws, refs: 0 }
    }

    /// The next JSON message.
    async fn next(&mut self) -> Value {
        loop {
            let msg = timeout(DEADLINE, self.ws.next())
                .await
                .expect("a message in time")
                .expect("the socket stayed open")
                .unwrap();
            if let Message::Text(t) = msg {
                return serde_json::from_str(t.as_str()).unwrap();
            }
        }
    }

    /// The first snapshot's state (sent to a socket that connects without `since`).
    async fn snapshot(&mut self) -> Value {
        loop {
            let v = self.next().await;
            if v["type"] == "snapshot" {
                return v["state"].clone();
            }
        }
    }

    /// Sends a command and returns its `ack` or `error`.
    async fn command(&mut self, mut cmd: Value) -> Value {
        self.refs += 1;
        let r = format!("r{}", self.refs);
        cmd["ref"] = json!(r);
        self.ws
            .send(Message::Text(cmd.to_string().into()))
            .await
            .unwrap();
        loop {
            let v = self.next().await;
            if (v["type"] == "ack" || v["type"] == "error") && v["ref"] == r.as_str() {
                return v;
            }
        }
    }

    /// A command that must work.
    async fn ok(&mut self, cmd: Value) -> Value {
        let answer = self.command(cmd.clone()).await;
        assert_eq!(answer["type"], "ack", "{cmd} answered {answer}");
        answer
    }

    /// Posts and returns the new comment's id.
    async fn post(&mut self, cmd: Value) -> i64 {
        assert_eq!(cmd["type"], "post");
        self.ok(cmd).await["comment_id"].as_i64().unwrap()
    }
}

/// A phone's `post` of `text` with a client id made from it.
fn post(text: &str) -> Value {
    let id: String = text
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    json!({"type": "post", "client_id": id, "text": text})
}

/// The lead's console socket and its first snapshot.
async fn lead(server: &Server, links: &Value) -> (Socket, Value) {
    let url = format!("{}/ws", server.url(&links["console_url"], "ws"));
    let mut s = Socket::connect(&url, None).await;
    let state = s.snapshot().await;
    (s, state)
}

/// Table `number`'s phone socket.
async fn phone(server: &Server, links: &Value, number: i64, device: Option<&str>) -> Socket {
    let table = links["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["number"] == number)
        .unwrap();
    let url = format!("{}/ws", server.url(&table["join_url"], "ws"));
    Socket::connect(&url, device).await
}

/// Starts the run of show's item for round `number` (which opens that round).
async fn start_round(lead: &mut Socket, state: &Value, number: i64) {
    let round_id = state["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["number"] == number)
        .unwrap()["id"]
        .clone();
    let item = state["agenda"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["round_id"] == round_id)
        .unwrap()["id"]
        .clone();
    lead.ok(json!({"type": "agenda_start", "item_id": item}))
        .await;
}

/// The texts of the comments the lead's console sees (hidden ones included).
fn texts(state: &Value) -> BTreeSet<String> {
    state["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["text"].as_str().unwrap().to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------
// backup
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_of_a_live_database_holds_every_acknowledged_comment() {
    let dir = TempDir::new("backup");
    let live = dir.db("live.db");
    let links = create_event(&live).await;
    let server = Server::start(&dir, &live, "live").await;
    let (mut console, state) = lead(&server, &links).await;
    // The example's run of show starts with talks: the lead opens round 1.
    start_round(&mut console, &state, 1).await;

    // Three tables post and see each post acknowledged.
    let mut acked_before = BTreeSet::new();
    for table in 1..=3 {
        let mut p = phone(&server, &links, table, None).await;
        for i in 0..5 {
            let text = format!("table {table} before backup {i}");
            p.post(post(&text)).await;
            acked_before.insert(text);
        }
    }

    // A fourth table goes on posting while the backup runs.
    let stop = Arc::new(AtomicBool::new(false));
    let (first_tx, first_rx) = tokio::sync::oneshot::channel::<String>();
    let mut busy = phone(&server, &links, 4, None).await;
    let poster = tokio::spawn({
        let stop = stop.clone();
        async move {
            let mut first_tx = Some(first_tx);
            let mut sent = Vec::new();
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                let text = format!("table 4 during backup {i}");
                sent.push(text.clone());
                busy.post(post(&text)).await;
                if let Some(tx) = first_tx.take() {
                    let _ = tx.send(text);
                }
                i += 1;
            }
            sent
        }
    });
    let first = timeout(DEADLINE, first_rx).await.unwrap().unwrap();
    acked_before.insert(first);

    let copy = dir.path("copy.db");
    let out = binary()
        .args(["--database-url", &live, "backup"])
        .arg(&copy)
        .output();
    let out = timeout(DEADLINE, out).await.unwrap().unwrap();
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "backup failed: {said}");
    assert!(
        said.contains(&format!("Backed up to {}", copy.display())),
        "backup says where the copy is: {said}"
    );
    stop.store(true, Ordering::SeqCst);
    let sent_during = timeout(DEADLINE, poster).await.unwrap().unwrap();
    assert!(copy.is_file(), "the copy was written");
    assert!(
        !dir.path("copy.db-wal").exists(),
        "the copy is one self-contained file"
    );

    // Posted once the backup had finished: on the live server, not in the copy.
    let mut late = phone(&server, &links, 5, None).await;
    let mut after = BTreeSet::new();
    for i in 0..3 {
        let text = format!("table 5 after backup {i}");
        late.post(post(&text)).await;
        after.insert(text);
    }

    // A second backup onto the copy is refused and leaves it as it was.
    let before = std::fs::read(&copy).unwrap();
    let out = binary()
        .args(["--database-url", &live, "backup"])
        .arg(&copy)
        .output();
    let out = timeout(DEADLINE, out).await.unwrap().unwrap();
    let line = refused(&out, "backup onto the copy");
    assert!(line.contains("already exists"), "{line}");
    assert_eq!(
        std::fs::read(&copy).unwrap(),
        before,
        "the copy is unchanged"
    );

    // Restore: a second server on the copy, while the first goes on running.
    let restored_db = format!("sqlite:{}", copy.display());
    let restored = Server::start(&dir, &restored_db, "restored").await;
    let (_, restored_state) = lead(&restored, &links).await;
    let in_copy = texts(&restored_state);
    let missing: Vec<&String> = acked_before.difference(&in_copy).collect();
    assert!(
        missing.is_empty(),
        "acknowledged but not in the copy: {missing:?}"
    );
    let sent: BTreeSet<String> = acked_before.iter().chain(&sent_during).cloned().collect();
    let phantom: Vec<&String> = in_copy.difference(&sent).collect();
    assert!(
        phantom.is_empty(),
        "in the copy but never sent: {phantom:?}"
    );
    let leaked: Vec<&String> = in_copy.intersection(&after).collect();
    assert!(leaked.is_empty(), "posted after the backup: {leaked:?}");
    // The copy's comments are the live ones of that moment: same table, round and words.
    let (_, live_state) = lead(&server, &links).await;
    assert_eq!(
        texts(&live_state),
        sent.union(&after).cloned().collect(),
        "the live server kept everything"
    );
    let shape = |state: &Value| -> BTreeMap<String, (Value, Value, Value)> {
        state["comments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["text"].as_str().unwrap().to_string(),
                    (
                        c["table_number"].clone(),
                        c["round_id"].clone(),
                        c["id"].clone(),
                    ),
                )
            })
            .collect()
    };
    let live_shape = shape(&live_state);
    for (text, v) in shape(&restored_state) {
        assert_eq!(Some(&v), live_shape.get(&text), "{text} in the copy");
    }
    restored.stop().await;

    let pool = sqlx::SqlitePool::connect(&format!("sqlite:{}?mode=ro", copy.display()))
        .await
        .unwrap();
    let check: (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(check.0, "ok", "the copy passes SQLite's integrity check");
    pool.close().await;
    server.stop().await;
}

#[tokio::test]
async fn backup_refusals_touch_no_file() {
    let dir = TempDir::new("backup-refusals");

    // No database there: refused, and neither the database nor the copy is made.
    let absent = dir.path("absent.db");
    let copy = dir.path("copy.db");
    let out = run(&dir.db("absent.db"), &["backup", copy.to_str().unwrap()]).await;
    let line = refused(&out, "backup of a missing database");
    assert!(line.contains("there is no database at"), "{line}");
    assert!(line.contains(absent.to_str().unwrap()), "names it: {line}");
    for name in ["absent.db", "absent.db-wal", "absent.db-shm", "copy.db"] {
        assert!(!dir.path(name).exists(), "{name} was created");
    }

    // Onto a file that exists (with something in it, or empty, which SQLite itself would
    // accept): refused, and the file is as it was.
    let db = dir.db("live.db");
    create_event(&db).await;
    for (name, contents) in [
        ("notes.txt", &b"not a database, keep me"[..]),
        ("empty.db", b""),
    ] {
        let target = dir.path(name);
        std::fs::write(&target, contents).unwrap();
        let out = run(&db, &["backup", target.to_str().unwrap()]).await;
        let line = refused(&out, "backup onto an existing file");
        assert!(line.contains("already exists"), "{line}");
        assert!(line.contains(target.to_str().unwrap()), "names it: {line}");
        assert_eq!(
            std::fs::read(&target).unwrap(),
            contents,
            "{name} unchanged"
        );
    }

    // Into a folder that doesn't exist: refused, naming the file.
    let nowhere = dir.path("no-such-folder/copy.db");
    let out = run(&db, &["backup", nowhere.to_str().unwrap()]).await;
    let line = refused(&out, "backup into a missing folder");
    assert!(line.contains(nowhere.to_str().unwrap()), "names it: {line}");
    assert!(!dir.path("no-such-folder").exists());

    // PostgreSQL: the command points to pg_dump. The binary connects before it refuses,
    // so this needs a server.
    match std::env::var("ROUNDTABLE_TEST_POSTGRES") {
        Ok(pg) if !pg.is_empty() => {
            let target = dir.path("pg.db");
            let out = run(&pg, &["backup", target.to_str().unwrap()]).await;
            let line = refused(&out, "backup of PostgreSQL");
            assert!(line.contains("pg_dump"), "{line}");
            assert!(!target.exists(), "no file for a PostgreSQL backup");
        }
        _ => eprintln!("backup of PostgreSQL: SKIPPED (set ROUNDTABLE_TEST_POSTGRES)"),
    }
}

// ---------------------------------------------------------------------------------------
// event export / event import
// ---------------------------------------------------------------------------------------

/// A small PNG (the server re-encodes it as a metadata-free JPEG).
fn png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(24, 16, |x, y| image::Rgb([x as u8 * 10, y as u8 * 15, 90]));
    let mut bytes = std::io::Cursor::new(Vec::new());
    img.write_to(&mut bytes, image::ImageFormat::Png).unwrap();
    bytes.into_inner()
}

/// Runs an evening on `server`: two rounds, three tables, every kind of curation.
/// Returns the comments' texts by what was done to them, for checking the archive.
async fn run_an_evening(server: &Server, links: &Value) -> BTreeMap<&'static str, String> {
    let (mut console, state) = lead(server, links).await;
    start_round(&mut console, &state, 1).await;
    let table_id = |number: i64| {
        state["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["number"] == number)
            .unwrap()["id"]
            .clone()
    };
    let devices: Vec<String> = (0..4)
        .map(|i| format!("cliroundtripdevice{i:08}"))
        .collect();
    let mut ann = phone(server, links, 1, Some(&devices[0])).await;
    let mut bo = phone(server, links, 1, Some(&devices[1])).await;
    let mut cy = phone(server, links, 2, Some(&devices[2])).await;
    let mut dee = phone(server, links, 1, Some(&devices[3])).await;

    let mut what = BTreeMap::new();
    let mut named = post("The last bus leaves at six, so evening shifts are out of reach");
    named["name"] = json!("Ann");
    let agreed = ann.post(named).await;
    what.insert(
        "agreed",
        "The last bus leaves at six, so evening shifts are out of reach".into(),
    );
    let mut reply = post("And the Sunday service is worse");
    reply["reply_to"] = json!(agreed);
    bo.post(reply).await;
    what.insert("reply", "And the Sunday service is worse".into());
    let dup = bo
        .post(post("Buses stop far too early in the evening"))
        .await;
    what.insert("merged", "Buses stop far too early in the evening".into());
    let hidden = dee.post(post("Something off-topic and unkind")).await;
    what.insert("hidden", "Something off-topic and unkind".into());
    let star = cy.post(post("A GP appointment takes three weeks")).await;
    what.insert("starred", "A GP appointment takes three weeks".into());
    let typo = cy
        .post(post("Care workers shoud be paid for travel time"))
        .await;
    what.insert(
        "edited",
        "Care workers should be paid for travel time".into(),
    );

    for device in [&mut bo, &mut dee, &mut ann] {
        device
            .ok(json!({"type": "agree", "comment_id": agreed}))
            .await;
    }
    cy.ok(json!({"type": "agree", "comment_id": star})).await;

    console
        .ok(json!({"type": "highlight", "comment_id": agreed, "on": true}))
        .await;
    console
        .ok(json!({"type": "hide", "comment_id": hidden, "on": true, "reason": "off topic"}))
        .await;
    console
        .ok(json!({"type": "star", "comment_id": star, "on": true}))
        .await;
    console
        .ok(json!({"type": "tag", "comment_id": agreed, "label": "local campaign idea", "on": true}))
        .await;
    console
        .ok(json!({"type": "edit", "comment_id": typo, "text": "Care workers should be paid for travel time"}))
        .await;
    console
        .ok(json!({"type": "merge", "comment_id": dup, "into": agreed}))
        .await;
    let mut aloud = post("Someone said the hospital shuttle should come back");
    aloud["table_id"] = table_id(2);
    aloud["attributed"] = json!(true);
    console.post(aloud).await;
    what.insert(
        "facilitator",
        "Someone said the hospital shuttle should come back".into(),
    );

    // A photo of a flipchart, on the wall.
    let console_path = links["console_url"]
        .as_str()
        .unwrap()
        .strip_prefix(LINKS_BASE)
        .unwrap();
    let path = format!(
        "{console_path}/images?caption=Flipchart%20table%201&table={}",
        table_id(1)
    );
    let (status, body) = http(server.port, "POST", &path, &png()).await.unwrap();
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    let image: Value = serde_json::from_slice(&body).unwrap();
    console
        .ok(json!({"type": "image_show", "image_id": image["id"], "on": true}))
        .await;

    // Round 2 at another table.
    start_round(&mut console, &state, 2).await;
    let mut eve = phone(server, links, 3, None).await;
    eve.post(post("Offshore wind apprenticeships should be based here"))
        .await;
    what.insert(
        "round 2",
        "Offshore wind apprenticeships should be based here".into(),
    );
    what
}

/// The archive's comment with this text.
fn comment<'a>(archive: &'a Value, text: &str) -> &'a Value {
    archive["comments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["text"] == text)
        .unwrap_or_else(|| panic!("{text:?} in the archive"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_then_import_moves_an_event_with_everything_said() {
    let dir = TempDir::new("move");
    let laptop = dir.db("laptop.db");
    let hosted = dir.db("hosted.db");
    let links = create_event(&laptop).await;
    let id = links["event_id"].as_i64().unwrap();
    let server = Server::start(&dir, &laptop, "laptop").await;
    let what = run_an_evening(&server, &links).await;
    server.stop().await;

    // `event export N > archive.json`
    let out = run(&laptop, &["event", "export", &id.to_string()]).await;
    let text = succeeded(&out, "event export");
    let file = dir.path("archive.json");
    std::fs::write(&file, &text).unwrap();
    let first: Value = serde_json::from_str(&text).unwrap();

    // The archive holds the evening (so the comparison below compares something).
    assert_eq!(first["format"], "roundtable-archive");
    assert_eq!(first["event"]["open"], true);
    assert_eq!(first["comments"].as_array().unwrap().len(), 8);
    let agreed = comment(&first, &what["agreed"]);
    assert_eq!(agreed["name"], "Ann");
    assert_eq!(agreed["highlighted"], true);
    assert_eq!(agreed["tags"], json!(["local campaign idea"]));
    assert_eq!(
        (agreed["table"].clone(), agreed["round"].clone()),
        (json!(1), json!(1))
    );
    let agreements = |archive: &Value, comment: &Value| {
        archive["agreements"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["comment"] == comment["id"])
            .count()
    };
    assert_eq!(agreements(&first, agreed), 3, "three devices agreed");
    assert_eq!(agreements(&first, comment(&first, &what["starred"])), 1);
    assert_eq!(comment(&first, &what["reply"])["reply_to"], agreed["id"]);
    assert_eq!(
        comment(&first, &what["merged"])["merged_into"],
        agreed["id"]
    );
    let hidden = comment(&first, &what["hidden"]);
    assert_eq!(
        (hidden["hidden"].clone(), hidden["hidden_reason"].clone()),
        (json!(true), json!("off topic"))
    );
    assert_eq!(comment(&first, &what["starred"])["starred"], true);
    assert_eq!(
        comment(&first, &what["edited"])["original"],
        "Care workers shoud be paid for travel time"
    );
    assert_eq!(
        comment(&first, &what["facilitator"])["source"],
        "facilitator"
    );
    let round2 = comment(&first, &what["round 2"]);
    assert_eq!(
        (round2["table"].clone(), round2["round"].clone()),
        (json!(3), json!(2))
    );
    assert_eq!(first["images"].as_array().unwrap().len(), 1);
    assert_eq!(first["images"][0]["on_wall"], true);
    assert!(
        !first["activity"].as_array().unwrap().is_empty(),
        "the activity log travels"
    );

    // `event import archive.json` on another installation: a new, closed event.
    let out = run(&hosted, &["event", "import", file.to_str().unwrap()]).await;
    let imported: Value = serde_json::from_str(&succeeded(&out, "event import")).unwrap();
    assert_eq!(
        imported["open"], false,
        "an import arrives closed: {imported}"
    );
    assert_eq!(imported["title"], links["title"]);
    let themes = |l: &Value| -> Vec<(Value, Value)> {
        l["tables"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| (t["number"].clone(), t["theme"].clone()))
            .collect()
    };
    assert_eq!(themes(&imported), themes(&links));
    // New secrets: none of the laptop's links or its code opens the imported event.
    for key in ["code", "console_url", "wall_url"] {
        assert_ne!(imported[key], links[key], "{key} is new");
    }
    for (a, b) in imported["tables"]
        .as_array()
        .unwrap()
        .iter()
        .zip(links["tables"].as_array().unwrap())
    {
        assert_ne!(a["join_url"], b["join_url"]);
        assert_ne!(a["console_url"], b["console_url"]);
    }

    // Exported again from there: the same event, apart from when it was exported and that it
    // is closed.
    let new_id = imported["event_id"].as_i64().unwrap();
    let mut again = export(&hosted, new_id).await;
    assert_eq!(again["event"]["open"], false);
    let mut first = first;
    for v in [&mut first, &mut again] {
        v["exported_at"] = Value::Null;
        v["event"]["open"] = Value::Null;
    }
    if first != again {
        // Say which part differs, not two pages of JSON.
        for key in first.as_object().unwrap().keys() {
            assert_eq!(first[key], again[key], "archive field {key} after the move");
        }
    }
    assert_eq!(first, again, "the same event on the other installation");

    // Phones can't post to the imported event until an organiser opens it.
    let server = Server::start(&dir, &hosted, "hosted").await;
    let (_, state) = lead(&server, &imported).await;
    assert_eq!(state["event"]["open"], false);
    assert_eq!(texts(&state).len(), 8, "the console has every comment");
    let mut p = phone(&server, &imported, 1, None).await;
    let answer = p.command(post("Can I still add this?")).await;
    assert_eq!(answer["type"], "error", "{answer}");
    assert_eq!(answer["code"], "event_closed", "{answer}");
    server.stop().await;
    assert_eq!(
        export(&hosted, new_id).await["comments"]
            .as_array()
            .unwrap()
            .len(),
        8,
        "nothing was added"
    );
}

#[tokio::test]
async fn import_refuses_what_is_not_an_archive_and_leaves_no_event() {
    let dir = TempDir::new("import-refusals");
    let source = dir.db("source.db");
    let links = create_event(&source).await;
    let archive = export(&source, links["event_id"].as_i64().unwrap()).await;
    let whole = serde_json::to_string_pretty(&archive).unwrap();

    // Bytes that are not UTF-8, let alone JSON (a fixed sequence, so a failure repeats).
    let mut x: u32 = 0x9e37_79b9;
    let noise: Vec<u8> = (0..512)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8 | 0x80
        })
        .collect();
    let mut newer = archive.clone();
    newer["version"] = json!(7);
    let mut dangling = archive.clone();
    dangling["comments"] = json!([{
        "id": 1, "table": 99, "round": 1, "text": "At a table that isn't there",
        "name": null, "source": "attendee", "created_at": 1_764_500_000_000_i64,
        "approved": true, "hidden": false, "hidden_reason": null, "highlighted": false,
        "highlighted_at": null, "starred": false, "tags": [], "original": null,
        "reply_to": null, "merged_into": null, "author": null
    }]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "empty-object.json",
            b"{}".to_vec(),
            "not a Roundtable event archive",
        ),
        ("noise.json", noise, "not JSON"),
        ("empty.json", Vec::new(), ""),
        (
            "cut-off.json",
            whole.as_bytes()[..whole.len() / 2].to_vec(),
            "cut off",
        ),
        ("newer.json", newer.to_string().into_bytes(), "7"),
        ("dangling.json", dangling.to_string().into_bytes(), "99"),
    ];
    let fresh = dir.db("fresh.db");
    for (name, bytes, says) in &cases {
        let file = dir.path(name);
        std::fs::write(&file, bytes).unwrap();
        let out = run(&fresh, &["event", "import", file.to_str().unwrap()]).await;
        let line = refused(&out, name);
        assert!(
            line.contains(file.to_str().unwrap()),
            "names the file: {line}"
        );
        assert!(line.contains(says), "{name}: says {says:?}: {line}");
    }
    let missing = dir.path("no-such-archive.json");
    let out = run(&fresh, &["event", "import", missing.to_str().unwrap()]).await;
    let line = refused(&out, "a missing file");
    assert!(
        line.contains(missing.to_str().unwrap()),
        "names the file: {line}"
    );

    // A good archive for an organiser who isn't there: refused before anything is made.
    let good = dir.path("good.json");
    std::fs::write(&good, &whole).unwrap();
    let out = run(
        &fresh,
        &[
            "event",
            "import",
            good.to_str().unwrap(),
            "--organiser",
            "nobody@example.org",
        ],
    )
    .await;
    let line = refused(&out, "an unknown organiser");
    assert!(line.contains("nobody@example.org"), "{line}");

    // None of that made an event.
    let out = run(&fresh, &["event", "export", "1"]).await;
    let line = refused(&out, "export after refused imports");
    assert!(line.contains("there is no event 1"), "{line}");

    // Exporting an event that isn't there.
    let out = run(&source, &["event", "export", "999"]).await;
    let line = refused(&out, "export of a missing event");
    assert!(line.contains("there is no event 999"), "{line}");

    // And the good archive does import, as event 1 of the fresh database.
    let out = run(&fresh, &["event", "import", good.to_str().unwrap()]).await;
    let links: Value = serde_json::from_str(&succeeded(&out, "import")).unwrap();
    assert_eq!(links["event_id"], 1);
}
