//! Accessibility of the phone pages: axe-core's WCAG 2.2 AA rules find nothing on any state
//! of the participant pages, in a phone window (360x740) with JavaScript (after the live
//! script has connected) and without it, and at 320 px; at 320 px the table page never
//! scrolls sideways, with the text at 200% too (WCAG 1.4.4, 1.4.10).

use anyhow::{Context, Result, bail};
use fantoccini::wd::TimeoutConfiguration;
use fantoccini::{Client, Locator};
use roundtable_tests::browser::{Browser, axe, eval, wait_for};
use roundtable_tests::{SMALL_EVENT, TestServer, Ws, path_of};
use serde_json::{Value, json};
use std::time::Duration;

const LIVE: &str = "document.querySelector('#conn[data-state=live]')";

/// The page fits the window's width: nothing to scroll sideways.
const NO_SIDEWAYS: &str = "return document.documentElement.scrollWidth <= window.innerWidth && document.body.scrollWidth <= window.innerWidth";

/// Every state's problems, so one run reports them all.
#[derive(Default)]
struct Findings(Vec<String>);

impl Findings {
    async fn axe(&mut self, c: &Client, what: &str) {
        if let Err(e) = axe(c, what).await {
            self.0.push(format!("{e:#}"));
        }
    }

    async fn no_sideways_scroll(&mut self, c: &Client, what: &str) -> Result<()> {
        if eval(c, NO_SIDEWAYS).await? != Value::Bool(true) {
            let widths = eval(
                c,
                "var wide = Array.prototype.filter.call(document.querySelectorAll('body *'), function (e) { return e.getBoundingClientRect().right > window.innerWidth + 0.5; }).slice(0, 8).map(function (e) { return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + String(e.className).replace(/ /g, '.') : '') + ' ' + Math.round(e.getBoundingClientRect().right); }); return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, wide: wide}",
            )
            .await?;
            self.0
                .push(format!("{what}: the page scrolls sideways: {widths}"));
        }
        Ok(())
    }

    fn finish(self) -> Result<()> {
        if self.0.is_empty() {
            return Ok(());
        }
        bail!("{}", self.0.join("\n\n"))
    }
}

/// A console command; waits for its `ack` and fails on an `error`.
async fn command(console: &mut Ws, mut cmd: Value) -> Result<Value> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let r = format!("a11y-{}", N.fetch_add(1, Ordering::Relaxed));
    cmd["ref"] = json!(r);
    console.send(cmd.clone()).await?;
    let reply = console
        .next_where("the command's answer", |v| {
            (v["type"] == "ack" || v["type"] == "error") && v["ref"] == r.as_str()
        })
        .await?;
    if reply["type"] == "error" {
        bail!("{cmd} refused: {reply}");
    }
    Ok(reply)
}

/// A post from a phone's socket (optionally a reply); returns the comment's id.
async fn post(
    phone: &mut Ws,
    n: usize,
    text: &str,
    name: Option<&str>,
    reply_to: Option<i64>,
) -> Result<i64> {
    let client_id = format!("a11y-{n:04}-xxxxxxxxxx");
    let mut cmd = json!({"type": "post", "client_id": client_id, "text": text});
    if let Some(name) = name {
        cmd["name"] = json!(name);
    }
    if let Some(id) = reply_to {
        cmd["reply_to"] = json!(id);
    }
    phone.send(cmd).await?;
    let ack = phone
        .next_where("the post's ack", |v| {
            (v["type"] == "ack" && v["client_id"] == client_id.as_str()) || v["type"] == "error"
        })
        .await?;
    if ack["type"] == "error" {
        bail!("post refused: {ack}");
    }
    ack["comment_id"].as_i64().context("ack without comment_id")
}

