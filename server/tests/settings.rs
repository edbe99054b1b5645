//! Settings through the real binary: flags win over environment variables, which win over the
//! config file, which wins over the defaults; a bad value anywhere stops start-up with one
//! line naming the setting (and touches no database); `--help` documents every setting with
//! its default; `serve` prints the join QR code and, with `--log-format json`, writes only
//! JSON lines to standard error, none holding what an attendee wrote.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

const BIN: &str = env!("CARGO_BIN_EXE_roundtable");

/// A command with none of the settings' environment variables inherited from the caller.
fn roundtable(dir: &std::path::Path) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir);
    for (k, _) in std::env::vars() {
        if k.starts_with("ROUNDTABLE_") || k == "DATABASE_URL" {
            c.env_remove(k);
        }
    }
    c
}

fn run(c: &mut Command) -> Output {
    c.output().expect("run roundtable")
}

/// `roundtable settings` as (name, value, source) rows.
fn settings(out: &Output) -> Vec<(String, String, String)> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let mut parts = l.split_whitespace();
            let name = parts.next().unwrap().to_string();
            let rest: Vec<&str> = parts.collect();
            let source = rest.last().unwrap().trim_matches(|c| c == '(' || c == ')');
            let source = if source == "file" || source == "line" {
                // "(config file)" and "(command line)" are two words.
                rest[rest.len() - 2..].join(" ")
            } else {
                source.to_string()
            };
            let words = source.split(' ').count();
            let value = rest[..rest.len() - words].join(" ");
            (
                name,
                value,
                source.trim_matches(|c| c == '(' || c == ')').to_string(),
            )
        })
        .collect()
}

fn get<'a>(rows: &'a [(String, String, String)], name: &str) -> (&'a str, &'a str) {
    let r = rows
        .iter()
        .find(|r| r.0 == name)
        .unwrap_or_else(|| panic!("{name} in {rows:?}"));
    (r.1.as_str(), r.2.as_str())
}

#[test]
fn flags_win_over_the_environment_which_wins_over_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rt.toml"),
        "bind = \"127.0.0.1:9001\"\nlimit-post = \"2,5\"\nmax_sockets = 100\n\
         public_url = \"https://from-file.example.org\"\n",
    )
    .unwrap();

    let rows = settings(&run(
        roundtable(dir.path()).args(["--config", "rt.toml", "settings"])
    ));
    assert_eq!(get(&rows, "bind"), ("127.0.0.1:9001", "config file"));
    assert_eq!(get(&rows, "limit-post"), ("2,5", "config file"));
    assert_eq!(get(&rows, "max-sockets"), ("100", "config file"));
    assert_eq!(get(&rows, "limit-agree"), ("30,120", "default"));

    // The environment beats the file; ROUNDTABLE_CONFIG names the file as --config does.
    let rows = settings(&run(roundtable(dir.path())
        .env("ROUNDTABLE_CONFIG", "rt.toml")
        .env("ROUNDTABLE_BIND", "127.0.0.1:9002")
        .arg("settings")));
    assert_eq!(get(&rows, "bind"), ("127.0.0.1:9002", "environment"));
    assert_eq!(get(&rows, "limit-post"), ("2,5", "config file"));

    // A flag beats both, before or after the subcommand.
    let rows = settings(&run(roundtable(dir.path())
        .env("ROUNDTABLE_BIND", "127.0.0.1:9002")
        .args([
            "--config",
            "rt.toml",
            "settings",
            "--bind",
            "127.0.0.1:9003",
        ])));
    assert_eq!(get(&rows, "bind"), ("127.0.0.1:9003", "command line"));
    assert_eq!(
        get(&rows, "public-url"),
        ("https://from-file.example.org", "config file")
    );

    // A database password never appears.
    let rows = settings(&run(roundtable(dir.path())
        .env("DATABASE_URL", "postgres://app:hunter2@db.example.org/rt")
        .arg("settings")));
    assert_eq!(
        get(&rows, "database-url"),
        ("postgres://app:***@db.example.org/rt", "environment")
    );
}

