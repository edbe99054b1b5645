//! Pledges and "about you" over plain HTTP forms (what a phone without JavaScript does), with
//! the wall's live count over its socket, the organiser's settings and totals, the reports,
//! and a restart in the middle.

use anyhow::{Context, Result};
use serde_json::{Value, json};

use super::{Fixture, cid};
use roundtable_tests::{TestServer, Ws, client};

const NAME: &str = "Zyxwname Pledger";
const PHONE: &str = "07700 900461";
const EMAIL: &str = "zyx.pledger@example.org";

/// Starts the run of show's pledges item from the lead's console.
pub(crate) async fn start_pledges(console: &mut Ws, snap: &Value) -> Result<()> {
    let item = snap["state"]["agenda"]["items"]
        .as_array()
        .and_then(|items| items.iter().find(|i| i["kind"] == "pledges"))
        .and_then(|i| i["id"].as_i64())
        .context("the default run of show has a pledges item")?;
    let r = cid("ref");
    console
        .send(json!({"type": "agenda_start", "item_id": item, "ref": r}))
        .await?;
    console
        .next_where("ack", |v| v["type"] == "ack" && v["ref"] == r.as_str())
        .await?;
    Ok(())
}

/// Whether the table page's pledge card is hidden.
fn card_hidden(page: &str) -> Result<bool> {
    let at = page
        .find("id=\"pledge-card\"")
        .context("the card is there")?;
    let start = page[..at].rfind('<').unwrap_or(0);
    let tag = &page[start..at + page[at..].find('>').unwrap_or(0)];
    Ok(tag.contains(" hidden"))
}

