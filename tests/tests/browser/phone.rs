//! The phone in a phone-sized Chromium: the language switch changes every word, pledges with
//! and without consent (live card, plain form), and pledging with JavaScript off.

use anyhow::{Context, Result};
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

use roundtable_tests::browser::{Browser, eval, wait_for};
use roundtable_tests::{SMALL_EVENT, TestServer, path_of};

use super::{click, fill, wait_for_no_js};

const PHONE: (u32, u32) = (360, 740);

/// Every piece of the page's own words that a person can see: visible text nodes that are
/// not people's or organisers' words (those are in `<bdi>`), nor bare numbers and marks.
const VISIBLE_WORDS: &str = r#"
var out = [], walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walk.nextNode()) {
  var n = walk.currentNode, t = n.textContent.trim(), e = n.parentElement;
  if (!t || !/[A-Za-z]/.test(t)) continue;
  if (e.closest('bdi, script, style, [hidden]')) continue;
  if (!e.getClientRects().length) continue;
  out.push(t);
}
var attrs = document.querySelectorAll('[aria-label], input[placeholder]');
for (var i = 0; i < attrs.length; i++) {
  var a = attrs[i].getAttribute('aria-label') || attrs[i].getAttribute('placeholder');
  if (a && /[A-Za-z]/.test(a)) out.push(a);
}
return out;
"#;

async fn words(c: &Client) -> Result<Vec<String>> {
    let v = eval(c, VISIBLE_WORDS).await?;
    Ok(v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default())
}

/// Switches the page to Welsh with the header's link and checks that no English word of
/// the page is left (the same page was read in English first).
async fn every_word_changes(c: &Client, page: &str, ready: &str) -> Result<()> {
    wait_for(c, &format!("{page} in English"), ready).await?;
    let english = words(c).await?;
    anyhow::ensure!(english.len() > 3, "{page}: read too few words: {english:?}");
    click(c, "lang-switch").await?;
    wait_for(
        c,
        &format!("{page} in Welsh"),
        &format!("document.documentElement.lang === 'cy' && ({ready})"),
    )
    .await?;
    let welsh = words(c).await?;
    let left: Vec<&String> = english.iter().filter(|w| welsh.contains(w)).collect();
    assert!(
        left.is_empty(),
        "{page}: still in English after switching to Welsh: {left:?}\nWelsh page: {welsh:?}"
    );
    // Back to English with one tap too.
    click(c, "lang-switch").await?;
    wait_for(
        c,
        &format!("{page} back in English"),
        &format!("document.documentElement.lang === 'en' && ({ready})"),
    )
    .await?;
    Ok(())
}

async fn console_ws(server: &TestServer, links: &Value) -> Result<(roundtable_tests::Ws, Value)> {
    let console = path_of(links["console_url"].as_str().unwrap_or_default());
    let mut ws = server.ws(&format!("{console}/ws")).await?;
    let snap = ws.next().await?;
    Ok((ws, snap))
}