/// Runs `serve` with a bad setting: it must stop at once, with exit code 2, one line that
/// contains every one of `expect`, and no database file made.
fn refused(dir: &std::path::Path, c: &mut Command, expect: &[&str]) {
    let db = dir.join("never.db");
    let out = run(c.args([
        "--database-url",
        &format!("sqlite:{}", db.display()),
        "serve",
    ]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line: {stderr}");
    for e in expect {
        assert!(lines[0].contains(e), "{e:?} in {stderr}");
    }
    assert!(!db.exists(), "a refused start makes no database");
}

#[test]
fn a_bad_setting_stops_start_up_with_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = |name: &str, text: &str| {
        std::fs::write(d.join(name), text).unwrap();
        name.to_string()
    };
    let f = file("bad-bind.toml", "bind = \"not an address\"\n");
    refused(
        d,
        roundtable(d).args(["--config", &f]),
        &["bad-bind.toml", "`bind`", "not an address"],
    );
    let f = file("bad-rate.toml", "limit_post = \"many\"\n");
    refused(
        d,
        roundtable(d).args(["--config", &f]),
        &["`limit_post`", "BURST,PER_MINUTE"],
    );
    let f = file("unknown.toml", "bnid = \"0.0.0.0:80\"\n");
    refused(
        d,
        roundtable(d).args(["--config", &f]),
        &["unknown setting `bnid`", "bind"],
    );
    let f = file("broken.toml", "bind = \n");
    refused(
        d,
        roundtable(d).args(["--config", &f]),
        &["broken.toml", "not valid TOML", "line 1"],
    );
    let f = file("format.toml", "log_format = \"yaml\"\n");
    refused(
        d,
        roundtable(d).args(["--config", &f]),
        &["`log_format`", "text, json"],
    );
    refused(
        d,
        roundtable(d).args(["--config", "missing.toml"]),
        &["could not read the config file missing.toml"],
    );
    refused(
        d,
        roundtable(d).env("ROUNDTABLE_PUBLIC_URL", "events.example.org"),
        &["ROUNDTABLE_PUBLIC_URL", "http:// or https://"],
    );
    refused(
        d,
        roundtable(d).env("ROUNDTABLE_MAX_SOCKETS", "lots"),
        &["ROUNDTABLE_MAX_SOCKETS", "lots"],
    );
    // A bad flag: one line too, naming the flag.
    let db = d.join("never.db");
    let out = run(roundtable(d).args([
        "--database-url",
        &format!("sqlite:{}", db.display()),
        "serve",
        "--bind",
        "nowhere",
    ]));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("'--bind <BIND>'"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(!db.exists());
}

#[test]
fn help_documents_every_setting_with_its_default_and_variable() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(roundtable(dir.path()).arg("--help"));
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for (flag, env, default) in [
        (
            "--database-url",
            "DATABASE_URL",
            Some("sqlite:roundtable.db"),
        ),
        ("--bind", "ROUNDTABLE_BIND", Some("0.0.0.0:8080")),
        ("--public-url", "ROUNDTABLE_PUBLIC_URL", None),
        ("--config", "ROUNDTABLE_CONFIG", None),
        ("--log", "ROUNDTABLE_LOG", Some("info")),
        ("--log-format", "ROUNDTABLE_LOG_FORMAT", Some("text")),
        ("--limit-post", "ROUNDTABLE_LIMIT_POST", Some("6,12")),
        ("--max-sockets", "ROUNDTABLE_MAX_SOCKETS", Some("15000")),
    ] {
        let at = help
            .find(&format!("{flag} <"))
            .unwrap_or_else(|| panic!("{flag} in --help"));
        let entry = &help[at..];
        let entry = &entry[..entry[3..].find("\n      -").map_or(entry.len(), |e| e + 3)];
        assert!(entry.contains(&format!("[env: {env}=")), "{entry}");
        if let Some(d) = default {
            assert!(entry.contains(&format!("[default: {d}]")), "{entry}");
        }
    }
    assert!(
        help.contains("wins over the file"),
        "precedence is explained"
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn serve_prints_the_join_qr_and_json_logs_hold_no_attendee_words() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}/rt.db", dir.path().display());
    let port = free_port();
    let public = format!("http://192.0.2.10:{port}");
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/event.toml");
    let out = run(roundtable(dir.path())
        .args([
            "--database-url",
            &db,
            "--public-url",
            &public,
            "event",
            "create",
        ])
        .arg(&example));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let links: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let join_url = links["tables"][0]["join_url"].as_str().unwrap().to_string();
    let token = join_url.rsplit('/').next().unwrap().to_string();

    let mut child = roundtable(dir.path())
        .args(["--database-url", &db, "--public-url", &public])
        .args(["--log-format", "json", "--log", "debug"])
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let logs = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });

    // The banner, on standard output: the join link, then its QR code, whole.
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut join = None;
    let mut qr = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(rest) = line.trim().strip_prefix("Phones join at ") {
            join = rest.split(' ').next().map(str::to_string);
        } else if join.is_some() && line.starts_with("  ") && line.contains(['█', '▀']) {
            qr.push(line[2..].to_string());
        } else if !qr.is_empty() {
            break;
        }
    }
    let join = join.expect("the banner says where phones join");
    let code = links["code"].as_str().unwrap_or_default().replace('-', "");
    assert!(
        join.starts_with(&format!("{public}/join?code=")),
        "the one open event's join link: {join}"
    );
    if !code.is_empty() {
        assert!(join.ends_with(&code), "{join} holds the event code {code}");
    }
    let expected = roundtable::qr::terminal(&join).unwrap();
    assert_eq!(
        qr.join("\n"),
        expected.trim_end_matches('\n'),
        "the whole QR code"
    );
    assert!(
        qr.len() >= 12,
        "a QR code of at least 21 modules: {}",
        qr.len()
    );

    // The lead opens round 1 (the example starts with talks); a phone posts words that
    // must never reach the log.
    let base = format!("ws://127.0.0.1:{port}");
    let console = links["console_url"]
        .as_str()
        .unwrap()
        .replace(&public, &base);
    let mut lead = connect(&format!("{console}/ws")).await;
    let state = reply(&mut lead, |v| v["state"]["rounds"][0]["id"].is_i64()).await;
    let round = state["state"]["rounds"][0]["id"].as_i64().unwrap();
    let open = serde_json::json!({"type": "open_round", "round_id": round, "ref": "open"});
    lead.send(Message::Text(open.to_string().into()))
        .await
        .unwrap();
    reply(&mut lead, |v| v["type"] == "ack" && v["ref"] == "open").await;

    let secret = "Our library closes at four and nobody can get there";
    let mut ws = connect(&format!("{base}/t/{token}/ws")).await;
    let post = serde_json::json!({"type": "post", "client_id": "settings-test-1", "text": secret});
    ws.send(Message::Text(post.to_string().into()))
        .await
        .unwrap();
    reply(&mut ws, |v| v["type"] == "ack").await;
    drop(lead);
    drop(ws);
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            break;
        }
        assert!(Instant::now() < deadline, "serve did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    }
    let logs = logs.join().unwrap();
    let mut messages = Vec::new();
    for line in logs.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        assert!(
            v["level"].is_string() && v["timestamp"].is_string(),
            "{line}"
        );
        messages.push(
            v["fields"]["message"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
    }
    assert!(messages.iter().any(|m| m == "listening"), "{logs}");
    assert!(messages.iter().any(|m| m == "shutting down"), "{logs}");
    assert!(
        !logs.contains("library closes"),
        "attendee words in the log: {logs}"
    );
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Connects, retrying until the server listens (within 20 s).
async fn connect(url: &str) -> Socket {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        match tokio_tungstenite::connect_async(url).await {
            Ok((ws, _)) => return ws,
            Err(e) => {
                assert!(tokio::time::Instant::now() < deadline, "no socket: {e}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

/// The first message `ok` accepts, within 10 s; an error message fails the test.
async fn reply(ws: &mut Socket, ok: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("an answer in time")
            .expect("the socket stays open")
            .unwrap();
        if let Message::Text(t) = msg {
            let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap();
            assert_ne!(v["type"], "error", "{v}");
            if ok(&v) {
                return v;
            }
        }
    }
}
