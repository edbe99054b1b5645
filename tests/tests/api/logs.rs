//! The server's logs, at the most talkative level, hold no comment text, names, contact
//! details, tokens or addresses, whatever people do (and whatever goes wrong).

use std::io::Write;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use serde_json::json;

use super::{Fixture, cid};
use roundtable_tests::client;

/// Everything logged in this test binary, from now on.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

const WORDS: &str = "Logcanary the bus to Horden was cut";
const NAME: &str = "Logcanary Name";
const PHONE: &str = "07700 900555";
const EMAIL: &str = "logcanary@example.org";

#[tokio::test]
async fn logs_hold_no_words_contacts_tokens_or_addresses() -> Result<()> {
    let captured = Captured::default();
    // The most talkative level an operator can ask for (ROUNDTABLE_LOG=trace), through the
    // server's own filter.
    let installed = tracing_subscriber::fmt()
        .with_env_filter(roundtable::log_filter("trace"))
        .with_writer(captured.clone())
        .with_ansi(false)
        .try_init()
        .is_ok();
    anyhow::ensure!(installed, "another subscriber was already installed");

    let f = Fixture::unthrottled().await?;
    let org = f.organiser("logs@example.org", "Logan").await?;
    let table = f.table_path(0);
    let (mut console, snap) = f.console().await?;
    super::pledges::start_pledges(&mut console, &snap).await?;
    let (mut phone, _) = f.phone(0).await?;
    let id = phone.post(&cid("l"), WORDS).await?;
    phone
        .send(json!({"type": "post", "client_id": cid("n"), "text": "Second", "name": NAME}))
        .await?;
    phone.next_where("ack", |v| v["type"] == "ack").await?;
    // Refusals and bad input too: their text must not be logged either.
    phone
        .send(json!({"type": "post", "client_id": cid("x"), "text": format!("{WORDS}\u{202e}")}))
        .await?;
    phone.next_where("error", |v| v["type"] == "error").await?;
    for (kind, body) in [
        ("highlight", json!({"comment_id": id, "on": true})),
        (
            "edit",
            json!({"comment_id": id, "text": format!("{WORDS} (edited)")}),
        ),
        (
            "hide",
            json!({"comment_id": id, "on": true, "reason": "Logcanary reason"}),
        ),
    ] {
        let mut cmd = body;
        cmd["type"] = json!(kind);
        cmd["ref"] = json!(kind);
        console.send(cmd).await?;
        console.next_where(kind, |v| v["ref"] == kind).await?;
    }
    let web = client();
    web.get(f.server.url(&table)).send().await?;
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
    assert_eq!(res.status(), 303);
    // A malformed socket message and a wrong link.
    let mut bad = f.server.ws(&format!("{table}/ws")).await?;
    bad.next().await?;
    bad.send_raw(&format!("{{\"type\":\"post\",\"text\":\"{WORDS}\""))
        .await?;
    bad.closed().await?;
    let _ = client()
        .get(f.server.url("/t/abcdefghjkmnpqrstvwxyz0123"))
        .send()
        .await?;
    // Reports, the export, a deletion.
    for q in ["for=local&format=csv", "for=policy&format=html"] {
        org.get(f.server.url(&format!("/organiser/events/1/report?{q}")))
            .send()
            .await?;
    }
    org.get(f.server.url("/organiser/events/1/export"))
        .send()
        .await?;
    let res = org
        .post(f.server.url("/organiser/events/1/delete"))
        .form(&[("confirm", "delete")])
        .send()
        .await?;
    assert_eq!(res.status(), 303);
    console.closed().await?;

    // This process is also the test's own HTTP client: its lines are not the server's.
    let client_side = ["reqwest::", "hyper_util::client::"];
    let logs: String =
        String::from_utf8_lossy(&captured.0.lock().map(|v| v.clone()).unwrap_or_default())
            .lines()
            .filter(|l| !client_side.iter().any(|c| l.contains(c)))
            .map(|l| format!("{l}\n"))
            .collect();
    assert!(
        logs.contains("event deleted"),
        "the capture works: it saw the deletion ({} bytes)",
        logs.len()
    );
    let tokens: Vec<String> = [
        f.links["console_url"].as_str(),
        f.links["wall_url"].as_str(),
        f.links["tables"][0]["join_url"].as_str(),
        f.links["tables"][0]["console_url"].as_str(),
    ]
    .into_iter()
    .flatten()
    .filter_map(|u| u.rsplit('/').next().map(String::from))
    .collect();
    assert_eq!(tokens.len(), 4);
    let mut secrets: Vec<&str> = vec!["Logcanary", "Horden", PHONE, EMAIL, "127.0.0.1"];
    secrets.extend(tokens.iter().map(String::as_str));
    for secret in secrets {
        assert!(
            !logs.contains(secret),
            "the logs hold {secret:?}: {}",
            logs.lines()
                .filter(|l| l.contains(secret))
                .take(3)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    Ok(())
}
