//! Real pages in headless Chromium: two phones, the console and the wall run a small event.
//! Needs Debian's chromium and chromium-driver (skipped with a message outside CI when they
//! are missing; a failure under CI=true).
#![allow(clippy::unwrap_used)] // tests fail loudly by design

mod weight;

mod a11y;

mod phone;

mod integrations;

use anyhow::Result;
use fantoccini::{Client, Locator};
use roundtable_tests::browser::{Browser, eval, post_from_phone, wait_for};
use roundtable_tests::{SMALL_EVENT, TestServer};

fn js_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// Nothing the page loaded came from another host.
async fn assert_same_origin(c: &Client, origin: &str) -> Result<()> {
    let v = eval(
        c,
        "return performance.getEntriesByType('resource').map(function(e){return e.name})",
    )
    .await?;
    for url in v.as_array().cloned().unwrap_or_default() {
        let url = url.as_str().unwrap_or_default().to_string();
        assert!(
            url.starts_with(origin) || url.starts_with("data:"),
            "loaded from another host: {url}"
        );
    }
    Ok(())
}

/// Id of the comment in the console's list whose text contains `text`.
async fn console_comment_id(console: &Client, text: &str) -> Result<i64> {
    let script = format!(
        "var li = Array.prototype.find.call(document.querySelectorAll('#comments li'), function(li){{ return li.textContent.indexOf({}) >= 0; }}); return li ? Number(li.getAttribute('data-id')) : 0;",
        js_str(text)
    );
    Ok(eval(console, &script).await?.as_i64().unwrap_or_default())
}