async fn start_item(ws: &mut roundtable_tests::Ws, snap: &Value, kind: &str) -> Result<()> {
    let item = snap["state"]["agenda"]["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["kind"] == kind))
        .and_then(|i| i["id"].as_i64())
        .context("agenda item")?;
    ws.send(json!({"type": "agenda_start", "item_id": item, "ref": "start"}))
        .await?;
    ws.next_where("ack", |v| v["type"] == "ack" && v["ref"] == "start")
        .await?;
    Ok(())
}

#[tokio::test]
async fn one_tap_switches_every_word_to_welsh_and_the_choice_is_remembered() -> Result<()> {
    let Some(browser) = Browser::start().await? else {
        return Ok(());
    };
    let server = TestServer::start().await?;
    let links = server.create_event(SMALL_EVENT).await?;
    let table = path_of(links["tables"][0]["join_url"].as_str().unwrap_or_default());
    let phone = browser.window(PHONE.0, PHONE.1).await?;

    phone.goto(&server.url("/")).await?;
    every_word_changes(&phone, "landing page", "!!document.getElementById('code')").await?;

    // A comment (people's words stay as written) and a reply, so the comment list and its
    // buttons are on the page.
    phone.goto(&server.url(&table)).await?;
    let live = "document.getElementById('conn').className.indexOf('on') >= 0";
    wait_for(&phone, "live", live).await?;
    fill(&phone, "#text", "The last bus leaves at six").await?;
    phone
        .find(Locator::Css("#post-form button.primary"))
        .await?
        .click()
        .await?;
    wait_for(
        &phone,
        "own comment",
        "document.querySelectorAll('#comments li').length === 1",
    )
    .await?;
    every_word_changes(&phone, "table page", live).await?;

    phone.goto(&server.url(&format!("{table}/room"))).await?;
    every_word_changes(
        &phone,
        "room page",
        "!!document.getElementById('back-link')",
    )
    .await?;
    phone.goto(&server.url(&format!("{table}/pledge"))).await?;
    every_word_changes(
        &phone,
        "pledge page",
        "!!document.getElementById('pledge-form')",
    )
    .await?;

    // Remembered: choose Welsh, then a new page of the event opens in Welsh.
    click(&phone, "lang-switch").await?;
    wait_for(&phone, "Welsh", "document.documentElement.lang === 'cy'").await?;
    phone.goto(&server.url(&table)).await?;
    wait_for(
        &phone,
        "still Welsh",
        &format!("document.documentElement.lang === 'cy' && {live}"),
    )
    .await?;
    let text = eval(
        &phone,
        "return document.getElementById('comments-h').textContent",
    )
    .await?;
    assert_ne!(text, json!("Comments at this table"));
    Ok(())
}

#[tokio::test]
async fn the_pledge_card_appears_live_and_phones_pledge_with_and_without_consent() -> Result<()> {
    let Some(browser) = Browser::start().await? else {
        return Ok(());
    };
    let server = TestServer::start().await?;
    let links = server.create_event(SMALL_EVENT).await?;
    let table = path_of(links["tables"][1]["join_url"].as_str().unwrap_or_default());
    let anon = browser.window(PHONE.0, PHONE.1).await?;
    let named = browser.window(PHONE.0, PHONE.1).await?;
    let live = "document.getElementById('conn').className.indexOf('on') >= 0";
    for p in [&anon, &named] {
        p.goto(&server.url(&table)).await?;
        wait_for(p, "live", live).await?;
        let hidden = eval(p, "return document.getElementById('pledge-card').hidden").await?;
        assert_eq!(hidden, json!(true), "no card before the pledges item");
    }
    let (mut console, snap) = console_ws(&server, &links).await?;
    start_item(&mut console, &snap, "pledges").await?;
    for p in [&anon, &named] {
        wait_for(
            p,
            "the card",
            "!document.getElementById('pledge-card').hidden",
        )
        .await?;
    }

    // Anonymous: one action, no contact details.
    click(&anon, "pledge-link").await?;
    wait_for(
        &anon,
        "pledge form",
        "!!document.getElementById('pledge-form')",
    )
    .await?;
    anon.find(Locator::Css("#pledge-form input[name^=option_]"))
        .await?
        .click()
        .await?;
    click(&anon, "pledge-save").await?;
    wait_for(
        &anon,
        "saved",
        "/Your pledge is saved/.test(document.getElementById('form-status').textContent)",
    )
    .await?;

    // Contact details without ticking consent: refused where they were typed, kept.
    click(&named, "pledge-link").await?;
    wait_for(
        &named,
        "pledge form",
        "!!document.getElementById('pledge-form')",
    )
    .await?;
    named
        .find(Locator::Css("#pledge-form input[name^=option_]"))
        .await?
        .click()
        .await?;
    fill(&named, "#p-name", "Alys Evans").await?;
    fill(&named, "#p-phone", "07700 900777").await?;
    click(&named, "pledge-save").await?;
    wait_for(
        &named,
        "refused",
        "/didn.t tick the box/.test(document.getElementById('form-error').textContent)",
    )
    .await?;
    let kept = eval(&named, "return document.getElementById('p-phone').value").await?;
    assert_eq!(kept, json!("07700 900777"), "what was typed is kept");
    assert_eq!(server.state.storage.pledge_count(1).await?, 1);
    click(&named, "p-phone-ok").await?;
    click(&named, "pledge-save").await?;
    wait_for(
        &named,
        "saved",
        "/Your pledge is saved/.test(document.getElementById('form-status').textContent)",
    )
    .await?;
    let pledges = server.state.storage.pledges(1).await?;
    assert_eq!(pledges.len(), 2);
    let contacts: Vec<_> = pledges.iter().filter_map(|p| p.contact.as_ref()).collect();
    assert_eq!(contacts.len(), 1, "only the one who consented left details");
    assert_eq!(contacts[0].name, "Alys Evans");
    assert!(contacts[0].email.is_none());
    assert!(contacts[0].phone.as_ref().is_some_and(
        |(n, consent)| n == "07700 900777" && consent.contains("may phone or text me")
    ));
    // Back at the table, the card says the pledge is made.
    anon.goto(&server.url(&table)).await?;
    wait_for(
        &anon,
        "pledged card",
        "/See your pledge/.test(document.getElementById('pledge-card').textContent)",
    )
    .await?;
    Ok(())
}

#[tokio::test]
async fn without_javascript_a_phone_posts_and_pledges() -> Result<()> {
    let Some(browser) = Browser::start().await? else {
        return Ok(());
    };
    let server = TestServer::start().await?;
    let links = server.create_event(SMALL_EVENT).await?;
    let table = path_of(links["tables"][0]["join_url"].as_str().unwrap_or_default());
    let phone = browser.window_without_js(PHONE.0, PHONE.1).await?;
    phone.goto(&server.url(&table)).await?;
    fill(&phone, "#text", "Buses every half hour after six").await?;
    phone
        .find(Locator::Css("#post-form button.primary"))
        .await?
        .click()
        .await?;
    wait_for_no_js(&phone, "Sent. Thank you!").await?;
    wait_for_no_js(&phone, "Buses every half hour after six").await?;

    phone.goto(&server.url(&format!("{table}/pledge"))).await?;
    phone
        .find(Locator::Css("#pledge-form input[name^=option_]"))
        .await?
        .click()
        .await?;
    fill(&phone, "#p-email", "alys@example.org").await?;
    phone.find(Locator::Id("p-email-ok")).await?.click().await?;
    phone
        .find(Locator::Id("pledge-save"))
        .await?
        .click()
        .await?;
    wait_for_no_js(&phone, "Your pledge is saved").await?;
    wait_for_no_js(&phone, "Withdraw my pledge").await?;
    let pledges = server.state.storage.pledges(1).await?;
    assert_eq!(pledges.len(), 1);
    phone.find(Locator::Id("withdraw")).await?.click().await?;
    wait_for_no_js(&phone, "Your pledge was withdrawn").await?;
    assert_eq!(server.state.storage.pledge_count(1).await?, 0);
    Ok(())
}

#[tokio::test]
async fn screen_readers_hear_new_comments_from_others_gathered_not_their_own() -> Result<()> {
    let Some(browser) = Browser::start().await? else {
        return Ok(());
    };
    let server = TestServer::start().await?;
    let links = server.create_event(SMALL_EVENT).await?;
    let table = path_of(links["tables"][0]["join_url"].as_str().unwrap_or_default());
    let writer = browser.window(PHONE.0, PHONE.1).await?;
    let listener = browser.window(PHONE.0, PHONE.1).await?;
    let live = "document.getElementById('conn').className.indexOf('on') >= 0";
    for p in [&writer, &listener] {
        p.goto(&server.url(&table)).await?;
        wait_for(p, "live", live).await?;
    }
    for text in ["First point about buses", "Second point about fares"] {
        fill(&writer, "#text", text).await?;
        writer
            .find(Locator::Css("#post-form button.primary"))
            .await?
            .click()
            .await?;
        wait_for(
            &writer,
            "sent",
            &format!("document.getElementById('comments').textContent.indexOf('{text}') >= 0"),
        )
        .await?;
    }
    // Both arrive within the quiet period: one announcement for the two.
    wait_for(
        &listener,
        "one gathered announcement",
        "document.getElementById('comments-sr').textContent === 'New comments: 2'",
    )
    .await?;
    let own = eval(
        &writer,
        "return document.getElementById('comments-sr').textContent",
    )
    .await?;
    assert_eq!(own, json!(""), "a phone is not told about its own comments");
    let live_regions = eval(
        &listener,
        "return document.querySelectorAll('#comments [aria-live], #comments-live[aria-live]').length",
    )
    .await?;
    assert_eq!(live_regions, json!(0), "the list itself does not chatter");
    Ok(())
}
