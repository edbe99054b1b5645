//! Roundtable behind nginx, set up as docs/deployment.md says. The real server is told it is
//! reached at `https://127.0.0.1:PORT`; Debian's nginx listens there, ends TLS with a
//! self-signed certificate that openssl makes for the test, and runs `examples/nginx.conf`,
//! the very text the doc quotes, with only its `@NAME@`s filled in. Everything below reaches
//! the server through nginx (the metrics the test reads straight from the server excepted).
//!
//! Needs Debian's `nginx` and `openssl`, and for the browser test `chromium` and
//! `chromium-driver`: without them the tests print SKIPPED and pass, except under CI=true,
//! where a missing one is a failure.
#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::net::SocketAddr;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::Instant;

use roundtable_tests::browser::{Browser, eval, post_from_phone, wait_for};
use roundtable_tests::{DEADLINE, SMALL_EVENT, TestServer, client, path_of};

const NGINX: &str = "/usr/sbin/nginx";

/// The site file docs/deployment.md quotes.
const SITE: &str = include_str!("../../../examples/nginx.conf");

/// The page that quotes it.
const DOC: &str = include_str!("../../../docs/deployment.md");

/// HSTS as the server sends it when its public address is https.
const HSTS: &str = "max-age=31536000";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Whether nginx and openssl are installed. When one is missing: outside CI, a SKIPPED line
/// and `false`; under CI=true, an error naming the package.
fn tools_present() -> Result<bool> {
    let mut missing = Vec::new();
    if !Path::new(NGINX).exists() {
        missing.push(format!("{NGINX} (apt-get install -y nginx)"));
    }
    let openssl = Command::new("openssl")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    if !openssl.is_ok_and(|s| s.success()) {
        missing.push("openssl (apt-get install -y openssl)".into());
    }
    if missing.is_empty() {
        return Ok(true);
    }
    let what = missing.join(" and ");
    if in_ci() {
        bail!("CI=true but the reverse-proxy test needs {what}");
    }
    eprintln!("SKIPPED: the reverse-proxy test needs {what}");
    Ok(false)
}

/// Two ports free right now (both held at once, so they differ).
fn two_free_ports() -> Result<(u16, u16)> {
    let a = std::net::TcpListener::bind("127.0.0.1:0")?;
    let b = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok((a.local_addr()?.port(), b.local_addr()?.port()))
}