#[tokio::test]
async fn two_phones_a_console_and_a_wall_run_an_event() -> Result<()> {
    let Some(browser) = Browser::start().await? else {
        return Ok(());
    };
    let server = TestServer::start().await?;
    let links = server.create_event(SMALL_EVENT).await?;
    let url = |k: &str| links[k].as_str().unwrap_or_default().to_string();

    // The console, on the lead facilitator's laptop.
    let console = browser.window(1280, 900).await?;
    console.goto(&url("console_url")).await?;
    wait_for(
        &console,
        "console live",
        "document.querySelector('#conn[data-state=live]')",
    )
    .await?;

    // Phone 1 scans table 1's QR code.
    let phone1 = browser.window(390, 844).await?;
    phone1
        .goto(links["tables"][0]["join_url"].as_str().unwrap_or_default())
        .await?;
    wait_for(&phone1, "phone 1 live", "document.querySelector('#conn') && /Live/.test(document.querySelector('#conn').textContent)").await?;
    assert_same_origin(&phone1, &server.base).await?;
    let first = "The last bus leaves at six so shift workers can't get home";
    post_from_phone(&phone1, first).await?;
    wait_for(
        &phone1,
        "sent on phone 1",
        "/Sent/.test(document.querySelector('#form-status').textContent)",
    )
    .await?;
    wait_for(
        &phone1,
        "box emptied",
        "document.querySelector('#text').value === ''",
    )
    .await?;
    wait_for(
        &console,
        "phone 1's comment on the console",
        &format!(
            "document.querySelector('#comments').textContent.indexOf({}) >= 0",
            js_str(first)
        ),
    )
    .await?;

    // Phone 2 can't scan: types the code on the landing page and picks table 2.
    let phone2 = browser.window(360, 740).await?;
    phone2.goto(&format!("{}/", server.base)).await?;
    phone2
        .find(Locator::Id("code"))
        .await?
        .send_keys(&url("code").to_lowercase())
        .await?;
    phone2
        .find(Locator::Css("form.join button"))
        .await?
        .click()
        .await?;
    wait_for(
        &phone2,
        "table chooser",
        "document.querySelectorAll('a.table-link').length === 2",
    )
    .await?;
    phone2
        .find(Locator::XPath("//a[contains(., 'Health and care')]"))
        .await?
        .click()
        .await?;
    wait_for(&phone2, "phone 2 live", "document.querySelector('#conn') && /Live/.test(document.querySelector('#conn').textContent)").await?;
    let second = "GP appointments take three weeks";
    post_from_phone(&phone2, second).await?;
    wait_for(
        &console,
        "phone 2's comment on the console",
        &format!(
            "document.querySelector('#comments').textContent.indexOf({}) >= 0",
            js_str(second)
        ),
    )
    .await?;
    // Markup typed by an attendee is shown as text on every screen, never run.
    let sneaky =
        "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>";
    post_from_phone(&phone2, sneaky).await?;
    wait_for(
        &console,
        "markup shown as text on the console",
        &format!(
            "document.querySelector('#comments').textContent.indexOf({}) >= 0",
            js_str(sneaky)
        ),
    )
    .await?;
    let sneaky_id = console_comment_id(&console, sneaky).await?;
    console
        .find(Locator::Id(&format!("hl-{sneaky_id}")))
        .await?
        .click()
        .await?;
    let wall_early = browser.window(1280, 720).await?;
    wall_early.goto(&url("wall_url")).await?;
    wait_for(
        &wall_early,
        "markup shown as text on the wall",
        &format!("document.querySelector('#w-{sneaky_id}') && document.querySelector('#w-{sneaky_id}').textContent.indexOf({}) >= 0", js_str(sneaky)),
    )
    .await?;
    for (c, name) in [
        (&console, "console"),
        (&wall_early, "wall"),
        (&phone2, "phone"),
    ] {
        let safe = eval(
            c,
            "return document.title !== 'pwned' && document.querySelectorAll('main img[src=x], main script').length === 0",
        )
        .await?;
        assert_eq!(
            safe,
            serde_json::Value::Bool(true),
            "no attendee markup ran on the {name}"
        );
    }
    console
        .find(Locator::Id(&format!("hl-{sneaky_id}")))
        .await?
        .click()
        .await?;
    wall_early.close().await?;

    // Phone 1 never sees table 2's comment.
    let seen = eval(
        &phone1,
        &format!(
            "return document.body.textContent.indexOf({}) >= 0",
            js_str(second)
        ),
    )
    .await?;
    assert_eq!(seen, serde_json::Value::Bool(false));

    // Agree on phone 1; the console shows the count.
    let id1 = console_comment_id(&console, first).await?;
    assert!(id1 > 0);
    phone1
        .find(Locator::Css(&format!("#c-{id1} .agree-btn")))
        .await?
        .click()
        .await?;
    wait_for(
        &phone1,
        "agreed",
        &format!("document.querySelector('#c-{id1} .agree-btn').disabled"),
    )
    .await?;

    // Put it on the wall.
    let wall = browser.window(1920, 1080).await?;
    wall.goto(&url("wall_url")).await?;
    console
        .find(Locator::Id(&format!("hl-{id1}")))
        .await?
        .click()
        .await?;
    wait_for(
        &wall,
        "comment on the wall",
        &format!("document.querySelector('#w-{id1}') && document.querySelector('#w-{id1}').textContent.indexOf({}) >= 0", js_str(first)),
    )
    .await?;
    wait_for(
        &phone1,
        "on-the-wall label on the phone",
        &format!("document.querySelector('#c-{id1}').classList.contains('wall')"),
    )
    .await?;
    let fits = eval(
        &wall,
        "var d = document.documentElement; return d.scrollHeight <= window.innerHeight && d.scrollWidth <= window.innerWidth",
    )
    .await?;
    assert_eq!(
        fits,
        serde_json::Value::Bool(true),
        "no scrollbars on the wall at 1920x1080"
    );
    assert_same_origin(&wall, &server.base).await?;
    let agrees = eval(
        &console,
        &format!("return document.querySelector('#c-{id1}').textContent"),
    )
    .await?;
    assert!(
        agrees.as_str().unwrap_or_default().contains("1 agree"),
        "console shows the agreement: {agrees}"
    );

    // Hide it: gone from the wall and from phone 1; greyed on the console.
    console
        .find(Locator::Id(&format!("hide-{id1}")))
        .await?
        .click()
        .await?;
    wait_for(
        &wall,
        "gone from the wall",
        &format!("!document.querySelector('#w-{id1}')"),
    )
    .await?;
    wait_for(
        &phone1,
        "gone from the phone",
        &format!("!document.querySelector('#c-{id1}')"),
    )
    .await?;
    wait_for(
        &console,
        "hidden on console",
        &format!("document.querySelector('#c-{id1}').classList.contains('is-hidden')"),
    )
    .await?;

    // Close the round: phone 2's form goes away with a plain explanation.
    console
        .find(Locator::Id("close-round"))
        .await?
        .click()
        .await?;
    accept_confirm(&console).await?;
    wait_for(&phone2, "form hidden", "document.querySelector('#post-form').hidden || document.querySelector('#post-form').offsetParent === null").await?;

    for c in [console, phone1, phone2, wall] {
        c.close().await?;
    }
    Ok(())
}