/// Finds an element, waiting for it within the deadline (a page without JavaScript reloads
/// after a form is sent).
async fn find_soon(c: &Client, css: &str) -> Result<fantoccini::elements::Element> {
    let deadline = tokio::time::Instant::now() + roundtable_tests::DEADLINE;
    loop {
        match c.find(Locator::Css(css)).await {
            Ok(e) => return Ok(e),
            Err(e) if tokio::time::Instant::now() > deadline => {
                return Err(e).with_context(|| format!("never found {css}"));
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
        }
    }
}

/// A phone-sized window whose page loads and scripts give up within seconds, not minutes.
async fn phone_window(browser: &Browser, width: u32, height: u32, js: bool) -> Result<Client> {
    let c = browser.phone(width, height, js).await?;
    c.update_timeouts(TimeoutConfiguration::new(
        Some(Duration::from_secs(30)),
        Some(Duration::from_secs(20)),
        None,
    ))
    .await?;
    Ok(c)
}

/// Presses a button in a window without JavaScript, whose form then loads the next page.
/// (Through the DOM: ChromeDriver's own click on a form button there can wait forever for
/// the navigation it starts.)
async fn press(c: &Client, css: &str) -> Result<()> {
    let script = format!(
        "document.querySelector({}).click(); return true",
        json!(css)
    );
    eval(c, &script).await?;
    Ok(())
}

/// Opens `url` in the window with JavaScript and waits for the live script to connect.
async fn live(c: &Client, url: &str) -> Result<()> {
    c.goto(url).await?;
    wait_for(c, "the live connection", LIVE).await
}

#[tokio::test]
async fn a11y_every_phone_page_state_passes_axe_wcag_22_aa() -> Result<()> {
    let Some(browser) = Browser::start().await? else {
        return Ok(());
    };
    let server = TestServer::start().await?;
    let links = server.create_event(SMALL_EVENT).await?;
    let base = server.base.clone();
    let join = |i: usize| {
        links["tables"][i]["join_url"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    let table1 = format!("{base}{}", path_of(&join(0)));
    let code = links["code"].as_str().unwrap_or_default().to_string();
    let mut console = server
        .ws(&format!(
            "{}/ws",
            path_of(links["console_url"].as_str().unwrap_or_default())
        ))
        .await?;
    let snap = console.next().await?;
    let t1 = snap["state"]["tables"][0]["id"]
        .as_i64()
        .context("table id")?;
    let round1 = snap["state"]["rounds"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["number"] == 1)
        .and_then(|r| r["id"].as_i64())
        .context("round 1")?;
    let round1_item = snap["state"]["agenda"]["items"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["round_id"] == round1)
        .and_then(|i| i["id"].as_i64())
        .context("round 1 on the run of show")?;

    let phone = phone_window(&browser, 360, 740, true).await?;
    let plain = phone_window(&browser, 360, 740, false).await?;
    for c in [&phone, &plain] {
        c.goto(&format!("{base}/")).await?;
        let size = eval(c, "return [window.innerWidth, window.innerHeight]").await?;
        assert_eq!(size, json!([360, 740]), "a phone's viewport");
    }
    // axe-core goes in through WebDriver, which the CSP doesn't apply to, while the page
    // itself stays under its CSP (no inline script, no style attributes): checked as served.
    let csp = eval(
        &phone,
        "var s = document.createElement('script'); s.textContent = 'window.inlineRan = true'; document.head.appendChild(s); var d = document.createElement('div'); d.setAttribute('style', 'width: 7px'); document.body.appendChild(d); var w = d.getBoundingClientRect().width; d.remove(); return {inline: !!window.inlineRan, styled: w === 7}",
    )
    .await?;
    assert_eq!(
        csp,
        json!({"inline": false, "styled": false}),
        "the page's CSP applies"
    );
    // The check can fail: text too pale to read is found.
    eval(
        &phone,
        "document.querySelector('.hint').style.color = '#aaa'; return true",
    )
    .await?;
    let pale = axe(&phone, "landing page with pale text").await;
    if std::env::var("AXE_JS").is_ok_and(|p| std::path::Path::new(&p).exists()) {
        let pale = pale.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            pale.contains("color-contrast"),
            "axe-core finds pale text: {pale}"
        );
    }
    let mut found = Findings::default();

    // The way in: landing, a wrong code, the table chooser.
    for (c, how) in [(&phone, "with JS"), (&plain, "without JS")] {
        c.goto(&format!("{base}/")).await?;
        found.axe(c, &format!("landing page {how}")).await;
        c.goto(&format!("{base}/join?code=XXXX")).await?;
        found
            .axe(c, &format!("landing page with a wrong code {how}"))
            .await;
        c.goto(&format!("{base}/join?code={code}")).await?;
        found.axe(c, &format!("table chooser {how}")).await;
        c.goto(&format!("{base}/t/nonsense")).await?;
        found.axe(c, &format!("bad table link {how}")).await;
    }

    // The table page, round 1 open, nothing written yet.
    live(&phone, &table1).await?;
    found
        .axe(&phone, "table page, round open, no comments, with JS")
        .await;
    plain.goto(&table1).await?;
    found
        .axe(&plain, "table page, round open, no comments, without JS")
        .await;

    // Comments arrive live: names, replies, a point made aloud, one on the wall, one
    // corrected, one agreed with by others.
    let mut p1 = server.ws(&format!("{}/ws", path_of(&join(0)))).await?;
    p1.next().await?;
    let first = post(
        &mut p1,
        1,
        "The last bus leaves at six, so shift workers can't get home.",
        Some("Sam"),
        None,
    )
    .await?;
    let second = post(&mut p1, 2, "Cheaper fares for young people", None, None).await?;
    post(
        &mut p1,
        3,
        "Yes, and on Sundays too",
        Some("Ana"),
        Some(first),
    )
    .await?;
    post(&mut p1, 4, "The 42 is always late", None, Some(first)).await?;
    p1.send(json!({"type": "agree", "ref": "x", "comment_id": second}))
        .await?;
    p1.next_where("agree ack", |v| v["ref"] == "x").await?;
    command(&mut console, json!({"type": "post", "client_id": "a11y-facil-xxxxxxxx", "text": "Said aloud: a community minibus", "table_id": t1})).await?;
    command(
        &mut console,
        json!({"type": "highlight", "comment_id": first, "on": true}),
    )
    .await?;
    command(
        &mut console,
        json!({"type": "edit", "comment_id": second, "text": "Cheaper fares for young people!"}),
    )
    .await?;
    wait_for(&phone, "five comments shown live", "document.querySelectorAll('#comments li').length === 5 && document.querySelector('#comments .wall')").await?;
    // This phone agrees with one (its button turns into "You agreed").
    phone
        .find(Locator::Css(&format!("#c-{second} .agree-btn")))
        .await?
        .click()
        .await?;
    wait_for(
        &phone,
        "agreed",
        &format!("document.querySelector('#c-{second} .agree-btn').disabled"),
    )
    .await?;
    found
        .axe(&phone, "table page with comments built live, with JS")
        .await;
    live(&phone, &table1).await?;
    found
        .axe(
            &phone,
            "table page with comments, replies, agreed, facilitator and wall comments, with JS",
        )
        .await;
    plain.goto(&table1).await?;
    press(&plain, &format!("#c-{first} .agree-form button")).await?;
    find_soon(&plain, &format!("#c-{first} .agree-btn.done")).await?;
    found
        .axe(
            &plain,
            "table page with comments, replies, agreed, facilitator and wall comments, without JS",
        )
        .await;

    // Refused posts: only spaces.
    plain
        .find(Locator::Id("text"))
        .await?
        .send_keys("   ")
        .await?;
    press(&plain, "#post-form button.primary").await?;
    find_soon(&plain, "#form-error:not(:empty)").await?;
    found
        .axe(&plain, "table page with a refused post, without JS")
        .await;
    phone
        .find(Locator::Id("text"))
        .await?
        .send_keys("   ")
        .await?;
    phone
        .find(Locator::Css("#post-form button.primary"))
        .await?
        .click()
        .await?;
    wait_for(
        &phone,
        "the refusal",
        "document.querySelector('#form-error').textContent.length > 0",
    )
    .await?;
    found
        .axe(&phone, "table page with a refused post, with JS")
        .await;

    // Replying.
    live(&phone, &format!("{table1}?reply={first}")).await?;
    found
        .axe(&phone, "table page replying (?reply=ID), with JS")
        .await;
    phone
        .find(Locator::Id(&format!("reply-{second}")))
        .await?
        .click()
        .await?;
    wait_for(
        &phone,
        "replying box",
        "document.querySelector('#replying')",
    )
    .await?;
    found
        .axe(&phone, "table page replying after pressing Reply, with JS")
        .await;
    plain.goto(&format!("{table1}?reply={first}")).await?;
    found
        .axe(&plain, "table page replying (?reply=ID), without JS")
        .await;

    // Words that could not be sent wait in the outbox with buttons to try again or remove.
    eval(
        &phone,
        &format!(
            "localStorage.setItem('rt-outbox:{}/ws', JSON.stringify([{{id: 'a11y-out-xxxxxxxxxx', text: 'Written for the last round', name: '', state: 'failed', msg: '', code: 'round_closed', round: 9}}])); return true",
            path_of(&join(0))
        ),
    )
    .await?;
    live(&phone, &table1).await?;
    wait_for(
        &phone,
        "the outbox",
        "document.querySelectorAll('#outbox li.failed button').length === 2",
    )
    .await?;
    found
        .axe(&phone, "table page with a post that was not sent, with JS")
        .await;
    phone
        .find(Locator::Css("#outbox li.failed button:last-child"))
        .await?
        .click()
        .await?;

    // The run of show: a timed round with its countdown, and an announcement.
    command(
        &mut console,
        json!({"type": "agenda_start", "item_id": round1_item}),
    )
    .await?;
    command(
        &mut console,
        json!({"type": "announce", "text": "Five minutes left, then we swap tables", "wall": true}),
    )
    .await?;
    wait_for(&phone, "countdown and announcement", "/\\d+:\\d\\d/.test(document.querySelector('#countdown').textContent) && document.querySelector('#announcement').textContent.length > 0").await?;
    found
        .axe(
            &phone,
            "table page with an announcement and a countdown (live), with JS",
        )
        .await;
    live(&phone, &table1).await?;
    wait_for(
        &phone,
        "countdown",
        "/\\d+:\\d\\d/.test(document.querySelector('#countdown').textContent)",
    )
    .await?;
    found
        .axe(
            &phone,
            "table page with an announcement and a countdown, with JS",
        )
        .await;
    plain.goto(&table1).await?;
    found
        .axe(
            &plain,
            "table page with an announcement and time left, without JS",
        )
        .await;

    // Other tables: the room page, and table 2's comments.
    let mut p2 = server.ws(&format!("{}/ws", path_of(&join(1)))).await?;
    p2.next().await?;
    let there = post(
        &mut p2,
        10,
        "GP appointments take three weeks",
        Some("Jo"),
        None,
    )
    .await?;
    post(&mut p2, 11, "And the pharmacy closed", None, Some(there)).await?;
    p2.send(json!({"type": "agree", "ref": "y", "comment_id": there}))
        .await?;
    p2.next_where("agree ack", |v| v["ref"] == "y").await?;
    for (c, how) in [(&phone, "with JS"), (&plain, "without JS")] {
        c.goto(&format!("{table1}/privacy")).await?;
        found.axe(c, &format!("privacy notice {how}")).await;
        c.goto(&format!("{table1}/mine")).await?;
        found.axe(c, &format!("your comments {how}")).await;
        c.goto(&format!("{table1}/room")).await?;
        found.axe(c, &format!("room page {how}")).await;
        c.goto(&format!("{table1}/room?table=2")).await?;
        found
            .axe(c, &format!("room page viewing table 2 {how}"))
            .await;
    }

    // Round closed: the page says comments can't be added now.
    // (Ending the running round item closes its round.)
    command(&mut console, json!({"type": "agenda_end"})).await?;
    live(&phone, &table1).await?;
    wait_for(
        &phone,
        "closed note",
        "document.querySelector('#closed-note').textContent.length > 0",
    )
    .await?;
    found
        .axe(&phone, "table page with no round open, with JS")
        .await;
    plain.goto(&table1).await?;
    found
        .axe(&plain, "table page with no round open, without JS")
        .await;
    plain.goto(&format!("{table1}/room")).await?;
    found
        .axe(&plain, "room page with no round open, without JS")
        .await;

    // The event closed.
    command(&mut console, json!({"type": "set_open", "open": false})).await?;
    live(&phone, &table1).await?;
    found.axe(&phone, "table page, event closed, with JS").await;
    plain.goto(&table1).await?;
    found
        .axe(&plain, "table page, event closed, without JS")
        .await;
    plain.goto(&format!("{base}/join?code={code}")).await?;
    found
        .axe(&plain, "landing page after the event closed, without JS")
        .await;

    for c in [phone, plain] {
        c.close().await?;
    }
    found.finish()
}

#[tokio::test]
async fn a11y_at_320_px_nothing_scrolls_sideways_even_with_text_at_200_percent() -> Result<()> {
    let Some(browser) = Browser::start().await? else {
        return Ok(());
    };
    let server = TestServer::start().await?;
    let links = server.create_event(SMALL_EVENT).await?;
    let base = server.base.clone();
    let join = links["tables"][0]["join_url"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let table1 = format!("{base}{}", path_of(&join));
    let code = links["code"].as_str().unwrap_or_default().to_string();
    let mut console = server
        .ws(&format!(
            "{}/ws",
            path_of(links["console_url"].as_str().unwrap_or_default())
        ))
        .await?;
    let snap = console.next().await?;
    let t1 = snap["state"]["tables"][0]["id"]
        .as_i64()
        .context("table id")?;
    let item = snap["state"]["agenda"]["items"][0]["id"]
        .as_i64()
        .context("agenda item")?;

    // Long words and a long name, as people type them.
    let mut p1 = server.ws(&format!("{}/ws", path_of(&join))).await?;
    p1.next().await?;
    let first = post(&mut p1, 1, "Supercalifragilisticexpialidocious-transport-improvements-now https://example.org/a/very/long/address/that/does/not/break", Some("Bartholomew-Fitzwilliam-Smythe"), None).await?;
    post(
        &mut p1,
        2,
        "A reply that is also fairly long, to see how replies wrap at this width",
        None,
        Some(first),
    )
    .await?;
    command(&mut console, json!({"type": "post", "client_id": "a11y-facil-xxxxxxxx", "text": "Said aloud", "table_id": t1})).await?;
    command(
        &mut console,
        json!({"type": "highlight", "comment_id": first, "on": true}),
    )
    .await?;
    command(
        &mut console,
        json!({"type": "agenda_start", "item_id": item}),
    )
    .await?;
    command(&mut console, json!({"type": "announce", "text": "Announcements-can-have-long-words-too-like-this-one", "wall": false})).await?;

    let narrow = phone_window(&browser, 320, 640, true).await?;
    let plain = phone_window(&browser, 320, 640, false).await?;
    narrow.goto(&format!("{base}/")).await?;
    let width = eval(&narrow, "return window.innerWidth").await?;
    assert_eq!(width, json!(320), "the page is 320 CSS px wide");
    let mut found = Findings::default();
    let pages = [
        ("landing page", format!("{base}/")),
        ("table chooser", format!("{base}/join?code={code}")),
        ("table page", table1.clone()),
        ("table page replying", format!("{table1}?reply={first}")),
        ("room page", format!("{table1}/room")),
        ("privacy notice", format!("{table1}/privacy")),
        ("your comments", format!("{table1}/mine")),
        (
            "room page viewing table 1",
            format!("{table1}/room?table=1"),
        ),
    ];
    for (name, url) in &pages {
        if name.starts_with("table page") {
            live(&narrow, url).await?;
        } else {
            narrow.goto(url).await?;
        }
        for zoom in ["100%", "200%"] {
            let size = eval(
                &narrow,
                &format!("var d = document.documentElement; d.style.fontSize = '{zoom}'; return getComputedStyle(d).fontSize"),
            )
            .await?;
            let px = if zoom == "100%" { "16px" } else { "32px" };
            assert_eq!(size, json!(px), "text at {zoom}");
            let what = format!("{name} at 320 px, text {zoom}, with JS");
            found.no_sideways_scroll(&narrow, &what).await?;
            found.axe(&narrow, &what).await;
        }
        plain.goto(url).await?;
        let what = format!("{name} at 320 px, without JS");
        found.no_sideways_scroll(&plain, &what).await?;
        found.axe(&plain, &what).await;
    }
    for c in [narrow, plain] {
        c.close().await?;
    }
    found.finish()
}
