//! Headless Chromium through ChromeDriver (WebDriver), for tests that use the real pages.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Outside CI a machine without them skips
//! these tests with a message; under `CI=true` a missing browser is a failure.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use fantoccini::{Client, ClientBuilder, Locator};
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
        self.open(width, height, true, false).await
    }

    /// A new window with JavaScript switched off (the plain-HTML path).
    pub async fn window_without_js(&self, width: u32, height: u32) -> Result<Client> {
        self.open(width, height, false, false).await
    }

    /// A new window, like [`Browser::window`], that accepts any TLS certificate (WebDriver's
    /// `acceptInsecureCerts`): for pages served over https with a test's self-signed one.
    pub async fn window_accepting_any_certificate(
        &self,
        width: u32,
        height: u32,
    ) -> Result<Client> {
        self.open(width, height, true, true).await
    }

    /// A phone: a window whose page is `width` x `height` CSS pixels, as on a phone (touch,
    /// the page's viewport meta applies). [`Browser::window`] can't go below Chromium's
    /// smallest desktop window (500 px wide); this uses ChromeDriver's mobile emulation.
    pub async fn phone(&self, width: u32, height: u32, js: bool) -> Result<Client> {
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
        ];
        if !js {
            args.push("--blink-settings=scriptEnabled=false".into());
        }
        let caps = json!({
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": args,
                "mobileEmulation": {
                    "deviceMetrics": {"width": width, "height": height, "pixelRatio": 2.0, "mobile": true, "touch": true}
                }
            }
        });
        let serde_json::Value::Object(caps) = caps else {
            bail!("capabilities must be an object");
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&self.url)
            .await
            .context("could not open a Chromium session")
    }

    async fn open(
        &self,
        width: u32,
        height: u32,
        js: bool,
        accept_any_certificate: bool,
    ) -> Result<Client> {
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
        let mut caps = match caps {
            serde_json::Value::Object(m) => m,
            _ => bail!("capabilities must be an object"),
        };
        if accept_any_certificate {
            caps.insert("acceptInsecureCerts".into(), json!(true));
        }
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

/// The axe-core rule tags [`axe`] runs: WCAG 2.0, 2.1 and 2.2, levels A and AA.
pub const AXE_TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/// Runs axe-core (the file at `$AXE_JS`, installed by `.ci/run`) on the page open in `c` and
/// fails listing every violation of the WCAG 2.2 AA rules ([`AXE_TAGS`]), naming `what` (the
/// page state). Without `$AXE_JS` it prints `SKIPPED` and passes outside CI; under `CI=true`
/// that is a failure, as for the browser itself.
///
/// The script goes in through WebDriver's execute script, which the pages' CSP (no inline
/// script, no eval) does not apply to, so the page is checked exactly as served. It works
/// in windows with JavaScript switched off too: only the page's own scripts are off there.
pub async fn axe(c: &Client, what: &str) -> Result<()> {
    let path = std::env::var("AXE_JS").unwrap_or_default();
    let source = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                bail!(
                    "CI=true but axe-core could not be read from AXE_JS={path:?} ({e}): .ci/run installs it"
                );
            }
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                eprintln!(
                    "SKIPPED: accessibility checks need AXE_JS, the path of axe-core's axe.min.js (npm install axe-core)"
                );
            });
            return Ok(());
        }
    };
    const LOADED: &str =
        "return typeof window.axe === 'object' && typeof window.axe.run === 'function'";
    if c.execute(LOADED, vec![]).await?.as_bool() != Some(true) {
        c.execute(&source, vec![])
            .await
            .with_context(|| format!("injecting axe-core into {what}"))?;
        if c.execute(LOADED, vec![]).await?.as_bool() != Some(true) {
            bail!("axe-core did not load in {what}");
        }
    }
    const RUN: &str = r#"
        var tags = arguments[0], done = arguments[arguments.length - 1], later = window.setTimeout;
        // With the page's scripts off (the parser then reads <noscript> as markup), timers
        // never fire; axe-core waits for zero-delay ones between steps, so while it works
        // those run as microtasks. (Not with scripts on: the page's own timers stay as they are.)
        var probe = document.createElement('noscript');
        probe.innerHTML = '<i></i>';
        if (probe.firstChild && probe.firstChild.nodeType === 1) {
          window.setTimeout = function (f, ms) {
            if (ms) return later.apply(window, arguments);
            var args = Array.prototype.slice.call(arguments, 2);
            Promise.resolve().then(function () { f.apply(window, args); });
            return 0;
          };
        }
        function end(v) { window.setTimeout = later; done(v); }
        window.axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
          .then(function (r) {
            end({incomplete: r.incomplete.map(function (v) { return v.id + ' at ' + JSON.stringify(v.nodes.map(function (n) { return n.target; })); }),
              violations: r.violations.map(function (v) {
              return {id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
                nodes: v.nodes.map(function (n) {
                  return {target: JSON.stringify(n.target), html: n.html, why: n.failureSummary};
                })};
            })});
          }, function (e) { end({error: String(e && e.stack || e)}); });
    "#;
    let result = c
        .execute_async(RUN, vec![json!(AXE_TAGS)])
        .await
        .with_context(|| format!("running axe-core on {what}"))?;
    if let Some(e) = result.get("error") {
        bail!("axe-core failed on {what}: {e}");
    }
    let unsure: Vec<&str> = result["incomplete"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str())
        .collect();
    if !unsure.is_empty() {
        eprintln!("axe-core could not decide on {what} (check by hand): {unsure:?}");
    }
    let violations = result["violations"].as_array().cloned().unwrap_or_default();
    if violations.is_empty() {
        return Ok(());
    }
    let mut report = format!(
        "{} accessibility violation(s) (axe-core, WCAG 2.2 AA) on {what}:",
        violations.len()
    );
    for v in &violations {
        let s = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        report.push_str(&format!(
            "\n- {} [{}]: {} ({})",
            s("id"),
            s("impact"),
            s("help"),
            s("url")
        ));
        for n in v["nodes"].as_array().into_iter().flatten() {
            let s = |k: &str| n[k].as_str().unwrap_or_default().replace('\n', "\n      ");
            report.push_str(&format!(
                "\n    at {}\n      {}\n      {}",
                s("target"),
                s("html"),
                s("why")
            ));
        }
    }
    bail!(report)
}

/// Types `text` into a phone page's comment box and presses Post.
pub async fn post_from_phone(phone: &Client, text: &str) -> Result<()> {
    phone
        .find(Locator::Id("text"))
        .await?
        .send_keys(text)
        .await?;
    phone
        .find(Locator::Css(
            "#post-form button[type=submit], #post-form button.primary",
        ))
        .await?
        .click()
        .await?;
    Ok(())
}