/// A certificate for 127.0.0.1 and localhost, valid for a day: `cert.pem`, `key.pem` in `dir`.
async fn self_signed_certificate(dir: &Path) -> Result<()> {
    let run = tokio::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=localhost"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
        .arg("-keyout")
        .arg(dir.join("key.pem"))
        .arg("-out")
        .arg(dir.join("cert.pem"))
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(DEADLINE, run)
        .await
        .context("openssl took too long to make a certificate")??;
    ensure!(
        out.status.success(),
        "openssl could not make a certificate: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

/// nginx running in the foreground in its own process group, on files in a private folder;
/// dropping it ends the master and its worker.
struct Nginx {
    child: Child,
    dir: tempfile::TempDir,
    /// Where TLS is served (the public address's port).
    https: u16,
    /// Where plain http is served (redirects only).
    http: u16,
}

impl Nginx {
    /// Writes the site file from examples/nginx.conf and a main file around it (the test's
    /// stand-in for Debian's /etc/nginx/nginx.conf, with every path in `dir`), starts nginx
    /// and waits, with a deadline, until both ports answer.
    async fn start(
        dir: tempfile::TempDir,
        upstream: SocketAddr,
        public_url: &str,
        https: u16,
        http: u16,
    ) -> Result<Self> {
        let d = dir.path().display().to_string();
        let site = fill_in(
            SITE,
            &[
                ("@SERVER_NAME@", "127.0.0.1 localhost".into()),
                ("@HTTP_LISTEN@", format!("127.0.0.1:{http}")),
                ("@HTTPS_LISTEN@", format!("127.0.0.1:{https}")),
                ("@PUBLIC_URL@", public_url.into()),
                ("@UPSTREAM@", upstream.to_string()),
                ("@CERT@", format!("{d}/cert.pem")),
                ("@KEY@", format!("{d}/key.pem")),
            ],
        )?;
        std::fs::write(dir.path().join("roundtable.conf"), site)?;
        // Started as root, nginx runs its worker as `nobody`, which can't enter this private
        // folder; started as anyone else, it can't change user at all.
        let user = if std::fs::metadata(dir.path())?.uid() == 0 {
            "user root;\n"
        } else {
            ""
        };
        let main = format!(
            "{user}worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{
    worker_connections 256;
}}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/client_body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    include {d}/roundtable.conf;
}}
"
        );
        std::fs::write(dir.path().join("nginx.conf"), main)?;
        let output = std::fs::File::create(dir.path().join("nginx.out"))?;
        let child = Command::new(NGINX)
            .process_group(0)
            .arg("-p")
            .arg(format!("{d}/"))
            .arg("-e")
            .arg(format!("{d}/error.log"))
            .arg("-c")
            .arg(format!("{d}/nginx.conf"))
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(output.try_clone()?)
            .stderr(output)
            .spawn()
            .context("could not start nginx")?;
        let mut nginx = Nginx {
            child,
            dir,
            https,
            http,
        };
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = nginx.child.try_wait()? {
                bail!("nginx stopped ({status}):\n{}", nginx.logs());
            }
            let answers = |port: u16| tokio::net::TcpStream::connect(("127.0.0.1", port));
            if answers(https).await.is_ok() && answers(http).await.is_ok() {
                return Ok(nginx);
            }
            ensure!(
                Instant::now() < deadline,
                "nginx did not listen on ports {https} and {http} within {DEADLINE:?}:\n{}",
                nginx.logs()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// What nginx said (for failure messages).
    fn logs(&self) -> String {
        ["nginx.out", "error.log"]
            .iter()
            .map(|f| std::fs::read_to_string(self.dir.path().join(f)).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // A fast shutdown: the master stops its worker, reaps it and exits.
        let master = self.child.id().to_string();
        let _ = Command::new("kill")
            .args(["-TERM", &master])
            .stderr(Stdio::null())
            .status();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while matches!(self.child.try_wait(), Ok(None)) && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        // Whatever is left of its group, if it did not stop.
        let group = format!("-{master}");
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The template with each placeholder replaced; every one must be in it, and none may be
/// left over.
fn fill_in(template: &str, values: &[(&str, String)]) -> Result<String> {
    let mut text = template.to_string();
    for (name, value) in values {
        ensure!(
            text.contains(name),
            "examples/nginx.conf no longer has {name}"
        );
        text = text.replace(name, value);
    }
    for line in text.lines() {
        let code = line.split('#').next().unwrap_or_default();
        ensure!(
            !code.contains('@'),
            "examples/nginx.conf has a placeholder the test does not fill in: {line}"
        );
    }
    Ok(text)
}

/// The server behind nginx, and an event whose links point at nginx.
struct Behind {
    server: TestServer,
    nginx: Nginx,
    links: Value,
}

impl Behind {
    /// Starts it all, or `None` (skip) when nginx or openssl is missing outside CI.
    async fn start() -> Result<Option<Self>> {
        if !tools_present()? {
            return Ok(None);
        }
        let dir = tempfile::tempdir()?;
        let (https, http) = two_free_ports()?;
        let public_url = format!("https://127.0.0.1:{https}");
        // The certificate is made while the server starts.
        let (server, certificate) = tokio::join!(
            TestServer::start_public(&public_url),
            self_signed_certificate(dir.path())
        );
        let server = server?;
        certificate?;
        // As `roundtable event create` with the server's --public-url: links to nginx.
        let file = dir.path().join("event.toml");
        std::fs::write(&file, SMALL_EVENT)?;
        let links = roundtable::cli::create_event(
            server.state.storage.as_ref(),
            &server.state.config.public_url,
            &file,
            false,
            None,
        )
        .await?;
        let links: Value = serde_json::from_str(&links)?;
        let nginx = Nginx::start(dir, server.addr, &public_url, https, http).await?;
        Ok(Some(Behind {
            server,
            nginx,
            links,
        }))
    }

    /// `https://127.0.0.1:PORT`: nginx, the only address the clients below use.
    fn origin(&self) -> String {
        format!("https://127.0.0.1:{}", self.nginx.https)
    }

    fn link(&self, pointer: &str) -> Result<String> {
        let url = self
            .links
            .pointer(pointer)
            .and_then(Value::as_str)
            .with_context(|| format!("no {pointer} in the event's links"))?;
        ensure!(
            url.starts_with(&format!("{}/", self.origin())),
            "{pointer} does not point at nginx: {url}"
        );
        Ok(url.to_string())
    }

    /// Waits until the server itself counts at least `n` open sockets of `role` (its own
    /// /metrics, read around nginx).
    async fn wait_for_sockets(&self, role: &str, n: i64) -> Result<()> {
        let key = format!("roundtable_open_sockets{{role=\"{role}\"}} ");
        let deadline = Instant::now() + DEADLINE;
        loop {
            let text = client()
                .get(self.server.url("/metrics"))
                .send()
                .await?
                .text()
                .await?;
            let open: i64 = text
                .lines()
                .find_map(|l| l.strip_prefix(&key))
                .context("no open-sockets gauge in /metrics")?
                .trim()
                .parse()?;
            if open >= n {
                return Ok(());
            }
            ensure!(
                Instant::now() < deadline,
                "the server counts {open} open {role} socket(s), expected {n}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// One TLS connection to nginx, made by `openssl s_client` (the test client has no TLS of
/// its own): bytes in, bytes out, as they come.
struct Tls {
    _child: tokio::process::Child,
    stdin: Option<tokio::process::ChildStdin>,
    stdout: tokio::process::ChildStdout,
    got: Vec<u8>,
}

impl Tls {
    async fn connect(port: u16) -> Result<Self> {
        // -quiet: no certificate chatter on standard output, and our end of input doesn't
        // end the connection (nginx closes it after a `Connection: close` answer).
        let mut child = tokio::process::Command::new("openssl")
            .args(["s_client", "-quiet", "-connect"])
            .arg(format!("127.0.0.1:{port}"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("could not start openssl s_client")?;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().context("s_client has no output")?;
        Ok(Tls {
            _child: child,
            stdin,
            stdout,
            got: Vec::new(),
        })
    }

    async fn send(&mut self, bytes: &[u8]) -> Result<()> {
        let stdin = self
            .stdin
            .as_mut()
            .context("this connection is done sending")?;
        tokio::time::timeout(DEADLINE, async {
            stdin.write_all(bytes).await?;
            stdin.flush().await
        })
        .await
        .context("openssl s_client took no more input")??;
        Ok(())
    }

    /// Reads until `done` is true of everything received so far.
    async fn read_until(&mut self, what: &str, done: impl Fn(&[u8]) -> bool) -> Result<()> {
        let deadline = Instant::now() + DEADLINE;
        let mut buf = vec![0u8; 64 * 1024];
        while !done(&self.got) {
            let n = tokio::time::timeout_at(deadline, self.stdout.read(&mut buf))
                .await
                .with_context(|| format!("never saw {what}; got: {}", shown(&self.got)))??;
            if n == 0 {
                bail!(
                    "the connection ended before {what}; got: {}",
                    shown(&self.got)
                );
            }
            self.got.extend_from_slice(&buf[..n]);
        }
        Ok(())
    }

    /// The answer so far, as an HTTP response head.
    fn reply(&self) -> Result<Reply> {
        Reply::parse(&self.got)
    }

    /// Reads until nginx closes the connection; the whole answer.
    async fn finish(mut self) -> Result<Reply> {
        self.stdin = None;
        let deadline = Instant::now() + DEADLINE;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = tokio::time::timeout_at(deadline, self.stdout.read(&mut buf))
                .await
                .with_context(|| format!("nginx never closed; got: {}", shown(&self.got)))??;
            if n == 0 {
                return self.reply();
            }
            self.got.extend_from_slice(&buf[..n]);
        }
    }
}

fn shown(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(2000)]).into_owned()
}

fn has(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

fn head_done(bytes: &[u8]) -> bool {
    has(bytes, "\r\n\r\n")
}

/// An HTTP answer: status, headers (names in lower case) and the body as text.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn parse(bytes: &[u8]) -> Result<Self> {
        let text = String::from_utf8_lossy(bytes);
        let (head, body) = text
            .split_once("\r\n\r\n")
            .with_context(|| format!("no HTTP answer through nginx; got: {}", shown(bytes)))?;
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("no status line; got: {head}"))?;
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Ok(Reply {
            status,
            headers,
            body: body.to_string(),
        })
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

/// Sends one request over a new TLS connection; the whole answer.
async fn exchange(port: u16, request: &[u8]) -> Result<Reply> {
    let mut tls = Tls::connect(port).await?;
    tls.send(request).await?;
    tls.finish().await
}

fn get(port: u16, path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")
        .into_bytes()
}

/// A form post carrying `Origin` and no `Sec-Fetch-Site`, as browsers without fetch
/// metadata send it.
fn form_post(port: u16, path: &str, origin: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: {origin}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A client's websocket text frame (masked, as clients must), for a short message.
fn text_frame(text: &str) -> Result<Vec<u8>> {
    let payload = text.as_bytes();
    let len = u8::try_from(payload.len())
        .ok()
        .filter(|n| *n < 126)
        .context("a short frame holds at most 125 bytes")?;
    let mask = [0x37, 0xfa, 0x21, 0x3d];
    let mut frame = vec![0x81, 0x80 | len];
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
    Ok(frame)
}

#[tokio::test]
async fn nginx_passes_sockets_cookies_origins_and_photos_through() -> Result<()> {
    let Some(behind) = Behind::start().await? else {
        return Ok(());
    };
    let port = behind.nginx.https;
    let origin = behind.origin();
    let table = path_of(&behind.link("/tables/0/join_url")?);

    // A phone's first visit: the device cookie is Secure, and HSTS comes once (the server
    // sends it; the site file must not add a second).
    let page = exchange(port, &get(port, &table)).await?;
    assert_eq!(page.status, 200, "the table page through nginx");
    let cookies = page.all("set-cookie");
    assert!(
        cookies.iter().any(|c| c.starts_with("rt_attendee=")),
        "the phone gets its device cookie: {cookies:?}"
    );
    for c in &cookies {
        assert!(
            c.contains("; Secure"),
            "a cookie set over https without Secure: {c}"
        );
        assert!(
            c.contains("; HttpOnly"),
            "a cookie readable by scripts: {c}"
        );
    }
    assert_eq!(page.all("strict-transport-security"), vec![HSTS]);

    // The phone's socket, opened through nginx by hand: the upgrade is answered 101 by the
    // server, the snapshot flows out and a post flows in and is acknowledged. It carries
    // Origin without Sec-Fetch-Site (older Safari), so the server compares Origin with the
    // Host nginx passed on: it must be the one the browser used, port and all.
    let mut ws = Tls::connect(port).await?;
    let upgrade = format!(
        "GET {table}/ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: {origin}\r\n\
         Upgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    ws.send(upgrade.as_bytes()).await?;
    ws.read_until("the answer to the upgrade", head_done)
        .await?;
    let switched = ws.reply()?;
    assert_eq!(
        switched.status,
        101,
        "nginx did not pass the websocket upgrade through: {}",
        shown(&ws.got)
    );
    // RFC 6455's own example key and answer: the handshake is the server's, untouched.
    assert_eq!(
        switched.all("sec-websocket-accept"),
        vec!["s3pPLMBiTxaQ9kYGzzhZRbK+xOo="]
    );
    ws.read_until("the snapshot", |b| has(b, "\"type\":\"snapshot\""))
        .await?;
    behind.wait_for_sockets("phone", 1).await?;
    let post =
        r#"{"type":"post","client_id":"through-nginx-1","text":"Night buses to the estate"}"#;
    ws.send(&text_frame(post)?).await?;
    ws.read_until("the ack of the post", |b| has(b, "\"type\":\"ack\""))
        .await?;
    drop(ws);

    // A plain form post with Origin and no Sec-Fetch-Site is ours (303 to the table);
    // another site's is refused, so the check still works behind nginx.
    let body = "client_id=through-nginx-2&text=More+benches+on+the+front";
    let ours = exchange(port, &form_post(port, &table, &origin, body)).await?;
    assert_eq!(
        ours.status, 303,
        "our own form post through nginx: {}",
        ours.body
    );
    let theirs = "https://evil.example";
    let refused = exchange(port, &form_post(port, &table, theirs, body)).await?;
    assert_eq!(refused.status, 403, "another site's post through nginx");

    // A 10 MB upload, the most the console's photo upload takes, gets through nginx to the
    // server, which reads it all and answers for itself (these bytes are not an image).
    let images = format!("{}/images", path_of(&behind.link("/console_url")?));
    let size = roundtable::images::MAX_UPLOAD_BYTES;
    let mut upload = format!(
        "POST {images} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: {size}\r\n\
         Connection: close\r\n\r\n"
    )
    .into_bytes();
    upload.resize(upload.len() + size, 0);
    let photo = exchange(port, &upload).await?;
    assert_eq!(
        photo.status, 422,
        "a 10 MB upload through nginx: {}",
        photo.body
    );
    assert!(
        photo.body.contains("not a JPEG, PNG or WebP image"),
        "the server's own answer: {}",
        photo.body
    );

    // The metrics stay on the machine: nginx refuses them.
    let metrics = exchange(port, &get(port, "/metrics")).await?;
    assert_eq!(metrics.status, 403, "/metrics through nginx");

    // Plain http (a typed address) goes to the public https address, path and query kept.
    let typed = format!("http://127.0.0.1:{}{table}?from=card", behind.nginx.http);
    let redirect = client().get(&typed).send().await?;
    assert_eq!(redirect.status(), 301);
    assert_eq!(
        redirect
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some(format!("{origin}{table}?from=card").as_str())
    );
    Ok(())
}

#[tokio::test]
async fn a_phone_posts_and_the_console_sees_it_live_through_nginx() -> Result<()> {
    let Some(behind) = Behind::start().await? else {
        return Ok(());
    };
    let Some(browser) = Browser::start().await? else {
        return Ok(());
    };
    let origin = behind.origin();

    // The lead's console, opened through nginx: its socket goes live.
    let console = browser.window_accepting_any_certificate(1280, 900).await?;
    console.goto(&behind.link("/console_url")?).await?;
    wait_for(
        &console,
        "the console's socket to go live through nginx",
        "document.querySelector('#conn[data-state=live]')",
    )
    .await?;

    // A phone scans table 1's card: the link is nginx's https address.
    let phone = browser.window_accepting_any_certificate(390, 844).await?;
    phone.goto(&behind.link("/tables/0/join_url")?).await?;
    wait_for(
        &phone,
        "the phone's socket to go live through nginx",
        "document.querySelector('#conn[data-state=live]')",
    )
    .await?;
    assert_eq!(eval(&phone, "return location.origin").await?, origin);
    let elsewhere = eval(
        &phone,
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })",
    )
    .await?;
    for url in elsewhere.as_array().into_iter().flatten() {
        let url = url.as_str().unwrap_or_default();
        assert!(url.starts_with(&origin), "loaded around nginx: {url}");
    }
    // Both sockets are open at the server, and the browser knows no other address.
    behind.wait_for_sockets("console", 1).await?;
    behind.wait_for_sockets("phone", 1).await?;

    // The phone posts over its socket; the console, on its own socket, shows it live.
    let words = "The last bus leaves at six, so shift workers can't get home";
    post_from_phone(&phone, words).await?;
    wait_for(
        &phone,
        "the phone to say Sent",
        "/Sent/.test(document.querySelector('#form-status').textContent)",
    )
    .await?;
    wait_for(
        &console,
        "the phone's comment on the console",
        &format!(
            "document.querySelector('#comments').textContent.indexOf({}) >= 0",
            Value::String(words.into())
        ),
    )
    .await?;

    // The device cookie the browser keeps is Secure and HttpOnly; the page sees HSTS once.
    let cookies = phone.get_all_cookies().await?;
    let device = cookies
        .iter()
        .find(|c| c.name() == "rt_attendee")
        .context("the phone has no device cookie")?;
    assert_eq!(device.secure(), Some(true), "device cookie over https");
    assert_eq!(device.http_only(), Some(true), "device cookie");
    let hsts = phone
        .execute_async(
            "var done = arguments[arguments.length - 1];
             fetch(location.href, {cache: 'no-store'}).then(
               function (r) { done(r.headers.get('strict-transport-security')); },
               function (e) { done('fetch failed: ' + e); });",
            vec![],
        )
        .await?;
    assert_eq!(hsts, Value::String(HSTS.into()));

    phone.close().await?;
    console.close().await?;
    Ok(())
}

#[test]
fn the_deployment_doc_quotes_the_file_the_test_runs() {
    let quoted = DOC
        .split_once("```nginx\n")
        .and_then(|(_, rest)| rest.split_once("```\n"))
        .map(|(block, _)| block);
    assert_eq!(
        quoted,
        Some(SITE),
        "docs/deployment.md must quote examples/nginx.conf as it is"
    );
}