#[tokio::test]
async fn words_written_while_the_server_is_unreachable_arrive_once() -> Result<()> {
    let Some(browser) = Browser::start().await? else {
        return Ok(());
    };
    let mut server = TestServer::start().await?;
    let links = server.create_event(SMALL_EVENT).await?;
    let join = links["tables"][0]["join_url"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let phone = browser.window(390, 844).await?;
    phone.goto(&join).await?;
    wait_for(
        &phone,
        "live",
        "/Live/.test(document.querySelector('#conn').textContent)",
    )
    .await?;

    // The laptop's server goes away (unplugged); the phone says so calmly.
    server.stop().await?;
    wait_for(
        &phone,
        "reconnecting shown",
        "/Reconnecting/.test(document.querySelector('#conn').textContent)",
    )
    .await?;
    let words = [
        "Written while the Wi-Fi was down",
        "And a second thought, also offline",
    ];
    for w in words {
        post_from_phone(&phone, w).await?;
    }
    wait_for(
        &phone,
        "two waiting",
        "document.querySelectorAll('#outbox li').length === 2",
    )
    .await?;
    let text = eval(
        &phone,
        "return document.querySelector('#outbox').textContent",
    )
    .await?;
    assert!(
        text.as_str()
            .unwrap_or_default()
            .contains("Waiting to send"),
        "{text}"
    );
    assert!(
        !text.as_str().unwrap_or_default().contains("Sent"),
        "nothing is shown as sent before the server's ack"
    );
    // Reloading while the server is down loses nothing (the browser shows its own error page).
    phone.refresh().await.ok();

    // The server comes back on the same database and port; the phone opens the page again.
    let server = server.restart().await?;
    phone.goto(&join).await?;
    wait_for(&phone, "outbox empty", "!document.querySelector('#outbox') || document.querySelectorAll('#outbox li').length === 0").await?;
    wait_for(
        &phone,
        "shown as sent",
        "/Sent/.test(document.querySelector('#form-status').textContent)",
    )
    .await?;
    for w in words {
        wait_for(
            &phone,
            "comment shown",
            &format!(
                "document.querySelector('#comments').textContent.indexOf({}) >= 0",
                js_str(w)
            ),
        )
        .await?;
    }
    let stored = eval(
        &phone,
        "return document.querySelectorAll('#comments li').length",
    )
    .await?;
    assert_eq!(stored.as_i64(), Some(2), "each arrived exactly once");
    let console = server
        .ws(&format!(
            "{}/ws",
            roundtable_tests::path_of(links["console_url"].as_str().unwrap_or_default())
        ))
        .await;
    let mut console = console?;
    let snap = console.next().await?;
    let texts: Vec<String> = snap["state"]["comments"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|c| c["text"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(texts.len(), 2);
    for w in words {
        assert_eq!(
            texts.iter().filter(|t| t.as_str() == w).count(),
            1,
            "{w} stored once"
        );
    }
    phone.close().await?;
    Ok(())
}

async fn fill(c: &Client, css: &str, text: &str) -> Result<()> {
    c.find(Locator::Css(css)).await?.send_keys(text).await?;
    Ok(())
}

#[tokio::test]
async fn an_organiser_sets_up_through_the_forms_and_a_phone_posts_without_javascript() -> Result<()>
{
    let Some(browser) = Browser::start().await? else {
        return Ok(());
    };
    let server = TestServer::start().await?;
    let token = server.state.setup_token().unwrap_or_default();
    let org = browser.window(1280, 900).await?;

    // First run: the set-up link from the terminal.
    org.goto(&format!("{}/setup?token={token}", server.base))
        .await?;
    fill(&org, "input[name=name]", "Sam Organiser").await?;
    fill(&org, "input[name=email]", "sam@example.org").await?;
    fill(&org, "input[name=password]", "a long enough secret").await?;
    fill(&org, "input[name=password_again]", "a long enough secret").await?;
    org.find(Locator::Css("form button[type=submit], form button"))
        .await?
        .click()
        .await?;
    wait_for(
        &org,
        "dashboard",
        "/Sam Organiser/.test(document.body.textContent)",
    )
    .await?;

    // New event through the web form.
    org.goto(&format!("{}/organiser/events/new", server.base))
        .await?;
    fill(&org, "input[name=title]", "Hastings listening evening").await?;
    fill(&org, "input[name=place]", "St Leonards church hall").await?;
    eval(
        &org,
        "document.querySelector('input[name=date]').value = '2026-12-05'; return true",
    )
    .await?;
    fill(&org, "input[name=table_theme_0]", "Buses and transport").await?;
    fill(&org, "input[name=table_theme_1]", "Home insulation").await?;
    fill(&org, "[name=round_prompt_0]", "Why does this matter here?").await?;
    org.find(Locator::Css("#event-form button[type=submit]"))
        .await?
        .click()
        .await?;
    wait_for(
        &org,
        "event page",
        "!!document.querySelector('#link-console')",
    )
    .await?;
    let console_url = eval(
        &org,
        "return document.querySelector('#link-console a').href",
    )
    .await?;
    let cards_url = eval(&org, "return document.querySelector('#link-cards a').href").await?;

    // The console works from the link on the event page.
    org.goto(console_url.as_str().unwrap_or_default()).await?;
    wait_for(
        &org,
        "console live",
        "document.querySelector('#conn[data-state=live]')",
    )
    .await?;

    // A phone with JavaScript off uses a table card's link and posts with the plain form.
    let cards = browser.window(1000, 800).await?;
    cards.goto(cards_url.as_str().unwrap_or_default()).await?;
    let join = eval(&cards, "return Array.prototype.map.call(document.querySelectorAll('.card'), function(c){ var m = c.textContent.match(/https?:\\/\\/\\S+\\/t\\/[a-z0-9]+/); return m ? m[0] : ''; })").await?;
    let first = join[0].as_str().unwrap_or_default().to_string();
    assert!(
        first.contains("/t/"),
        "cards show each table's link: {join}"
    );
    let path = roundtable_tests::path_of(&first);
    let phone = browser.window_without_js(390, 844).await?;
    phone.goto(&format!("{}{path}", server.base)).await?;
    fill(&phone, "#text", "Posted with JavaScript switched off").await?;
    phone
        .find(Locator::Css("#post-form button"))
        .await?
        .click()
        .await?;
    wait_for_no_js(&phone, "Sent").await?;
    let body = phone.find(Locator::Css("body")).await?.text().await?;
    assert!(
        body.contains("Posted with JavaScript switched off"),
        "{body}"
    );
    // Agree with the plain form.
    phone
        .find(Locator::Css(".agree-form button"))
        .await?
        .click()
        .await?;
    wait_for_no_js(&phone, "You agreed").await?;
    wait_for(
        &org,
        "comment on the console",
        "document.querySelector('#comments').textContent.indexOf('Posted with JavaScript switched off') >= 0",
    )
    .await?;

    // Log out really ends the session.
    org.goto(&format!("{}/organiser", server.base)).await?;
    org.find(Locator::Css("form[action='/organiser/logout'] button"))
        .await?
        .click()
        .await?;
    wait_for(
        &org,
        "login page",
        "!!document.querySelector('input[name=password]')",
    )
    .await?;
    org.goto(&format!("{}/organiser", server.base)).await?;
    wait_for(
        &org,
        "still logged out",
        "!!document.querySelector('input[name=password]')",
    )
    .await?;
    for c in [org, cards, phone] {
        c.close().await?;
    }
    Ok(())
}

/// Waits for text on a page without JavaScript (reads the body through WebDriver).
async fn wait_for_no_js(c: &Client, text: &str) -> Result<()> {
    let deadline = tokio::time::Instant::now() + roundtable_tests::DEADLINE;
    loop {
        if let Ok(body) = c.find(Locator::Css("body")).await
            && let Ok(t) = body.text().await
            && t.contains(text)
        {
            return Ok(());
        }
        anyhow::ensure!(tokio::time::Instant::now() < deadline, "never saw {text:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Accepts the "are you sure?" dialog a dangerous console button asks (within the deadline).
async fn accept_confirm(c: &Client) -> Result<()> {
    let deadline = tokio::time::Instant::now() + roundtable_tests::DEADLINE;
    loop {
        if c.accept_alert().await.is_ok() {
            return Ok(());
        }
        anyhow::ensure!(
            tokio::time::Instant::now() < deadline,
            "no confirmation was asked"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Clicks the element with this id.
async fn click(c: &Client, id: &str) -> Result<()> {
    c.find(Locator::Id(id)).await?.click().await?;
    Ok(())
}

#[tokio::test]
async fn the_lead_runs_the_show_and_a_table_facilitator_curates_with_the_mouse() -> Result<()> {
    let Some(browser) = Browser::start().await? else {
        return Ok(());
    };
    let server = TestServer::start().await?;
    let links = server.create_event(SMALL_EVENT).await?;
    let url = |k: &str| links[k].as_str().unwrap_or_default().to_string();

    let lead = browser.window(1280, 900).await?;
    lead.goto(&url("console_url")).await?;
    wait_for(
        &lead,
        "lead live",
        "document.querySelector('#conn[data-state=live]')",
    )
    .await?;
    let table_console = browser.window(1024, 768).await?;
    table_console
        .goto(
            links["tables"][0]["console_url"]
                .as_str()
                .unwrap_or_default(),
        )
        .await?;
    wait_for(
        &table_console,
        "table console live",
        "document.querySelector('#conn[data-state=live]')",
    )
    .await?;
    let phone = browser.window(390, 844).await?;
    phone
        .goto(links["tables"][0]["join_url"].as_str().unwrap_or_default())
        .await?;
    wait_for(&phone, "phone live", "document.querySelector('#conn') && /Live/.test(document.querySelector('#conn').textContent)").await?;
    let wall = browser.window(1280, 720).await?;
    wall.goto(&url("wall_url")).await?;

    // The lead starts round 1 from the run of show: the countdown runs everywhere.
    let item = eval(
        &lead,
        "var el = Array.prototype.find.call(document.querySelectorAll('[id^=agenda-item-]'), function(e){ return /Round 1/.test(e.textContent); }); return el ? el.id.replace('agenda-item-', '') : '';",
    )
    .await?;
    let item = item.as_str().unwrap_or_default().to_string();
    assert!(!item.is_empty(), "round 1 is on the run of show");
    click(&lead, &format!("agenda-start-{item}")).await?;
    let clock = |id: &str| {
        format!(
            "document.querySelector('#{id}') && /\\d+:\\d\\d/.test(document.querySelector('#{id}').textContent)"
        )
    };
    wait_for(&lead, "console countdown", &clock("countdown")).await?;
    wait_for(&phone, "phone countdown", &clock("countdown")).await?;
    wait_for(&wall, "wall countdown", &clock("wall-countdown")).await?;

    // An announcement for phones and the wall.
    lead.find(Locator::Id("announce-text"))
        .await?
        .send_keys("Five minutes left")
        .await?;
    if eval(
        &lead,
        "return document.querySelector('#announce-wall').checked",
    )
    .await?
        != serde_json::Value::Bool(true)
    {
        click(&lead, "announce-wall").await?;
    }
    click(&lead, "announce-send").await?;
    wait_for(
        &phone,
        "announcement on the phone",
        "document.querySelector('#announcement') && /Five minutes left/.test(document.querySelector('#announcement').textContent)",
    )
    .await?;
    wait_for(
        &wall,
        "announcement on the wall",
        "document.querySelector('#wall-announcement-text') && /Five minutes left/.test(document.querySelector('#wall-announcement-text').textContent)",
    )
    .await?;

    // Two near-duplicates from the phone; the table facilitator merges them with the mouse.
    let a = "Sunday buses for shift workers";
    let b = "We need buses on Sundays";
    post_from_phone(&phone, a).await?;
    wait_for(
        &phone,
        "box emptied",
        "document.querySelector('#text').value === ''",
    )
    .await?;
    post_from_phone(&phone, b).await?;
    let on_console = |t: &str| {
        format!(
            "document.querySelector('#comments').textContent.indexOf({}) >= 0",
            js_str(t)
        )
    };
    wait_for(&table_console, "both on the table console", &on_console(b)).await?;
    let id_a = console_comment_id(&table_console, a).await?;
    let id_b = console_comment_id(&table_console, b).await?;
    assert!(id_a > 0 && id_b > 0 && id_a != id_b);
    click(&table_console, &format!("merge-{id_b}")).await?;
    click(&table_console, &format!("merge-into-{id_a}")).await?;
    wait_for(
        &phone,
        "duplicate gone from the phone",
        &format!("!document.querySelector('#c-{id_b}') && !!document.querySelector('#c-{id_a}')"),
    )
    .await?;
    // Star it for the report: the lead's console shows it too.
    click(&table_console, &format!("star-{id_a}")).await?;
    wait_for(
        &lead,
        "starred on the lead console",
        &format!("document.querySelector('#c-{id_a}') && document.querySelector('#c-{id_a}').classList.contains('is-starred')"),
    )
    .await?;
    // The table facilitator puts it on the wall with the mouse.
    click(&table_console, &format!("hl-{id_a}")).await?;
    wait_for(
        &wall,
        "on the wall",
        &format!("document.querySelector('#w-{id_a}') && document.querySelector('#w-{id_a}').textContent.indexOf({}) >= 0", js_str(a)),
    )
    .await?;
    // The activity log says who did it.
    lead.goto(&format!("{}/activity", url("console_url")))
        .await?;
    wait_for(
        &lead,
        "activity log",
        &format!("/merged into #{id_a}/.test(document.body.textContent) && /Table 1 facilitator/.test(document.body.textContent)"),
    )
    .await?;
    for c in [lead, table_console, phone, wall] {
        c.close().await?;
    }
    Ok(())
}

/// Nothing on the wall overflows its window: no scrolling, and every shown comment or image
/// lies inside the viewport. Measured in the page.
const FITS: &str = "var d = document.documentElement; if (d.scrollHeight > window.innerHeight + 1 || d.scrollWidth > window.innerWidth + 1) return false; var els = document.querySelectorAll('[id^=w-], [id^=wimg-]'); for (var i = 0; i < els.length; i++) { var r = els[i].getBoundingClientRect(); if (r.width === 0 && r.height === 0) continue; if (r.top < -1 || r.left < -1 || r.bottom > window.innerHeight + 1 || r.right > window.innerWidth + 1) return false; } return true;";

#[tokio::test]
async fn the_wall_follows_the_console_through_every_layout_and_always_fits() -> Result<()> {
    use std::time::{Duration, Instant};
    let Some(browser) = Browser::start().await? else {
        return Ok(());
    };
    let server = TestServer::start().await?;
    let links = server.create_event(SMALL_EVENT).await?;
    let url = |k: &str| links[k].as_str().unwrap_or_default().to_string();
    let console_path = roundtable_tests::path_of(&url("console_url"));
    let mut api = server.ws(&format!("{console_path}/ws")).await?;
    let snap = api.next().await?;
    let main_wall = snap["state"]["walls"][0]["id"].as_i64().unwrap();
    let t1 = snap["state"]["tables"][0]["id"].as_i64().unwrap();

    // Ten comments at two tables, some long, all put on the wall.
    let mut ids = Vec::new();
    for i in 0..10 {
        let table = roundtable_tests::path_of(
            links["tables"][i % 2]["join_url"]
                .as_str()
                .unwrap_or_default(),
        );
        let mut phone = server.ws(&format!("{table}/ws")).await?;
        phone.next().await?;
        let text = if i % 3 == 0 {
            format!(
                "Comment {i}: the last bus leaves at six, so shift workers at the hospital and the care homes can't get home, and the evening classes at the college are out of reach for anyone without a car."
            )
        } else {
            format!("Comment {i}: cheaper fares for young people")
        };
        ids.push(
            phone
                .post(&format!("layout-{i:04}-xxxxxxxx"), &text)
                .await?,
        );
    }
    for id in &ids {
        api.send(serde_json::json!({"type": "highlight", "comment_id": id, "on": true}))
            .await?;
    }

    let lead = browser.window(1280, 900).await?;
    lead.goto(&url("console_url")).await?;
    wait_for(
        &lead,
        "lead live",
        "document.querySelector('#conn[data-state=live]')",
    )
    .await?;
    let big = browser.window(1920, 1080).await?;
    let small = browser.window(1280, 720).await?;
    for w in [&big, &small] {
        w.goto(&url("wall_url")).await?;
        wait_for(
            w,
            "wall shows comments",
            "document.querySelectorAll('[id^=w-]').length > 0",
        )
        .await?;
    }
    let shots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("wall-screens");
    std::fs::create_dir_all(&shots)?;

    for layout in ["columns", "spotlight", "mosaic", "focus", "join"] {
        lead.find(Locator::Id(&format!("wall-layout-{main_wall}")))
            .await?
            .select_by_value(layout)
            .await?;
        if layout == "focus" {
            wait_for(
                &lead,
                "focus table select",
                &format!("document.querySelector('#wall-table-{main_wall}') && document.querySelector('#wall-table-{main_wall}').offsetParent !== null"),
            )
            .await?;
            lead.find(Locator::Id(&format!("wall-table-{main_wall}")))
                .await?
                .select_by_value(&t1.to_string())
                .await?;
        }
        for (w, size) in [(&big, "1920x1080"), (&small, "1280x720")] {
            wait_for(
                w,
                &format!("wall in {layout}"),
                &format!("document.querySelector('main[data-layout={layout}]')"),
            )
            .await?;
            // Let the layout settle (fonts shrink to fit) before measuring.
            wait_for(
                w,
                &format!("{layout} fits at {size}"),
                &format!("(function(){{{FITS}}})()"),
            )
            .await?;
            std::fs::write(
                shots.join(format!("{layout}-{size}.png")),
                w.screenshot().await?,
            )?;
        }
    }

    // The light theme, in columns.
    lead.find(Locator::Id(&format!("wall-layout-{main_wall}")))
        .await?
        .select_by_value("columns")
        .await?;
    lead.find(Locator::Id(&format!("wall-theme-{main_wall}")))
        .await?
        .select_by_value("light")
        .await?;
    wait_for(
        &big,
        "light columns",
        "document.querySelector('main[data-layout=columns][data-theme=light]')",
    )
    .await?;
    wait_for(&big, "light fits", &format!("(function(){{{FITS}}})()")).await?;
    std::fs::write(
        shots.join("columns-light-1920x1080.png"),
        big.screenshot().await?,
    )?;

    // A new highlight appears within a second; hiding it removes it within a second.
    let table =
        roundtable_tests::path_of(links["tables"][0]["join_url"].as_str().unwrap_or_default());
    let mut phone = server.ws(&format!("{table}/ws")).await?;
    phone.next().await?;
    let fresh = phone
        .post("layout-fresh-xxxxxxxx", "Brand new on the wall")
        .await?;
    let t0 = Instant::now();
    api.send(serde_json::json!({"type": "highlight", "comment_id": fresh, "on": true}))
        .await?;
    wait_for(
        &big,
        "fresh comment",
        &format!("document.querySelector('#w-{fresh}')"),
    )
    .await?;
    let shown_after = t0.elapsed();
    let t0 = Instant::now();
    api.send(serde_json::json!({"type": "hide", "comment_id": fresh, "on": true}))
        .await?;
    wait_for(
        &big,
        "hidden comment gone",
        &format!("!document.querySelector('#w-{fresh}')"),
    )
    .await?;
    let gone_after = t0.elapsed();
    assert!(
        shown_after < Duration::from_secs(1),
        "appeared after {shown_after:?}"
    );
    assert!(
        gone_after < Duration::from_secs(1),
        "removed after {gone_after:?}"
    );
    eprintln!(
        "wall: highlight shown after {shown_after:?}, hide removed after {gone_after:?}; screenshots in {}",
        shots.display()
    );

    // Three hours at a comment a second, compressed: 300 more highlights. The wall keeps a
    // bounded page, with the newest on screen.
    // (Typed in on the console, which no attendee rate limit slows down.)
    let mut last = 0;
    for i in 0..300 {
        let cid = format!("flood-{i:06}-xxxxxxxx");
        api.send(serde_json::json!({"type": "post", "client_id": cid, "text": format!("Flood comment {i}"), "table_id": t1}))
            .await?;
        let ack = api
            .next_where("ack", |v| {
                v["type"] == "ack" && v["client_id"] == cid.as_str()
            })
            .await?;
        last = ack["comment_id"].as_i64().unwrap_or_default();
        api.send(serde_json::json!({"type": "highlight", "comment_id": last, "on": true}))
            .await?;
    }
    wait_for(
        &big,
        "newest on screen",
        &format!("document.querySelector('#w-{last}')"),
    )
    .await?;
    let nodes = eval(&big, "return document.getElementsByTagName('*').length").await?;
    let nodes = nodes.as_i64().unwrap_or(i64::MAX);
    assert!(nodes < 1500, "DOM stays bounded: {nodes} elements");
    wait_for(&big, "still fits", &format!("(function(){{{FITS}}})()")).await?;

    // The server goes away: the wall keeps its last state and says so quietly.
    let mut server = server;
    server.stop().await?;
    wait_for(
        &big,
        "offline indicator",
        "document.querySelector('#wall-conn') && document.querySelector('#wall-conn').getAttribute('data-state') !== 'live'",
    )
    .await?;
    assert_eq!(
        eval(
            &big,
            &format!("return !!document.querySelector('#w-{last}')")
        )
        .await?,
        serde_json::Value::Bool(true),
        "the last state stays on the wall"
    );
    for c in [lead, big, small] {
        c.close().await?;
    }
    Ok(())
}

#[tokio::test]
async fn a_facilitator_uploads_a_photo_from_the_console_and_puts_it_on_the_wall() -> Result<()> {
    let Some(browser) = Browser::start().await? else {
        return Ok(());
    };
    let server = TestServer::start().await?;
    let links = server.create_event(SMALL_EVENT).await?;
    let table_console = links["tables"][0]["console_url"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let wall_url = links["wall_url"].as_str().unwrap_or_default().to_string();
    let dir = tempfile::tempdir()?;
    let photo = dir.path().join("flipchart.jpg");
    std::fs::write(&photo, roundtable::images::jpeg_with_gps(640, 480, 1))?;

    let console = browser.window(1024, 768).await?;
    console.goto(&table_console).await?;
    wait_for(
        &console,
        "console live",
        "document.querySelector('#conn[data-state=live]')",
    )
    .await?;
    let wall = browser.window(1280, 720).await?;
    wall.goto(&wall_url).await?;
    console
        .find(Locator::Id("image-file"))
        .await?
        .send_keys(&photo.display().to_string())
        .await?;
    console
        .find(Locator::Id("image-caption"))
        .await?
        .send_keys("Our flipchart")
        .await?;
    click(&console, "image-upload").await?;
    wait_for(
        &console,
        "image listed",
        "document.querySelector('[id^=img-show-]')",
    )
    .await?;
    let show_id = eval(
        &console,
        "return document.querySelector('[id^=img-show-]').id",
    )
    .await?;
    let id = show_id
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("img-show-")
        .to_string();
    click(&console, &format!("img-show-{id}")).await?;
    wait_for(
        &wall,
        "photo on the wall",
        &format!("document.querySelector('#wimg-{id} img') && document.querySelector('#wimg-{id} img').complete && document.querySelector('#wimg-{id} img').naturalWidth > 0"),
    )
    .await?;
    wait_for(&wall, "fits", &format!("(function(){{{FITS}}})()")).await?;
    // The stored copy has no GPS position.
    let bytes = roundtable_tests::client()
        .get(format!("{wall_url}/images/{id}"))
        .send()
        .await?
        .bytes()
        .await?;
    assert!(!roundtable::images::has_exif(&bytes));
    click(&console, &format!("img-hide-{id}")).await?;
    wait_for(
        &wall,
        "photo gone",
        &format!("!document.querySelector('#wimg-{id}')"),
    )
    .await?;
    for c in [console, wall] {
        c.close().await?;
    }
    Ok(())
}
