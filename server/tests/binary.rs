//! Drives the real `roundtable` binary: `event create` prints the links as JSON, `serve`
//! creates and migrates its database, answers /healthz, prints how to log in the first
//! time, and exits cleanly on SIGTERM. `organiser token` prints a token the API accepts, and
//! refuses an unknown organiser or a bad name in one line with exit code 1.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_roundtable");

fn example() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/event.toml")
}

#[test]
fn event_create_prints_links_and_serve_runs_them() {
    let dir = tempfile_dir();
    let db = format!("sqlite:{}/rt.db", dir.path().display());
    let out = Command::new(BIN)
        .args([
            "--database-url",
            &db,
            "--public-url",
            "http://10.0.0.5:8080",
        ])
        .args(["event", "create"])
        .arg(example())
        .output()
        .expect("run roundtable event create");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    for key in ["event_id", "console_url", "wall_url", "report_url"] {
        assert!(!v[key].is_null(), "{key} in {v}");
    }
    let tables = v["tables"].as_array().expect("tables");
    assert_eq!(tables.len(), 6, "the example has six theme tables");
    for t in tables {
        assert!(t["number"].is_i64() && t["theme"].is_string());
        let join = t["join_url"].as_str().unwrap();
        assert!(join.starts_with("http://10.0.0.5:8080/t/"));
        let token = join.rsplit('/').next().unwrap();
        assert!(token.len() >= 26, "at least 128 random bits in base32");
        assert_eq!(t["qr_svg_url"].as_str().unwrap(), format!("{join}/qr.svg"));
    }

    // A bad file gets one clear line, and exit code 1.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "title = \"x\"\nplace = \"y\"\ndate = \"tomorrow\"\n").unwrap();
    let out = Command::new(BIN)
        .args(["--database-url", &db, "event", "create"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("The date must look like"));

    // Serve on a free port; the banner tells the address and the first-run link.
    let log = dir.path().join("server.log");
    let logged = || std::fs::read_to_string(&log).unwrap_or_default();
    let mut child = Served(
        Command::new(BIN)
            .args(["--database-url", &db, "serve", "--bind", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start roundtable serve"),
    );
    let stdout = child.0.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut base = None;
    let mut setup = None;
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline && (base.is_none() || setup.is_none()) {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(rest) = line.trim().strip_prefix("Open ") {
            base = rest.split("/organiser").next().map(str::to_string);
        }
        if line.contains("/setup?token=") {
            setup = Some(line.trim().to_string());
        }
    }
    let base = base.expect("banner prints the address");
    assert!(setup.is_some(), "first run prints a set-up link");
    let console = v["console_url"]
        .as_str()
        .unwrap()
        .replace("http://10.0.0.5:8080", &base);
    let (status, body) = http_get(&format!("{base}/healthz"), &[]);
    assert_eq!(status, 200, "{body}\nserver log:\n{}", logged());
    assert_eq!(http_status(&console), 200, "server log:\n{}", logged());
    assert_eq!(
        http_status(&format!("{base}/console/abcdefghjkmnpqrstvwxyz0123")),
        404
    );

    // SIGTERM drains and exits cleanly.
    let pid = child.0.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = child.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "server did not exit after SIGTERM"
        );
        std::thread::park_timeout(Duration::from_millis(20));
    };
    assert!(status.success(), "clean exit: {status:?}");
}

/// A directory of its own, removed when dropped. The tests of this file run at once, each
/// with a server of its own: a shared directory would let one test delete another's database.
fn tempfile_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("roundtable-bin-")
        .tempdir()
        .unwrap()
}

/// A minimal HTTP/1.1 GET returning the status code.
fn http_status(url: &str) -> u16 {
    http_get(url, &[]).0
}

