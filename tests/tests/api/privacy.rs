//! Privacy: the phone's notice, the organiser's retention settings, the background sweep
//! (with retention set to zero days), deleting an event, the everything-held export, and
//! attendee keys that hold no cookie or address.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::Value;

use super::{Fixture, cid};
use roundtable_tests::{DEADLINE, Ws, client};

const NAME: &str = "Qwvcanary Person";
const PHONE: &str = "07700 900777";
const EMAIL: &str = "qwv.canary@example.org";
const WORDS: &str = "Qwv canary: the last bus leaves far too early";

/// Waits until `done` holds, checking every 50 ms, failing after the deadline.
async fn until<F, Fut>(what: &str, mut done: F) -> Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool>>,
{
    let end = tokio::time::Instant::now() + DEADLINE;
    loop {
        if done().await? {
            return Ok(());
        }
        if tokio::time::Instant::now() > end {
            bail!("timed out waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Fills the event: a named comment with an agreement, a pledge with a phone and an email
/// (consent ticked for both), and an "about you" answer. Returns the organiser's client.
async fn fill(f: &Fixture) -> Result<reqwest::Client> {
    let org = f
        .organiser("privacy@example.org", "Priya Organiser")
        .await?;
    let table = f.table_path(0);
    let res = org
        .post(f.server.url("/organiser/events/1/pledges"))
        .form(&[("option_label_0", "Keep me informed"), ("about_you", "1")])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    let (mut console, snap) = f.console().await?;
    super::pledges::start_pledges(&mut console, &snap).await?;

    let (mut phone, _) = f.phone(0).await?;
    let id = phone.post(&cid("p"), WORDS).await?;
    let web = client();
    let page = web.get(f.server.url(&table)).send().await?.text().await?;
    let marker = "name=\"client_id\" value=\"";
    let at = page.find(marker).context("the form's client id")? + marker.len();
    let client_id: String = page[at..].chars().take_while(|c| *c != '"').collect();
    let res = web
        .post(f.server.url(&table))
        .form(&[
            ("text", "A second comment"),
            ("name", NAME),
            ("client_id", &client_id),
        ])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    let res = web
        .post(f.server.url(&format!("{table}/comments/{id}/agree")))
        .send()
        .await?;
    assert_eq!(res.status(), 303);

    let form = web
        .get(f.server.url(&format!("{table}/pledge")))
        .send()
        .await?
        .text()
        .await?;
    let option = super::pledges::option_field(&form, "Keep me informed")?;
    let res = web
        .post(f.server.url(&format!("{table}/pledge")))
        .form(&[
            (option.as_str(), "1"),
            ("name", NAME),
            ("phone", PHONE),
            ("phone_ok", "1"),
            ("email", EMAIL),
            ("email_ok", "1"),
        ])
        .send()
        .await?;
    assert_eq!(res.status(), 303, "pledge saved");
    let res = web
        .post(f.server.url(&format!("{table}/about")))
        .form(&[("first_event", "Yes"), ("age_band", "18–24")])
        .send()
        .await?;
    assert_eq!(res.status(), 303, "about you saved");
    phone.close().await;
    console.close().await;
    Ok(org)
}

/// Everything stored: the SQLite file and its write-ahead log, or PostgreSQL's rows.
fn disk_bytes(f: &Fixture) -> Result<Vec<u8>> {
    f.server.stored_bytes()
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Waits until none of `gone` is in the database file or its write-ahead log.
async fn off_disk(f: &Fixture, gone: &[&str]) -> Result<()> {
    until("the deleted text to leave the file and its log", || async {
        let disk = disk_bytes(f)?;
        Ok(gone.iter().all(|g| !contains(&disk, g)))
    })
    .await
}

#[tokio::test]
async fn the_sweep_deletes_contacts_and_answers_then_anonymises_comments() -> Result<()> {
    let f = Fixture::new().await?;
    let org = fill(&f).await?;
    let storage = &f.server.state.storage;
    assert!(
        contains(&disk_bytes(&f)?, EMAIL),
        "the canary is on disk to begin with"
    );
    // A report read now is cached; the sweep must not leave names in it.
    let report_url = f
        .server
        .url("/organiser/events/1/report?for=local&format=html");
    let report = org.get(&report_url).send().await?.text().await?;
    assert!(
        report.contains(NAME) && report.contains(PHONE),
        "the local pack before"
    );
    let page = org
        .get(f.server.url("/organiser/events/1/privacy"))
        .send()
        .await?
        .text()
        .await?;
    assert!(
        page.contains("“about you” answers will be deleted on 20"),
        "{page}"
    );
    assert!(page.contains("Comments are kept until you delete the event."));

    // Bad input is explained on the form and changes nothing.
    let url = f.server.url("/organiser/events/1/privacy");
    for (days, after, says) in [
        ("-1", "keep", "whole number of days from 0 to 3650"),
        ("ninety", "keep", "whole number of days from 0 to 3650"),
        ("30", "shred", "Choose what happens to the comments"),
    ] {
        let res = org
            .post(&url)
            .form(&[
                ("contact_days", days),
                ("comments_after", after),
                ("comment_days", "1"),
            ])
            .send()
            .await?;
        assert_eq!(res.status(), 422, "{days} {after}");
        let body = res.text().await?;
        assert!(body.contains(says), "{body}");
        assert!(
            body.contains(&format!("value=\"{days}\"")),
            "what was typed is kept"
        );
    }
    let p = storage.privacy(1).await?.context("the event")?;
    assert_eq!((p.contact_days, p.comments_after.code()), (90, "keep"));

    // Zero days: due at once; the background sweep (every 200 ms in tests) does it.
    let res = org
        .post(&url)
        .form(&[
            ("notice", "Questions? Write to data@example.org."),
            ("contact_days", "0"),
            ("comments_after", "anonymise"),
            ("comment_days", "0"),
        ])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    until("contacts, answers and names to go", || async {
        let pledges = storage.pledges(1).await?;
        let about = storage.about_answers(1).await?;
        let comments = storage.comments(1, None, true).await?;
        Ok(pledges.iter().all(|p| p.contact.is_none())
            && about.is_empty()
            && comments
                .iter()
                .all(|c| c.name.is_none() && c.author.is_none()))
    })
    .await?;
    // The words and the pledge (without contact) stay for the reports.
    let comments = storage.comments(1, None, true).await?;
    assert!(comments.iter().any(|c| c.text == WORDS));
    assert_eq!(storage.pledge_count(1).await?, 1);
    let agreements = storage.agreements(1).await?;
    assert_eq!(agreements.len(), 1, "the agreement still counts");
    assert!(
        agreements[0].1.starts_with("gone:"),
        "under a new random key"
    );
    // Nothing of it is left in the file or the write-ahead log.
    off_disk(&f, &[NAME, PHONE, EMAIL]).await?;
    let report = org.get(&report_url).send().await?.text().await?;
    assert!(report.contains(WORDS), "the words are still reported");
    assert!(
        !report.contains(NAME) && !report.contains(PHONE),
        "no name or number in the report after the sweep"
    );
    assert!(
        contains(&disk_bytes(&f)?, WORDS),
        "the comment itself is kept"
    );
    let page = org.get(&url).send().await?.text().await?;
    assert!(
        page.contains("“about you” answers were deleted on 20"),
        "{page}"
    );
    assert!(page.contains("were removed from the comments on 20"));
    Ok(())
}

#[tokio::test]
async fn an_event_due_for_deletion_goes_with_its_screens_and_phones() -> Result<()> {
    let f = Fixture::new().await?;
    let org = f.organiser("delete@example.org", "Dee").await?;
    let (mut console, _) = f.console().await?;
    let (mut phone, _) = f.phone(1).await?;
    phone.post(&cid("p"), WORDS).await?;
    let res = org
        .post(f.server.url("/organiser/events/1/privacy"))
        .form(&[
            ("contact_days", "0"),
            ("comments_after", "delete"),
            ("comment_days", "0"),
        ])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    for ws in [&mut console, &mut phone] {
        let closed = ws.closed().await?;
        assert!(closed.reason.contains("deleted"), "{}", closed.reason);
    }
    assert!(f.server.state.storage.event_state(1).await?.is_none());
    let table = f.table_path(1);
    assert_eq!(
        client().get(f.server.url(&table)).send().await?.status(),
        404
    );
    off_disk(&f, &[WORDS]).await?;
    Ok(())
}

#[tokio::test]
async fn the_organiser_exports_everything_then_deletes_the_event() -> Result<()> {
    let f = Fixture::new().await?;
    let org = fill(&f).await?;
    let res = org
        .get(f.server.url("/organiser/events/1/export"))
        .send()
        .await?;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-disposition"]
            .to_str()?
            .contains("everything-held.json")
    );
    let all: Value = res.json().await?;
    assert_eq!(all["kind"], "roundtable-everything-held");
    let pledge = &all["pledges"][0]["contact"];
    assert_eq!(pledge["phone"], PHONE);
    assert_eq!(pledge["email"], EMAIL);
    assert!(
        pledge["email_consent"]
            .as_str()
            .unwrap_or_default()
            .contains("may email me")
    );
    assert_eq!(all["about_you"][0]["first_event"], "Yes");
    let text = all.to_string();
    assert!(text.contains(WORDS) && text.contains(NAME));
    assert_eq!(all["privacy"]["contact_days"], 90);

    // The delete needs the word typed; without it nothing goes.
    let url = f.server.url("/organiser/events/1/delete");
    let res = org.post(&url).form(&[("confirm", "yes")]).send().await?;
    assert_eq!(res.status(), 422);
    assert!(res.text().await?.contains("Nothing was deleted"));
    assert!(f.server.state.storage.event_state(1).await?.is_some());
    let (mut wall, _) = f.wall().await?;
    let res = org
        .post(&url)
        .form(&[("confirm", " Delete ")])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    let closed = wall.closed().await?;
    assert!(closed.reason.contains("deleted"));
    assert!(f.server.state.storage.event_state(1).await?.is_none());
    assert_eq!(
        client()
            .get(f.server.url(&f.console_path()))
            .send()
            .await?
            .status(),
        404
    );
    let res = org
        .get(f.server.url("/organiser/events/1/export"))
        .send()
        .await?;
    assert_eq!(res.status(), 404, "gone for its organiser too");
    off_disk(&f, &[NAME, PHONE, EMAIL, WORDS]).await?;
    // Its number is never given to another event.
    let next = f.server.create_event(roundtable_tests::SMALL_EVENT).await?;
    assert_eq!(next["event_id"], 2, "event 1 stays gone: {next}");
    let res = org.get(f.server.url("/organiser/events/1")).send().await?;
    assert_eq!(res.status(), 404);
    Ok(())
}

#[tokio::test]
async fn phones_read_the_notice_in_their_language() -> Result<()> {
    let f = Fixture::new().await?;
    let org = f.organiser("notice@example.org", "Nia").await?;
    let res = org
        .post(f.server.url("/organiser/events/1/privacy"))
        .form(&[
            (
                "notice",
                "We are Fair Shares Seaham.\r\n\r\nWrite to <data@example.org>.",
            ),
            ("contact_days", "30"),
            ("comments_after", "anonymise"),
            ("comment_days", "180"),
        ])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    let table = f.table_path(0);
    let phone = client();
    let page = phone.get(f.server.url(&table)).send().await?.text().await?;
    assert!(
        page.contains("Who runs this event: <bdi>The organisers of Test listening event</bdi>"),
        "{page}"
    );
    assert!(page.contains(&format!("href=\"{table}/privacy\"")));
    let notice = phone
        .get(f.server.url(&format!("{table}/privacy")))
        .send()
        .await?
        .text()
        .await?;
    assert!(
        notice.contains("<p><bdi>We are Fair Shares Seaham.</bdi></p>"),
        "{notice}"
    );
    assert!(
        notice.contains("&lt;data@example.org&gt;"),
        "the organiser's words are escaped"
    );
    assert!(notice.contains("deleted 30 days after the event"));
    assert!(notice.contains("180 days after the event, names are removed"));
    let welsh = client();
    welsh.get(f.server.url("/lang/cy")).send().await?;
    let cy = welsh
        .get(f.server.url(&format!("{table}/privacy")))
        .send()
        .await?
        .text()
        .await?;
    assert!(cy.contains("Eich preifatrwydd"), "{cy}");
    assert!(cy.contains("30 diwrnod ar ôl y digwyddiad"));
    Ok(())
}

#[tokio::test]
async fn attendee_keys_hold_no_cookie_or_address_and_differ_by_event() -> Result<()> {
    let f = Fixture::new().await?;
    let second = f.server.create_event(roundtable_tests::SMALL_EVENT).await?;
    let device = "devicecookie0000000000000a";
    let mut a =
        Ws::connect_as(&f.server.ws_url(&format!("{}/ws", f.table_path(0))), device).await?;
    let id_a = a.post(&cid("a"), "First event").await?;
    let other_table =
        roundtable_tests::path_of(second["tables"][0]["join_url"].as_str().unwrap_or_default());
    let mut b = Ws::connect_as(&f.server.ws_url(&format!("{other_table}/ws")), device).await?;
    let id_b = b.post(&cid("b"), "Second event").await?;
    for (ws, id) in [(&mut a, id_a), (&mut b, id_b)] {
        let r = cid("agree");
        ws.send(serde_json::json!({"type": "agree", "comment_id": id, "ref": r}))
            .await?;
        ws.next_where("agree ack", |v| {
            v["type"] == "ack" && v["ref"] == r.as_str()
        })
        .await?;
    }
    let storage = &f.server.state.storage;
    let (v1, v2) = (storage.agreements(1).await?, storage.agreements(2).await?);
    let (k1, k2) = (&v1[0].1, &v2[0].1);
    assert_ne!(k1, device);
    assert!(!k1.contains(device) && !k2.contains(device));
    assert_ne!(k1, k2, "one device is not linkable across events");
    let authors: Vec<_> = [
        storage.comments(1, None, true).await?,
        storage.comments(2, None, true).await?,
    ]
    .into_iter()
    .flatten()
    .filter_map(|c| c.author)
    .collect();
    assert_eq!(authors.len(), 2);
    assert_ne!(authors[0], authors[1]);

    // A socket without the cookie agrees under a key that doesn't hold its address.
    let mut anon =
        Ws::connect_without_cookie(&f.server.ws_url(&format!("{}/ws", f.table_path(0)))).await?;
    let _ = anon.next().await?;
    let r = cid("agree");
    anon.send(serde_json::json!({"type": "agree", "comment_id": id_a, "ref": r}))
        .await?;
    anon.next_where("agree ack", |v| v["ref"] == r.as_str())
        .await?;
    for (_, voter) in storage.agreements(1).await? {
        assert!(!voter.contains("127.0.0.1"), "{voter}");
    }
    Ok(())
}

/// A client that is this device (its cookie) on the plain pages.
fn as_device(device: &str) -> Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("cookie", format!("rt_attendee={device}").parse()?);
    Ok(reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

#[tokio::test]
async fn a_phone_deletes_its_own_comments_from_every_screen() -> Result<()> {
    let f = Fixture::unthrottled().await?;
    let device = "mydevice00000000000000000a";
    let table = f.table_path(0);
    let mut mine = Ws::connect_as(&f.server.ws_url(&format!("{table}/ws")), device).await?;
    mine.next().await?;
    let first = mine.post(&cid("m"), "Mine one qzx").await?;
    let second = mine.post(&cid("m"), "Mine two qzx").await?;
    let (mut other, _) = f.phone(0).await?;
    let r = cid("reply");
    other
        .send(serde_json::json!({"type": "post", "client_id": r, "text": "A reply to it", "reply_to": first}))
        .await?;
    let reply = other
        .next_where("reply ack", |v| {
            v["type"] == "ack" && v["client_id"] == r.as_str()
        })
        .await?["comment_id"]
        .as_i64()
        .context("reply id")?;
    let (mut console, _) = f.console().await?;
    let h = cid("h");
    console
        .send(serde_json::json!({"type": "highlight", "comment_id": first, "on": true, "ref": h}))
        .await?;
    console
        .next_where("highlight ack", |v| v["ref"] == h.as_str())
        .await?;
    let (mut wall, snap) = f.wall().await?;
    assert!(snap.to_string().contains("Mine one qzx"), "on the wall");

    // Its own page lists both; another phone's lists neither and can't delete them.
    let web = as_device(device)?;
    let page = web
        .get(f.server.url(&format!("{table}/mine")))
        .send()
        .await?
        .text()
        .await?;
    assert!(
        page.contains("Mine one qzx") && page.contains("Mine two qzx"),
        "{page}"
    );
    // The reference it can quote is the author key the organisers' export shows.
    let reference = roundtable::security::author_of(&roundtable::security::attendee_key(1, device));
    assert!(
        page.contains(&format!("<code>{reference}</code>")),
        "{page}"
    );
    let stranger = as_device("strangerdevice00000000000a")?;
    let theirs = stranger
        .get(f.server.url(&format!("{table}/mine")))
        .send()
        .await?
        .text()
        .await?;
    assert!(!theirs.contains("Mine one qzx") && theirs.contains("haven’t written anything"));
    let res = stranger
        .post(f.server.url(&format!("{table}/mine")))
        .form(&[("comment_id", first.to_string())])
        .send()
        .await?;
    assert_eq!(res.status(), 404);
    assert!(res.text().await?.contains("isn’t one of yours"));
    let shown = f.server.state.storage.comments(1, None, false).await?;
    assert!(
        shown.iter().any(|c| c.id == first),
        "a stranger deleted nothing"
    );

    // Deleting one: gone from the console, the wall and the other phone at once.
    let res = web
        .post(f.server.url(&format!("{table}/mine")))
        .form(&[("comment_id", first.to_string())])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"].to_str()?,
        format!("{table}/mine?done=one")
    );
    for (who, ws) in [
        ("console", &mut console),
        ("wall", &mut wall),
        ("phone", &mut other),
    ] {
        ws.next_where(&format!("{who} drops it"), |v| {
            v["type"] == "comment_removed" && v["id"] == first
        })
        .await?;
    }
    let after = f.server.state.storage.comments(1, None, true).await?;
    assert!(
        !after.iter().any(|c| c.id == first),
        "not even consoles see it"
    );
    let freed = after
        .iter()
        .find(|c| c.id == reply)
        .context("the reply stays")?;
    assert_eq!(freed.reply_to, None, "the reply stands on its own");
    let page = web
        .get(f.server.url(&format!("{table}/mine?done=one")))
        .send()
        .await?
        .text()
        .await?;
    assert!(page.contains("It is gone from every screen") && !page.contains("Mine one qzx"));
    // No console can bring it back or change it.
    let r = cid("restore");
    console
        .send(serde_json::json!({"type": "hide", "comment_id": first, "on": false, "ref": r}))
        .await?;
    let refused = console
        .next_where("refusal", |v| v["ref"] == r.as_str())
        .await?;
    assert_eq!(refused["code"], "gone", "{refused}");
    // Its words are in no report or archive.
    let org = f.organiser("mine@example.org", "Mo").await?;
    let archive = org
        .get(
            f.server
                .url("/organiser/events/1/report?for=local&format=json"),
        )
        .send()
        .await?
        .text()
        .await?;
    assert!(!archive.contains("Mine one qzx") && archive.contains("Mine two qzx"));

    // Deleting all of them: only once the box is ticked.
    let res = web
        .post(f.server.url(&format!("{table}/mine")))
        .form(&[("all", "1")])
        .send()
        .await?;
    assert_eq!(res.status(), 422);
    let page = res.text().await?;
    assert!(page.contains("Nothing was deleted. To delete all your comments, tick"));
    assert!(page.contains("Mine two qzx"), "still listed");
    let res = web
        .post(f.server.url(&format!("{table}/mine")))
        .form(&[("all", "1"), ("sure", "1")])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    console
        .next_where("the second goes", |v| {
            v["type"] == "comment_removed" && v["id"] == second
        })
        .await?;
    let page = web
        .get(f.server.url(&format!("{table}/mine")))
        .send()
        .await?
        .text()
        .await?;
    assert!(page.contains("haven’t written anything"));
    // The same words survive no restart either.
    let f = Fixture {
        server: f.server.restart().await?,
        links: f.links,
    };
    let after = f.server.state.storage.comments(1, None, true).await?;
    assert!(after.iter().all(|c| c.id != first && c.id != second));
    Ok(())
}