/// Posts the pledge form; the status and the page.
async fn send(
    c: &reqwest::Client,
    url: &str,
    fields: Vec<(&'static str, String)>,
) -> Result<(u16, String)> {
    let pairs: Vec<(String, String)> = fields
        .into_iter()
        .map(|(k, v)| match k {
            // "option" stands for the field name given as the value: (option, NAME).
            "option" => (v, "1".to_string()),
            _ => (k.to_string(), v),
        })
        .collect();
    let res = c.post(url).form(&pairs).send().await?;
    Ok((res.status().as_u16(), res.text().await?))
}

/// Waits for a presence message with this pledge count.
async fn pledged(ws: &mut Ws, n: i64) -> Result<()> {
    ws.next_where(&format!("pledged = {n}"), |v| {
        v["type"] == "presence" && v["pledged"] == n
    })
    .await?;
    Ok(())
}

/// The value of the checkbox `name` for the action labelled `label` on a pledge page.
pub(crate) fn option_field(page: &str, label: &str) -> Result<String> {
    let at = page.find(label).context("the action is offered")?;
    let before = &page[..at];
    let name_at = before.rfind("name=\"option_").context("its checkbox")?;
    Ok(before[name_at + 6..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string())
}

#[tokio::test]
async fn a_phone_pledges_without_javascript_changes_and_withdraws_and_the_wall_counts() -> Result<()>
{
    let f = Fixture::new().await?;
    let table = f.table_path(0);
    let phone = client();
    let page = phone.get(f.server.url(&table)).send().await?.text().await?;
    assert!(
        page.contains("id=\"pledge-card\""),
        "the table page carries the card"
    );
    assert!(card_hidden(&page)?, "hidden until the pledges item starts");

    let (mut console, snap) = f.console().await?;
    let (mut wall, _) = f.wall().await?;
    pledged(&mut wall, 0).await?;
    start_pledges(&mut console, &snap).await?;
    let page = phone.get(f.server.url(&table)).send().await?.text().await?;
    assert!(!card_hidden(&page)?, "shown while the pledges item runs");

    let form = phone
        .get(f.server.url(&format!("{table}/pledge")))
        .send()
        .await?
        .text()
        .await?;
    assert!(form.contains("Host a house meeting"), "default actions");
    assert!(form.contains("The organisers of Test listening event may phone or text me"));
    let host = option_field(&form, "Host a house meeting")?;
    let training = option_field(&form, "Come to an organising training")?;
    let url = f.server.url(&format!("{table}/pledge"));
    let post = |fields: Vec<(&'static str, String)>| send(&phone, &url, fields);

    // Refusals: each says what to do, and nothing is stored.
    let (status, body) = post(vec![("name", String::new())]).await?;
    assert_eq!(status, 422);
    assert!(body.contains("Tick at least one action"));
    let (status, body) = post(vec![("option", host.clone()), ("phone", PHONE.into())]).await?;
    assert_eq!(status, 422);
    assert!(
        body.contains("didn't tick the box"),
        "no number without consent"
    );
    assert!(
        body.contains(PHONE),
        "what was typed is kept on the page: {body}"
    );
    let (status, body) = post(vec![
        ("option", host.clone()),
        ("phone", "12".into()),
        ("phone_ok", "1".into()),
    ])
    .await?;
    assert_eq!(status, 422);
    assert!(body.contains("phone number doesn't look right"));
    let (status, body) = post(vec![("option", host.clone()), ("name", NAME.into())]).await?;
    assert_eq!(status, 422);
    assert!(body.contains("only keep a name together with a way to contact you"));
    let (status, _) = post(vec![("option", "option_999999".into())]).await?;
    assert_eq!(status, 422);
    assert_eq!(f.server.state.storage.pledge_count(1).await?, 0);

    // With consent for the phone only.
    let (status, _) = post(vec![
        ("option", host.clone()),
        ("option", training.clone()),
        ("name", NAME.into()),
        ("phone", PHONE.into()),
        ("phone_ok", "1".into()),
    ])
    .await?;
    assert_eq!(status, 303);
    pledged(&mut wall, 1).await?;
    let mine = phone
        .get(f.server.url(&format!("{table}/pledge?done=saved")))
        .send()
        .await?
        .text()
        .await?;
    assert!(mine.contains("Your pledge is saved"));
    assert!(mine.contains("id=\"withdraw\""));
    assert!(mine.contains(PHONE), "the phone sees its own details");
    let page = phone.get(f.server.url(&table)).send().await?.text().await?;
    assert!(page.contains("See your pledge"));

    // Another phone pledges anonymously; it can't see the first one's details.
    let other = client();
    let res = other
        .post(f.server.url(&format!("{table}/pledge")))
        .form(&[(host.as_str(), "1")])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    pledged(&mut wall, 2).await?;
    let theirs = other
        .get(f.server.url(&format!("{table}/pledge")))
        .send()
        .await?
        .text()
        .await?;
    assert!(!theirs.contains(PHONE) && !theirs.contains(NAME));

    // Changing: the same phone replaces its pledge (still two people).
    let (status, _) = post(vec![
        ("option", training.clone()),
        ("name", NAME.into()),
        ("email", EMAIL.into()),
        ("email_ok", "1".into()),
    ])
    .await?;
    assert_eq!(status, 303);
    assert_eq!(f.server.state.storage.pledge_count(1).await?, 2);

    // The organiser sees counts; the local pack has the contact, the policy briefing not.
    let org = f.organiser("pledges@example.org", "Pat").await?;
    let totals = org
        .get(f.server.url("/organiser/events/1/pledges"))
        .send()
        .await?
        .text()
        .await?;
    assert!(totals.contains("2 people have committed to act; 1 of them"));
    assert!(totals.contains("Action 2 (chosen by 1)"), "{totals}");
    let local = org
        .get(f.server.url("/organiser/events/1/report?format=md"))
        .send()
        .await?
        .text()
        .await?;
    assert!(local.contains("Pledges"));
    assert!(local.contains(NAME) && local.contains(EMAIL));
    assert!(
        !local.contains(PHONE),
        "the phone number was replaced by email"
    );
    for format in ["md", "html", "csv", "json"] {
        let policy = org
            .get(f.server.url(&format!(
                "/organiser/events/1/report?for=policy&format={format}"
            )))
            .send()
            .await?
            .text()
            .await?;
        for secret in [NAME, EMAIL, PHONE] {
            assert!(!policy.contains(secret), "{secret} in policy {format}");
        }
    }
    let csv = org
        .get(f.server.url("/organiser/events/1/report?format=csv"))
        .send()
        .await?
        .text()
        .await?;
    assert!(
        !csv.contains(NAME),
        "the comments CSV never carries pledge contacts"
    );

    // Withdrawing deletes the pledge and its details.
    let res = phone
        .post(f.server.url(&format!("{table}/pledge/withdraw")))
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    pledged(&mut wall, 1).await?;
    let local = org
        .get(f.server.url("/organiser/events/1/report?format=md"))
        .send()
        .await?
        .text()
        .await?;
    assert!(!local.contains(NAME) && !local.contains(EMAIL));
    let after = phone
        .get(f.server.url(&format!("{table}/pledge?done=withdrawn")))
        .send()
        .await?
        .text()
        .await?;
    assert!(after.contains("Your pledge was withdrawn"));
    assert!(!after.contains("id=\"withdraw\""));
    Ok(())
}

#[tokio::test]
async fn pledges_survive_a_restart_and_stop_when_the_event_closes() -> Result<()> {
    let server = TestServer::start().await?;
    let links = server.create_event(roundtable_tests::SMALL_EVENT).await?;
    let table = roundtable_tests::path_of(links["tables"][0]["join_url"].as_str().unwrap_or(""));
    let phone = client();
    let form = phone
        .get(server.url(&format!("{table}/pledge")))
        .send()
        .await?
        .text()
        .await?;
    let keep = option_field(&form, "Keep me informed")?;
    let res = phone
        .post(server.url(&format!("{table}/pledge")))
        .form(&[(keep.as_str(), "1")])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    let server = server.restart().await?;
    let mine = phone
        .get(server.url(&format!("{table}/pledge")))
        .send()
        .await?
        .text()
        .await?;
    assert!(mine.contains("Your pledge"), "kept across a restart");
    assert!(mine.contains("Keep me informed"));

    // Closed: no new pledges, but withdrawing still works.
    let console = roundtable_tests::path_of(links["console_url"].as_str().unwrap_or(""));
    let mut ws = server.ws(&format!("{console}/ws")).await?;
    ws.next().await?;
    let r = cid("ref");
    ws.send(json!({"type": "set_open", "open": false, "ref": r}))
        .await?;
    ws.next_where("ack", |v| v["type"] == "ack" && v["ref"] == r.as_str())
        .await?;
    let res = phone
        .post(server.url(&format!("{table}/pledge")))
        .form(&[(keep.as_str(), "1")])
        .send()
        .await?;
    assert_eq!(res.status(), 409);
    assert!(res.text().await?.contains("The event has closed"));
    let res = phone
        .post(server.url(&format!("{table}/pledge/withdraw")))
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    assert_eq!(server.state.storage.pledge_count(1).await?, 0);
    Ok(())
}

#[tokio::test]
async fn the_organiser_edits_actions_and_about_you_shows_only_totals() -> Result<()> {
    let f = Fixture::new().await?;
    let org = f.organiser("about@example.org", "Sam").await?;
    let url = f.server.url("/organiser/events/1/pledges");
    let page = org.get(&url).send().await?.text().await?;
    assert!(page.contains("value=\"Join a local campaign that came up tonight\""));
    // Bad input: a table that isn't this event's, and no action at all.
    let res = org
        .post(&url)
        .form(&[
            ("option_label_0", "Bus campaign"),
            ("option_table_0", "999"),
        ])
        .send()
        .await?;
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await?
            .contains("that table is not part of this event")
    );
    let res = org.post(&url).form(&[("contact_by", "x")]).send().await?;
    assert_eq!(res.status(), 422);
    assert!(res.text().await?.contains("Give at least one action"));
    let setup = f.server.state.storage.pledge_setup(1).await?.unwrap();
    assert_eq!(setup.live().count(), 5, "refusals change nothing");

    let buses = f.server.state.storage.event_state(1).await?.unwrap().tables[0].id;
    let res = org
        .post(&url)
        .form(&[
            ("option_label_0", "Join the campaign for a later last bus"),
            ("option_table_0", buses.to_string().as_str()),
            ("option_label_1", "Keep me informed"),
            ("contact_by", "the Fair Buses team"),
            ("about_you", "1"),
        ])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    let table = f.table_path(0);
    let phone = client();
    let form = phone
        .get(f.server.url(&format!("{table}/pledge")))
        .send()
        .await?
        .text()
        .await?;
    assert!(form.contains("Join the campaign for a later last bus"));
    assert!(form.contains("(<bdi>Table 1: Buses and transport</bdi>)"));
    assert!(!form.contains("Host a house meeting"), "removed action");
    assert!(form.contains("The Fair Buses team may email me"));

    // About you: optional answers from a fixed list; totals only.
    let page = phone.get(f.server.url(&table)).send().await?.text().await?;
    assert!(page.contains("A few questions about you"));
    let about = f.server.url(&format!("{table}/about"));
    let res = phone
        .post(&about)
        .form(&[("first_event", "Perhaps")])
        .send()
        .await?;
    assert_eq!(res.status(), 422);
    assert!(res.text().await?.contains("Choose one of the answers"));
    let res = phone
        .post(&about)
        .form(&[
            ("first_event", "Yes"),
            ("member", ""),
            ("age_band", "18–24"),
        ])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    let page = phone.get(f.server.url(&table)).send().await?.text().await?;
    assert!(
        !page.contains("A few questions about you"),
        "answered: not asked again"
    );
    let other = client();
    let res = other
        .post(&about)
        .form(&[("first_event", "No")])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    let totals = org.get(&url).send().await?.text().await?;
    assert!(totals.contains("2 people answered."), "{totals}");
    assert!(totals.contains("Yes: 1, No: 1"));
    assert!(totals.contains("18–24: 1"));
    Ok(())
}