/// A minimal HTTP/1.1 GET with extra header lines: the status code and the body.
fn http_get(url: &str, headers: &[(&str, &str)]) -> (u16, String) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest
        .split_once('/')
        .map(|(h, p)| (h, format!("/{p}")))
        .unwrap();
    let mut s = std::net::TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = String::new();
    let _ = s.read_to_string(&mut buf);
    let status = buf
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = buf
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn event_export_and_import_move_an_event_between_installations() {
    let dir = tempfile_dir();
    let laptop = format!("sqlite:{}/laptop.db", dir.path().display());
    let hosted = format!("sqlite:{}/hosted.db", dir.path().display());
    let run = |db: &str, args: &[&str]| {
        Command::new(BIN)
            .args(["--database-url", db, "--public-url", "http://127.0.0.1:9"])
            .args(args)
            .output()
            .unwrap()
    };
    let created = Command::new(BIN)
        .args(["--database-url", &laptop, "event", "create"])
        .arg(example())
        .output()
        .unwrap();
    assert!(created.status.success());
    let id = serde_json::from_slice::<serde_json::Value>(&created.stdout).unwrap()["event_id"]
        .as_i64()
        .unwrap()
        .to_string();
    let out = run(&laptop, &["event", "export", &id]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let archive: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(archive["format"], "roundtable-archive");
    assert_eq!(archive["tables"].as_array().unwrap().len(), 6);
    let file = dir.path().join("event.json");
    std::fs::write(&file, &out.stdout).unwrap();
    let out = run(&hosted, &["event", "import", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let links: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(links["tables"].as_array().unwrap().len(), 6);
    let new_id = links["event_id"].as_i64().unwrap().to_string();
    let again = run(&hosted, &["event", "export", &new_id]);
    let mut again: serde_json::Value = serde_json::from_slice(&again.stdout).unwrap();
    let mut first = archive;
    for v in [&mut first, &mut again] {
        v["exported_at"] = serde_json::Value::Null;
        v["event"]["open"] = serde_json::Value::Null;
    }
    assert_eq!(first, again, "the same event on the other installation");
    // A file that isn't an archive: one clear line, exit code 1, nothing made.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, b"[1, 2]").unwrap();
    let out = run(&hosted, &["event", "import", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a Roundtable event archive"));
    let out = run(&hosted, &["event", "export", "999"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("there is no event 999"));
}

/// A `roundtable serve` child, killed when dropped (a failed assertion leaves no server).
struct Served(std::process::Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `serve` on a free port and returns it with its base URL, read from the banner.
/// The server's log goes to `log`, for a failed assertion to show.
fn serve(db: &str, log: &std::path::Path) -> (Served, String) {
    let mut child = Command::new(BIN)
        .args(["--database-url", db, "serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .expect("start roundtable serve");
    let stdout = child.stdout.take().unwrap();
    let served = Served(child);
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(rest) = line.trim().strip_prefix("Open ")
            && let Some(base) = rest.split("/organiser").next()
        {
            // Keep reading: a closed pipe would fail the server's next write to stdout.
            std::thread::spawn(move || lines.for_each(drop));
            return (served, base.to_string());
        }
    }
    panic!("the banner did not print the address");
}

#[test]
fn organiser_token_prints_a_token_the_api_accepts() {
    let dir = tempfile_dir();
    let db = format!("sqlite:{}/rt.db", dir.path().display());
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(["--database-url", &db])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let mut add = Command::new(BIN)
        .args(["--database-url", &db, "organiser", "add"])
        .args(["--email", "Ann@Example.org", "--name", "Ann"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = add.stdin.take().unwrap();
        writeln!(stdin, "a long enough password").unwrap();
    }
    let added = add.wait_with_output().unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );

    // The email is matched as `organiser add` stored it (case folded); stdout is the token.
    let out = run(&[
        "organiser",
        "token",
        "--email",
        "ann@example.org",
        "--name",
        "CRM sync",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "one line: {stdout:?}");
    let token = stdout.trim_end_matches('\n');
    assert!(
        token.starts_with("rt_") && token.len() > 20 && !token.contains(char::is_whitespace),
        "only the token: {stdout:?}"
    );

    // An unknown organiser, an empty name, a name too long: one line naming the problem,
    // exit code 1, nothing on standard output.
    let name_81 = "n".repeat(81);
    for (args, expect) in [
        (
            ["--email", "nobody@example.org", "--name", "x"],
            "nobody@example.org",
        ),
        (["--email", "ann@example.org", "--name", "  "], "is empty"),
        (
            ["--email", "ann@example.org", "--name", &name_81],
            "the most is 80",
        ),
    ] {
        let out = run(&[&["organiser", "token"][..], &args[..]].concat());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
        assert!(stderr.contains(expect), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    }

    // The printed token works against the API; a made-up one doesn't.
    let log = dir.path().join("server.log");
    let (_server, base) = serve(&db, &log);
    let events = format!("{base}/api/v1/events");
    let bearer = format!("Bearer {token}");
    // The banner is printed once the port listens: no wait is needed.
    let (status, body) = http_get(&events, &[("Authorization", &bearer)]);
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(status, 200, "{body}\nserver log:\n{logged}");
    assert_eq!(
        http_get(&events, &[("Authorization", "Bearer rt_madeup")]).0,
        401
    );
}
