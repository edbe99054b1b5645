//! Headless Chromium through ChromeDriver (WebDriver), for tests that use the real pages.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Outside CI a machine without them skips
//! these tests with a message; under `CI=true` a missing browser is a failure.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use fantoccini::{Client, ClientBuilder};
use serde_json::json;

use crate::DEADLINE;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A running ChromeDriver; sessions are separate browser windows (separate cookies).
pub struct Browser {
    driver: Child,
    url: String,
}

impl Browser {
    /// Starts ChromeDriver, or returns `None` (skip) when the browser is not installed and
    /// this is not CI.
    pub async fn start() -> Result<Option<Self>> {
        let present =
            std::path::Path::new(CHROMIUM).exists() && std::path::Path::new(CHROMEDRIVER).exists();
        if !present {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                bail!(
                    "CI=true but {CHROMIUM} or {CHROMEDRIVER} is missing: apt-get install -y chromium chromium-driver"
                );
            }
            eprintln!(
                "SKIPPED: browser tests need {CHROMIUM} and {CHROMEDRIVER} (apt-get install -y chromium chromium-driver)"
            );
            return Ok(None);
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        // Its own process group, so that dropping the browser also ends every Chromium it
        // started, even when a failed test never closed its windows.
        let driver = Command::new(CHROMEDRIVER)
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("could not start chromedriver")?;
        let browser = Browser {
            driver,
            url: format!("http://127.0.0.1:{port}"),
        };
        tokio::time::timeout(DEADLINE, async {
            while tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_err()
            {
                tokio::task::yield_now().await;
            }
        })
        .await
        .context("chromedriver did not start listening")?;
        Ok(Some(browser))
    }

    /// A new browser window of the given size (CSS pixels).
    pub async fn window(&self, width: u32, height: u32) -> Result<Client> {
        self.open(width, height, true).await
    }

    /// A new window with JavaScript switched off (the plain-HTML path).
    pub async fn window_without_js(&self, width: u32, height: u32) -> Result<Client> {
        self.open(width, height, false).await
    }

    async fn open(&self, width: u32, height: u32, js: bool) -> Result<Client> {
        let mut args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--no-first-run".into(),
            "--disable-quic".into(),
            format!("--window-size={width},{height}"),
        ];
        if !js {
            args.push("--blink-settings=scriptEnabled=false".into());
        }
        let caps = json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": args
            }
        });
        let caps = match caps {
            serde_json::Value::Object(m) => m,
            _ => bail!("capabilities must be an object"),
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&self.url)
            .await
            .context("could not open a Chromium session")?;
        Ok(client)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let group = format!("-{}", self.driver.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Waits until a JavaScript expression is truthy in the page, within the deadline.
pub async fn wait_for(c: &Client, what: &str, expression: &str) -> Result<()> {
    let script = format!("return !!({expression});");
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    loop {
        tick.tick().await;
        if let Ok(v) = c.execute(&script, vec![]).await
            && v.as_bool() == Some(true)
        {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            let body = c
                .execute(
                    "return document.body ? document.body.innerText.slice(0, 2000) : ''",
                    vec![],
                )
                .await
                .map(|v| v.to_string())
                .unwrap_or_default();
            bail!("timed out waiting for {what}; page text: {body}");
        }
    }
}

/// Runs a script and returns its value.
pub async fn eval(c: &Client, script: &str) -> Result<serde_json::Value> {
    Ok(c.execute(script, vec![]).await?)
}
